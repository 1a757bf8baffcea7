//! Byte-to-text decoding: the first stage of the pipeline.
//!
//! Performance target tables reach us as plain-text exports whose encoding
//! nobody declared: UTF-8 (with or without BOM), GBK/GB18030 from Chinese
//! Windows tools, UTF-16 from "Unicode text" exports (with or without BOM),
//! and the odd Big5 file. Every later stage works on `&str`, so this stage
//! turns bytes into text once, says which encoding it used, and refuses
//! input that is empty or clearly not text. Detection runs in a fixed order,
//! first match wins:
//!
//! 1. A known binary file signature (PDF, ZIP/OOXML, OLE2 `.doc`/`.xls`,
//!    PNG, JPEG, GIF, gzip, 7z, RAR) is [`DecodeError::Binary`].
//! 2. A BOM (UTF-8, UTF-16LE, UTF-16BE) decides, and is stripped.
//! 3. Valid UTF-8 without NUL bytes is borrowed as is: no copy.
//! 4. UTF-16 without BOM: in the first [`SNIFF_LIMIT`] bytes, NULs sit almost
//!    only at odd offsets (LE) or only at even offsets (BE), because the
//!    tables are full of ASCII digits, tabs and line ends; the candidate must
//!    then also look like text when read as UTF-16 (see [`sniff_utf16`]).
//! 5. Many C0 control bytes near the start make it [`DecodeError::Binary`]
//!    (see [`check_binary`]). A few stray NULs do not: they are removed
//!    before decoding and `replaced` is set.
//! 6. Invalid UTF-8 that is still overwhelmingly well-formed UTF-8 (a damaged
//!    UTF-8 file) is decoded as UTF-8 with U+FFFD for the damage.
//! 7. Otherwise `chardetng` guesses from a bounded window (it is slow, about
//!    10 MB/s, so it never sees the whole file) and the whole input is
//!    decoded with the guess. chardetng is unreliable on a handful of CJK
//!    characters; because this corpus is Chinese, a non-Chinese guess on such
//!    a tiny sample is replaced by GBK or Big5 when the bytes decode cleanly
//!    as one of them (see [`chinese_fallback`]). GB18030 and GBK are both
//!    decoded with encoding_rs's GBK decoder, which accepts all of GB18030,
//!    and are reported as "GBK".
//!
//! The output never contains U+0000, and line ends are left untouched.

use std::borrow::Cow;

use encoding_rs::{BIG5, Encoding, GB18030, GBK, UTF_8, UTF_16BE, UTF_16LE};

/// How many leading bytes the UTF-16 sniffer, the damaged-UTF-8 check and
/// chardetng look at (the latter two counted from the first non-ASCII byte).
pub const SNIFF_LIMIT: usize = 64 * 1024;

/// How many leading bytes the control-byte (binary) check looks at.
const BINARY_WINDOW: usize = 4096;

/// Below this many suspicious control bytes an input is never binary, so a
/// short text with a few stray NULs survives.
const BINARY_MIN_COUNT: usize = 8;

/// Suspicious control bytes, in percent of the window, that make an input
/// binary. Uniformly random bytes have 27/256 ≈ 10.5%; text has ~0%.
const BINARY_MIN_PERCENT: usize = 5;

/// A chardetng guess built on fewer non-ASCII bytes than this is not trusted
/// over the Chinese prior (about a dozen CJK characters; chardetng was
/// observed to be reliable from about six).
const SMALL_SAMPLE_NON_ASCII: usize = 32;

/// Text decoded from a file, with how it was decoded.
#[derive(Debug)]
pub struct Decoded<'a> {
    /// The text; borrowed from the input when it was valid UTF-8 (no copy).
    pub text: Cow<'a, str>,
    /// The encoding the input was decoded with.
    pub encoding: &'static Encoding,
    /// The WHATWG name to report ("UTF-8", "GBK", "UTF-16LE", "Big5", ...);
    /// GB18030 detections are reported as "GBK".
    pub name: &'static str,
    /// Whether the input started with a byte order mark (now stripped).
    pub had_bom: bool,
    /// Whether malformed sequences were replaced with U+FFFD, a trailing odd
    /// byte of UTF-16 was dropped, or NUL characters were removed.
    pub replaced: bool,
}

/// Why an input could not be turned into text.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// No bytes, or only whitespace (and BOM / NULs).
    #[error("file is empty")]
    Empty,
    /// The input is not text.
    #[error("binary data, not text ({reason})")]
    Binary {
        /// Human-readable evidence, e.g. "23% control bytes in the first 4096 bytes".
        reason: String,
    },
}

impl DecodeError {
    /// A stable machine-readable code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            DecodeError::Empty => "empty",
            DecodeError::Binary { .. } => "binary",
        }
    }
}

/// Detects the encoding of `bytes` and decodes them to text.
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    if let Some(kind) = binary_signature(bytes) {
        return Err(DecodeError::Binary {
            reason: format!("{kind} file signature"),
        });
    }

    // 2. BOM.
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        let decoded = if encoding == UTF_8 {
            let (text, replaced) = UTF_8.decode_without_bom_handling(body);
            make(text, UTF_8, true, replaced)
        } else {
            decode_utf16(encoding, body, true)
        };
        return finish(decoded);
    }

    // 3. Valid UTF-8: borrow.
    let has_nul = memchr::memchr(0, bytes).is_some();
    if !has_nul {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return finish(make(Cow::Borrowed(text), UTF_8, false, false));
        }
    }

    // 4. UTF-16 without BOM.
    if has_nul {
        if let Some(encoding) = sniff_utf16(bytes) {
            return finish(decode_utf16(encoding, bytes, false));
        }
    }

    // 5. Binary?
    check_binary(bytes)?;

    // Stray NULs: drop them before detection, so that a NUL between the two
    // bytes of a GBK character does not break it.
    if has_nul {
        let stripped: Vec<u8> = bytes.iter().copied().filter(|&b| b != 0).collect();
        let encoding = if std::str::from_utf8(&stripped).is_ok() {
            UTF_8
        } else {
            detect_legacy(&stripped)
        };
        let (text, _) = encoding.decode_without_bom_handling(&stripped);
        return finish(make(Cow::Owned(text.into_owned()), encoding, false, true));
    }

    let encoding = detect_legacy(bytes);
    let (text, replaced) = encoding.decode_without_bom_handling(bytes);
    finish(make(text, encoding, false, replaced))
}

fn make<'a>(
    text: Cow<'a, str>,
    encoding: &'static Encoding,
    had_bom: bool,
    replaced: bool,
) -> Decoded<'a> {
    Decoded {
        text,
        encoding,
        name: report_name(encoding),
        had_bom,
        replaced,
    }
}

fn report_name(encoding: &'static Encoding) -> &'static str {
    if encoding == GB18030 || encoding == GBK {
        "GBK"
    } else {
        encoding.name()
    }
}

/// Removes U+0000 and rejects whitespace-only text.
fn finish(mut d: Decoded<'_>) -> Result<Decoded<'_>, DecodeError> {
    if memchr::memchr(0, d.text.as_bytes()).is_some() {
        d.text = Cow::Owned(d.text.chars().filter(|&c| c != '\0').collect());
        d.replaced = true;
    }
    if d.text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    Ok(d)
}

/// Decodes UTF-16 (`body` without BOM); a trailing odd byte is dropped.
fn decode_utf16<'a>(encoding: &'static Encoding, body: &'a [u8], had_bom: bool) -> Decoded<'a> {
    let odd = body.len() % 2 == 1;
    let even = &body[..body.len() - usize::from(odd)];
    let (text, replaced) = encoding.decode_without_bom_handling(even);
    make(text, encoding, had_bom, replaced || odd)
}

fn binary_signature(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"%PDF-", "PDF"),
        (b"PK\x03\x04", "ZIP"),
        (b"PK\x05\x06", "ZIP"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "OLE2 (.doc/.xls)"),
        (b"\x89PNG\r\n\x1A\n", "PNG"),
        (b"\xFF\xD8\xFF", "JPEG"),
        (b"GIF87a", "GIF"),
        (b"GIF89a", "GIF"),
        (b"\x1F\x8B\x08", "gzip"),
        (b"7z\xBC\xAF\x27\x1C", "7z"),
        (b"Rar!\x1A\x07", "RAR"),
    ];
    SIGNATURES
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|&(_, kind)| kind)
}

/// UTF-16 without BOM.
///
/// In the first [`SNIFF_LIMIT`] bytes (even length), count NUL bytes at even
/// and at odd offsets. ASCII characters in UTF-16LE put their NUL at the odd
/// offset, in UTF-16BE at the even one; CJK characters have no NUL byte
/// except the rare U+xx00 (U+4E00 一 is the common one). So a candidate needs
/// NULs at one parity at least 4 times as often as at the other (4:1 leaves
/// room for 一 and friends; random binary is about 1:1).
///
/// NULs alone can also come from a few stray NULs in GBK text, so the
/// candidate must then read as text: at least 80% of its code units must be
/// tab/CR/LF/FF, printable ASCII or Latin, general punctuation and symbols,
/// CJK punctuation/kana, CJK ideographs, fullwidth forms, or a valid
/// surrogate pair. GBK read as UTF-16 scores about 40%, real text ~100%.
/// UTF-16 text without a single ASCII character (no NUL at all) is not
/// detected; such files in practice carry a BOM.
fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let n = bytes.len().min(SNIFF_LIMIT) & !1;
    if n < 4 {
        return None;
    }
    let prefix = &bytes[..n];
    let (mut even, mut odd) = (0usize, 0usize);
    for pair in prefix.chunks_exact(2) {
        even += usize::from(pair[0] == 0);
        odd += usize::from(pair[1] == 0);
    }
    let encoding = if odd > 0 && odd >= 4 * even {
        UTF_16LE
    } else if even > 0 && even >= 4 * odd {
        UTF_16BE
    } else {
        return None;
    };
    let little = encoding == UTF_16LE;
    let units = prefix.chunks_exact(2).map(|p| {
        if little {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let total = n / 2;
    let plausible = count_plausible_utf16(units);
    if plausible * 10 >= total * 8 {
        Some(encoding)
    } else {
        None
    }
}

fn count_plausible_utf16(units: impl Iterator<Item = u16>) -> usize {
    let mut plausible = 0;
    let mut pending_high = false;
    for u in units {
        if pending_high {
            pending_high = false;
            if (0xDC00..=0xDFFF).contains(&u) {
                plausible += 2;
                continue;
            }
        }
        match u {
            0xD800..=0xDBFF => pending_high = true,
            0x09 | 0x0A | 0x0C | 0x0D
            | 0x20..=0x7E
            | 0xA0..=0x24F // Latin-1, Latin Extended-A/B
            | 0x370..=0x4FF // Greek, Cyrillic
            | 0x2000..=0x2BFF // punctuation, symbols, arrows, math, box drawing, shapes
            | 0x3000..=0x9FFF // CJK punctuation, kana, bopomofo, ideographs
            | 0xF900..=0xFAFF // CJK compatibility ideographs
            | 0xFE30..=0xFE4F // CJK compatibility forms
            | 0xFF00..=0xFFEF => plausible += 1, // fullwidth forms
            _ => {}
        }
    }
    plausible
}

/// Binary check on the first [`BINARY_WINDOW`] bytes: counts C0 control
/// bytes other than tab, LF, CR, form feed and escape (NUL included).
/// Binary when there are at least [`BINARY_MIN_COUNT`] of them and they make
/// up at least [`BINARY_MIN_PERCENT`]% of the window. Random bytes give about
/// 10.5% (hundreds of bytes in a full window, so far above 5% every time);
/// text gives ~0%, and a few stray NULs stay under the count floor.
fn check_binary(bytes: &[u8]) -> Result<(), DecodeError> {
    let window = &bytes[..bytes.len().min(BINARY_WINDOW)];
    let controls = window
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B))
        .count();
    if controls >= BINARY_MIN_COUNT && controls * 100 >= window.len() * BINARY_MIN_PERCENT {
        let percent = controls * 100 / window.len();
        return Err(DecodeError::Binary {
            reason: format!(
                "{percent}% control bytes in the first {} bytes",
                window.len()
            ),
        });
    }
    Ok(())
}

/// Picks the encoding for input that is neither BOM-marked, valid UTF-8,
/// UTF-16 nor binary. GB18030 comes back as GBK (same decoder).
fn detect_legacy(bytes: &[u8]) -> &'static Encoding {
    let first_non_ascii = Encoding::ascii_valid_up_to(bytes);
    let end = bytes.len().min(first_non_ascii.saturating_add(SNIFF_LIMIT));
    let is_whole = end == bytes.len();

    if looks_like_damaged_utf8(&bytes[first_non_ascii..end], is_whole) {
        return UTF_8;
    }

    let window = &bytes[..end];
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(window, is_whole);
    let mut guess = detector.guess(None, chardetng::Utf8Detection::Deny);

    if guess != GBK && guess != GB18030 && guess != BIG5 {
        let non_ascii = window.iter().filter(|&&b| b >= 0x80).count();
        if non_ascii < SMALL_SAMPLE_NON_ASCII {
            if let Some(chinese) = chinese_fallback(window, is_whole) {
                guess = chinese;
            }
        }
    }
    if guess == GB18030 { GBK } else { guess }
}

/// Damaged UTF-8: invalid as a whole, but in `window` (which starts at the
/// first non-ASCII byte) well-formed multi-byte characters outnumber
/// malformed sequences at least 8 to 1. Legacy CJK text read as UTF-8 fails
/// on most characters (GBK: roughly one error per character, a handful of
/// accidental valid sequences), so the ratio separates them widely.
fn looks_like_damaged_utf8(window: &[u8], is_whole: bool) -> bool {
    let mut window = window;
    if !is_whole {
        // Do not count a character cut by the window end as an error.
        let mut end = window.len();
        let floor = end.saturating_sub(3);
        while end > floor && (0x80..0xC0).contains(&window[end - 1]) {
            end -= 1;
        }
        if end > 0 && window[end - 1] >= 0xC0 {
            end -= 1;
        }
        window = &window[..end];
    }
    let (mut chars, mut errors) = (0usize, 0usize);
    for chunk in window.utf8_chunks() {
        chars += chunk.valid().bytes().filter(|&b| b >= 0xC0).count();
        errors += usize::from(!chunk.invalid().is_empty());
    }
    chars > 0 && chars >= errors * 8
}

/// For a tiny non-ASCII sample on which chardetng guessed a non-Chinese
/// encoding: GBK if every non-ASCII byte pair is shaped like GB2312 (lead
/// A1–F7, trail A1–FE) and decodes cleanly; else Big5 if it decodes cleanly
/// as Big5; else GBK if it decodes cleanly as GBK; else `None` (keep the
/// guess). When the window is a prefix, it is cut at its last LF first so a
/// split double-byte character does not count as an error.
fn chinese_fallback(window: &[u8], is_whole: bool) -> Option<&'static Encoding> {
    let sample = if is_whole {
        window
    } else {
        match memchr::memrchr(b'\n', window) {
            Some(lf) => &window[..=lf],
            None => window,
        }
    };
    let clean = |enc: &'static Encoding| {
        enc.decode_without_bom_handling_and_without_replacement(sample)
            .is_some()
    };
    if gb2312_shaped(sample) && clean(GBK) {
        Some(GBK)
    } else if clean(BIG5) {
        Some(BIG5)
    } else if clean(GBK) {
        Some(GBK)
    } else {
        None
    }
}

fn gb2312_shaped(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(&t) if (0xA1..=0xF7).contains(&b) && (0xA1..=0xFE).contains(&t) => i += 2,
            _ => return false,
        }
    }
    true
}
