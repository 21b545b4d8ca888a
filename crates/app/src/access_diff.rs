//! `access-diff`: the definitions at two git revisions (or a revision and the working tree),
//! rendered over one organization and compared as access by `warden-review`.

use std::path::{Path, PathBuf};

use warden_catalog::Catalog;
use warden_review::{AccessDiff, Revision};
use warden_spec::org::Organization;
use warden_spec::source::is_definition_path;
use warden_spec::{Definitions, SpecErrors};

use crate::err::AppError;
use crate::select::render_selected;

#[derive(Debug, thiserror::Error)]
pub enum AccessDiffError {
    #[error("git: {0}")]
    Git(String),
    #[error("`{root}` is not inside a git repository: {message}")]
    NotARepository { root: String, message: String },
    #[error("revision `{revision}`: {message}")]
    Revision { revision: String, message: String },
    #[error("definitions at {revision} do not load:\n{errors}")]
    Definitions {
        revision: String,
        errors: SpecErrors,
    },
    #[error("definitions at {revision}: {source}")]
    Render {
        revision: String,
        #[source]
        source: AppError,
    },
}

/// What to compare.
#[derive(Debug, Clone)]
pub struct AccessDiffRequest {
    /// The repository root (holding `warden.yaml`); it may be a directory inside the git
    /// work tree.
    pub root: PathBuf,
    /// The base revision (`main`, `HEAD~1`, a commit id: anything `git rev-parse` accepts).
    pub base: String,
    /// The head revision; `None` is the working tree as it is on disk.
    pub head: Option<String>,
}

/// The organization both revisions are rendered for: `org` (an organization file), else the
/// organization of `snapshot`, else the inventory the last plan saved under `root`.
pub fn organization(
    root: &Path,
    org: Option<&Path>,
    snapshot: Option<&Path>,
) -> Result<Organization, AppError> {
    match (org, snapshot) {
        (Some(file), _) => crate::lint_files::load_org(file),
        (None, Some(dir)) => Ok(crate::snapshot::SnapshotOrganization::open(dir)?
            .organization()
            .clone()),
        (None, None) => {
            let saved = crate::plan::saved_inventory_path(root);
            if !saved.exists() {
                return Err(AppError::NothingToRender);
            }
            crate::lint_files::load_org(&saved)
        }
    }
}

/// The access diff between the request's two revisions, over `organization`.
pub fn access_diff(
    request: &AccessDiffRequest,
    organization: &Organization,
) -> Result<AccessDiff, AccessDiffError> {
    let base = definitions_at(&request.root, Some(&request.base))?;
    let head = definitions_at(&request.root, request.head.as_deref())?;
    let label = |revision: Option<&str>| match revision {
        Some(revision) => format!("`{revision}`"),
        None => "the working tree".to_string(),
    };
    let render = |definitions: &Definitions, revision: Option<&str>| {
        render_selected(definitions, organization, &[], &[], true).map_err(|source| {
            AccessDiffError::Render {
                revision: label(revision),
                source,
            }
        })
    };
    let base_rendered = render(&base, Some(&request.base))?;
    let head_rendered = render(&head, request.head.as_deref())?;
    Ok(warden_review::access_diff(
        Catalog::embedded(),
        organization,
        Revision {
            accounts: &base_rendered.accounts,
            scps: base_rendered.scps.as_deref().unwrap_or_default(),
        },
        Revision {
            accounts: &head_rendered.accounts,
            scps: head_rendered.scps.as_deref().unwrap_or_default(),
        },
    ))
}

/// The definitions of the repository at `root` as committed at `revision`, or on disk when
/// `None`.
pub fn definitions_at(root: &Path, revision: Option<&str>) -> Result<Definitions, AccessDiffError> {
    let Some(revision) = revision else {
        return Definitions::load(root).map_err(|errors| AccessDiffError::Definitions {
            revision: "the working tree".into(),
            errors,
        });
    };
    let files = files_at(root, revision)?;
    Definitions::from_files(root, files).map_err(|errors| AccessDiffError::Definitions {
        revision: format!("`{revision}`"),
        errors,
    })
}

/// `(path relative to root, bytes)` of every definition file committed at `revision`.
pub fn files_at(root: &Path, revision: &str) -> Result<Vec<(String, Vec<u8>)>, AccessDiffError> {
    let git = |err: git2::Error| AccessDiffError::Git(err.message().to_string());
    let repository =
        git2::Repository::discover(root).map_err(|err| AccessDiffError::NotARepository {
            root: root.display().to_string(),
            message: err.message().to_string(),
        })?;
    let bad_revision = |err: git2::Error| AccessDiffError::Revision {
        revision: revision.to_string(),
        message: err.message().to_string(),
    };
    let tree = repository
        .revparse_single(revision)
        .and_then(|object| object.peel_to_tree())
        .map_err(bad_revision)?;
    let prefix = prefix_in_work_tree(&repository, root);
    let tree = if prefix.as_os_str().is_empty() {
        tree
    } else {
        match tree.get_path(&prefix) {
            Ok(entry) => entry
                .to_object(&repository)
                .and_then(|o| o.peel_to_tree())
                .map_err(git)?,
            // The repository root did not exist at that revision: no definitions there.
            Err(_) => return Ok(Vec::new()),
        }
    };
    let mut files = Vec::new();
    let mut failure = None;
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        let Ok(name) = entry.name() else {
            return git2::TreeWalkResult::Skip;
        };
        let path = format!("{dir}{name}");
        if entry.kind() == Some(git2::ObjectType::Tree) {
            // Only the definition directories are read.
            let top = path.split('/').next().unwrap_or_default();
            return if warden_spec::DEFINITION_DIRS.contains(&top) && !name.starts_with('.') {
                git2::TreeWalkResult::Ok
            } else {
                git2::TreeWalkResult::Skip
            };
        }
        if is_definition_path(&path) {
            match repository.find_blob(entry.id()) {
                Ok(blob) => files.push((path, blob.content().to_vec())),
                Err(err) => {
                    failure = Some(err);
                    return git2::TreeWalkResult::Abort;
                }
            }
        }
        git2::TreeWalkResult::Ok
    })
    .map_err(git)?;
    if let Some(err) = failure {
        return Err(git(err));
    }
    Ok(files)
}

/// Where `root` sits inside the repository's work tree (empty at its top).
fn prefix_in_work_tree(repository: &git2::Repository, root: &Path) -> PathBuf {
    let Some(workdir) = repository.workdir() else {
        return PathBuf::new();
    };
    let canonical = |path: &Path| path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    canonical(root)
        .strip_prefix(canonical(workdir))
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    /// Without `--org`, `--snapshot` or a saved inventory there is nothing to render for.
    #[test]
    fn organization_needs_a_source() {
        let root = tempfile::tempdir().unwrap();
        let err = super::organization(root.path(), None, None).unwrap_err();
        assert!(
            err.to_string().starts_with("no organization to render for"),
            "{err}"
        );
        let missing = root.path().join("org.json");
        assert!(super::organization(root.path(), Some(&missing), None).is_err());
    }
}
