//! The split stage: a document's rows → one block of rows per project.
//!
//! A project starts at a table title (`财政项目支出绩效目标表`, titles vary)
//! or, in exports without titles, at a 申报单位名称 / 项目名称 that repeats
//! after an indicator table. Rows before the first project stay with it (so
//! they are accounted for), but its `first_row` is its anchor: the title or
//! first field.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::read::Row;
use crate::table::classify::{Class, Classifier, Item, Kind, money_unit_of};
use crate::table::vocabulary::Field;

/// One project's rows: `rows` indexes the document's row list; `anchor` is
/// the index of the title (or first field) row, `rows.start <= anchor`.
/// Rows before the anchor are the project's preamble (a year line, a
/// `单位：万元` line, `附件2`), or for the first project whatever precedes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub rows: Range<usize>,
    pub anchor: usize,
}

/// Splits classified rows into projects. An empty result means the
/// document holds no project (prose, a stray spreadsheet, ...).
///
/// A project starts at a title; before any title, or in documents without
/// titles, at the first 申报单位名称/项目名称, and again at one that comes
/// after an indicator table or repeats a field the project already has.
/// (Inside a titled project a repeated label is just a duplicate field.)
pub fn split(rows: &[Row<'_>], classes: &[Class<'_>]) -> Vec<Block> {
    let mut anchors = Anchors::default();
    for (i, class) in classes.iter().enumerate() {
        anchors.push(i, class);
    }
    let anchors = anchors.rows;
    // Each project after the first starts at its preamble rows, so a year
    // or unit line just above a title belongs to the project below it.
    let starts: Vec<usize> = anchors
        .iter()
        .enumerate()
        .map(|(k, &anchor)| {
            if k == 0 {
                return 0;
            }
            let floor = anchors[k - 1] + 1;
            let mut start = anchor;
            while start > floor && is_preamble(&rows[start - 1], &classes[start - 1]) {
                start -= 1;
            }
            start
        })
        .collect();
    let blocks: Vec<Block> = anchors
        .iter()
        .enumerate()
        .map(|(k, &anchor)| Block {
            rows: starts[k]..starts.get(k + 1).copied().unwrap_or(rows.len()),
            anchor,
        })
        .collect();
    only_projects(blocks, classes)
}

/// How many projects a table's rows hold, each row classified and let go
/// at once: a table of millions of one-line projects is refused (over
/// `--max-projects`) before the classes of all its rows are held. The
/// count is that of [`split`]'s blocks that are projects.
pub fn count_projects(rows: &[Row<'_>]) -> usize {
    let mut classifier = Classifier::default();
    let mut anchors = Anchors::default();
    let (mut projects, mut evidence) = (0usize, false);
    for (i, row) in rows.iter().enumerate() {
        let class = classifier.class(row);
        let before = anchors.rows.len();
        anchors.push(i, &class);
        // a new block after the first closes the one before it
        if anchors.rows.len() > before && before > 0 {
            projects += usize::from(evidence);
            evidence = false;
        }
        evidence |= is_project_row(&class);
        // only the anchors' count matters here
        if anchors.rows.len() > 1 {
            anchors.rows.drain(..anchors.rows.len() - 1);
        }
    }
    projects + usize::from(evidence && !anchors.rows.is_empty())
}

/// Where projects start: the anchor rule of [`split`], a row at a time.
#[derive(Debug, Default)]
struct Anchors {
    rows: Vec<usize>,
    has_table: bool,
    has_name: bool,
    has_dept: bool,
    titled: bool,
}

impl Anchors {
    fn push(&mut self, i: usize, class: &Class<'_>) {
        if class.title.is_some() {
            self.rows.push(i);
            (self.has_table, self.has_name, self.has_dept, self.titled) =
                (false, false, false, true);
            return;
        }
        let items = match &class.kind {
            Kind::Header(_) => {
                if self.rows.is_empty() {
                    self.rows.push(i);
                }
                self.has_table = true;
                return;
            }
            Kind::Items(items) => items,
            _ => return,
        };
        let (mut names_project, mut names_department) = (false, false);
        for item in items {
            if let Item::Pair { label, value, .. } = item {
                match label.field() {
                    Some(Field::ProjectName) => names_project = true,
                    // `申报单位：（盖章）` under a table is a signature line
                    Some(Field::Department) => {
                        names_department |= !value.is_some_and(|(_, v)| is_seal(v))
                    }
                    _ => {}
                }
            }
        }
        if !(names_project || names_department) {
            return;
        }
        let repeated = self.has_table
            || (!self.titled
                && ((names_project && self.has_name) || (names_department && self.has_dept)));
        if self.rows.is_empty() || repeated {
            self.rows.push(i);
            (self.has_table, self.has_name, self.has_dept, self.titled) =
                (false, false, false, false);
        }
        self.has_name |= names_project;
        self.has_dept |= names_department;
    }
}

/// Whether a row makes its block a project: an indicator (a row of an
/// indicator table with a name or a target) or a 项目名称 with a value
/// (see [`only_projects`]). A blank form (its labels, its table's
/// headings and level names) is no project.
fn is_project_row(class: &Class<'_>) -> bool {
    match &class.kind {
        Kind::Indicator { filled } => *filled,
        Kind::Items(items) => items.iter().any(|i| {
            matches!(i, Item::Pair { label, value: Some((_, v)), .. }
                if matches!(label.field(), Some(Field::ProjectName | Field::ProjectNameAlt))
                    && !crate::table::indicator::is_placeholder(v))
        }),
        _ => false,
    }
}
/// Keeps the blocks that are projects: a project has a name (项目名称) or
/// an indicator table. A block that has neither (a page headline, a cover
/// page, a title alone) is no record of its own; its rows join the next
/// project as its preamble (so its cells are still accounted for, as
/// text before that project's title), or the last project's end when no
/// project follows. No project at all: no block.
fn only_projects(blocks: Vec<Block>, classes: &[Class<'_>]) -> Vec<Block> {
    let is_project = |b: &Block| classes[b.rows.clone()].iter().any(is_project_row);
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    let mut pending: Option<usize> = None; // where rows waiting for a project start
    for b in blocks {
        if is_project(&b) {
            let start = pending.take().unwrap_or(b.rows.start);
            out.push(Block {
                rows: start..b.rows.end,
                anchor: b.anchor,
            });
        } else {
            pending.get_or_insert(b.rows.start);
        }
    }
    if let (Some(_), Some(last)) = (pending, out.last_mut()) {
        last.rows.end = classes.len();
    }
    out
}

static ATTACHMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^附件\s*[0-9０-９一二三四五六七八九十]*\s*[：:]?$").expect("valid regex")
});

/// A row that introduces the table below it: a year line, a money-unit
/// line, an attachment number.
fn is_preamble<'a>(row: &'a Row<'a>, class: &'a Class<'a>) -> bool {
    class.title.is_none()
        && class.items(row).iter().all(|item| match item {
            Item::Pair { .. } => money_unit_of(item).is_some(),
            Item::Unit { .. } => true,
            Item::Loose { text, .. } => ATTACHMENT.is_match(text),
            Item::Group { .. } | Item::GridHeader { .. } => false,
        })
}

/// `（盖章）`, `签字`: a placeholder for a seal or signature, not a value.
fn is_seal(value: &str) -> bool {
    ["盖章", "公章", "签章", "签字", "签名"]
        .iter()
        .any(|w| value.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::text::read_rows;
    use crate::table::classify::classify;

    fn blocks(rows: &[Row<'_>]) -> Vec<Block> {
        split(rows, &classify(rows))
    }

    fn spans(text: &str) -> Vec<(u32, u32)> {
        let rows = read_rows(text);
        blocks(&rows)
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
        assert_eq!(blocks(&rows)[0].rows.start, 0);
    }

    #[test]
    fn repeated_labels_start_projects_without_titles() {
        let t = "申报单位名称：甲\n项目名称：\tA\n一级目标\t二级目标\t三级目标\t指标目标值\n产出\t数量\tx\t1\n申报单位名称：甲\n项目名称：\tB\n项目名称：\tC\n";
        assert_eq!(spans(t), [(1, 4), (5, 6), (7, 7)]);
    }

    #[test]
    fn a_repeated_name_inside_a_titled_project_does_not_split_it() {
        let t = "项目支出绩效目标表\n项目名称：\tA\n项目总预算：\t100\n项目名称：\tA\n";
        assert_eq!(spans(t), [(1, 4)]);
    }

    #[test]
    fn a_repeated_department_splits_untitled_projects() {
        let t = "申报单位名称：\t甲\n项目名称：\tA\n申报单位名称：\t乙\n项目名称：\tB\n";
        assert_eq!(spans(t), [(1, 2), (3, 4)]);
    }

    #[test]
    fn preamble_rows_belong_to_the_project_below() {
        let t = "项目支出绩效目标表\n项目名称：\tA\n项目总预算：\t100\n附件2\n单位：万元\n项目支出绩效目标表\n项目名称：\tB\n";
        let rows = read_rows(t);
        let found = blocks(&rows);
        assert_eq!(spans(t), [(1, 3), (6, 7)]);
        assert_eq!(rows[found[1].rows.start].number, 4);
        let t = "(2020年度)\n项目名称：\tA\n一级目标\t二级目标\t三级目标\t指标目标值\n产出\t数量\tx\t1\n(2021年度)\n项目名称：\tB\n";
        let rows = read_rows(t);
        assert_eq!(rows[blocks(&rows)[1].rows.start].number, 5);
    }

    #[test]
    fn a_seal_line_under_the_table_is_not_a_project() {
        let t = "项目支出绩效目标表\n项目名称：\tA\n一级目标\t二级目标\t三级目标\t指标目标值\n产出\t数量\tx\t1\n申报单位：\t（盖章）\n";
        assert_eq!(spans(t), [(1, 5)]);
    }

    #[test]
    fn a_title_alone_is_no_project() {
        // a UTF-16 file holding only a title, a headline above the table
        assert!(spans("绩效目标表\n").is_empty());
        assert!(spans("项目支出绩效目标表\n(2020年度)\n").is_empty());
        let t =
            "财政项目支出绩效目标申报表\n发布时间：2023-01-01\n项目支出绩效目标表\n项目名称：\tA\n";
        let rows = read_rows(t);
        let found = blocks(&rows);
        assert_eq!(found.len(), 1);
        // the headline's rows are the project's preamble, not lost
        assert_eq!((found[0].rows.start, rows[found[0].anchor].number), (0, 3));
        // after the last project, a title alone joins it
        assert_eq!(
            spans("项目支出绩效目标表\n项目名称：\tA\n项目支出绩效目标表\n"),
            [(1, 3)]
        );
    }

    #[test]
    fn prose_has_no_project() {
        assert!(spans("这是一段说明文字。\n没有任何表格。\n").is_empty());
        assert!(spans("").is_empty());
    }
}
