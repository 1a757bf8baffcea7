//! The reader stage: one document → rows of cells.
//!
//! Every input format (tab-separated text today; spreadsheets and HTML
//! tables behind the same type later) is turned into the same plain data,
//! a list of non-empty [`Row`]s that remember where they came from, so
//! splitting, field extraction and the indicator table are written once.

use std::borrow::Cow;

pub mod clean;
pub mod html;
pub mod sheet;
pub mod text;

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

fn trim_cow(c: Cow<'_, str>) -> Cow<'_, str> {
    match c {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) => {
            let t = s.trim();
            if t.len() == s.len() {
                Cow::Owned(s)
            } else {
                Cow::Owned(t.to_string())
            }
        }
    }
}
