//! WL506: an `AWS` principal that is neither `*`, an account id, nor an ARN.

use warden_policy::{Principal, PrincipalClause, PrincipalType};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `AWS` principals that are not `*`, a 12-digit account id or an ARN (`alice`,
/// `deploy-role`, `1111-2222-3333`), and `Federated` principals that are neither an ARN nor a
/// web identity provider's domain.
///
/// ## Why is this bad?
/// IAM rejects the document ("Invalid principal in policy"); a resource policy of another
/// service may keep it and match no one. Either way the intended grant does not happen.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
///
/// ## Example
/// ```json
/// {"Sid": "Deploy", "Effect": "Allow", "Principal": {"AWS": "deploy-role"}, "Action": "sts:AssumeRole"}
/// ```
///
/// ## Fix
/// Write the ARN: `arn:aws:iam::111122223333:role/deploy-role`.
pub struct PrincipalNotArn;

static META: RuleMeta = RuleMeta {
    id: "WL506",
    name: "principal-not-arn",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "principal that is not `*`, an account id or an arn",
};

impl Rule for PrincipalNotArn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            let (Some(PrincipalClause::Principal(Principal::Typed(typed)))
            | Some(PrincipalClause::NotPrincipal(Principal::Typed(typed)))) = &statement.principal
            else {
                continue;
            };
            for (principal_type, values) in typed {
                for value in values.iter() {
                    if is_valid(*principal_type, value) {
                        continue;
                    }
                    out.push(cx.statement_finding(
                        &META,
                        index,
                        format!(
                            "{} principal `{value}` ({}) is not an account id or an arn",
                            cx.statement_label(index),
                            principal_type.as_str()
                        ),
                    ));
                }
            }
        }
    }
}

/// Web identity providers without an ARN are named by domain; anything else is WL506's.
pub(super) fn names_web_identity_provider(value: &str) -> bool {
    value.contains('.') && !value.contains(' ')
}

fn is_valid(principal_type: PrincipalType, value: &str) -> bool {
    // Wildcards are WL505's; policy variables cannot be judged here.
    if value.contains(['*', '?']) || super::has_policy_variable(value) {
        return true;
    }
    let arn = warden_policy::arn::ArnRef::parse(value).is_some();
    match principal_type {
        PrincipalType::Aws => arn || warden_policy::is_account_id(value),
        // Web identity providers are named by domain (`cognito-identity.amazonaws.com`,
        // `accounts.google.com`, `graph.facebook.com`, `www.amazon.com`).
        PrincipalType::Federated => arn || names_web_identity_provider(value),
        PrincipalType::Service | PrincipalType::CanonicalUser => true,
    }
}
