//! Fonts: how a shown string's bytes become characters and advances.
//!
//! A font is built once per font dictionary from its `/Subtype`,
//! `/Encoding`, `/ToUnicode`, widths (`/Widths` of a simple font, `/W` and
//! `/DW` of a CID font) and kept for the document. The text of a code is,
//! in this order: its ToUnicode entry; for a predefined CMap
//! ([`Predefined`]) the character the CMap names; for a simple font its
//! base encoding (WinAnsi or Latin-1) with `/Differences` glyph names.
//! A code none of these names is *unmapped*: the reader writes U+FFFD for
//! it and flags the document (a warning, never made-up text).

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::PdfError;
use super::cmap::{CodeSpace, Predefined, ToUnicode, unradical};
use super::document::Budget;

/// One font of a document.
#[derive(Debug)]
pub struct Font {
    space: CodeSpace,
    to_unicode: Option<ToUnicode>,
    predefined: Option<Predefined>,
    /// A simple font's code → character (base encoding + differences).
    simple: Option<Box<[Option<char>; 256]>>,
    widths: Widths,
}

#[derive(Debug)]
enum Widths {
    Simple {
        first: u32,
        widths: Vec<f32>,
        missing: f32,
    },
    Cid {
        default: f32,
        map: HashMap<u32, f32>,
        by_code: bool,
    },
}

/// One code of a shown string.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// Its characters; empty when the code maps to nothing we can tell.
    pub text: String,
    /// Its advance in thousandths of the font size.
    pub width: f32,
    /// A one-byte code 32: word spacing (`Tw`) applies to it.
    pub is_space: bool,
    /// No map told its text.
    pub unmapped: bool,
}

fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
    .filter(|v| v.is_finite())
}

/// `key` of `dict`, references followed.
pub fn get<'a>(doc: &'a Document, dict: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let o = dict.get(key).ok()?;
    doc.dereference(o).ok().map(|(_, o)| o)
}

impl Font {
    /// The font of `dict`.
    pub fn new(doc: &Document, dict: &Dictionary, budget: &mut Budget) -> Result<Font, PdfError> {
        let to_unicode = match get(doc, dict, b"ToUnicode") {
            Some(Object::Stream(s)) => Some(ToUnicode::parse(&budget.stream(s)?)),
            _ => None,
        };
        let subtype = get(doc, dict, b"Subtype").and_then(|o| o.as_name().ok());
        if subtype == Some(b"Type0") {
            let encoding = get(doc, dict, b"Encoding");
            let predefined = match encoding {
                Some(Object::Name(n)) => Predefined::from_name(n),
                _ => None,
            };
            let space = match (&to_unicode, predefined) {
                (_, Some(p)) if p != Predefined::Identity => p.code_space(),
                (Some(t), _) if t.lengths.is_some() => {
                    CodeSpace::Ranges(t.lengths.clone().unwrap_or_else(|| Box::new([2u8; 256])))
                }
                _ => CodeSpace::Two,
            };
            let space = match space {
                CodeSpace::Ranges(l) if l.iter().all(|&n| n == 0 || n == 2) => CodeSpace::Two,
                other => other,
            };
            let descendant = match get(doc, dict, b"DescendantFonts") {
                Some(Object::Array(a)) => a
                    .first()
                    .and_then(|o| doc.dereference(o).ok())
                    .and_then(|(_, o)| o.as_dict().ok()),
                _ => None,
            };
            let widths = descendant.map_or(
                Widths::Cid {
                    default: 1000.0,
                    map: HashMap::new(),
                    by_code: true,
                },
                |d| {
                    cid_widths(
                        doc,
                        d,
                        matches!(predefined, None | Some(Predefined::Identity)),
                    )
                },
            );
            return Ok(Font {
                space,
                to_unicode,
                predefined,
                simple: None,
                widths,
            });
        }
        let simple = simple_encoding(doc, dict);
        let first = get(doc, dict, b"FirstChar")
            .and_then(num)
            .unwrap_or(0.0)
            .max(0.0) as u32;
        let widths = match get(doc, dict, b"Widths") {
            Some(Object::Array(a)) => a
                .iter()
                .take(256)
                .map(|o| {
                    doc.dereference(o)
                        .ok()
                        .and_then(|(_, o)| num(o))
                        .unwrap_or(0.0)
                })
                .collect(),
            _ => Vec::new(),
        };
        let missing = get(doc, dict, b"FontDescriptor")
            .and_then(|o| o.as_dict().ok())
            .and_then(|d| get(doc, d, b"MissingWidth"))
            .and_then(num)
            .filter(|w| *w > 0.0)
            .unwrap_or(if widths.is_empty() { 550.0 } else { 0.0 });
        Ok(Font {
            space: CodeSpace::One,
            to_unicode,
            predefined: None,
            simple: Some(simple),
            widths: Widths::Simple {
                first,
                widths,
                missing,
            },
        })
    }

    /// The codes of a shown string, in order.
    pub fn decode(&self, bytes: &[u8], out: &mut Vec<Code>) {
        out.clear();
        for (code, len) in self.space.codes(bytes) {
            let mut text = self
                .to_unicode
                .as_ref()
                .and_then(|t| t.map.get(&code).cloned())
                .or_else(|| self.predefined.and_then(|p| p.decode(code, len)))
                .or_else(|| {
                    self.simple
                        .as_ref()
                        .and_then(|s| s.get(code as usize).copied().flatten())
                        .map(String::from)
                });
            let unmapped = text.is_none();
            if let Some(t) = &mut text
                && t.chars().any(|c| unradical(c) != c)
            {
                *t = t.chars().map(unradical).collect();
            }
            let text = text.unwrap_or_default();
            let width = match &self.widths {
                Widths::Simple {
                    first,
                    widths,
                    missing,
                } => code
                    .checked_sub(*first)
                    .and_then(|i| widths.get(i as usize))
                    .copied()
                    .filter(|w| *w > 0.0)
                    .unwrap_or(*missing),
                Widths::Cid {
                    default,
                    map,
                    by_code,
                } => {
                    if *by_code {
                        map.get(&code).copied().unwrap_or(*default)
                    } else if text.is_ascii() && !text.is_empty() {
                        // a predefined CMap's code is no CID: half width
                        // for ASCII, the default for the rest
                        500.0
                    } else {
                        *default
                    }
                }
            };
            out.push(Code {
                is_space: len == 1 && code == 32,
                text,
                width,
                unmapped,
            });
        }
    }
}

/// A CID font's widths: `/DW` and the `/W` array.
fn cid_widths(doc: &Document, d: &Dictionary, by_code: bool) -> Widths {
    let default = get(doc, d, b"DW").and_then(num).unwrap_or(1000.0);
    let mut map = HashMap::new();
    if let Some(Object::Array(w)) = get(doc, d, b"W") {
        let mut i = 0;
        while i < w.len() && map.len() < 1 << 16 {
            let first = doc.dereference(&w[i]).ok().and_then(|(_, o)| num(o));
            let next = w
                .get(i + 1)
                .and_then(|o| doc.dereference(o).ok())
                .map(|x| x.1);
            match (first, next) {
                (Some(c), Some(Object::Array(list))) => {
                    for (k, o) in list.iter().enumerate().take(1 << 16) {
                        if let Some(v) = doc.dereference(o).ok().and_then(|(_, o)| num(o)) {
                            map.insert(c as u32 + k as u32, v);
                        }
                    }
                    i += 2;
                }
                (Some(lo), Some(hi)) => {
                    let hi = num(hi).unwrap_or(lo);
                    let v = w
                        .get(i + 2)
                        .and_then(|o| doc.dereference(o).ok())
                        .and_then(|(_, o)| num(o))
                        .unwrap_or(default);
                    let (lo, hi) = (lo.max(0.0) as u32, hi.max(0.0) as u32);
                    for c in lo..=hi.min(lo.saturating_add(1 << 16)) {
                        map.insert(c, v);
                    }
                    i += 3;
                }
                _ => break,
            }
        }
    }
    Widths::Cid {
        default,
        map,
        by_code,
    }
}

/// WinAnsi's 0x80–0x9F (the rest of its upper half is Latin-1).
const WIN_ANSI_80: [char; 32] = [
    '€', '\u{FFFD}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{FFFD}', 'Ž',
    '\u{FFFD}', '\u{FFFD}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{FFFD}',
    'ž', 'Ÿ',
];

/// A simple font's code → character: WinAnsi (Latin-1 for the other base
/// encodings, near enough for the digits and punctuation these tables
/// use), then `/Differences`.
fn simple_encoding(doc: &Document, dict: &Dictionary) -> Box<[Option<char>; 256]> {
    let mut table: Box<[Option<char>; 256]> = Box::new([None; 256]);
    for (code, slot) in table.iter_mut().enumerate() {
        *slot = match code {
            0x20..=0x7E | 0xA0..=0xFF => char::from_u32(code as u32),
            0x80..=0x9F => Some(WIN_ANSI_80[code - 0x80]).filter(|c| *c != '\u{FFFD}'),
            _ => None,
        };
    }
    let differences = match get(doc, dict, b"Encoding") {
        Some(Object::Dictionary(d)) => match get(doc, d, b"Differences") {
            Some(Object::Array(a)) => Some(a),
            _ => None,
        },
        _ => None,
    };
    if let Some(diff) = differences {
        let mut code = 0usize;
        for o in diff.iter().take(1024) {
            match o {
                Object::Integer(i) => code = (*i).clamp(0, 255) as usize,
                Object::Name(n) => {
                    if let Some(slot) = table.get_mut(code) {
                        *slot = glyph_name(n);
                    }
                    code += 1;
                }
                _ => {}
            }
        }
    }
    table
}

/// The character a glyph name stands for: `uniXXXX`, `uXXXX[XX]`, one
/// letter or digit, or one of the common punctuation names.
fn glyph_name(name: &[u8]) -> Option<char> {
    let n = std::str::from_utf8(name).ok()?;
    let n = n.split('.').next().unwrap_or(n);
    if let Some(hex) = n.strip_prefix("uni").or_else(|| n.strip_prefix('u'))
        && (4..=6).contains(&hex.len())
        && let Ok(v) = u32::from_str_radix(&hex[..hex.len().min(6)], 16)
    {
        return char::from_u32(v);
    }
    let mut chars = n.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && c.is_ascii_alphabetic()
    {
        return Some(c);
    }
    const NAMES: &[(&str, char)] = &[
        ("space", ' '),
        ("zero", '0'),
        ("one", '1'),
        ("two", '2'),
        ("three", '3'),
        ("four", '4'),
        ("five", '5'),
        ("six", '6'),
        ("seven", '7'),
        ("eight", '8'),
        ("nine", '9'),
        ("period", '.'),
        ("comma", ','),
        ("colon", ':'),
        ("semicolon", ';'),
        ("hyphen", '-'),
        ("minus", '−'),
        ("percent", '%'),
        ("slash", '/'),
        ("parenleft", '('),
        ("parenright", ')'),
        ("bracketleft", '['),
        ("bracketright", ']'),
        ("equal", '='),
        ("greater", '>'),
        ("less", '<'),
        ("plus", '+'),
        ("asterisk", '*'),
        ("ampersand", '&'),
        ("underscore", '_'),
        ("quotesingle", '\''),
        ("quotedbl", '"'),
        ("numbersign", '#'),
        ("at", '@'),
    ];
    NAMES.iter().find(|(k, _)| *k == n).map(|&(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_names() {
        assert_eq!(glyph_name(b"uni76EE"), Some('目'));
        assert_eq!(glyph_name(b"A"), Some('A'));
        assert_eq!(glyph_name(b"percent"), Some('%'));
        assert_eq!(glyph_name(b"g123"), None);
    }
}
