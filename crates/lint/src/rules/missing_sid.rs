//! WL101: a statement without a `Sid`.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags statements that have no `Sid`.
///
/// ## Why is this bad?
/// Reviews, plans and exceptions refer to statements by `Sid`. Without one, an exception cannot
/// name the statement it covers and a plan can only say "statement 3".
///
/// ## Example
/// ```json
/// {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}
/// ```
///
/// ## Fix
/// Give every statement a short, unique `Sid` that says what it is for, e.g. `ReadReports`.
pub struct MissingSid;

static META: RuleMeta = RuleMeta {
    id: "WL101",
    name: "missing-sid",
    group: Group::Structure,
    severity: Severity::Warning,
    summary: "statement without a sid",
};

impl Rule for MissingSid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            if statement
                .sid
                .as_deref()
                .is_none_or(|sid| sid.trim().is_empty())
            {
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!("statement {} of `{}` has no sid", index + 1, cx.policy.name),
                ));
            }
        }
    }
}
