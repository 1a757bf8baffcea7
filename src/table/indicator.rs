//! The indicator stage: the three-level table of a project → indicators.
//!
//! A header row names the columns (matched by meaning in
//! [`crate::table::vocabulary::column_for_header`]); it is either the *merged* shape,
//! where one 指标目标值 cell holds operator, number and unit, or the *split*
//! shape with separate 计算符号 / 指标值 / 计量单位 columns. Blank level-1 and
//! level-2 cells repeat the value above (merged cells export as blanks).
//! Targets are normalised by [`crate::table::target`]; the name (三级指标) is kept
//! verbatim and never parsed.

use crate::model::{
    CellRef, Indicator, IndicatorCells, Kind, Num, Provenance, Warning, WarningCode,
};
use crate::table::row::RowView;
use crate::table::target::{self, Target};
use crate::table::vocabulary::{self, Column};

/// Column positions of an indicator table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub level1: Option<usize>,
    pub level2: Option<usize>,
    pub level3: usize,
    pub value: usize,
    pub operator: Option<usize>,
    pub unit: Option<usize>,
    /// Header text of every column, to name unknown columns in warnings.
    pub names: Vec<String>,
}

impl Header {
    /// The split shape: separate operator and/or unit columns.
    pub fn is_split(&self) -> bool {
        self.operator.is_some() || self.unit.is_some()
    }

    fn is_known(&self, col: usize) -> bool {
        [
            self.level1,
            self.level2,
            Some(self.level3),
            Some(self.value),
            self.operator,
            self.unit,
        ]
        .contains(&Some(col))
    }
}

/// Recognises an indicator table's header row: it names a level-3 column,
/// a target/value column, and a level-1 or level-2 column.
pub fn header(row: RowView<'_, '_>) -> Option<Header> {
    let mut cols: [Option<usize>; 6] = [None; 6];
    let slot = |c: Column| match c {
        Column::Level1 => 0,
        Column::Level2 => 1,
        Column::Level3 => 2,
        Column::Value => 3,
        Column::Operator => 4,
        Column::Unit => 5,
    };
    let mut known = 0;
    for (i, cell) in row.non_empty() {
        if let Some(c) = vocabulary::column_for_header(cell) {
            known += 1;
            let s = &mut cols[slot(c)];
            if s.is_none() {
                *s = Some(i);
            }
        }
    }
    let [level1, level2, level3, value, operator, unit] = cols;
    // Most cells of a header row are headers; a label row never is.
    if known * 2 < row.non_empty().count() {
        return None;
    }
    Some(Header {
        level1,
        level2,
        level3: level3?,
        value: value?,
        operator,
        unit,
        names: (0..row.len()).map(|i| row.cell(i).to_string()).collect(),
    })
    .filter(|h| h.level1.is_some() || h.level2.is_some())
}

/// An indicator table being read, with its fill-down state: the level
/// names above, each with the cell it was written in.
#[derive(Debug)]
pub struct Table<'h> {
    header: &'h Header,
    /// Borrowed from the rows (they outlive the table): copied only into
    /// the indicators that carry them.
    level1: Option<(&'h str, CellRef)>,
    level2: Option<(&'h str, CellRef)>,
}

impl<'h> Table<'h> {
    pub fn new(header: &'h Header) -> Table<'h> {
        Table {
            header,
            level1: None,
            level2: None,
        }
    }

    /// Reads one row of the table. A row with level names only updates the
    /// fill-down state; cells in unknown columns become warnings. The
    /// cells an indicator was read from go to `provenance`.
    pub fn push(
        &mut self,
        row: RowView<'h, '_>,
        out: &mut Vec<Indicator>,
        warnings: &mut Vec<Warning>,
        provenance: &mut Provenance,
    ) {
        let h = self.header;
        let cell = |c: Option<usize>| c.map_or("", |i| row.cell(i));
        if let Some(i) = h.level1.filter(|&i| !row.cell(i).is_empty()) {
            self.level1 = Some((row.cell(i), row.at(i)));
        }
        if let Some(i) = h.level2.filter(|&i| !row.cell(i).is_empty()) {
            self.level2 = Some((row.cell(i), row.at(i)));
        }
        for (i, text) in row.non_empty() {
            if !h.is_known(i) {
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
        let level3 = cell(Some(h.level3));
        let (target, parsed) = if h.is_split() {
            let parts = [
                ("计算符号", cell(h.operator)),
                ("指标值", cell(Some(h.value))),
                ("计量单位", cell(h.unit)),
            ];
            let (target, parsed) = target::parse_split(parts[0].1, parts[1].1, parts[2].1);
            // 定性 keeps only the value cell: a unit beside it would be lost.
            for (name, text) in parts {
                if !text.is_empty() && text != "定性" && !target.contains(text) {
                    warnings.push(Warning::new(WarningCode::UnplacedText,
                        format!("row {}: {name} {text:?} is not part of the qualitative target {target:?}", row.number),
                    ));
                }
            }
            (target, parsed)
        } else {
            let t = cell(Some(h.value));
            (t.to_string(), target::parse_target(t))
        };
        if level3.is_empty() && target.is_empty() {
            // Level names without an indicator: the names carry down to the
            // next row, but a reviewer should see the odd row.
            for (name, c) in [("一级目标", h.level1), ("二级目标", h.level2)] {
                let text = cell(c);
                if !text.is_empty() {
                    warnings.push(Warning::new(
                        WarningCode::UnplacedText,
                        format!(
                            "row {}: {name} {text:?} on a row without an indicator",
                            row.number
                        ),
                    ));
                }
            }
            return;
        }
        let index = out.len();
        if level3.is_empty() {
            warnings.push(Warning::new(
                WarningCode::MissingField,
                format!(
                    "row {}: indicator {index} has a target ({target}) but no name (三级指标)",
                    row.number
                ),
            ));
        }
        if parsed.unparsed {
            warnings.push(Warning::new(WarningCode::UnparsedTarget,
                format!(
                    "row {}: 指标目标值 {target:?} of 三级指标 {level3:?} looks numeric but could not be read",
                    row.number
                ),
            ));
        }
        let level = |v: &Option<(&str, CellRef)>, name: &str, warnings: &mut Vec<Warning>| {
            v.as_ref().map(|(t, _)| t.to_string()).unwrap_or_else(|| {
                warnings.push(Warning::new(
                    WarningCode::MissingField,
                    format!(
                        "row {}: indicator {index} has no {name} and none above it",
                        row.number
                    ),
                ));
                String::new()
            })
        };
        let level1 = level(&self.level1, "一级目标 (level1)", warnings);
        let level2 = level(&self.level2, "二级目标 (level2)", warnings);
        // level1, level2, level3 and the target: one allocation
        let mut cells = IndicatorCells {
            cells: Vec::with_capacity(4),
        };
        for (key, at) in [("level1", &self.level1), ("level2", &self.level2)] {
            if let Some((_, c)) = at {
                cells.cells.push((key, *c));
            }
        }
        let filled = |i: Option<usize>| i.filter(|&i| !row.cell(i).is_empty());
        if let Some(i) = filled(Some(h.level3)) {
            cells.cells.push(("level3", row.at(i)));
        }
        if h.is_split() {
            // Only the cells the target was built from: a `定性` operator
            // cell, or a unit beside a qualitative value, fed nothing.
            for (key, col, used) in [
                ("op", h.operator, parsed.op.is_some()),
                ("value", Some(h.value), true),
                ("unit", h.unit, parsed.unit.is_some()),
            ] {
                if let Some(i) = filled(col).filter(|_| used) {
                    cells.cells.push((key, row.at(i)));
                }
            }
        } else if let Some(i) = filled(Some(h.value)) {
            cells.cells.push(("target", row.at(i)));
        }
        provenance.indicators.push(cells);
        out.push(indicator(
            level1,
            level2,
            level3.to_string(),
            target,
            parsed,
        ));
    }
}

fn indicator(
    level1: String,
    level2: String,
    level3: String,
    target: String,
    t: Target,
) -> Indicator {
    let kind = if t.is_quantitative() {
        Kind::Quantitative
    } else {
        Kind::Qualitative
    };
    Indicator {
        level1,
        level2,
        level3,
        target,
        op: t.op,
        value: t.value.map(Num),
        value_max: t.value_max.map(Num),
        unit: t.unit,
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(
            (h.level1, h.level2, h.level3, h.value),
            (Some(0), Some(1), 2, 3)
        );
        assert!(!h.is_split());
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
        assert_eq!((h.operator, h.value, h.unit), (Some(3), 4, Some(5)));
        assert!(h.is_split());
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
            (ind[1].level1.as_str(), ind[1].level2.as_str()),
            ("投入与管理", "投入管理")
        );
        assert_eq!(
            (ind[1].op, ind[1].value, ind[1].unit.as_deref()),
            (Some(Op::Eq), Some(Num(100.0)), Some("%"))
        );
        assert_eq!(ind[0].kind, Kind::Qualitative);
        assert_eq!(ind[2].value, Some(Num(2000.0)));
        assert_eq!(ind[3].level3, "提升园区科创成果知名度20%");
        assert_eq!(ind[3].value, Some(Num(10.0)));
        assert_eq!(ind[3].level2, "数量");
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
            p.indicators[1].cells,
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
        assert_eq!(ind[1].level1, "产出指标");
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
    fn unknown_columns_and_unreadable_targets_are_warned() {
        let (ind, w) = read(&[
            row(
                1,
                &["一级目标", "二级目标", "三级目标", "指标目标值", "备注"],
            ),
            row(
                2,
                &[
                    "",
                    "数量",
                    "完成次数",
                    "按计划完成2次以上工作并提高30%",
                    "见附件",
                ],
            ),
        ]);
        assert_eq!(ind.len(), 1);
        let codes: Vec<_> = w.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(
            codes,
            ["unplaced_text", "unparsed_target", "missing_field"],
            "{w:?}"
        );
        assert!(w[0].message.contains("备注") && w[0].message.contains("见附件"));
    }
}
