//! The write stage: JSON Lines files that appear whole or not at all.
//!
//! Records and errors are written to a temporary file beside the target and
//! renamed over it only when the run finished: a failed or interrupted run
//! never leaves a half-written `records.jsonl` behind (the temporary file
//! is removed when the sink is dropped unfinished). `-` writes to stdout.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::DocError;

/// Where a stream of lines goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stdout,
    File(PathBuf),
}

impl Target {
    pub fn from_arg(arg: &Path) -> Target {
        if arg.as_os_str() == "-" {
            Target::Stdout
        } else {
            Target::File(arg.to_path_buf())
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Stdout => f.write_str("<stdout>"),
            Target::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// An open output: a temporary file to be renamed into place, or stdout.
pub enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File {
        out: BufWriter<tempfile::NamedTempFile>,
        target: PathBuf,
    },
}

impl Sink {
    /// Opens the sink; creates the parent folder when missing. Fails early
    /// (before any work) when the target cannot be written.
    pub fn create(target: &Target) -> io::Result<Sink> {
        match target {
            Target::Stdout => Ok(Sink::Stdout(BufWriter::with_capacity(
                1 << 16,
                io::stdout(),
            ))),
            Target::File(path) => {
                if path.is_dir() {
                    return Err(io::Error::new(
                        io::ErrorKind::IsADirectory,
                        "is a directory",
                    ));
                }
                let parent = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                fs::create_dir_all(&parent)?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let tmp = tempfile::Builder::new()
                    .prefix(&format!(".{name}."))
                    .suffix(".tmp")
                    .tempfile_in(&parent)?;
                Ok(Sink::File {
                    out: BufWriter::with_capacity(1 << 16, tmp),
                    target: path.clone(),
                })
            }
        }
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.write_all(bytes),
            Sink::File { out, .. } => out.write_all(bytes),
        }
    }

    /// Flushes, syncs and renames the file into place.
    pub fn finish(self) -> io::Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush(),
            Sink::File { out, target } => {
                let tmp = out.into_inner().map_err(|e| e.into_error())?;
                tmp.as_file().sync_all()?;
                tmp.persist(&target).map_err(|e| e.error)?;
                Ok(())
            }
        }
    }
}

/// One line of `errors.jsonl`.
#[derive(Debug, Serialize)]
pub struct ErrorLine<'a> {
    pub path: &'a str,
    pub member: Option<&'a str>,
    pub stage: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl<'a> ErrorLine<'a> {
    pub fn new(path: &'a str, member: Option<&'a str>, err: &DocError) -> ErrorLine<'a> {
        ErrorLine {
            path,
            member,
            stage: err.stage(),
            code: err.code(),
            message: err.to_string(),
        }
    }

    pub fn to_line(&self) -> Vec<u8> {
        // Serialising a struct of strings cannot fail.
        let mut v = serde_json::to_vec(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::File(dir.path().join("sub/records.jsonl"));
        let mut sink = Sink::create(&target).unwrap();
        sink.write_all(b"{}\n").unwrap();
        assert!(!dir.path().join("sub/records.jsonl").exists());
        sink.finish().unwrap();
        assert_eq!(
            fs::read(dir.path().join("sub/records.jsonl")).unwrap(),
            b"{}\n"
        );
        assert_eq!(fs::read_dir(dir.path().join("sub")).unwrap().count(), 1);
    }

    #[test]
    fn dropped_sink_leaves_previous_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        fs::write(&path, "old\n").unwrap();
        let mut sink = Sink::create(&Target::File(path.clone())).unwrap();
        sink.write_all(b"new\n").unwrap();
        drop(sink);
        assert_eq!(fs::read(&path).unwrap(), b"old\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn unwritable_target_fails_at_create() {
        assert!(Sink::create(&Target::File("/proc/nope/records.jsonl".into())).is_err());
        let dir = tempfile::tempdir().unwrap();
        assert!(Sink::create(&Target::File(dir.path().to_path_buf())).is_err());
    }

    #[test]
    fn error_lines_have_the_contract_keys() {
        let line = ErrorLine::new("a/b.txt", None, &DocError::NoProjects).to_line();
        let v: serde_json::Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(v["path"], "a/b.txt");
        assert_eq!(v["member"], serde_json::Value::Null);
        assert_eq!(v["stage"], "split");
        assert_eq!(v["code"], "no_projects");
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains("no performance target table")
        );
    }
}
