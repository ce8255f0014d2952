//! The exports called from Rust: the panic boundary, pointer checks, outputs written only on success, the
//! last-error message, and one number per surface against the core.

use cx::boundary::{FfiError, boundary};
use cx::codes::{cx_interval, cx_missing};
use cx::cx_last_error_message;
use cx::health::{cx_scorecard, cx_scorecard_free, cx_scorecard_from_json, cx_scorecard_score};
use cx::histogram::cx_histogram_counts;
use cx::histogram::{cx_histogram_add, cx_histogram_estimate, cx_histogram_free, cx_histogram_new};
use cx::journey::{cx_funnel, cx_funnel_step};
use cx::spec::{cx_metric_spec, cx_metric_spec_free, cx_metric_spec_preset};
use cx::status::cx_status;
use cx::survey::{cx_estimate, cx_estimate_options_default, cx_nps};
use cx::survey::{cx_group_result, cx_score_by};
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
    assert_eq!(boundary(|| panic!("a test panic")), cx_status::Panic);
    let message = last_error();
    assert!(
        message.contains("a test panic") && message.contains("exports.rs:"),
        "{message}"
    );
    assert!(message.contains("please report it"), "{message}");
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

/// Issue 20 item 13: a length above `isize::MAX / size_of::<T>()` was turned into a slice (undefined behaviour;
/// the first out-of-range score then read past the buffer and was echoed in the message). It is now refused
/// before any read, with a message naming the argument and only the numbers the caller passed.
#[test]
fn impossible_lengths_are_refused_before_any_read() {
    let one = [f64::NAN];
    let mut out = zeroed();
    out.value = 123.0;
    for len in [usize::MAX, isize::MAX as usize / 8 + 1] {
        // SAFETY: the length is refused before the pointer is read past its one element.
        let s = unsafe { cx_nps(one.as_ptr(), len, null(), 0, null(), &mut out) };
        assert_eq!(s, cx_status::InvalidArgument);
        assert_eq!(
            last_error(),
            format!(
                "the length of `scores` is {len}, more than any array of its type can hold ({})",
                isize::MAX as usize / 8
            )
        );
    }
    assert_eq!(out.value, 123.0);
    let mut rows = [0u64; 2];
    // SAFETY: as above, for the weights.
    let s = unsafe { cx_nps(one.as_ptr(), 1, one.as_ptr(), usize::MAX / 2, null(), &mut out) };
    assert_eq!(s, cx_status::InvalidArgument);
    assert!(last_error().contains("`weights`"), "{}", last_error());
    // An output array whose needed length is impossible: refused before the work, nothing written.
    // SAFETY: `rows` is not written (the call fails first); the pointer is only checked.
    let s = unsafe {
        cx_score_by(
            null(),
            null(),
            0,
            null(),
            0,
            usize::MAX,
            null(),
            0,
            null(),
            rows.as_mut_ptr().cast::<cx_group_result>(),
            usize::MAX,
        )
    };
    assert_eq!(s, cx_status::InvalidArgument, "{}", last_error());
    assert!(last_error().contains("`out`"), "{}", last_error());
    assert_eq!(rows, [0, 0]);
}

/// A buffer of `T`s, and a pointer one byte into it: misaligned for any `T` wider than a byte.
fn misaligned<T>(buf: &mut [u64]) -> *mut T {
    // SAFETY: one byte into a buffer of several bytes stays inside it.
    unsafe { buf.as_mut_ptr().cast::<u8>().add(1).cast::<T>() }
}

/// Issue 20 item 13: `cx_funnel` wrote its rows before checking `out`'s alignment and before writing
/// `n_accounts`, which could still fail; every output is now checked first and written only on success.
#[test]
fn funnel_checks_every_output_before_writing_any() {
    let (accounts, events, timestamps, steps) = ([1i64, 1], [0u32, 1], [0i64, 5], [0u32, 1]);
    let call = |out: *mut cx_funnel_step, n_accounts: *mut u64| {
        // SAFETY: arrays valid for their lengths; outputs are locals (possibly misaligned, which is checked).
        unsafe {
            cx_funnel(
                accounts.as_ptr(),
                events.as_ptr(),
                timestamps.as_ptr(),
                2,
                steps.as_ptr(),
                2,
                10,
                0,
                null(),
                out,
                2,
                n_accounts,
            )
        }
    };
    let mut raw = [0u64; 1 + 2 * size_of::<cx_funnel_step>() / 8];
    assert_eq!(call(misaligned(&mut raw), null_mut()), cx_status::MisalignedPointer);
    assert!(last_error().contains("`out`"));
    assert!(raw.iter().all(|&w| w == 0), "nothing written");

    let mut steps_out = [cx_funnel_step::default(); 2];
    let mut count = [0u64; 2];
    let s = call(steps_out.as_mut_ptr(), misaligned(&mut count));
    assert_eq!(s, cx_status::MisalignedPointer);
    assert!(last_error().contains("`n_accounts`"));
    assert_eq!(steps_out[0].reached, 0, "no row written before the failing output");

    let mut n_accounts = 0u64;
    assert_eq!(call(steps_out.as_mut_ptr(), &mut n_accounts), cx_status::Ok);
    assert_eq!((steps_out[0].reached, steps_out[1].reached, n_accounts), (1, 1, 1));
}

const CARD: &str = r#"{"version": 1, "name": "t",
  "measures": [{"id": "usage", "weight": 1, "scoring": {"rule": "linear", "bad": 0, "good": 1}}],
  "bands": {"names": ["red", "green"], "cuts": [50]}}"#;

/// Issue 20 item 13: `cx_scorecard_score` wrote `bands` and `coverage` without the alignment check; now each
/// output given is checked before the work and nothing is written when one fails.
#[test]
fn scorecard_score_checks_bands_and_coverage() {
    let mut card: *mut cx_scorecard = null_mut();
    // SAFETY: the JSON literal is valid for its length; `card` is a local.
    assert_eq!(
        unsafe { cx_scorecard_from_json(CARD.as_ptr().cast(), CARD.len(), &mut card) },
        cx_status::Ok
    );
    let usage = [0.2, 0.9];
    let columns = [usage.as_ptr()];
    let call = |scores: *mut f64, bands: *mut i32, coverage: *mut f64| {
        // SAFETY: a live handle, one column of two accounts; outputs are locals holding two values (possibly
        // misaligned, which is checked).
        unsafe { cx_scorecard_score(card, columns.as_ptr(), null(), 1, 2, null(), scores, bands, coverage, 2) }
    };
    let mut scores = [-1.0; 2];
    let mut bands_raw = [0u64; 2];
    assert_eq!(
        call(scores.as_mut_ptr(), misaligned(&mut bands_raw), null_mut()),
        cx_status::MisalignedPointer
    );
    assert!(last_error().contains("`bands`"), "{}", last_error());
    let mut coverage_raw = [0u64; 3];
    let s = call(scores.as_mut_ptr(), null_mut(), misaligned(&mut coverage_raw));
    assert_eq!(s, cx_status::MisalignedPointer);
    assert!(last_error().contains("`coverage`"), "{}", last_error());
    assert_eq!(scores, [-1.0, -1.0], "scores untouched when another output fails");
    assert!(bands_raw.iter().chain(&coverage_raw).all(|&w| w == 0));

    // One measure's column missing (no measures given): an error, and no read past the batch.
    // SAFETY: as above.
    let s = unsafe {
        cx_scorecard_score(
            card,
            null(),
            null(),
            0,
            2,
            null(),
            scores.as_mut_ptr(),
            null_mut(),
            null_mut(),
            2,
        )
    };
    assert_ne!(s, cx_status::Ok);
    assert_ne!(s, cx_status::Panic, "{}", last_error());
    assert_eq!(scores, [-1.0, -1.0]);

    let (mut bands, mut coverage) = ([9i32; 2], [9.0; 2]);
    assert_eq!(
        call(scores.as_mut_ptr(), bands.as_mut_ptr(), coverage.as_mut_ptr()),
        cx_status::Ok
    );
    assert_eq!((bands, coverage), ([0, 1], [1.0, 1.0]));
    assert!(
        (scores[0] - 20.0).abs() < 1e-9 && (scores[1] - 90.0).abs() < 1e-9,
        "{scores:?}"
    );
    // SAFETY: freed once.
    unsafe { cx_scorecard_free(card) };
}

/// `cx_histogram_counts` checks both outputs before writing either.
#[test]
fn histogram_counts_write_nothing_when_one_output_is_unusable() {
    let mut spec: *mut cx_metric_spec = null_mut();
    let mut h = null_mut();
    let (mut n, mut raw) = (77u64, [0u64; 2]);
    // SAFETY: valid pointers to locals and literals; each handle is freed once.
    unsafe {
        assert_eq!(cx_metric_spec_preset(c"nps".as_ptr(), 3, &mut spec), cx_status::Ok);
        assert_eq!(cx_histogram_new(spec, &mut h), cx_status::Ok);
        let s = cx_histogram_counts(h, &mut n, misaligned(&mut raw));
        assert_eq!(s, cx_status::MisalignedPointer);
        assert_eq!(n, 77);
        cx_histogram_free(h);
        cx_metric_spec_free(spec);
    }
}
