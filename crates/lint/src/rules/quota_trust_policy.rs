//! WL801: a trust policy longer than IAM accepts.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags trust policies longer than the role trust policy quota (2,048 characters by default,
/// adjustable to 4,096; whitespace not counted).
///
/// ## Why is this bad?
/// `CreateRole`/`UpdateAssumeRolePolicy` fail with `LimitExceeded`: apply breaks halfway through
/// an organization instead of in review.
///
/// ## Example
/// A trust policy listing forty account principals one by one.
///
/// ## Fix
/// Trust the organization with `aws:PrincipalOrgID` instead of listing accounts, merge
/// statements, or raise the quota and set `quotas.trust_policy_chars` in `warden.yaml`.
pub struct QuotaTrustPolicy;

static META: RuleMeta = RuleMeta {
    id: "WL801",
    name: "quota-trust-policy",
    group: Group::Quotas,
    severity: Severity::Error,
    summary: "trust policy longer than the iam quota",
};

impl Rule for QuotaTrustPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        let limit = cx.env.config.quotas.trust_policy_chars;
        let size = cx.policy.size.non_whitespace;
        if cx.policy.kind == PolicyKind::Trust && size > limit {
            out.push(cx.document_finding(
                &META,
                format!("trust policy of `{}` has {size} characters without whitespace; the quota is {limit}", cx.principal()),
            ));
        }
    }
}
