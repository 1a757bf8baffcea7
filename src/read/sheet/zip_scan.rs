//! A look inside zipped workbooks (xlsx, ods) before calamine opens them.
//!
//! calamine sizes some allocations from numbers in the XML before reading
//! the data they describe, and an allocation that fails aborts:
//!
//! * xlsx: it reserves room for as many shared strings as the `<sst>`
//!   element's `uniqueCount` claims; `uniqueCount="999999999999"` in a 2 KB
//!   file asks for 24 TB.
//! * ods: it expands `table:number-columns-repeated` (up to 16,384 copies of
//!   the cell's value and formula) for every row element before any cap
//!   applies, and `<text:s text:c="…"/>` into that many spaces; a few KB of
//!   compressed XML can ask for terabytes.
//!
//! So the members calamine reads (any name ending in `sharedStrings.xml`,
//! resp. `content.xml`, as a central directory or a local header names it,
//! with either header's compression method) are decompressed here, with
//! the standard library only, and their tags are read with quick-xml's
//! rules for where a tag ends, so that no tag calamine sees is missed.
//! What this walk cannot make sense of is left to calamine, which then
//! fails before reading the member.

use std::io::{BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::grid::MAX_ROWS;
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

/// Whether an xlsx declares its formulas' cached values stale: a
/// `<calcPr>` with `fullCalcOnLoad` true in its workbook part (openpyxl and
/// XlsxWriter write it; Excel drops it when it saves what it computed).
pub(super) fn xlsx_recalculates_on_load(bytes: &[u8]) -> bool {
    let found = std::cell::Cell::new(false);
    // A member that cannot be read says nothing: calamine judges it.
    let _ = scan_members(bytes, b"workbook.xml", &mut || CalcCheck { found: &found });
    found.get()
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
        let mut reader = Reader::from_reader(BufReader::new(file.take(budget.saturating_add(1))));
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

/// The number in the attribute named `want` (the largest, when a tag
/// repeats it: which one calamine reads depends on its parser, so the
/// check assumes the worst guess). A value too long to be a number counts
/// as the largest.
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

/// Every `<sst>` tag's `uniqueCount`.
struct SstCheck;

impl Check for SstCheck {
    fn start(&mut self, name: &[u8], attrs: &[Attr], _: bool, _: u64) -> Result<(), SheetError> {
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

/// Notes a `<calcPr fullCalcOnLoad="1">` (or `"true"`).
struct CalcCheck<'f> {
    found: &'f std::cell::Cell<bool>,
}

impl Check for CalcCheck<'_> {
    fn start(&mut self, name: &[u8], attrs: &[Attr], _: bool, _: u64) -> Result<(), SheetError> {
        if local(name) == b"calcPr"
            && attrs
                .iter()
                .any(|a| a.is(b"fullCalcOnLoad") && matches!(&a.value[..], b"1" | b"true"))
        {
            self.found.set(true);
        }
        Ok(())
    }

    fn end(&mut self, _: &[u8], _: u64) -> Result<(), SheetError> {
        Ok(())
    }
}

/// What calamine will expand an ods table to: per row element, the
/// cells up to the last non-empty one (at most 16,384), and the text
/// they repeat; then each row element `number-rows-repeated` times (up
/// to 1,048,576 rows in all), in a dense grid from the first to the last
/// non-empty row. calamine reads every table on opening and keeps them
/// all, so the text is counted over the whole workbook.
struct OdsCheck {
    limit: u64,
    /// `--max-text`, and the text of the tables before this one.
    max_text: u64,
    text_before: u64,
    /// Inside a table, and its name.
    in_table: bool,
    table: String,
    /// Columns so far in the row, and the end of its last non-empty cell.
    cursor: u64,
    last: u64,
    /// The open row's `number-rows-repeated`, and the bytes its cells
    /// hold (each cell's once).
    row_repeats: u64,
    row_text: u64,
    /// The same without calamine's cost of a cell besides its text.
    row_plain: u64,
    /// The open cell: its repeats, whether it holds a value, where it
    /// started, and the spaces its `<text:s/>` add.
    cell: Option<(u64, bool, u64, u64)>,
    /// The table so far: cells before expansion, rows expanded (all,
    /// then the first and one past the last non-empty one), widest row,
    /// text bytes expanded.
    cells: u64,
    rows: u64,
    span: Option<(u64, u64)>,
    width: u64,
    text: u64,
    plain: u64,
}

impl OdsCheck {
    fn new(limits: &SheetLimits) -> Self {
        OdsCheck {
            limit: limits.max_cells,
            max_text: limits.max_text,
            text_before: 0,
            in_table: false,
            table: String::new(),
            cursor: 0,
            last: 0,
            row_repeats: 1,
            row_text: 0,
            row_plain: 0,
            cell: None,
            cells: 0,
            rows: 0,
            span: None,
            width: 0,
            text: 0,
            plain: 0,
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
            let plain = pos.saturating_sub(start).saturating_add(spaces);
            self.row_plain = self.row_plain.saturating_add(repeats.saturating_mul(plain));
            let each = plain + ODS_CELL_COST;
            self.row_text = self.row_text.saturating_add(repeats.saturating_mul(each));
            if self.row_text > MAX_ODS_TEXT {
                return Err(self.too_much_text());
            }
        }
        Ok(())
    }

    fn too_much_text(&self) -> SheetError {
        SheetError::Corrupt(format!(
            "not a readable ods file (table {:?} repeats its cells to over {MAX_ODS_TEXT} bytes)",
            self.table
        ))
    }

    fn end_row(&mut self) -> Result<(), SheetError> {
        let pushed = self.last.min(ODS_MAX_COLUMNS);
        // calamine stops repeating rows at its row limit.
        let repeats = self
            .row_repeats
            .min(u64::from(MAX_ROWS).saturating_sub(self.rows));
        let row_text = std::mem::take(&mut self.row_text);
        let row_plain = std::mem::take(&mut self.row_plain);
        self.cursor = 0;
        self.last = 0;
        self.row_repeats = 1;
        let first = self.rows;
        self.rows = self.rows.saturating_add(repeats);
        if pushed == 0 || repeats == 0 {
            return Ok(());
        }
        let start = self.span.map_or(first, |(start, _)| start);
        self.span = Some((start, self.rows));
        self.width = self.width.max(pushed);
        self.cells = self.cells.saturating_add(pushed);
        let rows = self.rows - start;
        if self.cells > self.limit || rows.saturating_mul(self.width) > self.limit {
            return Err(SheetError::TooLarge {
                sheet: self.table.clone(),
                rows,
                cols: self.width,
                limit: self.limit,
            });
        }
        self.plain = self.plain.saturating_add(row_plain.saturating_mul(repeats));
        if self.text_before.saturating_add(self.plain) > self.max_text {
            return Err(SheetError::TooMuchText {
                sheet: self.table.clone(),
                limit: self.max_text,
            });
        }
        self.text = self.text.saturating_add(row_text.saturating_mul(repeats));
        if self.text > MAX_ODS_TEXT {
            return Err(self.too_much_text());
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
                let text_before = self.text_before.saturating_add(self.plain);
                *self = OdsCheck::new(&SheetLimits {
                    max_cells: self.limit,
                    max_text: self.max_text,
                });
                self.text_before = text_before;
                self.in_table = true;
                self.table = table
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                    .unwrap_or_default();
            }
            b"table:table-row" => {
                self.end_cell(pos)?;
                self.cursor = 0;
                self.last = 0;
                self.row_text = 0;
                self.row_plain = 0;
                self.row_repeats = number(attrs, b"number-rows-repeated").unwrap_or(1);
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::{NS, ods, read, xlsx, xlsx_with};
    use super::super::{SheetError, SheetFormat};

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
        // Rows repeated: counted as calamine expands them, text and grid.
        let row = format!(
            r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell></table:table-row>"#,
            "值".repeat(1000)
        );
        match read(&ods(&row), SheetFormat::Ods).err().unwrap() {
            SheetError::TooMuchText { .. } => {}
            e => panic!("{e}"),
        }
        let row = r#"<table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#;
        match read(&ods(row), SheetFormat::Ods).err().unwrap() {
            SheetError::TooLarge { rows, cols, .. } => assert_eq!((rows, cols), (1000, 16_384)),
            e => panic!("{e}"),
        }
        // Empty rows between two cells make the grid as tall.
        let rows = r#"<table:table-row><table:table-cell table:number-columns-repeated="10" office:value-type="float" office:value="1"/></table:table-row><table:table-row table:number-rows-repeated="1000000"/><table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row>"#;
        match read(&ods(rows), SheetFormat::Ods).err().unwrap() {
            SheetError::TooLarge { rows, cols, .. } => assert_eq!((rows, cols), (1_000_002, 10)),
            e => panic!("{e}"),
        }
        // A few repeats are read as calamine reads them.
        let row = r#"<table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="string"><text:p>值</text:p></table:table-cell></table:table-row>"#;
        assert_eq!(read(&ods(row), SheetFormat::Ods).unwrap()[0].rows.len(), 3);
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
}
