//! Scoring accounts: raw values → points (with staleness and percentiles over the scored population), points →
//! a weighted roll-up through the group tree with the missing policies, coverage, bands, overrides and trend.
//!
//! The roll-up: a group's value is Σ wᵢ·pointsᵢ / Σ wᵢ over its members that have a value (measures, or groups
//! with a value); the overall score is the same over the top level. A member's *effective weight* is its share of
//! the overall score after that renormalisation, so Σ effective weight × points = score: the explanation adds up.
//! *Coverage* is the share of the total weight (at full data) that was actually observed; imputed values
//! (`neutral`, `zero`) do not count as observed.

use super::population::Population;
use super::scorecard::{Action, Better, Condition, CutBelongs, MissingRule, Op, Scorecard, ScoringRule};
use crate::{CxError, Result, parallel};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const ROOT: usize = 0;

/// Columnar input: one array of raw values per measure, in scorecard order (NaN = missing), and optionally the
/// age in days of each observation (NaN = unknown, taken as fresh).
#[derive(Debug, Clone)]
pub struct Columns<'a> {
    /// `values[m][i]`: account `i`'s raw value of measure `m`.
    pub values: Vec<&'a [f64]>,
    /// `ages[m]`: the ages of measure `m`'s observations, if known.
    pub ages: Vec<Option<&'a [f64]>>,
}

impl<'a> Columns<'a> {
    /// Values without ages.
    pub fn new(values: Vec<&'a [f64]>) -> Columns<'a> {
        let ages = vec![None; values.len()];
        Columns { values, ages }
    }

    fn n_accounts(&self) -> usize {
        self.values.first().map_or(0, |v| v.len())
    }
}

/// Why a measure has or lacks a value for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A fresh value was scored.
    Observed,
    /// No value.
    Missing,
    /// A value older than `max_age_days`, treated as missing.
    Stale,
}

/// Movement against the previous snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Up by more than the tolerance.
    Up,
    /// Down by more than the tolerance.
    Down,
    /// Within the tolerance.
    Flat,
}

/// Per measure per account: points (NaN = excluded) and status.
type PointsAndStatus = (Vec<Vec<f64>>, Vec<Vec<Status>>);

/// Fewer accounts than this per thread are not worth a thread.
const MIN_ACCOUNTS_PER_THREAD: usize = 1 << 15;

/// What the roll-up of every account reads: the input, each measure's points and status, and the overrides'
/// conditions with their measures resolved.
#[derive(Clone, Copy)]
struct Measured<'a, 'c> {
    columns: &'a Columns<'c>,
    points: &'a [Vec<f64>],
    status: &'a [Vec<Status>],
    previous: Option<&'a [f64]>,
    conditions: &'a [(&'a Condition, usize)],
}

/// The per-account columns of a [`Batch`] for one range of accounts, written by one thread.
struct Rows<'o> {
    score: &'o mut [f64],
    band: &'o mut [Option<usize>],
    coverage: &'o mut [f64],
    fired: &'o mut [Option<usize>],
    delta: &'o mut [f64],
    trend: &'o mut [Option<Direction>],
    contribution: Vec<&'o mut [f64]>,
}

impl<'o> Rows<'o> {
    /// The first `at` accounts and the rest.
    fn split_at(self, at: usize) -> (Rows<'o>, Rows<'o>) {
        let (score, score_rest) = self.score.split_at_mut(at);
        let (band, band_rest) = self.band.split_at_mut(at);
        let (coverage, coverage_rest) = self.coverage.split_at_mut(at);
        let (fired, fired_rest) = self.fired.split_at_mut(at);
        let (delta, delta_rest) = self.delta.split_at_mut(at);
        let (trend, trend_rest) = self.trend.split_at_mut(at);
        let (contribution, contribution_rest) = self.contribution.into_iter().map(|c| c.split_at_mut(at)).unzip();
        (
            Rows {
                score,
                band,
                coverage,
                fired,
                delta,
                trend,
                contribution,
            },
            Rows {
                score: score_rest,
                band: band_rest,
                coverage: coverage_rest,
                fired: fired_rest,
                delta: delta_rest,
                trend: trend_rest,
                contribution: contribution_rest,
            },
        )
    }
}

/// The scorecard's group tree flattened into index arrays: node 0 is the overall score, node `g + 1` is
/// `groups[g]`.
#[derive(Debug, Clone)]
struct Tree {
    node_parent: Vec<usize>,
    node_weight: Vec<f64>,
    /// Non-root nodes, every child before its parent.
    bottom_up: Vec<usize>,
    measure_parent: Vec<usize>,
    /// Each measure's share of the score when every measure has a value.
    nominal_share: Vec<f64>,
}

impl Tree {
    /// Linear in the size of the scorecard, however deep the groups nest, and without recursion (a search per
    /// group for its parent and a walk to the root per node made a 100k-deep chain take minutes).
    fn of(card: &Scorecard) -> Result<Tree> {
        let node_of: HashMap<&str, usize> = (card.groups.iter().enumerate())
            .map(|(g, group)| (group.id.as_str(), g + 1))
            .collect();
        let group_node = |id: &str| node_of.get(id).copied();
        let n_nodes = card.groups.len() + 1;
        let mut node_parent = vec![usize::MAX; n_nodes];
        let mut node_weight = vec![1.0; n_nodes];
        for (g, group) in card.groups.iter().enumerate() {
            node_parent[g + 1] = group.parent.as_deref().and_then(group_node).unwrap_or(ROOT);
            node_weight[g + 1] = group.weight;
        }
        let measure_parent: Vec<usize> = (card.measures.iter())
            .map(|m| m.group.as_deref().and_then(group_node).unwrap_or(ROOT))
            .collect();
        // Each node's depth, computed once: walk up to a node of known depth, then number the path on the way
        // back. The scorecard was validated, so every walk ends at the root.
        let mut depth = vec![usize::MAX; n_nodes];
        depth[ROOT] = 0;
        let mut path = Vec::new();
        for start in 1..n_nodes {
            let mut node = start;
            while depth[node] == usize::MAX {
                path.push(node);
                node = node_parent[node];
            }
            let mut d = depth[node];
            while let Some(below) = path.pop() {
                d += 1;
                depth[below] = d;
            }
        }
        // Deepest first, and in scorecard order within a depth (a stable sort), so sums over siblings add in the
        // same order as before.
        let mut bottom_up: Vec<usize> = (1..n_nodes).collect();
        bottom_up.sort_by_key(|&node| std::cmp::Reverse(depth[node]));

        // Total weight of each node's children, and whether each node has a measure below it.
        let mut child_weight = vec![0.0; n_nodes];
        let mut has_measure = vec![false; n_nodes];
        for (m, &parent) in measure_parent.iter().enumerate() {
            child_weight[parent] += card.measures[m].weight;
            has_measure[parent] = true;
        }
        for &node in &bottom_up {
            child_weight[node_parent[node]] += node_weight[node];
            if has_measure[node] {
                has_measure[node_parent[node]] = true;
            }
        }
        if let Some(g) = (1..n_nodes).find(|&node| !has_measure[node]) {
            return Err(CxError::InvalidConfig {
                what: "scorecard".into(),
                field: format!("groups[{}]", g - 1),
                reason: format!("group `{}` has no measures under it", card.groups[g - 1].id),
            });
        }
        let mut node_share = vec![1.0; n_nodes];
        for &node in bottom_up.iter().rev() {
            let parent = node_parent[node];
            node_share[node] = node_share[parent] * node_weight[node] / child_weight[parent];
        }
        let nominal_share = (measure_parent.iter().enumerate())
            .map(|(m, &parent)| node_share[parent] * card.measures[m].weight / child_weight[parent])
            .collect();
        Ok(Tree {
            node_parent,
            node_weight,
            bottom_up,
            measure_parent,
            nominal_share,
        })
    }
}

/// Scratch buffers of one roll-up, reused across accounts.
#[derive(Debug, Clone)]
struct Rollup {
    sum_w: Vec<f64>,
    sum_wv: Vec<f64>,
    node_value: Vec<f64>,
    node_share: Vec<f64>,
}

impl Rollup {
    fn new(tree: &Tree) -> Rollup {
        let n = tree.node_parent.len();
        Rollup {
            sum_w: vec![0.0; n],
            sum_wv: vec![0.0; n],
            node_value: vec![f64::NAN; n],
            node_share: vec![0.0; n],
        }
    }

    /// Rolls `points` (NaN = no value) up the tree; fills `shares` with each measure's effective weight and
    /// returns the overall value (NaN if nothing has a value).
    fn run(&mut self, tree: &Tree, weights: &[f64], points: &[f64], shares: &mut [f64]) -> f64 {
        self.sum_w.fill(0.0);
        self.sum_wv.fill(0.0);
        for (m, &p) in points.iter().enumerate() {
            if !p.is_nan() {
                let parent = tree.measure_parent[m];
                self.sum_w[parent] += weights[m];
                self.sum_wv[parent] += weights[m] * p;
            }
        }
        for &node in &tree.bottom_up {
            self.node_value[node] = if self.sum_w[node] > 0.0 {
                self.sum_wv[node] / self.sum_w[node]
            } else {
                f64::NAN
            };
            if self.sum_w[node] > 0.0 {
                let parent = tree.node_parent[node];
                self.sum_w[parent] += tree.node_weight[node];
                self.sum_wv[parent] += tree.node_weight[node] * self.node_value[node];
            }
        }
        let total = self.sum_w[ROOT];
        self.node_value[ROOT] = if total > 0.0 {
            self.sum_wv[ROOT] / total
        } else {
            f64::NAN
        };
        self.node_share[ROOT] = 1.0;
        for &node in tree.bottom_up.iter().rev() {
            let parent = tree.node_parent[node];
            self.node_share[node] = if self.node_value[node].is_nan() {
                0.0
            } else {
                self.node_share[parent] * tree.node_weight[node] / self.sum_w[parent]
            };
        }
        for (m, share) in shares.iter_mut().enumerate() {
            let parent = tree.measure_parent[m];
            *share = if points[m].is_nan() {
                0.0
            } else {
                self.node_share[parent] * weights[m] / self.sum_w[parent]
            };
        }
        self.node_value[ROOT]
    }
}

/// Percentile points of every observed value (others NaN): the mid-rank percentile within the observed values
/// (the share below plus half the share tied, so ties share one percentile). One sort and one sequential pass,
/// rather than a binary search per account, which costs a cache miss per step on large populations.
fn percentiles(values: &[f64], status: &[Status], better: Better) -> Vec<f64> {
    let mut fresh: Vec<(f64, u32)> = (0..values.len())
        .filter(|&i| status[i] == Status::Observed)
        .map(|i| (values[i], i as u32))
        .collect();
    fresh.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut out = vec![f64::NAN; values.len()];
    let n = fresh.len() as f64;
    let mut start = 0;
    while start < fresh.len() {
        let end = start + fresh[start..].iter().take_while(|x| x.0 == fresh[start].0).count();
        let points = percentile_points(start as u64, (end - start) as u64, n, better);
        for &(_, i) in &fresh[start..end] {
            out[i as usize] = points;
        }
        start = end;
    }
    out
}

/// The mid-rank percentile points of a value with `below` values under it and `tied` equal to it among `n`.
pub(super) fn percentile_points(below: u64, tied: u64, n: f64, better: Better) -> f64 {
    let pct = 100.0 * (below as f64 + 0.5 * tied as f64) / n;
    match better {
        Better::Higher => pct,
        Better::Lower => 100.0 - pct,
    }
}

/// Points (0–100) of one raw value under a rule other than `percentile` (which needs the population).
fn points_of(rule: &ScoringRule, value: f64) -> f64 {
    match rule {
        ScoringRule::Linear { bad, good } => (100.0 * (value - bad) / (good - bad)).clamp(0.0, 100.0),
        ScoringRule::Bands {
            cuts,
            points,
            cut_belongs,
        } => {
            let step = match cut_belongs {
                CutBelongs::Upper => cuts.partition_point(|&c| c <= value),
                CutBelongs::Lower => cuts.partition_point(|&c| c < value),
            };
            points[step]
        }
        ScoringRule::Target { target, cap } => (100.0 * value / target).clamp(0.0, *cap),
        ScoringRule::Percentile { .. } => unreachable!("percentile points come from `percentiles`"),
    }
}

/// The scores of a population of accounts, columnar. Per-measure columns are in scorecard order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// Overall score 0–100, NaN where the data are insufficient (coverage below the minimum).
    pub score: Vec<f64>,
    /// Overall band index (0 = worst), `None` with insufficient data unless an override forced a band.
    pub band: Vec<Option<usize>>,
    /// Share of the total weight observed, 0–1.
    pub coverage: Vec<f64>,
    /// Index of the override that fired, if any.
    pub fired: Vec<Option<usize>>,
    /// Score − previous score (NaN without both).
    pub delta: Vec<f64>,
    /// Movement against the previous snapshot.
    pub trend: Vec<Option<Direction>>,
    /// `points[m][i]`: measure `m`'s points for account `i` (imputed points included; NaN = excluded).
    pub points: Vec<Vec<f64>>,
    /// `contribution[m][i]`: effective weight × points, so the contributions of an account sum to its score.
    pub contribution: Vec<Vec<f64>>,
    /// `status[m][i]`: observed, missing or stale.
    pub status: Vec<Vec<Status>>,
}

/// One measure of an explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureExplanation {
    /// Measure id.
    pub id: String,
    /// Its label (or id).
    pub label: String,
    /// Its group, if any.
    pub group: Option<String>,
    /// The raw value given (NaN if none).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub raw: f64,
    /// Observed, missing or stale.
    pub status: Status,
    /// Whether the points were imputed by the missing policy.
    pub imputed: bool,
    /// Points 0–100 (NaN if excluded).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub points: f64,
    /// Nominal weight in the scorecard.
    pub weight: f64,
    /// Share of the overall score after renormalisation (0 if excluded).
    pub effective_weight: f64,
    /// effective_weight × points.
    pub contribution: f64,
    /// The measure's band name, if it has bands and points.
    pub band: Option<String>,
}

/// One group of an explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupExplanation {
    /// Group id.
    pub id: String,
    /// The group's value 0–100 (NaN if none of its members has a value).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub value: f64,
    /// Nominal weight among its siblings.
    pub weight: f64,
    /// Share of the overall score after renormalisation.
    pub effective_weight: f64,
    /// effective_weight × value.
    pub contribution: f64,
}

/// Why an account has its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The account's row.
    pub account: usize,
    /// The score (NaN with insufficient data).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub score: f64,
    /// The overall band name.
    pub band: Option<String>,
    /// Share of the total weight observed.
    pub coverage: f64,
    /// The minimum coverage of the scorecard.
    pub min_coverage: f64,
    /// The override that fired, by id.
    pub override_fired: Option<String>,
    /// Score − previous (NaN without both).
    #[serde(with = "crate::serde_util::nan_as_null")]
    pub delta: f64,
    /// Movement against the previous snapshot.
    pub trend: Option<Direction>,
    /// Every measure.
    pub measures: Vec<MeasureExplanation>,
    /// Every group.
    pub groups: Vec<GroupExplanation>,
}

/// A scorecard checked and prepared for scoring.
#[derive(Debug, Clone)]
pub struct Scorer {
    card: Scorecard,
    tree: Tree,
    weights: Vec<f64>,
    /// Σ nominal shares (1 up to rounding), the denominator of coverage.
    total_share: f64,
    /// Each measure's place among the percentile measures (the order of a [`Population`]'s measures).
    percentile_slot: Vec<usize>,
}

impl Scorer {
    /// Validates `card` and flattens its group tree.
    pub fn new(card: Scorecard) -> Result<Scorer> {
        card.validate()?;
        let tree = Tree::of(&card)?;
        let weights = card.measures.iter().map(|m| m.weight).collect();
        let total_share = tree.nominal_share.iter().sum();
        let percentile_slot = (card.measures.iter())
            .scan(0, |next, m| {
                let slot = *next;
                *next += usize::from(matches!(m.scoring, ScoringRule::Percentile { .. }));
                Some(slot)
            })
            .collect();
        Ok(Scorer {
            card,
            tree,
            weights,
            total_share,
            percentile_slot,
        })
    }

    /// The scorecard.
    pub fn scorecard(&self) -> &Scorecard {
        &self.card
    }

    /// Each measure's share of the score when every measure has a value (sums to 1).
    pub fn nominal_weights(&self) -> &[f64] {
        &self.tree.nominal_share
    }

    fn check_columns(&self, columns: &Columns<'_>, previous: Option<&[f64]>) -> Result<usize> {
        let n_measures = self.card.measures.len();
        CxError::check_len("measure columns", n_measures, columns.values.len())?;
        CxError::check_len("age columns", n_measures, columns.ages.len())?;
        let n = columns.n_accounts();
        for (m, measure) in self.card.measures.iter().enumerate() {
            CxError::check_len(&format!("measure '{}'", measure.id), n, columns.values[m].len())?;
            if let Some(ages) = columns.ages[m] {
                CxError::check_len(&format!("ages of measure '{}'", measure.id), n, ages.len())?;
            }
        }
        if let Some(p) = previous {
            CxError::check_len("previous scores", n, p.len())?;
        }
        Ok(n)
    }

    /// Each account's status for measure `m`: observed, stale (older than its `max_age_days`) or missing.
    fn statuses(&self, m: usize, columns: &Columns<'_>, n: usize) -> Result<Vec<Status>> {
        let measure = &self.card.measures[m];
        let values = columns.values[m];
        if let Some(i) = values.iter().position(|v| v.is_infinite()) {
            return Err(CxError::invalid_argument(
                format!("measure '{}' at index {i}", measure.id),
                values[i],
                "raw values must be finite (NaN marks a missing value)",
            ));
        }
        let max_age = measure.max_age_days.unwrap_or(f64::INFINITY);
        Ok((0..n)
            .map(|i| {
                let stale = columns.ages[m].is_some_and(|ages| ages[i] > max_age);
                if values[i].is_nan() {
                    Status::Missing
                } else if stale {
                    Status::Stale
                } else {
                    Status::Observed
                }
            })
            .collect())
    }

    /// The observed values of every percentile measure: the population that [`Scorer::score_in`] ranks
    /// against. Populations of the partitions of a table merge into the table's.
    pub fn population(&self, columns: &Columns<'_>) -> Result<Population> {
        let n = self.check_columns(columns, None)?;
        let mut population = Population::new(&self.card);
        for (m, measure) in self.card.measures.iter().enumerate() {
            if matches!(measure.scoring, ScoringRule::Percentile { .. }) {
                let status = self.statuses(m, columns, n)?;
                let observed = (0..n).filter(|&i| status[i] == Status::Observed);
                population.add(
                    self.percentile_slot[m],
                    &measure.id,
                    observed.map(|i| columns.values[m][i]),
                );
            }
        }
        Ok(population)
    }

    /// Points (imputed ones included) and status, per measure per account; percentiles rank within `population`
    /// when given, else within these accounts. The measures are shared among up to `threads` threads.
    fn measure_points(
        &self,
        columns: &Columns<'_>,
        n: usize,
        population: Option<&Population>,
        threads: usize,
    ) -> Result<PointsAndStatus> {
        let ranges = parallel::ranges(self.card.measures.len(), threads, 1);
        let parts = parallel::run(&ranges, |measures| {
            measures
                .map(|m| self.measure_column(m, columns, n, population))
                .collect::<Result<Vec<_>>>()
        })?;
        Ok(parts.into_iter().flatten().unzip())
    }

    /// Measure `m`'s points and status for every account.
    fn measure_column(
        &self,
        m: usize,
        columns: &Columns<'_>,
        n: usize,
        population: Option<&Population>,
    ) -> Result<(Vec<f64>, Vec<Status>)> {
        let measure = &self.card.measures[m];
        let values = columns.values[m];
        let status = self.statuses(m, columns, n)?;
        let percentiles = match (&measure.scoring, population) {
            (ScoringRule::Percentile { better }, None) => percentiles(values, &status, *better),
            (ScoringRule::Percentile { better }, Some(p)) => {
                p.percentiles(self.percentile_slot[m], &measure.id, values, &status, *better)?
            }
            _ => Vec::new(),
        };
        let mut points = Vec::with_capacity(n);
        for i in 0..n {
            points.push(match (status[i], measure.missing) {
                (Status::Observed, _) if !percentiles.is_empty() => percentiles[i],
                (Status::Observed, _) => points_of(&measure.scoring, values[i]),
                (_, MissingRule::Exclude) => f64::NAN,
                (_, MissingRule::Neutral { points }) => points,
                (_, MissingRule::Zero) => 0.0,
                (_, MissingRule::Error) => {
                    return Err(CxError::MissingValue {
                        what: format!("measure '{}'", measure.id),
                        index: i,
                    });
                }
            });
        }
        Ok((points, status))
    }

    /// Whether a condition (its measure resolved to an index) holds for account `i`.
    fn fires(&self, (condition, m): (&Condition, usize), i: usize, measured: &Measured<'_, '_>) -> bool {
        match condition {
            Condition::Value { op, value, .. } => {
                let v = measured.columns.values[m][i];
                measured.status[m][i] == Status::Observed
                    && match op {
                        Op::Lt => v < *value,
                        Op::Le => v <= *value,
                        Op::Gt => v > *value,
                        Op::Ge => v >= *value,
                        Op::Eq => v == *value,
                    }
            }
            Condition::Missing { .. } => measured.status[m][i] != Status::Observed,
            Condition::Band { band, .. } => {
                let bands = self.card.measures[m].bands.as_ref().expect("validated");
                let p = measured.points[m][i];
                !p.is_nan() && bands.names[bands.index_of(p)] == *band
            }
        }
    }

    /// Scores every account of `columns`; `previous` holds last snapshot's scores (NaN = none) for the trend.
    ///
    /// ```
    /// use cx_core::health::{Columns, Scorecard, Scorer};
    ///
    /// let card = Scorecard::from_json(r#"{
    ///   "version": 1, "name": "demo",
    ///   "measures": [
    ///     {"id": "logins", "weight": 2, "scoring": {"rule": "linear", "bad": 0, "good": 20}},
    ///     {"id": "tickets", "weight": 1, "scoring": {"rule": "linear", "bad": 10, "good": 0}}
    ///   ],
    ///   "bands": {"names": ["red", "yellow", "green"], "cuts": [50, 75]}
    /// }"#)?;
    /// let scorer = Scorer::new(card)?;
    /// let logins = [20.0, 5.0, f64::NAN];
    /// let tickets = [0.0, 8.0, 2.0];
    /// let batch = scorer.score(&Columns::new(vec![&logins, &tickets]), None)?;
    /// assert_eq!(batch.score[0], 100.0);
    /// assert!((batch.score[1] - (2.0 * 25.0 + 20.0) / 3.0).abs() < 1e-12); // 23.3: red
    /// assert_eq!(batch.band[1], Some(0));
    /// assert!(batch.score[2].is_nan()); // a third of the weight observed: below the default 0.5 coverage
    /// # Ok::<(), cx_core::CxError>(())
    /// ```
    pub fn score(&self, columns: &Columns<'_>, previous: Option<&[f64]>) -> Result<Batch> {
        self.score_threads(columns, previous, None, 1)
    }

    /// Scores the accounts of `columns` with percentile measures ranked within `population` (from
    /// [`Scorer::population`], typically merged over every partition of the table) instead of within these
    /// accounts: scoring each partition against the table's population gives the scores of the whole table.
    pub fn score_in(&self, columns: &Columns<'_>, previous: Option<&[f64]>, population: &Population) -> Result<Batch> {
        self.score_threads(columns, previous, Some(population), 1)
    }

    /// [`Scorer::score`] (or [`Scorer::score_in`] with a `population`) on up to `threads` threads: the measures'
    /// points are computed a share of the measures per thread, then the accounts are rolled up a range per
    /// thread. The batch, and any error, equal one thread's.
    pub fn score_threads(
        &self,
        columns: &Columns<'_>,
        previous: Option<&[f64]>,
        population: Option<&Population>,
        threads: usize,
    ) -> Result<Batch> {
        let n = self.check_columns(columns, previous)?;
        let accounts = parallel::ranges(n, threads, MIN_ACCOUNTS_PER_THREAD);
        let (points, status) = self.measure_points(columns, n, population, accounts.len())?;
        let n_measures = self.card.measures.len();
        let mut batch = Batch {
            score: vec![f64::NAN; n],
            band: vec![None; n],
            coverage: vec![0.0; n],
            fired: vec![None; n],
            delta: vec![f64::NAN; n],
            trend: vec![None; n],
            points,
            contribution: vec![vec![0.0; n]; n_measures],
            status,
        };
        // Each override's condition with its measure resolved to an index once, not per account, through a map
        // (a search per override is quadratic in a large scorecard).
        let measure_index: HashMap<&str, usize> = (self.card.measures.iter().enumerate())
            .map(|(m, measure)| (measure.id.as_str(), m))
            .collect();
        let conditions: Vec<(&Condition, usize)> = (self.card.overrides.iter())
            .map(|o| {
                let id = match &o.condition {
                    Condition::Value { measure, .. }
                    | Condition::Missing { measure }
                    | Condition::Band { measure, .. } => measure,
                };
                (&o.condition, *measure_index.get(id.as_str()).expect("validated"))
            })
            .collect();
        let measured = Measured {
            columns,
            points: &batch.points,
            status: &batch.status,
            previous,
            conditions: &conditions,
        };
        let mut rest = Rows {
            score: &mut batch.score,
            band: &mut batch.band,
            coverage: &mut batch.coverage,
            fired: &mut batch.fired,
            delta: &mut batch.delta,
            trend: &mut batch.trend,
            contribution: batch.contribution.iter_mut().map(Vec::as_mut_slice).collect(),
        };
        let mut parts = Vec::with_capacity(accounts.len());
        for range in &accounts {
            let (head, tail) = rest.split_at(range.len());
            parts.push((range.start, head));
            rest = tail;
        }
        parallel::each(parts, |(start, rows)| self.roll_up(&measured, start, rows));
        Ok(batch)
    }

    /// Rolls up the accounts `start..start + rows.len()`: score, band, coverage, contributions, overrides, trend.
    fn roll_up(&self, measured: &Measured<'_, '_>, start: usize, mut rows: Rows<'_>) {
        let Measured {
            points,
            status,
            previous,
            conditions,
            ..
        } = *measured;
        let n_measures = self.card.measures.len();
        let mut rollup = Rollup::new(&self.tree);
        let (mut row, mut shares) = (vec![0.0; n_measures], vec![0.0; n_measures]);
        for j in 0..rows.score.len() {
            let i = start + j;
            for m in 0..n_measures {
                row[m] = points[m][i];
            }
            let value = rollup.run(&self.tree, &self.weights, &row, &mut shares);
            // Divided by the same sum over every measure, so full data is exactly 1 despite rounding.
            let observed: f64 = (0..n_measures)
                .filter(|&m| status[m][i] == Status::Observed)
                .map(|m| self.tree.nominal_share[m])
                .sum();
            rows.coverage[j] = observed / self.total_share;
            let enough = !value.is_nan() && rows.coverage[j] >= self.card.min_coverage;
            if enough {
                rows.score[j] = value;
                rows.band[j] = Some(self.card.bands.index_of(value));
                for m in 0..n_measures {
                    rows.contribution[m][j] = shares[m] * if row[m].is_nan() { 0.0 } else { row[m] };
                }
            }
            if let Some(k) = (0..conditions.len()).find(|&k| self.fires(conditions[k], i, measured)) {
                rows.fired[j] = Some(k);
                let bands = &self.card.bands;
                match &self.card.overrides[k].action {
                    Action::ForceBand { band: name } => rows.band[j] = bands.position(name),
                    Action::CapBand { band: name } => {
                        let cap = bands.position(name).expect("validated");
                        rows.band[j] = rows.band[j].map(|b| b.min(cap));
                    }
                    Action::CapScore { score: cap } => {
                        if rows.score[j] > *cap {
                            let scale = cap / rows.score[j];
                            rows.score[j] = *cap;
                            rows.band[j] = Some(bands.index_of(*cap));
                            // Scale the contributions so they still add up to the (capped) score.
                            for column in rows.contribution.iter_mut() {
                                column[j] *= scale;
                            }
                        }
                    }
                }
            }
            if let Some(prev) = previous.map(|p| p[i])
                && !prev.is_nan()
                && !rows.score[j].is_nan()
            {
                let delta = rows.score[j] - prev;
                rows.delta[j] = delta;
                let tol = self.card.trend_tolerance;
                rows.trend[j] = Some(if delta > tol {
                    Direction::Up
                } else if delta < -tol {
                    Direction::Down
                } else {
                    Direction::Flat
                });
            }
        }
    }

    /// Explains account `i` of a batch scored from `columns`.
    pub fn explain(&self, columns: &Columns<'_>, batch: &Batch, i: usize) -> Result<Explanation> {
        let n = columns.n_accounts();
        if i >= n || batch.score.len() != n {
            return Err(CxError::invalid_argument(
                "account",
                i,
                format!("not a row of the {n} scored accounts"),
            ));
        }
        let n_measures = self.card.measures.len();
        let row: Vec<f64> = (0..n_measures).map(|m| batch.points[m][i]).collect();
        let mut shares = vec![0.0; n_measures];
        let mut rollup = Rollup::new(&self.tree);
        rollup.run(&self.tree, &self.weights, &row, &mut shares);
        let enough = !batch.score[i].is_nan();
        let factor = if enough {
            // A score cap scales every contribution by the same factor.
            let total: f64 = (0..n_measures).map(|m| batch.contribution[m][i]).sum();
            let uncapped: f64 = (0..n_measures)
                .map(|m| shares[m] * if row[m].is_nan() { 0.0 } else { row[m] })
                .sum();
            if uncapped > 0.0 { total / uncapped } else { 1.0 }
        } else {
            0.0
        };
        let measures = (self.card.measures.iter().enumerate())
            .map(|(m, measure)| {
                let points = row[m];
                let status = batch.status[m][i];
                MeasureExplanation {
                    id: measure.id.clone(),
                    label: measure.label.clone().unwrap_or_else(|| measure.id.clone()),
                    group: measure.group.clone(),
                    raw: columns.values[m][i],
                    status,
                    imputed: status != Status::Observed && !points.is_nan(),
                    points,
                    weight: measure.weight,
                    effective_weight: shares[m],
                    contribution: batch.contribution[m][i],
                    band: (measure.bands.as_ref())
                        .filter(|_| !points.is_nan())
                        .map(|b| b.names[b.index_of(points)].clone()),
                }
            })
            .collect();
        let groups = (self.card.groups.iter().enumerate())
            .map(|(g, group)| {
                let (value, share) = (rollup.node_value[g + 1], rollup.node_share[g + 1]);
                GroupExplanation {
                    id: group.id.clone(),
                    value,
                    weight: group.weight,
                    effective_weight: share,
                    contribution: if value.is_nan() { 0.0 } else { share * value * factor },
                }
            })
            .collect();
        Ok(Explanation {
            account: i,
            score: batch.score[i],
            band: batch.band[i].map(|b| self.card.bands.names[b].clone()),
            coverage: batch.coverage[i],
            min_coverage: self.card.min_coverage,
            override_fired: batch.fired[i].map(|k| self.card.overrides[k].id.clone()),
            delta: batch.delta[i],
            trend: batch.trend[i],
            measures,
            groups,
        })
    }
}
