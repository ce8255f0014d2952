//! Shared cases for the bindings: inputs and the core's results, in `tests/data/parity.json`.
//!
//! This test recomputes every case and fails if the committed file differs, so the file always holds what the
//! core computes now. The Python (and C) suites read it and check that their numbers equal the core's to 1e-12.
//! After an intended change of results, rewrite it with `CX_BLESS=1 cargo test --test survey_parity`.

use chrono::NaiveDate;
use cx_core::goals::{GoalTree, Observations, Tolerances};
use cx_core::health::{Columns, Scorecard, Scorer, validate_scores};
use cx_core::period::Period;
use cx_core::survey::{
    self, CompareMethod, EstimateOptions, GroupOptions, Histogram, IntervalMethod, MetricSpec, MissingPolicy, PAdjust,
    TrendOptions,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/parity.json");

/// Ratings on `spec`'s scale with a tilt towards the top, and about 3% missing (NaN, written as null).
fn ratings(rng: &mut ChaCha8Rng, spec: &MetricSpec, n: usize) -> Vec<f64> {
    let (lo, hi) = (spec.scale.min, spec.scale.max);
    (0..n)
        .map(|_| {
            if rng.random::<f64>() < 0.03 {
                f64::NAN
            } else {
                let u: f64 = rng.random::<f64>().sqrt(); // skewed up, as satisfied customers answer more
                f64::from(lo) + (u * f64::from(hi - lo + 1)).floor().min(f64::from(hi - lo))
            }
        })
        .collect()
}

fn weights(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| 0.25 + 2.0 * rng.random::<f64>()).collect()
}

fn json_scores(scores: &[f64]) -> Value {
    scores
        .iter()
        .map(|&s| if s.is_nan() { Value::Null } else { json!(s) })
        .collect()
}

fn options(interval: &str, level: f64) -> EstimateOptions {
    EstimateOptions {
        interval: Some(IntervalMethod::parse(interval).unwrap()),
        level,
        missing: MissingPolicy::Skip,
    }
}

fn histogram(spec: &MetricSpec, scores: &[f64], w: Option<&[f64]>) -> Histogram {
    Histogram::from_scores(spec.scale, scores, w, MissingPolicy::Skip).unwrap()
}

fn cases() -> Vec<Value> {
    let mut rng = ChaCha8Rng::seed_from_u64(20_251_123);
    let mut cases = Vec::new();

    // One estimate per metric and interval method, unweighted and weighted.
    let methods: [(&str, &[&str]); 5] = [
        (
            "nps",
            &[
                "tango",
                "wald",
                "adjusted_wald",
                "agresti_min",
                "bonett_price",
                "bootstrap",
            ],
        ),
        (
            "csat",
            &[
                "wilson",
                "jeffreys",
                "clopper_pearson",
                "agresti_coull_z2",
                "agresti_coull_add2",
                "wald",
            ],
        ),
        ("ces2_mean", &["t"]),
        ("ces2_net", &["tango"]),
        ("ces1_mean", &["t"]),
    ];
    for (metric, intervals) in methods {
        let spec = MetricSpec::from_preset(metric).unwrap();
        for weighted in [false, true] {
            let scores = ratings(&mut rng, &spec, 250);
            let w = weighted.then(|| weights(&mut rng, scores.len()));
            for (i, interval) in intervals.iter().enumerate() {
                let level = [0.95, 0.9, 0.99][i % 3];
                let e = survey::score(&spec, &scores, w.as_deref(), &options(interval, level)).unwrap();
                cases.push(json!({
                    "call": "score", "metric": metric, "scores": json_scores(&scores), "weights": w,
                    "interval": interval, "level": level, "result": e,
                }));
            }
        }
    }

    // Two-sample comparisons with every applicable method.
    for (metric, methods) in [
        ("nps", ["wald", "adjusted"].as_slice()),
        ("csat", ["wald", "newcombe", "agresti_caffo"].as_slice()),
        ("ces2_mean", ["wald", "welch"].as_slice()),
    ] {
        let spec = MetricSpec::from_preset(metric).unwrap();
        let (a, b) = (ratings(&mut rng, &spec, 180), ratings(&mut rng, &spec, 140));
        for method in methods {
            let c = survey::compare(
                &spec,
                &histogram(&spec, &a, None),
                &histogram(&spec, &b, None),
                Some(CompareMethod::parse(method).unwrap()),
                0.95,
            )
            .unwrap();
            cases.push(json!({
                "call": "compare", "metric": metric, "a": json_scores(&a), "b": json_scores(&b),
                "method": method, "level": 0.95, "result": c,
            }));
        }
        let p = survey::compare_paired(&spec, &a[..140], &b, 0.95, MissingPolicy::Skip).unwrap();
        cases.push(json!({
            "call": "compare_paired", "metric": metric, "before": json_scores(&a[..140]), "after": json_scores(&b),
            "level": 0.95, "result": p,
        }));
    }

    // By group, with each group against the rest; group 7 is small enough to be suppressed.
    let spec = MetricSpec::nps();
    let scores = ratings(&mut rng, &spec, 600);
    let keys: Vec<i64> = (0..scores.len())
        .map(|i| if i == 5 { 7 } else { rng.random_range(0..6i64) * 10 })
        .collect();
    let w = weights(&mut rng, scores.len());
    for weighted in [false, true] {
        let opts = GroupOptions {
            min_n: 5,
            compare_to_rest: Some(CompareMethod::Adjusted),
            adjust: PAdjust::Holm,
            ..Default::default()
        };
        let w = weighted.then_some(w.as_slice());
        let by = survey::score_by(&spec, &scores, &keys, w, &opts).unwrap();
        cases.push(json!({
            "call": "score_by", "metric": "nps", "scores": json_scores(&scores), "keys": keys, "weights": w,
            "min_n": 5, "compare": "adjusted", "adjust": "holm", "alpha": 0.05, "result": by,
        }));
    }

    // Monthly trend (with an empty month) and fiscal quarters, as days since 1970-01-01.
    let spec = MetricSpec::csat();
    let scores = ratings(&mut rng, &spec, 500);
    let days: Vec<i64> = (0..scores.len())
        .map(|_| {
            let d = 20_089 + rng.random_range(0..365i64); // 2025
            if (20_089 + 59..20_089 + 90).contains(&d) {
                d + 31
            } else {
                d
            } // no responses in March
        })
        .collect();
    for (period, fiscal_start_month, adjust) in [("month", 1, "none"), ("quarter", 4, "holm")] {
        let opts = TrendOptions {
            period: Period::parse(period, fiscal_start_month).unwrap(),
            adjust: PAdjust::parse(adjust).unwrap(),
            ..Default::default()
        };
        let t = survey::trend(&spec, &scores, &days, None, &opts).unwrap();
        cases.push(json!({
            "call": "trend", "metric": "csat", "scores": json_scores(&scores), "days": days, "period": period,
            "fiscal_start_month": fiscal_start_month, "adjust": adjust, "result": t,
        }));
    }

    // An accumulator's bytes, so the bindings can check they read and write the same state.
    let spec = MetricSpec::nps();
    let scores = ratings(&mut rng, &spec, 120);
    let w = weights(&mut rng, scores.len());
    let mut acc = survey::Accumulator::new(spec).unwrap();
    acc.add(&scores, Some(&w), MissingPolicy::Skip).unwrap();
    cases.push(json!({
        "call": "accumulator", "metric": "nps", "scores": json_scores(&scores), "weights": w,
        "bytes_hex": hex(&acc.to_bytes()), "result": acc.estimate(&Default::default()).unwrap(),
    }));

    cases.push(partial_states_case(&mut rng));

    // Health: the sample scorecard over the first 60 sample accounts (ages on the NPS answer, a previous score),
    // one explanation, and the validation of all 600 accounts' scores against churn.
    cases.extend(health_cases());

    // Goals: the sample tree's goals checked against their history and tracked at two dates, the tree's progress
    // from columnar observations, and the success rate of last quarter's goals. `json` is the core's exact text,
    // which the C library must reproduce byte for byte.
    cases.extend(goal_cases());

    // Journeys: the sample roadmaps' evaluations (first 30 sample accounts) and portfolios (all accounts), the
    // candidates, and the funnel in every mode on unsorted events. Files are named relative to data/sample.
    cases.extend(journey_cases(&mut rng));
    cases.extend(two_factor_cases());

    // Planning and p-value adjustment.
    for (margin, variance, level, population) in [(5.0, 10_000.0, 0.95, None), (3.0, 6_000.0, 0.9, Some(20_000u64))] {
        let n = survey::sample_size_for_margin(margin, variance, level, population).unwrap();
        cases.push(json!({
            "call": "sample_size_for_margin", "margin": margin, "variance": variance, "level": level,
            "population": population, "result": n,
        }));
    }
    let n = survey::sample_size_per_group(1.0, 6_000.0, 6_000.0, 0.05, 0.8).unwrap();
    cases.push(json!({
        "call": "sample_size_per_group", "delta": 1.0, "variance_a": 6_000.0, "variance_b": 6_000.0,
        "alpha": 0.05, "power": 0.8, "result": n,
    }));
    for (n, population) in [(400u64, None), (1_000, Some(5_000u64))] {
        let m = survey::margin_of_error(n, 6_000.0, 0.95, population).unwrap();
        cases.push(json!({
            "call": "margin_of_error", "n": n, "variance": 6_000.0, "level": 0.95, "population": population,
            "result": m,
        }));
    }
    let p = [0.01, 0.04, 0.03, 0.2, 0.001, 0.049];
    for method in ["holm", "bh"] {
        let adjusted = survey::adjust_pvalues(&p, PAdjust::parse(method).unwrap()).unwrap();
        cases.push(json!({"call": "adjust_pvalues", "p_values": p, "method": method, "result": adjusted}));
    }

    cases
}

fn health_cases() -> Vec<Value> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/sample/");
    let card_json = std::fs::read_to_string(format!("{root}scorecard.json")).unwrap();
    let scorer = Scorer::new(Scorecard::from_json(&card_json).unwrap()).unwrap();
    let mut reader = csv::Reader::from_path(format!("{root}accounts.csv")).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let column = |name: &str, n: usize| -> Vec<f64> {
        let at = headers.iter().position(|h| h == name).unwrap();
        rows[..n].iter().map(|r| r[at].parse().unwrap_or(f64::NAN)).collect()
    };
    let ids: Vec<String> = scorer.scorecard().measures.iter().map(|m| m.id.clone()).collect();
    let score_all = |n: usize| {
        let values: Vec<Vec<f64>> = ids.iter().map(|id| column(id, n)).collect();
        let ages = column("nps_age_days", n);
        let previous = column("previous_score", n);
        let mut columns = Columns::new(values.iter().map(Vec::as_slice).collect());
        columns.ages[ids.iter().position(|id| id == "nps").unwrap()] = Some(&ages);
        let batch = scorer.score(&columns, Some(&previous)).unwrap();
        let explanation = scorer.explain(&columns, &batch, 7).unwrap();
        (values, batch, explanation)
    };
    let (values, batch, explanation) = score_all(60);
    let json_values: Vec<Value> = values.iter().map(|v| json_scores(v)).collect();
    let (_, all, _) = score_all(rows.len());
    let churned: Vec<bool> = column("churned_next_quarter", rows.len())
        .iter()
        .map(|&c| c == 1.0)
        .collect();
    let validation = validate_scores(&all.score, &churned, &scorer.scorecard().bands, "red").unwrap();
    vec![
        json!({"call": "health_score", "measures": ids, "values": json_values,
               "ages": json_scores(&column("nps_age_days", 60)), "previous": json_scores(&column("previous_score", 60)),
               "result": batch}),
        json!({"call": "health_explain", "account": 7, "result": explanation}),
        json!({"call": "health_validate", "at_risk": "red", "result": validation}),
    ]
}

fn journey_cases(rng: &mut ChaCha8Rng) -> Vec<Value> {
    use cx_core::journey::{FactsDocument, FunnelMode, FunnelSpec, Roadmap, funnel};
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/sample/");
    let as_of = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    let mut cases = Vec::new();
    for (roadmap_file, facts_file, n_evaluated) in [
        ("success_roadmap.json", "journey_facts.json", 30),
        ("golive_roadmap.json", "golive_facts.json", 16),
    ] {
        let roadmap = Roadmap::from_json(&std::fs::read(format!("{root}{roadmap_file}")).unwrap()).unwrap();
        let facts = FactsDocument::from_json(&std::fs::read(format!("{root}{facts_file}")).unwrap()).unwrap();
        let some = roadmap.evaluate_all(&facts.accounts[..n_evaluated], as_of).unwrap();
        let all = roadmap.evaluate_all(&facts.accounts, as_of).unwrap();
        cases.push(
            json!({"call": "roadmap_evaluate", "roadmap": roadmap_file, "facts": facts_file,
                          "n_accounts": n_evaluated, "as_of": day(as_of),
                          "json": serde_json::to_string(&some).unwrap()}),
        );
        cases.push(json!({"call": "roadmap_portfolio", "roadmap": roadmap_file, "facts": facts_file,
                          "as_of": day(as_of), "json": serde_json::to_string(&roadmap.portfolio(&all).unwrap()).unwrap()}));
        cases.push(json!({"call": "roadmap_candidates", "roadmap": roadmap_file,
                          "json": serde_json::to_string(&roadmap.health_candidates()).unwrap()}));
    }
    // 600 events of 60 accounts over 100 time units, shuffled; steps 0, 1, 2 (3 is another event).
    let n = 600;
    let accounts: Vec<i64> = (0..n).map(|_| rng.random_range(0..60)).collect();
    let events: Vec<u32> = (0..n).map(|_| rng.random_range(0..4)).collect();
    let timestamps: Vec<i64> = (0..n).map(|_| rng.random_range(0..100)).collect();
    for (mode, as_of) in [
        (FunnelMode::Ordered, None),
        (FunnelMode::Strict, Some(99)),
        (FunnelMode::AnyOrder, Some(120)),
    ] {
        let spec = FunnelSpec {
            steps: vec![0, 1, 2],
            window: 20,
            mode,
            as_of,
        };
        let f = funnel(&accounts, &events, &timestamps, &spec).unwrap();
        cases.push(
            json!({"call": "funnel", "accounts": accounts, "events": events, "timestamps": timestamps,
                          "steps": spec.steps, "window": spec.window, "mode": mode.name(), "as_of": as_of,
                          "result": f}),
        );
    }
    cases
}

/// The columns of a bundled CSV, as text.
fn sample_csv(name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/sample/").to_string() + name;
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let mut columns = vec![Vec::new(); headers.len()];
    for record in reader.records() {
        for (column, value) in columns.iter_mut().zip(record.unwrap().iter()) {
            column.push(value.to_string());
        }
    }
    (headers, columns)
}

/// Kano on the sample questionnaire under three tables / rules, Kano summaries of the golden counts, PRCA of the
/// sample ratings, tagging of sample comments and of tag lists, and the effortless metric of the sample flags.
fn two_factor_cases() -> Vec<Value> {
    use cx_core::two_factor::{
        AnswerMapping, CategoryRule, Cuts, EffortlessFlags, EvaluationTable, IaBands, KanoAnswers, KanoOptions,
        Lexicon, PerCategory, PrcaOptions, effortless, kano, kano_summary, prca, tag_lists, tag_texts,
    };
    let mut cases = Vec::new();
    let (_, k) = sample_csv("kano_answers.csv");
    let mut names: Vec<String> = Vec::new();
    let attribute: Vec<u32> = k[1]
        .iter()
        .map(|a| match names.iter().position(|n| n == a) {
            Some(i) => i as u32,
            None => {
                names.push(a.clone());
                (names.len() - 1) as u32
            }
        })
        .collect();
    let mapping = AnswerMapping::standard();
    let answers = |column: &Vec<String>| -> Vec<_> {
        column
            .iter()
            .enumerate()
            .map(|(i, a)| (!a.is_empty()).then(|| mapping.label(a, "answers", i).unwrap()))
            .collect()
    };
    let (f, d) = (answers(&k[2]), answers(&k[3]));
    let importance: Vec<f64> = k[4].iter().map(|v| v.parse().unwrap()).collect();
    for (table, rule, weighted) in [
        (EvaluationTable::Standard, CategoryRule::Mode, false),
        (EvaluationTable::Pouliot, CategoryRule::OamVsIrq, false),
        (EvaluationTable::Standard, CategoryRule::MOAI { gap: 0.06 }, true),
    ] {
        let input = KanoAnswers::new(&names, &f, &d).by(&attribute);
        let input = if weighted { input.weighted(&importance) } else { input };
        let options = KanoOptions {
            table,
            rule,
            ..Default::default()
        };
        let result = kano(&input, &options).unwrap();
        let gap = match rule {
            CategoryRule::MOAI { gap } => gap,
            _ => 0.06,
        };
        cases.push(
            json!({"call": "kano", "file": "kano_answers.csv", "table": table.name(), "rule": rule.name(),
                   "rule_json": rule, "gap": gap, "weighted": weighted,
                   "json": serde_json::to_string(&result).unwrap(), "result": result}),
        );
    }
    let counts = [
        PerCategory {
            a: 1,
            o: 10,
            m: 9,
            i: 2,
            r: 3,
            q: 0,
        },
        PerCategory {
            a: 4,
            o: 5,
            m: 9,
            i: 2,
            r: 4,
            q: 1,
        },
        PerCategory {
            a: 4,
            o: 4,
            m: 1,
            i: 0,
            r: 0,
            q: 0,
        },
        PerCategory {
            a: 0,
            o: 0,
            m: 3,
            i: 2,
            r: 1,
            q: 1,
        },
        PerCategory::default(),
    ];
    for rule in [
        CategoryRule::Mode,
        CategoryRule::MOAI { gap: 0.06 },
        CategoryRule::OamVsIrq,
    ] {
        let rows: Vec<[u64; 6]> = counts.iter().map(|c| [c.a, c.o, c.m, c.i, c.r, c.q]).collect();
        cases.push(
            json!({"call": "kano_summary", "counts": rows, "rule": rule.name(), "gap": 0.06,
                          "result": kano_summary(&counts, rule).unwrap()}),
        );
    }
    let (headers, r) = sample_csv("attribute_ratings.csv");
    let attributes: Vec<String> = headers[2..].to_vec();
    let overall: Vec<f64> = r[1].iter().map(|v| v.parse().unwrap()).collect();
    let ratings: Vec<f64> = (0..overall.len())
        .flat_map(|i| r[2..].iter().map(move |c| c[i].parse::<f64>().unwrap()))
        .collect();
    let per_attribute: Vec<Cuts> = (0..attributes.len())
        .map(|j| {
            if j % 2 == 0 {
                Cuts { low: 2.0, high: 4.0 }
            } else {
                Cuts { low: 1.0, high: 5.0 }
            }
        })
        .collect();
    for options in [
        PrcaOptions::new(2.0, 4.0),
        PrcaOptions {
            cuts: per_attribute,
            bands: IaBands {
                hybrid: 0.3,
                extreme: 0.8,
            },
            ..PrcaOptions::new(0.0, 1.0)
        },
    ] {
        let result = prca(&ratings, &overall, &attributes, &options).unwrap();
        cases.push(
            json!({"call": "prca", "file": "attribute_ratings.csv", "options": options,
                          "json": serde_json::to_string(&result).unwrap(), "result": result}),
        );
    }
    let (_, s) = sample_csv("support_feedback.csv");
    let comments: Vec<Option<&str>> = s[5][..200]
        .iter()
        .map(|c| Some(c.as_str()).filter(|c| !c.is_empty()))
        .collect();
    let tagging = tag_texts(&Lexicon::default_lexicon(), &comments, 0.95).unwrap();
    cases.push(json!({"call": "tag_texts", "texts": comments, "level": 0.95,
                      "json": serde_json::to_string(&tagging).unwrap(), "result": tagging}));
    let lists = vec![
        Some(vec!["login", "Delivery date unknown"]),
        Some(vec!["配送", "vip"]),
        Some(vec![]),
        None,
        Some(vec!["VIP", "product_quality", "返品"]),
    ];
    cases.push(json!({"call": "tag_lists", "lists": lists, "level": 0.9,
                      "result": tag_lists(&Lexicon::default_lexicon(), &lists, 0.9).unwrap()}));
    let flag = |c: usize| -> Vec<bool> { s[c].iter().map(|v| v == "true").collect() };
    let (problem, offered, resolved, contacted) = (flag(1), flag(2), flag(3), flag(4));
    let flags = EffortlessFlags {
        problem: &problem,
        offered: &offered,
        resolved: &resolved,
        contacted: &contacted,
    };
    let metric = effortless(&flags, 0.9).unwrap();
    cases.push(
        json!({"call": "effortless", "file": "support_feedback.csv", "level": 0.9,
                      "json": serde_json::to_string(&metric).unwrap(), "result": metric}),
    );
    cases
}

/// Days since 1970-01-01.
fn day(d: NaiveDate) -> i64 {
    cx_core::period::days_since_epoch(d)
}

fn goal_cases() -> Vec<Value> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/sample/");
    let tree = GoalTree::from_json(&std::fs::read_to_string(format!("{root}goals.json")).unwrap()).unwrap();
    let d = |text: &str| text.parse::<NaiveDate>().unwrap();
    // (goal, date, value): monthly NPS and CSAT as the tour computes them (rounded), weekly resolution hours.
    let mut rows: Vec<(&str, NaiveDate, f64)> = vec![];
    for (date, nps, csat) in [
        ("2025-05-31", 17.03, 60.67),
        ("2025-06-30", 6.65, 53.27),
        ("2025-07-31", 19.68, 60.0),
        ("2025-08-31", 23.55, 65.68),
        ("2025-09-30", 29.32, 66.36),
        ("2025-10-31", 27.14, 62.08),
        ("2025-11-30", 32.48, 67.8),
    ] {
        rows.push(("nps-q4", d(date), nps));
        rows.push(("csat-support-q4", d(date), csat));
    }
    let mut reader = csv::Reader::from_path(format!("{root}resolution_hours.csv")).unwrap();
    for r in reader.records().map(Result::unwrap) {
        rows.push(("ttr-q4", d(&r[0]), r[1].parse().unwrap()));
    }
    rows.reverse(); // unsorted input is part of the contract
    let tolerances = Tolerances::default();
    let mut cases = vec![];
    for (code, goal) in tree.goals().iter().enumerate() {
        let mine: Vec<&(&str, NaiveDate, f64)> = rows.iter().filter(|r| r.0 == goal.id).collect();
        let days: Vec<i64> = mine.iter().map(|r| day(r.1)).collect();
        let values: Vec<f64> = mine.iter().map(|r| r.2).collect();
        let before: Vec<usize> = (0..mine.len()).filter(|&i| Some(mine[i].1) < goal.start).collect();
        let (hd, hv): (Vec<i64>, Vec<f64>) = before.iter().map(|&i| (days[i], values[i])).unzip();
        let history = Observations::new(&hd, &hv).unwrap();
        let check = serde_json::to_string(&goal.check(Some(&history)).unwrap()).unwrap();
        cases.push(
            json!({"call": "goal_check", "goal": code, "goal_json": goal.to_json(), "history_days": hd,
            "history_values": hv, "json": check}),
        );
        let obs = Observations::new(&days, &values).unwrap();
        for as_of in ["2025-11-30", "2026-01-15"] {
            let p = goal.progress(&obs, d(as_of), &tolerances).unwrap();
            cases.push(
                json!({"call": "goal_progress", "goal": code, "goal_json": goal.to_json(), "days": days,
                "values": values, "as_of": day(d(as_of)), "json": serde_json::to_string(&p).unwrap()}),
            );
        }
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.0).collect();
    let days: Vec<i64> = rows.iter().map(|r| day(r.1)).collect();
    let values: Vec<f64> = rows.iter().map(|r| r.2).collect();
    let codes = tree.codes(&ids).unwrap();
    let split = tree.split(&codes, &days, &values).unwrap();
    let as_of = d("2025-11-30");
    let progress = tree.progress(&split, as_of, &tolerances).unwrap();
    cases.push(
        json!({"call": "goal_tree_progress", "ids": ids, "codes": codes, "days": days, "values": values,
        "as_of": day(as_of), "json": serde_json::to_string(&progress).unwrap()}),
    );
    let closed = GoalTree::from_json(&std::fs::read_to_string(format!("{root}goals_closed.json")).unwrap()).unwrap();
    cases.push(json!({"call": "goal_success_rate", "result": closed.success_rate().unwrap()}));
    cases
}

/// One case per line, so a diff shows which cases changed.
fn render(cases: &[Value]) -> String {
    let about = "Inputs and cx-core results shared with the Python and C tests; regenerate with CX_BLESS=1 cargo \
                 test --test survey_parity. Scores: null is a missing response. Days: since 1970-01-01.";
    let lines: Vec<String> = cases.iter().map(Value::to_string).collect();
    format!(
        "{{\"about\": {},\n\"cases\": [\n{}\n]}}\n",
        json!(about),
        lines.join(",\n")
    )
}

#[test]
fn committed_parity_cases_match_the_core() {
    let text = render(&cases());
    if std::env::var_os("CX_BLESS").is_some() {
        std::fs::write(PATH, &text).unwrap();
    }
    let committed = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        committed == text,
        "tests/data/parity.json is out of date; rerun with CX_BLESS=1 if the change of results is intended"
    );
}

/// Bytes as lowercase hex, for the bindings to compare states byte for byte.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Partial states of each kind built from small inputs: the bindings must write the same bytes.
fn partial_states_case(rng: &mut ChaCha8Rng) -> Value {
    use cx_core::health::ValidationCounts;
    use cx_core::journey::{FunnelMode, FunnelSpec, FunnelState};
    use cx_core::survey::{GroupKey, GroupedAccumulator};

    let spec = MetricSpec::nps();
    let scores = ratings(rng, &spec, 60);
    let groups: Vec<String> = (0..60).map(|i| format!("g{}", i % 3)).collect();
    let keys: Vec<GroupKey> = (0..3).map(|g| GroupKey::Str(format!("g{g}"))).collect();
    let codes: Vec<u32> = (0..60).map(|i| i % 3).collect();
    let days: Vec<i64> = (0..60).map(|i| 20_000 + 7 * i).collect();
    let mut grouped = GroupedAccumulator::new(spec.clone()).unwrap();
    grouped
        .add_codes(&scores, &codes, &keys, None, MissingPolicy::Skip)
        .unwrap();
    let mut monthly = GroupedAccumulator::by_period(spec, Period::Month).unwrap();
    monthly.add_dates(&scores, &days, None, MissingPolicy::Skip).unwrap();

    let accounts: Vec<i64> = (0..60).map(|i| i / 4).collect();
    let events: Vec<u32> = (0..60).map(|i| (i * 7 % 4) as u32).collect();
    let times: Vec<i64> = (0..60).map(|i| i * 3 % 17).collect();
    let funnel_spec = FunnelSpec {
        steps: vec![0, 1, 2],
        window: 10,
        mode: FunnelMode::Ordered,
        as_of: None,
    };
    let mut funnel = FunnelState::new(funnel_spec).unwrap();
    funnel.add(&accounts, &events, &times).unwrap();

    let health: Vec<f64> = (0..60)
        .map(|i| if i % 11 == 0 { f64::NAN } else { f64::from(i * 13 % 100) })
        .collect();
    let churned: Vec<bool> = (0..60).map(|i| i % 5 == 0).collect();
    let counts = ValidationCounts::from_scores(&health, &churned).unwrap();
    json!({
        "call": "partial_states", "scores": json_scores(&scores), "groups": groups, "days": days,
        "grouped_hex": hex(&grouped.to_bytes()), "monthly_hex": hex(&monthly.to_bytes()),
        "accounts": accounts, "events": events, "times": times, "funnel_window": 10,
        "funnel_hex": hex(&funnel.to_bytes()),
        "health": json_scores(&health), "churned": churned.iter().map(|&c| u8::from(c)).collect::<Vec<_>>(),
        "validation_hex": hex(&counts.to_bytes()),
    })
}
