//! Privilege-escalation paths: a graph of the organization's principals with the edges AWS
//! allows, and for each principal the shortest path to an administrator or out of its
//! permissions boundary.
//!
//! Edges (each decided through the whole chain: identity, boundary, SCPs, and the target's
//! trust policy where AWS requires it):
//! - assume a role its trust policy admits (`sts:AssumeRole`);
//! - pass a role to a compute service and run code as it: the `pass-role` methods of
//!   `crates/lint/data/escalation_methods.json` (required actions on `*`, `iam:PassRole` on the
//!   role with `iam:PassedToService`, and the role's trust admitting that service);
//! - create an access key or a login profile for a user;
//! - rewrite a role's trust policy (`iam:UpdateAssumeRolePolicy`), then assume it.
//!
//! Goals: a principal is an administrator when it is allowed `*` on `*` or IAM writes on
//! every role of its account (it can then grant itself anything). A principal that can attach
//! or put policies on (or re-version a customer managed policy attached to) itself or a
//! principal it reaches becomes one. Out of boundary: reaching a principal without a
//! permissions boundary from one that has one.

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
        let trust = check.trust_of.and_then(|t| self.model.trust(t));
        deciding_statements(&compiled.evaluate_with(&request, trust))
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

/// Whether `service` may assume role `role` under its trust policy.
fn service_trusted(model: &AccessModel, role: usize, service: &str, arn: &str) -> bool {
    let Some(trust) = model.trust(role) else {
        return false;
    };
    let Ok(request) = Request::new(service, "sts:AssumeRole", arn) else {
        return false;
    };
    let set = warden_eval::CompiledPolicySet::compile(&warden_eval::PolicySet::default());
    set.decide_with(&request.finish(), Some(trust)).is_allow()
}

/// One principal's edges, the principals whose permissions it can change, and the probe that
/// makes it an administrator.
type Outgoing = (Vec<Edge>, Vec<(usize, Check)>, Option<Check>);

fn build(model: &AccessModel) -> Graph<'_> {
    let methods = methods();
    let pass_role: Vec<&Method> = methods
        .iter()
        .filter(|m| m.kind == "pass-role" && m.passed_to_service.is_some())
        .collect();
    let n = model.principals.len();
    let mut graph = Graph {
        model,
        edges: Vec::new(),
        modifies: Vec::new(),
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
    let per_principal: Vec<Outgoing> = (0..n)
        .into_par_iter()
        .map(|p| {
            let from = &model.principals[p];
            let mut edges = Vec::new();
            let mut modifies = Vec::new();
            let any_role = Arn::role(from.partition, &from.account_id, "/", "warden-any").to_string();
            let probe = |c: &Check| graph_allowed(model, p, c);
            let admin = [
                vec![check("iam:PutRolePolicy", &any_role, vec![], None), check("iam:AttachRolePolicy", &any_role, vec![], None)],
                vec![check("ec2:RunInstances", "*", vec![], None), check("s3:DeleteBucket", "*", vec![], None), check("iam:CreateRole", "*", vec![], None)],
            ]
            .into_iter()
            .find(|checks| checks.iter().all(probe))
            .and_then(|checks| checks.into_iter().next());
            for (t, target) in model.principals.iter().enumerate() {
                let arn = target.arn.as_str();
                let modify_actions: &[&str] = match target.kind {
                    PrincipalKind::Role => &["iam:PutRolePolicy", "iam:AttachRolePolicy"],
                    PrincipalKind::User => &["iam:PutUserPolicy", "iam:AttachUserPolicy"],
                };
                let mut modify = modify_actions
                    .iter()
                    .map(|a| check(a, arn, vec![], None))
                    .find(|c| probe(c));
                if modify.is_none() {
                    modify = target
                        .attached_policy_arns
                        .iter()
                        .filter(|policy| !policy.contains(":iam::aws:"))
                        .map(|policy| check("iam:CreatePolicyVersion", policy, vec![], None))
                        .find(|c| probe(c));
                }
                if let Some(c) = modify {
                    modifies.push((t, c));
                }
                if t == p {
                    continue;
                }
                match target.kind {
                    PrincipalKind::Role => {
                        let context: Vec<String> = external_ids[t]
                            .iter()
                            .map(|id| format!("sts:ExternalId={id}"))
                            .collect();
                        let assume = check("sts:AssumeRole", arn, context.clone(), Some(t));
                        if probe(&assume) {
                            let via = if context.is_empty() { "" } else { ", presenting the ExternalId it requires" };
                            edges.push(Edge {
                                to: t,
                                method: "sts-assume-role".into(),
                                description: format!("assumes {arn} (its trust policy admits the caller{via})"),
                                checks: vec![assume],
                            });
                            continue;
                        }
                        let update = check("iam:UpdateAssumeRolePolicy", arn, vec![], None);
                        if probe(&update) {
                            edges.push(Edge {
                                to: t,
                                method: "iam-update-assume-role-policy".into(),
                                description: format!("rewrites the trust policy of {arn} to admit itself, then assumes it"),
                                checks: vec![update],
                            });
                            continue;
                        }
                        for method in &pass_role {
                            let Some(service) = method.passed_to_service.as_deref() else { continue };
                            if !trusted_services[t].contains(&service) {
                                continue;
                            }
                            let pass = check("iam:PassRole", arn, vec![format!("iam:PassedToService={service}")], None);
                            let others: Vec<Check> = method
                                .required_actions
                                .iter()
                                .filter(|a| !a.eq_ignore_ascii_case("iam:PassRole"))
                                .map(|a| check(a, "*", vec![], None))
                                .collect();
                            if probe(&pass) && others.iter().all(probe) {
                                let mut checks = vec![pass];
                                checks.extend(others);
                                edges.push(Edge {
                                    to: t,
                                    method: method.id.clone(),
                                    description: format!("passes {arn} to {service} and runs code as it ({})", method.required_actions.join(", ")),
                                    checks,
                                });
                                break;
                            }
                        }
                    }
                    PrincipalKind::User => {
                        for (action, method, what) in [
                            ("iam:CreateAccessKey", "iam-create-access-key", "creates an access key for"),
                            ("iam:CreateLoginProfile", "iam-create-login-profile", "creates a console password for"),
                            ("iam:UpdateLoginProfile", "iam-update-login-profile", "resets the console password of"),
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
            (edges, modifies, admin)
        })
        .collect();
    for (edges, modifies, admin) in per_principal {
        graph.edges.push(edges);
        graph.modifies.push(modifies);
        graph.admin.push(admin);
    }
    graph
}

fn graph_allowed(model: &AccessModel, from: usize, check: &Check) -> bool {
    let (Some(compiled), Ok(request)) = (
        model.compiled(from),
        model.request(from, &check.action, &check.resource, &check.context),
    ) else {
        return false;
    };
    let trust: Option<&CompiledResourcePolicy> = check.trust_of.and_then(|t| model.trust(t));
    compiled.decide_with(&request, trust).is_allow()
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
    let graph = build(model);
    Ok(starts
        .into_iter()
        .filter_map(|start| shortest(&graph, start, goal))
        .collect())
}

fn shortest(graph: &Graph<'_>, start: usize, goal: Goal) -> Option<EscalationPath> {
    let model = graph.model;
    let principals = &model.principals;
    let start_principal = principals.get(start)?;
    match goal {
        Goal::Admin if graph.admin[start].is_some() => return None,
        Goal::Boundary if start_principal.policies.permissions_boundary.is_none() => return None,
        _ => {}
    }
    let n = principals.len();
    let mut parent: Vec<Option<(usize, usize)>> = vec![None; n];
    let mut seen = vec![false; n];
    let mut order = vec![start];
    seen[start] = true;
    let mut at = 0;
    while at < order.len() {
        let node = order[at];
        at += 1;
        for (e, edge) in graph.edges[node].iter().enumerate() {
            if !seen[edge.to] {
                seen[edge.to] = true;
                parent[edge.to] = Some((node, e));
                order.push(edge.to);
            }
        }
    }
    let path_to = |node: usize| -> Vec<Step> {
        let mut steps = Vec::new();
        let mut current = node;
        while let Some((previous, e)) = parent[current] {
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
    for &node in &order {
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
                if let Some((target, modify)) = graph.modifies[node].iter().find(|(t, _)| seen[*t])
                {
                    let mut steps = path_to(node);
                    let target_arn = &principals[*target].arn;
                    steps.push(Step {
                        from: arn.clone(),
                        to: target_arn.clone(),
                        method: "modify-permissions".into(),
                        description: format!(
                            "grants {target_arn} any permission ({} on {})",
                            modify.action, modify.resource
                        ),
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
            }
        }
    }
    None
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
