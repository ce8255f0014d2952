//! Comparing two samples: independent (period vs period, segment vs segment) and paired (same respondents
//! before and after).
//!
//! Differences are **signed**: Δ = A − B, so swapping the samples flips the sign of Δ and of the interval.

use super::estimate::Summary;
use super::histogram::{Histogram, MissingPolicy, ScoreValue, classify_slow};
use super::hypothesis::ratio;
use super::interval::{nps_and_se, wilson};
use super::spec::{MetricSpec, Scoring};
use crate::stats::{normal_two_sided_p, t_for_level, t_two_sided_p, z_for_level};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// How two independent samples are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareMethod {
    /// Δ ± z·√(SE_A² + SE_B²) (default for net scoring).
    Wald,
    /// NPS: Wald on each sample after adding 0.75 / 1.5 / 0.75 pseudo-counts (Rocks 2016). The interval, z and
    /// p come from the adjusted estimates; `delta` stays the observed difference.
    Adjusted,
    /// Proportions: Newcombe's hybrid score interval from the two Wilson intervals (default for top-box);
    /// the p-value is the pooled two-proportion z test.
    Newcombe,
    /// Proportions: Agresti–Caffo, one success and one failure added to each sample.
    AgrestiCaffo,
    /// Means: Welch's t with Welch–Satterthwaite degrees of freedom (default for means).
    Welch,
}

impl CompareMethod {
    /// The default for a scoring: Wald for net, Newcombe for top-box, Welch for means.
    pub fn default_for(scoring: Scoring) -> CompareMethod {
        match scoring {
            Scoring::Net => CompareMethod::Wald,
            Scoring::TopBox => CompareMethod::Newcombe,
            Scoring::Mean => CompareMethod::Welch,
        }
    }

    /// Parses `wald`, `adjusted`, `newcombe`, `agresti_caffo` or `welch`.
    pub fn parse(name: &str) -> Result<CompareMethod> {
        Ok(match name {
            "wald" => CompareMethod::Wald,
            "adjusted" | "adjusted_wald" => CompareMethod::Adjusted,
            "newcombe" => CompareMethod::Newcombe,
            "agresti_caffo" => CompareMethod::AgrestiCaffo,
            "welch" => CompareMethod::Welch,
            _ => {
                return Err(CxError::UnknownName {
                    kind: "comparison method".into(),
                    name: name.into(),
                    expected: "wald, adjusted, newcombe, agresti_caffo, welch".into(),
                });
            }
        })
    }

    /// The method's name.
    pub fn name(self) -> &'static str {
        match self {
            CompareMethod::Wald => "wald",
            CompareMethod::Adjusted => "adjusted",
            CompareMethod::Newcombe => "newcombe",
            CompareMethod::AgrestiCaffo => "agresti_caffo",
            CompareMethod::Welch => "welch",
        }
    }

    fn applies_to(self, scoring: Scoring) -> bool {
        match self {
            CompareMethod::Wald => true,
            CompareMethod::Adjusted => scoring == Scoring::Net,
            CompareMethod::Newcombe | CompareMethod::AgrestiCaffo => scoring == Scoring::TopBox,
            CompareMethod::Welch => scoring == Scoring::Mean,
        }
    }
}

/// The difference between two independent samples, A − B, in the unit of the estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Observed A − B (points, percent or scale units).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub delta: f64,
    /// Standard error of the difference.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub se: f64,
    /// z statistic (t for Welch).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub statistic: f64,
    /// Degrees of freedom when the statistic is t.
    #[serde(with = "crate::serde_util::option_nan_as_null")]
    pub df: Option<f64>,
    /// Two-sided p-value.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub p_value: f64,
    /// Lower confidence limit of A − B.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub ci_low: f64,
    /// Upper confidence limit of A − B.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub ci_high: f64,
    /// Confidence level.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub level: f64,
    /// The method used.
    pub method: CompareMethod,
    /// Estimate of A.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub value_a: f64,
    /// Estimate of B.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub value_b: f64,
    /// Responses in A.
    pub n_a: u64,
    /// Responses in B.
    pub n_b: u64,
}

/// Compares two independent samples; `method = None` takes [`CompareMethod::default_for`] the scoring.
///
/// ```
/// use cx_core::survey::{compare, Histogram, MetricSpec, MissingPolicy};
///
/// let spec = MetricSpec::nps();
/// let a = Histogram::from_scores(spec.scale, &[10u8, 9, 9, 3, 8], None, MissingPolicy::Skip)?;
/// let b = Histogram::from_scores(spec.scale, &[10u8, 2, 3, 3, 8], None, MissingPolicy::Skip)?;
/// let ab = compare(&spec, &a, &b, None, 0.95)?;
/// let ba = compare(&spec, &b, &a, None, 0.95)?;
/// assert!((ab.delta - 80.0).abs() < 1e-9); // 40 − (−40) points
/// assert_eq!(ab.delta, -ba.delta);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn compare(
    spec: &MetricSpec,
    a: &Histogram,
    b: &Histogram,
    method: Option<CompareMethod>,
    level: f64,
) -> Result<Comparison> {
    let method = method.unwrap_or_else(|| CompareMethod::default_for(spec.scoring));
    if !method.applies_to(spec.scoring) {
        return Err(CxError::MethodNotApplicable {
            method: method.name().into(),
            target: format!("{} scoring", spec.scoring.name()),
        });
    }
    let (sa, sb) = (Summary::of(spec, a)?, Summary::of(spec, b)?);
    let z_crit = z_for_level(level)?;
    let f = spec.display_factor();
    let delta = sa.mean - sb.mean;
    let wald_se = (sa.se * sa.se + sb.se * sb.se).sqrt();
    let normal = |centre: f64, se: f64, z_stat: f64| {
        (
            z_stat,
            None,
            normal_two_sided_p(z_stat),
            centre - z_crit * se,
            centre + z_crit * se,
        )
    };
    let (statistic, df, p_value, lo, hi) = match method {
        CompareMethod::Wald => {
            if sa.se.is_nan() || sb.se.is_nan() {
                return Err(CxError::InsufficientData {
                    what: "a Wald comparison".into(),
                    needed: "2 responses per sample".into(),
                    found: format!("{} and {}", sa.n, sb.n),
                });
            }
            normal(delta, wald_se, ratio(delta, wald_se))
        }
        CompareMethod::Adjusted => {
            let adjusted = |s: &Summary| {
                let (d, q, p) = s.effective_counts();
                nps_and_se(d + 0.75, q + 1.5, p + 0.75)
            };
            let ((ca, ea), (cb, eb)) = (adjusted(&sa), adjusted(&sb));
            let se = (ea * ea + eb * eb).sqrt();
            normal(ca - cb, se, ratio(ca - cb, se))
        }
        CompareMethod::Newcombe => {
            let (xa, na) = successes(&sa);
            let (xb, nb) = successes(&sb);
            let (la, ua) = wilson(xa, na, z_crit);
            let (lb, ub) = wilson(xb, nb, z_crit);
            let (pa, pb) = (xa / na, xb / nb);
            let lo = delta - ((pa - la).powi(2) + (ub - pb).powi(2)).sqrt();
            let hi = delta + ((ua - pa).powi(2) + (pb - lb).powi(2)).sqrt();
            let pooled = (xa + xb) / (na + nb);
            let z = ratio(pa - pb, (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt());
            (z, None, normal_two_sided_p(z), lo, hi)
        }
        CompareMethod::AgrestiCaffo => {
            let adjusted = |s: &Summary| {
                let (x, n) = successes(s);
                let p = (x + 1.0) / (n + 2.0);
                (p, p * (1.0 - p) / (n + 2.0))
            };
            let ((pa, va), (pb, vb)) = (adjusted(&sa), adjusted(&sb));
            let se = (va + vb).sqrt();
            normal(pa - pb, se, ratio(pa - pb, se))
        }
        CompareMethod::Welch => {
            let (va, vb) = (sa.se * sa.se, sb.se * sb.se);
            let (dfa, dfb) = (sa.n_effective - 1.0, sb.n_effective - 1.0);
            if !(dfa > 0.0 && dfb > 0.0) || va.is_nan() || vb.is_nan() {
                return Err(CxError::InsufficientData {
                    what: "a Welch comparison".into(),
                    needed: "an effective n above 1 in each sample".into(),
                    found: format!("{:.3} and {:.3}", sa.n_effective, sb.n_effective),
                });
            }
            let df = if va + vb > 0.0 {
                (va + vb).powi(2) / (va * va / dfa + vb * vb / dfb)
            } else {
                dfa + dfb
            };
            // A t quantile needs df ≥ 1 (below it the quantiles explode; see stats::t_quantile).
            if df.is_nan() || df < 1.0 {
                return Err(CxError::InsufficientData {
                    what: "a Welch comparison".into(),
                    needed: "Welch–Satterthwaite degrees of freedom of at least 1".into(),
                    found: format!("{df:.3}"),
                });
            }
            let t = ratio(delta, wald_se);
            let t_crit = t_for_level(level, df)?;
            (
                t,
                Some(df),
                t_two_sided_p(t, df)?,
                delta - t_crit * wald_se,
                delta + t_crit * wald_se,
            )
        }
    };
    let se = match method {
        CompareMethod::Wald | CompareMethod::Welch | CompareMethod::Newcombe => wald_se,
        _ => ratio(hi - lo, 2.0 * z_crit),
    };
    Ok(Comparison {
        delta: delta * f,
        se: se * f,
        statistic,
        df,
        p_value,
        ci_low: lo * f,
        ci_high: hi * f,
        level,
        method,
        value_a: sa.mean * f,
        value_b: sb.mean * f,
        n_a: sa.n,
        n_b: sb.n,
    })
}

/// (successes, trials) for proportion methods: raw counts, or Kish-effective when weighted.
fn successes(s: &Summary) -> (f64, f64) {
    let (neg, neu, pos) = s.effective_counts();
    (pos, neg + neu + pos)
}

/// The mean per-person change between two answers by the same respondents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedComparison {
    /// Mean of post − pre per respondent (points, percent or scale units).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub delta: f64,
    /// Standard error of that mean.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub se: f64,
    /// t statistic.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub t: f64,
    /// Degrees of freedom, pairs − 1.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub df: f64,
    /// Two-sided p-value.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub p_value: f64,
    /// Lower confidence limit.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub ci_low: f64,
    /// Upper confidence limit.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub ci_high: f64,
    /// Confidence level.
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub level: f64,
    /// Complete pairs used.
    pub n_pairs: u64,
    /// Pairs skipped because either answer was missing.
    pub n_missing: u64,
}

/// Compares answers of the same respondents before (`pre[i]`) and after (`post[i]`).
///
/// Each respondent's score change (e.g. from detractor −1 to promoter +1 is +2, reported as +200 points) is
/// averaged and a t interval is put around it. The independent-samples formula would be wrong here because
/// the two answers are correlated.
pub fn compare_paired<T: ScoreValue>(
    spec: &MetricSpec,
    pre: &[T],
    post: &[T],
    level: f64,
    missing: MissingPolicy,
) -> Result<PairedComparison> {
    CxError::check_len("post", pre.len(), post.len())?;
    let scale = spec.scale;
    let lookup = T::lookup(scale);
    let point = |row: usize, score: T| -> Result<Option<i32>> {
        let bin = match score.bin(&lookup) {
            Some(bin) => Some(bin),
            None => classify_slow(score.to_f64(), row, scale, missing)?,
        };
        Ok(bin.map(|b| scale.min + b as i32))
    };
    let mut diffs = Vec::with_capacity(pre.len());
    let mut n_missing = 0u64;
    for (row, (&before, &after)) in pre.iter().zip(post).enumerate() {
        match (point(row, before)?, point(row, after)?) {
            (Some(b), Some(a)) => diffs.push(spec.respondent_score(a) - spec.respondent_score(b)),
            _ => n_missing += 1,
        }
    }
    let n = diffs.len();
    if n < 2 {
        return Err(CxError::InsufficientData {
            what: "a paired comparison".into(),
            needed: "2 complete pairs".into(),
            found: n.to_string(),
        });
    }
    let nf = n as f64;
    let mean = diffs.iter().sum::<f64>() / nf;
    let variance = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (nf - 1.0);
    let se = (variance / nf).sqrt();
    let df = nf - 1.0;
    let t = ratio(mean, se);
    let t_crit = t_for_level(level, df)?;
    let f = spec.display_factor();
    Ok(PairedComparison {
        delta: mean * f,
        se: se * f,
        t,
        df,
        p_value: t_two_sided_p(t, df)?,
        ci_low: (mean - t_crit * se) * f,
        ci_high: (mean + t_crit * se) * f,
        level,
        n_pairs: n as u64,
        n_missing,
    })
}
