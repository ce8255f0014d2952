//! The event-log funnel: each mode, ties, the window edge, censoring, unsorted input and errors by hand, and every
//! mode against a naive reference (all entries, greedy matching) with proptest.

use cx_core::CxError;
use cx_core::journey::{Funnel, FunnelMode, FunnelSpec, funnel, funnel_threads};
use proptest::prelude::*;

fn spec(steps: &[u32], window: i64, mode: FunnelMode, as_of: Option<i64>) -> FunnelSpec {
    FunnelSpec {
        steps: steps.to_vec(),
        window,
        mode,
        as_of,
    }
}

fn reached(f: &Funnel) -> Vec<u64> {
    f.steps.iter().map(|s| s.reached).collect()
}

/// Rows (account, event, time) → columns.
fn run(rows: &[(u32, u32, i64)], s: &FunnelSpec) -> Funnel {
    let a: Vec<u32> = rows.iter().map(|r| r.0).collect();
    let e: Vec<u32> = rows.iter().map(|r| r.1).collect();
    let t: Vec<i64> = rows.iter().map(|r| r.2).collect();
    funnel(&a, &e, &t, s).unwrap()
}

#[test]
fn ordered_allows_other_events_between_and_strict_does_not() {
    // Account 1: 10 → 99 (unrelated) → 20 → 30. Account 2: 10 → 20 → 20 → 30.
    let rows = [
        (1, 10, 0),
        (1, 99, 1),
        (1, 20, 2),
        (1, 30, 3),
        (2, 10, 0),
        (2, 20, 1),
        (2, 20, 2),
        (2, 30, 3),
    ];
    let ordered = run(&rows, &spec(&[10, 20, 30], 100, FunnelMode::Ordered, None));
    assert_eq!(reached(&ordered), [2, 2, 2]);
    let strict = run(&rows, &spec(&[10, 20, 30], 100, FunnelMode::Strict, None));
    // Account 1 breaks at the unrelated event; account 2's repeated 20 breaks its run after step 1.
    assert_eq!(reached(&strict), [2, 1, 0]);
    // Any order: 30 before 20 still counts.
    let rows = [(1, 10, 0), (1, 30, 1), (1, 20, 2), (2, 30, 0), (2, 10, 1), (2, 20, 2)];
    assert_eq!(
        reached(&run(&rows, &spec(&[10, 20, 30], 100, FunnelMode::AnyOrder, None))),
        [2, 2, 1]
    );
    assert_eq!(
        reached(&run(&rows, &spec(&[10, 20, 30], 100, FunnelMode::Ordered, None))),
        [2, 2, 0]
    );
}

#[test]
fn the_window_is_inclusive_and_anchored_at_the_entry() {
    let rows = [(1, 1, 0), (1, 2, 5), (1, 3, 10), (2, 1, 0), (2, 2, 5), (2, 3, 11)];
    let f = run(&rows, &spec(&[1, 2, 3], 10, FunnelMode::Ordered, None));
    assert_eq!(reached(&f), [2, 2, 1]);
    // A later entry can succeed where an earlier one ran out of window: entries at 0 and 8, step 3 at 12.
    let rows = [(1, 1, 0), (1, 2, 9), (1, 1, 8), (1, 3, 12)];
    let f = run(&rows, &spec(&[1, 2, 3], 5, FunnelMode::Ordered, None));
    assert_eq!(reached(&f), [1, 1, 1]);
    assert_eq!(
        (f.steps[1].time_to_convert_p50, f.steps[2].time_to_convert_p50),
        (1.0, 4.0)
    );
}

#[test]
fn simultaneous_events_are_taken_in_step_order() {
    // All three steps at one instant complete the funnel; an unrelated event at that instant does not break strict.
    let rows = [(1, 30, 7), (1, 99, 7), (1, 20, 7), (1, 10, 7)];
    for mode in [FunnelMode::Ordered, FunnelMode::Strict, FunnelMode::AnyOrder] {
        let f = run(&rows, &spec(&[10, 20, 30], 1, mode, None));
        assert_eq!(reached(&f), [1, 1, 1], "{mode:?}");
        assert_eq!(f.steps[2].time_to_convert_p50, 0.0);
    }
    assert!(
        run(&rows, &spec(&[10], 1, FunnelMode::Ordered, None))
            .ties
            .contains("step order")
    );
}

#[test]
fn accounts_still_in_their_window_are_in_progress_not_dropped() {
    // as_of = 10, window 5: account 1 entered at 8 (open), account 2 at 2 (closed), account 3 completed.
    let rows = [(1, 1, 8), (2, 1, 2), (3, 1, 6), (3, 2, 7)];
    let f = run(&rows, &spec(&[1, 2], 5, FunnelMode::Ordered, Some(10)));
    let s = &f.steps[1];
    assert_eq!((s.reached, s.in_progress, s.dropped), (1, 1, 1));
    assert!((s.conversion_from_previous - 1.0 / 3.0).abs() < 1e-15);
    assert!(f.steps[0].time_to_convert_p50.is_nan());
    // An event after as_of is an error naming it.
    let e = funnel(&[1u32], &[1], &[11], &spec(&[1, 2], 5, FunnelMode::Ordered, Some(10))).unwrap_err();
    assert!(
        matches!(&e, CxError::InvalidArgument { name, .. } if name == "timestamps[0]"),
        "{e}"
    );
}

#[test]
fn times_to_convert_use_type_7_quantiles() {
    // Times to step 1 over accounts: 1, 2, 3, 4, 10 → p50 3, p90 4 + 0.6 × 6 = 7.6.
    let rows: Vec<(u32, u32, i64)> = [1, 2, 3, 4, 10]
        .iter()
        .enumerate()
        .flat_map(|(a, &dt)| [(a as u32, 5, 100), (a as u32, 6, 100 + dt)])
        .collect();
    let f = run(&rows, &spec(&[5, 6], 50, FunnelMode::Ordered, None));
    assert_eq!(f.steps[1].time_to_convert_p50, 3.0);
    assert!((f.steps[1].time_to_convert_p90 - 7.6).abs() < 1e-12);
    assert_eq!((f.n_accounts, f.n_events), (5, 10));
}

#[test]
fn bad_specs_and_inputs_are_refused() {
    let err = |s: FunnelSpec| funnel(&[1u32], &[1], &[0], &s).unwrap_err();
    assert!(
        matches!(err(spec(&[], 5, FunnelMode::Ordered, None)), CxError::InvalidArgument { name, .. } if name == "steps")
    );
    assert!(
        matches!(err(spec(&[1, 2, 1], 5, FunnelMode::Ordered, None)), CxError::InvalidArgument { name, .. } if name == "steps[2]")
    );
    assert!(
        matches!(err(spec(&[1], 0, FunnelMode::Ordered, None)), CxError::InvalidArgument { name, .. } if name == "window")
    );
    let s = spec(&[1], 5, FunnelMode::Ordered, None);
    assert!(matches!(
        funnel(&[1u32, 2], &[1], &[0, 0], &s),
        Err(CxError::LengthMismatch { .. })
    ));
    assert!(matches!(FunnelMode::parse("loose"), Err(CxError::UnknownName { .. })));
    // No events: every step reached by nobody, conversions undefined (not 0).
    let f = funnel::<u32>(&[], &[], &[], &s).unwrap();
    assert_eq!(f.steps[0].reached, 0);
    assert!(f.steps[0].conversion_from_entry.is_nan());
}

#[test]
fn nat_timestamps_are_refused_with_their_index() {
    // Issue 20 item 4: numpy's NaT (i64::MIN) was taken as the earliest instant; in any-order mode `t - t0`
    // wrapped, and the account counted as converted after -86,512 days.
    let nat = i64::MIN;
    let day = 86_400_000_000_000i64; // nanoseconds
    let (a, e) = ([1u32, 1, 1, 2, 2], [0u32, 1, 2, 0, 1]);
    let t = [nat, 5 * day, 6 * day, 0, day];
    for mode in [FunnelMode::Ordered, FunnelMode::Strict, FunnelMode::AnyOrder] {
        for as_of in [None, Some(7 * day)] {
            let s = spec(&[0, 1, 2], 30 * day, mode, as_of);
            let err = funnel(&a, &e, &t, &s).unwrap_err();
            assert!(
                matches!(&err, CxError::InvalidDate { value, index: 0 } if value == "NaT"),
                "{mode:?}: {err}"
            );
            let err = funnel_threads(&a, &e, &t, &s, 2).unwrap_err();
            assert!(matches!(err, CxError::InvalidDate { index: 0, .. }), "{mode:?}: {err}");
            // The partial state refuses it too, and adds nothing.
            let mut state = cx_core::journey::FunnelState::new(s.clone()).unwrap();
            let err = state.add(&a[3..], &e[3..], &[day, nat]).unwrap_err();
            assert!(matches!(err, CxError::InvalidDate { index: 1, .. }), "{mode:?}: {err}");
            assert_eq!(state.finish().n_accounts, 0);
            // Later in sorted input, and in unsorted input: still the first NaT's index.
            let (a2, e2) = ([1u32, 1, 2, 2, 3], [0u32, 1, 0, 1, 0]);
            let sorted = [0, day, nat, day, 0];
            let err = funnel(&a2, &e2, &sorted, &s).unwrap_err();
            assert!(matches!(err, CxError::InvalidDate { index: 2, .. }), "{mode:?}: {err}");
            let unsorted = [day, 0, 0, nat, nat];
            let err = funnel(&a2, &e2, &unsorted, &s).unwrap_err();
            assert!(matches!(err, CxError::InvalidDate { index: 3, .. }), "{mode:?}: {err}");
            let err = funnel_threads(&a2, &e2, &unsorted, &s, 2).unwrap_err();
            assert!(matches!(err, CxError::InvalidDate { index: 3, .. }), "{mode:?}: {err}");
        }
    }
    // Enough sorted rows to be split over threads, the NaT in the second range.
    let n = 600_000usize;
    let a: Vec<u32> = (0..n as u32).map(|i| i / 4).collect();
    let e: Vec<u32> = (0..n as u32).map(|i| i % 4).collect();
    let mut t: Vec<i64> = (0..n as i64).collect();
    t[500_000] = nat;
    let s = spec(&[0, 1, 2], 10, FunnelMode::Ordered, None);
    for threads in [1, 2, 3] {
        let err = funnel_threads(&a, &e, &t, &s, threads).unwrap_err();
        assert!(
            matches!(err, CxError::InvalidDate { index: 500_000, .. }),
            "{threads}: {err}"
        );
    }
}

#[test]
fn far_apart_timestamps_never_wrap_into_the_window() {
    // An entry at the start of the i64 range and steps at its end: `t - t0` would wrap to a small number.
    let (a, e) = ([1u32, 1, 1], [0u32, 1, 2]);
    let t = [i64::MIN + 1, i64::MAX - 1, i64::MAX];
    for mode in [FunnelMode::Ordered, FunnelMode::Strict, FunnelMode::AnyOrder] {
        for as_of in [None, Some(i64::MAX)] {
            let f = funnel(&a, &e, &t, &spec(&[0, 1, 2], 10, mode, as_of)).unwrap();
            assert_eq!(reached(&f), [1, 0, 0], "{mode:?}");
            // `as_of - entry` is beyond the window, so the account dropped rather than being in progress.
            assert_eq!(f.steps[1].in_progress, 0, "{mode:?}");
        }
    }
}

#[test]
fn any_order_over_one_account_with_200k_events_is_linear() {
    // Issue 20 item 12: every entry scanned its whole window, quadratic in one account's events (64 s for 200k).
    // Here every event is inside one window and half are entries: the worst case for the old scan. Debug build.
    let n = 200_000usize;
    let a = vec![7u32; n];
    let e: Vec<u32> = (0..n).map(|i| [0u32, 0, 1, 2][i % 4]).collect();
    let t: Vec<i64> = (0..n as i64).collect();
    let s = spec(&[0, 1, 2, 3], n as i64, FunnelMode::AnyOrder, Some(n as i64));
    let start = std::time::Instant::now();
    let f = funnel(&a, &e, &t, &s).unwrap();
    let elapsed = start.elapsed();
    assert_eq!(reached(&f), [1, 1, 1, 0]);
    // The attempt that reached step 2 first is the last entry before the first 1 and 2 (entry at 1, 2 at 3).
    assert_eq!(f.steps[2].time_to_convert_p50, 2.0);
    // Step 3 never occurs and the latest entry has window left: in progress.
    assert_eq!(f.steps[3].in_progress, 1);
    assert!(elapsed.as_secs_f64() < 20.0, "{elapsed:?}");
}

/// The naive reference: every entry of every account matched greedily (earliest next step), per mode.
#[test]
fn threaded_funnels_equal_one_pass_and_unsorted_input_falls_back() {
    use rand::seq::SliceRandom;
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    // 80,000 accounts x 8 events, sorted by account and time, with ties: enough rows to split three ways.
    let (mut a, mut e, mut t) = (Vec::new(), Vec::new(), Vec::new());
    for account in 0..80_000u32 {
        let mut time = rng.random_range(0..1_000i64);
        for _ in 0..8 {
            time += rng.random_range(0..5i64);
            a.push(account);
            e.push(rng.random_range(0..5u32));
            t.push(time);
        }
    }
    for (mode, as_of) in [
        (FunnelMode::Ordered, None),
        (FunnelMode::Strict, Some(1_100)),
        (FunnelMode::AnyOrder, None),
    ] {
        let s = spec(&[0, 1, 2, 3], 12, mode, as_of);
        // Compared as JSON: the first step's times to convert are NaN, which is never equal to itself.
        let one = serde_json::to_string(&funnel(&a, &e, &t, &s).unwrap()).unwrap();
        for threads in [2, 3] {
            let split = serde_json::to_string(&funnel_threads(&a, &e, &t, &s, threads).unwrap()).unwrap();
            assert_eq!(split, one, "{mode:?}, {threads} threads");
        }
    }
    // Shuffled: the accounts are shared out by key among the threads, with the same answer in every mode.
    let mut order: Vec<usize> = (0..a.len()).collect();
    order.shuffle(&mut rng);
    let shuffled = |v: &[u32]| order.iter().map(|&i| v[i]).collect::<Vec<u32>>();
    let (sa, se) = (shuffled(&a), shuffled(&e));
    let st: Vec<i64> = order.iter().map(|&i| t[i]).collect();
    for mode in [FunnelMode::Ordered, FunnelMode::Strict, FunnelMode::AnyOrder] {
        let s = spec(&[0, 1, 2, 3], 12, mode, Some(1_100));
        let one = serde_json::to_string(&funnel(&a, &e, &t, &s).unwrap()).unwrap();
        for threads in [2, 3] {
            let split = serde_json::to_string(&funnel_threads(&sa, &se, &st, &s, threads).unwrap()).unwrap();
            assert_eq!(split, one, "shuffled, {mode:?}, {threads} threads");
        }
    }
    // Unsorted across a split: the same answer.
    let s = spec(&[0, 1, 2], 12, FunnelMode::Ordered, None);
    let n = a.len();
    a.swap(10, n - 10);
    let json = |f: Funnel| serde_json::to_string(&f).unwrap();
    assert_eq!(
        json(funnel_threads(&a, &e, &t, &s, 2).unwrap()),
        json(funnel(&a, &e, &t, &s).unwrap())
    );
}

fn reference(rows: &[(u32, u32, i64)], s: &FunnelSpec) -> (Vec<u64>, Vec<u64>, Vec<Vec<i64>>) {
    let n = s.steps.len();
    let step = |e: u32| s.steps.iter().position(|&x| x == e);
    let mut accounts: Vec<u32> = rows.iter().map(|r| r.0).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let (mut reached, mut in_progress, mut times) = (vec![0u64; n], vec![0u64; n], vec![vec![]; n]);
    for a in accounts {
        let mut ev: Vec<(i64, usize)> = (rows.iter().filter(|r| r.0 == a))
            .map(|r| (r.2, step(r.1).unwrap_or(usize::MAX)))
            .collect();
        ev.sort_unstable();
        // (level, reach time, entry, times, unbroken to the end)
        let mut attempts = vec![];
        for (i, &(t0, s0)) in ev.iter().enumerate() {
            if s0 != 0 {
                continue;
            }
            let mut at = vec![t0];
            let mut unbroken = true;
            match s.mode {
                FunnelMode::Ordered => {
                    for &(t, k) in &ev[i + 1..] {
                        if t - t0 <= s.window && k == at.len() && k < n {
                            at.push(t);
                        }
                    }
                }
                FunnelMode::Strict => {
                    for &(t, k) in &ev[i + 1..] {
                        if t - t0 <= s.window && k == at.len() && k < n {
                            at.push(t);
                        } else {
                            unbroken = false;
                            break;
                        }
                    }
                }
                FunnelMode::AnyOrder => {
                    let mut first = vec![None; n];
                    first[0] = Some(t0);
                    for &(t, k) in &ev[i + 1..] {
                        if t - t0 <= s.window && k < n && first[k].is_none() {
                            first[k] = Some(t);
                        }
                    }
                    let mut latest = t0;
                    for f in first.iter().skip(1) {
                        let Some(f) = f else { break };
                        latest = latest.max(*f);
                        at.push(latest);
                    }
                }
            }
            attempts.push((
                at.len() - 1,
                *at.last().unwrap(),
                t0,
                at.iter().map(|t| t - t0).collect::<Vec<_>>(),
                unbroken,
            ));
        }
        let Some(level) = attempts.iter().map(|x| x.0).max() else {
            continue;
        };
        let best = attempts
            .iter()
            .filter(|x| x.0 == level)
            .min_by_key(|x| (x.1, std::cmp::Reverse(x.2)))
            .unwrap();
        for k in 0..=level {
            reached[k] += 1;
            times[k].push(best.3[k]);
        }
        let open = attempts
            .iter()
            .any(|x| x.0 == level && x.4 && level + 1 < n && s.as_of.is_some_and(|end| end - x.2 < s.window));
        // In strict mode only the last entry can still be running.
        let open = open && (s.mode != FunnelMode::Strict || attempts.last().is_some_and(|x| x.0 == level && x.4));
        if open {
            in_progress[level + 1] += 1;
        }
    }
    (reached, in_progress, times)
}

fn quantile(mut v: Vec<i64>, p: f64) -> f64 {
    v.sort_unstable();
    let v: Vec<f64> = v.into_iter().map(|x| x as f64).collect();
    cx_core::stats::quantile_sorted(&v, p)
}

/// The funnel of `rows` under `s` equals the simple reference: reached and in-progress counts per step, and the
/// median and 90th percentile of the times to convert.
fn matches_the_reference(rows: &[(u32, u32, i64)], s: &FunnelSpec) -> Result<(), TestCaseError> {
    let f = run(rows, s);
    let (want_reached, want_open, want_times) = reference(rows, s);
    prop_assert_eq!(reached(&f), want_reached);
    prop_assert_eq!(f.steps.iter().map(|x| x.in_progress).collect::<Vec<_>>(), want_open);
    for (k, t) in want_times.into_iter().enumerate().skip(1) {
        let (p50, p90) = (quantile(t.clone(), 0.5), quantile(t, 0.9));
        prop_assert!(p50.total_cmp(&f.steps[k].time_to_convert_p50).is_eq(), "p50 step {}", k);
        prop_assert!(p90.total_cmp(&f.steps[k].time_to_convert_p90).is_eq(), "p90 step {}", k);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The linear any-order pass against the reference's scan of every entry's window, on accounts with many
    /// entries sharing windows (where the order of the entries and the ties between them matter).
    #[test]
    fn any_order_matches_the_reference_with_many_entries(
        rows in prop::collection::vec((0u32..3, prop_oneof![Just(0u32), 0u32..6], 0i64..25), 0..150),
        window in 1i64..12,
        with_as_of in any::<bool>(),
    ) {
        let as_of = with_as_of.then(|| rows.iter().map(|r| r.2).max().unwrap_or(0));
        let s = spec(&[0, 1, 2, 3], window, FunnelMode::AnyOrder, as_of);
        matches_the_reference(&rows, &s)?;
    }

    #[test]
    fn every_mode_matches_the_reference(
        rows in prop::collection::vec((0u32..6, 0u32..5, 0i64..30), 0..60),
        window in 1i64..15,
        mode in prop_oneof![Just(FunnelMode::Ordered), Just(FunnelMode::Strict), Just(FunnelMode::AnyOrder)],
        with_as_of in any::<bool>(),
    ) {
        // Steps 0, 1, 2 (events 3 and 4 are unrelated); as_of at the last timestamp when asked.
        let as_of = with_as_of.then(|| rows.iter().map(|r| r.2).max().unwrap_or(0));
        let s = spec(&[0, 1, 2], window, mode, as_of);
        matches_the_reference(&rows, &s)?;
        let f = run(&rows, &s);
        // Sorted input takes the single pass and must agree with the unsorted path.
        let mut sorted = rows.clone();
        sorted.sort_by_key(|r| (r.0, r.2));
        // (Compared as JSON: NaN conversions are null there, and equal.)
        let json = |f: &Funnel| serde_json::to_string(f).unwrap();
        prop_assert_eq!(json(&run(&sorted, &s)), json(&f));
        // Sparse 64-bit ids (no counting sort) and negative ids give the same funnel.
        let sparse: Vec<u64> = rows.iter().map(|r| u64::from(r.0) * 1_000_000_007).collect();
        let negative: Vec<i64> = rows.iter().map(|r| -i64::from(r.0)).collect();
        let e: Vec<u32> = rows.iter().map(|r| r.1).collect();
        let t: Vec<i64> = rows.iter().map(|r| r.2).collect();
        prop_assert_eq!(json(&funnel(&sparse, &e, &t, &s).unwrap()), json(&f));
        prop_assert_eq!(json(&funnel(&negative, &e, &t, &s).unwrap()), json(&f));
        // Times spread over most of the i64 range (too wide to pack with the step in one u64 when unsorted): the
        // same counts, times to convert scaled.
        let c = (1i64 << 62) / 29;
        let wide: Vec<i64> = t.iter().map(|&x| x * c - (1 << 62)).collect();
        let wide_spec = spec(&[0, 1, 2], window * c, mode, as_of.map(|x| x * c - (1 << 62)));
        let a: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let g = funnel(&a, &e, &wide, &wide_spec).unwrap();
        prop_assert_eq!(reached(&g), reached(&f));
        for (x, y) in g.steps.iter().zip(&f.steps) {
            prop_assert_eq!(x.in_progress, y.in_progress);
            let scaled = y.time_to_convert_p90 * c as f64;
            let close = (x.time_to_convert_p90 - scaled).abs() <= 1e-9 * scaled.abs();
            prop_assert!(close || x.time_to_convert_p90.is_nan() && scaled.is_nan(), "{} vs {}", x.time_to_convert_p90, scaled);
        }
    }
}
