//! `cx_histogram`: accumulate a metric's responses incrementally, merge, serialise, estimate.

use crate::boundary::{FfiResult, boundary, check_out, copy_out, optional_slice, reference, slice, write};
use crate::codes;
use crate::spec::{cx_metric_spec, spec_arg};
use crate::status::cx_status;
use crate::survey::{cx_comparison, cx_estimate, cx_estimate_options, estimate_options};
use cx_core::survey::Accumulator;
use std::sync::{Mutex, MutexGuard};

/// A mergeable accumulator of one metric's responses. Thread-safe: calls on one handle from several threads are
/// serialised by an internal lock.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct cx_histogram {
    inner: Mutex<Accumulator>,
}

impl cx_histogram {
    fn lock(&self) -> MutexGuard<'_, Accumulator> {
        // Updates are atomic (built aside, then merged), so a poisoned lock still guards a consistent state.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn boxed(acc: Accumulator) -> *mut cx_histogram {
    Box::into_raw(Box::new(cx_histogram { inner: Mutex::new(acc) }))
}

/// # Safety
/// `h` must be NULL or a live handle from this library.
unsafe fn handle<'a>(h: *const cx_histogram, name: &'static str) -> FfiResult<&'a cx_histogram> {
    // SAFETY: forwarded contract.
    unsafe { reference(h, name) }
}

/// A new, empty histogram for `spec` (the spec is copied; the spec handle may be freed afterwards).
///
/// # Safety
/// `spec` a live handle; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_histogram_new(spec: *const cx_metric_spec, out: *mut *mut cx_histogram) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let acc = Accumulator::new(unsafe { spec_arg(spec) }?.clone())?;
        // SAFETY: checked above.
        unsafe { write(out, boxed(acc), "out") }
    })
}

/// Adds responses (NaN = missing, per `missing`, a `cx_missing` code) with optional weights. On error nothing
/// is added.
///
/// # Safety
/// `h` a live handle; arrays readable for their lengths (weights NULL for none).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_histogram_add(
    h: *mut cx_histogram,
    scores: *const f64,
    n_scores: usize,
    weights: *const f64,
    n_weights: usize,
    missing: u32,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract, for each argument.
        let (h, scores, weights) = unsafe {
            (
                handle(h, "h")?,
                slice(scores, n_scores, "scores")?,
                optional_slice(weights, n_weights, "weights")?,
            )
        };
        let missing = codes::missing(missing)?;
        // Build the batch outside the lock, then merge: the lock is held only for the O(points) merge.
        let mut batch = Accumulator::new(h.lock().spec().clone())?;
        batch.add(scores, weights, missing)?;
        h.lock().merge(&batch)?;
        Ok(())
    })
}

/// Merges `other` into `h` (same metric). `h` and `other` may be the same handle.
///
/// # Safety
/// Both live handles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_histogram_merge(h: *mut cx_histogram, other: *const cx_histogram) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract.
        let (h, other) = unsafe { (handle(h, "h")?, handle(other, "other")?) };
        let theirs = other.lock().clone(); // copied first, so merging a handle into itself does not deadlock
        h.lock().merge(&theirs)?;
        Ok(())
    })
}

/// The estimate of everything added so far.
///
/// # Safety
/// `h` a live handle; `options` NULL or valid; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_histogram_estimate(
    h: *const cx_histogram,
    options: *const cx_estimate_options,
    out: *mut cx_estimate,
) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let (h, options) = unsafe { (handle(h, "h")?, estimate_options(options)?) };
        let e = h.lock().estimate(&options)?;
        // SAFETY: checked above.
        unsafe { write(out, cx_estimate::from(&e), "out") }
    })
}

/// A − B for two histograms of the same metric; `method` is a `cx_compare_method` code.
///
/// # Safety
/// Both live handles; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_histogram_compare(
    a: *const cx_histogram,
    b: *const cx_histogram,
    method: u32,
    level: f64,
    out: *mut cx_comparison,
) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let (a, b) = unsafe { (handle(a, "a")?, handle(b, "b")?) };
        let method = codes::compare(method)?;
        let theirs = b.lock().clone();
        let c = a.lock().compare(&theirs, method, level)?;
        // SAFETY: checked above.
        unsafe { write(out, cx_comparison::from(&c), "out") }
    })
}

/// Responses counted and missing responses skipped so far.
///
/// # Safety
/// `h` a live handle; `n` and `n_missing` writable (either may be NULL if not wanted).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_histogram_counts(h: *const cx_histogram, n: *mut u64, n_missing: *mut u64) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract.
        let h = unsafe { handle(h, "h") }?;
        // Both outputs are checked first, so neither is written when the other is unusable.
        if !n.is_null() {
            check_out(n, "n")?;
        }
        if !n_missing.is_null() {
            check_out(n_missing, "n_missing")?;
        }
        let (count, missing) = {
            let acc = h.lock();
            (acc.histogram().n(), acc.histogram().n_missing())
        };
        if !n.is_null() {
            // SAFETY: non-NULL, writable per the caller.
            unsafe { write(n, count, "n") }?;
        }
        if !n_missing.is_null() {
            // SAFETY: non-NULL, writable per the caller.
            unsafe { write(n_missing, missing, "n_missing") }?;
        }
        Ok(())
    })
}

/// The state as bytes (versioned JSON, the same as Rust and Python write) into `(buf, buf_len)`; `*written`
/// receives the size needed, also with `CX_STATUS_BUFFER_TOO_SMALL` (call with `(NULL, 0)` to size the buffer).
///
/// # Safety
/// `h` a live handle; `buf` writable for `buf_len` bytes or NULL; `written` writable or NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_histogram_to_bytes(
    h: *const cx_histogram,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract.
        let bytes = unsafe { handle(h, "h") }?.lock().to_bytes();
        // SAFETY: the caller's contract.
        unsafe { copy_out(&bytes, buf, buf_len, written, false, "buf") }
    })
}

/// A histogram from bytes written by `cx_histogram_to_bytes` (or by Rust or Python). Damaged bytes are
/// `CX_STATUS_INVALID_CONFIG` (or `CX_STATUS_UNSUPPORTED_VERSION`).
///
/// # Safety
/// `bytes` readable for `len` bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_histogram_from_bytes(
    bytes: *const u8,
    len: usize,
    out: *mut *mut cx_histogram,
) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let acc = Accumulator::from_bytes(unsafe { slice(bytes, len, "bytes") }?)?;
        // SAFETY: checked above.
        unsafe { write(out, boxed(acc), "out") }
    })
}

/// Frees a histogram. NULL is allowed and does nothing.
///
/// # Safety
/// `h` NULL or a handle from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_histogram_free(h: *mut cx_histogram) {
    if !h.is_null() {
        // SAFETY: a handle from `Box::into_raw`, freed exactly once per the caller's contract.
        drop(unsafe { Box::from_raw(h) });
    }
}
