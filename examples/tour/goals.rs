//! The goals part of the tour: the sample goal tree (`data/sample/goals.json`) from seed 003 — "raise NPS by 1
//! point this quarter", served by "cut average resolution time by 20% this quarter" and a CSAT guard-rail —
//! tracked at 2025-11-30 on monthly NPS and CSAT from the survey sample and weekly resolution times
//! (`data/sample/resolution_hours.csv`), with each goal's SMART check and last quarter's success rate.

use crate::Responses;
use chrono::NaiveDate;
use cx_core::goals::{GoalTree, Letter, Observations, Status, Tolerances, Verdict};
use cx_core::period::Period;
use cx_core::survey::{MetricSpec, TrendOptions, trend};
use std::error::Error;

/// A survey metric by calendar month, each month's value dated at the month's last day.
fn monthly(spec: &MetricSpec, scores: &[f64], dates: &[NaiveDate]) -> Result<Observations, Box<dyn Error>> {
    let options = TrendOptions {
        period: Period::Month,
        ..Default::default()
    };
    let rows = trend(spec, scores, dates, None, &options)?.rows;
    let (dates, values): (Vec<NaiveDate>, Vec<f64>) = rows
        .iter()
        .filter_map(|r| r.estimate.as_ref().map(|e| (r.end, e.value)))
        .unzip();
    Ok(Observations::new(&dates, &values)?)
}

fn resolution_hours(path: &str) -> Result<Observations, Box<dyn Error>> {
    let mut dates = Vec::new();
    let mut values = Vec::new();
    for record in csv::Reader::from_path(path)?.records() {
        let record = record?;
        dates.push(record[0].parse::<NaiveDate>()?);
        values.push(record[1].parse::<f64>()?);
    }
    Ok(Observations::new(&dates, &values)?)
}

/// The observations before `start`: the history the Achievable check judges the pace by.
fn before(obs: &Observations, start: Option<NaiveDate>) -> Result<Observations, Box<dyn Error>> {
    let start = start.unwrap_or(NaiveDate::MAX);
    let (dates, values): (Vec<NaiveDate>, Vec<f64>) = (obs.dates().iter().zip(obs.values()))
        .filter(|(d, _)| **d < start)
        .map(|(d, v)| (*d, *v))
        .unzip();
    Ok(Observations::new(&dates, &values)?)
}

fn mark(letter: &Letter) -> &'static str {
    match letter.verdict {
        Verdict::Pass => "pass",
        Verdict::Warn => "WARN",
        Verdict::Fail => "FAIL",
    }
}

pub fn run(r: &Responses) -> Result<(), Box<dyn Error>> {
    let tree = GoalTree::from_json(&std::fs::read_to_string("data/sample/goals.json")?)?;
    let as_of = NaiveDate::from_ymd_opt(2025, 11, 30).expect("valid date");
    let observations: Vec<Observations> = tree
        .goals()
        .iter()
        .map(|g| match g.metric.as_deref() {
            Some("nps") => monthly(&MetricSpec::nps(), &r.nps, &r.dates),
            Some("csat") => monthly(&MetricSpec::csat(), &r.csat, &r.dates),
            Some("avg_resolution_hours") => resolution_hours("data/sample/resolution_hours.csv"),
            other => Err(format!("no sample data for metric {other:?}").into()),
        })
        .collect::<Result<_, _>>()?;
    let progress = tree.progress(&observations, as_of, &Tolerances::default())?;

    println!("\nSMART goals (data/sample/goals.json) as of {as_of}: own progress, and rolled up the tree");
    println!(
        "  {:<34} {:>8} {:>8} {:>9} {:<11} {:>7} {:<11}",
        "goal", "current", "target", "progress", "status", "rolled", "rolled st."
    );
    for node in &progress.goals {
        let own = &node.own;
        let current = own.current.map_or("-".into(), |v| format!("{v:.1}"));
        println!(
            "  {:<34} {current:>8} {:>8.1} {:>5.0}/{:<3.0} {:<11} {:>6.0}% {:<11}",
            format!("{}{}", "  ".repeat(node.depth), node.goal),
            own.target,
            own.progress * 100.0,
            own.expected_progress * 100.0,
            own.status.name(),
            node.rolled_progress * 100.0,
            node.rolled_status.name(),
        );
    }
    println!("  (progress/expected in %: how far it has moved against the share of the quarter elapsed)");
    for node in &progress.goals {
        println!("  {}: {}", node.goal, node.own.reason);
    }

    println!("\nSMART checks (history = the observations before each goal's start)");
    for (goal, obs) in tree.goals().iter().zip(&observations) {
        let report = goal.check(Some(&before(obs, goal.start)?))?;
        println!("  {} \"{}\" — overall {:?}", goal.id, goal.title, report.verdict);
        for (name, letter) in [
            ("Specific", &report.specific),
            ("Measurable", &report.measurable),
            ("Achievable", &report.achievable),
            ("Relevant", &report.relevant),
            ("Time-bound", &report.time_bound),
        ] {
            println!("    {name:<11} {} {}", mark(letter), letter.reason);
        }
        // A goal that fails Measurable can still read `achieved`: say whether the observed move itself is beyond
        // the noise of a difference between two periods (√2 × one period's margin, equal sizes and variances).
        let own = progress.goals.iter().find(|n| n.goal == goal.id).map(|n| &n.own);
        if let (Some(own), Some(noise)) = (own, report.noise)
            && own.status == Status::Achieved
            && report.measurable.verdict == Verdict::Fail
        {
            let moved = own.current.unwrap_or(own.baseline) - own.baseline;
            let margin = noise.margin_of_error * 2f64.sqrt();
            println!(
                "    Note: `achieved`, and the observed move of {moved:+.1} {} the ±{margin:.1} margin of a change \
                 between two periods of {} responses; a move of just the target ({:+}) never could.",
                if moved.abs() > margin { "exceeds" } else { "is inside" },
                noise.responses,
                own.target - own.baseline
            );
        }
    }

    let closed = GoalTree::from_json(&std::fs::read_to_string("data/sample/goals_closed.json")?)?;
    let rate = closed.success_rate()?;
    println!(
        "\nLast quarter's goals (data/sample/goals_closed.json): {} achieved, {} partially, {} missed, {} cancelled \
         (excluded): success rate {:.0}%",
        rate.achieved,
        rate.partially_achieved,
        rate.missed,
        rate.cancelled,
        rate.rate * 100.0
    );
    Ok(())
}
