//! The field stage: one project's rows → a [`Project`].
//!
//! Rows are read as label/value pairs (`项目名称：⇥科创…`, or inline
//! `申报单位名称：上海…`, up to two pairs a row), the indicator table is
//! handed to [`crate::table::indicator`], and every value is converted to the type
//! the contract asks for: ISO dates, booleans, amounts in yuan. The stage
//! accounts for every non-empty cell: it fills a field, goes to `extra`,
//! becomes an indicator, or is named in an `unplaced_text` warning.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Amount, Budget, Project, Warning, WarningCode};
use crate::read::Row;
use crate::table::indicator::{self, Table};
use crate::table::split::{self, Block};
use crate::table::vocabulary::{self, Field, Label, MoneyUnit};

/// One item of a row: a label with its value, or a loose cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'r> {
    Pair {
        label: Label,
        value: Option<&'r str>,
    },
    Loose {
        col: usize,
        text: &'r str,
    },
}

/// Reads a row as label/value pairs. The value of a label cell is the next
/// non-empty cell, unless that is itself a label (a label merged across
/// two cells leaves an empty cell before its value).
pub fn items<'r>(row: &'r Row<'_>) -> Vec<Item<'r>> {
    let mut out = Vec::new();
    let n = row.cells.len();
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
        if vocabulary::is_label_cell(cell) {
            let label = Label::parse(cell);
            let j = (i + 1..n).find(|&j| !row.cell(j).is_empty());
            let value = match j {
                Some(j) if j == i + 1 && !vocabulary::is_known_label_cell(row.cell(j)) => Some(j),
                Some(j) if j > i + 1 && !vocabulary::is_label_cell(row.cell(j)) => Some(j),
                _ => None,
            };
            match value {
                Some(j) => {
                    out.push(Item::Pair {
                        label,
                        value: Some(row.cell(j)),
                    });
                    i = j + 1;
                }
                None => {
                    out.push(Item::Pair { label, value: None });
                    i += 1;
                }
            }
        } else if let Some((label, value)) = vocabulary::split_inline(cell, first_in_row) {
            out.push(Item::Pair {
                label,
                value: Some(value),
            });
            i += 1;
        } else {
            out.push(Item::Loose { col: i, text: cell });
            i += 1;
        }
    }
    out
}

/// The contract fields a row labels (for the splitter).
pub fn row_fields(row: &Row<'_>) -> impl Iterator<Item = Field> {
    items(row).into_iter().filter_map(|it| match it {
        Item::Pair { label, .. } => label.field(),
        Item::Loose { .. } => None,
    })
}

/// Does the row end an indicator table? A contract label anywhere in it,
/// or in its first column a label or a trailer (填报人, 备注, 填报说明).
/// Only the first *column* counts: in an indicator row whose level cells
/// are blank the first non-empty cell is the name, and a name may well
/// contain a colon (`其中：线上培训人次`).
fn ends_table(row: &Row<'_>) -> bool {
    let first = row.cell(0);
    (!first.is_empty()
        && (vocabulary::is_label_cell(first)
            || vocabulary::split_inline(first, true).is_some()
            || vocabulary::is_trailer(first)))
        || row.non_empty().any(|(_, c)| {
            vocabulary::is_known_label_cell(c)
                || vocabulary::split_inline(c, false).is_some_and(|(l, _)| l.field().is_some())
        })
}

/// Raw budget cells, resolved once the table's money unit is known.
#[derive(Default)]
struct RawBudget {
    cells: Vec<(Field, String, Option<MoneyUnit>, String)>,
}

/// Extracts one project from its block of rows.
pub fn extract(rows: &[Row<'_>], block: &Block) -> Project {
    let mut p = Project::default();
    let mut year_line = None;
    let mut heading_year = None;
    let mut money_unit = None;
    let mut seen: HashSet<Field> = HashSet::new();
    let mut raw_budget = RawBudget::default();
    let mut table: Option<Table> = None;

    let titled = rows
        .get(block.anchor)
        .is_some_and(|r| split::title_cell(r).is_some());
    for (pos, row) in rows[block.rows.clone()].iter().enumerate() {
        let pos = block.rows.start + pos;
        // Structural cells first: the title (the first cell of its row)
        // and year lines, wherever they are in the row.
        let mut consumed: Vec<usize> = Vec::new();
        if pos >= block.anchor
            && let Some((col, title)) = split::title_cell(row)
        {
            if p.title.is_none() {
                p.title = Some(title.to_string());
                year_line = year_line.or(vocabulary::year_in_title(title));
                consumed.push(col);
            }
            table = None;
        }
        for (col, cell) in row.non_empty() {
            if let Some(y) = vocabulary::year_line(cell) {
                year_line = year_line.or(Some(y));
                consumed.push(col);
            }
        }
        let rest;
        let row = if consumed.is_empty() {
            row
        } else {
            rest = without(row, &consumed);
            &rest
        };
        if row.non_empty().next().is_none() {
            continue;
        }
        if pos < block.anchor {
            // Preamble: a money unit applies; anything else is reported.
            let why = if titled {
                "before the table title"
            } else {
                "before the project's first field"
            };
            let units: Vec<Option<MoneyUnit>> = items(row).iter().map(money_unit_of).collect();
            if let Some(&unit) = units.iter().flatten().last() {
                money_unit = Some(unit);
            }
            if units.contains(&None) {
                unplaced_row(&mut p.warnings, row, why);
            }
            continue;
        }
        let sole = row.sole_cell();
        if let Some(header) = indicator::header(row) {
            table = Some(Table::new(header));
            continue;
        }
        if let Some(y) = sole.and_then(vocabulary::heading) {
            heading_year = heading_year.or(y);
            table = None;
            continue;
        }
        if let Some(t) = table.as_mut() {
            if !ends_table(row) {
                t.push(row, &mut p.indicators, &mut p.warnings);
                continue;
            }
            table = None;
        }
        for item in items(row) {
            match item {
                Item::Loose { col, text } => p.warnings.push(Warning::new(
                    WarningCode::UnplacedText,
                    format!(
                        "row {}, column {}: text outside any labelled field: {text}",
                        row.number,
                        col + 1
                    ),
                )),
                Item::Pair { label, value } => assign(
                    &mut p,
                    &mut seen,
                    &mut raw_budget,
                    &mut money_unit,
                    label,
                    value,
                    row.number,
                ),
            }
        }
    }

    for (field, raw, unit, label) in raw_budget.cells {
        let unit = unit.or(money_unit).unwrap_or(MoneyUnit::Yuan);
        match parse_amount(&raw, unit) {
            Some(a) => {
                let slot = budget_slot(&mut p.budget, field);
                *slot = Some(a.amount);
                if a.rounded {
                    p.warnings.push(Warning::new(
                        WarningCode::AmountRounded,
                        format!(
                            "{label}: {raw} has more than two decimals in yuan; rounded to the fen"
                        ),
                    ));
                }
            }
            None => p.warnings.push(Warning::new(
                WarningCode::UnparsedValue,
                format!("{label}: {raw:?} is not an amount"),
            )),
        }
    }

    p.year = year_line.or(heading_year).or_else(|| {
        p.planned_start
            .as_deref()
            .and_then(|d| d.get(..4)?.parse().ok())
    });
    check(&mut p);
    p
}

/// A copy of `row` with the cells at `cols` blanked (they were consumed).
fn without<'a>(row: &Row<'a>, cols: &[usize]) -> Row<'a> {
    Row {
        number: row.number,
        cells: row
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if cols.contains(&i) {
                    Cow::Borrowed("")
                } else {
                    c.clone()
                }
            })
            .collect(),
    }
}

/// The unit of a `单位：万元`-style pair; `None` for any other item.
fn money_unit_of(item: &Item<'_>) -> Option<MoneyUnit> {
    match item {
        Item::Pair { label, value } if label.field() == Some(Field::MoneyUnit) => {
            value.and_then(MoneyUnit::from_text)
        }
        _ => None,
    }
}

fn unplaced_row(warnings: &mut Vec<Warning>, row: &Row<'_>, why: &str) {
    for (col, text) in row.non_empty() {
        warnings.push(Warning::new(
            WarningCode::UnplacedText,
            format!("row {}, column {} ({why}): {text}", row.number, col + 1),
        ));
    }
}

fn assign(
    p: &mut Project,
    seen: &mut HashSet<Field>,
    raw_budget: &mut RawBudget,
    money_unit: &mut Option<MoneyUnit>,
    label: Label,
    value: Option<&str>,
    row: u32,
) {
    let Some(field) = label.field() else {
        push_extra(&mut p.extra, label.text, value);
        return;
    };
    if field == Field::MoneyUnit {
        match value.and_then(MoneyUnit::from_text) {
            Some(u) => *money_unit = Some(u),
            None => push_extra(&mut p.extra, label.text, value),
        }
        return;
    }
    let Some(value) = value else {
        return; // an empty field is null
    };
    if !seen.insert(field) {
        // The same field twice (申报单位 and 单位名称, say): keep the first,
        // keep the second under its own label so nothing is lost.
        p.warnings.push(Warning::new(
            WarningCode::DuplicateField,
            format!(
                "row {row}: {} is given again; the first value is kept, this one is in extra",
                label.text
            ),
        ));
        push_extra(&mut p.extra, label.text, Some(value));
        return;
    }
    let text = || Some(value.to_string());
    match field {
        Field::Department => p.department = text(),
        Field::ProjectName => p.project_name = text(),
        Field::ProjectCategory => p.project_category = text(),
        Field::PerformanceType => p.performance_type = text(),
        Field::Overview => p.overview = text(),
        Field::Basis => p.basis = text(),
        Field::Necessity => p.necessity = text(),
        Field::Safeguards => p.safeguards = text(),
        Field::ImplementationPlan => p.implementation_plan = text(),
        Field::Goals => p.goals = text(),
        Field::PlannedStart | Field::PlannedEnd => match parse_date(value) {
            Some(d) if field == Field::PlannedStart => p.planned_start = Some(d),
            Some(d) => p.planned_end = Some(d),
            None => p.warnings.push(Warning::new(
                WarningCode::UnparsedValue,
                format!("row {row}: {} {value:?} is not a date", label.text),
            )),
        },
        Field::GovernmentProcurement => match parse_bool(value) {
            Some(b) => p.government_procurement = Some(b),
            None => p.warnings.push(Warning::new(
                WarningCode::UnparsedValue,
                format!("row {row}: {} {value:?} is neither 是 nor 否", label.text),
            )),
        },
        Field::BudgetTotal
        | Field::BudgetCurrentYear
        | Field::BudgetPriorYearBudget
        | Field::BudgetPriorYearExecuted => {
            raw_budget.cells.push((
                field,
                value.to_string(),
                label.unit,
                format!("row {row}: {}", label.text),
            ));
        }
        Field::MoneyUnit => {}
    }
}

fn push_extra(extra: &mut Vec<(String, Option<String>)>, key: String, value: Option<&str>) {
    let value = value.map(str::to_string);
    if !extra.iter().any(|(k, _)| *k == key) {
        extra.push((key, value));
        return;
    }
    let mut n = 2;
    loop {
        let k = format!("{key} ({n})");
        if !extra.iter().any(|(e, _)| *e == k) {
            extra.push((k, value));
            return;
        }
        n += 1;
    }
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
    let b = p.budget;
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

/// Full-width digits and punctuation (`２０２０．１`) read as ASCII.
pub fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '，' => ',',
            '／' => '/',
            '－' => '-',
            _ => c,
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
    let s = ascii_digits(s.trim());
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
    use std::borrow::Cow;

    fn row(n: u32, cells: &[&'static str]) -> Row<'static> {
        Row::new(n, cells.iter().map(|c| Cow::Borrowed(*c))).unwrap()
    }

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

    #[test]
    fn label_value_pairs() {
        let r = row(
            6,
            &[
                "项目名称：",
                "科创中心建设工作经费",
                "项目类别：",
                "经常性专项业务费",
            ],
        );
        let it = items(&r);
        assert_eq!(it.len(), 2);
        assert!(
            matches!(&it[0], Item::Pair { label, value: Some("科创中心建设工作经费") } if label.key == "项目名称")
        );
        assert!(
            matches!(&it[1], Item::Pair { label, value: Some("经常性专项业务费") } if label.key == "项目类别")
        );

        let r = row(5, &["申报单位名称：上海推进科技创新中心建设办公室"]);
        assert!(matches!(
            &items(&r)[0],
            Item::Pair {
                value: Some("上海推进科技创新中心建设办公室"),
                ..
            }
        ));

        // empty value before the next label
        let r = row(
            92,
            &[
                "同名项目上年预算额（元）：",
                "",
                "同名项目上年预算执行数（元）：",
                "",
            ],
        );
        let it = items(&r);
        assert_eq!(it.len(), 2);
        assert!(
            it.iter()
                .all(|i| matches!(i, Item::Pair { value: None, .. }))
        );

        // a label merged across two cells
        let r = row(1, &["联系人：", "", "张三"]);
        assert!(matches!(
            &items(&r)[..],
            [Item::Pair {
                value: Some("张三"),
                ..
            }]
        ));

        // loose text
        let r = row(1, &["本项目说明", "", "x"]);
        assert_eq!(items(&r).len(), 2);
        assert!(matches!(items(&r)[1], Item::Loose { col: 2, text: "x" }));
    }
}
