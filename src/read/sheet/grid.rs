//! A sheet's cells → its rows, under the cell limit.
//!
//! Whatever reads a workbook (a streamed xlsx or xlsb, a dense xls or ods
//! range), the cells come here one at a time: blank ones are dropped, the
//! used range is checked against [`SheetLimits::max_cells`] as it grows (so
//! no grid is ever built for a sheet that claims more than it holds), and
//! the rest become padded [`Row`]s numbered as Excel numbers them. The xls
//! pre-walk keeps an [`Extent`] of its own for the same check.

use std::borrow::Cow;

use super::{Sheet, SheetError, SheetLimits};
use crate::read::Row;

/// Rows and columns of the largest worksheet any format allows (Excel
/// 2007 and later; xls and ods have fewer or as many).
pub(super) const MAX_ROWS: u32 = 1_048_576;
pub(super) const MAX_COLS: u32 = 16_384;

/// The used range of one sheet as cells come in, refused as `TooLarge`
/// once it holds more than the cell limit (the streamed grid and the xls
/// pre-walk both keep one).
pub(super) struct Extent<'n> {
    name: &'n str,
    limit: u64,
    /// First and last used row, last used column.
    span: Option<(u32, u32, u32)>,
}

impl<'n> Extent<'n> {
    pub(super) fn new(name: &'n str, limits: &SheetLimits) -> Self {
        Extent {
            name,
            limit: limits.max_cells,
            span: None,
        }
    }

    /// The cells of the used range so far (rows × columns from A).
    pub(super) fn cells(&self) -> u64 {
        self.span.map_or(0, |(first, last, width)| {
            (u64::from(last - first) + 1).saturating_mul(u64::from(width) + 1)
        })
    }

    pub(super) fn add(&mut self, row: u32, col: u32) -> Result<(), SheetError> {
        // No worksheet format has more rows or columns than Excel's: a
        // cell beyond them is a damaged or crafted reference (one that
        // wrapped around reads as row 1,661,992,959), not a huge sheet.
        if row >= MAX_ROWS || col >= MAX_COLS {
            return Err(SheetError::Corrupt(format!(
                "sheet {:?}: a cell at row {}, column {} lies outside any worksheet ({MAX_ROWS} rows × {MAX_COLS} columns): a damaged or crafted cell reference",
                self.name,
                u64::from(row) + 1,
                u64::from(col) + 1
            )));
        }
        let (first, last, width) = match self.span {
            None => (row, row, col),
            Some((f, l, w)) => (f.min(row), l.max(row), w.max(col)),
        };
        self.span = Some((first, last, width));
        let rows = u64::from(last - first) + 1;
        let cols = u64::from(width) + 1;
        if rows.saturating_mul(cols) > self.limit {
            return Err(SheetError::TooLarge {
                sheet: self.name.to_string(),
                rows,
                cols,
                limit: self.limit,
            });
        }
        Ok(())
    }
}

/// What is left of a workbook's text budget ([`SheetLimits::max_text`]),
/// shared by its sheets.
pub(super) struct TextBudget {
    left: u64,
    limit: u64,
}

impl TextBudget {
    pub(super) fn new(limit: u64) -> TextBudget {
        TextBudget { left: limit, limit }
    }
}

/// The non-blank cells of one sheet, sparse, with the extent they span.
pub(super) struct Grid<'n, 'b> {
    name: &'n str,
    budget: &'b mut TextBudget,
    /// `(row, column, trimmed text)`, 0-based, in the order read.
    cells: Vec<(u32, u32, String)>,
    extent: Extent<'n>,
    /// Length at which duplicate positions are folded away (see `push`).
    compact_at: usize,
}

impl<'n, 'b> Grid<'n, 'b> {
    pub(super) fn new(name: &'n str, limits: &SheetLimits, budget: &'b mut TextBudget) -> Self {
        let limit = usize::try_from(limits.max_cells).unwrap_or(usize::MAX);
        Grid {
            name,
            budget,
            cells: Vec::new(),
            extent: Extent::new(name, limits),
            compact_at: limit.saturating_mul(2).max(1024),
        }
    }

    /// Adds a cell; blank ones (empty or whitespace) are dropped and do not
    /// widen the extent, so a sheet formatted down to row 1048576 is fine.
    pub(super) fn push(
        &mut self,
        row: u32,
        col: u32,
        text: Cow<'_, str>,
    ) -> Result<(), SheetError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        self.extent.add(row, col)?;
        let len = u64::try_from(text.len()).unwrap_or(u64::MAX);
        self.budget.left =
            self.budget
                .left
                .checked_sub(len)
                .ok_or_else(|| SheetError::TooMuchText {
                    sheet: self.name.to_string(),
                    limit: self.budget.limit,
                })?;
        self.cells.push((row, col, text.to_string()));
        // Distinct positions are at most the limit, so more cells than that
        // means a cell repeated (a crafted file): fold the repeats, the last
        // one winning as in calamine, so memory stays bounded.
        if self.cells.len() >= self.compact_at {
            compact(&mut self.cells);
        }
        Ok(())
    }

    pub(super) fn into_sheet(mut self) -> Sheet {
        compact(&mut self.cells);
        let mut rows = Vec::new();
        let mut cells = self.cells.into_iter().peekable();
        while let Some((row, col, text)) = cells.next() {
            let mut line = vec![(col, text)];
            while let Some((_, col, text)) = cells.next_if(|c| c.0 == row) {
                line.push((col, text));
            }
            let width = line.last().map_or(0, |&(col, _)| col as usize + 1);
            let mut padded: Vec<Cow<'static, str>> = vec![Cow::Borrowed(""); width];
            for (col, text) in line {
                if let Some(slot) = padded.get_mut(col as usize) {
                    *slot = Cow::Owned(text);
                }
            }
            if let Some(row) = Row::new(row.saturating_add(1), padded) {
                rows.push(row);
            }
        }
        Sheet {
            name: self.name.to_string(),
            rows,
        }
    }
}

/// Sorts cells by position and keeps the last of each repeated position.
fn compact(cells: &mut Vec<(u32, u32, String)>) {
    cells.sort_by_key(|c| (c.0, c.1)); // stable: repeats stay in read order
    cells.dedup_by(|later, kept| {
        let same = later.0 == kept.0 && later.1 == kept.1;
        if same {
            std::mem::swap(&mut later.2, &mut kept.2);
        }
        same
    });
}
