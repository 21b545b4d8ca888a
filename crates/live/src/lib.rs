//! The live IAM model of an account, as the AWS adapter reads it and a snapshot stores it.
//!
//! Plain data with no SDK types and no I/O. Policy documents are kept as decoded JSON text;
//! comparison by meaning happens in `warden-plan`. Timestamps are RFC 3339 in UTC
//! (`2026-01-31T12:00:00Z`, see [`timestamp`]).
//!
//! # Serialized layout
//!
//! The serde form of [`LiveAccount`] is the per-account file of a snapshot, so it is a
//! documented, versioned format: [`LAYOUT_VERSION`] names it. Field names are `snake_case` as
//! declared here; optional values are `null` and empty lists `[]`; lists are sorted by name
//! (users, groups, roles, policies) or by ARN (providers), policy versions oldest first.
//! Adding a field with a default keeps the version (older files still read); renaming,
//! removing or changing the meaning of a field bumps it.
//!
//! No secret is ever part of the model: access keys keep the last four characters of their id
//! ([`AccessKey::id_suffix`]) and never a secret; login profiles keep no password; SAML
//! metadata documents are not kept.

pub mod account;
pub mod credential_report;
pub mod err;
pub mod identity;
pub mod policy;
pub mod settings;
pub mod timestamp;

pub use account::{Coverage, LiveAccount};
pub use credential_report::{
    CredentialReport, CredentialReportRow, ROOT_USER, ReportAccessKey, ReportCertificate,
};
pub use err::LiveError;
pub use identity::{
    AccessKey, AccessKeyLastUsed, KeyStatus, LiveGroup, LiveRole, LiveUser, LoginProfile,
    MfaDevice, RoleLastUsed,
};
pub use policy::{LiveManagedPolicy, LivePolicyVersion, LiveScp};
pub use settings::{LiveOidcProvider, LiveSamlProvider, PasswordPolicy};

/// Version of the serialized layout of [`LiveAccount`] (see the crate docs).
pub const LAYOUT_VERSION: u32 = 1;
