//! `MetricSpec`: what a score means, with the presets.

use crate::error::IntoPyResult;
use cx_core::survey::{self, Categories, Direction, PointRange, Scale, Scoring};
use pyo3::prelude::*;
use pyo3::types::PyType;

/// A survey metric: scale, direction, the favourable (and unfavourable) points, and the scoring.
///
/// >>> import cxkit as cx
/// >>> cx.MetricSpec.preset("csat")
/// MetricSpec('csat', scale=(1, 5), positive=(4, 5), negative=(1, 2), scoring='top_box')
#[pyclass(frozen, eq, hash, module = "cxkit._cxkit", name = "MetricSpec")]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PyMetricSpec {
    pub inner: survey::MetricSpec,
}

fn pair(r: PointRange) -> (i32, i32) {
    (r.lo, r.hi)
}

#[pymethods]
impl PyMetricSpec {
    #[new]
    #[pyo3(signature = (name, scale, positive, negative=None, scoring="top_box", direction="higher_is_better"))]
    fn new(
        py: Python<'_>,
        name: &str,
        scale: (i32, i32),
        positive: (i32, i32),
        negative: Option<(i32, i32)>,
        scoring: &str,
        direction: &str,
    ) -> PyResult<Self> {
        let range = |(lo, hi)| PointRange { lo, hi };
        let build = || {
            survey::MetricSpec::new(
                name,
                Scale {
                    min: scale.0,
                    max: scale.1,
                },
                Direction::parse(direction)?,
                Categories {
                    positive: range(positive),
                    negative: negative.map(range),
                },
                Scoring::parse(scoring)?,
            )
        };
        Ok(PyMetricSpec {
            inner: build().py_err(py)?,
        })
    }

    /// A preset by name: nps, csat, csat10, ces2_mean, ces2_agree, ces2_net, ces1_mean, binary_csat.
    #[staticmethod]
    fn preset(py: Python<'_>, name: &str) -> PyResult<Self> {
        Ok(PyMetricSpec {
            inner: survey::MetricSpec::from_preset(name).py_err(py)?,
        })
    }

    /// Parses and validates a spec from its JSON text (as written by `to_json`).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyMetricSpec {
            inner: survey::MetricSpec::from_json(text).py_err(py)?,
        })
    }

    /// The spec as versioned JSON text.
    fn to_json(&self) -> String {
        serde_json::to_string(&self.inner).expect("a metric spec always serialises")
    }

    /// Name shown in results.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// (min, max) of the scale.
    #[getter]
    fn scale(&self) -> (i32, i32) {
        (self.inner.scale.min, self.inner.scale.max)
    }

    /// The favourable points (lo, hi).
    #[getter]
    fn positive(&self) -> (i32, i32) {
        pair(self.inner.categories.positive)
    }

    /// The unfavourable points (lo, hi), or None.
    #[getter]
    fn negative(&self) -> Option<(i32, i32)> {
        self.inner.categories.negative.map(pair)
    }

    /// `net`, `top_box` or `mean`.
    #[getter]
    fn scoring(&self) -> &'static str {
        self.inner.scoring.name()
    }

    /// `higher_is_better` or `lower_is_better`.
    #[getter]
    fn direction(&self) -> &'static str {
        self.inner.direction.name()
    }

    /// The largest per-respondent variance in reported units² (10 000 for NPS in points): the planning default.
    #[getter]
    fn worst_case_variance(&self) -> f64 {
        self.inner.worst_case_variance()
    }

    fn __repr__(&self) -> String {
        let negative = match self.inner.categories.negative {
            Some(r) => format!(", negative=({}, {})", r.lo, r.hi),
            None => String::new(),
        };
        let direction = match self.inner.direction {
            Direction::HigherIsBetter => String::new(),
            d => format!(", direction='{}'", d.name()),
        };
        let (lo, hi) = self.positive();
        format!(
            "MetricSpec('{}', scale=({}, {}), positive=({lo}, {hi}){negative}, scoring='{}'{direction})",
            self.inner.name,
            self.inner.scale.min,
            self.inner.scale.max,
            self.inner.scoring.name()
        )
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let cls: Bound<'py, PyType> = slf.get_type();
        Ok((cls.getattr("from_json")?, (slf.get().to_json(),)))
    }
}
