//! The survey accumulator: a weighted histogram over the points of a scale.
//!
//! Per point it keeps the raw count and, once any weight other than 1 has been seen, Σw and Σw². It also counts
//! missing responses. Every survey statistic derives from this state, and the state is a monoid: merging two
//! histograms equals one pass over the concatenated data, so work can be split across threads, batches or
//! partitions of a distributed engine.
//!
//! **Unit weights are no weights.** Passing weights that are all exactly 1 gives the same state, and therefore
//! the same numbers, as passing none.
//!
//! **Limits** (docs/survey.md): a histogram holds at most 2⁶⁴ − 1 responses and finite totals Σw and Σw²; counts,
//! weights or merges past either are [`CxError::Overflow`], never wrapped or infinite, so every histogram reads
//! back the bytes it writes.
//!
//! ```
//! use cx_core::survey::{Histogram, MissingPolicy, Scale};
//!
//! let scale = Scale { min: 0, max: 10 };
//! let mut h = Histogram::from_scores(scale, &[9.0, 10.0, 3.0], None, MissingPolicy::Skip)?;
//! let other = Histogram::from_scores(scale, &[7u8, 8], None, MissingPolicy::Skip)?;
//! h.merge(&other)?;
//! assert_eq!(h.n(), 5);
//! assert_eq!(h.counts()[9], 1);
//! # Ok::<(), cx_core::CxError>(())
//! ```

use super::spec::Scale;
use crate::parallel;
use crate::state::{Reader, Writer};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// Fewest rows per thread: below this, spawning costs more than it saves.
const PARALLEL_ROWS: usize = 1 << 18;

/// Widest key range indexed directly (bins for every value in the range, per thread).
const DIRECT_SPAN: u128 = 1 << 16;

/// Counters (key × point, 8 bytes each) a direct key table may hold whatever the input's size: 256 KiB.
const DIRECT_MIN_CELLS: u128 = 1 << 15;

/// Counters per input row a direct key table may hold above [`DIRECT_MIN_CELLS`]: 32 bytes per row, against at
/// least 9 bytes of input per row (an 8-byte key and a score), so a table never costs more than a few times its
/// input however the keys are spread or however many points the scale has.
const DIRECT_CELLS_PER_ROW: u128 = 4;

/// Whether a direct key table of `span` keys × `points` bins may serve `rows` rows: at most [`DIRECT_SPAN`] keys
/// and at most max([`DIRECT_MIN_CELLS`], [`DIRECT_CELLS_PER_ROW`] × rows) counters. One rule for a thread's table,
/// for the union the threads' tables merge into, and for the one-thread pass, so no layout of keys (clusters far
/// apart on different threads, a 1,001-point scale over a few rows) allocates span × points beyond it.
fn direct_fits(span: u128, points: usize, rows: usize) -> bool {
    span <= DIRECT_SPAN && span * points as u128 <= DIRECT_MIN_CELLS.max(DIRECT_CELLS_PER_ROW * rows as u128)
}

/// A key (or day) that lies outside the range an earlier read of the same array found: the array changed while
/// cx read it (numpy memory shared with a thread that writes to it). The row is refused rather than indexed.
#[cold]
#[inline(never)]
fn changed_during_call(what: &str, value: i64, index: usize) -> CxError {
    CxError::invalid_argument(
        what,
        value,
        format!("the value at index {index} changed while it was being read (another thread wrote to the array)"),
    )
}

/// Version of the serialised [`Histogram`] format.
pub const HISTOGRAM_VERSION: u32 = 1;

/// What to do with a missing score (NaN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    /// Skip it and count it in `n_missing`.
    #[default]
    Skip,
    /// Fail with [`CxError::MissingValue`] naming its position.
    Error,
}

impl MissingPolicy {
    /// Parses `skip` or `error`.
    pub fn parse(name: &str) -> Result<MissingPolicy> {
        match name {
            "skip" => Ok(MissingPolicy::Skip),
            "error" | "raise" => Ok(MissingPolicy::Error),
            _ => Err(CxError::UnknownName {
                kind: "missing policy".into(),
                name: name.into(),
                expected: "skip, error".into(),
            }),
        }
    }
}

/// A score element type the accumulator reads directly: `f64`, `f32` and the integer types.
///
/// Float NaN is a missing value; integers are never missing.
pub trait ScoreValue: Copy + Send + Sync {
    /// Per-scale data prepared once per pass, so the per-score test is a few integer operations.
    type Lookup;

    /// Prepares the lookup for a scale.
    fn lookup(scale: Scale) -> Self::Lookup;

    /// The candidate bin of this score and whether it is valid (false if the score is missing, off the scale
    /// or fractional; the slow path then says which). A pair, so hot loops can combine validity with `&`
    /// instead of branching per score. A valid candidate is always below the number of points.
    fn bin_candidate(self, lookup: &Self::Lookup) -> (usize, bool);

    /// The bin of this score, or `None` when it is not a valid point of the scale.
    #[inline(always)]
    fn bin(self, lookup: &Self::Lookup) -> Option<usize> {
        let (bin, valid) = self.bin_candidate(lookup);
        valid.then_some(bin)
    }

    /// The value as `f64`, for error messages and the slow path.
    fn to_f64(self) -> f64;
}

/// The bit pattern of every point of a scale, indexed by bin and padded to a power of two.
#[derive(Debug, Clone)]
pub struct FloatLookup {
    min: f64,
    points: usize,
    mask: usize,
    bits: Vec<u64>,
}

impl ScoreValue for f64 {
    type Lookup = FloatLookup;

    fn lookup(scale: Scale) -> FloatLookup {
        let points = scale.points();
        let size = points.next_power_of_two();
        FloatLookup {
            min: f64::from(scale.min),
            points,
            mask: size - 1,
            bits: (0..size).map(|bin| scale.value(bin).to_bits()).collect(),
        }
    }

    #[inline(always)]
    fn bin_candidate(self, l: &FloatLookup) -> (usize, bool) {
        // Adding 2⁵² puts round(score − min) in the low mantissa bits: a candidate bin without a float→int
        // conversion (Rust's saturating `as` costs several times more here). The score is valid exactly when
        // its bits equal those of that point of the scale, an integer comparison that also rejects NaN,
        // fractions and values off the scale (−0.0 takes the slow path, which accepts it).
        const TWO_52: f64 = 4_503_599_627_370_496.0;
        let bin = ((self - l.min) + TWO_52).to_bits() as usize & l.mask;
        (bin, (l.bits[bin] == self.to_bits()) & (bin < l.points))
    }

    fn to_f64(self) -> f64 {
        self
    }
}

impl ScoreValue for f32 {
    type Lookup = FloatLookup;

    fn lookup(scale: Scale) -> FloatLookup {
        f64::lookup(scale)
    }

    #[inline(always)]
    fn bin_candidate(self, lookup: &FloatLookup) -> (usize, bool) {
        f64::from(self).bin_candidate(lookup)
    }

    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

macro_rules! integer_score {
    ($($t:ty),*) => {$(
        impl ScoreValue for $t {
            type Lookup = (i64, u64);

            fn lookup(scale: Scale) -> (i64, u64) {
                (i64::from(scale.min), scale.points() as u64)
            }

            #[inline(always)]
            fn bin_candidate(self, &(min, points): &(i64, u64)) -> (usize, bool) {
                // 64-bit arithmetic (i128 doubles the work of the hot loop): every value of these types fits in
                // an i64, and a wrapped difference is a huge u64, so off-scale values stay invalid.
                let offset = (self as i64).wrapping_sub(min) as u64;
                (offset as usize, offset < points)
            }

            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}
integer_score!(i8, i16, i32, i64, u8, u16, u32);

impl ScoreValue for u64 {
    type Lookup = (i64, u64);

    fn lookup(scale: Scale) -> (i64, u64) {
        i64::lookup(scale)
    }

    #[inline(always)]
    fn bin_candidate(self, lookup: &(i64, u64)) -> (usize, bool) {
        // Above i64::MAX the cast would wrap to a negative score; such values are off every scale.
        let (bin, valid) = (self as i64).bin_candidate(lookup);
        (bin, valid & (self <= i64::MAX as u64))
    }

    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// Classifies a score the fast path rejected: missing (Ok(None) under `skip`) or a typed error.
///
/// Kept out of line so the hot loops stay small; only missing or bad scores get here.
#[cold]
#[inline(never)]
pub(crate) fn classify_slow(value: f64, index: usize, scale: Scale, missing: MissingPolicy) -> Result<Option<usize>> {
    if value.is_nan() {
        return match missing {
            MissingPolicy::Skip => Ok(None),
            MissingPolicy::Error => Err(CxError::MissingValue {
                what: "scores".into(),
                index,
            }),
        };
    }
    let (min, max) = (scale.min, scale.max);
    if value < f64::from(min) || value > f64::from(max) {
        return Err(CxError::ScoreOutOfRange { value, index, min, max });
    }
    if value.fract() != 0.0 {
        return Err(CxError::NonIntegerScore { value, index, min, max });
    }
    // The fast path accepts every whole in-range value, so this is unreachable in practice; stay correct anyway.
    Ok(Some((value - f64::from(min)) as usize))
}

/// Per-point weight sums, present once any weight other than 1 has been seen.
#[derive(Debug, Clone, PartialEq)]
struct WeightSums {
    sum: Vec<f64>,
    sum_sq: Vec<f64>,
}

impl WeightSums {
    fn unit(counts: &[u64]) -> WeightSums {
        let as_f64: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        WeightSums {
            sum: as_f64.clone(),
            sum_sq: as_f64,
        }
    }
}

/// The weighted, mergeable histogram accumulator. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "HistogramState", into = "HistogramState")]
pub struct Histogram {
    scale: Scale,
    counts: Vec<u64>,
    weights: Option<WeightSums>,
    n_missing: u64,
}

impl Histogram {
    /// An empty histogram over `scale`.
    pub fn new(scale: Scale) -> Histogram {
        Histogram {
            scale,
            counts: vec![0; scale.points()],
            weights: None,
            n_missing: 0,
        }
    }

    /// Builds a histogram in one pass over `scores`, with optional per-response `weights`.
    ///
    /// Errors name the first bad value and its index: [`CxError::ScoreOutOfRange`], [`CxError::NonIntegerScore`],
    /// [`CxError::MissingValue`] (under [`MissingPolicy::Error`]), [`CxError::InvalidWeight`] and
    /// [`CxError::LengthMismatch`]. Weights of skipped (missing) responses are not inspected. Weights whose sum or
    /// squared sum passes the largest `f64` are [`CxError::Overflow`] naming the row where it happened.
    pub fn from_scores<T: ScoreValue>(
        scale: Scale,
        scores: &[T],
        weights: Option<&[f64]>,
        missing: MissingPolicy,
    ) -> Result<Histogram> {
        let mut groups = tally(scale, scores, weights, Ungrouped, missing)?;
        Ok(groups.pop().expect("one group"))
    }

    /// [`Histogram::from_scores`] on up to `threads` threads for large unweighted inputs (weighted sums stay on
    /// one thread, so their rounding never depends on the split). The result and any error equal one pass's.
    pub fn from_scores_threads<T: ScoreValue>(
        scale: Scale,
        scores: &[T],
        weights: Option<&[f64]>,
        missing: MissingPolicy,
        threads: usize,
    ) -> Result<Histogram> {
        if weights.is_some() {
            return Histogram::from_scores(scale, scores, weights, missing);
        }
        let parts = parallel::run(&parallel::ranges(scores.len(), threads, PARALLEL_ROWS), |r| {
            let base = r.start;
            Histogram::from_scores(scale, &scores[r], None, missing).map_err(|e| parallel::at_offset(e, base))
        })?;
        let mut total = Histogram::new(scale);
        for part in &parts {
            total.merge(part)?;
        }
        Ok(total)
    }

    /// One histogram per distinct `i64` key (group ids, or codes from a factorisation), on up to `threads`
    /// threads for large unweighted inputs: the keys in ascending order and their histograms.
    ///
    /// Keys are indexed directly (no hashing) while a table of bins for every value in their range stays small:
    /// at most 65,536 values and at most max(2¹⁵, 4 × rows) key × point counters (256 KiB, or 32 bytes per row).
    /// Each thread's table obeys that bound, and so does the table they merge into; threads whose tables lie far
    /// apart (keys in clusters at 0 and 10¹², say) merge by key instead. Keys beyond the bound are sorted and
    /// searched. Every key of `i64`, `i64::MIN` and `i64::MAX` included, is counted exactly; memory stays within a
    /// few times the input plus one histogram per distinct key.
    ///
    /// The keys are read more than once (a range pass, then the tally). A key that changed in between (an array
    /// another thread writes to) gives [`CxError::InvalidArgument`] naming it and its index, never a panic or an
    /// out-of-bounds read; the rows around it may then have been counted under either value.
    pub fn by_i64_keys<T: ScoreValue>(
        scale: Scale,
        scores: &[T],
        keys: &[i64],
        weights: Option<&[f64]>,
        missing: MissingPolicy,
        threads: usize,
    ) -> Result<(Vec<i64>, Vec<Histogram>)> {
        by_i64_keys_split(scale, scores, keys, weights, missing, threads, PARALLEL_ROWS)
    }

    /// Adds more responses. On error the histogram is unchanged.
    pub fn add<T: ScoreValue>(&mut self, scores: &[T], weights: Option<&[f64]>, missing: MissingPolicy) -> Result<()> {
        let more = Histogram::from_scores(self.scale, scores, weights, missing)?;
        self.merge(&more)
    }

    /// Builds one histogram per group in one pass; `codes[i]` is the group of response `i`, below `n_groups`
    /// ([`CxError::InvalidGroupCode`] otherwise). Errors as [`Histogram::from_scores`], the weight sums being
    /// checked per group.
    pub fn by_group_codes<T: ScoreValue>(
        scale: Scale,
        scores: &[T],
        codes: &[u32],
        n_groups: usize,
        weights: Option<&[f64]>,
        missing: MissingPolicy,
    ) -> Result<Vec<Histogram>> {
        CxError::check_len("group codes", scores.len(), codes.len())?;
        tally(scale, scores, weights, Grouped { codes, n_groups }, missing)
    }

    /// One histogram per code of `table`, each row going to `table[days[row] - first_day]`: the trend's pass
    /// over dates stored as days, on up to `threads` threads when unweighted (each thread counts a range of rows;
    /// the ranges' counts add up to one pass's). Every day must lie in `first_day..first_day + table.len()`.
    pub(crate) fn by_day_table_threads<T: ScoreValue>(
        scale: Scale,
        scores: &[T],
        days: &[i64],
        (first_day, table): (i64, &[u32]),
        weights: Option<&[f64]>,
        missing: MissingPolicy,
        threads: usize,
    ) -> Result<Vec<Histogram>> {
        CxError::check_len("dates", scores.len(), days.len())?;
        let n_groups = table.last().map_or(0, |&c| c as usize + 1);
        let count = |rows: std::ops::Range<usize>, weights: Option<&[f64]>| {
            let grouping = DayPeriods {
                days: &days[rows.clone()],
                first_day,
                table,
                n_groups,
            };
            let base = rows.start;
            tally(scale, &scores[rows], weights, grouping, missing).map_err(|e| parallel::at_offset(e, base))
        };
        if weights.is_some() {
            // Weight sums stay on one thread, so their rounding never depends on the split.
            return count(0..scores.len(), weights);
        }
        let parts = parallel::run(&parallel::ranges(scores.len(), threads, PARALLEL_ROWS), |r| {
            count(r, None)
        })?;
        let mut parts = parts.into_iter();
        let mut total = parts.next().expect("one range at least");
        for part in parts {
            for (t, h) in total.iter_mut().zip(&part) {
                t.merge(h)?;
            }
        }
        Ok(total)
    }

    /// A histogram from counts per point of the scale (`counts.len()` must equal the number of points).
    ///
    /// The counts must add up to at most 2⁶⁴ − 1 responses (the number a histogram can report):
    /// [`CxError::Overflow`] names the point where they pass it.
    pub fn from_counts(scale: Scale, counts: &[u64]) -> Result<Histogram> {
        CxError::check_len("counts", scale.points(), counts.len())?;
        let mut total = 0u64;
        for (bin, &c) in counts.iter().enumerate() {
            total = total.checked_add(c).ok_or_else(|| {
                CxError::overflow(format!(
                    "histogram counts add up to more than 2^64 - 1 responses at point {} of the scale ({total} \
                     before it, {c} there)",
                    scale.value(bin)
                ))
            })?;
        }
        Ok(Histogram {
            scale,
            counts: counts.to_vec(),
            weights: None,
            n_missing: 0,
        })
    }

    /// Merges `other` into `self`: the result equals one pass over both inputs.
    ///
    /// A histogram holds at most 2⁶⁴ − 1 responses (counted and missing together) and finite totals Σw and Σw²;
    /// a merge past either is [`CxError::Overflow`] naming both sides, and leaves `self` unchanged.
    pub fn merge(&mut self, other: &Histogram) -> Result<()> {
        if self.scale != other.scale {
            return Err(CxError::IncompatibleHistograms {
                left: self.scale.to_string(),
                right: other.scale.to_string(),
            });
        }
        // Every histogram keeps its responses within u64 (see `responses`), so each side's total is exact and
        // one checked add covers every per-point add below.
        let (mine, theirs) = (self.responses(), other.responses());
        if mine.checked_add(theirs).is_none() {
            return Err(CxError::overflow(format!(
                "merging histograms of {mine} and {theirs} responses (counted and missing) passes 2^64 - 1"
            )));
        }
        if self.weights.is_some() || other.weights.is_some() {
            // The merged totals, summed as `total_weight` will sum them, are checked before anything changes.
            let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
            for i in 0..self.counts.len() {
                sum += self.weight(i) + other.weight(i);
                sum_sq += self.weight_sq(i) + other.weight_sq(i);
            }
            if !(sum.is_finite() && sum_sq.is_finite()) {
                return Err(CxError::overflow(format!(
                    "merging weighted histograms: the sum of weights ({} + {}) or of squared weights ({} + {}) \
                     passes the largest float",
                    self.total_weight(),
                    other.total_weight(),
                    self.total_weight_sq(),
                    other.total_weight_sq()
                )));
            }
            let theirs = other.weights.clone().unwrap_or_else(|| WeightSums::unit(&other.counts));
            let mine = self.weights.get_or_insert_with(|| WeightSums::unit(&self.counts));
            for (a, b) in mine.sum.iter_mut().zip(&theirs.sum) {
                *a += b;
            }
            for (a, b) in mine.sum_sq.iter_mut().zip(&theirs.sum_sq) {
                *a += b;
            }
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.n_missing += other.n_missing;
        self.drop_unit_weights();
        Ok(())
    }

    /// Responses counted and missing. Never wraps: every constructor and merge keeps this sum within u64.
    fn responses(&self) -> u64 {
        self.counts.iter().sum::<u64>() + self.n_missing
    }

    /// Forgets weight sums that equal the counts (Σw = Σw² = n at every point happens only when every weight
    /// was 1), so unit weights are no weights however the data was split: a group whose only rows in one
    /// batch were missing compares equal to the same group built in one pass.
    pub(crate) fn drop_unit_weights(&mut self) {
        let unit = self.weights.as_ref().is_some_and(|w| {
            (self.counts.iter().zip(w.sum.iter().zip(&w.sum_sq))).all(|(&c, (&s, &q))| s == c as f64 && q == c as f64)
        });
        if unit {
            self.weights = None;
        }
    }

    /// The scale the histogram is over.
    pub fn scale(&self) -> Scale {
        self.scale
    }

    /// Raw (unweighted) count per point, index 0 being `scale.min`.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Number of non-missing responses.
    pub fn n(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Number of missing responses skipped.
    pub fn n_missing(&self) -> u64 {
        self.n_missing
    }

    /// Whether any weight other than 1 went in.
    pub fn is_weighted(&self) -> bool {
        self.weights.is_some()
    }

    /// Σw at bin `i` (the count when unweighted).
    pub fn weight(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(self.counts[i] as f64, |w| w.sum[i])
    }

    /// Σw² at bin `i` (the count when unweighted).
    pub fn weight_sq(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(self.counts[i] as f64, |w| w.sum_sq[i])
    }

    /// Σw over all responses. Always finite: weights whose sum would pass the largest float are refused.
    pub fn total_weight(&self) -> f64 {
        (0..self.counts.len()).map(|i| self.weight(i)).sum()
    }

    /// Σw² over all responses (finite, as [`Histogram::total_weight`]).
    pub(crate) fn total_weight_sq(&self) -> f64 {
        (0..self.counts.len()).map(|i| self.weight_sq(i)).sum()
    }

    /// Kish's effective sample size (Σw)²/Σw²; equals `n` when unweighted.
    pub fn n_effective(&self) -> f64 {
        match &self.weights {
            None => self.n() as f64,
            Some(w) => {
                let s: f64 = w.sum.iter().sum();
                let s2: f64 = w.sum_sq.iter().sum();
                if s2 > 0.0 { s * s / s2 } else { 0.0 }
            }
        }
    }
}

/// How rows map to groups inside the one-pass tally; monomorphised so the ungrouped loop carries no codes.
trait Grouping: Copy {
    fn n_groups(self) -> usize;
    fn group(self, row: usize) -> Result<usize>;
}

#[derive(Clone, Copy)]
struct Ungrouped;

impl Grouping for Ungrouped {
    fn n_groups(self) -> usize {
        1
    }
    #[inline(always)]
    fn group(self, _row: usize) -> Result<usize> {
        Ok(0)
    }
}

#[derive(Clone, Copy)]
struct Grouped<'a> {
    codes: &'a [u32],
    n_groups: usize,
}

impl Grouping for Grouped<'_> {
    fn n_groups(self) -> usize {
        self.n_groups
    }
    #[inline(always)]
    fn group(self, row: usize) -> Result<usize> {
        let g = self.codes[row] as usize;
        if g < self.n_groups {
            Ok(g)
        } else {
            Err(bad_code(self.codes[row], row, self.n_groups))
        }
    }
}

/// [`Histogram::by_i64_keys`] with ranges of at least `min_rows` rows per thread (tests split small inputs).
fn by_i64_keys_split<T: ScoreValue>(
    scale: Scale,
    scores: &[T],
    keys: &[i64],
    weights: Option<&[f64]>,
    missing: MissingPolicy,
    threads: usize,
    min_rows: usize,
) -> Result<(Vec<i64>, Vec<Histogram>)> {
    CxError::check_len("group keys", scores.len(), keys.len())?;
    if keys.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let points = scale.points();
    if weights.is_none() {
        // One pass per thread: each thread's table grows to the keys it meets, so no pass for the range.
        let ranges = parallel::ranges(keys.len(), threads, min_rows);
        let parts = parallel::run(&ranges, |r| {
            let base = r.start;
            Ok(KeyTable::tally(scale, &scores[r.clone()], &keys[r], missing).map_err(|e| parallel::at_offset(e, base)))
        })?;
        // A range that stopped at too wide a key did not check its later rows, so only when none did is the
        // earliest range's error the first of the input; otherwise the pass below finds it.
        if parts.iter().all(|p| !matches!(p, Ok(None))) {
            let tables = parts
                .into_iter()
                .map(|p| p.map(|t| t.expect("checked above")))
                .collect::<Result<Vec<KeyTable>>>()?;
            return Ok(KeyTable::merge(scale, tables, keys.len()));
        }
    }
    let (min, max) = keys
        .iter()
        .fold((i64::MAX, i64::MIN), |(lo, hi), &k| (lo.min(k), hi.max(k)));
    let span = (i128::from(max) - i128::from(min) + 1) as u128;
    if !direct_fits(span, points, keys.len()) {
        let mut distinct: Vec<i64> = keys.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() > u32::MAX as usize {
            return Err(CxError::limit(
                "distinct group keys",
                u64::from(u32::MAX),
                distinct.len(),
            ));
        }
        // A second read of the keys: one that changed since the copy is not in `distinct`.
        let codes = keys
            .iter()
            .enumerate()
            .map(|(row, k)| {
                distinct
                    .binary_search(k)
                    .map(|code| code as u32)
                    .map_err(|_| changed_during_call("group keys", *k, row))
            })
            .collect::<Result<Vec<u32>>>()?;
        let histograms = Histogram::by_group_codes(scale, scores, &codes, distinct.len(), weights, missing)?;
        return Ok((distinct, histograms));
    }
    let grouping = Offset {
        keys,
        min,
        n_groups: span as usize,
    };
    let histograms = tally(scale, scores, weights, grouping, missing)?;
    Ok(present_keys(min, histograms))
}

/// Keys that occur (they have a count or a missing response) and their histograms; `histograms[i]` is key
/// `min + i`.
fn present_keys(min: i64, histograms: Vec<Histogram>) -> (Vec<i64>, Vec<Histogram>) {
    histograms
        .into_iter()
        .enumerate()
        .filter(|(_, h)| h.n() > 0 || h.n_missing() > 0)
        .map(|(i, h)| (min + i as i64, h))
        .unzip()
}

/// Unweighted counts per (key, point) for keys in `lo..lo + span`, grown as keys outside appear. (`u32`
/// counts measured slower than `u64` here.)
///
/// Invariant: `lo + span <= 2⁶³` (as i128), i.e. the last key `lo + span - 1` is an `i64`. [`count_run`]'s
/// wrapping slot `(key - lo) as u64` then lies below `span` exactly for the keys of the table: a key below `lo`
/// wraps to at least `2⁶³ - lo >= span`. `span × points` obeys [`direct_fits`] for the rows of its range.
struct KeyTable {
    lo: i64,
    span: usize,
    counts: Vec<u64>,
    missing: Vec<u64>,
}

impl KeyTable {
    /// One pass over a range of rows; `None` when the keys span more than [`direct_fits`] allows.
    fn tally<T: ScoreValue>(
        scale: Scale,
        scores: &[T],
        keys: &[i64],
        missing: MissingPolicy,
    ) -> Result<Option<KeyTable>> {
        let points = scale.points();
        let lookup = T::lookup(scale);
        let rows = scores.len().min(keys.len());
        let mut t = KeyTable {
            lo: keys.first().copied().unwrap_or(0),
            span: 1,
            counts: vec![0; points],
            missing: vec![0],
        };
        let mut row = 0;
        while row < scores.len() {
            row += count_run(
                &mut t.counts,
                t.lo,
                t.span,
                &scores[row..],
                &keys[row..],
                &lookup,
                points,
            );
            let (Some(&score), Some(&key)) = (scores.get(row), keys.get(row)) else {
                break;
            };
            // The row the run stopped at: a key outside the table, or a score that is missing or bad. The key is
            // read once here and only this copy is used below, so a concurrent write cannot move it.
            if t.slot(key).is_none() && !t.grow(key, points, rows) {
                return Ok(None);
            }
            // A grown table holds the key it grew for; were it not to, the caller's sorted pass counts the rows.
            let Some(slot) = t.slot(key) else {
                return Ok(None);
            };
            match locate(score, row, &lookup, scale, missing)? {
                Some(bin) => t.counts[slot * points + bin] += 1,
                None => t.missing[slot] += 1,
            }
            row += 1;
        }
        Ok(Some(t))
    }

    /// The slot of `key`, if the table holds it (checked in i128, so no key wraps into the table).
    fn slot(&self, key: i64) -> Option<usize> {
        let offset = i128::from(key) - i128::from(self.lo);
        (0..self.span as i128).contains(&offset).then_some(offset as usize)
    }

    /// Widens the table to hold `key` (at least doubling it, so growth is rare, and staying inside the `i64`
    /// keys); false if the result would break [`direct_fits`] for `rows` rows.
    #[cold]
    fn grow(&mut self, key: i64, points: usize, rows: usize) -> bool {
        // All bounds in i128: `hi` may be 2⁶³, one past `i64::MAX`.
        let (first, end) = (i128::from(i64::MIN), i128::from(i64::MAX) + 1);
        let (lo, hi, key) = (
            i128::from(self.lo),
            i128::from(self.lo) + self.span as i128,
            i128::from(key),
        );
        let (need_lo, need_hi) = (lo.min(key), hi.max(key + 1));
        let width = (need_hi - need_lo).max(2 * self.span as i128).min(end - first);
        if !direct_fits(width as u128, points, rows) {
            return false;
        }
        // Room grows toward the new key, and the window is pushed back inside the i64 range at either edge (it
        // still covers need_lo..need_hi, which lies inside and is at most `width` wide).
        let new_lo = if key < lo { need_hi - width } else { need_lo }.clamp(first, end - width);
        let (span, shift) = (width as usize, (lo - new_lo) as usize);
        let mut counts = vec![0; span * points];
        counts[shift * points..(shift + self.span) * points].copy_from_slice(&self.counts);
        let mut missing = vec![0; span];
        missing[shift..shift + self.span].copy_from_slice(&self.missing);
        *self = KeyTable {
            lo: new_lo as i64,
            span,
            counts,
            missing,
        };
        true
    }

    /// The keys this table counted (a count or a missing response) in ascending order, with their slots.
    fn present(&self, points: usize) -> impl Iterator<Item = (i64, usize)> + '_ {
        (0..self.span)
            .filter(move |&i| self.missing[i] > 0 || self.counts[i * points..(i + 1) * points].iter().any(|&c| c > 0))
            // lo + i <= lo + span - 1 <= i64::MAX by the table's invariant.
            .map(|i| (self.lo + i as i64, i))
    }

    /// The tables of all ranges (of `rows` rows in all) added up: the present keys and their histograms.
    ///
    /// Tables whose union fits [`direct_fits`] for `rows` add into one table; otherwise (ranges whose keys lie
    /// far apart) the present keys of every table are merged by key, in memory proportional to the tables.
    fn merge(scale: Scale, mut tables: Vec<KeyTable>, rows: usize) -> (Vec<i64>, Vec<Histogram>) {
        let points = scale.points();
        let histogram = |counts: &[u64], n_missing: u64| Histogram {
            scale,
            counts: counts.to_vec(),
            weights: None,
            n_missing,
        };
        if tables.len() > 1 {
            let lo = tables.iter().map(|t| i128::from(t.lo)).min().expect("two tables");
            let hi = tables
                .iter()
                .map(|t| i128::from(t.lo) + t.span as i128)
                .max()
                .expect("two tables");
            let span = (hi - lo) as u128;
            if !direct_fits(span, points, rows) {
                return KeyTable::merge_by_key(scale, &tables);
            }
            // Counts add up to at most `rows`, so the sums cannot overflow.
            let span = span as usize;
            let mut union = KeyTable {
                lo: lo as i64,
                span,
                counts: vec![0; span * points],
                missing: vec![0; span],
            };
            for t in &tables {
                let shift = (i128::from(t.lo) - lo) as usize;
                for (a, &b) in union.counts[shift * points..].iter_mut().zip(&t.counts) {
                    *a += b;
                }
                for (a, &b) in union.missing[shift..].iter_mut().zip(&t.missing) {
                    *a += b;
                }
            }
            tables = vec![union];
        }
        let t = &tables[0];
        t.present(points)
            .map(|(key, i)| (key, histogram(&t.counts[i * points..(i + 1) * points], t.missing[i])))
            .unzip()
    }

    /// Merges tables that lie far apart: every present (key, table, slot), sorted by key, each key's slots added.
    #[cold]
    fn merge_by_key(scale: Scale, tables: &[KeyTable]) -> (Vec<i64>, Vec<Histogram>) {
        let points = scale.points();
        let mut present: Vec<(i64, usize, usize)> = tables
            .iter()
            .enumerate()
            .flat_map(|(ti, t)| t.present(points).map(move |(key, slot)| (key, ti, slot)))
            .collect();
        present.sort_unstable();
        let (mut keys, mut histograms): (Vec<i64>, Vec<Histogram>) = (Vec::new(), Vec::new());
        for &(key, ti, slot) in &present {
            let t = &tables[ti];
            if keys.last() != Some(&key) {
                keys.push(key);
                histograms.push(Histogram::new(scale));
            }
            let h = histograms.last_mut().expect("pushed above");
            // Counts add up to at most the input's rows, so the sums cannot overflow.
            for (a, &b) in h.counts.iter_mut().zip(&t.counts[slot * points..(slot + 1) * points]) {
                *a += b;
            }
            h.n_missing += t.missing[slot];
        }
        (keys, histograms)
    }
}

/// Counts rows into `counts` (`span` keys from `lo`, `points` bins each) until the first row whose key is outside
/// the table or whose score is not a valid point; returns how many rows it counted. The table's bounds live in
/// registers here (the caller's table may grow, so its fields would be reloaded from memory on every row), one
/// branch tests both conditions, and each cache line of keys (eight rows) asks for the rows
/// [`parallel::rows_ahead`] further on.
fn count_run<T: ScoreValue>(
    counts: &mut [u64],
    lo: i64,
    span: usize,
    scores: &[T],
    keys: &[i64],
    lookup: &T::Lookup,
    points: usize,
) -> usize {
    const LINE: usize = 8;
    let n = scores.len().min(keys.len());
    let (scores, keys) = (&scores[..n], &keys[..n]);
    let count = |counts: &mut [u64], score: T, key: i64| {
        let slot = key.wrapping_sub(lo) as u64 as usize;
        let (bin, valid) = score.bin_candidate(lookup);
        let inside = valid & (slot < span);
        if inside {
            counts[slot * points + bin] += 1;
        }
        inside
    };
    for (c, (line_scores, line_keys)) in scores.chunks_exact(LINE).zip(keys.chunks_exact(LINE)).enumerate() {
        let row = c * LINE;
        cx_prefetch::prefetch(keys, row + parallel::rows_ahead::<i64>());
        cx_prefetch::prefetch(scores, row + parallel::rows_ahead::<T>());
        for i in 0..LINE {
            if !count(counts, line_scores[i], line_keys[i]) {
                return row + i;
            }
        }
    }
    let done = n - n % LINE;
    for row in done..n {
        if !count(counts, scores[row], keys[row]) {
            return row;
        }
    }
    n
}

/// Keys within a small range, grouped by their offset from the smallest.
#[derive(Clone, Copy)]
struct Offset<'a> {
    keys: &'a [i64],
    min: i64,
    n_groups: usize,
}

impl Grouping for Offset<'_> {
    fn n_groups(self) -> usize {
        self.n_groups
    }
    #[inline(always)]
    fn group(self, row: usize) -> Result<usize> {
        // Every key lay in min..=max when the range was found, but the array may have changed since (shared
        // memory written by another thread), so the offset is checked before it indexes anything.
        let key = self.keys[row];
        let offset = key.wrapping_sub(self.min) as u64;
        if offset < self.n_groups as u64 {
            Ok(offset as usize)
        } else {
            Err(changed_during_call("group keys", key, row))
        }
    }
}

/// Days grouped by period through a table from the first day (see [`Histogram::by_day_table`]).
#[derive(Clone, Copy)]
struct DayPeriods<'a> {
    days: &'a [i64],
    first_day: i64,
    table: &'a [u32],
    n_groups: usize,
}

impl Grouping for DayPeriods<'_> {
    fn n_groups(self) -> usize {
        self.n_groups
    }
    #[inline(always)]
    fn group(self, row: usize) -> Result<usize> {
        // The table was built from an earlier read of the days; a day that changed since is refused, not indexed.
        let day = self.days[row];
        match self.table.get(day.wrapping_sub(self.first_day) as u64 as usize) {
            Some(&code) => Ok(code as usize),
            None => Err(changed_during_call("dates", day, row)),
        }
    }
}

#[cold]
#[inline(never)]
fn bad_code(code: u32, index: usize, n_groups: usize) -> CxError {
    CxError::InvalidGroupCode { code, index, n_groups }
}

/// Where a row goes: its bin, or nowhere because it is missing and the policy skips it.
#[inline(always)]
fn locate<T: ScoreValue>(
    score: T,
    row: usize,
    lookup: &T::Lookup,
    scale: Scale,
    missing: MissingPolicy,
) -> Result<Option<usize>> {
    match score.bin(lookup) {
        Some(bin) => Ok(Some(bin)),
        None => classify_slow(score.to_f64(), row, scale, missing),
    }
}

/// The one pass: validates every score (and weight), fills per-group bins, and builds the histograms only if
/// every row was good, so callers never see a half-filled state.
fn tally<T: ScoreValue, G: Grouping>(
    scale: Scale,
    scores: &[T],
    weights: Option<&[f64]>,
    grouping: G,
    missing: MissingPolicy,
) -> Result<Vec<Histogram>> {
    let points = scale.points();
    let lookup = T::lookup(scale);
    let n_groups = grouping.n_groups();
    let mut counts = vec![0u64; n_groups * points];
    let mut n_missing = vec![0u64; n_groups];
    let mut weight_sums = None;
    match weights {
        None if n_groups == 1 => count_unweighted(scores, &lookup, scale, missing, &mut counts, &mut n_missing[0])?,
        None => {
            for (row, &score) in scores.iter().enumerate() {
                let g = grouping.group(row)?;
                let (bin, valid) = score.bin_candidate(&lookup);
                if valid {
                    counts[g * points + bin] += 1;
                } else {
                    match locate(score, row, &lookup, scale, missing)? {
                        Some(bin) => counts[g * points + bin] += 1,
                        None => n_missing[g] += 1,
                    }
                }
            }
        }
        Some(weights) => {
            CxError::check_len("weights", scores.len(), weights.len())?;
            let mut sum = vec![0.0f64; n_groups * points];
            let mut sum_sq = vec![0.0f64; n_groups * points];
            let mut all_unit = true;
            for (row, (&score, &w)) in scores.iter().zip(weights).enumerate() {
                let g = grouping.group(row)?;
                let Some(bin) = locate(score, row, &lookup, scale, missing)? else {
                    n_missing[g] += 1;
                    continue;
                };
                if !(w >= 0.0 && w.is_finite()) {
                    return Err(CxError::InvalidWeight { value: w, index: row });
                }
                let slot = g * points + bin;
                counts[slot] += 1;
                sum[slot] += w;
                sum_sq[slot] += w * w;
                all_unit &= w == 1.0;
            }
            if !all_unit {
                // Per group, Σw and Σw² over its points must stay finite (a histogram with an infinite sum
                // has no estimate and could not read its own bytes back); checked once per group, not per row.
                let finite = |v: &[f64]| v.chunks(points).all(|g| g.iter().sum::<f64>().is_finite());
                if !(finite(&sum) && finite(&sum_sq)) {
                    return Err(weight_overflow(scale, scores, weights, grouping, missing));
                }
                weight_sums = Some((sum, sum_sq));
            }
        }
    }
    // Each group is weighted only if it met a weight other than 1, whatever the other groups met, so a group's
    // histogram does not depend on which rows it was counted with.
    Ok((0..n_groups)
        .map(|g| {
            let range = g * points..(g + 1) * points;
            let mut h = Histogram {
                scale,
                counts: counts[range.clone()].to_vec(),
                weights: weight_sums.as_ref().map(|(s, s2)| WeightSums {
                    sum: s[range.clone()].to_vec(),
                    sum_sq: s2[range.clone()].to_vec(),
                }),
                n_missing: n_missing[g],
            };
            h.drop_unit_weights();
            h
        })
        .collect())
}

/// The error for weights whose per-group Σw or Σw² passes the largest float: replays the weighted pass (only
/// after it failed) to name the row where a group's running sum first became infinite.
#[cold]
#[inline(never)]
fn weight_overflow<T: ScoreValue, G: Grouping>(
    scale: Scale,
    scores: &[T],
    weights: &[f64],
    grouping: G,
    missing: MissingPolicy,
) -> CxError {
    let lookup = T::lookup(scale);
    let mut totals = vec![(0.0f64, 0.0f64); grouping.n_groups()];
    for (row, (&score, &w)) in scores.iter().zip(weights).enumerate() {
        let (Ok(g), Ok(Some(_))) = (grouping.group(row), locate(score, row, &lookup, scale, missing)) else {
            continue;
        };
        let Some(t) = totals.get_mut(g) else { continue };
        t.0 += w;
        t.1 += w * w;
        if !(t.0.is_finite() && t.1.is_finite()) {
            return CxError::overflow(format!(
                "the sum of weights or of squared weights passes the largest float at index {row} (weight {w:e}); \
                 estimates depend only on ratios of weights, so scale them down"
            ));
        }
    }
    CxError::overflow(
        "the sum of weights or of squared weights over the points of the scale passes the largest float; \
         estimates depend only on ratios of weights, so scale them down",
    )
}

/// The hot loop for ungrouped, unweighted scores. Four independent count lanes keep runs of equal scores from
/// serialising on one counter; a block of four valid scores (the common case) takes one branch.
fn count_unweighted<T: ScoreValue>(
    scores: &[T],
    lookup: &T::Lookup,
    scale: Scale,
    missing: MissingPolicy,
    counts: &mut [u64],
    n_missing: &mut u64,
) -> Result<()> {
    let points = counts.len();
    let mut lanes = [
        vec![0u64; points],
        vec![0u64; points],
        vec![0u64; points],
        vec![0u64; points],
    ];
    let mut skipped = 0u64;
    let ahead = parallel::rows_ahead::<T>();
    let mut blocks = scores.chunks_exact(4);
    for (b, block) in blocks.by_ref().enumerate() {
        cx_prefetch::prefetch(scores, b * 4 + ahead);
        let [l0, l1, l2, l3] = &mut lanes;
        let (i0, v0) = block[0].bin_candidate(lookup);
        let (i1, v1) = block[1].bin_candidate(lookup);
        let (i2, v2) = block[2].bin_candidate(lookup);
        let (i3, v3) = block[3].bin_candidate(lookup);
        if v0 & v1 & v2 & v3 {
            l0[i0] += 1;
            l1[i1] += 1;
            l2[i2] += 1;
            l3[i3] += 1;
        } else {
            count_block_slow(block, b * 4, lookup, scale, missing, l0, &mut skipped)?;
        }
    }
    let start = scores.len() - blocks.remainder().len();
    count_block_slow(
        blocks.remainder(),
        start,
        lookup,
        scale,
        missing,
        &mut lanes[0],
        &mut skipped,
    )?;
    for (bin, total) in counts.iter_mut().enumerate() {
        *total = lanes.iter().map(|lane| lane[bin]).sum();
    }
    *n_missing = skipped;
    Ok(())
}

/// A block with a missing or bad score, one row at a time.
#[cold]
#[inline(never)]
fn count_block_slow<T: ScoreValue>(
    block: &[T],
    start: usize,
    lookup: &T::Lookup,
    scale: Scale,
    missing: MissingPolicy,
    lane: &mut [u64],
    skipped: &mut u64,
) -> Result<()> {
    for (i, &score) in block.iter().enumerate() {
        match locate(score, start + i, lookup, scale, missing)? {
            Some(bin) => lane[bin] += 1,
            None => *skipped += 1,
        }
    }
    Ok(())
}

impl Histogram {
    /// Writes the histogram into a state payload: scale, counts and missing count as varints, then a flag and
    /// the weight sums' exact bits when weighted.
    pub(crate) fn write_to(&self, w: &mut Writer) {
        w.signed(i64::from(self.scale.min));
        w.signed(i64::from(self.scale.max));
        w.len(self.counts.len());
        self.counts.iter().for_each(|&c| w.varint(c));
        w.varint(self.n_missing);
        match &self.weights {
            None => w.u8(0),
            Some(ws) => {
                w.u8(1);
                ws.sum.iter().chain(&ws.sum_sq).for_each(|&x| w.f64(x));
            }
        }
    }

    /// Reads what [`Histogram::write_to`] wrote, with the checks of the JSON form.
    pub(crate) fn read_from(r: &mut Reader<'_>) -> Result<Histogram> {
        let bound =
            |r: &Reader<'_>, v: i64| i32::try_from(v).map_err(|_| r.error(format!("scale bound {v} overflows")));
        let min = r.signed()?;
        let min = bound(r, min)?;
        let max = r.signed()?;
        let max = bound(r, max)?;
        let n = r.len(1)?;
        let counts = (0..n).map(|_| r.varint()).collect::<Result<Vec<u64>>>()?;
        let n_missing = r.varint()?;
        let (weight_sum, weight_sum_sq) = match r.u8()? {
            0 => (None, None),
            1 => {
                let floats = |r: &mut Reader<'_>| (0..n).map(|_| r.f64()).collect::<Result<Vec<f64>>>();
                (Some(floats(r)?), Some(floats(r)?))
            }
            flag => return Err(r.error(format!("weight flag {flag} is neither 0 nor 1"))),
        };
        Histogram::try_from(HistogramState {
            version: HISTOGRAM_VERSION,
            scale: Scale { min, max },
            counts,
            weight_sum,
            weight_sum_sq,
            n_missing,
        })
    }
}

/// The serialised form, checked on the way in.
#[derive(Serialize, Deserialize)]
struct HistogramState {
    version: u32,
    scale: Scale,
    counts: Vec<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weight_sum: Option<Vec<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    weight_sum_sq: Option<Vec<f64>>,
    n_missing: u64,
}

impl From<Histogram> for HistogramState {
    fn from(h: Histogram) -> Self {
        let (weight_sum, weight_sum_sq) = match h.weights {
            Some(w) => (Some(w.sum), Some(w.sum_sq)),
            None => (None, None),
        };
        HistogramState {
            version: HISTOGRAM_VERSION,
            scale: h.scale,
            counts: h.counts,
            weight_sum,
            weight_sum_sq,
            n_missing: h.n_missing,
        }
    }
}

impl TryFrom<HistogramState> for Histogram {
    type Error = CxError;

    fn try_from(s: HistogramState) -> Result<Histogram> {
        let bad = |field: &str, reason: &str| CxError::InvalidConfig {
            what: "histogram".into(),
            field: field.into(),
            reason: reason.into(),
        };
        if s.version != HISTOGRAM_VERSION {
            return Err(CxError::UnsupportedVersion {
                what: "histogram".into(),
                found: s.version,
                supported: HISTOGRAM_VERSION,
            });
        }
        if s.scale.min >= s.scale.max || s.scale.points() > 1001 {
            return Err(bad("scale", "min must be below max, with at most 1001 points"));
        }
        if s.counts.len() != s.scale.points() {
            return Err(bad("counts", "needs one count per scale point"));
        }
        // The limits every histogram keeps (see `Histogram::merge`): responses within u64, finite weight totals.
        if s.counts
            .iter()
            .try_fold(s.n_missing, |t, &c| t.checked_add(c))
            .is_none()
        {
            return Err(bad("counts", "and n_missing add up to more than 2^64 - 1 responses"));
        }
        let weights = match (s.weight_sum, s.weight_sum_sq) {
            (None, None) => None,
            (Some(sum), Some(sum_sq)) => {
                if sum.len() != s.counts.len() || sum_sq.len() != s.counts.len() {
                    return Err(bad("weight_sum", "needs one sum per scale point"));
                }
                if sum.iter().chain(&sum_sq).any(|w| !(w.is_finite() && *w >= 0.0)) {
                    return Err(bad("weight_sum", "sums must be finite and non-negative"));
                }
                if !(sum.iter().sum::<f64>().is_finite() && sum_sq.iter().sum::<f64>().is_finite()) {
                    return Err(bad("weight_sum", "the sums over all points must be finite"));
                }
                Some(WeightSums { sum, sum_sq })
            }
            _ => return Err(bad("weight_sum_sq", "weight_sum and weight_sum_sq come together")),
        };
        Ok(Histogram {
            scale: s.scale,
            counts: s.counts,
            weights,
            n_missing: s.n_missing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NPS: Scale = Scale { min: 0, max: 10 };

    #[test]
    fn counts_every_point_for_every_input_type() {
        let h64 = Histogram::from_scores(NPS, &[0.0, 10.0, 10.0, 5.0, 9.0], None, MissingPolicy::Skip).unwrap();
        let h8 = Histogram::from_scores(NPS, &[0u8, 10, 10, 5, 9], None, MissingPolicy::Skip).unwrap();
        let hi = Histogram::from_scores(NPS, &[0i64, 10, 10, 5, 9], None, MissingPolicy::Skip).unwrap();
        let h32 = Histogram::from_scores(NPS, &[0f32, 10.0, 10.0, 5.0, 9.0], None, MissingPolicy::Skip).unwrap();
        assert_eq!(h64.counts(), &[1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 2]);
        assert_eq!(h64, h8);
        assert_eq!(h64, hi);
        assert_eq!(h64, h32);
    }

    #[test]
    fn bad_scores_are_typed_errors_with_positions() {
        let e = Histogram::from_scores(NPS, &[1.0, 2.0, 3.0, 4.0, 5.0, 11.0], None, MissingPolicy::Skip).unwrap_err();
        assert_eq!(
            e,
            CxError::ScoreOutOfRange {
                value: 11.0,
                index: 5,
                min: 0,
                max: 10
            }
        );
        let e = Histogram::from_scores(NPS, &[-1i32], None, MissingPolicy::Skip).unwrap_err();
        assert!(matches!(e, CxError::ScoreOutOfRange { index: 0, .. }));
        let e = Histogram::from_scores(NPS, &[u64::MAX], None, MissingPolicy::Skip).unwrap_err();
        assert!(matches!(e, CxError::ScoreOutOfRange { index: 0, .. }));
        let e = Histogram::from_scores(NPS, &[6.5], None, MissingPolicy::Skip).unwrap_err();
        assert_eq!(
            e,
            CxError::NonIntegerScore {
                value: 6.5,
                index: 0,
                min: 0,
                max: 10
            }
        );
        let e = Histogram::from_scores(NPS, &[f64::INFINITY], None, MissingPolicy::Skip).unwrap_err();
        assert!(matches!(e, CxError::ScoreOutOfRange { .. }));
        let e = Histogram::from_scores(NPS, &[1.0, f64::NAN], None, MissingPolicy::Error).unwrap_err();
        assert_eq!(
            e,
            CxError::MissingValue {
                what: "scores".into(),
                index: 1
            }
        );
        assert!(e.to_string().contains("index 1"));
    }

    #[test]
    fn missing_values_are_counted_not_dropped() {
        let h = Histogram::from_scores(NPS, &[7.0, f64::NAN, 9.0], None, MissingPolicy::Skip).unwrap();
        assert_eq!((h.n(), h.n_missing()), (2, 1));
    }

    #[test]
    fn weights_are_checked() {
        let e = Histogram::from_scores(NPS, &[1.0, 2.0], Some(&[1.0]), MissingPolicy::Skip).unwrap_err();
        assert!(matches!(
            e,
            CxError::LengthMismatch {
                expected: 2,
                found: 1,
                ..
            }
        ));
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let e = Histogram::from_scores(NPS, &[1.0, 2.0], Some(&[1.0, bad]), MissingPolicy::Skip).unwrap_err();
            assert!(matches!(e, CxError::InvalidWeight { index: 1, .. }), "{e}");
        }
    }

    #[test]
    fn failed_add_leaves_the_histogram_unchanged() {
        let mut h = Histogram::from_scores(NPS, &[9.0], None, MissingPolicy::Skip).unwrap();
        let before = h.clone();
        assert!(h.add(&[9.0, 12.0], None, MissingPolicy::Skip).is_err());
        assert_eq!(h, before);
    }

    #[test]
    fn unit_weights_equal_no_weights_and_other_weights_are_kept() {
        let plain = Histogram::from_scores(NPS, &[1.0, 9.0], None, MissingPolicy::Skip).unwrap();
        let unit = Histogram::from_scores(NPS, &[1.0, 9.0], Some(&[1.0, 1.0]), MissingPolicy::Skip).unwrap();
        assert_eq!(plain, unit);
        let w = Histogram::from_scores(NPS, &[1.0, 9.0], Some(&[2.0, 0.5]), MissingPolicy::Skip).unwrap();
        assert!(w.is_weighted());
        assert_eq!((w.weight(1), w.weight_sq(1), w.weight(9)), (2.0, 4.0, 0.5));
        assert!((w.n_effective() - 2.5 * 2.5 / 4.25).abs() < 1e-12);
    }

    #[test]
    fn groups_and_bad_codes() {
        let hs =
            Histogram::by_group_codes(NPS, &[9.0, 1.0, f64::NAN], &[1, 0, 1], 2, None, MissingPolicy::Skip).unwrap();
        assert_eq!(hs[0].counts()[1], 1);
        assert_eq!((hs[1].counts()[9], hs[1].n_missing()), (1, 1));
        let e = Histogram::by_group_codes(NPS, &[9.0], &[2], 2, None, MissingPolicy::Skip).unwrap_err();
        assert_eq!(
            e,
            CxError::InvalidGroupCode {
                code: 2,
                index: 0,
                n_groups: 2
            }
        );
    }

    #[test]
    fn merge_rejects_other_scales_and_serde_round_trips() {
        let mut a = Histogram::new(NPS);
        let b = Histogram::new(Scale { min: 1, max: 5 });
        assert!(matches!(a.merge(&b), Err(CxError::IncompatibleHistograms { .. })));
        let w = Histogram::from_scores(NPS, &[1.0, 9.0], Some(&[2.0, 0.5]), MissingPolicy::Skip).unwrap();
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(serde_json::from_str::<Histogram>(&json).unwrap(), w);
        let broken = json.replace("\"counts\":[", "\"counts\":[1,");
        assert!(serde_json::from_str::<Histogram>(&broken).is_err());
    }

    /// The simple reference for per-key histograms: a HashMap of key → (counts, missing), sorted by key.
    fn reference(scale: Scale, scores: &[f64], keys: &[i64]) -> (Vec<i64>, Vec<Histogram>) {
        let mut map: std::collections::HashMap<i64, Histogram> = std::collections::HashMap::new();
        for (&score, &key) in scores.iter().zip(keys) {
            let h = map.entry(key).or_insert_with(|| Histogram::new(scale));
            if score.is_nan() {
                h.n_missing += 1;
            } else {
                h.counts[(score - f64::from(scale.min)) as usize] += 1;
            }
        }
        let mut pairs: Vec<(i64, Histogram)> = map.into_iter().collect();
        pairs.sort_by_key(|p| p.0);
        pairs.into_iter().unzip()
    }

    #[test]
    fn key_clusters_far_apart_on_different_threads_merge_by_key() {
        // Issue 20 item 1 in small: each range's keys fit a table, their union (10¹² keys) does not. Before, the
        // merge sized one table span × points and aborted on the allocation.
        let n = 64;
        let scores = vec![10.0; n];
        let keys: Vec<i64> = (0..n).map(|i| if i < n / 2 { 0 } else { 1_000_000_000_000 }).collect();
        for threads in [1, 2, 4] {
            let (k, h) = by_i64_keys_split(NPS, &scores, &keys, None, MissingPolicy::Skip, threads, 8).unwrap();
            assert_eq!(k, [0, 1_000_000_000_000], "{threads} threads");
            assert_eq!((h[0].counts()[10], h[1].counts()[10]), (32, 32));
        }
    }

    #[test]
    fn a_range_of_only_i64_max_keys_keeps_its_rows() {
        // Issue 20 item 3: `t.lo + span` overflowed for a range whose keys are all i64::MAX, and its rows vanished.
        let scores: Vec<f64> = (0..40).map(|i| f64::from(i % 11)).collect();
        for layout in [
            [0, i64::MAX, i64::MAX, i64::MAX],
            [i64::MAX, i64::MAX, i64::MIN, i64::MAX],
            [i64::MAX - 1, i64::MAX, i64::MIN, i64::MIN + 1],
            [5, 6, i64::MAX, 7],
        ] {
            let keys: Vec<i64> = (0..40).map(|i| layout[i / 10]).collect();
            let expected = reference(NPS, &scores, &keys);
            for threads in [1, 2, 4] {
                let got = by_i64_keys_split(NPS, &scores, &keys, None, MissingPolicy::Skip, threads, 10).unwrap();
                assert_eq!(got, expected, "{layout:?}, {threads} threads");
            }
        }
    }

    #[test]
    fn a_table_grows_up_to_the_edges_of_i64() {
        // Keys just below i64::MAX (and just above i64::MIN) still fit a direct table: the grown window is pushed
        // back inside the i64 range instead of being refused.
        for keys in [
            vec![i64::MAX, i64::MAX - 1, i64::MAX - 3],
            vec![i64::MIN, i64::MIN + 2, i64::MIN + 1],
        ] {
            let mut t = KeyTable::tally(NPS, &[1.0, 2.0, 3.0], &keys, MissingPolicy::Skip)
                .unwrap()
                .expect("three keys fit a direct table");
            assert!(i128::from(t.lo) + t.span as i128 <= i128::from(i64::MAX) + 1);
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            assert_eq!(t.present(NPS.points()).map(|p| p.0).collect::<Vec<_>>(), sorted);
            assert!(t.slot(keys[0]).is_some() && !t.grow(0, 11, 3));
        }
    }

    #[test]
    fn a_few_rows_never_get_a_table_sized_by_their_key_span() {
        // Issue 20 item 11: two rows on a 1,001-point scale with keys 65,535 apart sized a direct table (and a
        // histogram per key of the span) of 65,536 × 1,001 counters, 1 GB. Now the bound scales with the rows.
        let wide = Scale { min: 0, max: 1000 };
        assert!(!direct_fits(1 << 16, 1001, 2));
        assert!(direct_fits(1 << 16, 11, 1 << 18), "large inputs keep the direct table");
        assert!(
            KeyTable::tally(wide, &[1.0, 2.0], &[0, 65_535], MissingPolicy::Skip)
                .unwrap()
                .is_none()
        );
        let (k, h) = Histogram::by_i64_keys(wide, &[1.0, 2.0], &[0, 65_535], None, MissingPolicy::Skip, 1).unwrap();
        assert_eq!(k, [0, 65_535]);
        assert_eq!((h[0].counts()[1], h[1].counts()[2]), (1, 1));
        let w = [2.0, 3.0];
        let (k, h) = Histogram::by_i64_keys(wide, &[1.0, 2.0], &[0, 65_535], Some(&w), MissingPolicy::Skip, 1).unwrap();
        assert_eq!((k.len(), h[1].weight(2)), (2, 3.0));
    }

    #[test]
    fn keys_that_change_between_reads_are_refused_not_indexed() {
        // Issue 20 item 10: the one-thread pass finds the keys' range, then reads them again to tally. Simulated
        // here by a grouping whose keys lie outside the range it was given.
        let keys = [0i64, 1, 2, 1_000];
        let grouping = Offset {
            keys: &keys,
            min: 0,
            n_groups: 3,
        };
        let e = tally(NPS, &[1.0, 2.0, 3.0, 4.0], None, grouping, MissingPolicy::Skip).unwrap_err();
        assert!(
            matches!(&e, CxError::InvalidArgument { value, .. } if value == "1000"),
            "{e}"
        );
        assert!(e.to_string().contains("index 3"), "{e}");
        let table = [0u32, 0, 1];
        let days = [5i64, 7, 9];
        let grouping = DayPeriods {
            days: &days,
            first_day: 5,
            table: &table,
            n_groups: 2,
        };
        let e = tally(NPS, &[1.0, 2.0, 3.0], None, grouping, MissingPolicy::Skip).unwrap_err();
        assert!(e.to_string().contains("index 2"), "{e}");
    }

    #[test]
    fn counts_past_u64_are_an_overflow_error() {
        // Issue 20 item 7: nps_from_counts(2⁶³, 2⁶³, 1) reported n = 1.
        let mut counts = vec![0u64; 11];
        (counts[0], counts[7], counts[10]) = (1 << 63, 1 << 63, 1);
        let e = Histogram::from_counts(NPS, &counts).unwrap_err();
        assert!(matches!(e, CxError::Overflow { .. }), "{e}");
        assert!(e.to_string().contains("point 7"), "{e}");
        counts[7] = (1 << 63) - 1;
        counts[10] = 0;
        let mut h = Histogram::from_counts(NPS, &counts).unwrap();
        assert_eq!(h.n(), u64::MAX);
        let before = h.clone();
        let one = Histogram::from_scores(NPS, &[f64::NAN], None, MissingPolicy::Skip).unwrap();
        assert!(matches!(h.merge(&one), Err(CxError::Overflow { .. })));
        assert_eq!(h, before, "a failed merge changes nothing");
        let state = HistogramState {
            version: HISTOGRAM_VERSION,
            scale: NPS,
            counts: counts.clone(),
            weight_sum: None,
            weight_sum_sq: None,
            n_missing: 1,
        };
        assert!(Histogram::try_from(state).is_err());
    }

    #[test]
    fn weight_sums_past_the_largest_float_are_an_overflow_error() {
        // Issue 20 item 10: weights of 1e308 gave NaN estimates and a histogram that could not read its bytes.
        let e =
            Histogram::from_scores(NPS, &[9.0, 10.0, 3.0], Some(&[1.0, 1e308, 1.0]), MissingPolicy::Skip).unwrap_err();
        assert!(matches!(e, CxError::Overflow { .. }), "{e}");
        assert!(e.to_string().contains("index 1"), "{e}");
        // Σw passes the largest float over two points although each point's sum is finite.
        let e = Histogram::from_scores(NPS, &[9.0, 10.0], Some(&[1e154, 1e154]), MissingPolicy::Skip).unwrap_err();
        assert!(e.to_string().contains("index 1"), "{e}");
        let e = Histogram::by_group_codes(
            NPS,
            &[1.0, 2.0, 3.0],
            &[0, 1, 1],
            2,
            Some(&[1.0, 1e154, 1.2e154]),
            MissingPolicy::Skip,
        )
        .unwrap_err();
        assert!(e.to_string().contains("index 2"), "{e}");
        // Merging two finite histograms into an infinite one is refused too, and changes nothing.
        let mut a = Histogram::from_scores(NPS, &[9.0], Some(&[1e154]), MissingPolicy::Skip).unwrap();
        let b = Histogram::from_scores(NPS, &[3.0], Some(&[1.2e154]), MissingPolicy::Skip).unwrap();
        let before = a.clone();
        assert!(matches!(a.merge(&b), Err(CxError::Overflow { .. })));
        assert_eq!(a, before);
    }

    #[test]
    fn histograms_at_extreme_weights_read_back_their_own_bytes() {
        // The largest weights a histogram accepts, and the smallest: bytes and JSON both round-trip.
        let big = f64::MAX.sqrt() / 2.0;
        for weights in [[big, 0.0, 1.0], [f64::MIN_POSITIVE, 5e-324, 0.0], [1e150, 1e-150, 1.0]] {
            let h = Histogram::from_scores(NPS, &[10.0, 10.0, 0.0], Some(&weights), MissingPolicy::Skip).unwrap();
            let mut w = Writer::new(crate::state::Kind::Accumulator);
            h.write_to(&mut w);
            let bytes = w.finish();
            let mut r = Reader::open(&bytes, crate::state::Kind::Accumulator).unwrap();
            assert_eq!(Histogram::read_from(&mut r).unwrap(), h, "{weights:?}");
            let json = serde_json::to_string(&h).unwrap();
            assert_eq!(serde_json::from_str::<Histogram>(&json).unwrap(), h, "{weights:?}");
        }
    }

    /// Keys from the edge values the key tables must handle.
    fn edge_key() -> impl proptest::strategy::Strategy<Value = i64> {
        use proptest::prelude::*;
        prop_oneof![
            Just(i64::MIN),
            Just(i64::MIN + 1),
            Just(i64::MAX),
            Just(i64::MAX - 1),
            Just(0i64),
            Just(-1i64),
            Just(1_000_000_000_000i64),
            Just(-1_000_000_000_000i64),
            Just(65_535i64),
            Just(70_000i64),
            0i64..40,
            1_000_000_000_000i64..1_000_000_000_040,
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Issue 20 item 3: the threaded key path (ranges of a few rows, so many tables merge) equals a HashMap of
        /// key → histogram for keys from edge values, runs of one key (all equal within a range) and clusters.
        #[test]
        fn threaded_key_tables_equal_a_hashed_reference(
            runs in proptest::collection::vec((edge_key(), 1usize..40), 1..12),
            scores_seed in proptest::collection::vec(0u8..12, 1..64),
            threads in 1usize..6,
            min_rows in 1usize..32,
            one_scale_of_1001 in proptest::bool::ANY,
        ) {
            let scale = if one_scale_of_1001 { Scale { min: 0, max: 1000 } } else { NPS };
            let keys: Vec<i64> = runs.iter().flat_map(|&(k, len)| std::iter::repeat_n(k, len)).collect();
            // 11 stands for a missing score.
            let scores: Vec<f64> = (0..keys.len())
                .map(|i| match scores_seed[i % scores_seed.len()] { 11 => f64::NAN, s => f64::from(s) })
                .collect();
            let got = by_i64_keys_split(scale, &scores, &keys, None, MissingPolicy::Skip, threads, min_rows).unwrap();
            proptest::prop_assert_eq!(got, reference(scale, &scores, &keys));
        }
    }
}
