//! Point estimates with standard errors and intervals for NPS, CSAT and CES.
//!
//! Every estimate is a Hájek mean m = Σw·s/Σw of per-respondent scores s (±1/0 for NPS, 1/0 for a top-box share,
//! the rating for a mean). Its standard error is the linearisation one, with one formula per scoring for
//! weighted and unweighted data alike (unweighted data are the case w = 1):
//!
//! - net and top-box: SE² = Σw²(s − m)²/(Σw)², which is σ²/n at unit weights: (p + d − (p − d)²)/n for NPS and
//!   p(1 − p)/n for shares, the multinomial variance of statsmodels' `proportion_confint` and of the published
//!   NPS references (R packages NPS and contingencytables);
//! - mean: SE² = n/(n − 1)·Σw²(s − m)²/(Σw)², R `survey`'s `svymean` with-replacement variance, which is s²/n
//!   (sample SD) at unit weights, as in `t.test` and scipy.
//!
//! Both are invariant to the scale of the weights and continuous in them: weights all 1, all 2, or 1s with one
//! 1.0000001 give the same SE. (Net and top-box used to take the n/(n − 1) form whenever a weight differed from
//! 1, a jump of √(n/(n − 1)).) For weighted net and top-box shares this is `svymean`'s SE times √((n − 1)/n).
//! A mean of one response has no SE (NaN). Kish's effective n is (Σw)²/Σw² and the design effect n/n_eff.
//! Values are reported in points (net), percent (top-box) or scale units (mean).

use super::histogram::{Histogram, MissingPolicy, ScoreValue};
use super::interval::{self, IntervalMethod};
use super::spec::{MetricSpec, Scoring};
use crate::stats::{t_for_level, z_for_level};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// Options for an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EstimateOptions {
    /// Interval method; `None` takes the default for the scoring ([`IntervalMethod::default_for`]).
    pub interval: Option<IntervalMethod>,
    /// Confidence level, strictly between 0 and 1.
    pub level: f64,
    /// What to do with missing scores when estimating straight from scores.
    pub missing: MissingPolicy,
}

impl Default for EstimateOptions {
    fn default() -> Self {
        EstimateOptions {
            interval: None,
            level: 0.95,
            missing: MissingPolicy::Skip,
        }
    }
}

/// Shares of the three categories in percent (weighted when the data are).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Shares {
    /// Unfavourable share (detractors), `None` if the metric defines no negative category.
    #[serde(with = "crate::serde_util::option_nan_as_null")]
    pub negative: Option<f64>,
    /// Neither favourable nor unfavourable (passives).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub neutral: f64,
    /// Favourable share (promoters, satisfied, agree).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub positive: f64,
}

/// Raw (unweighted) counts of the three categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCounts {
    /// Unfavourable responses (detractors).
    pub negative: u64,
    /// Neutral responses (passives).
    pub neutral: u64,
    /// Favourable responses (promoters).
    pub positive: u64,
}

/// A survey metric with its uncertainty and provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Name of the metric spec, e.g. `"nps"`.
    pub metric: String,
    /// How responses became the value.
    pub scoring: Scoring,
    /// NPS / net in points (−100..100), top-box in percent, mean on the scale.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub value: f64,
    /// Standard error, in the unit of `value`: √(c·Σw²(s − m)²/(Σw)²) with c = n/(n − 1) for means and 1 for net
    /// and top-box shares, the same formula with or without weights (unit weights when there are none), so it
    /// does not depend on the weights' scale (see the module notes); NaN when undefined (a mean of one response).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub se: f64,
    /// Lower confidence limit, in the unit of `value`.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub ci_low: f64,
    /// Upper confidence limit, in the unit of `value`.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub ci_high: f64,
    /// Confidence level of the interval.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub level: f64,
    /// The interval method used.
    pub method: IntervalMethod,
    /// Responses counted (not missing), unweighted.
    pub n: u64,
    /// Kish effective sample size; equals `n` when unweighted.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub n_effective: f64,
    /// Missing responses skipped.
    pub n_missing: u64,
    /// Whether weights other than 1 went in.
    pub weighted: bool,
    /// Kish design effect n / n_eff (1 when unweighted).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub design_effect: f64,
    /// Category shares in percent (weighted when the data are).
    pub shares: Shares,
    /// Raw category counts.
    pub counts: CategoryCounts,
}

impl Estimate {
    /// Promoter share in percent (the positive share).
    pub fn promoters(&self) -> f64 {
        self.shares.positive
    }
    /// Passive share in percent (the neutral share).
    pub fn passives(&self) -> f64 {
        self.shares.neutral
    }
    /// Detractor share in percent (the negative share; 0 if the metric has none).
    pub fn detractors(&self) -> f64 {
        self.shares.negative.unwrap_or(0.0)
    }
}

/// What the statistics need from a histogram under a spec, on the per-respondent (proportion) scale.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Summary {
    pub n: u64,
    pub n_missing: u64,
    pub n_effective: f64,
    pub weighted: bool,
    /// Weighted shares, proportions.
    pub positive: f64,
    pub negative: f64,
    pub neutral: f64,
    pub counts: CategoryCounts,
    /// Mean of the per-respondent score (NPS on −1..1, share on 0..1, or mean rating).
    pub mean: f64,
    /// Standard error of `mean`; NaN when it does not exist (a mean of one response).
    pub se: f64,
}

impl Summary {
    pub fn of(spec: &MetricSpec, h: &Histogram) -> Result<Summary> {
        if h.scale() != spec.scale {
            return Err(CxError::IncompatibleHistograms {
                left: spec.scale.to_string(),
                right: h.scale().to_string(),
            });
        }
        let n = h.n();
        if n == 0 {
            return Err(CxError::empty(if h.n_missing() > 0 {
                format!("{} (all {} responses missing)", spec.name, h.n_missing())
            } else {
                spec.name.clone()
            }));
        }
        let total_w = h.total_weight();
        if total_w <= 0.0 {
            return Err(CxError::ZeroTotalWeight {
                what: spec.name.clone(),
            });
        }
        let cats = spec.categories;
        let (mut pos_w, mut neg_w, mut sum_ws) = (0.0, 0.0, 0.0);
        let mut counts = CategoryCounts {
            negative: 0,
            neutral: 0,
            positive: 0,
        };
        for (bin, &c) in h.counts().iter().enumerate() {
            let point = spec.scale.min + bin as i32;
            let w = h.weight(bin);
            sum_ws += w * spec.respondent_score(point);
            if cats.positive.contains(point) {
                pos_w += w;
                counts.positive += c;
            } else if cats.negative.is_some_and(|r| r.contains(point)) {
                neg_w += w;
                counts.negative += c;
            } else {
                counts.neutral += c;
            }
        }
        let mean = sum_ws / total_w;
        let (positive, negative) = (pos_w / total_w, neg_w / total_w);
        let nf = n as f64;
        // One formula per scoring for weighted and unweighted data (module notes): c·Σw²(s − m)²/(Σw)² with
        // c = n/(n − 1) for means and 1 for net and top-box shares; the unweighted arms are its w = 1 case.
        let se = if h.is_weighted() {
            let sum_sq_dev: f64 = (0..h.counts().len())
                .map(|bin| {
                    let dev = spec.respondent_score(spec.scale.min + bin as i32) - mean;
                    h.weight_sq(bin) * dev * dev
                })
                .sum();
            let finite_sample = if spec.scoring == Scoring::Mean {
                nf / (nf - 1.0)
            } else {
                1.0
            };
            (finite_sample * sum_sq_dev / (total_w * total_w)).sqrt()
        } else {
            match spec.scoring {
                Scoring::Net => ((positive + negative - mean * mean).max(0.0) / nf).sqrt(),
                Scoring::TopBox => (mean * (1.0 - mean) / nf).sqrt(),
                Scoring::Mean => {
                    let ss: f64 = h
                        .counts()
                        .iter()
                        .enumerate()
                        .map(|(bin, &c)| c as f64 * (spec.scale.value(bin) - mean).powi(2))
                        .sum();
                    (ss / (nf - 1.0) / nf).sqrt()
                }
            }
        };
        Ok(Summary {
            n,
            n_missing: h.n_missing(),
            n_effective: h.n_effective(),
            weighted: h.is_weighted(),
            positive,
            negative,
            neutral: 1.0 - positive - negative,
            counts,
            mean,
            se: if se.is_finite() { se } else { f64::NAN },
        })
    }

    /// (negative, neutral, positive) counts for count-based methods: raw, or Kish-effective when weighted.
    pub fn effective_counts(&self) -> (f64, f64, f64) {
        if self.weighted {
            let n = self.n_effective;
            (self.negative * n, self.neutral * n, self.positive * n)
        } else {
            let c = self.counts;
            (c.negative as f64, c.neutral as f64, c.positive as f64)
        }
    }

    fn require_se(&self, what: &str) -> Result<f64> {
        if self.se.is_nan() {
            Err(CxError::InsufficientData {
                what: what.into(),
                needed: "2 responses".into(),
                found: self.n.to_string(),
            })
        } else {
            Ok(self.se)
        }
    }
}

/// The interval on the per-respondent scale.
fn interval_of(spec: &MetricSpec, s: &Summary, method: IntervalMethod, level: f64) -> Result<(f64, f64)> {
    use IntervalMethod as M;
    let z = z_for_level(level)?;
    let (neg, neu, pos) = s.effective_counts();
    let n = neg + neu + pos;
    let bounds = match spec.scoring {
        Scoring::Net => (-1.0, 1.0),
        _ => (0.0, 1.0),
    };
    Ok(match method {
        M::Wald => interval::wald(s.mean, s.require_se("a Wald interval")?, z, bounds),
        M::AdjustedWald | M::AgrestiMin | M::BonettPrice => {
            let pseudo = interval::nps_pseudo_counts(method).expect("adjusted method");
            interval::nps_adjusted_wald((neg, neu, pos), pseudo, z)
        }
        M::Tango => interval::tango(pos, neg, n, z),
        M::Bootstrap { replicates, seed } => {
            let n_boot = (s.n_effective.round() as u64).max(1);
            let net = spec.scoring == Scoring::Net;
            interval::bootstrap((s.positive, s.negative), n_boot, net, level, replicates, seed)?
        }
        M::Wilson => interval::wilson(pos, n, z),
        M::Jeffreys => interval::jeffreys(pos, n, level)?,
        M::ClopperPearson => interval::clopper_pearson(pos, n, level)?,
        M::AgrestiCoullZ2 => interval::agresti_coull_z2(pos, n, z),
        M::AgrestiCoullAdd2 => interval::agresti_coull_add2(pos, n, z),
        M::T => {
            let se = s.require_se("a t interval")?;
            let df = s.n_effective - 1.0;
            // A t quantile needs df ≥ 1 (below it the quantiles explode; see stats::t_quantile).
            if df.is_nan() || df < 1.0 {
                return Err(CxError::InsufficientData {
                    what: "a t interval".into(),
                    needed: "an effective n of at least 2".into(),
                    found: format!("{:.3}", s.n_effective),
                });
            }
            let t = t_for_level(level, df)?;
            (s.mean - t * se, s.mean + t * se)
        }
    })
}

/// Estimates the metric from an accumulated histogram.
///
/// ```
/// use cx_core::survey::{estimate, Histogram, MetricSpec, MissingPolicy};
///
/// let spec = MetricSpec::csat();
/// let h = Histogram::from_scores(spec.scale, &[1u8, 2, 3, 4, 5], None, MissingPolicy::Skip)?;
/// let e = estimate(&spec, &h, &Default::default())?;
/// assert!((e.value - 40.0).abs() < 1e-12); // percent satisfied (4–5)
/// assert_eq!(e.method.name(), "wilson");
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn estimate(spec: &MetricSpec, histogram: &Histogram, options: &EstimateOptions) -> Result<Estimate> {
    let s = Summary::of(spec, histogram)?;
    estimate_from_summary(spec, &s, options)
}

pub(crate) fn estimate_from_summary(spec: &MetricSpec, s: &Summary, options: &EstimateOptions) -> Result<Estimate> {
    let method = options
        .interval
        .unwrap_or_else(|| IntervalMethod::default_for(spec.scoring))
        .check(spec.scoring)?;
    let (lo, hi) = interval_of(spec, s, method, options.level)?;
    let f = spec.display_factor();
    Ok(Estimate {
        metric: spec.name.clone(),
        scoring: spec.scoring,
        value: s.mean * f,
        se: s.se * f,
        ci_low: lo * f,
        ci_high: hi * f,
        level: options.level,
        method,
        n: s.n,
        n_effective: s.n_effective,
        n_missing: s.n_missing,
        weighted: s.weighted,
        design_effect: s.n as f64 / s.n_effective,
        shares: Shares {
            negative: spec.categories.negative.map(|_| s.negative * 100.0),
            neutral: s.neutral * 100.0,
            positive: s.positive * 100.0,
        },
        counts: s.counts,
    })
}

/// Scores raw responses in one pass: builds the histogram, then the estimate.
///
/// ```
/// use cx_core::survey::{score, MetricSpec};
///
/// let e = score(&MetricSpec::nps(), &[7.0, f64::NAN, 9.0], None, &Default::default())?;
/// assert_eq!((e.value, e.n, e.n_missing), (50.0, 2, 1));
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn score<T: ScoreValue>(
    spec: &MetricSpec,
    scores: &[T],
    weights: Option<&[f64]>,
    options: &EstimateOptions,
) -> Result<Estimate> {
    let h = Histogram::from_scores(spec.scale, scores, weights, options.missing)?;
    estimate(spec, &h, options)
}

/// A histogram holding category counts for a net or top-box spec, placed on one point of each category.
pub fn histogram_from_category_counts(
    spec: &MetricSpec,
    negative: u64,
    neutral: u64,
    positive: u64,
) -> Result<Histogram> {
    if spec.scoring == Scoring::Mean {
        return Err(CxError::MethodNotApplicable {
            method: "estimation from category counts".into(),
            target: "mean scoring, which needs the ratings".into(),
        });
    }
    let cats = spec.categories;
    let neutral_point = (spec.scale.min..=spec.scale.max)
        .find(|&p| !cats.positive.contains(p) && !cats.negative.is_some_and(|r| r.contains(p)));
    let mut counts = vec![0u64; spec.scale.points()];
    let bin = |point: i32| (point - spec.scale.min) as usize;
    counts[bin(cats.positive.lo)] += positive;
    match (cats.negative, negative) {
        (Some(r), _) => counts[bin(r.lo)] += negative,
        (None, 0) => {}
        (None, _) => {
            return Err(CxError::invalid_spec(
                "categories.negative",
                "counts given for a category the spec lacks",
            ));
        }
    }
    match (neutral_point, neutral) {
        (Some(p), _) => counts[bin(p)] += neutral,
        (None, 0) => {}
        (None, _) => {
            return Err(CxError::invalid_spec(
                "categories",
                "neutral counts given but every point is categorised",
            ));
        }
    }
    Histogram::from_counts(spec.scale, &counts)
}

/// NPS from detractor, passive and promoter counts.
///
/// ```
/// use cx_core::survey::nps_from_counts;
///
/// let e = nps_from_counts(30, 45, 120, &Default::default())?;
/// assert!((e.value - 46.153_846_2).abs() < 1e-6);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn nps_from_counts(detractors: u64, passives: u64, promoters: u64, options: &EstimateOptions) -> Result<Estimate> {
    let spec = MetricSpec::nps();
    let h = histogram_from_category_counts(&spec, detractors, passives, promoters)?;
    estimate(&spec, &h, options)
}
