//! WL509: a condition on the requesting principal's organization or tags in a statement whose
//! principals are only AWS services.

use warden_policy::{Principal, PrincipalClause, PrincipalType};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths` and `aws:PrincipalTag/…` in a statement
/// whose `Principal` names only service principals (`cloudfront.amazonaws.com`). IAM includes
/// the first two only when the principal is a member of an organization and the third only for
/// IAM users and roles with tags; a service principal is neither. Access Analyzer reports this
/// as the error "Unsupported condition key for service principal" (its example:
/// `aws:PrincipalOrgID` with `cloudfront.amazonaws.com`). Error when the operator needs the key
/// (the statement never applies to the service), warning under a negated operator,
/// `…IfExists` or `ForAllValues:` (the condition always holds for it).
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag
///
/// ## Why is this bad?
/// The service's requests never carry the key: an `Allow` that requires it grants the service
/// nothing (CloudFront cannot read the bucket it was meant to serve), a `Deny` that requires it
/// never denies, and a negated test scopes nothing.
///
/// ## Example
/// ```json
/// {"Sid": "Cdn", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
///  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*",
///  "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
/// ```
///
/// ## Fix
/// Scope a service principal by the resource that calls: `aws:SourceArn` (the distribution),
/// `aws:SourceAccount` or `aws:SourceOrgID`.
pub struct ServicePrincipalConditionKey;

static META: RuleMeta = RuleMeta {
    id: "WL509",
    name: "service-principal-condition-key",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "principal organization or tag condition on a statement that names only service principals",
};

impl Rule for ServicePrincipalConditionKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            if statement.condition.is_none() {
                continue;
            }
            let Some(PrincipalClause::Principal(Principal::Typed(typed))) = &statement.principal
            else {
                continue;
            };
            if typed.is_empty()
                || typed
                    .iter()
                    .any(|(principal_type, _)| *principal_type != PrincipalType::Service)
            {
                continue;
            }
            for (operator, entry) in super::condition_entries(statement) {
                if !absent_for_services(&entry.key) {
                    continue;
                }
                let needs_key = super::needs_key(operator);
                let services: Vec<String> = typed
                    .iter()
                    .flat_map(|(_, values)| values.iter().cloned())
                    .collect();
                let consequence = if needs_key {
                    "the statement never applies"
                } else {
                    "the condition always holds"
                };
                let mut finding = cx.key_finding(&META, index, entry, format!(
                            "{} tests `{}` for {}: a service principal belongs to no organization and has no tags, its requests never carry the key, so {consequence}; scope it with `aws:SourceArn`, `aws:SourceAccount` or `aws:SourceOrgID`",
                            cx.statement_label(index),
                            entry.key,
                            super::name_some(&services)
                        ));
                if !needs_key {
                    finding.severity = Severity::Warning;
                }
                out.push(finding);
            }
        }
    }
}

/// Keys IAM never includes for a service principal's request.
fn absent_for_services(key: &str) -> bool {
    key.eq_ignore_ascii_case("aws:PrincipalOrgID")
        || key.eq_ignore_ascii_case("aws:PrincipalOrgPaths")
        || key
            .get(..17)
            .is_some_and(|start| start.eq_ignore_ascii_case("aws:PrincipalTag/"))
}
