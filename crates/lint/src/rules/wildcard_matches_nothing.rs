//! WL206: an action wildcard that matches no action of its service.

use crate::facts::Resolution;
use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags action patterns with `*` or `?` that match no action of the (known) service.
///
/// ## Why is this bad?
/// The pattern is dead: an `Allow` grants nothing and a `Deny` protects nothing. It is usually
/// a typo (`s3:Gett*`) or a guess at a naming scheme the service does not use.
///
/// ## Example
/// ```json
/// {"Sid": "Read", "Effect": "Allow", "Action": "s3:Fetch*", "Resource": "arn:aws:s3:::a/*"}
/// ```
///
/// ## Fix
/// Correct the pattern, or list the actions it was meant to cover.
pub struct WildcardMatchesNothing;

static META: RuleMeta = RuleMeta {
    id: "WL206",
    name: "wildcard-matches-nothing",
    group: Group::Actions,
    severity: Severity::Error,
    summary: "action wildcard that matches no action",
};

impl Rule for WildcardMatchesNothing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (action, resolution) in super::action_values(statement)
                .iter()
                .zip(cx.resolutions(index))
            {
                if matches!(resolution, Resolution::MatchesNothing) {
                    out.push(cx.statement_finding(
                        &META,
                        index,
                        format!("`{action}` matches no action"),
                    ));
                }
            }
        }
    }
}
