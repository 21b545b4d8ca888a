//! Integration tests of warden-generate, one binary (modules per area) to keep link time down.

mod activity;
mod intent;
mod size_properties;
