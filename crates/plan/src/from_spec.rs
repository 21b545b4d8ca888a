//! The desired side from rendered definitions: `warden_spec` renderings to planner inputs.

use warden_spec::defs::Config;
use warden_spec::render::{RenderedAccount, RenderedManagedPolicy, RenderedScp};

use crate::desired::{DesiredAccount, DesiredPolicy, DesiredRole, DesiredScp, Ownership};

/// Ownership settings from `warden.yaml`.
pub fn ownership(config: &Config) -> Ownership {
    Ownership {
        marker_key: config.managed_marker.key.clone(),
        marker_value: config.managed_marker.value.clone(),
        access_role_name: config.access_role_name.clone(),
    }
}

pub fn desired_account(rendered: &RenderedAccount) -> DesiredAccount {
    let roles = rendered
        .roles
        .iter()
        .map(|role| DesiredRole {
            name: role.name.clone(),
            path: role.path.clone(),
            description: role.description.clone().unwrap_or_default(),
            trust: role.trust.parsed.clone(),
            inline: role
                .inline
                .iter()
                .map(|(name, doc)| (name.clone(), doc.parsed.clone()))
                .collect(),
            managed_policy_arns: role.managed_policy_arns.iter().cloned().collect(),
            boundary_arn: role.boundary_arn.clone(),
            tags: role.tags.clone(),
            max_session_duration: role.max_session_duration,
            source: role.source.to_string(),
        })
        .collect();
    let policy = |policy: &RenderedManagedPolicy, boundary: bool| DesiredPolicy {
        name: policy.name.clone(),
        path: policy.path.clone(),
        description: policy.description.clone().unwrap_or_default(),
        document: policy.document.parsed.clone(),
        boundary,
        tags: policy.tags.clone(),
    };
    let policies = rendered
        .boundaries
        .iter()
        .map(|p| policy(p, true))
        .chain(rendered.policies.iter().map(|p| policy(p, false)))
        .collect();
    DesiredAccount {
        account_id: rendered.account.id.clone(),
        account_name: rendered.account.name.clone(),
        roles,
        policies,
    }
}

pub fn desired_scps(rendered: &[RenderedScp]) -> Vec<DesiredScp> {
    rendered
        .iter()
        .map(|scp| DesiredScp {
            name: scp.name.clone(),
            description: scp.description.clone().unwrap_or_default(),
            document: scp.document.parsed.clone(),
            target_ids: scp.target_ids.iter().cloned().collect(),
        })
        .collect()
}
