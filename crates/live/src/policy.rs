//! Customer managed policies with all their versions, and the organization's SCPs and RCPs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
    /// Not read by the AWS reader (one call per policy); empty unless a caller fills it.
    pub tags: BTreeMap<String, String>,
    pub attachment_count: u32,
    pub permissions_boundary_usage_count: u32,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub updated: Option<String>,
}

impl LiveManagedPolicy {
    /// The default version, if the version list holds it.
    pub fn default_version(&self) -> Option<&LivePolicyVersion> {
        self.versions.iter().find(|version| version.is_default)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePolicyVersion {
    pub version_id: String,
    pub is_default: bool,
    /// Decoded JSON text; empty when the reader did not read documents of non-default versions.
    #[serde(default)]
    pub document: String,
    #[serde(default)]
    pub created: Option<String>,
}

/// `v12` → 12, so versions sort numerically; unparsable ids sort last.
pub fn version_number(version_id: &str) -> u64 {
    version_id
        .trim_start_matches(['v', 'V'])
        .parse()
        .unwrap_or(u64::MAX)
}

/// A service control policy (or resource control policy) of the organization with the targets
/// (root, OU or account ids) it is attached to.
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
