//! The only crate that talks to AWS: Organizations inventory, AssumeRole with ExternalId, live IAM reads and apply.
