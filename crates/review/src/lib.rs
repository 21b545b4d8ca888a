//! Every change reviewed as access: what a new revision of the definitions lets each principal
//! do that the old one did not, offline, for the whole organization.
//!
//! [`diff::access_diff`] takes both revisions rendered for the same organization and compares,
//! per account and role, the effective actions ([`effective`]: identity policies capped by the
//! permission boundary, minus unconditional denies of those policies and of the SCPs in force),
//! the resource and condition scope of each allowing statement, the principals the trust policy
//! allows, the boundary, and attached policies the definitions do not hold. Reformatting is no
//! change: documents are compared by meaning and actions as catalog actions.
//!
//! # Simplifications
//! - Allow-list SCPs are not modelled: only unconditional `Deny` on `Resource: "*"` subtracts.
//! - Conditional denies subtract nothing; a boundary caps by action only, not by resource.
//! - Scope comparison is sound but approximate: a resource pattern is covered when another
//!   pattern matches its text; conditions compare as whole tests (`Operator key [values]`).
//! - AWS managed policies attached by ARN are not expanded: attaching one counts as new access.
//! - Only principals the definitions define are listed; an SCP change is also reported per
//!   account ([`diff::AccountChange`]) because it applies to every principal there.

pub mod diff;
pub mod effective;
pub mod render;

pub use diff::{
    AccessDiff, AccountChange, PrincipalChange, Revision, ScopeChange, Withheld, access_diff,
};
pub use render::{Format, render};
