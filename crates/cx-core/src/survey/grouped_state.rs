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
use super::trend::{MAX_PERIODS, Trend, TrendOptions, period_keys, trend_from_histograms};
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
    /// added. A key that is not an integer in a state by period is refused.
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

    /// Merges keyed histograms, keeping only keys that had rows (an empty partition adds no key).
    fn absorb(&mut self, keyed: impl Iterator<Item = (GroupKey, Histogram)>) -> Result<()> {
        for (key, h) in keyed {
            if h.n() + h.n_missing() == 0 {
                continue;
            }
            match self.groups.get_mut(&key) {
                Some(mine) => mine.merge(&h)?,
                None => {
                    self.groups.insert(key, h);
                }
            }
        }
        self.check_span()
    }

    /// Refuses a state by period whose keys span more than [`MAX_PERIODS`] periods (a bad date, usually).
    fn check_span(&self) -> Result<()> {
        let (Some(period), Some((GroupKey::Int(first), _)), Some((GroupKey::Int(last), _))) =
            (self.period, self.groups.first_key_value(), self.groups.last_key_value())
        else {
            return Ok(());
        };
        if last - first >= MAX_PERIODS {
            return Err(CxError::invalid_argument(
                "dates",
                format!("{} to {}", period.start(*first), period.end(*last)),
                format!("span more than {MAX_PERIODS} {}s; check for a bad date", period.name()),
            ));
        }
        Ok(())
    }

    /// Merges another state of the same metric (and period): the result equals one pass over both inputs.
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
        let mut merged = self.groups.clone();
        for (key, h) in &other.groups {
            match merged.get_mut(key) {
                Some(mine) => mine.merge(h)?,
                None => {
                    merged.insert(key.clone(), h.clone());
                }
            }
        }
        let before = std::mem::replace(&mut self.groups, merged);
        if let Err(e) = self.check_span() {
            self.groups = before;
            return Err(e);
        }
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
    /// is the state's).
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
        let mut dense = vec![Histogram::new(self.spec.scale); (last - first + 1) as usize];
        for (key, h) in &self.groups {
            if let GroupKey::Int(k) = key {
                dense[(k - first) as usize] = h.clone();
            }
        }
        trend_from_histograms(&self.spec, *first, &dense, &TrendOptions { period, ..*options })
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

    /// Reads bytes written by [`GroupedAccumulator::to_bytes`]; damaged or inconsistent bytes are an error.
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
        for _ in 0..n {
            let key = match r.u8()? {
                0 => GroupKey::Int(r.signed()?),
                1 => GroupKey::Str(r.str()?.to_owned()),
                tag => return Err(r.error(format!("key tag {tag} is neither 0 nor 1"))),
            };
            let h = Histogram::read_from(&mut r)?;
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
            if state.groups.last_key_value().is_some_and(|(last, _)| *last >= key) {
                return Err(r.error(format!("group {key} is out of order or repeated")));
            }
            state.groups.insert(key, h);
        }
        r.end()?;
        state.check_span()?;
        Ok(state)
    }
}
