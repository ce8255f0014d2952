//! `Population::from_bytes` on a fuzzed payload in a valid envelope: round trip, merge with itself and with the
//! sample scorecard's population, and scoring three accounts of the sample scorecard in it.
#![no_main]
use cx_core::health::Population;
use cx_core::state::Kind;
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = envelope(Kind::Population, data);
    let Some(p) = round_trip(&bytes, Population::from_bytes, Population::to_bytes) else {
        return;
    };
    let scorer = sample_scorer();
    for id in p.measures() {
        p.n(id);
    }
    score_small(&scorer, Some(&p));
    for other in [p.clone(), small_population()] {
        let mut m = p.clone();
        if m.merge(&other).is_ok() {
            score_small(&scorer, Some(&m));
            round_trip(&m.to_bytes(), Population::from_bytes, Population::to_bytes).expect("own bytes decode");
        }
        merge_bytes(&bytes, &other.to_bytes());
    }
});
