//! What is known about an account, and what a [`Condition`] says about it on a given day.
//!
//! Facts are dated: metric observations (a value holds from its date until the next observation), events, task
//! completions and executions of guided actions. Conditions are three-valued: a metric never observed, a change
//! whose window starts before the first observation, or an absence watched for less than its window is
//! [`Truth::Unknown`], and nothing fires or exits on an unknown.

use super::condition::Condition;
use crate::period::days_since_epoch;
use crate::{CxError, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything known about one account, as dated facts. The JSON form of one element of `accounts` in a facts
/// document:
///
/// ```json
/// {"account": "acme", "start": "2025-01-06", "anchors": {"go_live": "2025-04-01"},
///  "metrics": {"dau": [["2025-01-20", 12], ["2025-02-03", 48]]},
///  "events": {"nps_response": ["2025-02-10"]},
///  "tasks": {"kickoff_meeting": "2025-01-08"},
///  "executions": {"contact_admin": ["2025-01-25"]}}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountFacts {
    /// The account's id.
    pub account: String,
    /// The day the account starts the roadmap (contract, trial start). May be left out when the first stage has a
    /// window relative to an anchor.
    #[serde(default)]
    pub start: Option<NaiveDate>,
    /// Named dates stage windows and task due dates refer to, e.g. `go_live`.
    #[serde(default)]
    pub anchors: BTreeMap<String, NaiveDate>,
    /// Observations per metric: (date, value), one per date; a value holds until the next one.
    #[serde(default)]
    pub metrics: BTreeMap<String, Vec<(NaiveDate, f64)>>,
    /// Days each event happened.
    #[serde(default)]
    pub events: BTreeMap<String, Vec<NaiveDate>>,
    /// The day each task was completed.
    #[serde(default)]
    pub tasks: BTreeMap<String, NaiveDate>,
    /// Days each guided action was carried out.
    #[serde(default)]
    pub executions: BTreeMap<String, Vec<NaiveDate>>,
}

/// A three-valued truth: missing data makes a condition unknown rather than false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Truth {
    /// The condition holds.
    True,
    /// The condition does not hold.
    False,
    /// The data needed to decide is missing.
    Unknown,
}

impl Truth {
    fn of(holds: bool) -> Truth {
        if holds { Truth::True } else { Truth::False }
    }

    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// The value behind one leaf of a condition on the day it was evaluated, e.g. `first_login_rate` = 0.25 or
/// `change(key_person_usage, 28d)` = −31.2 (percent), `absent(nps_response, 14d)` = days since the last response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeafValue {
    /// The leaf: a metric name, or the leaf in the readable form for changes, absences and tasks.
    pub what: String,
    /// Its value (`null` when unknown; for `absent`, when the event never happened; `done` is 1 or 0).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub value: f64,
}

/// An account's facts as sorted day numbers (days since 1970-01-01), ready for evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    /// The first day facts are watched from (the start of the roadmap), for absences.
    pub watched_from: i64,
    metrics: BTreeMap<String, Vec<(i64, f64)>>,
    events: BTreeMap<String, Vec<i64>>,
    pub tasks: BTreeMap<String, i64>,
    pub executions: BTreeMap<String, Vec<i64>>,
    /// Facts dated after `as_of`, left out of the evaluation (and counted so the caller knows).
    pub after_as_of: usize,
}

impl Timeline {
    /// Sorts and checks `facts` (`at` names the account in errors); facts after `as_of` are counted and set aside.
    pub fn new(facts: &AccountFacts, as_of: i64, at: &str) -> Result<Timeline> {
        let bad = |field: String, reason: String| CxError::InvalidConfig {
            what: "account facts".into(),
            field: format!("{at}.{field}"),
            reason,
        };
        let mut after_as_of = 0;
        let mut keep = |day: i64| {
            let kept = day <= as_of;
            after_as_of += usize::from(!kept);
            kept
        };
        let mut metrics = BTreeMap::new();
        for (name, series) in &facts.metrics {
            let mut days: Vec<(i64, f64)> = Vec::with_capacity(series.len());
            for (i, &(date, value)) in series.iter().enumerate() {
                if !value.is_finite() {
                    return Err(bad(
                        format!("metrics.{name}[{i}]"),
                        format!("value {value} is not finite"),
                    ));
                }
                let day = days_since_epoch(date);
                if keep(day) {
                    days.push((day, value));
                }
            }
            days.sort_by_key(|&(day, _)| day);
            if let Some(w) = days.windows(2).find(|w| w[0].0 == w[1].0) {
                return Err(bad(
                    format!("metrics.{name}"),
                    format!("two observations on {}; give one value per date", date_of(w[0].0)),
                ));
            }
            metrics.insert(name.clone(), days);
        }
        let mut days_of = |dates: &[NaiveDate]| {
            let mut days: Vec<i64> = dates
                .iter()
                .map(|&d| days_since_epoch(d))
                .filter(|&d| keep(d))
                .collect();
            days.sort_unstable();
            days
        };
        let events = facts.events.iter().map(|(k, v)| (k.clone(), days_of(v))).collect();
        let executions = facts.executions.iter().map(|(k, v)| (k.clone(), days_of(v))).collect();
        let tasks = facts
            .tasks
            .iter()
            .map(|(k, &d)| (k.clone(), days_since_epoch(d)))
            .filter(|&(_, d)| keep(d))
            .collect();
        Ok(Timeline {
            watched_from: i64::MIN,
            metrics,
            events,
            tasks,
            executions,
            after_as_of,
        })
    }

    /// The metric's value on `day`: the last observation on or before it.
    fn value(&self, metric: &str, day: i64) -> Option<f64> {
        let series = self.metrics.get(metric)?;
        let i = series.partition_point(|&(d, _)| d <= day);
        (i > 0).then(|| series[i - 1].1)
    }

    /// The change of `metric` over the `days` before `day`, in percent of the value then (unknown when either
    /// value is, or the value then is 0).
    fn change(&self, metric: &str, days: u32, day: i64) -> Option<f64> {
        let now = self.value(metric, day)?;
        let then = self.value(metric, day - i64::from(days))?;
        (then != 0.0).then(|| 100.0 * (now - then) / then.abs())
    }

    /// Days since the event last happened on or before `day` (`None`: never).
    fn days_since(&self, event: &str, day: i64) -> Option<i64> {
        let days = self.events.get(event)?;
        let i = days.partition_point(|&d| d <= day);
        (i > 0).then(|| day - days[i - 1])
    }

    /// Whether the task was completed on or before `day`.
    pub fn done_by(&self, task: &str, day: i64) -> bool {
        self.tasks.get(task).is_some_and(|&d| d <= day)
    }

    /// What `condition` says on `day`.
    pub fn truth(&self, condition: &Condition, day: i64) -> Truth {
        let known =
            |value: Option<f64>, test: &dyn Fn(f64) -> bool| value.map_or(Truth::Unknown, |v| Truth::of(test(v)));
        match condition {
            Condition::All { all } => all.iter().fold(Truth::True, |acc, c| match (acc, self.truth(c, day)) {
                (Truth::False, _) | (_, Truth::False) => Truth::False,
                (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
                _ => Truth::True,
            }),
            Condition::Any { any } => any.iter().fold(Truth::False, |acc, c| match (acc, self.truth(c, day)) {
                (Truth::True, _) | (_, Truth::True) => Truth::True,
                (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
                _ => Truth::False,
            }),
            Condition::Not { not } => self.truth(not, day).not(),
            Condition::Compare { metric, op, value } => known(self.value(metric, day), &|v| op.holds(v, *value)),
            Condition::Change {
                metric,
                days,
                op,
                percent,
            } => known(self.change(metric, *days, day), &|p| op.holds(p, *percent)),
            Condition::Absent { event, days } => match self.days_since(event, day) {
                Some(since) if since < i64::from(*days) => Truth::False,
                // Absent for the whole window only if the window lies inside the watched period.
                _ if day - i64::from(*days) + 1 >= self.watched_from => Truth::True,
                _ => Truth::Unknown,
            },
            Condition::Done { task } => Truth::of(self.done_by(task, day)),
        }
    }

    /// The values behind each leaf of `condition` on `day`, in reading order.
    pub fn leaf_values(&self, condition: &Condition, day: i64) -> Vec<LeafValue> {
        let mut out = Vec::new();
        condition.visit_leaves(&mut |leaf| {
            let (what, value) = match leaf {
                Condition::Compare { metric, .. } => (metric.clone(), self.value(metric, day)),
                Condition::Change { metric, days, .. } => {
                    (format!("change({metric}, {days}d)"), self.change(metric, *days, day))
                }
                Condition::Absent { event, days } => (
                    format!("absent({event}, {days}d)"),
                    self.days_since(event, day).map(|d| d as f64),
                ),
                Condition::Done { task } => (
                    format!("done({task})"),
                    Some(f64::from(u8::from(self.done_by(task, day)))),
                ),
                // `visit_leaves` only hands over leaves.
                Condition::All { .. } | Condition::Any { .. } | Condition::Not { .. } => return,
            };
            out.push(LeafValue {
                what,
                value: value.unwrap_or(f64::NAN),
            });
        });
        out
    }
}

/// The calendar date of a day number.
pub(crate) fn date_of(day: i64) -> NaiveDate {
    use crate::period::CalendarDate;
    // Day numbers come from dates plus offsets bounded by validation; saturate rather than panic at the calendar's
    // far end.
    day.to_date()
        .unwrap_or(if day < 0 { NaiveDate::MIN } else { NaiveDate::MAX })
}

/// The facts document: `{"accounts": [AccountFacts, ...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactsDocument {
    /// One element per account.
    pub accounts: Vec<AccountFacts>,
}

impl FactsDocument {
    /// Parses a facts document; errors name the bad field (`accounts[2].metrics.dau[0]`).
    pub fn from_json(json: &[u8]) -> Result<FactsDocument> {
        crate::serde_util::from_json("account facts", json)
    }
}

/// Builds account facts from long tables (one row per fact), as data frames hold them. Accounts keep the order
/// in which they are first named.
///
/// ```
/// use chrono::NaiveDate;
/// use cx_core::journey::FactsBuilder;
///
/// let day = |d| NaiveDate::from_ymd_opt(2025, 1, d).unwrap();
/// let mut b = FactsBuilder::default();
/// b.start("acme", day(2), 0)?;
/// b.metric("acme", "dau", day(9), 40.0);
/// b.task("acme", "kickoff", day(3), 0)?;
/// assert!(b.task("acme", "kickoff", day(4), 1).is_err()); // completed twice
/// let facts = b.finish();
/// assert_eq!(facts[0].metrics["dau"], vec![(day(9), 40.0)]);
/// # Ok::<(), cx_core::CxError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct FactsBuilder {
    accounts: Vec<AccountFacts>,
    index: std::collections::HashMap<String, usize>,
}

impl FactsBuilder {
    fn account(&mut self, id: &str) -> &mut AccountFacts {
        let i = *self.index.entry(id.to_string()).or_insert_with(|| {
            self.accounts.push(AccountFacts {
                account: id.to_string(),
                ..Default::default()
            });
            self.accounts.len() - 1
        });
        &mut self.accounts[i]
    }

    /// Names an account (with no facts yet), so it is evaluated even without facts.
    pub fn add_account(&mut self, id: &str) {
        self.account(id);
    }

    /// The account's start date; a second, different one is an error naming `row` of the accounts table.
    pub fn start(&mut self, id: &str, date: NaiveDate, row: usize) -> Result<()> {
        let facts = self.account(id);
        match facts.start {
            Some(d) if d != date => Err(CxError::InvalidConfig {
                what: "account facts".into(),
                field: format!("accounts row {row}"),
                reason: format!("account `{id}` starts on {d} and on {date}; give one start date"),
            }),
            _ => {
                facts.start = Some(date);
                Ok(())
            }
        }
    }

    /// An anchor date of the account; a second, different one is an error naming `row`.
    pub fn anchor(&mut self, id: &str, anchor: &str, date: NaiveDate, row: usize) -> Result<()> {
        let facts = self.account(id);
        match facts.anchors.insert(anchor.to_string(), date) {
            Some(d) if d != date => Err(CxError::InvalidConfig {
                what: "account facts".into(),
                field: format!("anchors row {row}"),
                reason: format!("account `{id}` has `{anchor}` on {d} and on {date}; give one date"),
            }),
            _ => Ok(()),
        }
    }

    /// A metric observation (two on one date are reported when the account is evaluated).
    pub fn metric(&mut self, id: &str, metric: &str, date: NaiveDate, value: f64) {
        self.account(id)
            .metrics
            .entry(metric.to_string())
            .or_default()
            .push((date, value));
    }

    /// An event.
    pub fn event(&mut self, id: &str, event: &str, date: NaiveDate) {
        self.account(id).events.entry(event.to_string()).or_default().push(date);
    }

    /// A task completion; a second one for the same task is an error naming `row` of the tasks table.
    pub fn task(&mut self, id: &str, task: &str, date: NaiveDate, row: usize) -> Result<()> {
        let facts = self.account(id);
        if let Some(d) = facts.tasks.get(task) {
            return Err(CxError::InvalidConfig {
                what: "account facts".into(),
                field: format!("tasks row {row}"),
                reason: format!("account `{id}` completed `{task}` on {d} and again on {date}; give one completion"),
            });
        }
        facts.tasks.insert(task.to_string(), date);
        Ok(())
    }

    /// An execution of a guided action.
    pub fn execution(&mut self, id: &str, action: &str, date: NaiveDate) {
        self.account(id)
            .executions
            .entry(action.to_string())
            .or_default()
            .push(date);
    }

    /// The accounts, in first-named order.
    pub fn finish(self) -> Vec<AccountFacts> {
        self.accounts
    }
}
