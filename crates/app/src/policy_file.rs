//! Policy documents read from files (or stdin as `-`), with errors at `file:line:column`.

use std::path::Path;

use warden_policy::{PolicyDiff, PolicyDocument};

use crate::AppError;

/// Reads and parses one policy file; `-` reads stdin and is shown as `<stdin>`.
pub fn read(path: &Path) -> Result<PolicyDocument, AppError> {
    let stdin = path == Path::new("-");
    let shown = if stdin {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let text = if stdin {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|err| AppError::Read {
        path: shown.clone(),
        message: err.to_string(),
    })?;
    warden_policy::parse_policy(&text)
        .map_err(|errors| AppError::Policy(errors.in_file(&shown).to_string()))
}

/// The difference in meaning between two policy files.
pub fn compare(old: &Path, new: &Path) -> Result<PolicyDiff, AppError> {
    Ok(warden_policy::diff(&read(old)?, &read(new)?))
}
