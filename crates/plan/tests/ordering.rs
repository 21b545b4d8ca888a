//! The apply order never grants more than the old or the new state: for plans mixing
//! narrowings, widenings and swaps (generated, and named cases), the access after every
//! prefix of the ordered changes — who can assume which role and what its session may then do,
//! decided by warden-eval through the whole chain (trust, identity policies, boundary, denies)
//! — is within the access of the old state united with the new.
use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use warden_eval::{CompiledPolicySet, LabeledPolicy, PolicySet, Request};
use warden_plan::change::Change;
use warden_plan::desired::{DesiredAccount, DesiredPolicy, DesiredRole, Ownership};
use warden_plan::live::{LiveAccount, LiveRole};
use warden_plan::order::Phase;
use warden_plan::plan_account;
use warden_plan::simulate::simulate_account;
use warden_policy::{Arn, Partition, PolicyDocument, parse_policy};

const ACCOUNT: &str = "111111111111";
const PRINCIPALS: [&str; 3] = [
    "arn:aws:iam::222222222222:root",
    "arn:aws:iam::333333333333:root",
    "arn:aws:iam::444444444444:root",
];
const ACTIONS: [&str; 4] = [
    "s3:GetObject",
    "s3:PutObject",
    "dynamodb:GetItem",
    "sqs:SendMessage",
];
const POLICIES: [&str; 3] = ["shared", "bnd-x", "bnd-y"];

fn ownership() -> Ownership {
    Ownership {
        marker_key: "warden:managed".into(),
        marker_value: "true".into(),
        access_role_name: "WardenAccess".into(),
    }
}

fn pick<'a>(mask: u8, from: &[&'a str]) -> Vec<&'a str> {
    from.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, item)| *item)
        .collect()
}

fn list(items: &[&str]) -> String {
    serde_json::to_string(items).unwrap()
}

/// Allow the actions of `allow` on everything, deny those of `deny`.
fn permissions(allow: u8, deny: u8) -> PolicyDocument {
    let mut statements = vec![format!(
        r#"{{"Effect":"Allow","Action":{},"Resource":"*"}}"#,
        list(&pick(allow, &ACTIONS))
    )];
    if deny != 0 {
        statements.push(format!(
            r#"{{"Effect":"Deny","Action":{},"Resource":"*"}}"#,
            list(&pick(deny, &ACTIONS))
        ));
    }
    parse_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    ))
    .unwrap()
}

fn trust(mask: u8) -> PolicyDocument {
    parse_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":{}}},"Action":"sts:AssumeRole"}}]}}"#,
        list(&pick(mask, &PRINCIPALS))
    ))
    .unwrap()
}

fn policy_arn(name: &str) -> String {
    Arn::managed_policy(Partition::Aws, ACCOUNT, "/", name).to_string()
}

/// One role as generated: which principals it trusts, its inline policies (allow, deny
/// masks), whether it attaches `shared`, and its boundary (`bnd-x` or `bnd-y`).
#[derive(Debug, Clone)]
struct RoleSpec {
    trust: u8,
    inline: Vec<(u8, u8)>,
    shared: bool,
    boundary: Option<usize>,
}

/// One state of the account: two roles (absent or present) and the documents of `shared`,
/// `bnd-x` and `bnd-y` as (allow, deny) masks.
#[derive(Debug, Clone)]
struct StateSpec {
    roles: [Option<RoleSpec>; 2],
    policies: [(u8, u8); 3],
}

fn desired(state: &StateSpec) -> DesiredAccount {
    let policies = POLICIES
        .iter()
        .zip(state.policies)
        .map(|(name, (allow, deny))| DesiredPolicy {
            name: (*name).into(),
            path: "/".into(),
            description: String::new(),
            document: permissions(allow, deny),
            boundary: name.starts_with("bnd"),
            tags: BTreeMap::new(),
        })
        .collect();
    let roles = state
        .roles
        .iter()
        .enumerate()
        .filter_map(|(index, role)| Some((index, role.as_ref()?)))
        .map(|(index, role)| DesiredRole {
            name: format!("role-{index}"),
            path: "/".into(),
            description: String::new(),
            trust: trust(role.trust),
            inline: role
                .inline
                .iter()
                .enumerate()
                .map(|(i, (allow, deny))| (format!("inline-{i}"), permissions(*allow, *deny)))
                .collect(),
            managed_policy_arns: if role.shared {
                BTreeSet::from([policy_arn("shared")])
            } else {
                BTreeSet::new()
            },
            boundary_arn: role.boundary.map(|b| policy_arn(POLICIES[1 + b])),
            tags: BTreeMap::new(),
            max_session_duration: 3600,
            source: "generated".into(),
        })
        .collect();
    DesiredAccount {
        account_id: ACCOUNT.into(),
        account_name: "generated".into(),
        roles,
        policies,
    }
}

fn access_role() -> LiveRole {
    LiveRole {
        name: "WardenAccess".into(),
        path: "/".into(),
        arn: format!("arn:aws:iam::{ACCOUNT}:role/WardenAccess"),
        role_id: "AROAACCESS".into(),
        trust_policy: trust(1).to_json_string(),
        description: None,
        max_session_duration: None,
        permissions_boundary_arn: None,
        tags: BTreeMap::new(),
        inline_policies: BTreeMap::new(),
        attached_policy_arns: Vec::new(),
        created: None,
        role_last_used: None,
    }
}

/// The live account an apply of `state` to an empty account leaves.
fn live(state: &StateSpec) -> LiveAccount {
    let empty = LiveAccount {
        account_id: ACCOUNT.into(),
        roles: vec![access_role()],
        ..LiveAccount::default()
    };
    let plan = plan_account(&desired(state), &empty, &ownership());
    simulate_account(&empty, &plan.changes, &ownership()).unwrap()
}

fn resource(action: &str) -> String {
    match action.split(':').next() {
        Some("s3") => "arn:aws:s3:::bucket/key".into(),
        Some("dynamodb") => format!("arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t"),
        _ => format!("arn:aws:sqs:us-east-1:{ACCOUNT}:queue"),
    }
}

fn document(text: &str) -> PolicyDocument {
    parse_policy(text).unwrap()
}

/// Who can assume which role and do what with it: (role, principal, action).
fn access(state: &LiveAccount) -> BTreeSet<(String, String, String)> {
    let by_arn = |arn: &str| {
        state
            .policies
            .iter()
            .find(|p| p.arn == arn)
            .map(|p| document(&p.document))
    };
    let mut granted = BTreeSet::new();
    for role in state.roles.iter().filter(|r| r.name != "WardenAccess") {
        let assume = CompiledPolicySet::compile(&PolicySet {
            resource_policy: Some(LabeledPolicy::new("trust", document(&role.trust_policy))),
            ..PolicySet::default()
        });
        let mut identity: Vec<LabeledPolicy> = role
            .inline_policies
            .iter()
            .map(|(name, text)| LabeledPolicy::new(name.clone(), document(text)))
            .collect();
        for arn in &role.attached_policy_arns {
            identity.push(LabeledPolicy::new(arn.clone(), by_arn(arn).unwrap()));
        }
        let session = CompiledPolicySet::compile(&PolicySet {
            identity,
            permissions_boundary: role
                .permissions_boundary_arn
                .as_deref()
                .map(|arn| LabeledPolicy::new(arn, by_arn(arn).unwrap())),
            ..PolicySet::default()
        });
        let allowed: Vec<&str> = ACTIONS
            .iter()
            .copied()
            .filter(|action| {
                let request = Request::new(&role.arn, action, &resource(action))
                    .unwrap()
                    .with_resource_account(ACCOUNT)
                    .finish();
                session.decide(&request).is_allow()
            })
            .collect();
        for principal in PRINCIPALS {
            let request = Request::new(principal, "sts:AssumeRole", &role.arn)
                .unwrap()
                .finish();
            if !assume.decide(&request).is_allow() {
                continue;
            }
            for action in &allowed {
                granted.insert((role.name.clone(), principal.to_string(), action.to_string()));
            }
        }
    }
    granted
}

/// Plans `old` → `new`, then checks every prefix of the ordered changes; returns the plan's
/// changes and phases for further assertions.
fn check_every_prefix(old: &StateSpec, new: &StateSpec) -> (Vec<Change>, Vec<Phase>) {
    let before = live(old);
    let plan = plan_account(&desired(new), &before, &ownership());
    assert_eq!(plan.phases.len(), plan.changes.len());
    assert!(
        plan.phases.windows(2).all(|w| w[0] <= w[1]),
        "phases in order: {:?}",
        plan.phases
    );
    let old_access = access(&before);
    let new_access = access(&live(new));
    let bound: BTreeSet<_> = old_access.union(&new_access).cloned().collect();
    for k in 0..=plan.changes.len() {
        let state = simulate_account(&before, &plan.changes[..k], &ownership())
            .unwrap_or_else(|err| panic!("prefix {k} cannot be applied: {err}"));
        let now = access(&state);
        let beyond: Vec<_> = now.difference(&bound).collect();
        assert!(
            beyond.is_empty(),
            "after {k} of {} changes ({}), access beyond old ∪ new: {beyond:?}\nchanges: {:#?}",
            plan.changes.len(),
            plan.changes
                .get(k.wrapping_sub(1))
                .map_or_else(String::new, ToString::to_string),
            plan.changes
        );
        if k == plan.changes.len() {
            assert_eq!(now, new_access, "the apply converges on the new state");
        }
    }
    (plan.changes, plan.phases)
}

fn role(trust: u8, inline: Vec<(u8, u8)>, shared: bool, boundary: Option<usize>) -> RoleSpec {
    RoleSpec {
        trust,
        inline,
        shared,
        boundary,
    }
}

const S3_GET: u8 = 0b0001;
const S3_PUT: u8 = 0b0010;
const DYNAMO: u8 = 0b0100;
const ALL: u8 = 0b1111;

#[test]
fn the_access_model_sees_trust_and_permissions() {
    let state = StateSpec {
        roles: [Some(role(0b001, vec![(S3_GET, 0)], false, None)), None],
        policies: [(S3_GET, 0), (ALL, 0), (ALL, 0)],
    };
    let granted = access(&live(&state));
    assert_eq!(
        granted,
        BTreeSet::from([(
            "role-0".to_string(),
            PRINCIPALS[0].to_string(),
            "s3:GetObject".to_string()
        )])
    );
}

#[test]
fn trust_widened_while_permissions_narrow_narrows_first() {
    // The issue's case: a partner is newly trusted and the role loses s3:PutObject.
    let old = StateSpec {
        roles: [
            Some(role(0b001, vec![(S3_GET | S3_PUT, 0)], false, None)),
            None,
        ],
        policies: [(S3_GET, 0), (ALL, 0), (ALL, 0)],
    };
    let new = StateSpec {
        roles: [Some(role(0b011, vec![(S3_GET, 0)], false, None)), None],
        ..old.clone()
    };
    let (changes, phases) = check_every_prefix(&old, &new);
    let put = changes
        .iter()
        .position(|c| matches!(c, Change::PutInlinePolicy { .. }))
        .unwrap();
    let trust = changes
        .iter()
        .position(|c| matches!(c, Change::UpdateTrust { .. }))
        .unwrap();
    assert!(put < trust, "permissions narrowed before the trust widens");
    assert_eq!(phases[put], Phase::Narrow);
    assert_eq!(phases[trust], Phase::Widen);
}

#[test]
fn a_swapped_policy_and_a_swapped_trust_close_the_role_meanwhile() {
    // Trust moves from one partner to another while the shared policy is swapped s3 → dynamo.
    let old = StateSpec {
        roles: [Some(role(0b001, vec![], true, None)), None],
        policies: [(S3_GET, 0), (ALL, 0), (ALL, 0)],
    };
    let new = StateSpec {
        roles: [Some(role(0b010, vec![], true, None)), None],
        policies: [(DYNAMO, 0), (ALL, 0), (ALL, 0)],
    };
    let (changes, phases) = check_every_prefix(&old, &new);
    let trusts: Vec<usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Change::UpdateTrust { .. }))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(trusts.len(), 2, "closed, then opened: {changes:#?}");
    assert_eq!(phases[trusts[0]], Phase::NarrowTrust);
    assert_eq!(phases[trusts[1]], Phase::Widen);
    let Change::UpdateTrust { document, .. } = &changes[trusts[0]] else {
        unreachable!()
    };
    assert!(document.contains(warden_plan::account::CLOSED_TRUST_SID));
}

#[test]
fn a_policy_swapped_alone_needs_no_closing() {
    let old = StateSpec {
        roles: [Some(role(0b001, vec![(S3_GET, 0)], false, None)), None],
        policies: [(S3_GET, 0), (ALL, 0), (ALL, 0)],
    };
    let new = StateSpec {
        roles: [Some(role(0b001, vec![(DYNAMO, 0)], false, None)), None],
        ..old.clone()
    };
    let (changes, phases) = check_every_prefix(&old, &new);
    assert_eq!(changes.len(), 1);
    assert_eq!(phases, vec![Phase::Mixed]);
}

#[test]
fn a_new_role_is_complete_before_the_next_is_created() {
    let old = StateSpec {
        roles: [None, None],
        policies: [(S3_GET, 0), (ALL, 0), (ALL, 0)],
    };
    let new = StateSpec {
        roles: [
            Some(role(0b001, vec![(S3_GET, 0)], true, Some(0))),
            Some(role(0b010, vec![(DYNAMO, 0)], true, None)),
        ],
        ..old.clone()
    };
    let (changes, _) = check_every_prefix(&old, &new);
    let roles: Vec<&str> = changes.iter().filter_map(Change::role).collect();
    let first_of_second = roles.iter().position(|r| *r == "role-1").unwrap();
    assert!(
        roles[first_of_second..].iter().all(|r| *r == "role-1"),
        "role-0 is complete before role-1 starts: {roles:?}"
    );
}

fn mask(max: u8) -> impl Strategy<Value = u8> {
    0..=max
}

fn role_spec() -> impl Strategy<Value = RoleSpec> {
    (
        1..=7u8,
        prop::collection::vec(
            (1..=15u8, prop_oneof![3 => Just(0u8), 1 => mask(15)]),
            0..=2,
        ),
        any::<bool>(),
        prop::option::of(0..2usize),
    )
        .prop_map(|(trust, inline, shared, boundary)| RoleSpec {
            trust,
            inline,
            shared,
            boundary,
        })
}

fn state_spec() -> impl Strategy<Value = StateSpec> {
    let document = (1..=15u8, prop_oneof![3 => Just(0u8), 1 => mask(15)]);
    (
        prop::option::of(role_spec()),
        prop::option::of(role_spec()),
        [document.clone(), document.clone(), document],
    )
        .prop_map(|(first, second, policies)| StateSpec {
            roles: [first, second],
            policies,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn no_prefix_of_an_apply_grants_more_than_old_or_new(old in state_spec(), new in state_spec()) {
        check_every_prefix(&old, &new);
    }
}

#[test]
fn a_deny_detached_while_the_trust_is_swapped() {
    let old = StateSpec {
        roles: [Some(role(0b001, vec![(S3_GET, 0)], true, None)), None],
        policies: [(S3_GET, S3_GET), (S3_GET, 0), (S3_GET, 0)],
    };
    let new = StateSpec {
        roles: [Some(role(0b110, vec![(S3_GET, 0)], false, None)), None],
        policies: [(S3_GET, 0), (S3_GET, 0), (S3_GET, 0)],
    };
    check_every_prefix(&old, &new);
}
