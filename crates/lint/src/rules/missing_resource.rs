//! WL107: a statement without `Resource` or `NotResource` where one is required.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags statements of identity policies, permission boundaries and resource policies that
/// have neither `Resource` nor `NotResource` (trust policies have none; SCPs default to `*`).
///
/// ## Why is this bad?
/// IAM rejects the document ("Policy statement must contain resources"): the deployment fails.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
///
/// ## Example
/// ```json
/// {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject"}
/// ```
///
/// ## Fix
/// Name the resources: `"Resource": "arn:aws:s3:::reports/*"`.
pub struct MissingResource;

static META: RuleMeta = RuleMeta {
    id: "WL107",
    name: "missing-resource",
    group: Group::Structure,
    severity: Severity::Error,
    summary: "statement without resource where one is required",
};

impl Rule for MissingResource {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if !matches!(
            cx.policy.kind,
            PolicyKind::Identity | PolicyKind::Boundary | PolicyKind::Resource
        ) {
            return;
        }
        for (index, statement) in cx.statements() {
            if statement.resource.is_none() {
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} has no `Resource` (or `NotResource`)",
                        cx.statement_label(index)
                    ),
                ));
            }
        }
    }
}
