//! Validated settings for a run, built from the raw arguments, so the
//! pipeline never sees a half-checked option.

use std::path::PathBuf;

use crate::archive::ZipLimits;
use crate::cli::{Emit, ExtractArgs};
use crate::document::Limits;
use crate::read::html::HtmlLimits;
use crate::read::sheet::SheetLimits;
use crate::write::Target;

#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Vec<PathBuf>,
    pub output: Target,
    pub errors: Target,
    pub jobs: usize,
    pub emit: Emit,
    pub progress: bool,
    pub summary: bool,
    pub max_file_size: u64,
    pub zip: ZipLimits,
    pub limits: Limits,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--jobs must be at least 1")]
    ZeroJobs,
    #[error("--errors cannot be stdout (records may go there); give a file")]
    ErrorsToStdout,
    #[error("--output and --errors name the same file: {0}")]
    SameFile(String),
}

impl Config {
    pub fn from_args(args: ExtractArgs, stderr_is_terminal: bool) -> Result<Config, ConfigError> {
        let jobs = match args.jobs {
            Some(0) => return Err(ConfigError::ZeroJobs),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let output = Target::from_arg(&args.output);
        let errors = Target::from_arg(&args.errors);
        if errors == Target::Stdout {
            return Err(ConfigError::ErrorsToStdout);
        }
        if output == errors {
            return Err(ConfigError::SameFile(output.to_string()));
        }
        Ok(Config {
            paths: args.paths,
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
                },
            },
        })
    }
}
