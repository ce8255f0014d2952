//! `Roadmap::from_json` (stages, tasks, guided actions and their conditions): parse, re-parse its own JSON,
//! derive health candidates and the scorecard skeleton, and evaluate two small accounts and the portfolio.
#![no_main]
use cx_core::health::Scorer;
use cx_core::journey::Roadmap;
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(roadmap) = Roadmap::from_json(data) else { return };
    let json = roadmap.to_json();
    assert_eq!(
        Roadmap::from_json(json.as_bytes())
            .expect("a roadmap re-parses")
            .to_json(),
        json
    );
    let _ = roadmap.validate();
    to_json(&roadmap.health_candidates());
    if let Ok(Ok(scorer)) = roadmap.scorecard_skeleton().map(Scorer::new) {
        score_small(&scorer, None);
    }
    evaluate_small(&roadmap, &small_facts());
});
