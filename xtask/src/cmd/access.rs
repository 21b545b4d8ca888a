//! `cargo xtask who-can`, `principal-can` and `paths`: the organization's principals as the
//! definitions render them (warden-access), read from `--org FILE` or the saved inventory.

use std::path::PathBuf;
use std::process::ExitCode;

use warden_access::{AccessModel, EscalationPath, Goal};

use super::plan::Format;

/// Where the organization comes from.
#[derive(clap::Args)]
pub struct Source {
    /// Organization JSON (accounts, OUs); default: the inventory the last `plan` saved in
    /// `.warden/organization.json`. The principals are the roles the definitions deploy.
    #[arg(long, value_name = "FILE", conflicts_with = "snapshot")]
    org: Option<PathBuf>,
    /// A snapshot directory (`cargo xtask snapshot`): the principals are the live roles and
    /// users it recorded, with the SCPs attached in the organization.
    #[arg(long, value_name = "DIR")]
    snapshot: Option<PathBuf>,
    /// Repository with `warden.yaml` (default: found upward from the current directory).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// Every principal allowed to perform the actions on a resource, with the deciding statements.
#[derive(clap::Args)]
pub struct WhoCanArgs {
    /// Action, repeatable (`s3:GetObject`).
    #[arg(long = "action", value_name = "ACTION", required = true)]
    actions: Vec<String>,
    /// Resource ARN.
    #[arg(long, value_name = "ARN")]
    resource: String,
    /// Account owning the resource, when its ARN does not say (S3).
    #[arg(long, value_name = "ID")]
    resource_account: Option<String>,
    /// The resource's policy (bucket policy, key policy…); a role's trust policy by default.
    #[arg(long, value_name = "FILE")]
    resource_policy: Option<PathBuf>,
    #[command(flatten)]
    source: Source,
}

/// A principal's effective permissions as one consolidated policy, with access levels.
#[derive(clap::Args)]
pub struct PrincipalCanArgs {
    /// Role or user ARN.
    #[arg(long, value_name = "ARN")]
    principal: String,
    /// Only what it can do to this resource, with its policy and its account's RCPs.
    #[arg(long, value_name = "ARN")]
    resource: Option<String>,
    #[arg(long, value_name = "ID", requires = "resource")]
    resource_account: Option<String>,
    #[arg(long, value_name = "FILE", requires = "resource")]
    resource_policy: Option<PathBuf>,
    #[command(flatten)]
    source: Source,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum GoalArg {
    Admin,
    Boundary,
}

/// Privilege-escalation paths: the shortest path from each principal to an administrator (or
/// out of its permissions boundary), step by step with the deciding statements.
#[derive(clap::Args)]
#[command(after_help = "Exit status: 0 no path, 1 some principal has a path, 2 bad input.")]
pub struct PathsArgs {
    #[arg(long, value_enum, default_value = "admin")]
    to: GoalArg,
    /// Only this principal (ARN).
    #[arg(long, value_name = "ARN")]
    from: Option<String>,
    #[command(flatten)]
    source: Source,
}

fn model(source: &Source) -> anyhow::Result<AccessModel> {
    let root = super::root::resolve(source.root.as_deref());
    let root = if source.snapshot.is_some() {
        root.ok()
    } else {
        Some(root?)
    };
    let corpus = std::env::var_os("WARDEN_CORPUS").map(PathBuf::from);
    let (model, unread) = warden_app::simulate::access_model(
        root,
        source.org.as_deref(),
        source.snapshot.as_deref(),
        corpus,
    )?;
    unread
        .iter()
        .for_each(|a| eprintln!("warning: account `{a}` was not read in the snapshot"));
    Ok(model)
}

fn print(format: Format, table: String, json: impl serde::Serialize) -> anyhow::Result<()> {
    match format {
        Format::Table => super::write_stdout(&table),
        Format::Json => super::write_stdout(&(serde_json::to_string_pretty(&json)? + "\n")),
    }
}

pub fn who_can(args: WhoCanArgs) -> anyhow::Result<ExitCode> {
    let model = model(&args.source)?;
    let (account, policy) = (
        args.resource_account.as_deref(),
        args.resource_policy.as_deref(),
    );
    let answer =
        warden_app::simulate::who_can(&model, &args.actions, &args.resource, account, policy)?;
    print(args.source.format, answer.table(), &answer)?;
    Ok(ExitCode::SUCCESS)
}

pub fn principal_can(args: PrincipalCanArgs) -> anyhow::Result<ExitCode> {
    let model = model(&args.source)?;
    let (account, policy) = (
        args.resource_account.as_deref(),
        args.resource_policy.as_deref(),
    );
    let (principal, resource) = (&args.principal, args.resource.as_deref());
    let answer = warden_app::simulate::principal_can(&model, principal, resource, account, policy)?;
    print(args.source.format, answer.table(), answer.to_policy_json())?;
    Ok(ExitCode::SUCCESS)
}

pub fn paths(args: PathsArgs) -> anyhow::Result<ExitCode> {
    let model = model(&args.source)?;
    let goal = match args.to {
        GoalArg::Admin => Goal::Admin,
        GoalArg::Boundary => Goal::Boundary,
    };
    let found = warden_access::paths(&model, goal, args.from.as_deref())?;
    print(args.source.format, EscalationPath::table(&found), &found)?;
    Ok(if found.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
