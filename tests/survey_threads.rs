//! Batch calls split over threads give exactly the one-pass answer: histograms from scores, per-key histograms
//! (direct-indexed, growing and hashed key ranges), grouped estimates, and the first error with its index.

use cx_core::CxError;
use cx_core::survey::{GroupOptions, Histogram, MetricSpec, MissingPolicy, estimate_groups_threads, score_by};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, plus the peak of bytes live on the thread that asked to measure (see [`peak_bytes`]).
struct Measured;

thread_local! {
    /// (measuring, live bytes, peak) for this thread; const-initialised, so reading it allocates nothing.
    static MEASURE: Cell<(bool, isize, isize)> = const { Cell::new((false, 0, 0)) };
}

fn account(delta: isize) {
    let _ = MEASURE.try_with(|m| {
        let (on, live, peak) = m.get();
        if on {
            m.set((on, live + delta, peak.max(live + delta)));
        }
    });
}

// SAFETY: every call is forwarded to `System` unchanged; the bookkeeping only touches a thread-local cell.
unsafe impl GlobalAlloc for Measured {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as isize);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        account(-(layout.size() as isize));
        // SAFETY: as for `alloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        account(new_size as isize - layout.size() as isize);
        // SAFETY: as for `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Measured = Measured;

/// The result of `f` and the most bytes it had allocated at once on this thread (where the key tables merge and
/// one-thread passes run; worker threads' tables are bounded per range and checked by the merge's bound).
fn peak_bytes<R>(f: impl FnOnce() -> R) -> (R, usize) {
    MEASURE.with(|m| m.set((true, 0, 0)));
    let r = f();
    let (_, _, peak) = MEASURE.with(|m| m.replace((false, 0, 0)));
    (r, peak.max(0) as usize)
}

/// Large enough that the calls below really split (into two ranges from 2 × 2¹⁸ rows).
const N: usize = 600_000;

fn data(seed: u64, key_range: (i64, i64)) -> (Vec<f64>, Vec<i64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let scores = (0..N)
        .map(|_| {
            if rng.random::<f64>() < 0.01 {
                f64::NAN
            } else {
                f64::from(rng.random_range(0..=10u8))
            }
        })
        .collect();
    let keys = (0..N).map(|_| rng.random_range(key_range.0..=key_range.1)).collect();
    (scores, keys)
}

#[test]
fn threaded_histograms_equal_one_pass() {
    let scale = MetricSpec::nps().scale;
    let (scores, _) = data(1, (0, 1));
    let one = Histogram::from_scores(scale, &scores, None, MissingPolicy::Skip).unwrap();
    for threads in [1, 2, 3, 8] {
        assert_eq!(
            Histogram::from_scores_threads(scale, &scores, None, MissingPolicy::Skip, threads).unwrap(),
            one
        );
    }
    let ints: Vec<i64> = scores.iter().map(|s| if s.is_nan() { 5 } else { *s as i64 }).collect();
    let one = Histogram::from_scores(scale, &ints, None, MissingPolicy::Skip).unwrap();
    assert_eq!(
        Histogram::from_scores_threads(scale, &ints, None, MissingPolicy::Skip, 4).unwrap(),
        one
    );
}

#[test]
fn the_first_bad_score_is_reported_with_its_index_whatever_the_split() {
    let scale = MetricSpec::nps().scale;
    let (mut scores, keys) = data(2, (0, 99));
    scores[590_000] = 12.0; // in the last range
    scores[300_001] = 11.0; // in the second range of two: this one is first
    for threads in [1, 2, 4] {
        let e = Histogram::from_scores_threads(scale, &scores, None, MissingPolicy::Skip, threads).unwrap_err();
        assert_eq!(
            e,
            CxError::ScoreOutOfRange {
                value: 11.0,
                index: 300_001,
                min: 0,
                max: 10
            }
        );
        let e = Histogram::by_i64_keys(scale, &scores, &keys, None, MissingPolicy::Skip, threads).unwrap_err();
        assert_eq!(
            e,
            CxError::ScoreOutOfRange {
                value: 11.0,
                index: 300_001,
                min: 0,
                max: 10
            }
        );
    }
    // A key too wide for the table early in the first range stops that range's pass; its later bad score is
    // still the one reported, not the second range's.
    let mut wide = keys.clone();
    wide[10] = 1 << 40;
    let mut bad = scores.clone();
    bad[200_000] = 13.0;
    let e = Histogram::by_i64_keys(scale, &bad, &wide, None, MissingPolicy::Skip, 2).unwrap_err();
    assert_eq!(
        e,
        CxError::ScoreOutOfRange {
            value: 13.0,
            index: 200_000,
            min: 0,
            max: 10
        }
    );
    // With a bad score in the first range too, that one is reported.
    scores[100] = -1.0;
    let e = Histogram::from_scores_threads(scale, &scores, None, MissingPolicy::Skip, 2).unwrap_err();
    assert_eq!(
        e,
        CxError::ScoreOutOfRange {
            value: -1.0,
            index: 100,
            min: 0,
            max: 10
        }
    );
    let (scores, _) = data(3, (0, 1));
    let first_nan = scores.iter().position(|s| s.is_nan()).unwrap();
    let e = Histogram::from_scores_threads(scale, &scores, None, MissingPolicy::Error, 2).unwrap_err();
    assert_eq!(
        e,
        CxError::MissingValue {
            what: "scores".into(),
            index: first_nan
        }
    );
}

#[test]
fn per_key_histograms_equal_the_hashed_reference_for_any_key_range() {
    let spec = MetricSpec::nps();
    // Direct (a thousand keys), growing from the first key down to negatives, and too wide to index (hashed).
    for (seed, range) in [(4, (0, 999)), (5, (-40_000, 20_000)), (6, (-(1 << 40), 1 << 40))] {
        let (scores, keys) = data(seed, range);
        let reference = score_by(&spec, &scores, &keys, None, &GroupOptions::default()).unwrap();
        for threads in [1, 2, 3] {
            let (k, h) =
                Histogram::by_i64_keys(spec.scale, &scores, &keys, None, MissingPolicy::Skip, threads).unwrap();
            assert!(k.windows(2).all(|w| w[0] < w[1]), "keys ascending");
            let got = estimate_groups_threads(&spec, k, h, &GroupOptions::default(), threads).unwrap();
            assert_eq!(got.rows.len(), reference.rows.len());
            assert_eq!(got, reference, "range {range:?}, {threads} threads");
        }
    }
    // Weighted input takes the one-thread path and still equals the reference.
    let (scores, keys) = data(7, (10, 50));
    let weights: Vec<f64> = (0..N).map(|i| [0.5, 1.0, 2.0][i % 3]).collect();
    let reference = score_by(&spec, &scores, &keys, Some(&weights), &GroupOptions::default()).unwrap();
    let (k, h) = Histogram::by_i64_keys(spec.scale, &scores, &keys, Some(&weights), MissingPolicy::Skip, 2).unwrap();
    assert_eq!(
        estimate_groups_threads(&spec, k, h, &GroupOptions::default(), 2).unwrap(),
        reference
    );
}

#[test]
fn threaded_trend_equals_one_pass() {
    use cx_core::period::Period;
    use cx_core::survey::{TrendOptions, trend, trend_threads};
    let spec = MetricSpec::nps();
    // Days over about three years: the day-to-period table path.
    let (mut scores, days) = data(8, (19_000, 20_100));
    for period in [
        Period::IsoWeek,
        Period::Month,
        Period::Quarter { fiscal_start_month: 4 },
    ] {
        let options = TrendOptions {
            period,
            ..Default::default()
        };
        let one = trend(&spec, &scores, &days, None, &options).unwrap();
        for threads in [2, 3] {
            let many = trend_threads(&spec, &scores, &days, None, &options, threads).unwrap();
            // As text, so NaN statistics of empty periods compare equal.
            assert_eq!(format!("{many:?}"), format!("{one:?}"), "{period:?}, {threads} threads");
        }
    }
    // A bad score in the second range is reported at its index in the whole input.
    scores[450_000] = 12.0;
    let e = trend_threads(&spec, &scores, &days, None, &TrendOptions::default(), 2).unwrap_err();
    assert_eq!(
        e,
        CxError::ScoreOutOfRange {
            value: 12.0,
            index: 450_000,
            min: 0,
            max: 10
        }
    );
}

/// Issue 20 item 1: 2¹⁹ scores of 10 with keys in two clusters (0 and 10¹², a table sorted by id), split over two
/// threads, aborted on "memory allocation of 88000000000088 bytes failed": the two ranges' tables merged into one
/// table of span × points. Now they merge by key, within a few times the input.
#[test]
fn key_clusters_on_different_threads_merge_within_a_bound() {
    let n = 1 << 19;
    let scores = vec![10.0; n];
    let keys: Vec<i64> = (0..n)
        .map(|i| if i < n / 2 { i as i64 % 3 } else { 1_000_000_000_000 })
        .collect();
    let input = n * 16;
    for threads in [2, 4] {
        let (result, peak) = peak_bytes(|| {
            Histogram::by_i64_keys(
                MetricSpec::nps().scale,
                &scores,
                &keys,
                None,
                MissingPolicy::Skip,
                threads,
            )
        });
        let (k, h) = result.unwrap();
        assert_eq!(k, [0, 1, 2, 1_000_000_000_000], "{threads} threads");
        let tens: Vec<u64> = h.iter().map(|h| h.counts()[10]).collect();
        assert_eq!(tens.iter().sum::<u64>(), n as u64);
        assert_eq!(tens[3], (n / 2) as u64);
        assert!(
            peak < input,
            "{threads} threads: {peak} bytes at once for {input} bytes of input"
        );
    }
    let by = score_by(&MetricSpec::nps(), &scores, &keys, None, &GroupOptions::default()).unwrap();
    assert_eq!(by.rows.len(), 4);
}

/// Issue 20 item 3: a range whose keys are all `i64::MAX` (an "unknown" sentinel) lost its rows (`lo + span`
/// overflowed in the merge); other layouts panicked. Every row is now counted under its key.
#[test]
fn a_range_of_i64_max_keys_keeps_every_row() {
    let n = 1 << 19;
    let (scores, small) = data(9, (0, 50));
    let scores = &scores[..n];
    let layouts: [Vec<i64>; 3] = [
        (0..n).map(|i| if i < n / 2 { small[i] } else { i64::MAX }).collect(),
        (0..n)
            .map(|i| if i < n / 2 { i64::MAX } else { i64::MIN + small[i] })
            .collect(),
        (0..n)
            .map(|i| if i % 2 == 0 { i64::MAX } else { i64::MAX - 1 - small[i] })
            .collect(),
    ];
    for keys in &layouts {
        let reference = score_by(&MetricSpec::nps(), scores, keys, None, &GroupOptions::default()).unwrap();
        for threads in [2, 3] {
            let (k, h) = Histogram::by_i64_keys(
                MetricSpec::nps().scale,
                scores,
                keys,
                None,
                MissingPolicy::Skip,
                threads,
            )
            .unwrap();
            let counted: u64 = h.iter().map(|h| h.n() + h.n_missing()).sum();
            assert_eq!(counted, n as u64, "{threads} threads, first key {}", keys[0]);
            assert!(k.contains(&i64::MAX));
            let got = estimate_groups_threads(&MetricSpec::nps(), k, h, &GroupOptions::default(), threads).unwrap();
            assert_eq!(got, reference);
        }
    }
}

/// Issue 20 item 11: two rows of a 1,001-point metric with keys 65,535 apart took 1 GB in `score_by` (a direct
/// table of 65,536 keys × 1,001 points, twice, and a histogram per key of the span). Now a few rows get a
/// table in proportion to them, and the rest is one histogram per distinct key.
#[test]
fn a_few_rows_of_a_wide_scale_allocate_little() {
    let scale = cx_core::survey::Scale { min: 0, max: 1000 };
    for keys in [[0i64, 65_535], [0, 1000], [i64::MIN, i64::MAX]] {
        for weights in [None, Some(&[1.0, 2.0][..])] {
            let (result, peak) =
                peak_bytes(|| Histogram::by_i64_keys(scale, &[3.0, 1000.0], &keys, weights, MissingPolicy::Skip, 2));
            let (k, h) = result.unwrap();
            assert_eq!(k, keys);
            assert_eq!((h[0].counts()[3], h[1].counts()[1000]), (1, 1));
            // Two histograms of 1,001 counts (and weight sums) plus a bounded table: well under a megabyte.
            assert!(peak < 1 << 20, "{keys:?}: {peak} bytes at once");
        }
    }
}
