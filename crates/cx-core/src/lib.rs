//! # cx-core
//!
//! The pure core of **cx**, a library for customer-experience analytics. It computes survey metrics (NPS, CSAT,
//! CES) with honest statistics: every estimate carries its standard error, interval, sample size, effective sample
//! size, missing count and the method that produced it.
//!
//! The core does no I/O and reads no clock: callers pass data and dates. Every configuration type serialises to
//! JSON with a `version` field, and every aggregation is built on a mergeable accumulator
//! ([`survey::Histogram`]), so work split over threads, batches or partitions gives the one-pass answer.
//!
//! ```
//! use cx_core::survey::{self, MetricSpec};
//!
//! let spec = MetricSpec::nps();
//! let estimate = survey::score(&spec, &[0.0, 7.0, 7.0, 9.0, 9.0, 9.0], None, &Default::default())?;
//! assert!((estimate.value - 33.333_333).abs() < 1e-6); // points, −100..100
//! assert_eq!(estimate.method.name(), "tango");
//! assert!(estimate.ci_low < estimate.value && estimate.value < estimate.ci_high);
//! # Ok::<(), cx_core::CxError>(())
//! ```
//!
//! ## Resource limits
//!
//! cx is embedded in other programs, so no input may take its host down. Every bad input is a typed
//! [`CxError`] naming the value and where it is; nothing panics, overflows the stack, wraps a count or drops a
//! row silently. No input under 1 MB makes cx allocate more than a bounded multiple of it or run super-linearly:
//! where a result could be huge the call is refused with [`CxError::LimitExceeded`] naming the limit (condition
//! nesting [`journey::MAX_CONDITION_DEPTH`], [`journey::MAX_EVALUATION_DAYS`], [`survey::MAX_PERIODS`],
//! [`two_factor::MAX_KANO_ATTRIBUTES`], …), and counts past 2^64 − 1 are [`CxError::Overflow`]. Partial states
//! are validated when decoded; their CRC catches damage, not forgery (see [`state`]). The repository's
//! `docs/reliability.md` lists every limit.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod error;
pub mod goals;
pub mod health;
mod hierarchy;
pub mod journey;
pub(crate) mod parallel;
pub mod period;
mod serde_util;
pub mod state;
pub mod stats;
pub mod survey;
pub mod two_factor;

pub use error::{CxError, Result};

/// The name of the threads cx starts to share a call's work over the cores (`*_threads` functions). A host's
/// panic hook can use it to tell them from its own threads; cx's C library keeps panics on them quiet.
pub const WORKER_THREAD_NAME: &str = "cx-worker";

/// The library version, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
