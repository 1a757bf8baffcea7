//! The row analysis: every row of a table is classified once, in one pass,
//! and the splitter ([`crate::table::split`]) and the field reader
//! ([`crate::table::fields`]) both read the result.
//!
//! A row's structural cells come first: a table title (its first cell) and
//! year lines (any cell) are taken out, and the rest of the row is one of
//! an indicator table's header, a section heading, a row of that table, or
//! label/value pairs and loose cells ([`Item`]). Whether a row belongs to
//! an indicator table depends on the rows above it (a header opens the
//! table; a title, a heading or a labelled row closes it), so the pass
//! carries that one bit of state. Every cell the analysis uses is named by
//! its column, so the readers can record where each value came from.

use crate::read::Row;
use crate::table::indicator::{self, Header};
use crate::table::row::RowView;
use crate::table::vocabulary::{self, Field, Label, MoneyUnit};

/// What one row holds, decided once.
#[derive(Debug)]
pub struct Class<'a> {
    /// The title cell (`财政项目支出绩效目标表`): column and text.
    pub title: Option<(usize, &'a str)>,
    /// Year-line cells (`(2020年度)`): column and year.
    pub years: Vec<(usize, i32)>,
    /// The columns of the title and year cells, masked for the rest.
    masked: Vec<usize>,
    pub kind: Kind<'a>,
}

/// What the rest of a row (without its title and year cells) is.
#[derive(Debug)]
pub enum Kind<'a> {
    /// Nothing but the title and year cells.
    Blank,
    /// The header row of an indicator table.
    Header(Header),
    /// A section heading alone on its row, with the year it names.
    Heading { col: usize, year: Option<i32> },
    /// A row of the open indicator table.
    Indicator,
    /// Label/value pairs and loose cells.
    Items(Vec<Item<'a>>),
}

/// One item of a row: a label with its value, or a loose cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'a> {
    Pair {
        label: Label,
        /// The label's column; for an inline `label：value` cell, the
        /// value's too.
        label_col: usize,
        /// The value's column and text; `None` for an empty value.
        value: Option<(usize, &'a str)>,
    },
    Loose {
        col: usize,
        text: &'a str,
    },
}

impl<'a> Class<'a> {
    /// The row without its title and year cells.
    pub fn view(&'a self, row: &'a Row<'a>) -> RowView<'a, 'a> {
        RowView::masked(row, &self.masked)
    }

    /// The row's label/value items: those of the analysis for a labelled
    /// row, or read now for the rare row whose items are needed out of
    /// their usual place (a preamble row, for one).
    pub fn items(&'a self, row: &'a Row<'a>) -> std::borrow::Cow<'a, [Item<'a>]> {
        match &self.kind {
            Kind::Items(items) => std::borrow::Cow::Borrowed(items),
            Kind::Blank => std::borrow::Cow::Borrowed(&[]),
            _ => std::borrow::Cow::Owned(items(self.view(row))),
        }
    }
}

/// Classifies every row of a table, in order.
pub fn classify<'a>(rows: &'a [Row<'a>]) -> Vec<Class<'a>> {
    let mut classifier = Classifier::default();
    rows.iter().map(|row| classifier.class(row)).collect()
}

/// The one row analysis, a row at a time: what it carries from row to row
/// is whether an indicator table is open.
#[derive(Debug, Default)]
pub struct Classifier {
    in_table: bool,
}

impl Classifier {
    /// Classifies the next row of the table.
    pub fn class<'a>(&mut self, row: &'a Row<'a>) -> Class<'a> {
        let whole = RowView::whole(row);
        let title = whole
            .non_empty()
            .next()
            .filter(|(_, c)| vocabulary::is_title(c));
        let years: Vec<(usize, i32)> = whole
            .non_empty()
            .filter(|(col, _)| title.is_none_or(|(t, _)| t != *col))
            .filter_map(|(col, c)| vocabulary::year_line(c).map(|y| (col, y)))
            .collect();
        let masked: Vec<usize> = title
            .iter()
            .map(|(c, _)| *c)
            .chain(years.iter().map(|(c, _)| *c))
            .collect();
        if title.is_some() {
            self.in_table = false;
        }
        let view = RowView::masked(row, &masked);
        let kind = if view.is_empty() {
            Kind::Blank
        } else if let Some(h) = indicator::header(view) {
            self.in_table = true;
            Kind::Header(h)
        } else if let Some((col, year)) = view
            .sole_cell()
            .and_then(|(col, c)| vocabulary::heading(c).map(|y| (col, y)))
        {
            self.in_table = false;
            Kind::Heading { col, year }
        } else if self.in_table && !ends_table(view) {
            Kind::Indicator
        } else {
            self.in_table = false;
            Kind::Items(items(view))
        };
        Class {
            title,
            years,
            masked,
            kind,
        }
    }
}

/// Reads a row as label/value pairs. The value of a label cell is the next
/// non-empty cell, unless that is itself a label (a label merged across
/// two cells leaves an empty cell before its value).
pub fn items<'a>(row: RowView<'a, '_>) -> Vec<Item<'a>> {
    let mut out = Vec::new();
    let n = row.len();
    let mut first = true;
    let mut i = 0;
    while i < n {
        let cell = row.cell(i);
        if cell.is_empty() {
            i += 1;
            continue;
        }
        // An unknown `label：value` is trusted at the start of a row or
        // right after another pair (`填报人：张三⇥联系电话：021-1234`).
        let after_pair = matches!(out.last(), Some(Item::Pair { .. }));
        let first_in_row = std::mem::replace(&mut first, false) || after_pair;
        if let Some(label) = vocabulary::label_cell(cell) {
            let j = (i + 1..n).find(|&j| !row.cell(j).is_empty());
            let value = match j {
                Some(j) if j == i + 1 && !vocabulary::is_known_label_cell(row.cell(j)) => Some(j),
                Some(j) if j > i + 1 && !vocabulary::is_label_cell(row.cell(j)) => Some(j),
                _ => None,
            };
            out.push(Item::Pair {
                label,
                label_col: i,
                value: value.map(|j| (j, row.cell(j))),
            });
            i = value.map_or(i + 1, |j| j + 1);
        } else if let Some((label, value)) = vocabulary::split_inline(cell, first_in_row) {
            out.push(Item::Pair {
                label,
                label_col: i,
                value: Some((i, value)),
            });
            i += 1;
        } else {
            out.push(Item::Loose { col: i, text: cell });
            i += 1;
        }
    }
    out
}

/// Does the row end an indicator table? A contract label anywhere in it,
/// or in its first column a label or a trailer (填报人, 备注, 填报说明).
/// Only the first *column* counts: in an indicator row whose level cells
/// are blank the first non-empty cell is the name, and a name may well
/// contain a colon (`其中：线上培训人次`).
fn ends_table(row: RowView<'_, '_>) -> bool {
    let first = row.cell(0);
    (!first.is_empty()
        && (vocabulary::is_label_cell(first)
            || vocabulary::is_inline(first, true)
            || vocabulary::is_trailer(first)))
        || row.non_empty().any(|(_, c)| {
            vocabulary::is_known_label_cell(c)
                // a known label's inline pair (an unknown one is never split
                // when not first in its row)
                || vocabulary::is_inline(c, false)
        })
}

/// The unit of a `单位：万元`-style pair; `None` for any other item.
pub fn money_unit_of(item: &Item<'_>) -> Option<MoneyUnit> {
    match item {
        Item::Pair { label, value, .. } if label.field() == Some(Field::MoneyUnit) => {
            value.and_then(|(_, v)| MoneyUnit::from_text(v))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn row(n: u32, cells: &[&'static str]) -> Row<'static> {
        Row::new(n, cells.iter().map(|c| Cow::Borrowed(*c))).expect("non-empty row")
    }

    /// The pairs of `items` as (key, value column and text), keys joined
    /// with `|` so that expectations are plain string literals.
    fn pairs(items: &[Item<'_>]) -> String {
        items
            .iter()
            .filter_map(|i| match i {
                Item::Pair { label, value, .. } => Some(match value {
                    Some((col, v)) => format!("{}={col}:{v}", label.key()),
                    None => format!("{}=", label.key()),
                }),
                Item::Loose { .. } => None,
            })
            .collect::<Vec<_>>()
            .join("|")
    }

    #[test]
    fn label_value_pairs_name_their_columns() {
        let r = row(
            6,
            &[
                "项目名称：",
                "科创中心建设工作经费",
                "项目类别：",
                "经常性专项业务费",
            ],
        );
        let it = items(RowView::whole(&r));
        assert_eq!(
            pairs(&it),
            "项目名称=1:科创中心建设工作经费|项目类别=3:经常性专项业务费"
        );
        let r = row(5, &["申报单位名称：上海推进科技创新中心建设办公室"]);
        let it = items(RowView::whole(&r));
        assert_eq!(pairs(&it), "申报单位名称=0:上海推进科技创新中心建设办公室");
        // an empty value before the next label
        let r = row(
            92,
            &[
                "同名项目上年预算额（元）：",
                "",
                "同名项目上年预算执行数（元）：",
                "",
            ],
        );
        let it = items(RowView::whole(&r));
        assert_eq!(it.len(), 2);
        assert!(
            it.iter()
                .all(|i| matches!(i, Item::Pair { value: None, .. }))
        );
        // a label merged across two cells
        let r = row(1, &["联系人：", "", "张三"]);
        assert_eq!(pairs(&items(RowView::whole(&r))), "联系人=2:张三");
        // loose text
        let r = row(1, &["本项目说明", "", "x"]);
        let it = items(RowView::whole(&r));
        assert_eq!(it.len(), 2);
        assert_eq!(it[1], Item::Loose { col: 2, text: "x" });
    }

    #[test]
    fn each_row_is_classified_once_with_the_table_state() {
        let rows = [
            row(1, &["财政项目支出绩效目标表"]),
            row(2, &["(2020年度)"]),
            row(3, &["项目名称：", "A"]),
            row(4, &["一级目标", "二级目标", "三级目标", "指标目标值"]),
            row(5, &["产出目标", "数量", "参观人数", ">=2000人"]),
            row(6, &["", "", "完成率", "2021年度"]),
            row(7, &["填报人：", "张三"]),
            row(8, &["本项目上年度市级财政资金使用情况"]),
        ];
        let classes = classify(&rows);
        assert_eq!(classes[0].title, Some((0, "财政项目支出绩效目标表")));
        assert!(matches!(classes[0].kind, Kind::Blank));
        assert_eq!(classes[1].years, [(0, 2020)]);
        assert!(matches!(classes[2].kind, Kind::Items(_)));
        assert!(matches!(classes[3].kind, Kind::Header(_)));
        assert!(matches!(classes[4].kind, Kind::Indicator));
        // a year-line cell is structure wherever it is (as before the
        // single analysis), and masked for the indicator reader
        assert_eq!(classes[5].years, [(3, 2021)]);
        assert!(matches!(classes[5].kind, Kind::Indicator));
        assert_eq!(classes[5].view(&rows[5]).cell(3), "");
        assert!(matches!(classes[6].kind, Kind::Items(_)));
        assert!(matches!(
            classes[7].kind,
            Kind::Heading { col: 0, year: None }
        ));
    }
}
