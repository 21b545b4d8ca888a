//! Snapshots of an organization's IAM on disk, so read-only commands (plan, drift, evidence,
//! lint, simulate, import) run without credentials.
//!
//! # Layout (version [`LAYOUT_VERSION`])
//!
//! ```text
//! DIR/
//!   manifest.json          written last: a directory without it is an unfinished snapshot
//!   organization.json      accounts, OU tree, account tags; SCPs and RCPs with their targets
//!   accounts/<id>.json     one member account's IAM (the `warden-live` layout), per account read
//! ```
//!
//! - `manifest.json`: `{"layout": 1, "created_at": "<RFC 3339>", "tool_version": "…",
//!   "live_layout": 1, "accounts": [{"id", "name", "status": "read" | "skipped" | "failed",
//!   "reason"}], "files": {"<relative path>": "<SHA-256 hex>"}}`. Skipped and failed accounts
//!   have no file; their reason is kept so a reader reports them as the live read did.
//! - `organization.json`: `{"layout": 1, "organization": {…}, "scps": […], "rcps": […]}`, the
//!   shapes of `warden_spec::org::Organization` and `warden_live::LiveScp`.
//! - `accounts/<id>.json`: `{"layout": 1, "account": {…}}`, a `warden_live::LiveAccount`.
//!
//! Every file is hashed as it is written and checked as it is read; a mismatch is an error.
//! Accounts are written one at a time as they arrive, so memory holds one account, not the
//! organization. Nothing secret is in the model, hence in a snapshot: no ExternalId,
//! credential, password or access key id beyond its last four characters.

mod err;
mod files;
mod read;
mod write;

pub use err::SnapshotError;
pub use files::{AccountEntry, AccountStatus, Manifest, OrganizationFile};
pub use read::Snapshot;
pub use write::SnapshotWriter;

/// Version of the snapshot layout (see the crate docs). Readers refuse other versions.
pub const LAYOUT_VERSION: u32 = 1;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";
/// The organization file's name.
pub const ORGANIZATION: &str = "organization.json";
