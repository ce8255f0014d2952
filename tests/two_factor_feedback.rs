//! Feedback tagging with the default and custom lexicons, and the effortless-experience metric.

use cx_core::CxError;
use cx_core::survey::interval::wilson;
use cx_core::two_factor::{
    EffortlessCounts, EffortlessFlags, Factor, LEXICON_VERSION, Lexicon, Theme, effortless, effortless_from_counts,
    tag_lists, tag_texts,
};
use proptest::prelude::*;

fn themes_of(texts: &[&str]) -> Vec<Vec<String>> {
    let texts: Vec<Option<&str>> = texts.iter().map(|t| Some(*t)).collect();
    let tagging = tag_texts(&Lexicon::default_lexicon(), &texts, 0.95).unwrap();
    tagging.items.into_iter().map(|i| i.unwrap().themes).collect()
}

#[test]
fn the_default_lexicon_knows_the_seed_examples_in_both_languages() {
    // Seed 004: ログインできない, 返品がわかりづらい, サイトが使いづらい, いつ届くかわからない (hygiene);
    // 感動的な接客, サービスのクオリティ, 商品の良さ, 個人の自己実現 (motivators).
    let ja = themes_of(&[
        "ログインできない",
        "返品の方法がわかりづらい",
        "サイトが使いづらい",
        "いつ届くかわからない",
        "感動的な接客でした",
        "サービスのクオリティが高い",
        "商品の良さを実感",
        "個人の自己実現につながった",
    ]);
    let want = [
        "login",
        "returns",
        "site_usability",
        "delivery",
        "impressive_service",
        "service_quality",
        "product_quality",
        "self_realisation",
    ];
    for (got, want) in ja.iter().zip(want) {
        assert_eq!(got, &[want], "{want}");
    }
    let en = themes_of(&[
        "I cannot log in since the update",
        "How do I return this? Refunds are unclear",
        "The site is hard to use",
        "No idea when my order will be delivered",
        "The agent went above and beyond",
        "Excellent service as always",
        "Great product, very durable",
        "This tool helped me achieve my goals",
    ]);
    for (got, want) in en.iter().zip(want) {
        assert_eq!(got, &[want], "{want}");
    }
}

#[test]
fn whole_words_prefixes_and_case() {
    let got = themes_of(
        &[
            "Passwords and LOGIN issues", // "password" is a whole word only: not matched in "passwords"; LOGIN is
            "It was returned quickly",    // return* is a prefix
            "catalogin",                  // "login" inside a word: no
            "no shipping fee",            // whole word "shipping"
            "",                           // blank: missing
        ][..4],
    );
    assert_eq!(got[0], ["login"]);
    assert_eq!(got[1], ["returns"]);
    assert!(got[2].is_empty());
    assert_eq!(got[3], ["delivery"]);
}

#[test]
fn shares_carry_wilson_intervals_and_missing_items_are_counted() {
    let texts = [
        Some("could not log in"),
        Some("login failed again"),
        Some("lovely staff, excellent service"),
        Some("nothing to add"),
        None,
        Some("   "),
    ];
    let t = tag_texts(&Lexicon::default_lexicon(), &texts, 0.9).unwrap();
    assert_eq!((t.n, t.n_missing, t.level), (4, 2, 0.9));
    assert!(t.items[4].is_none() && t.items[5].is_none());
    let login = t.themes.iter().find(|s| s.id == "login").unwrap();
    assert_eq!(login.share.count, 2);
    assert_eq!(login.share.share, 0.5);
    let (lo, hi) = wilson(2.0, 4.0, cx_core::stats::z_for_level(0.9).unwrap());
    assert_eq!((login.share.ci_low, login.share.ci_high), (lo, hi));
    assert_eq!(t.factors[0].factor, Factor::Hygiene);
    assert_eq!(t.factors[0].share.count, 2);
    assert_eq!(t.factors[1].share.count, 1);
    assert_eq!(t.untagged.count, 1);
    assert_eq!(t.items[0].as_ref().unwrap().matched, ["log in"]);
    assert_eq!(
        tag_texts(&Lexicon::default_lexicon(), &[None, Some("")], 0.95).unwrap_err(),
        CxError::empty("feedback items (all missing or blank)")
    );
}

#[test]
fn tag_lists_match_ids_labels_and_terms_and_report_the_rest() {
    let lists = vec![
        Some(vec!["login", "Delivery date unknown"]),
        Some(vec!["配送", "vip"]),
        Some(vec![]),
        None,
        Some(vec!["VIP", "product_quality"]),
    ];
    let t = tag_lists(&Lexicon::default_lexicon(), &lists, 0.95).unwrap();
    assert_eq!(t.items[0].as_ref().unwrap().themes, ["login", "delivery"]);
    assert_eq!(t.items[1].as_ref().unwrap().themes, ["delivery"]);
    assert!(t.items[2].as_ref().unwrap().themes.is_empty());
    assert_eq!((t.n, t.n_missing, t.untagged.count), (4, 1, 1));
    assert_eq!(
        t.unmatched_tags.into_iter().collect::<Vec<_>>(),
        [("VIP".into(), 1), ("vip".into(), 1)]
    );
}

#[test]
fn custom_lexicons_load_validate_and_round_trip() {
    let lexicon = Lexicon {
        version: LEXICON_VERSION,
        name: "billing".into(),
        themes: vec![Theme {
            id: "invoice".into(),
            label: "Invoice errors".into(),
            factor: Factor::Hygiene,
            terms: vec!["invoice*".into(), "請求書".into()],
        }],
    };
    let back = Lexicon::from_json(&lexicon.to_json()).unwrap();
    assert_eq!(back, lexicon);
    let t = tag_texts(
        &back,
        &[Some("Two invoices were wrong"), Some("請求書が届かない")],
        0.95,
    )
    .unwrap();
    assert_eq!(t.themes[0].share.count, 2);
    let default_back = Lexicon::from_json(&Lexicon::default_lexicon().to_json()).unwrap();
    assert_eq!(default_back, Lexicon::default_lexicon());
    for (json, field) in [
        (r#"{"version":1,"name":"x","themes":[]}"#, "themes"),
        (
            r#"{"version":1,"name":"x","themes":[{"id":"a","label":"A","factor":"hygiene","terms":["a"]},{"id":"a","label":"B","factor":"motivator","terms":["b"]}]}"#,
            "themes[1].id",
        ),
        (
            r#"{"version":1,"name":"x","themes":[{"id":"a","label":"A","factor":"hygiene","terms":["*a"]}]}"#,
            "themes[0].terms[0]",
        ),
        (
            r#"{"version":1,"name":"x","themes":[{"id":"a","label":"A","factor":"both","terms":["a"]}]}"#,
            "themes[0].factor",
        ),
    ] {
        match Lexicon::from_json(json) {
            Err(CxError::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{json}: {other:?}"),
        }
    }
    assert!(matches!(
        Lexicon::from_json(r#"{"version":3,"name":"x","themes":[]}"#),
        Err(CxError::UnsupportedVersion { found: 3, .. })
    ));
}

#[test]
fn effortless_factors_multiply_and_nest() {
    let c = EffortlessCounts {
        customers: 1000,
        problem: 200,
        offered: 120,
        resolved_offered: 90,
        contacted: 40,
        silent_offered: 100,
    };
    let m = effortless_from_counts(&c, 0.95).unwrap();
    let share = |name: &str| m.factors.iter().find(|f| f.name == name).unwrap().share;
    assert_eq!(m.effortless, 90);
    assert_eq!(m.silent, 160);
    // 200 × 0.6 × 0.75 = 90.
    assert!((200.0 * share("offer_rate") * share("resolution_rate") - 90.0).abs() < 1e-12);
    assert_eq!(share("effortless_share"), 0.45);
    assert_eq!(share("silent_share"), 0.8);
    assert_eq!(share("silent_reached"), 0.625);
    assert_eq!(share("problem_share"), 0.2);
    for f in &m.factors {
        assert!(f.ci_low <= f.share && f.share <= f.ci_high, "{f:?}");
    }
    let bad = EffortlessCounts {
        resolved_offered: 121,
        ..c
    };
    assert!(matches!(
        effortless_from_counts(&bad, 0.95),
        Err(CxError::InvalidArgument { name, .. }) if name == "resolved_offered"
    ));
    // Nothing offered: the resolution rate is undefined, not 0.
    let none = effortless_from_counts(
        &EffortlessCounts {
            customers: 10,
            problem: 3,
            contacted: 3,
            ..Default::default()
        },
        0.95,
    )
    .unwrap();
    assert!(
        none.factors
            .iter()
            .find(|f| f.name == "resolution_rate")
            .unwrap()
            .share
            .is_nan()
    );
    let json = serde_json::to_string(&none).unwrap();
    assert!(
        json.contains(r#""name":"resolution_rate","count":0,"of":0,"share":null"#),
        "{json}"
    );
}

#[test]
fn effortless_flags_are_checked() {
    let yes = [true; 3];
    let no = [false; 3];
    let flags = EffortlessFlags {
        problem: &[true, false, true],
        offered: &[true, true, false],
        resolved: &no,
        contacted: &no,
    };
    assert!(matches!(
        effortless(&flags, 0.95),
        Err(CxError::InvalidArgument { name, .. }) if name == "offered[1]"
    ));
    let short = EffortlessFlags {
        problem: &yes,
        offered: &yes[..2],
        resolved: &yes,
        contacted: &yes,
    };
    assert!(matches!(effortless(&short, 0.95), Err(CxError::LengthMismatch { .. })));
}

proptest! {
    /// From any consistent flags, the counts equal a naive recount and effortless = problem × offer × resolution.
    #[test]
    fn flags_and_counts_agree(rows in prop::collection::vec((any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()), 0..300)) {
        let problem: Vec<bool> = rows.iter().map(|r| r.0).collect();
        let offered: Vec<bool> = rows.iter().map(|r| r.0 && r.1).collect();
        let resolved: Vec<bool> = rows.iter().map(|r| r.0 && r.2).collect();
        let contacted: Vec<bool> = rows.iter().map(|r| r.0 && r.3).collect();
        let flags = EffortlessFlags { problem: &problem, offered: &offered, resolved: &resolved, contacted: &contacted };
        let m = effortless(&flags, 0.95).unwrap();
        let count = |f: &dyn Fn(usize) -> bool| (0..rows.len()).filter(|&i| f(i)).count() as u64;
        prop_assert_eq!(m.counts.problem, count(&|i| problem[i]));
        prop_assert_eq!(m.effortless, count(&|i| offered[i] && resolved[i]));
        prop_assert_eq!(m.silent, count(&|i| problem[i] && !contacted[i]));
        prop_assert_eq!(m.counts.silent_offered, count(&|i| offered[i] && !contacted[i]));
        let share = |name: &str| m.factors.iter().find(|f| f.name == name).unwrap().share;
        if m.counts.offered > 0 {
            let product = m.counts.problem as f64 * share("offer_rate") * share("resolution_rate");
            prop_assert!((product - m.effortless as f64).abs() < 1e-9);
        }
    }
}
