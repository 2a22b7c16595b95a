//! Record writes and deletes on more threads than cores. A record write waits on its
//! own `fsync`s (about ten milliseconds each on a busy disk, six per discarded task),
//! and the filesystem's journal commits the `fsync`s of different files together: a
//! thousand discarded tasks took 43 s of record writes one at a time, 1.1 s on eight
//! threads. Unlinking waits on the journal too. The CPU is idle meanwhile.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads that write records at once.
pub(super) const RECORD_WRITERS: usize = 8;

/// Threads that delete staged workspaces at once: unlinking waits on the filesystem's
/// journal far more than on the CPU (a discard of 1,000 workspaces took 25.6 s on 2
/// threads and 14.0 s on 8, with 5 s of CPU either way), so more threads than cores.
const PURGE_THREADS: usize = 8;

/// The pool the staged deletes run in (`None` when it cannot be made: the global
/// pool, one thread per core, does it then).
pub(super) fn purge_pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(PURGE_THREADS)
        .thread_name(|index| format!("purge-{index}"))
        .build()
        .ok()
}

/// Runs `work(index)` for every index below `count` on up to `threads` threads, each
/// index once, taken in order. An index for which `stop(index)` is true when it is
/// taken is not run, and neither is any later one. Returns each index's result (`None`
/// for those not run), in index order.
pub(super) fn run_indexed<T: Send>(
    count: usize,
    threads: usize,
    stop: &(dyn Fn(usize) -> bool + Sync),
    work: &(dyn Fn(usize) -> T + Sync),
) -> Vec<Option<T>> {
    let results: Vec<Mutex<Option<T>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let stopped = AtomicUsize::new(count);
    let worker = || {
        loop {
            let index = next.fetch_add(1, Ordering::SeqCst);
            if index >= count || index >= stopped.load(Ordering::SeqCst) {
                return;
            }
            if stop(index) {
                stopped.fetch_min(index, Ordering::SeqCst);
                return;
            }
            let result = work(index);
            if let Ok(mut slot) = results[index].lock() {
                *slot = Some(result);
            }
        }
    };
    let threads = threads.clamp(1, count.max(1));
    if threads == 1 {
        worker();
    } else {
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(worker);
            }
        });
    }
    results
        .into_iter()
        .map(|slot| slot.into_inner().ok().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_index_runs_once_in_order_of_results_and_a_stop_ends_the_later_ones() {
        for threads in [1, 3, 8] {
            let all = run_indexed(50, threads, &|_| false, &|i| i * 2);
            assert_eq!(
                all,
                (0..50).map(|i| Some(i * 2)).collect::<Vec<_>>(),
                "{threads}"
            );
            let stopped = run_indexed(50, threads, &|i| i >= 20, &|i| i);
            assert!(stopped[..20].iter().all(Option::is_some), "{threads}");
            assert!(stopped[20..].iter().all(Option::is_none), "{threads}");
        }
        assert!(run_indexed(0, 4, &|_| false, &|i| i).is_empty());
    }
}
