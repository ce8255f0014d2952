//! The condition grammar (`Condition::parse`): parse; its display re-parses and displays the same text (display
//! flattens `a or (b or c)`, so the tree may differ, the text may not); validate; the typed JSON form re-parses
//! to the same text; and as a roadmap's exit and guided action it evaluates on two small accounts.
#![no_main]
use cx_core::journey::Condition;
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(text) = text(data) else { return };
    let Ok(c) = Condition::parse(text) else { return };
    let shown = c.to_string();
    let again = Condition::parse(&shown).expect("a displayed condition re-parses");
    assert_eq!(again.to_string(), shown, "display is not stable");
    let _ = c.validate("fuzz");
    let mut leaves = 0;
    c.visit_leaves(&mut |_| leaves += 1);
    let typed = to_json(&c);
    let back = serde_json::from_str::<Condition>(&typed).expect("typed JSON re-parses");
    assert_eq!(back.to_string(), shown, "typed JSON changed the condition");
    if let Ok(roadmap) = roadmap_with(&serde_json::Value::String(text.into())) {
        evaluate_small(&roadmap, &small_facts());
    }
});
