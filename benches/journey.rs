//! The event-log funnel over 10 million events (1 million accounts × 10 events, 4-step ordered funnel, a quarter
//! of the events unrelated), on input sorted by account and time and on the same events shuffled.
//!
//! Run: `cargo bench --bench journey`. DOMAIN.md §7: ≥ 100 million events/s per core sorted, ≥ 20 million unsorted.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cx_core::journey::{FunnelMode, FunnelSpec, funnel};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use std::hint::black_box;

const ACCOUNTS: u32 = 1_000_000;
const EVENTS_PER_ACCOUNT: u32 = 10;

/// Sorted columns: each account's events at increasing times, event codes 0..=3 for steps and 4..=5 otherwise.
fn events() -> (Vec<u32>, Vec<u32>, Vec<i64>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let n = (ACCOUNTS * EVENTS_PER_ACCOUNT) as usize;
    let (mut a, mut e, mut t) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for account in 0..ACCOUNTS {
        let mut time = rng.random_range(0..1_000_000i64);
        for _ in 0..EVENTS_PER_ACCOUNT {
            time += rng.random_range(1..3_600i64);
            a.push(account);
            e.push(rng.random_range(0..6u32));
            t.push(time);
        }
    }
    (a, e, t)
}

fn bench(c: &mut Criterion) {
    let (a, e, t) = events();
    let spec = FunnelSpec {
        steps: vec![0, 1, 2, 3],
        window: 86_400,
        mode: FunnelMode::Ordered,
        as_of: None,
    };
    let mut group = c.benchmark_group("funnel");
    group.sample_size(10);
    group.throughput(Throughput::Elements(a.len() as u64));
    group.bench_function("ordered, 10M events sorted", |b| {
        b.iter(|| funnel(black_box(&a), black_box(&e), black_box(&t), &spec).unwrap())
    });
    let mut order: Vec<usize> = (0..a.len()).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(8));
    let (sa, se, st): (Vec<u32>, Vec<u32>, Vec<i64>) = (
        order.iter().map(|&i| a[i]).collect(),
        order.iter().map(|&i| e[i]).collect(),
        order.iter().map(|&i| t[i]).collect(),
    );
    group.bench_function("ordered, 10M events shuffled", |b| {
        b.iter(|| funnel(black_box(&sa), black_box(&se), black_box(&st), &spec).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
