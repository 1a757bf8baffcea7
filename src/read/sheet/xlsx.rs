//! xlsx worksheets, streamed: values, formulas and number formats.
//!
//! openpyxl and pandas write any string that starts with `=` as a formula
//! with no cached value: a target typed as `=100%` arrives as the formula
//! `100%` and no value. So a formula cell is read as Excel would show it:
//!
//! * with no cached value, as `=` and its formula text (`=100%`); a
//!   derived cell of a shared formula gets its template moved to its
//!   place, as Excel does;
//! * with a cached value, as that value under the cell's number format
//!   (`1` formatted `0%` is `100%`), like any other number;
//! * in a workbook that declares its cached values stale
//!   (`<calcPr fullCalcOnLoad="1"/>`, as openpyxl and XlsxWriter write
//!   it: XlsxWriter caches `0` for every formula), a formula without
//!   references or function calls (`100%`, `>=95%`) as `=` and its text:
//!   that is what was typed. Other formulas keep their cached value.
//!
//! A cached empty string (`t="str"` with an empty `<v>`) is a value: the
//! formula shows nothing (`=IF(A1="","",A1)`).
//!
//! calamine's one-pass readers give either a cell's formula or its style,
//! not both; so when the workbook has number formats that show a number
//! otherwise than General (`0%`, `0.00`), and the sheet holds numbers, the
//! sheet is read a second time for the style ids of those numbers only.
//! Formula text held (the templates of shared formulas) and shown is
//! charged to the workbook's text budget (`--max-text`), like cell text.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Cursor;

use calamine::{DataRef, Reader as _, Style, Xlsx, XlsxError, XlsxFormulaMetadata};

use super::cell::{Value, format_number, render};
use super::grid::{Grid, TextBudget};
use super::numfmt::NumFmt;
use super::{
    Sheet, SheetError, SheetLimits, calamine, corrupt, sheet_corrupt, worksheet_names, zip_scan,
};

/// What holding one shared-formula template costs besides its text.
const TEMPLATE_COST: usize = 128;

pub(super) fn read_xlsx(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Sheet>, SheetError> {
    zip_scan::check_xlsx(bytes)?;
    let stale = zip_scan::xlsx_recalculates_on_load(bytes);
    let mut wb =
        calamine("xlsx", || Xlsx::new(Cursor::new(bytes)))?.map_err(|e| corrupt("xlsx", &e))?;
    let mut sheets = Vec::new();
    let mut budget = TextBudget::new(limits.max_text);
    let mut formats: Option<Vec<Option<NumFmt>>> = None;
    for name in worksheet_names(wb.sheets_metadata())? {
        let mut cells = match calamine("xlsx", || wb.worksheet_cells_reader(&name))? {
            Ok(cells) => cells,
            // A sheet the workbook calls a worksheet but is not one.
            Err(XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => return Err(sheet_corrupt("xlsx", &name, &e)),
        };
        let formats = formats.get_or_insert_with(|| number_formats(cells.styles()));
        let formatted = formats.iter().any(Option::is_some);
        let mut grid = Grid::new(&name, limits, &mut budget);
        let mut templates: HashMap<usize, ((u32, u32), String)> = HashMap::new();
        while let Some(cell) = calamine("xlsx", || cells.next_cell_with_formula_metadata())?
            .map_err(|e| sheet_corrupt("xlsx", &name, &e))?
        {
            let (row, col) = cell.pos;
            let formula = match cell.formula {
                None => None,
                Some(f) => formula_text(f, cell.pos, &mut templates, &mut grid)?,
            };
            if let Some(text) = formula {
                let shown = matches!(cell.value, DataRef::Empty) || (stale && typed(&text));
                if shown && !text.trim().is_empty() {
                    grid.push(row, col, Cow::Owned(format!("={text}")))?;
                    continue;
                }
            }
            match cell.value {
                DataRef::Float(f) if formatted => grid.push_number(row, col, f)?,
                DataRef::Int(i) if formatted => grid.push_number(row, col, i as f64)?,
                value => grid.push(row, col, render(Value::from(&value)))?,
            }
        }
        drop(cells);
        if grid.has_numbers() {
            grid.settle();
            let mut styles = calamine("xlsx", || wb.worksheet_cells_reader(&name))?
                .map_err(|e| sheet_corrupt("xlsx", &name, &e))?;
            while let Some((row, col, id)) = calamine("xlsx", || styles.next_style_id())?
                .map_err(|e| sheet_corrupt("xlsx", &name, &e))?
            {
                grid.set_style(row, col, id);
            }
        }
        grid.show_numbers(|value, id| match formats.get(id) {
            Some(Some(format)) => format.render(value),
            _ => format_number(value),
        })?;
        sheets.push(grid.into_sheet());
    }
    Ok(sheets)
}

/// The number format of each style id, where it shows a number otherwise
/// than General.
fn number_formats(styles: &[Style]) -> Vec<Option<NumFmt>> {
    styles
        .iter()
        .map(|s| {
            s.number_format
                .as_ref()
                .and_then(|f| NumFmt::parse(&f.format_code))
        })
        .collect()
}

/// A cell's formula text; a shared formula's template is kept (and
/// charged) for the cells derived from it, which get it moved to their
/// place. `None` for a derived cell whose template was not seen.
fn formula_text(
    formula: XlsxFormulaMetadata,
    pos: (u32, u32),
    templates: &mut HashMap<usize, ((u32, u32), String)>,
    grid: &mut Grid<'_, '_>,
) -> Result<Option<String>, SheetError> {
    Ok(match formula {
        XlsxFormulaMetadata::Normal { formula } => Some(formula),
        XlsxFormulaMetadata::Shared {
            shared_index,
            range,
            formula,
        } => {
            grid.charge(formula.len().saturating_add(TEMPLATE_COST))?;
            let start = range.map_or(pos, |r| r.start);
            templates.insert(shared_index, (start, formula.clone()));
            Some(formula)
        }
        XlsxFormulaMetadata::SharedDerived { shared_index } => {
            templates.get(&shared_index).and_then(|(start, template)| {
                calamine::expand_shared_formula(template, *start, pos).ok()
            })
        }
        _ => None,
    })
}

/// A formula without references or function calls: a value typed with
/// a leading `=` (`100%`, `>=95%`, `0`), not a computation.
fn typed(formula: &str) -> bool {
    !formula
        .bytes()
        .any(|b| b.is_ascii_alphabetic() || b == b'(' || b == b'!' || b == b'"')
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{inline, ods, read, xlsx, xlsx_calc};
    use super::super::{SheetFormat, SheetLimits, read_workbook};
    use super::*;

    /// Styles 1..=5: `0%`, `0.0%`, `0.00`, General, `">="0%`.
    const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="170" formatCode="&quot;&gt;=&quot;0%"/></numFmts><cellXfs count="6"><xf numFmtId="0"/><xf numFmtId="9" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="2" applyNumberFormat="1"/><xf numFmtId="0"/><xf numFmtId="170" applyNumberFormat="1"/></cellXfs></styleSheet>"#;

    fn cells(data: &str, styles: bool, calc: &str) -> Vec<String> {
        let extra: &[(&str, &str)] = if styles {
            &[("xl/styles.xml", STYLES)]
        } else {
            &[]
        };
        let bytes = xlsx_calc(
            &[("s", Some(data))],
            extra,
            zip::CompressionMethod::Deflated,
            calc,
        );
        let sheets = read(&bytes, SheetFormat::Xlsx).expect("readable");
        sheets[0].rows[0]
            .cells
            .iter()
            .map(|c| c.to_string())
            .collect()
    }

    #[test]
    fn a_formula_without_a_cached_value_reads_as_typed() {
        // openpyxl's `=100%`, `>=95%` (no valid formula, written all the
        // same) and `=0`; `<v/>`, `<v></v>` and no `<v>` at all.
        let data = r#"<row r="1"><c r="A1"><f>100%</f><v></v></c><c r="B1"><f>&gt;=95%</f><v/></c><c r="C1"><f>0</f></c><c r="D1" t="str"><f>SUM(A1:A2)</f></c></row>"#;
        assert_eq!(
            cells(data, false, ""),
            ["=100%", "=>=95%", "=0", "=SUM(A1:A2)"]
        );
        // the same with number formats in the workbook (the two-pass read)
        assert_eq!(
            cells(data, true, ""),
            ["=100%", "=>=95%", "=0", "=SUM(A1:A2)"]
        );
    }

    #[test]
    fn a_cached_value_reads_as_its_number_format_shows_it() {
        let data = r#"<row r="1"><c r="A1" s="1"><f>A9*1</f><v>1</v></c><c r="B1" s="2"><f>0.955</f><v>0.955</v></c><c r="C1" s="3"><f>1/3</f><v>0.33333333333333331</v></c><c r="D1" s="4"><f>0.95</f><v>0.95</v></c><c r="E1" s="5"><f>0.95</f><v>0.95</v></c><c r="F1" s="1"><v>0.9</v></c><c r="G1"><v>41098620</v></c><c r="H1" t="str"><f>IF(A9="","",A9)</f><v></v></c><c r="I1" s="2"><v>43831</v></c></row>"#;
        // style 2 is the date yyyy-mm-dd (164) only in calamine's eyes
        // when its numFmt is declared; here it is not, so 43831 stays a
        // number under an unknown format: General.
        let got = cells(data, true, "");
        assert_eq!(
            got,
            [
                "100%", "0.955", "0.33", "0.95", ">=95%", "90%", "41098620", "", "43831"
            ]
        );
        // without styles every number is General, as before
        assert_eq!(
            cells(data, false, "")[..3],
            ["1", "0.955", "0.333333333333333"]
        );
    }

    #[test]
    fn percent_decimals_come_from_the_format() {
        let styles = r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="171" formatCode="0.0%"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="171" applyNumberFormat="1"/></cellXfs></styleSheet>"#;
        let data = r#"<row r="1"><c r="A1" s="1"><f>B1</f><v>0.955</v></c></row>"#;
        let bytes = xlsx(&[("s", Some(data))], &[("xl/styles.xml", styles)]);
        let sheets = read(&bytes, SheetFormat::Xlsx).unwrap();
        assert_eq!(sheets[0].rows[0].cells, ["95.5%"]);
    }

    #[test]
    fn a_stale_cache_gives_way_to_what_was_typed() {
        // XlsxWriter caches 0 for every formula and asks for a full
        // recalculation on load: `=100%` is what was typed; a real
        // computation keeps its cached value.
        let data = r#"<row r="1"><c r="A1"><f>100%</f><v>0</v></c><c r="B1"><f>SUM(C1:C2)</f><v>7</v></c><c r="C1" t="str"><f>"达标"</f><v>达标</v></c></row>"#;
        let stale = r#"<calcPr calcId="124519" fullCalcOnLoad="1"/>"#;
        assert_eq!(cells(data, false, stale), ["=100%", "7", "达标"]);
        assert_eq!(cells(data, false, ""), ["0", "7", "达标"]);
    }

    #[test]
    fn shared_formulas_without_values_are_moved_to_their_cells() {
        let data = r#"<row r="1"><c r="A1"><f t="shared" ref="A1:A3" si="0">B1*2</f></c></row><row r="2"><c r="A2"><f t="shared" si="0"/></c></row><row r="3"><c r="A3"><f t="shared" si="0"/><v>6</v></c><c r="B3"><f t="shared" si="7"/></c></row>"#;
        let bytes = xlsx(&[("s", Some(data))], &[]);
        let sheets = read(&bytes, SheetFormat::Xlsx).unwrap();
        let rows: Vec<_> = sheets[0].rows.iter().map(|r| r.cells.clone()).collect();
        // B3 derives from a template never seen: nothing to show
        assert_eq!(rows, [vec!["=B1*2"], vec!["=B2*2"], vec!["6"]]);
    }

    #[test]
    fn formula_text_counts_against_the_text_budget() {
        let long = "1".repeat(1000);
        let data: String = (1..=100)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}"><f>{long}</f></c></row>"#))
            .collect();
        let bytes = xlsx(&[("s", Some(&data))], &[]);
        let tight = SheetLimits {
            max_text: 50_000,
            ..SheetLimits::default()
        };
        let err = read_workbook(&bytes, SheetFormat::Xlsx, &tight).err();
        assert!(
            matches!(err, Some(SheetError::TooMuchText { .. })),
            "{err:?}"
        );
        // shared templates are charged too, shown or not
        let data: String = (0..100)
            .map(|i| {
                let r = i + 1;
                format!(r#"<row r="{r}"><c r="A{r}"><f t="shared" ref="A{r}" si="{i}">{long}</f><v>1</v></c></row>"#)
            })
            .collect();
        let bytes = xlsx(&[("s", Some(&data))], &[]);
        let err = read_workbook(&bytes, SheetFormat::Xlsx, &tight).err();
        assert!(
            matches!(err, Some(SheetError::TooMuchText { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn a_long_formatted_number_counts_against_the_text_budget() {
        // 1E+300 under 0.00 is 303 characters, its General text 6
        let data: String = (1..=100)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}" s="3"><v>1e300</v></c></row>"#))
            .collect();
        let bytes = xlsx(&[("s", Some(&data))], &[("xl/styles.xml", STYLES)]);
        let tight = SheetLimits {
            max_text: 20_000,
            ..SheetLimits::default()
        };
        let err = read_workbook(&bytes, SheetFormat::Xlsx, &tight).err();
        assert!(
            matches!(err, Some(SheetError::TooMuchText { .. })),
            "{err:?}"
        );
        let sheets = read(&bytes, SheetFormat::Xlsx).unwrap();
        assert_eq!(sheets[0].rows[0].cells[0].len(), 304);
    }

    #[test]
    fn numbers_waiting_for_styles_keep_the_cell_limit() {
        let data: String = (1..=10)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}" s="1"><v>{r}</v></c></row>"#))
            .collect();
        let bytes = xlsx(&[("s", Some(&data))], &[("xl/styles.xml", STYLES)]);
        let small = SheetLimits {
            max_cells: 5,
            ..SheetLimits::default()
        };
        let err = read_workbook(&bytes, SheetFormat::Xlsx, &small).err();
        assert!(matches!(err, Some(SheetError::TooLarge { .. })), "{err:?}");
        let sheets = read(&bytes, SheetFormat::Xlsx).unwrap();
        assert_eq!(sheets[0].rows[9].cells, ["1000%"]);
        // a repeated cell: the last one wins, text or number
        let data = format!(
            r#"<row r="1"><c r="A1" s="1"><v>1</v></c>{}<c r="B1">{}</c><c r="B1" s="1"><v>0.5</v></c></row>"#,
            inline("A1", "文本"),
            ""
        );
        let bytes = xlsx(&[("s", Some(&data))], &[("xl/styles.xml", STYLES)]);
        let sheets = read(&bytes, SheetFormat::Xlsx).unwrap();
        assert_eq!(sheets[0].rows[0].cells, ["文本", "50%"]);
    }

    #[test]
    fn ods_formulas_without_values_read_as_typed() {
        let table = r#"<table:table-row><table:table-cell table:formula="of:=100%"/><table:table-cell table:formula="of:=[.A1]*1" office:value-type="percentage" office:value="1"><text:p>100%</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>文本</text:p></table:table-cell></table:table-row>"#;
        let sheets = read(&ods(table), SheetFormat::Ods).unwrap();
        // a cached percentage reads as its value: calamine does not give
        // the value type (see the README's formats section)
        assert_eq!(sheets[0].rows[0].cells, ["=100%", "1", "文本"]);
    }
}
