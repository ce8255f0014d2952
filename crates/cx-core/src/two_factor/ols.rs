//! Ordinary least squares by Householder QR: coefficients, standard errors, t statistics and p-values.
//!
//! QR on the design itself (never the normal equations XᵀX, which square its condition number) is the stable
//! textbook method, and a design of a few dozen dummy columns does not need a linear-algebra dependency.

use crate::{CxError, Result, stats};
use serde::{Deserialize, Serialize};

/// An OLS fit of `y` on the columns of a design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ols {
    /// Observations.
    pub n: usize,
    /// Residual degrees of freedom, n − p.
    pub df: usize,
    /// One coefficient per column.
    pub coefficients: Vec<f64>,
    /// Their standard errors, √(σ² (XᵀX)⁻¹ⱼⱼ).
    pub standard_errors: Vec<f64>,
    /// Coefficient / SE.
    pub t: Vec<f64>,
    /// Two-sided p-values of t with `df` degrees of freedom.
    pub p_values: Vec<f64>,
    /// Residual standard error σ = √(RSS / df).
    pub sigma: f64,
    /// 1 − RSS / TSS (TSS about the mean, so the design should hold an intercept); undefined when y is constant.
    pub r_squared: Option<f64>,
    /// 1 − (1 − R²)(n − 1)/df.
    pub adj_r_squared: Option<f64>,
}

/// Fits `y` on the design `x`, stored column by column (`x[j * n + i]` is row i of column j), with `names[j]`
/// naming column j in errors.
///
/// Errors: [`CxError::RankDeficient`] naming the first column that is (numerically) a combination of the columns
/// before it; [`CxError::InsufficientData`] when there are not more rows than columns.
///
/// ```
/// use cx_core::two_factor::ols;
/// // y = 1 + 2·t exactly, plus one perturbation
/// let t = [0.0, 1.0, 2.0, 3.0];
/// let y = [1.0, 3.0, 5.5, 7.0];
/// let x: Vec<f64> = [1.0; 4].iter().chain(&t).copied().collect();
/// let fit = ols(&x, &y, &["intercept".into(), "t".into()])?;
/// assert!((fit.coefficients[1] - 2.05).abs() < 1e-12);
/// assert_eq!(fit.df, 2);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn ols(x: &[f64], y: &[f64], names: &[String]) -> Result<Ols> {
    let (n, p) = (y.len(), names.len());
    CxError::check_len("design", n * p, x.len())?;
    if n <= p {
        return Err(CxError::InsufficientData {
            what: format!("a regression on {p} columns"),
            needed: format!("{} rows", p + 1),
            found: format!("{n} rows"),
        });
    }
    let mut a = x.to_vec();
    let mut b = y.to_vec();
    let column_norms: Vec<f64> = (0..p).map(|j| norm(&a[j * n..(j + 1) * n])).collect();
    for k in 0..p {
        let column = &a[k * n + k..(k + 1) * n];
        let rest = norm(column);
        // A column left with (almost) nothing once its projection on the earlier ones is removed is their
        // combination; 1e-9 relative to its own length is far above rounding and far below real signal.
        if column_norms[k] == 0.0 || rest <= 1e-9 * column_norms[k] {
            return Err(CxError::RankDeficient {
                column: names[k].clone(),
                reason: "it has no variation left once the earlier columns are accounted for".into(),
            });
        }
        let alpha = if column[0] > 0.0 { -rest } else { rest };
        let mut v = column.to_vec();
        v[0] -= alpha;
        let v_norm2: f64 = v.iter().map(|e| e * e).sum();
        for j in k..p {
            reflect(&v, v_norm2, &mut a[j * n + k..(j + 1) * n]);
        }
        reflect(&v, v_norm2, &mut b[k..]);
    }
    let r = |i: usize, j: usize| a[j * n + i];
    // R⁻¹ column by column (back substitution); β = R⁻¹ (Qᵀy)[..p]; Cov = σ² R⁻¹ R⁻ᵀ.
    let mut r_inv = vec![0.0; p * p]; // row-major
    for j in 0..p {
        for i in (0..=j).rev() {
            let identity = if i == j { 1.0 } else { 0.0 };
            let s: f64 = (i + 1..=j).map(|k| r(i, k) * r_inv[k * p + j]).sum();
            r_inv[i * p + j] = (identity - s) / r(i, i);
        }
    }
    let coefficients: Vec<f64> = (0..p).map(|i| (i..p).map(|k| r_inv[i * p + k] * b[k]).sum()).collect();
    let rss: f64 = b[p..].iter().map(|e| e * e).sum();
    let df = n - p;
    let sigma2 = rss / df as f64;
    let standard_errors: Vec<f64> = (0..p)
        .map(|i| (sigma2 * (i..p).map(|k| r_inv[i * p + k].powi(2)).sum::<f64>()).sqrt())
        .collect();
    let t: Vec<f64> = coefficients.iter().zip(&standard_errors).map(|(c, s)| c / s).collect();
    let p_values = t
        .iter()
        .map(|&t| stats::t_two_sided_p(t, df as f64))
        .collect::<Result<Vec<f64>>>()?;
    let mean = y.iter().sum::<f64>() / n as f64;
    let tss: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let r_squared = (tss > 0.0).then(|| 1.0 - rss / tss);
    Ok(Ols {
        n,
        df,
        coefficients,
        standard_errors,
        t,
        p_values,
        sigma: sigma2.sqrt(),
        r_squared,
        adj_r_squared: r_squared.map(|r2| 1.0 - (1.0 - r2) * (n - 1) as f64 / df as f64),
    })
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|e| e * e).sum::<f64>().sqrt()
}

/// Applies the Householder reflection I − 2vvᵀ/(vᵀv) to `target`.
fn reflect(v: &[f64], v_norm2: f64, target: &mut [f64]) {
    let s: f64 = v.iter().zip(target.iter()).map(|(a, b)| a * b).sum();
    let factor = 2.0 * s / v_norm2;
    target.iter_mut().zip(v).for_each(|(t, a)| *t -= factor * a);
}
