//! Two-factor classification: which attributes are hygiene factors (their failure dissatisfies, their success goes
//! unnoticed) and which are motivators (they create satisfaction), after Herzberg.
//!
//! Three published, quantitative ways in, and one metric of the effortless experience:
//! - [`kano`] / [`kano_summary`]: the Kano questionnaire — typed answers ([`Answer`], mapped from strings and codes
//!   by an explicit [`AnswerMapping`]), the standard and Pouliot evaluation tables, counts and shares, a category
//!   under a named [`CategoryRule`], category and total strength, the Fong test, Better / Worse, DuMouchel's
//!   continuous scores, optional importance weighting, and the [`Herzberg`] view.
//! - [`prca`]: penalty–reward contrast analysis of ordinary ratings by OLS (Householder QR), with impact asymmetry
//!   (RIOCS, SGP, DGP, IA) and classes from configurable [`IaBands`].
//! - [`Lexicon`] and [`tag_texts`] / [`tag_lists`]: themes of free-text feedback and their factor, with shares and
//!   Wilson intervals; [`Lexicon::default_lexicon`] in English and Japanese, seeded from seed 004.
//! - [`effortless`]: problem customers × share offered a resolution experience × resolution rate, with the silent
//!   share (seed 004).
//!
//! Shares in this module are fractions in [0, 1] (Better, Worse and strengths are conventionally fractions), not
//! percent. Every result names the table, rule, cut points or bands that produced it.
//!
//! ```
//! use cx_core::two_factor::{Answer::*, Category, CategoryRule, KanoAnswers, KanoOptions, kano};
//!
//! let functional = [Some(Like), Some(Like), Some(MustBe), Some(Neutral)];
//! let dysfunctional = [Some(Dislike), Some(Neutral), Some(Dislike), Some(Neutral)];
//! let names = ["fast delivery".to_string()];
//! let answers = KanoAnswers::new(&names, &functional, &dysfunctional);
//! let result = kano(&answers, &KanoOptions::default())?;
//! let delivery = &result.attributes[0];
//! assert_eq!(delivery.summary.counts.get(Category::O), 1); // like / dislike
//! assert_eq!(delivery.summary.category, None); // O, A, M and I tie under `mode` ...
//! assert_eq!(delivery.summary.contenders.len(), 4); // ... and the tie is reported
//! assert_eq!(delivery.summary.better, Some(0.5));
//! # Ok::<(), cx_core::CxError>(())
//! ```

mod effortless;
mod kano;
mod kano_summary;
mod lexicon;
mod ols;
mod prca;

pub use effortless::{
    Effortless, EffortlessCounts, EffortlessFactor, EffortlessFlags, effortless, effortless_from_counts,
};
pub use kano::{
    ANSWER_MAPPING_VERSION, Answer, AnswerMapping, Category, EvaluationTable, Herzberg, KanoAnswers, KanoAttribute,
    KanoOptions, KanoResult, MAX_KANO_ATTRIBUTES, PerCategory, kano,
};
pub use kano_summary::{CategoryRule, DuMouchel, FongTest, KanoSummary, fong_test, kano_summary};
pub use lexicon::{
    FactorShare, ItemTags, LEXICON_VERSION, Lexicon, TagShare, Tagging, Theme, ThemeShare, tag_lists, tag_texts,
};
pub use ols::{Ols, ols};
pub use prca::{AsymmetryClass, AsymmetryFactor, Cuts, IaBands, PrcaAttribute, PrcaOptions, PrcaResult, prca};

use serde::{Deserialize, Serialize};

/// Whether something removes dissatisfaction when fixed (hygiene) or creates satisfaction (motivator): the two
/// factors of Herzberg. Lexicon themes and journey touchpoints carry one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    /// Expected; its failure dissatisfies, its success goes unnoticed.
    Hygiene,
    /// Creates satisfaction when present.
    Motivator,
}

impl Factor {
    /// The factor's name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Factor::Hygiene => "hygiene",
            Factor::Motivator => "motivator",
        }
    }
}

/// A share `count / n` with its Wilson interval at `level`; NaN shares and bounds when `n` is 0.
pub(crate) fn wilson_share(count: f64, n: f64, level: f64) -> crate::Result<(f64, f64, f64)> {
    let z = crate::stats::z_for_level(level)?;
    if n <= 0.0 {
        return Ok((f64::NAN, f64::NAN, f64::NAN));
    }
    let (lo, hi) = crate::survey::interval::wilson(count, n, z);
    Ok((count / n, lo, hi))
}
