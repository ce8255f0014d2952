//! Journeys: the `_Roadmap` handle, its evaluations, and the event-log funnel. Facts arrive as long tables
//! (lists of ids, int64 days, float64 values), built into account facts by the core's `FactsBuilder`; results
//! cross as the core's JSON, so Python reads exactly the numbers Rust and C do. `cxkit/journey.py` makes the
//! DataFrames.

use crate::error::IntoPyResult;
use crate::input::{Scores, array, slice_of};
use crate::spec::PyMetricSpec;
use crate::with_scores;
use crate::{estimate_options, threads};
use cx_core::journey::{AccountEvaluation, FactsBuilder, FunnelMode, FunnelSpec, Roadmap, funnel_threads};
use cx_core::period::date_argument;
use cx_core::survey::GroupOptions;
use cx_core::{CxError, Result};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use std::borrow::Cow;

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("journey results always serialise")
}

/// A long table of facts: account ids, names (metric, event, task, action or anchor), days and values.
type Table = (Vec<String>, Vec<String>, Vec<i64>);

/// Checks that the columns of a table (`(name, length)`, the first being the account column) line up.
fn aligned(table: &str, columns: &[(&str, usize)]) -> Result<()> {
    let rows = columns[0].1;
    columns
        .iter()
        .try_for_each(|&(name, len)| CxError::check_len(&format!("{table}.{name}"), rows, len))
}

/// Builds account facts from the tables; errors name the table and row.
#[allow(clippy::too_many_arguments)]
fn build_facts(
    accounts: Vec<String>,
    starts: (Vec<String>, Vec<i64>),
    anchors: Table,
    metrics: (Vec<String>, Vec<String>, Vec<i64>, Vec<f64>),
    events: Table,
    tasks: Table,
    executions: Table,
) -> Result<Vec<cx_core::journey::AccountFacts>> {
    let date = |table: &str, row: usize, day: i64| date_argument(&format!("{table}.date[{row}]"), day);
    let mut b = FactsBuilder::default();
    accounts.iter().for_each(|a| b.add_account(a));
    aligned("accounts", &[("account", starts.0.len()), ("start", starts.1.len())])?;
    for (row, (a, &d)) in starts.0.iter().zip(&starts.1).enumerate() {
        b.start(a, date("accounts", row, d)?, row)?;
    }
    for (table, (a, n, d), name) in [
        ("anchors", &anchors, "anchor"),
        ("events", &events, "event"),
        ("tasks", &tasks, "task"),
        ("executions", &executions, "action"),
    ] {
        aligned(table, &[("account", a.len()), (name, n.len()), ("date", d.len())])?;
    }
    let (ma, mn, md, mv) = &metrics;
    aligned(
        "metrics",
        &[
            ("account", ma.len()),
            ("metric", mn.len()),
            ("date", md.len()),
            ("value", mv.len()),
        ],
    )?;
    for row in 0..anchors.0.len() {
        b.anchor(
            &anchors.0[row],
            &anchors.1[row],
            date("anchors", row, anchors.2[row])?,
            row,
        )?;
    }
    for row in 0..ma.len() {
        b.metric(&ma[row], &mn[row], date("metrics", row, md[row])?, mv[row]);
    }
    for row in 0..events.0.len() {
        b.event(&events.0[row], &events.1[row], date("events", row, events.2[row])?);
    }
    for row in 0..tasks.0.len() {
        b.task(&tasks.0[row], &tasks.1[row], date("tasks", row, tasks.2[row])?, row)?;
    }
    for row in 0..executions.0.len() {
        b.execution(
            &executions.0[row],
            &executions.1[row],
            date("executions", row, executions.2[row])?,
        );
    }
    Ok(b.finish())
}

/// A validated roadmap.
#[pyclass(frozen, module = "cxkit._cxkit", name = "_Roadmap")]
#[derive(Debug)]
pub struct PyRoadmap {
    roadmap: Roadmap,
}

/// Evaluations of accounts against a roadmap at one date.
#[pyclass(frozen, module = "cxkit._cxkit", name = "_Evaluations")]
#[derive(Debug)]
pub struct PyEvaluations {
    roadmap: Roadmap,
    evaluations: Vec<AccountEvaluation>,
}

#[pymethods]
impl PyRoadmap {
    /// Parses and validates a roadmap document.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        Ok(PyRoadmap {
            roadmap: Roadmap::from_json(text.as_bytes()).py_err(py)?,
        })
    }

    /// The roadmap as versioned JSON.
    fn to_json(&self) -> String {
        self.roadmap.to_json()
    }

    /// Evaluates every account at `as_of` (days) from long tables.
    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &self,
        py: Python<'_>,
        as_of: i64,
        accounts: Vec<String>,
        starts: (Vec<String>, Vec<i64>),
        anchors: Table,
        metrics: (Vec<String>, Vec<String>, Vec<i64>, Vec<f64>),
        events: Table,
        tasks: Table,
        executions: Table,
    ) -> PyResult<PyEvaluations> {
        let as_of = date_argument("as_of", as_of).py_err(py)?;
        let facts = build_facts(accounts, starts, anchors, metrics, events, tasks, executions).py_err(py)?;
        let evaluations = py.detach(|| self.roadmap.evaluate_all(&facts, as_of)).py_err(py)?;
        Ok(PyEvaluations {
            roadmap: self.roadmap.clone(),
            evaluations,
        })
    }

    /// Evaluates a facts document (`{"accounts": [...]}`) at `as_of` (days).
    fn evaluate_json(&self, py: Python<'_>, facts: &str, as_of: i64) -> PyResult<PyEvaluations> {
        let as_of = date_argument("as_of", as_of).py_err(py)?;
        let doc = cx_core::journey::FactsDocument::from_json(facts.as_bytes()).py_err(py)?;
        let evaluations = self.roadmap.evaluate_all(&doc.accounts, as_of).py_err(py)?;
        Ok(PyEvaluations {
            roadmap: self.roadmap.clone(),
            evaluations,
        })
    }

    /// Health-score candidates as JSON.
    fn candidates(&self) -> String {
        json(&self.roadmap.health_candidates())
    }

    /// The candidates as a scorecard's JSON.
    fn scorecard_skeleton(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.roadmap.scorecard_skeleton().py_err(py)?.to_json())
    }

    /// Survey estimates per touchpoint as JSON.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (scores, touchpoints, spec, interval, level, missing, min_n))]
    fn touchpoint_scores(
        &self,
        py: Python<'_>,
        scores: &Bound<'_, PyAny>,
        touchpoints: Vec<String>,
        spec: &PyMetricSpec,
        interval: Option<&str>,
        level: f64,
        missing: &str,
        min_n: u64,
    ) -> PyResult<String> {
        let options = estimate_options(interval, level, missing)
            .map(|estimate| GroupOptions {
                estimate,
                min_n,
                ..GroupOptions::default()
            })
            .py_err(py)?;
        let scores = Scores::borrow(scores, "scores")?;
        let slice = scores.slice("scores")?;
        let rows = with_scores!(slice, s => self.roadmap.touchpoint_scores(&spec.inner, s, &touchpoints, &options))
            .py_err(py)?;
        Ok(json(&rows))
    }
}

#[pymethods]
impl PyEvaluations {
    /// The evaluations as JSON (a list, one element per account).
    fn to_json(&self) -> String {
        json(&self.evaluations)
    }

    /// The portfolio view as JSON.
    fn portfolio(&self, py: Python<'_>) -> PyResult<String> {
        Ok(json(&self.roadmap.portfolio(&self.evaluations).py_err(py)?))
    }
}

/// The account and time columns of a funnel, borrowed, and its spec.
struct FunnelInput<'py> {
    accounts: PyReadonlyArray1<'py, i64>,
    timestamps: PyReadonlyArray1<'py, i64>,
    spec: FunnelSpec,
}

impl<'py> FunnelInput<'py> {
    #[allow(clippy::too_many_arguments)]
    fn borrow(
        py: Python<'py>,
        accounts: &Bound<'py, PyAny>,
        timestamps: &Bound<'py, PyAny>,
        steps: Vec<u32>,
        window: i64,
        mode: &str,
        as_of: Option<i64>,
    ) -> PyResult<Self> {
        let spec = funnel_spec(py, steps, window, mode, as_of)?;
        Ok(FunnelInput {
            accounts: array(accounts, "as_int64", "account_ids")?,
            timestamps: array(timestamps, "as_int64", "timestamps")?,
            spec,
        })
    }

    /// Counts the funnel without the GIL, with the event codes `codes()` gives (computed there too), as JSON.
    fn count<'a>(&self, py: Python<'_>, codes: impl FnOnce() -> Cow<'a, [u32]> + Send) -> PyResult<String> {
        let (a, t) = (
            slice_of(&self.accounts, "account_ids")?,
            slice_of(&self.timestamps, "timestamps")?,
        );
        let spec = &self.spec;
        let result = py
            .detach(|| funnel_threads(a, &codes(), t, spec, threads()))
            .py_err(py)?;
        Ok(json(&result))
    }
}

/// The event-log funnel over int64 account ids, uint32 event codes and int64 timestamps, as JSON.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (accounts, events, timestamps, steps, window, mode, as_of))]
pub fn _funnel(
    py: Python<'_>,
    accounts: &Bound<'_, PyAny>,
    events: &Bound<'_, PyAny>,
    timestamps: &Bound<'_, PyAny>,
    steps: Vec<u32>,
    window: i64,
    mode: &str,
    as_of: Option<i64>,
) -> PyResult<String> {
    let input = FunnelInput::borrow(py, accounts, timestamps, steps, window, mode, as_of)?;
    let events: PyReadonlyArray1<'_, u32> = array(events, "as_uint32", "events")?;
    let e = slice_of(&events, "events")?;
    input.count(py, || Cow::Borrowed(e))
}

/// The funnel over integer event ids: each event becomes the index of its id in `step_ids` (or
/// `step_ids.len()`, another event) in one pass without the GIL, so integer logs need no conversion in Python.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (accounts, events, timestamps, step_ids, steps, window, mode, as_of))]
pub fn _funnel_ids(
    py: Python<'_>,
    accounts: &Bound<'_, PyAny>,
    events: &Bound<'_, PyAny>,
    timestamps: &Bound<'_, PyAny>,
    step_ids: Vec<i64>,
    steps: Vec<u32>,
    window: i64,
    mode: &str,
    as_of: Option<i64>,
) -> PyResult<String> {
    let input = FunnelInput::borrow(py, accounts, timestamps, steps, window, mode, as_of)?;
    let events: PyReadonlyArray1<'_, i64> = array(events, "as_int64", "events")?;
    let e = slice_of(&events, "events")?;
    input.count(py, || Cow::Owned(event_codes(e, &step_ids)))
}

/// A funnel spec from the keyword arguments.
pub(crate) fn funnel_spec(
    py: Python<'_>,
    steps: Vec<u32>,
    window: i64,
    mode: &str,
    as_of: Option<i64>,
) -> PyResult<FunnelSpec> {
    FunnelMode::parse(mode)
        .map(|mode| FunnelSpec {
            steps,
            window,
            mode,
            as_of,
        })
        .py_err(py)
}

/// Each event id as the index of its id in `step_ids`, or `step_ids.len()` (another event).
///
/// Ids are looked up in a table when the step ids are small non-negative integers (codes from a factorisation,
/// the common case), searched for otherwise; large columns are coded on every core, each into its part of the
/// output (this pass came to more than the funnel itself when it was a search on one thread).
pub(crate) fn event_codes(events: &[i64], step_ids: &[i64]) -> Vec<u32> {
    const TABLE_LIMIT: i64 = 1 << 20;
    let other = step_ids.len() as u32;
    let table: Option<Vec<u32>> = step_ids.iter().all(|&id| (0..TABLE_LIMIT).contains(&id)).then(|| {
        let mut table = vec![other; step_ids.iter().max().map_or(0, |&m| m as usize + 1)];
        // Backwards, so that a repeated id keeps its first position, as the search does.
        for (code, &id) in step_ids.iter().enumerate().rev() {
            table[id as usize] = code as u32;
        }
        table
    });
    let code = |id: i64| match &table {
        Some(table) => usize::try_from(id)
            .ok()
            .and_then(|i| table.get(i))
            .copied()
            .unwrap_or(other),
        None => step_ids.iter().position(|&s| s == id).map_or(other, |p| p as u32),
    };
    // Zeros, which the allocator hands out untouched: every code is written below, in parallel.
    let mut codes = vec![0u32; events.len()];
    let part = events.len().div_ceil(threads()).max(1 << 18);
    let code = &code;
    let fill = move |out: &mut [u32], ids: &[i64]| out.iter_mut().zip(ids).for_each(|(c, &id)| *c = code(id));
    if events.len() <= part {
        fill(&mut codes, events);
    } else {
        std::thread::scope(|scope| {
            for (out, ids) in codes.chunks_mut(part).zip(events.chunks(part)) {
                scope.spawn(move || fill(out, ids));
            }
        });
    }
    codes
}
