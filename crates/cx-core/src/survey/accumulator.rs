//! A metric spec travelling with the histogram of its responses: what a caller accumulates incrementally,
//! merges across batches or partitions, and stores as bytes.
//!
//! The bytes are the compact, checksummed format of [`crate::state`] (the spec as JSON, then the histogram), the
//! same from Rust, Python and C, so state written by one surface is read by another. The accumulator also
//! serialises to JSON with serde, for configuration stores.
//!
//! ```
//! use cx_core::survey::{Accumulator, MetricSpec, MissingPolicy};
//!
//! let mut monday = Accumulator::new(MetricSpec::nps())?;
//! monday.add(&[10.0, 9.0, 3.0], None, MissingPolicy::Skip)?;
//! let mut tuesday = Accumulator::new(MetricSpec::nps())?;
//! tuesday.add(&[8u8, 10], None, MissingPolicy::Skip)?;
//!
//! let stored = tuesday.to_bytes();
//! monday.merge(&Accumulator::from_bytes(&stored)?)?;
//! let e = monday.estimate(&Default::default())?;
//! assert_eq!(e.n, 5);
//! assert!((e.value - 40.0).abs() < 1e-12); // (3 promoters − 1 detractor) / 5
//! # Ok::<(), cx_core::CxError>(())
//! ```

use super::compare::{CompareMethod, Comparison, compare};
use super::estimate::{Estimate, EstimateOptions, estimate};
use super::histogram::{Histogram, MissingPolicy, ScoreValue};
use super::spec::MetricSpec;
use crate::serde_util::from_json;
use crate::state::{Kind, Reader, Writer};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// Version of the serialised [`Accumulator`] format.
pub const ACCUMULATOR_VERSION: u32 = 1;

/// A metric spec and the histogram of its responses. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AccumulatorState", into = "AccumulatorState")]
pub struct Accumulator {
    spec: MetricSpec,
    histogram: Histogram,
}

#[derive(Serialize, Deserialize)]
struct AccumulatorState {
    version: u32,
    spec: MetricSpec,
    histogram: Histogram,
}

impl From<Accumulator> for AccumulatorState {
    fn from(a: Accumulator) -> Self {
        AccumulatorState {
            version: ACCUMULATOR_VERSION,
            spec: a.spec,
            histogram: a.histogram,
        }
    }
}

impl TryFrom<AccumulatorState> for Accumulator {
    type Error = CxError;

    fn try_from(s: AccumulatorState) -> Result<Accumulator> {
        if s.version != ACCUMULATOR_VERSION {
            return Err(CxError::UnsupportedVersion {
                what: "accumulator".into(),
                found: s.version,
                supported: ACCUMULATOR_VERSION,
            });
        }
        Accumulator::from_parts(s.spec, s.histogram)
    }
}

impl Accumulator {
    /// An empty accumulator for `spec` (validated).
    pub fn new(spec: MetricSpec) -> Result<Accumulator> {
        spec.validate()?;
        Ok(Accumulator {
            histogram: Histogram::new(spec.scale),
            spec,
        })
    }

    /// Pairs a spec with a histogram built elsewhere; their scales must agree.
    pub fn from_parts(spec: MetricSpec, histogram: Histogram) -> Result<Accumulator> {
        spec.validate()?;
        if histogram.scale() != spec.scale {
            return Err(CxError::IncompatibleHistograms {
                left: format!("{} (metric {})", spec.scale, spec.name),
                right: histogram.scale().to_string(),
            });
        }
        Ok(Accumulator { spec, histogram })
    }

    /// Adds responses; on error nothing is added (see [`Histogram::add`]).
    pub fn add<T: ScoreValue>(&mut self, scores: &[T], weights: Option<&[f64]>, missing: MissingPolicy) -> Result<()> {
        self.histogram.add(scores, weights, missing)
    }

    /// Merges another accumulator of the same metric: the result equals one pass over both inputs. Counts or
    /// weight sums past their limits are [`CxError::Overflow`] and leave `self` unchanged (see
    /// [`Histogram::merge`]).
    pub fn merge(&mut self, other: &Accumulator) -> Result<()> {
        self.check_same_metric(other)?;
        self.histogram.merge(&other.histogram)
    }

    /// Compares these responses (A) with another accumulator's of the same metric (B): A − B.
    pub fn compare(&self, other: &Accumulator, method: Option<CompareMethod>, level: f64) -> Result<Comparison> {
        self.check_same_metric(other)?;
        compare(&self.spec, &self.histogram, &other.histogram, method, level)
    }

    fn check_same_metric(&self, other: &Accumulator) -> Result<()> {
        if self.spec == other.spec {
            Ok(())
        } else {
            Err(CxError::IncompatibleHistograms {
                left: format!("{} (metric {})", self.spec.scale, self.spec.name),
                right: format!("{} (metric {})", other.spec.scale, other.spec.name),
            })
        }
    }

    /// The metric spec.
    pub fn spec(&self) -> &MetricSpec {
        &self.spec
    }

    /// The histogram of responses so far.
    pub fn histogram(&self) -> &Histogram {
        &self.histogram
    }

    /// The estimate of the responses so far.
    pub fn estimate(&self, options: &EstimateOptions) -> Result<Estimate> {
        estimate(&self.spec, &self.histogram, options)
    }

    /// The state as bytes (see [`crate::state`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(Kind::Accumulator);
        self.write_to(&mut w);
        w.finish()
    }

    /// Reads bytes written by [`Accumulator::to_bytes`]; truncated, corrupted or inconsistent state is an
    /// [`CxError::InvalidConfig`] (or [`CxError::UnsupportedVersion`]), never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Accumulator> {
        let mut r = Reader::open(bytes, Kind::Accumulator)?;
        let acc = Accumulator::read_from(&mut r)?;
        r.end()?;
        Ok(acc)
    }

    /// Writes the spec (as JSON) and the histogram into a state payload.
    pub(crate) fn write_to(&self, w: &mut Writer) {
        w.str(&serde_json::to_string(&self.spec).expect("a metric spec always serialises"));
        self.histogram.write_to(w);
    }

    /// Reads what [`Accumulator::write_to`] wrote.
    pub(crate) fn read_from(r: &mut Reader<'_>) -> Result<Accumulator> {
        let spec: MetricSpec = from_json("metric spec", r.str()?.as_bytes())?;
        let histogram = Histogram::read_from(r)?;
        Accumulator::from_parts(spec, histogram)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_damage() {
        let mut a = Accumulator::new(MetricSpec::csat()).unwrap();
        a.add(&[1.0, 5.0, 4.0], Some(&[1.0, 2.0, 0.5]), MissingPolicy::Skip)
            .unwrap();
        let bytes = a.to_bytes();
        assert_eq!(Accumulator::from_bytes(&bytes).unwrap(), a);
        let truncated = &bytes[..bytes.len() - 3];
        assert!(matches!(
            Accumulator::from_bytes(truncated),
            Err(CxError::InvalidConfig { .. })
        ));
        let mut other_version = bytes.clone();
        other_version[4] = 9;
        let err = Accumulator::from_bytes(&other_version).unwrap_err();
        assert!(err.to_string().contains("version 9"), "{err}");
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Accumulator>(&json).unwrap(), a);
    }

    #[test]
    fn merging_different_metrics_is_refused() {
        let mut nps = Accumulator::new(MetricSpec::nps()).unwrap();
        let csat10 = Accumulator::new(MetricSpec::csat10()).unwrap();
        let err = nps.merge(&csat10).unwrap_err();
        assert!(matches!(err, CxError::IncompatibleHistograms { .. }));
        assert!(err.to_string().contains("csat10"), "{err}");
    }

    #[test]
    fn spec_and_histogram_scales_must_agree() {
        let h = Histogram::new(MetricSpec::csat().scale);
        assert!(Accumulator::from_parts(MetricSpec::nps(), h).is_err());
    }
}
