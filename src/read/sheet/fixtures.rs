//! Hand-made workbooks for the sheet tests: minimal xlsx and ods files
//! built in memory, so a test states exactly the XML it is about.

use std::io::Write;

use super::{Sheet, SheetError, SheetFormat, SheetLimits, read_workbook};

pub(super) fn read(bytes: &[u8], format: SheetFormat) -> Result<Vec<Sheet>, SheetError> {
    read_workbook(bytes, format, &SheetLimits::default())
}

pub(super) const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
pub(super) const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

pub(super) fn zip(parts: &[(&str, &str)], method: zip::CompressionMethod) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, content) in parts {
        z.start_file(*name, options).unwrap();
        z.write_all(content.as_bytes()).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// A minimal xlsx: one worksheet per `(name, sheetData inner XML)`; an
/// inner XML of `None` makes a chart sheet. `extra` parts are added.
pub(super) fn xlsx(sheets: &[(&str, Option<&str>)], extra: &[(&str, &str)]) -> Vec<u8> {
    xlsx_with(sheets, extra, zip::CompressionMethod::Deflated)
}

pub(super) fn xlsx_with(
    sheets: &[(&str, Option<&str>)],
    extra: &[(&str, &str)],
    method: zip::CompressionMethod,
) -> Vec<u8> {
    xlsx_calc(sheets, extra, method, "")
}

/// [`xlsx_with`] whose workbook part holds `calc` after its sheets (a
/// `<calcPr …/>`).
pub(super) fn xlsx_calc(
    sheets: &[(&str, Option<&str>)],
    extra: &[(&str, &str)],
    method: zip::CompressionMethod,
    calc: &str,
) -> Vec<u8> {
    let mut parts: Vec<(String, String)> = vec![
        (
            "[Content_Types].xml".into(),
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#.into(),
        ),
        (
            "_rels/.rels".into(),
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ),
    ];
    let (mut list, mut rels) = (String::new(), String::new());
    for (i, (name, data)) in sheets.iter().enumerate() {
        let n = i + 1;
        list += &format!(r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#);
        let kind = if data.is_some() {
            "worksheet"
        } else {
            "chartsheet"
        };
        rels += &format!(
            r#"<Relationship Id="rId{n}" Type="{REL}/{kind}" Target="worksheets/sheet{n}.xml"/>"#
        );
        if let Some(data) = data {
            parts.push((
                format!("xl/worksheets/sheet{n}.xml"),
                format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>{data}</sheetData></worksheet>"#),
            ));
        }
    }
    parts.push((
        "xl/workbook.xml".into(),
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>{list}</sheets>{calc}</workbook>"#),
    ));
    parts.push((
        "xl/_rels/workbook.xml.rels".into(),
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#),
    ));
    for (name, content) in extra {
        parts.push((name.to_string(), content.to_string()));
    }
    let parts: Vec<(&str, &str)> = parts
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    zip(&parts, method)
}

pub(super) fn inline(r: &str, text: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>"#)
}

pub(super) fn ods(table: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="表">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
    z.start_file("content.xml", deflated).unwrap();
    z.write_all(content.as_bytes()).unwrap();
    z.start_file("META-INF/manifest.xml", deflated).unwrap();
    z.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    z.finish().unwrap().into_inner()
}
