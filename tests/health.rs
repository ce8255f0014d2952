//! Health scoring: a hand-computed case for every scoring rule, missing policy, override and band edge; the
//! roll-up through nested groups; explanations that add up; configuration errors that name the field.

use cx_core::CxError;
use cx_core::health::{Batch, Columns, Direction, Scorecard, Scorer, Status, validate_scores};
use serde_json::{Value, json};

const NAN: f64 = f64::NAN;

fn card(extra: Value) -> Scorecard {
    let mut base = json!({
        "version": 1, "name": "t",
        "measures": [{"id": "a", "weight": 1, "scoring": {"rule": "linear", "bad": 0, "good": 10}}],
        "bands": {"names": ["red", "yellow", "green"], "cuts": [50, 75]},
        "min_coverage": 0.0
    });
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    Scorecard::from_json(&base.to_string()).unwrap()
}

fn score(card: Scorecard, values: Vec<&[f64]>) -> Batch {
    Scorer::new(card).unwrap().score(&Columns::new(values), None).unwrap()
}

fn one_measure(scoring: Value, values: &[f64]) -> Vec<f64> {
    let c = card(json!({"measures": [{"id": "a", "weight": 1, "scoring": scoring}]}));
    score(c, vec![values]).score
}

#[test]
fn linear_rule_clamps_and_runs_both_ways() {
    let got = one_measure(
        json!({"rule": "linear", "bad": 10, "good": 30}),
        &[0.0, 10.0, 15.0, 30.0, 99.0],
    );
    assert_eq!(got, [0.0, 0.0, 25.0, 100.0, 100.0]);
    // bad > good: lower is better (e.g. open tickets).
    let got = one_measure(json!({"rule": "linear", "bad": 8, "good": 0}), &[0.0, 2.0, 8.0, 12.0]);
    assert_eq!(got, [100.0, 75.0, 0.0, 0.0]);
}

#[test]
fn bands_rule_with_both_cut_semantics() {
    let upper = json!({"rule": "bands", "cuts": [10, 20], "points": [0, 50, 100]});
    assert_eq!(
        one_measure(upper, &[9.99, 10.0, 19.0, 20.0, 50.0]),
        [0.0, 50.0, 50.0, 100.0, 100.0]
    );
    let lower = json!({"rule": "bands", "cuts": [10, 20], "points": [0, 50, 100], "cut_belongs": "lower"});
    assert_eq!(
        one_measure(lower, &[10.0, 10.01, 20.0, 20.01]),
        [0.0, 50.0, 50.0, 100.0]
    );
}

#[test]
fn target_rule_is_a_capped_percentage() {
    let got = one_measure(
        json!({"rule": "target", "target": 200}),
        &[-5.0, 0.0, 50.0, 200.0, 400.0],
    );
    assert_eq!(got, [0.0, 0.0, 25.0, 100.0, 100.0]);
    let capped = one_measure(json!({"rule": "target", "target": 200, "cap": 80}), &[400.0, 100.0]);
    assert_eq!(capped, [80.0, 50.0]);
}

#[test]
fn percentile_rule_uses_mid_ranks_over_the_fresh_population() {
    // Values 1, 2, 2, 4 (and a missing one): 1 → (0 + 0.5)/4, 2 → (1 + 1)/4, 4 → (3 + 0.5)/4.
    let c = card(
        json!({"measures": [{"id": "a", "weight": 1, "scoring": {"rule": "percentile"},
                                       "missing": {"policy": "neutral", "points": 40}}]}),
    );
    let got = score(c, vec![&[1.0, 2.0, 2.0, 4.0, NAN]]).score;
    assert_eq!(got, [12.5, 50.0, 50.0, 87.5, 40.0]);
    let lower = one_measure(json!({"rule": "percentile", "better": "lower"}), &[1.0, 4.0]);
    assert_eq!(lower, [75.0, 25.0]);
}

fn two_measures(missing_b: Value) -> Scorecard {
    card(json!({"measures": [
        {"id": "a", "weight": 3, "scoring": {"rule": "linear", "bad": 0, "good": 10}},
        {"id": "b", "weight": 1, "scoring": {"rule": "linear", "bad": 0, "good": 10}, "missing": missing_b}
    ]}))
}

#[test]
fn missing_policies() {
    let (a, b) = ([8.0, 8.0], [NAN, 4.0]);
    // exclude: a alone, renormalised; coverage 3/4.
    let batch = score(two_measures(json!({"policy": "exclude"})), vec![&a, &b]);
    assert_eq!(batch.score, [80.0, (3.0 * 80.0 + 40.0) / 4.0]);
    assert_eq!(batch.coverage, [0.75, 1.0]);
    // neutral 50: (3·80 + 50)/4; imputed points do not count as coverage.
    let batch = score(two_measures(json!({"policy": "neutral", "points": 50})), vec![&a, &b]);
    assert_eq!(batch.score[0], (3.0 * 80.0 + 50.0) / 4.0);
    assert_eq!(batch.coverage[0], 0.75);
    // zero: (3·80 + 0)/4.
    let batch = score(two_measures(json!({"policy": "zero"})), vec![&a, &b]);
    assert_eq!(batch.score[0], 60.0);
    // error: names the measure and the account.
    let err = Scorer::new(two_measures(json!({"policy": "error"})))
        .unwrap()
        .score(&Columns::new(vec![&a, &b]), None)
        .unwrap_err();
    assert_eq!(
        err,
        CxError::MissingValue {
            what: "measure 'b'".into(),
            index: 0
        }
    );
}

#[test]
fn minimum_coverage_makes_insufficient_data_not_a_number() {
    let mut c = two_measures(json!({"policy": "exclude"}));
    c.min_coverage = 0.8;
    let batch = score(c, vec![&[8.0, 8.0, NAN], &[NAN, 4.0, NAN]]);
    assert!(batch.score[0].is_nan() && batch.band[0].is_none()); // 0.75 < 0.8
    assert_eq!(batch.score[1], 70.0);
    assert!(batch.score[2].is_nan() && batch.coverage[2] == 0.0);
    assert_eq!(batch.contribution[0][0], 0.0);
}

#[test]
fn stale_observations_count_as_missing() {
    let c = card(json!({"measures": [
        {"id": "a", "weight": 1, "scoring": {"rule": "linear", "bad": 0, "good": 10}, "max_age_days": 30},
        {"id": "b", "weight": 1, "scoring": {"rule": "linear", "bad": 0, "good": 10}}
    ]}));
    let (a, b, ages) = ([10.0, 10.0, 10.0], [0.0, 0.0, 0.0], [30.0, 31.0, NAN]);
    let columns = Columns {
        values: vec![&a, &b],
        ages: vec![Some(&ages), None],
    };
    let batch = Scorer::new(c).unwrap().score(&columns, None).unwrap();
    assert_eq!(batch.score, [50.0, 0.0, 50.0]); // age 30 is not older than 30; unknown age is fresh
    assert_eq!(batch.status[0], [Status::Observed, Status::Stale, Status::Observed]);
    assert_eq!(batch.coverage[1], 0.5);
}

#[test]
fn band_edges_follow_the_stated_semantics() {
    let values = [49.999, 50.0, 74.999, 75.0, 100.0];
    let batch = score(card(json!({})), vec![&values.map(|v| v / 10.0)]);
    assert_eq!(batch.band, [Some(0), Some(1), Some(1), Some(2), Some(2)]);
    let lower = card(json!({"bands": {"names": ["red", "yellow", "green"], "cuts": [50, 75], "cut_belongs": "lower"}}));
    let batch = score(lower, vec![&[5.0, 5.0001, 7.5]]);
    assert_eq!(batch.band, [Some(0), Some(1), Some(1)]);
}

#[test]
fn nested_groups_roll_up_and_explanations_add_up() {
    // root: usage (w 2) and support (w 1). usage: logins (w 1) and depth (w 1, a subgroup with features w 1).
    let c = card(json!({
        "groups": [
            {"id": "usage", "weight": 2},
            {"id": "depth", "weight": 1, "parent": "usage"},
            {"id": "support", "weight": 1}
        ],
        "measures": [
            {"id": "logins", "weight": 1, "group": "usage", "scoring": {"rule": "linear", "bad": 0, "good": 10}},
            {"id": "features", "weight": 1, "group": "depth", "scoring": {"rule": "linear", "bad": 0, "good": 10}},
            {"id": "tickets", "weight": 1, "group": "support", "scoring": {"rule": "linear", "bad": 10, "good": 0},
             "bands": {"names": ["bad", "ok"], "cuts": [50]}}
        ]
    }));
    let scorer = Scorer::new(c).unwrap();
    assert_eq!(scorer.nominal_weights(), [1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0]);
    let (logins, features, tickets) = ([10.0, 10.0], [6.0, NAN], [8.0, 8.0]);
    let columns = Columns::new(vec![&logins, &features, &tickets]);
    let batch = scorer.score(&columns, None).unwrap();
    // Account 0: usage = (100 + 60)/2 = 80; support = 20; overall = (2·80 + 20)/3 = 60.
    assert!((batch.score[0] - 60.0).abs() < 1e-12);
    // Account 1: features missing → depth has no value → usage = logins = 100; overall = (200 + 20)/3.
    assert!((batch.score[1] - 220.0 / 3.0).abs() < 1e-12);
    assert!((batch.coverage[1] - 2.0 / 3.0).abs() < 1e-12);
    for i in 0..2 {
        let e = scorer.explain(&columns, &batch, i).unwrap();
        let total: f64 = e.measures.iter().map(|m| m.contribution).sum();
        assert!(
            (total - batch.score[i]).abs() < 1e-12,
            "contributions add up to the score"
        );
        let top: f64 = e
            .groups
            .iter()
            .filter(|g| g.id != "depth")
            .map(|g| g.contribution)
            .sum();
        assert!((top - batch.score[i]).abs() < 1e-12, "top-level groups add up too");
        assert_eq!(e.measures[2].band.as_deref(), Some("bad"));
    }
    let e = scorer.explain(&columns, &batch, 1).unwrap();
    assert_eq!(e.measures[1].status, Status::Missing);
    assert_eq!(
        (e.measures[1].effective_weight, e.measures[0].effective_weight),
        (0.0, 2.0 / 3.0)
    );
    assert!(e.groups[1].value.is_nan());
}

fn with_override(rule: Value) -> Scorer {
    let c = card(json!({
        "measures": [
            {"id": "a", "weight": 1, "scoring": {"rule": "linear", "bad": 0, "good": 10}},
            {"id": "sponsor", "weight": 1, "scoring": {"rule": "linear", "bad": 0, "good": 1},
             "bands": {"names": ["gone", "present"], "cuts": [50]}}
        ],
        "overrides": [rule, {"id": "second", "condition": {"when": "value", "measure": "a", "op": "ge", "value": 0},
                            "action": {"then": "cap_score", "score": 99}}]
    }));
    Scorer::new(c).unwrap()
}

#[test]
fn overrides_fire_in_order_and_name_themselves() {
    let (a, sponsor) = ([10.0, 10.0, 10.0], [0.0, 1.0, NAN]);
    let columns = Columns::new(vec![&a, &sponsor]);
    let force = with_override(
        json!({"id": "sponsor_left", "condition": {"when": "value", "measure": "sponsor",
                                      "op": "eq", "value": 0}, "action": {"then": "force_band", "band": "red"}}),
    );
    let batch = force.score(&columns, None).unwrap();
    assert_eq!(
        (batch.score[0], batch.band[0], batch.fired[0]),
        (50.0, Some(0), Some(0))
    );
    // The first rule does not fire for account 1, so the second (cap 99) does.
    assert_eq!((batch.score[1], batch.fired[1]), (99.0, Some(1)));
    assert_eq!(
        force.explain(&columns, &batch, 0).unwrap().override_fired.as_deref(),
        Some("sponsor_left")
    );
    let contributions: f64 = batch.contribution.iter().map(|c| c[1]).sum();
    assert!((contributions - 99.0).abs() < 1e-12, "a capped score still adds up");

    let cap = with_override(
        json!({"id": "no_sponsor_data", "condition": {"when": "missing", "measure": "sponsor"},
                                    "action": {"then": "cap_band", "band": "yellow"}}),
    );
    let batch = cap.score(&columns, None).unwrap();
    assert_eq!(
        (batch.score[2], batch.band[2], batch.fired[2]),
        (100.0, Some(1), Some(0))
    );

    let by_band = with_override(json!({"id": "gone", "condition": {"when": "band", "measure": "sponsor",
                                        "band": "gone"}, "action": {"then": "cap_score", "score": 40}}));
    let batch = by_band.score(&columns, None).unwrap();
    assert_eq!((batch.score[0], batch.band[0]), (40.0, Some(0)));
}

#[test]
fn trend_against_the_previous_snapshot() {
    let c = card(json!({"trend_tolerance": 2.0}));
    let scorer = Scorer::new(c).unwrap();
    let values = [5.0, 5.0, 5.0, 5.0, NAN];
    let previous = [47.0, 48.0, 52.5, NAN, 50.0];
    let batch = scorer.score(&Columns::new(vec![&values]), Some(&previous)).unwrap();
    assert_eq!(
        batch.trend,
        [
            Some(Direction::Up),
            Some(Direction::Flat),
            Some(Direction::Down),
            None,
            None
        ]
    );
    assert_eq!(batch.delta[0], 3.0);
    assert!(batch.delta[3].is_nan() && batch.delta[4].is_nan());
}

#[test]
fn configuration_errors_name_the_field() {
    let err = |measures: Value| {
        let text = json!({"version": 1, "name": "t", "measures": measures,
                          "bands": {"names": ["r", "g"], "cuts": [50]}})
        .to_string();
        Scorecard::from_json(&text).unwrap_err()
    };
    let linear = |bad: Value| json!({"id": "m", "weight": 1, "scoring": {"rule": "linear", "bad": bad, "good": 1}});
    let e = err(json!([
        linear(json!(0)),
        linear(json!(0)),
        linear(json!(0)),
        linear(json!("x"))
    ]));
    assert!(e.to_string().contains("measures[3].scoring.bad"), "{e}");
    let e = err(json!([linear(json!(1))]));
    assert!(e.to_string().contains("measures[0].scoring.good"), "{e}");
    let e = err(json!([{"id": "m", "weight": -1, "scoring": {"rule": "percentile"}}]));
    assert!(e.to_string().contains("measures[0].weight"), "{e}");
    let e = err(json!([{"id": "m", "weight": 1, "scoring": {"rule": "magic"}}]));
    assert!(e.to_string().contains("measures[0].scoring"), "{e}");
    let e = err(json!([{"id": "m", "weight": 1, "scoring": {"rule": "linear", "bad": 0, "cuts": [1]}}]));
    assert!(e.to_string().contains("`cuts` does not belong to rule `linear`"), "{e}");
    let e = err(json!([{"id": "m", "weight": 1, "scoring": {"rule": "linear", "bad": 0}}]));
    assert!(e.to_string().contains("needs field `good`"), "{e}");
    let e = err(json!([{"id": "m", "weight": 1, "group": "nope", "scoring": {"rule": "percentile"}}]));
    assert!(
        matches!(&e, CxError::UnknownId { id, at, .. } if id == "nope" && at == "measures[0].group"),
        "{e}"
    );
    let cycle = json!({"version": 1, "name": "t", "bands": {"names": ["r", "g"], "cuts": [50]},
        "groups": [{"id": "x", "weight": 1, "parent": "y"}, {"id": "y", "weight": 1, "parent": "x"}],
        "measures": [{"id": "m", "weight": 1, "group": "x", "scoring": {"rule": "percentile"}}]});
    let e = Scorecard::from_json(&cycle.to_string()).unwrap_err();
    assert!(matches!(&e, CxError::Cycle { path, .. } if path == "x → y → x"), "{e}");
    let v2 = json!({"version": 2}).to_string();
    assert!(matches!(
        Scorecard::from_json(&v2),
        Err(CxError::UnsupportedVersion { found: 2, .. })
    ));
}

#[test]
fn scorecards_round_trip_through_json() {
    let c = card(
        json!({"overrides": [{"id": "o", "condition": {"when": "missing", "measure": "a"},
                                        "action": {"then": "force_band", "band": "red"}}]}),
    );
    assert_eq!(Scorecard::from_json(&c.to_json()).unwrap(), c);
}

/// AUC by brute force over every (retained, churned) pair: 1 if the retained scored higher, ½ if tied.
fn brute_auc(scores: &[f64], churned: &[bool]) -> f64 {
    let (mut sum, mut pairs) = (0.0, 0.0);
    for (i, &r) in scores.iter().enumerate() {
        for (j, &c) in scores.iter().enumerate() {
            if !churned[i] && churned[j] && !r.is_nan() && !c.is_nan() {
                pairs += 1.0;
                sum += if r > c {
                    1.0
                } else if r == c {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    sum / pairs
}

#[test]
fn validation_against_outcomes_by_hand() {
    let bands = card(json!({})).bands;
    // Scores with ties across classes, an unscored account, and twenty accounts so the top decile has two.
    let scores = [
        10.0, 10.0, 20.0, 30.0, 45.0, 50.0, 55.0, 60.0, 60.0, 70.0, 74.0, 75.0, 80.0, 85.0, 90.0, 90.0, 95.0, 99.0,
        100.0, 40.0, NAN,
    ];
    let churned = [
        true, false, true, false, true, false, true, false, false, false, false, false, false, true, false, false,
        false, false, false, false, true,
    ];
    let v = validate_scores(&scores, &churned, &bands, "yellow").unwrap();
    assert_eq!((v.n, v.n_unscored, v.churned), (20, 1, 5));
    assert!((v.auc - brute_auc(&scores, &churned)).abs() < 1e-12);
    assert_eq!(v.base_rate, 0.25);
    // red (< 50): 10, 10, 20, 30, 45, 40 → 6 accounts, 3 churned; rate 0.5, lift 2.
    assert_eq!((v.bands[0].n, v.bands[0].churned, v.bands[0].lift), (6, 3, 2.0));
    // yellow [50, 75): 50, 55, 60, 60, 70, 74 → 6, 1 churned.
    assert_eq!((v.bands[1].n, v.bands[1].churned), (6, 1));
    assert_eq!((v.bands[2].n, v.bands[2].churned), (8, 1));
    // Top decile: the two lowest (10 churned, 10 retained; ties by input order) → 1 churned.
    assert_eq!(
        (v.top_decile.n, v.top_decile.churned, v.top_decile.capture),
        (2, 1, 0.2)
    );
    assert_eq!(v.top_decile.lift, 2.0);
    // Flag red and yellow: 12 flagged, 4 churned.
    assert_eq!(
        (v.threshold.flagged, v.threshold.precision, v.threshold.recall),
        (12, 4.0 / 12.0, 0.8)
    );
    assert!(matches!(
        validate_scores(&[1.0, 2.0], &[false, false], &bands, "red"),
        Err(CxError::InsufficientData { .. })
    ));
    assert!(matches!(
        validate_scores(&[1.0, 2.0], &[true, false], &bands, "blue"),
        Err(CxError::UnknownName { .. })
    ));
}

/// A scorecard with groups, every scoring rule, staleness, imputation and every kind of override, over `n`
/// accounts of varied data (missing values, ties, stale ages, previous scores).
fn threaded_case(n: usize) -> (Scorer, Vec<Vec<f64>>, Vec<f64>, Vec<f64>) {
    let card = json!({
        "version": 1, "name": "threads", "min_coverage": 0.4, "trend_tolerance": 1.0,
        "groups": [{"id": "usage", "weight": 2}, {"id": "people", "weight": 1}],
        "measures": [
            {"id": "m0", "weight": 1, "group": "usage", "scoring": {"rule": "linear", "bad": 0, "good": 100},
             "max_age_days": 30},
            {"id": "m1", "weight": 2, "group": "usage", "scoring": {"rule": "bands", "cuts": [20, 50, 80],
             "points": [0, 40, 70, 100]}, "missing": {"policy": "neutral", "points": 40}},
            {"id": "m2", "weight": 1, "group": "people", "scoring": {"rule": "target", "target": 80},
             "missing": {"policy": "zero"}},
            {"id": "m3", "weight": 3, "scoring": {"rule": "percentile"}},
            {"id": "m4", "weight": 1, "group": "people", "scoring": {"rule": "linear", "bad": 100, "good": 0},
             "bands": {"names": ["low", "high"], "cuts": [50]}}
        ],
        "bands": {"names": ["red", "yellow", "green"], "cuts": [50, 75]},
        "overrides": [
            {"id": "gone", "condition": {"when": "band", "measure": "m4", "band": "low"},
             "action": {"then": "cap_score", "score": 45}},
            {"id": "silent", "condition": {"when": "missing", "measure": "m2"},
             "action": {"then": "cap_band", "band": "yellow"}},
            {"id": "tiny", "condition": {"when": "value", "measure": "m0", "op": "lt", "value": 3},
             "action": {"then": "force_band", "band": "red"}}
        ]
    });
    let scorer = Scorer::new(Scorecard::from_json(&card.to_string()).unwrap()).unwrap();
    let mut state = 12345u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    let values: Vec<Vec<f64>> = (0..5)
        .map(|m| {
            (0..n)
                .map(|_| {
                    let x = next();
                    // Every seventh value missing; measure 3 rounded to whole numbers so percentiles tie.
                    if x < 0.14 {
                        NAN
                    } else if m == 3 {
                        (x * 50.0).round()
                    } else {
                        x * 100.0
                    }
                })
                .collect()
        })
        .collect();
    let ages: Vec<f64> = (0..n).map(|_| next() * 40.0).collect();
    let previous: Vec<f64> = (0..n)
        .map(|_| if next() < 0.2 { NAN } else { next() * 100.0 })
        .collect();
    (scorer, values, ages, previous)
}

#[test]
fn threads_give_the_one_thread_batch_and_error() {
    // Over 2^15 accounts per thread, so 2 and 3 threads really split the accounts (and the measures).
    let n = 100_000;
    let (scorer, values, ages, previous) = threaded_case(n);
    let mut columns = Columns::new(values.iter().map(Vec::as_slice).collect());
    columns.ages[0] = Some(&ages);
    let one = scorer.score(&columns, Some(&previous)).unwrap();
    assert!(one.fired.iter().flatten().count() > 1000, "the overrides fire");
    assert!(one.trend.iter().flatten().count() > 1000, "the trend is computed");
    // serde_json writes NaN as null, so equal values mean equal batches, NaN where NaN.
    let as_json = |b: &Batch| serde_json::to_value(b).unwrap();
    for threads in [2, 3] {
        let many = scorer.score_threads(&columns, Some(&previous), None, threads).unwrap();
        assert_eq!(as_json(&many), as_json(&one), "{threads} threads");
    }
    // Percentiles ranked within a given population (half the accounts) the same way on any number of threads.
    let half = Columns::new(values.iter().map(|v| &v[..n / 2]).collect());
    let population = scorer.population(&half).unwrap();
    let within = scorer.score_in(&columns, Some(&previous), &population).unwrap();
    assert_ne!(as_json(&within), as_json(&one), "the population matters");
    let many = scorer
        .score_threads(&columns, Some(&previous), Some(&population), 2)
        .unwrap();
    assert_eq!(as_json(&many), as_json(&within));
    // The first error in measure order, whichever thread meets it: m2's missing value under "error" comes
    // before m4's infinite one even though m4 is in a later share of the measures.
    let card_json = scorer
        .scorecard()
        .to_json()
        .replace(r#""policy":"zero""#, r#""policy":"error""#);
    let strict = Scorer::new(Scorecard::from_json(&card_json).unwrap()).unwrap();
    let mut broken = values.clone();
    broken[4][10] = f64::INFINITY;
    let first_missing = broken[2].iter().position(|v| v.is_nan()).unwrap();
    let columns = Columns::new(broken.iter().map(Vec::as_slice).collect());
    let want = CxError::MissingValue {
        what: "measure 'm2'".into(),
        index: first_missing,
    };
    for threads in [1, 2, 3] {
        assert_eq!(strict.score_threads(&columns, None, None, threads).unwrap_err(), want);
    }
}

/// A scorecard whose groups form one chain `depth` deep, listed deepest first (every child before its parent),
/// with measure `deep` in the deepest group and measure `top` beside the chain's root.
fn chain_json(depth: usize) -> String {
    let groups: Vec<Value> = (0..depth)
        .rev()
        .map(|g| {
            let parent = if g == 0 {
                Value::Null
            } else {
                json!(format!("g{}", g - 1))
            };
            json!({"id": format!("g{g}"), "weight": 1, "parent": parent})
        })
        .collect();
    json!({
        "version": 1, "name": "chain",
        "measures": [
            {"id": "deep", "weight": 1, "group": format!("g{}", depth - 1),
             "scoring": {"rule": "linear", "bad": 0, "good": 10}},
            {"id": "top", "weight": 3, "scoring": {"rule": "linear", "bad": 0, "good": 10}}
        ],
        "groups": groups,
        "bands": {"names": ["red", "green"], "cuts": [50]}
    })
    .to_string()
}

/// Issue 20 item 12: a 100k-deep group chain took 119 s to parse (each group's depth walked up the chain, each
/// parent found by a linear search). Now linear, and nothing recurses over the depth: it parses, scores and
/// explains on a thread with a 256 KB stack, in well under the time the quadratic walk took.
#[test]
fn a_100k_deep_group_chain_parses_and_scores_in_linear_time_on_a_small_stack() {
    let json = chain_json(100_000);
    let worker = std::thread::Builder::new().stack_size(256 * 1024).spawn(move || {
        let start = std::time::Instant::now();
        let scorer = Scorer::new(Scorecard::from_json(&json).unwrap()).unwrap();
        let built = start.elapsed();
        let (deep, top) = ([10.0, 0.0, 10.0], [0.0, 10.0, NAN]);
        let columns = Columns::new(vec![&deep, &top]);
        let batch = scorer.score(&columns, None).unwrap();
        let explained = scorer.explain(&columns, &batch, 0).unwrap();
        let round_trip = Scorecard::from_json(&scorer.scorecard().to_json()).unwrap();
        drop(scorer);
        (built, start.elapsed(), batch, explained, round_trip)
    });
    let (built, total, batch, explained, round_trip) = worker.unwrap().join().unwrap();
    // Each group has weight 1 and one member, so the chain passes the deep measure's points up unchanged.
    assert_eq!(batch.score[..2], [25.0, 75.0]);
    assert!(batch.score[2].is_nan()); // a quarter of the weight observed: below the default 0.5 coverage
    assert_eq!(explained.groups.len(), 100_000);
    assert!(
        explained
            .groups
            .iter()
            .all(|g| g.value == 100.0 && g.effective_weight == 0.25)
    );
    assert_eq!(round_trip.groups.len(), 100_000);
    // The quadratic walk took minutes; a linear one takes a fraction of a second even unoptimised (the bound is
    // loose for a loaded machine).
    assert!(built.as_secs_f64() < 10.0, "building took {built:?}");
    eprintln!("100k-deep chain: built in {built:?}, scored, explained and re-parsed in {total:?}");
}
