//! How many formatting elements html5ever will rebuild for a page, counted
//! by the depth scan before the parser sees it.
//!
//! A browser (and html5ever) keeps a list of the formatting elements
//! (`<b>`, `<font>`, `<i>`, …) that are open, and when a block closes
//! (a `<p>` closing the one before, a `</div>`) while some of them are
//! still unclosed, it makes new copies of them before the next text or
//! inline tag ("reconstruct the active formatting elements"). So a
//! paragraph holding 500 different unclosed `<b id=…>` makes 500 new
//! elements in each of the 200,000 paragraphs after it: 100 million
//! elements from 1 MB, which no depth limit sees (each paragraph is only
//! 500 deep).
//!
//! The model, an upper bound of what html5ever does:
//!
//! * a formatting start tag adds an entry (at most three with the same
//!   name and attributes since the last marker: the "Noah's Ark" rule);
//!   its end tag removes the latest entry of that name;
//! * block elements (`p`, `div`, `li`, headings, …) are tracked: when one
//!   closes (its end tag, or a `<p>`, `<div>`… closing an open `p`), the
//!   entries opened inside it are closed but stay in the list;
//! * text, or a start tag that is no block or table part, rebuilds every
//!   closed entry since the last marker: each is one element made;
//! * table cells, captions, `object`, `applet`, `marquee` and `template`
//!   are markers: what opens inside them is forgotten when they close, and
//!   nothing from outside is rebuilt inside them. Legacy pages whose
//!   `<font>` and `<b>` are never closed, around tables or inside cells,
//!   so rebuild little or nothing.

/// The formatting elements of the HTML standard's list.
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// Start tags that close an open `p` and are inserted without rebuilding.
const CLOSES_P: &[&str] = &[
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
    "menu",
    "nav",
    "ol",
    "p",
    "search",
    "section",
    "summary",
    "ul",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "listing",
    "form",
    "hr",
    "xmp",
];

/// Whether a start tag closes an open `p` (`<table>` does not in the
/// quirks mode of pages without a doctype: never counted as closing).
pub(crate) fn closes_p(name: &str) -> bool {
    CLOSES_P.contains(&name)
}

/// Blocks tracked besides those: list items close their like.
const ITEMS: &[&str] = &["li", "dd", "dt"];

/// Start tags that open a marker scope, and those that close cells.
const MARKERS: &[&str] = &[
    "td", "th", "caption", "object", "applet", "marquee", "template",
];
const TABLE_PARTS: &[&str] = &[
    "table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "col", "colgroup",
];

/// Start tags that never rebuild (document structure, raw text, tables).
const NO_REBUILD: &[&str] = &[
    "html", "head", "body", "meta", "link", "base", "script", "style", "title", "template",
    "noscript", "frameset", "frame",
];

/// The most entries one scope's list may hold (real pages hold a few;
/// distinct attributes defeat the Noah's Ark rule).
const MAX_ENTRIES: usize = 1024;

/// One entry of the list of active formatting elements.
struct Entry {
    /// Name and attributes, hashed (the Noah's Ark rule compares them).
    key: u64,
    name: String,
    /// The number of blocks open when it was opened (or rebuilt), and
    /// whether it is still open.
    level: usize,
    open: bool,
}

/// A marker scope (a cell, caption, …) or a table.
struct Scope {
    name: String,
    /// Entries and blocks before it opened.
    entries: usize,
    blocks: usize,
}

/// The count of rebuilt elements so far (see the module doc).
#[derive(Default)]
pub(crate) struct Rebuilds {
    entries: Vec<Entry>,
    blocks: Vec<String>,
    scopes: Vec<Scope>,
    /// Entries closed since the last rebuild, and the highest level of an
    /// open entry (no block pop below it closes anything).
    closed: usize,
    top: usize,
    pub(crate) made: u64,
}

impl Rebuilds {
    /// Text between tags.
    pub(crate) fn text(&mut self) {
        self.rebuild();
    }

    /// A start tag; `attrs` is its raw attribute text.
    pub(crate) fn start(&mut self, name: &str, attrs: &str) {
        if MARKERS.contains(&name) || name == "table" {
            self.start_scope(name);
            return;
        }
        if matches!(name, "tr" | "tbody" | "thead" | "tfoot") {
            self.close_cells();
            return;
        }
        if TABLE_PARTS.contains(&name) || NO_REBUILD.contains(&name) {
            return;
        }
        if CLOSES_P.contains(&name) {
            if self.open_block("p").is_some() {
                self.pop_block("p");
            }
            self.push_block(name);
            return;
        }
        if ITEMS.contains(&name) {
            let like: &[&str] = if name == "li" { &["li"] } else { &["dd", "dt"] };
            let from = self.blocks_start();
            if let Some(at) = self.blocks[from..]
                .iter()
                .rposition(|b| like.contains(&b.as_str()))
            {
                self.truncate_blocks(from + at);
            }
            self.push_block(name);
            return;
        }
        self.rebuild();
        if FORMATTING.contains(&name) {
            self.push_entry(name, attrs);
        }
    }

    /// An end tag.
    pub(crate) fn end(&mut self, name: &str) {
        if MARKERS.contains(&name) || name == "table" {
            self.end_scope(name);
        } else if matches!(name, "tr" | "tbody" | "thead" | "tfoot") {
            self.close_cells();
        } else if FORMATTING.contains(&name) {
            let from = self.scope_start();
            if let Some(i) = self.entries[from..].iter().rposition(|e| e.name == name) {
                let e = self.entries.remove(from + i);
                if !e.open {
                    self.closed = self.closed.saturating_sub(1);
                }
            }
        } else if CLOSES_P.contains(&name) || ITEMS.contains(&name) {
            self.pop_block(name);
        }
    }

    fn scope_start(&self) -> usize {
        self.scopes.last().map_or(0, |s| s.entries)
    }

    fn blocks_start(&self) -> usize {
        self.scopes.last().map_or(0, |s| s.blocks)
    }

    /// The index of the innermost open block `name` in the current scope.
    fn open_block(&self, name: &str) -> Option<usize> {
        let from = self.blocks_start();
        self.blocks[from..]
            .iter()
            .rposition(|b| b == name)
            .map(|i| from + i)
    }

    fn push_block(&mut self, name: &str) {
        self.blocks.push(name.to_string());
    }

    fn pop_block(&mut self, name: &str) {
        if let Some(at) = self.open_block(name) {
            self.truncate_blocks(at);
        }
    }

    /// Closes the blocks from `at` on, and the entries opened in them.
    fn truncate_blocks(&mut self, at: usize) {
        self.blocks.truncate(at);
        if self.top <= at {
            return;
        }
        let from = self.scope_start();
        for e in &mut self.entries[from..] {
            if e.open && e.level > at {
                e.open = false;
                self.closed += 1;
            }
        }
        self.top = at;
    }

    fn push_entry(&mut self, name: &str, attrs: &str) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        name.hash(&mut h);
        attrs.trim().trim_end_matches('/').trim().hash(&mut h);
        let key = h.finish();
        let from = self.scope_start();
        let same: Vec<usize> = self.entries[from..]
            .iter()
            .enumerate()
            .filter(|(_, e)| e.key == key)
            .map(|(i, _)| from + i)
            .collect();
        if same.len() >= 3 {
            let e = self.entries.remove(same[0]);
            if !e.open {
                self.closed = self.closed.saturating_sub(1);
            }
        }
        if self.entries.len() - from >= MAX_ENTRIES {
            // html5ever compares each new one with the whole list: past
            // this, a page is refused as if it rebuilt without end.
            self.made = u64::MAX;
            return;
        }
        let level = self.blocks.len();
        self.top = self.top.max(level);
        self.entries.push(Entry {
            key,
            name: name.to_string(),
            level,
            open: true,
        });
    }

    /// Makes every closed entry of the scope again, open at this level.
    fn rebuild(&mut self) {
        if self.closed == 0 {
            return;
        }
        let level = self.blocks.len();
        let from = self.scope_start();
        for e in &mut self.entries[from..] {
            if !e.open {
                e.open = true;
                e.level = level;
                self.made = self.made.saturating_add(1);
            }
        }
        self.closed = 0;
        self.top = self.top.max(level);
    }

    fn start_scope(&mut self, name: &str) {
        if matches!(name, "td" | "th") {
            self.close_cells();
        }
        self.scopes.push(Scope {
            name: name.to_string(),
            entries: self.entries.len(),
            blocks: self.blocks.len(),
        });
        self.recount();
    }

    /// Closes the scopes down to and including the innermost `name`.
    fn end_scope(&mut self, name: &str) {
        if let Some(at) = self.scopes.iter().rposition(|s| s.name == name) {
            self.pop_scopes(at);
        }
    }

    /// Closes the open cells of the innermost table (a new row or cell).
    fn close_cells(&mut self) {
        let cells = self
            .scopes
            .iter()
            .rev()
            .take_while(|s| s.name != "table")
            .filter(|s| matches!(s.name.as_str(), "td" | "th"))
            .count();
        if cells > 0
            && let Some(at) = self
                .scopes
                .iter()
                .rposition(|s| matches!(s.name.as_str(), "td" | "th"))
        {
            self.pop_scopes(at);
        }
    }

    fn pop_scopes(&mut self, at: usize) {
        if let Some(scope) = self.scopes.get(at) {
            let (entries, blocks) = (scope.entries, scope.blocks);
            self.entries.truncate(entries);
            self.blocks.truncate(blocks);
            self.scopes.truncate(at);
            self.recount();
        }
    }

    /// `closed` and `top` for the scope now innermost.
    fn recount(&mut self) {
        let from = self.scope_start();
        let scope = &self.entries[from..];
        self.closed = scope.iter().filter(|e| !e.open).count();
        self.top = scope
            .iter()
            .filter(|e| e.open)
            .map(|e| e.level)
            .max()
            .unwrap_or(0);
    }
}

#[cfg(test)]
mod tests {
    use super::Rebuilds;

    /// Runs a page's tags through the model: `<x a>` starts, `</x>` ends,
    /// anything else is text.
    fn made(page: &str) -> u64 {
        let mut r = Rebuilds::default();
        for token in page.split_inclusive('>') {
            let (text, tag) = token.split_at(token.find('<').unwrap_or(token.len()));
            if !text.is_empty() {
                r.text();
            }
            let tag = tag.trim_start_matches('<').trim_end_matches('>');
            if let Some(name) = tag.strip_prefix('/') {
                r.end(name);
            } else if !tag.is_empty() {
                let (name, attrs) = tag.split_once(' ').unwrap_or((tag, ""));
                r.start(name, attrs);
            }
        }
        r.made
    }

    #[test]
    fn unclosed_formatting_is_rebuilt_once_per_paragraph() {
        let bolds: String = (0..50).map(|i| format!("<b id=b{i}>")).collect();
        assert_eq!(made(&format!("<p>{bolds}x{}", "<p>x".repeat(100))), 5000);
        // the same element is kept three times at most (Noah's Ark)
        assert_eq!(
            made(&format!("<p>{}x{}", "<b>".repeat(50), "<p>x".repeat(100))),
            300
        );
        // closed before the paragraph ends: nothing to rebuild
        assert_eq!(made(&"<p><b>x</b><i>y</i>".repeat(100)), 0);
        // list items inside a cell do not reach the blocks outside it
        assert_eq!(made("<ul><li><table><tr><td><li>x</td></tr></table>y"), 0);
        // a list that only grows (distinct, never rebuilt) is refused
        let divs: String = (0..2000)
            .map(|i| format!("<div><b id={i}></div>"))
            .collect();
        assert_eq!(made(&divs), u64::MAX);
    }

    /// Tag soup of every kind the model knows never panics.
    #[test]
    fn any_tag_soup_is_counted() {
        let tags = [
            "<table>",
            "</table>",
            "<tr>",
            "</tr>",
            "<td>",
            "</td>",
            "<th>",
            "<caption>",
            "</caption>",
            "<p>",
            "</p>",
            "<li>",
            "</li>",
            "<dd>",
            "<dt>",
            "<div>",
            "</div>",
            "<b>",
            "</b>",
            "<font a>",
            "</font>",
            "<i x>",
            "<object>",
            "</object>",
            "<tbody>",
            "x",
            " ",
            "<span>",
            "<ul>",
            "</ul>",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..2000 {
            let page: String = (0..60)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    tags[(state % tags.len() as u64) as usize]
                })
                .collect();
            made(&page);
        }
    }

    #[test]
    fn legacy_pages_rebuild_little() {
        // unclosed <font>/<b> around the tables and inside cells
        let cell = "<td><font size=2><b>值</td>";
        let row = format!("<tr>{}</tr>", cell.repeat(10));
        let page = format!(
            "<body><font face=宋体><b><p>标题<table>{}</table><p>注<p>完",
            row.repeat(1000)
        );
        assert_eq!(made(&page), 0);
        // a font left open in each paragraph: at most three copies a time
        let page = "<p><font color=red>段落".repeat(1000);
        assert!(made(&page) <= 3 * 1000, "{}", made(&page));
    }
}
