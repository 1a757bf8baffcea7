//! The settings of a run, plain data: built from the command line by
//! the `cli` stage (or by any other caller of the library), read by
//! the pipeline.

use std::path::PathBuf;

use crate::run::document::Limits;
use crate::run::output::Target;
use crate::source::archive::ZipLimits;

/// Which lines `records.jsonl` holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
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
    /// Worker processes, or `None` to parse in the run's own threads
    /// (`--no-isolate`).
    pub isolation: Option<Isolation>,
}

impl Config {
    /// What a document's job needs of the settings.
    pub fn settings(&self) -> Settings {
        Settings {
            max_file_size: self.max_file_size,
            zip: self.zip,
            limits: self.limits,
            emit: self.emit,
        }
    }
}

/// The settings one document's job reads: plain data, sent to each
/// worker process when it starts.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub max_file_size: u64,
    pub zip: ZipLimits,
    pub limits: Limits,
    pub emit: Emit,
}

/// How documents are parsed in worker processes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isolation {
    /// The program to start as a worker, with the arguments that make it
    /// one: the `jixiao` binary and its hidden `worker` command.
    pub program: PathBuf,
    pub args: Vec<String>,
    /// The address-space limit of each worker, in bytes (`--max-memory`).
    pub max_memory: u64,
}
