//! Hostile inputs: each costs one error line, the run goes on, and memory
//! stays bounded. The big inputs are generated here, never committed.

use std::io::Write;
use std::path::Path;

use crate::util::{Unopenable, extract, file_names, lines, root};

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

/// A zip whose members are named to escape the extraction folder.
fn traversal_zip(body: &[u8]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for name in ["../../escaped.txt", "/tmp/jixiao-absolute.txt"] {
        w.start_file(name, SimpleFileOptions::default()).unwrap();
        w.write_all(body).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// xorshift bytes: reproducible noise.
fn noise(len: usize, mut state: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// What one file of the hostile archive must give.
#[derive(Debug, PartialEq)]
enum Expect {
    /// One error line with this stage and code, no records.
    Error(&'static str, &'static str),
    /// This many records, each carrying this warning if any (nothing lost).
    Records(usize, Option<&'static str>),
    /// Not a document: skipped with a note, no line at all.
    Skipped,
}

#[test]
fn a_hostile_archive_costs_one_line_per_bad_file_and_leaves_the_good_one_intact() {
    use Expect::*;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("archive");
    std::fs::create_dir(&d).unwrap();
    let seed_text =
        std::fs::read_to_string(root().join("tests/fixtures/seed/seed.utf8.txt")).unwrap();
    let seed = seed_text.as_bytes();
    write(&d, "good.txt", seed);

    let mut cases: Vec<(&str, Expect)> = Vec::new();
    write(&d, "empty.txt", b"");
    cases.push(("empty.txt", Error("read", "empty")));
    write(&d, "random.txt", &noise(1 << 16, 0x9E37_79B9_7F4A_7C15));
    cases.push(("random.txt", Error("decode", "binary")));
    let nul_laden: Vec<u8> = seed.iter().flat_map(|&b| [b, 0, 0]).collect();
    write(&d, "nul-laden.txt", &nul_laden);
    cases.push(("nul-laden.txt", Error("decode", "binary")));
    let mut sprinkled = seed.to_vec();
    for at in [100, 900, 2000, 3000] {
        sprinkled.insert(at, 0);
    }
    write(&d, "nul-sprinkled.txt", &sprinkled);
    cases.push(("nul-sprinkled.txt", Records(3, Some("decode_replaced"))));
    write(&d, "long-line.txt", &vec![b'x'; 100 << 20]);
    cases.push(("long-line.txt", Error("split", "no_projects")));
    let mut odd_utf16 = vec![0xFF, 0xFE];
    odd_utf16.extend(seed_text.encode_utf16().flat_map(u16::to_le_bytes));
    odd_utf16.push(0x41);
    write(&d, "odd-utf16.txt", &odd_utf16);
    cases.push(("odd-utf16.txt", Records(3, Some("decode_replaced"))));
    let half = seed_text.as_bytes()[..seed_text.len() / 2]
        .iter()
        .rposition(|&b| b == b'\n')
        .unwrap()
        + 1;
    let (gbk, _, _) = encoding_rs::GBK.encode(&seed_text[..half]);
    write(
        &d,
        "mixed-halves.txt",
        &[gbk.as_ref(), &seed_text.as_bytes()[half..]].concat(),
    );
    cases.push(("mixed-halves.txt", Records(3, Some("mixed_encoding"))));
    let xlsx = std::fs::read(root().join("tests/fixtures/sheets/seed.xlsx")).unwrap();
    write(&d, "truncated.xlsx", &xlsx[..xlsx.len() / 2]);
    cases.push(("truncated.xlsx", Error("read", "corrupt")));
    write(&d, "corners.xlsx", &corners_xlsx());
    cases.push(("corners.xlsx", Error("read", "too_large")));
    let mut xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    xls.extend(noise(4096, 7));
    write(&d, "corrupt.xls", &xls);
    cases.push(("corrupt.xls", Error("read", "corrupt")));
    write(&d, "bomb.zip", &zip_bomb("zeros.txt", 2 << 30, u32::MAX));
    cases.push(("bomb.zip", Error("read", "too_large")));
    write(&d, "liar.zip", &zip_bomb("zeros.txt", 1 << 30, 1000));
    // the zip reader stops at the declared size; the CRC then fails
    cases.push(("liar.zip", Error("read", "corrupt")));
    write(&d, "traversal.zip", &traversal_zip(seed));
    // Members are read in memory, never written: the names are only names.
    // (Same bytes as good.txt, so the same record ids: not duplicates.)
    cases.push(("traversal.zip", Records(6, None)));
    let deep = format!("<html><body>{}x</body></html>", "<div>".repeat(60_000));
    write(&d, "deep.html", deep.as_bytes());
    cases.push(("deep.html", Error("parse", "too_deep")));
    std::os::unix::fs::symlink(&d, d.join("loop")).unwrap();
    cases.push(("loop", Skipped));
    let fifo = std::ffi::CString::new(d.join("fifo.txt").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    cases.push(("fifo.txt", Skipped));

    let alone = crate::util::extract_with_stdin(
        &["--files-from", "-", "-j", "2"],
        format!("{}\n", d.join("good.txt").display()).as_bytes(),
    );
    alone.expect_code(0);

    // A budget no document here needs (the 100 MB line takes 15 s in a
    // debug build on a busy machine): every expectation below is about
    // what the files are, never about how fast they are read.
    let start = std::time::Instant::now();
    let run = extract(&[d.to_str().unwrap(), "-j", "2", "--timeout", "10m"]);
    let elapsed = start.elapsed();
    run.expect_code(1);
    let rss = children_max_rss();

    let name_of = |v: &serde_json::Value| {
        let path = v["source"]["path"].as_str().or(v["path"].as_str()).unwrap();
        Path::new(path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    let records = run.records();
    let good: String = records
        .lines()
        // its own lines (a later copy's `duplicate_of` names good.txt too)
        .filter(|l| {
            l.contains("\"source\":{\"path\":")
                && l.split("\"duplicate_of\"")
                    .next()
                    .is_some_and(|s| s.contains("/archive/good.txt\""))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        good,
        alone.records(),
        "the good document's records are byte-identical"
    );
    assert!(!records.contains("\\u0000"), "no U+0000 in any record");

    let records = lines(&records);
    let errors = lines(&run.errors());
    for (name, expect) in &cases {
        let errs: Vec<_> = errors.iter().filter(|e| name_of(e) == *name).collect();
        let recs: Vec<_> = records.iter().filter(|r| name_of(r) == *name).collect();
        match expect {
            Error(stage, code) => {
                assert_eq!((errs.len(), recs.len()), (1, 0), "{name}: {}", run.errors());
                assert_eq!(
                    (errs[0]["stage"].as_str(), errs[0]["code"].as_str()),
                    (Some(*stage), Some(*code)),
                    "{name}"
                );
            }
            Records(n, warning) => {
                assert_eq!(
                    (errs.len(), recs.len()),
                    (0, *n),
                    "{name}: {}",
                    run.errors()
                );
                for r in recs {
                    let codes: Vec<_> = r["warnings"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|w| w["code"].as_str().unwrap())
                        .collect();
                    if let Some(warning) = warning {
                        assert!(codes.contains(warning), "{name}: {codes:?}");
                    }
                }
            }
            Skipped => assert_eq!((errs.len(), recs.len()), (0, 0), "{name}"),
        }
    }
    let bad_lines = cases.iter().filter(|(_, e)| matches!(e, Error(..))).count();
    assert_eq!(
        errors.len(),
        bad_lines,
        "exactly one line per bad file: {}",
        run.errors()
    );
    let stderr = run.stderr();
    assert!(stderr.contains("symlink loop"), "{stderr}");
    assert!(stderr.contains("special file"), "{stderr}");
    // The escaping names are kept as names, three projects each, with the
    // record ids of the same bytes in good.txt.
    let ids = |pred: &dyn Fn(&serde_json::Value) -> bool| -> Vec<String> {
        records
            .iter()
            .filter(|r| pred(r))
            .map(|r| r["record_id"].as_str().unwrap().to_string())
            .collect()
    };
    for member in ["../../escaped.txt", "/tmp/jixiao-absolute.txt"] {
        assert_eq!(
            ids(&|r| r["source"]["member"] == member),
            ids(&|r| name_of(r) == "good.txt"),
            "{member}"
        );
    }
    assert!(!dir.path().join("escaped.txt").exists());
    assert!(!Path::new("/tmp/jixiao-absolute.txt").exists());
    assert!(rss < 1 << 30, "peak RSS {rss} bytes");
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
    for i in 0..400 {
        let mut doc = seed.clone();
        doc.extend_from_slice(format!("备注：{i}\n").as_bytes());
        write(&input, &format!("doc-{i:05}.txt"), &doc);
    }
    // The last document cannot be opened while this lives, and there is no
    // time budget: the run cannot end before the signal, however fast.
    let _last = Unopenable::create(&input.join("zz-last.txt"), &seed);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("records.jsonl"), "old\n").unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args([
            "extract",
            input.to_str().unwrap(),
            "-j",
            "2",
            "-q",
            "--timeout",
            "0",
        ])
        .arg("-o")
        .arg(out.join("records.jsonl"))
        .arg("--errors")
        .arg(out.join("errors.jsonl"))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // wait until the first records are in the temporary file (the handler
    // is installed by then), at most until half the lease break time
    let deadline = std::time::Instant::now() + Unopenable::break_time() / 2;
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
    let left = file_names(&out);
    assert_eq!(
        left,
        ["records.jsonl"],
        "no temporary files, no errors file"
    );
}

/// The budget of the timeout test: far above what a 12 KB document takes
/// in any build on any machine, and below the lease break time (45 s).
const BUDGET_SECS: u64 = 10;

#[test]
fn a_document_over_its_time_budget_is_a_timeout_line_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = std::fs::read_to_string(root().join("tests/fixtures/seed/seed.utf8.txt")).unwrap();
    write(d, "a-good.txt", seed.as_bytes());
    // Slow on purpose, not by size: opening it blocks while the lease is
    // held, so it cannot be read within any budget below the break time.
    let slow = Unopenable::create(&d.join("b-slow.txt"), seed.as_bytes());
    assert!(
        Unopenable::break_time().as_secs() >= 2 * BUDGET_SECS,
        "/proc/sys/fs/lease-break-time is below twice the budget of {BUDGET_SECS} s"
    );
    let budget = format!("{BUDGET_SECS}s");
    write(d, "c-good.txt", seed.as_bytes());
    let run = extract(&[d.to_str().unwrap(), "-j", "2", "--timeout", &budget]);
    run.expect_code(1);
    let errors = lines(&run.errors());
    assert_eq!(errors.len(), 1, "{}", run.errors());
    assert!(errors[0]["path"].as_str().unwrap().ends_with("b-slow.txt"));
    assert_eq!(errors[0]["stage"], "parse");
    assert_eq!(errors[0]["code"], "timeout");
    assert!(errors[0]["message"].as_str().unwrap().contains(&budget));
    let records = lines(&run.records());
    assert_eq!(records.len(), 6, "both good documents, in input order");
    assert!(
        records[0]["source"]["path"]
            .as_str()
            .unwrap()
            .ends_with("a-good.txt")
    );
    assert!(
        records[5]["source"]["path"]
            .as_str()
            .unwrap()
            .ends_with("c-good.txt")
    );

    // Once it can be opened, the same document is read in full (no budget).
    drop(slow);
    let run = extract(&[d.to_str().unwrap(), "-j", "2", "--timeout", "0"]);
    run.expect_code(0);
    assert_eq!(lines(&run.records()).len(), 9);
}

#[test]
fn a_full_disk_is_exit_2_and_leaves_no_output() {
    let seed = root().join("tests/fixtures/seed/seed.utf8.txt");
    let run = extract(&[seed.to_str().unwrap(), "-o", "/dev/full"]);
    run.expect_code(2).expect_stderr("No space left on device");
    // The errors file of a failed run is not left behind either.
    let dir = tempfile::tempdir().unwrap();
    let errors = dir.path().join("errors.jsonl");
    let run = crate::util::jixiao(&[
        "extract",
        seed.to_str().unwrap(),
        "-o",
        "/dev/full",
        "--errors",
        errors.to_str().unwrap(),
    ]);
    run.expect_code(2);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}
