//! What the report counts over every record and error line: the header
//! cards, the filters, the records table and the bar charts.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use crate::model::Record;
use crate::review::fields::op_name;

/// One line of `errors.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ErrorLine {
    pub path: String,
    pub member: Option<String>,
    pub stage: String,
    pub code: String,
    pub message: String,
}

/// One row of the records table: what it shows of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    pub id: String,
    /// `path`, or `path : member` for a zip member.
    pub path: String,
    pub department: String,
    pub project: String,
    pub year: String,
    pub indicators: usize,
    /// The distinct warning codes, sorted, separated by spaces.
    pub warnings: String,
}

/// The operators of the contract in chart order.
pub const OPS: [&str; 7] = ["eq", "ge", "le", "gt", "lt", "range", "qualitative"];

/// Counts over the run, collected one record at a time so that only the
/// table rows stay in memory.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    documents: HashSet<(String, Option<String>)>,
    pub records: usize,
    pub indicators: usize,
    pub errors: usize,
    pub warnings: BTreeMap<&'static str, usize>,
    /// `None` is a record without a department.
    pub departments: BTreeMap<Option<String>, usize>,
    /// `None` is a record without a year.
    pub years: BTreeMap<Option<i32>, usize>,
    pub ops: BTreeMap<&'static str, usize>,
    pub units: BTreeMap<String, usize>,
    pub no_unit: usize,
}

impl Stats {
    pub fn documents(&self) -> usize {
        self.documents.len()
    }

    pub fn warning_total(&self) -> usize {
        self.warnings.values().sum()
    }

    /// Counts a record and returns its table row.
    pub fn add(&mut self, r: &Record) -> RecordRow {
        let p = &r.project;
        self.records += 1;
        self.documents
            .insert((r.source.path.clone(), r.source.member.clone()));
        *self.departments.entry(p.department.clone()).or_insert(0) += 1;
        *self.years.entry(p.year).or_insert(0) += 1;
        for w in &p.warnings {
            *self.warnings.entry(w.code.as_str()).or_insert(0) += 1;
        }
        for ind in &p.indicators {
            self.indicators += 1;
            *self
                .ops
                .entry(ind.op.map_or("qualitative", op_name))
                .or_insert(0) += 1;
            match &ind.unit {
                Some(u) => *self.units.entry(u.to_string()).or_insert(0) += 1,
                None => self.no_unit += 1,
            }
        }
        let mut codes: Vec<&str> = p.warnings.iter().map(|w| w.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        RecordRow {
            id: r.record_id.clone(),
            path: shown_path(r),
            department: p.department.clone().unwrap_or_default(),
            project: p.project_name.clone().unwrap_or_default(),
            year: p.year.map(|y| y.to_string()).unwrap_or_default(),
            indicators: p.indicators.len(),
            warnings: codes.join(" "),
        }
    }

    pub fn add_error(&mut self, e: &ErrorLine) {
        self.errors += 1;
        self.documents.insert((e.path.clone(), e.member.clone()));
    }
}

/// A horizontal bar chart, laid out for the SVG template.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub id: &'static str,
    pub title: &'static str,
    pub bars: Vec<Bar>,
    pub note: Option<String>,
    pub width: f64,
    pub height: usize,
    /// Where the bars start (the labels end 6 px before).
    pub label_w: f64,
    pub label_x: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    /// The label cut to fit beside the bar.
    pub short: String,
    pub count: usize,
    pub y: usize,
    pub text_y: usize,
    pub w: f64,
    pub count_x: f64,
}

/// Height of a bar's row and of its bar, in px.
pub const BAR_ROW: usize = 20;
pub const BAR_H: usize = BAR_ROW - 4;

impl Chart {
    fn new(
        id: &'static str,
        title: &'static str,
        bars: Vec<(String, usize)>,
        note: Option<String>,
    ) -> Chart {
        const BAR_W: f64 = 300.0;
        const MAX_LABEL: usize = 18;
        let shorts: Vec<String> = bars.iter().map(|(l, _)| shorten(l, MAX_LABEL)).collect();
        let label_w = shorts
            .iter()
            .map(|l| text_width(l, 12.0))
            .fold(40.0_f64, f64::max)
            .ceil()
            + 8.0;
        let max = bars.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1);
        let bars: Vec<Bar> = bars
            .into_iter()
            .zip(shorts)
            .enumerate()
            .map(|(i, ((label, count), short))| {
                let y = i * BAR_ROW + 3;
                let w = if count == 0 {
                    0.0
                } else {
                    (BAR_W * count as f64 / max as f64).max(1.0)
                };
                let w = (w * 10.0).round() / 10.0;
                Bar {
                    label,
                    short,
                    count,
                    y,
                    text_y: y + 13,
                    w,
                    count_x: label_w + w + 4.0,
                }
            })
            .collect();
        Chart {
            id,
            title,
            height: if bars.is_empty() {
                30
            } else {
                bars.len() * BAR_ROW + 6
            },
            bars,
            note,
            width: label_w + BAR_W + 70.0,
            label_w,
            label_x: label_w - 6.0,
        }
    }
}

/// The five charts of the report.
pub fn charts(s: &Stats) -> Vec<Chart> {
    let none = || "(无 none)".to_owned();
    let mut depts: Vec<(String, usize)> = s
        .departments
        .iter()
        .map(|(d, c)| (d.clone().unwrap_or_else(none), *c))
        .collect();
    sort_by_count(&mut depts);
    if depts.len() > 20 {
        let rest: usize = depts[20..].iter().map(|(_, c)| c).sum();
        let others = depts.len() - 20;
        depts.truncate(20);
        depts.push((format!("其他 other ({others})"), rest));
    }
    let mut years: Vec<(String, usize)> = s
        .years
        .iter()
        .filter_map(|(y, c)| y.map(|y| (y.to_string(), *c)))
        .collect();
    if let Some(c) = s.years.get(&None) {
        years.push((none(), *c));
    }
    // The seven operators of the contract in their fixed order.
    let ops: Vec<(String, usize)> = OPS
        .iter()
        .map(|o| (o.to_string(), s.ops.get(o).copied().unwrap_or(0)))
        .collect();
    let mut units: Vec<(String, usize)> = s.units.iter().map(|(u, c)| (u.clone(), *c)).collect();
    sort_by_count(&mut units);
    let distinct = units.len();
    units.truncate(15);
    let note = format!(
        "{distinct} distinct units; {} indicators without a unit",
        s.no_unit
    );
    let warnings: Vec<(String, usize)> = s
        .warnings
        .iter()
        .map(|(w, c)| (w.to_string(), *c))
        .collect();
    vec![
        Chart::new(
            "chart-departments",
            "每个单位的项目 records per department (top 20)",
            depts,
            None,
        ),
        Chart::new("chart-years", "每年的项目 records per year", years, None),
        Chart::new(
            "chart-operators",
            "指标运算符 indicator operators",
            ops,
            None,
        ),
        Chart::new("chart-units", "计量单位 units (top 15)", units, Some(note)),
        Chart::new("chart-warnings", "警告 warnings by code", warnings, None),
    ]
}

fn sort_by_count(v: &mut [(String, usize)]) {
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
}

/// Approximate rendered width: CJK and other wide characters one em, the rest 0.6 em.
fn text_width(s: &str, font: f64) -> f64 {
    s.chars()
        .map(|c| if (c as u32) < 0x1100 { 0.6 } else { 1.0 })
        .sum::<f64>()
        * font
}

fn shorten(s: &str, max: usize) -> String {
    let s = s.replace(['\n', '\r', '\t'], " ");
    if s.chars().count() <= max {
        s
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// A record's path as the records table shows it: `path`, or
/// `path : member` for a zip member.
pub fn shown_path(r: &Record) -> String {
    match &r.source.member {
        Some(m) => format!("{} : {m}", r.source.path),
        None => r.source.path.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_largest() {
        let c = Chart::new(
            "x",
            "t",
            vec![("一".into(), 4), ("b".into(), 1), ("c".into(), 0)],
            None,
        );
        assert_eq!(c.bars[0].w, 300.0);
        assert_eq!(c.bars[1].w, 75.0);
        assert_eq!(c.bars[2].w, 0.0);
        assert_eq!(c.height, 3 * BAR_ROW + 6);
        assert_eq!(Chart::new("x", "t", vec![], None).height, 30);
        assert_eq!(shorten(&"长".repeat(20), 18).chars().count(), 18);
    }
}
