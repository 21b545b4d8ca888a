//! WL407: a tag condition key without its tag key (`aws:ResourceTag/`).

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags condition keys that name a tag but end at the slash: `aws:RequestTag/`,
/// `aws:ResourceTag/`, `aws:PrincipalTag/`, `<service>:ResourceTag/` (`ec2:ResourceTag/`,
/// `iam:ResourceTag/`), `s3:ExistingObjectTag/`, `s3:RequestObjectTag/` — any key whose part
/// before the first `/` ends in `Tag` and whose part after it is empty. Access Analyzer
/// reports this as the error "Missing tag key in condition".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_tags.html
///
/// ## Why is this bad?
/// The tag key is part of the condition key's name: `aws:ResourceTag/team` is the value of the
/// tag `team`. Without it the key names no tag, no request carries it, and the condition
/// never matches: an `Allow` it guards grants nothing, a `Deny` never applies, and a negated or
/// `…IfExists` test always passes. Usually a template variable rendered empty.
///
/// ## Example
/// ```json
/// {"Sid": "TeamOnly", "Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*",
///  "Condition": {"StringEquals": {"aws:ResourceTag/": "orders"}}}
/// ```
///
/// ## Fix
/// Name the tag after the slash: `"aws:ResourceTag/team": "orders"`.
pub struct ConditionTagKeyMissing;

static META: RuleMeta = RuleMeta {
    id: "WL407",
    name: "condition-tag-key-missing",
    group: Group::Conditions,
    severity: Severity::Error,
    summary: "tag condition key without a tag key after the slash",
};

impl Rule for ConditionTagKeyMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            if statement.condition.is_none() {
                continue;
            }
            for (operator, entry) in super::condition_entries(statement) {
                if !super::names_no_tag(&entry.key) {
                    continue;
                }
                let mut finding = cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} tests `{}` under `{}` without a tag key: name the tag after the slash (`{}team`), or the condition never matches",
                        cx.statement_label(index),
                        entry.key,
                        operator.base,
                        entry.key
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

#[cfg(test)]
mod tests {
    use crate::rules::names_no_tag as lacks_tag_key;

    #[test]
    fn only_tag_keys_that_end_at_the_slash() {
        for key in [
            "aws:RequestTag/",
            "aws:resourcetag/",
            "ec2:ResourceTag/",
            "s3:ExistingObjectTag/",
            "aws:PrincipalTag/ ",
        ] {
            assert!(lacks_tag_key(key), "{key}");
        }
        for key in [
            "aws:RequestTag/team",
            "aws:TagKeys",
            "aws:ResourceTag/${aws:PrincipalTag/team}",
            "s3:prefix",
            "aws:SourceArn",
            "Tag/",
        ] {
            assert!(!lacks_tag_key(key), "{key}");
        }
    }
}
