//! SMART goals at the scale of a company-wide OKR tree: 10,240 goals three levels deep (10 objectives × 33 key
//! results × 30 initiatives), each observed daily for 80 days (819,200 observations keyed by goal id, in random
//! order), turned into tree positions, split per goal and rolled up to progress and status at one date.
//!
//! Run: `cargo bench --bench goals`.

use chrono::{Days, NaiveDate};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cx_core::goals::{GoalTree, Tolerances};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use std::hint::black_box;

const DAYS: u64 = 80;

/// A goal of the quarter 2026-07-01..=2026-09-30 moving a metric from 100 by +10% (or −10% for odd ids).
fn goal(id: &str, parent: Option<&str>, n: usize) -> String {
    let parent = parent.map_or(String::new(), |p| format!(r#", "parent": "{p}""#));
    let (direction, percent) = if n.is_multiple_of(2) {
        ("increase", 10)
    } else {
        ("decrease", -10)
    };
    format!(
        r#"{{"id": "{id}", "title": "goal {id}", "metric": "m", "unit": "points", "direction": "{direction}",
            "baseline": {{"value": 100.0}}, "target": {{"kind": "relative_change", "percent": {percent}}},
            "start": "2026-07-01", "due": "2026-09-30", "weight": {}{parent}}}"#,
        1 + n % 3
    )
}

fn tree() -> GoalTree {
    let mut goals = Vec::new();
    for o in 0..10 {
        let objective = format!("o{o}");
        goals.push(goal(&objective, None, goals.len()));
        for k in 0..33 {
            let key_result = format!("{objective}.k{k}");
            goals.push(goal(&key_result, Some(&objective), goals.len()));
            for i in 0..30 {
                goals.push(goal(&format!("{key_result}.i{i}"), Some(&key_result), goals.len()));
            }
        }
    }
    GoalTree::from_json(&format!(r#"{{"version": 1, "goals": [{}]}}"#, goals.join(","))).expect("a valid tree")
}

fn bench(c: &mut Criterion) {
    let tree = tree();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let start = NaiveDate::from_ymd_opt(2026, 7, 1).expect("a date");
    // One observation per goal and day (the rule), shuffled.
    let mut rows: Vec<(usize, u64)> = (0..tree.goals().len())
        .flat_map(|g| (0..DAYS).map(move |d| (g, d)))
        .collect();
    rows.shuffle(&mut rng);
    let ids: Vec<String> = rows.iter().map(|&(g, _)| tree.goals()[g].id.clone()).collect();
    let dates: Vec<NaiveDate> = rows.iter().map(|&(_, d)| start + Days::new(d)).collect();
    let values: Vec<f64> = rows.iter().map(|_| rng.random_range(85.0..115.0)).collect();
    let as_of = start + Days::new(DAYS);
    let tolerances = Tolerances::default();

    let mut group = c.benchmark_group("goals");
    group.sample_size(10);
    group.throughput(Throughput::Elements(ids.len() as u64));
    group.bench_function("goal ids to tree positions, 819k observations", |b| {
        b.iter(|| tree.codes(black_box(&ids)).expect("known ids"))
    });
    let codes = tree.codes(&ids).expect("known ids");
    group.bench_function("split + progress + roll-up, 10k goals, 819k observations", |b| {
        b.iter(|| {
            let observations = tree
                .split(black_box(&codes), &dates, &values)
                .expect("valid observations");
            tree.progress(&observations, as_of, &tolerances).expect("progress")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
