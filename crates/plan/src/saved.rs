//! The saved plan: a versioned JSON file recording what was compared (git commit, definitions
//! digest, per-account live fingerprints) and the exact changes apply will make.

use serde::{Deserialize, Serialize};

use crate::account::AccountPlan;
use crate::change::Action;
use crate::err::PlanError;
use crate::scp::ScpPlan;

pub const PLAN_FORMAT: &str = "warden-plan";
pub const PLAN_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Always `warden-plan`.
    pub format: String,
    pub format_version: u32,
    /// The Warden that made it (`warden-plan` crate version).
    #[serde(default)]
    pub generator: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// `git rev-parse HEAD` of the definitions repository, if it is one.
    pub commit: Option<String>,
    /// Whether the working tree had uncommitted changes when planned.
    #[serde(default)]
    pub dirty: bool,
    /// `warden_spec` digest of the definitions the plan was made from.
    pub definitions_digest: String,
    pub management_account_id: String,
    pub access_role_name: String,
    /// `key=value` of the managed marker tag.
    pub managed_marker: String,
    pub accounts: Vec<AccountPlan>,
    /// SCP changes, when SCPs were planned.
    pub organization: Option<ScpPlan>,
    /// Accounts that could not be read, with the reason; they have no changes.
    pub unreadable: Vec<Unreadable>,
    /// The roles the plan was narrowed to (`plan --role`); apply narrows its re-plan the same
    /// way before comparing. Empty: the whole plan.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    pub account_id: String,
    pub account_name: String,
    pub reason: String,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub conflict: usize,
}

impl Summary {
    pub fn of<'a>(
        changes: impl IntoIterator<Item = &'a crate::change::Change>,
        conflicts: usize,
    ) -> Summary {
        let mut summary = Summary {
            conflict: conflicts,
            ..Summary::default()
        };
        for change in changes {
            match change.action() {
                Action::Create => summary.create += 1,
                Action::Update => summary.update += 1,
                Action::Delete => summary.delete += 1,
            }
        }
        summary
    }

    pub fn changes(&self) -> usize {
        self.create + self.update + self.delete
    }

    pub fn add(&mut self, other: Summary) {
        self.create += other.create;
        self.update += other.update;
        self.delete += other.delete;
        self.conflict += other.conflict;
    }
}

impl AccountPlan {
    pub fn summary(&self) -> Summary {
        Summary::of(&self.changes, self.conflicts.len())
    }
}

impl ScpPlan {
    pub fn summary(&self) -> Summary {
        Summary::of(&self.changes, self.conflicts.len())
    }
}

impl Plan {
    /// A plan with no accounts yet; the caller fills accounts, organization and unreadable.
    pub fn new(header: PlanHeader) -> Plan {
        Plan {
            format: PLAN_FORMAT.to_string(),
            format_version: PLAN_FORMAT_VERSION,
            generator: format!("warden {}", env!("CARGO_PKG_VERSION")),
            created_at: header.created_at,
            commit: header.commit,
            dirty: header.dirty,
            definitions_digest: header.definitions_digest,
            management_account_id: header.management_account_id,
            access_role_name: header.access_role_name,
            managed_marker: header.managed_marker,
            accounts: Vec::new(),
            organization: None,
            unreadable: Vec::new(),
            roles: Vec::new(),
        }
    }

    pub fn summary(&self) -> Summary {
        let mut total = Summary::default();
        for account in &self.accounts {
            total.add(account.summary());
        }
        if let Some(organization) = &self.organization {
            total.add(organization.summary());
        }
        total
    }

    pub fn has_changes(&self) -> bool {
        self.summary().changes() > 0
    }

    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a saved plan, refusing other formats and versions.
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        let value: serde_json::Value = serde_json::from_str(text)?;
        let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if format != PLAN_FORMAT {
            return Err(PlanError::WrongFormat {
                found: format.to_string(),
            });
        }
        let version = value
            .get("format_version")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        if version != u64::from(PLAN_FORMAT_VERSION) {
            return Err(PlanError::UnsupportedVersion {
                found: u32::try_from(version).unwrap_or(u32::MAX),
                supported: PLAN_FORMAT_VERSION,
            });
        }
        Ok(serde_json::from_value(value)?)
    }

    /// Refuses a plan made from other definitions than the repository's current ones.
    pub fn check_definitions(&self, current_digest: &str) -> Result<(), PlanError> {
        if self.definitions_digest == current_digest {
            Ok(())
        } else {
            Err(PlanError::DefinitionsChanged {
                planned: self.definitions_digest.clone(),
                current: current_digest.to_string(),
            })
        }
    }
}

/// What a plan records about where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanHeader {
    pub created_at: String,
    pub commit: Option<String>,
    pub dirty: bool,
    pub definitions_digest: String,
    pub management_account_id: String,
    pub access_role_name: String,
    pub managed_marker: String,
}
