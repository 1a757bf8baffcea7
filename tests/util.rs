//! Helpers for the integration tests: run the real binary in a fresh temp
//! dir and, when an expectation fails, show the command, the directory,
//! stdout and stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Fixture folders whose every file has a golden output (`golden.rs`).
pub const FIXTURE_DIRS: [&str; 7] = ["seed", "text", "zip", "sheets", "html", "docx", "pdf"];
/// Fixture folders of text documents (the "nothing lost" test reads them).
pub const TEXT_DIRS: [&str; 2] = ["seed", "text"];
/// Real published layouts of other provinces (issue 13), each with its
/// golden; some are pages or blank forms that hold no project (an error
/// line), so they are not among [`FIXTURE_DIRS`], whose runs exit 0.
pub const LAYOUT_DIR: &str = "layouts";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A finished `jixiao` run with its output files read back.
pub struct Run {
    pub cmd: String,
    pub dir: tempfile::TempDir,
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name))
            .unwrap_or_else(|e| self.fail(&format!("cannot read {name}: {e}")))
    }

    pub fn records(&self) -> String {
        self.file("records.jsonl")
    }

    pub fn errors(&self) -> String {
        self.file("errors.jsonl")
    }

    pub fn fail(&self, what: &str) -> ! {
        panic!(
            "{what}\n--- command: {}\n--- dir: {}\n--- exit: {:?}\n--- stdout:\n{}\n--- stderr:\n{}",
            self.cmd,
            self.dir.path().display(),
            self.output.status.code(),
            self.stdout(),
            self.stderr()
        )
    }

    pub fn expect_code(&self, code: i32) -> &Run {
        if self.code() != code {
            self.fail(&format!("expected exit code {code}"));
        }
        self
    }

    /// Fails (showing the run) unless stderr contains `needle`.
    pub fn expect_stderr(&self, needle: &str) -> &Run {
        if !self.stderr().contains(needle) {
            self.fail(&format!("expected {needle:?} on stderr"));
        }
        self
    }
}

/// Runs `jixiao extract ARGS -o DIR/records.jsonl --errors DIR/errors.jsonl`
/// from the crate root (so `source.path` is the repository-relative path).
pub fn extract(args: &[&str]) -> Run {
    extract_with_stdin(args, b"")
}

/// [`extract`] with `stdin` as the child's standard input.
pub fn extract_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("records.jsonl");
    let err = dir.path().join("errors.jsonl");
    let mut full: Vec<String> = vec!["extract".into()];
    full.extend(args.iter().map(|s| s.to_string()));
    if !args.contains(&"-o") {
        full.extend(["-o".into(), out.display().to_string()]);
    }
    full.extend(["--errors".into(), err.display().to_string()]);
    run_in_with(dir, &full, stdin)
}

/// Runs the binary with exactly `args`, from the crate root.
pub fn jixiao(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    run_in(dir, &args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
}

fn run_in(dir: tempfile::TempDir, args: &[String]) -> Run {
    run_in_with(dir, args, b"")
}

/// Runs the binary with `args` from `cwd`, `stdin` piped in, and waits.
pub fn output_at<S: AsRef<std::ffi::OsStr>>(cwd: &Path, args: &[S], stdin: &[u8]) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_jixiao"))
        .args(args)
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run jixiao");
    if let Some(mut input) = child.stdin.take() {
        // a child that never reads its input closes the pipe: not an error
        let _ = input.write_all(stdin);
    }
    child.wait_with_output().expect("wait for jixiao")
}

fn run_in_with(dir: tempfile::TempDir, args: &[String], stdin: &[u8]) -> Run {
    let bin = env!("CARGO_BIN_EXE_jixiao");
    let output = output_at(&root(), args, stdin);
    Run {
        cmd: format!("{bin} {}", args.join(" ")),
        dir,
        output,
    }
}

/// Every input fixture (any format jixiao reads) under
/// `tests/fixtures/<sub>`, sorted, relative to the crate root.
pub fn fixtures(sub: &str) -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures").join(sub);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.ends_with(".jsonl") && jixiao::source::Format::from_path(p).is_some()
        })
        .map(|p| p.strip_prefix(root()).expect("under root").to_path_buf())
        .collect();
    v.sort();
    v
}

pub fn lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {e}: {l}")))
        .collect()
}

pub fn rel(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The golden file of a fixture: `NAME.EXT.expected.jsonl` beside it.
pub fn golden(fixture: &Path) -> PathBuf {
    let mut name = fixture.as_os_str().to_owned();
    name.push(".expected.jsonl");
    root().join(PathBuf::from(name))
}

/// Strips what legitimately differs between encodings of one document.
pub fn content(mut v: Value) -> Value {
    let o = v.as_object_mut().expect("object");
    o.remove("source");
    o.remove("record_id");
    // indicators' rows are numbered as each format numbers its rows
    if let Some(inds) = o.get_mut("indicators").and_then(Value::as_array_mut) {
        for i in inds {
            if let Some(i) = i.as_object_mut() {
                i.remove("row");
            }
        }
    }
    // where the first record of a duplicate is depends on the run
    if let Some(d) = o.get_mut("duplicate_of").and_then(Value::as_object_mut) {
        d.remove("path");
        d.remove("record_id");
    }
    v
}

/// Extracts `path` and checks that it gives the `reference` records, row
/// spans included, except for `source` and `record_id`; returns them.
pub fn same_records_as(path: &str, reference: &[Value]) -> Vec<Value> {
    let run = extract(&[path]);
    run.expect_code(0);
    let got = lines(&run.records());
    assert_eq!(got.len(), reference.len(), "{path}");
    for (g, r) in got.iter().zip(reference) {
        assert_eq!(g["source"]["first_row"], r["source"]["first_row"], "{path}");
        assert_eq!(g["source"]["last_row"], r["source"]["last_row"], "{path}");
        assert_eq!(content(g.clone()), content(r.clone()), "{path}");
    }
    got
}

/// `(first_row, last_row)` of each record's source.
pub fn row_spans(records: &[Value]) -> Vec<(u64, u64)> {
    records
        .iter()
        .map(|r| {
            (
                r["source"]["first_row"].as_u64().unwrap(),
                r["source"]["last_row"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// A regular file that no other process can open while this value lives:
/// the test process holds a write lease on it (`fcntl(F_SETLEASE)`), so
/// another process's `open(2)` blocks until the lease is dropped, or until
/// the kernel breaks it after `/proc/sys/fs/lease-break-time` seconds (45 by
/// default). It looks like any document to the walk and to `stat`: a
/// document that is slow on purpose, whatever the machine's speed.
pub struct Unopenable {
    // the lease lives as long as this descriptor
    _file: std::fs::File,
}

impl Unopenable {
    pub fn create(path: &Path, contents: &[u8]) -> Unopenable {
        use std::os::fd::AsRawFd;
        std::fs::write(path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        let file = std::fs::File::open(path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        let fd = file.as_raw_fd();
        // A write lease needs every other descriptor of the file closed. A
        // process that another test forks at this moment holds a copy of
        // ours until it execs (close-on-exec): that is EAGAIN, and passes.
        let mut tries = 0;
        loop {
            // SAFETY: fcntl on a descriptor we own.
            if unsafe { libc::fcntl(fd, libc::F_SETLEASE, libc::F_WRLCK) } == 0 {
                break;
            }
            let e = std::io::Error::last_os_error();
            tries += 1;
            if e.raw_os_error() != Some(libc::EAGAIN) || tries >= 500 {
                panic!(
                    "cannot take a lease on {}: {e} (leases need a local file system and \
                     /proc/sys/fs/leases-enable = 1)",
                    path.display(),
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // Taking a lease makes this process the target of SIGIO when the
        // lease is to be broken, and SIGIO's default action kills: no owner,
        // no signal.
        // SAFETY: as above.
        if unsafe { libc::fcntl(fd, libc::F_SETOWN, 0) } != 0 {
            panic!("F_SETOWN 0: {}", std::io::Error::last_os_error());
        }
        Unopenable { _file: file }
    }

    /// How long the kernel lets an open wait for a lease holder, at most.
    pub fn break_time() -> std::time::Duration {
        let secs = std::fs::read_to_string("/proc/sys/fs/lease-break-time")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(45);
        std::time::Duration::from_secs(secs)
    }
}

/// The names of the entries of a folder, sorted (to check that a run
/// left no temporary file behind).
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}
