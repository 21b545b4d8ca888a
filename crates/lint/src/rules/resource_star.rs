//! WL301: `Resource: "*"` on actions that could name their resources.

use warden_catalog::AccessLevel;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags `Allow` statements of identity policies with `Resource: "*"` that grant actions which
/// support resource-level permissions. Actions that only work with `*` (for example
/// `ecr:GetAuthorizationToken`, `sts:GetCallerIdentity`, `s3:ListAllMyBuckets`) are never
/// flagged: the catalog says which actions accept a resource type.
///
/// Severity follows what is at stake: an error when write or permissions-management actions are
/// granted on every resource; a warning for read, list and tagging; info when a condition scopes
/// the statement to owned or tagged resources (`aws:ResourceTag/…`, `aws:ResourceAccount`,
/// `aws:ResourceOrgID`).
///
/// ## Why is this bad?
/// The role can act on every resource of that type in the account (and in other accounts whose
/// resource policies trust it), not only on the ones the workload owns.
///
/// ## Example
/// ```json
/// {"Sid": "Queue", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}
/// ```
///
/// ## Fix
/// Name the resources (`arn:aws:sqs:eu-west-1:111122223333:orders`), or scope with a
/// `aws:ResourceTag` condition. If `*` is really needed, record an exception for the `Sid`.
pub struct ResourceStar;

static META: RuleMeta = RuleMeta {
    id: "WL301",
    name: "resource-star",
    group: Group::Resources,
    severity: Severity::Error,
    summary: "`Resource: \"*\"` on actions that support resource-level permissions",
};

impl Rule for ResourceStar {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Identity {
            return;
        }
        for (index, statement) in cx.statements() {
            if super::allowed_actions(statement).is_none() {
                continue;
            }
            if !super::resources(statement)
                .iter()
                .any(|resource| resource == "*")
            {
                continue;
            }
            // `Action: "*"` is reported by WL202; expanding it would only repeat that. One pass
            // over the actions: how many are scoped, the first three, and whether one writes.
            let mut total = 0;
            let mut first: Vec<&warden_catalog::Action> = Vec::new();
            let mut writes = false;
            for action in cx
                .expanded_actions(index)
                .iter()
                .filter(|action| action.supports_resource_level_permissions())
            {
                total += 1;
                if first.len() < 3 {
                    first.push(action);
                }
                writes |= matches!(
                    action.access_level,
                    AccessLevel::Write | AccessLevel::PermissionsManagement
                );
            }
            if total == 0 {
                continue;
            }
            let severity = if super::scoped_by_condition(statement) {
                Severity::Info
            } else if writes {
                Severity::Error
            } else {
                Severity::Warning
            };
            let mut finding = cx.statement_finding(&META, index, message(cx, index, &first, total));
            finding.severity = severity;
            out.push(finding);
        }
    }
}

/// "`<statement>` grants `a`, `b`, `c` and N more on `*`; they support resource-level
/// permissions, name the resources", written into one string: thousands of statements are
/// reported, and allocating the names, the list and the message took about half the rule.
fn message(
    cx: &DocumentCx<'_>,
    index: usize,
    first: &[&warden_catalog::Action],
    total: usize,
) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(192);
    match cx
        .policy
        .document
        .statements
        .get(index)
        .and_then(|statement| statement.sid.as_deref())
    {
        Some(sid) => {
            let _ = write!(text, "statement `{sid}`");
        }
        None => {
            let _ = write!(text, "statement {}", index + 1);
        }
    }
    text.push_str(" grants ");
    // As `name_some_of` lists them.
    for (at, action) in first.iter().take(3).enumerate() {
        if at > 0 {
            text.push_str(", ");
        }
        let _ = write!(text, "`{}:{}`", action.service, action.name);
    }
    if total > 3 {
        let _ = write!(text, " and {} more", total - 3);
    }
    text.push_str(" on `*`; ");
    text.push_str(if total == 1 {
        "it supports"
    } else {
        "they support"
    });
    text.push_str(" resource-level permissions, name the resources");
    text
}
