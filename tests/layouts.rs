//! Layouts of other provinces (issue 13): the real published tables under
//! `tests/fixtures/layouts/` (see its `SOURCES.md`). Each has its reviewed
//! golden (`golden::layouts::…`); these tests pin what the goldens cannot
//! say on their own: that warnings stay few and meaningful, that no label
//! or label's value is reported as unplaced text, and that pages without a
//! project are error lines.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{LAYOUT_DIR, extract, fixtures, lines, rel, root};

/// One run over every layout fixture.
fn run_all() -> (Vec<Value>, Vec<Value>) {
    let run = extract(&[&format!("tests/fixtures/{LAYOUT_DIR}"), "-j", "2"]);
    (lines(&run.records()), lines(&run.errors()))
}

/// The median record has at most one warning (it had 35 before version
/// 2: 451 warnings over 13 records). The figures are printed for the note.
#[test]
fn the_median_layout_record_has_at_most_one_warning() {
    let (records, _) = run_all();
    assert!(records.len() >= 12, "{} records", records.len());
    let mut counts: Vec<usize> = records
        .iter()
        .map(|r| r["warnings"].as_array().map_or(0, Vec::len))
        .collect();
    counts.sort_unstable();
    let median = counts[counts.len() / 2];
    let total: usize = counts.iter().sum();
    eprintln!(
        "layout warnings per record: {counts:?} (median {median}, {total} over {} records)",
        counts.len()
    );
    assert!(median <= 1, "median {median}: {counts:?}");
}

/// The cells of each layout fixture that are labels, or the value right
/// after a label in the same row, as (path, row, column).
fn label_cells() -> BTreeSet<(String, u32, usize)> {
    use jixiao::read::{Limits, Scratch, read};
    use jixiao::table::vocabulary;
    let mut out = BTreeSet::new();
    for fx in fixtures(LAYOUT_DIR) {
        let bytes = std::fs::read(root().join(&fx)).expect("fixture");
        let Some(format) = jixiao::source::Format::from_path(&fx) else {
            continue;
        };
        let format = format.sniff(&bytes);
        let mut scratch = Scratch::default();
        let Ok(tables) = read(format, &bytes, &Limits::default(), &mut scratch) else {
            continue;
        };
        for table in &tables.tables {
            for row in &table.rows {
                let cells: Vec<(usize, &str)> = row.non_empty().collect();
                for (k, &(col, cell)) in cells.iter().enumerate() {
                    let label = vocabulary::label_cell(cell).is_some()
                        || vocabulary::is_known_label_cell(cell);
                    if label {
                        out.insert((rel(&fx).to_string(), row.number, col));
                        if let Some(&(vcol, value)) = cells.get(k + 1)
                            && vocabulary::label_cell(value).is_none()
                        {
                            out.insert((rel(&fx).to_string(), row.number, vcol));
                        }
                    }
                }
            }
        }
    }
    out
}

/// `unplaced_text` is only for text that is neither a label nor a label's
/// value: no per-cell warning names a label cell or the cell after it.
/// (A page's text above the table is reported once, as a whole.)
#[test]
fn no_label_or_label_value_is_unplaced_text() {
    let (records, _) = run_all();
    let labels = label_cells();
    assert!(
        labels.len() > 100,
        "only {} label cells found",
        labels.len()
    );
    let cell = regex::Regex::new(r"^row (\d+), column (\d+)").expect("regex");
    let mut wrong = Vec::new();
    for r in &records {
        let path = r["source"]["path"].as_str().unwrap_or_default();
        for w in r["warnings"].as_array().into_iter().flatten() {
            if w["code"] != "unplaced_text" {
                continue;
            }
            let message = w["message"].as_str().unwrap_or_default();
            if let Some(c) = cell.captures(message) {
                let row: u32 = c[1].parse().expect("row");
                let col: usize = c[2].parse::<usize>().expect("column") - 1;
                if labels.contains(&(path.to_string(), row, col)) {
                    wrong.push(format!("{path}: {message}"));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "labels reported as unplaced:\n{}",
        wrong.join("\n")
    );
}

/// A prose notice and two blank forms hold no project: one `no_projects`
/// line each, never an empty record.
#[test]
fn pages_without_a_project_are_error_lines() {
    let (records, errors) = run_all();
    let no_project = [
        "heilongjiang-daqing-shenbao-template.txt",
        "ningxia-tongxin-prose-notice.html",
        "shaanxi-jiaxian-shenbao-template.txt",
    ];
    for name in no_project {
        let errs: Vec<&Value> = errors
            .iter()
            .filter(|e| e["path"].as_str().is_some_and(|p| p.ends_with(name)))
            .collect();
        assert_eq!(errs.len(), 1, "{name}: {errors:?}");
        assert_eq!(errs[0]["code"], "no_projects", "{name}");
        assert!(
            !records.iter().any(|r| r["source"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with(name))),
            "{name} gave a record"
        );
    }
    assert_eq!(errors.len(), no_project.len(), "{errors:?}");
}

/// What the version-2 vocabulary reads from the layouts, key by key, on
/// one fixture each (the goldens hold the rest).
#[test]
fn each_layout_feature_is_read() {
    let (records, _) = run_all();
    let by = |name: &str, index: u64| -> &Value {
        records
            .iter()
            .find(|r| {
                r["source"]["path"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(name))
                    && r["source"]["index"] == index
            })
            .unwrap_or_else(|| panic!("no record {name} #{index}"))
    };
    // 主管部门及编码 `[015001]…`, a period cell, 其中： lines, side-by-side
    // blocks with the long-term one empty, goals one row below their labels
    let r = by("hubei-wuhan-qingshan-long-annual.gbk.txt", 0);
    assert_eq!(r["department"], "武汉市青山区教育局");
    assert_eq!(r["department_code"], "015001");
    assert_eq!(r["implementing_unit"], "武汉市青山区教育局");
    assert_eq!(
        (&r["planned_start"], &r["planned_end"]),
        (&"2020-01".into(), &"2020-12".into())
    );
    assert_eq!(r["year"], 2020);
    assert_eq!(r["budget"]["current_year"], 100_000_000);
    assert_eq!(
        r["budget"]["sources"][0],
        serde_json::json!({"name": "财政拨款", "amount": 100_000_000})
    );
    assert!(
        r["goals_long_term"]
            .as_str()
            .is_some_and(|g| g.starts_with("优化教育布局"))
    );
    assert!(
        r["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["period"] == "annual")
    );
    // two blocks side by side, both filled: left long-term, right annual;
    // `±3%以内`; an issuer-prefixed 批复表 title
    let r = by("guangdong-dongguan-pifu.xlsx", 0);
    assert_eq!(r["title"], "东莞市财政项目支出绩效目标批复表");
    let ind = r["indicators"].as_array().unwrap();
    assert_eq!(
        (&ind[2]["op"], &ind[2]["value"], &ind[2]["value_max"]),
        (&"range".into(), &(-3).into(), &3.into())
    );
    assert_eq!(
        (&ind[0]["period"], &ind[1]["period"]),
        (&"long_term".into(), &"annual".into())
    );
    assert_eq!(r["budget"]["total"], 2_845_000_000_i64);
    // a two-level table: level1 null, level2 the first column, weights,
    // extra columns without their length hints, sentence targets
    let r = by("guangxi-shenbao-excel-webexport.html", 0);
    let first = &r["indicators"][0];
    assert!(first["level1"].is_null());
    assert_eq!(
        (&first["level2"], &first["level3"]),
        (&"投入指标".into(), &"资金到位率".into())
    );
    assert_eq!(
        (&first["op"], &first["value"], &first["weight"]),
        (&"ge".into(), &100.into(), &5.into())
    );
    assert!(first["extra"]["评分细则"].is_string(), "{}", first["extra"]);
    // one file, two projects; codes in 【】 and []; 95%以上。
    let r = by("ningxia-education-dept-multi.gbk.txt", 1);
    assert_eq!(
        (&r["department"], &r["department_code"]),
        (&"自治区教育厅".into(), &"812".into())
    );
    assert_eq!(r["budget"]["current_year"], 3_720_000);
    let last = r["indicators"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (&last["op"], &last["value"], &last["category"]),
        (&"ge".into(), &90.into(), &"satisfaction".into())
    );
    // a funding breakdown in a small table: 合计 is the current year
    let r = by("hunan-yueyang-cms-article.gb2312.html", 0);
    assert_eq!(r["budget"]["current_year"], 3_000_000);
    assert_eq!(
        r["budget"]["sources"][0],
        serde_json::json!({"name": "区级资金", "amount": 3_000_000})
    );
    // amounts whose unit cannot be told stay text
    let r = by("hubei-ezhou-two-level.utf8.txt", 0);
    assert!(r["budget"]["total"].is_null());
    assert_eq!(r["extra"]["保安服务费/金额"], "191");
}
