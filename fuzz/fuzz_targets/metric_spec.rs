//! `MetricSpec::from_json`: parse, re-parse its own JSON, and score a few answers on the spec's scale.
#![no_main]
use cx_core::survey::{Accumulator, MetricSpec, MissingPolicy};
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(Ok(spec)) = text(data).map(MetricSpec::from_json) else {
        return;
    };
    let json = to_json(&spec);
    assert_eq!(MetricSpec::from_json(&json).expect("a spec re-parses"), spec);
    let scores: Vec<f64> = (0..spec.scale.points().min(12)).map(|b| spec.scale.value(b)).collect();
    let Ok(mut a) = Accumulator::new(spec) else { return };
    if a.add(&scores, None, MissingPolicy::Skip).is_ok() {
        accumulator_results(&a);
        round_trip(&a.to_bytes(), Accumulator::from_bytes, Accumulator::to_bytes).expect("own bytes decode");
    }
});
