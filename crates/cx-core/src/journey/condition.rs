//! Conditions over an account's metrics, events and tasks: typed data (JSON) and a small readable grammar.
//!
//! ```text
//! dau >= 50 and feature_usage_rate >= 30%
//! change(key_person_usage, 28d) <= -20%
//! absent(nps_response, 14d) or not done(initial_setup)
//! ```
//!
//! Grammar (keywords lower case; `%` divides a comparison's number by 100, except after `change(...)`, whose
//! value is in percent already):
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := unary ("and" unary)*
//! unary   := "not" unary | "(" expr ")" | atom
//! atom    := metric op number ["%"]
//!          | "change" "(" metric "," days "d" ")" op number ["%"]
//!          | "absent" "(" event "," days "d" ")"
//!          | "done" "(" task ")"
//! op      := ">=" | ">" | "<=" | "<" | "==" | "!="
//! ```
//!
//! A syntax error is [`CxError::InvalidConfig`] whose field is `column N` (1-based) and whose reason shows the
//! text with a caret under the problem.
//!
//! Nesting is limited to [`MAX_CONDITION_DEPTH`] (48) levels, far beyond any real condition: in the text each `(`
//! and each `not` opens a level (and the `and` / `or` groups the text builds count as in the tree); in the tree
//! (typed JSON, or a value built in code) each `all`, `any` and `not` is a level. Deeper is
//! [`CxError::LimitExceeded`] naming the limit, from the parser, from JSON, and from [`Condition::validate`]
//! (which evaluation runs first). The bound keeps every recursive walk of a condition (parsing, validation,
//! evaluation, dropping) within a small fixed stack, 256 KB included. A condition built in code is not checked
//! until validated: [`Condition::depth`], [`Condition::validate`], [`Condition::visit_leaves`] and `Display` walk
//! it without recursion, but the derived `Clone`, `PartialEq`, `Debug`, `Serialize` and drop recurse, so code that
//! builds conditions should keep them within the limit too.

use crate::{CxError, Result};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::fmt;

/// The deepest a condition may nest: levels of `all`, `any` and `not` in the tree, and of `(` and `not` in the
/// text. Deeper conditions are refused with [`CxError::LimitExceeded`] (see the [module docs](self)).
///
/// 48 so that every condition within the limit also reads back from the typed JSON cx writes: each `all` / `any`
/// level takes two JSON levels (`{` and `[`), and a roadmap nests its conditions three levels deep, which keeps
/// 3 + 2 × 48 + 1 under serde_json's limit of 128 nested levels.
pub const MAX_CONDITION_DEPTH: usize = 48;

fn too_deep(at: &str, found: usize) -> CxError {
    CxError::limit(
        format!("condition nesting depth (levels of `all`, `any`, `not` and parentheses) at {at}"),
        MAX_CONDITION_DEPTH as u64,
        found,
    )
}

thread_local! {
    /// Compound conditions being deserialised on this thread, around the current one: bounds the recursion of
    /// [`Condition`]'s `Deserialize` whatever the deserializer (JSON text has its own limit; a `Value` has none).
    static DESERIALIZING: Cell<usize> = const { Cell::new(0) };
    /// The typed error behind the last deserialisation refused for depth: serde carries only a message, and
    /// [`take_limit_error`] lets the caller (`Roadmap::from_json`) report [`CxError::LimitExceeded`] itself.
    static LIMIT_ERROR: RefCell<Option<CxError>> = const { RefCell::new(None) };
}

/// The [`CxError::LimitExceeded`] of the last condition refused for depth while deserialising on this thread, if
/// any (and forgets it).
pub(crate) fn take_limit_error() -> Option<CxError> {
    LIMIT_ERROR.with(|e| e.borrow_mut().take())
}

/// Leaves one level of [`DESERIALIZING`] on drop, also when deserialising fails.
struct Level;

impl Level {
    /// Enters one more level; `Err` with the depth found when that is beyond the limit.
    fn enter() -> std::result::Result<Level, usize> {
        let depth = DESERIALIZING.with(|d| d.get());
        if depth > MAX_CONDITION_DEPTH {
            return Err(depth);
        }
        DESERIALIZING.with(|d| d.set(depth + 1));
        Ok(Level)
    }

    /// The compound conditions around the one being deserialised.
    fn around() -> usize {
        DESERIALIZING.with(|d| d.get()) - 1
    }
}

impl Drop for Level {
    fn drop(&mut self) {
        DESERIALIZING.with(|d| d.set(d.get() - 1));
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `==`
    #[serde(rename = "==")]
    Eq,
    /// `!=`
    #[serde(rename = "!=")]
    Ne,
}

impl Op {
    /// The operator's symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    /// Whether `left op right` holds.
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Op::Ge => left >= right,
            Op::Gt => left > right,
            Op::Le => left <= right,
            Op::Lt => left < right,
            Op::Eq => left == right,
            Op::Ne => left != right,
        }
    }
}

/// A condition. In JSON either the typed form (`{"when": "compare", "metric": "dau", "op": ">=", "value": 50}`)
/// or a string in the grammar of the module documentation.
///
/// ```
/// use cx_core::journey::{Condition, Op};
///
/// let c = Condition::parse("dau >= 50 and feature_usage_rate >= 30%")?;
/// assert_eq!(c, Condition::All { all: vec![
///     Condition::Compare { metric: "dau".into(), op: Op::Ge, value: 50.0 },
///     Condition::Compare { metric: "feature_usage_rate".into(), op: Op::Ge, value: 0.3 },
/// ]});
/// assert_eq!(c.to_string(), "dau >= 50 and feature_usage_rate >= 0.3");
/// let e = Condition::parse("dau >= and x > 1").unwrap_err();
/// assert!(e.to_string().contains("column 8"), "{e}");
/// # Ok::<(), cx_core::CxError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// `remote = "Self"` makes the derives inherent functions, so the trait impls below can add the string form.
#[serde(remote = "Self", tag = "when", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// Every one holds.
    All {
        /// The conditions.
        all: Vec<Condition>,
    },
    /// At least one holds.
    Any {
        /// The conditions.
        any: Vec<Condition>,
    },
    /// The condition does not hold.
    Not {
        /// The condition.
        not: Box<Condition>,
    },
    /// The metric's current value compares to `value`.
    Compare {
        /// The metric.
        metric: String,
        /// The comparison.
        op: Op,
        /// The threshold.
        value: f64,
    },
    /// The metric's change over the last `days`, in percent of its value then, compares to `percent`.
    Change {
        /// The metric.
        metric: String,
        /// The look-back window in days (> 0).
        days: u32,
        /// The comparison.
        op: Op,
        /// The threshold in percent (−20 = down 20%).
        percent: f64,
    },
    /// The event has not happened in the last `days` days (or ever).
    Absent {
        /// The event.
        event: String,
        /// The window in days (> 0).
        days: u32,
    },
    /// The task is done.
    Done {
        /// The task's id.
        task: String,
    },
}

impl Serialize for Condition {
    /// Always the typed form, which keeps JSON diffs readable field by field.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        Condition::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Condition {
    /// The typed form, or a string in the readable form (also inside `all`, `any` and `not`). Nesting deeper than
    /// [`MAX_CONDITION_DEPTH`] is refused before going further down.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Condition, D::Error> {
        use serde::de::Error;
        let refuse = |e: CxError| {
            let message = e.to_string();
            if matches!(e, CxError::LimitExceeded { .. }) {
                LIMIT_ERROR.with(|slot| *slot.borrow_mut() = Some(e));
            }
            D::Error::custom(message)
        };
        let _level = Level::enter().map_err(|found| refuse(too_deep("a JSON condition", found)))?;
        let condition = match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(text) => Condition::parse(&text).map_err(refuse)?,
            typed => Condition::deserialize(typed).map_err(D::Error::custom)?,
        };
        // A string inside typed levels adds its own depth to theirs. (Linear per node: the depth is at most the
        // limit, so this costs at most 48 passes over the condition.)
        let found = Level::around() + condition.depth();
        if found > MAX_CONDITION_DEPTH {
            return Err(refuse(too_deep("a JSON condition", found)));
        }
        Ok(condition)
    }
}

impl Condition {
    /// Parses the readable form; errors point at the column. More than [`MAX_CONDITION_DEPTH`] levels of `(`
    /// and `not` (or of the `all`, `any` and `not` they build) are [`CxError::LimitExceeded`], found before
    /// reading deeper.
    pub fn parse(text: &str) -> Result<Condition> {
        let mut p = Parser {
            text,
            tokens: tokenize(text)?,
            at: 0,
            depth: 0,
        };
        let c = p.or()?;
        if let Some(t) = p.peek() {
            return Err(p.error(t.column, format!("expected `and`, `or` or the end, found `{}`", t.text)));
        }
        let depth = c.depth();
        if depth > MAX_CONDITION_DEPTH {
            return Err(too_deep("the whole condition", depth));
        }
        Ok(c)
    }

    /// How deep the condition nests: the most `all`, `any` and `not` on one path from the top (0 for a leaf).
    /// Computed without recursion, so it is safe on any condition.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut pending = vec![(self, 0usize)];
        while let Some((c, above)) = pending.pop() {
            match c {
                Condition::All { all: cs } | Condition::Any { any: cs } => {
                    deepest = deepest.max(above + 1);
                    pending.extend(cs.iter().map(|c| (c, above + 1)));
                }
                Condition::Not { not } => {
                    deepest = deepest.max(above + 1);
                    pending.push((not, above + 1));
                }
                _ => {}
            }
        }
        deepest
    }

    /// Calls `f` on every leaf (compare, change, absent, done), in reading order. Iterative, so safe at any depth.
    pub fn visit_leaves(&self, f: &mut impl FnMut(&Condition)) {
        self.visit_leaves_negated(&mut |leaf, _| f(leaf));
    }

    /// [`Condition::visit_leaves`], also telling whether an odd number of `not`s is above each leaf.
    pub(crate) fn visit_leaves_negated(&self, f: &mut impl FnMut(&Condition, bool)) {
        let mut pending = vec![(self, false)];
        while let Some((c, negated)) = pending.pop() {
            match c {
                // Reversed onto the stack, so the first is visited first.
                Condition::All { all: cs } | Condition::Any { any: cs } => {
                    pending.extend(cs.iter().rev().map(|c| (c, negated)))
                }
                Condition::Not { not } => pending.push((not, !negated)),
                leaf => f(leaf, negated),
            }
        }
    }

    /// Checks the depth ([`MAX_CONDITION_DEPTH`], as [`CxError::LimitExceeded`]), names and windows, naming the
    /// place (`at`) in the enclosing configuration.
    pub fn validate(&self, at: &str) -> Result<()> {
        // First, and without recursion: the checks below recurse once per level.
        let depth = self.depth();
        if depth > MAX_CONDITION_DEPTH {
            return Err(too_deep(&format!("`{at}`"), depth));
        }
        self.validate_within(at)
    }

    /// [`Condition::validate`] but the depth, which the caller has checked.
    fn validate_within(&self, at: &str) -> Result<()> {
        let bad = |reason: String| CxError::InvalidConfig {
            what: "condition".into(),
            field: at.into(),
            reason,
        };
        match self {
            Condition::All { all: cs } | Condition::Any { any: cs } => {
                if cs.is_empty() {
                    return Err(bad(
                        "an empty `all` or `any` has no meaning; give at least one condition".into(),
                    ));
                }
                cs.iter()
                    .enumerate()
                    .try_for_each(|(i, c)| c.validate_within(&format!("{at}[{i}]")))
            }
            Condition::Not { not } => not.validate_within(at),
            Condition::Compare { metric: name, .. }
            | Condition::Change { metric: name, .. }
            | Condition::Absent { event: name, .. }
            | Condition::Done { task: name }
                if !is_name(name) =>
            {
                Err(bad(format!(
                    "`{name}` is not a name: use letters, digits, `_` and `.`, starting with a letter or `_`, \
                 and not `and`, `or` or `not`"
                )))
            }
            Condition::Compare { value, .. } if !value.is_finite() => Err(bad(format!("{value} is not finite"))),
            Condition::Change { days: 0, .. } | Condition::Absent { days: 0, .. } => {
                Err(bad("a window of 0 days has no meaning".into()))
            }
            Condition::Change { percent, .. } if !percent.is_finite() => Err(bad(format!("{percent} is not finite"))),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Condition {
    /// The readable form, which [`Condition::parse`] reads back to the same condition. Written from an explicit
    /// stack rather than by recursion, so it is safe at any depth.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// What is left to write, last first.
        enum Piece<'a> {
            Condition(&'a Condition),
            Text(&'static str),
        }
        let mut pending = vec![Piece::Condition(self)];
        while let Some(piece) = pending.pop() {
            let c = match piece {
                Piece::Text(text) => {
                    f.write_str(text)?;
                    continue;
                }
                Piece::Condition(c) => c,
            };
            match c {
                Condition::All { all: cs } | Condition::Any { any: cs } => {
                    let and = matches!(c, Condition::All { .. });
                    for (i, c) in cs.iter().enumerate().rev() {
                        // `and` binds tighter than `or`, so only an `or` inside an `and` needs parentheses.
                        let wrap = and && matches!(c, Condition::Any { any } if any.len() > 1);
                        if wrap {
                            pending.extend([Piece::Text(")"), Piece::Condition(c), Piece::Text("(")]);
                        } else {
                            pending.push(Piece::Condition(c));
                        }
                        if i > 0 {
                            pending.push(Piece::Text(if and { " and " } else { " or " }));
                        }
                    }
                }
                Condition::Not { not } => match **not {
                    Condition::All { .. } | Condition::Any { .. } => {
                        pending.extend([Piece::Text(")"), Piece::Condition(not), Piece::Text("not (")])
                    }
                    _ => pending.extend([Piece::Condition(not), Piece::Text("not ")]),
                },
                Condition::Compare { metric, op, value } => write!(f, "{metric} {} {value}", op.symbol())?,
                Condition::Change {
                    metric,
                    days,
                    op,
                    percent,
                } => write!(f, "change({metric}, {days}d) {} {percent}%", op.symbol())?,
                Condition::Absent { event, days } => write!(f, "absent({event}, {days}d)")?,
                Condition::Done { task } => write!(f, "done({task})")?,
            }
        }
        Ok(())
    }
}

/// Whether `name` can be a metric, event or task name in the readable form.
fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '.'))
        && !matches!(name, "and" | "or" | "not")
}

#[derive(Debug, Clone, PartialEq)]
struct Token<'a> {
    text: &'a str,
    /// 1-based column of the first character.
    column: usize,
}

fn syntax_error(text: &str, column: usize, reason: String) -> CxError {
    let caret = format!("{}^", " ".repeat(column.saturating_sub(1)));
    CxError::InvalidConfig {
        what: "condition".into(),
        field: format!("column {column}"),
        reason: format!("{reason}\n  {text}\n  {caret}"),
    }
}

/// Splits into words (names, numbers, keywords), operators and punctuation; columns count characters.
fn tokenize(text: &str) -> Result<Vec<Token<'_>>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let column = i + 1;
        let end_of = |j: usize| chars.get(j).map_or(text.len(), |&(b, _)| b);
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let len = if c.is_alphanumeric() || c == '_' || c == '.' || c == '-' || c == '+' {
            // A word or a number (with sign, decimals and exponent); `-` only starts a number.
            let mut j = i + 1;
            while j < chars.len() && (chars[j].1.is_alphanumeric() || matches!(chars[j].1, '_' | '.')) {
                j += 1;
            }
            j - i
        } else if matches!(c, '>' | '<' | '=' | '!') {
            if chars.get(i + 1).is_some_and(|&(_, n)| n == '=') {
                2
            } else {
                1
            }
        } else if matches!(c, '(' | ')' | ',' | '%') {
            1
        } else {
            return Err(syntax_error(text, column, format!("unexpected character `{c}`")));
        };
        tokens.push(Token {
            text: &text[start..end_of(i + len)],
            column,
        });
        i += len;
    }
    Ok(tokens)
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token<'a>>,
    at: usize,
    /// Levels of `(` and `not` open around the current token: each is one more level of recursion.
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.at).cloned()
    }

    fn end_column(&self) -> usize {
        self.text.chars().count() + 1
    }

    fn error(&self, column: usize, reason: String) -> CxError {
        syntax_error(self.text, column, reason)
    }

    fn next(&mut self, expected: &str) -> Result<Token<'a>> {
        let t = self
            .peek()
            .ok_or_else(|| self.error(self.end_column(), format!("expected {expected}, found the end")))?;
        self.at += 1;
        Ok(t)
    }

    fn expect(&mut self, literal: &str) -> Result<()> {
        let t = self.next(&format!("`{literal}`"))?;
        if t.text == literal {
            Ok(())
        } else {
            Err(self.error(t.column, format!("expected `{literal}`, found `{}`", t.text)))
        }
    }

    fn eat(&mut self, literal: &str) -> bool {
        let hit = self.peek().is_some_and(|t| t.text == literal);
        self.at += usize::from(hit);
        hit
    }

    fn or(&mut self) -> Result<Condition> {
        let mut any = vec![self.and()?];
        while self.eat("or") {
            any.push(self.and()?);
        }
        Ok(if any.len() == 1 {
            any.pop().expect("one")
        } else {
            Condition::Any { any }
        })
    }

    fn and(&mut self) -> Result<Condition> {
        let mut all = vec![self.unary()?];
        while self.eat("and") {
            all.push(self.unary()?);
        }
        Ok(if all.len() == 1 {
            all.pop().expect("one")
        } else {
            Condition::All { all }
        })
    }

    fn unary(&mut self) -> Result<Condition> {
        let opens = self.peek().filter(|t| matches!(t.text, "not" | "("));
        let Some(opening) = opens else {
            return self.atom();
        };
        // One more level of recursion: refused beyond the limit before going down (10,000 parentheses overflowed
        // the stack; 20,000 `not`s took gigabytes).
        if self.depth == MAX_CONDITION_DEPTH {
            return Err(too_deep(&format!("column {}", opening.column), self.depth + 1));
        }
        self.at += 1;
        self.depth += 1;
        let c = if opening.text == "not" {
            self.unary().map(|c| Condition::Not { not: Box::new(c) })
        } else {
            self.or().and_then(|c| self.expect(")").map(|()| c))
        };
        self.depth -= 1;
        c
    }

    fn name(&mut self, what: &str) -> Result<String> {
        let t = self.next(what)?;
        if is_name(t.text) {
            Ok(t.text.to_string())
        } else {
            Err(self.error(t.column, format!("expected {what}, found `{}`", t.text)))
        }
    }

    fn op(&mut self) -> Result<Op> {
        let t = self.next("a comparison (>=, >, <=, <, ==, !=)")?;
        Ok(match t.text {
            ">=" => Op::Ge,
            ">" => Op::Gt,
            "<=" => Op::Le,
            "<" => Op::Lt,
            "==" => Op::Eq,
            "!=" => Op::Ne,
            other => {
                return Err(self.error(
                    t.column,
                    format!("expected a comparison (>=, >, <=, <, ==, !=), found `{other}`"),
                ));
            }
        })
    }

    /// A number, and whether a `%` followed it.
    fn number(&mut self) -> Result<(f64, bool)> {
        let t = self.next("a number")?;
        let value: f64 = t
            .text
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| self.error(t.column, format!("expected a number, found `{}`", t.text)))?;
        Ok((value, self.eat("%")))
    }

    fn days(&mut self) -> Result<u32> {
        let t = self.next("a number of days such as `28d`")?;
        t.text
            .strip_suffix('d')
            .and_then(|d| d.parse::<u32>().ok())
            .filter(|&d| d > 0)
            .ok_or_else(|| {
                self.error(
                    t.column,
                    format!("expected a number of days such as `28d`, found `{}`", t.text),
                )
            })
    }

    fn atom(&mut self) -> Result<Condition> {
        let start = self.at;
        let head = self.name("a metric, `change`, `absent`, `done`, `not` or `(`")?;
        let call = self.peek().is_some_and(|t| t.text == "(");
        match head.as_str() {
            "change" if call => {
                self.expect("(")?;
                let metric = self.name("a metric")?;
                self.expect(",")?;
                let days = self.days()?;
                self.expect(")")?;
                let op = self.op()?;
                let (percent, _) = self.number()?;
                Ok(Condition::Change {
                    metric,
                    days,
                    op,
                    percent,
                })
            }
            "absent" if call => {
                self.expect("(")?;
                let event = self.name("an event")?;
                self.expect(",")?;
                let days = self.days()?;
                self.expect(")")?;
                Ok(Condition::Absent { event, days })
            }
            "done" if call => {
                self.expect("(")?;
                let task = self.name("a task")?;
                self.expect(")")?;
                Ok(Condition::Done { task })
            }
            _ if call => {
                let t = &self.tokens[start];
                Err(self.error(
                    t.column,
                    format!("unknown function `{head}`; expected change, absent or done"),
                ))
            }
            _ => {
                let op = self.op()?;
                let (value, percent) = self.number()?;
                Ok(Condition::Compare {
                    metric: head,
                    op,
                    value: if percent { value / 100.0 } else { value },
                })
            }
        }
    }
}
