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

/// Extracts every project of a document.
pub fn extract(origin: Origin<'_>, bytes: &[u8]) -> Result<Vec<Record>, DocError> {
    let sha256 = sha256_hex(bytes);
    let decoded = decode(bytes)?;
    let mut rows = text::read_rows(&decoded.text);
    clean_rows(&mut rows);
    let blocks = split(&rows);
    if blocks.is_empty() {
        return Err(DocError::NoProjects);
    }
    let id_prefix = &sha256[..16];
    let records = blocks
        .iter()
        .enumerate()
        .map(|(index, block)| {
            let mut project = fields::extract(&rows, block);
            if decoded.replaced {
                project.warnings.insert(
                    0,
                    Warning::new(
                        "decode_replaced",
                        format!(
                            "the document is not valid {}: malformed bytes or NUL characters were replaced or removed",
                            decoded.name
                        ),
                    ),
                );
            }
            Record {
                schema_version: SCHEMA_VERSION,
                record_id: format!("{id_prefix}-{index}"),
                source: Source {
                    path: origin.path.to_string(),
                    member: origin.member.map(str::to_string),
                    sha256: sha256.clone(),
                    format: origin.format.name(),
                    encoding: Some(decoded.name),
                    sheet: None,
                    index,
                    first_row: rows[block.anchor].number,
                    last_row: rows[block.rows.end - 1].number,
                },
                project,
            }
        })
        .collect();
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
