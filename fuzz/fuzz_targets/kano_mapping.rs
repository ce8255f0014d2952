//! `AnswerMapping::from_json` (Kano answer labels and codes): parse, then look up labels and codes.
#![no_main]
use cx_core::two_factor::AnswerMapping;
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(Ok(mapping)) = text(data).map(AnswerMapping::from_json) else {
        return;
    };
    let json = to_json(&mapping);
    assert_eq!(AnswerMapping::from_json(&json).expect("a mapping re-parses"), mapping);
    for label in ["like", "I like it", "must-be", "neutral", "live with", "dislike", ""] {
        let _ = mapping.label(label, "answers", 0);
    }
    for code in [-1, 0, 1, 2, 3, 4, 5, 6, i64::MIN, i64::MAX] {
        let _ = mapping.code(code, "answers", 0);
    }
});
