//! IAM policy document model: parsing with source spans, canonical form, semantic equivalence, ARNs, wildcards and sizes.
//!
//! - [`parse_policy`] (text, with line and column) and [`parse_value`] (decoded JSON, e.g. from
//!   YAML) build a [`PolicyDocument`] or return every problem at once ([`PolicyErrors`]).
//! - [`PolicyDocument::to_json`] / [`PolicyDocument::to_json_string`] write it back losslessly.
//! - [`PolicyDocument::canonicalize`], [`equivalent`] and [`diff()`] compare by meaning
//!   ([`canonical`] lists what is normalized and what stays significant).
//! - [`arn`], [`wildcard`], [`variables`] and [`size`] are the building blocks evaluation and
//!   linting need; [`locate()`] maps a JSON path back to a position for diagnostics.
//! - The IAM basics every crate shares, written once: [`Partition`] (and the partition of a
//!   region), [`Arn`] parsing and builders, [`AccountId`], [`ExternalId`], [`quota`] (the one
//!   quota table), [`rcp`] (the services RCPs govern) and [`decode_document`] (documents as
//!   IAM APIs return them).
//!
//! Pure: no I/O, no printing.
//!
//! ```
//! let a = warden_policy::parse_policy(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#).unwrap();
//! let b = warden_policy::parse_policy(r#"{"Statement":[{"Resource":["*"],"Action":["S3:getobject"],"Effect":"Allow"}],"Version":"2012-10-17"}"#).unwrap();
//! assert!(warden_policy::equivalent(&a, &b));
//! assert!(warden_policy::diff(&a, &b).is_empty());
//! ```

#![warn(missing_docs)]

pub mod arn;
mod bytes;
pub mod canonical;
pub mod date;
pub mod diff;
pub mod document;
pub mod err;
pub mod ids;
pub mod json;
pub mod locate;
pub mod model;
pub mod parse;
pub mod partition;
pub mod quota;
pub mod rcp;
mod serialize;
pub mod size;
pub mod size_report;
pub mod variables;
pub mod wildcard;

#[cfg(test)]
mod proptests;

pub use arn::Arn;
pub use canonical::equivalent;
pub use diff::{PolicyDiff, diff};
pub use document::decode_document;
pub use err::{
    ArnError, DocumentError, IdError, MissingVariable, PartitionError, PolicyError,
    PolicyErrorKind, PolicyErrors,
};
pub use ids::{AccountId, ExternalId, is_account_id};
pub use locate::{DuplicateKey, duplicate_keys, locate};
pub use model::*;
pub use parse::{parse_policy, parse_value};
pub use partition::Partition;
pub use quota::Quotas;
pub use serialize::escape_free;
