//! `Scorecard::from_json` (the health scorecard, also behind `cx_scorecard_from_json`): parse, re-parse its own
//! JSON, build the scorer and score three accounts (with a population when it has percentile measures).
#![no_main]
use cx_core::health::{Columns, Scorecard, Scorer};
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(Ok(card)) = text(data).map(Scorecard::from_json) else {
        return;
    };
    let json = card.to_json();
    assert_eq!(
        Scorecard::from_json(&json).expect("a scorecard re-parses").to_json(),
        json
    );
    let Ok(scorer) = Scorer::new(card) else { return };
    score_small(&scorer, None);
    let values = columns_for(scorer.scorecard().measures.len());
    if let Ok(p) = scorer.population(&Columns::new(values.iter().map(Vec::as_slice).collect())) {
        score_small(&scorer, Some(&p));
    }
});
