//! WL204: an action whose service prefix is not in the catalog.

use crate::facts::Resolution;
use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `Action`/`NotAction` values whose service prefix (before `:`) the catalog does not know,
/// or that are not written `service:action` at all.
///
/// ## Why is this bad?
/// IAM accepts unknown prefixes silently: an `Allow` grants nothing and, worse, a `Deny` denies
/// nothing. A typo (`s3a:GetObject`) or a wrong prefix (`cloudwatch:PutLogEvents`, which is
/// `logs:`) leaves a hole.
///
/// ## Example
/// ```json
/// {"Sid": "Logs", "Effect": "Allow", "Action": "cloudwatchlogs:PutLogEvents", "Resource": "*"}
/// ```
///
/// ## Fix
/// Use the service prefix from the service authorization reference (`cargo xtask catalog`).
/// If the service is new, refresh the catalog.
pub struct UnknownService;

static META: RuleMeta = RuleMeta {
    id: "WL204",
    name: "unknown-service",
    group: Group::Actions,
    severity: Severity::Error,
    summary: "action names a service the catalog does not know",
};

impl Rule for UnknownService {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (action, resolution) in super::action_values(statement)
                .iter()
                .zip(cx.resolutions(index))
            {
                let problem = match resolution {
                    Resolution::UnknownService => {
                        let service = action
                            .split_once(':')
                            .map_or(action.as_str(), |(service, _)| service);
                        format!("unknown service `{service}` in action `{action}`")
                    }
                    Resolution::Malformed => {
                        format!("action `{action}` is not written `service:action`")
                    }
                    _ => continue,
                };
                out.push(cx.statement_finding(&META, index, problem));
            }
        }
    }
}
