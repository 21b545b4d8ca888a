//! Desired-versus-live diff per account, ordered changes, saved plans with digests and fingerprints.
//!
//! Pure: the AWS adapter reads live state ([`live`]), the definitions give the desired state
//! ([`desired`]), [`plan_accounts`] compares them on all cores, and apply re-checks with
//! [`guard`] before each account.

pub mod account;
pub mod audit;
pub mod change;
pub mod desired;
pub mod direction;
pub mod doc;
pub mod err;
pub mod from_spec;
pub mod guard;
pub mod live;
pub mod order;
pub mod recheck;
pub mod render;
pub mod render_markdown;
pub mod report;
pub mod review;
pub mod saved;
pub mod scp;
pub mod simulate;

use rayon::prelude::*;

pub use account::{AccountPlan, fingerprint_account, plan_account};
pub use change::{Action, Change, Conflict, DocumentDelta, Unmanaged};
pub use desired::{DesiredAccount, DesiredPolicy, DesiredRole, DesiredScp, Ownership};
pub use err::{PlanError, RefusalReason};
pub use saved::{Plan, PlanHeader, Summary, Unreadable};
pub use scp::{ScpPlan, fingerprint_scps, plan_scps};

/// Plans every account on all cores; the result is in input order.
pub fn plan_accounts(
    pairs: &[(DesiredAccount, live::LiveAccount)],
    ownership: &Ownership,
) -> Vec<AccountPlan> {
    pairs
        .par_iter()
        .map(|(desired, live)| plan_account(desired, live, ownership))
        .collect()
}
