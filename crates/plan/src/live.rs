//! Live IAM state of accounts as read by the AWS adapter: plain data, no SDK types. Documents
//! are kept as decoded JSON text; comparison is semantic and happens elsewhere.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use warden_policy::{Arn, Partition};

/// IAM roles and customer managed policies of one member account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveAccount {
    pub account_id: String,
    pub roles: Vec<LiveRole>,
    pub policies: Vec<LiveManagedPolicy>,
}

impl LiveAccount {
    /// The account's partition, read from the ARNs IAM returned (every account has at least the
    /// access role); `aws` when there is none.
    pub fn partition(&self) -> Partition {
        self.roles
            .iter()
            .map(|role| role.arn.as_str())
            .chain(self.policies.iter().map(|policy| policy.arn.as_str()))
            .find_map(|arn| Arn::parse(arn).ok()?.known_partition())
            .unwrap_or_default()
    }

    /// Role names are unique per account, case-insensitively.
    pub fn role(&self, name: &str) -> Option<&LiveRole> {
        self.roles
            .iter()
            .find(|role| role.name.eq_ignore_ascii_case(name))
    }

    /// Managed policy names are unique per account, case-insensitively.
    pub fn policy(&self, name: &str) -> Option<&LiveManagedPolicy> {
        self.policies
            .iter()
            .find(|policy| policy.name.eq_ignore_ascii_case(name))
    }
}

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
}

impl LiveRole {
    /// Service-linked roles are managed by AWS services, never by Warden.
    pub fn is_service_linked(&self) -> bool {
        self.path.starts_with("/aws-service-role/")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveManagedPolicy {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub policy_id: String,
    pub description: Option<String>,
    pub default_version_id: String,
    /// The default version's document, decoded JSON text.
    pub document: String,
    /// All versions, oldest first.
    pub versions: Vec<LivePolicyVersion>,
    /// Not read (it would cost one call per policy); empty unless a caller fills it.
    pub tags: BTreeMap<String, String>,
    pub attachment_count: u32,
    pub permissions_boundary_usage_count: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePolicyVersion {
    pub version_id: String,
    pub is_default: bool,
}

/// A service control policy of the organization with the targets (root, OU or account ids) it
/// is attached to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveScp {
    /// `p-…`
    pub id: String,
    pub name: String,
    pub description: String,
    /// Decoded JSON text.
    pub content: String,
    /// AWS managed (e.g. `FullAWSAccess`): never changed by Warden.
    pub aws_managed: bool,
    pub targets: Vec<String>,
}
