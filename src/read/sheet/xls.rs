//! A walk over an .xls file (compound file + BIFF records) that reads what
//! calamine will read, before calamine does, to refuse what would make it
//! allocate without bound, and to learn the BIFF version and code page.
//!
//! calamine parses an xls whole when it opens it: it follows sector chains
//! wherever they lead and sizes its grids from DIMENSIONS records and the
//! cells' bounding box. So this walk mirrors its reading (the same sector
//! bounds, the same record iteration) with checked arithmetic only, and
//! refuses looping chains, impossible DIMENSIONS, cell extents over the
//! limit and the records fuzzing found crashing calamine.

use std::collections::HashMap;

use super::grid::Extent;
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
    /// The record's type, its data, and the data of the CONTINUE records
    /// after it (which calamine reads only for the records that span
    /// them, such as the shared strings table).
    type Item = Result<(u16, &'a [u8], Vec<&'a [u8]>), ()>;

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
        let mut continues = Vec::new();
        while self.rest.len() > 4 && u16_at(self.rest, 0) == Some(0x003C) {
            let len = u16_at(self.rest, 2).unwrap_or(0) as usize;
            let (Some(data), Some(rest)) = (self.rest.get(4..4 + len), self.rest.get(4 + len..))
            else {
                return Some(Err(()));
            };
            continues.push(data);
            self.rest = rest;
        }
        Some(Ok((typ, data, continues)))
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
    let mut strings: Vec<u64> = Vec::new();
    for record in (Records { rest: &stream }) {
        let Ok((typ, data, continues)) = record else {
            return Ok(scan); // calamine stops here with an error
        };
        match typ {
            0x0042 => scan.codepage = u16_at(data, 0),
            0x00FC => strings = shared_string_sizes(data, &continues),
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
    // calamine reads every sheet on opening and keeps them all: their
    // grids and their text are counted together, a sheet as often as the
    // workbook lists it (3,000 sheets may share one offset).
    let mut scanned: HashMap<usize, Cost> = HashMap::new();
    let mut total = Cost::default();
    for (pos, name) in &sheets {
        let cost = match scanned.get(pos) {
            Some(cost) => *cost,
            None => {
                let Some(records) = stream.get(*pos..) else {
                    return Err(bad("a sheet starts past the end of the workbook stream"));
                };
                let cost = scan_sheet(records, name, limits, &strings)?;
                scanned.insert(*pos, cost);
                cost
            }
        };
        total.cells = total.cells.saturating_add(cost.cells);
        total.text = total.text.saturating_add(cost.text);
        if total.cells > limits.max_cells {
            return Err(SheetError::WorkbookTooLarge {
                sheets: sheets.len(),
                limit: limits.max_cells,
            });
        }
        if total.text > limits.max_text {
            return Err(SheetError::TooMuchText {
                sheet: name.clone(),
                limit: limits.max_text,
            });
        }
    }
    Ok(scan)
}

/// What calamine will hold for one sheet: the cells of its grid (from
/// the first to the last used row, from column A... as the extent counts
/// them) and the bytes of text its cells hold (at most).
#[derive(Debug, Default, Clone, Copy)]
struct Cost {
    cells: u64,
    text: u64,
}

/// The most UTF-8 bytes one character of a BIFF string decodes to.
const MAX_UTF8: u64 = 3;

/// The size in UTF-8 (at most) of each string of the shared strings
/// table (SST), read as calamine reads it: a string may continue in the
/// CONTINUE records after the SST, each starting with its own flags byte.
/// Where calamine would fail on the table, the sizes so far are returned
/// (it then refuses the file before any sheet).
fn shared_string_sizes(data: &[u8], continues: &[&[u8]]) -> Vec<u64> {
    let mut sizes = Vec::new();
    let mut more = continues.iter();
    let mut data = data.get(8..).unwrap_or(&[]);
    loop {
        if data.is_empty() {
            match more.next() {
                Some(next) => data = next,
                None => return sizes,
            }
        }
        let (Some(cch), Some(&flags)) = (u16_at(data, 0), data.get(2)) else {
            return sizes;
        };
        data = &data[3..];
        let mut skip = 0usize;
        if flags & 0x8 != 0 {
            let Some(runs) = u16_at(data, 0) else {
                return sizes;
            };
            skip += usize::from(runs) * 4;
            data = &data[2..];
        }
        if flags & 0x4 != 0 {
            let Some(ext) = u32_at(data, 0) else {
                return sizes;
            };
            skip = skip.saturating_add(ext as usize);
            data = &data[4..];
        }
        let mut left = usize::from(cch);
        let mut wide = flags & 0x1 != 0;
        let mut size = 0u64;
        loop {
            let unit = if wide { 2 } else { 1 };
            let take = left.min(data.len() / unit);
            size = size.saturating_add(utf8_size(&data[..take * unit], wide));
            data = &data[take * unit..];
            left -= take;
            if left == 0 {
                break;
            }
            match more.next() {
                Some(next) if !next.is_empty() => {
                    wide = next[0] & 0x1 != 0;
                    data = &next[1..];
                }
                _ => return sizes,
            }
        }
        sizes.push(size);
        while skip > 0 {
            if data.is_empty() {
                match more.next() {
                    Some(next) => data = next,
                    None => return sizes,
                }
            }
            let n = skip.min(data.len());
            data = &data[n..];
            skip -= n;
        }
    }
}

/// The UTF-8 size (at most) of BIFF string characters: UTF-16 units when
/// `wide`, else one byte each in the workbook's code page.
fn utf8_size(chars: &[u8], wide: bool) -> u64 {
    if wide {
        u32s_16(chars)
            .map(|u| match u {
                0..0x80 => 1,
                0x80..0x800 | 0xD800..0xE000 => 2,
                _ => 3,
            })
            .sum()
    } else {
        chars
            .iter()
            .map(|&b| if b < 0x80 { 1 } else { MAX_UTF8 })
            .sum()
    }
}

fn u32s_16(b: &[u8]) -> impl Iterator<Item = u16> + '_ {
    b.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]))
}

/// Checks one sheet's substream: its DIMENSIONS records and the extent
/// of its cells, and counts what calamine will hold for it. Nested
/// substreams (embedded charts) are skipped, as calamine skips them.
fn scan_sheet(
    records: &[u8],
    name: &str,
    limits: &SheetLimits,
    strings: &[u64],
) -> Result<Cost, SheetError> {
    let mut extent = Extent::new(name, limits);
    let mut text = 0u64;
    let mut seen_bof = false;
    let mut depth = 0usize;
    let mut formula_pos = (0, 0);
    for record in (Records { rest: records }) {
        let Ok((typ, data, _)) = record else {
            break; // calamine stops here with an error
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
                text = text.saturating_add(match typ {
                    // each LabelSst holds its own copy of the string
                    0x00FD => u32_at(data, 6)
                        .and_then(|i| strings.get(i as usize))
                        .copied()
                        .unwrap_or(0),
                    0x0204 | 0x00D6 => (data.len() as u64).saturating_mul(MAX_UTF8),
                    _ => 0,
                });
            }
            // Formula; its string value comes in the String record next.
            0x0006 => {
                if let Some(pos) = cell_pos(data) {
                    formula_pos = pos;
                    extent.add(pos.0, pos.1)?;
                }
            }
            0x0207 => {
                extent.add(formula_pos.0, formula_pos.1)?;
                text = text.saturating_add((data.len() as u64).saturating_mul(MAX_UTF8));
            }
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
    Ok(Cost {
        cells: extent.cells(),
        text,
    })
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::read;
    use super::super::{SheetError, SheetFormat};

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
    fn shared_string_sizes_follow_continue_records() {
        use super::shared_string_sizes;
        // "ab" compressed; then 长长长 in UTF-16 whose last character is
        // in a CONTINUE record (with its own flags byte); then "é" with a
        // rich-text run to skip.
        let mut sst = vec![0u8; 8];
        sst.extend_from_slice(&[2, 0, 0, b'a', b'b']);
        sst.extend_from_slice(&[3, 0, 1, 0x7F, 0x95, 0x7F, 0x95]);
        let mut cont = vec![1u8, 0x7F, 0x95];
        cont.extend_from_slice(&[1, 0, 0x8, 1, 0, 0xE9, 0, 0, 0, 0]);
        assert_eq!(shared_string_sizes(&sst, &[&cont]), [2, 9, 3]);
        // cut short: the sizes so far (calamine refuses the table)
        assert_eq!(shared_string_sizes(&sst, &[]), [2]);
    }

    #[test]
    fn the_sheets_of_a_workbook_are_counted_together() {
        // Two BoundSheets at one offset: the sheet's grid counts twice.
        let stream = biff(true, None, b"S", &[number(0, 0, 1.0), number(999, 9, 2.0)]);
        let at = stream.windows(2).position(|w| w == [0x85, 0x00]).unwrap();
        let len = u16::from_le_bytes([stream[at + 2], stream[at + 3]]) as usize;
        let boundsheet = stream[at..at + 4 + len].to_vec();
        let mut twice = stream[..at + 4 + len].to_vec();
        twice.extend_from_slice(&boundsheet);
        twice.extend_from_slice(&stream[at + 4 + len..]);
        // the second sheet's offset moved with the first BoundSheet's copy
        let shift = (4 + len) as u32;
        for k in 0..2 {
            let o = at + k * (4 + len) + 4;
            let v = u32::from_le_bytes(twice[o..o + 4].try_into().unwrap()) + shift;
            twice[o..o + 4].copy_from_slice(&v.to_le_bytes());
        }
        let limits = super::SheetLimits {
            max_cells: 15_000,
            ..super::SheetLimits::default()
        };
        assert!(super::super::read_workbook(&cfb(&stream, &[]), SheetFormat::Xls, &limits).is_ok());
        let err = super::super::read_workbook(&cfb(&twice, &[]), SheetFormat::Xls, &limits)
            .err()
            .unwrap();
        assert!(
            matches!(err, SheetError::WorkbookTooLarge { sheets: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn hostile_xls_is_refused_before_calamine() {
        // Two cells 65,535 rows and 255 columns apart: calamine's grid
        // would be 16.8 million cells, over the limit.
        let stream = biff(
            true,
            None,
            b"S",
            &[number(0, 0, 1.0), number(65535, 255, 2.0)],
        );
        let err = read(&cfb(&stream, &[]), SheetFormat::Xls).err().unwrap();
        match err {
            SheetError::TooLarge {
                sheet, rows, cols, ..
            } => {
                assert_eq!((sheet.as_str(), rows, cols), ("S", 65536, 256));
            }
            e => panic!("{e}"),
        }
        // A cell in column 65,536, which no worksheet has (4.3 billion
        // cells for calamine): a crafted reference, said as such.
        let stream = biff(
            true,
            None,
            b"S",
            &[number(0, 0, 1.0), number(65535, 65535, 2.0)],
        );
        let err = read(&cfb(&stream, &[]), SheetFormat::Xls).err().unwrap();
        assert_eq!(err.code(), "corrupt", "{err}");
        assert!(err.to_string().contains("outside any worksheet"), "{err}");
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
}
