//! Generates the bundled sample data `data/sample/survey_responses.csv`: a few thousand synthetic survey
//! responses over 2025 with dates, segments, respondent ids, weights, NPS, CSAT and CES answers.
//!
//! Run: `cargo run --example generate_sample [-- OUTPUT.csv]`. The seed is fixed, so the file is reproducible.
//!
//! The story in the data: SMB customers start 2025 unhappy (onboarding is hard), a fix ships in July and SMB
//! NPS jumps; enterprise stays strong; some answers are missing; some respondents answer more than once;
//! weights correct an over-sampled segment.

use chrono::{Datelike, NaiveDate, TimeDelta};
use rand::{RngExt, SeedableRng};
use std::error::Error;

const ROWS: usize = 4_000;

/// A customer segment of the synthetic population.
struct Segment {
    name: &'static str,
    /// Share of all responses.
    share: f64,
    /// Survey weight correcting its over- or under-sampling.
    weight: f64,
    /// Probabilities of detractor, passive, promoter before and after the onboarding fix.
    before: [f64; 3],
    after: [f64; 3],
}

const SEGMENTS: [Segment; 3] = [
    Segment {
        name: "enterprise",
        share: 0.25,
        weight: 1.6,
        before: [0.15, 0.30, 0.55],
        after: [0.14, 0.30, 0.56],
    },
    Segment {
        name: "mid_market",
        share: 0.35,
        weight: 1.0,
        before: [0.25, 0.35, 0.40],
        after: [0.22, 0.35, 0.43],
    },
    Segment {
        name: "smb",
        share: 0.40,
        weight: 0.6,
        before: [0.42, 0.33, 0.25],
        after: [0.22, 0.33, 0.45],
    },
];

fn pick(rng: &mut impl RngExt, probabilities: &[f64]) -> usize {
    let mut u: f64 = rng.random();
    for (i, p) in probabilities.iter().enumerate() {
        if u < *p {
            return i;
        }
        u -= p;
    }
    probabilities.len() - 1
}

fn main() -> Result<(), Box<dyn Error>> {
    let output = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/sample/survey_responses.csv".into());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20_250_101);
    let mut out = csv::Writer::from_path(&output)?;
    out.write_record([
        "response_id",
        "respondent_id",
        "date",
        "segment",
        "weight",
        "nps",
        "csat",
        "ces",
    ])?;
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date");
    let fix_ships = NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date");
    for response in 0..ROWS {
        let segment = pick(&mut rng, &SEGMENTS.map(|s| s.share));
        let Segment {
            name,
            weight,
            before,
            after,
            ..
        } = SEGMENTS[segment];
        let date = start + TimeDelta::days(rng.random_range(0..365));
        let category = pick(&mut rng, if date < fix_ships { &before } else { &after });
        let nps: u8 = match category {
            0 => rng.random_range(0..=6),
            1 => rng.random_range(7..=8),
            _ => rng.random_range(9..=10),
        };
        // CSAT and CES follow NPS loosely: happier customers rate the interaction better and found it easier.
        let csat = (1 + nps / 3 + rng.random_range(0..=1)).min(5);
        let ces = (1 + nps * 6 / 10 + rng.random_range(0..=1)).min(7);
        // About 3% skipped the NPS question; 2% skipped CES.
        let nps_text = if rng.random::<f64>() < 0.03 {
            String::new()
        } else {
            nps.to_string()
        };
        let ces_text = if rng.random::<f64>() < 0.02 {
            String::new()
        } else {
            ces.to_string()
        };
        // 2,600 respondents for 4,000 responses: some answer more than once.
        let respondent = format!("R{:04}", rng.random_range(0..2_600) + 10_000 * (segment as u32));
        out.write_record([
            format!("S{response:05}"),
            respondent,
            format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day()),
            name.to_string(),
            format!("{weight}"),
            nps_text,
            csat.to_string(),
            ces_text,
        ])?;
    }
    out.flush()?;
    println!("wrote {ROWS} responses to {output}");
    Ok(())
}
