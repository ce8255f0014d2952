//! Calendar and fiscal periods: bucketing dates into days, ISO weeks, months, quarters and years.
//!
//! A [`Period`] maps a date to an integer key; consecutive periods have consecutive keys, so "the previous
//! period" is `key - 1` and gaps are visible. Fiscal quarters and years start in a configurable month and are
//! named by the calendar year in which they start (the Japanese convention: with an April start, FY2025 runs from
//! 2025-04-01 to 2026-03-31).
//!
//! ```
//! use chrono::NaiveDate;
//! use cx_core::period::Period;
//!
//! let fiscal_quarter = Period::Quarter { fiscal_start_month: 4 };
//! let d = NaiveDate::from_ymd_opt(2026, 2, 10).unwrap();
//! let key = fiscal_quarter.key(d);
//! assert_eq!(fiscal_quarter.label(key), "FY2025-Q4");
//! assert_eq!(fiscal_quarter.start(key), NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
//! assert_eq!(fiscal_quarter.end(key), NaiveDate::from_ymd_opt(2026, 3, 31).unwrap());
//! ```

use crate::{CxError, Result};
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A way of bucketing dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Period {
    /// One calendar day.
    Day,
    /// An ISO 8601 week, Monday to Sunday.
    IsoWeek,
    /// A calendar month.
    Month,
    /// A quarter of the (fiscal) year starting in `fiscal_start_month` (1 = January).
    Quarter {
        /// First month of the fiscal year, 1..=12.
        fiscal_start_month: u32,
    },
    /// A (fiscal) year starting in `fiscal_start_month` (1 = January).
    Year {
        /// First month of the fiscal year, 1..=12.
        fiscal_start_month: u32,
    },
}

const NAMES: &str = "day, week, month, quarter, year";

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date")
}

/// The Monday on or before 1970-01-01 (1969-12-29), origin of week keys.
fn week_origin() -> NaiveDate {
    NaiveDate::from_ymd_opt(1969, 12, 29).expect("valid date")
}

/// Months since January of year 0.
fn month_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

fn month_start(index: i64) -> NaiveDate {
    let year = i32::try_from(index.div_euclid(12)).expect("year in range");
    let month = u32::try_from(index.rem_euclid(12)).expect("month in range") + 1;
    NaiveDate::from_ymd_opt(year, month, 1).expect("valid date")
}

/// A date as the survey functions accept it: a [`NaiveDate`], or whole days since 1970-01-01 (`i32`, `i64`), the
/// form of numpy's `datetime64[D]` and of the C API.
///
/// ```
/// use chrono::NaiveDate;
/// use cx_core::period::CalendarDate;
///
/// assert_eq!(20_089i64.to_date(), NaiveDate::from_ymd_opt(2025, 1, 1));
/// assert_eq!(i64::MIN.to_date(), None); // numpy's NaT
/// ```
pub trait CalendarDate: Copy + Send + Sync {
    /// The calendar date, or `None` when the value is missing (NaT) or outside the supported range.
    fn to_date(self) -> Option<NaiveDate>;

    /// The value as text, for error messages.
    fn describe(self) -> String;

    /// The dates as whole days since 1970-01-01 when that is how they are stored (`i64`), so a pass can map
    /// days to periods through a table instead of building a date per row.
    fn as_days(_dates: &[Self]) -> Option<&[i64]> {
        None
    }
}

impl CalendarDate for NaiveDate {
    fn to_date(self) -> Option<NaiveDate> {
        Some(self)
    }

    fn describe(self) -> String {
        self.to_string()
    }
}

impl CalendarDate for i64 {
    fn to_date(self) -> Option<NaiveDate> {
        // Days from 0001-01-01 (day 1 of the common era) to 1970-01-01.
        const EPOCH_FROM_CE: i64 = 719_163;
        let days = i32::try_from(self.checked_add(EPOCH_FROM_CE)?).ok()?;
        NaiveDate::from_num_days_from_ce_opt(days)
    }

    fn as_days(dates: &[i64]) -> Option<&[i64]> {
        Some(dates)
    }

    fn describe(self) -> String {
        if self == i64::MIN {
            "NaT".into()
        } else {
            format!("{self} days since 1970-01-01")
        }
    }
}

impl CalendarDate for i32 {
    fn to_date(self) -> Option<NaiveDate> {
        i64::from(self).to_date()
    }

    fn describe(self) -> String {
        i64::from(self).describe()
    }
}

/// The date `date` found at position `index` of an input, or [`CxError::InvalidDate`] naming both.
pub fn date_at<D: CalendarDate>(date: D, index: usize) -> Result<NaiveDate> {
    date.to_date().ok_or_else(|| CxError::InvalidDate {
        value: date.describe(),
        index,
    })
}

/// A single date argument (such as `as_of`), or [`CxError::InvalidArgument`] naming it when it is missing or out
/// of range.
pub fn date_argument<D: CalendarDate>(name: &str, date: D) -> Result<NaiveDate> {
    date.to_date()
        .ok_or_else(|| CxError::invalid_argument(name, date.describe(), "is not a date in the supported range"))
}

/// Whole days from 1970-01-01 to `date`: the inverse of [`CalendarDate`] for `i64`.
///
/// ```
/// use chrono::NaiveDate;
/// use cx_core::period::{CalendarDate, days_since_epoch};
///
/// let d = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
/// assert_eq!(days_since_epoch(d), 20_089);
/// assert_eq!(20_089i64.to_date(), Some(d));
/// ```
pub fn days_since_epoch(date: NaiveDate) -> i64 {
    (date - epoch()).num_days()
}

/// The dates of `dates` as [`NaiveDate`]s, or [`CxError::InvalidDate`] naming the first missing or out-of-range one.
pub fn to_dates<D: CalendarDate>(dates: &[D]) -> Result<Vec<NaiveDate>> {
    dates.iter().enumerate().map(|(index, &d)| date_at(d, index)).collect()
}

/// The first and last day of the (fiscal) quarter containing `date`, for goals set "this quarter".
///
/// ```
/// use chrono::NaiveDate;
/// use cx_core::period::quarter_of;
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
/// assert_eq!(quarter_of(d(2026, 5, 20), 4)?, (d(2026, 4, 1), d(2026, 6, 30)));
/// assert_eq!(quarter_of(d(2026, 5, 20), 2)?, (d(2026, 5, 1), d(2026, 7, 31)));
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn quarter_of(date: NaiveDate, fiscal_start_month: u32) -> Result<(NaiveDate, NaiveDate)> {
    Ok(Period::Quarter { fiscal_start_month }.validate()?.span(date))
}

/// The first and last day of the fiscal year containing `date` (named by the year it starts in).
///
/// ```
/// use chrono::NaiveDate;
/// use cx_core::period::fiscal_year_of;
///
/// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
/// assert_eq!(fiscal_year_of(d(2026, 2, 10), 4)?, (d(2025, 4, 1), d(2026, 3, 31)));
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn fiscal_year_of(date: NaiveDate, fiscal_start_month: u32) -> Result<(NaiveDate, NaiveDate)> {
    Ok(Period::Year { fiscal_start_month }.validate()?.span(date))
}

impl Period {
    /// Parses `day`, `week` (or `iso_week`), `month`, `quarter` or `year`, with a fiscal start month for the
    /// last two.
    pub fn parse(name: &str, fiscal_start_month: u32) -> Result<Period> {
        let period = match name {
            "day" | "D" => Period::Day,
            "week" | "iso_week" | "W" => Period::IsoWeek,
            "month" | "M" => Period::Month,
            "quarter" | "Q" => Period::Quarter { fiscal_start_month },
            "year" | "Y" => Period::Year { fiscal_start_month },
            _ => {
                return Err(CxError::UnknownName {
                    kind: "period".into(),
                    name: name.into(),
                    expected: NAMES.into(),
                });
            }
        };
        period.validate()
    }

    /// Checks the fiscal start month.
    pub fn validate(self) -> Result<Period> {
        match self {
            Period::Quarter { fiscal_start_month } | Period::Year { fiscal_start_month }
                if !(1..=12).contains(&fiscal_start_month) =>
            {
                Err(CxError::invalid_argument(
                    "fiscal_start_month",
                    fiscal_start_month,
                    "must be a month number 1..=12",
                ))
            }
            _ => Ok(self),
        }
    }

    fn months_per_period(self) -> Option<(i64, i64)> {
        match self {
            Period::Quarter { fiscal_start_month } => Some((3, i64::from(fiscal_start_month) - 1)),
            Period::Year { fiscal_start_month } => Some((12, i64::from(fiscal_start_month) - 1)),
            _ => None,
        }
    }

    /// The integer key of the period containing `date`; the next period has key + 1.
    pub fn key(self, date: NaiveDate) -> i64 {
        match self {
            Period::Day => days_since_epoch(date),
            Period::IsoWeek => (date - week_origin()).num_days().div_euclid(7),
            Period::Month => month_index(date),
            _ => {
                let (len, shift) = self.months_per_period().expect("month-based period");
                (month_index(date) - shift).div_euclid(len)
            }
        }
    }

    /// First day of the period with this key.
    pub fn start(self, key: i64) -> NaiveDate {
        match self {
            Period::Day => epoch() + chrono::TimeDelta::days(key),
            Period::IsoWeek => week_origin() + chrono::TimeDelta::days(key * 7),
            Period::Month => month_start(key),
            _ => {
                let (len, shift) = self.months_per_period().expect("month-based period");
                month_start(key * len + shift)
            }
        }
    }

    /// Last day of the period with this key (inclusive).
    pub fn end(self, key: i64) -> NaiveDate {
        self.start(key + 1) - Days::new(1)
    }

    /// The first and last day (inclusive) of the period containing `date`: "this quarter" for a date.
    pub fn span(self, date: NaiveDate) -> (NaiveDate, NaiveDate) {
        let key = self.key(date);
        (self.start(key), self.end(key))
    }

    /// A short label: `2025-03-14`, `2025-W11`, `2025-03`, `2025-Q1` / `FY2025-Q4`, `2025` / `FY2025`.
    pub fn label(self, key: i64) -> String {
        let start = self.start(key);
        match self {
            Period::Day => start.format("%Y-%m-%d").to_string(),
            Period::IsoWeek => {
                let w = start.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Period::Month => start.format("%Y-%m").to_string(),
            Period::Quarter { fiscal_start_month } => {
                let quarter = key.rem_euclid(4) + 1;
                let first_of_year = start - Months::new(3 * (quarter as u32 - 1));
                if fiscal_start_month == 1 {
                    format!("{}-Q{quarter}", first_of_year.year())
                } else {
                    format!("FY{}-Q{quarter}", first_of_year.year())
                }
            }
            Period::Year { fiscal_start_month } => {
                if fiscal_start_month == 1 {
                    format!("{}", start.year())
                } else {
                    format!("FY{}", start.year())
                }
            }
        }
    }

    /// A short name for the kind of period, for provenance in results.
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::IsoWeek => "week",
            Period::Month => "month",
            Period::Quarter { .. } => "quarter",
            Period::Year { .. } => "year",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_period_contains_its_dates_and_keys_are_consecutive() {
        let periods = [
            Period::Day,
            Period::IsoWeek,
            Period::Month,
            Period::Quarter { fiscal_start_month: 1 },
            Period::Quarter { fiscal_start_month: 4 },
            Period::Quarter { fiscal_start_month: 11 },
            Period::Year { fiscal_start_month: 1 },
            Period::Year { fiscal_start_month: 7 },
        ];
        let mut date = d(1968, 12, 20);
        while date < d(1972, 3, 1) {
            for p in periods {
                let k = p.key(date);
                assert!(p.start(k) <= date && date <= p.end(k), "{p:?} {date}");
                assert_eq!(p.start(k + 1), p.end(k) + Days::new(1));
            }
            date = date + Days::new(1);
        }
    }

    #[test]
    fn iso_weeks_start_on_monday_and_use_iso_years() {
        let p = Period::IsoWeek;
        // 2021-01-03 is a Sunday in ISO week 2020-W53.
        let k = p.key(d(2021, 1, 3));
        assert_eq!(p.label(k), "2020-W53");
        assert_eq!(p.start(k), d(2020, 12, 28));
        assert_eq!(p.label(p.key(d(2021, 1, 4))), "2021-W01");
    }

    #[test]
    fn labels() {
        assert_eq!(Period::Month.label(Period::Month.key(d(2025, 3, 14))), "2025-03");
        let q = Period::Quarter { fiscal_start_month: 1 };
        assert_eq!(q.label(q.key(d(2025, 5, 1))), "2025-Q2");
        let fq = Period::Quarter { fiscal_start_month: 4 };
        assert_eq!(fq.label(fq.key(d(2025, 4, 1))), "FY2025-Q1");
        assert_eq!(fq.label(fq.key(d(2025, 3, 31))), "FY2024-Q4");
        let fy = Period::Year { fiscal_start_month: 4 };
        assert_eq!(fy.label(fy.key(d(2026, 3, 31))), "FY2025");
        assert_eq!(fy.end(fy.key(d(2026, 3, 31))), d(2026, 3, 31));
    }

    #[test]
    fn bad_names_and_months_are_errors() {
        assert!(matches!(
            Period::parse("fortnight", 1),
            Err(CxError::UnknownName { .. })
        ));
        assert!(matches!(
            Period::parse("quarter", 13),
            Err(CxError::InvalidArgument { .. })
        ));
        assert!(matches!(
            Period::parse("quarter", 0),
            Err(CxError::InvalidArgument { .. })
        ));
    }
}
