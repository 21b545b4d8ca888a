//! Property tests for the canonical form: idempotence, equivalence as an equivalence relation,
//! meaning-preserving rewrites stay equivalent, dropping an action makes a difference.

use proptest::prelude::*;

use crate::model::{
    ActionClause, Condition, ConditionBlock, ConditionEntry, ConditionOperator, ConditionValue,
    Effect, PolicyDocument, Principal, PrincipalClause, PrincipalType, ResourceClause,
    SetQualifier, Span, Statement, Values, Version,
};
use crate::wildcard::{Case, matches};
use crate::{equivalent, parse_policy};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:*",
    "s3:Get*",
    "s3:Get?bject",
    "ec2:DescribeVpcs",
    "ec2:Describe*",
    "iam:PassRole",
    "sts:AssumeRole",
    "kms:Decrypt",
    "*",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::Bucket/${aws:username}/*",
    "arn:aws:iam::111122223333:role/admin",
    "arn:aws:iam::*:role/x",
    "arn:aws:kms:us-east-1:111122223333:key/1",
];
const AWS_IDS: &[&str] = &[
    "111122223333",
    "arn:aws:iam::444455556666:root",
    "arn:aws:iam::111122223333:role/ci",
    "*",
];
const SERVICES: &[&str] = &["ec2.amazonaws.com", "lambda.amazonaws.com"];
const OPERATORS: &[&str] = &[
    "StringEquals",
    "StringLike",
    "Bool",
    "ArnLike",
    "NumericLessThan",
];
const KEYS: &[&str] = &[
    "aws:SourceAccount",
    "aws:PrincipalTag/team",
    "sts:ExternalId",
    "aws:SecureTransport",
];

fn values_of<T: Clone + std::fmt::Debug>(
    pool: &'static [T],
    max: usize,
) -> impl Strategy<Value = Values<T>> {
    (
        prop::sample::subsequence(pool.to_vec(), 1..=max),
        any::<bool>(),
    )
        .prop_map(|(items, single)| Values {
            single: single && items.len() == 1,
            items,
        })
}

fn condition_value() -> impl Strategy<Value = ConditionValue> {
    prop_oneof![
        prop::sample::select(vec!["111122223333", "red", "blue", "ext-1", "true"])
            .prop_map(|s| ConditionValue::String(s.to_string())),
        any::<bool>().prop_map(ConditionValue::Bool),
        (1u32..20).prop_map(|n| ConditionValue::Number(n.to_string())),
    ]
}

fn condition() -> impl Strategy<Value = Condition> {
    let block = (
        prop::sample::select(OPERATORS.to_vec()),
        prop::option::of(prop::sample::select(vec![
            SetQualifier::ForAllValues,
            SetQualifier::ForAnyValue,
        ])),
        any::<bool>(),
        prop::sample::subsequence(KEYS.to_vec(), 1..=2),
        prop::collection::vec(prop::collection::vec(condition_value(), 1..=3), 2),
        any::<bool>(),
    )
        .prop_map(
            |(base, qualifier, if_exists, keys, values, single)| ConditionBlock {
                operator: ConditionOperator {
                    qualifier,
                    base: base.to_string(),
                    if_exists,
                },
                entries: keys
                    .into_iter()
                    .zip(values)
                    .map(|(key, items)| ConditionEntry {
                        key: key.to_string(),
                        values: Values {
                            single: single && items.len() == 1,
                            items,
                        },
                        span: Span::default(),
                    })
                    .collect(),
            },
        );
    prop::collection::vec(block, 1..=3).prop_map(|mut blocks| {
        // JSON cannot hold one operator twice.
        let mut seen = std::collections::HashSet::new();
        blocks.retain(|block| seen.insert(block.operator.to_string()));
        Condition { blocks }
    })
}

fn principal() -> impl Strategy<Value = Principal> {
    prop_oneof![
        Just(Principal::Any),
        (
            prop::option::of(values_of(AWS_IDS, 3)),
            prop::option::of(values_of(SERVICES, 2))
        )
            .prop_map(|(aws, service)| {
                let mut typed = Vec::new();
                if let Some(ids) = aws {
                    typed.push((PrincipalType::Aws, ids.map_strings()));
                }
                if let Some(ids) = service {
                    typed.push((PrincipalType::Service, ids.map_strings()));
                }
                if typed.is_empty() {
                    Principal::Any
                } else {
                    Principal::Typed(typed)
                }
            }),
    ]
}

impl Values<&'static str> {
    fn map_strings(self) -> Values {
        Values {
            items: self.items.into_iter().map(str::to_string).collect(),
            single: self.single,
        }
    }
}

fn statement() -> impl Strategy<Value = Statement> {
    (
        prop::option::of(prop::sample::select(vec!["Read", "Write", "Admin"])),
        prop::sample::select(vec![Effect::Allow, Effect::Deny]),
        prop::option::of((any::<bool>(), principal())),
        (any::<bool>(), values_of(ACTIONS, 4)),
        prop::option::of((any::<bool>(), values_of(RESOURCES, 3))),
        prop::option::of(condition()),
    )
        .prop_map(
            |(sid, effect, principal, action, resource, condition)| Statement {
                sid: sid.map(str::to_string),
                effect,
                principal: principal.map(|(not, p)| {
                    if not {
                        PrincipalClause::NotPrincipal(p)
                    } else {
                        PrincipalClause::Principal(p)
                    }
                }),
                action: if action.0 {
                    ActionClause::NotAction(action.1.map_strings())
                } else {
                    ActionClause::Action(action.1.map_strings())
                },
                resource: resource.map(|(not, values)| {
                    if not {
                        ResourceClause::NotResource(values.map_strings())
                    } else {
                        ResourceClause::Resource(values.map_strings())
                    }
                }),
                condition,
                span: Span::default(),
            },
        )
}

fn document() -> impl Strategy<Value = PolicyDocument> {
    (
        prop::option::of(prop::sample::select(vec![
            Version::V2012_10_17,
            Version::V2008_10_17,
        ])),
        prop::collection::vec(statement(), 1..=4),
        any::<bool>(),
    )
        .prop_map(|(version, statements, object)| PolicyDocument {
            version,
            id: None,
            statement_is_object: object && statements.len() == 1,
            statements,
        })
}

/// Rewrites that IAM treats as the same policy, driven by `seed`.
fn rewrite(document: &PolicyDocument, seed: u64) -> PolicyDocument {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = document.clone();
    let rotate = |items: &mut Vec<String>, by: u64| {
        if !items.is_empty() {
            let len = items.len();
            items.rotate_left((by as usize) % len);
        }
    };
    for statement in &mut out.statements {
        let flip = next();
        match &mut statement.action {
            ActionClause::Action(values) | ActionClause::NotAction(values) => {
                for action in &mut values.items {
                    *action = if flip & 1 == 1 {
                        action.to_uppercase()
                    } else {
                        action.to_lowercase()
                    };
                }
                rotate(&mut values.items, next());
                if flip & 2 == 2 {
                    // A duplicate adds nothing.
                    let first = values.items[0].clone();
                    values.items.push(first);
                }
                values.single = false;
            }
        }
        if let Some(ResourceClause::Resource(values) | ResourceClause::NotResource(values)) =
            &mut statement.resource
        {
            values.items.reverse();
            values.single = values.items.len() == 1 && flip & 4 == 4;
        }
        if let Some(PrincipalClause::Principal(Principal::Typed(typed)))
        | Some(PrincipalClause::NotPrincipal(Principal::Typed(typed))) = &mut statement.principal
        {
            typed.reverse();
            for (kind, ids) in typed.iter_mut() {
                if *kind == PrincipalType::Aws {
                    for id in &mut ids.items {
                        // Account id ↔ root ARN name the same principal.
                        if let Some(account) = id
                            .strip_prefix("arn:aws:iam::")
                            .and_then(|rest| rest.strip_suffix(":root"))
                        {
                            *id = account.to_string();
                        } else if crate::model::is_account_id(id) {
                            *id = format!("arn:aws:iam::{id}:root");
                        }
                    }
                }
                ids.items.reverse();
                ids.single = false;
            }
        }
        if let Some(condition) = &mut statement.condition {
            condition.blocks.reverse();
            for block in &mut condition.blocks {
                block.entries.reverse();
                for entry in &mut block.entries {
                    // Key names are case-insensitive up to the `/` (tag keys are not).
                    let end = entry.key.find('/').unwrap_or(entry.key.len());
                    entry.key = format!("{}{}", entry.key[..end].to_uppercase(), &entry.key[end..]);
                    for value in &mut entry.values.items {
                        // Condition values compare as text.
                        *value = match &*value {
                            ConditionValue::Bool(b) => ConditionValue::String(b.to_string()),
                            ConditionValue::String(s) if s == "true" => ConditionValue::Bool(true),
                            ConditionValue::Number(n) => ConditionValue::String(n.clone()),
                            other => other.clone(),
                        };
                    }
                    entry.values.items.reverse();
                    entry.values.single = false;
                }
            }
        }
    }
    out.statements.reverse();
    if next() & 1 == 1 {
        let first = out.statements[0].clone();
        out.statements.push(first);
    }
    out.statement_is_object = false;
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn canonical_is_idempotent(document in document()) {
        let canonical = document.canonicalize();
        prop_assert_eq!(canonical.canonicalize(), canonical.clone());
        // And stable through JSON text.
        let reparsed = parse_policy(&canonical.to_json_string()).unwrap();
        prop_assert_eq!(reparsed.canonicalize(), canonical);
    }

    #[test]
    fn json_round_trip_is_lossless(document in document()) {
        let text = document.to_json_string();
        let parsed = parse_policy(&text).unwrap();
        prop_assert_eq!(parsed.to_json(), document.to_json());
        prop_assert_eq!(parsed.to_json_string(), text);
    }

    #[test]
    fn equivalence_is_an_equivalence_relation(
        a in document(),
        x in document(),
        s1 in any::<u64>(),
        s2 in any::<u64>(),
    ) {
        let b = rewrite(&a, s1);
        let c = rewrite(&b, s2);
        prop_assert!(equivalent(&a, &a));
        prop_assert!(equivalent(&a, &b), "{}\n{}", a.canonical_json(), b.canonical_json());
        prop_assert!(equivalent(&b, &a));
        prop_assert!(equivalent(&b, &c));
        prop_assert!(equivalent(&a, &c));
        prop_assert_eq!(equivalent(&a, &x), equivalent(&x, &a));
        prop_assert_eq!(equivalent(&a, &x), equivalent(&c, &x));
        prop_assert_eq!(equivalent(&a, &x), a.canonical_json() == x.canonical_json());
        prop_assert!(crate::diff(&a, &c).is_empty());
    }

    #[test]
    fn dropping_an_uncovered_action_makes_a_difference(document in document(), pick in any::<prop::sample::Index>()) {
        let mut changed = document.clone();
        let mut dropped = None;
        for statement in &mut changed.statements {
            let ActionClause::Action(values) = &mut statement.action else { continue };
            if values.items.len() < 2 {
                continue;
            }
            let index = pick.index(values.items.len());
            let victim = values.items[index].clone();
            let covered = values.items.iter().enumerate().any(|(i, other)| {
                i != index && matches(other, &victim, Case::Insensitive)
            });
            if !covered {
                values.items.remove(index);
                dropped = Some(victim);
                break;
            }
        }
        prop_assume!(dropped.is_some());
        prop_assert!(!equivalent(&document, &changed), "dropping {:?}", dropped);
        prop_assert!(!crate::diff(&document, &changed).is_empty());
    }
}

/// JSON-ish text: the structural characters, policy words and a few awkward characters.
fn json_like_text() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\\",
        "\\u00e9",
        "\\ud83d",
        "true",
        "false",
        "null",
        "-1.5e3",
        "0",
        " ",
        "\n",
        "\t",
        "\"Statement\"",
        "\"Effect\"",
        "\"Allow\"",
        "\"Action\"",
        "\"Condition\"",
        "\"StringEquals\"",
        "\"Principal\"",
        "\"*\"",
        "é",
        "中",
        "\u{1}",
    ]);
    prop::collection::vec(token, 0..60).prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn parsing_never_panics_and_errors_have_positions(text in prop_oneof![any::<String>(), json_like_text()]) {
        match parse_policy(&text) {
            Ok(document) => {
                // Whatever parses writes back to text that parses to the same document.
                let again = parse_policy(&document.to_json_string()).unwrap();
                prop_assert_eq!(again.to_json(), document.to_json());
            }
            Err(errors) => {
                prop_assert!(!errors.errors.is_empty());
                let lines = u32::try_from(text.lines().count().max(1)).unwrap();
                for error in &errors.errors {
                    let span = error.span.clone().unwrap();
                    prop_assert!(span.line >= 1 && span.line <= lines + 1, "{error}");
                    prop_assert!(span.column >= 1, "{error}");
                }
            }
        }
    }

    #[test]
    fn mutated_documents_never_panic(document in document(), cut in any::<prop::sample::Index>(), insert in json_like_text()) {
        let text = document.to_json_string();
        let mut at = cut.index(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mutated = format!("{}{}{}", &text[..at], insert, &text[at..]);
        let _ = parse_policy(&mutated);
    }
}
