//! Command-line arguments (clap). Validation into settings the rest of the
//! program can trust happens in [`crate::config`].

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "jixiao",
    version,
    about = "Performance target tables (绩效目标表) → JSON Lines for data warehouses"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Extract every project of every document under PATH into JSON Lines.
    Extract(ExtractArgs),
}

#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// Files or folders (walked recursively; hidden entries skipped).
    #[arg(default_value = "corpus")]
    pub paths: Vec<PathBuf>,

    /// Records output file, or `-` for stdout.
    #[arg(short, long, default_value = "out/records.jsonl")]
    pub output: PathBuf,

    /// Errors output file: one line per input that gave no records.
    #[arg(long, default_value = "out/errors.jsonl")]
    pub errors: PathBuf,

    /// Worker threads (default: all cores).
    #[arg(short, long)]
    pub jobs: Option<usize>,

    /// One line per project, or one flat line per indicator.
    #[arg(long, value_enum, default_value_t = Emit::Projects)]
    pub emit: Emit,

    /// No progress bar and no summary line.
    #[arg(short, long)]
    pub quiet: bool,

    /// Skip (as an error line) files larger than this many bytes.
    #[arg(long, default_value_t = 512 * 1024 * 1024)]
    pub max_file_size: u64,

    /// Refuse (as an error line) zip members larger than this many bytes.
    #[arg(long, default_value_t = 256 * 1024 * 1024)]
    pub max_member_size: u64,

    /// Refuse zip members that expand more than this many times.
    #[arg(long, default_value_t = 200)]
    pub max_zip_ratio: u64,

    /// Refuse sheets whose used range has more cells than this.
    #[arg(long, default_value_t = 5_000_000)]
    pub max_cells: u64,

    /// Refuse HTML pages nested deeper than this.
    #[arg(long, default_value_t = 512)]
    pub max_html_depth: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    Projects,
    Indicators,
}
