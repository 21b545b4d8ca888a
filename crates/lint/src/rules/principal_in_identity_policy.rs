//! WL106: a `Principal` (or `NotPrincipal`) in a policy attached to an identity.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags `Principal` and `NotPrincipal` in identity policies, permission boundaries and SCPs.
///
/// ## Why is this bad?
/// The principal of an identity policy is the identity it is attached to; IAM rejects the
/// document ("Policy document should not specify a principal") and Organizations rejects the
/// SCP, so the deployment fails.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
///
/// ## Example
/// ```json
/// {"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "*"}
/// ```
///
/// ## Fix
/// Remove the `Principal`; to grant another account, write a resource policy or a trust policy.
pub struct PrincipalInIdentityPolicy;

static META: RuleMeta = RuleMeta {
    id: "WL106",
    name: "principal-in-identity-policy",
    group: Group::Structure,
    severity: Severity::Error,
    summary: "principal in an identity policy, boundary or scp",
};

impl Rule for PrincipalInIdentityPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if !matches!(
            cx.policy.kind,
            PolicyKind::Identity | PolicyKind::Boundary | PolicyKind::ServiceControl
        ) {
            return;
        }
        for (index, statement) in cx.statements() {
            if statement.principal.is_some() {
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} names a principal, which {} policies cannot",
                        cx.statement_label(index),
                        cx.policy.kind.as_str()
                    ),
                ));
            }
        }
    }
}
