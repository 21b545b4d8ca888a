//! What a failed change stops: the later changes that depend on it (the same role, the policy
//! it creates or detaches, the SCP it creates), and nothing else. Apply goes on with the rest of
//! the account, so one failed call no longer leaves every later role without its permissions.

use crate::change::{Change, policy_name_from_arn};

/// The managed policy a change creates, changes, deletes, attaches or detaches, by name.
fn policy_name(change: &Change) -> Option<&str> {
    match change {
        Change::CreatePolicy { name, .. } => Some(name),
        Change::CreatePolicyVersion { arn, .. }
        | Change::DeletePolicy { arn, .. }
        | Change::AttachPolicy { arn, .. }
        | Change::DetachPolicy { arn, .. }
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
