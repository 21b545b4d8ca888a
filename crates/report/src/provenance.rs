//! Where evidence comes from: the definitions repository's commit, author and date and whether
//! its tree was clean (read with git2), Warden's version and when live state was read.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::err::ReportError;

/// Paths whose uncommitted changes make the definitions differ from the commit.
pub const DEFINITION_PATHS: [&str; 4] = ["warden.yaml", "policies", "boundaries", "scps"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// `None` outside a git checkout.
    pub commit: Option<String>,
    pub author: Option<String>,
    /// Commit time, RFC 3339 UTC.
    pub commit_date: Option<String>,
    /// No uncommitted or untracked changes under the definition paths.
    pub clean: bool,
    pub warden_version: String,
    /// When live IAM was read, RFC 3339 UTC.
    pub live_read_at: String,
    /// `warden_spec` digest of the definitions.
    pub definitions_digest: String,
    /// The action catalog the counts come from.
    pub catalog: String,
}

impl Provenance {
    /// Reads the repository containing `root`. Outside a git checkout the commit fields are
    /// empty and `clean` is false (nothing proves the files were reviewed).
    pub fn read(
        root: &Path,
        live_read_at: &str,
        definitions_digest: &str,
        catalog: &str,
    ) -> Result<Provenance, ReportError> {
        let mut provenance = Provenance {
            warden_version: crate::WARDEN_VERSION.to_string(),
            live_read_at: live_read_at.to_string(),
            definitions_digest: definitions_digest.to_string(),
            catalog: catalog.to_string(),
            ..Provenance::default()
        };
        let Ok(repo) = git2::Repository::discover(root) else {
            return Ok(provenance);
        };
        let git = |err: git2::Error| ReportError::Git {
            path: root.to_path_buf(),
            message: err.message().to_string(),
        };
        let commit = repo
            .head()
            .and_then(|head| head.peel_to_commit())
            .map_err(git)?;
        provenance.commit = Some(commit.id().to_string());
        let author = commit.author();
        provenance.author = Some(match (author.name().ok(), author.email().ok()) {
            (Some(name), Some(email)) => format!("{name} <{email}>"),
            (Some(name), None) => name.to_string(),
            (None, Some(email)) => email.to_string(),
            (None, None) => String::new(),
        });
        provenance.commit_date = u64::try_from(commit.time().seconds())
            .ok()
            .map(warden_policy::date::rfc3339_utc);
        provenance.clean = definitions_clean(&repo, root).map_err(git)?;
        Ok(provenance)
    }
}

fn definitions_clean(repo: &git2::Repository, root: &Path) -> Result<bool, git2::Error> {
    // Pathspecs are relative to the work tree; the definitions root may be a subdirectory.
    let prefix = repo
        .workdir()
        .and_then(|workdir| {
            let root = root.canonicalize().ok()?;
            let workdir = workdir.canonicalize().ok()?;
            root.strip_prefix(workdir).ok().map(Path::to_path_buf)
        })
        .unwrap_or_default();
    let mut options = git2::StatusOptions::new();
    options.include_untracked(true).recurse_untracked_dirs(true);
    for path in DEFINITION_PATHS {
        options.pathspec(prefix.join(path));
    }
    Ok(repo.statuses(Some(&mut options))?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit_all(repo: &git2::Repository, message: &str) {
        let mut index = repo.index().unwrap();
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let author = git2::Signature::new(
            "Ada Auditor",
            "ada@example.com",
            &git2::Time::new(1_700_000_000, 0),
        )
        .unwrap();
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        repo.commit(Some("HEAD"), &author, &author, message, &tree, &parents)
            .unwrap();
    }

    #[test]
    fn commit_author_date_and_cleanliness_of_the_definitions() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        std::fs::write(dir.path().join("warden.yaml"), "a: 1\n").unwrap();
        commit_all(&repo, "first");
        let clean =
            Provenance::read(dir.path(), "2026-01-01T00:00:00Z", "digest", "catalog").unwrap();
        let head = repo
            .head()
            .unwrap()
            .peel_to_commit()
            .unwrap()
            .id()
            .to_string();
        assert_eq!(clean.commit.as_deref(), Some(head.as_str()));
        assert_eq!(
            clean.author.as_deref(),
            Some("Ada Auditor <ada@example.com>")
        );
        assert_eq!(clean.commit_date.as_deref(), Some("2023-11-14T22:13:20Z"));
        assert!(clean.clean);

        // Files outside the definitions do not matter; a new policy file does.
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        assert!(Provenance::read(dir.path(), "t", "d", "c").unwrap().clean);
        std::fs::create_dir(dir.path().join("policies")).unwrap();
        std::fs::write(dir.path().join("policies/new.yaml"), "kind: Role\n").unwrap();
        assert!(!Provenance::read(dir.path(), "t", "d", "c").unwrap().clean);
    }
}
