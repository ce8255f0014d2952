//! Partial states, as partitions of Spark or Dask build them: any split of the data merges back to the one-pass
//! result; merging is associative and commutative with the empty state as identity; bytes round trip, and
//! truncated or corrupted bytes are errors, never panics.
//!
//! Weights in these tests are multiples of 1/4, so their sums are exact in any order and states compare equal
//! bit for bit; with arbitrary weights merged sums differ from one pass in the last bits only (tested to 1e-12).

use cx_core::CxError;
use cx_core::health::{Bands, CutBelongs, ValidationCounts, validate_scores};
use cx_core::journey::{FunnelMode, FunnelSpec, FunnelState, funnel};
use cx_core::period::Period;
use cx_core::state::{Kind, kind_of};
use cx_core::survey::{
    Accumulator, CompareMethod, GroupKey, GroupOptions, GroupedAccumulator, MetricSpec, MissingPolicy, TrendOptions,
    score_by, trend,
};
use proptest::prelude::*;

/// Cut `0..n` at the given fractions (sorted, deduplicated): the ranges of uneven partitions, empty ones included.
fn split(n: usize, cuts: &[f64]) -> Vec<std::ops::Range<usize>> {
    let mut at: Vec<usize> = cuts.iter().map(|c| (c * n as f64) as usize).collect();
    at.push(0);
    at.push(n);
    at.push(n); // a trailing empty partition
    at.sort_unstable();
    at.windows(2).map(|w| w[0]..w[1]).collect()
}

fn survey_rows() -> impl Strategy<Value = Vec<(f64, u8, i64, f64)>> {
    // (score or NaN, group, day since 2024-01-01, weight)
    prop::collection::vec(
        (
            prop_oneof![9 => (0u8..=10).prop_map(f64::from), 1 => Just(f64::NAN)],
            0u8..6,
            0i64..400,
            (1u8..=12).prop_map(|q| f64::from(q) / 4.0),
        ),
        0..300,
    )
}

const DAY0: i64 = 19_723; // 2024-01-01 in days since 1970-01-01

fn grouped(rows: &[(f64, u8, i64, f64)], weighted: bool) -> GroupedAccumulator {
    let mut state = GroupedAccumulator::new(MetricSpec::nps()).unwrap();
    let scores: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let codes: Vec<u32> = rows.iter().map(|r| u32::from(r.1)).collect();
    let keys: Vec<GroupKey> = (0..6).map(|g| GroupKey::Str(format!("segment {g}"))).collect();
    let weights: Vec<f64> = rows.iter().map(|r| r.3).collect();
    let w = weighted.then_some(&weights[..]);
    state.add_codes(&scores, &codes, &keys, w, MissingPolicy::Skip).unwrap();
    state
}

fn monthly(rows: &[(f64, u8, i64, f64)]) -> GroupedAccumulator {
    let mut state = GroupedAccumulator::by_period(MetricSpec::nps(), Period::Month).unwrap();
    let scores: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let dates: Vec<i64> = rows.iter().map(|r| DAY0 + r.2).collect();
    state.add_dates(&scores, &dates, None, MissingPolicy::Skip).unwrap();
    state
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

/// Every truncation and a flip in every byte is an error (a flip is caught by the checksum at the latest).
fn damage_is_refused<T>(bytes: &[u8], read: impl Fn(&[u8]) -> cx_core::Result<T>) {
    for cut in 0..bytes.len() {
        assert!(
            matches!(read(&bytes[..cut]), Err(CxError::InvalidConfig { .. })),
            "cut at {cut}"
        );
    }
    for i in 0..bytes.len() {
        let mut flipped = bytes.to_vec();
        flipped[i] ^= 0x41;
        assert!(read(&flipped).is_err(), "flip at {i}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn grouped_states_of_any_split_merge_to_one_pass(
        rows in survey_rows(),
        cuts in prop::collection::vec(0.0f64..1.0, 0..5),
        weighted in any::<bool>(),
    ) {
        let whole = grouped(&rows, weighted);
        let mut merged = GroupedAccumulator::new(MetricSpec::nps()).unwrap();
        for r in split(rows.len(), &cuts) {
            let part = grouped(&rows[r], weighted);
            merged.merge(&GroupedAccumulator::from_bytes(&part.to_bytes()).unwrap()).unwrap();
        }
        prop_assert_eq!(&merged, &whole);
        // And the rows equal score_by over the whole input, comparisons to the rest included.
        if rows.iter().any(|r| !r.0.is_nan()) {
            let options = GroupOptions { compare_to_rest: Some(CompareMethod::Wald), ..Default::default() };
            let scores: Vec<f64> = rows.iter().map(|r| r.0).collect();
            let keys: Vec<GroupKey> = rows.iter().map(|r| GroupKey::Str(format!("segment {}", r.1))).collect();
            let weights: Vec<f64> = rows.iter().map(|r| r.3).collect();
            let direct = score_by(&MetricSpec::nps(), &scores, &keys, weighted.then_some(&weights[..]), &options);
            prop_assert_eq!(json(&merged.estimates(&options).unwrap()), json(&direct.unwrap()));
        }
    }

    #[test]
    fn states_by_period_merge_to_the_trend(rows in survey_rows(), cuts in prop::collection::vec(0.0f64..1.0, 0..5)) {
        let mut merged = GroupedAccumulator::by_period(MetricSpec::nps(), Period::Month).unwrap();
        for r in split(rows.len(), &cuts) {
            merged.merge(&GroupedAccumulator::from_bytes(&monthly(&rows[r]).to_bytes()).unwrap()).unwrap();
        }
        prop_assert_eq!(&merged, &monthly(&rows));
        if !rows.is_empty() {
            let scores: Vec<f64> = rows.iter().map(|r| r.0).collect();
            let dates: Vec<i64> = rows.iter().map(|r| DAY0 + r.2).collect();
            let direct = trend(&MetricSpec::nps(), &scores, &dates, None, &TrendOptions::default()).unwrap();
            prop_assert_eq!(json(&merged.trend(&TrendOptions::default()).unwrap()), json(&direct));
        }
    }

    #[test]
    fn merging_is_associative_and_commutative_with_empty_as_identity(
        a in survey_rows(), b in survey_rows(), c in survey_rows(), weighted in any::<bool>(),
    ) {
        let (a, b, c) = (grouped(&a, weighted), grouped(&b, weighted), grouped(&c, weighted));
        let merge = |x: &GroupedAccumulator, y: &GroupedAccumulator| {
            let mut out = x.clone();
            out.merge(y).unwrap();
            out
        };
        prop_assert_eq!(merge(&merge(&a, &b), &c).to_bytes(), merge(&a, &merge(&b, &c)).to_bytes());
        prop_assert_eq!(merge(&a, &b).to_bytes(), merge(&b, &a).to_bytes());
        let empty = GroupedAccumulator::new(MetricSpec::nps()).unwrap();
        prop_assert_eq!(&merge(&a, &empty), &a);
        prop_assert_eq!(&merge(&empty, &a), &a);

        let (mut x, mut y) = (Accumulator::new(MetricSpec::nps()).unwrap(), Accumulator::new(MetricSpec::nps()).unwrap());
        for (key, h) in a.groups() {
            let mut one = Accumulator::from_parts(MetricSpec::nps(), h.clone()).unwrap();
            if key < &GroupKey::from("segment 3") { x.merge(&one).unwrap() } else { one.merge(&y).unwrap(); y = one }
        }
        let mut xy = x.clone();
        xy.merge(&y).unwrap();
        y.merge(&x).unwrap();
        prop_assert_eq!(xy.to_bytes(), y.to_bytes());
        prop_assert_eq!(Accumulator::from_bytes(&xy.to_bytes()).unwrap(), xy);
    }

    #[test]
    fn funnel_states_of_whole_accounts_merge_to_one_pass(
        rows in prop::collection::vec((0u32..40, 0u32..5, 0i64..50), 0..300),
        partition_of in prop::collection::vec(0usize..4, 40),
        mode in prop_oneof![Just(FunnelMode::Ordered), Just(FunnelMode::Strict), Just(FunnelMode::AnyOrder)],
        as_of in prop::option::of(50i64..60),
    ) {
        let spec = FunnelSpec { steps: vec![1, 2, 3], window: 20, mode, as_of };
        let columns = |rows: &[&(u32, u32, i64)]| -> (Vec<u32>, Vec<u32>, Vec<i64>) {
            (rows.iter().map(|r| r.0).collect(), rows.iter().map(|r| r.1).collect(), rows.iter().map(|r| r.2).collect())
        };
        let all: Vec<&(u32, u32, i64)> = rows.iter().collect();
        let (accounts, events, times) = columns(&all);
        let whole = funnel(&accounts, &events, &times, &spec).unwrap();
        // Repartitioned by account: each account's rows go to one of four partitions (some stay empty).
        let mut states = Vec::new();
        for p in 0..4 {
            let part: Vec<&(u32, u32, i64)> = rows.iter().filter(|r| partition_of[r.0 as usize] == p).collect();
            let (accounts, events, times) = columns(&part);
            let mut state = FunnelState::new(spec.clone()).unwrap();
            state.add(&accounts, &events, &times).unwrap();
            states.push(FunnelState::from_bytes(&state.to_bytes()).unwrap());
        }
        let mut forward = FunnelState::new(spec.clone()).unwrap();
        states.iter().for_each(|s| forward.merge(s).unwrap());
        let mut backward = FunnelState::new(spec.clone()).unwrap();
        states.iter().rev().for_each(|s| backward.merge(s).unwrap());
        prop_assert_eq!(json(&forward.finish()), json(&whole));
        prop_assert_eq!(forward.to_bytes(), backward.to_bytes());
    }

    #[test]
    fn validation_counts_of_any_split_merge_to_one_pass(
        rows in prop::collection::vec((prop_oneof![9 => (0u8..=20).prop_map(|s| f64::from(s) * 5.0), 1 => Just(f64::NAN)], any::<bool>()), 2..300),
        cuts in prop::collection::vec(0.0f64..1.0, 0..5),
    ) {
        let bands = Bands { names: vec!["red".into(), "yellow".into(), "green".into()], cuts: vec![40.0, 70.0], cut_belongs: CutBelongs::Upper };
        let scores: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let churned: Vec<bool> = rows.iter().map(|r| r.1).collect();
        let mut merged = ValidationCounts::default();
        let mut reversed = ValidationCounts::default();
        let parts: Vec<ValidationCounts> = split(rows.len(), &cuts)
            .into_iter()
            .map(|r| ValidationCounts::from_scores(&scores[r.clone()], &churned[r]).unwrap())
            .collect();
        parts.iter().for_each(|p| merged.merge(&ValidationCounts::from_bytes(&p.to_bytes()).unwrap()).unwrap());
        parts.iter().rev().for_each(|p| reversed.merge(p).unwrap());
        prop_assert_eq!(merged.to_bytes(), reversed.to_bytes());
        let whole = validate_scores(&scores, &churned, &bands, "yellow");
        match (merged.validate(&bands, "yellow"), whole) {
            (Ok(m), Ok(w)) => prop_assert_eq!(json(&m), json(&w)),
            (Err(m), Err(w)) => prop_assert_eq!(m, w),
            (m, w) => prop_assert!(false, "{:?} vs {:?}", m, w),
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), kind in 0u8..4) {
        let mut framed = b"CXST\x01\x00".to_vec();
        framed.extend_from_slice(&u16::from(kind + 1).to_le_bytes());
        framed.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        framed.extend_from_slice(&bytes);
        framed.extend_from_slice(&crc32fast::hash(&framed).to_le_bytes());
        // A valid envelope around random payload: each reader refuses or accepts, never panics.
        for b in [&bytes[..], &framed[..]] {
            let _ = Accumulator::from_bytes(b);
            let _ = GroupedAccumulator::from_bytes(b);
            let _ = FunnelState::from_bytes(b);
            let _ = ValidationCounts::from_bytes(b);
        }
    }
}

#[test]
fn weighted_merges_equal_one_pass_to_1e_12() {
    let scores: Vec<f64> = (0..1000).map(|i| f64::from(i % 11)).collect();
    let weights: Vec<f64> = (0..1000).map(|i| 0.1 + f64::from(i % 7) * 0.37).collect();
    let codes: Vec<u32> = (0..1000).map(|i| i % 3).collect();
    let keys: Vec<GroupKey> = vec![1.into(), 2.into(), 3.into()];
    let spec = MetricSpec::nps();
    let mut whole = GroupedAccumulator::new(spec.clone()).unwrap();
    whole
        .add_codes(&scores, &codes, &keys, Some(&weights), MissingPolicy::Skip)
        .unwrap();
    let mut merged = GroupedAccumulator::new(spec.clone()).unwrap();
    for r in split(1000, &[0.13, 0.5, 0.51, 0.9]) {
        let mut part = GroupedAccumulator::new(spec.clone()).unwrap();
        part.add_codes(
            &scores[r.clone()],
            &codes[r.clone()],
            &keys,
            Some(&weights[r]),
            MissingPolicy::Skip,
        )
        .unwrap();
        merged.merge(&part).unwrap();
    }
    let (a, b) = (
        merged.estimates(&Default::default()).unwrap(),
        whole.estimates(&Default::default()).unwrap(),
    );
    for (x, y) in a.rows.iter().zip(&b.rows) {
        assert_eq!((&x.key, x.estimate.n), (&y.key, y.estimate.n));
        for (u, v) in [
            (x.estimate.value, y.estimate.value),
            (x.estimate.se, y.estimate.se),
            (x.estimate.ci_low, y.estimate.ci_low),
            (x.estimate.n_effective, y.estimate.n_effective),
        ] {
            assert!((u - v).abs() <= 1e-12 * v.abs().max(1.0), "{u} vs {v}");
        }
    }
}

#[test]
fn every_state_refuses_damaged_bytes_and_other_kinds() {
    let rows: Vec<(f64, u8, i64, f64)> = (0..40)
        .map(|i| (f64::from(i % 11), (i % 3) as u8, i64::from(i * 9), 1.5))
        .collect();
    let g = grouped(&rows, true);
    damage_is_refused(&g.to_bytes(), GroupedAccumulator::from_bytes);
    let m = monthly(&rows);
    damage_is_refused(&m.to_bytes(), GroupedAccumulator::from_bytes);
    let spec = FunnelSpec {
        steps: vec![1, 2],
        window: 10,
        mode: FunnelMode::Ordered,
        as_of: Some(100),
    };
    let mut f = FunnelState::new(spec).unwrap();
    f.add(&[1u32, 1, 2, 3, 3], &[1, 2, 1, 1, 2], &[0, 5, 3, 4, 90]).unwrap();
    damage_is_refused(&f.to_bytes(), FunnelState::from_bytes);
    let v = ValidationCounts::from_scores(&[10.0, 20.0, f64::NAN, 20.0], &[true, false, false, true]).unwrap();
    damage_is_refused(&v.to_bytes(), ValidationCounts::from_bytes);

    assert_eq!(kind_of(&f.to_bytes()).unwrap(), Kind::Funnel);
    let err = GroupedAccumulator::from_bytes(&v.to_bytes()).unwrap_err();
    assert!(err.to_string().contains("holds a validation counts"), "{err}");
    // States of another metric or period do not merge.
    let mut by_week = GroupedAccumulator::by_period(MetricSpec::nps(), Period::IsoWeek).unwrap();
    let err = by_week.merge(&m).unwrap_err();
    assert!(
        err.to_string().contains("by week") && err.to_string().contains("by month"),
        "{err}"
    );
    assert!(matches!(by_week.merge(&g), Err(CxError::IncompatibleHistograms { .. })));
}

#[test]
fn decile_ties_at_the_cut_take_retained_accounts_first() {
    // Ten accounts: the decile is one account, and the lowest score is shared by a churned and a retained one.
    let scores = [5.0, 5.0, 50.0, 60.0, 60.0, 70.0, 80.0, 80.0, 90.0, 95.0];
    let churned = [true, false, true, false, false, false, false, false, false, false];
    let bands = Bands {
        names: vec!["red".into(), "green".into()],
        cuts: vec![50.0],
        cut_belongs: CutBelongs::Upper,
    };
    let v = validate_scores(&scores, &churned, &bands, "red").unwrap();
    assert_eq!((v.top_decile.n, v.top_decile.churned), (1, 0));
    let flipped = [false, true, true, false, false, false, false, false, false, false];
    assert_eq!(
        validate_scores(&scores, &flipped, &bands, "red")
            .unwrap()
            .top_decile
            .churned,
        0
    );
    // −0 and +0 are one score.
    let v = ValidationCounts::from_scores(&[-0.0, 0.0], &[true, false]).unwrap();
    assert_eq!(v.validate(&bands, "red").unwrap().auc, 0.5);
}

#[test]
fn period_states_refuse_text_keys_and_group_states_refuse_dates() {
    let mut by_month = GroupedAccumulator::by_period(MetricSpec::nps(), Period::Month).unwrap();
    let err = by_month
        .add_codes(&[9.0], &[0], &["web".into()], None, MissingPolicy::Skip)
        .unwrap_err();
    assert!(err.to_string().contains("keys[0]"), "{err}");
    let mut by_group = GroupedAccumulator::new(MetricSpec::nps()).unwrap();
    assert!(by_group.add_dates(&[9.0], &[DAY0], None, MissingPolicy::Skip).is_err());
    assert!(by_group.trend(&TrendOptions::default()).is_err());
    // An empty partition adds nothing, and a failed add adds nothing.
    by_month
        .add_dates::<f64, i64>(&[], &[], None, MissingPolicy::Skip)
        .unwrap();
    assert_eq!(by_month.groups().count(), 0);
    assert!(
        by_month
            .add_dates(&[9.0, 11.0], &[DAY0, DAY0], None, MissingPolicy::Skip)
            .is_err()
    );
    assert_eq!(by_month.groups().count(), 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn partitions_scored_against_the_merged_population_equal_the_whole_table(
        rows in prop::collection::vec(
            (prop_oneof![8 => (0u8..30).prop_map(f64::from), 1 => Just(f64::NAN)], 0.0f64..10.0, 0.0f64..100.0),
            1..200,
        ),
        cuts in prop::collection::vec(0.0f64..1.0, 0..4),
    ) {
        use cx_core::health::{Columns, Population, Scorecard, Scorer};
        let card = Scorecard::from_json(r#"{"version": 1, "name": "usage",
          "measures": [
            {"id": "logins", "weight": 2, "scoring": {"rule": "percentile", "better": "higher"}, "max_age_days": 60},
            {"id": "tickets", "weight": 1, "scoring": {"rule": "percentile", "better": "lower"}},
            {"id": "roi", "weight": 1, "scoring": {"rule": "linear", "bad": 0, "good": 10}}
          ],
          "bands": {"names": ["red", "yellow", "green"], "cuts": [40, 70]}}"#).unwrap();
        let scorer = Scorer::new(card.clone()).unwrap();
        let logins: Vec<f64> = rows.iter().map(|r| r.0).collect();
        let tickets: Vec<f64> = rows.iter().map(|r| (r.1 * 2.0).floor()).collect();
        let roi: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let ages: Vec<f64> = rows.iter().map(|r| r.2).collect();
        let columns = |r: std::ops::Range<usize>| {
            let mut c = Columns::new(vec![&logins[r.clone()], &tickets[r.clone()], &roi[r.clone()]]);
            c.ages[0] = Some(&ages[r]);
            c
        };
        let whole = scorer.score(&columns(0..rows.len()), None).unwrap();
        let parts = split(rows.len(), &cuts);
        let mut population = Population::new(&card);
        for r in &parts {
            let part = scorer.population(&columns(r.clone())).unwrap();
            population.merge(&Population::from_bytes(&part.to_bytes()).unwrap()).unwrap();
        }
        prop_assert_eq!(population.n("logins"), (0..rows.len()).filter(|&i| !logins[i].is_nan() && ages[i] <= 60.0).count() as u64);
        let mut scores = Vec::new();
        for r in parts {
            scores.extend(scorer.score_in(&columns(r), None, &population).unwrap().score);
        }
        prop_assert_eq!(json(&scores), json(&whole.score));
        damage_is_refused(&population.to_bytes(), Population::from_bytes);
    }
}
