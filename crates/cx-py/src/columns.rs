//! Result tables as columns (a dict of numpy arrays and lists), which the Python layer turns into pandas
//! DataFrames. Rows without an estimate (suppressed groups, empty periods) hold NaN, never 0.

use cx_core::survey::{Comparison, Estimate};
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The per-row columns of an optional [`Estimate`].
#[derive(Default)]
pub struct EstimateColumns {
    value: Vec<f64>,
    se: Vec<f64>,
    ci_low: Vec<f64>,
    ci_high: Vec<f64>,
    n_effective: Vec<f64>,
    share_negative: Vec<f64>,
    share_neutral: Vec<f64>,
    share_positive: Vec<f64>,
}

impl EstimateColumns {
    /// Appends one row.
    pub fn push(&mut self, estimate: Option<&Estimate>) {
        let get = |f: fn(&Estimate) -> f64| estimate.map_or(f64::NAN, f);
        self.value.push(get(|e| e.value));
        self.se.push(get(|e| e.se));
        self.ci_low.push(get(|e| e.ci_low));
        self.ci_high.push(get(|e| e.ci_high));
        self.n_effective.push(get(|e| e.n_effective));
        self.share_negative.push(get(|e| e.shares.negative.unwrap_or(f64::NAN)));
        self.share_neutral.push(get(|e| e.shares.neutral));
        self.share_positive.push(get(|e| e.shares.positive));
    }

    /// Writes the columns into `dict`.
    pub fn write(self, dict: &Bound<'_, PyDict>) -> PyResult<()> {
        let py = dict.py();
        for (name, column) in [
            ("value", self.value),
            ("se", self.se),
            ("ci_low", self.ci_low),
            ("ci_high", self.ci_high),
            ("n_effective", self.n_effective),
            ("share_negative", self.share_negative),
            ("share_neutral", self.share_neutral),
            ("share_positive", self.share_positive),
        ] {
            dict.set_item(name, column.into_pyarray(py))?;
        }
        Ok(())
    }
}

/// The per-row columns of an optional [`Comparison`] with its adjusted p-value and significance flag.
#[derive(Default)]
pub struct ComparisonColumns {
    delta: Vec<f64>,
    delta_se: Vec<f64>,
    delta_ci_low: Vec<f64>,
    delta_ci_high: Vec<f64>,
    p_value: Vec<f64>,
    p_adjusted: Vec<f64>,
    significant: Vec<Option<bool>>,
}

impl ComparisonColumns {
    /// Appends one row.
    pub fn push(&mut self, comparison: Option<&Comparison>, p_adjusted: Option<f64>, significant: Option<bool>) {
        let get = |f: fn(&Comparison) -> f64| comparison.map_or(f64::NAN, f);
        self.delta.push(get(|c| c.delta));
        self.delta_se.push(get(|c| c.se));
        self.delta_ci_low.push(get(|c| c.ci_low));
        self.delta_ci_high.push(get(|c| c.ci_high));
        self.p_value.push(get(|c| c.p_value));
        self.p_adjusted.push(p_adjusted.unwrap_or(f64::NAN));
        self.significant.push(significant);
    }

    /// Writes the columns into `dict`; `significant` is a list with None where no comparison was made.
    pub fn write(self, dict: &Bound<'_, PyDict>) -> PyResult<()> {
        let py = dict.py();
        for (name, column) in [
            ("delta", self.delta),
            ("delta_se", self.delta_se),
            ("delta_ci_low", self.delta_ci_low),
            ("delta_ci_high", self.delta_ci_high),
            ("p_value", self.p_value),
            ("p_adjusted", self.p_adjusted),
        ] {
            dict.set_item(name, column.into_pyarray(py))?;
        }
        dict.set_item("significant", self.significant)?;
        Ok(())
    }
}
