//! The JSON that Python's pickling reads back (`Estimate`, `Comparison`, `PairedComparison` `_from_json`) and
//! the serde forms of `Histogram` and `Accumulator` (checked by their `TryFrom` on the way in): the first byte
//! picks the type; a parsed value re-serialises to JSON that parses to itself.
#![no_main]
use cx_core::survey::{Accumulator, Comparison, Estimate, Histogram, PairedComparison};
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;
use serde::{Serialize, de::DeserializeOwned};

fn check<T: Serialize + DeserializeOwned>(json: &[u8]) {
    let Ok(value) = serde_json::from_slice::<T>(json) else {
        return;
    };
    let again = to_json(&value);
    let back: T = serde_json::from_str(&again).expect("a result re-parses from its own JSON");
    assert_eq!(to_json(&back), again);
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, json)) = data.split_first() else {
        return;
    };
    match which % 5 {
        0 => check::<Estimate>(json),
        1 => check::<Comparison>(json),
        2 => check::<PairedComparison>(json),
        3 => check::<Histogram>(json),
        _ => check::<Accumulator>(json),
    }
});
