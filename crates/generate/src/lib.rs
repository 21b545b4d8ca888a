//! Least-privilege policy generation from declared intent and from CloudTrail activity.

pub mod cloudtrail;
pub mod diag;
pub mod err;
pub mod from_intent;
pub mod intent;
pub mod io;
pub mod size;
pub mod statement;
pub mod trust;

pub use diag::Diagnostic;
pub use err::{CloudTrailError, IntentError, Pos, TrustError};
pub use from_intent::{GeneratedRole, IntentOptions, generate_from_intent};
pub use intent::Intent;
