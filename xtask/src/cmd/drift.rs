//! `cargo xtask drift`: the read-only drift report for scheduled jobs. Plans without a plan
//! file (never applies), lints the same definitions and renders the report as a table, JSON,
//! Markdown (for a PR or issue comment) or one self-contained HTML page.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use warden_report::render::{drift_html, drift_json, drift_markdown, drift_table};

use super::plan::{Connection, live, load_definitions, runtime};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Html,
    /// SARIF 2.1.0 for GitHub code scanning (category `warden-drift/`).
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOnArg {
    /// Exit 2 on any change or conflict (1 still wins for an unread account).
    Drift,
    /// Exit non-zero only for errors (the default: an unread account is always 1).
    Error,
}

#[derive(clap::Args)]
#[command(
    after_help = "Exit status (as plan): 0 report written; 1 error: Warden could not make the \
report (bad definitions, AWS failures) or any account could not be read or its access role was \
refused, whatever the flags; with --fail-on drift, 2 on any change or conflict."
)]
pub struct Args {
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the report here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// `drift`: exit 2 on changes or conflicts. Unread accounts are 1 with or without it.
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,
    /// Only this account (id or name); repeatable.
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Only accounts under this OU path (`Root/Workloads`) or id; repeatable.
    #[arg(long = "ou", value_name = "PATH")]
    pub ous: Vec<String>,
    /// Only drift of the role NAME (and the policies it attaches); repeatable.
    #[arg(long = "role", value_name = "NAME")]
    pub roles: Vec<String>,
    /// Repository with warden.yaml (default: the nearest one upward from here).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Read the organization from a snapshot directory (`cargo xtask snapshot`), not AWS.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// Use the inventory an earlier plan or drift cached while younger than this (`15m`, `2h`).
    #[arg(long, value_name = "AGE", default_value = "0", value_parser = warden_app::plan::parse_max_age)]
    pub inventory_max_age: std::time::Duration,
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
        let today = warden_app::today()?;
        let bar = super::ui::phase("reading the organization", None);
        let progress = super::plan::account_progress(&bar);
        let read = if let Some(dir) = &args.snapshot {
            let (org, request) = super::snapshot::offline(&root, dir)?;
            let request = request.selecting(&args.accounts, &args.ous);
            warden_app::read_only_plan(&org, &definitions, &request, today, &progress).await
        } else {
            let (org, request) = live(&root, &definitions, &args.connection).await?;
            let org = org.caching_inventory(&root, &definitions.config, args.inventory_max_age);
            let request = request.selecting(&args.accounts, &args.ous);
            warden_app::read_only_plan(&org, &definitions, &request, today, &progress).await
        };
        bar.finish_and_clear();
        anyhow::Ok(read?)
    })?;
    eprint!("{}", outcome.inventory_note());
    let mut plan = outcome.plan.clone();
    warden_plan::review::retain_roles(&mut plan, &args.roles);
    let today = warden_app::today()?;
    let report = warden_app::drift_report::build(&plan, &outcome, &findings, &definitions, today)?;
    let text = match args.format {
        Format::Table => drift_table(&report),
        Format::Json => drift_json(&report),
        Format::Markdown => drift_markdown(&report),
        Format::Html => drift_html(&report),
        Format::Sarif => warden_report::render::drift_sarif(
            &report,
            &std::env::current_dir()
                .unwrap_or_default()
                .to_string_lossy(),
        ),
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("could not write `{}`", path.display()))?;
            eprintln!("drift report written to {}", path.display());
        }
        None => super::say_raw!("{text}"),
    }
    let detailed = args.fail_on == Some(FailOnArg::Drift);
    Ok(super::plan::gate_exit(
        &warden_app::gate::Outcome::of_drift(&report),
        detailed,
    ))
}
