//! Least-privilege linter and guardrails over policies, roles and SCPs.
