//! Reading an indicator's target value (指标目标值) into an operator, a number
//! and a unit.
//!
//! Performance target tables (绩效目标表) write the same target in many ways:
//! one merged cell (`>=2000人`, `不低于95%`, `90%-100%`, `２，０００人以上`) or
//! three split cells (计算符号 `≥`, 指标值 `2`, 计量单位 `次`), with ASCII,
//! full-width and word operators, thousands separators and stray spaces, and
//! with qualitative targets (`合理`, `健全`) mixed in. This module turns all of
//! them into one [`Target`] so that the rest of jixiao can emit comparable
//! numbers. It reads a deliberately small grammar and, when text that looks
//! numeric does not fit it, says so ([`Target::unparsed`]) instead of
//! guessing: a missing number is a warning, a wrong number is a silent lie.
//!
//! Grammar of a merged target, after normalisation (full-width digits, `％`,
//! `．`, `＞＜＝～－` read as ASCII; `≧≦` as `≥≤`; whitespace allowed between
//! tokens but not inside a number or a unit):
//!
//! ```text
//! target := prefix? number unit? suffix?        (op from prefix/suffix, else eq)
//!         | number unit? sep number unit?       (range, value <= value_max)
//! prefix := >= ≥ ≥= => 大于等于 大于或等于 不低于 不少于 不小于 至少   (ge)
//!         | <= ≤ ≤= =< 小于等于 小于或等于 不高于 不超过 不大于 不多于 至多 (le)
//!         | > 大于 高于 超过 多于 (gt) | < 小于 低于 少于 (lt) | = == 等于 (eq)
//! suffix := 以上 及以上 (ge) | 以下 及以下 以内 及以内 (le)
//! sep    := - ~ 至 – —
//! number := [+-]? (d{1,3} ([,，] d{3})+ | d+) (. d+)?
//! unit   := part ([/·] part)*, part = [十百千万亿…]? known unit | %
//! ```
//!
//! Safety rules: a prefix and a suffix must point the same way (`≥95%以上`
//! is ge, `=95%以上` is unparsed); a range takes no prefix or suffix and must
//! not be reversed; the unit must be a known unit (so `95%左右`, `2020年底前`
//! are unparsed); a calendar year (`2020年`, an integer 1900–2100 with unit
//! 年) and a bare `YYYY.MM` (`2020.12`) are dates, not amounts, and are
//! unparsed; numbers that overflow or underflow `f64` are unparsed.

use std::borrow::Cow;
use std::sync::LazyLock;

use compact_str::CompactString;
use regex::Regex;

pub use crate::model::Op;

/// A normalised target value.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub op: Option<Op>,
    pub value: Option<f64>,
    pub value_max: Option<f64>, // only for Range
    pub unit: Option<CompactString>,
    /// true when the text looks numeric (contains a digit) but could not be read; the caller turns this into an `unparsed_target` warning
    pub unparsed: bool,
}

impl Target {
    /// A target without operator, number or unit (e.g. `合理`).
    pub fn qualitative() -> Self {
        Target {
            op: None,
            value: None,
            value_max: None,
            unit: None,
            unparsed: false,
        }
    }

    /// True when a number was read.
    pub fn is_quantitative(&self) -> bool {
        self.value.is_some()
    }

    fn unreadable() -> Self {
        Target {
            unparsed: true,
            ..Target::qualitative()
        }
    }
}

/// Operators that may open a merged target or fill an operator cell, in
/// normalised form. Matching takes the longest entry.
const OPERATORS: &[(&str, Op)] = &[
    ("大于或等于", Op::Ge),
    ("达到", Op::Ge),
    ("达", Op::Ge),
    ("小于或等于", Op::Le),
    ("大于等于", Op::Ge),
    ("小于等于", Op::Le),
    ("不低于", Op::Ge),
    ("不少于", Op::Ge),
    ("不小于", Op::Ge),
    ("至少", Op::Ge),
    ("不高于", Op::Le),
    ("不超过", Op::Le),
    ("不大于", Op::Le),
    ("不多于", Op::Le),
    ("至多", Op::Le),
    (">=", Op::Ge),
    ("≥=", Op::Ge),
    ("=>", Op::Ge),
    ("≥", Op::Ge),
    ("<=", Op::Le),
    ("≤=", Op::Le),
    ("=<", Op::Le),
    ("≤", Op::Le),
    ("大于", Op::Gt),
    ("高于", Op::Gt),
    ("超过", Op::Gt),
    ("多于", Op::Gt),
    (">", Op::Gt),
    ("小于", Op::Lt),
    ("低于", Op::Lt),
    ("少于", Op::Lt),
    ("<", Op::Lt),
    ("等于", Op::Eq),
    ("==", Op::Eq),
    ("=", Op::Eq),
];

/// Words that may close a merged target, longest first.
const SUFFIXES: &[(&str, Op)] = &[
    ("及以上", Op::Ge),
    ("及以下", Op::Le),
    ("及以内", Op::Le),
    ("以上", Op::Ge),
    ("以下", Op::Le),
    ("以内", Op::Le),
];

/// Characters separating the two bounds of a range (after normalisation).
const RANGE_SEPS: &[char] = &['-', '~', '至', '–', '—'];

/// Magnitude prefixes that may stand before a known unit (万元, 万人次).
const MAGNITUDES: &[&str] = &["十万", "百万", "千万", "万", "亿", "千", "百", "十"];

/// Units accepted in a merged target. Anything else after the number makes
/// the target unparsed, which is what keeps `95%左右` or `2020年底前完成`
/// from being read as a number.
#[rustfmt::skip]
const UNITS: &[&str] = &[
    // ratios and scores
    "%", "‰", "‱", "个百分点", "百分点", "分", "倍", "成", "星", "星级", "级", "℃",
    // people and counts
    "人", "人次", "名", "位", "户", "户次", "家", "家次", "个", "项", "项次", "件", "件次",
    "次", "批", "批次", "场", "场次", "期", "期次", "频次", "班次", "车次", "架次", "台次",
    "人天", "人日", "所", "台", "套", "篇", "册", "本", "部", "座", "条", "份", "辆", "处",
    "间", "张", "床", "床位", "只", "头", "株", "棵", "块", "片", "根", "支", "把", "艘", "架",
    "栋", "幢", "层", "宗", "笔", "单", "起", "例", "组", "队", "班", "届", "轮", "遍", "页",
    "首", "幅", "集", "节", "堂", "门", "类", "种", "款", "枚", "卷", "盏", "眼", "口", "课时",
    "学时", "村", "镇", "乡", "字", "个单位", "个部门", "个村", "个社区", "个乡镇", "个街道",
    "个项目", "个点位", "个站点", "个批次",
    // time
    "年", "月", "日", "天", "周", "小时", "分钟", "秒", "个月", "个工作日", "工作日", "季度",
    "个季度", "学期", "学年",
    // money
    "元", "美元",
    // length, area, volume, mass, energy
    "米", "千米", "公里", "厘米", "毫米", "平方米", "平方公里", "平方千米", "立方米", "立方",
    "亩", "公顷", "吨", "千克", "公斤", "克", "斤", "升", "毫升", "瓦", "千瓦", "千瓦时", "兆瓦",
    "度", "伏", "千伏", "km", "m", "cm", "mm", "m²", "m³", "km²", "kg", "g", "t", "l", "ml",
    "w", "kw", "kwh", "mw", "kv", "v", "h", "min", "s", "kb", "mb", "gb", "tb", "mbps", "gbps",
];

/// The length of the number at the start of `text`, as the pattern
/// `^[+-]?(?:[0-9]{1,3}(?:[,，][0-9]{3})+|[0-9]+)(?:\.[0-9]+)?` (first
/// alternative first) matches it; scanned by hand, as every target is
/// (a test checks it against the pattern).
fn number_len(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let digits_from = |i: usize| b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let start = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let lead = digits_from(start);
    if lead == 0 {
        return None;
    }
    let mut end = start + lead;
    // Groups of three after one to three digits (`1,234`, `12，345`).
    if lead <= 3 {
        let mut at = end;
        loop {
            let sep = if b.get(at) == Some(&b',') {
                1
            } else if text[at..].starts_with('，') {
                '，'.len_utf8()
            } else {
                break;
            };
            if b.len() < at + sep + 3 || !b[at + sep..at + sep + 3].iter().all(u8::is_ascii_digit) {
                break;
            }
            at += sep + 3;
        }
        end = at;
    }
    if b.get(end) == Some(&b'.') {
        let fraction = digits_from(end + 1);
        if fraction > 0 {
            end += 1 + fraction;
        }
    }
    Some(end)
}

/// `2020.12`: a year and a month written as a decimal.
static DATE_LIKE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:19|20)[0-9]{2}\.(?:0?[1-9]|1[0-2])$").expect("date regex compiles")
});

/// `2020.12` (see [`DATE_LIKE`]): only 6 or 7 bytes with a dot can be one.
fn is_date_like(raw: &str) -> bool {
    matches!(raw.len(), 6 | 7) && raw.contains('.') && DATE_LIKE.is_match(raw)
}

/// Merged shape: one cell holds operator, number and unit (">=2000人").
/// A plain number (`5`, `１５`, `2.5`, `10分`): a weight (分值, 权重).
/// `None` for anything else.
pub fn parse_number(text: &str) -> Option<f64> {
    let t: String = text
        .trim()
        .chars()
        .map(crate::table::vocabulary::fold_number_char)
        .collect();
    let t = t
        .strip_suffix('分')
        .unwrap_or(&t)
        .trim_end_matches('%')
        .trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    let plain = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
        && !digits.starts_with('.')
        && !digits.ends_with('.');
    if !plain {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A target that could not be read: a date or deadline (`2021年12月底前`,
/// `12月底到位`, `2021年1月-12月`) is qualitative, as a time indicator's
/// target is: there is no number a reviewer should look at; anything
/// else numeric is unparsed.
fn unread(norm: &str) -> Target {
    static DATE_WORD: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\d\s*(?:年|月|日|季度)").expect("valid regex"));
    static DATE_PART: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\d{1,4}\s*(?:年|月|日|季度)|(?:19|20)\d{2}").expect("valid regex")
    });
    if DATE_WORD.is_match(norm) && !norm.contains(['%', '>', '<', '≥', '≤', '=']) {
        // numbers other than dates make it a sentence with amounts
        let other = DATE_PART.replace_all(norm, "");
        if !other.bytes().any(|b| b.is_ascii_digit()) {
            return Target::qualitative();
        }
    }
    Target::unreadable()
}

/// The forms outside the grammar that are still one operator and one
/// number: `±3%以内` (a range around zero), a target that ends a sentence
/// (`95%以上。`), and a short sentence holding one number with an
/// operator word (`资金到位率达100%`, `预算支出进度达到90%以上`).
fn other_forms(norm: &str) -> Option<Target> {
    // `±3%`, `±3%以内`: from -3 to 3
    if let Some(rest) = norm.strip_prefix('±') {
        let rest = rest.trim_start();
        let (value, _, tail) = read_number(rest)?;
        let tail = tail.trim();
        let tail = ["以内", "之内", "内"]
            .iter()
            .find_map(|w| tail.strip_suffix(w))
            .unwrap_or(tail)
            .trim();
        let unit = check_unit(tail)?;
        return Some(Target {
            op: Some(Op::Range),
            value: Some(-value),
            value_max: Some(value),
            unit,
            unparsed: false,
        });
    }
    // full-width sentence punctuation only: `5.` is no number to read
    let trimmed = norm.trim_end_matches(['。', '；', '，', ' ']);
    if trimmed.len() < norm.len() && !trimmed.is_empty() {
        let t = parse_target(trimmed);
        if !t.unparsed {
            return Some(t);
        }
    }
    sentence(trimmed)
}

/// A short sentence with one number and an operator word: the subject's
/// words, then an operator (or the number with a `以上`/`以内` word).
fn sentence(text: &str) -> Option<Target> {
    if text.chars().count() > 40 {
        return None;
    }
    // one number only
    let runs = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .filter(|r| r.bytes().any(|b| b.is_ascii_digit()))
        .count();
    if runs != 1 {
        return None;
    }
    let digit = text.find(|c: char| c.is_ascii_digit())?;
    // the operator word nearest before the number
    let start = OPERATORS
        .iter()
        .filter_map(|(w, _)| {
            text[..digit]
                .rfind(w)
                .filter(|&at| text[at + w.len()..digit].trim().is_empty())
        })
        .min()
        .unwrap_or(digit);
    if text[..start].chars().any(|c| !c.is_alphabetic()) {
        return None;
    }
    let reading = read(&text[start..])?;
    let op = combine(reading.prefix, reading.suffix)?;
    if reading.value_max.is_some() || (reading.prefix.is_none() && reading.suffix.is_none()) {
        return None;
    }
    let t = finish(op, &reading, reading.unit.clone());
    (!t.unparsed).then_some(t)
}

pub fn parse_target(text: &str) -> Target {
    let norm = normalize(text);
    if !looks_numeric(&norm) {
        return Target::qualitative();
    }
    let Some(reading) = read(&norm) else {
        return other_forms(&norm).unwrap_or_else(|| unread(&norm));
    };
    let op = if reading.value_max.is_some() {
        Some(Op::Range)
    } else {
        combine(reading.prefix, reading.suffix)
    };
    match op.map(|op| finish(op, &reading, reading.unit.clone())) {
        Some(t) if !t.unparsed => t,
        _ => unread(&norm),
    }
}

/// Split shape: separate 计算符号/运算符号, 指标值/年度指标值, 计量单位 cells.
/// Returns the joined target text (the three trimmed cells concatenated without spaces, e.g. "≥","2","次" → "≥2次"; when op cell is 定性 the target is the value cell alone) and the parsed Target (op from the operator cell, value from the value cell, unit from the unit cell; 定性 → qualitative).
pub fn parse_split(op_cell: &str, value_cell: &str, unit_cell: &str) -> (String, Target) {
    let (op_t, value_t, unit_t) = (op_cell.trim(), value_cell.trim(), unit_cell.trim());
    let op_norm: String = normalize(op_t).chars().filter(|c| *c != ' ').collect();
    if op_norm == "定性" {
        return (value_t.to_string(), Target::qualitative());
    }
    let joined = format!("{op_t}{value_t}{unit_t}");
    (joined, split_target(&op_norm, value_t, unit_t))
}

fn split_target(op_norm: &str, value_t: &str, unit_t: &str) -> Target {
    let value_norm = normalize(value_t);
    if !value_norm.chars().any(|c| c.is_ascii_digit()) {
        // 达成, 好, or an empty cell: qualitative whatever the operator says.
        return Target::qualitative();
    }
    let Some(reading) = read(&value_norm) else {
        return Target::unreadable();
    };
    let op = if op_norm.is_empty() {
        if reading.value_max.is_some() {
            Some(Op::Range)
        } else {
            combine(reading.prefix, reading.suffix)
        }
    } else {
        match OPERATORS.iter().find(|(word, _)| *word == op_norm) {
            Some(&(_, cell_op)) => {
                let prefix_agrees = reading.prefix.is_none_or(|p| p == cell_op);
                if reading.value_max.is_none() && prefix_agrees {
                    combine(Some(cell_op), reading.suffix)
                } else {
                    None
                }
            }
            None => None,
        }
    };
    let Some(op) = op else {
        return Target::unreadable();
    };
    let cell_unit = normalize_unit_cell(unit_t);
    let unit = match (cell_unit, reading.unit.clone()) {
        (Some(a), Some(b)) if a != b => return Target::unreadable(),
        (Some(a), _) => Some(a),
        (None, b) => b,
    };
    finish(op, &reading, unit)
}

/// What the merged grammar read, before the operator is decided.
struct Reading {
    prefix: Option<Op>,
    suffix: Option<Op>,
    value: f64,
    value_max: Option<f64>,
    unit: Option<CompactString>,
    /// a number was written like `2020.12`
    date_like: bool,
}

/// Builds the final target, refusing dates that look like amounts.
fn finish(op: Op, reading: &Reading, unit: Option<CompactString>) -> Target {
    let is_year = |v: f64| v.fract() == 0.0 && (1900.0..=2100.0).contains(&v);
    let calendar_year = unit.as_deref() == Some("年")
        && (is_year(reading.value) || reading.value_max.is_some_and(is_year));
    if calendar_year || (unit.is_none() && reading.date_like) {
        return Target::unreadable();
    }
    Target {
        op: Some(op),
        value: Some(reading.value),
        value_max: reading.value_max,
        unit,
        unparsed: false,
    }
}

/// Reads `prefix? number unit? suffix?` or `number unit? sep number unit?`.
fn read(text: &str) -> Option<Reading> {
    let text = text.trim();
    let (prefix, rest) = match strip_operator(text) {
        Some((op, rest)) => (Some(op), rest.trim_start()),
        None => (None, text),
    };
    let (value, raw, rest) = read_number(rest)?;
    let mut date_like = is_date_like(raw);

    if let Some((at, sep)) = rest.char_indices().find(|(_, c)| RANGE_SEPS.contains(c)) {
        if prefix.is_some() {
            return None;
        }
        let first_unit = check_unit(rest[..at].trim())?;
        let (value_max, raw_max, tail) = read_number(rest[at + sep.len_utf8()..].trim_start())?;
        let second_unit = check_unit(tail.trim())?;
        if value > value_max {
            return None;
        }
        date_like |= is_date_like(raw_max);
        let unit = match (first_unit, second_unit) {
            (Some(a), Some(b)) if a != b => return None,
            (a, b) => b.or(a),
        };
        return Some(Reading {
            prefix: None,
            suffix: None,
            value,
            value_max: Some(value_max),
            unit,
            date_like,
        });
    }

    let rest = rest.trim();
    let (suffix, unit_text) = match SUFFIXES.iter().find(|(w, _)| rest.ends_with(w)) {
        Some(&(word, op)) => (Some(op), rest[..rest.len() - word.len()].trim()),
        None => (None, rest),
    };
    Some(Reading {
        prefix,
        suffix,
        value,
        value_max: None,
        unit: check_unit(unit_text)?,
        date_like,
    })
}

/// Decides the operator from a prefix and a suffix; they must agree in
/// direction (`≥…以上`, `>…以上`, `≤…以内`).
fn combine(prefix: Option<Op>, suffix: Option<Op>) -> Option<Op> {
    let direction = |op: Op| match op {
        Op::Ge | Op::Gt => 1,
        Op::Le | Op::Lt => -1,
        Op::Eq | Op::Range => 0,
    };
    match (prefix, suffix) {
        (None, None) => Some(Op::Eq),
        (Some(op), None) | (None, Some(op)) => Some(op),
        (Some(p), Some(s)) if direction(p) != 0 && direction(p) == direction(s) => Some(p),
        (Some(_), Some(_)) => None,
    }
}

/// Longest operator at the start of `text`, and what follows it.
fn strip_operator(text: &str) -> Option<(Op, &str)> {
    OPERATORS
        .iter()
        .filter(|(word, _)| text.starts_with(word))
        .max_by_key(|(word, _)| word.len())
        .map(|&(word, op)| (op, &text[word.len()..]))
}

/// Reads a number at the start of `text`: its value, its text as written and
/// what follows. None when there is no number or it does not fit an `f64`.
fn read_number(text: &str) -> Option<(f64, &str, &str)> {
    let end = number_len(text)?;
    let raw = &text[..end];
    let digits = if raw.contains([',', '，']) {
        Cow::Owned(raw.chars().filter(|c| *c != ',' && *c != '，').collect())
    } else {
        Cow::Borrowed(raw)
    };
    let value: f64 = digits.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    if value == 0.0 && digits.chars().any(|c| ('1'..='9').contains(&c)) {
        // underflow: a non-zero number that reads as zero
        return None;
    }
    // -0 is written as 0
    let value = if value == 0.0 { 0.0 } else { value };
    Some((value, raw, &text[end..]))
}

/// `Some(None)` for no unit, `Some(Some(u))` for a known unit, None otherwise.
fn check_unit(text: &str) -> Option<Option<CompactString>> {
    if text.is_empty() {
        return Some(None);
    }
    if text.contains(' ') {
        return None;
    }
    let known = text.split(['/', '·']).all(|part| {
        // lower-cased only when it has upper-case letters (most units are
        // CJK or `%`: nothing to allocate)
        let lower = if part.chars().any(char::is_uppercase) {
            Cow::Owned(part.to_lowercase())
        } else {
            Cow::Borrowed(part)
        };
        let is_unit = |u: &str| UNITS.contains(&u);
        is_unit(&lower)
            || MAGNITUDES
                .iter()
                .any(|m| lower.strip_prefix(m).is_some_and(is_unit))
    });
    known.then(|| Some(CompactString::from(text)))
}

/// Unit cell of the split shape: trimmed, `％` as `%`, empty as None.
fn normalize_unit_cell(cell: &str) -> Option<CompactString> {
    let unit: CompactString = cell
        .chars()
        .filter(|c| !matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}'))
        .map(|c| if matches!(c, '％' | '﹪') { '%' } else { c })
        .collect();
    let unit = unit.trim();
    (!unit.is_empty()).then(|| CompactString::from(unit))
}

/// Full-width forms to ASCII, whitespace to a plain space, trimmed
/// (borrowed when that changes nothing).
fn normalize(text: &str) -> Cow<'_, str> {
    // Every character mapped here (and all whitespace) starts with one of
    // these bytes: text without any is its own normal form.
    let may_change = |b: u8| matches!(b, b'\t'..=b'\r' | b' ' | 0xC2 | 0xE1..=0xE3 | 0xEF);
    if !text.bytes().any(may_change) {
        return Cow::Borrowed(text);
    }
    let mapped: String = text
        .chars()
        .filter(|c| !matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}'))
        .map(|c| match c {
            '﹪' => '%',
            '＞' => '>',
            '＜' => '<',
            '＝' => '=',
            '≧' => '≥',
            '≦' => '≤',
            '～' | '〜' => '~',
            '−' => '-',
            c if c.is_whitespace() => ' ',
            c => crate::table::vocabulary::fold_number_char(c),
        })
        .collect();
    match mapped.trim() {
        t if t.len() == mapped.len() => Cow::Owned(mapped),
        t => Cow::Owned(t.to_string()),
    }
}

/// A digit, a comparison sign or a percent sign: text a reader would take
/// for a number, so failing to read it deserves a warning.
fn looks_numeric(norm: &str) -> bool {
    norm.chars()
        .any(|c| c.is_ascii_digit() || matches!(c, '>' | '<' | '=' | '≥' | '≤' | '%'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand scanner matches what its pattern matches, on every string
    /// of up to six characters from the characters that matter.
    #[test]
    fn number_len_is_the_pattern() {
        let pattern =
            Regex::new(r"^[+-]?(?:[0-9]{1,3}(?:[,，][0-9]{3})+|[0-9]+)(?:\.[0-9]+)?").unwrap();
        let alphabet = ['1', '2', ',', '，', '.', '+', 'x'];
        let mut strings = vec![String::new()];
        for _ in 0..6 {
            let longer: Vec<String> = strings
                .iter()
                .filter(|s| s.chars().count() < 6)
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(longer);
            strings.sort();
            strings.dedup();
        }
        for s in [
            "1234,567",
            "1,234,56",
            "12,3456",
            "1，234.5%",
            "-0.5",
            "+1,000",
        ] {
            strings.push(s.to_string());
        }
        for s in &strings {
            assert_eq!(number_len(s), pattern.find(s).map(|m| m.end()), "{s:?}");
        }
    }

    /// Expected reading of a merged target.
    #[derive(Debug)]
    enum Want {
        Q,
        U,
        T(Op, f64, Option<&'static str>),
        R(f64, f64, Option<&'static str>),
    }
    use Want::{Q, R, T, U};

    fn expected(want: &Want) -> Target {
        match *want {
            Q => Target::qualitative(),
            U => Target {
                unparsed: true,
                ..Target::qualitative()
            },
            T(op, v, unit) => Target {
                op: Some(op),
                value: Some(v),
                value_max: None,
                unit: unit.map(CompactString::from),
                unparsed: false,
            },
            R(a, b, unit) => Target {
                op: Some(Op::Range),
                value: Some(a),
                value_max: Some(b),
                unit: unit.map(CompactString::from),
                unparsed: false,
            },
        }
    }

    fn check_table(cases: &[(&str, Want)]) {
        let mut failures = Vec::new();
        for (text, want) in cases {
            let got = parse_target(text);
            if got != expected(want) {
                failures.push(format!("{text:?}: want {want:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn every_operator_form() {
        use Op::*;
        check_table(&[
            // ge symbols
            (">=95%", T(Ge, 95.0, Some("%"))),
            ("≥95%", T(Ge, 95.0, Some("%"))),
            ("≧95%", T(Ge, 95.0, Some("%"))),
            ("＞＝95%", T(Ge, 95.0, Some("%"))),
            ("≥=95%", T(Ge, 95.0, Some("%"))),
            ("≧=95", T(Ge, 95.0, None)),
            ("＞=95%", T(Ge, 95.0, Some("%"))),
            (">＝95%", T(Ge, 95.0, Some("%"))),
            ("=>95%", T(Ge, 95.0, Some("%"))),
            ("≥＝95", T(Ge, 95.0, None)),
            // ge words
            ("不低于95%", T(Ge, 95.0, Some("%"))),
            ("不少于10个", T(Ge, 10.0, Some("个"))),
            ("不小于3", T(Ge, 3.0, None)),
            ("至少2次", T(Ge, 2.0, Some("次"))),
            ("大于等于90%", T(Ge, 90.0, Some("%"))),
            ("大于或等于90%", T(Ge, 90.0, Some("%"))),
            ("95%以上", T(Ge, 95.0, Some("%"))),
            ("2000人以上", T(Ge, 2000.0, Some("人"))),
            ("2000人及以上", T(Ge, 2000.0, Some("人"))),
            ("2000 人 以上", T(Ge, 2000.0, Some("人"))),
            ("30以上", T(Ge, 30.0, None)),
            // le symbols
            ("<=5%", T(Le, 5.0, Some("%"))),
            ("≤5%", T(Le, 5.0, Some("%"))),
            ("≦5%", T(Le, 5.0, Some("%"))),
            ("＜＝5%", T(Le, 5.0, Some("%"))),
            ("＜=5", T(Le, 5.0, None)),
            ("≤=5", T(Le, 5.0, None)),
            ("=<5", T(Le, 5.0, None)),
            // le words
            ("不高于5%", T(Le, 5.0, Some("%"))),
            ("不超过10万元", T(Le, 10.0, Some("万元"))),
            ("不大于3天", T(Le, 3.0, Some("天"))),
            ("至多2次", T(Le, 2.0, Some("次"))),
            ("小于等于5", T(Le, 5.0, None)),
            ("小于或等于5", T(Le, 5.0, None)),
            ("5天以内", T(Le, 5.0, Some("天"))),
            ("5%以下", T(Le, 5.0, Some("%"))),
            ("5%及以下", T(Le, 5.0, Some("%"))),
            ("30个工作日以内", T(Le, 30.0, Some("个工作日"))),
            // gt
            (">0", T(Gt, 0.0, None)),
            ("＞0", T(Gt, 0.0, None)),
            ("大于0", T(Gt, 0.0, None)),
            ("高于80分", T(Gt, 80.0, Some("分"))),
            ("超过100人", T(Gt, 100.0, Some("人"))),
            // lt
            ("<5", T(Lt, 5.0, None)),
            ("＜5", T(Lt, 5.0, None)),
            ("小于5%", T(Lt, 5.0, Some("%"))),
            ("低于5%", T(Lt, 5.0, Some("%"))),
            // eq
            ("=100%", T(Eq, 100.0, Some("%"))),
            ("＝100%", T(Eq, 100.0, Some("%"))),
            ("等于100%", T(Eq, 100.0, Some("%"))),
            ("100%", T(Eq, 100.0, Some("%"))),
            ("100", T(Eq, 100.0, None)),
            ("12个月", T(Eq, 12.0, Some("个月"))),
            // prefix and suffix pointing the same way
            (">=10万元以上", T(Ge, 10.0, Some("万元"))),
            ("≥95%以上", T(Ge, 95.0, Some("%"))),
            (">95%以上", T(Gt, 95.0, Some("%"))),
            ("不超过5天以内", T(Le, 5.0, Some("天"))),
            ("≤5%以下", T(Le, 5.0, Some("%"))),
        ]);
    }

    #[test]
    fn ranges() {
        check_table(&[
            ("90-100", R(90.0, 100.0, None)),
            ("90~100", R(90.0, 100.0, None)),
            ("90～100", R(90.0, 100.0, None)),
            ("90〜100", R(90.0, 100.0, None)),
            ("90至100", R(90.0, 100.0, None)),
            ("90%-100%", R(90.0, 100.0, Some("%"))),
            ("90-100%", R(90.0, 100.0, Some("%"))),
            ("90%-100", R(90.0, 100.0, Some("%"))),
            ("90％～100％", R(90.0, 100.0, Some("%"))),
            ("1至2天", R(1.0, 2.0, Some("天"))),
            ("1天至2天", R(1.0, 2.0, Some("天"))),
            ("90 - 100 %", R(90.0, 100.0, Some("%"))),
            ("0.5-1.5万元", R(0.5, 1.5, Some("万元"))),
            ("-1-2", R(-1.0, 2.0, None)),
            ("-5--1", R(-5.0, -1.0, None)),
            ("1,000-2,000人", R(1000.0, 2000.0, Some("人"))),
            ("90–100", R(90.0, 100.0, None)),
            ("5-5", R(5.0, 5.0, None)),
        ]);
    }

    #[test]
    fn numbers_units_and_full_width() {
        use Op::*;
        check_table(&[
            ("2,000人", T(Eq, 2000.0, Some("人"))),
            ("2，000人", T(Eq, 2000.0, Some("人"))),
            (">=2,000人", T(Ge, 2000.0, Some("人"))),
            ("≥1,234,567.5元", T(Ge, 1234567.5, Some("元"))),
            ("１，０００人", T(Eq, 1000.0, Some("人"))),
            ("99.5%", T(Eq, 99.5, Some("%"))),
            ("≥0.5", T(Ge, 0.5, None)),
            ("≥99．5％", T(Ge, 99.5, Some("%"))),
            ("＞＝９５％", T(Ge, 95.0, Some("%"))),
            ("＝１００％", T(Eq, 100.0, Some("%"))),
            ("95％", T(Eq, 95.0, Some("%"))),
            ("-5%", T(Eq, -5.0, Some("%"))),
            ("－5%", T(Eq, -5.0, Some("%"))),
            ("≥-5", T(Ge, -5.0, None)),
            ("+5%", T(Eq, 5.0, Some("%"))),
            ("-0", T(Eq, 0.0, None)),
            ("007", T(Eq, 7.0, None)),
            (">= 95 %", T(Ge, 95.0, Some("%"))),
            ("≥ 2000 人", T(Ge, 2000.0, Some("人"))),
            ("　≥　2000　人　", T(Ge, 2000.0, Some("人"))),
            ("≥10万元", T(Ge, 10.0, Some("万元"))),
            ("=3小时", T(Eq, 3.0, Some("小时"))),
            ("≥500平方米", T(Ge, 500.0, Some("平方米"))),
            ("≥85分", T(Ge, 85.0, Some("分"))),
            ("≥2000人次", T(Ge, 2000.0, Some("人次"))),
            ("≥1万人次", T(Ge, 1.0, Some("万人次"))),
            ("≥3亿元", T(Ge, 3.0, Some("亿元"))),
            ("≤30个工作日", T(Le, 30.0, Some("个工作日"))),
            ("=5元/人", T(Eq, 5.0, Some("元/人"))),
            ("≥1.5个百分点", T(Ge, 1.5, Some("个百分点"))),
            ("≤60km/h", T(Le, 60.0, Some("km/h"))),
            ("2020.5万元", T(Eq, 2020.5, Some("万元"))),
            ("≥3年", T(Ge, 3.0, Some("年"))),
        ]);
    }

    #[test]
    fn seed_targets() {
        use Op::*;
        check_table(&[
            ("=100%", T(Eq, 100.0, Some("%"))),
            (">=95%", T(Ge, 95.0, Some("%"))),
            (">=2000人", T(Ge, 2000.0, Some("人"))),
            (">=10%", T(Ge, 10.0, Some("%"))),
            ("=0", T(Eq, 0.0, None)),
            (">=90%", T(Ge, 90.0, Some("%"))),
            ("合理", Q),
            ("健全", Q),
            ("有效", Q),
            ("规范", Q),
        ]);
    }

    #[test]
    fn qualitative_words() {
        check_table(&[
            ("合理", Q),
            ("健全", Q),
            ("有效", Q),
            ("规范", Q),
            ("是", Q),
            ("达成", Q),
            ("好", Q),
            ("完成", Q),
            ("提高", Q),
            ("逐步提升", Q),
            ("", Q),
            ("   ", Q),
            ("\u{3000}", Q),
            ("不低于上年", Q),
            ("-", Q),
            ("—", Q),
            ("~", Q),
            ("至", Q),
            ("三次", Q),
        ]);
    }

    #[test]
    fn unparsed_cases() {
        let nines = "9".repeat(400);
        let tiny = format!("0.{}1", "0".repeat(400));
        let long_ok = format!("≥{}", "9".repeat(30));
        let mut cases = vec![
            ("按计划完成2次以上工作并提高30%", U),
            ("≤2020年", U),
            ("2020.12", U),
            ("2020.1-2020.12", U),
            ("第一季度3个，全年10个", U),
            ("对学校2400平米体育场馆补贴5万元。", U),
            (">=", U),
            ("≥", U),
            ("=", U),
            ("%", U),
            ("≥好", U),
            ("95%左右", U),
            ("约95%", U),
            ("100多人", U),
            ("100-90", U),
            ("1-", U),
            ("-1-", U),
            ("~1", U),
            ("≥90-100", U),
            ("90-100%以上", U),
            ("1人-2天", U),
            ("2 000人", U),
            ("1,2345", U),
            ("12,34", U),
            ("1e5", U),
            ("5.", U),
            (".5", U),
            ("> =95", U),
            (">==95", U),
            ("=95%以上", U),
            ("≥95%以下", U),
            ("<5以上", U),
            ("100%完成", U),
            ("95% 人", U),
            ("≥95 % %", U),
            ("1.2.3", U),
        ];
        // dates and deadlines are qualitative: nothing numeric to read
        cases.extend([
            ("2020年底前完成", Q),
            ("2020年12月底前", Q),
            ("2020年", Q),
            ("2020-2022年", Q),
            ("2020年度", Q),
            ("12月底到位", Q),
            ("2021年1月-12月", Q),
            ("2021年12月底完成项目规划相关工作。", Q),
        ]);
        cases.push((nines.as_str(), U));
        cases.push((tiny.as_str(), U));
        check_table(&cases);
        let long = parse_target(&long_ok);
        assert_eq!(long.op, Some(Op::Ge));
        assert!(long.value.is_some_and(f64::is_finite));
    }

    fn split(op: &str, value: &str, unit: &str) -> (String, Target) {
        parse_split(op, value, unit)
    }

    fn quant(op: Op, v: f64, unit: Option<&'static str>) -> Target {
        expected(&T(op, v, unit))
    }

    #[test]
    fn split_shape() {
        use Op::*;
        let nines = "9".repeat(400);
        let nines_joined = format!("≥{nines}");
        let cases: Vec<((&str, &str, &str), &str, Target)> = vec![
            (("≥", "2", "次"), "≥2次", quant(Ge, 2.0, Some("次"))),
            (("定性", "达成", ""), "达成", Target::qualitative()),
            (
                ("定性", "2020年底前完成", ""),
                "2020年底前完成",
                Target::qualitative(),
            ),
            ((" 定性 ", " 好 ", "个"), "好", Target::qualitative()),
            (("=", "100", "%"), "=100%", quant(Eq, 100.0, Some("%"))),
            (("≤", "5", "％"), "≤5％", quant(Le, 5.0, Some("%"))),
            (("", "100", ""), "100", quant(Eq, 100.0, None)),
            (
                (">=", "2,000", "人"),
                ">=2,000人",
                quant(Ge, 2000.0, Some("人")),
            ),
            (
                ("＝", "１００", "％"),
                "＝１００％",
                quant(Eq, 100.0, Some("%")),
            ),
            (
                ("＝", "１，０００", "人"),
                "＝１，０００人",
                quant(Eq, 1000.0, Some("人")),
            ),
            (
                ("大于等于", "90", "%"),
                "大于等于90%",
                quant(Ge, 90.0, Some("%")),
            ),
            (
                ("小于等于", "5", "%"),
                "小于等于5%",
                quant(Le, 5.0, Some("%")),
            ),
            (("等于", "1", "个"), "等于1个", quant(Eq, 1.0, Some("个"))),
            ((">", "0", ""), ">0", quant(Gt, 0.0, None)),
            (("<", "5", "天"), "<5天", quant(Lt, 5.0, Some("天"))),
            ((" ≥ ", " 2 ", " 次 "), "≥2次", quant(Ge, 2.0, Some("次"))),
            (("≥", "99.5", "%"), "≥99.5%", quant(Ge, 99.5, Some("%"))),
            (("≥", "95%", ""), "≥95%", quant(Ge, 95.0, Some("%"))),
            (("≥", "95%", "%"), "≥95%%", quant(Ge, 95.0, Some("%"))),
            (("≥", "95以上", "%"), "≥95以上%", quant(Ge, 95.0, Some("%"))),
            (
                ("≥", "2020.12", "万元"),
                "≥2020.12万元",
                quant(Ge, 2020.12, Some("万元")),
            ),
            (
                ("≥", "10", "人/年"),
                "≥10人/年",
                quant(Ge, 10.0, Some("人/年")),
            ),
            (("", "≥95", "%"), "≥95%", quant(Ge, 95.0, Some("%"))),
            (
                ("", "90-100", "%"),
                "90-100%",
                expected(&R(90.0, 100.0, Some("%"))),
            ),
            (("=", "达成", ""), "=达成", Target::qualitative()),
            (("=", "好", ""), "=好", Target::qualitative()),
            (("≥", "", ""), "≥", Target::qualitative()),
            (("", "", ""), "", Target::qualitative()),
            (("约", "95", "%"), "约95%", Target::unreadable()),
            (("≈", "95", "%"), "≈95%", Target::unreadable()),
            (("=", "90-100", "%"), "=90-100%", Target::unreadable()),
            (("=", "95以上", "%"), "=95以上%", Target::unreadable()),
            (("≤", "≥95", "%"), "≤≥95%", Target::unreadable()),
            (("≥", "95%", "人"), "≥95%人", Target::unreadable()),
            (("=", "2020", "年"), "=2020年", Target::unreadable()),
            (("=", "2020.12", ""), "=2020.12", Target::unreadable()),
            (("≥", "95左右", "%"), "≥95左右%", Target::unreadable()),
            (("≥", &nines, ""), &nines_joined, Target::unreadable()),
        ];
        let mut failures = Vec::new();
        for ((op, value, unit), joined, want) in cases {
            let (got_joined, got) = split(op, value, unit);
            if got_joined != joined || got != want {
                failures.push(format!(
                    "({op:?},{value:?},{unit:?}): want {joined:?} {want:?}, got {got_joined:?} {got:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn op_serialises_lowercase() {
        let names: Vec<String> = [Op::Eq, Op::Ge, Op::Le, Op::Gt, Op::Lt, Op::Range]
            .iter()
            .map(|op| serde_json::to_string(op).expect("serialise op"))
            .collect();
        assert_eq!(
            names,
            [
                "\"eq\"",
                "\"ge\"",
                "\"le\"",
                "\"gt\"",
                "\"lt\"",
                "\"range\""
            ]
        );
    }

    #[test]
    fn is_quantitative_follows_value() {
        assert!(parse_target(">=95%").is_quantitative());
        assert!(!parse_target("合理").is_quantitative());
        assert!(!parse_target("95%左右").is_quantitative());
        assert!(!Target::qualitative().is_quantitative());
    }

    fn assert_sane(input: &str, t: &Target) {
        if let Some(v) = t.value {
            assert!(v.is_finite(), "{input:?}: {t:?}");
        }
        if let Some(v) = t.value_max {
            assert!(v.is_finite(), "{input:?}: {t:?}");
        }
        assert_eq!(t.op.is_some(), t.value.is_some(), "{input:?}: {t:?}");
        assert_eq!(
            t.op == Some(Op::Range),
            t.value_max.is_some(),
            "{input:?}: {t:?}"
        );
        if let (Some(a), Some(b)) = (t.value, t.value_max) {
            assert!(a <= b, "{input:?}: {t:?}");
        }
        if t.unparsed {
            assert!(t.op.is_none() && t.unit.is_none(), "{input:?}: {t:?}");
        }
        if let Some(unit) = &t.unit {
            assert!(!unit.is_empty() && unit.trim() == unit, "{input:?}: {t:?}");
            assert!(!unit.contains('％'), "{input:?}: {t:?}");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let fragments = [
            "",
            " ",
            "　",
            ">",
            "<",
            "=",
            "≥",
            "≤",
            "≧",
            "＞",
            "＝",
            "-",
            "－",
            "~",
            "～",
            "至",
            "至少",
            "以上",
            "以下",
            "以内",
            "%",
            "％",
            ".",
            "．",
            ",",
            "，",
            "0",
            "1",
            "９",
            "99.5",
            "2020",
            "年",
            "人",
            "万元",
            "/",
            "·",
            "😀",
            "e",
            "\u{200B}",
            "\u{FEFF}",
            "𠀀",
            "不低于",
            "大于等于",
            "1-",
            "-1-2",
            "a",
            "é",
            "\u{0301}",
            "٣",
        ];
        let mut inputs: Vec<String> = vec![
            "9".repeat(400),
            format!("-{}", "9".repeat(400)),
            format!("≥{}%", "9".repeat(400)),
            format!("1-{}", "9".repeat(400)),
            format!("{}.{}", "9".repeat(300), "9".repeat(300)),
            format!("0.{}1", "0".repeat(400)),
            "1,".repeat(200),
            "≥".repeat(300),
            "-".repeat(300),
            "至".repeat(300),
            "😀≥1😀".to_string(),
        ];
        // deterministic pseudo-random combinations of 1 to 5 fragments
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize
        };
        for _ in 0..600 {
            let n = 1 + next() % 5;
            let s: String = (0..n)
                .map(|_| fragments[next() % fragments.len()])
                .collect();
            inputs.push(s);
        }
        for a in fragments {
            for b in fragments {
                inputs.push(format!("{a}{b}"));
            }
        }
        let mut quantitative = 0;
        for (i, input) in inputs.iter().enumerate() {
            let t = parse_target(input);
            assert_sane(input, &t);
            quantitative += usize::from(t.is_quantitative());
            let other = &inputs[(i * 7 + 3) % inputs.len()];
            let (joined, t) = parse_split(fragments[i % fragments.len()], input, other);
            assert_sane(input, &t);
            assert!(joined.len() <= input.len() + other.len() + 16);
        }
        // the loop exercised both outcomes
        assert!(quantitative > 10);
        assert!(inputs.len() > 300);
    }
}
