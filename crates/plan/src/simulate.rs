//! Applies changes to a copy of the live state, in order, checking each one's preconditions
//! as IAM would. Apply uses it to check quotas on the state after the plan; tests use it to
//! prove that plans are ordered correctly and converge.

use crate::change::Change;
use crate::desired::Ownership;
use crate::live::{LiveAccount, LiveManagedPolicy, LivePolicyVersion, LiveRole};
use warden_policy::Arn;

/// A change whose precondition does not hold in the state reached before it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("change {index} `{change}`: {reason}")]
pub struct SimulationError {
    pub index: usize,
    pub change: String,
    pub reason: String,
}

/// The account after `changes`, or the first change that IAM would refuse.
pub fn simulate_account(
    live: &LiveAccount,
    changes: &[Change],
    ownership: &Ownership,
) -> Result<LiveAccount, SimulationError> {
    let mut state = live.clone();
    for (index, change) in changes.iter().enumerate() {
        step(&mut state, change, ownership).map_err(|reason| SimulationError {
            index,
            change: change.to_string(),
            reason,
        })?;
    }
    Ok(state)
}

fn role_mut<'a>(state: &'a mut LiveAccount, name: &str) -> Result<&'a mut LiveRole, String> {
    state
        .roles
        .iter_mut()
        .find(|role| role.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("role `{name}` does not exist"))
}

fn policy_mut<'a>(
    state: &'a mut LiveAccount,
    arn: &str,
) -> Result<&'a mut LiveManagedPolicy, String> {
    state
        .policies
        .iter_mut()
        .find(|policy| policy.arn == arn)
        .ok_or_else(|| format!("policy `{arn}` does not exist"))
}

/// A policy ARN of this account must name an existing policy; AWS managed and other
/// accounts' ARNs are taken as given.
fn require_policy(state: &LiveAccount, arn: &str) -> Result<(), String> {
    let own = Arn::parse(arn).is_ok_and(|parsed| {
        parsed.service == "iam"
            && parsed.account == state.account_id
            && parsed.resource_type() == Some("policy")
    });
    if own && !state.policies.iter().any(|p| p.arn == arn) {
        return Err(format!("policy `{arn}` does not exist yet"));
    }
    Ok(())
}

fn step(state: &mut LiveAccount, change: &Change, ownership: &Ownership) -> Result<(), String> {
    match change {
        Change::CreatePolicy {
            name,
            path,
            description,
            document,
            tags,
            ..
        } => {
            if state.policy(name).is_some() {
                return Err(format!("policy `{name}` already exists"));
            }
            let arn =
                Arn::managed_policy(state.partition(), &state.account_id, path, name).to_string();
            state.policies.push(LiveManagedPolicy {
                name: name.clone(),
                path: path.clone(),
                arn,
                policy_id: format!("SIMULATED{name}"),
                description: Some(description.clone()),
                default_version_id: "v1".into(),
                document: document.clone(),
                versions: vec![LivePolicyVersion {
                    version_id: "v1".into(),
                    is_default: true,
                    document: document.clone(),
                    created: None,
                }],
                tags: tags.clone(),
                attachment_count: 0,
                permissions_boundary_usage_count: 0,
                created: None,
                updated: None,
            });
        }
        Change::CreatePolicyVersion {
            arn,
            document,
            prune_version,
            ..
        } => {
            let policy = policy_mut(state, arn)?;
            if let Some(prune) = prune_version {
                let Some(position) = policy
                    .versions
                    .iter()
                    .position(|v| &v.version_id == prune && !v.is_default)
                else {
                    return Err(format!("version `{prune}` is not a non-default version"));
                };
                policy.versions.remove(position);
            }
            if policy.versions.len() >= 5 {
                return Err("the policy already has five versions".into());
            }
            let next = policy
                .versions
                .iter()
                .filter_map(|v| v.version_id.trim_start_matches('v').parse::<u64>().ok())
                .max()
                .unwrap_or(0)
                + 1;
            for version in &mut policy.versions {
                version.is_default = false;
            }
            let id = format!("v{next}");
            policy.versions.push(LivePolicyVersion {
                version_id: id.clone(),
                is_default: true,
                document: document.clone(),
                created: None,
            });
            policy.default_version_id = id;
            policy.document = document.clone();
        }
        Change::DeletePolicy { arn, .. } => {
            let in_use = state.roles.iter().find(|role| {
                role.attached_policy_arns.contains(arn)
                    || role.permissions_boundary_arn.as_deref() == Some(arn)
            });
            if let Some(role) = in_use {
                return Err(format!("policy is still used by role `{}`", role.name));
            }
            let policy = policy_mut(state, arn)?;
            if policy.attachment_count > 0 || policy.permissions_boundary_usage_count > 0 {
                return Err("policy is still attached to users or groups".into());
            }
            state.policies.retain(|policy| &policy.arn != arn);
        }
        Change::CreateRole {
            name,
            path,
            description,
            trust,
            boundary_arn,
            tags,
            max_session_duration,
        } => {
            if state.role(name).is_some() {
                return Err(format!("role `{name}` already exists"));
            }
            if let Some(boundary) = boundary_arn {
                require_policy(state, boundary)?;
                count_use(state, boundary, true, 1);
            }
            state.roles.push(LiveRole {
                name: name.clone(),
                path: path.clone(),
                arn: Arn::role(state.partition(), &state.account_id, path, name).to_string(),
                role_id: format!("SIMULATED{name}"),
                trust_policy: trust.clone(),
                description: Some(description.clone()).filter(|d| !d.is_empty()),
                max_session_duration: Some(*max_session_duration),
                permissions_boundary_arn: boundary_arn.clone(),
                tags: tags.clone(),
                inline_policies: Default::default(),
                attached_policy_arns: Vec::new(),
                created: None,
                role_last_used: None,
            });
        }
        Change::UpdateTrust { role, document, .. } => {
            role_mut(state, role)?.trust_policy = document.clone()
        }
        Change::UpdateRole {
            role,
            description,
            max_session_duration,
        } => {
            let role = role_mut(state, role)?;
            role.description = Some(description.clone()).filter(|d| !d.is_empty());
            role.max_session_duration = Some(*max_session_duration);
        }
        Change::PutInlinePolicy {
            role,
            policy_name,
            document,
            ..
        } => {
            role_mut(state, role)?
                .inline_policies
                .insert(policy_name.clone(), document.clone());
        }
        Change::DeleteInlinePolicy { role, policy_name } => {
            if role_mut(state, role)?
                .inline_policies
                .remove(policy_name)
                .is_none()
            {
                return Err(format!("inline policy `{policy_name}` does not exist"));
            }
        }
        Change::AttachPolicy { role, arn } => {
            require_policy(state, arn)?;
            let role = role_mut(state, role)?;
            if !role.attached_policy_arns.contains(arn) {
                role.attached_policy_arns.push(arn.clone());
                role.attached_policy_arns.sort();
                count_use(state, arn, false, 1);
            }
        }
        Change::DetachPolicy { role, arn } => {
            let role = role_mut(state, role)?;
            let before = role.attached_policy_arns.len();
            role.attached_policy_arns.retain(|attached| attached != arn);
            if role.attached_policy_arns.len() == before {
                return Err(format!("policy `{arn}` is not attached"));
            }
            count_use(state, arn, false, -1);
        }
        Change::PutBoundary { role, arn } => {
            require_policy(state, arn)?;
            let previous = role_mut(state, role)?
                .permissions_boundary_arn
                .replace(arn.clone());
            if let Some(previous) = previous {
                count_use(state, &previous, true, -1);
            }
            count_use(state, arn, true, 1);
        }
        Change::DeleteBoundary { role } => {
            if let Some(previous) = role_mut(state, role)?.permissions_boundary_arn.take() {
                count_use(state, &previous, true, -1);
            }
        }
        Change::TagRole { role, tags } => role_mut(state, role)?.tags.extend(tags.clone()),
        Change::UntagRole { role, keys } => {
            let role = role_mut(state, role)?;
            for key in keys {
                role.tags.remove(key);
            }
        }
        Change::DeleteRole { role } => {
            let existing = role_mut(state, role)?;
            if !existing.inline_policies.is_empty() || !existing.attached_policy_arns.is_empty() {
                return Err("the role still has inline or attached policies".into());
            }
            if ownership.is_access_role(role) {
                return Err("the access role is never deleted".into());
            }
            if let Some(boundary) = existing.permissions_boundary_arn.clone() {
                count_use(state, &boundary, true, -1);
            }
            state.roles.retain(|r| !r.name.eq_ignore_ascii_case(role));
        }
        Change::AdoptRole { role, tags } => role_mut(state, role)?.tags.extend(tags.clone()),
        Change::AdoptPolicy { arn, tags } | Change::TagPolicy { arn, tags } => {
            policy_mut(state, arn)?.tags.extend(tags.clone())
        }
        Change::UntagPolicy { arn, keys } => {
            let policy = policy_mut(state, arn)?;
            for key in keys {
                policy.tags.remove(key);
            }
        }
        Change::CreateScp { .. }
        | Change::UpdateScp { .. }
        | Change::AttachScp { .. }
        | Change::DetachScp { .. }
        | Change::DeleteScp { .. }
        | Change::AdoptScp { .. } => return Err("an SCP change in an account plan".into()),
    }
    Ok(())
}

/// Keeps a policy's attachment or boundary-usage count in step with the roles.
fn count_use(state: &mut LiveAccount, arn: &str, boundary: bool, delta: i64) {
    if let Some(policy) = state.policies.iter_mut().find(|p| p.arn == arn) {
        let count = if boundary {
            &mut policy.permissions_boundary_usage_count
        } else {
            &mut policy.attachment_count
        };
        *count = u32::try_from((i64::from(*count) + delta).max(0)).unwrap_or(0);
    }
}
