//! Planning: how many responses a margin of error needs, what margin a sample buys, and how many responses per
//! group detect a difference.
//!
//! `margin`, `delta` and the square roots of the variances are in one unit of your choosing. For reported NPS
//! points use a per-respondent variance in points² (worst case [`MetricSpec::worst_case_variance`]:
//! 10 000 for NPS, i.e. σ² = 1 on the −1..1 scale).
//!
//! [`MetricSpec::worst_case_variance`]: super::MetricSpec::worst_case_variance

use crate::stats::{normal_quantile, z_for_level};
use crate::{CxError, Result};

fn positive(name: &str, value: f64) -> Result<f64> {
    if value > 0.0 && value.is_finite() {
        Ok(value)
    } else {
        Err(CxError::invalid_argument(name, value, "must be positive and finite"))
    }
}

fn check_population(population: Option<u64>) -> Result<Option<f64>> {
    match population {
        Some(0) => Err(CxError::invalid_argument(
            "population",
            0,
            "a population must have at least one member",
        )),
        Some(n) => Ok(Some(n as f64)),
        None => Ok(None),
    }
}

/// Responses needed for a margin of error: n₀ = z²σ²/E², with the finite population correction
/// n = n₀/(1 + (n₀ − 1)/N) when the population size N is given; rounded up.
///
/// A requirement of 2^64 responses or more (a margin near 1e-9 points) is not a count a `u64` can hold: it is
/// refused with [`CxError::Overflow`] rather than saturated to 2^64 − 1.
///
/// ```
/// use cx_core::survey::sample_size_for_margin;
///
/// // ±5 NPS points at 95% in the worst case (σ² = 1, i.e. 10 000 points²).
/// assert_eq!(sample_size_for_margin(5.0, 10_000.0, 0.95, None)?, 1537);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn sample_size_for_margin(margin: f64, variance: f64, level: f64, population: Option<u64>) -> Result<u64> {
    let (margin, variance) = (positive("margin", margin)?, positive("variance", variance)?);
    let z = z_for_level(level)?;
    let n0 = z * z * variance / (margin * margin);
    let n = match check_population(population)? {
        Some(pop) => n0 / (1.0 + (n0 - 1.0) / pop),
        None => n0,
    };
    // Guard against 1536.0000000001 from rounding noise before taking the ceiling.
    whole_responses(n, "sample size for the margin")
}

/// ⌈n⌉ (at least 1) as a count, or [`CxError::Overflow`] when it does not fit in a `u64` (an `as` cast would
/// saturate to 2^64 − 1 and report a number nobody asked for).
fn whole_responses(n: f64, what: &str) -> Result<u64> {
    let n = (n - 1e-9).ceil().max(1.0);
    // 2^64 is exactly representable; every finite double below it converts exactly.
    if n < 18_446_744_073_709_551_616.0 {
        Ok(n as u64)
    } else {
        Err(CxError::overflow(format!("{what}: {n:e} responses exceed 2^64 - 1")))
    }
}

/// The margin of error (half-width of the interval) that `n` responses buy: z·√(σ²/n), times the finite
/// population correction √((N − n)/(N − 1)) when N is given.
///
/// ```
/// use cx_core::survey::margin_of_error;
///
/// // 400 responses a quarter with a per-respondent NPS variance of 0.6 (6 000 points²): about ±7.6 points.
/// let m = margin_of_error(400, 6_000.0, 0.95, None)?;
/// assert!((m - 7.59).abs() < 0.01);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn margin_of_error(n: u64, variance: f64, level: f64, population: Option<u64>) -> Result<f64> {
    if n == 0 {
        return Err(CxError::invalid_argument("n", 0, "needs at least one response"));
    }
    let variance = positive("variance", variance)?;
    let z = z_for_level(level)?;
    let nf = n as f64;
    let fpc = match check_population(population)? {
        Some(pop) if nf > pop => {
            return Err(CxError::invalid_argument(
                "n",
                n,
                format!("exceeds the population {pop}"),
            ));
        }
        Some(pop) if pop > 1.0 => ((pop - nf) / (pop - 1.0)).sqrt(),
        _ => 1.0,
    };
    Ok(z * (variance / nf).sqrt() * fpc)
}

/// Responses needed in **each** of two groups to detect a difference `delta` with the given power in a
/// two-sided test at `alpha`: (z₁₋α/₂ + z₁₋β)²(σ_A² + σ_B²)/Δ², rounded up; [`CxError::Overflow`] when that
/// is 2^64 or more.
///
/// ```
/// use cx_core::survey::sample_size_per_group;
///
/// // Detecting a 1-point NPS change with 80% power when σ² = 0.6 (6 000 points²) in both quarters.
/// let n = sample_size_per_group(1.0, 6_000.0, 6_000.0, 0.05, 0.8)?;
/// assert!((94_000..94_300).contains(&n));
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn sample_size_per_group(delta: f64, variance_a: f64, variance_b: f64, alpha: f64, power: f64) -> Result<u64> {
    let delta = positive("delta", delta.abs())?;
    let (va, vb) = (positive("variance_a", variance_a)?, positive("variance_b", variance_b)?);
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(CxError::invalid_argument(
            "alpha",
            alpha,
            "must lie strictly between 0 and 1",
        ));
    }
    if !(power > 0.0 && power < 1.0) {
        return Err(CxError::invalid_argument(
            "power",
            power,
            "must lie strictly between 0 and 1",
        ));
    }
    let z = normal_quantile(1.0 - alpha / 2.0) + normal_quantile(power);
    whole_responses(z * z * (va + vb) / (delta * delta), "sample size per group")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finite_population_correction_is_consistent_with_the_margin() {
        let n = sample_size_for_margin(5.0, 10_000.0, 0.95, Some(2_000)).unwrap();
        // n0 = 1536.6; n = 1536.6 / (1 + 1535.6/2000) = 869.0
        assert_eq!(n, 870);
        let m = margin_of_error(n, 10_000.0, 0.95, Some(2_000)).unwrap();
        assert!(m <= 5.0 && m > 4.99, "{m}");
    }

    #[test]
    fn bad_arguments() {
        assert!(sample_size_for_margin(0.0, 1.0, 0.95, None).is_err());
        assert!(sample_size_for_margin(5.0, -1.0, 0.95, None).is_err());
        assert!(sample_size_for_margin(5.0, 1.0, 95.0, None).is_err());
        assert!(margin_of_error(0, 1.0, 0.95, None).is_err());
        assert!(margin_of_error(10, 1.0, 0.95, Some(5)).is_err());
        assert!(sample_size_per_group(1.0, 1.0, 1.0, 0.05, 1.0).is_err());
    }

    #[test]
    fn sample_sizes_beyond_u64_are_overflow_errors_not_saturated() {
        // n₀ = 1.96² · 10 000 / 1e-18 ≈ 3.8e22 responses: was 2^64 − 1.
        let err = sample_size_for_margin(1e-9, 10_000.0, 0.95, None).unwrap_err();
        assert!(matches!(err, CxError::Overflow { .. }), "{err}");
        assert!(err.to_string().contains("margin"), "{err}");
        assert!(matches!(
            sample_size_per_group(1e-9, 10_000.0, 10_000.0, 0.05, 0.8),
            Err(CxError::Overflow { .. })
        ));
        // With a population the correction brings it back to at most N.
        assert_eq!(
            sample_size_for_margin(1e-9, 10_000.0, 0.95, Some(1_000)).unwrap(),
            1_000
        );
        // Just below 2^64 is still answered.
        let n = sample_size_for_margin(1.96e-7, 1.0, 0.95, None).unwrap();
        assert!(n > 1u64 << 45, "{n}");
    }
}
