//! Number formats → the text Excel shows for a number.
//!
//! A target typed as `95%` in Excel is stored as `0.95` with the format
//! `0%`; a formula's cached value is stored the same way. Read as a
//! General number it would lose its unit, so a number whose cell has a
//! number format is shown as Excel shows it: `1` formatted `0%` is
//! `100%`, `0.955` formatted `0.0%` is `95.5%`, `4109.8` formatted
//! `#,##0.00` is `4,109.80`, `0.95` formatted `">="0%` is `>=95%`.
//!
//! Only what changes how a number in these tables reads is understood:
//! percent signs, fixed and optional decimals, thousands separators and
//! scaling commas, quoted and escaped literal text around the number,
//! `[$¥-804]` currency tags, and the positive;negative;zero sections.
//! Anything else (dates and times, which calamine reads as dates already;
//! fractions; scientific notation; conditions; literals between digits)
//! makes [`NumFmt::parse`] give `None`, and the number is shown as a
//! General cell shows it.
//!
//! Rounding is Excel's: the value is first taken to 15 significant
//! digits, then rounded half away from zero at the shown decimals (so
//! `0.955` at one decimal of a percent is `95.5`, and `0.125` at two
//! decimals is `0.13`).

use super::cell::format_number;

/// The most decimals a format may show (Excel's own limit).
const MAX_DECIMALS: usize = 30;

/// A parsed number format: one to three sections (positive, negative,
/// zero); a fourth (text) section is ignored.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct NumFmt {
    sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Section {
    /// Literal text before and after the number.
    prefix: String,
    suffix: String,
    /// The section shows the number at all (else only its literals).
    digits: bool,
    /// `General` inside the section: the number as a General cell shows it.
    general: bool,
    /// Least integer digits (`0`s before the point).
    int_min: usize,
    /// Thousands separators between integer digits.
    group: bool,
    /// A decimal point, and the decimals: at least `frac_min`, at most
    /// `frac_max`.
    point: bool,
    frac_min: usize,
    frac_max: usize,
    /// `%` signs (each multiplies by 100) and trailing commas (each
    /// divides by 1000).
    percent: i32,
    thousands: i32,
}

impl NumFmt {
    /// The format, or `None` when it is General, a date or time, or uses
    /// something this module does not show (then show the number as
    /// General).
    pub(super) fn parse(code: &str) -> Option<NumFmt> {
        let code = code.trim();
        if code.is_empty() || code.eq_ignore_ascii_case("general") || code == "@" {
            return None;
        }
        let mut sections = Vec::new();
        for part in split_sections(code).into_iter().take(3) {
            sections.push(parse_section(part)?);
        }
        if sections
            .iter()
            .all(|s| !s.digits && !s.general && s.prefix.is_empty() && s.suffix.is_empty())
        {
            return None;
        }
        Some(NumFmt { sections })
    }

    /// `value` as this format shows it.
    pub(super) fn render(&self, value: f64) -> String {
        if !value.is_finite() {
            return format_number(value);
        }
        let (section, sign) = match self.sections.as_slice() {
            [_, neg, ..] if value < 0.0 => (neg, ""),
            [_, _, zero, ..] if value == 0.0 => (zero, ""),
            [first, ..] if value < 0.0 => (first, "-"),
            [first, ..] => (first, ""),
            [] => return format_number(value),
        };
        let body = if section.general {
            format_number(value.abs() * 100f64.powi(section.percent))
        } else if section.digits {
            section.number(value.abs())
        } else {
            String::new()
        };
        format!("{sign}{}{body}{}", section.prefix, section.suffix)
    }
}

impl Section {
    fn number(&self, v: f64) -> String {
        let scaled = v * 100f64.powi(self.percent) / 1000f64.powi(self.thousands);
        let (int, frac) = fixed(scaled, self.frac_max);
        let int = int.trim_start_matches('0');
        let mut int = format!(
            "{}{int}",
            "0".repeat(self.int_min.saturating_sub(int.len()))
        );
        if self.group && int.len() > 3 {
            let lead = int.len() % 3;
            let mut grouped = String::with_capacity(int.len() + int.len() / 3);
            for (i, ch) in int.chars().enumerate() {
                if i > 0 && (i + 3 - lead) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(ch);
            }
            int = grouped;
        }
        let keep = frac.trim_end_matches('0').len().max(self.frac_min);
        let frac = frac.get(..keep).unwrap_or(&frac);
        if self.point {
            format!("{int}.{frac}")
        } else {
            int
        }
    }
}

/// Splits on the `;` that separate sections (not those quoted or escaped).
fn split_sections(code: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, ch) in code.char_indices() {
        match ch {
            _ if escaped => escaped = false,
            '\\' if !quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                parts.push(&code[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&code[start..]);
    parts
}

fn parse_section(part: &str) -> Option<Section> {
    let mut s = Section::default();
    let mut in_frac = false;
    // Literal text met after a digit placeholder, not yet known to be the
    // suffix (a digit after it would put it between digits).
    let mut after = String::new();
    let mut commas = 0;
    let mut chars = part.chars().peekable();
    let literal = |s: &mut Section, after: &mut String, text: &str| {
        if s.digits || s.general {
            after.push_str(text);
        } else {
            s.prefix.push_str(text);
        }
    };
    while let Some(ch) = chars.next() {
        if ch != ',' && commas > 0 {
            // Commas not followed by a digit placeholder scale the number.
            if !matches!(ch, '0' | '#' | '?') {
                s.thousands += commas;
            }
        }
        match ch {
            '0' | '#' | '?' => {
                if !after.is_empty() || s.general {
                    return None; // literal text between digits
                }
                if commas > 0 && !in_frac {
                    s.group = true;
                }
                s.digits = true;
                if in_frac {
                    s.frac_max += 1;
                    if ch == '0' {
                        s.frac_min += 1;
                    }
                    if s.frac_max > MAX_DECIMALS {
                        return None;
                    }
                } else if ch == '0' {
                    s.int_min += 1;
                }
            }
            '.' if !in_frac && after.is_empty() && !s.general => {
                in_frac = true;
                s.point = true;
                s.digits = true;
            }
            ',' => {
                commas += 1;
                continue;
            }
            '%' => {
                s.percent += 1;
                literal(&mut s, &mut after, "%");
            }
            '"' => {
                let mut text = String::new();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    text.push(c);
                }
                literal(&mut s, &mut after, &text);
            }
            '\\' => {
                if let Some(c) = chars.next() {
                    literal(&mut s, &mut after, c.encode_utf8(&mut [0; 4]));
                }
            }
            // Padding to a character's width, and fill: no text.
            '_' | '*' => {
                chars.next();
            }
            '[' => {
                let mut tag = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    tag.push(c);
                }
                if let Some(currency) = tag.strip_prefix('$') {
                    let symbol = currency.split('-').next().unwrap_or("");
                    literal(&mut s, &mut after, symbol);
                } else if !is_colour(&tag) {
                    return None; // a condition, or elapsed time
                }
            }
            'G' | 'g' => {
                let rest: String = chars.clone().take(6).collect();
                if !rest.eq_ignore_ascii_case("eneral") || s.digits {
                    return None;
                }
                for _ in 0..6 {
                    chars.next();
                }
                s.general = true;
            }
            // Dates and times, scientific notation, fractions, text.
            'y' | 'Y' | 'm' | 'M' | 'd' | 'D' | 'h' | 'H' | 's' | 'S' | 'e' | 'E' | 'a' | 'A'
            | 'b' | 'B' | '/' | '@' => return None,
            other => literal(&mut s, &mut after, other.encode_utf8(&mut [0; 4])),
        }
        commas = 0;
    }
    s.thousands += commas;
    s.suffix = after;
    Some(s)
}

/// `[Red]`, `[Color10]`, …: a colour changes nothing in the text.
fn is_colour(tag: &str) -> bool {
    const NAMES: [&str; 8] = [
        "black", "blue", "cyan", "green", "magenta", "red", "white", "yellow",
    ];
    let lower = tag.to_ascii_lowercase();
    NAMES.contains(&lower.as_str())
        || lower
            .strip_prefix("color")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A non-negative finite `v` at `decimals` decimals, as Excel rounds it:
/// 15 significant digits first, then half away from zero. Gives the
/// integer digits (possibly with leading zeros, possibly empty) and
/// exactly `decimals` fraction digits.
fn fixed(v: f64, decimals: usize) -> (String, String) {
    let zero = || (String::new(), "0".repeat(decimals));
    if v == 0.0 || !v.is_finite() {
        return zero();
    }
    let sci = format!("{v:.14e}"); // "9.55000000000000e-1"
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return zero();
    };
    let Ok(exp) = exp.parse::<i64>() else {
        return zero();
    };
    let digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // The digits of round(v × 10^decimals): the first `keep` of `digits`.
    let keep = exp + 1 + decimals as i64;
    let Ok(keep) = usize::try_from(keep) else {
        return zero();
    };
    let mut n: Vec<u8> = digits.iter().copied().take(keep).collect();
    n.resize(keep, 0);
    if digits.get(keep).is_some_and(|&d| d >= 5) {
        let mut i = n.len();
        loop {
            if i == 0 {
                n.insert(0, 1);
                break;
            }
            i -= 1;
            if n[i] == 9 {
                n[i] = 0;
            } else {
                n[i] += 1;
                break;
            }
        }
    }
    if n.len() < decimals {
        let mut padded = vec![0; decimals - n.len()];
        padded.extend(n);
        n = padded;
    }
    let text: String = n.iter().map(|d| char::from(b'0' + d)).collect();
    let (int, frac) = text.split_at(text.len() - decimals);
    (int.to_string(), frac.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(code: &str, v: f64) -> String {
        match NumFmt::parse(code) {
            Some(f) => f.render(v),
            None => format_number(v),
        }
    }

    #[test]
    fn percent_decimals_and_general() {
        let cases = [
            ("0%", 1.0, "100%"),
            ("0%", 0.95, "95%"),
            ("0%", 0.955, "96%"),
            ("0.0%", 0.955, "95.5%"),
            ("0.00%", 0.1, "10.00%"),
            ("0.00", 1.0, "1.00"),
            ("0.00", 4109.855, "4109.86"),
            ("0.00", 0.125, "0.13"),
            ("0.00", -0.125, "-0.13"),
            ("#,##0.00", 41098620.0, "41,098,620.00"),
            ("#,##0", 1234567.4, "1,234,567"),
            ("#,##0", 999.5, "1,000"),
            ("0", 2.5, "3"),
            ("0", 0.4, "0"),
            ("#.##", 0.5, ".5"),
            ("0.##", 3.0, "3."),
            ("0.0,", 41098620.0, "41098.6"),
            ("General", 0.95, "0.95"),
            ("General", 41098620.0, "41098620"),
            ("@", 0.3, "0.3"),
            (r#"">="0%"#, 0.95, ">=95%"),
            (r#"0"元""#, 200.0, "200元"),
            (r#"\≥0.0%"#, 0.9, "≥90.0%"),
            ("[$¥-804]#,##0.00", 1234.5, "¥1,234.50"),
            ("[Red]0.00", 2.0, "2.00"),
            ("0.00_);[Red](0.00)", -3.0, "(3.00)"),
            ("0.00_);[Red](0.00)", 3.0, "3.00"),
            ("0;-0;\"零\"", 0.0, "零"),
            (r#"General"人""#, 2000.0, "2000人"),
            ("0.00E+00", 12345.0, "12345"),
            ("yyyy-mm-dd", 43831.0, "43831"),
            ("# ?/?", 0.5, "0.5"),
            ("[>100]0;0.0", 5.0, "5"),
            ("0%", 1e-20, "0%"),
        ];
        for (code, v, want) in cases {
            assert_eq!(show(code, v), want, "{code} of {v}");
        }
    }

    #[test]
    fn only_formats_that_show_a_number_differently_parse() {
        for code in [
            "General",
            "general",
            "@",
            "",
            "yyyy-mm-dd",
            "h:mm",
            "0.0E+0",
        ] {
            assert_eq!(NumFmt::parse(code), None, "{code:?}");
        }
        for code in ["0%", "0.0%", "0.00", "#,##0", "0"] {
            assert!(NumFmt::parse(code).is_some(), "{code:?}");
        }
    }
}
