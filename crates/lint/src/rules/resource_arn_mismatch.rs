//! WL302: a resource ARN that matches no resource type of the statement's actions.

use warden_catalog::resource::{Reading, could_match};
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
        let catalog = cx.env.facts.catalog;
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
                // Actions without resource types only work with `*`: they match no ARN. Many
                // actions share resource types: each (service, type) is asked once. A type
                // matches in the strict reading only if it matches in the permissive one, so
                // the permissive reading alone decides whether some type matches.
                let arn_service = resource.split(':').nth(2).unwrap_or_default();
                let mut asked: Vec<(&str, &str)> = Vec::new();
                let matches_some = actions.iter().any(|action| {
                    if !action.supports_resource_level_permissions() {
                        return false;
                    }
                    let Some(service) = catalog.service(&action.service) else {
                        return false;
                    };
                    action.resource_types.iter().any(|row| {
                        let key = (action.service.as_str(), row.name.as_str());
                        if asked.contains(&key) {
                            return false;
                        }
                        asked.push(key);
                        service
                            .resource_type(&row.name)
                            .is_some_and(|resource_type| {
                                resource_type.arn_patterns.iter().any(|format| {
                                    format_service_possible(format, arn_service)
                                        && could_match(resource, format, Reading::Permissive)
                                })
                            })
                    })
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

/// Cheap pre-check before the full ARN format match: with a literal service field in the
/// policy ARN, the format must be of that service (or have a templated service field).
fn format_service_possible(format: &str, arn_service: &str) -> bool {
    if arn_service.contains(['*', '?', '$']) {
        return true;
    }
    let format_service = format.split(':').nth(2).unwrap_or_default();
    format_service.contains('$') || format_service.eq_ignore_ascii_case(arn_service)
}
