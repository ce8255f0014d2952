//! Property tests for goals: progress stays in bounds, a decrease goal is the mirror of an increase goal, input
//! order does not matter, the projection matches a textbook least-squares fit, and roll-ups stay between their
//! children.

use chrono::{Days, NaiveDate};
use cx_core::goals::{Direction, Goal, GoalTree, Observations, Target, Tolerances};
use proptest::prelude::*;

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
}

fn goal(id: &str, direction: Direction, baseline: f64, target: f64, parent: Option<&str>, weight: f64) -> Goal {
    let mut g = Goal::from_json(&format!(
        r#"{{"version": 1, "id": "{id}", "title": "t", "direction": "{}", "start": "2026-07-01", "due": "2026-09-30"}}"#,
        direction.name()
    ))
    .unwrap();
    g.baseline = Some(cx_core::goals::Baseline {
        value: baseline,
        date: None,
    });
    g.target = Some(Target::Value { value: target });
    g.parent = parent.map(String::from);
    g.weight = weight;
    g
}

/// Distinct day offsets (0..=120 from the start) with values.
fn series() -> impl Strategy<Value = Vec<(u64, f64)>> {
    prop::collection::btree_map(0u64..=120, -50.0f64..50.0, 0..12).prop_map(|m| m.into_iter().collect())
}

fn observations(rows: &[(u64, f64)], sign: f64) -> Observations {
    let dates: Vec<NaiveDate> = rows.iter().map(|&(k, _)| start() + Days::new(k)).collect();
    let values: Vec<f64> = rows.iter().map(|&(_, v)| sign * v).collect();
    Observations::new(&dates, &values).unwrap()
}

proptest! {
    #[test]
    fn progress_is_bounded_and_mirrors_between_directions(
        rows in series(), baseline in -20.0f64..20.0, change in 0.5f64..30.0, as_of in 0u64..=130,
    ) {
        let as_of = start() + Days::new(as_of);
        let up = goal("g", Direction::Increase, baseline, baseline + change, None, 1.0);
        let down = goal("g", Direction::Decrease, -baseline, -baseline - change, None, 1.0);
        let t = Tolerances::default();
        let p = up.progress(&observations(&rows, 1.0), as_of, &t).unwrap();
        let q = down.progress(&observations(&rows, -1.0), as_of, &t).unwrap();
        prop_assert!((0.0..=1.0).contains(&p.progress) && (0.0..=1.0).contains(&p.expected_progress));
        prop_assert_eq!(p.status, q.status);
        prop_assert!((p.progress - q.progress).abs() < 1e-12);
        prop_assert_eq!(p.expected_progress, q.expected_progress);
        prop_assert_eq!(p.n_used + p.n_before_start + p.n_after_cutoff, rows.len());
        if let (Some(a), Some(b)) = (p.projection, q.projection) {
            prop_assert!((a.value_at_due + b.value_at_due).abs() < 1e-6 * (1.0 + a.value_at_due.abs()));
            prop_assert_eq!(a.reaches_target, b.reaches_target);
        }
    }

    #[test]
    fn input_order_does_not_matter(rows in series(), seed in any::<u64>()) {
        let mut shuffled = rows.clone();
        // A deterministic shuffle from the seed.
        let n = shuffled.len();
        for i in (1..n).rev() {
            let j = (seed.rotate_left(i as u32) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        prop_assert_eq!(observations(&rows, 1.0), observations(&shuffled, 1.0));
    }

    #[test]
    fn the_projection_is_the_textbook_least_squares_line(rows in series()) {
        prop_assume!(rows.len() >= 2);
        let g = goal("g", Direction::Increase, -100.0, 100.0, None, 1.0);
        let as_of = start() + Days::new(91);
        let p = g.progress(&observations(&rows, 1.0), as_of, &Tolerances::default()).unwrap();
        let used: Vec<(f64, f64)> = rows.iter().filter(|r| r.0 <= 91).map(|&(k, v)| (k as f64, v)).collect();
        let Some(proj) = p.projection else {
            prop_assert!(used.len() < 2);
            return Ok(());
        };
        // Raw-sum formula, x in days from the start: slope = (nΣxy − ΣxΣy) / (nΣx² − (Σx)²).
        let n = used.len() as f64;
        let (sx, sy) = (used.iter().map(|u| u.0).sum::<f64>(), used.iter().map(|u| u.1).sum::<f64>());
        let sxy = used.iter().map(|u| u.0 * u.1).sum::<f64>();
        let sxx = used.iter().map(|u| u.0 * u.0).sum::<f64>();
        let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        let at_due = (sy - slope * sx) / n + slope * 91.0;
        prop_assert!((proj.slope_per_day - slope).abs() < 1e-9 * (1.0 + slope.abs()));
        prop_assert!((proj.value_at_due - at_due).abs() < 1e-7 * (1.0 + at_due.abs()));
    }

    #[test]
    fn roll_ups_stay_between_their_children(
        kids in prop::collection::vec((series(), 0.1f64..5.0), 1..5), as_of in 0u64..=100,
    ) {
        let mut goals = vec![goal("root", Direction::Increase, 0.0, 10.0, None, 1.0)];
        for (i, (_, w)) in kids.iter().enumerate() {
            goals.push(goal(&format!("k{i}"), Direction::Increase, 0.0, 10.0, Some("root"), *w));
        }
        let tree = GoalTree::new(goals).unwrap();
        let mut obs = vec![Observations::default()];
        obs.extend(kids.iter().map(|(rows, _)| observations(rows, 1.0)));
        let p = tree.progress(&obs, start() + Days::new(as_of), &Tolerances::default()).unwrap();
        let children = &p.goals[1..];
        let lo = children.iter().map(|c| c.rolled_progress).fold(f64::INFINITY, f64::min);
        let hi = children.iter().map(|c| c.rolled_progress).fold(f64::NEG_INFINITY, f64::max);
        let root = &p.goals[0];
        prop_assert!(root.rolled_progress >= lo - 1e-12 && root.rolled_progress <= hi + 1e-12);
        let worst = children.iter().map(|c| c.rolled_status.severity()).max().unwrap();
        prop_assert_eq!(root.rolled_status.severity(), worst);
    }
}
