//! A single self-contained HTML page for people who check a run by eye.
//!
//! The JSON Lines output is made for loaders, not for the reviewer who has to
//! decide whether a run can be trusted: which inputs failed and why, which
//! warnings dominate, whether departments, years, operators and units look
//! plausible, and — for a sample of records — whether each extracted value
//! really came from the cell it should have. [`render`] turns the records, the
//! error lines and a few re-read source excerpts into one HTML file that opens
//! anywhere without a network: CSS, script and SVG charts are inline, nothing
//! is fetched. Record text is untrusted input and is escaped everywhere; the
//! function is pure (the run date is passed in), so the same input gives the
//! same bytes. The records table stays one small row per record so that a run
//! of 100,000 records still gives a page a browser can filter.

use serde_json::{Number, Value};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

/// A record chosen for a side-by-side panel, with its source rows.
pub struct Panel<'a> {
    pub record: &'a serde_json::Value,
    /// The source rows first_row..=last_row as (row number, cells); Err(message) when the source could not be re-read (show the message in the panel).
    pub rows: Result<Vec<(u32, Vec<String>)>, String>,
}

pub struct ReportInput<'a> {
    /// Every record line (projects form).
    pub records: &'a [serde_json::Value],
    /// Every errors.jsonl line: {path, member, stage, code, message}.
    pub errors: &'a [serde_json::Value],
    /// Sampled + warned records, in record order (the caller caps how many).
    pub panels: Vec<Panel<'a>>,
    /// Run date text for the header, given by the caller (keeps the function pure).
    pub generated: &'a str,
    pub schema_version: u64,
}

/// One self-contained HTML page (inline CSS, JS and SVG; no external URL of any kind, no CDN, no web fonts).
pub fn render(input: &ReportInput<'_>) -> String {
    let stats = Stats::collect(input.records, input.errors);
    let panel_ids: HashSet<&str> = input
        .panels
        .iter()
        .filter_map(|p| str_at(p.record, &["record_id"]))
        .collect();

    let mut out = String::with_capacity(8192 + input.records.len() * 200);
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>jixiao report · 绩效目标表</title>\n<style>");
    out.push_str(CSS);
    out.push_str("</style>\n</head>\n<body>\n");

    header(&mut out, input, &stats);
    errors_section(&mut out, input.errors);
    records_section(&mut out, input.records, &stats, &panel_ids);
    charts_section(&mut out, &stats);
    panels_section(&mut out, &input.panels);

    // Data for the script, safe inside <script> whatever the strings hold.
    let data = serde_json::json!({
        "schema_version": input.schema_version,
        "generated": input.generated,
        "records": input.records.len(),
        "errors": input.errors.len(),
        "row_px": ROW_PX,
    });
    out.push_str("<script type=\"application/json\" id=\"report-data\">");
    out.push_str(&json_for_script(&data));
    out.push_str("</script>\n<script>");
    out.push_str(JS);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

// ---------------------------------------------------------------------------
// Statistics

const OPS: [&str; 7] = ["eq", "ge", "le", "gt", "lt", "range", "qualitative"];

struct Stats {
    documents: usize,
    indicators: usize,
    warnings: BTreeMap<String, usize>,
    /// `None` is a record without a department.
    departments: BTreeMap<Option<String>, usize>,
    /// `None` is a record without a (numeric) year.
    years: BTreeMap<Option<i64>, usize>,
    ops: BTreeMap<String, usize>,
    units: BTreeMap<String, usize>,
    no_unit: usize,
}

impl Stats {
    fn collect(records: &[Value], errors: &[Value]) -> Stats {
        let mut docs: HashSet<(&str, Option<&str>)> = HashSet::new();
        let mut s = Stats {
            documents: 0,
            indicators: 0,
            warnings: BTreeMap::new(),
            departments: BTreeMap::new(),
            years: BTreeMap::new(),
            ops: OPS.iter().map(|o| (o.to_string(), 0)).collect(),
            units: BTreeMap::new(),
            no_unit: 0,
        };
        for r in records {
            docs.insert((
                str_at(r, &["source", "path"]).unwrap_or(""),
                str_at(r, &["source", "member"]),
            ));
            *s.departments
                .entry(str_at(r, &["department"]).map(str::to_owned))
                .or_insert(0) += 1;
            *s.years
                .entry(r.get("year").and_then(Value::as_i64))
                .or_insert(0) += 1;
            for w in array_at(r, "warnings") {
                let code = str_at(w, &["code"]).unwrap_or("(none)");
                match s.warnings.get_mut(code) {
                    Some(n) => *n += 1,
                    None => {
                        s.warnings.insert(code.to_owned(), 1);
                    }
                }
            }
            for ind in array_at(r, "indicators") {
                s.indicators += 1;
                let op = str_at(ind, &["op"]).unwrap_or("qualitative");
                match s.ops.get_mut(op) {
                    Some(n) => *n += 1,
                    None => {
                        s.ops.insert(op.to_owned(), 1);
                    }
                }
                match str_at(ind, &["unit"]) {
                    Some(u) => match s.units.get_mut(u) {
                        Some(n) => *n += 1,
                        None => {
                            s.units.insert(u.to_owned(), 1);
                        }
                    },
                    None => s.no_unit += 1,
                }
            }
        }
        for e in errors {
            docs.insert((str_at(e, &["path"]).unwrap_or(""), str_at(e, &["member"])));
        }
        s.documents = docs.len();
        s
    }
}

// ---------------------------------------------------------------------------
// Page sections

fn header(out: &mut String, input: &ReportInput<'_>, stats: &Stats) {
    out.push_str("<header>\n<h1>jixiao report <small>财政项目支出绩效目标表</small></h1>\n");
    out.push_str("<nav><a href=\"#errors\">错误 errors</a> · <a href=\"#records\">记录 records</a> · <a href=\"#charts\">图表 charts</a> · <a href=\"#panels\">对照 panels</a></nav>\n");
    out.push_str("<div class=\"cards\">\n");
    let total_warnings: usize = stats.warnings.values().sum();
    for (id, label, n) in [
        ("n-documents", "文档 documents", stats.documents),
        ("n-records", "项目 records", input.records.len()),
        ("n-indicators", "指标 indicators", stats.indicators),
        ("n-errors", "错误 errors", input.errors.len()),
        ("n-warnings", "警告 warnings", total_warnings),
    ] {
        let _ = writeln!(
            out,
            "<div class=\"card\"><span class=\"num\" id=\"{id}\">{n}</span><span class=\"lbl\">{label}</span></div>"
        );
    }
    out.push_str("</div>\n<p class=\"meta\">generated <span id=\"generated\">");
    esc(out, input.generated);
    let _ = writeln!(
        out,
        "</span> · schema_version <span id=\"schema-version\">{}</span></p>",
        input.schema_version
    );
    if stats.warnings.is_empty() {
        out.push_str("<p class=\"meta\">No warnings.</p>\n");
    } else {
        out.push_str("<table class=\"small\" id=\"warning-counts\"><thead><tr><th>warning code</th><th>count</th></tr></thead><tbody>\n");
        for (code, n) in &stats.warnings {
            out.push_str("<tr><td><code>");
            esc(out, code);
            let _ = writeln!(out, "</code></td><td class=\"r\">{n}</td></tr>");
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</header>\n");
}

/// One `<td>` per key: the object's value there, displayed and escaped
/// (empty when missing).
fn value_cells<'k>(out: &mut String, object: &Value, keys: impl IntoIterator<Item = &'k str>) {
    for key in keys {
        out.push_str("<td>");
        if let Some(v) = object.get(key) {
            esc(out, &display(v));
        }
        out.push_str("</td>");
    }
}

fn errors_section(out: &mut String, errors: &[Value]) {
    let _ = write!(
        out,
        "<section id=\"errors\">\n<h2>错误 Errors ({})</h2>\n",
        errors.len()
    );
    if errors.is_empty() {
        out.push_str("<p>No input failed.</p>\n</section>\n");
        return;
    }
    out.push_str("<div class=\"scroll\"><table class=\"grid lazy errs\" id=\"errors-table\"><thead><tr><th>path</th><th>member</th><th>stage</th><th>code</th><th>message</th></tr></thead>");
    for (i, e) in errors.iter().enumerate() {
        // Rows wrap here, so the height is an estimate the browser replaces once seen.
        chunk_break(out, i, errors.len(), |rows| {
            format!("contain-intrinsic-size:auto {}px", rows * 2 * ROW_PX)
        });
        out.push_str("<tr>");
        value_cells(out, e, ["path", "member", "stage", "code", "message"]);
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

/// Rows per `<tbody>` of the big tables. Each tbody is laid out only when it
/// scrolls into view (`content-visibility: auto`): a 100,000-row table laid
/// out at once takes a browser tens of seconds.
const CHUNK: usize = 200;

/// At every `CHUNK`-th row of `total`: closes the previous `<tbody>` and
/// opens one styled by `size(rows in this chunk)`, so the browser lays out
/// only the chunks in view.
fn chunk_break(out: &mut String, i: usize, total: usize, size: impl Fn(usize) -> String) {
    if !i.is_multiple_of(CHUNK) {
        return;
    }
    if i > 0 {
        out.push_str("</tbody>");
    }
    let rows = (total - i).min(CHUNK);
    let _ = write!(out, "\n<tbody style=\"{}\">\n", size(rows));
}
/// Height of a records-table row in CSS pixels (cells do not wrap), so the
/// script can size a chunk it has not laid out.
const ROW_PX: usize = 22;

fn records_section(out: &mut String, records: &[Value], stats: &Stats, panel_ids: &HashSet<&str>) {
    let n = records.len();
    let _ = write!(
        out,
        "<section id=\"records\">\n<h2>记录 Records ({n})</h2>\n<div class=\"filters\">\n"
    );
    // Department filter, by name.
    out.push_str("<label>申报单位 <select id=\"f-dept\"><option value=\"*\">(all)</option>");
    for (d, c) in &stats.departments {
        out.push_str("<option value=\"d:");
        esc(out, d.as_deref().unwrap_or(""));
        out.push_str("\">");
        match d {
            Some(d) => esc(out, d),
            None => out.push_str("(无 none)"),
        }
        let _ = write!(out, " ({c})</option>");
    }
    out.push_str("</select></label>\n");
    // Year filter, ascending, the missing year last.
    out.push_str("<label>年度 <select id=\"f-year\"><option value=\"*\">(all)</option>");
    for (y, c) in stats.years.iter().filter(|(y, _)| y.is_some()) {
        if let Some(y) = y {
            let _ = write!(out, "<option value=\"y:{y}\">{y} ({c})</option>");
        }
    }
    if let Some(c) = stats.years.get(&None) {
        let _ = write!(out, "<option value=\"y:\">(无 none) ({c})</option>");
    }
    out.push_str("</select></label>\n");
    // Warning filter.
    out.push_str("<label>警告 <select id=\"f-warn\"><option value=\"*\">(all)</option><option value=\"+\">(any warning)</option><option value=\"-\">(no warning)</option>");
    for (code, c) in &stats.warnings {
        out.push_str("<option value=\"w:");
        esc(out, code);
        out.push_str("\">");
        esc(out, code);
        let _ = write!(out, " ({c})</option>");
    }
    out.push_str("</select></label>\n");
    out.push_str("<label>搜索 <input id=\"f-text\" type=\"search\" placeholder=\"id / 单位 / 项目\"></label>\n");
    let _ = write!(
        out,
        "<span class=\"count\"><span id=\"shown-count\">{n}</span> / {n} shown</span>\n</div>\n"
    );

    out.push_str("<div class=\"scroll tall\"><table class=\"grid lazy rec\" id=\"records-table\"><thead><tr><th>record_id</th><th>申报单位 department</th><th>项目名称 project</th><th>年度 year</th><th>指标 #</th><th>警告 warnings</th></tr></thead>");
    let mut codes: Vec<&str> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        // Rows do not wrap: the height of a chunk is exact.
        chunk_break(out, i, records.len(), |rows| {
            format!("contain-intrinsic-height:{}px", rows * ROW_PX)
        });
        let id = str_at(r, &["record_id"]).unwrap_or("");
        out.push_str("<tr id=\"r-");
        esc(out, id);
        out.push_str("\"><td>");
        if panel_ids.contains(id) {
            out.push_str("<a href=\"#p-");
            esc(out, id);
            out.push_str("\">");
            esc(out, id);
            out.push_str("</a>");
        } else {
            esc(out, id);
        }
        out.push_str("</td><td>");
        esc(out, str_at(r, &["department"]).unwrap_or(""));
        out.push_str("</td><td>");
        esc(out, str_at(r, &["project_name"]).unwrap_or(""));
        out.push_str("</td><td>");
        if let Some(y) = r.get("year").and_then(Value::as_i64) {
            let _ = write!(out, "{y}");
        }
        let _ = write!(
            out,
            "</td><td class=\"r\">{}</td><td>",
            array_at(r, "indicators").len()
        );
        codes.clear();
        for w in array_at(r, "warnings") {
            if let Some(c) = str_at(w, &["code"]) {
                codes.push(c);
            }
        }
        codes.sort_unstable();
        codes.dedup();
        for (i, c) in codes.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            esc(out, c);
        }
        out.push_str("</td></tr>\n");
    }
    if !records.is_empty() {
        out.push_str("</tbody>");
    }
    out.push_str("</table></div>\n</section>\n");
}

fn charts_section(out: &mut String, stats: &Stats) {
    out.push_str("<section id=\"charts\">\n<h2>图表 Charts</h2>\n<div class=\"charts\">\n");

    let mut depts: Vec<(String, usize)> = stats
        .departments
        .iter()
        .map(|(d, c)| (d.clone().unwrap_or_else(|| "(无 none)".to_owned()), *c))
        .collect();
    sort_by_count(&mut depts);
    if depts.len() > 20 {
        let rest: usize = depts[20..].iter().map(|(_, c)| c).sum();
        let others = depts.len() - 20;
        depts.truncate(20);
        depts.push((format!("其他 other ({others})"), rest));
    }
    bar_chart(
        out,
        "chart-departments",
        "每个单位的项目 records per department (top 20)",
        &depts,
        None,
    );

    let mut years: Vec<(String, usize)> = stats
        .years
        .iter()
        .filter_map(|(y, c)| y.map(|y| (y.to_string(), *c)))
        .collect();
    if let Some(c) = stats.years.get(&None) {
        years.push(("(无 none)".to_owned(), *c));
    }
    bar_chart(
        out,
        "chart-years",
        "每年的项目 records per year",
        &years,
        None,
    );

    // The seven operators of the contract in their fixed order, then any other.
    let mut ops: Vec<(String, usize)> = OPS
        .iter()
        .map(|o| (o.to_string(), stats.ops.get(*o).copied().unwrap_or(0)))
        .collect();
    for (o, c) in &stats.ops {
        if !OPS.contains(&o.as_str()) {
            ops.push((o.clone(), *c));
        }
    }
    bar_chart(
        out,
        "chart-operators",
        "指标运算符 indicator operators",
        &ops,
        None,
    );

    let mut units: Vec<(String, usize)> =
        stats.units.iter().map(|(u, c)| (u.clone(), *c)).collect();
    sort_by_count(&mut units);
    let distinct = units.len();
    units.truncate(15);
    let note = format!(
        "{distinct} distinct units; {} indicators without a unit",
        stats.no_unit
    );
    bar_chart(
        out,
        "chart-units",
        "计量单位 units (top 15)",
        &units,
        Some(&note),
    );

    let warnings: Vec<(String, usize)> = stats
        .warnings
        .iter()
        .map(|(w, c)| (w.clone(), *c))
        .collect();
    bar_chart(
        out,
        "chart-warnings",
        "警告 warnings by code",
        &warnings,
        None,
    );

    out.push_str("</div>\n</section>\n");
}

fn sort_by_count(v: &mut [(String, usize)]) {
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
}

/// A horizontal bar chart as inline SVG: label, bar, count.
fn bar_chart(
    out: &mut String,
    id: &str,
    title: &str,
    bars: &[(String, usize)],
    note: Option<&str>,
) {
    const ROW: usize = 20;
    const BAR_W: f64 = 300.0;
    const MAX_LABEL: usize = 18;
    let _ = write!(out, "<figure class=\"chart\" id=\"{id}\"><figcaption>");
    esc(out, title);
    out.push_str("</figcaption>\n");
    let labels: Vec<String> = bars.iter().map(|(l, _)| shorten(l, MAX_LABEL)).collect();
    let label_w = labels
        .iter()
        .map(|l| text_width(l, 12.0))
        .fold(40.0_f64, f64::max)
        .ceil()
        + 8.0;
    let width = label_w + BAR_W + 70.0;
    let height = if bars.is_empty() {
        30
    } else {
        bars.len() * ROW + 6
    };
    let _ = write!(
        out,
        "<svg viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\"><title>"
    );
    esc(out, title);
    out.push_str("</title>");
    if bars.is_empty() {
        out.push_str("<text x=\"4\" y=\"20\" class=\"lbl\">no data</text>");
    }
    let max = bars.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1);
    for (i, ((label, count), short)) in bars.iter().zip(&labels).enumerate() {
        let y = i * ROW + 3;
        let w = if *count == 0 {
            0.0
        } else {
            (BAR_W * *count as f64 / max as f64).max(1.0)
        };
        let w = (w * 10.0).round() / 10.0;
        out.push_str("<g><title>");
        esc(out, label);
        let _ = write!(
            out,
            ": {count}</title><text x=\"{}\" y=\"{}\" class=\"lbl\" text-anchor=\"end\">",
            label_w - 6.0,
            y + 13
        );
        esc(out, short);
        let _ = write!(
            out,
            "</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{w}\" height=\"{}\" class=\"bar\"/><text x=\"{}\" y=\"{}\" class=\"val\">{count}</text></g>",
            ROW - 4,
            label_w + w + 4.0,
            y + 13
        );
    }
    out.push_str("</svg>");
    if let Some(note) = note {
        out.push_str("<p class=\"meta\">");
        esc(out, note);
        out.push_str("</p>");
    }
    out.push_str("</figure>\n");
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

fn panels_section(out: &mut String, panels: &[Panel<'_>]) {
    let _ = write!(
        out,
        "<section id=\"panels\">\n<h2>对照 Panels ({})</h2>\n<p class=\"meta\">Source rows beside the extracted fields. A highlighted cell fed the field named in its tooltip.</p>\n",
        panels.len()
    );
    for p in panels {
        panel(out, p);
    }
    out.push_str("</section>\n");
}

use crate::model::{BUDGET_LABELS as BUDGET, FIELD_LABELS as FIELDS, INDICATOR_KEYS};

fn panel(out: &mut String, p: &Panel<'_>) {
    let r = p.record;
    let id = str_at(r, &["record_id"]).unwrap_or("");
    out.push_str("<section class=\"panel\" id=\"p-");
    esc(out, id);
    out.push_str("\">\n<h3>");
    esc(out, str_at(r, &["project_name"]).unwrap_or("(无项目名称)"));
    out.push_str(" <small>");
    esc(out, str_at(r, &["department"]).unwrap_or(""));
    out.push_str("</small></h3>\n<p class=\"meta\"><a href=\"#r-");
    esc(out, id);
    out.push_str("\">");
    esc(out, id);
    out.push_str("</a> · ");
    esc(out, str_at(r, &["source", "path"]).unwrap_or(""));
    for key in ["member", "sheet"] {
        if let Some(v) = str_at(r, &["source", key]) {
            out.push_str(" · ");
            out.push_str(key);
            out.push(' ');
            esc(out, v);
        }
    }
    let row_of = |k: &str| {
        r.get("source")
            .and_then(|s| s.get(k))
            .map(display)
            .unwrap_or_default()
    };
    out.push_str(" · rows ");
    esc(out, &row_of("first_row"));
    out.push('–');
    esc(out, &row_of("last_row"));
    out.push_str("</p>\n");

    // Warnings on top.
    let warnings = array_at(r, "warnings");
    if warnings.is_empty() {
        out.push_str("<p class=\"ok\">No warnings.</p>\n");
    } else {
        out.push_str("<ul class=\"warns\">");
        for w in warnings {
            out.push_str("<li><code>");
            esc(out, str_at(w, &["code"]).unwrap_or(""));
            out.push_str("</code> ");
            esc(out, str_at(w, &["message"]).unwrap_or(""));
            out.push_str("</li>");
        }
        out.push_str("</ul>\n");
    }

    out.push_str("<div class=\"cols\">\n<div class=\"src\">\n");
    match &p.rows {
        Err(msg) => {
            out.push_str("<p class=\"err\">Source rows could not be re-read: ");
            esc(out, msg);
            out.push_str("</p>\n");
        }
        Ok(rows) => source_table(out, r, rows),
    }
    out.push_str("</div>\n<div class=\"fields\">\n");
    fields_list(out, r);
    indicators_table(out, r);
    out.push_str("</div>\n</div>\n</section>\n");
}

fn source_table(out: &mut String, r: &Value, rows: &[(u32, Vec<String>)]) {
    let needles = needles(r);
    let cols = rows.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    out.push_str("<table class=\"grid source\"><tbody>\n");
    let mut fed: Vec<&str> = Vec::new();
    for (n, cells) in rows {
        let _ = write!(out, "<tr><th>{n}</th>");
        for i in 0..cols {
            let cell = cells.get(i).map(String::as_str).unwrap_or("");
            feeding(cell, &needles, &mut fed);
            if fed.is_empty() {
                out.push_str("<td>");
            } else {
                out.push_str("<td class=\"feed\" title=\"");
                const SHOWN: usize = 4;
                for (k, f) in fed.iter().take(SHOWN).enumerate() {
                    if k > 0 {
                        out.push_str(", ");
                    }
                    esc(out, f);
                }
                if fed.len() > SHOWN {
                    let _ = write!(out, ", … (+{})", fed.len() - SHOWN);
                }
                out.push_str("\">");
            }
            esc(out, cell);
            out.push_str("</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

fn fields_list(out: &mut String, r: &Value) {
    out.push_str("<dl>\n");
    // Amounts get thousands separators, as the tables write them; a year does not.
    let item = |out: &mut String, key: &str, zh: &str, v: Option<&Value>| {
        out.push_str("<dt>");
        esc(out, zh);
        out.push_str(" <code>");
        esc(out, key);
        out.push_str("</code></dt><dd");
        match v {
            None | Some(Value::Null) => out.push_str(" class=\"null\">—"),
            Some(Value::Number(n)) if key.starts_with("budget.") => {
                out.push('>');
                esc(out, &group_thousands(&n.to_string()));
            }
            Some(v) => {
                out.push('>');
                esc(out, &display(v));
            }
        }
        out.push_str("</dd>\n");
    };
    for (key, zh) in FIELDS {
        item(out, key, zh, r.get(key));
    }
    for (key, zh) in BUDGET {
        item(
            out,
            &format!("budget.{key}"),
            zh,
            r.get("budget").and_then(|b| b.get(key)),
        );
    }
    if let Some(Value::Object(extra)) = r.get("extra") {
        for (k, v) in extra {
            item(out, "extra", k, Some(v));
        }
    }
    out.push_str("</dl>\n");
}

fn indicators_table(out: &mut String, r: &Value) {
    let inds = array_at(r, "indicators");
    let _ = writeln!(out, "<h4>指标 Indicators ({})</h4>", inds.len());
    if inds.is_empty() {
        out.push_str("<p class=\"meta\">No indicators.</p>\n");
        return;
    }
    out.push_str("<table class=\"grid\"><thead><tr><th>#</th><th>一级指标</th><th>二级指标</th><th>三级指标</th><th>指标目标值</th><th>op</th><th>value</th><th>value_max</th><th>unit</th><th>kind</th></tr></thead><tbody>\n");
    for (i, ind) in inds.iter().enumerate() {
        let _ = write!(out, "<tr><td class=\"r\">{i}</td>");
        value_cells(out, ind, INDICATOR_KEYS);
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

// ---------------------------------------------------------------------------
// Which cells fed which field

/// A value of the record as it may appear in a source cell.
struct Needle {
    text: String,
    field: String,
    /// Whether a cell that merely contains the text counts (long enough values only).
    contain: bool,
}

fn needles(r: &Value) -> Vec<Needle> {
    let mut v: Vec<Needle> = Vec::new();
    fn push(v: &mut Vec<Needle>, text: &str, field: &str, contain_from: usize) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        let contain = text.chars().count() >= contain_from;
        v.push(Needle {
            text: text.to_owned(),
            field: field.to_owned(),
            contain,
        });
    }
    const NEVER: usize = usize::MAX;
    if let Some(t) = str_at(r, &["title"]) {
        push(&mut v, t, "title", 6);
    }
    if let Some(y) = r.get("year").and_then(Value::as_i64) {
        for form in [
            format!("{y}年度"),
            format!("({y}年度)"),
            format!("（{y}年度）"),
            format!("{y}年绩效目标"),
            format!("{y}年度绩效目标"),
        ] {
            push(&mut v, &form, "year", NEVER);
        }
    }
    for key in [
        "department",
        "project_name",
        "project_category",
        "performance_type",
    ] {
        if let Some(s) = str_at(r, &[key]) {
            push(&mut v, s, key, 4);
        }
    }
    for key in ["planned_start", "planned_end"] {
        if let Some(s) = str_at(r, &[key]) {
            for form in date_forms(s) {
                push(&mut v, &form, key, 8);
            }
        }
    }
    if let Some(b) = r.get("government_procurement").and_then(Value::as_bool) {
        let forms: &[&str] = if b {
            &["是", "有", "Y", "TRUE"]
        } else {
            &["否", "无", "N", "FALSE"]
        };
        for f in forms {
            push(&mut v, f, "government_procurement", NEVER);
        }
    }
    for key in [
        "overview",
        "basis",
        "necessity",
        "safeguards",
        "implementation_plan",
        "goals",
    ] {
        if let Some(s) = str_at(r, &[key]) {
            for para in s.split('\n') {
                push(&mut v, para, key, 6);
            }
        }
    }
    for (key, _) in BUDGET {
        if let Some(n) = r
            .get("budget")
            .and_then(|b| b.get(key))
            .and_then(|n| match n {
                Value::Number(n) => Some(n),
                _ => None,
            })
        {
            let field = format!("budget.{key}");
            for form in amount_forms(n) {
                push(&mut v, &form, &field, 5);
            }
        }
    }
    for (i, ind) in array_at(r, "indicators").iter().enumerate() {
        for (key, from) in [
            ("level1", NEVER),
            ("level2", NEVER),
            ("level3", 4),
            ("target", NEVER),
        ] {
            if let Some(s) = str_at(ind, &[key]) {
                push(&mut v, s, &format!("indicators[{i}].{key}"), from);
            }
        }
        // Split shape: operator, value and unit stand in cells of their own.
        for key in ["value", "value_max"] {
            if let Some(Value::Number(n)) = ind.get(key) {
                push(
                    &mut v,
                    &n.to_string(),
                    &format!("indicators[{i}].{key}"),
                    NEVER,
                );
            }
        }
        if let Some(u) = str_at(ind, &["unit"]) {
            push(&mut v, u, &format!("indicators[{i}].unit"), NEVER);
        }
        let symbols: &[&str] = match str_at(ind, &["op"]) {
            Some("eq") => &["=", "＝", "等于"],
            Some("ge") => &["≥", ">=", "＞＝", "≧", "大于等于"],
            Some("le") => &["≤", "<=", "＜＝", "≦", "小于等于"],
            Some("gt") => &[">", "＞", "大于"],
            Some("lt") => &["<", "＜", "小于"],
            _ => &[],
        };
        for sym in symbols {
            push(&mut v, sym, &format!("indicators[{i}].op"), NEVER);
        }
    }
    if let Some(Value::Object(extra)) = r.get("extra") {
        for (k, val) in extra {
            if let Some(s) = val.as_str() {
                push(&mut v, s, &format!("extra.{k}"), 4);
            }
        }
    }
    v
}

/// The fields a cell fed, in needle order without repeats.
fn feeding<'n>(cell: &str, needles: &'n [Needle], fed: &mut Vec<&'n str>) {
    fed.clear();
    let cell = cell.trim();
    if cell.is_empty() {
        return;
    }
    // `label：value` in one cell: the part after the last colon.
    let after_label = cell
        .rfind(['：', ':'])
        .map(|i| cell[i..].trim_start_matches(['：', ':']).trim());
    for n in needles {
        let hit = cell == n.text
            || after_label == Some(n.text.as_str())
            || (n.contain && cell.contains(n.text.as_str()));
        if hit && !fed.contains(&n.field.as_str()) {
            fed.push(&n.field);
        }
    }
}

/// `2020-01-01` as the source may have written it (`2020/1/1`, `2020年1月1日`, ...).
fn date_forms(iso: &str) -> Vec<String> {
    let mut forms = vec![iso.to_owned()];
    let parts: Vec<&str> = iso.split('-').collect();
    let unpad = |s: &str| {
        let t = s.trim_start_matches('0');
        if t.is_empty() {
            "0".to_owned()
        } else {
            t.to_owned()
        }
    };
    match parts.as_slice() {
        [y, m, d] => {
            let (mu, du) = (unpad(m), unpad(d));
            for (mm, dd) in [(mu.as_str(), du.as_str()), (m, d)] {
                forms.push(format!("{y}/{mm}/{dd}"));
                forms.push(format!("{y}.{mm}.{dd}"));
                forms.push(format!("{y}年{mm}月{dd}日"));
                forms.push(format!("{y}-{mm}-{dd}"));
            }
        }
        [y, m] => {
            let mu = unpad(m);
            for mm in [mu.as_str(), m] {
                forms.push(format!("{y}/{mm}"));
                forms.push(format!("{y}.{mm}"));
                forms.push(format!("{y}年{mm}月"));
                forms.push(format!("{y}-{mm}"));
            }
        }
        _ => {}
    }
    let mut seen = HashSet::new();
    forms.retain(|f| seen.insert(f.clone()));
    forms
}

/// A yuan amount as the source may have written it: plain, with thousands
/// separators, and in 万元.
fn amount_forms(n: &Number) -> Vec<String> {
    let plain = n.to_string();
    let mut forms = vec![plain.clone()];
    let grouped = group_thousands(&plain);
    if grouped != plain {
        forms.push(grouped);
    }
    if let Some(w) = shift_wan(&plain) {
        forms.push(format!("{w}万元"));
        forms.push(group_thousands(&w));
        if !forms.contains(&w) {
            forms.push(w);
        }
    }
    forms
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

/// Yuan → 万元 by moving the decimal point four places, in text (no floating point).
fn shift_wan(s: &str) -> Option<String> {
    let (sign, rest) = match s.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", s),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    if int.is_empty() || !(int.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{int}{frac}");
    let point = int.len() as isize - 4;
    let (i, f) = if point <= 0 {
        (
            "0".to_owned(),
            format!("{}{digits}", "0".repeat(point.unsigned_abs())),
        )
    } else {
        let p = point as usize;
        (digits[..p].to_owned(), digits[p..].to_owned())
    };
    let i = i.trim_start_matches('0');
    let i = if i.is_empty() { "0" } else { i };
    let f = f.trim_end_matches('0');
    Some(if f.is_empty() {
        format!("{sign}{i}")
    } else {
        format!("{sign}{i}.{f}")
    })
}

// ---------------------------------------------------------------------------
// Small helpers

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    let mut cur = v;
    for k in path {
        cur = cur.get(k)?;
    }
    cur.as_str()
}

fn array_at<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    match v.get(key) {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

/// A JSON value as text for a cell: strings as they are, null empty, booleans 是/否.
fn display(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "是 (true)".to_owned(),
        Value::Bool(false) => "否 (false)".to_owned(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// HTML-escape text for element content and quoted attribute values.
fn esc(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            0 => "\u{FFFD}",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&s[last..]);
}

/// JSON text that is safe as the content of a `<script>` element: no `<`,
/// `>` or `&` (so no `</script>` and no `<!--`), and no U+2028/U+2029. The
/// replacements are JSON escapes, and these characters occur in JSON text
/// only inside strings, so the result parses to the same value.
fn json_for_script(v: &Value) -> String {
    let raw = v.to_string();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root{--fg:#1b1f24;--mut:#5b6470;--line:#d4d9e0;--bg:#fff;--alt:#f5f7fa;--acc:#2f6fb3;--feed:#fff1b8;--feedline:#e0b400;--warn:#a35200;--err:#b3261e}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1600px;padding:16px 24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:var(--fg);background:var(--bg)}
h1{margin:0 0 4px;font-size:22px}h1 small,h3 small{color:var(--mut);font-weight:normal;font-size:14px}
h2{margin:28px 0 8px;font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{margin:0 0 4px;font-size:16px}h4{margin:12px 0 4px}
a{color:var(--acc)}code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.meta{color:var(--mut);margin:4px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px;background:var(--alt)}
.card .num{display:block;font-size:22px;font-weight:600}.card .lbl{color:var(--mut);font-size:12px}
table{border-collapse:collapse}
.grid th,.grid td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
.grid thead th{background:var(--alt);position:sticky;top:0;z-index:1}
.small td,.small th{padding:2px 8px;border-bottom:1px solid var(--line);text-align:left}
td.r{text-align:right}
.scroll{overflow:auto;max-height:50vh;border:1px solid var(--line)}
.scroll.tall{max-height:70vh}
.lazy{display:block;min-width:900px}.lazy thead{display:block;position:sticky;top:0;z-index:1}
.lazy tbody{display:block;content-visibility:auto}
.lazy tr{display:grid}.lazy th,.lazy td{display:block;border-width:0 1px 1px 0}
.lazy tr[hidden],.lazy tbody[hidden]{display:none}
.rec tr{grid-template-columns:15em minmax(10em,2fr) minmax(10em,3fr) 6em 4.5em minmax(9em,1.5fr);height:22px}
.rec th,.rec td{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;line-height:21px;padding:0 6px}
.errs tr{grid-template-columns:minmax(10em,2fr) minmax(6em,1.2fr) 5em 8em minmax(14em,4fr)}
.errs td{overflow-wrap:anywhere}
.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:8px 0}
.filters select{max-width:320px}.count{color:var(--mut)}
.charts{display:flex;flex-wrap:wrap;gap:24px}
.chart{margin:0}.chart figcaption{font-weight:600;margin-bottom:4px}
.chart .bar{fill:var(--acc)}.chart .lbl,.chart .val{font-size:12px;fill:var(--fg)}
.panel{border:1px solid var(--line);border-radius:6px;padding:12px;margin:16px 0;background:#fcfcfd}
.warns{margin:6px 0;padding:6px 6px 6px 24px;background:#fff4e5;border-left:4px solid var(--warn)}
.warns code{color:var(--warn);font-weight:600}
.ok{color:#2e7d32;margin:4px 0}.err{color:var(--err);font-weight:600}
.cols{display:flex;gap:16px;align-items:flex-start}
.cols>div{flex:1 1 50%;min-width:0;overflow:auto;max-height:90vh}
.source td{white-space:pre-wrap;overflow-wrap:break-word;min-width:6em;max-width:28em;font-size:13px}
.source th{color:var(--mut);font-weight:normal;text-align:right;background:var(--alt)}
.source td.feed{background:var(--feed);outline:1px solid var(--feedline)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
dt{color:var(--mut)}dd{margin:0;white-space:pre-wrap;word-break:break-word}dd.null{color:#9aa3ad}
"#;

const JS: &str = r#"
(function(){
"use strict";
var data={};
try{data=JSON.parse(document.getElementById("report-data").textContent);}catch(e){}
var table=document.getElementById("records-table");
var chunks=table?table.tBodies:[];
var rowPx=typeof data.row_px==="number"?data.row_px:22;
var rows=[],chunkOf=[],chunkShown=[];
for(var c=0;c<chunks.length;c++){var rs=chunks[c].rows;chunkShown.push(rs.length);for(var j=0;j<rs.length;j++){rows.push(rs[j]);chunkOf.push(c);}}
var n=rows.length;
var dep=new Array(n),yr=new Array(n),wc=new Array(n),txt=new Array(n),vis=new Array(n);
for(var i=0;i<n;i++){
var cl=rows[i].cells;
dep[i]=cl[1].textContent;yr[i]=cl[3].textContent;wc[i]=" "+cl[5].textContent+" ";
txt[i]=(cl[0].textContent+"\n"+cl[1].textContent+"\n"+cl[2].textContent).toLowerCase();
vis[i]=true;
}
var fd=document.getElementById("f-dept"),fy=document.getElementById("f-year"),fw=document.getElementById("f-warn"),fq=document.getElementById("f-text"),out=document.getElementById("shown-count");
function apply(){
var d=fd.value,y=fy.value,w=fw.value,q=fq.value.trim().toLowerCase(),k=0;
var dv=d.slice(2),yv=y.slice(2),wv=" "+w.slice(2)+" ";
var per=new Array(chunks.length);for(var c=0;c<per.length;c++)per[c]=0;
for(var i=0;i<n;i++){
var ok=(d==="*"||dep[i]===dv)&&(y==="*"||yr[i]===yv)&&
(w==="*"||(w==="+"?wc[i]!=="  ":w==="-"?wc[i]==="  ":wc[i].indexOf(wv)>=0))&&
(q===""||txt[i].indexOf(q)>=0);
if(ok!==vis[i]){rows[i].hidden=!ok;vis[i]=ok;}
if(ok){k++;per[chunkOf[i]]++;}
}
// A chunk not laid out yet takes the height of its visible rows; an empty one none.
for(var c=0;c<per.length;c++){if(per[c]!==chunkShown[c]){chunkShown[c]=per[c];chunks[c].hidden=per[c]===0;chunks[c].style.containIntrinsicHeight=(per[c]*rowPx)+"px";}}
out.textContent=String(k);
}
var timer=0;
fq.addEventListener("input",function(){clearTimeout(timer);timer=setTimeout(apply,n>20000?300:80);});
fd.addEventListener("change",apply);fy.addEventListener("change",apply);fw.addEventListener("change",apply);
apply();
if(typeof data.records==="number"&&data.records!==n){out.title="table rows "+n+", records "+data.records;}
document.body.dataset.ready="1";
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    const SEED_TSV: &str = include_str!("../../tests/fixtures/seed/seed.utf8.txt");
    const SEED_JSONL: &str = include_str!("../../tests/fixtures/seed/seed.utf8.txt.expected.jsonl");

    fn seed_records() -> Vec<Value> {
        SEED_JSONL
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("golden line is JSON"))
            .collect()
    }

    /// The seed TSV rows first_row..=last_row of a record, split at tabs.
    fn seed_rows(r: &Value) -> Vec<(u32, Vec<String>)> {
        let first = r["source"]["first_row"].as_u64().expect("first_row") as usize;
        let last = r["source"]["last_row"].as_u64().expect("last_row") as usize;
        SEED_TSV
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(n, _)| (first..=last).contains(n))
            .map(|(n, l)| (n as u32, l.split('\t').map(str::to_owned).collect()))
            .collect()
    }

    fn seed_page(records: &[Value], errors: &[Value]) -> String {
        let panels = records
            .iter()
            .map(|r| Panel {
                record: r,
                rows: Ok(seed_rows(r)),
            })
            .collect();
        render(&ReportInput {
            records,
            errors,
            panels,
            generated: "2026-01-01",
            schema_version: 1,
        })
    }

    /// The `<section class="panel">` of a record.
    fn panel_of<'p>(page: &'p str, id: &str) -> &'p str {
        let start = page
            .find(&format!("<section class=\"panel\" id=\"p-{id}\">"))
            .expect("panel present");
        let len = page[start..].find("</section>").expect("panel closed");
        &page[start..start + len]
    }

    /// The `<tr>` of a source row inside a panel.
    fn source_row(panel: &str, n: u32) -> &str {
        let start = panel
            .find(&format!("<tr><th>{n}</th>"))
            .expect("source row present");
        let len = panel[start..].find("</tr>").expect("row closed");
        &panel[start..start + len]
    }

    /// Checks that every non-void element is closed in order (script and
    /// style contents skipped), that is, the page is well nested.
    fn assert_well_nested(page: &str) {
        const VOID: [&str; 6] = ["meta", "br", "input", "hr", "img", "col"];
        let mut stack: Vec<String> = Vec::new();
        let mut rest = page;
        while let Some(i) = rest.find('<') {
            rest = &rest[i..];
            if rest.starts_with("<!") {
                let end = rest.find('>').expect("declaration closed");
                rest = &rest[end + 1..];
                continue;
            }
            let end = rest.find('>').expect("tag closed");
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().unwrap_or_default();
                assert_eq!(open, name.trim(), "mismatched close tag");
                continue;
            }
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            assert!(!name.is_empty(), "stray '<' in markup: {tag:?}");
            if tag.ends_with('/') || VOID.contains(&name.as_str()) {
                continue;
            }
            if name == "script" || name == "style" {
                let close = format!("</{name}>");
                let end = rest.find(&close).expect("raw text element closed");
                rest = &rest[end + close.len()..];
                continue;
            }
            stack.push(name);
        }
        assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    }

    #[test]
    fn every_record_id_is_in_the_table() {
        let records = seed_records();
        assert_eq!(records.len(), 3);
        let page = seed_page(&records, &[]);
        for r in &records {
            let id = r["record_id"].as_str().expect("record_id");
            assert!(page.contains(&format!("<tr id=\"r-{id}\">")), "{id}");
        }
        assert_eq!(page.matches("<tr id=\"r-").count(), 3);
        assert!(page.contains("<span id=\"shown-count\">3</span>"));
        assert!(page.contains("document.body.dataset.ready=\"1\""));
    }

    #[test]
    fn hostile_text_is_escaped() {
        let mut records = seed_records();
        records[0]["project_name"] = Value::from("<script>alert(1)</script>");
        records[0]["department"] = Value::from("\"><img onerror=x>");
        records[1]["extra"] =
            serde_json::json!({"备注": "</script><script>alert(2)</script>", "<b>": "x"});
        let panels = records
            .iter()
            .map(|r| Panel {
                record: r,
                rows: Ok(seed_rows(r)),
            })
            .collect();
        let page = render(&ReportInput {
            records: &records,
            errors: &[],
            panels,
            generated: "</script><!-- \u{2028}",
            schema_version: 1,
        });
        assert!(!page.contains("<script>alert"));
        assert!(!page.contains("<img"));
        assert!(!page.contains("<b>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
        assert!(page.contains("&quot;&gt;&lt;img onerror=x&gt;"));
        // Exactly the two script elements of the page itself.
        assert_eq!(page.matches("<script").count(), 2);
        assert_eq!(page.matches("</script").count(), 2);
        assert!(!page.contains("<!--"));
        let data_start = page.find("id=\"report-data\">").expect("data block") + 17;
        let data_len = page[data_start..].find("</script>").expect("data end");
        // U+2028 is harmless in HTML text but must not reach the script.
        assert!(!page[data_start..data_start + data_len].contains('\u{2028}'));
        let data: Value =
            serde_json::from_str(&page[data_start..data_start + data_len]).expect("data is JSON");
        assert_eq!(data["generated"], "</script><!-- \u{2028}");
        assert_well_nested(&page);
    }

    #[test]
    fn json_for_script_escapes_and_round_trips() {
        let v = serde_json::json!({"a": "</script><!--&\u{2028}\u{2029}>", "b": [1, 2.5]});
        let s = json_for_script(&v);
        for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            assert!(!s.contains(bad), "{bad:?} in {s}");
        }
        let back: Value = serde_json::from_str(&s).expect("still JSON");
        assert_eq!(back, v);
    }

    #[test]
    fn nothing_is_fetched() {
        let records = seed_records();
        let errors = [serde_json::json!({"path": "corpus/x.txt", "member": null,
            "stage": "read", "code": "empty", "message": "no bytes"})];
        for page in [seed_page(&records, &errors), seed_page(&[], &[])] {
            // No "http" at all: no URL, no SVG namespace (inline SVG needs none).
            assert!(!page.contains("http"));
            assert!(!page.contains("//cdn"));
            assert!(!page.contains("src="));
            assert!(!page.contains("url("));
            assert!(!page.contains("@import"));
            assert!(!page.contains("@font-face"));
        }
    }

    #[test]
    fn charts_are_inline_svg() {
        let records = seed_records();
        let page = seed_page(&records, &[]);
        assert_eq!(page.matches("<svg").count(), 5);
        for id in [
            "chart-departments",
            "chart-years",
            "chart-operators",
            "chart-units",
            "chart-warnings",
        ] {
            assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
        }
        // 3 records of one department: the only bar has the full width.
        let chart = &page[page.find("id=\"chart-departments\"").expect("chart")..];
        assert!(chart.contains("<title>上海推进科技创新中心建设办公室: 3</title>"));
        assert!(chart.contains("width=\"300\" height=\"16\""));
        // Operator bars carry the real counts: the seed has no le/gt/lt.
        let ops = &page[page.find("id=\"chart-operators\"").expect("ops")..];
        let ops = &ops[..ops.find("</figure>").expect("end")];
        assert!(ops.contains("<title>lt: 0</title>"));
        let ge: usize = records
            .iter()
            .flat_map(|r| r["indicators"].as_array().expect("array").iter())
            .filter(|i| i["op"] == "ge")
            .count();
        assert!(ge > 0);
        assert!(ops.contains(&format!("<title>ge: {ge}</title>")));
    }

    #[test]
    fn departments_beyond_twenty_are_other() {
        let seed = seed_records();
        let records: Vec<Value> = (0..25)
            .map(|i| {
                let mut r = seed[0].clone();
                r["record_id"] = Value::from(format!("x-{i}"));
                r["department"] = Value::from(format!("单位{i:02}"));
                r
            })
            .collect();
        let page = seed_page(&records, &[]);
        assert!(page.contains("<title>其他 other (5): 5</title>"));
    }

    #[test]
    fn panel_highlights_feeding_cells() {
        let records = seed_records();
        let page = seed_page(&records, &[]);
        let panel = panel_of(&page, "9e00492bde643a12-1");
        // 项目名称 cell on row 42.
        let row = source_row(panel, 42);
        assert!(
            row.contains("<td class=\"feed\" title=\"project_name\">科创中心展厅运营经费</td>"),
            "{row}"
        );
        // The 丹桂路899号 row is shown and fed 项目概况 (its paragraphs are in the cell).
        let row = source_row(panel, 45);
        assert!(row.contains("丹桂路899号"));
        assert!(
            row.contains("<td class=\"feed\" title=\"overview\">&lt;p&gt;本项目"),
            "{row}"
        );
        // Department given as `label：value` in one cell.
        let row = source_row(panel, 41);
        assert!(row.contains("class=\"feed\" title=\"department\""), "{row}");
        // Dates and amounts with thousands separators.
        let row = source_row(panel, 43);
        assert!(row.contains("<td class=\"feed\" title=\"planned_start\">2020-01-01</td>"));
        assert!(row.contains("<td class=\"feed\" title=\"planned_end\">2020-12-31</td>"));
        let row = source_row(panel_of(&page, "9e00492bde643a12-0"), 17);
        assert!(
            row.contains("title=\"budget.total, budget.current_year\">41,098,620</td>"),
            "{row}"
        );
        // Labels do not feed anything; a short target does not match inside a name.
        assert!(row.contains("<td>项目总预算（元）：</td>"));
        let row = source_row(panel_of(&page, "9e00492bde643a12-0"), 23);
        assert!(
            row.contains("<td class=\"feed\" title=\"indicators[0].level3\">预算编制合理性</td>"),
            "{row}"
        );
        assert!(
            row.contains("<td class=\"feed\" title=\"indicators[0].target\">合理</td>"),
            "{row}"
        );
        // The year is not an amount: no thousands separator.
        assert!(panel.contains("<code>year</code></dt><dd>2020</dd>"));
        assert!(panel.contains("<code>budget.total</code></dt><dd>5,869,574</dd>"));
        // Warnings sit above the source table.
        assert!(panel.find("No warnings.") < panel.find("class=\"grid source\""));
    }

    #[test]
    fn split_shape_cells_feed_op_value_and_unit() {
        let traps: Vec<Value> =
            include_str!("../../tests/fixtures/text/review_traps.txt.expected.jsonl")
                .lines()
                .map(|l| serde_json::from_str(l).expect("golden line"))
                .collect();
        let r = &traps[1];
        let rows = vec![(
            24,
            ["产出指标", "数量指标", "科普活动场次", "≥", "30", "场"]
                .map(String::from)
                .to_vec(),
        )];
        let page = render(&ReportInput {
            records: &traps,
            errors: &[],
            panels: vec![Panel {
                record: r,
                rows: Ok(rows),
            }],
            generated: "",
            schema_version: 1,
        });
        let row = source_row(&page, 24);
        assert!(
            row.contains("<td class=\"feed\" title=\"indicators[0].op\">≥</td>"),
            "{row}"
        );
        assert!(
            row.contains("<td class=\"feed\" title=\"indicators[0].value\">30</td>"),
            "{row}"
        );
        assert!(
            row.contains("<td class=\"feed\" title=\"indicators[0].unit\">场</td>"),
            "{row}"
        );
    }

    #[test]
    fn unreadable_source_shows_the_message() {
        let records = seed_records();
        let page = render(&ReportInput {
            records: &records,
            errors: &[],
            panels: vec![Panel {
                record: &records[2],
                rows: Err("file <gone> since the run".to_owned()),
            }],
            generated: "today",
            schema_version: 1,
        });
        let panel = panel_of(&page, "9e00492bde643a12-2");
        assert!(panel.contains("could not be re-read: file &lt;gone&gt; since the run"));
        assert!(panel.contains("未来公园展厅运营经费"));
        assert_eq!(page.matches("class=\"panel\"").count(), 1);
        // Only the paneled record links to a panel.
        assert!(page.contains("<a href=\"#p-9e00492bde643a12-2\">"));
        assert!(!page.contains("<a href=\"#p-9e00492bde643a12-0\">"));
        assert_well_nested(&page);
    }

    #[test]
    fn header_counts() {
        let mut records = seed_records();
        records[1]["warnings"] = serde_json::json!([
            {"code": "unplaced_text", "message": "a"},
            {"code": "unplaced_text", "message": "b"},
            {"code": "date_order", "message": "c"}
        ]);
        let errors = [
            serde_json::json!({"path": "corpus/a.zip", "member": "x/1.txt", "stage": "split", "code": "no_projects", "message": "m"}),
            serde_json::json!({"path": "corpus/a.zip", "member": "x/2.txt", "stage": "read", "code": "empty", "message": "m"}),
            serde_json::json!({"path": "tests/fixtures/seed/seed.utf8.txt", "member": null, "stage": "read", "code": "io", "message": "m"}),
        ];
        let page = seed_page(&records, &errors);
        assert!(page.contains("<span class=\"num\" id=\"n-documents\">3</span>"));
        assert!(page.contains("<span class=\"num\" id=\"n-records\">3</span>"));
        assert!(page.contains("<span class=\"num\" id=\"n-indicators\">47</span>"));
        assert!(page.contains("<span class=\"num\" id=\"n-errors\">3</span>"));
        assert!(page.contains("<span class=\"num\" id=\"n-warnings\">3</span>"));
        assert!(
            page.contains("<tr><td><code>unplaced_text</code></td><td class=\"r\">2</td></tr>")
        );
        assert!(page.contains("<td>x/2.txt</td><td>read</td><td>empty</td>"));
        assert!(page.contains("<option value=\"w:date_order\">date_order (1)</option>"));
        assert!(page.contains("<td>date_order unplaced_text</td></tr>"));
        assert!(page.contains("<span id=\"generated\">2026-01-01</span>"));
    }

    #[test]
    fn empty_input_is_a_valid_page() {
        let page = seed_page(&[], &[]);
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.ends_with("</html>\n"));
        assert!(page.contains("<span id=\"shown-count\">0</span>"));
        assert!(page.contains("<table class=\"grid lazy rec\" id=\"records-table\">"));
        assert!(!page.contains("<tbody"));
        assert_eq!(page.matches("<svg").count(), 5);
        assert!(page.contains("<span class=\"num\" id=\"n-documents\">0</span>"));
        assert_well_nested(&page);
    }

    #[test]
    fn seed_page_is_well_nested_and_deterministic() {
        let records = seed_records();
        let a = seed_page(&records, &[]);
        let b = seed_page(&records, &[]);
        assert_eq!(a, b);
        assert_well_nested(&a);
        assert_eq!(a.matches("<section class=\"panel\"").count(), 3);
    }

    #[test]
    fn value_forms() {
        assert_eq!(group_thousands("41098620"), "41,098,620");
        assert_eq!(group_thousands("-1234.5"), "-1,234.5");
        assert_eq!(group_thousands("123"), "123");
        assert_eq!(shift_wan("41098620").as_deref(), Some("4109.862"));
        assert_eq!(shift_wan("5000000").as_deref(), Some("500"));
        assert_eq!(shift_wan("12.5").as_deref(), Some("0.00125"));
        assert_eq!(shift_wan("1e21"), None);
        let forms = date_forms("2020-01-01");
        for f in ["2020/1/1", "2020年1月1日", "2020.01.01", "2020-01-01"] {
            assert!(forms.iter().any(|x| x == f), "{f}");
        }
        assert!(date_forms("2023-12").iter().any(|x| x == "2023年12月"));
        let mut fed = Vec::new();
        let n = vec![Needle {
            text: "否".into(),
            field: "government_procurement".into(),
            contain: false,
        }];
        feeding("是否含有政府购买服务：", &n, &mut fed);
        assert!(fed.is_empty());
        feeding("是否含有政府购买服务：否", &n, &mut fed);
        assert_eq!(fed, ["government_procurement"]);
    }
}
