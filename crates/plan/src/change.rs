//! The changes a plan is made of: one IAM or Organizations API operation each, fully
//! self-contained (documents as the exact JSON text to send) so a saved plan applies as written.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use warden_policy::{Arn, Partition};

/// How a change shows in the table: `+` create, `~` update, `-` delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Delete,
}

impl Action {
    pub fn symbol(self) -> char {
        match self {
            Action::Create => '+',
            Action::Update => '~',
            Action::Delete => '-',
        }
    }
}

/// What a policy document change grants or takes away, from `warden_policy::diff`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentDelta {
    pub actions_gained: Vec<String>,
    pub actions_lost: Vec<String>,
    pub resources_gained: Vec<String>,
    pub resources_lost: Vec<String>,
    /// Conditions, principals or effects changed in a way the four lists do not show.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<String>,
}

impl DocumentDelta {
    pub fn is_empty(&self) -> bool {
        self.actions_gained.is_empty()
            && self.actions_lost.is_empty()
            && self.resources_gained.is_empty()
            && self.resources_lost.is_empty()
            && self.other.is_empty()
    }
}

/// One operation against one account's IAM (or the organization, for SCPs).
///
/// Documents are minified JSON text: what the planner compared is what apply sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// CreatePolicy with the managed marker tag (a permission policy or a boundary).
    CreatePolicy {
        name: String,
        path: String,
        description: String,
        document: String,
        tags: BTreeMap<String, String>,
        /// Used as a permissions boundary (shown differently; same API).
        boundary: bool,
    },
    /// CreatePolicyVersion set as default; `prune_version` is deleted first when five exist.
    CreatePolicyVersion {
        arn: String,
        document: String,
        prune_version: Option<String>,
        delta: DocumentDelta,
    },
    /// Delete the non-default versions, then the policy (after every detach in the plan).
    DeletePolicy {
        arn: String,
        non_default_versions: Vec<String>,
    },
    /// CreateRole with trust, boundary, tags, description and max session in one call.
    CreateRole {
        name: String,
        path: String,
        description: String,
        trust: String,
        boundary_arn: Option<String>,
        tags: BTreeMap<String, String>,
        max_session_duration: u32,
    },
    UpdateTrust {
        role: String,
        document: String,
        delta: DocumentDelta,
    },
    /// UpdateRole: description and maximum session duration together.
    UpdateRole {
        role: String,
        description: String,
        max_session_duration: u32,
    },
    PutInlinePolicy {
        role: String,
        policy_name: String,
        document: String,
        /// `None` for a new inline policy.
        delta: Option<DocumentDelta>,
    },
    DeleteInlinePolicy {
        role: String,
        policy_name: String,
    },
    AttachPolicy {
        role: String,
        arn: String,
    },
    DetachPolicy {
        role: String,
        arn: String,
    },
    PutBoundary {
        role: String,
        arn: String,
    },
    DeleteBoundary {
        role: String,
    },
    TagRole {
        role: String,
        tags: BTreeMap<String, String>,
    },
    UntagRole {
        role: String,
        keys: Vec<String>,
    },
    /// TagPolicy: the definition's tags on a customer managed policy or boundary.
    TagPolicy {
        arn: String,
        tags: BTreeMap<String, String>,
    },
    /// UntagPolicy: tags the definition no longer has.
    UntagPolicy {
        arn: String,
        keys: Vec<String>,
    },
    /// Only after its inline policies are deleted and managed policies detached.
    DeleteRole {
        role: String,
    },
    /// CreatePolicy (Organizations). Ownership is the description mark: SCP tags are not read
    /// back with the policy, so they would prove nothing.
    CreateScp {
        name: String,
        description: String,
        document: String,
    },
    /// UpdatePolicy: content and description.
    UpdateScp {
        policy_id: String,
        name: String,
        description: String,
        document: String,
        delta: DocumentDelta,
    },
    /// `policy_id` is `None` when the SCP is created by the same plan (apply resolves it by name).
    AttachScp {
        name: String,
        policy_id: Option<String>,
        target_id: String,
    },
    DetachScp {
        name: String,
        policy_id: String,
        target_id: String,
    },
    /// Only after it is detached from every target.
    DeleteScp {
        name: String,
        policy_id: String,
    },
    /// TagRole with the managed marker on a hand-made role equal to its definition: Warden
    /// takes it over and changes nothing else.
    AdoptRole {
        role: String,
        tags: BTreeMap<String, String>,
    },
    /// TagPolicy with the managed marker on a hand-made customer managed policy (or boundary)
    /// equal to its definition. The description, which IAM cannot change, stays as it is.
    AdoptPolicy {
        arn: String,
        tags: BTreeMap<String, String>,
    },
    /// UpdatePolicy (Organizations) of a hand-made SCP equal to its definition: the description
    /// gains the mark (SCP ownership lives there); `document` is the live content, unchanged.
    AdoptScp {
        name: String,
        policy_id: String,
        description: String,
        document: String,
    },
}

impl Change {
    /// Create, update or delete, for the table symbol and the summary.
    pub fn action(&self) -> Action {
        match self {
            Change::CreatePolicy { .. }
            | Change::CreateRole { .. }
            | Change::AttachPolicy { .. }
            | Change::CreateScp { .. }
            | Change::AttachScp { .. } => Action::Create,
            Change::PutInlinePolicy { delta: None, .. } => Action::Create,
            Change::PutInlinePolicy { delta: Some(_), .. }
            | Change::CreatePolicyVersion { .. }
            | Change::UpdateTrust { .. }
            | Change::UpdateRole { .. }
            | Change::PutBoundary { .. }
            | Change::TagRole { .. }
            | Change::UntagRole { .. }
            | Change::TagPolicy { .. }
            | Change::UntagPolicy { .. }
            | Change::UpdateScp { .. }
            | Change::AdoptRole { .. }
            | Change::AdoptPolicy { .. }
            | Change::AdoptScp { .. } => Action::Update,
            Change::DeletePolicy { .. }
            | Change::DeleteInlinePolicy { .. }
            | Change::DetachPolicy { .. }
            | Change::DeleteBoundary { .. }
            | Change::DeleteRole { .. }
            | Change::DetachScp { .. }
            | Change::DeleteScp { .. } => Action::Delete,
        }
    }

    /// The kind of object changed, as the table's second column.
    pub fn object_kind(&self) -> &'static str {
        match self {
            Change::CreatePolicy { boundary: true, .. } => "boundary",
            Change::CreatePolicy { .. }
            | Change::CreatePolicyVersion { .. }
            | Change::DeletePolicy { .. } => "policy",
            Change::CreateRole { .. } | Change::DeleteRole { .. } | Change::UpdateRole { .. } => {
                "role"
            }
            Change::UpdateTrust { .. } => "trust",
            Change::PutInlinePolicy { .. } | Change::DeleteInlinePolicy { .. } => "inline",
            Change::AttachPolicy { .. } | Change::DetachPolicy { .. } => "attachment",
            Change::PutBoundary { .. } | Change::DeleteBoundary { .. } => "role boundary",
            Change::TagRole { .. } | Change::UntagRole { .. } => "tags",
            Change::TagPolicy { .. } | Change::UntagPolicy { .. } => "policy tags",
            Change::CreateScp { .. } | Change::UpdateScp { .. } | Change::DeleteScp { .. } => "scp",
            Change::AttachScp { .. } | Change::DetachScp { .. } => "scp attachment",
            Change::AdoptRole { .. } => "adopt role",
            Change::AdoptPolicy { .. } => "adopt policy",
            Change::AdoptScp { .. } => "adopt scp",
        }
    }

    /// The object's name as the table's third column, e.g. `deployer/s3-read`.
    pub fn subject(&self) -> String {
        match self {
            Change::CreatePolicy { name, .. } | Change::CreateScp { name, .. } => name.clone(),
            Change::CreatePolicyVersion { arn, .. }
            | Change::DeletePolicy { arn, .. }
            | Change::AdoptPolicy { arn, .. }
            | Change::TagPolicy { arn, .. }
            | Change::UntagPolicy { arn, .. } => policy_name_from_arn(arn).to_string(),
            Change::CreateRole { name, .. } => name.clone(),
            Change::AdoptRole { role, .. } => role.clone(),
            Change::AdoptScp { name, .. } => name.clone(),
            Change::UpdateTrust { role, .. }
            | Change::UpdateRole { role, .. }
            | Change::DeleteBoundary { role }
            | Change::TagRole { role, .. }
            | Change::UntagRole { role, .. }
            | Change::DeleteRole { role } => role.clone(),
            Change::PutInlinePolicy {
                role, policy_name, ..
            }
            | Change::DeleteInlinePolicy { role, policy_name } => format!("{role}/{policy_name}"),
            Change::AttachPolicy { role, arn }
            | Change::DetachPolicy { role, arn }
            | Change::PutBoundary { role, arn } => {
                format!("{role} ← {}", policy_name_from_arn(arn))
            }
            Change::UpdateScp { name, .. } | Change::DeleteScp { name, .. } => name.clone(),
            Change::AttachScp {
                name, target_id, ..
            }
            | Change::DetachScp {
                name, target_id, ..
            } => format!("{name} → {target_id}"),
        }
    }

    /// The role this change touches, if any (for ownership re-checks in apply).
    pub fn role(&self) -> Option<&str> {
        match self {
            Change::CreateRole { name, .. } => Some(name),
            Change::UpdateTrust { role, .. }
            | Change::UpdateRole { role, .. }
            | Change::PutInlinePolicy { role, .. }
            | Change::DeleteInlinePolicy { role, .. }
            | Change::AttachPolicy { role, .. }
            | Change::DetachPolicy { role, .. }
            | Change::PutBoundary { role, .. }
            | Change::DeleteBoundary { role }
            | Change::TagRole { role, .. }
            | Change::UntagRole { role, .. }
            | Change::DeleteRole { role }
            | Change::AdoptRole { role, .. } => Some(role),
            _ => None,
        }
    }

    /// The customer managed policy this change creates, updates or deletes, if any.
    pub fn managed_policy_arn(&self, partition: Partition, account_id: &str) -> Option<String> {
        match self {
            Change::CreatePolicy { name, path, .. } => {
                Some(Arn::managed_policy(partition, account_id, path, name).to_string())
            }
            Change::CreatePolicyVersion { arn, .. }
            | Change::DeletePolicy { arn, .. }
            | Change::AdoptPolicy { arn, .. }
            | Change::TagPolicy { arn, .. }
            | Change::UntagPolicy { arn, .. } => Some(arn.clone()),
            _ => None,
        }
    }

    /// The policy document delta to show under the row, if the change has one.
    pub fn delta(&self) -> Option<&DocumentDelta> {
        match self {
            Change::CreatePolicyVersion { delta, .. }
            | Change::UpdateTrust { delta, .. }
            | Change::UpdateScp { delta, .. } => Some(delta),
            Change::PutInlinePolicy { delta, .. } => delta.as_ref(),
            _ => None,
        }
    }

    /// Whether the change is an SCP operation (applied through the management account).
    pub fn is_scp(&self) -> bool {
        matches!(
            self,
            Change::CreateScp { .. }
                | Change::UpdateScp { .. }
                | Change::AttachScp { .. }
                | Change::DetachScp { .. }
                | Change::DeleteScp { .. }
                | Change::AdoptScp { .. }
        )
    }

    /// Whether the change takes over a hand-made object (`op` starting with `adopt`).
    pub fn is_adoption(&self) -> bool {
        matches!(
            self,
            Change::AdoptRole { .. } | Change::AdoptPolicy { .. } | Change::AdoptScp { .. }
        )
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.action().symbol(),
            self.object_kind(),
            self.subject()
        )
    }
}

/// The last path segment of a policy ARN (its name).
pub fn policy_name_from_arn(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Something the planner will not touch, shown with `!`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// `role`, `policy`, `scp`.
    pub kind: String,
    pub name: String,
    pub reason: String,
}

/// A live object Warden does not manage: listed for drift reports, never changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmanaged {
    pub kind: String,
    pub name: String,
}
