//! WL507: a `Service` principal, or a condition value naming a service principal, that is not
//! in the form AWS gives service principals (`<name>.amazonaws.com` and its partition forms).

use warden_policy::{Principal, PrincipalClause, PrincipalType};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags a `Service` principal (in `Principal` or `NotPrincipal`) that is not a service
/// principal name, and the same in the values of the condition keys that hold service
/// principals: `aws:PrincipalServiceName`, `aws:PrincipalServiceNamesList`, `aws:CalledVia`,
/// `aws:CalledViaFirst`, `aws:CalledViaLast`, `iam:PassedToService`, `iam:AWSServiceName` and
/// `kms:ViaService`. A service principal is one or more lowercase DNS labels followed by the
/// DNS suffix of a partition: `.amazonaws.com` (commercial and GovCloud), `.amazonaws.com.cn`
/// (China), `.c2s.ic.gov`, `.sc2s.sgov.gov`, `.cloud.adc-e.uk`, `.csp.hci.ic.gov` (ISO) and
/// `.amazonaws.eu` (European Sovereign Cloud); the older `.amazon.com` principals of Alexa
/// (`alexa-appkit.amazon.com`) are accepted too. Regional principals
/// (`logs.eu-west-1.amazonaws.com`) have the same form. `kms:ViaService` takes
/// `<service>.<region>.amazonaws.com`, so there a name without a region label is flagged.
/// Values with wildcards (`*`, `?`) or policy variables are not judged: a lone `*` principal is
/// WL504's, a partial wildcard WL505's. Access Analyzer reports this as "Invalid service
/// principal format".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
///
/// ## Why is this bad?
/// IAM refuses a trust policy whose service principal it does not know ("Invalid principal in
/// policy"); other services may store the policy and match no caller. A condition value in
/// the wrong form never equals what AWS puts in the request (`aws:CalledVia` holds
/// `athena.amazonaws.com`, not `athena`), so an `Allow` it guards grants nothing and a `Deny`
/// it guards never applies.
///
/// ## Example
/// ```json
/// {"Sid": "Lambda", "Effect": "Allow", "Principal": {"Service": "lambda"},
///  "Action": "sts:AssumeRole"}
/// ```
///
/// ## Fix
/// Write the full service principal, `lambda.amazonaws.com`; for `kms:ViaService`, the
/// service's endpoint in the region, `s3.eu-west-1.amazonaws.com`.
pub struct ServicePrincipalInvalid;

static META: RuleMeta = RuleMeta {
    id: "WL507",
    name: "service-principal-invalid",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "service principal not in the form `<name>.amazonaws.com` (or a partition's form)",
};

/// Condition keys whose values are service principals (lowercase), and whether the value
/// must carry a region label (`kms:ViaService`).
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalservicename
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-calledvia
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService
const SERVICE_KEYS: [(&str, bool); 8] = [
    ("aws:principalservicename", false),
    ("aws:principalservicenameslist", false),
    ("aws:calledvia", false),
    ("aws:calledviafirst", false),
    ("aws:calledvialast", false),
    ("iam:passedtoservice", false),
    ("iam:awsservicename", false),
    ("kms:viaservice", true),
];

/// DNS suffixes of the partitions (`dnsSuffix` in the SDKs' `partitions.json`,
/// aws-sdk-js-v3 `packages/util-endpoints/src/lib/aws/partitions.json`), and Alexa's
/// `amazon.com`.
const SUFFIXES: [&str; 8] = [
    ".amazonaws.com",
    ".amazonaws.com.cn",
    ".c2s.ic.gov",
    ".sc2s.sgov.gov",
    ".cloud.adc-e.uk",
    ".csp.hci.ic.gov",
    ".amazonaws.eu",
    ".amazon.com",
];

impl Rule for ServicePrincipalInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            if let Some(
                PrincipalClause::Principal(Principal::Typed(typed))
                | PrincipalClause::NotPrincipal(Principal::Typed(typed)),
            ) = &statement.principal
            {
                let services = typed
                    .iter()
                    .filter(|(principal_type, _)| *principal_type == PrincipalType::Service)
                    .flat_map(|(_, values)| values.iter());
                for value in services {
                    if judged(value) && !is_service_principal(value, false) {
                        out.push(cx.statement_finding(
                            &META,
                            index,
                            format!(
                                "{} names service principal `{value}`, which is not in the form `<name>.amazonaws.com`; IAM does not accept it",
                                cx.statement_label(index)
                            ),
                        ));
                    }
                }
            }
            if statement.condition.is_none() {
                continue;
            }
            for (operator, entry) in super::condition_entries(statement) {
                if !operator.base.starts_with("String") {
                    continue;
                }
                let key = &entry.key;
                let Some((_, regional)) = SERVICE_KEYS
                    .iter()
                    .find(|(name, _)| key.eq_ignore_ascii_case(name))
                else {
                    continue;
                };
                let Some(value) = entry.values.iter().find_map(|value| {
                    let text = value.as_text();
                    (judged(&text) && !is_service_principal(&text, *regional))
                        .then(|| text.into_owned())
                }) else {
                    continue;
                };
                let form = if *regional {
                    "`<service>.<region>.amazonaws.com`"
                } else {
                    "`<name>.amazonaws.com`"
                };
                let mut finding = cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} tests `{key}` against `{value}`, which is not a service principal in the form {form}; no request carries it",
                        cx.statement_label(index)
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

/// Wildcards and policy variables are not judged.
fn judged(value: &str) -> bool {
    !value.contains(['*', '?']) && !super::has_policy_variable(value)
}

/// `value` is labels of `[a-z0-9-]` before a partition suffix; with `regional`, at least two
/// labels, the last one a region (`ec2.us-east-1`). Case is not judged.
fn is_service_principal(value: &str, regional: bool) -> bool {
    let Some(name) = SUFFIXES.iter().find_map(|suffix| {
        value
            .len()
            .checked_sub(suffix.len())
            .filter(|at| value.is_char_boundary(*at) && value[*at..].eq_ignore_ascii_case(suffix))
            .map(|at| &value[..at])
    }) else {
        return false;
    };
    let labels_ok = !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !labels_ok {
        return false;
    }
    !regional
        || name.rsplit_once('.').is_some_and(|(_, region)| {
            region.contains('-') && region.ends_with(|c: char| c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::is_service_principal;

    #[test]
    fn partition_forms_and_regional_names() {
        for good in [
            "lambda.amazonaws.com",
            "logs.eu-west-1.amazonaws.com",
            "custom-resource.application-autoscaling.amazonaws.com",
            "ec2.amazonaws.com.cn",
            "ec2.c2s.ic.gov",
            "alexa-appkit.amazon.com",
        ] {
            assert!(is_service_principal(good, false), "{good}");
        }
        for bad in [
            "lambda",
            "lambda.amazonaws",
            ".amazonaws.com",
            "amazonaws.com",
            "lambda..amazonaws.com",
            "lambda amazonaws.com",
            "arn:aws:iam::111122223333:role/x",
            "lambda.amazonaws.com.",
        ] {
            assert!(!is_service_principal(bad, false), "{bad}");
        }
        assert!(is_service_principal("s3.us-east-1.amazonaws.com", true));
        assert!(!is_service_principal("s3.amazonaws.com", true));
        assert!(!is_service_principal("s3.useast.amazonaws.com", true));
    }
}
