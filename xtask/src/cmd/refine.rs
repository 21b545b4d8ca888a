//! `cargo xtask refine ROLE --cloudtrail DIR [--definitions .] [--diff]`: proposes removing
//! granted actions the role never used, as YAML statements to paste over the definition's, or
//! with `--diff` as a unified diff of the definition files (`git apply`/`patch -p1` from the
//! definitions root). `iam:PassRole` is never proposed: CloudTrail does not log it.
//!
//! The role's sessions are recognised by its ARN: `--role-arn`, or built from `--account` (or
//! the definition's only target account) and the definition's `path`. Exit 0 when nothing is
//! unused, 1 when there are proposals, 2 on bad input.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::Value;
use warden_catalog::Catalog;
use warden_generate::activity::observe;
use warden_generate::cloudtrail::{RoleArn, parse_since};
use warden_generate::io::{DefinitionFile, read_definition_files, read_trail_dir};
use warden_generate::refine::{
    Edit, Proposal, granted_statements, proposals_yaml, propose, unified_diff,
};

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
    /// Root of the definitions repository.
    #[arg(long, default_value = ".")]
    pub definitions: PathBuf,
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
    let files = read_definition_files(&args.definitions.join("policies"))?;
    let documents: Vec<Value> = files
        .iter()
        .flat_map(|file| file.documents.iter().cloned())
        .collect();
    let definition = documents
        .iter()
        .find(|document| {
            document.get("kind").and_then(Value::as_str) == Some("Role")
                && document
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|name| name.eq_ignore_ascii_case(&args.role))
        })
        .with_context(|| {
            format!(
                "no role definition named `{}` under `{}` (roles there: {})",
                args.role,
                args.definitions.join("policies").display(),
                role_names(&documents)
            )
        })?;
    let role_arn = match &args.role_arn {
        Some(arn) => RoleArn::parse(arn)?,
        None => RoleArn::parse(&derived_arn(definition, &args)?)?,
    };
    let granted = granted_statements(&documents, &args.role).map_err(anyhow::Error::msg)?;
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
    let window = match (&activity.first_seen, &activity.last_seen) {
        (Some(first), Some(last)) => format!(
            "between {first} and {last} ({} events)",
            activity.events_of_role
        ),
        _ => String::new(),
    };
    if args.diff {
        super::write_stdout(&proposals_diff(&files, &args, &proposals)?)?;
    } else {
        super::write_stdout(&proposals_yaml(&args.role, &proposals, &window))?;
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

/// The role names defined in the documents, in backticks, for "no such role" messages.
fn role_names(documents: &[Value]) -> String {
    let names: Vec<String> = documents
        .iter()
        .filter(|document| document.get("kind").and_then(Value::as_str) == Some("Role"))
        .filter_map(|document| document.get("name").and_then(Value::as_str))
        .map(|name| format!("`{name}`"))
        .collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

fn derived_arn(definition: &Value, args: &Args) -> anyhow::Result<String> {
    let is_account_id =
        |account: &str| account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let targets: Vec<&str> = definition
        .pointer("/targets/accounts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|account| is_account_id(account))
        .collect();
    let account = match (&args.account, targets.as_slice()) {
        // Without an organization file there is no name to look up: the ARN needs the id.
        (Some(account), _) if !is_account_id(account) => {
            bail!("`--account {account}`: expected a 12-digit account id (or pass `--role-arn`)")
        }
        (Some(account), _) => account.clone(),
        (None, [only]) => (*only).to_owned(),
        _ => bail!(
            "the role targets several accounts or none by id: pass `--account` or `--role-arn`"
        ),
    };
    let path = definition
        .get("path")
        .and_then(Value::as_str)
        .unwrap_or("/");
    let name = definition
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(&args.role);
    Ok(format!("arn:aws:iam::{account}:role{path}{name}"))
}

/// Unified diffs of the files that hold the proposed statements (inline policies in the role's
/// file, managed policies in theirs).
fn proposals_diff(
    files: &[DefinitionFile],
    args: &Args,
    proposals: &[Proposal],
) -> anyhow::Result<String> {
    let holds = |file: &DefinitionFile, kind: &str, name: &str| {
        file.documents.iter().any(|document| {
            document.get("kind").and_then(Value::as_str) == Some(kind)
                && document
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|found| found.eq_ignore_ascii_case(name))
        })
    };
    let mut out = String::new();
    for file in files {
        let edits: Vec<Edit<'_>> = proposals
            .iter()
            .filter(|proposal| match proposal.policy.split_once('.') {
                Some(("inline_policies", _)) => holds(file, "Role", &args.role),
                Some(("managed_policies", name)) => holds(file, "ManagedPolicy", name),
                _ => false,
            })
            .filter_map(|proposal| {
                Some(Edit {
                    sid: proposal.sid.as_deref()?,
                    replacement: proposal.replacement.as_ref(),
                })
            })
            .collect();
        let label = file
            .path
            .strip_prefix(&args.definitions)
            .unwrap_or(&file.path)
            .display()
            .to_string();
        if let Some(diff) = unified_diff(&label, &file.text, &edits) {
            out.push_str(&diff);
        }
    }
    let without_sid = proposals
        .iter()
        .filter(|proposal| proposal.sid.is_none())
        .count();
    if without_sid > 0 {
        eprintln!(
            "note: {without_sid} statement(s) without a Sid cannot be located for the diff; run without `--diff`"
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A misspelled role name is answered with the roles that exist.
    #[test]
    fn role_names_list_only_roles() {
        let documents: Vec<Value> = vec![
            serde_json::json!({"kind": "Role", "name": "payments-api-task"}),
            serde_json::json!({"kind": "ManagedPolicy", "name": "payments-config-read"}),
            serde_json::json!({"kind": "Role", "name": "payments-github-deploy"}),
        ];
        assert_eq!(
            role_names(&documents),
            "`payments-api-task`, `payments-github-deploy`"
        );
        assert_eq!(role_names(&[]), "none");
    }

    /// An account name would build an ARN IAM never issues; it is refused by name.
    #[test]
    fn account_must_be_an_id() {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let definition = serde_json::json!({"kind": "Role", "name": "app", "path": "/workloads/"});
        let parse = |account: &str| {
            Cli::parse_from(["refine", "app", "--cloudtrail", "t", "--account", account]).args
        };
        assert_eq!(
            derived_arn(&definition, &parse("111122223333")).unwrap(),
            "arn:aws:iam::111122223333:role/workloads/app"
        );
        let err = derived_arn(&definition, &parse("payments-prod"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "`--account payments-prod`: expected a 12-digit account id (or pass `--role-arn`)"
        );
    }
}
