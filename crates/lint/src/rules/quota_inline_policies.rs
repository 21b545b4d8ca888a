//! WL802: a role's inline policies together longer than IAM accepts.

use crate::finding::{Finding, Severity};
use crate::rule::{Group, RoleCx, Rule, RuleMeta};

/// ## What it does
/// Adds up the inline policies of each role and flags roles above the quota (10,240 characters,
/// whitespace not counted).
///
/// ## Why is this bad?
/// `PutRolePolicy` fails with `LimitExceeded` once the total is reached, so the last policy
/// applied is the one that breaks, which depends on order rather than on the change.
///
/// ## Example
/// A role with four inline policies of 3,000 characters each.
///
/// ## Fix
/// Move policies to customer managed policies (each has its own 6,144 quota), or merge and
/// tighten statements.
pub struct QuotaInlinePolicies;

static META: RuleMeta = RuleMeta {
    id: "WL802",
    name: "quota-inline-policies",
    group: Group::Quotas,
    severity: Severity::Error,
    summary: "inline policies of a role longer than the iam quota together",
};

impl Rule for QuotaInlinePolicies {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_role(&self, cx: &RoleCx<'_>, out: &mut Vec<Finding>) {
        let limit = cx.env.config.quotas.role_inline_policies_chars;
        let total: usize = cx
            .role
            .inline
            .iter()
            .map(|policy| policy.size.non_whitespace)
            .sum();
        if total > limit {
            out.push(cx.role_finding(
                &META,
                format!(
                    "inline policies of role `{}` have {total} characters without whitespace together; the quota is {limit}",
                    cx.role.name
                ),
            ));
        }
    }
}
