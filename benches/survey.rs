//! Survey hot paths on 10 million responses: the one-pass histogram (ungrouped, weighted, grouped into 1,000
//! segments with intervals), against a plain sum over the same array as the memory-bandwidth floor.
//!
//! Run: `cargo bench --bench survey`. DOMAIN.md §7 sets the targets; the Python comparison lives with the
//! performance issue.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cx_core::survey::{GroupOptions, Histogram, MetricSpec, MissingPolicy, score, score_by_codes};
use rand::{RngExt, SeedableRng};
use std::hint::black_box;

const N: usize = 10_000_000;
const SEGMENTS: u32 = 1_000;

struct Data {
    scores_f64: Vec<f64>,
    scores_u8: Vec<u8>,
    weights: Vec<f64>,
    segments: Vec<u32>,
}

fn data() -> Data {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let scores_u8: Vec<u8> = (0..N).map(|_| rng.random_range(0..=10)).collect();
    Data {
        scores_f64: scores_u8.iter().map(|&s| f64::from(s)).collect(),
        weights: (0..N).map(|_| rng.random_range(0.5..2.0)).collect(),
        segments: (0..N).map(|_| rng.random_range(0..SEGMENTS)).collect(),
        scores_u8,
    }
}

fn survey(c: &mut Criterion) {
    let d = data();
    let spec = MetricSpec::nps();
    let mut group = c.benchmark_group("survey_10m");
    group.sample_size(20).throughput(Throughput::Elements(N as u64));

    group.bench_function("floor_sum_f64", |b| {
        b.iter(|| black_box(&d.scores_f64).iter().sum::<f64>())
    });
    group.bench_function("nps_f64", |b| {
        b.iter(|| score(&spec, black_box(&d.scores_f64), None, &Default::default()).unwrap())
    });
    group.bench_function("nps_u8", |b| {
        b.iter(|| score(&spec, black_box(&d.scores_u8), None, &Default::default()).unwrap())
    });
    group.bench_function("nps_f64_weighted", |b| {
        b.iter(|| score(&spec, black_box(&d.scores_f64), Some(&d.weights), &Default::default()).unwrap())
    });
    group.bench_function("histogram_f64_only", |b| {
        b.iter(|| Histogram::from_scores(spec.scale, black_box(&d.scores_f64), None, MissingPolicy::Skip).unwrap())
    });
    for compare in [false, true] {
        let options = GroupOptions {
            compare_to_rest: compare.then_some(cx_core::survey::CompareMethod::Wald),
            ..Default::default()
        };
        let id = BenchmarkId::new("nps_by_1000_segments", if compare { "tango+vs_rest" } else { "tango" });
        group.bench_function(id, |b| {
            b.iter(|| {
                score_by_codes(
                    &spec,
                    black_box(&d.scores_f64),
                    &d.segments,
                    SEGMENTS as usize,
                    None,
                    &options,
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, survey);
criterion_main!(benches);
