//! The only crate that talks to AWS: Organizations inventory, AssumeRole with ExternalId, live IAM reads and apply.
//!
//! No SDK type appears in the public API: inputs and outputs are this crate's types, the pure
//! organization types of `warden-spec` and the live-state types of `warden-plan`.

mod account;
mod apply;
mod client;
mod document;
mod err;
pub mod fixture;
mod ids;
mod inventory;
mod options;
mod parallel;
mod read;
mod scp;
mod trust;
pub mod workflow;

pub use account::{AccessRole, AccountClient};
pub use apply::{MAX_POLICY_VERSIONS, NewManagedPolicy, NewRole};
pub use client::{Aws, CallerIdentity};
pub use document::decode_document;
pub use err::{AwsError, CALLER};
pub use ids::{ExternalId, SessionDuration, SessionName};
pub use options::{AwsOptions, StaticCredentials, partition_for_region};
pub use parallel::{AccountOutcome, AccountResult, OutcomeStatus, ProgressEvent, ReadRequest};
pub use trust::{TrustProblem, check_external_id};
