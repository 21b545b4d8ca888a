//! Loading: reads `warden.yaml` and every definition file, checks them, and collects every error
//! (with file, line and column) before failing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::de::{DeError, Located, from_node};
use crate::defs::{
    Config, Exception, InlinePolicy, Location, ManagedPolicy, PolicyRef, Role, Scp, Selectors,
    Sourced, StatementSource, Tag, Targets, Template, Variables,
};
use crate::err::{SpecErrorKind, SpecErrors};
use crate::model::{
    BoundaryDef, ConfigFile, ExceptionDef, Kind, ManagedPolicyDef, RoleDef, ScpDef, SelectorsDef,
    TargetsDef,
};
use crate::yaml::{Node, Pos, Value, parse_documents};
use crate::{target, vars};

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
        let config_file = files.iter().find(|file| file.path == CONFIG_FILE);
        let config = match config_file {
            Some(file) => loader.config(file),
            None => {
                loader.errors.push(
                    Location::file_only(CONFIG_FILE),
                    SpecErrorKind::Io {
                        message: "not found".into(),
                    },
                );
                None
            }
        };
        for file in files.iter().filter(|file| file.path != CONFIG_FILE) {
            loader.definitions_file(file);
        }
        loader.check_names();
        loader.check_references();
        if let Some(config) = &config {
            loader.check_variables(config, &files);
        }
        let Some(config) = config else {
            return Err(loader.errors.into_result(()).err().unwrap_or_default());
        };
        let definitions = Definitions {
            root: root.to_path_buf(),
            config,
            roles: loader.roles,
            managed_policies: loader.managed_policies,
            boundaries: loader.boundaries,
            scps: loader.scps,
            files,
        };
        loader.errors.into_result(definitions)
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
    if root.join(CONFIG_FILE).is_file() {
        paths.push(root.join(CONFIG_FILE));
    }
    for dir in DEFINITION_DIRS {
        collect_yaml(&root.join(dir), &mut paths, errors, root);
    }
    let mut files: Vec<SourceFile> = paths
        .into_iter()
        .filter_map(|path| {
            let relative = relative_path(root, &path);
            match std::fs::read(&path) {
                Ok(bytes) => Some(SourceFile {
                    path: relative,
                    bytes,
                }),
                Err(err) => {
                    errors.push(
                        Location::file_only(&relative),
                        SpecErrorKind::Io {
                            message: err.to_string(),
                        },
                    );
                    None
                }
            }
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn collect_yaml(dir: &Path, paths: &mut Vec<PathBuf>, errors: &mut SpecErrors, root: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
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
        if path.is_dir() {
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

/// Which policy grammar a list of statements follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DocumentKind {
    Trust,
    Identity,
    Scp,
}

#[derive(Default)]
struct Loader {
    errors: SpecErrors,
    roles: Vec<Role>,
    managed_policies: Vec<ManagedPolicy>,
    boundaries: Vec<ManagedPolicy>,
    scps: Vec<Scp>,
}

/// Parses a file's YAML documents, reporting syntax errors.
fn documents(file: &SourceFile, errors: &mut SpecErrors) -> Vec<Node> {
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
        Ok(documents) => documents,
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

impl Loader {
    fn format_error(&mut self, file: &str, err: DeError, fallback: Pos) {
        let pos = err.pos.unwrap_or(fallback);
        self.errors.push(
            Location::new(file, pos),
            SpecErrorKind::Format {
                message: err.message,
            },
        );
    }

    fn invalid(&mut self, file: &str, pos: Pos, message: impl Into<String>) {
        self.errors.push(
            Location::new(file, pos),
            SpecErrorKind::InvalidValue {
                message: message.into(),
            },
        );
    }

    fn config(&mut self, file: &SourceFile) -> Option<Config> {
        let documents = documents(file, &mut self.errors);
        let Some(document) = documents.first() else {
            if self.errors.is_empty() {
                self.invalid(
                    &file.path,
                    Pos { line: 1, column: 1 },
                    "`warden.yaml` is empty",
                );
            }
            return None;
        };
        if let Some(extra) = documents.get(1) {
            self.invalid(&file.path, extra.pos, "`warden.yaml` holds one document");
        }
        match from_node::<ConfigFile>(document) {
            Ok(parsed) => self.check_config(&file.path, parsed),
            Err(err) => {
                self.format_error(&file.path, err, document.pos);
                None
            }
        }
    }

    fn check_config(&mut self, file: &str, parsed: ConfigFile) -> Option<Config> {
        let before = self.errors.len();
        let management = &parsed.organization.management_account_id;
        if !is_account_id(management) {
            self.invalid(
                file,
                management.pos,
                format!(
                    "account id `{}` must be 12 digits (quote it)",
                    management.value
                ),
            );
        }
        if let Some(id) = &parsed.organization.id {
            let well_formed = id.strip_prefix("o-").is_some_and(|rest| {
                (10..=32).contains(&rest.len())
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            if !well_formed {
                self.invalid(
                    file,
                    id.pos,
                    format!(
                        "organization id `{}` must look like `o-a1b2c3d4e5`",
                        id.value
                    ),
                );
            }
        }
        self.check_role_name(file, &parsed.access.role_name);
        let env = &parsed.access.external_id_env;
        if !is_identifier(env) {
            self.invalid(
                file,
                env.pos,
                format!("`{}` is not an environment variable name", env.value),
            );
        }
        self.check_regions(file, &parsed);
        if !(1..=256).contains(&parsed.concurrency.value) {
            self.invalid(
                file,
                parsed.concurrency.pos,
                "concurrency must be between 1 and 256",
            );
        }
        let variables = self.check_variable_settings(file, &parsed);
        for required in &parsed.tags.required {
            self.check_tag_key(file, required.pos, required);
        }
        for admin in &parsed.admin_roles {
            self.check_role_name(file, admin);
        }
        if self.errors.len() > before {
            return None;
        }
        Some(Config {
            management_account_id: management.value.clone(),
            organization_id: parsed.organization.id.map(|id| id.value),
            access_role_name: parsed.access.role_name.value,
            external_id_env: parsed.access.external_id_env.value,
            allowed_regions: parsed
                .regions
                .allowed
                .into_iter()
                .map(|r| r.value)
                .collect(),
            home_region: parsed.regions.home.value,
            concurrency: parsed.concurrency.value,
            variables,
            managed_marker: Tag {
                key: parsed.tags.managed_marker.key,
                value: parsed.tags.managed_marker.value,
            },
            required_tags: parsed.tags.required.into_iter().map(|t| t.value).collect(),
            admin_roles: parsed.admin_roles.into_iter().map(|r| r.value).collect(),
            source: Location::new(file, Pos { line: 1, column: 1 }),
        })
    }

    fn check_regions(&mut self, file: &str, parsed: &ConfigFile) {
        let regions = &parsed.regions;
        let mut seen = BTreeSet::new();
        for region in &regions.allowed {
            if !is_region(region) {
                self.invalid(
                    file,
                    region.pos,
                    format!(
                        "`{}` is not a region name such as `us-east-1`",
                        region.value
                    ),
                );
            }
            if !seen.insert(region.value.as_str()) {
                self.invalid(
                    file,
                    region.pos,
                    format!("region `{}` is listed twice", region.value),
                );
            }
        }
        if regions.allowed.is_empty() {
            self.invalid(
                file,
                Pos { line: 1, column: 1 },
                "`regions.allowed` must name at least one region",
            );
        }
        if !seen.contains(regions.home.value.as_str()) {
            self.invalid(
                file,
                regions.home.pos,
                format!(
                    "home region `{}` is not in `regions.allowed`",
                    regions.home.value
                ),
            );
        }
    }

    fn check_variable_settings(&mut self, file: &str, parsed: &ConfigFile) -> Variables {
        let settings = &parsed.variables;
        let global = self.variable_level(file, &settings.global);
        let mut ous = BTreeMap::new();
        for (path, values) in &settings.ous {
            match target::parse_ou(path) {
                Ok(crate::defs::OuSelector::Path(_)) => {}
                Ok(crate::defs::OuSelector::Id(_)) => self.invalid(
                    file,
                    path.pos,
                    format!("variables are set by OU path, not id: `{}`", path.value),
                ),
                Err(reason) => self.errors.push(
                    Location::new(file, path.pos),
                    SpecErrorKind::InvalidTarget {
                        target: path.value.clone(),
                        reason,
                    },
                ),
            }
            ous.insert(path.value.clone(), self.variable_level(file, values));
        }
        let mut accounts = BTreeMap::new();
        for (account, values) in &settings.accounts {
            if !is_account_id(account) {
                self.invalid(
                    file,
                    account.pos,
                    format!(
                        "account id `{}` must be 12 digits (quote it)",
                        account.value
                    ),
                );
            }
            accounts.insert(account.value.clone(), self.variable_level(file, values));
        }
        Variables {
            global,
            ous,
            accounts,
        }
    }

    fn variable_level(
        &mut self,
        file: &str,
        values: &BTreeMap<Located<String>, Located<String>>,
    ) -> BTreeMap<String, String> {
        let mut level = BTreeMap::new();
        for (name, value) in values {
            if !is_identifier(name) {
                self.invalid(
                    file,
                    name.pos,
                    format!(
                        "variable name `{}` must be letters, digits and `_`",
                        name.value
                    ),
                );
            } else if vars::BUILTIN.contains(&name.as_str())
                && !matches!(name.as_str(), "project" | "environment")
            {
                self.invalid(
                    file,
                    name.pos,
                    format!("`{}` is a built-in variable and cannot be set", name.value),
                );
            }
            level.insert(name.value.clone(), value.value.clone());
        }
        level
    }

    fn check_role_name(&mut self, file: &str, name: &Located<String>) {
        if !is_iam_name(name, 64) {
            self.invalid(
                file,
                name.pos,
                format!(
                    "role name `{}` must be 1 to 64 characters of letters, digits and `+=,.@_-`",
                    name.value
                ),
            );
        }
    }

    fn check_tag_key(&mut self, file: &str, pos: Pos, key: &str) {
        if key.is_empty() || key.chars().count() > 128 {
            self.invalid(
                file,
                pos,
                format!("tag key `{key}` must have 1 to 128 characters"),
            );
        } else if key.to_ascii_lowercase().starts_with("aws:") {
            self.invalid(
                file,
                pos,
                format!("tag key `{key}` uses the reserved prefix `aws:`"),
            );
        }
    }

    fn definitions_file(&mut self, file: &SourceFile) {
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
                Kind::Role => match from_node::<RoleDef>(&document) {
                    Ok(def) => {
                        let role = self.role(&file.path, def, &document);
                        self.roles.push(role);
                    }
                    Err(err) => self.format_error(&file.path, err, document.pos),
                },
                Kind::ManagedPolicy => match from_node::<ManagedPolicyDef>(&document) {
                    Ok(def) => {
                        let parts = PolicyParts {
                            name: def.name,
                            path: def.path,
                            description: def.description,
                            targets: def.targets,
                            tags: def.tags,
                            exceptions: def.exceptions,
                        };
                        let policy =
                            self.managed_policy(&file.path, Kind::ManagedPolicy, parts, &document);
                        self.managed_policies.push(policy);
                    }
                    Err(err) => self.format_error(&file.path, err, document.pos),
                },
                Kind::Boundary => match from_node::<BoundaryDef>(&document) {
                    Ok(def) => {
                        let parts = PolicyParts {
                            name: def.name,
                            path: def.path,
                            description: def.description,
                            targets: def.targets,
                            tags: def.tags,
                            exceptions: def.exceptions,
                        };
                        let policy =
                            self.managed_policy(&file.path, Kind::Boundary, parts, &document);
                        self.boundaries.push(policy);
                    }
                    Err(err) => self.format_error(&file.path, err, document.pos),
                },
                Kind::Scp => match from_node::<ScpDef>(&document) {
                    Ok(def) => {
                        let scp = self.scp(&file.path, def, &document);
                        self.scps.push(scp);
                    }
                    Err(err) => self.format_error(&file.path, err, document.pos),
                },
            }
        }
    }

    fn document_kind(&mut self, file: &str, document: &Node) -> Option<Kind> {
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

    fn role(&mut self, file: &str, def: RoleDef, document: &Node) -> Role {
        let name = def.name.value.clone();
        self.check_role_name(file, &def.name);
        let path = self.iam_path(file, def.path.as_ref());
        let description = self.description(file, def.description.as_ref(), 1000);
        let targets = self.targets(
            file,
            &def.targets,
            document.key("targets").map_or(document.pos, |k| k.pos),
        );
        let trust = self.statements(file, document.get("trust"), DocumentKind::Trust);
        let mut inline_policies = Vec::new();
        if let Some(Value::Map(entries)) = document.get("inline_policies").map(|node| &node.value) {
            for (key, node) in entries {
                if !is_iam_name(&key.text, 128) {
                    self.invalid(file, key.pos, format!("policy name `{}` must be 1 to 128 characters of letters, digits and `+=,.@_-`", key.text));
                }
                let statements = self.statements(file, Some(node), DocumentKind::Identity);
                inline_policies.push(InlinePolicy {
                    name: key.text.clone(),
                    statements,
                    location: Location::new(file, key.pos),
                });
            }
        }
        let managed_policies = def
            .managed_policies
            .iter()
            .map(|reference| self.policy_ref(file, reference))
            .collect();
        let boundary = def.boundary.map(|b| Sourced {
            location: Location::new(file, b.pos),
            value: b.value,
        });
        let tags = self.tags(file, &def.tags);
        let max_session_duration = match &def.max_session_duration {
            Some(duration) if !(3600..=43200).contains(&duration.value) => {
                self.invalid(
                    file,
                    duration.pos,
                    format!(
                        "max_session_duration `{}` must be between 3600 and 43200 seconds",
                        duration.value
                    ),
                );
                duration.value
            }
            Some(duration) => duration.value,
            None => 3600,
        };
        let all_statements: Vec<&StatementSource> = trust
            .iter()
            .chain(
                inline_policies
                    .iter()
                    .flat_map(|policy| policy.statements.iter()),
            )
            .collect();
        let exceptions = self.exceptions(file, &def.exceptions, &all_statements, "role", &name);
        Role {
            name,
            path,
            description,
            targets,
            trust,
            inline_policies,
            managed_policies,
            boundary,
            tags,
            max_session_duration,
            exceptions,
            source: Location::new(file, document.pos),
        }
    }

    fn managed_policy(
        &mut self,
        file: &str,
        kind: Kind,
        parts: PolicyParts,
        document: &Node,
    ) -> ManagedPolicy {
        if !is_iam_name(&parts.name, 128) {
            self.invalid(
                file,
                parts.name.pos,
                format!(
                    "policy name `{}` must be 1 to 128 characters of letters, digits and `+=,.@_-`",
                    parts.name.value
                ),
            );
        }
        let path = self.iam_path(file, parts.path.as_ref());
        let description = self.description(file, parts.description.as_ref(), 1000);
        let targets_pos = document.key("targets").map_or(document.pos, |k| k.pos);
        let targets = parts
            .targets
            .as_ref()
            .map(|t| self.targets(file, t, targets_pos));
        let statements = self.statements(file, document.get("statements"), DocumentKind::Identity);
        let tags = self.tags(file, &parts.tags);
        let what = if kind == Kind::Boundary {
            "boundary"
        } else {
            "managed policy"
        };
        let exceptions = self.exceptions(
            file,
            &parts.exceptions,
            &statements.iter().collect::<Vec<_>>(),
            what,
            &parts.name,
        );
        ManagedPolicy {
            kind,
            name: parts.name.value,
            path,
            description,
            targets,
            statements,
            tags,
            exceptions,
            source: Location::new(file, document.pos),
        }
    }

    fn scp(&mut self, file: &str, def: ScpDef, document: &Node) -> Scp {
        if def.name.trim().is_empty() || def.name.chars().count() > 128 {
            self.invalid(
                file,
                def.name.pos,
                format!(
                    "SCP name `{}` must have 1 to 128 characters",
                    def.name.value
                ),
            );
        }
        let description = self.description(file, def.description.as_ref(), 512);
        let targets = self.targets(
            file,
            &def.targets,
            document.key("targets").map_or(document.pos, |k| k.pos),
        );
        let statements = self.statements(file, document.get("statements"), DocumentKind::Scp);
        let tags = self.tags(file, &def.tags);
        let exceptions = self.exceptions(
            file,
            &def.exceptions,
            &statements.iter().collect::<Vec<_>>(),
            "SCP",
            &def.name,
        );
        Scp {
            name: def.name.value,
            description,
            targets,
            statements,
            tags,
            exceptions,
            source: Location::new(file, document.pos),
        }
    }

    fn iam_path(&mut self, file: &str, path: Option<&Located<String>>) -> String {
        let Some(path) = path else {
            return "/".to_owned();
        };
        let well_formed = path.starts_with('/')
            && path.ends_with('/')
            && path.chars().count() <= 512
            && path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c))
            && !path.contains("//");
        if !well_formed {
            self.invalid(file, path.pos, format!("path `{}` must start and end with `/` (e.g. `/workloads/`), at most 512 printable ascii characters", path.value));
        }
        path.value.clone()
    }

    fn description(
        &mut self,
        file: &str,
        description: Option<&Located<String>>,
        max: usize,
    ) -> Option<Template> {
        let description = description?;
        if description.chars().count() > max {
            self.invalid(
                file,
                description.pos,
                format!(
                    "description has {} characters, at most {max} allowed",
                    description.chars().count()
                ),
            );
        }
        Some(Template {
            text: description.value.clone(),
            location: Location::new(file, description.pos),
        })
    }

    fn tags(
        &mut self,
        file: &str,
        tags: &BTreeMap<Located<String>, Located<String>>,
    ) -> BTreeMap<String, Template> {
        if tags.len() > 49 {
            let pos = tags.keys().next().map_or(Pos::default(), |k| k.pos);
            self.invalid(
                file,
                pos,
                format!(
                    "{} tags, at most 49 allowed (Warden adds its marker tag)",
                    tags.len()
                ),
            );
        }
        let mut out = BTreeMap::new();
        for (key, value) in tags {
            self.check_tag_key(file, key.pos, key);
            if value.chars().count() > 256 {
                self.invalid(
                    file,
                    value.pos,
                    format!("tag value of `{}` has more than 256 characters", key.value),
                );
            }
            out.insert(
                key.value.clone(),
                Template {
                    text: value.value.clone(),
                    location: Location::new(file, value.pos),
                },
            );
        }
        out
    }

    fn policy_ref(&mut self, file: &str, reference: &Located<String>) -> PolicyRef {
        let location = Location::new(file, reference.pos);
        if reference.starts_with("arn:") {
            let parts: Vec<&str> = reference.splitn(6, ':').collect();
            let is_policy = matches!(parts.as_slice(), [_, _, "iam", "", _, resource] if resource.starts_with("policy/"));
            if !is_policy {
                self.invalid(file, reference.pos, format!("`{}` is not an IAM policy arn such as `arn:aws:iam::aws:policy/ReadOnlyAccess`", reference.value));
            }
            return PolicyRef::Arn {
                arn: reference.value.clone(),
                location,
            };
        }
        PolicyRef::Warden {
            name: reference.value.clone(),
            location,
        }
    }

    fn targets(&mut self, file: &str, def: &TargetsDef, pos: Pos) -> Targets {
        let include = self.selectors(
            file,
            &SelectorsDef {
                accounts: def.accounts.clone(),
                ous: def.ous.clone(),
                tags: def.tags.clone(),
            },
        );
        let exclude = self.selectors(file, &def.exclude);
        if include.is_empty() {
            self.invalid(
                file,
                pos,
                "targets must name at least one account, OU or tag",
            );
        }
        Targets {
            include,
            exclude,
            location: Location::new(file, pos),
        }
    }

    fn selectors(&mut self, file: &str, def: &SelectorsDef) -> Selectors {
        let mut selectors = Selectors::default();
        for text in &def.accounts {
            match target::parse_account(text) {
                Ok(value) => selectors.accounts.push(Sourced {
                    value,
                    location: Location::new(file, text.pos),
                }),
                Err(reason) => self.target_error(file, text, reason),
            }
        }
        for text in &def.ous {
            match target::parse_ou(text) {
                Ok(value) => selectors.ous.push(Sourced {
                    value,
                    location: Location::new(file, text.pos),
                }),
                Err(reason) => self.target_error(file, text, reason),
            }
        }
        for text in &def.tags {
            match target::parse_tag(text) {
                Ok(value) => selectors.tags.push(Sourced {
                    value,
                    location: Location::new(file, text.pos),
                }),
                Err(reason) => self.target_error(file, text, reason),
            }
        }
        selectors
    }

    fn target_error(&mut self, file: &str, text: &Located<String>, reason: String) {
        self.errors.push(
            Location::new(file, text.pos),
            SpecErrorKind::InvalidTarget {
                target: text.value.clone(),
                reason,
            },
        );
    }

    fn exceptions(
        &mut self,
        file: &str,
        defs: &[Located<ExceptionDef>],
        statements: &[&StatementSource],
        what: &'static str,
        name: &str,
    ) -> Vec<Exception> {
        let mut out = Vec::new();
        for def in defs {
            if let Some(sid) = &def.sid
                && !statements
                    .iter()
                    .any(|s| s.sid.as_deref() == Some(sid.as_str()))
            {
                self.errors.push(
                    Location::new(file, sid.pos),
                    SpecErrorKind::DanglingReference {
                        what: "statement Sid",
                        name: sid.value.clone(),
                        hint: format!(" in {what} `{name}`"),
                    },
                );
            }
            for (field, value) in [
                ("rule", &def.rule),
                ("reason", &def.reason),
                ("owner", &def.owner),
            ] {
                if value.trim().is_empty() {
                    self.invalid(
                        file,
                        value.pos,
                        format!("exception `{field}` must not be empty"),
                    );
                }
            }
            let Some(expires) = parse_date(&def.expires) else {
                self.invalid(
                    file,
                    def.expires.pos,
                    format!("`{}` is not a date `YYYY-MM-DD`", def.expires.value),
                );
                continue;
            };
            out.push(Exception {
                rule: def.rule.value.clone(),
                sid: def.sid.as_ref().map(|sid| sid.value.clone()),
                reason: def.reason.value.clone(),
                owner: def.owner.value.clone(),
                expires,
                location: Location::new(file, def.pos),
            });
        }
        out
    }

    /// Reads the statements of one policy document and checks them as IAM would.
    fn statements(
        &mut self,
        file: &str,
        list: Option<&Node>,
        kind: DocumentKind,
    ) -> Vec<StatementSource> {
        let Some(Value::Seq(items)) = list.map(|node| &node.value) else {
            return Vec::new();
        };
        let statements: Vec<StatementSource> = items
            .iter()
            .map(|node| statement_source(file, node))
            .collect();
        if statements.is_empty()
            && let Some(list) = list
        {
            self.invalid(file, list.pos, "a policy needs at least one statement");
        }
        let mut sids: BTreeMap<&str, Location> = BTreeMap::new();
        for statement in &statements {
            if let Some(sid) = &statement.sid {
                let pos = statement.node.get("Sid").map_or(Pos::default(), |n| n.pos);
                if let Some(first) = sids.get(sid.as_str()) {
                    self.errors.push(
                        Location::new(file, pos),
                        SpecErrorKind::DuplicateName {
                            what: "statement Sid",
                            name: sid.clone(),
                            first: first.clone(),
                            note: "",
                        },
                    );
                } else {
                    sids.insert(sid, Location::new(file, pos));
                }
            }
            self.statement_shape(file, statement, kind);
        }
        let document = document_json(&statements);
        if let Err(errors) = warden_policy::parse_value(&document) {
            for error in errors.iter() {
                let pos = pos_at_path(&statements, &error.path)
                    .unwrap_or_else(|| list.map_or(Pos::default(), |l| l.pos));
                let message = if error.path.is_empty()
                    || error.path.starts_with("Statement[") && !error.path.contains('.')
                {
                    error.kind.to_string()
                } else {
                    format!("`{}`: {}", strip_statement_index(&error.path), error.kind)
                };
                self.errors.push(
                    Location::new(file, pos),
                    SpecErrorKind::InvalidStatement { message },
                );
            }
        }
        statements
    }

    /// Elements each kind of document requires or forbids.
    fn statement_shape(&mut self, file: &str, statement: &StatementSource, kind: DocumentKind) {
        let node = &statement.node;
        let has = |element: &str| node.get(element).is_some();
        let mut problem = |element: &str, message: String| {
            let pos = node.key(element).map_or(node.pos, |k| k.pos);
            self.errors.push(
                Location::new(file, pos),
                SpecErrorKind::InvalidStatement { message },
            );
        };
        match kind {
            DocumentKind::Trust => {
                if !has("Principal") && !has("NotPrincipal") {
                    problem("", "a trust policy statement needs `Principal`".into());
                }
                for element in ["Resource", "NotResource"] {
                    if has(element) {
                        problem(
                            element,
                            format!("`{element}` is not allowed in a trust policy"),
                        );
                    }
                }
            }
            DocumentKind::Identity | DocumentKind::Scp => {
                let what = if kind == DocumentKind::Scp {
                    "an SCP"
                } else {
                    "an identity policy"
                };
                for element in ["Principal", "NotPrincipal"] {
                    if has(element) {
                        problem(element, format!("`{element}` is not allowed in {what}"));
                    }
                }
                if !has("Resource") && !has("NotResource") {
                    problem(
                        "",
                        format!("a statement of {what} needs `Resource` or `NotResource`"),
                    );
                }
            }
        }
    }

    /// Names are unique per kind (roles) or per account namespace (policies and boundaries),
    /// case-insensitively, as IAM compares them.
    fn check_names(&mut self) {
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

    fn check_references(&mut self) {
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
        let mut problems = Vec::new();
        for role in &self.roles {
            if let Some(boundary) = &role.boundary
                && !boundary_names.contains(&boundary.value.to_ascii_lowercase())
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

    /// Every `${name}` must be a built-in or a user variable; SCPs may only use organization-wide
    /// ones.
    fn check_variables(&mut self, config: &Config, files: &[SourceFile]) {
        let mut known: BTreeSet<String> = vars::BUILTIN
            .iter()
            .map(|name| (*name).to_owned())
            .collect();
        known.extend(config.variables.global.keys().cloned());
        known.extend(
            config
                .variables
                .ous
                .values()
                .flat_map(|level| level.keys().cloned()),
        );
        known.extend(
            config
                .variables
                .accounts
                .values()
                .flat_map(|level| level.keys().cloned()),
        );
        let org_wide: BTreeSet<String> = ["org_id", "region"]
            .iter()
            .map(|n| (*n).to_owned())
            .chain(config.variables.global.keys().cloned())
            .collect();
        let text_of = |path: &str| {
            files
                .iter()
                .find(|f| f.path == path)
                .map_or("", SourceFile::text)
        };
        let mut found = Vec::new();
        for role in &self.roles {
            let statements = role.trust.iter().chain(
                role.inline_policies
                    .iter()
                    .flat_map(|p| p.statements.iter()),
            );
            collect_template_refs(
                role.description.iter().chain(role.tags.values()),
                &mut found,
            );
            for statement in statements {
                collect_node_refs(&statement.location.file, &statement.node, &mut found);
            }
        }
        for policy in self.managed_policies.iter().chain(&self.boundaries) {
            collect_template_refs(
                policy.description.iter().chain(policy.tags.values()),
                &mut found,
            );
            for statement in &policy.statements {
                collect_node_refs(&statement.location.file, &statement.node, &mut found);
            }
        }
        let scp_start = found.len();
        for scp in &self.scps {
            collect_template_refs(scp.description.iter().chain(scp.tags.values()), &mut found);
            for statement in &scp.statements {
                collect_node_refs(&statement.location.file, &statement.node, &mut found);
            }
        }
        for (index, reference) in found.into_iter().enumerate() {
            let location = precise_location(text_of(&reference.file), &reference);
            match reference.result {
                Err(malformed) => self.errors.push(
                    location,
                    SpecErrorKind::MalformedVariable {
                        text: malformed.text,
                        reason: malformed.reason,
                    },
                ),
                Ok(name) if !known.contains(&name) => {
                    let known_list = known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    self.errors.push(
                        location,
                        SpecErrorKind::UnknownVariable {
                            name,
                            known: known_list,
                        },
                    );
                }
                Ok(name) if index >= scp_start && !org_wide.contains(&name) => {
                    self.errors
                        .push(location, SpecErrorKind::AccountVariableInScp { name });
                }
                Ok(_) => {}
            }
        }
    }
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

/// The common part of managed policies and boundaries.
struct PolicyParts {
    name: Located<String>,
    path: Option<Located<String>>,
    description: Option<Located<String>>,
    targets: Option<TargetsDef>,
    tags: BTreeMap<Located<String>, Located<String>>,
    exceptions: Vec<Located<ExceptionDef>>,
}

fn statement_source(file: &str, node: &Node) -> StatementSource {
    let mut json = node.to_json();
    if let Some(object) = json.as_object_mut() {
        object.remove("justification");
    }
    StatementSource {
        sid: node.get("Sid").and_then(Node::scalar_text),
        justification: node.get("justification").and_then(Node::scalar_text),
        location: Location::new(file, node.pos),
        json,
        node: node.clone(),
    }
}

/// `{"Version": "2012-10-17", "Statement": [...]}` from statement sources.
pub(crate) fn document_json(statements: &[StatementSource]) -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": statements.iter().map(|s| s.json.clone()).collect::<Vec<_>>(),
    })
}

/// `Statement[2].Condition.StringEquals` → `Condition.StringEquals`.
fn strip_statement_index(path: &str) -> &str {
    match path
        .strip_prefix("Statement[")
        .and_then(|rest| rest.split_once("]."))
    {
        Some((_, rest)) => rest,
        None => path,
    }
}

/// Finds the YAML position of a JSON path such as `Statement[2].Condition["aws:SourceArn"]`.
pub(crate) fn pos_at_path(statements: &[StatementSource], path: &str) -> Option<Pos> {
    let mut segments = json_path_segments(path).into_iter();
    if segments.next()? != PathSegment::Key("Statement".into()) {
        return None;
    }
    let PathSegment::Index(index) = segments.next()? else {
        return None;
    };
    let mut node = &statements.get(index)?.node;
    let mut pos = node.pos;
    for segment in segments {
        let next = match (&node.value, segment) {
            (Value::Map(entries), PathSegment::Key(key)) => entries
                .iter()
                .find(|(k, _)| k.text == key)
                .map(|(k, v)| (k.pos, v)),
            (Value::Seq(items), PathSegment::Index(i)) => items.get(i).map(|v| (v.pos, v)),
            _ => None,
        };
        let Some((key_pos, child)) = next else { break };
        // Keys for elements (as unknown-field errors do), items for list positions.
        pos = key_pos;
        node = child;
    }
    Some(pos)
}

#[derive(Debug, PartialEq, Eq)]
enum PathSegment {
    Key(String),
    Index(usize),
}

fn json_path_segments(path: &str) -> Vec<PathSegment> {
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[\"") {
            let end = after.find("\"]").unwrap_or(after.len());
            segments.push(PathSegment::Key(after[..end].to_owned()));
            rest = after.get(end + 2..).unwrap_or("");
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').unwrap_or(after.len());
            segments.push(PathSegment::Index(
                after[..end].parse().unwrap_or(usize::MAX),
            ));
            rest = after.get(end + 1..).unwrap_or("");
        } else {
            let rest_trimmed = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_trimmed.find(['.', '[']).unwrap_or(rest_trimmed.len());
            segments.push(PathSegment::Key(rest_trimmed[..end].to_owned()));
            rest = &rest_trimmed[end..];
        }
    }
    segments
}

/// A variable reference found in a definition, before it is checked.
pub(crate) struct FoundRef {
    pub file: String,
    pub pos: Pos,
    pub scalar: String,
    pub char_offset: usize,
    pub result: Result<String, vars::Malformed>,
}

fn collect_template_refs<'a>(
    templates: impl Iterator<Item = &'a Template>,
    found: &mut Vec<FoundRef>,
) {
    for template in templates {
        let pos = Pos {
            line: template.location.line,
            column: template.location.column,
        };
        push_refs(&template.location.file, pos, &template.text, found);
    }
}

fn collect_node_refs(file: &str, node: &Node, found: &mut Vec<FoundRef>) {
    match &node.value {
        Value::Str(text) => push_refs(file, node.pos, text, found),
        Value::Seq(items) => items
            .iter()
            .for_each(|item| collect_node_refs(file, item, found)),
        Value::Map(entries) => {
            for (key, value) in entries {
                if key.text != "justification" {
                    push_refs(file, key.pos, &key.text, found);
                    collect_node_refs(file, value, found);
                }
            }
        }
        _ => {}
    }
}

fn push_refs(file: &str, pos: Pos, text: &str, found: &mut Vec<FoundRef>) {
    let base = |char_offset, result| FoundRef {
        file: file.to_owned(),
        pos,
        scalar: text.to_owned(),
        char_offset,
        result,
    };
    match vars::references(text) {
        Ok(references) => found.extend(
            references
                .into_iter()
                .map(|r| base(r.char_offset, Ok(r.name))),
        ),
        Err(malformed) => found.push(base(malformed.char_offset, Err(malformed))),
    }
}

/// The location of the `$` of a variable: exact when the scalar starts on its line as written
/// (plain or quoted), else the start of the scalar.
pub(crate) fn precise_location(file_text: &str, reference: &FoundRef) -> Location {
    let column = column_within_scalar(
        file_text,
        reference.pos,
        &reference.scalar,
        reference.char_offset,
    );
    Location {
        file: reference.file.clone(),
        line: reference.pos.line,
        column: column.unwrap_or(reference.pos.column),
    }
}

fn column_within_scalar(
    file_text: &str,
    pos: Pos,
    scalar: &str,
    char_offset: usize,
) -> Option<u32> {
    let line = file_text
        .lines()
        .nth(usize::try_from(pos.line).ok()?.checked_sub(1)?)?;
    let from_column: String = line
        .chars()
        .skip(usize::try_from(pos.column).ok()?.checked_sub(1)?)
        .collect();
    let prefix: String = scalar.chars().take(char_offset + 2).collect();
    if prefix.contains('\n') {
        return None;
    }
    let offset = u32::try_from(char_offset).ok()?;
    if from_column.starts_with(&prefix) {
        Some(pos.column + offset)
    } else if (from_column.starts_with('"') || from_column.starts_with('\''))
        && from_column[1..].starts_with(&prefix)
    {
        Some(pos.column + 1 + offset)
    } else {
        None
    }
}

fn parse_date(text: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).ok()
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_iam_name(text: &str, max: usize) -> bool {
    (1..=max).contains(&text.chars().count())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_split_into_segments() {
        assert_eq!(
            json_path_segments(r#"Statement[2].Condition.StringEquals["aws:SourceArn"][1]"#),
            vec![
                PathSegment::Key("Statement".into()),
                PathSegment::Index(2),
                PathSegment::Key("Condition".into()),
                PathSegment::Key("StringEquals".into()),
                PathSegment::Key("aws:SourceArn".into()),
                PathSegment::Index(1),
            ]
        );
    }

    #[test]
    fn regions_are_recognized() {
        assert!(is_region("us-east-1"));
        assert!(is_region("us-gov-west-1"));
        assert!(is_region("ap-southeast-2"));
        assert!(!is_region("useast1"));
        assert!(!is_region("US-EAST-1"));
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
