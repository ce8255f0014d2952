//! Health scoring of 1 million accounts × 10 measures (two groups, every scoring rule, 5% missing, ages on two
//! measures), with the contribution of every measure to every score.
//!
//! Run: `cargo bench --bench health`. DOMAIN.md §7: well under a second per core.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cx_core::health::{Columns, Scorecard, Scorer};
use rand::{RngExt, SeedableRng};
use std::hint::black_box;

const ACCOUNTS: usize = 1_000_000;
const MEASURES: usize = 10;

fn scorecard() -> Scorecard {
    let rules = [
        r#"{"rule": "linear", "bad": 0, "good": 100}"#,
        r#"{"rule": "linear", "bad": 100, "good": 0}"#,
        r#"{"rule": "bands", "cuts": [20, 50, 80], "points": [0, 40, 70, 100]}"#,
        r#"{"rule": "target", "target": 80}"#,
        r#"{"rule": "percentile"}"#,
    ];
    let measures: Vec<String> = (0..MEASURES)
        .map(|m| {
            let group = if m < 6 { "usage" } else { "relationship" };
            let age = if m < 2 { r#", "max_age_days": 30"# } else { "" };
            format!(
                r#"{{"id": "m{m}", "weight": {}, "group": "{group}", "scoring": {}{age}}}"#,
                1 + m % 3,
                rules[m % rules.len()]
            )
        })
        .collect();
    Scorecard::from_json(&format!(
        r#"{{"version": 1, "name": "bench", "measures": [{}],
            "groups": [{{"id": "usage", "weight": 2}}, {{"id": "relationship", "weight": 1}}],
            "bands": {{"names": ["red", "yellow", "green"], "cuts": [50, 75]}},
            "overrides": [{{"id": "o", "condition": {{"when": "value", "measure": "m9", "op": "lt", "value": 1}},
                           "action": {{"then": "force_band", "band": "red"}}}}]}}"#,
        measures.join(",")
    ))
    .expect("valid bench scorecard")
}

fn health(c: &mut Criterion) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let values: Vec<Vec<f64>> = (0..MEASURES)
        .map(|_| {
            (0..ACCOUNTS)
                .map(|_| {
                    if rng.random::<f64>() < 0.05 {
                        f64::NAN
                    } else {
                        rng.random_range(0.0..100.0)
                    }
                })
                .collect()
        })
        .collect();
    let ages: Vec<f64> = (0..ACCOUNTS).map(|_| rng.random_range(0.0..60.0)).collect();
    let previous: Vec<f64> = (0..ACCOUNTS).map(|_| rng.random_range(0.0..100.0)).collect();
    let scorer = Scorer::new(scorecard()).unwrap();
    let mut columns = Columns::new(values.iter().map(Vec::as_slice).collect());
    columns.ages[0] = Some(&ages);
    columns.ages[1] = Some(&ages);

    let mut group = c.benchmark_group("health_1m_x_10");
    group.sample_size(10).throughput(Throughput::Elements(ACCOUNTS as u64));
    group.bench_function("score_with_contributions_and_trend", |b| {
        b.iter(|| scorer.score(black_box(&columns), Some(&previous)).unwrap())
    });
    group.bench_function("score_with_contributions_and_trend, 2 threads", |b| {
        b.iter(|| {
            scorer
                .score_threads(black_box(&columns), Some(&previous), None, 2)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, health);
criterion_main!(benches);
