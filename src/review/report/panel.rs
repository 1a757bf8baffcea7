//! A side-by-side panel: a record's source rows, with the cells that fed
//! its keys highlighted (from provenance, by position), beside its fields
//! and indicators.

use crate::model::{BUDGET_LABELS, FIELD_LABELS, Record, Warning};
use crate::review::fields::{self, Field};
use crate::review::marks::compact;
use crate::review::{CellMarks, SourceView};

/// A record chosen for a panel, with its re-read source.
pub struct Panel<'a> {
    pub record: &'a Record,
    /// The source rows and provenance; Err(message) when the source could
    /// not be re-read (the panel shows the message).
    pub source: Result<SourceView, String>,
}

/// What the panel template shows.
pub struct PanelView<'a> {
    pub id: &'a str,
    /// The unique anchor (see `RowView::anchor`); the id until set.
    pub anchor: String,
    pub title: &'a str,
    pub department: &'a str,
    pub path: &'a str,
    pub member: Option<&'a str>,
    pub sheet: Option<&'a str>,
    pub first_row: u32,
    pub last_row: u32,
    pub warnings: &'a [Warning],
    /// Why the source is not shown, when it could not be re-read.
    pub source_error: Option<&'a str>,
    pub rows: Vec<SourceRow<'a>>,
    /// The source was re-read but gave no provenance for this project.
    pub unmarked: bool,
    pub fields: Vec<FieldItem<'a>>,
    pub indicators: Vec<IndicatorRow>,
}

pub struct SourceRow<'a> {
    pub number: u32,
    pub cells: Vec<SourceCell<'a>>,
}

pub struct SourceCell<'a> {
    pub text: &'a str,
    /// `feed` (a value was read from it), `label` (only a label), or empty.
    pub class: &'static str,
    /// The keys it fed or labelled, for the tooltip.
    pub title: String,
}

pub struct FieldItem<'a> {
    pub label: &'a str,
    pub key: String,
    /// `None` is null.
    pub value: Option<String>,
}

pub struct IndicatorRow {
    pub index: usize,
    /// The keys of [`crate::model::INDICATOR_KEYS`], in order.
    pub cells: [String; 13],
}

impl<'a> PanelView<'a> {
    pub fn new(panel: &'a Panel<'_>) -> PanelView<'a> {
        let r = panel.record;
        let p = &r.project;
        let (source_error, rows, unmarked) = match &panel.source {
            Err(e) => (Some(e.as_str()), Vec::new(), false),
            Ok(view) => {
                let marks = CellMarks::new(&view.provenance);
                (None, source_rows(view, &marks), marks.is_empty())
            }
        };
        PanelView {
            id: &r.record_id,
            anchor: r.record_id.clone(),
            title: p.project_name.as_deref().unwrap_or("(无项目名称)"),
            department: p.department.as_deref().unwrap_or(""),
            path: &r.source.path,
            member: r.source.member.as_deref(),
            sheet: r.source.sheet.as_deref(),
            first_row: r.source.first_row,
            last_row: r.source.last_row,
            warnings: &p.warnings,
            source_error,
            rows,
            unmarked,
            fields: field_items(r),
            indicators: p
                .indicators
                .iter()
                .enumerate()
                .map(|(index, ind)| IndicatorRow {
                    index,
                    cells: fields::indicator_texts(ind),
                })
                .collect(),
        }
    }
}

/// Every row padded to the widest, each cell with its mark.
fn source_rows<'v>(view: &'v SourceView, marks: &CellMarks) -> Vec<SourceRow<'v>> {
    let cols = view.rows.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    view.rows
        .iter()
        .map(|(n, cells)| SourceRow {
            number: *n,
            cells: (0..cols)
                .map(|col| {
                    let text = cells.get(col).map(String::as_str).unwrap_or("");
                    let (class, title) = match marks.get(*n, col) {
                        Some(m) if !m.fed.is_empty() => ("feed", m.fed_text()),
                        Some(m) if !m.labels.is_empty() => {
                            ("label", format!("label of {}", compact(&m.labels)))
                        }
                        _ => ("", String::new()),
                    };
                    SourceCell { text, class, title }
                })
                .collect(),
        })
        .collect()
}

fn field_items(r: &Record) -> Vec<FieldItem<'_>> {
    let p = &r.project;
    let mut items = Vec::new();
    for (key, label) in FIELD_LABELS {
        items.push(FieldItem {
            label,
            key: key.to_string(),
            value: fields::field(p, key).map(|v| match v {
                Field::Text(t) => t.to_string(),
                Field::Year(y) => y.to_string(),
                Field::Bool(true) => "是 (true)".to_string(),
                Field::Bool(false) => "否 (false)".to_string(),
            }),
        });
    }
    // Amounts get thousands separators, as the tables write them.
    for (key, label) in BUDGET_LABELS {
        items.push(FieldItem {
            label,
            key: format!("budget.{key}"),
            value: fields::budget(p, key).map(|a| group_thousands(&fields::amount_text(a))),
        });
    }
    for (i, source) in p.budget.sources.iter().enumerate() {
        items.push(FieldItem {
            label: &source.name,
            key: format!("budget.sources[{i}]"),
            value: source
                .amount
                .map(|a| group_thousands(&fields::amount_text(a))),
        });
    }
    for (k, v) in &p.extra {
        items.push(FieldItem {
            label: k,
            key: "extra".to_string(),
            value: v.clone(),
        });
    }
    items
}

/// `41098620` → `41,098,620`; `-1234.5` → `-1,234.5`; anything else as is.
fn group_thousands(s: &str) -> String {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return s.to_owned();
    }
    let mut g = String::with_capacity(s.len() + int.len() / 3);
    g.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            g.push(',');
        }
        g.push(c);
    }
    if let Some(f) = frac {
        g.push('.');
        g.push_str(f);
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped() {
        assert_eq!(group_thousands("41098620"), "41,098,620");
        assert_eq!(group_thousands("-1234.5"), "-1,234.5");
        assert_eq!(group_thousands("123"), "123");
        assert_eq!(group_thousands("1e21"), "1e21");
    }
}
