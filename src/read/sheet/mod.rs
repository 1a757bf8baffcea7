//! Spreadsheet workbooks (xlsx, xls, xlsb, ods) → rows of cells.
//!
//! Many 绩效目标表 are published as workbooks rather than text exports. This
//! module turns every worksheet into the same [`Row`]s the text reader
//! gives, so splitting and field extraction never learn where a table came
//! from: cells read as a person sees them (`41098620`, not `41098620.0`;
//! `2020-01-01`, not the serial `43831`), rows numbered as Excel numbers
//! them, column A at index 0, so `first_row`/`last_row` point a reviewer at
//! the right place. A merged cell keeps its value in its top-left cell only;
//! the pipeline fills down.
//!
//! A workbook is untrusted input, and an allocation that fails aborts the
//! process (no `catch_unwind` helps). calamine sizes several allocations
//! from what a file claims before reading what it holds: a 1.5 KB xlsx
//! whose only cells are A1 and XFD1048576 makes `worksheet_range` build a
//! grid of 17 billion cells. So nothing is built before the sheet's extent
//! is known to be under [`SheetLimits::max_cells`], counted as rows (first
//! to last used row) × columns (from A to the last used column, since rows
//! are padded to column A); blank cells do not count:
//!
//! * xlsx and xlsb are streamed cell by cell (`worksheet_cells_reader`) and
//!   the rows are built from the non-blank cells only, so memory follows
//!   the real cells; a sheet is refused as soon as the cells read so far
//!   span too much. The declared `<dimension>` is neither trusted nor
//!   needed. Before calamine opens an xlsx, its shared strings table is
//!   checked (calamine reserves room for the count it claims).
//! * xls is parsed whole by calamine on opening, sizing its grids from the
//!   DIMENSIONS records and the cells' bounding box, and following sector
//!   chains wherever they lead. So the compound file and its BIFF records
//!   are walked here first, mirroring what calamine reads: looping chains,
//!   DIMENSIONS no sheet can have and cell extents over the limit are
//!   refused before calamine sees the file.
//! * ods is parsed whole by calamine on opening too, and it expands
//!   `number-columns-repeated` per row element before any cap applies. So
//!   content.xml is decompressed and its rows counted here first, as
//!   calamine will expand them.
//!
//! What remains: memory and time follow the decompressed size of the
//! parts calamine reads (a deflate bomb of a few MB can hold GBs of XML,
//! and one XML element is buffered whole), and calamine's xlsb and xls
//! record parsers index their buffers without checks, so a damaged file
//! can panic there (a panic, not an abort). The xls walk refuses the
//! records fuzzing found panicking (short NAME and EXTERNSHEET records),
//! and every calamine call runs under `catch_unwind` (`calamine()`), so
//! any other such panic makes the file `corrupt`.
//!
//! Old `.xls` (BIFF5 and earlier) store text in the writer's code page.
//! When the workbook names none, or names Windows-1252 (the Western default
//! that writers put in when they know no better), it is read as code page
//! 936 (GBK), the usual code page of these documents. A workbook naming any
//! other code page is read in that one. BIFF8 (Excel 97 and later) stores
//! text as Unicode, so its code page record is left alone.
//!
//! One submodule per concern: this one adapts calamine (a workbook in,
//! its worksheets out, under the limits, with one error type); `grid`
//! builds rows from sparse cells and keeps the used range under the cell
//! limit; `cell` renders a value as Excel shows it, and `numfmt` a number
//! under its number format; `xlsx` streams an xlsx's values, formulas and
//! styles; `xls` walks the compound file and its BIFF records before
//! calamine does; `zip_scan` reads the XML parts of xlsx and ods before
//! calamine does.
//!
//! A formula with no cached value (openpyxl's `=100%`) reads as `=` and its
//! text, in xlsx and ods; xls and xlsb formula records always hold their
//! result.

use std::fmt::Display;
use std::io::Cursor;

use calamine::{Data, DataRef, Ods, Range, Reader as _, SheetType, Xls, XlsOptions, Xlsb};

use super::{Limits, ReadError, Reader, Row, Scratch, Table, Tables};
use crate::source::Format;
use cell::{Value, render};
use grid::{Grid, TextBudget};

mod cell;
#[cfg(test)]
mod fixtures;
mod grid;
mod numfmt;
mod xls;
mod xlsx;
mod zip_scan;

/// The workbook formats this module reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetFormat {
    /// Office Open XML workbook (Excel 2007 and later).
    Xlsx,
    /// Excel 97–2003 (BIFF8) and older (BIFF5) binary workbook.
    Xls,
    /// Excel binary workbook (Excel 2007 and later).
    Xlsb,
    /// OpenDocument spreadsheet.
    Ods,
}

/// The one mapping from the formats documents come in.
impl TryFrom<Format> for SheetFormat {
    type Error = ReadError;

    fn try_from(format: Format) -> Result<SheetFormat, ReadError> {
        match format {
            Format::Xlsx => Ok(SheetFormat::Xlsx),
            Format::Xls => Ok(SheetFormat::Xls),
            Format::Xlsb => Ok(SheetFormat::Xlsb),
            Format::Ods => Ok(SheetFormat::Ods),
            other => Err(ReadError::Unsupported(format!(
                "{} is not a workbook format",
                other.name()
            ))),
        }
    }
}

/// A workbook format is its reader: one table per worksheet.
impl Reader for SheetFormat {
    fn read<'a>(
        &self,
        bytes: &'a [u8],
        limits: &Limits,
        _: &'a mut Scratch<'a>,
    ) -> Result<Tables<'a>, ReadError> {
        let sheets = read_workbook(bytes, *self, &limits.sheet)?;
        Ok(Tables {
            tables: sheets
                .into_iter()
                .map(|s| Table {
                    sheet: Some(s.name),
                    rows: s.rows,
                    pages: Vec::new(),
                })
                .collect(),
            encoding: None,
            replaced: false,
            utf8_lines: 0,
        })
    }
}

/// Bounds on the work one workbook may cause.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct SheetLimits {
    /// The most cells a sheet's used range may span: rows from the first to
    /// the last used row × columns from A to the last used column.
    pub max_cells: u64,
    /// The most text, in bytes, all cells of a workbook may hold together,
    /// counted as cells are read (`--max-text`): one shared string can be
    /// referenced by any number of cells, so a small file can stand for
    /// gigabytes of text.
    pub max_text: u64,
}

impl Default for SheetLimits {
    fn default() -> Self {
        SheetLimits {
            max_cells: 5_000_000,
            max_text: 256 << 20,
        }
    }
}

/// One worksheet: its name and its non-empty rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// The sheet's name as its tab shows it.
    pub name: String,
    /// Non-empty rows; `Row.number` is the 1-based row number Excel shows.
    pub rows: Vec<Row<'static>>,
}

/// Why a workbook gave no sheets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SheetError {
    /// A sheet spans more cells than [`SheetLimits::max_cells`].
    #[error("sheet {sheet:?} spans {rows} rows × {cols} columns, over the limit of {limit} cells")]
    TooLarge {
        sheet: String,
        rows: u64,
        cols: u64,
        limit: u64,
    },
    /// Not a workbook of the format, truncated or damaged.
    #[error("cannot read the workbook: {0}")]
    Corrupt(String),
    /// The sheets of an xls workbook span more cells together than
    /// [`SheetLimits::max_cells`]: calamine builds and keeps them all.
    #[error(
        "the workbook's {sheets} sheets span more than {limit} cells together (--max-cells), and an xls workbook is read whole"
    )]
    WorkbookTooLarge { sheets: usize, limit: u64 },
    /// The cells hold more text than [`SheetLimits::max_text`].
    #[error(
        "the workbook's cells hold more than {limit} bytes of text (--max-text), counted as they are read (sheet {sheet:?})"
    )]
    TooMuchText { sheet: String, limit: u64 },
}

impl SheetError {
    /// The error's stable code for the errors file.
    pub fn code(&self) -> &'static str {
        match self {
            SheetError::TooLarge { .. }
            | SheetError::WorkbookTooLarge { .. }
            | SheetError::TooMuchText { .. } => "too_large",
            SheetError::Corrupt(_) => "corrupt",
        }
    }
}

/// Reads every worksheet of a workbook, in workbook order. Chart, dialog and
/// macro sheets are skipped; a workbook with no sheets at all is corrupt.
pub fn read_workbook(
    bytes: &[u8],
    format: SheetFormat,
    limits: &SheetLimits,
) -> Result<Vec<Sheet>, SheetError> {
    match format {
        SheetFormat::Xlsx => xlsx::read_xlsx(bytes, limits),
        SheetFormat::Xlsb => read_xlsb(bytes, limits),
        SheetFormat::Xls => read_xls(bytes, limits),
        SheetFormat::Ods => read_ods(bytes, limits),
    }
}

/// Runs one calamine call. calamine indexes record buffers without checks
/// (fuzzing found three such panics in its xls parser): a panic there is a
/// damaged file, so it becomes `corrupt`. Only calamine's calls are wrapped,
/// so a panic in this module's own code still shows (and the fuzzer sees it).
fn calamine<T>(format: &str, call: impl FnOnce() -> T) -> Result<T, SheetError> {
    crate::panic::catch_panic(call).map_err(|message| {
        SheetError::Corrupt(format!(
            "not a readable {format} file (the reader failed on a malformed record: {message})"
        ))
    })
}

fn read_xlsb(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Sheet>, SheetError> {
    let mut wb =
        calamine("xlsb", || Xlsb::new(Cursor::new(bytes)))?.map_err(|e| corrupt("xlsb", &e))?;
    let mut sheets = Vec::new();
    let mut budget = TextBudget::new(limits.max_text);
    for name in worksheet_names(wb.sheets_metadata())? {
        let mut cells = calamine("xlsb", || wb.worksheet_cells_reader(&name))?
            .map_err(|e| sheet_corrupt("xlsb", &name, &e))?;
        sheets.push(stream_sheet("xlsb", &name, limits, &mut budget, || {
            cells.next_cell()
        })?);
    }
    Ok(sheets)
}

/// One sheet of a streamed workbook (xlsx, xlsb): its cells, each read by
/// `next_cell` under [`calamine`], go into a grid as they come, so no range
/// is built before the grid has checked the extent.
fn stream_sheet<'a, E: Display>(
    format: &str,
    name: &str,
    limits: &SheetLimits,
    budget: &mut TextBudget,
    mut next_cell: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
) -> Result<Sheet, SheetError> {
    let mut grid = Grid::new(name, limits, budget);
    while let Some(cell) =
        calamine(format, &mut next_cell)?.map_err(|e| sheet_corrupt(format, name, &e))?
    {
        let (row, col) = cell.get_position();
        grid.push(row, col, render(Value::from(cell.get_value())))?;
    }
    Ok(grid.into_sheet())
}

fn read_xls(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Sheet>, SheetError> {
    let scan = xls::scan(bytes, limits)?;
    let mut options = XlsOptions::default();
    options.force_codepage = scan.force_codepage();
    let mut wb = calamine("xls", || Xls::new_with_options(Cursor::new(bytes), options))?
        .map_err(|e| corrupt("xls", &e))?;
    let mut sheets = Vec::new();
    let mut budget = TextBudget::new(limits.max_text);
    for name in worksheet_names(wb.sheets_metadata())? {
        let range = calamine("xls", || wb.worksheet_range(&name))?
            .map_err(|e| sheet_corrupt("xls", &name, &e))?;
        sheets.push(range_sheet(&name, &range, limits, &mut budget)?);
    }
    Ok(sheets)
}

fn read_ods(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Sheet>, SheetError> {
    zip_scan::check_ods(bytes, limits)?;
    let mut wb: Ods<_> =
        calamine("ods", || Ods::new(Cursor::new(bytes)))?.map_err(|e| corrupt("ods", &e))?;
    let mut sheets = Vec::new();
    let mut budget = TextBudget::new(limits.max_text);
    for name in worksheet_names(wb.sheets_metadata())? {
        let range = calamine("ods", || wb.worksheet_range(&name))?
            .map_err(|e| sheet_corrupt("ods", &name, &e))?;
        let formulas = calamine("ods", || wb.worksheet_formula(&name))?
            .map_err(|e| sheet_corrupt("ods", &name, &e))?;
        let mut grid = Grid::new(&name, limits, &mut budget);
        push_range(&mut grid, &range)?;
        push_uncached_formulas(&mut grid, &range, &formulas)?;
        sheets.push(grid.into_sheet());
    }
    Ok(sheets)
}

/// The formulas of an ods sheet whose cells hold no value, as `=` and
/// their text (`of:=100%` → `=100%`): what was typed. A formula with a
/// value shows its value (already in the grid).
fn push_uncached_formulas(
    grid: &mut Grid<'_, '_>,
    values: &Range<Data>,
    formulas: &Range<String>,
) -> Result<(), SheetError> {
    let Some((row0, col0)) = formulas.start() else {
        return Ok(());
    };
    for (r, c, formula) in formulas.used_cells() {
        let (row, col) = (offset(row0, r), offset(col0, c));
        if !matches!(values.get_value((row, col)), None | Some(Data::Empty)) {
            continue;
        }
        let text = formula
            .split_once(':')
            .filter(|(ns, _)| !ns.is_empty() && ns.bytes().all(|b| b.is_ascii_alphabetic()))
            .map_or(formula.as_str(), |(_, rest)| rest);
        let text = text.strip_prefix('=').unwrap_or(text);
        if !text.trim().is_empty() {
            grid.push(row, col, std::borrow::Cow::Owned(format!("={text}")))?;
        }
    }
    Ok(())
}

/// The names of the worksheets, in workbook order, each once.
fn worksheet_names(meta: &[calamine::Sheet]) -> Result<Vec<String>, SheetError> {
    if meta.is_empty() {
        return Err(SheetError::Corrupt(
            "the file lists no sheets: not a workbook".to_string(),
        ));
    }
    let mut names: Vec<String> = Vec::new();
    for sheet in meta {
        if sheet.typ == SheetType::WorkSheet && !names.contains(&sheet.name) {
            names.push(sheet.name.clone());
        }
    }
    Ok(names)
}

/// A sheet from a dense calamine range (xls).
fn range_sheet(
    name: &str,
    range: &Range<Data>,
    limits: &SheetLimits,
    budget: &mut TextBudget,
) -> Result<Sheet, SheetError> {
    let mut grid = Grid::new(name, limits, budget);
    push_range(&mut grid, range)?;
    Ok(grid.into_sheet())
}

/// The values of a dense calamine range (xls, ods) into a grid.
fn push_range(grid: &mut Grid<'_, '_>, range: &Range<Data>) -> Result<(), SheetError> {
    if let Some((row0, col0)) = range.start() {
        for (r, c, value) in range.used_cells() {
            let row = offset(row0, r);
            let col = offset(col0, c);
            grid.push(row, col, render(Value::from(value)))?;
        }
    }
    Ok(())
}

/// `base + rel`, saturating (positions past `u32` cannot come from a range
/// that fits in memory).
fn offset(base: u32, rel: usize) -> u32 {
    u32::try_from(rel).map_or(u32::MAX, |rel| base.saturating_add(rel))
}

fn corrupt(format: &str, e: &dyn Display) -> SheetError {
    SheetError::Corrupt(one_line(&format!("not a readable {format} file ({e})")))
}

fn sheet_corrupt(format: &str, sheet: &str, e: &dyn Display) -> SheetError {
    SheetError::Corrupt(one_line(&format!(
        "{format} sheet {sheet:?} is damaged ({e})"
    )))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::fixtures::{NS, inline, read, xlsx, zip};
    use super::*;
    use std::borrow::Cow;

    /// The seed document (the same bytes as corpus/000_ac0013b8211afd0d.txt).
    const SEED_TSV: &str = include_str!("../../../tests/fixtures/seed/seed.utf8.txt");
    const SEED_XLSX: &[u8] = include_bytes!("../../../tests/fixtures/sheets/seed.xlsx");
    const SEED_XLS: &[u8] = include_bytes!("../../../tests/fixtures/sheets/seed.xls");
    const SEED_ODS: &[u8] = include_bytes!("../../../tests/fixtures/sheets/seed.ods");
    const TWO_SHEETS: &[u8] = include_bytes!("../../../tests/fixtures/sheets/two_sheets.xlsx");

    /// Lines `first..=last` of the seed as rows numbered `line - shift`,
    /// split on tabs, amounts without their thousands separators (the
    /// fixtures store them as numbers).
    fn tsv_rows(first: usize, last: usize, shift: u32) -> Vec<Row<'static>> {
        SEED_TSV
            .split('\n')
            .enumerate()
            .map(|(i, line)| (i + 1, line))
            .filter(|(n, _)| (first..=last).contains(n))
            .filter_map(|(n, line)| {
                let cells = line.split('\t').map(|c| {
                    let amount =
                        c.contains(',') && c.chars().all(|ch| ch.is_ascii_digit() || ch == ',');
                    Cow::Owned(if amount {
                        c.replace(',', "")
                    } else {
                        c.to_string()
                    })
                });
                Row::new(n as u32 - shift, cells)
            })
            .collect()
    }

    fn assert_rows(got: &[Row<'_>], want: &[Row<'_>]) {
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g, w, "row {} differs", w.number);
        }
        assert_eq!(got.len(), want.len());
    }

    fn assert_seed(sheets: &[Sheet]) {
        assert_eq!(sheets.len(), 1);
        assert_eq!(sheets[0].name, "绩效目标表");
        let want = tsv_rows(1, usize::MAX, 0);
        assert_eq!(want.len(), 98);
        assert_rows(&sheets[0].rows, &want);
    }

    #[test]
    fn seed_xlsx_matches_the_text() {
        let sheets = read(SEED_XLSX, SheetFormat::Xlsx).unwrap();
        assert_seed(&sheets);
        let rows = &sheets[0].rows;
        let budget = rows.iter().find(|r| r.number == 17).unwrap();
        assert_eq!(budget.cell(1), "41098620");
        let dates = rows.iter().find(|r| r.number == 7).unwrap();
        assert_eq!((dates.cell(1), dates.cell(3)), ("2020-01-01", "2020-12-31"));
    }

    #[test]
    fn seed_xls_matches_the_text() {
        assert_seed(&read(SEED_XLS, SheetFormat::Xls).unwrap());
    }

    #[test]
    fn seed_ods_matches_the_text() {
        assert_seed(&read(SEED_ODS, SheetFormat::Ods).unwrap());
    }

    #[test]
    fn two_sheets_and_a_note() {
        let sheets = read(TWO_SHEETS, SheetFormat::Xlsx).unwrap();
        let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["项目一", "项目二", "说明"]);
        assert_rows(&sheets[0].rows, &tsv_rows(3, 37, 2));
        assert_rows(&sheets[1].rows, &tsv_rows(39, 75, 38));
        assert_eq!(sheets[0].rows[0].number, 1);
        assert_eq!(sheets[1].rows.last().unwrap().number, 37);
        let note = &sheets[2].rows;
        assert_eq!(note.len(), 1);
        assert_eq!(note[0].number, 1);
        assert!(note[0].sole_cell().unwrap().starts_with("本工作簿"));
    }

    #[test]
    fn corners_are_refused_quickly_without_a_grid() {
        // calamine issue #693: worksheet_range would allocate ~550 GB and
        // abort; the test process surviving is the point.
        let data = format!(
            r#"<row r="1">{}</row><row r="1048576">{}</row>"#,
            inline("A1", "top"),
            inline("XFD1048576", "bottom")
        );
        let bytes = xlsx(&[("角", Some(&data))], &[]);
        assert!(bytes.len() < 2000, "{} bytes", bytes.len());
        let err = read(&bytes, SheetFormat::Xlsx).err().unwrap();
        assert_eq!(err.code(), "too_large");
        match err {
            SheetError::TooLarge {
                sheet,
                rows,
                cols,
                limit,
            } => {
                assert_eq!(
                    (sheet.as_str(), rows, cols, limit),
                    ("角", 1_048_576, 16_384, 5_000_000)
                );
            }
            e => panic!("{e}"),
        }
    }

    const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#;

    #[test]
    fn range_starting_at_c5_keeps_rows_and_columns() {
        let data = format!(
            r#"<row r="5">{}<c r="D5"><v>41098620</v></c><c r="E5" s="1"><v>43831.354166666664</v></c><c r="F5" s="2"><v>43831</v></c><c r="G5" t="b"><v>1</v></c><c r="H5" t="e"><v>#DIV/0!</v></c></row><row r="6"><c r="C6"><v>0.30000000000000004</v></c><c r="D6"><v>4109.86</v></c>{}</row><row r="9999">{}</row>"#,
            inline("C5", "标题"),
            inline("E6", "  spaced\u{3000}"),
            inline("XFD9999", " \u{3000} "),
        );
        let bytes = xlsx(&[("表", Some(&data))], &[("xl/styles.xml", STYLES)]);
        let sheets = read(&bytes, SheetFormat::Xlsx).unwrap();
        let rows = &sheets[0].rows;
        assert_eq!(rows.len(), 2, "the blank far cell is no row: {rows:?}");
        assert_eq!(rows[0].number, 5);
        assert_eq!(
            rows[0].cells,
            [
                "",
                "",
                "标题",
                "41098620",
                "2020-01-01 08:30:00",
                "2020-01-01",
                "TRUE",
                "#DIV/0!"
            ]
        );
        assert_eq!(rows[1].number, 6);
        assert_eq!(rows[1].cells, ["", "", "0.3", "4109.86", "spaced"]);
    }

    #[test]
    fn chart_sheets_are_skipped() {
        let data = format!(r#"<row r="1">{}</row>"#, inline("A1", "x"));
        let bytes = xlsx(&[("图", None), ("表", Some(&data))], &[]);
        let sheets = read(&bytes, SheetFormat::Xlsx).unwrap();
        assert_eq!(sheets.len(), 1);
        assert_eq!(sheets[0].name, "表");
    }

    #[test]
    fn a_repeated_cell_keeps_memory_bounded_and_the_last_value() {
        let data: String = (0..3000)
            .map(|i| format!(r#"<row r="1">{}</row>"#, inline("A1", &format!("v{i}"))))
            .collect();
        let bytes = xlsx(&[("s", Some(&data))], &[]);
        let sheets = read_workbook(
            &bytes,
            SheetFormat::Xlsx,
            &SheetLimits {
                max_cells: 4,
                ..SheetLimits::default()
            },
        )
        .unwrap();
        assert_eq!(sheets[0].rows.len(), 1);
        assert_eq!(sheets[0].rows[0].cells, ["v2999"]);
    }

    #[test]
    fn shared_strings_are_read() {
        let sst = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="2" uniqueCount="2"><si><t>项目名称：</t></si><si><t>科创中心建设工作经费</t></si></sst>"#
        );
        let data = r#"<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row>"#;
        let bytes = xlsx(&[("s", Some(data))], &[("xl/sharedStrings.xml", &sst)]);
        let sheets = read(&bytes, SheetFormat::Xlsx).unwrap();
        assert_eq!(
            sheets[0].rows[0].cells,
            ["项目名称：", "科创中心建设工作经费"]
        );
    }

    /// One 1 MiB shared string referenced by 400 cells (300 on one cell
    /// position, 100 apart) stands for 400 MiB of text: refused as the
    /// cells are read, before they are all held.
    #[test]
    fn text_that_shared_strings_stand_for_counts_against_the_budget() {
        let big = "长".repeat(350_000); // 1,050,000 bytes
        let sst = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="1" uniqueCount="1"><si><t>{big}</t></si></sst>"#
        );
        let same: String = (0..300)
            .map(|_| r#"<c r="A1" t="s"><v>0</v></c>"#)
            .collect();
        let apart: String = (2..102)
            .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
            .collect();
        let data = format!(r#"<row r="1">{same}</row>{apart}"#);
        let bytes = xlsx(&[("s", Some(&data))], &[("xl/sharedStrings.xml", &sst)]);
        let limits = SheetLimits {
            max_text: 256 << 20,
            ..SheetLimits::default()
        };
        let err = read_workbook(&bytes, SheetFormat::Xlsx, &limits).err();
        assert!(
            matches!(&err, Some(SheetError::TooMuchText { limit, .. }) if *limit == 256 << 20),
            "{:?}",
            err.map(|e| e.to_string())
        );
        // under a budget that holds it, every cell is read
        let roomy = SheetLimits {
            max_text: 1 << 30,
            ..SheetLimits::default()
        };
        let sheets = read_workbook(&bytes, SheetFormat::Xlsx, &roomy).expect("within budget");
        assert_eq!(sheets[0].rows.len(), 101);
    }

    #[test]
    fn truncated_and_foreign_files_are_corrupt() {
        let half = &SEED_XLSX[..SEED_XLSX.len() / 2];
        let err = read(half, SheetFormat::Xlsx).err().unwrap();
        assert_eq!(err.code(), "corrupt");
        assert!(!err.to_string().contains('\n'));

        let mut x = 7u64;
        let noise: Vec<u8> = (0..20_000)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                (x >> 56) as u8
            })
            .collect();
        for format in [
            SheetFormat::Xls,
            SheetFormat::Xlsx,
            SheetFormat::Xlsb,
            SheetFormat::Ods,
        ] {
            let err = read(&noise, format).err().unwrap();
            assert_eq!(err.code(), "corrupt", "{format:?}: {err}");
        }
        // An OLE signature over noise.
        let mut ole = noise.clone();
        ole[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        assert_eq!(
            read(&ole, SheetFormat::Xls).err().unwrap().code(),
            "corrupt"
        );

        let half = &SEED_XLS[..SEED_XLS.len() / 2];
        assert_eq!(
            read(half, SheetFormat::Xls).err().unwrap().code(),
            "corrupt"
        );
        let half = &SEED_ODS[..SEED_ODS.len() / 2];
        assert_eq!(
            read(half, SheetFormat::Ods).err().unwrap().code(),
            "corrupt"
        );
        // A zip that is no workbook.
        let other = zip(&[("readme.txt", "hello")], zip::CompressionMethod::Deflated);
        assert_eq!(
            read(&other, SheetFormat::Xlsx).err().unwrap().code(),
            "corrupt"
        );
    }

    #[test]
    fn errors_read_well() {
        let e = SheetError::TooLarge {
            sheet: "表".into(),
            rows: 2,
            cols: 3,
            limit: 5,
        };
        assert_eq!(
            e.to_string(),
            "sheet \"表\" spans 2 rows × 3 columns, over the limit of 5 cells"
        );
        let e = read(b"PK\x03\x04", SheetFormat::Xlsx).err().unwrap();
        assert!(
            e.to_string()
                .starts_with("cannot read the workbook: not a readable xlsx file ("),
            "{e}"
        );
    }
}
