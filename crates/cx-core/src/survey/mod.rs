//! Survey metrics: NPS, CSAT and CES with honest statistics.
//!
//! - [`MetricSpec`]: what a score means (scale, direction, categories, scoring) and the presets.
//! - [`Histogram`]: the weighted, mergeable, serialisable accumulator every statistic derives from;
//!   [`Accumulator`] pairs it with its spec for incremental use and storage as bytes.
//! - [`estimate`], [`score`], [`nps_from_counts`]: [`Estimate`]s with SE, interval, n, effective n, missing
//!   count, shares, method and level.
//! - [`IntervalMethod`]: Wald, adjusted Wald (three pseudo-count variants), Tango, bootstrap for NPS; Wilson,
//!   Jeffreys, Clopper–Pearson, both Agresti–Coull variants and Wald for shares; t for means.
//! - [`one_sample_test`], [`compare`], [`compare_paired`]: tests and differences.
//! - [`score_by`], [`trend`], [`rolling`], [`latest_per_respondent`]: slicing by group and by period.
//! - [`sample_size_for_margin`], [`margin_of_error`], [`sample_size_per_group`], [`adjust_pvalues`]: planning
//!   and multiple comparisons.

mod accumulator;
mod adjust;
mod compare;
mod estimate;
mod group;
mod grouped_state;
mod histogram;
mod hypothesis;
pub mod interval;
mod planning;
mod spec;
mod trend;

pub use accumulator::{ACCUMULATOR_VERSION, Accumulator};
pub use adjust::{PAdjust, adjust_pvalues};
pub use compare::{CompareMethod, Comparison, PairedComparison, compare, compare_paired};
pub use estimate::{
    CategoryCounts, Estimate, EstimateOptions, Shares, estimate, histogram_from_category_counts, nps_from_counts, score,
};
pub use group::{
    GroupOptions, GroupRow, GroupedEstimates, Suppressed, estimate_groups, estimate_groups_threads, score_by,
    score_by_codes,
};
pub use grouped_state::{GroupKey, GroupedAccumulator};
pub use histogram::{HISTOGRAM_VERSION, Histogram, MissingPolicy, ScoreValue};
pub use hypothesis::{OneSampleTest, TestResult, one_sample_test};
pub use interval::IntervalMethod;
pub use planning::{margin_of_error, sample_size_for_margin, sample_size_per_group};
pub use spec::{Categories, Direction, MetricSpec, PointRange, SPEC_VERSION, Scale, Scoring};
pub use trend::{
    Deduplicated, MAX_PERIODS, RollingOptions, RollingRow, Trend, TrendOptions, TrendRow, latest_per_respondent,
    rolling, trend, trend_from_histograms, trend_threads,
};
