//! WL418: a wildcard or a caller-set policy variable in a value of a sensitive condition key.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// The keys IAM calls sensitive: "the use of wildcards in these condition keys does not have any
/// valid use cases" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sensitive).
const SENSITIVE_KEYS: &[&str] = &[
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:VpceAccount",
    "aws:VpceOrgID",
];

/// ## What it does
/// Flags, in values of the keys IAM lists as sensitive (`aws:PrincipalAccount`,
/// `aws:PrincipalOrgID`, `aws:ResourceAccount`, `aws:ResourceOrgID`, `aws:SourceAccount`,
/// `aws:SourceOrgID`, `aws:SourceVpc`, `aws:SourceVpce`, `aws:VpceAccount`, `aws:VpceOrgID`):
/// - a wildcard under a `…Like` operator (`"aws:PrincipalOrgID": "o-*"`),
/// - a policy variable the caller or an administrator sets (`${aws:PrincipalTag/org}`,
///   `${aws:RequestTag/account}`); a variable naming another sensitive key
///   (`"aws:ResourceAccount": "${aws:PrincipalAccount}"`, the data perimeter's same-account
///   test) compares two values AWS sets and is not reported;
///
/// and, in values of `aws:userid`, a wildcard or policy variable anywhere but after the colon or
/// as the whole part before it (`*` or `AIDA*` instead of `AIDACKCEVSQ6C2EXAMPLE:*` or `*:*`).
/// Access Analyzer reports these as the errors "Wildcard usage too permissive" and "Variable
/// usage too permissive". IAM accepts such policies and the statement matches, more widely than
/// written: a warning. Access Analyzer's other form of these errors ("use the wildcard preceded
/// by 6 consecutive characters") does not say which keys it applies to and is not reported.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sensitive
///
/// ## Why is this bad?
/// These keys decide whose accounts, organizations and networks a statement trusts. A wildcard
/// matches accounts and organizations nobody chose (`o-*` is every organization), and a
/// variable from a tag is whatever value whoever sets the tag writes.
///
/// ## Example
/// ```json
/// {"Sid": "OrgOnly", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
///  "Resource": "arn:aws:s3:::reports/*", "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-*"}}}
/// ```
///
/// ## Fix
/// Name the organization, accounts, VPCs or endpoints: `"StringEquals": {"aws:PrincipalOrgID":
/// "o-a1b2c3d4e5"}`.
pub struct ConditionSensitiveKeyPattern;

static META: RuleMeta = RuleMeta {
    id: "WL418",
    name: "condition-sensitive-key-pattern",
    group: Group::Conditions,
    severity: Severity::Warning,
    summary: "wildcard or caller-set policy variable in a value of a sensitive condition key",
};

impl Rule for ConditionSensitiveKeyPattern {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        let variables = cx.policy.document.supports_variables();
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                let user_id = entry.key.eq_ignore_ascii_case("aws:userid");
                if !user_id
                    && !SENSITIVE_KEYS
                        .iter()
                        .any(|key| key.eq_ignore_ascii_case(&entry.key))
                {
                    continue;
                }
                let like = operator
                    .base
                    .get(..6)
                    .is_some_and(|family| family.eq_ignore_ascii_case("string"))
                    && operator.base.to_ascii_lowercase().contains("like");
                let mut wildcards = Vec::new();
                let mut variable_values = Vec::new();
                for value in entry.values.iter() {
                    let text = value.as_text();
                    let judged = if user_id {
                        // What comes before the first colon; a value without one is all of it.
                        text.split_once(':').map_or(&*text, |(left, _)| left)
                    } else {
                        &text
                    };
                    if user_id
                        && (judged == "*" || is_one_variable(judged))
                        && judged.len() != text.len()
                    {
                        continue;
                    }
                    if like && has_wildcard(judged) {
                        wildcards.push(text.into_owned());
                    } else if variables && caller_set_variable(judged) {
                        variable_values.push(text.into_owned());
                    }
                }
                let where_ = if user_id {
                    "before the colon of `aws:userid` (write it after the colon, or alone before it: `AIDACKCEVSQ6C2EXAMPLE:*`, `*:*`)"
                } else {
                    "in a key that decides whose accounts, organizations or networks are trusted"
                };
                for (values, what) in [
                    (&wildcards, "a wildcard"),
                    (
                        &variable_values,
                        "a policy variable the caller or a tag sets",
                    ),
                ] {
                    if values.is_empty() {
                        continue;
                    }
                    out.push(cx.key_finding(&META, index, entry, format!(
                                "{} tests `{}` with {}: {what} {where_} matches values nobody named; name them",
                                cx.statement_label(index),
                                entry.key,
                                super::name_some(values)
                            )));
                }
            }
        }
    }
}

/// `*` or `?` outside the escapes `${*}` and `${?}`.
fn has_wildcard(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(at, byte)| {
        matches!(byte, b'*' | b'?')
            && !(at >= 2 && &bytes[at - 2..at] == b"${" && bytes.get(at + 1) == Some(&b'}'))
    })
}

/// The whole text is one `${…}` policy variable.
fn is_one_variable(text: &str) -> bool {
    text.starts_with("${")
        && text.ends_with('}')
        && text[2..].find('}') == Some(text.len() - 3)
        && super::names_policy_variable(text)
}

/// A policy variable whose value is not a sensitive key AWS sets (`${aws:PrincipalTag/…}`,
/// `${aws:username}`), so it can take values nobody named.
fn caller_set_variable(text: &str) -> bool {
    warden_policy::variables::has_opening(text)
        && warden_policy::variables::variables(text)
            .iter()
            .any(|variable| {
                variable.key.contains(':')
                    && !SENSITIVE_KEYS
                        .iter()
                        .any(|key| key.eq_ignore_ascii_case(variable.key))
            })
}

#[cfg(test)]
mod tests {
    use super::{caller_set_variable, has_wildcard, is_one_variable};

    #[test]
    fn wildcards_variables_and_escapes() {
        assert!(has_wildcard("o-*"));
        assert!(has_wildcard("11112222333?"));
        assert!(!has_wildcard("o-${*}"));
        assert!(!has_wildcard("o-a1b2c3d4e5"));
        assert!(is_one_variable("${aws:username}"));
        assert!(!is_one_variable("${aws:username}-x"));
        assert!(!is_one_variable("${account_id}"));
        assert!(caller_set_variable("${aws:PrincipalTag/org}"));
        assert!(caller_set_variable("o-${aws:RequestTag/org}"));
        assert!(!caller_set_variable("${aws:PrincipalAccount}"));
        assert!(!caller_set_variable("${aws:principalorgid}"));
        assert!(!caller_set_variable("${account_id}"));
    }
}
