//! The arguments of `extract` validated into a run's [`Config`], so the
//! pipeline never sees a half-checked option.

use std::path::PathBuf;

use crate::cli::ExtractArgs;
use crate::read::html::HtmlLimits;
use crate::read::sheet::SheetLimits;
use crate::run::config::Config;
use crate::run::document::Limits;
use crate::run::output::Target;
use crate::source::archive::ZipLimits;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--jobs must be at least 1")]
    ZeroJobs,
    #[error("--errors cannot be stdout (records may go there); give a file")]
    ErrorsToStdout,
    #[error("--output and --errors name the same file: {0}")]
    SameFile(String),
    #[error("--errors must be a file, not a directory: {0}")]
    ErrorsToDirectory(String),
    #[error("--shard-index {index} is not below --shard-count {count}")]
    Shard { index: u64, count: u64 },
}

impl Config {
    pub fn from_args(args: ExtractArgs, stderr_is_terminal: bool) -> Result<Config, ConfigError> {
        let jobs = match args.jobs {
            Some(0) => return Err(ConfigError::ZeroJobs),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let output = Target::from_arg(&args.output, args.part_size);
        let errors_path = match (&args.errors, &output) {
            (Some(path), _) => path.clone(),
            (None, Target::Parts { dir, .. }) => dir.join("_errors.jsonl"),
            (None, _) => PathBuf::from("out/errors.jsonl"),
        };
        let errors = Target::from_arg(&errors_path, args.part_size);
        if errors == Target::Stdout {
            return Err(ConfigError::ErrorsToStdout);
        }
        if let Target::Parts { dir, .. } = &errors {
            return Err(ConfigError::ErrorsToDirectory(dir.display().to_string()));
        }
        let shard = match (args.shard_index, args.shard_count) {
            (Some(index), Some(count)) if index >= count => {
                return Err(ConfigError::Shard { index, count });
            }
            (Some(index), Some(count)) => Some((index, count)),
            _ => None,
        };
        let mut paths = args.paths;
        if paths.is_empty() && args.files_from.is_none() {
            paths.push(PathBuf::from("corpus"));
        }
        if output == errors {
            return Err(ConfigError::SameFile(output.to_string()));
        }
        Ok(Config {
            paths,
            files_from: args.files_from,
            shard,
            output,
            errors,
            jobs,
            emit: args.emit,
            progress: stderr_is_terminal && !args.quiet,
            summary: !args.quiet,
            max_file_size: args.max_file_size,
            zip: ZipLimits {
                max_member_size: args.max_member_size,
                max_ratio: args.max_zip_ratio,
            },
            limits: Limits {
                sheet: SheetLimits {
                    max_cells: args.max_cells,
                },
                html: HtmlLimits {
                    max_depth: args.max_html_depth,
                    max_cells: args.max_cells,
                },
            },
            timeout: Some(args.timeout).filter(|t| !t.is_zero()),
        })
    }
}
