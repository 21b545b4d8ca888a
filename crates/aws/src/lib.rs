//! The only crate that talks to AWS: Organizations inventory, AssumeRole with ExternalId, live IAM reads and apply.
//!
//! No SDK type appears in the public API: inputs and outputs are this crate's types, the pure
//! organization types of `warden-spec` and the live-state types of `warden-plan`.
//!
//! Calls per member account read: `sts:AssumeRole` (always with the ExternalId), `iam:GetRole`
//! (Warden checks the access role's trust requires that ExternalId, since emulators do not),
//! `iam:GetAccountAuthorizationDetails` and `iam:ListRoles` (one page each up to ~100 roles and
//! policies / 1,000 roles). Inventory: DescribeOrganization and ListRoots, per parent (root
//! and each OU) ListOrganizationalUnitsForParent and ListAccountsForParent pages, and one
//! ListTagsForResource per account. Retries are adaptive with a retry partition per account, matching IAM's
//! per-account throttling.

mod account;
mod apply;
pub mod calls;
mod change;
mod client;
mod err;
pub mod fixture;
mod ids;
mod inventory;
mod lock;
mod options;
mod parallel;
mod read;
mod read_full;
mod scp;
mod trust;

pub use account::{AccessRole, AccountClient};
pub use apply::{MAX_POLICY_VERSIONS, NewManagedPolicy, NewRole};
pub use change::WriteOutcome;
pub use client::{Aws, CallerIdentity, LOG_REDACTION_DIRECTIVES};
pub use err::{AwsError, CALLER};
pub use ids::{SessionDuration, SessionName};
pub use lock::{LOCK_POLICY, LockAttempt, LockHolder};
pub use options::{AwsOptions, DEFAULT_LOG_FILTER, StaticCredentials};
pub use parallel::{AccountOutcome, AccountResult, OutcomeStatus, ProgressEvent, ReadRequest};
pub use trust::{TrustProblem, check_external_id};
/// The IAM basics of warden-policy this adapter speaks in.
pub use warden_policy::{ExternalId, Partition};
