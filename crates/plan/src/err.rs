//! Errors of the plan crate: reading saved plans, refusing stale or unsafe ones.

/// Why a saved plan cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Not a source: `{0}` already says it, and anyhow's `{:#}` would print it twice.
    #[error("invalid plan file: {0}")]
    Json(serde_json::Error),
    #[error("not a warden plan (format is `{found}`, expected `warden-plan`)")]
    WrongFormat { found: String },
    #[error("plan format version {found} is not supported (this warden reads version {supported})")]
    UnsupportedVersion { found: u32, supported: u32 },
    #[error(
        "plan is stale: definitions changed since it was made (plan digest `{planned}`, repository digest `{current}`); run plan again"
    )]
    DefinitionsChanged { planned: String, current: String },
    #[error("the plan was made for the role(s) {planned}; `{name}` is not one of them")]
    RoleNotInPlan { name: String, planned: String },
}

impl From<serde_json::Error> for PlanError {
    fn from(err: serde_json::Error) -> Self {
        PlanError::Json(err)
    }
}

/// Why one account's (or the organization's) part of a plan must not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefusalReason {
    #[error(
        "live state changed since the plan was made (fingerprint `{planned}` then, `{current}` now); run plan again"
    )]
    Stale { planned: String, current: String },
    #[error("change `{change}` would touch `{name}`, which Warden does not manage")]
    Unmanaged { change: String, name: String },
    #[error("change `{change}` would touch the access role `{name}`")]
    AccessRole { change: String, name: String },
    #[error("quota: {0}")]
    Quota(String),
    #[error(
        "the plan's changes are not what the definitions produce for the live state (first difference at change {index}: plan has `{planned}`, definitions give `{expected}`); the plan was edited or made by another Warden version"
    )]
    NotFromDefinitions {
        index: usize,
        planned: String,
        expected: String,
    },
    #[error("the definitions no longer cover this account; run plan again")]
    NoDefinitions,
}
