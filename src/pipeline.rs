//! The run: documents in parallel, one writer, bounded memory.
//!
//! Inputs are sorted, then processed in ordered batches on a rayon pool of
//! `--jobs` threads; each worker turns a whole document into finished JSON
//! lines (or one error). A single writer thread receives the batches in
//! order over a bounded channel and owns both output files, so output bytes
//! never depend on `--jobs` or on scheduling, lines are never torn, and at
//! most a few batches are in memory at once. A panic in one document is
//! caught and becomes that document's error line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::cli::Emit;
use crate::config::Config;
use crate::document::{self, Origin};
use crate::error::DocError;
use crate::input::{self, Input};
use crate::record::{self, FlatIndicator, Record};
use crate::write::{ErrorLine, Sink};

/// Documents per worker in one ordered batch.
const BATCH_PER_JOB: usize = 32;

/// What a run did, for the summary line and the exit code.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub documents: usize,
    pub records: usize,
    pub indicators: usize,
    pub errors: BTreeMap<&'static str, usize>,
    pub warnings: BTreeMap<&'static str, usize>,
    pub skipped: BTreeMap<String, usize>,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl Summary {
    pub fn error_count(&self) -> usize {
        self.errors.values().sum()
    }

    /// The one summary line printed on stderr at the end of a run.
    pub fn line(&self) -> String {
        let counts = |m: &BTreeMap<&'static str, usize>| {
            if m.is_empty() {
                "none".to_string()
            } else {
                m.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        };
        let secs = self.elapsed.as_secs_f64();
        let mb = self.bytes as f64 / 1e6;
        let mut s = format!(
            "jixiao: {} documents, {} records, {} indicators; errors: {}; warnings: {}",
            self.documents,
            self.records,
            self.indicators,
            counts(&self.errors),
            counts(&self.warnings),
        );
        if !self.skipped.is_empty() {
            let skipped: Vec<_> = self
                .skipped
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let _ = write!(s, "; skipped: {}", skipped.join(" "));
        }
        let _ = write!(
            s,
            "; {mb:.2} MB in {secs:.2} s ({:.1} MB/s)",
            if secs > 0.0 { mb / secs } else { 0.0 }
        );
        s
    }
}

/// The outcome of one document, ready to be written.
struct Done {
    display: String,
    bytes: u64,
    result: Result<Lines, DocError>,
}

struct Lines {
    bytes: Vec<u8>,
    records: usize,
    indicators: usize,
    warnings: Vec<&'static str>,
}

/// Runs an extraction. Errors returned here are fatal (exit code 2):
/// an output that cannot be created or written.
pub fn run(cfg: &Config) -> anyhow::Result<Summary> {
    let start = Instant::now();
    let records_sink =
        Sink::create(&cfg.output).with_context(|| format!("cannot write {}", cfg.output))?;
    let errors_sink =
        Sink::create(&cfg.errors).with_context(|| format!("cannot write {}", cfg.errors))?;
    let inputs = input::collect(&cfg.paths);
    if cfg.summary {
        for note in &inputs.notes {
            eprintln!("jixiao: {note}");
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.jobs)
        .thread_name(|i| format!("jixiao-worker-{i}"))
        .build()
        .context("cannot start worker threads")?;
    let progress = progress_bar(cfg, inputs.documents.len() as u64);

    let (tx, rx) = mpsc::sync_channel::<Vec<Done>>(2);
    let mut summary = std::thread::scope(|scope| {
        let writer = scope.spawn(|| write_all(rx, records_sink, errors_sink, &progress));
        for batch in inputs.documents.chunks(BATCH_PER_JOB * cfg.jobs) {
            let done: Vec<Done> =
                pool.install(|| batch.par_iter().map(|i| process(i, cfg)).collect());
            if tx.send(done).is_err() {
                break; // the writer failed; its error is reported below
            }
        }
        drop(tx);
        writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")))
    })
    .context("cannot write the output")?;
    progress.finish_and_clear();
    summary.skipped = inputs.skipped;
    summary.elapsed = start.elapsed();
    Ok(summary)
}

fn progress_bar(cfg: &Config, len: u64) -> ProgressBar {
    if !cfg.progress {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{wide_bar} {pos}/{len} documents  {msg}  {elapsed} (eta {eta})",
    ) {
        pb.set_style(style);
    }
    pb
}

fn write_all(
    rx: mpsc::Receiver<Vec<Done>>,
    mut records: Sink,
    mut errors: Sink,
    progress: &ProgressBar,
) -> io::Result<Summary> {
    let mut s = Summary::default();
    let start = Instant::now();
    for batch in rx {
        for done in batch {
            s.documents += 1;
            s.bytes += done.bytes;
            progress.inc(1);
            match done.result {
                Ok(lines) => {
                    records.write_all(&lines.bytes)?;
                    s.records += lines.records;
                    s.indicators += lines.indicators;
                    for w in lines.warnings {
                        *s.warnings.entry(w).or_default() += 1;
                    }
                }
                Err(err) => {
                    errors.write_all(&ErrorLine::new(&done.display, None, &err).to_line())?;
                    *s.errors.entry(err.code()).or_default() += 1;
                }
            }
        }
        if !progress.is_hidden() {
            let mb = s.bytes as f64 / 1e6;
            let secs = start.elapsed().as_secs_f64().max(1e-3);
            progress.set_message(format!("{mb:.1} MB, {:.1} MB/s", mb / secs));
        }
    }
    records.finish()?;
    errors.finish()?;
    Ok(s)
}

/// Reads, extracts and serialises one document; never panics.
fn process(input: &Input, cfg: &Config) -> Done {
    let mut bytes = 0;
    let result = catch_unwind(AssertUnwindSafe(|| {
        if let Some(problem) = &input.problem {
            return Err(clone_problem(problem));
        }
        let data = read(input, cfg.max_file_size)?;
        bytes = data.len() as u64;
        let origin = Origin {
            path: &input.display,
            member: None,
            format: input.format,
        };
        let records = document::extract(origin, &data)?;
        serialise(records, cfg.emit)
    }))
    .unwrap_or_else(|payload| Err(DocError::Panic(panic_message(payload.as_ref()))));
    Done {
        display: input.display.clone(),
        bytes,
        result,
    }
}

fn read(input: &Input, limit: u64) -> Result<Vec<u8>, DocError> {
    let meta = std::fs::metadata(&input.path).map_err(io_error)?;
    if meta.len() > limit {
        return Err(DocError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    std::fs::read(&input.path).map_err(io_error)
}

fn io_error(e: io::Error) -> DocError {
    match e.kind() {
        io::ErrorKind::NotFound => DocError::NotFound,
        _ => DocError::Io(e),
    }
}

fn clone_problem(p: &DocError) -> DocError {
    match p {
        DocError::NotFound => DocError::NotFound,
        other => DocError::Io(io::Error::other(other.to_string())),
    }
}

fn serialise(mut records: Vec<Record>, emit: Emit) -> Result<Lines, DocError> {
    let mut out = Lines {
        bytes: Vec::new(),
        records: records.len(),
        indicators: 0,
        warnings: Vec::new(),
    };
    for r in records.iter_mut() {
        match emit {
            Emit::Projects => {
                let line = record::to_json_line(r).map_err(DocError::Serialize)?;
                out.bytes.extend_from_slice(&line);
            }
            Emit::Indicators => {
                for (i, ind) in r.project.indicators.iter().enumerate() {
                    let flat = FlatIndicator {
                        schema_version: r.schema_version,
                        record_id: &r.record_id,
                        indicator_index: i,
                        year: r.project.year,
                        department: r.project.department.as_deref(),
                        project_name: r.project.project_name.as_deref(),
                        indicator: ind,
                    };
                    serde_json::to_writer(&mut out.bytes, &flat).map_err(DocError::Serialize)?;
                    out.bytes.push(b'\n');
                }
            }
        }
        out.indicators += r.project.indicators.len();
        out.warnings
            .extend(r.project.warnings.iter().map(|w| w.code));
    }
    Ok(out)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
