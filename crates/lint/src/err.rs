//! Errors of the linter: input that cannot be linted at all (bad JSON, a document that is not a
//! policy, an export of the wrong shape). Problems inside valid input are findings, not errors.

use warden_policy::err::PolicyErrors;

use crate::subject::Location;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LintError {
    /// The text is not JSON.
    #[error("{file}:{line}:{column}: invalid json: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The JSON is not a policy document; `errors` lists every problem, one per line, each
    /// prefixed with the file (and position when known).
    #[error("{errors}")]
    Policy { errors: String },
    /// The JSON is not a `GetAccountAuthorizationDetails` export.
    #[error("{file}: not an account authorization details export: {message}")]
    Export { file: String, message: String },
    /// A policy document in an export is an URL-encoded string that does not decode.
    #[error("{file}: `{path}`: {message}")]
    ExportDocument {
        file: String,
        path: String,
        message: String,
    },
}

impl LintError {
    pub(crate) fn policy(file: &str, errors: &PolicyErrors) -> LintError {
        LintError::Policy {
            errors: errors.in_file(file).to_string(),
        }
    }

    pub(crate) fn policy_at(location: &Location, errors: &PolicyErrors) -> LintError {
        let lines: Vec<String> = errors
            .iter()
            .map(|error| {
                let path = if error.path.is_empty() {
                    String::new()
                } else {
                    format!("`{}`: ", error.path)
                };
                format!(
                    "{}:{}:{}: {path}{}",
                    location.file, location.line, location.column, error.kind
                )
            })
            .collect();
        LintError::Policy {
            errors: lines.join("\n"),
        }
    }
}
