//! WL413: a `StringLike`/`StringNotLike` test against `*` that is a `Null` test in disguise.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `"StringLike": {"<key>": "*"}` and `"StringNotLike": {"<key>": "*"}` (without a set
/// qualifier and without `IfExists`; `*` among other values counts the same, since the values
/// are ORed). Claims of identity providers (`token.actions.githubusercontent.com:sub`) are
/// WL503's: a `*` subject is unscoped, not a presence test to rewrite. `*` matches every value, so the first only says the key is present — `"Null":
/// {"<key>": "false"}` — and the second that it is absent — `"Null": {"<key>": "true"}`. Access
/// Analyzer reports these as the suggestions "Equivalent to null false" and "Equivalent to
/// null true", recommending the `Null` form.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
///
/// ## Why is this bad?
/// Nothing is granted or denied that the `Null` form would not; the condition reads like a
/// comparison of values and is not one, so a reviewer may take it for a check of the value.
/// Information only.
///
/// ## Example
/// ```json
/// {"Sid": "Tagged", "Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*",
///  "Condition": {"StringLike": {"aws:ResourceTag/team": "*"}}}
/// ```
///
/// ## Fix
/// Say what is tested: `"Null": {"aws:ResourceTag/team": "false"}`.
pub struct ConditionNullEquivalent;

static META: RuleMeta = RuleMeta {
    id: "WL413",
    name: "condition-null-equivalent",
    group: Group::Conditions,
    severity: Severity::Info,
    summary: "`stringlike` or `stringnotlike` against `*`, which is a `null` test",
};

impl Rule for ConditionNullEquivalent {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                if operator.qualifier.is_some() || operator.if_exists || is_claim(&entry.key) {
                    continue;
                }
                let null = if operator.base.eq_ignore_ascii_case("StringLike") {
                    "false"
                } else if operator.base.eq_ignore_ascii_case("StringNotLike") {
                    "true"
                } else {
                    continue;
                };
                if !entry
                    .values
                    .iter()
                    .any(|value| matches!(value, warden_policy::ConditionValue::String(text) if text == "*"))
                {
                    continue;
                }
                let what = if null == "false" { "present" } else { "absent" };
                out.push(cx.key_finding(&META, index, entry, format!(
                            "{} tests `{}` with `{}` against `*`, which matches whenever the key is {what}: write `\"Null\": {{\"{}\": \"{null}\"}}`",
                            cx.statement_label(index),
                            entry.key,
                            operator.base,
                            entry.key
                        )));
            }
        }
    }
}

/// A claim of an identity provider (`token.actions.githubusercontent.com:sub`): a `*` there is
/// an unscoped subject, which WL503 reports as such; `Null` is not the fix.
fn is_claim(key: &str) -> bool {
    key.split_once(':')
        .is_some_and(|(prefix, _)| prefix.contains('.'))
}
