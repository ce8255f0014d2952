//! `FunnelSpec` from JSON (the spec of funnels and funnel states) and the funnel over fuzzed events: the bytes up
//! to the first NUL are the spec, the rest 10-byte events (account, event code, little-endian i64 timestamp, so
//! NaT = i64::MIN and other extremes are reached). The one-pass funnel must equal the funnel state's.
#![no_main]
use cx_core::journey::{FunnelSpec, FunnelState, funnel};
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let Ok(spec) = serde_json::from_slice::<FunnelSpec>(&data[..split]) else {
        return;
    };
    let json = to_json(&spec);
    assert_eq!(
        serde_json::from_str::<FunnelSpec>(&json).expect("a spec re-parses"),
        spec
    );
    let events = data.get(split + 1..).unwrap_or_default().chunks_exact(10);
    let accounts: Vec<u32> = events.clone().map(|e| u32::from(e[0] % 4)).collect();
    let codes: Vec<u32> = events.clone().map(|e| u32::from(e[1] % 6)).collect();
    let times: Vec<i64> = events
        .map(|e| i64::from_le_bytes(e[2..10].try_into().unwrap()))
        .collect();
    let one_pass = funnel(&accounts, &codes, &times, &spec);
    let Ok(mut state) = FunnelState::new(spec) else { return };
    let added = state.add(&accounts, &codes, &times);
    assert_eq!(
        one_pass.is_ok(),
        added.is_ok(),
        "funnel and FunnelState::add disagree on validity"
    );
    if let Ok(f) = one_pass {
        assert_eq!(
            to_json(&state.finish()),
            to_json(&f),
            "the state's funnel differs from the one-pass funnel"
        );
        round_trip(&state.to_bytes(), FunnelState::from_bytes, FunnelState::to_bytes).expect("own bytes decode");
    }
});
