//! Output: the record contract, determinism, where lines go (stdout,
//! files, part folders, shards) and the exit codes.

use serde_json::Value;

use crate::util::{FIXTURE_DIRS, extract, fixtures, jixiao, lines, rel, root};

const RECORD_KEYS: &[&str] = &[
    "schema_version",
    "record_id",
    "source",
    "duplicate_of",
    "year",
    "title",
    "department",
    "department_code",
    "implementing_unit",
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
    "goals_long_term",
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
    "page",
    "index",
    "first_row",
    "last_row",
];
const BUDGET_KEYS: &[&str] = &[
    "total",
    "current_year",
    "prior_year_budget",
    "prior_year_executed",
    "sources",
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
    "category",
    "period",
    "core",
    "weight",
    "extra",
    "row",
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
        assert_eq!(r["schema_version"], 2);
        for s in r["budget"]["sources"].as_array().unwrap() {
            assert_eq!(keys(s), ["name", "amount"]);
        }
        for k in &BUDGET_KEYS[..4] {
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
            assert!(i["row"].as_u64().unwrap() >= r["source"]["first_row"].as_u64().unwrap());
            assert!(i["core"].is_boolean());
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
fn emit_indicators_writes_one_flat_line_per_indicator() {
    let run = extract(&["tests/fixtures/seed/seed.utf8.txt", "--emit", "indicators"]);
    let rows = lines(&run.expect_code(0).records());
    assert_eq!(rows.len(), 15 + 17 + 15);
    let mut want = vec![
        "schema_version",
        "record_id",
        "source_path",
        "source_member",
        "source_index",
        "indicator_index",
        "year",
        "department",
        "implementing_unit",
        "project_name",
        "duplicate_of",
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

/// `-o d/x.jsonl --errors d/../d/x.jsonl` names one file twice: refused
/// before any work, not records replaced by error lines.
#[test]
fn two_spellings_of_one_output_file_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().join("d");
    std::fs::create_dir(&d).expect("mkdir");
    let out = d.join("x.jsonl");
    let same = d.join("..").join("d").join("x.jsonl");
    let run = jixiao(&[
        "extract",
        "tests/fixtures/seed/seed.utf8.txt",
        "-o",
        out.to_str().expect("UTF-8 path"),
        "--errors",
        same.to_str().expect("UTF-8 path"),
    ]);
    run.expect_code(2);
    assert!(run.stderr().contains("same file"), "{}", run.stderr());
    assert!(!out.exists());
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

/// Record lines without their `duplicate_of`: it is run-scoped (a shard
/// only sees its own records), everything else must not depend on
/// sharding.
fn without_duplicate_warnings(records: &str) -> Vec<String> {
    lines(records)
        .into_iter()
        .map(|mut r| {
            r["duplicate_of"] = Value::Null;
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
