//! Partial states from C: build a partition's state as bytes, merge two states' bytes, read the merged result
//! as the core's JSON. The bytes are the core's format (see `cx_core::state`), the same that Rust and Python
//! write, so a C service can merge states computed by Spark workers in Python, and the other way round.
//!
//! Every builder writes into a caller buffer with the `cx_histogram_to_bytes` contract: `*written` receives the
//! size needed, also with `CX_STATUS_BUFFER_TOO_SMALL` (call with `(NULL, 0)` to size the buffer).

use crate::boundary::{FfiResult, boundary, copy_out, json_out, optional_slice, slice, utf8, write};
use crate::codes;
use crate::spec::{cx_metric_spec, spec_arg};
use crate::status::cx_status;
use cx_core::health::{Bands, Population, ValidationCounts};
use cx_core::journey::FunnelState;
use cx_core::period::Period;
use cx_core::state::{self, Kind};
use cx_core::survey::{Accumulator, GroupKey, GroupOptions, GroupedAccumulator, TrendOptions};
use std::ffi::c_char;

/// The kinds of partial state, as `cx_state_kind` reports them.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cx_state {
    /// A metric's histogram (`cx_histogram`).
    Accumulator = 1,
    /// A metric by group key or period.
    Grouped = 2,
    /// A funnel over whole accounts.
    Funnel = 3,
    /// Health-score validation counts.
    Validation = 4,
    /// The values a scorecard's percentile measures rank against.
    Population = 5,
}

// The codes are the core's kinds, so `cx_state_kind` can pass them through.
const _: () = {
    assert!(cx_state::Accumulator as u32 == Kind::Accumulator as u32);
    assert!(cx_state::Grouped as u32 == Kind::GroupedAccumulator as u32);
    assert!(cx_state::Funnel as u32 == Kind::Funnel as u32);
    assert!(cx_state::Validation as u32 == Kind::Validation as u32);
    assert!(cx_state::Population as u32 == Kind::Population as u32);
};

/// # Safety
/// `buf` writable for `buf_len` bytes or NULL; `written` writable or NULL.
unsafe fn bytes_out(bytes: &[u8], buf: *mut u8, buf_len: usize, written: *mut usize) -> FfiResult {
    // SAFETY: forwarded contract.
    unsafe { copy_out(bytes, buf, buf_len, written, false, "buf") }
}

/// A state by group of `n_scores` responses: response `i` belongs to group `keys[codes[i]]` (`n_keys` int64
/// keys). `weights` NULL (with 0) for none; `missing` a `cx_missing_policy`.
///
/// # Safety
/// Arrays readable for their lengths (NULL with length 0); `spec` a live spec; `buf` writable for `buf_len`
/// bytes or NULL; `written` writable or NULL.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a C signature: each array comes with its length
pub unsafe extern "C" fn cx_grouped_state(
    spec: *const cx_metric_spec,
    scores: *const f64,
    n_scores: usize,
    codes: *const u32,
    n_codes: usize,
    keys: *const i64,
    n_keys: usize,
    weights: *const f64,
    n_weights: usize,
    missing: u32,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract, for each argument.
        let (spec, s, c, k, w) = unsafe {
            (
                spec_arg(spec)?,
                slice(scores, n_scores, "scores")?,
                slice(codes, n_codes, "codes")?,
                slice(keys, n_keys, "keys")?,
                optional_slice(weights, n_weights, "weights")?,
            )
        };
        let keys: Vec<GroupKey> = k.iter().map(|&v| GroupKey::Int(v)).collect();
        let mut state = GroupedAccumulator::new(spec.clone())?;
        state.add_codes(s, c, &keys, w, codes::missing(missing)?)?;
        // SAFETY: the caller's contract.
        unsafe { bytes_out(&state.to_bytes(), buf, buf_len, written) }
    })
}

/// A state by period of `n_scores` responses dated `days` (days since 1970-01-01). `period` names the period
/// (`day`, `week`, `month`, `quarter`, `year`; `period_len` bytes of UTF-8), quarters and years starting in
/// `fiscal_start_month`.
///
/// # Safety
/// As `cx_grouped_state`; `period` readable for `period_len` bytes.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a C signature: each array comes with its length
pub unsafe extern "C" fn cx_period_state(
    spec: *const cx_metric_spec,
    scores: *const f64,
    n_scores: usize,
    days: *const i64,
    n_days: usize,
    weights: *const f64,
    n_weights: usize,
    period: *const c_char,
    period_len: usize,
    fiscal_start_month: u32,
    missing: u32,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract, for each argument.
        let (spec, s, d, w, period) = unsafe {
            (
                spec_arg(spec)?,
                slice(scores, n_scores, "scores")?,
                slice(days, n_days, "days")?,
                optional_slice(weights, n_weights, "weights")?,
                utf8(period, period_len, "period")?,
            )
        };
        let mut state = GroupedAccumulator::by_period(spec.clone(), Period::parse(period, fiscal_start_month)?)?;
        state.add_dates(s, d, w, codes::missing(missing)?)?;
        // SAFETY: the caller's contract.
        unsafe { bytes_out(&state.to_bytes(), buf, buf_len, written) }
    })
}

/// A funnel state of `n` events of whole accounts (arguments as `cx_funnel`; `as_of` NULL for none).
///
/// # Safety
/// Arrays readable for their lengths (NULL with length 0); `as_of` NULL or readable; `buf` writable for
/// `buf_len` bytes or NULL; `written` writable or NULL.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // a C signature: each array comes with its length
pub unsafe extern "C" fn cx_funnel_state(
    accounts: *const i64,
    events: *const u32,
    timestamps: *const i64,
    n: usize,
    steps: *const u32,
    n_steps: usize,
    window: i64,
    mode: u32,
    as_of: *const i64,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
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
        let mut state = FunnelState::new(codes::funnel_spec(s, window, mode, as_of)?)?;
        state.add(a, e, t)?;
        // SAFETY: the caller's contract.
        unsafe { bytes_out(&state.to_bytes(), buf, buf_len, written) }
    })
}

/// Validation counts of `n` accounts: health `scores` (NaN = unscored) against `churned`.
///
/// # Safety
/// Arrays readable for `n` elements (NULL with 0); `buf` writable for `buf_len` bytes or NULL; `written`
/// writable or NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_validation_state(
    scores: *const f64,
    churned: *const bool,
    n: usize,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract, for each argument.
        let (s, c) = unsafe { (slice(scores, n, "scores")?, slice(churned, n, "churned")?) };
        let counts = ValidationCounts::from_scores(s, c)?;
        // SAFETY: the caller's contract.
        unsafe { bytes_out(&counts.to_bytes(), buf, buf_len, written) }
    })
}

/// The kind of state in `bytes` (a `cx_state` code) into `*kind`, after checking the bytes' envelope and
/// checksum (damaged bytes are `CX_STATUS_INVALID_CONFIG`).
///
/// # Safety
/// `bytes` readable for `len` bytes; `kind` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_state_kind(bytes: *const u8, len: usize, kind: *mut u32) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract.
        let k = state::kind_of(unsafe { slice(bytes, len, "bytes") }?)?;
        // SAFETY: the caller's contract.
        unsafe { write(kind, k as u32, "kind") }
    })
}

/// Merges two states of the same kind (`a` and `b`, as bytes) into `buf`: the merged state equals one built
/// from both inputs. Different kinds, metrics or funnels are errors; damaged bytes `CX_STATUS_INVALID_CONFIG`.
///
/// # Safety
/// `a` and `b` readable for their lengths; `buf` writable for `buf_len` bytes or NULL; `written` writable or
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_state_merge(
    a: *const u8,
    a_len: usize,
    b: *const u8,
    b_len: usize,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract, for each argument.
        let (a, b) = unsafe { (slice(a, a_len, "a")?, slice(b, b_len, "b")?) };
        let merged = state::merge(a, b)?;
        // SAFETY: the caller's contract.
        unsafe { bytes_out(&merged, buf, buf_len, written) }
    })
}

/// Options of a validation result: the bands and the band flagged (with every worse band).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidationOptions {
    bands: Bands,
    at_risk: String,
}

/// Options given as JSON text, or `None` when not given.
fn parsed<'a, T: serde::Deserialize<'a>>(text: Option<&'a str>, what: &str) -> FfiResult<Option<T>> {
    Ok(text.map(|t| codes::options(t, what)).transpose()?)
}

/// The result of a state as the core's JSON (NUL-terminated) in `buf`. `options` (UTF-8 JSON, `options_len`
/// bytes; NULL with 0 for the defaults) depends on the kind: an accumulator takes estimate options
/// (`{"interval": null, "level": 0.95, "missing": "skip"}`) and gives an estimate; a state by group takes
/// group options (as `cx_score_by`'s, in JSON) and gives the rows and suppressed groups; a state by period takes
/// trend options (its own period is used) and gives the trend; a funnel gives the funnel; validation counts
/// need `{"bands": {"names": [...], "cuts": [...]}, "at_risk": "red"}` and give the validation. A population
/// has no result of its own (it is passed to scoring) and is `CX_STATUS_INVALID_ARGUMENT`.
///
/// # Safety
/// `bytes` readable for `len` bytes; `options` readable for `options_len` bytes or NULL; `buf` writable for
/// `buf_len` bytes or NULL; `written` writable or NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_state_result_json(
    bytes: *const u8,
    len: usize,
    options: *const c_char,
    options_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract.
        let bytes = unsafe { slice(bytes, len, "bytes") }?;
        // SAFETY: the caller's contract.
        let options = if options.is_null() && options_len == 0 {
            None
        } else {
            Some(unsafe { utf8(options, options_len, "options") }?)
        };
        // SAFETY (every arm): the caller's contract for `buf` and `written`.
        match state::kind_of(bytes)? {
            Kind::Accumulator => {
                let estimate = Accumulator::from_bytes(bytes)?
                    .estimate(&parsed(options, "estimate options")?.unwrap_or_default())?;
                unsafe { json_out(&estimate, buf, buf_len, written) }
            }
            Kind::GroupedAccumulator => {
                let grouped = GroupedAccumulator::from_bytes(bytes)?;
                if grouped.period().is_some() {
                    let options: TrendOptions = parsed(options, "trend options")?.unwrap_or_default();
                    let trend = grouped.trend(&options)?;
                    unsafe { json_out(&trend, buf, buf_len, written) }
                } else {
                    let options: GroupOptions = parsed(options, "group options")?.unwrap_or_default();
                    let rows = grouped.estimates(&options)?;
                    unsafe { json_out(&rows, buf, buf_len, written) }
                }
            }
            Kind::Funnel => unsafe { json_out(&FunnelState::from_bytes(bytes)?.finish(), buf, buf_len, written) },
            Kind::Validation => {
                let Some(o) = parsed::<ValidationOptions>(options, "validation options")? else {
                    return Err(cx_core::CxError::invalid_argument(
                        "options",
                        "NULL",
                        "validation counts need {\"bands\": ..., \"at_risk\": ...}",
                    )
                    .into());
                };
                let v = ValidationCounts::from_bytes(bytes)?.validate(&o.bands, &o.at_risk)?;
                unsafe { json_out(&v, buf, buf_len, written) }
            }
            Kind::Population => {
                Population::from_bytes(bytes)?;
                Err(cx_core::CxError::invalid_argument(
                    "bytes",
                    "a population",
                    "has no result of its own; pass it to scoring",
                )
                .into())
            }
        }
    })
}
