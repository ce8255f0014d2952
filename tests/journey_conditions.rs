//! Conditions: the readable grammar (every form, precedence, errors that point at the column), the JSON form,
//! validation, and the round trip text → condition → text → condition as a property.

use cx_core::CxError;
use cx_core::journey::{Condition, Op};
use proptest::prelude::*;
use serde_json::json;

fn cmp(metric: &str, op: Op, value: f64) -> Condition {
    Condition::Compare {
        metric: metric.into(),
        op,
        value,
    }
}

#[test]
fn every_form_parses() {
    assert_eq!(
        Condition::parse("first_login_rate <= 30%").unwrap(),
        cmp("first_login_rate", Op::Le, 0.3)
    );
    assert_eq!(
        Condition::parse("license_activation>=0.8").unwrap(),
        cmp("license_activation", Op::Ge, 0.8)
    );
    assert_eq!(
        Condition::parse("change(key_person_usage, 28d) <= -20%").unwrap(),
        Condition::Change {
            metric: "key_person_usage".into(),
            days: 28,
            op: Op::Le,
            percent: -20.0
        }
    );
    assert_eq!(
        Condition::parse("absent(nps_response, 14d)").unwrap(),
        Condition::Absent {
            event: "nps_response".into(),
            days: 14
        }
    );
    assert_eq!(
        Condition::parse("not done(initial_setup)").unwrap(),
        Condition::Not {
            not: Box::new(Condition::Done {
                task: "initial_setup".into()
            })
        }
    );
    for (text, op) in [
        ("a > 1", Op::Gt),
        ("a < 1", Op::Lt),
        ("a == 1", Op::Eq),
        ("a != 1", Op::Ne),
    ] {
        assert_eq!(Condition::parse(text).unwrap(), cmp("a", op, 1.0), "{text}");
    }
    assert_eq!(
        Condition::parse("roi.target_ratio >= 1").unwrap(),
        cmp("roi.target_ratio", Op::Ge, 1.0)
    );
}

#[test]
fn and_binds_tighter_than_or_and_parentheses_group() {
    let (a, b, c) = (cmp("a", Op::Ge, 1.0), cmp("b", Op::Ge, 2.0), cmp("c", Op::Ge, 3.0));
    assert_eq!(
        Condition::parse("a >= 1 or b >= 2 and c >= 3").unwrap(),
        Condition::Any {
            any: vec![
                a.clone(),
                Condition::All {
                    all: vec![b.clone(), c.clone()]
                }
            ]
        }
    );
    let grouped = Condition::parse("(a >= 1 or b >= 2) and c >= 3").unwrap();
    assert_eq!(
        grouped,
        Condition::All {
            all: vec![Condition::Any { any: vec![a, b] }, c]
        }
    );
    assert_eq!(grouped.to_string(), "(a >= 1 or b >= 2) and c >= 3");
}

fn column_of(text: &str) -> (String, String) {
    match Condition::parse(text).unwrap_err() {
        CxError::InvalidConfig { field, reason, .. } => (field, reason),
        e => panic!("{e}"),
    }
}

#[test]
fn syntax_errors_point_at_the_column() {
    let cases = [
        ("dau >= ", "column 8", "expected a number, found the end"),
        ("dau => 5", "column 5", "expected a comparison"),
        ("dau >= 50 and", "column 14", "found the end"),
        ("dau >= 50 dau", "column 11", "expected `and`, `or` or the end"),
        ("(dau >= 5", "column 10", "expected `)`"),
        ("change(x, 28) < 1", "column 11", "number of days"),
        ("median(x) > 1", "column 1", "unknown function `median`"),
        ("dau >= 5 & x > 1", "column 10", "unexpected character `&`"),
        ("and >= 5", "column 1", "expected a metric"),
        ("dau >= five", "column 8", "expected a number, found `five`"),
        ("absent(nps, 0d)", "column 13", "number of days"),
    ];
    for (text, column, reason) in cases {
        let (field, message) = column_of(text);
        assert_eq!(field, column, "{text}: {message}");
        assert!(message.contains(reason), "{text}: {message}");
    }
    // The message shows the text with a caret under the column.
    let (_, message) = column_of("dau >= 50 dau");
    assert!(message.ends_with("dau >= 50 dau\n            ^"), "{message:?}");
    // Columns count characters, not bytes.
    assert_eq!(column_of("利用率 >= x").0, "column 8");
}

#[test]
fn the_json_form_is_tagged_and_validated() {
    let c: Condition = serde_json::from_value(json!({"when": "all", "all": [
        {"when": "compare", "metric": "dau", "op": ">=", "value": 50},
        {"when": "change", "metric": "usage", "days": 28, "op": "<=", "percent": -20},
        {"when": "absent", "event": "nps_response", "days": 14},
        {"when": "not", "not": {"when": "done", "task": "setup"}}
    ]}))
    .unwrap();
    assert_eq!(
        c,
        Condition::parse("dau >= 50 and change(usage, 28d) <= -20 and absent(nps_response, 14d) and not done(setup)")
            .unwrap()
    );
    assert_eq!(
        serde_json::from_value::<Condition>(serde_json::to_value(&c).unwrap()).unwrap(),
        c
    );
    c.validate("stages[0].exit").unwrap();
    let invalid = [
        json!({"when": "any", "any": []}),
        json!({"when": "absent", "event": "x", "days": 0}),
        json!({"when": "compare", "metric": "or", "op": ">", "value": 1}),
        json!({"when": "compare", "metric": "2fast", "op": ">", "value": 1}),
    ];
    for v in invalid {
        let c: Condition = serde_json::from_value(v.clone()).unwrap();
        let e = c.validate("actions[3].when").unwrap_err();
        assert!(
            matches!(&e, CxError::InvalidConfig { field, .. } if field == "actions[3].when"),
            "{v}: {e}"
        );
    }
    assert!(
        serde_json::from_value::<Condition>(json!({"when": "compare", "metric": "a", "op": "=>", "value": 1})).is_err()
    );
}

/// Canonical conditions (what the parser produces): `all` and `any` of two or more, never directly nested in
/// their own kind.
fn condition() -> impl Strategy<Value = Condition> {
    let name = "[a-z_][a-z0-9_]{0,6}".prop_filter("not a keyword", |n| !matches!(n.as_str(), "and" | "or" | "not"));
    let op = prop_oneof![
        Just(Op::Ge),
        Just(Op::Gt),
        Just(Op::Le),
        Just(Op::Lt),
        Just(Op::Eq),
        Just(Op::Ne)
    ];
    let leaf = prop_oneof![
        (name.clone(), op.clone(), -1e6f64..1e6).prop_map(|(metric, op, value)| Condition::Compare {
            metric,
            op,
            value
        }),
        (name.clone(), 1u32..400, op, -100.0f64..100.0).prop_map(|(metric, days, op, percent)| Condition::Change {
            metric,
            days,
            op,
            percent
        }),
        (name.clone(), 1u32..400).prop_map(|(event, days)| Condition::Absent { event, days }),
        name.prop_map(|task| Condition::Done { task }),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|all| {
                Condition::All {
                    all: all
                        .into_iter()
                        .flat_map(|c| match c {
                            Condition::All { all } => all,
                            c => vec![c],
                        })
                        .collect(),
                }
            }),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|any| {
                Condition::Any {
                    any: any
                        .into_iter()
                        .flat_map(|c| match c {
                            Condition::Any { any } => any,
                            c => vec![c],
                        })
                        .collect(),
                }
            }),
            inner.prop_map(|c| Condition::Not { not: Box::new(c) }),
        ]
    })
}

proptest! {
    #[test]
    fn text_round_trips(c in condition()) {
        let text = c.to_string();
        let parsed = Condition::parse(&text);
        prop_assert!(parsed.is_ok(), "{}: {:?}", text, parsed);
        prop_assert_eq!(parsed.unwrap(), c);
    }
}
