//! WL203: `NotAction` in an `Allow` statement.

use warden_policy::{ActionClause, Effect};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags `Allow` statements of identity and resource policies written with `NotAction`.
///
/// ## Why is this bad?
/// `Allow` with `NotAction` grants every action except the listed ones, including every action
/// of every service AWS launches later. With `Resource: "*"` it is near-administrator access.
///
/// ## Example
/// ```json
/// {"Sid": "AllButIam", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
/// ```
///
/// ## Fix
/// List the granted actions with `Action`. Keep `NotAction` for `Deny` statements.
pub struct NotActionAllow;

static META: RuleMeta = RuleMeta {
    id: "WL203",
    name: "not-action-allow",
    group: Group::Actions,
    severity: Severity::Error,
    summary: "`NotAction` with `Allow` grants everything not listed",
};

impl Rule for NotActionAllow {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if !matches!(cx.policy.kind, PolicyKind::Identity | PolicyKind::Resource) {
            return;
        }
        for (index, statement) in cx.statements() {
            if statement.effect != Effect::Allow
                || !matches!(statement.action, ActionClause::NotAction(_))
            {
                continue;
            }
            let mut finding = cx.statement_finding(
                &META,
                index,
                format!(
                    "{} allows with `NotAction`: every action not listed is granted",
                    cx.statement_label(index)
                ),
            );
            if !super::applies_to_all_resources(statement) {
                finding.severity = Severity::Warning;
            }
            out.push(finding);
        }
    }
}
