//! Desired-versus-live diff per account, ordered changes, saved plans with digests and fingerprints.

pub mod live;
