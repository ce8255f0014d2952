//! Penalty–reward contrast analysis and impact asymmetry.
//!
//! Overall satisfaction is regressed by OLS on two dummies per attribute — rating at or below the low cut, rating
//! at or above the high cut — with the middle as the reference. The low dummy's coefficient is the penalty (what a
//! poor rating costs), the high dummy's the reward (what an excellent one earns). Impact asymmetry (Mikulić &
//! Prebežac): RIOCS = |reward| + |penalty|, SGP = |reward| / RIOCS, DGP = |penalty| / RIOCS, IA = SGP − DGP.

use super::ols::ols;
use crate::survey::MissingPolicy;
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// Cut points of one attribute: ratings ≤ `low` form the low group, ratings ≥ `high` the high group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cuts {
    /// Highest rating of the low group.
    pub low: f64,
    /// Lowest rating of the high group.
    pub high: f64,
}

/// IA bands: |IA| ≤ `hybrid` is a hybrid; beyond it a dissatisfier (IA < 0) or satisfier (IA > 0); beyond
/// `extreme` a frustrator or delighter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IaBands {
    /// Half-width of the hybrid band (default 0.2).
    pub hybrid: f64,
    /// Where frustrators and delighters begin (default 0.6).
    pub extreme: f64,
}

impl Default for IaBands {
    fn default() -> Self {
        IaBands {
            hybrid: 0.2,
            extreme: 0.6,
        }
    }
}

/// The impact-asymmetry class of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AsymmetryClass {
    /// IA below −extreme: almost only dissatisfaction-generating.
    Frustrator,
    /// IA in [−extreme, −hybrid).
    Dissatisfier,
    /// |IA| ≤ hybrid.
    Hybrid,
    /// IA in (hybrid, extreme].
    Satisfier,
    /// IA above extreme.
    Delighter,
}

impl AsymmetryClass {
    /// The class of an impact asymmetry under `bands`.
    pub fn of(ia: f64, bands: &IaBands) -> AsymmetryClass {
        match ia {
            ia if ia < -bands.extreme => AsymmetryClass::Frustrator,
            ia if ia < -bands.hybrid => AsymmetryClass::Dissatisfier,
            ia if ia <= bands.hybrid => AsymmetryClass::Hybrid,
            ia if ia <= bands.extreme => AsymmetryClass::Satisfier,
            _ => AsymmetryClass::Delighter,
        }
    }

    /// The two-factor reading: frustrators and dissatisfiers are hygiene, satisfiers and delighters motivators.
    pub fn factor(self) -> AsymmetryFactor {
        match self {
            AsymmetryClass::Frustrator | AsymmetryClass::Dissatisfier => AsymmetryFactor::Hygiene,
            AsymmetryClass::Hybrid => AsymmetryFactor::Hybrid,
            AsymmetryClass::Satisfier | AsymmetryClass::Delighter => AsymmetryFactor::Motivator,
        }
    }

    /// The class's name.
    pub fn name(self) -> &'static str {
        match self {
            AsymmetryClass::Frustrator => "frustrator",
            AsymmetryClass::Dissatisfier => "dissatisfier",
            AsymmetryClass::Hybrid => "hybrid",
            AsymmetryClass::Satisfier => "satisfier",
            AsymmetryClass::Delighter => "delighter",
        }
    }
}

/// The two-factor reading of an impact-asymmetry class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AsymmetryFactor {
    /// Mostly penalty.
    Hygiene,
    /// Both.
    Hybrid,
    /// Mostly reward.
    Motivator,
}

impl AsymmetryFactor {
    /// The name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            AsymmetryFactor::Hygiene => "hygiene",
            AsymmetryFactor::Hybrid => "hybrid",
            AsymmetryFactor::Motivator => "motivator",
        }
    }
}

/// Options of [`prca`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrcaOptions {
    /// Cut points: one pair for every attribute, or one per attribute.
    pub cuts: Vec<Cuts>,
    /// IA bands.
    #[serde(default)]
    pub bands: IaBands,
    /// Fewest ratings the low and the high group of every attribute must hold (default 10): a coefficient
    /// estimated from a handful of respondents is noise.
    #[serde(default = "default_min_group")]
    pub min_group: u64,
    /// What to do with a row holding a missing rating or overall score (NaN): skip it (listwise) or fail.
    #[serde(default)]
    pub missing: MissingPolicy,
}

fn default_min_group() -> u64 {
    10
}

impl PrcaOptions {
    /// The same cut points for every attribute, default bands and group minimum.
    pub fn new(low: f64, high: f64) -> PrcaOptions {
        PrcaOptions {
            cuts: vec![Cuts { low, high }],
            bands: IaBands::default(),
            min_group: default_min_group(),
            missing: MissingPolicy::Skip,
        }
    }

    fn check(&self, k: usize) -> Result<()> {
        if self.cuts.len() != 1 && self.cuts.len() != k {
            return Err(CxError::invalid_argument(
                "cuts",
                format!("{} pairs", self.cuts.len()),
                format!("one pair for every attribute or one per attribute ({k})"),
            ));
        }
        if let Some(c) = self
            .cuts
            .iter()
            .find(|c| !(c.low.is_finite() && c.high.is_finite() && c.low < c.high))
        {
            return Err(CxError::invalid_argument(
                "cuts",
                format!("low {} high {}", c.low, c.high),
                "finite with low < high",
            ));
        }
        let b = self.bands;
        if !(0.0 <= b.hybrid && b.hybrid <= b.extreme && b.extreme <= 1.0) {
            return Err(CxError::invalid_argument(
                "bands",
                format!("hybrid {} extreme {}", b.hybrid, b.extreme),
                "0 ≤ hybrid ≤ extreme ≤ 1",
            ));
        }
        if self.min_group == 0 {
            return Err(CxError::invalid_argument("min_group", 0, "at least 1"));
        }
        Ok(())
    }
}

/// Penalty, reward and impact asymmetry of one attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrcaAttribute {
    /// The attribute's name.
    pub attribute: String,
    /// Its cut points.
    pub cuts: Cuts,
    /// Ratings in the low group.
    pub n_low: u64,
    /// Ratings in the middle (reference) group.
    pub n_mid: u64,
    /// Ratings in the high group.
    pub n_high: u64,
    /// The low dummy's coefficient (usually negative).
    pub penalty: f64,
    /// Its standard error.
    pub penalty_se: f64,
    /// Its two-sided p-value.
    pub penalty_p: f64,
    /// The high dummy's coefficient (usually positive).
    pub reward: f64,
    /// Its standard error.
    pub reward_se: f64,
    /// Its two-sided p-value.
    pub reward_p: f64,
    /// |reward| + |penalty|.
    pub riocs: f64,
    /// |reward| / RIOCS; undefined when RIOCS is 0.
    pub sgp: Option<f64>,
    /// |penalty| / RIOCS.
    pub dgp: Option<f64>,
    /// SGP − DGP, in [−1, 1].
    pub ia: Option<f64>,
    /// The class from the IA bands.
    pub class: Option<AsymmetryClass>,
    /// Hygiene, hybrid or motivator.
    pub factor: Option<AsymmetryFactor>,
}

/// The result of [`prca`]: the model and one row per attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrcaResult {
    /// Rows used.
    pub n: u64,
    /// Rows skipped for a missing value.
    pub n_missing: u64,
    /// Residual degrees of freedom.
    pub df: u64,
    /// The intercept: expected overall satisfaction with every attribute in its middle group.
    pub intercept: f64,
    /// Its standard error.
    pub intercept_se: f64,
    /// R² of the model.
    pub r_squared: Option<f64>,
    /// Adjusted R².
    pub adj_r_squared: Option<f64>,
    /// Residual standard error.
    pub sigma: f64,
    /// The IA bands used.
    pub bands: IaBands,
    /// The group minimum used.
    pub min_group: u64,
    /// One entry per attribute.
    pub attributes: Vec<PrcaAttribute>,
}

/// Penalty–reward contrast analysis of `ratings` (row-major: row i holds respondent i's rating of each attribute
/// in the order of `names`) against `overall`.
///
/// Errors: shape mismatches, bad cuts or bands, an infinite value, a missing value under the `error` policy, a low
/// or high group smaller than `min_group` or an empty middle group ([`CxError::InsufficientData`] naming the
/// attribute), and a rank-deficient design ([`CxError::RankDeficient`] naming the column).
///
/// ```
/// use cx_core::two_factor::{AsymmetryFactor, PrcaOptions, prca};
/// // Overall satisfaction drops by 2 when "delivery" is rated low and barely moves when it is rated high.
/// let mut ratings = Vec::new();
/// let mut overall = Vec::new();
/// for i in 0..60 {
///     let r = [1.0, 3.0, 5.0][i % 3];
///     ratings.push(r);
///     overall.push(7.0 + if r == 1.0 { -2.0 } else if r == 5.0 { 0.3 } else { 0.0 } + (i % 7) as f64 * 0.01);
/// }
/// let result = prca(&ratings, &overall, &["delivery".into()], &PrcaOptions::new(2.0, 4.0))?;
/// let delivery = &result.attributes[0];
/// assert!((delivery.penalty + 2.0).abs() < 0.05);
/// assert_eq!(delivery.factor, Some(AsymmetryFactor::Hygiene));
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn prca(ratings: &[f64], overall: &[f64], names: &[String], options: &PrcaOptions) -> Result<PrcaResult> {
    let k = names.len();
    if k == 0 {
        return Err(CxError::empty("attribute names"));
    }
    options.check(k)?;
    CxError::check_len("ratings (rows × attributes)", overall.len() * k, ratings.len())?;
    let cuts = |j: usize| options.cuts[if options.cuts.len() == 1 { 0 } else { j }];
    let mut rows = Vec::with_capacity(overall.len());
    let mut n_missing = 0;
    for (row, &y) in overall.iter().enumerate() {
        let values = &ratings[row * k..(row + 1) * k];
        let missing = std::iter::once(("overall", y))
            .chain(names.iter().map(String::as_str).zip(values.iter().copied()))
            .find(|(_, v)| v.is_nan());
        if let Some((what, _)) = missing {
            if options.missing == MissingPolicy::Error {
                return Err(CxError::MissingValue {
                    what: format!("ratings column '{what}'"),
                    index: row,
                });
            }
            n_missing += 1;
            continue;
        }
        if let Some((what, v)) = std::iter::once(("overall", y))
            .chain(names.iter().map(String::as_str).zip(values.iter().copied()))
            .find(|(_, v)| v.is_infinite())
        {
            return Err(CxError::invalid_argument(
                format!("{what}[{row}]"),
                v,
                "ratings must be finite",
            ));
        }
        rows.push(row);
    }
    let n = rows.len();
    // The design, column by column: intercept, then each attribute's low and high dummy.
    let mut design = vec![0.0; n * (1 + 2 * k)];
    design[..n].fill(1.0);
    let mut groups = vec![[0u64; 3]; k];
    for (i, &row) in rows.iter().enumerate() {
        for j in 0..k {
            let (rating, c) = (ratings[row * k + j], cuts(j));
            let group = if rating <= c.low {
                0
            } else if rating >= c.high {
                2
            } else {
                1
            };
            groups[j][group] += 1;
            if group != 1 {
                design[(1 + 2 * j + group / 2) * n + i] = 1.0;
            }
        }
    }
    for (j, [low, mid, high]) in groups.iter().enumerate() {
        let c = cuts(j);
        let checks = [
            (*low, options.min_group, format!("ratings ≤ {}", c.low), "low"),
            (*high, options.min_group, format!("ratings ≥ {}", c.high), "high"),
            (
                *mid,
                1,
                format!("ratings between {} and {}", c.low, c.high),
                "middle (reference)",
            ),
        ];
        if let Some((found, needed, range, group)) = checks.into_iter().find(|(found, needed, ..)| found < needed) {
            return Err(CxError::InsufficientData {
                what: format!("the {group} group of attribute '{}' ({range})", names[j]),
                needed: needed.to_string(),
                found: found.to_string(),
            });
        }
    }
    let columns: Vec<String> = std::iter::once("intercept".to_string())
        .chain(names.iter().flat_map(|a| [format!("{a}: low"), format!("{a}: high")]))
        .collect();
    let y: Vec<f64> = rows.iter().map(|&r| overall[r]).collect();
    let fit = ols(&design, &y, &columns).map_err(|e| match e {
        CxError::RankDeficient { column, .. } => CxError::RankDeficient {
            column,
            reason: "its dummy coincides with other attributes' dummies (or with what they and the intercept imply); \
                     merge those attributes or change the cut points"
                .into(),
        },
        other => other,
    })?;
    let attributes = names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let (lo, hi) = (1 + 2 * j, 2 + 2 * j);
            let (penalty, reward) = (fit.coefficients[lo], fit.coefficients[hi]);
            let riocs = reward.abs() + penalty.abs();
            let sgp = (riocs > 0.0).then(|| reward.abs() / riocs);
            let dgp = (riocs > 0.0).then(|| penalty.abs() / riocs);
            let ia = sgp.zip(dgp).map(|(s, d)| s - d);
            let class = ia.map(|ia| AsymmetryClass::of(ia, &options.bands));
            let [n_low, n_mid, n_high] = groups[j];
            PrcaAttribute {
                attribute: name.clone(),
                cuts: cuts(j),
                n_low,
                n_mid,
                n_high,
                penalty,
                penalty_se: fit.standard_errors[lo],
                penalty_p: fit.p_values[lo],
                reward,
                reward_se: fit.standard_errors[hi],
                reward_p: fit.p_values[hi],
                riocs,
                sgp,
                dgp,
                ia,
                class,
                factor: class.map(AsymmetryClass::factor),
            }
        })
        .collect();
    Ok(PrcaResult {
        n: n as u64,
        n_missing,
        df: fit.df as u64,
        intercept: fit.coefficients[0],
        intercept_se: fit.standard_errors[0],
        r_squared: fit.r_squared,
        adj_r_squared: fit.adj_r_squared,
        sigma: fit.sigma,
        bands: options.bands,
        min_group: options.min_group,
        attributes,
    })
}
