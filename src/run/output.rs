//! The write stage: JSON Lines files that appear whole or not at all.
//!
//! Records and errors are written to a temporary file beside the target and
//! renamed over it only when the run finished: a failed or interrupted run
//! never leaves a half-written `records.jsonl` behind (the temporary file
//! is removed when the sink is dropped unfinished). `-` writes to stdout.
//! A directory target (`-o out/parts/`) is written as part files of at most
//! `--part-size` bytes, `part-00000.jsonl`, `part-00001.jsonl`, …, each
//! renamed into place when full, and `_SUCCESS` last, the way Spark and
//! Hadoop jobs leave their output, so warehouses can load parts in parallel.

use std::fs;
use std::io::{self, BufWriter, IoSlice, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use serde::Serialize;

use crate::error::Failure;
use crate::model::{DuplicateOf, Project};
use crate::run::gather::Gather;

/// Where a stream of lines goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stdout,
    /// Standard error (error lines when the records go to stdout).
    Stderr,
    File(PathBuf),
    /// Part files in a directory, each at most `part_size` bytes (a line
    /// longer than that gets a part of its own).
    Parts {
        dir: PathBuf,
        part_size: u64,
    },
}

impl Target {
    /// Whether two targets write the same place: the same stream, or
    /// paths that name one file however they are spelt (`d/x.jsonl` and
    /// `d/../d/x.jsonl`, a symlink): compared by device and inode when
    /// the file exists, by canonical folder and name when it does not yet.
    pub fn same_as(&self, other: &Target) -> bool {
        match (self, other) {
            (Target::File(a), Target::File(b)) => same_path(a, b),
            (Target::Parts { dir: a, .. }, Target::Parts { dir: b, .. }) => same_path(a, b),
            _ => self == other,
        }
    }

    /// `-` is stdout; a path ending in `/` or naming an existing directory
    /// is a directory of part files; anything else a file.
    pub fn from_arg(arg: &Path, part_size: u64) -> Target {
        let s = arg.as_os_str().to_string_lossy();
        if s == "-" {
            Target::Stdout
        } else if s.ends_with('/') || arg.is_dir() {
            Target::Parts {
                dir: arg.to_path_buf(),
                part_size,
            }
        } else {
            Target::File(arg.to_path_buf())
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Stdout => f.write_str("<stdout>"),
            Target::Stderr => f.write_str("<stderr>"),
            Target::File(p) => write!(f, "{}", p.display()),
            Target::Parts { dir, .. } => write!(f, "{}", dir.display()),
        }
    }
}

/// An open output: a temporary file to be renamed into place, part files,
/// stdout, or a special file (`/dev/null`, a FIFO) written directly:
/// renaming over a device would replace it with a regular file.
pub enum Sink {
    Stdout(BufWriter<io::Stdout>),
    Stderr(io::Stderr),
    Special(BufWriter<fs::File>),
    File {
        out: Gather<Durable>,
        target: PathBuf,
    },
    Parts(Parts),
}

/// A directory of part files being written.
pub struct Parts {
    dir: PathBuf,
    part_size: u64,
    /// The part being filled: its writer and size so far.
    current: Option<(Gather<Durable>, u64)>,
    /// Parts finished so far.
    done: usize,
}

/// An existing path that is not a regular file or folder: a device such as
/// `/dev/null` or `/dev/stdout`, a FIFO, a socket.
fn is_special(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Opens a temporary file beside `target` (same folder, so the final
/// rename is atomic), creating the folder when missing.
fn temp_beside(dir: &Path, name: &str) -> io::Result<Gather<Durable>> {
    fs::create_dir_all(dir)?;
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Temporary files are private (0600) by default; the output is for
    // loaders that may run as another user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o644));
    }
    let tmp = builder.tempfile_in(dir).map_err(bare)?;
    // Written a megabyte at a time: the page cache takes bigger writes
    // in bigger pieces (writing 450 MB took 0.17 s of system time in
    // 64 KiB writes, 0.13 s in 1 MiB ones).
    Ok(Gather::new(Durable::new(tmp, dir.join(name))))
}

/// Flushes, syncs and renames a finished temporary file into place.
fn persist(out: Gather<Durable>, target: &Path) -> io::Result<()> {
    let tmp = out.into_inner().map_err(bare)?.finish();
    tmp.as_file().sync_all().map_err(bare)?;
    tmp.persist(target).map_err(|e| bare(e.error))?;
    Ok(())
}

/// Bytes written to an output between two requests to write them to
/// disk in the background.
const SYNC_EVERY: u64 = 32 << 20;

/// A temporary output file whose bytes go to disk while the run goes
/// on: every [`SYNC_EVERY`] bytes a thread of its own syncs what was
/// written so far, so the sync before the final rename waits for the
/// last bytes only (syncing 450 MB at the end took 0.27 s of a 2.2 s
/// run). A background sync that fails is left to the final one, which
/// reports it.
///
/// The same thread first drops the file this one is to replace (the
/// previous run's output) from the page cache: its content stays as it
/// is until the rename, but the rename no longer frees its cached pages
/// at the end of the run, alone on one core (0.1 s for a 450 MB file in
/// the cache), and a big output does not crowd out the archive it reads.
pub struct Durable {
    file: tempfile::NamedTempFile,
    unsynced: u64,
    /// `None` when the thread could not be started (the final sync then
    /// does all the work, as before).
    syncer: Option<(mpsc::SyncSender<()>, std::thread::JoinHandle<()>)>,
}

impl Durable {
    /// A temporary file that is to replace `replaces` (which may not exist).
    fn new(file: tempfile::NamedTempFile, replaces: PathBuf) -> Durable {
        let syncer = file.as_file().try_clone().ok().and_then(|clone| {
            // One request waits at most: a sync that is running covers
            // the bytes of any request made meanwhile.
            let (tx, rx) = mpsc::sync_channel::<()>(1);
            std::thread::Builder::new()
                .name("jixiao-sync".into())
                .spawn(move || {
                    drop_from_cache(&replaces);
                    for () in rx {
                        let _ = clone.sync_data();
                    }
                })
                .ok()
                .map(|handle| (tx, handle))
        });
        Durable {
            file,
            unsynced: 0,
            syncer,
        }
    }

    /// Counts `n` bytes written; asks for a sync every [`SYNC_EVERY`].
    fn wrote(&mut self, n: usize) -> usize {
        self.unsynced += n as u64;
        if self.unsynced >= SYNC_EVERY
            && let Some((tx, _)) = &self.syncer
        {
            self.unsynced = 0;
            let _ = tx.try_send(());
        }
        n
    }

    /// The file, once the background syncs are done.
    fn finish(mut self) -> tempfile::NamedTempFile {
        if let Some((tx, handle)) = self.syncer.take() {
            drop(tx);
            let _ = handle.join();
        }
        self.file
    }
}

/// Asks the kernel to drop a regular file's cached pages (best effort:
/// a file that is missing, not regular or still being written keeps
/// them). Opened without blocking, in case it is now a FIFO.
fn drop_from_cache(path: &Path) {
    use rustix::fs::{Advice, Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    let Ok(fd) = rustix::fs::open(path, flags, Mode::empty()) else {
        return;
    };
    if rustix::fs::fstat(&fd).is_ok_and(|st| {
        rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::RegularFile
    }) {
        let _ = rustix::fs::fadvise(&fd, 0, None, Advice::DontNeed);
    }
}

impl Write for Durable {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        Ok(self.wrote(n))
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let n = self.file.write_vectored(bufs)?;
        Ok(self.wrote(n))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// The error without the temporary file's name that `tempfile` adds
/// (`… at path /out/.records.jsonl.TVXIA5.tmp`): the caller names the
/// path the user gave instead.
fn bare(e: io::Error) -> io::Error {
    let inner = e
        .get_ref()
        .and_then(|r| r.source())
        .and_then(|s| s.downcast_ref::<io::Error>())
        .and_then(io::Error::raw_os_error);
    match (e.raw_os_error().or(inner), e.get_ref()) {
        (Some(code), _) => io::Error::from_raw_os_error(code),
        (None, Some(wrapped)) => {
            let text = wrapped.to_string();
            match text.rsplit_once(" at path ") {
                Some((message, _)) => io::Error::new(e.kind(), message.to_string()),
                None => e,
            }
        }
        (None, None) => e,
    }
}

impl Parts {
    fn part_name(i: usize) -> String {
        format!("part-{i:05}.jsonl")
    }

    fn write_lines(&mut self, bytes: &[u8]) -> io::Result<()> {
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            let len = line.len() as u64;
            if let Some((_, size)) = &self.current
                && *size > 0
                && size + len > self.part_size
            {
                self.rotate()?;
            }
            if self.current.is_none() {
                self.current = Some((temp_beside(&self.dir, &Self::part_name(self.done))?, 0));
            }
            if let Some((out, size)) = self.current.as_mut() {
                out.write_all(line)?;
                *size += len;
            }
        }
        Ok(())
    }

    fn rotate(&mut self) -> io::Result<()> {
        if let Some((out, _)) = self.current.take() {
            persist(out, &self.dir.join(Self::part_name(self.done)))?;
            self.done += 1;
        }
        Ok(())
    }

    /// The last part, stale parts of an earlier, longer run removed, then
    /// `_SUCCESS`.
    fn finish(mut self) -> io::Result<()> {
        self.rotate()?;
        for entry in fs::read_dir(&self.dir)? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            let stale = name
                .strip_prefix("part-")
                .and_then(|n| n.strip_suffix(".jsonl"))
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n >= self.done);
            if stale {
                fs::remove_file(self.dir.join(&name))?;
            }
        }
        fs::write(self.dir.join("_SUCCESS"), b"")?;
        Ok(())
    }
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
            Target::Stderr => Ok(Sink::Stderr(io::stderr())),
            Target::File(path) if is_special(path) => Ok(Sink::Special(BufWriter::with_capacity(
                1 << 16,
                fs::OpenOptions::new().write(true).open(path)?,
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
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Ok(Sink::File {
                    out: temp_beside(&parent, &name)?,
                    target: path.clone(),
                })
            }
            Target::Parts { dir, part_size } => {
                fs::create_dir_all(dir)?;
                // No success marker while this run is writing.
                match fs::remove_file(dir.join("_SUCCESS")) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
                // Fail now, not at the first part, when the folder is not writable.
                drop(temp_beside(dir, "probe")?);
                Ok(Sink::Parts(Parts {
                    dir: dir.clone(),
                    part_size: (*part_size).max(1),
                    current: None,
                    done: 0,
                }))
            }
        }
    }

    /// Writes `bytes`, which a file output keeps as they are until they
    /// are written (no copy into a buffer).
    pub fn write_owned(&mut self, bytes: Vec<u8>) -> io::Result<()> {
        match self {
            Sink::File { out, .. } => out.push(bytes),
            _ => self.write_all(&bytes),
        }
    }

    pub fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.write_all(bytes),
            Sink::Stderr(w) => w.write_all(bytes),
            Sink::File { out, .. } => out.write_all(bytes),
            Sink::Special(out) => out.write_all(bytes),
            Sink::Parts(parts) => parts.write_lines(bytes),
        }
    }

    /// Flushes, syncs and renames the file into place.
    pub fn finish(self) -> io::Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush(),
            Sink::Stderr(mut w) => w.flush(),
            Sink::Special(mut w) => w.flush(),
            Sink::File { out, target } => persist(out, &target),
            Sink::Parts(parts) => parts.finish(),
        }
    }
}

/// What makes two records the same project: department, project name,
/// year and indicator table (levels, names, targets and blocks; not the
/// rows, which differ between containers). A 128-bit digest of them, so
/// the same project read from text, a workbook or a PDF has one key.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct ProjectKey(pub [u8; 16]);

impl ProjectKey {
    pub fn of(p: &Project) -> ProjectKey {
        // XXH3-128 (stable across runs, machines and versions of the
        // crate: the algorithm is specified) of the parts, each written
        // with its length or as absent, so that no two different projects
        // feed it the same bytes. The parts are gathered first and hashed
        // at once: the same digest as a hasher fed part by part, at a
        // fraction of the cost for a hundred small parts.
        let mut bytes: Vec<u8> = Vec::with_capacity(64 * (p.indicators.len() + 1));
        let mut part = |s: Option<&str>| match s {
            Some(s) => {
                bytes.extend_from_slice(&(s.len() as u64).to_le_bytes());
                bytes.extend_from_slice(s.as_bytes());
            }
            None => bytes.extend_from_slice(&[0xFF; 8]),
        };
        part(p.department.as_deref());
        part(p.project_name.as_deref());
        let year = p.year.map(|y| y.to_string());
        part(year.as_deref());
        for ind in &p.indicators {
            part(ind.level1.as_deref());
            part(ind.level2.as_deref());
            part(Some(&ind.level3));
            part(Some(&ind.target));
            part(ind.period.map(|p| p.as_str()));
        }
        ProjectKey(xxhash_rust::xxh3::xxh3_128(&bytes).to_le_bytes())
    }
}

/// The projects written so far, each with its first record, for
/// `duplicate_of`. The writer sees records in output order, so which one
/// is "first" does not depend on `--jobs`.
///
/// A project costs a map entry of its 16-byte key and two numbers: its
/// document (path, member and id prefix, kept once per document) and its
/// index there. The writer runs alone, so nothing is allocated per record.
/// The map hashes with Fx, not SipHash: its keys are already digests.
#[derive(Debug, Default)]
pub struct SeenProjects {
    first: rustc_hash::FxHashMap<ProjectKey, (u32, usize)>,
    documents: Vec<SeenDocument>,
}

/// Where a document's records are: enough to name one of them.
#[derive(Debug)]
struct SeenDocument {
    path: String,
    member: Option<String>,
    /// `record_id` without its `-index`.
    id_prefix: String,
}

impl SeenProjects {
    /// Starts a document whose records are about to be checked; its number.
    pub fn document(&mut self, path: &str, member: Option<&str>, record_id: &str) -> u32 {
        let id_prefix = record_id.rsplit_once('-').map_or(record_id, |(p, _)| p);
        self.documents.push(SeenDocument {
            path: path.to_string(),
            member: member.map(str::to_string),
            id_prefix: id_prefix.to_string(),
        });
        u32::try_from(self.documents.len() - 1).unwrap_or(u32::MAX)
    }

    /// Remembers record `index` of `document` for `key`; for a key seen
    /// before, its first record.
    pub fn check(&mut self, key: ProjectKey, document: u32, index: usize) -> Option<DuplicateOf> {
        use std::collections::hash_map::Entry;
        match self.first.entry(key) {
            Entry::Occupied(e) => {
                let (doc, index) = *e.get();
                let d = self.documents.get(doc as usize)?;
                Some(DuplicateOf {
                    record_id: format!("{}-{index}", d.id_prefix),
                    path: d.path.clone(),
                    member: d.member.clone(),
                    index,
                })
            }
            Entry::Vacant(e) => {
                e.insert((document, index));
                None
            }
        }
    }
}

/// The `"duplicate_of":null` of a line, set to `value` (the JSON of the
/// first record, or its id). The key comes before any text of the
/// source (after `source` in a record, before the indicator's keys in a
/// flat line), and a JSON string can hold `"` only escaped, so the first
/// match is the key.
pub fn with_duplicate_of(line: &[u8], value: &[u8]) -> Vec<u8> {
    const KEY: &[u8] = b",\"duplicate_of\":null";
    match memchr::memmem::find(line, KEY) {
        Some(at) => {
            let null = at + KEY.len() - 4;
            let mut out = Vec::with_capacity(line.len() + value.len());
            out.extend_from_slice(&line[..null]);
            out.extend_from_slice(value);
            out.extend_from_slice(&line[null + 4..]);
            out
        }
        None => line.to_vec(),
    }
}

/// One line of `errors.jsonl`.
#[derive(Debug, Serialize)]
pub struct ErrorLine<'a> {
    pub path: &'a str,
    pub member: Option<&'a str>,
    pub stage: &'a str,
    pub code: &'a str,
    pub message: &'a str,
}

impl<'a> ErrorLine<'a> {
    pub fn new(path: &'a str, member: Option<&'a str>, err: &'a Failure) -> ErrorLine<'a> {
        ErrorLine {
            path,
            member,
            stage: &err.stage,
            code: &err.code,
            message: &err.message,
        }
    }

    pub fn to_line(&self) -> Vec<u8> {
        // Serialising a struct of strings cannot fail.
        let mut v = serde_json::to_vec(self).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

/// Whether two paths name the same file or folder (see [`Target::same_as`]).
fn same_path(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        return (x.dev(), x.ino()) == (y.dev(), y.ino());
    }
    let canonical = |p: &Path| -> Option<PathBuf> {
        let parent = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        Some(std::fs::canonicalize(parent).ok()?.join(p.file_name()?))
    };
    match (canonical(a), canonical(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::from_arg(&dir.path().join("sub/records.jsonl"), 1 << 20);
        let mut sink = Sink::create(&target).unwrap();
        sink.write_all(b"{}\n").unwrap();
        assert!(!dir.path().join("sub/records.jsonl").exists());
        sink.finish().unwrap();
        assert_eq!(
            fs::read(dir.path().join("sub/records.jsonl")).unwrap(),
            b"{}\n"
        );
        assert_eq!(fs::read_dir(dir.path().join("sub")).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("sub/records.jsonl"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(
                mode & 0o044,
                0o044,
                "readable by group and others: {mode:o}"
            );
        }
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
    fn parts_are_cut_at_line_boundaries_and_marked_done() {
        let dir = tempfile::tempdir().unwrap();
        let parts = dir.path().join("parts");
        std::fs::create_dir(&parts).unwrap();
        std::fs::write(parts.join("part-00009.jsonl"), "stale\n").unwrap();
        std::fs::write(parts.join("_SUCCESS"), "").unwrap();
        let mut sink = Sink::create(&Target::from_arg(&parts, 10)).unwrap();
        assert!(!parts.join("_SUCCESS").exists(), "no marker while writing");
        sink.write_all(b"aaaa\nbbbb\n").unwrap();
        sink.write_all(b"cccccccccccccc\nd\n").unwrap();
        sink.finish().unwrap();
        let mut names: Vec<String> = fs::read_dir(&parts)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "_SUCCESS",
                "part-00000.jsonl",
                "part-00001.jsonl",
                "part-00002.jsonl"
            ]
        );
        assert_eq!(
            fs::read(parts.join("part-00000.jsonl")).unwrap(),
            b"aaaa\nbbbb\n"
        );
        assert_eq!(
            fs::read(parts.join("part-00001.jsonl")).unwrap(),
            b"cccccccccccccc\n"
        );
        assert_eq!(fs::read(parts.join("part-00002.jsonl")).unwrap(), b"d\n");
    }

    #[test]
    fn a_device_is_written_not_replaced() {
        let mut sink = Sink::create(&Target::File("/dev/null".into())).unwrap();
        sink.write_all(b"x\n").unwrap();
        sink.finish().unwrap();
        let meta = fs::metadata("/dev/null").unwrap();
        assert!(!meta.is_file(), "/dev/null is still a device");
    }

    #[test]
    fn the_file_to_replace_keeps_its_bytes_until_the_rename() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records.jsonl");
        fs::write(&path, b"old\n").unwrap();
        let mut sink = Sink::create(&Target::File(path.clone())).unwrap();
        sink.write_all(b"new\n").unwrap();
        // whether or not the sync thread has dropped it from the cache
        // yet, its bytes are the old ones
        assert_eq!(fs::read(&path).unwrap(), b"old\n");
        sink.finish().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new\n");
    }

    #[test]
    fn dropping_a_fifo_from_the_cache_does_not_wait_for_a_writer() {
        use rustix::fs::{CWD, FileType, Mode, mknodat};
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        mknodat(CWD, &fifo, FileType::Fifo, Mode::from_raw_mode(0o600), 0).unwrap();
        // opening a FIFO to read without O_NONBLOCK would block here
        // until a writer came, and the test would never end
        drop_from_cache(&fifo);
        drop_from_cache(&dir.path().join("missing"));
    }

    #[test]
    fn unwritable_target_fails_at_create() {
        assert!(Sink::create(&Target::File("/proc/nope/records.jsonl".into())).is_err());
        let dir = tempfile::tempdir().unwrap();
        assert!(Sink::create(&Target::File(dir.path().to_path_buf())).is_err());
        assert!(matches!(
            Target::from_arg(dir.path(), 1),
            Target::Parts { .. }
        ));
        assert_eq!(Target::from_arg(Path::new("-"), 1), Target::Stdout);
    }

    #[test]
    fn duplicate_of_is_set_in_place() {
        let line = b"{\"a\":\"x\\\",\\\"duplicate_of\\\":null\",\"duplicate_of\":null,\"b\":1}\n";
        let out = with_duplicate_of(line, b"\"id-0\"");
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["duplicate_of"], "id-0");
        assert_eq!(v["a"], "x\",\"duplicate_of\":null");
    }

    #[test]
    fn the_second_record_of_a_project_names_the_first() {
        let p = Project {
            department: Some("甲".into()),
            project_name: Some("A".into()),
            year: Some(2020),
            ..Project::default()
        };
        let key = ProjectKey::of(&p);
        let mut seen = SeenProjects::default();
        let a = seen.document("a.txt", None, "aaaa-0");
        assert!(seen.check(key, a, 0).is_none());
        let b = seen.document("b.zip", Some("m.txt"), "bbbb-0");
        let d = seen.check(key, b, 0).expect("a duplicate");
        assert_eq!(
            (d.record_id.as_str(), d.path.as_str(), d.member, d.index),
            ("aaaa-0", "a.txt", None, 0)
        );
        let other = ProjectKey::of(&Project {
            year: Some(2021),
            ..p.clone()
        });
        assert!(seen.check(other, b, 1).is_none());
        // a different indicator table is a different project
        let mut q = p.clone();
        q.indicators.push(crate::model::Indicator {
            level1: None,
            level2: Some("数量".into()),
            level3: "x".into(),
            target: "1".into(),
            op: None,
            value: None,
            value_max: None,
            unit: None,
            kind: crate::model::Kind::Qualitative,
            category: None,
            period: None,
            core: false,
            weight: None,
            extra: Vec::new(),
            row: 1,
        });
        assert_ne!(ProjectKey::of(&q), key);
        q.indicators[0].row = 99;
        let r = q.clone();
        assert_eq!(ProjectKey::of(&r), ProjectKey::of(&q));
        // the key is the digest of the parts as a hasher fed one at a
        // time gives it: length-prefixed, 0xFF×8 for an absent one
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for part in [
            Some("甲"),
            Some("A"),
            Some("2020"),
            None,
            Some("数量"),
            Some("x"),
        ] {
            match part {
                Some(s) => {
                    h.update(&(s.len() as u64).to_le_bytes());
                    h.update(s.as_bytes());
                }
                None => h.update(&[0xFF; 8]),
            }
        }
        h.update(&1u64.to_le_bytes());
        h.update(b"1");
        h.update(&[0xFF; 8]);
        assert_eq!(ProjectKey::of(&q).0, h.digest128().to_le_bytes());
    }

    #[test]
    fn error_lines_have_the_contract_keys() {
        let line = ErrorLine::new(
            "a/b.txt",
            None,
            &Failure::from(crate::error::DocError::NoProjects { read_as: None }),
        )
        .to_line();
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

    #[test]
    fn two_spellings_of_one_file_are_the_same_target() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path().join("d");
        std::fs::create_dir(&d).expect("mkdir");
        let a = Target::File(d.join("x.jsonl"));
        let b = Target::File(d.join("..").join("d").join("x.jsonl"));
        assert!(a.same_as(&b), "not yet written");
        std::fs::write(d.join("x.jsonl"), "").expect("write");
        assert!(a.same_as(&b), "written");
        assert!(!a.same_as(&Target::File(d.join("y.jsonl"))));
        assert!(Target::Stdout.same_as(&Target::Stdout));
        assert!(!Target::Stdout.same_as(&a));
    }
}
