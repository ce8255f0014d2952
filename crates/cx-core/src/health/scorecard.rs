//! The scorecard: what is measured, how raw values become points, how points roll up, and what the bands and
//! overrides are. Versioned JSON; every validation error names the bad field (`measures[3].scoring.good`).

use crate::hierarchy::{self, Link};
use crate::serde_util::{check_version, from_json};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Version of the scorecard JSON format.
pub const SCORECARD_VERSION: u32 = 1;

/// Which side a value equal to a cut belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutBelongs {
    /// A value equal to a cut belongs to the band above it: `red < 50 ≤ yellow < 75 ≤ green`.
    #[default]
    Upper,
    /// A value equal to a cut belongs to the band below it: `red ≤ 50 < yellow ≤ 75 < green`.
    Lower,
}

/// Ordered bands over a 0–100 score, worst first: `names.len() == cuts.len() + 1`, cuts strictly ascending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// Band names, worst first, e.g. `["red", "yellow", "green"]`.
    pub names: Vec<String>,
    /// The boundaries between consecutive bands, e.g. `[50, 75]`.
    pub cuts: Vec<f64>,
    /// Where a value equal to a cut goes.
    #[serde(default)]
    pub cut_belongs: CutBelongs,
}

impl Bands {
    /// The index (0 = worst) of the band holding `value`.
    pub fn index_of(&self, value: f64) -> usize {
        match self.cut_belongs {
            CutBelongs::Upper => self.cuts.partition_point(|&c| c <= value),
            CutBelongs::Lower => self.cuts.partition_point(|&c| c < value),
        }
    }

    /// The index of the band called `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Checks bands given on their own (to [`validate_scores`](super::validate_scores), say): one more name than
    /// cuts, cuts finite and ascending, names unique. Errors name the field under `bands`.
    ///
    /// ```
    /// use cx_core::health::{Bands, CutBelongs};
    ///
    /// let bands = Bands { names: vec!["red".into()], cuts: vec![50.0, 75.0], cut_belongs: CutBelongs::Upper };
    /// assert!(bands.check().unwrap_err().to_string().contains("need one more name than cuts"));
    /// ```
    pub fn check(&self) -> Result<()> {
        self.validate("bands")
    }

    fn validate(&self, at: &str) -> Result<()> {
        if self.names.len() != self.cuts.len() + 1 {
            return Err(bad(
                format!("{at}.names"),
                format!(
                    "{} names for {} cuts; need one more name than cuts",
                    self.names.len(),
                    self.cuts.len()
                ),
            ));
        }
        check_cuts(&self.cuts, &format!("{at}.cuts"))?;
        unique(self.names.iter().map(String::as_str), &format!("{at}.names"))
    }
}

/// Direction of a percentile rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Higher raw values earn more points.
    #[default]
    Higher,
    /// Lower raw values earn more points.
    Lower,
}

/// How a raw value becomes 0–100 points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", try_from = "RawRule")]
pub enum ScoringRule {
    /// 0 points at `bad`, 100 at `good`, linear between and clamped outside. `bad > good` means lower is better.
    Linear {
        /// The raw value worth 0 points.
        bad: f64,
        /// The raw value worth 100 points.
        good: f64,
    },
    /// Step points: below `cuts[0]` earns `points[0]`, between `cuts[i-1]` and `cuts[i]` earns `points[i]`, from
    /// the last cut on `points[last]`. `points.len() == cuts.len() + 1`.
    Bands {
        /// Ascending boundaries.
        cuts: Vec<f64>,
        /// Points of each step, 0–100.
        points: Vec<f64>,
        /// Where a value equal to a cut goes.
        cut_belongs: CutBelongs,
    },
    /// Percent of a target, capped: `min(100 · value / target, cap)`, and never below 0.
    Target {
        /// The raw value worth 100 points.
        target: f64,
        /// The most points a value can earn (default 100).
        cap: f64,
    },
    /// Rank within the scored population: the mid-rank percentile (ties share the average rank), 0–100.
    Percentile {
        /// Which end earns more points.
        better: Better,
    },
}

/// The rule names.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RuleKind {
    Linear,
    Bands,
    Target,
    Percentile,
}

/// A scoring rule as written: one flat struct, so a type error reports the full path of the field
/// (`measures[3].scoring.bad`), which an internally tagged enum cannot; the rule's required fields are checked
/// when it becomes a [`ScoringRule`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    rule: RuleKind,
    bad: Option<f64>,
    good: Option<f64>,
    cuts: Option<Vec<f64>>,
    points: Option<Vec<f64>>,
    cut_belongs: Option<CutBelongs>,
    target: Option<f64>,
    cap: Option<f64>,
    better: Option<Better>,
}

impl TryFrom<RawRule> for ScoringRule {
    type Error = String;

    fn try_from(r: RawRule) -> std::result::Result<ScoringRule, String> {
        let (name, allowed): (&str, &[&str]) = match r.rule {
            RuleKind::Linear => ("linear", &["bad", "good"]),
            RuleKind::Bands => ("bands", &["cuts", "points", "cut_belongs"]),
            RuleKind::Target => ("target", &["target", "cap"]),
            RuleKind::Percentile => ("percentile", &["better"]),
        };
        let given = [
            ("bad", r.bad.is_some()),
            ("good", r.good.is_some()),
            ("cuts", r.cuts.is_some()),
            ("points", r.points.is_some()),
            ("cut_belongs", r.cut_belongs.is_some()),
            ("target", r.target.is_some()),
            ("cap", r.cap.is_some()),
            ("better", r.better.is_some()),
        ];
        if let Some((field, _)) = given.iter().find(|(f, set)| *set && !allowed.contains(f)) {
            return Err(format!(
                "field `{field}` does not belong to rule `{name}` (it takes {})",
                allowed.join(", ")
            ));
        }
        let need = |value: Option<f64>, field: &str| value.ok_or(format!("rule `{name}` needs field `{field}`"));
        Ok(match r.rule {
            RuleKind::Linear => ScoringRule::Linear {
                bad: need(r.bad, "bad")?,
                good: need(r.good, "good")?,
            },
            RuleKind::Bands => ScoringRule::Bands {
                cuts: r.cuts.ok_or("rule `bands` needs field `cuts`")?,
                points: r.points.ok_or("rule `bands` needs field `points`")?,
                cut_belongs: r.cut_belongs.unwrap_or_default(),
            },
            RuleKind::Target => ScoringRule::Target {
                target: need(r.target, "target")?,
                cap: r.cap.unwrap_or(100.0),
            },
            RuleKind::Percentile => ScoringRule::Percentile {
                better: r.better.unwrap_or_default(),
            },
        })
    }
}

/// What a missing (or stale) measure contributes.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "snake_case", deny_unknown_fields)]
pub enum MissingRule {
    /// Leave it out; its siblings' weights are renormalised (the common default).
    #[default]
    Exclude,
    /// Count it as this many points (0–100).
    Neutral {
        /// The points assumed.
        points: f64,
    },
    /// Count it as 0 points.
    Zero,
    /// Refuse to score the account ([`CxError::MissingValue`] naming the account's index).
    Error,
}

/// One measure of the scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// Identifier, unique in the scorecard (the column name in batch input).
    pub id: String,
    /// Human-readable label.
    #[serde(default)]
    pub label: Option<String>,
    /// Weight among its siblings (positive).
    pub weight: f64,
    /// The group it belongs to (`None`: directly under the overall score).
    #[serde(default)]
    pub group: Option<String>,
    /// Raw value → points.
    pub scoring: ScoringRule,
    /// What a missing value contributes.
    #[serde(default)]
    pub missing: MissingRule,
    /// An observation older than this many days counts as missing.
    #[serde(default)]
    pub max_age_days: Option<f64>,
    /// Bands over this measure's points, for explanations and overrides.
    #[serde(default)]
    pub bands: Option<Bands>,
}

/// A group of measures (and of other groups), with its weight among its siblings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Identifier, unique among groups.
    pub id: String,
    /// Human-readable label.
    #[serde(default)]
    pub label: Option<String>,
    /// Weight among its siblings (positive).
    pub weight: f64,
    /// The enclosing group (`None`: directly under the overall score).
    #[serde(default)]
    pub parent: Option<String>,
}

/// A comparison of a measure's raw value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// value < threshold
    Lt,
    /// value ≤ threshold
    Le,
    /// value > threshold
    Gt,
    /// value ≥ threshold
    Ge,
    /// value = threshold
    Eq,
}

/// When an override fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "when", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The measure's (fresh) raw value compares with `value`.
    Value {
        /// The measure id.
        measure: String,
        /// The comparison.
        op: Op,
        /// The threshold.
        value: f64,
    },
    /// The measure has no fresh value.
    Missing {
        /// The measure id.
        measure: String,
    },
    /// The measure's points fall in the named band of its own bands.
    Band {
        /// The measure id.
        measure: String,
        /// A band name of that measure.
        band: String,
    },
}

/// What an override does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "then", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// The overall band is this one, whatever the score (even with insufficient data).
    ForceBand {
        /// A band name of the scorecard.
        band: String,
    },
    /// The overall band is at most this one.
    CapBand {
        /// A band name of the scorecard.
        band: String,
    },
    /// The score is at most this (and its band follows).
    CapScore {
        /// The cap, 0–100.
        score: f64,
    },
}

/// An ordered rule: the first that fires applies, and the result names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// Identifier shown in results, e.g. `"sponsor_left"`.
    pub id: String,
    /// When it fires.
    pub condition: Condition,
    /// What it does.
    pub action: Action,
}

/// A complete scorecard. See the README for the JSON schema with an example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scorecard {
    /// Format version, [`SCORECARD_VERSION`].
    pub version: u32,
    /// Name shown in results.
    pub name: String,
    /// The measures.
    pub measures: Vec<Measure>,
    /// Groups of measures (optional).
    #[serde(default)]
    pub groups: Vec<Group>,
    /// Bands of the overall score.
    pub bands: Bands,
    /// Below this share of the total weight observed, the score is "insufficient data" (default 0.5).
    #[serde(default = "half")]
    pub min_coverage: f64,
    /// Ordered overrides.
    #[serde(default)]
    pub overrides: Vec<Override>,
    /// A change of at most this many points against the previous snapshot is "flat" (default 2).
    #[serde(default = "two")]
    pub trend_tolerance: f64,
}

fn half() -> f64 {
    0.5
}

fn two() -> f64 {
    2.0
}

fn bad(field: impl Into<String>, reason: impl Into<String>) -> CxError {
    CxError::InvalidConfig {
        what: "scorecard".into(),
        field: field.into(),
        reason: reason.into(),
    }
}

fn finite(value: f64, field: impl Into<String>) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(bad(field, format!("{value} is not a finite number")))
    }
}

fn positive(value: f64, field: impl Into<String>) -> Result<()> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(bad(field, format!("{value} must be positive")))
    }
}

fn points_value(value: f64, field: impl Into<String>) -> Result<()> {
    if (0.0..=100.0).contains(&value) {
        Ok(())
    } else {
        Err(bad(field, format!("{value} is not in 0..=100 points")))
    }
}

fn check_cuts(cuts: &[f64], at: &str) -> Result<()> {
    for (i, &c) in cuts.iter().enumerate() {
        finite(c, format!("{at}[{i}]"))?;
        if i > 0 && c <= cuts[i - 1] {
            return Err(bad(
                format!("{at}[{i}]"),
                format!("{c} does not exceed the previous cut {}", cuts[i - 1]),
            ));
        }
    }
    Ok(())
}

fn unique<'a>(ids: impl Iterator<Item = &'a str>, at: &str) -> Result<()> {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        if !seen.insert(id) {
            return Err(bad(format!("{at}[{i}]"), format!("`{id}` appears twice")));
        }
    }
    Ok(())
}

impl ScoringRule {
    fn validate(&self, at: &str) -> Result<()> {
        match self {
            ScoringRule::Linear { bad: b, good } => {
                finite(*b, format!("{at}.bad"))?;
                finite(*good, format!("{at}.good"))?;
                if b == good {
                    return Err(bad(
                        format!("{at}.good"),
                        "equals `bad`; a linear rule needs two different values",
                    ));
                }
            }
            ScoringRule::Bands { cuts, points, .. } => {
                check_cuts(cuts, &format!("{at}.cuts"))?;
                if points.len() != cuts.len() + 1 {
                    return Err(bad(
                        format!("{at}.points"),
                        format!(
                            "{} points for {} cuts; need one more than cuts",
                            points.len(),
                            cuts.len()
                        ),
                    ));
                }
                for (i, &p) in points.iter().enumerate() {
                    points_value(p, format!("{at}.points[{i}]"))?;
                }
            }
            ScoringRule::Target { target, cap } => {
                positive(*target, format!("{at}.target"))?;
                positive(*cap, format!("{at}.cap"))?;
                points_value(*cap, format!("{at}.cap"))?;
            }
            ScoringRule::Percentile { .. } => {}
        }
        Ok(())
    }
}

impl Scorecard {
    /// Parses and validates a scorecard; errors name the field, e.g. `measures[3].scoring.good`.
    pub fn from_json(json: &str) -> Result<Scorecard> {
        check_version("scorecard", json.as_bytes(), SCORECARD_VERSION)?;
        let card: Scorecard = from_json("scorecard", json.as_bytes())?;
        card.validate()?;
        Ok(card)
    }

    /// The scorecard as versioned JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a scorecard always serialises")
    }

    /// Checks weights, rules, bands, the group tree (no unknown parents, no cycles) and the overrides.
    ///
    /// Groups may nest to any depth: the checks are linear in the size of the scorecard and walk the group tree
    /// iteratively, so a chain of 100,000 nested groups validates in a fraction of a second and on a small stack.
    pub fn validate(&self) -> Result<()> {
        if self.version != SCORECARD_VERSION {
            return Err(CxError::UnsupportedVersion {
                what: "scorecard".into(),
                found: self.version,
                supported: SCORECARD_VERSION,
            });
        }
        if self.measures.is_empty() {
            return Err(bad("measures", "a scorecard needs at least one measure"));
        }
        unique(self.measures.iter().map(|m| m.id.as_str()), "measures")?;
        unique(self.groups.iter().map(|g| g.id.as_str()), "groups")?;
        // Ids through maps, not a search per reference: a large scorecard must validate in linear time.
        let group_ids: HashSet<&str> = self.groups.iter().map(|g| g.id.as_str()).collect();
        for (i, m) in self.measures.iter().enumerate() {
            let at = format!("measures[{i}]");
            positive(m.weight, format!("{at}.weight"))?;
            m.scoring.validate(&format!("{at}.scoring"))?;
            if let MissingRule::Neutral { points } = m.missing {
                points_value(points, format!("{at}.missing.points"))?;
            }
            if let Some(age) = m.max_age_days
                && (age.is_nan() || age < 0.0)
            {
                return Err(bad(
                    format!("{at}.max_age_days"),
                    format!("{age} must be a non-negative number of days"),
                ));
            }
            if let Some(b) = &m.bands {
                b.validate(&format!("{at}.bands"))?;
            }
            if let Some(g) = &m.group
                && !group_ids.contains(g.as_str())
            {
                return Err(CxError::UnknownId {
                    what: "scorecard".into(),
                    kind: "group".into(),
                    id: g.clone(),
                    at: format!("{at}.group"),
                });
            }
        }
        for (i, g) in self.groups.iter().enumerate() {
            // The field name is formatted only for an error: a scorecard may have many groups.
            if !(g.weight > 0.0 && g.weight.is_finite()) {
                positive(g.weight, format!("groups[{i}].weight"))?;
            }
        }
        let links: Vec<Link<'_>> = (self.groups.iter().enumerate())
            .map(|(i, g)| Link {
                id: &g.id,
                parent: g.parent.as_deref(),
                at: format!("groups[{i}].parent"),
            })
            .collect();
        hierarchy::parents("scorecard", "group", &links)?;
        self.bands.validate("bands")?;
        if !(0.0..=1.0).contains(&self.min_coverage) {
            return Err(bad("min_coverage", format!("{} is not in 0..=1", self.min_coverage)));
        }
        if !self.trend_tolerance.is_finite() || self.trend_tolerance < 0.0 {
            return Err(bad(
                "trend_tolerance",
                format!("{} must be non-negative", self.trend_tolerance),
            ));
        }
        let measures: HashMap<&str, &Measure> = self.measures.iter().map(|m| (m.id.as_str(), m)).collect();
        for (i, o) in self.overrides.iter().enumerate() {
            self.validate_override(o, &measures, &format!("overrides[{i}]"))?;
        }
        Ok(())
    }

    fn validate_override(&self, o: &Override, measures: &HashMap<&str, &Measure>, at: &str) -> Result<()> {
        let measure = |id: &str| {
            (measures.get(id).copied())
                .ok_or_else(|| bad(format!("{at}.condition.measure"), format!("unknown measure `{id}`")))
        };
        match &o.condition {
            Condition::Value { measure: id, value, .. } => {
                measure(id)?;
                finite(*value, format!("{at}.condition.value"))?;
            }
            Condition::Missing { measure: id } => {
                measure(id)?;
            }
            Condition::Band { measure: id, band } => {
                let m = measure(id)?;
                let known = m.bands.as_ref().is_some_and(|b| b.position(band).is_some());
                if !known {
                    return Err(bad(
                        format!("{at}.condition.band"),
                        format!("measure `{id}` has no band `{band}`"),
                    ));
                }
            }
        }
        match &o.action {
            Action::ForceBand { band } | Action::CapBand { band } => {
                if self.bands.position(band).is_none() {
                    return Err(bad(format!("{at}.action.band"), format!("unknown band `{band}`")));
                }
            }
            Action::CapScore { score } => points_value(*score, format!("{at}.action.score"))?,
        }
        Ok(())
    }
}
