//! `cargo xtask simulate`: evaluate one request offline through the AWS decision chain and
//! explain the decision.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use warden_app::simulate::{AwsManagedPolicies, RoleRequest};
use warden_eval::CompiledPolicySet;

use super::plan::Format;

/// Evaluate a request offline: identity policies, permissions boundary, SCPs and RCPs per
/// level, resource policy (the trust policy for sts:AssumeRole) and session policy.
#[derive(clap::Args)]
#[command(after_help = REQUEST_HELP)]
pub struct Args {
    /// Request file (JSON, see below); with `--batch`, the policies for lines that give none.
    #[arg(long, value_name = "FILE", conflicts_with = "role")]
    request: Option<PathBuf>,
    /// JSON Lines of requests (`-` for stdin): one decision per line out, in order.
    #[arg(long, value_name = "FILE", conflicts_with = "role")]
    batch: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Simulate a role from the definitions (with `--account`, `--action`, `--resource`).
    #[arg(long, value_name = "NAME", requires_all = ["account", "action", "resource"])]
    role: Option<String>,
    /// Account the role is deployed to (id or name).
    #[arg(long, value_name = "ID", conflicts_with = "request")]
    account: Option<String>,
    /// Action to evaluate, e.g. `s3:GetObject`.
    #[arg(long, value_name = "ACTION", conflicts_with = "request")]
    action: Option<String>,
    /// Resource ARN (or `*`).
    #[arg(long, value_name = "ARN", conflicts_with = "request")]
    resource: Option<String>,
    /// Account owning the resource, when its ARN does not say (S3).
    #[arg(long, value_name = "ID")]
    resource_account: Option<String>,
    /// Context key, repeatable; a key given several times is multi-valued.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// Organization JSON (accounts, OUs), as for `lint --org`; needed with `--role`.
    #[arg(long, value_name = "FILE")]
    org: Option<PathBuf>,
    /// With `--role`: the organization of a snapshot directory (`cargo xtask snapshot`), as `--org`.
    #[arg(long, value_name = "DIR", conflicts_with = "org")]
    snapshot: Option<PathBuf>,
    /// Repository with `warden.yaml` (default: found upward from the current directory).
    #[arg(long, value_name = "DIR", alias = "definitions")]
    root: Option<PathBuf>,
    /// Resource-based policy JSON for `--role` (default: the trust policy of the target role
    /// when the resource is a role in the definitions).
    #[arg(long, value_name = "FILE")]
    resource_policy: Option<PathBuf>,
}

const REQUEST_HELP: &str = r#"Request file:
  {"principal": ARN | account id | service principal | "*" (anonymous),  (required)
   "action": "service:Action",                          (required)
   "resource": ARN, "*" or a pattern such as "arn:aws:s3:::bucket/logs/*"  (required)
   "resource_account": ID, "principal_account": ID,
   "context": {KEY: "value" | ["v1", "v2"]},
   "identity_policies": [DOC | {"label": NAME, "document": DOC}],
   "permissions_boundary": DOC, "session_policy": DOC, "resource_policy": DOC,
   "vpc_endpoint_policy": DOC,         (the request goes through this VPC endpoint)
   "scps": [[DOC]], "rcps": [[DOC]],   (outer list: root, each OU, the account)
   "management_account": bool}         (the principal's account is the management account)

A resource pattern is decided for every resource it matches: allowed for all, for some (with
an allowed and a denied example) or for none.

With --batch FILE: one request object per line; a line without policies uses those of
--request FILE. Out: {"line":N,"decision":"Allow"} per line, or {"line":N,"error":"…"}.

With --role NAME --account ID --org FILE: the role as the definitions render it for that
account (inline and managed policies, AWS managed ones from the corpus, its boundary), SCP
levels from the root to the account (FullAWSAccess, attached by default, plus the definitions'
SCPs), the caller a session of the role with aws:PrincipalArn, aws:PrincipalOrgID and
aws:PrincipalTag/* set, and the target role's trust policy when the resource is a role.

Exit status: 0 allowed (a pattern: for all; a batch: every line decided), 1 denied (a pattern:
for some or none), 2 bad input or usage (a batch: some line did not parse).
"#;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if let Some(batch) = &args.batch {
        return run_batch(batch, args.request.as_deref());
    }
    let (set, request, source) = match (&args.request, &args.role) {
        (Some(file), _) => {
            let (set, request) = warden_app::simulate::request_file(file, &args.context)?;
            (set, request, file.display().to_string())
        }
        (None, Some(role)) => {
            let (Some(account), Some(action), Some(resource)) =
                (&args.account, &args.action, &args.resource)
            else {
                bail!("`--role` needs `--account`, `--action` and `--resource`");
            };
            let Some(org_file) = args.org.as_ref().or(args.snapshot.as_ref()) else {
                bail!(
                    "`--role` needs `--org FILE` (organization JSON, as for `lint --org`) to render the definitions"
                );
            };
            let root = super::root::resolve(args.root.as_deref())?;
            let mut corpus = corpus(&root);
            let (set, request) = RoleRequest {
                root: &root,
                org_file,
                role,
                account,
                action,
                resource,
                resource_account: args.resource_account.as_deref(),
                context: &args.context,
                resource_policy: args.resource_policy.as_deref(),
            }
            .policy_set(&mut corpus)?;
            (set, request, format!("role `{role}`"))
        }
        (None, None) => {
            bail!("give `--request FILE` or `--role NAME --account ID --action A --resource R`")
        }
    };
    let compiled = CompiledPolicySet::compile(&set);
    for warning in warden_app::simulate::warnings(&source, request.action(), &compiled) {
        eprintln!("warning: {warning}");
    }
    let (table, json, allowed) = if warden_eval::resource_pattern::is_pattern(request.resource()) {
        let decision = warden_eval::resource_pattern::decide_pattern(&set, &compiled, &request)?;
        let all = decision.verdict == warden_eval::resource_pattern::PatternVerdict::All;
        (
            decision.table(),
            serde_json::to_string_pretty(&decision)?,
            all,
        )
    } else {
        let decision = compiled.evaluate(&request);
        let allowed = decision.decision.is_allow();
        (
            decision.table(),
            serde_json::to_string_pretty(&decision)?,
            allowed,
        )
    };
    match args.format {
        Format::Json => super::write_stdout(&(json + "\n"))?,
        Format::Table => super::write_stdout(&table)?,
    }
    Ok(if allowed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The AWS managed policies corpus of the repository at `root`, or `WARDEN_CORPUS`.
pub fn corpus(root: &std::path::Path) -> AwsManagedPolicies {
    AwsManagedPolicies::new(root, std::env::var_os("WARDEN_CORPUS").map(PathBuf::from))
}

/// `--batch FILE [--request BASE]`: decisions streamed to stdout in input order.
fn run_batch(batch: &std::path::Path, base: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let name = batch.display().to_string();
    let text = if name == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read stdin")?
    } else {
        fs::read_to_string(batch).with_context(|| format!("cannot read `{name}`"))?
    };
    let base = base.map(|file| warden_app::simulate::request_file(file, &[]));
    let base = base.transpose()?.map(|(set, _)| set);
    let output = warden_eval::batch::run_batch(&name, &text, base.as_ref());
    super::write_stdout(&output.text)?;
    eprintln!(
        "{} decisions ({} allowed), {} lines with errors",
        output.decisions, output.allowed, output.errors
    );
    Ok(if output.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
