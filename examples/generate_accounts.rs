//! Generates the bundled account data `data/sample/accounts.csv` for the health scorecard
//! `data/sample/scorecard.json`: one row per account with the scorecard's raw measures (empty = missing), the
//! age of the NPS answer, last quarter's score, and whether the account churned the following quarter.
//!
//! Run: `cargo run --example generate_accounts [-- OUTPUT.csv]`. The seed is fixed, so the file is reproducible.
//!
//! The story: a latent "health" drives usage, value, relationship and churn, so a good scorecard separates
//! churners; ROI is often not measured yet, NPS answers go stale, and a few sponsors leave.

use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use std::error::Error;

const ACCOUNTS: usize = 600;

fn cell(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(String::new, |v| format!("{v:.decimals$}"))
}

fn main() -> Result<(), Box<dyn Error>> {
    let output = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/sample/accounts.csv".into());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20_251_001);
    let mut out = csv::Writer::from_path(&output)?;
    out.write_record([
        "account_id",
        "segment",
        "dau_ratio",
        "feature_usage_rate",
        "logins_per_week",
        "roi_vs_target",
        "nps",
        "nps_age_days",
        "exec_sponsor",
        "open_tickets",
        "previous_score",
        "churned_next_quarter",
    ])?;
    for account in 0..ACCOUNTS {
        let segment = ["enterprise", "mid_market", "smb"][rng.random_range(0..3)];
        let lift = match segment {
            "enterprise" => 0.3,
            "smb" => -0.3,
            _ => 0.0,
        };
        let z: f64 = StandardNormal.sample(&mut rng);
        let health = lift + z;
        let noisy = |rng: &mut rand_chacha::ChaCha8Rng, centre: f64, slope: f64, spread: f64| {
            let e: f64 = StandardNormal.sample(rng);
            centre + slope * health + spread * e
        };
        let dau = noisy(&mut rng, 0.3, 0.12, 0.08).clamp(0.0, 1.0);
        let features = (rng.random::<f64>() > 0.05).then(|| noisy(&mut rng, 0.2, 0.08, 0.06).clamp(0.0, 1.0));
        let logins = noisy(&mut rng, 12.0, 5.0, 4.0).max(0.0).round();
        let roi = (rng.random::<f64>() > 0.2).then(|| noisy(&mut rng, 0.9, 0.3, 0.25).clamp(0.0, 3.0));
        let nps = (rng.random::<f64>() > 0.3).then(|| noisy(&mut rng, 7.0, 1.8, 1.5).round().clamp(0.0, 10.0));
        let nps_age = nps.map(|_| f64::from(rng.random_range(0..365u32)));
        let sponsor_left = rng.random::<f64>() < 0.05 + 0.05 * f64::from(u8::from(health < -1.0));
        let tickets = noisy(&mut rng, 3.0, -1.5, 1.5).max(0.0).round();
        let previous = (rng.random::<f64>() > 0.1).then(|| noisy(&mut rng, 60.0, 15.0, 8.0).clamp(0.0, 100.0));
        let churn_p = 1.0 / (1.0 + (1.8 + 1.3 * health).exp());
        let churned = rng.random::<f64>() < churn_p;
        out.write_record([
            format!("A{account:04}"),
            segment.to_string(),
            cell(Some(dau), 3),
            cell(features, 3),
            cell(Some(logins), 0),
            cell(roi, 2),
            cell(nps, 0),
            cell(nps_age, 0),
            if sponsor_left { "0".into() } else { "1".into() },
            cell(Some(tickets), 0),
            cell(previous, 1),
            u8::from(churned).to_string(),
        ])?;
    }
    out.flush()?;
    Ok(())
}
