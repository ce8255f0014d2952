//! Metric specs: what a score means (scale, direction, categories, scoring) and the standard presets.
//!
//! A CES value means nothing without its scale, direction and scoring, so the spec travels with every result.

use crate::serde_util::{check_version, from_json};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// Version of the serialised [`MetricSpec`] format.
pub const SPEC_VERSION: u32 = 1;

/// An integer rating scale `min..=max` (e.g. 0..=10 for NPS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scale {
    /// Lowest point.
    pub min: i32,
    /// Highest point.
    pub max: i32,
}

impl Scale {
    /// Number of points on the scale.
    pub fn points(self) -> usize {
        usize::try_from(i64::from(self.max) - i64::from(self.min) + 1).unwrap_or(0)
    }

    /// The scale value of a bin index.
    pub fn value(self, bin: usize) -> f64 {
        f64::from(self.min) + bin as f64
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..={}", self.min, self.max)
    }
}

/// An inclusive range of scale points, `lo..=hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PointRange {
    /// First point in the range.
    pub lo: i32,
    /// Last point in the range (inclusive).
    pub hi: i32,
}

impl PointRange {
    /// Whether `point` lies in the range.
    pub fn contains(self, point: i32) -> bool {
        self.lo <= point && point <= self.hi
    }
}

/// Which end of the scale is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher ratings are better (NPS, CSAT, CES 2.0).
    HigherIsBetter,
    /// Lower ratings are better (CES 1.0 effort).
    LowerIsBetter,
}

impl Direction {
    /// Lower-case name: `higher_is_better` or `lower_is_better`.
    pub fn name(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher_is_better",
            Direction::LowerIsBetter => "lower_is_better",
        }
    }

    /// Parses `higher_is_better` (or `higher`) and `lower_is_better` (or `lower`).
    pub fn parse(name: &str) -> Result<Direction> {
        match name {
            "higher_is_better" | "higher" => Ok(Direction::HigherIsBetter),
            "lower_is_better" | "lower" => Ok(Direction::LowerIsBetter),
            _ => Err(CxError::UnknownName {
                kind: "direction".into(),
                name: name.into(),
                expected: "higher_is_better, lower_is_better".into(),
            }),
        }
    }
}

/// How responses become one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Share positive − share negative, in points (−100..100). NPS, CES net.
    Net,
    /// Share positive (top-box), in percent. CSAT, CES % agree.
    TopBox,
    /// Mean rating on the scale.
    Mean,
}

impl Scoring {
    /// Lower-case name used in results and errors.
    pub fn name(self) -> &'static str {
        match self {
            Scoring::Net => "net",
            Scoring::TopBox => "top_box",
            Scoring::Mean => "mean",
        }
    }

    /// Parses `net`, `top_box` or `mean`.
    pub fn parse(name: &str) -> Result<Scoring> {
        match name {
            "net" => Ok(Scoring::Net),
            "top_box" => Ok(Scoring::TopBox),
            "mean" => Ok(Scoring::Mean),
            _ => Err(CxError::UnknownName {
                kind: "scoring".into(),
                name: name.into(),
                expected: "net, top_box, mean".into(),
            }),
        }
    }
}

/// The favourable and unfavourable categories of a scale.
///
/// For NPS `positive` is promoters (9–10) and `negative` detractors (0–6); the points in neither are passives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Categories {
    /// The favourable points (promoters, satisfied, agree, low effort).
    pub positive: PointRange,
    /// The unfavourable points (detractors, dissatisfied, disagree, high effort), if the metric defines them.
    pub negative: Option<PointRange>,
}

/// A complete description of a survey metric.
///
/// ```
/// use cx_core::survey::{MetricSpec, Scoring};
///
/// let nps = MetricSpec::nps();
/// assert_eq!(nps.scoring, Scoring::Net);
/// let json = serde_json::to_string(&nps).unwrap();
/// assert!(json.contains("\"version\":1"));
/// let back = MetricSpec::from_json(&json).unwrap();
/// assert_eq!(back, nps);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MetricSpec {
    /// Format version, [`SPEC_VERSION`].
    pub version: u32,
    /// Name shown in results, e.g. `"nps"`.
    pub name: String,
    /// The rating scale.
    pub scale: Scale,
    /// Which end is better.
    pub direction: Direction,
    /// The favourable and unfavourable points.
    pub categories: Categories,
    /// How responses become one number.
    pub scoring: Scoring,
}

const PRESETS: &str = "nps, csat, csat10, ces2_mean, ces2_agree, ces2_net, ces1_mean, binary_csat";

impl MetricSpec {
    /// Builds and validates a spec.
    pub fn new(
        name: impl Into<String>,
        scale: Scale,
        direction: Direction,
        categories: Categories,
        scoring: Scoring,
    ) -> Result<MetricSpec> {
        let spec = MetricSpec {
            version: SPEC_VERSION,
            name: name.into(),
            scale,
            direction,
            categories,
            scoring,
        };
        spec.validate()?;
        Ok(spec)
    }

    fn preset(
        name: &str,
        (min, max): (i32, i32),
        direction: Direction,
        positive: (i32, i32),
        negative: Option<(i32, i32)>,
        scoring: Scoring,
    ) -> MetricSpec {
        let range = |(lo, hi)| PointRange { lo, hi };
        MetricSpec::new(
            name,
            Scale { min, max },
            direction,
            Categories {
                positive: range(positive),
                negative: negative.map(range),
            },
            scoring,
        )
        .expect("presets are valid")
    }

    /// Net Promoter Score: 0–10, detractors 0–6, passives 7–8, promoters 9–10, net in points.
    pub fn nps() -> MetricSpec {
        Self::preset(
            "nps",
            (0, 10),
            Direction::HigherIsBetter,
            (9, 10),
            Some((0, 6)),
            Scoring::Net,
        )
    }

    /// CSAT on 1–5, top-2-box (4–5) in percent; 1–2 are reported as dissatisfied.
    pub fn csat() -> MetricSpec {
        Self::preset(
            "csat",
            (1, 5),
            Direction::HigherIsBetter,
            (4, 5),
            Some((1, 2)),
            Scoring::TopBox,
        )
    }

    /// CSAT on 1–10, top-2-box (9–10) in percent.
    pub fn csat10() -> MetricSpec {
        Self::preset(
            "csat10",
            (1, 10),
            Direction::HigherIsBetter,
            (9, 10),
            None,
            Scoring::TopBox,
        )
    }

    /// CES 2.0 ("the company made it easy"), 1–7 agreement, mean rating.
    pub fn ces2_mean() -> MetricSpec {
        Self::preset(
            "ces2_mean",
            (1, 7),
            Direction::HigherIsBetter,
            (5, 7),
            Some((1, 3)),
            Scoring::Mean,
        )
    }

    /// CES 2.0, share agreeing (5–7) in percent.
    pub fn ces2_agree() -> MetricSpec {
        Self::preset(
            "ces2_agree",
            (1, 7),
            Direction::HigherIsBetter,
            (5, 7),
            Some((1, 3)),
            Scoring::TopBox,
        )
    }

    /// CES 2.0, net: % agree (5–7) − % disagree (1–3), in points.
    pub fn ces2_net() -> MetricSpec {
        Self::preset(
            "ces2_net",
            (1, 7),
            Direction::HigherIsBetter,
            (5, 7),
            Some((1, 3)),
            Scoring::Net,
        )
    }

    /// CES 1.0 effort, 1–5 where lower is better, mean rating; 1–2 count as low effort.
    pub fn ces1_mean() -> MetricSpec {
        Self::preset(
            "ces1_mean",
            (1, 5),
            Direction::LowerIsBetter,
            (1, 2),
            Some((4, 5)),
            Scoring::Mean,
        )
    }

    /// Binary CSAT: 1 = good, 0 = bad, share good in percent.
    pub fn binary_csat() -> MetricSpec {
        Self::preset(
            "binary_csat",
            (0, 1),
            Direction::HigherIsBetter,
            (1, 1),
            Some((0, 0)),
            Scoring::TopBox,
        )
    }

    /// Looks a preset up by name.
    pub fn from_preset(name: &str) -> Result<MetricSpec> {
        Ok(match name {
            "nps" => Self::nps(),
            "csat" => Self::csat(),
            "csat10" => Self::csat10(),
            "ces2_mean" => Self::ces2_mean(),
            "ces2_agree" => Self::ces2_agree(),
            "ces2_net" => Self::ces2_net(),
            "ces1_mean" => Self::ces1_mean(),
            "binary_csat" => Self::binary_csat(),
            _ => {
                return Err(CxError::UnknownName {
                    kind: "metric preset".into(),
                    name: name.into(),
                    expected: PRESETS.into(),
                });
            }
        })
    }

    /// Parses and validates a spec from JSON; errors name the bad field.
    pub fn from_json(json: &str) -> Result<MetricSpec> {
        check_version("metric spec", json.as_bytes(), SPEC_VERSION)?;
        let spec: MetricSpec = from_json("metric spec", json.as_bytes())?;
        spec.validate()?;
        Ok(spec)
    }

    /// Checks that the scale is sensible and the categories lie on it without overlapping.
    pub fn validate(&self) -> Result<()> {
        if self.version != SPEC_VERSION {
            return Err(CxError::UnsupportedVersion {
                what: "metric spec".into(),
                found: self.version,
                supported: SPEC_VERSION,
            });
        }
        let Scale { min, max } = self.scale;
        if min >= max {
            return Err(CxError::invalid_spec(
                "scale",
                format!("min {min} must be below max {max}"),
            ));
        }
        // Bins are allocated per point; a thousand points is far beyond any rating scale.
        if self.scale.points() > 1001 {
            return Err(CxError::invalid_spec("scale", "more than 1001 points"));
        }
        let check = |field: &str, r: PointRange| {
            if r.lo > r.hi || r.lo < min || r.hi > max {
                Err(CxError::invalid_spec(
                    field,
                    format!(
                        "{}..={} must be a non-empty range inside the scale {}",
                        r.lo, r.hi, self.scale
                    ),
                ))
            } else {
                Ok(())
            }
        };
        check("categories.positive", self.categories.positive)?;
        if let Some(neg) = self.categories.negative {
            check("categories.negative", neg)?;
            let pos = self.categories.positive;
            if neg.lo <= pos.hi && pos.lo <= neg.hi {
                return Err(CxError::invalid_spec(
                    "categories",
                    "positive and negative ranges overlap",
                ));
            }
        }
        if self.scoring == Scoring::Net && self.categories.negative.is_none() {
            return Err(CxError::invalid_spec(
                "categories.negative",
                "net scoring needs a negative category",
            ));
        }
        Ok(())
    }

    /// The per-respondent score whose (weighted) mean is the metric, on the proportion scale for net and top-box.
    ///
    /// Net: +1 positive, −1 negative, 0 otherwise. Top-box: 1 positive, 0 otherwise. Mean: the rating itself.
    pub fn respondent_score(&self, point: i32) -> f64 {
        match self.scoring {
            Scoring::Net => {
                if self.categories.positive.contains(point) {
                    1.0
                } else if self.categories.negative.is_some_and(|r| r.contains(point)) {
                    -1.0
                } else {
                    0.0
                }
            }
            Scoring::TopBox => f64::from(u8::from(self.categories.positive.contains(point))),
            Scoring::Mean => f64::from(point),
        }
    }

    /// Factor from the per-respondent scale to reported values: 100 for net (points) and top-box (percent).
    pub fn display_factor(&self) -> f64 {
        match self.scoring {
            Scoring::Net | Scoring::TopBox => 100.0,
            Scoring::Mean => 1.0,
        }
    }

    /// The largest possible per-respondent variance, in squared reported units: 100² for net (σ² ≤ 1),
    /// 50² for top-box (σ² ≤ ¼), and (range / 2)² for means. Planning with it is the worst case.
    pub fn worst_case_variance(&self) -> f64 {
        match self.scoring {
            Scoring::Net => 10_000.0,
            Scoring::TopBox => 2_500.0,
            Scoring::Mean => {
                let half_range = f64::from(self.scale.max - self.scale.min) / 2.0;
                half_range * half_range
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid_and_round_trips() {
        for name in PRESETS.split(", ") {
            let spec = MetricSpec::from_preset(name).unwrap();
            assert_eq!(spec.name, name);
            let json = serde_json::to_string(&spec).unwrap();
            assert_eq!(MetricSpec::from_json(&json).unwrap(), spec);
        }
    }

    #[test]
    fn unknown_preset_lists_the_known_ones() {
        let err = MetricSpec::from_preset("nsp").unwrap_err();
        assert!(err.to_string().contains("ces2_net"), "{err}");
    }

    #[test]
    fn bad_specs_name_the_field() {
        let mut spec = MetricSpec::nps();
        spec.categories.positive = PointRange { lo: 9, hi: 11 };
        let err = spec.validate().unwrap_err();
        assert!(err.to_string().contains("categories.positive"), "{err}");

        let mut spec = MetricSpec::nps();
        spec.categories.negative = Some(PointRange { lo: 0, hi: 9 });
        assert!(spec.validate().unwrap_err().to_string().contains("overlap"));

        let mut spec = MetricSpec::csat10();
        spec.scoring = Scoring::Net;
        assert!(spec.validate().unwrap_err().to_string().contains("categories.negative"));

        let json = serde_json::to_string(&MetricSpec::nps())
            .unwrap()
            .replace("\"version\":1", "\"version\":9");
        assert!(matches!(
            MetricSpec::from_json(&json),
            Err(CxError::UnsupportedVersion { found: 9, .. })
        ));
        assert!(matches!(
            MetricSpec::from_json("{\"version\":1}"),
            Err(CxError::InvalidConfig { .. })
        ));
    }

    #[test]
    fn respondent_scores() {
        let nps = MetricSpec::nps();
        let s: Vec<f64> = (0..=10).map(|p| nps.respondent_score(p)).collect();
        assert_eq!(s, [-1., -1., -1., -1., -1., -1., -1., 0., 0., 1., 1.]);
        assert_eq!(MetricSpec::csat().respondent_score(4), 1.0);
        assert_eq!(MetricSpec::csat().respondent_score(3), 0.0);
        assert_eq!(MetricSpec::ces1_mean().respondent_score(2), 2.0);
    }
}
