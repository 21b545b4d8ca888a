//! Errors of policy generation: intent files, resource specifications, trust templates and CloudTrail input.

use std::path::PathBuf;

/// A position in a source file (1-based).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// An intent file that cannot be read as a valid intent.
#[derive(Debug, thiserror::Error)]
pub enum IntentError {
    #[error("{}:{pos}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        pos: Pos,
        message: String,
    },
    #[error("{}:{pos}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        pos: Pos,
        message: String,
    },
    /// A `--trust` template given on the command line.
    #[error("`--trust {template}`: {reason}")]
    Trust {
        template: String,
        reason: TrustError,
    },
}

/// A `--trust` template that cannot be turned into a trust statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error(
        "unknown trust template `{0}`, expected `service:NAME.amazonaws.com`, `account:ID` or `github:ORG/REPO@REF`"
    )]
    UnknownKind(String),
    #[error("invalid service principal `{0}`, expected a name like `ecs-tasks.amazonaws.com`")]
    BadService(String),
    #[error("invalid account `{0}`, expected 12 digits, optionally followed by `:role/NAME`")]
    BadAccount(String),
    #[error(
        "invalid github subject `{0}`, expected `ORG/REPO@BRANCH`, `ORG/REPO@refs/tags/TAG` or `ORG/REPO@environment:NAME`"
    )]
    BadGithub(String),
    #[error(
        "trust template `{0}` needs the role's account: set `account` in the intent or pass `--account`"
    )]
    MissingAccount(String),
    #[error(
        "invalid external id `{0}`: 2 to 1224 characters of `[\\w+=,.@:/-]`, or a `${{variable}}` placeholder"
    )]
    BadExternalId(String),
}

/// A CloudTrail file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CloudTrailError {
    /// `error` is deliberately not a `source`: the message already includes it, and anyhow's
    /// `{:#}` would print it twice.
    #[error("cannot read `{}`: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}:{line}:{column}: not a CloudTrail log file: {message}", path.display())]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("invalid role arn `{0}`, expected `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`")]
    BadRoleArn(String),
    #[error("invalid date `{0}`, expected `YYYY-MM-DD` or an RFC 3339 time")]
    BadDate(String),
}

/// Generation from an intent failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Intent(#[from] IntentError),
    #[error(transparent)]
    TooLarge(#[from] crate::size::TooLarge),
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// The trail holds no allowed call of the role: there is nothing to grant.
    #[error(
        "no allowed call by `{role}` to generate from: {events_read} event(s) read, {events_of_role} by the role{since}; check `--role`, `--since` and the trail directory"
    )]
    NoActivity {
        role: String,
        events_read: usize,
        events_of_role: usize,
        since: String,
    },
    /// The self-check found a generated document the policy parser rejects (a generator bug).
    #[error("generated policy `{policy}` does not parse: {message}")]
    SelfCheck { policy: String, message: String },
}
