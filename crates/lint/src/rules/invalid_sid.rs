//! WL105: a `Sid` with characters IAM does not accept.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags a `Sid` with characters other than ASCII letters and digits in identity policies,
/// permission boundaries, trust policies and SCPs (resource policies of other services accept
/// more, so they are not checked).
///
/// ## Why is this bad?
/// IAM rejects the document with `MalformedPolicyDocument` ("Statement IDs (SID) must be
/// alpha-numeric"): the deployment fails when it is applied, not when it is reviewed.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
///
/// ## Example
/// ```json
/// {"Sid": "read-reports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}
/// ```
///
/// ## Fix
/// Use letters and digits only: `ReadReports`.
pub struct InvalidSid;

static META: RuleMeta = RuleMeta {
    id: "WL105",
    name: "invalid-sid",
    group: Group::Structure,
    severity: Severity::Error,
    summary: "sid with characters iam does not accept",
};

impl Rule for InvalidSid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind == PolicyKind::Resource {
            return;
        }
        for (index, statement) in cx.statements() {
            let Some(sid) = statement.sid.as_deref() else {
                continue;
            };
            if !sid.is_empty() && !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!("sid `{sid}` must be ascii letters and digits only"),
                ));
            }
        }
    }
}
