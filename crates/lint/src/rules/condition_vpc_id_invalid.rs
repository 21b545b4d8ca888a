//! WL415: an `aws:SourceVpc` or `aws:SourceVpce` value that is no VPC or VPC endpoint id.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags values of `aws:SourceVpc` that are not `vpc-` followed by 8 or 17 letters or digits,
/// and values of `aws:SourceVpce` that are not `vpce-` followed by 8 or 17 letters or digits:
/// `vpc-123`, `vpce-1a2b3c4d5e`, `my-vpc`, a VPC id under `aws:SourceVpce`. Under
/// `StringLike`/`StringNotLike` a pattern passes when the text before its first wildcard can
/// start an id (`vpce-0a*`); a wildcard under another operator is WL404's, and values with
/// policy variables are not judged. Access Analyzer reports these as the errors "Invalid vpc
/// format" and "Invalid vpce format".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcevpc
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcevpce
///
/// ## Why is this bad?
/// No request comes from a VPC or an endpoint with such an id: a statement that allows only
/// from it grants nothing, and a `Deny` of every other VPC denies the one that was meant —
/// often a truncated id, or a VPC id given where the endpoint id belongs.
///
/// ## Example
/// ```json
/// {"Sid": "FromEndpoint", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
///  "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpc-1a2b3c4d"}}}
/// ```
///
/// ## Fix
/// Copy the id as the console or `aws ec2 describe-vpc-endpoints` shows it:
/// `"aws:SourceVpce": "vpce-1a2b3c4d"`.
pub struct ConditionVpcIdInvalid;

static META: RuleMeta = RuleMeta {
    id: "WL415",
    name: "condition-vpc-id-invalid",
    group: Group::Conditions,
    severity: Severity::Error,
    summary: "value of `aws:sourcevpc` or `aws:sourcevpce` that is no vpc or endpoint id",
};

impl Rule for ConditionVpcIdInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                let prefix = if entry.key.eq_ignore_ascii_case("aws:SourceVpc") {
                    "vpc-"
                } else if entry.key.eq_ignore_ascii_case("aws:SourceVpce") {
                    "vpce-"
                } else {
                    continue;
                };
                let base = operator.base.as_str();
                let bad = super::string_values_rejected(base, entry, |text, like| {
                    judged_valid(text, prefix, like)
                });
                if bad.is_empty() {
                    continue;
                }
                out.push(cx.key_finding(&META, index, entry, format!(
                            "{} tests `{}` with {}, not `{prefix}` and 8 or 17 letters or digits: no request comes from there; copy the id as AWS shows it",
                            cx.statement_label(index),
                            entry.key,
                            super::name_some(&bad)
                        )));
            }
        }
    }
}

/// True unless `value` is certainly no id with `prefix` (or pattern of one, under `…Like`).
fn judged_valid(value: &str, prefix: &str, like: bool) -> bool {
    if super::has_policy_variable(value) {
        return true;
    }
    match value.find(['*', '?']) {
        Some(_) if !like => true,
        Some(wildcard) => {
            let start = &value[..wildcard];
            prefix.starts_with(start)
                || start.strip_prefix(prefix).is_some_and(|id| {
                    id.len() <= 17 && id.bytes().all(|byte| byte.is_ascii_alphanumeric())
                })
        }
        None => value.strip_prefix(prefix).is_some_and(|id| {
            matches!(id.len(), 8 | 17) && id.bytes().all(|byte| byte.is_ascii_alphanumeric())
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::judged_valid;

    #[test]
    fn ids_of_8_or_17_characters() {
        for (value, prefix) in [
            ("vpc-1a2b3c4d", "vpc-"),
            ("vpc-0123456789abcdef0", "vpc-"),
            ("vpce-1a2b3c4d", "vpce-"),
            ("vpce-0123456789abcdef0", "vpce-"),
            ("${aws:PrincipalTag/vpc}", "vpc-"),
        ] {
            assert!(judged_valid(value, prefix, false), "{value}");
        }
        for (value, prefix) in [
            ("vpc-123", "vpc-"),
            ("vpc-1a2b3c4d5e", "vpc-"),
            ("my-vpc", "vpc-"),
            ("vpc-1a2b3c4d", "vpce-"),
            ("vpce-1a2b-3c4", "vpce-"),
            ("", "vpc-"),
        ] {
            assert!(!judged_valid(value, prefix, false), "{value}");
        }
        assert!(judged_valid("vpce-0a*", "vpce-", true));
        assert!(judged_valid("vp*", "vpc-", true));
        assert!(!judged_valid("endpoint-*", "vpce-", true));
        // A wildcard under `StringEquals` is WL404's.
        assert!(judged_valid("endpoint-*", "vpce-", false));
    }
}
