//! Distribution helpers shared by every module: quantiles, tail probabilities and root finding.
//!
//! Thin wrappers over `statrs` so that the rest of the code states intent (`z_for_level(0.95)`) and argument
//! checking happens in one place.

use crate::{CxError, Result};
use statrs::distribution::{Beta, Binomial, ContinuousCDF, Discrete, DiscreteCDF, StudentsT};
use statrs::function::erf::erfc_inv;

/// Checks that a confidence level lies strictly between 0 and 1.
pub fn check_level(level: f64) -> Result<f64> {
    if level > 0.0 && level < 1.0 {
        Ok(level)
    } else {
        Err(CxError::invalid_argument(
            "level",
            level,
            "a confidence level must lie strictly between 0 and 1, e.g. 0.95",
        ))
    }
}

/// The standard normal quantile Φ⁻¹(p) for p in (0, 1).
///
/// ```
/// assert!((cx_core::stats::normal_quantile(0.975) - 1.959_963_985).abs() < 1e-9);
/// ```
pub fn normal_quantile(p: f64) -> f64 {
    // Through erfc⁻¹ rather than Normal::inverse_cdf: it keeps full relative precision in both tails.
    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
}

/// The two-sided critical value z for a confidence level: Φ⁻¹((1 + level) / 2).
pub fn z_for_level(level: f64) -> Result<f64> {
    Ok(normal_quantile(0.5 + check_level(level)? / 2.0))
}

/// Upper tail of the standard normal, 1 − Φ(z), accurate for large z.
pub fn normal_sf(z: f64) -> f64 {
    // libm's erfc (a port of musl's) is accurate to about an ulp; statrs' is good to ~1e-11 only.
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// Two-sided p-value of a standard normal statistic: 2·(1 − Φ(|z|)).
pub fn normal_two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    (2.0 * normal_sf(z.abs())).min(1.0)
}

fn students_t(df: f64) -> Result<StudentsT> {
    StudentsT::new(0.0, 1.0, df)
        .map_err(|_| CxError::invalid_argument("degrees of freedom", df, "must be positive and finite"))
}

/// Student t quantile with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: f64) -> Result<f64> {
    Ok(students_t(df)?.inverse_cdf(p))
}

/// Two-sided critical value of Student's t for a confidence level.
pub fn t_for_level(level: f64, df: f64) -> Result<f64> {
    t_quantile(0.5 + check_level(level)? / 2.0, df)
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom.
pub fn t_two_sided_p(t: f64, df: f64) -> Result<f64> {
    if t.is_nan() {
        return Ok(f64::NAN);
    }
    Ok((2.0 * students_t(df)?.sf(t.abs())).min(1.0))
}

/// Quantile of the Beta(a, b) distribution.
pub fn beta_quantile(p: f64, a: f64, b: f64) -> Result<f64> {
    let beta = Beta::new(a, b)
        .map_err(|_| CxError::invalid_argument("beta shape", format!("({a}, {b})"), "must be positive"))?;
    Ok(beta.inverse_cdf(p))
}

fn binomial(n: u64, p: f64) -> Result<Binomial> {
    Binomial::new(p, n).map_err(|_| CxError::invalid_argument("binomial p", p, "must lie in [0, 1]"))
}

/// P(X ≤ k) for X ~ Binomial(n, p).
pub fn binomial_cdf(k: u64, n: u64, p: f64) -> Result<f64> {
    Ok(binomial(n, p)?.cdf(k))
}

/// P(X = k) for X ~ Binomial(n, p).
pub fn binomial_pmf(k: u64, n: u64, p: f64) -> Result<f64> {
    Ok(binomial(n, p)?.pmf(k))
}

/// Finds the root of a decreasing function on `(lo, hi)` by bisection.
///
/// `f(lo) > 0 > f(hi)` is assumed; if `f` never changes sign the nearer end is returned. Bisection is slow but
/// cannot leave the bracket, which matters for score intervals that must stay inside [−1, 1].
pub fn bisect_decreasing(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The `p` quantile of ascending `sorted` values by linear interpolation between order statistics (Hyndman–Fan
/// type 7, the default of numpy and pandas); NaN for no values.
///
/// ```
/// use cx_core::stats::quantile_sorted;
///
/// assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
/// assert!((quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.9) - 3.7).abs() < 1e-12);
/// assert!(quantile_sorted(&[], 0.5).is_nan());
/// ```
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_tables() {
        assert!((z_for_level(0.95).unwrap() - 1.959_963_984_540_054).abs() < 1e-12);
        assert!((z_for_level(0.85).unwrap() - 1.439_531_470_938_456).abs() < 1e-12);
        // t_{0.975, 10} = 2.228138851986274 (R: qt(0.975, 10))
        assert!((t_for_level(0.95, 10.0).unwrap() - 2.228_138_851_986_274).abs() < 1e-9);
        assert!((normal_two_sided_p(1.959_963_984_540_054) - 0.05).abs() < 1e-12);
    }

    #[test]
    fn levels_outside_zero_one_are_rejected() {
        for bad in [0.0, 1.0, -0.5, 95.0, f64::NAN] {
            assert!(matches!(z_for_level(bad), Err(CxError::InvalidArgument { .. })));
        }
    }

    #[test]
    fn binomial_tails() {
        // R: pbinom(6, 22, 0.5) = 0.0262394
        assert!((binomial_cdf(6, 22, 0.5).unwrap() - 0.026_239_395).abs() < 1e-8);
        assert!((binomial_pmf(0, 3, 0.5).unwrap() - 0.125).abs() < 1e-15);
    }

    #[test]
    fn bisection_finds_the_root() {
        let r = bisect_decreasing(|x| 0.3 - x, -1.0, 1.0);
        assert!((r - 0.3).abs() < 1e-14);
    }
}
