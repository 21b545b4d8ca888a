//! WL201: `service:*` granted by an identity or resource policy.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags `Allow` statements of identity and resource policies that grant every action of a
/// service, such as `s3:*` or `iam:*`.
///
/// ## Why is this bad?
/// A service wildcard grants the service's permissions-management and delete actions along
/// with the ones the workload needs, and every action AWS adds to the service later.
///
/// ## Example
/// ```json
/// {"Sid": "Data", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::data/*"}
/// ```
///
/// ## Fix
/// List the actions the workload calls (`s3:GetObject`, `s3:PutObject`), or generate them from
/// activity with `cargo xtask generate`.
pub struct ActionWildcardService;

static META: RuleMeta = RuleMeta {
    id: "WL201",
    name: "action-wildcard-service",
    group: Group::Actions,
    severity: Severity::Warning,
    summary: "every action of a service granted with `service:*`",
};

impl Rule for ActionWildcardService {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if !matches!(cx.policy.kind, PolicyKind::Identity | PolicyKind::Resource) {
            return;
        }
        for (index, statement) in cx.statements() {
            let Some(actions) = super::allowed_actions(statement) else {
                continue;
            };
            for action in actions {
                let Some((service, "*")) = action.split_once(':') else {
                    continue;
                };
                if service == "*" {
                    continue;
                }
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} grants every `{service}` action with `{action}`",
                        cx.statement_label(index)
                    ),
                ));
            }
        }
    }
}
