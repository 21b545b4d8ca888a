//! IAM policy document model: parsing with source spans, canonical form, semantic equivalence, ARNs, wildcards and sizes.

pub mod model;
pub mod wildcard;

pub use model::*;
