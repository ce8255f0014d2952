//! The goal: what is measured, which way it should move, from where to where, by when, for whom, and why.
//! Versioned JSON. Validation here is structural only (numbers finite, weights positive); whether a goal is
//! *SMART* is the job of [`Goal::check`], which reports problems instead of refusing the goal.

use crate::serde_util::{check_version, from_json};
use crate::survey::MetricSpec;
use crate::{CxError, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Version of the goal (and goal tree) JSON format.
pub const GOAL_VERSION: u32 = 1;

fn goal_version() -> u32 {
    GOAL_VERSION
}

fn one() -> f64 {
    1.0
}

/// Which way the metric should go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Raise it (NPS, CSAT, adoption).
    Increase,
    /// Lower it (resolution time, churn, effort).
    Decrease,
    /// Keep it within `band` of the target level.
    Maintain,
}

impl Direction {
    /// The lower-case name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Increase => "increase",
            Direction::Decrease => "decrease",
            Direction::Maintain => "maintain",
        }
    }

    /// Whether `value` has reached `target` going this way: at or above it for an increase, at or below it for
    /// a decrease (maintain goals are judged by their band instead; here they need the exact level). A baseline
    /// that already "reaches" the target means the target points the wrong way.
    pub fn reached(self, value: f64, target: f64) -> bool {
        match self {
            Direction::Increase => value >= target,
            Direction::Decrease => value <= target,
            Direction::Maintain => value == target,
        }
    }
}

/// Where the metric should end up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// Reach this value, in the goal's unit.
    Value {
        /// The target value.
        value: f64,
    },
    /// Move by this much from the baseline, in the goal's unit; signed (`-5.0` lowers the metric by 5).
    Change {
        /// The signed change.
        by: f64,
    },
    /// Move by this percentage of the baseline; signed (`-20.0` is "cut by 20%").
    RelativeChange {
        /// The signed change in percent of the baseline.
        percent: f64,
    },
}

/// The value the goal starts from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The metric's value at the baseline.
    pub value: f64,
    /// When it was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
}

/// Who or what the goal is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// The customer segment, e.g. `"enterprise"` or `"all customers"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// The touchpoint, e.g. `"support"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touchpoint: Option<String>,
}

fn default_level() -> f64 {
    0.95
}

fn default_power() -> f64 {
    0.8
}

/// How a survey-metric goal will be measured: how many responses per period, and how noisy each one is. The
/// SMART check uses it to ask whether the target change is larger than the survey's own noise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// Expected responses in each measurement period (e.g. per quarter).
    pub responses: u64,
    /// Per-respondent variance on the metric's own scale (−1..1 for NPS, 0..1 for top-box shares, the rating
    /// scale for means), e.g. 0.6 for a typical NPS. Omitted: the worst case for the metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variance: Option<f64>,
    /// Confidence level of the margin of error.
    #[serde(default = "default_level")]
    pub level: f64,
    /// Power for detecting the target change between two periods.
    #[serde(default = "default_power")]
    pub power: f64,
}

/// How a closed goal ended, for the success rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Reached the target: counts 1.
    Achieved,
    /// Moved towards the target without reaching it: counts 0.5.
    PartiallyAchieved,
    /// Did not: counts 0.
    Missed,
    /// Dropped before its end: excluded from the success rate.
    Cancelled,
}

/// A goal, from KGI down to a single KPI.
///
/// ```
/// use cx_core::goals::{Direction, Goal, Target};
///
/// let goal = Goal::from_json(r#"{
///     "version": 1, "id": "nps-q3", "title": "Raise NPS by 1 point this quarter",
///     "metric": "nps", "unit": "points", "direction": "increase",
///     "baseline": {"value": 32.0}, "target": {"kind": "change", "by": 1.0},
///     "start": "2026-07-01", "due": "2026-09-30"
/// }"#)?;
/// assert_eq!(goal.direction, Direction::Increase);
/// assert_eq!(goal.target_value()?, 33.0);
/// # Ok::<(), cx_core::CxError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    /// Format version; optional inside a goal tree, required in a goal's own document.
    #[serde(default = "goal_version")]
    pub version: u32,
    /// Unique id.
    pub id: String,
    /// What a person reads.
    pub title: String,
    /// The metric key, e.g. `"nps"` or `"avg_resolution_hours"`. Survey presets (`nps`, `csat`, `ces2_mean`, ...)
    /// enable the margin-of-error check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// The unit of baseline and target, e.g. `"points"`, `"hours"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Which way the metric should go.
    pub direction: Direction,
    /// Where it starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// Where it should end up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// For maintain goals: the allowed deviation either side of the target level, in the goal's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band: Option<f64>,
    /// First day of the goal's period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    /// Last day of the goal's period (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    /// Who is accountable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Which customers and touchpoints it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// The id of the higher-level goal this one serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Weight among its siblings in a goal tree's roll-up (> 0).
    #[serde(default = "one")]
    pub weight: f64,
    /// Why the goal matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    /// How a survey-metric goal will be measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measurement: Option<Measurement>,
    /// How the goal ended, once closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

pub(crate) fn bad(field: impl Into<String>, reason: impl Into<String>) -> CxError {
    CxError::InvalidConfig {
        what: "goal".into(),
        field: field.into(),
        reason: reason.into(),
    }
}

fn finite(value: f64, field: String) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(bad(field, format!("{value} is not a finite number")))
    }
}

impl Goal {
    /// Parses and validates a goal document; errors name the bad field.
    pub fn from_json(json: &str) -> Result<Goal> {
        check_version("goal", json.as_bytes(), GOAL_VERSION)?;
        let goal: Goal = from_json("goal", json.as_bytes())?;
        goal.validate()?;
        Ok(goal)
    }

    /// The goal as versioned JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a goal always serialises")
    }

    /// Structural checks: version, a non-empty id, finite numbers, a positive weight, a sensible measurement.
    pub fn validate(&self) -> Result<()> {
        self.validate_at("")
    }

    /// [`Goal::validate`] with field paths prefixed by `at` (`"goals[2]."` inside a tree).
    pub(crate) fn validate_at(&self, at: &str) -> Result<()> {
        if self.version != GOAL_VERSION {
            return Err(CxError::UnsupportedVersion {
                what: "goal".into(),
                found: self.version,
                supported: GOAL_VERSION,
            });
        }
        if self.id.trim().is_empty() {
            return Err(bad(format!("{at}id"), "a goal needs a non-empty id"));
        }
        if !(self.weight.is_finite() && self.weight > 0.0) {
            return Err(bad(
                format!("{at}weight"),
                format!("{} must be positive and finite", self.weight),
            ));
        }
        if let Some(b) = self.baseline {
            finite(b.value, format!("{at}baseline.value"))?;
        }
        match self.target {
            Some(Target::Value { value }) => finite(value, format!("{at}target.value"))?,
            Some(Target::Change { by }) => finite(by, format!("{at}target.by"))?,
            Some(Target::RelativeChange { percent }) => finite(percent, format!("{at}target.percent"))?,
            None => {}
        }
        if let Some(band) = self.band
            && !(band.is_finite() && band >= 0.0)
        {
            return Err(bad(
                format!("{at}band"),
                format!("{band} must be non-negative and finite"),
            ));
        }
        if let Some(m) = self.measurement {
            if m.responses == 0 {
                return Err(bad(
                    format!("{at}measurement.responses"),
                    "expect at least one response",
                ));
            }
            if let Some(v) = m.variance
                && !(v.is_finite() && v > 0.0)
            {
                return Err(bad(
                    format!("{at}measurement.variance"),
                    format!("{v} must be positive and finite"),
                ));
            }
            for (name, p) in [("level", m.level), ("power", m.power)] {
                if !(p > 0.0 && p < 1.0) {
                    return Err(bad(
                        format!("{at}measurement.{name}"),
                        format!("{p} must lie strictly between 0 and 1"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The target as a value in the goal's unit: the value itself, or the baseline moved by the change. For a
    /// maintain goal without a target, the baseline is the level to keep.
    pub fn target_value(&self) -> Result<f64> {
        let baseline = || {
            self.baseline.map(|b| b.value).ok_or_else(|| {
                bad(
                    "baseline",
                    format!("goal `{}` states its target as a change but has no baseline", self.id),
                )
            })
        };
        match self.target {
            Some(Target::Value { value }) => Ok(value),
            Some(Target::Change { by }) => Ok(baseline()? + by),
            Some(Target::RelativeChange { percent }) => {
                let b = baseline()?;
                if b == 0.0 {
                    Err(bad(
                        "target.percent",
                        format!("goal `{}`: a relative change of a zero baseline is undefined", self.id),
                    ))
                } else {
                    Ok(b * (1.0 + percent / 100.0))
                }
            }
            None if self.direction == Direction::Maintain => baseline(),
            None => Err(bad("target", format!("goal `{}` has no target", self.id))),
        }
    }

    /// The survey metric behind the goal's metric key, when the key names a preset (`nps`, `csat`, ...).
    pub fn survey_metric(&self) -> Option<MetricSpec> {
        let key = self.metric.as_deref()?.trim().to_ascii_lowercase();
        MetricSpec::from_preset(&key).ok()
    }

    /// The goal's length in days, `due − start`, when both are given.
    pub(crate) fn days(&self) -> Option<i64> {
        Some((self.due? - self.start?).num_days())
    }
}
