//! WL751: an active access key older than the rotation period (90 days by default).

use crate::finding::{Finding, Severity};
use crate::live_input::LiveCx;
use crate::rule::{Group, Rule, RuleMeta};

/// ## What it does
/// Flags active access keys of live IAM users created more than
/// `posture.access_key_max_age_days` (default 90) days before `today`. Inactive keys are left
/// to `access-key-unused` and deletion.
///
/// ## Why is this bad?
/// A long-lived key is a standing secret: the older it is, the more places it has been copied
/// to (laptops, CI variables, logs) and the longer a leaked copy keeps working.
///
/// ## Example
/// Key `…MPLE` of user `ci-bot`, created 2025-01-10, judged on 2026-06-01: 507 days old.
///
/// ## Fix
/// Replace the user with a role (OIDC for CI, instance or task roles for workloads); if the
/// key must stay, create a second key, switch to it, then deactivate and delete the old one.
pub struct AccessKeyStale;

static META: RuleMeta = RuleMeta {
    id: "WL751",
    name: "access-key-stale",
    group: Group::Guardrails,
    severity: Severity::Warning,
    summary: "active access key older than the rotation period",
};

impl Rule for AccessKeyStale {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_live(&self, cx: &LiveCx<'_>, out: &mut Vec<Finding>) {
        let limit = cx.input.posture.access_key_max_age_days;
        for user in &cx.account.users {
            for key in &user.access_keys {
                if key.status != warden_live::KeyStatus::Active {
                    continue;
                }
                let Some(age) = cx.age_days(&key.created) else {
                    continue;
                };
                if age > limit {
                    out.push(cx.finding(
                        &META,
                        &user.name,
                        format!(
                            "access key `…{}` of user `{}` is {age} days old (limit {limit}): rotate it or replace the user with a role",
                            key.id_suffix, user.name
                        ),
                    ));
                }
            }
        }
    }
}
