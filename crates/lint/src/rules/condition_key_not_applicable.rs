//! WL401: a condition key that none of the statement's actions supports.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags condition keys that are neither global (`aws:…`) nor listed by the service
/// authorization reference for any action of the statement (wildcards expanded).
///
/// ## Why is this bad?
/// A key the request never carries is absent: a positive operator then never matches, so the
/// statement grants nothing, and a negated operator or `…IfExists` always matches, so the
/// condition scopes nothing. Either way the policy does not do what it says.
///
/// ## Example
/// ```json
/// {"Sid": "Tagged", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*",
///  "Condition": {"StringEquals": {"ec2:ResourceTag/team": "data"}}}
/// ```
///
/// ## Fix
/// Use a key the actions support (`s3:ExistingObjectTag/team`, or the global
/// `aws:ResourceTag/team` where the service supports it).
pub struct ConditionKeyNotApplicable;

static META: RuleMeta = RuleMeta {
    id: "WL401",
    name: "condition-key-not-applicable",
    group: Group::Conditions,
    severity: Severity::Warning,
    summary: "condition key that none of the statement's actions supports",
};

impl Rule for ConditionKeyNotApplicable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if !matches!(cx.policy.kind, PolicyKind::Identity | PolicyKind::Boundary) {
            return;
        }
        for (index, statement) in cx.statements() {
            let warden_policy::ActionClause::Action(patterns) = &statement.action else {
                continue;
            };
            if patterns
                .iter()
                .any(|pattern| pattern == "*" || pattern == "*:*")
            {
                continue;
            }
            let actions = cx.expanded_actions(index);
            if actions.is_empty() {
                continue;
            }
            for (_, entry) in super::condition_entries(statement) {
                // A tag key ending at its slash is WL407's: one finding for it, not two.
                if super::names_no_tag(&entry.key) {
                    continue;
                }
                let valid = actions
                    .iter()
                    .any(|action| cx.env.facts.catalog.condition_key_valid(action, &entry.key));
                if !valid {
                    let names: Vec<String> =
                        actions.iter().map(|action| action.full_name()).collect();
                    let mut finding = cx.statement_finding(
                        &META,
                        index,
                        format!(
                            "condition key `{}` is not supported by {}",
                            entry.key,
                            super::name_some(&names)
                        ),
                    );
                    if entry.span.line > 0 {
                        finding.line = entry.span.line;
                        finding.column = entry.span.column;
                    }
                    out.push(finding);
                }
            }
        }
    }
}
