//! The arguments of `extract` validated into a run's [`Config`], so the
//! pipeline never sees a half-checked option.

use std::path::PathBuf;

use crate::cli::ExtractArgs;
use crate::read::docx::DocxLimits;
use crate::read::html::HtmlLimits;
use crate::read::pdf::PdfLimits;
use crate::read::sheet::SheetLimits;
use crate::run::config::{Config, Isolation};
use crate::run::document::Limits;
use crate::run::output::Target;
use crate::source::archive::ZipLimits;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--jobs must be at least 1")]
    ZeroJobs,
    #[error("--errors cannot be stdout (records may go there); give a file")]
    ErrorsToStdout,
    #[error("two outputs name the same file: {0}")]
    SameFile(String),
    #[error("--errors must be a file, not a directory: {0}")]
    ErrorsToDirectory(String),
    #[error("--manifest must be a file or `-`, not a directory: {0}")]
    ManifestToDirectory(String),
    #[error("--output and --manifest cannot both be stdout")]
    BothToStdout,
    #[error("--shard-count must be at least 1")]
    ZeroShards,
    #[error("standard input cannot be both a document (`-`) and the --files-from list")]
    StdinTwice,
    #[error("--shard-index {index} is not below --shard-count {count}")]
    Shard { index: u64, count: u64 },
    #[error(
        "cannot find this program to start its worker processes ({0}); --no-isolate parses in-process"
    )]
    NoProgram(std::io::Error),
}

/// The default manifest: the errors file's name with `errors` replaced by
/// `manifest` (`out/errors-3.jsonl` → `out/manifest-3.jsonl`, so shards
/// writing their own errors files write their own manifests), else
/// `manifest.jsonl` beside it.
fn manifest_beside(errors: &std::path::Path) -> PathBuf {
    let name = errors
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let manifest = match name.rfind("errors") {
        Some(at) => format!("{}manifest{}", &name[..at], &name[at + "errors".len()..]),
        None => "manifest.jsonl".to_string(),
    };
    errors
        .parent()
        .unwrap_or(std::path::Path::new(""))
        .join(manifest)
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
            (Some(path), _) => Some(path.clone()),
            (None, Target::Parts { dir, .. }) => Some(dir.join("_errors.jsonl")),
            (None, Target::Stdout) => None,
            (None, _) => Some(PathBuf::from("out/errors.jsonl")),
        };
        let errors = match &errors_path {
            Some(path) => Target::from_arg(path, args.part_size),
            None => Target::Stderr,
        };
        if errors == Target::Stdout {
            return Err(ConfigError::ErrorsToStdout);
        }
        if let Target::Parts { dir, .. } = &errors {
            return Err(ConfigError::ErrorsToDirectory(dir.display().to_string()));
        }
        let manifest = match (&args.manifest, &output, &errors_path) {
            (Some(path), _, _) => Some(Target::from_arg(path, args.part_size)),
            (None, Target::Parts { dir, .. }, _) => Some(Target::File(dir.join("_manifest.jsonl"))),
            (None, Target::Stdout, _) | (None, _, None) => None,
            (None, _, Some(errors)) => Some(Target::File(manifest_beside(errors))),
        };
        if let Some(Target::Parts { dir, .. }) = &manifest {
            return Err(ConfigError::ManifestToDirectory(dir.display().to_string()));
        }
        if manifest == Some(Target::Stdout) && output == Target::Stdout {
            return Err(ConfigError::BothToStdout);
        }
        let shard = match (args.shard_index, args.shard_count) {
            (_, Some(0)) => return Err(ConfigError::ZeroShards),
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
        if output.same_as(&errors) {
            return Err(ConfigError::SameFile(output.to_string()));
        }
        if let Some(m) = &manifest
            && (m.same_as(&output) || m.same_as(&errors))
        {
            return Err(ConfigError::SameFile(m.to_string()));
        }
        let stdin_list = args.files_from.as_deref() == Some(std::path::Path::new("-"));
        if stdin_list && paths.iter().any(|p| p.as_os_str() == "-") {
            return Err(ConfigError::StdinTwice);
        }
        let isolation = if args.no_isolate {
            None
        } else {
            Some(Isolation {
                program: std::env::current_exe().map_err(ConfigError::NoProgram)?,
                args: vec!["worker".to_string()],
                max_memory: args.max_memory,
            })
        };
        Ok(Config {
            isolation,
            paths,
            files_from: args.files_from,
            shard,
            output,
            errors,
            manifest,
            jobs,
            emit: args.emit,
            progress: stderr_is_terminal && !args.quiet,
            summary: !args.quiet,
            max_file_size: args.max_file_size,
            zip: ZipLimits {
                max_member_size: args.max_member_size,
                max_ratio: args.max_zip_ratio,
                max_archive_size: args.max_archive_size,
            },
            limits: Limits {
                sheet: SheetLimits {
                    max_cells: args.max_cells,
                    max_text: args.max_text,
                },
                html: HtmlLimits {
                    max_depth: args.max_html_depth,
                    max_cells: args.max_cells,
                },
                docx: DocxLimits {
                    max_part_size: args.max_member_size,
                    max_ratio: args.max_zip_ratio,
                    max_cells: args.max_cells,
                },
                pdf: PdfLimits {
                    max_pages: args.max_pages,
                    max_glyphs: usize::try_from(args.max_cells).unwrap_or(usize::MAX),
                },
                max_projects: args.max_projects,
            },
            timeout: Some(args.timeout).filter(|t| !t.is_zero()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_is_named_after_the_errors_file() {
        let m = |e: &str| manifest_beside(std::path::Path::new(e));
        assert_eq!(m("out/errors.jsonl"), PathBuf::from("out/manifest.jsonl"));
        assert_eq!(
            m("out/errors-3.jsonl"),
            PathBuf::from("out/manifest-3.jsonl")
        );
        assert_eq!(m("run.errors.jsonl"), PathBuf::from("run.manifest.jsonl"));
        assert_eq!(m("/tmp/e.jsonl"), PathBuf::from("/tmp/manifest.jsonl"));
    }
}
