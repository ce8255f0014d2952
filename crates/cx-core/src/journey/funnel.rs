//! The event-log funnel: from columns (account, event, timestamp) to how many accounts reached each step of an
//! ordered list of events within a conversion window anchored at the entry event.
//!
//! Definitions:
//! - **Entry**: an occurrence of the first step's event. Every entry starts an attempt; an attempt reaches step
//!   `k` when steps `1..=k` follow within `window` of the entry (`t − entry ≤ window`, same unit as the timestamps).
//! - **Modes**: `ordered` — the steps occur in order, other events may come between; `strict` — in order with no
//!   other event of the account between consecutive steps (any event, repeated steps included); `any_order` —
//!   steps `1..=k` all occur at or after the entry, in any order.
//! - **Ties**: events of one account at the same timestamp are taken in step order, then other events, so
//!   simultaneous steps count as in order and an unrelated event at that instant does not break a strict run.
//! - Each account counts once, at the furthest step any of its attempts reaches. Its times to convert (to each
//!   step, from the entry) come from the attempt that reached that furthest step first (on a tie, the later
//!   entry), taking each step at its first occurrence.
//! - With `as_of` (the end of observation), an account whose best attempt is still inside its window and could
//!   continue is **in progress** at the next step, not dropped: `dropped = reached(k−1) − reached(k) −
//!   in_progress(k)`. Events after `as_of` are an error.
//! - Input may be unsorted; sorted input (ascending account, then timestamp) takes a single pass.
//! - A timestamp of `i64::MIN` is numpy's NaT, a missing time: refused with [`CxError::InvalidDate`] naming its
//!   index (the whole call fails; drop such rows first). Every time difference is computed exactly, so timestamps
//!   far apart in the i64 range never wrap into the window.
//! - Any-order mode is linear in an account's events (times the number of steps), however many entries share a
//!   window.

use crate::error::{CxError, Result};
use crate::serde_util::nan_as_null;
use serde::{Deserialize, Serialize};
use std::hint::select_unpredictable;
use std::ops::Range;

/// At most this many steps (the state of an attempt is a 64-bit set).
pub const MAX_STEPS: usize = 64;
const NOT_A_STEP: u8 = u8::MAX;

/// How steps must follow each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelMode {
    /// In order; other events may come between.
    Ordered,
    /// In order with no other event of the account between consecutive steps.
    Strict,
    /// All steps after the entry, in any order.
    AnyOrder,
}

impl FunnelMode {
    /// Parses `ordered`, `strict` or `any_order`.
    pub fn parse(name: &str) -> Result<FunnelMode> {
        match name {
            "ordered" => Ok(FunnelMode::Ordered),
            "strict" => Ok(FunnelMode::Strict),
            "any_order" => Ok(FunnelMode::AnyOrder),
            _ => Err(CxError::UnknownName {
                kind: "funnel mode".into(),
                name: name.into(),
                expected: "ordered, strict, any_order".into(),
            }),
        }
    }

    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            FunnelMode::Ordered => "ordered",
            FunnelMode::Strict => "strict",
            FunnelMode::AnyOrder => "any_order",
        }
    }
}

/// What the funnel counts and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelSpec {
    /// The event code of each step, in order; distinct.
    pub steps: Vec<u32>,
    /// The conversion window from the entry, in timestamp units (> 0).
    pub window: i64,
    /// How steps must follow each other.
    pub mode: FunnelMode,
    /// End of observation, for telling accounts still in their window from drop-offs.
    pub as_of: Option<i64>,
}

/// One step's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelStep {
    /// Position in the funnel, 0 = entry.
    pub step: usize,
    /// The step's event code.
    pub event: u32,
    /// Accounts that reached it.
    pub reached: u64,
    /// Accounts stopped at the previous step whose window is still open at `as_of` (0 without `as_of`).
    pub in_progress: u64,
    /// Accounts stopped at the previous step for good.
    pub dropped: u64,
    /// `reached / reached(previous step)`; NaN when nobody reached the previous step; 1 for the entry.
    #[serde(with = "nan_as_null")]
    pub conversion_from_previous: f64,
    /// `reached / reached(entry)`.
    #[serde(with = "nan_as_null")]
    pub conversion_from_entry: f64,
    /// Median time from entry to this step over the accounts that reached it (type-7 quantile); NaN for the entry.
    #[serde(with = "nan_as_null")]
    pub time_to_convert_p50: f64,
    /// 90th percentile of the same.
    #[serde(with = "nan_as_null")]
    pub time_to_convert_p90: f64,
}

/// The funnel with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Funnel {
    /// The mode used.
    pub mode: FunnelMode,
    /// The window used.
    pub window: i64,
    /// The end of observation used.
    pub as_of: Option<i64>,
    /// How ties were ordered.
    pub ties: String,
    /// Events read.
    pub n_events: u64,
    /// Accounts with at least one event.
    pub n_accounts: u64,
    /// One line per step.
    pub steps: Vec<FunnelStep>,
}

/// What one account contributes: the furthest step (`None` = never entered) and whether its best attempt is
/// still open at `as_of`; the times to each step of the attempt that reached it first go to a reused buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
struct AccountResult {
    level: Option<usize>,
    open: bool,
}

const NEVER_ENTERED: AccountResult = AccountResult {
    level: None,
    open: false,
};

/// The event code → step lookup, as a table when codes are small and a search otherwise; also straight to the
/// [`Chains`] slot, for the ordered mode's hot loop.
struct StepOf {
    table: Vec<u8>,
    slots: Vec<u8>,
    steps: Vec<u32>,
}

impl StepOf {
    fn new(steps: &[u32]) -> StepOf {
        let max = steps.iter().copied().max().unwrap_or(0) as usize;
        let (mut table, mut slots) = (Vec::new(), Vec::new());
        if max < 1 << 20 {
            table = vec![NOT_A_STEP; max + 1];
            slots = vec![steps.len() as u8 + 2; max + 1];
            for (k, &e) in steps.iter().enumerate() {
                table[e as usize] = k as u8;
                slots[e as usize] = k as u8 + 1;
            }
        }
        StepOf {
            table,
            slots,
            steps: steps.to_vec(),
        }
    }

    #[inline]
    fn get(&self, event: u32) -> u8 {
        if !self.table.is_empty() {
            return self.table.get(event as usize).copied().unwrap_or(NOT_A_STEP);
        }
        (self.steps.iter().position(|&s| s == event)).map_or(NOT_A_STEP, |k| k as u8)
    }

    /// The slot table and the slot of events not in it, when codes are small enough for a table.
    fn slot_table(&self) -> Option<(&[u8], u8)> {
        (!self.slots.is_empty()).then_some((&self.slots[..], self.steps.len() as u8 + 2))
    }

    /// The slot of an event in [`Chains`] (through the slot table when there is one).
    #[inline]
    fn slot(&self, event: u32) -> u8 {
        match self.slot_table() {
            Some((table, other)) => table.get(event as usize).copied().unwrap_or(other),
            None => slot_of_step(self.get(event), self.steps.len()),
        }
    }
}

/// The [`Chains`] slot of a step of an `n`-step funnel: `k + 1`, or `n + 2` for [`NOT_A_STEP`].
#[inline]
fn slot_of_step(step: u8, n: usize) -> u8 {
    step.saturating_add(1).min(n as u8 + 2)
}

pub(super) fn check(spec: &FunnelSpec, accounts: usize, events: usize, timestamps: &[i64]) -> Result<()> {
    CxError::check_len("events", accounts, events)?;
    CxError::check_len("timestamps", accounts, timestamps.len())?;
    if spec.steps.is_empty() || spec.steps.len() > MAX_STEPS {
        return Err(CxError::invalid_argument(
            "steps",
            spec.steps.len(),
            format!("a funnel has 1..={MAX_STEPS} steps"),
        ));
    }
    for (k, e) in spec.steps.iter().enumerate() {
        if spec.steps[..k].contains(e) {
            return Err(CxError::invalid_argument(
                format!("steps[{k}]"),
                e,
                "appears twice; steps must be distinct events",
            ));
        }
    }
    if spec.window <= 0 {
        return Err(CxError::invalid_argument("window", spec.window, "must be positive"));
    }
    // NaT (a missing time) is looked for here only when `as_of` makes this pass over the timestamps anyway; else
    // the counting passes find it where they read the times already (see `missing_time`), so the sorted path
    // gains no extra pass over the column.
    if let Some(as_of) = spec.as_of {
        let (earliest, latest) = (timestamps.iter()).fold((i64::MAX, i64::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
        if earliest == MISSING_TIME {
            missing_time(timestamps)?;
        }
        if latest > as_of
            && let Some(i) = timestamps.iter().position(|&t| t > as_of)
        {
            return Err(CxError::invalid_argument(
                format!("timestamps[{i}]"),
                timestamps[i],
                format!("is after as_of {as_of}"),
            ));
        }
    }
    Ok(())
}

/// [`CxError::InvalidDate`] at the first missing time (NaT), if any.
fn missing_time(timestamps: &[i64]) -> Result<()> {
    match timestamps.iter().position(|&t| t == MISSING_TIME) {
        // numpy's NaT: a missing time, not the earliest instant (as a time it would wrap every difference).
        Some(index) => Err(nat_at(index)),
        None => Ok(()),
    }
}

fn nat_at(index: usize) -> CxError {
    CxError::InvalidDate {
        value: "NaT".into(),
        index,
    }
}

/// A missing timestamp: numpy's NaT, which is `i64::MIN` in a datetime64 column viewed as integers. Refused with
/// [`CxError::InvalidDate`] naming its index.
const MISSING_TIME: i64 = i64::MIN;

/// Whether `t` lies in the window of an attempt entered at `entry`: `entry ≤ t ≤ entry + window`, computed without
/// wrapping however far apart the two are.
#[inline]
fn within(t: i64, entry: i64, window: i64) -> bool {
    t >= entry && t.abs_diff(entry) <= window as u64
}

/// Whether an attempt entered at `entry` still has window left at `as_of` (`as_of − entry < window`, exact).
#[inline]
fn still_open(as_of: Option<i64>, entry: i64, window: i64) -> bool {
    as_of.is_some_and(|end| end < entry || end.abs_diff(entry) < window as u64)
}

/// Per-account state machine for the ordered and strict modes, reused across accounts.
///
/// Attempts share their prefixes: each step taken is a record `(time, previous record)` in an arena, so moving an
/// attempt one step on costs one push and no copying; the times of an attempt are read back by following the
/// links once, at the end.
///
/// Slots rather than steps index the per-step arrays, so that the ordered mode runs without a branch per event
/// (its events are the funnel's hot loop, and which step comes next is unpredictable): slot `k + 1` holds step
/// `k`; slot 0 is a pseudo-attempt "before the entry", set to the current event, so starting an attempt is
/// extending slot 0; slot `n + 2` takes the events that are no step, and its predecessor `n + 1` never holds an
/// attempt, so they change nothing. The arrays have 256 slots so that a `u8` slot needs no bounds check.
struct Chains {
    /// Steps in the funnel.
    n: usize,
    /// `entry[slot]`: entry time of the live attempt there with the latest entry (best chance to go on), or
    /// [`NO_ATTEMPT`].
    entry: Box<[i64; 256]>,
    /// `live[slot]`: that attempt's last record.
    live: Box<[u32; 256]>,
    /// One per step taken; in the ordered mode one per event, used or not (see [`ordered_run`]).
    records: Vec<Record>,
    /// Records in use by the strict mode (the ordered mode numbers records by event).
    next: u32,
    /// The slot of the furthest step reached so far (0 = none) and the record of the attempt that reached it first.
    level_slot: u8,
    level_record: u32,
}

/// A step taken by an attempt: when, the attempt's entry (so its time to convert needs no second walk), and the
/// record of its previous step (the entry's is itself).
#[derive(Debug, Clone, Copy, Default)]
struct Record {
    time: i64,
    entry: i64,
    previous: u32,
}

/// No live attempt at a step (a sentinel rather than `Option`, to keep the per-event loop lean).
const NO_ATTEMPT: i64 = i64::MIN;

impl Chains {
    fn new(n: usize) -> Chains {
        Chains {
            n,
            entry: Box::new([NO_ATTEMPT; 256]),
            live: Box::new([0; 256]),
            records: vec![Record::default(); 64],
            next: 0,
            level_slot: 0,
            level_record: 0,
        }
    }

    /// Ready for the next account.
    #[inline]
    fn reset(&mut self) {
        self.entry[..self.n + 3].fill(NO_ATTEMPT);
        self.next = 0;
        self.level_slot = 0;
    }

    /// Room for one more record.
    #[inline]
    fn reserve(&mut self) {
        if self.next as usize >= self.records.len() {
            self.records.resize(2 * self.records.len(), Record::default());
        }
    }

    /// Whether the live attempt at step `k` can take an event at `t` (it exists and `t` is inside its window).
    #[inline]
    fn can_extend(&self, k: usize, t: i64, window: i64) -> bool {
        let e = self.entry[k + 1];
        e != NO_ATTEMPT && within(t, e, window)
    }

    /// Moves the live attempt at step `from` (or a new entry when `from` is `None`) to step `to` at time `t`.
    #[inline]
    fn advance(&mut self, from: Option<usize>, to: usize, t: i64) {
        self.reserve();
        let id = self.next;
        let (entry, previous) = match from {
            None => (t, id),
            Some(k) => (self.entry[k + 1], self.live[k + 1]),
        };
        self.records[id as usize] = Record {
            time: t,
            entry,
            previous,
        };
        self.next += 1;
        self.entry[to + 1] = entry;
        self.live[to + 1] = id;
        if to + 1 > self.level_slot as usize {
            self.level_slot = to as u8 + 1;
            self.level_record = id;
        }
    }

    fn break_all(&mut self) {
        self.entry[..self.n + 3].fill(NO_ATTEMPT);
    }

    /// Adds the account to `tally`: its furthest step, whether it is still open at `as_of`, and the times to each
    /// step of the attempt that reached the furthest step first (read back along its records).
    fn add_to(&self, window: i64, as_of: Option<i64>, tally: &mut Tally) {
        tally.accounts += 1;
        if self.level_slot == 0 {
            return;
        }
        let level = self.level_slot as usize - 1;
        // One walk from the furthest step back to the entry (a loop per account costs a missed branch at its end).
        let mut id = self.level_record as usize;
        for k in (0..=level).rev() {
            let record = self.records[id];
            tally.reached[k] += 1;
            tally.times[k].push(record.time - record.entry);
            id = record.previous as usize;
        }
        // In progress: a live attempt at the furthest step whose window has not closed, with a step left to take.
        let e = self.entry[self.level_slot as usize];
        if level + 1 < self.n && e != NO_ATTEMPT && still_open(as_of, e, window) {
            tally.in_progress[level + 1] += 1;
        }
    }
}

/// One account's events `(timestamp, step)` in processing order (time, then step, non-steps last).
fn account_ordered(
    events: impl Iterator<Item = (i64, u8)>,
    len: usize,
    spec: &FunnelSpec,
    chains: &mut Chains,
    tally: &mut Tally,
) {
    chains.reset();
    let w = spec.window;
    if spec.mode == FunnelMode::Strict {
        for (t, step) in events {
            // Every event breaks every attempt except the one it extends (or the one it starts).
            let k = step as usize;
            let extend = step != NOT_A_STEP && k > 0 && chains.can_extend(k - 1, t, w);
            if extend {
                chains.advance(Some(k - 1), k, t);
                let keep = chains.entry[k + 1];
                chains.break_all();
                chains.entry[k + 1] = keep;
            } else {
                chains.break_all();
                if k == 0 {
                    chains.advance(None, 0, t);
                }
            }
        }
    } else {
        let n = chains.n;
        let slots = events.map(|(t, step)| (slot_of_step(step, n), t));
        ordered_run(chains, slots, len, w);
    }
    chains.add_to(spec.window, spec.as_of, tally);
}

/// The ordered mode over one account's `len` events `(slot, time)` in processing order: the funnel's hot loop.
///
/// At each event the live attempt one slot before moves to the event's slot if it is inside its window and entered
/// later than the one there (more window left); an entry always starts an attempt. Branch-free, with the
/// account's running values in locals (registers): every store happens, with the old value when nothing moves.
#[inline(always)]
fn ordered_run(chains: &mut Chains, events: impl Iterator<Item = (u8, i64)>, len: usize, window: i64) {
    if chains.records.len() < len {
        chains.records.resize(len, Record::default());
    }
    let (entry, live, records) = (&mut *chains.entry, &mut *chains.live, &mut chains.records[..len]);
    let (mut level_slot, mut level_record) = (0u8, 0u32);
    // Event `i` writes record `i`, used or not: had records been numbered by the steps taken, every event's store
    // would wait for the previous event's outcome, a chain through the whole loop.
    for ((slot, t), (i, record)) in events.zip((0u32..).zip(records.iter_mut())) {
        entry[0] = t;
        live[0] = i;
        let (here, from) = (slot as usize, slot.wrapping_sub(1) as usize);
        let (from_entry, here_entry) = (entry[from], entry[here]);
        // `t ≥ from_entry` (time order), so the unsigned difference is exact even across the i64 range.
        let inside = t.wrapping_sub(from_entry) as u64 <= window as u64;
        let moves = (slot == 1) | ((from_entry != NO_ATTEMPT) & inside & (from_entry > here_entry));
        *record = Record {
            time: t,
            entry: from_entry,
            previous: live[from],
        };
        // `select_unpredictable`: without it the compiler turns these back into branches.
        entry[here] = select_unpredictable(moves, from_entry, here_entry);
        live[here] = select_unpredictable(moves, i, live[here]);
        // Steps are reached in order, so the first time a slot exceeds the level is its first reach.
        let further = moves & (slot > level_slot);
        level_slot = select_unpredictable(further, slot, level_slot);
        level_record = select_unpredictable(further, i, level_record);
    }
    chains.level_slot = level_slot;
    chains.level_record = level_record;
}

/// Any-order mode. Each entry's attempt reaches step `k` when every step `0..=k` occurs after the entry (later in
/// processing order) within its window, each taken at its first such occurrence.
///
/// Linear in the account's events (times the steps): a backward pass keeps, for every step, its first occurrence
/// after the current event, so an entry reads its attempt off that table instead of scanning its window (which
/// was quadratic for an account with many entries in one window: 200k events took a minute). The first
/// occurrence after the entry is the earliest, so if it is outside the window no later one is inside.
fn account_any_order(events: &[(i64, u8)], spec: &FunnelSpec, times_out: &mut Vec<i64>) -> AccountResult {
    let n = spec.steps.len();
    // `next[k]`: time of the first occurrence of step k after the current event (`None`: none).
    let mut next: Vec<Option<i64>> = vec![None; n];
    // The best attempt so far: (level, when it reached that level, entry).
    let mut best: Option<(usize, i64, i64)> = None;
    let mut latest_entry_at_best = i64::MIN;
    for &(t0, s0) in events.iter().rev() {
        if s0 == 0 {
            // Steps 1.. in order while each occurs in the window; `at` is when steps 0..=k have all occurred.
            let (mut level, mut at) = (0, t0);
            while level + 1 < n {
                match next[level + 1] {
                    Some(t) if within(t, t0, spec.window) => {
                        at = at.max(t);
                        level += 1;
                    }
                    _ => break,
                }
            }
            // The attempt that reached the furthest step first wins; on a tie, the later entry (met first here,
            // walking backwards, so a tie keeps the incumbent). Among equal levels, the latest entry decides
            // whether the account is still open, and that is the first one met.
            let better = match best {
                None => true,
                Some((l, a, _)) => level > l || (level == l && at < a),
            };
            if best.is_none_or(|(l, _, _)| level > l) {
                latest_entry_at_best = t0;
            }
            if better {
                best = Some((level, at, t0));
                times_out.clear();
                let mut reached = t0;
                times_out.push(0);
                for t in next.iter().take(level + 1).skip(1) {
                    // Inside the window, so `reached − t0 ≤ window`: no overflow.
                    reached = reached.max(t.expect("a step within the window"));
                    times_out.push(reached - t0);
                }
            }
        }
        if s0 != NOT_A_STEP {
            next[s0 as usize] = Some(t0);
        }
    }
    let Some((level, _, _)) = best else {
        return NEVER_ENTERED;
    };
    let open = level + 1 < n && still_open(spec.as_of, latest_entry_at_best, spec.window);
    AccountResult {
        level: Some(level),
        open,
    }
}

/// Counts a funnel over columns of account codes, event codes and timestamps (any integer unit: seconds,
/// milliseconds, days). Accounts are any ordered codes; see the module documentation for every rule.
///
/// ```
/// use cx_core::journey::{FunnelMode, FunnelSpec, funnel};
///
/// // Steps: 1 signup → 2 setup → 3 first report, within 7 time units of the signup.
/// let accounts = [1, 1, 1, 2, 2, 3];
/// let events = [1, 2, 3, 1, 3, 2];
/// let times = [0, 2, 5, 0, 4, 1];
/// let spec = FunnelSpec { steps: vec![1, 2, 3], window: 7, mode: FunnelMode::Ordered, as_of: None };
/// let f = funnel(&accounts, &events, &times, &spec)?;
/// let reached: Vec<u64> = f.steps.iter().map(|s| s.reached).collect();
/// assert_eq!(reached, [2, 1, 1]); // account 2 skipped setup, account 3 never signed up
/// assert_eq!(f.steps[2].time_to_convert_p50, 5.0);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn funnel<A: AccountKey>(accounts: &[A], events: &[u32], timestamps: &[i64], spec: &FunnelSpec) -> Result<Funnel> {
    check(spec, accounts.len(), events.len(), timestamps)?;
    Ok(tally(accounts, events, timestamps, spec)?.finish(spec, accounts.len() as u64))
}

/// The tally of checked rows: one pass when sorted, grouped by account otherwise; a NaT is an error.
pub(super) fn tally<A: AccountKey>(
    accounts: &[A],
    events: &[u32],
    timestamps: &[i64],
    spec: &FunnelSpec,
) -> Result<Tally> {
    let mut counter = Counter::new(spec);
    if counter.sorted_pass(accounts, events, timestamps) {
        return counter.missing.map_or(Ok(counter.tally), |i| Err(nat_at(i)));
    }
    missing_time(timestamps)?;
    counter = Counter::new(spec);
    counter.grouped_pass(accounts, events, timestamps);
    Ok(counter.tally)
}

/// [`funnel`] on up to `threads` threads; the result equals one pass. Input sorted by account and time is split
/// at account boundaries and each range counted on its own thread; unsorted input with dense account keys (at most
/// two key values per row) is split by key, each thread grouping and counting the accounts of its share; other
/// unsorted input is counted on one thread.
pub fn funnel_threads<A: AccountKey + Sync>(
    accounts: &[A],
    events: &[u32],
    timestamps: &[i64],
    spec: &FunnelSpec,
    threads: usize,
) -> Result<Funnel> {
    check(spec, accounts.len(), events.len(), timestamps)?;
    let mut ranges = crate::parallel::ranges(accounts.len(), threads, 1 << 18);
    // Move every split forward to the next account boundary, so no account is cut in two.
    for i in 1..ranges.len() {
        let mut at = ranges[i].start.max(ranges[i - 1].start);
        while at < accounts.len() && at > 0 && accounts[at] == accounts[at - 1] {
            at += 1;
        }
        ranges[i - 1].end = at;
        ranges[i].start = at;
    }
    ranges.retain(|r| !r.is_empty());
    // Sorted within each range and increasing across the boundaries is sorted overall.
    let boundaries_increase = ranges.windows(2).all(|w| accounts[w[0].end - 1] < accounts[w[1].start]);
    if ranges.len() > 1 && boundaries_increase {
        let parts = crate::parallel::run(&ranges, |r| {
            let mut counter = Counter::new(spec);
            let first = r.start;
            let sorted = counter.sorted_pass(&accounts[r.clone()], &events[r.clone()], &timestamps[r]);
            Ok(sorted.then_some((counter.tally, counter.missing.map(|i| first + i))))
        })?;
        if let Some(parts) = parts.into_iter().collect::<Option<Vec<(Tally, Option<usize>)>>>() {
            // Every range is sorted, so the first range with a NaT holds the first NaT of the input.
            if let Some(i) = parts.iter().find_map(|p| p.1) {
                return Err(nat_at(i));
            }
            let tallies = parts.into_iter().map(|p| p.0).collect();
            return Ok(Tally::sum(tallies)?.finish(spec, accounts.len() as u64));
        }
    }
    // One thread, or not sorted across the splits: the single pass, unless the rows are not sorted at all.
    let mut counter = Counter::new(spec);
    if counter.sorted_pass(accounts, events, timestamps) {
        return match counter.missing {
            Some(i) => Err(nat_at(i)),
            None => Ok(counter.tally.finish(spec, accounts.len() as u64)),
        };
    }
    missing_time(timestamps)?;
    // Unsorted with dense keys: each thread takes the accounts of its share of the keys (every thread reads all
    // the rows, but scattering them by account, the costly part, is shared).
    let tallies = match dense_keys(accounts) {
        Some((lo, range)) if accounts.len() >= 1 << 19 => {
            let shares = crate::parallel::ranges(range, threads, 1);
            crate::parallel::run(&shares, |keys| {
                let mut counter = Counter::new(spec);
                counter.dense_pass(accounts, events, timestamps, lo, keys);
                Ok(counter.tally)
            })?
        }
        _ => {
            let mut counter = Counter::new(spec);
            counter.grouped_pass(accounts, events, timestamps);
            vec![counter.tally]
        }
    };
    Ok(Tally::sum(tallies)?.finish(spec, accounts.len() as u64))
}

/// Account ids the funnel groups by: integer codes or ids, mapped to `u64` preserving order.
pub trait AccountKey: Copy + Ord {
    /// An order-preserving `u64` image.
    fn key(self) -> u64;
}

impl AccountKey for u32 {
    fn key(self) -> u64 {
        u64::from(self)
    }
}

impl AccountKey for u64 {
    fn key(self) -> u64 {
        self
    }
}

impl AccountKey for i64 {
    fn key(self) -> u64 {
        (self as u64) ^ (1 << 63)
    }
}

impl AccountKey for i32 {
    fn key(self) -> u64 {
        i64::from(self).key()
    }
}

/// The per-account machinery and the running tally.
struct Counter<'s> {
    spec: &'s FunnelSpec,
    step_of: StepOf,
    chains: Chains,
    tally: Tally,
    times: Vec<i64>,
    /// The index of the first NaT found by [`Counter::sorted_pass`] (which then stops).
    missing: Option<usize>,
}

impl<'s> Counter<'s> {
    fn new(spec: &'s FunnelSpec) -> Self {
        let n = spec.steps.len();
        Counter {
            spec,
            step_of: StepOf::new(&spec.steps),
            chains: Chains::new(n),
            tally: Tally::new(n),
            times: Vec::with_capacity(n),
            missing: None,
        }
    }

    /// One account's events as `(timestamp, step)`; `ordered` says they are already in processing order.
    fn account(&mut self, rows: &mut [(i64, u8)], ordered: bool) {
        if !ordered && !rows.is_sorted() {
            rows.sort_unstable();
        }
        if self.spec.mode == FunnelMode::AnyOrder {
            self.times.clear();
            let r = account_any_order(rows, self.spec, &mut self.times);
            self.tally.add(r, &self.times);
        } else {
            let (chains, tally) = (&mut self.chains, &mut self.tally);
            account_ordered(rows.iter().copied(), rows.len(), self.spec, chains, tally);
        }
    }

    /// One account's events straight from the columns, already in processing order (no ties), ordered modes.
    fn account_from_columns(&mut self, events: &[u32], timestamps: &[i64]) {
        let (spec, window) = (self.spec, self.spec.window);
        if spec.mode == FunnelMode::Ordered {
            self.chains.reset();
            match self.step_of.slot_table() {
                // The common case, with the table in locals so that the loop keeps it in registers.
                Some((table, other)) => {
                    let slot = |e: u32| table.get(e as usize).copied().unwrap_or(other);
                    let slots = events.iter().zip(timestamps).map(|(&e, &t)| (slot(e), t));
                    ordered_run(&mut self.chains, slots, events.len(), window);
                }
                None => {
                    let step_of = &self.step_of;
                    let slots = events.iter().zip(timestamps).map(|(&e, &t)| (step_of.slot(e), t));
                    ordered_run(&mut self.chains, slots, events.len(), window);
                }
            }
            self.chains.add_to(window, spec.as_of, &mut self.tally);
        } else {
            let step_of = &self.step_of;
            let rows = timestamps.iter().zip(events).map(|(&t, &e)| (t, step_of.get(e)));
            account_ordered(rows, events.len(), spec, &mut self.chains, &mut self.tally);
        }
    }

    /// The single pass over input sorted by account, then time; `false` as soon as it finds it is not. Stops at a
    /// NaT, noting its index in `missing`.
    fn sorted_pass<A: AccountKey>(&mut self, accounts: &[A], events: &[u32], timestamps: &[i64]) -> bool {
        let mut rows: Vec<(i64, u8)> = Vec::new();
        let n = accounts.len();
        let direct = self.spec.mode != FunnelMode::AnyOrder;
        let mut i = 0;
        while i < n {
            let account = accounts[i];
            let mut j = i + 1;
            while j < n && accounts[j] == account {
                j += 1;
            }
            if j < n && accounts[j] < account {
                return false;
            }
            // Equal timestamps must be put in step order, so note them; a decreasing one means unsorted input.
            // (A fold rather than a loop that stops early: the compiler vectorises it.)
            let times = &timestamps[i..j];
            let increasing = times.windows(2).fold(true, |ok, pair| ok & (pair[0] < pair[1]));
            if !increasing && times.windows(2).any(|pair| pair[1] < pair[0]) {
                return false;
            }
            // Sorted, so a NaT (the smallest i64) would be the account's first time: one compare per account finds
            // the first NaT of the input, since the accounts before were sorted and had none.
            if times[0] == MISSING_TIME {
                self.missing = Some(i);
                return true;
            }
            let ties = !increasing;
            if direct && !ties {
                self.account_from_columns(&events[i..j], &timestamps[i..j]);
            } else {
                rows.clear();
                rows.extend((i..j).map(|k| (timestamps[k], self.step_of.get(events[k]))));
                self.account(&mut rows, !ties);
            }
            i = j;
        }
        true
    }

    /// Unsorted input: a counting sort by account when the keys are dense enough (at most 24 bytes per event of
    /// working memory), a sort of (account, time, step) otherwise; then each account in processing order.
    fn grouped_pass<A: AccountKey>(&mut self, accounts: &[A], events: &[u32], timestamps: &[i64]) {
        let n = accounts.len();
        if let Some((lo, range)) = dense_keys(accounts) {
            self.dense_pass(accounts, events, timestamps, lo, 0..range);
        } else {
            let mut rows: Vec<(u64, i64, u8)> = (0..n)
                .map(|i| (accounts[i].key(), timestamps[i], self.step_of.get(events[i])))
                .collect();
            rows.sort_unstable();
            let mut account_rows: Vec<(i64, u8)> = Vec::new();
            for (i, &(key, t, step)) in rows.iter().enumerate() {
                account_rows.push((t, step));
                if rows.get(i + 1).is_none_or(|r| r.0 != key) {
                    self.account(&mut account_rows, true);
                    account_rows.clear();
                }
            }
        }
    }

    /// The counting-sort path of [`Counter::grouped_pass`] for the accounts whose keys are `lo + slots` (all of
    /// them, or one thread's share): their rows grouped by account, then each account in processing order.
    fn dense_pass<A: AccountKey>(
        &mut self,
        accounts: &[A],
        events: &[u32],
        timestamps: &[i64],
        lo: u64,
        slots: Range<usize>,
    ) {
        let slot = |i: usize| (accounts[i].key() - lo) as usize;
        let step_of = &self.step_of;
        if let Some(packing) = TimePacking::new(timestamps, self.spec.steps.len()) {
            // 8-byte rows that sort as (time, step): half the memory to scatter, and plain integers to sort.
            let row = |i: usize| packing.pack(timestamps[i], step_of.get(events[i]));
            let (mut rows, ends) = group_by_account(accounts.len(), slots, slot, row);
            let mut account_rows = Vec::new();
            for_each_account(&mut rows, &ends, |rows| {
                rows.sort_unstable();
                account_rows.clear();
                account_rows.extend(rows.iter().map(|&r| packing.unpack(r)));
                self.account(&mut account_rows, true);
            });
        } else {
            let row = |i: usize| (timestamps[i], step_of.get(events[i]));
            let (mut rows, ends) = group_by_account(accounts.len(), slots, slot, row);
            for_each_account(&mut rows, &ends, |rows| self.account(rows, false));
        }
    }
}

/// The smallest account key and the span of the keys, when they are dense enough for a counting sort (a span of
/// at most two slots per row).
fn dense_keys<A: AccountKey>(accounts: &[A]) -> Option<(u64, usize)> {
    let (lo, hi) = (accounts.iter()).fold((u64::MAX, 0), |(lo, hi), a| (lo.min(a.key()), hi.max(a.key())));
    let range = hi.wrapping_sub(lo).wrapping_add(1);
    (!accounts.is_empty() && range <= 2 * accounts.len() as u64).then_some((lo, range as usize))
}

/// A counting sort of the rows among `0..n` whose account slot (`slot(i)`) lies in `slots`, keeping input order
/// within an account: the rows made by `row` and where each slot's rows end.
fn group_by_account<R: Copy + Default>(
    n: usize,
    slots: Range<usize>,
    slot: impl Fn(usize) -> usize,
    row: impl Fn(usize) -> R,
) -> (Vec<R>, Vec<u32>) {
    let (first, range) = (slots.start, slots.len());
    // Offsets within `slots`; a wrapped offset (a slot before them) is as far outside as one after.
    let mine = |i: usize| Some(slot(i).wrapping_sub(first)).filter(|&k| k < range);
    let mut end = vec![0u32; range + 1];
    for i in 0..n {
        if let Some(k) = mine(i) {
            end[k + 1] += 1;
        }
    }
    for k in 1..end.len() {
        end[k] += end[k - 1];
    }
    // `end[k]` is now the start of slot k; scattering moves it to the slot's end.
    let mut rows = vec![R::default(); end[range] as usize];
    for i in 0..n {
        if let Some(k) = mine(i) {
            rows[end[k] as usize] = row(i);
            end[k] += 1;
        }
    }
    end.truncate(range);
    (rows, end)
}

/// Calls `f` with the rows of each account that has some, given where each slot's rows end.
fn for_each_account<R>(rows: &mut [R], ends: &[u32], mut f: impl FnMut(&mut [R])) {
    let mut start = 0usize;
    for &stop in ends {
        let stop = stop as usize;
        if stop > start {
            f(&mut rows[start..stop]);
        }
        start = stop;
    }
}

/// An event `(time, step)` packed in a `u64` that sorts as the pair does (non-steps after the steps): the time
/// from the earliest in the high bits, the step's code in as few low bits as the steps need. Only when the span of
/// the times leaves room (4 steps leave 61 bits: 73 years in nanoseconds).
#[derive(Debug, Clone, Copy)]
struct TimePacking {
    earliest: i64,
    shift: u32,
    other: u64,
}

impl TimePacking {
    fn new(timestamps: &[i64], steps: usize) -> Option<TimePacking> {
        let (earliest, latest) = (timestamps.iter()).fold((i64::MAX, i64::MIN), |(lo, hi), &t| (lo.min(t), hi.max(t)));
        let other = steps as u64;
        let shift = u64::BITS - other.leading_zeros();
        let span = latest.wrapping_sub(earliest) as u64;
        (earliest <= latest && span >> (u64::BITS - shift) == 0).then_some(TimePacking { earliest, shift, other })
    }

    #[inline]
    fn pack(&self, t: i64, step: u8) -> u64 {
        ((t.wrapping_sub(self.earliest) as u64) << self.shift) | u64::from(step).min(self.other)
    }

    #[inline]
    fn unpack(&self, row: u64) -> (i64, u8) {
        let code = row & ((1 << self.shift) - 1);
        let step = if code == self.other { NOT_A_STEP } else { code as u8 };
        (self.earliest.wrapping_add((row >> self.shift) as i64), step)
    }
}

/// Accumulates account results into step counts and time samples.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Tally {
    pub(super) reached: Vec<u64>,
    pub(super) in_progress: Vec<u64>,
    pub(super) times: Vec<Vec<i64>>,
    pub(super) accounts: u64,
}

/// The type-7 quantile of `v` by selection (linear time; reorders `v`): the same number as sorting and
/// `stats::quantile_sorted`, which the funnel tests check against.
fn quantile_by_selection(v: &mut [i64], p: f64) -> f64 {
    if v.len() < 2 {
        return v.first().map_or(f64::NAN, |&x| x as f64);
    }
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let (_, &mut below, above) = v.select_nth_unstable(lo);
    let next = above.iter().copied().min().unwrap_or(below);
    below as f64 + (h - lo as f64) * (next - below) as f64
}

impl Tally {
    pub(super) fn new(n: usize) -> Tally {
        Tally {
            reached: vec![0; n],
            in_progress: vec![0; n],
            times: vec![Vec::new(); n],
            accounts: 0,
        }
    }

    fn add(&mut self, r: AccountResult, times: &[i64]) {
        self.accounts += 1;
        let Some(level) = r.level else { return };
        for (k, &t) in times.iter().enumerate().take(level + 1) {
            self.reached[k] += 1;
            self.times[k].push(t);
        }
        if r.open {
            self.in_progress[level + 1] += 1;
        }
    }

    /// The tallies of several ranges (at least one) added up.
    fn sum(tallies: Vec<Tally>) -> Result<Tally> {
        let mut tallies = tallies.into_iter();
        let mut total = tallies.next().expect("one tally or more");
        tallies.try_for_each(|t| total.merge(t))?;
        Ok(total)
    }

    /// Adds another range's tally (times in any order: the quantiles do not depend on it). Counts that would pass
    /// `u64::MAX` (possible only with decoded states) are [`CxError::Overflow`], and then nothing changes.
    pub(super) fn merge(&mut self, other: Tally) -> Result<()> {
        let add = |a: u64, b: u64, what: &str| {
            a.checked_add(b)
                .ok_or_else(|| CxError::overflow(format!("merged funnel {what} exceeds 2^64 - 1 ({a} + {b})")))
        };
        // Every sum is computed before anything is written, so a failed merge leaves the tally as it was.
        let accounts = add(self.accounts, other.accounts, "account count")?;
        let reached = (self.reached.iter().zip(&other.reached).enumerate())
            .map(|(k, (&a, &b))| add(a, b, &format!("step {k} reached count")))
            .collect::<Result<Vec<u64>>>()?;
        let in_progress = (self.in_progress.iter().zip(&other.in_progress).enumerate())
            .map(|(k, (&a, &b))| add(a, b, &format!("step {k} in-progress count")))
            .collect::<Result<Vec<u64>>>()?;
        self.accounts = accounts;
        self.reached = reached;
        self.in_progress = in_progress;
        for (mine, theirs) in self.times.iter_mut().zip(other.times) {
            mine.extend(theirs);
        }
        Ok(())
    }

    pub(super) fn finish(mut self, spec: &FunnelSpec, n_events: u64) -> Funnel {
        let entered = self.reached[0];
        let steps = (0..spec.steps.len())
            .map(|k| {
                let previous = if k == 0 { entered } else { self.reached[k - 1] };
                let ratio = |a: u64, b: u64| if b == 0 { f64::NAN } else { a as f64 / b as f64 };
                let times = &mut self.times[k];
                let (p50, p90) = if k == 0 {
                    (f64::NAN, f64::NAN)
                } else {
                    (quantile_by_selection(times, 0.5), quantile_by_selection(times, 0.9))
                };
                FunnelStep {
                    step: k,
                    event: spec.steps[k],
                    reached: self.reached[k],
                    in_progress: self.in_progress[k],
                    dropped: if k == 0 {
                        0
                    } else {
                        previous - self.reached[k] - self.in_progress[k]
                    },
                    conversion_from_previous: ratio(self.reached[k], previous),
                    conversion_from_entry: ratio(self.reached[k], entered),
                    time_to_convert_p50: p50,
                    time_to_convert_p90: p90,
                }
            })
            .collect();
        Funnel {
            mode: spec.mode,
            window: spec.window,
            as_of: spec.as_of,
            ties: "events at one timestamp are taken in step order, then other events".into(),
            n_events,
            n_accounts: self.accounts,
            steps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_events_round_trip_and_sort_as_time_then_step() {
        let times = [-5i64, 7, 7, 1 << 40];
        let packing = TimePacking::new(&times, 4).expect("a narrow span packs");
        let events = [(7, NOT_A_STEP), (7, 3), (-5, 0), (1 << 40, 1), (7, 0)];
        let mut packed: Vec<u64> = events.iter().map(|&(t, s)| packing.pack(t, s)).collect();
        packed.sort_unstable();
        let unpacked: Vec<(i64, u8)> = packed.iter().map(|&r| packing.unpack(r)).collect();
        let mut sorted = events.to_vec();
        sorted.sort_unstable();
        assert_eq!(unpacked, sorted);
        // 4 steps take 3 bits, so a span of 2^61 or more cannot pack; 64 steps take 7.
        assert!(TimePacking::new(&[0, (1 << 61) - 1], 4).is_some());
        assert!(TimePacking::new(&[0, 1 << 61], 4).is_none());
        assert!(TimePacking::new(&[i64::MIN, i64::MAX], 1).is_none());
        assert!(TimePacking::new(&[0, 1 << 57], 64).is_none());
    }
}
