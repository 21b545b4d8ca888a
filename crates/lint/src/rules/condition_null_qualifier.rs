//! WL412: the `Null` operator with `ForAllValues:` or `ForAnyValue:`.

use warden_policy::SetQualifier;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `ForAllValues:Null` and `ForAnyValue:Null`. Access Analyzer reports them as "Null
/// with qualifier": with `ForAllValues` the condition always returns true, with `ForAnyValue`
/// always false.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
///
/// ## Why is this bad?
/// `Null` tests whether a key is present; it does not compare the members of a set, so a set
/// operator in front of it gives a constant: a `ForAllValues:Null` condition scopes nothing and
/// a `ForAnyValue:Null` one makes its statement apply to no request.
///
/// ## Example
/// ```json
/// {"Sid": "Tagged", "Effect": "Deny", "Action": "ec2:CreateVolume", "Resource": "*",
///  "Condition": {"ForAnyValue:Null": {"aws:TagKeys": "true"}}}
/// ```
///
/// ## Fix
/// Write `"Null": {"aws:TagKeys": "true"}` to test presence, or a set operator with a string
/// operator (`"ForAnyValue:StringLike": {"aws:TagKeys": "team*"}`) to test the members.
pub struct ConditionNullQualifier;

static META: RuleMeta = RuleMeta {
    id: "WL412",
    name: "condition-null-qualifier",
    group: Group::Conditions,
    severity: Severity::Warning,
    summary: "`null` with `forallvalues:` or `foranyvalue:`, which makes it a constant",
};

impl Rule for ConditionNullQualifier {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                let Some(qualifier) = operator.qualifier else {
                    continue;
                };
                if !operator.base.eq_ignore_ascii_case("Null") {
                    continue;
                }
                let (written, outcome) = match qualifier {
                    SetQualifier::ForAllValues => ("ForAllValues:Null", "always true"),
                    SetQualifier::ForAnyValue => ("ForAnyValue:Null", "always false"),
                };
                out.push(cx.key_finding(&META, index, entry, format!(
                            "{} tests `{}` with `{written}`, which is {outcome}: `Null` tests presence, not the members of a set; write `Null` alone",
                            cx.statement_label(index),
                            entry.key
                        )));
            }
        }
    }
}
