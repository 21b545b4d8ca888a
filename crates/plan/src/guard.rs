//! Checks made again right before apply, on the freshly read live state: the plan is not
//! stale, touches only what Warden owns (never the access role), and the state it leads to
//! stays within IAM and Organizations quotas.

use std::collections::{BTreeMap, BTreeSet};

use warden_policy::Quotas;

use crate::account::{AccountPlan, fingerprint_account, object_fingerprints, object_key};
use crate::change::Change;
use crate::desired::Ownership;
use crate::err::RefusalReason;
use crate::live::{LiveAccount, LiveScp};
use crate::scp::{ScpPlan, fingerprint_scps};
use crate::simulate::simulate_account;

/// IAM counts policy sizes without whitespace.
pub fn iam_size(document: &str) -> usize {
    warden_policy::size::iam_characters(document)
}

/// Everything that forbids applying this account's plan to `live` (empty: go ahead).
pub fn check_account(
    plan: &AccountPlan,
    live: &LiveAccount,
    ownership: &Ownership,
    quotas: &Quotas,
) -> Vec<RefusalReason> {
    check_account_except(plan, live, ownership, quotas, &BTreeMap::new())
}

/// The changes of `plan` that must not run on `live` because their object (role or policy)
/// changed since the plan was read, by index with the reason; and the later changes that
/// depend on them ([`crate::order::depends_on`]), with theirs. Empty when the plan has no
/// object fingerprints (the account-wide fingerprint then decides).
pub fn changed_since_plan(plan: &AccountPlan, live: &LiveAccount) -> BTreeMap<usize, String> {
    let mut refused = BTreeMap::new();
    if plan.objects.is_empty() {
        return refused;
    }
    let current = object_fingerprints(live);
    let mut stale: Vec<&Change> = Vec::new();
    for (index, change) in plan.changes.iter().enumerate() {
        let object_changed =
            object_key(change).is_some_and(|key| plan.objects.get(&key) != current.get(&key));
        if object_changed {
            let kind = if change.role().is_some() {
                "role"
            } else {
                "policy"
            };
            let name = change
                .role()
                .map_or_else(|| change.subject(), str::to_string);
            refused.insert(
                index,
                format!(
                    "refused: {kind} `{name}` changed since the plan was made (written by someone else); plan again"
                ),
            );
            stale.push(change);
        } else if let Some(cause) = stale
            .iter()
            .find(|earlier| crate::order::depends_on(change, earlier))
        {
            refused.insert(
                index,
                format!("refused: it depends on `{cause}`, whose object changed since the plan"),
            );
        }
    }
    refused
}

/// [`check_account`] leaving out the changes in `skipped` (by index): with object
/// fingerprints, a live state that differs from the plan's only in other objects, or in the
/// skipped changes' objects, is not stale.
pub fn check_account_except(
    plan: &AccountPlan,
    live: &LiveAccount,
    ownership: &Ownership,
    quotas: &Quotas,
    skipped: &BTreeMap<usize, String>,
) -> Vec<RefusalReason> {
    let current = fingerprint_account(live);
    if current != plan.fingerprint && plan.objects.is_empty() {
        return vec![RefusalReason::Stale {
            planned: plan.fingerprint.clone(),
            current,
        }];
    }
    let kept = AccountPlan {
        changes: plan
            .changes
            .iter()
            .enumerate()
            .filter(|(index, _)| !skipped.contains_key(index))
            .map(|(_, change)| change.clone())
            .collect(),
        ..plan.clone()
    };
    let plan = &kept;
    let mut refusals = check_ownership(plan, live, ownership);
    if !refusals.is_empty() {
        return refusals;
    }
    match simulate_account(live, &plan.changes, ownership) {
        Ok(after) => refusals.extend(check_quotas(plan, &after, quotas)),
        Err(err) => refusals.push(RefusalReason::Quota(format!(
            "the plan cannot be applied in order: {err}"
        ))),
    }
    refusals
}

/// The saved changes must be exactly what planning the current definitions against the live
/// state gives: with the same definitions digest and live fingerprint, anything else means the
/// plan file was edited.
pub fn check_reproducible(planned: &[Change], recomputed: &[Change]) -> Option<RefusalReason> {
    if planned == recomputed {
        return None;
    }
    let index = planned
        .iter()
        .zip(recomputed)
        .take_while(|(a, b)| a == b)
        .count();
    let show = |changes: &[Change]| {
        changes
            .get(index)
            .map_or_else(|| "(nothing)".to_string(), ToString::to_string)
    };
    Some(RefusalReason::NotFromDefinitions {
        index,
        planned: show(planned),
        expected: show(recomputed),
    })
}

/// Every change must concern a role or policy Warden owns, or create a new one.
pub fn check_ownership(
    plan: &AccountPlan,
    live: &LiveAccount,
    ownership: &Ownership,
) -> Vec<RefusalReason> {
    let mut refusals = Vec::new();
    for change in &plan.changes {
        if let Some(role) = change.role() {
            if ownership.is_access_role(role) {
                refusals.push(RefusalReason::AccessRole {
                    change: change.to_string(),
                    name: role.to_string(),
                });
                continue;
            }
            if let Some(existing) = live.role(role) {
                // Adoption is the one change allowed on a hand-made role: it only adds the marker.
                let adopting = matches!(change, Change::AdoptRole { .. });
                let owned =
                    (adopting || ownership.tagged(&existing.tags)) && !existing.is_service_linked();
                if !owned || matches!(change, Change::CreateRole { .. }) {
                    refusals.push(RefusalReason::Unmanaged {
                        change: change.to_string(),
                        name: existing.name.clone(),
                    });
                }
            }
        }
        if let Some(arn) = change.managed_policy_arn(live.partition(), &plan.account_id) {
            let existing = live
                .policies
                .iter()
                .find(|p| p.arn.eq_ignore_ascii_case(&arn));
            let owned_or_new = match (change, existing) {
                (Change::CreatePolicy { name, .. }, _) => live.policy(name).is_none(),
                (Change::AdoptPolicy { .. }, Some(_)) => true,
                (_, Some(policy)) => ownership.marks(&policy.tags, policy.description.as_deref()),
                (_, None) => false,
            };
            if !owned_or_new {
                refusals.push(RefusalReason::Unmanaged {
                    change: change.to_string(),
                    name: arn,
                });
            }
        }
    }
    refusals
}

fn check_quotas(plan: &AccountPlan, after: &LiveAccount, quotas: &Quotas) -> Vec<RefusalReason> {
    let mut problems = Vec::new();
    let touched_roles: BTreeSet<String> = plan
        .changes
        .iter()
        .filter_map(|c| c.role())
        .map(str::to_ascii_lowercase)
        .collect();
    for role in after
        .roles
        .iter()
        .filter(|r| touched_roles.contains(&r.name.to_ascii_lowercase()))
    {
        let name = &role.name;
        let mut limit = |what: String, found: usize, max: usize| {
            if found > max {
                problems.push(RefusalReason::Quota(format!(
                    "role `{name}`: {what} is {found}, the limit is {max}"
                )));
            }
        };
        limit(
            "the name length".into(),
            name.chars().count(),
            quotas.role_name_chars,
        );
        limit(
            "the path length".into(),
            role.path.chars().count(),
            quotas.path_chars,
        );
        let description = role.description.as_deref().unwrap_or("");
        limit(
            "the description length".into(),
            description.chars().count(),
            quotas.description_chars,
        );
        limit(
            "the trust policy size".into(),
            iam_size(&role.trust_policy),
            quotas.trust_policy_chars,
        );
        let inline: usize = role.inline_policies.values().map(|d| iam_size(d)).sum();
        limit(
            "the size of all inline policies".into(),
            inline,
            quotas.role_inline_policies_chars,
        );
        limit(
            "the number of attached managed policies".into(),
            role.attached_policy_arns.len(),
            quotas.managed_policies_per_role,
        );
        limit(
            "the number of tags".into(),
            role.tags.len(),
            quotas.tags_per_role,
        );
        for (key, value) in &role.tags {
            limit(
                format!("the length of tag key `{key}`"),
                key.chars().count(),
                quotas.tag_key_chars,
            );
            limit(
                format!("the length of the value of tag `{key}`"),
                value.chars().count(),
                quotas.tag_value_chars,
            );
        }
        let session = role
            .max_session_duration
            .unwrap_or(quotas.min_session_seconds);
        if !(quotas.min_session_seconds..=quotas.max_session_seconds).contains(&session) {
            problems.push(RefusalReason::Quota(format!(
                "role `{name}`: max session duration {session} s is outside {}–{} s",
                quotas.min_session_seconds, quotas.max_session_seconds
            )));
        }
    }
    // Account-wide counts: only when the plan adds to them, so an account already over a
    // raised quota is not blocked from shrinking.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
    let creates = |wanted: fn(&Change) -> bool| plan.changes.iter().any(wanted);
    if creates(|c| matches!(c, Change::CreateRole { .. }))
        && after.roles.len() > quotas.roles_per_account
    {
        problems.push(RefusalReason::Quota(format!(
            "the account would have {} roles, the limit is {}",
            after.roles.len(),
            quotas.roles_per_account
        )));
    }
    if creates(|c| matches!(c, Change::CreatePolicy { .. }))
        && after.policies.len() > quotas.managed_policies_per_account
    {
        problems.push(RefusalReason::Quota(format!(
            "the account would have {} customer managed policies, the limit is {}",
            after.policies.len(),
            quotas.managed_policies_per_account
        )));
    }
    for change in &plan.changes {
        let (name, document) = match change {
            Change::CreatePolicy { name, document, .. } => (name.clone(), document),
            Change::CreatePolicyVersion { arn, document, .. } => (
                crate::change::policy_name_from_arn(arn).to_string(),
                document,
            ),
            _ => continue,
        };
        let size = iam_size(document);
        if size > quotas.managed_policy_chars {
            problems.push(RefusalReason::Quota(format!(
                "managed policy `{name}`: the document is {size} characters, the limit is {}",
                quotas.managed_policy_chars
            )));
        }
    }
    problems
}

/// Everything that forbids applying the SCP part of a plan to the organization's live SCPs.
pub fn check_scps(
    plan: &ScpPlan,
    live: &[LiveScp],
    ownership: &Ownership,
    quotas: &Quotas,
) -> Vec<RefusalReason> {
    let current = fingerprint_scps(live);
    if current != plan.fingerprint {
        return vec![RefusalReason::Stale {
            planned: plan.fingerprint.clone(),
            current,
        }];
    }
    let mut refusals = Vec::new();
    let mut attached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut crowded = BTreeSet::new();
    for scp in live {
        for target in &scp.targets {
            attached
                .entry(target.clone())
                .or_default()
                .insert(scp.name.to_ascii_lowercase());
        }
    }
    for change in &plan.changes {
        if let Change::AdoptScp { policy_id, .. } = change {
            if !live
                .iter()
                .any(|scp| &scp.id == policy_id && !scp.aws_managed)
            {
                refusals.push(RefusalReason::Unmanaged {
                    change: change.to_string(),
                    name: policy_id.clone(),
                });
            }
            continue;
        }
        let existing_id = match change {
            Change::UpdateScp { policy_id, .. }
            | Change::DetachScp { policy_id, .. }
            | Change::DeleteScp { policy_id, .. } => Some(policy_id),
            Change::AttachScp { policy_id, .. } => policy_id.as_ref(),
            _ => None,
        };
        let created_here = |name: &str| {
            plan.changes.iter().any(
                |c| matches!(c, Change::CreateScp { name: created, .. } if created.eq_ignore_ascii_case(name)),
            )
        };
        let by_name = match change {
            Change::DetachScp {
                name, policy_id, ..
            }
            | Change::DeleteScp { name, policy_id } => policy_id.is_empty() && created_here(name),
            _ => false,
        };
        if let (Some(id), false) = (existing_id, by_name) {
            let owned = live.iter().find(|scp| &scp.id == id).is_some_and(|scp| {
                !scp.aws_managed && ownership.marks(&BTreeMap::new(), Some(&scp.description))
            });
            if !owned {
                refusals.push(RefusalReason::Unmanaged {
                    change: change.to_string(),
                    name: id.clone(),
                });
            }
        }
        match change {
            Change::CreateScp { name, document, .. } | Change::UpdateScp { name, document, .. } => {
                if live.iter().any(|scp| scp.name.eq_ignore_ascii_case(name))
                    && matches!(change, Change::CreateScp { .. })
                {
                    refusals.push(RefusalReason::Unmanaged {
                        change: change.to_string(),
                        name: name.clone(),
                    });
                }
                let size = document.chars().count();
                if size > quotas.scp_chars {
                    refusals.push(RefusalReason::Quota(format!(
                        "scp `{name}`: the document is {size} characters as sent, the limit is {}",
                        quotas.scp_chars
                    )));
                }
            }
            Change::AttachScp {
                name, target_id, ..
            } => {
                let here = attached.entry(target_id.clone()).or_default();
                here.insert(name.to_ascii_lowercase());
                // AWS refuses the attachment itself, so a sixth SCP at any moment of the
                // apply fails there, not only at the end.
                if here.len() > quotas.scps_per_target && !crowded.contains(target_id) {
                    crowded.insert(target_id.clone());
                    refusals.push(RefusalReason::Quota(format!(
                        "target `{target_id}` would have {} SCPs attached at `{change}`, the limit is {}",
                        here.len(),
                        quotas.scps_per_target
                    )));
                }
            }
            Change::DetachScp {
                name, target_id, ..
            } => {
                attached
                    .entry(target_id.clone())
                    .or_default()
                    .remove(&name.to_ascii_lowercase());
            }
            _ => {}
        }
    }
    for (target, names) in attached {
        if names.len() > quotas.scps_per_target && !crowded.contains(&target) {
            refusals.push(RefusalReason::Quota(format!(
                "target `{target}` would have {} SCPs attached, the limit is {}",
                names.len(),
                quotas.scps_per_target
            )));
        }
    }
    refusals
}
