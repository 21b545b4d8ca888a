//! WL709: `NotAction` in an RCP.

use warden_policy::ActionClause;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags statements of resource control policies written with `NotAction`, whatever their
/// effect. Access Analyzer reports this as the error "RCP syntax error NotAction".
/// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html#rcp-syntax-unsupported
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
///
/// ## Why is this bad?
/// RCPs do not support `NotAction` (SCPs do, which is where the habit comes from): Organizations
/// refuses the policy, so the deny it holds never applies.
///
/// ## Example
/// ```json
/// {"Sid": "DenyAllButReads", "Effect": "Deny", "Principal": "*",
///  "NotAction": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
/// ```
///
/// ## Fix
/// List the denied actions with `Action` (`s3:Put*`, `s3:Delete*`, …), one service of the
/// supported list at a time.
pub struct RcpNotAction;

static META: RuleMeta = RuleMeta {
    id: "WL709",
    name: "rcp-not-action",
    group: Group::Guardrails,
    severity: Severity::Error,
    summary: "`NotAction` in an rcp, which organizations does not support",
};

impl Rule for RcpNotAction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::ResourceControl {
            return;
        }
        for (index, statement) in cx.statements() {
            if matches!(statement.action, ActionClause::NotAction(_)) {
                out.push(cx.value_finding(
                    &META,
                    index,
                    "NotAction",
                    format!(
                        "{} uses `NotAction`, which rcps do not support: list the actions with `Action`",
                        cx.statement_label(index)
                    ),
                ));
            }
        }
    }
}
