//! Extraction: what the seed and the text fixtures give, what is lost
//! (nothing), and what bad or other inputs cost.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::{TEXT_DIRS, extract, extract_with_stdin, fixtures, lines, rel, root, row_spans};

#[test]
fn the_seed_reads_as_three_projects() {
    let run = extract(&["tests/fixtures/seed/seed.utf8.txt"]);
    let r = lines(&run.expect_code(0).records());
    let names: Vec<_> = r
        .iter()
        .map(|r| r["project_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "科创中心建设工作经费",
            "科创中心展厅运营经费",
            "未来公园展厅运营经费"
        ]
    );
    let spans = row_spans(&r);
    assert_eq!(spans, [(3, 37), (39, 75), (77, 111)]);
    let counts: Vec<_> = r
        .iter()
        .map(|r| r["indicators"].as_array().unwrap().len())
        .collect();
    assert_eq!(counts, [15, 17, 15]);
    for (i, r) in r.iter().enumerate() {
        assert_eq!(r["source"]["index"], i);
        assert_eq!(r["year"], 2020);
        assert_eq!(r["title"], "财政项目支出绩效目标表");
        assert_eq!(r["department"], "上海推进科技创新中心建设办公室");
        assert_eq!(r["planned_start"], "2020-01-01");
        assert_eq!(r["planned_end"], "2020-12-31");
        assert_eq!(r["government_procurement"], false);
        assert_eq!(r["performance_type"], "事业/专业类");
        assert_eq!(r["warnings"], serde_json::json!([]), "{}", r["warnings"]);
        let sha = r["source"]["sha256"].as_str().unwrap();
        assert_eq!(r["record_id"], format!("{}-{i}", &sha[..16]));
    }
    assert_eq!(r[0]["budget"]["total"], 41098620);
    assert_eq!(r[0]["budget"]["prior_year_budget"], 60524400);
    assert_eq!(r[2]["budget"]["prior_year_budget"], Value::Null);
    let overview = r[1]["overview"].as_str().unwrap();
    assert!(overview.starts_with("本项目是围绕科创中心展厅运行保障开展，包括房屋租赁、物业管理和后勤保障三个项目。\n1、展厅业务用房租赁。"));
    assert!(!overview.contains('<'));
    let visitors = &r[1]["indicators"][9];
    assert_eq!(visitors["level3"], "参观人数");
    assert_eq!(
        (
            &visitors["op"],
            &visitors["value"],
            &visitors["unit"],
            &visitors["kind"]
        ),
        (
            &Value::from("ge"),
            &Value::from(2000),
            &Value::from("人"),
            &Value::from("quantitative")
        )
    );
    let name_only = &r[2]["indicators"][12];
    assert_eq!(name_only["level3"], "提升园区科创成果知名度20%");
    assert_eq!(name_only["value"], 10);
}

/// Every non-empty cell of every fixture ends up in a field, in `extra`,
/// in an indicator, or in a warning; labels and structure (titles, year
/// lines, headings, table headers) are accounted for by what they label.
#[test]
fn nothing_is_lost() {
    use jixiao::read::clean::clean_text;
    use jixiao::table::values::{parse_amount, parse_date};
    use jixiao::table::vocabulary::{self, MoneyUnit};
    let mut missing = Vec::new();
    for sub in TEXT_DIRS {
        for fx in fixtures(sub) {
            let run = extract(&[rel(&fx)]);
            let out = run.records();
            let bytes = std::fs::read(root().join(&fx)).unwrap();
            let text = jixiao::decode::decode(&bytes).unwrap().text.into_owned();
            for row in jixiao::read::text::read_rows(&text) {
                let n = row.number;
                for cell in &row.cells {
                    let cell = clean_text(cell).into_owned();
                    if cell.is_empty()
                        || vocabulary::is_label_cell(&cell)
                        || vocabulary::year_line(&cell).is_some()
                        || vocabulary::heading(&cell).is_some()
                        || jixiao::table::layout::column_for_header(&cell).is_some()
                    {
                        continue;
                    }
                    let (label, value) = vocabulary::split_inline(&cell, true)
                        .map(|(l, v)| (Some(l), v.to_string()))
                        .unwrap_or((None, cell.clone()));
                    let found = value.split('\n').all(|para| {
                        let esc = serde_json::to_string(para).unwrap();
                        out.contains(esc.trim_matches('"'))
                    }) || parse_date(&value).is_some_and(|d| out.contains(&d))
                        || matches!(value.as_str(), "是" | "否")
                        // the split shape's 定性 operator is `kind: qualitative`
                        || value == "定性"
                        || parse_amount(&value, Some(MoneyUnit::Yuan)).is_ok_and(|a| {
                            let whole = a.amount.fen / 100;
                            out.contains(&whole.to_string()) || out.contains(&(whole * 10_000).to_string())
                        })
                        // a unit label's value is the amounts' unit
                        || label.as_ref().is_some_and(|l| l.unit.is_some())
                        // `单位：万元` sets the unit of the project's amounts
                        || label.is_some_and(|l| {
                            l.field() == Some(vocabulary::Field::MoneyUnit)
                                && MoneyUnit::from_text(&value).is_some()
                        });
                    if !found {
                        missing.push(format!("{}:{}: {cell}", fx.display(), n));
                    }
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "cells found nowhere in the output:\n{}",
        missing.join("\n")
    );
}

#[test]
fn bad_inputs_are_error_lines_and_the_run_goes_on() {
    // a path of a --files-from list that vanished is its own error line
    // (a missing command-line path stops the run: see tests/ingest.rs)
    let run = extract_with_stdin(
        &[
            "tests/fixtures/bad",
            "tests/fixtures/seed/seed.utf8.txt",
            "--files-from",
            "-",
        ],
        b"tests/fixtures/missing.txt\n",
    );
    run.expect_code(1);
    assert_eq!(lines(&run.records()).len(), 3);
    let errors = lines(&run.errors());
    let got: Vec<(&str, &str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap(),
                e["stage"].as_str().unwrap(),
                e["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("tests/fixtures/bad/binary.txt", "decode", "binary"),
            ("tests/fixtures/bad/damaged.docx", "read", "corrupt"),
            ("tests/fixtures/bad/empty.txt", "read", "empty"),
            ("tests/fixtures/bad/encrypted.pdf", "read", "encrypted"),
            ("tests/fixtures/bad/prose.txt", "split", "no_projects"),
            ("tests/fixtures/bad/scanned.pdf", "read", "needs_ocr"),
            ("tests/fixtures/bad/truncated.pdf", "read", "corrupt"),
            ("tests/fixtures/missing.txt", "read", "not_found"),
        ]
    );
    for e in &errors {
        let keys: BTreeSet<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["path", "member", "stage", "code", "message"])
        );
        assert_eq!(e["member"], Value::Null);
        assert!(!e["message"].as_str().unwrap().is_empty());
    }
    let stderr = run.stderr();
    assert!(
        stderr.contains(
            "errors: binary=1 corrupt=2 empty=1 encrypted=1 needs_ocr=1 no_projects=1 not_found=1"
        ),
        "{stderr}"
    );
}

#[test]
fn other_file_types_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/seed/seed.utf8.txt"),
        dir.path().join("a.txt"),
    )
    .unwrap();
    std::fs::write(dir.path().join("b.png"), b"\x89PNG").unwrap();
    std::fs::write(dir.path().join(".hidden.txt"), b"x").unwrap();
    let run = extract(&[dir.path().to_str().unwrap()]);
    run.expect_code(0);
    assert_eq!(lines(&run.records()).len(), 3);
    run.expect_stderr("skipped: .png=1");
}

#[test]
fn files_from_stdin_equals_paths_on_the_command_line() {
    let list = "tests/fixtures/seed/seed.utf8.txt\n\ntests/fixtures/text/no_title.txt\r\n";
    let piped = extract_with_stdin(&["--files-from", "-", "-o", "-"], list.as_bytes());
    piped.expect_code(0);
    let direct = extract(&[
        "tests/fixtures/seed/seed.utf8.txt",
        "tests/fixtures/text/no_title.txt",
        "-o",
        "-",
    ]);
    assert_eq!(lines(&piped.stdout()).len(), 5);
    assert_eq!(piped.stdout(), direct.stdout());
}

/// `count_projects` (rows classified one at a time and let go, for the
/// `--max-projects` refusal) counts what `split` finds, on every table of
/// every fixture, the new layouts and the bad inputs among them.
#[test]
fn counting_projects_row_by_row_agrees_with_split() {
    use jixiao::run::document::{Limits, with_tables};
    use jixiao::source::Format;
    use jixiao::table::classify::classify;
    use jixiao::table::split::{count_projects, split};
    let mut tables = 0;
    for dir in ["seed", "text", "html", "sheets", "bad", "layouts"] {
        for path in fixtures(dir) {
            let bytes = std::fs::read(root().join(&path)).unwrap();
            let format = Format::from_path(&path).unwrap().sniff(&bytes);
            if format == Format::Zip {
                continue;
            }
            let _ = with_tables(format, &bytes, &Limits::default(), |t| {
                for table in &t.tables {
                    let classes = classify(&table.rows);
                    let blocks = split(&table.rows, &classes);
                    assert_eq!(
                        count_projects(&table.rows),
                        blocks.len(),
                        "{}",
                        path.display()
                    );
                    tables += 1;
                }
            });
        }
    }
    assert!(tables > 30, "only {tables} tables read");
}

/// Version 2 on a small table: colonless labels, a department code, an
/// amount without a unit (kept in extra, never guessed), a `其中：` line in
/// the unit of the amount above it, a bare 绩效目标 label, a sentence
/// target.
#[test]
fn amounts_without_a_unit_are_kept_as_text_and_warned() {
    let table = "项目支出绩效目标表\n(2021年度)\n项目名称\t甲项目\n主管部门\t[001]某局\n\
                 项目性质\t持续性项目\n项目总预算：\t100\n项目当年预算（万元）：\t50\n\
                 其中：财政拨款\t40\n绩效目标\t完成任务。\n\
                 一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t次数\t达到5次\n";
    let run = extract_with_stdin(&["-", "-o", "-"], table.as_bytes());
    let r = &lines(&run.expect_code(0).stdout())[0];
    assert_eq!(
        (&r["department"], &r["department_code"]),
        (&"某局".into(), &"001".into())
    );
    assert!(r["budget"]["total"].is_null());
    assert_eq!(r["extra"]["项目总预算"], "100");
    assert_eq!(r["extra"]["项目性质"], "持续性项目");
    assert_eq!(r["budget"]["current_year"], 500_000);
    assert_eq!(
        r["budget"]["sources"],
        serde_json::json!([{"name": "财政拨款", "amount": 400_000}])
    );
    assert_eq!(r["goals"], "完成任务。");
    let w: Vec<&str> = r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(w, ["amount_unit_unknown"]);
    let ind = &r["indicators"][0];
    assert_eq!(
        (&ind["op"], &ind["value"], &ind["unit"]),
        (&"ge".into(), &5.into(), &"次".into())
    );
}
