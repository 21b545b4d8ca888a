//! WL202: `Action: "*"` granted by an identity or resource policy.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags `Allow` statements of identity and resource policies whose `Action` is `*`.
///
/// ## Why is this bad?
/// `*` grants every action of every service, present and future: it is administrator access,
/// whatever the resource says.
///
/// ## Example
/// ```json
/// {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"}
/// ```
///
/// ## Fix
/// List the actions needed. For a real administrator role, declare it in `warden.yaml` and
/// record an exception with an owner and an expiry date.
pub struct ActionWildcardAll;

static META: RuleMeta = RuleMeta {
    id: "WL202",
    name: "action-wildcard-all",
    group: Group::Actions,
    severity: Severity::Error,
    summary: "every action of every service granted with `*`",
};

impl Rule for ActionWildcardAll {
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
            if let Some(action) = actions
                .iter()
                .find(|action| *action == "*" || *action == "*:*")
            {
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} grants every action of every service with `{action}`",
                        cx.statement_label(index)
                    ),
                ));
            }
        }
    }
}
