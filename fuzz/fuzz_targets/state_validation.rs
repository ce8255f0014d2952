//! `ValidationCounts::from_bytes` on a fuzzed payload in a valid envelope: round trip, merge with itself and
//! with small valid counts, and the validation in the sample bands.
#![no_main]
use cx_core::health::ValidationCounts;
use cx_core::state::Kind;
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = envelope(Kind::Validation, data);
    let decode = ValidationCounts::from_bytes;
    let Some(v) = round_trip(&bytes, decode, ValidationCounts::to_bytes) else {
        return;
    };
    let bands = sample_bands();
    let result = |v: &ValidationCounts| {
        let _ = (v.n(), v.n_unscored());
        if let Ok(r) = v.validate(&bands, "red") {
            to_json(&r);
        }
    };
    result(&v);
    for other in [v.clone(), small_validation()] {
        let mut m = v.clone();
        if m.merge(&other).is_err() {
            // A refused merge (counts past 2^64 - 1) leaves the state as it was.
            assert!(m == v, "a refused merge changed the state");
            continue;
        }
        result(&m);
        round_trip(&m.to_bytes(), decode, ValidationCounts::to_bytes).expect("own bytes decode");
        merge_bytes(&bytes, &other.to_bytes());
    }
});
