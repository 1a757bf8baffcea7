//! One document, start to finish: bytes → records.
//!
//! This is the composition of the pure stages (decode → rows → clean →
//! split → fields/indicators) for a single document, with no I/O, so it
//! can be called by the pipeline, by tests, and later for zip members alike.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use crate::clean::clean_text;
use crate::decode::decode;
use crate::error::DocError;
use crate::fields;
use crate::input::Format;
use crate::read::html::{self, HtmlLimits};
use crate::read::sheet::{self, SheetFormat, SheetLimits};
use crate::read::{Row, text};
use crate::record::{Record, SCHEMA_VERSION, Source, Warning};
use crate::split::split;

/// Where a document came from, as written in `source`.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub path: &'a str,
    pub member: Option<&'a str>,
    pub format: Format,
}

/// Per-document caps on the readers that could be made to allocate or
/// recurse without bound.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    pub sheet: SheetLimits,
    pub html: HtmlLimits,
}

/// Lowercase hex sha256 of the raw bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest.iter() {
        s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        s.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
    }
    s
}

/// One table of a document: a whole text file or HTML page, or one sheet.
struct Table<'a> {
    sheet: Option<String>,
    rows: Vec<Row<'a>>,
}

/// Extracts every project of a document. `origin.format` is the format
/// to read it as (already corrected by sniffing).
pub fn extract(origin: Origin<'_>, bytes: &[u8], limits: &Limits) -> Result<Vec<Record>, DocError> {
    let sha256 = sha256_hex(bytes);
    let decoded;
    let (tables, encoding, replaced) = match origin.format {
        Format::Text => {
            decoded = decode(bytes)?;
            let rows = text::read_rows(&decoded.text);
            (
                vec![Table { sheet: None, rows }],
                Some(decoded.name),
                decoded.replaced,
            )
        }
        Format::Html => {
            let page = html::read_html(bytes, &limits.html)?;
            (
                vec![Table {
                    sheet: None,
                    rows: page.rows,
                }],
                Some(page.encoding),
                page.replaced,
            )
        }
        Format::Xlsx | Format::Xls | Format::Xlsb | Format::Ods => {
            let format = match origin.format {
                Format::Xlsx => SheetFormat::Xlsx,
                Format::Xls => SheetFormat::Xls,
                Format::Xlsb => SheetFormat::Xlsb,
                _ => SheetFormat::Ods,
            };
            let sheets = sheet::read_workbook(bytes, format, &limits.sheet)?;
            let tables = sheets
                .into_iter()
                .map(|s| Table {
                    sheet: Some(s.name),
                    rows: s.rows,
                })
                .collect();
            (tables, None, false)
        }
        Format::Zip => {
            return Err(DocError::Unsupported(
                "a zip archive where a document was expected (archives are opened one level deep)"
                    .into(),
            ));
        }
    };
    let id_prefix = &sha256[..16];
    let mut records = Vec::new();
    for mut table in tables {
        clean_rows(&mut table.rows);
        // A sheet without a table is skipped; a workbook without any is
        // an error (below).
        for block in split(&table.rows) {
            let index = records.len();
            let mut project = fields::extract(&table.rows, &block);
            if replaced {
                project.warnings.insert(
                    0,
                    Warning::new(
                        "decode_replaced",
                        format!(
                            "the document is not valid {}: malformed bytes or NUL characters were replaced or removed",
                            encoding.unwrap_or("text")
                        ),
                    ),
                );
            }
            records.push(Record {
                schema_version: SCHEMA_VERSION,
                record_id: format!("{id_prefix}-{index}"),
                source: Source {
                    path: origin.path.to_string(),
                    member: origin.member.map(str::to_string),
                    sha256: sha256.clone(),
                    format: origin.format.name(),
                    encoding,
                    sheet: table.sheet.clone(),
                    index,
                    first_row: table.rows[block.anchor].number,
                    last_row: table.rows[block.rows.end - 1].number,
                },
                project,
            });
        }
    }
    if records.is_empty() {
        return Err(DocError::NoProjects);
    }
    Ok(records)
}

/// The clean stage, applied to every cell: HTML fragments → plain text.
/// Rows that clean down to nothing (`&nbsp;`) are dropped.
pub fn clean_rows(rows: &mut Vec<Row<'_>>) {
    for row in rows.iter_mut() {
        for cell in row.cells.iter_mut() {
            let replacement = match clean_text(cell) {
                Cow::Borrowed(s) if s.len() == cell.len() => None,
                other => Some(other.into_owned()),
            };
            if let Some(s) = replacement {
                *cell = Cow::Owned(s);
            }
        }
    }
    rows.retain(|r| r.non_empty().next().is_some());
}
