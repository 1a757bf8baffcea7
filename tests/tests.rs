//! Integration tests: the real binary on the fixtures under `tests/`.
//!
//! Goldens: every fixture `tests/fixtures/DIR/NAME.EXT` has a reviewed
//! `NAME.EXT.expected.jsonl` beside it. To regenerate after an intended change,
//! run `scripts/bless.sh` (= `JIXIAO_BLESS=1 cargo test --test integration golden`)
//! and review the diff by eye before committing.

mod architecture;
mod fuzz_regressions;
mod hostile;
mod ingest;
mod props;
mod util;

use std::collections::BTreeSet;

use serde_json::Value;
use util::{extract, extract_with_stdin, fixtures, golden, jixiao, lines, rel, root};

/// Fixture folders whose every file has a golden output.
const FIXTURE_DIRS: [&str; 5] = ["seed", "text", "zip", "sheets", "html"];
/// Fixture folders of text documents (the "nothing lost" test reads them).
const TEXT_DIRS: [&str; 2] = ["seed", "text"];

#[test]
fn golden_outputs() {
    let bless = std::env::var_os("JIXIAO_BLESS").is_some();
    let mut failures = Vec::new();
    for sub in FIXTURE_DIRS {
        for fx in fixtures(sub) {
            let run = extract(&[rel(&fx), "-j", "2", "-q"]);
            let got = run.records();
            let golden = golden(&fx);
            if bless {
                std::fs::write(&golden, &got).expect("write golden");
                continue;
            }
            let want = std::fs::read_to_string(&golden).unwrap_or_default();
            if got != want {
                let diff = first_difference(&want, &got);
                failures.push(format!("{}: {diff}", fx.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "output differs from the golden file (run scripts/bless.sh and review):\n{}",
        failures.join("\n")
    );
}

fn first_difference(want: &str, got: &str) -> String {
    for (i, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            let at = w.bytes().zip(g.bytes()).take_while(|(a, b)| a == b).count();
            let lo = at.saturating_sub(60);
            let snip = |s: &str| {
                let s = s
                    .get(lo..)
                    .or_else(|| s.get(lo.saturating_sub(3)..))
                    .unwrap_or(s);
                s.chars().take(120).collect::<String>()
            };
            return format!("line {}:\n  want …{}\n  got  …{}", i + 1, snip(w), snip(g));
        }
    }
    format!(
        "{} lines wanted, {} got",
        want.lines().count(),
        got.lines().count()
    )
}

/// Strips what legitimately differs between encodings of one document.
fn content(mut v: Value) -> Value {
    let o = v.as_object_mut().expect("object");
    o.remove("source");
    o.remove("record_id");
    v
}

#[test]
fn every_encoding_of_the_seed_gives_the_same_records() {
    let reference = lines(
        &extract(&["tests/fixtures/seed/seed.utf8.txt"])
            .expect_code(0)
            .records(),
    );
    assert_eq!(reference.len(), 3);
    for (file, encoding) in [
        ("seed.utf8-bom.txt", "UTF-8"),
        ("seed.gbk-crlf.txt", "GBK"),
        ("seed.utf16le-bom.txt", "UTF-16LE"),
        ("seed.utf16le.txt", "UTF-16LE"),
        ("seed.utf16be-bom.txt", "UTF-16BE"),
        ("seed.cr.txt", "UTF-8"),
    ] {
        let path = format!("tests/fixtures/seed/{file}");
        let got = same_records_as(&path, &reference);
        for g in &got {
            assert_eq!(g["source"]["encoding"], encoding, "{file}");
        }
    }
}

/// Extracts `path` and checks that it gives the `reference` records, row
/// spans included, except for `source` and `record_id`; returns them.
fn same_records_as(path: &str, reference: &[Value]) -> Vec<Value> {
    let run = extract(&[path]);
    run.expect_code(0);
    let got = lines(&run.records());
    assert_eq!(got.len(), reference.len(), "{path}");
    for (g, r) in got.iter().zip(reference) {
        assert_eq!(g["source"]["first_row"], r["source"]["first_row"], "{path}");
        assert_eq!(g["source"]["last_row"], r["source"]["last_row"], "{path}");
        assert_eq!(content(g.clone()), content(r.clone()), "{path}");
    }
    got
}

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
    use jixiao::table::fields::{parse_amount, parse_date};
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
                        || vocabulary::column_for_header(&cell).is_some()
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
                        || parse_amount(&value, MoneyUnit::Yuan).is_some_and(|a| {
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
fn output_bytes_do_not_depend_on_jobs_or_argument_order() {
    let mut inputs: Vec<String> = Vec::new();
    for sub in FIXTURE_DIRS {
        inputs.extend(fixtures(sub).iter().map(|p| rel(p).to_string()));
    }
    inputs.push("corpus".into());
    let args = |v: &[String], j: &str| {
        let mut a: Vec<String> = v.to_vec();
        a.extend(["-j".into(), j.into()]);
        a
    };
    let refs = |v: &[String]| v.to_vec();
    let one = extract(
        &refs(&args(&inputs, "1"))
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let mut reversed = inputs.clone();
    reversed.reverse();
    let two = extract(
        &args(&reversed, "2")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    one.expect_code(0);
    two.expect_code(0);
    assert!(one.records().lines().count() > 10);
    assert_eq!(one.records(), two.records());
    assert_eq!(one.errors(), two.errors());
    // sorted by path, then member, then index
    let keys: Vec<(String, String, u64)> = lines(&one.records())
        .iter()
        .map(|r| {
            (
                r["source"]["path"].as_str().unwrap().to_string(),
                r["source"]["member"].as_str().unwrap_or("").to_string(),
                r["source"]["index"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
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
            ("tests/fixtures/bad/empty.txt", "read", "empty"),
            ("tests/fixtures/bad/prose.txt", "split", "no_projects"),
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
        stderr.contains("errors: binary=1 empty=1 no_projects=1 not_found=1"),
        "{stderr}"
    );
}

const RECORD_KEYS: &[&str] = &[
    "schema_version",
    "record_id",
    "source",
    "year",
    "title",
    "department",
    "project_name",
    "project_category",
    "planned_start",
    "planned_end",
    "government_procurement",
    "performance_type",
    "overview",
    "basis",
    "necessity",
    "safeguards",
    "implementation_plan",
    "goals",
    "budget",
    "indicators",
    "extra",
    "warnings",
];
const SOURCE_KEYS: &[&str] = &[
    "path",
    "member",
    "sha256",
    "format",
    "encoding",
    "sheet",
    "index",
    "first_row",
    "last_row",
];
const BUDGET_KEYS: &[&str] = &[
    "total",
    "current_year",
    "prior_year_budget",
    "prior_year_executed",
];
const INDICATOR_KEYS: &[&str] = &[
    "level1",
    "level2",
    "level3",
    "target",
    "op",
    "value",
    "value_max",
    "unit",
    "kind",
];

fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// Every key of the contract on every line, in contract order, with the
/// contract's types; a schema change breaks this test loudly.
#[test]
fn every_line_has_exactly_the_contract_keys() {
    let mut inputs: Vec<String> = vec!["corpus".into()];
    for sub in FIXTURE_DIRS {
        inputs.push(format!("tests/fixtures/{sub}"));
    }
    let args: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let run = extract(&args);
    for r in lines(&run.expect_code(0).records()) {
        assert_eq!(keys(&r), RECORD_KEYS);
        assert_eq!(keys(&r["source"]), SOURCE_KEYS);
        assert_eq!(keys(&r["budget"]), BUDGET_KEYS);
        assert_eq!(r["schema_version"], 1);
        for k in BUDGET_KEYS {
            let v = &r["budget"][k];
            assert!(v.is_null() || v.is_number(), "{k}: {v}");
            if let Some(f) = v.as_f64() {
                assert!(
                    (f * 100.0).round() == f * 100.0 || v.is_i64(),
                    "{k}: {v} has more than two decimals"
                );
            }
        }
        for i in r["indicators"].as_array().unwrap() {
            assert_eq!(keys(i), INDICATOR_KEYS);
            let op = i["op"].as_str();
            assert!(op.is_none() || ["eq", "ge", "le", "gt", "lt", "range"].contains(&op.unwrap()));
            assert_eq!(i["kind"] == "quantitative", i["value"].is_number());
            assert_eq!(i["op"] == "range", i["value_max"].is_number());
        }
        for w in r["warnings"].as_array().unwrap() {
            assert_eq!(keys(w), ["code", "message"]);
        }
        assert!(
            r["extra"]
                .as_object()
                .unwrap()
                .values()
                .all(|v| v.is_string() || v.is_null())
        );
    }
}

#[test]
fn emit_indicators_writes_one_flat_line_per_indicator() {
    let run = extract(&["tests/fixtures/seed/seed.utf8.txt", "--emit", "indicators"]);
    let rows = lines(&run.expect_code(0).records());
    assert_eq!(rows.len(), 15 + 17 + 15);
    let mut want = vec![
        "schema_version",
        "record_id",
        "indicator_index",
        "year",
        "department",
        "project_name",
    ];
    want.extend(INDICATOR_KEYS);
    for r in &rows {
        assert_eq!(keys(r), want);
    }
    assert_eq!(rows[15]["indicator_index"], 0);
    assert_eq!(rows[15]["project_name"], "科创中心展厅运营经费");
    assert!(rows[15]["record_id"].as_str().unwrap().ends_with("-1"));
    run.expect_stderr("47 indicators");
}

#[test]
fn records_to_stdout_and_summary_to_stderr() {
    let run = extract(&["tests/fixtures/seed/seed.utf8.txt", "-o", "-"]);
    run.expect_code(0);
    assert_eq!(lines(&run.stdout()).len(), 3);
    let stderr = run.stderr();
    assert!(
        stderr
            .contains("jixiao: 1 document, 3 records, 47 indicators; errors: none; warnings: none"),
        "{stderr}"
    );
    assert_eq!(run.errors(), "");
}

#[test]
fn unwritable_output_is_exit_2_before_any_work() {
    let run = extract(&[
        "tests/fixtures/seed/seed.utf8.txt",
        "-o",
        "/proc/jixiao/records.jsonl",
    ]);
    run.expect_code(2);
    let stderr = run.stderr();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("jixiao: cannot write /proc/jixiao/records.jsonl"),
        "{stderr}"
    );
    assert!(!run.dir.path().join("errors.jsonl").exists());
}

#[test]
fn usage_errors_are_exit_2() {
    jixiao(&["extract", "--jobs", "0"]).expect_code(2);
    jixiao(&["extract", "--emit", "rows"]).expect_code(2);
    jixiao(&["frobnicate"]).expect_code(2);
}

#[test]
fn other_file_types_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("tests/fixtures/seed/seed.utf8.txt"),
        dir.path().join("a.txt"),
    )
    .unwrap();
    std::fs::write(dir.path().join("b.pdf"), b"%PDF").unwrap();
    std::fs::write(dir.path().join(".hidden.txt"), b"x").unwrap();
    let run = extract(&[dir.path().to_str().unwrap()]);
    run.expect_code(0);
    assert_eq!(lines(&run.records()).len(), 3);
    run.expect_stderr("skipped: .pdf=1");
}

#[test]
fn zip_members_give_the_same_records_as_the_files() {
    let run = extract(&["tests/fixtures/zip/archive.zip", "-j", "2"]);
    run.expect_code(0);
    let got = lines(&run.records());
    assert_eq!(got.len(), 6);
    let utf8 = lines(&extract(&["tests/fixtures/seed/seed.utf8.txt"]).records());
    let gbk = lines(&extract(&["tests/fixtures/seed/seed.gbk-crlf.txt"]).records());
    // sorted by member name: 2020/教育局.zip/… before 2020/科创办/…
    for (i, (g, want)) in got.iter().zip(gbk.iter().chain(utf8.iter())).enumerate() {
        assert_eq!(g["source"]["path"], "tests/fixtures/zip/archive.zip");
        assert_eq!(g["record_id"], want["record_id"], "same bytes, same id");
        assert_eq!(g["source"]["sha256"], want["source"]["sha256"]);
        let mut g = content(g.clone());
        if i >= 3 {
            // the same projects again: the later records name the earlier
            let w = g["warnings"].as_array_mut().unwrap().remove(0);
            assert_eq!(w["code"], "duplicate_project");
            let first = got[i - 3]["record_id"].as_str().unwrap();
            assert!(w["message"].as_str().unwrap().contains(first), "{w}");
        }
        assert_eq!(g, content(want.clone()));
    }
    assert_eq!(got[0]["source"]["member"], "2020/教育局.zip/seed-gbk.txt");
    // stored in GBK without the UTF-8 flag
    assert_eq!(got[3]["source"]["member"], "2020/科创办/绩效目标表.txt");
    run.expect_stderr("skipped: .pdf=1");
}

#[test]
fn an_archive_without_documents_is_an_error_line() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pdfs.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    w.start_file("a.pdf", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"%PDF").unwrap();
    w.finish().unwrap();
    let run = extract(&[path.to_str().unwrap()]);
    run.expect_code(1);
    let errors = lines(&run.errors());
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0]["stage"].as_str(), errors[0]["code"].as_str()),
        (Some("split"), Some("no_projects"))
    );
}

#[test]
fn every_format_of_the_seed_gives_the_same_records() {
    let reference = lines(&extract(&["tests/fixtures/seed/seed.utf8.txt"]).records());
    for (file, format, encoding, sheet) in [
        (
            "sheets/seed.xlsx",
            "xlsx",
            Value::Null,
            Value::from("绩效目标表"),
        ),
        (
            "sheets/seed.xls",
            "xls",
            Value::Null,
            Value::from("绩效目标表"),
        ),
        (
            "sheets/seed.ods",
            "ods",
            Value::Null,
            Value::from("绩效目标表"),
        ),
        ("html/seed.html", "html", Value::from("UTF-8"), Value::Null),
        (
            "html/seed-gbk.html",
            "html",
            Value::from("GBK"),
            Value::Null,
        ),
    ] {
        // the fixtures keep the seed's line numbers as row numbers
        let got = same_records_as(&format!("tests/fixtures/{file}"), &reference);
        for g in &got {
            assert_eq!(g["source"]["format"], format, "{file}");
            assert_eq!(g["source"]["encoding"], encoding, "{file}");
            assert_eq!(g["source"]["sheet"], sheet, "{file}");
        }
    }
}

#[test]
fn every_sheet_and_every_table_is_read() {
    let run = extract(&["tests/fixtures/sheets/two_sheets.xlsx"]);
    let r = lines(&run.expect_code(0).records());
    let got: Vec<_> = r
        .iter()
        .map(|r| {
            (
                r["source"]["sheet"].as_str().unwrap(),
                r["source"]["index"].as_u64().unwrap(),
                r["project_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("项目一", 0, "科创中心建设工作经费"),
            ("项目二", 1, "科创中心展厅运营经费")
        ]
    );
    let run = extract(&["tests/fixtures/html/two_tables.html"]);
    let r = lines(&run.expect_code(0).records());
    let spans = row_spans(&r);
    // table rows are counted across both tables of the page
    assert_eq!(spans, [(2, 36), (37, 73)]);
    assert_eq!(r[1]["indicators"].as_array().unwrap().len(), 17);
}

#[test]
fn the_schema_command_prints_the_published_schemas() {
    let run = jixiao(&["schema"]);
    run.expect_code(0);
    let published = std::fs::read_to_string(root().join("schema/record.schema.json")).unwrap();
    assert_eq!(run.stdout(), published);
    let flat = jixiao(&["schema", "--emit", "indicators"]);
    let v: Value = serde_json::from_str(&flat.stdout()).unwrap();
    assert_eq!(v["properties"]["indicator_index"]["type"], "integer");
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

/// Record lines without their `duplicate_project` warnings: those are
/// run-scoped (a shard only sees its own records), everything else must
/// not depend on sharding.
fn without_duplicate_warnings(records: &str) -> Vec<String> {
    lines(records)
        .into_iter()
        .map(|mut r| {
            if let Some(w) = r["warnings"].as_array_mut() {
                w.retain(|w| w["code"] != "duplicate_project");
            }
            r.to_string()
        })
        .collect()
}

#[test]
fn the_union_of_all_shards_equals_the_unsharded_run() {
    let inputs = [
        "corpus",
        "tests/fixtures/seed",
        "tests/fixtures/text",
        "tests/fixtures/zip",
        "tests/fixtures/sheets",
    ];
    let mut all: Vec<String> = without_duplicate_warnings(&extract(&inputs).records());
    assert!(all.len() > 30);
    let mut union: Vec<String> = Vec::new();
    let mut sizes = Vec::new();
    for i in 0..3 {
        let mut args: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
        args.extend([
            "--shard-index".into(),
            i.to_string(),
            "--shard-count".into(),
            "3".into(),
        ]);
        let run = extract(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let part = without_duplicate_warnings(&run.records());
        sizes.push(part.len());
        union.extend(part);
    }
    assert!(
        sizes.iter().filter(|&&n| n > 0).count() >= 2,
        "shards {sizes:?}"
    );
    all.sort();
    union.sort();
    assert!(union == all, "the shards' union differs from the whole run");
    jixiao(&["extract", "--shard-index", "3", "--shard-count", "3"]).expect_code(2);
    jixiao(&["extract", "--shard-index", "1"]).expect_code(2);
}

#[test]
fn a_directory_output_gets_part_files_and_success_last() {
    let dir = tempfile::tempdir().unwrap();
    let parts = format!("{}/parts/", dir.path().display());
    let whole = extract(&["tests/fixtures/seed"]).records();
    // no --errors: the errors file goes into the folder, beside the parts
    let run = jixiao(&[
        "extract",
        "tests/fixtures/seed",
        "-o",
        &parts,
        "--part-size",
        "40KiB",
    ]);
    run.expect_code(0);
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("parts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names[0], "_SUCCESS");
    assert!(
        names.contains(&"_errors.jsonl".to_string()),
        "errors go beside the parts: {names:?}"
    );
    let mut joined = String::new();
    for n in names.iter().filter(|n| n.starts_with("part-")) {
        let part = std::fs::read_to_string(dir.path().join("parts").join(n)).unwrap();
        assert!(
            part.len() <= 40 * 1024 || part.lines().count() == 1,
            "{n} is {} bytes",
            part.len()
        );
        joined.push_str(&part);
    }
    assert!(names.len() > 2, "{names:?}");
    assert_eq!(joined, whole);
}

/// `jixiao show ID --records RECORDS`.
fn run_show(id: &str, records: &std::path::Path) -> util::Run {
    jixiao(&["show", id, "--records", records.to_str().unwrap()])
}

#[test]
fn show_prints_the_source_rows_beside_the_record() {
    let run = extract(&[
        "tests/fixtures/seed/seed.utf8.txt",
        "tests/fixtures/zip",
        "tests/fixtures/sheets/seed.xlsx",
    ]);
    let records = run.dir.path().join("records.jsonl");
    let all = lines(&run.records());
    let seed2 = all
        .iter()
        .find(|r| {
            r["source"]["path"] == "tests/fixtures/seed/seed.utf8.txt" && r["source"]["index"] == 1
        })
        .unwrap();
    let shown = run_show(seed2["record_id"].as_str().unwrap(), &records);
    shown.expect_code(0);
    let out = shown.stdout();
    assert!(out.contains("丹桂路899号"), "{out}");
    assert!(out.contains("参观人数"), "{out}");
    assert!(out.contains("   39 │ 财政项目支出绩效目标表"), "{out}");
    // a zip member and a sheet are re-read too
    for r in all
        .iter()
        .filter(|r| !r["source"]["member"].is_null() || !r["source"]["sheet"].is_null())
    {
        let id = r["record_id"].as_str().unwrap();
        let shown = run_show(id, &records);
        shown.expect_code(0);
        assert!(
            shown.stdout().contains("│ 项目名称："),
            "{id}: {}",
            shown.stdout()
        );
    }
    let unknown = run_show("0000000000000000-9", &records);
    unknown
        .expect_code(1)
        .expect_stderr("no record 0000000000000000-9");
}

#[test]
fn show_refuses_a_source_that_changed_since_extraction() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("a.txt");
    std::fs::copy(root().join("tests/fixtures/seed/seed.utf8.txt"), &doc).unwrap();
    let run = extract(&[doc.to_str().unwrap()]);
    let id = lines(&run.records())[0]["record_id"]
        .as_str()
        .unwrap()
        .to_string();
    let records = run.dir.path().join("records.jsonl");
    let mut text = std::fs::read_to_string(&doc).unwrap();
    text.push_str("\n备注：改过了\n");
    std::fs::write(&doc, text).unwrap();
    let show = run_show(&id, &records);
    show.expect_code(1)
        .expect_stderr("has changed since extraction");
}

#[test]
fn samples_are_reproducible_whatever_the_file_order() {
    let run = extract(&["corpus", "tests/fixtures/text", "tests/fixtures/seed"]);
    let records = run.dir.path().join("records.jsonl");
    let sample = |path: &std::path::Path, seed: &str, extra: &[&str]| {
        let mut args = vec![
            "sample",
            "-n",
            "5",
            "--seed",
            seed,
            "--records",
            path.to_str().unwrap(),
        ];
        args.extend(extra);
        let r = jixiao(&args);
        r.expect_code(0);
        r.stdout()
    };
    let a = sample(&records, "7", &[]);
    assert_eq!(a.lines().count(), 5);
    assert_eq!(a, sample(&records, "7", &[]));
    assert_ne!(
        a,
        sample(&records, "8", &[]),
        "another seed, another sample"
    );
    // the same records in reverse order
    let reversed = run.dir.path().join("reversed.jsonl");
    let text = run.records();
    let lines_rev: Vec<&str> = text.lines().rev().collect();
    std::fs::write(&reversed, lines_rev.join("\n") + "\n").unwrap();
    assert_eq!(a, sample(&reversed, "7", &[]));
    for line in sample(&records, "7", &["--warned"]).lines() {
        let warnings: usize = line.rsplit('\t').next().unwrap().parse().unwrap();
        assert!(warnings > 0, "{line}");
    }
}

#[test]
fn the_report_holds_every_record_and_no_external_url() {
    let run = extract(&["corpus", "tests/fixtures/text", "tests/fixtures/bad"]);
    let dir = run.dir.path();
    let report = dir.join("report.html");
    let r = jixiao(&[
        "report",
        "--records",
        dir.join("records.jsonl").to_str().unwrap(),
        "--errors",
        dir.join("errors.jsonl").to_str().unwrap(),
        "-o",
        report.to_str().unwrap(),
        "--sample",
        "3",
    ]);
    r.expect_code(0);
    let html = std::fs::read_to_string(&report).unwrap();
    for rec in lines(&run.records()) {
        let id = rec["record_id"].as_str().unwrap();
        assert!(html.contains(&format!("id=\"r-{id}\"")), "{id} missing");
    }
    assert!(!html.contains("http"), "no external URL of any kind");
    assert!(
        html.contains("tests/fixtures/bad/prose.txt"),
        "errors table"
    );
    assert!(html.matches("<svg").count() >= 5, "charts");
    assert!(html.contains("class=\"panel\""), "panels");
}

/// Renders the report in headless Chromium (installed by `.ci/run`) and
/// checks that the page's script ran over every record.
#[test]
fn the_report_renders_in_a_real_browser() {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (.ci/run)"
        );
        eprintln!("skipped: chromium is not installed (CI installs it)");
        return;
    };
    let run = extract(&["corpus", "tests/fixtures/text", "tests/fixtures/seed"]);
    let n = lines(&run.records()).len();
    let dir = run.dir.path();
    let report = dir.join("report.html");
    let r = jixiao(&[
        "report",
        "--records",
        dir.join("records.jsonl").to_str().unwrap(),
        "-o",
        report.to_str().unwrap(),
    ]);
    r.expect_code(0);
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", report.display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let profile_arg = format!("--user-data-dir={}", profile.path().display());
    let dom = std::process::Command::new(chromium)
        .args(common)
        .arg(&profile_arg)
        .args(["--virtual-time-budget=5000", "--dump-dom", &url])
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not run:\n{}",
        &dom[..dom.len().min(2000)]
    );
    assert!(
        dom.contains(&format!("<span id=\"shown-count\">{n}</span>")),
        "shown-count is not {n}"
    );
    // a screenshot for a person to look at (out/ is not committed)
    let shot = root().join("out/report-test.png");
    let _ = std::fs::create_dir_all(root().join("out"));
    let status = std::process::Command::new(chromium)
        .args(common)
        .arg(&profile_arg)
        .arg(format!("--screenshot={}", shot.display()))
        .args(["--window-size=1400,2000", &url])
        .output()
        .expect("run chromium");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 10_000)
            .unwrap_or(false),
        "no screenshot"
    );
}

/// `(first_row, last_row)` of each record's source.
fn row_spans(records: &[Value]) -> Vec<(u64, u64)> {
    records
        .iter()
        .map(|r| {
            (
                r["source"]["first_row"].as_u64().unwrap(),
                r["source"]["last_row"].as_u64().unwrap(),
            )
        })
        .collect()
}
