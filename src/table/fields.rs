//! The field stage: one project's rows → a [`Project`].
//!
//! Rows are read as label/value pairs (`项目名称：⇥科创…`, or inline
//! `申报单位名称：上海…`, up to two pairs a row), the indicator table is
//! handed to [`crate::table::indicator`], and every value is converted to the type
//! the contract asks for: ISO dates, booleans, amounts in yuan. The stage
//! accounts for every non-empty cell: it fills a field, goes to `extra`,
//! becomes an indicator, or is named in an `unplaced_text` warning.

use compact_str::CompactString;
use std::collections::{HashMap, HashSet};

use crate::model::{
    Amount, Budget, CellRef, FieldCells, FundingSource, Project, Warning, WarningCode,
};
use crate::read::Row;
use crate::table::classify::{Class, Item, Kind, money_unit_of};
use crate::table::indicator::Table;
use crate::table::row::RowView;
use crate::table::split::Block;
use crate::table::values::{
    AmountError, is_placeholder_value, parse_amount, parse_bool, parse_date, parse_period,
    split_code, split_note,
};
use crate::table::vocabulary::{self, Field, Label, MoneyUnit};

/// A budget cell, resolved once the table's money unit is known.
struct RawBudget<'a> {
    field: Field,
    raw: &'a str,
    unit: Option<MoneyUnit>,
    /// `row N: 项目总预算（元）`, for warnings.
    label: String,
    /// The label as written: the `extra` key when the unit is unknown.
    label_text: String,
    cells: FieldCells,
    /// For a funding source: its index in `budget.sources`.
    source: Option<usize>,
}

/// Values settled after all rows are read.
#[derive(Default)]
struct Late {
    /// 专项名称 / 资金名称: the name, unless a 项目名称 comes.
    alt_name: Option<(String, FieldCells, String)>,
    /// 填报单位 / 编制单位: the department, unless another label names it.
    alt_department: Option<(String, FieldCells, String)>,
    /// The unit in the label of the last amount (`项目当年预算（万元）`):
    /// a `其中：` line under it is in that unit when it names none.
    last_unit: Option<MoneyUnit>,
}

/// Where the project's year came from, by precedence.
#[derive(Default)]
struct YearSources {
    /// A year line, or the year in the title.
    line: Option<(i32, CellRef)>,
    /// A section heading's year (`2020年绩效目标`).
    heading: Option<(i32, CellRef)>,
}

/// Extracts one project from its block of classified rows.
pub fn extract<'a>(rows: &'a [Row<'a>], classes: &'a [Class<'a>], block: &Block) -> Project {
    let mut p = Project::default();
    let mut years = YearSources::default();
    let mut money_unit = None;
    let mut seen = FieldSet::default();
    let mut extra_keys = ExtraKeys::default();
    let mut raw_budget: Vec<RawBudget<'a>> = Vec::new();
    let mut table: Option<Table<'a>> = None;
    let mut late = Late::default();
    // text above the project's anchor (a page's headline and notice)
    let mut preamble: Vec<(CellRef, &str)> = Vec::new();
    // a row whose cells were read as the values of the labels above it
    let mut consumed: Option<usize> = None;

    // Room for every indicator row's indicator, and for the usual fields,
    // so that the lists are not grown row by row.
    let indicator_rows = block.rows.clone();
    let indicator_rows = indicator_rows
        .filter(|&i| matches!(classes[i].kind, Kind::Indicator { .. }))
        .count();
    p.indicators.reserve(indicator_rows);
    p.provenance.indicators.reserve(indicator_rows);
    p.provenance.fields.reserve(16);
    let titled = classes.get(block.anchor).is_some_and(|c| c.title.is_some());
    for pos in block.rows.clone() {
        if consumed == Some(pos) {
            continue;
        }
        let (row, class) = (&rows[pos], &classes[pos]);
        let view = class.view(row);
        if pos == block.anchor {
            let why = if titled {
                "before the table title"
            } else {
                "before the project's first field"
            };
            preamble_warning(&mut p.warnings, &preamble, why);
        }
        // Structural cells first: the title (the first cell of its row)
        // and year lines, wherever they are in the row.
        if pos >= block.anchor
            && let Some((col, title)) = class.title
        {
            if p.title.is_none() {
                p.title = Some(title.to_string());
                if years.line.is_none() {
                    years.line = vocabulary::year_in_title(title).map(|y| (y, view.at(col)));
                }
                p.provenance.fields.push(FieldCells {
                    key: "title".into(),
                    label: None,
                    value: smallvec::smallvec![view.at(col)],
                });
            }
            table = None;
        }
        for &(col, y) in &class.years {
            years.line = years.line.or(Some((y, view.at(col))));
        }
        if pos < block.anchor
            && let Some((col, title)) = class.title
        {
            // A title that is not this project's (a headline above it,
            // a title alone that made no project of its own).
            preamble.push((view.at(col), title));
        }
        if matches!(class.kind, Kind::Blank) {
            continue;
        }
        if pos < block.anchor {
            // Preamble: a money unit applies; anything else is reported.
            let items = class.items(row);
            let units: Vec<Option<MoneyUnit>> = items.iter().map(money_unit_of).collect();
            if let Some(&unit) = units.iter().flatten().last() {
                money_unit = Some(unit);
            }
            if units.contains(&None) {
                preamble.extend(view.non_empty().map(|(col, text)| (view.at(col), text)));
            }
            continue;
        }
        let items = match &class.kind {
            Kind::Header(header) => {
                table = Some(Table::new(header));
                continue;
            }
            Kind::Heading { col, year } => {
                if years.heading.is_none() {
                    years.heading = year.map(|y| (y, view.at(*col)));
                }
                table = None;
                continue;
            }
            Kind::Indicator { .. } => match table.as_mut() {
                Some(t) => {
                    t.push(view, &mut p.indicators, &mut p.warnings, &mut p.provenance);
                    continue;
                }
                // Only the rows of an open table are indicator rows, and
                // a block opens its own: read as items all the same.
                None => class.items(row),
            },
            Kind::Items(items) => std::borrow::Cow::Borrowed(items.as_slice()),
            Kind::Blank => continue,
        };
        table = None;
        let below = values_below(classes, block, pos, &items);
        if !below.is_empty() {
            consumed = Some(pos + 1);
        }
        for item in items.iter() {
            match item {
                Item::Group {
                    unit: Some(unit), ..
                }
                | Item::Unit { unit, .. } => {
                    money_unit.get_or_insert(*unit);
                }
                Item::Group { unit: None, .. } | Item::GridHeader { .. } => {}
                // template filler (`……`, `年 月 日`) carries nothing
                Item::Loose { text, .. } if crate::table::indicator::is_placeholder(text) => {}
                Item::Loose { col, text } => p.warnings.push(Warning::new(
                    WarningCode::UnplacedText,
                    format!(
                        "row {}, column {}: text outside any labelled field: {text}",
                        row.number,
                        col + 1
                    ),
                )),
                Item::Pair {
                    label,
                    label_col,
                    value,
                } => {
                    let mut cells = FieldCells {
                        key: CompactString::default(),
                        label: Some(view.at(*label_col)),
                        value: value.iter().map(|(c, _)| view.at(*c)).collect(),
                    };
                    let mut value = value.map(|(_, v)| v);
                    if value.is_none()
                        && let Some(&(_, text)) = below.iter().find(|(c, _)| c == label_col)
                    {
                        // the value one row below its label
                        let under = RowView::whole(&rows[pos + 1]);
                        cells.value = smallvec::smallvec![under.at(*label_col)];
                        value = Some(text);
                    }
                    let mut ctx = Assign {
                        p: &mut p,
                        seen: &mut seen,
                        extra_keys: &mut extra_keys,
                        raw_budget: &mut raw_budget,
                        money_unit: &mut money_unit,
                        late: &mut late,
                    };
                    ctx.assign(label, value, cells, row.number);
                }
            }
        }
    }

    for b in raw_budget {
        let unit = b.unit.or(money_unit);
        let (parsed, note) = match parse_amount(b.raw, unit) {
            Err(AmountError::NotAnAmount) => match split_note(b.raw) {
                Some((amount, _)) => (parse_amount(amount, unit), true),
                None => (Err(AmountError::NotAnAmount), false),
            },
            other => (other, false),
        };
        if note && parsed.is_ok() {
            // `854万(高标准农田建设400万元,…)`: the amount, and the whole
            // cell in extra so that its note is kept
            let mut cells = b.cells.clone();
            let key = push_extra(
                &mut p.extra,
                &mut extra_keys,
                b.label_text.clone(),
                Some(b.raw),
            );
            cells.key = compact_str::format_compact!("extra.{key}");
            p.provenance.fields.push(cells);
        }
        let amount = match parsed {
            Ok(a) => {
                if a.rounded {
                    p.warnings.push(Warning::new(
                        WarningCode::AmountRounded,
                        format!(
                            "{}: {} has more than two decimals in yuan; rounded to the fen",
                            b.label, b.raw
                        ),
                    ));
                }
                Some(a.amount)
            }
            Err(AmountError::NoUnit) => {
                p.warnings.push(Warning::new(
                    WarningCode::AmountUnitUnknown,
                    format!(
                        "{}: {:?} has no unit (元, 万元) in its cell, its label or the table; kept in extra",
                        b.label, b.raw
                    ),
                ));
                let mut cells = b.cells;
                let key = push_extra(&mut p.extra, &mut extra_keys, b.label_text, Some(b.raw));
                cells.key = compact_str::format_compact!("extra.{key}");
                p.provenance.fields.push(cells);
                continue;
            }
            Err(AmountError::NotAnAmount) => {
                p.warnings.push(Warning::new(
                    WarningCode::UnparsedValue,
                    format!("{}: {:?} is not an amount", b.label, b.raw),
                ));
                None
            }
        };
        match b.source {
            Some(i) => {
                if let Some(s) = p.budget.sources.get_mut(i) {
                    s.amount = amount;
                }
                if amount.is_some() {
                    p.provenance.fields.push(b.cells);
                }
            }
            None => {
                if let Some(a) = amount {
                    *budget_slot(&mut p.budget, b.field) = Some(a);
                    p.provenance.fields.push(b.cells);
                }
            }
        }
    }
    if let Some((name, cells, label)) = late.alt_department.take() {
        let mut cells = cells;
        if p.department.is_none() {
            let (code, name) = split_code(&name);
            if let Some(code) = code {
                p.department_code.get_or_insert_with(|| code.to_string());
            }
            cells.key = "department".into();
            p.department = Some(name.to_string());
            p.provenance.fields.push(cells);
        } else {
            let key = push_extra(&mut p.extra, &mut extra_keys, label, Some(&name));
            cells.key = compact_str::format_compact!("extra.{key}");
            p.provenance.fields.push(cells);
        }
    }
    if let Some((name, cells, label)) = late.alt_name.take() {
        if p.project_name.is_none() {
            let mut cells = cells;
            cells.key = "project_name".into();
            p.project_name = Some(name);
            p.provenance.fields.push(cells);
        } else {
            let mut cells = cells;
            let key = push_extra(&mut p.extra, &mut extra_keys, label, Some(&name));
            cells.key = compact_str::format_compact!("extra.{key}");
            p.provenance.fields.push(cells);
        }
    }

    let start_year = || {
        let start = p.planned_start.as_deref()?;
        let year = start.get(..4)?.parse().ok()?;
        let cell = p
            .provenance
            .fields
            .iter()
            .find(|f| f.key == "planned_start")?
            .value
            .first()
            .copied()?;
        Some((year, cell))
    };
    if let Some((year, cell)) = years.line.or(years.heading).or_else(start_year) {
        p.year = Some(year);
        p.provenance.fields.push(FieldCells {
            key: "year".into(),
            label: None,
            value: smallvec::smallvec![cell],
        });
    }
    check(&mut p);
    p
}

/// The values of labels whose texts are one row below them (`总体目标 ⇥
/// 中期目标 ⇥ 年度目标` over the two goal texts): when the next row of the
/// block holds only loose cells, each right under one of this row's
/// labels that has no value, those cells by column.
fn values_below<'a>(
    classes: &'a [Class<'a>],
    block: &Block,
    pos: usize,
    items: &[Item<'a>],
) -> Vec<(usize, &'a str)> {
    let next = pos + 1;
    if next >= block.rows.end || !matches!(classes[next].kind, Kind::Items(_)) {
        return Vec::new();
    }
    let any_empty = items.iter().any(|i| {
        matches!(i, Item::Pair { label, value: None, .. }
            if !label.grid && label.field().is_some())
    });
    if !any_empty {
        return Vec::new();
    }
    let empty: Vec<usize> = items
        .iter()
        .filter_map(|i| match i {
            Item::Pair {
                label,
                label_col,
                value: None,
            } if !label.grid
                && label
                    .field()
                    .is_some_and(|f| f != Field::MoneyUnit && f != Field::FundingSource) =>
            {
                Some(*label_col)
            }
            _ => None,
        })
        .collect();
    let next = pos + 1;
    if empty.is_empty() || next >= block.rows.end {
        return Vec::new();
    }
    let Kind::Items(below) = &classes[next].kind else {
        return Vec::new();
    };
    let cells: Option<Vec<(usize, &str)>> = below
        .iter()
        .map(|i| match i {
            Item::Loose { col, text } if empty.contains(col) => Some((*col, *text)),
            _ => None,
        })
        .collect();
    cells.unwrap_or_default()
}

/// The text above a project (a page's navigation, headline and notice,
/// an attachment line) in one warning: a reviewer sees it once, whole.
fn preamble_warning(warnings: &mut Vec<Warning>, cells: &[(CellRef, &str)], why: &str) {
    match cells {
        [] => {}
        [(at, text)] => warnings.push(Warning::new(
            WarningCode::UnplacedText,
            format!("row {}, column {} ({why}): {text}", at.row, at.col + 1),
        )),
        [(first, _), .., (last, _)] => {
            let texts: Vec<&str> = cells.iter().map(|(_, t)| *t).collect();
            warnings.push(Warning::new(
                WarningCode::UnplacedText,
                format!(
                    "rows {}–{} ({why}): {} cells of text outside the project's table: {}",
                    first.row,
                    last.row,
                    cells.len(),
                    texts.join(" | ")
                ),
            ));
        }
    }
}

/// The record key a field fills (for provenance).
fn field_key(field: Field) -> &'static str {
    match field {
        Field::Department | Field::DepartmentAlt => "department",
        Field::DepartmentCode => "department_code",
        Field::ImplementingUnit => "implementing_unit",
        Field::ProjectNameAlt => "project_name",
        Field::Period => "planned_start",
        Field::GoalsPart => "goals",
        Field::GoalsLongTerm => "goals_long_term",
        Field::FundingSource => "budget.sources",
        Field::ProjectName => "project_name",
        Field::ProjectCategory => "project_category",
        Field::PlannedStart => "planned_start",
        Field::PlannedEnd => "planned_end",
        Field::GovernmentProcurement => "government_procurement",
        Field::PerformanceType => "performance_type",
        Field::Overview => "overview",
        Field::Basis => "basis",
        Field::Necessity => "necessity",
        Field::Safeguards => "safeguards",
        Field::ImplementationPlan => "implementation_plan",
        Field::Goals => "goals",
        Field::BudgetTotal => "budget.total",
        Field::BudgetCurrentYear => "budget.current_year",
        Field::BudgetPriorYearBudget => "budget.prior_year_budget",
        Field::BudgetPriorYearExecuted => "budget.prior_year_executed",
        Field::MoneyUnit => "money_unit",
    }
}

/// The fields a project has been given (a bit per [`Field`]).
#[derive(Default)]
struct FieldSet(u32);

impl FieldSet {
    /// Adds `field`; whether it was new (as `HashSet::insert`).
    fn insert(&mut self, field: Field) -> bool {
        let bit = 1u32 << (field as u32);
        let new = self.0 & bit == 0;
        self.0 |= bit;
        new
    }
}

/// The state a labelled pair is assigned into.
struct Assign<'p, 'a> {
    p: &'p mut Project,
    seen: &'p mut FieldSet,
    extra_keys: &'p mut ExtraKeys,
    raw_budget: &'p mut Vec<RawBudget<'a>>,
    money_unit: &'p mut Option<MoneyUnit>,
    late: &'p mut Late,
}

impl<'a> Assign<'_, 'a> {
    fn extra(&mut self, key: &str, value: Option<&str>, mut cells: FieldCells) {
        let key = push_extra(&mut self.p.extra, self.extra_keys, key.to_string(), value);
        cells.key = compact_str::format_compact!("extra.{key}");
        self.p.provenance.fields.push(cells);
    }

    fn assign(&mut self, label: &Label, value: Option<&'a str>, mut cells: FieldCells, row: u32) {
        let Some(field) = label.field() else {
            self.extra(&label.text, value, cells);
            return;
        };
        if field == Field::MoneyUnit {
            match value.and_then(MoneyUnit::from_text) {
                Some(u) => *self.money_unit = Some(u),
                None => self.extra(&label.text, value, cells),
            }
            return;
        }
        // a placeholder (`（盖章）`, `……`) is no value: kept in extra as written
        if let Some(v) = value.filter(|v| is_placeholder_value(v)) {
            self.extra(&label.text, Some(v), cells);
            return;
        }
        if field == Field::FundingSource {
            let i = self.p.budget.sources.len();
            self.p.budget.sources.push(FundingSource {
                name: label.text.to_string(),
                amount: None,
            });
            if let Some(raw) = value {
                cells.key = compact_str::format_compact!("budget.sources[{i}]");
                self.raw_budget.push(RawBudget {
                    field,
                    raw,
                    unit: label.unit.or(self.late.last_unit),
                    label: format!("row {row}: {}", label.text),
                    label_text: label.text.to_string(),
                    cells,
                    source: Some(i),
                });
            }
            return;
        }
        let Some(value) = value else {
            return; // an empty field is null
        };
        if field == Field::GoalsPart {
            let line = format!("{}：{value}", label.text);
            let goals = self.p.goals.get_or_insert_with(String::new);
            if !goals.is_empty() {
                goals.push('\n');
            }
            goals.push_str(&line);
            cells.key = "goals".into();
            self.p.provenance.fields.push(cells);
            return;
        }
        if matches!(field, Field::ProjectNameAlt | Field::DepartmentAlt) {
            let slot = if field == Field::ProjectNameAlt {
                &mut self.late.alt_name
            } else {
                &mut self.late.alt_department
            };
            if slot.is_none() {
                *slot = Some((value.to_string(), cells, label.text.to_string()));
            } else {
                self.extra(&label.text, Some(value), cells);
            }
            return;
        }
        if !self.seen.insert(field) {
            // The same field twice (申报单位 and 单位名称, say): keep the first,
            // keep the second under its own label so nothing is lost.
            self.p.warnings.push(Warning::new(
                WarningCode::DuplicateField,
                format!(
                    "row {row}: {} is given again; the first value is kept, this one is in extra",
                    label.text
                ),
            ));
            self.extra(&label.text, Some(value), cells);
            return;
        }
        cells.key = CompactString::from(field_key(field));
        let p = &mut *self.p;
        let filled = if field == Field::Department {
            let (code, name) = split_code(value);
            p.department = Some(name.to_string());
            if let Some(code) = code
                && p.department_code.is_none()
            {
                p.department_code = Some(code.to_string());
                self.seen.insert(Field::DepartmentCode);
            }
            true
        } else if let Some(slot) = text_slot(p, field) {
            *slot = Some(value.to_string());
            true
        } else {
            match field {
                Field::Period if crate::table::values::years_only(value) => {
                    // whole years: no dates; kept as written
                    self.extra(&label.text, Some(value), cells);
                    return;
                }
                Field::Period => match parse_period(value) {
                    Some((start, end)) => {
                        p.planned_start.get_or_insert(start);
                        p.planned_end.get_or_insert(end);
                        cells.key = "planned_start".into();
                        let mut end_cells = cells.clone();
                        end_cells.key = "planned_end".into();
                        p.provenance.fields.push(end_cells);
                        true
                    }
                    None => {
                        p.warnings.push(Warning::new(
                            WarningCode::UnparsedValue,
                            format!(
                                "row {row}: {} {value:?} is not a period (start and end dates)",
                                label.text
                            ),
                        ));
                        false
                    }
                },
                Field::PlannedStart | Field::PlannedEnd => match parse_date(value) {
                    Some(d) => {
                        *if field == Field::PlannedStart {
                            &mut p.planned_start
                        } else {
                            &mut p.planned_end
                        } = Some(d);
                        true
                    }
                    None => {
                        p.warnings.push(Warning::new(
                            WarningCode::UnparsedValue,
                            format!("row {row}: {} {value:?} is not a date", label.text),
                        ));
                        false
                    }
                },
                Field::GovernmentProcurement => match parse_bool(value) {
                    Some(b) => {
                        p.government_procurement = Some(b);
                        true
                    }
                    None => {
                        p.warnings.push(Warning::new(
                            WarningCode::UnparsedValue,
                            format!("row {row}: {} {value:?} is neither 是 nor 否", label.text),
                        ));
                        false
                    }
                },
                Field::BudgetTotal
                | Field::BudgetCurrentYear
                | Field::BudgetPriorYearBudget
                | Field::BudgetPriorYearExecuted => {
                    if label.unit.is_some() {
                        self.late.last_unit = label.unit;
                    }
                    self.raw_budget.push(RawBudget {
                        field,
                        raw: value,
                        unit: label.unit,
                        label: format!("row {row}: {}", label.text),
                        label_text: label.text.to_string(),
                        cells,
                        source: None,
                    });
                    return;
                }
                _ => false,
            }
        };
        if filled {
            self.p.provenance.fields.push(cells);
        }
    }
}

/// The text field a label fills verbatim, if it is one.
fn text_slot(p: &mut Project, field: Field) -> Option<&mut Option<String>> {
    Some(match field {
        Field::DepartmentCode => &mut p.department_code,
        Field::ImplementingUnit => &mut p.implementing_unit,
        Field::GoalsLongTerm => &mut p.goals_long_term,
        Field::ProjectName => &mut p.project_name,
        Field::ProjectCategory => &mut p.project_category,
        Field::PerformanceType => &mut p.performance_type,
        Field::Overview => &mut p.overview,
        Field::Basis => &mut p.basis,
        Field::Necessity => &mut p.necessity,
        Field::Safeguards => &mut p.safeguards,
        Field::ImplementationPlan => &mut p.implementation_plan,
        Field::Goals => &mut p.goals,
        _ => return None,
    })
}

/// Appends `key: value` to `extra`, numbering a repeated key (`备注 (2)`);
/// returns the key it was stored under.
fn push_extra(
    extra: &mut Vec<(String, Option<String>)>,
    keys: &mut ExtraKeys,
    key: String,
    value: Option<&str>,
) -> String {
    let value = value.map(str::to_string);
    if keys.present.insert(key.clone()) {
        extra.push((key.clone(), value));
        return key;
    }
    // Every `key (m)` below the next number is taken already (keys are
    // never removed), so this is the first free number from 2, as before.
    let n = keys.next.entry(key.clone()).or_insert(2);
    loop {
        let k = format!("{key} ({n})");
        *n += 1;
        if keys.present.insert(k.clone()) {
            extra.push((k.clone(), value));
            return k;
        }
    }
}

/// The keys of a project's `extra` so far, and the next number to try
/// for each repeated key: a block of 10,000 repeated labels is numbered
/// in linear time, not by searching the list again for each number (a
/// 100 KB text of one label repeated took minutes).
#[derive(Default)]
struct ExtraKeys {
    present: HashSet<String>,
    next: HashMap<String, u32>,
}

fn budget_slot(b: &mut Budget, field: Field) -> &mut Option<Amount> {
    match field {
        Field::BudgetTotal => &mut b.total,
        Field::BudgetCurrentYear => &mut b.current_year,
        Field::BudgetPriorYearBudget => &mut b.prior_year_budget,
        _ => &mut b.prior_year_executed,
    }
}

/// Warnings that look at the project as a whole.
fn check(p: &mut Project) {
    // one warning names every missing field
    let missing: Vec<&str> = [
        (p.project_name.is_none(), "项目名称 (project_name)"),
        (p.department.is_none(), "申报单位名称 (department)"),
        (p.year.is_none(), "年度 (year)"),
    ]
    .into_iter()
    .filter_map(|(missing, label)| missing.then_some(label))
    .collect();
    if !missing.is_empty() {
        p.warnings.push(Warning::new(
            WarningCode::MissingField,
            format!("no {} found for this project", missing.join(", ")),
        ));
    }
    if p.indicators.is_empty() {
        p.warnings.push(Warning::new(
            WarningCode::NoIndicators,
            "no indicator table (一级目标/二级目标/三级目标/指标目标值) found for this project",
        ));
    }
    if let (Some(s), Some(e)) = (&p.planned_start, &p.planned_end) {
        // ISO strings of the same precision compare as dates.
        if e < s && e.len() == s.len() {
            p.warnings.push(Warning::new(
                WarningCode::DateOrder,
                format!("计划完成日期 {e} is before 计划开始日期 {s}"),
            ));
        }
    }
    let b = p.budget.clone();
    if let (Some(cur), Some(total)) = (b.current_year, b.total)
        && cur > total
    {
        p.warnings.push(Warning::new(
            WarningCode::BudgetInconsistent,
            format!(
                "项目当年预算 {} is more than 项目总预算 {}",
                cur.yuan(),
                total.yuan()
            ),
        ));
    }
    // executed > budget × 1.1, in integers: 10·executed > 11·budget
    if let (Some(exec), Some(budget)) = (b.prior_year_executed, b.prior_year_budget)
        && i128::from(exec.fen) * 10 > i128::from(budget.fen) * 11
    {
        p.warnings.push(Warning::new(
            WarningCode::BudgetInconsistent,
            format!(
                "同名项目上年预算执行数 {} exceeds 同名项目上年预算额 {} by more than 10%",
                exec.yuan(),
                budget.yuan()
            ),
        ));
    }
}
