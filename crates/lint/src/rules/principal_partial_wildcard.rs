//! WL505: a principal with a wildcard that is not the whole value (`arn:aws:iam::*:root`).

use warden_policy::{Principal, PrincipalClause};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `Principal`/`NotPrincipal` values that contain `*` or `?` but are not exactly `*`:
/// `arn:aws:iam::*:root`, `arn:aws:iam::111122223333:role/ci-*`, `*.amazonaws.com`.
///
/// ## Why is this bad?
/// Wildcards are not expanded in principals: only `"*"` alone means everyone. A partial
/// wildcard is rejected by IAM or, where a service accepts it, matches nothing, while readers
/// take it for "every account" or "every ci role".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous
///
/// ## Example
/// ```json
/// {"Sid": "AnyAccount", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::*:root"}, "Action": "sts:AssumeRole"}
/// ```
///
/// ## Fix
/// Name the accounts or roles; to match by pattern, use `"Principal": {"AWS": "*"}` with an
/// `ArnLike` condition on `aws:PrincipalArn` and an `aws:PrincipalOrgID` condition.
pub struct PrincipalPartialWildcard;

static META: RuleMeta = RuleMeta {
    id: "WL505",
    name: "principal-partial-wildcard",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "principal with a wildcard that is not the whole value",
};

impl Rule for PrincipalPartialWildcard {
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
                    if value != "*" && value.contains(['*', '?']) {
                        out.push(cx.statement_finding(
                            &META,
                            index,
                            format!(
                                "{} principal `{value}` ({}) has a wildcard, which principals do not expand",
                                cx.statement_label(index),
                                principal_type.as_str()
                            ),
                        ));
                    }
                }
            }
        }
    }
}
