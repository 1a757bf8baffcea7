//! PDF documents with a text layer → rows of cells.
//!
//! Department budget disclosures are published mostly as PDF, with the
//! 绩效目标表 as appendix pages. This reader rebuilds their tables from what
//! a page draws, and hands the pipeline the same [`Row`]s as every other
//! reader:
//!
//! 1. [`document`] opens the file with lopdf (objects, cross-reference
//!    data, decryption with the empty password) and holds the budgets:
//!    `--max-pages`, per-stream and per-document decompression caps.
//! 2. [`interp`] runs each page's content stream ([`lexer`]) and returns
//!    positioned glyphs, decoded by [`font`] and [`cmap`], and the
//!    horizontal and vertical ruling lines.
//! 3. [`grid`] rebuilds the cells of each ruled table from the lines (the
//!    pdfplumber method); [`layout`] puts each glyph in the cell that holds
//!    its centre, joins wrapped lines, and reads pages without ruling lines
//!    by text alignment. Text outside tables (titles, the year line, prose
//!    pages) becomes one-cell rows, so a budget whose 绩效目标表 follows
//!    twenty pages of prose still gives its projects.
//!
//! The document is one [`Table`] whose rows are numbered 1, 2, … across
//! pages in reading order (rows of tables and lines outside them alike, as
//! the HTML reader counts them), with `pages` telling the page of each
//! row. A table that continues on the next page continues the same run of
//! rows; when the continuation starts with the header row the table began
//! with (Chromium and Word repeat `<thead>` / header rows), that row is not
//! repeated. A row broken by the page break goes on in the row it
//! continues: when the table was drawn open at the break (no bottom border
//! on the first page and no top border on the next: Chromium), or when the
//! fragment's first cell is empty and its text lies only in columns where
//! the last row's text reached the cell's right edge.
//!
//! Not read: pages without a text layer. A document whose pages have no
//! text at all is a scan (`needs_ocr`).

use std::borrow::Cow;

use super::{Limits, ReadError, Reader, Row, Scratch, Tables};

pub mod cmap;
pub mod document;
pub mod font;
pub mod grid;
pub mod interp;
pub mod layout;
pub mod lexer;

use layout::Item;

/// Per-document caps of the PDF reader.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct PdfLimits {
    /// Pages a document may have (`--max-pages`).
    pub max_pages: usize,
    /// Characters a document may show (`--max-cells`: each is at most a
    /// cell's worth of work).
    pub max_glyphs: usize,
}

impl Default for PdfLimits {
    fn default() -> PdfLimits {
        PdfLimits {
            max_pages: 2_000,
            max_glyphs: 5_000_000,
        }
    }
}

/// Why a PDF could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    #[error("the PDF is encrypted and does not open without a password")]
    Encrypted,
    #[error("damaged PDF: {0}")]
    Corrupt(String),
    #[error("damaged PDF: a reference loop ({0})")]
    Loop(String),
    #[error(
        "no text layer: the {pages} page(s) hold no text ({images} image(s)); a scan needs OCR first"
    )]
    NeedsOcr { pages: usize, images: usize },
    #[error("the PDF has {pages} pages, over the limit of {limit} (--max-pages)")]
    TooManyPages { pages: usize, limit: usize },
    #[error(
        "a stream decompresses to more than {limit} bytes (the per-stream and per-document caps): refused as a likely bomb"
    )]
    StreamTooLarge { limit: usize },
    #[error("the PDF shows more characters than the limit (--max-cells)")]
    TooManyGlyphs,
    #[error("a content stream or form nests deeper than the reader follows")]
    TooDeep,
}

impl PdfError {
    /// The errors file's code.
    pub fn code(&self) -> &'static str {
        match self {
            PdfError::Encrypted => "encrypted",
            PdfError::Corrupt(_) | PdfError::Loop(_) => "corrupt",
            PdfError::NeedsOcr { .. } => "needs_ocr",
            PdfError::TooManyPages { .. }
            | PdfError::StreamTooLarge { .. }
            | PdfError::TooManyGlyphs => "too_large",
            PdfError::TooDeep => "too_deep",
        }
    }
}

/// A PDF read into rows.
#[derive(Debug)]
pub struct PdfDoc {
    pub rows: Vec<Row<'static>>,
    /// `(first row number, 1-based page)` per page that holds a row.
    pub pages: Vec<(u32, u32)>,
    /// Some characters could not be mapped to Unicode (written as U+FFFD).
    pub replaced: bool,
}

/// The PDF reader (see the module doc).
#[derive(Debug, Clone, Copy)]
pub struct PdfReader;

impl Reader for PdfReader {
    fn read<'a>(
        &self,
        bytes: &'a [u8],
        limits: &Limits,
        _: &'a mut Scratch<'a>,
    ) -> Result<Tables<'a>, ReadError> {
        let doc = read_pdf(bytes, &limits.pdf)?;
        Ok(Tables::single(doc.rows, doc.pages, None, doc.replaced))
    }
}

/// The last table of the previous page, to tell a continuation.
struct Open {
    header: Vec<String>,
    cols: Vec<f32>,
    /// It reached the bottom part of its page.
    at_bottom: bool,
    /// Which cells of its last row end at their right edge.
    tail_full: Vec<bool>,
    /// Its bottom border was not drawn (the page break cut a row).
    open_bottom: bool,
}

/// Appends a fragment's cells to the row it continues (a row broken by
/// the page break), joined as wrapped lines are.
fn continue_row(row: &mut Row<'static>, fragment: Vec<String>) {
    for (c, text) in fragment.into_iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        if row.cells.len() <= c {
            row.cells.resize(c + 1, Cow::Borrowed(""));
        }
        let cell = row.cells[c].to_mut();
        if cell.ends_with(|c: char| c.is_ascii_alphanumeric())
            && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        {
            cell.push(' ');
        }
        cell.push_str(&text);
    }
}

/// Reads every page of a PDF into rows.
pub fn read_pdf(bytes: &[u8], limits: &PdfLimits) -> Result<PdfDoc, PdfError> {
    let pdf = document::open(bytes, limits.max_pages)?;
    let doc = &pdf.doc;
    let mut cx = interp::Context::new(doc, limits.max_glyphs);
    let mut out = PdfDoc {
        rows: Vec::new(),
        pages: Vec::new(),
        replaced: false,
    };
    let (mut glyphs, mut images) = (0usize, 0usize);
    let mut number = 0u32;
    let mut open: Option<Open> = None;
    for (p, &page) in pdf.pages.iter().enumerate() {
        let page_box = document::page_box(doc, page);
        let content = document::page_content(doc, page, &mut cx.budget)?;
        let (inline, ids) = doc
            .get_page_resources(page)
            .map_err(|e| PdfError::Loop(e.to_string()))?;
        let mut resources: Vec<&lopdf::Dictionary> = inline.into_iter().collect();
        resources.extend(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
        let rotate = document::page_rotation(doc, page);
        let items = interp::run_page(&mut cx, &content, &resources, page_box, rotate)?;
        glyphs += items.glyphs.len();
        images += items.images;
        out.replaced |= items.unmapped > 0;
        let grids = grid::grids(&items.edges);
        let page_items = layout::page_items(&items.glyphs, &grids);
        let height = if rotate % 180 == 90 {
            page_box.2 - page_box.0
        } else {
            page_box.3 - page_box.1
        };
        let first_on_page = number + 1;
        let mut first_item = true;
        for item in page_items {
            let continues = first_item && open.is_some();
            first_item = false;
            match item {
                Item::Line { text, .. } => {
                    open = None;
                    number += 1;
                    if let Some(row) = Row::new(number, [Cow::Owned(text)]) {
                        out.rows.push(row);
                    }
                }
                Item::Table {
                    rows,
                    cols,
                    tail_full,
                    open_top,
                    open_bottom,
                    top: _,
                    bottom,
                } => {
                    let mut rows = rows.into_iter().peekable();
                    let header = rows.peek().cloned().unwrap_or_default();
                    let continued = open
                        .as_ref()
                        .filter(|o| continues && o.at_bottom && same_columns(&o.cols, &cols));
                    if let Some(o) = continued {
                        if o.header == header
                            && header.iter().filter(|c| !c.is_empty()).count() >= 2
                        {
                            rows.next();
                        }
                        // a row broken by the page break: drawn open at the
                        // break (Chromium), or (borders drawn at the break,
                        // as Word does) its first cell empty and its text
                        // only where the last row's reached the right edge
                        let fragment = (o.open_bottom && open_top)
                            || rows.peek().is_some_and(|first| {
                                first.first().is_some_and(String::is_empty)
                                    && first.iter().enumerate().all(|(c, t)| {
                                        t.is_empty() || o.tail_full.get(c).copied().unwrap_or(false)
                                    })
                            });
                        if fragment
                            && let (Some(first), Some(last)) = (rows.next(), out.rows.last_mut())
                        {
                            continue_row(last, first);
                        }
                    }
                    for cells in rows {
                        number += 1;
                        if let Some(row) = Row::new(number, cells.into_iter().map(Cow::Owned)) {
                            out.rows.push(row);
                        }
                    }
                    let keep_header = open
                        .as_ref()
                        .filter(|o| continues && same_columns(&o.cols, &cols))
                        .map(|o| o.header.clone());
                    open = (!cols.is_empty()).then(|| Open {
                        header: keep_header.unwrap_or(header),
                        cols,
                        at_bottom: bottom > height * 0.75,
                        tail_full,
                        open_bottom,
                    });
                }
            }
        }
        if number >= first_on_page {
            out.pages.push((first_on_page, p as u32 + 1));
        }
    }
    if glyphs == 0 {
        return Err(PdfError::NeedsOcr {
            pages: pdf.pages.len(),
            images,
        });
    }
    Ok(out)
}

/// Two tables have the same column boundaries (within 2 points).
fn same_columns(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-page PDF drawing `content` with font `/F1` = `font`.
    fn pdf(content: &str, font: &str) -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".into(),
            format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
            font.into(),
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(b"xref\n0 6\n0000000000 65535 f \n");
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
        );
        out
    }

    const HELVETICA: &str = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

    #[test]
    fn unmapped_codes_are_flagged_not_guessed() {
        let font = "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H /DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 /BaseFont /X >>] >>";
        let doc = read_pdf(
            &pdf("BT /F1 10 Tf 50 800 Td <00410042> Tj ET", font),
            &PdfLimits::default(),
        )
        .unwrap();
        assert!(doc.replaced);
        assert_eq!(doc.rows[0].cells[0], "\u{FFFD}\u{FFFD}");
    }

    #[test]
    fn text_lines_are_rows_with_their_page() {
        let doc = read_pdf(
            &pdf(
                "BT /F1 10 Tf 50 800 Td (Title) Tj 0 -20 Td (Second line) Tj ET",
                HELVETICA,
            ),
            &PdfLimits::default(),
        )
        .unwrap();
        let rows: Vec<_> = doc.rows.iter().map(|r| (r.number, r.cell(0))).collect();
        assert_eq!(rows, [(1, "Title"), (2, "Second line")]);
        assert_eq!(doc.pages, [(1, 1)]);
        assert!(!doc.replaced);
    }

    #[test]
    fn a_page_without_text_needs_ocr_and_pages_are_capped() {
        let blank = pdf("0 0 100 100 re f", HELVETICA);
        assert_eq!(
            read_pdf(&blank, &PdfLimits::default())
                .err()
                .map(|e| e.code()),
            Some("needs_ocr")
        );
        let limits = PdfLimits {
            max_pages: 0,
            ..PdfLimits::default()
        };
        let text = pdf("BT /F1 10 Tf 50 800 Td (x) Tj ET", HELVETICA);
        assert_eq!(
            read_pdf(&text, &limits).err().map(|e| e.code()),
            Some("too_large")
        );
        let cut = &text[..text.len() - 20];
        assert_eq!(
            read_pdf(cut, &PdfLimits::default()).err().map(|e| e.code()),
            Some("corrupt")
        );
    }
}
