//! The reader on hand-written Word XML and packages.

use std::io::Write;

use super::body::{MAX_TABLE_DEPTH, read_body};
use super::*;

/// The document body `inner` (the XML inside `<w:body>`), as rows of
/// `(number, cells)`.
fn rows(inner: &str) -> Vec<(u32, Vec<String>)> {
    let xml = document(inner);
    read_body(&xml, 1_000_000)
        .expect("readable")
        .rows
        .into_iter()
        .map(|r| {
            (
                r.number,
                r.cells.into_iter().map(|c| c.into_owned()).collect(),
            )
        })
        .collect()
}

fn document(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>{inner}<w:sectPr/></w:body></w:document>"#
    )
}

/// A paragraph of one run of `text`.
fn p(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

/// A cell holding `inner` (paragraphs), with `props` in its `w:tcPr`.
fn tc(props: &str, inner: &str) -> String {
    format!("<w:tc><w:tcPr>{props}</w:tcPr>{inner}</w:tc>")
}

fn tr(cells: &[String]) -> String {
    format!("<w:tr>{}</w:tr>", cells.concat())
}

fn tbl(rows: &[String]) -> String {
    format!("<w:tbl><w:tblPr/><w:tblGrid/>{}</w:tbl>", rows.concat())
}

fn cells(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A zip of `parts`.
fn package(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in parts {
        w.start_file(*name, opts).expect("start");
        w.write_all(body).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

#[test]
fn paragraphs_around_a_table_are_rows_in_one_count() {
    let body = format!(
        "{}{}<w:p/>{}{}",
        p("财政项目支出绩效目标表"),
        p("(2020年度)"),
        tbl(&[
            tr(&[tc("", &p("项目名称：")), tc("", &p("甲"))]),
            tr(&[tc("", ""), tc("", "<w:p/>")]),
            tr(&[tc("", &p("一级目标")), tc("", &p("二级目标"))]),
        ]),
        p("说明"),
    );
    assert_eq!(
        rows(&body),
        [
            (1, cells(&["财政项目支出绩效目标表"])),
            (2, cells(&["(2020年度)"])),
            (3, cells(&["项目名称：", "甲"])),
            // row 4 is empty: counted, not given
            (5, cells(&["一级目标", "二级目标"])),
            (6, cells(&["说明"])),
        ]
    );
}

#[test]
fn a_grid_span_is_followed_by_empty_cells() {
    let body = tbl(&[
        tr(&[
            tc(r#"<w:gridSpan w:val="3"/>"#, &p("2020年绩效目标")),
            tc("", &p("x")),
        ]),
        tr(&[
            tc("", &p("a")),
            tc("", &p("b")),
            tc("", &p("c")),
            tc("", &p("d")),
        ]),
        format!(
            r#"<w:tr><w:trPr><w:gridBefore w:val="2"/></w:trPr>{}</w:tr>"#,
            tc("", &p("c2"))
        ),
        tr(&[tc(r#"<w:gridSpan w:val="999999999"/>"#, &p("wide"))]),
    ]);
    let got = rows(&body);
    assert_eq!(got[0].1, cells(&["2020年绩效目标", "", "", "x"]));
    assert_eq!(got[1].1, cells(&["a", "b", "c", "d"]));
    assert_eq!(got[2].1, cells(&["", "", "c2"]));
    // clamped, and trailing empties dropped
    assert_eq!(got[3].1, cells(&["wide"]));
}

#[test]
fn a_vertical_merge_continuation_is_an_empty_cell() {
    let body = tbl(&[
        tr(&[
            tc(r#"<w:vMerge w:val="restart"/>"#, &p("产出目标")),
            tc("", &p("数量")),
            tc("", &p(">=95%")),
        ]),
        tr(&[
            tc("<w:vMerge/>", "<w:p/>"),
            tc("", &p("质量")),
            tc("", &p(">=90%")),
        ]),
        tr(&[
            // a continuation repeats nothing, even when it holds text
            tc(r#"<w:vMerge w:val="continue"/>"#, &p("stale")),
            tc("", &p("时效")),
            tc("", &p("=100%")),
        ]),
    ]);
    let got = rows(&body);
    assert_eq!(got[0].1, cells(&["产出目标", "数量", ">=95%"]));
    assert_eq!(got[1].1, cells(&["", "质量", ">=90%"]));
    assert_eq!(got[2].1, cells(&["", "时效", "=100%"]));
}

#[test]
fn paragraphs_of_a_cell_are_joined_with_newlines() {
    let cell = format!(
        "{}<w:p/>{}<w:p><w:r><w:t xml:space=\"preserve\">a </w:t></w:r><w:r><w:t>b</w:t><w:tab/><w:t>c</w:t><w:br/><w:t>d</w:t></w:r></w:p>",
        p("第一段"),
        p("第二段")
    );
    let got = rows(&tbl(&[tr(&[tc("", &cell)])]));
    // an empty paragraph (`<w:p/>`) adds nothing; the clean stage drops
    // empty paragraphs anyway
    assert_eq!(got[0].1, ["第一段\n第二段\na b c\nd"]);
}

#[test]
fn nested_tables_follow_the_row_that_holds_them() {
    let inner = tbl(&[tr(&[tc("", &p("内1"))]), tr(&[tc("", &p("内2"))])]);
    let body = tbl(&[
        tr(&[tc("", &format!("{}{inner}", p("外1"))), tc("", &p("外1b"))]),
        tr(&[tc("", &p("外2"))]),
    ]);
    assert_eq!(
        rows(&body),
        [
            (1, cells(&["外1", "外1b"])),
            (2, cells(&["内1"])),
            (3, cells(&["内2"])),
            (4, cells(&["外2"])),
        ]
    );
}

#[test]
fn tabs_cut_a_paragraph_outside_tables_into_cells() {
    let body = "<w:p><w:r><w:tab/><w:t>单位名称：某局</w:t><w:tab/><w:tab/><w:t>金额单位：万元</w:t></w:r></w:p>";
    assert_eq!(
        rows(body),
        [(1, cells(&["单位名称：某局", "金额单位：万元"]))]
    );
}

#[test]
fn fallbacks_deleted_text_field_codes_and_old_properties_are_not_read() {
    let body = format!(
        r#"<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:t>框</w:t></mc:Choice><mc:Fallback><w:t>框</w:t></mc:Fallback></mc:AlternateContent></w:r><w:del><w:r><w:delText>删</w:delText></w:r></w:del><w:r><w:instrText>PAGE</w:instrText></w:r><w:r><w:t>&amp;&#x4E00;&lt;5</w:t></w:r></w:p>{}"#,
        tbl(&[tr(&[
            tc(
                r#"<w:gridSpan w:val="2"/><w:tcPrChange><w:tcPr><w:gridSpan w:val="5"/></w:tcPr></w:tcPrChange>"#,
                &p("x")
            ),
            tc("", &p("y"))
        ])])
    );
    assert_eq!(
        rows(&body),
        [(1, cells(&["框&一<5"])), (2, cells(&["x", "", "y"]))]
    );
}

#[test]
fn tables_nested_too_deep_are_refused_without_recursion() {
    let depth = 10_000;
    let open = "<w:tbl><w:tr><w:tc>".repeat(depth);
    let close = "</w:tc></w:tr></w:tbl>".repeat(depth);
    let xml = document(&format!("{open}<w:p/>{close}"));
    match read_body(&xml, 1_000_000) {
        Err(DocxError::TooDeep { depth, limit }) => {
            assert_eq!((depth, limit), (MAX_TABLE_DEPTH + 1, MAX_TABLE_DEPTH));
        }
        other => panic!("{:?}", other.map(|b| b.rows.len())),
    }
    // at the limit, read
    let open = "<w:tbl><w:tr><w:tc>".repeat(MAX_TABLE_DEPTH);
    let close = "</w:tc></w:tr></w:tbl>".repeat(MAX_TABLE_DEPTH);
    let xml = document(&format!("{open}{}{close}", p("底")));
    let body = read_body(&xml, 1_000_000).expect("readable");
    assert_eq!(body.rows.len(), 1);
    assert_eq!(body.rows[0].number, MAX_TABLE_DEPTH as u32);
}

#[test]
fn cells_are_counted_with_their_spans() {
    let row = tr(&[tc(r#"<w:gridSpan w:val="1000"/>"#, &p("x"))]);
    let xml = document(&tbl(&vec![row; 20]));
    assert!(read_body(&xml, 20_000).is_ok());
    assert!(matches!(
        read_body(&xml, 19_999),
        Err(DocxError::TooManyCells { limit: 19_999 })
    ));
}

#[test]
fn damaged_xml_is_corrupt() {
    let e = read_body("<w:document><w:body><w:p></w:tbl>", 100).err();
    assert!(matches!(e, Some(DocxError::Corrupt(_))), "{e:?}");
}

#[test]
fn a_package_is_read_through_its_main_part() {
    let xml = document(&p("财政项目支出绩效目标表"));
    let limits = DocxLimits::default();
    let doc =
        read_docx(&package(&[("word/document.xml", xml.as_bytes())]), &limits).expect("readable");
    assert_eq!(doc.rows.len(), 1);
    // a main part under another name, found through _rels/.rels
    let rels = br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document2.xml"/></Relationships>"#;
    let pkg = package(&[
        ("_rels/.rels", rels),
        ("word/document2.xml", xml.as_bytes()),
    ]);
    assert_eq!(read_docx(&pkg, &limits).expect("readable").rows.len(), 1);
    // UTF-16 with a BOM
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(xml.encode_utf16().flat_map(u16::to_le_bytes));
    let pkg = package(&[("word/document.xml", &utf16)]);
    assert_eq!(read_docx(&pkg, &limits).expect("readable").rows.len(), 1);
}

#[test]
fn damaged_encrypted_and_bomb_packages_are_refused() {
    let limits = DocxLimits::default();
    let code = |bytes: &[u8]| read_docx(bytes, &limits).err().map(|e| e.code());
    assert_eq!(code(b"PK\x03\x04 not a zip"), Some("corrupt"));
    assert_eq!(code(&package(&[("a.txt", b"x")])), Some("corrupt"));
    let xml = document(&p("x"));
    let whole = package(&[("word/document.xml", xml.as_bytes())]);
    assert_eq!(code(&whole[..whole.len() / 2]), Some("corrupt"));
    // an OLE2 container: encrypted when it holds an encrypted package
    let mut ole = OLE2_MAGIC.to_vec();
    ole.resize(512, 0);
    assert_eq!(code(&ole), Some("corrupt"));
    ole.extend(
        "EncryptedPackage\0"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    assert_eq!(code(&ole), Some("encrypted"));
    // 64 MiB of zeros: a ratio of about 1,000
    let zeros = vec![0u8; 64 << 20];
    let bomb = package(&[("word/document.xml", &zeros)]);
    let e = read_docx(&bomb, &limits).err();
    assert!(matches!(e, Some(DocxError::Ratio { .. })), "{e:?}");
    let small = DocxLimits {
        max_part_size: 1 << 20,
        ..limits
    };
    let e = read_docx(&bomb, &small).err();
    assert!(matches!(e, Some(DocxError::PartTooLarge { .. })), "{e:?}");
}
