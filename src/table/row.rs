//! A row as the table stage sees it: a source [`Row`] with the cells that
//! were already read as structure (the title, year lines) masked out, so
//! the later readers never take them for labels, values or indicators.
//! Masking borrows; nothing is copied.

use crate::model::CellRef;
use crate::read::Row;

/// A borrowed row (its text lives for `'a`) with some columns masked
/// (read as empty; the mask lives for `'m`).
#[derive(Debug, Clone, Copy)]
pub struct RowView<'a, 'm> {
    pub number: u32,
    cells: &'a [std::borrow::Cow<'a, str>],
    masked: &'m [usize],
}

impl<'a, 'm> RowView<'a, 'm> {
    /// The whole row, nothing masked.
    pub fn whole(row: &'a Row<'a>) -> RowView<'a, 'static> {
        RowView {
            number: row.number,
            cells: &row.cells,
            masked: &[],
        }
    }

    /// The row with the columns in `masked` read as empty.
    pub fn masked(row: &'a Row<'a>, masked: &'m [usize]) -> RowView<'a, 'm> {
        RowView {
            number: row.number,
            cells: &row.cells,
            masked,
        }
    }

    /// The number of cells (trailing empty cells are not stored).
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.non_empty().next().is_none()
    }

    /// The cell at `i`, or `""` past the end or when masked.
    pub fn cell(&self, i: usize) -> &'a str {
        if self.masked.contains(&i) {
            return "";
        }
        self.cells.get(i).map_or("", |c| c.as_ref())
    }

    /// The non-empty, unmasked cells with their column index.
    pub fn non_empty(&self) -> impl Iterator<Item = (usize, &'a str)> + use<'a, 'm> {
        let masked = self.masked;
        self.cells
            .iter()
            .enumerate()
            .filter(move |(i, c)| !c.is_empty() && !masked.contains(i))
            .map(|(i, c)| (i, c.as_ref()))
    }

    /// The only non-empty cell of the row, if there is exactly one.
    pub fn sole_cell(&self) -> Option<(usize, &'a str)> {
        let mut it = self.non_empty();
        match (it.next(), it.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    }

    /// The source position of column `col` of this row.
    pub fn at(&self, col: usize) -> CellRef {
        CellRef {
            row: self.number,
            col: u32::try_from(col).unwrap_or(u32::MAX),
        }
    }
}
