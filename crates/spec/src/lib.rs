//! YAML definitions of roles, policies, boundaries and SCPs, their targets, variables and exceptions.

pub mod org;
