//! Warnings for the reviewer: what was left out, narrowed or could not be scoped, and where.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::err::Pos;

/// A remark about generated output, with the file and position it concerns when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: Option<PathBuf>,
    pub pos: Option<Pos>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(pos: Option<Pos>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: None,
            pos,
            message: message.into(),
        }
    }

    /// Attaches the file the position refers to.
    pub fn in_file(mut self, path: &Path) -> Self {
        self.file.get_or_insert_with(|| path.to_owned());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.pos) {
            (Some(file), Some(pos)) => write!(f, "{}:{pos}: {}", file.display(), self.message),
            (Some(file), None) => write!(f, "{}: {}", file.display(), self.message),
            (None, Some(pos)) => write!(f, "{pos}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}
