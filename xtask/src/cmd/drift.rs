//! `cargo xtask drift`: the read-only drift report for scheduled jobs. Plans without a plan
//! file (never applies), lints the same definitions and renders the report as a table, JSON,
//! Markdown (for a PR or issue comment) or one self-contained HTML page. Also holds the
//! read-only plan and lint that `evidence` shares.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use warden_aws::workflow::{self, PlanOutcome, PlanRequest};
use warden_aws::{Aws, ProgressEvent};
use warden_catalog::Catalog;
use warden_lint::{Finding, LintConfig, lint_rendered_account, lint_rendered_scps};
use warden_report::drift::{DriftReport, FailOn};
use warden_report::render::{drift_html, drift_json, drift_markdown, drift_table};
use warden_spec::Definitions;
use warden_spec::render::RenderedScp;

use super::plan::{Connection, connect, git_commit, load_definitions, runtime};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOnArg {
    /// Exit 2 on any change, conflict or unreadable account.
    Drift,
    /// Exit 1 only when an account could not be read.
    Error,
}

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 report written (whatever it found), 1 Warden could not make the \
report (bad definitions, AWS failures); with --fail-on drift, 2 on any change, conflict or \
unreadable account; with --fail-on error, 1 also when an account could not be read."
)]
pub struct Args {
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the report here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit non-zero on drift (2) or on unreadable accounts (1); default: always 0 unless
    /// Warden itself fails (1).
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
    /// Only this account (id or name); repeatable.
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Only accounts under this OU path (`Root/Workloads`) or id; repeatable.
    #[arg(long = "ou", value_name = "PATH")]
    pub ous: Vec<String>,
    /// Repository with warden.yaml and the definitions.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    #[command(flatten)]
    pub connection: Connection,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Exit 2 means drift here, so failures of Warden itself are 1, not main's 2.
    match drift_command(&args) {
        Ok(code) => Ok(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            Ok(ExitCode::from(1))
        }
    }
}

fn drift_command(args: &Args) -> anyhow::Result<ExitCode> {
    let definitions = load_definitions(&args.root)?;
    let (outcome, findings) = runtime()?.block_on(async {
        let aws = connect(&definitions, &args.connection).await?;
        read_only_plan(&aws, &definitions, &args.root, &args.accounts, &args.ous).await
    })?;
    let report = DriftReport::build(&outcome.plan, &outcome.organization, &findings);
    let text = match args.format {
        Format::Table => drift_table(&report),
        Format::Json => drift_json(&report),
        Format::Markdown => drift_markdown(&report),
        Format::Html => drift_html(&report),
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("could not write `{}`", path.display()))?;
            eprintln!("drift report written to {}", path.display());
        }
        None => super::say_raw!("{text}"),
    }
    let fail_on = match args.fail_on {
        None => FailOn::Never,
        Some(FailOnArg::Drift) => FailOn::Drift,
        Some(FailOnArg::Error) => FailOn::Error,
    };
    Ok(ExitCode::from(report.exit_code(fail_on)))
}

/// Plans the selected accounts without the lint gate (lint findings are reported, not
/// blocking) and lints the rendered definitions. Never applies anything.
pub async fn read_only_plan(
    aws: &Aws,
    definitions: &Definitions,
    root: &Path,
    accounts: &[String],
    ous: &[String],
) -> anyhow::Result<(PlanOutcome, Vec<Finding>)> {
    let outcome = plan_without_gate(aws, definitions, root, accounts, ous).await?;
    let whole = accounts.is_empty() && ous.is_empty();
    let rendered =
        workflow::render_selected(definitions, &outcome.organization, accounts, ous, whole)?;
    let findings = lint(
        definitions,
        &rendered.accounts,
        rendered.scps.as_deref().unwrap_or_default(),
    )?;
    Ok((outcome, findings))
}

/// The plan of the selected accounts with no lint gate: a report must show accounts even when
/// the definitions have lint errors.
pub async fn plan_without_gate(
    aws: &Aws,
    definitions: &Definitions,
    root: &Path,
    accounts: &[String],
    ous: &[String],
) -> anyhow::Result<PlanOutcome> {
    let (commit, dirty) = git_commit(root);
    let request = PlanRequest {
        access: workflow::access_role(&definitions.config, commit.as_deref())?,
        lint: None,
        concurrency: usize::try_from(definitions.config.concurrency)
            .unwrap_or(16)
            .max(1),
        accounts: accounts.to_vec(),
        ous: ous.to_vec(),
        commit,
        dirty,
        created_at: workflow::now_rfc3339(),
    };
    let quiet = |_event: ProgressEvent| {};
    Ok(workflow::plan_organization(aws, definitions, &request, &quiet).await?)
}

/// Every finding (active and excepted) of the rendered accounts and SCPs, judged today.
pub fn lint(
    definitions: &Definitions,
    accounts: &[warden_spec::render::RenderedAccount],
    scps: &[RenderedScp],
) -> anyhow::Result<Vec<Finding>> {
    let config = LintConfig::from_spec(&definitions.config);
    let catalog = Catalog::embedded();
    let today = today()?;
    let mut findings = Vec::new();
    for account in accounts {
        findings.extend(lint_rendered_account(account, &config, catalog, today));
    }
    findings.extend(lint_rendered_scps(scps, &config, catalog, today));
    Ok(findings)
}

/// Today's date (UTC).
pub fn today() -> anyhow::Result<warden_lint::Date> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    warden_lint::subject::date_from_unix_seconds(i64::try_from(seconds)?)
        .context("the system clock is out of range")
}
