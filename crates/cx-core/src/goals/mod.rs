//! SMART goals: the goal model, the SMART check, progress and projections, and goal trees.
//!
//! A [`Goal`] says what metric should move which way, from a baseline to a target, by when, for whom and why.
//! [`Goal::check`] grades it letter by letter (a survey-metric goal whose change drowns in the survey's margin of
//! error fails *Measurable*, with the numbers); [`Goal::progress`] tracks it from observations; a [`GoalTree`]
//! rolls KPIs up into the KGI they serve.
//!
//! ```
//! use chrono::NaiveDate;
//! use cx_core::goals::{GoalTree, Observations, Status, Tolerances};
//!
//! let tree = GoalTree::from_json(r#"{"version": 1, "goals": [
//!   {"id": "nps", "title": "Raise NPS by 1 point this quarter", "metric": "nps", "unit": "points",
//!    "direction": "increase", "baseline": {"value": 32}, "target": {"kind": "change", "by": 1},
//!    "start": "2026-07-01", "due": "2026-09-30"},
//!   {"id": "ttr", "title": "Cut average resolution time by 20% this quarter", "metric": "avg_resolution_hours",
//!    "unit": "hours", "direction": "decrease", "baseline": {"value": 10},
//!    "target": {"kind": "relative_change", "percent": -20}, "start": "2026-07-01", "due": "2026-09-30",
//!    "parent": "nps"}
//! ]}"#)?;
//! let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
//! let obs = vec![Observations::default(), Observations::new(&[d(8, 1)], &[9.0])?];
//! let p = tree.progress(&obs, d(8, 15), &Tolerances::default())?;
//! assert_eq!(p.goals[1].own.progress, 0.5);            // 10 h → 9 h of 10 h → 8 h
//! assert_eq!(p.goals[0].rolled_progress, 0.5);         // the KGI rolls its KPI up
//! assert_eq!(p.goals[0].rolled_status, Status::OnTrack);
//! # Ok::<(), cx_core::CxError>(())
//! ```

mod check;
mod model;
mod observations;
mod progress;
mod text;
mod tree;

pub use check::{Letter, Noise, Pace, SmartCheck, Verdict};
pub use model::{Baseline, Direction, GOAL_VERSION, Goal, Measurement, Outcome, Scope, Target};
pub use observations::Observations;
pub use progress::{Progress, Projection, Status, Tolerances};
pub use tree::{GoalTree, NodeProgress, SuccessRate, TreeProgress, success_rate};
