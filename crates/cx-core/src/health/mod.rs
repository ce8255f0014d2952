//! Health scoring: scorecards that explain themselves.
//!
//! - [`Scorecard`]: measures with `linear`, `bands`, `target` and `percentile` scoring, staleness, nested
//!   weighted groups, missing policies, a minimum coverage, bands with explicit bound semantics, ordered
//!   overrides and a trend tolerance. Versioned JSON; errors name the bad field.
//! - [`Scorer`]: columnar batch scoring ([`Batch`]: score, band, coverage, override, trend, points and
//!   contributions per measure) and per-account [`Explanation`]s whose contributions add up to the score.
//! - [`validate_scores`]: ROC AUC with ties, churn and lift per band, top-decile lift and capture, precision and
//!   recall at a band threshold.

mod engine;
mod population;
mod scorecard;
mod validation;

pub use engine::{Batch, Columns, Direction, Explanation, GroupExplanation, MeasureExplanation, Scorer, Status};
pub use population::Population;
pub use scorecard::{
    Action, Bands, Better, Condition, CutBelongs, Group, Measure, MissingRule, Op, Override, SCORECARD_VERSION,
    Scorecard, ScoringRule,
};
pub use validation::{
    BandOutcome, DecileOutcome, ScoreValidation, ThresholdOutcome, ValidationCounts, validate_scores,
};
