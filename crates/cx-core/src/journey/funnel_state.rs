//! The partial state of a funnel, for tables split over partitions.
//!
//! A funnel follows each account through its events, so **every account's events must be in one partition**:
//! repartition by account first (Spark `df.repartition("account")`, Dask `df.shuffle("account")`; `cxkit.dist`
//! does it for you). Given that, a partition's state holds its accounts' step counts and their times to convert
//! (one number per account and step reached, so the quantiles of the merged state are exact), and merging states
//! adds the counts and pools the times: the merged funnel equals [`funnel`](super::funnel) over the whole table.
//! An account split across partitions would be counted once in each, which the states cannot detect.
//!
//! ```
//! use cx_core::journey::{funnel, FunnelMode, FunnelSpec, FunnelState};
//!
//! let spec = FunnelSpec { steps: vec![1, 2], window: 10, mode: FunnelMode::Ordered, as_of: None };
//! let (accounts, events, times) = ([7u64, 7, 8, 9, 9], [1, 2, 1, 1, 2], [0, 4, 1, 2, 9]);
//! let mut left = FunnelState::new(spec.clone())?;
//! left.add(&accounts[..2], &events[..2], &times[..2])?; // account 7, whole
//! let mut right = FunnelState::new(spec.clone())?;
//! right.add(&accounts[2..], &events[2..], &times[2..])?; // accounts 8 and 9, whole
//!
//! left.merge(&FunnelState::from_bytes(&right.to_bytes())?)?;
//! let (merged, whole) = (left.finish(), funnel(&accounts, &events, &times, &spec)?);
//! assert_eq!(merged.steps[1].reached, 2);
//! // Equal in every field (compared as JSON, where the entry's undefined time to convert is null).
//! assert_eq!(serde_json::to_string(&merged).unwrap(), serde_json::to_string(&whole).unwrap());
//! # Ok::<(), cx_core::CxError>(())
//! ```

use super::funnel::{AccountKey, Funnel, FunnelSpec, Tally, check, tally};
use crate::serde_util::from_json;
use crate::state::{Kind, Reader, Writer};
use crate::{CxError, Result};

/// Step counts and times to convert of whole accounts. See the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelState {
    spec: FunnelSpec,
    n_events: u64,
    tally: Tally,
}

impl FunnelState {
    /// An empty state for `spec` (validated).
    pub fn new(spec: FunnelSpec) -> Result<FunnelState> {
        check(&spec, 0, 0, &[])?;
        let tally = Tally::new(spec.steps.len());
        Ok(FunnelState {
            spec,
            n_events: 0,
            tally,
        })
    }

    /// Adds the events of whole accounts (sorted or not); errors as [`funnel`](super::funnel) (a NaT timestamp,
    /// `i64::MIN`, is [`CxError::InvalidDate`] with its index), and on error nothing is added.
    pub fn add<A: AccountKey>(&mut self, accounts: &[A], events: &[u32], timestamps: &[i64]) -> Result<()> {
        check(&self.spec, accounts.len(), events.len(), timestamps)?;
        let n_events = self.added_events(accounts.len() as u64)?;
        self.tally.merge(tally(accounts, events, timestamps, &self.spec)?)?;
        self.n_events = n_events;
        Ok(())
    }

    /// Merges the state of other accounts under the same spec. Counts are added with checks: a sum past
    /// `u64::MAX` is [`CxError::Overflow`] and leaves this state unchanged.
    pub fn merge(&mut self, other: &FunnelState) -> Result<()> {
        if self.spec != other.spec {
            return Err(CxError::invalid_argument(
                "other",
                serde_json::to_string(&other.spec).expect("a funnel spec always serialises"),
                format!(
                    "is another funnel than {}",
                    serde_json::to_string(&self.spec).expect("a funnel spec always serialises")
                ),
            ));
        }
        let n_events = self.added_events(other.n_events)?;
        self.tally.merge(other.tally.clone())?;
        self.n_events = n_events;
        Ok(())
    }

    /// The event count after adding `more`; [`CxError::Overflow`] past `u64::MAX` (a wrapped count would be a
    /// wrong number without an error).
    fn added_events(&self, more: u64) -> Result<u64> {
        self.n_events.checked_add(more).ok_or_else(|| {
            CxError::overflow(format!(
                "merged funnel event count exceeds 2^64 - 1 ({} + {more})",
                self.n_events
            ))
        })
    }

    /// The spec.
    pub fn spec(&self) -> &FunnelSpec {
        &self.spec
    }

    /// The funnel of every account added or merged.
    pub fn finish(&self) -> Funnel {
        self.tally.clone().finish(&self.spec, self.n_events)
    }

    /// The state as bytes (see [`crate::state`]): the spec as JSON, the counts, then each step's times (sorted,
    /// so equal states write equal bytes whatever order they were merged in).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Kind::Funnel);
        w.str(&serde_json::to_string(&self.spec).expect("a funnel spec always serialises"));
        w.varint(self.n_events);
        w.varint(self.tally.accounts);
        for k in 0..self.spec.steps.len() {
            w.varint(self.tally.reached[k]);
            w.varint(self.tally.in_progress[k]);
            // Sorted, as differences: merging in any order writes the same bytes, and small gaps take a byte.
            let mut times = self.tally.times[k].clone();
            times.sort_unstable();
            w.len(times.len());
            let mut last_time = 0i64;
            for t in times {
                w.signed(t.wrapping_sub(last_time));
                last_time = t;
            }
        }
        w.finish()
    }

    /// Reads bytes written by [`FunnelState::to_bytes`]; damaged or inconsistent bytes are an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<FunnelState> {
        let mut r = Reader::open(bytes, Kind::Funnel)?;
        let spec: FunnelSpec = from_json("funnel spec", r.str()?.as_bytes())?;
        let mut state = FunnelState::new(spec)?;
        state.n_events = r.varint()?;
        state.tally.accounts = r.varint()?;
        let mut previous = state.tally.accounts;
        for k in 0..state.spec.steps.len() {
            let reached = r.varint()?;
            let in_progress = r.varint()?;
            // What `finish` subtracts must not underflow: reached and in progress come out of the previous step.
            if k == 0 && in_progress != 0 || reached.saturating_add(in_progress) > previous {
                return Err(r.error(format!(
                    "step {k}: {reached} reached and {in_progress} in progress exceed the {previous} before it"
                )));
            }
            let n = r.len(1)?;
            if n as u64 != reached {
                return Err(r.error(format!("step {k}: {n} times for {reached} accounts reached")));
            }
            let mut last_time = 0i64;
            state.tally.times[k] = (0..n)
                .map(|_| {
                    last_time = last_time.wrapping_add(r.signed()?);
                    Ok(last_time)
                })
                .collect::<Result<Vec<i64>>>()?;
            state.tally.reached[k] = reached;
            state.tally.in_progress[k] = in_progress;
            previous = reached;
        }
        r.end()?;
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::FunnelMode;

    /// A state whose counts are near `u64::MAX`, as decoded bytes can carry (the CRC does not vouch for them).
    fn huge(spec: &FunnelSpec) -> FunnelState {
        let mut state = FunnelState::new(spec.clone()).unwrap();
        state.n_events = u64::MAX - 1;
        state.tally.accounts = u64::MAX - 1;
        FunnelState::from_bytes(&state.to_bytes()).unwrap()
    }

    #[test]
    fn merged_counts_that_would_wrap_are_an_overflow_error() {
        // Issue 20 item 7: merges added with `+=`, so two large states wrapped to a small count.
        let spec = FunnelSpec {
            steps: vec![1, 2],
            window: 10,
            mode: FunnelMode::AnyOrder,
            as_of: None,
        };
        let mut left = huge(&spec);
        let before = left.clone();
        let err = left.merge(&huge(&spec)).unwrap_err();
        assert!(
            matches!(&err, CxError::Overflow { what } if what.contains("event count")),
            "{err}"
        );
        assert_eq!(left, before, "a failed merge changes nothing");
        // Adding rows to a state whose event count is at the edge: refused, nothing added.
        let err = left.add(&[1u32, 1, 2], &[1, 2, 1], &[0, 1, 0]).unwrap_err();
        assert!(matches!(err, CxError::Overflow { .. }), "{err}");
        assert_eq!(left, before);
        // The account count alone overflowing (event counts small) is caught as well.
        let mut small = FunnelState::new(spec.clone()).unwrap();
        small.tally.accounts = u64::MAX;
        let mut other = FunnelState::new(spec.clone()).unwrap();
        other.add(&[1u32], &[1], &[0]).unwrap();
        let err = small.merge(&other).unwrap_err();
        assert!(
            matches!(&err, CxError::Overflow { what } if what.contains("account count")),
            "{err}"
        );
        // Ordinary merges still add up.
        let mut one = FunnelState::new(spec.clone()).unwrap();
        one.add(&[1u32, 1], &[1, 2], &[0, 3]).unwrap();
        one.merge(&other).unwrap();
        assert_eq!(one.finish().n_accounts, 2);
        assert_eq!(one.finish().steps[1].reached, 1);
    }
}
