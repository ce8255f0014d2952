//! The exports called from Rust: the panic boundary, pointer checks, outputs written only on success, the
//! last-error message, and one number per surface against the core.

use cx::boundary::{FfiError, boundary};
use cx::codes::{cx_interval, cx_missing};
use cx::histogram::{cx_histogram_add, cx_histogram_estimate, cx_histogram_free, cx_histogram_new};
use cx::spec::{cx_metric_spec, cx_metric_spec_free, cx_metric_spec_preset};
use cx::status::cx_status;
use cx::survey::{cx_estimate, cx_estimate_options_default, cx_nps};
use cx::{cx_debug_panic, cx_last_error_message};
use cx_core::survey::{self, MetricSpec};
use std::ptr::{null, null_mut};

fn last_error() -> String {
    let mut buf = vec![0u8; 512];
    let mut written = 0usize;
    // SAFETY: buf is writable for its length; written is a valid local.
    let s = unsafe { cx_last_error_message(buf.as_mut_ptr().cast(), buf.len(), &mut written) };
    assert_eq!(s, cx_status::Ok);
    String::from_utf8(buf[..written - 1].to_vec()).unwrap()
}

fn zeroed() -> cx_estimate {
    // SAFETY: cx_estimate is plain data (floats, integers, a bool); all-zero bytes are a valid value.
    unsafe { std::mem::zeroed() }
}

#[test]
fn panics_become_a_status_and_the_library_keeps_working() {
    assert_eq!(cx_debug_panic(), cx_status::Panic);
    assert!(last_error().contains("cx_debug_panic was called"));
    let status = boundary(|| {
        let v: Vec<u8> = Vec::new();
        let _ = v[3]; // an index panic from library code, not an explicit panic!
        Ok(())
    });
    assert_eq!(status, cx_status::Panic);
    assert!(last_error().contains("index out of bounds"), "{}", last_error());
    assert_eq!(boundary(|| Ok(())), cx_status::Ok);
    assert_eq!(last_error(), "");
}

#[test]
fn errors_carry_their_status_and_message() {
    let s = boundary(|| Err(FfiError::Null("scores")));
    assert_eq!(
        (s, last_error().as_str()),
        (cx_status::NullArgument, "`scores` is NULL")
    );
    let s = boundary(|| {
        Err(cx_core::CxError::MissingValue {
            what: "scores".into(),
            index: 4,
        }
        .into())
    });
    assert_eq!(s, cx_status::MissingValue);
    assert!(last_error().contains("index 4"));
}

#[test]
fn nps_equals_the_core_and_outputs_are_written_only_on_success() {
    let scores = [10.0, 9.0, 3.0, f64::NAN, 8.0];
    let mut out = zeroed();
    // SAFETY: arrays valid for their lengths; out is a valid local.
    let s = unsafe { cx_nps(scores.as_ptr(), scores.len(), null(), 0, null(), &mut out) };
    assert_eq!(s, cx_status::Ok);
    let core = survey::score(&MetricSpec::nps(), &scores, None, &Default::default()).unwrap();
    assert_eq!(
        (out.value, out.ci_low, out.ci_high, out.n, out.n_missing),
        (core.value, core.ci_low, core.ci_high, core.n, core.n_missing)
    );
    assert_eq!(out.method, cx_interval::Tango as u32);

    let bad = [10.0, 11.0];
    let mut untouched = zeroed();
    untouched.value = 123.0;
    // SAFETY: as above.
    let s = unsafe { cx_nps(bad.as_ptr(), bad.len(), null(), 0, null(), &mut untouched) };
    assert_eq!(s, cx_status::ScoreOutOfRange);
    assert_eq!(untouched.value, 123.0);
    assert_eq!(last_error(), "score 11 at index 1 is outside the scale 0..=10");
    // SAFETY: (NULL, 3) is rejected before any read.
    assert_eq!(
        unsafe { cx_nps(null(), 3, null(), 0, null(), &mut untouched) },
        cx_status::NullArgument
    );
}

#[test]
fn histogram_handles_round_trip() {
    let mut spec: *mut cx_metric_spec = null_mut();
    let mut h = null_mut();
    let mut out = zeroed();
    let options = cx_estimate_options_default();
    // SAFETY: valid pointers to locals and literals throughout; each handle is freed once.
    unsafe {
        assert_eq!(cx_metric_spec_preset(c"nps".as_ptr(), 3, &mut spec), cx_status::Ok);
        assert_eq!(cx_histogram_new(spec, &mut h), cx_status::Ok);
        cx_metric_spec_free(spec);
        let batch = [10.0, 2.0];
        let status = cx_histogram_add(h, batch.as_ptr(), 2, null(), 0, cx_missing::Skip as u32);
        assert_eq!(status, cx_status::Ok);
        assert_eq!(cx_histogram_estimate(h, &options, &mut out), cx_status::Ok);
        cx_histogram_free(h);
        cx_histogram_free(null_mut());
    }
    assert_eq!((out.value, out.n), (0.0, 2));
}

#[test]
fn version_string_is_the_crates() {
    // SAFETY: cx_version returns a static NUL-terminated string.
    let v = unsafe { std::ffi::CStr::from_ptr(cx::cx_version()) };
    assert_eq!(v.to_str().unwrap(), cx_core::VERSION);
}
