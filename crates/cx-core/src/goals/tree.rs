//! Goal trees (KGI → KPIs): parents checked, progress rolled up by weight, status worst-of, and the success rate
//! of closed goals.
//!
//! Roll-up: a leaf's rolled progress is its own; a parent's is the weight-averaged rolled progress of its children
//! that are not cancelled (its own measured progress, if any, is reported beside it, not mixed in). A node's
//! rolled status is the worst ([`Status::severity`]) of its children's rolled statuses and, when it has
//! observations of its own or no children, its own status. Cancelled goals are shown but left out of roll-ups.

use super::model::{GOAL_VERSION, Goal, Outcome};
use super::observations::Observations;
use super::progress::{Progress, Status, Tolerances};
use crate::hierarchy::{self, Link};
use crate::period::CalendarDate;
use crate::serde_util::{check_version, from_json};
use crate::{CxError, Result};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Goals linked by `parent`, checked: unique ids, known parents, no cycles.
///
/// ```
/// use cx_core::goals::GoalTree;
///
/// let tree = GoalTree::from_json(r#"{"version": 1, "goals": [
///     {"id": "loyalty", "title": "Raise NPS by 1 point", "direction": "increase"},
///     {"id": "ttr", "title": "Cut resolution time by 20%", "direction": "decrease", "parent": "loyalty"}
/// ]}"#)?;
/// assert_eq!(tree.children(0), vec![1]);
/// # Ok::<(), cx_core::CxError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TreeDocument", into = "TreeDocument")]
pub struct GoalTree {
    goals: Vec<Goal>,
    parent_of: Vec<Option<usize>>,
    /// Each goal's children in order, computed once: looking them up per goal would make a roll-up quadratic.
    children_of: Vec<Vec<usize>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TreeDocument {
    version: u32,
    goals: Vec<Goal>,
}

impl TryFrom<TreeDocument> for GoalTree {
    type Error = CxError;

    fn try_from(doc: TreeDocument) -> Result<GoalTree> {
        if doc.version != GOAL_VERSION {
            return Err(CxError::UnsupportedVersion {
                what: "goal tree".into(),
                found: doc.version,
                supported: GOAL_VERSION,
            });
        }
        GoalTree::new(doc.goals)
    }
}

impl From<GoalTree> for TreeDocument {
    fn from(tree: GoalTree) -> TreeDocument {
        TreeDocument {
            version: GOAL_VERSION,
            goals: tree.goals,
        }
    }
}

/// One goal's line in a tree's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeProgress {
    /// The goal's id.
    pub goal: String,
    /// Its parent's id.
    pub parent: Option<String>,
    /// 0 for roots.
    pub depth: usize,
    /// Its weight among its siblings.
    pub weight: f64,
    /// Whether it is cancelled (shown, not rolled up).
    pub cancelled: bool,
    /// Its own progress from its own observations.
    pub own: Progress,
    /// Rolled-up progress in `0..=1`.
    pub rolled_progress: f64,
    /// Worst-of status over itself and its descendants.
    pub rolled_status: Status,
}

/// Progress of every goal of a tree, parents before children (depth first, in the tree's order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeProgress {
    /// The date evaluated at.
    pub as_of: NaiveDate,
    /// One line per goal.
    pub goals: Vec<NodeProgress>,
}

/// The success rate of closed goals: achieved 1, partially achieved 0.5, missed 0, cancelled excluded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SuccessRate {
    /// `(achieved + 0.5 × partially) / (achieved + partially + missed)`.
    pub rate: f64,
    /// Goals achieved.
    pub achieved: usize,
    /// Goals partially achieved.
    pub partially_achieved: usize,
    /// Goals missed.
    pub missed: usize,
    /// Goals cancelled (excluded).
    pub cancelled: usize,
    /// Goals still open (no outcome; excluded).
    pub open: usize,
}

/// The success rate over goals' outcomes; `None` for open goals. An empty rate (no closed, non-cancelled goal)
/// is [`CxError::EmptyInput`], not 0.
///
/// ```
/// use cx_core::goals::{Outcome, success_rate};
///
/// let r = success_rate([Some(Outcome::Achieved), Some(Outcome::PartiallyAchieved), Some(Outcome::Missed),
///                       Some(Outcome::Cancelled), None])?;
/// assert_eq!(r.rate, 0.5);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn success_rate(outcomes: impl IntoIterator<Item = Option<Outcome>>) -> Result<SuccessRate> {
    let mut r = SuccessRate {
        rate: f64::NAN,
        achieved: 0,
        partially_achieved: 0,
        missed: 0,
        cancelled: 0,
        open: 0,
    };
    for o in outcomes {
        match o {
            Some(Outcome::Achieved) => r.achieved += 1,
            Some(Outcome::PartiallyAchieved) => r.partially_achieved += 1,
            Some(Outcome::Missed) => r.missed += 1,
            Some(Outcome::Cancelled) => r.cancelled += 1,
            None => r.open += 1,
        }
    }
    let closed = r.achieved + r.partially_achieved + r.missed;
    if closed == 0 {
        return Err(CxError::empty("closed goals (achieved, partially achieved or missed)"));
    }
    r.rate = (r.achieved as f64 + 0.5 * r.partially_achieved as f64) / closed as f64;
    Ok(r)
}

impl GoalTree {
    /// Builds a tree, checking every goal ([`Goal::validate`]), unique ids, known parents and the absence of cycles.
    pub fn new(goals: Vec<Goal>) -> Result<GoalTree> {
        let mut seen = std::collections::HashSet::new();
        for (i, g) in goals.iter().enumerate() {
            g.validate_at(&format!("goals[{i}]."))?;
            if !seen.insert(g.id.as_str()) {
                return Err(CxError::InvalidConfig {
                    what: "goal tree".into(),
                    field: format!("goals[{i}].id"),
                    reason: format!("`{}` appears twice", g.id),
                });
            }
        }
        let links: Vec<Link<'_>> = (goals.iter().enumerate())
            .map(|(i, g)| Link {
                id: &g.id,
                parent: g.parent.as_deref(),
                at: format!("goals[{i}].parent"),
            })
            .collect();
        let parent_of = hierarchy::parents("goal tree", "goal", &links)?;
        let mut children_of = vec![Vec::new(); goals.len()];
        for (child, parent) in parent_of.iter().enumerate() {
            if let Some(p) = parent {
                children_of[*p].push(child);
            }
        }
        Ok(GoalTree {
            goals,
            parent_of,
            children_of,
        })
    }

    /// Parses and checks `{"version": 1, "goals": [...]}`; errors name the bad field.
    pub fn from_json(json: &str) -> Result<GoalTree> {
        check_version("goal tree", json.as_bytes(), GOAL_VERSION)?;
        // Through the document type, so tree errors (unknown parent, cycle) keep their own variants instead of
        // becoming serde messages.
        GoalTree::try_from(from_json::<TreeDocument>("goal tree", json.as_bytes())?)
    }

    /// The tree as versioned JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a goal tree always serialises")
    }

    /// The goals, in the order given.
    pub fn goals(&self) -> &[Goal] {
        &self.goals
    }

    /// The position of the goal with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.goals.iter().position(|g| g.id == id)
    }

    /// Positions of the goal at `index`'s children, in order.
    pub fn children(&self, index: usize) -> Vec<usize> {
        self.children_of.get(index).cloned().unwrap_or_default()
    }

    /// Goals in depth-first order from the roots, each with its depth.
    fn depth_first(&self) -> Vec<(usize, usize)> {
        let mut order = Vec::with_capacity(self.goals.len());
        let mut stack: Vec<(usize, usize)> = (0..self.goals.len())
            .rev()
            .filter(|&i| self.parent_of[i].is_none())
            .map(|i| (i, 0))
            .collect();
        while let Some((i, depth)) = stack.pop() {
            order.push((i, depth));
            stack.extend(self.children_of[i].iter().rev().map(|&c| (c, depth + 1)));
        }
        order
    }

    /// The tree positions (codes for [`GoalTree::split`]) of goal ids given per observation; an id not in the
    /// tree is [`CxError::UnknownId`] naming its index, so no observation is silently dropped.
    pub fn codes<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<u32>> {
        let index: std::collections::HashMap<&str, u32> = (self.goals.iter().enumerate())
            .map(|(i, g)| (g.id.as_str(), i as u32))
            .collect();
        (ids.iter().enumerate())
            .map(|(i, id)| {
                index.get(id.as_ref()).copied().ok_or_else(|| CxError::UnknownId {
                    what: "observations".into(),
                    kind: "goal".into(),
                    id: id.as_ref().into(),
                    at: format!("goals[{i}]"),
                })
            })
            .collect()
    }

    /// Splits columnar observations `(goal code, date, value)` into one [`Observations`] per goal; a code is the
    /// goal's position in the tree. A code out of range is [`CxError::InvalidGroupCode`] naming its index.
    pub fn split<D: CalendarDate>(&self, codes: &[u32], dates: &[D], values: &[f64]) -> Result<Vec<Observations>> {
        CxError::check_len("dates", codes.len(), dates.len())?;
        CxError::check_len("values", codes.len(), values.len())?;
        let n = self.goals.len();
        // Counted first so that each goal's columns are allocated once, at their size.
        let mut counts = vec![0usize; n];
        for &code in codes {
            if let Some(c) = counts.get_mut(code as usize) {
                *c += 1;
            }
        }
        let mut rows: Vec<(Vec<D>, Vec<f64>, Vec<usize>)> = (counts.into_iter())
            .map(|c| (Vec::with_capacity(c), Vec::with_capacity(c), Vec::with_capacity(c)))
            .collect();
        for (index, &code) in codes.iter().enumerate() {
            let slot = rows.get_mut(code as usize).ok_or(CxError::InvalidGroupCode {
                code,
                index,
                n_groups: n,
            })?;
            slot.0.push(dates[index]);
            slot.1.push(values[index]);
            slot.2.push(index);
        }
        rows.into_iter()
            .map(|(d, v, positions)| {
                // Errors inside one goal's series name the position in the caller's arrays, not in the split.
                Observations::new(&d, &v).map_err(|e| reindex(e, &positions))
            })
            .collect()
    }

    /// Progress of every goal at `as_of`, from one [`Observations`] per goal in tree order (see [`GoalTree::split`]),
    /// rolled up as the module describes.
    pub fn progress(
        &self,
        observations: &[Observations],
        as_of: NaiveDate,
        tolerances: &Tolerances,
    ) -> Result<TreeProgress> {
        CxError::check_len("observations (one per goal)", self.goals.len(), observations.len())?;
        let own = (self.goals.iter().zip(observations))
            .map(|(g, o)| g.progress(o, as_of, tolerances))
            .collect::<Result<Vec<_>>>()?;
        let cancelled = |i: usize| self.goals[i].outcome == Some(Outcome::Cancelled);
        let order = self.depth_first();
        // Children come after parents in `order`, so walking it backwards rolls up bottom-first.
        let mut rolled: Vec<(f64, Status)> = own.iter().map(|p| (p.progress, p.status)).collect();
        for &(i, _) in order.iter().rev() {
            let children: Vec<usize> = self.children_of[i].iter().copied().filter(|&c| !cancelled(c)).collect();
            if children.is_empty() {
                continue;
            }
            let total: f64 = children.iter().map(|&c| self.goals[c].weight).sum();
            let progress = children
                .iter()
                .map(|&c| self.goals[c].weight * rolled[c].0)
                .sum::<f64>()
                / total;
            let mut worst = children
                .iter()
                .map(|&c| rolled[c].1)
                .max_by_key(|s| s.severity())
                .expect("children");
            if !observations[i].is_empty() && own[i].status.severity() > worst.severity() {
                worst = own[i].status;
            }
            rolled[i] = (progress, worst);
        }
        let goals = order
            .into_iter()
            .map(|(i, depth)| NodeProgress {
                goal: self.goals[i].id.clone(),
                parent: self.goals[i].parent.clone(),
                depth,
                weight: self.goals[i].weight,
                cancelled: cancelled(i),
                own: own[i].clone(),
                rolled_progress: rolled[i].0,
                rolled_status: rolled[i].1,
            })
            .collect();
        Ok(TreeProgress { as_of, goals })
    }

    /// The success rate of the tree's closed goals (see [`success_rate`]).
    pub fn success_rate(&self) -> Result<SuccessRate> {
        success_rate(self.goals.iter().map(|g| g.outcome))
    }
}

/// Moves an error's index from a goal's own series to the caller's array.
fn reindex(e: CxError, positions: &[usize]) -> CxError {
    let at = |i: usize| positions.get(i).copied().unwrap_or(i);
    match e {
        CxError::MissingValue { what, index } => CxError::MissingValue { what, index: at(index) },
        CxError::InvalidDate { value, index } => CxError::InvalidDate {
            value,
            index: at(index),
        },
        other => other,
    }
}
