//! WL417: a value of a KMS key ARN condition key that is no KMS key ARN.

use warden_catalog::model::ConditionKeyType;
use warden_policy::arn::ArnRef;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags values of the condition keys that hold a KMS key's ARN — service keys of type `ARN`
/// whose name names a KMS key (`s3:x-amz-server-side-encryption-aws-kms-key-id`,
/// `secretsmanager:KmsKeyArn`, `s3tables:KMSKeyArn`, `sagemaker:VolumeKmsKey`…) — that are not
/// `arn:<partition>:kms:<region>:<account>:key/<key id>`: a bare key id
/// (`1234abcd-12ab-34cd-56ef-1234567890ab`), an alias (`alias/reports`, an alias ARN), another
/// service's ARN. Under `…Like` and the ARN operators a pattern passes when it can match a key
/// ARN; values with policy variables are not judged. Access Analyzer reports this as the error
/// "Invalid kms key value".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html
///
/// ## Why is this bad?
/// The service puts the key's ARN in the request, never its id or an alias: a value that is
/// not a key ARN never matches. A statement that allows only with that key allows nothing,
/// and a `Deny` of every other key denies the one that was meant.
///
/// ## Example
/// ```json
/// {"Sid": "OwnKey", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/*",
///  "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "1234abcd-12ab-34cd-56ef-1234567890ab"}}}
/// ```
///
/// ## Fix
/// Write the key's ARN, as `aws kms describe-key` shows it:
/// `arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab`.
pub struct ConditionKmsKeyInvalid;

static META: RuleMeta = RuleMeta {
    id: "WL417",
    name: "condition-kms-key-invalid",
    group: Group::Conditions,
    severity: Severity::Error,
    summary: "value of a kms key arn condition key that is no kms key arn",
};

impl Rule for ConditionKmsKeyInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                if !names_kms_key(&entry.key) {
                    continue;
                }
                if !matches!(
                    cx.env.facts.catalog.condition_key_type(&entry.key),
                    Some(ConditionKeyType::Arn | ConditionKeyType::ArrayOfArn)
                ) {
                    continue;
                }
                let base = operator.base.to_ascii_lowercase();
                let arn_operator = base.starts_with("arn");
                if !arn_operator && !base.starts_with("string") {
                    continue;
                }
                // `ArnEquals` matches wildcards as `ArnLike` does.
                let patterns = arn_operator || base.contains("like");
                let bad = super::values_rejected(entry, |text| judged_valid(text, patterns));
                if bad.is_empty() {
                    continue;
                }
                out.push(cx.key_finding(&META, index, entry, format!(
                            "{} tests `{}` with {}, not a kms key arn (`arn:aws:kms:<region>:<account>:key/<key id>`): the request carries the key's arn, so the value never matches",
                            cx.statement_label(index),
                            entry.key,
                            super::name_some(&bad)
                        )));
            }
        }
    }
}

/// A key whose name (after the service prefix) names a KMS key: `…kms-key-id`, `…KmsKeyArn`,
/// `…KMSKeyArn`, `…KmsKey`. Compared without allocating.
fn names_kms_key(key: &str) -> bool {
    let Some((_, name)) = key.split_once(':') else {
        return false;
    };
    let bytes = name.as_bytes();
    bytes.windows(3).enumerate().any(|(at, window)| {
        window.eq_ignore_ascii_case(b"kms")
            && bytes[at + 3..]
                .strip_prefix(b"-")
                .unwrap_or(&bytes[at + 3..])
                .get(..3)
                .is_some_and(|next| next.eq_ignore_ascii_case(b"key"))
    })
}

/// True unless `value` certainly names no KMS key by ARN (or, for patterns, can match none).
fn judged_valid(value: &str, patterns: bool) -> bool {
    if super::has_policy_variable(value) {
        return true;
    }
    if value.contains(['*', '?']) {
        if !patterns {
            // A wildcard under `StringEquals` is WL404's.
            return true;
        }
        let head = value.split(['*', '?']).next().unwrap_or("");
        if !(head.starts_with("arn:") || "arn:".starts_with(head)) {
            return false;
        }
        // Six parts: each literal part must be possible in a key ARN. Fewer: a wildcard may
        // span colons, nothing is certain.
        let Some([prefix, _, service, _, _, resource]) = ArnRef::components(value) else {
            return true;
        };
        let literal = |part: &str| !part.contains(['*', '?']);
        let resource_start = resource.get(..4).unwrap_or(resource);
        return (!literal(prefix) || prefix == "arn")
            && (!literal(service) || service == "kms")
            && (!literal(resource_start) || resource_start == "key/");
    }
    ArnRef::parse(value).is_some_and(|arn| {
        arn.service == "kms"
            && !arn.region.is_empty()
            && warden_policy::is_account_id(arn.account)
            && arn
                .resource
                .strip_prefix("key/")
                .is_some_and(|id| !id.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::{judged_valid, names_kms_key};

    #[test]
    fn kms_key_names() {
        for key in [
            "s3:x-amz-server-side-encryption-aws-kms-key-id",
            "secretsmanager:KmsKeyArn",
            "s3tables:KMSKeyArn",
            "sagemaker:VolumeKmsKey",
            "quicksight:KmsKeyArns",
        ] {
            assert!(names_kms_key(key), "{key}");
        }
        for key in [
            "kms:KeySpec",
            "kms:CallerAccount",
            "aws:SourceArn",
            "s3:prefix",
        ] {
            assert!(!names_kms_key(key), "{key}");
        }
    }

    #[test]
    fn key_arns_and_patterns() {
        let arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert!(judged_valid(arn, false));
        assert!(judged_valid("${aws:PrincipalTag/key}", false));
        for value in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "alias/reports",
            "arn:aws:kms:eu-west-1:111122223333:alias/reports",
            "arn:aws:s3:::reports",
            "arn:aws:kms::111122223333:key/1234",
            "arn:aws:kms:eu-west-1:111122223333:key/",
        ] {
            assert!(!judged_valid(value, false), "{value}");
        }
        for value in [
            "*",
            "arn:*",
            "arn:aws:kms:*:111122223333:key/*",
            "arn:aws:kms:eu-west-1:111122223333:*",
        ] {
            assert!(judged_valid(value, true), "{value}");
        }
        assert!(!judged_valid("arn:aws:kms:*:111122223333:alias/*", true));
        assert!(!judged_valid("arn:aws:s3:::reports/*", true));
        assert!(!judged_valid("alias/*", true));
        // A wildcard under `StringEquals` is WL404's.
        assert!(judged_valid("alias/*", false));
    }
}
