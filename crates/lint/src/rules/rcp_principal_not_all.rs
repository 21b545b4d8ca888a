//! WL707: an RCP statement whose `Principal` is not `"*"`, or that uses `NotPrincipal`.

use warden_policy::{Principal, PrincipalClause};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags statements of resource control policies whose `Principal` is anything but `"*"` (a map
/// such as `{"AWS": "arn:aws:iam::111122223333:root"}`, even `{"AWS": "*"}`), that use
/// `NotPrincipal`, or that have no `Principal` at all. Access Analyzer reports this as the error
/// "RCP syntax error principal".
/// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html#rcp-syntax-principal
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
///
/// ## Why is this bad?
/// Organizations accepts only `"*"` in an RCP's `Principal` and does not support `NotPrincipal`:
/// `CreatePolicy` and `UpdatePolicy` refuse the policy, so the guardrail it was written for
/// never applies to the organization's resources.
///
/// ## Example
/// ```json
/// {"Sid": "OnlyOurOrg", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
///  "Resource": "*",
///  "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
/// ```
///
/// ## Fix
/// Write `"Principal": "*"` and narrow who the statement applies to with conditions on the
/// principal (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalIsAWSService`).
pub struct RcpPrincipalNotAll;

static META: RuleMeta = RuleMeta {
    id: "WL707",
    name: "rcp-principal-not-all",
    group: Group::Guardrails,
    severity: Severity::Error,
    summary: "rcp statement whose principal is not `\"*\"`",
};

impl Rule for RcpPrincipalNotAll {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::ResourceControl {
            return;
        }
        for (index, statement) in cx.statements() {
            let label = cx.statement_label(index);
            let finding = match &statement.principal {
                Some(PrincipalClause::Principal(Principal::Any)) => continue,
                Some(PrincipalClause::Principal(Principal::Typed(_))) => cx.value_finding(
                    &META,
                    index,
                    "Principal",
                    format!(
                        "{label} names principals in `Principal`: an rcp accepts only `\"*\"`; narrow it with conditions such as `aws:PrincipalOrgID`"
                    ),
                ),
                Some(PrincipalClause::NotPrincipal(_)) => cx.value_finding(
                    &META,
                    index,
                    "NotPrincipal",
                    format!(
                        "{label} uses `NotPrincipal`, which rcps do not support: write `\"Principal\": \"*\"` and exempt principals with conditions"
                    ),
                ),
                None => cx.statement_finding(
                    &META,
                    index,
                    format!("{label} has no `Principal`: every rcp statement needs `\"Principal\": \"*\"`"),
                ),
            };
            out.push(finding);
        }
    }
}
