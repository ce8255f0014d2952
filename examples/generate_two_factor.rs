//! Generates the bundled two-factor data of an online shop (seed 004's examples):
//! - `data/sample/kano_answers.csv`: a Kano questionnaire, 300 respondents × 8 attributes, with the
//!   respondent's importance of each attribute (1–9) and a few missing answers;
//! - `data/sample/attribute_ratings.csv`: 1,500 respondents' ratings (1–5) of the same attributes and their overall
//!   satisfaction (1–10);
//! - `data/sample/support_feedback.csv`: 800 customers — whether they hit a problem, were offered a resolution
//!   experience (self-service, proactive contact), had it resolved, contacted support — and their comments in
//!   English or Japanese.
//!
//! Run: `cargo run --example generate_two_factor [-- OUTPUT_DIR]`. The seed is fixed, so the files are
//! reproducible. Login, returns and delivery dates are built as hygiene factors (must-be, a large penalty and
//! little reward), service and advice as motivators, site ease and product quality as both, loyalty points as
//! indifferent; the tour shows whether both methods find that.

use cx_core::two_factor::{Answer, Category, EvaluationTable};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::error::Error;
use std::fmt::Write as _;

/// An attribute: id, its Kano type, PRCA penalty and reward, and how important respondents find it.
struct Attribute {
    id: &'static str,
    kano: Category,
    penalty: f64,
    reward: f64,
    importance: f64,
}

const ATTRIBUTES: [Attribute; 8] = [
    attr("login", Category::M, -2.0, 0.1, 7.5),
    attr("returns", Category::M, -1.4, 0.2, 6.5),
    attr("delivery_date", Category::M, -1.2, 0.15, 7.0),
    attr("site_ease", Category::O, -0.8, 0.8, 6.0),
    attr("product_quality", Category::O, -0.9, 1.0, 8.0),
    attr("impressive_service", Category::A, -0.1, 1.3, 5.5),
    attr("styling_advice", Category::A, -0.05, 0.9, 4.0),
    attr("loyalty_points", Category::I, -0.05, 0.05, 3.0),
];

const fn attr(id: &'static str, kano: Category, penalty: f64, reward: f64, importance: f64) -> Attribute {
    Attribute {
        id,
        kano,
        penalty,
        reward,
        importance,
    }
}

/// A category drawn around the attribute's true one: 55% the true one, the rest spread with a little R and Q.
fn draw_category(rng: &mut ChaCha8Rng, truth: Category) -> Category {
    let u: f64 = rng.random();
    let others = [Category::A, Category::O, Category::M, Category::I];
    match u {
        u if u < 0.55 => truth,
        u if u < 0.93 => others[rng.random_range(0..4)],
        u if u < 0.97 => Category::R,
        _ => Category::Q,
    }
}

/// A random answer pair the standard table maps to `category`.
fn pair_for(rng: &mut ChaCha8Rng, category: Category) -> (Answer, Answer) {
    let pairs: Vec<(Answer, Answer)> = Answer::ALL
        .iter()
        .flat_map(|&f| Answer::ALL.iter().map(move |&d| (f, d)))
        .filter(|&(f, d)| EvaluationTable::Standard.classify(f, d) == category)
        .collect();
    pairs[rng.random_range(0..pairs.len())]
}

fn kano_answers(rng: &mut ChaCha8Rng) -> String {
    let mut out = String::from("respondent,attribute,functional,dysfunctional,importance\n");
    for respondent in 1..=300 {
        for a in &ATTRIBUTES {
            let category = draw_category(rng, a.kano);
            let (f, d) = pair_for(rng, category);
            let missing = |rng: &mut ChaCha8Rng, name: &'static str| if rng.random::<f64>() < 0.01 { "" } else { name };
            let importance = (a.importance + rng.random_range(-2.0..2.0f64)).round().clamp(1.0, 9.0);
            let (f, d) = (missing(rng, f.name()), missing(rng, d.name()));
            writeln!(out, "r{respondent:03},{},{f},{d},{importance}", a.id).expect("write to a string");
        }
    }
    out
}

fn attribute_ratings(rng: &mut ChaCha8Rng) -> String {
    let mut out = String::from("respondent,overall");
    ATTRIBUTES
        .iter()
        .for_each(|a| write!(out, ",{}", a.id).expect("write to a string"));
    out.push('\n');
    for respondent in 1..=1500 {
        // A respondent's mood lifts or lowers all their ratings a little, as in real surveys.
        let mood: f64 = rng.random_range(-0.6..0.6);
        let mut overall = 6.6;
        let mut ratings = Vec::new();
        for a in &ATTRIBUTES {
            let u: f64 = (rng.random::<f64>() + mood * 0.25).clamp(0.0, 0.999);
            let rating = match u {
                u if u < 0.09 => 1,
                u if u < 0.23 => 2,
                u if u < 0.50 => 3,
                u if u < 0.81 => 4,
                _ => 5,
            };
            overall += match rating {
                1 | 2 => a.penalty,
                4 | 5 => a.reward * if rating == 5 { 1.0 } else { 0.5 },
                _ => 0.0,
            };
            ratings.push(rating);
        }
        let noise: f64 = (0..4).map(|_| rng.random_range(-0.5..0.5f64)).sum();
        let overall = (overall + noise + mood).round().clamp(1.0, 10.0);
        write!(out, "r{respondent:04},{overall}").expect("write to a string");
        ratings
            .iter()
            .for_each(|r| write!(out, ",{r}").expect("write to a string"));
        out.push('\n');
    }
    out
}

const HYGIENE_COMMENTS: [&str; 12] = [
    "I could not log in after the password reset",
    "ログインできない状態が続いた",
    "The returns process is confusing, where is the refund?",
    "返品の方法がわかりづらい",
    "The site is hard to use on my phone",
    "サイトが使いにくい",
    "No idea when my order will be delivered",
    "いつ届くかわからない",
    "Tracking page shows nothing",
    "配送状況が見えない",
    "Locked out of my account again",
    "返金がまだです",
];

const MOTIVATOR_COMMENTS: [&str; 10] = [
    "The stylist went above and beyond for me",
    "感動的な接客でした",
    "Excellent service as always",
    "サービスのクオリティが高い",
    "Great product, well made and durable",
    "商品の良さに満足",
    "The advice gave me confidence to try new things",
    "自分に自信が持てた",
    "Friendly staff, very professional",
    "丁寧な対応でした",
];

const OTHER_COMMENTS: [&str; 5] = ["Fine", "特になし", "Would buy again", "OK overall", "普通です"];

fn support_feedback(rng: &mut ChaCha8Rng) -> String {
    let mut out = String::from("customer,problem,offered,resolved,contacted,comment\n");
    for customer in 1..=800 {
        let problem = rng.random::<f64>() < 0.35;
        let offered = problem && rng.random::<f64>() < 0.55;
        let contacted = problem && rng.random::<f64>() < if offered { 0.15 } else { 0.45 };
        let resolved = problem && rng.random::<f64>() < if offered { 0.78 } else { 0.5 };
        let u: f64 = rng.random();
        let comment = match (problem, u) {
            (_, u) if u < 0.35 => "",
            (true, u) if u < 0.85 => HYGIENE_COMMENTS[rng.random_range(0..HYGIENE_COMMENTS.len())],
            (false, u) if u < 0.75 => MOTIVATOR_COMMENTS[rng.random_range(0..MOTIVATOR_COMMENTS.len())],
            _ => OTHER_COMMENTS[rng.random_range(0..OTHER_COMMENTS.len())],
        };
        let comment = if comment.contains(',') {
            format!("\"{comment}\"")
        } else {
            comment.to_string()
        };
        writeln!(
            out,
            "c{customer:04},{problem},{offered},{resolved},{contacted},{comment}"
        )
        .expect("write to a string");
    }
    out
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "data/sample".into());
    let mut rng = ChaCha8Rng::seed_from_u64(20_261_123);
    let files = [
        ("kano_answers.csv", kano_answers(&mut rng)),
        ("attribute_ratings.csv", attribute_ratings(&mut rng)),
        ("support_feedback.csv", support_feedback(&mut rng)),
    ];
    for (name, text) in files {
        let path = format!("{dir}/{name}");
        std::fs::write(&path, text)?;
        println!("wrote {path}");
    }
    Ok(())
}
