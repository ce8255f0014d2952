//! Slicing by group: one pass over (scores, group keys[, weights]) into one histogram per group, then one row
//! per group, optionally each group against the rest of the population with adjusted p-values.

use super::adjust::{PAdjust, adjust_pvalues};
use super::compare::{CompareMethod, Comparison, compare};
use super::estimate::{Estimate, EstimateOptions, estimate};
use super::histogram::{Histogram, ScoreValue};
use super::spec::MetricSpec;
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::Hash;

/// Options for [`score_by`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroupOptions {
    /// Interval method, level and missing policy of each group's estimate.
    pub estimate: EstimateOptions,
    /// Groups with fewer responses are reported in `suppressed`, not estimated.
    pub min_n: u64,
    /// Compare each group against all other responses with this method (`None`: no comparison).
    pub compare_to_rest: Option<CompareMethod>,
    /// Adjustment of the group-vs-rest p-values for the number of groups compared.
    pub adjust: PAdjust,
    /// Significance level for the `significant` flag, applied to the adjusted p-value.
    pub alpha: f64,
}

impl Default for GroupOptions {
    fn default() -> Self {
        GroupOptions {
            estimate: EstimateOptions::default(),
            min_n: 1,
            compare_to_rest: None,
            adjust: PAdjust::Holm,
            alpha: 0.05,
        }
    }
}

/// One group's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRow<K> {
    /// The group key.
    pub key: K,
    /// The group's estimate.
    pub estimate: Estimate,
    /// The group against everyone else (group − rest), when asked for.
    pub vs_rest: Option<Comparison>,
    /// The adjusted p-value of `vs_rest`.
    pub p_adjusted: Option<f64>,
    /// Whether `p_adjusted` < alpha.
    pub significant: Option<bool>,
}

/// A group that has data but no row, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppressed<K> {
    /// The group key.
    pub key: K,
    /// Its responses (not missing).
    pub n: u64,
    /// Its missing responses.
    pub n_missing: u64,
    /// Why it has no row, e.g. `"n 3 below min_n 30"`.
    pub reason: String,
}

/// The result of [`score_by`]: estimated groups sorted by key, and the groups that were not estimated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupedEstimates<K> {
    /// One row per estimated group, sorted by key.
    pub rows: Vec<GroupRow<K>>,
    /// Groups below `min_n` or without a computable estimate; nothing disappears silently.
    pub suppressed: Vec<Suppressed<K>>,
    /// Missing responses across all groups.
    pub n_missing: u64,
}

/// Scores by group key in one pass.
///
/// The keys are indexed through a hash map: memory is proportional to the input plus one histogram per distinct
/// key. Integer keys have a faster path, [`Histogram::by_i64_keys`], whose direct tables are bounded by the rows
/// (docs/survey.md).
///
/// ```
/// use cx_core::survey::{score_by, GroupOptions, MetricSpec};
///
/// let scores = [10.0, 9.0, 0.0, 10.0, 3.0, 3.0];
/// let keys = ["web", "web", "web", "app", "app", "app"];
/// let by = score_by(&MetricSpec::nps(), &scores, &keys, None, &GroupOptions::default())?;
/// assert_eq!(by.rows[0].key, "app");
/// assert!((by.rows[0].estimate.value + 33.333_333).abs() < 1e-5);
/// assert!((by.rows[1].estimate.value - 33.333_333).abs() < 1e-5);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn score_by<T: ScoreValue, K: Hash + Eq + Ord + Clone + Send + Sync>(
    spec: &MetricSpec,
    scores: &[T],
    keys: &[K],
    weights: Option<&[f64]>,
    options: &GroupOptions,
) -> Result<GroupedEstimates<K>> {
    CxError::check_len("group keys", scores.len(), keys.len())?;
    let mut index: HashMap<&K, u32> = HashMap::new();
    let mut distinct: Vec<K> = Vec::new();
    let mut codes: Vec<u32> = Vec::with_capacity(keys.len());
    for k in keys {
        let code = match index.get(k) {
            Some(&code) => code,
            None => {
                // Codes are u32 (half the memory of the per-row column); more distinct keys would wrap silently.
                let code = u32::try_from(distinct.len())
                    .map_err(|_| CxError::limit("distinct group keys", u64::from(u32::MAX) + 1, distinct.len() + 1))?;
                distinct.push(k.clone());
                index.insert(k, code);
                code
            }
        };
        codes.push(code);
    }
    let histograms = Histogram::by_group_codes(
        spec.scale,
        scores,
        &codes,
        distinct.len(),
        weights,
        options.estimate.missing,
    )?;
    estimate_groups(spec, distinct, histograms, options)
}

/// Scores by dense group codes `0..n_groups` (e.g. from `pandas.factorize`); keys in the result are the codes.
pub fn score_by_codes<T: ScoreValue>(
    spec: &MetricSpec,
    scores: &[T],
    codes: &[u32],
    n_groups: usize,
    weights: Option<&[f64]>,
    options: &GroupOptions,
) -> Result<GroupedEstimates<u32>> {
    let histograms = Histogram::by_group_codes(spec.scale, scores, codes, n_groups, weights, options.estimate.missing)?;
    estimate_groups(spec, (0..n_groups as u32).collect(), histograms, options)
}

/// Rows from per-group accumulators (e.g. merged from partitions); `keys[i]` names `histograms[i]`.
pub fn estimate_groups<K: Ord + Clone + Send + Sync>(
    spec: &MetricSpec,
    keys: Vec<K>,
    histograms: Vec<Histogram>,
    options: &GroupOptions,
) -> Result<GroupedEstimates<K>> {
    estimate_groups_threads(spec, keys, histograms, options, 1)
}

/// [`estimate_groups`] with the groups' estimates (and comparisons) computed on up to `threads` threads. The
/// result is the same for any number of threads.
pub fn estimate_groups_threads<K: Ord + Clone + Send + Sync>(
    spec: &MetricSpec,
    keys: Vec<K>,
    histograms: Vec<Histogram>,
    options: &GroupOptions,
    threads: usize,
) -> Result<GroupedEstimates<K>> {
    CxError::check_len("group histograms", keys.len(), histograms.len())?;
    let n_missing = histograms
        .iter()
        .try_fold(0u64, |t, h| t.checked_add(h.n_missing()))
        .ok_or_else(|| CxError::overflow("missing responses across the groups add past 2^64 - 1"))?;
    let rest = options
        .compare_to_rest
        .map(|_| rest_of_each(spec, &histograms))
        .transpose()?;
    // Interval root-finding dominates for many groups, so a few hundred groups per thread pay for a spawn.
    let chunks = crate::parallel::ranges(keys.len(), threads, 256);
    let parts = crate::parallel::run(&chunks, |range| {
        let mut part = (Vec::new(), Vec::new());
        for g in range {
            match one_group(spec, &keys[g], &histograms[g], rest.as_ref().map(|r| &r[g]), options)? {
                Ok(row) => part.0.push(row),
                Err(s) => part.1.push(s),
            }
        }
        Ok(part)
    })?;
    let (mut rows, mut suppressed): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
    for (r, s) in parts {
        rows.extend(r);
        suppressed.extend(s);
    }
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    suppressed.sort_by(|a, b| a.key.cmp(&b.key));
    let compared: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].vs_rest.is_some()).collect();
    let raw: Vec<f64> = compared
        .iter()
        .map(|&i| rows[i].vs_rest.as_ref().expect("compared").p_value)
        .collect();
    for (&i, p) in compared.iter().zip(adjust_pvalues(&raw, options.adjust)?) {
        rows[i].p_adjusted = Some(p);
        rows[i].significant = Some(p < options.alpha);
    }
    Ok(GroupedEstimates {
        rows,
        suppressed,
        n_missing,
    })
}

/// One group's row, or why it is suppressed.
fn one_group<K: Clone>(
    spec: &MetricSpec,
    key: &K,
    h: &Histogram,
    rest: Option<&Histogram>,
    options: &GroupOptions,
) -> Result<std::result::Result<GroupRow<K>, Suppressed<K>>> {
    let n = h.n();
    let skip = |reason: String| Suppressed {
        key: key.clone(),
        n,
        n_missing: h.n_missing(),
        reason,
    };
    if n == 0 || n < options.min_n {
        return Ok(Err(skip(format!("n {n} below min_n {}", options.min_n.max(1)))));
    }
    let estimate = match estimate(spec, h, &options.estimate) {
        Ok(e) => e,
        Err(e @ (CxError::InsufficientData { .. } | CxError::ZeroTotalWeight { .. })) => {
            return Ok(Err(skip(e.to_string())));
        }
        Err(e) => return Err(e),
    };
    let vs_rest = match (rest, options.compare_to_rest) {
        (Some(rest), Some(method)) if rest.n() > 0 => {
            match compare(spec, h, rest, Some(method), options.estimate.level) {
                Ok(c) => Some(c),
                Err(CxError::InsufficientData { .. } | CxError::ZeroTotalWeight { .. }) => None,
                Err(e) => return Err(e),
            }
        }
        _ => None,
    };
    Ok(Ok(GroupRow {
        key: key.clone(),
        estimate,
        vs_rest,
        p_adjusted: None,
        significant: None,
    }))
}

/// For each group, the merge of all other groups, from prefix and suffix merges (no subtraction, so weighted
/// sums carry no cancellation error).
fn rest_of_each(spec: &MetricSpec, histograms: &[Histogram]) -> Result<Vec<Histogram>> {
    let g = histograms.len();
    let empty = Histogram::new(spec.scale);
    let mut prefix = vec![empty.clone(); g + 1];
    for i in 0..g {
        let mut next = prefix[i].clone();
        next.merge(&histograms[i])?;
        prefix[i + 1] = next;
    }
    let mut suffix = empty;
    let mut rest = vec![Histogram::new(spec.scale); g];
    for i in (0..g).rev() {
        let mut r = prefix[i].clone();
        r.merge(&suffix)?;
        rest[i] = r;
        suffix.merge(&histograms[i])?;
    }
    Ok(rest)
}
