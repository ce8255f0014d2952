//! Health scoring: `Scorecard` (scores columns of measures), `Explanation`, `validate_scores`. The public,
//! documented surface is in `cxkit/health.py`, which turns DataFrames into columns and columns into frames.

use crate::error::IntoPyResult;
use crate::input::{array, slice_of};
use crate::threads;
use cx_core::health::{self, Bands, Batch, Columns, CutBelongs, Direction, Population, Scorecard, Scorer};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

/// A validated health scorecard, ready to score columns of measures.
#[pyclass(frozen, module = "cxkit._cxkit", name = "_Scorecard")]
#[derive(Debug)]
pub struct PyScorecard {
    scorer: Scorer,
}

/// Borrowed float64 columns: one per measure (NaN = missing), optional ages, optional previous scores.
struct Inputs<'py> {
    values: Vec<PyReadonlyArray1<'py, f64>>,
    ages: Vec<Option<PyReadonlyArray1<'py, f64>>>,
    previous: Option<PyReadonlyArray1<'py, f64>>,
}

impl<'py> Inputs<'py> {
    fn borrow(
        values: &Bound<'py, PyList>,
        ages: &Bound<'py, PyList>,
        previous: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        let values = (values.iter())
            .map(|v| array::<f64>(&v, "as_float64", "measure values"))
            .collect::<PyResult<_>>()?;
        let ages = (ages.iter())
            .map(|a| {
                (!a.is_none())
                    .then(|| array::<f64>(&a, "as_float64", "ages"))
                    .transpose()
            })
            .collect::<PyResult<_>>()?;
        let previous = previous
            .filter(|p| !p.is_none())
            .map(|p| array::<f64>(p, "as_float64", "previous"))
            .transpose()?;
        Ok(Inputs { values, ages, previous })
    }

    fn columns(&self) -> PyResult<(Columns<'_>, Option<&[f64]>)> {
        let values = (self.values.iter())
            .map(|v| slice_of(v, "measure values"))
            .collect::<PyResult<_>>()?;
        let ages = (self.ages.iter())
            .map(|a| a.as_ref().map(|a| slice_of(a, "ages")).transpose())
            .collect::<PyResult<_>>()?;
        let previous = self.previous.as_ref().map(|p| slice_of(p, "previous")).transpose()?;
        Ok((Columns { values, ages }, previous))
    }
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Up => "up",
        Direction::Down => "down",
        Direction::Flat => "flat",
    }
}

/// The batch as columns: numbers as numpy arrays; band, override and trend as codes (-1 = none) into a list of
/// names, so 1M accounts cost three integer arrays instead of three million Python strings.
fn batch_dict<'py>(py: Python<'py>, card: &Scorecard, batch: Batch) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let codes = |c: Vec<Option<usize>>| -> Vec<i64> { c.into_iter().map(|k| k.map_or(-1, |k| k as i64)).collect() };
    let trend_names = [Direction::Down, Direction::Flat, Direction::Up];
    let trend = (batch.trend.iter())
        .map(|t| t.and_then(|t| trend_names.iter().position(|&d| d == t)))
        .collect();
    d.set_item("band", codes(batch.band).into_pyarray(py))?;
    d.set_item("band_names", &card.bands.names)?;
    d.set_item("override", codes(batch.fired).into_pyarray(py))?;
    d.set_item(
        "override_names",
        card.overrides.iter().map(|o| o.id.as_str()).collect::<Vec<_>>(),
    )?;
    d.set_item("trend", codes(trend).into_pyarray(py))?;
    d.set_item("trend_names", trend_names.map(direction_name))?;
    d.set_item("score", batch.score.into_pyarray(py))?;
    d.set_item("coverage", batch.coverage.into_pyarray(py))?;
    d.set_item("delta", batch.delta.into_pyarray(py))?;
    let contributions = PyList::empty(py);
    for column in batch.contribution {
        contributions.append(column.into_pyarray(py))?;
    }
    d.set_item("contributions", contributions)?;
    Ok(d)
}

#[pymethods]
impl PyScorecard {
    /// Parses and validates a scorecard; errors name the bad field.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let scorer = Scorecard::from_json(text).and_then(Scorer::new).py_err(py)?;
        Ok(PyScorecard { scorer })
    }

    /// The scorecard as versioned JSON.
    fn to_json(&self) -> String {
        self.scorer.scorecard().to_json()
    }

    /// The scorecard's name.
    #[getter]
    fn name(&self) -> &str {
        &self.scorer.scorecard().name
    }

    /// Measure ids, in scorecard order.
    #[getter]
    fn measures(&self) -> Vec<String> {
        self.scorer.scorecard().measures.iter().map(|m| m.id.clone()).collect()
    }

    /// Band names, worst first.
    #[getter]
    fn bands(&self) -> Vec<String> {
        self.scorer.scorecard().bands.names.clone()
    }

    /// The cuts between the bands.
    #[getter]
    fn band_cuts(&self) -> Vec<f64> {
        self.scorer.scorecard().bands.cuts.clone()
    }

    /// Which side a score equal to a cut belongs to: `upper` or `lower`.
    #[getter]
    fn cut_belongs(&self) -> &'static str {
        match self.scorer.scorecard().bands.cut_belongs {
            CutBelongs::Upper => "upper",
            CutBelongs::Lower => "lower",
        }
    }

    /// Each measure's share of the score at full data.
    #[getter]
    fn nominal_weights(&self) -> Vec<f64> {
        self.scorer.nominal_weights().to_vec()
    }

    /// Scores columns: `values[m]` and `ages[m]` (or None) per measure, `previous` scores or None; percentile
    /// measures rank within `population` (a population state's bytes) when given.
    #[pyo3(signature = (values, ages, previous=None, population=None))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyList>,
        ages: &Bound<'py, PyList>,
        previous: Option<&Bound<'py, PyAny>>,
        population: Option<&[u8]>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let inputs = Inputs::borrow(values, ages, previous)?;
        let (columns, previous) = inputs.columns()?;
        let population = population.map(Population::from_bytes).transpose().py_err(py)?;
        let batch = py
            .detach(|| (self.scorer).score_threads(&columns, previous, population.as_ref(), threads()))
            .py_err(py)?;
        batch_dict(py, self.scorer.scorecard(), batch)
    }

    /// The population state (bytes) of the percentile measures' observed values in these columns.
    fn population<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyList>,
        ages: &Bound<'py, PyList>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let inputs = Inputs::borrow(values, ages, None)?;
        let (columns, _) = inputs.columns()?;
        let population = py.detach(|| self.scorer.population(&columns)).py_err(py)?;
        Ok(PyBytes::new(py, &population.to_bytes()))
    }

    /// The explanation of row `account` as a JSON-like dict.
    #[pyo3(signature = (values, ages, previous, account))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        values: &Bound<'py, PyList>,
        ages: &Bound<'py, PyList>,
        previous: Option<&Bound<'py, PyAny>>,
        account: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let inputs = Inputs::borrow(values, ages, previous)?;
        let (columns, previous) = inputs.columns()?;
        let explanation = py
            .detach(|| {
                let batch = self.scorer.score(&columns, previous)?;
                self.scorer.explain(&columns, &batch, account)
            })
            .py_err(py)?;
        let json = serde_json::to_string(&explanation).expect("explanations serialise");
        py.import("json")?.getattr("loads")?.call1((json,))
    }
}

/// Validation of `scores` against `churned` (1/0) with the bands `names` / `cuts`, flagging `at_risk` and worse.
#[pyfunction]
#[pyo3(signature = (scores, churned, names, cuts, at_risk, cut_belongs="upper"))]
pub fn validate_scores<'py>(
    py: Python<'py>,
    scores: &Bound<'py, PyAny>,
    churned: &Bound<'py, PyAny>,
    names: Vec<String>,
    cuts: Vec<f64>,
    at_risk: &str,
    cut_belongs: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let scores = array::<f64>(scores, "as_float64", "scores")?;
    let churned = array::<f64>(churned, "as_float64", "churned")?;
    let s = slice_of(&scores, "scores")?;
    let flags = churn_flags(py, slice_of(&churned, "churned")?)?;
    let bands = bands_of(py, names, cuts, cut_belongs)?;
    let v = health::validate_scores(s, &flags, &bands, at_risk).py_err(py)?;
    validation_dict(py, &v)
}

/// Churn flags from 0/1 values; anything else is an error naming the index.
pub(crate) fn churn_flags(py: Python<'_>, churned: &[f64]) -> PyResult<Vec<bool>> {
    if let Some(i) = churned.iter().position(|&x| x != 0.0 && x != 1.0) {
        return Err(crate::error::invalid_input(
            py,
            format!("churned must hold 0/1 or booleans; found {} at index {i}", churned[i]),
        ));
    }
    Ok(churned.iter().map(|&x| x == 1.0).collect())
}

/// Bands from their names (worst first), cuts and where a value on a cut goes.
pub(crate) fn bands_of(py: Python<'_>, names: Vec<String>, cuts: Vec<f64>, cut_belongs: &str) -> PyResult<Bands> {
    let cut_belongs = match cut_belongs {
        "lower" => CutBelongs::Lower,
        "upper" => CutBelongs::Upper,
        other => {
            return Err(crate::error::to_py(
                py,
                cx_core::CxError::UnknownName {
                    kind: "cut_belongs".into(),
                    name: other.into(),
                    expected: "upper, lower".into(),
                },
            ));
        }
    };
    Ok(Bands {
        names,
        cuts,
        cut_belongs,
    })
}

/// A validation as a Python dict (through its JSON, so the keys are the core's).
pub(crate) fn validation_dict<'py>(py: Python<'py>, v: &health::ScoreValidation) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_string(v).expect("validations serialise");
    py.import("json")?.getattr("loads")?.call1((json,))
}
