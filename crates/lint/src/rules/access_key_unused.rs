//! WL752: an active access key never used, or not used for 90 days (by default).

use crate::finding::{Finding, Severity};
use crate::live_input::LiveCx;
use crate::rule::{Group, Rule, RuleMeta};

/// ## What it does
/// Flags active access keys of live IAM users that were never used, or whose last use is more
/// than `posture.access_key_unused_days` (default 90) days before `today`.
///
/// ## Why is this bad?
/// A key nobody uses is all risk and no value: it can only be used by someone who should not
/// have it, and nobody would notice.
///
/// ## Example
/// Key `…7XQZ` of user `old-deployer`, last used 2025-11-02, judged on 2026-06-01.
///
/// ## Fix
/// Deactivate the key (`aws iam update-access-key --status Inactive`), wait for complaints,
/// then delete it.
pub struct AccessKeyUnused;

static META: RuleMeta = RuleMeta {
    id: "WL752",
    name: "access-key-unused",
    group: Group::Guardrails,
    severity: Severity::Warning,
    summary: "active access key never used or unused for the unused period",
};

impl Rule for AccessKeyUnused {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_live(&self, cx: &LiveCx<'_>, out: &mut Vec<Finding>) {
        let limit = cx.input.posture.access_key_unused_days;
        for user in &cx.account.users {
            for key in &user.access_keys {
                if key.status != warden_live::KeyStatus::Active {
                    continue;
                }
                let message = match &key.last_used {
                    None => format!(
                        "access key `…{}` of user `{}` has never been used: delete it",
                        key.id_suffix, user.name
                    ),
                    Some(used) => match cx.age_days(&used.date) {
                        Some(days) if days > limit => format!(
                            "access key `…{}` of user `{}` was last used {days} days ago (limit {limit}): deactivate it",
                            key.id_suffix, user.name
                        ),
                        _ => continue,
                    },
                };
                out.push(cx.finding(&META, &user.name, message));
            }
        }
    }
}
