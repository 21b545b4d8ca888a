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
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use warden_catalog::Catalog;
use warden_generate::cloudtrail::{RoleArn, parse_since};
use warden_generate::io::read_trail_dir;
use warden_generate::render::{definitions_yaml, policy_json, trust_json};
use warden_generate::{ActivityOptions, GeneratedRole, IntentOptions, Layout, SizeLimits};

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
    let catalog = Catalog::embedded();
    let limits = SizeLimits {
        max_managed_policies: args.max_managed_policies,
        ..SizeLimits::default()
    };
    if args.from.is_none() && args.from_cloudtrail.is_none() {
        return trust_only(&args);
    }
    let expires = date_in_days(365)?;
    let (role, layout, source) = if let Some(path) = &args.from {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let options = IntentOptions {
            name: args.name.clone(),
            trust: args.trust.clone(),
            external_id: args.external_id.clone(),
            external_id_var: args.external_id_var.clone(),
            exception_expires: expires,
        };
        let (role, layout) =
            warden_generate::generate_from_intent_text(&text, path, catalog, &options, limits)?;
        (role, layout, path.display().to_string())
    } else {
        let dir = args
            .from_cloudtrail
            .clone()
            .context("`--from` or `--from-cloudtrail` is required")?;
        let role_arn = RoleArn::parse(args.role.as_deref().unwrap_or_default())?;
        let since = args.since.as_deref().map(parse_since).transpose()?;
        let events = read_trail_dir(&dir)?;
        let options = ActivityOptions {
            name: args.name.clone(),
            since,
            trust: args.trust.clone(),
            external_id: args.external_id.clone(),
            external_id_var: args.external_id_var.clone(),
            exception_expires: expires,
            owner: args.owner.clone(),
            tags: args.tags.iter().cloned().collect(),
            boundary: args.boundary.clone(),
        };
        let (role, layout, activity) =
            warden_generate::generate_from_activity(&events, &role_arn, catalog, &options, limits)?;
        eprintln!(
            "read {} events, {} by {}; {} actions used",
            activity.events_read,
            activity.events_of_role,
            role_arn.arn(),
            activity.used.len()
        );
        (
            role,
            layout,
            format!(
                "CloudTrail activity of {} in {}",
                role_arn.arn(),
                dir.display()
            ),
        )
    };
    for warning in &role.warnings {
        eprintln!("warning: {warning}");
    }
    let output = render(&args, &role, &layout, &source)?;
    match &args.out {
        Some(path) => std::fs::write(path, output)
            .with_context(|| format!("cannot write `{}`", path.display()))?,
        None => super::write_stdout(&output)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `--trust` without an intent: the trust policy of those templates, as IAM JSON.
fn trust_only(args: &Args) -> anyhow::Result<ExitCode> {
    use warden_generate::trust::{TrustContext, TrustTemplate};
    let definitions = super::root::resolve(None)
        .ok()
        .and_then(|root| warden_spec::Definitions::load(&root).ok());
    let account = args.account.clone().or_else(|| {
        definitions
            .as_ref()
            .map(|d| d.config.management_account_id.clone())
    });
    if let Some(account) = &account {
        anyhow::ensure!(
            warden_policy::is_account_id(account),
            "`{account}` is not an account id (12 digits)"
        );
    }
    let context = TrustContext {
        partition: definitions
            .as_ref()
            .map_or_else(|| "aws".to_string(), |d| d.partition().to_string()),
        account,
        region: definitions.as_ref().map(|d| d.config.home_region.clone()),
        external_id: args.external_id.clone(),
        external_id_var: args.external_id_var.clone(),
    };
    let mut statements = Vec::new();
    for template in &args.trust {
        let output = TrustTemplate::parse(template)?.statement(&context)?;
        for warning in &output.warnings {
            eprintln!("warning: {warning}");
        }
        let mut statement = output.statement;
        // Sids are unique within a policy: the second trust of one repository gets a number.
        let taken = |sid: &str| {
            statements
                .iter()
                .any(|s: &warden_generate::statement::GeneratedStatement| s.sid == sid)
        };
        if taken(&statement.sid) {
            let base = statement.sid.clone();
            let mut n = 2;
            while taken(&format!("{base}{n}")) {
                n += 1;
            }
            statement.sid = format!("{base}{n}");
        }
        statements.push(statement);
    }
    let document = warden_generate::statement::document_json(&statements);
    let text = serde_json::to_string_pretty(&document)? + "\n";
    match &args.out {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?,
        None => super::write_stdout(&text)?,
    }
    Ok(ExitCode::SUCCESS)
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

/// `YYYY-MM-DD` of today plus `days`, in UTC (for the expiry of generated exceptions).
fn date_in_days(days: u64) -> anyhow::Result<String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?
        .as_secs();
    i64::try_from(now + days * 86_400)
        .ok()
        .and_then(warden_lint::subject::date_from_unix_seconds)
        .map(|date| date.to_string())
        .context("the system clock is out of range")
}

#[cfg(test)]
mod tests {
    /// Generated exceptions expire on a `YYYY-MM-DD` date, as lint exceptions are written.
    #[test]
    fn expiry_dates_are_iso() {
        let date = super::date_in_days(365).unwrap();
        let bytes = date.as_bytes();
        assert_eq!(date.len(), 10, "{date}");
        assert!(bytes[4] == b'-' && bytes[7] == b'-', "{date}");
        assert!(date.as_str() > "2026-01-01", "{date}");
    }
}
