//! Property tests: monotonicity of the decision chain over generated policies and requests.

#![expect(
    clippy::expect_used,
    reason = "generated requests are valid by construction"
)]

use proptest::prelude::*;
use warden_eval::{
    CompiledPolicySet, Context, DecisionKind, LabeledPolicy, PolicySet, ReasonKind, Request,
};
use warden_policy::{
    ActionClause, Condition, ConditionBlock, ConditionEntry, ConditionOperator, ConditionValue,
    Effect, PolicyDocument, Principal, PrincipalClause, PrincipalType, ResourceClause, Span,
    Statement, Values, Version,
};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:*",
    "s3:Get*",
    "ec2:*",
    "*",
    "iam:CreateRole",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/a",
    "arn:aws:s3:::other/*",
];
const PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::111122223333:assumed-role/Dev/s",
    "arn:aws:sts::444455556666:assumed-role/Partner/s",
];
const RESOURCE_PRINCIPALS: &[&str] = &[
    "*",
    "111122223333",
    "444455556666",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:role/Dev",
    "arn:aws:sts::111122223333:assumed-role/Dev/s",
];
const REQUEST_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "ec2:RunInstances",
    "iam:CreateRole",
];
const REQUEST_RESOURCES: &[&str] = &["arn:aws:s3:::bucket/a", "arn:aws:s3:::other/b", "*"];

fn values(items: Vec<&str>) -> Values {
    Values::list(items.into_iter().map(String::from).collect())
}

fn condition_strategy() -> impl Strategy<Value = Option<Condition>> {
    let operators = prop::sample::select(vec![
        (None, "StringEquals", false),
        (None, "StringNotEquals", false),
        (None, "StringLike", true),
        (
            Some(warden_policy::SetQualifier::ForAllValues),
            "StringEquals",
            false,
        ),
        (
            Some(warden_policy::SetQualifier::ForAnyValue),
            "StringEquals",
            false,
        ),
        (None, "Bool", false),
    ]);
    let keys = prop::sample::select(vec![
        "aws:PrincipalTag/team",
        "aws:SecureTransport",
        "aws:TagKeys",
    ]);
    let vals = prop::sample::subsequence(vec!["blue", "red", "true", "b*"], 1..3);
    prop::option::of((operators, keys, vals).prop_map(
        |((qualifier, base, if_exists), key, vals)| Condition {
            blocks: vec![ConditionBlock {
                operator: ConditionOperator {
                    qualifier,
                    base: base.into(),
                    if_exists,
                },
                entries: vec![ConditionEntry {
                        key: key.into(),
                        values: Values::list(
                            vals.into_iter()
                                .map(|v| ConditionValue::String(v.into()))
                                .collect(),
                        ),
                        span: Span::default(),
                    }],
            }],
        },
    ))
}

fn statement_strategy(with_principal: bool) -> impl Strategy<Value = Statement> {
    (
        prop::bool::weighted(0.7),
        prop::bool::weighted(0.15),
        prop::sample::subsequence(ACTIONS.to_vec(), 1..3),
        prop::bool::weighted(0.1),
        prop::sample::subsequence(RESOURCES.to_vec(), 1..3),
        prop::sample::subsequence(RESOURCE_PRINCIPALS.to_vec(), 1..3),
        condition_strategy(),
    )
        .prop_map(
            move |(allow, not_action, actions, not_resource, resources, principals, condition)| {
                let actions = values(actions);
                let resources = values(resources);
                let principal = with_principal.then(|| {
                    if principals.contains(&"*") {
                        PrincipalClause::Principal(Principal::Any)
                    } else {
                        PrincipalClause::Principal(Principal::Typed(vec![(
                            PrincipalType::Aws,
                            values(principals),
                        )]))
                    }
                });
                Statement {
                    sid: None,
                    effect: if allow { Effect::Allow } else { Effect::Deny },
                    principal,
                    action: if not_action {
                        ActionClause::NotAction(actions)
                    } else {
                        ActionClause::Action(actions)
                    },
                    resource: Some(if not_resource {
                        ResourceClause::NotResource(resources)
                    } else {
                        ResourceClause::Resource(resources)
                    }),
                    condition,
                    span: Span::default(),
                }
            },
        )
}

fn document(statements: Vec<Statement>) -> PolicyDocument {
    PolicyDocument {
        version: Some(Version::V2012_10_17),
        id: None,
        statements,
        statement_is_object: false,
    }
}

fn policy_strategy(with_principal: bool) -> impl Strategy<Value = PolicyDocument> {
    prop::collection::vec(statement_strategy(with_principal), 1..4).prop_map(document)
}

fn labeled(label: &str, document: PolicyDocument) -> LabeledPolicy {
    LabeledPolicy::new(label, document)
}

fn set_strategy() -> impl Strategy<Value = PolicySet> {
    (
        prop::collection::vec(policy_strategy(false), 0..3),
        prop::option::of(policy_strategy(false)),
        prop::collection::vec(prop::collection::vec(policy_strategy(false), 1..3), 0..3),
        prop::option::of(policy_strategy(true)),
        prop::option::of(policy_strategy(false)),
        prop::collection::vec(prop::collection::vec(policy_strategy(true), 1..3), 0..2),
    )
        .prop_map(
            |(identity, boundary, scps, resource, session, rcps)| PolicySet {
                identity: identity
                    .into_iter()
                    .enumerate()
                    .map(|(i, d)| labeled(&format!("identity-{i}"), d))
                    .collect(),
                permissions_boundary: boundary.map(|d| labeled("boundary", d)),
                scps: scps
                    .into_iter()
                    .map(|level| level.into_iter().map(|d| labeled("scp", d)).collect())
                    .collect(),
                rcps: rcps
                    .into_iter()
                    .map(|level| level.into_iter().map(|d| labeled("rcp", d)).collect())
                    .collect(),
                resource_policy: resource.map(|d| labeled("resource", d)),
                session_policy: session.map(|d| labeled("session", d)),
                vpc_endpoint_policy: None,
            },
        )
}

fn request_strategy() -> impl Strategy<Value = Request> {
    (
        prop::sample::select(PRINCIPALS.to_vec()),
        prop::sample::select(REQUEST_ACTIONS.to_vec()),
        prop::sample::select(REQUEST_RESOURCES.to_vec()),
        prop::bool::ANY,
        prop::option::of(prop::sample::select(vec!["blue", "red"])),
        prop::option::of(prop::sample::subsequence(vec!["blue", "red", "env"], 0..3)),
        prop::option::of(prop::sample::select(vec!["true", "false"])),
    )
        .prop_map(
            |(principal, action, resource, owned_by_other, team, tag_keys, secure)| {
                let mut context = Context::new();
                if let Some(team) = team {
                    context.insert("aws:PrincipalTag/team", vec![team.to_string()]);
                }
                if let Some(keys) = tag_keys {
                    context.insert("aws:TagKeys", keys.into_iter().map(String::from).collect());
                }
                if let Some(secure) = secure {
                    context.insert("aws:SecureTransport", vec![secure.to_string()]);
                }
                let account = if owned_by_other {
                    "444455556666"
                } else {
                    "111122223333"
                };
                let request = Request::new(principal, action, resource)
                    .expect("generated requests are valid");
                let request = if resource == "*" {
                    request
                } else {
                    request.with_resource_account(account)
                };
                request.with_context(context).finish()
            },
        )
}

/// Decides, checking that the explained path agrees and explains itself.
fn decide(set: &PolicySet, request: &Request) -> DecisionKind {
    let compiled = CompiledPolicySet::compile(set);
    let fast = compiled.decide(request);
    let decision = compiled.evaluate(request);
    assert_eq!(fast, decision.decision, "decide and evaluate disagree");
    let has = |kind: ReasonKind| decision.reasons.iter().any(|reason| reason.kind == kind);
    match fast {
        DecisionKind::Allow => assert!(has(ReasonKind::Allow), "{decision}"),
        DecisionKind::ExplicitDeny => assert!(has(ReasonKind::Deny), "{decision}"),
        DecisionKind::ImplicitDeny => assert!(has(ReasonKind::NoAllow), "{decision}"),
    }
    fast
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn adding_a_deny_never_grants(set in set_strategy(), request in request_strategy(),
                                  deny in statement_strategy(false), target in 0usize..5) {
        let before = decide(&set, &request);
        let mut deny = deny;
        deny.effect = Effect::Deny;
        let mut after_set = set.clone();
        match target {
            0 => after_set.identity.push(labeled("extra-deny", document(vec![deny]))),
            1 => match after_set.permissions_boundary.as_mut() {
                Some(boundary) => boundary.document.statements.push(deny),
                None => after_set.identity.push(labeled("extra-deny", document(vec![deny]))),
            },
            2 => match after_set.scps.first_mut() {
                Some(level) => level.push(labeled("extra-deny", document(vec![deny]))),
                None => after_set.identity.push(labeled("extra-deny", document(vec![deny]))),
            },
            3 => match after_set.resource_policy.as_mut() {
                Some(resource) => {
                    deny.principal = Some(PrincipalClause::Principal(Principal::Any));
                    resource.document.statements.push(deny)
                }
                None => after_set.identity.push(labeled("extra-deny", document(vec![deny]))),
            },
            _ => match after_set.session_policy.as_mut() {
                Some(session) => session.document.statements.push(deny),
                None => after_set.identity.push(labeled("extra-deny", document(vec![deny]))),
            },
        }
        let after = decide(&after_set, &request);
        if before != DecisionKind::Allow {
            prop_assert_ne!(after, DecisionKind::Allow);
        }
        if before == DecisionKind::ExplicitDeny {
            prop_assert_eq!(after, DecisionKind::ExplicitDeny);
        }
    }

    #[test]
    fn removing_an_allow_never_grants(set in set_strategy(), request in request_strategy(), pick in any::<prop::sample::Index>()) {
        let before = decide(&set, &request);
        let mut after_set = set.clone();
        let allows: Vec<(usize, usize)> = after_set.identity.iter().enumerate().flat_map(|(p, policy)| {
            policy.document.statements.iter().enumerate()
                .filter(|(_, s)| s.effect == Effect::Allow)
                .map(move |(s, _)| (p, s))
        }).collect();
        prop_assume!(!allows.is_empty());
        let (p, s) = allows[pick.index(allows.len())];
        after_set.identity[p].document.statements.remove(s);
        let after = decide(&after_set, &request);
        if before != DecisionKind::Allow {
            prop_assert_ne!(after, DecisionKind::Allow);
        }
    }

    #[test]
    fn adding_a_boundary_never_widens(set in set_strategy(), request in request_strategy(), boundary in policy_strategy(false)) {
        let mut without = set.clone();
        without.permissions_boundary = None;
        let before = decide(&without, &request);
        let mut with = without.clone();
        with.permissions_boundary = Some(labeled("boundary", boundary));
        let after = decide(&with, &request);
        if before != DecisionKind::Allow {
            prop_assert_ne!(after, DecisionKind::Allow);
        }
    }
}
