//! The population a scorecard's percentile measures rank against, as a partial state.
//!
//! A `percentile` rule scores an account by its rank among the scored accounts, so scoring the partitions of a
//! table separately would rank each account within its partition. Instead each partition counts its observed
//! values ([`Scorer::population`](super::Scorer::population)), the counts merge into the table's population, and
//! each partition is scored against it ([`Scorer::score_in`](super::Scorer::score_in)): the scores equal those of
//! the whole table scored at once. Other rules do not look at other accounts and need no population.
//!
//! ```
//! use cx_core::health::{Columns, Population, Scorecard, Scorer};
//!
//! let card = Scorecard::from_json(r#"{"version": 1, "name": "usage",
//!   "measures": [{"id": "logins", "weight": 1, "scoring": {"rule": "percentile", "better": "higher"}}],
//!   "bands": {"names": ["red", "green"], "cuts": [50]}}"#)?;
//! let scorer = Scorer::new(card)?;
//! let (left, right) = ([3.0, 9.0], [1.0, 5.0]);
//! let mut population = scorer.population(&Columns::new(vec![&left]))?;
//! population.merge(&Population::from_bytes(&scorer.population(&Columns::new(vec![&right]))?.to_bytes())?)?;
//!
//! let scored = scorer.score_in(&Columns::new(vec![&left]), None, &population)?;
//! let whole = scorer.score(&Columns::new(vec![&[3.0, 9.0, 1.0, 5.0]]), None)?;
//! assert_eq!(scored.score[..], whole.score[..2]); // 3 ranks second of four, 9 first
//! # Ok::<(), cx_core::CxError>(())
//! ```

use super::engine::Status;
use super::engine::percentile_points;
use super::scorecard::{Better, Scorecard, ScoringRule};
use super::validation::OrderedScore;
use crate::state::{Kind, Reader, Writer};
use crate::{CxError, Result};
use std::collections::BTreeMap;

/// Observed values per percentile measure, with their counts. See the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// (measure id, value → accounts), in the scorecard's order of percentile measures.
    measures: Vec<(String, BTreeMap<OrderedScore, u64>)>,
}

impl Population {
    /// An empty population for the percentile measures of `card`.
    pub fn new(card: &Scorecard) -> Population {
        let measures = (card.measures.iter())
            .filter(|m| matches!(m.scoring, ScoringRule::Percentile { .. }))
            .map(|m| (m.id.clone(), BTreeMap::new()))
            .collect();
        Population { measures }
    }

    /// The position of measure `id`, looked up at `hint` (its place among the scorecard's percentile measures)
    /// first: one comparison when the population was built with the same scorecard, rather than a search per
    /// measure, which is quadratic in a scorecard of many percentile measures.
    fn slot(&self, hint: usize, id: &str) -> Option<usize> {
        if self.measures.get(hint).is_some_and(|(m, _)| m == id) {
            Some(hint)
        } else {
            self.measures.iter().position(|(m, _)| m == id)
        }
    }

    pub(super) fn add(&mut self, hint: usize, id: &str, values: impl Iterator<Item = f64>) {
        let slot = self.slot(hint, id).expect("a percentile measure");
        let counts = &mut self.measures[slot].1;
        for v in values {
            *counts.entry(OrderedScore::new(v)).or_default() += 1;
        }
    }

    /// The percentile measures' ids.
    pub fn measures(&self) -> impl Iterator<Item = &str> {
        self.measures.iter().map(|(id, _)| id.as_str())
    }

    /// Observed values counted for measure `id` (0 if it is not a percentile measure here).
    pub fn n(&self, id: &str) -> u64 {
        self.measures
            .iter()
            .find(|(m, _)| m == id)
            .map_or(0, |(_, c)| c.values().sum())
    }

    /// Adds another population of the same percentile measures.
    ///
    /// Counts are `u64`: if a measure's merged count of values would exceed 2^64 − 1, the merge is refused with
    /// [`CxError::Overflow`] naming the measure, and `self` is left unchanged (a wrapped count would rank every
    /// account against a different population).
    pub fn merge(&mut self, other: &Population) -> Result<()> {
        let ids = |p: &Population| p.measures().map(str::to_owned).collect::<Vec<_>>();
        if ids(self) != ids(other) {
            return Err(CxError::invalid_argument(
                "other",
                format!("percentile measures {:?}", ids(other)),
                format!("differ from {:?}", ids(self)),
            ));
        }
        // Checked up front so that a refused merge changes nothing; a measure's total bounds each of its counts
        // and the running sums of `percentiles`, so the additions below cannot wrap.
        for ((id, mine), (_, theirs)) in self.measures.iter().zip(&other.measures) {
            let total = |c: &BTreeMap<OrderedScore, u64>| c.values().sum::<u64>();
            if total(mine).checked_add(total(theirs)).is_none() {
                return Err(CxError::overflow(format!(
                    "merged count of values of the percentile measure '{id}' exceeds 2^64 - 1"
                )));
            }
        }
        for ((_, mine), (_, theirs)) in self.measures.iter_mut().zip(&other.measures) {
            for (&v, &count) in theirs {
                *mine.entry(v).or_default() += count;
            }
        }
        Ok(())
    }

    /// Percentile points of the observed `values` of measure `id` (at `hint` among the percentile measures, see
    /// [`Population::slot`]) ranked within this population (others NaN).
    pub(super) fn percentiles(
        &self,
        hint: usize,
        id: &str,
        values: &[f64],
        status: &[Status],
        better: Better,
    ) -> Result<Vec<f64>> {
        let counts = (self.slot(hint, id))
            .map(|slot| &self.measures[slot].1)
            .ok_or_else(|| {
                CxError::invalid_argument(
                    "population",
                    format!("{:?}", self.measures().collect::<Vec<_>>()),
                    format!("has no values of the percentile measure '{id}'; build it with this scorecard"),
                )
            })?;
        // Sorted distinct values with the number of values strictly below each.
        let mut below = 0u64;
        let table: Vec<(f64, u64, u64)> = counts
            .iter()
            .map(|(v, &c)| {
                let row = (v.value(), below, c);
                below += c;
                row
            })
            .collect();
        let n = below as f64;
        Ok((0..values.len())
            .map(|i| {
                if status[i] != Status::Observed || n == 0.0 {
                    return f64::NAN;
                }
                let v = values[i] + 0.0; // −0 ranks as +0, as it does in the counts
                let at = table.partition_point(|r| r.0 < v);
                match table.get(at) {
                    Some(&(value, under, tied)) if value == v => percentile_points(under, tied, n, better),
                    Some(&(_, under, _)) => percentile_points(under, 0, n, better),
                    None => percentile_points(below, 0, n, better),
                }
            })
            .collect())
    }

    /// The population as bytes (see [`crate::state`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Kind::Population);
        w.len(self.measures.len());
        for (id, counts) in &self.measures {
            w.str(id);
            w.len(counts.len());
            for (v, &c) in counts {
                w.f64(v.value());
                w.varint(c);
            }
        }
        w.finish()
    }

    /// Reads bytes written by [`Population::to_bytes`]; damaged or inconsistent bytes are an error, and a
    /// measure whose counts add up past 2^64 − 1 is [`CxError::Overflow`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Population> {
        let mut r = Reader::open(bytes, Kind::Population)?;
        let n = r.len(2)?;
        let mut measures = Vec::with_capacity(n);
        for _ in 0..n {
            let id = r.str()?.to_owned();
            let k = r.len(9)?;
            let mut counts = BTreeMap::new();
            let mut last: Option<OrderedScore> = None;
            let mut total = 0u64;
            for _ in 0..k {
                let v = r.f64()?;
                let c = r.varint()?;
                let key = OrderedScore::new(v);
                if !v.is_finite() || v.to_bits() == (-0.0f64).to_bits() || c == 0 || last.is_some_and(|l| l >= key) {
                    return Err(r.error(format!(
                        "value {v} of measure '{id}' is not finite, repeated, out of order or uncounted"
                    )));
                }
                // Bytes may come from anywhere: a total past 2^64 − 1 would wrap in `n` and `percentiles`.
                total = total.checked_add(c).ok_or_else(|| {
                    CxError::overflow(format!(
                        "count of values of the percentile measure '{id}' up to value {v} exceeds 2^64 - 1"
                    ))
                })?;
                counts.insert(key, c);
                last = Some(key);
            }
            measures.push((id, counts));
        }
        r.end()?;
        Ok(Population { measures })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn population(values: &[(f64, u64)]) -> Population {
        let counts = values.iter().map(|&(v, c)| (OrderedScore::new(v), c)).collect();
        Population {
            measures: vec![("logins".into(), counts)],
        }
    }

    #[test]
    fn a_merge_past_u64_max_is_refused_and_changes_nothing() {
        let mut a = population(&[(3.0, u64::MAX - 1)]);
        let before = a.clone();
        match a.merge(&population(&[(3.0, 2)])) {
            Err(CxError::Overflow { what }) => assert!(what.contains("'logins'"), "{what}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(a, before);
        // Each value's count fits; the measure's total does not.
        let mut a = population(&[(3.0, 1 << 63)]);
        assert!(matches!(
            a.merge(&population(&[(5.0, 1 << 63)])),
            Err(CxError::Overflow { .. })
        ));
        assert_eq!(a.n("logins"), 1 << 63);
        // Up to the limit is fine.
        let mut a = population(&[(3.0, u64::MAX - 1)]);
        a.merge(&population(&[(5.0, 1)])).unwrap();
        assert_eq!(a.n("logins"), u64::MAX);
    }

    #[test]
    fn bytes_whose_counts_add_past_u64_max_are_refused() {
        let bytes = population(&[(3.0, u64::MAX), (5.0, 1)]).to_bytes();
        assert!(matches!(Population::from_bytes(&bytes), Err(CxError::Overflow { .. })));
        let a = population(&[(3.0, u64::MAX)]).to_bytes();
        let b = population(&[(5.0, 1)]).to_bytes();
        assert!(matches!(crate::state::merge(&a, &b), Err(CxError::Overflow { .. })));
    }
}
