//! The one end-to-end test binary; each area is a module.
// Fixture helpers outside `#[test]` functions may fail loudly, as the tests themselves do.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failed fixture step should stop the test"
)]
mod access;
mod apply_order;
mod aws;
mod catalog;
mod cli;
mod eval;
mod events;
mod faults;
mod gates;
mod generate;
mod lint;
mod plan;
mod policy;
mod posture;
mod rcp_live;
mod report;
mod review;
mod sarif;
mod scale;
mod snapshot;
mod spec;
mod tidy;
