//! Slicing by period: trends with change against the previous period, trailing windows, and "latest response
//! per respondent" deduplication.

use super::adjust::{PAdjust, adjust_pvalues};
use super::compare::{CompareMethod, Comparison, compare};
use super::estimate::{Estimate, EstimateOptions, estimate};
use super::histogram::{Histogram, MissingPolicy, ScoreValue};
use super::spec::{MetricSpec, Scale};
use crate::period::{CalendarDate, Period, date_at, to_dates};
use crate::{CxError, Result};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::Hash;

/// Trends longer than this many periods (first to last, gaps included) are refused with
/// [`CxError::LimitExceeded`]: they usually mean a bad date (year 9999) in the input, and a trend has one row per
/// period.
pub const MAX_PERIODS: i64 = 100_000;

/// Building a trend from rows allocates one histogram per period from the first to the last: periods × scale
/// points counts ("cells"). Up to this many cells are always allowed (16 MiB of counts: 100,000 periods of an
/// 11-point scale fit)...
const MIN_PERIOD_CELLS: u64 = 1 << 21;

/// ... and beyond it up to this many per input row, so the allocation stays a bounded multiple of the input: two
/// rows ten years apart on a 1001-point scale by day are refused rather than allocating 30 MB of empty periods.
const PERIOD_CELLS_PER_ROW: u64 = 64;

/// Refuses per-period histograms of more cells than [`MIN_PERIOD_CELLS`] or [`PERIOD_CELLS_PER_ROW`] per row
/// allow, before anything is allocated.
fn check_period_cells(n_periods: u64, scale: Scale, rows: usize, period: Period) -> Result<()> {
    let cells = n_periods.saturating_mul(scale.points() as u64);
    let limit = MIN_PERIOD_CELLS.max((rows as u64).saturating_mul(PERIOD_CELLS_PER_ROW));
    if cells > limit {
        return Err(CxError::limit(
            format!(
                "{}s × scale points of a trend over {rows} rows ({n_periods} {}s of {} points)",
                period.name(),
                period.name(),
                scale.points()
            ),
            limit,
            cells,
        ));
    }
    Ok(())
}

/// The estimate of a period or window, or `None` when it has fewer than `min_n` responses or too little data
/// for the interval (a row that shows its n instead of a number; empty is not zero).
fn estimate_if_enough(
    spec: &MetricSpec,
    h: &Histogram,
    min_n: u64,
    options: &EstimateOptions,
) -> Result<Option<Estimate>> {
    if h.n() < min_n.max(1) {
        return Ok(None);
    }
    match estimate(spec, h, options) {
        Ok(e) => Ok(Some(e)),
        Err(CxError::InsufficientData { .. } | CxError::ZeroTotalWeight { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Options for [`trend`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrendOptions {
    /// How dates are bucketed.
    pub period: Period,
    /// Interval method, level and missing policy of each period's estimate.
    pub estimate: EstimateOptions,
    /// How each period is compared with the previous one (`None`: the default for the scoring).
    pub compare: Option<CompareMethod>,
    /// Periods with fewer responses get no estimate (their row still shows n).
    pub min_n: u64,
    /// Significance level for the `significant` flag.
    pub alpha: f64,
    /// Adjustment of the period-over-period p-values (`PAdjust::None` to flag on raw p-values).
    pub adjust: PAdjust,
}

impl Default for TrendOptions {
    fn default() -> Self {
        TrendOptions {
            period: Period::Month,
            estimate: EstimateOptions::default(),
            compare: None,
            min_n: 1,
            alpha: 0.05,
            adjust: PAdjust::None,
        }
    }
}

/// One period of a trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendRow {
    /// Label such as `2025-03`, `2025-W11` or `FY2025-Q1`.
    pub label: String,
    /// First day of the period.
    pub start: NaiveDate,
    /// Last day of the period (inclusive).
    pub end: NaiveDate,
    /// Responses in the period (not missing).
    pub n: u64,
    /// Missing responses in the period.
    pub n_missing: u64,
    /// The estimate, `None` when the period has fewer than `min_n` responses (empty is not zero).
    pub estimate: Option<Estimate>,
    /// This period minus the previous one, when both have estimates.
    pub change: Option<Comparison>,
    /// The p-value of `change` after adjustment.
    pub p_adjusted: Option<f64>,
    /// Whether the change is significant at `alpha` (after adjustment).
    pub significant: Option<bool>,
}

/// A trend: one row per period from the first to the last period with data, gaps included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// How dates were bucketed.
    pub period: Period,
    /// The rows, oldest first.
    pub rows: Vec<TrendRow>,
    /// Missing responses across all periods.
    pub n_missing: u64,
}

/// Refuses a range of period keys too wide to be a real survey (most likely a bad date): more than
/// [`MAX_PERIODS`] periods is [`CxError::LimitExceeded`]. The keys must be in [`Period::key_range`].
pub(crate) fn check_period_span(first: i64, last: i64, period: Period) -> Result<()> {
    let n_periods = i128::from(last) - i128::from(first) + 1;
    if n_periods > i128::from(MAX_PERIODS) {
        let (start, end) = (period.checked_start(first), period.checked_end(last));
        let describe = |d: Option<NaiveDate>, key: i64| d.map_or_else(|| format!("key {key}"), |d| d.to_string());
        return Err(CxError::limit(
            format!(
                "{}s in a trend from {} to {} (check for a bad date)",
                period.name(),
                describe(start, first),
                describe(end, last)
            ),
            MAX_PERIODS as u64,
            n_periods,
        ));
    }
    Ok(())
}

/// Refuses period keys whose periods are not wholly inside the supported calendar (they have no start, end or
/// label): `what` names the argument, `key` the first bad key.
pub(crate) fn check_period_key(what: &str, key: i64, period: Period) -> Result<()> {
    let range = period.key_range();
    if range.contains(&key) {
        return Ok(());
    }
    Err(CxError::invalid_argument(
        what,
        key,
        format!(
            "is not the key of a {} inside the supported calendar ({} to {})",
            period.name(),
            range.start(),
            range.end()
        ),
    ))
}

/// The period of every day from the first to the last of an input, as codes from the first period: a pass over
/// dates stored as days then costs one lookup per row instead of building a calendar date.
struct DayTable {
    first_day: i64,
    first_key: i64,
    codes: Vec<u32>,
}

impl DayTable {
    /// At most this many days (about 180 years) get a table; wider inputs take the per-row path.
    const MAX_DAYS: i64 = 1 << 16;

    /// The table for `days`, or `None` when a day is not a date (the per-row path then names it) or the days
    /// span too long a time.
    fn of(days: &[i64], period: Period, scale: Scale) -> Result<Option<DayTable>> {
        let (lo, hi) = days
            .iter()
            .fold((i64::MAX, i64::MIN), |(lo, hi), &d| (lo.min(d), hi.max(d)));
        // Every day between two dates is a date, so the ends decide.
        let (Some(first), Some(last)) = (lo.to_date(), hi.to_date()) else {
            return Ok(None);
        };
        if hi - lo >= Self::MAX_DAYS {
            return Ok(None);
        }
        // Periods follow the calendar, so the first and last days hold the first and last periods.
        let (first_key, last_key) = (period.key(first), period.key(last));
        let keys = period.key_range();
        if !(keys.contains(&first_key) && keys.contains(&last_key)) {
            return Ok(None); // a period straddles an end of the calendar: the per-row path names the date
        }
        check_period_span(first_key, last_key, period)?;
        check_period_cells((last_key - first_key + 1) as u64, scale, days.len(), period)?;
        let codes = (0..=hi - lo)
            .map(|i| (period.key(first + chrono::TimeDelta::days(i)) - first_key) as u32)
            .collect();
        Ok(Some(DayTable {
            first_day: lo,
            first_key,
            codes,
        }))
    }
}

/// Buckets responses by period in one pass: (first key, one histogram per key from first to last).
pub(crate) fn period_keys<T: ScoreValue, D: CalendarDate>(
    scale: Scale,
    scores: &[T],
    dates: &[D],
    weights: Option<&[f64]>,
    period: Period,
    missing: MissingPolicy,
    threads: usize,
) -> Result<(i64, Vec<Histogram>)> {
    CxError::check_len("dates", scores.len(), dates.len())?;
    let period = period.validate()?;
    if dates.is_empty() {
        return Err(CxError::empty("dates"));
    }
    if let Some(days) = D::as_days(dates)
        && let Some(table) = DayTable::of(days, period, scale)?
    {
        let histograms = Histogram::by_day_table_threads(
            scale,
            scores,
            days,
            (table.first_day, &table.codes),
            weights,
            missing,
            threads,
        )?;
        return Ok((table.first_key, histograms));
    }
    let keys = (dates.iter().enumerate())
        .map(|(index, &d)| Ok(period.key(date_at(d, index)?)))
        .collect::<Result<Vec<i64>>>()?;
    let (first, last) = (
        *keys.iter().min().expect("non-empty"),
        *keys.iter().max().expect("non-empty"),
    );
    let range = period.key_range();
    if !(range.contains(&first) && range.contains(&last)) {
        // A date within a period of either end of the calendar: its period has no start or end to show.
        let index = keys
            .iter()
            .position(|k| !range.contains(k))
            .expect("a key out of range");
        return Err(CxError::InvalidDate {
            value: format!(
                "{} (its {} extends past the calendar)",
                dates[index].describe(),
                period.name()
            ),
            index,
        });
    }
    check_period_span(first, last, period)?;
    let n_periods = (last - first + 1) as usize;
    check_period_cells(n_periods as u64, scale, dates.len(), period)?;
    let codes: Vec<u32> = keys.iter().map(|k| (k - first) as u32).collect();
    let histograms = Histogram::by_group_codes(scale, scores, &codes, n_periods, weights, missing)?;
    Ok((first, histograms))
}

/// Scores each period and compares it with the previous one.
///
/// ```
/// use chrono::NaiveDate;
/// use cx_core::survey::{trend, MetricSpec, TrendOptions};
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
/// let scores = [10.0, 9.0, 2.0, 10.0, 8.0];
/// let dates = [d(1, 3), d(1, 20), d(1, 31), d(3, 2), d(3, 9)];
/// let t = trend(&MetricSpec::nps(), &scores, &dates, None, &TrendOptions::default())?;
/// let labels: Vec<_> = t.rows.iter().map(|r| r.label.as_str()).collect();
/// assert_eq!(labels, ["2025-01", "2025-02", "2025-03"]);
/// assert!(t.rows[1].estimate.is_none()); // February had no responses: no NPS, not 0
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn trend<T: ScoreValue, D: CalendarDate>(
    spec: &MetricSpec,
    scores: &[T],
    dates: &[D],
    weights: Option<&[f64]>,
    options: &TrendOptions,
) -> Result<Trend> {
    trend_threads(spec, scores, dates, weights, options, 1)
}

/// [`trend`] on up to `threads` threads: large unweighted inputs with dates stored as days (`i64`) are counted a
/// range of rows per thread. The trend, and any error, equal one thread's.
pub fn trend_threads<T: ScoreValue, D: CalendarDate>(
    spec: &MetricSpec,
    scores: &[T],
    dates: &[D],
    weights: Option<&[f64]>,
    options: &TrendOptions,
    threads: usize,
) -> Result<Trend> {
    let missing = options.estimate.missing;
    let (first, histograms) = period_keys(spec.scale, scores, dates, weights, options.period, missing, threads)?;
    trend_from_histograms(spec, first, &histograms, options)
}

/// A trend from per-period accumulators: `histograms[i]` belongs to period key `first_key + i`.
///
/// Every key from `first_key` on must be in [`Period::key_range`] of `options.period` (an
/// [`CxError::InvalidArgument`] otherwise); missing responses that add past 2^64 − 1 are [`CxError::Overflow`].
pub fn trend_from_histograms(
    spec: &MetricSpec,
    first_key: i64,
    histograms: &[Histogram],
    options: &TrendOptions,
) -> Result<Trend> {
    let period = options.period.validate()?;
    check_period_key("first_key", first_key, period)?;
    if let Some(last) = histograms.len().checked_sub(1) {
        let last_key = i64::try_from(last).ok().and_then(|n| first_key.checked_add(n));
        check_period_key("first_key + histograms.len() - 1", last_key.unwrap_or(i64::MAX), period)?;
    }
    trend_of_periods(spec, first_key, histograms.len(), histograms.iter(), options)
}

/// The trend of `n_periods` consecutive periods from `first_key`, their histograms given in order (the same one
/// may stand for every empty period, so a sparse state needs no histogram per gap). The keys must be in range.
pub(crate) fn trend_of_periods<'a>(
    spec: &MetricSpec,
    first_key: i64,
    n_periods: usize,
    histograms: impl Iterator<Item = &'a Histogram>,
    options: &TrendOptions,
) -> Result<Trend> {
    let period = options.period.validate()?;
    let mut rows: Vec<TrendRow> = Vec::with_capacity(n_periods);
    let mut n_missing = 0u64;
    let mut previous: Option<&Histogram> = None;
    for (i, h) in histograms.take(n_periods).enumerate() {
        let key = first_key + i as i64;
        n_missing = n_missing
            .checked_add(h.n_missing())
            .ok_or_else(|| CxError::overflow("missing responses across the periods of a trend add past 2^64 - 1"))?;
        let estimate = estimate_if_enough(spec, h, options.min_n, &options.estimate)?;
        let change = match (
            i.checked_sub(1).and_then(|j| rows[j].estimate.as_ref()),
            &estimate,
            previous,
        ) {
            (Some(_), Some(_), Some(before)) => match compare(spec, h, before, options.compare, options.estimate.level)
            {
                Ok(c) => Some(c),
                Err(CxError::InsufficientData { .. }) => None,
                Err(e) => return Err(e),
            },
            _ => None,
        };
        previous = Some(h);
        rows.push(TrendRow {
            label: period.label(key),
            start: period.start(key),
            end: period.end(key),
            n: h.n(),
            n_missing: h.n_missing(),
            estimate,
            change,
            p_adjusted: None,
            significant: None,
        });
    }
    let changed: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].change.is_some()).collect();
    let raw: Vec<f64> = changed
        .iter()
        .map(|&i| rows[i].change.as_ref().expect("changed").p_value)
        .collect();
    for (&i, p) in changed.iter().zip(adjust_pvalues(&raw, options.adjust)?) {
        rows[i].p_adjusted = Some(p);
        rows[i].significant = Some(p < options.alpha);
    }
    Ok(Trend {
        period,
        rows,
        n_missing,
    })
}

/// Options for [`rolling`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RollingOptions {
    /// Window length in days, ending on (and including) each evaluation date.
    pub window_days: u32,
    /// Evaluate at the last day of each of these periods (e.g. month ends).
    pub step: Period,
    /// Interval method, level and missing policy.
    pub estimate: EstimateOptions,
    /// Windows with fewer responses get no estimate.
    pub min_n: u64,
}

/// One trailing window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RollingRow {
    /// First day of the window.
    pub start: NaiveDate,
    /// Last day of the window (the evaluation date).
    pub end: NaiveDate,
    /// Responses in the window.
    pub n: u64,
    /// The estimate, `None` below `min_n`.
    pub estimate: Option<Estimate>,
}

/// Trailing-window estimates (e.g. trailing 90 days at each month end).
///
/// One pass: the window slides over the days of the input, each day's histogram entering and leaving it once,
/// so the time is linear in the days spanned plus the evaluation dates whatever `window_days` is (a window
/// longer than the data holds all of it). Windows are merged, never formed by subtracting a leaving day, so
/// counts are exact and weighted sums are sums of the window's days with no cancellation.
///
/// Errors as [`trend`] (dates span at most [`MAX_PERIODS`] days, and the daily histograms' cells are capped
/// relative to the rows); a window that would start before the supported calendar is
/// [`CxError::InvalidArgument`] naming `window_days`.
pub fn rolling<T: ScoreValue, D: CalendarDate>(
    spec: &MetricSpec,
    scores: &[T],
    dates: &[D],
    weights: Option<&[f64]>,
    options: &RollingOptions,
) -> Result<Vec<RollingRow>> {
    if options.window_days == 0 {
        return Err(CxError::invalid_argument(
            "window_days",
            0,
            "a window needs at least one day",
        ));
    }
    let step = options.step.validate()?;
    let (first_day, daily) = period_keys(
        spec.scale,
        scores,
        dates,
        weights,
        Period::Day,
        options.estimate.missing,
        1,
    )?;
    let day = |key: i64| Period::Day.start(key);
    let last_day = first_day + daily.len() as i64 - 1;
    let (first_step, last_step) = (step.key(day(first_day)), step.key(day(last_day)));
    // The evaluation dates are the step periods' last days: the last one may lie past the calendar's end, and the
    // first step period may begin before its start (the ISO week of the calendar's first day, a Thursday).
    check_period_key("dates", first_step, step)?;
    check_period_key("dates", last_step, step)?;
    let window = i64::from(options.window_days);
    let mut queue = WindowQueue::new(spec.scale);
    let (mut entered, mut left) = (first_day, first_day); // days first_day..entered entered, ..left left
    let mut rows = Vec::with_capacity(usize::try_from(last_step - first_step + 1).unwrap_or(0));
    for step_key in first_step..=last_step {
        let end_date = step.end(step_key);
        let end = Period::Day.key(end_date);
        let Some(start_date) = end_date.checked_sub_days(Days::new(u64::from(options.window_days) - 1)) else {
            return Err(CxError::invalid_argument(
                "window_days",
                options.window_days,
                format!("the window ending {end_date} would start before the supported calendar"),
            ));
        };
        // Ends only move forward, and so do starts: each day enters and leaves the window once.
        while entered <= end.min(last_day) {
            queue.push(&daily[(entered - first_day) as usize])?;
            entered += 1;
        }
        while left < (end - window + 1).min(entered) {
            queue.pop()?;
            left += 1;
        }
        let h = queue.total()?;
        let estimate = estimate_if_enough(spec, &h, options.min_n, &options.estimate)?;
        rows.push(RollingRow {
            start: start_date,
            end: end_date,
            n: h.n(),
            estimate,
        });
    }
    Ok(rows)
}

/// A first-in first-out queue of histograms whose total takes O(points) per operation, amortised, with no
/// subtraction: the older part is held as suffix totals (`front`, oldest on top), the newer part as a running
/// total (`back_total` of the histograms `back`). Popping from an empty `front` first turns `back` into suffix
/// totals; each histogram moves over once.
struct WindowQueue<'a> {
    scale: Scale,
    /// Totals of the older histograms: `front[i]` is the total of the `i + 1` newest of them, so the last entry
    /// is the total of all and popping drops the oldest.
    front: Vec<Histogram>,
    back: Vec<&'a Histogram>,
    back_total: Histogram,
}

impl<'a> WindowQueue<'a> {
    fn new(scale: Scale) -> Self {
        WindowQueue {
            scale,
            front: Vec::new(),
            back: Vec::new(),
            back_total: Histogram::new(scale),
        }
    }

    fn push(&mut self, h: &'a Histogram) -> Result<()> {
        self.back_total.merge(h)?;
        self.back.push(h);
        Ok(())
    }

    /// Drops the oldest histogram (the queue must not be empty).
    fn pop(&mut self) -> Result<()> {
        if self.front.is_empty() {
            let mut total = Histogram::new(self.scale);
            for h in self.back.drain(..).rev() {
                total.merge(h)?;
                self.front.push(total.clone());
            }
            self.back_total = Histogram::new(self.scale);
        }
        self.front.pop().expect("pop from a non-empty window");
        Ok(())
    }

    /// The total of every histogram in the queue.
    fn total(&self) -> Result<Histogram> {
        let mut total = self.front.last().cloned().unwrap_or_else(|| Histogram::new(self.scale));
        total.merge(&self.back_total)?;
        Ok(total)
    }
}

/// The rows kept by a deduplication, and how many were dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deduplicated {
    /// Indices of the kept rows, ascending.
    pub kept: Vec<usize>,
    /// Rows dropped as earlier answers of the same respondent.
    pub n_dropped: usize,
}

/// Keeps each respondent's latest response (overall, or within each period when `within` is given); of two
/// responses on the same date the later row wins.
///
/// ```
/// use chrono::NaiveDate;
/// use cx_core::survey::latest_per_respondent;
///
/// let d = |day| NaiveDate::from_ymd_opt(2025, 1, day).unwrap();
/// let ids = ["a", "b", "a", "a"];
/// let dates = [d(5), d(6), d(9), d(2)];
/// let kept = latest_per_respondent(&ids, &dates, None)?;
/// assert_eq!(kept.kept, vec![1, 2]);
/// assert_eq!(kept.n_dropped, 2);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn latest_per_respondent<K: Hash + Eq, D: CalendarDate>(
    respondents: &[K],
    dates: &[D],
    within: Option<Period>,
) -> Result<Deduplicated> {
    CxError::check_len("dates", respondents.len(), dates.len())?;
    let dates = to_dates(dates)?;
    let mut latest: HashMap<(&K, i64), usize> = HashMap::with_capacity(respondents.len());
    for (row, (id, &date)) in respondents.iter().zip(&dates).enumerate() {
        let bucket = within.map_or(0, |p| p.key(date));
        latest
            .entry((id, bucket))
            .and_modify(|kept| {
                if dates[*kept] <= date {
                    *kept = row;
                }
            })
            .or_insert(row);
    }
    let mut kept: Vec<usize> = latest.into_values().collect();
    kept.sort_unstable();
    Ok(Deduplicated {
        n_dropped: respondents.len() - kept.len(),
        kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::days_since_epoch;
    use proptest::prelude::*;

    const DAY0: i64 = 19_723; // 2024-01-01

    fn options(window_days: u32, step: Period) -> RollingOptions {
        RollingOptions {
            window_days,
            step,
            estimate: EstimateOptions::default(),
            min_n: 1,
        }
    }

    /// Each window recomputed from the rows whose date falls in it: what `rolling` did before, per window.
    fn direct(
        spec: &MetricSpec,
        rows: &[(f64, i64, f64)],
        weighted: bool,
        window: &RollingRow,
        options: &RollingOptions,
    ) -> (Histogram, Option<Estimate>) {
        let (start, end) = (days_since_epoch(window.start), days_since_epoch(window.end));
        let inside: Vec<&(f64, i64, f64)> = rows.iter().filter(|r| (start..=end).contains(&r.1)).collect();
        let scores: Vec<f64> = inside.iter().map(|r| r.0).collect();
        let weights: Vec<f64> = inside.iter().map(|r| r.2).collect();
        let w = weighted.then_some(&weights[..]);
        let h = Histogram::from_scores(spec.scale, &scores, w, MissingPolicy::Skip).unwrap();
        let e = estimate_if_enough(spec, &h, options.min_n, &options.estimate).unwrap();
        (h, e)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The sliding window equals recomputing every window from its rows, for windows shorter and longer than
        /// the data, weighted or not (weights are multiples of 1/4, so sums are exact in any order).
        #[test]
        fn sliding_windows_equal_direct_recomputation(
            rows in prop::collection::vec(
                (
                    prop_oneof![9 => (0u8..=10).prop_map(f64::from), 1 => Just(f64::NAN)],
                    0i64..400,
                    (1u8..=12).prop_map(|q| f64::from(q) / 4.0),
                ),
                1..150,
            ),
            window in prop_oneof![1u32..40, 40u32..500, Just(100_000u32)],
            step in prop_oneof![Just(Period::Day), Just(Period::IsoWeek), Just(Period::Month)],
            weighted in any::<bool>(),
        ) {
            let spec = MetricSpec::nps();
            let rows: Vec<(f64, i64, f64)> = rows.into_iter().map(|(s, d, w)| (s, DAY0 + d, w)).collect();
            let scores: Vec<f64> = rows.iter().map(|r| r.0).collect();
            let dates: Vec<i64> = rows.iter().map(|r| r.1).collect();
            let weights: Vec<f64> = rows.iter().map(|r| r.2).collect();
            let options = options(window, step);
            let out = rolling(&spec, &scores, &dates, weighted.then_some(&weights[..]), &options).unwrap();
            prop_assert!(!out.is_empty());
            for row in &out {
                prop_assert_eq!(days_since_epoch(row.end) - days_since_epoch(row.start), i64::from(window) - 1);
                let (h, e) = direct(&spec, &rows, weighted, row, &options);
                prop_assert_eq!(row.n, h.n());
                prop_assert_eq!(
                    serde_json::to_string(&row.estimate).unwrap(),
                    serde_json::to_string(&e).unwrap()
                );
            }
        }
    }

    #[test]
    fn a_window_that_would_start_before_the_calendar_is_an_error() {
        // The reproducer: window = 2**31 days (5.9 million years) panicked computing the window's first day.
        let spec = MetricSpec::nps();
        let (scores, dates) = ([10.0, 3.0, 9.0], [DAY0, DAY0 + 40, DAY0 + 70]);
        for window in [1u32 << 31, u32::MAX, 200_000_000] {
            let err = rolling(&spec, &scores, &dates, None, &options(window, Period::Month)).unwrap_err();
            assert!(matches!(err, CxError::InvalidArgument { .. }), "{err}");
            let text = err.to_string();
            assert!(
                text.contains("window_days") && text.contains(&window.to_string()),
                "{text}"
            );
        }
        // A window of 27,000 years still starts inside the calendar: every window holds all the data so far.
        let rows = rolling(&spec, &scores, &dates, None, &options(10_000_000, Period::Month)).unwrap();
        assert_eq!(rows.iter().map(|r| r.n).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(
            days_since_epoch(rows[0].end) - days_since_epoch(rows[0].start),
            9_999_999
        );
    }

    #[test]
    fn a_long_window_over_long_data_is_linear() {
        // The reproducer's shape: a 100,000-day window at each month end over data spanning ~99,000 days took
        // 209 s (every window re-merged every day in it); sliding, each day enters and leaves once.
        let spec = MetricSpec::nps();
        let days: Vec<i64> = (0..99_000).step_by(7).map(|d| -40_000 + d).collect();
        let scores: Vec<f64> = (0..days.len()).map(|i| (i % 11) as f64).collect();
        let started = std::time::Instant::now();
        let rows = rolling(&spec, &scores, &days, None, &options(100_000, Period::Month)).unwrap();
        let elapsed = started.elapsed();
        let month = |d: i64| Period::Month.key(d.to_date().unwrap());
        assert_eq!(rows.len() as i64, month(*days.last().unwrap()) - month(days[0]) + 1);
        assert_eq!(rows.last().unwrap().n, days.len() as u64); // the window holds all the data
        assert_eq!(rows[0].n, 1);
        // Linear: 0.2 s in a debug build; the quadratic pass took over a minute here in debug.
        assert!(elapsed.as_secs() < 10, "{elapsed:?}");
    }

    #[test]
    fn periods_at_the_ends_of_the_calendar_are_errors_not_panics() {
        let spec = MetricSpec::nps();
        let last_day = days_since_epoch(NaiveDate::MAX);
        // December of the last year lies inside the calendar; a quarter running past it does not.
        let by = |period| TrendOptions {
            period,
            ..Default::default()
        };
        let t = trend(&spec, &[10.0], &[last_day], None, &by(Period::Month)).unwrap();
        assert_eq!(t.rows[0].end, NaiveDate::MAX);
        let fiscal = by(Period::Quarter { fiscal_start_month: 2 });
        let err = trend(&spec, &[10.0, 9.0], &[last_day - 400, last_day], None, &fiscal).unwrap_err();
        assert!(matches!(err, CxError::InvalidDate { index: 1, .. }), "{err}");
        assert!(err.to_string().contains("extends past the calendar"), "{err}");
        // Keys given directly are checked before any date is made of them.
        let h = [Histogram::new(spec.scale), Histogram::new(spec.scale)];
        for first in [i64::MIN, i64::MAX, *Period::Month.key_range().end()] {
            let err = trend_from_histograms(&spec, first, &h, &TrendOptions::default()).unwrap_err();
            assert!(matches!(err, CxError::InvalidArgument { .. }), "{err}");
        }
        assert!(trend_from_histograms(&spec, 24_000, &h, &TrendOptions::default()).is_ok());
        // Rolling by ISO week from the calendar's first day: that week begins before the calendar does.
        let first_day = days_since_epoch(NaiveDate::MIN);
        let err = rolling(
            &spec,
            &[10.0, 9.0],
            &[first_day, first_day + 30],
            None,
            &options(7, Period::IsoWeek),
        )
        .unwrap_err();
        assert!(matches!(err, CxError::InvalidArgument { .. }), "{err}");
    }

    #[test]
    fn per_period_histograms_are_capped_relative_to_the_rows() {
        // Two rows on a 1001-point scale ten years apart by day: 3,653 periods × 1001 points.
        let scale = Scale { min: 0, max: 1000 };
        let spec = MetricSpec {
            scale,
            categories: super::super::spec::Categories {
                positive: super::super::spec::PointRange { lo: 900, hi: 1000 },
                negative: None,
            },
            scoring: super::super::spec::Scoring::TopBox,
            ..MetricSpec::csat()
        };
        let options = TrendOptions {
            period: Period::Day,
            ..Default::default()
        };
        let err = trend(&spec, &[1.0, 2.0], &[DAY0, DAY0 + 3652], None, &options).unwrap_err();
        assert!(
            matches!(
                err,
                CxError::LimitExceeded {
                    limit: MIN_PERIOD_CELLS,
                    found: 3_656_653,
                    ..
                }
            ),
            "{err}"
        );
        // By month the same rows are 121 periods; and enough rows buy a longer span.
        assert!(trend(&spec, &[1.0, 2.0], &[DAY0, DAY0 + 3652], None, &TrendOptions::default()).is_ok());
        let n = 60_000;
        let scores: Vec<f64> = (0..n).map(|i| (i % 1001) as f64).collect();
        let dates: Vec<i64> = (0..n).map(|i| DAY0 + (i as i64 % 3653)).collect();
        assert_eq!(trend(&spec, &scores, &dates, None, &options).unwrap().rows.len(), 3653);
        // And the per-row path (dates as NaiveDate) applies the same cap.
        let d = |k: i64| k.to_date().unwrap();
        let err = trend(&spec, &[1.0, 2.0], &[d(DAY0), d(DAY0 + 3652)], None, &options).unwrap_err();
        assert!(matches!(err, CxError::LimitExceeded { .. }), "{err}");
    }
}
