//! Errors of loading and rendering definitions. Each names file, line and column; loading
//! collects all of them so one run reports every problem.

use std::fmt;

use crate::defs::Location;

/// What is wrong. Messages are lowercase, the user's input in backticks; the location is added
/// by [`SpecError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecErrorKind {
    #[error("could not read the file: {message}")]
    Io { message: String },
    /// YAML syntax, including duplicate keys.
    #[error("{message}")]
    Yaml { message: String },
    /// The document does not fit the file format (unknown field, wrong type, missing field).
    #[error("{message}")]
    Format { message: String },
    #[error("missing field `kind`, expected one of `Role`, `ManagedPolicy`, `Boundary`, `Scp`")]
    MissingKind,
    #[error("unknown kind `{found}`, expected one of `Role`, `ManagedPolicy`, `Boundary`, `Scp`")]
    UnknownKind { found: String },
    #[error("kind `{kind}` belongs in `{expected}/`, not in `{found}/`")]
    MisplacedKind {
        kind: &'static str,
        expected: &'static str,
        found: String,
    },
    #[error("duplicate {what} `{name}`, already defined at {first}{note}")]
    DuplicateName {
        what: &'static str,
        name: String,
        first: Location,
        note: &'static str,
    },
    #[error("{what} `{name}` does not exist{hint}")]
    DanglingReference {
        what: &'static str,
        name: String,
        hint: String,
    },
    #[error("invalid target `{target}`: {reason}")]
    InvalidTarget { target: String, reason: String },
    #[error("{message}")]
    InvalidValue { message: String },
    #[error("invalid policy statement: {message}")]
    InvalidStatement { message: String },
    #[error("unknown variable `{name}`{}; known: {known}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownVariable {
        name: String,
        known: String,
        suggestion: Option<String>,
    },
    #[error(
        "variable `{name}` has no value for account `{account}`; define it in `warden.yaml` variables"
    )]
    MissingVariable { name: String, account: String },
    #[error(
        "variable `{name}` depends on an account and cannot be used in an SCP, which is rendered once for the organization"
    )]
    AccountVariableInScp { name: String },
    #[error("malformed variable `{text}`: {reason}")]
    MalformedVariable { text: String, reason: &'static str },
    /// A target selector or variable level that names nothing in the organization.
    #[error("`{target}` matches nothing in the organization: {reason}")]
    UnresolvedTarget { target: String, reason: String },
    #[error(
        "{what} `{name}` is referenced here but does not target account `{account}`; add the account to its targets or remove them"
    )]
    NotDeployed {
        what: &'static str,
        name: String,
        account: String,
    },
}

/// One error at a place in a definition file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub location: Location,
    pub kind: SpecErrorKind,
}

impl SpecError {
    pub fn new(location: Location, kind: SpecErrorKind) -> Self {
        SpecError { location, kind }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.kind)
    }
}

impl std::error::Error for SpecError {}

/// Every error found in one run (never empty when returned as an error).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecErrors {
    pub errors: Vec<SpecError>,
}

impl SpecErrors {
    pub fn iter(&self) -> std::slice::Iter<'_, SpecError> {
        self.errors.iter()
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors with their files joined to `root`. Locations are relative to the repository
    /// root; a command run elsewhere (`--root ../infra`) shows paths that open from where it
    /// ran. `.` and an empty root change nothing.
    pub fn rooted_at(mut self, root: &std::path::Path) -> SpecErrors {
        if root.as_os_str().is_empty() || root == std::path::Path::new(".") {
            return self;
        }
        let rebase = |location: &mut Location| {
            location.file = root
                .join(&location.file)
                .display()
                .to_string()
                .replace('\\', "/");
        };
        for error in &mut self.errors {
            rebase(&mut error.location);
            if let SpecErrorKind::DuplicateName { first, .. } = &mut error.kind {
                rebase(first);
            }
        }
        self
    }

    pub(crate) fn push(&mut self, location: Location, kind: SpecErrorKind) {
        self.errors.push(SpecError::new(location, kind));
    }

    /// `Ok(value)` when no error was collected; errors sorted by file and position.
    pub(crate) fn into_result<T>(mut self, value: T) -> Result<T, SpecErrors> {
        if self.errors.is_empty() {
            return Ok(value);
        }
        self.errors.sort_by(|a, b| a.location.cmp(&b.location));
        self.errors.dedup();
        Err(self)
    }
}

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.errors.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl IntoIterator for SpecErrors {
    type Item = SpecError;
    type IntoIter = std::vec::IntoIter<SpecError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}
