//! Health-score invariants for any scorecard and data: scores in [0, 100], coverage in [0, 1], contributions that
//! add up, and "exclude" renormalisation equal to scoring only the observed measures.

use cx_core::health::{Columns, Scorecard, Scorer};
use proptest::prelude::*;
use serde_json::{Value, json};

/// A random two-level scorecard: `groups` groups under the root, each measure in one group (or none).
#[derive(Debug, Clone)]
struct Shape {
    group_weights: Vec<f64>,
    /// (weight, group index or None, bad, good)
    measures: Vec<(f64, Option<usize>, f64, f64)>,
}

fn shapes() -> impl Strategy<Value = Shape> {
    (1usize..4).prop_flat_map(|n_groups| {
        let measure = (
            prop::sample::select(vec![0.5, 1.0, 2.0, 3.0]),
            prop::option::of(0..n_groups),
            -10.0..10.0f64,
            prop_oneof![-20.0..-11.0f64, 11.0..20.0f64],
        );
        (
            prop::collection::vec(prop::sample::select(vec![0.5, 1.0, 2.0]), n_groups),
            prop::collection::vec(measure, 1..7),
        )
            .prop_map(|(group_weights, measures)| Shape {
                group_weights,
                measures,
            })
    })
}

fn scorecard(shape: &Shape, keep: &[bool]) -> Option<Scorecard> {
    let used: Vec<bool> = (0..shape.group_weights.len())
        .map(|g| shape.measures.iter().zip(keep).any(|(m, &k)| k && m.1 == Some(g)))
        .collect();
    let groups: Vec<Value> = (shape.group_weights.iter().enumerate())
        .filter(|&(g, _)| used[g])
        .map(|(g, w)| json!({"id": format!("g{g}"), "weight": w}))
        .collect();
    let measures: Vec<Value> = (shape.measures.iter().enumerate())
        .filter(|&(m, _)| keep[m])
        .map(|(m, &(w, g, bad, good))| {
            json!({"id": format!("m{m}"), "weight": w, "group": g.map(|g| format!("g{g}")),
                   "scoring": {"rule": "linear", "bad": bad, "good": good}})
        })
        .collect();
    if measures.is_empty() {
        return None;
    }
    let card = json!({"version": 1, "name": "p", "groups": groups, "measures": measures, "min_coverage": 0.0,
                      "bands": {"names": ["r", "y", "g"], "cuts": [50, 75]}});
    Some(Scorecard::from_json(&card.to_string()).unwrap())
}

fn data(n_measures: usize) -> impl Strategy<Value = Vec<Vec<f64>>> {
    prop::collection::vec(
        prop::collection::vec(prop_oneof![4 => -30.0..30.0f64, 1 => Just(f64::NAN)], 12),
        n_measures,
    )
}

fn shape_and_data() -> impl Strategy<Value = (Shape, Vec<Vec<f64>>)> {
    shapes().prop_flat_map(|s| {
        let n = s.measures.len();
        (Just(s), data(n))
    })
}

proptest! {
    #[test]
    fn bounds_hold_and_contributions_add_up((shape, values) in shape_and_data()) {
        let card = scorecard(&shape, &vec![true; shape.measures.len()]).unwrap();
        let scorer = Scorer::new(card).unwrap();
        let columns = Columns::new(values.iter().map(Vec::as_slice).collect());
        let batch = scorer.score(&columns, None).unwrap();
        for i in 0..12 {
            let s = batch.score[i];
            prop_assert!(s.is_nan() || (0.0..=100.0).contains(&s));
            prop_assert!((0.0..=1.0).contains(&batch.coverage[i]));
            let all_missing = values.iter().all(|v| v[i].is_nan());
            prop_assert_eq!(s.is_nan(), all_missing);
            if !s.is_nan() {
                let total: f64 = batch.contribution.iter().map(|c| c[i]).sum();
                prop_assert!((total - s).abs() < 1e-9, "contributions {} vs score {}", total, s);
                let e = scorer.explain(&columns, &batch, i).unwrap();
                let weights: f64 = e.measures.iter().map(|m| m.effective_weight).sum();
                prop_assert!((weights - 1.0).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn renormalising_equals_scoring_only_the_observed_measures((shape, values) in shape_and_data()) {
        let full = Scorer::new(scorecard(&shape, &vec![true; shape.measures.len()]).unwrap()).unwrap();
        let batch = full.score(&Columns::new(values.iter().map(Vec::as_slice).collect()), None).unwrap();
        for i in 0..12 {
            let keep: Vec<bool> = values.iter().map(|v| !v[i].is_nan()).collect();
            let Some(card) = scorecard(&shape, &keep) else { continue };
            let observed: Vec<&[f64]> = (values.iter().zip(&keep))
                .filter(|(_, k)| **k)
                .map(|(v, _)| &v[i..=i])
                .collect();
            let only = Scorer::new(card).unwrap().score(&Columns::new(observed), None).unwrap();
            prop_assert!((only.score[0] - batch.score[i]).abs() < 1e-9,
                "observed-only {} vs renormalised {}", only.score[0], batch.score[i]);
            prop_assert_eq!(only.coverage[0], 1.0);
        }
    }
}
