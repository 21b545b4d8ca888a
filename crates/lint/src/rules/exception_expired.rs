//! WL704: an exception past its expiry date.

use crate::finding::{Finding, Severity};
use crate::rule::{ExceptionCx, Group, Rule, RuleMeta};
use warden_policy::date::format_day;

/// ## What it does
/// Flags exceptions whose `expires` date is before today (the date is an input: `--today`, or
/// the caller's clock). The exception then no longer suppresses anything: the findings it
/// covered are reported again.
///
/// ## Why is this bad?
/// An exception is a time-boxed risk acceptance with an owner. Once expired, the risk is no
/// longer accepted by anyone.
///
/// ## Example
/// ```yaml
/// exceptions:
///   - {rule: WL301, sid: DescribeAll, owner: platform, reason: "…", expires: 2025-01-31}
/// ```
///
/// ## Fix
/// Fix the finding, or have the owner review and renew the exception with a new date.
pub struct ExceptionExpired;

static META: RuleMeta = RuleMeta {
    id: "WL704",
    name: "exception-expired",
    group: Group::Guardrails,
    severity: Severity::Warning,
    summary: "exception past its expiry date",
};

impl Rule for ExceptionExpired {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_exceptions(&self, cx: &ExceptionCx<'_>, out: &mut Vec<Finding>) {
        for exception in cx
            .exceptions
            .iter()
            .filter(|exception| !crate::engine::is_live(exception, cx.env.today))
        {
            let mut finding = cx.env.finding(
                &META,
                &exception.location,
                exception.principal.as_deref(),
                format!(
                    "exception for `{}` on {} (owner `{}`) expired on {}",
                    exception.rule,
                    exception.scope(),
                    exception.owner,
                    format_day(exception.expires)
                ),
            );
            finding.sid.clone_from(&exception.sid);
            out.push(finding);
        }
    }
}
