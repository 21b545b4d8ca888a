//! WL510: `NotPrincipal`, `Resource` or `NotResource` in a role trust policy.

use warden_policy::{PrincipalClause, ResourceClause};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags, in a role's trust policy, a statement with `NotPrincipal`, or with `Resource` or
/// `NotResource`. IAM supports neither in a trust policy: "You cannot use the NotPrincipal
/// element in an IAM identity-based policy nor in an IAM role trust policy", and a trust policy
/// applies to the role it is attached to, so it names no resource. Access Analyzer reports
/// these as the errors "Role trust policy syntax error notprincipal" and "Role trust policy
/// syntax error resource"; IAM refuses such a document.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
///
/// ## Why is this bad?
/// IAM rejects the trust policy (`MalformedPolicyDocument`), so creating or updating the role
/// fails; the statement was often copied from a bucket policy and does not say what it was
/// meant to.
///
/// ## Example
/// ```json
/// {"Sid": "Admins", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
///  "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111122223333:role/target"}
/// ```
///
/// ## Fix
/// Remove `Resource`; name who may assume the role in `Principal`, and express exclusions as a
/// `Deny` with `"Principal": "*"` and an `aws:PrincipalArn` condition.
pub struct TrustElementUnsupported;

static META: RuleMeta = RuleMeta {
    id: "WL510",
    name: "trust-element-unsupported",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "notprincipal, resource or notresource in a role trust policy",
};

impl Rule for TrustElementUnsupported {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Trust {
            return;
        }
        for (index, statement) in cx.statements() {
            if matches!(statement.principal, Some(PrincipalClause::NotPrincipal(_))) {
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} uses `NotPrincipal`, which role trust policies do not support: iam rejects the document; name the principals in `Principal` (exclude with a `Deny` on `aws:PrincipalArn`)",
                        cx.statement_label(index)
                    ),
                ));
            }
            let element = match &statement.resource {
                Some(ResourceClause::Resource(_)) => "Resource",
                Some(ResourceClause::NotResource(_)) => "NotResource",
                None => continue,
            };
            out.push(cx.statement_finding(
                &META,
                index,
                format!(
                    "{} has `{element}`, which role trust policies do not support (they apply to their role): iam rejects the document; remove it",
                    cx.statement_label(index)
                ),
            ));
        }
    }
}
