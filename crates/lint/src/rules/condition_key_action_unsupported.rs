//! WL416: a service condition key that some of the statement's named actions do not support.

use warden_policy::ActionClause;

use crate::facts::Resolution;
use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags a service condition key (`ec2:InstanceType`, `s3:prefix`) that the service
/// authorization reference lists for some actions of the statement but not for others named
/// literally beside them: `["ec2:RunInstances", "s3:GetObject"]` under
/// `"ec2:InstanceType": "t3.micro"`. Actions written with a wildcard are not judged (Access
/// Analyzer does not judge them either), global keys (`aws:…`) apply to every action, and a key
/// no action supports is WL401's. Identity policies and boundaries only, as WL401. Access
/// Analyzer reports this as the error "Unsupported action for condition key".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
///
/// ## Why is this bad?
/// A request for an action that does not support the key never carries it. Under an operator
/// that needs the key (`StringEquals`, `ArnLike`…) the statement then never applies to that
/// action: an `Allow` grants it nothing, a `Deny` never denies it. Under a negated operator or
/// `…IfExists` the condition holds for it whatever the values say, so it is not scoped.
/// A warning, as WL401 (a key no action supports) is: Access Analyzer lists an error, but the
/// claim rests on the service authorization reference listing every key an action carries,
/// and IAM accepts the policy. On the AWS managed policies it names keys such as
/// `ec2:ResourceTag/…` beside `ec2:DescribeInstances`, which supports no resource-level
/// condition.
///
/// ## Example
/// ```json
/// {"Sid": "Small", "Effect": "Allow", "Action": ["ec2:RunInstances", "s3:GetObject"],
///  "Resource": "*", "Condition": {"StringEquals": {"ec2:InstanceType": "t3.micro"}}}
/// ```
///
/// ## Fix
/// Move the actions that do not support the key to a statement without the condition.
pub struct ConditionKeyActionUnsupported;

static META: RuleMeta = RuleMeta {
    id: "WL416",
    name: "condition-key-action-unsupported",
    group: Group::Conditions,
    severity: Severity::Warning,
    summary: "service condition key that some named actions of the statement do not support",
};

impl Rule for ConditionKeyActionUnsupported {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if !matches!(cx.policy.kind, PolicyKind::Identity | PolicyKind::Boundary) {
            return;
        }
        let catalog = cx.env.facts.catalog;
        for (index, statement) in cx.statements() {
            let Some(condition) = &statement.condition else {
                continue;
            };
            let ActionClause::Action(patterns) = &statement.action else {
                continue;
            };
            // Two named actions at least, or nothing can differ.
            if patterns.len() < 2 {
                continue;
            }
            for block in &condition.blocks {
                for entry in &block.entries {
                    if catalog.global_condition_key(&entry.key).is_some()
                        || super::names_no_tag(&entry.key)
                        || catalog.is_oidc_provider_key(&entry.key)
                    {
                        continue;
                    }
                    // The named actions first (few, and no expansion needed): most entries
                    // stop here, every named action supporting the key.
                    let mut unsupported = Vec::new();
                    let mut named_support = false;
                    for (pattern, resolution) in patterns.iter().zip(cx.resolutions(index)) {
                        if pattern.contains(['*', '?']) {
                            continue;
                        }
                        let Resolution::Actions(ids) = resolution else {
                            continue;
                        };
                        for action in ids.iter().filter_map(|id| catalog.action_by_id(*id)) {
                            // Global and OIDC keys were ruled out: valid means listed.
                            if catalog.condition_key_listed(action, &entry.key) {
                                named_support = true;
                            } else {
                                unsupported.push(action);
                            }
                        }
                    }
                    if unsupported.is_empty() {
                        continue;
                    }
                    if !named_support
                        && !cx
                            .expanded_actions(index)
                            .iter()
                            .any(|action| catalog.condition_key_listed(action, &entry.key))
                    {
                        // No action supports it: WL401's finding.
                        continue;
                    }
                    let unsupported: Vec<String> = unsupported
                        .iter()
                        .map(|action| action.full_name())
                        .collect();
                    let needs_key = super::needs_key(&block.operator);
                    let consequence = if needs_key {
                        "their requests never carry the key, so the statement never applies to them"
                    } else {
                        "their requests never carry the key, so the condition holds for them whatever its values"
                    };
                    out.push(cx.key_finding(&META, index, entry, format!(
                                "{} tests `{}`, not supported by {}: {consequence}; move them to a statement without the condition",
                                cx.statement_label(index),
                                entry.key,
                                super::name_some(&unsupported)
                            )));
                }
            }
        }
    }
}
