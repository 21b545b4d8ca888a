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
    /// The demo's scenario could not be set up on the emulator.
    #[error("demo: {0}")]
    Demo(String),
    #[error("cannot read `{path}`: {message}")]
    Read { path: String, message: String },
    #[error("could not {action} `{path}`: {message}")]
    File {
        action: &'static str,
        path: String,
        message: String,
    },
    #[error("cannot read directory `{path}`: {message}")]
    ReadDir { path: String, message: String },
    #[error("`{dir}` contains no `.json` files")]
    NoJson { dir: String },
    /// `file:line:column: what: message`, the position first.
    #[error("{file}:{line}:{column}: {what}: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        what: String,
        message: String,
    },
    #[error("role `{role}` is not deployed to account `{account}` (roles there: {known})")]
    UnknownRole {
        role: String,
        account: String,
        known: String,
    },
    #[error("managed policy `{arn}` is neither in the definitions nor an AWS managed policy")]
    NotManagedPolicy { arn: String },
    #[error("AWS managed policy `{arn}` is not in the corpus")]
    NotInCorpus { arn: String },
    #[error(
        "cannot read the AWS managed policies corpus `{path}` (run `cargo xtask ci` to prepare it): {message}"
    )]
    CorpusUnreadable { path: String, message: String },
    /// A policy document that does not parse, with its file or label.
    #[error("{0}")]
    Policy(String),
    #[error("give `--org FILE`, or run `cargo xtask plan` once to save the inventory")]
    NoOrganization,
    #[error(
        "no organization to render for: pass `--org FILE` or `--snapshot DIR`, or run `cargo xtask plan` once to save the inventory"
    )]
    NothingToRender,
    #[error("no events of `{arn}` in `{dir}`: refusing to propose removing everything")]
    NoRoleEvents { arn: String, dir: String },
    #[error(transparent)]
    Generate(#[from] warden_generate::GenerateError),
    #[error("`{0}` is not an account id (12 digits)")]
    NotAccountId(String),
    #[error(transparent)]
    GenerateDefinitions(#[from] warden_generate::definitions::DefinitionsError),
    #[error(transparent)]
    Request(#[from] warden_eval::RequestError),
    #[error(transparent)]
    ContextFlag(#[from] warden_eval::request_file::ContextFlagError),
    #[error(transparent)]
    Access(#[from] warden_access::AccessError),
    #[error("account `{account}` is not in `{file}` (give an account id or name)")]
    UnknownAccount { account: String, file: String },
    #[error(transparent)]
    Definitions(SpecErrors),
    #[error(transparent)]
    LintInput(#[from] warden_lint::LintError),
    #[error("the system clock is out of range")]
    Clock,
    #[error(transparent)]
    Emulator(#[from] warden_emulator::EmulatorError),
    #[error(transparent)]
    CloudTrail(#[from] warden_generate::CloudTrailError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Id(#[from] warden_policy::IdError),
    #[error(transparent)]
    Aws(#[from] warden_aws::AwsError),
    /// The organization lock is held by another run.
    #[error(
        "the organization is locked by `{holder}` for {purpose} since {since} ({age_seconds} s ago){}",
        if *stale { "; the lock looks stale: if that run is gone, remove it with `cargo xtask unlock --force`" } else { "; wait for it (`--lock-timeout`) or try again later" }
    )]
    Locked {
        holder: String,
        purpose: String,
        since: String,
        age_seconds: u64,
        stale: bool,
    },
}

impl From<SpecErrors> for AppError {
    fn from(errors: SpecErrors) -> Self {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        AppError::Render(lines.join("\n"))
    }
}

/// A serde_json error as ``file:line:column: what: message``: `invalid json` for syntax errors,
/// `not_what` (e.g. `not an organization`) when the JSON does not have the expected shape.
/// serde_json appends ` at line L column C` to its message; the position leads instead.
pub(crate) fn json_error(file: &str, err: &serde_json::Error, not_what: &str) -> AppError {
    let (line, column) = (err.line(), err.column());
    let message = err.to_string();
    let message = message
        .strip_suffix(&format!(" at line {line} column {column}"))
        .unwrap_or(&message)
        .to_string();
    let what = match err.classify() {
        serde_json::error::Category::Data => not_what,
        _ => "invalid json",
    };
    AppError::Json {
        file: file.to_string(),
        line,
        // At the end of input serde_json reports column 0; columns count from 1.
        column: column.max(1),
        what: what.to_string(),
        message,
    }
}
