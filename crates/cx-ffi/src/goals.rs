//! SMART goals from C: goal and goal-tree handles from JSON; the SMART check, progress and a tree's progress as
//! the core's JSON in caller buffers; the success rate as a struct; quarter and fiscal-year helpers. Dates are
//! `int32_t` days since 1970-01-01.

use crate::boundary::{FfiResult, boundary, check_out, json_out, reference, slice, utf8, write};
use crate::status::cx_status;
use cx_core::goals::{Goal, GoalTree, Observations, Tolerances};
use cx_core::period;
use std::ffi::c_char;

/// A validated goal. Immutable: safe to share between threads.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct cx_goal {
    goal: Goal,
}

/// A validated goal tree (unique ids, known parents, no cycles). Immutable: safe to share between threads.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct cx_goal_tree {
    tree: GoalTree,
}

/// How far progress may trail the elapsed share of the period: `on_track` up to `at_risk_gap`, `at_risk` up to
/// `off_track_gap`, `off_track` beyond. `cx_goal_tolerances_default()` gives 0.10 and 0.25.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cx_goal_tolerances {
    /// Largest gap still on track.
    pub at_risk_gap: f64,
    /// Largest gap still at risk.
    pub off_track_gap: f64,
}

/// The success rate of closed goals: achieved 1, partially achieved 0.5, missed 0; cancelled and open excluded.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cx_success_rate {
    /// (achieved + 0.5 × partially) / (achieved + partially + missed).
    pub rate: f64,
    /// Goals achieved.
    pub achieved: u64,
    /// Goals partially achieved.
    pub partially_achieved: u64,
    /// Goals missed.
    pub missed: u64,
    /// Goals cancelled.
    pub cancelled: u64,
    /// Goals without an outcome.
    pub open: u64,
}

/// The default tolerances (0.10, 0.25).
#[unsafe(no_mangle)]
pub extern "C" fn cx_goal_tolerances_default() -> cx_goal_tolerances {
    let t = Tolerances::default();
    cx_goal_tolerances {
        at_risk_gap: t.at_risk_gap,
        off_track_gap: t.off_track_gap,
    }
}

/// # Safety
/// `t` NULL (defaults) or readable.
unsafe fn tolerances(t: *const cx_goal_tolerances) -> FfiResult<Tolerances> {
    let t = if t.is_null() {
        Tolerances::default()
    } else {
        // SAFETY: forwarded contract.
        let t = unsafe { reference(t, "tolerances") }?;
        Tolerances {
            at_risk_gap: t.at_risk_gap,
            off_track_gap: t.off_track_gap,
        }
    };
    t.validate()?;
    Ok(t)
}

/// # Safety
/// Arrays readable for `n` (or NULL with `n == 0`).
unsafe fn observations(days: *const i32, values: *const f64, n: usize) -> FfiResult<Observations> {
    // SAFETY: forwarded contract.
    let (d, v) = unsafe { (slice(days, n, "days")?, slice(values, n, "values")?) };
    Ok(Observations::new(d, v)?)
}

/// A goal from its versioned JSON (a bad field is `CX_STATUS_INVALID_CONFIG` and the message names it). Free
/// with `cx_goal_free`.
///
/// # Safety
/// `json` readable for `json_len` bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_goal_from_json(json: *const c_char, json_len: usize, out: *mut *mut cx_goal) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let goal = Goal::from_json(unsafe { utf8(json, json_len, "json") }?)?;
        // SAFETY: checked above.
        unsafe { write(out, Box::into_raw(Box::new(cx_goal { goal })), "out") }
    })
}

/// The SMART check as JSON (NUL-terminated) in `buf`; `*written` gets the size needed, also when the buffer is
/// too small. The history (`history_days`, `history_values`, `n_history`; NULL and 0 for none) lets Achievable
/// compare paces.
///
/// # Safety
/// `goal` a live handle; arrays readable for `n_history`; `buf` writable for `buf_len` bytes; `written` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_goal_check_json(
    goal: *const cx_goal,
    history_days: *const i32,
    history_values: *const f64,
    n_history: usize,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract, for each argument.
        let (g, history) = unsafe {
            (
                &reference(goal, "goal")?.goal,
                observations(history_days, history_values, n_history)?,
            )
        };
        let report = g.check((!history.is_empty()).then_some(&history))?;
        // SAFETY: the caller's contract.
        unsafe { json_out(&report, buf, buf_len, written) }
    })
}

/// Progress at `as_of` from observations (unsorted is fine; one per date) as JSON in `buf`. `tolerances` NULL
/// means the defaults.
///
/// # Safety
/// `goal` a live handle; arrays readable for `n`; `tolerances` NULL or readable; `buf` writable for `buf_len`
/// bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_goal_progress_json(
    goal: *const cx_goal,
    days: *const i32,
    values: *const f64,
    n: usize,
    as_of: i32,
    tolerances: *const cx_goal_tolerances,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract, for each argument.
        let (g, obs, t) = unsafe {
            (
                &reference(goal, "goal")?.goal,
                observations(days, values, n)?,
                self::tolerances(tolerances)?,
            )
        };
        let p = g.progress(&obs, period::date_argument("as_of", as_of)?, &t)?;
        // SAFETY: the caller's contract.
        unsafe { json_out(&p, buf, buf_len, written) }
    })
}

/// Frees a goal; NULL is allowed.
///
/// # Safety
/// `goal` NULL or a handle from `cx_goal_from_json` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_goal_free(goal: *mut cx_goal) {
    if !goal.is_null() {
        // SAFETY: a handle from `Box::into_raw`, freed exactly once per the caller's contract.
        drop(unsafe { Box::from_raw(goal) });
    }
}

/// A goal tree from `{"version": 1, "goals": [...]}`: an unknown parent is `CX_STATUS_UNKNOWN_ID`, a cycle
/// `CX_STATUS_CYCLE`. Free with `cx_goal_tree_free`.
///
/// # Safety
/// `json` readable for `json_len` bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_goal_tree_from_json(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut cx_goal_tree,
) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let tree = GoalTree::from_json(unsafe { utf8(json, json_len, "json") }?)?;
        // SAFETY: checked above.
        unsafe { write(out, Box::into_raw(Box::new(cx_goal_tree { tree })), "out") }
    })
}

/// The number of goals; a goal's code is its position in the tree's JSON.
///
/// # Safety
/// `tree` a live handle; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_goal_tree_len(tree: *const cx_goal_tree, out: *mut usize) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract.
        let n = unsafe { reference(tree, "tree") }?.tree.goals().len();
        // SAFETY: the caller's contract.
        unsafe { write(out, n, "out") }
    })
}

/// The code of the goal with id `(id, id_len)`; an id not in the tree is `CX_STATUS_UNKNOWN_ID`.
///
/// # Safety
/// `tree` a live handle; `id` readable for `id_len` bytes; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_goal_tree_code(
    tree: *const cx_goal_tree,
    id: *const c_char,
    id_len: usize,
    out: *mut u32,
) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let (t, id) = unsafe { (&reference(tree, "tree")?.tree, utf8(id, id_len, "id")?) };
        let code = t.codes(&[id])?[0];
        // SAFETY: checked above.
        unsafe { write(out, code, "out") }
    })
}

/// Progress of every goal at `as_of`, rolled up, as JSON in `buf`, from columnar observations: `codes[i]` is the
/// goal (its position in the tree), `days[i]` and `values[i]` the observation. A code out of range is
/// `CX_STATUS_INVALID_GROUP_CODE` naming its index.
///
/// # Safety
/// `tree` a live handle; arrays readable for `n`; `tolerances` NULL or readable; `buf` writable for `buf_len`
/// bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_goal_tree_progress_json(
    tree: *const cx_goal_tree,
    codes: *const u32,
    days: *const i32,
    values: *const f64,
    n: usize,
    as_of: i32,
    tolerances: *const cx_goal_tolerances,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract, for each argument.
        let (t, c, d, v, tol) = unsafe {
            (
                &reference(tree, "tree")?.tree,
                slice(codes, n, "codes")?,
                slice(days, n, "days")?,
                slice(values, n, "values")?,
                self::tolerances(tolerances)?,
            )
        };
        let progress = t.progress(&t.split(c, d, v)?, period::date_argument("as_of", as_of)?, &tol)?;
        // SAFETY: the caller's contract.
        unsafe { json_out(&progress, buf, buf_len, written) }
    })
}

/// The success rate of the tree's closed goals; none closed is `CX_STATUS_EMPTY_INPUT`, not 0.
///
/// # Safety
/// `tree` a live handle; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_goal_tree_success_rate(tree: *const cx_goal_tree, out: *mut cx_success_rate) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let r = unsafe { reference(tree, "tree") }?.tree.success_rate()?;
        let out_value = cx_success_rate {
            rate: r.rate,
            achieved: r.achieved as u64,
            partially_achieved: r.partially_achieved as u64,
            missed: r.missed as u64,
            cancelled: r.cancelled as u64,
            open: r.open as u64,
        };
        // SAFETY: checked above.
        unsafe { write(out, out_value, "out") }
    })
}

/// Frees a goal tree; NULL is allowed.
///
/// # Safety
/// `tree` NULL or a handle from `cx_goal_tree_from_json` not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_goal_tree_free(tree: *mut cx_goal_tree) {
    if !tree.is_null() {
        // SAFETY: a handle from `Box::into_raw`, freed exactly once per the caller's contract.
        drop(unsafe { Box::from_raw(tree) });
    }
}

fn span(
    day: i32,
    which: fn(chrono::NaiveDate, u32) -> cx_core::Result<(chrono::NaiveDate, chrono::NaiveDate)>,
    fiscal_start_month: u32,
    first: *mut i32,
    last: *mut i32,
) -> cx_status {
    boundary(|| {
        check_out(first, "first")?;
        check_out(last, "last")?;
        let (a, b) = which(period::date_argument("day", day)?, fiscal_start_month)?;
        // Dates in chrono's range are within ±2^31 days of 1970, so the casts cannot truncate.
        let (a, b) = (period::days_since_epoch(a) as i32, period::days_since_epoch(b) as i32);
        // SAFETY: both checked above; writable per the caller.
        unsafe {
            write(first, a, "first")?;
            write(last, b, "last")
        }
    })
}

/// First and last day of the (fiscal) quarter holding `day`; `fiscal_start_month` 1..=12.
///
/// # Safety
/// `first` and `last` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_quarter_of(
    day: i32,
    fiscal_start_month: u32,
    first: *mut i32,
    last: *mut i32,
) -> cx_status {
    span(day, period::quarter_of, fiscal_start_month, first, last)
}

/// First and last day of the fiscal year holding `day`.
///
/// # Safety
/// `first` and `last` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_fiscal_year_of(
    day: i32,
    fiscal_start_month: u32,
    first: *mut i32,
    last: *mut i32,
) -> cx_status {
    span(day, period::fiscal_year_of, fiscal_start_month, first, last)
}
