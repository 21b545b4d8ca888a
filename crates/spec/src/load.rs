//! Loading: reads `warden.yaml` and every definition file, checks them, and collects every error
//! (with file, line and column) before failing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::convert::PolicyParts;
use crate::de::{DeError, from_node};
use crate::defs::{Config, Location, ManagedPolicy, PolicyRef, Role, Scp};
use crate::err::{SpecErrorKind, SpecErrors};
use crate::model::{BoundaryDef, Kind, ManagedPolicyDef, RoleDef, ScpDef, StatementDef};
use crate::yaml::{Node, Pos, Value, parse_documents};

/// The settings file at the repository root.
pub const CONFIG_FILE: &str = "warden.yaml";
/// Directories holding definitions.
pub const DEFINITION_DIRS: [&str; 3] = ["policies", "boundaries", "scps"];

/// Every definition of a repository.
#[derive(Debug, Clone, PartialEq)]
pub struct Definitions {
    pub root: PathBuf,
    pub config: Config,
    pub roles: Vec<Role>,
    /// Customer managed policies from `policies/`.
    pub managed_policies: Vec<ManagedPolicy>,
    /// Permission boundaries from `boundaries/`.
    pub boundaries: Vec<ManagedPolicy>,
    pub scps: Vec<Scp>,
    pub(crate) files: Vec<SourceFile>,
}

/// A file read during loading: its path relative to the root (with `/`) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl SourceFile {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.bytes).unwrap_or_default()
    }
}

impl Definitions {
    /// Reads `warden.yaml` and all `*.yaml`/`*.yml` under `policies/`, `boundaries/`, `scps/`.
    pub fn load(root: &Path) -> Result<Definitions, SpecErrors> {
        let mut loader = Loader::default();
        let files = read_files(root, &mut loader.errors);
        // A warden.yaml that exists but could not be read is already reported.
        let config_reported = root.join(CONFIG_FILE).symlink_metadata().is_ok();
        loader.check_files(root, files, config_reported)
    }

    /// Relative paths of every file read, sorted.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|file| file.path.as_str())
    }

    /// SHA-256 (hex) over the sorted relative paths and contents of every definition file: a
    /// plan records it so a plan made from other definitions is refused.
    pub fn digest(&self) -> String {
        digest_files(&self.files)
    }

    /// A customer managed policy by name (case-insensitive, as IAM).
    pub fn managed_policy(&self, name: &str) -> Option<&ManagedPolicy> {
        self.managed_policies
            .iter()
            .find(|policy| policy.name.eq_ignore_ascii_case(name))
    }

    /// A boundary by name (case-insensitive, as IAM).
    pub fn boundary(&self, name: &str) -> Option<&ManagedPolicy> {
        self.boundaries
            .iter()
            .find(|policy| policy.name.eq_ignore_ascii_case(name))
    }

    pub(crate) fn file_text(&self, path: &str) -> &str {
        self.files
            .iter()
            .find(|file| file.path == path)
            .map_or("", SourceFile::text)
    }
}

pub(crate) fn digest_files(files: &[SourceFile]) -> String {
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update((file.path.len() as u64).to_le_bytes());
        hasher.update(file.path.as_bytes());
        hasher.update((file.bytes.len() as u64).to_le_bytes());
        hasher.update(&file.bytes);
    }
    hex::encode(hasher.finalize())
}

/// Reads the config and every definition file, sorted by relative path.
fn read_files(root: &Path, errors: &mut SpecErrors) -> Vec<SourceFile> {
    let mut paths = Vec::new();
    // Anything named warden.yaml is read (and refused if it is not a regular file).
    if root.join(CONFIG_FILE).symlink_metadata().is_ok() {
        paths.push(root.join(CONFIG_FILE));
    }
    for dir in DEFINITION_DIRS {
        collect_yaml(&root.join(dir), &mut paths, errors, root);
    }
    let mut files: Vec<SourceFile> = paths
        .into_iter()
        .filter_map(|path| {
            let relative = relative_path(root, &path);
            match read_definition_file(&path) {
                Ok(bytes) => Some(SourceFile {
                    path: relative,
                    bytes,
                }),
                Err(message) => {
                    errors.push(
                        Location::file_only(&relative),
                        SpecErrorKind::Io { message },
                    );
                    None
                }
            }
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The largest definition file read (1 MiB): definitions are small; a bigger file is a
/// mistake (a generated dump, a wrong symlink), and reading stops there instead of filling memory.
pub const MAX_DEFINITION_FILE_BYTES: u64 = 1024 * 1024;

/// Reads one definition file: only a regular file (a symlink is followed to one), never a
/// device, FIFO or socket (`/dev/zero` never ends; opening a FIFO blocks), through a reader
/// bounded at [`MAX_DEFINITION_FILE_BYTES`].
fn read_definition_file(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let metadata = std::fs::metadata(path).map_err(|err| err.to_string())?;
    if !metadata.is_file() {
        return Err(
            "not a regular file (a device, FIFO, socket or a symlink to one); definitions are plain files"
                .to_string(),
        );
    }
    let file = std::fs::File::open(path).map_err(|err| err.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_DEFINITION_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| err.to_string())?;
    if bytes.len() as u64 > MAX_DEFINITION_FILE_BYTES {
        return Err(format!(
            "larger than {} bytes; definition files are small YAML documents",
            MAX_DEFINITION_FILE_BYTES
        ));
    }
    Ok(bytes)
}

fn collect_yaml(dir: &Path, paths: &mut Vec<PathBuf>, errors: &mut SpecErrors, root: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let (path, is_dir) = match entry {
            // Symlinked directories are not followed (no loops); symlinked files are read if
            // they lead to a regular file.
            Ok(entry) => (
                entry.path(),
                entry.file_type().is_ok_and(|kind| kind.is_dir()),
            ),
            Err(err) => {
                errors.push(
                    Location::file_only(&relative_path(root, dir)),
                    SpecErrorKind::Io {
                        message: err.to_string(),
                    },
                );
                continue;
            }
        };
        // Editor backups and hidden files (`.#role.yaml`, `.cache/`) are not definitions.
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if is_dir {
            collect_yaml(&path, paths, errors, root);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            paths.push(path);
        }
    }
}

fn relative_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[derive(Default)]
pub(crate) struct Loader {
    pub(crate) errors: SpecErrors,
    pub(crate) roles: Vec<Role>,
    pub(crate) managed_policies: Vec<ManagedPolicy>,
    pub(crate) boundaries: Vec<ManagedPolicy>,
    pub(crate) scps: Vec<Scp>,
    /// The managed marker tag key, which definitions may not set themselves.
    pub(crate) marker_key: Option<String>,
    /// Names (lowercase) of documents whose own errors are reported: references to them are
    /// not reported again as dangling.
    pub(crate) unparsed_names: BTreeSet<String>,
}

/// Parses a file's YAML documents, reporting syntax errors.
pub(crate) fn documents(file: &SourceFile, errors: &mut SpecErrors) -> Vec<Node> {
    let text = match std::str::from_utf8(&file.bytes) {
        Ok(text) => text,
        Err(err) => {
            errors.push(
                Location::file_only(&file.path),
                SpecErrorKind::Io {
                    message: format!("not utf-8: {err}"),
                },
            );
            return Vec::new();
        }
    };
    match parse_documents(text) {
        Ok(documents) => {
            for document in &documents {
                for (pos, written) in numbers_with_leading_zeros(document, text) {
                    errors.push(
                        Location::new(&file.path, pos),
                        SpecErrorKind::InvalidValue {
                            message: format!(
                                "`{written}` is read as a number and loses its leading zero; quote it"
                            ),
                        },
                    );
                }
            }
            documents
        }
        Err(syntax) => {
            errors.push(
                Location::new(&file.path, syntax.pos),
                SpecErrorKind::Yaml {
                    message: syntax.message,
                },
            );
            Vec::new()
        }
    }
}

/// Unquoted numbers written with a leading zero (`012345678901`): YAML reads them as numbers,
/// so an account id would silently become `12345678901`.
fn numbers_with_leading_zeros(node: &Node, text: &str) -> Vec<(Pos, String)> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match &node.value {
            Value::Int(_) | Value::UInt(_) | Value::Float(_) => {
                let written = written_at(text, node.pos);
                let digits = written.strip_prefix('0').unwrap_or_default();
                if digits.starts_with(|c: char| c.is_ascii_digit()) {
                    found.push((node.pos, written));
                }
            }
            Value::Seq(items) => stack.extend(items),
            Value::Map(entries) => stack.extend(entries.iter().map(|(_, value)| value)),
            Value::Null | Value::Bool(_) | Value::Str(_) => {}
        }
    }
    found.sort();
    found
}

/// The plain scalar written at a position (up to a delimiter).
fn written_at(text: &str, pos: Pos) -> String {
    let line = text
        .lines()
        .nth((pos.line as usize).saturating_sub(1))
        .unwrap_or_default();
    line.chars()
        .skip((pos.column as usize).saturating_sub(1))
        .take_while(|c| !matches!(c, ',' | ']' | '}' | '#' | ' ' | '\t'))
        .collect()
}

impl Loader {
    /// Checks files read from disk or from a git tree alike: `warden.yaml` first, then every
    /// definition, names, references and variables; all errors at once.
    pub(crate) fn check_files(
        mut self,
        root: &Path,
        files: Vec<SourceFile>,
        config_reported: bool,
    ) -> Result<Definitions, SpecErrors> {
        let config = match files.iter().find(|file| file.path == CONFIG_FILE) {
            Some(file) => self.config(file),
            None if config_reported => None,
            None => {
                self.errors.push(
                    Location::file_only(CONFIG_FILE),
                    SpecErrorKind::Io {
                        message: "not found".into(),
                    },
                );
                None
            }
        };
        self.marker_key = config.as_ref().map(|c| c.managed_marker.key.clone());
        for file in files.iter().filter(|file| file.path != CONFIG_FILE) {
            self.definitions_file(file);
        }
        self.check_names();
        self.check_references();
        if let Some(config) = &config {
            self.check_variables(config, &files);
        }
        let Some(config) = config else {
            return Err(self.errors.into_result(()).err().unwrap_or_default());
        };
        let definitions = Definitions {
            root: root.to_path_buf(),
            config,
            roles: self.roles,
            managed_policies: self.managed_policies,
            boundaries: self.boundaries,
            scps: self.scps,
            files,
        };
        self.errors.into_result(definitions)
    }

    pub(crate) fn format_error(&mut self, file: &str, err: DeError, fallback: Pos) {
        let pos = err.pos.unwrap_or(fallback);
        self.errors.push(
            Location::new(file, pos),
            SpecErrorKind::Format {
                message: with_suggestion(err.message),
            },
        );
    }

    /// A document that does not fit its format: serde stops at the first problem, so the
    /// statements are also checked one by one to report problems in the others in the same run.
    fn document_format_error(&mut self, file: &str, err: DeError, document: &Node) {
        if let Some(name) = document.get("name").and_then(Node::as_str) {
            self.unparsed_names.insert(name.to_ascii_lowercase());
        }
        let first = err.pos;
        self.format_error(file, err, document.pos);
        for statement in statement_nodes(document) {
            if let Err(err) = from_node::<StatementDef>(statement)
                && err.pos != first
            {
                self.format_error(file, err, statement.pos);
            }
        }
    }

    /// A document with unknown fields: each is reported, then the document without them is
    /// read on, so its other mistakes (more unknown fields, values, references) come in the
    /// same run rather than after the first is fixed. `read` is the typed deserialization
    /// and what follows it; any other format error ends the attempt (it is reported).
    fn without_unknown_fields<T>(
        &mut self,
        file: &str,
        document: &Node,
        mut read: impl FnMut(&mut Self, T, &Node),
    ) where
        T: serde::de::DeserializeOwned,
    {
        let mut current = document.clone();
        let mut reported = BTreeSet::new();
        // Bounded: every round removes one entry from a finite tree.
        for _ in 0..256 {
            match from_node::<T>(&current) {
                Ok(def) => {
                    read(self, def, &current);
                    return;
                }
                Err(err) => {
                    // A typo is read as what it was surely meant to be, so the field's
                    // absence is not reported too; other unknown fields are dropped.
                    let meant = suggestion(&err.message);
                    let removable = err.message.starts_with("unknown field")
                        && err
                            .pos
                            .is_some_and(|pos| recover_key_at(&mut current, pos, meant.as_deref()));
                    let pos = err.pos;
                    if !removable {
                        // The first error also gets the per-statement pass. After a field was
                        // dropped, a missing field is its consequence, not another mistake.
                        if reported.is_empty() {
                            self.document_format_error(file, err, document);
                        } else if !err.message.starts_with("missing field")
                            && pos.is_none_or(|pos| !reported.contains(&pos))
                        {
                            self.format_error(file, err, document.pos);
                        }
                        if let Some(name) = document.get("name").and_then(Node::as_str) {
                            self.unparsed_names.insert(name.to_ascii_lowercase());
                        }
                        return;
                    }
                    if let Some(pos) = pos {
                        reported.insert(pos);
                    }
                    self.format_error(file, err, document.pos);
                }
            }
        }
    }

    pub(crate) fn invalid(&mut self, file: &str, pos: Pos, message: impl Into<String>) {
        self.errors.push(
            Location::new(file, pos),
            SpecErrorKind::InvalidValue {
                message: message.into(),
            },
        );
    }

    pub(crate) fn definitions_file(&mut self, file: &SourceFile) {
        let directory = file.path.split('/').next().unwrap_or_default().to_owned();
        for document in documents(file, &mut self.errors) {
            let Some(kind) = self.document_kind(&file.path, &document) else {
                continue;
            };
            if kind.directory() != directory {
                let pos = document.get("kind").map_or(document.pos, |node| node.pos);
                self.errors.push(
                    Location::new(&file.path, pos),
                    SpecErrorKind::MisplacedKind {
                        kind: kind.as_str(),
                        expected: kind.directory(),
                        found: directory.clone(),
                    },
                );
                continue;
            }
            match kind {
                Kind::Role => self.without_unknown_fields::<RoleDef>(
                    &file.path,
                    &document,
                    |this, def, document| {
                        let role = this.role(&file.path, def, document);
                        this.roles.push(role);
                    },
                ),
                Kind::ManagedPolicy => self.without_unknown_fields::<ManagedPolicyDef>(
                    &file.path,
                    &document,
                    |this, def, document| {
                        let parts = PolicyParts {
                            name: def.name,
                            path: def.path,
                            description: def.description,
                            targets: def.targets,
                            tags: def.tags,
                            exceptions: def.exceptions,
                        };
                        let policy =
                            this.managed_policy(&file.path, Kind::ManagedPolicy, parts, document);
                        this.managed_policies.push(policy);
                    },
                ),
                Kind::Boundary => self.without_unknown_fields::<BoundaryDef>(
                    &file.path,
                    &document,
                    |this, def, document| {
                        let parts = PolicyParts {
                            name: def.name,
                            path: def.path,
                            description: def.description,
                            targets: def.targets,
                            tags: def.tags,
                            exceptions: def.exceptions,
                        };
                        let policy =
                            this.managed_policy(&file.path, Kind::Boundary, parts, document);
                        this.boundaries.push(policy);
                    },
                ),
                Kind::Scp => self.without_unknown_fields::<ScpDef>(
                    &file.path,
                    &document,
                    |this, def, document| {
                        let scp = this.scp(&file.path, def, document);
                        this.scps.push(scp);
                    },
                ),
            }
        }
    }

    pub(crate) fn document_kind(&mut self, file: &str, document: &Node) -> Option<Kind> {
        if !matches!(document.value, Value::Map(_)) {
            self.errors.push(
                Location::new(file, document.pos),
                SpecErrorKind::Format {
                    message: format!(
                        "expected a mapping with `kind`, found {}",
                        document.kind_name()
                    ),
                },
            );
            return None;
        }
        let Some(kind) = document.get("kind") else {
            self.errors.push(
                Location::new(file, document.pos),
                SpecErrorKind::MissingKind,
            );
            return None;
        };
        let text = kind.scalar_text().unwrap_or_default();
        let found = Kind::ALL.into_iter().find(|k| k.as_str() == text);
        if found.is_none() {
            self.errors.push(
                Location::new(file, kind.pos),
                SpecErrorKind::UnknownKind { found: text },
            );
        }
        found
    }

    /// Names are unique per kind (roles) or per account namespace (policies and boundaries),
    /// case-insensitively, as IAM compares them.
    pub(crate) fn check_names(&mut self) {
        let mut roles = BTreeMap::new();
        for role in &self.roles {
            if let Some(first) = first_seen(&mut roles, &role.name, &role.source) {
                self.errors.push(
                    role.source.clone(),
                    duplicate("role name", &role.name, first),
                );
            }
        }
        let mut policies = BTreeMap::new();
        for policy in self.managed_policies.iter().chain(&self.boundaries) {
            if let Some(first) = first_seen(&mut policies, &policy.name, &policy.source) {
                let what = if policy.kind == Kind::Boundary {
                    "boundary name"
                } else {
                    "managed policy name"
                };
                self.errors
                    .push(policy.source.clone(), duplicate(what, &policy.name, first));
            }
        }
        let mut scps = BTreeMap::new();
        for scp in &self.scps {
            if let Some(first) = first_seen(&mut scps, &scp.name, &scp.source) {
                self.errors
                    .push(scp.source.clone(), duplicate("SCP name", &scp.name, first));
            }
        }
    }

    pub(crate) fn check_references(&mut self) {
        let policy_names: BTreeSet<String> = self
            .managed_policies
            .iter()
            .map(|p| p.name.to_ascii_lowercase())
            .collect();
        let boundary_names: BTreeSet<String> = self
            .boundaries
            .iter()
            .map(|p| p.name.to_ascii_lowercase())
            .collect();
        let unparsed = &self.unparsed_names;
        let mut problems = Vec::new();
        for role in &self.roles {
            if let Some(boundary) = &role.boundary
                && !boundary_names.contains(&boundary.value.to_ascii_lowercase())
                && !unparsed.contains(&boundary.value.to_ascii_lowercase())
            {
                let hint = if policy_names.contains(&boundary.value.to_ascii_lowercase()) {
                    "; it is a managed policy, a boundary belongs in `boundaries/` with `kind: Boundary`".to_owned()
                } else {
                    " in `boundaries/`".to_owned()
                };
                problems.push((
                    boundary.location.clone(),
                    SpecErrorKind::DanglingReference {
                        what: "boundary",
                        name: boundary.value.clone(),
                        hint,
                    },
                ));
            }
            for reference in &role.managed_policies {
                if let PolicyRef::Warden { name, location } = reference
                    && !policy_names.contains(&name.to_ascii_lowercase())
                    && !unparsed.contains(&name.to_ascii_lowercase())
                {
                    let hint = if boundary_names.contains(&name.to_ascii_lowercase()) {
                        "; it is a boundary, reference it with `boundary:`".to_owned()
                    } else {
                        " in `policies/` (AWS managed policies are referenced by arn)".to_owned()
                    };
                    problems.push((
                        location.clone(),
                        SpecErrorKind::DanglingReference {
                            what: "managed policy",
                            name: name.clone(),
                            hint,
                        },
                    ));
                }
            }
        }
        for (location, kind) in problems {
            self.errors.push(location, kind);
        }
    }
}

/// Appends `(did you mean `x`?)` to serde's unknown-field or unknown-variant message when one
/// expected name is close to the typo (`Resources` → `Resource`, `allow` → `Allow`).
/// The field an unknown field was surely meant to be (`Resources` → `Resource`).
fn suggestion(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (found, expected) = rest.split_once('`')?;
    closest(found, expected.split('`').skip(1).step_by(2))
}

/// The mapping entry whose key is at `pos`, wherever it is: renamed to `meant` when the
/// mapping lacks that key, else removed. Whether there was one.
fn recover_key_at(node: &mut Node, pos: Pos, meant: Option<&str>) -> bool {
    match &mut node.value {
        Value::Map(entries) => {
            if let Some(at) = entries.iter().position(|(key, _)| key.pos == pos) {
                let free = meant.filter(|m| !entries.iter().any(|(key, _)| key.text == *m));
                match free {
                    Some(meant) => entries[at].0.text = meant.to_string(),
                    None => {
                        entries.remove(at);
                    }
                }
                return true;
            }
            entries
                .iter_mut()
                .any(|(_, value)| recover_key_at(value, pos, meant))
        }
        Value::Seq(items) => items
            .iter_mut()
            .any(|item| recover_key_at(item, pos, meant)),
        _ => false,
    }
}

fn with_suggestion(message: String) -> String {
    let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    else {
        return message;
    };
    let Some((found, expected)) = rest.split_once('`') else {
        return message;
    };
    match closest(found, expected.split('`').skip(1).step_by(2)) {
        Some(candidate) => format!("{message} (did you mean `{candidate}`?)"),
        None => message,
    }
}

/// The candidate closest to a typo, when it is close enough to be what was meant.
pub(crate) fn closest<'a>(
    found: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<String> {
    let found_lower = found.to_lowercase();
    let (distance, candidate) = candidates
        .map(|candidate| {
            (
                edit_distance(&found_lower, &candidate.to_lowercase()),
                candidate,
            )
        })
        .min()?;
    (distance <= found.len().div_ceil(3)).then(|| candidate.to_owned())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// Statement nodes of a definition document: `trust`, `inline_policies.*` and `statements`.
fn statement_nodes(document: &Node) -> Vec<&Node> {
    let lists = ["trust", "statements"]
        .iter()
        .filter_map(|key| document.get(key))
        .chain(
            match document.get("inline_policies").map(|node| &node.value) {
                Some(Value::Map(entries)) => entries.iter().map(|(_, node)| node).collect(),
                _ => Vec::new(),
            },
        );
    lists
        .flat_map(|list| match &list.value {
            Value::Seq(items) => items.iter().collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// The location a name (case-insensitive) was first seen at, recording it when new.
fn first_seen(
    seen: &mut BTreeMap<String, Location>,
    name: &str,
    location: &Location,
) -> Option<Location> {
    match seen.entry(name.to_ascii_lowercase()) {
        std::collections::btree_map::Entry::Occupied(entry) => Some(entry.get().clone()),
        std::collections::btree_map::Entry::Vacant(entry) => {
            entry.insert(location.clone());
            None
        }
    }
}

fn duplicate(what: &'static str, name: &str, first: Location) -> SpecErrorKind {
    SpecErrorKind::DuplicateName {
        what,
        name: name.to_owned(),
        first,
        note: " (IAM names are case-insensitive)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_get_a_suggestion_when_close() {
        let message = "unknown field `Resources`, expected one of `Sid`, `Resource`, `NotResource`";
        assert_eq!(
            with_suggestion(message.to_owned()),
            format!("{message} (did you mean `Resource`?)")
        );
        let far = "unknown field `zzz`, expected one of `Sid`, `Effect`";
        assert_eq!(with_suggestion(far.to_owned()), far);
        assert_eq!(edit_distance("condtion", "condition"), 1);
    }

    #[test]
    fn unknown_variants_get_a_suggestion_when_close() {
        let message = "unknown variant `allow`, expected `Allow` or `Deny`";
        assert_eq!(
            with_suggestion(message.to_owned()),
            format!("{message} (did you mean `Allow`?)")
        );
        let far = "unknown variant `Maybe`, expected `Allow` or `Deny`";
        assert_eq!(with_suggestion(far.to_owned()), far);
    }

    #[test]
    fn digest_depends_on_paths_and_contents() {
        let file = |path: &str, bytes: &[u8]| SourceFile {
            path: path.into(),
            bytes: bytes.to_vec(),
        };
        let a = digest_files(&[file("a.yaml", b"x"), file("b.yaml", b"y")]);
        assert_eq!(a.len(), 64);
        assert_ne!(
            a,
            digest_files(&[file("a.yaml", b"x"), file("b.yaml", b"z")])
        );
        assert_ne!(
            a,
            digest_files(&[file("a.yaml", b"xb.yaml"), file("", b"y")])
        );
        assert_eq!(
            a,
            digest_files(&[file("a.yaml", b"x"), file("b.yaml", b"y")])
        );
    }
}

#[cfg(test)]
mod one_run_tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use super::*;

    const CONFIG: &str = "organization:\n  management_account_id: \"123456789012\"\naccess:\n  role_name: WardenAccess\n  external_id_env: WARDEN_XID\nregions:\n  allowed: [us-east-1]\n  home: us-east-1\n";

    /// Seven mistakes in three files, of every kind the loader knows (unknown fields at two
    /// depths, a value out of range, a dangling reference, a second document's unknown field,
    /// YAML syntax, a duplicate name): one run reports all seven.
    const ROLE: &str = r#"kind: Role
name: app
descripton: The app.
max_session_duration: 99999
boundary: no-such-boundary
targets:
  accounts: ["111111111111"]
trust:
  - Effect: Allow
    Principal: {Service: ecs-tasks.amazonaws.com}
    Action: sts:AssumeRole
    justification: ECS runs the app.
inline_policies:
  read:
    - Sid: Read
      Effect: Allow
      Action: s3:GetObject
      Resources: "*"
      justification: The app reads.
---
kind: Role
name: app
targets:
  accounts: ["111111111111"]
trust:
  - Effect: Allow
    Principal: {Service: ecs-tasks.amazonaws.com}
    Action: sts:AssumeRole
    justification: ECS runs the app.
"#;

    const SCP: &str = r#"kind: Scp
name: guard
description: Guard.
target:
  ous: [Root]
targets:
  ous: [Root]
statements:
  - Effect: Deny
    Action: organizations:LeaveOrganization
    Resource: "*"
"#;

    fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn seven_mistakes_are_reported_in_one_run() {
        let dir = repo(&[
            ("warden.yaml", CONFIG),
            ("policies/app.yaml", ROLE),
            ("policies/broken.yaml", "kind: Role\nname: [unclosed\n"),
            ("scps/guard.yaml", SCP),
        ]);
        let errors = Definitions::load(dir.path()).err().unwrap();
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let text = lines.join("\n");
        for expected in [
            "policies/app.yaml:3:1",  // descripton
            "99999",                  // max session out of range
            "policies/app.yaml:18:7", // Resources
            "no-such-boundary",       // dangling boundary
            "policies/broken.yaml:",  // YAML syntax
            "scps/guard.yaml:4:1",    // target
            "duplicate",              // the role name twice
        ] {
            assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
        }
        assert!(lines.len() >= 7, "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        let dir = repo(&[("warden.yaml", CONFIG)]);
        std::fs::create_dir_all(dir.path().join("policies")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("policies/zero.yaml")).unwrap();
        let fifo = dir.path().join("policies/pipe.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let big = "# padding\n".repeat(120_000);
        std::fs::write(dir.path().join("policies/big.yaml"), big).unwrap();
        let errors = Definitions::load(dir.path()).err().unwrap();
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let text = text.join("\n");
        assert!(
            text.contains("policies/zero.yaml") && text.contains("not a regular file"),
            "{text}"
        );
        assert!(
            text.contains("policies/big.yaml") && text.contains("larger than 1048576 bytes"),
            "{text}"
        );
        if made.is_ok_and(|status| status.success()) {
            assert!(text.contains("policies/pipe.yaml"), "{text}");
        }
    }
}
