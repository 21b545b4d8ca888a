//! IAM policy document model: parsing with source spans, canonical form, semantic equivalence, ARNs, wildcards and sizes.
//!
//! ```
//! let a = warden_policy::parse_policy(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#).unwrap();
//! let b = warden_policy::parse_policy(r#"{"Statement":[{"Resource":["*"],"Action":["S3:getobject"],"Effect":"Allow"}],"Version":"2012-10-17"}"#).unwrap();
//! assert!(warden_policy::equivalent(&a, &b));
//! assert!(warden_policy::diff(&a, &b).is_empty());
//! ```

#![warn(missing_docs)]

pub mod arn;
pub mod canonical;
pub mod diff;
pub mod err;
mod json;
pub mod locate;
pub mod model;
pub mod parse;
mod serialize;
pub mod size;
pub mod variables;
pub mod wildcard;

#[cfg(test)]
mod proptests;

pub use canonical::equivalent;
pub use diff::{PolicyDiff, diff};
pub use err::{ArnError, MissingVariable, PolicyError, PolicyErrorKind, PolicyErrors};
pub use locate::locate;
pub use model::*;
pub use parse::{parse_policy, parse_value};
