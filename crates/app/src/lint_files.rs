//! `lint` over files: the repository's definitions (rendered for every account of an
//! organization file, or as written), policy JSON files, directories of them, and
//! `GetAccountAuthorizationDetails` exports. Each run says what it covered (the scope line), so
//! an empty run does not pass for a clean one.

use std::fs;
use std::path::{Path, PathBuf};

use warden_catalog::Catalog;
use warden_lint::{
    Date, Finding, LintConfig, LintOptions, PolicyKind, PolicySubject, Subject, spec_input,
};
use warden_spec::{Definitions, Organization};

use crate::err::{AppError, json_error};

/// How to lint.
#[derive(Debug, Clone)]
pub struct LintRequest {
    /// Kind of single policy files (`None`: inferred).
    pub kind: Option<PolicyKind>,
    /// Organization file the definitions are rendered for (`None`: linted as written).
    pub org: Option<PathBuf>,
    /// Only this account (id, or name with `org`).
    pub account: Option<String>,
    pub today: Date,
    /// Where lint runs: files are named relative to it when below it.
    pub cwd: PathBuf,
    /// The process exits once the findings are out (the command line): parsed documents are
    /// left for the exit to free rather than freed one by one beside the rendering.
    pub process_exits_after: bool,
}

/// Findings of one run and what it covered.
#[derive(Debug, Default)]
pub struct Linted {
    pub findings: Vec<Finding>,
    /// `4 roles, … in `warden.yaml`, rendered for 3 accounts of …`, one entry per input.
    pub scope: Vec<String>,
}

impl LintRequest {
    /// Lints each path (a repository root with `warden.yaml`, a directory of JSON files, or a
    /// file), keeps the findings of `--account`, and sorts them.
    pub fn lint_paths(&self, paths: &[PathBuf]) -> Result<Linted, AppError> {
        let mut linted = Linted::default();
        for path in paths {
            let findings = self.lint_path(path, &mut linted.scope)?;
            append(&mut linted.findings, findings);
        }
        if let Some(account) = self.account_filter()? {
            linted
                .findings
                .retain(|finding| finding.account.as_deref().is_none_or(|id| id == account));
        }
        warden_lint::finding::sort_findings(&mut linted.findings);
        Ok(linted)
    }

    /// Adds the posture rules (users, keys, root, password policy, unused roles, trust from
    /// outside the organization) on a snapshot's live state, configured by the definitions at
    /// `root` when it has them.
    pub fn lint_snapshot_posture(
        &self,
        linted: &mut Linted,
        dir: &Path,
        root: Option<&Path>,
    ) -> Result<(), AppError> {
        let definitions = match root {
            Some(root) if root.join(warden_spec::CONFIG_FILE).is_file() => Some(
                Definitions::load(root)
                    .map_err(|errors| AppError::Definitions(errors.rooted_at(root)))?,
            ),
            _ => None,
        };
        let definitions = definitions.as_ref();
        let posture = crate::posture::lint_snapshot_account(
            dir,
            &crate::posture::PostureRequest {
                catalog: Catalog::embedded(),
                config: definitions
                    .map(|d| LintConfig::from_spec(&d.config))
                    .unwrap_or_default(),
                posture: crate::posture::posture_config(definitions),
                today: self.today,
                definitions,
            },
            self.account.as_deref(),
        )?;
        let accounts = posture.accounts;
        linted
            .scope
            .push(format!("live posture of {accounts} snapshot account(s)"));
        linted.findings.extend(posture.findings);
        warden_lint::finding::sort_findings(&mut linted.findings);
        Ok(())
    }

    fn lint_path(&self, path: &Path, scope: &mut Vec<String>) -> Result<Vec<Finding>, AppError> {
        if path.is_dir() {
            if path.join(warden_spec::CONFIG_FILE).is_file() {
                return self.lint_definitions(path, scope);
            }
            return self.lint_directory(path, scope);
        }
        let (file, text, value) = match read_json(path)? {
            Ok(read) => read,
            Err(findings) => {
                scope.push(format!("policy file `{}`", display(path)));
                return Ok(findings);
            }
        };
        let config = LintConfig::default();
        let options = self.options(&config);
        if warden_lint::export::looks_like_export(&value) {
            scope.push(format!("account export `{file}`"));
            return Ok(
                warden_lint::lint_authorization_details(&file, &text, &options)
                    .unwrap_or_else(|err| err.findings()),
            );
        }
        scope.push(format!("policy file `{file}`"));
        Ok(
            warden_lint::lint_policy_text(&file, &text, self.kind, &options)
                .unwrap_or_else(|err| err.findings()),
        )
    }

    fn options<'a>(&self, config: &'a LintConfig) -> LintOptions<'a> {
        LintOptions {
            catalog: Catalog::embedded(),
            config,
            today: self.today,
        }
    }

    /// Every `*.json` below `dir`, linted together (in parallel); exports separately.
    fn lint_directory(
        &self,
        dir: &Path,
        scope: &mut Vec<String>,
    ) -> Result<Vec<Finding>, AppError> {
        let config = LintConfig::default();
        // The embedded catalog is indexed and then every service decoded (a directory of
        // policies touches most of them) on a thread of its own, started before the directory
        // is listed: while one core lists, the other works on the catalog instead of idling,
        // and no parse worker waits on it. Rules that reach a service first decode it
        // themselves.
        std::thread::spawn(|| std::hint::black_box(Catalog::embedded().services().count()));
        let files = json_files(dir);
        let options = self.options(&config);
        let read = self.read_files(&files?, &options, Decode::Started)?;
        let mut findings = read.findings;
        append(&mut findings, warden_lint::lint(&read.subject, &options));
        scope.push(format!(
            "{} under `{}`",
            count(read.files, "policy file", "policy files"),
            display(dir)
        ));
        // Freeing thousands of parsed documents takes milliseconds the caller need not wait
        // for: on another thread while it renders, or not at all when the process exits next.
        let subject = read.subject;
        if self.process_exits_after {
            std::mem::forget(subject);
        } else {
            std::thread::spawn(move || drop(subject));
        }
        Ok(findings)
    }

    /// The front end of `lint DIR`: every `*.json` below `dir` read and parsed on every core
    /// while another thread reads the catalog's services, account exports linted with
    /// `options`, and files that are neither a policy nor an export turned into findings at
    /// their positions (the other files are still linted).
    pub fn read_directory(
        &self,
        dir: &Path,
        options: &LintOptions<'_>,
    ) -> Result<DirectoryRead, AppError> {
        self.read_files(&json_files(dir)?, options, Decode::Here)
    }

    /// [`LintRequest::read_directory`] of files already listed.
    fn read_files(
        &self,
        files: &[PathBuf],
        options: &LintOptions<'_>,
        decode: Decode,
    ) -> Result<DirectoryRead, AppError> {
        let mut read = DirectoryRead::default();
        for parsed in self.parse_files(files, options.catalog, decode)? {
            match parsed {
                Parsed::Policy(policy) => {
                    read.subject.policies.push(*policy);
                    read.files += 1;
                }
                Parsed::Export { file, text } => read.findings.extend(
                    warden_lint::lint_authorization_details(&file, &text, options)
                        .unwrap_or_else(|err| err.findings()),
                ),
                Parsed::Unreadable(unreadable) => {
                    read.findings.extend(unreadable);
                    read.files += 1;
                }
            }
        }
        Ok(read)
    }

    /// Reads and parses `files` on every core, in their order, with the catalog's services
    /// decoded beside them (`decode`). Threads take the files a few at a time from a shared
    /// counter, so no thread waits on a slower share. The first error in file order is
    /// returned.
    fn parse_files(
        &self,
        files: &[PathBuf],
        catalog: &Catalog,
        decode: Decode,
    ) -> Result<Vec<Parsed>, AppError> {
        const BATCH: usize = 8;
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            // One buffer per thread for the files' text: the documents keep none of it, and a
            // fresh buffer per file cost an allocation and new pages for every file.
            let mut text = String::new();
            loop {
                let start = next.fetch_add(BATCH, std::sync::atomic::Ordering::Relaxed);
                let Some(batch) = files.get(start..) else {
                    break;
                };
                if batch.is_empty() {
                    break;
                }
                for (offset, path) in batch.iter().take(BATCH).enumerate() {
                    done.push((start + offset, self.parse_file(path, &mut text)));
                }
            }
            done
        };
        let mut done = std::thread::scope(|scope| {
            if decode == Decode::Here {
                scope.spawn(|| std::hint::black_box(catalog.services().count()));
            }
            let workers: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
            let mut done = Vec::with_capacity(files.len());
            for worker in workers {
                done.extend(worker.join().map_err(|_| {
                    AppError::Io(std::io::Error::other(
                        "a thread parsing policy files panicked",
                    ))
                })?);
            }
            Ok::<_, AppError>(done)
        })?;
        done.sort_by_key(|(index, _)| *index);
        done.into_iter().map(|(_, parsed)| parsed).collect()
    }

    /// One file of a directory: a policy, an account export, or findings saying why it is
    /// neither. Every file goes to the policy parser first; only text it rejects is parsed as
    /// generic JSON, which tells an export (the policy grammar refuses an export's top-level
    /// lists, so no export passes for a policy) and gives a JSON error's position. Looking for
    /// an export's keys in every file's text first cost four scans of every file to spare the
    /// rare export one failed policy parse. `text` is the buffer the file is read into (its
    /// content on entry is dropped).
    fn parse_file(&self, path: &Path, text: &mut String) -> Result<Parsed, AppError> {
        use std::io::Read as _;
        text.clear();
        // Through `take`: `File`'s own `read_to_string` first asks for the file's size and
        // position (a `statx` and an `lseek` per file); into the reused buffer two reads do.
        fs::File::open(path)
            .and_then(|file| file.take(u64::MAX).read_to_string(text))
            .map_err(|err| AppError::Read {
                path: path.display().to_string(),
                message: err.to_string(),
            })?;
        let file = display(path);
        Ok(match self.parse_policy(path, file, text) {
            Parsed::Unreadable(findings) => match json_value(display(path), text.clone()) {
                Err(json) => Parsed::Unreadable(json),
                Ok((file, text, value)) if warden_lint::export::looks_like_export(&value) => {
                    Parsed::Export { file, text }
                }
                Ok(_) => Parsed::Unreadable(findings),
            },
            parsed => parsed,
        })
    }

    fn parse_policy(&self, path: &Path, file: String, text: &str) -> Parsed {
        let name = path
            .file_stem()
            .map_or_else(|| file.clone(), |stem| stem.to_string_lossy().into_owned());
        match PolicySubject::from_json_text(name, self.kind, &file, text) {
            Ok(policy) => Parsed::Policy(Box::new(policy)),
            Err(err) => Parsed::Unreadable(err.findings()),
        }
    }

    /// The repository's definitions: rendered for each account of `org`, or as written.
    fn lint_definitions(
        &self,
        root: &Path,
        scope: &mut Vec<String>,
    ) -> Result<Vec<Finding>, AppError> {
        // Files are named as they open from the working directory (`lint ../infra`).
        let shown = self.relative(root);
        let definitions = Definitions::load(root)
            .map_err(|errors| AppError::Definitions(errors.rooted_at(Path::new(&shown))))?;
        let config = LintConfig::from_spec(&definitions.config);
        let described = self.definitions_scope(&definitions, root);
        let Some(org_file) = &self.org else {
            scope.push(format!(
                "{described}, as written (`--org FILE` renders them per account)"
            ));
            let subject = spec_input::subject_from_definitions(&definitions, &config)?;
            let findings = warden_lint::lint(&subject, &self.options(&config));
            return Ok(rooted(findings, &shown));
        };
        let org = load_org(org_file)?;
        let only = match &self.account {
            Some(wanted) => Some(account_in_org(&org, wanted, org_file)?),
            None => None,
        };
        let linted = crate::lint::lint_organization(&definitions, &org, only, self.today)
            .map_err(AppError::Definitions)?;
        scope.push(format!(
            "{described}, rendered for {} of `{}`",
            count(linted.accounts, "account", "accounts"),
            org_file.display()
        ));
        Ok(rooted(linted.findings, &shown))
    }

    /// What the definitions hold, for the scope line: `4 roles, 1 managed policy, …`.
    fn definitions_scope(&self, definitions: &Definitions, root: &Path) -> String {
        format!(
            "{}, {}, {}, {} in `{}`",
            count(definitions.roles.len(), "role", "roles"),
            count(
                definitions.managed_policies.len(),
                "managed policy",
                "managed policies"
            ),
            count(definitions.boundaries.len(), "boundary", "boundaries"),
            count(definitions.scps.len(), "SCP", "SCPs"),
            self.relative(&root.join(warden_spec::CONFIG_FILE))
        )
    }

    /// `path` relative to the working directory when it is below it.
    fn relative(&self, path: &Path) -> String {
        display(path.strip_prefix(&self.cwd).unwrap_or(path))
    }

    /// The account id findings are kept for: `--account` as given, or resolved through `--org`
    /// when it names an account there.
    fn account_filter(&self) -> Result<Option<String>, AppError> {
        let Some(wanted) = &self.account else {
            return Ok(None);
        };
        let Some(org_file) = &self.org else {
            return Ok(Some(wanted.clone()));
        };
        let org = load_org(org_file)?;
        Ok(Some(account_in_org(&org, wanted, org_file)?.to_string()))
    }
}

/// What [`LintRequest::read_directory`] read.
#[derive(Debug, Default)]
pub struct DirectoryRead {
    /// The policy files' documents.
    pub subject: Subject,
    /// The exports' findings and those of files that are neither a policy nor an export.
    pub findings: Vec<Finding>,
    /// Policy files, parsed or not (exports are not counted).
    pub files: usize,
}

/// Where the catalog's services are decoded while a directory's files are parsed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decode {
    /// On a thread of its own beside the parse workers.
    Here,
    /// Already under way (see `lint_directory`).
    Started,
}

/// One file of a directory, read and parsed.
enum Parsed {
    Policy(Box<PolicySubject>),
    Export {
        file: String,
        text: String,
    },
    /// Not JSON, or not a policy: WL104 findings at their positions.
    Unreadable(Vec<Finding>),
}

/// A JSON file as text and value; JSON that does not parse is a WL104 finding at its position.
type Read = Result<(String, String, serde_json::Value), Vec<Finding>>;

fn read_json(path: &Path) -> Result<Read, AppError> {
    let text = fs::read_to_string(path).map_err(|err| AppError::Read {
        path: path.display().to_string(),
        message: err.to_string(),
    })?;
    Ok(json_value(display(path), text))
}

/// `text` as a JSON value, or the WL104 finding of its first JSON error.
fn json_value(file: String, text: String) -> Read {
    match serde_json::from_str(&text) {
        Ok(value) => Ok((file, text, value)),
        Err(err) => {
            let (line, column) = (err.line(), err.column());
            let message = err.to_string();
            let message = message
                .strip_suffix(&format!(" at line {line} column {column}"))
                .unwrap_or(&message)
                .to_string();
            // At the end of input serde_json reports column 0; columns count from 1.
            let error = warden_lint::LintError::Json {
                file,
                line,
                column: column.max(1),
                message,
            };
            Err(error.findings())
        }
    }
}

/// `more` after `findings`, without copying when `findings` is empty (the usual case: one
/// path, no unreadable file); thousands of findings copied into fresh memory cost page faults.
fn append(findings: &mut Vec<Finding>, mut more: Vec<Finding>) {
    if findings.is_empty() {
        std::mem::swap(findings, &mut more);
    } else {
        findings.append(&mut more);
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Findings with their files joined to `root` as shown, when it is a directory below the
/// working directory (SARIF resolves them against the checkout root). Unchanged for `.`, the
/// working directory itself, or a root elsewhere (absolute paths are no SARIF `%SRCROOT%` uri).
fn rooted(mut findings: Vec<Finding>, root: &str) -> Vec<Finding> {
    if !root.is_empty() && root != "." && Path::new(root).is_relative() && !root.starts_with("..") {
        for finding in &mut findings {
            if !finding.file.is_empty() {
                finding.file = format!("{}/{}", root.trim_end_matches('/'), finding.file);
            }
        }
    }
    findings
}

/// Every `*.json` below `dir`, in path order; none is an error.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, AppError> {
    let mut files = Vec::new();
    collect_json(dir, &mut files)?;
    if files.is_empty() {
        return Err(AppError::NoJson {
            dir: dir.display().to_string(),
        });
    }
    Ok(files)
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), AppError> {
    let unreadable = |err: std::io::Error| AppError::ReadDir {
        path: dir.display().to_string(),
        message: err.to_string(),
    };
    let mut entries: Vec<(std::ffi::OsString, Option<fs::FileType>)> = fs::read_dir(dir)
        .map_err(unreadable)?
        .map(|entry| entry.map(|entry| (entry.file_name(), entry.file_type().ok())))
        .collect::<Result<_, _>>()
        .map_err(unreadable)?;
    // By name, each directory's entries before the next name: the order of the whole paths
    // (compared component by component, which costs a parse of both paths per comparison).
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in entries {
        let path = dir.join(name);
        // The entry's type comes with the listing (no `stat` per file); a symbolic link is
        // followed, as `is_dir` does.
        let is_dir = match kind {
            Some(kind) if !kind.is_symlink() => kind.is_dir(),
            _ => path.is_dir(),
        };
        if is_dir {
            collect_json(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// An organization file (as `plan` saves it in `.warden/organization.json`).
pub fn load_org(org_file: &Path) -> Result<Organization, AppError> {
    // A snapshot directory (`--snapshot DIR`): its organization file, digest checked.
    if org_file.is_dir() {
        return crate::snapshot::SnapshotOrganization::open(org_file)
            .map(|snapshot| snapshot.organization().clone());
    }
    let text = fs::read_to_string(org_file).map_err(|err| AppError::Read {
        path: org_file.display().to_string(),
        message: err.to_string(),
    })?;
    serde_json::from_str(&text)
        .map_err(|err| json_error(&org_file.display().to_string(), &err, "not an organization"))
}

/// The id of the account `--account` names, by id or by name (as `plan --account` accepts).
fn account_in_org<'o>(
    org: &'o Organization,
    wanted: &str,
    org_file: &Path,
) -> Result<&'o str, AppError> {
    org.accounts
        .iter()
        .find(|account| account.id == wanted || account.name == wanted)
        .map(|account| account.id.as_str())
        .ok_or_else(|| AppError::UnknownAccount {
            account: wanted.to_string(),
            file: org_file.display().to_string(),
        })
}

fn display(path: &Path) -> String {
    path.strip_prefix("./")
        .unwrap_or(path)
        .display()
        .to_string()
        .replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn request() -> LintRequest {
        LintRequest {
            kind: None,
            org: None,
            account: None,
            today: warden_policy::date::parse_day("2026-12-03").unwrap(),
            cwd: workspace(),
            process_exits_after: false,
        }
    }

    /// The scope line counts what the definitions hold, so an empty run cannot pass for a
    /// clean one.
    #[test]
    fn scope_counts_the_definitions() {
        let root = workspace();
        let definitions = Definitions::load(&root).unwrap();
        let scope = request().definitions_scope(&definitions, &root);
        let roles = definitions.roles.len();
        assert!(roles > 1, "the repository defines several roles");
        assert!(scope.starts_with(&format!("{roles} roles, ")), "{scope}");
        assert!(scope.ends_with("warden.yaml`"), "{scope}");
        assert_eq!(count(1, "SCP", "SCPs"), "1 SCP");
        assert_eq!(count(0, "SCP", "SCPs"), "0 SCPs");
    }

    /// `lint infra` names files as they open from where it ran (and as SARIF resolves them).
    #[test]
    fn findings_are_rooted_where_lint_ran() {
        let finding = |file: &str| Finding {
            rule: "WL101".into(),
            severity: warden_lint::Severity::Warning,
            message: "statement 1 has no sid".into(),
            file: file.into(),
            line: 1,
            column: 1,
            account: None,
            principal: None,
            sid: None,
            excepted: None,
        };
        let rebased = rooted(vec![finding("policies/a.yaml")], "infra/");
        assert_eq!(rebased[0].file, "infra/policies/a.yaml");
        for unchanged in [".", "", "/tmp/infra", "../infra"] {
            let kept = rooted(vec![finding("policies/a.yaml")], unchanged);
            assert_eq!(kept[0].file, "policies/a.yaml");
        }
    }

    /// `--account` takes an id or a name, as `plan --account` does; a name used to match no
    /// account and was reported as missing from the organization.
    #[test]
    fn account_is_found_by_id_or_name() {
        let org_file = workspace().join("crates/lint/tests/fixtures/org/sample-org.json");
        let org = load_org(&org_file).unwrap();
        assert_eq!(
            account_in_org(&org, "payments-prod", &org_file).unwrap(),
            "210987654321"
        );
        assert_eq!(
            account_in_org(&org, "210987654321", &org_file).unwrap(),
            "210987654321"
        );
        let err = account_in_org(&org, "payments-qa", &org_file)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("account `payments-qa` is not in `"),
            "{err}"
        );
    }

    /// Rendered for every account of an organization file: the scope names how many.
    #[test]
    fn definitions_render_for_every_account_of_an_organization_file() {
        let mut request = request();
        request.org = Some(workspace().join("crates/lint/tests/fixtures/org/sample-org.json"));
        let linted = request.lint_paths(&[workspace()]).unwrap();
        assert_eq!(linted.scope.len(), 1);
        assert!(
            linted.scope[0].contains(", rendered for "),
            "{:?}",
            linted.scope
        );
        request.account = Some("payments-prod".into());
        let only = request.lint_paths(&[workspace()]).unwrap();
        assert!(only.findings.iter().all(|finding| {
            finding
                .account
                .as_deref()
                .is_none_or(|id| id == "210987654321")
        }));
    }

    /// One malformed file in a directory is a finding at its position; the other files are
    /// still linted (it used to stop the run and hide everything else).
    #[test]
    fn a_malformed_file_does_not_hide_the_other_files() {
        let dir = std::env::temp_dir().join(format!("warden-lint-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("a-broken.json"),
            "{\"Version\": \"2012-10-17\",\n  \"Statement\": [\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("b-grammar.json"),
            "{\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Sid\": \"X\", \"Effect\": \"Maybe\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]}",
        )
        .unwrap();
        std::fs::write(
            dir.join("c-wide.json"),
            "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Sid\": \"All\", \"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}",
        )
        .unwrap();
        let mut request = request();
        request.cwd = dir.clone();
        let linted = request.lint_paths(std::slice::from_ref(&dir)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let invalid: Vec<_> = linted
            .findings
            .iter()
            .filter(|f| f.rule == "WL104")
            .collect();
        assert_eq!(invalid.len(), 2, "{:#?}", linted.findings);
        assert!(
            invalid[0].file.ends_with("a-broken.json") && invalid[0].line == 3,
            "{:?}",
            invalid[0]
        );
        assert!(
            invalid[0].message.starts_with("invalid json: "),
            "{:?}",
            invalid[0]
        );
        assert!(
            invalid[1].file.ends_with("b-grammar.json") && invalid[1].line == 2,
            "{:?}",
            invalid[1]
        );
        assert!(invalid[1].message.contains("`Maybe`"), "{:?}", invalid[1]);
        assert!(
            linted
                .findings
                .iter()
                .any(|f| f.rule == "WL202" && f.file.ends_with("c-wide.json")),
            "{:#?}",
            linted.findings
        );
        assert!(
            linted.scope[0].starts_with("3 policy files"),
            "{:?}",
            linted.scope
        );
    }

    /// An export in a directory is told from a policy after the policy parser rejects it, and
    /// linted as an export; a policy naming `iam:ListPolicies` stays a policy file.
    #[test]
    fn an_export_in_a_directory_is_linted_as_an_export() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("export.json"),
            r#"{"UserDetailList": [], "GroupDetailList": [], "Policies": [], "RoleDetailList": [
  {"Path": "/", "RoleName": "vendor", "Arn": "arn:aws:iam::111122223333:role/vendor",
   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Sid": "Vendor",
     "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
     "Action": "sts:AssumeRole"}]},
   "RolePolicyList": [], "AttachedManagedPolicies": [], "Tags": []}]}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("list.json"),
            r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Policies", "Effect": "Allow",
  "Action": "iam:ListPolicies", "Resource": "*"}]}"#,
        )
        .unwrap();
        let mut request = request();
        request.cwd = dir.path().to_path_buf();
        let linted = request.lint_paths(&[dir.path().to_path_buf()]).unwrap();
        assert!(
            linted.scope[0].starts_with("1 policy file under"),
            "{:?}",
            linted.scope
        );
        assert!(
            linted
                .findings
                .iter()
                .any(|f| f.file.ends_with("export.json")
                    && f.principal.as_deref() == Some("vendor")
                    && f.account.as_deref() == Some("111122223333")),
            "{:#?}",
            linted.findings
        );
        assert!(
            !linted.findings.iter().any(|f| f.rule == "WL104"),
            "{:#?}",
            linted.findings
        );
    }

    /// Sorting each directory's entries by name lists the files in the order of their whole
    /// paths compared component by component, nested directories included: `a/b/c.json`
    /// before `a-b.json`, which comparing the paths' text would put first.
    #[test]
    fn files_are_listed_in_path_order() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            "a.json",
            "a-b.json",
            "a/z.json",
            "a/b/c.json",
            "a/B.json",
            "A.json",
            "b.json",
            "ab/x.json",
            "a.b/y.json",
        ];
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "{}").unwrap();
        }
        std::fs::write(dir.path().join("notes.txt"), "").unwrap();
        let listed = json_files(dir.path()).unwrap();
        let mut expected: Vec<PathBuf> = files.iter().map(|file| dir.path().join(file)).collect();
        expected.sort();
        assert_eq!(listed, expected);
    }

    #[test]
    fn json_errors_lead_with_the_position_once() {
        let err = serde_json::from_str::<serde_json::Value>("{\"a\": 1,\n}").unwrap_err();
        assert_eq!(
            json_error("x.json", &err, "not a request").to_string(),
            "x.json:2:1: invalid json: trailing comma"
        );
    }
}
