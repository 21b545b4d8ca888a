//! WL804: more managed policies attached to a role than IAM allows.

use crate::finding::{Finding, Severity};
use crate::rule::{Group, RoleCx, Rule, RuleMeta};

/// ## What it does
/// Flags roles with more attached managed policies than the quota (10 by default, adjustable
/// to 20; set `quotas.managed_policies_per_role`).
///
/// ## Why is this bad?
/// `AttachRolePolicy` fails with `LimitExceeded` for the eleventh policy.
///
/// ## Example
/// A role with twelve AWS managed `…ReadOnlyAccess` policies attached.
///
/// ## Fix
/// Merge the permissions into fewer customer managed policies, generated from what the role
/// actually uses.
pub struct QuotaAttachedPolicies;

static META: RuleMeta = RuleMeta {
    id: "WL804",
    name: "quota-attached-policies",
    group: Group::Quotas,
    severity: Severity::Error,
    summary: "more managed policies attached to a role than the iam quota",
};

impl Rule for QuotaAttachedPolicies {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_role(&self, cx: &RoleCx<'_>, out: &mut Vec<Finding>) {
        let limit = cx.env.config.quotas.managed_policies_per_role;
        let count = cx.role.managed.len();
        if count > limit {
            out.push(cx.role_finding(
                &META,
                format!(
                    "role `{}` has {count} managed policies attached; the quota is {limit}",
                    cx.role.name
                ),
            ));
        }
    }
}
