//! SMART goals: `_Goal` and `_GoalTree` handles over the core types. Results cross as the core's JSON, so Python
//! reads exactly the numbers Rust and C do; `cxkit/goals.py` turns them into result objects and DataFrames.

use crate::error::IntoPyResult;
use crate::input::{array, slice_of};
use cx_core::goals::{Goal, GoalTree, Observations, Tolerances};
use cx_core::period;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("goal results always serialise")
}

/// Dates (int64 days) and values, borrowed and checked into core observations.
fn observations(py: Python<'_>, dates: &Bound<'_, PyAny>, values: &Bound<'_, PyAny>) -> PyResult<Observations> {
    let days: PyReadonlyArray1<'_, i64> = array(dates, "as_days", "dates")?;
    let values: PyReadonlyArray1<'_, f64> = array(values, "as_float64", "values")?;
    Observations::new(slice_of(&days, "dates")?, slice_of(&values, "values")?).py_err(py)
}

fn date(py: Python<'_>, days: i64, name: &str) -> PyResult<chrono::NaiveDate> {
    period::date_argument(name, days).py_err(py)
}

/// Tolerances from `(at_risk_gap, off_track_gap)`.
fn tolerances(py: Python<'_>, (at_risk_gap, off_track_gap): (f64, f64)) -> PyResult<Tolerances> {
    let t = Tolerances {
        at_risk_gap,
        off_track_gap,
    };
    t.validate().py_err(py)?;
    Ok(t)
}

/// A validated goal.
#[pyclass(frozen, module = "cxkit._cxkit", name = "_Goal")]
#[derive(Debug)]
pub struct PyGoal {
    goal: Goal,
}

#[pymethods]
impl PyGoal {
    /// Parses and validates a goal document.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyGoal {
            goal: Goal::from_json(text).py_err(py)?,
        })
    }

    /// The goal as versioned JSON.
    fn to_json(&self) -> String {
        self.goal.to_json()
    }

    /// The SMART report as JSON; history dates and values may be None.
    #[pyo3(signature = (dates=None, values=None))]
    fn check(
        &self,
        py: Python<'_>,
        dates: Option<&Bound<'_, PyAny>>,
        values: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let history = match (dates, values) {
            (Some(d), Some(v)) => Some(observations(py, d, v)?),
            _ => None,
        };
        Ok(json(&self.goal.check(history.as_ref()).py_err(py)?))
    }

    /// Progress at `as_of` (int64 days) as JSON; `gaps` = (at_risk_gap, off_track_gap).
    fn progress(
        &self,
        py: Python<'_>,
        dates: &Bound<'_, PyAny>,
        values: &Bound<'_, PyAny>,
        as_of: i64,
        gaps: (f64, f64),
    ) -> PyResult<String> {
        let obs = observations(py, dates, values)?;
        let as_of = date(py, as_of, "as_of")?;
        let t = tolerances(py, gaps)?;
        Ok(json(&self.goal.progress(&obs, as_of, &t).py_err(py)?))
    }
}

/// A validated goal tree.
#[pyclass(frozen, module = "cxkit._cxkit", name = "_GoalTree")]
#[derive(Debug)]
pub struct PyGoalTree {
    tree: GoalTree,
}

#[pymethods]
impl PyGoalTree {
    /// Parses and validates `{"version": 1, "goals": [...]}`.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyGoalTree {
            tree: GoalTree::from_json(text).py_err(py)?,
        })
    }

    /// The tree as versioned JSON.
    fn to_json(&self) -> String {
        self.tree.to_json()
    }

    /// The goals, each as its JSON document, in tree order.
    fn goals(&self) -> Vec<String> {
        self.tree.goals().iter().map(Goal::to_json).collect()
    }

    /// The tree position of each goal id; an id not in the tree raises the core's UnknownId error.
    fn codes(&self, py: Python<'_>, ids: Vec<String>) -> PyResult<Vec<u32>> {
        self.tree.codes(&ids).py_err(py)
    }

    /// Progress of every goal as JSON, from columnar observations: goal ids, dates (int64 days), values.
    fn progress(
        &self,
        py: Python<'_>,
        ids: Vec<String>,
        dates: &Bound<'_, PyAny>,
        values: &Bound<'_, PyAny>,
        as_of: i64,
        gaps: (f64, f64),
    ) -> PyResult<String> {
        let codes = self.tree.codes(&ids).py_err(py)?;
        let days: PyReadonlyArray1<'_, i64> = array(dates, "as_days", "dates")?;
        let values: PyReadonlyArray1<'_, f64> = array(values, "as_float64", "values")?;
        let split = (self.tree)
            .split(&codes, slice_of(&days, "dates")?, slice_of(&values, "values")?)
            .py_err(py)?;
        let as_of = date(py, as_of, "as_of")?;
        let t = tolerances(py, gaps)?;
        Ok(json(&self.tree.progress(&split, as_of, &t).py_err(py)?))
    }

    /// The success rate of closed goals as JSON.
    fn success_rate(&self, py: Python<'_>) -> PyResult<String> {
        Ok(json(&self.tree.success_rate().py_err(py)?))
    }
}

/// First and last day (int64 days) of the fiscal quarter holding `day`.
#[pyfunction]
pub fn _quarter_of(py: Python<'_>, day: i64, fiscal_start_month: u32) -> PyResult<(i64, i64)> {
    let (a, b) = period::quarter_of(date(py, day, "date")?, fiscal_start_month).py_err(py)?;
    Ok((period::days_since_epoch(a), period::days_since_epoch(b)))
}

/// First and last day (int64 days) of the fiscal year holding `day`.
#[pyfunction]
pub fn _fiscal_year_of(py: Python<'_>, day: i64, fiscal_start_month: u32) -> PyResult<(i64, i64)> {
    let (a, b) = period::fiscal_year_of(date(py, day, "date")?, fiscal_start_month).py_err(py)?;
    Ok((period::days_since_epoch(a), period::days_since_epoch(b)))
}
