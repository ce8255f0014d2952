//! Roadmaps: loading and its errors, conditions on account facts (three-valued), stage progress with windows and
//! required tasks, task states, edge versus level triggers, cooldown and deduplication, statuses and the stalled
//! list, the portfolio with in-progress accounts apart from drop-offs, health-score candidates, touchpoints, the
//! sample roadmaps; and properties: the cooldown bound holds, the stage funnel adds up.

use chrono::NaiveDate;
use cx_core::CxError;
use cx_core::health::{CutBelongs, ScoringRule};
use cx_core::journey::{
    AccountFacts, ActionKind, FactsBuilder, FactsDocument, JourneyStatus, Owner, Roadmap, TaskStatus,
};
use cx_core::survey::{GroupOptions, MetricSpec};
use proptest::prelude::*;
use serde_json::json;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(u64::from(d))
}

fn roadmap(v: serde_json::Value) -> Roadmap {
    Roadmap::from_json(v.to_string().as_bytes()).unwrap()
}

fn roadmap_err(v: serde_json::Value) -> CxError {
    Roadmap::from_json(v.to_string().as_bytes()).unwrap_err()
}

fn facts(account: &str, start: u32) -> AccountFacts {
    AccountFacts {
        account: account.into(),
        start: Some(day(start)),
        ..Default::default()
    }
}

fn with_metric(mut f: AccountFacts, metric: &str, series: &[(u32, f64)]) -> AccountFacts {
    f.metrics
        .insert(metric.into(), series.iter().map(|&(d, v)| (day(d), v)).collect());
    f
}

fn one_action(when: &str, extra: serde_json::Value) -> Roadmap {
    let mut action = json!({"id": "a", "name": "Act", "kind": "risk", "target": "admin", "when": when});
    action
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    roadmap(json!({"version": 1, "name": "r", "stages": [{"id": "s", "name": "S"}], "actions": [action]}))
}

fn fired_days(r: &Roadmap, f: &AccountFacts, as_of: u32) -> Vec<NaiveDate> {
    r.evaluate(f, day(as_of))
        .unwrap()
        .fired
        .iter()
        .map(|x| x.date)
        .collect()
}

#[test]
fn loading_names_the_bad_field() {
    let base = |stages: serde_json::Value, tasks: serde_json::Value, actions: serde_json::Value| json!({"version": 1, "name": "r", "stages": stages, "tasks": tasks, "actions": actions});
    let s = json!([{"id": "a", "name": "A", "exit": "x >= 1"}, {"id": "b", "name": "B"}]);
    let cases = [
        (base(json!([]), json!([]), json!([])), "`stages`"),
        (
            base(
                json!([{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]),
                json!([]),
                json!([]),
            ),
            "`stages[1].id`",
        ),
        (
            base(
                json!([{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]),
                json!([]),
                json!([]),
            ),
            "only the last stage may be open-ended",
        ),
        (
            base(json!([{"id": "completed", "name": "A"}]), json!([]), json!([])),
            "`stages[0].id`",
        ),
        (
            base(
                s.clone(),
                json!([{"id": "t", "name": "T", "stage": "zz", "owner": "vendor"}]),
                json!([]),
            ),
            "unknown stage `zz` at `tasks[0].stage`",
        ),
        (
            base(
                s.clone(),
                json!([{"id": "t", "name": "T", "stage": "a", "owner": "vendor", "due": {"days": -3}}]),
                json!([]),
            ),
            "`tasks[0].due.days`",
        ),
        (
            base(
                s.clone(),
                json!([]),
                json!([{"id": "x", "name": "X", "kind": "risk", "target": "admin", "when": "done(nope)"}]),
            ),
            "unknown task `nope` at `actions[0].when`",
        ),
        (
            base(
                s.clone(),
                json!([]),
                json!([{"id": "x", "name": "X", "kind": "risk", "target": "admin", "when": "a > 1",
                        "cooldown": {"times": 0, "days": 7}}]),
            ),
            "`actions[0].cooldown`",
        ),
        (
            base(
                s.clone(),
                json!([]),
                json!([{"id": "x", "name": "X", "kind": "risk", "target": "admin", "when": "a >= 1",
                        "stages": ["b", "q"]}]),
            ),
            "unknown stage `q` at `actions[0].stages[1]`",
        ),
        (
            base(
                json!([{"id": "a", "name": "A", "expected_days": 10, "max_days": 5}]),
                json!([]),
                json!([]),
            ),
            "`stages[0].max_days`",
        ),
        (
            base(
                json!([{"id": "a", "name": "A", "window": {"anchor": "go_live", "from_days": 5, "to_days": 1}}]),
                json!([]),
                json!([]),
            ),
            "`stages[0].window.to_days`",
        ),
    ];
    for (doc, needle) in cases {
        let e = roadmap_err(doc.clone());
        assert!(e.to_string().contains(needle), "{doc}: {e}");
    }
    // A syntax error inside a condition string names the column.
    let e = roadmap_err(json!({"version": 1, "name": "r", "stages": [{"id": "a", "name": "A", "exit": "dau >= "}]}));
    assert!(
        e.to_string().contains("stages[0].exit") && e.to_string().contains("column"),
        "{e}"
    );
    assert!(matches!(
        roadmap_err(json!({"version": 2, "name": "r", "stages": []})),
        CxError::UnsupportedVersion { found: 2, .. }
    ));
}

#[test]
fn conditions_are_three_valued_on_facts() {
    // Each condition type, with the day it first fires (edge trigger) or nothing.
    let f = with_metric(
        with_metric(facts("x", 0), "usage", &[(0, 100.0), (10, 90.0), (30, 70.0)]),
        "dau",
        &[(5, 10.0), (12, 60.0)],
    );
    // compare: unknown before the first observation, then true from day 12.
    assert_eq!(fired_days(&one_action("dau >= 50", json!({})), &f, 40), vec![day(12)]);
    // change over 28 days: needs a value 28 days back (day 28 looks at day 0): 90 vs 100 = −10%; day 30: 70 vs
    // 100 = −30% ≤ −20%.
    assert_eq!(
        fired_days(&one_action("change(usage, 28d) <= -20%", json!({})), &f, 40),
        vec![day(30)]
    );
    // absent: unknown until the window fits inside the watched period, then true; an event resets it.
    let mut g = facts("y", 0);
    g.events.insert("nps_response".into(), vec![day(20)]);
    assert_eq!(
        fired_days(
            &one_action("absent(nps_response, 14d)", json!({"dedup_while_open": false})),
            &g,
            50
        ),
        vec![day(13), day(34)]
    );
    // not of unknown is unknown: nothing fires before dau is observed even though "not dau >= 50" is what we ask.
    assert_eq!(
        fired_days(&one_action("not dau >= 50", json!({})), &f, 40),
        vec![day(5)]
    );
    // any: one true leaf is enough even when the other is unknown.
    assert_eq!(
        fired_days(&one_action("dau >= 50 or ghost > 1", json!({})), &f, 40),
        vec![day(12)]
    );
    // all: one unknown leaf blocks.
    assert!(fired_days(&one_action("dau >= 50 and ghost > 1", json!({})), &f, 40).is_empty());
    // the values that fired are reported, unknowns as NaN (null in JSON).
    let e = one_action("dau >= 50 or ghost > 1", json!({}))
        .evaluate(&f, day(40))
        .unwrap();
    assert_eq!(e.fired[0].values[0].what, "dau");
    assert_eq!(e.fired[0].values[0].value, 60.0);
    assert!(e.fired[0].values[1].value.is_nan());
    let text = serde_json::to_string(&e).unwrap();
    assert!(text.contains(r#""what":"ghost","value":null"#), "{text}");
}

#[test]
fn edge_and_level_triggers_cooldown_and_dedup() {
    // low on days 0-9, fine 10-19, low again from 20.
    let f = with_metric(facts("x", 0), "logins", &[(0, 1.0), (10, 9.0), (20, 1.0)]);
    let no_dedup = json!({"dedup_while_open": false});
    // edge: on entering the condition, twice.
    assert_eq!(
        fired_days(&one_action("logins < 3", no_dedup.clone()), &f, 29),
        vec![day(0), day(20)]
    );
    // level: every day it holds.
    let level = one_action("logins < 3", json!({"trigger": "level", "dedup_while_open": false}));
    assert_eq!(fired_days(&level, &f, 29).len(), 20);
    // level with a cooldown of 2 every 7 days: days 0, 1, 7, 8, then 20, 21, 27, 28.
    let cooled = one_action(
        "logins < 3",
        json!({"trigger": "level", "dedup_while_open": false, "cooldown": {"times": 2, "days": 7}}),
    );
    let want: Vec<_> = [0, 1, 7, 8, 20, 21, 27, 28].map(day).to_vec();
    assert_eq!(fired_days(&cooled, &f, 29), want);
    // dedup (the default): a level trigger fires again only after the earlier firing is executed.
    let dedup = one_action("logins < 3", json!({"trigger": "level"}));
    let mut g = f.clone();
    g.executions.insert("a".into(), vec![day(4)]);
    let e = dedup.evaluate(&g, day(29)).unwrap();
    let got: Vec<_> = e.fired.iter().map(|x| (x.date, x.executed)).collect();
    // fired day 0; the execution on day 4 closes it, so it fires again on day 4, and that firing stays open: each
    // execution closes one firing, the oldest open one.
    assert_eq!(got, vec![(day(0), Some(day(4))), (day(4), None)]);
    // an edge swallowed while an earlier firing is open does not come back later.
    let edge_dedup = one_action("logins < 3", json!({}));
    assert_eq!(fired_days(&edge_dedup, &f, 29), vec![day(0)]);
    // executions for an unknown action are an error naming the account.
    let mut bad = f.clone();
    bad.executions.insert("nope".into(), vec![day(1)]);
    let e = edge_dedup.evaluate(&bad, day(29)).unwrap_err();
    assert!(e.to_string().contains("unknown guided action `nope`"), "{e}");
}

fn two_stage() -> Roadmap {
    roadmap(json!({"version": 1, "name": "r", "stages": [
        {"id": "setup", "name": "Setup", "exit": "configured >= 1", "expected_days": 10, "max_days": 20},
        {"id": "use", "name": "Use", "exit": "dau >= 50"}],
      "tasks": [
        {"id": "kickoff", "name": "Kick-off", "stage": "setup", "owner": "joint", "due": {"days": 3}},
        {"id": "guide", "name": "Send the guide", "stage": "setup", "owner": "vendor", "due": {"days": 5},
         "required": false},
        {"id": "plan", "name": "Usage plan", "stage": "use", "owner": "vendor", "due": {"days": 7}, "required": false}],
      "actions": [{"id": "nudge", "name": "Nudge", "kind": "risk", "target": "admin", "when": "configured < 1",
                   "stages": ["setup"]}]}))
}

#[test]
fn stages_tasks_and_statuses() {
    let r = two_stage();
    // Required task and exit condition both needed: configured on day 4, kickoff done day 6 → exit day 6.
    let mut f = with_metric(facts("a", 0), "configured", &[(0, 0.0), (4, 1.0)]);
    f.tasks.insert("kickoff".into(), day(6));
    let e = r.evaluate(&f, day(9)).unwrap();
    assert_eq!(e.stage.as_deref(), Some("use"));
    assert_eq!(e.entered, Some(day(6)));
    assert_eq!(e.days_in_stage, Some(3));
    assert_eq!(e.status, JourneyStatus::OnTrack);
    assert_eq!(e.visits[0].days, 6);
    let kickoff = e.tasks.iter().find(|t| t.task == "kickoff").unwrap();
    assert_eq!(
        (kickoff.status, kickoff.on_time, kickoff.due),
        (TaskStatus::Done, Some(false), Some(day(3)))
    );
    let guide = e.tasks.iter().find(|t| t.task == "guide").unwrap();
    assert_eq!(guide.status, TaskStatus::Overdue);
    let plan = e.tasks.iter().find(|t| t.task == "plan").unwrap();
    assert_eq!((plan.status, plan.due), (TaskStatus::Open, Some(day(13))));
    assert_eq!(e.next_tasks, vec!["plan".to_string()]);
    let vendor = e.tasks_by_owner.iter().find(|o| o.owner == Owner::Vendor).unwrap();
    assert_eq!((vendor.done, vendor.open, vendor.overdue), (0, 1, 1));
    // The nudge fired on day 0 in setup with the value that fired it.
    assert_eq!(e.fired.len(), 1);
    assert_eq!(
        (e.fired[0].stage.as_deref(), e.fired[0].values[0].value),
        (Some("setup"), 0.0)
    );

    // Behind: required task overdue; then beyond expected; then stuck beyond max.
    let g = facts("b", 0);
    let at = |d| r.evaluate(&g, day(d)).unwrap();
    assert_eq!(at(2).status, JourneyStatus::OnTrack);
    assert_eq!(at(4).status, JourneyStatus::Behind);
    assert!(
        at(4).reason.contains("required tasks overdue: kickoff"),
        "{}",
        at(4).reason
    );
    assert!(at(11).reason.contains("beyond the expected 10"), "{}", at(11).reason);
    assert_eq!(at(20).status, JourneyStatus::Behind);
    assert_eq!(at(21).status, JourneyStatus::Stuck);
    // Completed, and facts after as_of are set aside and counted.
    let mut h = with_metric(
        with_metric(facts("c", 0), "configured", &[(1, 1.0)]),
        "dau",
        &[(8, 70.0), (40, 1.0)],
    );
    h.tasks.insert("kickoff".into(), day(2));
    let e = r.evaluate(&h, day(30)).unwrap();
    assert_eq!(
        (e.status, e.stage_index, e.stage.clone()),
        (JourneyStatus::Completed, Some(2), None)
    );
    assert_eq!(e.facts_after_as_of, 1);
    assert_eq!(e.visits[1].exited, Some(day(8)));
    // Not started before the start date.
    assert_eq!(
        r.evaluate(&facts("d", 50), day(30)).unwrap().status,
        JourneyStatus::NotStarted
    );
}

#[test]
fn windows_around_an_anchor() {
    let r = roadmap(json!({"version": 1, "name": "go-live", "stages": [
        {"id": "prep", "name": "Preparation", "window": {"anchor": "go_live", "from_days": -30, "to_days": 0}},
        {"id": "intro", "name": "Introduction", "window": {"anchor": "go_live", "from_days": 0, "to_days": 60},
         "exit": "orders >= 20"},
        {"id": "use", "name": "Utilisation", "window": {"anchor": "go_live", "from_days": 60}}],
      "tasks": [{"id": "menu", "name": "Register the menu", "stage": "prep", "owner": "customer",
                 "due": {"days": -10, "anchor": "go_live"}}]}));
    let mut f = AccountFacts {
        account: "shop".into(),
        anchors: [("go_live".to_string(), day(40))].into(),
        ..Default::default()
    };
    // No start date: the first stage opens 30 days before go-live.
    assert_eq!(r.evaluate(&f, day(5)).unwrap().status, JourneyStatus::NotStarted);
    let e = r.evaluate(&f, day(35)).unwrap();
    assert_eq!((e.stage.as_deref(), e.entered), (Some("prep"), Some(day(10))));
    assert_eq!(e.status, JourneyStatus::Behind); // menu was due on day 30
    // Menu done on day 20: preparation is met, but introduction opens only at go-live.
    f.tasks.insert("menu".into(), day(20));
    let e = r.evaluate(&f, day(35)).unwrap();
    assert_eq!((e.stage.as_deref(), e.status), (Some("prep"), JourneyStatus::OnTrack));
    assert!(e.reason.contains("exit was met on 2025-01-21") && e.reason.contains("`intro` opens on 2025-02-10"));
    let e = r.evaluate(&f, day(41)).unwrap();
    assert_eq!((e.stage.as_deref(), e.entered), (Some("intro"), Some(day(40))));
    // Orders reach 20 on day 70: introduction met, utilisation opens on day 100; past the intro window → on track
    // (met), then utilisation.
    f.metrics.insert("orders".into(), vec![(day(70), 25.0)]);
    assert_eq!(r.evaluate(&f, day(99)).unwrap().stage.as_deref(), Some("intro"));
    let e = r.evaluate(&f, day(100)).unwrap();
    assert_eq!((e.stage.as_deref(), e.entered), (Some("use"), Some(day(100))));
    // Without orders the intro window closes on day 100: behind.
    f.metrics.clear();
    let e = r.evaluate(&f, day(101)).unwrap();
    assert_eq!(e.status, JourneyStatus::Behind);
    assert!(e.reason.contains("window closed"), "{}", e.reason);
    // No start and no anchor: an error naming the account.
    let e = r
        .evaluate(
            &AccountFacts {
                account: "lost".into(),
                ..Default::default()
            },
            day(1),
        )
        .unwrap_err();
    assert!(e.to_string().contains("account `lost`.start"), "{e}");
}

#[test]
fn portfolio_keeps_in_progress_apart_from_dropped() {
    let r = two_stage();
    let done = |id: &str, configured: u32, kickoff: u32| {
        let mut f = with_metric(facts(id, 0), "configured", &[(configured, 1.0)]);
        f.tasks.insert("kickoff".into(), day(kickoff));
        f
    };
    let mut completed = done("done", 2, 2);
    completed.metrics.insert("dau".into(), vec![(day(10), 80.0)]);
    let accounts = [
        done("a", 4, 6),         // in use since day 6
        done("b", 8, 3),         // in use since day 8
        completed,               // completed on day 10
        facts("stuck", 0),       // 25 days in setup > 20: stuck, a drop-off
        facts("fresh", 15),      // 10 days in setup: behind? expected 10 → on track at 10
        facts("later", 30),      // not started
        done("late_exec", 1, 1), // in use since day 1
    ];
    let evaluations = r.evaluate_all(&accounts, day(25)).unwrap();
    let p = r.portfolio(&evaluations).unwrap();
    assert_eq!((p.n_accounts, p.not_started), (7, 1));
    let setup = &p.stages[0];
    assert_eq!(
        (setup.reached, setup.in_progress, setup.current, setup.stuck),
        (6, 1, 2, 1)
    );
    let usage = &p.stages[1];
    // reached use: a, b, done, late_exec = 4; in progress: fresh (not stuck); dropped: stuck.
    assert_eq!((usage.reached, usage.in_progress, usage.dropped), (4, 1, 1));
    assert!((usage.conversion_from_previous - 4.0 / 6.0).abs() < 1e-12);
    // days to reach use: 6, 8, 2, 1 → sorted 1 2 6 8: p50 4, p90 = 6 + 0.7·2 = 7.4
    assert_eq!(usage.days_to_reach_p50, 4.0);
    assert!((usage.days_to_reach_p90 - 7.4).abs() < 1e-12);
    let completed_row = &p.stages[2];
    assert_eq!(completed_row.stage, "completed");
    assert_eq!(
        (completed_row.reached, completed_row.in_progress, completed_row.dropped),
        (1, 3, 0)
    );
    assert_eq!(completed_row.days_to_reach_p50, 10.0);
    // Tasks due before day 25: kickoff due day 3 for the 6 started (fresh: due day 18).
    let kickoff = p
        .tasks
        .iter()
        .find(|t| t.stage == "setup" && t.owner == Owner::Joint)
        .unwrap();
    // on time: done (2 ≤ 3), b (3 ≤ 3), late_exec (1); a late (6), stuck and fresh not done.
    assert_eq!((kickoff.due, kickoff.done_by_due), (6, 3));
    // The nudge fired for everyone started (configured < 1 or unknown → only known false values count): a, b,
    // stuck has no data (unknown), done has data from day 2 (configured 1 on day 2 only, unknown before).
    let nudge = &p.actions[0];
    assert_eq!(nudge.kind, ActionKind::Risk);
    assert_eq!(nudge.triggered, 0);
    assert!(nudge.rate.is_nan());
    // Stuck first, then behind (fresh: its kick-off was due on day 18).
    let stalled: Vec<_> = p.stalled.iter().map(|s| (s.account.as_str(), s.status)).collect();
    assert_eq!(
        stalled,
        [("stuck", JourneyStatus::Stuck), ("fresh", JourneyStatus::Behind)]
    );
    // Mixed dates and other roadmaps are refused.
    let mut mixed = evaluations.clone();
    mixed[1].as_of = day(24);
    assert!(
        r.portfolio(&mixed)
            .unwrap_err()
            .to_string()
            .contains("evaluations[1].as_of")
    );
    assert!(matches!(r.portfolio(&[]), Err(CxError::EmptyInput { .. })));
    // Duplicate accounts are refused with their position.
    let e = r.evaluate_all(&[facts("x", 0), facts("x", 1)], day(3)).unwrap_err();
    assert!(e.to_string().contains("accounts[1].account"), "{e}");
}

#[test]
fn candidates_make_a_valid_scorecard() {
    let r = Roadmap::from_json(include_bytes!("../data/sample/success_roadmap.json")).unwrap();
    let c = r.health_candidates();
    let names: Vec<&str> = c.iter().map(|c| c.measure.as_str()).collect();
    assert_eq!(
        names,
        [
            "change_key_person_usage_28d",
            "feature_usage_rate",
            "days_since_nps_response",
            "roi_ratio",
            "first_login_rate",
            "license_activation_rate"
        ]
    );
    // risk `first_login_rate <= 0.3`: at or below the cut earns 0.
    let login = &c[4];
    assert_eq!(
        login.scoring,
        ScoringRule::Bands {
            cuts: vec![0.3],
            points: vec![0.0, 100.0],
            cut_belongs: CutBelongs::Lower
        }
    );
    // opportunity `feature_usage_rate >= 0.6`: at or above earns 100, below 50.
    assert_eq!(
        c[1].scoring,
        ScoringRule::Bands {
            cuts: vec![0.6],
            points: vec![50.0, 100.0],
            cut_belongs: CutBelongs::Upper
        }
    );
    let card = r.scorecard_skeleton().unwrap();
    assert_eq!(card.measures.len(), 6);
    cx_core::health::Scorecard::from_json(&card.to_json()).unwrap();
    // `not` reverses the comparison; done() and == are not candidates.
    let r2 = roadmap(json!({"version": 1, "name": "r", "stages": [{"id": "s", "name": "S"}],
        "tasks": [{"id": "t", "name": "T", "stage": "s", "owner": "vendor", "required": false}],
        "actions": [{"id": "a", "name": "A", "kind": "risk", "target": "x", "when": "not x > 5 or done(t) or y == 1"}]}));
    let c = r2.health_candidates();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].condition, "x <= 5");
    assert!(one_action("done_flag == 1", json!({})).scorecard_skeleton().is_err());
}

#[test]
fn touchpoint_scores_and_unknown_touchpoints() {
    let r = Roadmap::from_json(include_bytes!("../data/sample/success_roadmap.json")).unwrap();
    let scores = [5.0, 4.0, 2.0, 5.0, 5.0];
    let keys = ["help_center", "help_center", "help_center", "kickoff", "kickoff"];
    let rows = r
        .touchpoint_scores(&MetricSpec::csat(), &scores, &keys, &GroupOptions::default())
        .unwrap();
    assert_eq!(rows.len(), 6);
    let help = rows.iter().find(|t| t.touchpoint == "help_center").unwrap();
    assert!((help.estimate.as_ref().unwrap().value - 200.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        rows.iter().find(|t| t.touchpoint == "website").unwrap().note.as_deref(),
        Some("no responses")
    );
    let e = r
        .touchpoint_scores(&MetricSpec::csat(), &[5.0], &["lobby"], &GroupOptions::default())
        .unwrap_err();
    assert!(e.to_string().contains("touchpoint `lobby` at `touchpoints[0]`"), "{e}");
}

#[test]
fn sample_roadmaps_load_and_round_trip() {
    for bytes in [
        &include_bytes!("../data/sample/success_roadmap.json")[..],
        &include_bytes!("../data/sample/golive_roadmap.json")[..],
    ] {
        let r = Roadmap::from_json(bytes).unwrap();
        assert_eq!(Roadmap::from_json(r.to_json().as_bytes()).unwrap(), r);
    }
    let r = Roadmap::from_json(include_bytes!("../data/sample/success_roadmap.json")).unwrap();
    assert_eq!(r.actions.len(), 6);
    assert_eq!(r.stages.len(), 4);
}

#[test]
fn facts_from_json_and_from_tables_agree() {
    let doc = FactsDocument::from_json(
        br#"{"accounts": [{"account": "acme", "start": "2025-01-02", "metrics": {"dau": [["2025-01-10", 40]]},
             "tasks": {"kickoff": "2025-01-03"}}]}"#,
    )
    .unwrap();
    let mut b = FactsBuilder::default();
    b.start("acme", day(1), 0).unwrap();
    b.metric("acme", "dau", day(9), 40.0);
    b.task("acme", "kickoff", day(2), 0).unwrap();
    assert_eq!(b.finish(), doc.accounts);
    let e = FactsDocument::from_json(br#"{"accounts": [{"account": "a", "metrics": {"dau": [["2025-13-01", 1]]}}]}"#)
        .unwrap_err();
    assert!(e.to_string().contains("accounts[0].metrics.dau"), "{e}");
    // NaN values and two values on one date are refused naming the account and metric.
    let r = two_stage();
    let f = with_metric(facts("n", 0), "dau", &[(1, f64::NAN)]);
    assert!(
        r.evaluate(&f, day(3))
            .unwrap_err()
            .to_string()
            .contains("account `n`.metrics.dau[0]")
    );
    let f = with_metric(facts("d", 0), "dau", &[(1, 1.0), (1, 2.0)]);
    assert!(
        r.evaluate(&f, day(3))
            .unwrap_err()
            .to_string()
            .contains("two observations on 2025-01-02")
    );
    let mut f = facts("t", 0);
    f.tasks.insert("kickof".into(), day(1));
    assert!(
        r.evaluate(&f, day(3))
            .unwrap_err()
            .to_string()
            .contains("unknown task `kickof`")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A level trigger with a cooldown of N every D days never fires more than N times in any D consecutive
    /// days, fires on a day only when the condition holds, and without dedup fires whenever the quota allows.
    #[test]
    fn cooldown_bound_holds(values in prop::collection::vec(0u8..4, 1..60), times in 1u32..4, days in 1u32..10) {
        let r = one_action("v < 2", json!({"trigger": "level", "dedup_while_open": false,
                                            "cooldown": {"times": times, "days": days}}));
        let series: Vec<(u32, f64)> = values.iter().enumerate().map(|(d, &v)| (d as u32, f64::from(v))).collect();
        let f = with_metric(facts("x", 0), "v", &series);
        let fired: Vec<i64> = fired_days(&r, &f, values.len() as u32 - 1)
            .iter().map(|d| (*d - day(0)).num_days()).collect();
        for (i, &d) in fired.iter().enumerate() {
            prop_assert!(values[d as usize] < 2);
            let in_window = fired[..=i].iter().filter(|&&e| d - e < i64::from(days)).count();
            prop_assert!(in_window <= times as usize);
        }
        // Greedy: a holding day that did not fire had its quota used up.
        for (d, &v) in values.iter().enumerate() {
            let d = d as i64;
            if v < 2 && !fired.contains(&d) {
                let used = fired.iter().filter(|&&e| e < d && d - e < i64::from(days)).count();
                prop_assert_eq!(used, times as usize);
            }
        }
    }

    /// The stage funnel adds up: reached never grows, reached(k-1) = reached(k) + in_progress(k) + dropped(k),
    /// and accounts per stage sum to the accounts started.
    #[test]
    fn stage_funnel_adds_up(accounts in prop::collection::vec((0u32..40, prop::option::of(0u32..40),
                                                                prop::option::of(0u32..40)), 1..30)) {
        let r = two_stage();
        let facts: Vec<AccountFacts> = accounts.iter().enumerate().map(|(i, &(start, configured, dau))| {
            let mut f = facts(&format!("a{i}"), start);
            if let Some(c) = configured { f.metrics.insert("configured".into(), vec![(day(start + c), 1.0)]); }
            f.tasks.insert("kickoff".into(), day(start));
            if let Some(d) = dau { f.metrics.insert("dau".into(), vec![(day(start + d), 60.0)]); }
            f
        }).collect();
        let as_of = day(45);
        let p = r.portfolio(&r.evaluate_all(&facts, as_of).unwrap()).unwrap();
        let started = p.n_accounts - p.not_started;
        prop_assert_eq!(p.stages[0].reached, started);
        prop_assert_eq!(p.stages.iter().map(|s| s.current).sum::<usize>(), started);
        for k in 1..p.stages.len() {
            let (prev, row) = (&p.stages[k - 1], &p.stages[k]);
            prop_assert!(row.reached <= prev.reached);
            prop_assert_eq!(prev.reached, row.reached + row.in_progress + row.dropped);
            prop_assert_eq!(row.dropped, prev.stuck);
        }
    }
}

#[test]
fn offsets_at_the_ends_of_i64_are_refused() {
    // Issue 20 item 9: `i64::MIN.abs()` wraps to i64::MIN, which passed the ±10,000-day check.
    for days in [i64::MIN, i64::MIN + 1, i64::MAX, -10_001, 10_001] {
        let e = roadmap_err(json!({"version": 1, "name": "r", "stages": [
            {"id": "a", "name": "A", "window": {"anchor": "go_live", "from_days": days}}]}));
        assert!(
            matches!(&e, CxError::InvalidConfig { field, .. } if field == "stages[0].window.from_days"),
            "{days}: {e}"
        );
        let e = roadmap_err(json!({"version": 1, "name": "r", "stages": [{"id": "a", "name": "A"}],
            "tasks": [{"id": "t", "name": "T", "stage": "a", "owner": "vendor",
                       "due": {"days": days, "anchor": "go_live"}}]}));
        assert!(
            matches!(&e, CxError::InvalidConfig { field, .. } if field == "tasks[0].due.days"),
            "{days}: {e}"
        );
    }
    // The edges themselves are fine.
    for days in [-10_000i64, 10_000] {
        roadmap(json!({"version": 1, "name": "r", "stages": [
            {"id": "a", "name": "A", "window": {"anchor": "go_live", "from_days": days}}]}));
    }
}

#[test]
fn evaluation_days_and_firings_are_capped() {
    use cx_core::journey::{MAX_EVALUATION_DAYS, MAX_FIRING_VALUES};
    // Issue 20 item 11: a roadmap evaluated over 1,000,000 days took 4.6 GB (a level-triggered firing a day).
    let r = one_action("dau >= 0", json!({"trigger": "level", "dedup_while_open": false}));
    let f = with_metric(facts("acme", 0), "dau", &[(0, 1.0)]);
    let start = std::time::Instant::now();
    let e = r.evaluate(&f, day(1_000_000)).unwrap_err();
    assert!(
        matches!(&e, CxError::LimitExceeded { what, limit, found: 1_000_001 }
            if *limit == MAX_EVALUATION_DAYS && what.contains("account `acme`")),
        "{e}"
    );
    assert!(
        start.elapsed().as_secs_f64() < 1.0,
        "refused before replaying: {:?}",
        start.elapsed()
    );
    // At the limit: every day fires, and each firing records one value.
    let last = MAX_EVALUATION_DAYS as u32 - 1;
    let e = r.evaluate(&f, day(last)).unwrap();
    assert_eq!(e.fired.len() as u64, MAX_EVALUATION_DAYS);
    // Through `evaluate_all` the account's position is named.
    let e = r.evaluate_all(std::slice::from_ref(&f), day(last + 1)).unwrap_err();
    assert!(e.to_string().contains("accounts[0]"), "{e}");

    // Firings times leaf values: 49 leaves a firing, level-triggered, reach the cap after about 20,000 days.
    let when = vec!["dau >= 0"; 49].join(" and ");
    let r = one_action(&when, json!({"trigger": "level", "dedup_while_open": false}));
    let e = r.evaluate(&f, day(30_000)).unwrap_err();
    assert!(
        matches!(&e, CxError::LimitExceeded { what, limit, .. }
            if *limit == MAX_FIRING_VALUES && what.contains("action `a`")),
        "{e}"
    );
    let e = r.evaluate(&f, day(19_000)).unwrap();
    assert_eq!(e.fired.len(), 19_001);
    // A cooldown over a long replay counts recent firings by bisection: same bound as before.
    let r = one_action(
        "dau >= 0",
        json!({"trigger": "level", "dedup_while_open": false, "cooldown": {"times": 3, "days": 10}}),
    );
    let fired = fired_days(&r, &f, 50_000);
    // Days 0..=50,000: three in each 10-day block, and one on the last day.
    assert_eq!(fired.len(), 3 * 5_000 + 1);
    assert!(fired.windows(4).all(|w| (w[3] - w[0]).num_days() >= 10));
}
