//! WL410: a condition value on a region key that is no region (`mars-east-1`).

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags values of region condition keys — `aws:RequestedRegion`, `ec2:Region`,
/// `kms:PrimaryRegion`, `kms:ReplicaRegion`, `secretsmanager:SecretPrimaryRegion`,
/// `secretsmanager:AddReplicaRegions`, `account:TargetRegion`, `cloudformation:TargetRegion` —
/// that no region code of any partition has the shape of: `mars-east-1`, `eu-west`, `EU-WEST-1`
/// (under a case-sensitive operator), `Ireland`. Region codes are checked against the shapes
/// the AWS SDKs' partition table gives (`partitions.json`, `regionRegex`): commercial
/// `(us|eu|ap|sa|ca|me|af|il|mx)-<word>-<n>`, `cn-…`, `us-gov-…`, `us-iso-…`, `us-isob-…`,
/// `eu-isoe-…`, `us-isof-…`, `eusc-de-…`; a new region of a known shape passes. Under
/// `StringLike`/`StringNotLike` wildcards are allowed and the text before the first wildcard
/// must start some region (`eu-*` passes, `mars-*` does not); a wildcard under another operator
/// is WL404's. Values with policy variables are not judged. Access Analyzer reports this as
/// the error "Invalid Region".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-requestedregion
/// https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
///
/// ## Why is this bad?
/// No request is ever made in a region that does not exist: an `Allow` limited to it grants
/// nothing, and a `Deny` of "every region but these" denies the region that was meant.
///
/// ## Example
/// ```json
/// {"Sid": "EuOnly", "Effect": "Deny", "Action": "*", "Resource": "*",
///  "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-centrall-1"]}}}
/// ```
///
/// ## Fix
/// Write region codes as AWS lists them (`eu-central-1`), lowercase.
pub struct ConditionRegionInvalid;

static META: RuleMeta = RuleMeta {
    id: "WL410",
    name: "condition-region-invalid",
    group: Group::Conditions,
    severity: Severity::Error,
    summary: "value of a region condition key that is no region code",
};

/// Condition keys whose values are region codes.
const REGION_KEYS: [&str; 8] = [
    "aws:RequestedRegion",
    "ec2:Region",
    "kms:PrimaryRegion",
    "kms:ReplicaRegion",
    "secretsmanager:SecretPrimaryRegion",
    "secretsmanager:AddReplicaRegions",
    "account:TargetRegion",
    "cloudformation:TargetRegion",
];

/// What comes before `-<word>-<n>` in a region code, per partition (the SDKs' `regionRegex`).
const GEOGRAPHIES: [&str; 16] = [
    "us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", "cn", "us-gov", "us-iso", "us-isob",
    "eu-isoe", "us-isof", "eusc-de",
];

impl Rule for ConditionRegionInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            for (operator, entry) in super::condition_entries(statement) {
                let base = operator.base.as_str();
                if !REGION_KEYS
                    .iter()
                    .any(|key| key.eq_ignore_ascii_case(&entry.key))
                {
                    continue;
                }
                let ignore_case = base.to_ascii_lowercase().ends_with("ignorecase");
                let bad = super::string_values_rejected(base, entry, |text, like| {
                    judged_valid(text, like, ignore_case)
                });
                if bad.is_empty() {
                    continue;
                }
                out.push(cx.key_finding(&META, index, entry, format!(
                            "{} tests `{}` under `{base}` with {}, not region codes: no request is made there; write codes as AWS lists them (`eu-west-1`)",
                            cx.statement_label(index),
                            entry.key,
                            super::name_some(&bad)
                        )));
            }
        }
    }
}

/// True unless `value` is certainly no region (or region pattern, under a `…Like` operator).
fn judged_valid(value: &str, like: bool, ignore_case: bool) -> bool {
    if super::has_policy_variable(value) {
        return true;
    }
    let lowered;
    let value = if ignore_case {
        lowered = value.to_ascii_lowercase();
        lowered.as_str()
    } else {
        value
    };
    match value.find(['*', '?']) {
        Some(_) if !like => true,
        Some(wildcard) => could_start_region(&value[..wildcard]),
        None => is_region(value),
    }
}

/// `<geography>-<lowercase word>-<digits>`.
fn is_region(value: &str) -> bool {
    GEOGRAPHIES.iter().any(|geography| {
        value
            .strip_prefix(geography)
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|rest| rest.split_once('-'))
            .is_some_and(|(word, number)| {
                !word.is_empty()
                    && word.bytes().all(|byte| byte.is_ascii_lowercase())
                    && !number.is_empty()
                    && number.bytes().all(|byte| byte.is_ascii_digit())
            })
    })
}

/// Whether some region code starts with `prefix`.
fn could_start_region(prefix: &str) -> bool {
    GEOGRAPHIES.iter().any(|geography| {
        if geography.starts_with(prefix) {
            return true;
        }
        let Some(rest) = prefix
            .strip_prefix(geography)
            .and_then(|rest| rest.strip_prefix('-'))
        else {
            return false;
        };
        let (word, number) = rest.split_once('-').unwrap_or((rest, ""));
        word.bytes().all(|byte| byte.is_ascii_lowercase())
            && (rest.len() == word.len() || !word.is_empty())
            && number.bytes().all(|byte| byte.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_of_every_partition() {
        for region in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-7",
            "il-central-1",
            "mx-central-1",
            "cn-northwest-1",
            "us-gov-west-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "eu-isoe-west-1",
            "us-isof-south-1",
            "eusc-de-east-1",
        ] {
            assert!(is_region(region), "{region}");
        }
        for value in [
            "mars-east-1",
            "eu-west",
            "EU-WEST-1",
            "eu-west-1a",
            "Ireland",
            "",
            "eu--1",
            "us-gov-west-",
        ] {
            assert!(!is_region(value), "{value}");
        }
    }

    #[test]
    fn patterns_and_variables() {
        assert!(judged_valid("eu-*", true, false));
        assert!(judged_valid("*", true, false));
        assert!(judged_valid("us-gov-*", true, false));
        assert!(judged_valid("eu-west-?", true, false));
        assert!(judged_valid("e*", true, false));
        assert!(!judged_valid("mars-*", true, false));
        assert!(!judged_valid("eu-1*", true, false));
        // A wildcard under `StringEquals` is WL404's.
        assert!(judged_valid("mars-*", false, false));
        assert!(judged_valid("EU-WEST-1", false, true));
        assert!(!judged_valid("EU-WEST-1", false, false));
        assert!(judged_valid("${aws:PrincipalTag/region}", false, false));
    }
}
