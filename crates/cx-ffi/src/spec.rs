//! `cx_metric_spec`: an immutable metric spec handle, from a preset name or JSON text.

use crate::boundary::{FfiResult, boundary, check_out, copy_out, reference, utf8, write};
use crate::status::cx_status;
use cx_core::survey::MetricSpec;
use std::ffi::c_char;

/// An immutable metric spec. Safe to share between threads.
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct cx_metric_spec {
    pub(crate) inner: MetricSpec,
}

fn boxed(inner: MetricSpec) -> *mut cx_metric_spec {
    Box::into_raw(Box::new(cx_metric_spec { inner }))
}

/// The spec behind a handle argument.
///
/// # Safety
/// `spec` must be NULL or a live handle from this library.
pub(crate) unsafe fn spec_arg<'a>(spec: *const cx_metric_spec) -> FfiResult<&'a MetricSpec> {
    // SAFETY: forwarded contract.
    Ok(&unsafe { reference(spec, "spec") }?.inner)
}

/// A preset spec by name (`nps`, `csat`, `csat10`, `ces2_mean`, `ces2_agree`, `ces2_net`, `ces1_mean`,
/// `binary_csat`). On success `*out` receives a new handle to free with `cx_metric_spec_free`.
///
/// # Safety
/// `name` must point to `name_len` readable bytes; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_metric_spec_preset(
    name: *const c_char,
    name_len: usize,
    out: *mut *mut cx_metric_spec,
) -> cx_status {
    boundary(|| {
        // Checked first: a handle made for an unusable `out` would leak.
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let name = unsafe { utf8(name, name_len, "name") }?;
        let spec = MetricSpec::from_preset(name)?;
        // SAFETY: the caller's contract.
        unsafe { write(out, boxed(spec), "out") }
    })
}

/// A spec from its versioned JSON text (validated). On success `*out` receives a new handle.
///
/// # Safety
/// `json` must point to `json_len` readable bytes; `out` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_metric_spec_from_json(
    json: *const c_char,
    json_len: usize,
    out: *mut *mut cx_metric_spec,
) -> cx_status {
    boundary(|| {
        // Checked first: a handle made for an unusable `out` would leak.
        check_out(out, "out")?;
        // SAFETY: the caller's contract.
        let json = unsafe { utf8(json, json_len, "json") }?;
        let spec = MetricSpec::from_json(json)?;
        // SAFETY: the caller's contract.
        unsafe { write(out, boxed(spec), "out") }
    })
}

/// The spec as JSON text, NUL-terminated, into `(buf, buf_len)`; `*written` receives the size needed
/// (including the NUL), also when the status is `CX_STATUS_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `spec` must be a live handle; `buf` writable for `buf_len` bytes (or NULL with 0); `written` writable or NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_metric_spec_to_json(
    spec: *const cx_metric_spec,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> cx_status {
    boundary(|| {
        // SAFETY: the caller's contract.
        let spec = unsafe { spec_arg(spec) }?;
        let json = serde_json::to_string(spec).expect("a metric spec always serialises");
        // SAFETY: the caller's contract.
        unsafe { copy_out(json.as_bytes(), buf.cast(), buf_len, written, true, "buf") }
    })
}

/// Frees a spec handle. NULL is allowed and does nothing.
///
/// # Safety
/// `spec` must be NULL or a handle from this library not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cx_metric_spec_free(spec: *mut cx_metric_spec) {
    if !spec.is_null() {
        // SAFETY: a handle from `Box::into_raw`, freed exactly once per the caller's contract.
        drop(unsafe { Box::from_raw(spec) });
    }
}
