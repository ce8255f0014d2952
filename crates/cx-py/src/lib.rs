//! Python bindings for cx-core, compiled as `cxkit._cxkit` and wrapped by the pure-Python package `cxkit`.
//!
//! This crate stays thin: it converts Python values to slices, calls `cx_core`, and converts results back.
//! The survey surface arrives with its own issue; for now the module exposes the library version.

use pyo3::prelude::*;

/// The compiled extension module `cxkit._cxkit`.
#[pymodule]
fn _cxkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", cx_core::VERSION)?;
    Ok(())
}
