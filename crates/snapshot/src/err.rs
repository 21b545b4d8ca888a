//! Errors of reading and writing snapshots; every one names the file.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Json { path: PathBuf, message: String },
    #[error("{}: snapshot layout {found} is not supported (this Warden reads layout {supported})", path.display())]
    Layout {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{}: SHA-256 does not match the manifest (the snapshot was changed or is incomplete)", path.display())]
    Digest { path: PathBuf },
    #[error("{}: not a snapshot (no `manifest.json`; an interrupted snapshot has none)", path.display())]
    NoManifest { path: PathBuf },
    #[error("{}: refusing to write a snapshot into a directory that is not empty", path.display())]
    NotEmpty { path: PathBuf },
    #[error("account `{account_id}` is not in the snapshot")]
    UnknownAccount { account_id: String },
    #[error("account `{account_id}` was not read when the snapshot was taken: {reason}")]
    AccountNotRead { account_id: String, reason: String },
    #[error("`{account_id}` is not an account id (12 digits)")]
    BadAccountId { account_id: String },
    #[error("{}: the file is not listed in the manifest", path.display())]
    Unlisted { path: PathBuf },
}
