//! An ordered worker pool with a time budget per job.
//!
//! The pipeline's workers run parsers over untrusted bytes: ours, and
//! calamine's, html5ever's and zip's. Unwinding catches their panics (see
//! `pipeline::guarded`), and the readers' pre-checks bound their memory,
//! but nothing in-process can interrupt a thread stuck in an endless loop.
//! So workers take jobs from a shared queue, and the supervisor (the
//! calling thread) watches which job each worker slot runs since when:
//!
//! - a job that outlives its budget gets `on_lost`'s result in its place,
//!   and its worker is **abandoned**: its slot's generation moves on, so
//!   the thread exits as soon as the job returns (its result is discarded),
//!   or spins on until the process exits if it never does. A fresh worker
//!   takes the slot, so the run keeps its width;
//! - results are handed to `emit` strictly in job order (a reorder buffer),
//!   whatever order workers finish in, so output never depends on the
//!   number of threads or on a timeout;
//! - at most `window` jobs are dispatched and not yet emitted, which bounds
//!   the memory held by finished results waiting for a slow one.
//!
//! An abandoned thread keeps whatever memory it holds and, if it spins, a
//! core; the run reports it as a `timeout` line and goes on. Worker
//! processes (as Apache Tika uses) would also reclaim those, at the cost of
//! serialising every document across a pipe; the pre-checks make stuck
//! parsers rare enough that threads are the better trade here.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::panic::catch_panic;

/// How often the supervisor wakes to check `stop` when nothing happens.
const TICK: Duration = Duration::from_millis(100);

/// The pool's shape.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Jobs dispatched but not yet emitted, at most (at least `threads`).
    pub window: usize,
    /// The time budget of one job; `None` for no limit.
    pub timeout: Option<Duration>,
}

/// How a run of the pool ended.
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
    /// Still running when its budget ran out (the worker was abandoned).
    Timeout(Duration),
    /// The job panicked (the message); its worker goes on with the next.
    Panic(String),
}

struct Finished<R> {
    seq: u64,
    /// `Err`: the job panicked, with the panic's message.
    result: Result<R, String>,
}

/// The queue the workers take jobs from, and what each worker slot runs.
struct Queue<J> {
    jobs: VecDeque<(u64, J)>,
    slots: Vec<Slot>,
    /// No more jobs will come: idle workers exit.
    closed: bool,
}

struct Slot {
    /// Bumped when the slot's worker is abandoned: the old thread sees the
    /// change and exits instead of taking another job.
    generation: u64,
    /// The job the slot's worker runs and when it took it.
    current: Option<(u64, Instant)>,
}

struct Shared<J> {
    queue: Mutex<Queue<J>>,
    more: Condvar,
}

impl<J> Shared<J> {
    fn lock(&self) -> MutexGuard<'_, Queue<J>> {
        // A worker never panics while holding the lock (jobs run outside
        // it), so a poisoned lock still holds consistent data.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Closes the queue when dropped: idle workers exit, queued jobs are
/// dropped, busy workers exit after their job.
struct Close<'a, J>(&'a Shared<J>);

impl<J> Drop for Close<'_, J> {
    fn drop(&mut self) {
        let mut q = self.0.lock();
        q.closed = true;
        q.jobs.clear();
        drop(q);
        self.0.more.notify_all();
    }
}

/// Runs `work` over `jobs` on `shape.threads` threads and calls `emit` with
/// each result in job order (see the module doc). A job over budget gets
/// `on_lost(label, Lost::Timeout(budget))` instead, and a job that panics
/// (jobs should catch their own panics; this is the backstop)
/// `on_lost(label, Lost::Panic(message))`. Returns early with
/// [`Ended::Stopped`] when `emit` returns false or `stop()` returns true
/// (checked at least every 100 ms); jobs still running are abandoned.
///
/// Workers take jobs from one shared queue holding up to `window` jobs, so
/// a busy worker goes from one job to the next without sleeping; the
/// supervisor wakes once per finished job.
pub fn run_ordered<L, J, R>(
    shape: Shape,
    jobs: impl IntoIterator<Item = (L, J)>,
    work: Arc<dyn Fn(J) -> R + Send + Sync>,
    on_lost: impl Fn(L, Lost) -> R,
    mut emit: impl FnMut(R) -> bool,
    stop: impl Fn() -> bool,
) -> std::io::Result<Ended>
where
    J: Send + 'static,
    R: Send + 'static,
{
    let threads = shape.threads.max(1);
    let window = shape.window.max(threads) as u64;
    let (results_tx, results) = mpsc::channel::<Finished<R>>();
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue {
            jobs: VecDeque::new(),
            slots: (0..threads)
                .map(|_| Slot {
                    generation: 0,
                    current: None,
                })
                .collect(),
            closed: false,
        }),
        more: Condvar::new(),
    });
    // However this ends (even if a spawn fails), idle workers are told to exit.
    let _close = Close(&shared);
    for slot in 0..threads {
        spawn(slot, 0, &shared, &work, &results_tx)?;
    }
    let timeout = shape.timeout;
    let mut jobs = jobs.into_iter();
    let mut labels: BTreeMap<u64, L> = BTreeMap::new();
    let mut ready: BTreeMap<u64, R> = BTreeMap::new();
    let (mut next_seq, mut next_emit) = (0u64, 0u64);
    let mut exhausted = false;
    loop {
        if stop() {
            return Ok(Ended::Stopped);
        }
        // Fill the queue up to the window.
        let mut added = 0;
        while !exhausted && next_seq < next_emit + window {
            let Some((label, job)) = jobs.next() else {
                exhausted = true;
                break;
            };
            labels.insert(next_seq, label);
            shared.lock().jobs.push_back((next_seq, job));
            next_seq += 1;
            added += 1;
        }
        match added {
            0 => {}
            1 => shared.more.notify_one(),
            _ => shared.more.notify_all(),
        }
        if exhausted && next_emit == next_seq {
            return Ok(Ended::Complete);
        }

        let now = Instant::now();
        let wait = timeout
            .and_then(|budget| {
                let q = shared.lock();
                q.slots
                    .iter()
                    .filter_map(|s| s.current)
                    .map(|(_, start)| (start + budget).saturating_duration_since(now))
                    .min()
            })
            .map_or(TICK, |d| d.min(TICK));
        match results.recv_timeout(wait) {
            Ok(first) => {
                let mut message = Some(first);
                while let Some(Finished { seq, result }) = message {
                    // A late result of a job that timed out is dropped.
                    if seq >= next_emit && !ready.contains_key(&seq) {
                        let result = match result {
                            Ok(result) => Some(result),
                            Err(message) => labels
                                .remove(&seq)
                                .map(|label| on_lost(label, Lost::Panic(message))),
                        };
                        if let Some(result) = result {
                            ready.insert(seq, result);
                        }
                    }
                    message = results.try_recv().ok();
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(std::io::Error::other("the worker threads are gone"));
            }
        }

        if let Some(budget) = timeout {
            let now = Instant::now();
            let mut q = shared.lock();
            for slot in 0..q.slots.len() {
                let Some((seq, start)) = q.slots[slot].current else {
                    continue;
                };
                if now.duration_since(start) < budget || seq < next_emit || ready.contains_key(&seq)
                {
                    continue;
                }
                // Abandon the worker (it exits when its job returns, if
                // ever) and start a fresh one in its slot.
                let s = &mut q.slots[slot];
                s.generation += 1;
                s.current = None;
                let generation = s.generation;
                spawn(slot, generation, &shared, &work, &results_tx)?;
                if let Some(label) = labels.remove(&seq) {
                    ready.insert(seq, on_lost(label, Lost::Timeout(budget)));
                }
            }
        }

        while let Some(result) = ready.remove(&next_emit) {
            labels.remove(&next_emit);
            next_emit += 1;
            if !emit(result) {
                return Ok(Ended::Stopped);
            }
        }
    }
}

fn spawn<J, R>(
    slot: usize,
    generation: u64,
    shared: &Arc<Shared<J>>,
    work: &Arc<dyn Fn(J) -> R + Send + Sync>,
    results: &Sender<Finished<R>>,
) -> std::io::Result<()>
where
    J: Send + 'static,
    R: Send + 'static,
{
    let shared = Arc::clone(shared);
    let work = Arc::clone(work);
    let results = results.clone();
    std::thread::Builder::new()
        .name(format!("jixiao-worker-{slot}"))
        .spawn(move || {
            let mut q = shared.lock();
            loop {
                if q.slots[slot].generation != generation {
                    return; // abandoned
                }
                let Some((seq, job)) = q.jobs.pop_front() else {
                    if q.closed {
                        return;
                    }
                    q = shared.more.wait(q).unwrap_or_else(PoisonError::into_inner);
                    continue;
                };
                q.slots[slot].current = Some((seq, Instant::now()));
                drop(q);
                let result = catch_panic(|| work(job));
                if results.send(Finished { seq, result }).is_err() {
                    return;
                }
                q = shared.lock();
                if q.slots[slot].generation == generation {
                    q.slots[slot].current = None;
                }
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(threads: usize, timeout: Option<Duration>) -> Shape {
        Shape {
            threads,
            window: 4 * threads,
            timeout,
        }
    }

    /// Runs the pool to the end, collecting every emitted result.
    fn run_all<L, J: Send + 'static, R: Send + 'static>(
        shape: Shape,
        jobs: impl IntoIterator<Item = (L, J)>,
        work: Arc<dyn Fn(J) -> R + Send + Sync>,
        on_lost: impl Fn(L, Lost) -> R,
    ) -> Vec<R> {
        let mut out = Vec::new();
        let ended = run_ordered(
            shape,
            jobs,
            work,
            on_lost,
            |r| {
                out.push(r);
                true
            },
            || false,
        )
        .expect("threads start");
        assert_eq!(ended, Ended::Complete);
        out
    }

    #[test]
    fn results_come_in_job_order_whatever_the_finishing_order() {
        for threads in [1, 2, 4] {
            // Early jobs are the slow ones, so they finish last.
            let work: Arc<dyn Fn(u64) -> u64 + Send + Sync> = Arc::new(|n| {
                std::thread::sleep(Duration::from_millis(10u64.saturating_sub(n)));
                n * n
            });
            let out = run_all(
                shape(threads, None),
                (0..40u64).map(|n| ((), n)),
                work,
                |(), lost| unreachable!("nothing is lost: {lost:?}"),
            );
            assert_eq!(out, (0..40u64).map(|n| n * n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_job_that_never_returns_times_out_and_the_run_goes_on() {
        let work: Arc<dyn Fn(u64) -> String + Send + Sync> = Arc::new(|n| {
            if n == 3 {
                loop {
                    std::thread::sleep(Duration::from_millis(50)); // stuck for good
                }
            }
            format!("ok {n}")
        });
        // A budget no `format!` needs, however busy the machine: only the
        // stuck job can run out of it.
        let out = run_all(
            shape(2, Some(Duration::from_secs(1))),
            (0..10u64).map(|n| (format!("job {n}"), n)),
            work,
            |label, lost| format!("{lost:?} {label}"),
        );
        assert_eq!(out.len(), 10);
        assert_eq!(out[3], "Timeout(1s) job 3");
        assert_eq!(out[9], "ok 9");
    }

    #[test]
    fn emit_returning_false_stops_the_run() {
        let mut seen = 0;
        let work: Arc<dyn Fn(u64) -> u64 + Send + Sync> = Arc::new(|n| n);
        let ended = run_ordered(
            shape(2, None),
            (0..1000u64).map(|n| ((), n)),
            work,
            |(), _| 0,
            |_| {
                seen += 1;
                seen < 5
            },
            || false,
        )
        .expect("threads start");
        assert_eq!(ended, Ended::Stopped);
        assert_eq!(seen, 5);
    }

    #[test]
    fn stop_ends_the_run_even_while_a_job_is_stuck() {
        let work: Arc<dyn Fn(u64) -> u64 + Send + Sync> = Arc::new(|_| {
            loop {
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        // `stop` turns true on its third call, whatever the clock says; the
        // supervisor asks at least every tick, so the run ends (a hang here
        // is the failure).
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let ended = run_ordered(
            shape(1, None),
            (0..3u64).map(|n| ((), n)),
            work,
            |(), _| 0,
            |_| true,
            || calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 2,
        )
        .expect("threads start");
        assert_eq!(ended, Ended::Stopped);
    }

    #[test]
    fn a_job_that_panics_is_reported_and_its_worker_goes_on() {
        let work: Arc<dyn Fn(u64) -> String + Send + Sync> = Arc::new(|n| {
            if n == 2 {
                panic!("job {n} broke");
            }
            format!("ok {n}")
        });
        // No budget: a lost result must not leave the run waiting forever.
        let out = run_all(
            shape(1, None),
            (0..5u64).map(|n| (n, n)),
            work,
            |n, lost| format!("{lost:?} {n}"),
        );
        assert_eq!(
            out,
            ["ok 0", "ok 1", "Panic(\"job 2 broke\") 2", "ok 3", "ok 4"]
        );
    }
}
