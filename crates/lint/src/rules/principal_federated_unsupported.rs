//! WL508: a `Federated` principal in a resource-based policy other than a role's trust policy.

use warden_policy::{Principal, PrincipalClause, PrincipalType};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags `Federated` principals (SAML and OIDC providers, web identity domains) in the
/// `Principal` or `NotPrincipal` of a resource-based policy — a bucket, queue or key policy —
/// rather than a role's trust policy. (A principal in an identity policy, a boundary or an SCP
/// is WL106's.) Access Analyzer reports this as the error "Federated principal not supported".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-federated-web-identity
///
/// ## Why is this bad?
/// A federated user reaches AWS only by assuming a role: requests are signed by the role's
/// session, never by the identity provider. Only role trust policies accept a `Federated`
/// principal; elsewhere the principal matches no request, and the service rejects the policy
/// or the statement never applies.
///
/// ## Example
/// ```json
/// {"Sid": "Saml", "Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/okta"},
///  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}
/// ```
///
/// ## Fix
/// Name the role the federated users assume (`{"AWS": "arn:aws:iam::111122223333:role/okta-readers"}`),
/// and keep the provider in that role's trust policy.
pub struct PrincipalFederatedUnsupported;

static META: RuleMeta = RuleMeta {
    id: "WL508",
    name: "principal-federated-unsupported",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "federated principal in a resource-based policy other than a role trust policy",
};

impl Rule for PrincipalFederatedUnsupported {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Resource {
            return;
        }
        for (index, statement) in cx.statements() {
            let (Some(PrincipalClause::Principal(Principal::Typed(typed)))
            | Some(PrincipalClause::NotPrincipal(Principal::Typed(typed)))) = &statement.principal
            else {
                continue;
            };
            for (_, values) in typed
                .iter()
                .filter(|(principal_type, _)| *principal_type == PrincipalType::Federated)
            {
                for value in values.iter() {
                    out.push(cx.statement_finding(
                        &META,
                        index,
                        format!(
                            "{} names the federated principal `{value}` in a resource-based policy: only role trust policies accept one, federated users reach resources through the role they assume; name that role",
                            cx.statement_label(index)
                        ),
                    ));
                }
            }
        }
    }
}
