//! The survey functions of `cxkit._cxkit`. The public, documented signatures are in `cxkit/survey.py`, which
//! resolves metric names, group keys and dates and calls these.

use crate::columns::{ComparisonColumns, EstimateColumns};
use crate::error::IntoPyResult;
use crate::histogram::PyHistogram;
use crate::input::{Aligned, Scores, array, slice_of, weights};
use crate::results::{PyComparison, PyEstimate, PyPairedComparison};
use crate::spec::PyMetricSpec;
use crate::{estimate_options, threads, with_scores};
use cx_core::period::Period;
use cx_core::survey::{
    self, CompareMethod, GroupOptions, Histogram, IntervalMethod, MissingPolicy, PAdjust, RollingOptions, TrendOptions,
};
use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// `None` → no comparison; `"default"` → the default method for the scoring; else a method name.
fn compare_method(name: Option<&str>, spec: &survey::MetricSpec) -> cx_core::Result<Option<CompareMethod>> {
    match name {
        None => Ok(None),
        Some("default") => Ok(Some(CompareMethod::default_for(spec.scoring))),
        Some(name) => CompareMethod::parse(name).map(Some),
    }
}

/// Scores responses in one pass.
#[pyfunction]
#[pyo3(signature = (scores, weights, spec, interval=None, level=0.95, missing="skip", replicates=None, seed=None))]
#[allow(clippy::too_many_arguments)] // mirrors the keyword arguments of the Python signature
pub fn score(
    py: Python<'_>,
    scores: &Bound<'_, PyAny>,
    weights: Option<&Bound<'_, PyAny>>,
    spec: &PyMetricSpec,
    interval: Option<&str>,
    level: f64,
    missing: &str,
    replicates: Option<u32>,
    seed: Option<u64>,
) -> PyResult<PyEstimate> {
    let mut options = estimate_options(interval, level, missing).py_err(py)?;
    if let Some(IntervalMethod::Bootstrap { replicates: r, seed: s }) = &mut options.interval {
        *r = replicates.unwrap_or(*r);
        *s = seed.unwrap_or(*s);
    }
    let scores = Scores::borrow(scores, "scores")?;
    let weights = self::weights(weights)?;
    let (slice, w) = (
        scores.slice("scores")?,
        weights.as_ref().map(|w| slice_of(w, "weights")).transpose()?,
    );
    let spec = &spec.inner;
    let estimate = py.detach(|| {
        with_scores!(slice, s => Histogram::from_scores_threads(spec.scale, s, w, options.missing, threads()))
            .and_then(|h| survey::estimate(spec, &h, &options))
    });
    Ok(PyEstimate {
        inner: estimate.py_err(py)?,
    })
}

/// An estimate from category counts (net and top-box metrics).
#[pyfunction]
#[pyo3(signature = (spec, negative, neutral, positive, interval=None, level=0.95))]
pub fn estimate_from_counts(
    py: Python<'_>,
    spec: &PyMetricSpec,
    negative: u64,
    neutral: u64,
    positive: u64,
    interval: Option<&str>,
    level: f64,
) -> PyResult<PyEstimate> {
    let options = estimate_options(interval, level, "skip").py_err(py)?;
    let estimate = survey::histogram_from_category_counts(&spec.inner, negative, neutral, positive)
        .and_then(|h| survey::estimate(&spec.inner, &h, &options));
    Ok(PyEstimate {
        inner: estimate.py_err(py)?,
    })
}

/// A − B for two histograms of the same metric.
#[pyfunction]
#[pyo3(signature = (a, b, method=None, level=0.95))]
pub fn compare(
    py: Python<'_>,
    a: &PyHistogram,
    b: &PyHistogram,
    method: Option<&str>,
    level: f64,
) -> PyResult<PyComparison> {
    let method = method.map(CompareMethod::parse).transpose().py_err(py)?;
    Ok(PyComparison {
        inner: a.state().compare(&b.state(), method, level).py_err(py)?,
    })
}

/// After − before for the same respondents.
#[pyfunction]
#[pyo3(signature = (before, after, spec, level=0.95, missing="skip"))]
pub fn compare_paired(
    py: Python<'_>,
    before: &Bound<'_, PyAny>,
    after: &Bound<'_, PyAny>,
    spec: &PyMetricSpec,
    level: f64,
    missing: &str,
) -> PyResult<PyPairedComparison> {
    let missing = MissingPolicy::parse(missing).py_err(py)?;
    let before = array::<f64>(before, "as_float64", "before")?;
    let after = array::<f64>(after, "as_float64", "after")?;
    let (pre, post) = (slice_of(&before, "before")?, slice_of(&after, "after")?);
    let spec = &spec.inner;
    let result = py.detach(|| survey::compare_paired(spec, pre, post, level, missing));
    Ok(PyPairedComparison {
        inner: result.py_err(py)?,
    })
}

/// One row per distinct int64 key, in key order; suppressed groups are rows with NaN and a reason.
#[pyfunction]
#[pyo3(signature = (scores, keys, weights, spec, interval=None, level=0.95, missing="skip", min_n=1, compare=None,
                    adjust="holm", alpha=0.05))]
#[allow(clippy::too_many_arguments)] // mirrors the keyword arguments of the Python signature
pub fn score_by<'py>(
    py: Python<'py>,
    scores: &Bound<'py, PyAny>,
    keys: &Bound<'py, PyAny>,
    weights: Option<&Bound<'py, PyAny>>,
    spec: &PyMetricSpec,
    interval: Option<&str>,
    level: f64,
    missing: &str,
    min_n: u64,
    compare: Option<&str>,
    adjust: &str,
    alpha: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = &spec.inner;
    let options = group_options(spec, interval, level, missing, min_n, compare, adjust, alpha).py_err(py)?;
    let inputs = Aligned::borrow(scores, keys, "as_int64", "by", weights)?;
    let (slice, k, w) = inputs.slices()?;
    let grouped = py
        .detach(|| {
            let (keys, histograms) = with_scores!(slice, s =>
                Histogram::by_i64_keys(spec.scale, s, k, w, options.estimate.missing, threads()))?;
            survey::estimate_groups_threads(spec, keys, histograms, &options, threads())
        })
        .py_err(py)?;
    grouped_columns(py, spec, &grouped, &options, |keys| {
        Ok(keys.into_pyarray(py).into_any())
    })
}

/// The options of a grouped call from its keyword arguments.
#[allow(clippy::too_many_arguments)] // mirrors the keyword arguments of the Python signature
pub(crate) fn group_options(
    spec: &survey::MetricSpec,
    interval: Option<&str>,
    level: f64,
    missing: &str,
    min_n: u64,
    compare: Option<&str>,
    adjust: &str,
    alpha: f64,
) -> cx_core::Result<GroupOptions> {
    Ok(GroupOptions {
        estimate: estimate_options(interval, level, missing)?,
        min_n,
        compare_to_rest: compare_method(compare, spec)?,
        adjust: PAdjust::parse(adjust)?,
        alpha,
    })
}

/// The columns of `score_by`: one row per group, estimated or suppressed, in key order; `key_column` turns the
/// keys into the `key` column.
pub(crate) fn grouped_columns<'py, K: Ord + Clone>(
    py: Python<'py>,
    spec: &survey::MetricSpec,
    grouped: &survey::GroupedEstimates<K>,
    options: &GroupOptions,
    key_column: impl FnOnce(Vec<K>) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut rows: Vec<_> = grouped.rows.iter().map(|r| (&r.key, Some(r), None)).collect();
    rows.extend(grouped.suppressed.iter().map(|s| (&s.key, None, Some(s))));
    rows.sort_by(|a, b| a.0.cmp(b.0));

    let (mut key, mut n, mut n_missing, mut reason) = (vec![], vec![], vec![], vec![]);
    let (mut est, mut cmp) = (EstimateColumns::default(), ComparisonColumns::default());
    for (k, row, suppressed) in rows {
        key.push(k.clone());
        n.push(row.map_or_else(|| suppressed.map_or(0, |s| s.n), |r| r.estimate.n));
        n_missing.push(row.map_or_else(|| suppressed.map_or(0, |s| s.n_missing), |r| r.estimate.n_missing));
        reason.push(suppressed.map(|s| s.reason.clone()));
        est.push(row.map(|r| &r.estimate));
        cmp.push(
            row.and_then(|r| r.vs_rest.as_ref()),
            row.and_then(|r| r.p_adjusted),
            row.and_then(|r| r.significant),
        );
    }
    let dict = PyDict::new(py);
    dict.set_item("key", key_column(key)?)?;
    dict.set_item("n", n.into_pyarray(py))?;
    dict.set_item("n_missing", n_missing.into_pyarray(py))?;
    est.write(&dict)?;
    if options.compare_to_rest.is_some() {
        cmp.write(&dict)?;
    }
    dict.set_item("suppressed", reason)?;
    dict.set_item("method", method_name(spec, &options.estimate))?;
    dict.set_item("compare_method", options.compare_to_rest.map(CompareMethod::name))?;
    Ok(dict)
}

/// The interval method an options value resolves to, for provenance in table metadata.
fn method_name(spec: &survey::MetricSpec, options: &survey::EstimateOptions) -> &'static str {
    options
        .interval
        .unwrap_or_else(|| IntervalMethod::default_for(spec.scoring))
        .name()
}

/// One row per period from the first to the last date (gaps included), dates as int64 days since 1970-01-01.
#[pyfunction]
#[pyo3(signature = (scores, days, weights, spec, period="month", fiscal_start_month=1, interval=None, level=0.95,
                    missing="skip", compare=None, min_n=1, alpha=0.05, adjust="none"))]
#[allow(clippy::too_many_arguments)] // mirrors the keyword arguments of the Python signature
pub fn trend<'py>(
    py: Python<'py>,
    scores: &Bound<'py, PyAny>,
    days: &Bound<'py, PyAny>,
    weights: Option<&Bound<'py, PyAny>>,
    spec: &PyMetricSpec,
    period: &str,
    fiscal_start_month: u32,
    interval: Option<&str>,
    level: f64,
    missing: &str,
    compare: Option<&str>,
    min_n: u64,
    alpha: f64,
    adjust: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = &spec.inner;
    let options = trend_options(
        period,
        fiscal_start_month,
        interval,
        level,
        missing,
        compare,
        min_n,
        alpha,
        adjust,
    )
    .py_err(py)?;
    let inputs = Aligned::borrow(scores, days, "as_days", "dates", weights)?;
    let (slice, d, w) = inputs.slices()?;
    let trend = py
        .detach(|| with_scores!(slice, s => survey::trend_threads(spec, s, d, w, &options, threads())))
        .py_err(py)?;
    trend_columns(py, spec, &trend, &options)
}

/// The options of a trend from its keyword arguments.
#[allow(clippy::too_many_arguments)] // mirrors the keyword arguments of the Python signature
pub(crate) fn trend_options(
    period: &str,
    fiscal_start_month: u32,
    interval: Option<&str>,
    level: f64,
    missing: &str,
    compare: Option<&str>,
    min_n: u64,
    alpha: f64,
    adjust: &str,
) -> cx_core::Result<TrendOptions> {
    Ok(TrendOptions {
        period: Period::parse(period, fiscal_start_month)?,
        estimate: estimate_options(interval, level, missing)?,
        compare: compare.map(CompareMethod::parse).transpose()?,
        min_n,
        alpha,
        adjust: PAdjust::parse(adjust)?,
    })
}

/// The columns of `trend`: one row per period.
pub(crate) fn trend_columns<'py>(
    py: Python<'py>,
    spec: &survey::MetricSpec,
    trend: &survey::Trend,
    options: &TrendOptions,
) -> PyResult<Bound<'py, PyDict>> {
    let (mut label, mut start, mut end, mut n, mut n_missing) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut est, mut cmp) = (EstimateColumns::default(), ComparisonColumns::default());
    for row in &trend.rows {
        label.push(row.label.clone());
        start.push(days_since_epoch(row.start));
        end.push(days_since_epoch(row.end));
        n.push(row.n);
        n_missing.push(row.n_missing);
        est.push(row.estimate.as_ref());
        cmp.push(row.change.as_ref(), row.p_adjusted, row.significant);
    }
    let dict = PyDict::new(py);
    dict.set_item("period", label)?;
    dict.set_item("start", start.into_pyarray(py))?;
    dict.set_item("end", end.into_pyarray(py))?;
    dict.set_item("n", n.into_pyarray(py))?;
    dict.set_item("n_missing", n_missing.into_pyarray(py))?;
    est.write(&dict)?;
    cmp.write(&dict)?;
    dict.set_item("method", method_name(spec, &options.estimate))?;
    let compare_method = options
        .compare
        .unwrap_or_else(|| CompareMethod::default_for(spec.scoring));
    dict.set_item("compare_method", compare_method.name())?;
    Ok(dict)
}

fn days_since_epoch(date: chrono::NaiveDate) -> i64 {
    Period::Day.key(date)
}

/// Trailing windows of `window_days` ending at the last day of each `step` period.
#[pyfunction]
#[pyo3(signature = (scores, days, weights, spec, window_days=90, step="month", fiscal_start_month=1, interval=None,
                    level=0.95, missing="skip", min_n=1))]
#[allow(clippy::too_many_arguments)] // mirrors the keyword arguments of the Python signature
pub fn rolling<'py>(
    py: Python<'py>,
    scores: &Bound<'py, PyAny>,
    days: &Bound<'py, PyAny>,
    weights: Option<&Bound<'py, PyAny>>,
    spec: &PyMetricSpec,
    window_days: u32,
    step: &str,
    fiscal_start_month: u32,
    interval: Option<&str>,
    level: f64,
    missing: &str,
    min_n: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let spec = &spec.inner;
    let options = (|| {
        Ok::<_, cx_core::CxError>(RollingOptions {
            window_days,
            step: Period::parse(step, fiscal_start_month)?,
            estimate: estimate_options(interval, level, missing)?,
            min_n,
        })
    })()
    .py_err(py)?;
    let inputs = Aligned::borrow(scores, days, "as_days", "dates", weights)?;
    let (slice, d, w) = inputs.slices()?;
    let rows = py
        .detach(|| with_scores!(slice, s => survey::rolling(spec, s, d, w, &options)))
        .py_err(py)?;
    let (mut start, mut end, mut n) = (vec![], vec![], vec![]);
    let mut est = EstimateColumns::default();
    for row in &rows {
        start.push(days_since_epoch(row.start));
        end.push(days_since_epoch(row.end));
        n.push(row.n);
        est.push(row.estimate.as_ref());
    }
    let dict = PyDict::new(py);
    dict.set_item("start", start.into_pyarray(py))?;
    dict.set_item("end", end.into_pyarray(py))?;
    dict.set_item("n", n.into_pyarray(py))?;
    est.write(&dict)?;
    dict.set_item("method", method_name(spec, &options.estimate))?;
    Ok(dict)
}

/// Indices (ascending) of each respondent's latest response, overall or within each period.
#[pyfunction]
#[pyo3(signature = (respondents, days, within=None, fiscal_start_month=1))]
pub fn latest_per_respondent<'py>(
    py: Python<'py>,
    respondents: &Bound<'py, PyAny>,
    days: &Bound<'py, PyAny>,
    within: Option<&str>,
    fiscal_start_month: u32,
) -> PyResult<Bound<'py, PyArray1<usize>>> {
    let within = within
        .map(|p| Period::parse(p, fiscal_start_month))
        .transpose()
        .py_err(py)?;
    let ids = array::<i64>(respondents, "as_int64", "respondents")?;
    let days = array::<i64>(days, "as_days", "dates")?;
    let (ids, d) = (slice_of(&ids, "respondents")?, slice_of(&days, "dates")?);
    let kept = py.detach(|| survey::latest_per_respondent(ids, d, within)).py_err(py)?;
    Ok(kept.kept.into_pyarray(py))
}

/// Responses needed for a margin of error (reported units; variance in reported units²).
#[pyfunction]
#[pyo3(signature = (margin, variance, level=0.95, population=None))]
pub fn sample_size_for_margin(
    py: Python<'_>,
    margin: f64,
    variance: f64,
    level: f64,
    population: Option<u64>,
) -> PyResult<u64> {
    survey::sample_size_for_margin(margin, variance, level, population).py_err(py)
}

/// Responses needed in each of two groups to detect `delta`.
#[pyfunction]
#[pyo3(signature = (delta, variance_a, variance_b, alpha=0.05, power=0.8))]
pub fn sample_size_per_group(
    py: Python<'_>,
    delta: f64,
    variance_a: f64,
    variance_b: f64,
    alpha: f64,
    power: f64,
) -> PyResult<u64> {
    survey::sample_size_per_group(delta, variance_a, variance_b, alpha, power).py_err(py)
}

/// The margin of error `n` responses buy.
#[pyfunction]
#[pyo3(signature = (n, variance, level=0.95, population=None))]
pub fn margin_of_error(py: Python<'_>, n: u64, variance: f64, level: f64, population: Option<u64>) -> PyResult<f64> {
    survey::margin_of_error(n, variance, level, population).py_err(py)
}

/// Holm or Benjamini–Hochberg adjusted p-values, in input order.
#[pyfunction]
#[pyo3(signature = (p_values, method="holm"))]
pub fn adjust_pvalues<'py>(
    py: Python<'py>,
    p_values: &Bound<'py, PyAny>,
    method: &str,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let method = PAdjust::parse(method).py_err(py)?;
    let p = array::<f64>(p_values, "as_float64", "p_values")?;
    let adjusted = survey::adjust_pvalues(slice_of(&p, "p_values")?, method).py_err(py)?;
    Ok(adjusted.into_pyarray(py))
}

/// The survey functions and classes, registered on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyMetricSpec>()?;
    m.add_class::<PyHistogram>()?;
    m.add_class::<PyEstimate>()?;
    m.add_class::<PyComparison>()?;
    m.add_class::<PyPairedComparison>()?;
    m.add_function(wrap_pyfunction!(score, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_from_counts, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(compare_paired, m)?)?;
    m.add_function(wrap_pyfunction!(score_by, m)?)?;
    m.add_function(wrap_pyfunction!(trend, m)?)?;
    m.add_function(wrap_pyfunction!(rolling, m)?)?;
    m.add_function(wrap_pyfunction!(latest_per_respondent, m)?)?;
    m.add_function(wrap_pyfunction!(sample_size_for_margin, m)?)?;
    m.add_function(wrap_pyfunction!(sample_size_per_group, m)?)?;
    m.add_function(wrap_pyfunction!(margin_of_error, m)?)?;
    m.add_function(wrap_pyfunction!(adjust_pvalues, m)?)?;
    Ok(())
}
