//! Worker processes: where documents are parsed by default.
//!
//! In-process checks bound what a document may make the readers build,
//! but an allocation failure aborts a Rust process (`catch_unwind` cannot
//! stop it), a stack overflow kills it, and nothing can interrupt a
//! thread stuck in a slow path. So, as Apache Tika runs its parsers in a
//! forked JVM, each of the run's threads owns one worker process (the
//! same binary, `jixiao worker`; [`crate::run::child`]) under an
//! address-space limit (`--max-memory`), sends it a batch of documents
//! and waits at most `--timeout` for each answer ([`crate::run::protocol`]).
//! A worker that aborts, is killed, or passes the deadline (it is then
//! killed at once, so it stops using CPU and memory) costs exactly the
//! document it held: one error line (`crashed`, `out_of_memory`,
//! `timeout`), and the next document gets a fresh worker.
//!
//! Wake-ups, not bytes, are what a small document costs here (on a
//! virtual machine each is an interrupt between processors): a worker
//! flushes its answers when its input is drained or every 25 ms, its
//! reader thread hands the run's thread all the answers of one read at
//! once, and so a batch of small documents costs a few wake-ups, not a
//! few per document. A worker that fails with answers not yet flushed
//! says which document it was on (a counter in a file of its own, see
//! [`Worker::started`]): that document gets the error line, and those
//! before it whose answers were lost are read again.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::Failure;
use crate::run::config::{Isolation, Settings};
use crate::run::protocol::{self, Frame, Hello, ProtocolError, Request};
use crate::run::writer::Done;

/// glibc's allocator keeps 7 freed chunks of each small size per thread
/// by default; a document frees hundreds of small strings at once, which
/// then go through its slower bins and consolidation. A worker (one
/// thread, one document at a time) keeps up to 500 of each size instead,
/// ready for the next document: 13% less CPU on the text benchmark, for at
/// most about 30 MB of kept chunks (64 sizes up to 1 KiB). Only set when
/// the user has not set `GLIBC_TUNABLES`; other C libraries ignore it.
const WORKER_MALLOC_TUNABLES: &str = "glibc.malloc.tcache_count=500";

/// The last lines of a worker's stderr kept to explain its end.
const STDERR_TAIL: usize = 16;

/// What a crashed worker's stderr says when an allocation failed (Rust's
/// default allocation-error handler, which then aborts).
const ALLOCATION_FAILED: &str = "memory allocation of ";

/// The idle workers of a run, and how to start more: at most one per
/// thread of the run is ever alive, since a thread takes one for each
/// document and gives it back when the document is done.
pub(crate) struct Workers {
    spec: Isolation,
    /// What every worker is told first (with its own progress file).
    hello: Hello,
    timeout: Option<Duration>,
    /// A reply may hold the whole output of a document.
    max_reply: u64,
    idle: Mutex<Vec<Worker>>,
}

/// Why a worker gave no answer: the document's error line.
#[derive(Debug)]
pub(crate) enum Lost {
    /// Past the deadline: the worker was killed.
    Timeout(Duration),
    /// The worker ran out of its address space (`--max-memory`).
    OutOfMemory(String),
    /// The worker died, or said something that is not the protocol.
    Crashed(String),
}

impl Lost {
    /// The error line of the document the worker held.
    pub(crate) fn failure(&self, max_memory: u64) -> Failure {
        let (code, message) = match self {
            Lost::Timeout(budget) => (
                "timeout",
                format!(
                    "not finished within the time budget of {} (--timeout); its worker process was killed",
                    humantime::format_duration(*budget)
                ),
            ),
            Lost::OutOfMemory(detail) => (
                "out_of_memory",
                format!(
                    "the worker process went over its memory limit of {} (--max-memory) and was stopped: {detail}",
                    bytesize::ByteSize::b(max_memory).display().iec()
                ),
            ),
            Lost::Crashed(detail) => ("crashed", format!("the worker process {detail}")),
        };
        Failure {
            stage: Cow::Borrowed("parse"),
            code: Cow::Borrowed(code),
            message,
        }
    }
}

impl Workers {
    pub(crate) fn new(spec: Isolation, settings: Settings, timeout: Option<Duration>) -> Workers {
        let hello = Hello {
            settings,
            max_memory: spec.max_memory,
            progress: None,
        };
        // What one document may write: bounded by the worker's memory.
        let max_reply = spec.max_memory.max(1 << 30).saturating_mul(2);
        Workers {
            spec,
            hello,
            timeout,
            max_reply,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Starts one worker now, so that a worker that cannot start at all
    /// (a missing program) stops the run before it begins.
    pub(crate) fn check(&self) -> io::Result<()> {
        let worker = Worker::spawn(&self.spec, &self.hello, self.max_reply)?;
        self.give_back(worker);
        Ok(())
    }

    pub(crate) fn max_memory(&self) -> u64 {
        self.spec.max_memory
    }

    /// Runs requests in an idle worker (or a new one), in order, each
    /// within the deadline: all are sent at once, so the worker goes from
    /// one document to the next without waiting for the run (a round trip
    /// per document costs more than a small document's parsing). A worker
    /// that fails is killed and not given back; the document it held gets
    /// its [`Lost`], and the requests not answered go to a fresh worker.
    /// Requests should be small (paths): they are written before any
    /// answer is read.
    pub(crate) fn run_all(&self, requests: &[(&Request, &[u8])]) -> Vec<Result<Vec<Done>, Lost>> {
        let mut slots: Vec<Option<Result<Vec<Done>, Lost>>> =
            requests.iter().map(|_| None).collect();
        loop {
            let todo: Vec<usize> = (0..slots.len()).filter(|&i| slots[i].is_none()).collect();
            let Some(&first) = todo.first() else { break };
            let taken = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let mut worker = match taken.map_or_else(
                || Worker::spawn(&self.spec, &self.hello, self.max_reply),
                Ok,
            ) {
                Ok(w) => w,
                Err(e) => {
                    slots[first] = Some(Err(Lost::Crashed(format!("could not be started: {e}"))));
                    continue;
                }
            };
            let before = worker.sent;
            let mut sent = 0;
            for &i in &todo {
                let (request, blob) = requests[i];
                if worker
                    .send(&protocol::request_frame(request), blob)
                    .is_err()
                {
                    break; // it died: what it was sent is answered or lost below
                }
                sent += 1;
            }
            if sent == 0 {
                slots[first] = Some(Err(worker.ended()));
                continue;
            }
            // A worker that died meanwhile: its answers, or its end, are
            // read below.
            let _ = worker.flush();
            let mut healthy = true;
            for k in 0..sent {
                match worker.receive(self.timeout) {
                    Ok(dones) => slots[todo[k]] = Some(Ok(dones)),
                    Err(lost) => {
                        // The worker may have finished a few documents
                        // after the last answer it sent: the one it was on
                        // gets the error line, those are read again.
                        let on = worker
                            .started()
                            .and_then(|n| n.checked_sub(before + 1))
                            .and_then(|at| usize::try_from(at).ok())
                            .filter(|&at| at >= k && at < sent)
                            .unwrap_or(k);
                        slots[todo[on]] = Some(Err(lost));
                        healthy = false;
                        break;
                    }
                }
            }
            if healthy {
                self.give_back(worker);
            }
        }
        slots
            .into_iter()
            .map(|s| s.unwrap_or_else(|| Err(Lost::Crashed("gave no answer".into()))))
            .collect()
    }

    /// Runs one request (see [`Workers::run_all`]).
    pub(crate) fn run(&self, request: &Request, blob: &[u8]) -> Result<Vec<Done>, Lost> {
        let mut results = self.run_all(&[(request, blob)]);
        results
            .pop()
            .unwrap_or_else(|| Err(Lost::Crashed("gave no answer".into())))
    }

    fn give_back(&self, worker: Worker) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(worker);
    }
}

/// One worker process, its pipes, and the threads that read its output.
struct Worker {
    child: Child,
    /// Buffered: a batch of requests, three writes each, makes one system
    /// call when flushed.
    stdin: Option<BufWriter<ChildStdin>>,
    replies: Receiver<Vec<Result<Frame, ProtocolError>>>,
    /// Answers received and not yet taken, oldest first.
    received: VecDeque<Result<Frame, ProtocolError>>,
    stderr: Arc<Mutex<VecDeque<String>>>,
    stderr_reader: Option<JoinHandle<()>>,
    /// Where the worker counts the requests it has started (`None` if the
    /// file could not be made: an error is then blamed on the first
    /// request not answered).
    progress: Option<tempfile::NamedTempFile>,
    /// Requests sent to it so far.
    sent: u64,
}

impl Worker {
    fn spawn(spec: &Isolation, hello: &Hello, max_reply: u64) -> io::Result<Worker> {
        let progress = tempfile::Builder::new()
            .prefix(".jixiao-worker-")
            .tempfile()
            .ok();
        let hello = Hello {
            progress: progress.as_ref().map(|p| p.path().to_path_buf()),
            ..hello.clone()
        };
        // Plain data: serialising cannot fail.
        let hello = protocol::encode(&hello).unwrap_or_default();
        let mut command = Command::new(&spec.program);
        command.args(&spec.args);
        if cfg!(all(target_os = "linux", target_env = "gnu"))
            && std::env::var_os("GLIBC_TUNABLES").is_none()
        {
            command.env("GLIBC_TUNABLES", WORKER_MALLOC_TUNABLES);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (stdin, stdout, stderr) =
            match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
                (Some(i), Some(o), Some(e)) => (i, o, e),
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(io::Error::other("the worker's pipes were not opened"));
                }
            };
        let (tx, replies) = mpsc::sync_channel(1);
        // A reply of a document is read as soon as it is written, so the
        // worker never blocks on a full pipe while the deadline runs. The
        // answers a worker flushed together go to the run's thread in one
        // message: a wake-up per answer would cost more than a small
        // document. (Not joined: it ends when the worker's output does.)
        std::thread::spawn(move || {
            let mut out = BufReader::with_capacity(1 << 20, stdout);
            loop {
                let mut frames = Vec::new();
                let end = loop {
                    let frame = protocol::read_frame(&mut out, max_reply);
                    let end = !matches!(frame, Ok(Some(_)));
                    frames.push(match frame {
                        Ok(Some(f)) => Ok(f),
                        Ok(None) => Err(ProtocolError::Truncated),
                        Err(e) => Err(e),
                    });
                    if end || out.buffer().is_empty() {
                        break end;
                    }
                };
                if tx.send(frames).is_err() || end {
                    return;
                }
            }
        });
        let tail = Arc::new(Mutex::new(VecDeque::with_capacity(STDERR_TAIL)));
        let kept = Arc::clone(&tail);
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                // Kept, not printed: what matters of it (a panic's message,
                // an allocation failure) is in the document's error line.
                let Ok(line) = line else { return };
                let mut tail = kept.lock().unwrap_or_else(PoisonError::into_inner);
                if tail.len() == STDERR_TAIL {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        });
        let mut worker = Worker {
            child,
            stdin: Some(BufWriter::with_capacity(1 << 16, stdin)),
            replies,
            received: VecDeque::new(),
            stderr: tail,
            stderr_reader: Some(stderr_reader),
            progress,
            sent: 0,
        };
        // The hello is no request: `sent` counts requests only.
        if let Some(stdin) = worker.stdin.as_mut() {
            protocol::write_frame(stdin, &hello, &[])?;
        }
        worker.flush()?;
        Ok(worker)
    }

    /// Writes a request (buffered: see [`Worker::flush`]).
    fn send(&mut self, header: &[u8], blob: &[u8]) -> io::Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| io::Error::from(io::ErrorKind::BrokenPipe))?;
        protocol::write_frame(stdin, header, blob)?;
        self.sent += 1;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stdin
            .as_mut()
            .ok_or_else(|| io::Error::from(io::ErrorKind::BrokenPipe))?
            .flush()
    }

    /// How many requests the worker says it has started.
    fn started(&self) -> Option<u64> {
        use std::os::unix::fs::FileExt as _;
        let mut count = [0u8; 8];
        let file = self.progress.as_ref()?.as_file();
        file.read_exact_at(&mut count, 0).ok()?;
        Some(u64::from_le_bytes(count))
    }

    /// Waits for the answer to the oldest request not yet answered, at
    /// most `timeout` from now (the worker starts on it when it has
    /// answered the one before).
    fn receive(&mut self, timeout: Option<Duration>) -> Result<Vec<Done>, Lost> {
        if self.received.is_empty() {
            let frames = match timeout {
                Some(budget) => match self.replies.recv_timeout(budget) {
                    Ok(r) => r,
                    Err(RecvTimeoutError::Timeout) => {
                        self.kill();
                        return Err(Lost::Timeout(budget));
                    }
                    Err(RecvTimeoutError::Disconnected) => return Err(self.ended()),
                },
                None => match self.replies.recv() {
                    Ok(r) => r,
                    Err(_) => return Err(self.ended()),
                },
            };
            self.received.extend(frames);
        }
        let Some(reply) = self.received.pop_front() else {
            return Err(self.ended());
        };
        let frame = match reply {
            Ok(frame) => frame,
            Err(ProtocolError::Truncated) => return Err(self.ended()),
            Err(e) => {
                self.kill();
                return Err(Lost::Crashed(format!("broke the protocol: {e}")));
            }
        };
        protocol::parse_reply(frame).map_err(|e| {
            self.kill();
            Lost::Crashed(format!("broke the protocol: {e}"))
        })
    }

    /// Kills the worker and waits for it (it stops using CPU and memory
    /// now, whatever it was doing).
    fn kill(&mut self) {
        // killed first: dropping the input flushes it, which must not wait
        // on a worker that reads nothing
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stdin = None;
    }

    /// Why a worker that stopped answering ended: its exit status and
    /// the last words on its stderr.
    fn ended(&mut self) -> Lost {
        self.stdin = None;
        let status = self.child.wait();
        // Its stderr ends with it: read it to the end.
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        let tail: Vec<String> = self
            .stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect();
        diagnose(status, &tail)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // An idle worker or a busy one: killed, then its input closed (see
        // `kill`); the run has no more use for it.
        self.kill();
    }
}

/// What a worker's exit status and its stderr say about its end.
fn diagnose(status: io::Result<ExitStatus>, stderr: &[String]) -> Lost {
    use std::os::unix::process::ExitStatusExt as _;
    let status = match status {
        Ok(s) => s,
        Err(e) => return Lost::Crashed(format!("ended, and its status is unknown: {e}")),
    };
    if let Some(line) = stderr
        .iter()
        .rev()
        .find(|l| l.starts_with(ALLOCATION_FAILED))
    {
        return Lost::OutOfMemory(line.clone());
    }
    let last = stderr
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| format!(": {}", l.trim()))
        .unwrap_or_default();
    match (status.signal(), status.code()) {
        (Some(signal), _) => Lost::Crashed(format!(
            "was killed by signal {signal} ({}){last}",
            signal_name(signal)
        )),
        (None, Some(code)) => Lost::Crashed(format!("exited with status {code}{last}")),
        (None, None) => Lost::Crashed(format!("ended{last}")),
    }
}

fn signal_name(signal: i32) -> &'static str {
    use signal_hook::consts::signal::*;
    match signal {
        SIGABRT => "SIGABRT",
        SIGSEGV => "SIGSEGV",
        SIGBUS => "SIGBUS",
        SIGILL => "SIGILL",
        SIGFPE => "SIGFPE",
        SIGKILL => "SIGKILL",
        SIGTERM => "SIGTERM",
        SIGINT => "SIGINT",
        SIGPIPE => "SIGPIPE",
        SIGXCPU => "SIGXCPU",
        _ => "a signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exited(raw: i32) -> io::Result<ExitStatus> {
        use std::os::unix::process::ExitStatusExt as _;
        Ok(ExitStatus::from_raw(raw))
    }

    #[test]
    fn a_worker_end_is_told_by_its_status_and_stderr() {
        let oom = diagnose(
            exited(6), // killed by SIGABRT
            &["memory allocation of 4294967296 bytes failed".to_string()],
        );
        assert!(
            matches!(&oom, Lost::OutOfMemory(l) if l.contains("4294967296")),
            "{oom:?}"
        );
        let segv = diagnose(
            exited(11),
            &["thread 'main' has overflowed its stack".to_string()],
        );
        let Lost::Crashed(m) = segv else {
            panic!("{segv:?}")
        };
        assert_eq!(
            m,
            "was killed by signal 11 (SIGSEGV): thread 'main' has overflowed its stack"
        );
        let Lost::Crashed(m) = diagnose(exited(3 << 8), &[]) else {
            panic!()
        };
        assert_eq!(m, "exited with status 3");
    }

    #[test]
    fn the_error_lines_name_the_limit() {
        let f = Lost::OutOfMemory("memory allocation of 8 bytes failed".into()).failure(2 << 30);
        assert_eq!((&*f.stage, &*f.code), ("parse", "out_of_memory"));
        assert!(f.message.contains("2.0 GiB"), "{}", f.message);
        let t = Lost::Timeout(Duration::from_millis(1500)).failure(0);
        assert_eq!(&*t.code, "timeout");
        assert!(t.message.contains("1s 500ms"), "{}", t.message);
    }
}
