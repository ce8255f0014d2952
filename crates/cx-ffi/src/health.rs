//! Health scoring from C: a scorecard handle from JSON, batch scoring of columns into caller buffers, one
//! account's explanation as JSON, and validation against churn.

use crate::boundary::{
    FfiResult, boundary, check_out, check_out_array, copy_out, reference, slice, utf8, write, write_array,
};
use crate::status::cx_status;
use cx_core::health::{Columns, Scorecard, Scorer, validate_scores};
use std::ffi::c_char;

/// A validated health scorecard. Immutable: safe to share between threads.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct cx_scorecard {
    scorer: Scorer,
}

/// Validation of scores against churn.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cx_score_validation {
    /// Scored accounts.
    pub n: u64,
    /// Accounts without a score (NaN), left out.
    pub n_unscored: u64,
    /// Churned among the scored.
    pub churned: u64,
    /// churned / n.
    pub base_rate: f64,
    /// P(a retained account scored higher than a churned one) + ½ P(tie).
    pub auc: f64,
    /// Churn rate of the lowest-scored 10%.
    pub top_decile_churn_rate: f64,
    /// That rate / the base rate.
    pub top_decile_lift: f64,
    /// Share of all churners in the lowest-scored 10%.
    pub top_decile_capture: f64,
    /// Precision of flagging the at-risk band and worse (NaN if none is flagged).
    pub precision: f64,
    /// Recall of that flag.
    pub recall: f64,
}

/// # Safety
/// `card` NULL or a live handle.
unsafe fn scorer<'a>(card: *const cx_scorecard) -> FfiResult<&'a Scorer> {
    // SAFETY: forwarded contract.
    Ok(&unsafe { reference(card, "card") }?.scorer)
}

/// Columns from C arrays: `values[m]` points to `n_accounts` doubles; `ages` is NULL or holds `n_measures`
/// pointers, each NULL (no ages) or to `n_accounts` doubles.
///
/// # Safety
/// As described, valid for the call.
unsafe fn columns<'a>(
    values: *const *const f64,
    ages: *const *const f64,
    n_measures: usize,
    n_accounts: usize,
) -> FfiResult<Columns<'a>> {
    // SAFETY: the caller's contract, for each pointer.
    unsafe {
        let value_ptrs = slice(values, n_measures, "values")?;
        let mut cols = Vec::with_capacity(n_measures);
        for &p in value_ptrs {
            cols.push(slice(p, n_accounts, "values[m]")?);
        }
        let age_cols = if ages.is_null() {
            vec![None; n_measures]
        } else {
            let ptrs = slice(ages, n_measures, "ages")?;
            let mut out = Vec::with_capacity(n_measures);
            for &p in ptrs {
                out.push(if p.is_null() {
                    None
                } else {
                    Some(slice(p, n_accounts, "ages[m]")?)
                });
            }
            out
        };
        Ok(Columns {
            values: cols,
            ages: age_cols,
        })
    }
}

/// A scorecard from its versioned JSON (validated; a bad field is `CX_STATUS_INVALID_CONFIG` and the message
/// names it, e.g. `measures[3].scoring.good`). Free with `cx_scorecard_free`.
///
/// # Safety
/// `json` readable for `json_len` bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_scorecard_from_json(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut cx_scorecard,
) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let json = unsafe { utf8(json, json_len, "json") }?;
        let scorer = Scorer::new(Scorecard::from_json(json)?)?;
        // SAFETY: checked above.
        unsafe { write(out, Box::into_raw(Box::new(cx_scorecard { scorer })), "out") }
    })
}

/// The number of measures; their order is the order of the `values` arrays.
///
/// # Safety
/// `card` a live handle; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_scorecard_measure_count(card: *const cx_scorecard, out: *mut usize) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract.
        let n = unsafe { scorer(card) }?.scorecard().measures.len();
        // SAFETY: the caller's contract.
        unsafe { write(out, n, "out") }
    })
}

/// Scores `n_accounts` accounts. `values` holds one pointer per measure (scorecard order) to `n_accounts` raw
/// values (NaN = missing); `ages` is NULL or one pointer per measure (NULL = no ages); `previous` is NULL or
/// `n_accounts` previous scores. Outputs, each for `out_len >= n_accounts` accounts: `scores` (NaN =
/// insufficient data), `bands` (band index, 0 = worst, -1 = none), `coverage` (0–1); `bands` and `coverage` may be
/// NULL if not wanted. Every output given is checked (alignment, size) before the work starts, and the three are
/// written only when the whole call succeeds.
///
/// # Safety
/// Pointers valid as described; outputs writable for `out_len` elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_scorecard_score(
    card: *const cx_scorecard,
    values: *const *const f64,
    ages: *const *const f64,
    n_measures: usize,
    n_accounts: usize,
    previous: *const f64,
    scores: *mut f64,
    bands: *mut i32,
    coverage: *mut f64,
    out_len: usize,
) -> cx_status {
    boundary(|| {
        check_out_array(scores, out_len, n_accounts, "scores")?;
        if !bands.is_null() {
            check_out_array(bands, out_len, n_accounts, "bands")?;
        }
        if !coverage.is_null() {
            check_out_array(coverage, out_len, n_accounts, "coverage")?;
        }
        // SAFETY: the caller's contract, for each argument.
        let (s, cols, prev) = unsafe {
            (
                scorer(card)?,
                columns(values, ages, n_measures, n_accounts)?,
                crate::boundary::optional_slice(previous, n_accounts, "previous")?,
            )
        };
        let batch = s.score(&cols, prev)?;
        // The batch has one row per account (no measure columns would give none): write only what it holds,
        // and only if that is every account.
        for (what, len) in [
            ("scores", batch.score.len()),
            ("bands", batch.band.len()),
            ("coverage", batch.coverage.len()),
        ] {
            cx_core::CxError::check_len(what, n_accounts, len)?;
        }
        let band_codes: Vec<i32> = batch.band.iter().map(|b| b.map_or(-1, |b| b as i32)).collect();
        // SAFETY: each output given passed `check_out_array` for `n_accounts` elements, the length of each row.
        unsafe {
            write_array(scores, &batch.score);
            if !bands.is_null() {
                write_array(bands, &band_codes);
            }
            if !coverage.is_null() {
                write_array(coverage, &batch.coverage);
            }
        }
        Ok(())
    })
}

/// The explanation of account `account` (row) as JSON (the same document Rust and Python produce), NUL-terminated
/// into `(buf, buf_len)`; `*written` receives the size needed, also with `CX_STATUS_BUFFER_TOO_SMALL`.
///
/// # Safety
/// As `cx_scorecard_score` for the inputs; `buf` writable for `buf_len` bytes or NULL; `written` writable or NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_scorecard_explain_json(
    card: *const cx_scorecard,
    values: *const *const f64,
    ages: *const *const f64,
    n_measures: usize,
    n_accounts: usize,
    previous: *const f64,
    account: usize,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract, for each argument.
        let (s, cols, prev) = unsafe {
            (
                scorer(card)?,
                columns(values, ages, n_measures, n_accounts)?,
                crate::boundary::optional_slice(previous, n_accounts, "previous")?,
            )
        };
        let batch = s.score(&cols, prev)?;
        let json = serde_json::to_string(&s.explain(&cols, &batch, account)?).expect("explanations serialise");
        // SAFETY: the caller's contract.
        unsafe { copy_out(json.as_bytes(), buf.cast(), buf_len, written, true, "buf") }
    })
}

/// Validates `scores` (NaN = unscored) against `churned` (0/1) with the scorecard's bands, flagging the band
/// named `at_risk` and every worse band.
///
/// # Safety
/// `card` a live handle; arrays readable for `n`; `at_risk` readable for `at_risk_len` bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_scorecard_validate(
    card: *const cx_scorecard,
    scores: *const f64,
    churned: *const u8,
    n: usize,
    at_risk: *const c_char,
    at_risk_len: usize,
    out: *mut cx_score_validation,
) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract, for each argument.
        let (s, scores, churned, at_risk) = unsafe {
            (
                scorer(card)?,
                slice(scores, n, "scores")?,
                slice(churned, n, "churned")?,
                utf8(at_risk, at_risk_len, "at_risk")?,
            )
        };
        if let Some(i) = churned.iter().position(|&c| c > 1) {
            return Err(
                cx_core::CxError::invalid_argument(format!("churned[{i}]"), churned[i], "must be 0 or 1").into(),
            );
        }
        let flags: Vec<bool> = churned.iter().map(|&c| c == 1).collect();
        let v = validate_scores(scores, &flags, &s.scorecard().bands, at_risk)?;
        let result = cx_score_validation {
            n: v.n,
            n_unscored: v.n_unscored,
            churned: v.churned,
            base_rate: v.base_rate,
            auc: v.auc,
            top_decile_churn_rate: v.top_decile.churn_rate,
            top_decile_lift: v.top_decile.lift,
            top_decile_capture: v.top_decile.capture,
            precision: v.threshold.precision,
            recall: v.threshold.recall,
        };
        // SAFETY: checked above.
        unsafe { write(out, result, "out") }
    })
}

/// Frees a scorecard. NULL is allowed and does nothing.
///
/// # Safety
/// `card` NULL or a handle from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_scorecard_free(card: *mut cx_scorecard) {
    if !card.is_null() {
        // SAFETY: a handle from `Box::into_raw`, freed exactly once per the caller's contract.
        drop(unsafe { Box::from_raw(card) });
    }
}
