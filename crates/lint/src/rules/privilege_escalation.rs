//! WL602: a principal whose effective permissions allow a known privilege-escalation method.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::escalation::{Found, Holder, MethodKind};
use crate::finding::{Finding, Severity};
use crate::rule::{Env, Group, Rule, RuleMeta, SubjectCx};
use crate::subject::{Location, PolicyKind, PolicySubject};

/// ## What it does
/// Flags principals whose permissions allow one of the 107 privilege-escalation methods kept
/// as data in `crates/lint/data/escalation_methods.json` (sources in its `.md`:
/// pathfinding.cloud, cloudsplaining, Rhino Security Labs methods 1–21, Pacu, PMapper, Bishop
/// Fox): attaching or writing policies, new policy versions, access keys and login profiles
/// for others, passing a role to new compute (EC2, Lambda, ECS, Glue, SageMaker, CodeBuild,
/// CloudFormation stacks and StackSets, App Runner, Bedrock AgentCore, …), running code in
/// existing compute (SSM `StartSession`/`SendCommand`, EC2 user data and launch templates,
/// EC2 Instance Connect, ECS `ExecuteCommand`, Lambda code updates).
///
/// Judged on what the principal can actually do: every identity policy a role holds, every
/// policy a user holds directly and through its groups, capped by the permission boundary when
/// its document is known, after unconditional denies. Conditions that make a method impossible
/// are honoured: `iam:PolicyARN` pinned to AWS managed policies that are not administrator
/// policies (e.g. `AWSDenyAll`), `iam:PassedToService` naming a service the method does not
/// pass to, an `aws:CurrentTime` `DateLessThan` window closed before today. The key action of a
/// method (the one that picks the target: `iam:PassRole`, `iam:AttachRolePolicy`,
/// `ssm:StartSession`, …) must reach more than one named resource: `*`, `NotResource` or a
/// wildcard ARN such as `arn:aws:ec2:*:*:instance/*` (not `user/${aws:username}`). Only the
/// smallest methods are reported: a method whose actions contain another found method's is
/// left out. `Action: "*"` is reported by WL202, and service-linked roles belong to AWS.
///
/// Findings are on the statement of a standalone policy (policy files, customer managed
/// policies), and on the role or user for methods that only its combined policies allow.
///
/// ## Why is this bad?
/// The holder can give itself (or a principal or compute it controls) more permissions than it
/// was granted, up to administrator: its policies no longer bound what it can do.
///
/// ## Example
/// ```json
/// {"Sid": "ManagePolicies", "Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"}
/// ```
///
/// ## Fix
/// Name the resources the key action may touch (the roles that may be passed, the policies
/// that may be attached), pin `iam:PassedToService` and `iam:PolicyARN`, move the ability to an
/// administrator role, or attach a permission boundary that denies it.
pub struct PrivilegeEscalation;

static META: RuleMeta = RuleMeta {
    id: "WL602",
    name: "privilege-escalation",
    group: Group::Escalation,
    severity: Severity::Error,
    summary: "permissions that allow a known privilege-escalation method",
};

impl Rule for PrivilegeEscalation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_subject(&self, cx: &SubjectCx<'_>, out: &mut Vec<Finding>) {
        let env = cx.env;
        let now_millis = midnight_millis(env.today);
        let standalone: Vec<&PolicySubject> = cx
            .subject
            .policies
            .iter()
            .filter(|policy| policy.kind == PolicyKind::Identity)
            .collect();
        // Each standalone policy alone: findings on the statements.
        // Jobs of a few policies, so that an idle core always finds one to steal.
        let alone: Vec<(usize, Vec<Found<'static>>)> = standalone
            .par_iter()
            .with_max_len(16)
            .enumerate()
            .map(|(index, policy)| {
                let holder = Holder {
                    catalog: env.facts.catalog,
                    policies: vec![policy],
                    boundary: None,
                    now_millis,
                };
                (index, holder.escalations())
            })
            .collect();
        for (index, found) in &alone {
            out.extend(statement_findings(env, standalone[*index], found));
        }
        let alone_by_policy: HashMap<(&str, &Location), Vec<&str>> = alone
            .iter()
            .filter(|(_, found)| !found.is_empty())
            .map(|(index, found)| {
                let held = standalone[*index];
                (
                    (held.name.as_str(), &held.location),
                    found.iter().map(|hit| hit.method.id.as_str()).collect(),
                )
            })
            .collect();
        let reported_alone = |policy: &PolicySubject, id: &str| {
            alone_by_policy
                .get(&(policy.name.as_str(), &policy.location))
                .is_some_and(|ids| ids.contains(&id))
        };
        // Each role and user as a whole: what only the combination allows.
        let mut principals: Vec<(&str, &str, &Location, Holder<'_>)> = Vec::new();
        for role in &cx.subject.roles {
            if role.service_linked {
                continue;
            }
            principals.push((
                "role",
                &role.name,
                &role.location,
                Holder {
                    catalog: env.facts.catalog,
                    policies: role
                        .permission_policies()
                        .filter(|policy| policy.kind == PolicyKind::Identity)
                        .collect(),
                    boundary: role.boundary_document.as_ref(),
                    now_millis,
                },
            ));
        }
        for user in &cx.subject.users {
            principals.push((
                "user",
                &user.name,
                &user.location,
                Holder {
                    catalog: env.facts.catalog,
                    policies: user
                        .policies
                        .iter()
                        .filter(|policy| policy.kind == PolicyKind::Identity)
                        .collect(),
                    boundary: user.boundary_document.as_ref(),
                    now_millis,
                },
            ));
        }
        let combined: Vec<Finding> = principals
            .par_iter()
            .with_max_len(4)
            .filter_map(|(what, name, location, holder)| {
                let found: Vec<Found<'static>> = holder
                    .escalations()
                    .into_iter()
                    .filter(|hit| {
                        !holder
                            .policies
                            .iter()
                            .any(|policy| reported_alone(policy, &hit.method.id))
                    })
                    .collect();
                found.first()?;
                let capped = if holder.boundary.is_some() {
                    ", within its permission boundary"
                } else {
                    ""
                };
                let message = format!(
                    "the policies of {what} `{name}` together allow privilege escalation{capped}: {}",
                    describe(&found)
                );
                let mut finding = env.finding(&META, location, Some(name), message);
                finding.severity = severity(&found);
                Some(finding)
            })
            .collect();
        out.extend(combined);
    }
}

/// One finding per statement that grants the key action of a method found in `policy` alone.
fn statement_findings(
    env: &Env<'_>,
    policy: &PolicySubject,
    found: &[Found<'static>],
) -> Vec<Finding> {
    let mut statements: Vec<usize> = found.iter().map(|hit| hit.statement).collect();
    statements.sort_unstable();
    statements.dedup();
    statements
        .into_iter()
        .map(|index| {
            let here: Vec<Found<'static>> = found
                .iter()
                .filter(|hit| hit.statement == index)
                .cloned()
                .collect();
            let statement = policy.document.statements.get(index);
            let sid = statement.and_then(|statement| statement.sid.clone());
            let label = match &sid {
                Some(sid) => format!("statement `{sid}`"),
                None => format!("statement {}", index + 1),
            };
            let mut finding = env.finding(
                &META,
                &policy.statement_location(index),
                Some(&policy.name),
                format!(
                    "{label} of `{}` allows privilege escalation: {}",
                    policy.name,
                    describe(&here)
                ),
            );
            finding.sid = sid;
            finding.severity = severity(&here);
            finding
        })
        .collect()
}

/// `` `id` (title: `iam:PassRole` + `ec2:RunInstances`; pathfinding.cloud ec2-001) and 2 more: `a`, `b` ``.
fn describe(found: &[Found<'static>]) -> String {
    let Some(first) = found.first() else {
        return String::new();
    };
    let method = first.method;
    let actions: Vec<String> = method
        .required_actions
        .iter()
        .map(|action| format!("`{action}`"))
        .chain(method.any_of_actions.iter().map(|group| {
            group
                .iter()
                .map(|action| format!("`{action}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        }))
        .collect();
    let source = method.sources.first().map_or_else(String::new, |source| {
        format!("; {} {}", source.name, source.id)
    });
    let mut text = format!(
        "`{}` ({}: {}{source})",
        method.id,
        method.title.to_lowercase(),
        actions.join(" + ")
    );
    if found.len() > 1 {
        let others: Vec<String> = found[1..].iter().map(|hit| hit.method.id.clone()).collect();
        text.push_str(&format!(
            ", and {} more: {}",
            others.len(),
            super::name_some(&others)
        ));
    }
    text
}

/// Error when a method works on its own (changing the holder's permissions, passing a role to
/// new compute); a warning when every method needs a resource that already runs with a
/// privileged role (code execution in existing compute, assuming a role that trusts the holder).
fn severity(found: &[Found<'static>]) -> Severity {
    let potential = found.iter().all(|hit| {
        matches!(
            hit.method.kind,
            MethodKind::CodeExecution | MethodKind::PrincipalAccess
        )
    });
    if potential {
        Severity::Warning
    } else {
        META.severity
    }
}

/// Milliseconds since the epoch at the start of `today` (UTC).
fn midnight_millis(today: time::Date) -> i64 {
    today.midnight().assume_utc().unix_timestamp() * 1000
}
