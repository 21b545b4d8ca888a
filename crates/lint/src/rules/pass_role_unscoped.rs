//! WL601: `iam:PassRole` on every role, or without `iam:PassedToService`.

use crate::finding::{Finding, Severity};
use std::sync::LazyLock;

use crate::rule::{ActionSet, DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags `Allow` statements granting `iam:PassRole` (also through `iam:Pass*`, `iam:*`) on
/// `Resource: "*"` (error), or on named roles without an `iam:PassedToService` condition
/// (warning).
///
/// ## Why is this bad?
/// Passing a role to a service lets the service act with that role's permissions. With `*`,
/// the holder can hand any role, including administrator roles, to an EC2 instance or Lambda
/// function it controls: privilege escalation. Without `iam:PassedToService`, a role meant for
/// ECS tasks can be passed to any service.
///
/// ## Example
/// ```json
/// {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
/// ```
///
/// ## Fix
/// Name the roles and the service:
/// `"Resource": "arn:aws:iam::111122223333:role/app-task", "Condition": {"StringEquals":
/// {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}`.
pub struct PassRoleUnscoped;

static PASS_ROLE: LazyLock<ActionSet> = LazyLock::new(|| ActionSet::new(&["iam:PassRole"]));

static META: RuleMeta = RuleMeta {
    id: "WL601",
    name: "pass-role-unscoped",
    group: Group::Escalation,
    severity: Severity::Error,
    summary: "`iam:PassRole` on every role or to every service",
};

impl Rule for PassRoleUnscoped {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Identity {
            return;
        }
        for (index, statement) in cx.statements() {
            if PASS_ROLE.granted(statement).is_empty() {
                continue;
            }
            let label = cx.statement_label(index);
            if super::statement_is_broad(statement) {
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!("{label} grants `iam:PassRole` on every role; name the roles that may be passed"),
                ));
            } else if !super::positively_tests_key(statement, "iam:PassedToService") {
                let mut finding = cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{label} grants `iam:PassRole` without an `iam:PassedToService` condition"
                    ),
                );
                finding.severity = Severity::Warning;
                out.push(finding);
            }
        }
    }
}
