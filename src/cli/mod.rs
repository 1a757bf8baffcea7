//! Command-line arguments (clap). Validation into settings the rest of the
//! program can trust happens in [`crate::cli::config`].

pub mod config;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Examples and exit codes, printed at the end of `jixiao --help`.
const AFTER_HELP: &str = "\
Examples:
  jixiao extract corpus                       # → out/records.jsonl, out/errors.jsonl, out/manifest.jsonl
  jixiao extract archive/ -o out/parts/       # part files + _errors.jsonl, _manifest.jsonl, _SUCCESS
  cat table.txt | jixiao extract - -o -       # one document from stdin; error lines on stderr
  jixiao sample -n 5 | cut -f1 | xargs jixiao show
  jixiao report -o -  > report.html
  jixiao schema > record.schema.json

Exit codes:
  0  every document gave records
  1  some inputs are error lines (see the errors file), or `show` found no such id
  2  usage error, a path that does not exist, no document found, or an
     output that cannot be written (previous outputs are left untouched)
  130/143  interrupted by SIGINT/SIGTERM (no output written)";

#[derive(Debug, Parser)]
#[command(
    name = "jixiao",
    version,
    about = "Performance target tables (绩效目标表) → JSON Lines for data warehouses",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Extract every project of every document under PATH into JSON Lines.
    Extract(ExtractArgs),
    /// Show records beside the source rows they came from (re-read and
    /// checked against each record's sha256).
    #[command(after_help = "Example: jixiao show 3f2a9c0d1e4b5a6f-0 --records out/records.jsonl")]
    Show {
        /// Record ids (`record_id`); an id that several records share (the
        /// same bytes under two paths) shows each of them.
        #[arg(value_name = "RECORD_ID", required = true)]
        record_ids: Vec<String>,
        /// Only records whose `source.path` is this.
        #[arg(long, value_name = "PATH")]
        path: Option<String>,
        /// The records file the ids are in (`-`: standard input).
        #[arg(long, default_value = "out/records.jsonl")]
        records: PathBuf,
    },
    /// A reproducible random sample of record ids (pipe into `show`).
    Sample {
        /// How many records.
        #[arg(short = 'n', default_value_t = 20)]
        n: usize,
        /// The same seed gives the same sample, whatever the file order.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Only records with warnings.
        #[arg(long)]
        warned: bool,
        /// The records file to sample (`-`: standard input).
        #[arg(long, default_value = "out/records.jsonl")]
        records: PathBuf,
    },
    /// Write a self-contained HTML review report: counts, errors, a
    /// filterable records table, charts, and side-by-side panels (source
    /// rows beside the extracted fields) for sampled and warned records.
    #[command(after_help = "Example: jixiao report -o out/report.html && xdg-open out/report.html")]
    Report {
        /// The records file (`-`: standard input).
        #[arg(long, default_value = "out/records.jsonl")]
        records: PathBuf,
        /// The errors file of the same run (a missing file: no errors shown).
        #[arg(long, default_value = "out/errors.jsonl")]
        errors: PathBuf,
        /// The HTML page to write (`-`: standard output).
        #[arg(short, long, default_value = "out/report.html")]
        output: PathBuf,
        /// How many randomly sampled records get a panel (warned records
        /// always do, up to 300 panels in all).
        #[arg(long, default_value_t = 20)]
        sample: usize,
        /// The seed of the sample (the same seed, the same panels).
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Print the JSON Schema (2020-12) of the output lines.
    Schema {
        /// The schema of `--emit projects` lines or of `--emit indicators` lines.
        #[arg(long, value_enum, default_value_t = Emit::Projects)]
        emit: Emit,
    },
    /// A worker process of `extract` (started by the run itself; it speaks
    /// the worker protocol on its standard input and output).
    #[command(hide = true)]
    Worker,
}

#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// Files or folders (walked recursively; hidden entries skipped), or
    /// `-` for one document on standard input. A path that does not exist
    /// stops the run (exit 2) before any output is touched.
    /// Default: `corpus`, unless --files-from gives the inputs.
    pub paths: Vec<PathBuf>,

    /// Read more input paths from FILE, one per line (`-`: standard input),
    /// as Spark's `RDD.pipe` and Hadoop Streaming feed them.
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,

    /// Records output: a file, `-` for stdout, or a directory (a path
    /// ending in `/`, or an existing folder) for part files plus `_SUCCESS`.
    #[arg(short, long, default_value = "out/records.jsonl")]
    pub output: PathBuf,

    /// Largest part file when --output is a directory (`256MiB`, `1GB`, bytes).
    #[arg(long, default_value = "256MiB", value_parser = parse_size)]
    pub part_size: u64,

    /// Process only the inputs of shard I of --shard-count (a stable hash of
    /// each file's path, so shards never overlap and together cover all).
    #[arg(long, value_name = "I", requires = "shard_count")]
    pub shard_index: Option<u64>,

    /// The number of shards (Slurm array size, Kubernetes completions).
    #[arg(long, value_name = "N", requires = "shard_index")]
    pub shard_count: Option<u64>,

    /// Errors output file: one line per input that gave no records
    /// [default: out/errors.jsonl; `DIR/_errors.jsonl` when --output is a
    /// directory, so shards writing to their own folders never collide;
    /// stderr, as JSON lines, when --output is `-`].
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,

    /// Manifest file (`-`: stdout): one line per file met and per zip
    /// member, skipped ones included, with its outcome [default: beside
    /// the errors file, named after it (`errors-3.jsonl` →
    /// `manifest-3.jsonl`, else `manifest.jsonl`); `DIR/_manifest.jsonl`
    /// when --output is a directory; none when --output is `-`].
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,

    /// Worker threads (default: all cores).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// One line per project, or one flat line per indicator.
    #[arg(long, value_enum, default_value_t = Emit::Projects)]
    pub emit: Emit,

    /// No progress bar and no summary line.
    #[arg(short, long)]
    pub quiet: bool,

    /// Skip (as an error line) files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 512 * 1024 * 1024)]
    pub max_file_size: u64,

    /// Refuse (as an error line) zip members larger than this many bytes.
    #[arg(long, default_value_t = 256 * 1024 * 1024)]
    pub max_member_size: u64,

    /// Refuse zip members that expand more than this many times.
    #[arg(long, default_value_t = 200)]
    pub max_zip_ratio: u64,

    /// Read no more than this from one archive's members in all (`4GiB`),
    /// by their declared sizes in member order: the rest are error lines.
    #[arg(long, default_value = "4GiB", value_parser = parse_size)]
    pub max_archive_size: u64,

    /// Refuse sheets whose used range, or HTML pages whose tables, have
    /// more cells than this (the cells a colspan/rowspan stands for count).
    #[arg(long, default_value_t = 5_000_000)]
    pub max_cells: u64,

    /// Refuse PDF documents of more pages than this.
    #[arg(long, default_value_t = 2_000)]
    pub max_pages: usize,

    /// Refuse HTML pages nested deeper than this.
    #[arg(long, default_value_t = 512)]
    pub max_html_depth: usize,

    /// Refuse workbooks whose cells hold more text than this in all (`256MiB`,
    /// `1GB`): one shared string may be referenced by any number of cells.
    #[arg(long, default_value = "256MiB", value_parser = parse_size)]
    pub max_text: u64,

    /// Refuse documents that hold more projects than this (a `too_large`
    /// error line instead of a record set of gigabytes).
    #[arg(long, default_value_t = 10_000)]
    pub max_projects: usize,

    /// Time budget per document (`30s`, `500ms`, `2m`; `0` for none). A
    /// document over budget becomes a `timeout` error line and its worker
    /// process is killed.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: std::time::Duration,

    /// The address space each worker process may use (`2GiB`, `512MiB`):
    /// a document that needs more is an `out_of_memory` error line.
    #[arg(long, default_value = "2GiB", value_parser = parse_size)]
    pub max_memory: u64,

    /// Parse documents in the run's own threads instead of worker
    /// processes: faster (no copy of the output between processes), for
    /// inputs you trust (an allocation failure or a stack overflow then
    /// ends the whole run, and a document past --timeout keeps its thread
    /// until it is done).
    #[arg(long)]
    pub no_isolate: bool,
}

pub use crate::run::config::Emit;

/// `256MiB`, `1GB`, `64KiB`, `1000`: a size in bytes, as `bytesize` reads
/// it (`KiB`/`MiB`/`GiB` are powers of 1024, `KB`/`MB`/`GB` and the bare
/// letters `K`/`M`/`G` powers of 1000). Zero is refused.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let size: bytesize::ByteSize = s
        .trim()
        .parse()
        .map_err(|e| format!("not a size: {s:?} ({e})"))?;
    match size.as_u64() {
        0 => Err(format!("a size must be above zero: {s:?}")),
        n => Ok(n),
    }
}

/// `30s`, `500ms`, `2m`, `1h 30m`, `0`: a duration, as `humantime` reads it
/// (a unit is required, but `0` alone means none).
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    match s.trim() {
        "0" => Ok(std::time::Duration::ZERO),
        t => humantime::parse_duration(t).map_err(|e| format!("not a duration: {s:?} ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        use std::time::Duration;
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("1.5").is_err(), "a unit is required");
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3 fortnights").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert_eq!(parse_size("64k"), Ok(64_000));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("1.5 GiB"), Ok(3 << 29));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn the_cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
