//! Confidence-interval methods, as pure functions of counts and shares on the proportion scale.
//!
//! Legitimate methods disagree, so every estimate names the method that produced its interval. For weighted
//! data the count-based methods receive Kish-effective counts (share × n_eff, with N = n_eff), as is standard
//! for design-weighted proportions; Wald intervals use the linearisation standard error instead.

use crate::stats::{beta_quantile, beta_quantile_upper, bisect_decreasing, check_level};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

use super::spec::Scoring;

/// Default number of bootstrap replicates.
pub const DEFAULT_BOOTSTRAP_REPLICATES: u32 = 2000;

/// How an interval is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum IntervalMethod {
    /// Normal approximation around the estimate (NPS truncated to [−1, 1], shares to [0, 1]).
    Wald,
    /// NPS Wald interval after adding 0.75 detractors, 1.5 passives, 0.75 promoters (Rocks 2016, MeasuringU).
    AdjustedWald,
    /// NPS Wald interval after adding 0.5 / 1 / 0.5 (Agresti and Min).
    AgrestiMin,
    /// NPS Wald interval after adding 1 / 0 / 1 (Bonett and Price).
    BonettPrice,
    /// Tango's score interval for a paired difference, applied to NPS (default for net scoring).
    Tango,
    /// Percentile bootstrap from multinomial resampling of the category counts, seeded and reproducible.
    Bootstrap {
        /// Number of resamples.
        replicates: u32,
        /// RNG seed (ChaCha8).
        seed: u64,
    },
    /// Wilson score interval (default for top-box shares).
    Wilson,
    /// Jeffreys equal-tailed interval, Beta(x + ½, n − x + ½) quantiles.
    Jeffreys,
    /// Clopper–Pearson "exact" interval.
    ClopperPearson,
    /// Agresti–Coull, "add z²" variant: ñ = n + z², p̃ = (x + z²/2)/ñ (statsmodels' variant).
    AgrestiCoullZ2,
    /// Agresti–Coull, "add 2 and 4" variant: ñ = n + 4, p̃ = (x + 2)/ñ.
    AgrestiCoullAdd2,
    /// Student t interval for a mean with n_eff − 1 degrees of freedom (default for mean scoring).
    T,
}

const NAMES: &str = "wald, adjusted_wald, agresti_min, bonett_price, tango, bootstrap, wilson, jeffreys, \
                     clopper_pearson, agresti_coull_z2, agresti_coull_add2, t";

impl IntervalMethod {
    /// The default method for a scoring: Tango for net, Wilson for top-box, t for means.
    pub fn default_for(scoring: Scoring) -> IntervalMethod {
        match scoring {
            Scoring::Net => IntervalMethod::Tango,
            Scoring::TopBox => IntervalMethod::Wilson,
            Scoring::Mean => IntervalMethod::T,
        }
    }

    /// Parses a method name; `bootstrap` gets [`DEFAULT_BOOTSTRAP_REPLICATES`] and seed 0.
    pub fn parse(name: &str) -> Result<IntervalMethod> {
        Ok(match name {
            "wald" => IntervalMethod::Wald,
            "adjusted_wald" => IntervalMethod::AdjustedWald,
            "agresti_min" => IntervalMethod::AgrestiMin,
            "bonett_price" => IntervalMethod::BonettPrice,
            "tango" => IntervalMethod::Tango,
            "bootstrap" => IntervalMethod::Bootstrap {
                replicates: DEFAULT_BOOTSTRAP_REPLICATES,
                seed: 0,
            },
            "wilson" => IntervalMethod::Wilson,
            "jeffreys" => IntervalMethod::Jeffreys,
            "clopper_pearson" => IntervalMethod::ClopperPearson,
            "agresti_coull_z2" => IntervalMethod::AgrestiCoullZ2,
            "agresti_coull_add2" => IntervalMethod::AgrestiCoullAdd2,
            "t" => IntervalMethod::T,
            _ => {
                return Err(CxError::UnknownName {
                    kind: "interval method".into(),
                    name: name.into(),
                    expected: NAMES.into(),
                });
            }
        })
    }

    /// The method's name, as accepted by [`IntervalMethod::parse`].
    pub fn name(self) -> &'static str {
        match self {
            IntervalMethod::Wald => "wald",
            IntervalMethod::AdjustedWald => "adjusted_wald",
            IntervalMethod::AgrestiMin => "agresti_min",
            IntervalMethod::BonettPrice => "bonett_price",
            IntervalMethod::Tango => "tango",
            IntervalMethod::Bootstrap { .. } => "bootstrap",
            IntervalMethod::Wilson => "wilson",
            IntervalMethod::Jeffreys => "jeffreys",
            IntervalMethod::ClopperPearson => "clopper_pearson",
            IntervalMethod::AgrestiCoullZ2 => "agresti_coull_z2",
            IntervalMethod::AgrestiCoullAdd2 => "agresti_coull_add2",
            IntervalMethod::T => "t",
        }
    }

    /// Whether the method applies to a scoring.
    pub fn applies_to(self, scoring: Scoring) -> bool {
        use IntervalMethod as M;
        match scoring {
            Scoring::Net => matches!(
                self,
                M::Wald | M::AdjustedWald | M::AgrestiMin | M::BonettPrice | M::Tango | M::Bootstrap { .. }
            ),
            Scoring::TopBox => matches!(
                self,
                M::Wald
                    | M::Wilson
                    | M::Jeffreys
                    | M::ClopperPearson
                    | M::AgrestiCoullZ2
                    | M::AgrestiCoullAdd2
                    | M::Bootstrap { .. }
            ),
            Scoring::Mean => matches!(self, M::T),
        }
    }

    /// `Ok(self)` if the method applies to `scoring`, else [`CxError::MethodNotApplicable`].
    pub fn check(self, scoring: Scoring) -> Result<IntervalMethod> {
        if self.applies_to(scoring) {
            Ok(self)
        } else {
            Err(CxError::MethodNotApplicable {
                method: self.name().into(),
                target: format!("{} scoring", scoring.name()),
            })
        }
    }
}

/// The pseudo-counts (detractors, passives, promoters) an adjusted NPS Wald method adds.
pub fn nps_pseudo_counts(method: IntervalMethod) -> Option<(f64, f64, f64)> {
    match method {
        IntervalMethod::AdjustedWald => Some((0.75, 1.5, 0.75)),
        IntervalMethod::AgrestiMin => Some((0.5, 1.0, 0.5)),
        IntervalMethod::BonettPrice => Some((1.0, 0.0, 1.0)),
        _ => None,
    }
}

/// NPS (proportion scale) and its standard error √((p + d − (p − d)²)/n) from counts.
pub fn nps_and_se(detractors: f64, passives: f64, promoters: f64) -> (f64, f64) {
    let n = detractors + passives + promoters;
    let (p, d) = (promoters / n, detractors / n);
    let variance = (p + d - (p - d) * (p - d)).max(0.0);
    (p - d, (variance / n).sqrt())
}

/// Wald interval `centre ± z·se`, truncated to `[lo, hi]`.
pub fn wald(centre: f64, se: f64, z: f64, (lo, hi): (f64, f64)) -> (f64, f64) {
    ((centre - z * se).max(lo), (centre + z * se).min(hi))
}

/// Adjusted-Wald NPS interval: Wald on counts with pseudo-counts added, truncated to [−1, 1].
pub fn nps_adjusted_wald(counts: (f64, f64, f64), pseudo: (f64, f64, f64), z: f64) -> (f64, f64) {
    let (centre, se) = nps_and_se(counts.0 + pseudo.0, counts.1 + pseudo.1, counts.2 + pseudo.2);
    wald(centre, se, z, (-1.0, 1.0))
}

/// Tango's score interval for NPS = p − d, from promoter and detractor counts out of `n`.
///
/// Solves T(Δ) = ±z where T is Tango's score statistic for the difference of paired proportions; the limits are
/// −1 and 1 exactly when the NPS is −1 or 1. The interval is mirror-symmetric: swapping promoters and detractors
/// negates and swaps the limits exactly. (The statistic's variance 2q̃ + Δ(1 − Δ) cancels catastrophically as
/// Δ → −1, where q̃ → 1, but not as Δ → 1, so a net-negative sample is computed as its mirror image.)
pub fn tango(promoters: f64, detractors: f64, n: f64, z: f64) -> (f64, f64) {
    if promoters < detractors {
        let (lower, upper) = tango_non_negative(detractors, promoters, n, z);
        return (-upper, -lower);
    }
    tango_non_negative(promoters, detractors, n, z)
}

/// [`tango`] for p ≥ d, where the limits near 1 keep their precision.
fn tango_non_negative(promoters: f64, detractors: f64, n: f64, z: f64) -> (f64, f64) {
    let (p, d) = (promoters, detractors);
    let statistic = |delta: f64| {
        let a = 2.0 * n;
        let b = -p - d + (2.0 * n - p + d) * delta;
        let c = -d * delta * (1.0 - delta);
        let d_tilde = ((b * b - 4.0 * a * c).max(0.0).sqrt() - b) / (2.0 * a);
        (p - d - n * delta) / (n * (2.0 * d_tilde + delta * (1.0 - delta))).sqrt()
    };
    let estimate = (p - d) / n;
    let lower = if estimate <= -1.0 {
        -1.0
    } else {
        bisect_decreasing(|delta| statistic(delta) - z, -1.0, estimate)
    };
    let upper = if estimate >= 1.0 {
        1.0
    } else {
        bisect_decreasing(|delta| statistic(delta) + z, estimate, 1.0)
    };
    (lower, upper)
}

/// Wilson score interval for x successes out of n.
pub fn wilson(x: f64, n: f64, z: f64) -> (f64, f64) {
    let p = x / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).max(0.0).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Jeffreys interval: Beta(x + ½, n − x + ½) quantiles, with the limit at 0 (1) when x = 0 (x = n).
///
/// The quantiles come from [`crate::stats`]' bracketed inversion, so they keep ~1e-12 relative precision and
/// return promptly for any n (tested to 1e9, including x at 0 and n).
pub fn jeffreys(x: f64, n: f64, level: f64) -> Result<(f64, f64)> {
    let tail = (1.0 - check_level(level)?) / 2.0;
    let lower = if x <= 0.0 {
        0.0
    } else {
        beta_quantile(tail, x + 0.5, n - x + 0.5)?
    };
    let upper = if x >= n {
        1.0
    } else {
        beta_quantile_upper(tail, x + 0.5, n - x + 0.5)?
    };
    Ok((lower, upper))
}

/// Clopper–Pearson interval from beta quantiles: [B⁻¹(α/2; x, n − x + 1), B⁻¹(1 − α/2; x + 1, n − x)].
///
/// Closed forms at the ends: x = 0 gives [0, 1 − (α/2)^(1/n)], x = n gives [(α/2)^(1/n), 1] (through `exp_m1`
/// and `exp` of ln(α/2)/n, so that large n keeps full precision); otherwise the bracketed inversion of
/// [`crate::stats`], ~1e-12 relative and prompt for any n.
pub fn clopper_pearson(x: f64, n: f64, level: f64) -> Result<(f64, f64)> {
    let tail = (1.0 - check_level(level)?) / 2.0;
    let root = tail.ln() / n;
    let lower = if x <= 0.0 {
        0.0
    } else if x >= n {
        root.exp()
    } else {
        beta_quantile(tail, x, n - x + 1.0)?
    };
    let upper = if x >= n {
        1.0
    } else if x <= 0.0 {
        -root.exp_m1()
    } else {
        beta_quantile_upper(tail, x + 1.0, n - x)?
    };
    Ok((lower, upper))
}

/// Agresti–Coull with `added` pseudo-observations, half of them successes; truncated to [0, 1].
fn agresti_coull(x: f64, n: f64, z: f64, added: f64) -> (f64, f64) {
    let n_tilde = n + added;
    let p_tilde = (x + added / 2.0) / n_tilde;
    wald(p_tilde, (p_tilde * (1.0 - p_tilde) / n_tilde).sqrt(), z, (0.0, 1.0))
}

/// Agresti–Coull "add z²" variant.
pub fn agresti_coull_z2(x: f64, n: f64, z: f64) -> (f64, f64) {
    agresti_coull(x, n, z, z * z)
}

/// Agresti–Coull "add 2 successes and 2 failures" variant.
pub fn agresti_coull_add2(x: f64, n: f64, z: f64) -> (f64, f64) {
    agresti_coull(x, n, z, 4.0)
}

/// The `q` quantile (type 7, linear interpolation) of sorted values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - h.floor()) * (sorted[hi] - sorted[lo])
}

/// Percentile bootstrap interval for a net or top-box share from category shares and a sample size.
///
/// Each replicate draws category counts from the multinomial (as a binomial, then a conditional binomial), so
/// the cost is independent of n.
pub fn bootstrap(shares: (f64, f64), n: u64, net: bool, level: f64, replicates: u32, seed: u64) -> Result<(f64, f64)> {
    use rand::SeedableRng;
    use rand_distr::{Binomial, Distribution};
    if replicates < 100 {
        return Err(CxError::invalid_argument(
            "replicates",
            replicates,
            "use at least 100 bootstrap replicates",
        ));
    }
    let (positive, negative) = shares;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let binomial = |trials: u64, p: f64| {
        Binomial::new(trials, p.clamp(0.0, 1.0))
            .map_err(|e| CxError::invalid_argument("bootstrap share", p, e.to_string()))
    };
    let first = binomial(n, positive)?;
    let rest_negative = if positive < 1.0 {
        negative / (1.0 - positive)
    } else {
        0.0
    };
    let mut values: Vec<f64> = Vec::with_capacity(replicates as usize);
    for _ in 0..replicates {
        let pos = first.sample(&mut rng);
        let value = if net {
            let neg = binomial(n - pos, rest_negative)?.sample(&mut rng);
            (pos as f64 - neg as f64) / n as f64
        } else {
            pos as f64 / n as f64
        };
        values.push(value);
    }
    values.sort_by(f64::total_cmp);
    let alpha = 1.0 - level;
    Ok((
        quantile_sorted(&values, alpha / 2.0),
        quantile_sorted(&values, 1.0 - alpha / 2.0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in NAMES.split(", ") {
            assert_eq!(IntervalMethod::parse(name).unwrap().name(), name);
        }
        assert!(matches!(
            IntervalMethod::parse("exact"),
            Err(CxError::UnknownName { .. })
        ));
    }

    #[test]
    fn applicability() {
        assert!(IntervalMethod::Tango.check(Scoring::Mean).is_err());
        assert!(IntervalMethod::Wilson.check(Scoring::Net).is_err());
        assert!(IntervalMethod::T.check(Scoring::Mean).is_ok());
    }

    #[test]
    fn tango_is_exact_at_the_extremes() {
        let z = 1.959_963_984_540_054;
        let (lo, hi) = tango(3.0, 0.0, 3.0, z);
        assert_eq!(hi, 1.0);
        assert!((lo + 0.1230).abs() < 1e-4, "{lo}");
    }

    #[test]
    fn tango_is_mirror_symmetric_and_exact_near_all_detractors() {
        let z = 1.959_963_984_540_054;
        for n in [3.0, 50.0, 1e4, 1e6, 1e9] {
            // All promoters: lower limit (n − z²)/(n + z²) in closed form (T(Δ)² = n(1 − Δ)/(1 + Δ) when d = 0).
            let exact = (n - z * z) / (n + z * z);
            let (lo, hi) = tango(n, 0.0, n, z);
            assert_eq!(hi, 1.0);
            assert!(((lo - exact) / exact).abs() < 1e-12, "n {n}: {lo} vs {exact}");
            // All detractors: the mirror image, exactly, and as precise.
            let (mlo, mhi) = tango(0.0, n, n, z);
            assert_eq!((mlo, mhi), (-hi, -lo), "n {n}");
        }
        for (p, d, n) in [(3.0, 17.0, 40.0), (120.0, 30.0, 195.0), (0.0, 5.0, 9.0)] {
            let (lo, hi) = tango(p, d, n, z);
            let (mlo, mhi) = tango(d, p, n, z);
            assert_eq!((lo, hi), (-mhi, -mlo));
        }
    }

    #[test]
    fn clopper_pearson_and_jeffreys_return_at_1e7_and_beyond() {
        let start = std::time::Instant::now();
        // numpy: exp(log(0.025)/1e7), -expm1(log(0.025)/1e9)
        let (lo, hi) = clopper_pearson(1e7, 1e7, 0.95).unwrap();
        assert_eq!(hi, 1.0);
        assert!((lo - 0.999_999_631_112_122_6).abs() < 1e-15, "{lo}");
        let (lo, hi) = clopper_pearson(0.0, 1e9, 0.95).unwrap();
        assert_eq!(lo, 0.0);
        assert!(((hi - 3.688_879_447_310_020_2e-9) / hi).abs() < 1e-12, "{hi}");
        // scipy: beta.ppf(0.025, 5, 1e7 - 4), beta.isf(0.025, 6, 1e7 - 5)
        let (lo, hi) = clopper_pearson(5.0, 1e7, 0.95).unwrap();
        assert!(((lo - 1.623_486_583_030_335_5e-7) / lo).abs() < 1e-10, "{lo}");
        assert!(((hi - 1.166_832_818_877_119_6e-6) / hi).abs() < 1e-9, "{hi}");
        // scipy: beta.ppf(0.025, 1e7 - 2.5, 3.5), beta.isf(0.025, 1e7 - 2.5, 3.5)
        let (lo, hi) = jeffreys(1e7 - 3.0, 1e7, 0.95).unwrap();
        assert!((lo - 0.999_999_199_362_006_7).abs() < 1e-15, "{lo}");
        assert!((hi - 0.999_999_915_506_534).abs() < 1e-15, "{hi}");
        assert!(start.elapsed().as_secs_f64() < 1.0, "{:?}", start.elapsed());
    }

    #[test]
    fn bootstrap_is_reproducible_and_checks_replicates() {
        let a = bootstrap((0.4, 0.2), 500, true, 0.95, 1000, 7).unwrap();
        let b = bootstrap((0.4, 0.2), 500, true, 0.95, 1000, 7).unwrap();
        assert_eq!(a, b);
        assert!(a.0 < 0.2 && 0.2 < a.1);
        assert!(bootstrap((0.4, 0.2), 500, true, 0.95, 10, 7).is_err());
    }
}
