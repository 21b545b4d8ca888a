//! WL702: a role without the tags the organization requires.

use crate::finding::{Finding, Severity};
use crate::rule::{Group, RoleCx, Rule, RuleMeta};

/// ## What it does
/// Flags roles missing any tag key listed in `warden.yaml` `required_tags` (for example
/// `Project`, `Environment`, `Service`). Keys compare exactly, as IAM tag keys are
/// case-sensitive in conditions. Service-linked roles are not flagged.
///
/// ## Why is this bad?
/// Tags are how access is attributed and reviewed (who owns this role, which environment), and
/// attribute-based policies (`aws:PrincipalTag/Project`) silently deny or allow the wrong
/// things when a tag is missing.
///
/// ## Example
/// A role tagged only `{"Project": "checkout"}` when `Environment` and `Service` are required.
///
/// ## Fix
/// Add the missing tags to the role's definition.
pub struct MissingRequiredTags;

static META: RuleMeta = RuleMeta {
    id: "WL702",
    name: "missing-required-tags",
    group: Group::Guardrails,
    severity: Severity::Warning,
    summary: "role without the required tags",
};

impl Rule for MissingRequiredTags {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_role(&self, cx: &RoleCx<'_>, out: &mut Vec<Finding>) {
        if cx.role.service_linked {
            return;
        }
        let missing: Vec<String> = cx
            .env
            .config
            .required_tags
            .iter()
            .filter(|key| {
                cx.role
                    .tags
                    .get(*key)
                    .is_none_or(|value| value.trim().is_empty())
            })
            .cloned()
            .collect();
        if !missing.is_empty() {
            out.push(cx.role_finding(
                &META,
                format!(
                    "role `{}` lacks required tags {}",
                    cx.role.name,
                    super::name_some(&missing)
                ),
            ));
        }
    }
}
