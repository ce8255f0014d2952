//! Multiple-comparison adjustment of p-values: Holm (family-wise error) and Benjamini–Hochberg (false
//! discovery rate).

use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// A p-value adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PAdjust {
    /// Holm's step-down method: controls the family-wise error rate.
    Holm,
    /// Benjamini–Hochberg step-up method: controls the false discovery rate.
    BenjaminiHochberg,
    /// No adjustment.
    None,
}

impl PAdjust {
    /// Parses `holm`, `bh` (or `fdr_bh`, `benjamini_hochberg`) or `none`.
    pub fn parse(name: &str) -> Result<PAdjust> {
        Ok(match name {
            "holm" => PAdjust::Holm,
            "bh" | "fdr_bh" | "benjamini_hochberg" => PAdjust::BenjaminiHochberg,
            "none" => PAdjust::None,
            _ => {
                return Err(CxError::UnknownName {
                    kind: "p-value adjustment".into(),
                    name: name.into(),
                    expected: "holm, bh, none".into(),
                });
            }
        })
    }
}

/// Adjusts p-values, returned in input order.
///
/// ```
/// use cx_core::survey::{adjust_pvalues, PAdjust};
///
/// // R: p.adjust(c(0.01, 0.04, 0.03), "holm") = 0.03 0.06 0.06
/// let holm = adjust_pvalues(&[0.01, 0.04, 0.03], PAdjust::Holm)?;
/// assert!((holm[0] - 0.03).abs() < 1e-12 && (holm[1] - 0.06).abs() < 1e-12 && (holm[2] - 0.06).abs() < 1e-12);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn adjust_pvalues(p_values: &[f64], method: PAdjust) -> Result<Vec<f64>> {
    if let Some((index, &p)) = p_values.iter().enumerate().find(|(_, p)| !(0.0..=1.0).contains(*p)) {
        return Err(CxError::invalid_argument(
            format!("p_values[{index}]"),
            p,
            "p-values must lie in [0, 1]",
        ));
    }
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![0.0; m];
    match method {
        PAdjust::None => adjusted.copy_from_slice(p_values),
        PAdjust::Holm => {
            let mut running_max = 0.0f64;
            for (rank, &i) in order.iter().enumerate() {
                running_max = running_max.max(((m - rank) as f64 * p_values[i]).min(1.0));
                adjusted[i] = running_max;
            }
        }
        PAdjust::BenjaminiHochberg => {
            let mut running_min = 1.0f64;
            for (rank, &i) in order.iter().enumerate().rev() {
                running_min = running_min.min(m as f64 / (rank + 1) as f64 * p_values[i]);
                adjusted[i] = running_min;
            }
        }
    }
    Ok(adjusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_r_p_adjust() {
        // R: p <- c(0.01, 0.02, 0.03, 0.04, 0.05, 0.5)
        let p = [0.01, 0.02, 0.03, 0.04, 0.05, 0.5];
        let bh = adjust_pvalues(&p, PAdjust::BenjaminiHochberg).unwrap();
        let want_bh = [0.06, 0.06, 0.06, 0.06, 0.06, 0.5];
        let holm = adjust_pvalues(&p, PAdjust::Holm).unwrap();
        let want_holm = [0.06, 0.10, 0.12, 0.12, 0.12, 0.5];
        for i in 0..6 {
            assert!((bh[i] - want_bh[i]).abs() < 1e-12, "bh {i}: {}", bh[i]);
            assert!((holm[i] - want_holm[i]).abs() < 1e-12, "holm {i}: {}", holm[i]);
        }
    }

    #[test]
    fn bad_p_values_name_their_index() {
        let e = adjust_pvalues(&[0.1, f64::NAN], PAdjust::Holm).unwrap_err();
        assert!(e.to_string().contains("p_values[1]"), "{e}");
        assert!(adjust_pvalues(&[1.5], PAdjust::BenjaminiHochberg).is_err());
        assert_eq!(adjust_pvalues(&[], PAdjust::Holm).unwrap(), Vec::<f64>::new());
    }
}
