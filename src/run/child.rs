//! A worker process: the hidden `jixiao worker` command, started by the
//! run ([`crate::run::isolate`]). It sets its own memory limit, then
//! answers requests on standard input, one document after another, until the
//! input ends.
//!
//! Whatever a document does to this process (an allocation past the
//! limit aborts it, a stack overflow kills it, an endless loop gets it
//! killed) costs that document alone: the run writes its error line and
//! starts another worker.

use std::io::{self, BufReader, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::run::config::Settings;
use crate::run::gather::Gather;
use crate::run::job::{self, Ctx};
use crate::run::protocol::{self, Hello, ProtocolError, Request, Source};
use crate::run::writer::Done;
use crate::source::Input;

/// Why a worker stopped before its input ended.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error("worker protocol: {0}")]
    Protocol(#[from] ProtocolError),
    #[error("worker protocol: no hello before the first request")]
    NoHello,
    #[error("cannot set the memory limit: {0}")]
    Limit(io::Error),
    #[error("cannot answer: {0}")]
    Write(#[from] io::Error),
}

/// A worker flushes its answers when it has no request left to read, or
/// when this long has passed since it last flushed: answers to small
/// documents go to the run a batch at a time (a wake-up of the run per
/// document costs as much as the document), and an answer never waits
/// much longer than its own document took.
const FLUSH_AFTER: Duration = Duration::from_millis(25);

/// Serves requests from `input` until it ends; replies go to `output`.
pub fn serve(input: impl io::Read, output: impl Write) -> Result<(), WorkerError> {
    let mut input = BufReader::with_capacity(1 << 16, input);
    // Answers wait here, as made (each document's lines in a buffer of
    // their own), until they are flushed in vectored writes.
    let mut output = Gather::new(output);
    let Some(hello) = protocol::read_frame(&mut input, 0)? else {
        return Ok(()); // the run ended before it needed this worker
    };
    let hello: Hello = protocol::decode(&hello.header)?;
    set_memory_limit(hello.max_memory).map_err(WorkerError::Limit)?;
    // If the run dies (SIGKILL, a crash), its workers die with it rather
    // than finish a document nobody will read.
    let _ = rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
    // Where this worker says which request it is on (see `Progress`).
    let progress = hello.progress.as_deref().and_then(Progress::open);
    let settings = hello.settings;
    // A document's bytes are at most --max-file-size (standard input) or
    // --max-member-size (a zip member).
    let max_blob = settings.max_file_size.max(settings.zip.max_member_size);
    let mut started: u64 = 0;
    let mut flushed = Instant::now();
    while let Some(frame) = protocol::read_frame(&mut input, max_blob)? {
        let request: Request = protocol::decode(&frame.header)?;
        started += 1;
        if let Some(p) = &progress {
            p.set(started);
        }
        let dones = answer(request, frame.blob, &settings);
        let (head, blob) = protocol::reply_frame(dones)?;
        output.push(head)?;
        output.push(blob)?;
        if input.buffer().is_empty() || flushed.elapsed() >= FLUSH_AFTER {
            output.flush()?;
            flushed = Instant::now();
        }
    }
    output.flush()?;
    Ok(())
}

/// The count of requests this worker has started, kept in a file the run
/// made for it (8 bytes, little-endian, written in place: a system call
/// that wakes nobody). When a worker dies or is killed with several
/// answers not yet sent, the run reads it to tell which document the
/// worker was on: that one gets the error line, the others are read again.
struct Progress(std::fs::File);

impl Progress {
    fn open(path: &std::path::Path) -> Option<Progress> {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .ok()
            .map(Progress)
    }

    fn set(&self, started: u64) {
        use std::os::unix::fs::FileExt as _;
        let _ = self.0.write_at(&started.to_le_bytes(), 0);
    }
}

/// The standard streams of this process, for [`serve`]: SIGINT and
/// SIGTERM are left to the run (a Ctrl-C reaches the whole process group;
/// the run decides, and ends its workers by closing their input).
pub fn serve_stdio() -> Result<(), WorkerError> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let ignored = Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM] {
        // Registering a handler replaces the default action (exit).
        signal_hook::flag::register(signal, Arc::clone(&ignored)).map_err(WorkerError::Write)?;
    }
    // A pipe that holds a batch of answers: the worker writes them at
    // once, and the run reads them at once (best effort: the default size
    // only costs more wake-ups).
    let _ = rustix::pipe::fcntl_setpipe_size(io::stdout(), 1 << 20);
    // The pipe itself, not the line-buffered `Stdout`: answers go in
    // vectored writes of whole frames.
    use std::os::fd::AsFd as _;
    let stdout = std::fs::File::from(io::stdout().as_fd().try_clone_to_owned()?);
    serve(io::stdin().lock(), stdout)
}

/// One request's jobs, run as the run's own threads would run them.
fn answer(request: Request, blob: Vec<u8>, settings: &Settings) -> Vec<Done> {
    match request.source {
        Source::Path => {
            let input = Arc::new(Input {
                path: path_of(blob),
                display: request.display,
                format: request.format,
                problem: None,
                skipped: None,
            });
            let ctx = Ctx {
                settings,
                stdin: None,
            };
            job::file(&input, &ctx)
        }
        Source::Bytes { counted } => {
            let started = std::time::Instant::now();
            let format = request.format.sniff(&blob);
            let mut done =
                job::extracted(&request.display, request.member, format, &blob, settings);
            if counted {
                done.bytes = blob.len() as u64;
            }
            done.ms = job::elapsed_ms(started);
            vec![done]
        }
    }
}

/// A path from its bytes (any bytes: a path need not be UTF-8).
fn path_of(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt as _;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

/// Caps this process's address space (`RLIMIT_AS`): an allocation past it
/// fails, and Rust aborts the process with "memory allocation of N bytes
/// failed", which the run reports as `out_of_memory`.
fn set_memory_limit(bytes: u64) -> io::Result<()> {
    use rustix::process::{Resource, Rlimit, setrlimit};
    if bytes == 0 {
        return Ok(());
    }
    let limit = Rlimit {
        current: Some(bytes),
        maximum: Some(bytes),
    };
    setrlimit(Resource::As, limit).map_err(io::Error::from)
}
