//! Spot-checking: find a record, re-read the source rows it came from, and
//! draw reproducible samples of records.
//!
//! A reviewer compares a record with its source before a year's archive
//! goes into the warehouse. Every record points back to its source
//! (`source.path`, `member`, `sheet`, `first_row`..`last_row`), so the rows
//! are re-read here with the same readers as the extraction (zip members
//! and sheets included) and checked against `source.sha256`, so a source
//! that changed since extraction is reported rather than shown wrongly.
//! The document is extracted again in memory, and the provenance of the
//! same project (`source.index`) tells which cell fed which key.

pub mod fields;
pub mod marks;
pub mod report;
pub mod sample;
pub mod show;
pub mod source;

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::DocError;
use crate::model::Record;

pub use marks::{CellMarks, Mark};
pub use report::{MAX_PANELS, ReportStats, write_report};
pub use sample::{Sampled, sample};
pub use show::{one_line, render_show};
pub use source::{SourceView, re_read};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReviewError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("{path}, line {line}: not a record ({source})")]
    Json {
        path: String,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("no record {0} in the records file")]
    UnknownId(String),
    #[error("the record has no {0}")]
    Malformed(&'static str),
    #[error("{0} has changed since extraction (its sha256 differs): re-run jixiao extract")]
    Changed(String),
    #[error("{0}: no such member in the archive")]
    NoMember(String),
    #[error("cannot read the source: {0}")]
    Doc(#[from] DocError),
    #[error("cannot render the report: {0}")]
    Render(#[source] askama::Error),
}

/// Whether a path names standard input (`-`).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How a path is named in messages (`-` is standard input).
fn shown(path: &Path) -> String {
    if is_stdin(path) {
        "standard input".to_string()
    } else {
        path.display().to_string()
    }
}

/// Standard input, read whole once (the report reads its records twice).
fn stdin_bytes() -> io::Result<&'static [u8]> {
    use std::io::Read as _;
    static STDIN: std::sync::OnceLock<Result<Vec<u8>, (io::ErrorKind, String)>> =
        std::sync::OnceLock::new();
    let read = STDIN.get_or_init(|| {
        let mut data = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut data)
            .map(|_| data)
            .map_err(|e| (e.kind(), e.to_string()))
    });
    match read {
        Ok(data) => Ok(data),
        Err((kind, message)) => Err(io::Error::new(*kind, message.clone())),
    }
}

/// Calls `f` on every line of a JSON Lines file (`-`: standard input)
/// read as a `T`, in order; `f` returns `false` to stop. Blank lines are
/// skipped.
pub fn for_each_line<T: DeserializeOwned>(
    path: &Path,
    mut f: impl FnMut(T) -> bool,
) -> Result<(), ReviewError> {
    let io_err = |source| ReviewError::Io {
        path: shown(path),
        source,
    };
    let reader: Box<dyn BufRead> = if is_stdin(path) {
        Box::new(stdin_bytes().map_err(io_err)?)
    } else {
        Box::new(BufReader::new(File::open(path).map_err(io_err)?))
    };
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(io_err)?;
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str(&line).map_err(|source| ReviewError::Json {
            path: shown(path),
            line: i + 1,
            source,
        })?;
        if !f(value) {
            break;
        }
    }
    Ok(())
}

/// Calls `f` on every record of a records file, in order; `f` returns
/// `false` to stop.
pub fn for_each_record(path: &Path, f: impl FnMut(Record) -> bool) -> Result<(), ReviewError> {
    for_each_line(path, f)
}

/// The first record with this id.
pub fn find(records: &Path, id: &str) -> Result<Record, ReviewError> {
    let mut found = None;
    for_each_record(records, |r| {
        if r.record_id == id {
            found = Some(r);
            false
        } else {
            true
        }
    })?;
    found.ok_or_else(|| ReviewError::UnknownId(id.to_string()))
}

/// Every record with one of these ids (and, given `path`, this
/// `source.path`), grouped by id in the order the ids are given, each
/// group in file order: identical bytes under two paths share an id, and
/// each copy is shown.
pub fn find_all(
    records: &Path,
    ids: &[String],
    path: Option<&str>,
) -> Result<Vec<(String, Vec<Record>)>, ReviewError> {
    let mut found: Vec<(String, Vec<Record>)> =
        ids.iter().map(|id| (id.clone(), Vec::new())).collect();
    for_each_record(records, |r| {
        if path.is_none_or(|p| p == r.source.path)
            && let Some((_, group)) = found.iter_mut().find(|(id, _)| *id == r.record_id)
        {
            group.push(r);
        }
        true
    })?;
    Ok(found)
}
