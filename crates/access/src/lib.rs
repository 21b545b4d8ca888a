//! Who can do what across an organization, answered offline with warden-eval.
//!
//! An [`AccessModel`] holds every principal of the organization (roles; users when a snapshot
//! provides them) with the policies that decide its requests: identity policies, permissions
//! boundary, the SCP levels above its account, and its trust policy. It is built from the
//! definitions rendered for each account ([`model::from_definitions`]) and compiled once.
//! Then:
//! - [`who_can`]: every principal allowed to perform some actions on a resource, and the
//!   external accounts, services and anonymous callers its resource (or trust) policy admits;
//! - [`principal_can`]: one principal's effective permissions as a consolidated policy;
//! - [`paths`]: privilege-escalation paths, the shortest way from each principal to an
//!   administrator or out of its permissions boundary.
//!
//! # Assumptions
//! - A role acts through a session (`assumed-role/NAME/warden`) with `aws:PrincipalArn`,
//!   `aws:PrincipalOrgID` and its tags as `aws:PrincipalTag/…`; no session policy.
//! - Principals outside the organization (external accounts and roles named in a resource or
//!   trust policy) are assumed to be allowed by their own account's policies: only the
//!   resource side is known.
//! - A caller that a trust policy requires an `sts:ExternalId` from is assumed to know it (the
//!   ExternalId guards against confused deputies, not insiders); the step says so, never the
//!   value.
//! - AWS managed policies are resolved by the caller (the corpus); one that cannot be is
//!   listed in [`Principal::unresolved`] and treated as granting nothing.

pub mod err;
pub mod model;
pub mod paths;
pub mod principal_can;
pub mod who_can;

pub use err::AccessError;
pub use model::{AccessModel, Group, Principal, PrincipalKind};
pub use paths::{EscalationPath, Goal, Step, paths};
pub use principal_can::{EffectivePermissions, OnResource, principal_can, principal_can_on};
pub use who_can::{WhoCan, WhoCanEntry, who_can};
