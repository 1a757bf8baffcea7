//! A single self-contained HTML page for people who check a run by eye.
//!
//! The JSON Lines output is made for loaders, not for the reviewer who has to
//! decide whether a run can be trusted: which inputs failed and why, which
//! warnings dominate, whether departments, years, operators and units look
//! plausible, and — for a sample of records — whether each extracted value
//! really came from the cell it should have. [`render`] turns the counts,
//! the error lines and a few re-read sources into one HTML file that opens
//! anywhere without a network: CSS, script and SVG charts are inline, nothing
//! is fetched. The page is an askama template (`templates/report/`), which
//! HTML-escapes every value it writes; the data block for the script is JSON
//! made safe for a `<script>` element. [`render`] is pure (the run date is
//! passed in), so the same input gives the same bytes. The records table
//! stays one small row per record so that a run of 100,000 records still
//! gives a page a browser can filter.

pub mod panel;
pub mod stats;

use std::collections::HashSet;
use std::path::Path;

use askama::Template;

use crate::model::Record;
use crate::run::document::Limits;

use super::{ReviewError, for_each_line, for_each_record, re_read, sample};
pub use panel::{Panel, PanelView};
pub use stats::{Chart, ErrorLine, RecordRow, Stats};

/// The most side-by-side panels a report renders (sampled first, then
/// warned records in file order): panels re-read sources, and a page of
/// 100,000 panels would be unusable.
pub const MAX_PANELS: usize = 300;

/// What `jixiao report` wrote.
#[derive(Debug)]
pub struct ReportStats {
    pub records: usize,
    pub panels: usize,
    pub bytes: usize,
}

/// Writes the self-contained HTML review report for a records file (and
/// its errors file, when there is one). Only the panel records are kept
/// whole in memory; the rest are reduced to their table row and counts.
pub fn write_report(
    records: &Path,
    errors: &Path,
    out: &Path,
    sample_n: usize,
    seed: u64,
    limits: &Limits,
) -> Result<ReportStats, ReviewError> {
    let mut panel_index: Vec<usize> = sample(records, sample_n, seed, false)?
        .into_iter()
        .map(|s| s.index)
        .collect();
    panel_index.truncate(MAX_PANELS);
    panel_index.sort_unstable();
    // Warned records fill the panels the sample left, in file order.
    let mut warned_left = MAX_PANELS - panel_index.len();
    let mut stats = Stats::default();
    let mut rows = Vec::new();
    let mut full: Vec<Record> = Vec::new();
    let mut i = 0;
    for_each_record(records, |r| {
        rows.push(stats.add(&r));
        if panel_index.binary_search(&i).is_ok() {
            full.push(r);
        } else if !r.project.warnings.is_empty() && warned_left > 0 {
            warned_left -= 1;
            full.push(r);
        }
        i += 1;
        true
    })?;
    let mut error_lines: Vec<ErrorLine> = Vec::new();
    if errors.exists() || super::is_stdin(errors) {
        for_each_line(errors, |e: ErrorLine| {
            stats.add_error(&e);
            error_lines.push(e);
            true
        })?;
    }
    let panels: Vec<Panel<'_>> = full
        .iter()
        .map(|r| Panel {
            record: r,
            source: re_read(r, limits).map_err(|e| e.to_string()),
        })
        .collect();
    let generated = modified_utc(records).unwrap_or_else(|| "unknown".to_string());
    let html = render(&ReportInput {
        stats: &stats,
        records: &rows,
        errors: &error_lines,
        panels: &panels,
        generated: &generated,
        schema_version: u64::from(crate::model::SCHEMA_VERSION),
    })?;
    let target = if super::is_stdin(out) {
        crate::run::output::Target::Stdout
    } else {
        crate::run::output::Target::File(out.to_path_buf())
    };
    let io_err = |source| ReviewError::Io {
        path: out.display().to_string(),
        source,
    };
    let mut sink = crate::run::output::Sink::create(&target).map_err(io_err)?;
    sink.write_all(html.as_bytes()).map_err(io_err)?;
    sink.finish().map_err(io_err)?;
    Ok(ReportStats {
        records: rows.len(),
        panels: full.len(),
        bytes: html.len(),
    })
}

/// `YYYY-MM-DD HH:MM UTC` of a file's modification time: the date a
/// report names for the run that wrote the records.
pub fn modified_utc(path: &Path) -> Option<String> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    utc_minutes(modified)
}

fn utc_minutes(t: std::time::SystemTime) -> Option<String> {
    let t = jiff::Timestamp::try_from(t).ok()?;
    Some(t.strftime("%Y-%m-%d %H:%M UTC").to_string())
}

/// What the page is made of.
pub struct ReportInput<'a> {
    /// Counts over every record and error line.
    pub stats: &'a Stats,
    /// One row per record, in file order.
    pub records: &'a [RecordRow],
    /// Every errors.jsonl line.
    pub errors: &'a [ErrorLine],
    /// Sampled + warned records, in record order (the caller caps how many).
    pub panels: &'a [Panel<'a>],
    /// Run date text for the header, given by the caller (keeps the function pure).
    pub generated: &'a str,
    pub schema_version: u64,
}

/// Rows per `<tbody>` of the big tables. Each tbody is laid out only when it
/// scrolls into view (`content-visibility: auto`): a 100,000-row table laid
/// out at once takes a browser tens of seconds.
const CHUNK: usize = 200;

/// Height of a records-table row in CSS pixels (cells do not wrap), so the
/// script can size a chunk it has not laid out.
const ROW_PX: usize = 22;

/// The rows of one lazily laid-out `<tbody>`, with its style.
pub struct Chunk<T> {
    pub style: String,
    pub rows: Vec<T>,
}

fn chunks<T>(items: Vec<T>, style: impl Fn(usize) -> String) -> Vec<Chunk<T>> {
    let mut out: Vec<Chunk<T>> = Vec::new();
    for item in items {
        match out.last_mut() {
            Some(c) if c.rows.len() < CHUNK => c.rows.push(item),
            _ => out.push(Chunk {
                style: String::new(),
                rows: vec![item],
            }),
        }
    }
    for c in &mut out {
        c.style = style(c.rows.len());
    }
    out
}

pub struct RowView<'a> {
    pub row: &'a RecordRow,
    /// The HTML anchor of the record (`r-…`) and its panel (`p-…`): the
    /// record id, with `.2`, `.3`, … for later records of the same id
    /// (the same bytes under two paths), so each anchor is unique.
    pub anchor: String,
    /// The record has a panel to link to.
    pub panel: bool,
}

/// An `<option>` of a filter: value (after its prefix), label, count.
type Choice = (String, String, usize);

#[derive(Template)]
#[template(path = "report/page.html")]
struct Page<'a> {
    css: &'static str,
    js: &'static str,
    data_json: String,
    cards: [(&'static str, &'static str, usize); 5],
    generated: &'a str,
    schema_version: u64,
    warning_counts: Vec<(&'static str, usize)>,
    error_count: usize,
    errors: Vec<Chunk<&'a ErrorLine>>,
    departments: Vec<Choice>,
    years: Vec<Choice>,
    record_count: usize,
    records: Vec<Chunk<RowView<'a>>>,
    charts: Vec<Chart>,
    bar_h: usize,
    panels: Vec<PanelView<'a>>,
}

/// One self-contained HTML page (inline CSS, JS and SVG; no external URL
/// of any kind, no CDN, no web fonts).
pub fn render(input: &ReportInput<'_>) -> Result<String, ReviewError> {
    let s = input.stats;
    let anchors = anchors(input.records);
    let panel_anchors: Vec<String> = input
        .panels
        .iter()
        .map(|p| {
            let path = stats::shown_path(p.record);
            let id = p.record.record_id.as_str();
            anchors
                .get(&(id, path.as_str()))
                .cloned()
                .unwrap_or_else(|| id.to_owned())
        })
        .collect();
    let linked: HashSet<&str> = panel_anchors.iter().map(String::as_str).collect();
    let none = "(无 none)";
    let departments = s
        .departments
        .iter()
        .map(|(d, c)| {
            let d = d.as_deref();
            (d.unwrap_or("").to_owned(), d.unwrap_or(none).to_owned(), *c)
        })
        .collect();
    // Ascending, the missing year last.
    let mut years: Vec<Choice> = s
        .years
        .iter()
        .filter_map(|(y, c)| y.map(|y| (y.to_string(), y.to_string(), *c)))
        .collect();
    if let Some(c) = s.years.get(&None) {
        years.push((String::new(), none.to_owned(), *c));
    }
    let data = serde_json::json!({
        "schema_version": input.schema_version,
        "generated": input.generated,
        "records": input.records.len(),
        "errors": input.errors.len(),
        "row_px": ROW_PX,
    });
    let page = Page {
        css: include_str!("report.css"),
        js: include_str!("report.js"),
        data_json: json_for_script(&data),
        cards: [
            ("n-documents", "文档 documents", s.documents()),
            ("n-records", "项目 records", input.records.len()),
            ("n-indicators", "指标 indicators", s.indicators),
            ("n-errors", "错误 errors", input.errors.len()),
            ("n-warnings", "警告 warnings", s.warning_total()),
        ],
        generated: input.generated,
        schema_version: input.schema_version,
        warning_counts: s.warnings.iter().map(|(c, n)| (*c, *n)).collect(),
        error_count: input.errors.len(),
        // Error rows wrap, so the height is an estimate the browser
        // replaces once seen; record rows do not: theirs is exact.
        errors: chunks(input.errors.iter().collect(), |rows| {
            format!("contain-intrinsic-size:auto {}px", rows * 2 * ROW_PX)
        }),
        departments,
        years,
        record_count: input.records.len(),
        records: chunks(
            input
                .records
                .iter()
                .map(|row| {
                    let anchor = anchors
                        .get(&(row.id.as_str(), row.path.as_str()))
                        .cloned()
                        .unwrap_or_else(|| row.id.clone());
                    RowView {
                        panel: linked.contains(anchor.as_str()),
                        row,
                        anchor,
                    }
                })
                .collect(),
            |rows| format!("contain-intrinsic-height:{}px", rows * ROW_PX),
        ),
        charts: stats::charts(s),
        bar_h: stats::BAR_H,
        panels: input
            .panels
            .iter()
            .zip(&panel_anchors)
            .map(|(p, anchor)| PanelView {
                anchor: anchor.clone(),
                ..PanelView::new(p)
            })
            .collect(),
    };
    page.render().map_err(ReviewError::Render)
}

/// Each record's anchor, by (record id, path as the records table shows
/// it): the id for the first record of an id, `id.2`, `id.3`, … for the
/// later ones, in file order.
fn anchors(records: &[RecordRow]) -> std::collections::HashMap<(&str, &str), String> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    records
        .iter()
        .map(|r| {
            let n = seen.entry(r.id.as_str()).or_insert(0);
            *n += 1;
            let anchor = match *n {
                1 => r.id.clone(),
                n => format!("{}.{n}", r.id),
            };
            ((r.id.as_str(), r.path.as_str()), anchor)
        })
        .collect()
}

/// JSON text that is safe as the content of a `<script>` element: no `<`,
/// `>` or `&` (so no `</script>` and no `<!--`), and no U+2028/U+2029. The
/// replacements are JSON escapes, and these characters occur in JSON text
/// only inside strings, so the result parses to the same value.
pub fn json_for_script(v: &serde_json::Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests;
