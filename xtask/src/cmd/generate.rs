//! `cargo xtask generate`: least-privilege role definitions from an intent file or from CloudTrail.
//!
//! ```text
//! cargo xtask generate --from examples/intent/report-exporter.yaml [--format yaml|json] [--name ROLE]
//!     [--trust service:ecs-tasks.amazonaws.com] [--trust account:444455556666 --external-id-var vendor_external_id]
//! cargo xtask generate --from-cloudtrail DIR --role arn:aws:iam::111122223333:role/app [--since 2026-11-01]
//! cargo xtask generate --trust github:acme/iam@main [--trust …] [--account ID]
//! ```
//!
//! `--trust` alone prints a trust policy (JSON): e.g. the CI role's trust for GitHub OIDC, in the
//! account `--account` names (default: the management account of `warden.yaml`).
//!
//! Output goes to stdout (or `--out FILE`); warnings go to stderr. Exit 0 on success, 2 on bad
//! input. Cross-account trust uses the definition variable `${external_id}` (rename it with
//! `--external-id-var`) unless `--external-id` gives a literal.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use warden_app::generate;
use warden_generate::render::{definitions_yaml, policy_json, trust_json};
use warden_generate::{ActivityOptions, GeneratedRole, Layout, SizeLimits};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Warden definition YAML (loads with the other definitions).
    Yaml,
    /// Plain IAM policy JSON (the permissions; `--trust-json` for the trust policy).
    Json,
}

#[derive(clap::Args)]
#[command(after_help = "Exit status: 0 generated (warnings on stderr), 2 bad input or usage.")]
pub struct Args {
    /// Intent file (YAML) describing what the workload needs.
    #[arg(
        long,
        conflicts_with = "from_cloudtrail",
        required_unless_present_any = ["from_cloudtrail", "trust"]
    )]
    pub from: Option<PathBuf>,
    /// Directory of CloudTrail log files (`.json`, `.json.gz`), searched recursively.
    #[arg(long, requires = "role")]
    pub from_cloudtrail: Option<PathBuf>,
    /// Role whose sessions' activity to keep: `arn:aws:iam::ACCOUNT:role/[PATH/]NAME`.
    #[arg(long)]
    pub role: Option<String>,
    /// Ignore events before this date (`YYYY-MM-DD` or RFC 3339 UTC).
    #[arg(long, requires = "from_cloudtrail")]
    pub since: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: Format,
    /// Role name (overrides the intent's `role`).
    #[arg(long)]
    pub name: Option<String>,
    /// Trust template, repeatable: `service:NAME.amazonaws.com`, `account:ID[:role/NAME]`, `github:ORG/REPO@REF`,
    /// `github:ORG/REPO@environment:NAME`.
    #[arg(long)]
    pub trust: Vec<String>,
    /// Literal ExternalId for `account:` trust (default: a definition variable).
    #[arg(long, conflicts_with = "external_id_var")]
    pub external_id: Option<String>,
    /// Definition variable holding the ExternalId for `account:` trust (default `external_id`).
    #[arg(long)]
    pub external_id_var: Option<String>,
    /// Owner of generated lint exceptions (activity mode; intents carry `owner`).
    #[arg(long)]
    pub owner: Option<String>,
    /// Permission boundary of the role (activity mode; intents carry `boundary`).
    #[arg(long)]
    pub boundary: Option<String>,
    /// Role tag `KEY=VALUE`, repeatable (activity mode; intents carry `tags`).
    #[arg(long = "tag", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,
    /// With `--format json`: print the trust policy instead of the permissions.
    #[arg(long)]
    pub trust_json: bool,
    /// Managed policies the role may attach (AWS default 10, adjustable to 20).
    #[arg(long, default_value_t = 10)]
    pub max_managed_policies: usize,
    /// Write the output here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With `--trust` alone: the account the role lives in (default: the management account
    /// of `warden.yaml`, whose partition is used too).
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let limits = SizeLimits {
        max_managed_policies: args.max_managed_policies,
        ..SizeLimits::default()
    };
    if args.from.is_none() && args.from_cloudtrail.is_none() {
        return trust_only(&args);
    }
    let options = ActivityOptions {
        name: args.name.clone(),
        since: None,
        trust: args.trust.clone(),
        external_id: args.external_id.clone(),
        external_id_var: args.external_id_var.clone(),
        exception_expires: generate::date_in_days(365)?,
        owner: args.owner.clone(),
        tags: args.tags.iter().cloned().collect(),
        boundary: args.boundary.clone(),
    };
    let generated = match (&args.from, &args.from_cloudtrail) {
        (Some(path), _) => generate::from_intent_file(path, options, limits)?,
        (None, dir) => {
            let dir = dir
                .as_deref()
                .context("`--from` or `--from-cloudtrail` is required")?;
            let role = args.role.as_deref().unwrap_or_default();
            generate::from_trail(dir, role, args.since.as_deref(), options, limits)?
        }
    };
    if let Some(summary) = &generated.summary {
        eprintln!("{summary}");
    }
    let (role, layout, source) = (generated.role, generated.layout, generated.source);
    for warning in &role.warnings {
        eprintln!("warning: {warning}");
    }
    write(&args, &render(&args, &role, &layout, &source)?)
}

fn write(args: &Args, output: &str) -> anyhow::Result<ExitCode> {
    match &args.out {
        Some(path) => std::fs::write(path, output)
            .with_context(|| format!("cannot write `{}`", path.display()))?,
        None => super::write_stdout(output)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `--trust` without an intent: the trust policy of those templates, as IAM JSON.
fn trust_only(args: &Args) -> anyhow::Result<ExitCode> {
    let definitions = super::root::resolve(None)
        .ok()
        .and_then(|root| warden_spec::Definitions::load(&root).ok());
    let context = generate::trust_context(
        definitions.as_ref(),
        args.account.clone(),
        args.external_id.clone(),
        args.external_id_var.clone(),
    )?;
    let (document, warnings) = generate::trust_policy(&args.trust, &context)?;
    for warning in &warnings {
        eprintln!("warning: {warning}");
    }
    write(args, &(serde_json::to_string_pretty(&document)? + "\n"))
}

fn render(
    args: &Args,
    role: &GeneratedRole,
    layout: &Layout,
    source: &str,
) -> anyhow::Result<String> {
    Ok(match args.format {
        Format::Yaml => definitions_yaml(role, layout, source),
        Format::Json if args.trust_json => serde_json::to_string_pretty(&trust_json(role))? + "\n",
        Format::Json => serde_json::to_string_pretty(&policy_json(layout))? + "\n",
    })
}

fn parse_tag(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("invalid tag `{text}`, expected `KEY=VALUE`")),
    }
}
