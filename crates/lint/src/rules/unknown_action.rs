//! WL205: an action the catalog does not list for its service.

use crate::facts::Resolution;
use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags action names without wildcards that the service does not have.
///
/// ## Why is this bad?
/// IAM accepts unknown actions silently. A misspelt `Deny` (`s3:DeleteObjects` instead of
/// `s3:DeleteObject`) protects nothing; a misspelt `Allow` breaks the workload in production
/// rather than in review.
///
/// ## Example
/// ```json
/// {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObjects", "Resource": "arn:aws:s3:::a/*"}
/// ```
///
/// ## Fix
/// Use the exact action name (`cargo xtask catalog` lists them). If AWS added it recently,
/// refresh the catalog.
pub struct UnknownAction;

static META: RuleMeta = RuleMeta {
    id: "WL205",
    name: "unknown-action",
    group: Group::Actions,
    severity: Severity::Error,
    summary: "action the service does not have",
};

impl Rule for UnknownAction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (action, resolution) in super::action_values(statement)
                .iter()
                .zip(cx.resolutions(index))
            {
                if matches!(resolution, Resolution::UnknownAction) {
                    out.push(cx.statement_finding(
                        &META,
                        index,
                        format!("unknown action `{action}`"),
                    ));
                }
            }
        }
    }
}
