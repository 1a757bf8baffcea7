//! `word/document.xml` → rows, in one pass over the XML events.
//!
//! The walk never recurses: open tables are a stack of [`Level`]s, each
//! with its open row and cell, so the depth of the document costs heap,
//! not call stack, and tables nested deeper than [`MAX_TABLE_DEPTH`] are
//! refused as soon as one opens. Elements are matched by their local name
//! (`w:tbl`, or any prefix a writer chose for the WordprocessingML
//! namespace).
//!
//! What becomes of each element (the module doc of `read::docx` says why):
//!
//! * `w:tr` is a row, numbered when it opens; `w:tc` a cell. A cell's
//!   `w:gridSpan` makes it N grid columns wide (the N − 1 columns after it
//!   are empty), a row's `w:gridBefore` leaves its first N columns empty,
//!   and a `w:vMerge` continuation cell is empty whatever it holds.
//! * In a cell, paragraphs are joined with `\n`; `w:br`/`w:cr` are `\n`,
//!   `w:tab` a space, `w:noBreakHyphen` `-`.
//! * A paragraph outside any table is a row of its own when it holds text,
//!   cut into cells at its `w:tab`s (empty pieces dropped), as a line of a
//!   tab-separated export is: `单位名称：某局<tab>金额单位：万元` gives two
//!   cells.
//! * A nested table's rows follow the row of the table that holds it (its
//!   numbers are taken after that row's), as in the HTML reader.
//! * `mc:Fallback` (the VML copy of a drawing whose `mc:Choice` is read) is
//!   skipped, so a text box is read once, and so are `w:moveFrom` (text
//!   moved elsewhere, read there) and the old properties of tracked
//!   changes (`w:tcPrChange`, ...); `w:delText` and `w:instrText` (deleted
//!   text, field codes) are not text.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::DocxError;
use crate::read::Row;

/// Tables nested deeper than this are refused (`too_deep`). Word's own
/// user interface makes a table inside a table cell; forms nest two or
/// three deep, and no real document comes near this.
pub const MAX_TABLE_DEPTH: usize = 64;
/// Elements whose content is skipped: the VML copy of a drawing
/// (`mc:Fallback`), text moved away (`w:moveFrom`, read where it moved
/// to), and the previous properties a tracked change keeps (an old
/// `w:gridSpan` must not widen today's cell).
const SKIP: &[&str] = &[
    "Fallback",
    "moveFrom",
    "tcPrChange",
    "trPrChange",
    "tblPrChange",
    "tblPrExChange",
    "tblGridChange",
    "pPrChange",
    "rPrChange",
    "sectPrChange",
];
/// The widest `gridSpan`/`gridBefore` honoured (Word's limit on a table's
/// columns is 63); a larger one is clamped, so `w:val="999999999"`
/// cannot make a billion cells.
const MAX_SPAN: usize = 1_000;

/// The rows of a document, and whether reading it replaced anything
/// (an unknown entity or an invalid character reference).
pub struct Body {
    pub rows: Vec<Row<'static>>,
    pub replaced: bool,
}

/// Reads the rows of a `document.xml` (as text), spending at most
/// `max_cells` cells (the empty ones a span stands for included).
pub fn read_body(xml: &str, max_cells: u64) -> Result<Body, DocxError> {
    let mut reader = Reader::from_str(xml);
    let mut walk = Walk {
        cells_left: max_cells,
        max_cells,
        ..Walk::default()
    };
    loop {
        let event = reader.read_event().map_err(|e| {
            DocxError::Corrupt(format!(
                "word/document.xml is not well-formed XML at byte {}: {e}",
                reader.error_position()
            ))
        })?;
        match event {
            Event::Start(e) => walk.start(&e, false)?,
            Event::Empty(e) => walk.start(&e, true)?,
            Event::End(e) => walk.end(e.local_name().into_inner())?,
            Event::Text(t) if walk.in_text() => walk.push_text(&t.xml10_content()),
            Event::CData(t) if walk.in_text() => walk.push_text(&t.xml10_content()),
            Event::GeneralRef(r) if walk.in_text() => walk.push_ref(&r),
            Event::Eof => break,
            _ => {}
        }
    }
    walk.finish()?;
    Ok(Body {
        rows: walk.rows,
        replaced: walk.replaced,
    })
}

/// One open table: its open row (number, cells so far, and whether the
/// row's properties are being read), its open cell, and the rows of the
/// tables nested in the open row, to follow it.
#[derive(Default)]
struct Level {
    row: Option<OpenRow>,
    after: Vec<Row<'static>>,
}

struct OpenRow {
    number: u32,
    cells: Vec<Cow<'static, str>>,
    cell: Option<OpenCell>,
}

#[derive(Default)]
struct OpenCell {
    text: String,
    /// Grid columns the cell covers (`w:gridSpan`).
    span: usize,
    /// A `w:vMerge` continuation: empty, whatever it holds.
    continued: bool,
}

#[derive(Default)]
struct Walk {
    rows: Vec<Row<'static>>,
    number: u32,
    tables: Vec<Level>,
    /// The paragraph outside tables being read, cut at tabs.
    para: Vec<String>,
    /// Paragraphs open (a text box's paragraphs sit inside another one).
    para_depth: usize,
    /// Inside a `w:t` (or `w:instrText`-like element whose text is not
    /// read: then `false`).
    text: bool,
    /// Element depth, and the depth of an element being skipped ([`SKIP`]).
    depth: usize,
    skip_from: Option<usize>,
    cells_left: u64,
    max_cells: u64,
    replaced: bool,
}

impl Walk {
    fn in_text(&self) -> bool {
        self.text && self.skip_from.is_none()
    }

    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), DocxError> {
        if !empty {
            self.depth += 1;
        }
        if self.skip_from.is_some() {
            return Ok(());
        }
        let local = e.local_name();
        match local.into_inner() {
            name if !empty && SKIP.contains(&name) => self.skip_from = Some(self.depth),
            "t" if !empty => self.text = true,
            "tbl" if !empty => self.open_table()?,
            "tr" if !empty => self.open_row(),
            "tc" if !empty => self.open_cell(),
            "p" if !empty => self.para_depth += 1,
            "tab" => self.push_str(" ", true),
            "br" | "cr" => self.push_str("\n", false),
            "noBreakHyphen" => self.push_str("-", false),
            "gridSpan" => {
                let n = span(e, 1);
                if let Some(cell) = self.cell() {
                    cell.span = n;
                }
            }
            "vMerge" => {
                let continued = !matches!(val(e).as_deref(), Some("restart"));
                if let Some(cell) = self.cell() {
                    cell.continued = continued;
                }
            }
            "gridBefore" => {
                let n = span(e, 0);
                let in_row_props = self
                    .tables
                    .last()
                    .and_then(|l| l.row.as_ref())
                    .is_some_and(|r| r.cell.is_none() && r.cells.is_empty());
                if in_row_props {
                    self.spend(n)?;
                    if let Some(row) = self.tables.last_mut().and_then(|l| l.row.as_mut()) {
                        row.cells.extend((0..n).map(|_| Cow::Borrowed("")));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn end(&mut self, local: &str) -> Result<(), DocxError> {
        let depth = self.depth;
        self.depth = self.depth.saturating_sub(1);
        if let Some(from) = self.skip_from {
            if depth == from {
                self.skip_from = None;
            }
            return Ok(());
        }
        match local {
            "t" => self.text = false,
            "tbl" => self.close_table()?,
            "tr" => self.close_row()?,
            "tc" => self.close_cell()?,
            "p" => self.close_paragraph()?,
            _ => {}
        }
        Ok(())
    }

    /// The innermost open cell, if the innermost table has one.
    fn cell(&mut self) -> Option<&mut OpenCell> {
        self.tables.last_mut()?.row.as_mut()?.cell.as_mut()
    }

    fn open_table(&mut self) -> Result<(), DocxError> {
        if self.tables.len() >= MAX_TABLE_DEPTH {
            return Err(DocxError::TooDeep {
                depth: self.tables.len() + 1,
                limit: MAX_TABLE_DEPTH,
            });
        }
        if self.tables.is_empty() {
            // text before a table in the same paragraph (a text box)
            self.flush_paragraph()?;
        }
        self.tables.push(Level::default());
        Ok(())
    }

    fn close_table(&mut self) -> Result<(), DocxError> {
        // A row left open (damaged XML that still nests) ends with its table.
        self.close_row()?;
        if let Some(level) = self.tables.pop() {
            // rows of nested tables outside any row: after the last one
            self.dispatch(level.after);
        }
        Ok(())
    }

    fn open_row(&mut self) {
        let Some(level) = self.tables.last_mut() else {
            return;
        };
        if level.row.is_some() {
            return; // a row inside a row without a table between: one row
        }
        self.number = self.number.saturating_add(1);
        level.row = Some(OpenRow {
            number: self.number,
            cells: Vec::new(),
            cell: None,
        });
    }

    fn close_row(&mut self) -> Result<(), DocxError> {
        self.close_cell()?;
        let Some(level) = self.tables.last_mut() else {
            return Ok(());
        };
        let Some(row) = level.row.take() else {
            return Ok(());
        };
        let after = std::mem::take(&mut level.after);
        let mut rows = Vec::with_capacity(after.len() + 1);
        rows.extend(Row::new(row.number, row.cells));
        rows.extend(after);
        // The innermost table is still open: its rows go after the row of
        // the table around it, or out.
        let len = self.tables.len();
        match len.checked_sub(2).and_then(|i| self.tables.get_mut(i)) {
            Some(outer) => outer.after.extend(rows),
            None => self.rows.extend(rows),
        }
        Ok(())
    }

    fn open_cell(&mut self) {
        let Some(row) = self.tables.last_mut().and_then(|l| l.row.as_mut()) else {
            return;
        };
        if row.cell.is_none() {
            row.cell = Some(OpenCell {
                span: 1,
                ..OpenCell::default()
            });
        }
    }

    fn close_cell(&mut self) -> Result<(), DocxError> {
        let Some(row) = self.tables.last_mut().and_then(|l| l.row.as_mut()) else {
            return Ok(());
        };
        let Some(cell) = row.cell.take() else {
            return Ok(());
        };
        self.spend(cell.span)?;
        let Some(row) = self.tables.last_mut().and_then(|l| l.row.as_mut()) else {
            return Ok(());
        };
        let text = if cell.continued {
            Cow::Borrowed("")
        } else {
            Cow::Owned(cell.text)
        };
        row.cells.push(text);
        row.cells.extend((1..cell.span).map(|_| Cow::Borrowed("")));
        Ok(())
    }

    fn close_paragraph(&mut self) -> Result<(), DocxError> {
        self.para_depth = self.para_depth.saturating_sub(1);
        if let Some(cell) = self.cell() {
            cell.text.push('\n');
        } else if self.tables.is_empty() {
            if self.para_depth == 0 {
                self.flush_paragraph()?;
            } else {
                self.push_str("\n", false);
            }
        }
        Ok(())
    }

    /// The paragraph outside tables read so far becomes a row (its cells
    /// count against the budget too: a paragraph of a million tabs).
    fn flush_paragraph(&mut self) -> Result<(), DocxError> {
        let mut pieces = std::mem::take(&mut self.para);
        pieces.retain(|p| !p.trim().is_empty());
        if pieces.is_empty() {
            return Ok(());
        }
        self.spend(pieces.len())?;
        self.number = self.number.saturating_add(1);
        self.rows
            .extend(Row::new(self.number, pieces.into_iter().map(Cow::Owned)));
        Ok(())
    }

    /// Appends text where it belongs: the open cell of the innermost
    /// table, or the paragraph outside tables (text in a table but in no
    /// cell is no cell's). `tab` cuts a paragraph outside tables.
    fn push_str(&mut self, s: &str, tab: bool) {
        if self.skip_from.is_some() {
            return;
        }
        if let Some(cell) = self.cell() {
            cell.text.push_str(s);
        } else if self.tables.is_empty() {
            if tab {
                self.para.push(String::new());
            } else {
                match self.para.last_mut() {
                    Some(last) => last.push_str(s),
                    None => self.para.push(s.to_string()),
                }
            }
        }
    }

    fn push_text(&mut self, s: &str) {
        self.push_str(s, false);
    }

    /// `&amp;`, `&#x4E00;`: the character; an unknown entity or an invalid
    /// reference is U+FFFD (and said).
    fn push_ref(&mut self, r: &BytesRef<'_>) {
        let c = match r.resolve_char_ref() {
            Ok(Some(c)) => Some(c),
            Ok(None) => match r.as_ref() {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => None,
            },
            Err(_) => None,
        };
        let c = c.unwrap_or_else(|| {
            self.replaced = true;
            '\u{FFFD}'
        });
        let mut buf = [0u8; 4];
        self.push_str(c.encode_utf8(&mut buf), false);
    }

    /// Takes `n` cells from the document's budget.
    fn spend(&mut self, n: usize) -> Result<(), DocxError> {
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        match self.cells_left.checked_sub(n) {
            Some(left) => {
                self.cells_left = left;
                Ok(())
            }
            None => Err(DocxError::TooManyCells {
                limit: self.max_cells,
            }),
        }
    }

    /// The end of the document: what damaged XML left open is closed.
    fn finish(&mut self) -> Result<(), DocxError> {
        while !self.tables.is_empty() {
            self.close_table()?;
        }
        self.flush_paragraph()
    }

    /// Rows of a table that closed outside its parent's rows.
    fn dispatch(&mut self, rows: Vec<Row<'static>>) {
        match self.tables.last_mut() {
            Some(outer) => outer.after.extend(rows),
            None => self.rows.extend(rows),
        }
    }
}

/// The `w:val` attribute of an element (any prefix).
fn val(e: &BytesStart<'_>) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .filter_map(Result::ok)
        .find(|a| a.key.local_name().into_inner() == "val")
        .map(|a| a.value.into_owned())
}

/// A count from `w:val`, at least `min` (also when missing or
/// unreadable), clamped to [`MAX_SPAN`].
fn span(e: &BytesStart<'_>, min: usize) -> usize {
    val(e)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .map_or(min.max(1), |n| n.clamp(min, MAX_SPAN))
}
