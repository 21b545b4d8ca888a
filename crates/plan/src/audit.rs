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

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch. Compatibility wrapper over
/// [`warden_policy::date::rfc3339_utc`].
pub fn rfc3339_utc(unix_seconds: u64) -> String {
    warden_policy::date::rfc3339_utc(unix_seconds)
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc_timestamps() {
        assert_eq!(super::rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339_utc(1_795_575_845), "2026-11-25T03:04:05Z");
    }
}
