//! `cargo xtask access-diff --base REV [--head REV]`: what the change between two revisions of
//! the definitions lets each principal of the organization do. Exit 0: no new access; 2: the
//! head grants access the base did not; 1: error.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use warden_app::access_diff::{AccessDiffRequest, access_diff};
use warden_review::Format;

#[derive(Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Markdown,
}

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 no new access, 2 the head grants access the base did not, 1 error."
)]
pub struct Args {
    /// The base revision (a branch, tag, commit or `HEAD~1`).
    #[arg(long, value_name = "REV")]
    base: String,
    /// The head revision (default: the working tree as it is on disk).
    #[arg(long, value_name = "REV")]
    head: Option<String>,
    /// Organization JSON (accounts, OUs, tags) to render both revisions for. Default: the
    /// inventory the last `cargo xtask plan` saved in `.warden/organization.json`.
    #[arg(long, value_name = "FILE", conflicts_with = "snapshot")]
    org: Option<PathBuf>,
    /// A snapshot directory (`cargo xtask snapshot`): its organization is used.
    #[arg(long, value_name = "DIR")]
    snapshot: Option<PathBuf>,
    /// Output format: `markdown` is sized for a pull-request comment.
    #[arg(long, value_enum, default_value = "table")]
    format: FormatArg,
    /// The repository (default: the nearest `warden.yaml` upward).
    #[arg(long)]
    root: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Exit 2 means "new access" here, so errors exit 1 rather than main's 2.
    match diff(args) {
        Ok(code) => Ok(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            Ok(ExitCode::from(1))
        }
    }
}

fn diff(args: Args) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(args.root.as_deref())?;
    let organization = warden_app::access_diff::organization(
        &root,
        args.org.as_deref(),
        args.snapshot.as_deref(),
    )?;
    let request = AccessDiffRequest {
        root,
        base: args.base,
        head: args.head,
    };
    let diff = access_diff(&request, &organization).context("access diff")?;
    let format = match args.format {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Markdown => Format::Markdown,
    };
    super::write_stdout(&warden_review::render(&diff, format))?;
    Ok(if diff.summary.grants_new_access {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
