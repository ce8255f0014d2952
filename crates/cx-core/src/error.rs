//! The one error type of cx-core.
//!
//! Every bad input gets its own variant with structured fields, so bindings can map each variant to a typed
//! exception or status code, and messages name the offending value and, for arrays, its position. The enum is
//! deliberately exhaustive: a new variant is a compile error in every binding until it is mapped.

use thiserror::Error;

/// Result alias used across cx-core.
pub type Result<T, E = CxError> = std::result::Result<T, E>;

/// Everything that can go wrong in cx-core.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CxError {
    /// There was nothing to compute on. An NPS of nothing is not 0.
    #[error("empty input: {what} has no observations")]
    EmptyInput {
        /// What was empty, e.g. `"scores"` or `"group 'b'"`.
        what: String,
    },

    /// A score lies outside the metric's scale.
    #[error("score {value} at index {index} is outside the scale {min}..={max}")]
    ScoreOutOfRange {
        /// The offending score.
        value: f64,
        /// Its position in the input.
        index: usize,
        /// Lowest point of the scale.
        min: i32,
        /// Highest point of the scale.
        max: i32,
    },

    /// A score has a fractional part but the scale takes whole points.
    #[error("score {value} at index {index} is not a whole point of the scale {min}..={max}")]
    NonIntegerScore {
        /// The offending score.
        value: f64,
        /// Its position in the input.
        index: usize,
        /// Lowest point of the scale.
        min: i32,
        /// Highest point of the scale.
        max: i32,
    },

    /// A missing value (NaN) was met while the missing policy is `error`.
    #[error("missing value (NaN) in {what} at index {index} while the missing policy is `error`")]
    MissingValue {
        /// The input, e.g. `"scores"` or `"measure 'logins'"`.
        what: String,
        /// Its position in the input.
        index: usize,
    },

    /// A date is missing (NaT) or outside the supported calendar range.
    #[error("date {value} at index {index} is missing or out of range")]
    InvalidDate {
        /// The offending value as given, e.g. `"NaT"`.
        value: String,
        /// Its position in the input.
        index: usize,
    },

    /// Two inputs that must line up have different lengths.
    #[error("length mismatch: {what} has {found} elements but the scores have {expected}")]
    LengthMismatch {
        /// Which input, e.g. `"weights"`.
        what: String,
        /// The length it should have.
        expected: usize,
        /// The length it has.
        found: usize,
    },

    /// A weight is negative, NaN or infinite.
    #[error("invalid weight {value} at index {index}: weights must be finite and non-negative")]
    InvalidWeight {
        /// The offending weight.
        value: f64,
        /// Its position in the input.
        index: usize,
    },

    /// All weights are zero, so no weighted share exists.
    #[error("the total weight of {what} is zero")]
    ZeroTotalWeight {
        /// What was weighed, e.g. `"scores"`.
        what: String,
    },

    /// A group code is not below the number of groups.
    #[error("group code {code} at index {index} is not below the number of groups {n_groups}")]
    InvalidGroupCode {
        /// The offending code.
        code: u32,
        /// Its position in the input.
        index: usize,
        /// The number of groups declared.
        n_groups: usize,
    },

    /// A metric spec (or other configuration) is inconsistent.
    #[error("invalid {what} at `{field}`: {reason}")]
    InvalidConfig {
        /// The kind of configuration, e.g. `"metric spec"`.
        what: String,
        /// The path of the bad field, e.g. `"categories.positive"`.
        field: String,
        /// Why it is bad.
        reason: String,
    },

    /// A scalar argument is out of its domain (a level of 1.5, a negative margin, a p-value of 2).
    #[error("invalid argument `{name}` = {value}: {reason}")]
    InvalidArgument {
        /// The argument's name.
        name: String,
        /// The value given, as text.
        value: String,
        /// What it must be.
        reason: String,
    },

    /// A name (preset, interval method, period, ...) is not known.
    #[error("unknown {kind} `{name}`; expected one of: {expected}")]
    UnknownName {
        /// What kind of name, e.g. `"interval method"`.
        kind: String,
        /// The name given.
        name: String,
        /// The accepted names, comma-separated.
        expected: String,
    },

    /// A method was asked for a metric it does not apply to (Wilson for a mean, say).
    #[error("method `{method}` does not apply to {target}")]
    MethodNotApplicable {
        /// The method asked for.
        method: String,
        /// What it was asked for, e.g. `"mean scoring"`.
        target: String,
    },

    /// Two accumulators over different scales cannot be merged or compared.
    #[error("incompatible histograms: scale {left} vs scale {right}")]
    IncompatibleHistograms {
        /// Scale of the left operand, e.g. `"0..=10"`.
        left: String,
        /// Scale of the right operand.
        right: String,
    },

    /// There are observations, but too few for the statistic asked for.
    #[error("insufficient data for {what}: need at least {needed}, have {found}")]
    InsufficientData {
        /// The statistic, e.g. `"a t interval"`.
        what: String,
        /// The minimum needed.
        needed: String,
        /// What there is.
        found: String,
    },

    /// An id refers to something that does not exist: a goal's parent, a measure's group, observations for a goal
    /// that is not in the tree.
    #[error("unknown {kind} `{id}` at `{at}` of the {what}")]
    UnknownId {
        /// The configuration or input holding the reference, e.g. `"goal tree"`.
        what: String,
        /// What kind of thing the id should name, e.g. `"goal"`.
        kind: String,
        /// The id given.
        id: String,
        /// Where the reference is, e.g. `"goals[2].parent"`.
        at: String,
    },

    /// Parent links go round in a circle, so there is no root to roll up to.
    #[error("cycle in the {what}: {path}")]
    Cycle {
        /// The configuration, e.g. `"goal tree"`.
        what: String,
        /// The ids on the cycle, e.g. `"a → b → a"`.
        path: String,
    },

    /// Serialised state or configuration has a version this library does not read.
    #[error("unsupported {what} version {found}; this library reads version {supported}")]
    UnsupportedVersion {
        /// What was versioned.
        what: String,
        /// The version found.
        found: u32,
        /// The version this library reads.
        supported: u32,
    },

    /// A label (a Kano answer, say) is not one the mapping knows.
    #[error("{what} `{value}` at index {index} is not known; expected one of: {expected}")]
    UnknownLabel {
        /// The input, e.g. `"functional answers"`.
        what: String,
        /// The label or code given, as text.
        value: String,
        /// Its position in the input.
        index: usize,
        /// The accepted labels, comma-separated (or how to declare more).
        expected: String,
    },

    /// A regression design has a column that is a linear combination of the others, so its coefficient is not
    /// identified.
    #[error("rank-deficient design: column `{column}` is a linear combination of the columns before it ({reason})")]
    RankDeficient {
        /// The column, e.g. `"delivery: high"`.
        column: String,
        /// Why it is likely, e.g. that two attributes' dummies coincide.
        reason: String,
    },

    /// An input would make cx use more memory or time than its resource rules allow (see the crate docs'
    /// "Resource limits"): too deep a nested condition, too many periods × points, too many evaluation days.
    /// The message names the limit, so a caller can split the work or raise it where an option exists.
    #[error("{what} is {found}, above the limit of {limit}")]
    LimitExceeded {
        /// What is too large, e.g. `"condition nesting depth"`.
        what: String,
        /// The largest value allowed.
        limit: u64,
        /// The value the input asks for (saturated at `u64::MAX`).
        found: u64,
    },

    /// A count or sum no longer fits its type (merging states whose counts add past 2^64 − 1, say). Nothing
    /// is wrapped or saturated silently.
    #[error("overflow: {what}")]
    Overflow {
        /// What overflowed, e.g. `"merged response count exceeds 2^64 - 1"`.
        what: String,
    },
}

impl CxError {
    /// Shorthand for [`CxError::InvalidArgument`].
    pub fn invalid_argument(name: impl Into<String>, value: impl std::fmt::Display, reason: impl Into<String>) -> Self {
        CxError::InvalidArgument {
            name: name.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`CxError::InvalidConfig`] on a metric spec.
    pub fn invalid_spec(field: impl Into<String>, reason: impl Into<String>) -> Self {
        CxError::InvalidConfig {
            what: "metric spec".into(),
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// `Ok(())` when `found == expected`, else [`CxError::LengthMismatch`] naming the input `what`.
    pub fn check_len(what: &str, expected: usize, found: usize) -> Result<()> {
        if found == expected {
            Ok(())
        } else {
            Err(CxError::LengthMismatch {
                what: what.into(),
                expected,
                found,
            })
        }
    }

    /// Shorthand for [`CxError::LimitExceeded`]; `found` saturates at `u64::MAX`.
    pub fn limit(what: impl Into<String>, limit: u64, found: impl TryInto<u64>) -> Self {
        CxError::LimitExceeded {
            what: what.into(),
            limit,
            found: found.try_into().unwrap_or(u64::MAX),
        }
    }

    /// Shorthand for [`CxError::Overflow`].
    pub fn overflow(what: impl Into<String>) -> Self {
        CxError::Overflow { what: what.into() }
    }

    /// Shorthand for [`CxError::EmptyInput`].
    pub fn empty(what: impl Into<String>) -> Self {
        CxError::EmptyInput { what: what.into() }
    }
}
