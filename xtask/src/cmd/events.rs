//! `cargo xtask events --cloudtrail DIR`: high-risk IAM events in CloudTrail logs (users, access
//! keys, console passwords, `*` policies, removed boundaries, widened trust, root activity,
//! leaving the organization, SCP detachments, out-of-band changes to Warden-managed objects),
//! and with `--eventbridge-out FILE` the EventBridge rules raising the same alerts in AWS.
//! Exit 0: no error-level alert; 1: error-level alerts; 2: bad input or usage.

use std::path::PathBuf;
use std::process::ExitCode;

use warden_report::events::EventsContext;

use super::lint::FormatArg;

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 no error-level alert, 1 error-level alerts, 2 bad input or usage."
)]
pub struct Args {
    /// Directory of CloudTrail log files (`.json`, `.json.gz`), searched recursively.
    #[arg(long, value_name = "DIR")]
    cloudtrail: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: FormatArg,
    /// Write the EventBridge rules (a CloudFormation template for us-east-1) to this file.
    #[arg(long, value_name = "FILE")]
    eventbridge_out: Option<PathBuf>,
    /// Organization JSON or a snapshot directory, so trust granted to accounts outside it is
    /// called out (a snapshot also knows the ids of managed SCPs) (default:
    /// `.warden/organization.json` when a plan saved it).
    #[arg(long, value_name = "FILE|DIR")]
    org: Option<PathBuf>,
    /// The management account's role that runs Warden (as `bootstrap --ci-role`): its SCP
    /// writes are not out of band; repeatable.
    #[arg(long = "ci-role", value_name = "NAME", default_value = "warden-ci")]
    ci_roles: Vec<String>,
    /// Repository whose managed objects and access role are known (default: the nearest
    /// `warden.yaml` upward; without one, out-of-band changes are not judged).
    #[arg(long)]
    root: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.cloudtrail.is_none() && args.eventbridge_out.is_none() {
        anyhow::bail!("give `--cloudtrail DIR`, `--eventbridge-out FILE`, or both");
    }
    let context = match super::root::resolve(args.root.as_deref()) {
        Ok(root) => {
            warden_app::events::repository_context(&root, args.org.as_deref(), &args.ci_roles)?
        }
        Err(err) if args.root.is_some() => return Err(err),
        Err(_) => EventsContext::default(),
    };
    if let Some(out) = &args.eventbridge_out {
        warden_app::events::write_eventbridge(out, &context)?;
    }
    let Some(dir) = &args.cloudtrail else {
        return Ok(ExitCode::SUCCESS);
    };
    let (alerts, errors) = warden_app::events::alerts(dir, &context)?;
    super::write_stdout(&warden_app::events::render(args.format.into(), &alerts))?;
    Ok(if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
