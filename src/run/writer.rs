//! The writer of a run: what each job gives (`Done`) and the one
//! `Output` that writes it, in input order, to the records, errors and
//! manifest files, keeping the run-wide duplicate checks and the
//! [`Summary`]. Only the supervising thread writes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use serde::{Deserialize, Serialize};

use crate::error::{DocError, Failure};
use crate::model::WarningCode;
use crate::run::manifest::{ManifestLine, Outcome, Place, SeenBytes};
use crate::run::output::{ErrorLine, ProjectKey, SeenProjects, Sink, with_duplicate_of};
use crate::source::{Format, Skip};

/// What a run did, for the summary line and the exit code.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub documents: usize,
    pub records: usize,
    pub indicators: usize,
    pub errors: BTreeMap<Cow<'static, str>, usize>,
    pub warnings: BTreeMap<&'static str, usize>,
    pub skipped: BTreeMap<String, usize>,
    /// Documents whose bytes an earlier document already had.
    pub duplicates: usize,
    /// Records whose project an earlier record already had (`duplicate_of`).
    pub duplicate_records: usize,
    /// The files written (not stdout or stderr), for the summary line.
    pub written: Vec<String>,
    pub bytes: u64,
    pub elapsed: Duration,
}

/// `1 document`, `2 documents`.
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl Summary {
    pub fn error_count(&self) -> usize {
        self.errors.values().sum()
    }

    /// The one summary line printed on stderr at the end of a run.
    pub fn line(&self) -> String {
        fn counts<K: std::fmt::Display>(m: &BTreeMap<K, usize>) -> String {
            if m.is_empty() {
                "none".to_string()
            } else {
                m.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }
        let secs = self.elapsed.as_secs_f64();
        let mb = self.bytes as f64 / 1e6;
        let mut s = format!(
            "jixiao: {}, {}, {}; errors: {}; warnings: {}",
            plural(self.documents, "document"),
            plural(self.records, "record"),
            plural(self.indicators, "indicator"),
            counts(&self.errors),
            counts(&self.warnings),
        );
        if self.duplicates > 0 {
            let _ = write!(
                s,
                "; {} (same bytes as an earlier one: duplicate_of in the manifest)",
                plural(self.duplicates, "duplicate")
            );
        }
        if self.duplicate_records > 0 {
            let _ = write!(
                s,
                "; {} of an earlier project (duplicate_of is set)",
                plural(self.duplicate_records, "record")
            );
        }
        if !self.skipped.is_empty() {
            let skipped: Vec<_> = self
                .skipped
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let _ = write!(s, "; skipped: {}", skipped.join(" "));
        }
        if !self.written.is_empty() {
            let _ = write!(s, "; wrote {}", self.written.join(", "));
        }
        let _ = write!(
            s,
            "; {mb:.2} MB in {secs:.2} s ({:.1} MB/s)",
            if secs > 0.0 { mb / secs } else { 0.0 }
        );
        s
    }
}

/// The outcome of one job (a file, or one member of an archive): its
/// lines or its error, ready to be written. Plain data: a worker process
/// sends it to the run across a pipe ([`crate::run::protocol`]), the
/// lines' bytes beside it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Done {
    pub(crate) display: String,
    pub(crate) member: Option<String>,
    /// Bytes read from disk (an archive's are counted when it is listed).
    pub(crate) bytes: u64,
    /// The manifest's `bytes`: the file's or member's size, when known.
    pub(crate) size: Option<u64>,
    /// The format it was read as, once read.
    pub(crate) format: Option<Format>,
    /// Of the bytes read (`None`: not read).
    pub(crate) sha256: Option<String>,
    pub(crate) ms: u64,
    pub(crate) result: Got,
}

/// What a job gave.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Got {
    Lines(Lines),
    Error(Failure),
    Skipped(Skip),
}

impl Got {
    pub(crate) fn error(e: DocError) -> Got {
        Got::Error(Failure::from(e))
    }
}

impl Done {
    pub(crate) fn new(display: &str, member: Option<String>, result: Got) -> Done {
        Done {
            display: display.to_string(),
            member,
            bytes: 0,
            size: None,
            format: None,
            sha256: None,
            ms: 0,
            result,
        }
    }
}

/// One document's JSON lines, with what the summary counts of them.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Lines {
    /// Sent beside the rest by a worker process, not inside it.
    #[serde(skip)]
    pub(crate) bytes: Vec<u8>,
    pub(crate) records: usize,
    pub(crate) indicators: usize,
    pub(crate) warnings: Vec<WarningCode>,
    /// `source.encoding` of the first record.
    pub(crate) encoding: Option<String>,
    /// `source.sha256` of the records (all share it).
    pub(crate) sha256: Option<String>,
    /// Per record: where its line (or its indicators' lines) are in
    /// `bytes`, its id, index and identity, for `duplicate_of`.
    pub(crate) spans: Vec<RecordSpan>,
}

/// One record's lines in [`Lines::bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RecordSpan {
    pub(crate) bytes: std::ops::Range<usize>,
    pub(crate) record_id: String,
    /// `source.index`.
    pub(crate) index: usize,
    pub(crate) key: ProjectKey,
    /// `--emit indicators`: the span holds one line per indicator, whose
    /// `duplicate_of` is the first record's id.
    pub(crate) flat: bool,
}

/// The output side of a run: both sinks, the summary and the run-wide
/// duplicate check. Documents must come in input order; the files are
/// renamed into place by [`Output::finish`] (dropping an `Output` instead
/// removes the temporary files).
pub(crate) struct Output<'p> {
    records: Sink,
    errors: Sink,
    manifest: Option<Sink>,
    summary: Summary,
    seen: SeenProjects,
    seen_bytes: SeenBytes,
    progress: &'p ProgressBar,
    start: Instant,
}

impl<'p> Output<'p> {
    pub(crate) fn new(
        records: Sink,
        errors: Sink,
        manifest: Option<Sink>,
        progress: &'p ProgressBar,
    ) -> Self {
        Output {
            records,
            errors,
            manifest,
            summary: Summary::default(),
            seen: SeenProjects::default(),
            seen_bytes: SeenBytes::default(),
            progress,
            start: Instant::now(),
        }
    }

    pub(crate) fn write(&mut self, mut done: Done) -> io::Result<()> {
        let s = &mut self.summary;
        s.bytes += done.bytes;
        self.progress.inc(1);
        let mut line = ManifestLine {
            path: &done.display,
            member: done.member.as_deref(),
            bytes: done.size,
            sha256: done.sha256.as_deref(),
            format: done.format.map(Format::name),
            encoding: None,
            outcome: Outcome::Records.name(),
            reason: None,
            duplicate_of: None,
            records: 0,
            indicators: 0,
            warnings: 0,
            error_code: None,
            ms: done.ms,
        };
        let duplicate_of;
        match &mut done.result {
            Got::Skipped(why) => {
                let name = done.member.as_deref().unwrap_or(&done.display);
                *s.skipped.entry(why.summary_key(name)).or_default() += 1;
                line.outcome = Outcome::Skipped.name();
                line.reason = Some(why.code());
            }
            Got::Lines(lines) => {
                s.documents += 1;
                let bytes = std::mem::take(&mut lines.bytes);
                duplicate_of = done.sha256.as_deref().and_then(|sha| {
                    let place = Place {
                        path: done.display.clone(),
                        member: done.member.clone(),
                    };
                    self.seen_bytes.check(sha, place)
                });
                if duplicate_of.is_some() {
                    s.duplicates += 1;
                    line.outcome = Outcome::Duplicate.name();
                    line.duplicate_of = duplicate_of.as_ref();
                }
                line.encoding = lines.encoding.as_deref();
                line.records = lines.records;
                line.indicators = lines.indicators;
                let place = (done.display.as_str(), done.member.as_deref());
                s.duplicate_records +=
                    Self::write_lines(&mut self.records, &mut self.seen, s, lines, bytes, place)?;
                line.warnings = lines.warnings.len();
            }
            Got::Error(err) => {
                s.documents += 1;
                let error = ErrorLine::new(&done.display, done.member.as_deref(), err);
                self.errors.write_all(&error.to_line())?;
                *s.errors.entry(err.code.clone()).or_default() += 1;
                line.outcome = Outcome::Error.name();
                line.error_code = Some(&err.code);
            }
        }
        if let Some(manifest) = &mut self.manifest {
            manifest.write_all(&line.to_line())?;
        }
        if !self.progress.is_hidden() {
            let mb = s.bytes as f64 / 1e6;
            let secs = self.start.elapsed().as_secs_f64().max(1e-3);
            self.progress
                .set_message(format!("{mb:.1} MB, {:.1} MB/s", mb / secs));
        }
        Ok(())
    }

    /// One document's record lines (`bytes`, taken out of `lines`), each
    /// checked for a project seen before (whose first record its
    /// `duplicate_of` names); returns how many records are duplicates.
    fn write_lines(
        records: &mut Sink,
        seen: &mut SeenProjects,
        s: &mut Summary,
        lines: &Lines,
        bytes: Vec<u8>,
        place: (&str, Option<&str>),
    ) -> io::Result<usize> {
        let mut duplicates = 0;
        let mut written = 0;
        let document = match lines.spans.first() {
            Some(first) => seen.document(place.0, place.1, &first.record_id),
            None => 0,
        };
        for span in &lines.spans {
            let Some(first) = seen.check(span.key, document, span.index) else {
                continue;
            };
            duplicates += 1;
            // the lines before this record's, as they are
            records.write_all(&bytes[written..span.bytes.start])?;
            let value = if span.flat {
                serde_json::to_vec(&first.record_id).unwrap_or_default()
            } else {
                crate::model::duplicate_of_json(&first)
            };
            for line in bytes[span.bytes.clone()].split_inclusive(|&b| b == b'\n') {
                records.write_all(&with_duplicate_of(line, &value))?;
            }
            written = span.bytes.end;
        }
        if written == 0 {
            // no duplicate: the lines as they came, not copied again
            records.write_owned(bytes)?;
        } else {
            records.write_all(&bytes[written..])?;
        }
        s.records += lines.records;
        s.indicators += lines.indicators;
        for w in &lines.warnings {
            *s.warnings.entry(w.as_str()).or_default() += 1;
        }
        Ok(duplicates)
    }

    pub(crate) fn finish(self) -> io::Result<Summary> {
        self.records.finish()?;
        self.errors.finish()?;
        if let Some(manifest) = self.manifest {
            manifest.finish()?;
        }
        Ok(self.summary)
    }
}
