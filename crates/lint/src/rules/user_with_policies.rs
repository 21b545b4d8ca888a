//! WL755: an IAM user holds permissions (attached, inline or through groups): roles over users.

use crate::finding::{Finding, Severity};
use crate::live_input::LiveCx;
use crate::rule::{Group, Rule, RuleMeta};

/// ## What it does
/// Flags live IAM users with attached managed policies, inline policies, or membership in a
/// group that has policies.
///
/// ## Why is this bad?
/// Permissions on users travel with long-lived credentials (passwords, access keys); roles
/// give the same permissions through short-lived sessions, and people through federation.
/// Keeping permissions off users is what lets the user inventory shrink to zero.
///
/// ## Example
/// User `ci-bot` with `AdministratorAccess` attached, or a member of group `admins` that has it.
///
/// ## Fix
/// Define a role in `policies/` with the permissions and let the user (better: its workload or
/// person, federated) assume it; then detach the user's policies and remove it from the group.
pub struct UserWithPolicies;

static META: RuleMeta = RuleMeta {
    id: "WL755",
    name: "user-with-policies",
    group: Group::Guardrails,
    severity: Severity::Warning,
    summary: "user holding policies directly or through groups (use roles)",
};

impl Rule for UserWithPolicies {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_live(&self, cx: &LiveCx<'_>, out: &mut Vec<Finding>) {
        for user in &cx.account.users {
            let mut holds = Vec::new();
            holds.extend(
                user.attached_policy_arns
                    .iter()
                    .map(|arn| format!("attached `{arn}`")),
            );
            holds.extend(
                user.inline_policies
                    .keys()
                    .map(|name| format!("inline `{name}`")),
            );
            for name in &user.groups {
                let Some(group) = cx.account.group(name) else {
                    continue;
                };
                if !group.attached_policy_arns.is_empty() || !group.inline_policies.is_empty() {
                    holds.push(format!("group `{}`", group.name));
                }
            }
            if !holds.is_empty() {
                out.push(cx.finding(
                    &META,
                    &user.name,
                    format!(
                        "user `{}` holds policies ({}): grant them to a role the user assumes",
                        user.name,
                        holds.join(", ")
                    ),
                ));
            }
        }
    }
}
