//! Errors of the policy crate: parse errors with JSON path and source position, ARN and
//! policy-variable errors.

use std::fmt;

use crate::model::Span;

/// What is wrong with a policy document. Messages are lowercase with the user's input in
/// backticks; the path and position are added by [`PolicyError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[expect(
    missing_docs,
    reason = "variant fields are what the error message shows"
)]
pub enum PolicyErrorKind {
    /// The text is not JSON.
    #[error("invalid json: {message}")]
    Json { message: String },
    /// A key appears twice in one object (serde_json would silently keep the last one).
    #[error("duplicate key `{key}`")]
    DuplicateKey { key: String },
    /// An element the policy grammar does not know.
    #[error("unknown element `{element}`, expected one of {expected}{}", suggestion_text(.suggestion))]
    UnknownElement {
        element: String,
        expected: &'static str,
        suggestion: Option<&'static str>,
    },
    /// `Effect` is not `Allow` or `Deny` (case matters).
    #[error("effect must be `Allow` or `Deny`, found `{found}`")]
    InvalidEffect { found: String },
    /// `Version` is not one of the two policy language versions.
    #[error("version must be `2012-10-17` or `2008-10-17`, found `{found}`")]
    InvalidVersion { found: String },
    /// Both elements of an exclusive pair, e.g. `Action` and `NotAction`.
    #[error("`{first}` and `{second}` cannot both appear in one statement")]
    Conflicting {
        first: &'static str,
        second: &'static str,
    },
    /// A required element is absent.
    #[error("missing `{element}`")]
    Missing { element: &'static str },
    /// A list (or map) that must name at least one item is empty.
    #[error("{what} must not be empty")]
    Empty { what: &'static str },
    /// A value of the wrong JSON type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    /// A character IAM does not accept in policy documents.
    #[error("character {} is not allowed in policy documents (allowed: tab, lf, cr, u+0020 to u+00ff)", describe_char(*.character))]
    InvalidCharacter { character: char },
    /// A `Principal` map key other than `AWS`, `Service`, `Federated`, `CanonicalUser`.
    #[error(
        "unknown principal type `{found}`, expected one of `AWS`, `Service`, `Federated`, `CanonicalUser`"
    )]
    UnknownPrincipalType { found: String },
    /// `Principal` written as a string other than `*`.
    #[error(
        "principal string must be `*`, found `{found}`; name principals in a map such as {{\"AWS\": …}}"
    )]
    InvalidPrincipalString { found: String },
    /// A condition operator IAM does not know.
    #[error("unknown condition operator `{found}`{}", suggestion_text(&.suggestion.as_deref()))]
    UnknownConditionOperator {
        found: String,
        suggestion: Option<String>,
    },
}

fn suggestion_text(suggestion: &Option<&str>) -> String {
    match suggestion {
        Some(name) => format!(" (did you mean `{name}`?)"),
        None => String::new(),
    }
}

fn describe_char(character: char) -> String {
    format!("u+{:04x}", u32::from(character))
}

/// One problem in a policy document: what, at which JSON path, and where in the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// What is wrong.
    pub kind: PolicyErrorKind,
    /// JSON path of the offending element, e.g. `Statement[2].Action`; empty for the document
    /// itself. Segments are joined with `.`, list indexes are `[i]`, and keys that contain
    /// `.`, `[`, `]`, `"` or whitespace are written `["key"]`.
    pub path: String,
    /// Position in the source text; `None` when parsed from a `serde_json::Value`.
    pub span: Option<Span>,
}

impl PolicyError {
    /// Displays the error prefixed with a file name: `file:line:column: …`.
    pub fn in_file<'a>(&'a self, file: &'a str) -> impl fmt::Display + 'a {
        InFile { error: self, file }
    }
}

struct InFile<'a> {
    error: &'a PolicyError,
    file: &'a str,
}

impl fmt::Display for InFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error.span {
            Some(_) => write!(f, "{}:{}", self.file, self.error),
            None => write!(f, "{}: {}", self.file, self.error),
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(span) = &self.span {
            write!(f, "{}:{}: ", span.line, span.column)?;
        }
        if !self.path.is_empty() {
            write!(f, "`{}`: ", self.path)?;
        }
        write!(f, "{}", self.kind)
    }
}

impl std::error::Error for PolicyError {}

/// Every problem found in one pass over a document (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", join_lines(.errors))]
pub struct PolicyErrors {
    /// In the order found, which is document order within each object except that duplicate
    /// keys are reported first and missing elements last.
    pub errors: Vec<PolicyError>,
}

impl PolicyErrors {
    /// Iterates over the individual errors.
    pub fn iter(&self) -> std::slice::Iter<'_, PolicyError> {
        self.errors.iter()
    }

    /// Displays all errors, one per line, each prefixed with `file:`.
    pub fn in_file<'a>(&'a self, file: &'a str) -> impl fmt::Display + 'a {
        ErrorsInFile { errors: self, file }
    }
}

struct ErrorsInFile<'a> {
    errors: &'a PolicyErrors,
    file: &'a str,
}

impl fmt::Display for ErrorsInFile<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.errors.errors.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", error.in_file(self.file))?;
        }
        Ok(())
    }
}

fn join_lines(errors: &[PolicyError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a string is not an ARN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[expect(
    missing_docs,
    reason = "variants and fields are what the error message shows"
)]
pub enum ArnError {
    #[error("`{arn}` is not an arn: it must start with `arn:`")]
    MissingPrefix { arn: String },
    #[error(
        "`{arn}` is not an arn: expected 6 colon-separated parts (arn:partition:service:region:account:resource), found {found}"
    )]
    TooFewParts { arn: String, found: usize },
    #[error("`{arn}` is not an arn: the {part} is empty")]
    EmptyPart { arn: String, part: &'static str },
    #[error(
        "`{arn}` is not an arn: the {part} `{value}` contains characters outside letters, digits, `-`, `*` and `?`"
    )]
    InvalidPart {
        arn: String,
        part: &'static str,
        value: String,
    },
}

/// A policy variable with no value in the request and no default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy variable `{name}` has no value and no default")]
pub struct MissingVariable {
    /// The key as written, e.g. `aws:PrincipalTag/team`.
    pub name: String,
}

/// A partition name Warden does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[expect(
    missing_docs,
    reason = "variants and fields are what the error message shows"
)]
pub enum PartitionError {
    #[error(
        "unknown partition `{name}`, expected one of `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-iso-e`, `aws-iso-f`, `aws-eusc`"
    )]
    Unknown { name: String },
}

/// An identifier IAM or STS would refuse. The ExternalId's value is never part of the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[expect(
    missing_docs,
    reason = "variants and fields are what the error message shows"
)]
pub enum IdError {
    #[error("account id `{value}` must be 12 digits")]
    InvalidAccountId { value: String },
    #[error("invalid external id: {reason}")]
    InvalidExternalId { reason: String },
}

/// A policy document as returned by an IAM API that is not JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[expect(
    missing_docs,
    reason = "variants and fields are what the error message shows"
)]
pub enum DocumentError {
    #[error("policy document is not utf-8 after url decoding: {message}")]
    NotUtf8 { message: String },
    #[error("policy document is not json: {message}")]
    NotJson { message: String },
}
