//! Hostile inputs: each costs one error line, the run goes on, and memory
//! stays bounded. The big inputs are generated here, never committed.

use std::io::Write;
use std::path::Path;

use crate::util::{extract, lines, root};

/// The largest resident set of any child process this test process has
/// waited for, in bytes (Linux reports kilobytes).
pub fn children_max_rss() -> u64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024
}

/// A zip with one deflated member of `real_size` zeros whose header claims
/// `declared_size`, built from one repeated deflate block: 1 GiB of zeros
/// costs about 1 MiB here and a second to make.
pub fn zip_bomb(name: &str, real_size: u64, declared_size: u32) -> Vec<u8> {
    const MIB: usize = 1 << 20;
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&vec![0u8; MIB]).unwrap();
    enc.flush().unwrap(); // a sync flush: non-final blocks only
    let block = enc.get_ref().clone();
    let mut data = Vec::with_capacity(block.len() * (real_size as usize / MIB) + 2);
    for _ in 0..real_size / MIB as u64 {
        data.extend_from_slice(&block);
    }
    data.extend_from_slice(&[0x03, 0x00]); // an empty final block
    let compressed = u32::try_from(data.len()).unwrap();
    let n = name.as_bytes();
    let mut z = Vec::new();
    // local file header
    z.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    z.extend_from_slice(&[20, 0, 0, 0, 8, 0, 0, 0, 0, 0]); // version, flags, deflate, time, date
    z.extend_from_slice(&0u32.to_le_bytes()); // crc (never reached)
    z.extend_from_slice(&compressed.to_le_bytes());
    z.extend_from_slice(&declared_size.to_le_bytes());
    z.extend_from_slice(&(n.len() as u16).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(n);
    z.extend_from_slice(&data);
    let cd_offset = u32::try_from(z.len()).unwrap();
    // central directory
    let mut cd = Vec::new();
    cd.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    cd.extend_from_slice(&[20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
    cd.extend_from_slice(&0u32.to_le_bytes());
    cd.extend_from_slice(&compressed.to_le_bytes());
    cd.extend_from_slice(&declared_size.to_le_bytes());
    cd.extend_from_slice(&(n.len() as u16).to_le_bytes());
    cd.extend_from_slice(&[0; 12]); // extra, comment, disk, attrs
    cd.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    cd.extend_from_slice(n);
    z.extend_from_slice(&cd);
    // end of central directory
    z.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    z.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    z.extend_from_slice(&u32::try_from(cd.len()).unwrap().to_le_bytes());
    z.extend_from_slice(&cd_offset.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

/// A minimal xlsx whose only cells are A1 and XFD1048576 (calamine #693:
/// building its range would allocate ~550 GB and abort the process).
pub fn corners_xlsx() -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default();
    let files: [(&str, &str); 5] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        (
            "xl/worksheets/sheet1.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>项目名称：</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#,
        ),
    ];
    for (name, body) in files {
        w.start_file(name, opts).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn write(dir: &Path, name: &str, data: &[u8]) {
    std::fs::write(dir.join(name), data).unwrap();
}

#[test]
fn hostile_workbooks_pages_and_archives_cost_one_error_line_each() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = std::fs::read(root().join("tests/fixtures/seed/seed.utf8.txt")).unwrap();
    write(d, "good.txt", &seed);
    write(d, "corners.xlsx", &corners_xlsx());
    let xlsx = std::fs::read(root().join("tests/fixtures/sheets/seed.xlsx")).unwrap();
    write(d, "truncated.xlsx", &xlsx[..xlsx.len() / 2]);
    let mut xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    xls.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    write(d, "corrupt.xls", &xls);
    write(d, "bomb.zip", &zip_bomb("zeros.txt", 1 << 30, 1 << 30));
    write(d, "liar.zip", &zip_bomb("zeros.txt", 1 << 30, 1000));
    let deep = format!("<html><body>{}x</body></html>", "<div>".repeat(60_000));
    write(d, "deep.html", deep.as_bytes());

    let start = std::time::Instant::now();
    let run = extract(&[d.to_str().unwrap(), "-j", "2"]);
    let elapsed = start.elapsed();
    run.expect_code(1);
    assert_eq!(
        lines(&run.records()).len(),
        3,
        "the good document still gives its records"
    );
    let errors = lines(&run.errors());
    let got: Vec<(String, String, String)> = errors
        .iter()
        .map(|e| {
            let name = Path::new(e["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (
                name,
                e["stage"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = [
        ("bomb.zip", "read", "too_large"),
        ("corners.xlsx", "read", "too_large"),
        ("corrupt.xls", "read", "corrupt"),
        ("deep.html", "parse", "too_deep"),
        // the zip reader stops at the declared size; the CRC then fails
        ("liar.zip", "read", "corrupt"),
        ("truncated.xlsx", "read", "corrupt"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(got, want, "{}", run.errors());
    let rss = children_max_rss();
    assert!(rss < 1 << 30, "peak RSS {rss} bytes");
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");
    eprintln!(
        "hostile run: {elapsed:?}, peak RSS of children {} MiB",
        rss >> 20
    );
}

#[test]
fn sigint_mid_run_leaves_no_output_and_the_previous_file_untouched() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("archive");
    std::fs::create_dir(&input).unwrap();
    let seed = std::fs::read(root().join("tests/fixtures/seed/seed.utf8.txt")).unwrap();
    for i in 0..4000 {
        let mut doc = seed.clone();
        doc.extend_from_slice(format!("备注：{i}\n").as_bytes());
        write(&input, &format!("doc-{i:05}.txt"), &doc);
    }
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("records.jsonl"), "old\n").unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(["extract", input.to_str().unwrap(), "-j", "2", "-q"])
        .arg("-o")
        .arg(out.join("records.jsonl"))
        .arg("--errors")
        .arg(out.join("errors.jsonl"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // wait until the first records are in the temporary file
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let started = std::fs::read_dir(&out).unwrap().any(|e| {
            let e = e.unwrap();
            e.file_name()
                .to_string_lossy()
                .starts_with(".records.jsonl.")
                && e.metadata().map(|m| m.len() > 0).unwrap_or(false)
        });
        if started || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("records.jsonl")).unwrap(),
        "old\n"
    );
    let mut left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["records.jsonl"],
        "no temporary files, no errors file"
    );
}
