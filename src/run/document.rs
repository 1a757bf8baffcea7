//! One document, start to finish: bytes → records.
//!
//! This is the composition of the pure stages (decode → read → clean →
//! classify → split → fields/indicators) for a single document, with no
//! I/O, so the pipeline (for files and zip members alike), the review
//! commands and the tests all call the same thing.

use sha2::{Digest, Sha256};

use crate::error::DocError;
use crate::model::{Record, SCHEMA_VERSION, Source, Warning, WarningCode};
use crate::read::{self, Scratch};
pub use crate::read::{Limits, Table, Tables};
use crate::source::Format;
use crate::table::classify::classify;
use crate::table::fields;
use crate::table::split::{count_projects, split};

/// Where a document came from, as written in `source`.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub path: &'a str,
    pub member: Option<&'a str>,
    pub format: Format,
}

/// Lowercase hex sha256 of the raw bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads a document as `format` into cleaned tables (see [`read::read`])
/// and hands them to `f` (the text they borrow from lives only for the
/// call).
pub fn with_tables<R>(
    format: Format,
    bytes: &[u8],
    limits: &Limits,
    f: impl FnOnce(Tables<'_>) -> R,
) -> Result<R, DocError> {
    let mut scratch = Scratch::default();
    let tables = read::read(format, bytes, limits, &mut scratch)?;
    Ok(f(tables))
}

/// Extracts every project of a document. `origin.format` is the format
/// to read it as (already corrected by sniffing).
pub fn extract(origin: Origin<'_>, bytes: &[u8], limits: &Limits) -> Result<Vec<Record>, DocError> {
    extract_with_tables(origin, bytes, limits, |_, records| records)
}

/// [`extract`], reading the document once, with its tables handed to `f`
/// beside the records (for a reviewer: the source rows and what was read
/// from them).
pub fn extract_with_tables<R>(
    origin: Origin<'_>,
    bytes: &[u8],
    limits: &Limits,
    f: impl FnOnce(&Tables<'_>, Vec<Record>) -> R,
) -> Result<R, DocError> {
    let sha256 = sha256_hex(bytes);
    with_tables(origin.format, bytes, limits, |t| {
        let records = records(origin, &sha256, &t, limits.max_projects)?;
        Ok(f(&t, records))
    })?
}

fn records(
    origin: Origin<'_>,
    sha256: &str,
    tables: &Tables<'_>,
    max_projects: usize,
) -> Result<Vec<Record>, DocError> {
    let &Tables {
        ref tables,
        encoding,
        replaced,
        utf8_lines,
    } = tables;
    let id_prefix = &sha256[..16];
    let mut records = Vec::new();
    for table in tables {
        // A sheet without a table is skipped; a workbook without any is
        // an error (below).
        // Each project takes a row at least: only a table of more rows than
        // projects are left may hold too many, and is counted first, one
        // row at a time, before the classes of all its rows are held.
        let left = max_projects.saturating_sub(records.len());
        if table.rows.len() > left {
            let count = records.len().saturating_add(count_projects(&table.rows));
            if count > max_projects {
                return Err(DocError::TooManyProjects {
                    count,
                    limit: max_projects,
                });
            }
        }
        let classes = classify(&table.rows);
        let blocks = split(&table.rows, &classes);
        // Counted before any record is built.
        let count = records.len().saturating_add(blocks.len());
        if count > max_projects {
            return Err(DocError::TooManyProjects {
                count,
                limit: max_projects,
            });
        }
        for block in blocks {
            let index = records.len();
            let mut project = fields::extract(&table.rows, &classes, &block);
            if utf8_lines > 0 {
                project.warnings.insert(
                    0,
                    Warning::new(WarningCode::MixedEncoding,
                        format!(
                            "the document mixes encodings: {utf8_lines} lines are UTF-8, the rest {}; each line was decoded in its own",
                            encoding.unwrap_or("text")
                        ),
                    ),
                );
            }
            if replaced {
                let message = if origin.format == Format::Pdf {
                    "some characters of the PDF could not be mapped to Unicode (a font without a ToUnicode map or a known encoding) and were written as U+FFFD".to_string()
                } else {
                    format!(
                        "the document is not valid {}: malformed bytes or NUL characters were replaced or removed",
                        encoding.unwrap_or("text")
                    )
                };
                project
                    .warnings
                    .insert(0, Warning::new(WarningCode::DecodeReplaced, message));
            }
            records.push(Record {
                schema_version: SCHEMA_VERSION,
                record_id: format!("{id_prefix}-{index}"),
                source: Source {
                    path: origin.path.to_string(),
                    member: origin.member.map(str::to_string),
                    sha256: sha256.to_string(),
                    format: origin.format.name().into(),
                    encoding: encoding.map(Into::into),
                    sheet: table.sheet.clone(),
                    page: table.page_of(table.rows[block.anchor].number),
                    index,
                    first_row: table.rows[block.anchor].number,
                    last_row: table.rows[block.rows.end - 1].number,
                },
                duplicate_of: None,
                project,
            });
        }
    }
    if records.is_empty() {
        return Err(DocError::NoProjects { read_as: encoding });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../tests/fixtures/seed/seed.utf8.txt");
    const HEAD: &str = "财政项目支出绩效目标表\n(2020年度)\n申报单位名称：某局\n项目名称：\t甲\n";
    const TABLE: &str = "一级目标\t二级目标\t三级目标\t指标目标值\n产出目标\t数量\t次数\t>=2次\n";

    fn codes(bytes: &[u8]) -> Vec<&'static str> {
        let origin = Origin {
            path: "t.txt",
            member: None,
            format: Format::Text,
        };
        let records = extract(origin, bytes, &Limits::default()).expect("records");
        records
            .iter()
            .flat_map(|r| r.project.warnings.iter().map(|w| w.code.as_str()))
            .collect()
    }

    /// One document that triggers each warning code; the seed triggers none.
    #[test]
    fn each_warning_code_has_a_trigger() {
        assert_eq!(codes(SEED.as_bytes()), Vec::<&str>::new());
        assert_eq!(
            codes(format!("{HEAD}{TABLE}").as_bytes()),
            Vec::<&str>::new()
        );
        let cases: Vec<(&str, String)> = vec![
            (
                "missing_field",
                format!("财政项目支出绩效目标表\n(2020年度)\n申报单位名称：某局\n{TABLE}"),
            ),
            ("no_indicators", HEAD.to_string()),
            (
                "unplaced_text",
                format!("{HEAD}一段不属于任何字段的说明\n{TABLE}"),
            ),
            (
                "unparsed_target",
                format!("{HEAD}{TABLE}\t\t完成情况\t按计划完成2次以上工作并提高30%\n"),
            ),
            (
                "unparsed_value",
                format!("{HEAD}计划开始日期：\t年初\n{TABLE}"),
            ),
            (
                "amount_rounded",
                format!("{HEAD}项目总预算（元）：\t1.005\n{TABLE}"),
            ),
            ("duplicate_field", format!("{HEAD}项目名称：\t乙\n{TABLE}")),
            (
                "date_order",
                format!("{HEAD}计划开始日期：\t2020-06-01\t计划完成日期：\t2020-01-01\n{TABLE}"),
            ),
            (
                "budget_inconsistent",
                format!("{HEAD}项目总预算（元）：\t100\t项目当年预算（元）：\t200\n{TABLE}"),
            ),
        ];
        for (code, doc) in cases {
            assert_eq!(codes(doc.as_bytes()), [code], "{doc}");
        }
        // character references to NUL clean to U+FFFD: said, not silent
        let nul_refs = format!("{HEAD}项目概况：\t{}\n{TABLE}", "&#x0;".repeat(50));
        assert_eq!(codes(nul_refs.as_bytes()), ["decode_replaced"]);
        let mut damaged = format!("{HEAD}{TABLE}").into_bytes();
        damaged.insert(HEAD.len() - 2, 0xFF);
        assert_eq!(codes(&damaged), ["decode_replaced"]);
        // Two exports concatenated: the head in GBK, the table in UTF-8.
        let (gbk, _, _) = encoding_rs::GBK.encode(HEAD);
        let mixed = [gbk.as_ref(), TABLE.as_bytes()].concat();
        assert_eq!(codes(&mixed), ["mixed_encoding"]);
    }
    /// Provenance is recorded where a value is read: on the seed, every
    /// text field's cell holds that very text, every merged target cell
    /// the indicator's target, every name cell its name, and a cell that
    /// holds only `%` feeds nothing.
    #[test]
    fn every_value_points_at_the_cell_it_was_read_from() {
        let origin = Origin {
            path: "seed.txt",
            member: None,
            format: Format::Text,
        };
        let records = extract(origin, SEED.as_bytes(), &Limits::default()).expect("records");
        let rows = crate::read::text::read_rows(SEED);
        let text_at = |c: &crate::model::CellRef| {
            let row = rows.iter().find(|r| r.number == c.row).expect("row");
            crate::read::clean::clean_text(row.cell(c.col as usize)).into_owned()
        };
        for r in &records {
            let p = &r.project;
            let fields = &p.provenance.fields;
            for (key, value) in [
                ("title", p.title.as_deref()),
                ("department", p.department.as_deref()),
                ("project_name", p.project_name.as_deref()),
                ("overview", p.overview.as_deref()),
                ("goals", p.goals.as_deref()),
            ] {
                let f = fields.iter().find(|f| f.key == key);
                match (value, f) {
                    (Some(v), Some(f)) => {
                        assert_eq!(f.value.len(), 1, "{key}");
                        assert!(text_at(&f.value[0]).contains(v), "{key}: {v}");
                    }
                    (None, None) => {}
                    (v, f) => panic!("{key}: value {v:?} but provenance {f:?}"),
                }
            }
            let year = fields.iter().find(|f| f.key == "year").expect("year");
            assert!(text_at(&year.value[0]).contains("2020"));
            assert!(fields.iter().any(|f| f.key == "budget.total"));
            assert_eq!(p.provenance.indicators.len(), p.indicators.len());
            for (ind, cells) in p.indicators.iter().zip(&p.provenance.indicators) {
                let at = |k: &str| {
                    cells
                        .cells
                        .iter()
                        .find(|(key, _)| *key == k)
                        .map(|(_, c)| text_at(c))
                };
                assert_eq!(at("level1").as_deref(), ind.level1.as_deref());
                assert_eq!(at("level2").as_deref(), ind.level2.as_deref());
                assert_eq!(at("level3").as_deref(), Some(ind.level3.as_str()));
                assert_eq!(at("target").as_deref(), Some(ind.target.as_str()));
                for (_, c) in &cells.cells {
                    assert_ne!(text_at(c).trim(), "%");
                }
            }
        }
    }

    #[test]
    fn a_document_over_the_project_limit_is_one_error() {
        let origin = Origin {
            path: "seed.txt",
            member: None,
            format: Format::Text,
        };
        let limits = |max_projects| Limits {
            max_projects,
            ..Limits::default()
        };
        let seed = SEED.as_bytes();
        assert_eq!(
            extract(origin, seed, &limits(3)).map(|r| r.len()).ok(),
            Some(3)
        );
        let err = extract(origin, seed, &limits(2)).err();
        assert!(
            matches!(err, Some(DocError::TooManyProjects { count: 3, limit: 2 })),
            "{err:?}"
        );
        assert_eq!(err.map(|e| e.code()), Some("too_large"));
    }

    /// A page whose `<meta charset>` lies finds nothing: the error line
    /// says which encoding the text was read as.
    #[test]
    fn no_projects_names_the_encoding_the_text_was_read_as() {
        let page = format!(
            "<html><head><meta charset=\"big5\"></head><body><table>{}</table></body></html>",
            "<tr><td>项目名称：</td><td>甲</td></tr><tr><td>一级目标</td><td>二级目标</td><td>三级目标</td><td>指标目标值</td></tr>"
        );
        let origin = Origin {
            path: "lying.html",
            member: None,
            format: Format::Html,
        };
        let err = extract(origin, page.as_bytes(), &Limits::default()).err();
        let message = err.as_ref().map(ToString::to_string).unwrap_or_default();
        assert_eq!(err.map(|e| e.code()), Some("no_projects"), "{message}");
        assert!(message.contains("read as Big5"), "{message}");
    }
}
