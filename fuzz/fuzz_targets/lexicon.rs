//! `Lexicon::from_json` (feedback tagging themes): parse, validate, re-parse its own JSON and tag a few texts.
#![no_main]
use cx_core::two_factor::{Lexicon, tag_texts};
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

const TEXTS: [Option<&str>; 5] = [
    Some("The app is slow and the login keeps failing"),
    Some("サポートの対応が遅い。料金が高い"),
    None,
    Some(""),
    Some("great price, friendly staff, easy to use"),
];

fuzz_target!(|data: &[u8]| {
    let Some(Ok(lexicon)) = text(data).map(Lexicon::from_json) else {
        return;
    };
    let _ = lexicon.validate();
    let json = lexicon.to_json();
    assert_eq!(Lexicon::from_json(&json).expect("a lexicon re-parses").to_json(), json);
    if let Ok(t) = tag_texts(&lexicon, &TEXTS, 0.95) {
        to_json(&t);
    }
});
