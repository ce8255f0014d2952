//! The journeys part of the tour: the success roadmap of seed 001 (`data/sample/success_roadmap.json`, trial →
//! onboarding → operation → value realisation with its six guided actions) over 200 synthetic accounts
//! (`journey_facts.json`), and the three phases around go-live of seed 000 (`golive_roadmap.json`) over 16 shops
//! (`golive_facts.json`), evaluated at 2025-12-31; then the event-log funnel over the accounts' events, and the
//! health-score candidates the roadmap's guided actions suggest.

use chrono::NaiveDate;
use cx_core::journey::{
    AccountEvaluation, FactsDocument, FunnelMode, FunnelSpec, JourneyStatus, Portfolio, Roadmap, funnel,
};
use cx_core::period::days_since_epoch;
use std::collections::HashMap;
use std::error::Error;

const SAMPLE: &str = "data/sample";

fn load(roadmap: &str, facts: &str) -> Result<(Roadmap, FactsDocument), Box<dyn Error>> {
    let r = Roadmap::from_json(&std::fs::read(format!("{SAMPLE}/{roadmap}"))?)?;
    let f = FactsDocument::from_json(&std::fs::read(format!("{SAMPLE}/{facts}"))?)?;
    Ok((r, f))
}

fn pct(x: f64) -> String {
    if x.is_nan() {
        "—".into()
    } else {
        format!("{:.0}%", 100.0 * x)
    }
}

fn days(x: f64) -> String {
    if x.is_nan() { "—".into() } else { format!("{x:.0}") }
}

fn print_portfolio(p: &Portfolio) {
    println!(
        "  {} accounts, {} not started. Stage funnel (in progress = may still arrive; dropped = stuck before it):",
        p.n_accounts, p.not_started
    );
    println!(
        "  {:<18} {:>4} {:>4} {:>4} {:>4} │ {:>7} {:>11} {:>7} {:>6} {:>6} │ {:>8} {:>8}",
        "stage",
        "now",
        "ok",
        "late",
        "stuck",
        "reached",
        "in progress",
        "dropped",
        "step",
        "total",
        "days p50",
        "days p90"
    );
    for s in &p.stages {
        println!(
            "  {:<18} {:>4} {:>4} {:>4} {:>4} │ {:>7} {:>11} {:>7} {:>6} {:>6} │ {:>8} {:>8}",
            s.stage,
            s.current,
            s.on_track,
            s.behind,
            s.stuck,
            s.reached,
            s.in_progress,
            s.dropped,
            pct(s.conversion_from_previous),
            pct(s.conversion_from_entry),
            days(s.days_to_reach_p50),
            days(s.days_to_reach_p90)
        );
    }
    println!("  Standard tasks done by their due date, of those due:");
    for t in &p.tasks {
        println!(
            "    {:<18} {:<8} {:>4} / {:<4} {}",
            t.stage,
            t.owner.name(),
            t.done_by_due,
            t.due,
            pct(t.rate)
        );
    }
    println!("  Guided actions executed, of those triggered:");
    for a in &p.actions {
        println!(
            "    {:<18} {:<11} {:>4} / {:<4} {:>5}  ({} open)",
            a.action,
            a.kind.name(),
            a.executed,
            a.triggered,
            pct(a.rate),
            a.open
        );
    }
    let stuck = p.stalled.iter().filter(|s| s.status == JourneyStatus::Stuck).count();
    println!(
        "  Stalled: {} ({} stuck, {} behind); the longest:",
        p.stalled.len(),
        stuck,
        p.stalled.len() - stuck
    );
    for s in p.stalled.iter().take(4) {
        println!("    {:<9} {:<7} {}", s.account, s.status.name(), s.reason);
    }
}

fn print_account(e: &AccountEvaluation) {
    println!(
        "  {}: {} — {}",
        e.account,
        e.stage.as_deref().unwrap_or(if e.status == JourneyStatus::Completed {
            "completed"
        } else {
            "—"
        }),
        e.reason
    );
    for o in &e.tasks_by_owner {
        print!("    {} {}/{}/{}", o.owner.name(), o.done, o.open, o.overdue);
    }
    println!("   (tasks done/open/overdue)");
    if !e.next_tasks.is_empty() {
        println!("    next: {}", e.next_tasks.join(", "));
    }
    for f in e.fired.iter().rev().take(3).rev() {
        let values: Vec<String> = f
            .values
            .iter()
            .map(|v| {
                if v.value.is_nan() {
                    format!("{}: no data", v.what)
                } else {
                    format!("{} = {}", v.what, v.value)
                }
            })
            .collect();
        let state = f.executed.map_or("open".to_string(), |d| format!("executed {d}"));
        println!(
            "    fired {} {} → {} ({}; {state})",
            f.date,
            f.action,
            f.target,
            values.join(", ")
        );
    }
}

pub fn run() -> Result<(), Box<dyn Error>> {
    let as_of = NaiveDate::from_ymd_opt(2025, 12, 31).expect("valid date");
    let (roadmap, facts) = load("success_roadmap.json", "journey_facts.json")?;
    let evaluations = roadmap.evaluate_all(&facts.accounts, as_of)?;
    let portfolio = roadmap.portfolio(&evaluations)?;
    println!("\nSuccess roadmap \"{}\" as of {as_of}", roadmap.name);
    print_portfolio(&portfolio);
    println!(
        "  Three accounts up close (status, tasks by owner, the last guided actions and the values that fired them):"
    );
    let pick = |status: JourneyStatus| evaluations.iter().find(|e| e.status == status && !e.fired.is_empty());
    for e in [JourneyStatus::Stuck, JourneyStatus::Behind, JourneyStatus::OnTrack]
        .into_iter()
        .filter_map(pick)
    {
        print_account(e);
    }

    let (golive, shops) = load("golive_roadmap.json", "golive_facts.json")?;
    let shop_evaluations = golive.evaluate_all(&shops.accounts, as_of)?;
    println!("\nRoll-out roadmap \"{}\" as of {as_of}", golive.name);
    print_portfolio(&golive.portfolio(&shop_evaluations)?);

    // The event-log funnel over the same accounts' events, as columns (account, event code, day).
    let steps = ["trial_start", "first_login", "setup_complete", "feature_adopted"];
    let code: HashMap<&str, u32> = steps.iter().enumerate().map(|(i, s)| (*s, i as u32)).collect();
    let (mut accounts, mut events, mut stamps) = (Vec::new(), Vec::new(), Vec::new());
    for (i, account) in facts.accounts.iter().enumerate() {
        for (event, dates) in &account.events {
            for d in dates {
                accounts.push(i as u32);
                events.push(code.get(event.as_str()).copied().unwrap_or(steps.len() as u32));
                stamps.push(days_since_epoch(*d));
            }
        }
    }
    let spec = FunnelSpec {
        steps: (0..steps.len() as u32).collect(),
        window: 60,
        mode: FunnelMode::Ordered,
        as_of: Some(days_since_epoch(as_of)),
    };
    let f = funnel(&accounts, &events, &stamps, &spec)?;
    println!(
        "\nEvent-log funnel, {} within 60 days of the trial start ({} events, {} accounts; ties: {})",
        steps.join(" → "),
        f.n_events,
        f.n_accounts,
        f.ties
    );
    for s in &f.steps {
        println!(
            "  {:<16} reached {:>4}  in progress {:>3}  dropped {:>3}  step {:>5}  total {:>5}  days p50 {:>3} p90 {:>3}",
            steps[s.step],
            s.reached,
            s.in_progress,
            s.dropped,
            pct(s.conversion_from_previous),
            pct(s.conversion_from_entry),
            days(s.time_to_convert_p50),
            days(s.time_to_convert_p90)
        );
    }

    println!("\nHealth-score candidates from the roadmap's guided actions (a scorecard skeleton to tune):");
    for c in roadmap.health_candidates() {
        println!(
            "  {:<28} from {:<16} {:<11} {}",
            c.measure,
            c.actions.join(", "),
            c.kind.name(),
            c.condition
        );
    }
    let card = roadmap.scorecard_skeleton()?;
    println!(
        "  → a valid scorecard \"{}\" with {} measures",
        card.name,
        card.measures.len()
    );
    Ok(())
}
