//! Bulk ingest a data engineer can trust (issue 15): mistakes are loud and
//! harmless, the manifest accounts for every file, `-` works everywhere,
//! `show` shows every record of a shared id, and the messages say what
//! happened.

use std::path::Path;

use serde_json::Value;

use crate::util::{extract, jixiao, lines, root};

const SEED: &str = "tests/fixtures/seed/seed.utf8.txt";

/// Runs the binary with `args` from `cwd`, `stdin` piped in.
fn run_at(cwd: &Path, args: &[&str], stdin: &[u8]) -> std::process::Output {
    crate::util::output_at(cwd, args, stdin)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn seed_bytes() -> Vec<u8> {
    std::fs::read(root().join(SEED)).expect("seed")
}

/// Every file of a folder, relative, with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = walk(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).expect("under dir");
            (rel.display().to_string(), std::fs::read(&p).expect("read"))
        })
        .collect();
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Finding 1: a typo in the input path exits 2 before any work, names the
/// path, and leaves the previous outputs byte-identical.
#[test]
fn a_missing_path_exits_2_and_leaves_the_previous_output_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let records = out.join("records.jsonl");
    let errors = out.join("errors.jsonl");
    let (r, e) = (records.to_str().unwrap(), errors.to_str().unwrap());
    let first = run_at(&root(), &["extract", SEED, "-o", r, "--errors", e], b"");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let before = snapshot(&out);
    assert_eq!(
        before.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(),
        ["errors.jsonl", "manifest.jsonl", "records.jsonl"]
    );
    for args in [
        vec!["extract", "tests/fixtures/sed", "-o", r, "--errors", e],
        vec![
            "extract",
            SEED,
            "tests/fixtures/sed",
            "-o",
            r,
            "--errors",
            e,
        ],
    ] {
        let typo = run_at(&root(), &args, b"");
        assert_eq!(typo.status.code(), Some(2));
        assert_eq!(
            text(&typo.stderr),
            "jixiao: tests/fixtures/sed: No such file or directory\n"
        );
        assert_eq!(snapshot(&out), before, "the outputs changed");
    }
    // no path at all, outside the repository: the default `corpus` is missing
    let elsewhere = tempfile::tempdir().unwrap();
    let none = run_at(elsewhere.path(), &["extract"], b"");
    assert_eq!(none.status.code(), Some(2));
    assert_eq!(
        text(&none.stderr),
        "jixiao: corpus: No such file or directory\n"
    );
    assert!(snapshot(elsewhere.path()).is_empty(), "nothing is created");
}

/// Finding 2: a run that finds no document exits 2, whatever else the
/// folder holds.
#[test]
fn a_folder_without_documents_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let pdfs = dir.path().join("pdfs");
    std::fs::create_dir(&pdfs).unwrap();
    std::fs::write(pdfs.join("a.png"), b"\x89PNG").unwrap();
    // (.docx and .pdf are documents since issue 14; a .pptx is none)
    std::fs::write(pdfs.join("b.pptx"), b"PK").unwrap();
    for input in [&empty, &pdfs] {
        let run = extract(&[input.to_str().unwrap()]);
        run.expect_code(2);
        run.expect_stderr(&format!(
            "jixiao: no documents found under {}\n",
            input.display()
        ));
        assert!(!run.dir.path().join("records.jsonl").exists());
        assert!(!run.dir.path().join("manifest.jsonl").exists());
    }
}

/// A folder list whose paths vanished still runs: one error line each.
#[test]
fn vanished_paths_of_a_list_are_error_lines() {
    let list = format!("{SEED}\ntests/fixtures/gone.txt\n");
    let run = crate::util::extract_with_stdin(&["--files-from", "-"], list.as_bytes());
    run.expect_code(1);
    assert_eq!(lines(&run.records()).len(), 3);
    let errors = lines(&run.errors());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"], "not_found");
    assert_eq!(errors[0]["path"], "tests/fixtures/gone.txt");
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// documents, a copy, junk, hidden entries, an empty file, a symlink loop
/// and a zip with a README inside.
fn mixed_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = seed_bytes();
    std::fs::write(d.join("a.txt"), &seed).unwrap();
    std::fs::write(d.join("b.txt"), &seed).unwrap();
    std::fs::write(d.join("bad.txt"), b"").unwrap();
    std::fs::write(d.join("junk.png"), b"\x89PNG").unwrap();
    std::fs::write(d.join(".hidden.txt"), &seed).unwrap();
    std::fs::create_dir(d.join(".git")).unwrap();
    std::fs::write(d.join(".git/config"), b"[core]").unwrap();
    std::fs::write(
        d.join("docs.zip"),
        zip_of(&[("seed.txt", &seed), ("README.md", b"# read me")]),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(".", d.join("loop")).unwrap();
    dir
}

fn without_ms(manifest: &str) -> Vec<Value> {
    lines(manifest)
        .into_iter()
        .map(|mut v| {
            v.as_object_mut().unwrap().remove("ms");
            v
        })
        .collect()
}

/// Finding 2 and the manifest: one line per file met and per zip member,
/// skipped ones included, in input order; its record count is the
/// records file's line count.
#[test]
fn the_manifest_accounts_for_every_file_of_a_mixed_folder() {
    let folder = mixed_folder();
    let d = folder.path().to_str().unwrap();
    let run = extract(&[d, "-j", "2"]);
    run.expect_code(1);
    let manifest = lines(&run.file("manifest.jsonl"));
    let got: Vec<(String, Option<&str>, &str, Option<&str>)> = manifest
        .iter()
        .map(|m| {
            let path = m["path"].as_str().unwrap();
            let rel = path.strip_prefix(d).unwrap().trim_start_matches('/');
            (
                rel.to_string(),
                m["member"].as_str(),
                m["outcome"].as_str().unwrap(),
                m["reason"].as_str().or(m["error_code"].as_str()),
            )
        })
        .collect();
    let want: Vec<(String, Option<&str>, &str, Option<&str>)> = vec![
        (".git".into(), None, "skipped", Some("hidden")),
        (".hidden.txt".into(), None, "skipped", Some("hidden")),
        ("a.txt".into(), None, "records", None),
        ("b.txt".into(), None, "duplicate", None),
        ("bad.txt".into(), None, "error", Some("empty")),
        (
            "docs.zip".into(),
            Some("README.md"),
            "skipped",
            Some("unknown_format"),
        ),
        ("docs.zip".into(), Some("seed.txt"), "duplicate", None),
        ("junk.png".into(), None, "skipped", Some("unknown_format")),
        #[cfg(unix)]
        ("loop".into(), None, "skipped", Some("symlink_loop")),
    ];
    assert_eq!(got, want);
    let keys: Vec<&str> = manifest[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "path",
            "member",
            "bytes",
            "sha256",
            "format",
            "encoding",
            "outcome",
            "reason",
            "duplicate_of",
            "records",
            "indicators",
            "warnings",
            "error_code",
            "ms"
        ]
    );
    let a = &manifest[2];
    assert_eq!(a["bytes"], seed_bytes().len());
    assert_eq!(a["format"], "text");
    assert_eq!(a["encoding"], "UTF-8");
    assert_eq!(a["records"], 3);
    assert_eq!(a["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(manifest[3]["duplicate_of"]["path"], a["path"]);
    assert_eq!(manifest[3]["sha256"], a["sha256"]);
    assert_eq!(
        manifest[1]["sha256"],
        Value::Null,
        "a skipped file is not read"
    );
    assert_eq!(manifest[5]["bytes"], 9, "a member's size");
    let total: u64 = manifest
        .iter()
        .map(|m| m["records"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, lines(&run.records()).len());
    assert_eq!(lines(&run.errors()).len(), 1);
    let stderr = run.stderr();
    assert!(stderr.contains("4 documents, 9 records"), "{stderr}");
    assert!(stderr.contains("2 duplicates"), "{stderr}");
    assert!(stderr.contains(".png=1"), "{stderr}");
    assert!(stderr.contains(".md=1"), "{stderr}");
    assert!(stderr.contains("hidden=2"), "{stderr}");
    let written = run.dir.path().join("manifest.jsonl");
    assert!(
        stderr.contains(&format!(
            "wrote {}",
            run.dir.path().join("records.jsonl").display()
        )) && stderr.contains(&written.display().to_string()),
        "the summary names the files it wrote: {stderr}"
    );
    // the same bytes whatever --jobs, but for the clock's `ms`
    let one = extract(&[d, "-j", "1"]);
    assert_eq!(
        without_ms(&one.file("manifest.jsonl")),
        without_ms(&run.file("manifest.jsonl"))
    );
    assert_eq!(one.records(), run.records());
}

/// Part output gets `DIR/_manifest.jsonl`; `--manifest -` writes it to stdout.
#[test]
fn the_manifest_follows_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let parts = format!("{}/", dir.path().join("parts").display());
    let out = run_at(&root(), &["extract", SEED, "-o", &parts, "-q"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifest = std::fs::read_to_string(dir.path().join("parts/_manifest.jsonl")).unwrap();
    assert_eq!(lines(&manifest).len(), 1);
    let records = dir.path().join("r.jsonl");
    let out = run_at(
        &root(),
        &[
            "extract",
            SEED,
            "-o",
            records.to_str().unwrap(),
            "--errors",
            dir.path().join("e.jsonl").to_str().unwrap(),
            "--manifest",
            "-",
            "-q",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    let m = lines(&text(&out.stdout));
    assert_eq!(m.len(), 1);
    assert_eq!(m[0]["path"], SEED);
    assert!(!dir.path().join("manifest.jsonl").exists());
}

/// Finding 3: `extract -` reads one document from stdin (format sniffed),
/// and `-o -` creates no file the user did not ask for: error lines go
/// to stderr.
#[test]
fn extract_reads_stdin_and_o_dash_creates_no_file() {
    let cwd = tempfile::tempdir().unwrap();
    let out = run_at(
        cwd.path(),
        &["extract", "-", "-o", "-", "-q"],
        &seed_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = lines(&text(&out.stdout));
    let want = lines(&extract(&[SEED]).records());
    assert_eq!(got.len(), 3);
    assert_eq!(got[0]["source"]["path"], "-");
    assert_eq!(
        got[0]["record_id"], want[0]["record_id"],
        "same bytes, same id"
    );
    assert!(snapshot(cwd.path()).is_empty(), "no file was created");
    // an HTML page on stdin is read as HTML (sniffed, not named)
    let html = std::fs::read(root().join("tests/fixtures/html/seed.html")).unwrap();
    let out = run_at(cwd.path(), &["extract", "-", "-o", "-", "-q"], &html);
    let got = lines(&text(&out.stdout));
    assert!(!got.is_empty(), "{}", text(&out.stderr));
    assert_eq!(got[0]["source"]["format"], "html");
    // an error goes to stderr as a JSON line
    let out = run_at(cwd.path(), &["extract", "-", "-o", "-"], b"");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let error: Value = serde_json::from_str(stderr.lines().next().unwrap()).unwrap();
    assert_eq!(error["path"], "-");
    assert_eq!(error["code"], "empty");
    assert!(snapshot(cwd.path()).is_empty(), "no file was created");
    // standard input past --max-file-size: read no further, one error line
    let out = run_at(
        cwd.path(),
        &["extract", "-", "-o", "-", "--max-file-size", "1000"],
        &seed_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let error: Value = serde_json::from_str(stderr.lines().next().unwrap()).unwrap();
    assert_eq!(error["code"], "too_large", "{stderr}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("more than 1000 bytes")
    );
}

/// Finding 3: `--records -` in show, sample and report; `report -o -`.
#[test]
fn review_commands_read_records_from_stdin() {
    let run = extract(&[SEED]);
    let records = run.records();
    let first = lines(&records)[0]["record_id"]
        .as_str()
        .unwrap()
        .to_string();
    let sample = run_at(
        &root(),
        &["sample", "--records", "-", "-n", "2"],
        records.as_bytes(),
    );
    assert_eq!(sample.status.code(), Some(0), "{}", text(&sample.stderr));
    assert_eq!(text(&sample.stdout).lines().count(), 2);
    let show = run_at(
        &root(),
        &["show", &first, "--records", "-"],
        records.as_bytes(),
    );
    assert_eq!(show.status.code(), Some(0), "{}", text(&show.stderr));
    assert!(text(&show.stdout).contains(&format!("record {first}")));
    let cwd = tempfile::tempdir().unwrap();
    let errors = run.dir.path().join("errors.jsonl");
    let report = run_at(
        cwd.path(),
        &[
            "report",
            "--records",
            "-",
            "--errors",
            errors.to_str().unwrap(),
            "-o",
            "-",
            "--sample",
            "0",
        ],
        records.as_bytes(),
    );
    assert_eq!(report.status.code(), Some(0), "{}", text(&report.stderr));
    assert!(text(&report.stdout).starts_with("<!DOCTYPE html>"));
    assert!(
        snapshot(cwd.path()).is_empty(),
        "no file named - was created"
    );
    // a records file that does not exist: said once
    let missing = jixiao(&["sample", "--records", "nowhere.jsonl"]);
    missing.expect_code(2);
    assert_eq!(missing.stderr().matches("nowhere.jsonl").count(), 1);
}

/// Finding 4: `show` takes several ids, and shows every record of an id
/// that several share; `--path` narrows them.
#[test]
fn show_shows_every_record_of_a_shared_id() {
    let run = extract(&[SEED, "tests/fixtures/zip/archive.zip"]);
    let all = lines(&run.records());
    let id = all[0]["record_id"].as_str().unwrap().to_string();
    let other = all[1]["record_id"].as_str().unwrap().to_string();
    let copies = all.iter().filter(|r| r["record_id"] == id.as_str()).count();
    assert_eq!(copies, 2, "the seed's bytes are also a member of the zip");
    let records = run.dir.path().join("records.jsonl");
    let r = records.to_str().unwrap();
    let show = jixiao(&["show", &id, &other, "--records", r]);
    show.expect_code(0);
    let out = show.stdout();
    assert_eq!(out.matches(&format!("record {id}")).count(), 2, "{out}");
    assert_eq!(out.matches(&format!("record {other}")).count(), 2, "{out}");
    assert!(
        out.contains(&format!(
            "── {id}: 1 of 2 records with this id — path {SEED}, member —, index 0"
        )),
        "{out}"
    );
    assert!(
        out.contains(
            "path tests/fixtures/zip/archive.zip, member 2020/科创办/绩效目标表.txt, index 0"
        ),
        "{out}"
    );
    let narrowed = jixiao(&["show", &id, "--path", SEED, "--records", r]);
    narrowed.expect_code(0);
    assert_eq!(narrowed.stdout().matches("record ").count(), 1);
    assert!(!narrowed.stdout().contains("archive.zip"));
    let unknown = jixiao(&["show", "nope", &id, "--records", r]);
    unknown.expect_code(1);
    unknown.expect_stderr("no record nope");
    assert_eq!(unknown.stdout().matches(&format!("record {id}")).count(), 2);
}

/// Finding 5: messages and help.
#[test]
fn messages_name_the_users_paths_and_help_is_complete() {
    let zero = extract(&[SEED, "--shard-index", "0", "--shard-count", "0"]);
    zero.expect_code(2);
    zero.expect_stderr("--shard-count must be at least 1");
    // an output in an unwritable place is named as given, not its temporary file
    let unwritable = jixiao(&[
        "extract",
        SEED,
        "-o",
        "/proc/r.jsonl",
        "--errors",
        "/proc/e.jsonl",
    ]);
    unwritable.expect_code(2);
    unwritable.expect_stderr("cannot write /proc/r.jsonl");
    assert!(
        !unwritable.stderr().contains(".tmp"),
        "{}",
        unwritable.stderr()
    );
    let help = jixiao(&["--help"]);
    help.expect_code(0);
    let out = help.stdout();
    assert!(
        out.contains("Examples:") && out.contains("Exit codes:"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("(no output written)"), "{out}");
    use clap::CommandFactory;
    let cli = jixiao::cli::Cli::command();
    for sub in cli.get_subcommands() {
        for arg in sub.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            assert!(
                arg.get_help().is_some(),
                "{} {id} has no help line",
                sub.get_name()
            );
        }
    }
    // no colour when not on a terminal, nor with NO_COLOR
    let bad = jixiao(&["extract", "--frobnicate"]);
    bad.expect_code(2);
    assert!(!bad.stderr().contains('\x1b'), "{}", bad.stderr());
}

/// Finding 7: a UTF-16 file holding only a title is no project, so it is
/// a `no_projects` error line, not a record whose every field is null; a
/// headline above a real table is named in a warning of that project.
#[test]
fn a_title_alone_is_an_error_line_not_a_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    let title: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("绩效目标表\r\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let path = dir.path().join("title-only.txt");
    std::fs::write(&path, title).expect("write");
    let run = extract(&[path.to_str().expect("UTF-8 path")]);
    run.expect_code(1);
    assert_eq!(run.records(), "");
    let errors = lines(&run.errors());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["code"], "no_projects");

    let page = "2023年部门预算公开 项目支出绩效目标申报表\n项目支出绩效目标表\n项目名称：\t甲\n";
    let path = dir.path().join("headline.txt");
    std::fs::write(&path, page).expect("write");
    let run = extract(&[path.to_str().expect("UTF-8 path")]);
    let records = lines(&run.records());
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["title"], "项目支出绩效目标表");
    let warnings = records[0]["warnings"].to_string();
    assert!(
        warnings.contains("2023年部门预算公开 项目支出绩效目标申报表"),
        "{warnings}"
    );
}
