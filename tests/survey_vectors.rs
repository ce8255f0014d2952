//! Every case of the golden vectors in `tests/data/survey.json` (copied from `shared/vectors/`), through the
//! public API. Tolerance 1e-4 unless the case says otherwise.

use cx_core::CxError;
use cx_core::survey::{
    EstimateOptions, Histogram, IntervalMethod, MetricSpec, MissingPolicy, OneSampleTest, estimate,
    histogram_from_category_counts, nps_from_counts, one_sample_test, score,
};
use serde_json::Value;

const TOL: f64 = 1e-4;

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/survey.json")).expect("valid vectors")
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("number")
}

fn pair(v: &Value) -> (f64, f64) {
    (f(&v[0]), f(&v[1]))
}

fn counts(v: &Value) -> (u64, u64, u64) {
    let c: Vec<u64> = v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect();
    (c[0], c[1], c[2])
}

fn raw_scores(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| if x.is_string() { f64::NAN } else { f(x) })
        .collect()
}

fn close(case: &Value, what: &str, got: f64, want: f64) {
    assert!((got - want).abs() < TOL, "{what}: got {got}, want {want} in {case}");
}

fn with(method: &str, level: f64) -> EstimateOptions {
    EstimateOptions {
        interval: Some(IntervalMethod::parse(method).unwrap()),
        level,
        ..Default::default()
    }
}

#[test]
fn nps_point_and_variance() {
    let v = vectors();
    let cases = v["nps_point_and_variance"].as_array().unwrap();
    assert_eq!(cases.len(), 20);
    for case in cases {
        let e = if case["counts"].is_array() {
            let (d, q, p) = counts(&case["counts"]);
            nps_from_counts(d, q, p, &Default::default()).unwrap()
        } else {
            score(
                &MetricSpec::nps(),
                &raw_scores(&case["raw_scores"]),
                None,
                &Default::default(),
            )
            .unwrap()
        };
        if let Some(nps) = case.get("nps") {
            close(case, "nps", e.value / 100.0, f(nps));
        }
        if let Some(points) = case.get("nps_points") {
            close(case, "nps_points", e.value, f(points));
        }
        if let Some(variance) = case.get("variance") {
            let per_respondent = (e.se / 100.0).powi(2) * e.n as f64;
            close(case, "variance", per_respondent, f(variance));
        }
        if let Some(se) = case.get("se") {
            close(case, "se", e.se / 100.0, f(se));
        }
    }
}

#[test]
fn nps_intervals() {
    let v = vectors();
    let spec = MetricSpec::nps();
    for case in v["nps_intervals"].as_array().unwrap() {
        let (d, q, p) = counts(&case["counts"]);
        let h = histogram_from_category_counts(&spec, d, q, p).unwrap();
        if let Some(nps) = case.get("nps") {
            close(
                case,
                "nps",
                estimate(&spec, &h, &Default::default()).unwrap().value / 100.0,
                f(nps),
            );
        }
        for method in ["wald", "agresti_min", "bonett_price", "tango"] {
            if let Some(want) = case.get(method) {
                let e = estimate(&spec, &h, &with(method, 0.95)).unwrap();
                let (lo, hi) = pair(want);
                close(case, &format!("{method} low"), e.ci_low / 100.0, lo);
                close(case, &format!("{method} high"), e.ci_high / 100.0, hi);
            }
        }
        if let Some(se) = case.get("wald_se") {
            close(
                case,
                "wald_se",
                estimate(&spec, &h, &with("wald", 0.95)).unwrap().se / 100.0,
                f(se),
            );
        }
        let test = |t| one_sample_test(&spec, &h, t, 0.0).unwrap();
        if let Some(z) = case.get("one_sample_score_test_z") {
            close(case, "score z", test(OneSampleTest::Score).statistic.unwrap(), f(z));
            close(
                case,
                "score p",
                test(OneSampleTest::Score).p_value,
                f(&case["one_sample_score_test_p"]),
            );
            close(
                case,
                "exact p",
                test(OneSampleTest::Exact).p_value,
                f(&case["one_sample_exact_p"]),
            );
            close(
                case,
                "mid-p",
                test(OneSampleTest::MidP).p_value,
                f(&case["one_sample_mid_p"]),
            );
        }
    }
}

/// k successes out of n as binary CSAT responses.
fn binary(k: u64, n: u64) -> Histogram {
    let spec = MetricSpec::binary_csat();
    histogram_from_category_counts(&spec, n - k, 0, k).unwrap()
}

#[test]
fn proportion_intervals() {
    let v = vectors();
    let spec = MetricSpec::binary_csat();
    for case in v["proportion_intervals"].as_array().unwrap() {
        let (k, n) = (case["k"].as_u64().unwrap(), case["n"].as_u64().unwrap());
        let level = case.get("level").map_or(0.95, f);
        let h = binary(k, n);
        if let Some(est) = case.get("estimate") {
            close(
                case,
                "estimate",
                estimate(&spec, &h, &Default::default()).unwrap().value / 100.0,
                f(est),
            );
        }
        for method in ["wilson", "jeffreys", "clopper_pearson"] {
            if let Some(want) = case.get(method) {
                let e = estimate(&spec, &h, &with(method, level)).unwrap();
                let (lo, hi) = pair(want);
                close(case, &format!("{method} low"), e.ci_low / 100.0, lo);
                close(case, &format!("{method} high"), e.ci_high / 100.0, hi);
                assert_eq!(e.method.name(), method);
            }
        }
        for (key, method) in [
            ("agresti_coull_add2", "agresti_coull_add2"),
            ("agresti_coull_z2", "agresti_coull_z2"),
        ] {
            if let Some(want) = case.get(key) {
                let e = estimate(&spec, &h, &with(method, level)).unwrap();
                let (lo, hi) = pair(&want["interval"]);
                close(case, &format!("{method} low"), e.ci_low / 100.0, lo);
                close(case, &format!("{method} high"), e.ci_high / 100.0, hi);
                if let Some(centre) = want.get("estimate") {
                    // The Agresti–Coull interval is centred on its adjusted estimate (not truncated here).
                    close(case, "agresti-coull centre", (e.ci_low + e.ci_high) / 200.0, f(centre));
                }
            }
        }
    }
}

#[test]
fn csat_simple() {
    let v = vectors();
    for case in v["csat_simple"].as_array().unwrap() {
        let e = score(
            &MetricSpec::csat(),
            &raw_scores(&case["raw_scores"]),
            None,
            &Default::default(),
        )
        .unwrap();
        close(case, "csat", e.value, f(&case["csat_percent"]));
    }
}

#[test]
fn must_fail() {
    let v = vectors();
    let spec = MetricSpec::nps();
    let run = |scores: &[f64], weights: Option<&[f64]>| score(&spec, scores, weights, &Default::default());
    let cases = v["must_fail"].as_array().unwrap();
    assert_eq!(cases.len(), 7);
    for case in cases {
        let name = case["case"].as_str().unwrap();
        let scores = case.get("raw_scores").map(raw_scores);
        match name {
            "empty input" => {
                let err = run(&scores.unwrap(), None).unwrap_err();
                assert!(matches!(err, CxError::EmptyInput { .. }), "{err}");
                // Empty also fails from counts: never an NPS of 0.
                assert!(matches!(
                    nps_from_counts(0, 0, 0, &Default::default()),
                    Err(CxError::EmptyInput { .. })
                ));
            }
            "out of range for NPS" => {
                let scores = scores.unwrap();
                let err = run(&scores, None).unwrap_err();
                assert_eq!(
                    err,
                    CxError::ScoreOutOfRange {
                        value: scores[0],
                        index: 0,
                        min: 0,
                        max: 10
                    }
                );
                assert!(err.to_string().contains(&format!("{}", scores[0])) && err.to_string().contains("index 0"));
            }
            "non-integer rating on an integer scale" => {
                let err = run(&scores.unwrap(), None).unwrap_err();
                assert_eq!(
                    err,
                    CxError::NonIntegerScore {
                        value: 6.5,
                        index: 0,
                        min: 0,
                        max: 10
                    }
                );
                assert!(err.to_string().contains("6.5"));
            }
            "missing value with missing='skip'" => {
                let e = run(&scores.clone().unwrap(), None).unwrap();
                assert_eq!((e.value, e.n, e.n_missing), (50.0, 2, 1));
                let strict = EstimateOptions {
                    missing: MissingPolicy::Error,
                    ..Default::default()
                };
                let err = score(&spec, &scores.unwrap(), None, &strict).unwrap_err();
                assert_eq!(
                    err,
                    CxError::MissingValue {
                        what: "scores".into(),
                        index: 1
                    }
                );
            }
            "weights length differs from scores length" => {
                let err = run(&[9.0, 7.0, 3.0], Some(&[1.0, 2.0])).unwrap_err();
                assert_eq!(
                    err,
                    CxError::LengthMismatch {
                        what: "weights".into(),
                        expected: 3,
                        found: 2
                    }
                );
            }
            "negative or non-finite weight" => {
                for bad in [-0.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                    let err = run(&[9.0, 7.0, 3.0], Some(&[1.0, 1.0, bad])).unwrap_err();
                    assert!(matches!(err, CxError::InvalidWeight { index: 2, .. }), "{err}");
                }
            }
            other => panic!("unhandled must_fail case {other}"),
        }
    }
}
