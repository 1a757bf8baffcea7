//! The split stage: a document's rows → one block of rows per project.
//!
//! A project starts at a table title (`财政项目支出绩效目标表`, titles vary)
//! or, in exports without titles, at a 申报单位名称 / 项目名称 that repeats
//! after an indicator table. Rows before the first project stay with it (so
//! they are accounted for), but its `first_row` is its anchor: the title or
//! first field.

use std::ops::Range;

use crate::fields;
use crate::indicator;
use crate::labels::{self, Field};
use crate::read::Row;

/// One project's rows: `rows` indexes the document's row list; `anchor` is
/// the index of the title (or first field) row, `rows.start <= anchor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub rows: Range<usize>,
    pub anchor: usize,
}

/// Splits rows into projects. An empty result means the document holds no
/// project (prose, a stray spreadsheet, ...).
pub fn split(rows: &[Row<'_>]) -> Vec<Block> {
    let mut anchors: Vec<usize> = Vec::new();
    let mut has_table = false;
    let mut has_name = false;
    for (i, row) in rows.iter().enumerate() {
        if row.sole_cell().is_some_and(labels::is_title) {
            anchors.push(i);
            (has_table, has_name) = (false, false);
            continue;
        }
        if indicator::header(row).is_some() {
            if anchors.is_empty() {
                anchors.push(i);
            }
            has_table = true;
            continue;
        }
        let mut names_project = false;
        let mut names_department = false;
        for f in fields::row_fields(row) {
            names_project |= f == Field::ProjectName;
            names_department |= f == Field::Department;
        }
        if !(names_project || names_department) {
            continue;
        }
        let repeated = has_table || (names_project && has_name);
        if anchors.is_empty() || repeated {
            anchors.push(i);
            (has_table, has_name) = (false, false);
        }
        has_name |= names_project;
    }
    let n = anchors.len();
    anchors
        .iter()
        .enumerate()
        .map(|(k, &anchor)| Block {
            rows: if k == 0 { 0 } else { anchor }
                ..anchors.get(k + 1).copied().unwrap_or(rows.len()),
            anchor,
        })
        .take(n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::text::read_rows;

    fn spans(text: &str) -> Vec<(u32, u32)> {
        let rows = read_rows(text);
        split(&rows)
            .iter()
            .map(|b| (rows[b.anchor].number, rows[b.rows.end - 1].number))
            .collect()
    }

    #[test]
    fn titles_start_projects() {
        let t = "附件1\n财政项目支出绩效目标表\n(2020年度)\n项目名称：\tA\n一级目标\t二级目标\t三级目标\t指标目标值\n产出\t数量\tx\t1\n\n项目支出绩效目标申报表\n项目名称：\tB\n";
        assert_eq!(spans(t), [(2, 6), (8, 9)]);
        // the preamble stays with the first project
        let rows = read_rows(t);
        assert_eq!(split(&rows)[0].rows.start, 0);
    }

    #[test]
    fn repeated_labels_start_projects_without_titles() {
        let t = "申报单位名称：甲\n项目名称：\tA\n一级目标\t二级目标\t三级目标\t指标目标值\n产出\t数量\tx\t1\n申报单位名称：甲\n项目名称：\tB\n项目名称：\tC\n";
        assert_eq!(spans(t), [(1, 4), (5, 6), (7, 7)]);
    }

    #[test]
    fn prose_has_no_project() {
        assert!(spans("这是一段说明文字。\n没有任何表格。\n").is_empty());
        assert!(spans("").is_empty());
    }
}
