//! The report page: escaping, counts, charts and panels.

use super::*;
use crate::model::{CellRef, FieldCells, IndicatorCells, Provenance};
use crate::model::{Warning, WarningCode};
use crate::review::SourceView;

const SEED_TSV: &str = include_str!("../../../tests/fixtures/seed/seed.utf8.txt");
const SEED_JSONL: &str = include_str!("../../../tests/fixtures/seed/seed.utf8.txt.expected.jsonl");

fn seed_records() -> Vec<Record> {
    SEED_JSONL
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("golden line is a record"))
        .collect()
}

/// The seed TSV rows first_row..=last_row of a record, split at tabs.
fn seed_rows(r: &Record) -> Vec<(u32, Vec<String>)> {
    let (first, last) = (r.source.first_row, r.source.last_row);
    SEED_TSV
        .lines()
        .zip(1..)
        .filter(|(_, n)| (first..=last).contains(n))
        .map(|(l, n)| (n, l.split('\t').map(str::to_owned).collect()))
        .collect()
}

fn view(rows: Vec<(u32, Vec<String>)>, provenance: Provenance) -> Result<SourceView, String> {
    Ok(SourceView { rows, provenance })
}

/// The page for these records, errors and panels.
fn page(records: &[Record], errors: &[ErrorLine], panels: &[Panel<'_>], generated: &str) -> String {
    let mut stats = Stats::default();
    let rows: Vec<RecordRow> = records.iter().map(|r| stats.add(r)).collect();
    for e in errors {
        stats.add_error(e);
    }
    render(&ReportInput {
        stats: &stats,
        records: &rows,
        errors,
        panels,
        generated,
        schema_version: 1,
    })
    .expect("renders")
}

/// Every record in a panel with its seed rows, no provenance.
fn seed_page(records: &[Record], errors: &[ErrorLine]) -> String {
    let panels: Vec<Panel<'_>> = records
        .iter()
        .map(|r| Panel {
            record: r,
            source: view(seed_rows(r), Provenance::default()),
        })
        .collect();
    page(records, errors, &panels, "2026-01-01")
}

fn error_line(path: &str, member: Option<&str>, stage: &str, code: &str) -> ErrorLine {
    ErrorLine {
        path: path.into(),
        member: member.map(Into::into),
        stage: stage.into(),
        code: code.into(),
        message: "m".into(),
    }
}

/// The `<section class="panel">` of a record.
fn panel_of<'p>(page: &'p str, id: &str) -> &'p str {
    let start = page
        .find(&format!("<section class=\"panel\" id=\"p-{id}\">"))
        .expect("panel present");
    let len = page[start..].find("</section>").expect("panel closed");
    &page[start..start + len]
}

/// The `<tr>` of a source row inside a panel.
fn source_row(panel: &str, n: u32) -> &str {
    let start = panel
        .find(&format!("<tr><th>{n}</th>"))
        .expect("source row present");
    let len = panel[start..].find("</tr>").expect("row closed");
    &panel[start..start + len]
}

/// Checks that every non-void element is closed in order (script and
/// style contents skipped), that is, the page is well nested.
fn assert_well_nested(page: &str) {
    const VOID: [&str; 6] = ["meta", "br", "input", "hr", "img", "col"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = page;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        if rest.starts_with("<!") {
            let end = rest.find('>').expect("declaration closed");
            rest = &rest[end + 1..];
            continue;
        }
        let end = rest.find('>').expect("tag closed");
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().unwrap_or_default();
            assert_eq!(open, name.trim(), "mismatched close tag");
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(!name.is_empty(), "stray '<' in markup: {tag:?}");
        if tag.ends_with('/') || VOID.contains(&name.as_str()) {
            continue;
        }
        if name == "script" || name == "style" {
            let close = format!("</{name}>");
            let end = rest.find(&close).expect("raw text element closed");
            rest = &rest[end + close.len()..];
            continue;
        }
        stack.push(name);
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
}

#[test]
fn every_record_id_is_in_the_table() {
    let records = seed_records();
    assert_eq!(records.len(), 3);
    let page = seed_page(&records, &[]);
    for r in &records {
        let id = &r.record_id;
        assert!(page.contains(&format!("<tr id=\"r-{id}\">")), "{id}");
    }
    assert_eq!(page.matches("<tr id=\"r-").count(), 3);
    assert!(page.contains("<span id=\"shown-count\">3</span>"));
    assert!(page.contains("document.body.dataset.ready=\"1\""));
    // the path column tells apart records that share an id
    assert!(page.contains(
        "<td title=\"tests/fixtures/seed/seed.utf8.txt\">tests/fixtures/seed/seed.utf8.txt</td>"
    ));
}

#[test]
fn hostile_text_is_escaped() {
    let mut records = seed_records();
    records[0].project.project_name = Some("<script>alert(1)</script>".into());
    records[0].project.department = Some("\"><img onerror=x>".into());
    records[1].project.extra = vec![
        (
            "备注".into(),
            Some("</script><script>alert(2)</script>".into()),
        ),
        ("<b>".into(), Some("x".into())),
    ];
    records[2].source.member = Some("a' onmouseover='x".into());
    let panels: Vec<Panel<'_>> = records
        .iter()
        .map(|r| Panel {
            record: r,
            source: view(seed_rows(r), Provenance::default()),
        })
        .collect();
    let errors = [error_line("<i>x</i>.txt", Some("</td>"), "read", "io")];
    let page = page(&records, &errors, &panels, "</script><!-- \u{2028}");
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("<img"));
    assert!(!page.contains("<b>"));
    assert!(!page.contains("<i>"));
    assert!(!page.contains("a' onmouseover"));
    assert!(page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(page.contains("&#60;/script&#62;&#60;script&#62;alert(2)&#60;/script&#62;"));
    assert!(page.contains("&#34;&#62;&#60;img onerror=x&#62;"));
    // Exactly the two script elements of the page itself.
    assert_eq!(page.matches("<script").count(), 2);
    assert_eq!(page.matches("</script").count(), 2);
    assert!(!page.contains("<!--"));
    let data_start = page.find("id=\"report-data\">").expect("data block") + 17;
    let data_len = page[data_start..].find("</script>").expect("data end");
    // U+2028 is harmless in HTML text but must not reach the script.
    assert!(!page[data_start..data_start + data_len].contains('\u{2028}'));
    let data: serde_json::Value =
        serde_json::from_str(&page[data_start..data_start + data_len]).expect("data is JSON");
    assert_eq!(data["generated"], "</script><!-- \u{2028}");
    assert_well_nested(&page);
}

#[test]
fn json_for_script_escapes_and_round_trips() {
    let v = serde_json::json!({"a": "</script><!--&\u{2028}\u{2029}>", "b": [1, 2.5]});
    let s = json_for_script(&v);
    for bad in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
        assert!(!s.contains(bad), "{bad:?} in {s}");
    }
    let back: serde_json::Value = serde_json::from_str(&s).expect("still JSON");
    assert_eq!(back, v);
}

#[test]
fn nothing_is_fetched() {
    let records = seed_records();
    let errors = [error_line("corpus/x.txt", None, "read", "empty")];
    for page in [seed_page(&records, &errors), seed_page(&[], &[])] {
        // No "http" at all: no URL, no SVG namespace (inline SVG needs none).
        assert!(!page.contains("http"));
        assert!(!page.contains("//cdn"));
        assert!(!page.contains("src="));
        assert!(!page.contains("url("));
        assert!(!page.contains("@import"));
        assert!(!page.contains("@font-face"));
    }
}

#[test]
fn the_font_stack_covers_windows_macos_and_linux() {
    let page = seed_page(&[], &[]);
    assert!(page.contains(r#""Microsoft YaHei","PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif"#));
    // level columns do not squeeze; paths do not break mid-word
    assert!(page.contains(".ind .lv{white-space:nowrap;min-width:5em}"));
    assert!(page.contains("word-break:keep-all"));
    assert!(!page.contains("overflow-wrap:anywhere"));
}

#[test]
fn charts_are_inline_svg() {
    let records = seed_records();
    let page = seed_page(&records, &[]);
    assert_eq!(page.matches("<svg").count(), 5);
    for id in [
        "chart-departments",
        "chart-years",
        "chart-operators",
        "chart-units",
        "chart-warnings",
    ] {
        assert!(page.contains(&format!("id=\"{id}\"")), "{id}");
    }
    // 3 records of one department: the only bar has the full width.
    let chart = &page[page.find("id=\"chart-departments\"").expect("chart")..];
    assert!(chart.contains("<title>上海推进科技创新中心建设办公室: 3</title>"));
    assert!(chart.contains("width=\"300\" height=\"16\""));
    // Operator bars carry the real counts: the seed has no le/gt/lt.
    let ops = &page[page.find("id=\"chart-operators\"").expect("ops")..];
    let ops = &ops[..ops.find("</figure>").expect("end")];
    assert!(ops.contains("<title>lt: 0</title>"));
    let ge = records
        .iter()
        .flat_map(|r| &r.project.indicators)
        .filter(|i| i.op == Some(crate::table::target::Op::Ge))
        .count();
    assert!(ge > 0);
    assert!(ops.contains(&format!("<title>ge: {ge}</title>")));
    let empty = seed_page(&[], &[]);
    assert!(empty.contains("<text x=\"4\" y=\"20\" class=\"lbl\">no data</text>"));
    assert_well_nested(&empty);
}

#[test]
fn departments_beyond_twenty_are_other() {
    let seed = seed_records();
    let records: Vec<Record> = (0..25)
        .map(|i| {
            let mut r = seed[0].clone();
            r.record_id = format!("x-{i}");
            r.project.department = Some(format!("单位{i:02}"));
            r
        })
        .collect();
    let page = seed_page(&records, &[]);
    assert!(page.contains("<title>其他 other (5): 5</title>"));
}

/// Cells are highlighted where the provenance says, and nowhere else:
/// the label beside a value is a label, a cell that fed two keys names
/// both, and of two `%` cells only the one that fed the unit is marked.
#[test]
fn panel_highlights_the_cells_the_provenance_names() {
    let records = seed_records();
    let r = &records[1];
    let at = |row, col| CellRef { row, col };
    let mut rows = seed_rows(r);
    rows.push((
        90,
        [
            "效果指标",
            "满意度指标",
            "服务对象满意度",
            "≥",
            "100.00",
            "%",
            "%",
        ]
        .map(String::from)
        .to_vec(),
    ));
    let provenance = Provenance {
        fields: vec![
            FieldCells {
                key: "department".into(),
                label: Some(at(41, 0)),
                value: smallvec::smallvec![at(41, 0)],
            },
            FieldCells {
                key: "project_name".into(),
                label: Some(at(42, 0)),
                value: smallvec::smallvec![at(42, 1)],
            },
            FieldCells {
                key: "budget.total".into(),
                label: Some(at(53, 0)),
                value: smallvec::smallvec![at(53, 1)],
            },
        ],
        indicators: vec![IndicatorCells {
            cells: smallvec::smallvec![
                ("level1", at(90, 0)),
                ("level2", at(90, 1)),
                ("level3", at(90, 2)),
                ("op", at(90, 3)),
                ("value", at(90, 4)),
                ("unit", at(90, 5)),
            ],
        }],
    };
    let panels = [Panel {
        record: r,
        source: view(rows, provenance),
    }];
    let page = page(&records, &[], &panels, "");
    let panel = panel_of(&page, &r.record_id);
    let row = source_row(panel, 42);
    assert!(
        row.contains("<td class=\"label\" title=\"label of project_name\">项目名称：</td><td class=\"feed\" title=\"project_name\">科创中心展厅运营经费</td><td>项目类别：</td>"),
        "{row}"
    );
    let row = source_row(panel, 41);
    assert!(
        row.contains("<td class=\"feed\" title=\"department\">申报单位名称："),
        "{row}"
    );
    let row = source_row(panel, 53);
    assert!(row.contains("<td class=\"feed\" title=\"budget.total\">5,869,574</td><td>项目当年预算（元）：</td><td>5,869,574</td>"), "{row}");
    let row = source_row(panel, 90);
    assert!(
        row.contains("<td class=\"feed\" title=\"indicators[0].value\">100.00</td><td class=\"feed\" title=\"indicators[0].unit\">%</td><td>%</td>"),
        "{row}"
    );
    assert!(
        row.contains("<td class=\"feed\" title=\"indicators[0].op\">≥</td>"),
        "{row}"
    );
    // nothing else is highlighted: no text search
    assert_eq!(panel.matches("class=\"feed\"").count(), 9);
    assert!(!panel.contains("No provenance"));
    // The year is not an amount: no thousands separator.
    assert!(panel.contains("<code>year</code></dt><dd>2020</dd>"));
    assert!(panel.contains("<code>budget.total</code></dt><dd>5,869,574</dd>"));
    assert!(panel.contains("<code>government_procurement</code></dt><dd>否 (false)</dd>"));
    // Warnings sit above the source table.
    assert!(panel.find("No warnings.") < panel.find("class=\"grid source\""));
    // Short level columns do not wrap.
    assert!(
        panel.contains(
            "<td class=\"lv\">投入与管理</td><td class=\"lv\">投入管理</td><td>预算编制合理性</td>"
        ),
        "{panel}"
    );
    assert_well_nested(&page);
}

#[test]
fn without_provenance_no_cell_is_highlighted() {
    let records = seed_records();
    let page = seed_page(&records, &[]);
    assert!(!page.contains("class=\"feed\""));
    assert_eq!(page.matches("No provenance for this project").count(), 3);
}

#[test]
fn unreadable_source_shows_the_message() {
    let records = seed_records();
    let panels = [Panel {
        record: &records[2],
        source: Err("file <gone> since the run".to_owned()),
    }];
    let page = page(&records, &[], &panels, "today");
    let panel = panel_of(&page, "9e00492bde643a12-2");
    assert!(panel.contains("could not be re-read: file &#60;gone&#62; since the run"));
    assert!(panel.contains("未来公园展厅运营经费"));
    assert_eq!(page.matches("class=\"panel\"").count(), 1);
    // Only the paneled record links to a panel.
    assert!(page.contains("<a href=\"#p-9e00492bde643a12-2\">"));
    assert!(!page.contains("<a href=\"#p-9e00492bde643a12-0\">"));
    assert_well_nested(&page);
}

#[test]
fn header_counts() {
    let mut records = seed_records();
    records[1].project.warnings = vec![
        Warning::new(WarningCode::UnplacedText, "a"),
        Warning::new(WarningCode::UnplacedText, "b"),
        Warning::new(WarningCode::DateOrder, "c"),
    ];
    let errors = [
        error_line("corpus/a.zip", Some("x/1.txt"), "split", "no_projects"),
        error_line("corpus/a.zip", Some("x/2.txt"), "read", "empty"),
        error_line("tests/fixtures/seed/seed.utf8.txt", None, "read", "io"),
    ];
    let page = seed_page(&records, &errors);
    assert!(page.contains("<span class=\"num\" id=\"n-documents\">3</span>"));
    assert!(page.contains("<span class=\"num\" id=\"n-records\">3</span>"));
    assert!(page.contains("<span class=\"num\" id=\"n-indicators\">47</span>"));
    assert!(page.contains("<span class=\"num\" id=\"n-errors\">3</span>"));
    assert!(page.contains("<span class=\"num\" id=\"n-warnings\">3</span>"));
    assert!(page.contains("<tr><td><code>unplaced_text</code></td><td class=\"r\">2</td></tr>"));
    assert!(page.contains("<td class=\"path\">x/2.txt</td><td>read</td><td>empty</td>"));
    assert!(page.contains("<option value=\"w:date_order\">date_order (1)</option>"));
    assert!(page.contains("<td>date_order unplaced_text</td></tr>"));
    assert!(page.contains("<span id=\"generated\">2026-01-01</span>"));
}

#[test]
fn empty_input_is_a_valid_page() {
    let page = seed_page(&[], &[]);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.ends_with("</html>\n"));
    assert!(page.contains("<span id=\"shown-count\">0</span>"));
    assert!(page.contains("<table class=\"grid lazy rec\" id=\"records-table\">"));
    assert!(!page.contains("<tbody"));
    assert_eq!(page.matches("<svg").count(), 5);
    assert!(page.contains("<span class=\"num\" id=\"n-documents\">0</span>"));
    assert_well_nested(&page);
}

#[test]
fn big_tables_are_cut_into_chunks() {
    let seed = seed_records();
    let records: Vec<Record> = (0..450)
        .map(|i| {
            let mut r = seed[i % 3].clone();
            r.record_id = format!("x-{i}");
            r
        })
        .collect();
    let page = page(&records, &[], &[], "");
    assert_eq!(
        page.matches("<tbody style=\"contain-intrinsic-height:4400px\">")
            .count(),
        2
    );
    assert_eq!(
        page.matches("<tbody style=\"contain-intrinsic-height:1100px\">")
            .count(),
        1
    );
    assert_well_nested(&page);
}

#[test]
fn seed_page_is_well_nested_and_deterministic() {
    let records = seed_records();
    let a = seed_page(&records, &[]);
    let b = seed_page(&records, &[]);
    assert_eq!(a, b);
    assert_well_nested(&a);
    assert_eq!(a.matches("<section class=\"panel\"").count(), 3);
}

#[test]
fn run_dates_are_utc_minutes() {
    use std::time::{Duration, UNIX_EPOCH};
    let at = |secs| utc_minutes(UNIX_EPOCH + Duration::from_secs(secs));
    assert_eq!(at(0).as_deref(), Some("1970-01-01 00:00 UTC"));
    assert_eq!(at(18_262 * 86_400).as_deref(), Some("2020-01-01 00:00 UTC"));
    assert_eq!(
        at(18_321 * 86_400 + 3_599).as_deref(),
        Some("2020-02-29 00:59 UTC")
    );
    assert_eq!(
        at(20_786 * 86_400 + 86_399).as_deref(),
        Some("2026-11-29 23:59 UTC")
    );
}

/// The same bytes under two paths give two records with one id: each row
/// and each panel gets its own anchor, and each row links to its own panel.
#[test]
fn records_that_share_an_id_have_anchors_of_their_own() {
    let mut records = seed_records();
    let mut copy = records[0].clone();
    copy.source.path = "elsewhere/seed.txt".into();
    records.push(copy);
    let page = seed_page(&records, &[]);
    let id = &records[0].record_id;
    for anchor in [
        format!("p-{id}"),
        format!("p-{id}.2"),
        format!("r-{id}"),
        format!("r-{id}.2"),
    ] {
        assert_eq!(
            page.matches(&format!("id=\"{anchor}\"")).count(),
            1,
            "{anchor}"
        );
    }
    assert!(page.contains(&format!("href=\"#p-{id}.2\"")));
    assert!(page.contains(&format!("href=\"#r-{id}.2\"")));
    // no id attribute is used twice on the page
    let mut ids: Vec<&str> = page
        .split("id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "a duplicated id attribute");
}
