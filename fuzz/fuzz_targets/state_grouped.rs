//! `GroupedAccumulator::from_bytes` (states by group and by period) on a fuzzed payload in a valid envelope:
//! round trip, merge with itself and with small valid states of both kinds, then the estimates by group or the
//! trend by period.
#![no_main]
use cx_core::state::Kind;
use cx_core::survey::GroupedAccumulator;
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = envelope(Kind::GroupedAccumulator, data);
    let decode = GroupedAccumulator::from_bytes;
    let Some(g) = round_trip(&bytes, decode, GroupedAccumulator::to_bytes) else {
        return;
    };
    grouped_results(&g);
    for other in [g.clone(), small_grouped(false), small_grouped(true)] {
        let mut m = g.clone();
        if m.merge(&other).is_ok() {
            grouped_results(&m);
            round_trip(&m.to_bytes(), decode, GroupedAccumulator::to_bytes).expect("own bytes decode");
        }
        merge_bytes(&bytes, &other.to_bytes());
    }
});
