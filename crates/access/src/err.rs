//! Errors of the access analyses.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AccessError {
    #[error("principal `{0}` is not in the organization")]
    UnknownPrincipal(String),
    #[error("{0}")]
    Request(#[from] warden_eval::RequestError),
    #[error("rendering account `{account}`: {message}")]
    Render { account: String, message: String },
    #[error("action `{0}`: expected `service:ActionName` without wildcards")]
    InvalidAction(String),
}
