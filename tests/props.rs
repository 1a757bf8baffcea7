//! Property tests (proptest) for the pure text stages: the target
//! normaliser and the cell cleaner. Random strings, and strings built from
//! the pieces real cells are made of. The target shape checks are the fuzz
//! targets' own (`fuzz/src/lib.rs`, through `crate::fuzz_regressions`).
//! Failures are not persisted to files: a failing case is printed, shrunk.

use jixiao::read::clean::clean_text;
use jixiao::table::target::{parse_split, parse_target};
use proptest::prelude::*;
use proptest::test_runner::Config;

use crate::fuzz_regressions::checks::{check_clean, check_target};

/// One of `pieces`, as a `String` (so it mixes with regex strategies).
fn pick(pieces: &[&'static str]) -> impl Strategy<Value = String> + use<> {
    prop::sample::select(pieces.to_vec()).prop_map(str::to_string)
}

/// `cases` per property, unless `PROPTEST_CASES` says otherwise (for a
/// longer local run).
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Pieces of merged target cells: operators (ASCII, full-width, words),
/// ASCII and full-width digits, separators, units and suffixes, spaces.
fn target_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[0-9]{1,4}",
        2 => "[０-９]{1,3}",
        3 => pick(&[
            ">=", "≥", "<", "＞", "<=", "≤", "=", "≥=", "=>", "＜", "＝", "大于", "不低于",
            "小于或等于", "至少",
        ]),
        3 => pick(&[
            "%", "％", "人", "万元", "个", "次", "人次", "年", "元", "万", "km", "个百分点",
        ]),
        2 => pick(&[
            ".", "．", ",", "，", "-", "~", "～", "至", "—", "+", "-", "/", "·",
        ]),
        2 => pick(&[" ", "\u{3000}", "\t", "\u{a0}", "\u{200b}"]),
        1 => pick(&["以上", "及以下", "以内", "左右", "合理", "定性"]),
    ]
}

/// A string of target pieces, like `≥ 2,000人以上` or `９０％-100%`.
fn target_like() -> impl Strategy<Value = String> {
    prop::collection::vec(target_piece(), 0..10).prop_map(|v| v.concat())
}

/// An operator cell, a value cell and a unit cell of the split shape.
fn split_cells() -> impl Strategy<Value = (String, String, String)> {
    let op = prop_oneof![
        pick(&[
            "",
            ">=",
            "≥",
            "<",
            "＞",
            "<=",
            "=",
            "定性",
            "定量",
            " ≥ ",
            "大于",
            "不高于",
        ]),
        target_like(),
    ];
    let unit = prop_oneof![
        pick(&["", "%", "％", "人", "万元", "个", " 次 ", "年"]),
        target_like(),
    ];
    (op, target_like(), unit)
}

/// Pieces of rich-text cells: tags (known, unknown, unclosed), references
/// (named, numeric, NUL, broken), look-alikes, line breaks, odd spaces.
fn html_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z甲乙丙 ]{1,4}",
        4 => pick(&[
            "<p>", "</p>", "<br/>", "<BR>", "<div>", "</div>", "<span>", "</span>", "<b>",
            "<li>", "<ul>", "<td>", "</td>", "<tr>", "<table>", "</table>", "<pre>", "</pre>",
            "<xmp>", "</xmp>", "<textarea>", "</textarea>", "<script>", "</script>",
            "<style>", "<title>", "<plaintext>", "<o:p>", "</o:p>", "<p class=\"a>b\">",
            "<!--", "-->", "<!doctype html>", "<![if !x]>", "<![endif]>", "<?xml v?>",
            "<svg>", "<math>", "<template>", "</template>", "<foo>", "<p", "</", "<",
        ]),
        3 => pick(&[
            "&nbsp;", "&nbsp", "&lt;", "&gt;", "&amp;", "&amp;nbsp;", "&lt;p&gt;", "&#0;",
            "&#x0;", "&#10;", "&#13;", "&#xA0;", "&#x3000;", "&#x85;", "&#65;", "&#9999999;",
            "&notit;", "&", "R&D", "&&", "&#", "&#x",
        ]),
        2 => pick(&[
            "\n", "\r", "\r\n", "\t", "\0", "\u{a0}", "\u{3000}", "\u{2028}", "\u{85}",
            "\u{b}", "\u{c}", "\u{feff}", " ",
        ]),
        1 => pick(&["<5%", "A<B级", "x<y", "a<b and c>d", "<500万元"]),
    ]
}

fn html_like() -> impl Strategy<Value = String> {
    prop::collection::vec(html_piece(), 0..16).prop_map(|v| v.concat())
}

/// Text the cleaner must return as `s.trim()`: no `<`, `&`, line breaks,
/// U+00A0 or U+0000 (any other character, whitespace included).
fn plain_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[^<&\r\n\u{a0}\u{0}]{0,24}",
        prop::collection::vec(
            pick(&[
                " ", "\t", "\u{3000}", "\u{2028}", "\u{85}", "\u{b}", "\u{c}", "\u{feff}",
                "\u{200b}", "甲", "a", "5%", ">", "；",
            ]),
            0..12
        )
        .prop_map(|v| v.concat()),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn parse_target_never_panics_on_any_string(s in any::<String>()) {
        check_target(&parse_target(&s), &s);
    }

    #[test]
    fn parse_target_never_panics_on_target_like_strings(s in target_like()) {
        check_target(&parse_target(&s), &s);
    }

    #[test]
    fn parse_split_never_panics_on_any_strings(
        op in any::<String>(), value in any::<String>(), unit in any::<String>()
    ) {
        let (_, t) = parse_split(&op, &value, &unit);
        check_target(&t, &format!("{op}\t{value}\t{unit}"));
    }

    #[test]
    fn parse_split_never_panics_on_target_like_cells((op, value, unit) in split_cells()) {
        let (joined, t) = parse_split(&op, &value, &unit);
        check_target(&t, &format!("{op}\t{value}\t{unit}"));
        let (o, v, u) = (op.trim(), value.trim(), unit.trim());
        let whole = format!("{o}{v}{u}");
        prop_assert!(joined == whole || joined == v, "joined {:?}", joined);
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// No panic, no U+0000, trimmed non-empty paragraphs, idempotent when
    /// the output holds no `<` or `&` (see `check_clean`).
    #[test]
    fn clean_text_properties_on_any_string(s in any::<String>()) {
        check_clean(&s, &clean_text(&s));
    }

    #[test]
    fn clean_text_properties_on_html_like_strings(s in html_like()) {
        check_clean(&s, &clean_text(&s));
    }

    #[test]
    fn clean_text_is_idempotent_without_lt_or_amp(s in html_like()) {
        let once = clean_text(&s).into_owned();
        if !once.contains(['<', '&']) {
            let twice = clean_text(&once);
            prop_assert_eq!(twice.as_ref(), once.as_str());
        }
    }

    #[test]
    fn clean_text_returns_plain_text_trimmed(s in plain_text()) {
        let out = clean_text(&s);
        prop_assert_eq!(out.as_ref(), s.trim());
    }
}
