//! Survey scoring: estimates from arrays and counts, two-sample comparisons, grouped scoring into caller buffers.

use crate::boundary::{
    FfiResult, boundary, check_out, check_out_array, optional_slice, reference, slice, write, write_array,
};
use crate::codes;
use crate::spec::{cx_metric_spec, spec_arg};
use crate::status::cx_status;
use cx_core::survey::{self, Comparison, Estimate, EstimateOptions, GroupOptions, Histogram, MetricSpec};

/// Options of an estimate. Start from `cx_estimate_options_default()` and change what you need.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cx_estimate_options {
    /// A `cx_interval` code; `CX_INTERVAL_DEFAULT` takes the metric's default.
    pub interval: u32,
    /// Confidence level, strictly between 0 and 1 (default 0.95).
    pub level: f64,
    /// A `cx_missing` code (default `CX_MISSING_SKIP`).
    pub missing: u32,
    /// Bootstrap resamples (0 = the default, 2000); used only by `CX_INTERVAL_BOOTSTRAP`.
    pub bootstrap_replicates: u32,
    /// Bootstrap seed; used only by `CX_INTERVAL_BOOTSTRAP`.
    pub bootstrap_seed: u64,
}

/// An estimate with its uncertainty and provenance. Values are in the metric's unit: net scores in points
/// (−100..100), top-box shares in percent, means on the scale.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cx_estimate {
    /// The estimate.
    pub value: f64,
    /// Its standard error (NaN when undefined).
    pub se: f64,
    /// Lower limit of the interval.
    pub ci_low: f64,
    /// Upper limit of the interval.
    pub ci_high: f64,
    /// Confidence level of the interval.
    pub level: f64,
    /// Responses counted (missing excluded).
    pub n: u64,
    /// Kish effective sample size (n when unweighted).
    pub n_effective: f64,
    /// Missing responses skipped.
    pub n_missing: u64,
    /// n / n_effective.
    pub design_effect: f64,
    /// Percent in the unfavourable category (detractors); NaN if the metric has none.
    pub share_negative: f64,
    /// Percent in neither category (passives).
    pub share_neutral: f64,
    /// Percent in the favourable category (promoters, satisfied).
    pub share_positive: f64,
    /// Raw responses in the unfavourable category.
    pub count_negative: u64,
    /// Raw responses in neither category.
    pub count_neutral: u64,
    /// Raw responses in the favourable category.
    pub count_positive: u64,
    /// A `cx_scoring` code.
    pub scoring: u32,
    /// The `cx_interval` code of the method used (never `CX_INTERVAL_DEFAULT`).
    pub method: u32,
    /// Whether weights other than 1 were used.
    pub weighted: bool,
}

/// A − B for two independent samples, in the unit of the estimates.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cx_comparison {
    /// A − B.
    pub delta: f64,
    /// Standard error of the difference.
    pub se: f64,
    /// z (or Welch's t).
    pub statistic: f64,
    /// Degrees of freedom (Welch), else NaN.
    pub df: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower limit of the interval for A − B.
    pub ci_low: f64,
    /// Upper limit of the interval for A − B.
    pub ci_high: f64,
    /// Confidence level.
    pub level: f64,
    /// Estimate of A.
    pub value_a: f64,
    /// Estimate of B.
    pub value_b: f64,
    /// Responses in A.
    pub n_a: u64,
    /// Responses in B.
    pub n_b: u64,
    /// The `cx_compare_method` code of the method used.
    pub method: u32,
}

/// Options of grouped scoring. Start from `cx_group_options_default()`.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cx_group_options {
    /// Options of each group's estimate.
    pub estimate: cx_estimate_options,
    /// Groups with fewer responses get no estimate (default 1).
    pub min_n: u64,
    /// Whether to compare each group with all other responses.
    pub compare_to_rest: bool,
    /// The `cx_compare_method` code of that comparison.
    pub compare_method: u32,
    /// A `cx_adjust` code for the group-vs-rest p-values (default Holm).
    pub adjust: u32,
    /// Significance level for `significant`, on the adjusted p-value (default 0.05).
    pub alpha: f64,
}

/// One group of `cx_score_by`. Fields after `estimated` are meaningful only when it is true, and those after
/// `compared` only when that is true.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cx_group_result {
    /// Responses in the group.
    pub n: u64,
    /// Missing responses in the group.
    pub n_missing: u64,
    /// Whether the group has an estimate (false below `min_n`: empty is not zero).
    pub estimated: bool,
    /// The group's estimate.
    pub estimate: cx_estimate,
    /// Whether the group was compared with the rest.
    pub compared: bool,
    /// Group − rest.
    pub vs_rest: cx_comparison,
    /// The adjusted p-value of that comparison.
    pub p_adjusted: f64,
    /// `p_adjusted < alpha`.
    pub significant: bool,
}

impl From<&Estimate> for cx_estimate {
    fn from(e: &Estimate) -> Self {
        cx_estimate {
            value: e.value,
            se: e.se,
            ci_low: e.ci_low,
            ci_high: e.ci_high,
            level: e.level,
            n: e.n,
            n_effective: e.n_effective,
            n_missing: e.n_missing,
            design_effect: e.design_effect,
            share_negative: e.shares.negative.unwrap_or(f64::NAN),
            share_neutral: e.shares.neutral,
            share_positive: e.shares.positive,
            count_negative: e.counts.negative,
            count_neutral: e.counts.neutral,
            count_positive: e.counts.positive,
            scoring: codes::scoring_code(e.scoring),
            method: codes::interval_code(e.method),
            weighted: e.weighted,
        }
    }
}

impl From<&Comparison> for cx_comparison {
    fn from(c: &Comparison) -> Self {
        cx_comparison {
            delta: c.delta,
            se: c.se,
            statistic: c.statistic,
            df: c.df.unwrap_or(f64::NAN),
            p_value: c.p_value,
            ci_low: c.ci_low,
            ci_high: c.ci_high,
            level: c.level,
            value_a: c.value_a,
            value_b: c.value_b,
            n_a: c.n_a,
            n_b: c.n_b,
            method: codes::compare_code(c.method),
        }
    }
}

const ZERO_ESTIMATE: cx_estimate = cx_estimate {
    value: f64::NAN,
    se: f64::NAN,
    ci_low: f64::NAN,
    ci_high: f64::NAN,
    level: f64::NAN,
    n: 0,
    n_effective: f64::NAN,
    n_missing: 0,
    design_effect: f64::NAN,
    share_negative: f64::NAN,
    share_neutral: f64::NAN,
    share_positive: f64::NAN,
    count_negative: 0,
    count_neutral: 0,
    count_positive: 0,
    scoring: 0,
    method: 0,
    weighted: false,
};

const ZERO_COMPARISON: cx_comparison = cx_comparison {
    delta: f64::NAN,
    se: f64::NAN,
    statistic: f64::NAN,
    df: f64::NAN,
    p_value: f64::NAN,
    ci_low: f64::NAN,
    ci_high: f64::NAN,
    level: f64::NAN,
    value_a: f64::NAN,
    value_b: f64::NAN,
    n_a: 0,
    n_b: 0,
    method: 0,
};

/// The default estimate options: the metric's default interval, level 0.95, missing scores skipped.
#[unsafe(no_mangle)]
pub extern "C" fn cx_estimate_options_default() -> cx_estimate_options {
    cx_estimate_options {
        interval: codes::cx_interval::Default as u32,
        level: 0.95,
        missing: codes::cx_missing::Skip as u32,
        bootstrap_replicates: 0,
        bootstrap_seed: 0,
    }
}

/// The default group options: default estimates, min_n 1, no comparison, Holm, alpha 0.05.
#[unsafe(no_mangle)]
pub extern "C" fn cx_group_options_default() -> cx_group_options {
    cx_group_options {
        estimate: cx_estimate_options_default(),
        min_n: 1,
        compare_to_rest: false,
        compare_method: codes::cx_compare_method::Default as u32,
        adjust: codes::cx_adjust::Holm as u32,
        alpha: 0.05,
    }
}

/// Decodes options; NULL means the defaults.
///
/// # Safety
/// `options` must be NULL or point to a valid struct.
pub(crate) unsafe fn estimate_options(options: *const cx_estimate_options) -> FfiResult<EstimateOptions> {
    let o = if options.is_null() {
        cx_estimate_options_default()
    } else {
        // SAFETY: the caller's contract.
        *unsafe { reference(options, "options") }?
    };
    Ok(EstimateOptions {
        interval: codes::interval(o.interval, o.bootstrap_replicates, o.bootstrap_seed)?,
        level: o.level,
        missing: codes::missing(o.missing)?,
    })
}

/// Scores `(scores, n_scores)` under `spec`.
///
/// # Safety
/// Arrays valid for their lengths (weights may be NULL for none); `options` NULL or valid; `out` writable.
unsafe fn score_with(
    spec: &MetricSpec,
    scores: *const f64,
    n_scores: usize,
    weights: *const f64,
    n_weights: usize,
    options: *const cx_estimate_options,
    out: *mut cx_estimate,
) -> FfiResult {
    check_out(out, "out")?;
    // SAFETY: the caller's contract, for each argument.
    let (scores, weights, options) = unsafe {
        (
            slice(scores, n_scores, "scores")?,
            optional_slice(weights, n_weights, "weights")?,
            estimate_options(options)?,
        )
    };
    let e = survey::score(spec, scores, weights, &options)?;
    // SAFETY: checked above.
    unsafe { write(out, cx_estimate::from(&e), "out") }
}

/// Scores responses under a metric spec. `scores` are doubles with NaN as missing; `weights` may be NULL (no
/// weights) or hold `n_weights` (= `n_scores`) finite non-negative weights; `options` may be NULL (defaults).
/// On success `*out` receives the estimate.
///
/// # Safety
/// `spec` a live handle; `scores` readable for `n_scores` doubles (or NULL with 0); `weights` NULL or readable
/// for `n_weights`; `options` NULL or valid; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_score(
    spec: *const cx_metric_spec,
    scores: *const f64,
    n_scores: usize,
    weights: *const f64,
    n_weights: usize,
    options: *const cx_estimate_options,
    out: *mut cx_estimate,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract.
        unsafe { score_with(spec_arg(spec)?, scores, n_scores, weights, n_weights, options, out) }
    })
}

/// NPS of 0–10 ratings, in points (as `cx_score` with the `nps` preset).
///
/// # Safety
/// As `cx_score`, without the spec.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_nps(
    scores: *const f64,
    n_scores: usize,
    weights: *const f64,
    n_weights: usize,
    options: *const cx_estimate_options,
    out: *mut cx_estimate,
) -> cx_status {
    // SAFETY: the caller's contract.
    boundary(|| unsafe { score_with(&MetricSpec::nps(), scores, n_scores, weights, n_weights, options, out) })
}

/// CSAT: percent 4–5 of 1–5 ratings (as `cx_score` with the `csat` preset).
///
/// # Safety
/// As `cx_score`, without the spec.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_csat(
    scores: *const f64,
    n_scores: usize,
    weights: *const f64,
    n_weights: usize,
    options: *const cx_estimate_options,
    out: *mut cx_estimate,
) -> cx_status {
    // SAFETY: the caller's contract.
    boundary(|| unsafe { score_with(&MetricSpec::csat(), scores, n_scores, weights, n_weights, options, out) })
}

/// CES 2.0: mean of 1–7 agreement ratings (as `cx_score` with the `ces2_mean` preset).
///
/// # Safety
/// As `cx_score`, without the spec.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_ces(
    scores: *const f64,
    n_scores: usize,
    weights: *const f64,
    n_weights: usize,
    options: *const cx_estimate_options,
    out: *mut cx_estimate,
) -> cx_status {
    // SAFETY: the caller's contract.
    boundary(|| unsafe {
        score_with(
            &MetricSpec::ces2_mean(),
            scores,
            n_scores,
            weights,
            n_weights,
            options,
            out,
        )
    })
}

/// An estimate from category counts (net and top-box metrics): unfavourable, neutral, favourable.
///
/// # Safety
/// `spec` a live handle; `options` NULL or valid; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_score_counts(
    spec: *const cx_metric_spec,
    negative: u64,
    neutral: u64,
    positive: u64,
    options: *const cx_estimate_options,
    out: *mut cx_estimate,
) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let (spec, options) = unsafe { (spec_arg(spec)?, estimate_options(options)?) };
        let h = survey::histogram_from_category_counts(spec, negative, neutral, positive)?;
        let e = survey::estimate(spec, &h, &options)?;
        // SAFETY: checked above.
        unsafe { write(out, cx_estimate::from(&e), "out") }
    })
}

/// NPS from detractor, passive and promoter counts.
///
/// # Safety
/// `options` NULL or valid; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_nps_from_counts(
    detractors: u64,
    passives: u64,
    promoters: u64,
    options: *const cx_estimate_options,
    out: *mut cx_estimate,
) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let options = unsafe { estimate_options(options) }?;
        let e = survey::nps_from_counts(detractors, passives, promoters, &options)?;
        // SAFETY: checked above.
        unsafe { write(out, cx_estimate::from(&e), "out") }
    })
}

/// A − B for two independent samples of responses (NaN = missing, skipped). `method` is a `cx_compare_method` code.
///
/// # Safety
/// `spec` a live handle; `a`, `b` readable for their lengths; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_compare(
    spec: *const cx_metric_spec,
    a: *const f64,
    n_a: usize,
    b: *const f64,
    n_b: usize,
    method: u32,
    level: f64,
    out: *mut cx_comparison,
) -> cx_status {
    boundary(|| {
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let (spec, a, b) = unsafe { (spec_arg(spec)?, slice(a, n_a, "a")?, slice(b, n_b, "b")?) };
        let method = codes::compare(method)?;
        let skip = survey::MissingPolicy::Skip;
        let (ha, hb) = (
            Histogram::from_scores(spec.scale, a, None, skip)?,
            Histogram::from_scores(spec.scale, b, None, skip)?,
        );
        let c = survey::compare(spec, &ha, &hb, method, level)?;
        // SAFETY: checked above.
        unsafe { write(out, cx_comparison::from(&c), "out") }
    })
}

/// Scores by group in one pass. `codes[i]` (below `n_groups`) is the group of `scores[i]`. `out` must hold
/// `n_groups` rows (else `CX_STATUS_BUFFER_TOO_SMALL`); row `g` describes group `g`. Rows are written only on
/// success.
///
/// # Safety
/// `spec` a live handle; arrays readable for their lengths (weights NULL for none); `options` NULL or valid;
/// `out` writable for `out_len` rows.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_score_by(
    spec: *const cx_metric_spec,
    scores: *const f64,
    n_scores: usize,
    codes: *const u32,
    n_codes: usize,
    n_groups: usize,
    weights: *const f64,
    n_weights: usize,
    options: *const cx_group_options,
    out: *mut cx_group_result,
    out_len: usize,
) -> cx_status {
    boundary(|| {
        check_out_array(out, out_len, n_groups, "out")?;
        // SAFETY: the caller's contract, for each argument.
        let (spec, scores, group_codes, weights) = unsafe {
            (
                spec_arg(spec)?,
                slice(scores, n_scores, "scores")?,
                slice(codes, n_codes, "codes")?,
                optional_slice(weights, n_weights, "weights")?,
            )
        };
        let o = if options.is_null() {
            cx_group_options_default()
        } else {
            // SAFETY: the caller's contract.
            *unsafe { reference(options, "options") }?
        };
        let group_options = GroupOptions {
            // SAFETY: points into `o`, a valid local.
            estimate: unsafe { estimate_options(&o.estimate) }?,
            min_n: o.min_n,
            compare_to_rest: if o.compare_to_rest {
                Some(codes::compare(o.compare_method)?.unwrap_or(survey::CompareMethod::default_for(spec.scoring)))
            } else {
                None
            },
            adjust: codes::adjust(o.adjust)?,
            alpha: o.alpha,
        };
        let grouped = survey::score_by_codes(spec, scores, group_codes, n_groups, weights, &group_options)?;
        let mut rows = vec![
            cx_group_result {
                n: 0,
                n_missing: 0,
                estimated: false,
                estimate: ZERO_ESTIMATE,
                compared: false,
                vs_rest: ZERO_COMPARISON,
                p_adjusted: f64::NAN,
                significant: false,
            };
            n_groups
        ];
        for s in &grouped.suppressed {
            let row = &mut rows[s.key as usize];
            (row.n, row.n_missing) = (s.n, s.n_missing);
        }
        for r in &grouped.rows {
            let row = &mut rows[r.key as usize];
            (row.n, row.n_missing, row.estimated) = (r.estimate.n, r.estimate.n_missing, true);
            row.estimate = cx_estimate::from(&r.estimate);
            if let Some(c) = &r.vs_rest {
                (row.compared, row.vs_rest) = (true, cx_comparison::from(c));
                row.p_adjusted = r.p_adjusted.unwrap_or(f64::NAN);
                row.significant = r.significant.unwrap_or(false);
            }
        }
        // SAFETY: `out` passed `check_out_array` for `n_groups` rows, which is `rows.len()`.
        unsafe { write_array(out, &rows) };
        Ok(())
    })
}
