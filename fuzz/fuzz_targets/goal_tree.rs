//! `GoalTree::from_json` (goals JSON, a tree by `parent`): parse, re-parse its own JSON, walk the children,
//! code the ids and compute the success rate.
#![no_main]
use cx_core::goals::GoalTree;
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(Ok(tree)) = text(data).map(GoalTree::from_json) else {
        return;
    };
    let json = tree.to_json();
    assert_eq!(GoalTree::from_json(&json).expect("a tree re-parses").to_json(), json);
    let ids: Vec<&str> = tree.goals().iter().map(|g| g.id.as_str()).collect();
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(tree.index_of(id), Some(i));
        tree.children(i);
    }
    tree.codes(&ids).expect("a tree's own ids have codes");
    let _ = tree.success_rate();
});
