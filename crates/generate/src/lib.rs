//! Least-privilege policy generation from declared intent and from CloudTrail activity.

pub mod cloudtrail;
pub mod err;
pub mod intent;
pub mod io;
pub mod statement;
pub mod trust;

pub use err::{CloudTrailError, IntentError, Pos, TrustError};
