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

/// The library version, from Cargo.toml.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
