//! `cargo xtask import`: definitions for the roles, policies, boundaries and SCPs Warden does not
//! manage yet, from AWS or a snapshot (`--snapshot DIR`), written into the repository.

use std::path::PathBuf;
use std::process::ExitCode;

use warden_app::import::{ImportRequest, import_organization, render_summary};

use super::plan::{Connection, live, load_definitions, runtime};

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 imported (or nothing to import); 1 an account could not \
be read or an error; 2 bad usage. Existing definition files are never overwritten."
)]
pub struct Args {
    /// Only this account (id or name); repeatable.
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Only accounts under this OU path (`Root/Workloads`) or id; repeatable.
    #[arg(long = "ou", value_name = "PATH")]
    pub ous: Vec<String>,
    /// Read the organization from a snapshot directory (`cargo xtask snapshot`), not AWS.
    #[arg(long, value_name = "DIR")]
    pub snapshot: Option<PathBuf>,
    /// Repository with warden.yaml (default: the nearest one upward from here).
    #[arg(long)]
    pub root: Option<PathBuf>,
    #[command(flatten)]
    pub connection: Connection,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = load_definitions(&root)?;
    let request = ImportRequest {
        accounts: args.accounts.clone(),
        ous: args.ous.clone(),
        today: warden_app::today()?,
    };
    let summary = runtime()?.block_on(async {
        if let Some(dir) = &args.snapshot {
            let (org, _) = super::snapshot::offline(&root, dir)?;
            return anyhow::Ok(import_organization(&org, &definitions, &request).await?);
        }
        let (org, _) = live(&root, &definitions, &args.connection).await?;
        anyhow::Ok(import_organization(&org, &definitions, &request).await?)
    })?;
    super::write_stdout(&render_summary(&summary))?;
    Ok(ExitCode::from(u8::from(!summary.unread.is_empty())))
}
