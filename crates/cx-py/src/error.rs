//! Core errors to Python exceptions, variant by variant, in one place.
//!
//! The classes are defined in `cxkit/errors.py`, because each must derive from both `CxError` and `ValueError`
//! (which `create_exception!` cannot express). The match below is exhaustive, so a new core variant does not
//! compile until it is mapped here.

use cx_core::CxError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// The Python class name for a core error, and the position of the bad element when there is one.
fn class_of(e: &CxError) -> (&'static str, Option<usize>) {
    match e {
        CxError::ScoreOutOfRange { index, .. }
        | CxError::NonIntegerScore { index, .. }
        | CxError::MissingValue { index, .. }
        | CxError::InvalidDate { index, .. }
        | CxError::InvalidWeight { index, .. }
        | CxError::InvalidGroupCode { index, .. }
        | CxError::UnknownLabel { index, .. } => ("InvalidInputError", Some(*index)),
        CxError::LengthMismatch { .. } => ("InvalidInputError", None),
        CxError::InvalidArgument { .. } | CxError::UnknownName { .. } => ("InvalidArgumentError", None),
        CxError::InvalidConfig { .. }
        | CxError::UnsupportedVersion { .. }
        | CxError::UnknownId { .. }
        | CxError::Cycle { .. } => ("ConfigError", None),
        CxError::EmptyInput { .. } | CxError::ZeroTotalWeight { .. } => ("EmptyInputError", None),
        CxError::InsufficientData { .. } | CxError::RankDeficient { .. } => ("InsufficientDataError", None),
        CxError::MethodNotApplicable { .. } => ("NotApplicableError", None),
        CxError::LimitExceeded { .. } | CxError::Overflow { .. } => ("LimitExceededError", None),
        CxError::IncompatibleHistograms { .. } => ("IncompatibleError", None),
    }
}

/// The core's variant name, exposed as the exception's `kind`.
fn kind_of(e: &CxError) -> &'static str {
    match e {
        CxError::EmptyInput { .. } => "EmptyInput",
        CxError::ScoreOutOfRange { .. } => "ScoreOutOfRange",
        CxError::NonIntegerScore { .. } => "NonIntegerScore",
        CxError::MissingValue { .. } => "MissingValue",
        CxError::InvalidDate { .. } => "InvalidDate",
        CxError::LengthMismatch { .. } => "LengthMismatch",
        CxError::InvalidWeight { .. } => "InvalidWeight",
        CxError::ZeroTotalWeight { .. } => "ZeroTotalWeight",
        CxError::InvalidGroupCode { .. } => "InvalidGroupCode",
        CxError::InvalidConfig { .. } => "InvalidConfig",
        CxError::InvalidArgument { .. } => "InvalidArgument",
        CxError::UnknownName { .. } => "UnknownName",
        CxError::MethodNotApplicable { .. } => "MethodNotApplicable",
        CxError::IncompatibleHistograms { .. } => "IncompatibleHistograms",
        CxError::InsufficientData { .. } => "InsufficientData",
        CxError::UnsupportedVersion { .. } => "UnsupportedVersion",
        CxError::UnknownId { .. } => "UnknownId",
        CxError::Cycle { .. } => "Cycle",
        CxError::UnknownLabel { .. } => "UnknownLabel",
        CxError::RankDeficient { .. } => "RankDeficient",
        CxError::LimitExceeded { .. } => "LimitExceeded",
        CxError::Overflow { .. } => "Overflow",
    }
}

/// Builds the Python exception for a core error, with `kind` and `index` attributes.
pub fn to_py(py: Python<'_>, e: CxError) -> PyErr {
    let (class, index) = class_of(&e);
    exception(py, class, kind_of(&e), e.to_string(), index)
}

/// An instance of `cxkit.errors.<class>` carrying `kind` and `index`.
fn exception(py: Python<'_>, class: &str, kind: &str, message: String, index: Option<usize>) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = py.import("cxkit.errors")?.getattr(class)?;
        let exc = cls.call1((message.as_str(),))?;
        exc.setattr("kind", kind)?;
        exc.setattr("index", index)?;
        Ok(PyErr::from_value(exc))
    };
    // Only if cxkit.errors itself cannot be imported (a broken install) does the error degrade to RuntimeError.
    build()
        .unwrap_or_else(|import_error| PyRuntimeError::new_err(format!("{message} (and cxkit.errors: {import_error})")))
}

/// `Result<T, CxError>` → `PyResult<T>`.
pub trait IntoPyResult<T> {
    /// Maps the error with [`to_py`].
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, CxError> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}

/// Raises `cxkit.InvalidInputError` for a problem the binding finds itself (a 2-D array, an unsupported dtype).
pub fn invalid_input(py: Python<'_>, message: String) -> PyErr {
    exception(py, "InvalidInputError", "InvalidInput", message, None)
}

/// One example of every core error variant, for the test that each maps to its Python class.
fn samples() -> Vec<CxError> {
    let s = String::new;
    vec![
        CxError::EmptyInput { what: "scores".into() },
        CxError::ScoreOutOfRange {
            value: 11.0,
            index: 3,
            min: 0,
            max: 10,
        },
        CxError::NonIntegerScore {
            value: 6.5,
            index: 2,
            min: 0,
            max: 10,
        },
        CxError::MissingValue {
            what: "scores".into(),
            index: 1,
        },
        CxError::InvalidDate {
            value: "NaT".into(),
            index: 4,
        },
        CxError::LengthMismatch {
            what: "weights".into(),
            expected: 3,
            found: 2,
        },
        CxError::InvalidWeight { value: -1.0, index: 5 },
        CxError::ZeroTotalWeight { what: "scores".into() },
        CxError::InvalidGroupCode {
            code: 9,
            index: 6,
            n_groups: 2,
        },
        CxError::InvalidConfig {
            what: "metric spec".into(),
            field: "scale".into(),
            reason: s(),
        },
        CxError::invalid_argument("level", 1.5, "must be in (0, 1)"),
        CxError::UnknownName {
            kind: "preset".into(),
            name: "nope".into(),
            expected: s(),
        },
        CxError::MethodNotApplicable {
            method: "wilson".into(),
            target: "mean scoring".into(),
        },
        CxError::IncompatibleHistograms {
            left: "0..=10".into(),
            right: "1..=5".into(),
        },
        CxError::InsufficientData {
            what: "a t interval".into(),
            needed: "2".into(),
            found: "1".into(),
        },
        CxError::UnsupportedVersion {
            what: "metric spec".into(),
            found: 9,
            supported: 1,
        },
        CxError::UnknownId {
            what: "goal tree".into(),
            kind: "goal".into(),
            id: "nope".into(),
            at: "goals[1].parent".into(),
        },
        CxError::Cycle {
            what: "goal tree".into(),
            path: "a → b → a".into(),
        },
        CxError::UnknownLabel {
            what: "functional answers".into(),
            value: "likes".into(),
            index: 3,
            expected: s(),
        },
        CxError::RankDeficient {
            column: "delivery: high".into(),
            reason: s(),
        },
        CxError::limit("condition nesting depth", 256, 10_000u64),
        CxError::overflow("merged response count exceeds 2^64 - 1"),
    ]
}

/// The variant names `_sample_error` knows, one per core variant.
#[pyfunction]
pub fn _error_kinds() -> Vec<&'static str> {
    samples().iter().map(kind_of).collect()
}

/// Raises the Python exception for an example of the core variant `kind` (a test hook: most variants are
/// provoked through the real API in the tests, but not every one is reachable from Python).
#[pyfunction]
pub fn _sample_error(py: Python<'_>, kind: &str) -> PyResult<()> {
    match samples().into_iter().find(|e| kind_of(e) == kind) {
        Some(e) => Err(to_py(py, e)),
        None => Err(invalid_input(py, format!("no core error variant named {kind}"))),
    }
}

/// TEST-ONLY: panics inside the extension, so the tests can check that a panic reaches Python as
/// `cxkit.errors.InternalError` (a `CxError`, caught by `except Exception`) and not as pyo3's `PanicException`
/// (a `BaseException`). With `detached`, the panic happens in GIL-released work, as a core panic would; in a
/// method when called through `_debug_panic_method`. Never useful otherwise.
#[pyfunction]
#[pyo3(signature = (detached=false))]
pub fn _debug_panic(py: Python<'_>, detached: bool) -> PyResult<()> {
    if detached {
        py.detach(|| panic!("_debug_panic was called (GIL released)"))
    } else {
        panic!("_debug_panic was called")
    }
}
