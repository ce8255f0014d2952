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

// ---- States from untrusted bytes (issue 20, item 5 and the trend part of item 11) ----
//
// The checksum proves nothing about who wrote a state (`state::wrap` computes it for any payload), so every
// decoder must validate what it reads, and a state that decodes must merge, score and trend without panicking
// or allocating from a key it did not check.

use cx_core::state;
use cx_core::survey::{Categories, Direction, PointRange, Scale, Scoring};

/// A grouped state's payload written field by field in the state format (LEB128 varints, zigzag signed
/// integers, IEEE floats, length-prefixed strings), so a test can write what no writer in cx would.
#[derive(Default)]
struct Payload(Vec<u8>);

impl Payload {
    fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }

    fn varint(mut self, mut v: u64) -> Self {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
        self
    }

    fn signed(self, v: i64) -> Self {
        self.varint(((v << 1) ^ (v >> 63)) as u64)
    }

    fn str(mut self, s: &str) -> Self {
        self = self.varint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    fn f64(mut self, v: f64) -> Self {
        self.0.extend_from_slice(&v.to_bits().to_le_bytes());
        self
    }

    /// The header of a grouped state: spec, period and the number of keys.
    fn grouped(spec: &MetricSpec, period: Option<Period>, n_keys: usize) -> Self {
        let p = Payload::default().str(&json(spec));
        let p = match period {
            None => p.u8(0),
            Some(period) => p.u8(1).str(&json(&period)),
        };
        p.varint(n_keys as u64)
    }

    /// An integer key and its histogram: counts per point, missing, and weight sums when given.
    fn int_key(self, key: i64, scale: Scale, counts: &[u64], n_missing: u64, sums: Option<(&[f64], &[f64])>) -> Self {
        let mut p = self
            .u8(0)
            .signed(key)
            .signed(i64::from(scale.min))
            .signed(i64::from(scale.max));
        p = p.varint(counts.len() as u64);
        for &c in counts {
            p = p.varint(c);
        }
        p = p.varint(n_missing);
        match sums {
            None => p.u8(0),
            Some((sum, sum_sq)) => {
                p = p.u8(1);
                for &x in sum.iter().chain(sum_sq) {
                    p = p.f64(x);
                }
                p
            }
        }
    }

    /// The payload in a valid envelope and checksum: what anyone can send.
    fn wrap(&self) -> Vec<u8> {
        state::wrap(Kind::GroupedAccumulator, &self.0)
    }
}

/// One response at the top point of `scale`.
fn one_top(scale: Scale) -> Vec<u64> {
    let mut counts = vec![0; scale.points()];
    *counts.last_mut().unwrap() = 1;
    counts
}

/// A 1001-point metric (the largest scale a spec allows): the worst case for per-period histograms.
fn per_mille() -> MetricSpec {
    let scale = Scale { min: 0, max: 1000 };
    let categories = Categories {
        positive: PointRange { lo: 900, hi: 1000 },
        negative: None,
    };
    MetricSpec::new(
        "per mille",
        scale,
        Direction::HigherIsBetter,
        categories,
        Scoring::TopBox,
    )
    .unwrap()
}

#[test]
fn the_payload_helper_writes_what_to_bytes_writes() {
    let mut real = GroupedAccumulator::by_period(MetricSpec::nps(), Period::Month).unwrap();
    real.add_dates(
        &[10.0, 3.0, 8.0],
        &[DAY0, DAY0 + 40, DAY0 + 41],
        Some(&[1.5, 2.0, 0.5]),
        MissingPolicy::Skip,
    )
    .unwrap();
    let nps = MetricSpec::nps().scale;
    let mut p = Payload::grouped(&MetricSpec::nps(), Some(Period::Month), real.groups().count());
    for (key, h) in real.groups() {
        let GroupKey::Int(k) = key else { unreachable!() };
        let sums: Vec<Vec<f64>> = {
            // Unit weights are stored as none; the others travel as sums per point.
            let json: serde_json::Value = serde_json::to_value(h).unwrap();
            ["weight_sum", "weight_sum_sq"]
                .iter()
                .map(|f| {
                    json[f]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x.as_f64().unwrap())
                        .collect()
                })
                .collect()
        };
        p = p.int_key(*k, nps, h.counts(), h.n_missing(), Some((&sums[0], &sums[1])));
    }
    assert_eq!(p.wrap(), real.to_bytes());
}

#[test]
fn period_keys_outside_the_calendar_are_refused_when_read() {
    // The reproducer's shapes: keys at the ends of i64 (a period with no start), far apart keys whose span
    // overflows (the trend's capacity overflow), and keys just past the calendar for every period.
    let nps = MetricSpec::nps();
    let month = Period::Month;
    let shapes: Vec<Vec<i64>> = vec![
        vec![i64::MAX],
        vec![i64::MIN],
        vec![i64::MIN, i64::MAX],
        vec![-(1 << 62), 1 << 62],
        vec![0, *month.key_range().end() + 1],
    ];
    for keys in shapes {
        let mut p = Payload::grouped(&nps, Some(month), keys.len());
        for &k in &keys {
            p = p.int_key(k, nps.scale, &one_top(nps.scale), 0, None);
        }
        let err = GroupedAccumulator::from_bytes(&p.wrap()).unwrap_err();
        assert!(matches!(err, CxError::InvalidConfig { .. }), "{keys:?}: {err}");
        assert!(
            err.to_string().contains("outside the supported calendar"),
            "{keys:?}: {err}"
        );
    }
    let periods = [
        Period::Day,
        Period::IsoWeek,
        Period::Month,
        Period::Quarter { fiscal_start_month: 4 },
        Period::Year { fiscal_start_month: 7 },
    ];
    for period in periods {
        let range = period.key_range();
        for (key, ok) in [
            (*range.start() - 1, false),
            (*range.start(), true),
            (*range.end(), true),
            (*range.end() + 1, false),
        ] {
            let p = Payload::grouped(&nps, Some(period), 1).int_key(key, nps.scale, &one_top(nps.scale), 0, None);
            let read = GroupedAccumulator::from_bytes(&p.wrap());
            assert_eq!(read.is_ok(), ok, "{period:?} key {key}: {read:?}");
            if let Ok(state) = read {
                // The calendar's first and last periods trend, labels and dates included.
                let t = state.trend(&TrendOptions::default()).unwrap();
                assert_eq!((t.rows.len(), t.rows[0].n), (1, 1));
                assert!(t.rows[0].start <= t.rows[0].end);
            }
        }
    }
    // Keys in range but spanning more than MAX_PERIODS periods: the limit, named.
    let p = Payload::grouped(&nps, Some(Period::Day), 2)
        .int_key(0, nps.scale, &one_top(nps.scale), 0, None)
        .int_key(cx_core::survey::MAX_PERIODS, nps.scale, &one_top(nps.scale), 0, None);
    let err = GroupedAccumulator::from_bytes(&p.wrap()).unwrap_err();
    assert!(
        matches!(
            err,
            CxError::LimitExceeded {
                limit: 100_000,
                found: 100_001,
                ..
            }
        ),
        "{err}"
    );
    // The same keys given to add_codes of a state by period are refused there.
    let mut by_month = GroupedAccumulator::by_period(nps, month).unwrap();
    let err = by_month
        .add_codes(
            &[9.0, 10.0],
            &[0, 1],
            &[GroupKey::Int(5), GroupKey::Int(i64::MAX)],
            None,
            MissingPolicy::Skip,
        )
        .unwrap_err();
    assert!(err.to_string().contains("keys[1]"), "{err}");
    assert_eq!(by_month.groups().count(), 0);
}

#[test]
fn counts_that_overflow_are_refused_when_read_and_when_merged() {
    let nps = MetricSpec::nps();
    let mut counts = vec![0; 11];
    counts[10] = u64::MAX;
    // u64::MAX responses plus one missing: n() + n_missing() would wrap.
    let p = Payload::grouped(&nps, None, 1).int_key(1, nps.scale, &counts, 1, None);
    let err = GroupedAccumulator::from_bytes(&p.wrap()).unwrap_err();
    // Refused by the histogram's own decoder (the group's counts) before the state's total is checked.
    assert!(err.to_string().contains("more than 2^64 - 1 responses"), "{err}");
    counts[0] = 1;
    let p = Payload::grouped(&nps, None, 1).int_key(1, nps.scale, &counts, 0, None);
    assert!(GroupedAccumulator::from_bytes(&p.wrap()).is_err());
    // Each state fits; their merge would not.
    let mut half = vec![0; 11];
    half[9] = 1 << 63;
    let p = Payload::grouped(&nps, Some(Period::Month), 1).int_key(24_300, nps.scale, &half, 0, None);
    let a = GroupedAccumulator::from_bytes(&p.wrap()).unwrap();
    let mut merged = a.clone();
    let err = merged.merge(&a).unwrap_err();
    assert!(matches!(err, CxError::Overflow { .. }), "{err}");
    assert!(err.to_string().contains("9223372036854775808"), "{err}");
    assert_eq!(merged, a); // unchanged
    let err = state::merge(&a.to_bytes(), &a.to_bytes()).unwrap_err();
    assert!(matches!(err, CxError::Overflow { .. }), "{err}");
    // The decoded state still scores and trends.
    assert_eq!(a.trend(&TrendOptions::default()).unwrap().rows[0].n, 1 << 63);
    assert_eq!(
        a.estimates(&GroupOptions::default()).unwrap().rows[0].estimate.n,
        1 << 63
    );
}

/// Bytes allocated by the current thread (other tests run on other threads), to bound what a trend allocates.
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    pub struct Counting;

    thread_local! {
        static ALLOCATED: Cell<u64> = const { Cell::new(0) };
    }

    // SAFETY: every call is forwarded to the system allocator unchanged; the counter only observes sizes.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let _ = ALLOCATED.try_with(|a| a.set(a.get() + layout.size() as u64));
            // SAFETY: the caller's layout is passed through.
            unsafe { System.alloc(layout) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: `ptr` came from `alloc` above, i.e. from the system allocator, with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let _ = ALLOCATED.try_with(|a| a.set(a.get() + new_size as u64));
            // SAFETY: as for `dealloc`, and `new_size` is the caller's.
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    /// Bytes allocated by this thread while `f` runs (frees not subtracted: an upper bound of the peak).
    pub fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, u64) {
        let before = ALLOCATED.with(Cell::get);
        let out = f();
        (out, ALLOCATED.with(Cell::get) - before)
    }
}

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

#[test]
fn a_sparse_state_trends_without_materialising_its_empty_periods() {
    // The reproducer: a small state with two days 99,999 days apart on a 1001-point scale. Dense per-period
    // histograms took 100,000 × 1001 × 8 bytes (800 MB, 866 MB measured); the rows alone are ~100 × smaller.
    let spec = per_mille();
    let scale = spec.scale;
    let last = cx_core::survey::MAX_PERIODS - 1;
    let p = Payload::grouped(&spec, Some(Period::Day), 2)
        .int_key(0, scale, &one_top(scale), 0, None)
        .int_key(last, scale, &one_top(scale), 0, None);
    let bytes = p.wrap();
    assert!(bytes.len() < 2500, "{} bytes", bytes.len());
    let state = GroupedAccumulator::from_bytes(&bytes).unwrap();
    let (t, allocated) = counting::allocated_by(|| state.trend(&TrendOptions::default()).unwrap());
    assert_eq!(t.rows.len(), 100_000);
    assert_eq!((t.rows[0].n, t.rows[1].n, t.rows[99_999].n), (1, 0, 1));
    assert_eq!(t.rows[99_999].label, "2243-10-16");
    let rows = (t.rows.len() * std::mem::size_of::<cx_core::survey::TrendRow>()) as u64;
    assert!(
        allocated < 2 * rows + (8 << 20),
        "{allocated} bytes for {rows} bytes of rows"
    );
    assert!(allocated < 100 << 20, "{allocated} bytes");
    // The same trend built from rows allocates per period; that is capped relative to the rows.
    let err = trend(
        &spec,
        &[1000.0, 1000.0],
        &[0i64, last],
        None,
        &TrendOptions {
            period: Period::Day,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, CxError::LimitExceeded { .. }), "{err}");
    assert!(err.to_string().contains("scale points"), "{err}");
}

/// A structured random payload: each field is usually valid and sometimes not (one insane key, one insane
/// weight, a wrong number of counts, keys out of order, a truncated or padded payload), so decoding reaches every
/// check and, often enough, succeeds and goes on to merge, score and trend.
fn random_payload() -> impl Strategy<Value = Vec<u8>> {
    // Small counts, and sometimes one huge count per histogram (several usually overflow, which is refused).
    let counts = (
        prop::collection::vec(0u64..4, 11),
        prop::option::weighted(
            0.2,
            (0usize..11, prop_oneof![Just(1u64 << 63), Just(u64::MAX), any::<u64>()]),
        ),
    )
        .prop_map(|(mut c, huge)| {
            if let Some((i, x)) = huge {
                c[i] = x;
            }
            c
        });
    let insane_key = prop_oneof![
        Just(i64::MIN),
        Just(i64::MAX),
        Just(*Period::Month.key_range().end()),
        Just(*Period::Month.key_range().end() + 1),
        Just(*Period::Day.key_range().start() - 1),
        Just(24_000 + cx_core::survey::MAX_PERIODS),
        any::<i64>(),
    ];
    let insane_weight = prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-1.0), Just(1e308), Just(0.0)];
    let sums = (
        prop::collection::vec((0u8..8).prop_map(f64::from), 22),
        prop::option::weighted(0.3, (0usize..22, insane_weight)),
    )
        .prop_map(|(mut w, bad)| {
            if let Some((i, x)) = bad {
                w[i] = x;
            }
            (w[..11].to_vec(), w[11..].to_vec())
        });
    let histogram = (
        counts,
        prop_oneof![8 => 0u64..3, 1 => any::<u64>()],
        prop::option::weighted(0.3, sums),
        prop::option::weighted(0.05, 0u8..12), // a wrong number of counts
    );
    let spec = prop_oneof![Just(MetricSpec::nps()), Just(MetricSpec::csat10())];
    let period = prop_oneof![Just(None), Just(Some(Period::Month)), Just(Some(Period::Day))];
    let groups = prop::collection::vec((prop_oneof![4 => 24_000i64..24_400, 1 => -3i64..3], histogram), 0..6);
    let bad_key = prop::option::weighted(0.25, (0usize..6, insane_key));
    (spec, period, groups, bad_key, 0u8..20).prop_map(|(spec, period, mut groups, bad_key, noise)| {
        if let Some((i, k)) = bad_key
            && i < groups.len()
        {
            groups[i].0 = k;
        }
        if noise > 2 {
            groups.sort_by_key(|g| g.0); // usually in order, sometimes not (and sometimes repeated)
        }
        let mut p = Payload::grouped(&spec, period, groups.len());
        for (key, (counts, n_missing, sums, wrong_len)) in &groups {
            // csat10 has 10 points, nps 11.
            let points = spec.scale.points();
            let counts = &counts[..wrong_len.map_or(points, usize::from)];
            let sums = sums.as_ref().map(|(s, q)| (&s[..points], &q[..points]));
            p = p.int_key(*key, spec.scale, counts, *n_missing, sums);
        }
        match noise {
            0 => p.0.truncate(p.0.len().saturating_sub(3)),
            1 => p.0.push(0),
            _ => {}
        }
        p.0
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn decoded_states_from_any_payload_merge_score_and_trend_without_panic(payload in random_payload()) {
        let bytes = state::wrap(Kind::GroupedAccumulator, &payload);
        prop_assert_eq!(kind_of(&bytes).unwrap(), Kind::GroupedAccumulator);
        // Decoding is Ok or a typed error; the error of a bad payload names a byte offset.
        let Ok(state) = GroupedAccumulator::from_bytes(&bytes) else { return Ok(()) };
        // A decoded state round-trips, merges (with itself and with an empty state) and computes, never
        // panicking: errors are allowed (overflow, too few responses), panics are not.
        prop_assert_eq!(&GroupedAccumulator::from_bytes(&state.to_bytes()).unwrap(), &state);
        let mut twice = state.clone();
        let doubled = twice.merge(&state);
        if doubled.is_err() {
            prop_assert_eq!(&twice, &state);
        }
        let _ = state::merge(&bytes, &bytes);
        let _ = state.estimates(&GroupOptions { compare_to_rest: Some(CompareMethod::Wald), ..Default::default() });
        if state.period().is_some() && state.groups().count() > 0 {
            let t = state.trend(&TrendOptions::default());
            if let Ok(t) = &t {
                prop_assert!(t.rows.len() as i64 <= cx_core::survey::MAX_PERIODS);
                // A state's responses add to at most 2^64 - 1, so these sums cannot overflow.
                prop_assert_eq!(t.rows.iter().map(|r| r.n).sum::<u64>(), state.groups().map(|(_, h)| h.n()).sum::<u64>());
            }
            let _ = twice.trend(&TrendOptions::default());
        }
    }
}
