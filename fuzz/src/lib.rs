//! Helpers shared by the fuzz targets: the state envelope written around a fuzzed payload, small valid states to
//! merge with, small facts to evaluate conditions on, and checks that turn a contained panic of the C boundary
//! into a crash the fuzzer sees.
//!
//! Every check here is an invariant of the library, not a guess: a decoded state re-encodes to the same bytes,
//! a parsed configuration re-parses from its own JSON, and nothing panics, wraps or allocates without bound (the
//! run's `-rss_limit_mb` and `-timeout` catch the last two).

use cx_core::health::{Bands, Columns, CutBelongs, Population, Scorecard, Scorer, ValidationCounts};
use cx_core::journey::{AccountFacts, FunnelMode, FunnelSpec, FunnelState, Roadmap};
use cx_core::period::Period;
use cx_core::state::{FORMAT_VERSION, Kind};
use cx_core::survey::{
    Accumulator, EstimateOptions, GroupKey, GroupOptions, GroupedAccumulator, MetricSpec, MissingPolicy, TrendOptions,
};
use serde::Serialize;

/// The sample scorecard (data/sample/scorecard.json), for populations and the scoring of parsed scorecards.
pub const SAMPLE_SCORECARD: &str = include_str!("../../data/sample/scorecard.json");

/// Wraps `payload` in a valid envelope of `kind`: magic, version, kind, length, payload and CRC-32 (the layout
/// of `cx_core::state`), so the fuzzer's bytes reach the payload decoder instead of stopping at the checksum.
pub fn envelope(kind: Kind, payload: &[u8]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(payload.len() + 16);
    buf.extend_from_slice(b"CXST");
    buf.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    buf.extend_from_slice(&(kind as u16).to_le_bytes());
    buf.extend_from_slice(
        &u32::try_from(payload.len())
            .expect("fuzz inputs are small")
            .to_le_bytes(),
    );
    buf.extend_from_slice(payload);
    let crc = crc32fast::hash(&buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    buf
}

/// The fuzzed bytes as text, or `None` (the JSON parsers all take `&str` or UTF-8 bytes).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// The round trip every state must keep: decoded bytes re-encode to bytes that decode to the same encoding.
/// Returns the state decoded, or `None` when the bytes were refused (an error, which is fine).
pub fn round_trip<T>(bytes: &[u8], decode: fn(&[u8]) -> cx_core::Result<T>, encode: fn(&T) -> Vec<u8>) -> Option<T> {
    let state = decode(bytes).ok()?;
    let first = encode(&state);
    let again = decode(&first).expect("a state's own bytes decode");
    assert_eq!(encode(&again), first, "re-encoding a decoded state changed its bytes");
    Some(state)
}

/// The generic merge of the C API on the same bytes: it decodes both sides, so it must agree with the typed path
/// (an error or a state that decodes).
pub fn merge_bytes(a: &[u8], b: &[u8]) {
    if let Ok(merged) = cx_core::state::merge(a, b) {
        cx_core::state::kind_of(&merged).expect("a merged state has a valid envelope");
    }
}

/// JSON of a value that serialises (results and configurations); a failure is a bug (e.g. a NaN where JSON
/// needs a number), reported by the panic.
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("results and configurations serialise")
}

/// A small valid accumulator of `spec`: three answers.
pub fn small_accumulator() -> Accumulator {
    let mut a = Accumulator::new(MetricSpec::nps()).expect("nps");
    a.add(&[10.0, 7.0, 3.0], None, MissingPolicy::Skip)
        .expect("valid scores");
    a
}

/// A small valid state by group (two groups) or by month (two months).
pub fn small_grouped(by_period: bool) -> GroupedAccumulator {
    if by_period {
        let mut g = GroupedAccumulator::by_period(MetricSpec::nps(), Period::Month).expect("month");
        g.add_dates(
            &[9.0, 2.0, 10.0],
            &[19_723i64, 19_760, 19_790],
            None,
            MissingPolicy::Skip,
        )
        .expect("valid rows");
        g
    } else {
        let mut g = GroupedAccumulator::new(MetricSpec::nps()).expect("nps");
        let keys: Vec<GroupKey> = vec!["web".into(), GroupKey::Int(7)];
        g.add_codes(&[9.0, 2.0, 10.0], &[0, 1, 1], &keys, None, MissingPolicy::Skip)
            .expect("valid rows");
        g
    }
}

/// The results of a state by group or by period, with default options.
pub fn grouped_results(g: &GroupedAccumulator) {
    if g.period().is_some() {
        if let Ok(t) = g.trend(&TrendOptions::default()) {
            to_json(&t);
        }
    } else if let Ok(rows) = g.estimates(&GroupOptions::default()) {
        to_json(&rows);
    }
}

/// The estimate of an accumulator and its comparison with itself.
pub fn accumulator_results(a: &Accumulator) {
    if let Ok(e) = a.estimate(&EstimateOptions::default()) {
        to_json(&e);
    }
    if let Ok(c) = a.compare(a, None, 0.95) {
        to_json(&c);
    }
}

/// A small valid funnel state: two accounts over three steps.
pub fn small_funnel() -> FunnelState {
    let spec = FunnelSpec {
        steps: vec![1, 2, 3],
        window: 10,
        mode: FunnelMode::Ordered,
        as_of: None,
    };
    let mut f = FunnelState::new(spec).expect("valid spec");
    f.add(&[1u32, 1, 2], &[1, 2, 1], &[0, 3, 5]).expect("valid events");
    f
}

/// Small valid validation counts.
pub fn small_validation() -> ValidationCounts {
    ValidationCounts::from_scores(&[10.0, 60.0, f64::NAN, 90.0], &[true, false, false, true]).expect("valid")
}

/// The bands of the sample scorecard.
pub fn sample_bands() -> Bands {
    Bands {
        names: vec!["red".into(), "yellow".into(), "green".into()],
        cuts: vec![50.0, 75.0],
        cut_belongs: CutBelongs::default(),
    }
}

/// The sample scorecard's scorer.
pub fn sample_scorer() -> Scorer {
    Scorer::new(Scorecard::from_json(SAMPLE_SCORECARD).expect("sample scorecard")).expect("valid")
}

/// Columns of three accounts for every measure of `card` (one missing value each, so the missing rules run).
pub fn columns_for(n_measures: usize) -> Vec<Vec<f64>> {
    (0..n_measures)
        .map(|m| vec![m as f64 * 0.5, f64::NAN, 1.0 + m as f64])
        .collect()
}

/// Scores three accounts with `scorer` (in `population` when given) and explains the first; errors are fine.
pub fn score_small(scorer: &Scorer, population: Option<&Population>) {
    let values = columns_for(scorer.scorecard().measures.len());
    let columns = Columns::new(values.iter().map(Vec::as_slice).collect());
    let batch = match population {
        Some(p) => scorer.score_in(&columns, None, p),
        None => scorer.score(&columns, None),
    };
    if let Ok(b) = batch {
        let _ = scorer.explain(&columns, &b, 0);
    }
}

/// A small valid population of the sample scorecard.
pub fn small_population() -> Population {
    let scorer = sample_scorer();
    let values = columns_for(scorer.scorecard().measures.len());
    scorer
        .population(&Columns::new(values.iter().map(Vec::as_slice).collect()))
        .expect("valid columns")
}

/// 2025-01-01 + `d` days (that date itself when out of chrono's range).
pub fn day(d: i64) -> chrono::NaiveDate {
    let base = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date");
    chrono::TimeDelta::try_days(d)
        .and_then(|t| base.checked_add_signed(t))
        .unwrap_or(base)
}

/// Small facts naming the metrics, events and tasks of the seeds (data/sample roadmaps), so conditions and
/// roadmaps evaluate on real values rather than only on unknowns.
pub fn small_facts() -> Vec<AccountFacts> {
    let metric = |v: &[f64]| {
        v.iter()
            .enumerate()
            .map(|(i, &x)| (day(7 * i as i64), x))
            .collect::<Vec<_>>()
    };
    let mut a = AccountFacts {
        account: "a".into(),
        start: Some(day(0)),
        anchors: [("go_live".to_string(), day(20))].into(),
        ..Default::default()
    };
    for name in [
        "dau",
        "feature_usage_rate",
        "roi_ratio",
        "orders_per_day",
        "line_friends",
        "x",
        "m",
    ] {
        a.metrics.insert(name.into(), metric(&[1.0, 40.0, 0.5, 80.0, 0.0]));
    }
    a.events.insert("nps_response".into(), vec![day(3), day(30)]);
    for task in ["adoption_decision", "initial_setup", "kickoff_meeting", "t"] {
        a.tasks.insert(task.into(), day(10));
    }
    let b = AccountFacts {
        account: "b".into(),
        start: Some(day(5)),
        ..Default::default()
    };
    vec![a, b]
}

/// Evaluates `roadmap` on the small facts 60 days in, then its portfolio; errors are fine.
pub fn evaluate_small(roadmap: &Roadmap, facts: &[AccountFacts]) {
    if let Ok(e) = roadmap.evaluate_all(facts, day(60)) {
        to_json(&e);
        if let Ok(p) = roadmap.portfolio(&e) {
            to_json(&p);
        }
    }
}

/// A one-stage roadmap whose exit and guided action are `condition` (given as JSON, string or typed form).
pub fn roadmap_with(condition: &serde_json::Value) -> cx_core::Result<Roadmap> {
    let doc = serde_json::json!({
        "version": 1,
        "name": "fuzz",
        "stages": [{"id": "s", "name": "S", "exit": condition, "expected_days": 14}],
        "actions": [{"id": "a", "name": "A", "kind": "risk", "when": condition, "target": "t"}],
    });
    Roadmap::from_json(doc.to_string().as_bytes())
}

/// A status of the C library: a contained panic is a crash for the fuzzer (the boundary would hide it).
pub fn check_status(status: cx::status::cx_status, call: &str) {
    if status == cx::status::cx_status::Panic {
        panic!("{call}: {}", cx::boundary::last_error());
    }
}
