//! A tour of cx on the bundled sample data (`data/sample/survey_responses.csv`, 4,000 synthetic responses).
//!
//! Run: `cargo run --release --example tour [-- PATH.csv]`
//!
//! It prints what a CX analyst would look at: NPS, CSAT and CES with intervals; NPS by segment against the
//! rest; the monthly trend with significant changes flagged; fiscal quarters counting each respondent once;
//! a trailing 90-day NPS; and how many responses a target margin needs. Then health scoring: the sample
//! scorecard over 600 accounts, with an explanation and a check against later churn (`tour/health.rs`). SMART goals:
//! the sample goal tree tracked on the survey's monthly NPS and CSAT, with SMART checks (`tour/goals.rs`).
//! Journeys: two roadmaps' portfolios, stalled accounts and the event funnel (`tour/journeys.rs`). Two factors:
//! a hygiene / motivator map of a shop's attributes from a Kano questionnaire and from penalty–reward analysis of
//! ratings, support-comment themes and the effortless-experience metric (`tour/two_factor.rs`).

use chrono::NaiveDate;
use cx_core::period::Period;
use cx_core::survey::{
    self, CompareMethod, Estimate, EstimateOptions, GroupOptions, MetricSpec, PAdjust, RollingOptions, TrendOptions,
    latest_per_respondent, margin_of_error, rolling, sample_size_for_margin, score_by, trend,
};
use std::error::Error;

#[path = "tour/goals.rs"]
mod goals;
#[path = "tour/health.rs"]
mod health;
#[path = "tour/journeys.rs"]
mod journeys;
#[path = "tour/two_factor.rs"]
mod two_factor;

struct Responses {
    respondents: Vec<String>,
    dates: Vec<NaiveDate>,
    segments: Vec<String>,
    weights: Vec<f64>,
    nps: Vec<f64>,
    csat: Vec<f64>,
    ces: Vec<f64>,
}

/// Reads the CSV; an empty cell is a missing answer (NaN), which the library counts, never drops silently.
fn load(path: &str) -> Result<Responses, Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(path)?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or(format!("{path}: no column `{name}`"))
    };
    let (rid, date, seg, w, nps, csat, ces) = (
        column("respondent_id")?,
        column("date")?,
        column("segment")?,
        column("weight")?,
        column("nps")?,
        column("csat")?,
        column("ces")?,
    );
    let number = |text: &str| -> Result<f64, Box<dyn Error>> {
        if text.is_empty() {
            Ok(f64::NAN)
        } else {
            Ok(text.parse()?)
        }
    };
    let mut r = Responses {
        respondents: vec![],
        dates: vec![],
        segments: vec![],
        weights: vec![],
        nps: vec![],
        csat: vec![],
        ces: vec![],
    };
    for (line, record) in reader.records().enumerate() {
        let record = record?;
        let at = |e: Box<dyn Error>| format!("{path}, data row {}: {e}", line + 1);
        r.respondents.push(record[rid].to_string());
        r.dates
            .push(NaiveDate::parse_from_str(&record[date], "%Y-%m-%d").map_err(|e| at(e.into()))?);
        r.segments.push(record[seg].to_string());
        r.weights.push(number(&record[w]).map_err(at)?);
        r.nps.push(number(&record[nps]).map_err(at)?);
        r.csat.push(number(&record[csat]).map_err(at)?);
        r.ces.push(number(&record[ces]).map_err(at)?);
    }
    Ok(r)
}

fn interval(e: &Estimate) -> String {
    format!("[{:6.1}, {:6.1}]", e.ci_low, e.ci_high)
}

fn headline(label: &str, unit: &str, e: &Estimate) {
    println!(
        "  {label:<22} {:7.1}{unit:<3} {}  {:>3.0}% {:<16} n = {:>5}  missing {:>3}",
        e.value,
        interval(e),
        e.level * 100.0,
        e.method.name(),
        e.n,
        e.n_missing
    );
}

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/sample/survey_responses.csv".into());
    let r = load(&path)?;
    let nps = MetricSpec::nps();
    println!(
        "cx {} tour: {} survey responses from {path}\n",
        cx_core::VERSION,
        r.nps.len()
    );

    println!("Headline metrics (value, interval, method)");
    let default = EstimateOptions::default();
    let e_nps = survey::score(&nps, &r.nps, None, &default)?;
    headline("NPS (points)", "", &e_nps);
    println!(
        "  {:<22} promoters {:.1}%  passives {:.1}%  detractors {:.1}%",
        "",
        e_nps.promoters(),
        e_nps.passives(),
        e_nps.detractors()
    );
    let weighted = survey::score(&nps, &r.nps, Some(&r.weights), &default)?;
    headline("NPS, weighted", "", &weighted);
    println!(
        "  {:<22} Kish effective n {:.0}, design effect {:.2}: the weights cost {:.0}% of the sample",
        "",
        weighted.n_effective,
        weighted.design_effect,
        100.0 * (1.0 - 1.0 / weighted.design_effect)
    );
    headline(
        "CSAT (% 4-5 of 1-5)",
        "%",
        &survey::score(&MetricSpec::csat(), &r.csat, None, &default)?,
    );
    headline(
        "CES 2.0 mean (1-7)",
        "",
        &survey::score(&MetricSpec::ces2_mean(), &r.ces, None, &default)?,
    );
    headline(
        "CES 2.0 % agree (5-7)",
        "%",
        &survey::score(&MetricSpec::ces2_agree(), &r.ces, None, &default)?,
    );

    println!("\nNPS by segment, each against all other responses (Holm-adjusted p)");
    let by = score_by(
        &nps,
        &r.nps,
        &r.segments,
        None,
        &GroupOptions {
            compare_to_rest: Some(CompareMethod::Wald),
            adjust: PAdjust::Holm,
            min_n: 30,
            ..Default::default()
        },
    )?;
    println!(
        "  {:<12} {:>6} {:>17} {:>6} {:>14} {:>8}",
        "segment", "NPS", "95% interval", "n", "vs rest", "p adj"
    );
    for row in &by.rows {
        let c = row.vs_rest.as_ref().expect("compared");
        println!(
            "  {:<12} {:6.1} {} {:6} {:+14.1} {:8.4}{}",
            row.key,
            row.estimate.value,
            interval(&row.estimate),
            row.estimate.n,
            c.delta,
            row.p_adjusted.unwrap_or(f64::NAN),
            if row.significant == Some(true) { "  *" } else { "" }
        );
    }
    for s in &by.suppressed {
        println!("  {:<12} not shown: {}", s.key, s.reason);
    }

    for segment in ["all", "smb"] {
        let (scores, dates): (Vec<f64>, Vec<NaiveDate>) = r
            .nps
            .iter()
            .zip(&r.dates)
            .zip(&r.segments)
            .filter(|(_, s)| segment == "all" || s.as_str() == segment)
            .map(|((n, d), _)| (*n, *d))
            .unzip();
        println!("\nMonthly NPS, {segment} (change vs previous month; * = significant at 5% after Holm)");
        let t = trend(
            &nps,
            &scores,
            &dates,
            None,
            &TrendOptions {
                period: Period::Month,
                adjust: PAdjust::Holm,
                ..Default::default()
            },
        )?;
        println!(
            "  {:<8} {:>6} {:>17} {:>5} {:>8} {:>8}",
            "month", "NPS", "95% interval", "n", "change", "p adj"
        );
        for row in &t.rows {
            let Some(e) = &row.estimate else {
                println!("  {:<8} {:>6} (n = {})", row.label, "-", row.n);
                continue;
            };
            let change = row.change.as_ref().map_or("".into(), |c| format!("{:+8.1}", c.delta));
            let p = row.p_adjusted.map_or("".into(), |p| format!("{p:8.4}"));
            let flag = if row.significant == Some(true) { "  *" } else { "" };
            println!(
                "  {:<8} {:6.1} {} {:5} {change:>8} {p:>8}{flag}",
                row.label,
                e.value,
                interval(e),
                e.n
            );
        }
    }

    println!("\nFiscal quarters (April start), each respondent's latest answer in the quarter");
    let fiscal_quarter = Period::Quarter { fiscal_start_month: 4 };
    let kept = latest_per_respondent(&r.respondents, &r.dates, Some(fiscal_quarter))?;
    let pick = |v: &[f64]| kept.kept.iter().map(|&i| v[i]).collect::<Vec<_>>();
    let dates: Vec<NaiveDate> = kept.kept.iter().map(|&i| r.dates[i]).collect();
    println!(
        "  {} repeat answers set aside, {} kept",
        kept.n_dropped,
        kept.kept.len()
    );
    let q = trend(
        &nps,
        &pick(&r.nps),
        &dates,
        None,
        &TrendOptions {
            period: fiscal_quarter,
            ..Default::default()
        },
    )?;
    for row in &q.rows {
        if let Some(e) = &row.estimate {
            let change = row.change.as_ref().map_or("".into(), |c| {
                format!(
                    "change {:+.1} [{:.1}, {:.1}], p = {:.4}",
                    c.delta, c.ci_low, c.ci_high, c.p_value
                )
            });
            println!(
                "  {:<10} {:6.1} {}  n = {:4}  {change}",
                row.label,
                e.value,
                interval(e),
                e.n
            );
        }
    }

    println!("\nTrailing 90-day NPS at each month end");
    let rows = rolling(
        &nps,
        &r.nps,
        &r.dates,
        None,
        &RollingOptions {
            window_days: 90,
            step: Period::Month,
            estimate: default,
            min_n: 30,
        },
    )?;
    for row in rows.iter().filter(|row| row.estimate.is_some()) {
        let e = row.estimate.as_ref().expect("filtered");
        println!(
            "  {} .. {}  {:6.1} {}  n = {}",
            row.start,
            row.end,
            e.value,
            interval(e),
            e.n
        );
    }

    println!("\nPlanning");
    let per_month = e_nps.n / 12;
    let variance = (e_nps.se * e_nps.se) * e_nps.n as f64; // observed per-respondent variance, points²
    println!(
        "  With ~{per_month} responses a month (observed σ² = {:.0} points²), a monthly NPS is good to ±{:.1} points.",
        variance,
        margin_of_error(per_month, variance, 0.95, None)?
    );
    println!(
        "  ±5 points at 95% needs {} responses at that variance, {} in the worst case (σ² = 10,000).",
        sample_size_for_margin(5.0, variance, 0.95, None)?,
        sample_size_for_margin(5.0, nps.worst_case_variance(), 0.95, None)?
    );
    goals::run(&r)?;
    health::run()?;
    journeys::run()?;
    two_factor::run()
}
