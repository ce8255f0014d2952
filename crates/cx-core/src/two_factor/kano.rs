//! Kano answers, their mapping from labels and codes, the evaluation tables, and the per-attribute analysis.

use super::kano_summary::{AnswerWeights, CategoryRule, DuMouchel, KanoSummary, summarise};
use crate::serde_util::{check_version, from_json};
use crate::survey::MissingPolicy;
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One answer to a Kano question ("How do you feel if the product has / does not have ...?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    /// "I like it" (L).
    Like,
    /// "I expect it" / "it must be that way" (M).
    MustBe,
    /// "I am neutral" (N).
    Neutral,
    /// "I can live with it" / "I can tolerate it" (W).
    LiveWith,
    /// "I dislike it" (D).
    Dislike,
}

impl Answer {
    /// The five answers in the order of the evaluation table's rows and columns.
    pub const ALL: [Answer; 5] = [
        Answer::Like,
        Answer::MustBe,
        Answer::Neutral,
        Answer::LiveWith,
        Answer::Dislike,
    ];

    /// The answer's name: `like`, `must-be`, `neutral`, `live-with`, `dislike`.
    pub fn name(self) -> &'static str {
        ["like", "must-be", "neutral", "live-with", "dislike"][self as usize]
    }

    /// The one-letter code of the published tables: L, M, N, W, D.
    pub fn letter(self) -> char {
        ['L', 'M', 'N', 'W', 'D'][self as usize]
    }

    /// DuMouchel's functional score: like 4, must-be 2, neutral 0, live-with −1, dislike −2.
    pub fn functional_score(self) -> f64 {
        [4.0, 2.0, 0.0, -1.0, -2.0][self as usize]
    }

    /// DuMouchel's dysfunctional score: like −2, must-be −1, neutral 0, live-with 2, dislike 4.
    pub fn dysfunctional_score(self) -> f64 {
        [-2.0, -1.0, 0.0, 2.0, 4.0][self as usize]
    }
}

/// A Kano category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Category {
    /// Attractive: delights when present, not missed when absent.
    A,
    /// One-dimensional: the more the better.
    O,
    /// Must-be: expected; only its absence is noticed.
    M,
    /// Indifferent.
    I,
    /// Reverse: the respondent prefers its absence.
    R,
    /// Questionable: a contradictory pair of answers.
    Q,
}

impl Category {
    /// The six categories, in the order of [`PerCategory`]'s fields.
    pub const ALL: [Category; 6] = [
        Category::A,
        Category::O,
        Category::M,
        Category::I,
        Category::R,
        Category::Q,
    ];

    /// The category's letter, as in JSON.
    pub fn letter(self) -> &'static str {
        ["A", "O", "M", "I", "R", "Q"][self as usize]
    }

    /// The category's full name.
    pub fn name(self) -> &'static str {
        [
            "attractive",
            "one-dimensional",
            "must-be",
            "indifferent",
            "reverse",
            "questionable",
        ][self as usize]
    }

    /// The Herzberg view of the category: M → hygiene, A → motivator, O → performance (both), I → neutral,
    /// R → reverse, Q → invalid.
    pub fn herzberg(self) -> Herzberg {
        match self {
            Category::M => Herzberg::Hygiene,
            Category::A => Herzberg::Motivator,
            Category::O => Herzberg::Performance,
            Category::I => Herzberg::Neutral,
            Category::R => Herzberg::Reverse,
            Category::Q => Herzberg::Invalid,
        }
    }
}

/// The two-factor reading of a Kano category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Herzberg {
    /// Must-be: fixing it removes dissatisfaction only.
    Hygiene,
    /// Attractive: it creates satisfaction.
    Motivator,
    /// One-dimensional: both at once.
    Performance,
    /// Indifferent.
    Neutral,
    /// Reverse.
    Reverse,
    /// Questionable answers: no reading.
    Invalid,
}

impl Herzberg {
    /// The name in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Herzberg::Hygiene => "hygiene",
            Herzberg::Motivator => "motivator",
            Herzberg::Performance => "performance",
            Herzberg::Neutral => "neutral",
            Herzberg::Reverse => "reverse",
            Herzberg::Invalid => "invalid",
        }
    }
}

/// One value per Kano category: counts, weights or shares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub struct PerCategory<T> {
    /// Attractive.
    pub a: T,
    /// One-dimensional.
    pub o: T,
    /// Must-be.
    pub m: T,
    /// Indifferent.
    pub i: T,
    /// Reverse.
    pub r: T,
    /// Questionable.
    pub q: T,
}

impl<T: Copy> PerCategory<T> {
    /// The value of one category.
    pub fn get(&self, c: Category) -> T {
        match c {
            Category::A => self.a,
            Category::O => self.o,
            Category::M => self.m,
            Category::I => self.i,
            Category::R => self.r,
            Category::Q => self.q,
        }
    }

    /// Mutable access to one category's value.
    pub fn get_mut(&mut self, c: Category) -> &mut T {
        match c {
            Category::A => &mut self.a,
            Category::O => &mut self.o,
            Category::M => &mut self.m,
            Category::I => &mut self.i,
            Category::R => &mut self.r,
            Category::Q => &mut self.q,
        }
    }

    /// Applies `f` to every category's value.
    pub fn map<U>(&self, f: impl Fn(T) -> U) -> PerCategory<U> {
        PerCategory {
            a: f(self.a),
            o: f(self.o),
            m: f(self.m),
            i: f(self.i),
            r: f(self.r),
            q: f(self.q),
        }
    }
}

/// The table that turns a (functional, dysfunctional) pair of answers into a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationTable {
    /// Berger et al. (1993).
    #[default]
    Standard,
    /// Pouliot's variant: must-be / must-be and live-with / live-with are questionable, not indifferent.
    Pouliot,
}

impl EvaluationTable {
    /// Parses `standard` or `pouliot`.
    pub fn parse(name: &str) -> Result<EvaluationTable> {
        match name {
            "standard" => Ok(EvaluationTable::Standard),
            "pouliot" => Ok(EvaluationTable::Pouliot),
            _ => Err(CxError::UnknownName {
                kind: "Kano evaluation table".into(),
                name: name.into(),
                expected: "standard, pouliot".into(),
            }),
        }
    }

    /// The table's name.
    pub fn name(self) -> &'static str {
        match self {
            EvaluationTable::Standard => "standard",
            EvaluationTable::Pouliot => "pouliot",
        }
    }

    /// The category of a pair of answers.
    ///
    /// ```
    /// use cx_core::two_factor::{Answer::*, Category, EvaluationTable};
    /// assert_eq!(EvaluationTable::Standard.classify(Like, Dislike), Category::O);
    /// assert_eq!(EvaluationTable::Standard.classify(MustBe, MustBe), Category::I);
    /// assert_eq!(EvaluationTable::Pouliot.classify(MustBe, MustBe), Category::Q);
    /// ```
    pub fn classify(self, functional: Answer, dysfunctional: Answer) -> Category {
        use Answer::*;
        use Category::*;
        // Rows: functional L M N W D; columns: dysfunctional L M N W D (Berger et al. 1993).
        const STANDARD: [[Category; 5]; 5] = [
            [Q, A, A, A, O],
            [R, I, I, I, M],
            [R, I, I, I, M],
            [R, I, I, I, M],
            [R, R, R, R, Q],
        ];
        match (self, functional, dysfunctional) {
            (EvaluationTable::Pouliot, MustBe, MustBe) | (EvaluationTable::Pouliot, LiveWith, LiveWith) => Q,
            _ => STANDARD[functional as usize][dysfunctional as usize],
        }
    }
}

/// Version of the [`AnswerMapping`] JSON format.
pub const ANSWER_MAPPING_VERSION: u32 = 1;

/// How labels and integer codes of a survey tool become [`Answer`]s. Nothing is positional: integer codes are
/// accepted only when mapped explicitly, because tools number the five answers in different orders.
///
/// ```
/// use cx_core::two_factor::{Answer, AnswerMapping};
/// let standard = AnswerMapping::standard();
/// assert_eq!(standard.label("I like it", "functional answers", 0)?, Answer::Like);
/// assert_eq!(standard.label("しかたない", "functional answers", 1)?, Answer::LiveWith);
/// assert!(standard.code(1, "functional answers", 2).is_err()); // no codes unless declared
/// let coded = AnswerMapping::standard().with_codes([(1, Answer::Like), (2, Answer::MustBe)])?;
/// assert_eq!(coded.code(2, "functional answers", 3)?, Answer::MustBe);
/// # Ok::<(), cx_core::CxError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerMapping {
    /// Format version, [`ANSWER_MAPPING_VERSION`].
    pub version: u32,
    /// Labels (compared trimmed and case-insensitively) and their answers.
    pub labels: BTreeMap<String, Answer>,
    /// Integer codes and their answers.
    #[serde(default)]
    pub codes: BTreeMap<i64, Answer>,
}

impl Default for AnswerMapping {
    fn default() -> Self {
        Self::standard()
    }
}

impl AnswerMapping {
    /// The names, letters and usual English and Japanese wordings of the five answers; no integer codes.
    pub fn standard() -> AnswerMapping {
        use Answer::*;
        let labels: [(Answer, &[&str]); 5] = [
            (
                Like,
                &[
                    "like",
                    "l",
                    "i like it",
                    "i like it that way",
                    "気に入る",
                    "気に入っている",
                    "うれしい",
                ],
            ),
            (
                MustBe,
                &[
                    "must-be",
                    "must be",
                    "must_be",
                    "m",
                    "expect",
                    "i expect it",
                    "it must be that way",
                    "当然",
                    "当然である",
                    "当然だ",
                ],
            ),
            (
                Neutral,
                &[
                    "neutral",
                    "n",
                    "i am neutral",
                    "i don't care",
                    "何とも感じない",
                    "どちらでもない",
                    "気にしない",
                ],
            ),
            (
                LiveWith,
                &[
                    "live-with",
                    "live with",
                    "live_with",
                    "w",
                    "tolerate",
                    "i can tolerate it",
                    "i can live with it",
                    "しかたない",
                    "仕方ない",
                    "我慢できる",
                ],
            ),
            (
                Dislike,
                &[
                    "dislike",
                    "d",
                    "i dislike it",
                    "i dislike it that way",
                    "気に入らない",
                    "嫌だ",
                ],
            ),
        ];
        AnswerMapping {
            version: ANSWER_MAPPING_VERSION,
            labels: labels
                .iter()
                .flat_map(|(answer, names)| names.iter().map(move |n| (n.to_string(), *answer)))
                .collect(),
            codes: BTreeMap::new(),
        }
    }

    /// This mapping plus integer codes. A code mapped twice to different answers is an error.
    pub fn with_codes(mut self, codes: impl IntoIterator<Item = (i64, Answer)>) -> Result<AnswerMapping> {
        for (code, answer) in codes {
            if let Some(old) = self.codes.insert(code, answer)
                && old != answer
            {
                return Err(CxError::InvalidConfig {
                    what: "Kano answer mapping".into(),
                    field: format!("codes.{code}"),
                    reason: format!("mapped to both {} and {}", old.name(), answer.name()),
                });
            }
        }
        Ok(self)
    }

    /// This mapping plus labels (e.g. the wording of your questionnaire).
    pub fn with_labels<S: AsRef<str>>(mut self, labels: impl IntoIterator<Item = (S, Answer)>) -> AnswerMapping {
        self.labels
            .extend(labels.into_iter().map(|(l, a)| (normalise(l.as_ref()), a)));
        self
    }

    /// Reads a mapping from JSON (`{"version": 1, "labels": {...}, "codes": {"1": "like"}}`).
    pub fn from_json(json: &str) -> Result<AnswerMapping> {
        const WHAT: &str = "Kano answer mapping";
        check_version(WHAT, json.as_bytes(), ANSWER_MAPPING_VERSION)?;
        let mut mapping: AnswerMapping = from_json(WHAT, json.as_bytes())?;
        mapping.labels = mapping.labels.into_iter().map(|(l, a)| (normalise(&l), a)).collect();
        Ok(mapping)
    }

    /// The answer a label stands for; `what` and `index` name it in the error.
    pub fn label(&self, label: &str, what: &str, index: usize) -> Result<Answer> {
        self.labels
            .get(&normalise(label))
            .copied()
            .ok_or_else(|| CxError::UnknownLabel {
                what: what.into(),
                value: label.into(),
                index,
                expected: format!(
                    "{} (or declare the label in the mapping)",
                    Answer::ALL.map(Answer::name).join(", ")
                ),
            })
    }

    /// The answer an integer code stands for; `what` and `index` name it in the error.
    pub fn code(&self, code: i64, what: &str, index: usize) -> Result<Answer> {
        self.codes.get(&code).copied().ok_or_else(|| CxError::UnknownLabel {
            what: what.into(),
            value: code.to_string(),
            index,
            expected: if self.codes.is_empty() {
                "no integer codes: map them explicitly (codes={1: \"like\", ...}), tools number answers differently"
                    .into()
            } else {
                self.codes.keys().map(i64::to_string).collect::<Vec<_>>().join(", ")
            },
        })
    }
}

fn normalise(label: &str) -> String {
    label.trim().to_lowercase()
}

/// Options of [`kano`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KanoOptions {
    /// The evaluation table.
    pub table: EvaluationTable,
    /// How a category is chosen from the counts.
    pub rule: CategoryRule,
    /// DuMouchel's quadrants split each axis above this mean score (2: the score of "must-be" on the functional
    /// axis and of "live-with" on the dysfunctional one, so a pure must-be attribute is not one-dimensional).
    pub dumouchel_split: f64,
    /// What to do with an answer pair where either answer (or the importance) is missing.
    pub missing: MissingPolicy,
}

impl Default for KanoOptions {
    fn default() -> Self {
        KanoOptions {
            table: EvaluationTable::Standard,
            rule: CategoryRule::default(),
            dumouchel_split: 2.0,
            missing: MissingPolicy::Skip,
        }
    }
}

/// Kano answers in long form: one (functional, dysfunctional) pair per respondent and attribute.
#[derive(Debug, Clone, Copy)]
pub struct KanoAnswers<'a> {
    /// The functional answers ("if it has ..."); `None` is missing.
    pub functional: &'a [Option<Answer>],
    /// The dysfunctional answers ("if it does not have ...").
    pub dysfunctional: &'a [Option<Answer>],
    /// The attribute of each pair, an index into `names`; `None` when every pair is about `names[0]`.
    pub attribute: Option<&'a [u32]>,
    /// The attributes' names.
    pub names: &'a [String],
    /// The self-stated importance of the attribute to the respondent, per pair (finite, non-negative; NaN is
    /// missing). When given, counts are weighted by it.
    pub importance: Option<&'a [f64]>,
}

impl<'a> KanoAnswers<'a> {
    /// Unweighted answers; every pair is about `names[0]` until [`KanoAnswers::by`] says otherwise.
    pub fn new(names: &'a [String], functional: &'a [Option<Answer>], dysfunctional: &'a [Option<Answer>]) -> Self {
        KanoAnswers {
            functional,
            dysfunctional,
            attribute: None,
            names,
            importance: None,
        }
    }

    /// The attribute of each pair, an index into the names.
    pub fn by(self, attribute: &'a [u32]) -> Self {
        KanoAnswers {
            attribute: Some(attribute),
            ..self
        }
    }

    /// Weights each pair by the respondent's importance of the attribute.
    pub fn weighted(self, importance: &'a [f64]) -> Self {
        KanoAnswers {
            importance: Some(importance),
            ..self
        }
    }
}

/// The analysis of one attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KanoAttribute {
    /// The attribute's name.
    pub attribute: String,
    /// Pairs skipped because an answer or the importance was missing.
    pub n_missing: u64,
    /// Counts, shares, category, strengths, Fong test, Better / Worse and Herzberg view.
    #[serde(flatten)]
    pub summary: KanoSummary,
    /// DuMouchel's continuous scores (over the pairs not classified Q).
    pub dumouchel: DuMouchel,
    /// Mean importance of the attribute, when importance was given.
    pub importance: Option<f64>,
}

/// The result of [`kano`]: one row per attribute, with the table and rule that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KanoResult {
    /// The evaluation table used.
    pub table: EvaluationTable,
    /// The category rule used.
    pub rule: CategoryRule,
    /// Whether counts are weighted by importance.
    pub weighted: bool,
    /// One entry per attribute, in the order of the names.
    pub attributes: Vec<KanoAttribute>,
}

/// Per-attribute accumulation of classified pairs: a fixed size, with nothing on the heap.
#[derive(Default)]
struct Tally {
    counts: PerCategory<u64>,
    weights: PerCategory<f64>,
    n_missing: u64,
    importance_sum: f64,
    functional: AnswerWeights,
    dysfunctional: AnswerWeights,
}

/// The most attributes [`kano`] and [`kano_summary`](super::kano_summary) analyse in one call. Every attribute
/// costs a result row (about a kilobyte with its name, summary and DuMouchel scores, more once serialised or
/// turned into a DataFrame) whether or not it has answers, so a long list of names must not make a small input
/// allocate gigabytes; more attributes are refused with [`CxError::LimitExceeded`]. A Kano study has tens of
/// attributes; analyse more in batches.
pub const MAX_KANO_ATTRIBUTES: usize = 100_000;

/// Refuses more than [`MAX_KANO_ATTRIBUTES`] attributes.
pub(crate) fn check_attributes(n: usize) -> Result<()> {
    if n > MAX_KANO_ATTRIBUTES {
        return Err(CxError::limit("Kano attributes", MAX_KANO_ATTRIBUTES as u64, n));
    }
    Ok(())
}

/// Classifies every answer pair with the table and summarises each attribute.
///
/// Errors: length mismatches, an attribute index not below the number of names, a negative or non-finite
/// importance, a missing answer under the `error` policy, more than [`MAX_KANO_ATTRIBUTES`] names
/// ([`CxError::LimitExceeded`]). Memory is a fixed amount per attribute and nothing per pair beyond the input.
pub fn kano(answers: &KanoAnswers<'_>, options: &KanoOptions) -> Result<KanoResult> {
    let n = answers.functional.len();
    CxError::check_len("dysfunctional answers", n, answers.dysfunctional.len())?;
    if let Some(a) = answers.attribute {
        CxError::check_len("attributes", n, a.len())?;
    }
    if let Some(w) = answers.importance {
        CxError::check_len("importance", n, w.len())?;
    }
    if answers.names.is_empty() {
        return Err(CxError::empty("attribute names"));
    }
    check_attributes(answers.names.len())?;
    options.rule.check()?;
    let mut tallies: Vec<Tally> = answers.names.iter().map(|_| Tally::default()).collect();
    for row in 0..n {
        let code = answers.attribute.map_or(0, |a| a[row]);
        let tally = tallies.get_mut(code as usize).ok_or(CxError::InvalidGroupCode {
            code,
            index: row,
            n_groups: answers.names.len(),
        })?;
        let weight = match answers.importance.map(|w| w[row]) {
            Some(w) if w.is_nan() => None,
            Some(w) if !w.is_finite() || w < 0.0 => return Err(CxError::InvalidWeight { value: w, index: row }),
            Some(w) => Some(w),
            None => Some(1.0),
        };
        let (Some(f), Some(d), Some(w)) = (answers.functional[row], answers.dysfunctional[row], weight) else {
            if options.missing == MissingPolicy::Error {
                let what = match (answers.functional[row], answers.dysfunctional[row]) {
                    (None, _) => "functional answers",
                    (_, None) => "dysfunctional answers",
                    _ => "importance",
                };
                return Err(CxError::MissingValue {
                    what: what.into(),
                    index: row,
                });
            }
            tally.n_missing += 1;
            continue;
        };
        let category = options.table.classify(f, d);
        *tally.counts.get_mut(category) += 1;
        *tally.weights.get_mut(category) += w;
        tally.importance_sum += w;
        if category != Category::Q {
            tally.functional.add(f, w);
            tally.dysfunctional.add(d, w);
        }
    }
    let weighted = answers.importance.is_some();
    let attributes = tallies
        .into_iter()
        .zip(answers.names)
        .map(|(t, name)| {
            let summary = summarise(&t.counts, weighted.then_some(&t.weights), &options.rule)?;
            let n = t.counts.map(|c| c as f64);
            let total = Category::ALL.iter().map(|&c| n.get(c)).sum::<f64>();
            Ok(KanoAttribute {
                attribute: name.clone(),
                n_missing: t.n_missing,
                dumouchel: DuMouchel::of(&t.functional, &t.dysfunctional, options.dumouchel_split),
                importance: (weighted && total > 0.0).then(|| t.importance_sum / total),
                summary,
            })
        })
        .collect::<Result<_>>()?;
    Ok(KanoResult {
        table: options.table,
        rule: options.rule,
        weighted,
        attributes,
    })
}
