//! Privilege-escalation paths: a graph of the organization's principals with the edges AWS
//! allows, and for each principal the shortest path to an administrator or out of its
//! permissions boundary.
//!
//! Edges (each decided through the whole chain: identity, boundary, SCPs, the target's trust
//! policy where AWS requires it, and the RCPs of the target's account):
//! - assume a role its trust policy admits (`sts:AssumeRole`);
//! - pass a role to a compute service and run code as it: the `pass-role` methods of
//!   `crates/lint/data/escalation_methods.json` (required actions on `*`, `iam:PassRole` on the
//!   role with `iam:PassedToService`, and the role's trust admitting that service);
//! - run code in an existing resource that acts as a role ([`CODE_EXECUTION`]):
//!   `lambda:UpdateFunctionCode`, `glue:UpdateDevEndpoint`, `ssm:SendCommand`/`ssm:StartSession`
//!   on an instance, for a role its service is trusted to assume in the same account (such a
//!   function, endpoint or instance is assumed to exist: they are not read);
//! - create an access key or a login profile for a user;
//! - rewrite a role's trust policy (`iam:UpdateAssumeRolePolicy`), then assume it.
//!
//! Goals: a principal is an administrator when it is allowed `*` on `*` or IAM writes on
//! every role of its account (it can then grant itself anything). A principal that can change
//! the permissions of itself or of a principal it reaches makes that one an administrator:
//! put or attach a policy; create a version of an attached customer managed policy; make an
//! older version the default again when that version makes it an administrator
//! (`iam:SetDefaultPolicyVersion`); put or attach a policy on a group a user is in; add a user to
//! a group whose policies make it an administrator; remove or replace the boundary of a
//! principal whose own policies are an administrator's. Out of boundary: reaching a principal
//! without a permissions boundary from one that has one, or removing or replacing the boundary
//! of itself or of a principal it reaches (`iam:DeleteRolePermissionsBoundary`,
//! `iam:PutRolePermissionsBoundary` and the user forms).
//!
//! Resources of code-execution edges are probed in `us-east-1` (`us-gov-west-1`, `cn-north-1`
//! in those partitions): a policy granting them only in another region is not seen.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use warden_eval::{CompiledResourcePolicy, Request};
use warden_policy::Arn;

use crate::err::AccessError;
use crate::model::{AccessModel, PrincipalKind};
use crate::who_can::deciding_statements;

/// What a path leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    Admin,
    Boundary,
}

#[derive(Debug, Clone, Deserialize)]
struct Method {
    id: String,
    kind: String,
    required_actions: Vec<String>,
    #[serde(default)]
    passed_to_service: Option<String>,
}

fn methods() -> Vec<Method> {
    serde_json::from_str(include_str!("../../lint/data/escalation_methods.json"))
        .unwrap_or_default()
}

/// One edge of a path, with the statements that allow it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub from: String,
    pub to: String,
    /// `sts-assume-role`, a method id of the data file, `modify-permissions`, `admin`.
    pub method: String,
    pub description: String,
    pub statements: Vec<String>,
}

/// The shortest path from one principal to the goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationPath {
    pub from: String,
    pub goal: Goal,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone)]
struct Edge {
    to: usize,
    method: String,
    description: String,
    /// The requests that allow the edge (action, resource, context, with the target's trust).
    checks: Vec<Check>,
}

#[derive(Debug, Clone)]
struct Check {
    action: String,
    resource: String,
    context: Vec<String>,
    trust_of: Option<usize>,
}

struct Graph<'m> {
    model: &'m AccessModel,
    edges: Vec<Vec<Edge>>,
    /// Principals whose permissions each principal can change (itself included).
    modifies: Vec<Vec<(usize, Check)>>,
    /// Principals whose permissions boundary each principal can remove or replace.
    unbounds: Vec<Vec<(usize, Check)>>,
    admin: Vec<Option<Check>>,
}

impl Graph<'_> {
    fn statements(&self, from: usize, check: &Check) -> Vec<String> {
        let (Some(compiled), Ok(request)) = (
            self.model.compiled(from),
            self.model
                .request(from, &check.action, &check.resource, &check.context),
        ) else {
            return Vec::new();
        };
        let side = resource_side(self.model, from, check);
        deciding_statements(&compiled.evaluate_with(&request, side))
    }
}

fn check(action: &str, resource: &str, context: Vec<String>, trust_of: Option<usize>) -> Check {
    Check {
        action: action.to_string(),
        resource: resource.to_string(),
        context,
        trust_of,
    }
}

/// The `sts:ExternalId` a trust policy requires, if any, to present when assuming it.
pub(crate) fn required_external_id(model: &AccessModel, role: usize) -> Option<String> {
    let trust = model.principals.get(role)?.trust.as_ref()?;
    let json = trust.document.to_json();
    let statements = json.get("Statement")?.as_array()?.clone();
    for statement in statements {
        let Some(condition) = statement.get("Condition").and_then(|c| c.as_object()) else {
            continue;
        };
        for (_, keys) in condition {
            for (key, value) in keys.as_object().into_iter().flatten() {
                if key.eq_ignore_ascii_case("sts:ExternalId") {
                    let first = match value {
                        serde_json::Value::Array(items) => items.first().cloned(),
                        other => Some(other.clone()),
                    };
                    if let Some(serde_json::Value::String(id)) = first {
                        return Some(id);
                    }
                }
            }
        }
    }
    None
}

/// The accounts whose principals a role's trust policy names (an account id, its root or one
/// of its principals); `None` when it may admit anyone (`*`, `NotPrincipal`). A role whose
/// trust policy is unknown admits nobody (assuming it is then never allowed).
fn trusted_accounts(role: &crate::model::Principal) -> Option<Vec<String>> {
    use warden_policy::{Effect, Principal as PolicyPrincipal, PrincipalClause, PrincipalType};
    let Some(trust) = role.trust.as_ref() else {
        return Some(Vec::new());
    };
    let mut accounts = Vec::new();
    for statement in &trust.document.statements {
        if statement.effect != Effect::Allow {
            continue;
        }
        match &statement.principal {
            Some(PrincipalClause::Principal(PolicyPrincipal::Typed(entries))) => {
                for (kind, values) in entries {
                    if *kind != PrincipalType::Aws {
                        continue;
                    }
                    for value in &values.items {
                        if value.contains('*') {
                            return None;
                        }
                        let account = warden_policy::arn::ArnRef::parse(value)
                            .map_or(value.as_str(), |arn| arn.account);
                        accounts.push(account.to_string());
                    }
                }
            }
            Some(_) => return None,
            None => {}
        }
    }
    Some(accounts)
}

/// Whether `service` may assume role `role` under its trust policy.
fn service_trusted(model: &AccessModel, role: usize, service: &str, arn: &str) -> bool {
    let Some(trust) = model.trust(role) else {
        return false;
    };
    let Ok(request) = Request::new(service, "sts:AssumeRole", arn) else {
        return false;
    };
    no_policies()
        .decide_with(&request.finish(), Some(trust))
        .is_allow()
}

/// A set without identity policies: a service principal's side of a request.
fn no_policies() -> &'static warden_eval::CompiledPolicySet {
    static EMPTY: std::sync::OnceLock<warden_eval::CompiledPolicySet> = std::sync::OnceLock::new();
    EMPTY
        .get_or_init(|| warden_eval::CompiledPolicySet::compile(&warden_eval::PolicySet::default()))
}

/// Actions of which every edge, permissions change and boundary removal probes at least one
/// (pass-role methods always probe `iam:PassRole`, whatever else they need): a principal whose
/// identity policies allow none of them reaches another principal only through a trust policy
/// that names it (or everyone) directly.
fn target_actions() -> Vec<String> {
    let mut actions: Vec<String> = [
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutUserPolicy",
        "iam:AttachUserPolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:PutGroupPolicy",
        "iam:AttachGroupPolicy",
        "iam:AddUserToGroup",
        "iam:DeleteRolePermissionsBoundary",
        "iam:PutRolePermissionsBoundary",
        "iam:DeleteUserPermissionsBoundary",
        "iam:PutUserPermissionsBoundary",
        "sts:AssumeRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:PassRole",
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
    ]
    .iter()
    .map(|a| (*a).to_string())
    .collect();
    actions.extend(
        CODE_EXECUTION
            .iter()
            .flat_map(|(_, _, checks)| checks.iter().map(|(action, _, _)| (*action).to_string())),
    );
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// One principal's edges, the principals whose permissions it can change, the principals
/// whose boundary it can remove, and the probe that makes it an administrator.
type Outgoing = (
    Vec<Edge>,
    Vec<(usize, Check)>,
    Vec<(usize, Check)>,
    Option<Check>,
);

/// Running code inside an existing resource that acts as a role: the method id of the data
/// file, the service the role must trust, and the actions with the resource each is checked on
/// (`{region}`, `{account}` filled in). A role trusted by the service is assumed to be used by
/// such a resource in its account (functions, dev endpoints and instances are not read).
/// One code-execution method: id, trusted service, and (action, ARN service, resource) checks.
pub type CodeExecution = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
);

pub const CODE_EXECUTION: [CodeExecution; 4] = [
    (
        "lambda-update-function-code",
        "lambda.amazonaws.com",
        &[("lambda:UpdateFunctionCode", "lambda", "function:warden-any")],
    ),
    (
        "glue-update-dev-endpoint",
        "glue.amazonaws.com",
        &[("glue:UpdateDevEndpoint", "glue", "devEndpoint/warden-any")],
    ),
    // https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-rc-setting-up-cmdsec.html
    (
        "ssm-send-command",
        "ec2.amazonaws.com",
        &[
            ("ssm:SendCommand", "ec2", "instance/warden-any"),
            ("ssm:SendCommand", "ssm", "document/AWS-RunShellScript"),
        ],
    ),
    (
        "ssm-start-session",
        "ec2.amazonaws.com",
        &[("ssm:StartSession", "ec2", "instance/warden-any")],
    ),
];

/// The region resources of code-execution edges are probed in.
fn probe_region(partition: warden_policy::Partition) -> &'static str {
    match partition {
        warden_policy::Partition::AwsUsGov => "us-gov-west-1",
        warden_policy::Partition::AwsCn => "cn-north-1",
        _ => "us-east-1",
    }
}

/// The check that makes `compiled` (principal `p`'s set, or a variant of it) an
/// administrator: IAM policy writes on every role of its account, or `*` on `*`.
fn admin_probe(
    model: &AccessModel,
    p: usize,
    compiled: &warden_eval::CompiledPolicySet,
    prune: bool,
) -> Option<Check> {
    if prune && !may_be_admin(compiled) {
        return None;
    }
    let from = model.principals.get(p)?;
    let any_role = Arn::role(from.partition, &from.account_id, "/", "warden-any").to_string();
    let allowed = |c: &Check| {
        model
            .request(p, &c.action, &c.resource, &c.context)
            .is_ok_and(|request| {
                let side = model.account_side(model.resource_account(p, &c.resource));
                compiled.decide_with(&request, side).is_allow()
            })
    };
    [
        vec![
            check("iam:PutRolePolicy", &any_role, vec![], None),
            check("iam:AttachRolePolicy", &any_role, vec![], None),
        ],
        vec![
            check("ec2:RunInstances", "*", vec![], None),
            check("s3:DeleteBucket", "*", vec![], None),
            check("iam:CreateRole", "*", vec![], None),
        ],
    ]
    .into_iter()
    .find(|checks| checks.iter().all(allowed))
    .and_then(|checks| checks.into_iter().next())
}

/// Whether the identity policies of `compiled` may allow every request of one of
/// [`admin_probe`]'s groups (no resource policy takes part in them): when not, no probe is
/// built.
fn may_be_admin(compiled: &warden_eval::CompiledPolicySet) -> bool {
    let may = |actions: &[&str]| actions.iter().all(|a| compiled.may_allow(a, None));
    may(&["iam:PutRolePolicy", "iam:AttachRolePolicy"])
        || may(&["ec2:RunInstances", "s3:DeleteBucket", "iam:CreateRole"])
}

/// Whether principal `p` would be an administrator with `policies` in place of its identity
/// policies (`None`: its own) and without its boundary when `unbounded`.
fn admin_with(
    model: &AccessModel,
    p: usize,
    policies: Option<Vec<warden_eval::LabeledPolicy>>,
    unbounded: bool,
    prune: bool,
) -> bool {
    let Some(principal) = model.principals.get(p) else {
        return false;
    };
    // Removing the boundary leaves the identity policies: the principal's own set says whether
    // they may make it an administrator at all, before compiling the variant.
    if prune && policies.is_none() && model.compiled(p).is_some_and(|c| !may_be_admin(c)) {
        return false;
    }
    let mut set = principal.policies.clone();
    if let Some(policies) = policies {
        set.identity = policies;
    }
    if unbounded {
        set.permissions_boundary = None;
    }
    admin_probe(
        model,
        p,
        &warden_eval::CompiledPolicySet::compile(&set),
        prune,
    )
    .is_some()
}

/// The escalation graph. With `prune`, requests that can only be denied are not built: a
/// principal whose identity policies allow none of the probed actions is only checked against
/// roles whose trust policy names principals directly (the answers are the same; the test
/// `pruned_graph_and_search_give_the_brute_force_answers` compares both).
fn build(model: &AccessModel, prune: bool) -> Graph<'_> {
    let methods = methods();
    let pass_role: Vec<&Method> = methods
        .iter()
        .filter(|m| m.kind == "pass-role" && m.passed_to_service.is_some())
        .collect();
    let probed = target_actions();
    let n = model.principals.len();
    let mut graph = Graph {
        model,
        edges: Vec::new(),
        modifies: Vec::new(),
        unbounds: Vec::new(),
        admin: Vec::new(),
    };
    // Which services each role trusts, once.
    let trusted_services: Vec<Vec<&str>> = (0..n)
        .into_par_iter()
        .map(|r| {
            let principal = &model.principals[r];
            let mut services: Vec<&str> = pass_role
                .iter()
                .filter_map(|m| m.passed_to_service.as_deref())
                .collect();
            services.sort_unstable();
            services.dedup();
            services
                .into_iter()
                .filter(|s| {
                    principal.kind == PrincipalKind::Role
                        && service_trusted(model, r, s, &principal.arn)
                })
                .collect()
        })
        .collect();
    let external_ids: Vec<Option<String>> =
        (0..n).map(|r| required_external_id(model, r)).collect();
    // Trusted services of code-execution edges too.
    let code_services: Vec<&str> = CODE_EXECUTION
        .iter()
        .map(|(_, service, _)| *service)
        .collect();
    let code_trusted: Vec<Vec<&str>> = (0..n)
        .into_par_iter()
        .map(|r| {
            let principal = &model.principals[r];
            let mut services = code_services.clone();
            services.sort_unstable();
            services.dedup();
            services
                .into_iter()
                .filter(|s| {
                    principal.kind == PrincipalKind::Role
                        && service_trusted(model, r, s, &principal.arn)
                })
                .collect()
        })
        .collect();
    // Groups whose policies alone make a member an administrator, per member candidate.
    let admin_group = |group: &crate::model::Group, member: usize| {
        admin_with(model, member, Some(group.policies.clone()), false, prune)
    };
    // Older policy versions that make each target an administrator, found once per target
    // (they do not depend on who restores them), when some principal first asks.
    let admin_versions: Vec<std::sync::OnceLock<Vec<String>>> =
        (0..n).map(|_| std::sync::OnceLock::new()).collect();
    let versions = Versions {
        cells: &admin_versions,
        prune,
    };
    // Roles whose trust policy may admit a principal by itself (by ARN, everyone): the only
    // targets of a principal whose identity policies allow none of the probed actions.
    let trust_direct: Vec<bool> = (0..n)
        .map(|t| {
            model
                .trust(t)
                .is_some_and(|trust| no_policies().may_allow("sts:AssumeRole", Some(trust)))
        })
        .collect();
    // Principals that would be administrators without their boundary.
    let admin_unbounded: Vec<bool> = (0..n)
        .into_par_iter()
        .map(|t| {
            model.principals[t].policies.permissions_boundary.is_some()
                && admin_with(model, t, None, true, prune)
        })
        .collect();
    // Targets by account, and which roles each account's principals could assume from
    // outside (their trust names that account or one of its principals; `open`: anyone).
    let mut in_account: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut trusting: HashMap<String, Vec<usize>> = HashMap::new();
    let mut open = Vec::new();
    for (t, target) in model.principals.iter().enumerate() {
        in_account.entry(&target.account_id).or_default().push(t);
        if target.kind != PrincipalKind::Role {
            continue;
        }
        match trusted_accounts(target) {
            Some(accounts) => {
                for account in accounts.into_iter().filter(|a| *a != target.account_id) {
                    trusting.entry(account).or_default().push(t);
                }
            }
            None => open.push(t),
        }
    }
    let per_principal: Vec<Outgoing> = (0..n)
        .into_par_iter()
        .map(|p| {
            let mut edges = Vec::new();
            let mut modifies = Vec::new();
            let mut unbounds = Vec::new();
            let probe = |c: &Check| graph_allowed(model, p, c, prune);
            let admin = model
                .compiled(p)
                .and_then(|compiled| admin_probe(model, p, compiled, prune));
            // Whether its identity policies may allow any probed action; when not, only roles
            // whose trust policy names it directly can be reached, and nothing else is built.
            let by_identity = !prune
                || model
                    .compiled(p)
                    .is_some_and(|c| probed.iter().any(|a| c.may_allow(a, None)));
            let own_account = model.principals[p].account_id.as_str();
            // IAM and the compute services have no resource policies: across accounts only a
            // trust policy lets a principal in.
            let outside = trusting
                .get(own_account)
                .into_iter()
                .flatten()
                .chain(&open)
                .filter(|&&t| model.principals[t].account_id != own_account)
                .filter(|&&t| by_identity || trust_direct[t]);
            for &t in outside {
                edges.extend(role_edge(
                    model,
                    t,
                    &probe,
                    &[],
                    &[],
                    &[],
                    external_ids[t].as_deref(),
                ));
            }
            let same = in_account
                .get(own_account)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for &t in same {
                let target = &model.principals[t];
                let arn = target.arn.as_str();
                if !by_identity {
                    if t != p && trust_direct[t] {
                        edges.extend(role_edge(
                            model,
                            t,
                            &probe,
                            &pass_role,
                            &trusted_services[t],
                            &code_trusted[t],
                            external_ids[t].as_deref(),
                        ));
                    }
                    continue;
                }
                if let Some(c) = modify_check(model, t, &probe, &admin_group, &versions) {
                    modifies.push((t, c));
                }
                if target.policies.permissions_boundary.is_some() {
                    let actions: &[&str] = match target.kind {
                        PrincipalKind::Role => &[
                            "iam:DeleteRolePermissionsBoundary",
                            "iam:PutRolePermissionsBoundary",
                        ],
                        PrincipalKind::User => &[
                            "iam:DeleteUserPermissionsBoundary",
                            "iam:PutUserPermissionsBoundary",
                        ],
                    };
                    if let Some(c) = actions
                        .iter()
                        .map(|a| check(a, arn, vec![], None))
                        .find(|c| probe(c))
                    {
                        unbounds.push((t, c.clone()));
                        if admin_unbounded[t] {
                            modifies.push((t, c));
                        }
                    }
                }
                if t == p {
                    continue;
                }
                match target.kind {
                    PrincipalKind::Role => {
                        if let Some(edge) = role_edge(
                            model,
                            t,
                            &probe,
                            &pass_role,
                            &trusted_services[t],
                            &code_trusted[t],
                            external_ids[t].as_deref(),
                        ) {
                            edges.push(edge);
                        }
                    }
                    PrincipalKind::User => {
                        for (action, method, what) in [
                            (
                                "iam:CreateAccessKey",
                                "iam-create-access-key",
                                "creates an access key for",
                            ),
                            (
                                "iam:CreateLoginProfile",
                                "iam-create-login-profile",
                                "creates a console password for",
                            ),
                            (
                                "iam:UpdateLoginProfile",
                                "iam-update-login-profile",
                                "resets the console password of",
                            ),
                        ] {
                            let c = check(action, arn, vec![], None);
                            if probe(&c) {
                                edges.push(Edge {
                                    to: t,
                                    method: method.into(),
                                    description: format!("{what} {arn} and signs in as it"),
                                    checks: vec![c],
                                });
                                break;
                            }
                        }
                    }
                }
            }
            (edges, modifies, unbounds, admin)
        })
        .collect();
    for (edges, modifies, unbounds, admin) in per_principal {
        graph.edges.push(edges);
        graph.modifies.push(modifies);
        graph.unbounds.push(unbounds);
        graph.admin.push(admin);
    }
    graph
}

/// Per target, the customer managed policies with an older version that makes it an
/// administrator once made the default again; found once per target (who restores the version
/// does not matter), when first asked.
struct Versions<'c> {
    cells: &'c [std::sync::OnceLock<Vec<String>>],
    prune: bool,
}

impl Versions<'_> {
    fn of(&self, model: &AccessModel, t: usize) -> &[String] {
        let Some(cell) = self.cells.get(t) else {
            return &[];
        };
        cell.get_or_init(|| {
            let target = &model.principals[t];
            target
                .policy_versions
                .iter()
                .filter(|version| {
                    let mut policies = target.policies.identity.clone();
                    policies.push((*version).clone());
                    admin_with(model, t, Some(policies), false, self.prune)
                })
                .filter_map(|version| version.label.rsplit_once('@').map(|(policy, _)| policy))
                .map(str::to_string)
                .collect()
        })
    }
}

/// How principal `p` can change the permissions of principal `t` (itself included), if it can:
/// put or attach a policy on it, re-version or restore an older version of a customer managed
/// policy attached to it, put or attach a policy on one of its groups, or add it to a group
/// whose policies make it an administrator.
fn modify_check(
    model: &AccessModel,
    t: usize,
    probe: &dyn Fn(&Check) -> bool,
    admin_group: &dyn Fn(&crate::model::Group, usize) -> bool,
    versions: &Versions<'_>,
) -> Option<Check> {
    let target = model.principals.get(t)?;
    let arn = target.arn.as_str();
    let direct: &[&str] = match target.kind {
        PrincipalKind::Role => &["iam:PutRolePolicy", "iam:AttachRolePolicy"],
        PrincipalKind::User => &["iam:PutUserPolicy", "iam:AttachUserPolicy"],
    };
    let customer = |policy: &&String| !policy.contains(":iam::aws:");
    let found = direct
        .iter()
        .map(|a| check(a, arn, vec![], None))
        .find(|c| probe(c))
        .or_else(|| {
            target
                .attached_policy_arns
                .iter()
                .filter(customer)
                .map(|policy| check("iam:CreatePolicyVersion", policy, vec![], None))
                .find(|c| probe(c))
        })
        .or_else(|| {
            // An older version that makes the target an administrator, made the default again.
            versions
                .of(model, t)
                .iter()
                .map(|policy| check("iam:SetDefaultPolicyVersion", policy, vec![], None))
                .find(|c| probe(c))
        });
    if found.is_some() || target.kind != PrincipalKind::User {
        return found;
    }
    let groups = model
        .groups
        .iter()
        .filter(|g| g.account_id == target.account_id);
    for group in groups {
        if target.groups.contains(&group.arn) {
            let put = ["iam:PutGroupPolicy", "iam:AttachGroupPolicy"]
                .iter()
                .map(|a| check(a, &group.arn, vec![], None))
                .find(|c| probe(c));
            if put.is_some() {
                return put;
            }
        } else {
            let add = check("iam:AddUserToGroup", &group.arn, vec![], None);
            if probe(&add) && admin_group(group, t) {
                return Some(add);
            }
        }
    }
    None
}

/// The first way from principal `p` into role `t`: assume it, rewrite its trust, pass it to a
/// service and run code, or run code in an existing resource that acts as it.
fn role_edge(
    model: &AccessModel,
    t: usize,
    probe: &dyn Fn(&Check) -> bool,
    pass_role: &[&Method],
    trusted: &[&str],
    code_trusted: &[&str],
    external_id: Option<&str>,
) -> Option<Edge> {
    let target = model.principals.get(t)?;
    let arn = target.arn.as_str();
    let context: Vec<String> = external_id
        .iter()
        .map(|id| format!("sts:ExternalId={id}"))
        .collect();
    let assume = check("sts:AssumeRole", arn, context.clone(), Some(t));
    if probe(&assume) {
        let via = if context.is_empty() {
            ""
        } else {
            ", presenting the ExternalId it requires"
        };
        return Some(Edge {
            to: t,
            method: "sts-assume-role".into(),
            description: format!("assumes {arn} (its trust policy admits the caller{via})"),
            checks: vec![assume],
        });
    }
    let update = check("iam:UpdateAssumeRolePolicy", arn, vec![], None);
    if probe(&update) {
        return Some(Edge {
            to: t,
            method: "iam-update-assume-role-policy".into(),
            description: format!(
                "rewrites the trust policy of {arn} to admit itself, then assumes it"
            ),
            checks: vec![update],
        });
    }
    for method in pass_role {
        let Some(service) = method.passed_to_service.as_deref() else {
            continue;
        };
        if !trusted.contains(&service) {
            continue;
        }
        let pass = check(
            "iam:PassRole",
            arn,
            vec![format!("iam:PassedToService={service}")],
            None,
        );
        let others: Vec<Check> = method
            .required_actions
            .iter()
            .filter(|a| !a.eq_ignore_ascii_case("iam:PassRole"))
            .map(|a| check(a, "*", vec![], None))
            .collect();
        if probe(&pass) && others.iter().all(probe) {
            let mut checks = vec![pass];
            checks.extend(others);
            return Some(Edge {
                to: t,
                method: method.id.clone(),
                description: format!(
                    "passes {arn} to {service} and runs code as it ({})",
                    method.required_actions.join(", ")
                ),
                checks,
            });
        }
    }
    let region = probe_region(target.partition);
    for (method, service, actions) in CODE_EXECUTION {
        if !code_trusted.contains(&service) {
            continue;
        }
        let checks: Vec<Check> = actions
            .iter()
            .map(|(action, arn_service, resource)| {
                // SSM documents owned by AWS have no account in their ARN.
                let account = if *arn_service == "ssm" {
                    ""
                } else {
                    target.account_id.as_str()
                };
                let resource =
                    Arn::new(target.partition, arn_service, region, account, resource).to_string();
                check(action, &resource, vec![], None)
            })
            .collect();
        if checks.iter().all(probe) {
            let names: Vec<&str> = actions.iter().map(|(action, _, _)| *action).collect();
            return Some(Edge {
                to: t,
                method: method.to_string(),
                description: format!(
                    "runs code in an existing {service} resource that acts as {arn} ({})",
                    names.join(", ")
                ),
                checks,
            });
        }
    }
    None
}

fn graph_allowed(model: &AccessModel, from: usize, check: &Check, prune: bool) -> bool {
    let Some(compiled) = model.compiled(from) else {
        return false;
    };
    let side = resource_side(model, from, check);
    if prune && !compiled.may_allow(&check.action, side) {
        return false;
    }
    model
        .request(from, &check.action, &check.resource, &check.context)
        .is_ok_and(|request| compiled.decide_with(&request, side).is_allow())
}

/// The target's trust policy (with the RCPs of its account), else the RCPs of the account the
/// checked resource is in.
fn resource_side<'m>(
    model: &'m AccessModel,
    from: usize,
    check: &Check,
) -> Option<&'m CompiledResourcePolicy> {
    match check.trust_of {
        Some(target) => model.trust(target),
        None => model.account_side(model.resource_account(from, &check.resource)),
    }
}

/// Shortest paths to `goal` for every principal (or only `from`) that is not there already.
pub fn paths(
    model: &AccessModel,
    goal: Goal,
    from: Option<&str>,
) -> Result<Vec<EscalationPath>, AccessError> {
    let starts: Vec<usize> = match from {
        Some(arn) => vec![
            model
                .find(arn)
                .ok_or_else(|| AccessError::UnknownPrincipal(arn.to_string()))?,
        ],
        None => (0..model.principals.len()).collect(),
    };
    let graph = build(model, true);
    let reaches = reaches_goal(&graph, goal);
    let n = model.principals.len();
    Ok(starts
        .into_par_iter()
        .filter(|&start| reaches.get(start).copied().unwrap_or(false))
        .map_init(
            || Scratch::new(n),
            |scratch, start| shortest(&graph, start, goal, scratch),
        )
        .flatten()
        .collect())
}

/// Which principals can reach, over the graph's edges, one where [`shortest`] may stop: an
/// administrator or one that can change some principal's permissions (admin), one without a
/// boundary or that can remove one (boundary). One reverse search from those, instead of a
/// search from every principal: the others have no path.
fn reaches_goal(graph: &Graph<'_>, goal: Goal) -> Vec<bool> {
    let principals = &graph.model.principals;
    let n = principals.len();
    let mut incoming: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (from, edges) in graph.edges.iter().enumerate() {
        for edge in edges {
            incoming[edge.to].push(from);
        }
    }
    let mut reaches: Vec<bool> = (0..n)
        .map(|node| match goal {
            Goal::Admin => graph.admin[node].is_some() || !graph.modifies[node].is_empty(),
            Goal::Boundary => {
                principals[node].policies.permissions_boundary.is_none()
                    || !graph.unbounds[node].is_empty()
            }
        })
        .collect();
    let mut queue: Vec<usize> = (0..n).filter(|&node| reaches[node]).collect();
    while let Some(node) = queue.pop() {
        for &from in &incoming[node] {
            if !reaches[from] {
                reaches[from] = true;
                queue.push(from);
            }
        }
    }
    reaches
}

/// A search's working memory, reused from one start to the next: a node is seen when its
/// stamp is the current generation, so nothing is cleared between searches.
struct Scratch {
    generation: u32,
    stamp: Vec<u32>,
    /// The node and edge index a seen node was first reached by (`usize::MAX`: the start).
    parent: Vec<(usize, usize)>,
    order: Vec<usize>,
}

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch {
            generation: 0,
            stamp: vec![0; n],
            parent: vec![(usize::MAX, 0); n],
            order: Vec::new(),
        }
    }

    /// Breadth-first from `start`, edges in order: `order` is the nodes by distance.
    fn search(&mut self, graph: &Graph<'_>, start: usize) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.fill(0);
            self.generation = 1;
        }
        let generation = self.generation;
        self.order.clear();
        self.order.push(start);
        self.stamp[start] = generation;
        self.parent[start] = (usize::MAX, 0);
        let mut at = 0;
        while at < self.order.len() {
            let node = self.order[at];
            at += 1;
            for (e, edge) in graph.edges[node].iter().enumerate() {
                if self.stamp[edge.to] != generation {
                    self.stamp[edge.to] = generation;
                    self.parent[edge.to] = (node, e);
                    self.order.push(edge.to);
                }
            }
        }
    }

    fn seen(&self, node: usize) -> bool {
        self.stamp.get(node) == Some(&self.generation)
    }

    fn parent(&self, node: usize) -> Option<(usize, usize)> {
        Some(self.parent[node]).filter(|(previous, _)| *previous != usize::MAX)
    }
}

fn shortest(
    graph: &Graph<'_>,
    start: usize,
    goal: Goal,
    scratch: &mut Scratch,
) -> Option<EscalationPath> {
    let model = graph.model;
    let principals = &model.principals;
    let start_principal = principals.get(start)?;
    match goal {
        Goal::Admin if graph.admin[start].is_some() => return None,
        Goal::Boundary if start_principal.policies.permissions_boundary.is_none() => return None,
        _ => {}
    }
    scratch.search(graph, start);
    let scratch = &*scratch;
    let order = &scratch.order;
    let seen = |node: usize| scratch.seen(node);
    let path_to = |node: usize| -> Vec<Step> {
        let mut steps = Vec::new();
        let mut current = node;
        while let Some((previous, e)) = scratch.parent(current) {
            let edge = &graph.edges[previous][e];
            steps.push(Step {
                from: principals[previous].arn.clone(),
                to: principals[current].arn.clone(),
                method: edge.method.clone(),
                description: edge.description.clone(),
                statements: unique(
                    edge.checks
                        .iter()
                        .flat_map(|c| graph.statements(previous, c)),
                ),
            });
            current = previous;
        }
        steps.reverse();
        steps
    };
    for &node in order {
        let arn = &principals[node].arn;
        match goal {
            Goal::Admin => {
                if let Some(admin) = &graph.admin[node] {
                    let mut steps = path_to(node);
                    steps.push(Step {
                        from: arn.clone(),
                        to: arn.clone(),
                        method: "admin".into(),
                        description: if admin.action == "iam:PutRolePolicy" {
                            "is an administrator: it may change the policies of every role in its account".to_string()
                        } else {
                            "is an administrator: it is allowed * on *".to_string()
                        },
                        statements: graph.statements(node, admin),
                    });
                    return Some(EscalationPath {
                        from: start_principal.arn.clone(),
                        goal,
                        steps,
                    });
                }
                if let Some((target, modify)) = graph.modifies[node].iter().find(|(t, _)| seen(*t))
                {
                    let mut steps = path_to(node);
                    let target_arn = &principals[*target].arn;
                    steps.push(Step {
                        from: arn.clone(),
                        to: target_arn.clone(),
                        method: "modify-permissions".into(),
                        description: modify_description(target_arn, modify),
                        statements: graph.statements(node, modify),
                    });
                    if *target != node {
                        steps.extend(path_to(*target));
                    }
                    return Some(EscalationPath {
                        from: start_principal.arn.clone(),
                        goal,
                        steps,
                    });
                }
            }
            Goal::Boundary => {
                if node != start && principals[node].policies.permissions_boundary.is_none() {
                    return Some(EscalationPath {
                        from: start_principal.arn.clone(),
                        goal,
                        steps: path_to(node),
                    });
                }
                // Removing (or replacing) the boundary of itself or of a principal it reaches.
                if let Some((target, unbound)) = graph.unbounds[node].iter().find(|(t, _)| seen(*t))
                {
                    let mut steps = path_to(node);
                    let target_arn = &principals[*target].arn;
                    steps.push(Step {
                        from: arn.clone(),
                        to: target_arn.clone(),
                        method: method_id(&unbound.action),
                        description: modify_description(target_arn, unbound),
                        statements: graph.statements(node, unbound),
                    });
                    if *target != node {
                        steps.extend(path_to(*target));
                    }
                    return Some(EscalationPath {
                        from: start_principal.arn.clone(),
                        goal,
                        steps,
                    });
                }
            }
        }
    }
    None
}

/// `iam:PutRolePolicy` → `iam-put-role-policy`, the method ids of the data file.
fn method_id(action: &str) -> String {
    let mut id = String::new();
    for (i, c) in action.replace(':', "-").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !id.ends_with('-') {
            id.push('-');
        }
        id.push(c.to_ascii_lowercase());
    }
    id
}

/// What a permissions change does, by the action that makes it.
fn modify_description(target: &str, check: &Check) -> String {
    let action = check.action.as_str();
    let resource = &check.resource;
    match action {
        "iam:AddUserToGroup" => {
            format!("adds {target} to group {resource}, whose policies make it an administrator")
        }
        "iam:PutGroupPolicy" | "iam:AttachGroupPolicy" => {
            format!("grants {target} any permission through its group ({action} on {resource})")
        }
        "iam:SetDefaultPolicyVersion" => format!(
            "makes an older version of {resource} the default again, which makes {target} an administrator"
        ),
        _ if action.ends_with("PermissionsBoundary") => {
            format!("removes the permissions boundary of {target} ({action})")
        }
        _ => format!("grants {target} any permission ({action} on {resource})"),
    }
}

impl EscalationPath {
    pub fn table(paths: &[EscalationPath]) -> String {
        if paths.is_empty() {
            return "No escalation paths.\n".to_string();
        }
        let mut text = String::new();
        for path in paths {
            let goal = match path.goal {
                Goal::Admin => "an administrator",
                Goal::Boundary => "a principal without a permissions boundary",
            };
            text.push_str(&format!(
                "{} can become {goal} in {} step(s)\n",
                path.from,
                path.steps.len()
            ));
            for (i, step) in path.steps.iter().enumerate() {
                text.push_str(&format!(
                    "  {}. {} {} [{}]\n",
                    i + 1,
                    short(&step.from),
                    step.description,
                    step.method
                ));
                for statement in &step.statements {
                    text.push_str(&format!("       by {statement}\n"));
                }
            }
        }
        text
    }
}

/// In first-seen order, without repeats.
fn unique(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// The name part of an ARN, for readable steps.
fn short(principal: &str) -> &str {
    warden_policy::arn::ArnRef::parse(principal)
        .and_then(|parsed| parsed.resource.rsplit('/').next())
        .unwrap_or(principal)
}

#[cfg(test)]
#[path = "paths_tests.rs"]
mod tests;
