//! The SMART check: each letter gets pass / warn / fail with a reason a person can act on, and the numbers behind
//! the measurable and achievable verdicts.
//!
//! Rules (documented in the README and `docs/goals.md`):
//! - **Specific**: fail without a metric; warn without a scope (segment or touchpoint) or an owner.
//! - **Measurable**: fail without a numeric target that can be resolved (a change needs a baseline), when the target
//!   points the wrong way for the direction, or for a maintain goal without a band; warn without a unit. For survey
//!   metrics with [`Measurement`]: fail when the change is smaller than the margin of error at the expected number
//!   of responses; warn when it is smaller than the change two periods of that size can detect with the stated
//!   power (the verdict says how many responses per period that would take).
//! - **Achievable**: with history, the least-squares pace of the history against the pace the goal needs: pass at
//!   or above it, warn from half of it, fail below (or when history moves the wrong way). Maintain goals: the share
//!   of history inside the band, pass from 80%, warn from 50%. Warn when there is no history to judge by.
//! - **Relevant**: pass with a parent goal or a rationale, fail with neither.
//! - **Time-bound**: fail without a due date or with a due date not after the start; warn without a start.

use super::model::{Direction, Goal, Measurement};
use super::observations::Observations;
use super::text::{amount, count, num, signed};
use crate::Result;
use crate::stats::{normal_quantile, z_for_level};
use crate::survey::{margin_of_error, sample_size_per_group};
use serde::{Deserialize, Serialize};

/// One letter's verdict. Ordered: `Pass < Warn < Fail`, so the overall verdict is the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Meets the letter.
    Pass,
    /// Meets it with a caveat worth fixing.
    Warn,
    /// Does not meet it.
    Fail,
}

/// The verdict for one letter and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Letter {
    /// Pass, warn or fail.
    pub verdict: Verdict,
    /// What a person can act on.
    pub reason: String,
}

/// The survey-noise numbers behind a measurable verdict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Noise {
    /// The size of the target change, in the goal's unit.
    pub change: f64,
    /// Expected responses per period.
    pub responses: u64,
    /// Per-respondent variance used, in squared reported units (0.6 for NPS becomes 6 000 points²).
    pub variance: f64,
    /// Whether the variance is the worst case for the metric (none was given).
    pub worst_case_variance: bool,
    /// Confidence level of the margin.
    pub level: f64,
    /// The margin of error of one period's estimate (half-width of its interval).
    pub margin_of_error: f64,
    /// The smallest change two periods of `responses` detect with `power` (two-sided, α = 1 − level).
    pub detectable_change: f64,
    /// Power used for `detectable_change` and `responses_needed`.
    pub power: f64,
    /// Responses needed in each period to detect `change` with `power`.
    pub responses_needed: u64,
}

/// The pace numbers behind an achievable verdict for an increase or decrease goal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pace {
    /// The change per day the goal needs, `(target − baseline) / (due − start)`.
    pub required_per_day: f64,
    /// The least-squares slope of the history, per day.
    pub historical_per_day: f64,
    /// How many history observations the slope is fitted on.
    pub n_history: usize,
}

/// The full SMART report for one goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmartCheck {
    /// The goal's id.
    pub goal: String,
    /// S.
    pub specific: Letter,
    /// M.
    pub measurable: Letter,
    /// A.
    pub achievable: Letter,
    /// R.
    pub relevant: Letter,
    /// T.
    pub time_bound: Letter,
    /// The worst of the five.
    pub verdict: Verdict,
    /// Survey noise against the target, when the goal is on a survey metric with a measurement plan.
    pub noise: Option<Noise>,
    /// Historical pace against the required pace, when history was given.
    pub pace: Option<Pace>,
}

fn letter(verdict: Verdict, reason: impl Into<String>) -> Letter {
    Letter {
        verdict,
        reason: reason.into(),
    }
}

impl Goal {
    /// Runs the SMART check. `history` is the metric's past (for Achievable); the check itself never fails on a
    /// goal's content, it reports it. Errors come only from inconsistent measurement settings.
    ///
    /// ```
    /// use cx_core::goals::{Goal, Verdict};
    ///
    /// let goal = Goal::from_json(r#"{
    ///     "version": 1, "id": "nps-q3", "title": "Raise NPS by 1 point this quarter",
    ///     "metric": "nps", "unit": "points", "direction": "increase",
    ///     "baseline": {"value": 32.0}, "target": {"kind": "change", "by": 1.0},
    ///     "start": "2026-07-01", "due": "2026-09-30", "rationale": "loyalty drives renewals",
    ///     "measurement": {"responses": 400, "variance": 0.6}
    /// }"#)?;
    /// let report = goal.check(None)?;
    /// assert_eq!(report.measurable.verdict, Verdict::Fail);
    /// let noise = report.noise.unwrap();
    /// assert!((noise.margin_of_error - 7.59).abs() < 0.01);   // ±7.6 points at 400 responses
    /// assert!((94_000..94_300).contains(&noise.responses_needed));
    /// # Ok::<(), cx_core::CxError>(())
    /// ```
    pub fn check(&self, history: Option<&Observations>) -> Result<SmartCheck> {
        let (measurable, noise) = self.check_measurable()?;
        let (achievable, pace) = self.check_achievable(history);
        let letters = [
            self.check_specific(),
            measurable,
            achievable,
            self.check_relevant(),
            self.check_time_bound(),
        ];
        let verdict = letters.iter().map(|l| l.verdict).max().expect("five letters");
        let [specific, measurable, achievable, relevant, time_bound] = letters;
        Ok(SmartCheck {
            goal: self.id.clone(),
            specific,
            measurable,
            achievable,
            relevant,
            time_bound,
            verdict,
            noise,
            pace,
        })
    }

    fn check_specific(&self) -> Letter {
        let Some(metric) = &self.metric else {
            return letter(
                Verdict::Fail,
                "no metric: name what is measured, e.g. `nps` or `avg_resolution_hours`",
            );
        };
        let scope = self
            .scope
            .as_ref()
            .filter(|s| s.segment.is_some() || s.touchpoint.is_some());
        match (scope, &self.owner) {
            (None, _) => letter(
                Verdict::Warn,
                format!("metric `{metric}` but no scope: name the segment or touchpoint it applies to"),
            ),
            (Some(_), None) => letter(Verdict::Warn, format!("metric `{metric}` and a scope, but no owner")),
            (Some(s), Some(owner)) => {
                let parts: Vec<&str> = [s.segment.as_deref(), s.touchpoint.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                letter(
                    Verdict::Pass,
                    format!("metric `{metric}` for {}, owned by {owner}", parts.join(" / ")),
                )
            }
        }
    }

    fn check_measurable(&self) -> Result<(Letter, Option<Noise>)> {
        let target = match self.target_value() {
            Ok(t) => t,
            Err(_) if self.target.is_none() => {
                return Ok((letter(Verdict::Fail, "no numeric target"), None));
            }
            Err(_) => {
                return Ok((
                    letter(
                        Verdict::Fail,
                        "the target is a change but there is no baseline to change from",
                    ),
                    None,
                ));
            }
        };
        let unit = self.unit.as_deref().unwrap_or("");
        let baseline = self.baseline.map(|b| b.value);
        let change = match (self.direction, baseline) {
            (Direction::Maintain, _) => {
                let Some(band) = self.band else {
                    return Ok((
                        letter(
                            Verdict::Fail,
                            "a maintain goal needs a band: how far from the level is still kept",
                        ),
                        None,
                    ));
                };
                band
            }
            (_, None) => return Ok((letter(Verdict::Fail, "no baseline to measure the change from"), None)),
            (direction, Some(b)) => {
                if direction.reached(b, target) {
                    return Ok((
                        letter(
                            Verdict::Fail,
                            format!(
                                "the target {} is not {} the baseline {} although the direction is {}",
                                num(target),
                                if direction == Direction::Increase {
                                    "above"
                                } else {
                                    "below"
                                },
                                num(b),
                                direction.name()
                            ),
                        ),
                        None,
                    ));
                }
                (target - b).abs()
            }
        };
        if let (Some(spec), Some(m)) = (self.survey_metric(), self.measurement) {
            let noise = noise(&spec, m, change)?;
            let u = |text: String, x: f64| amount(text, x, unit);
            let what = if self.direction == Direction::Maintain {
                format!("a band of ±{}", u(num(change), change))
            } else {
                let delta = target - baseline.unwrap_or(target);
                format!("a target change of {}", u(signed(delta), delta))
            };
            let numbers = format!(
                "{what} measured on {} responses per period has a margin of error of ±{} at {}% \
                 (per-respondent variance {}{}); detecting a change of {} with {}% power needs about {} \
                 responses in each period",
                count(m.responses),
                u(num(noise.margin_of_error), noise.margin_of_error),
                num(noise.level * 100.0),
                num(noise.variance / (spec.display_factor() * spec.display_factor())),
                if noise.worst_case_variance {
                    ", the worst case"
                } else {
                    ""
                },
                u(num(change), change),
                num(noise.power * 100.0),
                count(noise.responses_needed),
            );
            let verdict = if change < noise.margin_of_error {
                Verdict::Fail
            } else if change < noise.detectable_change {
                Verdict::Warn
            } else {
                Verdict::Pass
            };
            let lead = match verdict {
                Verdict::Fail => "not measurable: ",
                Verdict::Warn => "hard to tell from noise: ",
                Verdict::Pass => "",
            };
            return Ok((letter(verdict, format!("{lead}{numbers}")), Some(noise)));
        }
        let target_text = format!("target {}", amount(num(target), target, unit));
        if self.unit.is_none() {
            Ok((letter(Verdict::Warn, format!("{target_text} but no unit")), None))
        } else {
            Ok((letter(Verdict::Pass, target_text), None))
        }
    }

    fn check_achievable(&self, history: Option<&Observations>) -> (Letter, Option<Pace>) {
        let Some(history) = history.filter(|h| !h.is_empty()) else {
            return (letter(Verdict::Warn, "no history given to judge the pace by"), None);
        };
        let Ok(target) = self.target_value() else {
            return (letter(Verdict::Warn, "no resolvable target to judge"), None);
        };
        if self.direction == Direction::Maintain {
            let Some(band) = self.band else {
                return (letter(Verdict::Warn, "no band to judge the history against"), None);
            };
            let inside = history.values().iter().filter(|v| (*v - target).abs() <= band).count();
            let share = inside as f64 / history.len() as f64;
            let verdict = if share >= 0.8 {
                Verdict::Pass
            } else if share >= 0.5 {
                Verdict::Warn
            } else {
                Verdict::Fail
            };
            let reason = format!(
                "{inside} of {} past observations ({:.0}%) lie within {} ± {}",
                history.len(),
                share * 100.0,
                num(target),
                num(band)
            );
            return (letter(verdict, reason), None);
        }
        let (Some(baseline), Some(days)) = (self.baseline, self.days().filter(|&d| d > 0)) else {
            return (
                letter(
                    Verdict::Warn,
                    "needs a baseline, a start and a due date to know the pace required",
                ),
                None,
            );
        };
        let Some(line) = history.line(0..history.len()) else {
            return (
                letter(Verdict::Warn, "history has a single observation; a pace needs two"),
                None,
            );
        };
        let required = (target - baseline.value) / days as f64;
        let pace = Pace {
            required_per_day: required,
            historical_per_day: line.slope_per_day,
            n_history: history.len(),
        };
        // Both paces in the goal's direction: positive is progress.
        let ratio = line.slope_per_day / required;
        let per_30 = |x: f64| signed(x * 30.0);
        let reason = format!(
            "the goal needs {} per 30 days; the history ({} observations) moved {} per 30 days",
            per_30(required),
            history.len(),
            per_30(line.slope_per_day)
        );
        let verdict = if ratio >= 1.0 {
            Verdict::Pass
        } else if ratio >= 0.5 {
            Verdict::Warn
        } else {
            Verdict::Fail
        };
        (letter(verdict, reason), Some(pace))
    }

    fn check_relevant(&self) -> Letter {
        match (&self.parent, &self.rationale) {
            (Some(p), _) => letter(Verdict::Pass, format!("serves goal `{p}`")),
            (None, Some(r)) => letter(Verdict::Pass, format!("rationale: {r}")),
            (None, None) => letter(Verdict::Fail, "no parent goal and no rationale: say what it serves"),
        }
    }

    fn check_time_bound(&self) -> Letter {
        match (self.start, self.due) {
            (_, None) => letter(Verdict::Fail, "no due date"),
            (None, Some(due)) => letter(Verdict::Warn, format!("due {due} but no start date")),
            (Some(start), Some(due)) if due <= start => letter(
                Verdict::Fail,
                format!("the due date {due} is not after the start {start}"),
            ),
            (Some(start), Some(due)) => letter(
                Verdict::Pass,
                format!("{start} to {due} ({} days)", (due - start).num_days() + 1),
            ),
        }
    }
}

/// Margin of error and detectable change for a change of `change` reported units on `spec`'s survey.
fn noise(spec: &crate::survey::MetricSpec, m: Measurement, change: f64) -> Result<Noise> {
    let factor = spec.display_factor();
    let (variance, worst_case) = match m.variance {
        Some(v) => (v * factor * factor, false),
        None => (spec.worst_case_variance(), true),
    };
    let margin = margin_of_error(m.responses, variance, m.level, None)?;
    let alpha = 1.0 - m.level;
    let z = z_for_level(m.level)? + normal_quantile(m.power);
    let detectable = z * (2.0 * variance / m.responses as f64).sqrt();
    let needed = if change > 0.0 {
        sample_size_per_group(change, variance, variance, alpha, m.power)?
    } else {
        u64::MAX
    };
    Ok(Noise {
        change,
        responses: m.responses,
        variance,
        worst_case_variance: worst_case,
        level: m.level,
        margin_of_error: margin,
        detectable_change: detectable,
        power: m.power,
        responses_needed: needed,
    })
}
