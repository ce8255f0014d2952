//! `Histogram`: a metric's responses accumulated incrementally, merged, and stored as bytes.

use crate::error::IntoPyResult;
use crate::input::{Scores, slice_of, weights};
use crate::results::PyEstimate;
use crate::spec::PyMetricSpec;
use crate::{estimate_options, with_scores};
use cx_core::survey::{self, Accumulator, MissingPolicy, OneSampleTest};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyType};
use std::sync::{Mutex, MutexGuard};

/// The mergeable accumulator of one metric: counts per scale point (and weight sums once weighted), plus the
/// missing count. Adding, merging and estimating are safe from several threads; the O(n) part of `add` runs
/// without the GIL.
///
/// >>> import cxkit as cx
/// >>> h = cx.Histogram("nps")
/// >>> h.add([10, 9, 3])
/// >>> h.n
/// 3
#[pyclass(frozen, module = "cxkit._cxkit", name = "Histogram")]
#[derive(Debug)]
pub struct PyHistogram {
    inner: Mutex<Accumulator>,
}

impl PyHistogram {
    fn lock(&self) -> MutexGuard<'_, Accumulator> {
        // A panic while holding the lock cannot leave the accumulator half-updated (merges are atomic), so a
        // poisoned lock still holds a consistent state.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn snapshot(&self) -> Accumulator {
        self.lock().clone()
    }

    pub fn from_accumulator(acc: Accumulator) -> Self {
        PyHistogram { inner: Mutex::new(acc) }
    }

    /// A copy of the accumulated state.
    pub fn state(&self) -> Accumulator {
        self.snapshot()
    }
}

#[pymethods]
impl PyHistogram {
    /// An empty histogram for `spec`: a `MetricSpec`, a preset name, JSON text or its dict.
    #[new]
    fn new(py: Python<'_>, spec: &Bound<'_, PyAny>) -> PyResult<Self> {
        let spec = match spec.cast::<PyMetricSpec>() {
            Ok(spec) => spec.get().inner.clone(),
            Err(_) => {
                let resolved = py.import("cxkit.survey")?.getattr("metric_spec")?.call1((spec,))?;
                resolved.cast::<PyMetricSpec>()?.get().inner.clone()
            }
        };
        Ok(Self::from_accumulator(Accumulator::new(spec).py_err(py)?))
    }

    /// Adds responses (any array-like of numbers) with optional weights; on error nothing is added.
    #[pyo3(signature = (scores, weights=None, missing="skip"))]
    fn add(
        &self,
        py: Python<'_>,
        scores: &Bound<'_, PyAny>,
        weights: Option<&Bound<'_, PyAny>>,
        missing: &str,
    ) -> PyResult<()> {
        let missing = MissingPolicy::parse(missing).py_err(py)?;
        let scores = Scores::borrow(scores, "scores")?;
        let weights = self::weights(weights)?;
        let (slice, w) = (
            scores.slice("scores")?,
            weights.as_ref().map(|w| slice_of(w, "weights")).transpose()?,
        );
        let mut batch = Accumulator::new(self.lock().spec().clone()).py_err(py)?;
        py.detach(|| with_scores!(slice, s => batch.add(s, w, missing)))
            .py_err(py)?;
        self.lock().merge(&batch).py_err(py)
    }

    /// Merges another histogram of the same metric into this one.
    fn merge(&self, py: Python<'_>, other: &PyHistogram) -> PyResult<()> {
        let theirs = other.snapshot(); // copied first: `h.merge(h)` must not lock twice
        self.lock().merge(&theirs).py_err(py)
    }

    /// The estimate of everything added so far.
    #[pyo3(signature = (interval=None, level=0.95))]
    fn estimate(&self, py: Python<'_>, interval: Option<&str>, level: f64) -> PyResult<PyEstimate> {
        let options = estimate_options(interval, level, "skip").py_err(py)?;
        Ok(PyEstimate {
            inner: self.lock().estimate(&options).py_err(py)?,
        })
    }

    /// A histogram holding category counts (net and top-box metrics), e.g. detractors, passives, promoters.
    #[staticmethod]
    fn from_category_counts(
        py: Python<'_>,
        spec: &PyMetricSpec,
        negative: u64,
        neutral: u64,
        positive: u64,
    ) -> PyResult<Self> {
        let h = survey::histogram_from_category_counts(&spec.inner, negative, neutral, positive).py_err(py)?;
        Ok(Self::from_accumulator(
            Accumulator::from_parts(spec.inner.clone(), h).py_err(py)?,
        ))
    }

    /// One-sample test of `null` (in the metric's unit): `wald`, `score` (McNemar), `exact`, `mid_p` (net
    /// metrics) or `t` (means). Returns a dict with `test`, `null_value`, `statistic` (None for exact tests),
    /// `p_value` and `n`.
    #[pyo3(signature = (test="score", null=0.0))]
    fn test<'py>(&self, py: Python<'py>, test: &str, null: f64) -> PyResult<Bound<'py, PyDict>> {
        let test = OneSampleTest::parse(test).py_err(py)?;
        let result = {
            let acc = self.lock();
            survey::one_sample_test(acc.spec(), acc.histogram(), test, null).py_err(py)?
        };
        let d = PyDict::new(py);
        d.set_item("test", result.test.name())?;
        d.set_item("null_value", result.null_value)?;
        d.set_item("statistic", result.statistic)?;
        d.set_item("p_value", result.p_value)?;
        d.set_item("n", result.n)?;
        Ok(d)
    }

    /// The state as bytes (versioned JSON, the same as the Rust and C APIs write).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.lock().to_bytes())
    }

    /// Reads bytes written by `to_bytes` (from Python, Rust or C); damaged bytes raise `ConfigError`.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        Ok(Self::from_accumulator(Accumulator::from_bytes(data).py_err(py)?))
    }

    /// An independent copy.
    fn copy(&self) -> Self {
        Self::from_accumulator(self.snapshot())
    }

    /// The metric.
    #[getter]
    fn spec(&self) -> PyMetricSpec {
        PyMetricSpec {
            inner: self.lock().spec().clone(),
        }
    }

    /// Raw count per scale point, index 0 being the scale's minimum.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        self.lock().histogram().counts().to_vec().into_pyarray(py)
    }

    /// Responses counted.
    #[getter]
    fn n(&self) -> u64 {
        self.lock().histogram().n()
    }

    /// Missing responses skipped.
    #[getter]
    fn n_missing(&self) -> u64 {
        self.lock().histogram().n_missing()
    }

    /// Σw over the responses (n when unweighted).
    #[getter]
    fn total_weight(&self) -> f64 {
        self.lock().histogram().total_weight()
    }

    /// Kish effective sample size (Σw)²/Σw².
    #[getter]
    fn n_effective(&self) -> f64 {
        self.lock().histogram().n_effective()
    }

    /// Whether weights other than 1 have been added.
    #[getter]
    fn weighted(&self) -> bool {
        self.lock().histogram().is_weighted()
    }

    fn __eq__(&self, other: &PyHistogram) -> bool {
        std::ptr::eq(self, other) || self.snapshot() == other.snapshot()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let cls: Bound<'py, PyType> = slf.get_type();
        Ok((cls.getattr("from_bytes")?, (slf.get().to_bytes(slf.py()),)))
    }

    fn __repr__(&self) -> String {
        let acc = self.lock();
        let h = acc.histogram();
        format!(
            "Histogram('{}', n={}, n_missing={}{})",
            acc.spec().name,
            h.n(),
            h.n_missing(),
            if h.is_weighted() { ", weighted" } else { "" }
        )
    }
}
