//! Errors for building evaluation requests.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    #[error(
        "invalid principal `{0}`: expected an ARN, a 12-digit account id or a service principal name"
    )]
    InvalidPrincipal(String),
    #[error("invalid action `{0}`: expected `service:ActionName` without wildcards")]
    InvalidAction(String),
    #[error("empty resource: give an ARN or `*`")]
    EmptyResource,
}
