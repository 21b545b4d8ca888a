//! The local audit log and the system clock: inputs of apply that live here, not in the AWS
//! adapter.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use warden_plan::audit::AuditRecord;

use crate::err::AppError;

/// Where apply appends its audit records under the repository root.
pub fn audit_path(root: &Path) -> PathBuf {
    root.join(".warden/audit.jsonl")
}

/// The local audit log, `.warden/audit.jsonl`: one JSON line per attempted change, appended
/// and flushed as each call returns.
pub struct AuditLog {
    path: PathBuf,
    file: std::sync::Mutex<std::fs::File>,
}

impl AuditLog {
    pub fn open(path: &Path) -> Result<AuditLog, AppError> {
        let failed = |err: std::io::Error| AppError::Audit {
            path: path.display().to_string(),
            message: err.to_string(),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(failed)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(failed)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file: std::sync::Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record; a write failure is logged, never fatal to the apply in progress.
    pub fn append(&self, record: &AuditRecord) {
        let Ok(mut line) = serde_json::to_string(record) else {
            return;
        };
        line.push('\n');
        let mut file = match self.file.lock() {
            Ok(file) => file,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(err) = file.write_all(line.as_bytes()).and_then(|()| file.flush()) {
            tracing::error!(
                "could not append to the audit log {}: {err}",
                self.path.display()
            );
        }
    }

    /// A sink for [`ApplyRequest::audit`].
    pub fn sink(self: Arc<Self>) -> Arc<dyn Fn(AuditRecord) + Send + Sync> {
        Arc::new(move |record| self.append(&record))
    }
}

/// Current UTC time as RFC 3339.
pub fn now_rfc3339() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    warden_policy::date::rfc3339_utc(seconds)
}

/// Today's date (UTC) for lint exceptions.
pub fn today() -> Result<warden_lint::Date, AppError> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| AppError::Clock)?
        .as_secs();
    i64::try_from(seconds)
        .ok()
        .and_then(warden_lint::subject::date_from_unix_seconds)
        .ok_or(AppError::Clock)
}
