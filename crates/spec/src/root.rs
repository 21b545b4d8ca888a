//! Finding the repository: the nearest directory upward holding `warden.yaml`, as git and
//! cargo find theirs.

use std::path::{Path, PathBuf};

use crate::load::CONFIG_FILE;

/// Why no repository was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RootError {
    #[error(
        "no `{CONFIG_FILE}` in `{}` or any directory above it; run inside a Warden repository or pass --root",
        start.display()
    )]
    NotFound { start: PathBuf },
    #[error("could not read `{}`: {message}; pass --root", start.display())]
    Unreadable { start: PathBuf, message: String },
}

/// The nearest directory at or above `start` that holds `warden.yaml`. A relative `start` is
/// made absolute first so the search can climb above it; a file starts at its directory.
pub fn discover_root(start: &Path) -> Result<PathBuf, RootError> {
    let absolute = if start.is_absolute() {
        start.to_path_buf()
    } else {
        std::fs::canonicalize(start).map_err(|err| RootError::Unreadable {
            start: start.to_path_buf(),
            message: err.to_string(),
        })?
    };
    // An unreadable directory on the way up is not the repository; keep climbing.
    let found = absolute
        .ancestors()
        .filter(|dir| dir.is_dir())
        .find(|dir| dir.join(CONFIG_FILE).is_file());
    found.map(Path::to_path_buf).ok_or(RootError::NotFound {
        start: start.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_with_subdir() -> (tempfile::TempDir, PathBuf) {
        let repo = tempfile::tempdir().unwrap();
        std::fs::write(repo.path().join(CONFIG_FILE), "organization: {}\n").unwrap();
        let nested = repo.path().join("policies/team/deep");
        std::fs::create_dir_all(&nested).unwrap();
        (repo, nested)
    }

    #[test]
    fn finds_the_repository_from_itself_and_below() {
        let (repo, nested) = repo_with_subdir();
        assert_eq!(discover_root(repo.path()).unwrap(), repo.path());
        assert_eq!(discover_root(&nested).unwrap(), repo.path());
        let file = nested.join("role.yaml");
        std::fs::write(&file, "kind: Role\n").unwrap();
        assert_eq!(discover_root(&file).unwrap(), repo.path());
    }

    #[test]
    fn the_nearest_repository_wins() {
        let (outer, nested) = repo_with_subdir();
        let inner = outer.path().join("policies/team");
        std::fs::write(inner.join(CONFIG_FILE), "organization: {}\n").unwrap();
        assert_eq!(discover_root(&nested).unwrap(), inner);
        assert_eq!(discover_root(outer.path()).unwrap(), outer.path());
    }

    #[test]
    fn a_directory_named_like_the_config_is_not_one() {
        let outside = tempfile::tempdir().unwrap();
        let nested = outside.path().join("warden.yaml/below");
        std::fs::create_dir_all(&nested).unwrap();
        let found = discover_root(&nested);
        // Only a repository above the temp dir (none on a sane machine) could be found.
        assert!(found.as_ref().is_err() || !found.unwrap().starts_with(outside.path()));
    }

    #[test]
    fn no_repository_says_what_to_do() {
        let outside = tempfile::tempdir().unwrap();
        let err = RootError::NotFound {
            start: outside.path().to_path_buf(),
        };
        assert_eq!(
            err.to_string(),
            format!(
                "no `warden.yaml` in `{}` or any directory above it; run inside a Warden \
                 repository or pass --root",
                outside.path().display()
            )
        );
        match discover_root(outside.path()) {
            Err(found) => assert_eq!(found, err),
            // A `warden.yaml` above the temp dir is found, never the temp dir itself.
            Ok(root) => assert!(!root.starts_with(outside.path())),
        }
    }

    #[test]
    fn a_missing_relative_start_is_unreadable() {
        let err = discover_root(Path::new("no/such/dir-for-warden-tests")).unwrap_err();
        assert!(
            matches!(&err, RootError::Unreadable { start, .. } if start == Path::new("no/such/dir-for-warden-tests")),
            "{err}"
        );
        assert!(
            err.to_string()
                .starts_with("could not read `no/such/dir-for-warden-tests`: ")
        );
        assert!(err.to_string().ends_with("; pass --root"));
    }
}
