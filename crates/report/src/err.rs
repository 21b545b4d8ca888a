//! Errors of writing evidence bundles and reading provenance.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("i/o error on `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not serialize `{what}`: {source}")]
    Json {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("git repository `{}`: {message}", path.display())]
    Git { path: PathBuf, message: String },
    #[error("cloudtrail: {0}")]
    Trail(String),
    #[error("evidence writer misuse: {0}")]
    State(String),
}

impl ReportError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.into(),
            source,
        }
    }
}
