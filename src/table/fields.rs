//! The field stage: one project's rows → a [`Project`].
//!
//! Rows are read as label/value pairs (`项目名称：⇥科创…`, or inline
//! `申报单位名称：上海…`, up to two pairs a row), the indicator table is
//! handed to [`crate::table::indicator`], and every value is converted to the type
//! the contract asks for: ISO dates, booleans, amounts in yuan. The stage
//! accounts for every non-empty cell: it fills a field, goes to `extra`,
//! becomes an indicator, or is named in an `unplaced_text` warning.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Amount, Budget, CellRef, FieldCells, Project, Warning, WarningCode};
use crate::read::Row;
use crate::table::classify::{Class, Item, Kind, money_unit_of};
use crate::table::indicator::Table;
use crate::table::row::RowView;
use crate::table::split::Block;
use crate::table::vocabulary::{self, Field, Label, MoneyUnit};

/// A budget cell, resolved once the table's money unit is known.
struct RawBudget<'a> {
    field: Field,
    raw: &'a str,
    unit: Option<MoneyUnit>,
    /// `row N: 项目总预算（元）`, for warnings.
    label: String,
    cells: FieldCells,
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

    // Room for every indicator row's indicator, and for the usual fields,
    // so that the lists are not grown row by row.
    let indicator_rows = block.rows.clone();
    let indicator_rows = indicator_rows
        .filter(|&i| matches!(classes[i].kind, Kind::Indicator))
        .count();
    p.indicators.reserve(indicator_rows);
    p.provenance.indicators.reserve(indicator_rows);
    p.provenance.fields.reserve(16);
    let titled = classes.get(block.anchor).is_some_and(|c| c.title.is_some());
    for pos in block.rows.clone() {
        let (row, class) = (&rows[pos], &classes[pos]);
        let view = class.view(row);
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
                    value: vec![view.at(col)],
                });
            }
            table = None;
        }
        for &(col, y) in &class.years {
            years.line = years.line.or(Some((y, view.at(col))));
        }
        let why = if titled {
            "before the table title"
        } else {
            "before the project's first field"
        };
        if pos < block.anchor
            && let Some((col, title)) = class.title
        {
            // A title that is not this project's (a headline above it,
            // a title alone that made no project of its own).
            p.warnings.push(Warning::new(
                WarningCode::UnplacedText,
                format!("row {}, column {} ({why}): {title}", row.number, col + 1),
            ));
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
                unplaced_row(&mut p.warnings, view, why);
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
            Kind::Indicator => match table.as_mut() {
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
        for item in items.iter() {
            match item {
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
                    let cells = FieldCells {
                        key: String::new(),
                        label: Some(view.at(*label_col)),
                        value: value.iter().map(|(c, _)| view.at(*c)).collect(),
                    };
                    let value = value.map(|(_, v)| v);
                    let mut ctx = Assign {
                        p: &mut p,
                        seen: &mut seen,
                        extra_keys: &mut extra_keys,
                        raw_budget: &mut raw_budget,
                        money_unit: &mut money_unit,
                    };
                    ctx.assign(label, value, cells, row.number);
                }
            }
        }
    }

    for b in raw_budget {
        let unit = b.unit.or(money_unit).unwrap_or(MoneyUnit::Yuan);
        match parse_amount(b.raw, unit) {
            Some(a) => {
                let slot = budget_slot(&mut p.budget, b.field);
                *slot = Some(a.amount);
                p.provenance.fields.push(b.cells);
                if a.rounded {
                    p.warnings.push(Warning::new(
                        WarningCode::AmountRounded,
                        format!(
                            "{}: {} has more than two decimals in yuan; rounded to the fen",
                            b.label, b.raw
                        ),
                    ));
                }
            }
            None => p.warnings.push(Warning::new(
                WarningCode::UnparsedValue,
                format!("{}: {:?} is not an amount", b.label, b.raw),
            )),
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
            value: vec![cell],
        });
    }
    check(&mut p);
    p
}

fn unplaced_row(warnings: &mut Vec<Warning>, row: RowView<'_, '_>, why: &str) {
    for (col, text) in row.non_empty() {
        warnings.push(Warning::new(
            WarningCode::UnplacedText,
            format!("row {}, column {} ({why}): {text}", row.number, col + 1),
        ));
    }
}

/// The record key a field fills (for provenance).
fn field_key(field: Field) -> &'static str {
    match field {
        Field::Department => "department",
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
}

impl<'a> Assign<'_, 'a> {
    fn extra(&mut self, key: &str, value: Option<&str>, mut cells: FieldCells) {
        let key = push_extra(&mut self.p.extra, self.extra_keys, key.to_string(), value);
        cells.key = format!("extra.{key}");
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
        let Some(value) = value else {
            return; // an empty field is null
        };
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
        cells.key = field_key(field).to_string();
        let p = &mut *self.p;
        let filled = if let Some(slot) = text_slot(p, field) {
            *slot = Some(value.to_string());
            true
        } else {
            match field {
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
                    self.raw_budget.push(RawBudget {
                        field,
                        raw: value,
                        unit: label.unit,
                        label: format!("row {row}: {}", label.text),
                        cells,
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
        Field::Department => &mut p.department,
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
    for (missing, label) in [
        (p.project_name.is_none(), "项目名称 (project_name)"),
        (p.department.is_none(), "申报单位名称 (department)"),
        (p.year.is_none(), "年度 (year)"),
    ] {
        if missing {
            p.warnings.push(Warning::new(
                WarningCode::MissingField,
                format!("no {label} found for this project"),
            ));
        }
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

/// Full-width digits and punctuation (`２０２０．１`, `１，０００`) read as ASCII.
pub fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '，' => ',',
            c => vocabulary::fold_number_char(c),
        })
        .collect()
}

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(?:(\d{1,2})\s*日?)?)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
        .expect("valid regex")
});

/// `2020-01-01`, `2020/1/1`, `2020.1.1`, `2020年1月1日` → `2020-01-01`;
/// `2023.12`, `2023年12月` → `2023-12`. Impossible dates give `None`.
pub fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    iso_date(s).unwrap_or_else(|| date_by_regex(s))
}

fn date_by_regex(s: &str) -> Option<String> {
    let s = ascii_digits(s);
    let c = DATE.captures(&s)?;
    let y: u32 = c[1].parse().ok()?;
    let m: u32 = c[2].parse().ok()?;
    if !(1..=12).contains(&m) {
        return None;
    }
    match c.get(3) {
        None => Some(format!("{y:04}-{m:02}")),
        Some(d) => {
            let d: u32 = d.as_str().parse().ok()?;
            (1..=days_in_month(y, m))
                .contains(&d)
                .then(|| format!("{y:04}-{m:02}-{d:02}"))
        }
    }
}

/// [`parse_date`] of the common `2020-01-01` (ASCII digits), without the
/// regex: what it gives for it (`Some(None)`: no date). `None` for any
/// other text, which goes the full way.
fn iso_date(s: &str) -> Option<Option<String>> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let valid = (1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d);
    Some(valid.then(|| s.to_string()))
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 31,
    }
}

/// 是 → true, 否 → false (also 有/无, Y/N as some exports write them).
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        "是" | "有" | "Y" | "y" | "TRUE" | "true" => Some(true),
        "否" | "无" | "N" | "n" | "FALSE" | "false" => Some(false),
        _ => None,
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct ParsedAmount {
    pub amount: Amount,
    /// More than two decimals in yuan were rounded away.
    pub rounded: bool,
}

/// An amount in `unit` → yuan, exactly (decimal arithmetic, no floats):
/// thousands separators removed, a trailing `元`/`万元` in the cell wins
/// over the label's unit, rounded half away from zero to the fen.
pub fn parse_amount(s: &str, unit: MoneyUnit) -> Option<ParsedAmount> {
    let s = ascii_digits(s.trim());
    let (s, unit) = if let Some(t) = s.strip_suffix("万元") {
        (t, MoneyUnit::TenThousandYuan)
    } else if let Some(t) = s.strip_suffix('元') {
        (t, MoneyUnit::Yuan)
    } else {
        (s.as_str(), unit)
    };
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}'))
        .collect();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || int.len() + frac.len() > 30 {
        return None;
    }
    let scale = match unit {
        MoneyUnit::Yuan => 2i32,
        MoneyUnit::TenThousandYuan => 6,
    };
    let mantissa: i128 = format!("{int}{frac}").parse().ok()?;
    // value in fen = mantissa * 10^(scale - frac.len())
    let exp = scale - frac.len() as i32;
    let (fen, rounded) = if exp >= 0 {
        (mantissa.checked_mul(10i128.pow(exp as u32))?, false)
    } else {
        let div = 10i128.checked_pow((-exp) as u32)?;
        let q = mantissa / div;
        let r = mantissa % div;
        (if r * 2 >= div { q + 1 } else { q }, r != 0)
    };
    let fen = i64::try_from(if neg { -fen } else { fen }).ok()?;
    Some(ParsedAmount {
        amount: Amount { fen },
        rounded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_date_form() {
        for (s, want) in [
            ("2020-01-01", Some("2020-01-01")),
            ("2020/1/1", Some("2020-01-01")),
            ("2021/12/31", Some("2021-12-31")),
            ("2023.1.1", Some("2023-01-01")),
            ("2020年1月1日", Some("2020-01-01")),
            ("2021年1月1日", Some("2021-01-01")),
            ("2021年12月", Some("2021-12")),
            ("2023.12", Some("2023-12")),
            ("2023-12", Some("2023-12")),
            ("２０２０年１月１日", Some("2020-01-01")),
            ("2020-01-01 00:00:00", Some("2020-01-01")),
            (" 2020 年 3 月 5 日 ", Some("2020-03-05")),
            ("2020-02-29", Some("2020-02-29")),
            ("2021-02-29", None),
            ("2020-13-01", None),
            ("2020-04-31", None),
            ("全年", None),
            ("2020", None),
            ("", None),
        ] {
            assert_eq!(parse_date(s).as_deref(), want, "{s:?}");
        }
    }

    #[test]
    fn the_iso_date_shortcut_agrees_with_the_regex() {
        for s in [
            "2020-01-01",
            "2020-12-31",
            "2020-02-29",
            "2019-02-29",
            "2020-13-01",
            "2020-00-10",
            "2020-04-31",
            "0999-01-01",
            "2020-1-01x",
            "2020/01/01",
            "20x0-01-01",
            "2020-01-00",
        ] {
            // the shortcut takes every `dddd-dd-dd` and nothing else
            let shaped = s.len() == 10
                && s.bytes().enumerate().all(|(i, c)| match i {
                    4 | 7 => c == b'-',
                    _ => c.is_ascii_digit(),
                });
            assert_eq!(iso_date(s).is_some(), shaped, "{s:?}");
            if let Some(quick) = iso_date(s) {
                assert_eq!(quick, date_by_regex(s), "{s:?}");
            }
        }
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("是"), Some(true));
        assert_eq!(parse_bool(" 否 "), Some(false));
        assert_eq!(parse_bool("不确定"), None);
    }

    #[test]
    fn amounts_in_yuan_and_wan() {
        let y = |s, u| {
            parse_amount(s, u)
                .map(|a| (a.amount.fen, a.rounded))
                .ok_or(())
        };
        use MoneyUnit::*;
        assert_eq!(y("41,098,620", Yuan), Ok((4_109_862_000, false)));
        assert_eq!(y("4109.862", TenThousandYuan), Ok((4_109_862_000, false)));
        assert_eq!(y("586.9574", TenThousandYuan), Ok((586_957_400, false)));
        assert_eq!(y("12.5", Yuan), Ok((1250, false)));
        assert_eq!(y("1.005", Yuan), Ok((101, true)));
        assert_eq!(y("100万元", Yuan), Ok((100_000_000, false)));
        assert_eq!(y("100元", TenThousandYuan), Ok((10_000, false)));
        assert_eq!(y("１，０００", Yuan), Ok((100_000, false)));
        assert_eq!(y("-20", Yuan), Ok((-2000, false)));
        assert_eq!(y("0.00000001", TenThousandYuan), Ok((0, true)));
        assert!(y("", Yuan).is_err());
        assert!(y("无", Yuan).is_err());
        assert!(y("1.2.3", Yuan).is_err());
        assert!(y("9".repeat(40).as_str(), Yuan).is_err());
    }
}
