//! Jobs in parallel on a rayon pool, results in job order.
//!
//! The calling thread hands jobs to a pool of `threads` rayon threads and
//! receives their results; it passes them to `emit` strictly in job order
//! (a reorder buffer), whatever order they finish in, so output never
//! depends on the number of threads. At most `window` jobs are handed out
//! and not yet emitted, which bounds the memory held by finished results
//! waiting for a slow one.
//!
//! A job that is still running `watch` after it started is given up: its
//! place in the order gets `on_lost`'s result, and whatever it returns
//! later is dropped. With worker processes the job itself kills its
//! worker at the deadline and returns its `timeout` line well before
//! that, so the watch is only a backstop; in-process (`--no-isolate`)
//! nothing can stop the thread, which finishes the document in the
//! background while the run goes on without it.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::panic::catch_panic;

/// How often the calling thread wakes to check `stop` when nothing happens.
const TICK: Duration = Duration::from_millis(100);

/// The run's shape.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Pool threads (at least 1).
    pub threads: usize,
    /// Jobs handed out but not yet emitted, at most (at least `threads`).
    pub window: usize,
    /// How long a job may run before it is given up (`None`: forever).
    pub watch: Option<Duration>,
}

/// How a run of the jobs ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Every job's result was emitted.
    Complete,
    /// `emit` returned false or `stop` returned true; later jobs were not run.
    Stopped,
}

/// Why a job has no result of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lost {
    /// Still running when the watch ran out.
    Timeout(Duration),
    /// The job panicked (the message).
    Panic(String),
}

/// A job handed out and not yet emitted.
struct Slot<L, R> {
    label: L,
    /// Set by the job when it starts (not a message: a wake-up of the
    /// calling thread per job would cost more than a small document).
    started: Arc<OnceLock<Instant>>,
    result: Option<R>,
}

/// Runs every job of `jobs` (each with the label `on_lost` is given) on a
/// pool of `shape.threads` threads, emitting results in job order until
/// `emit` returns false or `stop` returns true.
pub fn run_ordered<L, J, R>(
    shape: Shape,
    jobs: impl IntoIterator<Item = (L, J)>,
    work: Arc<dyn Fn(J) -> R + Send + Sync>,
    mut on_lost: impl FnMut(&L, Lost) -> R,
    mut emit: impl FnMut(R) -> bool,
    stop: impl Fn() -> bool,
) -> Result<Ended, rayon::ThreadPoolBuildError>
where
    J: Send + 'static,
    R: Send + 'static,
{
    let threads = shape.threads.max(1);
    let window = shape.window.max(threads) as u64;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("jixiao-{i}"))
        .build()?;
    let inbox = Arc::new(Inbox::<R> {
        state: Mutex::new(InboxState {
            done: Vec::new(),
            running: 0,
        }),
        ready: Condvar::new(),
        threads,
        // Woken for a batch of results, not for each: a wake-up per
        // document costs as much as a small document's parsing.
        batch: (window as usize / 4).max(1),
    });
    let mut jobs = jobs.into_iter();
    let mut pending: BTreeMap<u64, Slot<L, R>> = BTreeMap::new();
    let (mut next_seq, mut next_emit) = (0u64, 0u64);
    let mut exhausted = false;
    let mut arrived = Vec::new();
    loop {
        while !exhausted && next_seq - next_emit < window {
            let Some((label, job)) = jobs.next() else {
                exhausted = true;
                break;
            };
            let seq = next_seq;
            next_seq += 1;
            let started = Arc::new(OnceLock::new());
            pending.insert(
                seq,
                Slot {
                    label,
                    started: Arc::clone(&started),
                    result: None,
                },
            );
            inbox.lock().running += 1;
            let (inbox, work) = (Arc::clone(&inbox), Arc::clone(&work));
            pool.spawn(move || {
                let _ = started.set(Instant::now());
                let result = catch_panic(|| work(job));
                inbox.deliver(seq, result);
            });
        }
        while let Some(mut slot) = pending.first_entry() {
            if *slot.key() != next_emit {
                break;
            }
            let Some(result) = slot.get_mut().result.take() else {
                break;
            };
            slot.remove();
            next_emit += 1;
            if !emit(result) {
                return Ok(Ended::Stopped);
            }
        }
        if exhausted && pending.is_empty() {
            return Ok(Ended::Complete);
        }
        if stop() {
            return Ok(Ended::Stopped);
        }
        // Wait for results, or until the oldest job's watch runs out.
        let head = pending
            .first_key_value()
            .map(|(_, s)| s.started.get().copied());
        let wait = match (shape.watch, head) {
            (Some(budget), Some(Some(started))) => {
                budget.saturating_sub(started.elapsed()).min(TICK)
            }
            _ => TICK,
        };
        inbox.collect(&mut arrived, wait);
        for (seq, result) in arrived.drain(..) {
            // A job given up on is no longer pending: its result is dropped.
            if let Some(slot) = pending.get_mut(&seq) {
                slot.result = Some(match result {
                    Ok(r) => r,
                    Err(message) => on_lost(&slot.label, Lost::Panic(message)),
                });
            }
        }
        if let (Some(budget), Some((_, head))) = (shape.watch, pending.first_key_value()) {
            let over = head.result.is_none()
                && head.started.get().is_some_and(|at| at.elapsed() >= budget);
            if over && let Some(mut head) = pending.first_entry() {
                let slot = head.get_mut();
                slot.result = Some(on_lost(&slot.label, Lost::Timeout(budget)));
            }
        }
    }
}

/// Where the pool's threads leave their results for the calling thread.
struct Inbox<R> {
    state: Mutex<InboxState<R>>,
    ready: Condvar,
    threads: usize,
    batch: usize,
}

struct InboxState<R> {
    /// Results not yet taken by the calling thread.
    done: Vec<(u64, Result<R, String>)>,
    /// Jobs handed to the pool whose results are not in `done` yet.
    running: usize,
}

impl<R> Inbox<R> {
    fn lock(&self) -> MutexGuard<'_, InboxState<R>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the calling thread has something to do: a batch of results
    /// to take, or a pool thread that may run out of jobs (fewer running
    /// than threads: the window may be full behind a slow job, or the
    /// jobs are running out).
    fn worth_waking(&self, state: &InboxState<R>) -> bool {
        !state.done.is_empty() && (state.done.len() >= self.batch || state.running < self.threads)
    }

    /// A job's result (called by the pool thread that ran it).
    fn deliver(&self, seq: u64, result: Result<R, String>) {
        let mut state = self.lock();
        state.done.push((seq, result));
        state.running = state.running.saturating_sub(1);
        if self.worth_waking(&state) {
            self.ready.notify_one();
        }
    }

    /// Moves the results that arrived into `into`, after waiting up to
    /// `wait` for them to be worth waking for.
    fn collect(&self, into: &mut Vec<(u64, Result<R, String>)>, wait: Duration) {
        let mut state = self.lock();
        if !self.worth_waking(&state) {
            state = self
                .ready
                .wait_timeout_while(state, wait, |s| !self.worth_waking(s))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        std::mem::swap(into, &mut state.done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn shape(threads: usize, watch: Option<Duration>) -> Shape {
        Shape {
            threads,
            window: threads * 4,
            watch,
        }
    }

    /// Results come out in job order whatever order they finish in.
    #[test]
    fn results_are_emitted_in_job_order() {
        for threads in [1, 2, 4] {
            let work: Arc<dyn Fn(u64) -> u64 + Send + Sync> = Arc::new(|n| {
                // later jobs finish first
                std::thread::sleep(Duration::from_micros(200 * (20 - n % 20)));
                n * 10
            });
            let mut out = Vec::new();
            let ended = run_ordered(
                shape(threads, None),
                (0..100u64).map(|n| (n, n)),
                work,
                |_, _| u64::MAX,
                |r| {
                    out.push(r);
                    true
                },
                || false,
            )
            .unwrap();
            assert_eq!(ended, Ended::Complete);
            assert_eq!(out, (0..100).map(|n| n * 10).collect::<Vec<_>>());
        }
    }

    /// A panicking job and a job past its watch each get `on_lost`'s
    /// result in their place; the others are untouched. The stuck job is
    /// made to wait on a flag, not on the clock, and is released at the end.
    #[test]
    fn a_lost_job_gets_its_place_and_the_run_goes_on() {
        let release = Arc::new(AtomicBool::new(false));
        let held = Arc::clone(&release);
        let work: Arc<dyn Fn(u64) -> String + Send + Sync> = Arc::new(move |n| match n {
            3 => panic!("job three"),
            5 => {
                while !held.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                "late".to_string()
            }
            n => n.to_string(),
        });
        let mut out = Vec::new();
        run_ordered(
            shape(2, Some(Duration::from_secs(2))),
            (0..8u64).map(|n| (format!("job{n}"), n)),
            work,
            |label, lost| format!("{label}: {lost:?}"),
            |r| {
                out.push(r);
                true
            },
            || false,
        )
        .unwrap();
        release.store(true, Ordering::SeqCst);
        assert_eq!(out[3], "job3: Panic(\"job three\")");
        assert_eq!(out[5], "job5: Timeout(2s)");
        let others: Vec<_> = [0, 1, 2, 4, 6, 7].iter().map(|&i| out[i].clone()).collect();
        assert_eq!(others, ["0", "1", "2", "4", "6", "7"]);
    }

    #[test]
    fn emit_returning_false_stops_the_run() {
        let work: Arc<dyn Fn(u64) -> u64 + Send + Sync> = Arc::new(|n| n);
        let mut seen = 0;
        let ended = run_ordered(
            shape(2, None),
            (0..1000u64).map(|n| (n, n)),
            work,
            |_, _| 0,
            |_| {
                seen += 1;
                seen < 10
            },
            || false,
        )
        .unwrap();
        assert_eq!((ended, seen), (Ended::Stopped, 10));
    }
}
