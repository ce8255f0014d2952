//! Health-score candidates from a roadmap (seed 001): the "when" side of a guided action that can be measured is
//! a candidate measure. Each threshold becomes a two-step bands rule on the measure, so the skeleton loads as a
//! [`Scorecard`] and scores accounts at once; tune the points and weights from there.
//!
//! - `metric op value` → measure `metric`, cut at `value`.
//! - `change(metric, Dd) op P%` → measure `change_metric_Dd` (the percent change over D days), cut at `P`.
//! - `absent(event, Dd)` → measure `days_since_event`, cut at `D` (absent = at least D days).
//! - `done(task)` is a task, not a measure, and `==` / `!=` make no bands: neither is a candidate.
//!
//! Points: for a risk action the side where the action fires earns 0 and the other 100; for an opportunity the
//! firing side earns 100 and the other 50 (not reaching an opportunity is no risk). A leaf under `not` is read
//! with its comparison reversed.

use super::condition::{Condition, Op};
use super::roadmap::{ActionKind, Roadmap};
use crate::health::{Bands, CutBelongs, Measure, MissingRule, SCORECARD_VERSION, Scorecard, ScoringRule};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// One candidate measure and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The measure's id (the column an account table would carry).
    pub measure: String,
    /// What it measures, in words.
    pub label: String,
    /// The guided actions whose conditions mention it, in roadmap order.
    pub actions: Vec<String>,
    /// The kind of the first of them, which set the scoring rule.
    pub kind: ActionKind,
    /// The leaf the rule comes from, in the readable form (as the action fires).
    pub condition: String,
    /// The suggested rule.
    pub scoring: ScoringRule,
}

impl Roadmap {
    /// The measurable leaves of the guided actions' conditions, one candidate per measure (the first action to
    /// mention a measure sets its rule; later ones are listed in `actions`).
    ///
    /// ```
    /// use cx_core::journey::Roadmap;
    ///
    /// let roadmap = Roadmap::from_json(br#"{"version": 1, "name": "r", "stages": [{"id": "s", "name": "S"}],
    ///   "actions": [
    ///     {"id": "contact_admin", "name": "Contact the admin", "kind": "risk", "target": "admin",
    ///      "when": "first_login_rate <= 30%"},
    ///     {"id": "upsell", "name": "Upsell", "kind": "opportunity", "target": "decision_maker",
    ///      "when": "license_activation >= 80%"}]}"#)?;
    /// let candidates = roadmap.health_candidates();
    /// assert_eq!(candidates[0].measure, "first_login_rate");
    /// let card = roadmap.scorecard_skeleton()?; // a valid scorecard
    /// assert_eq!(card.measures.len(), 2);
    /// # Ok::<(), cx_core::CxError>(())
    /// ```
    pub fn health_candidates(&self) -> Vec<Candidate> {
        let mut out: Vec<Candidate> = Vec::new();
        for action in &self.actions {
            let mut leaves = Vec::new();
            measurable_leaves(&action.when, false, &mut leaves);
            for (measure, label, condition, cut, fires_above, cut_fires) in leaves {
                if let Some(c) = out.iter_mut().find(|c| c.measure == measure) {
                    if !c.actions.contains(&action.id) {
                        c.actions.push(action.id.clone());
                    }
                    continue;
                }
                let (firing, other) = match action.kind {
                    ActionKind::Risk => (0.0, 100.0),
                    ActionKind::Opportunity => (100.0, 50.0),
                };
                // Bands put a value equal to the cut above it (`upper`) or below it (`lower`); it goes to the
                // firing side when the comparison includes equality.
                let (points, cut_belongs) = match (fires_above, cut_fires) {
                    (true, true) => (vec![other, firing], CutBelongs::Upper),
                    (true, false) => (vec![other, firing], CutBelongs::Lower),
                    (false, true) => (vec![firing, other], CutBelongs::Lower),
                    (false, false) => (vec![firing, other], CutBelongs::Upper),
                };
                out.push(Candidate {
                    measure,
                    label,
                    actions: vec![action.id.clone()],
                    kind: action.kind,
                    condition,
                    scoring: ScoringRule::Bands {
                        cuts: vec![cut],
                        points,
                        cut_belongs,
                    },
                });
            }
        }
        out
    }

    /// The candidates as a scorecard: weight 1 each, missing values left out, bands red < 50 ≤ yellow < 75 ≤
    /// green. [`CxError::EmptyInput`] when no guided action has a measurable condition.
    pub fn scorecard_skeleton(&self) -> Result<Scorecard> {
        let candidates = self.health_candidates();
        if candidates.is_empty() {
            return Err(CxError::EmptyInput {
                what: format!("the measurable conditions of roadmap `{}`", self.name),
            });
        }
        let card = Scorecard {
            version: SCORECARD_VERSION,
            name: format!("{} (candidates)", self.name),
            measures: candidates
                .into_iter()
                .map(|c| Measure {
                    id: c.measure,
                    label: Some(c.label),
                    weight: 1.0,
                    group: None,
                    scoring: c.scoring,
                    missing: MissingRule::Exclude,
                    max_age_days: None,
                    bands: None,
                })
                .collect(),
            groups: Vec::new(),
            bands: Bands {
                names: ["red", "yellow", "green"].map(String::from).to_vec(),
                cuts: vec![50.0, 75.0],
                cut_belongs: CutBelongs::Upper,
            },
            min_coverage: 0.5,
            overrides: Vec::new(),
            trend_tolerance: 2.0,
        };
        card.validate()?;
        Ok(card)
    }
}

/// (measure, label, leaf as it fires, cut, fires above the cut, fires at the cut) of each measurable leaf.
type Leaf = (String, String, String, f64, bool, bool);

/// The measurable leaves of `condition` under `negated`, appended to `out` in reading order. Iterative (through
/// [`Condition::visit_leaves_negated`]), so a condition of any depth is safe.
fn measurable_leaves(condition: &Condition, negated: bool, out: &mut Vec<Leaf>) {
    condition.visit_leaves_negated(&mut |leaf, odd| measurable_leaf(leaf, negated != odd, out));
}

/// One leaf of [`measurable_leaves`].
fn measurable_leaf(condition: &Condition, negated: bool, out: &mut Vec<Leaf>) {
    // The comparison that fires, after `not`s; `None` for `==` / `!=`, which make no bands.
    let firing = |op: Op| -> Option<(Op, bool, bool)> {
        let op = if negated {
            match op {
                Op::Ge => Op::Lt,
                Op::Gt => Op::Le,
                Op::Le => Op::Gt,
                Op::Lt => Op::Ge,
                Op::Eq => Op::Ne,
                Op::Ne => Op::Eq,
            }
        } else {
            op
        };
        match op {
            Op::Ge => Some((op, true, true)),
            Op::Gt => Some((op, true, false)),
            Op::Le => Some((op, false, true)),
            Op::Lt => Some((op, false, false)),
            Op::Eq | Op::Ne => None,
        }
    };
    match condition {
        // `visit_leaves_negated` hands over only leaves.
        Condition::All { .. } | Condition::Any { .. } | Condition::Not { .. } => {}
        Condition::Compare { metric, op, value } => {
            if let Some((op, above, at)) = firing(*op) {
                let text = format!("{metric} {} {value}", op.symbol());
                out.push((metric.clone(), metric.replace('_', " "), text, *value, above, at));
            }
        }
        Condition::Change {
            metric,
            days,
            op,
            percent,
        } => {
            if let Some((op, above, at)) = firing(*op) {
                let text = format!("change({metric}, {days}d) {} {percent}%", op.symbol());
                let label = format!("% change of {} over {days} days", metric.replace('_', " "));
                out.push((format!("change_{metric}_{days}d"), label, text, *percent, above, at));
            }
        }
        Condition::Absent { event, days } => {
            // absent = at least `days` days since the event; under `not`, fewer.
            let (op, above, at) = if negated {
                (Op::Lt, false, false)
            } else {
                (Op::Ge, true, true)
            };
            let text = format!("days_since_{event} {} {days}", op.symbol());
            let label = format!("days since {}", event.replace('_', " "));
            out.push((format!("days_since_{event}"), label, text, f64::from(*days), above, at));
        }
        Condition::Done { .. } => {}
    }
}
