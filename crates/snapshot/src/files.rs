//! The serialized shapes of a snapshot's files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use warden_live::{LiveAccount, LiveScp};
use warden_spec::org::Organization;

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub layout: u32,
    /// When the snapshot was taken, RFC 3339 UTC.
    pub created_at: String,
    /// The Warden version that wrote it.
    pub tool_version: String,
    /// Version of the per-account layout (`warden_live::LAYOUT_VERSION`).
    pub live_layout: u32,
    /// Every account of the selection, sorted by id, with what happened to it.
    pub accounts: Vec<AccountEntry>,
    /// Relative path (`/`-separated) → SHA-256 of the file, lowercase hex.
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountEntry {
    pub id: String,
    pub name: String,
    pub status: AccountStatus,
    /// Why it was skipped or failed; `None` when read.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Read,
    Skipped,
    Failed,
}

/// `organization.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationFile {
    pub layout: u32,
    pub organization: Organization,
    /// Service control policies with their targets.
    pub scps: Vec<LiveScp>,
    /// Resource control policies with their targets (empty when the type is not enabled).
    pub rcps: Vec<LiveScp>,
}

/// `accounts/<id>.json`, written.
#[derive(Serialize)]
pub(crate) struct AccountFileRef<'a> {
    pub layout: u32,
    pub account: &'a LiveAccount,
}

/// `accounts/<id>.json`, read.
#[derive(Deserialize)]
pub(crate) struct AccountFile {
    pub layout: u32,
    pub account: LiveAccount,
}

/// The relative path of an account's file.
pub(crate) fn account_path(account_id: &str) -> String {
    format!("accounts/{account_id}.json")
}
