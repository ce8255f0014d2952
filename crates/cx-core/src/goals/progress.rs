//! Progress at a date: how far the metric has moved towards the target, how far it should have moved by now, the
//! status that follows, and a least-squares projection to the due date.
//!
//! Definitions (increase and decrease goals):
//! - `current` is the latest observation dated `start..=min(as_of, due)`; observations after that cut-off are
//!   counted in `n_after_cutoff` and not used, those before the start in `n_before_start`.
//! - `progress = clamp((current − baseline) / (target − baseline), 0, 1)`, which serves decrease goals too.
//! - `expected = clamp((as_of − start) / (due − start), 0, 1)`, the elapsed share of the period.
//! - Status: `not_started` before the start or without an observation since; `achieved` once the current value
//!   reaches the target; `missed` after the due date otherwise; before it, with `gap = expected − progress`:
//!   `on_track` when `gap ≤ at_risk_gap` (0.10) and the projection (if any) reaches the target, `at_risk` when
//!   `gap ≤ off_track_gap` (0.25) or the projection falls short, `off_track` beyond.
//!
//! Maintain goals keep the metric within `band` of the target level: `progress` is the share of observations
//! since the start inside the band, `expected` is 1, and the status follows the latest value: inside the band
//! `on_track` (after the due date `achieved`), within twice the band `at_risk`, further `off_track` (after the due
//! date `missed`).

use super::model::{Direction, Goal, bad};
use super::observations::{Line, Observations};
use super::text::num;
use crate::{CxError, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a goal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Before the start, or no observation since.
    NotStarted,
    /// Progress keeps up with time.
    OnTrack,
    /// A little behind, or the trend falls short.
    AtRisk,
    /// Well behind.
    OffTrack,
    /// The target is reached.
    Achieved,
    /// The due date passed without reaching the target.
    Missed,
}

impl Status {
    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::OffTrack => "off_track",
            Status::Achieved => "achieved",
            Status::Missed => "missed",
        }
    }

    /// How bad the status is, for worst-of roll-ups: achieved 0 < on_track 1 < not_started 2 < at_risk 3 <
    /// off_track 4 < missed 5. Not started ranks worse than on track because it is an absence of evidence.
    pub fn severity(self) -> u8 {
        match self {
            Status::Achieved => 0,
            Status::OnTrack => 1,
            Status::NotStarted => 2,
            Status::AtRisk => 3,
            Status::OffTrack => 4,
            Status::Missed => 5,
        }
    }
}

/// How far behind the elapsed time progress may fall before the status changes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerances {
    /// Largest `expected − progress` still `on_track` (default 0.10).
    pub at_risk_gap: f64,
    /// Largest `expected − progress` still `at_risk` (default 0.25); beyond is `off_track`.
    pub off_track_gap: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            at_risk_gap: 0.10,
            off_track_gap: 0.25,
        }
    }
}

impl Tolerances {
    /// Both gaps in `0..=1` and `at_risk_gap ≤ off_track_gap`.
    pub fn validate(&self) -> Result<()> {
        for (name, gap) in [("at_risk_gap", self.at_risk_gap), ("off_track_gap", self.off_track_gap)] {
            if !(0.0..=1.0).contains(&gap) {
                return Err(CxError::invalid_argument(name, gap, "must lie in 0..=1"));
            }
        }
        if self.at_risk_gap > self.off_track_gap {
            return Err(CxError::invalid_argument(
                "at_risk_gap",
                self.at_risk_gap,
                format!("must not exceed off_track_gap {}", self.off_track_gap),
            ));
        }
        Ok(())
    }
}

/// The least-squares line through the observations since the start, evaluated at the due date.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// The line's value at the due date.
    pub value_at_due: f64,
    /// Its slope, per day.
    pub slope_per_day: f64,
    /// Observations it is fitted on.
    pub n: usize,
    /// Whether `value_at_due` reaches the target (for maintain goals: lies within the band).
    pub reaches_target: bool,
}

/// A goal's progress at `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// The goal's id.
    pub goal: String,
    /// The date evaluated at.
    pub as_of: NaiveDate,
    /// Where it stands.
    pub status: Status,
    /// Why, in words.
    pub reason: String,
    /// Baseline value (for maintain goals without one, the level).
    pub baseline: f64,
    /// Target value (for maintain goals, the level).
    pub target: f64,
    /// The latest observation used, if any.
    pub current: Option<f64>,
    /// Its date.
    pub current_date: Option<NaiveDate>,
    /// Progress in `0..=1` (maintain goals: the share of observations inside the band).
    pub progress: f64,
    /// The elapsed share of the period in `0..=1` (maintain goals: 1).
    pub expected_progress: f64,
    /// The projection to the due date, with two or more observations since the start.
    pub projection: Option<Projection>,
    /// Observations used (dated from the start to the cut-off).
    pub n_used: usize,
    /// Observations before the start (not used).
    pub n_before_start: usize,
    /// Observations after `min(as_of, due)` (not used).
    pub n_after_cutoff: usize,
    /// The tolerances the status was decided with.
    pub tolerances: Tolerances,
}

impl Goal {
    /// Progress at `as_of` from the metric's observations.
    ///
    /// Errors when the goal cannot be tracked: no start or due date (or a due date not after the start), no
    /// resolvable target, a target on the wrong side of the baseline, or a maintain goal without a band.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use cx_core::goals::{Goal, Observations, Status, Tolerances};
    ///
    /// let goal = Goal::from_json(r#"{"version": 1, "id": "ttr", "title": "Cut resolution time by 20%",
    ///     "metric": "avg_resolution_hours", "unit": "hours", "direction": "decrease",
    ///     "baseline": {"value": 10.0}, "target": {"kind": "relative_change", "percent": -20},
    ///     "start": "2026-07-01", "due": "2026-09-30"}"#)?;
    /// let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    /// let obs = Observations::new(&[d(7, 15), d(8, 15)], &[9.8, 9.0])?;
    /// let p = goal.progress(&obs, d(8, 15), &Tolerances::default())?;
    /// assert!((p.progress - 0.5).abs() < 1e-12);          // 10 → 9 of 10 → 8
    /// assert_eq!(p.status, Status::OnTrack);              // and the trend reaches 8 h by the due date
    /// assert!(p.projection.unwrap().reaches_target);
    /// # Ok::<(), cx_core::CxError>(())
    /// ```
    pub fn progress(&self, observations: &Observations, as_of: NaiveDate, tolerances: &Tolerances) -> Result<Progress> {
        tolerances.validate()?;
        let (start, due) = self.period()?;
        let target = self.target_value()?;
        let cutoff = as_of.min(due);
        let used = observations.between(start, cutoff);
        let n_before_start = used.start;
        let n_after_cutoff = observations.len() - used.end;
        let last = used.clone().last();
        let current = last.map(|i| observations.values()[i]);
        let current_date = last.map(|i| observations.dates()[i]);
        let line = observations.line(used.clone());
        let mut p = Progress {
            goal: self.id.clone(),
            as_of,
            status: Status::NotStarted,
            reason: String::new(),
            baseline: self.baseline.map_or(target, |b| b.value),
            target,
            current,
            current_date,
            progress: 0.0,
            expected_progress: 0.0,
            projection: None,
            n_used: used.len(),
            n_before_start,
            n_after_cutoff,
            tolerances: *tolerances,
        };
        if self.direction == Direction::Maintain {
            self.maintain(&mut p, observations, used, line, due)?;
            return Ok(p);
        }
        if p.baseline == target || self.baseline.is_none() {
            return Err(bad(
                "baseline",
                format!("goal `{}` needs a baseline different from its target", self.id),
            ));
        }
        let span = (due - start).num_days() as f64;
        p.expected_progress = ((as_of - start).num_days() as f64 / span).clamp(0.0, 1.0);
        let reaches = |v: f64| self.direction.reached(v, target);
        if reaches(p.baseline) {
            return Err(bad(
                "target",
                format!(
                    "goal `{}`: target {target} is on the wrong side of baseline {} for direction {}",
                    self.id,
                    p.baseline,
                    self.direction.name()
                ),
            ));
        }
        p.projection = line.map(|l| Projection {
            value_at_due: l.at(due),
            slope_per_day: l.slope_per_day,
            n: p.n_used,
            reaches_target: reaches(l.at(due)),
        });
        let Some(value) = current else {
            (p.status, p.reason) = if as_of < start {
                (Status::NotStarted, format!("starts on {start}"))
            } else if as_of > due {
                (
                    Status::Missed,
                    format!("no observation between {start} and the due date {due}"),
                )
            } else {
                (Status::NotStarted, format!("no observation since the start {start}"))
            };
            return Ok(p);
        };
        let raw = (value - p.baseline) / (target - p.baseline);
        p.progress = raw.clamp(0.0, 1.0);
        let gap = p.expected_progress - p.progress;
        let pct = |x: f64| format!("{:.0}%", x * 100.0);
        let facts = format!(
            "{} on {} is {} of the way from {} to {}",
            num(value),
            current_date.expect("with current"),
            pct(p.progress),
            num(p.baseline),
            num(target)
        );
        (p.status, p.reason) = if reaches(value) {
            (Status::Achieved, facts)
        } else if as_of > due {
            (Status::Missed, format!("{facts}; the due date {due} has passed"))
        } else {
            let behind = format!("{facts}, {} of the time has elapsed", pct(p.expected_progress));
            let falls_short = p.projection.filter(|pr| !pr.reaches_target);
            if gap > tolerances.off_track_gap {
                (Status::OffTrack, behind)
            } else if gap > tolerances.at_risk_gap {
                (Status::AtRisk, behind)
            } else if let Some(pr) = falls_short {
                (
                    Status::AtRisk,
                    format!("{behind}; the trend projects {} at the due date", num(pr.value_at_due)),
                )
            } else {
                (Status::OnTrack, behind)
            }
        };
        Ok(p)
    }

    /// Start and due dates, checked: progress cannot be tracked without them.
    fn period(&self) -> Result<(NaiveDate, NaiveDate)> {
        let start = self
            .start
            .ok_or_else(|| bad("start", format!("goal `{}` has no start date", self.id)))?;
        let due = self
            .due
            .ok_or_else(|| bad("due", format!("goal `{}` has no due date", self.id)))?;
        if due <= start {
            return Err(bad(
                "due",
                format!("goal `{}`: due {due} is not after start {start}", self.id),
            ));
        }
        Ok((start, due))
    }

    fn maintain(
        &self,
        p: &mut Progress,
        observations: &Observations,
        used: std::ops::Range<usize>,
        line: Option<Line>,
        due: NaiveDate,
    ) -> Result<()> {
        let band = self
            .band
            .ok_or_else(|| bad("band", format!("maintain goal `{}` has no band", self.id)))?;
        let level = p.target;
        let inside = |v: f64| (v - level).abs() <= band;
        p.expected_progress = 1.0;
        p.projection = line.map(|l| Projection {
            value_at_due: l.at(due),
            slope_per_day: l.slope_per_day,
            n: p.n_used,
            reaches_target: inside(l.at(due)),
        });
        let Some(value) = p.current else {
            p.reason = format!("no observation since the start {}", self.start.expect("checked"));
            p.status = if p.as_of > due {
                Status::Missed
            } else {
                Status::NotStarted
            };
            return Ok(());
        };
        let held = observations.values()[used.clone()]
            .iter()
            .filter(|&&v| inside(v))
            .count();
        p.progress = held as f64 / used.len() as f64;
        let facts = format!(
            "{} against {} ± {}; {held} of {} observations inside the band",
            num(value),
            num(level),
            num(band),
            used.len()
        );
        let after_due = p.as_of > due;
        p.status = match ((value - level).abs(), after_due) {
            (d, false) if d <= band => Status::OnTrack,
            (d, true) if d <= band => Status::Achieved,
            (_, true) => Status::Missed,
            (d, false) if d <= 2.0 * band => Status::AtRisk,
            _ => Status::OffTrack,
        };
        p.reason = facts;
        Ok(())
    }
}
