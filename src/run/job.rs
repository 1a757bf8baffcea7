//! One unit of work, start to finish: read a file or a member's bytes,
//! extract it, serialise its lines ([`Done`]). The same code runs in the
//! run's own threads (`--no-isolate`) and in a worker process
//! ([`crate::run::child`]); a panic becomes the document's error line.

use std::io;
use std::sync::Arc;
use std::time::Instant;

use crate::error::DocError;
use crate::model::{self, FlatIndicator, Record};
use crate::panic::catch_panic;
use crate::run::config::{Emit, Settings};
use crate::run::document::{self, Origin};
use crate::run::output::ProjectKey;
use crate::run::writer::{Done, Got, Lines, RecordSpan};
use crate::source::archive::{self, SkippedMember};
use crate::source::{Format, Input, Skip, SourceError};

/// One unit of work: a file, or one member of an archive listed by the
/// run (so the members of one big archive spread over all workers and
/// stream out in order like files do). An archive under another name is
/// found by its file's job (see [`process`]).
pub(crate) enum Work {
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

impl Work {
    /// The path and member a job's error line names.
    pub(crate) fn label(&self) -> (&str, Option<&str>) {
        match self {
            Work::File(input) | Work::Failed { input, .. } => (&input.display, None),
            Work::Member { input, entry } => (&input.display, Some(&entry.name)),
            Work::Skipped { input, member } => {
                (&input.display, member.as_ref().map(|m| m.name.as_str()))
            }
        }
    }
}

/// What a job may need beside its work: the settings, and standard input
/// when a document is read from it (read whole before work starts).
pub(crate) struct Ctx<'a> {
    pub(crate) settings: &'a Settings,
    pub(crate) stdin: Option<&'a Result<Arc<[u8]>, DocError>>,
}

/// The jobs of a listed archive: its members and the members it skips, in
/// member-name order (an archive of no document is one error line, then
/// its skipped members).
pub(crate) fn archive_work(input: Arc<Input>, listing: archive::Listing) -> Vec<Work> {
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
    work.sort_by(|a, b| a.label().1.cmp(&b.label().1));
    work
}

/// Reads, extracts and serialises one unit of work; never panics: a panic
/// becomes that document's error. One result, or for a file that turns out
/// to be a zip under another name, one per member (and skipped member):
/// the very jobs a `.zip`'s listing gives ([`archive_work`]), run here one
/// after another.
pub(crate) fn process(work: Work, ctx: &Ctx<'_>) -> Vec<Done> {
    let started = Instant::now();
    let mut done = match work {
        Work::Skipped { input, member } => return vec![skipped(&input, member)],
        Work::Failed { input, error } => Done::new(&input.display, None, Got::error(error)),
        Work::Member { input, entry } => {
            let name = entry.name.clone();
            match read_member(entry, ctx.settings) {
                Ok((format, bytes)) => {
                    extracted(&input.display, Some(name), format, &bytes, ctx.settings)
                }
                Err(e) => Done::new(&input.display, Some(name), Got::error(e)),
            }
        }
        Work::File(input) => return file(&input, ctx),
    };
    done.ms = elapsed_ms(started);
    vec![done]
}

/// The manifest line of a file or member passed over (not read: no time
/// to report).
pub(crate) fn skipped(input: &Input, member: Option<SkippedMember>) -> Done {
    let (why, size, name) = match (member, input.skipped) {
        (Some(m), _) => (m.reason, Some(m.bytes), Some(m.name)),
        (None, Some((why, size))) => (why, size, None),
        (None, None) => (Skip::UnknownFormat, None, None),
    };
    let mut done = Done::new(&input.display, name, Got::Skipped(why));
    done.size = size;
    done
}

/// Decompresses a member (within the zip caps, a panic caught); its format
/// as sniffed from its bytes.
pub(crate) fn read_member(
    entry: archive::Entry,
    settings: &Settings,
) -> Result<(Format, Vec<u8>), DocError> {
    let format = entry.format;
    let bytes = guarded(|| entry.read(&settings.zip).map_err(DocError::from))?;
    Ok((format.sniff(&bytes), bytes))
}

/// Reads a file (or standard input) and extracts it; a file that sniffs as
/// a zip is listed and its members extracted one after another.
pub(crate) fn file(input: &Arc<Input>, ctx: &Ctx<'_>) -> Vec<Done> {
    let started = Instant::now();
    let mut done = match read(input, ctx) {
        Ok(data) => {
            let format = input.format.sniff(&data);
            if format == Format::Zip {
                return misnamed_archive(Arc::clone(input), data, ctx);
            }
            let mut done = extracted(&input.display, None, format, &data, ctx.settings);
            done.bytes = data.len() as u64;
            done
        }
        Err(e) => Done::new(&input.display, None, Got::error(e)),
    };
    done.ms = elapsed_ms(started);
    vec![done]
}

/// Milliseconds since `started`, for the manifest's `ms`.
pub(crate) fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A file that sniffs as a zip: listed here, in its own job, and its
/// members run through [`process`] like a `.zip`'s member jobs.
fn misnamed_archive(input: Arc<Input>, data: Vec<u8>, ctx: &Ctx<'_>) -> Vec<Done> {
    let bytes = data.len() as u64;
    let listing = guarded(|| archive::list(data.into(), &ctx.settings.zip).map_err(DocError::from));
    let work = match listing {
        Ok(listing) => archive_work(input, listing),
        Err(error) => vec![Work::Failed { input, error }],
    };
    let mut dones: Vec<Done> = work.into_iter().flat_map(|w| process(w, ctx)).collect();
    if let Some(first) = dones.first_mut() {
        first.bytes = bytes; // the archive's bytes, counted once
    }
    dones
}

/// Extracts a document that was read (never an archive: see [`process`]), as
/// `format` (already sniffed), a panic caught; fills in what the manifest
/// tells of it.
pub(crate) fn extracted(
    display: &str,
    member: Option<String>,
    format: Format,
    bytes: &[u8],
    settings: &Settings,
) -> Done {
    let (sha256, result) =
        match guarded(|| extract_lines(display, member.as_deref(), format, bytes, settings)) {
            Ok(mut lines) => (lines.sha256.take(), Got::Lines(lines)),
            Err(e) => (Some(document::sha256_hex(bytes)), Got::error(e)),
        };
    let mut done = Done::new(display, member, result);
    done.size = Some(bytes.len() as u64);
    done.format = Some(format);
    done.sha256 = sha256;
    done
}

/// Runs `f`, turning a panic into a `panic` error.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T, DocError>) -> Result<T, DocError> {
    catch_panic(f).unwrap_or_else(|message| Err(DocError::Panic(message)))
}

fn extract_lines(
    path: &str,
    member: Option<&str>,
    format: Format,
    bytes: &[u8],
    settings: &Settings,
) -> Result<Lines, DocError> {
    let origin = Origin {
        path,
        member,
        format,
    };
    let records = document::extract(origin, bytes, &settings.limits)?;
    serialise(records, settings.emit)
}

/// The bytes of a file, or of standard input (read once, before the run).
pub(crate) fn read(input: &Input, ctx: &Ctx<'_>) -> Result<Vec<u8>, DocError> {
    let limit = ctx.settings.max_file_size;
    if input.is_stdin() {
        return match ctx.stdin {
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
pub(crate) fn read_at_most(
    file: impl io::Read,
    limit: u64,
    expected: u64,
) -> Result<Vec<u8>, DocError> {
    use std::io::Read as _;
    let mut file = file.take(limit.saturating_add(1));
    // The expected bytes in as few reads as the source gives them (a
    // plain `read_to_end` starts at 8 KiB a read: three system calls for
    // a 12 KB file), then the rest, if the file grew, to its end.
    let expected = usize::try_from(expected.min(limit)).unwrap_or(0);
    let mut data = vec![0; expected];
    let mut filled = 0;
    while filled < expected {
        match file.read(&mut data[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error(e)),
        }
    }
    data.truncate(filled);
    file.read_to_end(&mut data).map_err(io_error)?;
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
        records: records.len(),
        ..Lines::default()
    };
    if let Some(first) = records.first() {
        out.encoding = first.source.encoding.as_deref().map(str::to_string);
        out.sha256 = Some(first.source.sha256.clone());
    }
    if emit == Emit::Projects {
        out.bytes
            .reserve(records.iter().map(model::json_line_size_hint).sum());
    }
    for r in records.iter_mut() {
        let start = out.bytes.len();
        let flat = match emit {
            Emit::Projects => {
                model::append_json_line(&mut out.bytes, r).map_err(DocError::Serialize)?;
                false
            }
            Emit::Indicators => {
                for (i, ind) in r.project.indicators.iter().enumerate() {
                    let flat = FlatIndicator {
                        schema_version: r.schema_version,
                        record_id: &r.record_id,
                        source_path: &r.source.path,
                        source_member: r.source.member.as_deref(),
                        source_index: r.source.index,
                        indicator_index: i,
                        year: r.project.year,
                        department: r.project.department.as_deref(),
                        implementing_unit: r.project.implementing_unit.as_deref(),
                        project_name: r.project.project_name.as_deref(),
                        duplicate_of: None,
                        indicator: ind,
                    };
                    serde_json::to_writer(&mut out.bytes, &flat).map_err(DocError::Serialize)?;
                    out.bytes.push(b'\n');
                }
                true
            }
        };
        out.spans.push(RecordSpan {
            bytes: start..out.bytes.len(),
            record_id: r.record_id.clone(),
            index: r.source.index,
            key: ProjectKey::of(&r.project),
            flat,
        });
        out.indicators += r.project.indicators.len();
        out.warnings
            .extend(r.project.warnings.iter().map(|w| w.code));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
