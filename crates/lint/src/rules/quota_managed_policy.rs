//! WL803: a managed policy longer than IAM accepts.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags standalone identity policies and permission boundaries (customer managed policies)
/// longer than the managed policy quota (6,144 characters, whitespace not counted).
///
/// ## Why is this bad?
/// `CreatePolicy`/`CreatePolicyVersion` fail with `LimitExceeded` during apply.
///
/// ## Example
/// A managed policy listing two hundred object ARNs.
///
/// ## Fix
/// Split it into two managed policies, or use wildcards with prefixes and tag conditions.
pub struct QuotaManagedPolicy;

static META: RuleMeta = RuleMeta {
    id: "WL803",
    name: "quota-managed-policy",
    group: Group::Quotas,
    severity: Severity::Error,
    summary: "managed policy longer than the iam quota",
};

impl Rule for QuotaManagedPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        // Role inline policies share the role's quota (WL802).
        if cx.role.is_some()
            || !cx.policy.managed
            || !matches!(cx.policy.kind, PolicyKind::Identity | PolicyKind::Boundary)
        {
            return;
        }
        let limit = cx.env.config.quotas.managed_policy_chars;
        let size = cx.policy.size.non_whitespace;
        if size > limit {
            out.push(cx.document_finding(
                &META,
                format!("managed policy `{}` has {size} characters without whitespace; the quota is {limit}", cx.policy.name),
            ));
        }
    }
}
