//! `cargo xtask refine ROLE --cloudtrail DIR [--root DIR] [--diff]`: proposes removing granted
//! actions the role never used, as YAML statements to paste over the definition's, or with
//! `--diff` as a unified diff of the definition files (`git apply`/`patch -p1` from the
//! repository root). `iam:PassRole` is never proposed: CloudTrail does not log it.
//!
//! The role's sessions are recognised by its ARN: `--role-arn`, or built from `--account` (or
//! the definition's only target account) and the definition's `path`. Exit 0 when nothing is
//! unused, 1 when there are proposals, 2 on bad input.

use std::path::PathBuf;
use std::process::ExitCode;

use warden_app::refine::RefineRequest;

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 every granted action was used, 1 removals proposed, 2 bad input or usage."
)]
pub struct Args {
    /// Role name as defined in `policies/`.
    pub role: String,
    /// Directory of CloudTrail log files (`.json`, `.json.gz`), searched recursively.
    #[arg(long)]
    pub cloudtrail: PathBuf,
    /// Repository with `warden.yaml` (default: found upward from the current directory).
    #[arg(long, value_name = "DIR", alias = "definitions")]
    pub root: Option<PathBuf>,
    /// The deployed role's ARN (default: from `--account` or the definition's target account).
    #[arg(long)]
    pub role_arn: Option<String>,
    /// Account (12-digit id) whose copy of the role to look at.
    #[arg(long)]
    pub account: Option<String>,
    /// Ignore events before this date (`YYYY-MM-DD` or RFC 3339 UTC).
    #[arg(long)]
    pub since: Option<String>,
    /// Print a unified diff of the definition files instead of the new statements.
    #[arg(long)]
    pub diff: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(args.root.as_deref())?;
    let refined = RefineRequest {
        root: &root,
        role: &args.role,
        cloudtrail: &args.cloudtrail,
        role_arn: args.role_arn.as_deref(),
        account: args.account.as_deref(),
        since: args.since.as_deref(),
        diff: args.diff,
    }
    .refine()?;
    super::write_stdout(&refined.text)?;
    if refined.without_sid > 0 {
        eprintln!(
            "note: {} statement(s) without a Sid cannot be located for the diff; run without `--diff`",
            refined.without_sid
        );
    }
    for (call, count) in &refined.denied {
        eprintln!("note: denied {count} time(s): {call}");
    }
    Ok(ExitCode::from(u8::from(refined.proposals > 0)))
}
