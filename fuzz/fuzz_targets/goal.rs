//! `Goal::from_json` (a SMART goal): parse, re-parse its own JSON, its target value, survey metric and check.
#![no_main]
use cx_core::goals::Goal;
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(Ok(goal)) = text(data).map(Goal::from_json) else {
        return;
    };
    let json = goal.to_json();
    assert_eq!(Goal::from_json(&json).expect("a goal re-parses").to_json(), json);
    let _ = goal.validate();
    let _ = goal.target_value();
    let _ = goal.survey_metric();
    if let Ok(check) = goal.check(None) {
        to_json(&check);
    }
});
