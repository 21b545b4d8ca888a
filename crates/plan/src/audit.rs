//! One line of the local audit log `.warden/audit.jsonl`: what was applied where, when, from
//! which commit, and how it ended. Apply writes it; this crate only defines it.

use serde::{Deserialize, Serialize};

use crate::change::Change;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// RFC 3339, UTC.
    pub time: String,
    /// Account id, or `organization` for SCP changes.
    pub account: String,
    pub change: Change,
    pub commit: Option<String>,
    /// `ok` or `error: …`.
    pub result: String,
}
