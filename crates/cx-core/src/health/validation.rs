//! Validating a health score against later outcomes: does a low score actually precede churn?
//!
//! - **ROC AUC** (Mann–Whitney with mid-ranks, so ties count one half): the probability that a retained account
//!   scored higher than a churned one. 0.5 is no separation; below 0.5 the score points the wrong way.
//! - **Per band**: accounts, churned, churn rate, and lift over the base churn rate.
//! - **Top decile**: the 10% lowest-scored accounts (at a tie across the cut, retained accounts are taken first,
//!   so the order of the rows never matters): churn rate, lift, and capture (the share of all churners found there).
//! - **At a band threshold**: flag accounts in that band or worse; precision and recall of the flag.
//!
//! Accounts without a score (NaN) are left out and counted in `n_unscored`.

use super::scorecard::Bands;
use crate::state::{Kind, Reader, Writer};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
/// naming the band (and worse) to flag. The same as [`ValidationCounts::from_scores`] then
/// [`ValidationCounts::validate`], which is how partitions of a larger table are validated.
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
    ValidationCounts::from_scores(scores, churned)?.validate(bands, at_risk)
}

/// Accounts per distinct score, retained and churned, and the unscored: everything [`validate_scores`] needs,
/// as a state that merges (by adding counts) and serialises, so each partition of an accounts table can count
/// its own and the merged counts validate the whole table exactly.
///
/// ```
/// use cx_core::health::{validate_scores, Bands, CutBelongs, ValidationCounts};
///
/// let bands = Bands { names: vec!["red".into(), "green".into()], cuts: vec![50.0], cut_belongs: CutBelongs::Upper };
/// let (scores, churned) = ([10.0, 20.0, 60.0, 70.0, 80.0, 30.0], [true, true, false, false, true, false]);
/// let mut counts = ValidationCounts::from_scores(&scores[..2], &churned[..2])?;
/// let rest = ValidationCounts::from_scores(&scores[2..], &churned[2..])?;
/// counts.merge(&ValidationCounts::from_bytes(&rest.to_bytes())?)?;
/// assert_eq!(counts.validate(&bands, "red")?, validate_scores(&scores, &churned, &bands, "red")?);
/// # Ok::<(), cx_core::CxError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidationCounts {
    /// Distinct score (as ordered bits, −0 stored as +0) → (retained, churned).
    by_score: BTreeMap<OrderedScore, (u64, u64)>,
    n_unscored: u64,
}

/// A finite score ordered as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct OrderedScore(i64);

impl OrderedScore {
    pub(crate) fn new(score: f64) -> OrderedScore {
        // The IEEE bits of a finite float, with the negative half flipped, order like the numbers; adding 0.0
        // turns −0 into +0 so that the two zeros are one score, as they are equal.
        let bits = (score + 0.0).to_bits() as i64;
        OrderedScore(bits ^ (((bits >> 63) as u64) >> 1) as i64)
    }

    pub(crate) fn value(self) -> f64 {
        f64::from_bits((self.0 ^ (((self.0 >> 63) as u64) >> 1) as i64) as u64)
    }
}

impl ValidationCounts {
    /// Counts `scores` (NaN = unscored; infinite is an error naming the index) against `churned`.
    pub fn from_scores(scores: &[f64], churned: &[bool]) -> Result<ValidationCounts> {
        CxError::check_len("churned", scores.len(), churned.len())?;
        if let Some(i) = scores.iter().position(|s| s.is_infinite()) {
            return Err(CxError::invalid_argument(
                format!("scores[{i}]"),
                scores[i],
                "scores must be finite or NaN",
            ));
        }
        let mut counts = ValidationCounts::default();
        for (&s, &c) in scores.iter().zip(churned) {
            if s.is_nan() {
                counts.n_unscored += 1;
                continue;
            }
            let entry = counts.by_score.entry(OrderedScore::new(s)).or_default();
            if c {
                entry.1 += 1;
            } else {
                entry.0 += 1;
            }
        }
        Ok(counts)
    }

    /// Adds another table's counts: the result equals counting both tables at once.
    ///
    /// Counts are `u64`: if the merged scored accounts (all scores together) or the merged unscored accounts
    /// would exceed 2^64 − 1, the merge is refused with [`CxError::Overflow`] and `self` is left unchanged, rather
    /// than wrapping to a small count that would validate as a different table.
    pub fn merge(&mut self, other: &ValidationCounts) -> Result<()> {
        // Checked up front so that a refused merge changes nothing. The total bounds every per-score count and
        // every sum that `validate` forms, so no addition below can wrap.
        self.n()
            .checked_add(other.n())
            .ok_or_else(|| CxError::overflow("merged scored accounts of the validation counts exceed 2^64 - 1"))?;
        let n_unscored = (self.n_unscored.checked_add(other.n_unscored))
            .ok_or_else(|| CxError::overflow("merged unscored accounts of the validation counts exceed 2^64 - 1"))?;
        for (&score, &(retained, churned)) in &other.by_score {
            let entry = self.by_score.entry(score).or_default();
            entry.0 += retained;
            entry.1 += churned;
        }
        self.n_unscored = n_unscored;
        Ok(())
    }

    /// Scored accounts (at most 2^64 − 1: [`ValidationCounts::merge`] and [`ValidationCounts::from_bytes`]
    /// refuse counts whose total would not fit).
    pub fn n(&self) -> u64 {
        self.by_score.values().map(|(r, c)| r + c).sum()
    }

    /// Accounts without a score.
    pub fn n_unscored(&self) -> u64 {
        self.n_unscored
    }

    /// The validation of the counted accounts (see the [module docs](self)). Ties at the cut of the top decile
    /// are broken against the score: retained accounts are taken first, so the lift is never flattered by the
    /// order of the rows.
    pub fn validate(&self, bands: &Bands, at_risk: &str) -> Result<ScoreValidation> {
        // Bands arrive here on their own (not through a scorecard, which checks them when parsed): a name short of
        // the cuts would index past the per-band counts.
        bands.check()?;
        let at_risk_index = bands.position(at_risk).ok_or_else(|| CxError::UnknownName {
            kind: "band".into(),
            name: at_risk.into(),
            expected: bands.names.join(", "),
        })?;
        let n = self.n();
        let n_churned: u64 = self.by_score.values().map(|(_, c)| c).sum();
        if n_churned == 0 || n_churned == n {
            return Err(CxError::InsufficientData {
                what: "validation against outcomes".into(),
                needed: "both churned and retained scored accounts".into(),
                found: format!("{n_churned} churned of {n} scored"),
            });
        }
        let base_rate = n_churned as f64 / n as f64;
        let rate = |churned: u64, of: u64| if of == 0 { f64::NAN } else { churned as f64 / of as f64 };

        // AUC from mid-ranks: U = Σ ranks of retained − n_r(n_r + 1)/2, AUC = U/(n_r · n_c).
        let mut rank_sum_retained = 0.0;
        let mut below = 0u64;
        let decile_n = n.div_ceil(10);
        let (mut decile_left, mut decile_churned) = (decile_n, 0u64);
        let mut per_band = vec![(0u64, 0u64); bands.names.len()];
        for (score, &(retained, churned)) in &self.by_score {
            let tied = retained + churned;
            // In u128: `2 · below` alone may pass 2^64 when the (merged) total is above 2^63.
            let mid_rank = (2 * u128::from(below) + 1 + u128::from(tied)) as f64 / 2.0;
            rank_sum_retained += mid_rank * retained as f64;
            below += tied;
            let taken_retained = retained.min(decile_left);
            let taken_churned = churned.min(decile_left - taken_retained);
            decile_churned += taken_churned;
            decile_left -= taken_retained + taken_churned;
            let b = &mut per_band[bands.index_of(score.value())];
            b.0 += tied;
            b.1 += churned;
        }
        let n_retained = (n - n_churned) as f64;
        let auc = (rank_sum_retained - n_retained * (n_retained + 1.0) / 2.0) / (n_retained * n_churned as f64);

        let band_outcomes = (bands.names.iter().zip(&per_band))
            .map(|(name, &(of, churned))| BandOutcome {
                band: name.clone(),
                n: of,
                churned,
                churn_rate: rate(churned, of),
                lift: rate(churned, of) / base_rate,
            })
            .collect();
        let (flagged, flagged_churned) = per_band[..=at_risk_index]
            .iter()
            .fold((0, 0), |(f, c), &(of, churned)| (f + of, c + churned));
        Ok(ScoreValidation {
            n,
            n_unscored: self.n_unscored,
            churned: n_churned,
            base_rate,
            auc,
            bands: band_outcomes,
            top_decile: DecileOutcome {
                n: decile_n,
                churned: decile_churned,
                churn_rate: rate(decile_churned, decile_n),
                lift: rate(decile_churned, decile_n) / base_rate,
                capture: decile_churned as f64 / n_churned as f64,
            },
            threshold: ThresholdOutcome {
                band: at_risk.into(),
                flagged,
                precision: rate(flagged_churned, flagged),
                recall: flagged_churned as f64 / n_churned as f64,
            },
        })
    }

    /// The counts as bytes (see [`crate::state`]): the unscored, then each distinct score with its counts.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Kind::Validation);
        w.varint(self.n_unscored);
        w.len(self.by_score.len());
        for (score, &(retained, churned)) in &self.by_score {
            w.f64(score.value());
            w.varint(retained);
            w.varint(churned);
        }
        w.finish()
    }

    /// Reads bytes written by [`ValidationCounts::to_bytes`]; damaged or inconsistent bytes are an error, and
    /// counts whose total exceeds 2^64 − 1 are [`CxError::Overflow`].
    pub fn from_bytes(bytes: &[u8]) -> Result<ValidationCounts> {
        let mut r = Reader::open(bytes, Kind::Validation)?;
        let mut counts = ValidationCounts {
            n_unscored: r.varint()?,
            ..Default::default()
        };
        let n = r.len(10)?;
        let mut last: Option<OrderedScore> = None;
        let mut total = 0u64;
        for _ in 0..n {
            let score = r.f64()?;
            let (retained, churned) = (r.varint()?, r.varint()?);
            let key = OrderedScore::new(score);
            if !score.is_finite() || score.to_bits() == (-0.0f64).to_bits() {
                return Err(r.error(format!("score {score} is not a finite number (or is -0)")));
            }
            if last.is_some_and(|l| l >= key) {
                return Err(r.error(format!("score {score} is out of order or repeated")));
            }
            // Checked: the bytes may come from anywhere, and a total past 2^64 − 1 would wrap in `n()`.
            let accounts = retained.checked_add(churned).ok_or_else(|| {
                CxError::overflow(format!(
                    "accounts of score {score} in the validation counts exceed 2^64 - 1"
                ))
            })?;
            if accounts == 0 {
                return Err(r.error(format!("score {score} has no accounts")));
            }
            total = total.checked_add(accounts).ok_or_else(|| {
                CxError::overflow(format!(
                    "scored accounts up to score {score} in the validation counts exceed 2^64 - 1"
                ))
            })?;
            counts.by_score.insert(key, (retained, churned));
            last = Some(key);
        }
        r.end()?;
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::CutBelongs;

    fn counts(by_score: &[(f64, u64, u64)], n_unscored: u64) -> ValidationCounts {
        ValidationCounts {
            by_score: by_score
                .iter()
                .map(|&(s, r, c)| (OrderedScore::new(s), (r, c)))
                .collect(),
            n_unscored,
        }
    }

    fn is_overflow(r: Result<impl std::fmt::Debug>) -> bool {
        matches!(r, Err(CxError::Overflow { .. }))
    }

    #[test]
    fn bands_with_too_few_names_are_a_config_error_not_a_panic() {
        // Found by the ffi_options fuzz target: one band name for two cuts indexed past the per-band counts.
        let v = counts(&[(10.0, 3, 1), (60.0, 2, 1), (90.0, 4, 0)], 0);
        let bands = |names: &[&str], cuts: &[f64]| Bands {
            names: names.iter().map(|n| n.to_string()).collect(),
            cuts: cuts.to_vec(),
            cut_belongs: CutBelongs::Upper,
        };
        let err = v.validate(&bands(&["red"], &[50.0, 75.0]), "red").unwrap_err();
        assert!(
            matches!(&err, CxError::InvalidConfig { field, .. } if field == "bands.names"),
            "{err}"
        );
        let err = v
            .validate(&bands(&["red", "red", "green"], &[50.0, 75.0]), "red")
            .unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
        let err = v
            .validate(&bands(&["red", "yellow", "green"], &[75.0, 50.0]), "red")
            .unwrap_err();
        assert!(err.to_string().contains("bands.cuts[1]"), "{err}");
        let ok = v
            .validate(&bands(&["red", "yellow", "green"], &[50.0, 75.0]), "red")
            .unwrap();
        assert_eq!(ok.bands.len(), 3);
    }

    #[test]
    fn a_merge_past_u64_max_is_refused_and_changes_nothing() {
        // The same score: its retained count alone would wrap.
        let mut a = counts(&[(10.0, u64::MAX - 1, 0)], 0);
        let before = a.clone();
        assert!(is_overflow(a.merge(&counts(&[(10.0, 2, 0)], 0))));
        assert_eq!(a, before);
        // Different scores: every count fits, the total of scored accounts does not.
        let mut a = counts(&[(10.0, 1 << 63, 0)], 0);
        assert!(is_overflow(a.merge(&counts(&[(90.0, 0, 1 << 63)], 0))));
        assert_eq!(a.n(), 1 << 63);
        // The unscored.
        let mut a = counts(&[(10.0, 1, 1)], u64::MAX);
        assert!(is_overflow(a.merge(&counts(&[(10.0, 1, 1)], 1))));
        assert_eq!((a.n(), a.n_unscored()), (2, u64::MAX));
        // Up to the limit is fine.
        let mut a = counts(&[(10.0, u64::MAX - 2, 0)], 0);
        a.merge(&counts(&[(10.0, 1, 1)], 0)).unwrap();
        assert_eq!(a.n(), u64::MAX);
    }

    #[test]
    fn a_merge_of_bytes_past_u64_max_is_refused() {
        let a = counts(&[(10.0, u64::MAX - 1, 0), (20.0, 0, 1)], 0).to_bytes();
        let b = counts(&[(30.0, 0, 1)], 0).to_bytes();
        assert!(is_overflow(crate::state::merge(&a, &b)));
    }

    #[test]
    fn bytes_whose_counts_add_past_u64_max_are_refused() {
        // Each count fits; one score's retained + churned does not (it wrapped to 0: "no accounts").
        let one = counts(&[(10.0, u64::MAX, 1)], 0).to_bytes();
        assert!(is_overflow(ValidationCounts::from_bytes(&one)));
        // Two scores whose accounts add past the limit.
        let two = counts(&[(10.0, u64::MAX, 0), (20.0, 0, 1)], 0).to_bytes();
        assert!(is_overflow(ValidationCounts::from_bytes(&two)));
    }

    #[test]
    fn validation_of_counts_near_u64_max_does_not_wrap() {
        // 2 · below passes 2^64 in the mid-rank of the second score.
        let c = counts(&[(10.0, 1 << 63, 0), (90.0, 0, (1 << 63) - 1)], 0);
        let bands = Bands {
            names: vec!["red".into(), "green".into()],
            cuts: vec![50.0],
            cut_belongs: CutBelongs::Upper,
        };
        let v = c.validate(&bands, "red").unwrap();
        assert_eq!((v.n, v.churned), (u64::MAX, (1 << 63) - 1));
        assert_eq!(v.auc, 0.0); // every churned account scored above every retained one
        assert_eq!(v.bands[0].n, 1 << 63);
    }
}
