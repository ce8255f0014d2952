//! The portfolio view over account evaluations: accounts per stage, the stage funnel (in-progress accounts kept
//! apart from drop-offs), time to reach each stage, task and guided-action execution rates, and the stalled list.

use super::evaluate::{AccountEvaluation, JourneyStatus};
use super::roadmap::{ActionKind, Owner, Roadmap};
use crate::period::days_since_epoch;
use crate::serde_util::nan_as_null;
use crate::stats::quantile_sorted;
use crate::{CxError, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The id of the row after the last stage in [`Portfolio::stages`].
pub const COMPLETED: &str = "completed";

/// One row of the stage funnel: a stage, or the completion of the roadmap ([`COMPLETED`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRow {
    /// The stage's id, or `completed`.
    pub stage: String,
    /// Accounts in the stage at `as_of` (for `completed`: accounts that completed).
    pub current: usize,
    /// Of `current`, on track.
    pub on_track: usize,
    /// Of `current`, behind.
    pub behind: usize,
    /// Of `current`, stuck.
    pub stuck: usize,
    /// Accounts that ever reached the stage.
    pub reached: usize,
    /// Accounts in the previous stage (not started, for the first) that are not stuck: they may still arrive.
    pub in_progress: usize,
    /// Accounts stuck in the previous stage: reached(previous) − reached − in_progress.
    pub dropped: usize,
    /// reached / reached(previous) (NaN when none reached the previous stage).
    #[serde(with = "nan_as_null")]
    pub conversion_from_previous: f64,
    /// reached / reached(first stage).
    #[serde(with = "nan_as_null")]
    pub conversion_from_entry: f64,
    /// Median days from entering the first stage to reaching this one (NaN when none reached it).
    #[serde(with = "nan_as_null")]
    pub days_to_reach_p50: f64,
    /// 90th percentile of the same (type 7).
    #[serde(with = "nan_as_null")]
    pub days_to_reach_p90: f64,
}

/// Standard-task execution of one owner in one stage: tasks completed by their due date among tasks whose due
/// date has passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRate {
    /// The stage.
    pub stage: String,
    /// The owner.
    pub owner: Owner,
    /// Tasks whose due date is before `as_of`.
    pub due: usize,
    /// Of those, completed on or before the due date.
    pub done_by_due: usize,
    /// done_by_due / due (NaN when nothing is due).
    #[serde(with = "nan_as_null")]
    pub rate: f64,
}

/// Execution of one guided action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionRate {
    /// The action's id.
    pub action: String,
    /// Opportunity or risk.
    pub kind: ActionKind,
    /// Firings.
    pub triggered: usize,
    /// Firings executed.
    pub executed: usize,
    /// Firings still open.
    pub open: usize,
    /// executed / triggered (NaN when never triggered).
    #[serde(with = "nan_as_null")]
    pub rate: f64,
}

/// An account that is behind or stuck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stalled {
    /// The account.
    pub account: String,
    /// Its stage.
    pub stage: String,
    /// Days in it.
    pub days_in_stage: i64,
    /// Behind or stuck.
    pub status: JourneyStatus,
    /// Why.
    pub reason: String,
}

/// The portfolio at `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    /// The roadmap's name.
    pub roadmap: String,
    /// The day evaluated.
    pub as_of: NaiveDate,
    /// Accounts evaluated.
    pub n_accounts: usize,
    /// Accounts whose first stage has not opened.
    pub not_started: usize,
    /// One row per stage, then the `completed` row.
    pub stages: Vec<StageRow>,
    /// Task execution per stage and owner (stages in order, owners customer, vendor, joint; only pairs with tasks).
    pub tasks: Vec<TaskRate>,
    /// Execution of each guided action, in roadmap order.
    pub actions: Vec<ActionRate>,
    /// Stuck accounts first, then behind, longest in stage first.
    pub stalled: Vec<Stalled>,
}

/// a / b, NaN when there is nothing to divide by (a rate of nothing is undefined, not 0).
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { f64::NAN } else { a as f64 / b as f64 }
}

impl Roadmap {
    /// The portfolio view of `evaluations` (all of this roadmap and at one `as_of`).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use cx_core::journey::{AccountFacts, Roadmap};
    ///
    /// let roadmap = Roadmap::from_json(br#"{"version": 1, "name": "r", "stages": [
    ///     {"id": "setup", "name": "Setup", "exit": "configured >= 1", "max_days": 10},
    ///     {"id": "use", "name": "Use"}]}"#)?;
    /// let day = |d| NaiveDate::from_ymd_opt(2025, 3, d).unwrap();
    /// let account = |id: &str, configured: Option<u32>| AccountFacts {
    ///     account: id.into(),
    ///     start: Some(day(1)),
    ///     metrics: configured.map(|d| ("configured".to_string(), vec![(day(d), 1.0)])).into_iter().collect(),
    ///     ..Default::default()
    /// };
    /// let facts = [account("a", Some(5)), account("b", None), account("c", Some(9))];
    /// let evaluations = roadmap.evaluate_all(&facts, day(15))?;
    /// let p = roadmap.portfolio(&evaluations)?;
    /// assert_eq!((p.stages[1].reached, p.stages[1].dropped), (2, 1)); // b is stuck after 14 days > 10
    /// assert_eq!(p.stages[1].days_to_reach_p50, 6.0); // 4 and 8 days
    /// assert_eq!(p.stalled[0].account, "b");
    /// # Ok::<(), cx_core::CxError>(())
    /// ```
    pub fn portfolio(&self, evaluations: &[AccountEvaluation]) -> Result<Portfolio> {
        let first = evaluations.first().ok_or_else(|| CxError::EmptyInput {
            what: "account evaluations".into(),
        })?;
        let as_of = first.as_of;
        let n = self.stages.len();
        for (i, e) in evaluations.iter().enumerate() {
            if e.as_of != as_of {
                return Err(CxError::invalid_argument(
                    format!("evaluations[{i}].as_of"),
                    e.as_of,
                    format!("differs from the first evaluation's {as_of}; evaluate every account at one date"),
                ));
            }
            let foreign = e
                .visits
                .iter()
                .enumerate()
                .find(|(k, v)| self.stages.get(*k).is_none_or(|s| s.id != v.stage));
            if let Some((k, v)) = foreign {
                return Err(CxError::UnknownId {
                    what: "account evaluations".into(),
                    kind: "stage".into(),
                    id: v.stage.clone(),
                    at: format!("evaluations[{i}].visits[{k}] (evaluated with another roadmap?)"),
                });
            }
        }
        // Index of the current stage: n once completed, None before the start.
        let current = |e: &AccountEvaluation| match e.status {
            JourneyStatus::NotStarted => None,
            _ => e.stage_index,
        };
        let count_current = |k: usize, status: Option<JourneyStatus>| {
            evaluations
                .iter()
                .filter(|e| current(e) == Some(k) && status.is_none_or(|s| e.status == s))
                .count()
        };
        let mut stages: Vec<StageRow> = Vec::with_capacity(n + 1);
        for k in 0..=n {
            // Days from entering the first stage to reaching row k (entering stage k, or completing).
            let reach_day = |e: &AccountEvaluation| -> Option<i64> {
                let reached = if k < n {
                    e.visits.get(k).map(|v| v.entered)
                } else {
                    e.visits.get(n - 1).and_then(|v| v.exited)
                };
                Some(days_since_epoch(reached?) - days_since_epoch(e.visits.first()?.entered))
            };
            let mut days: Vec<f64> = evaluations.iter().filter_map(reach_day).map(|d| d as f64).collect();
            days.sort_by(f64::total_cmp);
            let reached = days.len();
            let (in_progress, previous) = if k == 0 {
                let not_started = evaluations.len() - reached;
                (not_started, None)
            } else {
                let waiting = count_current(k - 1, None) - count_current(k - 1, Some(JourneyStatus::Stuck));
                (waiting, Some(stages[k - 1].reached))
            };
            let entry = stages.first().map_or(reached, |s| s.reached);
            let quantile = |p| {
                if days.is_empty() {
                    f64::NAN
                } else {
                    quantile_sorted(&days, p)
                }
            };
            stages.push(StageRow {
                stage: if k < n {
                    self.stages[k].id.clone()
                } else {
                    COMPLETED.into()
                },
                current: count_current(k, None),
                on_track: count_current(k, Some(JourneyStatus::OnTrack)),
                behind: count_current(k, Some(JourneyStatus::Behind)),
                stuck: count_current(k, Some(JourneyStatus::Stuck)),
                reached,
                in_progress,
                dropped: previous.map_or(0, |p| p.saturating_sub(reached + in_progress)),
                conversion_from_previous: previous.map_or(f64::NAN, |p| ratio(reached, p)),
                conversion_from_entry: ratio(reached, entry),
                days_to_reach_p50: quantile(0.5),
                days_to_reach_p90: quantile(0.9),
            });
        }

        let mut tasks = Vec::new();
        for stage in &self.stages {
            for owner in Owner::ALL {
                if !self.tasks.iter().any(|t| t.stage == stage.id && t.owner == owner) {
                    continue;
                }
                let states = evaluations.iter().flat_map(|e| &e.tasks);
                let due: Vec<_> = states
                    .filter(|t| t.stage == stage.id && t.owner == owner && t.due.is_some_and(|d| d < as_of))
                    .collect();
                let done_by_due = due.iter().filter(|t| t.on_time == Some(true)).count();
                tasks.push(TaskRate {
                    stage: stage.id.clone(),
                    owner,
                    due: due.len(),
                    done_by_due,
                    rate: ratio(done_by_due, due.len()),
                });
            }
        }

        let actions = self
            .actions
            .iter()
            .map(|a| {
                let fired: Vec<_> = evaluations
                    .iter()
                    .flat_map(|e| &e.fired)
                    .filter(|f| f.action == a.id)
                    .collect();
                let executed = fired.iter().filter(|f| f.executed.is_some()).count();
                ActionRate {
                    action: a.id.clone(),
                    kind: a.kind,
                    triggered: fired.len(),
                    executed,
                    open: fired.len() - executed,
                    rate: ratio(executed, fired.len()),
                }
            })
            .collect();

        let mut stalled: Vec<Stalled> = evaluations
            .iter()
            .filter(|e| matches!(e.status, JourneyStatus::Stuck | JourneyStatus::Behind))
            .map(|e| Stalled {
                account: e.account.clone(),
                stage: e.stage.clone().unwrap_or_default(),
                days_in_stage: e.days_in_stage.unwrap_or(0),
                status: e.status,
                reason: e.reason.clone(),
            })
            .collect();
        stalled.sort_by(|a, b| {
            (b.status == JourneyStatus::Stuck)
                .cmp(&(a.status == JourneyStatus::Stuck))
                .then(b.days_in_stage.cmp(&a.days_in_stage))
                .then(a.account.cmp(&b.account))
        });
        Ok(Portfolio {
            roadmap: self.name.clone(),
            as_of,
            n_accounts: evaluations.len(),
            not_started: evaluations
                .iter()
                .filter(|e| e.status == JourneyStatus::NotStarted)
                .count(),
            stages,
            tasks,
            actions,
            stalled,
        })
    }
}
