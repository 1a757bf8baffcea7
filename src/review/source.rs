//! A record's source, read again: the rows it came from and the cells
//! that fed each of its keys.

use std::sync::Arc;

use crate::model::{Provenance, Record};
use crate::run::document::{self, Limits, Origin};
use crate::source::Format;
use crate::source::archive::{self, ZipLimits};

use super::ReviewError;

/// What a reviewer sees of a record's source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceView {
    /// The rows `first_row..=last_row` as (row number, cleaned cells).
    pub rows: Vec<(u32, Vec<String>)>,
    /// The cells each key was read from: the provenance of the project
    /// that the document gives again at `source.index` (empty when the
    /// extraction does not give that project again).
    pub provenance: Provenance,
}

/// Re-reads a record's document (the file, or the member of the zip
/// file), checks it against `source.sha256`, and returns the record's
/// source rows and the provenance of the same project extracted again.
pub fn re_read(record: &Record, limits: &Limits) -> Result<SourceView, ReviewError> {
    let src = &record.source;
    let format = Format::from_name(&src.format).ok_or(ReviewError::Malformed("source.format"))?;
    let mut bytes = std::fs::read(&src.path).map_err(|source| ReviewError::Io {
        path: src.path.clone(),
        source,
    })?;
    if let Some(member) = &src.member {
        let listing = archive::list(Arc::from(bytes), &ZipLimits::default())?;
        let entry = listing
            .entries
            .into_iter()
            .find(|e| &e.name == member)
            .ok_or_else(|| ReviewError::NoMember(member.clone()))?;
        bytes = entry.read(&ZipLimits::default())?;
    }
    if document::sha256_hex(&bytes) != src.sha256 {
        let shown = match &src.member {
            Some(m) => format!("{} (member {m})", src.path),
            None => src.path.clone(),
        };
        return Err(ReviewError::Changed(shown));
    }
    let (first, last) = (src.first_row, src.last_row);
    let sheet = src.sheet.as_deref();
    let rows = document::with_tables(format, &bytes, limits, |t| {
        t.tables
            .into_iter()
            .filter(|t| t.sheet.as_deref() == sheet)
            .flat_map(|t| t.rows)
            .filter(|r| (first..=last).contains(&r.number))
            .map(|r| {
                (
                    r.number,
                    r.cells.into_iter().map(|c| c.into_owned()).collect(),
                )
            })
            .collect()
    })?;
    let origin = Origin {
        path: &src.path,
        member: src.member.as_deref(),
        format,
    };
    let provenance = document::extract(origin, &bytes, limits)?
        .into_iter()
        .find(|r| r.source.index == src.index && r.source.sheet == src.sheet)
        .map(|r| r.project.provenance)
        .unwrap_or_default();
    Ok(SourceView { rows, provenance })
}
