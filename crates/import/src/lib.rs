//! Import: live IAM (from AWS or a snapshot) → definition files in the repository's format, for
//! what Warden does not manage yet. Pure: the caller reads the organization and writes files.
//!
//! - Roles, customer managed policies (a policy used as a permissions boundary becomes a
//!   `Boundary`), and customer SCPs with their targets.
//! - Objects alike across accounts (equal once the account's own id becomes `${account_id}`
//!   anywhere in documents, ARNs, descriptions and tag values, and the organization's partition
//!   and home region in ARNs become `${partition}` and `${region}`, the spec's built-ins) become
//!   one definition whose targets are an OU when they cover exactly its accounts, else the
//!   account ids. Rendering it for each account gives back that account's live text. A region
//!   other than the home region stays as written (the spec has one `${region}` per
//!   organization), so documents differing in it are different variants. When the same name
//!   differs between accounts, the variant in most accounts is imported and the others are
//!   reported as skipped (they stay conflicts in the plan).
//! - Skipped: service-linked roles (`/aws-service-role/`), IAM Identity Center roles
//!   (`/aws-reserved/`), the access role, `OrganizationAccountAccessRole`, objects Warden already
//!   manages (the marker) and names the repository already defines.
//! - Every statement gets `justification: "imported from <account> on <date>; needs a reason"`;
//!   [`with_exceptions`] adds lint exceptions (owner `imported`, 90 days) for findings on them.
//! - Lossless: documents (statements, as JSON flow mappings YAML reads as is), trust, path,
//!   description, max session, boundary, tags and attachments (AWS managed by ARN).

mod group;
mod yaml;

pub use group::{ImportInput, Imported, ImportedFile, Skipped, import};
pub use yaml::with_exceptions;

#[cfg(test)]
mod tests;
