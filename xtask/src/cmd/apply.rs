//! `cargo xtask apply [PLAN]`: apply a saved plan exactly (refusing stale ones), or plan now
//! and ask for confirmation (`--auto-approve` in CI). Every attempted change is appended to
//! `.warden/audit.jsonl`.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use warden_app::lock::LockRequest;
use warden_app::{ApplyRequest, AuditLog};
use warden_plan::render::{RenderOptions, render_table};
use warden_plan::report::render_apply_report;

use crate::cmd::plan::{Connection, Format, live, load_definitions, plan_with_progress, runtime};

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 every planned change was made (or there was nothing to apply); 1 \
error: any planned change not made (failed, refused, stale plan), any account that could not be \
read or was refused, a cancelled confirmation."
)]
pub struct Args {
    /// A plan saved by `cargo xtask plan --out FILE`; without it, plan now and confirm.
    pub plan: Option<PathBuf>,
    /// Apply without asking (for CI); only meaningful without a plan file.
    #[arg(long)]
    pub auto_approve: bool,
    /// Only this account (id or name) when planning now; repeatable.
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Only accounts under this OU when planning now; repeatable.
    #[arg(long = "ou", value_name = "PATH")]
    pub ous: Vec<String>,
    /// Only changes to the role NAME (and the policies it attaches); repeatable. A plan made
    /// with `plan --role` applies only its roles, and can be narrowed to some of them.
    #[arg(long = "role", value_name = "NAME")]
    pub roles: Vec<String>,
    /// Report format: a table per account, or the report as JSON for machines.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Repository with warden.yaml (default: the nearest one upward from here).
    #[arg(long)]
    pub root: Option<PathBuf>,
    /// Seconds to wait for the organization lock when another apply holds it (0: refuse at once).
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub lock_timeout: u64,
    #[command(flatten)]
    pub connection: Connection,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match apply_command(&args) {
        Ok(code) => Ok(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            Ok(ExitCode::from(1))
        }
    }
}

fn apply_command(args: &Args) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = load_definitions(&root)?;
    runtime()?.block_on(async {
        let (org, request) = live(&root, &definitions, &args.connection).await?;
        // The plan, and what the current definitions want: each account's changes must be what
        // they give. A saved plan is checked against a fresh inventory and lint; a plan made
        // just now already read and linted both.
        let (plan, desired) = match &args.plan {
            Some(path) => {
                let mut plan = warden_app::plan::read_plan_file(path)?;
                plan.check_definitions(&definitions.digest())?;
                warden_plan::review::narrow_saved_plan(&mut plan, &args.roles)?;
                let bar = super::ui::phase("reading the organization", None);
                let desired = warden_app::desired_state(&org, &definitions, request.lint).await?;
                bar.finish_and_clear();
                (plan, desired)
            }
            None => {
                let request = warden_app::PlanRequest {
                    accounts: args.accounts.clone(),
                    ous: args.ous.clone(),
                    ..request
                };
                let mut outcome = plan_with_progress(&org, &definitions, &request).await?;
                warden_plan::review::retain_roles(&mut outcome.plan, &args.roles);
                // Stdout carries only the report when it is JSON.
                let table = render_table(
                    &outcome.plan,
                    RenderOptions {
                        color: args.format == Format::Table && super::ui::stdout_color(false),
                        live: Some(&outcome.live),
                        ..RenderOptions::default()
                    },
                );
                match args.format {
                    Format::Table => super::write_stdout(&table)?,
                    Format::Json => eprint!("{table}"),
                }
                if !outcome.plan.has_changes() {
                    eprintln!("Nothing to apply.");
                    let gate = warden_app::gate::Outcome::of_plan(&outcome.plan);
                    return Ok(crate::cmd::plan::gate_exit(&gate, false));
                }
                if !args.auto_approve && !confirm()? {
                    println!("Apply cancelled.");
                    return Ok(ExitCode::from(1));
                }
                let desired =
                    warden_app::desired_state_for(&definitions, &outcome.organization, None)?;
                (outcome.plan, desired)
            }
        };
        let audit = Arc::new(AuditLog::open(&warden_app::audit::audit_path(&root))?);
        let (total, bar) = (plan.summary().changes(), super::ui::phase("applying", Some(0)));
        let progress = Arc::new(super::ui::steps(bar.clone()));
        let sink = warden_app::progress::counting_audit(audit.clone().sink(), total, progress);
        let request = ApplyRequest::for_definitions(&definitions, sink, desired);
        // One apply at a time per organization: taken before the first write (each account is
        // re-read under it), released after the last.
        let lock = warden_app::lock::acquire(
            org.aws(),
            &LockRequest::for_apply(
                &definitions.config.management_account_id,
                holder(),
                args.lock_timeout,
            ),
        )
        .await?;
        let report = warden_app::apply_plan(&org, &plan, &request).await;
        bar.finish_and_clear();
        if let Err(err) = lock.release().await {
            eprintln!(
                "warning: could not release the organization lock ({err}); remove it with `cargo xtask unlock --force`"
            );
        }
        match args.format {
            Format::Table => super::write_stdout(&render_apply_report(&report))?,
            Format::Json => {
                super::write_stdout(&(serde_json::to_string_pretty(&report)? + "\n"))?;
            }
        }
        eprintln!("audit log: {}", audit.path().display());
        let gate = warden_app::gate::Outcome::of_apply(&plan, &report);
        Ok(crate::cmd::plan::gate_exit(&gate, false))
    })
}

/// Who this run is, for a second apply to see: user, host and process id.
fn holder() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| "unknown-host".into());
    format!("{user}@{host} (pid {})", std::process::id())
}

/// Asks on the terminal; only `yes` approves. Without a terminal, refuses (use --auto-approve).
fn confirm() -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to apply without confirmation: stdin is not a terminal (pass --auto-approve in CI)"
        );
    }
    print!("Apply these changes? Only `yes` is accepted: ");
    std::io::stdout()
        .flush()
        .context("could not write the prompt")?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("could not read the answer")?;
    Ok(answer.trim() == "yes")
}
