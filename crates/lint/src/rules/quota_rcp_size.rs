//! WL807: an RCP longer than Organizations accepts.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags resource control policies longer than 5,120 characters as sent. As for SCPs,
/// Organizations counts every character of an RCP, whitespace included; Warden measures the
/// minified JSON, which is the smallest form the policy can be sent in (WL805 does the same
/// for SCPs). Access Analyzer reports this as the error "Policy size exceeds RCP quota".
/// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html#min-max-values
/// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#rcp-size-limit
///
/// ## Why is this bad?
/// `CreatePolicy`/`UpdatePolicy` fail with `ConstraintViolationException`: the data perimeter
/// the RCP was written for is never attached.
///
/// ## Example
/// A perimeter RCP listing every trusted third-party account and VPC endpoint of the
/// organization in its conditions, one statement per service.
///
/// ## Fix
/// Use one statement for several services (`"Action": ["s3:*", "sqs:*", "kms:*"]`), move long
/// lists into principal or resource tags (`aws:PrincipalTag/…`), or split the RCP in two.
pub struct QuotaRcpSize;

static META: RuleMeta = RuleMeta {
    id: "WL807",
    name: "quota-rcp-size",
    group: Group::Quotas,
    severity: Severity::Error,
    summary: "rcp longer than the organizations quota",
};

impl Rule for QuotaRcpSize {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        let limit = cx.env.config.quotas.rcp_chars;
        out.extend(super::quota_scp_size::over_organizations_quota(
            cx,
            &META,
            PolicyKind::ResourceControl,
            limit,
        ));
    }
}
