//! The run: documents in parallel, one writer, bounded memory.
//!
//! Inputs are sorted, then handed to the supervised pool of `--jobs` worker
//! threads ([`supervise`]); each worker turns a whole document into
//! finished JSON lines (or one error). The calling thread receives the
//! results in input order (a bounded reorder window) and alone writes
//! them ([`crate::run::writer`]), so output bytes never depend on `--jobs` or on
//! scheduling, lines are never torn, and at most a window of documents is
//! in memory at once.
//! A panic in one document is caught and becomes that document's error
//! line; a document over its time budget (`--timeout`) becomes a `timeout`
//! line and its worker is replaced.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::DocError;
use crate::model::{self, FlatIndicator, Record};
use crate::panic::catch_panic;
use crate::run::config::{Config, Emit};
use crate::run::document::{self, Origin};
use crate::run::output::{ProjectKey, Sink, Target};
use crate::run::supervise;
pub use crate::run::writer::Summary;
use crate::run::writer::{Done, Got, Lines, Output};
use crate::source::archive::{self, SkippedMember};
use crate::source::{self, Format, Input, Skip, SourceError};

/// Jobs in flight or waiting to be written, per worker thread: enough that
/// one slow document does not idle the others, few enough that memory
/// stays bounded.
const WINDOW_PER_JOB: usize = 32;

/// One unit of work: a file, or one member of an archive listed by the
/// main thread (so the members of one big archive spread over all workers
/// and stream out in order like files do). An archive under another name
/// is found by its file's job (see [`process`]).
enum Work {
    File(Arc<Input>),
    Member {
        input: Arc<Input>,
        entry: archive::Entry,
    },
    /// An archive that could not be opened.
    Failed {
        input: Arc<Input>,
        error: DocError,
    },
    /// A file or member passed over: only its manifest line.
    Skipped {
        input: Arc<Input>,
        member: Option<SkippedMember>,
    },
}

/// What the supervisor keeps of a job, to write its `timeout` line.
struct JobLabel {
    display: String,
    member: Option<String>,
}

impl Work {
    fn label(&self) -> JobLabel {
        let (input, member) = match self {
            Work::File(input) | Work::Failed { input, .. } => (input, None),
            Work::Member { input, entry } => (input, Some(entry.name.clone())),
            Work::Skipped { input, member } => (input, member.as_ref().map(|m| m.name.clone())),
        };
        JobLabel {
            display: input.display.clone(),
            member,
        }
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
    cfg: Config,
    stdin: Option<Result<Arc<[u8]>, DocError>>,
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
    let shape = supervise::Shape {
        threads: cfg.jobs,
        window: WINDOW_PER_JOB * cfg.jobs,
        timeout: cfg.timeout,
    };
    let mut archive_bytes = 0u64;
    let shared = Arc::new(Shared {
        cfg: cfg.clone(),
        stdin,
    });
    let for_jobs = Arc::clone(&shared);
    let work: Arc<dyn Fn(Work) -> Vec<Done> + Send + Sync> =
        Arc::new(move |w| process(w, &for_jobs));
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
        let work = if input.skipped.is_some() {
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
                    archive_work(input, listing)
                }
                Err(error) => vec![Work::Failed { input, error }],
            }
        } else {
            vec![Work::File(input)]
        };
        work.into_iter().map(|w| (w.label(), w))
    });
    // The supervising thread also writes: results arrive in order, and a
    // writer thread of its own would only add a wake-up per document.
    supervise::run_ordered(
        shape,
        jobs,
        work,
        |label, lost| {
            let (error, ms) = match lost {
                supervise::Lost::Timeout(budget) => {
                    (DocError::Timeout(budget), budget.as_millis() as u64)
                }
                supervise::Lost::Panic(message) => (DocError::Panic(message), 0),
            };
            let mut done = Done::new(&label.display, label.member, Got::Error(error));
            done.ms = ms;
            vec![done]
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
    .context("cannot start worker threads")?;
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

/// The jobs of a listed archive: its members and the members it skips, in
/// member-name order (an archive of no document is one error line, then
/// its skipped members).
fn archive_work(input: Arc<Input>, listing: archive::Listing) -> Vec<Work> {
    let others = listing
        .skipped
        .iter()
        .filter(|m| m.reason == Skip::UnknownFormat)
        .count();
    let skipped = listing.skipped.into_iter().map(|m| Work::Skipped {
        input: Arc::clone(&input),
        member: Some(m),
    });
    if listing.entries.is_empty() {
        let error = DocError::EmptyArchive(others);
        let mut work = vec![Work::Failed {
            input: Arc::clone(&input),
            error,
        }];
        work.extend(skipped);
        return work;
    }
    let members = listing.entries.into_iter().map(|entry| Work::Member {
        input: Arc::clone(&input),
        entry,
    });
    let mut work: Vec<Work> = members.chain(skipped).collect();
    // both lists are sorted by name: a stable sort merges them
    work.sort_by(|a, b| a.label().member.cmp(&b.label().member));
    work
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
    let data = read(input, shared)?;
    if let Some(format) = source::workbook_in_zip(&data) {
        return Ok(Opened::Document(format));
    }
    let len = data.len() as u64;
    guarded(|| archive::list(data.into(), &shared.cfg.zip).map_err(DocError::from))
        .map(|listing| Opened::Archive(len, listing))
}

/// What a file named `.zip` turned out to be.
enum Opened {
    /// An archive: its size and its members.
    Archive(u64, archive::Listing),
    /// A workbook, named `.zip`: a document of this format.
    Document(Format),
}

/// Reads, extracts and serialises one unit of work; never panics: a panic
/// becomes that document's error. One result, or for a file that turns out
/// to be a zip under another name, one per member (and skipped member):
/// the very jobs a `.zip`'s listing gives ([`archive_work`]), run here one
/// after another.
fn process(work: Work, shared: &Shared) -> Vec<Done> {
    let started = Instant::now();
    let cfg = &shared.cfg;
    let mut done = match work {
        Work::Skipped { input, member } => {
            let (why, size, name) = match (member, input.skipped) {
                (Some(m), _) => (m.reason, Some(m.bytes), Some(m.name)),
                (None, Some((why, size))) => (why, size, None),
                (None, None) => (Skip::UnknownFormat, None, None),
            };
            let mut done = Done::new(&input.display, name, Got::Skipped(why));
            done.size = size;
            return vec![done]; // not read: no time to report
        }
        Work::Failed { input, error } => Done::new(&input.display, None, Got::Error(error)),
        Work::Member { input, entry } => {
            let (name, format) = (entry.name.clone(), entry.format);
            match guarded(|| entry.read(&cfg.zip).map_err(DocError::from)) {
                Ok(bytes) => extracted(
                    &input.display,
                    Some(name),
                    format.sniff(&bytes),
                    &bytes,
                    cfg,
                ),
                Err(e) => Done::new(&input.display, Some(name), Got::Error(e)),
            }
        }
        Work::File(input) => match read(&input, shared) {
            Ok(data) => {
                let format = input.format.sniff(&data);
                if format == Format::Zip {
                    return misnamed_archive(input, data, shared);
                }
                let mut done = extracted(&input.display, None, format, &data, cfg);
                done.bytes = data.len() as u64;
                done
            }
            Err(e) => Done::new(&input.display, None, Got::Error(e)),
        },
    };
    done.ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    vec![done]
}

/// A file that sniffs as a zip: listed here, in its own job, and its
/// members run through [`process`] like a `.zip`'s member jobs.
fn misnamed_archive(input: Arc<Input>, data: Vec<u8>, shared: &Shared) -> Vec<Done> {
    let bytes = data.len() as u64;
    let listing = guarded(|| archive::list(data.into(), &shared.cfg.zip).map_err(DocError::from));
    let work = match listing {
        Ok(listing) => archive_work(input, listing),
        Err(error) => vec![Work::Failed { input, error }],
    };
    let mut dones: Vec<Done> = work.into_iter().flat_map(|w| process(w, shared)).collect();
    if let Some(first) = dones.first_mut() {
        first.bytes = bytes; // the archive's bytes, counted once
    }
    dones
}

/// Extracts a document that was read (never an archive: see [`process`]), as
/// `format` (already sniffed), a panic caught; fills in what the manifest
/// tells of it.
fn extracted(
    display: &str,
    member: Option<String>,
    format: Format,
    bytes: &[u8],
    cfg: &Config,
) -> Done {
    let (sha256, result) =
        match guarded(|| extract_lines(display, member.as_deref(), format, bytes, cfg)) {
            Ok(mut lines) => (lines.sha256.take(), Got::Lines(lines)),
            Err(e) => (Some(document::sha256_hex(bytes)), Got::Error(e)),
        };
    let mut done = Done::new(display, member, result);
    done.size = Some(bytes.len() as u64);
    done.format = Some(format);
    done.sha256 = sha256;
    done
}

/// Runs `f`, turning a panic into a `panic` error.
fn guarded<T>(f: impl FnOnce() -> Result<T, DocError>) -> Result<T, DocError> {
    catch_panic(f).unwrap_or_else(|message| Err(DocError::Panic(message)))
}

fn extract_lines(
    path: &str,
    member: Option<&str>,
    format: Format,
    bytes: &[u8],
    cfg: &Config,
) -> Result<Lines, DocError> {
    let origin = Origin {
        path,
        member,
        format,
    };
    let records = document::extract(origin, bytes, &cfg.limits)?;
    serialise(records, cfg.emit)
}

fn read(input: &Input, shared: &Shared) -> Result<Vec<u8>, DocError> {
    let limit = shared.cfg.max_file_size;
    if input.is_stdin() {
        return match &shared.stdin {
            Some(Ok(data)) => Ok(data.to_vec()),
            Some(Err(DocError::ReadPastLimit { limit })) => {
                Err(DocError::ReadPastLimit { limit: *limit })
            }
            Some(Err(e)) => Err(DocError::from(SourceError::Io(io::Error::other(format!(
                "standard input: {e}"
            ))))),
            None => Err(DocError::from(SourceError::NotFound)),
        };
    }
    let meta = std::fs::metadata(&input.path).map_err(io_error)?;
    if !meta.is_file() {
        // replaced by a FIFO or device since the walk: reading could block
        return Err(DocError::from(SourceError::Io(io::Error::other(
            "no longer a regular file",
        ))));
    }
    if meta.len() > limit {
        return Err(DocError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    // The size a file reports can be wrong (a /proc file says 0, a file
    // may grow after the check): the limit holds on the bytes read.
    let file = std::fs::File::open(&input.path).map_err(io_error)?;
    read_at_most(file, limit, meta.len())
}

/// Reads everything, or refuses past `limit` bytes without reading more
/// than one byte beyond it; `expected` (the size reported) sizes the
/// buffer once.
fn read_at_most(file: impl io::Read, limit: u64, expected: u64) -> Result<Vec<u8>, DocError> {
    use std::io::Read as _;
    let capacity = usize::try_from(expected.min(limit).saturating_add(1)).unwrap_or(0);
    let mut data = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(io_error)?;
    if data.len() as u64 > limit {
        return Err(DocError::ReadPastLimit { limit });
    }
    Ok(data)
}

fn io_error(e: io::Error) -> DocError {
    match e.kind() {
        io::ErrorKind::NotFound => DocError::from(SourceError::NotFound),
        _ => DocError::from(SourceError::Io(e)),
    }
}

fn serialise(mut records: Vec<Record>, emit: Emit) -> Result<Lines, DocError> {
    let mut out = Lines {
        bytes: Vec::new(),
        records: records.len(),
        indicators: 0,
        warnings: Vec::new(),
        encoding: None,
        sha256: None,
        spans: Vec::new(),
    };
    if let Some(first) = records.first() {
        out.encoding = first.source.encoding.as_deref().map(str::to_string);
        out.sha256 = Some(first.source.sha256.clone());
    }
    for r in records.iter_mut() {
        match emit {
            Emit::Projects => {
                let line = model::to_json_line(r).map_err(DocError::Serialize)?;
                let start = out.bytes.len();
                out.bytes.extend_from_slice(&line);
                out.spans.push((
                    start..out.bytes.len(),
                    r.record_id.clone(),
                    ProjectKey::of(&r.project),
                ));
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
            .extend(r.project.warnings.iter().map(|w| w.code.as_str()));
    }
    Ok(out)
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
            cfg: crate::run::config::Config {
                paths: Vec::new(),
                files_from: None,
                shard: None,
                output: Target::Stdout,
                errors: Target::Stderr,
                manifest: None,
                jobs: 1,
                emit: Emit::Projects,
                progress: false,
                summary: false,
                max_file_size: 1 << 30,
                zip: Default::default(),
                limits: Default::default(),
                timeout: None,
            },
            stdin: None,
        };
        super::is_archive(input, &shared)
    }

    #[test]
    fn the_size_limit_holds_on_the_bytes_read() {
        // what a /proc file (size 0) or a growing file gives
        let bytes = [b'x'; 100];
        assert_eq!(
            read_at_most(&bytes[..], 100, 100).map(|d| d.len()).ok(),
            Some(100)
        );
        // a reported size of 0, as /proc gives
        let err = read_at_most(&bytes[..], 99, 0).err();
        assert!(
            matches!(err, Some(DocError::ReadPastLimit { limit: 99 })),
            "{err:?}"
        );
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
