//! Generates the bundled journey facts: `data/sample/journey_facts.json` (200 SaaS accounts on the success roadmap
//! `success_roadmap.json`) and `data/sample/golive_facts.json` (16 shops around their go-live on
//! `golive_roadmap.json`). Facts are weekly metrics, events, task completions and executions of guided actions.
//!
//! Run: `cargo run --example generate_journeys [-- OUTPUT_DIR]`. The seed is fixed, so the files are reproducible.
//!
//! The story: most accounts move through trial and onboarding in time, some are slow to set up (their first-login
//! rate stays low, so "contact the admin" fires), a few never finish setting up (stuck), the key person's usage
//! drops at some accounts, and the customer-success team carries out about two thirds of the guided actions a few
//! days after they fire. Executions are added by evaluating the roadmap, so they answer real firings.

use chrono::{Days, NaiveDate};
use cx_core::journey::{AccountFacts, FactsDocument, Roadmap};
use rand::{RngExt, SeedableRng};
use std::error::Error;

const ACCOUNTS: usize = 200;
const SHOPS: usize = 16;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn plus(d: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        d + Days::new(days as u64)
    } else {
        d - Days::new((-days) as u64)
    }
}

/// How an account moves: days to decide, to set up, to adopt, and whether it stalls.
struct Pace {
    decide: i64,
    setup: Option<i64>,
    adopt: f64,
    key_person_drop: Option<i64>,
    answers_nps: bool,
}

fn pace(rng: &mut impl RngExt) -> Pace {
    let u: f64 = rng.random();
    let (decide, setup, adopt) = if u < 0.4 {
        (
            rng.random_range(5..11),
            Some(rng.random_range(10..20)),
            rng.random_range(1.0..1.4),
        )
    } else if u < 0.75 {
        (
            rng.random_range(9..16),
            Some(rng.random_range(18..32)),
            rng.random_range(0.8..1.1),
        )
    } else if u < 0.9 {
        (
            rng.random_range(15..29),
            Some(rng.random_range(30..60)),
            rng.random_range(0.5..0.8),
        )
    } else {
        (rng.random_range(8..40), None, rng.random_range(0.2..0.5))
    };
    Pace {
        decide,
        setup,
        adopt,
        key_person_drop: (rng.random::<f64>() < 0.2).then(|| rng.random_range(40..200)),
        answers_nps: rng.random::<f64>() < 0.7,
    }
}

fn saas_account(rng: &mut impl RngExt, i: usize, as_of: NaiveDate) -> AccountFacts {
    let start = plus(date(2025, 1, 6), rng.random_range(0..330));
    let p = pace(rng);
    let mut f = AccountFacts {
        account: format!("acct-{i:03}"),
        start: Some(start),
        ..Default::default()
    };
    let task = |f: &mut AccountFacts, id: &str, day: i64| {
        let d = plus(start, day);
        if d <= as_of {
            f.tasks.insert(id.into(), d);
        }
    };
    if rng.random::<f64>() < 0.8 {
        task(&mut f, "trial_kickoff", rng.random_range(1..5));
    }
    let decided = p.decide;
    task(&mut f, "adoption_decision", decided);
    task(&mut f, "kickoff_meeting", decided + rng.random_range(3..10));
    task(&mut f, "hearing_sheet", decided + rng.random_range(5..15));
    let setup_day = p.setup.map(|s| decided + s);
    if let Some(s) = setup_day {
        task(&mut f, "initial_setup", s);
        if rng.random::<f64>() < 0.7 {
            task(&mut f, "training", s + rng.random_range(-5..10));
        }
        if rng.random::<f64>() < 0.6 {
            task(&mut f, "training_check", s + rng.random_range(0..14));
        }
        task(&mut f, "go_live_meeting", s + rng.random_range(2..20));
        if rng.random::<f64>() < 0.6 {
            task(&mut f, "usage_plan", s + rng.random_range(15..45));
        }
        if rng.random::<f64>() < 0.8 {
            task(&mut f, "first_feature_use", s + rng.random_range(3..14));
        }
        if rng.random::<f64>() < 0.5 {
            task(&mut f, "roi_review", s + rng.random_range(120..220));
        }
    }
    // Weekly metrics from the start to as_of: ramps that start at setup and grow with the adoption pace.
    let weeks = (as_of - start).num_days() / 7;
    let noise = |rng: &mut dyn FnMut() -> f64, scale: f64| (rng() - 0.5) * scale;
    let mut events: Vec<(&str, i64)> = vec![("trial_start", 0)];
    let first = |name: &'static str, day: i64, events: &mut Vec<(&str, i64)>| {
        if !events.iter().any(|(n, _)| *n == name) {
            events.push((name, day));
        }
    };
    for w in 0..=weeks {
        let day = 7 * w;
        let since_decision = (day - decided) as f64;
        let since_setup = setup_day.map_or(-1.0, |s| (day - s) as f64);
        let mut r = || rng.random::<f64>();
        let login = if since_decision < 0.0 {
            0.1
        } else {
            (0.15 + p.adopt * since_decision / 60.0).min(0.95)
        };
        let login = (login + noise(&mut r, 0.06)).clamp(0.0, 1.0);
        let ramp = if since_setup < 0.0 {
            0.0
        } else {
            (p.adopt * since_setup / 90.0).min(1.3)
        };
        let dau = (ramp * 80.0 + noise(&mut r, 8.0)).max(0.0).round();
        let usage = (0.05 + ramp * 0.5 + noise(&mut r, 0.04)).clamp(0.0, 1.0);
        let activation = (0.3 + ramp * 0.55 + noise(&mut r, 0.04)).clamp(0.0, 1.0);
        let dropped = p.key_person_drop.is_some_and(|d| day >= d);
        let key_person = (40.0 * ramp * if dropped { 0.55 } else { 1.0 } + noise(&mut r, 2.0)).max(0.0);
        let d = plus(start, day);
        let m = &mut f.metrics;
        let mut put = |name: &str, v: f64| {
            m.entry(name.into())
                .or_default()
                .push((d, (v * 1000.0).round() / 1000.0))
        };
        put("first_login_rate", login);
        if since_setup >= 0.0 {
            put("dau", dau);
            put("feature_usage_rate", usage);
            put("license_activation_rate", activation);
            put("key_person_usage", key_person);
            if w % 4 == 0 && since_setup >= 28.0 {
                put("roi_ratio", (ramp * 0.9 + noise(&mut r, 0.1)).max(0.0));
            }
        }
        if login > 0.3 {
            first("first_login", day, &mut events);
        }
        if setup_day.is_some_and(|s| day >= s) {
            first("setup_complete", setup_day.unwrap_or(day), &mut events);
        }
        if usage >= 0.3 {
            first("feature_adopted", day, &mut events);
        }
    }
    if p.answers_nps {
        let mut day = decided + rng.random_range(20..40);
        while plus(start, day) <= as_of {
            events.push(("nps_response", day));
            day += rng.random_range(25..50);
        }
    }
    for (name, day) in events {
        let d = plus(start, day);
        if d <= as_of {
            f.events.entry(name.into()).or_default().push(d);
        }
    }
    f
}

fn shop(rng: &mut impl RngExt, i: usize, as_of: NaiveDate) -> AccountFacts {
    let go_live = plus(date(2025, 3, 1), rng.random_range(0..260));
    let mut f = AccountFacts {
        account: format!("shop-{i:02}"),
        anchors: [("go_live".to_string(), go_live)].into(),
        ..Default::default()
    };
    let late = rng.random::<f64>() < 0.25;
    let tasks = [
        ("kickoff_meeting", -84),
        ("line_account", -70),
        ("terms", -60),
        ("payment_setup", -45),
        ("store_and_menu", -30),
        ("coupons", -21),
        ("store_qa", -14),
        ("promo_materials", -7),
        ("onsite_support", 0),
        ("announce", 5),
        ("week1_review", 9),
        ("month_end_review", 33),
        ("regular_meeting", 90),
        ("sales_proposal", 100),
    ];
    for (task, due) in tasks {
        let slip = if late {
            rng.random_range(-3..20)
        } else {
            rng.random_range(-7..3)
        };
        let d = plus(go_live, due + slip);
        if d <= as_of && rng.random::<f64>() < 0.98 {
            f.tasks.insert(task.into(), d);
        }
    }
    // Daily orders from go-live, weekly observations; LINE friends weekly from 60 days before.
    let strength: f64 = rng.random_range(0.3..1.6);
    for w in -8..=((as_of - go_live).num_days() / 7) {
        let d = plus(go_live, 7 * w);
        if d > as_of {
            break;
        }
        let weeks = w as f64;
        if w >= 0 {
            let orders = (strength * (4.0 + 2.5 * weeks).min(45.0) + rng.random_range(-2.0..2.0))
                .max(0.0)
                .round();
            f.metrics.entry("orders_per_day".into()).or_default().push((d, orders));
        }
        let friends = (200.0 + strength * 40.0 * (weeks + 8.0) * (1.0 + 0.02 * weeks.max(0.0))).round();
        f.metrics.entry("line_friends".into()).or_default().push((d, friends));
    }
    f
}

/// Adds executions for about two thirds of the firings, 1 to 10 days later, round by round (an execution lets a
/// deduplicated action fire again).
fn execute(roadmap: &Roadmap, accounts: &mut [AccountFacts], as_of: NaiveDate, rng: &mut impl RngExt) {
    let mut decided = std::collections::HashSet::new();
    for _ in 0..3 {
        let evaluations = roadmap
            .evaluate_all(accounts, as_of)
            .expect("generated facts are valid");
        for (facts, e) in accounts.iter_mut().zip(evaluations) {
            for fired in e.fired.iter().filter(|f| f.executed.is_none()) {
                // Each firing is decided once: executed or left open.
                if decided.insert((e.account.clone(), fired.action.clone(), fired.date)) && rng.random::<f64>() < 0.67 {
                    let d = plus(fired.date, rng.random_range(1..11));
                    if d <= as_of {
                        facts.executions.entry(fired.action.clone()).or_default().push(d);
                    }
                }
            }
        }
    }
}

fn write(path: &str, accounts: Vec<AccountFacts>) -> Result<(), Box<dyn Error>> {
    let mut text = serde_json::to_string(&FactsDocument { accounts })?;
    text.push('\n');
    std::fs::write(path, text)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "data/sample".into());
    let as_of = date(2025, 12, 31);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20_251_123);
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/sample");
    let success = Roadmap::from_json(&std::fs::read(format!("{sample}/success_roadmap.json"))?)?;
    let golive = Roadmap::from_json(&std::fs::read(format!("{sample}/golive_roadmap.json"))?)?;
    let mut accounts: Vec<AccountFacts> = (0..ACCOUNTS).map(|i| saas_account(&mut rng, i, as_of)).collect();
    execute(&success, &mut accounts, as_of, &mut rng);
    let mut shops: Vec<AccountFacts> = (0..SHOPS).map(|i| shop(&mut rng, i, as_of)).collect();
    execute(&golive, &mut shops, as_of, &mut rng);
    write(&format!("{dir}/journey_facts.json"), accounts)?;
    write(&format!("{dir}/golive_facts.json"), shops)?;
    Ok(())
}
