//! `cargo xtask snapshot --out DIR`: a read-only copy of the organization's IAM on disk, for
//! `plan`, `drift`, `evidence`, `lint`, `simulate --role` and `import` with `--snapshot DIR`.

use std::path::PathBuf;
use std::process::ExitCode;

use warden_app::snapshot::{SnapshotRequest, take_snapshot};
use warden_snapshot::AccountStatus;

use super::plan::{Connection, live, load_definitions, runtime};

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 every selected account read; 1 an account could not be \
read (recorded in the manifest) or an error; 2 bad usage."
)]
pub struct Args {
    /// Directory to create (must not exist or be empty).
    #[arg(long)]
    pub out: PathBuf,
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
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = load_definitions(&root)?;
    let summary = runtime()?.block_on(async {
        let (org, _) = live(&root, &definitions, &args.connection).await?;
        let request = SnapshotRequest {
            out: args.out.clone(),
            accounts: args.accounts.clone(),
            ous: args.ous.clone(),
            created_at: warden_app::now_rfc3339(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let bar = super::ui::phase("reading the organization", None);
        let progress = super::plan::account_progress(&bar);
        let summary = take_snapshot(&org, &request, &progress).await;
        bar.finish_and_clear();
        anyhow::Ok(summary?)
    })?;
    for problem in summary.problems() {
        eprintln!("{problem}");
    }
    super::say!("{}", summary.headline());
    let failed = summary.count(AccountStatus::Failed);
    Ok(ExitCode::from(u8::from(failed > 0)))
}

/// A snapshot as the organization for a read-only command (see [`warden_app::snapshot::offline`]).
pub fn offline(
    root: &std::path::Path,
    dir: &std::path::Path,
) -> anyhow::Result<(
    warden_app::snapshot::SnapshotOrganization,
    warden_app::PlanRequest,
)> {
    Ok(warden_app::snapshot::offline(root, dir)?)
}
