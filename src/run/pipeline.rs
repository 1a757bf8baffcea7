//! The run: documents in parallel, one writer, bounded memory.
//!
//! Inputs are sorted, then handed to the supervised pool of `--jobs` worker
//! threads ([`supervise`]); each worker turns a whole document into
//! finished JSON lines (or one error). The calling thread receives the
//! results in input order (a bounded reorder window) and alone owns both
//! output files, so output bytes never depend on `--jobs` or on
//! scheduling, lines are never torn, and at most a window of documents is
//! in memory at once.
//! A panic in one document is caught and becomes that document's error
//! line; a document over its time budget (`--timeout`) becomes a `timeout`
//! line and its worker is replaced.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::DocError;
use crate::model::{self, FlatIndicator, Record};
use crate::panic::catch_panic;
use crate::run::config::{Config, Emit};
use crate::run::document::{self, Origin};
use crate::run::output::{ErrorLine, ProjectKey, SeenProjects, Sink, with_warning};
use crate::run::supervise;
use crate::source::archive;
use crate::source::{self, Format, Input, SourceError};

/// Jobs in flight or waiting to be written, per worker thread: enough that
/// one slow document does not idle the others, few enough that memory
/// stays bounded.
const WINDOW_PER_JOB: usize = 32;

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

/// The outcome of one input (a file, or a zip archive and its members),
/// ready to be written.
struct Done {
    display: String,
    bytes: u64,
    outcomes: Vec<Outcome>,
}

/// One unit of work: a file, or one member of a `.zip` listed by the
/// supervising thread (so the members of one big archive spread over all
/// workers and stream out in order like files do). An archive under
/// another name is found by its file's job (see [`process_file`]).
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
        };
        JobLabel {
            display: input.display.clone(),
            member,
        }
    }
}

/// One document's lines, or its error.
struct Outcome {
    member: Option<String>,
    result: Result<Lines, DocError>,
}

struct Lines {
    bytes: Vec<u8>,
    records: usize,
    indicators: usize,
    warnings: Vec<&'static str>,
    /// Per record line (`--emit projects` only): where it is in `bytes`,
    /// its id and its identity, for the run-wide duplicate check.
    spans: Vec<(std::ops::Range<usize>, String, Option<ProjectKey>)>,
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

/// Runs an extraction. Errors returned here are fatal (exit code 2):
/// an output that cannot be created or written; or [`Interrupted`].
pub fn run(cfg: &Config) -> anyhow::Result<Summary> {
    let start = Instant::now();
    let stop = stop_on_signals()?;
    let records_sink =
        Sink::create(&cfg.output).with_context(|| format!("cannot write {}", cfg.output))?;
    let errors_sink =
        Sink::create(&cfg.errors).with_context(|| format!("cannot write {}", cfg.errors))?;
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
    let mut inputs = source::collect(&paths);
    if let Some((index, count)) = cfg.shard {
        inputs
            .documents
            .retain(|d| source::shard_of(&d.display, count) == index);
    }
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
    let mut archive_skipped: Vec<String> = Vec::new();
    let shared_cfg = Arc::new(cfg.clone());
    let work: Arc<dyn Fn(Work) -> Done + Send + Sync> = Arc::new(move |w| process(w, &shared_cfg));
    let mut output = Output::new(records_sink, errors_sink, &progress);
    let mut write_error: Option<io::Error> = None;
    // Archives, `.zip` or misnamed, are listed here, on the supervising
    // thread, as the jobs are dispatched: only their central directories
    // are read.
    let jobs = inputs.documents.into_iter().flat_map(|mut input| {
        // A path that failed before reading (walk error, not found) is
        // its own error line: its error moves into the job.
        let problem = input.problem.take();
        let input = Arc::new(input);
        let work = if let Some(error) = problem {
            vec![Work::Failed {
                input,
                error: error.into(),
            }]
        } else if input.format == Format::Zip {
            match open_archive(&input, cfg) {
                Ok((bytes, listing)) if listing.entries.is_empty() => {
                    archive_bytes += bytes;
                    let error = DocError::EmptyArchive(listing.skipped.len());
                    vec![Work::Failed { input, error }]
                }
                Ok((bytes, listing)) => {
                    archive_bytes += bytes;
                    archive_skipped.extend(listing.skipped);
                    progress.inc_length(listing.entries.len() as u64);
                    progress.inc(1);
                    listing
                        .entries
                        .into_iter()
                        .map(|entry| Work::Member {
                            input: Arc::clone(&input),
                            entry,
                        })
                        .collect()
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
        |label, lost| Done {
            display: label.display,
            bytes: 0,
            outcomes: vec![Outcome {
                member: label.member,
                result: Err(match lost {
                    supervise::Lost::Timeout(budget) => DocError::Timeout(budget),
                    supervise::Lost::Panic(message) => DocError::Panic(message),
                }),
            }],
        },
        |done| match output.write(done) {
            Ok(()) => true,
            Err(e) => {
                write_error = Some(e);
                false
            }
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
    for ext in archive_skipped {
        *summary.skipped.entry(ext).or_default() += 1;
    }
    progress.finish_and_clear();
    for (ext, n) in inputs.skipped {
        *summary.skipped.entry(ext).or_default() += n;
    }
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

/// The output side of a run: both sinks, the summary and the run-wide
/// duplicate check. Documents must come in input order; the files are
/// renamed into place by [`Output::finish`] (dropping an `Output` instead
/// removes the temporary files).
struct Output<'p> {
    records: Sink,
    errors: Sink,
    summary: Summary,
    seen: SeenProjects,
    progress: &'p ProgressBar,
    start: Instant,
}

impl<'p> Output<'p> {
    fn new(records: Sink, errors: Sink, progress: &'p ProgressBar) -> Self {
        Output {
            records,
            errors,
            summary: Summary::default(),
            seen: SeenProjects::default(),
            progress,
            start: Instant::now(),
        }
    }

    fn write(&mut self, done: Done) -> io::Result<()> {
        let s = &mut self.summary;
        s.bytes += done.bytes;
        self.progress.inc(1);
        for outcome in done.outcomes {
            s.documents += 1;
            match outcome.result {
                Ok(lines) => {
                    if lines.spans.is_empty() {
                        self.records.write_all(&lines.bytes)?;
                    }
                    for (span, id, key) in &lines.spans {
                        let line = &lines.bytes[span.clone()];
                        match key.as_ref().and_then(|k| self.seen.check(k, id)) {
                            Some(w) => {
                                self.records.write_all(&with_warning(line, &w))?;
                                *s.warnings.entry(w.code.as_str()).or_default() += 1;
                            }
                            None => self.records.write_all(line)?,
                        }
                    }
                    s.records += lines.records;
                    s.indicators += lines.indicators;
                    for w in lines.warnings {
                        *s.warnings.entry(w).or_default() += 1;
                    }
                }
                Err(err) => {
                    let line = ErrorLine::new(&done.display, outcome.member.as_deref(), &err);
                    self.errors.write_all(&line.to_line())?;
                    *s.errors.entry(err.code()).or_default() += 1;
                }
            }
        }
        if !self.progress.is_hidden() {
            let mb = s.bytes as f64 / 1e6;
            let secs = self.start.elapsed().as_secs_f64().max(1e-3);
            self.progress
                .set_message(format!("{mb:.1} MB, {:.1} MB/s", mb / secs));
        }
        Ok(())
    }

    fn finish(self) -> io::Result<Summary> {
        self.records.finish()?;
        self.errors.finish()?;
        Ok(self.summary)
    }
}

/// Reads an archive and lists its members (supervising thread: only the
/// central directory is parsed, and nested archives opened).
fn open_archive(input: &Input, cfg: &Config) -> Result<(u64, archive::Listing), DocError> {
    let data = read(input, cfg.max_file_size)?;
    let len = data.len() as u64;
    guarded(|| archive::list(data.into(), &cfg.zip).map_err(DocError::from))
        .map(|listing| (len, listing))
}

/// Reads, extracts and serialises one unit of work; never panics: a panic
/// becomes that document's error.
fn process(work: Work, cfg: &Config) -> Done {
    let (input, outcome) = match work {
        Work::Failed { input, error } => (
            input,
            Outcome {
                member: None,
                result: Err(error),
            },
        ),
        Work::Member { input, entry } => {
            let outcome = process_member(&input, entry, cfg);
            (input, outcome)
        }
        Work::File(input) => return process_file(&input, cfg),
    };
    Done {
        display: input.display.clone(),
        bytes: 0,
        outcomes: vec![outcome],
    }
}

/// One member of an archive: read (size and ratio caps), sniffed and
/// extracted. The one path for members, whether the archive was listed
/// before scheduling (`.zip`) or found by its job (a zip under another
/// name).
fn process_member(input: &Input, entry: archive::Entry, cfg: &Config) -> Outcome {
    let name = entry.name.clone();
    let format = entry.format;
    let result = guarded(|| entry.read(&cfg.zip).map_err(DocError::from))
        .and_then(|bytes| extract_member(input, &name, format, &bytes, cfg));
    Outcome {
        member: Some(name),
        result,
    }
}

/// A file: a document, or an archive under another name (`x.txt` that is
/// a zip), found here by sniffing. The supervising thread never opens a
/// document to find out — a file that blocks on open (a lease, a slow
/// mount) would stall the whole run outside any `--timeout` — so such an
/// archive's members are read in this job, one after another, each
/// through [`process_member`] like the members of a `.zip`.
fn process_file(input: &Input, cfg: &Config) -> Done {
    let single = |result| {
        vec![Outcome {
            member: None,
            result,
        }]
    };
    let (bytes, outcomes) = match read(input, cfg.max_file_size) {
        Err(e) => (0, single(Err(e))),
        Ok(data) => {
            let len = data.len() as u64;
            let format = input.format.sniff(&data);
            if format == Format::Zip {
                let listing =
                    guarded(|| archive::list(data.into(), &cfg.zip).map_err(DocError::from));
                let outcomes = match listing {
                    Err(e) => single(Err(e)),
                    Ok(listing) if listing.entries.is_empty() => {
                        single(Err(DocError::EmptyArchive(listing.skipped.len())))
                    }
                    Ok(listing) => listing
                        .entries
                        .into_iter()
                        .map(|entry| process_member(input, entry, cfg))
                        .collect(),
                };
                (len, outcomes)
            } else {
                let result = guarded(|| extract_lines(&input.display, None, format, &data, cfg));
                (len, single(result))
            }
        }
    };
    Done {
        display: input.display.clone(),
        bytes,
        outcomes,
    }
}

/// One zip member: sniffed (a `.txt` member may be a workbook) and
/// extracted, a panic caught.
fn extract_member(
    input: &Input,
    name: &str,
    format: Format,
    bytes: &[u8],
    cfg: &Config,
) -> Result<Lines, DocError> {
    let format = format.sniff(bytes);
    guarded(|| extract_lines(&input.display, Some(name), format, bytes, cfg))
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

fn read(input: &Input, limit: u64) -> Result<Vec<u8>, DocError> {
    let meta = std::fs::metadata(&input.path).map_err(io_error)?;
    if !meta.is_file() {
        // replaced by a FIFO or device since the walk: reading could block
        return Err(SourceError::Io(io::Error::other("no longer a regular file")).into());
    }
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
        io::ErrorKind::NotFound => SourceError::NotFound.into(),
        _ => SourceError::Io(e).into(),
    }
}

fn serialise(mut records: Vec<Record>, emit: Emit) -> Result<Lines, DocError> {
    let mut out = Lines {
        bytes: Vec::new(),
        records: records.len(),
        indicators: 0,
        warnings: Vec::new(),
        spans: Vec::new(),
    };
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
