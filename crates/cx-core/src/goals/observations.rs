//! A metric's observed values over time, checked and sorted by date, and the least-squares line through them.

use crate::period::{CalendarDate, date_at, days_since_epoch};
use crate::{CxError, Result};
use chrono::NaiveDate;

/// Observations of one metric: at most one value per date, sorted by date. Input may come unsorted.
///
/// ```
/// use chrono::NaiveDate;
/// use cx_core::goals::Observations;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
/// let obs = Observations::new(&[d(8, 1), d(7, 1)], &[33.0, 32.5])?;
/// assert_eq!(obs.dates(), &[d(7, 1), d(8, 1)]);
/// assert_eq!(obs.values(), &[32.5, 33.0]);
/// # Ok::<(), cx_core::CxError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observations {
    dates: Vec<NaiveDate>,
    values: Vec<f64>,
}

/// A straight line `value = intercept + slope × days since 1970-01-01`, fitted by least squares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Line {
    pub slope_per_day: f64,
    intercept: f64,
}

impl Line {
    pub fn at(&self, date: NaiveDate) -> f64 {
        self.intercept + self.slope_per_day * day_number(date)
    }
}

fn day_number(date: NaiveDate) -> f64 {
    days_since_epoch(date) as f64
}

impl Observations {
    /// Checks and sorts observations. A missing or out-of-range date, a NaN or infinite value, mismatched lengths
    /// or two values on one date are errors naming the position.
    pub fn new<D: CalendarDate>(dates: &[D], values: &[f64]) -> Result<Observations> {
        CxError::check_len("values", dates.len(), values.len())?;
        let mut rows = Vec::with_capacity(dates.len());
        for (index, (&d, &v)) in dates.iter().zip(values).enumerate() {
            let date = date_at(d, index)?;
            if v.is_nan() {
                return Err(CxError::MissingValue {
                    what: "observations".into(),
                    index,
                });
            }
            if !v.is_finite() {
                return Err(CxError::invalid_argument(
                    format!("values[{index}]"),
                    v,
                    "must be finite",
                ));
            }
            rows.push((date, index, v));
        }
        rows.sort_by_key(|&(date, index, _)| (date, index));
        if let Some(w) = rows.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(CxError::invalid_argument(
                format!("dates[{}]", w[1].1),
                w[1].0,
                format!("is also the date of index {}; give one observation per date", w[0].1),
            ));
        }
        Ok(Observations {
            dates: rows.iter().map(|r| r.0).collect(),
            values: rows.iter().map(|r| r.2).collect(),
        })
    }

    /// The dates, ascending.
    pub fn dates(&self) -> &[NaiveDate] {
        &self.dates
    }

    /// The values, in date order.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Number of observations.
    pub fn len(&self) -> usize {
        self.dates.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
    }

    /// The positions of the observations dated `from..=to`.
    pub(crate) fn between(&self, from: NaiveDate, to: NaiveDate) -> std::ops::Range<usize> {
        let lo = self.dates.partition_point(|&d| d < from);
        let hi = self.dates.partition_point(|&d| d <= to).max(lo);
        lo..hi
    }

    /// The least-squares line through the observations at `range`, or `None` with fewer than two (dates are
    /// distinct, so two observations always fix a line). Centred sums keep it stable for dates far from 1970.
    pub(crate) fn line(&self, range: std::ops::Range<usize>) -> Option<Line> {
        let n = range.len();
        if n < 2 {
            return None;
        }
        let xs: Vec<f64> = self.dates[range.clone()].iter().map(|&d| day_number(d)).collect();
        let ys = &self.values[range];
        let mean_x = xs.iter().sum::<f64>() / n as f64;
        let mean_y = ys.iter().sum::<f64>() / n as f64;
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for (x, y) in xs.iter().zip(ys) {
            sxy += (x - mean_x) * (y - mean_y);
            sxx += (x - mean_x) * (x - mean_x);
        }
        let slope = sxy / sxx;
        Some(Line {
            slope_per_day: slope,
            intercept: mean_y - slope * mean_x,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn bad_observations_are_named() {
        assert!(matches!(
            Observations::new(&[d(1, 1), d(1, 2)], &[1.0, f64::NAN]),
            Err(CxError::MissingValue { index: 1, .. })
        ));
        assert!(matches!(
            Observations::new(&[d(1, 1)], &[f64::INFINITY]),
            Err(CxError::InvalidArgument { name, .. }) if name == "values[0]"
        ));
        assert!(matches!(
            Observations::new(&[d(1, 1), d(1, 2)], &[1.0]),
            Err(CxError::LengthMismatch { .. })
        ));
        assert!(matches!(
            Observations::new(&[0i64, i64::MIN], &[1.0, 2.0]),
            Err(CxError::InvalidDate { index: 1, .. })
        ));
        let e = Observations::new(&[d(1, 5), d(1, 1), d(1, 5)], &[1.0, 2.0, 3.0]).unwrap_err();
        assert!(
            e.to_string().contains("dates[2]") && e.to_string().contains("index 0"),
            "{e}"
        );
    }

    #[test]
    fn a_line_through_exact_points_is_exact() {
        let obs = Observations::new(&[d(3, 1), d(1, 1), d(2, 1)], &[59.0 + 28.0, 0.0 + 28.0, 31.0 + 28.0]).unwrap();
        let line = obs.line(0..3).unwrap();
        assert!((line.slope_per_day - 1.0).abs() < 1e-12);
        assert!((line.at(d(4, 1)) - (90.0 + 28.0)).abs() < 1e-9);
        assert!(obs.line(0..1).is_none());
        assert_eq!(obs.between(d(1, 15), d(3, 1)), 1..3);
        assert_eq!(obs.between(d(4, 1), d(3, 1)), 3..3);
    }
}
