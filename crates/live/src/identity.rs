//! Roles, users and groups with their policies and credentials' metadata (never a secret).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveRole {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub role_id: String,
    /// The trust policy, decoded JSON text.
    pub trust_policy: String,
    pub description: Option<String>,
    /// Seconds.
    pub max_session_duration: Option<u32>,
    pub permissions_boundary_arn: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Inline policy name → decoded JSON text.
    pub inline_policies: BTreeMap<String, String>,
    /// Attached managed policy ARNs, sorted.
    pub attached_policy_arns: Vec<String>,
    /// When the role was created; `None` when not known (a simulated role).
    #[serde(default)]
    pub created: Option<String>,
    /// When the role was last assumed; `None` when IAM has no record (never, or before IAM's
    /// tracking period) or it was not read.
    #[serde(default)]
    pub role_last_used: Option<RoleLastUsed>,
}

impl LiveRole {
    /// Service-linked roles are managed by AWS services, never by Warden.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }

    /// Roles IAM Identity Center creates for permission sets (`/aws-reserved/`).
    pub fn is_sso_reserved(&self) -> bool {
        self.path.starts_with("/aws-reserved/")
    }
}

/// `RoleLastUsed` of GetAccountAuthorizationDetails.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleLastUsed {
    pub date: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveUser {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub user_id: String,
    pub created: String,
    /// When the console password was last used (the credential report's `password_last_used`);
    /// `None` when never or unknown.
    pub password_last_used: Option<String>,
    /// Group names, sorted.
    pub groups: Vec<String>,
    /// Inline policy name → decoded JSON text.
    pub inline_policies: BTreeMap<String, String>,
    /// Attached managed policy ARNs, sorted.
    pub attached_policy_arns: Vec<String>,
    pub permissions_boundary_arn: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// `None`: the user has no console password.
    pub login_profile: Option<LoginProfile>,
    /// Sorted by serial number.
    pub mfa_devices: Vec<MfaDevice>,
    /// Oldest first.
    pub access_keys: Vec<AccessKey>,
}

/// A console password exists; the password itself is never read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginProfile {
    pub created: Option<String>,
    pub password_reset_required: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaDevice {
    /// The device ARN for virtual and FIDO devices, the serial number for hardware tokens.
    pub serial_number: String,
    /// When the device was enabled for the user.
    pub enabled: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyStatus {
    #[default]
    Active,
    Inactive,
}

/// An access key's metadata. Only the last four characters of the id are kept: enough to tell
/// keys apart in a report, useless to an attacker. The secret is never read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    /// Last four characters of the access key id.
    pub id_suffix: String,
    pub status: KeyStatus,
    pub created: String,
    /// `None`: never used, or IAM has no record.
    pub last_used: Option<AccessKeyLastUsed>,
}

impl AccessKey {
    /// The last four characters of an access key id: the only part Warden keeps.
    pub fn suffix_of(access_key_id: &str) -> String {
        let chars: Vec<char> = access_key_id.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeyLastUsed {
    pub date: String,
    pub service: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveGroup {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub group_id: String,
    pub created: String,
    /// Inline policy name → decoded JSON text.
    pub inline_policies: BTreeMap<String, String>,
    /// Attached managed policy ARNs, sorted.
    pub attached_policy_arns: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_four_characters_of_a_key_id_are_kept() {
        assert_eq!(AccessKey::suffix_of("AKIAIOSFODNN7EXAMPLE"), "MPLE");
        assert_eq!(AccessKey::suffix_of("AB"), "AB");
    }
}
