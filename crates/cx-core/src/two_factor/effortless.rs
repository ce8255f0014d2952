//! The effortless-experience metric of seed 004.
//!
//! Effortless experiences = customers who hit a problem × the share of them offered a resolution experience
//! (self-service, a proactive contact) × the resolution rate of those offered one. Most customers with a problem
//! never contact support: these silent customers are invisible to contact-based metrics, so their share, and how
//! many of them a proactive offer reached, are reported beside the factors.

use super::wilson_share;
use crate::serde_util::nan_as_null;
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// Per-customer flags, one entry per customer.
#[derive(Debug, Clone, Copy)]
pub struct EffortlessFlags<'a> {
    /// The customer hit a problem.
    pub problem: &'a [bool],
    /// The customer was offered a resolution experience for it (self-service, proactive contact).
    pub offered: &'a [bool],
    /// The problem was resolved.
    pub resolved: &'a [bool],
    /// The customer contacted support about it.
    pub contacted: &'a [bool],
}

/// The counts the metric is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffortlessCounts {
    /// All customers.
    pub customers: u64,
    /// Customers who hit a problem.
    pub problem: u64,
    /// Of those, offered a resolution experience.
    pub offered: u64,
    /// Of those offered one, resolved: the effortless experiences.
    pub resolved_offered: u64,
    /// Of those with a problem, contacted support.
    pub contacted: u64,
    /// Of the silent ones (problem, no contact), offered a resolution experience.
    pub silent_offered: u64,
}

/// One factor of the metric: numerator / denominator with its Wilson interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffortlessFactor {
    /// `problem_share`, `offer_rate`, `resolution_rate`, `effortless_share`, `silent_share` or
    /// `silent_reached`.
    pub name: String,
    /// The numerator.
    pub count: u64,
    /// The denominator.
    pub of: u64,
    /// count / of; undefined when `of` is 0.
    #[serde(with = "nan_as_null")]
    pub share: f64,
    /// Lower Wilson bound.
    #[serde(with = "nan_as_null")]
    pub ci_low: f64,
    /// Upper Wilson bound.
    #[serde(with = "nan_as_null")]
    pub ci_high: f64,
}

/// The metric: the counts, the effortless experiences, and every factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Effortless {
    /// The counts.
    pub counts: EffortlessCounts,
    /// Effortless experiences: problem × offer rate × resolution rate (= customers offered a resolution experience
    /// whose problem was resolved).
    pub effortless: u64,
    /// Customers with a problem who never contacted support.
    pub silent: u64,
    /// Confidence level of the intervals.
    pub level: f64,
    /// problem_share (of customers), offer_rate (of problem), resolution_rate (of offered), effortless_share (of
    /// problem), silent_share (of problem), silent_reached (of silent).
    pub factors: Vec<EffortlessFactor>,
}

/// The metric from per-customer flags.
///
/// Errors: length mismatches, and a customer offered a resolution, resolved or in contact without a problem (the
/// flags describe a problem, so that is a data error, named by index).
///
/// ```
/// use cx_core::two_factor::{EffortlessFlags, effortless};
/// let problem = [true, true, true, true, false];
/// let offered = [true, true, false, false, false];
/// let resolved = [true, false, true, false, false];
/// let contacted = [false, true, true, false, false];
/// let flags = EffortlessFlags { problem: &problem, offered: &offered, resolved: &resolved, contacted: &contacted };
/// let metric = effortless(&flags, 0.95)?;
/// assert_eq!(metric.effortless, 1); // 4 problems × 2/4 offered × 1/2 resolved
/// assert_eq!(metric.silent, 2);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn effortless(flags: &EffortlessFlags<'_>, level: f64) -> Result<Effortless> {
    let n = flags.problem.len();
    CxError::check_len("offered", n, flags.offered.len())?;
    CxError::check_len("resolved", n, flags.resolved.len())?;
    CxError::check_len("contacted", n, flags.contacted.len())?;
    let mut c = EffortlessCounts {
        customers: n as u64,
        ..Default::default()
    };
    for i in 0..n {
        let (offered, resolved, contacted) = (flags.offered[i], flags.resolved[i], flags.contacted[i]);
        if !flags.problem[i] {
            if let Some(name) = [("offered", offered), ("resolved", resolved), ("contacted", contacted)]
                .iter()
                .find_map(|&(name, set)| set.then_some(name))
            {
                return Err(CxError::invalid_argument(
                    format!("{name}[{i}]"),
                    true,
                    format!("customer {i} has no problem, so nothing can be {name}"),
                ));
            }
            continue;
        }
        c.problem += 1;
        c.offered += offered as u64;
        c.resolved_offered += (offered && resolved) as u64;
        c.contacted += contacted as u64;
        c.silent_offered += (!contacted && offered) as u64;
    }
    effortless_from_counts(&c, level)
}

/// The metric from counts. Errors when the counts do not nest (offered ≤ problem ≤ customers, resolved ≤
/// offered, contacted ≤ problem, silent offered ≤ both the silent and the offered) or the level is not in (0, 1).
pub fn effortless_from_counts(c: &EffortlessCounts, level: f64) -> Result<Effortless> {
    let silent = c.problem.saturating_sub(c.contacted);
    let nesting = [
        ("problem", c.problem, "customers", c.customers),
        ("offered", c.offered, "problem", c.problem),
        ("resolved_offered", c.resolved_offered, "offered", c.offered),
        ("contacted", c.contacted, "problem", c.problem),
        ("silent_offered", c.silent_offered, "offered", c.offered),
        ("silent_offered", c.silent_offered, "problem − contacted", silent),
    ];
    if let Some((name, value, bound, limit)) = nesting.into_iter().find(|(_, v, _, l)| v > l) {
        return Err(CxError::invalid_argument(
            name,
            value,
            format!("must not exceed {bound} ({limit})"),
        ));
    }
    let factor = |name: &str, count: u64, of: u64| -> Result<EffortlessFactor> {
        let (share, ci_low, ci_high) = wilson_share(count as f64, of as f64, level)?;
        Ok(EffortlessFactor {
            name: name.into(),
            count,
            of,
            share,
            ci_low,
            ci_high,
        })
    };
    Ok(Effortless {
        counts: *c,
        effortless: c.resolved_offered,
        silent,
        level,
        factors: vec![
            factor("problem_share", c.problem, c.customers)?,
            factor("offer_rate", c.offered, c.problem)?,
            factor("resolution_rate", c.resolved_offered, c.offered)?,
            factor("effortless_share", c.resolved_offered, c.problem)?,
            factor("silent_share", silent, c.problem)?,
            factor("silent_reached", c.silent_offered, silent)?,
        ],
    })
}
