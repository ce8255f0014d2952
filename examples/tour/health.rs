//! The health part of the tour: the sample scorecard (`data/sample/scorecard.json`) over 600 synthetic accounts
//! (`data/sample/accounts.csv`): the portfolio by band, movers against last quarter, one red account explained,
//! and how well the score separated the accounts that churned the following quarter.

use cx_core::health::{Columns, Direction, Scorecard, Scorer, Status, validate_scores};
use std::collections::HashMap;
use std::error::Error;

/// The accounts CSV as columns: an empty cell is a missing value (NaN).
struct Accounts {
    ids: Vec<String>,
    columns: HashMap<String, Vec<f64>>,
}

fn load(path: &str) -> Result<Accounts, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers: Vec<String> = reader.headers()?.iter().map(String::from).collect();
    let mut ids = Vec::new();
    let mut columns: HashMap<String, Vec<f64>> = HashMap::new();
    for record in reader.records() {
        let record = record?;
        ids.push(record[0].to_string());
        for (name, cell) in headers.iter().zip(record.iter()).skip(2) {
            let value = if cell.is_empty() { f64::NAN } else { cell.parse()? };
            columns.entry(name.clone()).or_default().push(value);
        }
    }
    Ok(Accounts { ids, columns })
}

pub fn run() -> Result<(), Box<dyn Error>> {
    let card = Scorecard::from_json(&std::fs::read_to_string("data/sample/scorecard.json")?)?;
    let accounts = load("data/sample/accounts.csv")?;
    let scorer = Scorer::new(card)?;
    let card = scorer.scorecard();
    let column = |id: &str| -> Result<&[f64], Box<dyn Error>> {
        Ok(accounts
            .columns
            .get(id)
            .ok_or(format!("accounts.csv has no column {id}"))?)
    };
    let mut columns = Columns::new(card.measures.iter().map(|m| column(&m.id)).collect::<Result<_, _>>()?);
    let nps_at = card
        .measures
        .iter()
        .position(|m| m.id == "nps")
        .ok_or("scorecard has no nps measure")?;
    columns.ages[nps_at] = Some(column("nps_age_days")?);
    let batch = scorer.score(&columns, Some(column("previous_score")?))?;

    println!("\nHealth: {} accounts scored with `{}`", accounts.ids.len(), card.name);
    let n = accounts.ids.len();
    let mut per_band = vec![0usize; card.bands.names.len()];
    for b in batch.band.iter().flatten() {
        per_band[*b] += 1;
    }
    let insufficient = batch.score.iter().filter(|s| s.is_nan()).count();
    let bands: Vec<String> = (card.bands.names.iter().zip(&per_band))
        .map(|(name, count)| format!("{name} {count}"))
        .collect();
    println!("  bands: {} (insufficient data: {insufficient})", bands.join(", "));
    let fired: usize = batch.fired.iter().flatten().count();
    let count = |d: Direction| batch.trend.iter().filter(|t| **t == Some(d)).count();
    println!(
        "  overrides fired: {fired}; vs last quarter: {} up, {} flat, {} down (±{} points)",
        count(Direction::Up),
        count(Direction::Flat),
        count(Direction::Down),
        card.trend_tolerance
    );

    // Explain the lowest-scoring account that has a score.
    let worst = (0..n)
        .filter(|&i| !batch.score[i].is_nan())
        .min_by(|&a, &b| batch.score[a].total_cmp(&batch.score[b]))
        .ok_or("no account has a score")?;
    let e = scorer.explain(&columns, &batch, worst)?;
    println!(
        "\n  Why {} is {} ({:.1}, coverage {:.0}%{}):",
        accounts.ids[worst],
        e.band.as_deref().unwrap_or("unbanded"),
        e.score,
        100.0 * e.coverage,
        e.override_fired
            .as_deref()
            .map(|o| format!(", override {o}"))
            .unwrap_or_default()
    );
    println!(
        "    {:<38} {:>8} {:>7} {:>7} {:>7}",
        "measure", "raw", "points", "weight", "contrib"
    );
    for m in &e.measures {
        let points = if m.points.is_nan() {
            "-".into()
        } else {
            format!("{:.0}", m.points)
        };
        let note = match (m.status, m.imputed) {
            (Status::Observed, _) => String::new(),
            (status, true) => format!("  ({status:?}, imputed)").to_lowercase(),
            (status, false) => format!("  ({status:?}, excluded)").to_lowercase(),
        };
        println!(
            "    {:<38} {:>8.2} {:>7} {:>6.0}% {:>7.1}{note}",
            m.label,
            m.raw,
            points,
            100.0 * m.effective_weight,
            m.contribution
        );
    }

    let churned: Vec<bool> = column("churned_next_quarter")?.iter().map(|&c| c == 1.0).collect();
    let v = validate_scores(&batch.score, &churned, &card.bands, "red")?;
    println!(
        "\n  Against next quarter's churn ({} of {} scored accounts, base rate {:.1}%): AUC {:.3}; by the score's band\n  (before overrides):",
        v.churned,
        v.n,
        100.0 * v.base_rate,
        v.auc
    );
    for b in &v.bands {
        println!(
            "    {:<7} n={:<4} churn {:>5.1}%  lift {:.2}",
            b.band,
            b.n,
            100.0 * b.churn_rate,
            b.lift
        );
    }
    println!(
        "    lowest-scored 10%: churn {:.1}%, lift {:.2}, captures {:.0}% of churners; flagging red: precision {:.0}%, recall {:.0}%",
        100.0 * v.top_decile.churn_rate,
        v.top_decile.lift,
        100.0 * v.top_decile.capture,
        100.0 * v.threshold.precision,
        100.0 * v.threshold.recall
    );
    Ok(())
}
