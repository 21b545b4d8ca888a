//! Unit tests of the planner: ownership, ordering (checked by simulating IAM's preconditions),
//! convergence, semantic comparison, guards, saved plans and renderings.
// Fixture helpers outside `#[test]` functions may fail loudly, as the tests themselves do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed fixture step should stop the test"
)]

use std::collections::{BTreeMap, BTreeSet};

use warden_policy::{Arn, Partition, PolicyDocument, Quotas, parse_policy};

use warden_plan::change::Change;
use warden_plan::desired::{DesiredAccount, DesiredPolicy, DesiredRole, DesiredScp, Ownership};
use warden_plan::err::RefusalReason;
use warden_plan::guard::{check_account, check_scps};
use warden_plan::live::{LiveAccount, LiveManagedPolicy, LivePolicyVersion, LiveRole, LiveScp};
use warden_plan::render::{RenderOptions, render_table};
use warden_plan::saved::{Plan, PlanHeader, Unreadable};
use warden_plan::simulate::simulate_account;
use warden_plan::{fingerprint_account, plan_account, plan_accounts, plan_scps};

mod ordering;

const ACCOUNT: &str = "111111111111";

fn ownership() -> Ownership {
    Ownership {
        marker_key: "warden:managed".into(),
        marker_value: "true".into(),
        access_role_name: "WardenAccess".into(),
    }
}

fn doc(text: &str) -> PolicyDocument {
    parse_policy(text).unwrap()
}

fn allow(actions: &str, resource: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":"{resource}"}}]}}"#
    ))
}

fn trust() -> PolicyDocument {
    doc(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x-1"}}}]}"#,
    )
}

fn arn(name: &str) -> String {
    Arn::managed_policy(Partition::Aws, ACCOUNT, "/", name).to_string()
}

fn desired_role(name: &str) -> DesiredRole {
    DesiredRole {
        name: name.into(),
        path: "/".into(),
        description: format!("{name} role"),
        trust: trust(),
        inline: BTreeMap::from([(
            "s3".to_string(),
            allow(r#"["s3:GetObject","s3:ListBucket"]"#, "*"),
        )]),
        managed_policy_arns: BTreeSet::from([arn("shared-read")]),
        boundary_arn: Some(arn("standard-boundary")),
        tags: BTreeMap::from([("team".to_string(), "platform".to_string())]),
        max_session_duration: 3600,
        source: format!("policies/{name}.yaml"),
    }
}

fn desired() -> DesiredAccount {
    DesiredAccount {
        account_id: ACCOUNT.into(),
        account_name: "dev".into(),
        roles: vec![desired_role("deployer"), desired_role("auditor")],
        policies: vec![
            DesiredPolicy {
                name: "shared-read".into(),
                path: "/".into(),
                description: "read things".into(),
                document: allow(r#""ec2:Describe*""#, "*"),
                boundary: false,
                tags: BTreeMap::new(),
            },
            DesiredPolicy {
                name: "standard-boundary".into(),
                path: "/".into(),
                description: "cap".into(),
                document: allow(r#"["s3:*","ec2:*"]"#, "*"),
                boundary: true,
                tags: BTreeMap::new(),
            },
        ],
    }
}

fn access_role() -> LiveRole {
    LiveRole {
        name: "WardenAccess".into(),
        path: "/".into(),
        arn: format!("arn:aws:iam::{ACCOUNT}:role/WardenAccess"),
        trust_policy: trust().to_json_string(),
        // Even if someone tags it, the access role is never Warden's to change.
        tags: BTreeMap::from([("warden:managed".to_string(), "true".to_string())]),
        ..LiveRole::default()
    }
}

fn empty_live() -> LiveAccount {
    LiveAccount {
        account_id: ACCOUNT.into(),
        roles: vec![access_role()],
        policies: vec![],
        ..LiveAccount::default()
    }
}

/// The live state reached by applying the plan for `desired` to an empty account.
fn converged_live() -> LiveAccount {
    let plan = plan_account(&desired(), &empty_live(), &ownership());
    simulate_account(&empty_live(), &plan.changes, &ownership()).unwrap()
}

fn position(changes: &[Change], wanted: impl Fn(&Change) -> bool) -> usize {
    changes.iter().position(wanted).unwrap()
}

#[test]
fn empty_account_gets_policies_before_roles_and_roles_before_their_policies() {
    let plan = plan_account(&desired(), &empty_live(), &ownership());
    let changes = &plan.changes;
    let boundary = position(
        changes,
        |c| matches!(c, Change::CreatePolicy { name, .. } if name == "standard-boundary"),
    );
    let shared = position(
        changes,
        |c| matches!(c, Change::CreatePolicy { name, .. } if name == "shared-read"),
    );
    let role = position(
        changes,
        |c| matches!(c, Change::CreateRole { name, .. } if name == "deployer"),
    );
    let inline = position(
        changes,
        |c| matches!(c, Change::PutInlinePolicy { role, .. } if role == "deployer"),
    );
    let attach = position(
        changes,
        |c| matches!(c, Change::AttachPolicy { role, .. } if role == "deployer"),
    );
    assert!(
        boundary < role && shared < role && role < inline && role < attach,
        "{changes:#?}"
    );
    let Change::CreateRole {
        boundary_arn,
        tags,
        trust,
        ..
    } = &changes[role]
    else {
        unreachable!()
    };
    assert_eq!(
        boundary_arn.as_deref(),
        Some(arn("standard-boundary").as_str())
    );
    assert_eq!(tags.get("warden:managed").map(String::as_str), Some("true"));
    assert_eq!(tags.get("team").map(String::as_str), Some("platform"));
    assert!(
        trust.contains("sts:ExternalId"),
        "trust condition kept: {trust}"
    );
    assert!(plan.conflicts.is_empty());
    assert_eq!(
        plan.unmanaged.len(),
        1,
        "the access role is listed as unmanaged"
    );
}

#[test]
fn applying_the_plan_converges_to_an_empty_plan() {
    let after = converged_live();
    let again = plan_account(&desired(), &after, &ownership());
    assert!(again.changes.is_empty(), "{:#?}", again.changes);
    assert!(again.conflicts.is_empty());
}

/// AWS returns documents reformatted: reordered keys and lists, strings for one-item lists.
#[test]
fn reformatted_but_equivalent_documents_are_not_changes() {
    let mut live = converged_live();
    for role in &mut live.roles {
        if let Some(text) = role.inline_policies.get_mut("s3") {
            *text = r#"{
              "Statement": [{"Resource": ["*"], "Action": ["S3:ListBucket", "s3:getobject"], "Effect": "Allow"}],
              "Version": "2012-10-17"
            }"#
            .into();
        }
    }
    let policy = live
        .policies
        .iter_mut()
        .find(|p| p.name == "shared-read")
        .unwrap();
    policy.document = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ec2:Describe*"],"Resource":["*"]}}"#.into();
    let plan = plan_account(&desired(), &live, &ownership());
    assert!(plan.changes.is_empty(), "{:#?}", plan.changes);
}

#[test]
fn out_of_band_inline_change_is_an_update_with_gained_and_lost_actions() {
    let mut live = converged_live();
    let role = live
        .roles
        .iter_mut()
        .find(|r| r.name == "deployer")
        .unwrap();
    role.inline_policies.insert(
        "s3".into(),
        allow(r#"["s3:GetObject","s3:DeleteObject"]"#, "*").to_json_string(),
    );
    let plan = plan_account(&desired(), &live, &ownership());
    assert_eq!(plan.changes.len(), 1, "{:#?}", plan.changes);
    let Change::PutInlinePolicy {
        role,
        policy_name,
        delta: Some(delta),
        ..
    } = &plan.changes[0]
    else {
        panic!("{:#?}", plan.changes)
    };
    assert_eq!((role.as_str(), policy_name.as_str()), ("deployer", "s3"));
    assert_eq!(delta.actions_gained, vec!["s3:ListBucket"]);
    assert_eq!(delta.actions_lost, vec!["s3:DeleteObject"]);
}

#[test]
fn unmanaged_role_with_a_defined_name_is_a_conflict_and_never_touched() {
    let mut live = empty_live();
    live.roles.push(LiveRole {
        name: "Deployer".into(),
        path: "/".into(),
        trust_policy: trust().to_json_string(),
        ..LiveRole::default()
    });
    live.roles.push(LiveRole {
        name: "hand-made".into(),
        path: "/".into(),
        ..LiveRole::default()
    });
    let plan = plan_account(&desired(), &live, &ownership());
    assert!(
        plan.changes
            .iter()
            .all(|c| c.role().is_none_or(|r| !r.eq_ignore_ascii_case("deployer")))
    );
    assert_eq!(plan.conflicts.len(), 1);
    assert_eq!(plan.conflicts[0].name, "Deployer");
    assert!(plan.conflicts[0].reason.contains("not managed by Warden"));
    let unmanaged: Vec<&str> = plan.unmanaged.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(unmanaged, vec!["WardenAccess", "hand-made"]);
    assert!(
        !plan
            .changes
            .iter()
            .any(|c| matches!(c, Change::DeleteRole { .. }))
    );
}

#[test]
fn access_role_is_never_planned_even_when_defined_or_tagged() {
    let mut wanted = desired();
    wanted.roles.push(desired_role("wardenaccess"));
    let plan = plan_account(&wanted, &empty_live(), &ownership());
    assert!(plan.changes.iter().all(|c| {
        c.role()
            .is_none_or(|r| !r.eq_ignore_ascii_case("wardenaccess"))
    }));
    assert!(
        plan.conflicts
            .iter()
            .any(|c| c.name == "wardenaccess" && c.reason.contains("access role"))
    );
}

#[test]
fn removed_role_is_emptied_before_it_is_deleted_and_its_policy_after_detach() {
    let live = converged_live();
    let mut wanted = desired();
    wanted.roles.retain(|r| r.name == "deployer");
    wanted.roles[0].managed_policy_arns.clear();
    wanted.policies.retain(|p| p.name != "shared-read");
    let plan = plan_account(&wanted, &live, &ownership());
    let delete_role = position(
        &plan.changes,
        |c| matches!(c, Change::DeleteRole { role } if role == "auditor"),
    );
    let delete_inline = position(
        &plan.changes,
        |c| matches!(c, Change::DeleteInlinePolicy { role, .. } if role == "auditor"),
    );
    let delete_policy = position(&plan.changes, |c| matches!(c, Change::DeletePolicy { .. }));
    assert!(delete_inline < delete_role && delete_role < delete_policy);
    let after = simulate_account(&live, &plan.changes, &ownership()).unwrap();
    assert!(after.role("auditor").is_none() && after.policy("shared-read").is_none());
    assert!(
        plan_account(&wanted, &after, &ownership())
            .changes
            .is_empty()
    );
}

#[test]
fn policy_still_used_by_an_unmanaged_role_is_not_deleted() {
    let mut live = converged_live();
    live.roles.push(LiveRole {
        name: "legacy".into(),
        path: "/".into(),
        attached_policy_arns: vec![arn("shared-read")],
        ..LiveRole::default()
    });
    live.policies
        .iter_mut()
        .find(|p| p.name == "shared-read")
        .unwrap()
        .attachment_count += 1;
    let mut wanted = desired();
    for role in &mut wanted.roles {
        role.managed_policy_arns.clear();
    }
    wanted.policies.retain(|p| p.name != "shared-read");
    let plan = plan_account(&wanted, &live, &ownership());
    assert!(
        !plan
            .changes
            .iter()
            .any(|c| matches!(c, Change::DeletePolicy { .. }))
    );
    assert!(
        plan.conflicts
            .iter()
            .any(|c| c.name == "shared-read" && c.reason.contains("legacy"))
    );
    assert!(!plan.changes.iter().any(|c| c.role() == Some("legacy")));
}

#[test]
fn sixth_policy_version_prunes_the_oldest_non_default() {
    let mut live = converged_live();
    let policy = live
        .policies
        .iter_mut()
        .find(|p| p.name == "shared-read")
        .unwrap();
    policy.versions = (1..=5)
        .map(|n| LivePolicyVersion {
            version_id: format!("v{n}"),
            is_default: n == 3,
            ..LivePolicyVersion::default()
        })
        .collect();
    policy.default_version_id = "v3".into();
    let mut wanted = desired();
    wanted.policies[0].document = allow(r#""ec2:DescribeInstances""#, "*");
    let plan = plan_account(&wanted, &live, &ownership());
    let Change::CreatePolicyVersion {
        prune_version,
        delta,
        ..
    } = &plan.changes[0]
    else {
        panic!()
    };
    assert_eq!(prune_version.as_deref(), Some("v1"));
    assert_eq!(delta.actions_lost, vec!["ec2:describe*"]);
    assert!(simulate_account(&live, &plan.changes, &ownership()).is_ok());
}

#[test]
fn swapping_attachments_at_the_quota_detaches_first() {
    let mut live = converged_live();
    let role = live
        .roles
        .iter_mut()
        .find(|r| r.name == "deployer")
        .unwrap();
    role.attached_policy_arns = (0..10)
        .map(|n| format!("arn:aws:iam::aws:policy/P{n}"))
        .collect();
    let mut wanted = desired();
    wanted.roles[0].managed_policy_arns = (1..10)
        .map(|n| format!("arn:aws:iam::aws:policy/P{n}"))
        .chain([arn("shared-read")])
        .collect();
    let plan = plan_account(&wanted, &live, &ownership());
    let detach = position(&plan.changes, |c| matches!(c, Change::DetachPolicy { .. }));
    let attach = position(&plan.changes, |c| matches!(c, Change::AttachPolicy { .. }));
    assert!(detach < attach);
    assert!(check_account(&plan, &live, &ownership(), &Quotas::default()).is_empty());
}

#[test]
fn guard_refuses_stale_unowned_and_over_quota_plans() {
    let live = converged_live();
    let mut wanted = desired();
    wanted.roles[0].managed_policy_arns = (0..11)
        .map(|n| format!("arn:aws:iam::aws:policy/P{n}"))
        .collect();
    let plan = plan_account(&wanted, &live, &ownership());
    let refusals = check_account(&plan, &live, &ownership(), &Quotas::default());
    assert!(
        matches!(&refusals[..], [RefusalReason::Quota(text)] if text.contains("attached managed policies is 11")),
        "{refusals:?}"
    );

    // A role edited by hand after the plan: its changes are refused, nothing else.
    let edited = wanted.roles[0].name.clone();
    let mut changed = live.clone();
    changed
        .roles
        .iter_mut()
        .find(|r| r.name == edited)
        .unwrap()
        .description = Some("edited by hand".into());
    let stale = warden_plan::guard::changed_since_plan(&plan, &changed);
    assert!(!stale.is_empty());
    for (index, reason) in &stale {
        assert_eq!(plan.changes[*index].role(), Some(edited.as_str()));
        assert!(
            reason.contains("changed since the plan was made"),
            "{reason}"
        );
    }
    // A plan saved before object fingerprints: the whole account is stale.
    let mut whole = plan.clone();
    whole.objects.clear();
    let refusals = check_account(&whole, &changed, &ownership(), &Quotas::default());
    assert!(
        matches!(&refusals[..], [RefusalReason::Stale { .. }]),
        "{refusals:?}"
    );

    let mut forged = plan_account(&desired(), &live, &ownership());
    forged.changes.push(Change::DeleteRole {
        role: "WardenAccess".into(),
    });
    forged.changes.push(Change::UpdateTrust {
        role: "legacy".into(),
        document: "{}".into(),
        delta: Default::default(),
    });
    let mut with_legacy = live.clone();
    with_legacy.roles.push(LiveRole {
        name: "legacy".into(),
        path: "/".into(),
        ..LiveRole::default()
    });
    forged.fingerprint = fingerprint_account(&with_legacy);
    let refusals = check_account(&forged, &with_legacy, &ownership(), &Quotas::default());
    assert!(
        refusals
            .iter()
            .any(|r| matches!(r, RefusalReason::AccessRole { .. })),
        "{refusals:?}"
    );
    assert!(
        refusals
            .iter()
            .any(|r| matches!(r, RefusalReason::Unmanaged { name, .. } if name == "legacy"))
    );
}

#[test]
fn fingerprint_ignores_formatting_and_order_but_not_content() {
    let live = converged_live();
    let mut reordered = live.clone();
    reordered.roles.reverse();
    reordered.roles[0].trust_policy = reordered.roles[0].trust_policy.replace(',', " ,\n ");
    assert_eq!(fingerprint_account(&live), fingerprint_account(&reordered));
    let mut changed = live.clone();
    changed.roles[0].max_session_duration = Some(7200);
    assert_ne!(fingerprint_account(&live), fingerprint_account(&changed));
}

#[test]
fn parallel_planning_matches_one_by_one() {
    let pairs: Vec<(DesiredAccount, LiveAccount)> = (0..8)
        .map(|n| {
            let mut live = if n % 2 == 0 {
                empty_live()
            } else {
                converged_live()
            };
            live.account_id = format!("{n:012}");
            let mut wanted = desired();
            wanted.account_id = live.account_id.clone();
            (wanted, live)
        })
        .collect();
    let parallel = plan_accounts(&pairs, &ownership());
    let sequential: Vec<_> = pairs
        .iter()
        .map(|(d, l)| plan_account(d, l, &ownership()))
        .collect();
    assert_eq!(parallel, sequential);
}

fn marked(description: &str) -> String {
    ownership().marked_description(description)
}

fn live_scps() -> Vec<LiveScp> {
    vec![
        LiveScp {
            id: "p-FullAWSAccess".into(),
            name: "FullAWSAccess".into(),
            description: "Allows access to every operation".into(),
            content: allow(r#""*""#, "*").to_json_string(),
            aws_managed: true,
            targets: vec!["r-root".into(), "ou-prod".into()],
        },
        LiveScp {
            id: "p-region".into(),
            name: "deny-regions".into(),
            description: marked("regions"),
            content: doc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}]}"#).to_json_string(),
            aws_managed: false,
            targets: vec!["ou-prod".into()],
        },
        LiveScp {
            id: "p-old".into(),
            name: "old-guard".into(),
            description: marked("old"),
            content: allow(r#""*""#, "*").to_json_string(),
            aws_managed: false,
            targets: vec!["ou-dev".into()],
        },
        LiveScp {
            id: "p-hand".into(),
            name: "security-team".into(),
            description: "theirs".into(),
            content: allow(r#""*""#, "*").to_json_string(),
            aws_managed: false,
            targets: vec!["r-root".into()],
        },
    ]
}

fn desired_scps() -> Vec<DesiredScp> {
    vec![
        DesiredScp {
            name: "deny-regions".into(),
            description: "regions".into(),
            document: doc(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-central-1"]}}}]}"#,
            ),
            target_ids: BTreeSet::from(["ou-prod".to_string(), "ou-dev".to_string()]),
        },
        DesiredScp {
            name: "deny-leave".into(),
            description: "stay".into(),
            document: doc(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#,
            ),
            target_ids: BTreeSet::from(["r-root".to_string()]),
        },
        DesiredScp {
            name: "FullAWSAccess".into(),
            description: String::new(),
            document: allow(r#""*""#, "*"),
            target_ids: BTreeSet::new(),
        },
    ]
}

#[test]
fn scp_plan_creates_updates_attaches_and_deletes_only_its_own() {
    let plan = plan_scps(&desired_scps(), &live_scps(), &ownership());
    let rendered: Vec<String> = plan.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        vec![
            "+ scp deny-leave",
            "~ scp deny-regions",
            "+ scp attachment deny-leave → r-root",
            "+ scp attachment deny-regions → ou-dev",
            "- scp attachment old-guard → ou-dev",
            "~ scp deny-regions",
            "- scp old-guard",
        ]
    );
    // The region list both gains and loses by condition entries (not provable either way): the
    // update goes through a document with both denies before the accounts, then the new one.
    use warden_plan::order::Phase;
    assert_eq!(
        plan.phases,
        vec![
            Phase::Prepare,
            Phase::Narrow,
            Phase::Narrow,
            Phase::Narrow,
            Phase::Narrow,
            Phase::Widen,
            Phase::Cleanup
        ]
    );
    assert_eq!(plan.conflicts.len(), 1, "FullAWSAccess is AWS managed");
    assert_eq!(
        plan.unmanaged
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>(),
        vec!["security-team"]
    );
    assert!(check_scps(&plan, &live_scps(), &ownership(), &Quotas::default()).is_empty());
    let mut moved = live_scps();
    moved[1].targets.push("ou-sandbox".into());
    assert!(matches!(
        &check_scps(&plan, &moved, &ownership(), &Quotas::default())[..],
        [RefusalReason::Stale { .. }]
    ));
}

#[test]
fn scp_with_equivalent_but_reformatted_content_is_not_updated() {
    let mut live = live_scps();
    live[1].content = r#"{"Statement":{"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-central-1","eu-west-1"]}},"Resource":"*","Action":"*","Effect":"Deny"},"Version":"2012-10-17"}"#.into();
    live[1].targets.push("ou-dev".into());
    let plan = plan_scps(&desired_scps()[..1], &live, &ownership());
    assert!(
        !plan
            .changes
            .iter()
            .any(|c| matches!(c, Change::UpdateScp { .. })),
        "{:#?}",
        plan.changes
    );
}

fn sample_plan() -> Plan {
    let mut live = converged_live();
    let role = live
        .roles
        .iter_mut()
        .find(|r| r.name == "deployer")
        .unwrap();
    role.inline_policies.insert(
        "s3".into(),
        allow(r#"["s3:GetObject","s3:DeleteObject"]"#, "*").to_json_string(),
    );
    role.tags.insert("owner".into(), "someone".into());
    live.roles.push(LiveRole {
        name: "auditor-old".into(),
        path: "/".into(),
        tags: ownership().marker_tags(),
        inline_policies: BTreeMap::from([(
            "x".to_string(),
            allow(r#""s3:*""#, "*").to_json_string(),
        )]),
        ..LiveRole::default()
    });
    live.roles.retain(|r| r.name != "auditor");
    live.roles.push(LiveRole {
        name: "Auditor".into(),
        path: "/".into(),
        ..LiveRole::default()
    });
    live.policies.push(LiveManagedPolicy {
        name: "hand-made".into(),
        path: "/".into(),
        arn: arn("hand-made"),
        ..LiveManagedPolicy::default()
    });
    let mut plan = Plan::new(PlanHeader {
        created_at: "2026-11-25T03:00:00Z".into(),
        commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        dirty: false,
        definitions_digest: "d".repeat(64),
        management_account_id: "123456789012".into(),
        access_role_name: "WardenAccess".into(),
        managed_marker: "warden:managed=true".into(),
    });
    plan.accounts
        .push(plan_account(&desired(), &live, &ownership()));
    plan.accounts
        .push(plan_account(&desired(), &converged_live(), &ownership()));
    plan.accounts[1].account_name = "prod".into();
    plan.organization = Some(plan_scps(&desired_scps(), &live_scps(), &ownership()));
    plan.unreadable.push(Unreadable {
        account_id: "333333333333".into(),
        account_name: "broken".into(),
        reason: "access role `WardenAccess` does not require an ExternalId".into(),
    });
    plan
}

#[test]
fn table_rendering() {
    insta::assert_snapshot!(render_table(
        &sample_plan(),
        RenderOptions {
            show_unmanaged: true,
            ..RenderOptions::default()
        }
    ));
}

#[test]
fn json_rendering_is_the_saved_format() {
    let plan = sample_plan();
    let json = warden_plan::render::render_json(&plan);
    insta::assert_snapshot!(json);
    assert_eq!(Plan::from_json(&json).unwrap(), plan);
}

#[test]
fn saved_plan_refuses_other_versions_and_changed_definitions() {
    let plan = sample_plan();
    let mut value: serde_json::Value = serde_json::from_str(&plan.to_json()).unwrap();
    value["format_version"] = 99.into();
    let err = Plan::from_json(&value.to_string()).unwrap_err();
    assert!(err.to_string().contains("version 99"), "{err}");
    assert!(plan.check_definitions(&"d".repeat(64)).is_ok());
    let err = plan.check_definitions("other").unwrap_err();
    assert!(err.to_string().contains("stale"), "{err}");
    assert_eq!(plan.summary().conflict, 2);
}

/// A broken plan file says what is wrong once.
#[test]
fn invalid_plan_json_is_reported_once() {
    let err = Plan::from_json("{\"format\":").unwrap_err();
    assert!(
        err.to_string().starts_with("invalid plan file: EOF"),
        "{err}"
    );
    // No source: a chain printer (anyhow's `{:#}`) would repeat the message.
    assert!(std::error::Error::source(&err).is_none());
}

#[test]
fn apply_report_rendering_says_what_was_applied_and_what_not() {
    use warden_plan::report::{
        AccountApplyReport, ApplyReport, ApplyStatus, ChangeOutcome, ChangeResult,
        render_apply_report,
    };
    let plan = plan_account(&desired(), &empty_live(), &ownership());
    let mut partial = AccountApplyReport::untouched(
        ACCOUNT,
        "dev",
        &plan.changes[..4],
        ApplyStatus::Failed(vec!["`+ role auditor` failed".into()]),
    );
    partial.changes[0].result = ChangeResult::Applied;
    partial.changes[1].result = ChangeResult::Applied;
    partial.changes[2].result =
        ChangeResult::Failed("account 111111111111: `CreateRole` failed: throttled".into());
    let refused = AccountApplyReport::untouched(
        "222222222222",
        "prod",
        &plan.changes[..1],
        ApplyStatus::Refused(vec!["live state changed since the plan was made".into()]),
    );
    let done = AccountApplyReport {
        account_id: "organization".into(),
        account_name: "service control policies".into(),
        status: ApplyStatus::Applied,
        changes: vec![ChangeOutcome {
            change: Change::DeleteScp {
                name: "old".into(),
                policy_id: "p-1".into(),
            },
            result: ChangeResult::Applied,
        }],
    };
    let report = ApplyReport {
        accounts: vec![partial, refused],
        organization: Some(done),
    };
    assert!(!report.succeeded());
    assert_eq!(report.applied_changes(), 3);
    insta::assert_snapshot!(render_apply_report(&report));
}

#[test]
fn scp_swap_at_a_full_target_detaches_first_and_quotas_are_checked() {
    let mut live = live_scps();
    // `ou-prod` already carries five SCPs: FullAWSAccess, deny-regions and three others.
    for n in 0..3 {
        live.push(LiveScp {
            id: format!("p-other{n}"),
            name: format!("other-{n}"),
            description: "theirs".into(),
            content: allow(r#""*""#, "*").to_json_string(),
            aws_managed: false,
            targets: vec!["ou-prod".into()],
        });
    }
    let mut wanted = desired_scps();
    wanted.retain(|scp| scp.name == "deny-regions");
    wanted[0].target_ids = BTreeSet::from(["ou-dev".to_string()]);
    wanted.push(DesiredScp {
        name: "deny-leave".into(),
        description: "stay".into(),
        document: allow(r#""s3:*""#, "*"),
        target_ids: BTreeSet::from(["ou-prod".to_string()]),
    });
    let plan = plan_scps(&wanted, &live, &ownership());
    let detach = position(
        &plan.changes,
        |c| matches!(c, Change::DetachScp { target_id, .. } if target_id == "ou-prod"),
    );
    let attach = position(
        &plan.changes,
        |c| matches!(c, Change::AttachScp { target_id, .. } if target_id == "ou-prod"),
    );
    assert!(detach < attach, "{:#?}", plan.changes);
    assert!(check_scps(&plan, &live, &ownership(), &Quotas::default()).is_empty());

    let mut big = wanted.clone();
    big[1].document = allow(
        &format!(
            "[{}]",
            (0..400)
                .map(|n| format!(r#""s3:Action{n}""#))
                .collect::<Vec<_>>()
                .join(",")
        ),
        "*",
    );
    big[1].target_ids.insert("ou-sandbox".into());
    let plan = plan_scps(&big, &live, &ownership());
    let refusals = check_scps(
        &plan,
        &live,
        &ownership(),
        &Quotas {
            scps_per_target: 1,
            ..Quotas::default()
        },
    );
    let text: Vec<String> = refusals.iter().map(ToString::to_string).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("scp `deny-leave`: the document is")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("target `ou-prod` would have")),
        "{text:?}"
    );
}

/// A mixed attachment (gains s3, loses iam:DeleteRole) at a target holding four SCPs: the deny
/// part would make a sixth when the SCP itself is attached. The deny part's detachment moves
/// before that attachment (never before its own attachment), the step is reported unproven, and
/// no moment of the apply has more than five SCPs at the target.
#[test]
fn a_deny_part_at_a_crowded_target_stays_within_five_scps_at_every_step() {
    let theirs = |n: usize| LiveScp {
        id: format!("p-theirs{n}"),
        name: format!("theirs-{n}"),
        description: "theirs".into(),
        content: allow(r#""iam:*""#, "*").to_json_string(),
        aws_managed: false,
        targets: vec!["ou-lab".into()],
    };
    let live: Vec<LiveScp> = (0..4).map(theirs).collect();
    let wanted = vec![DesiredScp {
        name: "lab-guard".into(),
        description: "lab".into(),
        document: doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"iam:DeleteRole","Resource":"*"}]}"#,
        ),
        target_ids: BTreeSet::from(["ou-lab".to_string()]),
    }];
    let plan = plan_scps(&wanted, &live, &ownership());
    let attach_part = position(
        &plan.changes,
        |c| matches!(c, Change::AttachScp { name, .. } if name == "lab-guard-deny-part"),
    );
    let detach_part = position(
        &plan.changes,
        |c| matches!(c, Change::DetachScp { name, .. } if name == "lab-guard-deny-part"),
    );
    let attach = position(
        &plan.changes,
        |c| matches!(c, Change::AttachScp { name, .. } if name == "lab-guard"),
    );
    assert!(
        attach_part < detach_part && detach_part < attach,
        "{:#?}",
        plan.changes
    );
    let mut count = live.len();
    for change in &plan.changes {
        match change {
            Change::AttachScp { .. } => count += 1,
            Change::DetachScp { .. } => count -= 1,
            _ => {}
        }
        assert!(count <= 5, "six SCPs at `{change}`: {:#?}", plan.changes);
    }
    assert!(
        plan.unproven
            .iter()
            .any(|note| note.contains("lab-guard-deny-part") && note.contains("ou-lab")),
        "{:?}",
        plan.unproven
    );
    assert!(check_scps(&plan, &live, &ownership(), &Quotas::default()).is_empty());

    // The guard counts every step, not only the end: the old order (both parts attached before
    // the deny part goes) is refused although the end has five.
    let mut crowded = plan.clone();
    let detach = crowded.changes.remove(detach_part);
    let phase = crowded.phases.remove(detach_part);
    let attach = position(
        &crowded.changes,
        |c| matches!(c, Change::AttachScp { name, .. } if name == "lab-guard"),
    );
    crowded.changes.insert(attach + 1, detach);
    crowded.phases.insert(attach + 1, phase);
    let refusals: Vec<String> = check_scps(&crowded, &live, &ownership(), &Quotas::default())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        refusals
            .iter()
            .any(|r| r.contains("target `ou-lab` would have 6 SCPs attached at")),
        "{refusals:?}"
    );
}

#[test]
fn edited_changes_are_not_reproducible() {
    let plan = plan_account(&desired(), &empty_live(), &ownership());
    assert!(warden_plan::guard::check_reproducible(&plan.changes, &plan.changes).is_none());
    let mut edited = plan.changes.clone();
    edited.insert(
        3,
        Change::AttachPolicy {
            role: "deployer".into(),
            arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
        },
    );
    let refusal = warden_plan::guard::check_reproducible(&edited, &plan.changes).unwrap();
    let text = refusal.to_string();
    assert!(
        text.contains("change 3") && text.contains("AdministratorAccess"),
        "{text}"
    );
    assert!(
        warden_plan::guard::check_reproducible(&plan.changes[..2], &plan.changes).is_some(),
        "a dropped change counts too"
    );
}

#[test]
fn managed_policy_differing_only_in_case_is_a_conflict() {
    let mut live = converged_live();
    let policy = live
        .policies
        .iter_mut()
        .find(|p| p.name == "shared-read")
        .unwrap();
    policy.name = "Shared-Read".into();
    let mut wanted = desired();
    wanted.policies[0].document = allow(r#""ec2:DescribeVolumes""#, "*");
    let plan = plan_account(&wanted, &live, &ownership());
    assert!(
        !plan
            .changes
            .iter()
            .any(|c| matches!(c, Change::CreatePolicyVersion { .. })),
        "{:#?}",
        plan.changes
    );
    assert!(
        plan.conflicts
            .iter()
            .any(|c| c.name == "Shared-Read" && c.reason.contains("case-insensitive"))
    );
}

/// Hand-made IAM equal to the definitions: every role and policy is one adoption change, and
/// after those nothing is left; a role that differs stays a conflict.
#[test]
fn hand_made_objects_equal_to_their_definitions_are_adopted_and_converge() {
    let mut live = converged_live();
    for role in live.roles.iter_mut().filter(|r| r.name != "WardenAccess") {
        role.tags.remove("warden:managed");
    }
    for policy in &mut live.policies {
        policy.tags.clear();
        let wanted = desired()
            .policies
            .iter()
            .find(|p| p.name == policy.name)
            .unwrap()
            .description
            .clone();
        policy.description = Some(wanted);
    }
    let plan = plan_account(&desired(), &live, &ownership());
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    assert_eq!(plan.changes.len(), 4, "{:?}", plan.changes);
    assert!(
        plan.changes.iter().all(Change::is_adoption),
        "{:?}",
        plan.changes
    );
    let json = serde_json::to_string(&plan.changes).unwrap();
    assert!(json.contains(r#""op":"adopt_role""#) && json.contains(r#""op":"adopt_policy""#));
    let after = simulate_account(&live, &plan.changes, &ownership()).unwrap();
    let again = plan_account(&desired(), &after, &ownership());
    assert!(
        again.changes.is_empty() && again.conflicts.is_empty(),
        "{:?}",
        again
    );
    // The access role is never adopted, and a role that differs is a conflict, not adopted.
    let mut differs = live.clone();
    differs
        .roles
        .iter_mut()
        .find(|r| r.name == "auditor")
        .unwrap()
        .max_session_duration = Some(7200);
    let plan = plan_account(&desired(), &differs, &ownership());
    assert!(
        plan.conflicts.iter().any(|c| c.name == "auditor"),
        "{:?}",
        plan.conflicts
    );
    assert!(!plan.changes.iter().any(|c| c.role() == Some("auditor")));
    let guard = warden_plan::guard::check_ownership(&plan, &differs, &ownership());
    assert!(
        guard.is_empty(),
        "adoptions pass the ownership guard: {guard:?}"
    );
}
