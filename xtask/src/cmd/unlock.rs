//! `cargo xtask unlock [--force]`: show who holds the organization lock, and with `--force`
//! remove it (for a run that died holding it).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cmd::plan::{Connection, connect, load_definitions, runtime};

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 the lock is free (or was removed); 1 it is held (without --force) or on error."
)]
pub struct Args {
    /// Remove the lock whoever holds it. Only when the holder is known to be gone.
    #[arg(long)]
    pub force: bool,
    /// Repository with warden.yaml (default: the nearest one upward from here).
    #[arg(long)]
    pub root: Option<PathBuf>,
    #[command(flatten)]
    pub connection: Connection,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = load_definitions(&root)?;
    let management = definitions.config.management_account_id.clone();
    runtime()?.block_on(async {
        let aws = connect(&definitions, &args.connection).await?;
        let held = if args.force {
            warden_app::lock::force_unlock(&aws, &management).await?
        } else {
            warden_app::lock::holder(&aws, &management).await?
        };
        Ok(match (held, args.force) {
            (None, _) => {
                super::say!("The organization lock is free.");
                ExitCode::SUCCESS
            }
            (Some(holder), true) => {
                super::say!(
                    "Removed the lock held by `{}` for {} since {}.",
                    holder.holder,
                    holder.purpose,
                    holder.since()
                );
                ExitCode::SUCCESS
            }
            (Some(holder), false) => {
                super::say!(
                    "The organization is locked by `{}` for {} since {}; `--force` removes the lock.",
                    holder.holder,
                    holder.purpose,
                    holder.since()
                );
                ExitCode::from(1)
            }
        })
    })
}
