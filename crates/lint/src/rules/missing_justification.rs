//! WL902: a statement in the definitions without a `justification`.

use crate::finding::{Finding, Severity};
use crate::rule::{Group, Rule, RuleMeta, SubjectCx};

/// ## What it does
/// Flags statements in the YAML definitions (trust, inline, managed, boundary and SCP
/// statements) whose `justification` is missing or blank.
///
/// ## Why is this bad?
/// The justification is the reviewer's and the auditor's record of why access was granted.
/// Without it, a pull request adds access nobody explained, and an access review a year later
/// cannot tell a needed grant from a forgotten one. Warden promises a justification on every
/// statement; the schema cannot require it for JSON policy files, so this rule does for the
/// definitions.
///
/// ## Example
/// ```yaml
/// inline_policies:
///   artifacts:
///     - Sid: ReadArtifacts
///       Effect: Allow
///       Action: s3:GetObject
///       Resource: "arn:aws:s3:::artifacts-${account_id}/*"
/// ```
///
/// ## Fix
/// Say in one sentence why the workload needs this access:
/// `justification: The app reads its build artifacts at start-up.`
pub struct MissingJustification;

static META: RuleMeta = RuleMeta {
    id: "WL902",
    name: "missing-justification",
    group: Group::Hygiene,
    // An error, as the README promises: a definition without a reason does not pass the gate.
    severity: Severity::Error,
    summary: "statement in the definitions without a justification",
};

impl Rule for MissingJustification {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_subject(&self, cx: &SubjectCx<'_>, out: &mut Vec<Finding>) {
        // The definitions' reader records every statement's justification, an empty text when
        // none was written; JSON policy files and exports have none to record.
        for field in &cx.subject.texts {
            if field.what.starts_with("justification") && field.text.trim().is_empty() {
                let mut finding = cx.env.finding(
                    &META,
                    &field.location,
                    field.principal.as_deref(),
                    format!("{} is missing: say why this access is needed", field.what),
                );
                finding.sid = None;
                out.push(finding);
            }
        }
    }
}
