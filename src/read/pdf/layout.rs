//! Glyphs → text: lines, the text of a cell, and the rows of a page.
//!
//! * **Lines.** Glyphs whose vertical centres fall within one another's
//!   height are a line, read left to right. A space is put where the gap
//!   between two glyphs is wider than a fifth of the size next to ASCII,
//!   or than half the size between CJK characters; a glyph drawn twice on
//!   itself (fake bold) is kept once.
//! * **A cell's lines** are joined without a separator when the text
//!   wrapped: the line below starts with a piece that would not have fit
//!   on the line above (an ASCII word, or a CJK character with the opening
//!   punctuation before it and the closing punctuation after it, which
//!   line breaking keeps together: `计划开始日` + `期：`, `（沪委` +
//!   `[2018]390号）`, `2020-12-` + `31`), with a space between two ASCII
//!   letters or digits. Otherwise the line above ended its paragraph, and
//!   so it did when the line below is further down than the cell's
//!   closest two lines (paragraph spacing) or starts with a list number
//!   (`1、`, `（2）`, `三、`): those are joined with `\n`, as the text
//!   version's paragraphs are.
//! * **A ruled table** gives one row per grid row; a cell is written in
//!   its first column, the columns a merged cell spans left empty (as a
//!   merged spreadsheet cell exports), and a cell merged down is written
//!   in its top row.
//! * **Without ruling lines** (a page with no grid), words split at gaps
//!   wider than [`COLUMN_GAP`] sizes; the x-extents of the words of lines
//!   that have several are merged into column intervals, and each word
//!   goes to the column it lies in. A line of one word that spans columns
//!   (a title, prose) is a one-cell row. Wrapped cells are not joined in
//!   this mode: each line is a row.

use super::grid::{Cell, Grid, layout};
use super::interp::Glyph;

/// A gap wider than this many font sizes separates columns (no ruling).
pub const COLUMN_GAP: f32 = 0.8;
/// (row, column) slots a ruled table may have; a larger one is a drawing
/// and its text is read as lines.
const MAX_SLOTS: usize = 4_000_000;

/// One line of text: its glyphs in reading order.
#[derive(Debug, Clone)]
pub struct Line<'g> {
    pub glyphs: Vec<&'g Glyph>,
    pub top: f32,
    pub bottom: f32,
    pub x0: f32,
    pub x1: f32,
}

impl Line<'_> {
    fn size(&self) -> f32 {
        self.glyphs.iter().map(|g| g.size).fold(0.0, f32::max)
    }
}

/// Groups glyphs into lines, top to bottom.
pub fn lines<'g>(glyphs: &[&'g Glyph]) -> Vec<Line<'g>> {
    let mut sorted: Vec<&Glyph> = glyphs.to_vec();
    let centre = |g: &Glyph| (g.top + g.bottom) / 2.0;
    sorted.sort_by(|a, b| centre(a).total_cmp(&centre(b)).then(a.x0.total_cmp(&b.x0)));
    let mut out: Vec<Line<'g>> = Vec::new();
    for g in sorted {
        let c = centre(g);
        match out.last_mut() {
            Some(l)
                if c >= l.top && c <= l.bottom && {
                    let lc = (l.top + l.bottom) / 2.0;
                    g.top <= lc && lc <= g.bottom
                } =>
            {
                l.glyphs.push(g);
                l.top = l.top.min(g.top);
                l.bottom = l.bottom.max(g.bottom);
            }
            _ => out.push(Line {
                glyphs: vec![g],
                top: g.top,
                bottom: g.bottom,
                x0: 0.0,
                x1: 0.0,
            }),
        }
    }
    for l in &mut out {
        l.glyphs.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        l.glyphs
            .dedup_by(|b, a| a.ch == b.ch && (a.x0 - b.x0).abs() < 0.15 * a.size.max(1.0));
        l.x0 = l.glyphs.first().map_or(0.0, |g| g.x0);
        l.x1 = l.glyphs.iter().map(|g| g.x1).fold(l.x0, f32::max);
    }
    out
}

/// The text of a run of glyphs, spaces put in at gaps.
fn text_of(glyphs: &[&Glyph]) -> String {
    let mut s = String::new();
    let mut prev: Option<&Glyph> = None;
    for g in glyphs {
        if let Some(p) = prev {
            let gap = g.x0 - p.x1;
            let size = p.size.max(g.size).max(1.0);
            let ascii = p.ch.is_ascii() || g.ch.is_ascii();
            let wide = if ascii { 0.2 } else { 0.5 };
            if gap > wide * size && p.ch != ' ' && g.ch != ' ' {
                s.push(' ');
            }
        }
        s.push(g.ch);
        prev = Some(g);
    }
    s
}

/// Does `s` start with a list number (`1、` `2.` `（3）` `(4)` `五、`)?
fn starts_item(s: &str) -> bool {
    let mut chars = s.chars().peekable();
    match chars.peek() {
        Some('（' | '(') => {
            chars.next();
            let digits = chars
                .by_ref()
                .take_while(|c| c.is_ascii_digit() || is_cjk_numeral(*c))
                .count();
            digits > 0
        }
        Some(c) if c.is_ascii_digit() => {
            let n = chars.by_ref().take_while(|c| c.is_ascii_digit()).count();
            let next = s.chars().nth(n);
            let after = s.chars().nth(n + 1);
            n <= 2
                && (matches!(next, Some('、' | '．'))
                    || (next == Some('.') && !after.is_some_and(|c| c.is_ascii_digit())))
        }
        Some(&c) if is_cjk_numeral(c) => {
            let n = chars.by_ref().take_while(|c| is_cjk_numeral(*c)).count();
            s.chars().nth(n) == Some('、')
        }
        _ => false,
    }
}

fn is_cjk_numeral(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

/// Closing punctuation: never starts a line (it goes down with the
/// character before it).
fn is_closing(c: char) -> bool {
    "，。、；：？！）」』】〕》〉”’%．,.;:?!)]}".contains(c)
}

/// Opening punctuation: never ends a line (it goes down with the
/// character after it).
fn is_opening(c: char) -> bool {
    "（「『【〔《〈“‘([{".contains(c)
}

/// How wide the first unbreakable piece of a line is: an ASCII word, or
/// one CJK character with the opening punctuation before it and the
/// closing punctuation after it. A line broke before it because it did
/// not fit.
fn first_unit(line: &Line<'_>) -> f32 {
    let g = &line.glyphs;
    let mut i = 0;
    while i < g.len() && is_opening(g[i].ch) {
        i += 1;
    }
    if g.get(i).is_some_and(|x| x.ch.is_ascii_alphanumeric()) {
        while i < g.len() && g[i].ch.is_ascii() && g[i].ch != ' ' {
            i += 1;
        }
    } else {
        i += 1;
    }
    while i < g.len() && is_closing(g[i].ch) {
        i += 1;
    }
    let end = g[..i.min(g.len())]
        .iter()
        .map(|x| x.x1)
        .fold(line.x0, f32::max);
    end - line.x0
}

/// Where the text of a cell's lines can reach: the cell's right edge less
/// the padding its lines keep on the left.
fn right_edge(lines: &[Line<'_>], cell: &Cell) -> f32 {
    let pad = lines
        .iter()
        .map(|l| l.x0 - cell.x0)
        .fold(f32::INFINITY, f32::min)
        .max(0.0);
    cell.x1 - if pad.is_finite() { pad } else { 0.0 }
}

/// Does the cell's last line reach its right edge (within one and a half
/// characters)? Then its text may go on where the table goes on, on the
/// next page.
fn ends_full(lines: &[Line<'_>], cell: &Cell) -> bool {
    lines
        .last()
        .is_some_and(|l| l.x1 >= right_edge(lines, cell) - 1.5 * l.size().max(1.0))
}

/// The text of one cell from its lines (see the module doc).
pub fn cell_text(lines: &[Line<'_>], cell: &Cell) -> String {
    let right = right_edge(lines, cell);
    // the usual space between two lines of the cell: more is a paragraph
    let min_gap = lines
        .windows(2)
        .map(|w| w[1].top - w[0].bottom)
        .fold(f32::INFINITY, f32::min);
    let mut out = String::new();
    let mut prev: Option<&Line<'_>> = None;
    for l in lines {
        let t = text_of(&l.glyphs);
        if let Some(p) = prev {
            let size = p.size().max(1.0);
            let wrapped = p.x1 + first_unit(l) > right - 0.2 * size;
            let spaced = l.top - p.bottom > min_gap + 0.3 * size;
            if !wrapped || spaced || starts_item(&t) {
                out.push('\n');
            } else {
                let last = out.chars().next_back();
                let first = t.chars().next();
                if last.is_some_and(|c| c.is_ascii_alphanumeric())
                    && first.is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    out.push(' ');
                }
            }
        }
        out.push_str(&t);
        prev = Some(l);
    }
    out
}

/// Something on a page in reading order: a table's rows or a line.
#[derive(Debug)]
pub enum Item {
    Table {
        rows: Vec<Vec<String>>,
        /// Column boundaries (to tell a table continued on the next page).
        cols: Vec<f32>,
        /// For each column of the last row: its text reached the cell's
        /// right edge (it may go on in a fragment on the next page).
        tail_full: Vec<bool>,
        /// The page break cut it at its top (bottom): no border drawn.
        open_top: bool,
        open_bottom: bool,
        top: f32,
        bottom: f32,
    },
    Line {
        text: String,
        top: f32,
    },
}

impl Item {
    pub fn top(&self) -> f32 {
        match self {
            Item::Table { top, .. } | Item::Line { top, .. } => *top,
        }
    }
}

/// The rows of one ruled table and the glyphs it holds, and which cells
/// of the last row end at their right edge. Glyphs within the table but in
/// no cell (a cell whose border is missing) go to `stray`.
fn table_rows<'g>(
    grid: &Grid,
    glyphs: &[&'g Glyph],
    stray: &mut Vec<&'g Glyph>,
) -> (Vec<Vec<String>>, Vec<bool>) {
    let l = layout(grid);
    let ncols = l.cols.len().saturating_sub(1).max(1);
    let mut per_cell: Vec<Vec<&Glyph>> = vec![Vec::new(); grid.cells.len()];
    // the cell of each (row, column) slot, so that a glyph finds its cell
    // by two binary searches (a table of 10,000 cells and a page of 100,000
    // glyphs is no billion tests)
    let slots = l.rows.len().saturating_mul(ncols);
    if slots > MAX_SLOTS {
        stray.extend_from_slice(glyphs);
        return (Vec::new(), Vec::new());
    }
    let mut at: Vec<Option<usize>> = vec![None; slots];
    for (i, cell) in grid.cells.iter().enumerate() {
        let (r, c, span) = l.place[i];
        let r_end = l
            .rows
            .partition_point(|&t| t < cell.bottom - 1.0)
            .max(r + 1);
        for rr in r..r_end.min(l.rows.len()) {
            for cc in c..(c + span).min(ncols) {
                at[rr * ncols + cc] = Some(i);
            }
        }
    }
    for g in glyphs {
        let (cx, cy) = ((g.x0 + g.x1) / 2.0, (g.top + g.bottom) / 2.0);
        let r = l.rows.partition_point(|&t| t <= cy).checked_sub(1);
        let c = l.cols.partition_point(|&x| x <= cx).checked_sub(1);
        let cell = match (r, c) {
            (Some(r), Some(c)) if c < ncols => at[r * ncols + c],
            _ => None,
        };
        match cell.filter(|&i| grid.cells[i].contains(cx, cy)) {
            Some(i) => per_cell[i].push(g),
            None => stray.push(g),
        }
    }
    let mut rows = vec![(vec![String::new(); ncols], vec![false; ncols]); l.rows.len()];
    for (i, cell) in grid.cells.iter().enumerate() {
        let (r, c, _) = l.place[i];
        if per_cell[i].is_empty() {
            continue;
        }
        let cell_lines = lines(&per_cell[i]);
        let text = cell_text(&cell_lines, cell);
        let c = c.min(ncols - 1);
        if let Some((row, full)) = rows.get_mut(r) {
            let slot = &mut row[c];
            if !slot.is_empty() {
                slot.push(' ');
            }
            slot.push_str(&text);
            full[c] = ends_full(&cell_lines, cell);
        }
    }
    rows.retain(|r| r.0.iter().any(|c| !c.is_empty()));
    let tail = rows.last().map(|r| r.1.clone()).unwrap_or_default();
    (rows.into_iter().map(|r| r.0).collect(), tail)
}

/// The items of a page: ruled tables with their text, and the lines of
/// text outside them; or, with no grid, the rows by text alignment.
pub fn page_items(glyphs: &[Glyph], grids: &[Grid]) -> Vec<Item> {
    let mut items = Vec::new();
    if grids.is_empty() {
        let all: Vec<&Glyph> = glyphs.iter().collect();
        return stream_items(&lines(&all));
    }
    let mut outside: Vec<&Glyph> = Vec::new();
    let mut inside: Vec<Vec<&Glyph>> = vec![Vec::new(); grids.len()];
    for g in glyphs {
        let (cx, cy) = ((g.x0 + g.x1) / 2.0, (g.top + g.bottom) / 2.0);
        match grids.iter().position(|t| t.bbox.contains(cx, cy)) {
            Some(t) => inside[t].push(g),
            None => outside.push(g),
        }
    }
    for (grid, glyphs) in grids.iter().zip(&inside) {
        let (rows, tail_full) = table_rows(grid, glyphs, &mut outside);
        if !rows.is_empty() {
            items.push(Item::Table {
                rows,
                cols: layout(grid).cols,
                tail_full,
                open_top: grid.open_top,
                open_bottom: grid.open_bottom,
                top: grid.bbox.top,
                bottom: grid.bbox.bottom,
            });
        }
    }
    for l in lines(&outside) {
        let text = text_of(&l.glyphs);
        if !text.trim().is_empty() {
            items.push(Item::Line { text, top: l.top });
        }
    }
    items.sort_by(|a, b| a.top().total_cmp(&b.top()));
    items
}

/// Splits a line into words at column-wide gaps.
fn words<'a, 'g>(line: &'a Line<'g>) -> Vec<&'a [&'g Glyph]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..line.glyphs.len() {
        let (p, g) = (line.glyphs[i - 1], line.glyphs[i]);
        if g.x0 - p.x1 > COLUMN_GAP * p.size.max(g.size).max(1.0) {
            out.push(&line.glyphs[start..i]);
            start = i;
        }
    }
    if start < line.glyphs.len() {
        out.push(&line.glyphs[start..]);
    }
    out
}

fn extent(w: &[&Glyph]) -> (f32, f32) {
    (
        w.first().map_or(0.0, |g| g.x0),
        w.iter().map(|g| g.x1).fold(f32::NEG_INFINITY, f32::max),
    )
}

/// Rows by text alignment (no ruling lines on the page).
fn stream_items(lines: &[Line<'_>]) -> Vec<Item> {
    let split: Vec<Vec<&[&Glyph]>> = lines.iter().map(words).collect();
    let mut spans: Vec<(f32, f32)> = split
        .iter()
        .filter(|w| w.len() >= 2)
        .flat_map(|w| w.iter().map(|w| extent(w)))
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut cols: Vec<(f32, f32)> = Vec::new();
    for (a, b) in spans {
        match cols.last_mut() {
            Some(last) if a <= last.1 + 1.0 => last.1 = last.1.max(b),
            _ => cols.push((a, b)),
        }
    }
    let column = |x0: f32, x1: f32| -> Option<usize> {
        let mid = (x0 + x1) / 2.0;
        let hits = cols.iter().filter(|c| x0 < c.1 && x1 > c.0).count();
        if hits > 1 {
            return None;
        }
        cols.iter()
            .position(|c| c.0 - 1.0 <= mid && mid <= c.1 + 1.0)
    };
    let mut items = Vec::new();
    for (line, ws) in lines.iter().zip(&split) {
        let mut cells: Vec<String> = Vec::new();
        let mut ok = !cols.is_empty();
        for w in ws {
            let (x0, x1) = extent(w);
            match column(x0, x1) {
                Some(c) if ok => {
                    if cells.len() <= c {
                        cells.resize(c + 1, String::new());
                    }
                    if !cells[c].is_empty() {
                        cells[c].push(' ');
                    }
                    cells[c].push_str(&text_of(w));
                }
                _ => ok = false,
            }
        }
        if ok && !cells.is_empty() {
            items.push(Item::Table {
                rows: vec![cells],
                cols: Vec::new(),
                tail_full: Vec::new(),
                open_top: false,
                open_bottom: false,
                top: line.top,
                bottom: line.bottom,
            });
        } else {
            let text = text_of(&line.glyphs);
            if !text.trim().is_empty() {
                items.push(Item::Line {
                    text,
                    top: line.top,
                });
            }
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glyphs(text: &str, x: f32, top: f32, size: f32) -> Vec<Glyph> {
        let mut at = x;
        text.chars()
            .map(|ch| {
                let w = if ch.is_ascii() { size / 2.0 } else { size };
                let x0 = at;
                at += w;
                Glyph {
                    ch,
                    x0,
                    x1: x0 + w,
                    top,
                    bottom: top + size,
                    size,
                }
            })
            .collect()
    }

    fn text(parts: &[(&str, f32, f32)], cell: Cell) -> String {
        let all: Vec<Glyph> = parts
            .iter()
            .flat_map(|&(t, x, y)| glyphs(t, x, y, 10.0))
            .collect();
        let refs: Vec<&Glyph> = all.iter().collect();
        cell_text(&lines(&refs), &cell)
    }

    const CELL: Cell = Cell {
        x0: 0.0,
        x1: 64.0,
        top: 0.0,
        bottom: 100.0,
    };

    #[test]
    fn wrapped_cjk_lines_are_joined_and_short_lines_end_paragraphs() {
        // 6 characters fill the 64-point cell (4 points of padding each side)
        assert_eq!(
            text(&[("计划开始日期", 4.0, 2.0), ("：", 4.0, 14.0)], CELL),
            "计划开始日期："
        );
        assert_eq!(
            text(&[("三个。", 4.0, 2.0), ("一期", 4.0, 14.0)], CELL),
            "三个。\n一期"
        );
        // a closing mark goes down with the character before it
        assert_eq!(
            text(&[("开展工作计", 4.0, 2.0), ("划，组建", 4.0, 14.0)], CELL),
            "开展工作计划，组建"
        );
        // an ASCII word that did not fit
        assert_eq!(
            text(&[("（沪委", 4.0, 2.0), ("[2018]号", 4.0, 14.0)], CELL),
            "（沪委[2018]号"
        );
        assert_eq!(
            text(&[("本项目包括以", 4.0, 2.0), ("1、展厅", 4.0, 14.0)], CELL),
            "本项目包括以\n1、展厅"
        );
    }

    #[test]
    fn wrapped_ascii_words_get_a_space() {
        let cell = Cell { x1: 30.0, ..CELL };
        assert_eq!(
            text(&[("abcde", 4.0, 2.0), ("fg", 4.0, 14.0)], cell),
            "abcde fg"
        );
    }

    #[test]
    fn list_numbers() {
        for s in [
            "1、展厅",
            "2.房屋",
            "（3）物业",
            "(4)x",
            "五、其他",
            "12．a",
        ] {
            assert!(starts_item(s), "{s}");
        }
        for s in ["2.5万元", "2020年", "项目", "一期"] {
            assert!(!starts_item(s), "{s}");
        }
    }

    #[test]
    fn columns_from_alignment_without_ruling_lines() {
        let mut all = glyphs("项目名称：", 10.0, 0.0, 10.0);
        all.extend(glyphs("科创中心", 120.0, 0.0, 10.0));
        all.extend(glyphs("一级目标", 10.0, 20.0, 10.0));
        all.extend(glyphs("数量", 120.0, 20.0, 10.0));
        all.extend(glyphs("参观人数", 230.0, 20.0, 10.0));
        all.extend(glyphs(
            "财政项目支出绩效目标表财政项目支出绩效目标表",
            10.0,
            40.0,
            10.0,
        ));
        let items = page_items(&all, &[]);
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|i| match i {
                Item::Table { rows, .. } => rows[0].clone(),
                Item::Line { text, .. } => vec![format!("line:{text}")],
            })
            .collect();
        assert_eq!(rows[0], ["项目名称：", "科创中心"]);
        assert_eq!(rows[1], ["一级目标", "数量", "参观人数"]);
        assert!(rows[2][0].starts_with("line:"));
    }
}
