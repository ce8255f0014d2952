//! Two-factor classification: Kano, PRCA, feedback tagging and the effortless metric. Results cross as the
//! core's JSON, so Python reads exactly the numbers Rust and C do; `cxkit/two_factor.py` makes the DataFrames.

use crate::error::IntoPyResult;
use crate::input::{array, slice_of};
use cx_core::survey::MissingPolicy;
use cx_core::two_factor::{
    self as tf, Answer, AnswerMapping, CategoryRule, Cuts, EffortlessCounts, EffortlessFlags, EvaluationTable, IaBands,
    KanoAnswers, KanoOptions, Lexicon, PerCategory, PrcaOptions,
};
use cx_core::{CxError, Result};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use std::collections::HashMap;

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("two-factor results always serialise")
}

/// The standard mapping plus the caller's codes and labels; their answers may be given by any standard label
/// (`"like"`, `"L"`, `"気に入る"`).
fn mapping(codes: Option<HashMap<i64, String>>, labels: Option<HashMap<String, String>>) -> Result<AnswerMapping> {
    let standard = AnswerMapping::standard();
    let answer = |what: &str, key: String, name: &str| -> Result<Answer> {
        standard.label(name, what, 0).map_err(|_| CxError::InvalidConfig {
            what: "Kano answer mapping".into(),
            field: format!("{what}.{key}"),
            reason: format!("`{name}` is not a Kano answer (like, must-be, neutral, live-with, dislike)"),
        })
    };
    let codes = codes
        .unwrap_or_default()
        .into_iter()
        .map(|(code, name)| Ok((code, answer("codes", code.to_string(), &name)?)))
        .collect::<Result<Vec<_>>>()?;
    let labels = labels
        .unwrap_or_default()
        .into_iter()
        .map(|(label, name)| Ok((label.clone(), answer("labels", label, &name)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(standard.with_codes(codes)?.with_labels(labels))
}

/// Answers from factorised input: `codes[i]` indexes `uniques` (−1 is missing). Each unique is a string label or
/// an integer code; an unknown one is reported at the first row holding it.
fn answers(
    mapping: &AnswerMapping,
    codes: &[i64],
    uniques: &[Bound<'_, PyAny>],
    what: &str,
) -> Result<Vec<Option<Answer>>> {
    let decoded: Vec<std::result::Result<Answer, CxError>> = uniques
        .iter()
        .map(|u| {
            if let Ok(text) = u.extract::<String>() {
                mapping.label(&text, what, 0)
            } else if let Ok(code) = u.extract::<i64>() {
                mapping.code(code, what, 0)
            } else {
                Err(CxError::UnknownLabel {
                    what: what.into(),
                    value: u.repr().map_or_else(|_| "?".into(), |r| r.to_string()),
                    index: 0,
                    expected: "a text label or an integer code".into(),
                })
            }
        })
        .collect();
    codes
        .iter()
        .enumerate()
        .map(|(row, &c)| {
            if c < 0 {
                return Ok(None);
            }
            match &decoded[c as usize] {
                Ok(a) => Ok(Some(*a)),
                Err(CxError::UnknownLabel {
                    what, value, expected, ..
                }) => Err(CxError::UnknownLabel {
                    what: what.clone(),
                    value: value.clone(),
                    index: row,
                    expected: expected.clone(),
                }),
                Err(e) => Err(e.clone()),
            }
        })
        .collect()
}

/// Kano analysis of factorised answers; returns the core's `KanoResult` as JSON.
#[pyfunction]
#[pyo3(signature = (functional, functional_labels, dysfunctional, dysfunctional_labels, attribute, names,
                    importance, table, rule, gap, split, missing, codes, labels))]
#[allow(clippy::too_many_arguments)]
pub fn _kano(
    py: Python<'_>,
    functional: PyReadonlyArray1<'_, i64>,
    functional_labels: Vec<Bound<'_, PyAny>>,
    dysfunctional: PyReadonlyArray1<'_, i64>,
    dysfunctional_labels: Vec<Bound<'_, PyAny>>,
    attribute: Option<PyReadonlyArray1<'_, u32>>,
    names: Vec<String>,
    importance: Option<Bound<'_, PyAny>>,
    table: &str,
    rule: &str,
    gap: f64,
    split: f64,
    missing: &str,
    codes: Option<HashMap<i64, String>>,
    labels: Option<HashMap<String, String>>,
) -> PyResult<String> {
    let mapping = mapping(codes, labels).py_err(py)?;
    let options = KanoOptions {
        table: EvaluationTable::parse(table).py_err(py)?,
        rule: CategoryRule::parse(rule, gap).py_err(py)?,
        dumouchel_split: split,
        missing: MissingPolicy::parse(missing).py_err(py)?,
    };
    let f = answers(
        &mapping,
        slice_of(&functional, "functional")?,
        &functional_labels,
        "functional answers",
    )
    .py_err(py)?;
    let d = answers(
        &mapping,
        slice_of(&dysfunctional, "dysfunctional")?,
        &dysfunctional_labels,
        "dysfunctional answers",
    )
    .py_err(py)?;
    let importance = importance
        .filter(|o| !o.is_none())
        .map(|o| array::<f64>(&o, "as_float64", "importance"))
        .transpose()?;
    let mut input = KanoAnswers::new(&names, &f, &d);
    if let Some(a) = &attribute {
        input = input.by(slice_of(a, "attribute")?);
    }
    if let Some(w) = &importance {
        input = input.weighted(slice_of(w, "importance")?);
    }
    let result = py.detach(|| tf::kano(&input, &options)).py_err(py)?;
    Ok(json(&result))
}

/// Summaries of counts per category (rows of A, O, M, I, R, Q); the core's `KanoSummary` list as JSON.
#[pyfunction]
pub fn _kano_summary(py: Python<'_>, counts: Vec<[u64; 6]>, rule: &str, gap: f64) -> PyResult<String> {
    let rule = CategoryRule::parse(rule, gap).py_err(py)?;
    let counts: Vec<PerCategory<u64>> = counts
        .iter()
        .map(|&[a, o, m, i, r, q]| PerCategory { a, o, m, i, r, q })
        .collect();
    Ok(json(&tf::kano_summary(&counts, rule).py_err(py)?))
}

/// PRCA of a row-major ratings matrix; the core's `PrcaResult` as JSON.
#[pyfunction]
#[pyo3(signature = (ratings, overall, names, low, high, hybrid, extreme, min_group, missing))]
#[allow(clippy::too_many_arguments)]
pub fn _prca(
    py: Python<'_>,
    ratings: PyReadonlyArray1<'_, f64>,
    overall: PyReadonlyArray1<'_, f64>,
    names: Vec<String>,
    low: Vec<f64>,
    high: Vec<f64>,
    hybrid: f64,
    extreme: f64,
    min_group: u64,
    missing: &str,
) -> PyResult<String> {
    let options = PrcaOptions {
        cuts: low.iter().zip(&high).map(|(&low, &high)| Cuts { low, high }).collect(),
        bands: IaBands { hybrid, extreme },
        min_group,
        missing: MissingPolicy::parse(missing).py_err(py)?,
    };
    let (r, o) = (slice_of(&ratings, "ratings")?, slice_of(&overall, "overall")?);
    let result = py.detach(|| tf::prca(r, o, &names, &options)).py_err(py)?;
    Ok(json(&result))
}

fn lexicon(py: Python<'_>, json: Option<&str>) -> PyResult<Lexicon> {
    json.map_or_else(|| Ok(Lexicon::default_lexicon()), Lexicon::from_json)
        .py_err(py)
}

/// The default lexicon as JSON.
#[pyfunction]
pub fn _default_lexicon() -> String {
    Lexicon::default_lexicon().to_json()
}

/// Validates a lexicon's JSON and returns it normalised.
#[pyfunction]
pub fn _lexicon(py: Python<'_>, json: &str) -> PyResult<String> {
    Ok(lexicon(py, Some(json))?.to_json())
}

/// Tags texts (`None` is missing); the core's `Tagging` as JSON.
#[pyfunction]
#[pyo3(signature = (texts, lexicon_json, level))]
pub fn _tag_texts(
    py: Python<'_>,
    texts: Vec<Option<String>>,
    lexicon_json: Option<&str>,
    level: f64,
) -> PyResult<String> {
    let lexicon = lexicon(py, lexicon_json)?;
    let texts: Vec<Option<&str>> = texts.iter().map(Option::as_deref).collect();
    let result = py.detach(|| tf::tag_texts(&lexicon, &texts, level)).py_err(py)?;
    Ok(json(&result))
}

/// Tags tag lists (`None` is missing); the core's `Tagging` as JSON.
#[pyfunction]
#[pyo3(signature = (lists, lexicon_json, level))]
pub fn _tag_lists(
    py: Python<'_>,
    lists: Vec<Option<Vec<String>>>,
    lexicon_json: Option<&str>,
    level: f64,
) -> PyResult<String> {
    let lexicon = lexicon(py, lexicon_json)?;
    let result = py.detach(|| tf::tag_lists(&lexicon, &lists, level)).py_err(py)?;
    Ok(json(&result))
}

/// The effortless metric from per-customer boolean flags; the core's `Effortless` as JSON.
#[pyfunction]
pub fn _effortless(
    py: Python<'_>,
    problem: PyReadonlyArray1<'_, bool>,
    offered: PyReadonlyArray1<'_, bool>,
    resolved: PyReadonlyArray1<'_, bool>,
    contacted: PyReadonlyArray1<'_, bool>,
    level: f64,
) -> PyResult<String> {
    let flags = EffortlessFlags {
        problem: slice_of(&problem, "problem")?,
        offered: slice_of(&offered, "offered")?,
        resolved: slice_of(&resolved, "resolved")?,
        contacted: slice_of(&contacted, "contacted")?,
    };
    Ok(json(&tf::effortless(&flags, level).py_err(py)?))
}

/// The effortless metric from counts; the core's `Effortless` as JSON.
#[pyfunction]
pub fn _effortless_from_counts(py: Python<'_>, counts: [u64; 6], level: f64) -> PyResult<String> {
    let [customers, problem, offered, resolved_offered, contacted, silent_offered] = counts;
    let counts = EffortlessCounts {
        customers,
        problem,
        offered,
        resolved_offered,
        contacted,
        silent_offered,
    };
    Ok(json(&tf::effortless_from_counts(&counts, level).py_err(py)?))
}

/// Registers the functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_kano, m)?)?;
    m.add_function(wrap_pyfunction!(_kano_summary, m)?)?;
    m.add_function(wrap_pyfunction!(_prca, m)?)?;
    m.add_function(wrap_pyfunction!(_default_lexicon, m)?)?;
    m.add_function(wrap_pyfunction!(_lexicon, m)?)?;
    m.add_function(wrap_pyfunction!(_tag_texts, m)?)?;
    m.add_function(wrap_pyfunction!(_tag_lists, m)?)?;
    m.add_function(wrap_pyfunction!(_effortless, m)?)?;
    m.add_function(wrap_pyfunction!(_effortless_from_counts, m)?)?;
    Ok(())
}
