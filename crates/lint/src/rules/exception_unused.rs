//! WL705: a live exception that covers no finding.

use crate::finding::{Finding, Severity};
use crate::rule::{ExceptionCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags live exceptions for which no finding of that rule exists on that `Sid` (and role, when
/// the exception names one), and exceptions naming a rule that does not exist. Exceptions name
/// rules by id (`WL301`) or name (`resource-star`).
///
/// ## Why is this bad?
/// The statement was fixed, renamed or removed, or the exception names the wrong rule or Sid.
/// A stale exception silently pre-approves the next statement that reuses the Sid.
///
/// ## Example
/// An exception `{rule: WL301, sid: ReadAll}` while statement `ReadAll` names its resources.
///
/// ## Fix
/// Delete the exception, or correct its rule id or Sid.
pub struct ExceptionUnused;

static META: RuleMeta = RuleMeta {
    id: "WL705",
    name: "exception-unused",
    group: Group::Guardrails,
    severity: Severity::Warning,
    summary: "exception that covers no finding",
};

impl Rule for ExceptionUnused {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_exceptions(&self, cx: &ExceptionCx<'_>, out: &mut Vec<Finding>) {
        for exception in cx
            .exceptions
            .iter()
            .filter(|exception| crate::engine::is_live(exception, cx.env.today))
        {
            if cx
                .findings
                .iter()
                .any(|finding| crate::engine::covers(exception, finding))
            {
                continue;
            }
            let message = if crate::engine::rule_named(&exception.rule).is_none() {
                format!(
                    "exception names unknown rule `{}`; use a rule id such as `WL301` or a name such as `resource-star`",
                    exception.rule
                )
            } else {
                format!(
                    "exception for `{}` on {} covers no finding",
                    exception.rule,
                    exception.scope()
                )
            };
            let mut finding = cx.env.finding(
                &META,
                &exception.location,
                exception.principal.as_deref(),
                message,
            );
            finding.sid.clone_from(&exception.sid);
            out.push(finding);
        }
    }
}
