//! `cargo xtask plan`: compare the definitions with live IAM in every selected account and show
//! (or save) the changes. Also holds what `apply` and `bench` share: connection flags, loading
//! definitions, the git commit.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use warden_app::source::ProgressEvent;
use warden_app::{LiveOrganization, PlanOutcome, PlanRequest};
use warden_aws::{Aws, ExternalId};
use warden_plan::render::{RenderOptions, render_json, render_table};
use warden_spec::Definitions;

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
    /// Repository with warden.yaml (default: the nearest one upward from here).
    #[arg(long)]
    pub root: Option<PathBuf>,
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
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = load_definitions(&root)?;
    let outcome = runtime()?.block_on(async {
        let (org, request) = live(&root, &definitions, &args.connection).await?;
        let request = PlanRequest {
            accounts: args.accounts.clone(),
            ous: args.ous.clone(),
            ..request
        };
        plan_with_progress(&org, &definitions, &request).await
    })?;
    warden_app::plan::save_inventory(&root, &outcome.organization);
    let plan = &outcome.plan;
    if let Some(path) = &args.out {
        warden_app::plan::save_plan(path, plan)
            .with_context(|| format!("could not write `{}`", path.display()))?;
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

/// Loads and checks the definitions; errors carry file:line:column.
pub fn load_definitions(root: &Path) -> anyhow::Result<Definitions> {
    Definitions::load(root).map_err(|errors| {
        // Named as they open from the working directory, as with `--root .` before discovery.
        let cwd = std::env::current_dir().unwrap_or_default();
        let errors = errors.rooted_at(root.strip_prefix(&cwd).unwrap_or(root));
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
    let options = warden_app::live::aws_options(
        &definitions.config,
        connection.profile.clone(),
        connection.region.clone(),
        connection.endpoint_url.clone(),
    );
    Ok(Aws::connect(options).await?)
}

/// The ExternalId from the environment variable `warden.yaml` names (never printed).
pub fn external_id(definitions: &Definitions) -> anyhow::Result<ExternalId> {
    let variable = &definitions.config.external_id_env;
    Ok(warden_app::access::external_id(
        variable,
        std::env::var(variable).ok(),
    )?)
}

/// The live organization and a plan request for the whole of it, gated by lint on today's
/// date. Refuses before any AWS call when the ExternalId is missing.
pub async fn live(
    root: &Path,
    definitions: &Definitions,
    connection: &Connection,
) -> anyhow::Result<(LiveOrganization, PlanRequest)> {
    let (commit, dirty) = warden_app::repo::git_commit(root);
    let access = warden_app::access::access_role(
        &definitions.config,
        external_id(definitions)?,
        commit.as_deref(),
    )?;
    let aws = connect(definitions, connection).await?;
    let concurrency = warden_app::access::concurrency(&definitions.config);
    let request = PlanRequest {
        lint: Some(warden_app::today()?),
        commit,
        dirty,
        created_at: warden_app::now_rfc3339(),
        ..PlanRequest::default()
    };
    Ok((LiveOrganization::new(aws, access, concurrency), request))
}

/// The plan, with progress on stderr when it is a terminal.
pub async fn plan_with_progress(
    org: &LiveOrganization,
    definitions: &Definitions,
    request: &PlanRequest,
) -> anyhow::Result<PlanOutcome> {
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
    let outcome = warden_app::plan_organization(org, definitions, request, &progress).await;
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
