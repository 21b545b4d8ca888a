//! What a failed change stops: the later changes that depend on it (the same role, the policy
//! it creates or detaches, the SCP it creates), and nothing else. Apply goes on with the rest of
//! the account, so one failed call no longer leaves every later role without its permissions.
//! And the phases an account's changes are applied in, so that no moment of an apply grants
//! more than both the old and the new state.

use serde::{Deserialize, Serialize};

use crate::account::AccountPlan;
use crate::change::{Change, policy_name_from_arn};

/// Where a change sits in an account's apply order. Changes run phase by phase, in this order:
/// every prefix of an apply then grants at most what the old or the new state grants (access
/// is monotone in each policy, trust and boundary; see [`crate::direction`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Grants nothing: the managed marker on adopted objects, policies created unattached.
    Prepare,
    /// Removals and narrowed documents: detach, delete inline policies and roles, narrower
    /// policy versions and inline policies.
    Narrow,
    /// Trust and boundaries that narrow (a trust that is swapped while the role's permissions
    /// also change is closed here, and opened to its new principals in `widen`).
    NarrowTrust,
    /// Documents that both gain and lose, after narrowing and before widening; descriptions,
    /// session durations and tags.
    Mixed,
    /// Wider documents, attachments and inline policies on kept roles, wider trust, boundaries
    /// removed.
    Widen,
    /// New roles, each complete (trust, boundary, inline and attached policies) before the next.
    Create,
    /// Policies deleted once nothing uses them.
    Cleanup,
}

impl Phase {
    /// The phase's number as the plan shows it (1-based).
    pub fn number(self) -> usize {
        self as usize + 1
    }

    /// Whether an SCP change in this phase runs before the member accounts' IAM changes
    /// (`prepare`, `narrow`) or after all of them (`widen`, `clean up`); see
    /// [`crate::scp::plan_scps`].
    pub fn before_accounts(self) -> bool {
        self <= Phase::Mixed
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Prepare => "prepare",
            Phase::Narrow => "narrow",
            Phase::NarrowTrust => "narrow trust",
            Phase::Mixed => "swap",
            Phase::Widen => "widen",
            Phase::Create => "create",
            Phase::Cleanup => "clean up",
        }
    }
}

/// The plan's apply order for one account as one line, e.g.
/// `apply order: 2 narrow (1) → 5 widen (2) → 6 create (3)`; `None` without changes or with
/// phases that do not match the changes (a plan saved before phases, or filtered).
pub fn apply_order(plan: &AccountPlan) -> Option<String> {
    if plan.changes.is_empty() || plan.phases.len() != plan.changes.len() {
        return None;
    }
    let mut groups: Vec<(Phase, usize)> = Vec::new();
    for phase in &plan.phases {
        match groups.last_mut() {
            Some((last, count)) if last == phase => *count += 1,
            _ => groups.push((*phase, 1)),
        }
    }
    let steps: Vec<String> = groups
        .iter()
        .map(|(phase, count)| format!("{} {} ({count})", phase.number(), phase.label()))
        .collect();
    Some(format!("apply order: {}", steps.join(" → ")))
}

/// The organization's SCP apply order as one line, e.g.
/// `apply order: 2 narrow (1), then the accounts' IAM changes, then 5 widen (1) → 7 clean up (1)`;
/// `None` without changes or phases.
pub fn scp_apply_order(plan: &crate::scp::ScpPlan) -> Option<String> {
    if plan.changes.is_empty() || plan.phases.len() != plan.changes.len() {
        return None;
    }
    let mut groups: Vec<(Phase, usize)> = Vec::new();
    for phase in &plan.phases {
        match groups.last_mut() {
            Some((last, count)) if last == phase => *count += 1,
            _ => groups.push((*phase, 1)),
        }
    }
    let show = |groups: &[(Phase, usize)]| {
        groups
            .iter()
            .map(|(phase, count)| format!("{} {} ({count})", phase.number(), phase.label()))
            .collect::<Vec<_>>()
            .join(" → ")
    };
    let split = groups
        .iter()
        .position(|(phase, _)| !phase.before_accounts())
        .unwrap_or(groups.len());
    let (before, after) = groups.split_at(split);
    let mut line = String::from("apply order: ");
    if !before.is_empty() {
        line.push_str(&show(before));
        line.push_str(", then ");
    }
    line.push_str("the accounts' IAM changes");
    if !after.is_empty() {
        line.push_str(", then ");
        line.push_str(&show(after));
    }
    Some(line)
}

/// The managed policy a change creates, changes, deletes, attaches or detaches, by name.
fn policy_name(change: &Change) -> Option<&str> {
    match change {
        Change::CreatePolicy { name, .. } => Some(name),
        Change::CreatePolicyVersion { arn, .. }
        | Change::DeletePolicy { arn, .. }
        | Change::AttachPolicy { arn, .. }
        | Change::DetachPolicy { arn, .. }
        | Change::TagPolicy { arn, .. }
        | Change::UntagPolicy { arn, .. }
        | Change::PutBoundary { arn, .. } => Some(policy_name_from_arn(arn)),
        _ => None,
    }
}

fn scp_name(change: &Change) -> Option<&str> {
    match change {
        Change::CreateScp { name, .. }
        | Change::UpdateScp { name, .. }
        | Change::AttachScp { name, .. }
        | Change::DetachScp { name, .. }
        | Change::DeleteScp { name, .. } => Some(name),
        _ => None,
    }
}

fn same(a: Option<&str>, b: Option<&str>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

/// Whether `later` must not run once `failed` failed:
/// - anything on the same role (a role is made complete in order, or not touched further);
/// - a change using a policy whose creation or new version failed (attaching it would grant
///   what the plan did not review, or nothing), and the deletion of a policy whose detach
///   failed (still attached);
/// - any later change of the same SCP.
pub fn depends_on(later: &Change, failed: &Change) -> bool {
    if same(later.role(), failed.role()) {
        return true;
    }
    if same(scp_name(later), scp_name(failed)) {
        return true;
    }
    let blocks = match failed {
        Change::CreatePolicy { .. } | Change::CreatePolicyVersion { .. } => true,
        Change::DetachPolicy { .. } => matches!(later, Change::DeletePolicy { .. }),
        _ => false,
    };
    blocks && same(policy_name(later), policy_name(failed))
}

/// Whether `later`, in `later_phase`, must not run once `failed`, in `failed_phase`, failed,
/// beyond [`depends_on`]: a widening may only run once the narrowings and swaps it could
/// combine with have. A failed narrowing or swap of a managed policy stops every widening of
/// kept roles (which roles use the policy is not part of the plan); a failed one of a role
/// stops that role's widenings through [`depends_on`].
pub fn waits_for(later_phase: Phase, failed: &Change, failed_phase: Phase) -> bool {
    later_phase == Phase::Widen
        && matches!(
            failed_phase,
            Phase::Narrow | Phase::NarrowTrust | Phase::Mixed
        )
        && failed.role().is_none()
}

/// What stops `later` (at `phase`, when the plan has phases) among the `failed` changes with
/// their phases.
pub fn blocked_in_order<'a>(
    later: &Change,
    phase: Option<Phase>,
    failed: &'a [(Change, Option<Phase>)],
) -> Option<&'a Change> {
    failed
        .iter()
        .find(|(change, failed_phase)| {
            depends_on(later, change)
                || matches!((phase, failed_phase), (Some(later), Some(earlier)) if waits_for(later, change, *earlier))
        })
        .map(|(change, _)| change)
}

/// Whether `later` depends on any of `failed`.
pub fn blocked_by<'a>(later: &Change, failed: &'a [Change]) -> Option<&'a Change> {
    failed.iter().find(|failed| depends_on(later, failed))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn create_role(name: &str) -> Change {
        Change::CreateRole {
            name: name.into(),
            path: "/".into(),
            description: String::new(),
            trust: "{}".into(),
            boundary_arn: None,
            tags: BTreeMap::new(),
            max_session_duration: 3600,
        }
    }

    fn put(role: &str) -> Change {
        Change::PutInlinePolicy {
            role: role.into(),
            policy_name: "p".into(),
            document: "{}".into(),
            delta: None,
        }
    }

    #[test]
    fn a_failure_stops_its_role_and_the_policies_it_needed_only() {
        let failed = create_role("builder");
        assert!(depends_on(&put("builder"), &failed));
        assert!(
            depends_on(&put("BUILDER"), &failed),
            "role names are case-insensitive"
        );
        assert!(!depends_on(&put("reader"), &failed));
        let policy = Change::CreatePolicy {
            name: "shared".into(),
            path: "/".into(),
            description: String::new(),
            document: "{}".into(),
            tags: BTreeMap::new(),
            boundary: false,
        };
        let attach = Change::AttachPolicy {
            role: "reader".into(),
            arn: "arn:aws:iam::111111111111:policy/shared".into(),
        };
        assert!(depends_on(&attach, &policy));
        let detach = Change::DetachPolicy {
            role: "old".into(),
            arn: "arn:aws:iam::111111111111:policy/shared".into(),
        };
        let delete = Change::DeletePolicy {
            arn: "arn:aws:iam::111111111111:policy/shared".into(),
            non_default_versions: Vec::new(),
        };
        assert!(depends_on(&delete, &detach));
        assert!(
            !depends_on(&attach, &detach),
            "another role may still attach it"
        );
        let failures = [create_role("builder")];
        assert!(blocked_by(&put("builder"), &failures).is_some());
        assert!(blocked_by(&put("reader"), &failures).is_none());
    }
}
