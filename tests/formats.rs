//! Formats and encodings: every encoding, workbook, web page and archive
//! of the seed gives the seed's records.

use serde_json::Value;

use crate::util::{content, extract, lines, row_spans, same_records_as};

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

/// The seed printed to PDF by Chromium (one bordered table per project,
/// tables crossing page breaks) gives the text seed's records but for
/// `source` (rows are table rows counted across the document, and the
/// PDF has no blank lines).
#[test]
fn the_pdf_of_the_seed_gives_the_same_records() {
    let reference = lines(&extract(&["tests/fixtures/seed/seed.utf8.txt"]).records());
    let run = extract(&["tests/fixtures/pdf/seed.pdf"]);
    let got = lines(&run.expect_code(0).records());
    assert_eq!(got.len(), reference.len());
    for (g, r) in got.iter().zip(&reference) {
        assert_eq!(content(g.clone()), content(r.clone()));
        assert_eq!(g["source"]["format"], "pdf");
        assert_eq!(g["source"]["encoding"], Value::Null);
        assert_eq!(g["source"]["sheet"], Value::Null);
    }
    // the first project starts at the first row; each starts after the last
    let spans = row_spans(&got);
    assert_eq!(spans[0].0, 1);
    assert!(spans.windows(2).all(|w| w[0].1 < w[1].0), "{spans:?}");
}

/// A department budget: prose pages, then the 绩效目标表 pages; the
/// indicator table continued on the next page repeats its header row
/// there, which is not read twice.
#[test]
fn a_budget_pdf_gives_the_projects_after_its_prose_pages() {
    let run = extract(&["tests/fixtures/pdf/department-budget.pdf"]);
    let got = lines(&run.expect_code(0).records());
    let names: Vec<&str> = got
        .iter()
        .map(|r| r["project_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["科创中心建设工作经费", "科创中心展厅运营经费"]);
    for r in &got {
        let levels: Vec<&str> = r["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["level3"].as_str().unwrap())
            .collect();
        assert!(
            !levels.contains(&"三级目标"),
            "a header read as an indicator"
        );
        assert_eq!(r["year"], 2020);
    }
}

/// A row broken by the page break (Chromium draws it open at the break)
/// is one row: the 1,600 characters of its cell come back whole, and the
/// record is the seed's first project otherwise.
#[test]
fn a_row_broken_across_pages_is_one_row() {
    let run = extract(&["tests/fixtures/pdf/row-across-pages.pdf"]);
    let got = lines(&run.expect_code(0).records());
    assert_eq!(got.len(), 1);
    let long = "为提升上海科创建设集中度和显示度，增强政府、客户、社会群体对张江科学城的认识度。"
        .repeat(40);
    assert_eq!(got[0]["overview"], long.as_str());
    assert_eq!(got[0]["warnings"], serde_json::json!([]));
    let seed = lines(&extract(&["tests/fixtures/seed/seed.utf8.txt"]).records());
    assert_eq!(
        content(got[0].clone())["indicators"],
        content(seed[0].clone())["indicators"]
    );
}

/// Every predefined-CMap and password case reads.
#[test]
fn predefined_cmaps_and_an_empty_user_password_read() {
    for (file, name) in [
        ("cmap-unigb-ucs2.pdf", "科创中心展厅运营经费"),
        ("cmap-gbk-euc.pdf", "科创中心建设工作经费"),
        ("owner-password.pdf", "科创中心展厅运营经费"),
        ("no-ruling-lines.pdf", "未来公园展厅运营经费"),
    ] {
        let run = extract(&[&format!("tests/fixtures/pdf/{file}")]);
        let got = lines(&run.expect_code(0).records());
        assert_eq!(got[0]["project_name"], name, "{file}");
        assert_eq!(got[0]["source"]["format"], "pdf", "{file}");
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
        let duplicate_of = g["duplicate_of"].clone();
        let mut g = content(g.clone());
        g["duplicate_of"] = Value::Null;
        if i >= 3 {
            // the same projects again: the later records name the earlier
            assert_eq!(duplicate_of["record_id"], got[i - 3]["record_id"]);
            assert_eq!(duplicate_of["member"], got[i - 3]["source"]["member"]);
            assert_eq!(duplicate_of["index"], got[i - 3]["source"]["index"]);
        } else {
            assert!(duplicate_of.is_null(), "{duplicate_of}");
        }
        assert_eq!(g, content(want.clone()));
    }
    assert_eq!(got[0]["source"]["member"], "2020/教育局.zip/seed-gbk.txt");
    // stored in GBK without the UTF-8 flag
    assert_eq!(got[3]["source"]["member"], "2020/科创办/绩效目标表.txt");
    run.expect_stderr("skipped: .png=1");
}

/// A zip saved as `.txt` is read as the archive it is: its members go
/// through the same member path as a `.zip`'s, in the same order, and the
/// job that found it is the only one that opened it.
#[test]
fn a_zip_under_another_name_gives_the_records_of_the_zip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let named = dir.path().join("archive.txt");
    std::fs::copy("tests/fixtures/zip/archive.zip", &named).expect("copy");
    let want = lines(&extract(&["tests/fixtures/zip/archive.zip"]).records());
    let run = extract(&[named.to_str().expect("UTF-8 path"), "-j", "2"]);
    run.expect_code(0);
    let got = lines(&run.records());
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g["source"]["member"], w["source"]["member"]);
        assert_eq!(g["record_id"], w["record_id"]);
        assert_eq!(content(g.clone()), content(w.clone()));
    }
}

/// A workbook saved as `.zip` is read as the workbook it is, not as an
/// archive that "holds no document".
#[test]
fn a_workbook_named_zip_is_read_as_a_workbook() {
    let dir = tempfile::tempdir().expect("temp dir");
    let named = dir.path().join("seed.zip");
    std::fs::copy("tests/fixtures/sheets/seed.xlsx", &named).expect("copy");
    let want = lines(&extract(&["tests/fixtures/sheets/seed.xlsx"]).records());
    let run = extract(&[named.to_str().expect("UTF-8 path")]);
    run.expect_code(0);
    let got = lines(&run.records());
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g["source"]["format"], "xlsx");
        assert_eq!(g["record_id"], w["record_id"]);
        assert_eq!(content(g.clone()), content(w.clone()));
    }
}

#[test]
fn an_archive_without_documents_is_an_error_line() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pdfs.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    w.start_file("a.png", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"\x89PNG").unwrap();
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

/// Issue 13, "Formula cells": openpyxl and pandas write `=100%` as a
/// formula with no cached value, which read as an empty cell; a formula
/// with a cached value read as its bare number (`0.95`, not `>=95%`).
/// The seed saved that way gives the text seed's indicator targets.
#[test]
fn formula_cells_give_the_targets_of_the_text() {
    let indicators = |path: &str| -> Vec<Vec<Value>> {
        lines(&extract(&[path]).expect_code(0).records())
            .iter()
            .flat_map(|r| r["indicators"].as_array().cloned().unwrap_or_default())
            .map(|i| {
                [
                    "level3",
                    "target",
                    "op",
                    "value",
                    "value_max",
                    "unit",
                    "kind",
                ]
                .iter()
                .map(|k| i[*k].clone())
                .collect()
            })
            .collect()
    };
    let want = indicators("tests/fixtures/seed/seed.utf8.txt");
    let got = indicators("tests/fixtures/sheets/seed_formulas.xlsx");
    assert_eq!(got.len(), want.len());
    assert_eq!(want.len(), 47);
    let mut formulas = 0;
    for (g, w) in got.iter().zip(&want) {
        if w[1].as_str().is_some_and(|t| t.starts_with('=')) {
            formulas += 1;
        }
        // D33's cached 0.95 is formatted ">="0.0%: Excel shows >=95.0%
        if g[1] == ">=95.0%" && w[1] == ">=95%" {
            assert_eq!((&g[0], &g[2..]), (&w[0], &w[2..]), "{g:?}");
            continue;
        }
        assert_eq!(g, w);
    }
    // the nine `=` targets (=100%, =0) were formulas without a value
    assert_eq!(formulas, 9);
    assert!(got.iter().any(|g| g[1] == ">=95.0%"));
}
