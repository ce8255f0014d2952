//! The two-factor part of the tour: which of an online shop's attributes are hygiene factors and which are
//! motivators, by two methods on two kinds of data — the Kano questionnaire (`data/sample/kano_answers.csv`) and
//! penalty–reward contrast analysis of ordinary ratings (`attribute_ratings.csv`) — side by side; then the themes
//! of support comments in English and Japanese and the effortless-experience metric (`support_feedback.csv`).

use cx_core::two_factor::{
    Answer, AnswerMapping, CategoryRule, EffortlessFlags, KanoAnswers, KanoOptions, KanoResult, Lexicon, PrcaOptions,
    PrcaResult, effortless, kano, prca, tag_texts,
};
use std::error::Error;

const SAMPLE: &str = "data/sample";

fn records(name: &str) -> Result<(csv::StringRecord, Vec<csv::StringRecord>), Box<dyn Error>> {
    let mut reader = csv::Reader::from_path(format!("{SAMPLE}/{name}"))?;
    let headers = reader.headers()?.clone();
    let rows = reader.records().collect::<Result<Vec<_>, _>>()?;
    Ok((headers, rows))
}

fn column(headers: &csv::StringRecord, name: &str) -> Result<usize, Box<dyn Error>> {
    Ok(headers
        .iter()
        .position(|h| h == name)
        .ok_or(format!("no column `{name}`"))?)
}

/// The Kano questionnaire: answers mapped by label (an empty cell is a missing answer), attributes by first
/// appearance.
fn kano_sample(rule: CategoryRule, weighted: bool) -> Result<KanoResult, Box<dyn Error>> {
    let (h, rows) = records("kano_answers.csv")?;
    let (a, f, d, imp) = (
        column(&h, "attribute")?,
        column(&h, "functional")?,
        column(&h, "dysfunctional")?,
        column(&h, "importance")?,
    );
    let mapping = AnswerMapping::standard();
    let answer = |text: &str, what: &str, row: usize| -> Result<Option<Answer>, Box<dyn Error>> {
        Ok(if text.is_empty() {
            None
        } else {
            Some(mapping.label(text, what, row)?)
        })
    };
    let mut names: Vec<String> = Vec::new();
    let (mut functional, mut dysfunctional, mut attribute, mut importance) = (vec![], vec![], vec![], vec![]);
    for (row, r) in rows.iter().enumerate() {
        let code = match names.iter().position(|n| n == &r[a]) {
            Some(code) => code,
            None => {
                names.push(r[a].to_string());
                names.len() - 1
            }
        };
        attribute.push(code as u32);
        functional.push(answer(&r[f], "functional answers", row)?);
        dysfunctional.push(answer(&r[d], "dysfunctional answers", row)?);
        importance.push(r[imp].parse::<f64>()?);
    }
    let answers = KanoAnswers::new(&names, &functional, &dysfunctional).by(&attribute);
    let answers = if weighted {
        answers.weighted(&importance)
    } else {
        answers
    };
    let options = KanoOptions {
        rule,
        ..Default::default()
    };
    Ok(kano(&answers, &options)?)
}

/// PRCA of the ratings: low = 1–2, high = 4–5 on the 1–5 scale.
fn prca_sample() -> Result<PrcaResult, Box<dyn Error>> {
    let (h, rows) = records("attribute_ratings.csv")?;
    let overall_col = column(&h, "overall")?;
    let names: Vec<String> = h.iter().skip(2).map(String::from).collect();
    let mut ratings = Vec::with_capacity(rows.len() * names.len());
    let mut overall = Vec::with_capacity(rows.len());
    for r in &rows {
        overall.push(r[overall_col].parse::<f64>()?);
        for j in 0..names.len() {
            ratings.push(r[2 + j].parse::<f64>()?);
        }
    }
    Ok(prca(&ratings, &overall, &names, &PrcaOptions::new(2.0, 4.0))?)
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("—".into(), |v| format!("{v:.digits$}"))
}

fn print_map(by_kano: &KanoResult, weighted: &KanoResult, by_prca: &PrcaResult) {
    println!(
        "  {:<19} │ {:>3} {:>4} {:>4} {:>5} {:>6} {:<11} {:>3} │ {:>7} {:>6} {:>5} {:<12} {:<9} │ agree",
        "attribute",
        "cat",
        "str",
        "fong",
        "better",
        "worse",
        "herzberg",
        "wtd",
        "penalty",
        "reward",
        "ia",
        "class",
        "factor"
    );
    for k in &by_kano.attributes {
        let s = &k.summary;
        let w = weighted.attributes.iter().find(|w| w.attribute == k.attribute);
        let p = by_prca.attributes.iter().find(|p| p.attribute == k.attribute);
        let herzberg = s.herzberg.map_or("tie", |h| h.name());
        let prca_factor = p.and_then(|p| p.factor).map_or("—", |f| f.name());
        // Kano's hygiene / motivator correspond to PRCA's; performance to hybrid.
        let agree = match (herzberg, prca_factor) {
            ("hygiene", "hygiene") | ("motivator", "motivator") | ("performance", "hybrid") => "yes",
            ("neutral", _) | ("reverse", _) | ("invalid", _) | ("tie", _) => "—",
            _ => "no",
        };
        println!(
            "  {:<19} │ {:>3} {:>4} {:>4} {:>5} {:>6} {:<11} {:>3} │ {:>7} {:>6} {:>5} {:<12} {:<9} │ {agree}",
            k.attribute,
            s.category.map_or("?", |c| c.letter()),
            opt(s.category_strength.map(|x| 100.0 * x), 0),
            s.fong.map_or("—", |f| if f.significant { "sig" } else { "ns" }),
            opt(s.better, 2),
            opt(s.worse, 2),
            herzberg,
            w.and_then(|w| w.summary.category).map_or("?", |c| c.letter()),
            p.map_or("—".into(), |p| format!("{:+.2}", p.penalty)),
            p.map_or("—".into(), |p| format!("{:+.2}", p.reward)),
            opt(p.and_then(|p| p.ia), 2),
            p.and_then(|p| p.class).map_or("—", |c| c.name()),
            prca_factor,
        );
    }
}

fn print_feedback() -> Result<(), Box<dyn Error>> {
    let (h, rows) = records("support_feedback.csv")?;
    let flag = |name: &str| -> Result<Vec<bool>, Box<dyn Error>> {
        let c = column(&h, name)?;
        rows.iter().map(|r| Ok(r[c].parse::<bool>()?)).collect()
    };
    let comment = column(&h, "comment")?;
    let texts: Vec<Option<&str>> = rows
        .iter()
        .map(|r| Some(&r[comment]).filter(|t| !t.is_empty()))
        .collect();
    let tagging = tag_texts(&Lexicon::default_lexicon(), &texts, 0.95)?;
    println!(
        "\nSupport comments tagged with the default lexicon (English and Japanese): {} comments, {} customers left none",
        tagging.n, tagging.n_missing
    );
    for t in &tagging.themes {
        println!(
            "  {:<24} {:<9} {:>4}  {:>5.1}% [{:.1}, {:.1}]",
            t.label,
            t.factor.name(),
            t.share.count,
            100.0 * t.share.share,
            100.0 * t.share.ci_low,
            100.0 * t.share.ci_high
        );
    }
    for f in &tagging.factors {
        println!(
            "  any {:<20} {:>14}  {:>5.1}%",
            f.factor.name(),
            f.share.count,
            100.0 * f.share.share
        );
    }
    println!(
        "  untagged {:>29}  {:>5.1}%",
        tagging.untagged.count,
        100.0 * tagging.untagged.share
    );
    let (problem, offered, resolved, contacted) = (
        flag("problem")?,
        flag("offered")?,
        flag("resolved")?,
        flag("contacted")?,
    );
    let flags = EffortlessFlags {
        problem: &problem,
        offered: &offered,
        resolved: &resolved,
        contacted: &contacted,
    };
    let m = effortless(&flags, 0.95)?;
    println!(
        "\nEffortless experience (seed 004): {} customers with a problem × offer rate × resolution rate = {} effortless \
         experiences; {} silent customers never contacted support",
        m.counts.problem, m.effortless, m.silent
    );
    for f in &m.factors {
        println!(
            "  {:<17} {:>4} / {:<4} {:>5.1}% [{:.1}, {:.1}]",
            f.name,
            f.count,
            f.of,
            100.0 * f.share,
            100.0 * f.ci_low,
            100.0 * f.ci_high
        );
    }
    Ok(())
}

/// Prints the hygiene / motivator map from both methods, then feedback themes and the effortless metric.
pub fn run() -> Result<(), Box<dyn Error>> {
    let rule = CategoryRule::MOAI {
        gap: CategoryRule::DEFAULT_GAP,
    };
    let by_kano = kano_sample(rule, false)?;
    let weighted = kano_sample(rule, true)?;
    let by_prca = prca_sample()?;
    let n_missing: u64 = by_kano.attributes.iter().map(|a| a.n_missing).sum();
    let n: u64 = by_kano.attributes.iter().map(|a| a.summary.n).sum();
    println!(
        "\n== Two factors: hygiene or motivator? ==\nKano: {} answer pairs over {} attributes ({} skipped for a missing \
         answer), {} table, rule {} (gap 6%); wtd = category with answers weighted by importance.\nPRCA: {} \
         respondents, overall satisfaction (1-10) on low (1-2) / high (4-5) dummies, R² {}; IA bands ±{} / ±{}.",
        n,
        by_kano.attributes.len(),
        n_missing,
        by_kano.table.name(),
        by_kano.rule.name(),
        by_prca.n,
        opt(by_prca.r_squared, 2),
        by_prca.bands.hybrid,
        by_prca.bands.extreme
    );
    print_map(&by_kano, &weighted, &by_prca);
    print_feedback()
}
