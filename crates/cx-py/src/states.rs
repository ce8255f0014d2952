//! Partial states for distributed engines: `_GroupedState` (a metric by group or period), `_FunnelState` (a
//! funnel over whole accounts) and `_ValidationState` (health-score validation counts). Each adds a partition's
//! rows without the GIL, merges, and crosses as the core's checksummed bytes; `cxkit/partial.py` wraps them with
//! the DataFrame API, and `cxkit/dist.py` runs them on Spark and Dask.

use crate::error::IntoPyResult;
use crate::health::{bands_of, churn_flags, validation_dict};
use crate::input::{Aligned, array, slice_of};
use crate::journey::{event_codes, funnel_spec};
use crate::spec::PyMetricSpec;
use crate::survey::{group_options, grouped_columns, trend_columns, trend_options};
use crate::with_scores;
use cx_core::health::ValidationCounts;
use cx_core::journey::FunnelState;
use cx_core::period::Period;
use cx_core::survey::{GroupKey, GroupedAccumulator, MissingPolicy};
use numpy::PyReadonlyArray1;
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use std::sync::{Mutex, MutexGuard};

/// Locks a state; a panic cannot leave one half-updated (every update is all or nothing), so a poisoned lock
/// still holds a consistent state.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One histogram per group key or period of one metric.
#[pyclass(frozen, module = "cxkit._cxkit", name = "_GroupedState")]
#[derive(Debug)]
pub struct PyGroupedState {
    inner: Mutex<GroupedAccumulator>,
}

impl PyGroupedState {
    fn wrap(state: GroupedAccumulator) -> Self {
        PyGroupedState {
            inner: Mutex::new(state),
        }
    }
}

/// Group keys from Python labels: integers or strings, anything else an error naming the index.
fn group_keys(py: Python<'_>, labels: &Bound<'_, PyList>) -> PyResult<Vec<GroupKey>> {
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            if label.is_instance_of::<PyString>() {
                Ok(GroupKey::Str(label.extract::<String>()?))
            } else if let Ok(v) = label.extract::<i64>() {
                Ok(GroupKey::Int(v))
            } else {
                Err(crate::error::invalid_input(
                    py,
                    format!(
                        "group keys must be integers or strings; found {} ({}) at index {i}",
                        label.repr()?,
                        label.get_type().name()?
                    ),
                ))
            }
        })
        .collect()
}

#[pymethods]
impl PyGroupedState {
    /// An empty state by group key, or by `period` when given.
    #[new]
    #[pyo3(signature = (spec, period=None, fiscal_start_month=1))]
    fn new(py: Python<'_>, spec: &PyMetricSpec, period: Option<&str>, fiscal_start_month: u32) -> PyResult<Self> {
        let spec = spec.inner.clone();
        let state = match period {
            None => GroupedAccumulator::new(spec),
            Some(p) => Period::parse(p, fiscal_start_month).and_then(|p| GroupedAccumulator::by_period(spec, p)),
        };
        Ok(Self::wrap(state.py_err(py)?))
    }

    /// Adds responses whose group is `labels[codes[i]]` (codes from `pandas.factorize`, all in range).
    #[pyo3(signature = (scores, codes, labels, weights=None, missing="skip"))]
    fn add_codes(
        &self,
        py: Python<'_>,
        scores: &Bound<'_, PyAny>,
        codes: &Bound<'_, PyAny>,
        labels: &Bound<'_, PyList>,
        weights: Option<&Bound<'_, PyAny>>,
        missing: &str,
    ) -> PyResult<()> {
        let missing = MissingPolicy::parse(missing).py_err(py)?;
        let keys = group_keys(py, labels)?;
        let inputs = Aligned::borrow(scores, codes, "as_int64", "by", weights)?;
        let (slice, c, w) = inputs.slices()?;
        if let Some(i) = c.iter().position(|&code| code < 0 || code as usize >= keys.len()) {
            return Err(crate::error::invalid_input(
                py,
                format!(
                    "group code {} at index {i} is not one of the {} labels",
                    c[i],
                    keys.len()
                ),
            ));
        }
        let state = &self.inner;
        py.detach(|| {
            let codes: Vec<u32> = c.iter().map(|&code| code as u32).collect();
            with_scores!(slice, s => lock(state).add_codes(s, &codes, &keys, w, missing))
        })
        .py_err(py)
    }

    /// Adds responses dated `days` (int64 days since 1970-01-01) to a state by period.
    #[pyo3(signature = (scores, days, weights=None, missing="skip"))]
    fn add_days(
        &self,
        py: Python<'_>,
        scores: &Bound<'_, PyAny>,
        days: &Bound<'_, PyAny>,
        weights: Option<&Bound<'_, PyAny>>,
        missing: &str,
    ) -> PyResult<()> {
        let missing = MissingPolicy::parse(missing).py_err(py)?;
        let inputs = Aligned::borrow(scores, days, "as_days", "dates", weights)?;
        let (slice, d, w) = inputs.slices()?;
        let state = &self.inner;
        py.detach(|| with_scores!(slice, s => lock(state).add_dates(s, d, w, missing)))
            .py_err(py)
    }

    /// Merges another state of the same metric and period into this one.
    fn merge(&self, py: Python<'_>, other: &PyGroupedState) -> PyResult<()> {
        let theirs = lock(&other.inner).clone();
        lock(&self.inner).merge(&theirs).py_err(py)
    }

    /// The columns of `score_by` over everything added and merged, keys as Python objects.
    #[pyo3(signature = (interval=None, level=0.95, min_n=1, compare=None, adjust="holm", alpha=0.05))]
    #[allow(clippy::too_many_arguments)] // mirrors the keyword arguments of the Python signature
    fn score_by<'py>(
        &self,
        py: Python<'py>,
        interval: Option<&str>,
        level: f64,
        min_n: u64,
        compare: Option<&str>,
        adjust: &str,
        alpha: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let state = lock(&self.inner).clone();
        let spec = state.spec();
        let options = group_options(spec, interval, level, "skip", min_n, compare, adjust, alpha).py_err(py)?;
        let grouped = py.detach(|| state.estimates(&options)).py_err(py)?;
        grouped_columns(py, spec, &grouped, &options, |keys| {
            let objects = keys
                .into_iter()
                .map(|k| match k {
                    GroupKey::Int(v) => v.into_bound_py_any(py),
                    GroupKey::Str(s) => s.into_bound_py_any(py),
                })
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyList::new(py, objects)?.into_any())
        })
    }

    /// The columns of `trend` over everything added and merged (a state by period).
    #[pyo3(signature = (interval=None, level=0.95, compare=None, min_n=1, alpha=0.05, adjust="none"))]
    #[allow(clippy::too_many_arguments)] // mirrors the keyword arguments of the Python signature
    fn trend<'py>(
        &self,
        py: Python<'py>,
        interval: Option<&str>,
        level: f64,
        compare: Option<&str>,
        min_n: u64,
        alpha: f64,
        adjust: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let state = lock(&self.inner).clone();
        let spec = state.spec();
        let mut options =
            trend_options("month", 1, interval, level, "skip", compare, min_n, alpha, adjust).py_err(py)?;
        options.period = state.period().unwrap_or(options.period);
        let trend = py.detach(|| state.trend(&options)).py_err(py)?;
        trend_columns(py, spec, &trend, &options)
    }

    /// The metric.
    #[getter]
    fn spec(&self) -> PyMetricSpec {
        PyMetricSpec {
            inner: lock(&self.inner).spec().clone(),
        }
    }

    /// The period's name (`None` for a state by group key).
    #[getter]
    fn period(&self) -> Option<&'static str> {
        lock(&self.inner).period().map(Period::name)
    }

    /// First month of the fiscal year of a state by quarter or year (1 otherwise).
    #[getter]
    fn fiscal_start_month(&self) -> u32 {
        match lock(&self.inner).period() {
            Some(Period::Quarter { fiscal_start_month } | Period::Year { fiscal_start_month }) => fiscal_start_month,
            _ => 1,
        }
    }

    /// Number of groups (or periods with responses).
    fn __len__(&self) -> usize {
        lock(&self.inner).groups().count()
    }

    /// The state as bytes (the core's format, the same from Rust and C).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &lock(&self.inner).to_bytes())
    }

    /// Reads bytes written by `to_bytes`; damaged or inconsistent bytes raise `ConfigError`. The checksum only
    /// detects damage (anyone can compute it): every state is validated as untrusted input, and forged counts
    /// cannot be told from real ones, so authenticate states from sources you do not control before reading.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        Ok(Self::wrap(GroupedAccumulator::from_bytes(data).py_err(py)?))
    }

    fn __eq__(&self, other: &PyGroupedState) -> bool {
        std::ptr::eq(self, other) || {
            let theirs = lock(&other.inner).clone();
            *lock(&self.inner) == theirs
        }
    }
}

/// A funnel's step counts and times to convert over whole accounts.
#[pyclass(frozen, module = "cxkit._cxkit", name = "_FunnelState")]
#[derive(Debug)]
pub struct PyFunnelState {
    inner: Mutex<FunnelState>,
}

#[pymethods]
impl PyFunnelState {
    /// An empty state: `steps` are event codes (0..k), `window` and `as_of` in timestamp units.
    #[new]
    #[pyo3(signature = (steps, window, mode, as_of=None))]
    fn new(py: Python<'_>, steps: Vec<u32>, window: i64, mode: &str, as_of: Option<i64>) -> PyResult<Self> {
        let spec = funnel_spec(py, steps, window, mode, as_of)?;
        Ok(PyFunnelState {
            inner: Mutex::new(FunnelState::new(spec).py_err(py)?),
        })
    }

    /// Adds the events of whole accounts: int64 account ids, event codes (uint32) or, with `step_ids`, int64
    /// event ids, and int64 timestamps.
    #[pyo3(signature = (accounts, events, timestamps, step_ids=None))]
    fn add(
        &self,
        py: Python<'_>,
        accounts: &Bound<'_, PyAny>,
        events: &Bound<'_, PyAny>,
        timestamps: &Bound<'_, PyAny>,
        step_ids: Option<Vec<i64>>,
    ) -> PyResult<()> {
        let accounts: PyReadonlyArray1<'_, i64> = array(accounts, "as_int64", "account_ids")?;
        let timestamps: PyReadonlyArray1<'_, i64> = array(timestamps, "as_int64", "timestamps")?;
        let (a, t) = (
            slice_of(&accounts, "account_ids")?,
            slice_of(&timestamps, "timestamps")?,
        );
        let state = &self.inner;
        match step_ids {
            None => {
                let events: PyReadonlyArray1<'_, u32> = array(events, "as_uint32", "events")?;
                let e = slice_of(&events, "events")?;
                py.detach(|| lock(state).add(a, e, t)).py_err(py)
            }
            Some(ids) => {
                let events: PyReadonlyArray1<'_, i64> = array(events, "as_int64", "events")?;
                let e = slice_of(&events, "events")?;
                py.detach(|| lock(state).add(a, &event_codes(e, &ids), t)).py_err(py)
            }
        }
    }

    /// Merges the state of other accounts under the same funnel.
    fn merge(&self, py: Python<'_>, other: &PyFunnelState) -> PyResult<()> {
        let theirs = lock(&other.inner).clone();
        lock(&self.inner).merge(&theirs).py_err(py)
    }

    /// The funnel so far, as the core's JSON.
    fn finish(&self) -> String {
        serde_json::to_string(&lock(&self.inner).finish()).expect("funnels serialise")
    }

    /// The spec as JSON.
    fn spec_json(&self) -> String {
        serde_json::to_string(lock(&self.inner).spec()).expect("funnel specs serialise")
    }

    /// The state as bytes (the core's format).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &lock(&self.inner).to_bytes())
    }

    /// Reads bytes written by `to_bytes`; damaged bytes raise `ConfigError`.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        Ok(PyFunnelState {
            inner: Mutex::new(FunnelState::from_bytes(data).py_err(py)?),
        })
    }

    fn __eq__(&self, other: &PyFunnelState) -> bool {
        std::ptr::eq(self, other) || {
            let theirs = lock(&other.inner).to_bytes();
            lock(&self.inner).to_bytes() == theirs
        }
    }
}

/// Accounts per distinct health score, retained and churned: the mergeable form of `validate_scores`.
#[pyclass(frozen, module = "cxkit._cxkit", name = "_ValidationState")]
#[derive(Debug, Default)]
pub struct PyValidationState {
    inner: Mutex<ValidationCounts>,
}

#[pymethods]
impl PyValidationState {
    /// No accounts yet.
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Counts float64 `scores` (NaN = unscored) against `churned` (0/1).
    fn add(&self, py: Python<'_>, scores: &Bound<'_, PyAny>, churned: &Bound<'_, PyAny>) -> PyResult<()> {
        let scores = array::<f64>(scores, "as_float64", "scores")?;
        let churned = array::<f64>(churned, "as_float64", "churned")?;
        let flags = churn_flags(py, slice_of(&churned, "churned")?)?;
        let counts = ValidationCounts::from_scores(slice_of(&scores, "scores")?, &flags).py_err(py)?;
        lock(&self.inner).merge(&counts).py_err(py)
    }

    /// Adds another state's counts; `LimitExceededError` (kind `Overflow`) if a total would pass 2^64 − 1,
    /// and then nothing changes.
    fn merge(&self, py: Python<'_>, other: &PyValidationState) -> PyResult<()> {
        let theirs = lock(&other.inner).clone();
        lock(&self.inner).merge(&theirs).py_err(py)
    }

    /// The validation of every account counted, as `validate_scores` gives it.
    #[pyo3(signature = (names, cuts, at_risk, cut_belongs="upper"))]
    fn validate<'py>(
        &self,
        py: Python<'py>,
        names: Vec<String>,
        cuts: Vec<f64>,
        at_risk: &str,
        cut_belongs: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let bands = bands_of(py, names, cuts, cut_belongs)?;
        let v = lock(&self.inner).validate(&bands, at_risk).py_err(py)?;
        validation_dict(py, &v)
    }

    /// Scored accounts.
    #[getter]
    fn n(&self) -> u64 {
        lock(&self.inner).n()
    }

    /// Accounts without a score.
    #[getter]
    fn n_unscored(&self) -> u64 {
        lock(&self.inner).n_unscored()
    }

    /// The state as bytes (the core's format).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &lock(&self.inner).to_bytes())
    }

    /// Reads bytes written by `to_bytes`; damaged bytes raise `ConfigError`.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        Ok(PyValidationState {
            inner: Mutex::new(ValidationCounts::from_bytes(data).py_err(py)?),
        })
    }

    fn __eq__(&self, other: &PyValidationState) -> bool {
        std::ptr::eq(self, other) || {
            let theirs = lock(&other.inner).clone();
            *lock(&self.inner) == theirs
        }
    }
}

/// Merges two states of the same kind given as bytes (any kind; the core checks they match).
#[pyfunction]
fn _merge_states<'py>(py: Python<'py>, a: &[u8], b: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    Ok(PyBytes::new(py, &cx_core::state::merge(a, b).py_err(py)?))
}

/// The kind of state in `data` (`accumulator`, `grouped accumulator`, `funnel state`, `validation counts`,
/// `population`), after checking its envelope; damaged bytes raise `ConfigError`.
#[pyfunction]
fn _state_kind(py: Python<'_>, data: &[u8]) -> PyResult<&'static str> {
    Ok(cx_core::state::kind_of(data).py_err(py)?.name())
}

/// Adds the state classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_merge_states, m)?)?;
    m.add_function(wrap_pyfunction!(_state_kind, m)?)?;
    m.add_class::<PyGroupedState>()?;
    m.add_class::<PyFunnelState>()?;
    m.add_class::<PyValidationState>()?;
    Ok(())
}
