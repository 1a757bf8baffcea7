//! The settings of a run, plain data: built from the command line by
//! the `cli` stage (or by any other caller of the library), read by
//! the pipeline.

use std::path::PathBuf;

use crate::run::document::Limits;
use crate::run::output::Target;
use crate::source::archive::ZipLimits;

/// Which lines `records.jsonl` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// One line per project (the record format).
    Projects,
    /// One line per indicator, flat, with its project's keys.
    Indicators,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Vec<PathBuf>,
    /// `--files-from`: a file of paths, or `-` for standard input.
    pub files_from: Option<PathBuf>,
    /// `(index, count)`: only inputs of this shard.
    pub shard: Option<(u64, u64)>,
    pub output: Target,
    /// Error lines: a file, or stderr as JSON lines (the default when the
    /// records go to stdout, so `-o -` creates no file).
    pub errors: Target,
    /// The manifest, one line per file met (`None`: not written).
    pub manifest: Option<Target>,
    pub jobs: usize,
    pub emit: Emit,
    pub progress: bool,
    pub summary: bool,
    pub max_file_size: u64,
    pub zip: ZipLimits,
    pub limits: Limits,
    /// Time budget per document (`None`: unlimited).
    pub timeout: Option<std::time::Duration>,
}
