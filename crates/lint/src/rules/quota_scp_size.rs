//! WL805: an SCP longer than Organizations accepts.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags service control policies longer than 5,120 characters as sent. Unlike IAM policies,
/// Organizations counts every character, whitespace included; Warden sends minified JSON, so
/// that is what is measured.
///
/// ## Why is this bad?
/// `CreatePolicy`/`UpdatePolicy` fail with `ConstraintViolationException`, and SCPs are the
/// last line of defence: a guardrail that does not apply is worse than a visible failure.
///
/// ## Example
/// A region-lock SCP listing two hundred exempt global actions one by one.
///
/// ## Fix
/// Use action wildcards (`iam:*`, `organizations:Describe*`), split the SCP (five per target),
/// or move rules into permission boundaries.
pub struct QuotaScpSize;

static META: RuleMeta = RuleMeta {
    id: "WL805",
    name: "quota-scp-size",
    group: Group::Quotas,
    severity: Severity::Error,
    summary: "scp longer than the organizations quota",
};

impl Rule for QuotaScpSize {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        let limit = cx.env.config.quotas.scp_chars;
        out.extend(over_organizations_quota(
            cx,
            &META,
            PolicyKind::ServiceControl,
            limit,
        ));
    }
}

/// An organization policy of `kind` longer than `limit` characters minified (SCPs and RCPs
/// are counted alike), as a finding of `meta`.
pub(super) fn over_organizations_quota(
    cx: &DocumentCx<'_>,
    meta: &RuleMeta,
    kind: PolicyKind,
    limit: usize,
) -> Option<Finding> {
    let size = cx.policy.size.minified;
    (cx.policy.kind == kind && size > limit).then(|| {
        cx.document_finding(
            meta,
            format!(
                "{} `{}` has {size} characters minified; the quota is {limit}",
                kind.as_str(),
                cx.policy.name
            ),
        )
    })
}
