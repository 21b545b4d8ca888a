//! `cargo xtask plan`: compare the definitions with live IAM in every selected account and show
//! (or save) the changes. Also holds what `apply` and `bench` share: connection flags, loading
//! definitions, the git commit.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use std::sync::Arc;

use warden_aws::workflow::{self, LintGate, PlanOutcome, PlanRequest};
use warden_aws::{Aws, AwsOptions, ProgressEvent};
use warden_catalog::Catalog;
use warden_lint::{Finding, LintConfig, Severity, lint_rendered_account, lint_rendered_scps};
use warden_plan::render::{RenderOptions, render_json, render_table};
use warden_spec::Definitions;
use warden_spec::render::{RenderedAccount, RenderedScp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// How to reach AWS (or an emulator).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct Connection {
    /// AWS profile for the management account credentials.
    #[arg(long)]
    pub profile: Option<String>,
    /// Region for STS and Organizations (default: warden.yaml `regions.home`).
    #[arg(long)]
    pub region: Option<String>,
    /// Custom endpoint, e.g. a local moto server (on loopback, its static test credentials are used).
    #[arg(long)]
    pub endpoint_url: Option<String>,
}

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 planned (changes or not), 1 error (bad definitions, lint errors, \
unreadable accounts, AWS failures); with --detailed-exitcode, 0 no changes, 1 error, 2 changes."
)]
pub struct Args {
    /// Save the plan (JSON) for `cargo xtask apply FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit 2 when there are changes (0: none, 1: error).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Only this account (id or name); repeatable.
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Only accounts under this OU path (`Root/Workloads`) or id; repeatable.
    #[arg(long = "ou", value_name = "PATH")]
    pub ous: Vec<String>,
    /// Output: tables for people, or the plan (the saved format) as JSON for machines.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// List unmanaged roles and policies under each account.
    #[arg(long)]
    pub show_unmanaged: bool,
    /// Repository with warden.yaml and the definitions.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    #[command(flatten)]
    pub connection: Connection,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match plan_command(&args) {
        Ok(code) => Ok(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            Ok(ExitCode::from(1))
        }
    }
}

fn plan_command(args: &Args) -> anyhow::Result<ExitCode> {
    let definitions = load_definitions(&args.root)?;
    let runtime = runtime()?;
    let outcome = runtime.block_on(async {
        let aws = connect(&definitions, &args.connection).await?;
        plan_with(&aws, &definitions, &args.root, &args.accounts, &args.ous).await
    })?;
    save_inventory(&args.root, &outcome.organization);
    let plan = &outcome.plan;
    if let Some(path) = &args.out {
        write_atomically(path, &plan.to_json())?;
        eprintln!("plan saved to {}", path.display());
    }
    match args.format {
        Format::Table => super::write_stdout(&render_table(
            plan,
            RenderOptions {
                show_unmanaged: args.show_unmanaged,
            },
        ))?,
        Format::Json => super::write_stdout(&(render_json(plan) + "\n"))?,
    }
    if !plan.unreadable.is_empty() {
        eprintln!(
            "warning: {} account(s) could not be read and are not covered by this plan",
            plan.unreadable.len()
        );
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes through a temporary file and a rename, so a reader never sees half a plan.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, text)
        .with_context(|| format!("could not write `{}`", temporary.display()))?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("could not write `{}`", path.display()))
}

/// Where `plan` keeps the last organization inventory, so that `lint` can render the
/// definitions for every account offline. Git-ignored.
pub fn saved_inventory_path(root: &Path) -> PathBuf {
    root.join(".warden/organization.json")
}

/// Best effort: a plan never fails because the cache could not be written.
fn save_inventory(root: &Path, organization: &warden_spec::Organization) {
    let path = saved_inventory_path(root);
    let written = serde_json::to_string_pretty(organization)
        .map_err(std::io::Error::other)
        .and_then(|text| {
            std::fs::create_dir_all(path.parent().unwrap_or(root))?;
            std::fs::write(&path, text)
        });
    if let Err(err) = written {
        tracing::warn!("could not save the inventory to {}: {err}", path.display());
    }
}

/// Loads and checks the definitions; errors carry file:line:column.
pub fn load_definitions(root: &Path) -> anyhow::Result<Definitions> {
    Definitions::load(root).map_err(|errors| {
        let errors = errors.rooted_at(root);
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("definitions have errors:\n{}", lines.join("\n"))
    })
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}

/// Connects with the flags, defaulting the region to warden.yaml's home region.
pub async fn connect(definitions: &Definitions, connection: &Connection) -> anyhow::Result<Aws> {
    // A loopback endpoint is an emulator: use its static test credentials. Any other endpoint
    // (e.g. a VPC endpoint) keeps the normal credential chain.
    let mut options = match &connection.endpoint_url {
        Some(url) if is_loopback(url) => AwsOptions::emulator(url.clone()),
        Some(url) => AwsOptions {
            endpoint_url: Some(url.clone()),
            ..AwsOptions::default()
        },
        None => AwsOptions::default(),
    };
    options.profile = connection.profile.clone();
    options.region = connection
        .region
        .clone()
        .or_else(|| Some(definitions.config.home_region.clone()));
    let emulator = connection.endpoint_url.as_deref().is_some_and(is_loopback);
    options.allowed_regions = match (&options.region, emulator) {
        (Some(region), true) => vec![region.clone()],
        _ => definitions.config.allowed_regions.clone(),
    };
    Ok(Aws::connect(options).await?)
}

/// Whether the endpoint's host is `localhost`, `127.x.x.x` or `[::1]`.
fn is_loopback(url: &str) -> bool {
    let authority = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split('/')
        .next()
        .unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The plan for the selected accounts, with progress on stderr when it is a terminal. Lint
/// errors in the definitions stop it before any AWS call.
pub async fn plan_with(
    aws: &Aws,
    definitions: &Definitions,
    root: &Path,
    accounts: &[String],
    ous: &[String],
) -> anyhow::Result<PlanOutcome> {
    let (commit, dirty) = git_commit(root);
    // Refuse before any call when the ExternalId is missing.
    let access = workflow::access_role(&definitions.config, commit.as_deref())?;
    let request = PlanRequest {
        access,
        lint: Some(lint_gate(definitions)),
        concurrency: usize::try_from(definitions.config.concurrency)
            .unwrap_or(16)
            .max(1),
        accounts: accounts.to_vec(),
        ous: ous.to_vec(),
        commit,
        dirty,
        created_at: workflow::now_rfc3339(),
    };
    let bar = progress_bar();
    let progress = |event: ProgressEvent| {
        if let ProgressEvent::Finished {
            account_id,
            status,
            done,
            total,
        } = &event
        {
            bar.set_length(u64::try_from(*total).unwrap_or(u64::MAX));
            bar.set_position(u64::try_from(*done).unwrap_or(u64::MAX));
            bar.set_message(format!("{account_id} {status:?}"));
        }
    };
    let outcome = workflow::plan_organization(aws, definitions, &request, &progress).await;
    bar.finish_and_clear();
    Ok(outcome?)
}

/// Accounts read so far, on stderr; hidden when stderr is not a terminal (CI logs stay clean).
fn progress_bar() -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "reading accounts {bar:30} {pos}/{len} {elapsed} {wide_msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Lint of the rendered definitions with the embedded catalog, judged on today's date: error
/// findings (not covered by a live exception) block plan and apply.
pub fn lint_gate(definitions: &Definitions) -> LintGate {
    let config = LintConfig::from_spec(&definitions.config);
    Arc::new(move |accounts: &[RenderedAccount], scps: &[RenderedScp]| {
        let today = today().map_err(|err| err.to_string())?;
        let catalog = Catalog::embedded();
        let mut findings: Vec<Finding> = Vec::new();
        for account in accounts {
            findings.extend(lint_rendered_account(account, &config, catalog, today));
        }
        findings.extend(lint_rendered_scps(scps, &config, catalog, today));
        if !warden_lint::has_errors(&findings) {
            return Ok(());
        }
        let errors: Vec<Finding> = findings
            .into_iter()
            .filter(|finding| finding.is_active() && finding.severity == Severity::Error)
            .collect();
        Err(warden_lint::emit::table::render(&errors))
    })
}

fn today() -> anyhow::Result<warden_lint::Date> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    warden_lint::subject::date_from_unix_seconds(i64::try_from(seconds)?)
        .context("the system clock is out of range")
}

/// `git rev-parse HEAD` of the definitions repository and whether its definition files have
/// uncommitted changes; `(None, false)` outside a git checkout.
pub fn git_commit(root: &Path) -> (Option<String>, bool) {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let Some(commit) = git(&["rev-parse", "HEAD"]).filter(|sha| sha.len() == 40) else {
        return (None, false);
    };
    let dirty = git(&[
        "status",
        "--porcelain",
        "--",
        "warden.yaml",
        "policies",
        "boundaries",
        "scps",
    ])
    .is_some_and(|status| !status.is_empty());
    (Some(commit), dirty)
}

/// Fails on anything but the plan format the command was given.
pub fn read_plan_file(path: &Path) -> anyhow::Result<warden_plan::Plan> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read plan `{}`", path.display()))?;
    let plan = warden_plan::Plan::from_json(&text)
        .with_context(|| format!("plan `{}`", path.display()))?;
    if plan.accounts.is_empty() && plan.organization.is_none() {
        bail!("plan `{}` covers no account", path.display());
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_loopback_endpoints_count_as_emulators() {
        assert!(super::is_loopback("http://127.0.0.1:5000"));
        assert!(super::is_loopback("http://localhost:5000/"));
        assert!(super::is_loopback("http://[::1]:5000"));
        assert!(!super::is_loopback("https://iam.amazonaws.com"));
        assert!(!super::is_loopback(
            "https://vpce-123.sts.us-east-1.vpce.amazonaws.com"
        ));
        assert!(!super::is_loopback("http://127.0.0.1.example.com"));
    }
}
