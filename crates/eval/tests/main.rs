//! Integration tests of warden-eval, one binary (modules per area) to keep link time down.

mod aws_examples;
mod conditions;
mod properties;
mod rendering;
mod special_cases;
mod support;
