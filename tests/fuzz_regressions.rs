//! The fuzzers' saved inputs, replayed without the fuzzer.
//!
//! Every file under `fuzz/regressions/<target>/` (inputs that crashed a fuzz
//! target once, and small inputs that reach code the seeds do not) goes
//! through the same function, with the same assertions, as the fuzz target
//! `<target>` does: the checks live in `fuzz/src/lib.rs`, included here.
//! A finding is fixed in `src/` before its input is saved here, so every
//! input must pass. See `fuzz/README.md`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use crate::util::root;

#[path = "../fuzz/src/lib.rs"]
pub mod checks;

/// A fuzz target's check: panics when a property fails.
type Check = fn(&[u8]);

/// Each fuzz target and the check it runs.
const TARGETS: [(&str, Check); 7] = [
    ("text_path", checks::text_path),
    ("target_normaliser", checks::target_normaliser),
    ("html_strip", checks::html_strip),
    ("sheet_reader", checks::sheet_reader),
    ("docx_reader", checks::docx_reader),
    ("worker_protocol", checks::worker_protocol),
    ("pdf_reader", checks::pdf_reader),
];

/// Runs `check` on a saved input; the panic message when it fails.
fn run(check: Check, file: &std::path::Path) -> Result<(), String> {
    let data = std::fs::read(file).expect("read a regression input");
    catch_unwind(AssertUnwindSafe(|| check(&data))).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

/// Saved inputs of a target, sorted (files whose name starts with `.` and
/// `README*` are not inputs).
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = root().join("fuzz").join("regressions").join(target);
    assert!(
        dir.is_dir(),
        "{} is missing: every fuzz target keeps its regressions there",
        dir.display()
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            p.is_file() && !name.starts_with('.') && !name.starts_with("README")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_fuzz_regression_input_passes_its_target_checks() {
    let mut failures = Vec::new();
    for (target, check) in TARGETS {
        let files = inputs(target);
        assert!(
            files.len() >= 2,
            "fuzz/regressions/{target}/ holds {} inputs; keep at least 2",
            files.len()
        );
        for file in files {
            if let Err(message) = run(check, &file) {
                failures.push(format!("{target}: {}: {message}", file.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz regression inputs fail their target's checks:\n{}",
        failures.join("\n")
    );
}
