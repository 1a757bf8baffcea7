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

use compact_str::CompactString;
use regex::Regex;

/// A field of the output contract that a labelled cell can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Department,
    /// 填报单位, 编制单位: the department when no other label names it.
    DepartmentAlt,
    /// A code printed with the department (`主管部门编码`).
    DepartmentCode,
    ImplementingUnit,
    ProjectName,
    /// 专项名称, 资金名称: the project's name when it has no 项目名称.
    ProjectNameAlt,
    /// One cell for both dates (项目起止时间 `2021.1-2021.12`).
    Period,
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
    /// A numbered goal row (`目标1：…`): joined into `goals`.
    GoalsPart,
    GoalsLongTerm,
    /// A funding-source line (`其中：财政拨款`, or a line under a 资金
    /// heading): `budget.sources`.
    FundingSource,
    BudgetTotal,
    BudgetCurrentYear,
    BudgetPriorYearBudget,
    BudgetPriorYearExecuted,
    /// `金额单位：万元` and the like: the money unit of the whole table.
    MoneyUnit,
}

impl Field {
    /// One of the four `budget` amounts.
    pub fn is_budget(self) -> bool {
        matches!(
            self,
            Field::BudgetTotal
                | Field::BudgetCurrentYear
                | Field::BudgetPriorYearBudget
                | Field::BudgetPriorYearExecuted
        )
    }
}

/// A funding-source line `其中：财政拨款`, `其中 :上级资金16`: the source's
/// name, and its amount when the cell holds it too.
pub fn funding_line(cell: &str) -> Option<(&str, Option<&str>)> {
    let t = cell.trim_start();
    let rest = t.strip_prefix("其中")?.trim_start();
    let rest = rest
        .strip_prefix(['：', ':', '，', ','])
        .unwrap_or(rest)
        .trim_start();
    if rest.is_empty() {
        return None;
    }
    // `财政拨款：100`
    if let Some((pos, len)) = first_colon_outside_brackets(rest, rest.len()) {
        let (name, value) = (rest[..pos].trim(), rest[pos + len..].trim());
        if name.is_empty() {
            return None;
        }
        return Some((name, (!value.is_empty()).then_some(value)));
    }
    // `上级资金16`: a name, then an amount to the end
    let Some(digit) = rest.find(|c: char| c.is_ascii_digit()) else {
        return Some((rest, None));
    };
    let (name, value) = rest.split_at(digit);
    let amount_like = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '万' | '亿' | '元' | ' '));
    match (name.trim(), amount_like) {
        ("", _) => None,
        (name, true) => Some((name, Some(value.trim()))),
        _ => Some((rest, None)),
    }
    .or(Some((rest, None)))
}

/// The unit of an amount, from a label such as `项目总预算（万元）`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyUnit {
    Yuan,
    TenThousandYuan,
    HundredMillionYuan,
}

impl MoneyUnit {
    pub fn from_text(s: &str) -> Option<MoneyUnit> {
        let s = squeeze(s);
        let s = s
            .trim_start_matches(['（', '('])
            .trim_end_matches(['）', ')']);
        let s = s.strip_prefix("金额").unwrap_or(s);
        let s = s.strip_prefix("单位").unwrap_or(s);
        let s = s.trim_start_matches(['：', ':']);
        match s {
            "元" | "人民币元" => Some(MoneyUnit::Yuan),
            "万元" | "人民币万元" => Some(MoneyUnit::TenThousandYuan),
            "亿元" | "人民币亿元" => Some(MoneyUnit::HundredMillionYuan),
            _ => None,
        }
    }
}

/// A cell that only names the money unit of the amounts beside or below
/// it: a column heading `金额(万元)`, `(万元)`, `单位：万元`.
pub fn unit_heading(cell: &str) -> Option<MoneyUnit> {
    // 元 is E5 85 83: a cell without the byte 0x83 has none
    if cell.len() > 40 || !cell.as_bytes().contains(&0x83) || !cell.contains('元') {
        return None;
    }
    let s = squeeze(cell);
    let rest = [
        "金额",
        "资金",
        "预算金额",
        "预算",
        "单位",
        "金额单位",
        "资金单位",
        "",
    ]
    .iter()
    .find_map(|w| {
        s.strip_prefix(w)
            .filter(|r| r.starts_with(['（', '(', '：', ':']))
    })?;
    MoneyUnit::from_text(rest)
}

/// A label with its colon removed, whitespace squeezed out and a trailing
/// unit in brackets split off: `项目总预算（万元）：` → `项目总预算`, 万元.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The label as written, without the trailing colon (the `extra` key).
    pub text: CompactString,
    /// The squeezed label without its unit, used for matching (see
    /// [`Label::key`]).
    key: Key,
    pub unit: Option<MoneyUnit>,
    /// The field the key names, looked up once (see [`Label::field`]).
    field: Option<Field>,
    /// A cell of a small table inside the form, keyed `row/column`.
    pub grid: bool,
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
        text: CompactString::from(text),
        key,
        unit,
        field,
        grid: false,
    }
}

impl Label {
    /// Parses a label cell. The key drops decorations forms add around a
    /// label: a leading `*` (required field), a trailing `（盖章）`-style
    /// note, and the unit, with or without brackets (`项目总预算（万元）`,
    /// `项目总预算（单位：万元）`, `项目总预算万元`).
    pub fn parse(raw: &str) -> Label {
        let text = strip_hint(strip_colon(raw).trim());
        if text.contains('\n') {
            // a label broken over lines in its cell (`绩效管理⏎联络员`)
            let joined: String = text.lines().map(str::trim).collect();
            return label_of(&joined, key_of(&joined));
        }
        label_of(text, key_of(text))
    }

    /// A funding-source line's label (`其中：财政拨款（万元）` → 财政拨款,
    /// 万元): the name without `其中：` and without its unit.
    pub fn source(name: &str) -> Label {
        let mut l = Label::parse(name);
        l.field = Some(Field::FundingSource);
        if let Some(unit) = l.unit {
            // the name as written, without the unit hint
            let key = CompactString::from(l.key());
            l.text = key;
            l.key = Key::Within(0..l.text.len());
            l.unit = Some(unit);
        }
        l
    }

    /// This label as the line of a funding source (a line under a 资金
    /// heading whose label is no contract field).
    pub fn into_source(self) -> Label {
        Label::source(&self.text)
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

/// `text` without a trailing length hint or example, which forms add to
/// a label: `项目概况(450字内)`, `项目起止时间(如20190101)`,
/// `指标值(150字以内)`, `项目名称（全称）`.
pub fn strip_hint(text: &str) -> &str {
    let Some(inner) = text.strip_suffix(['）', ')']) else {
        return text;
    };
    let Some(open) = inner.rfind(['（', '(']) else {
        return text;
    };
    let hint = &inner[open + inner[open..].chars().next().map_or(1, char::len_utf8)..];
    let is_hint = hint.starts_with('如')
        || hint.starts_with("例如")
        || hint == "全称"
        || hint.starts_with('限')
        || (hint.contains('字') && hint.chars().any(|c| c.is_ascii_digit()))
        || hint.contains("格式");
    if is_hint && open > 0 {
        inner[..open].trim_end()
    } else {
        text
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

pub(crate) fn strip_colon(s: &str) -> &str {
    let t = s.trim_end();
    t.strip_suffix('：')
        .or_else(|| t.strip_suffix(':'))
        .unwrap_or(t)
}

/// Every label key that names a contract field, sorted by length, then
/// bytes (for a reader of the list; a test checks the order, which also
/// finds a key listed twice). Looked up through a hash map (`exact_field`).
pub(crate) const FIELD_KEYS: &[(&str, Field)] = &[
    ("单位", Field::MoneyUnit),
    ("实施期", Field::Period),
    ("项目期", Field::Period),
    ("专项名称", Field::ProjectNameAlt),
    ("中期目标", Field::GoalsLongTerm),
    ("主管单位", Field::Department),
    ("主管部门", Field::Department),
    ("单位名称", Field::Department),
    ("填报单位", Field::DepartmentAlt),
    ("实施单位", Field::ImplementingUnit),
    ("实施期限", Field::Period),
    ("年度目标", Field::Goals),
    ("年度金额", Field::BudgetCurrentYear),
    ("年度预算", Field::BudgetCurrentYear),
    ("当年预算", Field::BudgetCurrentYear),
    ("总体目标", Field::Goals),
    ("执行单位", Field::ImplementingUnit),
    ("申报单位", Field::Department),
    ("申报部门", Field::Department),
    ("立项依据", Field::Basis),
    ("绩效目标", Field::Goals),
    ("绩效类型", Field::PerformanceType),
    ("编制单位", Field::DepartmentAlt),
    ("资金名称", Field::ProjectNameAlt),
    ("资金总额", Field::BudgetTotal),
    ("起止时间", Field::Period),
    ("部门名称", Field::Department),
    ("部门编码", Field::DepartmentCode),
    ("金额单位", Field::MoneyUnit),
    ("长期目标", Field::GoalsLongTerm),
    ("项目单位", Field::ImplementingUnit),
    ("项目名称", Field::ProjectName),
    ("项目周期", Field::Period),
    ("项目概况", Field::Overview),
    ("项目类别", Field::ProjectCategory),
    ("项目类型", Field::ProjectCategory),
    ("预算单位", Field::Department),
    ("预算部门", Field::Department),
    ("实施期目标", Field::GoalsLongTerm),
    ("本年度预算", Field::BudgetCurrentYear),
    ("项目实施期", Field::Period),
    ("项目总金额", Field::BudgetTotal),
    ("项目总预算", Field::BudgetTotal),
    ("中期滚动目标", Field::GoalsLongTerm),
    ("中期绩效目标", Field::GoalsLongTerm),
    ("主管部门名称", Field::Department),
    ("主管部门编码", Field::DepartmentCode),
    ("区县主管部门", Field::Department),
    ("县级主管部门", Field::Department),
    ("实施单位名称", Field::ImplementingUnit),
    ("市县主管部门", Field::Department),
    ("年度总体目标", Field::Goals),
    ("年度绩效目标", Field::Goals),
    ("年度资金总额", Field::BudgetCurrentYear),
    ("年度预算金额", Field::BudgetCurrentYear),
    ("归口管理部门", Field::Department),
    ("当年资金总额", Field::BudgetCurrentYear),
    ("申报单位名称", Field::Department),
    ("计划完成日期", Field::PlannedEnd),
    ("计划完成时间", Field::PlannedEnd),
    ("计划开始日期", Field::PlannedStart),
    ("计划开始时间", Field::PlannedStart),
    ("计划结束日期", Field::PlannedEnd),
    ("长期绩效目标", Field::GoalsLongTerm),
    ("项目主管部门", Field::Department),
    ("项目完成日期", Field::PlannedEnd),
    ("项目实施单位", Field::ImplementingUnit),
    ("项目实施周期", Field::Period),
    ("项目实施计划", Field::ImplementationPlan),
    ("项目开始日期", Field::PlannedStart),
    ("项目当年预算", Field::BudgetCurrentYear),
    ("项目执行单位", Field::ImplementingUnit),
    ("项目支出名称", Field::ProjectName),
    ("项目立项依据", Field::Basis),
    ("项目绩效目标", Field::Goals),
    ("项目资金总额", Field::BudgetTotal),
    ("项目起止日期", Field::Period),
    ("项目起止时间", Field::Period),
    ("预算单位名称", Field::Department),
    ("预算单位编码", Field::DepartmentCode),
    ("预算部门编码", Field::DepartmentCode),
    ("下达地方或单位", Field::Department),
    ("主管部门及编码", Field::Department),
    ("实施期总体目标", Field::GoalsLongTerm),
    ("实施期绩效目标", Field::GoalsLongTerm),
    ("实施期资金总额", Field::BudgetTotal),
    ("本年度绩效目标", Field::Goals),
    ("本年度资金总额", Field::BudgetCurrentYear),
    ("资金总额及构成", Field::BudgetTotal),
    ("项目支出实施期", Field::Period),
    ("项目设立必要性", Field::Necessity),
    ("年度本级预算金额", Field::BudgetCurrentYear),
    ("项目年度绩效目标", Field::Goals),
    ("项目计划实施时间", Field::Period),
    ("项目设立的必要性", Field::Necessity),
    ("下达中央预算内投资", Field::BudgetCurrentYear),
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
    exact_field(key).or_else(|| field_by_shape(key))
}

fn exact_field(key: &str) -> Option<Field> {
    // [`FIELD_KEYS`] as a hash map, built on first use: one short hash and
    // one comparison, where a binary search made seven (every label and
    // indicator cell is looked up).
    static BY_KEY: LazyLock<rustc_hash::FxHashMap<&'static str, Field>> =
        LazyLock::new(|| FIELD_KEYS.iter().copied().collect());
    BY_KEY.get(key).copied()
}

/// Labels known by their shape, not their exact words: a bracket that
/// only qualifies (`中期滚动目标(2019年--2021年)`), `中期…预算` (the
/// multi-year total), `本年度申请…资金` (the current year), `目标1`.
fn field_by_shape(key: &str) -> Option<Field> {
    if key.len() < "目标1".len() {
        return None;
    }
    if let Some(inner) = key.strip_suffix(['）', ')'])
        && let Some(open) = inner.rfind(['（', '('])
        && open > 0
    {
        return exact_field(&inner[..open]);
    }
    if key.starts_with("中期") && key.ends_with("预算") && key.chars().count() <= 12 {
        return Some(Field::BudgetTotal);
    }
    if key.starts_with("本年度申请") && (key.ends_with("预算资金") || key.ends_with("预算"))
    {
        return Some(Field::BudgetCurrentYear);
    }
    // `单位已有的（或拟订的）保障项目实施的制度、措施`: by a prebuilt searcher
    // (most keys are short words: checked by length first)
    static SAFEGUARDS: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("项目实施的制度"));
    if key.len() >= "保障项目实施的制度".len() && SAFEGUARDS.find(key.as_bytes()).is_some()
    {
        return (key.contains("保障") || key.contains("保证")).then_some(Field::Safeguards);
    }
    let n = key.strip_prefix("目标")?;
    (!n.is_empty()
        && n.chars().count() <= 2
        && n.chars()
            .all(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(c)))
    .then_some(Field::GoalsPart)
}

/// The first characters of [`FIELD_KEYS`] and [`TRAILERS`]: a cell whose
/// key starts with anything else is no known label, which settles most
/// cells without squeezing them (checked against both lists by a test).
const KEY_STARTS: &[char] = &[
    '下', '专', '中', '主', '保', '制', '区', '单', '县', '同', '填', '备', '实', '审', '市', '年',
    '归', '当', '总', '执', '是', '本', '注', '申', '目', '立', '绩', '编', '联', '计', '说', '财',
    '资', '起', '部', '金', '长', '项', '预',
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
    "主管部门审核意见",
    "财政部门审核意见",
    "审核意见",
    "单位公章",
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
    Regex::new(r"目标(?:申报|申请|批复|审核|审批)?表(?:[（(].*[)）])?$").expect("valid regex")
});
static YEAR_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[（(]\s*(\d{4})\s*年度?\s*[)）]?|(\d{4})\s*年度?\s*[)）]|(\d{4})\s*年度)$")
        .expect("valid regex")
});
static YEAR_IN_TITLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})\s*年").expect("valid regex"));
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
    c.get(1).or(c.get(2)).or(c.get(3))?.as_str().parse().ok()
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
