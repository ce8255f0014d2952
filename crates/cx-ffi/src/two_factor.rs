//! Two factors from C: Kano from answer-code arrays, PRCA from a row-major ratings matrix, the effortless metric
//! from flag arrays, and feedback tagging; results as the core's JSON in caller buffers. Options travel as JSON
//! (the attribute names among them), like every other configuration.

use crate::boundary::{FfiResult, boundary, json_out, optional_slice, slice, utf8};
use crate::codes;
use cx_core::CxError;
use cx_core::survey::MissingPolicy;
use cx_core::two_factor::{
    self as tf, Answer, CategoryRule, Cuts, EffortlessFlags, EvaluationTable, IaBands, KanoAnswers, KanoOptions,
    Lexicon, PrcaOptions,
};
use serde::Deserialize;
use std::ffi::c_char;

/// A Kano answer as a `uint8_t` code in answer arrays.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cx_kano_answer {
    /// No answer (skipped and counted, or an error under the `error` missing policy).
    Missing = 0,
    /// "I like it".
    Like = 1,
    /// "I expect it" (must-be).
    MustBe = 2,
    /// "I am neutral".
    Neutral = 3,
    /// "I can live with it".
    LiveWith = 4,
    /// "I dislike it".
    Dislike = 5,
}

fn answers(codes: &[u8], what: &str) -> Result<Vec<Option<Answer>>, CxError> {
    codes
        .iter()
        .enumerate()
        .map(|(index, &code)| match code {
            0 => Ok(None),
            1..=5 => Ok(Some(Answer::ALL[usize::from(code) - 1])),
            _ => Err(CxError::UnknownLabel {
                what: what.into(),
                value: code.to_string(),
                index,
                expected: "0 (missing), 1 (like), 2 (must-be), 3 (neutral), 4 (live-with), 5 (dislike)".into(),
            }),
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KanoRequest {
    names: Vec<String>,
    #[serde(default)]
    table: EvaluationTable,
    #[serde(default)]
    rule: CategoryRule,
    #[serde(default = "two")]
    dumouchel_split: f64,
    #[serde(default)]
    missing: MissingPolicy,
}

fn two() -> f64 {
    2.0
}

/// Kano analysis. `functional` and `dysfunctional` hold `cx_kano_answer` codes (0 missing, 1 like ... 5 dislike),
/// `attribute` (NULL: all one attribute) the index of each pair's attribute in the options' `names`, `importance`
/// (NULL: unweighted) each pair's importance. `options` is JSON: `{"names": ["login", ...], "table": "standard" |
/// "pouliot", "rule": {"name": "mode"} | {"name": "m_o_a_i", "gap": 0.06} | {"name": "oam_vs_irq"},
/// "dumouchel_split": 2, "missing": "skip" | "error"}` (all but `names` optional). Writes the result as JSON
/// into `buf`; `*written` gets the size needed.
///
/// # Safety
/// Arrays readable for `len` elements (`attribute`, `importance` may be NULL); `options` readable for
/// `options_len` bytes; `buf` writable for `buf_len` bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn cx_kano_json(
    functional: *const u8,
    dysfunctional: *const u8,
    len: usize,
    attribute: *const u32,
    importance: *const f64,
    options: *const c_char,
    options_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> crate::status::cx_status {
    // SAFETY: the caller's contract.
    boundary(|| unsafe {
        let request: KanoRequest = codes::options(utf8(options, options_len, "options")?, "Kano options")?;
        let f = answers(slice(functional, len, "functional")?, "functional answers")?;
        let d = answers(slice(dysfunctional, len, "dysfunctional")?, "dysfunctional answers")?;
        let mut input = KanoAnswers::new(&request.names, &f, &d);
        if let Some(a) = optional_slice(attribute, len, "attribute")? {
            input = input.by(a);
        }
        if let Some(w) = optional_slice(importance, len, "importance")? {
            input = input.weighted(w);
        }
        let opts = KanoOptions {
            table: request.table,
            rule: request.rule,
            dumouchel_split: request.dumouchel_split,
            missing: request.missing,
        };
        json_out(&tf::kano(&input, &opts)?, buf, buf_len, written)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrcaRequest {
    names: Vec<String>,
    cuts: Vec<Cuts>,
    #[serde(default)]
    bands: IaBands,
    #[serde(default = "ten")]
    min_group: u64,
    #[serde(default)]
    missing: MissingPolicy,
}

fn ten() -> u64 {
    10
}

/// Penalty–reward contrast analysis of `ratings`, a row-major `n_rows` × `n_attributes` matrix (NaN missing),
/// against `overall` (`n_rows`). `options` is JSON: `{"names": [...], "cuts": [{"low": 2, "high": 4}],
/// "bands": {"hybrid": 0.2, "extreme": 0.6}, "min_group": 10, "missing": "skip"}` (one cut pair for all
/// attributes or one per attribute). Writes the result as JSON into `buf`; `*written` gets the size needed.
///
/// # Safety
/// `ratings` readable for `n_rows * n_attributes` doubles, `overall` for `n_rows`; `options` readable for
/// `options_len` bytes; `buf` writable for `buf_len` bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn cx_prca_json(
    ratings: *const f64,
    n_rows: usize,
    n_attributes: usize,
    overall: *const f64,
    options: *const c_char,
    options_len: usize,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> crate::status::cx_status {
    // SAFETY: the caller's contract.
    boundary(|| unsafe {
        let request: PrcaRequest = codes::options(utf8(options, options_len, "options")?, "PRCA options")?;
        CxError::check_len("options.names", n_attributes, request.names.len())?;
        let cells = n_rows.checked_mul(n_attributes).ok_or_else(|| {
            CxError::invalid_argument(
                "n_rows × n_attributes",
                format!("{n_rows} × {n_attributes}"),
                "overflows",
            )
        })?;
        let ratings = slice(ratings, cells, "ratings")?;
        let overall = slice(overall, n_rows, "overall")?;
        let opts = PrcaOptions {
            cuts: request.cuts,
            bands: request.bands,
            min_group: request.min_group,
            missing: request.missing,
        };
        json_out(
            &tf::prca(ratings, overall, &request.names, &opts)?,
            buf,
            buf_len,
            written,
        )
    })
}

/// The effortless-experience metric from per-customer flags (each array `len` long), with Wilson intervals at
/// `level`. Writes the result as JSON into `buf`; `*written` gets the size needed.
///
/// # Safety
/// The four arrays readable for `len` bools; `buf` writable for `buf_len` bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn cx_effortless_json(
    problem: *const bool,
    offered: *const bool,
    resolved: *const bool,
    contacted: *const bool,
    len: usize,
    level: f64,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> crate::status::cx_status {
    // SAFETY: the caller's contract.
    boundary(|| unsafe {
        let flags = EffortlessFlags {
            problem: slice(problem, len, "problem")?,
            offered: slice(offered, len, "offered")?,
            resolved: slice(resolved, len, "resolved")?,
            contacted: slice(contacted, len, "contacted")?,
        };
        json_out(&tf::effortless(&flags, level)?, buf, buf_len, written)
    })
}

/// Tags feedback: `texts` is a JSON array of strings (or null for a missing item); `lexicon` the lexicon's JSON,
/// or NULL for the default (English and Japanese). Writes the tagging as JSON into `buf`; `*written` gets the
/// size needed.
///
/// # Safety
/// `lexicon` NULL or readable for `lexicon_len` bytes; `texts` readable for `texts_len` bytes; `buf` writable
/// for `buf_len` bytes; `written` NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn cx_tag_texts_json(
    lexicon: *const c_char,
    lexicon_len: usize,
    texts: *const c_char,
    texts_len: usize,
    level: f64,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> crate::status::cx_status {
    // SAFETY: the caller's contract.
    boundary(|| unsafe { tag(lexicon, lexicon_len, texts, texts_len, level, buf, buf_len, written) })
}

/// # Safety
/// The contract of [`cx_tag_texts_json`].
#[allow(clippy::too_many_arguments)]
unsafe fn tag(
    lexicon: *const c_char,
    lexicon_len: usize,
    texts: *const c_char,
    texts_len: usize,
    level: f64,
    buf: *mut c_char,
    buf_len: usize,
    written: *mut usize,
) -> FfiResult {
    let lexicon = if lexicon.is_null() {
        Lexicon::default_lexicon()
    } else {
        // SAFETY: forwarded contract.
        Lexicon::from_json(unsafe { utf8(lexicon, lexicon_len, "lexicon") }?)?
    };
    // SAFETY: forwarded contract.
    let texts: Vec<Option<String>> = codes::options(unsafe { utf8(texts, texts_len, "texts") }?, "texts")?;
    let texts: Vec<Option<&str>> = texts.iter().map(Option::as_deref).collect();
    // SAFETY: forwarded contract.
    unsafe { json_out(&tf::tag_texts(&lexicon, &texts, level)?, buf, buf_len, written) }
}
