//! Worker processes: a document that kills its worker, or needs more
//! memory than `--max-memory`, costs exactly its own error line; the run,
//! and the documents after it, go on in a fresh worker. `--no-isolate`
//! gives the same bytes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Run, Unopenable, extract, lines, root};

fn seed() -> Vec<u8> {
    std::fs::read(root().join("tests/fixtures/seed/seed.utf8.txt")).unwrap()
}

/// The records of a run on the seed alone, as `DIR/z-good.txt`: what a
/// good document beside a bad one must still give, byte for byte.
fn seed_alone(dir: &Path) -> String {
    let alone = dir.join("alone");
    std::fs::create_dir(&alone).unwrap();
    std::fs::write(alone.join("z-good.txt"), seed()).unwrap();
    let run = extract(&[alone.to_str().unwrap()]);
    run.expect_code(0);
    relative(&run.records(), &alone)
}

/// `text` with the folder `dir` written as `DIR`.
fn relative(text: &str, dir: &Path) -> String {
    text.replace(&*dir.to_string_lossy(), "DIR")
}

/// 35 MB of valid projects: reading it needs more than 64 MiB.
fn big() -> Vec<u8> {
    seed().repeat(3000)
}

/// Runs one worker under a 64 MiB limit on `files` (written to `DIR/in`):
/// the folder, the run, and its one error line, which names `culprit`.
fn one_error_under_64_mib(
    files: &[(&str, Vec<u8>)],
    culprit: &str,
) -> (tempfile::TempDir, PathBuf, Run, Value) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("in");
    std::fs::create_dir(&d).unwrap();
    for (name, bytes) in files {
        std::fs::write(d.join(name), bytes).unwrap();
    }
    let run = extract(&[d.to_str().unwrap(), "--max-memory", "64MiB", "-j", "1"]);
    run.expect_code(1);
    let mut errors = lines(&run.errors());
    assert_eq!(errors.len(), 1, "{}", run.errors());
    let error = errors.remove(0);
    assert!(
        error["path"].as_str().unwrap().ends_with(culprit),
        "{error}"
    );
    (dir, d, run, error)
}

#[test]
fn a_document_over_the_memory_limit_is_an_out_of_memory_line() {
    let (dir, d, run, error) =
        one_error_under_64_mib(&[("a-big.txt", big()), ("z-good.txt", seed())], "a-big.txt");
    assert_eq!(error["stage"], "parse");
    assert_eq!(error["code"], "out_of_memory");
    let message = error["message"].as_str().unwrap();
    assert!(message.contains("64.0 MiB (--max-memory)"), "{message}");
    assert!(message.contains("memory allocation of"), "{message}");
    // The document after it was read by a fresh worker, as if alone.
    assert_eq!(relative(&run.records(), &d), seed_alone(dir.path()));
}

/// A worker sends its answers a batch at a time. When the document that
/// kills it comes after others of its batch, the error line still names
/// that document (the worker counts the requests it starts), and the
/// documents before and after it are read again by a fresh worker.
#[test]
fn a_document_that_kills_its_worker_mid_batch_costs_only_itself() {
    let files = [
        ("a-good.txt", seed()),
        ("b-big.txt", big()),
        ("c-good.txt", seed()),
    ];
    let (dir, _, run, error) = one_error_under_64_mib(&files, "b-big.txt");
    assert_eq!(error["code"], "out_of_memory");
    let records = lines(&run.records());
    let paths: Vec<&str> = records
        .iter()
        .map(|r| r["source"]["path"].as_str().unwrap())
        .collect();
    let seed_records = lines(&seed_alone(dir.path())).len();
    assert_eq!(paths.len(), 2 * seed_records, "{paths:?}");
    assert!(
        paths[..seed_records]
            .iter()
            .all(|p| p.ends_with("a-good.txt"))
    );
    assert!(
        paths[seed_records..]
            .iter()
            .all(|p| p.ends_with("c-good.txt"))
    );
}

/// The worker processes of the process `parent` (Linux: the `children`
/// file of each of its threads).
fn children_of(parent: u32) -> Vec<u32> {
    let tasks = std::fs::read_dir(format!("/proc/{parent}/task"))
        .into_iter()
        .flatten();
    let mut pids: Vec<u32> = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect();
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// Whether the process is blocked in `open(2)` on a leased file (its
/// kernel wait channel, or on x86_64 its current system call: `openat`).
fn opening_a_leased_file(pid: u32) -> bool {
    let read =
        |what: &str| std::fs::read_to_string(format!("/proc/{pid}/{what}")).unwrap_or_default();
    read("wchan").contains("break_lease")
        || (cfg!(target_arch = "x86_64") && read("syscall").starts_with("257 "))
}

/// A worker killed by a signal while it holds a document (as the kernel's
/// OOM killer would; here it is blocked
/// opening a leased file, so the test knows which worker holds which
/// document without any timing) costs that document a `crashed` line
/// naming the signal; the next document gets a new worker.
#[test]
fn a_worker_killed_by_a_signal_costs_its_document_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("in");
    std::fs::create_dir(&d).unwrap();
    let held = Unopenable::create(&d.join("a-held.txt"), &seed());
    std::fs::write(d.join("z-good.txt"), seed()).unwrap();
    let out = dir.path().join("out");
    let mut run = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args([
            "extract",
            d.to_str().unwrap(),
            "-j",
            "1",
            "--timeout",
            "0",
            "-q",
        ])
        .arg("-o")
        .arg(out.join("records.jsonl"))
        .arg("--errors")
        .arg(out.join("errors.jsonl"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // -j 1: one worker; wait until it is blocked opening a-held.txt.
    let deadline = Instant::now() + Duration::from_secs(30);
    let worker = loop {
        if let [pid] = children_of(run.id())[..]
            && opening_a_leased_file(pid)
        {
            break pid;
        }
        assert!(
            Instant::now() < deadline,
            "no worker process blocked on the leased file"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let kill = Command::new("kill")
        .args(["-KILL", &worker.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = run.wait().unwrap();
    drop(held);
    assert_eq!(status.code(), Some(1));
    let errors = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    let errors = lines(&errors);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0]["path"].as_str().unwrap().ends_with("a-held.txt"));
    assert_eq!(errors[0]["code"], "crashed");
    assert_eq!(
        errors[0]["message"],
        "the worker process was killed by signal 9 (SIGKILL)"
    );
    let records = std::fs::read_to_string(out.join("records.jsonl")).unwrap();
    assert_eq!(relative(&records, &d), seed_alone(dir.path()));
}

/// Worker processes and `--no-isolate` write the same bytes, at any
/// `--jobs`, for every fixture (good, bad and skipped files alike).
#[test]
fn worker_processes_and_no_isolate_write_the_same_bytes() {
    let fixtures = root().join("tests/fixtures");
    let fixtures = fixtures.to_str().unwrap();
    let runs: Vec<_> = [
        vec![fixtures, "-j", "1"],
        vec![fixtures, "-j", "2"],
        vec![fixtures, "-j", "2", "--no-isolate"],
        vec![fixtures, "-j", "1", "--no-isolate"],
    ]
    .iter()
    .map(|args| extract(args))
    .collect();
    let first = &runs[0];
    assert!(!first.records().is_empty());
    for run in &runs[1..] {
        assert_eq!(run.code(), first.code());
        assert!(
            run.records() == first.records(),
            "records differ: {}",
            run.cmd
        );
        assert!(run.errors() == first.errors(), "errors differ: {}", run.cmd);
    }
}
