//! Character codes → Unicode: ToUnicode CMaps, the two predefined Chinese
//! CMaps that come without one, and the radical look-alikes that CJK
//! fonts' ToUnicode maps produce.
//!
//! * A ToUnicode CMap (Word, WPS, Chromium, LibreOffice) is parsed for its
//!   code space ranges (how many bytes a code has) and its `bfchar` and
//!   `bfrange` entries (destinations are UTF-16BE, so one code may give
//!   several characters).
//! * `UniGB-UCS2-H` (reportlab's `STSong-Light`): two-byte codes that are
//!   UCS-2 code points. `GBK-EUC-H` (older government PDFs): one byte
//!   below 0x80 (ASCII), else two bytes of GBK, decoded with
//!   `encoding_rs::GBK`. `UniGB-UTF16-H` is UTF-16BE.
//! * Noto CJK and Source Han fonts share one glyph between an ideograph
//!   and its Kangxi radical (目 U+76EE and ⽬ U+2F6C), and their ToUnicode
//!   maps often name the radical: [`unradical`] maps the 214 Kangxi
//!   radicals and the simplified-form supplement radicals back to the
//!   ideographs, as a reader of the page sees them.

use std::collections::HashMap;

/// How a font's string bytes split into codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeSpace {
    /// Every code is one byte (simple fonts).
    One,
    /// Every code is two bytes (Identity-H and most CID fonts).
    Two,
    /// Ranges by first byte: `lengths[b]` is the length of a code that
    /// starts with byte `b`.
    Ranges(Box<[u8; 256]>),
}

impl CodeSpace {
    /// Splits `bytes` into codes (a short last code is kept as it is).
    pub fn codes<'b>(&'b self, bytes: &'b [u8]) -> impl Iterator<Item = (u32, usize)> + 'b {
        let mut i = 0;
        std::iter::from_fn(move || {
            if i >= bytes.len() {
                return None;
            }
            let len = match self {
                CodeSpace::One => 1,
                CodeSpace::Two => 2,
                CodeSpace::Ranges(l) => usize::from(l[usize::from(bytes[i])].max(1)),
            };
            let end = (i + len).min(bytes.len());
            let code = bytes[i..end]
                .iter()
                .fold(0u32, |acc, &b| acc << 8 | u32::from(b));
            let n = end - i;
            i = end;
            Some((code, n))
        })
    }
}

/// A parsed ToUnicode CMap.
#[derive(Debug, Default, Clone)]
pub struct ToUnicode {
    pub map: HashMap<u32, String>,
    /// Code length by first byte, from `begincodespacerange` (0: unset).
    pub lengths: Option<Box<[u8; 256]>>,
}

/// Entries a CMap may define (a range of 2^32 codes is not expanded).
const MAX_ENTRIES: usize = 1 << 17;

impl ToUnicode {
    /// Parses a CMap's text. Malformed parts are skipped.
    pub fn parse(data: &[u8]) -> ToUnicode {
        let mut out = ToUnicode::default();
        let tokens = tokens(data);
        let mut i = 0;
        while i < tokens.len() {
            match tokens[i] {
                Tok::Word(b"begincodespacerange") => {
                    i += 1;
                    let mut lengths = Box::new([0u8; 256]);
                    while let (Some(Tok::Hex(lo)), Some(Tok::Hex(hi))) =
                        (tokens.get(i), tokens.get(i + 1))
                    {
                        let (lo, hi) = (hex_bytes(lo), hex_bytes(hi));
                        if let (Some(&a), Some(&b)) = (lo.first(), hi.first()) {
                            let n = lo.len().clamp(1, 4) as u8;
                            for first in a..=b.max(a) {
                                lengths[usize::from(first)] = n;
                            }
                        }
                        i += 2;
                    }
                    out.lengths = Some(lengths);
                }
                Tok::Word(b"beginbfchar") => {
                    i += 1;
                    while let (Some(Tok::Hex(src)), Some(Tok::Hex(dst))) =
                        (tokens.get(i), tokens.get(i + 1))
                    {
                        if out.map.len() < MAX_ENTRIES {
                            out.map.insert(be(src), utf16(dst));
                        }
                        i += 2;
                    }
                }
                Tok::Word(b"beginbfrange") => {
                    i += 1;
                    while let (Some(Tok::Hex(lo)), Some(Tok::Hex(hi))) =
                        (tokens.get(i), tokens.get(i + 1))
                    {
                        let (lo, hi) = (be(lo), be(hi));
                        i += 2;
                        match tokens.get(i) {
                            Some(Tok::Hex(dst)) => {
                                let dst = dst.to_vec();
                                for (k, code) in (lo..=hi).enumerate() {
                                    if out.map.len() >= MAX_ENTRIES {
                                        break;
                                    }
                                    let mut d = dst.clone();
                                    add_to_last(&mut d, k as u32);
                                    out.map.insert(code, utf16(&d));
                                }
                                i += 1;
                            }
                            Some(Tok::ArrayStart) => {
                                i += 1;
                                let mut code = lo;
                                while let Some(Tok::Hex(dst)) = tokens.get(i) {
                                    if code <= hi && out.map.len() < MAX_ENTRIES {
                                        out.map.insert(code, utf16(dst));
                                    }
                                    code = code.saturating_add(1);
                                    i += 1;
                                }
                                if matches!(tokens.get(i), Some(Tok::ArrayEnd)) {
                                    i += 1;
                                }
                            }
                            _ => break,
                        }
                    }
                }
                _ => i += 1,
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy)]
enum Tok<'a> {
    Hex(&'a [u8]),
    Word(&'a [u8]),
    ArrayStart,
    ArrayEnd,
}

/// The tokens a CMap is read by: hex strings (their digits, decoded by
/// [`be`] and [`utf16`]), words, brackets. Everything else is skipped.
fn tokens(data: &[u8]) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'<' if data.get(i + 1) == Some(&b'<') => i += 2,
            b'<' => {
                let start = i + 1;
                let end = data[start..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(data.len(), |p| start + p);
                out.push(Tok::Hex(&data[start..end]));
                i = end + 1;
            }
            b'[' => {
                out.push(Tok::ArrayStart);
                i += 1;
            }
            b']' => {
                out.push(Tok::ArrayEnd);
                i += 1;
            }
            b'%' => {
                while i < data.len() && data[i] != b'\n' && data[i] != b'\r' {
                    i += 1;
                }
            }
            b'(' => {
                while i < data.len() && data[i] != b')' {
                    i += 1;
                }
                i += 1;
            }
            b if b.is_ascii_alphabetic() => {
                let start = i;
                while i < data.len() && data[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                out.push(Tok::Word(&data[start..i]));
            }
            _ => i += 1,
        }
    }
    out
}

/// The bytes of a hex-digit slice.
fn hex_bytes(h: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = h
        .iter()
        .filter_map(|&b| (b as char).to_digit(16).map(|d| d as u8))
        .collect();
    digits
        .chunks(2)
        .map(|c| c[0] << 4 | c.get(1).copied().unwrap_or(0))
        .collect()
}

/// A code's value (big-endian, at most four bytes).
fn be(h: &[u8]) -> u32 {
    hex_bytes(h)
        .iter()
        .take(4)
        .fold(0u32, |acc, &b| acc << 8 | u32::from(b))
}

/// A destination (UTF-16BE) as text; unpaired surrogates are dropped.
fn utf16(h: &[u8]) -> String {
    let bytes = hex_bytes(h);
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from(c[0]) << 8 | u16::from(c.get(1).copied().unwrap_or(0)))
        .collect();
    char::decode_utf16(units).filter_map(Result::ok).collect()
}

/// Adds `k` to the last byte of a destination (the `bfrange` rule),
/// carrying into the byte before.
fn add_to_last(d: &mut Vec<u8>, k: u32) {
    // `d` holds hex digits: it becomes the incremented value's digits
    let mut bytes = hex_bytes(d);
    let mut carry = k;
    for b in bytes.iter_mut().rev() {
        if carry == 0 {
            break;
        }
        let v = u32::from(*b) + carry;
        *b = (v & 0xFF) as u8;
        carry = v >> 8;
    }
    *d = bytes
        .iter()
        .flat_map(|b| {
            let h = format!("{b:02x}");
            h.into_bytes()
        })
        .collect();
}

/// The predefined CMaps read without a ToUnicode map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Predefined {
    /// `Identity-H`/`-V`: codes are CIDs; text needs a ToUnicode map.
    Identity,
    /// `UniGB-UCS2-H`/`-V`: codes are UCS-2.
    Ucs2,
    /// `UniGB-UTF16-H`/`-V` (and the other `Uni…-UTF16` maps): UTF-16BE.
    Utf16,
    /// `GBK-EUC-H`, `GBKp-EUC-H`, `GBK2K-H`, `GB-EUC-H`: GBK bytes.
    Gbk,
}

impl Predefined {
    /// The predefined CMap named `name`, if it is one we read.
    pub fn from_name(name: &[u8]) -> Option<Predefined> {
        let n = std::str::from_utf8(name).ok()?;
        let base = n.trim_end_matches("-H").trim_end_matches("-V");
        Some(match base {
            "Identity" => Predefined::Identity,
            "UniGB-UCS2" | "UniCNS-UCS2" | "UniJIS-UCS2" | "UniKS-UCS2" => Predefined::Ucs2,
            "UniGB-UTF16" | "UniCNS-UTF16" | "UniJIS-UTF16" | "UniKS-UTF16" => Predefined::Utf16,
            "GBK-EUC" | "GBKp-EUC" | "GBK2K" | "GB-EUC" | "GBpc-EUC" => Predefined::Gbk,
            _ => return None,
        })
    }

    pub fn code_space(self) -> CodeSpace {
        match self {
            Predefined::Identity | Predefined::Ucs2 | Predefined::Utf16 => CodeSpace::Two,
            Predefined::Gbk => {
                let mut l = Box::new([2u8; 256]);
                for b in l.iter_mut().take(0x81) {
                    *b = 1;
                }
                l[0xFF] = 1;
                CodeSpace::Ranges(l)
            }
        }
    }

    /// The text of `code` (of `len` bytes), if this CMap tells it.
    pub fn decode(self, code: u32, len: usize) -> Option<String> {
        match self {
            Predefined::Identity => None,
            Predefined::Ucs2 => char::from_u32(code).map(String::from),
            Predefined::Utf16 => {
                let units = [(code >> 16) as u16, code as u16];
                let units = if len > 2 { &units[..] } else { &units[1..] };
                let s: String = char::decode_utf16(units.iter().copied())
                    .filter_map(Result::ok)
                    .collect();
                (!s.is_empty()).then_some(s)
            }
            Predefined::Gbk => {
                if len == 1 {
                    return (code < 0x80).then(|| char::from(code as u8).to_string());
                }
                let bytes = [(code >> 8) as u8, code as u8];
                let (text, _, bad) = encoding_rs::GBK.decode(&bytes);
                (!bad).then(|| text.into_owned())
            }
        }
    }
}

/// The 214 Kangxi radicals U+2F00–U+2FD5, as ideographs: their NFKC
/// forms, but for the three whose simplified-Chinese glyph is the
/// simplified form's (⼾ 户, ⾭ 青, ⿈ 黄: Noto CJK SC maps 户 to ⼾).
const KANGXI: &str = "一丨丶丿乙亅二亠人儿入八冂冖冫几凵刀力勹匕匚匸十卜卩厂厶又口囗土士夂夊夕大女子宀寸小尢尸屮山巛工己巾干幺广廴廾弋弓彐彡彳心戈户手支攴文斗斤方无日曰月木欠止歹殳毋比毛氏气水火爪父爻爿片牙牛犬玄玉瓜瓦甘生用田疋疒癶白皮皿目矛矢石示禸禾穴立竹米糸缶网羊羽老而耒耳聿肉臣自至臼舌舛舟艮色艸虍虫血行衣襾見角言谷豆豕豸貝赤走足身車辛辰辵邑酉釆里金長門阜隶隹雨青非面革韋韭音頁風飛食首香馬骨高髟鬥鬯鬲鬼魚鳥鹵鹿麥麻黄黍黑黹黽鼎鼓鼠鼻齊齒龍龜龠";

/// CJK Radicals Supplement characters that stand for a simplified
/// ideograph in CJK fonts' ToUnicode maps.
const SUPPLEMENT: &[(char, char)] = &[
    ('\u{2E9F}', '母'),
    ('\u{2EA0}', '民'),
    ('\u{2EC4}', '西'),
    ('\u{2ED8}', '青'),
    ('\u{2EC5}', '见'),
    ('\u{2EC6}', '角'),
    ('\u{2EC8}', '讠'),
    ('\u{2EC9}', '贝'),
    ('\u{2ECB}', '车'),
    ('\u{2ED1}', '長'),
    ('\u{2ED3}', '长'),
    ('\u{2ED4}', '门'),
    ('\u{2ED7}', '雨'),
    ('\u{2ED9}', '韦'),
    ('\u{2EDA}', '页'),
    ('\u{2EDB}', '风'),
    ('\u{2EDC}', '飞'),
    ('\u{2EDD}', '食'),
    ('\u{2EDF}', '食'),
    ('\u{2EE0}', '饣'),
    ('\u{2EE2}', '马'),
    ('\u{2EE3}', '骨'),
    ('\u{2EE4}', '鬼'),
    ('\u{2EE5}', '鱼'),
    ('\u{2EE6}', '鸟'),
    ('\u{2EE8}', '麦'),
    ('\u{2EE9}', '黄'),
    ('\u{2EEC}', '齐'),
    ('\u{2EEE}', '齿'),
    ('\u{2EF0}', '龙'),
    ('\u{2EF3}', '龟'),
];

/// A radical look-alike as the ideograph it stands for; any other
/// character as it is.
pub fn unradical(c: char) -> char {
    match c {
        '\u{2F00}'..='\u{2FD5}' => KANGXI.chars().nth(c as usize - 0x2F00).unwrap_or(c),
        '\u{2E80}'..='\u{2EFF}' => SUPPLEMENT
            .iter()
            .find(|(r, _)| *r == c)
            .map_or(c, |&(_, i)| i),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_unicode_chars_ranges_and_code_space() {
        let cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
            1 begincodespacerange <0000> <FFFF> endcodespacerange\n\
            2 beginbfchar <0003> <0020> <01A2> <76EE> endbfchar\n\
            2 beginbfrange <0010> <0012> <4E00> <0020> <0021> [<0041> <D83DDE00>] endbfrange\n\
            endcmap";
        let t = ToUnicode::parse(cmap);
        assert_eq!(t.map[&3], " ");
        assert_eq!(t.map[&0x1A2], "目");
        assert_eq!(t.map[&0x12], "丂");
        assert_eq!(t.map[&0x20], "A");
        assert_eq!(t.map[&0x21], "😀");
        assert_eq!(t.lengths.as_ref().map(|l| l[0x41]), Some(2));
    }

    #[test]
    fn a_bfrange_carries_into_the_byte_before() {
        let t = ToUnicode::parse(b"beginbfrange <01> <03> <00FF> endbfrange");
        assert_eq!(t.map[&2], "\u{100}");
    }

    #[test]
    fn predefined_chinese_cmaps() {
        let gbk = Predefined::from_name(b"GBK-EUC-H").unwrap();
        let bytes = "项目A".encode_utf16().count();
        assert_eq!(bytes, 3);
        let (enc, _, _) = encoding_rs::GBK.encode("项目A");
        let text: String = gbk
            .code_space()
            .codes(&enc)
            .filter_map(|(c, n)| gbk.decode(c, n))
            .collect();
        assert_eq!(text, "项目A");
        let ucs2 = Predefined::from_name(b"UniGB-UCS2-H").unwrap();
        let codes: Vec<_> = ucs2.code_space().codes(&[0x76, 0xEE, 0, 0x41]).collect();
        assert_eq!(codes, [(0x76EE, 2), (0x41, 2)]);
        assert_eq!(ucs2.decode(0x76EE, 2).as_deref(), Some("目"));
        assert_eq!(
            Predefined::from_name(b"Identity-H"),
            Some(Predefined::Identity)
        );
        assert_eq!(Predefined::Identity.decode(5, 2), None);
        assert_eq!(Predefined::from_name(b"90ms-RKSJ-H"), None);
    }

    #[test]
    fn radicals_read_as_ideographs() {
        assert_eq!(KANGXI.chars().count(), 214);
        assert_eq!(unradical('\u{2F6C}'), '目');
        assert_eq!(unradical('\u{2F00}'), '一');
        assert_eq!(unradical('\u{2ED3}'), '长');
        assert_eq!(unradical('目'), '目');
    }
}
