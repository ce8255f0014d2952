//! A safe cache prefetch hint, so that `cx-core` can keep `#![forbid(unsafe_code)]`.
//!
//! The scans in cx-core (scores by group, the funnel over sorted events) do a few operations per row, too many
//! for the out-of-order window to keep enough cache misses in flight, so on the development machine (a 2-core
//! Xeon VM) they waited on memory at about 60% of the bandwidth a plain sum reaches. Asking for the rows a couple
//! of KiB ahead brings them to the sum's speed. Stable Rust has no safe prefetch (`std::hint::prefetch_read` is
//! unstable), and the intrinsic needs an `unsafe` call; this crate is that call and nothing else.
//!
//! On targets other than x86_64 (and under Miri) [`prefetch`] does nothing.
#![no_std]
#![deny(missing_docs, unsafe_code)]

/// Asks the CPU to start loading the cache line holding `items[index]` into every cache level, without waiting
/// for it. An index past the end asks for nothing, so callers can prefetch `row + distance` without clamping.
///
/// A hint only: it never faults and changes no value any later read returns.
///
/// ```
/// let scores = vec![7i64; 10_000];
/// let mut total = 0;
/// for (row, &score) in scores.iter().enumerate() {
///     if row % 8 == 0 {
///         cx_prefetch::prefetch(&scores, row + 256);
///     }
///     total += score;
/// }
/// assert_eq!(total, 70_000);
/// ```
#[inline(always)]
pub fn prefetch<T>(items: &[T], index: usize) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if let Some(item) = items.get(index) {
        let line: *const T = item;
        // SAFETY: PREFETCHT0 is a hint: it does not dereference the address in the language's sense, cannot
        // fault and changes no architectural state; here the address is even that of a live element. The
        // intrinsic needs SSE, which every x86_64 target has.
        #[allow(unsafe_code)]
        unsafe {
            core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(line.cast());
        }
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    let _ = (items, index);
}

#[cfg(test)]
mod tests {
    use super::prefetch;

    #[test]
    fn any_index_is_a_harmless_hint() {
        let items = [1u8, 2, 3];
        for index in [0, 2, 3, usize::MAX] {
            prefetch(&items, index);
        }
        prefetch::<u64>(&[], 0);
        assert_eq!(items, [1, 2, 3]);
    }
}
