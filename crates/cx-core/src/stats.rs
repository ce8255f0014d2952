//! Distribution helpers shared by every module: quantiles, tail probabilities and root finding.
//!
//! The normal distribution goes through `erfc⁻¹` (statrs) and `erfc` (libm). Student t, beta and binomial
//! probabilities and quantiles are computed here rather than by `statrs`, whose incomplete-beta inversion drifts
//! (t critical value 1.9035 instead of 1.95996 at 9.4 million degrees of freedom) and stops returning for
//! large shape parameters (df beyond about 1.4e7, beta shapes near 1e7).
//!
//! How the numbers are kept accurate and every call terminates:
//! - The regularised incomplete beta I_x(a, b) is Lentz's continued fraction on the side of the mean where it
//!   converges (Numerical Recipes' `betacf`), capped at [`MAX_CF_TERMS`]-ish terms scaled with √max(a, b). Its
//!   prefactor x^a (1 − x)^b / B(a, b) is computed without cancellation: for both shapes ≥ 10 in Loader's
//!   saddle-point form (Stirling corrections and `bd0`, as R's `dbinom`), otherwise with an ln B(a, b) that
//!   keeps the Stirling corrections apart from the large terms (as R's `lbeta`). Both tails are returned, each
//!   computed directly where it is the small one, so upper tails are survival functions, not 1 − CDF.
//! - Quantiles are safeguarded Newton iterations in log space inside a bracket that shrinks at every step, with
//!   bisection whenever Newton leaves it, and a cap of [`MAX_ROOT_STEPS`] steps, so they terminate everywhere.
//!   The beta quantile searches on whichever of x and 1 − x is below ½, so both keep full relative precision.
//! - Closed forms where they exist: t with 1 and 2 degrees of freedom; for df ≥ [`T_EXPANSION_DF`] the
//!   Cornish–Fisher expansion of t in the normal quantile to the 1/df⁴ term (Abramowitz and Stegun 26.7.5; the
//!   expansion behind Hill 1970, ACM Algorithm 396), whose truncation error there is below 1e-12 relative for
//!   every double probability.
//! - Student t quantiles need df ≥ 1 ([`t_quantile`] refuses smaller df with `InvalidArgument`); below one degree
//!   of freedom the tails are so heavy that a 97.5% quantile exceeds 1e8 and no interval is informative.

use crate::{CxError, Result};
use statrs::function::erf::erfc_inv;

/// Degrees of freedom from which Student t quantiles use the Cornish–Fisher expansion instead of an inversion.
pub const T_EXPANSION_DF: f64 = 1e5;

/// Steps a quantile search may take before it returns its best bracketed value (it converges in far fewer).
pub const MAX_ROOT_STEPS: usize = 300;

/// Base number of continued-fraction terms for the incomplete beta; the cap grows with √max(a, b).
pub const MAX_CF_TERMS: usize = 1000;

/// ln √(2π).
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

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

fn check_probability(name: &str, p: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(CxError::invalid_argument(name, p, "a probability must lie in [0, 1]"))
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
    // −Φ⁻¹(α/2) rather than Φ⁻¹(1 − α/2): α/2 is exact, 1 − α/2 is rounded near 1.
    Ok(-normal_quantile((1.0 - check_level(level)?) / 2.0))
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

// ---------------------------------------------------------------------------------------------------------------
// Building blocks: Stirling's error, the binomial deviance, ln B(a, b) and the beta prefactor without cancellation.

/// Stirling's error δ(x) = ln Γ(x) − ((x − ½) ln x − x + ln √(2π)), for x > 0.
fn stirling_error(x: f64) -> f64 {
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if x <= 15.0 {
        // ln Γ(x) ≤ 26 here, so the difference keeps an absolute error near 1e-14.
        return libm::lgamma(x) - (x - 0.5) * x.ln() + x - LN_SQRT_2PI;
    }
    let xx = x * x;
    // The asymptotic series; its first omitted term is below 1e-16 at x = 15 (R's stirlerr).
    if x > 500.0 {
        (S0 - S1 / xx) / x
    } else if x > 80.0 {
        (S0 - (S1 - S2 / xx) / xx) / x
    } else if x > 35.0 {
        (S0 - (S1 - (S2 - S3 / xx) / xx) / xx) / x
    } else {
        (S0 - (S1 - (S2 - (S3 - S4 / xx) / xx) / xx) / xx) / x
    }
}

/// The deviance term x ln(x/m) + m − x ≥ 0 without cancellation when x ≈ m (Loader 2000, R's `bd0`).
fn bd0(x: f64, m: f64) -> f64 {
    if x == 0.0 {
        return m;
    }
    if (x - m).abs() < 0.1 * (x + m) {
        let mut v = (x - m) / (x + m);
        let mut s = (x - m) * v;
        if s.abs() < f64::MIN_POSITIVE {
            return s;
        }
        let mut ej = 2.0 * x * v;
        v *= v;
        // |v| < 1/441, so each term is 400× smaller than the last: a few terms reach full precision.
        for j in 1..1000 {
            ej *= v;
            let s1 = s + ej / f64::from(2 * j + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        return s;
    }
    x * (x / m).ln() + m - x
}

/// ln B(a, b) for a, b > 0, keeping the Stirling corrections apart from the large terms (R's `lbeta`).
pub fn ln_beta(a: f64, b: f64) -> f64 {
    let (p, q) = if a < b { (a, b) } else { (b, a) };
    if p >= 10.0 {
        let corr = stirling_error(p) + stirling_error(q) - stirling_error(p + q);
        -0.5 * q.ln() + LN_SQRT_2PI + corr + (p - 0.5) * (p / (p + q)).ln() + q * (-p / (p + q)).ln_1p()
    } else if q >= 10.0 {
        let corr = stirling_error(q) - stirling_error(p + q);
        libm::lgamma(p) + corr + p - p * (p + q).ln() + (q - 0.5) * (-p / (p + q)).ln_1p()
    } else {
        libm::lgamma(p) + libm::lgamma(q) - libm::lgamma(p + q)
    }
}

/// ln of x where `y` = 1 − x is known more precisely than x's complement.
fn ln_of(x: f64, y: f64) -> f64 {
    if x < 0.5 { x.ln() } else { (-y).ln_1p() }
}

/// ln(x^a · y^b / B(a, b)) with y = 1 − x given separately, accurate even for shapes near 1e9.
fn ln_beta_front(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if a.min(b) >= 10.0 {
        // Saddle-point form: a ln(x s/a) + b ln(y s/b) = −bd0(a, s x) − bd0(b, s y) since s x + s y = a + b.
        let s = a + b;
        -bd0(a, s * x) - bd0(b, s * y) + 0.5 * (a.ln() + (b / s).ln())
            - LN_SQRT_2PI
            - (stirling_error(a) + stirling_error(b) - stirling_error(s))
    } else {
        a * ln_of(x, y) + b * ln_of(y, x) - ln_beta(a, b)
    }
}

/// Lentz's continued fraction for I_x(a, b)·a·B(a, b)/(x^a (1 − x)^b) (Numerical Recipes' `betacf`), and
/// whether it converged within its cap.
///
/// Converges fast for x < (a + 1)/(a + b + 2), in O(√max(a, b)) terms at worst; the cap makes it terminate.
/// Its terms are linear in x, and with x near 1 they cancel: it loses about ε/(1 − x) relative.
fn beta_cf(a: f64, b: f64, x: f64) -> (f64, bool) {
    const TINY: f64 = 1e-300;
    let cap = MAX_CF_TERMS + (8.0 * a.max(b).sqrt()).min(1e8) as usize;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=cap {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() <= f64::EPSILON {
            return (h, true);
        }
    }
    (h, false)
}

/// A tail at least this large may be computed as 1 − (the other tail), losing at most ε/`SAFE_TAIL` relative.
const SAFE_TAIL: f64 = 1e-3;

/// Below this distance from 1 the continued fraction's argument costs more than 1e-14 relative, and the fraction
/// on the other side of the mean is tried as well.
const NEAR_ONE: f64 = 0.01;

/// Both tails of the beta distribution and its prefactor: (I_x(a, b), 1 − I_x(a, b), x^a y^b / B(a, b)).
///
/// `y` must be 1 − x, passed separately so that x near 1 keeps its precision. The continued fraction runs on
/// the side of the mean where it converges. When that puts its argument within [`NEAR_ONE`] of 1 (where it loses
/// ε/(1 − arg)), the fraction on the other side is evaluated too and preferred if it converged, leaves at least
/// [`SAFE_TAIL`] to the subtraction, and agrees with the first to 1e-6 (beyond its own region Lentz's test can
/// stop early on a wrong value, which this agreement rules out). Each tail is thus either computed directly or
/// is ≥ `SAFE_TAIL`: upper tails are survival functions, not 1 − CDF.
fn beta_tails(a: f64, b: f64, x: f64, y: f64) -> (f64, f64, f64) {
    if x <= 0.0 {
        return (0.0, 1.0, 0.0);
    }
    if y <= 0.0 {
        return (1.0, 0.0, 0.0);
    }
    let front = ln_beta_front(a, b, x, y).exp();
    let agree = |u: f64, v: f64| (u - v).abs() <= 1e-6 * v.abs();
    if x < (a + 1.0) / (a + b + 2.0) {
        let lower = (front * beta_cf(a, b, x).0 / a).min(1.0);
        if y < NEAR_ONE {
            let (cf, converged) = beta_cf(b, a, y);
            let upper = (front * cf / b).min(1.0);
            if converged && 1.0 - upper >= SAFE_TAIL && agree(1.0 - upper, lower) {
                return (1.0 - upper, upper, front);
            }
        }
        (lower, 1.0 - lower, front)
    } else {
        let upper = (front * beta_cf(b, a, y).0 / b).min(1.0);
        if x < NEAR_ONE {
            let (cf, converged) = beta_cf(a, b, x);
            let lower = (front * cf / a).min(1.0);
            if converged && 1.0 - lower >= SAFE_TAIL && agree(1.0 - lower, upper) {
                return (lower, 1.0 - lower, front);
            }
        }
        (1.0 - upper, upper, front)
    }
}

/// The regularised incomplete beta I_x(a, b) = P(X ≤ x) for X ~ Beta(a, b), and its upper tail 1 − I_x(a, b)
/// computed directly (a survival function, accurate where it is tiny).
pub fn beta_cdf_sf(x: f64, a: f64, b: f64) -> Result<(f64, f64)> {
    check_shapes(a, b)?;
    let x = check_probability("beta x", x)?;
    let (lower, upper, _) = beta_tails(a, b, x, 1.0 - x);
    Ok((lower, upper))
}

fn check_shapes(a: f64, b: f64) -> Result<()> {
    if a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite() {
        Ok(())
    } else {
        Err(CxError::invalid_argument(
            "beta shape",
            format!("({a}, {b})"),
            "must be positive and finite",
        ))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Safeguarded Newton search.

/// Finds the root of an increasing `g` on `[lo, hi]` (g(lo) ≤ 0 ≤ g(hi) assumed) where `g` returns the value and
/// the derivative: Newton steps while they stay inside the shrinking bracket, bisection otherwise; at most
/// [`MAX_ROOT_STEPS`] steps.
fn newton_bracketed(g: impl Fn(f64) -> (f64, f64), mut lo: f64, mut hi: f64, start: f64) -> f64 {
    let mut u = if start > lo && start < hi {
        start
    } else {
        0.5 * (lo + hi)
    };
    for _ in 0..MAX_ROOT_STEPS {
        let (value, slope) = g(u);
        if value == 0.0 {
            return u;
        }
        if value.is_nan() {
            // Outside the range where the tails are representable: shrink towards the middle.
            return 0.5 * (lo + hi);
        }
        if value < 0.0 {
            lo = u;
        } else {
            hi = u;
        }
        let newton = u - value / slope;
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        let tolerance = 4.0 * f64::EPSILON * next.abs().max(1.0);
        if (next - u).abs() <= tolerance || hi - lo <= tolerance {
            return next;
        }
        u = next;
    }
    u
}

/// x in (0, ½] with I_x(a, b) = p (and 1 − I_x(a, b) = q), the root assumed to lie there.
fn beta_search_low_half(a: f64, b: f64, p: f64, q: f64) -> f64 {
    // Work on u = ln x, where the tails are close to linear (I_x ≈ x^a/(a B) for small x), and on the log of
    // whichever tail is the smaller target so that tiny probabilities keep their relative precision.
    let lower_target = p <= q;
    let ln_target = if lower_target { p.ln() } else { q.ln() };
    let g = |u: f64| {
        let x = u.exp();
        let y = 1.0 - x;
        let (lower, upper, front) = beta_tails(a, b, x, y);
        if lower_target {
            // d ln I / d ln x = x·density/I = front/(y·I).
            (lower.ln() - ln_target, front / (y * lower))
        } else {
            (ln_target - upper.ln(), front / (y * upper))
        }
    };
    let lo = f64::MIN_POSITIVE.ln();
    let hi = 0.5f64.ln();
    if g(lo).0 >= 0.0 {
        return f64::MIN_POSITIVE;
    }
    // Start from the normal approximation, or the small-x asymptote I_x ≈ x^a/(a B(a, b)) in the far tail.
    let (mean, sd) = (a / (a + b), (a * b / (a + b + 1.0)).sqrt() / (a + b));
    let normal = mean + normal_quantile(p) * sd;
    let start = if normal > 0.0 && normal < 0.5 {
        normal.ln()
    } else {
        (p.ln() + a.ln() + ln_beta(a, b)) / a
    };
    newton_bracketed(g, lo, hi, start).exp()
}

/// (x, 1 − x) with I_x(a, b) = p, given p and q = 1 − p separately (both exact where the caller has them).
fn beta_inverse(a: f64, b: f64, p: f64, q: f64) -> (f64, f64) {
    if p <= 0.0 {
        return (0.0, 1.0);
    }
    if q <= 0.0 {
        return (1.0, 0.0);
    }
    let (lower_at_half, _, _) = beta_tails(a, b, 0.5, 0.5);
    if p <= lower_at_half {
        let x = beta_search_low_half(a, b, p, q);
        (x, 1.0 - x)
    } else {
        // I_x(a, b) = p ⟺ I_y(b, a) = q with y = 1 − x: search y below ½ so that it keeps its precision.
        let y = beta_search_low_half(b, a, q, p);
        (1.0 - y, y)
    }
}

/// Quantile of the Beta(a, b) distribution: the x with P(X ≤ x) = p.
///
/// Terminates for every input and keeps close to full relative precision for shapes up to 1e9 and beyond
/// (see the module notes). Shapes must be positive and finite, p in [0, 1].
pub fn beta_quantile(p: f64, a: f64, b: f64) -> Result<f64> {
    check_shapes(a, b)?;
    let p = check_probability("beta probability", p)?;
    Ok(beta_inverse(a, b, p, 1.0 - p).0)
}

/// Upper quantile of the Beta(a, b) distribution: the x with P(X > x) = q.
///
/// Equal to `beta_quantile(1 − q, a, b)`, but q is used as given, so q = 1e-20 still means 1e-20.
pub fn beta_quantile_upper(q: f64, a: f64, b: f64) -> Result<f64> {
    check_shapes(a, b)?;
    let q = check_probability("beta upper-tail probability", q)?;
    Ok(beta_inverse(a, b, 1.0 - q, q).0)
}

// ---------------------------------------------------------------------------------------------------------------
// Student t.

fn check_df(df: f64, min: f64) -> Result<f64> {
    if df >= min && df.is_finite() {
        Ok(df)
    } else if min > 0.0 {
        Err(CxError::invalid_argument(
            "degrees of freedom",
            df,
            format!("a t quantile needs at least {min} degree of freedom (and a finite number)"),
        ))
    } else {
        Err(CxError::invalid_argument(
            "degrees of freedom",
            df,
            "must be positive and finite",
        ))
    }
}

/// P(T ≤ t) for t ≤ 0 and its density, with T ~ t(df).
fn t_lower_and_density(t: f64, df: f64) -> (f64, f64) {
    // P(T ≤ −|t|) = ½ I_x(df/2, ½) with x = df/(df + t²); both x and 1 − x come from r = t²/df directly.
    let r = t * t / df;
    let (x, y) = if r > 1e300 {
        (1.0 / r, 1.0)
    } else {
        (1.0 / (1.0 + r), r / (1.0 + r))
    };
    let (two_sided, _, _) = beta_tails(0.5 * df, 0.5, x, y);
    let ln_density = -0.5 * (df + 1.0) * r.ln_1p() - 0.5 * df.ln() - ln_beta(0.5 * df, 0.5);
    (0.5 * two_sided, ln_density.exp())
}

/// The Cornish–Fisher expansion of the t quantile in the normal quantile z, to the 1/df⁴ term
/// (Abramowitz and Stegun 26.7.5).
fn t_cornish_fisher(z: f64, df: f64) -> f64 {
    let z2 = z * z;
    let g1 = z * (z2 + 1.0) / 4.0;
    let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
}

/// d/dz of [`t_cornish_fisher`].
fn t_cornish_fisher_slope(z: f64, df: f64) -> f64 {
    let z2 = z * z;
    let d1 = (3.0 * z2 + 1.0) / 4.0;
    let d2 = ((25.0 * z2 + 48.0) * z2 + 3.0) / 96.0;
    let d3 = (((21.0 * z2 + 95.0) * z2 + 51.0) * z2 - 15.0) / 384.0;
    let d4 = ((((711.0 * z2 + 5432.0) * z2 + 7410.0) * z2 - 5760.0) * z2 - 945.0) / 92160.0;
    1.0 + (d1 + (d2 + (d3 + d4 / df) / df) / df) / df
}

/// The normal quantile z ≥ 0 whose Cornish–Fisher t value is `t` ≥ 0 (Newton; the map is close to the identity
/// for df ≥ [`T_EXPANSION_DF`] and t² ≤ df/100, where this is used).
fn t_to_z(t: f64, df: f64) -> f64 {
    let mut z = t;
    for _ in 0..MAX_ROOT_STEPS {
        let step = (t_cornish_fisher(z, df) - t) / t_cornish_fisher_slope(z, df);
        z -= step;
        if step.abs() <= 2.0 * f64::EPSILON * z.abs() {
            break;
        }
    }
    z
}

/// The t(df) quantile with lower-tail probability p ≤ ½ (a value ≤ 0), df ≥ 1.
fn t_lower_quantile(p: f64, df: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 0.5 {
        return 0.0;
    }
    if df == 1.0 {
        // Cauchy: −cot(πp).
        return -1.0 / (std::f64::consts::PI * p).tan();
    }
    if df == 2.0 {
        let q = 1.0 - p;
        return (p - q) / (2.0 * p * q).sqrt();
    }
    let z = normal_quantile(p);
    let expansion = t_cornish_fisher(z, df);
    if df >= T_EXPANSION_DF {
        return expansion;
    }
    // Newton on s = ln(−t), where the heavy tail F ≈ C·|t|^(−df) is close to linear in log–log scale.
    let ln_p = p.ln();
    let g = |s: f64| {
        let t = -s.exp();
        let (lower, density) = t_lower_and_density(t, df);
        // Increasing in s: ln p − ln F(−e^s); slope = density·|t|/F.
        (ln_p - lower.ln(), density * -t / lower)
    };
    let start = if expansion < 0.0 && expansion.is_finite() {
        (-expansion).ln()
    } else {
        0.0
    };
    -newton_bracketed(g, -700.0, 700.0, start).exp()
}

/// Student t quantile with `df` degrees of freedom: the t with P(T ≤ t) = p.
///
/// Needs df ≥ 1: below one degree of freedom the quantiles explode (the 97.5% point passes 1e8 near df = 0.2),
/// so smaller df are refused with `InvalidArgument` rather than answered with a meaningless interval.
/// Closed forms for df = 1 and 2, the Cornish–Fisher expansion for df ≥ [`T_EXPANSION_DF`], a bracketed Newton
/// inversion of the incomplete beta otherwise; accurate to about 1e-12 relative and always terminating.
///
/// ```
/// use cx_core::stats::t_quantile;
///
/// assert!((t_quantile(0.975, 10.0)? - 2.228_138_851_986_274).abs() < 1e-12);
/// assert!(t_quantile(0.975, 0.5).is_err());
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn t_quantile(p: f64, df: f64) -> Result<f64> {
    let df = check_df(df, 1.0)?;
    let p = check_probability("t probability", p)?;
    Ok(if p <= 0.5 {
        t_lower_quantile(p, df)
    } else {
        -t_lower_quantile(1.0 - p, df)
    })
}

/// Two-sided critical value of Student's t for a confidence level (df ≥ 1, see [`t_quantile`]).
pub fn t_for_level(level: f64, df: f64) -> Result<f64> {
    let alpha = 1.0 - check_level(level)?;
    let df = check_df(df, 1.0)?;
    Ok(-t_lower_quantile(alpha / 2.0, df))
}

/// Two-sided p-value of a t statistic with `df` > 0 degrees of freedom: I_{df/(df+t²)}(df/2, ½).
pub fn t_two_sided_p(t: f64, df: f64) -> Result<f64> {
    let df = check_df(df, 0.0)?;
    if df <= 0.0 {
        return Err(CxError::invalid_argument(
            "degrees of freedom",
            df,
            "must be positive and finite",
        ));
    }
    if t.is_nan() {
        return Ok(f64::NAN);
    }
    if df >= T_EXPANSION_DF && t * t <= 0.01 * df {
        // The incomplete beta's argument df/(df + t²) is within 1e-2 of 1 here; the expansion is exact to ~1e-12.
        return Ok((2.0 * normal_sf(t_to_z(t.abs(), df))).min(1.0));
    }
    Ok((2.0 * t_lower_and_density(-t.abs(), df).0).min(1.0))
}

// ---------------------------------------------------------------------------------------------------------------
// Binomial.

fn check_binomial_p(p: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(CxError::invalid_argument("binomial p", p, "must lie in [0, 1]"))
    }
}

/// P(X ≤ k) for X ~ Binomial(n, p).
pub fn binomial_cdf(k: u64, n: u64, p: f64) -> Result<f64> {
    let p = check_binomial_p(p)?;
    if k >= n {
        return Ok(1.0);
    }
    // P(X ≤ k) = 1 − I_p(k + 1, n − k), read from the directly computed upper beta tail.
    Ok(beta_tails(k as f64 + 1.0, (n - k) as f64, p, 1.0 - p).1)
}

/// P(X > k) for X ~ Binomial(n, p), computed directly (not as 1 − CDF), so tiny tails keep their precision.
pub fn binomial_sf(k: u64, n: u64, p: f64) -> Result<f64> {
    let p = check_binomial_p(p)?;
    if k >= n {
        return Ok(0.0);
    }
    Ok(beta_tails(k as f64 + 1.0, (n - k) as f64, p, 1.0 - p).0)
}

/// P(X = k) for X ~ Binomial(n, p), by Loader's saddle-point formula (accurate for n in the billions).
pub fn binomial_pmf(k: u64, n: u64, p: f64) -> Result<f64> {
    let p = check_binomial_p(p)?;
    if k > n {
        return Ok(0.0);
    }
    let q = 1.0 - p;
    let (x, nf) = (k as f64, n as f64);
    if p == 0.0 {
        return Ok(if k == 0 { 1.0 } else { 0.0 });
    }
    if q == 0.0 {
        return Ok(if k == n { 1.0 } else { 0.0 });
    }
    if k == 0 {
        let lc = if p < 0.1 {
            -bd0(nf, nf * q) - nf * p
        } else {
            nf * q.ln()
        };
        return Ok(lc.exp());
    }
    if k == n {
        let lc = if q < 0.1 {
            -bd0(nf, nf * p) - nf * q
        } else {
            nf * p.ln()
        };
        return Ok(lc.exp());
    }
    let lc = stirling_error(nf) - stirling_error(x) - stirling_error(nf - x) - bd0(x, nf * p) - bd0(nf - x, nf * q);
    let lf = 2.0 * LN_SQRT_2PI + x.ln() + (-x / nf).ln_1p();
    Ok((lc - 0.5 * lf).exp())
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

    fn rel(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs()
    }

    #[test]
    fn t_quantiles_match_scipy_for_every_df() {
        // scipy.stats.t.ppf(0.975, df) and scipy.stats.t.ppf(1e-20, df) (scipy 1.x, Boost's quantile).
        let cases = [
            (3.0, 3.182_446_305_283_707_8, -4_795_275.720_468_973),
            (10.0, 2.228_138_851_986_274, -256.434_699_318_526_16),
            (30.5, 2.040_869_445_186_32, -22.273_887_397_914_542),
            (1e3, 1.962_339_080_826_408_3, -9.467_044_815_255_925),
            (99_999.0, 1.959_987_707_771_844_2, -9.264_350_196_384_171),
            (1e5, 1.959_987_707_534_609_5, -9.264_350_176_279_423),
            (9.4e6, 1.959_964_236_909_365_5, -9.262_361_469_819_869),
            (1.4e7, 1.959_964_153_988_013_3, -9.262_354_444_946_476),
            (1e9, 1.959_963_986_912_325, -9.262_340_290_770_22),
        ];
        for (df, upper, far_lower) in cases {
            let got = t_quantile(0.975, df).unwrap();
            assert!(
                rel(got, upper) < 1e-12,
                "df {df}: {got} vs {upper} ({:e})",
                rel(got, upper)
            );
            let got = t_for_level(0.95, df).unwrap();
            assert!(rel(got, upper) < 1e-12, "df {df}: {got} vs {upper}");
            let got = t_quantile(1e-20, df).unwrap();
            assert!(
                rel(got, far_lower) < 1e-11,
                "df {df}: {got} vs {far_lower} ({:e})",
                rel(got, far_lower)
            );
        }
        // Closed forms: Cauchy and df = 2.
        assert!(rel(t_quantile(0.975, 1.0).unwrap(), 12.706_204_736_174_698) < 1e-13);
        assert!(rel(t_quantile(0.975, 2.0).unwrap(), 4.302_652_729_749_464) < 1e-13);
    }

    #[test]
    fn t_quantiles_refuse_less_than_one_degree_of_freedom() {
        for df in [0.5, 0.2, 0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(
                matches!(t_quantile(0.975, df), Err(CxError::InvalidArgument { .. })),
                "{df}"
            );
            assert!(
                matches!(t_for_level(0.95, df), Err(CxError::InvalidArgument { .. })),
                "{df}"
            );
        }
    }

    #[test]
    fn t_p_values_match_scipy() {
        // 2 * scipy.stats.t.sf(t, df)
        assert!(rel(t_two_sided_p(2.5, 7.3).unwrap(), 0.039_650_234_665_600_43) < 1e-12);
        assert!(rel(t_two_sided_p(-40.0, 3.0).unwrap(), 3.438_068_078_915_850_6e-5) < 1e-11);
        assert!(rel(t_two_sided_p(3.0, 1e9).unwrap(), 0.002_699_796_129_737_913) < 1e-12);
        // 2 * scipy.stats.t.sf(5, 1e9), 2 * t.sf(3, 99999), 2 * t.sf(300, 1e6)
        assert!(rel(t_two_sided_p(5.0, 1e9).unwrap(), 5.733_032_403_951_619e-7) < 1e-11);
        assert!(rel(t_two_sided_p(3.0, 99_999.0).unwrap(), 0.002_700_460_890_713_429) < 1e-11);
        assert!(rel(t_two_sided_p(9.0, 1e4).unwrap(), 2.667_843_269_468_660_6e-19) < 1e-11);
    }

    #[test]
    fn beta_quantiles_match_scipy_at_extreme_shapes() {
        // scipy.stats.beta.ppf / beta.isf
        let got = beta_quantile(0.025, 5.0, 1e9 - 4.0).unwrap();
        assert!(rel(got, 1.623_486_392_047_539_8e-9) < 1e-12, "{got}");
        // beta.isf(0.025, 6, 1e9 - 5) = 1.1668332001417841e-08 is itself 3e-9 off (its sf there is 0.0250000006);
        // the reference is brentq(lambda x: beta.sf(x, 6, 1e9 - 5) - 0.025, 1e-9, 1e-7, xtol=1e-30, rtol=1e-15).
        let got = beta_quantile_upper(0.025, 6.0, 1e9 - 5.0).unwrap();
        assert!(rel(got, 1.166_833_204_040_954_5e-8) < 1e-11, "{got}");
        let got = beta_quantile(0.025, 5e8 + 0.5, 5e8 + 0.5).unwrap();
        assert!(rel(got, 0.499_969_010_248_422_2) < 1e-12, "{got}");
        let got = beta_quantile_upper(0.025, 10.5, 1e7 - 9.5).unwrap();
        assert!(rel(got, 1.773_943_064_471_412_4e-6) < 1e-12, "{got}");
        let got = beta_quantile(0.025, 0.5, 0.5).unwrap();
        assert!(rel(got, 0.001_541_333_133_436_012) < 1e-12, "{got}");
        let got = beta_quantile_upper(1e-10, 2.5, 3.5).unwrap();
        assert!(rel(got, 0.999_226_051_885_412) < 1e-12, "{got}");
    }

    #[test]
    fn binomial_tails_are_survival_functions() {
        // scipy.stats.binom.sf(58, 60, 0.5) = 61 / 2^60; binom.pmf(3, 1e9, 2e-9); binom.cdf(499990000, 1e9, .5)
        assert!(rel(binomial_sf(58, 60, 0.5).unwrap(), 61.0 / 2f64.powi(60)) < 1e-13);
        assert!(rel(binomial_pmf(3, 1_000_000_000, 2e-9).unwrap(), 0.180_447_044_495_930_46) < 1e-12);
        assert!(
            rel(
                binomial_cdf(499_990_000, 1_000_000_000, 0.5).unwrap(),
                0.263_554_957_377_653_17
            ) < 1e-10
        );
    }

    #[test]
    fn bisection_finds_the_root() {
        let r = bisect_decreasing(|x| 0.3 - x, -1.0, 1.0);
        assert!((r - 0.3).abs() < 1e-14);
    }
}
