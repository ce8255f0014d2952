//! C ABI for cx-core: the library `cx` and its header `include/cx.h`.
//!
//! The survey surface, the status codes and the panic boundary arrive with their own issue; for now the library
//! exports its version so that vendors can check which core they linked.

use std::ffi::c_char;

/// The library version as a NUL-terminated UTF-8 string with static lifetime, e.g. `"0.1.0"`.
#[unsafe(no_mangle)]
pub extern "C" fn cx_version() -> *const c_char {
    // The literal is built from Cargo.toml at compile time, so the two cannot drift.
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn version_matches_the_crate() {
        // SAFETY: cx_version returns a pointer to a static NUL-terminated literal.
        let v = unsafe { CStr::from_ptr(cx_version()) };
        assert_eq!(v.to_str().unwrap(), cx_core::VERSION);
    }
}
