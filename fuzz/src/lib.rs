//! The checks behind the fuzz targets, one function per target.
//!
//! Each function takes the fuzzer's raw bytes, runs them through one stage of
//! jixiao and panics when a property fails. The fuzz targets call them, and
//! so does the main crate's integration test `tests/fuzz_regressions.rs`
//! (which includes this file with `#[path]`) on every file under
//! `fuzz/regressions/<target>/`, so CI runs the same assertions on the saved
//! inputs without the fuzzer. Only `jixiao` and `serde_json` are used here:
//! both are available to the fuzz crate and to the integration tests.

use jixiao::model::to_json_line;
use jixiao::read::clean::clean_text;
use jixiao::read::docx::{DocxLimits, read_docx};
use jixiao::read::pdf::{PdfLimits, read_pdf};
use jixiao::read::sheet::{SheetFormat, SheetLimits, read_workbook};
use jixiao::run::document::{Limits, Origin, extract};
use jixiao::run::protocol::{canonical_replies, canonical_requests};
use jixiao::source::Format;
use jixiao::table::target::{Op, Target, parse_split, parse_target};

/// Cell cap for the sheet target: small enough that no input can make the
/// fuzzer run out of memory through a legitimately large sheet.
pub const SHEET_MAX_CELLS: u64 = 100_000;

/// `text_path`: bytes read as a text document, start to finish; every record
/// serialises to one line of valid JSON with no U+0000 anywhere.
pub fn text_path(data: &[u8]) {
    let origin = Origin {
        path: "fuzz.txt",
        member: None,
        format: Format::Text,
    };
    check_pipeline(origin, data, &Limits::default());
}

/// The whole pipeline on `data` as `origin.format`: when it gives records,
/// there is at least one, and each serialises to one valid JSON line.
pub fn check_pipeline(origin: Origin<'_>, data: &[u8], limits: &Limits) {
    let Ok(mut records) = extract(origin, data, limits) else {
        return;
    };
    assert!(!records.is_empty(), "Ok with no records");
    for record in &mut records {
        let line = to_json_line(record).expect("a record serialises");
        check_json_line(&line);
    }
}

/// One output line: ends with its only `\n`, has no NUL byte, is valid
/// JSON, and no string in it (key or value) holds U+0000.
pub fn check_json_line(line: &[u8]) {
    assert_eq!(line.last(), Some(&b'\n'), "a line ends with \\n");
    let body = &line[..line.len() - 1];
    assert!(!body.contains(&b'\n'), "a record is one line");
    assert!(!body.contains(&0), "raw NUL byte in a JSON line");
    let value: serde_json::Value = serde_json::from_slice(body).expect("the line is valid JSON");
    assert!(value.is_object(), "a record is a JSON object");
    assert_no_nul(&value);
}

fn assert_no_nul(value: &serde_json::Value) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::String(s) => assert!(!s.contains('\0'), "U+0000 in {s:?}"),
            serde_json::Value::Array(items) => stack.extend(items),
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    assert!(!k.contains('\0'), "U+0000 in key {k:?}");
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
}

/// `target_normaliser`: the whole input (lossy UTF-8) as a merged target
/// cell, and the same text cut at the first two `\t` as the operator, value
/// and unit cells of the split shape. Neither panics, and both return a
/// consistent [`Target`].
pub fn target_normaliser(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let merged = parse_target(&text);
    check_target(&merged, &text);
    if !text
        .chars()
        .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
    {
        assert!(
            merged.value.is_none(),
            "a number read from digitless {text:?}: {merged:?}"
        );
    }

    let mut parts = text.splitn(3, '\t');
    let op = parts.next().unwrap_or("");
    let value = parts.next().unwrap_or("");
    let unit = parts.next().unwrap_or("");
    let (joined, split) = parse_split(op, value, unit);
    check_target(&split, &text);
    let (o, v, u) = (op.trim(), value.trim(), unit.trim());
    assert!(
        joined == format!("{o}{v}{u}") || (joined == v && split == Target::qualitative()),
        "joined text {joined:?} from {op:?} {value:?} {unit:?}"
    );
}

/// The shape every [`Target`] has: a number comes with an operator, a
/// second number only in a range (and not below the first), an unreadable
/// target carries nothing else.
pub fn check_target(t: &Target, input: &str) {
    let ctx = || format!("{input:?} gave {t:?}");
    match t.value {
        None => {
            assert_eq!(t.op, None, "operator without a number: {}", ctx());
            assert_eq!(t.value_max, None, "{}", ctx());
            assert_eq!(t.unit, None, "unit without a number: {}", ctx());
        }
        Some(v) => {
            assert!(v.is_finite(), "{}", ctx());
            assert!(!t.unparsed, "a number and unparsed: {}", ctx());
            assert!(t.op.is_some(), "a number without operator: {}", ctx());
        }
    }
    match t.value_max {
        Some(max) => {
            assert_eq!(t.op, Some(Op::Range), "{}", ctx());
            assert!(max.is_finite(), "{}", ctx());
            assert!(
                t.value.is_some_and(|v| v <= max),
                "reversed range: {}",
                ctx()
            );
        }
        None => assert_ne!(t.op, Some(Op::Range), "range without maximum: {}", ctx()),
    }
    if let Some(unit) = &t.unit {
        assert!(!unit.trim().is_empty(), "empty unit: {}", ctx());
    }
}

/// `html_strip`: the cell cleaner on the input (lossy UTF-8). Its doc
/// comment (src/clean.rs) promises: no U+0000 in the output; paragraphs
/// joined with `\n`, each trimmed and none empty; text without markup,
/// references, line breaks, U+00A0 and U+0000 comes back trimmed; and a
/// second pass changes nothing unless the output holds text that reads as
/// markup or a reference (checked here when it has no `<` and no `&`).
pub fn html_strip(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let out = clean_text(&input);
    check_clean(&input, &out);
}

/// The properties of `clean_text(input) == out` listed at [`html_strip`].
pub fn check_clean(input: &str, out: &str) {
    assert!(!out.contains('\0'), "U+0000 in the output of {input:?}");
    assert!(
        !out.contains('\r'),
        "\\r in the output of {input:?}: {out:?}"
    );
    if !out.is_empty() {
        for para in out.split('\n') {
            assert!(
                !para.is_empty() && para.trim() == para,
                "paragraph {para:?} not trimmed or empty in {out:?} from {input:?}"
            );
        }
    }
    let plain = !input.contains(['<', '&', '\r', '\n', '\u{a0}', '\0']);
    if plain {
        assert_eq!(out, input.trim(), "plain text not returned trimmed");
    }
    if !out.contains(['<', '&']) {
        let again = clean_text(out);
        assert_eq!(again, out, "not idempotent on {input:?}");
    }
}

/// `sheet_reader`: the bytes as a workbook. The format is the one the
/// pipeline would sniff (`Format::sniff`: OLE2 → xls; zip → ods, xlsb or
/// xlsx by content); anything else (junk, a zip with no workbook part) gets
/// a format from its last byte, so every reader sees every kind of input.
/// Rows must come out non-empty, numbered from 1 upwards in order, with
/// trimmed cells, and within the cell cap.
pub fn sheet_reader(data: &[u8]) {
    let format = sheet_format(data);
    let limits = SheetLimits {
        max_cells: SHEET_MAX_CELLS,
        ..SheetLimits::default()
    };
    let Ok(sheets) = read_workbook(data, format, &limits) else {
        return;
    };
    for sheet in &sheets {
        let mut previous = 0;
        let mut width = 0usize;
        for row in &sheet.rows {
            assert!(
                row.number > previous,
                "rows out of order in {:?}",
                sheet.name
            );
            previous = row.number;
            assert!(row.non_empty().next().is_some(), "an empty row");
            assert!(!row.cells.last().is_some_and(|c| c.is_empty()));
            for cell in &row.cells {
                assert_eq!(cell.trim(), cell.as_ref(), "untrimmed cell");
            }
            width = width.max(row.cells.len());
        }
        if let (Some(first), Some(last)) = (sheet.rows.first(), sheet.rows.last()) {
            let span = u64::from(last.number - first.number) + 1;
            assert!(
                span * width as u64 <= SHEET_MAX_CELLS,
                "sheet {:?} spans {span} rows × {width} columns, over the cap",
                sheet.name
            );
        }
    }
}

/// Caps for the `pdf_reader` target: small enough that no input can make
/// the fuzzer run out of memory or time through a legitimately large PDF.
pub const PDF_LIMITS: PdfLimits = PdfLimits {
    max_pages: 64,
    max_glyphs: 200_000,
};

/// `pdf_reader`: any bytes read as a PDF (`read::pdf::read_pdf`) never
/// panic; rows are non-empty, trimmed and numbered in order; every page
/// entry names a row that exists, pages in order. What reads goes on
/// through the whole document path, and every record is one valid line.
pub fn pdf_reader(data: &[u8]) {
    let Ok(doc) = read_pdf(data, &PDF_LIMITS) else {
        return;
    };
    let mut previous = 0;
    for row in &doc.rows {
        assert!(row.number > previous, "rows out of order");
        previous = row.number;
        assert!(row.non_empty().next().is_some(), "an empty row");
        assert!(!row.cells.last().is_some_and(|c| c.is_empty()));
        for cell in &row.cells {
            assert_eq!(cell.trim(), cell.as_ref(), "untrimmed cell");
        }
    }
    let mut last_page = 0;
    for &(first, page) in &doc.pages {
        assert!(page > last_page, "pages out of order");
        last_page = page;
        assert!(
            doc.rows.iter().any(|r| r.number >= first),
            "a page entry past the last row"
        );
    }
    let origin = Origin {
        path: "fuzz.pdf",
        member: None,
        format: Format::Pdf,
    };
    let limits = Limits {
        pdf: PDF_LIMITS,
        ..Limits::default()
    };
    check_pipeline(origin, data, &limits);
}

/// The reader `sheet_reader` uses for `data`.
pub fn sheet_format(data: &[u8]) -> SheetFormat {
    SheetFormat::try_from(Format::Text.sniff(data)).unwrap_or(
        match data.last().map_or(0, |b| b % 4) {
            0 => SheetFormat::Xlsx,
            1 => SheetFormat::Xls,
            2 => SheetFormat::Xlsb,
            _ => SheetFormat::Ods,
        },
    )
}

/// Largest blob the protocol target accepts: small, so a lying length is
/// refused rather than waited for.
pub const PROTOCOL_MAX_BLOB: u64 = 1 << 20;

/// `worker_protocol`: bytes as a worker's output (first byte even) or as a
/// worker's input (odd), read as the run or the worker reads them. Never
/// panics; what is read is written back in a canonical form that reads
/// back to itself (so nothing a frame held is lost or changed between the
/// two sides).
pub fn worker_protocol(data: &[u8]) {
    let Some((&side, stream)) = data.split_first() else {
        return;
    };
    let canonical = if side % 2 == 0 {
        canonical_replies
    } else {
        canonical_requests
    };
    if let Ok(once) = canonical(stream, PROTOCOL_MAX_BLOB) {
        let twice = canonical(&once, PROTOCOL_MAX_BLOB).expect("a canonical stream reads back");
        assert!(once == twice, "the canonical form is not stable");
    }
}

/// Cell cap for the docx target (as for sheets).
pub const DOCX_MAX_CELLS: u64 = 100_000;

/// `docx_reader`: the bytes as a Word document, and, so that the XML walk
/// is reached by inputs that are no zip, the bytes as `word/document.xml`
/// too (`read::docx::body::read_body`). Never panics; rows come out
/// non-empty, numbered upwards in order, with trimmed cells, within the
/// cell cap; and an input read as a package that is a document runs
/// through the whole pipeline (`document::extract` as `Format::Docx`),
/// every record serialising to one valid JSON line.
pub fn docx_reader(data: &[u8]) {
    use jixiao::read::docx::body::read_body;
    let limits = DocxLimits {
        max_part_size: 16 << 20,
        max_ratio: 200,
        max_cells: DOCX_MAX_CELLS,
    };
    if let Ok(doc) = read_docx(data, &limits) {
        check_docx_rows(&doc.rows);
        let origin = Origin {
            path: "fuzz.docx",
            member: None,
            format: Format::Docx,
        };
        let full = Limits {
            docx: limits,
            ..Limits::default()
        };
        check_pipeline(origin, data, &full);
    }
    let xml = String::from_utf8_lossy(data);
    if let Ok(body) = read_body(&xml, DOCX_MAX_CELLS) {
        check_docx_rows(&body.rows);
    }
}

fn check_docx_rows(rows: &[jixiao::read::Row<'_>]) {
    let mut previous = 0;
    let mut cells = 0usize;
    for row in rows {
        assert!(row.number > previous, "rows out of order");
        previous = row.number;
        assert!(row.non_empty().next().is_some(), "an empty row");
        assert!(!row.cells.last().is_some_and(|c| c.is_empty()));
        for cell in &row.cells {
            assert_eq!(cell.trim(), cell.as_ref(), "untrimmed cell");
        }
        cells += row.cells.len();
    }
    assert!(
        cells as u64 <= DOCX_MAX_CELLS,
        "{cells} cells, over the cap"
    );
}
