//! The success roadmap: ordered stages with exit criteria, standard tasks, guided actions and touchpoints.
//! Versioned JSON; loading checks every reference and names the bad field (`actions[2].stages[0]`).

use super::condition::Condition;
use crate::serde_util::{check_version, from_json};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Touchpoints carry the two-factor [`Factor`] (hygiene or motivator).
pub use crate::two_factor::Factor;

/// Version of the roadmap JSON format.
pub const ROADMAP_VERSION: u32 = 1;

/// The largest offset, in days, a window or due date may have (about 27 years), so day arithmetic stays exact.
const MAX_OFFSET_DAYS: u64 = 10_000;

/// A period relative to an anchor date, in days: `from_days` −90 and `to_days` 0 around `go_live` is "from three
/// months before go-live until go-live".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// The anchor's name, given per account in its facts (`anchors`).
    pub anchor: String,
    /// The stage opens this many days after the anchor (negative: before). An account is not in the stage
    /// earlier, even when the previous stage is done.
    #[serde(default)]
    pub from_days: Option<i64>,
    /// The stage should be done this many days after the anchor; later, the account is behind. A stage without
    /// exit criteria or required tasks ends here.
    #[serde(default)]
    pub to_days: Option<i64>,
}

/// One stage of the roadmap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Identifier, unique in the roadmap.
    pub id: String,
    /// Name shown in results.
    pub name: String,
    /// The state that means the stage is achieved, over metrics and tasks (the stage's required tasks must be
    /// done as well).
    #[serde(default)]
    pub exit: Option<Condition>,
    /// Days the stage should take; longer is behind.
    #[serde(default)]
    pub expected_days: Option<u32>,
    /// Days after which an account still in the stage is stuck (and counts as dropped in the stage funnel).
    #[serde(default)]
    pub max_days: Option<u32>,
    /// When the stage opens and should be done, relative to an anchor date.
    #[serde(default)]
    pub window: Option<Window>,
}

/// Who carries out a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// The customer.
    Customer,
    /// Our team (the vendor).
    Vendor,
    /// Both together.
    Joint,
}

impl Owner {
    /// The owner's name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Owner::Customer => "customer",
            Owner::Vendor => "vendor",
            Owner::Joint => "joint",
        }
    }

    /// Every owner, in a fixed order.
    pub const ALL: [Owner; 3] = [Owner::Customer, Owner::Vendor, Owner::Joint];
}

/// When a task is due: `days` after the stage's entry, or after an anchor date when `anchor` is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Due {
    /// Days after the reference day (0: the same day; negative only with an anchor).
    pub days: i64,
    /// The anchor counted from (`None`: the day the account entered the task's stage).
    #[serde(default)]
    pub anchor: Option<String>,
}

/// A standard task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Identifier, unique in the roadmap (the key of task completions in the facts).
    pub id: String,
    /// Name shown in results.
    pub name: String,
    /// The stage it belongs to.
    pub stage: String,
    /// Who carries it out.
    pub owner: Owner,
    /// When it is due (`None`: no due date, never overdue).
    #[serde(default)]
    pub due: Option<Due>,
    /// Whether the stage's exit waits for it (default true).
    #[serde(default = "yes")]
    pub required: bool,
}

/// Whether a guided action is a positive (opportunity) or a challenge (risk) action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// A positive action: upsell, case study, option proposal.
    Opportunity,
    /// A challenge action: a risk to address.
    Risk,
}

impl ActionKind {
    /// The kind's name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Opportunity => "opportunity",
            ActionKind::Risk => "risk",
        }
    }
}

/// When a guided action fires while its condition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// On the day the condition starts to hold (it did not hold, or was unknown, the day before, or the action
    /// was not active in the previous stage).
    #[default]
    Edge,
    /// On every day it holds (subject to the cooldown and deduplication).
    Level,
}

/// At most `times` firings in any `days` consecutive days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cooldown {
    /// Firings allowed in the window (≥ 1).
    pub times: u32,
    /// The window's length in days (≥ 1).
    pub days: u32,
}

/// "When X, do Y": a guided action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidedAction {
    /// Identifier, unique in the roadmap (the key of executions in the facts).
    pub id: String,
    /// What to do, e.g. "Contact the admin to check on the rollout".
    pub name: String,
    /// Opportunity or risk.
    pub kind: ActionKind,
    /// When to do it.
    pub when: Condition,
    /// Who it targets: admin, project_lead, decision_maker, power_user, ...
    pub target: String,
    /// Edge (default) or level.
    #[serde(default)]
    pub trigger: Trigger,
    /// At most N firings every D days (`None`: no limit beyond deduplication).
    #[serde(default)]
    pub cooldown: Option<Cooldown>,
    /// The stages it applies in (empty: every stage, and after the roadmap is completed).
    #[serde(default)]
    pub stages: Vec<String>,
    /// Do not fire again while an earlier firing has not been executed (default true).
    #[serde(default = "yes")]
    pub dedup_while_open: bool,
}

/// A point of contact in a journey phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Touchpoint {
    /// Identifier, unique in the roadmap (the key survey responses are grouped by).
    pub id: String,
    /// Name shown in results.
    pub name: String,
    /// One of the roadmap's phases.
    pub phase: String,
    /// The channel: web, email, phone, store, LINE, ...
    pub channel: String,
    /// The team that owns it.
    pub owner: String,
    /// Hygiene or motivator.
    pub factor: Factor,
}

/// A complete roadmap. See `docs/journeys.md` for the JSON schema with an example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roadmap {
    /// Format version, [`ROADMAP_VERSION`].
    pub version: u32,
    /// Name shown in results.
    pub name: String,
    /// The stages, in order.
    pub stages: Vec<Stage>,
    /// Standard tasks, in their order in time.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// Guided actions.
    #[serde(default)]
    pub actions: Vec<GuidedAction>,
    /// Journey phases touchpoints belong to (default: pre_purchase, purchase, post_purchase).
    #[serde(default = "default_phases")]
    pub phases: Vec<String>,
    /// Touchpoints.
    #[serde(default)]
    pub touchpoints: Vec<Touchpoint>,
}

fn yes() -> bool {
    true
}

fn default_phases() -> Vec<String> {
    ["pre_purchase", "purchase", "post_purchase"].map(String::from).to_vec()
}

fn bad(field: impl Into<String>, reason: impl Into<String>) -> CxError {
    CxError::InvalidConfig {
        what: "roadmap".into(),
        field: field.into(),
        reason: reason.into(),
    }
}

fn unknown(kind: &str, id: &str, at: String) -> CxError {
    CxError::UnknownId {
        what: "roadmap".into(),
        kind: kind.into(),
        id: id.into(),
        at,
    }
}

/// Checks that the ids are unique and non-empty; returns them.
/// `suffix` is the id's field within an element (`.id`, or empty for a list of names).
fn unique_ids<'a>(ids: impl Iterator<Item = &'a str>, list: &str, suffix: &str) -> Result<HashSet<&'a str>> {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        if id.trim().is_empty() {
            return Err(bad(format!("{list}[{i}]{suffix}"), "an id cannot be empty"));
        }
        if !seen.insert(id) {
            return Err(bad(
                format!("{list}[{i}]{suffix}"),
                format!("`{id}` is used twice in `{list}`"),
            ));
        }
    }
    Ok(seen)
}

fn check_offset(days: i64, field: String) -> Result<()> {
    // `unsigned_abs`, not `abs`: `i64::MIN.abs()` wraps to itself, a negative number that would pass the check.
    if days.unsigned_abs() > MAX_OFFSET_DAYS {
        return Err(bad(field, format!("{days} days is beyond ±{MAX_OFFSET_DAYS}")));
    }
    Ok(())
}

impl Roadmap {
    /// Parses and validates a roadmap document; errors name the bad field. A condition nested deeper than
    /// [`MAX_CONDITION_DEPTH`](super::MAX_CONDITION_DEPTH) is [`CxError::LimitExceeded`].
    ///
    /// ```
    /// use cx_core::journey::Roadmap;
    ///
    /// let roadmap = Roadmap::from_json(br#"{"version": 1, "name": "trial", "stages": [
    ///     {"id": "setup", "name": "Setup", "exit": "done(initial_setup)", "max_days": 14},
    ///     {"id": "use", "name": "Use", "exit": "dau >= 50"}],
    ///   "tasks": [{"id": "initial_setup", "name": "Initial setup", "stage": "setup", "owner": "customer",
    ///              "required": false}]}"#)?;
    /// assert_eq!(roadmap.stages[1].exit.as_ref().unwrap().to_string(), "dau >= 50");
    /// let e = Roadmap::from_json(br#"{"version": 1, "name": "x", "stages": []}"#).unwrap_err();
    /// assert!(e.to_string().contains("`stages`"), "{e}");
    /// # Ok::<(), cx_core::CxError>(())
    /// ```
    pub fn from_json(json: &[u8]) -> Result<Roadmap> {
        check_version("roadmap", json, ROADMAP_VERSION)?;
        // A condition nested too deep fails inside serde, which carries only its message: report the typed error.
        super::condition::take_limit_error();
        let roadmap: Roadmap =
            from_json("roadmap", json).map_err(|e| match (e, super::condition::take_limit_error()) {
                (CxError::InvalidConfig { field, .. }, Some(CxError::LimitExceeded { what, limit, found })) => {
                    CxError::LimitExceeded {
                        what: format!("{what} (`{field}`)"),
                        limit,
                        found,
                    }
                }
                (e, _) => e,
            })?;
        roadmap.validate()?;
        Ok(roadmap)
    }

    /// The roadmap as pretty JSON (which [`Roadmap::from_json`] reads back).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a roadmap always serialises")
    }

    /// The index of the stage called `id`.
    pub fn stage_index(&self, id: &str) -> Option<usize> {
        self.stages.iter().position(|s| s.id == id)
    }

    /// Checks ids, references, durations, windows and conditions.
    pub fn validate(&self) -> Result<()> {
        if self.version != ROADMAP_VERSION {
            return Err(CxError::UnsupportedVersion {
                what: "roadmap".into(),
                found: self.version,
                supported: ROADMAP_VERSION,
            });
        }
        if self.stages.is_empty() {
            return Err(bad("stages", "a roadmap needs at least one stage"));
        }
        let stages = unique_ids(self.stages.iter().map(|s| s.id.as_str()), "stages", ".id")?;
        if let Some(i) = self.stages.iter().position(|s| s.id == super::portfolio::COMPLETED) {
            return Err(bad(
                format!("stages[{i}].id"),
                "`completed` names the portfolio's row after the last stage; call the stage otherwise",
            ));
        }
        let tasks = unique_ids(self.tasks.iter().map(|t| t.id.as_str()), "tasks", ".id")?;
        unique_ids(self.actions.iter().map(|a| a.id.as_str()), "actions", ".id")?;
        unique_ids(self.touchpoints.iter().map(|t| t.id.as_str()), "touchpoints", ".id")?;
        let check_tasks_named = |c: &Condition, at: String| -> Result<()> {
            c.validate(&at)?;
            let mut missing = None;
            c.visit_leaves(&mut |leaf| {
                if let Condition::Done { task } = leaf
                    && missing.is_none()
                    && !tasks.contains(task.as_str())
                {
                    missing = Some(task.clone());
                }
            });
            missing.map_or(Ok(()), |task| Err(unknown("task", &task, at)))
        };
        for (i, stage) in self.stages.iter().enumerate() {
            let at = format!("stages[{i}]");
            if let Some(exit) = &stage.exit {
                check_tasks_named(exit, format!("{at}.exit"))?;
            }
            if let (Some(expected), Some(max)) = (stage.expected_days, stage.max_days)
                && max < expected
            {
                return Err(bad(
                    format!("{at}.max_days"),
                    format!("{max} is below expected_days {expected}"),
                ));
            }
            if let Some(w) = &stage.window {
                if w.anchor.trim().is_empty() {
                    return Err(bad(format!("{at}.window.anchor"), "an anchor name cannot be empty"));
                }
                for (days, name) in [(w.from_days, "from_days"), (w.to_days, "to_days")] {
                    if let Some(days) = days {
                        check_offset(days, format!("{at}.window.{name}"))?;
                    }
                }
                if let (Some(from), Some(to)) = (w.from_days, w.to_days)
                    && to < from
                {
                    return Err(bad(
                        format!("{at}.window.to_days"),
                        format!("{to} is before from_days {from}"),
                    ));
                }
            }
            let has_required = self.tasks.iter().any(|t| t.required && t.stage == stage.id);
            let ends_by_window = stage.window.as_ref().is_some_and(|w| w.to_days.is_some());
            if stage.exit.is_none() && !has_required && !ends_by_window && i + 1 < self.stages.len() {
                return Err(bad(
                    at,
                    format!(
                        "stage `{}` has no exit criteria, no required tasks and no window end, so no account \
                         could leave it; only the last stage may be open-ended",
                        stage.id
                    ),
                ));
            }
        }
        for (i, task) in self.tasks.iter().enumerate() {
            let at = format!("tasks[{i}]");
            if !stages.contains(task.stage.as_str()) {
                return Err(unknown("stage", &task.stage, format!("{at}.stage")));
            }
            if let Some(due) = &task.due {
                check_offset(due.days, format!("{at}.due.days"))?;
                match &due.anchor {
                    None if due.days < 0 => {
                        return Err(bad(
                            format!("{at}.due.days"),
                            format!(
                                "{} days before the stage's entry cannot be met; count from an anchor",
                                due.days
                            ),
                        ));
                    }
                    Some(anchor) if anchor.trim().is_empty() => {
                        return Err(bad(format!("{at}.due.anchor"), "an anchor name cannot be empty"));
                    }
                    _ => {}
                }
            }
        }
        for (i, action) in self.actions.iter().enumerate() {
            let at = format!("actions[{i}]");
            check_tasks_named(&action.when, format!("{at}.when"))?;
            if action.target.trim().is_empty() {
                return Err(bad(format!("{at}.target"), "name the role the action targets"));
            }
            if let Some(c) = action.cooldown
                && (c.times == 0 || c.days == 0)
            {
                return Err(bad(
                    format!("{at}.cooldown"),
                    format!("at most {} every {} days: both must be at least 1", c.times, c.days),
                ));
            }
            for (j, stage) in action.stages.iter().enumerate() {
                if !stages.contains(stage.as_str()) {
                    return Err(unknown("stage", stage, format!("{at}.stages[{j}]")));
                }
            }
        }
        let phases = unique_ids(self.phases.iter().map(String::as_str), "phases", "")?;
        for (i, t) in self.touchpoints.iter().enumerate() {
            if !phases.contains(t.phase.as_str()) {
                return Err(unknown("phase", &t.phase, format!("touchpoints[{i}].phase")));
            }
        }
        Ok(())
    }
}
