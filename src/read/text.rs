//! Tab-separated text exports → rows of cells.
//!
//! The exports are one table row per line, cells separated by tabs, with
//! whatever line ends the exporting tool wrote (CRLF, LF or a lone CR).
//! Lines are numbered from 1 as an editor shows them, counting blank lines,
//! so `first_row`/`last_row` point a reviewer at the right place.

use std::borrow::Cow;

use super::Row;

/// Splits decoded text into its non-empty rows.
pub fn read_rows(text: &str) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    for (i, line) in lines(text).enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if let Some(row) = Row::new(number, line.split('\t').map(Cow::Borrowed)) {
            rows.push(row);
        }
    }
    rows
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
    fn cr_only_files_count_lines_like_an_editor() {
        let rows = read_rows("a\rb\r\rc");
        assert_eq!(rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 2, 4]);
    }
}
