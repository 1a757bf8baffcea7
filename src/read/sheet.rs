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

use std::borrow::Cow;
use std::fmt::Display;
use std::io::Cursor;

use calamine::{
    CellErrorType, Data, DataRef, ExcelDateTime, Ods, Range, Reader, SheetType, Xls, XlsOptions,
    Xlsb, Xlsx, XlsxError,
};

use super::Row;

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

/// Bounds on the work one workbook may cause.
#[derive(Debug, Clone, Copy)]
pub struct SheetLimits {
    /// The most cells a sheet's used range may span: rows from the first to
    /// the last used row × columns from A to the last used column.
    pub max_cells: u64,
}

impl Default for SheetLimits {
    fn default() -> Self {
        SheetLimits {
            max_cells: 5_000_000,
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
}

impl SheetError {
    /// The error's stable code for the errors file.
    pub fn code(&self) -> &'static str {
        match self {
            SheetError::TooLarge { .. } => "too_large",
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
        SheetFormat::Xlsx => read_xlsx(bytes, limits),
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

fn read_xlsx(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Sheet>, SheetError> {
    zip_scan::check_xlsx(bytes)?;
    let mut wb =
        calamine("xlsx", || Xlsx::new(Cursor::new(bytes)))?.map_err(|e| corrupt("xlsx", &e))?;
    let mut sheets = Vec::new();
    for name in worksheet_names(wb.sheets_metadata())? {
        let mut cells = match calamine("xlsx", || wb.worksheet_cells_reader(&name))? {
            Ok(cells) => cells,
            // A sheet the workbook calls a worksheet but is not one.
            Err(XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => return Err(sheet_corrupt("xlsx", &name, &e)),
        };
        sheets.push(stream_sheet("xlsx", &name, limits, || cells.next_cell())?);
    }
    Ok(sheets)
}

fn read_xlsb(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Sheet>, SheetError> {
    let mut wb =
        calamine("xlsb", || Xlsb::new(Cursor::new(bytes)))?.map_err(|e| corrupt("xlsb", &e))?;
    let mut sheets = Vec::new();
    for name in worksheet_names(wb.sheets_metadata())? {
        let mut cells = calamine("xlsb", || wb.worksheet_cells_reader(&name))?
            .map_err(|e| sheet_corrupt("xlsb", &name, &e))?;
        sheets.push(stream_sheet("xlsb", &name, limits, || cells.next_cell())?);
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
    mut next_cell: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
) -> Result<Sheet, SheetError> {
    let mut grid = Grid::new(name, limits);
    while let Some(cell) =
        calamine(format, &mut next_cell)?.map_err(|e| sheet_corrupt(format, name, &e))?
    {
        let (row, col) = cell.get_position();
        grid.push(row, col, render(Value::from(cell.get_value())))?;
    }
    Ok(grid.into_sheet())
}

fn read_xls(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Sheet>, SheetError> {
    let scan = xls_scan::scan(bytes, limits)?;
    let mut options = XlsOptions::default();
    options.force_codepage = scan.force_codepage();
    let mut wb = calamine("xls", || Xls::new_with_options(Cursor::new(bytes), options))?
        .map_err(|e| corrupt("xls", &e))?;
    let mut sheets = Vec::new();
    for name in worksheet_names(wb.sheets_metadata())? {
        let range = calamine("xls", || wb.worksheet_range(&name))?
            .map_err(|e| sheet_corrupt("xls", &name, &e))?;
        sheets.push(range_sheet(&name, &range, limits)?);
    }
    Ok(sheets)
}

fn read_ods(bytes: &[u8], limits: &SheetLimits) -> Result<Vec<Sheet>, SheetError> {
    zip_scan::check_ods(bytes, limits)?;
    let mut wb: Ods<_> =
        calamine("ods", || Ods::new(Cursor::new(bytes)))?.map_err(|e| corrupt("ods", &e))?;
    let mut sheets = Vec::new();
    for name in worksheet_names(wb.sheets_metadata())? {
        let range = calamine("ods", || wb.worksheet_range(&name))?
            .map_err(|e| sheet_corrupt("ods", &name, &e))?;
        sheets.push(range_sheet(&name, &range, limits)?);
    }
    Ok(sheets)
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

/// A sheet from a dense calamine range (xls, ods).
fn range_sheet(name: &str, range: &Range<Data>, limits: &SheetLimits) -> Result<Sheet, SheetError> {
    let mut grid = Grid::new(name, limits);
    if let Some((row0, col0)) = range.start() {
        for (r, c, value) in range.used_cells() {
            let row = offset(row0, r);
            let col = offset(col0, c);
            grid.push(row, col, render(Value::from(value)))?;
        }
    }
    Ok(grid.into_sheet())
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

/// The non-blank cells of one sheet, sparse, with the extent they span.
/// The used range of one sheet as cells come in, refused as `TooLarge`
/// once it holds more than the cell limit (the streamed grid and the xls
/// pre-walk both keep one).
struct Extent<'n> {
    name: &'n str,
    limit: u64,
    /// First and last used row, last used column.
    span: Option<(u32, u32, u32)>,
}

impl<'n> Extent<'n> {
    fn new(name: &'n str, limits: &SheetLimits) -> Self {
        Extent {
            name,
            limit: limits.max_cells,
            span: None,
        }
    }

    fn add(&mut self, row: u32, col: u32) -> Result<(), SheetError> {
        let (first, last, width) = match self.span {
            None => (row, row, col),
            Some((f, l, w)) => (f.min(row), l.max(row), w.max(col)),
        };
        self.span = Some((first, last, width));
        let rows = u64::from(last - first) + 1;
        let cols = u64::from(width) + 1;
        if rows.saturating_mul(cols) > self.limit {
            return Err(SheetError::TooLarge {
                sheet: self.name.to_string(),
                rows,
                cols,
                limit: self.limit,
            });
        }
        Ok(())
    }
}

struct Grid<'n> {
    name: &'n str,
    /// `(row, column, trimmed text)`, 0-based, in the order read.
    cells: Vec<(u32, u32, String)>,
    extent: Extent<'n>,
    /// Length at which duplicate positions are folded away (see `push`).
    compact_at: usize,
}

impl<'n> Grid<'n> {
    fn new(name: &'n str, limits: &SheetLimits) -> Self {
        let limit = usize::try_from(limits.max_cells).unwrap_or(usize::MAX);
        Grid {
            name,
            cells: Vec::new(),
            extent: Extent::new(name, limits),
            compact_at: limit.saturating_mul(2).max(1024),
        }
    }

    /// Adds a cell; blank ones (empty or whitespace) are dropped and do not
    /// widen the extent, so a sheet formatted down to row 1048576 is fine.
    fn push(&mut self, row: u32, col: u32, text: Cow<'_, str>) -> Result<(), SheetError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        self.extent.add(row, col)?;
        self.cells.push((row, col, text.to_string()));
        // Distinct positions are at most the limit, so more cells than that
        // means a cell repeated (a crafted file): fold the repeats, the last
        // one winning as in calamine, so memory stays bounded.
        if self.cells.len() >= self.compact_at {
            compact(&mut self.cells);
        }
        Ok(())
    }

    fn into_sheet(mut self) -> Sheet {
        compact(&mut self.cells);
        let mut rows = Vec::new();
        let mut cells = self.cells.into_iter().peekable();
        while let Some((row, col, text)) = cells.next() {
            let mut line = vec![(col, text)];
            while let Some((_, col, text)) = cells.next_if(|c| c.0 == row) {
                line.push((col, text));
            }
            let width = line.last().map_or(0, |&(col, _)| col as usize + 1);
            let mut padded: Vec<Cow<'static, str>> = vec![Cow::Borrowed(""); width];
            for (col, text) in line {
                if let Some(slot) = padded.get_mut(col as usize) {
                    *slot = Cow::Owned(text);
                }
            }
            if let Some(row) = Row::new(row.saturating_add(1), padded) {
                rows.push(row);
            }
        }
        Sheet {
            name: self.name.to_string(),
            rows,
        }
    }
}

/// Sorts cells by position and keeps the last of each repeated position.
fn compact(cells: &mut Vec<(u32, u32, String)>) {
    cells.sort_by_key(|c| (c.0, c.1)); // stable: repeats stay in read order
    cells.dedup_by(|later, kept| {
        let same = later.0 == kept.0 && later.1 == kept.1;
        if same {
            std::mem::swap(&mut later.2, &mut kept.2);
        }
        same
    });
}

/// A cell value of either calamine type, borrowed.
enum Value<'v> {
    Text(&'v str),
    Int(i64),
    Float(f64),
    Bool(bool),
    DateTime(ExcelDateTime),
    DateTimeIso(&'v str),
    DurationIso(&'v str),
    Error(&'v CellErrorType),
    Empty,
}

impl<'v> From<&'v Data> for Value<'v> {
    fn from(d: &'v Data) -> Self {
        match d {
            Data::String(s) => Value::Text(s),
            Data::Int(i) => Value::Int(*i),
            Data::Float(f) => Value::Float(*f),
            Data::Bool(b) => Value::Bool(*b),
            Data::DateTime(dt) => Value::DateTime(*dt),
            Data::DateTimeIso(s) => Value::DateTimeIso(s),
            Data::DurationIso(s) => Value::DurationIso(s),
            Data::Error(e) => Value::Error(e),
            Data::Empty => Value::Empty,
        }
    }
}

impl<'v> From<&'v DataRef<'_>> for Value<'v> {
    fn from(d: &'v DataRef<'_>) -> Self {
        match d {
            DataRef::String(s) => Value::Text(s),
            DataRef::SharedString(s) => Value::Text(s),
            DataRef::Int(i) => Value::Int(*i),
            DataRef::Float(f) => Value::Float(*f),
            DataRef::Bool(b) => Value::Bool(*b),
            DataRef::DateTime(dt) => Value::DateTime(*dt),
            DataRef::DateTimeIso(s) => Value::DateTimeIso(s),
            DataRef::DurationIso(s) => Value::DurationIso(s),
            DataRef::Error(e) => Value::Error(e),
            DataRef::Empty => Value::Empty,
        }
    }
}

/// A cell as a person sees it (number formats other than dates aside: a
/// percentage reads `0.95`).
fn render(v: Value<'_>) -> Cow<'_, str> {
    match v {
        Value::Text(s) | Value::DurationIso(s) => Cow::Borrowed(s),
        Value::Int(i) => Cow::Owned(i.to_string()),
        Value::Float(f) => Cow::Owned(format_number(f)),
        Value::Bool(true) => Cow::Borrowed("TRUE"),
        Value::Bool(false) => Cow::Borrowed("FALSE"),
        Value::DateTime(dt) => Cow::Owned(format_datetime(&dt)),
        Value::DateTimeIso(s) => Cow::Owned(format_iso_datetime(s)),
        Value::Error(e) => Cow::Owned(e.to_string()),
        Value::Empty => Cow::Borrowed(""),
    }
}

/// A number as Excel shows it in a General cell, in at most 15 significant
/// digits: `41098620`, `4109.86`, `0.3` (for 0.1+0.2); plain digits from
/// 1E-10 to below 1E+21, `1.5E+300` style beyond.
fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let sci = format!("{v:.14e}"); // "-4.10986200000000e7"
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return v.to_string();
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return v.to_string();
    };
    let sign = if mantissa.starts_with('-') { "-" } else { "" };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let (lead, rest) = digits.split_at(1.min(digits.len()));
    if !(-10..=20).contains(&exp) {
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{lead}{dot}{rest}E{esign}{:02}", exp.unsigned_abs());
    }
    if exp < 0 {
        let zeros = "0".repeat(exp.unsigned_abs() as usize - 1);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        let zeros = "0".repeat(int_len - digits.len());
        format!("{sign}{digits}{zeros}")
    } else {
        let (int, frac) = digits.split_at(int_len);
        format!("{sign}{int}.{frac}")
    }
}

/// `2020-01-01`, `2020-01-01 08:30:00`, a time alone (`08:30:00`) for a
/// value under one day, and `[h]:mm:ss` (`36:00:00`) for a duration.
/// Serials outside Excel's calendar (negative, past 9999) stay numbers.
fn format_datetime(dt: &ExcelDateTime) -> String {
    let v = dt.as_f64();
    if dt.is_duration() {
        return format_duration(v);
    }
    if !(0.0..2_958_466.0).contains(&v) {
        return format_number(v);
    }
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let time = if ms == 0 {
        format!("{h:02}:{mi:02}:{s:02}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}.{ms:03}")
    };
    if v < 1.0 {
        time
    } else if (h, mi, s, ms) == (0, 0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {time}")
    }
}

fn format_duration(days: f64) -> String {
    let secs = (days * 86_400.0).round();
    if !secs.is_finite() || secs.abs() >= 1e15 {
        return format_number(days);
    }
    let sign = if secs < 0.0 { "-" } else { "" };
    let secs = secs.abs() as u64;
    format!(
        "{sign}{}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// ODF/ISO `2020-01-01T08:30:00` → `2020-01-01 08:30:00`; a midnight time
/// is dropped (`2020-01-01T00:00:00` → `2020-01-01`).
fn format_iso_datetime(s: &str) -> String {
    match s.split_once('T') {
        None => s.to_string(),
        Some((date, time)) => {
            let midnight = time
                .strip_prefix("00:00:00")
                .is_some_and(|rest| rest.trim_start_matches(['.', '0']).is_empty());
            if midnight {
                date.to_string()
            } else {
                format!("{date} {time}")
            }
        }
    }
}

/// A walk over an .xls file (compound file + BIFF records) that reads what
/// calamine will read, before calamine does, to refuse what would make it
/// allocate without bound, and to learn the BIFF version and code page.
mod xls_scan {
    use std::collections::HashSet;

    use super::{SheetError, SheetLimits};

    const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
    /// Sector ids from here up are markers, not sectors.
    const MAX_REGULAR: u32 = 0xFFFF_FFFA;
    const DIFSECT: u32 = 0xFFFF_FFFC;
    const SIGNATURE: &[u8; 8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    /// calamine reads streams shorter than this from the mini stream.
    const MINI_CUTOFF: u64 = 4096;
    /// 65,536 rows × 256 columns: the largest sheet BIFF8 can hold. A
    /// DIMENSIONS record claiming more is invalid, and calamine reserves
    /// memory for what it claims.
    const MAX_DIMENSION_CELLS: u64 = 65_536 * 256;

    /// What the walk learned.
    pub(super) struct Scan {
        biff8: bool,
        codepage: Option<u16>,
    }

    impl Scan {
        /// The code page to force on calamine (see the module doc).
        pub(super) fn force_codepage(&self) -> Option<u16> {
            (!self.biff8 && matches!(self.codepage, None | Some(1252))).then_some(936)
        }
    }

    fn bad(what: &str) -> SheetError {
        SheetError::Corrupt(format!("not a readable xls file ({what})"))
    }

    fn u16_at(b: &[u8], i: usize) -> Option<u16> {
        let s = b.get(i..i.checked_add(2)?)?;
        Some(u16::from_le_bytes(s.try_into().ok()?))
    }

    fn u32_at(b: &[u8], i: usize) -> Option<u32> {
        let s = b.get(i..i.checked_add(4)?)?;
        Some(u32::from_le_bytes(s.try_into().ok()?))
    }

    fn u64_at(b: &[u8], i: usize) -> Option<u64> {
        let s = b.get(i..i.checked_add(8)?)?;
        Some(u64::from_le_bytes(s.try_into().ok()?))
    }

    fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
        b.chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// The compound file's sectors, as calamine addresses them.
    struct Cfb<'a> {
        bytes: &'a [u8],
        header_len: usize,
        sector_size: usize,
        /// calamine's bound on sector ids: file length / sector size.
        max_id: u32,
    }

    impl<'a> Cfb<'a> {
        /// A sector; short or empty at the end of the file, as calamine
        /// reads it.
        fn sector(&self, id: u32) -> Result<&'a [u8], SheetError> {
            if id > self.max_id {
                return Err(bad("a sector lies past the end of the file"));
            }
            let start = self
                .header_len
                .saturating_add((id as usize).saturating_mul(self.sector_size));
            let end = start.saturating_add(self.sector_size);
            let len = self.bytes.len();
            Ok(self.bytes.get(start.min(len)..end.min(len)).unwrap_or(&[]))
        }

        /// The most steps a chain can take without visiting a sector twice.
        fn max_steps(&self) -> usize {
            self.max_id as usize + 1
        }

        /// The bytes of a sector chain, up to `len`. A chain that loops is
        /// refused: calamine would follow it until `len` (up to 2^64) or
        /// forever.
        fn chain(&self, start: u32, fat: &[u32], len: u64) -> Result<Vec<u8>, SheetError> {
            let mut out = Vec::new();
            let mut id = start;
            let mut steps = 0usize;
            while id != ENDOFCHAIN {
                steps += 1;
                if steps > self.max_steps() {
                    return Err(bad("a sector chain loops"));
                }
                let sector = self.sector(id)?;
                let remaining = len.saturating_sub(out.len() as u64);
                let take = sector
                    .len()
                    .min(usize::try_from(remaining).unwrap_or(usize::MAX));
                out.extend_from_slice(&sector[..take]);
                if out.len() as u64 >= len {
                    break;
                }
                id = *fat
                    .get(id as usize)
                    .ok_or_else(|| bad("a sector chain leaves the allocation table"))?;
            }
            Ok(out)
        }
    }

    /// A chain of 64-byte sectors inside the mini stream. Unlike calamine,
    /// which reads past the mini stream from wherever the file happens to
    /// be, a sector outside it is refused.
    fn mini_chain(
        ministream: &[u8],
        minifat: &[u32],
        start: u32,
        len: u64,
    ) -> Result<Vec<u8>, SheetError> {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0usize;
        while id != ENDOFCHAIN {
            steps += 1;
            if steps > ministream.len() / 64 + 1 {
                return Err(bad("a mini sector chain loops"));
            }
            let at = (id as usize).saturating_mul(64);
            if at >= ministream.len() {
                return Err(bad("a mini sector lies outside the mini stream"));
            }
            let sector = &ministream[at..ministream.len().min(at + 64)];
            let remaining = len.saturating_sub(out.len() as u64);
            let take = sector
                .len()
                .min(usize::try_from(remaining).unwrap_or(usize::MAX));
            out.extend_from_slice(&sector[..take]);
            if out.len() as u64 >= len {
                break;
            }
            id = *minifat
                .get(id as usize)
                .ok_or_else(|| bad("a mini sector chain leaves its table"))?;
        }
        Ok(out)
    }

    struct Entry {
        name: String,
        start: u32,
        len: u64,
    }

    /// The Workbook (or BIFF5 Book) stream, found and read as calamine
    /// finds and reads it.
    fn workbook_stream(bytes: &[u8]) -> Result<Vec<u8>, SheetError> {
        if bytes.len() < 512 || bytes.get(..8) != Some(SIGNATURE.as_slice()) {
            return Err(bad("not an OLE compound file"));
        }
        let header = &bytes[..512];
        let field = |i| u32_at(header, i).unwrap_or(0);
        let version = u16_at(header, 26).unwrap_or(0);
        let (sector_size, header_len) = match u16_at(header, 30) {
            Some(9) => (512usize, 512usize),
            Some(12) => (4096, 4096),
            _ => return Err(bad("bad sector size")),
        };
        if u16_at(header, 32) != Some(6) {
            return Err(bad("bad mini sector size"));
        }
        if bytes.len() < header_len {
            return Err(bad("truncated header"));
        }
        let cfb = Cfb {
            bytes,
            header_len,
            sector_size,
            max_id: u32::try_from(bytes.len() / sector_size).unwrap_or(u32::MAX),
        };
        let (dir_start, mini_fat_start) = (field(48), field(60));
        let mini_fat_len = u64::from(field(64));
        let difat_start = field(68);

        // The DIFAT: 109 ids in the header, then a chain of sectors whose
        // last id points to the next one.
        let mut difat: Vec<u32> = u32s(&header[76..512]).collect();
        let mut id = difat_start;
        let mut steps = 0usize;
        while id < MAX_REGULAR {
            steps += 1;
            if steps > cfb.max_steps() {
                return Err(bad("the DIFAT chain loops"));
            }
            difat.extend(u32s(cfb.sector(id)?));
            id = difat.pop().ok_or_else(|| bad("empty DIFAT sector"))?;
        }
        let fat_ids: Vec<u32> = difat.into_iter().filter(|&id| id < DIFSECT).collect();
        if fat_ids.len() > cfb.max_steps() {
            return Err(bad("more allocation table sectors than sectors"));
        }
        let mut fat = Vec::new();
        for id in fat_ids {
            fat.extend(u32s(cfb.sector(id)?));
        }

        let dirs = cfb.chain(dir_start, &fat, u64::MAX)?;
        let entries: Vec<Entry> = dirs
            .chunks_exact(128)
            .map(|d| {
                let units: Vec<u16> = d[..64]
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                let mut name = String::from_utf16_lossy(&units);
                if let Some(nul) = name.find('\0') {
                    name.truncate(nul);
                }
                let len = if sector_size == 512 {
                    u64::from(u32_at(d, 120).unwrap_or(0))
                } else {
                    u64_at(d, 120).unwrap_or(0)
                };
                Entry {
                    name,
                    start: u32_at(d, 116).unwrap_or(ENDOFCHAIN),
                    len,
                }
            })
            .collect();
        let Some(root) = entries.first() else {
            return Err(bad("no directory"));
        };
        if version != 3 && root.start == ENDOFCHAIN {
            return Err(bad("empty root directory"));
        }
        let (ministream, minifat) = if mini_fat_len > 0 {
            let ministream = cfb.chain(root.start, &fat, root.len)?;
            let minifat = cfb.chain(
                mini_fat_start,
                &fat,
                mini_fat_len.saturating_mul(sector_size as u64),
            )?;
            (ministream, u32s(&minifat).collect::<Vec<_>>())
        } else {
            (Vec::new(), Vec::new())
        };
        let stream = |name: &str| -> Result<Vec<u8>, SheetError> {
            let entry = entries
                .iter()
                .find(|e| e.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| bad("no Workbook stream"))?;
            if entry.len < MINI_CUTOFF {
                mini_chain(&ministream, &minifat, entry.start, entry.len)
            } else {
                cfb.chain(entry.start, &fat, entry.len)
            }
        };
        stream("Workbook").or_else(|e| stream("Book").map_err(|_| e))
    }

    /// BIFF records as calamine iterates them: CONTINUE records are folded
    /// into the record before them; `Err` where calamine stops with an
    /// error.
    struct Records<'a> {
        rest: &'a [u8],
    }

    impl<'a> Iterator for Records<'a> {
        type Item = Result<(u16, &'a [u8]), ()>;

        fn next(&mut self) -> Option<Self::Item> {
            if self.rest.is_empty() {
                return None;
            }
            let (Some(typ), Some(len)) = (u16_at(self.rest, 0), u16_at(self.rest, 2)) else {
                return Some(Err(()));
            };
            let Some(data) = self.rest.get(4..4 + len as usize) else {
                return Some(Err(()));
            };
            self.rest = &self.rest[4 + len as usize..];
            if self.rest.len() > 4 && u16_at(self.rest, 0) == Some(0x003C) {
                while self.rest.len() > 4 && u16_at(self.rest, 0) == Some(0x003C) {
                    let len = u16_at(self.rest, 2).unwrap_or(0) as usize;
                    let Some(rest) = self.rest.get(4 + len..) else {
                        return Some(Err(()));
                    };
                    self.rest = rest;
                }
            }
            Some(Ok((typ, data)))
        }
    }

    /// The (row, column) at the start of a cell record.
    fn cell_pos(data: &[u8]) -> Option<(u32, u32)> {
        Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)))
    }

    /// A BoundSheet name, for messages: Unicode in BIFF8; in older files
    /// bytes of an unknown code page, shown only when ASCII.
    fn sheet_name(data: &[u8], biff8: bool, index: usize) -> String {
        let cch = data.get(6).copied().unwrap_or(0) as usize;
        let fallback = || format!("sheet {}", index + 1);
        if biff8 {
            let flags = data.get(7).copied().unwrap_or(0);
            if flags & 1 == 1 {
                let Some(raw) = data.get(8..8 + 2 * cch) else {
                    return fallback();
                };
                let units: Vec<u16> = raw
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16_lossy(&units)
            } else {
                data.get(8..8 + cch)
                    .map_or_else(fallback, |raw| raw.iter().map(|&b| char::from(b)).collect())
            }
        } else {
            match data.get(7..7 + cch) {
                Some(raw) if raw.is_ascii() => raw.iter().map(|&b| char::from(b)).collect(),
                _ => fallback(),
            }
        }
    }

    /// Walks the workbook; `Ok` means calamine may open it.
    pub(super) fn scan(bytes: &[u8], limits: &SheetLimits) -> Result<Scan, SheetError> {
        let stream = workbook_stream(bytes)?;
        let mut scan = Scan {
            biff8: true,
            codepage: None,
        };
        // (offset of the sheet's BOF, name for messages)
        let mut sheets: Vec<(usize, String)> = Vec::new();
        for record in (Records { rest: &stream }) {
            let Ok((typ, data)) = record else {
                return Ok(scan); // calamine stops here with an error
            };
            match typ {
                0x0042 => scan.codepage = u16_at(data, 0),
                0x0809 => {
                    let version = u16_at(data, 0).unwrap_or(0);
                    let dt = u16_at(data, 2).unwrap_or(0);
                    scan.biff8 = match version {
                        0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500 => false,
                        0 => dt != 0x1000,
                        _ => true,
                    };
                }
                0x0085 => {
                    let pos = u32_at(data, 0).unwrap_or(0) as usize;
                    sheets.push((pos, sheet_name(data, scan.biff8, sheets.len())));
                }
                // NAME: calamine reads a 14-byte header, then takes the
                // formula (cce bytes) from the record's end (found by fuzzing).
                0x0018 => {
                    let cce = u16_at(data, 4).map_or(usize::MAX, usize::from);
                    if data.len() < 14 || cce > data.len() - 14 {
                        return Err(bad("a NAME record is shorter than it says"));
                    }
                }
                // EXTERNSHEET: calamine reads its count first (found by fuzzing).
                0x0017 if scan.biff8 && data.len() < 2 => {
                    return Err(bad("an EXTERNSHEET record is too short"));
                }
                0x000A => break,
                _ => {}
            }
        }
        let mut scanned = HashSet::new();
        for (pos, name) in &sheets {
            // Sheets sharing an offset share their records: read them once.
            if !scanned.insert(*pos) {
                continue;
            }
            let Some(records) = stream.get(*pos..) else {
                return Err(bad("a sheet starts past the end of the workbook stream"));
            };
            scan_sheet(records, name, limits)?;
        }
        Ok(scan)
    }

    /// Checks one sheet's substream: its DIMENSIONS records and the extent
    /// of its cells. Nested substreams (embedded charts) are skipped, as
    /// calamine skips them.
    fn scan_sheet(records: &[u8], name: &str, limits: &SheetLimits) -> Result<(), SheetError> {
        let mut extent = super::Extent::new(name, limits);
        let mut seen_bof = false;
        let mut depth = 0usize;
        let mut formula_pos = (0, 0);
        for record in (Records { rest: records }) {
            let Ok((typ, data)) = record else {
                return Ok(()); // calamine stops here with an error
            };
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x0200 => check_dimensions(data)?,
                // Number, Label, RString, BoolErr, RK, LabelSst
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => {
                    if let Some((row, col)) = cell_pos(data) {
                        extent.add(row, col)?;
                    }
                }
                // Formula; its string value comes in the String record next.
                0x0006 => {
                    if let Some(pos) = cell_pos(data) {
                        formula_pos = pos;
                        extent.add(pos.0, pos.1)?;
                    }
                }
                0x0207 => extent.add(formula_pos.0, formula_pos.1)?,
                // MulRk: a run of cells from a first to a last column.
                0x00BD => {
                    if let (Some((row, first)), Some(last)) =
                        (cell_pos(data), u16_at(data, data.len().saturating_sub(2)))
                    {
                        // calamine computes the run's length in u16.
                        if u32::from(last) < first {
                            return Err(bad("a MulRk record runs backwards"));
                        }
                        let run = (data.len().saturating_sub(6) / 6) as u32;
                        extent.add(row, first)?;
                        extent.add(row, u32::from(last).max(first + run))?;
                    }
                }
                0x000A => break,
                _ => {}
            }
        }
        Ok(())
    }

    /// calamine reserves room for the cells a DIMENSIONS record claims,
    /// computing the size in `u32` (an inverted record wraps around).
    fn check_dimensions(data: &[u8]) -> Result<(), SheetError> {
        let (rf, rl, cf, cl) = match data.len() {
            10 => (
                u32::from(u16_at(data, 0).unwrap_or(0)),
                u32::from(u16_at(data, 2).unwrap_or(0)),
                u32::from(u16_at(data, 4).unwrap_or(0)),
                u32::from(u16_at(data, 6).unwrap_or(0)),
            ),
            14 | 16 => (
                u32_at(data, 0).unwrap_or(0),
                u32_at(data, 4).unwrap_or(0),
                u32::from(u16_at(data, 8).unwrap_or(0)),
                u32::from(u16_at(data, 10).unwrap_or(0)),
            ),
            _ => return Ok(()), // calamine refuses the record itself
        };
        let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
        let (start, end) = if rl >= 1 && cl >= 1 {
            ((rf, cf), (rl - 1, cl - 1))
        } else {
            ((rf, cf), (rf, cf))
        };
        if end.0 < start.0 || end.1 < start.1 {
            return Err(bad("a DIMENSIONS record is inverted"));
        }
        let cells = (u64::from(end.0 - start.0) + 1) * (u64::from(end.1 - start.1) + 1);
        if cells > MAX_DIMENSION_CELLS {
            return Err(bad(&format!(
                "a DIMENSIONS record claims {cells} cells, more than a sheet can hold"
            )));
        }
        Ok(())
    }
}

/// A look inside zipped workbooks (xlsx, ods) before calamine opens them.
///
/// calamine sizes some allocations from numbers in the XML before reading
/// the data they describe, and an allocation that fails aborts:
///
/// * xlsx: it reserves room for as many shared strings as the `<sst>`
///   element's `uniqueCount` claims; `uniqueCount="999999999999"` in a 2 KB
///   file asks for 24 TB.
/// * ods: it expands `table:number-columns-repeated` (up to 16,384 copies of
///   the cell's value and formula) for every row element before any cap
///   applies, and `<text:s text:c="…"/>` into that many spaces; a few KB of
///   compressed XML can ask for terabytes.
///
/// So the members calamine reads (any name ending in `sharedStrings.xml`,
/// resp. `content.xml`, as a central directory or a local header names it,
/// with either header's compression method) are decompressed here, with
/// the standard library only, and their tags are read with quick-xml's
/// rules for where a tag ends, so that no tag calamine sees is missed.
/// What this walk cannot make sense of is left to calamine, which then
/// fails before reading the member.
mod zip_scan {
    use std::io::{BufReader, Cursor, Read};

    use quick_xml::Reader;
    use quick_xml::events::{BytesStart, Event};

    use super::{SheetError, SheetLimits};

    /// calamine reserves 24 bytes a string: this caps the reservation at
    /// 400 MB. No real workbook comes near 16 million distinct strings.
    const MAX_SHARED_STRINGS: u64 = 1 << 24;
    /// The most bytes of cell text an ods sheet may expand to.
    const MAX_ODS_TEXT: u64 = 1 << 30;
    /// The widest `<text:s/>` space run accepted.
    const MAX_SPACES: u64 = 1 << 16;
    /// calamine's cap on the cells of one ods row.
    const ODS_MAX_COLUMNS: u64 = 16_384;
    /// calamine's cost of one expanded ods cell besides its text: the
    /// value and formula slots.
    const ODS_CELL_COST: u64 = 64;
    /// The most bytes decompressed here, over all candidate members.
    const MAX_INFLATED: u64 = 1 << 30;

    /// Refuses an xlsx whose shared strings table claims more than
    /// [`MAX_SHARED_STRINGS`].
    pub(super) fn check_xlsx(bytes: &[u8]) -> Result<(), SheetError> {
        scan_members(bytes, b"sharedstrings.xml", &mut || SstCheck)
    }

    /// Refuses an ods whose content expands past the limits.
    pub(super) fn check_ods(bytes: &[u8], limits: &SheetLimits) -> Result<(), SheetError> {
        scan_members(bytes, b"content.xml", &mut || OdsCheck::new(limits))
    }

    /// Runs a fresh `check` over each member whose name ends in `suffix`,
    /// streamed out of the archive (the zip crate, as calamine reads it)
    /// through quick-xml, within an overall budget of inflated bytes. An
    /// archive or XML that cannot be read is left to calamine, which fails
    /// on it before building anything.
    fn scan_members<C: Check>(
        bytes: &[u8],
        suffix: &[u8],
        new: &mut dyn FnMut() -> C,
    ) -> Result<(), SheetError> {
        let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
            return Ok(());
        };
        let mut budget = MAX_INFLATED;
        for i in 0..zip.len() {
            let Ok(file) = zip.by_index(i) else {
                continue;
            };
            if !file.name_raw().to_ascii_lowercase().ends_with(suffix) {
                continue;
            }
            let mut reader =
                Reader::from_reader(BufReader::new(file.take(budget.saturating_add(1))));
            let mut check = new();
            let mut buf = Vec::new();
            loop {
                let event = reader.read_event_into(&mut buf);
                let pos = reader.buffer_position();
                match event {
                    Ok(Event::Start(e)) => {
                        check.start(e.name().into_inner().as_bytes(), &attrs(&e), false, pos)?
                    }
                    Ok(Event::Empty(e)) => {
                        check.start(e.name().into_inner().as_bytes(), &attrs(&e), true, pos)?
                    }
                    Ok(Event::End(e)) => check.end(e.name().into_inner().as_bytes(), pos)?,
                    Ok(Event::Eof) | Err(_) => break,
                    Ok(_) => {}
                }
                buf.clear();
            }
            let read = reader.buffer_position();
            budget = budget.checked_sub(read).ok_or_else(|| {
                SheetError::Corrupt(format!(
                    "not a readable workbook (its members inflate to over {MAX_INFLATED} bytes)"
                ))
            })?;
            check.finish()?;
        }
        Ok(())
    }

    /// The attributes of a tag as the checks need them.
    fn attrs(e: &BytesStart<'_>) -> Vec<Attr> {
        e.attributes()
            .with_checks(false)
            .take(MAX_ATTRS)
            .filter_map(Result::ok)
            .map(|a| Attr {
                name: a
                    .key
                    .into_inner()
                    .as_bytes()
                    .iter()
                    .copied()
                    .take(KEEP)
                    .collect(),
                value: a.value.as_bytes().iter().copied().take(KEEP).collect(),
                len: a.value.len() as u64,
            })
            .collect()
    }

    /// The leading decimal digits of `s` as a number (saturating).
    fn digits(s: &[u8]) -> u64 {
        s.iter()
            .take_while(|b| b.is_ascii_digit())
            .fold(0u64, |n, &b| {
                n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
            })
    }

    /// guess). A value too long to be a number counts as the largest.
    fn number(attrs: &[Attr], want: &[u8]) -> Option<u64> {
        attrs
            .iter()
            .filter(|a| a.is(want))
            .map(|a| {
                if a.len > 20 {
                    u64::MAX
                } else {
                    digits(&a.value)
                }
            })
            .max()
    }

    /// The part of a qualified name after its prefix.
    fn local(name: &[u8]) -> &[u8] {
        match name.iter().rposition(|&b| b == b':') {
            Some(i) => &name[i + 1..],
            None => name,
        }
    }

    /// One attribute as the checks need it: its name, the first bytes of
    /// its value, and the value's full length.
    #[derive(Default)]
    struct Attr {
        name: Vec<u8>,
        value: Vec<u8>,
        len: u64,
    }

    impl Attr {
        fn is(&self, want: &[u8]) -> bool {
            local(&self.name) == want
        }
    }

    /// Names and values are kept up to this many bytes.
    const KEEP: usize = 256;
    /// No workbook tag has this many attributes (a root element declaring
    /// namespaces has a few dozen).
    const MAX_ATTRS: usize = 1024;

    /// What a check is told as the tags go by.
    trait Check {
        /// A start tag; `empty` for `<… />`; `pos` counts the bytes read.
        fn start(
            &mut self,
            name: &[u8],
            attrs: &[Attr],
            empty: bool,
            pos: u64,
        ) -> Result<(), SheetError>;
        fn end(&mut self, name: &[u8], pos: u64) -> Result<(), SheetError>;
        fn finish(&mut self) -> Result<(), SheetError> {
            Ok(())
        }
    }

    /// Where in a tag the reader is.
    #[derive(Clone, Copy, PartialEq, Eq)]

    /// Every `<sst>` tag's `uniqueCount`.
    struct SstCheck;

    impl Check for SstCheck {
        fn start(
            &mut self,
            name: &[u8],
            attrs: &[Attr],
            _: bool,
            _: u64,
        ) -> Result<(), SheetError> {
            if local(name) != b"sst" {
                return Ok(());
            }
            if let Some(n) = number(attrs, b"uniqueCount")
                && n > MAX_SHARED_STRINGS
            {
                return Err(SheetError::Corrupt(format!(
                    "not a readable xlsx file (its shared strings table claims {n} strings)"
                )));
            }
            Ok(())
        }

        fn end(&mut self, _: &[u8], _: u64) -> Result<(), SheetError> {
            Ok(())
        }
    }

    /// What calamine will expand an ods table to: per row element, the
    /// cells up to the last non-empty one (at most 16,384), and the text
    /// they repeat.
    struct OdsCheck {
        limit: u64,
        /// Inside a table, and its name.
        in_table: bool,
        table: String,
        /// Columns so far in the row, and the end of its last non-empty cell.
        cursor: u64,
        last: u64,
        /// The open cell: its repeats, whether it holds a value, where it
        /// started, and the spaces its `<text:s/>` add.
        cell: Option<(u64, bool, u64, u64)>,
        /// The table so far: cells, non-empty rows, widest row, text bytes.
        cells: u64,
        rows: u64,
        width: u64,
        text: u64,
    }

    impl OdsCheck {
        fn new(limits: &SheetLimits) -> Self {
            OdsCheck {
                limit: limits.max_cells,
                in_table: false,
                table: String::new(),
                cursor: 0,
                last: 0,
                cell: None,
                cells: 0,
                rows: 0,
                width: 0,
                text: 0,
            }
        }

        fn end_cell(&mut self, pos: u64) -> Result<(), SheetError> {
            let Some((repeats, filled, start, spaces)) = self.cell.take() else {
                return Ok(());
            };
            let repeats = repeats.min(ODS_MAX_COLUMNS);
            self.cursor = self.cursor.saturating_add(repeats);
            if filled {
                self.last = self.cursor;
                let each = pos.saturating_sub(start).saturating_add(spaces) + ODS_CELL_COST;
                self.text = self.text.saturating_add(repeats.saturating_mul(each));
                if self.text > MAX_ODS_TEXT {
                    return Err(SheetError::Corrupt(format!(
                        "not a readable ods file (table {:?} repeats its cells to over {MAX_ODS_TEXT} bytes)",
                        self.table
                    )));
                }
            }
            Ok(())
        }

        fn end_row(&mut self) -> Result<(), SheetError> {
            let pushed = self.last.min(ODS_MAX_COLUMNS);
            self.cursor = 0;
            self.last = 0;
            if pushed == 0 {
                return Ok(());
            }
            self.rows += 1;
            self.width = self.width.max(pushed);
            self.cells = self.cells.saturating_add(pushed);
            if self.cells > self.limit {
                return Err(SheetError::TooLarge {
                    sheet: self.table.clone(),
                    rows: self.rows,
                    cols: self.width,
                    limit: self.limit,
                });
            }
            Ok(())
        }
    }

    impl Check for OdsCheck {
        fn start(
            &mut self,
            name: &[u8],
            attrs: &[Attr],
            empty: bool,
            pos: u64,
        ) -> Result<(), SheetError> {
            match name {
                // calamine reads a table up to the first `</table:table>`
                // and ignores tables opened inside it: so does this count.
                b"table:table" if !self.in_table && !empty => {
                    let table = attrs.iter().find(|a| a.is(b"name"));
                    *self = OdsCheck::new(&SheetLimits {
                        max_cells: self.limit,
                    });
                    self.in_table = true;
                    self.table = table
                        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                        .unwrap_or_default();
                }
                b"table:table-row" => {
                    self.end_cell(pos)?;
                    self.cursor = 0;
                    self.last = 0;
                    if empty {
                        self.end_row()?;
                    }
                }
                b"table:table-cell" | b"table:covered-table-cell" => {
                    self.end_cell(pos)?;
                    let repeats = number(attrs, b"number-columns-repeated").unwrap_or(1);
                    let filled = attrs.iter().any(|a| {
                        [
                            b"value".as_slice(),
                            b"string-value",
                            b"date-value",
                            b"time-value",
                            b"boolean-value",
                            b"value-type",
                            b"formula",
                        ]
                        .contains(&local(&a.name))
                    });
                    let start = pos.saturating_sub(attrs.iter().map(|a| a.len).sum::<u64>());
                    self.cell = Some((repeats, filled, start, 0));
                    if empty {
                        self.end_cell(pos)?;
                    }
                }
                _ if local(name) == b"s" => {
                    let spaces = number(attrs, b"c").unwrap_or(1);
                    if spaces > MAX_SPACES {
                        return Err(SheetError::Corrupt(format!(
                            "not a readable ods file (a run of {spaces} spaces)"
                        )));
                    }
                    if let Some(cell) = self.cell.as_mut() {
                        cell.3 = cell.3.saturating_add(spaces);
                    }
                }
                _ => {}
            }
            Ok(())
        }

        fn end(&mut self, name: &[u8], pos: u64) -> Result<(), SheetError> {
            match name {
                b"table:table-cell" | b"table:covered-table-cell" => self.end_cell(pos),
                b"table:table-row" => {
                    self.end_cell(pos)?;
                    self.end_row()
                }
                b"table:table" => {
                    self.in_table = false;
                    Ok(())
                }
                _ => Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::{Duration, Instant};

    /// The seed document (the same bytes as corpus/000_ac0013b8211afd0d.txt).
    const SEED_TSV: &str = include_str!("../../tests/fixtures/seed/seed.utf8.txt");
    const SEED_XLSX: &[u8] = include_bytes!("../../tests/fixtures/sheets/seed.xlsx");
    const SEED_XLS: &[u8] = include_bytes!("../../tests/fixtures/sheets/seed.xls");
    const SEED_ODS: &[u8] = include_bytes!("../../tests/fixtures/sheets/seed.ods");
    const TWO_SHEETS: &[u8] = include_bytes!("../../tests/fixtures/sheets/two_sheets.xlsx");

    fn read(bytes: &[u8], format: SheetFormat) -> Result<Vec<Sheet>, SheetError> {
        read_workbook(bytes, format, &SheetLimits::default())
    }

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

    // --- hand-made xlsx -----------------------------------------------------

    const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

    fn zip(parts: &[(&str, &str)], method: zip::CompressionMethod) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, content) in parts {
            z.start_file(*name, options).unwrap();
            z.write_all(content.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    /// A minimal xlsx: one worksheet per `(name, sheetData inner XML)`; an
    /// inner XML of `None` makes a chart sheet. `extra` parts are added.
    fn xlsx(sheets: &[(&str, Option<&str>)], extra: &[(&str, &str)]) -> Vec<u8> {
        xlsx_with(sheets, extra, zip::CompressionMethod::Deflated)
    }

    fn xlsx_with(
        sheets: &[(&str, Option<&str>)],
        extra: &[(&str, &str)],
        method: zip::CompressionMethod,
    ) -> Vec<u8> {
        let mut parts: Vec<(String, String)> = vec![
            (
                "[Content_Types].xml".into(),
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#.into(),
            ),
            (
                "_rels/.rels".into(),
                format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
            ),
        ];
        let (mut list, mut rels) = (String::new(), String::new());
        for (i, (name, data)) in sheets.iter().enumerate() {
            let n = i + 1;
            list += &format!(r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#);
            let kind = if data.is_some() {
                "worksheet"
            } else {
                "chartsheet"
            };
            rels += &format!(
                r#"<Relationship Id="rId{n}" Type="{REL}/{kind}" Target="worksheets/sheet{n}.xml"/>"#
            );
            if let Some(data) = data {
                parts.push((
                    format!("xl/worksheets/sheet{n}.xml"),
                    format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>{data}</sheetData></worksheet>"#),
                ));
            }
        }
        parts.push((
            "xl/workbook.xml".into(),
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="{REL}"><sheets>{list}</sheets></workbook>"#),
        ));
        parts.push((
            "xl/_rels/workbook.xml.rels".into(),
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#),
        ));
        for (name, content) in extra {
            parts.push((name.to_string(), content.to_string()));
        }
        let parts: Vec<(&str, &str)> = parts
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        zip(&parts, method)
    }

    fn inline(r: &str, text: &str) -> String {
        format!(r#"<c r="{r}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>"#)
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
        let started = Instant::now();
        let err = read(&bytes, SheetFormat::Xlsx).err().unwrap();
        assert!(started.elapsed() < Duration::from_secs(5));
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
        let sheets =
            read_workbook(&bytes, SheetFormat::Xlsx, &SheetLimits { max_cells: 4 }).unwrap();
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

    #[test]
    fn a_lying_shared_strings_count_is_refused_before_calamine() {
        // calamine would reserve 24 TB for it and abort. The tag is found
        // where quick-xml finds it: after a comment or a tag whose quotes
        // would lead a careless reader astray.
        let huge = r#"uniqueCount="999999999999""#;
        for sst in [
            format!(r#"<sst xmlns="{NS}" count="1" {huge}><si><t>x</t></si></sst>"#),
            format!(
                r#"<?xml version="1.0"?><!-- <sst uniqueCount="1"> --><x:sst xmlns:x="{NS}"
                uniqueCount = '999999999999'><x:si><x:t>x</x:t></x:si></x:sst>"#
            ),
            format!(r#"<!-- a ' --><sst {huge}/>"#),
            format!(r#"<a 'x'><sst {huge}/></a>"#),
            format!(r#"<a b="<c d='>"><sst {huge}/></a>"#),
        ] {
            for method in [
                zip::CompressionMethod::Deflated,
                zip::CompressionMethod::Stored,
            ] {
                let bytes = xlsx_with(
                    &[("s", Some(""))],
                    &[("xl/sharedStrings.xml", &sst)],
                    method,
                );
                let err = read(&bytes, SheetFormat::Xlsx).err().unwrap();
                assert_eq!(err.code(), "corrupt", "{err}");
                assert!(err.to_string().contains("999999999999"), "{sst}: {err}");
            }
        }
        // A count hidden in a comment or a value is no count.
        for sst in [
            format!(r#"<!-- <sst {huge}> --><sst uniqueCount="1"><si><t>x</t></si></sst>"#),
            format!(r#"<sst a='<sst {huge}>' uniqueCount="1"><si><t>x</t></si></sst>"#),
        ] {
            let bytes = xlsx(&[("s", Some(""))], &[("xl/sharedStrings.xml", &sst)]);
            assert!(read(&bytes, SheetFormat::Xlsx).is_ok(), "{sst}");
        }
    }

    fn ods(table: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="表">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
        );
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("mimetype", stored).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
        z.start_file("content.xml", deflated).unwrap();
        z.write_all(content.as_bytes()).unwrap();
        z.start_file("META-INF/manifest.xml", deflated).unwrap();
        z.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn ods_repeats_are_counted_before_calamine_expands_them() {
        let cell = r#"<table:table-cell office:value-type="string"><text:p>值<text:s text:c="3"/>x</text:p></table:table-cell>"#;
        let sheets = read(
            &ods(&format!("<table:table-row>{cell}</table:table-row>")),
            SheetFormat::Ods,
        )
        .unwrap();
        assert_eq!(sheets[0].rows[0].cells, ["值   x"]);

        // Each row element expands to 16,384 cells before any cap applies.
        let row = r#"<table:table-row><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#;
        let bytes = ods(&row.repeat(400));
        assert!(bytes.len() < 10_000, "{} bytes", bytes.len());
        match read(&bytes, SheetFormat::Ods).err().unwrap() {
            SheetError::TooLarge {
                sheet, rows, cols, ..
            } => {
                assert_eq!((sheet.as_str(), rows, cols), ("表", 306, 16_384));
            }
            e => panic!("{e}"),
        }
        // Trailing empty cells are not expanded (office suites write them).
        let row = r#"<table:table-row><table:table-cell office:value-type="float" office:value="1"/><table:table-cell table:number-columns-repeated="16383"/></table:table-row>"#;
        let sheets = read(&ods(&row.repeat(400)), SheetFormat::Ods).unwrap();
        assert_eq!(sheets[0].rows.len(), 400);

        // A long formula repeated across a row: gigabytes of copies.
        let formula = "1+".repeat(50_000);
        let row = format!(
            r#"<table:table-row><table:table-cell table:number-columns-repeated="16384" table:formula="of:={formula}1" office:value-type="float" office:value="1"/></table:table-row>"#
        );
        let err = read(&ods(&row.repeat(2)), SheetFormat::Ods).err().unwrap();
        assert_eq!(err.code(), "corrupt", "{err}");
        // A run of a trillion spaces.
        let cell = r#"<table:table-cell office:value-type="string"><text:p>a<text:s text:c="1000000000000"/></text:p></table:table-cell>"#;
        let err = read(
            &ods(&format!("<table:table-row>{cell}</table:table-row>")),
            SheetFormat::Ods,
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("1000000000000"), "{err}");
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

    // --- hand-made xls ------------------------------------------------------

    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend_from_slice(&(data.len() as u16).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    fn bof(version: u16, dt: u16) -> Vec<u8> {
        let mut d = version.to_le_bytes().to_vec();
        d.extend_from_slice(&dt.to_le_bytes());
        d.resize(if version == 0x0600 { 16 } else { 8 }, 0);
        rec(0x0809, &d)
    }

    /// A one-sheet workbook stream: `codepage` (if any) in the globals, the
    /// sheet named by `name` (BIFF5: bytes; BIFF8: ASCII), then `cells`.
    fn biff(biff8: bool, codepage: Option<u16>, name: &[u8], cells: &[Vec<u8>]) -> Vec<u8> {
        let version = if biff8 { 0x0600 } else { 0x0500 };
        let mut globals = bof(version, 0x0005);
        if let Some(cp) = codepage {
            globals.extend(rec(0x0042, &cp.to_le_bytes()));
        }
        let mut sheet_rec = vec![0u8; 6]; // offset, filled in below; visible worksheet
        sheet_rec.push(name.len() as u8);
        if biff8 {
            sheet_rec.push(0);
        }
        sheet_rec.extend_from_slice(name);
        let at = globals.len() + 4 + sheet_rec.len() + 4;
        sheet_rec[..4].copy_from_slice(&(at as u32).to_le_bytes());
        globals.extend(rec(0x0085, &sheet_rec));
        globals.extend(rec(0x000A, &[]));
        assert_eq!(globals.len(), at);
        globals.extend(bof(version, 0x0010));
        for c in cells {
            globals.extend_from_slice(c);
        }
        globals.extend(rec(0x000A, &[]));
        globals
    }

    fn number(row: u16, col: u16, v: f64) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend_from_slice(&col.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        d.extend_from_slice(&v.to_le_bytes());
        rec(0x0203, &d)
    }

    /// A BIFF5 LABEL: bytes in the workbook's code page.
    fn label5(row: u16, col: u16, bytes: &[u8]) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend_from_slice(&col.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        d.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
        d.extend_from_slice(bytes);
        rec(0x0204, &d)
    }

    const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;

    /// A version 3 compound file holding `stream` as its Workbook stream
    /// (padded to 4096 bytes so it lives in regular sectors): header,
    /// sector 0 the FAT, sector 1 the directory, then the stream.
    /// `fat_patch` overrides FAT entries.
    fn cfb(stream: &[u8], fat_patch: &[(usize, u32)]) -> Vec<u8> {
        let mut stream = stream.to_vec();
        stream.resize(stream.len().max(4096).div_ceil(512) * 512, 0);
        let n = stream.len() / 512;
        assert!(n + 2 <= 128);
        let mut out = vec![0u8; 512];
        out[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        let put16 =
            |b: &mut Vec<u8>, i: usize, v: u16| b[i..i + 2].copy_from_slice(&v.to_le_bytes());
        let put32 =
            |b: &mut Vec<u8>, i: usize, v: u32| b[i..i + 4].copy_from_slice(&v.to_le_bytes());
        put16(&mut out, 24, 0x3E);
        put16(&mut out, 26, 3);
        put16(&mut out, 28, 0xFFFE);
        put16(&mut out, 30, 9);
        put16(&mut out, 32, 6);
        put32(&mut out, 44, 1);
        put32(&mut out, 48, 1);
        put32(&mut out, 56, 4096);
        put32(&mut out, 60, ENDOFCHAIN);
        put32(&mut out, 68, ENDOFCHAIN);
        put32(&mut out, 76, 0);
        for i in 1..109 {
            put32(&mut out, 76 + 4 * i, FREE);
        }
        let mut fat = vec![FREE; 128];
        fat[0] = 0xFFFF_FFFD;
        fat[1] = ENDOFCHAIN;
        for k in 0..n {
            fat[2 + k] = if k + 1 < n { 3 + k as u32 } else { ENDOFCHAIN };
        }
        for &(i, v) in fat_patch {
            fat[i] = v;
        }
        out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
        let mut dir = vec![0u8; 512];
        let entry = |dir: &mut Vec<u8>,
                     at: usize,
                     name: &str,
                     typ: u8,
                     child: u32,
                     start: u32,
                     size: u32| {
            let units: Vec<u8> = name
                .encode_utf16()
                .chain([0])
                .flat_map(|u| u.to_le_bytes())
                .collect();
            dir[at..at + units.len()].copy_from_slice(&units);
            put16(dir, at + 64, units.len() as u16);
            dir[at + 66] = typ;
            dir[at + 67] = 1;
            put32(dir, at + 68, FREE);
            put32(dir, at + 72, FREE);
            put32(dir, at + 76, child);
            put32(dir, at + 116, start);
            put32(dir, at + 120, size);
        };
        entry(&mut dir, 0, "Root Entry", 5, 1, ENDOFCHAIN, 0);
        entry(&mut dir, 128, "Workbook", 2, FREE, 2, stream.len() as u32);
        for at in [256, 384] {
            put32(&mut dir, at + 68, FREE);
            put32(&mut dir, at + 72, FREE);
            put32(&mut dir, at + 76, FREE);
        }
        out.extend(dir);
        out.extend(stream);
        out
    }

    /// "项目名称" and "绩效" in GBK, "項目" in Big5.
    const GBK_PROJECT_NAME: &[u8] = &[207, 238, 196, 191, 195, 251, 179, 198];
    const GBK_PERFORMANCE: &[u8] = &[188, 168, 208, 167];
    const BIG5_PROJECT: &[u8] = &[182, 181, 165, 216];

    #[test]
    fn old_xls_without_a_code_page_is_gbk() {
        for codepage in [None, Some(1252)] {
            let stream = biff(
                false,
                codepage,
                GBK_PERFORMANCE,
                &[label5(3, 1, GBK_PROJECT_NAME)],
            );
            let sheets = read(&cfb(&stream, &[]), SheetFormat::Xls).unwrap();
            assert_eq!(sheets[0].name, "绩效", "{codepage:?}");
            assert_eq!(sheets[0].rows[0].number, 4);
            assert_eq!(sheets[0].rows[0].cells, ["", "项目名称"]);
        }
    }

    #[test]
    fn old_xls_with_a_code_page_keeps_it() {
        let stream = biff(false, Some(950), b"S", &[label5(0, 0, BIG5_PROJECT)]);
        let sheets = read(&cfb(&stream, &[]), SheetFormat::Xls).unwrap();
        assert_eq!(sheets[0].rows[0].cells, ["項目"]);
    }

    #[test]
    fn xls_numbers_and_extent() {
        let stream = biff(
            true,
            Some(1200),
            b"S",
            &[number(4, 2, 41098620.0), number(5, 3, 0.1 + 0.2)],
        );
        let sheets = read(&cfb(&stream, &[]), SheetFormat::Xls).unwrap();
        let rows = &sheets[0].rows;
        assert_eq!((rows[0].number, rows[1].number), (5, 6));
        assert_eq!(rows[0].cells, ["", "", "41098620"]);
        assert_eq!(rows[1].cells, ["", "", "", "0.3"]);
    }

    #[test]
    fn hostile_xls_is_refused_before_calamine() {
        // Two cells 65,535 rows and columns apart: calamine's grid would be
        // 4.3 billion cells (137 GB) and abort the process.
        let stream = biff(
            true,
            None,
            b"S",
            &[number(0, 0, 1.0), number(65535, 65535, 2.0)],
        );
        let err = read(&cfb(&stream, &[]), SheetFormat::Xls).err().unwrap();
        match err {
            SheetError::TooLarge {
                sheet, rows, cols, ..
            } => {
                assert_eq!((sheet.as_str(), rows, cols), ("S", 65536, 65536));
            }
            e => panic!("{e}"),
        }
        // A DIMENSIONS record claiming 2^32 rows: calamine reserves for it.
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend_from_slice(&u32::MAX.to_le_bytes());
        dims.extend_from_slice(&[0, 0, 0, 1, 0, 0]);
        let stream = biff(true, None, b"S", &[rec(0x0200, &dims), number(0, 0, 1.0)]);
        let err = read(&cfb(&stream, &[]), SheetFormat::Xls).err().unwrap();
        assert_eq!(err.code(), "corrupt", "{err}");
        // A directory whose sector chain loops back on itself: calamine
        // would read it forever.
        let stream = biff(true, None, b"S", &[number(0, 0, 1.0)]);
        let err = read(&cfb(&stream, &[(1, 1)]), SheetFormat::Xls)
            .err()
            .unwrap();
        assert!(err.to_string().contains("loops"), "{err}");
        // A loop cut short by the stream's length is harmless, as in calamine.
        assert!(read(&cfb(&stream, &[(5, 3)]), SheetFormat::Xls).is_ok());
        // A sheet offset past the stream (calamine would panic on it).
        let mut stream = biff(true, None, b"S", &[]);
        let at = 4 + 16 + 4; // BOF record, then the BoundSheet's offset
        stream[at..at + 4].copy_from_slice(&100_000u32.to_le_bytes());
        assert_eq!(
            read(&cfb(&stream, &[]), SheetFormat::Xls)
                .err()
                .unwrap()
                .code(),
            "corrupt"
        );
    }

    // --- rendering ----------------------------------------------------------

    #[test]
    fn numbers_read_as_excel_shows_them() {
        let cases = [
            (41098620.0, "41098620"),
            (0.1 + 0.2, "0.3"),
            (4109.86, "4109.86"),
            (-1.5, "-1.5"),
            (0.0, "0"),
            (-0.0, "0"),
            (1e-7, "0.0000001"),
            (0.000123, "0.000123"),
            (123456789012345678.0, "123456789012346000"),
            (1e21, "1E+21"),
            (1.5e300, "1.5E+300"),
            (-2.5e-12, "-2.5E-12"),
            (1.0 / 3.0, "0.333333333333333"),
            (100.0, "100"),
            (999999999999999.9, "1000000000000000"),
        ];
        for (v, want) in cases {
            assert_eq!(format_number(v), want, "{v:?}");
        }
    }

    #[test]
    fn dates_read_as_iso() {
        use calamine::ExcelDateTimeType::{DateTime, TimeDelta};
        let dt = |v| format_datetime(&ExcelDateTime::new(v, DateTime, false));
        assert_eq!(dt(43831.0), "2020-01-01");
        assert_eq!(dt(44196.0), "2020-12-31");
        assert_eq!(dt(43831.354166666664), "2020-01-01 08:30:00");
        assert_eq!(dt(0.5), "12:00:00");
        assert_eq!(dt(-3.0), "-3");
        assert_eq!(
            format_datetime(&ExcelDateTime::new(0.0, DateTime, true)),
            "00:00:00"
        );
        assert_eq!(
            format_datetime(&ExcelDateTime::new(1.0, DateTime, true)),
            "1904-01-02"
        );
        assert_eq!(
            format_datetime(&ExcelDateTime::new(1.5, TimeDelta, false)),
            "36:00:00"
        );
        assert_eq!(format_iso_datetime("2020-01-01"), "2020-01-01");
        assert_eq!(format_iso_datetime("2020-01-01T00:00:00"), "2020-01-01");
        assert_eq!(
            format_iso_datetime("2020-01-01T08:30:00"),
            "2020-01-01 08:30:00"
        );
    }
}
