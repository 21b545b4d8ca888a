//! WL701: a non-administrator role without a permission boundary.

use crate::finding::{Finding, Severity};
use crate::rule::{Group, RoleCx, Rule, RuleMeta};

/// ## What it does
/// Flags roles that have no permission boundary, unless they are declared administrator roles
/// in `warden.yaml` (`admin_roles`) or are AWS service-linked roles.
///
/// ## Why is this bad?
/// The boundary caps what the role can ever do, whatever policies are attached to it later (by
/// a pipeline, by the role itself through an escalation path, by mistake). Without one, a
/// single over-broad attachment is the whole story.
///
/// ## Example
/// A role `app-deploy` with inline policies and no `PermissionsBoundary`.
///
/// ## Fix
/// Set the organization's boundary on the role (`boundary: workload` in its definition), or
/// declare the role as an administrator role if it is one.
pub struct MissingPermissionBoundary;

static META: RuleMeta = RuleMeta {
    id: "WL701",
    name: "missing-permission-boundary",
    group: Group::Guardrails,
    severity: Severity::Error,
    summary: "non-administrator role without a permission boundary",
};

impl Rule for MissingPermissionBoundary {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_role(&self, cx: &RoleCx<'_>, out: &mut Vec<Finding>) {
        let role = cx.role;
        if role.boundary.is_some()
            || role.admin
            || role.service_linked
            || cx.env.config.is_admin_role(&role.name)
        {
            return;
        }
        out.push(cx.role_finding(
            &META,
            format!("role `{}` has no permission boundary", role.name),
        ));
    }
}
