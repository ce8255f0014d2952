//! The partial state of a metric by group or by period: one histogram per key, merged key by key.
//!
//! Each partition of a distributed table builds one [`GroupedAccumulator`], sends its bytes, and the merged state
//! gives the rows of [`score_by`](super::score_by) or the [`trend`](super::trend) of the whole table: counts
//! exactly, statistics to the last few bits (weighted sums are added in another order).
//!
//! ```
//! use cx_core::survey::{GroupKey, GroupedAccumulator, MetricSpec, MissingPolicy};
//!
//! let spec = MetricSpec::nps();
//! let mut east = GroupedAccumulator::new(spec.clone())?;
//! east.add_codes(&[10.0, 9.0, 3.0], &[0, 0, 1], &["web".into(), "app".into()], None, MissingPolicy::Skip)?;
//! let mut west = GroupedAccumulator::new(spec)?;
//! west.add_codes(&[0u8, 10], &[0, 0], &["web".into()], None, MissingPolicy::Skip)?;
//!
//! east.merge(&GroupedAccumulator::from_bytes(&west.to_bytes())?)?;
//! let rows = east.estimates(&Default::default())?.rows;
//! assert_eq!(rows[1].key, GroupKey::from("web"));
//! assert_eq!(rows[1].estimate.n, 4);
//! assert!((rows[1].estimate.value - 50.0).abs() < 1e-12); // 3 promoters, 1 detractor of 4
//! # Ok::<(), cx_core::CxError>(())
//! ```

use super::group::{GroupOptions, GroupedEstimates, estimate_groups};
use super::histogram::{Histogram, MissingPolicy, ScoreValue};
use super::spec::MetricSpec;
use super::trend::{Trend, TrendOptions, check_period_key, check_period_span, period_keys, trend_of_periods};
use crate::period::{CalendarDate, Period};
use crate::serde_util::from_json;
use crate::state::{Kind, Reader, Writer};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A group key: an integer or a string. Integers sort before strings; a table's key column holds one kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GroupKey {
    /// An integer key (also a period's key).
    Int(i64),
    /// A text key.
    Str(String),
}

impl From<i64> for GroupKey {
    fn from(v: i64) -> Self {
        GroupKey::Int(v)
    }
}

impl From<&str> for GroupKey {
    fn from(v: &str) -> Self {
        GroupKey::Str(v.into())
    }
}

impl From<String> for GroupKey {
    fn from(v: String) -> Self {
        GroupKey::Str(v)
    }
}

impl fmt::Display for GroupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupKey::Int(v) => write!(f, "{v}"),
            GroupKey::Str(v) => write!(f, "{v:?}"),
        }
    }
}

/// One histogram per group (or per period) of one metric. See the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupedAccumulator {
    spec: MetricSpec,
    period: Option<Period>,
    groups: BTreeMap<GroupKey, Histogram>,
}

impl GroupedAccumulator {
    /// An empty state by group key.
    pub fn new(spec: MetricSpec) -> Result<GroupedAccumulator> {
        spec.validate()?;
        Ok(GroupedAccumulator {
            spec,
            period: None,
            groups: BTreeMap::new(),
        })
    }

    /// An empty state by period: its keys are `period`'s keys of the response dates.
    pub fn by_period(spec: MetricSpec, period: Period) -> Result<GroupedAccumulator> {
        let mut state = GroupedAccumulator::new(spec)?;
        state.period = Some(period.validate()?);
        Ok(state)
    }

    /// Adds responses whose group is `keys[codes[i]]` (codes as from `pandas.factorize`). On error nothing is
    /// added. In a state by period a key that is not an integer, or not in the period's
    /// [`key_range`](Period::key_range), is refused.
    pub fn add_codes<T: ScoreValue>(
        &mut self,
        scores: &[T],
        codes: &[u32],
        keys: &[GroupKey],
        weights: Option<&[f64]>,
        missing: MissingPolicy,
    ) -> Result<()> {
        if let (Some(period), Some(i)) = (self.period, keys.iter().position(|k| matches!(k, GroupKey::Str(_)))) {
            return Err(CxError::invalid_argument(
                format!("keys[{i}]"),
                &keys[i],
                format!("a state by {} takes integer period keys", period.name()),
            ));
        }
        if let Some(period) = self.period {
            for (i, key) in keys.iter().enumerate() {
                if let GroupKey::Int(k) = key {
                    check_period_key(&format!("keys[{i}]"), *k, period)?;
                }
            }
        }
        let histograms = Histogram::by_group_codes(self.spec.scale, scores, codes, keys.len(), weights, missing)?;
        self.absorb(keys.iter().cloned().zip(histograms))
    }

    /// Adds responses dated `dates` to a state by period. On error nothing is added.
    pub fn add_dates<T: ScoreValue, D: CalendarDate>(
        &mut self,
        scores: &[T],
        dates: &[D],
        weights: Option<&[f64]>,
        missing: MissingPolicy,
    ) -> Result<()> {
        let Some(period) = self.period else {
            return Err(CxError::invalid_argument(
                "dates",
                format!("{} dates", dates.len()),
                "this state is by group key; build one with GroupedAccumulator::by_period",
            ));
        };
        CxError::check_len("dates", scores.len(), dates.len())?;
        if scores.is_empty() {
            return Ok(()); // an empty partition adds nothing
        }
        let (first, histograms) = period_keys(self.spec.scale, scores, dates, weights, period, missing, 1)?;
        self.absorb((first..).map(GroupKey::Int).zip(histograms))
    }

    /// Merges keyed histograms, keeping only keys that had rows (an empty partition adds no key). On error
    /// nothing is added.
    fn absorb(&mut self, keyed: impl Iterator<Item = (GroupKey, Histogram)>) -> Result<()> {
        let keyed: Vec<(GroupKey, Histogram)> = keyed.collect();
        check_total(&self.groups, keyed.iter().map(|(_, h)| h))?;
        let mut merged = self.groups.clone();
        for (key, h) in keyed {
            if h.n_missing() == 0 && h.counts().iter().all(|&c| c == 0) {
                continue;
            }
            match merged.get_mut(&key) {
                Some(mine) => mine.merge(&h)?,
                None => {
                    merged.insert(key, h);
                }
            }
        }
        check_span(self.period, &merged)?;
        self.groups = merged;
        Ok(())
    }

    /// Merges another state of the same metric (and period): the result equals one pass over both inputs. On
    /// error `self` is unchanged: responses that would add past 2^64 − 1 are [`CxError::Overflow`], keys
    /// spanning more than [`MAX_PERIODS`](super::MAX_PERIODS) periods [`CxError::LimitExceeded`].
    pub fn merge(&mut self, other: &GroupedAccumulator) -> Result<()> {
        if self.spec != other.spec || self.period != other.period {
            let describe = |s: &GroupedAccumulator| match s.period {
                Some(p) => format!("{} by {}", s.spec.name, p.name()),
                None => format!("{} by group", s.spec.name),
            };
            return Err(CxError::IncompatibleHistograms {
                left: describe(self),
                right: describe(other),
            });
        }
        check_total(&self.groups, other.groups.values())?;
        let mut merged = self.groups.clone();
        for (key, h) in &other.groups {
            match merged.get_mut(key) {
                Some(mine) => mine.merge(h)?,
                None => {
                    merged.insert(key.clone(), h.clone());
                }
            }
        }
        check_span(self.period, &merged)?;
        self.groups = merged;
        Ok(())
    }

    /// The metric spec.
    pub fn spec(&self) -> &MetricSpec {
        &self.spec
    }

    /// The period of a state by period.
    pub fn period(&self) -> Option<Period> {
        self.period
    }

    /// The keys and their histograms, in key order.
    pub fn groups(&self) -> impl Iterator<Item = (&GroupKey, &Histogram)> {
        self.groups.iter()
    }

    /// One row per group, as [`score_by`](super::score_by) gives for the whole input.
    pub fn estimates(&self, options: &GroupOptions) -> Result<GroupedEstimates<GroupKey>> {
        let (keys, histograms) = self.groups.iter().map(|(k, h)| (k.clone(), h.clone())).unzip();
        estimate_groups(&self.spec, keys, histograms, options)
    }

    /// The trend of a state by period, as [`trend`](super::trend) gives for the whole input (`options.period`
    /// is the state's): one row per period from the first key to the last, at most [`MAX_PERIODS`](super::MAX_PERIODS). Only the
    /// periods with responses hold a histogram (the gaps share one empty histogram), so the memory is the
    /// state's plus the rows, whatever the gaps.
    pub fn trend(&self, options: &TrendOptions) -> Result<Trend> {
        let Some(period) = self.period else {
            return Err(CxError::invalid_argument(
                "state",
                format!("{} by group", self.spec.name),
                "a trend needs a state by period",
            ));
        };
        let (Some((GroupKey::Int(first), _)), Some((GroupKey::Int(last), _))) =
            (self.groups.first_key_value(), self.groups.last_key_value())
        else {
            return Err(CxError::empty("dates"));
        };
        // Invariants of a state by period (integer keys in the calendar, a span of at most MAX_PERIODS),
        // checked again because a trend must never index or allocate from an unchecked key.
        check_period_key("state key", *first, period)?;
        check_period_key("state key", *last, period)?;
        check_period_span(*first, *last, period)?;
        let n_periods = (last - first + 1) as usize;
        let empty = Histogram::new(self.spec.scale);
        let mut groups = self.groups.iter().peekable();
        let periods =
            (*first..=*last).map(|key| (groups.next_if(|(k, _)| **k == GroupKey::Int(key))).map_or(&empty, |(_, h)| h));
        trend_of_periods(
            &self.spec,
            *first,
            n_periods,
            periods,
            &TrendOptions { period, ..*options },
        )
    }

    /// The state as bytes (see [`crate::state`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Kind::GroupedAccumulator);
        w.str(&serde_json::to_string(&self.spec).expect("a metric spec always serialises"));
        match self.period {
            None => w.u8(0),
            Some(p) => {
                w.u8(1);
                w.str(&serde_json::to_string(&p).expect("a period always serialises"));
            }
        }
        w.len(self.groups.len());
        for (key, h) in &self.groups {
            match key {
                GroupKey::Int(v) => {
                    w.u8(0);
                    w.signed(*v);
                }
                GroupKey::Str(s) => {
                    w.u8(1);
                    w.str(s);
                }
            }
            h.write_to(&mut w);
        }
        w.finish()
    }

    /// Reads bytes written by [`GroupedAccumulator::to_bytes`]; damaged or inconsistent bytes are an error
    /// ([`CxError::InvalidConfig`] naming the byte offset, [`CxError::UnsupportedVersion`] or
    /// [`CxError::LimitExceeded`]), never a panic.
    ///
    /// Everything read is checked as if it came from an untrusted source (see [`crate::state`] on what the
    /// checksum does not prove): the spec and period, keys strictly increasing, integer keys of a state by period
    /// inside the calendar ([`Period::key_range`]) and spanning at most [`MAX_PERIODS`](super::MAX_PERIODS) periods, each histogram on
    /// the metric's scale with its responses (counts plus missing) adding to at most 2^64 − 1, no byte left over.
    /// A decoded state therefore merges, scores and trends without panicking.
    pub fn from_bytes(bytes: &[u8]) -> Result<GroupedAccumulator> {
        let mut r = Reader::open(bytes, Kind::GroupedAccumulator)?;
        let spec: MetricSpec = from_json("metric spec", r.str()?.as_bytes())?;
        let mut state = match r.u8()? {
            0 => GroupedAccumulator::new(spec)?,
            1 => {
                let period: Period = from_json("period", r.str()?.as_bytes())?;
                GroupedAccumulator::by_period(spec, period)?
            }
            flag => return Err(r.error(format!("period flag {flag} is neither 0 nor 1"))),
        };
        let n = r.len(2)?;
        let mut total = 0u64;
        for _ in 0..n {
            let key = match r.u8()? {
                0 => GroupKey::Int(r.signed()?),
                1 => GroupKey::Str(r.str()?.to_owned()),
                tag => return Err(r.error(format!("key tag {tag} is neither 0 nor 1"))),
            };
            let at = r.offset();
            // The histogram's own checks name a field; the state's error adds the group and the byte offset.
            let h = Histogram::read_from(&mut r).map_err(|e| match e {
                CxError::InvalidConfig { what, field, reason } if what == "histogram" => {
                    r.error_at(at, format!("the histogram of group {key}: {field} {reason}"))
                }
                e => e,
            })?;
            if h.scale() != state.spec.scale {
                return Err(r.error(format!(
                    "group {key} has scale {}, the metric {}",
                    h.scale(),
                    state.spec.scale
                )));
            }
            if state.period.is_some() && matches!(key, GroupKey::Str(_)) {
                return Err(r.error(format!("a state by period has the text key {key}")));
            }
            if let (Some(period), GroupKey::Int(k)) = (state.period, &key)
                && !period.key_range().contains(k)
            {
                let range = period.key_range();
                return Err(r.error(format!(
                    "period key {k} is outside the supported calendar ({} to {} for a {})",
                    range.start(),
                    range.end(),
                    period.name()
                )));
            }
            total = responses(&h)
                .and_then(|n| n.checked_add(total))
                .ok_or_else(|| r.error(format!("the state's responses add past 2^64 - 1 at group {key}")))?;
            if state.groups.last_key_value().is_some_and(|(last, _)| *last >= key) {
                return Err(r.error(format!("group {key} is out of order or repeated")));
            }
            state.groups.insert(key, h);
        }
        r.end()?;
        check_span(state.period, &state.groups)?;
        Ok(state)
    }
}

/// A histogram's responses, counts plus missing, or `None` when they add past 2^64 − 1.
fn responses(h: &Histogram) -> Option<u64> {
    h.counts()
        .iter()
        .try_fold(h.n_missing(), |total, &c| total.checked_add(c))
}

/// The responses of several histograms together, or `None` past 2^64 − 1.
fn total_responses<'a>(mut histograms: impl Iterator<Item = &'a Histogram>) -> Option<u64> {
    histograms.try_fold(0u64, |total, h| total.checked_add(responses(h)?))
}

/// Refuses adding `theirs` to a state holding `mine` when the responses of both would add past 2^64 − 1.
///
/// Every state keeps the responses of all its groups together within a `u64` (no partition has more rows), so
/// no count, missing count or total of a group, of several groups or of "the rest" overflows, in a merge or in
/// the estimates; the check comes first, so a refused merge changes nothing.
fn check_total<'a>(mine: &BTreeMap<GroupKey, Histogram>, theirs: impl Iterator<Item = &'a Histogram>) -> Result<()> {
    let (a, b) = (total_responses(mine.values()), total_responses(theirs));
    match (a, b) {
        (Some(a), Some(b)) if a.checked_add(b).is_some() => Ok(()),
        _ => Err(CxError::overflow(format!(
            "the responses of a grouped state ({}) and those merged into it ({}) add past 2^64 - 1",
            a.map_or_else(|| "over 2^64 - 1".into(), |n| n.to_string()),
            b.map_or_else(|| "over 2^64 - 1".into(), |n| n.to_string()),
        ))),
    }
}

/// Refuses a state by period whose keys span more than [`MAX_PERIODS`](super::MAX_PERIODS) periods (a bad date, usually).
fn check_span(period: Option<Period>, groups: &BTreeMap<GroupKey, Histogram>) -> Result<()> {
    let (Some(period), Some((GroupKey::Int(first), _)), Some((GroupKey::Int(last), _))) =
        (period, groups.first_key_value(), groups.last_key_value())
    else {
        return Ok(());
    };
    check_period_span(*first, *last, period)
}
