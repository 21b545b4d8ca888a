//! The one table of IAM and Organizations quotas Warden checks before apply: AWS defaults as
//! constants, and [`Quotas`] for the values an organization has raised.
//!
//! IAM: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
//! Organizations: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html

use serde::{Deserialize, Serialize};

/// Role trust policy, characters without whitespace (adjustable).
pub const TRUST_POLICY_CHARS: usize = 2_048;
/// Role trust policy after the largest quota increase.
pub const TRUST_POLICY_CHARS_MAX: usize = 4_096;
/// All inline policies of one role together, characters without whitespace.
pub const ROLE_INLINE_POLICIES_CHARS: usize = 10_240;
/// All inline policies of one user together, characters without whitespace.
pub const USER_INLINE_POLICIES_CHARS: usize = 2_048;
/// All inline policies of one group together, characters without whitespace.
pub const GROUP_INLINE_POLICIES_CHARS: usize = 5_120;
/// One customer managed policy (also a permission boundary), characters without whitespace.
pub const MANAGED_POLICY_CHARS: usize = 6_144;
/// Managed policies attached to one role (adjustable).
pub const MANAGED_POLICIES_PER_ROLE: usize = 10;
/// Managed policies attached to one role after the largest quota increase.
pub const MANAGED_POLICIES_PER_ROLE_MAX: usize = 20;
/// Roles in one account (adjustable).
pub const ROLES_PER_ACCOUNT: usize = 1_000;
/// Customer managed policies in one account (adjustable).
pub const MANAGED_POLICIES_PER_ACCOUNT: usize = 1_500;
/// Versions kept per managed policy.
pub const POLICY_VERSIONS: usize = 5;
/// Tags on one role.
pub const TAGS_PER_ROLE: usize = 50;
/// Characters of a tag key.
pub const TAG_KEY_CHARS: usize = 128;
/// Characters of a tag value.
pub const TAG_VALUE_CHARS: usize = 256;
/// Characters of a role name.
pub const ROLE_NAME_CHARS: usize = 64;
/// Characters of a role or policy path.
pub const PATH_CHARS: usize = 512;
/// Characters of a role description.
pub const DESCRIPTION_CHARS: usize = 1_000;
/// Shortest maximum session duration a role can have (1 hour).
pub const MIN_SESSION_SECONDS: u32 = 3_600;
/// Longest maximum session duration a role can have (12 hours).
pub const MAX_SESSION_SECONDS: u32 = 43_200;
/// One service control policy, characters as sent (whitespace counted).
pub const SCP_CHARS: usize = 5_120;
/// One resource control policy, characters as sent (whitespace counted).
pub const RCP_CHARS: usize = 5_120;
/// SCPs attached to one root, OU or account.
pub const SCPS_PER_TARGET: usize = 5;

/// The quotas in effect for an organization: AWS defaults unless raised. Policy sizes are
/// characters IAM counts (whitespace excluded) except SCPs, counted as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
#[expect(
    missing_docs,
    reason = "each field is the quota of the same-named constant"
)]
pub struct Quotas {
    pub trust_policy_chars: usize,
    #[serde(alias = "inline_policies_chars")]
    pub role_inline_policies_chars: usize,
    pub managed_policy_chars: usize,
    #[serde(alias = "attached_policies_per_role")]
    pub managed_policies_per_role: usize,
    pub roles_per_account: usize,
    pub managed_policies_per_account: usize,
    pub policy_versions: usize,
    pub tags_per_role: usize,
    pub tag_key_chars: usize,
    pub tag_value_chars: usize,
    pub role_name_chars: usize,
    pub path_chars: usize,
    pub description_chars: usize,
    pub min_session_seconds: u32,
    pub max_session_seconds: u32,
    pub scp_chars: usize,
    pub rcp_chars: usize,
    pub scps_per_target: usize,
}

impl Default for Quotas {
    fn default() -> Quotas {
        Quotas {
            trust_policy_chars: TRUST_POLICY_CHARS,
            role_inline_policies_chars: ROLE_INLINE_POLICIES_CHARS,
            managed_policy_chars: MANAGED_POLICY_CHARS,
            managed_policies_per_role: MANAGED_POLICIES_PER_ROLE,
            roles_per_account: ROLES_PER_ACCOUNT,
            managed_policies_per_account: MANAGED_POLICIES_PER_ACCOUNT,
            policy_versions: POLICY_VERSIONS,
            tags_per_role: TAGS_PER_ROLE,
            tag_key_chars: TAG_KEY_CHARS,
            tag_value_chars: TAG_VALUE_CHARS,
            role_name_chars: ROLE_NAME_CHARS,
            path_chars: PATH_CHARS,
            description_chars: DESCRIPTION_CHARS,
            min_session_seconds: MIN_SESSION_SECONDS,
            max_session_seconds: MAX_SESSION_SECONDS,
            scp_chars: SCP_CHARS,
            rcp_chars: RCP_CHARS,
            scps_per_target: SCPS_PER_TARGET,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_aws_defaults() {
        let quotas = Quotas::default();
        assert_eq!(quotas.roles_per_account, 1_000);
        assert_eq!(quotas.managed_policies_per_role, 10);
        assert_eq!(quotas.managed_policy_chars, 6_144);
        assert_eq!(quotas.policy_versions, 5);
        assert_eq!(quotas.scp_chars, 5_120);
    }

    #[test]
    fn older_field_names_still_read() {
        let quotas: Quotas = serde_json::from_str(
            r#"{"inline_policies_chars": 1, "attached_policies_per_role": 20}"#,
        )
        .unwrap();
        assert_eq!(quotas.role_inline_policies_chars, 1);
        assert_eq!(quotas.managed_policies_per_role, 20);
        assert_eq!(quotas.trust_policy_chars, TRUST_POLICY_CHARS);
    }
}
