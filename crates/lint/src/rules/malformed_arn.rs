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
                // Variables (`${aws:username}`, unrendered `${region}`) stand for valid text.
                if let Err(error) = Arn::parse(&without_variables(resource)) {
                    let message = error
                        .to_string()
                        .replace(&without_variables(resource), resource);
                    out.push(cx.statement_finding(&META, index, message));
                }
            }
        }
    }
}

/// Replaces each `${…}` with a placeholder that is valid in every ARN part.
fn without_variables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(length) = rest[start..].find('}') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push('x');
        rest = &rest[start + length + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn variables_are_placeholders() {
        assert_eq!(
            super::without_variables("arn:aws:ecr:${region}:${account_id}:repository/a"),
            "arn:aws:ecr:x:x:repository/a"
        );
        assert_eq!(
            super::without_variables("arn:aws:s3:::b/${aws:username}/*"),
            "arn:aws:s3:::b/x/*"
        );
    }
}
