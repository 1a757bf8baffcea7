//! The text `jixiao show` prints.

use std::fmt::Write as _;

use crate::model::{BUDGET_LABELS, FIELD_LABELS, Record};

use super::fields::{self, Field};
use super::{CellMarks, ReviewError, SourceView};

/// A cell on one terminal line: paragraph breaks shown as `⏎`; the text
/// is never cut (a reviewer compares it with the source).
pub fn one_line(s: &str) -> String {
    s.replace("\r\n", " ⏎ ").replace(['\n', '\r'], " ⏎ ")
}

/// The text `jixiao show` prints: the source rows as a table with row
/// numbers (a cell that fed a key is followed by `⟨key⟩`), then the
/// fields, the indicators as a table, and the warnings.
pub fn render_show(record: &Record, view: &Result<SourceView, ReviewError>) -> String {
    let mut out = String::new();
    let src = &record.source;
    let p = &record.project;
    let or_dash = |s: Option<String>| s.unwrap_or_else(|| "—".to_string());
    let _ = write!(
        out,
        "record {}  {}{}{}  rows {}–{}\n\n",
        record.record_id,
        src.path,
        src.member
            .as_deref()
            .map(|m| format!(" : {m}"))
            .unwrap_or_default(),
        src.sheet
            .as_deref()
            .map(|s| format!(" [{s}]"))
            .unwrap_or_default(),
        src.first_row,
        src.last_row,
    );
    out.push_str("== source rows\n");
    match view {
        Ok(view) => {
            let marks = CellMarks::new(&view.provenance);
            if !marks.is_empty() {
                out.push_str("  (⟨key⟩ after a cell: the key whose value was read from it)\n");
            }
            for (n, cells) in &view.rows {
                let cells: Vec<String> = cells
                    .iter()
                    .enumerate()
                    .map(
                        |(col, c)| match marks.get(*n, col).filter(|m| !m.fed.is_empty()) {
                            Some(m) => format!("{} ⟨{}⟩", one_line(c), m.fed_text()),
                            None => one_line(c),
                        },
                    )
                    .collect();
                let _ = writeln!(out, "{n:>5} │ {}", cells.join(" │ "));
            }
        }
        Err(e) => {
            let _ = writeln!(out, "  (cannot show the source: {e})");
        }
    }
    if !p.warnings.is_empty() {
        out.push_str("\n== warnings\n");
        for w in &p.warnings {
            let _ = writeln!(out, "  {}: {}", w.code, w.message);
        }
    }
    out.push_str("\n== fields\n");
    for (key, label) in FIELD_LABELS {
        let value = fields::field(p, key).map(|v| match v {
            Field::Text(t) => t.to_string(),
            Field::Year(y) => y.to_string(),
            Field::Bool(b) => b.to_string(),
        });
        let _ = writeln!(out, "  {key:<22} {label}: {}", one_line(&or_dash(value)));
    }
    for (key, label) in BUDGET_LABELS {
        let value = fields::budget(p, key).map(fields::amount_text);
        let _ = writeln!(out, "  budget.{key:<15} {label}: {}", or_dash(value));
    }
    for (i, source) in p.budget.sources.iter().enumerate() {
        let amount = source.amount.map(fields::amount_text);
        let _ = writeln!(
            out,
            "  budget.sources[{i}] {}: {}",
            source.name,
            or_dash(amount)
        );
    }
    for (k, v) in &p.extra {
        let _ = writeln!(out, "  extra.{k} {}", one_line(&or_dash(v.clone())));
    }
    out.push_str("\n== indicators\n");
    for (i, ind) in p.indicators.iter().enumerate() {
        let _ = writeln!(
            out,
            "{i:>3} │ {} │ {} │ {} │ {} │ {} {} {} {}",
            ind.level1.as_deref().unwrap_or("—"),
            ind.level2.as_deref().unwrap_or("—"),
            one_line(&ind.level3),
            one_line(&ind.target),
            or_dash(ind.op.map(|o| fields::op_name(o).to_string())),
            or_dash(ind.value.map(fields::num_text)),
            ind.value_max
                .map(|v| format!("– {}", fields::num_text(v)))
                .unwrap_or_default(),
            or_dash(ind.unit.as_deref().map(str::to_string)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::marks::tests::provenance;

    #[test]
    fn cells_stay_whole_on_one_line() {
        assert_eq!(one_line("短"), "短");
        assert_eq!(
            one_line("第一段\n第二段\r\n第三段"),
            "第一段 ⏎ 第二段 ⏎ 第三段"
        );
    }

    fn seed_record() -> Record {
        let line = include_str!("../../tests/fixtures/seed/seed.utf8.txt.expected.jsonl")
            .lines()
            .next()
            .expect("a golden line");
        serde_json::from_str(line).expect("a record")
    }

    #[test]
    fn fed_cells_are_marked_with_their_keys() {
        let record = seed_record();
        let row = |n: u32, cells: &[&str]| (n, cells.iter().map(|c| c.to_string()).collect());
        let view = SourceView {
            rows: vec![
                row(41, &["申报单位名称：某局"]),
                row(42, &["项目名称：", "科创中心展厅运营经费"]),
                row(17, &["项目总预算（元）：", "41,098,620", "当年："]),
                row(
                    24,
                    &["产出指标", "数量指标", "场次", "≥", "100.00", "%", "%"],
                ),
            ],
            provenance: provenance(),
        };
        let out = render_show(&record, &Ok(view));
        assert!(
            out.contains("   41 │ 申报单位名称：某局 ⟨department⟩\n"),
            "{out}"
        );
        assert!(
            out.contains("   42 │ 项目名称： │ 科创中心展厅运营经费 ⟨project_name⟩\n"),
            "{out}"
        );
        assert!(
            out.contains("│ 41,098,620 ⟨budget.total, budget.current_year⟩ │ 当年：\n"),
            "{out}"
        );
        // the cell that fed the value is marked; the second `%` cell fed nothing
        assert!(
            out.contains("│ 100.00 ⟨indicators[0].value⟩ │ % ⟨indicators[0].unit⟩ │ %\n"),
            "{out}"
        );
        // the record's own fields follow as before
        assert!(
            out.contains("  year                   年度: 2020\n"),
            "{out}"
        );
        assert!(
            out.contains("  government_procurement 是否含有政府购买服务: false\n"),
            "{out}"
        );
    }

    #[test]
    fn without_provenance_no_cell_is_marked() {
        let view = SourceView {
            rows: vec![(3, vec!["财政项目支出绩效目标表".to_string()])],
            provenance: Default::default(),
        };
        let out = render_show(&seed_record(), &Ok(view));
        assert!(out.contains("    3 │ 财政项目支出绩效目标表\n"), "{out}");
        assert!(!out.contains('⟨'), "{out}");
    }
}
