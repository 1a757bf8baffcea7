//! A sheet's cells → its rows, under the cell limit.
//!
//! Whatever reads a workbook (a streamed xlsx or xlsb, a dense xls or ods
//! range), the cells come here one at a time: blank ones are dropped, the
//! used range is checked against [`SheetLimits::max_cells`] as it grows (so
//! no grid is ever built for a sheet that claims more than it holds), and
//! the rest become padded [`Row`]s numbered as Excel numbers them. The xls
//! pre-walk keeps an [`Extent`] of its own for the same check.

use std::borrow::Cow;

use super::cell::format_number;
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

/// What a cell of the grid holds: its text, or a number waiting for its
/// number format (an xlsx workbook whose styles show numbers otherwise
/// than General: the style ids come in a second pass).
enum Slot {
    Text(String),
    Number { value: f64, style: usize },
}

/// The non-blank cells of one sheet, sparse, with the extent they span.
pub(super) struct Grid<'n, 'b> {
    name: &'n str,
    budget: &'b mut TextBudget,
    /// `(row, column, trimmed text or number)`, 0-based, in the order read.
    cells: Vec<(u32, u32, Slot)>,
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
        self.charge(text.len())?;
        self.keep(row, col, Slot::Text(text.to_string()));
        Ok(())
    }

    /// Adds a number whose text waits for its number format (see
    /// [`Grid::set_style`]); it is charged to the text budget at the
    /// length of its General text.
    pub(super) fn push_number(&mut self, row: u32, col: u32, value: f64) -> Result<(), SheetError> {
        self.extent.add(row, col)?;
        self.charge(format_number(value).len())?;
        self.keep(row, col, Slot::Number { value, style: 0 });
        Ok(())
    }

    /// Takes `len` bytes off the workbook's text budget: the text of a
    /// cell, or what the reader holds besides the cells (the template of a
    /// shared formula).
    pub(super) fn charge(&mut self, len: usize) -> Result<(), SheetError> {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        self.budget.left =
            self.budget
                .left
                .checked_sub(len)
                .ok_or_else(|| SheetError::TooMuchText {
                    sheet: self.name.to_string(),
                    limit: self.budget.limit,
                })?;
        Ok(())
    }

    fn keep(&mut self, row: u32, col: u32, slot: Slot) {
        self.cells.push((row, col, slot));
        // Distinct positions are at most the limit, so more cells than that
        // means a cell repeated (a crafted file): fold the repeats, the last
        // one winning as in calamine, so memory stays bounded.
        if self.cells.len() >= self.compact_at {
            compact(&mut self.cells);
        }
    }

    /// Whether some number waits for its number format.
    pub(super) fn has_numbers(&self) -> bool {
        self.cells
            .iter()
            .any(|c| matches!(c.2, Slot::Number { .. }))
    }

    /// Gets the grid ready for [`Grid::set_style`]: cells sorted by
    /// position, each position once.
    pub(super) fn settle(&mut self) {
        compact(&mut self.cells);
    }

    /// Gives the number at `(row, col)`, if one is there, its style id.
    /// Call [`Grid::settle`] first.
    pub(super) fn set_style(&mut self, row: u32, col: u32, id: usize) {
        if let Ok(i) = self.cells.binary_search_by_key(&(row, col), |c| (c.0, c.1))
            && let Some((_, _, Slot::Number { style, .. })) = self.cells.get_mut(i)
        {
            *style = id;
        }
    }

    /// Shows each waiting number by `show(value, style id)`; what its
    /// text holds beyond its General text (charged when it came) is
    /// charged now: `0.00` makes 1E+300 a 300-digit text.
    pub(super) fn show_numbers(
        &mut self,
        show: impl Fn(f64, usize) -> String,
    ) -> Result<(), SheetError> {
        for i in 0..self.cells.len() {
            let Some((_, _, Slot::Number { value, style })) = self.cells.get(i) else {
                continue;
            };
            let (value, style) = (*value, *style);
            let text = show(value, style);
            self.charge(text.len().saturating_sub(format_number(value).len()))?;
            if let Some(cell) = self.cells.get_mut(i) {
                cell.2 = Slot::Text(text);
            }
        }
        Ok(())
    }

    /// The rows; a number still waiting is shown as General.
    pub(super) fn into_sheet(mut self) -> Sheet {
        compact(&mut self.cells);
        let mut rows = Vec::new();
        let mut cells = self
            .cells
            .into_iter()
            .map(|(row, col, slot)| {
                let text = match slot {
                    Slot::Text(text) => text,
                    Slot::Number { value, .. } => format_number(value),
                };
                (row, col, text)
            })
            .peekable();
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
fn compact(cells: &mut Vec<(u32, u32, Slot)>) {
    cells.sort_by_key(|c| (c.0, c.1)); // stable: repeats stay in read order
    cells.dedup_by(|later, kept| {
        let same = later.0 == kept.0 && later.1 == kept.1;
        if same {
            std::mem::swap(&mut later.2, &mut kept.2);
        }
        same
    });
}
