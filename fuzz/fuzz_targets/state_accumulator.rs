//! `Accumulator::from_bytes` on a fuzzed payload in a valid envelope: round trip, merge with itself and with a
//! small valid state (typed and through `state::merge`), estimate and compare.
#![no_main]
use cx_core::state::Kind;
use cx_core::survey::Accumulator;
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = envelope(Kind::Accumulator, data);
    let Some(a) = round_trip(&bytes, Accumulator::from_bytes, Accumulator::to_bytes) else {
        return;
    };
    accumulator_results(&a);
    let small = small_accumulator();
    for other in [&a, &small] {
        let mut m = a.clone();
        if m.merge(other).is_ok() {
            accumulator_results(&m);
            round_trip(&m.to_bytes(), Accumulator::from_bytes, Accumulator::to_bytes).expect("own bytes decode");
        }
        let _ = a.compare(other, None, 0.95);
        merge_bytes(&bytes, &other.to_bytes());
    }
});
