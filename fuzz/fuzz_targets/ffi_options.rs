//! The options JSON parsed only by the C library, through its exports (a contained panic is a crash here): the
//! first byte picks `cx_kano_json`, `cx_prca_json`, `cx_tag_texts_json` (the texts array) or
//! `cx_state_result_json` on a small accumulator, state by group, state by period, funnel or validation counts;
//! the rest is the options JSON.
#![no_main]
use cx::{states, two_factor};
use cx_fuzz::*;
use libfuzzer_sys::fuzz_target;
use std::ffi::c_char;

fuzz_target!(|data: &[u8]| {
    let Some((&which, json)) = data.split_first() else {
        return;
    };
    let (opt, len) = (json.as_ptr().cast::<c_char>(), json.len());
    let mut buf = vec![0 as c_char; 1 << 16];
    let (out, out_len, mut written) = (buf.as_mut_ptr(), buf.len(), 0usize);
    // SAFETY (every call): arrays and buffers are live locals of the lengths passed.
    let status = match which % 8 {
        0 => {
            let (f, d, attr) = ([1u8, 5, 2, 3, 4, 0], [5u8, 1, 3, 3, 2, 4], [0u32, 1, 0, 1, 0, 2]);
            let ptrs = (f.as_ptr(), d.as_ptr(), attr.as_ptr());
            let w = std::ptr::null();
            unsafe { two_factor::cx_kano_json(ptrs.0, ptrs.1, 6, ptrs.2, w, opt, len, out, out_len, &mut written) }
        }
        1 => {
            let ratings = [1.0, 5.0, 2.0, 4.0, 3.0, f64::NAN, 5.0, 1.0, 4.0, 2.0, 3.0, 3.0];
            let overall = [1.0, 2.0, 3.0, 4.0, 5.0, 3.0];
            let (r, o) = (ratings.as_ptr(), overall.as_ptr());
            unsafe { two_factor::cx_prca_json(r, 6, 2, o, opt, len, out, out_len, &mut written) }
        }
        2 => {
            let none = std::ptr::null();
            unsafe { two_factor::cx_tag_texts_json(none, 0, opt, len, 0.95, out, out_len, &mut written) }
        }
        k => {
            let state = match k {
                3 => small_accumulator().to_bytes(),
                4 => small_grouped(false).to_bytes(),
                5 => small_grouped(true).to_bytes(),
                6 => small_funnel().to_bytes(),
                _ => small_validation().to_bytes(),
            };
            let (s, n) = (state.as_ptr(), state.len());
            unsafe { states::cx_state_result_json(s, n, opt, len, out, out_len, &mut written) }
        }
    };
    check_status(status, "cx options");
});
