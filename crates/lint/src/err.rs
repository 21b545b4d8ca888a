//! Errors of the linter: input that cannot be linted at all (bad JSON, a document that is not a
//! policy, an export of the wrong shape). Problems inside valid input are findings, not errors.

use warden_policy::err::PolicyErrors;

use crate::finding::Finding;
use crate::subject::{Location, Problem};

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
    Policy {
        errors: String,
        /// The same errors one by one, with their positions.
        problems: Vec<Problem>,
    },
    /// The JSON is not a `GetAccountAuthorizationDetails` export.
    #[error("{file}:{line}:{column}: not an account authorization details export: {message}")]
    Export {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
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
        let problems = errors
            .iter()
            .map(|error| {
                let (line, column) = error
                    .span
                    .as_ref()
                    .map_or((1, 1), |span| (span.line, span.column));
                Problem {
                    location: Location::new(file, line, column),
                    principal: None,
                    message: described(&error.path, &error.kind),
                }
            })
            .collect();
        LintError::Policy {
            errors: errors.in_file(file).to_string(),
            problems,
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
        let problems = errors
            .iter()
            .map(|error| Problem {
                location: location.clone(),
                principal: None,
                message: described(&error.path, &error.kind),
            })
            .collect();
        LintError::Policy {
            errors: lines.join("\n"),
            problems,
        }
    }

    /// The error as problems with positions: what `lint` reports as WL104 findings so that
    /// one unreadable file does not hide the findings of the others.
    pub fn problems(&self) -> Vec<Problem> {
        let at = |file: &str, line: usize, column: usize| {
            Location::new(
                file,
                u32::try_from(line).unwrap_or(u32::MAX),
                u32::try_from(column).unwrap_or(u32::MAX),
            )
        };
        match self {
            LintError::Json {
                file,
                line,
                column,
                message,
            } => vec![Problem {
                location: at(file, *line, *column),
                principal: None,
                message: format!("invalid json: {message}"),
            }],
            LintError::Policy { problems, .. } => problems.clone(),
            LintError::Export {
                file,
                line,
                column,
                message,
            } => vec![Problem {
                location: at(file, *line, *column),
                principal: None,
                message: format!("not an account authorization details export: {message}"),
            }],
            LintError::ExportDocument {
                file,
                path,
                message,
            } => vec![Problem {
                location: Location::file(file.as_str()),
                principal: None,
                message: format!("`{path}`: {message}"),
            }],
        }
    }

    /// The error as WL104 findings (see [`LintError::problems`]).
    pub fn findings(&self) -> Vec<Finding> {
        self.problems()
            .iter()
            .map(crate::rules::invalid_document::finding)
            .collect()
    }
}

fn described(path: &str, kind: &impl std::fmt::Display) -> String {
    if path.is_empty() {
        kind.to_string()
    } else {
        format!("`{path}`: {kind}")
    }
}
