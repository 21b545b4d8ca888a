//! WL411: a policy variable under a condition operator that does not substitute variables.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags policy variables (`${aws:username}`, `${aws:PrincipalTag/limit}`) in the values of
/// condition operators other than the string and ARN ones: `Numeric…`, `Date…`, `Bool`,
/// `BinaryEquals`, `IpAddress`, `NotIpAddress` and `Null`. Access Analyzer reports this as
/// the error "Invalid variable for operator": policy variables can only be used with String and
/// ARN operators. The escapes `${*}`, `${?}` and `${$}` are not variables, nor are the Warden
/// variables of definitions as written (`${max_age}`, no prefix), which rendering replaces.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-conditionelement
///
/// ## Why is this bad?
/// IAM substitutes nothing there: the value stays the text `${…}`, which is no number, date,
/// boolean or address, so the condition never matches (and a negated one always does). WL402
/// cannot judge such values by type, so nothing else reports them.
///
/// ## Example
/// ```json
/// {"Sid": "Recent", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
///  "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "${aws:PrincipalTag/max-age}"}}}
/// ```
///
/// ## Fix
/// Write the value itself (`"3600"`), or compare with a string operator where the key is a
/// string (`"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}`).
pub struct ConditionVariableOperator;

static META: RuleMeta = RuleMeta {
    id: "WL411",
    name: "condition-variable-operator",
    group: Group::Conditions,
    severity: Severity::Error,
    summary: "policy variable under an operator that substitutes none (numeric, date, bool, ip…)",
};

impl Rule for ConditionVariableOperator {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if !cx.policy.document.supports_variables() {
            return;
        }
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                if substitutes_variables(&operator.base) {
                    continue;
                }
                let Some(value) = entry
                    .values
                    .iter()
                    .find(|value| super::names_policy_variable(&value.as_text()))
                else {
                    continue;
                };
                out.push(cx.key_finding(&META, index, entry, format!(
                            "{} compares `{}` with `{}` under `{}`: IAM substitutes policy variables only under string and arn operators, so the value stays literal text and the condition never matches",
                            cx.statement_label(index),
                            entry.key,
                            value.as_text(),
                            operator.base
                        )));
            }
        }
    }
}

/// `String…` and `Arn…` operators substitute variables; no other does.
fn substitutes_variables(base: &str) -> bool {
    let starts = |prefix: &str| {
        base.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    starts("String") || starts("Arn")
}

#[cfg(test)]
mod tests {
    use super::substitutes_variables;

    #[test]
    fn string_and_arn_operators_only() {
        for base in ["StringEquals", "StringNotLike", "ArnLike", "ArnNotEquals"] {
            assert!(substitutes_variables(base), "{base}");
        }
        for base in [
            "NumericEquals",
            "DateGreaterThan",
            "Bool",
            "BinaryEquals",
            "IpAddress",
            "NotIpAddress",
            "Null",
        ] {
            assert!(!substitutes_variables(base), "{base}");
        }
    }
}
