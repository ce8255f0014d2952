//! From Kano counts to a category: the rules, category and total strength, the Fong test, Better / Worse, and
//! DuMouchel's continuous scores.

use super::kano::{Answer, Category, Herzberg, PerCategory};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};

/// How an attribute's category is chosen from its counts. Legitimate rules disagree, so every result names its
/// rule.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
pub enum CategoryRule {
    /// The most frequent of the six categories; a tie leaves the category undefined and lists the tied ones.
    #[default]
    Mode,
    /// Berger et al.'s tie rule: when the category strength is at most `gap`, choose among the categories within
    /// `gap` of the most frequent one in the order M > O > A > I > R (the one with the most impact on the
    /// product); otherwise the mode. "Within the gap" is decided on the counts (count difference ≤ gap · n,
    /// the product rounded once), not on rounded shares, so 53 against 47 of 100 is exactly a 0.06 tie.
    #[serde(rename = "m_o_a_i")]
    MOAI {
        /// Largest strength (share difference) treated as a tie; 0.06 by convention.
        gap: f64,
    },
    /// If O + A + M outweighs I + R + Q, the most frequent of O, A, M; otherwise the most frequent of I, R, Q.
    /// The sums are of counts (whole numbers when unweighted), so an exact balance always goes to I, R, Q.
    OamVsIrq,
}

impl CategoryRule {
    /// The conventional `m_o_a_i` gap, 6%.
    pub const DEFAULT_GAP: f64 = 0.06;

    /// Parses `mode`, `m_o_a_i` (with `gap`) or `oam_vs_irq`.
    pub fn parse(name: &str, gap: f64) -> Result<CategoryRule> {
        let rule = match name {
            "mode" => CategoryRule::Mode,
            "m_o_a_i" | "moai" => CategoryRule::MOAI { gap },
            "oam_vs_irq" => CategoryRule::OamVsIrq,
            _ => {
                return Err(CxError::UnknownName {
                    kind: "Kano category rule".into(),
                    name: name.into(),
                    expected: "mode, m_o_a_i, oam_vs_irq".into(),
                });
            }
        };
        rule.check()?;
        Ok(rule)
    }

    /// The rule's name.
    pub fn name(self) -> &'static str {
        match self {
            CategoryRule::Mode => "mode",
            CategoryRule::MOAI { .. } => "m_o_a_i",
            CategoryRule::OamVsIrq => "oam_vs_irq",
        }
    }

    /// Checks the gap of `m_o_a_i`.
    pub fn check(self) -> Result<()> {
        match self {
            CategoryRule::MOAI { gap } if !(0.0..=1.0).contains(&gap) => Err(CxError::invalid_argument(
                "gap",
                gap,
                "a share difference between 0 and 1, e.g. 0.06",
            )),
            _ => Ok(()),
        }
    }
}

/// Fong's test of whether the two most frequent categories differ by more than chance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FongTest {
    /// Count of the most frequent of M, O, A, I, R.
    pub a: u64,
    /// Count of the second most frequent.
    pub b: u64,
    /// All answers.
    pub n: u64,
    /// 1.65·√((a+b)(2n−a−b)/(2n)).
    pub threshold: f64,
    /// `|a − b| ≥ threshold`.
    pub significant: bool,
}

/// Fong's test for counts `a`, `b` of the two most frequent categories out of `n` answers.
///
/// ```
/// let test = cx_core::two_factor::fong_test(123, 95, 296)?;
/// assert!((test.threshold - 19.364).abs() < 1e-3 && test.significant);
/// # Ok::<(), cx_core::CxError>(())
/// ```
pub fn fong_test(a: u64, b: u64, n: u64) -> Result<FongTest> {
    // In u128: a + b of two u64 counts may pass 2^64 − 1.
    let a_plus_b = u128::from(a) + u128::from(b);
    if n == 0 || a_plus_b > u128::from(n) {
        return Err(CxError::invalid_argument(
            "n",
            n,
            format!("must be positive and at least a + b = {a_plus_b}"),
        ));
    }
    let (af, bf, nf) = (a as f64, b as f64, n as f64);
    let threshold = 1.65 * ((af + bf) * (2.0 * nf - af - bf) / (2.0 * nf)).sqrt();
    Ok(FongTest {
        a,
        b,
        n,
        threshold,
        significant: a.abs_diff(b) as f64 >= threshold,
    })
}

/// DuMouchel's continuous scores of an attribute: mean functional and dysfunctional scores, their SDs and the
/// quadrant they fall in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DuMouchel {
    /// Answer pairs scored (those not classified Q, which are contradictory).
    pub n: u64,
    /// Mean functional score (importance-weighted when importance is given).
    pub functional_mean: Option<f64>,
    /// Its standard deviation (sample SD; reliability-weighted when weighted); undefined for one pair.
    pub functional_sd: Option<f64>,
    /// Mean dysfunctional score.
    pub dysfunctional_mean: Option<f64>,
    /// Its standard deviation.
    pub dysfunctional_sd: Option<f64>,
    /// The split of both axes.
    pub split: f64,
    /// Both means above the split: O; functional only: A; dysfunctional only: M; neither: I; both below 0: R.
    pub quadrant: Option<Category>,
}

impl DuMouchel {
    /// Scores from the weights of each answer on each axis.
    pub(crate) fn of(functional: &AnswerWeights, dysfunctional: &AnswerWeights, split: f64) -> DuMouchel {
        let (functional_mean, functional_sd) = functional.mean_sd(Answer::functional_score);
        let (dysfunctional_mean, dysfunctional_sd) = dysfunctional.mean_sd(Answer::dysfunctional_score);
        let quadrant = functional_mean.zip(dysfunctional_mean).map(|(f, d)| match (f, d) {
            (f, d) if f < 0.0 && d < 0.0 => Category::R,
            (f, d) if f > split && d > split => Category::O,
            (f, _) if f > split => Category::A,
            (_, d) if d > split => Category::M,
            _ => Category::I,
        });
        DuMouchel {
            n: functional.n,
            functional_mean,
            functional_sd,
            dysfunctional_mean,
            dysfunctional_sd,
            split,
            quadrant,
        }
    }
}

/// The answers of one axis of one attribute, summed per answer: an answer has one score, so the weighted mean
/// and SD need only the weight of each answer and the sum of squared weights. A fixed size per attribute, where
/// a list of every pair cost a growing buffer per attribute.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct AnswerWeights {
    /// Pairs counted.
    n: u64,
    /// Σ w per answer, in [`Answer::ALL`] order.
    weight: [f64; 5],
    /// Σ w² over every pair.
    weight_squared: f64,
}

impl AnswerWeights {
    /// Counts one pair's answer with weight `w`.
    pub(crate) fn add(&mut self, answer: Answer, w: f64) {
        self.n += 1;
        self.weight[answer as usize] += w;
        self.weight_squared += w * w;
    }

    /// Weighted mean and reliability-weighted sample SD (Σw(x−m)² / (V1 − V2/V1), which is the n−1 sample
    /// variance when every weight is 1) of the answers' scores.
    fn mean_sd(&self, score: fn(Answer) -> f64) -> (Option<f64>, Option<f64>) {
        let v1: f64 = self.weight.iter().sum();
        if v1 <= 0.0 {
            return (None, None);
        }
        let weighted = || Answer::ALL.iter().map(|&a| (score(a), self.weight[a as usize]));
        let mean = weighted().map(|(x, w)| w * x).sum::<f64>() / v1;
        let denominator = v1 - self.weight_squared / v1;
        let ss: f64 = weighted().map(|(x, w)| w * (x - mean) * (x - mean)).sum();
        let sd = (denominator > 1e-12 * v1).then(|| (ss / denominator).sqrt());
        (Some(mean), sd)
    }
}

/// Counts, shares and the category of one attribute under a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KanoSummary {
    /// Answer pairs classified (all six categories).
    pub n: u64,
    /// Pairs per category.
    pub counts: PerCategory<u64>,
    /// Importance per category, when weighted; shares, rules, strengths and Better / Worse then use these.
    pub weighted_counts: Option<PerCategory<f64>>,
    /// Share of each category (Q included in the denominator); undefined with no (weight of) answers.
    pub shares: Option<PerCategory<f64>>,
    /// The category the rule chose; undefined on an unresolved tie or with no answers.
    pub category: Option<Category>,
    /// The categories the rule chose between: tied under `mode` / `oam_vs_irq`, within the gap under `m_o_a_i`.
    /// Empty when one category stood alone.
    pub contenders: Vec<Category>,
    /// The Herzberg view of the category.
    pub herzberg: Option<Herzberg>,
    /// Share of the most frequent of M, O, A, I, R minus share of the second.
    pub category_strength: Option<f64>,
    /// Share of A + O + M.
    pub total_strength: Option<f64>,
    /// Fong's test on the raw counts.
    pub fong: Option<FongTest>,
    /// (A + O) / (A + O + M + I); undefined when that is 0.
    pub better: Option<f64>,
    /// −(O + M) / (A + O + M + I); undefined when that is 0.
    pub worse: Option<f64>,
}

/// M, O, A, I, R: the categories strength and Fong compare, in the order of the `m_o_a_i` rule.
const RANKED: [Category; 5] = [Category::M, Category::O, Category::A, Category::I, Category::R];

/// Summarises counts (and importance weights, when given) under a rule. Counts whose total exceeds 2^64 − 1 are
/// refused with [`CxError::Overflow`].
pub(crate) fn summarise(
    counts: &PerCategory<u64>,
    weights: Option<&PerCategory<f64>>,
    rule: &CategoryRule,
) -> Result<KanoSummary> {
    let mass = weights.copied().unwrap_or_else(|| counts.map(|c| c as f64));
    let n = (Category::ALL.iter())
        .try_fold(0u64, |n, &c| n.checked_add(counts.get(c)))
        .ok_or_else(|| CxError::overflow(format!("Kano counts {counts:?} add up past 2^64 - 1")))?;
    let total: f64 = Category::ALL.iter().map(|&c| mass.get(c)).sum();
    let fong = (n > 0).then(|| {
        let (a, b) = top_two(&RANKED.map(|c| counts.get(c)));
        fong_test(counts.get(RANKED[a]), counts.get(RANKED[b]), n).expect("a + b <= n > 0")
    });
    let aomi = mass.a + mass.o + mass.m + mass.i;
    let better = (aomi > 0.0).then(|| (mass.a + mass.o) / aomi);
    let worse = (aomi > 0.0).then(|| -(mass.o + mass.m) / aomi);
    let mut summary = KanoSummary {
        n,
        counts: *counts,
        weighted_counts: weights.copied(),
        shares: None,
        category: None,
        contenders: Vec::new(),
        herzberg: None,
        category_strength: None,
        total_strength: None,
        fong,
        better,
        worse,
    };
    if total <= 0.0 {
        return Ok(summary);
    }
    let shares = mass.map(|m| m / total);
    // The rules decide on the counts themselves (exact integers when unweighted), not on the float shares: a
    // share difference or sum rounds either way of an exact tie.
    let (first, second, (category, contenders)) = match weights {
        None => decide(&counts.map(u128::from), u128::from(n), rule),
        Some(w) => decide(w, total, rule),
    };
    summary.shares = Some(shares);
    summary.category = category;
    summary.contenders = contenders;
    summary.herzberg = category.map(Category::herzberg);
    summary.category_strength = Some(shares.get(first) - shares.get(second));
    summary.total_strength = Some(shares.a + shares.o + shares.m);
    Ok(summary)
}

/// What the rules compare: counts as integers (`u128`, so sums of `u64` counts cannot wrap) or importance
/// weights.
trait Mass: Copy + PartialOrd + std::ops::Add<Output = Self> + std::ops::Sub<Output = Self> {
    fn to_f64(self) -> f64;
}

impl Mass for u128 {
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl Mass for f64 {
    fn to_f64(self) -> f64 {
        self
    }
}

/// Whether a difference of `difference` out of `total` is within a share `gap`: `difference ≤ gap · total`, the
/// product rounded once. For counts the difference is an exact integer, and a gap written as a short decimal
/// times a count that makes it whole rounds to that whole number, so 6 in 100 is within a gap of 0.06 (while the
/// float shares 0.53 − 0.47 come out just above 0.06).
fn within_gap<T: Mass>(difference: T, gap: f64, total: T) -> bool {
    difference.to_f64() <= gap * total.to_f64()
}

/// The most frequent and second most frequent of M, O, A, I, R, and the rule's choice.
fn decide<T: Mass>(
    mass: &PerCategory<T>,
    total: T,
    rule: &CategoryRule,
) -> (Category, Category, (Option<Category>, Vec<Category>)) {
    let (first, second) = top_two(&RANKED.map(|c| mass.get(c)));
    let (first, second) = (RANKED[first], RANKED[second]);
    (first, second, choose(mass, total, rule, first, second))
}

/// Indices of the largest and second largest values (earlier index first on equal values).
fn top_two<T: PartialOrd>(values: &[T; 5]) -> (usize, usize) {
    let mut order = [0, 1, 2, 3, 4];
    // Masses are never NaN (importance is checked finite), so `partial_cmp` always answers.
    let by_value = |x: &usize, y: &usize| values[*y].partial_cmp(&values[*x]).unwrap_or(std::cmp::Ordering::Equal);
    order.sort_by(|x, y| by_value(x, y).then(x.cmp(y)));
    (order[0], order[1])
}

/// The largest mass of `among`.
fn top_of<T: Mass>(mass: &PerCategory<T>, among: &[Category]) -> T {
    (among.iter().map(|&c| mass.get(c)))
        .reduce(|top, m| if m > top { m } else { top })
        .expect("categories to choose from")
}

/// The most frequent of `among`: one category, or none and the tied ones.
fn most_frequent<T: Mass>(mass: &PerCategory<T>, among: &[Category]) -> (Option<Category>, Vec<Category>) {
    let top = top_of(mass, among);
    let tied: Vec<Category> = among.iter().copied().filter(|&c| mass.get(c) == top).collect();
    match tied.as_slice() {
        [only] => (Some(*only), Vec::new()),
        _ => (None, tied),
    }
}

fn choose<T: Mass>(
    mass: &PerCategory<T>,
    total: T,
    rule: &CategoryRule,
    first: Category,
    second: Category,
) -> (Option<Category>, Vec<Category>) {
    match *rule {
        CategoryRule::Mode => most_frequent(mass, &Category::ALL),
        CategoryRule::MOAI { gap } => {
            let top = mass.get(first);
            if mass.q > top {
                return (Some(Category::Q), Vec::new());
            }
            // The strength (first − second) within the gap is a tie.
            if !within_gap(top - mass.get(second), gap, total) {
                return most_frequent(mass, &RANKED);
            }
            // Within the gap of the top, the first in M > O > A > I > R order wins.
            let contenders: Vec<Category> = (RANKED.iter().copied())
                .filter(|&c| within_gap(top - mass.get(c), gap, total))
                .collect();
            (Some(contenders[0]), contenders)
        }
        CategoryRule::OamVsIrq => {
            let positive = mass.o + mass.a + mass.m;
            let rest = mass.i + mass.r + mass.q;
            if positive > rest {
                most_frequent(mass, &[Category::O, Category::A, Category::M])
            } else {
                most_frequent(mass, &[Category::I, Category::R, Category::Q])
            }
        }
    }
}

/// Summaries of attributes given as counts per category (e.g. from another tool or a report).
///
/// ```
/// use cx_core::two_factor::{Category, CategoryRule, PerCategory, kano_summary};
/// let counts = PerCategory { m: 9, o: 10, a: 1, i: 2, r: 3, q: 0 };
/// let by_mode = &kano_summary(&[counts], CategoryRule::Mode)?[0];
/// assert_eq!(by_mode.category, Some(Category::O));
/// let by_moai = &kano_summary(&[counts], CategoryRule::MOAI { gap: 0.06 })?[0];
/// assert_eq!(by_moai.category, Some(Category::M)); // strength 0.04 ≤ 0.06: M before O
/// # Ok::<(), cx_core::CxError>(())
/// ```
///
/// More than [`MAX_KANO_ATTRIBUTES`](super::MAX_KANO_ATTRIBUTES) attributes are refused with
/// [`CxError::LimitExceeded`], as in [`kano`](super::kano); counts of one attribute that add up past 2^64 − 1
/// with [`CxError::Overflow`].
pub fn kano_summary(counts: &[PerCategory<u64>], rule: CategoryRule) -> Result<Vec<KanoSummary>> {
    super::kano::check_attributes(counts.len())?;
    rule.check()?;
    counts.iter().map(|c| summarise(c, None, &rule)).collect()
}
