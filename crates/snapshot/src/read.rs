//! Reading a snapshot: the manifest first, then each file checked against its SHA-256.

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use warden_live::LiveAccount;
use warden_policy::is_account_id;

use crate::err::SnapshotError;
use crate::files::{
    AccountEntry, AccountFile, AccountStatus, Manifest, OrganizationFile, account_path,
};
use crate::{LAYOUT_VERSION, MANIFEST, ORGANIZATION};

/// An opened snapshot directory.
#[derive(Debug, Clone)]
pub struct Snapshot {
    dir: PathBuf,
    manifest: Manifest,
}

impl Snapshot {
    /// Reads and checks `manifest.json`: its layout version, and that every account id in it is
    /// one (file names are built from them).
    pub fn open(dir: &Path) -> Result<Snapshot, SnapshotError> {
        let path = dir.join(MANIFEST);
        if !path.is_file() {
            return Err(SnapshotError::NoManifest {
                path: dir.to_path_buf(),
            });
        }
        let bytes = fs::read(&path).map_err(|source| SnapshotError::Io {
            path: path.clone(),
            source,
        })?;
        let manifest: Manifest = parse(&path, &bytes)?;
        if manifest.layout != LAYOUT_VERSION {
            return Err(SnapshotError::Layout {
                path,
                found: manifest.layout,
                supported: LAYOUT_VERSION,
            });
        }
        if let Some(bad) = manifest
            .accounts
            .iter()
            .find(|entry| !is_account_id(&entry.id))
        {
            return Err(SnapshotError::BadAccountId {
                account_id: bad.id.clone(),
            });
        }
        Ok(Snapshot {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Every account of the selection, sorted by id.
    pub fn accounts(&self) -> &[AccountEntry] {
        &self.manifest.accounts
    }

    pub fn organization(&self) -> Result<OrganizationFile, SnapshotError> {
        let (path, file): (PathBuf, OrganizationFile) = self.read_checked(ORGANIZATION)?;
        if file.layout != LAYOUT_VERSION {
            return Err(SnapshotError::Layout {
                path,
                found: file.layout,
                supported: LAYOUT_VERSION,
            });
        }
        Ok(file)
    }

    /// One account's live IAM, as the AWS reader gave it when the snapshot was taken.
    pub fn account(&self, account_id: &str) -> Result<LiveAccount, SnapshotError> {
        let entry = self
            .manifest
            .accounts
            .iter()
            .find(|entry| entry.id == account_id)
            .ok_or_else(|| SnapshotError::UnknownAccount {
                account_id: account_id.to_owned(),
            })?;
        if entry.status != AccountStatus::Read {
            return Err(SnapshotError::AccountNotRead {
                account_id: account_id.to_owned(),
                reason: entry.reason.clone().unwrap_or_default(),
            });
        }
        let (path, file): (PathBuf, AccountFile) = self.read_checked(&account_path(account_id))?;
        if file.layout != LAYOUT_VERSION {
            return Err(SnapshotError::Layout {
                path,
                found: file.layout,
                supported: LAYOUT_VERSION,
            });
        }
        Ok(file.account)
    }

    /// Checks every file the manifest lists against its SHA-256.
    pub fn verify(&self) -> Result<(), SnapshotError> {
        for relative in self.manifest.files.keys() {
            let path = self.dir.join(relative);
            let bytes = fs::read(&path).map_err(|source| SnapshotError::Io {
                path: path.clone(),
                source,
            })?;
            self.check_digest(relative, &path, &bytes)?;
        }
        Ok(())
    }

    fn read_checked<T: DeserializeOwned>(
        &self,
        relative: &str,
    ) -> Result<(PathBuf, T), SnapshotError> {
        let path = self.dir.join(relative);
        let bytes = fs::read(&path).map_err(|source| SnapshotError::Io {
            path: path.clone(),
            source,
        })?;
        self.check_digest(relative, &path, &bytes)?;
        let value = parse(&path, &bytes)?;
        Ok((path, value))
    }

    fn check_digest(&self, relative: &str, path: &Path, bytes: &[u8]) -> Result<(), SnapshotError> {
        let Some(expected) = self.manifest.files.get(relative) else {
            return Err(SnapshotError::Unlisted {
                path: path.to_path_buf(),
            });
        };
        if hex::encode(Sha256::digest(bytes)) != *expected {
            return Err(SnapshotError::Digest {
                path: path.to_path_buf(),
            });
        }
        Ok(())
    }
}

fn parse<T: DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T, SnapshotError> {
    serde_json::from_slice(bytes).map_err(|err| SnapshotError::Json {
        path: path.to_path_buf(),
        message: format!("{}:{}: {err}", err.line(), err.column()),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use warden_live::{AccessKey, Coverage, LiveRole, LiveUser};
    use warden_spec::org::Organization;

    use super::*;
    use crate::SnapshotWriter;

    fn organization() -> Organization {
        Organization {
            id: "o-abc".into(),
            management_account_id: "123456789012".into(),
            root_id: "r-root".into(),
            accounts: Vec::new(),
            organizational_units: Vec::new(),
        }
    }

    fn account() -> LiveAccount {
        LiveAccount {
            account_id: "111111111111".into(),
            coverage: Coverage::Full,
            roles: vec![LiveRole {
                name: "deploy".into(),
                path: "/ci/".into(),
                description: Some("déploiement ✓".into()),
                tags: BTreeMap::from([("team".into(), "platform".into())]),
                ..LiveRole::default()
            }],
            users: vec![LiveUser {
                name: "ops".into(),
                access_keys: vec![AccessKey {
                    id_suffix: "MPLE".into(),
                    ..AccessKey::default()
                }],
                ..LiveUser::default()
            }],
            ..LiveAccount::default()
        }
    }

    #[test]
    fn a_written_snapshot_reads_back_equal_and_detects_changes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("snap");
        let mut writer = SnapshotWriter::create(&root, "2026-12-03T10:00:00Z", "0.1.0").unwrap();
        writer
            .write_organization(&organization(), &[], &[])
            .unwrap();
        writer.write_account("dev", &account()).unwrap();
        writer.record_unread(
            "123456789012",
            "management",
            AccountStatus::Skipped,
            "management account",
        );
        let manifest = writer.finish().unwrap();
        assert_eq!(manifest.files.len(), 2);

        let snapshot = Snapshot::open(&root).unwrap();
        snapshot.verify().unwrap();
        assert_eq!(snapshot.account("111111111111").unwrap(), account());
        assert_eq!(
            snapshot.organization().unwrap().organization,
            organization()
        );
        assert!(matches!(
            snapshot.account("123456789012"),
            Err(SnapshotError::AccountNotRead { .. })
        ));
        assert!(matches!(
            snapshot.account("222222222222"),
            Err(SnapshotError::UnknownAccount { .. })
        ));

        let file = root.join("accounts/111111111111.json");
        let text = fs::read_to_string(&file)
            .unwrap()
            .replace("platform", "platfork");
        fs::write(&file, text).unwrap();
        assert!(matches!(
            snapshot.account("111111111111"),
            Err(SnapshotError::Digest { .. })
        ));
        assert!(matches!(
            snapshot.verify(),
            Err(SnapshotError::Digest { .. })
        ));
    }

    #[test]
    fn writing_into_a_used_directory_and_reading_an_unfinished_one_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("x"), "").unwrap();
        assert!(matches!(
            SnapshotWriter::create(dir.path(), "t", "v"),
            Err(SnapshotError::NotEmpty { .. })
        ));
        let unfinished = dir.path().join("unfinished");
        let mut writer = SnapshotWriter::create(&unfinished, "t", "v").unwrap();
        writer.write_account("dev", &account()).unwrap();
        drop(writer);
        assert!(matches!(
            Snapshot::open(&unfinished),
            Err(SnapshotError::NoManifest { .. })
        ));
    }

    #[test]
    fn a_manifest_naming_a_path_instead_of_an_account_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("snap");
        let mut writer = SnapshotWriter::create(&root, "t", "v").unwrap();
        writer.record_unread("../../etc/passwd", "x", AccountStatus::Failed, "x");
        writer.finish().unwrap();
        assert!(matches!(
            Snapshot::open(&root),
            Err(SnapshotError::BadAccountId { .. })
        ));
    }
}
