//! Frozen result classes: `Estimate`, `Comparison`, `PairedComparison`.
//!
//! Each wraps the core value, exposes its fields as read-only attributes, has a short `__repr__`, a
//! `_repr_html_` table for notebooks, `to_dict()`, and pickles through its JSON form.

use cx_core::CxError;
use cx_core::survey::{self, Scoring};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::IntoPyResult;

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("results always serialise")
}

fn from_json<T: DeserializeOwned>(py: Python<'_>, what: &str, text: &str) -> PyResult<T> {
    serde_json::from_str(text)
        .map_err(|e| CxError::InvalidConfig {
            what: what.into(),
            field: format!("line {} column {}", e.line(), e.column()),
            reason: e.to_string(),
        })
        .py_err(py)
}

/// `(cls._from_json, (json,))`: what `pickle` needs to rebuild a result.
fn reduce<'py, T: pyo3::PyClass>(slf: &Bound<'py, T>, json: String) -> PyResult<(Bound<'py, PyAny>, (String,))> {
    let cls: Bound<'py, PyType> = slf.as_any().get_type();
    Ok((cls.getattr("_from_json")?, (json,)))
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A two-column HTML table with a caption, for `_repr_html_`.
fn html_table(caption: &str, rows: &[(&str, String)]) -> String {
    let body: String = rows
        .iter()
        .map(|(k, v)| {
            format!(
                "<tr><th style=\"text-align:left\">{}</th><td>{}</td></tr>",
                esc(k),
                esc(v)
            )
        })
        .collect();
    format!("<table><caption>{}</caption>{body}</table>", esc(caption))
}

/// Fields as a dict, through the serde form (so it names exactly what the JSON holds).
fn as_dict<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.getattr("loads")?.call1((to_json(value),))
}

/// A p-value for display: four decimals, or scientific notation when smaller.
fn p_text(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

fn pct(level: f64) -> String {
    format!("{}%", level * 100.0)
}

/// A survey metric with its uncertainty and provenance.
///
/// `value` is in the metric's reported unit: NPS and other net scores in points (−100..100), top-box shares in
/// percent, means on the rating scale. `se`, `ci_low` and `ci_high` are in the same unit.
#[pyclass(frozen, eq, module = "cxkit._cxkit", name = "Estimate")]
#[derive(Debug, Clone, PartialEq)]
pub struct PyEstimate {
    pub inner: survey::Estimate,
}

#[pymethods]
impl PyEstimate {
    /// The metric's name, e.g. `nps`.
    #[getter]
    fn metric(&self) -> &str {
        &self.inner.metric
    }
    /// `net`, `top_box` or `mean`.
    #[getter]
    fn scoring(&self) -> &'static str {
        self.inner.scoring.name()
    }
    /// The estimate in the metric's unit.
    #[getter]
    fn value(&self) -> f64 {
        self.inner.value
    }
    /// Standard error (NaN when undefined, e.g. one weighted response).
    #[getter]
    fn se(&self) -> f64 {
        self.inner.se
    }
    /// Lower limit of the interval.
    #[getter]
    fn ci_low(&self) -> f64 {
        self.inner.ci_low
    }
    /// Upper limit of the interval.
    #[getter]
    fn ci_high(&self) -> f64 {
        self.inner.ci_high
    }
    /// Confidence level of the interval, e.g. 0.95.
    #[getter]
    fn level(&self) -> f64 {
        self.inner.level
    }
    /// The interval method, e.g. `tango` or `wilson`.
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method.name()
    }
    /// Responses counted (missing ones excluded).
    #[getter]
    fn n(&self) -> u64 {
        self.inner.n
    }
    /// Kish effective sample size (equals n when unweighted).
    #[getter]
    fn n_effective(&self) -> f64 {
        self.inner.n_effective
    }
    /// Missing responses skipped.
    #[getter]
    fn n_missing(&self) -> u64 {
        self.inner.n_missing
    }
    /// Whether weights other than 1 were used.
    #[getter]
    fn weighted(&self) -> bool {
        self.inner.weighted
    }
    /// n / n_effective (1 when unweighted).
    #[getter]
    fn design_effect(&self) -> f64 {
        self.inner.design_effect
    }
    /// Percent promoters (net metrics only, else None).
    #[getter]
    fn promoters(&self) -> Option<f64> {
        (self.inner.scoring == Scoring::Net).then(|| self.inner.promoters())
    }
    /// Percent passives (net metrics only, else None).
    #[getter]
    fn passives(&self) -> Option<f64> {
        (self.inner.scoring == Scoring::Net).then(|| self.inner.passives())
    }
    /// Percent detractors (net metrics only, else None).
    #[getter]
    fn detractors(&self) -> Option<f64> {
        (self.inner.scoring == Scoring::Net).then(|| self.inner.detractors())
    }
    /// Percent of responses in each category: `{"negative", "neutral", "positive"}` (negative None if the
    /// metric has no unfavourable category). Weighted when the data are.
    #[getter]
    fn shares<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("negative", self.inner.shares.negative)?;
        d.set_item("neutral", self.inner.shares.neutral)?;
        d.set_item("positive", self.inner.shares.positive)?;
        Ok(d)
    }
    /// Raw (unweighted) responses in each category.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("negative", self.inner.counts.negative)?;
        d.set_item("neutral", self.inner.counts.neutral)?;
        d.set_item("positive", self.inner.counts.positive)?;
        Ok(d)
    }

    /// Every field as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        as_dict(py, &self.inner)
    }

    /// The estimate as JSON text.
    fn to_json(&self) -> String {
        to_json(&self.inner)
    }

    #[staticmethod]
    fn _from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyEstimate {
            inner: from_json(py, "estimate", text)?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        reduce(slf, slf.get().to_json())
    }

    fn __repr__(&self) -> String {
        let e = &self.inner;
        let weighted = if e.weighted {
            format!(", n_effective={:.1}", e.n_effective)
        } else {
            String::new()
        };
        format!(
            "Estimate({}={:.2}, {} CI [{:.2}, {:.2}] {}, n={}{weighted})",
            e.metric,
            e.value,
            pct(e.level),
            e.ci_low,
            e.ci_high,
            e.method.name(),
            e.n
        )
    }

    fn _repr_html_(&self) -> String {
        let e = &self.inner;
        let mut rows = vec![
            ("value", format!("{:.4}", e.value)),
            ("se", format!("{:.4}", e.se)),
            (
                "interval",
                format!(
                    "[{:.4}, {:.4}] ({} {})",
                    e.ci_low,
                    e.ci_high,
                    pct(e.level),
                    e.method.name()
                ),
            ),
            ("n", e.n.to_string()),
            ("n_missing", e.n_missing.to_string()),
        ];
        if e.weighted {
            rows.push(("n_effective", format!("{:.2}", e.n_effective)));
            rows.push(("design_effect", format!("{:.3}", e.design_effect)));
        }
        if let Some(negative) = e.shares.negative {
            rows.push(("negative %", format!("{negative:.2}")));
        }
        rows.push(("neutral %", format!("{:.2}", e.shares.neutral)));
        rows.push(("positive %", format!("{:.2}", e.shares.positive)));
        html_table(&format!("{} ({})", e.metric, e.scoring.name()), &rows)
    }
}

/// The difference between two independent samples, A − B, in the unit of the estimates. Swapping A and B flips
/// the sign of `delta`, `z` and the interval.
#[pyclass(frozen, eq, module = "cxkit._cxkit", name = "Comparison")]
#[derive(Debug, Clone, PartialEq)]
pub struct PyComparison {
    pub inner: survey::Comparison,
}

#[pymethods]
impl PyComparison {
    /// A − B.
    #[getter]
    fn delta(&self) -> f64 {
        self.inner.delta
    }
    /// Standard error of the difference.
    #[getter]
    fn se(&self) -> f64 {
        self.inner.se
    }
    /// Test statistic (z, or Welch's t for means).
    #[getter]
    fn z(&self) -> f64 {
        self.inner.statistic
    }
    /// Degrees of freedom (Welch only, else None).
    #[getter]
    fn df(&self) -> Option<f64> {
        self.inner.df
    }
    /// Two-sided p-value of "no difference".
    #[getter]
    fn p_value(&self) -> f64 {
        self.inner.p_value
    }
    /// Lower limit of the interval for A − B.
    #[getter]
    fn ci_low(&self) -> f64 {
        self.inner.ci_low
    }
    /// Upper limit of the interval for A − B.
    #[getter]
    fn ci_high(&self) -> f64 {
        self.inner.ci_high
    }
    /// Confidence level.
    #[getter]
    fn level(&self) -> f64 {
        self.inner.level
    }
    /// `wald`, `adjusted`, `newcombe`, `agresti_caffo` or `welch`.
    #[getter]
    fn method(&self) -> &'static str {
        self.inner.method.name()
    }
    /// Estimate of A.
    #[getter]
    fn value_a(&self) -> f64 {
        self.inner.value_a
    }
    /// Estimate of B.
    #[getter]
    fn value_b(&self) -> f64 {
        self.inner.value_b
    }
    /// Responses in A.
    #[getter]
    fn n_a(&self) -> u64 {
        self.inner.n_a
    }
    /// Responses in B.
    #[getter]
    fn n_b(&self) -> u64 {
        self.inner.n_b
    }

    /// Every field as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        as_dict(py, &self.inner)
    }

    /// The comparison as JSON text.
    fn to_json(&self) -> String {
        to_json(&self.inner)
    }

    #[staticmethod]
    fn _from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyComparison {
            inner: from_json(py, "comparison", text)?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        reduce(slf, slf.get().to_json())
    }

    fn __repr__(&self) -> String {
        let c = &self.inner;
        format!(
            "Comparison(delta={:+.2}, {} CI [{:.2}, {:.2}] {}, p={}, n_a={}, n_b={})",
            c.delta,
            pct(c.level),
            c.ci_low,
            c.ci_high,
            c.method.name(),
            p_text(c.p_value),
            c.n_a,
            c.n_b
        )
    }

    fn _repr_html_(&self) -> String {
        let c = &self.inner;
        html_table(
            "A − B",
            &[
                ("delta", format!("{:+.4}", c.delta)),
                ("se", format!("{:.4}", c.se)),
                (
                    "interval",
                    format!(
                        "[{:.4}, {:.4}] ({} {})",
                        c.ci_low,
                        c.ci_high,
                        pct(c.level),
                        c.method.name()
                    ),
                ),
                ("z", format!("{:.4}", c.statistic)),
                ("p_value", p_text(c.p_value)),
                ("A", format!("{:.4} (n={})", c.value_a, c.n_a)),
                ("B", format!("{:.4} (n={})", c.value_b, c.n_b)),
            ],
        )
    }
}

/// The mean change of the same respondents answering twice (after − before), with its t interval.
#[pyclass(frozen, eq, module = "cxkit._cxkit", name = "PairedComparison")]
#[derive(Debug, Clone, PartialEq)]
pub struct PyPairedComparison {
    pub inner: survey::PairedComparison,
}

#[pymethods]
impl PyPairedComparison {
    /// Mean per-respondent change, in the metric's unit.
    #[getter]
    fn delta(&self) -> f64 {
        self.inner.delta
    }
    /// Its standard error.
    #[getter]
    fn se(&self) -> f64 {
        self.inner.se
    }
    /// t statistic.
    #[getter]
    fn t(&self) -> f64 {
        self.inner.t
    }
    /// Degrees of freedom (pairs − 1).
    #[getter]
    fn df(&self) -> f64 {
        self.inner.df
    }
    /// Two-sided p-value of "no change".
    #[getter]
    fn p_value(&self) -> f64 {
        self.inner.p_value
    }
    /// Lower limit of the t interval.
    #[getter]
    fn ci_low(&self) -> f64 {
        self.inner.ci_low
    }
    /// Upper limit of the t interval.
    #[getter]
    fn ci_high(&self) -> f64 {
        self.inner.ci_high
    }
    /// Confidence level.
    #[getter]
    fn level(&self) -> f64 {
        self.inner.level
    }
    /// Complete pairs used.
    #[getter]
    fn n_pairs(&self) -> u64 {
        self.inner.n_pairs
    }
    /// Pairs skipped because an answer was missing.
    #[getter]
    fn n_missing(&self) -> u64 {
        self.inner.n_missing
    }

    /// Every field as a plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        as_dict(py, &self.inner)
    }

    /// The comparison as JSON text.
    fn to_json(&self) -> String {
        to_json(&self.inner)
    }

    #[staticmethod]
    fn _from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyPairedComparison {
            inner: from_json(py, "paired comparison", text)?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        reduce(slf, slf.get().to_json())
    }

    fn __repr__(&self) -> String {
        let c = &self.inner;
        format!(
            "PairedComparison(delta={:+.2}, {} CI [{:.2}, {:.2}] t, p={}, n_pairs={})",
            c.delta,
            pct(c.level),
            c.ci_low,
            c.ci_high,
            p_text(c.p_value),
            c.n_pairs
        )
    }

    fn _repr_html_(&self) -> String {
        let c = &self.inner;
        html_table(
            "after − before (paired)",
            &[
                ("delta", format!("{:+.4}", c.delta)),
                ("se", format!("{:.4}", c.se)),
                (
                    "interval",
                    format!("[{:.4}, {:.4}] ({} t)", c.ci_low, c.ci_high, pct(c.level)),
                ),
                ("t", format!("{:.4} (df {})", c.t, c.df)),
                ("p_value", p_text(c.p_value)),
                ("n_pairs", c.n_pairs.to_string()),
                ("n_missing", c.n_missing.to_string()),
            ],
        )
    }
}
