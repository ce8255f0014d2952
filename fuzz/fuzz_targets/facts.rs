//! `FactsDocument::from_json` (journey facts of `evaluate_json` / `cx_roadmap_evaluate_json`): parse, re-parse
//! its own JSON and evaluate the accounts on both sample roadmaps.
#![no_main]
use cx_core::journey::{FactsDocument, Roadmap};
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

const ROADMAPS: [&str; 2] = [
    include_str!("../../data/sample/golive_roadmap.json"),
    include_str!("../../data/sample/success_roadmap.json"),
];

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = FactsDocument::from_json(data) else {
        return;
    };
    let json = to_json(&doc);
    assert_eq!(
        to_json(&FactsDocument::from_json(json.as_bytes()).expect("facts re-parse")),
        json
    );
    for r in ROADMAPS {
        evaluate_small(
            &Roadmap::from_json(r.as_bytes()).expect("sample roadmap"),
            &doc.accounts,
        );
    }
});
