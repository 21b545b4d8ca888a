//! `cargo xtask lint [PATH...]`: lint the repository's definitions (rendered for every account
//! of an organization file, or as written), policy JSON files, directories of them, or
//! `GetAccountAuthorizationDetails` exports. Exit 0: no error-level finding; 1: errors; 2: bad
//! input or usage.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use warden_catalog::Catalog;
use warden_lint::emit::{self, Format};
use warden_lint::{
    Finding, LintConfig, LintOptions, PolicyKind, PolicySubject, Subject, spec_input,
};

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Sarif,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum KindArg {
    Identity,
    Trust,
    Resource,
    Boundary,
    Scp,
}

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 no error-level finding, 1 error-level findings, 2 bad input or usage."
)]
pub struct Args {
    /// Policy JSON files, directories of them, account authorization details exports, or a
    /// repository root with `warden.yaml`. Default: this repository's definitions.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: FormatArg,
    /// Only this account, by id (or by name with `--org`): rendered definitions and exports.
    #[arg(long, value_name = "ID")]
    account: Option<String>,
    /// The date exceptions are judged on, `YYYY-MM-DD` (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
    /// Kind of single policy files (default: inferred; a `Principal` means trust or resource).
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// Organization JSON (accounts, OUs, tags) to render the definitions for every targeted
    /// account. Default: the inventory the last `cargo xtask plan` saved in
    /// `.warden/organization.json`; without either, the definitions are linted as written.
    #[arg(long, value_name = "FILE")]
    org: Option<PathBuf>,
    /// List the rules (id, default severity, group, name, summary) and exit.
    #[arg(long)]
    rules: bool,
    /// Repository linted when no path is given (default: the nearest `warden.yaml` upward).
    #[arg(long)]
    root: Option<PathBuf>,
}

pub fn run(mut args: Args) -> anyhow::Result<ExitCode> {
    if args.rules {
        let mut text = String::new();
        for meta in warden_lint::registry::metas() {
            text.push_str(&format!(
                "{}  {:<7}  {:<10}  {:<32}  {}\n",
                meta.id,
                meta.severity.as_str(),
                meta.group.as_str(),
                meta.name,
                meta.summary
            ));
        }
        super::write_stdout(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let root = if args.paths.is_empty() {
        Some(super::root::resolve(args.root.as_deref())?)
    } else {
        None
    };
    if let (None, Some(root)) = (&args.org, &root) {
        // The organization the last `cargo xtask plan` read: render for every account offline.
        let saved = warden_app::plan::saved_inventory_path(root);
        if saved.exists() {
            args.org = Some(saved);
        }
    }
    let today = today(args.today.as_deref())?;
    let catalog = Catalog::embedded();
    let mut findings = Vec::new();
    let mut scope = Vec::new();
    if let Some(root) = &root {
        findings = lint_definitions(root, &args, catalog, today, &mut scope)?;
    }
    for path in &args.paths {
        findings.extend(lint_path(path, &args, catalog, today, &mut scope)?);
    }
    if let Some(account) = account_filter(&args)? {
        findings.retain(|finding| finding.account.as_deref().is_none_or(|id| id == account));
    }
    warden_lint::finding::sort_findings(&mut findings);
    let format = match args.format {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
    };
    // Say what was linted: "0 errors" alone does not tell an empty run from a clean one.
    // Stderr, so that JSON and SARIF on stdout stay machine-readable.
    if matches!(format, Format::Table) {
        eprintln!("lint: {}", scope.join("; "));
    }
    super::write_stdout(&emit::render(format, &findings))?;
    Ok(if warden_lint::has_errors(&findings) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn today(given: Option<&str>) -> anyhow::Result<warden_lint::Date> {
    match given {
        Some(text) => warden_lint::subject::parse_date(text)
            .with_context(|| format!("`--today {text}` is not a date: expected `YYYY-MM-DD`")),
        None => {
            let seconds = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs();
            warden_lint::subject::date_from_unix_seconds(i64::try_from(seconds)?)
                .context("the system clock is out of range")
        }
    }
}

fn kind(args: &Args) -> Option<PolicyKind> {
    args.kind.map(|kind| match kind {
        KindArg::Identity => PolicyKind::Identity,
        KindArg::Trust => PolicyKind::Trust,
        KindArg::Resource => PolicyKind::Resource,
        KindArg::Boundary => PolicyKind::Boundary,
        KindArg::Scp => PolicyKind::ServiceControl,
    })
}

fn lint_path(
    path: &Path,
    args: &Args,
    catalog: &Catalog,
    today: warden_lint::Date,
    scope: &mut Vec<String>,
) -> anyhow::Result<Vec<Finding>> {
    if path.is_dir() {
        if path.join(warden_spec::CONFIG_FILE).is_file() {
            return lint_definitions(path, args, catalog, today, scope);
        }
        return lint_directory(path, args, catalog, today, scope);
    }
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let file = display(path);
    let config = LintConfig::default();
    let options = LintOptions {
        catalog,
        config: &config,
        today,
    };
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| super::json_error(&file, &err, "invalid json"))?;
    if warden_lint::export::looks_like_export(&value) {
        scope.push(format!("account export `{file}`"));
        return Ok(warden_lint::lint_authorization_details(
            &file, &text, &options,
        )?);
    }
    scope.push(format!("policy file `{file}`"));
    Ok(warden_lint::lint_policy_text(
        &file,
        &text,
        kind(args),
        &options,
    )?)
}

/// Every `*.json` below `dir`, linted together (in parallel); exports separately.
fn lint_directory(
    dir: &Path,
    args: &Args,
    catalog: &Catalog,
    today: warden_lint::Date,
    scope: &mut Vec<String>,
) -> anyhow::Result<Vec<Finding>> {
    let mut files = Vec::new();
    collect_json(dir, &mut files)?;
    if files.is_empty() {
        bail!("`{}` contains no `.json` files", dir.display());
    }
    let config = LintConfig::default();
    let options = LintOptions {
        catalog,
        config: &config,
        today,
    };
    let mut subject = Subject::default();
    let mut findings = Vec::new();
    for path in files {
        let text = fs::read_to_string(&path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let file = display(&path);
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|err| super::json_error(&file, &err, "invalid json"))?;
        if warden_lint::export::looks_like_export(&value) {
            findings.extend(warden_lint::lint_authorization_details(
                &file, &text, &options,
            )?);
            continue;
        }
        let name = path
            .file_stem()
            .map_or_else(|| file.clone(), |stem| stem.to_string_lossy().into_owned());
        subject.policies.push(PolicySubject::from_json_text(
            name,
            kind(args),
            &file,
            &text,
        )?);
    }
    findings.extend(warden_lint::lint(&subject, &options));
    scope.push(format!(
        "{} under `{}`",
        count(subject.policies.len(), "policy file", "policy files"),
        display(dir)
    ));
    Ok(findings)
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What the definitions hold, for the scope line: `4 roles, 1 managed policy, …`.
fn definitions_scope(definitions: &warden_spec::Definitions, root: &Path) -> String {
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
        relative_to_cwd(&root.join(warden_spec::CONFIG_FILE))
    )
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

/// `path` relative to the working directory when it is below it (the default root is absolute).
fn relative_to_cwd(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    display(relative.as_deref().unwrap_or(path))
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot read directory `{}`", dir.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_json(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// The repository's definitions: rendered for each account of `--org`, or as written.
fn lint_definitions(
    root: &Path,
    args: &Args,
    catalog: &Catalog,
    today: warden_lint::Date,
    scope: &mut Vec<String>,
) -> anyhow::Result<Vec<Finding>> {
    // Files are named as they open from the working directory (`lint ../infra`).
    let shown = relative_to_cwd(root);
    let definitions = warden_spec::Definitions::load(root)
        .map_err(|errors| anyhow::anyhow!("{}", errors.rooted_at(Path::new(&shown))))?;
    let config = LintConfig::from_spec(&definitions.config);
    let described = definitions_scope(&definitions, root);
    let Some(org_file) = &args.org else {
        scope.push(format!(
            "{described}, as written (`--org FILE` renders them per account)"
        ));
        let subject = spec_input::subject_from_definitions(&definitions, &config)?;
        let findings = warden_lint::lint(
            &subject,
            &LintOptions {
                catalog,
                config: &config,
                today,
            },
        );
        return Ok(rooted(findings, &shown));
    };
    let org = load_org(org_file)?;
    let only = match &args.account {
        Some(wanted) => Some(account_in_org(&org, wanted, org_file)?),
        None => None,
    };
    let linted = warden_app::lint::lint_organization(&definitions, &org, only, today)
        .map_err(|errors| anyhow::anyhow!("{errors}"))?;
    scope.push(format!(
        "{described}, rendered for {} of `{}`",
        count(linted.accounts, "account", "accounts"),
        org_file.display()
    ));
    Ok(rooted(linted.findings, &shown))
}

fn load_org(org_file: &Path) -> anyhow::Result<warden_spec::Organization> {
    let text = fs::read_to_string(org_file)
        .with_context(|| format!("cannot read `{}`", org_file.display()))?;
    serde_json::from_str(&text).map_err(|err| {
        super::json_error(&org_file.display().to_string(), &err, "not an organization")
    })
}

/// The account id findings are kept for: `--account` as given, or resolved through `--org`
/// when it names an account there.
fn account_filter(args: &Args) -> anyhow::Result<Option<String>> {
    let Some(wanted) = &args.account else {
        return Ok(None);
    };
    let Some(org_file) = &args.org else {
        return Ok(Some(wanted.clone()));
    };
    let org = load_org(org_file)?;
    Ok(Some(account_in_org(&org, wanted, org_file)?.to_string()))
}

/// The id of the account `--account` names, by id or by name (as `plan --account` accepts).
fn account_in_org<'o>(
    org: &'o warden_spec::Organization,
    wanted: &str,
    org_file: &Path,
) -> anyhow::Result<&'o str> {
    org.accounts
        .iter()
        .find(|account| account.id == wanted || account.name == wanted)
        .map(|account| account.id.as_str())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "account `{wanted}` is not in `{}` (give an account id or name)",
                org_file.display()
            )
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

    /// The scope line counts what the definitions hold, so an empty run cannot pass for a
    /// clean one.
    #[test]
    fn scope_counts_the_definitions() {
        let root = crate::cmd::ci::workspace_root();
        let definitions = warden_spec::Definitions::load(&root).unwrap();
        let scope = definitions_scope(&definitions, &root);
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
        let org_file =
            crate::cmd::ci::workspace_root().join("crates/lint/tests/fixtures/org/sample-org.json");
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
}
