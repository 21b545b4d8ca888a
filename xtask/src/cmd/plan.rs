//! `cargo xtask plan`: compare the definitions with live IAM in every selected account and show
//! (or save) the changes. Also holds what `apply` and `bench` share: connection flags, loading
//! definitions, the git commit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use warden_app::gate::Outcome;
use warden_app::source::ProgressEvent;
use warden_app::{LiveOrganization, PlanOutcome, PlanRequest};
use warden_aws::{Aws, ExternalId};
use warden_plan::render::{RenderOptions, render_json, render_table};
use warden_plan::render_markdown::render_markdown;
use warden_spec::Definitions;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    Table,
    Json,
    /// A pull-request comment: summary first, details collapsed, cut before GitHub's limit.
    Markdown,
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
    after_help = "Exit status (as Terraform): 0 planned; 1 error: bad definitions, lint errors, AWS \
failures, or any account that could not be read or whose access role was refused, whatever the \
flags; with --detailed-exitcode, 2 when there are changes or conflicts (a conflict needs a \
person), 0 only when every account was read and nothing differs."
)]
pub struct Args {
    /// Save the plan (JSON) for `cargo xtask apply FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit 2 when there are changes or conflicts (0: none, 1: error or an unread account).
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Only this account (id or name); repeatable.
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Only accounts under this OU path (`Root/Workloads`) or id; repeatable.
    #[arg(long = "ou", value_name = "PATH")]
    pub ous: Vec<String>,
    /// Only changes to the role NAME (and the policies it attaches); repeatable.
    #[arg(long = "role", value_name = "NAME")]
    pub roles: Vec<String>,
    /// Output: text for people, Markdown for a pull-request comment, or the plan (the saved
    /// format) as JSON for machines.
    #[arg(long, value_enum, default_value = "table")]
    pub format: PlanFormat,
    /// No colours (also when `NO_COLOR` is set or stdout is not a terminal).
    #[arg(long)]
    pub no_color: bool,
    /// List unmanaged roles and policies under each account.
    #[arg(long)]
    pub show_unmanaged: bool,
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
        if let Some(dir) = &args.snapshot {
            let (org, request) = super::snapshot::offline(&root, dir)?;
            let request = request.selecting(&args.accounts, &args.ous);
            return plan_with_progress(&org, &definitions, &request).await;
        }
        let (org, request) = live(&root, &definitions, &args.connection).await?;
        let org = org.bounded_for_plan(&root, &definitions.config, args.inventory_max_age);
        let request = request.selecting(&args.accounts, &args.ous);
        plan_with_progress(&org, &definitions, &request).await
    })?;
    eprint!("{}", outcome.inventory_note());
    warden_app::plan::save_inventory(&root, &outcome.organization);
    let mut plan = outcome.plan.clone();
    warden_plan::review::retain_roles(&mut plan, &args.roles);
    let plan = &plan;
    if let Some(path) = &args.out {
        warden_app::plan::save_plan(path, plan)
            .with_context(|| format!("could not write `{}`", path.display()))?;
        eprintln!("plan saved to {}", path.display());
    }
    let options = RenderOptions {
        show_unmanaged: args.show_unmanaged,
        color: super::ui::stdout_color(args.no_color),
        live: Some(&outcome.live),
    };
    match args.format {
        PlanFormat::Table => super::write_stdout(&render_table(plan, options))?,
        PlanFormat::Markdown => super::write_stdout(&render_markdown(plan, options))?,
        PlanFormat::Json => super::write_stdout(&(render_json(plan) + "\n"))?,
    }
    Ok(gate_exit(&Outcome::of_plan(plan), args.detailed_exitcode))
}

/// The exit status from warden-app's gate, with the reason on stderr when it is an error.
pub fn gate_exit(outcome: &Outcome, detailed: bool) -> ExitCode {
    if let Some(note) = warden_app::gate::error_note(outcome) {
        eprintln!("{note}");
    }
    ExitCode::from(warden_app::gate::exit_status(outcome, detailed).code())
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
    let request = PlanRequest::for_repository(root)?;
    let external_id = external_id(definitions)?;
    let commit = request.commit.as_deref();
    let access = warden_app::access::access_role(&definitions.config, external_id, commit)?;
    let aws = connect(definitions, connection).await?;
    let concurrency = warden_app::access::concurrency(&definitions.config);
    let organization = LiveOrganization::new(aws, access, concurrency)
        .with_account_tags(definitions.targets_by_tag());
    Ok((organization, request))
}

/// The plan, with progress on stderr when it is a terminal.
pub async fn plan_with_progress(
    org: &impl warden_app::ReadOrganization,
    definitions: &Definitions,
    request: &PlanRequest,
) -> anyhow::Result<PlanOutcome> {
    let bar = super::ui::phase("reading the organization", None);
    let progress = account_progress(&bar);
    let outcome = warden_app::plan_organization(org, definitions, request, &progress).await;
    bar.finish_and_clear();
    Ok(outcome?)
}

/// Turns account-read events into the bar: a spinner through the inventory, then a count.
pub fn account_progress(bar: &indicatif::ProgressBar) -> impl Fn(ProgressEvent) + Sync + '_ {
    move |event: ProgressEvent| {
        if let ProgressEvent::Finished {
            account_id,
            status,
            done,
            total,
        } = &event
        {
            if bar.length() != Some(u64::try_from(*total).unwrap_or(u64::MAX)) {
                bar.set_length(u64::try_from(*total).unwrap_or(u64::MAX));
                if let Ok(style) = indicatif::ProgressStyle::with_template(
                    "reading accounts {bar:30} {pos}/{len} {elapsed} {wide_msg}",
                ) {
                    bar.set_style(style);
                }
            }
            bar.set_position(u64::try_from(*done).unwrap_or(u64::MAX));
            bar.set_message(format!("{account_id} {status:?}"));
        }
    }
}
