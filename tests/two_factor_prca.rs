//! OLS and penalty–reward contrast analysis: the QR fit against an independent calculation (normal equations
//! solved by Gauss–Jordan elimination, with the covariance from the inverse), PRCA against a hand-built design,
//! impact-asymmetry bands, errors, and proptests.

use cx_core::CxError;
use cx_core::survey::MissingPolicy;
use cx_core::two_factor::{AsymmetryClass, AsymmetryFactor, Cuts, IaBands, PrcaOptions, ols, prca};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Inverse of a small symmetric positive-definite matrix by Gauss–Jordan with partial pivoting.
fn invert(m: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let p = m.len();
    let mut a: Vec<Vec<f64>> = m
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..p).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for col in 0..p {
        let pivot = (col..p)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap();
        a.swap(col, pivot);
        let d = a[col][col];
        a[col].iter_mut().for_each(|v| *v /= d);
        for row in 0..p {
            if row != col {
                let f = a[row][col];
                let pivot_row = a[col].clone();
                a[row].iter_mut().zip(&pivot_row).for_each(|(v, q)| *v -= f * q);
            }
        }
    }
    a.into_iter().map(|r| r[p..].to_vec()).collect()
}

/// OLS by the normal equations: β = (XᵀX)⁻¹Xᵀy, SE = √(σ² diag (XᵀX)⁻¹). `x` is row-major.
fn reference_ols(x: &[Vec<f64>], y: &[f64]) -> (Vec<f64>, Vec<f64>, f64) {
    let (n, p) = (x.len(), x[0].len());
    let xtx: Vec<Vec<f64>> = (0..p)
        .map(|i| (0..p).map(|j| (0..n).map(|r| x[r][i] * x[r][j]).sum()).collect())
        .collect();
    let xty: Vec<f64> = (0..p).map(|i| (0..n).map(|r| x[r][i] * y[r]).sum()).collect();
    let inv = invert(&xtx);
    let beta: Vec<f64> = (0..p).map(|i| (0..p).map(|j| inv[i][j] * xty[j]).sum()).collect();
    let rss: f64 = (0..n)
        .map(|r| (y[r] - (0..p).map(|j| x[r][j] * beta[j]).sum::<f64>()).powi(2))
        .sum();
    let sigma2 = rss / (n - p) as f64;
    let se = (0..p).map(|i| (sigma2 * inv[i][i]).sqrt()).collect();
    (beta, se, rss)
}

fn column_major(x: &[Vec<f64>]) -> Vec<f64> {
    (0..x[0].len()).flat_map(|j| x.iter().map(move |row| row[j])).collect()
}

#[test]
fn qr_fit_equals_the_normal_equations() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let x: Vec<Vec<f64>> = (0..80)
        .map(|_| {
            vec![
                1.0,
                rng.random::<f64>() * 10.0,
                rng.random_range(0..2) as f64,
                rng.random::<f64>(),
            ]
        })
        .collect();
    let y: Vec<f64> = x
        .iter()
        .map(|r| 2.0 + 0.5 * r[1] - 1.5 * r[2] + 3.0 * r[3] + rng.random::<f64>() - 0.5)
        .collect();
    let names: Vec<String> = ["intercept", "a", "b", "c"].map(String::from).to_vec();
    let fit = ols(&column_major(&x), &y, &names).unwrap();
    let (beta, se, rss) = reference_ols(&x, &y);
    for j in 0..4 {
        assert!((fit.coefficients[j] - beta[j]).abs() < 1e-10, "β{j}");
        assert!((fit.standard_errors[j] - se[j]).abs() < 1e-10, "se{j}");
        assert!((fit.t[j] - beta[j] / se[j]).abs() < 1e-8);
    }
    assert_eq!(fit.df, 76);
    assert!((fit.sigma.powi(2) * 76.0 - rss).abs() < 1e-9);
    // p-value of the noise-free slope is tiny; R² near 1.
    assert!(fit.p_values[1] < 1e-10 && fit.r_squared.unwrap() > 0.9);
}

#[test]
fn collinear_and_short_designs_are_refused() {
    let x = vec![
        vec![1.0, 1.0, 2.0],
        vec![1.0, 2.0, 4.0],
        vec![1.0, 3.0, 6.0],
        vec![1.0, 4.0, 8.0],
    ];
    let names: Vec<String> = ["intercept", "t", "2t"].map(String::from).to_vec();
    let y = [1.0, 2.0, 3.0, 5.0];
    assert!(matches!(
        ols(&column_major(&x), &y, &names),
        Err(CxError::RankDeficient { column, .. }) if column == "2t"
    ));
    assert!(matches!(
        ols(&column_major(&x[..3]), &y[..3], &names),
        Err(CxError::InsufficientData { .. })
    ));
}

/// Ratings of `k` attributes on 1..=5 and an overall score with known penalties and rewards plus noise.
fn survey(n: usize, penalties: &[f64], rewards: &[f64], seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let k = penalties.len();
    let mut ratings = Vec::with_capacity(n * k);
    let mut overall = Vec::with_capacity(n);
    for _ in 0..n {
        let mut y = 7.0;
        for j in 0..k {
            let r = rng.random_range(1..=5) as f64;
            ratings.push(r);
            y += if r <= 2.0 {
                penalties[j]
            } else if r >= 4.0 {
                rewards[j]
            } else {
                0.0
            };
        }
        overall.push(y + (rng.random::<f64>() - 0.5) * 0.6);
    }
    (ratings, overall)
}

fn names(k: usize) -> Vec<String> {
    ["delivery", "returns", "staff", "quality", "price"][..k]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn prca_recovers_known_penalties_and_rewards_and_classifies_them() {
    let penalties = [-2.0, -0.5, -0.25];
    let rewards = [0.2, 0.5, 1.5];
    let (ratings, overall) = survey(3000, &penalties, &rewards, 1);
    let result = prca(&ratings, &overall, &names(3), &PrcaOptions::new(2.0, 4.0)).unwrap();
    for (j, a) in result.attributes.iter().enumerate() {
        assert!((a.penalty - penalties[j]).abs() < 4.0 * a.penalty_se, "{a:?}");
        assert!((a.reward - rewards[j]).abs() < 4.0 * a.reward_se, "{a:?}");
        assert_eq!(a.n_low + a.n_mid + a.n_high, 3000);
        let riocs = a.reward.abs() + a.penalty.abs();
        assert!((a.riocs - riocs).abs() < 1e-12);
        assert!((a.ia.unwrap() - (a.reward.abs() - a.penalty.abs()) / riocs).abs() < 1e-12);
        assert!((a.sgp.unwrap() + a.dgp.unwrap() - 1.0).abs() < 1e-12);
    }
    let classes: Vec<_> = result.attributes.iter().map(|a| a.class.unwrap()).collect();
    assert_eq!(
        classes,
        [
            AsymmetryClass::Frustrator,
            AsymmetryClass::Hybrid,
            AsymmetryClass::Delighter
        ]
    );
    let factors: Vec<_> = result.attributes.iter().map(|a| a.factor.unwrap()).collect();
    assert_eq!(
        factors,
        [
            AsymmetryFactor::Hygiene,
            AsymmetryFactor::Hybrid,
            AsymmetryFactor::Motivator
        ]
    );
    assert!(result.attributes[0].penalty_p < 1e-12);
    assert_eq!((result.n, result.df), (3000, 3000 - 7));
}

#[test]
fn prca_equals_ols_on_the_hand_built_design() {
    let (ratings, overall) = survey(400, &[-1.0, -0.3], &[0.4, 0.9], 3);
    let options = PrcaOptions {
        cuts: vec![Cuts { low: 2.0, high: 4.0 }, Cuts { low: 1.0, high: 5.0 }],
        ..PrcaOptions::new(0.0, 1.0)
    };
    let result = prca(&ratings, &overall, &names(2), &options).unwrap();
    let x: Vec<Vec<f64>> = ratings
        .chunks(2)
        .map(|r| {
            let dummy = |v: bool| if v { 1.0 } else { 0.0 };
            vec![
                1.0,
                dummy(r[0] <= 2.0),
                dummy(r[0] >= 4.0),
                dummy(r[1] <= 1.0),
                dummy(r[1] >= 5.0),
            ]
        })
        .collect();
    let (beta, se, _) = reference_ols(&x, &overall);
    let got = [
        result.intercept,
        result.attributes[0].penalty,
        result.attributes[0].reward,
        result.attributes[1].penalty,
        result.attributes[1].reward,
    ];
    let got_se = [
        result.intercept_se,
        result.attributes[0].penalty_se,
        result.attributes[0].reward_se,
        result.attributes[1].penalty_se,
        result.attributes[1].reward_se,
    ];
    for j in 0..5 {
        assert!(
            (got[j] - beta[j]).abs() < 1e-10 && (got_se[j] - se[j]).abs() < 1e-10,
            "{j}"
        );
    }
    assert_eq!(result.attributes[1].cuts, Cuts { low: 1.0, high: 5.0 });
}

#[test]
fn ia_bands_are_configurable_and_inclusive_at_the_hybrid_edge() {
    let bands = IaBands::default();
    assert_eq!(AsymmetryClass::of(-0.2, &bands), AsymmetryClass::Hybrid);
    assert_eq!(AsymmetryClass::of(0.2, &bands), AsymmetryClass::Hybrid);
    assert_eq!(AsymmetryClass::of(-0.21, &bands), AsymmetryClass::Dissatisfier);
    assert_eq!(AsymmetryClass::of(0.6, &bands), AsymmetryClass::Satisfier);
    assert_eq!(AsymmetryClass::of(0.61, &bands), AsymmetryClass::Delighter);
    assert_eq!(AsymmetryClass::of(-1.0, &bands), AsymmetryClass::Frustrator);
    let wide = IaBands {
        hybrid: 0.5,
        extreme: 0.9,
    };
    assert_eq!(AsymmetryClass::of(0.45, &wide), AsymmetryClass::Hybrid);
    let (ratings, overall) = survey(200, &[-1.0], &[0.2], 5);
    let bad = PrcaOptions {
        bands: IaBands {
            hybrid: 0.7,
            extreme: 0.3,
        },
        ..PrcaOptions::new(2.0, 4.0)
    };
    assert!(matches!(
        prca(&ratings, &overall, &names(1), &bad),
        Err(CxError::InvalidArgument { name, .. }) if name == "bands"
    ));
}

#[test]
fn small_groups_identical_attributes_and_bad_input_are_clear_errors() {
    let (mut ratings, overall) = survey(300, &[-1.0, -0.5], &[0.5, 0.5], 9);
    // Too few high ratings for "returns" at a high cut of 5 with a minimum of 100.
    let strict = PrcaOptions {
        min_group: 100,
        cuts: vec![Cuts { low: 2.0, high: 4.0 }, Cuts { low: 2.0, high: 5.0 }],
        ..PrcaOptions::new(2.0, 4.0)
    };
    let e = prca(&ratings, &overall, &names(2), &strict).unwrap_err();
    assert!(
        matches!(&e, CxError::InsufficientData { what, .. } if what.contains("high group of attribute 'returns'")),
        "{e}"
    );
    // No middle group: the dummies and the intercept are collinear.
    let no_middle: Vec<f64> = ratings.iter().map(|&r| if r == 3.0 { 4.0 } else { r }).collect();
    let e = prca(&no_middle, &overall, &names(2), &PrcaOptions::new(2.0, 4.0)).unwrap_err();
    assert!(
        matches!(&e, CxError::InsufficientData { what, .. } if what.contains("middle")),
        "{e}"
    );
    // The same attribute twice: rank-deficient, naming the column.
    let twice: Vec<f64> = ratings.chunks(2).flat_map(|r| [r[0], r[0]]).collect();
    let e = prca(&twice, &overall, &names(2), &PrcaOptions::new(2.0, 4.0)).unwrap_err();
    assert!(
        matches!(&e, CxError::RankDeficient { column, .. } if column == "returns: low"),
        "{e}"
    );
    // Shapes, cuts, missing values.
    assert!(matches!(
        prca(&ratings[1..], &overall, &names(2), &PrcaOptions::new(2.0, 4.0)),
        Err(CxError::LengthMismatch { .. })
    ));
    assert!(matches!(
        prca(&ratings, &overall, &names(2), &PrcaOptions::new(4.0, 2.0)),
        Err(CxError::InvalidArgument { .. })
    ));
    ratings[5] = f64::NAN;
    let skipped = prca(&ratings, &overall, &names(2), &PrcaOptions::new(2.0, 4.0)).unwrap();
    assert_eq!((skipped.n, skipped.n_missing), (299, 1));
    let strict = PrcaOptions {
        missing: MissingPolicy::Error,
        ..PrcaOptions::new(2.0, 4.0)
    };
    assert_eq!(
        prca(&ratings, &overall, &names(2), &strict).unwrap_err(),
        CxError::MissingValue {
            what: "ratings column 'returns'".into(),
            index: 2
        }
    );
    ratings[5] = f64::INFINITY;
    assert!(matches!(
        prca(&ratings, &overall, &names(2), &PrcaOptions::new(2.0, 4.0)),
        Err(CxError::InvalidArgument { name, .. }) if name == "returns[2]"
    ));
}

proptest! {
    /// Shifting overall satisfaction moves only the intercept; scaling it scales penalties and rewards and
    /// leaves IA unchanged; reordering the respondents changes nothing.
    #[test]
    fn prca_is_equivariant(seed in 0u64..1000, shift in -5.0f64..5.0, scale in 0.1f64..10.0) {
        let (ratings, overall) = survey(150, &[-1.0, -0.2], &[0.3, 1.0], seed);
        let options = PrcaOptions { min_group: 5, ..PrcaOptions::new(2.0, 4.0) };
        let base = prca(&ratings, &overall, &names(2), &options).unwrap();
        let moved: Vec<f64> = overall.iter().map(|y| scale * y + shift).collect();
        let other = prca(&ratings, &moved, &names(2), &options).unwrap();
        for (a, b) in base.attributes.iter().zip(&other.attributes) {
            prop_assert!((scale * a.penalty - b.penalty).abs() < 1e-8 * scale.max(1.0));
            prop_assert!((scale * a.reward - b.reward).abs() < 1e-8 * scale.max(1.0));
            prop_assert!((a.ia.unwrap() - b.ia.unwrap()).abs() < 1e-9);
            prop_assert!((a.penalty_p - b.penalty_p).abs() < 1e-7);
            prop_assert!((-1.0..=1.0).contains(&a.ia.unwrap()));
        }
        prop_assert!((scale * base.intercept + shift - other.intercept).abs() < 1e-8 * scale.max(1.0));
        // Reverse the respondents.
        let rev_ratings: Vec<f64> = ratings.chunks(2).rev().flatten().copied().collect();
        let rev_overall: Vec<f64> = overall.iter().rev().copied().collect();
        let reversed = prca(&rev_ratings, &rev_overall, &names(2), &options).unwrap();
        for (a, b) in base.attributes.iter().zip(&reversed.attributes) {
            prop_assert!((a.penalty - b.penalty).abs() < 1e-10 && (a.reward_se - b.reward_se).abs() < 1e-10);
        }
    }
}
