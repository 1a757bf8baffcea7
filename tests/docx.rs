//! Word documents (issue 14): the seed as a department's Word file gives
//! the seed's records; merged and nested cells line up; a Word file under
//! another name, in an archive or named `.zip` is read as one; the formats
//! that are not read (`.doc`, `.wps`) and damaged files are one error line
//! each, and WPS spreadsheets (`.et`) are read as the xls they are.

use std::io::Write as _;

use serde_json::Value;

use crate::util::{content, extract, lines, row_spans};

const SEED_TXT: &str = "tests/fixtures/seed/seed.utf8.txt";
const SEED_DOCX: &str = "tests/fixtures/docx/seed.docx";

/// Every record of `got` has the content of the one of `want` at the
/// same place (`source`, `record_id` and each indicator's `row` aside:
/// rows are numbered as the Word file counts them).
fn same_content(got: &[Value], want: &[Value], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(without_rows(g), without_rows(w), "{what}");
    }
}

/// [`content`], without the indicators' source rows.
fn without_rows(record: &Value) -> Value {
    let mut v = content(record.clone());
    if let Some(indicators) = v.get_mut("indicators").and_then(Value::as_array_mut) {
        for i in indicators {
            if let Some(o) = i.as_object_mut() {
                o.remove("row");
            }
        }
    }
    v
}

#[test]
fn the_seed_as_a_word_file_gives_the_seeds_records() {
    let want = lines(&extract(&[SEED_TXT]).expect_code(0).records());
    let run = extract(&[SEED_DOCX]);
    let got = lines(&run.expect_code(0).records());
    same_content(&got, &want, SEED_DOCX);
    for (i, g) in got.iter().enumerate() {
        assert_eq!(g["source"]["format"], "docx");
        assert_eq!(g["source"]["encoding"], Value::Null);
        assert_eq!(g["source"]["sheet"], Value::Null);
        assert_eq!(g["source"]["index"], i);
    }
    // title, year and 申报单位名称 paragraphs (3 rows) and a table of 29
    // rows per project (the seed's blank lines are no rows in Word)
    assert_eq!(row_spans(&got), [(1, 32), (33, 66), (67, 98)]);
}

#[test]
fn spans_merges_and_a_nested_table_line_up() {
    let seed = lines(&extract(&[SEED_TXT]).records());
    let run = extract(&["tests/fixtures/docx/merged_cells.docx"]);
    let mut got = lines(&run.expect_code(0).records());
    assert_eq!(got.len(), 1);
    // the headline above the title is text of no field, as on a web page
    let warnings = got[0]["warnings"].as_array_mut().expect("warnings");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = warnings.remove(0);
    assert_eq!(w["code"], "unplaced_text");
    assert!(
        w["message"]
            .as_str()
            .unwrap_or("")
            .contains("2020年度项目支出绩效目标"),
        "{w}"
    );
    same_content(&got, &seed[1..2], "merged_cells.docx");
}

#[test]
fn a_wps_spreadsheet_is_read_as_the_xls_it_is() {
    let want = lines(&extract(&["tests/fixtures/sheets/seed.xls"]).records());
    let got = lines(
        &extract(&["tests/fixtures/sheets/seed.et"])
            .expect_code(0)
            .records(),
    );
    same_content(&got, &want, "seed.et");
    assert_eq!(row_spans(&got), row_spans(&want));
    for g in &got {
        assert_eq!(g["source"]["format"], "xls");
    }
}

/// `(path's file name, stage, code)` of each error line.
fn error_codes(errors: &str) -> Vec<(String, String, String)> {
    lines(errors)
        .iter()
        .map(|e| {
            let path = e["path"].as_str().unwrap_or("");
            let name = path.rsplit('/').next().unwrap_or(path).to_string();
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (name, s("stage"), s("code"))
        })
        .collect()
}

#[test]
fn word_files_under_other_names_and_legacy_formats_each_have_a_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let docx = std::fs::read(SEED_DOCX).expect("fixture");
    let html = std::fs::read("tests/fixtures/html/seed.html").expect("fixture");
    let mut ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    ole.resize(1024, 0);
    ole.extend("WordDocument\0".encode_utf16().flat_map(u16::to_le_bytes));
    let mut encrypted = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    encrypted.resize(1024, 0);
    encrypted.extend(
        "EncryptionInfo\0EncryptedPackage\0"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let files: [(&str, &[u8]); 9] = [
        ("a-legacy.doc", &ole),
        ("b-wps-text.wps", &ole),
        ("c-rtf.doc", "{\\rtf1\\ansi 项目名称}".as_bytes()),
        ("d-web-export.doc", &html),
        ("e-really-docx.doc", &docx),
        ("f-docx-as.txt", &docx),
        ("g-encrypted.docx", &encrypted),
        ("h-doc-as.docx", &ole),
        ("i-macro.docm", &docx),
    ];
    for (name, data) in files {
        std::fs::write(d.join(name), data).expect("write");
    }
    let run = extract(&[d.to_str().expect("UTF-8 path")]);
    run.expect_code(1);
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        error_codes(&run.errors()),
        [
            s("a-legacy.doc", "read", "unsupported_format"),
            s("b-wps-text.wps", "read", "unsupported_format"),
            s("c-rtf.doc", "read", "unsupported_format"),
            s("g-encrypted.docx", "read", "encrypted"),
            s("h-doc-as.docx", "read", "unsupported_format"),
        ]
    );
    let records = lines(&run.records());
    let mut seen: Vec<(String, &str)> = records
        .iter()
        .map(|r| {
            let path = r["source"]["path"].as_str().unwrap_or("");
            let name = path.rsplit('/').next().unwrap_or(path).to_string();
            (name, r["source"]["format"].as_str().unwrap_or(""))
        })
        .collect();
    seen.dedup();
    let w = |a: &str, b: &'static str| (a.to_string(), b);
    assert_eq!(
        seen,
        [
            w("d-web-export.doc", "html"),
            w("e-really-docx.doc", "docx"),
            w("f-docx-as.txt", "docx"),
            w("i-macro.docm", "docx"),
        ]
    );
    assert_eq!(records.len(), 12);
    // the manifest says what each was read as
    let manifest =
        std::fs::read_to_string(run.dir.path().join("manifest.jsonl")).unwrap_or_default();
    let manifest = lines(&manifest);
    assert_eq!(manifest.len(), 9);
    assert_eq!(manifest[0]["format"], "doc");
    assert_eq!(manifest[0]["outcome"], "error");
    assert_eq!(manifest[0]["error_code"], "unsupported_format");
    assert_eq!(manifest[4]["format"], "docx");
    let stderr = run.stderr();
    assert!(!stderr.contains("skipped"), "{stderr}");
}

#[test]
fn a_damaged_word_file_is_one_corrupt_line() {
    let run = extract(&["tests/fixtures/bad/damaged.docx"]);
    run.expect_code(1);
    let errors = lines(&run.errors());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["stage"], "read");
    assert_eq!(errors[0]["code"], "corrupt");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("Word document"),
        "{}",
        errors[0]
    );
}

#[test]
fn word_files_in_an_archive_and_named_zip_are_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let docx = std::fs::read(SEED_DOCX).expect("fixture");
    let want = lines(&extract(&[SEED_DOCX]).records());
    // named .zip: the Word file it is, not an archive
    let named = dir.path().join("seed.zip");
    std::fs::write(&named, &docx).expect("write");
    let got = lines(
        &extract(&[named.to_str().expect("UTF-8 path")])
            .expect_code(0)
            .records(),
    );
    assert_eq!(got.len(), 3);
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g["source"]["format"], "docx");
        assert_eq!(g["record_id"], w["record_id"]);
        assert_eq!(content(g.clone()), content(w.clone()));
    }
    // a member of an archive, beside a .doc that is one error line
    let archive = dir.path().join("dept.zip");
    let mut w = zip::ZipWriter::new(std::fs::File::create(&archive).expect("create"));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("2020/科创办.docx", opts).expect("start");
    w.write_all(&docx).expect("write");
    w.start_file("2020/旧.doc", opts).expect("start");
    w.write_all(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
        .expect("write");
    w.finish().expect("finish");
    let run = extract(&[archive.to_str().expect("UTF-8 path")]);
    run.expect_code(1);
    let got = lines(&run.records());
    assert_eq!(got.len(), 3);
    assert_eq!(got[0]["source"]["member"], "2020/科创办.docx");
    assert_eq!(got[0]["record_id"], want[0]["record_id"]);
    let errors = lines(&run.errors());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["member"], "2020/旧.doc");
    assert_eq!(errors[0]["code"], "unsupported_format");
}
