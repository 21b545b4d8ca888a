//! `cargo xtask evidence`: export an auditor evidence bundle (index.html, per-account pages,
//! roles.csv, evidence.json, MANIFEST.sha256). Reads live IAM read-only to record whether each
//! role matched the repository; with `--cloudtrail`, compares granted with used actions.
//! Accounts are rendered, linted and written one at a time, so memory stays flat with the
//! number of accounts.

use std::path::PathBuf;
use std::process::ExitCode;

use super::plan::{Connection, live, load_definitions, plan_with_progress, runtime};
use warden_app::evidence::{Extras, Selection, export};

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 bundle written (unreadable accounts are recorded in it), 2 bad \
input or usage, or a failure to read AWS or write the bundle (then MANIFEST.sha256 is missing)."
)]
pub struct Args {
    /// Directory to write the bundle into (created; must be empty).
    #[arg(long)]
    pub out: PathBuf,
    /// Only this account (id or name); repeatable.
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Only accounts under this OU path (`Root/Workloads`) or id; repeatable.
    #[arg(long = "ou", value_name = "PATH")]
    pub ous: Vec<String>,
    /// Directory of CloudTrail log files (`.json`, `.json.gz`) for used versus granted actions.
    #[arg(long)]
    pub cloudtrail: Option<PathBuf>,
    /// Only CloudTrail events on or after this date (`YYYY-MM-DD` or RFC 3339 UTC).
    #[arg(long, requires = "cloudtrail")]
    pub since: Option<String>,
    /// AWS managed policy documents (`{"Name": {"path", "document"}}`, as
    /// `.warden/corpus/aws-managed-policies.json`) to count what attached AWS managed policies
    /// grant; without it they are listed as not counted.
    #[arg(long, value_name = "FILE")]
    pub aws_managed_policies: Option<PathBuf>,
    /// Repository with warden.yaml (default: the nearest one upward from here).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Read the organization from a snapshot directory (`cargo xtask snapshot`), not AWS.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub connection: Connection,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = load_definitions(&root)?;
    let extras = Extras::read(
        args.cloudtrail.as_deref(),
        args.since.as_deref(),
        args.aws_managed_policies.as_deref(),
        definitions.partition(),
    )?;
    let selection = Selection {
        accounts: &args.accounts,
        ous: &args.ous,
    };
    let outcome = runtime()?.block_on(async {
        if let Some(dir) = &args.snapshot {
            let (org, request) = super::snapshot::offline(&root, dir)?;
            let request = selection.plan_request(request);
            return plan_with_progress(&org, &definitions, &request).await;
        }
        let (org, request) = live(&root, &definitions, &args.connection).await?;
        let request = selection.plan_request(request);
        plan_with_progress(&org, &definitions, &request).await
    })?;
    let bar = super::ui::phase("writing evidence", Some(0));
    let snapshot = args.snapshot.as_deref();
    let summary = export(
        &root,
        &definitions,
        &outcome,
        &extras,
        selection,
        &args.out,
        snapshot,
        &super::ui::steps(bar.clone()),
    )?;
    bar.finish_and_clear();
    super::say_raw!(
        "{}",
        warden_app::evidence::summary_text(&summary, &args.out)
    );
    Ok(ExitCode::SUCCESS)
}
