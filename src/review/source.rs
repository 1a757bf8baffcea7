//! A record's source, read again: the rows it came from and the cells
//! that fed each of its keys.

use std::sync::Arc;

use crate::error::DocError;
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
        let listing =
            archive::list(Arc::from(bytes), &ZipLimits::default()).map_err(DocError::from)?;
        let entry = listing
            .entries
            .into_iter()
            .find(|e| &e.name == member)
            .ok_or_else(|| ReviewError::NoMember(member.clone()))?;
        bytes = entry.read(&ZipLimits::default()).map_err(DocError::from)?;
    }
    if document::sha256_hex(&bytes) != src.sha256 {
        let shown = match &src.member {
            Some(m) => format!("{} (member {m})", src.path),
            None => src.path.clone(),
        };
        return Err(ReviewError::Changed(shown));
    }
    let (first, last) = (src.first_row, src.last_row);
    let origin = Origin {
        path: &src.path,
        member: src.member.as_deref(),
        format,
    };
    // One read gives both the rows to show and the project extracted again.
    let (rows, provenance) =
        document::extract_with_tables(origin, &bytes, limits, |t, records| {
            let rows = t
                .tables
                .iter()
                .filter(|t| t.sheet == src.sheet)
                .flat_map(|t| &t.rows)
                .filter(|r| (first..=last).contains(&r.number))
                .map(|r| (r.number, r.cells.iter().map(|c| c.to_string()).collect()))
                .collect();
            let provenance = records
                .into_iter()
                .find(|r| r.source.index == src.index && r.source.sheet == src.sheet)
                .map(|r| r.project.provenance)
                .unwrap_or_default();
            (rows, provenance)
        })?;
    Ok(SourceView { rows, provenance })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::CellMarks;

    fn golden(file: &str, index: usize) -> Record {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = std::fs::read_to_string(path).expect("golden");
        let line = text.lines().nth(index).expect("a line");
        serde_json::from_str(line).expect("a record")
    }

    fn fed(marks: &CellMarks, row: u32, col: usize) -> Vec<String> {
        marks
            .get(row, col)
            .map(|m| m.fed.clone())
            .unwrap_or_default()
    }

    /// The seed read again: its own rows, and the cells the table stage
    /// recorded for each key (label cells feed nothing).
    #[test]
    fn the_seed_is_re_read_with_its_provenance() {
        let record = golden("tests/fixtures/seed/seed.utf8.txt.expected.jsonl", 1);
        let view = re_read(&record, &Limits::default()).expect("re-read");
        assert_eq!(view.rows.first().map(|r| r.0), Some(39));
        assert_eq!(view.rows.last().map(|r| r.0), Some(75));
        let marks = CellMarks::new(&view.provenance);
        assert_eq!(fed(&marks, 42, 1), ["project_name"]);
        assert!(fed(&marks, 42, 0).is_empty());
        assert_eq!(fed(&marks, 41, 0), ["department"]);
        assert_eq!(fed(&marks, 53, 1), ["budget.total"]);
        assert_eq!(fed(&marks, 59, 2), ["indicators[0].level3"]);
        assert_eq!(fed(&marks, 59, 3), ["indicators[0].target"]);
        assert_eq!(fed(&marks, 60, 3), ["indicators[1].target"]);
    }

    /// Split columns: the full-width `１００` cell fed the value, each `%`
    /// cell fed the unit of its own indicator only.
    #[test]
    fn split_cells_feed_their_own_indicator() {
        let record = golden("tests/fixtures/text/split_columns.txt.expected.jsonl", 0);
        let view = re_read(&record, &Limits::default()).expect("re-read");
        let marks = CellMarks::new(&view.provenance);
        assert_eq!(fed(&marks, 10, 3), ["indicators[2].op"]);
        assert_eq!(fed(&marks, 10, 4), ["indicators[2].value"]);
        assert_eq!(fed(&marks, 10, 5), ["indicators[2].unit"]);
        assert_eq!(fed(&marks, 14, 5), ["indicators[6].unit"]);
        assert!(
            fed(&marks, 7, 5).is_empty(),
            "the header 计量单位 feeds nothing"
        );
    }

    #[test]
    fn a_changed_source_is_refused() {
        let mut record = golden("tests/fixtures/seed/seed.utf8.txt.expected.jsonl", 0);
        record.source.sha256 = "0".repeat(64);
        assert!(matches!(
            re_read(&record, &Limits::default()),
            Err(ReviewError::Changed(_))
        ));
    }
}
