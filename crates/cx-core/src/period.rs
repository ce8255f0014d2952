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
use chrono::{Datelike, NaiveDate};
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

/// The first day of the month with this index, `None` outside the supported calendar.
fn month_start(index: i64) -> Option<NaiveDate> {
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    NaiveDate::from_ymd_opt(year, month, 1)
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
    Period::Quarter { fiscal_start_month }.validate()?.checked_span(date)
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
    Period::Year { fiscal_start_month }.validate()?.checked_span(date)
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
    ///
    /// # Panics
    ///
    /// When `key` is outside [`Period::key_range`] (its period is not wholly inside the supported calendar);
    /// keys from [`Period::key`] of a date in range, and keys checked against `key_range`, never are.
    /// [`Period::checked_start`] returns `None` instead.
    pub fn start(self, key: i64) -> NaiveDate {
        self.checked_start(key)
            .unwrap_or_else(|| panic!("{} key {key} is outside the supported calendar", self.name()))
    }

    /// Last day of the period with this key (inclusive).
    ///
    /// # Panics
    ///
    /// As [`Period::start`]; [`Period::checked_end`] returns `None` instead.
    pub fn end(self, key: i64) -> NaiveDate {
        self.checked_end(key)
            .unwrap_or_else(|| panic!("{} key {key} is outside the supported calendar", self.name()))
    }

    /// First day of the period with this key, `None` when it is before [`NaiveDate::MIN`] or after
    /// [`NaiveDate::MAX`]: keys read from bytes or given by a caller can be any `i64`.
    pub fn checked_start(self, key: i64) -> Option<NaiveDate> {
        match self {
            Period::Day => epoch().checked_add_signed(chrono::TimeDelta::try_days(key)?),
            Period::IsoWeek => week_origin().checked_add_signed(chrono::TimeDelta::try_days(key.checked_mul(7)?)?),
            Period::Month => month_start(key),
            _ => {
                let (len, shift) = self.months_per_period().expect("month-based period");
                month_start(key.checked_mul(len)?.checked_add(shift)?)
            }
        }
    }

    /// Last day (inclusive) of the period with this key, `None` when the period does not end inside the
    /// supported calendar.
    pub fn checked_end(self, key: i64) -> Option<NaiveDate> {
        // Found from the period's own days, not as the day before the next period, which may not exist
        // (the last month of the calendar ends on NaiveDate::MAX).
        match self {
            Period::Day => self.checked_start(key),
            Period::IsoWeek => self.checked_start(key)?.checked_add_signed(chrono::TimeDelta::days(6)),
            _ => {
                let (len, shift) = self.months_per_period().unwrap_or((1, 0));
                let last_month = key.checked_mul(len)?.checked_add(shift + len - 1)?;
                let first = month_start(last_month)?;
                (28..=31).rev().find_map(|day| first.with_day(day))
            }
        }
    }

    /// The keys of the periods that lie wholly inside the supported calendar ([`NaiveDate::MIN`] to
    /// [`NaiveDate::MAX`], about 262,000 years either side of year 0): the keys whose start, end and label exist.
    /// A period key read from a state or given by a caller must be in this range; a date in a period that
    /// straddles either end of the calendar has a key outside it.
    ///
    /// ```
    /// use cx_core::period::Period;
    ///
    /// let months = Period::Month.key_range();
    /// assert!(Period::Month.checked_start(*months.end()).is_some());
    /// assert!(Period::Month.checked_end(*months.end() + 1).is_none());
    /// assert!(!months.contains(&i64::MAX));
    /// ```
    pub fn key_range(self) -> std::ops::RangeInclusive<i64> {
        let lo = self.key(NaiveDate::MIN);
        let lo = if self.checked_start(lo).is_some() { lo } else { lo + 1 };
        let hi = self.key(NaiveDate::MAX);
        let hi = if self.checked_end(hi).is_some() { hi } else { hi - 1 };
        lo..=hi
    }

    /// The first and last day (inclusive) of the period containing `date`: "this quarter" for a date.
    ///
    /// # Panics
    ///
    /// When the period straddles either end of the supported calendar (a date within a year of
    /// [`NaiveDate::MIN`] or [`NaiveDate::MAX`]); [`quarter_of`] and [`fiscal_year_of`] return an error instead.
    pub fn span(self, date: NaiveDate) -> (NaiveDate, NaiveDate) {
        let key = self.key(date);
        (self.start(key), self.end(key))
    }

    /// [`Period::span`], or an error naming `date` when its period straddles an end of the calendar.
    fn checked_span(self, date: NaiveDate) -> Result<(NaiveDate, NaiveDate)> {
        let key = self.key(date);
        match (self.checked_start(key), self.checked_end(key)) {
            (Some(start), Some(end)) => Ok((start, end)),
            _ => Err(CxError::invalid_argument(
                "date",
                date,
                format!("its {} extends past the supported calendar", self.name()),
            )),
        }
    }

    /// A short label: `2025-03-14`, `2025-W11`, `2025-03`, `2025-Q1` / `FY2025-Q4`, `2025` / `FY2025`.
    ///
    /// # Panics
    ///
    /// As [`Period::start`], for a key outside [`Period::key_range`].
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
                // Quarter keys count from the first quarter of fiscal year 0, so the fiscal year is key / 4
                // (computed, not found by stepping back from `start`, which can leave the calendar).
                let quarter = key.rem_euclid(4) + 1;
                let year = key.div_euclid(4);
                if fiscal_start_month == 1 {
                    format!("{year}-Q{quarter}")
                } else {
                    format!("FY{year}-Q{quarter}")
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
    use chrono::Days;

    const PERIODS: [Period; 8] = [
        Period::Day,
        Period::IsoWeek,
        Period::Month,
        Period::Quarter { fiscal_start_month: 1 },
        Period::Quarter { fiscal_start_month: 4 },
        Period::Quarter { fiscal_start_month: 11 },
        Period::Year { fiscal_start_month: 1 },
        Period::Year { fiscal_start_month: 7 },
    ];

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn every_period_contains_its_dates_and_keys_are_consecutive() {
        let periods = PERIODS;
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

    #[test]
    fn keys_past_the_calendar_are_none_not_panics() {
        for p in PERIODS {
            let range = p.key_range();
            let (lo, hi) = (*range.start(), *range.end());
            for k in [lo, lo + 1, hi - 1, hi] {
                let (start, end) = (p.checked_start(k).unwrap(), p.checked_end(k).unwrap());
                assert_eq!((p.start(k), p.end(k)), (start, end), "{p:?} {k}");
                assert!(start <= end && p.key(start) == k && p.key(end) == k, "{p:?} {k}");
                assert!(!p.label(k).is_empty());
            }
            // Just outside, the period leaves the calendar at one end.
            assert!(
                p.checked_start(lo - 1).is_none() || p.checked_end(lo - 1).is_none(),
                "{p:?}"
            );
            assert!(p.checked_end(hi + 1).is_none(), "{p:?}");
            for k in [
                i64::MIN,
                i64::MIN / 7,
                i64::MIN / 12,
                -1 << 40,
                1 << 40,
                i64::MAX / 12,
                i64::MAX,
            ] {
                assert!(!range.contains(&k));
                assert!(p.checked_start(k).is_none() || p.checked_end(k).is_none(), "{p:?} {k}");
            }
        }
    }

    #[test]
    fn quarters_at_the_ends_of_the_calendar_are_errors() {
        assert!(quarter_of(NaiveDate::MAX, 1).is_ok());
        assert!(matches!(
            quarter_of(NaiveDate::MAX, 2),
            Err(CxError::InvalidArgument { .. })
        ));
        assert!(matches!(
            fiscal_year_of(NaiveDate::MIN, 7),
            Err(CxError::InvalidArgument { .. })
        ));
    }
}
