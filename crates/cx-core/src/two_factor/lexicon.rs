//! Feedback tagging: a lexicon of themes, each a hygiene factor or a motivator, matched in free-text comments or
//! tag lists, with shares and Wilson intervals.
//!
//! Matching is case-insensitive. A term matches whole words where its own edge is an ASCII letter or digit
//! (`return` does not match `returning`), and anywhere otherwise, which is what Japanese text (no spaces) needs. A
//! trailing `*` makes a term a prefix (`return*` matches `returns`, `returned`). There is no stemming, spelling
//! correction or negation handling: "no problem logging in" mentions the login theme. Themes say what a comment is
//! about, not whether it is happy.

use super::{Factor, wilson_share};
use crate::serde_util::{check_version, from_json, nan_as_null};
use crate::{CxError, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the [`Lexicon`] JSON format.
pub const LEXICON_VERSION: u32 = 1;

/// One theme: its id, label, factor and the terms (any language) that signal it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    /// Identifier, unique in the lexicon.
    pub id: String,
    /// Name shown in results.
    pub label: String,
    /// Hygiene or motivator.
    pub factor: Factor,
    /// Terms; a trailing `*` marks a prefix.
    pub terms: Vec<String>,
}

/// A set of themes. See the module documentation for the matching rules.
///
/// ```
/// use cx_core::two_factor::{Lexicon, tag_texts};
/// let lexicon = Lexicon::default_lexicon();
/// let texts = [Some("I could not log in for two days"), Some("商品の良さに感動しました"), None];
/// let tagging = tag_texts(&lexicon, &texts, 0.95)?;
/// assert_eq!(tagging.items[0].as_ref().unwrap().themes, ["login"]);
/// assert_eq!(tagging.items[1].as_ref().unwrap().themes, ["impressive_service", "product_quality"]);
/// assert_eq!((tagging.n, tagging.n_missing), (2, 1));
/// # Ok::<(), cx_core::CxError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lexicon {
    /// Format version, [`LEXICON_VERSION`].
    pub version: u32,
    /// Name shown in results.
    pub name: String,
    /// The themes.
    pub themes: Vec<Theme>,
}

impl Lexicon {
    /// The default lexicon in English and Japanese, seeded with the examples of seed 004 (Herzberg's two factors
    /// in e-commerce support): cannot log in, returns unclear, site hard to use, delivery date unknown (hygiene);
    /// impressive service, service quality, product quality, self-realisation (motivators).
    pub fn default_lexicon() -> Lexicon {
        let theme = |id: &str, label: &str, factor, terms: &[&str]| Theme {
            id: id.into(),
            label: label.into(),
            factor,
            terms: terms.iter().map(|t| t.to_string()).collect(),
        };
        use Factor::{Hygiene, Motivator};
        Lexicon {
            version: LEXICON_VERSION,
            name: "default (en, ja)".into(),
            themes: vec![
                theme(
                    "login",
                    "Cannot log in",
                    Hygiene,
                    &[
                        "log in",
                        "login",
                        "log-in",
                        "logging in",
                        "sign in",
                        "signin",
                        "sign-in",
                        "password",
                        "locked out",
                        "ログイン",
                        "サインイン",
                        "パスワード",
                    ],
                ),
                theme(
                    "returns",
                    "Returns unclear",
                    Hygiene,
                    &["return*", "refund*", "exchange", "返品", "返金", "交換"],
                ),
                theme(
                    "site_usability",
                    "Site hard to use",
                    Hygiene,
                    &[
                        "hard to use",
                        "difficult to use",
                        "confusing",
                        "hard to find",
                        "can't find",
                        "cannot find",
                        "navigation",
                        "usability",
                        "使いづらい",
                        "使いにくい",
                        "わかりにくい",
                        "分かりにくい",
                        "見つからない",
                    ],
                ),
                theme(
                    "delivery",
                    "Delivery date unknown",
                    Hygiene,
                    &[
                        "deliver*", "shipping", "shipment", "shipped", "arriv*", "tracking", "届く", "届か", "届き",
                        "配送", "配達", "発送", "到着",
                    ],
                ),
                theme(
                    "impressive_service",
                    "Impressive service",
                    Motivator,
                    &[
                        "above and beyond",
                        "impressed",
                        "amazing service",
                        "wonderful service",
                        "moved",
                        "touched",
                        "感動",
                        "接客",
                        "心のこもった",
                    ],
                ),
                theme(
                    "service_quality",
                    "Service quality",
                    Motivator,
                    &[
                        "service quality",
                        "quality of service",
                        "great service",
                        "excellent service",
                        "helpful staff",
                        "friendly staff",
                        "professional",
                        "サービスの質",
                        "サービスのクオリティ",
                        "サービス品質",
                        "丁寧",
                        "親切",
                    ],
                ),
                theme(
                    "product_quality",
                    "Product quality",
                    Motivator,
                    &[
                        "product quality",
                        "great product",
                        "well made",
                        "well-made",
                        "durable",
                        "high quality",
                        "商品の良さ",
                        "品質",
                        "商品が良い",
                        "いい商品",
                        "良い商品",
                    ],
                ),
                theme(
                    "self_realisation",
                    "Self-realisation",
                    Motivator,
                    &[
                        "achiev*",
                        "my goal*",
                        "confiden*",
                        "empower*",
                        "grow",
                        "grew",
                        "自己実現",
                        "成長",
                        "達成",
                        "自信",
                    ],
                ),
            ],
        }
    }

    /// Reads a lexicon from JSON and validates it.
    pub fn from_json(json: &str) -> Result<Lexicon> {
        check_version(WHAT, json.as_bytes(), LEXICON_VERSION)?;
        let lexicon: Lexicon = from_json(WHAT, json.as_bytes())?;
        lexicon.validate()?;
        Ok(lexicon)
    }

    /// The lexicon as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a lexicon always serialises")
    }

    /// Checks for themes, unique non-empty ids, and terms that are not blank and carry `*` only at the end.
    pub fn validate(&self) -> Result<()> {
        let invalid = |field: String, reason: &str| CxError::InvalidConfig {
            what: WHAT.into(),
            field,
            reason: reason.into(),
        };
        if self.version != LEXICON_VERSION {
            return Err(CxError::UnsupportedVersion {
                what: WHAT.into(),
                found: self.version,
                supported: LEXICON_VERSION,
            });
        }
        if self.themes.is_empty() {
            return Err(invalid("themes".into(), "a lexicon needs at least one theme"));
        }
        let mut seen = std::collections::HashSet::new();
        for (t, theme) in self.themes.iter().enumerate() {
            if theme.id.trim().is_empty() {
                return Err(invalid(format!("themes[{t}].id"), "must not be blank"));
            }
            if !seen.insert(theme.id.as_str()) {
                return Err(invalid(
                    format!("themes[{t}].id"),
                    &format!("`{}` is used twice", theme.id),
                ));
            }
            if theme.terms.is_empty() {
                return Err(invalid(format!("themes[{t}].terms"), "a theme needs at least one term"));
            }
            for (i, term) in theme.terms.iter().enumerate() {
                let body = term.strip_suffix('*').unwrap_or(term);
                if body.trim().is_empty() || body.contains('*') {
                    return Err(invalid(
                        format!("themes[{t}].terms[{i}]"),
                        "a term must not be blank and may carry `*` only at its end",
                    ));
                }
            }
        }
        Ok(())
    }
}

const WHAT: &str = "lexicon";

/// A lexicon term ready for matching.
struct Pattern {
    text: String,
    word_start: bool,
    word_end: bool,
}

impl Pattern {
    fn new(term: &str) -> Pattern {
        let prefix = term.ends_with('*');
        let text = term.trim_end_matches('*').to_lowercase();
        let is_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        Pattern {
            word_start: is_word(text.chars().next()),
            word_end: !prefix && is_word(text.chars().next_back()),
            text,
        }
    }

    /// Whether the pattern occurs in `text` (already lower-cased) with the boundaries it needs.
    fn occurs_in(&self, text: &str) -> bool {
        let is_word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        text.match_indices(self.text.as_str()).any(|(at, m)| {
            (!self.word_start || !is_word(text[..at].chars().next_back()))
                && (!self.word_end || !is_word(text[at + m.len()..].chars().next()))
        })
    }
}

/// A count with its share of the items and the Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TagShare {
    /// Items counted.
    pub count: u64,
    /// count / n.
    #[serde(with = "nan_as_null")]
    pub share: f64,
    /// Lower Wilson bound.
    #[serde(with = "nan_as_null")]
    pub ci_low: f64,
    /// Upper Wilson bound.
    #[serde(with = "nan_as_null")]
    pub ci_high: f64,
}

/// How often a theme was mentioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeShare {
    /// The theme's id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// Its factor.
    pub factor: Factor,
    /// Items mentioning it.
    #[serde(flatten)]
    pub share: TagShare,
}

/// How often any theme of a factor was mentioned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorShare {
    /// The factor.
    pub factor: Factor,
    /// Items mentioning at least one of its themes.
    #[serde(flatten)]
    pub share: TagShare,
}

/// The themes of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemTags {
    /// Ids of the themes found, in lexicon order.
    pub themes: Vec<String>,
    /// For each theme, the first term (or tag) that matched it.
    pub matched: Vec<String>,
    /// A hygiene theme was found.
    pub hygiene: bool,
    /// A motivator theme was found.
    pub motivator: bool,
}

/// Tags of every item and the shares over the items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tagging {
    /// The lexicon's name.
    pub lexicon: String,
    /// Items tagged (not missing or blank).
    pub n: u64,
    /// Items missing or blank.
    pub n_missing: u64,
    /// Confidence level of the intervals.
    pub level: f64,
    /// Per item, in input order; `None` for a missing or blank one.
    pub items: Vec<Option<ItemTags>>,
    /// One row per theme, in lexicon order.
    pub themes: Vec<ThemeShare>,
    /// Hygiene, then motivator.
    pub factors: Vec<FactorShare>,
    /// Items no theme was found in.
    pub untagged: TagShare,
    /// Tags (of tag lists) that named no theme, with how often each occurred; empty for texts.
    pub unmatched_tags: BTreeMap<String, u64>,
}

/// Tags free-text comments: each theme whose terms occur in a comment. `None` and blank comments are counted in
/// `n_missing`. Errors on an invalid lexicon, a level outside (0, 1), or no comment at all.
pub fn tag_texts(lexicon: &Lexicon, texts: &[Option<&str>], level: f64) -> Result<Tagging> {
    lexicon.validate()?;
    let patterns: Vec<Vec<(Pattern, &str)>> = lexicon
        .themes
        .iter()
        .map(|t| t.terms.iter().map(|term| (Pattern::new(term), term.as_str())).collect())
        .collect();
    let items = texts
        .iter()
        .map(|text| {
            let text = text.filter(|t| !t.trim().is_empty())?.to_lowercase();
            Some(item_tags(lexicon, |theme| {
                patterns[theme]
                    .iter()
                    .find(|(p, _)| p.occurs_in(&text))
                    .map(|(_, term)| term.to_string())
            }))
        })
        .collect();
    summarise(lexicon, items, BTreeMap::new(), level)
}

/// Tags items that already carry tag lists (from a ticketing tool, say): a tag names a theme when it equals,
/// case-insensitively, the theme's id, its label or one of its terms. Tags naming no theme are counted in
/// `unmatched_tags`, never dropped silently. `None` is a missing item; an empty list an untagged one.
pub fn tag_lists<S: AsRef<str>>(lexicon: &Lexicon, lists: &[Option<Vec<S>>], level: f64) -> Result<Tagging> {
    lexicon.validate()?;
    let mut names: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, theme) in lexicon.themes.iter().enumerate() {
        let terms = theme.terms.iter().map(|t| t.trim_end_matches('*'));
        for name in [theme.id.as_str(), theme.label.as_str()].into_iter().chain(terms) {
            let ids = names.entry(name.trim().to_lowercase()).or_default();
            if !ids.contains(&i) {
                ids.push(i);
            }
        }
    }
    let mut unmatched: BTreeMap<String, u64> = BTreeMap::new();
    let items = lists
        .iter()
        .map(|list| {
            let list = list.as_ref()?;
            let mut found: Vec<Option<String>> = vec![None; lexicon.themes.len()];
            for tag in list {
                let tag = tag.as_ref();
                match names.get(&tag.trim().to_lowercase()) {
                    Some(themes) => themes.iter().for_each(|&t| {
                        found[t].get_or_insert_with(|| tag.to_string());
                    }),
                    None => *unmatched.entry(tag.to_string()).or_default() += 1,
                }
            }
            Some(item_tags(lexicon, |theme| found[theme].clone()))
        })
        .collect();
    summarise(lexicon, items, unmatched, level)
}

/// The tags of one item from `matched(theme index)` → the term or tag that matched it.
fn item_tags(lexicon: &Lexicon, matched: impl Fn(usize) -> Option<String>) -> ItemTags {
    let mut item = ItemTags {
        themes: Vec::new(),
        matched: Vec::new(),
        hygiene: false,
        motivator: false,
    };
    for (i, theme) in lexicon.themes.iter().enumerate() {
        if let Some(term) = matched(i) {
            item.themes.push(theme.id.clone());
            item.matched.push(term);
            match theme.factor {
                Factor::Hygiene => item.hygiene = true,
                Factor::Motivator => item.motivator = true,
            }
        }
    }
    item
}

fn summarise(
    lexicon: &Lexicon,
    items: Vec<Option<ItemTags>>,
    unmatched_tags: BTreeMap<String, u64>,
    level: f64,
) -> Result<Tagging> {
    let tagged: Vec<&ItemTags> = items.iter().flatten().collect();
    let n = tagged.len() as u64;
    if n == 0 {
        return Err(CxError::empty("feedback items (all missing or blank)"));
    }
    let share = |count: usize| -> Result<TagShare> {
        let (share, ci_low, ci_high) = wilson_share(count as f64, n as f64, level)?;
        Ok(TagShare {
            count: count as u64,
            share,
            ci_low,
            ci_high,
        })
    };
    let themes = lexicon
        .themes
        .iter()
        .map(|t| {
            let count = tagged.iter().filter(|i| i.themes.contains(&t.id)).count();
            Ok(ThemeShare {
                id: t.id.clone(),
                label: t.label.clone(),
                factor: t.factor,
                share: share(count)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let factors = vec![
        FactorShare {
            factor: Factor::Hygiene,
            share: share(tagged.iter().filter(|i| i.hygiene).count())?,
        },
        FactorShare {
            factor: Factor::Motivator,
            share: share(tagged.iter().filter(|i| i.motivator).count())?,
        },
    ];
    let untagged = share(tagged.iter().filter(|i| i.themes.is_empty()).count())?;
    Ok(Tagging {
        lexicon: lexicon.name.clone(),
        n,
        n_missing: items.len() as u64 - n,
        level,
        items,
        themes,
        factors,
        untagged,
        unmatched_tags,
    })
}
