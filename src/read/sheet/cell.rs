//! Cell values → the text a person sees in Excel.
//!
//! calamine hands out two value types (`Data` from a whole range,
//! `DataRef` from a streamed sheet) and stores numbers and dates as
//! floats. A reviewer compares our output with the workbook on screen, so
//! a cell is rendered as a General cell shows it: `41098620`, not
//! `41098620.0`; `0.3` for 0.1+0.2; `2020-01-01`, not the serial `43831`.

use std::borrow::Cow;

use calamine::{CellErrorType, Data, DataRef, ExcelDateTime};

/// A cell value of either calamine type, borrowed.
pub(super) enum Value<'v> {
    Text(&'v str),
    Int(i64),
    Float(f64),
    Bool(bool),
    DateTime(ExcelDateTime),
    DateTimeIso(&'v str),
    DurationIso(&'v str),
    Error(&'v CellErrorType),
    Empty,
}

impl<'v> From<&'v Data> for Value<'v> {
    fn from(d: &'v Data) -> Self {
        match d {
            Data::String(s) => Value::Text(s),
            Data::Int(i) => Value::Int(*i),
            Data::Float(f) => Value::Float(*f),
            Data::Bool(b) => Value::Bool(*b),
            Data::DateTime(dt) => Value::DateTime(*dt),
            Data::DateTimeIso(s) => Value::DateTimeIso(s),
            Data::DurationIso(s) => Value::DurationIso(s),
            Data::Error(e) => Value::Error(e),
            Data::Empty => Value::Empty,
        }
    }
}

impl<'v> From<&'v DataRef<'_>> for Value<'v> {
    fn from(d: &'v DataRef<'_>) -> Self {
        match d {
            DataRef::String(s) => Value::Text(s),
            DataRef::SharedString(s) => Value::Text(s),
            DataRef::Int(i) => Value::Int(*i),
            DataRef::Float(f) => Value::Float(*f),
            DataRef::Bool(b) => Value::Bool(*b),
            DataRef::DateTime(dt) => Value::DateTime(*dt),
            DataRef::DateTimeIso(s) => Value::DateTimeIso(s),
            DataRef::DurationIso(s) => Value::DurationIso(s),
            DataRef::Error(e) => Value::Error(e),
            DataRef::Empty => Value::Empty,
        }
    }
}

/// A cell as a person sees it in a General cell (an xlsx number under a
/// number format goes through `numfmt` instead; elsewhere a percentage
/// reads `0.95`).
pub(super) fn render(v: Value<'_>) -> Cow<'_, str> {
    match v {
        Value::Text(s) | Value::DurationIso(s) => Cow::Borrowed(s),
        Value::Int(i) => Cow::Owned(i.to_string()),
        Value::Float(f) => Cow::Owned(format_number(f)),
        Value::Bool(true) => Cow::Borrowed("TRUE"),
        Value::Bool(false) => Cow::Borrowed("FALSE"),
        Value::DateTime(dt) => Cow::Owned(format_datetime(&dt)),
        Value::DateTimeIso(s) => Cow::Owned(format_iso_datetime(s)),
        Value::Error(e) => Cow::Owned(e.to_string()),
        Value::Empty => Cow::Borrowed(""),
    }
}

/// A number as Excel shows it in a General cell, in at most 15 significant
/// digits: `41098620`, `4109.86`, `0.3` (for 0.1+0.2); plain digits from
/// 1E-10 to below 1E+21, `1.5E+300` style beyond.
pub(super) fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let sci = format!("{v:.14e}"); // "-4.10986200000000e7"
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return v.to_string();
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return v.to_string();
    };
    let sign = if mantissa.starts_with('-') { "-" } else { "" };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let (lead, rest) = digits.split_at(1.min(digits.len()));
    if !(-10..=20).contains(&exp) {
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{lead}{dot}{rest}E{esign}{:02}", exp.unsigned_abs());
    }
    if exp < 0 {
        let zeros = "0".repeat(exp.unsigned_abs() as usize - 1);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        let zeros = "0".repeat(int_len - digits.len());
        format!("{sign}{digits}{zeros}")
    } else {
        let (int, frac) = digits.split_at(int_len);
        format!("{sign}{int}.{frac}")
    }
}

/// `2020-01-01`, `2020-01-01 08:30:00`, a time alone (`08:30:00`) for a
/// value under one day, and `[h]:mm:ss` (`36:00:00`) for a duration.
/// Serials outside Excel's calendar (negative, past 9999) stay numbers.
fn format_datetime(dt: &ExcelDateTime) -> String {
    let v = dt.as_f64();
    if dt.is_duration() {
        return format_duration(v);
    }
    if !(0.0..2_958_466.0).contains(&v) {
        return format_number(v);
    }
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let time = if ms == 0 {
        format!("{h:02}:{mi:02}:{s:02}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}.{ms:03}")
    };
    if v < 1.0 {
        time
    } else if (h, mi, s, ms) == (0, 0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {time}")
    }
}

fn format_duration(days: f64) -> String {
    let secs = (days * 86_400.0).round();
    if !secs.is_finite() || secs.abs() >= 1e15 {
        return format_number(days);
    }
    let sign = if secs < 0.0 { "-" } else { "" };
    let secs = secs.abs() as u64;
    format!(
        "{sign}{}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// ODF/ISO `2020-01-01T08:30:00` → `2020-01-01 08:30:00`; a midnight time
/// is dropped (`2020-01-01T00:00:00` → `2020-01-01`).
fn format_iso_datetime(s: &str) -> String {
    match s.split_once('T') {
        None => s.to_string(),
        Some((date, time)) => {
            let midnight = time
                .strip_prefix("00:00:00")
                .is_some_and(|rest| rest.trim_start_matches(['.', '0']).is_empty());
            if midnight {
                date.to_string()
            } else {
                format!("{date} {time}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_excel_shows_them() {
        let cases = [
            (41098620.0, "41098620"),
            (0.1 + 0.2, "0.3"),
            (4109.86, "4109.86"),
            (-1.5, "-1.5"),
            (0.0, "0"),
            (-0.0, "0"),
            (1e-7, "0.0000001"),
            (0.000123, "0.000123"),
            (123456789012345678.0, "123456789012346000"),
            (1e21, "1E+21"),
            (1.5e300, "1.5E+300"),
            (-2.5e-12, "-2.5E-12"),
            (1.0 / 3.0, "0.333333333333333"),
            (100.0, "100"),
            (999999999999999.9, "1000000000000000"),
        ];
        for (v, want) in cases {
            assert_eq!(format_number(v), want, "{v:?}");
        }
    }

    #[test]
    fn dates_read_as_iso() {
        use calamine::ExcelDateTimeType::{DateTime, TimeDelta};
        let dt = |v| format_datetime(&ExcelDateTime::new(v, DateTime, false));
        assert_eq!(dt(43831.0), "2020-01-01");
        assert_eq!(dt(44196.0), "2020-12-31");
        assert_eq!(dt(43831.354166666664), "2020-01-01 08:30:00");
        assert_eq!(dt(0.5), "12:00:00");
        assert_eq!(dt(-3.0), "-3");
        assert_eq!(
            format_datetime(&ExcelDateTime::new(0.0, DateTime, true)),
            "00:00:00"
        );
        assert_eq!(
            format_datetime(&ExcelDateTime::new(1.0, DateTime, true)),
            "1904-01-02"
        );
        assert_eq!(
            format_datetime(&ExcelDateTime::new(1.5, TimeDelta, false)),
            "36:00:00"
        );
        assert_eq!(format_iso_datetime("2020-01-01"), "2020-01-01");
        assert_eq!(format_iso_datetime("2020-01-01T00:00:00"), "2020-01-01");
        assert_eq!(
            format_iso_datetime("2020-01-01T08:30:00"),
            "2020-01-01 08:30:00"
        );
    }
}
