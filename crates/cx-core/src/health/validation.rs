//! Validating a health score against later outcomes: does a low score actually precede churn?
//!
//! - **ROC AUC** (Mann–Whitney with mid-ranks, so ties count one half): the probability that a retained account
//!   scored higher than a churned one. 0.5 is no separation; below 0.5 the score points the wrong way.
//! - **Per band**: accounts, churned, churn rate, and lift over the base churn rate.
//! - **Top decile**: the 10% lowest-scored accounts (ties at the cut broken by input order): churn rate, lift, and
//!   capture (the share of all churners found there).
//! - **At a band threshold**: flag accounts in that band or worse; precision and recall of the flag.
//!
//! Accounts without a score (NaN) are left out and counted in `n_unscored`.

use super::scorecard::Bands;
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// Outcomes of one band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandOutcome {
    /// Band name.
    pub band: String,
    /// Scored accounts in the band.
    pub n: u64,
    /// Of which churned.
    pub churned: u64,
    /// churned / n (NaN for an empty band).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub churn_rate: f64,
    /// churn_rate / base rate (NaN for an empty band).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub lift: f64,
}

/// Outcomes of the riskiest 10%.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecileOutcome {
    /// Accounts in the decile (⌈n/10⌉).
    pub n: u64,
    /// Of which churned.
    pub churned: u64,
    /// churned / n.
    pub churn_rate: f64,
    /// churn_rate / base rate.
    pub lift: f64,
    /// churned / all churned.
    pub capture: f64,
}

/// Precision and recall of flagging a band and every worse band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdOutcome {
    /// The band flagged (with every worse band).
    pub band: String,
    /// Accounts flagged.
    pub flagged: u64,
    /// Churned among the flagged / flagged (NaN when none is flagged).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub precision: f64,
    /// Churned among the flagged / all churned.
    pub recall: f64,
}

/// How well scores separated later churn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreValidation {
    /// Scored accounts.
    pub n: u64,
    /// Accounts without a score, left out.
    pub n_unscored: u64,
    /// Churned accounts among the scored.
    pub churned: u64,
    /// churned / n.
    pub base_rate: f64,
    /// P(retained scored higher than churned) + ½ P(tie).
    pub auc: f64,
    /// Per band, worst first.
    pub bands: Vec<BandOutcome>,
    /// The riskiest 10%.
    pub top_decile: DecileOutcome,
    /// Flagging the at-risk band and worse.
    pub threshold: ThresholdOutcome,
}

/// Validates `scores` (NaN = unscored) against `churned`, with `bands` for the per-band view and `at_risk`
/// naming the band (and worse) to flag.
///
/// ```
/// use cx_core::health::{validate_scores, Bands, CutBelongs};
///
/// let bands = Bands { names: vec!["red".into(), "green".into()], cuts: vec![50.0], cut_belongs: CutBelongs::Upper };
/// let scores = [10.0, 20.0, 60.0, 70.0, 80.0, 30.0];
/// let churned = [true, true, false, false, false, false];
/// let v = validate_scores(&scores, &churned, &bands, "red")?;
/// assert_eq!(v.auc, 1.0); // every retained account scored above every churned one
/// assert_eq!((v.threshold.precision, v.threshold.recall), (2.0 / 3.0, 1.0));
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn validate_scores(scores: &[f64], churned: &[bool], bands: &Bands, at_risk: &str) -> Result<ScoreValidation> {
    CxError::check_len("churned", scores.len(), churned.len())?;
    let at_risk_index = bands.position(at_risk).ok_or_else(|| CxError::UnknownName {
        kind: "band".into(),
        name: at_risk.into(),
        expected: bands.names.join(", "),
    })?;
    if let Some(i) = scores.iter().position(|s| s.is_infinite()) {
        return Err(CxError::invalid_argument(
            format!("scores[{i}]"),
            scores[i],
            "scores must be finite or NaN",
        ));
    }
    let mut scored: Vec<(f64, bool, usize)> = (scores.iter().zip(churned).enumerate())
        .filter(|(_, (s, _))| !s.is_nan())
        .map(|(i, (&s, &c))| (s, c, i))
        .collect();
    let n = scored.len();
    let n_churned = scored.iter().filter(|(_, c, _)| *c).count();
    if n_churned == 0 || n_churned == n {
        return Err(CxError::InsufficientData {
            what: "validation against outcomes".into(),
            needed: "both churned and retained scored accounts".into(),
            found: format!("{n_churned} churned of {n} scored"),
        });
    }
    let base_rate = n_churned as f64 / n as f64;
    let rate = |churned: usize, of: usize| if of == 0 { f64::NAN } else { churned as f64 / of as f64 };

    // AUC from mid-ranks: U = Σ ranks of retained − n_r(n_r + 1)/2, AUC = U/(n_r · n_c).
    scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
    let mut rank_sum_retained = 0.0;
    let mut start = 0;
    while start < n {
        let end = start + scored[start..].iter().take_while(|x| x.0 == scored[start].0).count();
        let mid_rank = (start + 1 + end) as f64 / 2.0;
        rank_sum_retained += mid_rank * scored[start..end].iter().filter(|x| !x.1).count() as f64;
        start = end;
    }
    let n_retained = (n - n_churned) as f64;
    let auc = (rank_sum_retained - n_retained * (n_retained + 1.0) / 2.0) / (n_retained * n_churned as f64);

    let mut per_band = vec![(0usize, 0usize); bands.names.len()];
    for &(s, c, _) in &scored {
        let b = &mut per_band[bands.index_of(s)];
        b.0 += 1;
        b.1 += usize::from(c);
    }
    let band_outcomes = (bands.names.iter().zip(&per_band))
        .map(|(name, &(of, churned))| BandOutcome {
            band: name.clone(),
            n: of as u64,
            churned: churned as u64,
            churn_rate: rate(churned, of),
            lift: rate(churned, of) / base_rate,
        })
        .collect();

    let decile_n = n.div_ceil(10);
    let decile_churned = scored[..decile_n].iter().filter(|x| x.1).count();
    let (flagged, flagged_churned) = per_band[..=at_risk_index]
        .iter()
        .fold((0, 0), |(f, c), &(of, churned)| (f + of, c + churned));
    Ok(ScoreValidation {
        n: n as u64,
        n_unscored: (scores.len() - n) as u64,
        churned: n_churned as u64,
        base_rate,
        auc,
        bands: band_outcomes,
        top_decile: DecileOutcome {
            n: decile_n as u64,
            churned: decile_churned as u64,
            churn_rate: rate(decile_churned, decile_n),
            lift: rate(decile_churned, decile_n) / base_rate,
            capture: decile_churned as f64 / n_churned as f64,
        },
        threshold: ThresholdOutcome {
            band: at_risk.into(),
            flagged: flagged as u64,
            precision: rate(flagged_churned, flagged),
            recall: flagged_churned as f64 / n_churned as f64,
        },
    })
}
