//! Writing a snapshot: the organization, then each account as it arrives, the manifest last.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};
use warden_live::{LiveAccount, LiveScp};
use warden_policy::is_account_id;
use warden_spec::org::Organization;

use crate::err::SnapshotError;
use crate::files::{
    AccountEntry, AccountFileRef, AccountStatus, Manifest, OrganizationFile, account_path,
};
use crate::{LAYOUT_VERSION, MANIFEST, ORGANIZATION};

/// Writes one snapshot directory. Nothing is kept in memory but the file digests and the list
/// of accounts; [`SnapshotWriter::finish`] writes the manifest, which marks the snapshot whole.
#[derive(Debug)]
pub struct SnapshotWriter {
    dir: PathBuf,
    created_at: String,
    tool_version: String,
    accounts: BTreeMap<String, AccountEntry>,
    files: BTreeMap<String, String>,
}

impl SnapshotWriter {
    /// Creates `dir` (and `dir/accounts`); refuses a directory that already holds anything, so
    /// a snapshot never mixes with another.
    pub fn create(
        dir: &Path,
        created_at: &str,
        tool_version: &str,
    ) -> Result<SnapshotWriter, SnapshotError> {
        let io = |source| SnapshotError::Io {
            path: dir.to_path_buf(),
            source,
        };
        if dir.exists() && fs::read_dir(dir).map_err(io)?.next().is_some() {
            return Err(SnapshotError::NotEmpty {
                path: dir.to_path_buf(),
            });
        }
        fs::create_dir_all(dir.join("accounts")).map_err(io)?;
        Ok(SnapshotWriter {
            dir: dir.to_path_buf(),
            created_at: created_at.to_owned(),
            tool_version: tool_version.to_owned(),
            accounts: BTreeMap::new(),
            files: BTreeMap::new(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `organization.json`.
    pub fn write_organization(
        &mut self,
        organization: &Organization,
        scps: &[LiveScp],
        rcps: &[LiveScp],
    ) -> Result<(), SnapshotError> {
        let file = OrganizationFile {
            layout: LAYOUT_VERSION,
            organization: organization.clone(),
            scps: scps.to_vec(),
            rcps: rcps.to_vec(),
        };
        self.write_json(ORGANIZATION, &file)
    }

    /// `accounts/<id>.json` for an account that was read.
    pub fn write_account(
        &mut self,
        name: &str,
        account: &LiveAccount,
    ) -> Result<(), SnapshotError> {
        if !is_account_id(&account.account_id) {
            return Err(SnapshotError::BadAccountId {
                account_id: account.account_id.clone(),
            });
        }
        let relative = account_path(&account.account_id);
        self.write_json(
            &relative,
            &AccountFileRef {
                layout: LAYOUT_VERSION,
                account,
            },
        )?;
        self.accounts.insert(
            account.account_id.clone(),
            AccountEntry {
                id: account.account_id.clone(),
                name: name.to_owned(),
                status: AccountStatus::Read,
                reason: None,
            },
        );
        Ok(())
    }

    /// An account of the selection that was skipped or could not be read: no file, the reason
    /// in the manifest.
    pub fn record_unread(
        &mut self,
        account_id: &str,
        name: &str,
        status: AccountStatus,
        reason: &str,
    ) {
        self.accounts.insert(
            account_id.to_owned(),
            AccountEntry {
                id: account_id.to_owned(),
                name: name.to_owned(),
                status,
                reason: Some(reason.to_owned()),
            },
        );
    }

    /// Writes `manifest.json` and returns it.
    pub fn finish(self) -> Result<Manifest, SnapshotError> {
        let manifest = Manifest {
            layout: LAYOUT_VERSION,
            created_at: self.created_at,
            tool_version: self.tool_version,
            live_layout: warden_live::LAYOUT_VERSION,
            accounts: self.accounts.into_values().collect(),
            files: self.files,
        };
        let path = self.dir.join(MANIFEST);
        let mut out = BufWriter::new(File::create(&path).map_err(|source| SnapshotError::Io {
            path: path.clone(),
            source,
        })?);
        serde_json::to_writer_pretty(&mut out, &manifest).map_err(|err| SnapshotError::Json {
            path: path.clone(),
            message: err.to_string(),
        })?;
        out.write_all(b"\n")
            .and_then(|()| out.flush())
            .map_err(|source| SnapshotError::Io { path, source })?;
        Ok(manifest)
    }

    /// Serializes straight to the file, hashing the bytes on the way.
    fn write_json(&mut self, relative: &str, value: &impl Serialize) -> Result<(), SnapshotError> {
        let path = self.dir.join(relative);
        let io = |source| SnapshotError::Io {
            path: path.clone(),
            source,
        };
        let file = File::create(&path).map_err(io)?;
        let mut out = HashingWriter {
            inner: BufWriter::new(file),
            hasher: Sha256::new(),
        };
        serde_json::to_writer_pretty(&mut out, value).map_err(|err| SnapshotError::Json {
            path: path.clone(),
            message: err.to_string(),
        })?;
        out.write_all(b"\n").map_err(io)?;
        out.inner.flush().map_err(io)?;
        self.files
            .insert(relative.to_owned(), hex::encode(out.hasher.finalize()));
        Ok(())
    }
}

struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
