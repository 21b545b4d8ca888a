//! Errors of the use cases: one enum, messages lowercase with user input in backticks.

use warden_lint::Finding;
use warden_spec::SpecErrors;

use crate::source::BoxError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// What the organization source (live AWS, a snapshot, a test double) reported.
    #[error(transparent)]
    Source(BoxError),
    #[error("definitions do not render:\n{0}")]
    Render(String),
    #[error("no account matches the selection ({0})")]
    NoAccounts(String),
    #[error(
        "environment variable `{variable}` (named by `access.external_id_env` in warden.yaml) is not set; Warden always assumes the access role with an ExternalId"
    )]
    ExternalIdMissing { variable: String },
    #[error("environment variable `{variable}` does not hold a valid ExternalId: {reason}")]
    ExternalIdInvalid { variable: String, reason: String },
    /// Active error findings of the rendered definitions.
    #[error("lint errors block the plan:\n{}", warden_lint::emit::table::render(.0))]
    Lint(Vec<Finding>),
    #[error("audit log `{path}`: {message}")]
    Audit { path: String, message: String },
    #[error("could not read plan `{path}`: {message}")]
    PlanUnreadable { path: String, message: String },
    #[error("plan `{path}`: {message}")]
    PlanInvalid { path: String, message: String },
    #[error("plan `{path}` covers no account")]
    PlanEmpty { path: String },
    #[error(transparent)]
    Plan(#[from] warden_plan::PlanError),
    #[error(transparent)]
    Report(#[from] warden_report::ReportError),
    #[error("`{path}`: {message}")]
    AwsManagedPolicies { path: String, message: String },
    #[error("the system clock is out of range")]
    Clock,
    #[error(transparent)]
    Aws(#[from] warden_aws::AwsError),
}

impl From<SpecErrors> for AppError {
    fn from(errors: SpecErrors) -> Self {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        AppError::Render(lines.join("\n"))
    }
}
