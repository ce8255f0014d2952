//! Enumerations passed as `uint32_t` codes.
//!
//! Codes cross the ABI as plain integers and are decoded here, because a C caller can pass any integer and an
//! out-of-range value in a Rust enum would be undefined behaviour. An unknown code is `CX_STATUS_UNKNOWN_NAME`.

use cx_core::CxError;
use cx_core::journey::FunnelSpec;
use cx_core::survey::interval::DEFAULT_BOOTSTRAP_REPLICATES;
use cx_core::survey::{CompareMethod, IntervalMethod, MissingPolicy, PAdjust, Scoring};

/// Interval methods (`cx_estimate_options.interval`, `cx_estimate.method`).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cx_interval {
    /// The default for the metric's scoring: Tango (net), Wilson (top-box), t (mean).
    Default = 0,
    /// Wald (normal approximation, truncated to the metric's range).
    Wald = 1,
    /// NPS adjusted Wald, +0.75 / 1.5 / 0.75 (Rocks 2016).
    AdjustedWald = 2,
    /// NPS adjusted Wald, +0.5 / 1 / 0.5 (Agresti and Min).
    AgrestiMin = 3,
    /// NPS adjusted Wald, +1 / 0 / 1 (Bonett and Price).
    BonettPrice = 4,
    /// Tango's score interval (net scores).
    Tango = 5,
    /// Seeded percentile bootstrap (`bootstrap_replicates`, `bootstrap_seed`).
    Bootstrap = 6,
    /// Wilson score interval (shares).
    Wilson = 7,
    /// Jeffreys interval (shares).
    Jeffreys = 8,
    /// Clopper–Pearson exact interval (shares).
    ClopperPearson = 9,
    /// Agresti–Coull, "add z²" variant (shares).
    AgrestiCoullZ2 = 10,
    /// Agresti–Coull, "add 2 and 4" variant (shares).
    AgrestiCoullAdd2 = 11,
    /// Student t interval (means).
    T = 12,
}

/// Missing-value policies (`cx_estimate_options.missing`, `cx_histogram_add`).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cx_missing {
    /// Skip NaN scores and count them in `n_missing`.
    Skip = 0,
    /// A NaN score is `CX_STATUS_MISSING_VALUE`, naming its index.
    Error = 1,
}

/// Two-sample comparison methods.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cx_compare_method {
    /// The default for the scoring: Wald (net), Newcombe (top-box), Welch (mean).
    Default = 0,
    /// Wald.
    Wald = 1,
    /// Adjusted Wald with pseudo-counts (net).
    Adjusted = 2,
    /// Newcombe's hybrid Wilson (top-box).
    Newcombe = 3,
    /// Agresti–Caffo (top-box).
    AgrestiCaffo = 4,
    /// Welch's t (mean).
    Welch = 5,
}

/// p-value adjustments for many comparisons.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cx_adjust {
    /// Holm's step-down (family-wise error).
    Holm = 0,
    /// Benjamini–Hochberg (false discovery rate).
    BenjaminiHochberg = 1,
    /// No adjustment.
    None = 2,
}

/// How a metric is scored (`cx_estimate.scoring`).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cx_scoring {
    /// % positive − % negative, in points.
    Net = 0,
    /// % positive.
    TopBox = 1,
    /// Mean rating.
    Mean = 2,
}

fn unknown(kind: &str, code: u32, expected: &str) -> CxError {
    CxError::UnknownName {
        kind: kind.into(),
        name: code.to_string(),
        expected: expected.into(),
    }
}

/// Decodes an interval code (`None` for the default); `replicates` 0 means the default count.
pub fn interval(code: u32, replicates: u32, seed: u64) -> Result<Option<IntervalMethod>, CxError> {
    use IntervalMethod as M;
    Ok(Some(match code {
        0 => return Ok(None),
        1 => M::Wald,
        2 => M::AdjustedWald,
        3 => M::AgrestiMin,
        4 => M::BonettPrice,
        5 => M::Tango,
        6 => M::Bootstrap {
            replicates: if replicates == 0 {
                DEFAULT_BOOTSTRAP_REPLICATES
            } else {
                replicates
            },
            seed,
        },
        7 => M::Wilson,
        8 => M::Jeffreys,
        9 => M::ClopperPearson,
        10 => M::AgrestiCoullZ2,
        11 => M::AgrestiCoullAdd2,
        12 => M::T,
        _ => return Err(unknown("interval code", code, "0..=12 (cx_interval)")),
    }))
}

/// The code of an interval method.
pub fn interval_code(method: IntervalMethod) -> u32 {
    use IntervalMethod as M;
    let code = match method {
        M::Wald => cx_interval::Wald,
        M::AdjustedWald => cx_interval::AdjustedWald,
        M::AgrestiMin => cx_interval::AgrestiMin,
        M::BonettPrice => cx_interval::BonettPrice,
        M::Tango => cx_interval::Tango,
        M::Bootstrap { .. } => cx_interval::Bootstrap,
        M::Wilson => cx_interval::Wilson,
        M::Jeffreys => cx_interval::Jeffreys,
        M::ClopperPearson => cx_interval::ClopperPearson,
        M::AgrestiCoullZ2 => cx_interval::AgrestiCoullZ2,
        M::AgrestiCoullAdd2 => cx_interval::AgrestiCoullAdd2,
        M::T => cx_interval::T,
    };
    code as u32
}

/// Modes of the event-log funnel (`cx_funnel`).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cx_funnel_mode {
    /// Steps in order; other events in between are allowed.
    Ordered = 0,
    /// Steps in order with nothing else in between.
    Strict = 1,
    /// Every step after the entry, in any order.
    AnyOrder = 2,
}

/// Decodes a funnel-mode code.
pub fn funnel_mode(code: u32) -> Result<cx_core::journey::FunnelMode, CxError> {
    use cx_core::journey::FunnelMode;
    match code {
        0 => Ok(FunnelMode::Ordered),
        1 => Ok(FunnelMode::Strict),
        2 => Ok(FunnelMode::AnyOrder),
        _ => Err(unknown(
            "funnel-mode code",
            code,
            "0 (ordered), 1 (strict), 2 (any_order)",
        )),
    }
}

/// Decodes a missing-policy code.
pub fn missing(code: u32) -> Result<MissingPolicy, CxError> {
    match code {
        0 => Ok(MissingPolicy::Skip),
        1 => Ok(MissingPolicy::Error),
        _ => Err(unknown("missing-policy code", code, "0 (skip), 1 (error)")),
    }
}

/// Decodes a comparison code (`None` for the default).
pub fn compare(code: u32) -> Result<Option<CompareMethod>, CxError> {
    Ok(Some(match code {
        0 => return Ok(None),
        1 => CompareMethod::Wald,
        2 => CompareMethod::Adjusted,
        3 => CompareMethod::Newcombe,
        4 => CompareMethod::AgrestiCaffo,
        5 => CompareMethod::Welch,
        _ => return Err(unknown("comparison code", code, "0..=5 (cx_compare_method)")),
    }))
}

/// The code of a comparison method.
pub fn compare_code(method: CompareMethod) -> u32 {
    let code = match method {
        CompareMethod::Wald => cx_compare_method::Wald,
        CompareMethod::Adjusted => cx_compare_method::Adjusted,
        CompareMethod::Newcombe => cx_compare_method::Newcombe,
        CompareMethod::AgrestiCaffo => cx_compare_method::AgrestiCaffo,
        CompareMethod::Welch => cx_compare_method::Welch,
    };
    code as u32
}

/// Decodes an adjustment code.
pub fn adjust(code: u32) -> Result<PAdjust, CxError> {
    match code {
        0 => Ok(PAdjust::Holm),
        1 => Ok(PAdjust::BenjaminiHochberg),
        2 => Ok(PAdjust::None),
        _ => Err(unknown("adjustment code", code, "0 (holm), 1 (bh), 2 (none)")),
    }
}

/// The code of a scoring.
pub fn scoring_code(scoring: Scoring) -> u32 {
    let code = match scoring {
        Scoring::Net => cx_scoring::Net,
        Scoring::TopBox => cx_scoring::TopBox,
        Scoring::Mean => cx_scoring::Mean,
    };
    code as u32
}

/// Options or inputs given as JSON text; a syntax or type error is `CX_STATUS_INVALID_CONFIG` naming `what` and
/// the line and column.
pub fn options<'a, T: serde::Deserialize<'a>>(json: &'a str, what: &str) -> Result<T, CxError> {
    serde_json::from_str(json).map_err(|e| CxError::InvalidConfig {
        what: what.into(),
        field: format!("line {} column {}", e.line(), e.column()),
        reason: e.to_string(),
    })
}

/// The funnel spec of the C arguments (`mode` a `cx_funnel_mode` code, `as_of` NULL for none).
pub fn funnel_spec(steps: &[u32], window: i64, mode: u32, as_of: Option<&[i64]>) -> Result<FunnelSpec, CxError> {
    Ok(FunnelSpec {
        steps: steps.to_vec(),
        window,
        mode: funnel_mode(mode)?,
        as_of: as_of.map(|v| v[0]),
    })
}
