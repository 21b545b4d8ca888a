//! Errors of the catalog: failed lookups, unreadable data and failed conversions.

/// A name or pattern that does not resolve to catalog entries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// The service part names no service (or, as a pattern, matches none).
    #[error("unknown service `{service}` in `{input}`")]
    UnknownService { service: String, input: String },
    /// The service exists but has no such action.
    #[error("unknown action `{input}`: service `{service}` has no action `{action}`")]
    UnknownAction {
        service: String,
        action: String,
        input: String,
    },
    /// Not of the form `service:action` (or `*`).
    #[error("malformed action `{input}`: expected `service:action`")]
    Malformed { input: String },
}

/// Catalog data that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// A data file is not what the format expects.
    #[error("invalid catalog file `{file}`: {message}")]
    InvalidFile { file: String, message: String },
    /// A line of `services.jsonl` does not parse.
    #[error("invalid catalog file `services.jsonl` line {line}: {message}")]
    InvalidServiceLine { line: usize, message: String },
    /// Services are out of order or duplicated, so lookups would miss.
    #[error("services.jsonl is not sorted by prefix at line {line} (`{prefix}`)")]
    Unsorted { line: usize, prefix: String },
    /// The manifest's digest of a file does not match the file.
    #[error("digest of `{file}` is {actual} but the manifest records {recorded}")]
    DigestMismatch {
        file: String,
        recorded: String,
        actual: String,
    },
    /// The manifest's counts do not match the data.
    #[error("manifest counts {recorded} but the data has {actual}")]
    CountMismatch { recorded: String, actual: String },
}

/// The source package cannot be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// The tarball is not gzip or not tar.
    #[error("invalid package tarball: {message}")]
    Archive { message: String },
    /// A file the conversion needs is not in the package.
    #[error("package has no `{path}`")]
    MissingFile { path: String },
    /// A package file is not the JSON shape expected.
    #[error("invalid json in package file `{path}`: {message}")]
    Json { path: String, message: String },
    /// An access level this code does not know; add it to `AccessLevel`.
    #[error("unknown access level `{level}`")]
    UnknownAccessLevel { level: String },
    /// A condition key type this code does not know; add it to `ConditionKeyType`.
    #[error("unknown condition key type `{value_type}` of `{key}`")]
    UnknownConditionKeyType { key: String, value_type: String },
}
