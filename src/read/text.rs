//! Tab-separated text exports → rows of cells.
//!
//! The exports are one table row per line, cells separated by tabs, with
//! whatever line ends the exporting tool wrote (CRLF, LF or a lone CR).
//! Lines are numbered from 1 as an editor shows them, counting blank lines,
//! so `first_row`/`last_row` point a reviewer at the right place.
//!
//! Excel's "Text (tab delimited)" and "Unicode Text" exports quote a cell
//! that holds a line break, a tab or a quote: `"1、租赁⏎2、物业"`, with `""`
//! for a quote inside. Such a cell is read as one cell (its line breaks
//! become `\n`) and its row keeps the number of the line it starts on. A
//! quote that does not close right before a tab or a line end is just a
//! character (`"互联网+"行动`).

use std::borrow::Cow;

use super::{Limits, ReadError, Reader, Row, Scratch, Tables};
use crate::decode::decode;

/// The text reader: the bytes decoded (see [`crate::decode`]), then split
/// into rows; one table.
#[derive(Debug, Clone, Copy)]
pub struct TextReader;

impl Reader for TextReader {
    fn read<'a>(
        &self,
        bytes: &'a [u8],
        _: &Limits,
        scratch: &'a mut Scratch<'a>,
    ) -> Result<Tables<'a>, ReadError> {
        let decoded = decode(bytes)?;
        let (encoding, replaced, utf8_lines) = (decoded.name, decoded.replaced, decoded.utf8_lines);
        let rows = read_rows(scratch.keep(decoded.text));
        Ok(Tables {
            utf8_lines,
            ..Tables::single(rows, Vec::new(), Some(encoding), replaced)
        })
    }
}

/// How far a quoted cell may reach before its opening quote is taken as a
/// plain character: bounds the work an unmatched quote can cause.
const MAX_QUOTED: usize = 1 << 20;

/// Splits decoded text into its non-empty rows.
pub fn read_rows(text: &str) -> Vec<Row<'_>> {
    if memchr::memchr(b'"', text.as_bytes()).is_some() {
        return read_rows_quoted(text);
    }
    let mut rows = Vec::new();
    // One scratch list of trimmed cells for every line, so that a row's
    // own list is allocated once, at its size (what `Row::new` does, but
    // without growing a list per row).
    let mut cells: Vec<Cow<'_, str>> = Vec::new();
    for (i, line) in lines(text).enumerate() {
        cells.clear();
        let mut start = 0;
        for tab in memchr::memchr_iter(b'\t', line.as_bytes()) {
            cells.push(Cow::Borrowed(super::trim(&line[start..tab])));
            start = tab + 1;
        }
        cells.push(Cow::Borrowed(super::trim(&line[start..])));
        while cells.last().is_some_and(|c| c.is_empty()) {
            cells.pop();
        }
        if !cells.is_empty() {
            rows.push(Row {
                number: u32::try_from(i + 1).unwrap_or(u32::MAX),
                cells: cells.to_vec(), // borrowed: copies of the references
            });
        }
    }
    rows
}

/// The slow path, for text with quotes: cell by cell, quoted cells may
/// span lines.
fn read_rows_quoted(text: &str) -> Vec<Row<'_>> {
    let b = text.as_bytes();
    let mut rows = Vec::new();
    let mut line = 1u32;
    let mut pos = 0;
    while pos < b.len() {
        let number = line;
        let mut cells: Vec<Cow<'_, str>> = Vec::new();
        loop {
            match quoted_cell(text, pos) {
                Some((content, end, breaks)) => {
                    cells.push(Cow::Owned(content));
                    pos = end;
                    line = line.saturating_add(breaks);
                }
                None => {
                    let end = memchr::memchr3(b'\t', b'\n', b'\r', &b[pos..])
                        .map_or(b.len(), |o| pos + o);
                    cells.push(Cow::Borrowed(&text[pos..end]));
                    pos = end;
                }
            }
            match b.get(pos) {
                Some(b'\t') => pos += 1,
                Some(b'\r') => {
                    pos += if b.get(pos + 1) == Some(&b'\n') { 2 } else { 1 };
                    break;
                }
                Some(_) => {
                    pos += 1; // '\n'
                    break;
                }
                None => break,
            }
        }
        if let Some(row) = Row::new(number, cells) {
            rows.push(row);
        }
        line = line.saturating_add(1);
    }
    rows
}

/// A quoted cell starting at `start`: its content (`""` → `"`, line ends →
/// `\n`), the position after the closing quote (at a tab, a line end or the
/// end of the text), and how many line breaks it spans. `None` when the
/// cell does not start with a quote or the quote does not close properly.
fn quoted_cell(text: &str, start: usize) -> Option<(String, usize, u32)> {
    let b = text.as_bytes();
    if b.get(start) != Some(&b'"') {
        return None;
    }
    let limit = b.len().min(start.saturating_add(MAX_QUOTED));
    let mut raw = String::new();
    let mut i = start + 1;
    loop {
        let q = i + memchr::memchr(b'"', &b[i..limit])?;
        raw.push_str(&text[i..q]);
        match b.get(q + 1) {
            Some(b'"') => {
                raw.push('"');
                i = q + 2;
            }
            None | Some(b'\t' | b'\n' | b'\r') => {
                let mut breaks = 0u32;
                let content: String = lines(&raw)
                    .inspect(|_| breaks += 1)
                    .collect::<Vec<_>>()
                    .join("\n");
                let breaks = breaks.saturating_sub(1) + u32::from(raw.ends_with(['\n', '\r']));
                return Some((content, q + 1, breaks));
            }
            Some(_) => return None,
        }
    }
}

/// Lines split at `\r\n`, `\n` or `\r`; the line ends are not included.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match memchr::memchr2(b'\n', b'\r', &bytes[pos..]) {
            Some(off) => {
                let end = pos + off;
                let line = &text[pos..end];
                pos = if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') {
                    end + 2
                } else {
                    end + 1
                };
                if pos >= bytes.len() {
                    done = true;
                }
                Some(line)
            }
            None => {
                done = true;
                (pos < bytes.len()).then(|| &text[pos..])
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(rows: &[Row<'_>]) -> Vec<(u32, Vec<String>)> {
        rows.iter()
            .map(|r| (r.number, r.cells.iter().map(|c| c.to_string()).collect()))
            .collect()
    }

    #[test]
    fn all_line_ends_are_lines() {
        assert_eq!(
            lines("a\nb\r\nc\rd").collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
        assert_eq!(lines("a\n").collect::<Vec<_>>(), ["a"]);
        assert_eq!(lines("a\n\nb").collect::<Vec<_>>(), ["a", "", "b"]);
        assert_eq!(lines("\r\n\r\nx").collect::<Vec<_>>(), ["", "", "x"]);
        assert_eq!(lines("").count(), 0);
    }

    #[test]
    fn rows_keep_line_numbers_and_skip_blank_lines() {
        let text = "\n\n标题\t\t\t\n项目名称：\t 科创 \t项目类别：\t经常性\r\n\t\t\n\t\t预算执行率\t=100%\n";
        assert_eq!(
            cells(&read_rows(text)),
            vec![
                (3, vec!["标题".to_string()]),
                (
                    4,
                    vec![
                        "项目名称：".into(),
                        "科创".into(),
                        "项目类别：".into(),
                        "经常性".into()
                    ]
                ),
                (
                    6,
                    vec!["".into(), "".into(), "预算执行率".into(), "=100%".into()]
                ),
            ]
        );
    }

    #[test]
    fn quoted_cells_span_lines() {
        let text = "项目名称：\tA\n项目概况：\t\"1、租赁：展厅\r\n2、物业\"\"管理\"\"\"\t\n立项依据：\t\"互联网+\"行动\n\"x\"";
        assert_eq!(
            cells(&read_rows(text)),
            vec![
                (1, vec!["项目名称：".to_string(), "A".into()]),
                (
                    2,
                    vec!["项目概况：".into(), "1、租赁：展厅\n2、物业\"管理\"".into()]
                ),
                (4, vec!["立项依据：".into(), "\"互联网+\"行动".into()]),
                (5, vec!["x".into()]),
            ]
        );
    }

    #[test]
    fn an_unclosed_quote_is_a_character() {
        let rows = read_rows("\"abc\tx\ny\tz\n");
        assert_eq!(
            cells(&rows),
            vec![
                (1, vec!["\"abc".to_string(), "x".into()]),
                (2, vec!["y".into(), "z".into()])
            ]
        );
    }

    #[test]
    fn the_quote_aware_path_agrees_with_the_fast_path() {
        let text = "\n\n标题\t\t\t\n项目名称：\t 科创 \t项目类别：\t经常性\r\n\t\t\n\t\t预算执行率\t=100%\r末行";
        assert_eq!(cells(&read_rows_quoted(text)), cells(&read_rows(text)));
    }

    #[test]
    fn cr_only_files_count_lines_like_an_editor() {
        let rows = read_rows("a\rb\r\rc");
        assert_eq!(rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 4]);
    }
}
