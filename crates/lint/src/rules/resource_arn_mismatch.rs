//! WL302: a resource ARN that matches no resource type of the statement's actions.

use warden_policy::arn::Arn;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags `Resource` ARNs that match none of the resource types the statement's actions accept,
/// using the ARN formats of the service authorization reference. Actions that accept no
/// resource type (they need `*`) are reported too, since naming a resource makes them unusable.
///
/// ## Why is this bad?
/// The statement grants nothing on that ARN. Typical mistakes: `s3:GetObject` on the bucket ARN
/// (`arn:aws:s3:::data`, objects are `arn:aws:s3:::data/*`), or an ARN of another service.
///
/// ## Example
/// ```json
/// {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data"}
/// ```
///
/// ## Fix
/// Use the ARN format of the resource type the action acts on (`arn:aws:s3:::data/*`), or split
/// the statement so each action gets its own resources.
pub struct ResourceArnMismatch;

static META: RuleMeta = RuleMeta {
    id: "WL302",
    name: "resource-arn-mismatch",
    group: Group::Resources,
    severity: Severity::Warning,
    summary: "resource arn matches no resource type of the statement's actions",
};

impl Rule for ResourceArnMismatch {
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
            let actions = cx.expanded_actions(index);
            if actions.is_empty() {
                continue;
            }
            for resource in super::resources(statement) {
                if resource == "*" || Arn::parse(resource).is_err() {
                    continue;
                }
                // Actions without resource types only work with `*`: they match no ARN.
                let matches_some = actions.iter().any(|action| {
                    action.supports_resource_level_permissions()
                        && !cx
                            .env
                            .facts
                            .catalog
                            .resource_types_for_arn(action, resource)
                            .is_empty()
                });
                if !matches_some {
                    let names: Vec<String> =
                        actions.iter().map(|action| action.full_name()).collect();
                    out.push(cx.statement_finding(
                        &META,
                        index,
                        format!(
                            "`{resource}` matches no resource type of {}",
                            super::name_some(&names)
                        ),
                    ));
                }
            }
        }
    }
}
