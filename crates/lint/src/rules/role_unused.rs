//! WL757: a role not used for 90 days (by default) and created before that.

use crate::finding::{Finding, Severity};
use crate::live_input::LiveCx;
use crate::rule::{Group, Rule, RuleMeta};

/// ## What it does
/// Flags live roles created more than `posture.role_unused_days` (default 90) days before
/// `today` whose last use (`RoleLastUsed`) is older than that, or absent. Service-linked roles
/// and roles whose creation date is unknown are skipped.
///
/// ## Why is this bad?
/// An unused role is standing access nobody needs: its trust and permissions can still be
/// abused, and it is the first thing an access review asks to remove. IAM Access Analyzer
/// charges per role for this finding; Warden gives it from one read.
///
/// ## Example
/// Role `legacy-etl`, created 2024-02-01, last used 2025-09-30, judged on 2026-06-01.
///
/// ## Fix
/// Confirm with the owner, then delete the role (through its definition, if Warden manages it).
/// IAM tracks last use for 400 days: an empty `RoleLastUsed` on an old role means not in that
/// period.
pub struct RoleUnused;

static META: RuleMeta = RuleMeta {
    id: "WL757",
    name: "role-unused",
    group: Group::Guardrails,
    severity: Severity::Warning,
    summary: "role not used within the unused period",
};

impl Rule for RoleUnused {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_live(&self, cx: &LiveCx<'_>, out: &mut Vec<Finding>) {
        let limit = cx.input.posture.role_unused_days;
        for role in &cx.account.roles {
            if role.is_service_linked() {
                continue;
            }
            let Some(created) = role.created.as_deref().and_then(|date| cx.age_days(date)) else {
                continue;
            };
            if created <= limit {
                continue;
            }
            let last_used = role
                .role_last_used
                .as_ref()
                .and_then(|used| used.date.as_deref())
                .and_then(|date| cx.age_days(date));
            let message = match last_used {
                Some(days) if days <= limit => continue,
                Some(days) => format!(
                    "role `{}` was last used {days} days ago (limit {limit})",
                    role.name
                ),
                None => format!(
                    "role `{}` has no recorded use and was created {created} days ago (limit {limit})",
                    role.name
                ),
            };
            out.push(cx.finding(&META, &role.name, message));
        }
    }
}
