//! WL404: `*` or `?` in a value of an equality string operator, where they are plain
//! characters.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// Operators that compare strings exactly: `*` and `?` in their values are literal characters.
/// (`ArnEquals` is not among them: it matches wildcards like `ArnLike`.)
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
const EQUALITY_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
];

/// ## What it does
/// Flags condition values that contain `*` or `?` (outside a policy variable such as
/// `${aws:username}` or the escapes `${*}` and `${?}`) under `StringEquals`,
/// `StringNotEquals` and their `IgnoreCase` forms, with or without `IfExists` and set
/// qualifiers. Access Analyzer reports this as "Wildcard without like operator".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
///
/// ## Why is this bad?
/// Only the `…Like` operators treat `*` and `?` as wildcards. `"StringEquals":
/// {"aws:PrincipalTag/team": "data-*"}` matches only the tag value `data-*` itself: an
/// `Allow` so written grants nothing, and a `Deny` or `StringNotEquals` guard so written
/// denies nothing it was meant to.
///
/// ## Example
/// ```json
/// {"Sid": "TeamBuckets", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
///  "Condition": {"StringEquals": {"aws:ResourceTag/team": "data-*"}}}
/// ```
///
/// ## Fix
/// Use `StringLike` (or `StringNotLike`) when the value is a pattern; write `${*}` when a
/// literal `*` is meant.
pub struct WildcardWithoutLike;

static META: RuleMeta = RuleMeta {
    id: "WL404",
    name: "wildcard-without-like",
    group: Group::Conditions,
    severity: Severity::Warning,
    summary: "`*` or `?` in a `stringequals`-style condition value, where it is no wildcard",
};

impl Rule for WildcardWithoutLike {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                if !EQUALITY_OPERATORS.contains(&operator.base.as_str()) {
                    continue;
                }
                let Some(value) = entry
                    .values
                    .iter()
                    .map(|value| value.as_text())
                    .find(|value| has_wildcard_outside_variables(value))
                else {
                    continue;
                };
                let like = operator
                    .base
                    .replace("Equals", "Like")
                    .replace("IgnoreCase", "");
                let mut finding = cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{}: `{}` compares `{}` with `{value}` character for character, `*` and `?` included; use `{like}` for a pattern",
                        cx.statement_label(index),
                        operator.base,
                        entry.key,
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

/// `*` or `?` outside `${…}` (policy variables and the `${*}`/`${?}` escapes).
fn has_wildcard_outside_variables(value: &str) -> bool {
    let mut rest = value;
    loop {
        let (before, after) = match rest.split_once("${") {
            Some((before, after)) => (before, Some(after)),
            None => (rest, None),
        };
        if before.contains(['*', '?']) {
            return true;
        }
        let Some(after) = after else {
            return false;
        };
        match after.split_once('}') {
            Some((_, tail)) => rest = tail,
            None => return after.contains(['*', '?']),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_and_escapes_are_not_wildcards() {
        assert!(has_wildcard_outside_variables("data-*"));
        assert!(has_wildcard_outside_variables("a?c"));
        assert!(has_wildcard_outside_variables("${aws:username}-*"));
        assert!(!has_wildcard_outside_variables("${aws:username}"));
        assert!(!has_wildcard_outside_variables("literal-${*}"));
        assert!(!has_wildcard_outside_variables("plain"));
    }
}
