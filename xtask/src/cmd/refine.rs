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

use anyhow::{Context, anyhow, bail};
use warden_catalog::Catalog;
use warden_generate::activity::observe;
use warden_generate::cloudtrail::{RoleArn, parse_since};
use warden_generate::definitions::{edits_by_file, find_role, granted_statements, role_arn};
use warden_generate::io::read_trail_dir;
use warden_generate::refine::{proposals_yaml, propose, unified_diff};

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
    let catalog = Catalog::embedded();
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = warden_spec::Definitions::load(&root)
        .map_err(|errors| anyhow!("{}", errors.rooted_at(&root)))?;
    let role = find_role(&definitions, &args.role)?;
    let role_arn = match &args.role_arn {
        Some(arn) => RoleArn::parse(arn)?,
        None => RoleArn::parse(&role_arn(&definitions, role, args.account.as_deref())?)?,
    };
    let granted = granted_statements(&definitions, role);
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let events = read_trail_dir(&args.cloudtrail)?;
    let activity = observe(&events, &role_arn, since.as_deref(), catalog);
    if activity.events_of_role == 0 {
        bail!(
            "no events of `{}` in `{}`: refusing to propose removing everything",
            role_arn.arn(),
            args.cloudtrail.display()
        );
    }
    let proposals = propose(&granted, &activity.actions(), catalog);
    if args.diff {
        let mut out = String::new();
        for (file, edits) in edits_by_file(&definitions, role, &proposals) {
            let path = root.join(&file);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            out.extend(unified_diff(&file, &text, &edits));
        }
        super::write_stdout(&out)?;
        let without_sid = proposals.iter().filter(|p| p.sid.is_none()).count();
        if without_sid > 0 {
            eprintln!(
                "note: {without_sid} statement(s) without a Sid cannot be located for the diff; run without `--diff`"
            );
        }
    } else {
        let window = match (&activity.first_seen, &activity.last_seen) {
            (Some(first), Some(last)) => format!(
                "between {first} and {last} ({} events)",
                activity.events_of_role
            ),
            _ => String::new(),
        };
        super::write_stdout(&proposals_yaml(&role.name, &proposals, &window))?;
    }
    for (call, count) in &activity.denied {
        eprintln!("note: denied {count} time(s): {call}");
    }
    Ok(if proposals.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
