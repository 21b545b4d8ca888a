//! The one end-to-end test binary; each area is a module.
mod tidy;
mod policy;
mod aws;
mod plan;
mod catalog;
mod generate;
mod eval;
mod lint;
mod spec;
mod report;
