//! WL706: an SCP attached to the organization root that denies every action unconditionally.

use warden_policy::{ActionClause, Effect, ResourceClause};

use crate::finding::{Finding, Severity};
use crate::rule::{Group, Rule, RuleMeta, SubjectCx};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags SCPs attached to the root (`r-…`) with a statement that denies `*` on every
/// resource without a condition.
///
/// ## Why is this bad?
/// SCPs at the root apply to every member account, including the role Warden (and every
/// administrator) uses to reach them: after apply nothing in any member account can be
/// changed or repaired, Warden included, until someone in the management account detaches the
/// policy. https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
///
/// ## Example
/// ```json
/// {"Sid": "Freeze", "Effect": "Deny", "Action": "*", "Resource": "*"}
/// ```
///
/// ## Fix
/// Attach such a policy to a quarantine OU only, or exempt the access and break-glass roles
/// with a condition: `"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/WardenAccess"}`.
pub struct ScpDenyAllAtRoot;

static META: RuleMeta = RuleMeta {
    id: "WL706",
    name: "scp-deny-all-at-root",
    group: Group::Guardrails,
    severity: Severity::Error,
    summary: "scp at the root that denies everything, the access role included",
};

impl Rule for ScpDenyAllAtRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_subject(&self, cx: &SubjectCx<'_>, out: &mut Vec<Finding>) {
        for target in &cx.subject.scp_targets {
            if !is_root(&target.target) {
                continue;
            }
            for name in &target.policies {
                let Some(policy) = cx.subject.policies.iter().find(|policy| {
                    policy.kind == PolicyKind::ServiceControl && &policy.name == name
                }) else {
                    continue;
                };
                for (index, statement) in policy.document.statements.iter().enumerate() {
                    let every_action = matches!(&statement.action,
                        ActionClause::Action(actions) if actions.iter().any(|a| a == "*" || a == "*:*"));
                    let every_resource = match &statement.resource {
                        None => true,
                        Some(ResourceClause::Resource(resources)) => {
                            resources.iter().any(|r| r == "*")
                        }
                        Some(ResourceClause::NotResource(_)) => false,
                    };
                    if statement.effect == Effect::Deny
                        && every_action
                        && every_resource
                        && statement.condition.is_none()
                    {
                        let mut finding = cx.env.finding(
                            &META,
                            &policy.statement_location(index),
                            Some(&policy.name),
                            format!(
                                "scp `{}` is attached to the root `{}` and denies every action without a condition: every member account is locked, the access role included",
                                policy.name, target.target
                            ),
                        );
                        finding.sid.clone_from(&statement.sid);
                        out.push(finding);
                    }
                }
            }
        }
    }
}

/// An organization root: its id (`r-` then 4 to 32 lowercase letters or digits) or `Root`.
fn is_root(target: &str) -> bool {
    target.eq_ignore_ascii_case("root")
        || target.strip_prefix("r-").is_some_and(|rest| {
            (4..=32).contains(&rest.len())
                && rest
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}
