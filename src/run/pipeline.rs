//! The run: documents in parallel, one writer, bounded memory.
//!
//! Inputs are sorted, then handed as jobs ([`job::Work`]: a file, or a
//! member of a listed zip) to a rayon pool of `--jobs` threads
//! ([`schedule`]). By default each thread owns a worker process
//! ([`isolate`]) that parses its documents, so that nothing a document
//! does can abort the run; with `--no-isolate` the threads parse them
//! themselves. The calling thread receives the results in input order (a
//! bounded reorder window) and alone writes them ([`crate::run::writer`]),
//! so output bytes never depend on `--jobs` or on scheduling, lines are
//! never torn, and at most a window of documents is in memory at once.
//! A panic in one document is caught and becomes that document's error
//! line; a document over its time budget (`--timeout`) becomes a `timeout`
//! line.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::{DocError, Failure};
use crate::run::config::{Config, Settings};
use crate::run::document;
use crate::run::isolate::{Lost, Workers};
use crate::run::job::{self, Ctx, Work, elapsed_ms, guarded, read_at_most};
use crate::run::output::{Sink, Target};
use crate::run::protocol::{Request, Source};
use crate::run::schedule;
pub use crate::run::writer::Summary;
use crate::run::writer::{Done, Got, Output};
use crate::source::archive;
use crate::source::{self, Format, Input};

/// Jobs in flight or waiting to be written, per worker thread: enough that
/// one slow document does not idle the others, few enough that memory
/// stays bounded.
const WINDOW_PER_JOB: usize = 32;

/// What the run keeps of a job, to write its line if the job is lost.
struct JobLabel {
    display: String,
    member: Option<String>,
}

fn label(work: &Work) -> JobLabel {
    let (display, member) = work.label();
    JobLabel {
        display: display.to_string(),
        member: member.map(str::to_string),
    }
}

/// A run stopped by SIGINT or SIGTERM: no output file was written (the
/// temporary files are removed) and the previous outputs are untouched.
#[derive(Debug, thiserror::Error)]
#[error("interrupted by {name}: no output written, previous output left as it was")]
pub struct Interrupted {
    pub signal: i32,
    pub name: &'static str,
}

impl Interrupted {
    /// The conventional exit code: 128 + the signal number (130, 143).
    pub fn exit_code(&self) -> u8 {
        u8::try_from(128 + self.signal).unwrap_or(130)
    }
}

/// Turns SIGINT and SIGTERM into a flag the run checks between documents.
fn stop_on_signals() -> anyhow::Result<Arc<AtomicUsize>> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let stop = Arc::new(AtomicUsize::new(0));
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register_usize(signal, Arc::clone(&stop), signal as usize)
            .context("cannot install the signal handler")?;
    }
    Ok(stop)
}

fn interrupted(stop: &AtomicUsize) -> Option<Interrupted> {
    match stop.load(Ordering::SeqCst) {
        0 => None,
        s if s == signal_hook::consts::SIGTERM as usize => Some(Interrupted {
            signal: signal_hook::consts::SIGTERM,
            name: "SIGTERM",
        }),
        _ => Some(Interrupted {
            signal: signal_hook::consts::SIGINT,
            name: "SIGINT",
        }),
    }
}

/// A mistake found before any work: the run stops (exit code 2) and no
/// output is touched.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// A path given on the command line that does not exist (a path of a
    /// `--files-from` list that vanished is an error line instead).
    #[error("{0}: No such file or directory")]
    Missing(String),
    #[error("no documents found under {0}")]
    NoDocuments(String),
}

/// What the jobs share: the settings, and standard input when a document
/// is read from it (read whole, on the supervising thread, before work
/// starts).
struct Shared {
    settings: Settings,
    stdin: Option<Result<Arc<[u8]>, DocError>>,
    /// `None`: `--no-isolate`.
    workers: Option<Workers>,
}

impl Shared {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            settings: &self.settings,
            stdin: self.stdin.as_ref(),
        }
    }
}

/// Reads standard input as one document, refusing more than `limit` bytes.
fn read_stdin(limit: u64) -> Result<Arc<[u8]>, DocError> {
    read_at_most(io::stdin().lock(), limit, 0).map(Arc::from)
}

/// The inputs of a run: the command-line paths (each must exist) and the
/// `--files-from` list (whose vanished paths become error lines), walked.
fn inputs(cfg: &Config) -> anyhow::Result<source::Inputs> {
    for path in &cfg.paths {
        let missing = path.as_os_str() != "-"
            && std::fs::metadata(path).is_err_and(|e| e.kind() == io::ErrorKind::NotFound);
        if missing {
            return Err(Refused::Missing(path.display().to_string()).into());
        }
    }
    let mut paths = cfg.paths.clone();
    if let Some(list) = &cfg.files_from {
        let text = if list.as_os_str() == "-" {
            io::read_to_string(io::stdin()).context("cannot read the path list from stdin")?
        } else {
            std::fs::read_to_string(list)
                .with_context(|| format!("cannot read --files-from {}", list.display()))?
        };
        paths.extend(source::read_path_list(&text));
    }
    let inputs = source::collect(&paths);
    if inputs.document_count() == 0 {
        let mut under: Vec<String> = cfg.paths.iter().map(|p| p.display().to_string()).collect();
        if let Some(list) = &cfg.files_from {
            under.push(format!("the paths of --files-from {}", list.display()));
        }
        return Err(Refused::NoDocuments(under.join(", ")).into());
    }
    Ok(inputs)
}

/// Opens an output, naming the path the user gave when it fails.
fn open(target: &Target) -> anyhow::Result<Sink> {
    Sink::create(target).with_context(|| format!("cannot write {target}"))
}

/// Runs an extraction. Errors returned here are fatal (exit code 2): a
/// [`Refused`] run (before any output is touched), an output that cannot
/// be created or written; or [`Interrupted`].
pub fn run(cfg: &Config) -> anyhow::Result<Summary> {
    let start = Instant::now();
    let stop = stop_on_signals()?;
    let mut inputs = inputs(cfg)?;
    if let Some((index, count)) = cfg.shard {
        inputs
            .documents
            .retain(|d| source::shard_of(&d.display, count) == index);
    }
    let stdin = inputs
        .documents
        .iter()
        .any(|i| i.is_stdin() && i.skipped.is_none())
        .then(|| read_stdin(cfg.max_file_size));
    let records_sink = open(&cfg.output)?;
    let errors_sink = open(&cfg.errors)?;
    let manifest_sink = cfg.manifest.as_ref().map(open).transpose()?;
    if cfg.summary {
        for note in &inputs.notes {
            eprintln!("jixiao: {note}");
        }
    }
    let progress = progress_bar(cfg, inputs.documents.len() as u64);
    let workers = cfg
        .isolation
        .clone()
        .map(|spec| {
            let workers = Workers::new(spec, cfg.settings(), cfg.timeout);
            workers.check().map(|()| workers)
        })
        .transpose()
        .context("cannot start a worker process (--no-isolate parses in-process instead)")?;
    let shape = schedule::Shape {
        threads: cfg.jobs,
        window: WINDOW_PER_JOB * cfg.jobs,
        // A worker process is killed at the deadline and its job returns
        // the `timeout` line; the run's own watch is then only a backstop.
        watch: match &workers {
            Some(_) => cfg.timeout.map(|t| t.saturating_mul(BATCH as u32 + 1)),
            None => cfg.timeout,
        },
    };
    let mut archive_bytes = 0u64;
    let shared = Arc::new(Shared {
        settings: cfg.settings(),
        stdin,
        workers,
    });
    let for_jobs = Arc::clone(&shared);
    let isolate = for_jobs.workers.is_some();
    let work: Arc<dyn Fn(Vec<Work>) -> Vec<Done> + Send + Sync> =
        Arc::new(move |batch| match &for_jobs.workers {
            Some(workers) => isolated(batch, workers, &for_jobs),
            None => batch
                .into_iter()
                .flat_map(|w| job::process(w, &for_jobs.ctx()))
                .collect(),
        });
    let mut output = Output::new(records_sink, errors_sink, manifest_sink, &progress);
    let mut write_error: Option<io::Error> = None;
    // Archives named `.zip` are listed here, on the supervising thread, as
    // the jobs are dispatched: only their central directories are read.
    // No other file is opened here (see `process` for a misnamed zip).
    let jobs = inputs.documents.into_iter().flat_map(|mut input| {
        // A path that failed before reading (walk error, not found) is
        // its own error line: its error moves into the job.
        let problem = input.problem.take();
        let input = Arc::new(input);
        if input.skipped.is_some() {
            vec![Work::Skipped {
                input,
                member: None,
            }]
        } else if let Some(error) = problem {
            vec![Work::Failed {
                input,
                error: error.into(),
            }]
        } else if is_archive(&input, &shared) {
            match open_archive(&input, &shared) {
                // a workbook saved as `.zip`: read as the document it is
                Ok(Opened::Document(format)) => vec![Work::File(Arc::new(Input {
                    path: input.path.clone(),
                    display: input.display.clone(),
                    format,
                    problem: None,
                    skipped: None,
                }))],
                Ok(Opened::Archive(bytes, listing)) => {
                    archive_bytes += bytes;
                    progress.inc_length(listing.entries.len() as u64);
                    progress.inc(1);
                    job::archive_work(input, listing)
                }
                Err(error) => vec![Work::Failed { input, error }],
            }
        } else {
            vec![Work::File(input)]
        }
    });
    let jobs = batched(jobs, isolate).map(|batch| (batch.iter().map(label).collect(), batch));
    // The supervising thread also writes: results arrive in order, and a
    // writer thread of its own would only add a wake-up per document.
    schedule::run_ordered(
        shape,
        jobs,
        work,
        |labels: &Vec<JobLabel>, lost| {
            labels
                .iter()
                .map(|label| {
                    let (error, ms) = match &lost {
                        schedule::Lost::Timeout(budget) => {
                            (DocError::Timeout(*budget), budget.as_millis() as u64)
                        }
                        schedule::Lost::Panic(message) => (DocError::Panic(message.clone()), 0),
                    };
                    let mut done =
                        Done::new(&label.display, label.member.clone(), Got::error(error));
                    done.ms = ms;
                    done
                })
                .collect()
        },
        |dones| {
            for done in dones {
                if let Err(e) = output.write(done) {
                    write_error = Some(e);
                    return false;
                }
            }
            true
        },
        || stop.load(Ordering::SeqCst) != 0,
    )
    .context("cannot start the run's threads")?;
    if let Some(e) = write_error {
        return Err(anyhow::Error::new(e).context("cannot write the output"));
    }
    let summary = if stop.load(Ordering::SeqCst) != 0 {
        None // dropping the outputs removes their temporary files
    } else {
        Some(output.finish().context("cannot write the output")?)
    };
    let Some(mut summary) = summary else {
        return Err(interrupted(&stop)
            .unwrap_or(Interrupted {
                signal: signal_hook::consts::SIGINT,
                name: "SIGINT",
            })
            .into());
    };
    summary.bytes += archive_bytes;
    progress.finish_and_clear();
    let mut targets = vec![&cfg.output, &cfg.errors];
    targets.extend(cfg.manifest.as_ref());
    summary.written = targets
        .into_iter()
        .filter(|t| matches!(t, Target::File(_) | Target::Parts { .. }))
        .map(|t| t.to_string())
        .collect();
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

/// Whether an input is listed as an archive before scheduling: a file
/// named `.zip`, or standard input (already in memory) that sniffs as a
/// zip. The supervising thread opens no other file: one that blocks on
/// open (a lease, a slow mount) would stall the whole run outside any
/// `--timeout`, and every document would cost a second open. A zip under
/// another name is found by its own job (see [`process`]).
fn is_archive(input: &Input, shared: &Shared) -> bool {
    if input.format == Format::Zip {
        return true;
    }
    input.is_stdin()
        && matches!(&shared.stdin, Some(Ok(data))
            if input.format.sniff(&data[..data.len().min(64 * 1024)]) == Format::Zip)
}

/// Reads an archive and lists its members (supervising thread: only the
/// central directory is parsed, and nested archives opened).
fn open_archive(input: &Input, shared: &Shared) -> Result<Opened, DocError> {
    let data = job::read(input, &shared.ctx())?;
    if let Some(format) = source::document_in_zip(&data) {
        return Ok(Opened::Document(format));
    }
    let len = data.len() as u64;
    guarded(|| archive::list(data.into(), &shared.settings.zip).map_err(DocError::from))
        .map(|listing| Opened::Archive(len, listing))
}

/// What a file named `.zip` turned out to be.
enum Opened {
    /// An archive: its size and its members.
    Archive(u64, archive::Listing),
    /// A workbook or a Word document, named `.zip`: a document of this format.
    Document(Format),
}

/// Files go to a worker process in batches of up to this many (a worker
/// then goes from one to the next without a round trip to the run) ...
const BATCH: usize = 16;
/// ... and of paths of at most this many bytes together (requests are
/// written before any answer is read: they must fit a pipe's buffer).
const BATCH_PATH_BYTES: usize = 16 * 1024;

/// Groups the jobs: consecutive files (sent to a worker by path) go in
/// batches when documents are parsed in worker processes; any other job
/// (a zip member, standard input, a skip) is a batch of its own.
fn batched(
    mut jobs: impl Iterator<Item = Work>,
    isolated: bool,
) -> impl Iterator<Item = Vec<Work>> {
    let mut held: Option<Work> = None;
    std::iter::from_fn(move || {
        let first = held.take().or_else(|| jobs.next())?;
        let mut batch = vec![first];
        if !isolated || !by_path(&batch[0]) {
            return Some(batch);
        }
        let mut bytes = path_len(&batch[0]);
        while batch.len() < BATCH {
            let Some(next) = jobs.next() else { break };
            if !by_path(&next) || bytes + path_len(&next) > BATCH_PATH_BYTES {
                held = Some(next);
                break;
            }
            bytes += path_len(&next);
            batch.push(next);
        }
        Some(batch)
    })
}

/// A file a worker reads itself (not standard input).
fn by_path(work: &Work) -> bool {
    matches!(work, Work::File(input) if !input.is_stdin())
}

fn path_len(work: &Work) -> usize {
    match work {
        Work::File(input) => input.path.as_os_str().len(),
        _ => 0,
    }
}

/// A batch of jobs in worker processes: files are sent by path (the
/// worker reads them), all at once; a zip member is decompressed here
/// (within the zip caps) and sent as bytes, as standard input is. Skips
/// and failed archives need no worker. A lost worker costs the document
/// it held one error line.
fn isolated(batch: Vec<Work>, workers: &Workers, shared: &Shared) -> Vec<Done> {
    use std::os::unix::ffi::OsStrExt as _;
    // `batched` puts files read by path together, and anything else alone
    let files: Option<Vec<&Input>> = batch
        .iter()
        .map(|w| match w {
            Work::File(input) if by_path(w) => Some(&**input),
            _ => None,
        })
        .collect();
    if let Some(files) = files {
        let requests: Vec<(Request, Vec<u8>)> = files
            .into_iter()
            .map(|input| {
                let request = Request {
                    display: input.display.clone(),
                    member: None,
                    format: input.format,
                    source: Source::Path,
                };
                (request, input.path.as_os_str().as_bytes().to_vec())
            })
            .collect();
        let refs: Vec<(&Request, &[u8])> = requests.iter().map(|(r, b)| (r, &b[..])).collect();
        let results = workers.run_all(&refs);
        return requests
            .into_iter()
            .zip(results)
            .flat_map(|((request, blob), result)| {
                result.unwrap_or_else(|lost| vec![lost_done(request, &blob, &lost, workers)])
            })
            .collect();
    }
    batch
        .into_iter()
        .flat_map(|work| isolated_one(work, workers, shared))
        .collect()
}

/// One job that is not a file read by path: standard input or a zip
/// member goes to a worker as bytes; a skip or a failed archive needs none.
fn isolated_one(work: Work, workers: &Workers, shared: &Shared) -> Vec<Done> {
    let started = Instant::now();
    let ctx = shared.ctx();
    let (request, blob) = match work {
        Work::File(input) if input.is_stdin() => {
            let request = Request {
                display: input.display.clone(),
                member: None,
                format: input.format,
                source: Source::Bytes { counted: true },
            };
            match job::read(&input, &ctx) {
                Ok(data) => (request, data),
                Err(e) => return vec![Done::new(&input.display, None, Got::error(e))],
            }
        }
        Work::Member { input, entry } => {
            let name = entry.name.clone();
            match job::read_member(entry, &shared.settings) {
                Ok((format, bytes)) => {
                    let request = Request {
                        display: input.display.clone(),
                        member: Some(name),
                        format,
                        source: Source::Bytes { counted: false },
                    };
                    (request, bytes)
                }
                Err(e) => {
                    let mut done = Done::new(&input.display, Some(name), Got::error(e));
                    done.ms = elapsed_ms(started);
                    return vec![done];
                }
            }
        }
        other => return job::process(other, &ctx),
    };
    workers.run(&request, &blob).unwrap_or_else(|lost| {
        let mut done = lost_done(request, &blob, &lost, workers);
        done.ms = elapsed_ms(started);
        vec![done]
    })
}

/// The error line of a document whose worker was lost, with what the
/// manifest can still tell of it.
fn lost_done(request: Request, blob: &[u8], lost: &Lost, workers: &Workers) -> Done {
    let failure: Failure = lost.failure(workers.max_memory());
    let mut done = Done::new(&request.display, request.member, Got::Error(failure));
    if let Lost::Timeout(budget) = lost {
        done.ms = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX);
    }
    match request.source {
        Source::Bytes { counted } => {
            // what the manifest tells of bytes that were read
            done.size = Some(blob.len() as u64);
            done.bytes = if counted { blob.len() as u64 } else { 0 };
            done.format = Some(request.format.sniff(blob));
            done.sha256 = Some(document::sha256_hex(blob));
        }
        Source::Path => {
            // the size the file reports, for the manifest and MB/s
            use std::os::unix::ffi::OsStrExt as _;
            let path = std::path::Path::new(std::ffi::OsStr::from_bytes(blob));
            if let Ok(meta) = std::fs::metadata(path) {
                done.size = Some(meta.len());
                done.bytes = meta.len();
            }
        }
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(path: std::path::PathBuf) -> Input {
        Input {
            display: path.to_string_lossy().into_owned(),
            format: Format::from_path(&path).unwrap_or(Format::Text),
            path,
            problem: None,
            skipped: None,
        }
    }

    fn is_archive(input: &Input) -> bool {
        let shared = Shared {
            settings: Settings {
                max_file_size: 1 << 30,
                zip: Default::default(),
                limits: Default::default(),
                emit: crate::run::config::Emit::Projects,
            },
            stdin: None,
            workers: None,
        };
        super::is_archive(input, &shared)
    }

    /// Only a `.zip` is listed before scheduling: the supervising thread
    /// opens nothing (a zip under another name is found by its job, as
    /// `tests/formats.rs` checks end to end).
    #[test]
    fn only_a_zip_is_listed_before_scheduling() {
        let dir = tempfile::tempdir().unwrap();
        let zip = std::fs::read("tests/fixtures/zip/archive.zip").unwrap();
        let seed = std::fs::read("tests/fixtures/seed/seed.utf8.txt").unwrap();
        let xlsx = std::fs::read("tests/fixtures/sheets/seed.xlsx").unwrap();
        let cases: [(&str, &[u8], bool); 6] = [
            ("a.zip", &zip, true),
            ("a.txt", &zip, false),
            ("noext", &zip, false),
            ("a.xlsx", &zip, false), // a workbook is a zip: read as one
            ("b.txt", &xlsx, false),
            ("c.txt", &seed, false),
        ];
        for (name, bytes, want) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(is_archive(&input(path)), want, "{name}");
        }
        assert!(!is_archive(&input(dir.path().join("missing.txt"))));
        assert!(!is_archive(&input(dir.path().to_path_buf())));
    }
}
