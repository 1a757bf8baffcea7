//! HTML pages → rows of cells.
//!
//! Performance target tables are also published as web pages: a report
//! system's "save as HTML", or the page itself saved from a browser. Such a
//! page carries the same table as the text exports, as `<table>` markup,
//! often with a title above it outside the table, merged cells
//! (`colspan`/`rowspan`), rich-text editor fragments inside cells, and a
//! declared (or wrongly declared, or no) character set. This reader turns a
//! page into the same [`Row`]s the text reader produces, so that splitting
//! and field extraction do not care where the rows came from. It works in
//! three steps:
//!
//! 1. **Decoding.** A BOM decides; otherwise a `<meta charset>` or
//!    `<meta http-equiv="Content-Type" content="…; charset=…">` in the first
//!    4 KiB (a byte-level prescan after the HTML standard's); otherwise the
//!    page is detected like a text file ([`crate::decode::decode`]). See
//!    [`read_html`] for the two cases where the bytes overrule the meta.
//! 2. **A depth check before parsing.** html5ever (through `scraper`) does
//!    work proportional to the nesting depth for many tags, so a page nested
//!    tens of thousands of levels deep takes quadratic time. A linear scan of
//!    the decoded text estimates the depth html5ever's tree builder will
//!    reach (see [`DepthScan`] for the rules it models, among them the
//!    auto-closing of `<p>`, `<li>`, `<td>`, `<tr>`, … so that ordinary
//!    sloppy pages pass) and refuses pages deeper than
//!    [`HtmlLimits::max_depth`] with [`HtmlError::TooDeep`], before the
//!    parser sees them.
//! 3. **Rows.** The parsed document is walked iteratively in document order:
//!    every `<tr>` of every `<table>` is a row, every `<td>`/`<th>` a cell,
//!    laid out on a grid so that `colspan` and `rowspan` leave empty cells
//!    where a merged cell covers a column (as a merged spreadsheet cell looks
//!    once exported); text outside tables becomes single-cell rows. Rows are
//!    numbered in one running count, see [`read_html`].
//!
//! A cell's content is returned as a small HTML fragment: its text with `&`
//! and `<` escaped, and `<br>` where the cell has a paragraph break (a
//! `<p>`, `<div>`, `<br>`, `<li>`, … boundary, or a line break inside
//! `<pre>`/`<textarea>`). The pipeline's clean stage
//! ([`crate::clean::clean_text`], run on every cell) turns that into plain
//! text with `'\n'` between paragraphs and entities decoded. Writing the
//! fragment from the tree, rather than serialising the cell's inner HTML,
//! keeps unknown elements (`<o:p>`, `<st1:chsdate>`, custom tags) and the
//! content of nested tables out of the cell, so nothing turns up twice and no
//! tag name reaches the clean stage as literal text.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Deref;

use encoding_rs::{
    Encoding, GB18030, GBK, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED,
};
use scraper::node::Element;
use scraper::{ElementRef, Html, Node};

use super::Row;
use crate::decode::{self, DecodeError};

/// Limits on what a page may demand of the parser.
#[derive(Debug, Clone, Copy)]
pub struct HtmlLimits {
    /// The deepest element nesting accepted, as estimated by the pre-parse
    /// scan (the implied `<html>` and `<body>` not counted). 512 is far
    /// beyond any real page (report exports nest tables 5 to 10 levels) and
    /// keeps html5ever's per-tag work small.
    pub max_depth: usize,
}

impl Default for HtmlLimits {
    fn default() -> Self {
        HtmlLimits { max_depth: 512 }
    }
}

/// A page read into rows.
#[derive(Debug)]
pub struct HtmlDoc {
    /// The non-empty rows, in page order (see [`read_html`] for numbering).
    pub rows: Vec<Row<'static>>,
    /// WHATWG name of the encoding the page was decoded with, as reported by
    /// [`crate::decode`]: "UTF-8", "GBK" (for GBK, GB2312 and GB18030),
    /// "UTF-16LE", "Big5", …
    pub encoding: &'static str,
    /// Whether malformed bytes were replaced (or NUL characters removed).
    pub replaced: bool,
}

/// Why a page could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HtmlError {
    /// The bytes are not text (or are empty).
    #[error("{0}")]
    Decode(#[from] crate::decode::DecodeError),
    /// The page nests elements deeper than [`HtmlLimits::max_depth`];
    /// `offset` is the byte offset, in the decoded text, of the tag (or
    /// text) at which the estimated depth first exceeded the limit.
    #[error("HTML nested {depth} levels deep at byte {offset}, over the limit of {limit}")]
    TooDeep {
        depth: usize,
        offset: usize,
        limit: usize,
    },
}

impl HtmlError {
    /// A stable machine-readable code: the decode error's code ("empty",
    /// "binary"), or "too_deep".
    pub fn code(&self) -> &'static str {
        match self {
            HtmlError::Decode(e) => e.code(),
            HtmlError::TooDeep { .. } => "too_deep",
        }
    }
}

/// Reads every table row and every text block of a page.
///
/// **Encoding.** In this order: a BOM (UTF-8, UTF-16LE, UTF-16BE); a
/// `<meta>` charset declaration in the first 4 KiB (labels resolved by
/// `encoding_rs`, so `gb2312` is GBK; `utf-16*` means UTF-8 and
/// `x-user-defined` windows-1252, as the HTML standard says); otherwise
/// detection as for text files. The bytes overrule the meta in two cases,
/// both common on Chinese government sites whose pages were converted but
/// whose templates were not: a page declared as a legacy encoding that is
/// valid UTF-8 with at least 4 multi-byte characters (legacy CJK text is
/// practically never that) is read as UTF-8, and a page declared UTF-8 that
/// is not valid UTF-8 goes to detection, which still picks UTF-8 when the
/// damage is light. A meta naming the "replacement" encoding is ignored.
///
/// **Rows.** The page is walked in document order:
/// - every `<tr>` of every `<table>` (inside `thead`/`tbody`/`tfoot` too) is
///   a row; its `<td>`/`<th>` are cells. A cell with `colspan=N` is followed
///   by N-1 empty cells; a cell with `rowspan=N` leaves an empty cell in its
///   column(s) of the next N-1 rows of its row group (`rowspan=0`: to the end
///   of the group). Spans are clamped to 1000 columns and 10000 rows, and
///   the empty cells they create are limited per page (see [`GRID_BUDGET`]);
/// - a table nested in a cell is not part of that cell: its rows follow the
///   row that contains it (before the outer table's next row), so its text
///   appears exactly once;
/// - text outside table rows (headings, paragraphs, `<div>`s, loose text, a
///   `<caption>`) becomes single-cell rows, one per block: every block-level
///   element boundary and every `<br>` (or line break inside `<pre>`) starts
///   a new one;
/// - the `<head>` (including `<title>`), `<script>`, `<style>`, `<template>`,
///   `<noscript>`, `<iframe>`, `<noembed>`, `<noframes>` and comments are
///   skipped; form controls show what a browser shows: an `<input>`'s
///   `value` (text-like types), the selected (else first) `<option>` of a
///   `<select>`, a `<textarea>`'s text.
///
/// **Numbering.** Rows are numbered 1, 2, 3, … in one running count over
/// the table rows *and* the text blocks outside tables, in page order: the
/// first row of a second table continues the count of the first, and a page
/// heading above the table takes a number too, so a reviewer counting rows
/// and headings from the top finds every row. Every `<tr>` takes a number,
/// even an empty one (which is then left out, as [`Row::new`] does);
/// whitespace-only text between blocks does not.
pub fn read_html(bytes: &[u8], limits: &HtmlLimits) -> Result<HtmlDoc, HtmlError> {
    let (text, encoding, replaced) = decode_page(bytes)?;
    DepthScan::new(&text, limits.max_depth).run()?;
    let html = Html::parse_document(&text);
    Ok(HtmlDoc {
        rows: collect_rows(&html),
        encoding,
        replaced,
    })
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

/// How many leading bytes the `<meta>` prescan looks at.
const PRESCAN_LIMIT: usize = 4 * 1024;

/// A page declared as a legacy encoding is read as UTF-8 when it is valid
/// UTF-8 with at least this many multi-byte characters.
const UTF8_OVERRIDE_CHARS: usize = 4;

/// The page's text, the encoding name to report, and whether bytes were
/// replaced or removed.
fn decode_page(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str, bool), DecodeError> {
    if Encoding::for_bom(bytes).is_none()
        && let Some(declared) = prescan_meta(&bytes[..bytes.len().min(PRESCAN_LIMIT)])
        && declared != UTF_8
        && !is_multibyte_utf8(bytes)
    {
        let name = if declared == GBK || declared == GB18030 {
            "GBK"
        } else {
            declared.name()
        };
        // Stray NULs are removed before decoding, as `decode` does, so that
        // one between the two bytes of a GBK character does not break it.
        let (text, replaced) = if memchr::memchr(0, bytes).is_some() {
            let stripped: Vec<u8> = bytes.iter().copied().filter(|&b| b != 0).collect();
            let (text, _) = declared.decode_without_bom_handling(&stripped);
            (Cow::Owned(text.into_owned()), true)
        } else {
            declared.decode_without_bom_handling(bytes)
        };
        if text.trim().is_empty() {
            return Err(DecodeError::Empty);
        }
        return Ok((text, name, replaced));
    }
    let d = decode::decode(bytes)?;
    Ok((d.text, d.name, d.replaced))
}

/// Valid UTF-8 with at least [`UTF8_OVERRIDE_CHARS`] multi-byte characters.
fn is_multibyte_utf8(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
        && bytes
            .iter()
            .filter(|&&b| b >= 0xC0)
            .take(UTF8_OVERRIDE_CHARS)
            .count()
            == UTF8_OVERRIDE_CHARS
}

/// The encoding declared by the first usable `<meta>` in `head`: the HTML
/// standard's prescan, simplified (comments, `<!…>`, `<?…>` and other tags
/// are skipped, quoted attribute values respected, all case-insensitive).
fn prescan_meta(head: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0;
    while let Some(off) = memchr::memchr(b'<', &head[pos..]) {
        let lt = pos + off;
        let rest = &head[lt..];
        if rest.starts_with(b"<!--") {
            pos = lt + comment_len(&head[lt..])?;
            continue;
        }
        let tag_start = match rest.get(1) {
            Some(c) if c.is_ascii_alphabetic() => lt + 1,
            Some(b'/') if rest.get(2).is_some_and(u8::is_ascii_alphabetic) => lt + 2,
            Some(b'!' | b'/' | b'?') => {
                pos = lt + 2 + memchr::memchr(b'>', &head[lt + 2..])?;
                continue;
            }
            _ => {
                pos = lt + 1;
                continue;
            }
        };
        let name_end = tag_name_end(head, tag_start);
        let is_meta = head[tag_start..name_end].eq_ignore_ascii_case(b"meta")
            && rest.get(1).is_some_and(u8::is_ascii_alphabetic);
        let mut meta = MetaAttrs::default();
        let tag = parse_attrs(head, name_end, |name, value| {
            if is_meta {
                meta.add(name, value);
            }
        })?;
        pos = tag.end;
        if is_meta && let Some(encoding) = meta.encoding() {
            return Some(encoding);
        }
    }
    None
}

/// What the prescan needs from a `<meta>`'s attributes (first occurrence of
/// each wins, as in the HTML standard).
#[derive(Default)]
struct MetaAttrs<'a> {
    charset: Option<&'a [u8]>,
    http_equiv: Option<&'a [u8]>,
    content: Option<&'a [u8]>,
}

impl<'a> MetaAttrs<'a> {
    fn add(&mut self, name: &'a [u8], value: &'a [u8]) {
        let slot = if name.eq_ignore_ascii_case(b"charset") {
            &mut self.charset
        } else if name.eq_ignore_ascii_case(b"http-equiv") {
            &mut self.http_equiv
        } else if name.eq_ignore_ascii_case(b"content") {
            &mut self.content
        } else {
            return;
        };
        slot.get_or_insert(value);
    }

    fn encoding(&self) -> Option<&'static Encoding> {
        let label = match self.charset {
            Some(label) => label,
            None => {
                let pragma = self
                    .http_equiv
                    .is_some_and(|v| trim_ascii(v).eq_ignore_ascii_case(b"content-type"));
                if !pragma {
                    return None;
                }
                charset_from_content(self.content?)?
            }
        };
        let encoding = Encoding::for_label(trim_ascii(label))?;
        if encoding == REPLACEMENT {
            None
        } else if encoding == UTF_16LE || encoding == UTF_16BE {
            Some(UTF_8)
        } else if encoding == X_USER_DEFINED {
            Some(WINDOWS_1252)
        } else {
            Some(encoding)
        }
    }
}

/// The HTML standard's "extracting a character encoding from a meta
/// element": the value after `charset=` in a `content` attribute.
fn charset_from_content(content: &[u8]) -> Option<&[u8]> {
    let mut pos = 0;
    loop {
        let found = content[pos..]
            .windows(7)
            .position(|w| w.eq_ignore_ascii_case(b"charset"))?;
        let mut i = pos + found + 7;
        while content.get(i).is_some_and(|&c| is_space(c)) {
            i += 1;
        }
        if content.get(i) != Some(&b'=') {
            pos = i;
            continue;
        }
        i += 1;
        while content.get(i).is_some_and(|&c| is_space(c)) {
            i += 1;
        }
        return match content.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let len = memchr::memchr(q, &content[i + 1..])?;
                Some(&content[i + 1..i + 1 + len])
            }
            Some(_) => {
                let end = content[i..]
                    .iter()
                    .position(|&c| is_space(c) || c == b';')
                    .map_or(content.len(), |o| i + o);
                Some(&content[i..end])
            }
            None => None,
        };
    }
}

fn trim_ascii(s: &[u8]) -> &[u8] {
    s.trim_ascii()
}

// ---------------------------------------------------------------------------
// Tokenizing helpers (shared by the prescan and the depth scan)
// ---------------------------------------------------------------------------

/// HTML whitespace: tab, LF, FF, CR, space.
fn is_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

/// End of a tag name starting at `start`: the first whitespace, `/` or `>`.
fn tag_name_end(b: &[u8], start: usize) -> usize {
    b[start..]
        .iter()
        .position(|&c| is_space(c) || c == b'/' || c == b'>')
        .map_or(b.len(), |o| start + o)
}

/// Where a tag ends, and whether it ended in `/>`.
struct TagEnd {
    /// Position after the closing `>`.
    end: usize,
    self_closing: bool,
}

/// Parses the attributes of a tag from `pos` (just after its name) to its
/// `>`, as the HTML tokenizer does (quoted values may contain `>`; a `/` not
/// right before `>` is ignored), calling `attr(name, value)` for each.
/// `None` when the input ends inside the tag (the tokenizer drops the tag).
fn parse_attrs<'b>(
    b: &'b [u8],
    mut pos: usize,
    mut attr: impl FnMut(&'b [u8], &'b [u8]),
) -> Option<TagEnd> {
    loop {
        // Before attribute name.
        while b.get(pos).is_some_and(|&c| is_space(c)) {
            pos += 1;
        }
        match *b.get(pos)? {
            b'>' => {
                return Some(TagEnd {
                    end: pos + 1,
                    self_closing: false,
                });
            }
            b'/' => {
                if b.get(pos + 1) == Some(&b'>') {
                    return Some(TagEnd {
                        end: pos + 2,
                        self_closing: true,
                    });
                }
                pos += 1;
                continue;
            }
            _ => {}
        }
        // Attribute name (a leading `=` belongs to it).
        let name_start = pos;
        pos += 1;
        while b
            .get(pos)
            .is_some_and(|&c| !is_space(c) && !matches!(c, b'/' | b'>' | b'='))
        {
            pos += 1;
        }
        let name = &b[name_start..pos];
        while b.get(pos).is_some_and(|&c| is_space(c)) {
            pos += 1;
        }
        if b.get(pos) != Some(&b'=') {
            attr(name, &[]);
            continue;
        }
        pos += 1;
        while b.get(pos).is_some_and(|&c| is_space(c)) {
            pos += 1;
        }
        match *b.get(pos)? {
            q @ (b'"' | b'\'') => {
                let len = memchr::memchr(q, &b[pos + 1..])?;
                attr(name, &b[pos + 1..pos + 1 + len]);
                pos += len + 2;
            }
            b'>' => {
                attr(name, &[]);
            }
            _ => {
                let start = pos;
                while b.get(pos).is_some_and(|&c| !is_space(c) && c != b'>') {
                    pos += 1;
                }
                attr(name, &b[start..pos]);
            }
        }
    }
}

/// Length of a comment starting at `b[0..4] == "<!--"`, as the tokenizer
/// ends it (`<!-->`, `<!--->`, `-->`, `--!>`); `None` when it runs to the
/// end of the input.
fn comment_len(b: &[u8]) -> Option<usize> {
    let body = 4;
    if b[body..].starts_with(b">") {
        return Some(body + 1);
    }
    if b[body..].starts_with(b"->") {
        return Some(body + 2);
    }
    let mut i = body;
    while let Some(off) = memchr::memchr(b'>', &b[i..]) {
        let gt = i + off;
        let before = &b[body..gt];
        if before.ends_with(b"--") || before.ends_with(b"--!") {
            return Some(gt + 1);
        }
        i = gt + 1;
    }
    None
}

// ---------------------------------------------------------------------------
// Depth scan
// ---------------------------------------------------------------------------

/// Longest tag name kept for matching (longer names are cut; only exotic
/// custom elements are that long).
const NAME_MAX: usize = 63;

/// Element categories (bit flags), after html5ever's tree builder.
const VOID: u32 = 1 << 0;
/// Content is text up to the matching end tag (`script`, `style`, `title`, …).
const RAW: u32 = 1 << 1;
/// Formatting elements (`b`, `font`, …): kept on the list of active
/// formatting elements and reopened after being closed implicitly.
const FORMATTING: u32 = 1 << 2;
/// html5ever's "special" elements: a generic end tag does not close past them.
const SPECIAL: u32 = 1 << 3;
/// Boundaries of "has an element in scope".
const SCOPE: u32 = 1 << 4;
/// `button`: also a boundary of "in button scope" (closing a `<p>`).
const BUTTON_SCOPE: u32 = 1 << 5;
/// Special elements other than `address`, `div`, `p`: they stop a new
/// `<li>`/`<dd>`/`<dt>` from closing an open one below them.
const LIST_BLOCK: u32 = 1 << 6;
/// Boundaries of "in table scope".
const TABLE_SCOPE: u32 = 1 << 7;
/// Elements that put a marker on the active formatting list.
const MARKER: u32 = 1 << 8;
/// Start tags that close an open `<p>` (in button scope).
const CLOSES_P: u32 = 1 << 9;
/// `html`, `head`, `body`, `frameset`: never counted.
const IGNORED: u32 = 1 << 10;
const HEADING: u32 = 1 << 11;
/// `table`, `tbody`, `thead`, `tfoot`, `tr`: whitespace there is not text.
const TABLE_STRUCT: u32 = 1 << 12;
/// Start tags that reopen closed formatting elements first.
const RECONSTRUCT: u32 = 1 << 13;
/// SVG `foreignObject`/`desc`/`title`, MathML `mi`/`mo`/`mn`/`ms`/`mtext`:
/// their content is HTML again.
const INTEGRATION: u32 = 1 << 14;
/// `rb`, `rp`, `rt`, `rtc`.
const RUBY: u32 = 1 << 15;
/// `table`, `tbody`, `thead`, `tfoot`, `tr`, `td`, `th`, `caption`,
/// `template`.
const TABLE_PART: u32 = 1 << 16;

const NS_HTML: u8 = 0;
const NS_SVG: u8 = 1;
const NS_MATH: u8 = 2;

/// HTML element names the scan refers to by id; `FIXED[id]` is interned as
/// `id` first.
const FIXED: &[&str] = &[
    "p",
    "li",
    "dd",
    "dt",
    "ul",
    "ol",
    "td",
    "th",
    "tr",
    "tbody",
    "thead",
    "tfoot",
    "table",
    "a",
    "option",
    "optgroup",
    "select",
    "button",
    "nobr",
    "caption",
    "colgroup",
    "col",
    "form",
    "plaintext",
    "template",
    "input",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
];
const P: u32 = 0;
const LI: u32 = 1;
const DD: u32 = 2;
const DT: u32 = 3;
const UL: u32 = 4;
const OL: u32 = 5;
const TD: u32 = 6;
const TH: u32 = 7;
const TR: u32 = 8;
const TBODY: u32 = 9;
const THEAD: u32 = 10;
const TFOOT: u32 = 11;
const TABLE: u32 = 12;
const A: u32 = 13;
const OPTION: u32 = 14;
const OPTGROUP: u32 = 15;
const SELECT: u32 = 16;
const BUTTON: u32 = 17;
const NOBR: u32 = 18;
const CAPTION: u32 = 19;
const COLGROUP: u32 = 20;
const COL: u32 = 21;
const FORM: u32 = 22;
const PLAINTEXT: u32 = 23;
const TEMPLATE: u32 = 24;
const INPUT: u32 = 25;
const H1: u32 = 26;
const H6: u32 = 31;

/// Flags of an HTML element name (lowercase).
fn html_flags(name: &[u8]) -> u32 {
    let mut f = 0;
    let is = |list: &[&str]| list.iter().any(|n| n.as_bytes() == name);
    if is(&[
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
        "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
    ]) {
        f |= VOID;
    }
    if is(&[
        "script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea", "title",
    ]) {
        f |= RAW;
    }
    if is(&[
        "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt",
        "u",
    ]) {
        f |= FORMATTING;
    }
    if is(&[
        "address",
        "applet",
        "area",
        "article",
        "aside",
        "base",
        "basefont",
        "bgsound",
        "blockquote",
        "body",
        "br",
        "button",
        "caption",
        "center",
        "col",
        "colgroup",
        "dd",
        "details",
        "dir",
        "div",
        "dl",
        "dt",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "frame",
        "frameset",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "iframe",
        "img",
        "input",
        "li",
        "link",
        "listing",
        "main",
        "marquee",
        "menu",
        "meta",
        "nav",
        "noembed",
        "noframes",
        "noscript",
        "object",
        "ol",
        "p",
        "param",
        "plaintext",
        "pre",
        "script",
        "section",
        "select",
        "source",
        "style",
        "summary",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "title",
        "tr",
        "track",
        "ul",
        "wbr",
        "xmp",
    ]) {
        f |= SPECIAL;
        if !is(&["address", "div", "p"]) {
            f |= LIST_BLOCK;
        }
    }
    if is(&[
        "applet", "caption", "html", "table", "td", "th", "marquee", "object", "select", "template",
    ]) {
        f |= SCOPE;
    }
    if name == b"button" {
        f |= BUTTON_SCOPE;
    }
    if is(&["html", "table", "template"]) {
        f |= TABLE_SCOPE;
    }
    if is(&[
        "applet", "marquee", "object", "td", "th", "caption", "template",
    ]) {
        f |= MARKER;
    }
    if is(&[
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "header",
        "hgroup",
        "main",
        "nav",
        "ol",
        "p",
        "search",
        "section",
        "summary",
        "ul",
        "menu",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "listing",
        "form",
        "li",
        "dd",
        "dt",
        "plaintext",
        "xmp",
        "hr",
    ]) {
        f |= CLOSES_P;
    }
    if is(&["html", "head", "body", "frameset"]) {
        f |= IGNORED;
    }
    if is(&["h1", "h2", "h3", "h4", "h5", "h6"]) {
        f |= HEADING;
    }
    if is(&["table", "tbody", "thead", "tfoot", "tr"]) {
        f |= TABLE_STRUCT;
    }
    if is(&["rb", "rp", "rt", "rtc"]) {
        f |= RUBY;
    }
    if is(&[
        "table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "template",
    ]) {
        f |= TABLE_PART;
    }
    let special = f & SPECIAL != 0;
    if (!special && f & RUBY == 0)
        || is(&[
            "button", "applet", "marquee", "object", "area", "br", "embed", "img", "keygen", "wbr",
            "input", "xmp", "select",
        ])
    {
        f |= RECONSTRUCT;
    }
    f
}

/// Flags of a foreign (SVG or MathML) element name (lowercase).
fn foreign_flags(ns: u8, name: &[u8]) -> u32 {
    let integration = match ns {
        NS_SVG => matches!(name, b"foreignobject" | b"desc" | b"title"),
        _ => matches!(name, b"mi" | b"mo" | b"mn" | b"ms" | b"mtext"),
    };
    if integration { SCOPE | INTEGRATION } else { 0 }
}

/// HTML start tags that end foreign content (`font` only with a `color`,
/// `face` or `size` attribute).
fn is_breakout(name: &[u8], font_attr: bool) -> bool {
    matches!(
        name,
        b"b" | b"big"
            | b"blockquote"
            | b"body"
            | b"br"
            | b"center"
            | b"code"
            | b"dd"
            | b"div"
            | b"dl"
            | b"dt"
            | b"em"
            | b"embed"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"head"
            | b"hr"
            | b"i"
            | b"img"
            | b"li"
            | b"listing"
            | b"menu"
            | b"meta"
            | b"nobr"
            | b"ol"
            | b"p"
            | b"pre"
            | b"ruby"
            | b"s"
            | b"small"
            | b"span"
            | b"strong"
            | b"strike"
            | b"sub"
            | b"sup"
            | b"table"
            | b"tt"
            | b"u"
            | b"ul"
            | b"var"
    ) || (name == b"font" && font_attr)
}

/// One entry of the modelled stack of open elements. Positions are 1-based
/// indexes into the stack, 0 meaning "none".
struct Open {
    name: u32,
    serial: u64,
    ns: u8,
    /// Removed from the stack out of order (adoption agency, `</form>`)
    /// while elements above it stay open.
    alive: bool,
    /// The next lower live entry with the same name.
    prev_same: u32,
    // The topmost entry of each kind at or below this one.
    scope: u32,
    button_scope: u32,
    special: u32,
    list_block: u32,
    table_scope: u32,
    /// `table`, `tbody`, `thead`, `tfoot`, `tr`, `td`, `th`, `caption`,
    /// `template`: the topmost one tells html5ever's insertion mode.
    table_part: u32,
    html: u32,
}

/// An entry of the modelled list of active formatting elements.
#[derive(Clone, Copy)]
enum Active {
    Marker,
    Element {
        name: u32,
        /// Hash of the attributes (for the "Noah's Ark" clause).
        key: u64,
        pos: u32,
        serial: u64,
    },
}

/// What follows a start tag.
enum Flow {
    Markup,
    /// Raw text up to the end tag of this name.
    Raw,
    /// `<plaintext>`: the rest of the page is text.
    Plaintext,
}

/// Per-name state: flags and the topmost live open element of that name.
struct NameInfo {
    flags: u32,
    last: u32,
}

/// Estimates, in one linear pass over the decoded text and without
/// building a tree, how deep html5ever's stack of open elements gets, and
/// fails as soon as the estimate exceeds the limit.
///
/// It is a small model of html5ever's tree builder, made to err on the deep
/// side where it simplifies:
/// - tokenizing: tags (quoted attribute values may hold `>`), comments,
///   `<!…>`/`<?…>`/`</…>` bogus comments, raw-text elements (`script`,
///   `style`, `title`, `textarea`, `xmp`, `iframe`, `noembed`, `noframes`,
///   `noscript` — their content is never markup), `<plaintext>`, CDATA in
///   SVG/MathML; a `<` not followed by a letter, `/`, `!` or `?` is text;
/// - void elements (`br`, `img`, `meta`, `input`, …) are not counted; `/>`
///   only counts as self-closing inside SVG/MathML, since html5ever ignores
///   it on HTML elements (`<div/>` opens a `div`); `html`, `head`, `body`
///   are not counted;
/// - auto-closing: `<p>` and block start tags close an open `<p>` in button
///   scope; `<li>`, `<dd>`/`<dt>` close an open one unless a block element
///   lies between; `<td>`/`<th>` close an open cell, `<tr>` an open row,
///   `<tbody>`/`<thead>`/`<tfoot>`/`<caption>` everything inside the table;
///   `<tr>` and cells outside a row add the `tbody`/`tr` html5ever implies;
///   table parts outside any table are ignored; a heading closes an open
///   heading, `<option>` an open option, `<rt>`/`<rp>`/… an open one;
/// - end tags close up to their element only if it is in the right scope
///   (default, button, list-item or table scope, or before any special
///   element for generic tags such as `</span>`), as html5ever does, so a
///   stray end tag cannot make the estimate drop;
/// - formatting elements (`b`, `font`, `a`, …) are tracked on a list of
///   active formatting elements with markers (cells, captions, `object`) and
///   the "Noah's Ark" limit of three identical entries; they are reopened
///   before text and inline start tags after an implicit close, as html5ever
///   does, since that is how `<p><b>x</p>` repeated nests ever deeper; their
///   end tags run a simplified adoption agency (an element with a block open
///   above it is removed from the stack alone, the block stays open);
/// - SVG/MathML: `/>` is honoured, the HTML-only tags above end foreign
///   content, raw-text rules do not apply inside it.
///
/// Counted: every element html5ever would have open, except `html`, `body`
/// and `head`. An unclosed `<p>`, `<li>`, `<td>` or `<tr>` therefore costs
/// nothing, while `<div>` or `<table><tr><td>` nested 60,000 deep fails
/// after a few hundred tags. The work is linear in the text except where
/// html5ever's own work is not (long runs of misnested formatting
/// elements), and its memory is bounded by the limit and the number of
/// distinct tag names.
struct DepthScan<'t> {
    text: &'t [u8],
    limit: usize,
    names: Vec<NameInfo>,
    index: HashMap<Vec<u8>, u32>,
    stack: Vec<Open>,
    active: Vec<Active>,
    /// Live entries of `stack`.
    depth: usize,
    /// The deepest `depth` seen (for tests).
    max_seen: usize,
    serial: u64,
}

impl<'t> DepthScan<'t> {
    fn new(text: &'t str, limit: usize) -> Self {
        let mut scan = DepthScan {
            text: text.as_bytes(),
            limit,
            names: Vec::new(),
            index: HashMap::new(),
            stack: Vec::new(),
            active: Vec::new(),
            depth: 0,
            max_seen: 0,
            serial: 0,
        };
        for name in FIXED {
            scan.intern(NS_HTML, name.as_bytes());
        }
        scan
    }

    /// Runs the scan over the whole text.
    fn run(&mut self) -> Result<(), HtmlError> {
        let b = self.text;
        let mut pos = 0;
        while pos < b.len() {
            let lt = memchr::memchr(b'<', &b[pos..]).map_or(b.len(), |o| pos + o);
            if lt > pos {
                self.characters(pos, lt)?;
            }
            if lt >= b.len() {
                break;
            }
            match self.markup(lt)? {
                Some(next) => pos = next,
                None => break,
            }
        }
        Ok(())
    }

    /// Handles the markup (or literal `<`) at `lt`; returns where scanning
    /// continues, `None` when the rest of the text is not markup.
    fn markup(&mut self, lt: usize) -> Result<Option<usize>, HtmlError> {
        let b = self.text;
        match b.get(lt + 1) {
            Some(c) if c.is_ascii_alphabetic() => self.tag(lt, false),
            Some(b'/') => match b.get(lt + 2) {
                Some(c) if c.is_ascii_alphabetic() => self.tag(lt, true),
                Some(b'>') => Ok(Some(lt + 3)),
                Some(_) => Ok(memchr::memchr(b'>', &b[lt + 2..]).map(|o| lt + 2 + o + 1)),
                None => Ok(None),
            },
            Some(b'!') => {
                if b[lt..].starts_with(b"<!--") {
                    Ok(comment_len(&b[lt..]).map(|len| lt + len))
                } else if self.in_foreign() && b[lt..].starts_with(b"<![CDATA[") {
                    Ok(memchr::memmem::find(&b[lt + 9..], b"]]>").map(|o| lt + 9 + o + 3))
                } else {
                    Ok(memchr::memchr(b'>', &b[lt + 2..]).map(|o| lt + 2 + o + 1))
                }
            }
            Some(b'?') => Ok(memchr::memchr(b'>', &b[lt + 1..]).map(|o| lt + 1 + o + 1)),
            _ => {
                self.characters(lt, lt + 1)?;
                Ok(Some(lt + 1))
            }
        }
    }

    /// A start or end tag at `lt`.
    fn tag(&mut self, lt: usize, end: bool) -> Result<Option<usize>, HtmlError> {
        let b = self.text;
        let name_start = lt + 1 + usize::from(end);
        let name_end = tag_name_end(b, name_start);
        let mut buf = [0u8; NAME_MAX];
        let raw_name = &b[name_start..name_end];
        let n = raw_name.len().min(NAME_MAX);
        for (d, s) in buf.iter_mut().zip(raw_name) {
            *d = s.to_ascii_lowercase();
        }
        let name = &buf[..n];
        let mut attrs: Vec<(&[u8], &[u8])> = Vec::new();
        let Some(tag) = parse_attrs(b, name_end, |k, v| {
            if !end {
                attrs.push((k, v));
            }
        }) else {
            return Ok(None);
        };
        if end {
            self.end_tag(name);
            return Ok(Some(tag.end));
        }
        match self.start_tag(name, &attrs, tag.self_closing, lt)? {
            Flow::Markup => Ok(Some(tag.end)),
            Flow::Plaintext => Ok(None),
            Flow::Raw => Ok(raw_text_end(b, tag.end, raw_name)),
        }
    }

    // --- the stack -------------------------------------------------------

    fn intern(&mut self, ns: u8, name: &[u8]) -> u32 {
        let mut key = Vec::with_capacity(name.len() + 1);
        key.push(ns);
        key.extend_from_slice(name);
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        let flags = if ns == NS_HTML {
            html_flags(name)
        } else {
            foreign_flags(ns, name)
        };
        self.names.push(NameInfo { flags, last: 0 });
        self.index.insert(key, id);
        id
    }

    fn lookup(&self, ns: u8, name: &[u8]) -> Option<u32> {
        let mut key = [0u8; NAME_MAX + 1];
        key[0] = ns;
        key[1..=name.len()].copy_from_slice(name);
        self.index.get(&key[..=name.len()]).copied()
    }

    fn flags(&self, id: u32) -> u32 {
        self.names.get(id as usize).map_or(0, |n| n.flags)
    }

    /// Position of the topmost live element with this name (0: none).
    fn last(&self, id: u32) -> u32 {
        self.names.get(id as usize).map_or(0, |n| n.last)
    }

    fn current(&self) -> Option<&Open> {
        self.stack.last()
    }

    fn current_is(&self, flag: u32) -> bool {
        self.current()
            .is_some_and(|o| o.ns == NS_HTML && self.flags(o.name) & flag != 0)
    }

    fn current_named(&self, id: u32) -> bool {
        self.current().is_some_and(|o| o.name == id)
    }

    /// html5ever is in one of the "in table", "in table body", "in row"
    /// insertion modes: the topmost table part is the table, a row group or
    /// a row (not a cell or a caption).
    fn in_table_mode(&self) -> bool {
        let part = self.top(|o| o.table_part);
        part != 0
            && self
                .stack
                .get(part as usize - 1)
                .is_some_and(|o| self.flags(o.name) & TABLE_STRUCT != 0)
    }

    /// The topmost table part is a cell or a caption.
    fn in_cell_or_caption(&self) -> bool {
        let part = self.top(|o| o.table_part);
        part != 0
            && self
                .stack
                .get(part as usize - 1)
                .is_some_and(|o| matches!(o.name, TD | TH | CAPTION))
    }

    /// Inside SVG/MathML, outside an integration point.
    fn in_foreign(&self) -> bool {
        self.current()
            .is_some_and(|o| o.ns != NS_HTML && self.flags(o.name) & INTEGRATION == 0)
    }

    fn top(&self, field: fn(&Open) -> u32) -> u32 {
        self.current().map_or(0, field)
    }

    fn len(&self) -> u32 {
        u32::try_from(self.stack.len()).unwrap_or(u32::MAX)
    }

    /// Pushes an element; fails when the depth goes over the limit.
    fn push(&mut self, id: u32, ns: u8, at: usize) -> Result<u32, HtmlError> {
        let pos = self.len().saturating_add(1);
        let f = self.flags(id);
        let pick = |own: bool, field: fn(&Open) -> u32| {
            if own { pos } else { self.top(field) }
        };
        let serial = self.serial + 1;
        let open = Open {
            name: id,
            serial,
            ns,
            alive: true,
            prev_same: self.last(id),
            scope: pick(f & SCOPE != 0, |o| o.scope),
            button_scope: pick(f & (SCOPE | BUTTON_SCOPE) != 0, |o| o.button_scope),
            special: pick(ns == NS_HTML && f & SPECIAL != 0, |o| o.special),
            list_block: pick(ns == NS_HTML && f & LIST_BLOCK != 0, |o| o.list_block),
            table_scope: pick(ns == NS_HTML && f & TABLE_SCOPE != 0, |o| o.table_scope),
            table_part: pick(ns == NS_HTML && f & TABLE_PART != 0, |o| o.table_part),
            html: pick(ns == NS_HTML, |o| o.html),
        };
        self.serial = serial;
        self.stack.push(open);
        if let Some(info) = self.names.get_mut(id as usize) {
            info.last = pos;
        }
        self.depth += 1;
        self.max_seen = self.max_seen.max(self.depth);
        if self.depth > self.limit {
            return Err(HtmlError::TooDeep {
                depth: self.depth,
                offset: at,
                limit: self.limit,
            });
        }
        Ok(pos)
    }

    /// Pops the current element.
    fn pop(&mut self) {
        if let Some(open) = self.stack.pop()
            && open.alive
        {
            self.depth -= 1;
            if let Some(info) = self.names.get_mut(open.name as usize) {
                info.last = open.prev_same;
            }
        }
        self.drop_dead_top();
    }

    /// Pops to (`above`: until just above) `pos` as html5ever closes a
    /// table part: when that closes a cell or a caption, the active list is
    /// cleared to its last marker, once (html5ever's "close the cell").
    fn pop_table(&mut self, pos: u32, above: bool) {
        let clear = self.in_cell_or_caption();
        if above {
            self.pop_above(pos);
        } else {
            self.pop_to(pos);
        }
        if clear {
            self.clear_active_to_marker();
        }
    }

    /// Pops to `pos` and clears the active list to its last marker (end tags
    /// of `applet`, `marquee`, `object`, `template`). Elsewhere, elements
    /// that put a marker on the list leave it behind when popped, as in
    /// html5ever.
    fn pop_marker(&mut self, pos: u32) {
        self.pop_to(pos);
        self.clear_active_to_marker();
    }

    fn drop_dead_top(&mut self) {
        while self.stack.last().is_some_and(|o| !o.alive) {
            self.stack.pop();
        }
    }

    /// Pops elements until the one at `pos` is popped too.
    fn pop_to(&mut self, pos: u32) {
        while pos != 0 && self.len() >= pos {
            self.pop();
        }
    }

    /// Pops elements until the one at `pos` is current.
    fn pop_above(&mut self, pos: u32) {
        while self.len() > pos {
            self.pop();
        }
    }

    /// Removes the element at `pos` from the stack, leaving the elements
    /// above it open.
    fn remove(&mut self, pos: u32) {
        if pos == 0 {
            return;
        }
        if pos == self.len() {
            self.pop();
            return;
        }
        let Some(open) = self.stack.get_mut(pos as usize - 1) else {
            return;
        };
        if !open.alive {
            return;
        }
        open.alive = false;
        let (id, prev) = (open.name, open.prev_same);
        self.depth -= 1;
        // Unlink it from its name's chain.
        let mut cur = self.last(id);
        if cur == pos {
            if let Some(info) = self.names.get_mut(id as usize) {
                info.last = prev;
            }
        } else {
            while cur != 0 {
                let Some(entry) = self.stack.get_mut(cur as usize - 1) else {
                    break;
                };
                if entry.prev_same == pos {
                    entry.prev_same = prev;
                    break;
                }
                cur = entry.prev_same;
            }
        }
    }

    // --- active formatting elements --------------------------------------

    fn in_stack(&self, pos: u32, serial: u64) -> bool {
        pos != 0
            && self
                .stack
                .get(pos as usize - 1)
                .is_some_and(|o| o.alive && o.serial == serial)
    }

    fn clear_active_to_marker(&mut self) {
        while let Some(entry) = self.active.pop() {
            if matches!(entry, Active::Marker) {
                break;
            }
        }
    }

    /// Index of the first entry after the last marker.
    fn active_start(&self) -> usize {
        self.active
            .iter()
            .rposition(|e| matches!(e, Active::Marker))
            .map_or(0, |i| i + 1)
    }

    /// The last active entry (after the last marker) with this name.
    fn find_active(&self, id: u32) -> Option<usize> {
        let start = self.active_start();
        (start..self.active.len())
            .rev()
            .find(|&i| matches!(self.active[i], Active::Element { name, .. } if name == id))
    }

    /// Pushes a formatting element and records it, dropping the earliest of
    /// three identical entries first.
    fn push_formatting(&mut self, id: u32, key: u64, at: usize) -> Result<(), HtmlError> {
        let start = self.active_start();
        let mut first = None;
        let mut same = 0;
        for i in start..self.active.len() {
            if let Active::Element { name, key: k, .. } = self.active[i]
                && name == id
                && k == key
            {
                first.get_or_insert(i);
                same += 1;
            }
        }
        if same >= 3
            && let Some(i) = first
        {
            self.active.remove(i);
        }
        let pos = self.push(id, NS_HTML, at)?;
        self.active.push(Active::Element {
            name: id,
            key,
            pos,
            serial: self.serial,
        });
        Ok(())
    }

    fn needs_reconstruct(&self) -> bool {
        matches!(self.active.last(), Some(&Active::Element { pos, serial, .. }) if !self.in_stack(pos, serial))
    }

    /// Reopens the formatting elements closed implicitly since the last
    /// marker or open one.
    fn reconstruct(&mut self, at: usize) -> Result<(), HtmlError> {
        if !self.needs_reconstruct() {
            return Ok(());
        }
        let mut i = self.active.len() - 1;
        while i > 0 {
            match self.active[i - 1] {
                Active::Marker => break,
                Active::Element { pos, serial, .. } if self.in_stack(pos, serial) => break,
                Active::Element { .. } => i -= 1,
            }
        }
        for j in i..self.active.len() {
            if let Active::Element { name, key, .. } = self.active[j] {
                let pos = self.push(name, NS_HTML, at)?;
                self.active[j] = Active::Element {
                    name,
                    key,
                    pos,
                    serial: self.serial,
                };
            }
        }
        Ok(())
    }

    /// The adoption agency for an end tag (or a misnested `<a>`/`<nobr>`),
    /// simplified. `false` when the name is not on the active list (then the
    /// tag is a generic end tag).
    fn adoption_agency(&mut self, id: u32) -> bool {
        // The current element, when it has this name and is not on the list
        // (the Noah's Ark clause dropped it), is simply popped.
        if let Some(cur) = self.current()
            && cur.name == id
            && cur.ns == NS_HTML
            && self.active_index(cur.serial).is_none()
        {
            self.pop();
            return true;
        }
        let Some(i) = self.find_active(id) else {
            return false;
        };
        let Active::Element { pos, serial, .. } = self.active[i] else {
            return false;
        };
        if !self.in_stack(pos, serial) {
            self.active.remove(i);
            return true;
        }
        if pos <= self.top(|o| o.scope) {
            return true; // not in scope: ignored
        }
        // With special elements ("furthest blocks") open above it, html5ever
        // moves the formatting element past one of them per round (at most
        // 8 rounds); once none is left above it, it pops it together with
        // everything above it. So: the element goes, and so does everything
        // above the topmost special element, if 8 rounds suffice. (The
        // elements it removes between the two are kept here.)
        let top_special = self.top(|o| o.special);
        if top_special > pos {
            let specials = self.stack[pos as usize..]
                .iter()
                .filter(|o| o.alive && o.ns == NS_HTML && self.flags(o.name) & SPECIAL != 0)
                .take(8)
                .count();
            self.remove(pos);
            if specials < 8 {
                self.pop_above(top_special);
            }
        } else {
            self.pop_to(pos);
        }
        if let Some(k) = self.active_index(serial) {
            self.active.remove(k);
        }
        true
    }

    /// A start tag of a formatting element that is still active (`<a>`
    /// inside `<a>`): the adoption agency runs, then the old element leaves
    /// the list and the stack.
    fn misnested(&mut self, id: u32) {
        let Some(i) = self.find_active(id) else {
            return;
        };
        let Active::Element { pos, serial, .. } = self.active[i] else {
            return;
        };
        self.adoption_agency(id);
        if let Some(k) = self.active_index(serial) {
            self.active.remove(k);
        }
        if self.in_stack(pos, serial) {
            self.remove(pos);
        }
    }

    /// Index on the active list of the element with this serial.
    fn active_index(&self, serial: u64) -> Option<usize> {
        self.active
            .iter()
            .rposition(|e| matches!(*e, Active::Element { serial: s, .. } if s == serial))
    }

    // --- tokens ----------------------------------------------------------

    /// Text from `start` to `end`.
    fn characters(&mut self, start: usize, end: usize) -> Result<(), HtmlError> {
        let colgroup = self.current_named(COLGROUP);
        if !colgroup && !self.needs_reconstruct() {
            return Ok(());
        }
        let blank = self.text[start..end].iter().all(|&c| is_space(c));
        if colgroup && !blank {
            self.pop(); // a column group holds no text
        }
        // Whitespace in table structure is not text (html5ever keeps it in
        // the table); anything else reopens formatting elements.
        if !blank || !self.current_is(TABLE_STRUCT) {
            self.reconstruct(start)?;
        }
        Ok(())
    }

    fn start_tag(
        &mut self,
        name: &[u8],
        attrs: &[(&[u8], &[u8])],
        self_closing: bool,
        at: usize,
    ) -> Result<Flow, HtmlError> {
        if self.in_foreign() {
            let font_attr = name == b"font"
                && attrs.iter().any(|(k, _)| {
                    k.eq_ignore_ascii_case(b"color")
                        || k.eq_ignore_ascii_case(b"face")
                        || k.eq_ignore_ascii_case(b"size")
                });
            if !is_breakout(name, font_attr) {
                let ns = self.current().map_or(NS_SVG, |o| o.ns);
                let id = self.intern(ns, name);
                if !self_closing {
                    self.push(id, ns, at)?;
                }
                return Ok(Flow::Markup);
            }
            while self.in_foreign() {
                self.pop();
            }
        }
        if (name == b"svg" || name == b"math") && self.current_named(COLGROUP) {
            self.pop();
        }
        if name == b"svg" || name == b"math" {
            self.reconstruct(at)?;
            if !self_closing {
                let ns = if name == b"svg" { NS_SVG } else { NS_MATH };
                let id = self.intern(ns, name);
                self.push(id, ns, at)?;
            }
            return Ok(Flow::Markup);
        }
        let id = self.intern(NS_HTML, name);
        let f = self.flags(id);
        if f & IGNORED != 0 {
            return Ok(Flow::Markup);
        }
        // A column group holds only `col`s: anything else closes it.
        if self.current_named(COLGROUP) && !matches!(id, COL | TEMPLATE) {
            self.pop();
        }
        let table = self.last(TABLE);
        // html5ever parses table parts in a `<template>` (not in a table in
        // it) by modes this scan does not model: they are pushed as they
        // come, and never closed except with the template (see `end_tag`).
        let template = self.last(TEMPLATE) > table;
        match id {
            LI => {
                self.close_list_item(&[LI]);
                self.close_p();
            }
            DD | DT => {
                self.close_list_item(&[DD, DT]);
                self.close_p();
            }
            H1..=H6 => {
                self.close_p();
                if self.current_is(HEADING) {
                    self.pop();
                }
            }
            BUTTON => {
                let button = self.last(BUTTON);
                if button != 0 && button > self.top(|o| o.scope) {
                    self.pop_to(button);
                }
                self.reconstruct(at)?;
            }
            A => {
                self.misnested(A);
                self.reconstruct(at)?;
            }
            NOBR => {
                self.reconstruct(at)?;
                let nobr = self.last(NOBR);
                if nobr != 0 && nobr > self.top(|o| o.scope) {
                    self.misnested(NOBR);
                    self.reconstruct(at)?;
                }
            }
            SELECT => {
                let select = self.last(SELECT);
                if select != 0 && select >= self.top(|o| o.scope) {
                    self.pop_to(select);
                    return Ok(Flow::Markup);
                }
                self.reconstruct(at)?;
            }
            INPUT => {
                // An input closes an open select.
                let select = self.last(SELECT);
                if select != 0 && select >= self.top(|o| o.scope) {
                    self.pop_to(select);
                }
                self.reconstruct(at)?;
            }
            OPTION => {
                if self.current_named(OPTION) {
                    self.pop();
                }
                self.reconstruct(at)?;
            }
            OPTGROUP => {
                while self.current_named(OPTION) || self.current_named(OPTGROUP) {
                    self.pop();
                }
                self.reconstruct(at)?;
            }
            TABLE => {
                // In a table (not in one of its cells or its caption), a
                // table start tag closes that table, even when the current
                // element was moved out of it (foster parenting). Among table
                // parts of a template, it is ignored.
                let part = self.top(|o| o.table_part);
                if template && part > self.last(TEMPLATE) {
                    return Ok(Flow::Markup);
                }
                if self.in_table_mode() {
                    if table != 0 && table >= self.top(|o| o.table_scope) {
                        self.pop_to(table);
                    } else {
                        return Ok(Flow::Markup); // ignored
                    }
                }
            }
            CAPTION | COLGROUP | COL | TBODY | THEAD | TFOOT | TR | TD | TH if template => {}
            CAPTION | COLGROUP | COL | TBODY | THEAD | TFOOT => {
                if table == 0 {
                    return Ok(Flow::Markup); // ignored outside tables
                }
                self.pop_table(table, true);
            }
            TR => {
                if table == 0 {
                    return Ok(Flow::Markup);
                }
                self.table_body_context(at)?;
            }
            TD | TH => {
                if table == 0 {
                    return Ok(Flow::Markup);
                }
                let row = self.last(TR);
                if row > table {
                    self.pop_table(row, true);
                } else {
                    self.table_body_context(at)?;
                    self.push(TR, NS_HTML, at)?;
                }
            }
            _ => {
                if f & CLOSES_P != 0 {
                    self.close_p();
                }
                if f & RUBY != 0 && self.current_is(RUBY) {
                    self.pop();
                }
                if f & RECONSTRUCT != 0 {
                    self.reconstruct(at)?;
                }
            }
        }
        if f & VOID != 0 {
            return Ok(Flow::Markup);
        }
        if f & RAW != 0 {
            self.push(id, NS_HTML, at)?;
            self.pop();
            return Ok(Flow::Raw);
        }
        if f & FORMATTING != 0 {
            self.push_formatting(id, attrs_key(attrs), at)?;
            return Ok(Flow::Markup);
        }
        self.push(id, NS_HTML, at)?;
        if f & MARKER != 0 {
            self.active.push(Active::Marker);
        }
        Ok(if id == PLAINTEXT {
            Flow::Plaintext
        } else {
            Flow::Markup
        })
    }

    /// Before a `<tr>`: closes everything inside the current row group, or
    /// opens the `tbody` html5ever implies.
    fn table_body_context(&mut self, at: usize) -> Result<(), HtmlError> {
        let table = self.last(TABLE);
        let group = self.last(TBODY).max(self.last(THEAD)).max(self.last(TFOOT));
        if group > table {
            self.pop_table(group, true);
        } else {
            self.pop_table(table, true);
            self.push(TBODY, NS_HTML, at)?;
        }
        Ok(())
    }

    /// Closes an open `li` (or `dd`/`dt`) unless a block element other than
    /// `address`, `div`, `p` is open above it.
    fn close_list_item(&mut self, ids: &[u32]) {
        let item = ids.iter().map(|&id| self.last(id)).max().unwrap_or(0);
        if item != 0 && item == self.top(|o| o.list_block) {
            self.pop_to(item);
        }
    }

    /// Closes an open `<p>` in button scope.
    fn close_p(&mut self) {
        let p = self.last(P);
        if p != 0 && p > self.top(|o| o.button_scope) {
            self.pop_to(p);
        }
    }

    fn end_tag(&mut self, name: &[u8]) {
        if matches!(name, b"p" | b"br") {
            // These end foreign content, like the breakout start tags.
            while self.in_foreign() {
                self.pop();
            }
        }
        if self.current().is_some_and(|o| o.ns != NS_HTML) {
            let svg = self.lookup(NS_SVG, name).map_or(0, |id| self.last(id));
            let math = self.lookup(NS_MATH, name).map_or(0, |id| self.last(id));
            let foreign = svg.max(math);
            if foreign != 0 && foreign > self.top(|o| o.html) {
                self.pop_to(foreign);
                return;
            }
        }
        let Some(id) = self.lookup(NS_HTML, name) else {
            return; // never opened
        };
        let open = self.last(id);
        if open == 0 {
            return;
        }
        let f = self.flags(id);
        let scope = self.top(|o| o.scope);
        match id {
            P => {
                if open > self.top(|o| o.button_scope) {
                    self.pop_to(open);
                }
            }
            LI => {
                if open > scope.max(self.last(UL)).max(self.last(OL)) {
                    self.pop_to(open);
                }
            }
            H1..=H6 => {
                let heading = (H1..=H6).map(|h| self.last(h)).max().unwrap_or(0);
                if heading > scope {
                    self.pop_to(heading);
                }
            }
            FORM => {
                if open > scope {
                    self.remove(open);
                }
            }
            TABLE | TBODY | THEAD | TFOOT | TR | TD | TH | CAPTION => {
                let in_template = self.last(TEMPLATE) > self.last(TABLE);
                if open >= self.top(|o| o.table_scope) && (id == TABLE || !in_template) {
                    self.pop_table(open, false);
                }
            }
            TEMPLATE => self.pop_marker(open),
            COLGROUP => {
                if self.current_named(COLGROUP) {
                    self.pop();
                }
            }
            _ if f & FORMATTING != 0 => {
                if !self.adoption_agency(id) {
                    self.generic_end_tag(id);
                }
            }
            _ if f & SPECIAL != 0 => {
                if open >= scope {
                    if f & MARKER != 0 {
                        self.pop_marker(open); // applet, marquee, object
                    } else {
                        self.pop_to(open);
                    }
                }
            }
            _ => self.generic_end_tag(id),
        }
    }

    /// "Any other end tag": closes the element if no special element is open
    /// above it.
    fn generic_end_tag(&mut self, id: u32) {
        let open = self.last(id);
        if open != 0 && open >= self.top(|o| o.special) {
            self.pop_to(open);
        }
    }
}

/// Where the raw text of the element `name` (started before `from`) ends:
/// the position of its end tag `</name` followed by whitespace, `/` or `>`.
/// `None` when it runs to the end of the text.
fn raw_text_end(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut pos = from;
    loop {
        let lt = pos + memchr::memmem::find(&b[pos..], b"</")?;
        let name_end = lt + 2 + name.len();
        if b.get(lt + 2..name_end)
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
            && b.get(name_end)
                .is_some_and(|&c| is_space(c) || c == b'/' || c == b'>')
        {
            return Some(lt);
        }
        pos = lt + 2;
    }
}

/// Attributes as html5ever compares them for the Noah's Ark clause: names
/// (lowercase) and values, in any order.
fn attrs_key(attrs: &[(&[u8], &[u8])]) -> u64 {
    let mut pairs: Vec<(Vec<u8>, &[u8])> = attrs
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), *v))
        .collect();
    pairs.sort();
    pairs.dedup_by(|a, b| a.0 == b.0);
    let mut h = DefaultHasher::new();
    pairs.hash(&mut h);
    h.finish()
}

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

/// A node of the parsed page (`ego_tree::NodeRef<'a, Node>`, named through
/// `ElementRef` so that `ego_tree` need not be a dependency).
type NodeRef<'a> = <ElementRef<'a> as Deref>::Target;

/// Widest `colspan` honoured (the HTML standard's limit).
const MAX_COLSPAN: usize = 1000;
/// Tallest `rowspan` honoured (`rowspan=0`, "to the end of the row group",
/// counts as this).
const MAX_ROWSPAN: usize = 10_000;
/// Columns beyond this are not tracked for `rowspan`.
const MAX_GRID_WIDTH: usize = 4096;
/// How many empty cells `colspan`/`rowspan` may create in one page, plus
/// the columns a `rowspan` may mark: beyond it, further spans are ignored
/// (cells keep their content but no longer line up). Real tables use a few
/// per row; the budget keeps `<td colspan=1000 rowspan=10000>` repeated from
/// allocating gigabytes.
pub const GRID_BUDGET: usize = 1 << 20;

const XHTML: &str = "http://www.w3.org/1999/xhtml";

/// How the walk treats an element.
enum Kind {
    /// Not content: skipped with everything inside.
    Skip,
    Table,
    Row,
    /// `<br>`: a line break.
    Break,
    /// Block-level: a paragraph boundary before and after.
    Block,
    /// Block-level, line breaks in its text are significant.
    Pre,
    /// A form control: the text it shows, computed from the subtree.
    Control,
    /// Anything else: its content is read as if the tags were not there.
    Inline,
}

fn kind(e: &Element) -> Kind {
    if &*e.name.ns != XHTML {
        return Kind::Inline;
    }
    match e.name() {
        "head" | "script" | "style" | "template" | "title" | "noscript" | "iframe" | "noembed"
        | "noframes" => Kind::Skip,
        "table" => Kind::Table,
        "tr" => Kind::Row,
        "br" => Kind::Break,
        "pre" | "listing" | "xmp" | "plaintext" | "textarea" => Kind::Pre,
        "input" | "select" => Kind::Control,
        "address" | "article" | "aside" | "blockquote" | "body" | "caption" | "center" | "dd"
        | "details" | "dialog" | "dir" | "div" | "dl" | "dt" | "fieldset" | "figcaption"
        | "figure" | "footer" | "form" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "header"
        | "hgroup" | "hr" | "html" | "legend" | "li" | "main" | "menu" | "nav" | "ol"
        | "optgroup" | "option" | "p" | "search" | "section" | "summary" | "tbody" | "td"
        | "tfoot" | "th" | "thead" | "ul" => Kind::Block,
        _ => Kind::Inline,
    }
}

/// Builds one cell (or text block) as an HTML fragment for the clean stage:
/// text with `&` and `<` escaped, `<br>` between paragraphs, never leading
/// or doubled breaks.
#[derive(Default)]
struct Writer {
    buf: String,
    /// Non-whitespace text has been written.
    has_text: bool,
    /// A paragraph break is due before the next text.
    pending: bool,
}

impl Writer {
    fn brk(&mut self) {
        if self.has_text {
            self.pending = true;
        }
    }

    /// Text of a text node; `pre`: inside an element where line breaks are
    /// paragraph breaks.
    fn text(&mut self, s: &str, pre: bool) {
        if pre {
            for (i, line) in s.split('\n').enumerate() {
                if i > 0 {
                    self.brk();
                }
                self.chunk(line);
            }
        } else {
            self.chunk(s);
        }
    }

    fn chunk(&mut self, s: &str) {
        if s.trim().is_empty() {
            if !self.pending {
                self.buf.extend(s.chars().map(|c| match c {
                    '\t' | '\n' | '\r' | '\0' => ' ',
                    c => c,
                }));
            }
            return;
        }
        if self.pending {
            self.buf.push_str("<br>");
            self.pending = false;
        }
        for c in s.chars() {
            match c {
                '&' => self.buf.push_str("&amp;"),
                '<' => self.buf.push_str("&lt;"),
                '\t' | '\n' | '\r' => self.buf.push(' '),
                '\0' => {}
                c => self.buf.push(c),
            }
        }
        self.has_text = true;
    }

    fn take(&mut self) -> Cow<'static, str> {
        let w = std::mem::take(self);
        if w.has_text {
            Cow::Owned(w.buf)
        } else {
            Cow::Borrowed("")
        }
    }
}

/// A step of an iterative walk.
enum Visit<'a> {
    Enter(NodeRef<'a>),
    Exit(NodeRef<'a>),
}

fn push_children<'a>(stack: &mut Vec<Visit<'a>>, node: NodeRef<'a>) {
    stack.extend(node.children().rev().map(Visit::Enter));
}

/// Row-span state of one table.
#[derive(Default)]
struct Grid<'a> {
    /// For each column, the row (0-based, within the row group) from which
    /// it is free again.
    busy_until: Vec<usize>,
    /// The row group (`tbody`/`thead`/`tfoot`) of the last row, and the
    /// index of the next row in it.
    group: Option<NodeRef<'a>>,
    row: usize,
}

/// The walk over the whole page.
struct Page<'a> {
    rows: Vec<Row<'static>>,
    number: u32,
    /// The text block being collected (outside table rows).
    block: Writer,
    /// Inside `<pre>`-like elements (outside table rows).
    pre: usize,
    grids: Vec<Grid<'a>>,
    budget: usize,
}

fn collect_rows(html: &Html) -> Vec<Row<'static>> {
    let mut page = Page {
        rows: Vec::new(),
        number: 0,
        block: Writer::default(),
        pre: 0,
        grids: Vec::new(),
        budget: GRID_BUDGET,
    };
    let mut stack = vec![Visit::Enter(html.tree.root())];
    while let Some(visit) = stack.pop() {
        match visit {
            Visit::Enter(node) => match node.value() {
                Node::Element(e) => match kind(e) {
                    Kind::Skip => {}
                    Kind::Table => {
                        page.flush();
                        page.grids.push(Grid::default());
                        stack.push(Visit::Exit(node));
                        push_children(&mut stack, node);
                    }
                    Kind::Row => {
                        page.flush();
                        let nested = page.table_row(node);
                        stack.extend(nested.into_iter().rev().map(Visit::Enter));
                    }
                    Kind::Break => page.flush(),
                    Kind::Block => {
                        page.flush();
                        stack.push(Visit::Exit(node));
                        push_children(&mut stack, node);
                    }
                    Kind::Pre => {
                        page.flush();
                        page.pre += 1;
                        stack.push(Visit::Exit(node));
                        push_children(&mut stack, node);
                    }
                    Kind::Control => {
                        let shown = control_text(node, e);
                        page.block.text(&shown, false);
                    }
                    Kind::Inline => push_children(&mut stack, node),
                },
                Node::Text(t) => {
                    if page.pre > 0 {
                        // Each line of preformatted text is a block.
                        for (i, line) in t.split('\n').enumerate() {
                            if i > 0 {
                                page.flush();
                            }
                            page.block.text(line, false);
                        }
                    } else {
                        page.block.text(t, false);
                    }
                }
                Node::Document | Node::Fragment => push_children(&mut stack, node),
                _ => {}
            },
            Visit::Exit(node) => {
                page.flush();
                if let Some(e) = node.value().as_element() {
                    match kind(e) {
                        Kind::Table => {
                            page.grids.pop();
                        }
                        Kind::Pre => page.pre = page.pre.saturating_sub(1),
                        _ => {}
                    }
                }
            }
        }
    }
    page.flush();
    page.rows
}

impl<'a> Page<'a> {
    fn next_number(&mut self) -> u32 {
        self.number = self.number.saturating_add(1);
        self.number
    }

    /// Ends the current text block: a single-cell row if it holds text.
    fn flush(&mut self) {
        if !self.block.has_text {
            self.block = Writer::default();
            return;
        }
        let cell = self.block.take();
        let number = self.next_number();
        if let Some(row) = Row::new(number, [cell]) {
            self.rows.push(row);
        }
    }

    /// Reads a `<tr>` into a row; returns the tables nested in its cells,
    /// in document order.
    fn table_row(&mut self, tr: NodeRef<'a>) -> Vec<NodeRef<'a>> {
        let number = self.next_number();
        let mut nested = Vec::new();
        let mut cells: Vec<Cow<'static, str>> = Vec::new();
        let mut budget = self.budget;
        if self.grids.is_empty() {
            // A row outside any table cannot come out of html5ever; read it
            // with a grid of its own all the same.
            self.grids.push(Grid::default());
        }
        let Some(grid) = self.grids.last_mut() else {
            return nested;
        };
        let group = tr.parent();
        if grid.group != group {
            grid.group = group;
            grid.row = 0;
            grid.busy_until.clear();
        }
        let row = grid.row;
        grid.row += 1;
        let mut col = 0usize;
        for child in tr.children() {
            let Some(e) = child.value().as_element() else {
                continue;
            };
            if &*e.name.ns != XHTML || !matches!(e.name(), "td" | "th") {
                continue;
            }
            // Skip the columns a rowspan from above covers.
            while budget > 0 && grid.busy_until.get(col).is_some_and(|&until| until > row) {
                cells.push(Cow::Borrowed(""));
                budget -= 1;
                col += 1;
            }
            cells.push(cell_content(child, &mut nested));
            let colspan = span(e.attr("colspan"), MAX_COLSPAN, 1);
            let rowspan = span(e.attr("rowspan"), MAX_ROWSPAN, MAX_ROWSPAN);
            for _ in 1..colspan {
                if budget == 0 {
                    break;
                }
                cells.push(Cow::Borrowed(""));
                budget -= 1;
            }
            if rowspan > 1 {
                let end = (col + colspan).min(MAX_GRID_WIDTH);
                if grid.busy_until.len() < end && budget >= end {
                    grid.busy_until.resize(end, 0);
                }
                for c in col..end {
                    if budget == 0 {
                        break;
                    }
                    if let Some(until) = grid.busy_until.get_mut(c) {
                        *until = (*until).max(row + rowspan);
                        budget -= 1;
                    }
                }
            }
            col = col.saturating_add(colspan);
        }
        self.budget = budget;
        if let Some(row) = Row::new(number, cells) {
            self.rows.push(row);
        }
        nested
    }
}

/// A `colspan`/`rowspan` value, by the HTML rules for non-negative integers
/// (leading whitespace, an optional `+`, digits; `"3px"` is 3): missing or
/// invalid → 1, 0 → `zero`, clamped to `max`.
fn span(value: Option<&str>, max: usize, zero: usize) -> usize {
    let Some(v) = value else { return 1 };
    let v = v.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let v = v.strip_prefix('+').unwrap_or(v);
    let digits = v.bytes().take_while(u8::is_ascii_digit);
    let mut n = 0usize;
    let mut any = false;
    for d in digits {
        any = true;
        n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
    }
    match (any, n) {
        (false, _) => 1,
        (true, 0) => zero,
        (true, n) => n.min(max),
    }
}

/// The content of a `<td>`/`<th>` as a fragment for the clean stage, with
/// the tables nested in it left out (and appended to `nested`).
fn cell_content<'a>(cell: NodeRef<'a>, nested: &mut Vec<NodeRef<'a>>) -> Cow<'static, str> {
    let mut w = Writer::default();
    let mut pre = 0usize;
    let mut stack = Vec::new();
    push_children(&mut stack, cell);
    while let Some(visit) = stack.pop() {
        match visit {
            Visit::Enter(node) => match node.value() {
                Node::Element(e) => match kind(e) {
                    Kind::Skip => {}
                    Kind::Table => {
                        w.brk();
                        nested.push(node);
                    }
                    Kind::Break => w.brk(),
                    Kind::Block | Kind::Row => {
                        w.brk();
                        stack.push(Visit::Exit(node));
                        push_children(&mut stack, node);
                    }
                    Kind::Pre => {
                        w.brk();
                        pre += 1;
                        stack.push(Visit::Exit(node));
                        push_children(&mut stack, node);
                    }
                    Kind::Control => w.text(&control_text(node, e), false),
                    Kind::Inline => push_children(&mut stack, node),
                },
                Node::Text(t) => w.text(t, pre > 0),
                _ => {}
            },
            Visit::Exit(node) => {
                w.brk();
                if node
                    .value()
                    .as_element()
                    .is_some_and(|e| matches!(kind(e), Kind::Pre))
                {
                    pre = pre.saturating_sub(1);
                }
            }
        }
    }
    w.take()
}

/// What a form control shows: an `<input>`'s value (text-like types), the
/// selected (else the first) option of a `<select>`.
fn control_text(node: NodeRef<'_>, e: &Element) -> String {
    if e.name() == "input" {
        let shown = e.attr("type").is_none_or(|t| {
            ![
                "hidden", "checkbox", "radio", "submit", "reset", "button", "image", "file",
                "password",
            ]
            .iter()
            .any(|k| t.trim().eq_ignore_ascii_case(k))
        });
        return if shown {
            e.attr("value").unwrap_or("").to_string()
        } else {
            String::new()
        };
    }
    let mut first = None;
    let mut selected = None;
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if let Some(el) = n.value().as_element()
            && &*el.name.ns == XHTML
            && el.name() == "option"
        {
            first.get_or_insert(n);
            if el.attr("selected").is_some() {
                selected = Some(n);
                break;
            }
            continue;
        }
        stack.extend(n.children().rev());
    }
    let Some(option) = selected.or(first) else {
        return String::new();
    };
    let mut text = String::new();
    let mut stack = vec![option];
    while let Some(n) = stack.pop() {
        if let Some(t) = n.value().as_text() {
            text.push_str(t);
        }
        stack.extend(n.children().rev());
    }
    text
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::clean::clean_text;
    use crate::read::text;

    const SEED_TXT: &[u8] = include_bytes!("../../tests/fixtures/seed/seed.utf8.txt");
    const SEED_HTML: &[u8] = include_bytes!("../../tests/fixtures/html/seed.html");
    const SEED_GBK_HTML: &[u8] = include_bytes!("../../tests/fixtures/html/seed-gbk.html");
    const TWO_TABLES_HTML: &[u8] = include_bytes!("../../tests/fixtures/html/two_tables.html");

    /// Generous bound for "fast" in a debug build on a busy machine.
    const QUICK: Duration = Duration::from_secs(2);

    fn read(bytes: &[u8]) -> HtmlDoc {
        match read_html(bytes, &HtmlLimits::default()) {
            Ok(doc) => doc,
            Err(e) => panic!("{e}"),
        }
    }

    /// Rows as the pipeline sees them after the clean stage
    /// (`document::clean_rows`): cells cleaned, rows that clean to nothing
    /// dropped.
    fn cleaned(rows: &[Row<'_>]) -> Vec<(u32, Vec<String>)> {
        rows.iter()
            .map(|r| {
                let cells: Vec<String> =
                    r.cells.iter().map(|c| clean_text(c).into_owned()).collect();
                (r.number, cells)
            })
            .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
            .collect()
    }

    fn html_rows(html: &str) -> Vec<(u32, Vec<String>)> {
        cleaned(&read(html.as_bytes()).rows)
    }

    fn row(number: u32, cells: &[&str]) -> (u32, Vec<String>) {
        (number, cells.iter().map(|c| c.to_string()).collect())
    }

    fn seed_text_rows() -> Vec<(u32, Vec<String>)> {
        let text = std::str::from_utf8(SEED_TXT).unwrap_or_default();
        cleaned(&text::read_rows(text))
    }

    fn too_deep(html: &str) -> bool {
        matches!(
            read_html(html.as_bytes(), &HtmlLimits::default()),
            Err(HtmlError::TooDeep { .. })
        )
    }

    /// The deepest nesting the scan estimates (no limit).
    fn estimate(html: &str) -> usize {
        let mut scan = DepthScan::new(html, usize::MAX);
        assert!(scan.run().is_ok());
        scan.max_seen
    }

    /// The deepest element nesting of html5ever's tree, `html`, `head` and
    /// `body` not counted.
    fn actual_depth(html: &str) -> usize {
        let doc = Html::parse_document(html);
        let mut max = 0;
        let mut stack = vec![(doc.tree.root(), 0usize)];
        while let Some((node, depth)) = stack.pop() {
            let depth = match node.value().as_element() {
                Some(e)
                    if !matches!(e.name(), "html" | "head" | "body") || &*e.name.ns != XHTML =>
                {
                    depth + 1
                }
                _ => depth,
            };
            max = max.max(depth);
            stack.extend(node.children().map(|c| (c, depth)));
        }
        max
    }

    /// xorshift64*: deterministic test data without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    // --- fixtures --------------------------------------------------------

    #[test]
    fn seed_html_has_the_rows_of_the_text_export() {
        let doc = read(SEED_HTML);
        assert_eq!(doc.encoding, "UTF-8");
        assert!(!doc.replaced);
        let rows = cleaned(&doc.rows);
        let expected = seed_text_rows();
        assert!(expected.len() > 90, "{}", expected.len());
        assert_eq!(rows, expected);
        // The rich-text cell of line 45 keeps its paragraphs.
        let overview = rows
            .iter()
            .find(|(n, _)| *n == 45)
            .map(|(_, c)| c[1].clone())
            .unwrap_or_default();
        assert_eq!(overview.lines().count(), 4, "{overview}");
    }

    #[test]
    fn gbk_meta_is_honoured() {
        assert!(std::str::from_utf8(std::hint::black_box(SEED_GBK_HTML)).is_err());
        let doc = read(SEED_GBK_HTML);
        assert_eq!(doc.encoding, "GBK");
        assert!(!doc.replaced);
        assert_eq!(cleaned(&doc.rows), cleaned(&read(SEED_HTML).rows));
    }

    #[test]
    fn two_tables_continue_the_numbering_and_rowspans_align() {
        let rows = cleaned(&read(TWO_TABLES_HTML).rows);
        let seed = seed_text_rows();
        let mut expected = vec![row(
            1,
            &["上海推进科技创新中心建设办公室2020年度项目支出绩效目标"],
        )];
        // Table 1 holds lines 3-37 (rows 2-36), table 2 lines 39-75 (rows 37-73).
        for (n, cells) in &seed {
            match n {
                3..=37 => expected.push((n - 1, cells.clone())),
                39..=75 => expected.push((n - 2, cells.clone())),
                _ => {}
            }
        }
        assert_eq!(rows, expected);
        // Spot check: a row under two rowspans keeps its columns.
        assert!(rows.contains(&row(23, &["", "", "预算执行率", "=100%"])));
        assert!(rows.contains(&row(70, &["", "", "提升园区科创成果知名度", ">=10%"])));
    }

    // --- layout ----------------------------------------------------------

    #[test]
    fn colspan_pads_like_a_merged_cell() {
        let rows = html_rows(
            "<table><tr><td colspan=2>a</td><td>b</td></tr>\
             <tr><td>c</td><td colspan=\"3px\">d</td><td>e</td></tr>\
             <tr><th colspan=0>f</th><th colspan=x>g</th></tr></table>",
        );
        assert_eq!(
            rows,
            vec![
                row(1, &["a", "", "b"]),
                row(2, &["c", "d", "", "", "e"]),
                row(3, &["f", "g"]),
            ]
        );
    }

    #[test]
    fn rowspan_leaves_empty_cells_below() {
        let rows = html_rows(
            "<table><thead><tr><th>一级</th><th>二级</th><th>三级</th></tr></thead>\
             <tbody><tr><td rowspan=3>投入</td><td rowspan=2>预算</td><td>x</td></tr>\
             <tr><td>y</td></tr><tr><td>财务</td><td>z</td></tr>\
             <tr><td rowspan=0>产出</td><td>数量</td><td>w</td></tr><tr><td>质量</td><td>v</td></tr></tbody>\
             <tbody><tr><td>新组</td><td>不受</td><td>影响</td></tr></tbody></table>",
        );
        assert_eq!(
            rows,
            vec![
                row(1, &["一级", "二级", "三级"]),
                row(2, &["投入", "预算", "x"]),
                row(3, &["", "", "y"]),
                row(4, &["", "财务", "z"]),
                row(5, &["产出", "数量", "w"]),
                row(6, &["", "质量", "v"]),
                row(7, &["新组", "不受", "影响"]),
            ]
        );
    }

    #[test]
    fn huge_spans_do_not_allocate() {
        let doc = read(b"<table><tr><td colspan=999999999 rowspan=999999999>a</td><td>b</td></tr><tr><td>c</td></tr></table>");
        assert_eq!(doc.rows.len(), 2);
        assert_eq!(doc.rows[0].cells.len(), MAX_COLSPAN + 1);
        assert_eq!(doc.rows[0].cell(MAX_COLSPAN), "b");
        assert_eq!(doc.rows[1].cells.len(), MAX_COLSPAN + 1);
        // Repeated, the budget caps the empty cells of the whole page.
        let page = format!(
            "<table>{}</table>",
            "<tr><td colspan=1000 rowspan=10000>x</td><td>y</td></tr>".repeat(3000)
        );
        let start = Instant::now();
        let doc = read(page.as_bytes());
        assert!(start.elapsed() < QUICK * 5, "{:?}", start.elapsed());
        let cells: usize = doc.rows.iter().map(|r| r.cells.len()).sum();
        assert!(cells <= GRID_BUDGET + 6000, "{cells}");
        assert_eq!(doc.rows.len(), 3000);
        assert!(doc.rows.iter().all(|r| r.cells.iter().any(|c| c == "y")));
    }

    #[test]
    fn nested_tables_follow_their_row_and_are_not_duplicated() {
        let rows = html_rows(
            "<table><tr><td>外层<table><tr><td>内层1</td></tr><tr><td>内层2</td></tr></table>尾</td>\
             <td>右</td></tr><tr><td>下一行</td></tr></table>",
        );
        assert_eq!(
            rows,
            vec![
                row(1, &["外层\n尾", "右"]),
                row(2, &["内层1"]),
                row(3, &["内层2"]),
                row(4, &["下一行"]),
            ]
        );
    }

    #[test]
    fn text_outside_tables_becomes_numbered_rows() {
        let rows = html_rows(
            "<html><head><title>不要</title><style>p{}</style></head><body>\
             <h1>财政项目支出绩效目标表</h1>\n<p>第一行<br>第二行</p>\n散文<script>x()</script>\
             <table><caption>表名</caption><tr><td>a</td></tr></table>\
             <div>之后<pre>甲\n乙</pre></div><!-- 注释 --></body></html>",
        );
        assert_eq!(
            rows,
            vec![
                row(1, &["财政项目支出绩效目标表"]),
                row(2, &["第一行"]),
                row(3, &["第二行"]),
                row(4, &["散文"]),
                row(5, &["表名"]),
                row(6, &["a"]),
                row(7, &["之后"]),
                row(8, &["甲"]),
                row(9, &["乙"]),
            ]
        );
    }

    #[test]
    fn text_beside_table_rows_is_not_lost() {
        // html5ever moves stray text in a table before the table.
        let rows = html_rows("<table>标题<tr><td>a</td></tr></table>");
        assert_eq!(rows, vec![row(1, &["标题"]), row(2, &["a"])]);
    }

    #[test]
    fn empty_rows_are_counted_but_left_out() {
        let doc = read(
            "<table><tr><td>a</td></tr><tr></tr><tr><td>&nbsp;</td><td> </td></tr><tr><td>b</td></tr></table>"
                .as_bytes(),
        );
        let numbers: Vec<u32> = doc.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 4]);
    }

    #[test]
    fn cells_clean_to_paragraphs() {
        let rows = html_rows(
            "<table><tr><td><p>第一段</p> <p>第二段</p></td><td>第一行<br/>第二行</td>\
             <td><div>甲</div><div>乙<span>丙</span></div></td><td>&nbsp;</td>\
             <td>投资额<500万元</td><td>A&amp;B &lt;p&gt; x&lt;y</td>\
             <td><o:p>资金</o:p>&nbsp;<st1:chsdate>使用</st1:chsdate><custom-tag>率</custom-tag></td>\
             <td>  多\n行\t空白  </td><td><ul><li>一</li><li>二</li></ul></td></tr></table>",
        );
        assert_eq!(
            rows,
            vec![row(
                1,
                &[
                    "第一段\n第二段",
                    "第一行\n第二行",
                    "甲\n乙丙",
                    "",
                    "投资额<500万元",
                    "A&B <p> x<y",
                    "资金 使用率",
                    "多 行 空白",
                    "一\n二",
                ]
            )]
        );
    }

    #[test]
    fn form_controls_show_their_values() {
        let rows = html_rows(
            "<table><tr><td>项目名称：</td><td><input type=text value=\"科创&amp;中心\"></td>\
             <td><select><option>请选择</option><option selected>经常性</option></select></td>\
             <td><textarea>第一行\n第二行</textarea></td><td><input type=hidden value=秘密></td></tr></table>",
        );
        assert_eq!(
            rows,
            vec![row(
                1,
                &["项目名称：", "科创&中心", "经常性", "第一行\n第二行"]
            )]
        );
    }

    // --- decoding --------------------------------------------------------

    #[test]
    fn meta_prescan() {
        let cases: &[(&str, Option<&str>)] = &[
            ("<meta charset=\"gb2312\">", Some("GBK")),
            ("<META CHARSET=GB18030>", Some("gb18030")),
            (
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">",
                Some("GBK"),
            ),
            (
                "<meta content=\"text/html;charset='big5'\" http-equiv=content-type>",
                Some("Big5"),
            ),
            ("<meta content=\"text/html; charset=gbk\">", None),
            (
                "<!-- <meta charset=big5> --><meta charset=utf-8>",
                Some("UTF-8"),
            ),
            ("<meta charset=\"utf-16le\">", Some("UTF-8")),
            ("<meta charset=x-user-defined>", Some("windows-1252")),
            ("<meta charset=bogus><meta charset=gbk>", Some("GBK")),
            ("<meta name=\"a>b\" charset=big5>", Some("Big5")),
            (
                "<script>var s = '<x>';</script><meta charset=gbk>",
                Some("GBK"),
            ),
            ("<metadata charset=gbk>", None),
            ("</meta charset=gbk>", None),
            ("<meta charset=iso-2022-kr>", None), // "replacement"
            ("<meta charset=\"gbk", None),
        ];
        for (head, expected) in cases {
            let got = prescan_meta(head.as_bytes()).map(Encoding::name);
            assert_eq!(got, *expected, "{head}");
        }
    }

    #[test]
    fn bom_beats_meta_and_detection_is_the_fallback() {
        let page = "<meta charset=gbk><table><tr><td>项目名称：</td><td>科创中心</td></tr></table>";
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(page.encode_utf16().flat_map(u16::to_le_bytes));
        let doc = read(&utf16);
        assert_eq!(doc.encoding, "UTF-16LE");
        assert_eq!(
            cleaned(&doc.rows),
            vec![row(1, &["项目名称：", "科创中心"])]
        );

        let plain = "<table><tr><td>项目名称：</td><td>科创中心建设工作经费</td></tr></table>";
        let (gbk, _, _) = GBK.encode(plain);
        let doc = read(&gbk);
        assert_eq!(doc.encoding, "GBK");
        assert_eq!(
            cleaned(&doc.rows),
            vec![row(1, &["项目名称：", "科创中心建设工作经费"])]
        );
    }

    #[test]
    fn bytes_overrule_a_wrong_meta() {
        // Declared gb2312, saved as UTF-8.
        let page = "<meta charset=gb2312><p>项目名称：科创中心</p>";
        let doc = read(page.as_bytes());
        assert_eq!(doc.encoding, "UTF-8");
        assert_eq!(cleaned(&doc.rows), vec![row(1, &["项目名称：科创中心"])]);
        // Declared UTF-8, saved as GBK.
        let page =
            "<meta charset=utf-8><p>项目名称：科创中心建设工作经费，项目类别：经常性专项业务费</p>";
        let (gbk, _, _) = GBK.encode(page);
        let doc = read(&gbk);
        assert_eq!(doc.encoding, "GBK");
        assert_eq!(
            cleaned(&doc.rows),
            vec![row(
                1,
                &["项目名称：科创中心建设工作经费，项目类别：经常性专项业务费"]
            )]
        );
        // A short GBK text that could pass for UTF-8 keeps its meta.
        let (gbk, _, _) = GBK.encode("<meta charset=gbk><p>合理</p>");
        assert_eq!(read(&gbk).encoding, "GBK");
    }

    #[test]
    fn random_bytes_and_empty_pages_are_decode_errors() {
        let mut rng = Rng(42);
        let bytes: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
        let err = read_html(&bytes, &HtmlLimits::default()).err();
        assert!(
            matches!(err, Some(HtmlError::Decode(DecodeError::Binary { .. }))),
            "{err:?}"
        );
        assert_eq!(err.map(|e| e.code()), Some("binary"));
        for empty in [&b""[..], b"  \n", b"<meta charset=gbk>\0\0"] {
            let err = read_html(empty, &HtmlLimits::default()).err();
            match err {
                Some(HtmlError::Decode(DecodeError::Empty)) => {}
                // A lone meta is markup, not emptiness: no rows.
                None if !empty.is_empty() && empty[0] == b'<' => {}
                other => panic!("{empty:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn nul_characters_are_removed_and_reported() {
        let mut gbk = GBK
            .encode("<meta charset=gbk><p>项目名称：科创中心</p>")
            .0
            .into_owned();
        gbk.insert(30, 0);
        let doc = read(&gbk);
        assert_eq!(doc.encoding, "GBK");
        assert!(doc.replaced);
        assert_eq!(cleaned(&doc.rows), vec![row(1, &["项目名称：科创中心"])]);
    }

    // --- depth -----------------------------------------------------------

    #[test]
    fn deep_pages_are_refused_before_parsing() {
        for (unit, depth_per_unit) in [
            ("<div>", 1),
            ("<table><tr><td>", 4),
            ("<div/>", 1),
            ("<span>x", 1),
            ("<b><div></b>", 1),
            ("<li><ul></li>", 2),
            ("<dd><section>", 2),
            ("<object><p>", 2),
            ("<svg><g>", 1),
        ] {
            let page = unit.repeat(60_000);
            let start = Instant::now();
            let result = read_html(page.as_bytes(), &HtmlLimits::default());
            let elapsed = start.elapsed();
            match result {
                Err(HtmlError::TooDeep {
                    depth,
                    offset,
                    limit,
                }) => {
                    assert_eq!((depth, limit), (513, 512), "{unit}");
                    assert!(
                        offset < 513 * unit.len() / depth_per_unit + 16,
                        "{unit}: {offset}"
                    );
                }
                other => panic!("{unit}: {:?}", other.map(|d| d.rows.len())),
            }
            assert!(elapsed < QUICK, "{unit}: {elapsed:?}");
        }
        let err = HtmlError::TooDeep {
            depth: 513,
            offset: 2565,
            limit: 512,
        };
        assert_eq!(err.code(), "too_deep");
        assert_eq!(
            err.to_string(),
            "HTML nested 513 levels deep at byte 2565, over the limit of 512"
        );
    }

    #[test]
    fn the_limit_is_configurable() {
        let page = "<div>".repeat(20);
        assert!(read_html(page.as_bytes(), &HtmlLimits { max_depth: 20 }).is_ok());
        assert!(matches!(
            read_html(page.as_bytes(), &HtmlLimits { max_depth: 19 }),
            Err(HtmlError::TooDeep {
                depth: 20,
                limit: 19,
                ..
            })
        ));
    }

    #[test]
    fn misnested_formatting_that_html5ever_reopens_is_deep() {
        // Each paragraph reopens every earlier `<b id=…>` (distinct, so the
        // Noah's Ark clause does not apply): html5ever nests them all.
        let page: String = (0..2000).map(|i| format!("<p><b id={i}>x</p>")).collect();
        assert!(too_deep(&page));
        assert!(
            actual_depth(
                &(0..300)
                    .map(|i| format!("<p><b id={i}>x</p>"))
                    .collect::<String>()
            ) >= 300
        );
    }

    #[test]
    fn sloppy_but_normal_pages_pass() {
        let pages = [
            "<p>段落".repeat(1000),
            "<ul>".to_string() + &"<li>项".repeat(1000) + "</ul>",
            "<dl>".to_string() + &"<dt>词<dd>释义".repeat(1000) + "</dl>",
            "<table>".to_string() + &"<tr><td>a<td>b<th>c".repeat(1000) + "</table>",
            "<select>".to_string() + &"<option>选项".repeat(1000) + "</select>",
            "<table>".to_string()
                + &"<tr><td><font size=2>x</td><td><b>y</td>".repeat(1000)
                + "</table>",
            "<p><font size=2>x".repeat(1000),
            "<p><font color=red>x</p>".repeat(1000),
            "<div><span>x</div>".repeat(1000),
            "<h1>a<h2>b".repeat(1000),
            "<a href=1>x<a href=2>y".repeat(1000),
            "<td>孤立单元格".repeat(1000),
            "<script>".to_string() + &"<div>".repeat(60_000) + "</script><p>x",
            "<!--".to_string() + &"<div>".repeat(60_000) + "--><p>x",
            "<textarea>".to_string() + &"<div>".repeat(60_000) + "</textarea>",
            "<svg>".to_string() + &"<path/>".repeat(1000) + "</svg>",
            "<p>a<br/>b<img src=x><hr/><input>".repeat(1000),
        ];
        for page in &pages {
            let start = Instant::now();
            let result = read_html(page.as_bytes(), &HtmlLimits::default());
            assert!(result.is_ok(), "{}", &page[..60.min(page.len())]);
            assert!(
                start.elapsed() < QUICK * 5,
                "{}",
                &page[..60.min(page.len())]
            );
            assert!(
                estimate(page) <= 16,
                "{}: {}",
                &page[..60.min(page.len())],
                estimate(page)
            );
        }
    }

    #[test]
    fn raw_text_inside_svg_is_markup() {
        // In SVG, <style> is an ordinary element; the <div>s leave SVG and nest.
        assert!(too_deep(
            &("<svg><style>".to_string() + &"<div>".repeat(60_000))
        ));
        // CDATA is only CDATA inside SVG/MathML.
        assert!(too_deep(
            &("<![CDATA[".to_string() + &"<div>".repeat(600) + "]]>")
        ));
        assert!(!too_deep(
            &("<svg><![CDATA[".to_string() + &"<div>".repeat(600) + "]]></svg>")
        ));
    }

    /// Tags (and text) random pages are made of: everything the scan
    /// models, in plausible and implausible orders.
    const TOKENS: &[&str] = &[
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<b>",
        "</b>",
        "<i>",
        "</i>",
        "<span>",
        "</span>",
        "<table>",
        "</table>",
        "<tr>",
        "</tr>",
        "<td>",
        "</td>",
        "<th>",
        "<tbody>",
        "</tbody>",
        "<li>",
        "</li>",
        "<ul>",
        "</ul>",
        "<font size=2>",
        "<font size=3>",
        "</font>",
        "<a>",
        "</a>",
        "x",
        " ",
        "\n",
        "<br>",
        "<div/>",
        "<svg>",
        "</svg>",
        "<g>",
        "</g>",
        "<select>",
        "<option>",
        "</select>",
        "<h1>",
        "</h1>",
        "<h2>",
        "<dd>",
        "<dt>",
        "<dl>",
        "<form>",
        "</form>",
        "<caption>",
        "<button>",
        "</button>",
        "<nobr>",
        "<object>",
        "</object>",
        "<foreignObject>",
        "<math>",
        "<mi>",
        "<center>",
        "</center>",
        "<pre>",
        "<section>",
        "</section>",
        "<em>",
        "</em>",
        "<u>",
        "<s>",
        "</body>",
        "<body>",
        "<colgroup>",
        "<col>",
        "<thead>",
        "<tfoot>",
        "</tr>",
        "<rt>",
        "<ruby>",
        "<label>",
        "</label>",
        "<o:p>",
        "</o:p>",
        "<font color=red>",
        "<b id=1>",
        "<b id=2>",
        "<p/>",
        "<xmp>x</xmp>",
        "<title>t</title>",
        "<!-- c -->",
        "<li/>",
        "<td/>",
        "<tr/>",
        "<table/>",
        "<address>",
        "<marquee>",
        "</marquee>",
        "<applet>",
        "<template>",
        "</template>",
        "<hr>",
        "<img>",
        "<input>",
        "<textarea>t</textarea>",
    ];

    /// Random tag soup, `count` pages from `seed`.
    fn soups(seed: u64, count: usize) -> impl Iterator<Item = String> {
        let mut rng = Rng(seed);
        (0..count).map(move |_| {
            let len = 20 + rng.below(300);
            (0..len).map(|_| TOKENS[rng.below(TOKENS.len())]).collect()
        })
    }

    /// Short random tag soups repeated 100 times: a construct that makes
    /// html5ever nest deeper on every repetition while the scan does not
    /// would show up as a growing gap.
    fn repeated_soups(seed: u64, count: usize) -> impl Iterator<Item = String> {
        let mut rng = Rng(seed);
        (0..count).map(move |_| {
            let len = 2 + rng.below(12);
            let unit: String = (0..len).map(|_| TOKENS[rng.below(TOKENS.len())]).collect();
            unit.repeat(100)
        })
    }

    /// The scan does not underestimate html5ever's depth by more than a
    /// little (it may overestimate: that only refuses pathological pages).
    fn close_enough(estimate: usize, actual: usize) -> bool {
        actual <= estimate + 2 || actual * 4 <= estimate * 5
    }

    #[test]
    fn the_estimate_never_falls_far_below_html5ever() {
        let (mut worst_under, mut worst_over) = (0i64, 0i64);
        for (case, page) in soups(0x5EED, 3000).enumerate() {
            let (est, act) = (estimate(&page), actual_depth(&page));
            worst_under = worst_under.max(act as i64 - est as i64);
            worst_over = worst_over.max(est as i64 - act as i64);
            assert!(
                close_enough(est, act),
                "case {case}: html5ever {act}, estimate {est}: {page}"
            );
        }
        eprintln!("worst underestimate {worst_under}, worst overestimate {worst_over}");
    }

    #[test]
    #[ignore]
    fn show_dom() {
        let page = std::fs::read_to_string("/tmp/show.html").unwrap_or_default();
        let doc = Html::parse_document(&page);
        eprintln!("DOM: {}", doc.root_element().html());
    }

    #[test]
    #[ignore]
    fn minimize() {
        let seed: u64 = std::env::var("SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0x5EED);
        let count: usize = std::env::var("COUNT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3000);
        let pages: Box<dyn Iterator<Item = String>> = if std::env::var("REPEAT").is_ok() {
            Box::new(repeated_soups(seed, count))
        } else {
            Box::new(soups(seed, count))
        };
        let mut pages = pages;
        let Some(page) = pages.find(|p| !close_enough(estimate(p), actual_depth(p))) else {
            eprintln!("MIN: none");
            return;
        };
        let tokenize = |s: &str| -> Vec<String> {
            let mut out = Vec::new();
            let mut cur = String::new();
            for c in s.chars() {
                if c == '<' && !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                cur.push(c);
                if c == '>' {
                    out.push(std::mem::take(&mut cur));
                }
            }
            if !cur.is_empty() {
                out.push(cur);
            }
            out
        };
        let bad = |t: &[String]| {
            let p: String = t.concat();
            let e = estimate(&p) as i64;
            let a = actual_depth(&p) as i64;
            a > e + 2 && a > e * 5 / 4
        };
        let bad2 = |t: &[String]| {
            let p: String = t.concat();
            let e = estimate(&p) as i64;
            let a = actual_depth(&p) as i64;
            a > e
        };
        let mut toks = tokenize(&page);
        let check: &dyn Fn(&[String]) -> bool = if bad(&toks) { &bad } else { &bad2 };
        assert!(check(&toks));
        let mut changed = true;
        while changed {
            changed = false;
            let mut i = 0;
            while i < toks.len() {
                let mut t = toks.clone();
                t.remove(i);
                if check(&t) {
                    toks = t;
                    changed = true;
                } else {
                    i += 1;
                }
            }
        }
        let p: String = toks.concat();
        eprintln!("MIN: {p}\nest {} act {}", estimate(&p), actual_depth(&p));
        for k in 1..=toks.len() {
            let q: String = toks[..k].concat();
            eprintln!(
                "{:>3} {:>3}  {}",
                estimate(&q),
                actual_depth(&q),
                toks[k - 1]
            );
        }
    }

    #[test]
    fn fixed_ids_match_their_names() {
        let mut scan = DepthScan::new("", 1);
        for (id, name) in FIXED.iter().enumerate() {
            assert_eq!(scan.intern(NS_HTML, name.as_bytes()) as usize, id);
        }
        let named = [
            (P, "p"),
            (LI, "li"),
            (DD, "dd"),
            (DT, "dt"),
            (UL, "ul"),
            (OL, "ol"),
            (TD, "td"),
            (TH, "th"),
            (TR, "tr"),
            (TBODY, "tbody"),
            (THEAD, "thead"),
            (TFOOT, "tfoot"),
            (TABLE, "table"),
            (A, "a"),
            (OPTION, "option"),
            (OPTGROUP, "optgroup"),
            (SELECT, "select"),
            (BUTTON, "button"),
            (NOBR, "nobr"),
            (CAPTION, "caption"),
            (COLGROUP, "colgroup"),
            (COL, "col"),
            (FORM, "form"),
            (PLAINTEXT, "plaintext"),
            (TEMPLATE, "template"),
            (INPUT, "input"),
            (H1, "h1"),
            (H6, "h6"),
        ];
        for (id, name) in named {
            assert_eq!(FIXED[id as usize], name);
        }
    }

    #[test]
    fn span_values() {
        assert_eq!(span(None, 1000, 1), 1);
        assert_eq!(span(Some(" +3px"), 1000, 1), 3);
        assert_eq!(span(Some("0"), 1000, 1), 1);
        assert_eq!(span(Some("0"), 10_000, 10_000), 10_000);
        assert_eq!(span(Some("-2"), 1000, 1), 1);
        assert_eq!(span(Some("99999999999999999999999"), 1000, 1), 1000);
    }
}
