//! The hostile inputs of issue 12 ("a run nothing can abort"), one test
//! each: every one is a small file (a few KB to a few MB, generated here)
//! that once aborted the whole run. Each runs beside one good document and
//! must cost exactly one error line: exit 1, the good document's records
//! byte-identical to a run on it alone, no temporary file left, and the
//! run's peak resident set under 512 MiB (measured for that run alone,
//! by GNU time's `wait4` where installed, else by ours).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::util::{file_names, lines, root};

/// The most a run may take resident, whatever the hostile file.
const MAX_RSS: u64 = 512 << 20;

/// One finished child: exit status, peak RSS, and its output folder.
struct Child {
    code: Option<i32>,
    signal: Option<i32>,
    rss: u64,
    stderr: String,
}

/// GNU time, when installed: it forks the run from its own small process
/// and reports that run's peak RSS alone. A child spawned straight from
/// this test process starts from this process's memory (`posix_spawn`
/// shares it until `exec`, and the kernel keeps the larger peak), so
/// `wait4` alone overstates it by what the tests have generated.
const GNU_TIME: &str = "/usr/bin/time";

/// Runs `jixiao extract INPUT -o OUT/records.jsonl --errors OUT/errors.jsonl
/// --manifest OUT/manifest.jsonl -j 2 -q` and waits for it with `wait4`,
/// its peak RSS measured by GNU time when there is one (else by `wait4`,
/// an upper bound).
fn run(input: &Path, out: &Path, logs: &Path) -> Child {
    std::fs::create_dir_all(out).unwrap();
    let stdout = std::fs::File::create(logs.join("stdout")).unwrap();
    let stderr = std::fs::File::create(logs.join("stderr")).unwrap();
    let rss_file = logs.join("rss");
    let timed = Path::new(GNU_TIME).exists();
    let mut cmd = if timed {
        let mut c = Command::new(GNU_TIME);
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file);
        c.arg(env!("CARGO_BIN_EXE_jixiao"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_jixiao"))
    };
    let child = cmd
        .arg("extract")
        .arg(input)
        .arg("-o")
        .arg(out.join("records.jsonl"))
        .arg("--errors")
        .arg(out.join("errors.jsonl"))
        .arg("--manifest")
        .arg(out.join("manifest.jsonl"))
        .args(["-j", "2", "-q"])
        // What is tested is the budgets, not the clock: a deadline far past
        // what the slowest input takes in a debug build on a loaded
        // machine, there only so that a regression cannot hang the test.
        .args(["--timeout", "10m"])
        .current_dir(root())
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("run jixiao");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: waiting for our own child (std's Child never reaps it unless
    // asked), with valid pointers to fill.
    let usage = unsafe {
        let got = libc::wait4(pid, &mut status, 0, usage.as_mut_ptr());
        assert_eq!(got, pid, "wait4: {}", std::io::Error::last_os_error());
        usage.assume_init()
    };
    drop(child);
    let mut code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let mut signal = libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status));
    let mut rss = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    if timed {
        // "Command terminated by signal N" (then exit 128 + N), and the
        // peak in KB on the last line.
        let report = std::fs::read_to_string(&rss_file).unwrap_or_default();
        if let Some(n) = report
            .split("terminated by signal ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
        {
            (code, signal) = (None, Some(n));
        }
        if let Some(kb) = report
            .lines()
            .last()
            .and_then(|l| l.trim().parse::<u64>().ok())
        {
            rss = kb * 1024;
        }
    }
    Child {
        code,
        signal,
        rss,
        stderr: std::fs::read_to_string(logs.join("stderr")).unwrap_or_default(),
    }
}

/// Runs `name` (its bytes `data`) beside the seed document and checks
/// everything the issue asks of a hostile input: exit 1, one error line
/// for it with `stage`/`code`, the seed's records as when read alone, no
/// temporary file, peak RSS under [`MAX_RSS`]; the error's message `says`
/// which limit (flag) refused it.
pub fn check(name: &str, data: &[u8], stage: &str, code: &str, says: &str) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let seed = std::fs::read(root().join("tests/fixtures/seed/seed.utf8.txt")).unwrap();
    std::fs::write(input.join("good.txt"), &seed).unwrap();

    let alone_out = dir.path().join("alone");
    let alone = run(&input, &alone_out, dir.path());
    assert_eq!(alone.code, Some(0), "the good file alone: {}", alone.stderr);
    let want = std::fs::read_to_string(alone_out.join("records.jsonl")).unwrap();

    std::fs::write(input.join(name), data).unwrap();
    let out = dir.path().join("out");
    let child = run(&input, &out, dir.path());
    let errors = std::fs::read_to_string(out.join("errors.jsonl")).unwrap_or_default();
    assert_eq!(
        (child.code, child.signal),
        (Some(1), None),
        "{name}: exit code (signal) of the run\n--- stderr:\n{}\n--- errors:\n{errors}",
        child.stderr
    );
    let records = std::fs::read_to_string(out.join("records.jsonl")).unwrap();
    let good: String = records
        .lines()
        .filter(|l| l.contains("/in/good.txt\""))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(good, want, "{name}: the good document's records");
    let errors = lines(&errors);
    assert_eq!(errors.len(), 1, "{name}: one error line: {errors:#?}");
    let e = &errors[0];
    assert!(
        e["path"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/in/{name}")),
        "{name}: {e}"
    );
    assert_eq!(
        (e["stage"].as_str(), e["code"].as_str()),
        (Some(stage), Some(code)),
        "{name}: {e}"
    );
    let message = e["message"].as_str().unwrap_or("");
    assert!(message.contains(says), "{name}: {message:?} says {says:?}");
    let left = file_names(&out);
    assert_eq!(
        left,
        ["errors.jsonl", "manifest.jsonl", "records.jsonl"],
        "{name}: no temporary file left"
    );
    assert!(
        child.rss < MAX_RSS,
        "{name}: peak RSS {} MiB",
        child.rss >> 20
    );
    eprintln!("{name}: peak RSS {} MiB, {}", child.rss >> 20, e["message"]);
}

// ---------------------------------------------------------------- zips

/// A CRC-32 (the zip one).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(data);
    crc.sum()
}

pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// One member of a hand-written zip: its name, and where its local header
/// is (`None`: written here, with `data`, compressed by `method`).
pub struct Raw<'a> {
    pub name: String,
    /// 0 stored, 8 deflated.
    pub method: u16,
    pub crc: u32,
    pub size: u32,
    pub data: &'a [u8],
    /// Point this central-directory entry at an earlier member's header.
    pub same_as: Option<usize>,
}

/// A zip written byte by byte, so that one compressed body can be repeated
/// thousands of times without compressing it again, or shared by many
/// central-directory entries.
pub fn raw_zip(members: &[Raw<'_>]) -> Vec<u8> {
    let mut z = Vec::new();
    let mut offsets: Vec<u32> = Vec::new();
    for m in members {
        let offset = match m.same_as {
            Some(i) => offsets[i],
            None => {
                let at = u32::try_from(z.len()).unwrap();
                z.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
                z.extend_from_slice(&[20, 0, 0, 0]);
                z.extend_from_slice(&m.method.to_le_bytes());
                z.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
                z.extend_from_slice(&m.crc.to_le_bytes());
                z.extend_from_slice(&u32::try_from(m.data.len()).unwrap().to_le_bytes());
                z.extend_from_slice(&m.size.to_le_bytes());
                z.extend_from_slice(&u16::try_from(m.name.len()).unwrap().to_le_bytes());
                z.extend_from_slice(&0u16.to_le_bytes());
                z.extend_from_slice(m.name.as_bytes());
                z.extend_from_slice(m.data);
                at
            }
        };
        offsets.push(offset);
    }
    let cd_at = u32::try_from(z.len()).unwrap();
    for (m, offset) in members.iter().zip(&offsets) {
        z.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        z.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
        z.extend_from_slice(&m.method.to_le_bytes());
        z.extend_from_slice(&[0, 0, 0x21, 0]);
        z.extend_from_slice(&m.crc.to_le_bytes());
        z.extend_from_slice(&u32::try_from(m.data.len()).unwrap().to_le_bytes());
        z.extend_from_slice(&m.size.to_le_bytes());
        z.extend_from_slice(&u16::try_from(m.name.len()).unwrap().to_le_bytes());
        z.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
        z.extend_from_slice(&offset.to_le_bytes());
        z.extend_from_slice(m.name.as_bytes());
    }
    let cd_len = u32::try_from(z.len()).unwrap() - cd_at;
    let n = u16::try_from(members.len()).unwrap();
    z.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    z.extend_from_slice(&[0, 0, 0, 0]);
    z.extend_from_slice(&n.to_le_bytes());
    z.extend_from_slice(&n.to_le_bytes());
    z.extend_from_slice(&cd_len.to_le_bytes());
    z.extend_from_slice(&cd_at.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

/// 6,000 nested zips (under 1 MiB each, so no ratio check applies to
/// them), each holding one stored member of text that is no document: 6 GB
/// of nested archives in about 6 MB.
fn nested_zips() -> Vec<u8> {
    let body = vec![b' '; 1_000_000];
    let inner = raw_zip(&[Raw {
        name: "blank.txt".into(),
        method: 0,
        crc: crc32(&body),
        size: body.len() as u32,
        data: &body,
        same_as: None,
    }]);
    let packed = deflate(&inner);
    let crc = crc32(&inner);
    let members: Vec<Raw<'_>> = (0..6000)
        .map(|i| Raw {
            name: format!("dept-{i:04}.zip"),
            method: 8,
            crc,
            size: inner.len() as u32,
            data: &packed,
            same_as: None,
        })
        .collect();
    raw_zip(&members)
}

#[test]
fn zip_of_six_thousand_nested_zips() {
    check(
        "z-nested.zip",
        &nested_zips(),
        "read",
        "too_large",
        "--max-member-size",
    );
}

#[test]
fn zip_named_txt_of_nested_zips() {
    check(
        "z-nested-zip.txt",
        &nested_zips(),
        "read",
        "too_large",
        "--max-member-size",
    );
}

#[test]
fn zip_whose_entries_overlap() {
    // 300 central-directory entries for one 1 MiB member of text.
    let body: Vec<u8> = std::iter::repeat_n(b"abc\t", 1 << 18)
        .flatten()
        .copied()
        .collect();
    let packed = deflate(&body);
    let crc = crc32(&body);
    let members: Vec<Raw<'_>> = (0..300)
        .map(|i| Raw {
            name: format!("doc-{i:03}.txt"),
            method: 8,
            crc,
            size: body.len() as u32,
            data: &packed,
            same_as: (i > 0).then_some(0),
        })
        .collect();
    check(
        "z-overlap.zip",
        &raw_zip(&members),
        "read",
        "too_large",
        "zip bomb",
    );
}

// ---------------------------------------------------------------- xlsx

fn zip_parts(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    for (name, body) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(body).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";

/// An xlsx of one sheet (`sheet_data`: the inner XML of `<sheetData>`)
/// whose shared strings table holds `strings`.
fn xlsx(sheet_data: &str, strings: &[&str]) -> Vec<u8> {
    let sst: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    let n = strings.len();
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{NS}" count="{n}" uniqueCount="{n}">{sst}</sst>"#
    );
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>{sheet_data}</sheetData></worksheet>"#
    );
    zip_parts(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#).as_bytes(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ("xl/sharedStrings.xml", sst.as_bytes()),
    ])
}

/// 20 MB of text in one string.
fn twenty_mb() -> String {
    "a".repeat(20 << 20)
}

#[test]
fn xlsx_one_shared_string_in_300_cells() {
    let cells: String = (1..=300)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    check(
        "z-shared.xlsx",
        &xlsx(&cells, &[&twenty_mb()]),
        "read",
        "too_large",
        "--max-text",
    );
}

#[test]
fn xlsx_400_references_to_one_cell() {
    // --max-cells sees one cell; the text is 400 times the string.
    let cells: String = (0..400)
        .map(|_| r#"<c r="A1" t="s"><v>0</v></c>"#)
        .collect();
    let data = format!(r#"<row r="1">{cells}</row>"#);
    check(
        "z-same-cell.xlsx",
        &xlsx(&data, &[&twenty_mb()]),
        "read",
        "too_large",
        "--max-text",
    );
}

// ---------------------------------------------------------------- xlsb

/// One BIFF12 record: type and length as variable-length integers.
fn rec12(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = Vec::new();
    if typ < 0x80 {
        r.push(typ as u8);
    } else {
        r.push((typ & 0x7F) as u8 | 0x80);
        r.push((typ >> 7) as u8);
    }
    let mut len = data.len();
    loop {
        let b = (len & 0x7F) as u8;
        len >>= 7;
        if len == 0 {
            r.push(b);
            break;
        }
        r.push(b | 0x80);
    }
    r.extend_from_slice(data);
    r
}

fn wide(s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut v = u32::try_from(units.len()).unwrap().to_le_bytes().to_vec();
    v.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    v
}

/// An xlsb of one sheet whose `refs` cells (rows 0..refs, column A) all
/// refer to the one shared string `s`.
fn xlsb(s: &str, refs: u32) -> Vec<u8> {
    let mut sst = rec12(0x009F, &[1u32.to_le_bytes(), 1u32.to_le_bytes()].concat());
    sst.extend(rec12(0x0013, &[&[0u8][..], &wide(s)].concat()));
    sst.extend(rec12(0x00A0, &[]));
    let mut sheet_rec = 0u32.to_le_bytes().to_vec(); // visible
    sheet_rec.extend_from_slice(&1u32.to_le_bytes()); // tab id
    sheet_rec.extend(wide("rId1"));
    sheet_rec.extend(wide("S"));
    let mut wb = rec12(0x0083, &[]);
    wb.extend(rec12(0x008F, &[]));
    wb.extend(rec12(0x009C, &sheet_rec));
    wb.extend(rec12(0x0090, &[]));
    wb.extend(rec12(0x0084, &[]));
    let mut ws = rec12(0x0081, &[]);
    let dim: Vec<u8> = [0u32, refs - 1, 0, 0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    ws.extend(rec12(0x0094, &dim));
    ws.extend(rec12(0x0091, &[]));
    for row in 0..refs {
        let mut hdr = row.to_le_bytes().to_vec();
        hdr.extend_from_slice(&[0; 13]);
        ws.extend(rec12(0x0000, &hdr));
        let mut cell = 0u32.to_le_bytes().to_vec(); // column
        cell.extend_from_slice(&[0, 0, 0, 0]); // style, flags
        cell.extend_from_slice(&0u32.to_le_bytes()); // isst
        ws.extend(rec12(0x0007, &cell));
    }
    ws.extend(rec12(0x0092, &[]));
    ws.extend(rec12(0x0082, &[]));
    zip_parts(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>"#,
        ),
        (
            "xl/_rels/workbook.bin.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.bin"/></Relationships>"#,
        ),
        ("xl/workbook.bin", &wb),
        ("xl/sharedStrings.bin", &sst),
        ("xl/worksheets/sheet1.bin", &ws),
    ])
}

#[test]
fn xlsb_one_shared_string_in_300_cells() {
    check(
        "z-shared.xlsb",
        &xlsb(&twenty_mb(), 300),
        "read",
        "too_large",
        "--max-text",
    );
}

// ---------------------------------------------------------------- xls

/// One BIFF record.
fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&u16::try_from(data.len()).unwrap().to_le_bytes());
    r.extend_from_slice(data);
    r
}

fn bof(dt: u16) -> Vec<u8> {
    let mut d = 0x0600u16.to_le_bytes().to_vec();
    d.extend_from_slice(&dt.to_le_bytes());
    d.resize(16, 0);
    rec(0x0809, &d)
}

/// A BIFF8 workbook stream: globals (`globals` records, one BoundSheet per
/// name, all pointing at the one sheet substream), then that substream of
/// `cells` records.
fn biff8(globals: &[u8], names: &[String], cells: &[u8]) -> Vec<u8> {
    let sheets: Vec<Vec<u8>> = names
        .iter()
        .map(|n| {
            let mut d = vec![0u8; 6]; // offset (below), visible worksheet
            d.push(u8::try_from(n.len()).unwrap());
            d.push(0); // compressed characters
            d.extend_from_slice(n.as_bytes());
            d
        })
        .collect();
    let head =
        bof(0x0005).len() + globals.len() + sheets.iter().map(|s| 4 + s.len()).sum::<usize>() + 4;
    let mut s = bof(0x0005);
    s.extend_from_slice(globals);
    for mut d in sheets {
        d[..4].copy_from_slice(&u32::try_from(head).unwrap().to_le_bytes());
        s.extend(rec(0x0085, &d));
    }
    s.extend(rec(0x000A, &[]));
    assert_eq!(s.len(), head);
    s.extend(bof(0x0010));
    s.extend_from_slice(cells);
    s.extend(rec(0x000A, &[]));
    s
}

/// A version 3 compound file holding `stream` as its Workbook stream: the
/// header, the allocation table's sectors, one directory sector, then the
/// stream.
fn cfb(stream: &[u8]) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let mut stream = stream.to_vec();
    stream.resize(stream.len().max(4096).div_ceil(512) * 512, 0);
    let n = stream.len() / 512;
    let mut fat_sectors = 1;
    while fat_sectors * 128 < fat_sectors + 1 + n {
        fat_sectors += 1;
    }
    assert!(
        fat_sectors <= 109,
        "stream too long for a header-only DIFAT"
    );
    let dir = fat_sectors as u32;
    let mut h = vec![0u8; 512];
    h[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    let put16 = |b: &mut [u8], i: usize, v: u16| b[i..i + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |b: &mut [u8], i: usize, v: u32| b[i..i + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut h, 24, 0x3E);
    put16(&mut h, 26, 3);
    put16(&mut h, 28, 0xFFFE);
    put16(&mut h, 30, 9);
    put16(&mut h, 32, 6);
    put32(&mut h, 44, fat_sectors as u32);
    put32(&mut h, 48, dir);
    put32(&mut h, 56, 4096);
    put32(&mut h, 60, END);
    put32(&mut h, 68, END);
    for i in 0..109 {
        let v = if i < fat_sectors { i as u32 } else { FREE };
        put32(&mut h, 76 + 4 * i, v);
    }
    let mut fat = vec![FREE; fat_sectors * 128];
    for f in fat.iter_mut().take(fat_sectors) {
        *f = 0xFFFF_FFFD;
    }
    fat[fat_sectors] = END;
    let first = fat_sectors + 1;
    for k in 0..n {
        fat[first + k] = if k + 1 < n {
            (first + k + 1) as u32
        } else {
            END
        };
    }
    let mut out = h;
    out.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    let mut d = vec![0u8; 512];
    let entry = |d: &mut [u8], at: usize, name: &str, typ: u8, child: u32, start: u32, size| {
        let units: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(|u| u.to_le_bytes())
            .collect();
        d[at..at + units.len()].copy_from_slice(&units);
        put16(d, at + 64, units.len() as u16);
        d[at + 66] = typ;
        d[at + 67] = 1;
        put32(d, at + 68, FREE);
        put32(d, at + 72, FREE);
        put32(d, at + 76, child);
        put32(d, at + 116, start);
        put32(d, at + 120, size);
    };
    entry(&mut d, 0, "Root Entry", 5, 1, END, 0);
    entry(
        &mut d,
        128,
        "Workbook",
        2,
        FREE,
        first as u32,
        stream.len() as u32,
    );
    for at in [256, 384] {
        put32(&mut d, at + 68, FREE);
        put32(&mut d, at + 72, FREE);
        put32(&mut d, at + 76, FREE);
    }
    out.extend(d);
    out.extend(stream);
    out
}

/// An SST of one string of 65,535 CJK characters (the longest a BIFF8
/// string can be: 196,605 bytes of UTF-8), split over CONTINUE records.
fn sst_one_long_string() -> Vec<u8> {
    let chars: Vec<u8> = std::iter::repeat_n(0x957Fu16.to_le_bytes(), 65_535)
        .flatten()
        .collect();
    let mut first = 1u32.to_le_bytes().to_vec();
    first.extend_from_slice(&1u32.to_le_bytes());
    first.extend_from_slice(&65_535u16.to_le_bytes());
    first.push(1); // UTF-16
    let room = (8224 - first.len()) / 2 * 2;
    first.extend_from_slice(&chars[..room]);
    let mut out = rec(0x00FC, &first);
    let mut at = room;
    while at < chars.len() {
        let take = (chars.len() - at).min(8222);
        let mut cont = vec![1u8]; // the continued characters are UTF-16
        cont.extend_from_slice(&chars[at..at + take]);
        out.extend(rec(0x003C, &cont));
        at += take;
    }
    out
}

fn label_sst(row: u16, col: u16, isst: u32) -> Vec<u8> {
    let mut d = row.to_le_bytes().to_vec();
    d.extend_from_slice(&col.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&isst.to_le_bytes());
    rec(0x00FD, &d)
}

#[test]
fn xls_one_shared_string_in_20000_cells() {
    // 196 KB × 20,000 cells: 3.9 GB of text calamine would clone.
    let cells: Vec<u8> = (0..20_000u16).flat_map(|r| label_sst(r, 0, 0)).collect();
    let stream = biff8(&sst_one_long_string(), &["S".to_string()], &cells);
    check(
        "z-shared.xls",
        &cfb(&stream),
        "read",
        "too_large",
        "--max-text",
    );
}

#[test]
fn xls_3000_sheets_at_one_offset() {
    // Each sheet spans 65,536 rows × 76 columns (under --max-cells), and
    // calamine builds and keeps that grid once per sheet.
    let number = |row: u16, col: u16| {
        let mut d = row.to_le_bytes().to_vec();
        d.extend_from_slice(&col.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        d.extend_from_slice(&1.0f64.to_le_bytes());
        rec(0x0203, &d)
    };
    let cells = [number(0, 0), number(65_535, 75)].concat();
    let names: Vec<String> = (0..3000).map(|i| format!("S{i}")).collect();
    let stream = biff8(&[], &names, &cells);
    check(
        "z-shared-offset.xls",
        &cfb(&stream),
        "read",
        "too_large",
        "--max-cells",
    );
}

// ---------------------------------------------------------------- ods

#[test]
fn ods_rows_repeated() {
    // One row of one 10 KB cell, repeated a million times.
    let text = "长".repeat(3_500);
    let table = format!(
        r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell></table:table-row>"#
    );
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="表">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let deflated = stored.compression_method(zip::CompressionMethod::Deflated);
    w.start_file("content.xml", deflated).unwrap();
    w.write_all(content.as_bytes()).unwrap();
    w.start_file("META-INF/manifest.xml", deflated).unwrap();
    w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    let ods = w.finish().unwrap().into_inner();
    check("z-rows.ods", &ods, "read", "too_large", "--max-text");
}

// ---------------------------------------------------------------- html

#[test]
fn html_span_filler_cells() {
    // 300,000 cells of colspan 1,000 in one row: 300 million filler cells.
    let row = r#"<td colspan="1000">x</td>"#.repeat(300_000);
    let page = format!("<html><body><table><tr>{row}</tr></table></body></html>");
    check(
        "z-spans.html",
        page.as_bytes(),
        "parse",
        "too_large",
        "--max-cells",
    );
}

#[test]
fn html_formatting_elements_rebuilt_per_paragraph() {
    // 500 distinct unclosed <b> in a paragraph: html5ever rebuilds them in
    // each of the next 200,000 paragraphs (100 million elements).
    let bolds: String = (0..500).map(|i| format!("<b id=b{i}>")).collect();
    let page = format!(
        "<html><body><p>{bolds}x{}</body></html>",
        "<p>x".repeat(200_000)
    );
    check(
        "z-formatting.html",
        page.as_bytes(),
        "parse",
        "too_large",
        "--max-html-depth",
    );
}

#[test]
fn html_ruby_optgroup_and_svg_nesting() {
    let names = ["rb", "rt", "rp", "rtc", "optgroup"];
    let deep: String = (0..60_000)
        .map(|i| format!("<{}>", names[i % names.len()]))
        .collect();
    let page = format!("<html><body><svg>{deep}</svg></body></html>");
    check(
        "z-ruby.html",
        page.as_bytes(),
        "parse",
        "too_deep",
        "levels deep",
    );
}

// ---------------------------------------------------------------- text

#[test]
fn text_of_many_one_line_projects() {
    // 200,000 projects of one line each, 5 MB: over --max-projects
    // (10,000), refused before any record is built.
    check(
        "z-projects.txt",
        &projects(200_000),
        "split",
        "too_large",
        "--max-projects",
    );
}

/// `n` projects of one line each (a 项目名称 that repeats starts one).
fn projects(n: usize) -> Vec<u8> {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!("项目名称\t项目{i}\n"));
    }
    text.into_bytes()
}

#[test]
fn text_of_2_6_million_one_line_projects() {
    // The issue's file: 64 MB. A table of more rows than --max-projects
    // has its projects counted row by row before the classes of its rows
    // are held (split::count_projects): its rows alone are held.
    check(
        "z-projects.txt",
        &projects(2_600_000),
        "split",
        "too_large",
        "--max-projects",
    );
}

// ---------------------------------------------------------------- pdf

/// A PDF of `objects` (numbered from 1; object 1 the catalog), with a
/// classic cross-reference table.
fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A stream object holding `data`, with `extra` dictionary entries.
fn pdf_stream(data: &[u8], extra: &str) -> Vec<u8> {
    let mut o = format!("<< /Length {}{extra} >>\nstream\n", data.len()).into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream");
    o
}

/// A one-page PDF whose page draws `content` (object 4), with `more`
/// objects from 5 on.
fn one_page_pdf(content: Vec<u8>, resources: &str, more: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources {resources} >>")
            .into_bytes(),
        content,
    ];
    objects.extend(more);
    pdf(&objects)
}

#[test]
fn pdf_flate_bomb() {
    // 80 MiB of spaces in one content stream (over the 64 MiB cap), deflated
    // to about 80 KB
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..80 {
        enc.write_all(&chunk).unwrap();
    }
    let data = enc.finish().unwrap();
    let doc = one_page_pdf(pdf_stream(&data, " /Filter /FlateDecode"), "<< >>", vec![]);
    check("z-bomb.pdf", &doc, "read", "too_large", "likely bomb");
}

#[test]
fn pdf_reference_loop() {
    // a form XObject that draws itself, its resources naming it again
    let form = pdf_stream(
        b"/X1 Do",
        " /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources 6 0 R",
    );
    let doc = one_page_pdf(
        pdf_stream(b"BT /F1 10 Tf 50 800 Td (x) Tj ET /X1 Do", ""),
        "6 0 R",
        vec![
            form,
            b"<< /XObject << /X1 5 0 R >> /Font << /F1 7 0 R >> >>".to_vec(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        ],
    );
    check("z-loop.pdf", &doc, "read", "corrupt", "reference loop");
}

#[test]
fn pdf_deep_nesting() {
    // arrays nested 200,000 deep in the content stream and in an object
    let deep = [b"[".repeat(200_000), b"]".repeat(200_000)].concat();
    let content = [&b"BT "[..], &deep, b" TJ ET"].concat();
    let mut object = b"<< /Deep ".to_vec();
    object.extend_from_slice(&deep);
    object.extend_from_slice(b" >>");
    let doc = one_page_pdf(pdf_stream(&content, ""), "<< >>", vec![object]);
    check("z-deep.pdf", &doc, "read", "too_deep", "nests deeper");
}

#[test]
fn pdf_3000_pages() {
    let n = 3000;
    let kids: Vec<String> = (0..n).map(|k| format!("{} 0 R", 4 + k)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
        pdf_stream(b"BT /F1 10 Tf 50 800 Td (page) Tj ET", ""),
    ];
    for _ in 0..n {
        objects.push(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>".to_vec(),
        );
    }
    check(
        "z-pages.pdf",
        &pdf(&objects),
        "read",
        "too_large",
        "--max-pages",
    );
}
