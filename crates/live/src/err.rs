//! Errors of the live model: reading what AWS returned as text.

/// A credential report that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LiveError {
    #[error("credential report: missing column `{column}`")]
    MissingColumn { column: &'static str },
    #[error("credential report line {line}: {message}")]
    BadRow { line: usize, message: String },
    #[error("credential report is empty")]
    EmptyReport,
}
