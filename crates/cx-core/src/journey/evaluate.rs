//! One account against the roadmap at `as_of`: a day-by-day replay from the account's start, so stage exits,
//! edge triggers, cooldowns and deduplication are decided on the day they happened, exactly as a daily job would
//! have decided them.
//!
//! Rules (also in `docs/journeys.md`):
//! - The account enters the first stage on its start date, or when the stage's window opens if that is later (or
//!   if it has no start date).
//! - A stage's exit is met on the first day its exit condition holds and its required tasks are done (a stage with
//!   neither ends on its window's end). Met stays met. The account enters the next stage that day, or when the next
//!   stage's window opens if that is later; until then it waits in the stage it has met.
//! - A guided action is active in its stages (all stages, and after completion, when it lists none). It fires on a
//!   day its condition is true: edge-triggered only when it was not true the day before (or the action was not
//!   active), level-triggered every such day; not while an earlier firing is open (not yet executed) when
//!   deduplicating; not when the cooldown's quota for the last D days is used up. Each execution closes one
//!   firing: the first on or after its day that an earlier firing has not taken.
//! - Status: `completed` after the last stage's exit; `stuck` beyond the stage's `max_days`; `behind` beyond
//!   `expected_days`, past the window's end, or with a required task of the stage overdue; `on_track` otherwise;
//!   `not_started` before the first stage opens.
//! - Limits (the replay's time and memory follow the days replayed and the firings recorded, not the input's
//!   size, so both are capped): at most [`MAX_EVALUATION_DAYS`] days from the account's start to `as_of`, and at
//!   most [`MAX_FIRING_VALUES`] firings plus leaf values recorded per account. Beyond either, the evaluation is
//!   refused with [`CxError::LimitExceeded`] naming the limit and the account (rather than cut short, which would
//!   silently drop firings).

use super::facts::{AccountFacts, LeafValue, Timeline, Truth, date_of};
use super::roadmap::{ActionKind, Owner, Roadmap, Trigger};
use crate::period::days_since_epoch;
use crate::{CxError, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The most days one account's evaluation replays (its start to `as_of`, both included): about 274 years, beyond
/// any real journey; more is [`CxError::LimitExceeded`]. (A million days took 4.6 GB.)
pub const MAX_EVALUATION_DAYS: u64 = 100_000;

/// The most firings plus leaf values (each firing records the value of every leaf of its condition) one account's
/// evaluation records; more is [`CxError::LimitExceeded`]. Bounds the memory of one evaluation to tens of MB.
pub const MAX_FIRING_VALUES: u64 = 1_000_000;

/// Where an account stands on the roadmap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JourneyStatus {
    /// The first stage has not opened yet.
    NotStarted,
    /// Within the stage's expected duration, window and task due dates.
    OnTrack,
    /// Beyond the expected duration or window end, or with a required task overdue.
    Behind,
    /// Beyond the stage's maximum duration.
    Stuck,
    /// Every stage's exit is met.
    Completed,
}

impl JourneyStatus {
    /// The status's name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            JourneyStatus::NotStarted => "not_started",
            JourneyStatus::OnTrack => "on_track",
            JourneyStatus::Behind => "behind",
            JourneyStatus::Stuck => "stuck",
            JourneyStatus::Completed => "completed",
        }
    }
}

/// A stage the account entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageVisit {
    /// The stage's id.
    pub stage: String,
    /// The day it was entered.
    pub entered: NaiveDate,
    /// The day it was left (`None`: still in it).
    pub exited: Option<NaiveDate>,
    /// Days spent in it, up to `as_of` when still in it.
    pub days: i64,
}

/// A task's state at `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Completed.
    Done,
    /// Not completed, not past its due date.
    Open,
    /// Not completed and past its due date.
    Overdue,
}

/// One task of a stage the account entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskState {
    /// The task's id.
    pub task: String,
    /// Its stage.
    pub stage: String,
    /// Who carries it out.
    pub owner: Owner,
    /// Whether the stage's exit waits for it.
    pub required: bool,
    /// Its due date (`None`: no due date, or its anchor is unknown for this account).
    pub due: Option<NaiveDate>,
    /// When it was completed.
    pub done: Option<NaiveDate>,
    /// Done, open or overdue.
    pub status: TaskStatus,
    /// Done by its due date (`None` when not done or without a due date).
    pub on_time: Option<bool>,
}

/// Task counts of one owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerTasks {
    /// The owner.
    pub owner: Owner,
    /// Completed tasks.
    pub done: usize,
    /// Open tasks.
    pub open: usize,
    /// Overdue tasks.
    pub overdue: usize,
}

/// A guided action that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Firing {
    /// The action's id.
    pub action: String,
    /// Opportunity or risk.
    pub kind: ActionKind,
    /// The role it targets.
    pub target: String,
    /// The day it fired.
    pub date: NaiveDate,
    /// The stage the account was in (`None`: after completion).
    pub stage: Option<String>,
    /// The values that made the condition true.
    pub values: Vec<LeafValue>,
    /// The execution that closed it: the first on or after `date` not taken by an earlier firing (`None`: open).
    pub executed: Option<NaiveDate>,
}

/// One account at `as_of`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEvaluation {
    /// The account's id.
    pub account: String,
    /// The day evaluated.
    pub as_of: NaiveDate,
    /// Index of the current stage (`None` before the start; the number of stages once completed).
    pub stage_index: Option<usize>,
    /// The current stage's id (`None` before the start and once completed).
    pub stage: Option<String>,
    /// When the current stage was entered.
    pub entered: Option<NaiveDate>,
    /// Days in the current stage.
    pub days_in_stage: Option<i64>,
    /// Where the account stands.
    pub status: JourneyStatus,
    /// Why, in words with the numbers.
    pub reason: String,
    /// The stages entered so far, in order.
    pub visits: Vec<StageVisit>,
    /// Tasks of the stages entered, in roadmap order.
    pub tasks: Vec<TaskState>,
    /// Task counts per owner (customer, vendor, joint).
    pub tasks_by_owner: Vec<OwnerTasks>,
    /// Guided actions fired, in date order.
    pub fired: Vec<Firing>,
    /// Ids of the current stage's tasks not done yet, soonest due first.
    pub next_tasks: Vec<String>,
    /// Facts dated after `as_of`, left out.
    pub facts_after_as_of: usize,
}

/// Per-stage data derived once from the roadmap.
struct StagePlan<'a> {
    required: Vec<&'a str>,
    has_criteria: bool,
}

/// Per-action replay state.
#[derive(Default)]
struct ActionState {
    true_yesterday: bool,
    fired: Vec<i64>,
    /// The day the last firing was executed (`None`: open, or no firing yet).
    last_executed: Option<i64>,
    /// Executions before this index are taken: each closes one firing.
    executions_used: usize,
}

impl Roadmap {
    /// Evaluates one account at `as_of` (see the module documentation for the rules).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use cx_core::journey::{AccountFacts, JourneyStatus, Roadmap};
    ///
    /// let roadmap = Roadmap::from_json(br#"{"version": 1, "name": "trial", "stages": [
    ///     {"id": "trial", "name": "Trial", "exit": "decided >= 1", "expected_days": 14, "max_days": 30},
    ///     {"id": "use", "name": "Use"}],
    ///   "actions": [{"id": "nudge", "name": "Call the admin", "kind": "risk", "target": "admin",
    ///                "when": "logins < 3"}]}"#)?;
    /// let day = |d| NaiveDate::from_ymd_opt(2025, 1, d).unwrap();
    /// let facts = AccountFacts {
    ///     account: "acme".into(),
    ///     start: Some(day(1)),
    ///     metrics: [("logins".to_string(), vec![(day(3), 1.0), (day(10), 5.0)])].into(),
    ///     ..Default::default()
    /// };
    /// let e = roadmap.evaluate(&facts, day(20))?;
    /// assert_eq!(e.status, JourneyStatus::Behind); // 19 days in trial, expected 14
    /// assert_eq!(e.fired.len(), 1);
    /// assert_eq!(e.fired[0].date, day(3));
    /// assert_eq!(e.fired[0].values[0].value, 1.0);
    /// # Ok::<(), cx_core::CxError>(())
    /// ```
    pub fn evaluate(&self, facts: &AccountFacts, as_of: NaiveDate) -> Result<AccountEvaluation> {
        // The fields are public, so a roadmap built in code may never have been checked.
        self.validate()?;
        self.evaluate_at(facts, as_of, &format!("account `{}`", facts.account))
    }

    /// Evaluates every account; errors name the account's position (`accounts[3]`). Account ids must be unique.
    pub fn evaluate_all(&self, accounts: &[AccountFacts], as_of: NaiveDate) -> Result<Vec<AccountEvaluation>> {
        self.validate()?;
        let mut seen = HashSet::new();
        accounts
            .iter()
            .enumerate()
            .map(|(i, facts)| {
                if !seen.insert(facts.account.as_str()) {
                    return Err(CxError::InvalidConfig {
                        what: "account facts".into(),
                        field: format!("accounts[{i}].account"),
                        reason: format!("account `{}` appears twice; give each account once", facts.account),
                    });
                }
                self.evaluate_at(facts, as_of, &format!("accounts[{i}]"))
            })
            .collect()
    }

    fn evaluate_at(&self, facts: &AccountFacts, as_of_date: NaiveDate, at: &str) -> Result<AccountEvaluation> {
        self.check_fact_ids(facts, at)?;
        let as_of = days_since_epoch(as_of_date);
        let mut timeline = Timeline::new(facts, as_of, at)?;
        let anchor = |name: &str| facts.anchors.get(name).map(|&d| days_since_epoch(d));
        let window_day = |k: usize, pick: fn(&super::roadmap::Window) -> Option<i64>| {
            let w = self.stages[k].window.as_ref()?;
            Some(anchor(&w.anchor)? + pick(w)?)
        };
        let opens = |k: usize| window_day(k, |w| w.from_days);
        let closes = |k: usize| window_day(k, |w| w.to_days);
        let plans: Vec<StagePlan> = self
            .stages
            .iter()
            .map(|s| {
                let required: Vec<&str> = self
                    .tasks
                    .iter()
                    .filter(|t| t.required && t.stage == s.id)
                    .map(|t| t.id.as_str())
                    .collect();
                StagePlan {
                    has_criteria: s.exit.is_some() || !required.is_empty(),
                    required,
                }
            })
            .collect();
        let n = self.stages.len();
        let start = match (facts.start.map(days_since_epoch), opens(0)) {
            (Some(s), Some(o)) => s.max(o),
            (Some(d), None) | (None, Some(d)) => d,
            (None, None) => {
                return Err(CxError::InvalidConfig {
                    what: "account facts".into(),
                    field: format!("{at}.start"),
                    reason: format!(
                        "account `{}` has no start date and the first stage opens at no anchor date it has",
                        facts.account
                    ),
                });
            }
        };
        let mut evaluation = AccountEvaluation {
            account: facts.account.clone(),
            as_of: as_of_date,
            stage_index: None,
            stage: None,
            entered: None,
            days_in_stage: None,
            status: JourneyStatus::NotStarted,
            reason: format!("the roadmap starts on {}", date_of(start)),
            visits: Vec::new(),
            tasks: Vec::new(),
            tasks_by_owner: Vec::new(),
            fired: Vec::new(),
            next_tasks: Vec::new(),
            facts_after_as_of: timeline.after_as_of,
        };
        if start > as_of {
            return Ok(evaluation);
        }
        // Day numbers come from dates (±262,000 years), so the span cannot overflow.
        let days = (as_of - start + 1) as u64;
        if days > MAX_EVALUATION_DAYS {
            return Err(CxError::limit(
                format!(
                    "days evaluated for {at} (from {} to as_of {as_of_date})",
                    date_of(start)
                ),
                MAX_EVALUATION_DAYS,
                days,
            ));
        }
        // Leaves per action: the values each of its firings records.
        let leaves: Vec<u64> = (self.actions.iter())
            .map(|a| {
                let mut n = 0u64;
                a.when.visit_leaves(&mut |_| n += 1);
                n
            })
            .collect();
        let mut recorded = 0u64;
        timeline.watched_from = start;
        let exit_met = |k: usize, day: i64| {
            let plan = &plans[k];
            if plan.has_criteria {
                plan.required.iter().all(|t| timeline.done_by(t, day))
                    && self.stages[k]
                        .exit
                        .as_ref()
                        .is_none_or(|c| timeline.truth(c, day) == Truth::True)
            } else {
                closes(k).is_some_and(|end| day >= end)
            }
        };
        let active_in: Vec<Vec<bool>> = self
            .actions
            .iter()
            .map(|a| {
                self.stages
                    .iter()
                    .map(|s| a.stages.is_empty() || a.stages.contains(&s.id))
                    .collect()
            })
            .collect();
        let mut entered = vec![start];
        let mut exited: Vec<i64> = Vec::new();
        let mut met_on: Option<i64> = None;
        let mut actions: Vec<ActionState> = self.actions.iter().map(|_| ActionState::default()).collect();
        for day in start..=as_of {
            // Stage progress; several stages can be met on one day.
            while exited.len() < n {
                let k = exited.len();
                if met_on.is_none() && exit_met(k, day) {
                    met_on = Some(day);
                }
                if met_on.is_none() || (k + 1 < n && opens(k + 1).is_some_and(|o| day < o)) {
                    break;
                }
                exited.push(day);
                met_on = None;
                if k + 1 < n {
                    entered.push(day);
                }
            }
            let current = exited.len();
            for (a, (action, state)) in self.actions.iter().zip(&mut actions).enumerate() {
                let active = if current < n {
                    active_in[a][current]
                } else {
                    action.stages.is_empty()
                };
                let holds = active && timeline.truth(&action.when, day) == Truth::True;
                let edge = action.trigger == Trigger::Level || !state.true_yesterday;
                state.true_yesterday = holds;
                if !holds || !edge {
                    continue;
                }
                let open = !state.fired.is_empty() && state.last_executed.is_none_or(|e| e > day);
                if action.dedup_while_open && open {
                    continue;
                }
                if let Some(c) = action.cooldown {
                    // Firings are in day order: those in the last `c.days` days are a suffix, found by bisection
                    // (a scan of every earlier firing made long level-triggered replays quadratic).
                    let recent = state.fired.len() - state.fired.partition_point(|&f| day - f >= i64::from(c.days));
                    if recent >= c.times as usize {
                        continue;
                    }
                }
                recorded += 1 + leaves[a];
                if recorded > MAX_FIRING_VALUES {
                    return Err(CxError::limit(
                        format!(
                            "firings and their leaf values recorded for {at} (action `{}` on {})",
                            action.id,
                            date_of(day)
                        ),
                        MAX_FIRING_VALUES,
                        recorded,
                    ));
                }
                // The firing's execution: the first one on or after today not taken by an earlier firing.
                let executions = timeline.executions.get(&action.id).map_or(&[][..], Vec::as_slice);
                let free = &executions[state.executions_used..];
                let taken = free.partition_point(|&e| e < day);
                state.last_executed = free.get(taken).copied();
                state.executions_used += (taken + 1).min(free.len());
                state.fired.push(day);
                evaluation.fired.push(Firing {
                    action: action.id.clone(),
                    kind: action.kind,
                    target: action.target.clone(),
                    date: date_of(day),
                    stage: (current < n).then(|| self.stages[current].id.clone()),
                    values: timeline.leaf_values(&action.when, day),
                    executed: state.last_executed.map(date_of),
                });
            }
        }

        let current = exited.len();
        evaluation.stage_index = Some(current);
        evaluation.visits = entered
            .iter()
            .enumerate()
            .map(|(k, &e)| StageVisit {
                stage: self.stages[k].id.clone(),
                entered: date_of(e),
                exited: exited.get(k).map(|&x| date_of(x)),
                days: exited.get(k).copied().unwrap_or(as_of) - e,
            })
            .collect();

        // Tasks of the stages entered.
        for task in &self.tasks {
            let Some(&stage_entry) = self.stage_index(&task.stage).and_then(|k| entered.get(k)) else {
                continue;
            };
            let due = task.due.as_ref().and_then(|d| match &d.anchor {
                None => Some(stage_entry + d.days),
                Some(name) => anchor(name).map(|a| a + d.days),
            });
            let done = timeline.tasks.get(&task.id).copied();
            let status = match (done, due) {
                (Some(_), _) => TaskStatus::Done,
                (None, Some(due)) if as_of > due => TaskStatus::Overdue,
                _ => TaskStatus::Open,
            };
            evaluation.tasks.push(TaskState {
                task: task.id.clone(),
                stage: task.stage.clone(),
                owner: task.owner,
                required: task.required,
                due: due.map(date_of),
                done: done.map(date_of),
                status,
                on_time: done.zip(due).map(|(d, due)| d <= due),
            });
        }
        evaluation.tasks_by_owner = Owner::ALL
            .iter()
            .map(|&owner| {
                let count = |s: TaskStatus| {
                    evaluation
                        .tasks
                        .iter()
                        .filter(|t| t.owner == owner && t.status == s)
                        .count()
                };
                OwnerTasks {
                    owner,
                    done: count(TaskStatus::Done),
                    open: count(TaskStatus::Open),
                    overdue: count(TaskStatus::Overdue),
                }
            })
            .collect();

        if current == n {
            evaluation.status = JourneyStatus::Completed;
            evaluation.reason = format!("every stage done; the last on {}", date_of(exited[n - 1]));
            return Ok(evaluation);
        }
        let stage = &self.stages[current];
        let since = entered[current];
        let days_in = as_of - since;
        evaluation.stage = Some(stage.id.clone());
        evaluation.entered = Some(date_of(since));
        evaluation.days_in_stage = Some(days_in);
        let mut next: Vec<(i64, usize, &str)> = evaluation
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.stage == stage.id && t.status != TaskStatus::Done)
            .map(|(i, t)| (t.due.map_or(i64::MAX, days_since_epoch), i, t.task.as_str()))
            .collect();
        next.sort_unstable();
        evaluation.next_tasks = next.iter().map(|&(_, _, t)| t.to_string()).collect();
        let overdue: Vec<&str> = evaluation
            .tasks
            .iter()
            .filter(|t| t.stage == stage.id && t.required && t.status == TaskStatus::Overdue)
            .map(|t| t.task.as_str())
            .collect();
        let in_stage = format!("{days_in} days in `{}`", stage.id);
        let (status, reason) = if let Some(met) = met_on {
            let opening = opens(current + 1).map_or(String::new(), |o| {
                format!("; `{}` opens on {}", self.stages[current + 1].id, date_of(o))
            });
            (
                JourneyStatus::OnTrack,
                format!("{in_stage}; its exit was met on {}{opening}", date_of(met)),
            )
        } else if let Some(max) = stage.max_days.filter(|&m| days_in > i64::from(m)) {
            (JourneyStatus::Stuck, format!("{in_stage}, beyond the maximum of {max}"))
        } else if let Some(expected) = stage.expected_days.filter(|&e| days_in > i64::from(e)) {
            (
                JourneyStatus::Behind,
                format!("{in_stage}, beyond the expected {expected}"),
            )
        } else if let Some(end) = closes(current).filter(|&end| as_of > end) {
            (
                JourneyStatus::Behind,
                format!("{in_stage}; its window closed on {}", date_of(end)),
            )
        } else if !overdue.is_empty() {
            (
                JourneyStatus::Behind,
                format!("{in_stage}; required tasks overdue: {}", overdue.join(", ")),
            )
        } else {
            let plan = stage
                .expected_days
                .map_or(String::new(), |e| format!(" of the expected {e}"));
            (JourneyStatus::OnTrack, format!("{in_stage}{plan}"))
        };
        evaluation.status = status;
        evaluation.reason = reason;
        Ok(evaluation)
    }

    /// Task completions and executions must name tasks and actions of the roadmap: a typo would otherwise leave a
    /// task open forever.
    fn check_fact_ids(&self, facts: &AccountFacts, at: &str) -> Result<()> {
        let unknown = |kind: &str, id: &str, field: &str| CxError::UnknownId {
            what: "account facts".into(),
            kind: kind.into(),
            id: id.into(),
            at: format!("{at}.{field}"),
        };
        if let Some(task) = facts.tasks.keys().find(|t| !self.tasks.iter().any(|x| &x.id == *t)) {
            return Err(unknown("task", task, "tasks"));
        }
        if let Some(action) = facts
            .executions
            .keys()
            .find(|a| !self.actions.iter().any(|x| &x.id == *a))
        {
            return Err(unknown("guided action", action, "executions"));
        }
        Ok(())
    }
}
