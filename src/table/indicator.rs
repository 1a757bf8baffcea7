//! The indicator stage: the indicator table of a project → indicators.
//!
//! A header row names the columns (matched by meaning in
//! [`crate::table::layout::header_cell`]). A table holds one block of
//! level/name/target columns, or two side by side (长期 / 年度, 中期 /
//! 年度) that share the 一级 column. A target is either *merged* (one
//! 指标目标值 cell holds operator, number and unit) or *split* (separate
//! 计算符号 / 指标值 / 计量单位 columns). Blank level cells repeat the value
//! above (merged cells export as blanks). Levels are aligned to the right:
//! the name is always `level3`; in a two-level table (一级指标 / 二级指标
//! holding the name) the first column's text is `level2` and `level1` is
//! null. Columns outside the contract (绩效标准, 评分细则, 备注, …) go to
//! the indicator's `extra`; 分值 / 权重 to `weight`. Targets are
//! normalised by [`crate::table::target`]; the name is kept verbatim and
//! never parsed.

use std::sync::LazyLock;

use compact_str::CompactString;
use smallvec::SmallVec;

use crate::model::{
    Category, CellRef, Indicator, IndicatorCells, Kind, Num, Period, Provenance, Warning,
    WarningCode,
};
use crate::table::layout::{self, Column};
use crate::table::row::RowView;
use crate::table::target::{self, Target};
use crate::table::vocabulary;

/// The columns of one block of an indicator table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The 二级 column; `None` in a two-level table, whose name column
    /// is the 二级 one.
    pub level2: Option<usize>,
    /// The column holding the indicator's name.
    pub name: usize,
    /// The name is in the 二级 column (a two-level table).
    pub two_level: bool,
    pub value: usize,
    pub operator: Option<usize>,
    pub unit: Option<usize>,
    pub period: Option<Period>,
}

impl Block {
    /// The split shape: separate operator and/or unit columns.
    pub fn is_split(&self) -> bool {
        self.operator.is_some() || self.unit.is_some()
    }
}

/// Column positions of an indicator table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The 一级 column, shared by every block.
    pub level1: Option<usize>,
    /// One block, or two side by side (the left one first).
    pub blocks: Vec<Block>,
    pub weight: Option<usize>,
    /// Other columns with a header: their cells go to `extra`.
    pub extra: Vec<usize>,
    /// A row label left of the table (`绩效指标`, `年度绩效指标`): its
    /// column, whose cells in the table's rows are structure.
    pub group: Option<usize>,
    /// Header text of every column, to name columns in `extra` and warnings.
    pub names: Vec<String>,
}

impl Header {
    /// The first block's columns, for the single-block callers.
    pub fn first(&self) -> &Block {
        &self.blocks[0]
    }

    fn is_known(&self, col: usize) -> bool {
        self.level1 == Some(col)
            || self.weight == Some(col)
            || self.extra.contains(&col)
            || self.blocks.iter().any(|b| {
                [b.level2, Some(b.name), Some(b.value), b.operator, b.unit].contains(&Some(col))
            })
    }

    /// The block a column belongs to: the last block starting at or left
    /// of it (a block starts at its first level or name column), so that
    /// each block of a two-block table keeps its own extra columns.
    pub fn block_of(&self, col: usize) -> usize {
        let starts: Vec<usize> = self
            .blocks
            .iter()
            .map(|b| b.level2.unwrap_or(b.name).min(b.name))
            .collect();
        starts
            .iter()
            .rposition(|&s| s <= col)
            .filter(|_| starts.len() > 1)
            .unwrap_or(0)
    }

    /// The columns whose cells make a row an indicator: names and targets.
    pub fn content_columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.blocks.iter().flat_map(|b| [b.name, b.value])
    }
}

/// A block being assembled from the header cells, left to right.
#[derive(Default)]
struct Partial {
    level2: Option<usize>,
    level3: Option<usize>,
    content: Option<usize>,
    operator: Option<usize>,
    unit: Option<usize>,
    period: Option<Period>,
}

/// Recognises an indicator table's header row: one or two blocks, each
/// with a name column and a target column, and a 一级 or 二级 column.
pub fn header(row: RowView<'_, '_>) -> Option<Header> {
    // Every target column's name has 值 (指标值, 目标值, 预期实现值 …)
    // and a header has a target column: most rows are settled here.
    // (By a prebuilt byte searcher: `contains('值')` stops at every BC
    // byte, its last, which is common in CJK text.)
    static VALUE: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("值"));
    if !row
        .non_empty()
        .any(|(_, c)| c.len() <= layout::MAX_HEADER_BYTES && VALUE.find(c.as_bytes()).is_some())
    {
        return None;
    }
    let mut level1 = None;
    let mut weight = None;
    let mut group = None;
    let mut extra = Vec::new();
    let mut blocks: Vec<Block> = Vec::new();
    let mut cur = Partial::default();
    let (mut known, mut cells) = (0usize, 0usize);
    let mut first = true;
    let total = row.non_empty().count();
    for (i, cell) in row.non_empty() {
        cells += 1;
        // Most cells of a header row are headers: past half unknown, none.
        if (cells - known - 1) * 2 > total {
            return None;
        }
        let is_first = std::mem::replace(&mut first, false);
        let Some((column, period)) = layout::header_cell(cell) else {
            if is_first && layout::group_heading(cell).is_some() {
                group = Some(i);
                known += 1;
            }
            continue;
        };
        known += 1;
        if period.is_some() {
            cur.period = cur.period.or(period);
        }
        match column {
            Column::Level1 if level1.is_none() => level1 = Some(i),
            Column::Level2 if cur.level2.is_none() => cur.level2 = Some(i),
            Column::Level3 if cur.level3.is_none() => cur.level3 = Some(i),
            Column::Content if cur.content.is_none() => cur.content = Some(i),
            Column::Operator if cur.operator.is_none() => cur.operator = Some(i),
            Column::Unit => match (cur.unit, blocks.last_mut()) {
                // a unit column after the target belongs to its block
                (None, Some(b))
                    if cur.level2.is_none() && cur.level3.is_none() && b.unit.is_none() =>
                {
                    b.unit = Some(i)
                }
                (None, _) => cur.unit = Some(i),
                _ => extra.push(i),
            },
            Column::Weight if weight.is_none() => weight = Some(i),
            Column::Value => {
                let done = std::mem::take(&mut cur);
                // the name: the 三级 column; else 指标内容 right after the
                // 二级 column; else the 二级 column (a two-level table)
                let (name, two_level) = match (done.level3, done.content, done.level2) {
                    (Some(n), content, _) => {
                        extra.extend(content);
                        (n, false)
                    }
                    (None, Some(c), Some(l2)) if adjacent(&row, l2, c) => (c, false),
                    (None, content, Some(l2)) => {
                        extra.extend(content);
                        (l2, true)
                    }
                    (None, _, None) => return None,
                };
                let period = done.period.or(period);
                blocks.push(Block {
                    level2: if two_level { None } else { done.level2 },
                    name,
                    two_level,
                    value: i,
                    operator: done.operator,
                    unit: done.unit,
                    period,
                });
            }
            _ => extra.push(i),
        }
    }
    // columns named after the last target (备注, 评分细则)
    extra.extend(cur.level2.into_iter().chain(cur.level3).chain(cur.content));
    extra.sort_unstable();
    // Most cells of a header row are headers; a label row never is.
    if blocks.is_empty() || known * 2 < cells || blocks.len() > 2 {
        return None;
    }
    // A one-level table (name and target only) is not recognised: too
    // many label rows look like it.
    if blocks.iter().any(|b| b.two_level && level1.is_none()) {
        return None;
    }
    if !blocks.iter().all(|b| b.level2.is_some() || b.two_level) && level1.is_none() {
        return None;
    }
    // a column outside the vocabulary: its cells go to `extra` (found
    // now, once the row is known to be a header: most rows are not)
    let placed: Vec<usize> = blocks
        .iter()
        .flat_map(|b| [b.level2, Some(b.name), Some(b.value), b.operator, b.unit])
        .chain([level1, weight, group])
        .flatten()
        .chain(extra.iter().copied())
        .collect();
    extra.extend(
        row.non_empty()
            .map(|(i, _)| i)
            .filter(|i| !placed.contains(i)),
    );
    extra.sort_unstable();
    extra.dedup();
    if blocks.len() == 2 {
        // unlabelled blocks: the left is the multi-year one, as the goal
        // texts above them are (中期目标 left, 年度目标 right)
        let (l, r) = (blocks[0].period, blocks[1].period);
        let (l, r) = match (l, r) {
            (None, None) => (Some(Period::LongTerm), Some(Period::Annual)),
            (Some(p), None) => (Some(p), Some(other(p))),
            (None, Some(p)) => (Some(other(p)), Some(p)),
            both => both,
        };
        blocks[0].period = l;
        blocks[1].period = r;
    } else {
        // one block has no period, unless its row labels it as one of
        // two stacked blocks (长期绩效指标 above 年度绩效指标)
        blocks[0].period = group.and_then(|g| layout::period_of(row.cell(g)));
    }
    Some(Header {
        level1,
        blocks,
        weight,
        extra,
        group,
        names: (0..row.len()).map(|i| row.cell(i).to_string()).collect(),
    })
}

fn other(p: Period) -> Period {
    match p {
        Period::Annual => Period::LongTerm,
        Period::LongTerm => Period::Annual,
    }
}

/// Is column `b` the next non-empty header cell after column `a`?
fn adjacent(row: &RowView<'_, '_>, a: usize, b: usize) -> bool {
    b > a && (a + 1..b).all(|i| row.cell(i).is_empty())
}

/// A cell that only holds template filler (`…`, `——`, `*`): no value.
pub fn is_placeholder(cell: &str) -> bool {
    // most cells are settled by their first character
    match cell.chars().next() {
        Some(
            '…' | '.' | '。' | '·' | '*' | '＊' | '—' | '-' | '－' | '―' | '─' | '_' | ' ' | '　'
            | '年' | '月',
        ) => {}
        _ => return false,
    }
    // a date left blank in a template: `年 月 日`
    let blank_date = cell.chars().any(|c| c == '年' || c == '月')
        && cell
            .chars()
            .all(|c| matches!(c, '年' | '月' | '日' | ' ' | '　'));
    blank_date
        || !cell.is_empty()
            && cell.chars().all(|c| {
                matches!(
                    c,
                    '…' | '.'
                        | '。'
                        | '·'
                        | '*'
                        | '＊'
                        | '—'
                        | '-'
                        | '－'
                        | '―'
                        | '─'
                        | '_'
                        | ' '
                        | '　'
                )
            })
}

/// An indicator table being read, with its fill-down state: the level
/// names above, each with the cell it was written in.
#[derive(Debug)]
pub struct Table<'h> {
    header: &'h Header,
    /// Borrowed from the rows (they outlive the table): copied only into
    /// the indicators that carry them.
    level1: Option<(&'h str, CellRef)>,
    /// The 二级 names above, one per block.
    level2: Vec<Option<(&'h str, CellRef)>>,
    /// The last levels' category (see [`Table::category`]).
    last_category: Option<(Option<&'h str>, Option<&'h str>, Option<Category>)>,
}

/// What one block of one row gives.
struct Cells<'h> {
    name: &'h str,
    target: CompactString,
    parsed: Target,
    cells: SmallVec<[(&'static str, CellRef); 7]>,
}

impl<'h> Table<'h> {
    pub fn new(header: &'h Header) -> Table<'h> {
        Table {
            header,
            level1: None,
            level2: vec![None; header.blocks.len()],
            last_category: None,
        }
    }

    /// Reads one row of the table: an indicator per filled block. A row
    /// with level names only updates the fill-down state; cells in
    /// unknown columns become warnings. The cells an indicator was read
    /// from go to `provenance`.
    pub fn push(
        &mut self,
        row: RowView<'h, '_>,
        out: &mut Vec<Indicator>,
        warnings: &mut Vec<Warning>,
        provenance: &mut Provenance,
    ) {
        let h = self.header;
        let filled = |c: usize| {
            let t = row.cell(c);
            (!t.is_empty() && !is_placeholder(t)).then_some(t)
        };
        if let Some(i) = h.level1.filter(|&i| filled(i).is_some()) {
            self.level1 = Some((row.cell(i), row.at(i)));
        }
        for (b, block) in h.blocks.iter().enumerate() {
            if let Some(i) = block.level2.filter(|&i| filled(i).is_some()) {
                self.level2[b] = Some((row.cell(i), row.at(i)));
            }
        }
        self.unknown_cells(row, warnings);
        let extra_of = |b: usize| -> Vec<(String, Option<String>)> {
            let mut seen: Vec<String> = Vec::new();
            h.extra
                .iter()
                .filter(|&&c| h.block_of(c) == b)
                .map(|&c| {
                    // the header as written, without a length hint
                    // (`(150字内)`); a repeated header numbered (`备注 (2)`)
                    let name = h
                        .names
                        .get(c)
                        .map_or(String::new(), |n| vocabulary::strip_hint(n).to_string());
                    let n = seen.iter().filter(|s| **s == name).count();
                    seen.push(name.clone());
                    let key = if n == 0 {
                        name
                    } else {
                        format!("{name} ({})", n + 1)
                    };
                    (key, filled(c).map(str::to_string))
                })
                .collect()
        };
        let (weight, weight_cell) = match h.weight.and_then(|c| filled(c).map(|t| (c, t))) {
            Some((c, t)) => match target::parse_number(t) {
                Some(w) => (Some(Num(w)), Some(row.at(c))),
                None => {
                    warnings.push(Warning::new(
                        WarningCode::UnparsedValue,
                        format!("row {}: 分值 {t:?} is not a number", row.number),
                    ));
                    (None, None)
                }
            },
            None => (None, None),
        };
        let mut given = 0;
        let mut empty_levels: Vec<&str> = Vec::new();
        for (b, block) in h.blocks.iter().enumerate() {
            let Some(c) = self.block_cells(row, block, warnings) else {
                // an empty block: its level names carry down, and a
                // reviewer sees them if no indicator of the row has them
                empty_levels.extend(block.level2.and_then(filled));
                continue;
            };
            given += 1;
            let index = out.len();
            if c.name.is_empty() {
                warnings.push(Warning::new(
                    WarningCode::MissingField,
                    format!(
                        "row {}: indicator {index} has a target ({}) but no name",
                        row.number, c.target
                    ),
                ));
            }
            if c.parsed.unparsed {
                warnings.push(Warning::new(
                    WarningCode::UnparsedTarget,
                    format!(
                        "row {}: 指标值 {:?} of {:?} looks numeric but could not be read",
                        row.number, c.target, c.name
                    ),
                ));
            }
            let (l1, l2) = if block.two_level {
                (None, self.level1)
            } else {
                (self.level1, self.level2[b])
            };
            let mut missing = |v: Option<(&str, CellRef)>, column: bool, name: &str| match v {
                Some((t, _)) => Some(CompactString::from(t)),
                None => {
                    if column {
                        warnings.push(Warning::new(
                            WarningCode::MissingField,
                            format!(
                                "row {}: indicator {index} has no {name} and none above it",
                                row.number
                            ),
                        ));
                    }
                    None
                }
            };
            let level1 = missing(
                l1,
                !block.two_level && h.level1.is_some(),
                "一级指标 (level1)",
            );
            let level2 = missing(
                l2,
                if block.two_level {
                    h.level1.is_some()
                } else {
                    block.level2.is_some()
                },
                "二级指标 (level2)",
            );
            // the block's cells, after the level cells (one allocation)
            let mut cells = IndicatorCells { cells: c.cells };
            let levels = [("level1", l1), ("level2", l2)]
                .into_iter()
                .filter_map(|(key, l)| l.map(|(_, at)| (key, at)));
            cells.cells.insert_many(0, levels);
            if let Some(at) = weight_cell {
                cells.cells.push(("weight", at));
            }
            provenance.indicators.push(cells);
            let category = self.category(l1.map(|(t, _)| t), l2.map(|(t, _)| t));
            out.push(indicator(
                Indicator {
                    level1,
                    level2,
                    level3: CompactString::from(c.name),
                    target: c.target,
                    op: None,
                    value: None,
                    value_max: None,
                    unit: None,
                    kind: Kind::Qualitative,
                    category,
                    period: block.period,
                    core: c.name.contains(['★', '☆']),
                    weight,
                    extra: extra_of(b),
                    row: row.number,
                },
                c.parsed,
            ));
        }
        if given == 0 {
            // Level names without an indicator: the names carry down to
            // the next row, but a reviewer should see the odd row.
            let mut levels: Vec<(&str, usize)> =
                h.level1.into_iter().map(|c| ("一级指标", c)).collect();
            levels.extend(
                h.blocks
                    .iter()
                    .filter_map(|b| b.level2.map(|c| ("二级指标", c))),
            );
            for (name, c) in levels {
                if let Some(text) = filled(c) {
                    warnings.push(Warning::new(
                        WarningCode::UnplacedText,
                        format!(
                            "row {}: {name} {text:?} on a row without an indicator",
                            row.number
                        ),
                    ));
                }
            }
        } else {
            // an empty block beside a filled one: its level names are
            // those of the filled block (the same text), or a warning
            let used: Vec<&str> = out[out.len() - given..]
                .iter()
                .filter_map(|i| i.level2.as_deref())
                .collect();
            for text in empty_levels {
                if !used.contains(&text) {
                    warnings.push(Warning::new(
                        WarningCode::UnplacedText,
                        format!(
                            "row {}: 二级指标 {text:?} of an empty block (no name, no target)",
                            row.number
                        ),
                    ));
                }
            }
        }
    }

    /// The category of these levels: read once per change of levels (the
    /// rows of a table share them), not once per indicator.
    fn category(&mut self, level1: Option<&'h str>, level2: Option<&'h str>) -> Option<Category> {
        if let Some((l1, l2, c)) = self.last_category
            && l1 == level1
            && l2 == level2
        {
            return c;
        }
        let c = layout::category(level1, level2);
        self.last_category = Some((level1, level2, c));
        c
    }

    /// A block's name, target and cells in this row; `None` when the
    /// block has neither a name nor a target here.
    fn block_cells(
        &self,
        row: RowView<'h, '_>,
        b: &Block,
        warnings: &mut Vec<Warning>,
    ) -> Option<Cells<'h>> {
        let cell = |c: Option<usize>| {
            c.map_or("", |i| {
                let t = row.cell(i);
                if is_placeholder(t) { "" } else { t }
            })
        };
        let name = cell(Some(b.name));
        let value = cell(Some(b.value));
        let (op_t, unit_t) = (cell(b.operator), cell(b.unit));
        if name.is_empty() && value.is_empty() && op_t.is_empty() {
            return None;
        }
        // room for the level and weight cells added by the caller
        let mut cells = SmallVec::new();
        if !name.is_empty() {
            cells.push(("level3", row.at(b.name)));
        }
        let merged = target::parse_target(value);
        // A unit column that repeats the unit of a merged target
        // (`≥95%` beside `%`): the target cell alone.
        let repeats_unit = b.operator.is_none()
            && (unit_t.is_empty() || merged.unit.as_deref() == Some(unit_t.trim()));
        let (target, parsed) = if !b.is_split() || repeats_unit {
            if !value.is_empty() {
                cells.push(("target", row.at(b.value)));
            }
            if let Some(u) = b.unit.filter(|_| !unit_t.is_empty()) {
                cells.push(("unit", row.at(u)));
            }
            (CompactString::from(value), merged)
        } else {
            let (target, parsed) = target::parse_split(op_t, value, unit_t);
            // 定性 keeps only the value cell: a unit beside it would be lost.
            for (name, text) in [("计算符号", op_t), ("指标值", value), ("计量单位", unit_t)]
            {
                if !text.is_empty() && text != "定性" && !target.contains(text) {
                    warnings.push(Warning::new(WarningCode::UnplacedText,
                        format!("row {}: {name} {text:?} is not part of the qualitative target {target:?}", row.number),
                    ));
                }
            }
            for (key, col, used) in [
                ("op", b.operator, parsed.op.is_some()),
                ("value", Some(b.value), true),
                ("unit", b.unit, parsed.unit.is_some()),
            ] {
                if let Some(i) = col.filter(|&i| !cell(Some(i)).is_empty() && used) {
                    cells.push((key, row.at(i)));
                }
            }
            (CompactString::from(target), parsed)
        };
        Some(Cells {
            name,
            target,
            parsed,
            cells,
        })
    }

    /// Cells outside the table's columns: warnings (the row label column
    /// of the table, `绩效指标` again, is structure).
    fn unknown_cells(&self, row: RowView<'h, '_>, warnings: &mut Vec<Warning>) {
        let h = self.header;
        for (i, text) in row.non_empty() {
            if h.is_known(i) || is_placeholder(text) {
                continue;
            }
            if h.group == Some(i) && layout::group_heading(text).is_some() {
                continue;
            }
            let column = h.names.get(i).filter(|n| !n.is_empty());
            warnings.push(Warning::new(
                WarningCode::UnplacedText,
                match column {
                    Some(name) => format!(
                        "row {}, column {} ({name}): indicator column not in the contract: {text}",
                        row.number,
                        i + 1
                    ),
                    None => format!(
                        "row {}, column {}: text outside the indicator table's columns: {text}",
                        row.number,
                        i + 1
                    ),
                },
            ));
        }
    }
}

/// The indicator `base` with its target read into op, value and unit.
fn indicator(base: Indicator, t: Target) -> Indicator {
    let kind = if t.is_quantitative() {
        Kind::Quantitative
    } else {
        Kind::Qualitative
    };
    Indicator {
        op: t.op,
        value: t.value.map(Num),
        value_max: t.value_max.map(Num),
        unit: t.unit,
        kind,
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Period};
    use crate::read::Row;
    use crate::table::target::Op;
    use std::borrow::Cow;

    fn row(n: u32, cells: &[&'static str]) -> Row<'static> {
        Row::new(n, cells.iter().map(|c| Cow::Borrowed(*c))).expect("non-empty row")
    }

    fn header(row: &Row<'_>) -> Option<Header> {
        super::header(RowView::whole(row))
    }

    fn read_with_cells(rows: &[Row<'static>]) -> (Vec<Indicator>, Vec<Warning>, Provenance) {
        let h = header(&rows[0]).expect("header");
        let mut t = Table::new(&h);
        let (mut out, mut w, mut p) = (Vec::new(), Vec::new(), Provenance::default());
        for r in &rows[1..] {
            t.push(RowView::whole(r), &mut out, &mut w, &mut p);
        }
        (out, w, p)
    }

    fn read(rows: &[Row<'static>]) -> (Vec<Indicator>, Vec<Warning>) {
        let (out, w, _) = read_with_cells(rows);
        (out, w)
    }

    #[test]
    fn headers_by_meaning() {
        let h = header(&row(1, &["一级目标", "二级目标", "三级目标", "指标目标值"])).unwrap();
        let b = h.first();
        assert_eq!(
            (h.level1, b.level2, b.name, b.value),
            (Some(0), Some(1), 2, 3)
        );
        assert!(!b.is_split());
        let h = header(&row(
            1,
            &[
                "一级指标",
                "二级指标",
                "三级指标名称",
                "计算符号",
                "年度指标值",
                "计量单位",
            ],
        ))
        .unwrap();
        let b = h.first();
        assert_eq!((b.operator, b.value, b.unit), (Some(3), 4, Some(5)));
        assert!(b.is_split());
        // a single block names no period, even as 年度指标值
        assert_eq!(b.period, None);
        assert!(header(&row(1, &["项目名称：", "指标名称", "指标值"])).is_none());
        assert!(header(&row(1, &["三级目标", "指标目标值"])).is_none());
    }

    #[test]
    fn merged_shape_with_fill_down() {
        let (ind, w) = read(&[
            row(22, &["一级目标", "二级目标", "三级目标", "指标目标值"]),
            row(23, &["投入与管理", "投入管理", "预算编制合理性", "合理"]),
            row(24, &["", "", "预算执行率", "=100%"]),
            row(32, &["产出目标", "数量", "参观人数", ">=2000人"]),
            row(33, &["", "", "提升园区科创成果知名度20%", ">=10%"]),
        ]);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(ind.len(), 4);
        assert_eq!(
            (ind[1].level1.as_deref(), ind[1].level2.as_deref()),
            (Some("投入与管理"), Some("投入管理"))
        );
        assert_eq!(
            (ind[1].op, ind[1].value, ind[1].unit.as_deref()),
            (Some(Op::Eq), Some(Num(100.0)), Some("%"))
        );
        assert_eq!(ind[0].kind, Kind::Qualitative);
        assert_eq!(ind[2].value, Some(Num(2000.0)));
        assert_eq!(ind[3].level3, "提升园区科创成果知名度20%");
        assert_eq!(ind[3].value, Some(Num(10.0)));
        assert_eq!(ind[3].level2.as_deref(), Some("数量"));
    }

    #[test]
    fn each_indicator_names_the_cells_it_was_read_from() {
        let (ind, _, p) = read_with_cells(&[
            row(22, &["一级目标", "二级目标", "三级目标", "指标目标值"]),
            row(23, &["产出目标", "数量", "参观人数", ">=2000人"]),
            row(24, &["", "", "预算执行率", "=100%"]),
        ]);
        assert_eq!(ind.len(), 2);
        let at = |row, col| CellRef { row, col };
        assert_eq!(
            p.indicators[1].cells.as_slice(),
            [
                ("level1", at(23, 0)),
                ("level2", at(23, 1)),
                ("level3", at(24, 2)),
                ("target", at(24, 3))
            ]
        );
        let (_, _, p) = read_with_cells(&[
            row(
                1,
                &[
                    "一级指标",
                    "二级指标",
                    "三级指标",
                    "计算符号",
                    "指标值",
                    "计量单位",
                ],
            ),
            row(2, &["产出指标", "数量指标", "培训次数", "≥", "2", "次"]),
        ]);
        assert_eq!(
            p.indicators[0].cells[3..],
            [("op", at(2, 3)), ("value", at(2, 4)), ("unit", at(2, 5))]
        );
    }

    #[test]
    fn split_shape() {
        let (ind, w) = read(&[
            row(
                1,
                &[
                    "一级指标",
                    "二级指标",
                    "三级指标",
                    "计算符号",
                    "指标值",
                    "计量单位",
                ],
            ),
            row(2, &["产出指标", "数量指标", "培训次数", "≥", "2", "次"]),
            row(3, &["", "质量指标", "验收合格", "定性", "达成", ""]),
        ]);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(ind[0].target, "≥2次");
        assert_eq!(
            (ind[0].op, ind[0].unit.as_deref()),
            (Some(Op::Ge), Some("次"))
        );
        assert_eq!(ind[1].target, "达成");
        assert_eq!((ind[1].op, ind[1].kind), (None, Kind::Qualitative));
        assert_eq!(ind[1].level1.as_deref(), Some("产出指标"));
    }

    #[test]
    fn a_unit_beside_a_qualitative_target_is_warned() {
        let (ind, w) = read(&[
            row(
                1,
                &[
                    "一级指标",
                    "二级指标",
                    "三级指标",
                    "计算符号",
                    "指标值",
                    "计量单位",
                ],
            ),
            row(2, &["产出指标", "质量指标", "验收", "定性", "达标", "%"]),
        ]);
        assert_eq!(ind[0].target, "达标");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].message.contains("计量单位 \"%\""), "{w:?}");
    }

    #[test]
    fn other_columns_go_to_extra_and_unreadable_targets_are_warned() {
        let (ind, w) = read(&[
            row(
                1,
                &[
                    "一级目标",
                    "二级目标",
                    "三级目标",
                    "指标目标值",
                    "备注",
                    "甲",
                ],
            ),
            row(
                2,
                &[
                    "",
                    "数量",
                    "完成次数",
                    "按计划完成2次以上工作并提高30%",
                    "见附件",
                    "",
                    "表外",
                ],
            ),
        ]);
        assert_eq!(ind.len(), 1);
        assert_eq!(
            ind[0].extra,
            [
                ("备注".to_string(), Some("见附件".to_string())),
                ("甲".to_string(), None)
            ]
        );
        let codes: Vec<_> = w.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(
            codes,
            ["unplaced_text", "unparsed_target", "missing_field"],
            "{w:?}"
        );
        assert!(w[0].message.contains("表外"), "{w:?}");
    }

    #[test]
    fn two_level_tables_are_aligned_to_the_right() {
        let (ind, w) = read(&[
            row(1, &["一级指标", "二级指标", "绩效标准", "当年预期实现值"]),
            row(2, &["数量指标", "维修次数", "反映维修情况", "≥280次"]),
            row(3, &["", "★巡察次数", "", "200次"]),
        ]);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(ind[1].level1, None);
        assert_eq!(ind[1].level2.as_deref(), Some("数量指标"));
        assert_eq!(ind[1].level3, "★巡察次数");
        assert!(ind[1].core && !ind[0].core);
        assert_eq!(ind[0].category, Some(Category::OutputQuantity));
        assert_eq!(
            ind[0].extra,
            [("绩效标准".to_string(), Some("反映维修情况".to_string()))]
        );
        assert_eq!(ind[1].extra, [("绩效标准".to_string(), None)]);
        assert_eq!((ind[0].row, ind[1].row), (2, 3));
    }

    #[test]
    fn side_by_side_blocks_give_their_own_indicators() {
        let (ind, w) = read(&[
            row(
                1,
                &[
                    "一级指标",
                    "二级指标（长期）",
                    "三级指标（长期）",
                    "指标值（长期）",
                    "二级指标（年度）",
                    "三级指标（年度）",
                    "指标值（年度）",
                ],
            ),
            row(
                2,
                &["产出指标", "数量指标", "", "", "数量指标", "工程数量", "2"],
            ),
            row(
                3,
                &[
                    "",
                    "质量指标",
                    "合格率",
                    "100%",
                    "质量指标",
                    "合格率",
                    "≥95%",
                ],
            ),
        ]);
        assert!(w.is_empty(), "{w:?}");
        let got: Vec<_> = ind
            .iter()
            .map(|i| (i.level3.as_str(), i.period, i.level1.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("工程数量", Some(Period::Annual), Some("产出指标")),
                ("合格率", Some(Period::LongTerm), Some("产出指标")),
                ("合格率", Some(Period::Annual), Some("产出指标")),
            ]
        );
        // unlabelled blocks: the left one is the multi-year one
        let (ind, _) = read(&[
            row(
                1,
                &[
                    "一级指标",
                    "二级指标",
                    "三级指标",
                    "指标值",
                    "二级指标",
                    "三级指标",
                    "计划指标值",
                ],
            ),
            row(2, &["产出", "数量", "a", "3", "数量", "a", "3"]),
        ]);
        assert_eq!(
            ind.iter().map(|i| i.period).collect::<Vec<_>>(),
            [Some(Period::LongTerm), Some(Period::Annual)]
        );
    }

    #[test]
    fn a_unit_column_that_repeats_the_target_unit_is_not_added_twice() {
        let (ind, w) = read(&[
            row(1, &["一级指标", "二级指标", "三级指标", "单位", "指标值"]),
            row(2, &["产出指标", "数量指标", "稳定率", "%", "≥95%"]),
            row(3, &["", "", "头数", "头", "200"]),
        ]);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(
            (ind[0].target.as_str(), ind[0].value),
            ("≥95%", Some(Num(95.0)))
        );
        assert_eq!(
            (ind[1].target.as_str(), ind[1].unit.as_deref()),
            ("200头", Some("头"))
        );
    }
}
