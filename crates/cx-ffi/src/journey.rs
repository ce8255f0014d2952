//! Journeys from C: a roadmap handle from JSON; evaluations, the portfolio, health-score candidates and the
//! scorecard skeleton as the core's JSON in caller buffers (account facts arrive as a facts document,
//! `{"accounts": [...]}`); the event-log funnel from arrays into caller-provided step structs. Dates are `int32_t`
//! days since 1970-01-01.

use crate::boundary::{
    FfiResult, boundary, check_out, check_out_array, json_out, optional_slice, reference, slice, utf8, write,
    write_array,
};
use crate::codes;
use crate::status::cx_status;
use cx_core::journey::{FactsDocument, Roadmap, funnel};
use cx_core::period;
use std::ffi::c_char;

/// A validated roadmap. Immutable: safe to share between threads.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct cx_roadmap {
    roadmap: Roadmap,
}

/// One step of an event-log funnel.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct cx_funnel_step {
    /// Accounts whose furthest step is this one or later.
    pub reached: u64,
    /// Accounts that reached the previous step and are still inside their window at `as_of`.
    pub in_progress: u64,
    /// reached(previous) − reached − in_progress (0 for the first step).
    pub dropped: u64,
    /// reached / reached(previous); NaN for the first step.
    pub conversion_from_previous: f64,
    /// reached / reached(first step).
    pub conversion_from_entry: f64,
    /// Median time from the entry event to this step (timestamp units); NaN for the first step or none reached.
    pub time_to_convert_p50: f64,
    /// 90th percentile of the same (type 7).
    pub time_to_convert_p90: f64,
}

/// A roadmap from its versioned JSON (a bad field is `CX_STATUS_INVALID_CONFIG`, an unknown stage or task
/// `CX_STATUS_UNKNOWN_ID`; the message names the field). Free with `cx_roadmap_free`.
///
/// # Safety
/// `json` readable for `json_len` bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_roadmap_from_json(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut cx_roadmap,
) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let roadmap = Roadmap::from_json(unsafe { utf8(json, json_len, "json") }?.as_bytes())?;
        // SAFETY: checked above.
        unsafe { write(out, Box::into_raw(Box::new(cx_roadmap { roadmap })), "out") }
    })
}

/// Which view of the evaluated accounts to write.
enum View {
    Evaluations,
    Portfolio,
}

/// # Safety
/// The contract of [`cx_roadmap_evaluate_json`].
#[allow(clippy::too_many_arguments)] // the C signature's arguments, plus the view
unsafe fn evaluated(
    roadmap: *const cx_roadmap,
    facts: *const c_char,
    facts_len: usize,
    as_of: i32,
    view: View,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> FfiResult {
    // SAFETY: forwarded contract.
    let (r, facts) = unsafe {
        (
            &reference(roadmap, "roadmap")?.roadmap,
            utf8(facts, facts_len, "facts")?,
        )
    };
    let doc = FactsDocument::from_json(facts.as_bytes())?;
    let evaluations = r.evaluate_all(&doc.accounts, period::date_argument("as_of", as_of)?)?;
    // SAFETY: forwarded contract.
    unsafe {
        match view {
            View::Evaluations => json_out(&evaluations, buf, buf_len, written),
            View::Portfolio => json_out(&r.portfolio(&evaluations)?, buf, buf_len, written),
        }
    }
}

/// Every account of the facts document (`{"accounts": [...]}`) evaluated at `as_of`, as a JSON list in `buf`;
/// `*written` gets the size needed, also when the buffer is too small.
///
/// # Safety
/// `roadmap` a live handle; `facts` readable for `facts_len` bytes; `buf` writable for `buf_len` bytes; `written`
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_roadmap_evaluate_json(
    roadmap: *const cx_roadmap,
    facts: *const c_char,
    facts_len: usize,
    as_of: i32,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    // SAFETY: the caller's contract.
    boundary(|| unsafe {
        evaluated(
            roadmap,
            facts,
            facts_len,
            as_of,
            View::Evaluations,
            buf,
            buf_len,
            written,
        )
    })
}

/// The portfolio view of the facts document's accounts at `as_of`, as JSON in `buf`.
///
/// # Safety
/// As for `cx_roadmap_evaluate_json`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_roadmap_portfolio_json(
    roadmap: *const cx_roadmap,
    facts: *const c_char,
    facts_len: usize,
    as_of: i32,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    // SAFETY: the caller's contract.
    boundary(|| unsafe { evaluated(roadmap, facts, facts_len, as_of, View::Portfolio, buf, buf_len, written) })
}

/// The health-score candidates of the roadmap's guided actions as JSON in `buf`.
///
/// # Safety
/// `roadmap` a live handle; `buf` writable for `buf_len` bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_roadmap_candidates_json(
    roadmap: *const cx_roadmap,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract.
        let r = unsafe { &reference(roadmap, "roadmap")?.roadmap };
        // SAFETY: the caller's contract.
        unsafe { json_out(&r.health_candidates(), buf, buf_len, written) }
    })
}

/// Frees a roadmap; NULL is allowed.
///
/// # Safety
/// `roadmap` NULL or a handle from `cx_roadmap_from_json` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_roadmap_free(roadmap: *mut cx_roadmap) {
    if !roadmap.is_null() {
        // SAFETY: a handle from `Box::into_raw`, freed exactly once per the caller's contract.
        drop(unsafe { Box::from_raw(roadmap) });
    }
}

/// The event-log funnel over `n` events (account id, event code, timestamp in any unit; unsorted is fine) through
/// `n_steps` step event codes, each conversion within `window` of the entry event. `mode` is a `cx_funnel_mode`.
/// `as_of` NULL: no censoring; otherwise accounts still inside their window at `*as_of` are in progress, and an
/// event after it is `CX_STATUS_INVALID_ARGUMENT`. Writes `n_steps` steps to `out` (`out_len` ≥ `n_steps`, else
/// `CX_STATUS_BUFFER_TOO_SMALL`) and the number of distinct accounts to `n_accounts` (NULL to skip). Both
/// outputs are checked (alignment, size) before the work starts and written only on success.
///
/// # Safety
/// Arrays readable for their lengths (NULL with length 0); `as_of` NULL or readable; `out` writable for
/// `out_len` steps; `n_accounts` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_funnel(
    accounts: *const i64,
    events: *const u32,
    timestamps: *const i64,
    n: usize,
    steps: *const u32,
    n_steps: usize,
    window: i64,
    mode: u32,
    as_of: *const i64,
    out: *mut cx_funnel_step,
    out_len: usize,
    n_accounts: *mut u64,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract, for each argument.
        let (a, e, t, s, as_of) = unsafe {
            (
                slice(accounts, n, "accounts")?,
                slice(events, n, "events")?,
                slice(timestamps, n, "timestamps")?,
                slice(steps, n_steps, "steps")?,
                optional_slice(as_of, 1, "as_of")?,
            )
        };
        // Every output is checked before the work, so nothing is written unless the whole call succeeds.
        check_out_array(out, out_len, n_steps, "out")?;
        if !n_accounts.is_null() {
            check_out(n_accounts, "n_accounts")?;
        }
        let result = funnel(a, e, t, &codes::funnel_spec(s, window, mode, as_of)?)?;
        let rows: Vec<cx_funnel_step> = result
            .steps
            .iter()
            .map(|step| cx_funnel_step {
                reached: step.reached,
                in_progress: step.in_progress,
                dropped: step.dropped,
                conversion_from_previous: step.conversion_from_previous,
                conversion_from_entry: step.conversion_from_entry,
                time_to_convert_p50: step.time_to_convert_p50,
                time_to_convert_p90: step.time_to_convert_p90,
            })
            .collect();
        // One row per step: anything else is a bug, reported before a row is written.
        cx_core::CxError::check_len("funnel steps", n_steps, rows.len())?;
        // SAFETY: `out` passed `check_out_array` for `n_steps == rows.len()` rows; `n_accounts` was checked.
        unsafe {
            write_array(out, &rows);
            if !n_accounts.is_null() {
                write(n_accounts, result.n_accounts, "n_accounts")?;
            }
        }
        Ok(())
    })
}
