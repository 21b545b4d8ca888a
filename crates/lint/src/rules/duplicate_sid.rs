//! WL102: two statements of one policy share a `Sid`.

use std::collections::HashMap;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags a `Sid` used by more than one statement of the same policy.
///
/// ## Why is this bad?
/// IAM requires `Sid` values to be unique within a policy (SCPs and several resource policies
/// are rejected outright), and an exception keyed on the `Sid` would cover both statements.
///
/// ## Example
/// ```json
/// [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"},
///  {"Sid": "Read", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::a"}]
/// ```
///
/// ## Fix
/// Rename one of the statements, e.g. `ReadObjects` and `ListBucket`.
pub struct DuplicateSid;

static META: RuleMeta = RuleMeta {
    id: "WL102",
    name: "duplicate-sid",
    group: Group::Structure,
    severity: Severity::Error,
    summary: "two statements of one policy share a sid",
};

impl Rule for DuplicateSid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        let mut first_seen: HashMap<&str, usize> = HashMap::new();
        for (index, statement) in cx.statements() {
            let Some(sid) = statement.sid.as_deref().filter(|sid| !sid.is_empty()) else {
                continue;
            };
            if let Some(first) = first_seen.get(sid) {
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "sid `{sid}` is already used by statement {} of `{}`",
                        first + 1,
                        cx.policy.name
                    ),
                ));
            } else {
                first_seen.insert(sid, index);
            }
        }
    }
}
