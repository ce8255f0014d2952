//! Two-factor hot paths: Kano over 1 million answer pairs (20 attributes, importance-weighted), PRCA of 100,000
//! respondents × 10 attributes, and tagging 100,000 comments with the default lexicon.
//!
//! Run: `cargo bench --bench two_factor`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cx_core::two_factor::{Answer, KanoAnswers, KanoOptions, Lexicon, PrcaOptions, kano, prca, tag_texts};
use rand::{RngExt, SeedableRng};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let mut group = c.benchmark_group("two_factor");
    group.sample_size(10);

    let n = 1_000_000;
    let answer = |rng: &mut rand_chacha::ChaCha8Rng| Some(Answer::ALL[rng.random_range(0..5)]);
    let f: Vec<_> = (0..n).map(|_| answer(&mut rng)).collect();
    let d: Vec<_> = (0..n).map(|_| answer(&mut rng)).collect();
    let attribute: Vec<u32> = (0..n).map(|_| rng.random_range(0..20)).collect();
    let importance: Vec<f64> = (0..n).map(|_| f64::from(rng.random_range(1..=9u8))).collect();
    let names: Vec<String> = (0..20).map(|i| format!("a{i}")).collect();
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("kano_1m_pairs_weighted", |b| {
        let input = KanoAnswers::new(&names, &f, &d).by(&attribute).weighted(&importance);
        b.iter(|| black_box(kano(&input, &KanoOptions::default()).unwrap()))
    });

    let (rows, k) = (100_000, 10);
    let ratings: Vec<f64> = (0..rows * k).map(|_| f64::from(rng.random_range(1..=5u8))).collect();
    let overall: Vec<f64> = (0..rows).map(|_| rng.random_range(1.0..10.0)).collect();
    let attributes: Vec<String> = (0..k).map(|i| format!("a{i}")).collect();
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function("prca_100k_x_10", |b| {
        b.iter(|| black_box(prca(&ratings, &overall, &attributes, &PrcaOptions::new(2.0, 4.0)).unwrap()))
    });

    let pool = [
        "I could not log in after the password reset",
        "返品の方法がわかりづらい",
        "The stylist went above and beyond for me",
        "Great product, well made and durable",
        "いつ届くかわからない",
        "Fine",
    ];
    let texts: Vec<Option<&str>> = (0..100_000).map(|i| Some(pool[i % pool.len()])).collect();
    let lexicon = Lexicon::default_lexicon();
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("tag_100k_comments", |b| {
        b.iter(|| black_box(tag_texts(&lexicon, &texts, 0.95).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
