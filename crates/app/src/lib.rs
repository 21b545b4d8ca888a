//! Warden's use cases: plan, apply, drift, evidence and lint of the organization.
//!
//! Each talks to the organization through the traits of [`source`]: live AWS implements them
//! ([`live::LiveOrganization`]), a recorded snapshot or a test double can stand in. Inputs that
//! come from outside (the ExternalId, the clock, the audit sink) are passed in; nothing here
//! prints or reads the environment. The flow of `plan` then `apply`:
//!
//! 1. [`access::access_role`] with the ExternalId the caller read, and a [`live::LiveOrganization`];
//! 2. [`plan::plan_organization`]: inventory and SCPs, render, lint gate, parallel read, plan;
//! 3. [`select::desired_state`] and [`apply::apply_plan`]: per account re-read, checks, the
//!    changes in order, each audited;
//! 4. plan again: nothing left to do.

pub mod access;
pub mod access_diff;
pub mod apply;
pub mod audit;
pub mod bench;
pub mod bench_access;
pub mod bench_lint;
pub mod bench_snapshot;
pub mod bootstrap;
pub mod catalog_refresh;
pub mod demo;
pub mod drift_report;
mod err;
pub mod events;
pub mod evidence;
pub mod gate;
pub mod generate;
pub mod import;
pub mod lint;
pub mod lint_files;
pub mod live;
pub mod lock;
pub mod paths;
pub mod plan;
pub mod policy_file;
pub mod posture;
pub mod progress;
pub mod refine;
pub mod repo;
pub mod rule_docs;
pub mod select;
pub mod simulate;
pub mod snapshot;
pub mod source;

pub use apply::{ApplyRequest, ORGANIZATION, apply_plan};
pub use audit::{AuditLog, now_rfc3339, today};
pub use err::AppError;
pub use live::LiveOrganization;
pub use plan::{PlanOutcome, PlanRequest, plan_organization, read_only_plan};
pub use select::{DesiredState, desired_state, desired_state_for, render_selected, selected};
pub use source::{ApplyAccount, ApplyOrganization, BoxError, ReadOrganization};
