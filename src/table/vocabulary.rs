//! The vocabulary of the tables: which labels name which field, what a
//! title, a year line or a section heading looks like, and which column
//! headers make an indicator table.
//!
//! Departments word the same form in many ways (`申报单位名称` /
//! `申报单位` / `单位名称`, `一级目标` / `一级指标` / `一级绩效指标`, titles
//! with and without `申报`). Splitting, field extraction and the indicator
//! table all need the same answers, so they live here, in one place, as
//! pure functions of a cell's text.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::model::{Category, Period};

/// A field of the output contract that a labelled cell can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Department,
    ProjectName,
    ProjectCategory,
    PlannedStart,
    PlannedEnd,
    GovernmentProcurement,
    PerformanceType,
    Overview,
    Basis,
    Necessity,
    Safeguards,
    ImplementationPlan,
    Goals,
    BudgetTotal,
    BudgetCurrentYear,
    BudgetPriorYearBudget,
    BudgetPriorYearExecuted,
    /// `金额单位：万元` and the like: the money unit of the whole table.
    MoneyUnit,
}

/// The unit of an amount, from a label such as `项目总预算（万元）`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyUnit {
    Yuan,
    TenThousandYuan,
}

impl MoneyUnit {
    pub fn from_text(s: &str) -> Option<MoneyUnit> {
        match squeeze(s).as_ref() {
            "元" | "人民币元" => Some(MoneyUnit::Yuan),
            "万元" | "人民币万元" => Some(MoneyUnit::TenThousandYuan),
            _ => None,
        }
    }
}

/// A label with its colon removed, whitespace squeezed out and a trailing
/// unit in brackets split off: `项目总预算（万元）：` → `项目总预算`, 万元.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The label as written, without the trailing colon (the `extra` key).
    pub text: String,
    /// The squeezed label without its unit, used for matching (see
    /// [`Label::key`]).
    key: Key,
    pub unit: Option<MoneyUnit>,
    /// The field the key names, looked up once (see [`Label::field`]).
    field: Option<Field>,
}

/// Where a label's key is: within its text (a label without whitespace,
/// most of them: no second copy), or squeezed into a string of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Within(std::ops::Range<usize>),
    Own(String),
}

/// A label's key, unit and field, from its text (colon stripped,
/// trimmed): the key is looked up once.
fn key_of(text: &str) -> (Key, Option<MoneyUnit>, Option<Field>) {
    match squeeze(text) {
        Cow::Borrowed(s) => {
            let (range, unit) = key_range(s);
            let field = field_for_key(&s[range.clone()]);
            (Key::Within(range), unit, field)
        }
        Cow::Owned(s) => {
            let (range, unit) = key_range(&s);
            let key = s[range].to_string();
            let field = field_for_key(&key);
            (Key::Own(key), unit, field)
        }
    }
}

/// The label of `text` (colon stripped, trimmed) and its key parts.
fn label_of(text: &str, (key, unit, field): (Key, Option<MoneyUnit>, Option<Field>)) -> Label {
    Label {
        text: text.to_string(),
        key,
        unit,
        field,
    }
}

impl Label {
    /// Parses a label cell. The key drops decorations forms add around a
    /// label: a leading `*` (required field), a trailing `（盖章）`-style
    /// note, and the unit, with or without brackets (`项目总预算（万元）`,
    /// `项目总预算（单位：万元）`, `项目总预算万元`).
    pub fn parse(raw: &str) -> Label {
        let text = strip_colon(raw).trim();
        label_of(text, key_of(text))
    }

    pub fn field(&self) -> Option<Field> {
        self.field
    }

    /// The squeezed label without its unit, used for matching.
    pub fn key(&self) -> &str {
        match &self.key {
            Key::Within(range) => &self.text[range.clone()],
            Key::Own(key) => key,
        }
    }
}

/// The lookup key of a label's text (colon already stripped, trimmed) and
/// the money unit it names, as in [`Label::parse`]; borrowed when the text
/// has no whitespace (most labels), so classifying a cell does not allocate.
pub fn label_key(text: &str) -> (Cow<'_, str>, Option<MoneyUnit>) {
    match squeeze(text) {
        Cow::Borrowed(s) => {
            let (key, unit) = key_range(s);
            (Cow::Borrowed(&s[key]), unit)
        }
        Cow::Owned(s) => {
            let (key, unit) = key_range(&s);
            (Cow::Owned(s[key].to_string()), unit)
        }
    }
}

/// Where the key sits in a squeezed label text: without a leading `*`, a
/// trailing `（盖章）`-style note or a trailing money unit.
fn key_range(s: &str) -> (std::ops::Range<usize>, Option<MoneyUnit>) {
    let start = s.len() - s.trim_start_matches(['*', '＊']).len();
    let mut key = &s[start..];
    if let Some(k) = strip_decoration(key) {
        key = k;
    }
    let mut unit = None;
    if let Some((k, unit_text)) = strip_unit_suffix(key) {
        unit = MoneyUnit::from_text(unit_text);
        key = k;
    }
    (start..start + key.len(), unit)
}

/// `key` without a trailing `（盖章）`-style note: `[（(](盖章|公章|签章|签字|必填|选填)[)）]$`.
fn strip_decoration(key: &str) -> Option<&str> {
    let k = key.strip_suffix(['）', ')'])?;
    let k = ["盖章", "公章", "签章", "签字", "必填", "选填"]
        .iter()
        .find_map(|w| k.strip_suffix(w))?;
    k.strip_suffix(['（', '('])
}

/// `key` without a trailing money unit, and the unit's text:
/// `(?:[（(](?:金额)?(?:单位[：:])?(UNIT)[)）]|(UNIT))$` with UNIT
/// `(?:人民币)?万?元` (`项目总预算（单位：万元）`, `项目总预算元`).
fn strip_unit_suffix(key: &str) -> Option<(&str, &str)> {
    let (inner, bracketed) = match key.strip_suffix(['）', ')']) {
        Some(inner) => (inner, true),
        None => (key, false),
    };
    let mut k = inner.strip_suffix('元')?;
    k = k.strip_suffix('万').unwrap_or(k);
    k = k.strip_suffix("人民币").unwrap_or(k);
    let unit = &inner[k.len()..];
    if !bracketed {
        return Some((k, unit));
    }
    k = k
        .strip_suffix(['：', ':'])
        .and_then(|k| k.strip_suffix("单位"))
        .unwrap_or(k);
    k = k.strip_suffix("金额").unwrap_or(k);
    Some((k.strip_suffix(['（', '('])?, unit))
}

/// Removes every kind of whitespace (ASCII, U+00A0, U+3000 full-width
/// space); borrows when there is none (most cells).
pub fn squeeze(s: &str) -> Cow<'_, str> {
    if has_whitespace(s) {
        Cow::Owned(s.chars().filter(|c| !c.is_whitespace()).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// The bytes that can start a whitespace character (see [`has_whitespace`]).
const MAY_START_SPACE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = matches!(b, 0x09..=0x0D | 0x20 | 0xC2 | 0xE1..=0xE3);
        b += 1;
    }
    t
};

/// `s.chars().any(char::is_whitespace)`, on bytes: the ASCII whitespace
/// bytes, and the UTF-8 forms of U+0085, U+00A0 (C2 …), U+1680 (E1 9A 80),
/// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F (E2 …) and U+3000
/// (E3 80 80). Cells are mostly CJK, whose bytes never match.
pub fn has_whitespace(s: &str) -> bool {
    let b = s.as_bytes();
    // A screen by table (one load per byte): can any byte start one?
    if !b.iter().any(|&x| MAY_START_SPACE[usize::from(x)]) {
        return false;
    }
    b.iter().enumerate().any(|(i, &lead)| match lead {
        b'\t'..=b'\r' | b' ' => true,
        0xC2 => matches!(b.get(i + 1), Some(0x85 | 0xA0)),
        0xE1 => b.get(i + 1..i + 3) == Some(&[0x9A, 0x80]),
        0xE2 => matches!(
            (b.get(i + 1), b.get(i + 2)),
            (Some(0x80), Some(0x80..=0x8A | 0xA8 | 0xA9 | 0xAF)) | (Some(0x81), Some(0x9F))
        ),
        0xE3 => b.get(i + 1..i + 3) == Some(&[0x80, 0x80]),
        _ => false,
    })
}

/// Full-width digits and number signs read as ASCII (`２０２０．１` →
/// `2020.1`, `－５％` → `-5%`): the one place the table stage folds them.
pub fn fold_number_char(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        '／' => '/',
        '－' => '-',
        '＋' => '+',
        '％' => '%',
        _ => c,
    }
}

fn strip_colon(s: &str) -> &str {
    let t = s.trim_end();
    t.strip_suffix('：')
        .or_else(|| t.strip_suffix(':'))
        .unwrap_or(t)
}

/// Every label key that names a contract field, sorted by length, then
/// bytes (binary search that rarely compares bytes; a test checks the order).
pub(crate) const FIELD_KEYS: &[(&str, Field)] = &[
    ("单位", Field::MoneyUnit),
    ("单位名称", Field::Department),
    ("申报单位", Field::Department),
    ("申报部门", Field::Department),
    ("立项依据", Field::Basis),
    ("绩效目标", Field::Goals),
    ("绩效类型", Field::PerformanceType),
    ("部门名称", Field::Department),
    ("金额单位", Field::MoneyUnit),
    ("项目名称", Field::ProjectName),
    ("项目概况", Field::Overview),
    ("项目类别", Field::ProjectCategory),
    ("项目类型", Field::ProjectCategory),
    ("项目总预算", Field::BudgetTotal),
    ("年度绩效目标", Field::Goals),
    ("申报单位名称", Field::Department),
    ("计划完成日期", Field::PlannedEnd),
    ("计划完成时间", Field::PlannedEnd),
    ("计划开始日期", Field::PlannedStart),
    ("计划开始时间", Field::PlannedStart),
    ("计划结束日期", Field::PlannedEnd),
    ("项目完成日期", Field::PlannedEnd),
    ("项目实施计划", Field::ImplementationPlan),
    ("项目开始日期", Field::PlannedStart),
    ("项目当年预算", Field::BudgetCurrentYear),
    ("项目立项依据", Field::Basis),
    ("项目绩效目标", Field::Goals),
    ("项目设立必要性", Field::Necessity),
    ("项目设立的必要性", Field::Necessity),
    ("同名项目上年执行数", Field::BudgetPriorYearExecuted),
    ("同名项目上年预算数", Field::BudgetPriorYearBudget),
    ("同名项目上年预算额", Field::BudgetPriorYearBudget),
    ("总目标及阶段性目标", Field::Goals),
    ("是否含政府购买服务", Field::GovernmentProcurement),
    ("是否包含政府购买服务", Field::GovernmentProcurement),
    ("是否含有政府购买服务", Field::GovernmentProcurement),
    ("同名项目上年预算执行数", Field::BudgetPriorYearExecuted),
    ("保证项目实施的制度、措施", Field::Safeguards),
    ("保证项目实施的制度和措施", Field::Safeguards),
];

fn field_for_key(key: &str) -> Option<Field> {
    FIELD_KEYS
        .binary_search_by(|(k, _)| (k.len(), k.as_bytes()).cmp(&(key.len(), key.as_bytes())))
        .ok()
        .map(|i| FIELD_KEYS[i].1)
}

/// The first characters of [`FIELD_KEYS`] and [`TRAILERS`]: a cell whose
/// key starts with anything else is no known label, which settles most
/// cells without squeezing them (checked against both lists by a test).
const KEY_STARTS: &[char] = &[
    '申', '单', '部', '项', '计', '是', '绩', '立', '保', '总', '年', '同', '金', '填', '制', '审',
    '联', '财', '备', '说', '注',
];

/// Whether the key of `cell` (as [`label_key`] would build it) could start
/// a known label or trailer: its first character that is not whitespace
/// or a required-field `*`.
fn may_be_known_key(cell: &str) -> bool {
    cell.chars()
        .find(|c| !c.is_whitespace() && !matches!(c, '*' | '＊'))
        .is_some_and(|c| KEY_STARTS.contains(&c))
}

/// Is this cell a label: text ending in `：` or `:` that reads like a label
/// (short, no sentence punctuation)? Known labels always are, with or
/// without their colon (spreadsheet exports often drop it).
pub fn is_label_cell(cell: &str) -> bool {
    let t = cell.trim_end();
    if !(t.ends_with('：') || t.ends_with(':')) {
        return is_known_label_cell(t) || is_trailer_label(t);
    }
    let text = strip_colon(t).trim();
    field_for_key(&label_key(text).0).is_some() || looks_like_label(text)
}

/// [`Label::parse`] of a cell that [`is_label_cell`], `None` for any
/// other (the label's key read once for both).
pub fn label_cell(cell: &str) -> Option<Label> {
    let t = cell.trim_end();
    if !(t.ends_with('：') || t.ends_with(':')) {
        return (is_known_label_cell(t) || is_trailer_label(t)).then(|| Label::parse(cell));
    }
    let text = strip_colon(t).trim();
    let parts = key_of(text);
    (parts.2.is_some() || looks_like_label(text)).then(|| label_of(text, parts))
}

/// Is this a *known* label (one that names a contract field)? Without a
/// colon only the unambiguous ones count: `单位` alone is a column header
/// and `绩效目标` a heading as often as they are labels.
pub fn is_known_label_cell(cell: &str) -> bool {
    let t = cell.trim_end();
    if t.len() > 120 || !may_be_known_key(t) {
        return false;
    }
    let colon = t.ends_with('：') || t.ends_with(':');
    let key = cell_key(t);
    let field = field_for_key(&key);
    field.is_some() && (colon || !matches!(key.as_ref(), "单位" | "绩效目标"))
}

/// Rows that close a table: signatures, contacts and notes under it
/// (`填报人：`, `联系电话`, `备注：…`, `填报说明`). They are never indicators.
pub fn is_trailer(cell: &str) -> bool {
    if !may_be_known_key(cell) {
        return false;
    }
    let s = squeeze(cell);
    let s = s.trim_start_matches(['*', '＊']);
    TRAILERS.iter().any(|t| {
        s.strip_prefix(t).is_some_and(|rest| {
            rest.is_empty()
                || rest.starts_with(['：', ':', '（', '('])
                || rest.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
    })
}

/// A trailer word on its own (`填报人`, `联系电话`): a label without colon.
fn is_trailer_label(cell: &str) -> bool {
    cell.len() <= 120 && may_be_known_key(cell) && TRAILERS.contains(&cell_key(cell).as_ref())
}

/// [`label_key`] of a cell that may end in a colon. Most cells are plain
/// words, which are their own key: those are borrowed without squeezing.
fn cell_key(cell: &str) -> Cow<'_, str> {
    let bare = strip_colon(cell);
    if bare.contains(['（', '(', '*', '＊', '元']) || has_whitespace(bare) {
        label_key(bare.trim()).0
    } else {
        Cow::Borrowed(bare)
    }
}

const TRAILERS: &[&str] = &[
    "填报人",
    "填表人",
    "制表人",
    "审核人",
    "联系人",
    "联系电话",
    "填报日期",
    "填表日期",
    "制表日期",
    "审核日期",
    "单位负责人",
    "财务负责人",
    "项目负责人",
    "备注",
    "说明",
    "注",
    "填报说明",
    "填表说明",
];

/// Short, with at least one letter or CJK character, without the
/// punctuation of a sentence.
pub fn looks_like_label(text: &str) -> bool {
    let n = text.chars().count();
    (1..=30).contains(&n)
        && text.chars().any(|c| c.is_alphabetic())
        && !text.chars().any(|c| {
            matches!(
                c,
                '。' | '，' | '；' | ',' | ';' | '！' | '？' | '!' | '?' | '：' | ':' | '<' | '>'
            )
        })
}

/// Splits an inline `label：value` cell (`申报单位名称：上海…`). Known labels
/// are split anywhere; an unknown label only when `first_in_row` (a value
/// cell may well contain a colon).
pub fn split_inline(cell: &str, first_in_row: bool) -> Option<(Label, &str)> {
    let (head, rest) = inline_parts(cell, first_in_row)?;
    Some((Label::parse(head), rest))
}

/// Whether [`split_inline`] splits the cell, without building its label.
pub fn is_inline(cell: &str, first_in_row: bool) -> bool {
    inline_parts(cell, first_in_row).is_some()
}

/// [`split_inline`]'s decision: the label part (with its colon) and the
/// value, the label's text and key read as [`Label::parse`] reads them,
/// but borrowed.
fn inline_parts(cell: &str, first_in_row: bool) -> Option<(&str, &str)> {
    // No label is longer than 30 characters (`looks_like_label`; the known
    // keys with decorations stay under that), so the colon that ends one is
    // in the first 120 bytes: prose is not scanned to its end.
    let (pos, colon_len) = first_colon_outside_brackets(cell, 4 * 30)?;
    let head = &cell[..pos];
    let rest = cell[pos + colon_len..].trim();
    if rest.is_empty() {
        return None; // a plain label cell, handled by the caller
    }
    let text = strip_colon(head).trim();
    let known = field_for_key(&label_key(text).0).is_some();
    (known || (first_in_row && looks_like_label(text))).then_some((head, rest))
}

/// The first `：`/`:` not inside brackets (`项目总预算（单位：万元）：100`).
fn first_colon_outside_brackets(s: &str, within: usize) -> Option<(usize, usize)> {
    let mut depth = 0i32;
    for (i, c) in s.char_indices().take_while(|&(i, _)| i <= within) {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth -= 1,
            '：' | ':' if depth <= 0 => return Some((i, c.len_utf8())),
            _ => {}
        }
    }
    None
}

static TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"绩效目标(?:申报|申请)?表(?:[（(].*[)）])?$").expect("valid regex")
});
static YEAR_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[（(]\s*(\d{4})\s*年度?\s*[)）]|(\d{4})\s*年度)$").expect("valid regex")
});
static YEAR_IN_TITLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})\s*年度").expect("valid regex"));
static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:本项目.*资金使用情况|(?:(\d{4})\s*年度?)?(?:年度)?(?:项目)?绩效(?:目标|指标)|项目基本(?:信息|情况)|项目(?:资金|预算)情况)$",
    )
    .expect("valid regex")
});

/// A table title such as `财政项目支出绩效目标表`, `项目支出绩效目标申报表`.
pub fn is_title(cell: &str) -> bool {
    // by a prebuilt byte searcher: `contains('表')` stops at every A8 byte
    // (its last), which is common in CJK text
    static TABLE: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("表"));
    if TABLE.find(cell.as_bytes()).is_none() {
        return false;
    }
    let s = squeeze(cell);
    s.chars().count() <= 60 && TITLE.is_match(&s)
}

/// The year of a title row (`2021年度项目支出绩效目标表`), if it names one.
pub fn year_in_title(cell: &str) -> Option<i32> {
    YEAR_IN_TITLE.captures(cell).and_then(|c| c[1].parse().ok())
}

/// `(2020年度)` / `（2021年度）` / `2021年度` on a line of its own.
pub fn year_line(cell: &str) -> Option<i32> {
    // Most cells are settled by their first byte: no `(`, digit, `（`
    // (EF …) or whitespace (see `MAY_START_SPACE`) can start them.
    match cell.as_bytes().first() {
        Some(&b)
            if b == b'(' || b.is_ascii_digit() || b == 0xEF || MAY_START_SPACE[usize::from(b)] => {}
        _ => return None,
    }
    let t = cell.trim_start();
    let opens = matches!(t.as_bytes().first(), Some(b'(' | b'0'..=b'9')) || t.starts_with('（');
    if t.len() > 64 || !opens {
        return None;
    }
    // Every line the pattern takes ends in a bracket or in 年度 (most
    // cells that start with a digit are numbers, settled here).
    let t = cell.trim();
    if !t.ends_with([')', '）', '度']) {
        return None;
    }
    let c = YEAR_LINE.captures(t)?;
    c.get(1).or(c.get(2))?.as_str().parse().ok()
}

/// A section heading on a row of its own: `本项目上年度市级财政资金使用情况`,
/// `2020年绩效目标`. Returns the year the heading names (if any).
pub fn heading(cell: &str) -> Option<Option<i32>> {
    if cell.len() > 120 {
        return None;
    }
    let s = squeeze(cell);
    // Every heading the pattern knows names 项目 or 绩效.
    if !s.contains("项目") && !s.contains("绩效") {
        return None;
    }
    // ... and ends in one of these words.
    if !["情况", "目标", "指标", "信息"]
        .iter()
        .any(|w| s.ends_with(w))
    {
        return None;
    }
    if !HEADING.is_match(&s) {
        return None;
    }
    // The year group only ever parses as ASCII digits: without any, the
    // captures (the slow search) would give no year either.
    if !s.bytes().any(|b| b.is_ascii_digit()) {
        return Some(None);
    }
    HEADING
        .captures(&s)
        .map(|c| c.get(1).and_then(|m| m.as_str().parse().ok()))
}

/// The role of a column of the indicator table, from its header cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Level1,
    Level2,
    Level3,
    /// 指标内容: the name when it stands right after the 二级 column,
    /// else a description (an `extra` column).
    Content,
    /// The merged target cell (指标目标值), or the value column of the
    /// split shape (指标值).
    Value,
    Operator,
    Unit,
    /// 分值, 权重.
    Weight,
    /// A column outside the contract (绩效标准, 评分细则, 备注): `extra`.
    Extra,
}

/// The first characters of the header names [`header_cell`] knows.
const HEADER_STARTS: &[char] = &[
    '一', '二', '三', '指', '年', '目', '绩', '计', '运', '符', '度', '单', '当', '预', '分', '权',
    '评', '备', '保', '上', '说', '考',
];

/// Matches an indicator-table header cell by meaning.
pub fn column_for_header(cell: &str) -> Option<Column> {
    header_cell(cell).map(|(c, _)| c)
}

/// Matches an indicator-table header cell by meaning, with the block it
/// names (`指标值（年度）`, `二级指标（长期）`).
pub fn header_cell(cell: &str) -> Option<(Column, Option<Period>)> {
    if cell.len() > 90 {
        return None;
    }
    // Header names start with one of these (checked by a test).
    let first = cell.chars().find(|c| !c.is_whitespace());
    if !first.is_some_and(|c| HEADER_STARTS.contains(&c)) {
        return None;
    }
    // The longest header name is 10 characters (30 bytes), plus a colon:
    // longer cells need a bracket or spaces to be one.
    let t = cell.trim();
    if t.len() > 33 && !t.contains(['（', '(']) && !has_whitespace(t) {
        return None;
    }
    // `指标值（2021年）`, `指标目标值(定量或定性)`, `指标值(150字内)`: the
    // bracket only qualifies (and may name the block).
    let s = squeeze(strip_colon(cell));
    let (s, qualifier) = match s.find(['（', '(']) {
        Some(i) if i > 0 && s.ends_with(['）', ')']) => (&s[..i], &s[i..]),
        _ => (s.as_ref(), ""),
    };
    let column = HEADER_NAMES
        .iter()
        .find(|(name, _)| *name == s)
        .map(|(_, column)| *column)?;
    let named = match s {
        "年度指标值" | "年度目标值" | "年度预期值" => Some(Period::Annual),
        _ => None,
    };
    let period = period_of(qualifier).or(named);
    Some((column, period))
}

/// The block a text names: 长期, 中期, 实施期 → long term; 年度, 本年,
/// 当年 → annual.
pub fn period_of(text: &str) -> Option<Period> {
    if ["长期", "中期", "实施期"].iter().any(|w| text.contains(w)) {
        Some(Period::LongTerm)
    } else if ["年度", "本年", "当年"].iter().any(|w| text.contains(w)) {
        Some(Period::Annual)
    } else {
        None
    }
}

/// The header names of an indicator table's columns (without colon or a
/// qualifying bracket), as data.
pub(crate) const HEADER_NAMES: &[(&str, Column)] = &[
    ("一级目标", Column::Level1),
    ("一级指标", Column::Level1),
    ("一级绩效指标", Column::Level1),
    ("一级绩效目标", Column::Level1),
    ("二级目标", Column::Level2),
    ("二级指标", Column::Level2),
    ("二级绩效指标", Column::Level2),
    ("二级绩效目标", Column::Level2),
    ("三级目标", Column::Level3),
    ("三级指标", Column::Level3),
    ("三级指标名称", Column::Level3),
    ("指标名称", Column::Level3),
    ("三级绩效指标", Column::Level3),
    ("三级绩效目标", Column::Level3),
    ("指标内容", Column::Content),
    ("指标目标值", Column::Value),
    ("指标值", Column::Value),
    ("年度指标值", Column::Value),
    ("目标值", Column::Value),
    ("绩效指标值", Column::Value),
    ("年度目标值", Column::Value),
    ("指标值及单位", Column::Value),
    ("计划指标值", Column::Value),
    ("当年预期实现值", Column::Value),
    ("预期实现值", Column::Value),
    ("年度预期值", Column::Value),
    ("预期目标值", Column::Value),
    ("计算符号", Column::Operator),
    ("运算符号", Column::Operator),
    ("计算符", Column::Operator),
    ("符号", Column::Operator),
    ("计量单位", Column::Unit),
    ("度量单位", Column::Unit),
    ("单位", Column::Unit),
    ("分值", Column::Weight),
    ("权重", Column::Weight),
    ("指标分值", Column::Weight),
    ("指标权重", Column::Weight),
    ("绩效标准", Column::Extra),
    ("评分细则", Column::Extra),
    ("评分标准", Column::Extra),
    ("评(扣)分标准", Column::Extra),
    ("评（扣）分标准", Column::Extra),
    ("备注", Column::Extra),
    ("保障绩效目标实现措施", Column::Extra),
    ("指标解释", Column::Extra),
    ("指标说明", Column::Extra),
    ("说明", Column::Extra),
    ("考核标准", Column::Extra),
    ("上年度实际水平", Column::Extra),
    ("上年实际值", Column::Extra),
];

/// What a group heading (a row label merged down the rows of one part of
/// the form: `项目资金（万元）`, `绩效指标`) heads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// The funding block: its unlabelled lines are funding sources.
    Funding,
    /// The goal texts.
    Goals,
    /// The indicator table.
    Indicators,
    /// Any other part of the form (基本情况, 立项情况, 支出明细).
    Other,
}

/// The group headings, squeezed, without unit or length hint.
const GROUPS: &[(&str, Group)] = &[
    ("项目资金", Group::Funding),
    ("资金情况", Group::Funding),
    ("项目资金情况", Group::Funding),
    ("项目资金申请", Group::Funding),
    ("资金来源", Group::Funding),
    ("项目资金来源", Group::Funding),
    ("资金构成", Group::Funding),
    ("资金总额及构成", Group::Funding),
    ("项目预算", Group::Other),
    ("总体目标", Group::Goals),
    ("项目绩效目标", Group::Goals),
    ("绩效目标情况", Group::Goals),
    ("绩效目标", Group::Goals),
    ("绩效指标", Group::Indicators),
    ("年度绩效指标", Group::Indicators),
    ("长期绩效指标", Group::Indicators),
    ("中期绩效指标", Group::Indicators),
    ("项目绩效指标", Group::Indicators),
    ("项目年度绩效目标衡量指标", Group::Indicators),
    ("项目基本情况", Group::Other),
    ("基本情况", Group::Other),
    ("项目基本信息", Group::Other),
    ("项目立项情况", Group::Other),
    ("立项情况", Group::Other),
    ("项目支出内容及明细预算", Group::Other),
    ("支出明细预算", Group::Other),
    ("项目实施进度计划", Group::Other),
];

/// A group heading cell and the money unit it names (`资金情况（万元）`).
pub fn group_heading(cell: &str) -> Option<(Group, Option<MoneyUnit>)> {
    if cell.len() > 60 {
        return None;
    }
    let text = strip_colon(cell).trim();
    let (key, unit) = label_key(text);
    GROUPS
        .iter()
        .find(|(g, _)| *g == key.as_ref())
        .map(|(_, group)| (*group, unit))
}

/// The category of an indicator in the national framework, from its
/// level texts: `level2` when it names one, else `level1` (spaces, 指标
/// and 目标 ignored).
pub fn category(level1: Option<&str>, level2: Option<&str>) -> Option<Category> {
    let upper = level1.and_then(category_of_text);
    match level2.and_then(category_of_text) {
        // `长效管理` under 影响力目标: a management word names the
        // input-management category only under it (or alone)
        Some(Category::InputManagement)
            if upper.is_some_and(|c| c != Category::InputManagement) =>
        {
            upper
        }
        Some(c) => Some(c),
        None => upper,
    }
}

fn category_of_text(text: &str) -> Option<Category> {
    let has = |w: &str| text.contains(w);
    Some(if has("数量") {
        Category::OutputQuantity
    } else if has("质量") {
        Category::OutputQuality
    } else if has("时效") {
        Category::OutputTimeliness
    } else if has("经济成本") {
        Category::CostEconomic
    } else if has("社会成本") {
        Category::CostSocial
    } else if has("生态成本") || has("环境成本") || has("生态环境成本") {
        Category::CostEcological
    } else if has("成本") {
        Category::OutputCost
    } else if has("经济效益") {
        Category::BenefitEconomic
    } else if has("社会效益") {
        Category::BenefitSocial
    } else if has("生态效益") || has("环境效益") {
        Category::BenefitEcological
    } else if has("可持续") {
        Category::BenefitSustainable
    } else if has("满意度") {
        Category::Satisfaction
    } else if has("投入") || has("过程") || has("管理") {
        Category::InputManagement
    } else if has("效果") || has("效益") {
        Category::Outcome
    } else if has("影响力") {
        Category::Impact
    } else if has("产出") {
        Category::Output
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_cell_is_is_label_cell_then_parse() {
        for cell in [
            "项目名称：",
            "项目名称",
            "项目总预算（万元）：",
            "*申报单位（盖章）:",
            "填报人",
            "联系人：",
            "单位",
            "单位：",
            "绩效目标",
            "一段说明，不是标签：",
            "项目名称：甲",
            " 项目 名称 ：",
            "",
        ] {
            let want = is_label_cell(cell).then(|| Label::parse(cell));
            assert_eq!(label_cell(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn label_variants_map_to_fields() {
        for (raw, field) in [
            ("申报单位名称：", Field::Department),
            ("申报单位:", Field::Department),
            ("单位名称：", Field::Department),
            ("部门名称：", Field::Department),
            ("项 目 名 称：", Field::ProjectName),
            ("项目总预算（元）：", Field::BudgetTotal),
            ("项目总预算(万元)：", Field::BudgetTotal),
            ("年度绩效目标：", Field::Goals),
            ("绩效目标：", Field::Goals),
            ("总目标及阶段性目标：", Field::Goals),
            ("保证项目实施的制度、措施：", Field::Safeguards),
        ] {
            assert_eq!(Label::parse(raw).field(), Some(field), "{raw}");
        }
        assert_eq!(Label::parse("联系人：").field(), None);
    }

    #[test]
    fn decorated_labels() {
        assert_eq!(
            Label::parse("申报单位（盖章）：").field(),
            Some(Field::Department)
        );
        assert_eq!(
            Label::parse("*项目名称：").field(),
            Some(Field::ProjectName)
        );
        let l = Label::parse("项目总预算（单位：万元）：");
        assert_eq!(
            (l.field(), l.unit),
            (Some(Field::BudgetTotal), Some(MoneyUnit::TenThousandYuan))
        );
        let l = Label::parse("项目总预算万元：");
        assert_eq!(
            (l.field(), l.unit),
            (Some(Field::BudgetTotal), Some(MoneyUnit::TenThousandYuan))
        );
        let (l, v) = split_inline("项目总预算（单位：万元）：100", false).unwrap();
        assert_eq!((l.field(), v), (Some(Field::BudgetTotal), "100"));
    }

    #[test]
    fn colonless_known_labels() {
        assert!(is_label_cell("项目名称"));
        assert!(is_known_label_cell("申报单位"));
        assert!(is_known_label_cell("项目总预算（元）"));
        assert!(!is_known_label_cell("单位"));
        assert!(!is_known_label_cell("绩效目标"));
        assert!(is_known_label_cell("绩效目标："));
        assert!(is_label_cell("联系人"));
        assert!(!is_label_cell("联系群众"));
    }

    #[test]
    fn trailers() {
        for t in [
            "填报人",
            "填报人：张三",
            "联系电话",
            "备注：本表",
            "注1：",
            "填报说明",
            "审核人(签字)",
        ] {
            assert!(is_trailer(t), "{t}");
        }
        for t in ["注册企业数量", "说明书印制", "预算执行率", "联系群众次数"]
        {
            assert!(!is_trailer(t), "{t}");
        }
    }

    #[test]
    fn label_units_are_split_off() {
        let l = Label::parse("项目总预算（万元）：");
        assert_eq!(l.key(), "项目总预算");
        assert_eq!(l.unit, Some(MoneyUnit::TenThousandYuan));
        assert_eq!(l.text, "项目总预算（万元）");
        assert_eq!(
            Label::parse("项目当年预算(元):").unit,
            Some(MoneyUnit::Yuan)
        );
        assert_eq!(Label::parse("项目当年预算：").unit, None);
    }

    #[test]
    fn label_cells_need_a_colon_and_a_short_name() {
        assert!(is_label_cell("项目名称："));
        assert!(is_label_cell("联系电话:"));
        assert!(is_label_cell("项目名称"));
        assert!(!is_label_cell("主要包括以下内容，分三个阶段："));
        assert!(!is_label_cell("2020："));
        assert!(is_known_label_cell("项目类别："));
        assert!(!is_known_label_cell("联系电话："));
    }

    #[test]
    fn inline_labels() {
        let (l, v) = split_inline("申报单位名称：上海推进科技创新中心建设办公室", false).unwrap();
        assert_eq!(l.field(), Some(Field::Department));
        assert_eq!(v, "上海推进科技创新中心建设办公室");
        let (l, v) = split_inline("联系人：张三", true).unwrap();
        assert_eq!((l.text.as_str(), v), ("联系人", "张三"));
        // an unknown label is only split at the start of a row
        assert!(split_inline("联系人：张三", false).is_none());
        // a sentence with a colon is not a label
        assert!(split_inline("资金使用上，执行：《办法》", true).is_none());
        assert!(split_inline("项目名称：", true).is_none());
        assert!(split_inline("10:30", true).is_none());
    }

    #[test]
    fn titles_vary() {
        for t in [
            "财政项目支出绩效目标表",
            "项目支出绩效目标表",
            "项目支出绩效目标申报表",
            "2021年度项目支出绩效目标表",
            "财政项目支出绩效目标表（2022年度）",
        ] {
            assert!(is_title(t), "{t}");
        }
        assert!(!is_title("2020年绩效目标"));
        assert!(!is_title("项目名称："));
        assert_eq!(year_in_title("2021年度项目支出绩效目标表"), Some(2021));
    }

    #[test]
    fn year_lines_and_headings() {
        assert_eq!(year_line("(2020年度)"), Some(2020));
        assert_eq!(year_line("（2021年度）"), Some(2021));
        assert_eq!(year_line("（2021年）"), Some(2021));
        assert_eq!(year_line("2021年度"), Some(2021));
        assert_eq!(year_line("2021年"), None);
        assert_eq!(year_line("(2021年度)项目"), None);
        assert_eq!(heading("2020年绩效目标"), Some(Some(2020)));
        assert_eq!(heading("2021年度绩效目标"), Some(Some(2021)));
        assert_eq!(heading("本项目上年度市级财政资金使用情况"), Some(None));
        assert_eq!(heading("绩效指标"), Some(None));
        assert_eq!(heading("项目概况"), None);
    }

    #[test]
    fn header_columns_by_meaning() {
        assert_eq!(column_for_header("一级绩效指标"), Some(Column::Level1));
        assert_eq!(column_for_header("二级指标"), Some(Column::Level2));
        assert_eq!(column_for_header("三级指标名称"), Some(Column::Level3));
        assert_eq!(column_for_header("指标名称"), Some(Column::Level3));
        assert_eq!(column_for_header("指标目标值"), Some(Column::Value));
        assert_eq!(column_for_header("年度指标值"), Some(Column::Value));
        assert_eq!(column_for_header("运算符号"), Some(Column::Operator));
        assert_eq!(column_for_header("计量单位"), Some(Column::Unit));
        assert_eq!(column_for_header("备注"), Some(Column::Extra));
        assert_eq!(column_for_header("项目名称"), None);
        assert_eq!(
            header_cell("指标值（长期）"),
            Some((Column::Value, Some(Period::LongTerm)))
        );
        assert_eq!(header_cell("指标值(150字内)"), Some((Column::Value, None)));
        assert_eq!(
            header_cell("计划指标值(或计划水平)"),
            Some((Column::Value, None))
        );
        assert_eq!(column_for_header("指标值（2021年）"), Some(Column::Value));
        assert_eq!(
            column_for_header("指标目标值(定量或定性)"),
            Some(Column::Value)
        );
    }

    #[test]
    fn has_whitespace_agrees_with_char_is_whitespace() {
        let spaces = (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace());
        for ws in spaces {
            for s in [format!("{ws}"), format!("项目{ws}名称"), format!("a{ws}")] {
                assert!(has_whitespace(&s), "{:?}", ws);
            }
        }
        for s in [
            "",
            "项目名称",
            "。、《》【】",
            "\u{3001}\u{2010}\u{1681}\u{00A1}",
            "abc",
        ] {
            assert!(!has_whitespace(s), "{s:?}");
        }
    }

    #[test]
    fn the_first_character_prefilters_cover_every_key_and_header() {
        for (key, _) in FIELD_KEYS {
            assert!(may_be_known_key(key), "{key}");
        }
        let order = |k: &str| (k.len(), k.as_bytes().to_vec());
        assert!(
            FIELD_KEYS.windows(2).all(|w| order(w[0].0) < order(w[1].0)),
            "FIELD_KEYS sorted"
        );
        for (key, field) in FIELD_KEYS {
            assert_eq!(field_for_key(key), Some(*field), "{key}");
        }
        for key in TRAILERS {
            assert!(may_be_known_key(key), "{key}");
        }
        for (h, column) in HEADER_NAMES {
            assert_eq!(column_for_header(h), Some(*column), "{h}");
            assert!(
                h.chars().next().is_some_and(|c| HEADER_STARTS.contains(&c)),
                "{h}: its first character is not in HEADER_STARTS"
            );
            // column_for_header skips cells over 21 bytes without a bracket
            assert!(
                h.len() + ":".len() <= 33,
                "{h} is longer than the fast reject allows"
            );
        }
    }

    #[test]
    fn unit_and_decoration_suffixes_match_their_patterns() {
        let unit = Regex::new(
            r"(?:[（(](?:金额)?(?:单位[：:])?((?:人民币)?万?元)[)）]|((?:人民币)?万?元))$",
        )
        .unwrap();
        let decoration = Regex::new(r"[（(](?:盖章|公章|签章|签字|必填|选填)[)）]$").unwrap();
        let heads = ["项目总预算", "", "预算（", "金额", "单位"];
        let tails = [
            "（元）",
            "(万元)",
            "（单位：万元）",
            "（金额单位:元）",
            "（金额：元）",
            "（单位万元）",
            "元",
            "万元",
            "人民币元",
            "人民币万元",
            "（人民币元）",
            "万元）",
            "（元",
            "（盖章）",
            "(签字)",
            "（必填)",
            "盖章）",
            "（金额单位：人民币万元）",
            "）",
            "元元",
            "（（元））",
        ];
        for head in heads {
            for tail in tails {
                let key = format!("{head}{tail}");
                let want = unit.captures(&key).map(|c| {
                    let whole = c.get(0).unwrap();
                    (
                        &key[..whole.start()],
                        c.get(1).or(c.get(2)).unwrap().as_str(),
                    )
                });
                assert_eq!(strip_unit_suffix(&key), want, "{key}");
                let want = decoration.find(&key).map(|m| &key[..m.start()]);
                assert_eq!(strip_decoration(&key), want, "{key}");
            }
        }
    }
}
