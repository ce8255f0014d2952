//! Status codes: every export returns one. Numbers are grouped by kind and never reused.

use cx_core::CxError;

/// What happened. `CX_STATUS_OK` (0) is success; anything else is an error whose message
/// `cx_last_error_message` returns on the same thread.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cx_status {
    /// Success.
    Ok = 0,

    // 100s: the call itself is malformed.
    /// A required pointer argument was NULL (or NULL with a non-zero length).
    NullArgument = 100,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 101,
    /// The caller's output buffer is too small; the needed size is reported where the function says.
    BufferTooSmall = 102,
    /// A pointer is not aligned for its type.
    MisalignedPointer = 103,

    // 200s: bad data.
    /// A score lies outside the metric's scale (the message names the value and its index).
    ScoreOutOfRange = 200,
    /// A score has a fractional part on a whole-point scale.
    NonIntegerScore = 201,
    /// A missing score (NaN) under the `error` missing policy.
    MissingValue = 202,
    /// A date is missing or out of range.
    InvalidDate = 203,
    /// Two arrays that must line up have different lengths.
    LengthMismatch = 204,
    /// A weight is negative or not finite.
    InvalidWeight = 205,
    /// A group code is not below the number of groups.
    InvalidGroupCode = 206,
    /// Nothing to compute on (an NPS of nothing is not 0).
    EmptyInput = 207,
    /// All weights are zero.
    ZeroTotalWeight = 208,
    /// Too little data for the statistic asked for.
    InsufficientData = 209,
    /// A label (a Kano answer code, say) is not one the mapping knows (the message names it and its index).
    UnknownLabel = 210,
    /// A regression design is rank-deficient (the message names the column).
    RankDeficient = 211,
    /// An input exceeds one of cx's resource limits (nesting depth, periods × points, evaluation days); the
    /// message names the limit.
    LimitExceeded = 212,
    /// A count or sum no longer fits its type (merged counts past 2^64 − 1).
    Overflow = 213,

    // 300s: bad configuration or arguments.
    /// A configuration (metric spec, stored state) is malformed or inconsistent.
    InvalidConfig = 300,
    /// Stored state or configuration of a version this library does not read.
    UnsupportedVersion = 301,
    /// A scalar argument is out of its domain (a level of 1.5).
    InvalidArgument = 302,
    /// An unknown name (preset, method).
    UnknownName = 303,
    /// A method asked for a metric it does not apply to.
    MethodNotApplicable = 304,
    /// Two histograms of different metrics merged or compared.
    IncompatibleHistograms = 305,
    /// An id refers to nothing: a goal's parent, a scorecard measure's group, observations for an unknown goal.
    UnknownId = 306,
    /// Parent links form a cycle (the message lists it).
    Cycle = 307,

    // 900s: a bug in cx.
    /// cx panicked; the library state is intact, and the message says where. Please report it.
    Panic = 900,
}

impl cx_status {
    /// The status of a core error, variant by variant (exhaustive, so a new variant must be mapped here).
    pub fn of(e: &CxError) -> cx_status {
        match e {
            CxError::EmptyInput { .. } => cx_status::EmptyInput,
            CxError::ScoreOutOfRange { .. } => cx_status::ScoreOutOfRange,
            CxError::NonIntegerScore { .. } => cx_status::NonIntegerScore,
            CxError::MissingValue { .. } => cx_status::MissingValue,
            CxError::InvalidDate { .. } => cx_status::InvalidDate,
            CxError::LengthMismatch { .. } => cx_status::LengthMismatch,
            CxError::InvalidWeight { .. } => cx_status::InvalidWeight,
            CxError::ZeroTotalWeight { .. } => cx_status::ZeroTotalWeight,
            CxError::InvalidGroupCode { .. } => cx_status::InvalidGroupCode,
            CxError::InvalidConfig { .. } => cx_status::InvalidConfig,
            CxError::InvalidArgument { .. } => cx_status::InvalidArgument,
            CxError::UnknownName { .. } => cx_status::UnknownName,
            CxError::MethodNotApplicable { .. } => cx_status::MethodNotApplicable,
            CxError::IncompatibleHistograms { .. } => cx_status::IncompatibleHistograms,
            CxError::InsufficientData { .. } => cx_status::InsufficientData,
            CxError::UnsupportedVersion { .. } => cx_status::UnsupportedVersion,
            CxError::UnknownId { .. } => cx_status::UnknownId,
            CxError::Cycle { .. } => cx_status::Cycle,
            CxError::UnknownLabel { .. } => cx_status::UnknownLabel,
            CxError::RankDeficient { .. } => cx_status::RankDeficient,
            CxError::LimitExceeded { .. } => cx_status::LimitExceeded,
            CxError::Overflow { .. } => cx_status::Overflow,
        }
    }
}
