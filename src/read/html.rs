//! HTML pages → rows of cells.
//!
//! Performance target tables are also published as web pages (a report
//! system's "save as HTML", an "Excel export" that is really a table). This
//! reader turns a page into the same [`Row`]s the text reader produces, so
//! splitting and field extraction never learn where the rows came from:
//!
//! 1. **Decoding.** A BOM decides; else a `<meta charset>` or
//!    `<meta http-equiv="Content-Type" content="…; charset=…">` in the first
//!    4 KiB (`gb2312` resolves to GBK, as browsers do); else the page is
//!    detected like a text file ([`crate::decode::decode`]).
//! 2. **A depth check before parsing.** html5ever (through `scraper`) does
//!    work proportional to the open-element depth for many tags, so a page
//!    nested tens of thousands of levels deep takes minutes. A linear scan
//!    of the decoded text counts open elements (void elements, self-closing
//!    SVG/MathML tags, comments and raw text skipped; `<p>`, `<li>`, `<td>`, `<tr>` and
//!    the other elements browsers close implicitly not counted) and refuses
//!    pages deeper than [`HtmlLimits::max_depth`] before the parser sees
//!    them. What a table cell or a paragraph leaves open ends with it, as
//!    in a browser, and what the parser rebuilds of it in the next
//!    paragraph is counted there. The same scan counts the formatting elements html5ever
//!    would make again in later paragraphs (`read::formatting`), and
//!    refuses a page past 2,048 × the depth limit of them.
//! 3. **Rows.** The document is walked iteratively (never recursively) in
//!    document order: every `<tr>` of every `<table>` is a row, every
//!    `<td>`/`<th>` a cell, laid out on a grid so that `colspan` and
//!    `rowspan` leave empty cells where a merged cell covers a column, as a
//!    merged spreadsheet cell looks once exported (the pipeline fills blank
//!    level cells down). Text outside tables (a page title above the table)
//!    becomes single-cell rows, so nothing is lost. Rows are numbered 1, 2,
//!    … across all tables and text blocks of the page in order; a nested
//!    table's rows follow the row that contains it.
//!
//! A cell's content is returned as a small HTML fragment: its text with `&`
//! and `<` escaped and `<br>` at each paragraph break (a block element or a
//! `<br>`). The pipeline's clean stage turns that into plain text. Writing
//! the fragment from the tree keeps nested tables, scripts and styles out of
//! the cell, so no text turns up twice.

use std::borrow::Cow;

use encoding_rs::{Encoding, GB18030, GBK, UTF_8, UTF_16BE, UTF_16LE};
use memchr::memmem;
use scraper::{ElementRef, Html, Node};

use super::{Limits, ReadError, Reader, Row, Scratch, Tables};
use crate::decode::{self, DecodeError};
use crate::read::clean::is_block;
use crate::read::formatting::Rebuilds;

/// Limits on what a page may demand of the parser.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct HtmlLimits {
    pub max_depth: usize,
    /// Cells a page may produce, the empty ones a `colspan`/`rowspan`
    /// stands for included (`--max-cells`, as for a workbook): a few
    /// bytes of spans must not become millions of cells.
    pub max_cells: u64,
}

impl Default for HtmlLimits {
    fn default() -> HtmlLimits {
        HtmlLimits {
            max_depth: 512,
            max_cells: 5_000_000,
        }
    }
}

/// A page's rows and how it was decoded.
#[derive(Debug)]
pub struct HtmlDoc {
    pub rows: Vec<Row<'static>>,
    /// WHATWG name as `decode` reports it ("UTF-8", "GBK", ...).
    pub encoding: &'static str,
    /// Malformed bytes were replaced.
    pub replaced: bool,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HtmlError {
    #[error("{0}")]
    Decode(#[from] DecodeError),
    #[error("HTML nested {depth} levels deep at byte {offset}, over the limit of {limit}")]
    TooDeep {
        depth: usize,
        offset: usize,
        limit: usize,
    },
    #[error(
        "the page's tables make more than {limit} cells, counting those colspan/rowspan stand for (--max-cells)"
    )]
    TooManyCells { limit: u64 },
    /// Unclosed formatting elements the parser would make again in every
    /// later paragraph (see `read::formatting`).
    #[error(
        "by byte {offset}, the page's unclosed formatting elements (<b>, <font>, ...) would be made again more than {limit} times, once per later paragraph (limit: 2,048 × --max-html-depth)"
    )]
    Rebuilt { offset: usize, limit: u64 },
}

/// The most formatting elements a page may make the parser rebuild.
fn rebuild_limit(max_depth: usize) -> u64 {
    u64::try_from(max_depth)
        .unwrap_or(u64::MAX)
        .saturating_mul(2048)
}

impl HtmlError {
    pub fn code(&self) -> &'static str {
        match self {
            HtmlError::Decode(e) => e.code(),
            HtmlError::TooDeep { .. } => "too_deep",
            HtmlError::TooManyCells { .. } | HtmlError::Rebuilt { .. } => "too_large",
        }
    }
}

/// The HTML reader: a page is one table of rows (see the module doc).
#[derive(Debug, Clone, Copy)]
pub struct HtmlReader;

impl Reader for HtmlReader {
    fn read<'a>(
        &self,
        bytes: &'a [u8],
        limits: &Limits,
        _: &'a mut Scratch<'a>,
    ) -> Result<Tables<'a>, ReadError> {
        let page = read_html(bytes, &limits.html)?;
        Ok(Tables::single(
            page.rows,
            Vec::new(),
            Some(page.encoding),
            page.replaced,
        ))
    }
}

/// Reads every table (and the text around them) of a page.
pub fn read_html(bytes: &[u8], limits: &HtmlLimits) -> Result<HtmlDoc, HtmlError> {
    let (text, encoding, replaced) = decode_page(bytes)?;
    check_depth(&text, limits.max_depth)?;
    let page = Html::parse_document(&text);
    Ok(HtmlDoc {
        rows: rows(&page, limits.max_cells)?,
        encoding,
        replaced,
    })
}

/// How many leading bytes the `<meta charset>` prescan looks at.
const PRESCAN_LIMIT: usize = 4 * 1024;

fn decode_page(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str, bool), DecodeError> {
    if Encoding::for_bom(bytes).is_none()
        && let Some(encoding) = meta_charset(&bytes[..bytes.len().min(PRESCAN_LIMIT)])
    {
        let (text, replaced) = encoding.decode_without_bom_handling(bytes);
        let name = if encoding == GBK || encoding == GB18030 {
            "GBK"
        } else {
            encoding.name()
        };
        if text.trim().is_empty() {
            return Err(DecodeError::Empty);
        }
        let text = match text {
            Cow::Borrowed(t) if !t.contains('\0') => Cow::Borrowed(t),
            other => Cow::Owned(other.replace('\0', "")),
        };
        return Ok((text, name, replaced));
    }
    let d = decode::decode(bytes)?;
    Ok((d.text, d.name, d.replaced))
}

/// The charset a `<meta>` in `head` declares. A declared UTF-16 means
/// UTF-8 (the HTML standard's rule: a page that could be read to find the
/// meta is not UTF-16).
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = memmem::find(&lower[from..], b"<meta") {
        let start = from + at;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(c) = memmem::find(tag, b"charset") {
            let rest = &tag[c + b"charset".len()..];
            let rest = rest.trim_ascii_start();
            if let Some(rest) = rest.strip_prefix(b"=") {
                let value: Vec<u8> = rest
                    .trim_ascii_start()
                    .iter()
                    .copied()
                    .skip_while(|&b| b == b'"' || b == b'\'')
                    .take_while(|&b| b.is_ascii_alphanumeric() || b"-_:.".contains(&b))
                    .collect();
                if let Some(e) = Encoding::for_label(&value) {
                    return Some(if e == UTF_16LE || e == UTF_16BE {
                        UTF_8
                    } else {
                        e
                    });
                }
            }
        }
        from = end;
    }
    None
}

/// Elements that never have content.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "basefont", "bgsound", "frame", "keygen",
];
/// Elements whose content is raw text: skipped to their end tag.
const RAW: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];
/// Elements browsers close implicitly (a new `<p>` closes the open one,
/// a `<td>` the previous cell): not counted, so sloppy pages pass.
const IMPLIED: &[&str] = &[
    "p", "li", "dt", "dd", "td", "th", "tr", "tbody", "thead", "tfoot", "option", "optgroup",
    "colgroup", "caption", "rb", "rt", "rp", "rtc", "html", "head", "body",
];

/// Refuses pages whose elements nest deeper than `max_depth`.
fn check_depth(text: &str, max_depth: usize) -> Result<(), HtmlError> {
    let b = text.as_bytes();
    let mut open: Vec<String> = Vec::new();
    let mut cells = Cells::default();
    let mut rebuilds = Rebuilds::default();
    let mut rebuilds_seen = 0;
    let max_rebuilt = rebuild_limit(max_depth);
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        let at = i + off;
        if at > i {
            rebuilds.text();
            rebuilt(&mut open, &mut rebuilds_seen, rebuilds.made);
        }
        let rest = &b[at + 1..];
        if rest.starts_with(b"!--") {
            i = memmem::find(rest, b"-->").map_or(b.len(), |e| at + 1 + e + 3);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = at + 1 + usize::from(closing);
        let name_len = b[name_start..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b':' || **c == b'-')
            .count();
        if name_len == 0 || !b[name_start].is_ascii_alphabetic() {
            i = at + 1;
            continue;
        }
        let name = text[name_start..name_start + name_len].to_ascii_lowercase();
        let tag_end = memchr::memchr(b'>', &b[name_start..]).map_or(b.len(), |e| name_start + e);
        i = (tag_end + 1).min(b.len());
        if closing {
            rebuilds.end(&name);
        } else {
            let attrs = text.get(name_start + name_len..tag_end).unwrap_or("");
            rebuilds.start(&name, attrs);
            if rebuilds.made > max_rebuilt {
                return Err(HtmlError::Rebuilt {
                    offset: at,
                    limit: max_rebuilt,
                });
            }
        }
        if open.len() > max_depth {
            return Err(HtmlError::TooDeep {
                depth: open.len(),
                offset: at,
                limit: max_depth,
            });
        }
        let foreign = open.iter().any(|n| n == "svg" || n == "math");
        if !foreign {
            cells.tag(&name, closing, &mut open);
            cells.paragraph(&name, closing, &mut open);
        }
        // what the parser rebuilds before this tag nests as deep
        rebuilt(&mut open, &mut rebuilds_seen, rebuilds.made);
        if closing {
            if let Some(pos) = open.iter().rposition(|n| *n == name) {
                open.truncate(pos);
                cells.prune(open.len());
            }
            continue;
        }
        if RAW.contains(&name.as_str()) {
            i = find_close(b, i, name.as_bytes());
            continue;
        }
        // `<div/>` opens a div in HTML (html5ever nests 60,000 of them);
        // only inside SVG and MathML does `/>` close the element.
        let self_closing = tag_end > 0
            && b.get(tag_end - 1) == Some(&b'/')
            && open.iter().any(|n| n == "svg" || n == "math");
        if self_closing || VOID.contains(&name.as_str()) || implied(&name, &open) {
            continue;
        }
        let table = name == "table" && !foreign;
        open.push(name);
        if table {
            cells.table(open.len() - 1);
        }
        if open.len() > max_depth {
            return Err(HtmlError::TooDeep {
                depth: open.len(),
                offset: at,
                limit: max_depth,
            });
        }
    }
    Ok(())
}

/// The formatting elements the parser rebuilds are open elements too:
/// `made` is the count so far, `seen` what the scan has pushed.
fn rebuilt(open: &mut Vec<String>, seen: &mut u64, made: u64) {
    let new = made.saturating_sub(*seen).min(1 << 20);
    *seen = made;
    for _ in 0..new {
        open.push("(rebuilt)".to_string());
    }
}

/// The table cells and paragraphs open in the depth scan: a cell's end (a
/// new cell or row, `</td>`, `</table>`) and a paragraph's (a `<p>`,
/// `<div>`, … or `</p>`) close whatever was opened in it and left open,
/// as a browser does (legacy pages leave `<font>` and `<b>` open in every
/// cell and paragraph: they are not nested a thousand deep; what the
/// parser makes again of them in the next paragraph is counted by
/// [`Rebuilds`] and pushed as open elements).
#[derive(Default)]
struct Cells {
    /// Per open table: its index in the open elements, and the cells
    /// open before it.
    tables: Vec<(usize, usize)>,
    /// Per open cell: the open elements when it started.
    starts: Vec<usize>,
    /// The open paragraphs: the open elements when each started, and the
    /// cells open then (a paragraph in a cell leaves the one around the
    /// table open).
    paragraphs: Vec<(usize, usize)>,
}

impl Cells {
    /// A tag outside SVG and MathML, for the open paragraph.
    fn paragraph(&mut self, name: &str, closing: bool, open: &mut Vec<String>) {
        let closes = if closing {
            name == "p"
        } else {
            crate::read::formatting::closes_p(name)
        };
        let cells = self.starts.len();
        if closes && let Some(&(start, _)) = self.paragraphs.last().filter(|p| p.1 == cells) {
            self.paragraphs.pop();
            open.truncate(start);
            self.prune(open.len());
        }
        if name == "p" && !closing {
            self.paragraphs.push((open.len(), self.starts.len()));
        }
    }

    fn table(&mut self, at: usize) {
        self.tables.push((at, self.starts.len()));
    }

    /// A tag outside SVG and MathML.
    fn tag(&mut self, name: &str, closing: bool, open: &mut Vec<String>) {
        if self.tables.is_empty() {
            return;
        }
        match (name, closing) {
            ("td" | "th", false) => {
                self.close_cell(open);
                self.starts.push(open.len());
            }
            ("tr" | "tbody" | "thead" | "tfoot", _) | ("td" | "th", true) | ("table", true) => {
                self.close_cell(open)
            }
            _ => {}
        }
    }

    /// Closes the open cell of the innermost table, if any.
    fn close_cell(&mut self, open: &mut Vec<String>) {
        let before = self.tables.last().map_or(0, |t| t.1);
        if self.starts.len() > before
            && let Some(start) = self.starts.pop()
        {
            open.truncate(start);
            let cells = self.starts.len();
            while self.paragraphs.last().is_some_and(|p| p.1 > cells) {
                self.paragraphs.pop();
            }
        }
    }

    /// Forgets the tables (and their cells) and the paragraph closed when
    /// the open elements were cut to `len`.
    fn prune(&mut self, len: usize) {
        while self.paragraphs.last().is_some_and(|p| p.0 > len) {
            self.paragraphs.pop();
        }
        while let Some(&(at, before)) = self.tables.last() {
            if at < len {
                break;
            }
            self.tables.pop();
            self.starts.truncate(before);
        }
    }
}

/// Whether a start tag `name` is closed implicitly by the next one of its
/// kind, so it adds no depth. Only where a browser does close it: ruby
/// parts (`rb`, `rt`, `rp`, `rtc`) inside an open `ruby`, `optgroup`
/// inside an open `select`; never in SVG or MathML, whose children all
/// nest. Elsewhere html5ever nests them, and so they count (a page of a
/// million `<rb>` is as deep as a million `<div>`).
fn implied(name: &str, open: &[String]) -> bool {
    if !IMPLIED.contains(&name) {
        return false;
    }
    let inside = |parent: &str| open.iter().any(|n| n == parent);
    if inside("svg") || inside("math") {
        return false;
    }
    match name {
        "rb" | "rt" | "rp" | "rtc" => inside("ruby"),
        "optgroup" => inside("select"),
        _ => true,
    }
}

/// Where the end tag `</name` of a raw-text element starts (or the end).
fn find_close(b: &[u8], mut from: usize, name: &[u8]) -> usize {
    while let Some(off) = memchr::memchr(b'<', &b[from..]) {
        let at = from + off;
        let tag = &b[at + 1..];
        if tag.first() == Some(&b'/')
            && tag.len() > name.len()
            && tag[1..=name.len()].eq_ignore_ascii_case(name)
        {
            return at;
        }
        from = at + 1;
    }
    b.len()
}

/// Elements whose content is never text of the page.
const SKIP: &[&str] = &["script", "style", "head", "template", "noscript", "iframe"];

/// The largest `colspan`/`rowspan` honoured (larger ones are clamped), so
/// `colspan=999999999` cannot allocate.
const MAX_COLSPAN: usize = 1_000;
const MAX_ROWSPAN: usize = 10_000;

/// Walks the page: table rows and the text blocks between tables, in
/// document order, numbered in one running count.
fn rows(page: &Html, max_cells: u64) -> Result<Vec<Row<'static>>, HtmlError> {
    let mut out = Rows {
        cells_left: max_cells,
        max_cells,
        ..Rows::default()
    };
    // Pending text outside tables, flushed as one row at block boundaries.
    let mut text = String::new();
    let mut stack: Vec<(ego_tree::NodeRef<'_, Node>, bool)> = vec![(page.tree.root(), false)];
    while let Some((node, visited)) = stack.pop() {
        match node.value() {
            Node::Text(t) if !visited => push_text(&mut text, t),
            Node::Element(e) => {
                let name = e.name();
                if visited {
                    if is_block(name) {
                        out.flush_text(&mut text);
                    }
                    continue;
                }
                if SKIP.contains(&name) {
                    continue;
                }
                if name == "table" {
                    out.flush_text(&mut text);
                    if let Some(table) = ElementRef::wrap(node) {
                        out.table(table)?;
                    }
                    continue;
                }
                if is_block(name) {
                    out.flush_text(&mut text);
                }
                stack.push((node, true));
                for child in node.children().rev() {
                    stack.push((child, false));
                }
            }
            Node::Document | Node::Fragment if !visited => {
                for child in node.children().rev() {
                    stack.push((child, false));
                }
            }
            _ => {}
        }
    }
    out.flush_text(&mut text);
    Ok(out.rows)
}

fn push_text(buf: &mut String, t: &str) {
    for c in t.chars() {
        match c {
            '&' => buf.push_str("&amp;"),
            '<' => buf.push_str("&lt;"),
            '\r' | '\n' | '\t' => buf.push(' '),
            c => buf.push(c),
        }
    }
}

#[derive(Default)]
struct Rows {
    rows: Vec<Row<'static>>,
    number: u32,
    /// The page's cell budget, and what is left of it.
    max_cells: u64,
    cells_left: u64,
}

impl Rows {
    fn next_number(&mut self) -> u32 {
        self.number = self.number.saturating_add(1);
        self.number
    }

    fn flush_text(&mut self, text: &mut String) {
        if text.trim().is_empty() {
            text.clear();
            return;
        }
        let n = self.next_number();
        if let Some(row) = Row::new(n, [Cow::Owned(std::mem::take(text))]) {
            self.rows.push(row);
        }
    }

    /// One table's rows (grid-aligned), then each nested table's, after
    /// the row that holds it.
    fn table(&mut self, table: ElementRef<'_>) -> Result<(), HtmlError> {
        // columns still covered by a rowspan from rows above: remaining rows
        let mut carry: Vec<usize> = Vec::new();
        for tr in own_rows(table) {
            let n = self.next_number();
            let mut cells: Vec<Cow<'static, str>> = Vec::new();
            let mut nested = Vec::new();
            let mut col = 0;
            for td in tr.children().filter_map(ElementRef::wrap) {
                if !matches!(td.value().name(), "td" | "th") {
                    continue;
                }
                while carry.get(col).is_some_and(|&r| r > 0) {
                    carry[col] -= 1;
                    self.spend(1)?;
                    cells.push(Cow::Borrowed(""));
                    col += 1;
                }
                let span = |attr: &str, max: usize| {
                    td.value()
                        .attr(attr)
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .map_or(1, |v| v.clamp(1, max))
                };
                let (colspan, rowspan) =
                    (span("colspan", MAX_COLSPAN), span("rowspan", MAX_ROWSPAN));
                // Spent cell by cell, before the fillers are made: one row
                // of 300,000 `colspan=1000` cells is 300 million of them.
                self.spend(colspan)?;
                cells.push(Cow::Owned(cell_fragment(td, &mut nested)));
                cells.extend((1..colspan).map(|_| Cow::Borrowed("")));
                if carry.len() < col + colspan {
                    carry.resize(col + colspan, 0);
                }
                for c in &mut carry[col..col + colspan] {
                    *c = rowspan - 1;
                }
                col += colspan;
            }
            // rowspans reaching past this row's last cell
            for c in carry.iter_mut().skip(col) {
                *c = c.saturating_sub(1);
            }
            if let Some(row) = Row::new(n, cells) {
                self.rows.push(row);
            }
            for inner in nested {
                self.table(inner)?;
            }
        }
        Ok(())
    }

    /// Takes `n` cells from the page's budget.
    fn spend(&mut self, n: usize) -> Result<(), HtmlError> {
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        match self.cells_left.checked_sub(n) {
            Some(left) => {
                self.cells_left = left;
                Ok(())
            }
            None => Err(HtmlError::TooManyCells {
                limit: self.max_cells,
            }),
        }
    }
}

/// The rows of `table` itself (in its thead/tbody/tfoot or directly), not
/// those of tables nested in its cells.
fn own_rows<'a>(table: ElementRef<'a>) -> impl Iterator<Item = ElementRef<'a>> {
    table
        .children()
        .filter_map(ElementRef::wrap)
        .flat_map(|child| match child.value().name() {
            "tr" => vec![child],
            "thead" | "tbody" | "tfoot" => child
                .children()
                .filter_map(ElementRef::wrap)
                .filter(|r| r.value().name() == "tr")
                .collect(),
            _ => Vec::new(),
        })
}

/// A cell as a fragment for the clean stage: escaped text with `<br>` at
/// paragraph breaks; nested tables are collected, not written.
fn cell_fragment<'a>(td: ElementRef<'a>, nested: &mut Vec<ElementRef<'a>>) -> String {
    let mut out = String::new();
    let mut stack: Vec<(ego_tree::NodeRef<'a, Node>, bool)> =
        td.children().rev().map(|c| (c, false)).collect();
    while let Some((node, visited)) = stack.pop() {
        match node.value() {
            Node::Text(t) if !visited => push_text(&mut out, t),
            Node::Element(e) => {
                let name = e.name();
                if visited {
                    if is_block(name) {
                        out.push_str("<br>");
                    }
                    continue;
                }
                if SKIP.contains(&name) {
                    continue;
                }
                if name == "table" {
                    if let Some(t) = ElementRef::wrap(node) {
                        nested.push(t);
                    }
                    continue;
                }
                if is_block(name) {
                    out.push_str("<br>");
                }
                stack.push((node, true));
                for child in node.children().rev() {
                    stack.push((child, false));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::clean::clean_text;

    const SEED_TSV: &str = include_str!("../../tests/fixtures/seed/seed.utf8.txt");
    const SEED_HTML: &[u8] = include_bytes!("../../tests/fixtures/html/seed.html");
    const SEED_GBK_HTML: &[u8] = include_bytes!("../../tests/fixtures/html/seed-gbk.html");
    const TWO_TABLES: &[u8] = include_bytes!("../../tests/fixtures/html/two_tables.html");

    /// Rows as the pipeline sees them: cells cleaned.
    fn cleaned(rows: &[Row<'_>]) -> Vec<(u32, Vec<String>)> {
        rows.iter()
            .map(|r| {
                let mut cells: Vec<String> =
                    r.cells.iter().map(|c| clean_text(c).into_owned()).collect();
                while cells.last().is_some_and(|c| c.is_empty()) {
                    cells.pop();
                }
                (r.number, cells)
            })
            .filter(|(_, c)| !c.is_empty())
            .collect()
    }

    fn read(html: &str) -> Vec<(u32, Vec<String>)> {
        cleaned(
            &read_html(html.as_bytes(), &HtmlLimits::default())
                .unwrap()
                .rows,
        )
    }

    #[test]
    fn the_seed_page_has_the_text_files_rows() {
        let want = cleaned(&crate::read::text::read_rows(SEED_TSV));
        for (bytes, encoding) in [(SEED_HTML, "UTF-8"), (SEED_GBK_HTML, "GBK")] {
            let doc = read_html(bytes, &HtmlLimits::default()).unwrap();
            assert_eq!(doc.encoding, encoding);
            assert_eq!(cleaned(&doc.rows), want);
        }
    }

    #[test]
    fn two_tables_are_numbered_in_one_count_and_rowspans_align() {
        let rows = cleaned(&read_html(TWO_TABLES, &HtmlLimits::default()).unwrap().rows);
        assert_eq!(
            rows[0],
            (
                1,
                vec!["上海推进科技创新中心建设办公室2020年度项目支出绩效目标".to_string()]
            )
        );
        assert_eq!(rows[1].1, ["财政项目支出绩效目标表"]);
        let second_title = rows
            .iter()
            .filter(|(_, c)| c == &["财政项目支出绩效目标表"])
            .nth(1)
            .unwrap();
        assert_eq!(second_title.0, 37);
        // an indicator row under a rowspan'd level-1 cell keeps its columns
        let r = rows
            .iter()
            .find(|(_, c)| c.get(2).is_some_and(|c| c == "预算执行率"))
            .unwrap();
        assert_eq!(r.1, ["", "", "预算执行率", "=100%"]);
    }

    #[test]
    fn colspan_rowspan_and_clamping() {
        let rows = read(
            "<table><tr><td colspan=2>a</td><td>b</td></tr><tr><td rowspan=2>c</td><td>d</td><td>e</td></tr><tr><td>f</td><td>g</td></tr></table>",
        );
        assert_eq!(
            rows,
            [
                (1, vec!["a".to_string(), "".into(), "b".into()]),
                (2, vec!["c".into(), "d".into(), "e".into()]),
                (3, vec!["".into(), "f".into(), "g".into()]),
            ]
        );
        let rows = read("<table><tr><td colspan=999999999 rowspan=999999999>x</td></tr></table>");
        assert_eq!(rows, [(1, vec!["x".to_string()])]);
    }

    #[test]
    fn cell_text_keeps_paragraphs_and_entities() {
        let rows = read(
            "<table><tr><td><p>第一段</p><p>第二段<br>第三行</p></td><td>&nbsp;</td><td>投资额&lt;500万元 &amp; R&D</td></tr></table>",
        );
        assert_eq!(
            rows,
            [(
                1,
                vec![
                    "第一段\n第二段\n第三行".to_string(),
                    "".into(),
                    "投资额<500万元 & R&D".into()
                ]
            )]
        );
    }

    #[test]
    fn nested_tables_do_not_duplicate_text() {
        let rows = read(
            "<table><tr><td>外<table><tr><td>内</td></tr></table></td><td>y</td></tr><tr><td>z</td></tr></table>",
        );
        assert_eq!(
            rows,
            [
                (1, vec!["外".to_string(), "y".into()]),
                (2, vec!["内".to_string()]),
                (3, vec!["z".to_string()])
            ]
        );
    }

    #[test]
    fn meta_charsets() {
        assert_eq!(meta_charset(b"<meta charset=\"gb2312\">"), Some(GBK));
        assert_eq!(
            meta_charset(b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=GBK'>"),
            Some(GBK)
        );
        assert_eq!(meta_charset(b"<meta charset=utf-16>"), Some(UTF_8));
        assert_eq!(meta_charset(b"<meta name=x content=y>"), None);
    }

    #[test]
    fn cells_that_spans_stand_for_count_against_the_budget() {
        // a few hundred kilobytes whose spans stand for nine million cells:
        // each later row starts under the 1,000 columns of the first cell
        let page = format!(
            "<table><tr><td colspan=1000 rowspan=10000>a</td></tr>{}</table>",
            "<tr><td>x</td></tr>".repeat(9_000)
        );
        let limits = HtmlLimits::default();
        let err = read_html(page.as_bytes(), &limits).err();
        let shown = err.as_ref().map(|e| (e.code(), e.to_string()));
        assert!(
            shown
                .as_ref()
                .is_some_and(|(code, message)| *code == "too_large" && message.contains("5000000")),
            "{shown:?}"
        );
        // the seed's page is far below it
        assert!(read_html(SEED_HTML, &limits).is_ok());
    }

    #[test]
    fn deep_pages_are_refused_before_parsing() {
        for page in [
            format!("<html><body>{}x</body></html>", "<div>".repeat(60_000)),
            "<table><tr><td>".repeat(60_000),
            "<b>".repeat(60_000),
            "<div/>".repeat(60_000),
            // implied ends a browser does not apply here: they nest
            "<rb>x".repeat(60_000),
            "<rt><rp>".repeat(30_000),
            "<optgroup>".repeat(60_000),
            format!("<svg>{}", "<td>".repeat(60_000)),
            format!("<math>{}", "<rtc>".repeat(60_000)),
        ] {
            let err = read_html(page.as_bytes(), &HtmlLimits::default()).unwrap_err();
            assert_eq!(err.code(), "too_deep", "{err}");
        }
        // sloppy but flat pages pass: a <b> left open in each paragraph is
        // made again in the next, at most three deep (the parser keeps
        // three alike)
        let unclosed = "<p><b>x</p>".repeat(60_000);
        let doc = read_html(unclosed.as_bytes(), &HtmlLimits::default()).expect("flat");
        assert_eq!(doc.rows.len(), 60_000);
        // but a paragraph's formatting elements are as deep in the next
        let bolds: String = (0..300).map(|i| format!("<b id={i}>")).collect();
        let page = format!("<p>{bolds}x<p>{bolds}x");
        let err = read_html(page.as_bytes(), &HtmlLimits::default()).unwrap_err();
        assert_eq!(err.code(), "too_deep", "{err}");
        let flat = format!(
            "<table>{}</table>{}",
            "<tr><td>a<td>b".repeat(2000),
            "<p>x".repeat(1000)
        );
        assert!(read_html(flat.as_bytes(), &HtmlLimits::default()).is_ok());
        let closed = "<div><span>x</span></div>".repeat(10_000);
        assert!(read_html(closed.as_bytes(), &HtmlLimits::default()).is_ok());
        let icons = format!(
            "<svg>{}</svg><table><tr><td>x</td></tr></table>",
            "<path d='M0 0'/>".repeat(2000)
        );
        assert!(read_html(icons.as_bytes(), &HtmlLimits::default()).is_ok());
        // where a browser closes them, ruby parts and option groups pass
        let ruby = "<ruby>漢<rb>字<rt>zì<rp>(</rp></ruby>".repeat(2000);
        assert!(read_html(ruby.as_bytes(), &HtmlLimits::default()).is_ok());
        let select = format!("<select>{}</select>", "<optgroup><option>a".repeat(2000));
        assert!(read_html(select.as_bytes(), &HtmlLimits::default()).is_ok());
    }

    #[test]
    fn formatting_rebuilt_in_every_paragraph_is_refused_and_legacy_pages_pass() {
        // 500 different unclosed <b>: 500 new elements in each paragraph
        let bolds: String = (0..500).map(|i| format!("<b id=b{i}>")).collect();
        let page = format!("<p>{bolds}x{}", "<p>x".repeat(5000));
        let err = read_html(page.as_bytes(), &HtmlLimits::default()).unwrap_err();
        assert!(
            matches!(err, HtmlError::Rebuilt { limit, .. } if limit == 512 * 2048),
            "{err}"
        );
        assert_eq!(err.code(), "too_large");
        // A legacy page: <font> and <b> never closed, around the table and
        // in every cell, paragraphs after it. Read in full.
        let row = format!(
            "<tr>{}</tr>",
            "<td><font size=2><b>值<td><font face=宋体>项".repeat(5)
        );
        let page = format!(
            "<html><body><font face=宋体><b><p>财政项目支出绩效目标表<table>{}</table>{}</body></html>",
            row.repeat(2000),
            "<p><font color=red>说明".repeat(3000)
        );
        let doc = read_html(page.as_bytes(), &HtmlLimits::default()).expect("a legacy page");
        assert_eq!(doc.rows.len(), 1 + 2000 + 3000);
    }

    #[test]
    fn binary_is_a_decode_error() {
        let bytes: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        assert!(matches!(
            read_html(&bytes, &HtmlLimits::default()),
            Err(HtmlError::Decode(_))
        ));
        assert!(matches!(
            read_html(b"", &HtmlLimits::default()),
            Err(HtmlError::Decode(DecodeError::Empty))
        ));
    }
}
