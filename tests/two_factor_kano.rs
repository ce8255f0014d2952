//! Kano analysis: every case of the golden vectors in `tests/data/two_factor.json` (copied from `shared/vectors/`),
//! the rules, DuMouchel, weighting and errors, and proptests against a naive recount.

use cx_core::CxError;
use cx_core::survey::MissingPolicy;
use cx_core::two_factor::{
    Answer, AnswerMapping, Category, CategoryRule, EvaluationTable, Herzberg, KanoAnswers, KanoOptions, PerCategory,
    fong_test, kano, kano_summary,
};
use proptest::prelude::*;
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/two_factor.json")).expect("valid vectors")
}

fn answer(letter: &str) -> Answer {
    AnswerMapping::standard().label(letter, "letter", 0).unwrap()
}

fn category(letter: &str) -> Category {
    *Category::ALL.iter().find(|c| c.letter() == letter).unwrap()
}

fn counts_of(v: &Value) -> PerCategory<u64> {
    let c = |k: &str| v[k].as_u64().unwrap();
    PerCategory {
        a: c("A"),
        o: c("O"),
        m: c("M"),
        i: c("I"),
        r: c("R"),
        q: c("Q"),
    }
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn standard_table_is_the_published_one_cell_by_cell() {
    let v = vectors();
    let table = v["evaluation_table_standard"].as_object().unwrap();
    let order = ["L", "M", "N", "W", "D"];
    for (f, row) in table {
        for (d, cell) in order.iter().zip(row.as_array().unwrap()) {
            let want = category(cell.as_str().unwrap());
            assert_eq!(
                EvaluationTable::Standard.classify(answer(f), answer(d)),
                want,
                "({f}, {d})"
            );
        }
    }
    assert_eq!(table.len(), 5);
}

#[test]
fn pouliot_differs_from_standard_exactly_where_published() {
    let v = vectors();
    let differences = v["evaluation_table_pouliot_differences"].as_object().unwrap();
    let mut seen = 0;
    for f in Answer::ALL {
        for d in Answer::ALL {
            let key = format!("({},{})", f.letter(), d.letter());
            let pouliot = EvaluationTable::Pouliot.classify(f, d);
            match differences.get(&key) {
                Some(want) => {
                    assert_eq!(pouliot, category(want.as_str().unwrap()), "{key}");
                    assert_ne!(pouliot, EvaluationTable::Standard.classify(f, d));
                    seen += 1;
                }
                None => assert_eq!(pouliot, EvaluationTable::Standard.classify(f, d), "{key}"),
            }
        }
    }
    assert_eq!(seen, differences.len());
}

#[test]
fn fong_thresholds_match() {
    for case in vectors()["fong_threshold"].as_array().unwrap() {
        let n = |k: &str| case[k].as_u64().unwrap();
        let test = fong_test(n("a"), n("b"), n("n")).unwrap();
        assert!(
            close(test.threshold, case["threshold"].as_f64().unwrap(), 5e-4),
            "{case}"
        );
        assert_eq!(test.significant, case["significant"].as_bool().unwrap(), "{case}");
    }
    assert!(matches!(fong_test(5, 6, 10), Err(CxError::InvalidArgument { .. })));
    assert!(matches!(fong_test(0, 0, 0), Err(CxError::InvalidArgument { .. })));
}

#[test]
fn attribute_summaries_match() {
    for case in vectors()["attribute_summaries"].as_array().unwrap() {
        let counts = counts_of(&case["counts"]);
        let s = &kano_summary(&[counts], CategoryRule::Mode).unwrap()[0];
        assert_eq!(s.category, Some(category(case["mode"].as_str().unwrap())), "{case}");
        assert!(s.contenders.is_empty());
        assert!(close(
            s.category_strength.unwrap(),
            case["category_strength"].as_f64().unwrap(),
            1e-12
        ));
        assert!(close(s.better.unwrap(), case["better"].as_f64().unwrap(), 1e-7));
        assert!(close(s.worse.unwrap(), case["worse"].as_f64().unwrap(), 1e-7));
        assert_eq!(s.fong.unwrap().significant, case["fong_significant"].as_bool().unwrap());
        if let Some(want) = case.get("rule_M_O_A_I_gap_0.06") {
            let moai = &kano_summary(&[counts], CategoryRule::MOAI { gap: 0.06 }).unwrap()[0];
            assert_eq!(moai.category, Some(category(want.as_str().unwrap())));
            assert_eq!(moai.contenders, [Category::M, Category::O]);
        }
    }
}

/// Expands counts per category into answer pairs that produce them under the standard table.
fn pairs_for(counts: &PerCategory<u64>) -> (Vec<Option<Answer>>, Vec<Option<Answer>>) {
    use Answer::*;
    let example = |c: Category| match c {
        Category::A => (Like, Neutral),
        Category::O => (Like, Dislike),
        Category::M => (Neutral, Dislike),
        Category::I => (Neutral, Neutral),
        Category::R => (Dislike, Like),
        Category::Q => (Like, Like),
    };
    let mut f = Vec::new();
    let mut d = Vec::new();
    for c in Category::ALL {
        for _ in 0..counts.get(c) {
            let (x, y) = example(c);
            f.push(Some(x));
            d.push(Some(y));
        }
    }
    (f, d)
}

#[test]
fn vectors_through_answers_equal_vectors_through_counts() {
    for case in vectors()["attribute_summaries"].as_array().unwrap() {
        let counts = counts_of(&case["counts"]);
        let (f, d) = pairs_for(&counts);
        let names = ["attribute".to_string()];
        let result = kano(&KanoAnswers::new(&names, &f, &d), &KanoOptions::default()).unwrap();
        let from_counts = &kano_summary(&[counts], CategoryRule::Mode).unwrap()[0];
        assert_eq!(&result.attributes[0].summary, from_counts);
        assert_eq!(result.attributes[0].attribute, "attribute");
    }
}

#[test]
fn oam_vs_irq_and_ties() {
    // O+A+M = 3 < I+R+Q = 4: the most frequent of I, R, Q (I) although M is the mode.
    let counts = PerCategory {
        a: 0,
        o: 0,
        m: 3,
        i: 2,
        r: 1,
        q: 1,
    };
    let s = &kano_summary(&[counts], CategoryRule::OamVsIrq).unwrap()[0];
    assert_eq!(s.category, Some(Category::I));
    assert_eq!(s.herzberg, Some(Herzberg::Neutral));
    assert_eq!(
        kano_summary(&[counts], CategoryRule::Mode).unwrap()[0].category,
        Some(Category::M)
    );
    // A two-way tie under mode is reported, not broken silently.
    let tie = PerCategory {
        a: 4,
        o: 4,
        m: 1,
        ..Default::default()
    };
    let s = &kano_summary(&[tie], CategoryRule::Mode).unwrap()[0];
    assert_eq!(
        (s.category, s.contenders.as_slice()),
        (None, &[Category::A, Category::O][..])
    );
    assert_eq!(s.herzberg, None);
    assert_eq!(s.category_strength, Some(0.0));
    // ... and m_o_a_i resolves it by precedence: O before A.
    let s = &kano_summary(&[tie], CategoryRule::MOAI { gap: 0.06 }).unwrap()[0];
    assert_eq!(s.category, Some(Category::O));
    assert!(matches!(
        CategoryRule::parse("m_o_a_i", 1.5),
        Err(CxError::InvalidArgument { .. })
    ));
    assert!(matches!(
        CategoryRule::parse("majority", 0.06),
        Err(CxError::UnknownName { .. })
    ));
}

#[test]
fn herzberg_view_of_every_category() {
    let want = [
        (Category::M, "hygiene"),
        (Category::A, "motivator"),
        (Category::O, "performance"),
        (Category::I, "neutral"),
        (Category::R, "reverse"),
        (Category::Q, "invalid"),
    ];
    for (c, name) in want {
        assert_eq!(c.herzberg().name(), name);
    }
}

#[test]
fn nothing_to_classify_is_undefined_not_zero() {
    let s = &kano_summary(&[PerCategory::default()], CategoryRule::Mode).unwrap()[0];
    assert_eq!(
        (s.n, s.category, s.shares, s.better, s.fong),
        (0, None, None, None, None)
    );
    // Only R and Q: A+O+M+I = 0, so Better and Worse are undefined while the category is R.
    let s = &kano_summary(
        &[PerCategory {
            r: 3,
            q: 1,
            ..Default::default()
        }],
        CategoryRule::Mode,
    )
    .unwrap()[0];
    assert_eq!((s.category, s.better, s.worse), (Some(Category::R), None, None));
}

#[test]
fn dumouchel_scores_and_quadrants() {
    use Answer::*;
    let names = ["must".to_string(), "delight".to_string(), "linear".to_string()];
    // Attribute 0: must-be / dislike twice (M); attribute 1: like / neutral and like / live-with (A);
    // attribute 2: like / dislike and must-be / dislike (O and M) plus one questionable pair that is not scored.
    let f = [MustBe, MustBe, Like, Like, Like, MustBe, Like].map(Some);
    let d = [Dislike, Dislike, Neutral, LiveWith, Dislike, Dislike, Like].map(Some);
    let attribute = [0, 0, 1, 1, 2, 2, 2];
    let r = kano(
        &KanoAnswers::new(&names, &f, &d).by(&attribute),
        &KanoOptions::default(),
    )
    .unwrap();
    let du: Vec<_> = r.attributes.iter().map(|a| a.dumouchel).collect();
    assert_eq!(du[0].functional_mean, Some(2.0));
    assert_eq!(du[0].dysfunctional_mean, Some(4.0));
    assert_eq!(du[0].functional_sd, Some(0.0));
    assert_eq!(du[0].quadrant, Some(Category::M)); // functional exactly 2 is not above the split
    assert_eq!(
        (du[1].functional_mean, du[1].dysfunctional_mean),
        (Some(4.0), Some(1.0))
    );
    assert!(close(du[1].dysfunctional_sd.unwrap(), 2f64.sqrt(), 1e-15));
    assert_eq!(du[1].quadrant, Some(Category::A));
    assert_eq!(
        (du[2].n, du[2].functional_mean, du[2].quadrant),
        (2, Some(3.0), Some(Category::O))
    );
    assert_eq!(r.attributes[2].summary.counts.q, 1);
    // One pair: no SD.
    let one = kano(
        &KanoAnswers::new(&names[..1], &f[..1], &d[..1]),
        &KanoOptions::default(),
    )
    .unwrap();
    assert_eq!(one.attributes[0].dumouchel.functional_sd, None);
}

#[test]
fn importance_weights_counts_and_reports_the_mean() {
    use Answer::*;
    let names = ["a".to_string()];
    let f = [Like, Neutral, Neutral].map(Some);
    let d = [Neutral, Dislike, Dislike].map(Some); // A, M, M
    let importance = [9.0, 1.0, 2.0];
    let r = kano(
        &KanoAnswers::new(&names, &f, &d).weighted(&importance),
        &KanoOptions::default(),
    )
    .unwrap();
    let a = &r.attributes[0];
    assert!(r.weighted);
    assert_eq!(a.summary.category, Some(Category::A)); // 9 against 3, though M has more answers
    assert_eq!(a.summary.counts.m, 2);
    assert_eq!(a.summary.weighted_counts.unwrap().a, 9.0);
    assert_eq!(a.summary.better, Some(0.75));
    assert_eq!(a.importance, Some(4.0));
    assert_eq!(a.summary.fong.unwrap().a, 2); // Fong stays on the raw counts
    let unweighted = kano(&KanoAnswers::new(&names, &f, &d), &KanoOptions::default()).unwrap();
    assert_eq!(unweighted.attributes[0].summary.category, Some(Category::M));
    assert_eq!(unweighted.attributes[0].importance, None);
    let bad = [1.0, -1.0, 1.0];
    assert_eq!(
        kano(
            &KanoAnswers::new(&names, &f, &d).weighted(&bad),
            &KanoOptions::default()
        ),
        Err(CxError::InvalidWeight { value: -1.0, index: 1 })
    );
}

#[test]
fn missing_answers_are_counted_or_refused() {
    use Answer::*;
    let names = ["a".to_string()];
    let f = [Some(Like), None, Some(Like)];
    let d = [Some(Dislike), Some(Dislike), None];
    let r = kano(&KanoAnswers::new(&names, &f, &d), &KanoOptions::default()).unwrap();
    assert_eq!((r.attributes[0].summary.n, r.attributes[0].n_missing), (1, 2));
    let strict = KanoOptions {
        missing: MissingPolicy::Error,
        ..Default::default()
    };
    assert_eq!(
        kano(&KanoAnswers::new(&names, &f, &d), &strict),
        Err(CxError::MissingValue {
            what: "functional answers".into(),
            index: 1
        })
    );
}

#[test]
fn bad_shapes_and_codes_are_named() {
    use Answer::*;
    let names = ["a".to_string(), "b".to_string()];
    let f = [Some(Like), Some(Like)];
    let d = [Some(Dislike)];
    assert!(matches!(
        kano(&KanoAnswers::new(&names, &f, &d), &KanoOptions::default()),
        Err(CxError::LengthMismatch { .. })
    ));
    let d = [Some(Dislike), Some(Neutral)];
    assert_eq!(
        kano(&KanoAnswers::new(&names, &f, &d).by(&[0, 2]), &KanoOptions::default()),
        Err(CxError::InvalidGroupCode {
            code: 2,
            index: 1,
            n_groups: 2
        })
    );
    let mapping = AnswerMapping::standard();
    let e = mapping.label("likes", "functional answers", 7).unwrap_err();
    assert!(matches!(&e, CxError::UnknownLabel { index: 7, value, .. } if value == "likes"));
    assert!(e.to_string().contains("`likes` at index 7"));
    assert!(matches!(
        mapping.code(1, "dysfunctional answers", 0),
        Err(CxError::UnknownLabel { .. })
    ));
    assert!(matches!(
        AnswerMapping::standard().with_codes([(1, Like), (1, Dislike)]),
        Err(CxError::InvalidConfig { .. })
    ));
}

#[test]
fn mappings_round_trip_through_json() {
    let mapping = AnswerMapping::standard()
        .with_codes([(5, Answer::Like), (1, Answer::Dislike)])
        .unwrap()
        .with_labels([("Great!", Answer::Like)]);
    let json = serde_json::to_string(&mapping).unwrap();
    let back = AnswerMapping::from_json(&json).unwrap();
    assert_eq!(back, mapping);
    assert_eq!(back.label("  GREAT! ", "x", 0).unwrap(), Answer::Like);
    assert!(matches!(
        AnswerMapping::from_json(&json.replace("\"version\":1", "\"version\":2")),
        Err(CxError::UnsupportedVersion { .. })
    ));
    assert!(matches!(
        AnswerMapping::from_json(r#"{"version":1,"labels":{"x":"adore"}}"#),
        Err(CxError::InvalidConfig { field, .. }) if field == "labels.x"
    ));
}

fn any_answer() -> impl Strategy<Value = Option<Answer>> {
    prop_oneof![9 => (0usize..5).prop_map(|i| Some(Answer::ALL[i])), 1 => Just(None)]
}

proptest! {
    /// Counts from the answers equal a naive recount; shares sum to 1; strengths and Better / Worse stay in their
    /// ranges; splitting the answers and adding the counts gives the same summary.
    #[test]
    fn counts_shares_and_bounds(
        pairs in prop::collection::vec((any_answer(), any_answer(), 0u32..3), 1..200),
        pouliot in any::<bool>(),
    ) {
        let names: Vec<String> = (0..3).map(|i| format!("attr{i}")).collect();
        let f: Vec<_> = pairs.iter().map(|p| p.0).collect();
        let d: Vec<_> = pairs.iter().map(|p| p.1).collect();
        let attr: Vec<u32> = pairs.iter().map(|p| p.2).collect();
        let table = if pouliot { EvaluationTable::Pouliot } else { EvaluationTable::Standard };
        let options = KanoOptions { table, ..Default::default() };
        let r = kano(&KanoAnswers::new(&names, &f, &d).by(&attr), &options).unwrap();
        for (k, a) in r.attributes.iter().enumerate() {
            let mut naive = PerCategory::<u64>::default();
            let mut missing = 0;
            for p in pairs.iter().filter(|p| p.2 as usize == k) {
                match (p.0, p.1) {
                    (Some(x), Some(y)) => *naive.get_mut(table.classify(x, y)) += 1,
                    _ => missing += 1,
                }
            }
            prop_assert_eq!(a.summary.counts, naive);
            prop_assert_eq!(a.n_missing, missing);
            if let Some(shares) = a.summary.shares {
                let total: f64 = Category::ALL.iter().map(|&c| shares.get(c)).sum();
                prop_assert!((total - 1.0).abs() < 1e-12);
                let s = a.summary.category_strength.unwrap();
                prop_assert!((0.0..=1.0).contains(&s));
                prop_assert!((0.0..=1.0).contains(&a.summary.total_strength.unwrap()));
            }
            if let (Some(b), Some(w)) = (a.summary.better, a.summary.worse) {
                prop_assert!((0.0..=1.0).contains(&b) && (-1.0..=0.0).contains(&w));
            }
            // Counts merge: the two halves' counts add up to the summary of all.
            let half = pairs.len() / 2;
            let part = |range: std::ops::Range<usize>| {
                let r = kano(&KanoAnswers::new(&names, &f[range.clone()], &d[range.clone()]).by(&attr[range]), &options).unwrap();
                r.attributes[k].summary.counts
            };
            let (x, y) = (part(0..half), part(half..pairs.len()));
            let merged = PerCategory { a: x.a + y.a, o: x.o + y.o, m: x.m + y.m, i: x.i + y.i, r: x.r + y.r, q: x.q + y.q };
            prop_assert_eq!(&kano_summary(&[merged], options.rule).unwrap()[0], &a.summary);
        }
    }

    /// Every rule picks a category that is among the most frequent it considers, or reports a tie.
    #[test]
    fn rules_pick_a_frequent_category(c in prop::array::uniform6(0u64..20), gap in 0.0f64..0.2) {
        let counts = PerCategory { a: c[0], o: c[1], m: c[2], i: c[3], r: c[4], q: c[5] };
        let max = *c.iter().max().unwrap();
        let mode = &kano_summary(&[counts], CategoryRule::Mode).unwrap()[0];
        match mode.category {
            Some(cat) => prop_assert_eq!(counts.get(cat), max),
            None => prop_assert!(max == 0 || mode.contenders.len() > 1),
        }
        let moai = &kano_summary(&[counts], CategoryRule::MOAI { gap }).unwrap()[0];
        if let (Some(cat), Some(shares)) = (moai.category, moai.shares) {
            let top5 = [counts.m, counts.o, counts.a, counts.i, counts.r].into_iter().max().unwrap() as f64;
            let n: u64 = c.iter().sum();
            prop_assert!(cat == Category::Q || shares.get(cat) >= top5 / n as f64 - gap - 1e-12);
        }
    }
}

/// The same counts through [`kano`] as answer pairs, every pair weighted 1, so the rules decide on float masses.
fn weighted_pairs(counts: PerCategory<u64>, rule: CategoryRule) -> Option<Category> {
    let (f, d) = pairs_for(&counts);
    let importance = vec![1.0; f.len()];
    let names = ["x".to_string()];
    let options = KanoOptions {
        rule,
        ..KanoOptions::default()
    };
    let result = kano(&KanoAnswers::new(&names, &f, &d).weighted(&importance), &options).unwrap();
    result.attributes[0].summary.category
}

/// Issue 20 item 16: exact ties were settled by the rounding of float shares. Each case below is an exact tie
/// whose float shares round the wrong way (checked in the first lines), and which the rules now settle on counts.
#[test]
fn exact_ties_are_settled_on_counts_not_on_rounded_shares() {
    // A share as the summary computes it.
    let share = |count: u64, n: u64| count as f64 / n as f64;
    let moai = CategoryRule::MOAI { gap: 0.06 };
    // Strength exactly the gap: O 53, M 47 of 100 is a difference of 6 in 100, a tie, so M (before O) wins.
    assert!(share(53, 100) - share(47, 100) > 0.06); // the float shares say "more than the gap"
    let strength = PerCategory {
        o: 53,
        m: 47,
        ..Default::default()
    };
    let s = &kano_summary(&[strength], moai).unwrap()[0];
    assert_eq!(
        (s.category, s.contenders.as_slice()),
        (Some(Category::M), &[Category::M, Category::O][..])
    );
    assert_eq!(weighted_pairs(strength, moai), Some(Category::M));
    assert_eq!(
        kano_summary(&[strength], CategoryRule::Mode).unwrap()[0].category,
        Some(Category::O)
    );

    // A contender exactly the gap below the top: O 43, A 42, M 34 (9 = 6% of 150 below O), I 31. M is within
    // the gap, so it wins.
    assert!(share(34, 150) < share(43, 150) - 0.06); // the float shares leave M out
    let contender = PerCategory {
        o: 43,
        a: 42,
        m: 34,
        i: 31,
        ..Default::default()
    };
    let s = &kano_summary(&[contender], moai).unwrap()[0];
    assert_eq!(
        (s.category, s.contenders.as_slice()),
        (Some(Category::M), &[Category::M, Category::O, Category::A][..])
    );
    assert_eq!(weighted_pairs(contender, moai), Some(Category::M));

    // O + A + M = I + R + Q = 6 of 12: not "outweighs", so the most frequent of I, R, Q (R), not M.
    assert!(share(6, 12) > share(1, 12) + share(4, 12) + share(1, 12)); // the float shares say O + A + M is larger
    let balanced = PerCategory {
        m: 6,
        i: 1,
        r: 4,
        q: 1,
        ..Default::default()
    };
    let s = &kano_summary(&[balanced], CategoryRule::OamVsIrq).unwrap()[0];
    assert_eq!(s.category, Some(Category::R));
    assert_eq!(weighted_pairs(balanced, CategoryRule::OamVsIrq), Some(Category::R));
}

/// Issue 20 item 7 (Kano part): counts that add past 2^64 − 1 are refused, not wrapped.
#[test]
fn counts_adding_past_u64_max_are_refused() {
    let huge = PerCategory {
        o: u64::MAX,
        i: 1,
        ..Default::default()
    };
    for rule in [
        CategoryRule::Mode,
        CategoryRule::OamVsIrq,
        CategoryRule::MOAI { gap: 0.06 },
    ] {
        assert!(matches!(kano_summary(&[huge], rule), Err(CxError::Overflow { .. })));
    }
    // Up to the limit is fine, and O + A + M may pass it inside the rule without wrapping.
    let full = PerCategory {
        o: u64::MAX / 2,
        a: u64::MAX / 2,
        m: 1,
        ..Default::default()
    };
    let s = &kano_summary(&[full], CategoryRule::OamVsIrq).unwrap()[0];
    assert_eq!(
        (s.n, s.contenders.as_slice()),
        (u64::MAX, &[Category::O, Category::A][..])
    );
    assert!(fong_test(u64::MAX, u64::MAX, u64::MAX).is_err());
}

/// Issue 20 item 11: 10^6 attributes took 4.7 GB. Each attribute costs a fixed-size tally and a result row, so
/// attributes are capped; the cap is checked before anything per attribute is allocated.
#[test]
fn attributes_past_the_cap_are_refused_before_allocating() {
    use cx_core::two_factor::MAX_KANO_ATTRIBUTES;
    let names = vec![String::new(); 1_000_000];
    let answers = [Some(Answer::Like)];
    let limited = |r: Result<usize, CxError>| match r {
        Err(CxError::LimitExceeded { what, limit, found }) => {
            assert_eq!(
                (what.as_str(), limit, found),
                ("Kano attributes", MAX_KANO_ATTRIBUTES as u64, 1_000_000)
            )
        }
        other => panic!("{other:?}"),
    };
    limited(kano(&KanoAnswers::new(&names, &answers, &answers), &KanoOptions::default()).map(|r| r.attributes.len()));
    let counts = vec![PerCategory::default(); 1_000_000];
    limited(kano_summary(&counts, CategoryRule::Mode).map(|s| s.len()));
    // At the cap, one pair per attribute, every attribute is analysed.
    let names: Vec<String> = (0..MAX_KANO_ATTRIBUTES).map(|i| i.to_string()).collect();
    let codes: Vec<u32> = (0..MAX_KANO_ATTRIBUTES as u32).collect();
    let f = vec![Some(Answer::Like); MAX_KANO_ATTRIBUTES];
    let d = vec![Some(Answer::Dislike); MAX_KANO_ATTRIBUTES];
    let result = kano(&KanoAnswers::new(&names, &f, &d).by(&codes), &KanoOptions::default()).unwrap();
    assert_eq!(result.attributes.len(), MAX_KANO_ATTRIBUTES);
    assert!(
        result
            .attributes
            .iter()
            .all(|a| a.summary.category == Some(Category::O))
    );
}
