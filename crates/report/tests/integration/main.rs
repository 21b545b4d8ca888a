//! Integration tests of warden-report, one binary (modules per area) to keep link time down.
// Fixture helpers outside `#[test]` functions may fail loudly, as the tests themselves do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed fixture step should stop the test"
)]

mod drift;
mod evidence;
