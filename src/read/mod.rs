//! The reader stage: one document's bytes → its tables of rows of cells.
//!
//! Every input format (tab-separated text, HTML pages, xlsx, xls, xlsb
//! and ods workbooks) is turned into the same plain data, [`Tables`] of
//! non-empty [`Row`]s that remember where they came from, so splitting,
//! field extraction and the indicator table are written once.
//!
//! One module per format, each behind the one [`Reader`] trait (as
//! calamine keeps one module per workbook format behind its own); the
//! format a document is read as is mapped to its reader in one place,
//! [`reader_for`], and [`read`] runs it and the clean stage ([`clean`]:
//! HTML fragments in cells → plain text). Each reader has its own error
//! type; [`ReadError`] gathers them for the caller.

use std::borrow::Cow;

use crate::decode::DecodeError;
use crate::source::Format;
use docx::{DocxError, DocxLimits};
use html::{HtmlError, HtmlLimits};
use pdf::{PdfError, PdfLimits};
use sheet::{SheetError, SheetFormat, SheetLimits};

pub mod clean;
pub mod docx;
mod formatting;
pub mod html;
pub mod pdf;
pub mod sheet;
pub mod text;

/// Reads one format: a document's bytes in, its tables out.
///
/// Rows may borrow from `bytes` or from text the reader decoded, which it
/// leaves in `scratch` (the caller owns it, so no row is copied).
pub trait Reader: Sync {
    fn read<'a>(
        &self,
        bytes: &'a [u8],
        limits: &Limits,
        scratch: &'a mut Scratch<'a>,
    ) -> Result<Tables<'a>, ReadError>;
}

/// The reader for documents in `format`. A zip archive is no document
/// (the pipeline opens archives, one level deep, before reading).
pub fn reader_for(format: Format) -> Result<Box<dyn Reader>, ReadError> {
    match format {
        Format::Text => Ok(Box::new(text::TextReader)),
        Format::Html => Ok(Box::new(html::HtmlReader)),
        Format::Docx => Ok(Box::new(docx::DocxReader)),
        Format::Doc => Err(ReadError::UnsupportedFormat(
            "a binary Word or WPS text document (.doc, .wps) is not read: save it as .docx".into(),
        )),
        Format::Pdf => Ok(Box::new(pdf::PdfReader)),
        Format::Zip => Err(ReadError::Unsupported(
            "a zip archive where a document was expected (archives are opened one level deep)"
                .into(),
        )),
        workbook => Ok(Box::new(SheetFormat::try_from(workbook)?)),
    }
}

/// Reads a document as `format` into tables whose rows have been cleaned
/// (the clean stage has run).
pub fn read<'a>(
    format: Format,
    bytes: &'a [u8],
    limits: &Limits,
    scratch: &'a mut Scratch<'a>,
) -> Result<Tables<'a>, ReadError> {
    let mut tables = reader_for(format)?.read(bytes, limits, scratch)?;
    for table in &mut tables.tables {
        // `&#0;` and other invalid references clean to U+FFFD: the text
        // lost characters as surely as a malformed byte would lose them.
        tables.replaced |= clean_rows(&mut table.rows);
    }
    Ok(tables)
}

/// The clean stage, applied to every cell of a table: HTML fragments →
/// plain text ([`clean::clean_text`]). Rows that clean down to nothing
/// (`&nbsp;`) are dropped. Returns whether cleaning replaced anything by
/// U+FFFD (a character reference to NUL or to no character).
pub fn clean_rows(rows: &mut Vec<Row<'_>>) -> bool {
    let mut replaced = false;
    for row in rows.iter_mut() {
        for cell in row.cells.iter_mut() {
            let replacement = match clean::clean_text(cell) {
                Cow::Borrowed(s) if s.len() == cell.len() => None,
                other => Some(other.into_owned()),
            };
            if let Some(s) = replacement {
                replaced |= s.contains('\u{FFFD}') && !cell.contains('\u{FFFD}');
                *cell = Cow::Owned(s);
            }
        }
    }
    rows.retain(|r| r.non_empty().next().is_some());
    replaced
}

/// Where a reader keeps the text it decoded, for its rows to borrow.
#[derive(Debug, Default)]
pub struct Scratch<'b> {
    text: Option<Cow<'b, str>>,
}

impl<'b> Scratch<'b> {
    /// Keeps `text` and lends it back for as long as the scratch is lent.
    pub fn keep(&mut self, text: Cow<'b, str>) -> &str {
        self.text.insert(text)
    }
}

/// Per-document caps on what a document may make the run build: the
/// readers' (cells, depth) and the records it may give.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    pub sheet: SheetLimits,
    pub html: HtmlLimits,
    /// Word documents' caps (missing from a worker hello of an older
    /// build: the defaults).
    #[serde(default)]
    pub docx: DocxLimits,
    pub pdf: PdfLimits,
    /// Projects (records) one document may give (`--max-projects`): a
    /// 64 MB text of 2.6 M one-line projects is an error line, not a
    /// record set of gigabytes.
    pub max_projects: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            sheet: SheetLimits::default(),
            html: HtmlLimits::default(),
            docx: DocxLimits::default(),
            pdf: PdfLimits::default(),
            max_projects: 10_000,
        }
    }
}

/// One table of a document: a whole text file, HTML page or Word
/// document, or one sheet.
pub struct Table<'a> {
    pub sheet: Option<String>,
    pub rows: Vec<Row<'a>>,
    /// For paginated documents (PDF): `(first row number, 1-based page)`
    /// for each page that holds a row, in row order, so a project can name
    /// the page it starts on (`source.page`). Empty for other formats.
    pub pages: Vec<(u32, u32)>,
}

impl Table<'_> {
    /// The 1-based page on which row `number` lies, for paginated formats.
    pub fn page_of(&self, number: u32) -> Option<u32> {
        let i = self.pages.partition_point(|&(first, _)| first <= number);
        i.checked_sub(1).map(|i| self.pages[i].1)
    }
}

/// A document read into tables, with how it was decoded.
pub struct Tables<'a> {
    pub tables: Vec<Table<'a>>,
    /// WHATWG name of the encoding; `None` for spreadsheets.
    pub encoding: Option<&'static str>,
    /// Malformed bytes were replaced while decoding.
    pub replaced: bool,
    /// Lines decoded as UTF-8 in a file otherwise in `encoding` (0: none).
    pub utf8_lines: usize,
}

impl<'a> Tables<'a> {
    /// A document read as one table (a text file, a web page, a Word or
    /// PDF document): its rows, the pages they lie on (PDF), how it was
    /// decoded.
    pub fn single(
        rows: Vec<Row<'a>>,
        pages: Vec<(u32, u32)>,
        encoding: Option<&'static str>,
        replaced: bool,
    ) -> Tables<'a> {
        Tables {
            tables: vec![Table {
                sheet: None,
                rows,
                pages,
            }],
            encoding,
            replaced,
            utf8_lines: 0,
        }
    }
}

/// Why a document could not be read: its reader's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    #[error("{0}")]
    Decode(#[from] DecodeError),
    #[error("{0}")]
    Html(#[from] HtmlError),
    #[error("{0}")]
    Sheet(#[from] SheetError),
    #[error("{0}")]
    Docx(#[from] DocxError),
    #[error("{0}")]
    Pdf(#[from] PdfError),
    /// A format no reader reads (the message says which and why).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A document format jixiao knows and does not read (`.doc`, `.wps`).
    #[error("unsupported format: {0}")]
    UnsupportedFormat(String),
}

/// One non-empty row of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    /// 1-based line (text), row (sheet) or table row (HTML) number.
    pub number: u32,
    /// Trimmed cells, trailing empty cells dropped; inner empty cells kept
    /// so that columns line up.
    pub cells: Vec<Cow<'a, str>>,
}

impl<'a> Row<'a> {
    /// Builds a row from raw cells: trims them and drops trailing empties.
    /// Returns `None` when every cell is empty.
    pub fn new<I>(number: u32, cells: I) -> Option<Row<'a>>
    where
        I: IntoIterator<Item = Cow<'a, str>>,
    {
        let mut cells: Vec<Cow<'a, str>> = cells.into_iter().map(trim_cow).collect();
        while cells.last().is_some_and(|c| c.is_empty()) {
            cells.pop();
        }
        (!cells.is_empty()).then_some(Row { number, cells })
    }

    /// The cell at `i`, or `""` past the end.
    pub fn cell(&self, i: usize) -> &str {
        self.cells.get(i).map_or("", |c| c.as_ref())
    }

    /// The non-empty cells with their column index.
    pub fn non_empty(&self) -> impl Iterator<Item = (usize, &str)> {
        self.cells
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_empty())
            .map(|(i, c)| (i, c.as_ref()))
    }

    /// The only non-empty cell of the row, if there is exactly one.
    pub fn sole_cell(&self) -> Option<&str> {
        let mut it = self.non_empty();
        match (it.next(), it.next()) {
            (Some((_, c)), None) => Some(c),
            _ => None,
        }
    }
}

/// `s.trim()`, answered from the first and last bytes when they cannot
/// belong to a whitespace character (most cells: CJK or ASCII text).
pub(crate) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&first), Some(&last)) if !may_start_space(first) && !may_end_space(last) => s,
        _ => s.trim(),
    }
}

/// Can `b` be the first byte of a whitespace character? ASCII
/// whitespace, or the lead byte of U+0085 and U+00A0 (C2), U+1680 (E1),
/// U+2000–U+205F (E2), U+3000 (E3).
fn may_start_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ' | 0xC2 | 0xE1 | 0xE2 | 0xE3)
}

/// Can `b` be the last byte of a whitespace character? ASCII whitespace,
/// or the last byte of one of the multi-byte ones: U+0085 (85), U+00A0
/// (A0), U+1680 and U+3000 (80), U+2000–U+200A (80–8A), U+2028 (A8),
/// U+2029 (A9), U+202F (AF), U+205F (9F).
fn may_end_space(b: u8) -> bool {
    matches!(
        b,
        b'\t'..=b'\r' | b' ' | 0x80..=0x8A | 0x9F | 0xA0 | 0xA8 | 0xA9 | 0xAF
    )
}

fn trim_cow(c: Cow<'_, str>) -> Cow<'_, str> {
    match c {
        Cow::Borrowed(s) => Cow::Borrowed(trim(s)),
        Cow::Owned(s) => {
            let t = trim(&s);
            if t.len() == s.len() {
                Cow::Owned(s)
            } else {
                Cow::Owned(t.to_string())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_trim_agrees_with_trim() {
        let spaces = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace());
        for ws in spaces {
            for s in [
                format!("{ws}"),
                format!("{ws}项目"),
                format!("项目{ws}"),
                format!("a{ws}b"),
                format!("{ws}a{ws}"),
            ] {
                assert_eq!(trim(&s), s.trim(), "{s:?}");
            }
        }
        for s in [
            "",
            "项目名称",
            "abc",
            "\u{2010}\u{300a}x\u{1681}",
            "a\u{a1}",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn every_document_format_has_a_reader_and_an_archive_has_none() {
        let seed = include_bytes!("../../tests/fixtures/seed/seed.utf8.txt");
        let mut scratch = Scratch::default();
        let tables = read(Format::Text, seed, &Limits::default(), &mut scratch).unwrap();
        assert_eq!(tables.tables.len(), 1);
        assert_eq!(tables.encoding, Some("UTF-8"));
        for format in [
            Format::Html,
            Format::Docx,
            Format::Pdf,
            Format::Xlsx,
            Format::Xls,
            Format::Xlsb,
            Format::Ods,
        ] {
            assert!(reader_for(format).is_ok(), "{format:?}");
        }
        assert!(matches!(
            reader_for(Format::Zip).err(),
            Some(ReadError::Unsupported(_))
        ));
        assert!(matches!(
            reader_for(Format::Doc).err(),
            Some(ReadError::UnsupportedFormat(_))
        ));
        assert!(SheetFormat::try_from(Format::Html).is_err());
        assert_eq!(
            SheetFormat::try_from(Format::Xlsb).ok(),
            Some(SheetFormat::Xlsb)
        );
    }
}
