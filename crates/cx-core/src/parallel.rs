//! Splitting one pass over many rows (or groups) across a few threads.
//!
//! The caller says how many threads it may use (the core reads no environment); work is split into contiguous
//! ranges, each range's result is computed on its own scoped thread, and results come back in range order, so
//! merging them gives exactly the one-pass answer (counts are integers) and the first error is the one a single
//! pass would report.

use crate::{CxError, Result};
use std::ops::Range;

/// How many rows of `T` ahead a hot loop over a large array asks for with [`cx_prefetch::prefetch`], so that
/// its cache line is on its way when the loop gets there: on the development machine the hardware prefetcher alone
/// leaves loops doing a few operations per int64 row waiting on memory. 2 KiB measured best for the grouped score
/// scan (1–4 KiB were within 10%; 8 KiB was slower, the lines arriving too early for the L1 to keep them).
pub(crate) const fn rows_ahead<T>() -> usize {
    2048 / std::mem::size_of::<T>()
}

/// Up to `threads` contiguous ranges covering `0..n`, none shorter than `min_per_range` (so small inputs stay on
/// one thread).
pub(crate) fn ranges(n: usize, threads: usize, min_per_range: usize) -> Vec<Range<usize>> {
    let parts = threads.max(1).min(n / min_per_range.max(1)).max(1);
    let size = n.div_ceil(parts).max(1);
    (0..n.div_ceil(size).max(1))
        .map(|i| (i * size).min(n)..((i + 1) * size).min(n))
        .collect()
}

/// Starts a scoped thread named [`crate::WORKER_THREAD_NAME`], so a host's panic hook can tell cx's own worker
/// threads from its own (the C library keeps panics on them quiet, as on the calling thread).
fn spawn_worker<'scope, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> std::thread::ScopedJoinHandle<'scope, T> {
    std::thread::Builder::new()
        .name(crate::WORKER_THREAD_NAME.into())
        .spawn_scoped(scope, f)
        // As `Scope::spawn` does: a thread that cannot be started is a resource failure of the host.
        .expect("failed to spawn a cx worker thread")
}

/// Runs `work` on every range, the first on the calling thread and the others on scoped threads; the results in
/// range order, or the error of the earliest range that failed.
pub(crate) fn run<R: Send>(ranges: &[Range<usize>], work: impl Fn(Range<usize>) -> Result<R> + Sync) -> Result<Vec<R>> {
    match ranges {
        [] => Ok(Vec::new()),
        [only] => Ok(vec![work(only.clone())?]),
        [first, rest @ ..] => std::thread::scope(|scope| {
            let work = &work;
            let handles: Vec<_> = rest
                .iter()
                .map(|r| {
                    let r = r.clone();
                    spawn_worker(scope, move || work(r))
                })
                .collect();
            let mut results = vec![work(first.clone())];
            // A panic on a worker resurfaces here, on the caller's thread, where the bindings catch it.
            results.extend(
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
            );
            results.into_iter().collect()
        }),
    }
}

/// Runs `work` on every part, the first on the calling thread and the others on scoped threads: for work that
/// writes into its own disjoint piece of one output.
pub(crate) fn each<P: Send>(parts: Vec<P>, work: impl Fn(P) + Sync) {
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else { return };
    if parts.len() == 0 {
        // One part runs here without a scope, as in `run`: a scope would set up the caller's thread handle,
        // which C callers on one thread do not need.
        return work(first);
    }
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = parts.map(|p| spawn_worker(scope, move || work(p))).collect();
        work(first);
        // A panic on a worker resurfaces here, on the caller's thread, where the bindings catch it.
        for h in handles {
            h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
    });
}

/// `e` with its row index shifted by `base`: errors from a range name rows of the whole input.
pub(crate) fn at_offset(e: CxError, base: usize) -> CxError {
    match e {
        CxError::ScoreOutOfRange { value, index, min, max } => CxError::ScoreOutOfRange {
            value,
            index: index + base,
            min,
            max,
        },
        CxError::NonIntegerScore { value, index, min, max } => CxError::NonIntegerScore {
            value,
            index: index + base,
            min,
            max,
        },
        CxError::MissingValue { what, index } => CxError::MissingValue {
            what,
            index: index + base,
        },
        CxError::InvalidWeight { value, index } => CxError::InvalidWeight {
            value,
            index: index + base,
        },
        CxError::InvalidGroupCode { code, index, n_groups } => CxError::InvalidGroupCode {
            code,
            index: index + base,
            n_groups,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_input_once_and_respect_the_minimum() {
        for (n, threads, min) in [(0, 4, 10), (5, 4, 10), (100, 2, 10), (101, 3, 10), (10, 8, 1)] {
            let r = ranges(n, threads, min);
            assert_eq!(r.first().map(|r| r.start), Some(0));
            assert_eq!(r.last().map(|r| r.end), Some(n));
            assert!(r.windows(2).all(|w| w[0].end == w[1].start));
            assert!(
                r.len() <= threads.max(1) && (r.len() == 1 || r.iter().all(|x| x.len() * 2 >= min)),
                "{n} {threads} {min}: {r:?}"
            );
        }
    }

    #[test]
    fn the_earliest_error_wins_and_results_keep_their_order() {
        let r = ranges(100, 4, 10);
        assert_eq!(run(&r, |x| Ok(x.start)).unwrap(), [0, 25, 50, 75]);
        let e = run(&r, |x| {
            if x.start >= 25 {
                Err(CxError::empty(x.start.to_string()))
            } else {
                Ok(())
            }
        });
        assert_eq!(e, Err(CxError::empty("25")));
    }
}
