//! Each method against an independent calculation: brute force over per-respondent data, numerical inversion
//! of a test, or a published example. None of these reuse the closed forms in the library.

use cx_core::stats::{binomial_cdf, z_for_level};
use cx_core::survey::{
    CompareMethod, EstimateOptions, Histogram, IntervalMethod, MetricSpec, MissingPolicy, OneSampleTest, Scoring,
    compare, compare_paired, estimate, histogram_from_category_counts, one_sample_test, score,
};

const Z95: f64 = 1.959_963_984_540_054;

fn with(method: &str) -> EstimateOptions {
    EstimateOptions {
        interval: Some(IntervalMethod::parse(method).unwrap()),
        ..Default::default()
    }
}

fn binary(k: u64, n: u64) -> Histogram {
    histogram_from_category_counts(&MetricSpec::binary_csat(), n - k, 0, k).unwrap()
}

/// Bisection for an increasing function's root on (lo, hi).
fn solve_increasing(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < 0.0 { lo = mid } else { hi = mid }
    }
    0.5 * (lo + hi)
}

fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() < tol, "{what}: got {got}, want {want}");
}

#[test]
fn wilson_inverts_the_score_test() {
    for (k, n) in [(13u64, 16u64), (1, 40), (39, 40), (250, 1000)] {
        let e = estimate(&MetricSpec::binary_csat(), &binary(k, n), &with("wilson")).unwrap();
        let p_hat = k as f64 / n as f64;
        let score_z = |pi: f64| (p_hat - pi) / (pi * (1.0 - pi) / n as f64).sqrt();
        // The limits are the π where the score statistic is ±z.
        let lo = solve_increasing(|pi| Z95 - score_z(pi), 1e-12, p_hat);
        let hi = solve_increasing(|pi| -score_z(pi) - Z95, p_hat, 1.0 - 1e-12);
        assert_close("wilson low", e.ci_low / 100.0, lo, 1e-9);
        assert_close("wilson high", e.ci_high / 100.0, hi, 1e-9);
    }
}

#[test]
fn clopper_pearson_inverts_binomial_tails() {
    for (k, n) in [(13u64, 16u64), (1, 40), (39, 40), (7, 9)] {
        let e = estimate(&MetricSpec::binary_csat(), &binary(k, n), &with("clopper_pearson")).unwrap();
        // Lower: P(X ≥ k | π) = α/2; upper: P(X ≤ k | π) = α/2, from the binomial CDF rather than beta quantiles.
        let lo = solve_increasing(
            |pi| (1.0 - binomial_cdf(k - 1, n, pi).unwrap()) - 0.025,
            1e-12,
            1.0 - 1e-12,
        );
        let hi = solve_increasing(|pi| 0.025 - binomial_cdf(k, n, pi).unwrap(), 1e-12, 1.0 - 1e-12);
        assert_close("cp low", e.ci_low / 100.0, lo, 1e-7);
        assert_close("cp high", e.ci_high / 100.0, hi, 1e-7);
    }
}

/// The regularised incomplete beta function by Simpson's rule (a, b ≥ 1 so the integrand is bounded).
fn beta_cdf_numeric(x: f64, a: f64, b: f64) -> f64 {
    let density = |t: f64| t.powf(a - 1.0) * (1.0 - t).powf(b - 1.0);
    let simpson = |hi: f64| {
        let m = 20_000;
        let h = hi / m as f64;
        let mut s = density(0.0) + density(hi);
        for i in 1..m {
            s += density(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        s * h / 3.0
    };
    simpson(x) / simpson(1.0)
}

#[test]
fn jeffreys_matches_a_numerically_integrated_beta() {
    for (k, n) in [(13u64, 16u64), (5, 20), (3, 7)] {
        let e = estimate(&MetricSpec::binary_csat(), &binary(k, n), &with("jeffreys")).unwrap();
        let (a, b) = (k as f64 + 0.5, (n - k) as f64 + 0.5);
        let lo = solve_increasing(|x| beta_cdf_numeric(x, a, b) - 0.025, 0.0, 1.0);
        let hi = solve_increasing(|x| beta_cdf_numeric(x, a, b) - 0.975, 0.0, 1.0);
        assert_close("jeffreys low", e.ci_low / 100.0, lo, 1e-6);
        assert_close("jeffreys high", e.ci_high / 100.0, hi, 1e-6);
    }
}

#[test]
fn agresti_coull_and_wald_by_hand() {
    // 30 of 50 at 95%: add-2-4 gives p̃ = 32/54; add-z² gives ñ = 50 + z², p̃ = (30 + z²/2)/ñ.
    let h = binary(30, 50);
    let spec = MetricSpec::binary_csat();
    let e = estimate(&spec, &h, &with("agresti_coull_add2")).unwrap();
    let p = 32.0 / 54.0;
    let half = Z95 * (p * (1.0 - p) / 54.0f64).sqrt();
    assert_close("ac add2 low", e.ci_low / 100.0, p - half, 1e-12);
    let e = estimate(&spec, &h, &with("agresti_coull_z2")).unwrap();
    let nt = 50.0 + Z95 * Z95;
    let p = (30.0 + Z95 * Z95 / 2.0) / nt;
    assert_close(
        "ac z2 high",
        e.ci_high / 100.0,
        p + Z95 * (p * (1.0 - p) / nt).sqrt(),
        1e-12,
    );
    let e = estimate(&spec, &h, &with("wald")).unwrap();
    assert_close("wald low", e.ci_low / 100.0, 0.6 - Z95 * (0.24f64 / 50.0).sqrt(), 1e-12);
}

/// Per-respondent NPS scores (+1/0/−1) expanded from counts.
fn expand(d: usize, q: usize, p: usize) -> Vec<f64> {
    [vec![-1.0; d], vec![0.0; q], vec![1.0; p]].concat()
}

fn mean_and_population_variance(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (m, xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n)
}

#[test]
fn nps_wald_and_adjusted_wald_from_expanded_respondents() {
    let spec = MetricSpec::nps();
    for (d, q, p) in [(16usize, 139usize, 6usize), (40, 25, 35), (3, 0, 9)] {
        let h = histogram_from_category_counts(&spec, d as u64, q as u64, p as u64).unwrap();
        let (m, var) = mean_and_population_variance(&expand(d, q, p));
        let se = (var / (d + q + p) as f64).sqrt();
        let e = estimate(&spec, &h, &with("wald")).unwrap();
        assert_close("wald low", e.ci_low / 100.0, (m - Z95 * se).max(-1.0), 1e-12);
        assert_close("wald high", e.ci_high / 100.0, (m + Z95 * se).min(1.0), 1e-12);
        // Adjusted Wald = Wald on data with pseudo-respondents; scale counts by 4 to make them whole
        // (0.75 → 3), which scales n by 4, so compare variances per respondent rather than intervals.
        let adjusted = expand(4 * d + 3, 4 * q + 6, 4 * p + 3);
        let (m_adj, var_adj) = mean_and_population_variance(&adjusted);
        let se_adj = (var_adj / ((d + q + p) as f64 + 3.0)).sqrt();
        let e = estimate(&spec, &h, &with("adjusted_wald")).unwrap();
        assert_close(
            "adjusted low",
            e.ci_low / 100.0,
            (m_adj - Z95 * se_adj).max(-1.0),
            1e-12,
        );
        assert_close(
            "adjusted high",
            e.ci_high / 100.0,
            (m_adj + Z95 * se_adj).min(1.0),
            1e-12,
        );
    }
}

/// Tango's statistic with the restricted MLE found by maximising the likelihood numerically (golden section),
/// instead of the closed-form root used in the library.
fn tango_statistic_numeric(p: f64, d: f64, n: f64, delta: f64) -> f64 {
    let loglik = |q: f64| p * (q + delta).ln() + d * q.ln() + (n - p - d) * (1.0 - 2.0 * q - delta).max(1e-300).ln();
    let (mut lo, mut hi) = ((-delta).max(0.0) + 1e-15, (1.0 - delta) / 2.0 - 1e-15);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..300 {
        let (a, b) = (hi - g * (hi - lo), lo + g * (hi - lo));
        if loglik(a) < loglik(b) { lo = a } else { hi = b }
    }
    let q = 0.5 * (lo + hi);
    (p - d - n * delta) / (n * (2.0 * q + delta * (1.0 - delta))).sqrt()
}

#[test]
fn tango_limits_solve_the_score_equation() {
    let spec = MetricSpec::nps();
    for (d, q, p) in [(16u64, 139u64, 6u64), (40, 25, 35), (3, 10, 9), (1, 1, 20)] {
        let h = histogram_from_category_counts(&spec, d, q, p).unwrap();
        let e = estimate(&spec, &h, &Default::default()).unwrap();
        let n = (d + q + p) as f64;
        let at = |delta: f64| tango_statistic_numeric(p as f64, d as f64, n, delta);
        assert_close("T(lower)", at(e.ci_low / 100.0), Z95, 1e-5);
        assert_close("T(upper)", at(e.ci_high / 100.0), -Z95, 1e-5);
    }
}

#[test]
fn bootstrap_agrees_with_wald_for_large_samples() {
    let spec = MetricSpec::nps();
    let h = histogram_from_category_counts(&spec, 2_000, 3_000, 5_000).unwrap();
    let boot = estimate(
        &spec,
        &h,
        &EstimateOptions {
            interval: Some(IntervalMethod::Bootstrap {
                replicates: 4000,
                seed: 42,
            }),
            ..Default::default()
        },
    )
    .unwrap();
    let wald = estimate(&spec, &h, &with("wald")).unwrap();
    assert_close("bootstrap low", boot.ci_low, wald.ci_low, 0.3);
    assert_close("bootstrap high", boot.ci_high, wald.ci_high, 0.3);
    assert_eq!(boot.method.name(), "bootstrap");
}

#[test]
fn t_interval_matches_r() {
    // R: t.test(c(1,2,3,4,5))$conf.int = 1.036757 4.963243
    let e = score(
        &MetricSpec::ces1_mean(),
        &[1.0, 2.0, 3.0, 4.0, 5.0],
        None,
        &Default::default(),
    )
    .unwrap();
    assert_close("mean", e.value, 3.0, 1e-12);
    assert_close("t low", e.ci_low, 1.036_757, 1e-6);
    assert_close("t high", e.ci_high, 4.963_243, 1e-6);
}

#[test]
fn weighted_estimates_match_brute_force_survey_formulas() {
    let spec = MetricSpec::nps();
    let scores = [10.0, 9.0, 7.0, 3.0, 0.0, 8.0, 10.0, 6.0];
    let weights = [1.5, 0.5, 2.0, 1.0, 3.0, 0.25, 1.0, 2.5];
    let e = score(&spec, &scores, Some(&weights), &with("wald")).unwrap();
    let s: Vec<f64> = scores.iter().map(|&x| spec.respondent_score(x as i32)).collect();
    let sw: f64 = weights.iter().sum();
    let sw2: f64 = weights.iter().map(|w| w * w).sum();
    let m: f64 = s.iter().zip(&weights).map(|(s, w)| s * w).sum::<f64>() / sw;
    let n = scores.len() as f64;
    // Net and top-box scores: Σw²(s − m)²/(Σw)², the multinomial variance σ²/n at unit weights (estimate.rs).
    let v = s
        .iter()
        .zip(&weights)
        .map(|(s, w)| w * w * (s - m).powi(2))
        .sum::<f64>()
        / (sw * sw);
    assert!(e.weighted);
    assert_close("hájek", e.value / 100.0, m, 1e-12);
    assert_close("linearisation se", e.se / 100.0, v.sqrt(), 1e-12);
    assert_close("kish n", e.n_effective, sw * sw / sw2, 1e-12);
    assert_close("deff", e.design_effect, n * sw2 / (sw * sw), 1e-12);
    assert_eq!(e.n, 8);
    assert_close("weighted promoters", e.promoters(), 100.0 * 3.0 / sw, 1e-12);
}

/// The linearisation SE of a Hájek mean from the respondents: √(c·Σw²(s − m)²/(Σw)²) with c = n/(n − 1) for means
/// (R `survey`: `svymean(~s, svydesign(ids = ~1, weights = ~w))`, and s/√n at unit weights as in `t.test`) and
/// c = 1 for net and top-box shares (σ²/n at unit weights, as statsmodels' `proportion_confint` and the R NPS
/// and contingencytables references of the golden vectors).
fn linearisation_se(s: &[f64], w: &[f64], finite_sample: bool) -> f64 {
    let n = s.len() as f64;
    let sw: f64 = w.iter().sum();
    let m = s.iter().zip(w).map(|(s, w)| s * w).sum::<f64>() / sw;
    let ss: f64 = s.iter().zip(w).map(|(s, w)| w * w * (s - m).powi(2)).sum();
    let c = if finite_sample { n / (n - 1.0) } else { 1.0 };
    (c * ss / (sw * sw)).sqrt()
}

#[test]
fn se_does_not_depend_on_the_scale_of_the_weights() {
    // Issue 20 item 17: for net and top-box, weights all 1 took the textbook σ²/n path and any other weights
    // an n/(n − 1)·σ²/n path, a jump of √(n/(n − 1)). Now each scoring has one formula for any weights.
    let cases = [
        (
            MetricSpec::nps(),
            vec![10.0, 9.0, 7.0, 3.0, 0.0, 8.0, 10.0, 6.0, 9.0, 5.0],
        ),
        (
            MetricSpec::csat(),
            vec![5.0, 4.0, 3.0, 1.0, 2.0, 5.0, 4.0, 4.0, 3.0, 5.0],
        ),
        (
            MetricSpec::ces2_mean(),
            vec![7.0, 6.0, 5.0, 1.0, 2.0, 7.0, 6.0, 4.0, 3.0, 5.0],
        ),
    ];
    for (spec, scores) in cases {
        let n = scores.len();
        let (ones, twos) = (vec![1.0; n], vec![2.0; n]);
        let mut nudged = vec![1.0; n];
        nudged[3] = 1.000_000_1;
        let wald = EstimateOptions::default();
        let se = |w: Option<&[f64]>| score(&spec, &scores, w, &wald).unwrap().se;
        let (none, one, two, nudge) = (se(None), se(Some(&ones)), se(Some(&twos)), se(Some(&nudged)));
        for other in [one, two, nudge] {
            assert!((other - none).abs() < 1e-6 * none, "{}: {none} vs {other}", spec.name);
        }
        let s: Vec<f64> = scores.iter().map(|&x| spec.respondent_score(x as i32)).collect();
        let f = spec.display_factor();
        let mean = spec.scoring == Scoring::Mean;
        assert_close("se", none, linearisation_se(&s, &ones, mean) * f, 1e-12);
        assert_close("se, weights 2", two, linearisation_se(&s, &twos, mean) * f, 1e-12);
        assert_close("se, nudged", nudge, linearisation_se(&s, &nudged, mean) * f, 1e-12);
    }
}

#[test]
fn newcombe_matches_the_published_example() {
    // Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 vs 48/80, method 10: 0.0524 to 0.3339.
    let spec = MetricSpec::binary_csat();
    let c = compare(
        &spec,
        &binary(56, 70),
        &binary(48, 80),
        Some(CompareMethod::Newcombe),
        0.95,
    )
    .unwrap();
    assert_close("delta", c.delta, 20.0, 1e-9);
    assert_close("newcombe low", c.ci_low / 100.0, 0.0524, 1e-4);
    assert_close("newcombe high", c.ci_high / 100.0, 0.3339, 1e-4);
    // Pooled z test: p̄ = 104/150.
    let pooled = 104.0f64 / 150.0;
    let z = 0.2 / (pooled * (1.0 - pooled) * (1.0 / 70.0 + 1.0 / 80.0)).sqrt();
    assert_close("pooled z", c.statistic, z, 1e-12);
}

#[test]
fn agresti_caffo_by_hand() {
    let spec = MetricSpec::binary_csat();
    let c = compare(
        &spec,
        &binary(56, 70),
        &binary(48, 80),
        Some(CompareMethod::AgrestiCaffo),
        0.95,
    )
    .unwrap();
    let (p1, p2) = (57.0f64 / 72.0, 49.0f64 / 82.0);
    let se = (p1 * (1.0 - p1) / 72.0 + p2 * (1.0 - p2) / 82.0).sqrt();
    assert_close("ac low", c.ci_low / 100.0, p1 - p2 - Z95 * se, 1e-12);
    assert_close("ac high", c.ci_high / 100.0, p1 - p2 + Z95 * se, 1e-12);
}

#[test]
fn nps_difference_wald_by_hand() {
    let spec = MetricSpec::nps();
    let a = histogram_from_category_counts(&spec, 20, 30, 50).unwrap();
    let b = histogram_from_category_counts(&spec, 30, 30, 40).unwrap();
    let c = compare(&spec, &a, &b, None, 0.95).unwrap();
    let var = |p: f64, d: f64| p + d - (p - d).powi(2);
    let se = (var(0.5, 0.2) / 100.0 + var(0.4, 0.3) / 100.0).sqrt();
    assert_close("delta", c.delta, 20.0, 1e-9);
    assert_close("se", c.se / 100.0, se, 1e-12);
    assert_close("z", c.statistic, 0.2 / se, 1e-9);
    // Adjusted: 0.75/1.5/0.75 added to each sample.
    let adj = compare(&spec, &a, &b, Some(CompareMethod::Adjusted), 0.95).unwrap();
    let (pa, da, pb, db) = (50.75 / 103.0, 20.75 / 103.0, 40.75 / 103.0, 30.75 / 103.0);
    let se_adj = (var(pa, da) / 103.0 + var(pb, db) / 103.0).sqrt();
    assert_close(
        "adjusted low",
        adj.ci_low / 100.0,
        (pa - da) - (pb - db) - Z95 * se_adj,
        1e-12,
    );
    assert_close("adjusted delta is observed", adj.delta, 20.0, 1e-9);
}

fn mean_and_sample_variance(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (m, xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0))
}

#[test]
fn welch_matches_brute_force() {
    let spec = MetricSpec::ces1_mean();
    let (xa, xb) = ([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 4.0, 4.0, 5.0, 5.0, 5.0]);
    let a = Histogram::from_scores(spec.scale, &xa, None, MissingPolicy::Skip).unwrap();
    let b = Histogram::from_scores(spec.scale, &xb, None, MissingPolicy::Skip).unwrap();
    let c = compare(&spec, &a, &b, None, 0.95).unwrap();
    let ((ma, va), (mb, vb)) = (mean_and_sample_variance(&xa), mean_and_sample_variance(&xb));
    let (qa, qb) = (va / 5.0, vb / 6.0);
    let df = (qa + qb).powi(2) / (qa * qa / 4.0 + qb * qb / 5.0);
    let t = (ma - mb) / (qa + qb).sqrt();
    assert_close("t", c.statistic, t, 1e-12);
    assert_close("t by hand", c.statistic, -1.1667 / 0.8531, 1e-3);
    assert_close("df", c.df.unwrap(), df, 1e-12);
    let t_crit = cx_core::stats::t_for_level(0.95, df).unwrap();
    assert_close("low", c.ci_low, ma - mb - t_crit * (qa + qb).sqrt(), 1e-12);
    assert_close("p", c.p_value, cx_core::stats::t_two_sided_p(t, df).unwrap(), 1e-15);
    assert!(c.p_value > 0.2 && c.p_value < 0.25);
}

#[test]
fn paired_is_a_t_test_on_per_person_differences() {
    let spec = MetricSpec::nps();
    // Per-person changes in NPS score: det→pro +2, pas→pro +1, pro→pro 0, det→pro +2, pas→pas 0, det→pas +1;
    // the last pair has a missing "pre" and is skipped, counted.
    let pre = [3.0, 7.0, 9.0, 0.0, 8.0, 5.0, f64::NAN];
    let post = [10.0, 9.0, 10.0, 9.0, 7.0, 8.0, 9.0];
    let c = compare_paired(&spec, &pre, &post, 0.95, MissingPolicy::Skip).unwrap();
    assert_eq!((c.n_pairs, c.n_missing), (6, 1));
    let (m, v) = mean_and_sample_variance(&[2.0, 1.0, 0.0, 2.0, 0.0, 1.0]);
    let se = (v / 6.0).sqrt();
    assert_close("delta", c.delta, 100.0 * m, 1e-9);
    assert_close("t", c.t, m / se, 1e-12);
    assert_close("t by hand", c.t, 1.0 / (0.8f64 / 6.0).sqrt(), 1e-12);
    let t_crit = cx_core::stats::t_for_level(0.95, 5.0).unwrap();
    assert_close("t crit (table: 2.5706)", t_crit, 2.5706, 1e-4);
    assert_close("low", c.ci_low / 100.0, m - t_crit * se, 1e-12);
    // The independent-samples formula would give a different (wrong) answer here.
    let err = compare_paired(&spec, &pre[..1], &post[..1], 0.95, MissingPolicy::Skip).unwrap_err();
    assert!(matches!(err, cx_core::CxError::InsufficientData { .. }));
}

#[test]
fn one_sample_tests_for_shares() {
    // R: binom.test(13, 16, 0.5)$p.value = 0.02127075; prop.test(13, 16, 0.5, correct = FALSE): X² = 6.25.
    let spec = MetricSpec::binary_csat();
    let h = binary(13, 16);
    let exact = one_sample_test(&spec, &h, OneSampleTest::Exact, 50.0).unwrap();
    assert_close("exact", exact.p_value, 0.021_270_75, 1e-8);
    let s = one_sample_test(&spec, &h, OneSampleTest::Score, 50.0).unwrap();
    assert_close("score z²", s.statistic.unwrap().powi(2), 6.25, 1e-12);
    assert!(one_sample_test(&spec, &h, OneSampleTest::T, 50.0).is_err());
}

#[test]
fn levels_other_than_95_percent() {
    let z90 = z_for_level(0.90).unwrap();
    assert_close("z90", z90, 1.644_853_626_951_472, 1e-12);
    let e = score(
        &MetricSpec::nps(),
        &[10.0, 10.0, 3.0, 8.0],
        None,
        &EstimateOptions {
            interval: Some(IntervalMethod::Wald),
            level: 0.90,
            ..Default::default()
        },
    )
    .unwrap();
    // The upper limit is truncated at 100 points; the lower one is not.
    assert!(e.ci_low > -100.0);
    assert_close("wald 90", e.value - e.ci_low, z90 * e.se, 1e-9);
}
