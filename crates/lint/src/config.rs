//! Settings the rules read: allowed regions, required tags, administrator roles and IAM quotas.
//! Filled from `warden.yaml` by the caller; the defaults are AWS's default quotas.

use serde::{Deserialize, Serialize};

use warden_policy::Quotas;

/// What the organization requires, from `warden.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct LintConfig {
    /// Regions resources and `aws:RequestedRegion` may name; empty means no restriction.
    pub allowed_regions: Vec<String>,
    /// Tag keys every role must carry.
    pub required_tags: Vec<String>,
    /// Role names (IAM wildcards allowed) that are administrators: no boundary required.
    pub admin_roles: Vec<String>,
    pub quotas: Quotas,
}

impl LintConfig {
    /// Is `role_name` declared an administrator role?
    pub fn is_admin_role(&self, role_name: &str) -> bool {
        self.admin_roles.iter().any(|pattern| {
            warden_policy::wildcard::matches(
                pattern,
                role_name,
                warden_policy::wildcard::Case::Insensitive,
            )
        })
    }

    /// Is `region` allowed? Always true when no list is configured.
    pub fn region_allowed(&self, region: &str) -> bool {
        self.allowed_regions.is_empty()
            || self
                .allowed_regions
                .iter()
                .any(|allowed| allowed.eq_ignore_ascii_case(region))
    }
}
