//! Definitions from files already in memory (a git tree, a test): the same checks as
//! [`Definitions::load`], without reading the file system.

use std::path::Path;

use crate::err::SpecErrors;
use crate::load::{CONFIG_FILE, DEFINITION_DIRS, Definitions, Loader, SourceFile};

/// Whether a path relative to the repository root (with `/`) is one [`Definitions::load`]
/// reads: `warden.yaml`, or a `*.yaml`/`*.yml` under a definition directory with no hidden
/// component.
pub fn is_definition_path(path: &str) -> bool {
    if path == CONFIG_FILE {
        return true;
    }
    let mut parts = path.split('/');
    let in_dir = parts
        .next()
        .is_some_and(|dir| DEFINITION_DIRS.contains(&dir));
    let hidden = path.split('/').any(|part| part.starts_with('.'));
    in_dir && !hidden && (path.ends_with(".yaml") || path.ends_with(".yml"))
}

impl Definitions {
    /// Loads definitions from `(relative path, bytes)` pairs, as if they were the files under
    /// `root`; paths that [`is_definition_path`] rejects are ignored. Errors name the relative
    /// paths, like [`Definitions::load`].
    pub fn from_files(
        root: &Path,
        files: impl IntoIterator<Item = (String, Vec<u8>)>,
    ) -> Result<Definitions, SpecErrors> {
        let mut files: Vec<SourceFile> = files
            .into_iter()
            .filter(|(path, _)| is_definition_path(path))
            .map(|(path, bytes)| SourceFile { path, bytes })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        Loader::default().check_files(root, files, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_definition_paths_are_read() {
        assert!(is_definition_path("warden.yaml"));
        assert!(is_definition_path("policies/team/app.yml"));
        assert!(!is_definition_path("policies/.#app.yaml"));
        assert!(!is_definition_path("policies/.cache/app.yaml"));
        assert!(!is_definition_path("docs/app.yaml"));
        assert!(!is_definition_path("policies/readme.md"));
    }

    #[test]
    fn the_repository_loads_the_same_from_memory_as_from_disk() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let on_disk = Definitions::load(&root).unwrap();
        let files = on_disk
            .files()
            .map(|path| (path.to_string(), std::fs::read(root.join(path)).unwrap()))
            .collect::<Vec<_>>();
        let in_memory = Definitions::from_files(&root, files).unwrap();
        assert_eq!(in_memory, on_disk);
        let broken = Definitions::from_files(&root, Vec::new()).unwrap_err();
        assert!(broken.to_string().contains("warden.yaml"), "{broken}");
    }
}
