//! WL409: a `Bool` condition giving one key more than one value.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags a `Bool` (or `BoolIfExists`) condition that lists several values for one key:
/// `"Bool": {"aws:SecureTransport": ["true", "false"]}`. Access Analyzer reports this as the
/// error "Invalid condition multiple Boolean": the key does not support multiple Boolean
/// values.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean
///
/// ## Why is this bad?
/// A boolean key has one value and the values of a condition are ORed: `["true", "false"]`
/// matches whenever the key is present, whatever its value, so the condition tests nothing
/// but presence (a `Deny` meant for plain HTTP then denies every request); a repeated value
/// says nothing more than one.
///
/// ## Example
/// ```json
/// {"Sid": "TlsOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
///  "Condition": {"Bool": {"aws:SecureTransport": ["true", "false"]}}}
/// ```
///
/// ## Fix
/// Give the one value meant: `"Bool": {"aws:SecureTransport": "false"}`; to test presence,
/// use `"Null": {"aws:SecureTransport": "false"}`.
pub struct ConditionBoolMultiple;

static META: RuleMeta = RuleMeta {
    id: "WL409",
    name: "condition-bool-multiple",
    group: Group::Conditions,
    severity: Severity::Error,
    summary: "`bool` condition with several values for one key",
};

impl Rule for ConditionBoolMultiple {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                if entry.values.len() < 2 || !operator.base.eq_ignore_ascii_case("Bool") {
                    continue;
                }
                let texts: Vec<String> = entry
                    .values
                    .iter()
                    .map(|value| value.as_text().to_ascii_lowercase())
                    .collect();
                let both = texts.iter().any(|text| text == "true")
                    && texts.iter().any(|text| text == "false");
                let effect = if both {
                    "both `true` and `false`, so it matches whenever the key is present"
                } else {
                    "a boolean key has one value"
                };
                out.push(cx.key_finding(
                    &META,
                    index,
                    entry,
                    format!(
                        "{} gives `{}` {} values under `{}`: {effect}; give one value",
                        cx.statement_label(index),
                        entry.key,
                        entry.values.len(),
                        operator.base
                    ),
                ));
            }
        }
    }
}
