//! `FunnelState::from_bytes` on a fuzzed payload in a valid envelope: round trip, merge with itself and with a
//! small valid state, and the funnel.
#![no_main]
use cx_core::journey::FunnelState;
use cx_core::state::Kind;
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = envelope(Kind::Funnel, data);
    let Some(f) = round_trip(&bytes, FunnelState::from_bytes, FunnelState::to_bytes) else {
        return;
    };
    to_json(&f.finish());
    for other in [f.clone(), small_funnel()] {
        let mut m = f.clone();
        if m.merge(&other).is_ok() {
            to_json(&m.finish());
            round_trip(&m.to_bytes(), FunnelState::from_bytes, FunnelState::to_bytes).expect("own bytes decode");
        }
        merge_bytes(&bytes, &other.to_bytes());
    }
});
