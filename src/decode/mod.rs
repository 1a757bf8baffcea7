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
//! 3. Valid UTF-8 without NUL bytes is borrowed as is, without a copy
//!    (after the control-byte check of step 5, which only reads 4 KiB).
//! 4. UTF-16 without BOM: in the first 4 KiB, NULs sit almost only at odd
//!    offsets (LE) or only at even offsets (BE), because the tables are full
//!    of ASCII digits, tabs and line ends; tabs and line ends must be whole
//!    UTF-16 code units, and the code units must look like text (see
//!    `sniff_utf16` for the thresholds).
//! 5. Many C0 control bytes in the first 4 KiB make it
//!    [`DecodeError::Binary`] (see `check_binary`). A few stray NULs do not:
//!    they are removed before detection and decoding, and `replaced` is set.
//! 6. A file whose lines mix convincing UTF-8 with convincing GBK is
//!    decoded line by line, each line in its own encoding (`decode_mixed`;
//!    `utf8_lines` counts the UTF-8 ones). Otherwise, invalid UTF-8 that is still overwhelmingly
//!    well-formed UTF-8 (a damaged UTF-8 file) is decoded as UTF-8 with
//!    U+FFFD for the damage.
//! 7. Plainly Chinese text in GB2312's byte layout (the common legacy case)
//!    is GBK without asking chardetng: see `plainly_gb2312_chinese` for the
//!    test, which reads the same window as step 8 and rejects Big5, EUC-KR
//!    and EUC-JP text.
//! 8. Otherwise `chardetng` guesses from a window of 4 KiB starting at the
//!    first non-ASCII byte (it runs at about 10 MB/s, so it never sees the
//!    whole file), and the whole input is decoded with the guess.
//!    GB18030 and GBK are both decoded with encoding_rs's GBK decoder, which
//!    accepts all of GB18030, and are reported as "GBK".
//!
//! chardetng is a generic Web detector and this corpus is Chinese, so a
//! Chinese prior corrects it (see `chinese_fallback`): a single-byte guess
//! (windows-1252, windows-1251, ...) is replaced by GBK or Big5 whenever the
//! window decodes cleanly in one of them, and so is a Japanese or Korean
//! guess made on fewer than 32 non-ASCII bytes. Measured on the project's
//! sample text (one snippet plus LF per file): chardetng alone never says
//! GBK for a 1-character GBK file, is wrong on 35% of 2-character ones, 8%
//! at 4 and 0.4% at 6 characters (windows-125x, ISO-8859-x, EUC-KR,
//! EUC-JP), and called a digit-heavy table whose only Chinese is one
//! repeated word windows-1251. With the prior, every GBK snippet of 1 to 48
//! characters comes out GBK, and every Big5 snippet outside the GB2312 byte
//! layout comes out Big5 (the tests check both). Bytes that happen to be
//! valid UTF-8 are always UTF-8 (step 3): that catches about 1 in 6
//! one-character GBK files, 1 in 25 two-character ones, and none from four.
//!
//! The output never contains U+0000, and line ends are left untouched.

use std::borrow::Cow;

use encoding_rs::{
    BIG5, DecoderResult, EUC_JP, EUC_KR, Encoding, GB18030, GBK, SHIFT_JIS, UTF_8, UTF_16BE,
    UTF_16LE,
};

/// How many leading bytes the UTF-16 sniffer, the damaged-UTF-8 check and
/// chardetng look at (the latter two counted from the first non-ASCII byte).
/// 4 KiB is over a thousand Chinese characters, ample for detection, and
/// bounds chardetng (the slowest step of the whole pipeline: it dominates
/// the profile of a GBK archive) to a small fixed cost per document.
const SNIFF_LIMIT: usize = 4 * 1024;

/// How many leading bytes the control-byte (binary) check looks at.
const BINARY_WINDOW: usize = 4096;

/// Below this many suspicious control bytes an input is never binary, so a
/// short text with a few stray NULs survives.
const BINARY_MIN_COUNT: usize = 8;

/// Suspicious control bytes, in percent of the window, that make an input
/// binary. Uniformly random bytes have 27/256 ≈ 10.5%; text has ~0%.
const BINARY_MIN_PERCENT: usize = 5;

/// A Japanese or Korean chardetng guess built on fewer non-ASCII bytes than
/// this gives way to the Chinese prior (16 double-byte characters; chardetng
/// was observed to stop confusing GBK with EUC-KR/EUC-JP from 6).
const SMALL_SAMPLE_NON_ASCII: usize = 32;

/// The GB2312 fast path (see `plainly_gb2312_chinese`) needs at least this
/// many double-byte characters; shorter samples go to chardetng.
const FAST_PATH_MIN_PAIRS: usize = 16;

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
    /// How many lines were UTF-8 in a file otherwise in `encoding` (two
    /// exports concatenated; see `decode_mixed`); 0 for a uniform file.
    pub utf8_lines: usize,
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
    // (SIMD validation: a third of real archives is UTF-8, read whole here)
    if !has_nul && let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        check_binary(bytes)?;
        return finish(make(Cow::Borrowed(text), UTF_8, false, false));
    }

    // 4. UTF-16 without BOM.
    if has_nul && let Some(encoding) = sniff_utf16(bytes) {
        return finish(decode_utf16(encoding, bytes, false));
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

    if let Some(mixed) = decode_mixed(bytes) {
        return finish(mixed);
    }
    let (encoding, text, replaced) = decode_legacy(bytes);
    finish(make(text, encoding, false, replaced))
}

/// [`detect_legacy`], then the whole input decoded with its guess, but
/// decoding once where the fast path applies: GB2312-shaped Chinese (see
/// `plainly_gb2312_chinese`) is decoded as GBK at once, and only when
/// that had errors is the detection window checked on its own (a clean
/// whole means a clean window: the window starts on ASCII and ends after
/// a line feed or at the end, and no GBK character holds either byte).
fn decode_legacy(bytes: &[u8]) -> (&'static Encoding, Cow<'_, str>, bool) {
    let (sample, _) = legacy_window(bytes);
    if plainly_gb2312_chinese(sample) {
        let (text, replaced) = GBK.decode_without_bom_handling(bytes);
        if !replaced || decodes_cleanly(GBK, sample) {
            return (GBK, text, replaced);
        }
    }
    let encoding = detect_legacy(bytes);
    let (text, replaced) = encoding.decode_without_bom_handling(bytes);
    (encoding, text, replaced)
}

/// The detection sample of [`detect_legacy`]: whole lines of the window
/// of [`SNIFF_LIMIT`] bytes from (just before) the first non-ASCII byte;
/// and whether the window reaches the end of the input.
fn legacy_window(bytes: &[u8]) -> (&[u8], bool) {
    let first_non_ascii = Encoding::ascii_valid_up_to(bytes);
    let end = bytes.len().min(first_non_ascii.saturating_add(SNIFF_LIMIT));
    let is_whole = end == bytes.len();
    let window = &bytes[first_non_ascii.saturating_sub(2)..end];
    (whole_lines(window, is_whole), is_whole)
}

/// A line of UTF-8 with at least this many non-ASCII characters is proof
/// that a file which is not UTF-8 as a whole mixes encodings: legacy CJK
/// text is valid UTF-8 by accident only for a character or two.
const MIXED_MIN_CHARS: usize = 4;

/// Two exports concatenated, one UTF-8 and one GBK: decoding the whole
/// file either way garbles or replaces the other half. When one line is
/// convincingly UTF-8 (at least [`MIXED_MIN_CHARS`] non-ASCII characters)
/// and the invalid-UTF-8 lines in GB2312's byte layout hold at least as
/// many characters (UTF-8, damaged or not, never has that layout over a
/// line: its continuation bytes 80–A0 are no GB2312 byte), every line is
/// decoded on its own: valid UTF-8 as UTF-8, GBK lines (see `is_gbk_line`)
/// as GBK, and anything else as damaged UTF-8 with U+FFFD. `None` for
/// files that do not mix (they go on to the whole-file detection).
fn decode_mixed(bytes: &[u8]) -> Option<Decoded<'static>> {
    let lines = || bytes.split_inclusive(|&b| b == b'\n');
    // First the cheap test that almost every file fails: a GBK line is
    // rejected by from_utf8 at its first non-ASCII byte.
    let convincing = lines().any(|line| {
        !line.is_ascii()
            && simdutf8::basic::from_utf8(line).is_ok_and(|text| {
                text.chars()
                    .filter(|c| !c.is_ascii())
                    .nth(MIXED_MIN_CHARS - 1)
                    .is_some()
            })
    });
    if !convincing {
        return None;
    }
    let gb2312_bytes: usize = lines()
        .filter(|line| std::str::from_utf8(line).is_err() && gb2312_shaped(line))
        .map(|line| line.iter().filter(|&&b| b >= 0x80).count())
        .sum();
    if gb2312_bytes < 2 * MIXED_MIN_CHARS {
        return None;
    }
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 2);
    let (mut replaced, mut utf8_lines) = (false, 0);
    for line in lines() {
        if let Ok(t) = std::str::from_utf8(line) {
            utf8_lines += usize::from(!line.is_ascii());
            text.push_str(t);
        } else if is_gbk_line(line) {
            text.push_str(&GBK.decode_without_bom_handling(line).0);
        } else {
            // damaged UTF-8: U+FFFD for the damage, the rest kept
            utf8_lines += 1;
            replaced = true;
            text.push_str(&String::from_utf8_lossy(line));
        }
    }
    let mut decoded = make(Cow::Owned(text), GBK, false, replaced);
    decoded.utf8_lines = utf8_lines;
    Some(decoded)
}

/// An invalid-UTF-8 line of a mixed file that is GBK: it decodes cleanly
/// as GBK, and either has GB2312's byte layout or is mostly invalid as
/// UTF-8 (fewer well-formed multi-byte characters than malformed
/// sequences: GBK read as UTF-8 fails on nearly every character, while
/// UTF-8 with a damaged byte keeps the rest).
fn is_gbk_line(line: &[u8]) -> bool {
    if !decodes_cleanly(GBK, line) {
        return false;
    }
    if gb2312_shaped(line) {
        return true;
    }
    let (chars, errors) = utf8_tally(line);
    chars < errors
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
        utf8_lines: 0,
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
        d.text = Cow::Owned(d.text.replace('\0', ""));
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

/// UTF-16 without BOM. Three tests on the first `SNIFF_LIMIT` bytes (even
/// length), all of which must pass:
///
/// 1. Parity: ASCII characters in UTF-16LE put their NUL at the odd offset,
///    in UTF-16BE at the even one; CJK characters have no NUL byte except the
///    rare U+xx00 (U+4E00 一 is the common one). So NULs must sit at one
///    parity at least 4 times as often as at the other (4:1 leaves room for
///    一 and friends; random binary is about 1:1).
/// 2. Line structure: at least half of all tab/LF/CR bytes must be whole
///    UTF-16 code units (`09 00`, `0A 00`, `0D 00` for LE). Real UTF-16 is
///    ~100% here; legacy text with a few stray NULs is ~0%, because its
///    tabs and line ends are followed by text, not NUL. (Prefixes with no
///    tab/LF/CR at all pass this test.)
/// 3. Plausibility: at least 80% of the code units must be tab/LF/FF/CR,
///    printable ASCII or Latin, Greek/Cyrillic, general punctuation and
///    symbols, CJK punctuation/kana, CJK ideographs, fullwidth forms, or a
///    valid surrogate pair. Real text is ~100%; CJK-heavy GBK read as UTF-16
///    scores ~10% and Big5 ~30%. (ASCII-heavy legacy text scores 80%+,
///    because ASCII byte pairs land in the CJK block: test 2 catches those.)
///
/// UTF-16 text without a single ASCII character (no NUL at all) is not
/// detected; such files in practice carry a BOM.
fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let n = bytes.len().min(SNIFF_LIMIT) & !1;
    if n < 4 {
        return None;
    }
    let prefix = &bytes[..n];
    let is_ws = |b: u8| matches!(b, b'\t' | b'\n' | b'\r');
    let (mut even_nul, mut odd_nul) = (0usize, 0usize);
    let (mut ws_bytes, mut ws_le, mut ws_be) = (0usize, 0usize, 0usize);
    for pair in prefix.chunks_exact(2) {
        let (a, b) = (pair[0], pair[1]);
        even_nul += usize::from(a == 0);
        odd_nul += usize::from(b == 0);
        ws_bytes += usize::from(is_ws(a)) + usize::from(is_ws(b));
        ws_le += usize::from(is_ws(a) && b == 0);
        ws_be += usize::from(a == 0 && is_ws(b));
    }
    let (encoding, ws_units) = if odd_nul > 0 && odd_nul >= 4 * even_nul {
        (UTF_16LE, ws_le)
    } else if even_nul > 0 && even_nul >= 4 * odd_nul {
        (UTF_16BE, ws_be)
    } else {
        return None;
    };
    if ws_units * 2 < ws_bytes {
        return None;
    }
    let little = encoding == UTF_16LE;
    let units = prefix.chunks_exact(2).map(|p| {
        if little {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    let total = n / 2;
    if count_plausible_utf16(units) * 10 >= total * 8 {
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

/// Binary check on the first `BINARY_WINDOW` (4096) bytes: counts C0
/// control bytes other than tab, LF, CR, form feed and escape (NUL
/// included). Binary when there are at least `BINARY_MIN_COUNT` (8) of them
/// and they make up at least `BINARY_MIN_PERCENT` (5%) of the window. Random bytes give about
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
///
/// All the work here is bounded: it reads at most [`SNIFF_LIMIT`] bytes
/// from the first non-ASCII byte on (an ASCII prefix carries no evidence;
/// chardetng itself keeps only the two bytes before the first non-ASCII).
fn detect_legacy(bytes: &[u8]) -> &'static Encoding {
    let first_non_ascii = Encoding::ascii_valid_up_to(bytes);
    let end = bytes.len().min(first_non_ascii.saturating_add(SNIFF_LIMIT));
    let is_whole = end == bytes.len();

    // The fast path first: damaged UTF-8 is never GB2312-shaped over 16
    // characters (its continuation bytes 80–A0 are no GB2312 lead or trail).
    let window = &bytes[first_non_ascii.saturating_sub(2)..end];
    let sample = whole_lines(window, is_whole);
    if plainly_gb2312_chinese(sample) && decodes_cleanly(GBK, sample) {
        return GBK;
    }
    if looks_like_damaged_utf8(&bytes[first_non_ascii..end], is_whole) {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    // `last` only when the window reaches the end of the input: otherwise a
    // character cut by the window end would count against the right guess.
    detector.feed(window, is_whole);
    let mut guess = detector.guess(None, chardetng::Utf8Detection::Deny);

    let chinese = guess == GBK || guess == GB18030 || guess == BIG5;
    let other_cjk = guess == EUC_KR || guess == EUC_JP || guess == SHIFT_JIS;
    if !chinese {
        let small = window.iter().filter(|&&b| b >= 0x80).count() < SMALL_SAMPLE_NON_ASCII;
        if (small || !other_cjk)
            && let Some(fallback) = chinese_fallback(window, is_whole)
        {
            guess = fallback;
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
    let (chars, errors) = utf8_tally(window);
    chars > 0 && chars >= errors * 8
}

/// The Chinese prior, applied when chardetng guessed a non-Chinese
/// encoding (see `detect_legacy`): GBK if every non-ASCII byte pair is
/// shaped like GB2312 (lead A1–F7, trail A1–FE) and decodes cleanly; else
/// Big5 if it decodes cleanly as Big5; else GBK if it decodes cleanly as GBK;
/// else `None` (keep the guess). When the window is a prefix, it is cut at
/// its last LF first so a split double-byte character is not an error.
fn chinese_fallback(window: &[u8], is_whole: bool) -> Option<&'static Encoding> {
    let sample = whole_lines(window, is_whole);
    if gb2312_shaped(sample) && decodes_cleanly(GBK, sample) {
        Some(GBK)
    } else if decodes_cleanly(BIG5, sample) {
        Some(BIG5)
    } else if decodes_cleanly(GBK, sample) {
        Some(GBK)
    } else {
        None
    }
}

/// `window` cut after its last LF when it is only a prefix of the input, so
/// that a double-byte character split by the window end is not an error.
fn whole_lines(window: &[u8], is_whole: bool) -> &[u8] {
    if is_whole {
        return window;
    }
    match memchr::memrchr(b'\n', window) {
        Some(lf) => &window[..=lf],
        None => window,
    }
}

/// The fast path for the common legacy case, taken before chardetng (which
/// runs at about 10 MB/s, and would otherwise be the most expensive step of
/// a GBK document): plainly Chinese text in GB2312's byte layout. All of:
///
/// - at least [`FAST_PATH_MIN_PAIRS`] double-byte characters, every one in
///   GB2312's rows (lead A1–A9 or B0–F7, trail A1–FE), so Big5 (trail bytes
///   40–7E on about 40% of its characters) and GB18030's four-byte forms
///   never qualify;
/// - at least 15% of them with a lead byte from C9 on. GB2312 orders the
///   common hanzi by pinyin and C9–D7 holds sh…z (是, 生, 项, 目, 资, 政,
///   中, 在): Chinese prose has 35–45% there (the seed: 40%). EUC-KR puts
///   Hangul in rows B0–C8, so Korean scores ~0%;
/// - under 5% in rows A4/A5 (kana in both GB2312 and EUC-JP): Japanese
///   scores ~40%.
///
/// Anything else (short or mixed samples, other layouts) goes to chardetng
/// and the Chinese prior exactly as before.
fn plainly_gb2312_chinese(sample: &[u8]) -> bool {
    let (mut pairs, mut late, mut kana) = (0usize, 0usize, 0usize);
    let shaped = walk_double_bytes(
        sample,
        |lead| matches!(lead, 0xA1..=0xA9 | 0xB0..=0xF7),
        |lead| {
            pairs += 1;
            late += usize::from(lead >= 0xC9);
            kana += usize::from(lead == 0xA4 || lead == 0xA5);
        },
    );
    shaped && pairs >= FAST_PATH_MIN_PAIRS && late * 100 >= pairs * 15 && kana * 100 < pairs * 5
}

/// Whether `bytes` decode in `encoding` without any malformed sequence
/// (streamed through a stack buffer: no allocation).
fn decodes_cleanly(encoding: &'static Encoding, bytes: &[u8]) -> bool {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut buf = [0u8; 4096];
    let mut src = bytes;
    loop {
        let (result, read, _) = decoder.decode_to_utf8_without_replacement(src, &mut buf, true);
        match result {
            DecoderResult::InputEmpty => return true,
            DecoderResult::OutputFull => src = &src[read..],
            DecoderResult::Malformed(..) => return false,
        }
    }
}

fn gb2312_shaped(bytes: &[u8]) -> bool {
    walk_double_bytes(bytes, |lead| (0xA1..=0xF7).contains(&lead), |_| {})
}

/// Walks `bytes` as ASCII and double-byte characters whose lead passes
/// `lead_ok` and whose trail is A1–FE (the EUC layout), calling `each` with
/// every lead; false at the first byte pair that is not such a character.
fn walk_double_bytes(bytes: &[u8], lead_ok: impl Fn(u8) -> bool, mut each: impl FnMut(u8)) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        let lead = bytes[i];
        if lead < 0x80 {
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(&trail) if lead_ok(lead) && (0xA1..=0xFE).contains(&trail) => {
                each(lead);
                i += 2;
            }
            _ => return false,
        }
    }
    true
}

/// Well-formed multi-byte UTF-8 characters and malformed sequences in `bytes`.
fn utf8_tally(bytes: &[u8]) -> (usize, usize) {
    let (mut chars, mut errors) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        chars += chunk.valid().bytes().filter(|&b| b >= 0xC0).count();
        errors += usize::from(!chunk.invalid().is_empty());
    }
    (chars, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tab-separated excerpt of a real performance target table.
    const SAMPLE: &str = "财政项目支出绩效目标表\t\t\t\n(2020年度)\t\t\t\n申报单位名称：上海推进科技创新中心建设办公室\t\t\t\n项目名称：\t科创中心建设工作经费\t项目类别：\t经常性专项业务费\n计划开始日期：\t2020-01-01\t计划完成日期：\t2020-12-31\n是否含有政府购买服务：\t否\t绩效类型：\t事业/专业类\n项目总预算（元）：\t41,098,620\t项目当年预算（元）：\t41,098,620\n一级目标\t二级目标\t三级目标\t指标目标值\n投入与管理\t投入管理\t预算编制合理性\t合理\n\t\t预算执行率\t=100%\n产出目标\t数量\t参观人数\t>=2000人\n";

    const SIMPLIFIED_PROSE: &str = "项目概述：本项目主要用于保障科创中心建设各项工作的顺利推进，包括政策研究、重大项目协调推进、宣传推广及展示馆日常运营维护等内容。\n绩效目标：全年组织专题调研不少于10次，完成政策评估报告3份，展示馆接待参观人数不少于2000人次，服务对象满意度达到90%以上。\n";

    const SIMPLIFIED_TABLE: &str = "效益目标\t社会效益\t科技创新氛围营造\t有效提升\n\t可持续影响\t长效管理机制建立情况\t健全\n满意度\t服务对象满意度\t参观人员满意度\t>=90%\n成本目标\t经济成本\t单位参观成本\t<=20元/人次\n";

    const TRADITIONAL: &str = "財政項目支出績效目標表\n（2021年度）\n申報單位名稱：臺北市政府財政局\n項目名稱：\t公共資訊系統維護及擴充經費\t項目類別：\t經常性業務費\n計畫開始日期：\t2021-01-01\t計畫完成日期：\t2021-12-31\n項目總預算（元）：\t12,500,000\t項目當年預算（元）：\t12,500,000\n項目概況：本項目旨在維護本局各項資訊系統之穩定運作，辦理伺服器汰換、資料庫效能調校、網路安全防護及使用者教育訓練，並擴充線上申辦服務功能，以提升為民服務品質與行政效率。\n一級目標\t二級目標\t三級目標\t指標目標值\n投入與管理\t預算管理\t預算執行率\t≧95%\n產出目標\t數量\t完成系統維護次數\t≧12次\n產出目標\t品質\t系統可用率\t≧99.5%\n效益目標\t社會效益\t線上申辦案件比例\t≧60%\n滿意度\t服務對象滿意度\t使用者滿意度\t≧90%\n";

    /// GBK decoded once on the fast path reads as detection then decoding
    /// did: damage past the detection window is replaced, damage inside
    /// it sends the text to chardetng all the same.
    #[test]
    fn the_gbk_fast_path_decodes_once_as_before() {
        let clean = encode(GBK, &SIMPLIFIED_PROSE.repeat(40));
        assert!(clean.len() > 2 * SNIFF_LIMIT);
        for damage_at in [clean.len() - 1, 100] {
            let mut bytes = clean.clone();
            bytes[damage_at] = 0xFF;
            let d = decode(&bytes).expect("text");
            let encoding = detect_legacy(&bytes);
            let (text, replaced) = encoding.decode_without_bom_handling(&bytes);
            assert_eq!(
                (d.encoding, d.replaced),
                (encoding, replaced),
                "{damage_at}"
            );
            assert_eq!(d.text, text, "{damage_at}");
        }
        let d = decode(&clean).expect("text");
        assert_eq!((d.name, d.replaced), ("GBK", false));
    }

    fn encode(enc: &'static Encoding, s: &str) -> Vec<u8> {
        let (bytes, used, unmappable) = enc.encode(s);
        assert_eq!(used, enc, "encoder substituted an encoding");
        assert!(!unmappable, "sample not representable in {}", enc.name());
        bytes.into_owned()
    }

    fn utf16(s: &str, little: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = bom.then_some(0xFEFF).into_iter().chain(s.encode_utf16());
        for u in units {
            if little {
                out.extend_from_slice(&u.to_le_bytes());
            } else {
                out.extend_from_slice(&u.to_be_bytes());
            }
        }
        out
    }

    fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    fn ok(bytes: &[u8]) -> Decoded<'_> {
        match decode(bytes) {
            Ok(d) => d,
            Err(e) => panic!("decode failed: {e}"),
        }
    }

    #[track_caller]
    fn assert_round_trip(bytes: &[u8], text: &str, name: &str, had_bom: bool) {
        let d = ok(bytes);
        assert_eq!(d.name, name);
        assert_eq!(d.text, text);
        assert_eq!(d.had_bom, had_bom);
        assert!(!d.replaced, "replaced set for a clean {name} input");
    }

    #[test]
    fn utf8_is_borrowed() {
        let d = ok(SAMPLE.as_bytes());
        assert_eq!(d.name, "UTF-8");
        assert_eq!(d.encoding, UTF_8);
        assert!(matches!(d.text, Cow::Borrowed(_)), "valid UTF-8 was copied");
        assert_eq!(d.text, SAMPLE);
        assert!(!d.had_bom && !d.replaced);
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(SAMPLE.as_bytes());
        assert_round_trip(&bytes, SAMPLE, "UTF-8", true);
    }

    #[test]
    fn gbk_round_trips() {
        let bytes = encode(GBK, SAMPLE);
        assert_round_trip(&bytes, SAMPLE, "GBK", false);
        assert_eq!(ok(&bytes).encoding, GBK);
    }

    #[test]
    fn gbk_crlf_round_trips_without_touching_line_ends() {
        let crlf = SAMPLE.replace('\n', "\r\n");
        assert_round_trip(&encode(GBK, &crlf), &crlf, "GBK", false);
    }

    #[test]
    fn gb18030_is_reported_as_gbk() {
        // Same bytes as GBK for this text.
        assert_round_trip(&encode(GB18030, SAMPLE), SAMPLE, "GBK", false);
        // With a four-byte GB18030 sequence that GBK cannot encode.
        let text = format!("{SAMPLE}备注：\t𠮷野家\n");
        assert!(GBK.encode(&text).2, "test needs a character outside GBK");
        let bytes = encode(GB18030, &text);
        let d = ok(&bytes);
        assert_eq!((d.name, d.encoding), ("GBK", GBK));
        assert_eq!(d.text, text);
        assert!(!d.replaced);
    }

    #[test]
    fn utf16_with_and_without_bom() {
        for little in [true, false] {
            let name = if little { "UTF-16LE" } else { "UTF-16BE" };
            for bom in [true, false] {
                let bytes = utf16(SAMPLE, little, bom);
                assert_round_trip(&bytes, SAMPLE, name, bom);
                let crlf = SAMPLE.replace('\n', "\r\n");
                assert_round_trip(&utf16(&crlf, little, bom), &crlf, name, bom);
            }
        }
    }

    #[test]
    fn short_utf16_without_bom() {
        let line = "项目名称：\t科创中心\n";
        assert_round_trip(&utf16(line, true, false), line, "UTF-16LE", false);
        assert_round_trip(&utf16(line, false, false), line, "UTF-16BE", false);
    }

    #[test]
    fn odd_length_utf16_drops_last_byte() {
        for little in [true, false] {
            for bom in [true, false] {
                let mut bytes = utf16(SAMPLE, little, bom);
                bytes.push(b'A');
                let d = ok(&bytes);
                assert_eq!(d.name, if little { "UTF-16LE" } else { "UTF-16BE" });
                assert!(d.replaced);
                assert_eq!(d.text, SAMPLE, "dropped byte must not leave U+FFFD");
            }
        }
    }

    #[test]
    fn big5_is_detected() {
        let bytes = encode(BIG5, TRADITIONAL);
        let d = ok(&bytes);
        assert_eq!((d.name, d.encoding), ("Big5", BIG5));
        assert_eq!(d.text, TRADITIONAL);
        assert!(!d.replaced);
        // A single line of it too.
        let line = "申報單位名稱：臺北市政府財政局\n";
        assert_round_trip(&encode(BIG5, line), line, "Big5", false);
    }

    #[test]
    fn gbk_is_never_big5() {
        let all = format!("{SAMPLE}{SIMPLIFIED_PROSE}{SIMPLIFIED_TABLE}");
        for text in [SAMPLE, SIMPLIFIED_PROSE, SIMPLIFIED_TABLE, all.as_str()] {
            assert_round_trip(&encode(GBK, text), text, "GBK", false);
        }
        // Every line on its own, with and without CRLF.
        for line in all.split_inclusive('\n') {
            let bytes = encode(GBK, line);
            let d = ok(&bytes);
            assert_ne!(d.name, "Big5", "{line:?}");
            if std::str::from_utf8(&bytes).is_err() {
                assert_eq!(d.name, "GBK", "{line:?}");
                assert_eq!(d.text, line);
            }
        }
    }

    #[test]
    fn short_gbk_line() {
        let line = "项目名称：\t科创中心\n";
        let bytes = encode(GBK, line);
        assert_round_trip(&bytes, line, "GBK", false);
        // Without the trailing line end, and CRLF.
        assert_round_trip(&encode(GBK, "科创中心"), "科创中心", "GBK", false);
        assert_round_trip(&encode(GBK, "合理\r\n"), "合理\r\n", "GBK", false);
    }

    const SNIPPET_LENGTHS: [usize; 14] = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 32, 48];

    /// Guarantee for short inputs: any run of 1 to 48 simplified characters
    /// (plus LF) in GBK decodes as GBK, unless the bytes happen to be valid
    /// UTF-8, in which case UTF-8 wins (step 3 of the detection order).
    #[test]
    fn every_short_gbk_snippet_is_gbk() {
        let chars: Vec<char> = format!("{SAMPLE}{SIMPLIFIED_PROSE}")
            .chars()
            .filter(|c| !c.is_ascii())
            .collect();
        let (mut checked, mut valid_utf8) = (0, 0);
        for len in SNIPPET_LENGTHS {
            for window in chars.windows(len) {
                let text: String = window.iter().chain(['\n'].iter()).collect();
                let bytes = encode(GBK, &text);
                let d = ok(&bytes);
                if std::str::from_utf8(&bytes).is_ok() {
                    assert_eq!(d.name, "UTF-8");
                    valid_utf8 += 1;
                    continue;
                }
                assert_eq!(d.name, "GBK", "{text:?} -> {}", d.name);
                assert_eq!(d.text, text);
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
        assert!(valid_utf8 < checked / 20, "{valid_utf8} of {checked}");
    }

    #[test]
    fn short_big5_line_with_non_gb2312_bytes_is_big5() {
        // Big5 trail bytes 0x40-0x7E never occur in GB2312, so even when
        // chardetng has too little to go on, these stay Big5.
        for text in ["臺北\n", "財政\n", "績效目標\n", "項目\t名稱\n"] {
            let bytes = encode(BIG5, text);
            assert!(!gb2312_shaped(&bytes), "{text:?} is not a useful case");
            let d = ok(&bytes);
            assert_eq!(d.name, "Big5", "{text:?}");
            assert_eq!(d.text, text);
        }
    }

    /// Big5 snippets of 1 to 48 characters whose bytes fall outside the
    /// GB2312 layout (a trail byte in 0x40-0x7E) decode as Big5, unless
    /// they are valid UTF-8.
    #[test]
    fn every_short_big5_snippet_outside_gb2312_is_big5() {
        let chars: Vec<char> = TRADITIONAL.chars().filter(|c| !c.is_ascii()).collect();
        let mut checked = 0;
        for len in SNIPPET_LENGTHS {
            for window in chars.windows(len) {
                let text: String = window.iter().chain(['\n'].iter()).collect();
                let bytes = encode(BIG5, &text);
                if gb2312_shaped(&bytes) || std::str::from_utf8(&bytes).is_ok() {
                    continue;
                }
                let d = ok(&bytes);
                assert_eq!(d.name, "Big5", "{text:?}");
                assert_eq!(d.text, text);
                checked += 1;
            }
        }
        assert!(checked > 500, "{checked}");
    }

    #[test]
    fn utf16_parity_decides_between_le_and_be() {
        // ASCII-only UTF-16 is valid UTF-8 too; parity alone picks the order.
        let text = "2020-01-01\t41,098,620\n";
        assert_round_trip(&utf16(text, true, false), text, "UTF-16LE", false);
        assert_round_trip(&utf16(text, false, false), text, "UTF-16BE", false);
        // NULs at both parities in similar numbers is not UTF-16.
        let mut bytes = utf16("ab\tcd\n", true, false);
        bytes.extend_from_slice(b"\0a\0b\0c\0d\0e\0f");
        assert!(sniff_utf16(&bytes).is_none());
    }

    #[test]
    fn empty_and_whitespace_only() {
        let inputs: [&[u8]; 9] = [
            b"",
            b" ",
            b"\r\n\t \n",
            b"\xEF\xBB\xBF",
            b"\xEF\xBB\xBF \r\n",
            b"\xFF\xFE",
            b"\xFE\xFF\x00\x0A",
            b"\n\x00\r\x00\n\x00",
            b"\xA1\xA1\xA1\xA1\r\n", // GBK ideographic spaces
        ];
        for input in inputs {
            assert_eq!(decode(input).err(), Some(DecodeError::Empty), "{input:?}");
        }
        assert_eq!(DecodeError::Empty.code(), "empty");
        assert_eq!(DecodeError::Empty.to_string(), "file is empty");
    }

    #[test]
    fn random_bytes_are_binary() {
        for (seed, len) in [(1, 100), (7, 512), (42, 4096), (99, 100_000)] {
            let bytes = random_bytes(seed, len);
            match decode(&bytes) {
                Err(e @ DecodeError::Binary { .. }) => {
                    assert_eq!(e.code(), "binary");
                    assert!(e.to_string().contains("% control bytes"), "{e}");
                }
                other => panic!("seed {seed} len {len}: {:?}", other.map(|d| d.name)),
            }
        }
    }

    #[test]
    fn binary_headers_are_binary() {
        let tail = random_bytes(3, 2000);
        for header in [
            &b"\x89PNG\r\n\x1A\n"[..],
            b"PK\x03\x04",
            b"%PDF-1.4\n",
            b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
            b"XYZ-unknown-format\n", // caught by the control-byte count
        ] {
            let mut bytes = header.to_vec();
            bytes.extend_from_slice(&tail);
            let err = decode(&bytes).err();
            assert!(
                matches!(err, Some(DecodeError::Binary { .. })),
                "{header:?}: {err:?}"
            );
        }
        let pdf = decode(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj").err();
        assert_eq!(
            pdf,
            Some(DecodeError::Binary {
                reason: "PDF file signature".into()
            })
        );
    }

    #[test]
    fn control_heavy_valid_utf8_is_binary() {
        // Valid UTF-8 without NUL still gets the control-byte check.
        let bytes = b"\x01\x02abc\x03\x04defgh\x05\x06\n".repeat(100);
        assert!(std::str::from_utf8(&bytes).is_ok());
        let err = decode(&bytes).err();
        assert!(matches!(err, Some(DecodeError::Binary { .. })), "{err:?}");
    }

    #[test]
    fn text_with_form_feed_and_escape_is_not_binary() {
        let text = format!("{SAMPLE}\x0c\x1b[0m{SAMPLE}");
        assert_round_trip(&encode(GBK, &text), &text, "GBK", false);
        assert_round_trip(text.as_bytes(), &text, "UTF-8", false);
    }

    #[test]
    fn stray_nuls_in_gbk_are_removed() {
        let clean = encode(GBK, SAMPLE);
        // Positions chosen to hit both parities and the middle of a character.
        let mut bytes = clean.clone();
        for pos in [200, 101, 7] {
            bytes.insert(pos, 0);
        }
        let d = ok(&bytes);
        assert_eq!(d.name, "GBK");
        assert!(d.replaced);
        assert!(!d.text.contains('\0'));
        assert_eq!(d.text, SAMPLE);
    }

    /// Inserts a NUL before each of `positions` (ascending), so that the
    /// NULs end up exactly at those offsets.
    fn with_nuls_at(mut bytes: Vec<u8>, positions: &[usize]) -> Vec<u8> {
        for &pos in positions {
            bytes.insert(pos, 0);
        }
        for &pos in positions {
            assert_eq!(bytes[pos], 0);
        }
        bytes
    }

    fn le_plausible_percent(bytes: &[u8]) -> usize {
        let n = bytes.len() & !1;
        let units = bytes[..n]
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]));
        count_plausible_utf16(units) * 100 / (n / 2)
    }

    #[test]
    fn stray_nuls_in_ascii_heavy_gbk_are_not_utf16() {
        // Mostly Latin letters: read as UTF-16LE this looks like CJK text
        // (letter pairs land in U+6000-7FFF) and the NULs are all at odd
        // offsets, so only the line-structure test keeps it from UTF-16LE.
        let text = "Budget execution rate (预算执行率) target value over 95 percent\n".repeat(20);
        let bytes = with_nuls_at(encode(GBK, &text), &[51, 151, 301]);
        assert!(le_plausible_percent(&bytes) >= 80, "test premise");
        assert!(sniff_utf16(&bytes).is_none());
        let d = ok(&bytes);
        assert_eq!(d.name, "GBK");
        assert_eq!(d.text, text);
        assert!(d.replaced);
    }

    #[test]
    fn stray_nuls_in_digit_heavy_gbk_are_not_utf16() {
        let text = "2020-01-01\t41,098,620\t41,098,620\t合理\n".repeat(20);
        let bytes = with_nuls_at(encode(GBK, &text), &[51, 151, 301]);
        assert!(sniff_utf16(&bytes).is_none());
        let d = ok(&bytes);
        assert_eq!(d.name, "GBK");
        assert_eq!(d.text, text);
        assert!(d.replaced);
    }

    #[test]
    fn stray_nuls_in_gbk_without_line_ends_are_not_utf16() {
        // No tab/CR/LF and NULs only at odd offsets: only the plausibility
        // test keeps it from being taken for UTF-16LE.
        let text: String = SIMPLIFIED_PROSE.chars().filter(|&c| c != '\n').collect();
        let bytes = with_nuls_at(encode(GBK, &text), &[11, 61, 121]);
        assert!(le_plausible_percent(&bytes) < 80, "test premise");
        assert!(sniff_utf16(&bytes).is_none());
        let d = ok(&bytes);
        assert_eq!(d.name, "GBK");
        assert_eq!(d.text, text);
        assert!(d.replaced);
    }

    #[test]
    fn short_text_with_a_few_nuls_is_not_binary() {
        // 3 NULs in 22 bytes is 13%, but under the count floor.
        let line = "项目名称：\t科创中心\n";
        let bytes = with_nuls_at(encode(GBK, line), &[0, 5, 10]);
        let d = ok(&bytes);
        assert_eq!(d.name, "GBK");
        assert_eq!(d.text, line);
        assert!(d.replaced);
    }

    #[test]
    fn nuls_in_utf8_are_removed() {
        let mut bytes = SAMPLE.as_bytes().to_vec();
        bytes.insert(0, 0);
        bytes.push(0);
        let d = ok(&bytes);
        assert_eq!(d.name, "UTF-8");
        assert!(d.replaced);
        assert_eq!(d.text, SAMPLE);
    }

    #[test]
    fn utf8_with_one_invalid_byte() {
        let cut = SAMPLE.find("上海").unwrap_or(0);
        let mut bytes = SAMPLE.as_bytes().to_vec();
        bytes.insert(cut, 0xFF);
        let d = ok(&bytes);
        assert_eq!(d.name, "UTF-8");
        assert!(d.replaced);
        let expected = format!("{}\u{FFFD}{}", &SAMPLE[..cut], &SAMPLE[cut..]);
        assert_eq!(d.text, expected);
    }

    #[test]
    fn utf8_cut_mid_character() {
        let bytes = &SAMPLE.as_bytes()[..SAMPLE.len() - 2]; // inside the final "人"
        assert!(std::str::from_utf8(bytes).is_err());
        let d = ok(bytes);
        assert_eq!(d.name, "UTF-8");
        assert!(d.replaced);
        assert!(d.text.ends_with('\u{FFFD}'));
    }

    #[test]
    fn utf8_damaged_beyond_the_sniff_window() {
        // The window is valid UTF-8; chardetng would answer windows-1252
        // here (a live UTF-8 candidate with UTF-8 denied).
        let mut bytes = SAMPLE.repeat(SNIFF_LIMIT / SAMPLE.len() + 10).into_bytes();
        bytes.extend_from_slice(b"\xC0\n");
        let d = ok(&bytes);
        assert_eq!(d.name, "UTF-8");
        assert!(d.replaced);
        assert!(d.text.starts_with(SAMPLE));
    }

    #[test]
    fn large_gbk_beyond_the_sniff_window() {
        let text = SAMPLE.repeat(2 * SNIFF_LIMIT / SAMPLE.len());
        assert_round_trip(&encode(GBK, &text), &text, "GBK", false);
    }

    #[test]
    fn long_ascii_prefix_before_gbk() {
        // The sniff window starts at the first non-ASCII byte.
        let text = format!("{}{SAMPLE}", "2020-01-01\t41,098,620\r\n".repeat(10_000));
        assert!(text.len() > 3 * SNIFF_LIMIT);
        assert_round_trip(&encode(GBK, &text), &text, "GBK", false);
    }

    #[test]
    fn utf8_never_misread_as_utf16() {
        let text = format!("{SAMPLE}{SIMPLIFIED_PROSE}");
        assert_round_trip(text.as_bytes(), &text, "UTF-8", false);
    }

    const KOREAN: &str = "예산 집행률은 95% 이상을 목표로 하며, 사업 성과 지표는 매년 점검한다.\n공공 정보 시스템 유지 보수 사업의 주요 내용은 서버 교체, 데이터베이스 성능 개선, 네트워크 보안 강화 및 사용자 교육이다.\n";
    const JAPANESE: &str = "予算の執行率は九十五パーセント以上を目標とし、事業の成果指標は毎年点検する。\n公共情報システムの保守事業の主な内容は、サーバーの交換とデータベースの性能改善である。\n";
    const FRENCH: &str = "Le budget de l'année prévoit une réduction des dépenses, déjà annoncée; coût élevé, à réévaluer.\nÉtat prévisionnel des crédits: très précis.\n";

    #[test]
    fn long_non_chinese_legacy_text_is_not_forced_to_chinese() {
        for (encoding, text) in [
            (EUC_KR, KOREAN),
            (EUC_JP, JAPANESE),
            (encoding_rs::WINDOWS_1252, FRENCH),
        ] {
            let bytes = encode(encoding, text);
            let d = ok(&bytes);
            assert_eq!(d.name, encoding.name());
            assert_eq!(d.text, text);
        }
    }

    #[test]
    fn plain_chinese_takes_the_fast_path_and_others_do_not() {
        let gbk = encode(GBK, SIMPLIFIED_PROSE);
        assert!(plainly_gb2312_chinese(&gbk));
        assert!(!plainly_gb2312_chinese(&encode(EUC_KR, KOREAN)));
        assert!(!plainly_gb2312_chinese(&encode(EUC_JP, JAPANESE)));
        let traditional =
            "項目概述：本項目主要用於保障科創中心建設各項工作的順利推進，包括政策研究。\n";
        assert!(!plainly_gb2312_chinese(&encode(BIG5, traditional)));
        // Too short to decide without chardetng.
        assert!(!plainly_gb2312_chinese(&encode(GBK, "项目名称\n")));
    }

    #[test]
    fn gbk_and_utf8_halves_are_each_decoded_in_their_own_encoding() {
        let (first, second) = (SIMPLIFIED_PROSE, SIMPLIFIED_TABLE);
        for (bytes, utf8_lines) in [
            (
                [encode(GBK, first), second.as_bytes().to_vec()].concat(),
                second.lines().count(),
            ),
            (
                [first.as_bytes().to_vec(), encode(GBK, second)].concat(),
                first.lines().count(),
            ),
        ] {
            let d = ok(&bytes);
            assert_eq!(d.text, format!("{first}{second}"));
            assert_eq!(
                (d.name, d.utf8_lines, d.replaced),
                ("GBK", utf8_lines, false)
            );
        }
    }

    #[test]
    fn damaged_utf8_is_not_mistaken_for_a_mix() {
        let mut bytes = format!("{SIMPLIFIED_PROSE}{SIMPLIFIED_TABLE}").into_bytes();
        bytes.insert(5, 0xFF);
        let d = ok(&bytes);
        assert_eq!((d.name, d.utf8_lines, d.replaced), ("UTF-8", 0, true));
    }

    #[test]
    fn plain_gbk_is_not_a_mix() {
        let bytes = encode(GBK, &format!("{SIMPLIFIED_PROSE}{SIMPLIFIED_TABLE}"));
        let d = ok(&bytes);
        assert_eq!((d.name, d.utf8_lines), ("GBK", 0));
    }

    #[test]
    fn utf8_with_damaged_lines_is_not_a_mix() {
        // A few corrupted bytes on several lines of a UTF-8 file (found by
        // the fuzzer): those lines keep their characters, with U+FFFD for
        // the damage, instead of being read as GBK or Big5.
        let text = format!("{SIMPLIFIED_PROSE}{SIMPLIFIED_TABLE}");
        let mut bytes = text.clone().into_bytes();
        for line_start in [0, SIMPLIFIED_PROSE.find('\n').unwrap() + 1] {
            bytes[line_start + 4] = 0xFF;
        }
        let d = ok(&bytes);
        assert_eq!((d.name, d.utf8_lines, d.replaced), ("UTF-8", 0, true));
        // each broken character: its lead, the bad byte, its orphaned continuation
        assert_eq!(d.text.chars().filter(|&c| c == '\u{FFFD}').count(), 6);
    }
}
