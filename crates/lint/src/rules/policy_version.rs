//! WL103: `Version` missing or `2008-10-17`.

use warden_policy::Version;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags policies without `"Version": "2012-10-17"`.
///
/// ## Why is this bad?
/// A policy without `Version` is read as `2008-10-17`, in which policy variables such as
/// `${aws:username}` are plain text: a resource meant to be per-user matches nothing, or a
/// condition meant to scope matches literally. It is an error when the policy uses variables
/// (`${aws:username}`, a name with a service prefix, the test WL108 and WL411 share); Warden's
/// own `${account_id}` in definitions as written is replaced by rendering, not by IAM, and
/// leaves the finding a warning.
///
/// ## Example
/// ```json
/// {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
/// ```
///
/// ## Fix
/// Add `"Version": "2012-10-17"` at the top of the document.
pub struct PolicyVersion;

static META: RuleMeta = RuleMeta {
    id: "WL103",
    name: "policy-version",
    group: Group::Structure,
    severity: Severity::Warning,
    summary: "policy version missing or older than 2012-10-17",
};

impl Rule for PolicyVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        let written = match cx.policy.document.version {
            Some(Version::V2012_10_17) => return,
            Some(Version::V2008_10_17) => "is `2008-10-17`",
            None => "is missing (read as `2008-10-17`)",
        };
        let mut finding = cx.document_finding(
            &META,
            format!(
                "version of `{}` {written}; use `2012-10-17`",
                cx.policy.name
            ),
        );
        if uses_policy_variables(&cx.policy.document) {
            finding.severity = Severity::Error;
            finding
                .message
                .push_str(": its policy variables are read as plain text");
        }
        out.push(finding);
    }
}

/// Does a `Resource` or condition value hold an IAM policy variable (not a Warden template)?
fn uses_policy_variables(document: &warden_policy::PolicyDocument) -> bool {
    document.statements.iter().any(|statement| {
        super::resources(statement)
            .iter()
            .any(|resource| super::names_policy_variable(resource))
            || super::condition_entries(statement).any(|(_, entry)| {
                entry
                    .values
                    .iter()
                    .any(|value| super::names_policy_variable(&value.as_text()))
            })
    })
}
