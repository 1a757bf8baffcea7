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

use compact_str::CompactString;

use crate::read::Row;
use crate::table::indicator::{self, Header};
use crate::table::layout::{self, Group};
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
    /// The part of the form the row is in (the group heading merged down
    /// its first column), as the rows above left it.
    pub group: Option<Group>,
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
    /// A row of the open indicator table; `filled` when it gives an
    /// indicator (a name or a target in some block).
    Indicator { filled: bool },
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
    /// A group heading (`项目资金（万元）`, `项目基本情况`): structure,
    /// with the money unit it names.
    Group {
        col: usize,
        group: Group,
        unit: Option<MoneyUnit>,
    },
    /// A cell that names the money unit of the amounts beside or below
    /// it (`金额(万元)`).
    Unit {
        col: usize,
        unit: MoneyUnit,
    },
    /// The column headings of a small table inside the form (a funding or
    /// cost breakdown): its rows' cells go to `extra` (or to
    /// `budget.sources`) keyed by row and column.
    GridHeader {
        cols: Vec<usize>,
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
            _ => std::borrow::Cow::Owned(items(self.view(row), &Context::default())),
        }
    }
}

/// Classifies every row of a table, in order.
pub fn classify<'a>(rows: &'a [Row<'a>]) -> Vec<Class<'a>> {
    let mut classifier = Classifier::default();
    rows.iter().map(|row| classifier.class(row)).collect()
}

/// What the reading of a row depends on from the rows above it.
#[derive(Debug, Default, Clone)]
pub struct Context {
    /// The group heading the row is under.
    pub group: Option<Group>,
    /// The column headings of the small table the row is in, if any.
    pub grid: Option<Vec<(usize, String)>>,
}

/// The one row analysis, a row at a time: what it carries from row to row
/// is whether an indicator table is open (and the columns that make one
/// of its rows an indicator), the group heading and the small table the
/// rows are in.
#[derive(Debug, Default)]
pub struct Classifier {
    in_table: bool,
    content: Vec<usize>,
    context: Context,
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
            self.context = Context::default();
        }
        let view = RowView::masked(row, &masked);
        // A cell in the first column starts a new part of the form.
        if !view.cell(0).is_empty() {
            self.context = Context::default();
        }
        let kind = if view.is_empty() {
            Kind::Blank
        } else if let Some(h) = indicator::header(view) {
            self.in_table = true;
            self.content = h.content_columns().collect();
            self.context = Context::default();
            Kind::Header(h)
        } else if let Some((col, year)) = view.sole_cell().and_then(|(col, c)| {
            vocabulary::heading(c)
                .or_else(|| layout::group_heading(c).map(|_| None))
                .map(|y| (col, y))
        }) {
            self.in_table = false;
            if let Some((g, _)) = layout::group_heading(view.cell(col)) {
                self.context.group = Some(g);
                self.context.grid = None;
            }
            Kind::Heading { col, year }
        } else if self.in_table && !ends_table(view) {
            let filled = self.content.iter().any(|&c| {
                let t = view.cell(c);
                !t.is_empty() && !indicator::is_placeholder(t)
            });
            Kind::Indicator { filled }
        } else {
            self.in_table = false;
            let items = items(view, &self.context);
            self.update_context(view, &items);
            Kind::Items(items)
        };
        Class {
            title,
            years,
            masked,
            group: self.context.group,
            kind,
        }
    }

    /// The group and small table the rows below are in, after this row.
    fn update_context(&mut self, view: RowView<'_, '_>, items: &[Item<'_>]) {
        for item in items {
            match item {
                Item::Group { group, .. } => {
                    self.context.group = Some(*group);
                    self.context.grid = None;
                }
                Item::Pair {
                    label,
                    label_col: 0,
                    ..
                } if label.field().is_some_and(Field::is_budget) => {
                    self.context.group = Some(Group::Funding);
                }
                Item::GridHeader { cols } => {
                    self.context.grid = Some(
                        cols.iter()
                            .map(|&c| (c, vocabulary::squeeze(view.cell(c)).into_owned()))
                            .collect(),
                    );
                }
                _ => {}
            }
        }
        // any other row ends the small table
        let grid_row = items.iter().all(|i| match i {
            Item::Pair { label, .. } => label.grid,
            Item::Group { .. } | Item::GridHeader { .. } => true,
            _ => false,
        });
        if !grid_row {
            self.context.grid = None;
        }
    }
}

/// Reads a row as label/value pairs. The value of a label cell is the next
/// non-empty cell, unless that is itself a label (a label merged across
/// two cells leaves an empty cell before its value). Leading group
/// headings are structure; unknown labels without a colon are paired with
/// the cell right after them; under a funding heading, unknown labels are
/// funding sources; in a small table, cells are keyed by row and column.
pub fn items<'a>(row: RowView<'a, '_>, ctx: &Context) -> Vec<Item<'a>> {
    let mut out = Vec::new();
    let n = row.len();
    // The row's cells in a list, needed only for group headings and small
    // tables (most rows have neither: no list is built for them).
    let first = row.non_empty().next();
    let needs_cells =
        ctx.grid.is_some() || first.is_some_and(|(_, c)| layout::group_heading(c).is_some());
    let cells: Vec<(usize, &'a str)> = if needs_cells {
        row.non_empty().collect()
    } else {
        first.into_iter().collect()
    };
    // Leading group headings: structure (a heading followed by its first
    // label, or one that is no label itself).
    let mut k = 0;
    while let Some(&(col, cell)) = cells.get(k) {
        let Some((group, unit)) = layout::group_heading(cell) else {
            break;
        };
        let next_is_label = cells.get(k + 1).is_some_and(|&(_, c)| {
            vocabulary::label_cell(c).is_some()
                || layout::group_heading(c).is_some()
                || vocabulary::funding_line(c).is_some()
                || vocabulary::is_known_label_cell(c)
        });
        let alone = cells.len() == k + 1;
        if !(next_is_label || alone || vocabulary::label_cell(cell).is_none()) {
            break;
        }
        // 绩效目标 ⇥ text: the goals, not a heading
        if group == Group::Goals && !next_is_label && !alone {
            break;
        }
        out.push(Item::Group { col, group, unit });
        k += 1;
    }
    // a group heading in this row starts a new part: no small table yet
    let (grid, funding) = if k == 0 {
        (ctx.grid.as_deref(), ctx.group == Some(Group::Funding))
    } else {
        let funding = out.iter().any(|i| {
            matches!(
                i,
                Item::Group {
                    group: Group::Funding,
                    ..
                }
            )
        });
        (None, funding)
    };
    let start = cells.get(k).map_or(n, |&(c, _)| c);
    // A small table's row: its first cell names the row, the others are
    // keyed by their column's heading.
    if let Some(grid) = grid
        && k < cells.len()
        && cells[k..].iter().all(|(_, c)| {
            vocabulary::label_cell(c).is_none() && vocabulary::funding_line(c).is_none()
        })
        && cells[k].0 >= grid.first().map_or(0, |(c, _)| *c)
    {
        grid_row(&cells[k..], grid, funding, &mut out);
        return out;
    }
    // A small table's headings: three or more short label-like cells, none
    // a known label (`项目 ⇥ 上年度安排资金 ⇥ 本年度申请资金`).
    let rest = &cells[k..];
    if rest.len() >= 3
        && rest.iter().all(|(_, c)| {
            vocabulary::looks_like_label(c)
                && c.chars().count() <= 16
                && vocabulary::label_cell(c).is_none()
                && vocabulary::funding_line(c).is_none()
                && vocabulary::unit_heading(c).is_none()
        })
        && !out.is_empty()
    {
        out.push(Item::GridHeader {
            cols: rest.iter().map(|(c, _)| *c).collect(),
        });
        return out;
    }
    let mut first = true;
    let mut i = start;
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
        let value_after = |i: usize| {
            let j = (i + 1..n).find(|&j| !row.cell(j).is_empty())?;
            let next = row.cell(j);
            let value = if j == i + 1 {
                !vocabulary::is_known_label_cell(next)
            } else {
                !vocabulary::is_label_cell(next)
            };
            // a heading of amounts or a funding line is no value
            (value
                && vocabulary::funding_line(next).is_none()
                && vocabulary::unit_heading(next).is_none())
            .then_some(j)
        };
        if let Some((name, inline)) = vocabulary::funding_line(cell) {
            let label = Label::source(name);
            match inline {
                Some(v) => {
                    out.push(Item::Pair {
                        label,
                        label_col: i,
                        value: Some((i, v)),
                    });
                    i += 1;
                }
                None => {
                    let value = value_after(i);
                    out.push(Item::Pair {
                        label,
                        label_col: i,
                        value: value.map(|j| (j, row.cell(j))),
                    });
                    i = value.map_or(i + 1, |j| j + 1);
                }
            }
        } else if let Some(unit) = vocabulary::unit_heading(cell) {
            out.push(Item::Unit { col: i, unit });
            i += 1;
        } else if let Some(label) = vocabulary::label_cell(cell) {
            let value = value_after(i);
            out.push(Item::Pair {
                label: funding_label(label, funding),
                label_col: i,
                value: value.map(|j| (j, row.cell(j))),
            });
            i = value.map_or(i + 1, |j| j + 1);
        } else if let Some((label, value)) = vocabulary::split_inline(cell, first_in_row) {
            // `填报单位（盖章）：⋯单位负责人：`: a label whose value is a label
            if vocabulary::is_label_cell(value) && value.ends_with(['：', ':']) {
                out.push(Item::Pair {
                    label,
                    label_col: i,
                    value: None,
                });
                out.push(Item::Pair {
                    label: Label::parse(value),
                    label_col: i,
                    value: None,
                });
            } else {
                out.push(Item::Pair {
                    label: funding_label(label, funding),
                    label_col: i,
                    value: Some((i, value)),
                });
            }
            i += 1;
        } else {
            out.push(Item::Loose { col: i, text: cell });
            i += 1;
        }
    }
    pair_loose(out, funding)
}

/// Under a funding heading, a label that is no contract field names a
/// funding source.
fn funding_label(label: Label, funding: bool) -> Label {
    if funding && label.field().is_none() {
        label.into_source()
    } else {
        label
    }
}

/// Loose cells that read as a label without a colon, paired with the cell
/// right after them (`项目属性 ⇥ 上年延续性项目`); a lone one in a row of
/// pairs, or under a funding heading, is a label with an empty value.
fn pair_loose(items: Vec<Item<'_>>, funding: bool) -> Vec<Item<'_>> {
    if !items.iter().any(|i| matches!(i, Item::Loose { .. })) {
        return items;
    }
    let has_pairs = items
        .iter()
        .any(|i| matches!(i, Item::Pair { .. } | Item::Group { .. }));
    let mut out = Vec::with_capacity(items.len());
    let mut it = items.into_iter().peekable();
    while let Some(item) = it.next() {
        let Item::Loose { col, text } = item else {
            out.push(item);
            continue;
        };
        let label_like = is_bare_label(text);
        if !label_like {
            out.push(item);
            continue;
        }
        let next = match it.peek() {
            Some(Item::Loose { col: c, text: t }) if *c == col + 1 || !is_bare_label(t) => {
                Some((*c, *t))
            }
            _ => None,
        };
        if let Some(value) = next {
            it.next();
            out.push(Item::Pair {
                label: funding_label(Label::parse(text), funding),
                label_col: col,
                value: Some(value),
            });
        } else if funding || has_pairs || vocabulary::strip_hint(text) != text {
            out.push(Item::Pair {
                label: funding_label(Label::parse(text), funding),
                label_col: col,
                value: None,
            });
        } else {
            out.push(item);
        }
    }
    out
}

/// A cell that reads as a label written without its colon: short, no
/// sentence punctuation, not a number or a placeholder.
fn is_bare_label(text: &str) -> bool {
    // an indicator table's heading (一级目标) outside its table is no label
    text.chars().count() <= 20
        && !matches!(
            layout::column_for_header(text),
            Some(
                layout::Column::Level1
                    | layout::Column::Level2
                    | layout::Column::Level3
                    | layout::Column::Value
            )
        )
        && vocabulary::looks_like_label(text)
        && !indicator::is_placeholder(text)
        && !text
            .chars()
            .any(|c| matches!(c, '《' | '》' | '□' | '√' | '☑'))
}

/// A row of a small table: its first cell names the row; each other cell
/// is keyed `row/column heading`. Under a funding heading the row is a
/// funding source, its amount from the current-year column.
fn grid_row<'a>(
    cells: &[(usize, &'a str)],
    grid: &[(usize, String)],
    funding: bool,
    out: &mut Vec<Item<'a>>,
) {
    let Some(&(name_col, name)) = cells.first() else {
        return;
    };
    let heading = |col: usize| {
        grid.iter()
            .rev()
            .find(|(c, _)| *c <= col)
            .map_or(String::new(), |(_, h)| h.clone())
    };
    let is_current = |h: &str| {
        ["本年度", "本年", "当年", "申请", "金额", "预算数"]
            .iter()
            .any(|w| h.contains(w))
            && !h.contains("上年")
    };
    let current = cells[1..]
        .iter()
        .find(|(c, _)| is_current(&heading(*c)))
        .copied();
    let squeezed = vocabulary::squeeze(name);
    let total = matches!(squeezed.as_ref(), "合计" | "总计" | "小计" | "合计数");
    if funding {
        let mut label = if total {
            Label::parse("年度资金总额")
        } else {
            Label::source(name)
        };
        label.grid = true;
        if total {
            label.text = CompactString::from(squeezed.as_ref());
        }
        out.push(Item::Pair {
            label,
            label_col: name_col,
            value: current,
        });
    } else if cells.len() == 1 {
        let mut label = Label::parse(name);
        label.grid = true;
        out.push(Item::Pair {
            label,
            label_col: name_col,
            value: None,
        });
    }
    for &(col, text) in &cells[1..] {
        if funding && current.is_some_and(|(c, _)| c == col) {
            continue;
        }
        let mut label = Label::parse(&format!("{name}/{}", heading(col)));
        label.grid = true;
        out.push(Item::Pair {
            label,
            label_col: name_col,
            value: Some((col, text)),
        });
    }
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
        Item::Unit { unit, .. } => Some(*unit),
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
                _ => None,
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
        let it = items(RowView::whole(&r), &Context::default());
        assert_eq!(
            pairs(&it),
            "项目名称=1:科创中心建设工作经费|项目类别=3:经常性专项业务费"
        );
        let r = row(5, &["申报单位名称：上海推进科技创新中心建设办公室"]);
        let it = items(RowView::whole(&r), &Context::default());
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
        let it = items(RowView::whole(&r), &Context::default());
        assert_eq!(it.len(), 2);
        assert!(
            it.iter()
                .all(|i| matches!(i, Item::Pair { value: None, .. }))
        );
        // a label merged across two cells
        let r = row(1, &["联系人：", "", "张三"]);
        assert_eq!(
            pairs(&items(RowView::whole(&r), &Context::default())),
            "联系人=2:张三"
        );
        // loose text
        let r = row(1, &["本项目说明", "", "x"]);
        let it = items(RowView::whole(&r), &Context::default());
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
        assert!(matches!(classes[4].kind, Kind::Indicator { filled: true }));
        // a year-line cell is structure wherever it is (as before the
        // single analysis), and masked for the indicator reader
        assert_eq!(classes[5].years, [(3, 2021)]);
        assert!(matches!(classes[5].kind, Kind::Indicator { .. }));
        assert_eq!(classes[5].view(&rows[5]).cell(3), "");
        assert!(matches!(classes[6].kind, Kind::Items(_)));
        assert!(matches!(
            classes[7].kind,
            Kind::Heading { col: 0, year: None }
        ));
    }
}
