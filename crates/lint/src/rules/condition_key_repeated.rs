//! WL408: one condition operator naming the same key twice in different case.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags a condition block (one operator, e.g. `StringEquals`) that names the same condition
/// key twice, spelled in different case: `aws:SourceVpc` beside `AWS:SourceVpc`. The policy
/// grammar already refuses a key repeated exactly (WL104, a duplicate JSON key); this is the
/// repeat JSON cannot see. Access Analyzer reports it as the error "Duplicate keys with
/// different case".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
///
/// ## Why is this bad?
/// Condition key names are case-insensitive, so both entries test the same key, and the
/// statement then needs the request to match both value lists at once — almost never what was
/// meant (usually the values of one list were meant to be added to the other). Which of the
/// two a service keeps when it stores the policy is not documented.
///
/// ## Example
/// ```json
/// {"Sid": "FromVpcs", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
///  "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1a2b3c4d", "AWS:SourceVpc": "vpc-5e6f7a8b"}}}
/// ```
///
/// ## Fix
/// Write the key once with every value in one list:
/// `"aws:SourceVpc": ["vpc-1a2b3c4d", "vpc-5e6f7a8b"]`.
pub struct ConditionKeyRepeated;

static META: RuleMeta = RuleMeta {
    id: "WL408",
    name: "condition-key-repeated",
    group: Group::Conditions,
    severity: Severity::Error,
    summary: "condition key named twice under one operator, in different case",
};

impl Rule for ConditionKeyRepeated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            let Some(condition) = &statement.condition else {
                continue;
            };
            for block in &condition.blocks {
                // Blocks hold a few keys: compare each with the ones before it.
                for (at, entry) in block.entries.iter().enumerate() {
                    let Some(first) = block.entries[..at]
                        .iter()
                        .find(|earlier| earlier.key.eq_ignore_ascii_case(&entry.key))
                    else {
                        continue;
                    };
                    let mut finding = cx.statement_finding(
                        &META,
                        index,
                        format!(
                            "{} names `{}` and `{}` under `{}`: the same key (names are case-insensitive), so a request must match both value lists; write it once with every value",
                            cx.statement_label(index),
                            first.key,
                            entry.key,
                            block.operator.base
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
