//! SMART goals: the seeds' examples, every SMART rule, every status, maintain goals, trees and their errors,
//! with expected values worked out by hand in the comments.

use chrono::NaiveDate;
use cx_core::CxError;
use cx_core::goals::{Goal, GoalTree, Observations, Outcome, Progress, Status, Tolerances, Verdict, success_rate};
use serde_json::{Value, json};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// "Raise NPS by 1 point this quarter" (seed 003), fully specified.
fn nps_goal() -> Value {
    json!({
        "version": 1, "id": "nps", "title": "Raise NPS by 1 point this quarter",
        "metric": "nps", "unit": "points", "direction": "increase",
        "baseline": {"value": 32.0}, "target": {"kind": "change", "by": 1.0},
        "start": "2026-07-01", "due": "2026-09-30", "owner": "Head of CX",
        "scope": {"segment": "all customers"}, "rationale": "loyalty drives renewals",
        "measurement": {"responses": 400, "variance": 0.6}
    })
}

/// "Cut average resolution time by 20% this quarter" (seed 003): 10 h → 8 h over 2026-07-01..=2026-09-30
/// (91 days, so expected progress on day k is k / 91).
fn ttr_goal() -> Value {
    json!({
        "version": 1, "id": "ttr", "title": "Cut average resolution time by 20% this quarter",
        "metric": "avg_resolution_hours", "unit": "hours", "direction": "decrease",
        "baseline": {"value": 10.0}, "target": {"kind": "relative_change", "percent": -20.0},
        "start": "2026-07-01", "due": "2026-09-30", "owner": "Support lead",
        "scope": {"touchpoint": "support"}, "parent": "nps"
    })
}

fn goal(v: &Value) -> Goal {
    Goal::from_json(&v.to_string()).unwrap()
}

fn with(mut v: Value, patch: Value) -> Value {
    for (k, x) in patch.as_object().unwrap() {
        if x.is_null() {
            v.as_object_mut().unwrap().remove(k);
        } else {
            v[k] = x.clone();
        }
    }
    v
}

fn obs(rows: &[(NaiveDate, f64)]) -> Observations {
    let (dates, values): (Vec<NaiveDate>, Vec<f64>) = rows.iter().copied().unzip();
    Observations::new(&dates, &values).unwrap()
}

fn progress(v: &Value, rows: &[(NaiveDate, f64)], as_of: NaiveDate) -> Progress {
    goal(v).progress(&obs(rows), as_of, &Tolerances::default()).unwrap()
}

#[test]
fn a_one_point_nps_target_on_400_responses_is_not_measurable_and_the_check_says_why() {
    let report = goal(&nps_goal()).check(None).unwrap();
    assert_eq!(report.measurable.verdict, Verdict::Fail);
    let noise = report.noise.unwrap();
    // σ² = 0.6 on −1..1 = 6 000 points²; margin 1.959964 × √(6000/400) = 7.5909.
    assert!((noise.margin_of_error - 7.590_907_871).abs() < 1e-6);
    assert_eq!(noise.variance, 6_000.0);
    // (1.959964 + 0.841621)² × (6000 + 6000) / 1² = 94 186.56 → 94 187 per quarter.
    assert_eq!(noise.responses_needed, 94_187);
    // Detectable at 400: 2.801585 × √(12000/400) = 15.345.
    assert!((noise.detectable_change - 15.344_8).abs() < 1e-3);
    let reason = &report.measurable.reason;
    for needle in [
        "target change of +1 point",
        "400 responses",
        "±7.59 points at 95%",
        "variance 0.6",
        "94,187",
    ] {
        assert!(reason.contains(needle), "`{needle}` not in: {reason}");
    }
    // Everything else about the goal is fine: S, R and T pass, A has no history.
    assert_eq!(report.specific.verdict, Verdict::Pass);
    assert_eq!(report.relevant.verdict, Verdict::Pass);
    assert_eq!(report.time_bound.verdict, Verdict::Pass);
    assert_eq!(report.achievable.verdict, Verdict::Warn);
    assert_eq!(report.verdict, Verdict::Fail);
}

#[test]
fn measurable_passes_or_warns_as_the_sample_grows() {
    let at = |n: u64| {
        let g = goal(&with(
            nps_goal(),
            json!({"measurement": {"responses": n, "variance": 0.6}}),
        ));
        g.check(None).unwrap().measurable.verdict
    };
    // Margin < 1 point from n > 1.96² × 6000 = 23 049; detectable < 1 from n > 94 187.
    assert_eq!(at(20_000), Verdict::Fail);
    assert_eq!(at(50_000), Verdict::Warn);
    assert_eq!(at(100_000), Verdict::Pass);
    // Without a variance the worst case (σ² = 1, 10 000 points²) is used and said.
    let g = goal(&with(nps_goal(), json!({"measurement": {"responses": 400}})));
    let r = g.check(None).unwrap();
    let noise = r.noise.unwrap();
    assert!(noise.worst_case_variance && noise.variance == 10_000.0);
    assert!((noise.margin_of_error - 1.959_964 * 5.0).abs() < 1e-5);
    assert!(
        r.measurable.reason.contains("the worst case"),
        "{}",
        r.measurable.reason
    );
    // A non-survey metric has no noise check: a numeric target in a unit passes.
    let r = goal(&ttr_goal()).check(None).unwrap();
    assert_eq!((r.measurable.verdict, r.noise), (Verdict::Pass, None));
}

#[test]
fn each_letter_fails_or_warns_on_what_is_missing() {
    let check = |patch: Value| goal(&with(nps_goal(), patch)).check(None).unwrap();
    let r = check(json!({"metric": null}));
    assert_eq!(r.specific.verdict, Verdict::Fail);
    assert_eq!(check(json!({"scope": null})).specific.verdict, Verdict::Warn);
    assert_eq!(check(json!({"owner": null})).specific.verdict, Verdict::Warn);
    assert_eq!(check(json!({"scope": {}})).specific.verdict, Verdict::Warn);

    assert_eq!(check(json!({"target": null})).measurable.verdict, Verdict::Fail);
    assert_eq!(check(json!({"baseline": null})).measurable.verdict, Verdict::Fail);
    let r = check(json!({"target": {"kind": "value", "value": 30.0}}));
    assert_eq!(r.measurable.verdict, Verdict::Fail);
    assert!(
        r.measurable.reason.contains("not above the baseline 32"),
        "{}",
        r.measurable.reason
    );
    let r = goal(&with(ttr_goal(), json!({"unit": null}))).check(None).unwrap();
    assert_eq!(r.measurable.verdict, Verdict::Warn);

    assert_eq!(check(json!({"rationale": null})).relevant.verdict, Verdict::Fail);
    assert_eq!(
        check(json!({"rationale": null, "parent": "kgi"})).relevant.verdict,
        Verdict::Pass
    );

    assert_eq!(check(json!({"due": null})).time_bound.verdict, Verdict::Fail);
    assert_eq!(check(json!({"start": null})).time_bound.verdict, Verdict::Warn);
    let r = check(json!({"due": "2026-07-01"}));
    assert_eq!(r.time_bound.verdict, Verdict::Fail);
    assert!(
        r.time_bound.reason.contains("not after the start"),
        "{}",
        r.time_bound.reason
    );
    assert_eq!(check(json!({})).time_bound.reason, "2026-07-01 to 2026-09-30 (92 days)");
}

#[test]
fn achievable_compares_the_required_pace_with_the_history() {
    // The goal needs −2 h over 91 days = −0.6593 h per 30 days.
    let g = goal(&ttr_goal());
    let history = |per_30: f64| {
        obs(&(0..6)
            .map(|k| (d(2026, 1, 1) + chrono::Days::new(30 * k), 12.0 + per_30 * k as f64))
            .collect::<Vec<_>>())
    };
    let verdict = |per_30: f64| {
        let r = g.check(Some(&history(per_30))).unwrap();
        let pace = r.pace.unwrap();
        assert!((pace.required_per_day - (-2.0 / 91.0)).abs() < 1e-12);
        assert!((pace.historical_per_day - per_30 / 30.0).abs() < 1e-12);
        r.achievable
    };
    assert_eq!(verdict(-0.7).verdict, Verdict::Pass);
    let warn = verdict(-0.4); // 0.4 / 0.659 = 0.61 of the pace
    assert_eq!(warn.verdict, Verdict::Warn);
    assert!(
        warn.reason.contains("needs -0.66 per 30 days") && warn.reason.contains("moved -0.4"),
        "{}",
        warn.reason
    );
    assert_eq!(verdict(-0.2).verdict, Verdict::Fail);
    assert_eq!(verdict(0.3).verdict, Verdict::Fail); // moving the wrong way
    let one = obs(&[(d(2026, 1, 1), 11.0)]);
    assert_eq!(g.check(Some(&one)).unwrap().achievable.verdict, Verdict::Warn);
}

#[test]
fn progress_of_a_decrease_goal_through_the_quarter() {
    let g = ttr_goal();
    // Before the start.
    let p = progress(&g, &[(d(2026, 6, 1), 10.5)], d(2026, 6, 15));
    assert_eq!(
        (p.status, p.progress, p.expected_progress),
        (Status::NotStarted, 0.0, 0.0)
    );
    assert_eq!(p.n_before_start, 1);
    // Started, but nothing observed since the start.
    let p = progress(&g, &[(d(2026, 6, 1), 10.5)], d(2026, 7, 20));
    assert_eq!(p.status, Status::NotStarted);
    assert!(p.reason.contains("no observation since the start"), "{}", p.reason);
    // Day 45 of 91: expected 45/91 = 0.4945. 9.0 h is half way: on track (the two points project 7.81 h).
    let rows = [(d(2026, 7, 15), 9.8), (d(2026, 8, 15), 9.0), (d(2026, 9, 1), 7.0)];
    let p = progress(&g, &rows, d(2026, 8, 15));
    assert_eq!(p.status, Status::OnTrack, "{}", p.reason);
    assert_eq!((p.current, p.current_date), (Some(9.0), Some(d(2026, 8, 15))));
    assert!((p.progress - 0.5).abs() < 1e-12 && (p.expected_progress - 45.0 / 91.0).abs() < 1e-12);
    assert_eq!((p.n_used, p.n_after_cutoff), (2, 1));
    let proj = p.projection.unwrap();
    // Slope −0.8 h / 31 days; 46 days on from 9.0 h: 9.0 − 0.8 × 46/31 = 7.8129.
    assert!((proj.value_at_due - (9.0 - 0.8 * 46.0 / 31.0)).abs() < 1e-9 && proj.reaches_target);
    // Same progress, but a flat trend projects short of 8 h: at risk.
    let p = progress(&g, &[(d(2026, 7, 15), 9.0), (d(2026, 8, 15), 9.0)], d(2026, 8, 15));
    assert_eq!(p.status, Status::AtRisk);
    assert!(p.reason.contains("projects 9 at the due date"), "{}", p.reason);
    // Day 61: expected 0.670; progress 0.5 → gap 0.17: at risk. Progress 0.3 → gap 0.37: off track.
    assert_eq!(
        progress(&g, &[(d(2026, 8, 31), 9.0)], d(2026, 8, 31)).status,
        Status::AtRisk
    );
    assert_eq!(
        progress(&g, &[(d(2026, 8, 31), 9.4)], d(2026, 8, 31)).status,
        Status::OffTrack
    );
    // Reached before the due date: achieved; progress clamps at 1.
    let p = progress(&g, &[(d(2026, 8, 31), 7.5)], d(2026, 9, 2));
    assert_eq!((p.status, p.progress), (Status::Achieved, 1.0));
    // After the due date: the last observation on or before it decides.
    let p = progress(&g, &[(d(2026, 9, 30), 8.4), (d(2026, 10, 5), 7.0)], d(2026, 10, 10));
    assert_eq!(p.status, Status::Missed);
    assert!((p.progress - 0.8).abs() < 1e-12 && p.expected_progress == 1.0);
    assert_eq!((p.current, p.n_after_cutoff), (Some(8.4), 1));
    let p = progress(&g, &[], d(2026, 10, 10));
    assert_eq!(p.status, Status::Missed);
    // Going the wrong way clamps at 0.
    assert_eq!(progress(&g, &[(d(2026, 7, 10), 11.0)], d(2026, 7, 10)).progress, 0.0);
}

#[test]
fn tolerances_move_the_status_lines() {
    let g = goal(&ttr_goal());
    let rows = obs(&[(d(2026, 8, 31), 9.0)]); // gap 0.17
    let loose = Tolerances {
        at_risk_gap: 0.2,
        off_track_gap: 0.3,
    };
    assert_eq!(
        g.progress(&rows, d(2026, 8, 31), &loose).unwrap().status,
        Status::OnTrack
    );
    let tight = Tolerances {
        at_risk_gap: 0.05,
        off_track_gap: 0.1,
    };
    assert_eq!(
        g.progress(&rows, d(2026, 8, 31), &tight).unwrap().status,
        Status::OffTrack
    );
    let bad = Tolerances {
        at_risk_gap: 0.3,
        off_track_gap: 0.1,
    };
    assert!(
        matches!(g.progress(&rows, d(2026, 8, 31), &bad), Err(CxError::InvalidArgument { name, .. }) if name == "at_risk_gap")
    );
}

#[test]
fn maintain_goals_hold_a_band() {
    let g = json!({"version": 1, "id": "csat", "title": "Keep CSAT at 85 ± 2", "metric": "csat", "unit": "%",
        "direction": "maintain", "baseline": {"value": 85.0}, "band": 2.0,
        "start": "2026-07-01", "due": "2026-09-30"});
    let rows = [(d(2026, 7, 31), 86.0), (d(2026, 8, 31), 88.0), (d(2026, 9, 30), 84.5)];
    let p = progress(&g, &rows[..1], d(2026, 8, 1));
    assert_eq!(
        (p.status, p.progress, p.expected_progress, p.target),
        (Status::OnTrack, 1.0, 1.0, 85.0)
    );
    let p = progress(&g, &rows[..2], d(2026, 9, 1)); // 88 is 3 from 85: within 2 × 2
    assert_eq!((p.status, p.progress), (Status::AtRisk, 0.5));
    let p = progress(&g, &[(d(2026, 8, 31), 80.0)], d(2026, 9, 1));
    assert_eq!(p.status, Status::OffTrack);
    let p = progress(&g, &rows, d(2026, 10, 1));
    assert_eq!(p.status, Status::Achieved);
    assert!((p.progress - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(progress(&g, &rows[..2], d(2026, 10, 1)).status, Status::Missed);
    // A maintain goal without a band cannot be tracked, and the check fails Measurable.
    let no_band = with(g, json!({"band": null}));
    assert!(
        matches!(goal(&no_band).progress(&obs(&rows), d(2026, 10, 1), &Tolerances::default()),
        Err(CxError::InvalidConfig { field, .. }) if field == "band")
    );
    assert_eq!(goal(&no_band).check(None).unwrap().measurable.verdict, Verdict::Fail);
}

#[test]
fn maintain_history_is_judged_by_the_share_inside_the_band() {
    let g = goal(
        &json!({"version": 1, "id": "c", "title": "t", "direction": "maintain", "baseline": {"value": 85.0},
        "band": 2.0}),
    );
    let history = |values: &[f64]| {
        obs(&values
            .iter()
            .enumerate()
            .map(|(i, &v)| (d(2026, 1, 1) + chrono::Days::new(i as u64), v))
            .collect::<Vec<_>>())
    };
    let verdict = |values: &[f64]| g.check(Some(&history(values))).unwrap().achievable.verdict;
    assert_eq!(verdict(&[84.0, 85.0, 86.0, 87.0, 90.0]), Verdict::Pass); // 4 of 5
    assert_eq!(verdict(&[84.0, 85.0, 90.0, 80.0]), Verdict::Warn); // 2 of 4
    assert_eq!(verdict(&[84.0, 90.0, 80.0]), Verdict::Fail); // 1 of 3
}

#[test]
fn goals_that_cannot_be_tracked_say_which_field() {
    let err = |patch: Value| {
        goal(&with(ttr_goal(), patch))
            .progress(&Observations::default(), d(2026, 8, 1), &Tolerances::default())
            .unwrap_err()
    };
    let field = |e: CxError| match e {
        CxError::InvalidConfig { field, .. } => field,
        e => panic!("{e}"),
    };
    assert_eq!(field(err(json!({"due": null}))), "due");
    assert_eq!(field(err(json!({"start": null}))), "start");
    assert_eq!(field(err(json!({"due": "2026-06-01"}))), "due");
    assert_eq!(field(err(json!({"target": null}))), "target");
    assert_eq!(field(err(json!({"baseline": null}))), "baseline");
    assert_eq!(
        field(err(json!({"target": {"kind": "value", "value": 12.0}}))),
        "target"
    );
    assert_eq!(field(err(json!({"baseline": {"value": 0.0}}))), "target.percent");
}

#[test]
fn goal_json_round_trips_and_errors_name_the_field() {
    for v in [nps_goal(), ttr_goal()] {
        let g = goal(&v);
        assert_eq!(Goal::from_json(&g.to_json()).unwrap(), g);
    }
    let e = Goal::from_json(&with(nps_goal(), json!({"parnet": "x"})).to_string()).unwrap_err();
    assert!(e.to_string().contains("parnet"), "{e}");
    let e =
        Goal::from_json(&with(nps_goal(), json!({"target": {"kind": "change", "by": "one"}})).to_string()).unwrap_err();
    // The target is tagged by `kind`, so the path stops at the target and the reason names the bad value.
    assert!(
        matches!(&e, CxError::InvalidConfig { field, reason, .. } if field == "target" && reason.contains("\"one\"")),
        "{e}"
    );
    let e = Goal::from_json(&with(nps_goal(), json!({"direction": "up"})).to_string()).unwrap_err();
    assert!(
        matches!(&e, CxError::InvalidConfig { field, .. } if field == "direction"),
        "{e}"
    );
    let e = Goal::from_json(&with(nps_goal(), json!({"weight": -1.0})).to_string()).unwrap_err();
    assert!(
        matches!(&e, CxError::InvalidConfig { field, .. } if field == "weight"),
        "{e}"
    );
    let e = Goal::from_json(&with(nps_goal(), json!({"measurement": {"responses": 0}})).to_string()).unwrap_err();
    assert!(
        matches!(&e, CxError::InvalidConfig { field, .. } if field == "measurement.responses"),
        "{e}"
    );
    let e = Goal::from_json(&with(nps_goal(), json!({"version": 2})).to_string()).unwrap_err();
    assert!(matches!(e, CxError::UnsupportedVersion { found: 2, .. }));
    let e = Goal::from_json(&with(nps_goal(), json!({"version": null})).to_string()).unwrap_err();
    assert!(
        matches!(&e, CxError::InvalidConfig { reason, .. } if reason.contains("version")),
        "{e}"
    );
}

fn tree_json(goals: Vec<Value>) -> String {
    let goals: Vec<Value> = goals.into_iter().map(|g| with(g, json!({"version": null}))).collect();
    json!({"version": 1, "goals": goals}).to_string()
}

#[test]
fn a_tree_rolls_up_by_weight_and_reports_the_worst_status() {
    let csat = json!({"id": "csat", "title": "Keep CSAT", "metric": "csat", "unit": "%", "direction": "maintain",
        "baseline": {"value": 85.0}, "band": 2.0, "start": "2026-07-01", "due": "2026-09-30", "parent": "nps"});
    let chat = json!({"id": "chat", "title": "Launch chat", "direction": "increase", "baseline": {"value": 0},
        "target": {"kind": "value", "value": 20}, "start": "2026-07-01", "due": "2026-09-30", "parent": "nps",
        "outcome": "cancelled"});
    let tree = GoalTree::from_json(&tree_json(vec![
        nps_goal(),
        with(ttr_goal(), json!({"weight": 3.0})),
        csat,
        chat,
    ]))
    .unwrap();
    let as_of = d(2026, 8, 31);
    let observations = vec![
        Observations::default(),
        obs(&[(d(2026, 8, 31), 9.0)]),                          // 0.5, gap 0.17: at risk
        obs(&[(d(2026, 7, 31), 85.0), (d(2026, 8, 31), 84.0)]), // held 2 of 2: 1.0, on track
        obs(&[(d(2026, 8, 31), 0.0)]),                          // cancelled: 0.0, off track, ignored
    ];
    let p = tree.progress(&observations, as_of, &Tolerances::default()).unwrap();
    let ids: Vec<&str> = p.goals.iter().map(|n| n.goal.as_str()).collect();
    assert_eq!(ids, ["nps", "ttr", "csat", "chat"]);
    assert_eq!(p.goals.iter().map(|n| n.depth).collect::<Vec<_>>(), [0, 1, 1, 1]);
    let root = &p.goals[0];
    // (3 × 0.5 + 1 × 1.0) / 4 = 0.625; worst of at_risk and on_track; the root has no data of its own.
    assert!((root.rolled_progress - 0.625).abs() < 1e-12);
    assert_eq!(root.rolled_status, Status::AtRisk);
    assert_eq!(root.own.status, Status::NotStarted);
    assert!(p.goals[3].cancelled && p.goals[3].own.status == Status::OffTrack);
    // With observations of its own, the root's own status joins the worst-of.
    let mut with_root = observations.clone();
    with_root[0] = obs(&[(d(2026, 7, 31), 31.0)]);
    let p = tree.progress(&with_root, as_of, &Tolerances::default()).unwrap();
    assert_eq!(p.goals[0].rolled_status, Status::OffTrack);
    // Columnar input: codes are positions in the tree; errors name the caller's index.
    let split = tree
        .split(
            &[1, 2, 2],
            &[d(2026, 8, 31), d(2026, 7, 31), d(2026, 8, 31)],
            &[9.0, 85.0, 84.0],
        )
        .unwrap();
    assert_eq!(split[2], observations[2]);
    assert!(split[0].is_empty());
    assert!(matches!(
        tree.split(&[0, 7], &[as_of, as_of], &[1.0, 2.0]),
        Err(CxError::InvalidGroupCode { code: 7, index: 1, .. })
    ));
    assert!(matches!(
        tree.split(&[2, 1, 2], &[as_of, as_of, as_of], &[1.0, 2.0, f64::NAN]),
        Err(CxError::MissingValue { index: 2, .. })
    ));
    assert!(matches!(
        tree.progress(&observations[..2], as_of, &Tolerances::default()),
        Err(CxError::LengthMismatch { .. })
    ));
}

#[test]
fn trees_refuse_unknown_parents_cycles_and_duplicates() {
    let e = GoalTree::from_json(&tree_json(vec![with(ttr_goal(), json!({"parent": "kgi"}))])).unwrap_err();
    assert_eq!(
        e,
        CxError::UnknownId {
            what: "goal tree".into(),
            kind: "goal".into(),
            id: "kgi".into(),
            at: "goals[0].parent".into()
        }
    );
    let e = GoalTree::from_json(&tree_json(vec![with(nps_goal(), json!({"parent": "ttr"})), ttr_goal()])).unwrap_err();
    assert_eq!(
        e,
        CxError::Cycle {
            what: "goal tree".into(),
            path: "nps → ttr → nps".into()
        }
    );
    let e = GoalTree::from_json(&tree_json(vec![nps_goal(), nps_goal()])).unwrap_err();
    assert!(
        matches!(&e, CxError::InvalidConfig { field, .. } if field == "goals[1].id"),
        "{e}"
    );
    let e = GoalTree::from_json(&tree_json(vec![with(nps_goal(), json!({"weight": 0}))])).unwrap_err();
    assert!(
        matches!(&e, CxError::InvalidConfig { field, .. } if field == "goals[0].weight"),
        "{e}"
    );
    let tree = GoalTree::from_json(&tree_json(vec![nps_goal(), ttr_goal()])).unwrap();
    assert_eq!(GoalTree::from_json(&tree.to_json()).unwrap(), tree);
}

#[test]
fn success_rate_counts_partial_as_half_and_skips_cancelled() {
    use Outcome::*;
    let r = success_rate([
        Some(Achieved),
        Some(Achieved),
        Some(PartiallyAchieved),
        Some(Missed),
        Some(Cancelled),
        None,
    ])
    .unwrap();
    assert_eq!(r.rate, 2.5 / 4.0);
    assert_eq!(
        (r.achieved, r.partially_achieved, r.missed, r.cancelled, r.open),
        (2, 1, 1, 1, 1)
    );
    assert!(matches!(
        success_rate([Some(Cancelled), None]),
        Err(CxError::EmptyInput { .. })
    ));
}

#[test]
fn the_sample_goal_trees_load_and_check() {
    let tree = GoalTree::from_json(&std::fs::read_to_string("../../data/sample/goals.json").unwrap()).unwrap();
    let nps = &tree.goals()[0];
    let report = nps.check(None).unwrap();
    // 1 000 responses a quarter with σ² = 0.6: ±4.8 points, far above a 1-point target.
    assert_eq!(report.measurable.verdict, Verdict::Fail);
    assert!((report.noise.unwrap().margin_of_error - 1.959_964 * (6000.0f64 / 1000.0).sqrt()).abs() < 1e-5);
    let ttr = &tree.goals()[1];
    assert_eq!(ttr.target_value().unwrap(), 8.0);
    assert_eq!(ttr.check(None).unwrap().verdict, Verdict::Warn); // only Achievable lacks history
    let closed = GoalTree::from_json(&std::fs::read_to_string("../../data/sample/goals_closed.json").unwrap()).unwrap();
    assert_eq!(closed.success_rate().unwrap().rate, 0.5); // (1 + 0.5 + 0) / 3
}
