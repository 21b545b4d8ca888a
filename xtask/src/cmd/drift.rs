//! `cargo xtask drift`: the read-only drift report for scheduled jobs. Plans without a plan
//! file (never applies), lints the same definitions and renders the report as a table, JSON,
//! Markdown (for a PR or issue comment) or one self-contained HTML page.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use warden_report::drift::{DriftReport, FailOn};
use warden_report::render::{drift_html, drift_json, drift_markdown, drift_table};

use super::plan::{Connection, live, load_definitions, runtime};

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
    /// Repository with warden.yaml (default: the nearest one upward from here).
    #[arg(long)]
    pub root: Option<PathBuf>,
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
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = load_definitions(&root)?;
    let (outcome, findings) = runtime()?.block_on(async {
        let (org, request) = live(&root, &definitions, &args.connection).await?;
        let request = warden_app::PlanRequest {
            accounts: args.accounts.clone(),
            ous: args.ous.clone(),
            ..request
        };
        let today = warden_app::today()?;
        anyhow::Ok(warden_app::read_only_plan(&org, &definitions, &request, today).await?)
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
