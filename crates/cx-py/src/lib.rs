//! Python bindings for cx-core, compiled as `cxkit._cxkit` and wrapped by the pure-Python package `cxkit`.
//!
//! This crate stays thin: it borrows numpy arrays as slices, releases the GIL for the O(n) work, calls `cx_core`,
//! and converts results back. Files mirror the core: `survey.rs` (functions), `spec.rs`, `histogram.rs`,
//! `results.rs` (classes), `health.rs`, `goals.rs`, `journey.rs`, `two_factor.rs`, `states.rs` (partial states for
//! distributed engines), `columns.rs` (tables), `input.rs` (arrays), `error.rs` (exceptions).

use cx_core::survey::{EstimateOptions, IntervalMethod, MissingPolicy};
use pyo3::prelude::*;

mod columns;
mod error;
mod goals;
mod health;
mod histogram;
mod input;
mod journey;
mod results;
mod spec;
mod states;
mod survey;
mod two_factor;

/// Estimate options from the keyword arguments every scoring function takes.
pub(crate) fn estimate_options(interval: Option<&str>, level: f64, missing: &str) -> cx_core::Result<EstimateOptions> {
    Ok(EstimateOptions {
        interval: interval.map(IntervalMethod::parse).transpose()?,
        level,
        missing: MissingPolicy::parse(missing)?,
    })
}

/// Threads a batch call may use: the machine's parallelism (the core splits only inputs large enough to pay).
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// pyo3's `PanicException` type, as raised for a panic in this module.
fn py_panic_type(py: Python<'_>) -> Bound<'_, pyo3::types::PyType> {
    py.get_type::<pyo3::panic::PanicException>()
}

/// The compiled extension module `cxkit._cxkit`.
#[pymodule]
fn _cxkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", cx_core::VERSION)?;
    survey::register(m)?;
    m.add_class::<health::PyScorecard>()?;
    m.add_function(wrap_pyfunction!(health::validate_scores, m)?)?;
    m.add_class::<goals::PyGoal>()?;
    m.add_class::<goals::PyGoalTree>()?;
    m.add_function(wrap_pyfunction!(goals::_quarter_of, m)?)?;
    m.add_function(wrap_pyfunction!(goals::_fiscal_year_of, m)?)?;
    m.add_class::<journey::PyRoadmap>()?;
    m.add_class::<journey::PyEvaluations>()?;
    m.add_function(wrap_pyfunction!(journey::_funnel, m)?)?;
    m.add_function(wrap_pyfunction!(journey::_funnel_ids, m)?)?;
    two_factor::register(m)?;
    states::register(m)?;
    m.add_function(wrap_pyfunction!(error::_error_kinds, m)?)?;
    m.add_function(wrap_pyfunction!(error::_sample_error, m)?)?;
    m.add_function(wrap_pyfunction!(error::_debug_panic, m)?)?;
    // pyo3 turns a panic into this `BaseException` subclass; `cxkit.errors` converts it into `InternalError` at
    // every entry point of this module (see `_contain_panics` there).
    m.add("_PanicException", py_panic_type(m.py()))?;
    Ok(())
}
