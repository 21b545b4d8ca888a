//! WL104: a document that cannot be read as a policy (bad JSON, a broken grammar, an export
//! of the wrong shape).

use crate::finding::{Finding, Severity};
use crate::rule::{Group, Rule, RuleMeta, SubjectCx};
use crate::subject::Problem;

/// ## What it does
/// Reports input that is not a policy AWS would accept: JSON that does not parse, a duplicate
/// key, an `Effect` other than `Allow`/`Deny`, a statement without `Action`, an export whose
/// shape is not `GetAccountAuthorizationDetails`. Each problem is a finding at its position,
/// and every other file (and every other document of an export) is still linted.
///
/// ## Why is this bad?
/// IAM rejects the document (`MalformedPolicyDocument`), so whatever it was meant to grant or
/// deny does not take effect; and a linter that stops at the first bad file hides the findings
/// of all the others.
///
/// ## Example
/// ```json
/// {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}]}
/// ```
///
/// ## Fix
/// Correct the document at the position given; `cargo xtask policy normalize FILE` shows how
/// Warden reads it once it parses.
pub struct InvalidDocument;

static META: RuleMeta = RuleMeta {
    id: "WL104",
    name: "invalid-document",
    group: Group::Structure,
    severity: Severity::Error,
    summary: "a document that cannot be read as a policy",
};

/// The finding for one problem.
pub(crate) fn finding(problem: &Problem) -> Finding {
    Finding {
        rule: META.id.to_string(),
        severity: META.severity,
        message: problem.message.clone(),
        file: problem.location.file.clone(),
        line: problem.location.line,
        column: problem.location.column,
        account: None,
        principal: problem.principal.clone(),
        sid: None,
        excepted: None,
    }
}

impl Rule for InvalidDocument {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_subject(&self, cx: &SubjectCx<'_>, out: &mut Vec<Finding>) {
        out.extend(cx.subject.problems.iter().map(|problem| {
            let mut found = finding(problem);
            found.account = cx.env.account.map(str::to_string);
            found
        }));
    }
}
