//! The condition grammar (`Condition::parse`): parse; its display re-parses to the same condition; validate; the
//! typed JSON form round trips; and as a roadmap's exit and guided action it evaluates on two small accounts.
#![no_main]
use cx_core::journey::Condition;
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    let Ok(c) = Condition::parse(text) else { return };
    let shown = c.to_string();
    assert_eq!(
        Condition::parse(&shown).expect("a displayed condition re-parses"),
        c,
        "{shown}"
    );
    let _ = c.validate("fuzz");
    let mut leaves = 0;
    c.visit_leaves(&mut |_| leaves += 1);
    let typed = to_json(&c);
    assert_eq!(
        serde_json::from_str::<Condition>(&typed).expect("typed JSON re-parses"),
        c
    );
    if let Ok(roadmap) = roadmap_with(&serde_json::Value::String(text.into())) {
        evaluate_small(&roadmap, &small_facts());
    }
});
