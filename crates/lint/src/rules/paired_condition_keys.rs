//! WL405: a condition key that is only safe beside another key, used alone.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// Keys that tie a source ARN to an account or organization.
const SOURCE_OWNER_KEYS: &[&str] = &["aws:SourceAccount", "aws:SourceOrgID", "aws:SourceOrgPaths"];

/// Keys that say which VPC a private address belongs to.
const VPC_KEYS: &[&str] = &["aws:SourceVpc", "aws:SourceVpce"];

/// ## What it does
/// Flags `Allow` statements whose condition uses a key that means little alone, without its
/// pair in the same statement (Access Analyzer's "Missing paired condition keys"):
/// - `aws:VpcSourceIp` without `aws:SourceVpc` or `aws:SourceVpce`: a private address is only
///   meaningful inside one VPC, and the same range exists in every other VPC, other accounts'
///   included;
/// - `aws:SourceArn` whose ARNs carry no account (S3 buckets: `arn:aws:s3:::bucket`) without
///   `aws:SourceAccount`, `aws:SourceOrgID` or `aws:SourceOrgPaths`: a bucket name can be
///   deleted and taken by another account, which then passes the check (AWS's confused deputy
///   guidance asks for both keys in that case).
///
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-vpcsourceip
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
///
/// ## Why is this bad?
/// The statement looks scoped but is open to requests from any VPC with the same private
/// range, or to a service acting for whoever owns a bucket of that name now.
///
/// ## Example
/// ```json
/// {"Sid": "FromAppSubnet", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
///  "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.0.1.0/24"}}}
/// ```
///
/// ## Fix
/// Add `"StringEquals": {"aws:SourceVpc": "vpc-…"}` beside `aws:VpcSourceIp`, and
/// `"StringEquals": {"aws:SourceAccount": "111122223333"}` beside an account-less
/// `aws:SourceArn`.
pub struct PairedConditionKeys;

static META: RuleMeta = RuleMeta {
    id: "WL405",
    name: "paired-condition-keys",
    group: Group::Conditions,
    severity: Severity::Warning,
    summary: "condition key used without the key it must be paired with",
};

impl Rule for PairedConditionKeys {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            if statement.effect != warden_policy::Effect::Allow {
                continue;
            }
            let has = |keys: &[&str]| {
                super::condition_entries(statement)
                    .any(|(_, entry)| keys.iter().any(|key| entry.key.eq_ignore_ascii_case(key)))
            };
            for (operator, entry) in super::condition_entries(statement) {
                let missing = if entry.key.eq_ignore_ascii_case("aws:VpcSourceIp") {
                    (!has(VPC_KEYS)).then_some("`aws:SourceVpc` or `aws:SourceVpce`")
                } else if entry.key.eq_ignore_ascii_case("aws:SourceArn")
                    && super::is_positive(operator)
                    && entry
                        .values
                        .iter()
                        .any(|value| arn_without_account(&value.as_text()))
                {
                    (!has(SOURCE_OWNER_KEYS))
                        .then_some("`aws:SourceAccount` (or `aws:SourceOrgID`)")
                } else {
                    None
                };
                let Some(missing) = missing else {
                    continue;
                };
                let mut finding = cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} tests `{}` without {missing}: the key alone does not say whose resource or network it is",
                        cx.statement_label(index),
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

/// An ARN whose account field is empty (S3 buckets) or a wildcard: it names no owner.
fn arn_without_account(value: &str) -> bool {
    warden_policy::arn::ArnRef::parse(value)
        .is_some_and(|arn| arn.account.is_empty() || arn.account.contains(['*', '?']))
}
