//! WL904: an empty `Condition` object, or a condition operator with no keys.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `"Condition": {}` and an operator that tests no key (`"StringEquals": {}`). Empty
/// lists (`"Action": []`, `"Resource": []`, `"aws:SourceVpc": []`, `"Principal": {}`) are
/// refused by the policy grammar and reported as WL104 at their position; these two empty
/// objects are valid JSON policy grammar, which is why they have a rule of their own. Access
/// Analyzer reports them as the suggestion "Empty object condition".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
///
/// ## Why is this bad?
/// A condition block with no key tests nothing: the statement applies unconditionally. That is
/// rarely what was written — usually a generator or template dropped the keys — and a reader
/// may take the statement for a conditional one.
///
/// ## Example
/// ```json
/// {"Sid": "FromVpc", "Effect": "Allow", "Action": "s3:GetObject",
///  "Resource": "arn:aws:s3:::reports/*", "Condition": {"StringEquals": {}}}
/// ```
///
/// ## Fix
/// Add the keys that were meant (`"aws:SourceVpc": "vpc-1a2b3c4d"`), or remove the empty
/// `Condition` if the statement is meant to apply unconditionally.
pub struct EmptyCondition;

static META: RuleMeta = RuleMeta {
    id: "WL904",
    name: "empty-condition",
    group: Group::Hygiene,
    severity: Severity::Info,
    summary: "empty `Condition` object or an operator that tests no key",
};

impl Rule for EmptyCondition {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            let Some(condition) = &statement.condition else {
                continue;
            };
            let what = if condition.blocks.is_empty() {
                "an empty `Condition`".to_string()
            } else if let Some(block) = condition.blocks.iter().find(|b| b.entries.is_empty()) {
                format!("condition operator `{}` with no key", block.operator.base)
            } else {
                continue;
            };
            out.push(cx.statement_finding(
                &META,
                index,
                format!(
                    "{} has {what}: it tests nothing, so the statement applies unconditionally",
                    cx.statement_label(index)
                ),
            ));
        }
    }
}
