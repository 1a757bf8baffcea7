//! Values as the contract writes them, from the text of a cell: ISO
//! dates (and periods: one cell for both planned dates), 是/否, amounts in
//! yuan (exact decimal arithmetic, units from the cell, its label or the
//! table), codes printed with a department.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Amount;
use crate::table::vocabulary::{self, MoneyUnit};

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

/// Why a cell could not be read as an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Not a number (with an optional unit).
    NotAnAmount,
    /// A number, but no unit in the cell, and none given: it is not
    /// guessed.
    NoUnit,
}

/// An amount → yuan, exactly (decimal arithmetic, no floats): thousands
/// separators removed, a unit after the number (`元`, `万元`, `万`,
/// `亿元`, `亿`) wins over `unit` (the label's or the table's), rounded
/// half away from zero to the fen. A leading `总额`/`合计` is read past.
/// Zero needs no unit.
pub fn parse_amount(s: &str, unit: Option<MoneyUnit>) -> Result<ParsedAmount, AmountError> {
    let s = ascii_digits(s.trim());
    let mut t = s.as_str();
    for w in ["总额", "合计", "共计", "小计"] {
        if let Some(rest) = t.strip_prefix(w) {
            t = rest.trim_start_matches(['：', ':', ' ']);
            break;
        }
    }
    let (t, unit) = if let Some(x) = t.strip_suffix("万元").or_else(|| t.strip_suffix('万')) {
        (x, Some(MoneyUnit::TenThousandYuan))
    } else if let Some(x) = t.strip_suffix("亿元").or_else(|| t.strip_suffix('亿')) {
        (x, Some(MoneyUnit::HundredMillionYuan))
    } else if let Some(x) = t.strip_suffix('元') {
        (x, Some(MoneyUnit::Yuan))
    } else {
        (t, unit)
    };
    let t: String = t
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}'))
        .collect();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || int.len() + frac.len() > 30 {
        return Err(AmountError::NotAnAmount);
    }
    let mantissa: i128 = format!("{int}{frac}")
        .parse()
        .map_err(|_| AmountError::NotAnAmount)?;
    let unit = match unit {
        Some(u) => u,
        None if mantissa == 0 => MoneyUnit::Yuan,
        None => return Err(AmountError::NoUnit),
    };
    let scale = match unit {
        MoneyUnit::Yuan => 2i32,
        MoneyUnit::TenThousandYuan => 6,
        MoneyUnit::HundredMillionYuan => 10,
    };
    // value in fen = mantissa * 10^(scale - frac.len())
    let exp = scale - frac.len() as i32;
    let too_big = AmountError::NotAnAmount;
    let (fen, rounded) = if exp >= 0 {
        (
            mantissa
                .checked_mul(10i128.pow(exp as u32))
                .ok_or(too_big)?,
            false,
        )
    } else {
        let div = 10i128.checked_pow((-exp) as u32).ok_or(too_big)?;
        let q = mantissa / div;
        let r = mantissa % div;
        (if r * 2 >= div { q + 1 } else { q }, r != 0)
    };
    let fen = i64::try_from(if neg { -fen } else { fen }).map_err(|_| too_big)?;
    Ok(ParsedAmount {
        amount: Amount { fen },
        rounded,
    })
}

/// An amount followed by a note in brackets: `854万(高标准农田建设400万元,
/// …)` → `854万` and the note.
pub(crate) fn split_note(raw: &str) -> Option<(&str, &str)> {
    let t = raw.trim();
    let inner = t.strip_suffix(['）', ')'])?;
    let open = inner.find(['（', '('])?;
    let amount = inner[..open].trim();
    (!amount.is_empty()).then(|| (amount, &inner[open..]))
}

/// A department written with its code (`[015001]武汉市青山区教育局`,
/// `【812】自治区教育厅`): the code and the name.
pub fn split_code(value: &str) -> (Option<&str>, &str) {
    let t = value.trim_start();
    let Some(open) = t
        .chars()
        .next()
        .filter(|c| matches!(c, '[' | '【' | '(' | '（' | '〔'))
    else {
        return (None, value);
    };
    let body = &t[open.len_utf8()..];
    let Some(end) = body.find([']', '】', ')', '）', '〕']) else {
        return (None, value);
    };
    let code = body[..end].trim();
    let close = body[end..].chars().next().map_or(1, char::len_utf8);
    let name = body[end + close..].trim();
    if code.is_empty() || name.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return (None, value);
    }
    (Some(code), name)
}

/// A value that is only a placeholder of the form: a seal or signature
/// note (`（盖章）`), or template filler (`……`, `——`, `*`).
pub(crate) fn is_placeholder_value(v: &str) -> bool {
    crate::table::indicator::is_placeholder(v) || {
        let s = v.trim_matches(['（', '）', '(', ')', ' ', '　']);
        matches!(
            s,
            "盖章" | "公章" | "签章" | "签字" | "签名" | "单位盖章" | "到" | "至"
        )
    }
}

/// One cell for both planned dates: `2023.07-2024.01`, `202001-202012`,
/// `20210101 到 20211231`, `2020年1月1日至2020年12月31日`, `2019-2021`.
pub fn parse_period(s: &str) -> Option<(String, String)> {
    let s = ascii_digits(s.trim());
    let seps = ["至", "到", "~", "～", "—", "--", "–", "-"];
    for (i, _) in s.char_indices() {
        for sep in seps {
            if !s[i..].starts_with(sep) {
                continue;
            }
            let (a, b) = (s[..i].trim(), s[i + sep.len()..].trim());
            if let (Some(a), Some(b)) = (loose_date(a), loose_date(b)) {
                return Some((a, b));
            }
        }
    }
    None
}

/// A date as [`parse_date`] reads it, or compact: `20210101`, `202001`,
/// or a year alone (`2019`, `2019年`).
pub fn loose_date(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(d) = parse_date(s) {
        return Some(d);
    }
    let digits = s.strip_suffix('年').unwrap_or(s);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| digits[r].parse::<u32>().ok();
    match digits.len() {
        8 => {
            let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
            ((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d))
                .then(|| format!("{y:04}-{m:02}-{d:02}"))
        }
        6 => {
            let (y, m) = (num(0..4)?, num(4..6)?);
            (1..=12).contains(&m).then(|| format!("{y:04}-{m:02}"))
        }
        4 => {
            let y = num(0..4)?;
            (1900..=2100).contains(&y).then(|| format!("{y:04}"))
        }
        _ => None,
    }
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
            parse_amount(s, Some(u))
                .map(|a| (a.amount.fen, a.rounded))
                .map_err(|_| ())
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
        assert_eq!(y("854万", Yuan), Ok((854_000_000, false)));
        assert_eq!(y("1.5亿元", Yuan), Ok((15_000_000_000, false)));
        assert_eq!(y("总额10606.7522万元", Yuan), Ok((10_606_752_200, false)));
        assert!(y("", Yuan).is_err());
        assert!(y("无", Yuan).is_err());
        assert!(y("1.2.3", Yuan).is_err());
        assert!(y("9".repeat(40).as_str(), Yuan).is_err());
        // a number without a unit anywhere is not guessed; zero needs none
        assert_eq!(parse_amount("191", None).err(), Some(AmountError::NoUnit));
        assert_eq!(parse_amount("0.00", None).map(|a| a.amount.fen), Ok(0));
        assert_eq!(
            parse_amount("854万854万(高标准)", None).err(),
            Some(AmountError::NotAnAmount)
        );
    }

    #[test]
    fn periods_and_codes() {
        let p = |s| parse_period(s);
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(p("2023.07-2024.01"), pair("2023-07", "2024-01"));
        assert_eq!(p("202001-202012"), pair("2020-01", "2020-12"));
        assert_eq!(p("20210101 到 20211231"), pair("2021-01-01", "2021-12-31"));
        assert_eq!(
            p("2020年1月1日至2020年12月31日"),
            pair("2020-01-01", "2020-12-31")
        );
        assert_eq!(p("2021.1-2021.12"), pair("2021-01", "2021-12"));
        assert_eq!(p("2019-2021"), pair("2019", "2021"));
        assert_eq!(p("2020-01-01-2020-12-31"), pair("2020-01-01", "2020-12-31"));
        assert_eq!(p("年 月 日 至 年 月 日"), None);
        assert_eq!(p("2021年度"), None);
        assert_eq!(
            split_code("[015001]武汉市青山区教育局"),
            (Some("015001"), "武汉市青山区教育局")
        );
        assert_eq!(
            split_code("【812033】宁夏长庆初级中学"),
            (Some("812033"), "宁夏长庆初级中学")
        );
        assert_eq!(split_code("（一）财政拨款"), (None, "（一）财政拨款"));
        assert_eq!(split_code("教育局"), (None, "教育局"));
    }
}
