//! WL303: a `Resource` that is not a valid ARN.

use warden_policy::ResourceClause;
use warden_policy::arn::Arn;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `Resource` and `NotResource` values that are neither `*` nor a well-formed ARN
/// (`arn:partition:service:region:account:resource`).
///
/// ## Why is this bad?
/// IAM rejects some malformed ARNs at write time and silently never matches others, so the
/// statement grants (or denies) nothing. Apply should never be the first place this fails.
///
/// ## Example
/// ```json
/// {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:reports/*"}
/// ```
///
/// ## Fix
/// Write the full ARN: `arn:aws:s3:::reports/*`.
pub struct MalformedArn;

static META: RuleMeta = RuleMeta {
    id: "WL303",
    name: "malformed-arn",
    group: Group::Resources,
    severity: Severity::Error,
    summary: "resource that is not a valid arn",
};

impl Rule for MalformedArn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            let values = match &statement.resource {
                Some(ResourceClause::Resource(values) | ResourceClause::NotResource(values)) => {
                    values
                }
                None => continue,
            };
            for resource in values.iter().filter(|resource| *resource != "*") {
                if let Err(error) = Arn::parse(resource) {
                    out.push(cx.statement_finding(&META, index, error.to_string()));
                }
            }
        }
    }
}
