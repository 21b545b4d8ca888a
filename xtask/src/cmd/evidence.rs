//! `cargo xtask evidence`: export an auditor evidence bundle (index.html, per-account pages,
//! roles.csv, evidence.json, MANIFEST.sha256). Reads live IAM read-only to record whether each
//! role matched the repository; with `--cloudtrail`, compares granted with used actions.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use warden_catalog::Catalog;
use warden_report::bundle::{BundleHeader, EvidenceWriter};
use warden_report::evidence::{EvidenceContext, account_evidence};
use warden_report::{Provenance, UsageIndex};

use super::drift::{read_only_plan, today};
use super::plan::{Connection, connect, load_definitions, runtime};

#[derive(clap::Args)]
pub struct Args {
    /// Directory to write the bundle into (created; must be empty).
    #[arg(long)]
    pub out: PathBuf,
    /// Only this account (id or name); repeatable.
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Only accounts under this OU path (`Root/Workloads`) or id; repeatable.
    #[arg(long = "ou", value_name = "PATH")]
    pub ous: Vec<String>,
    /// Directory of CloudTrail log files (`.json`, `.json.gz`) for used versus granted actions.
    #[arg(long)]
    pub cloudtrail: Option<PathBuf>,
    /// Only CloudTrail events on or after this date (`YYYY-MM-DD` or RFC 3339 UTC).
    #[arg(long, requires = "cloudtrail")]
    pub since: Option<String>,
    /// Repository with warden.yaml and the definitions.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    #[command(flatten)]
    pub connection: Connection,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let definitions = load_definitions(&args.root)?;
    let since = args
        .since
        .as_deref()
        .map(warden_generate::cloudtrail::parse_since)
        .transpose()?;
    let usage = match &args.cloudtrail {
        Some(dir) => {
            let events = warden_generate::io::read_trail_dir(dir)?;
            Some(UsageIndex::new(events, count_trail_files(dir), since))
        }
        None => None,
    };
    let (outcome, findings) = runtime()?.block_on(async {
        let aws = connect(&definitions, &args.connection).await?;
        read_only_plan(&aws, &definitions, &args.root, &args.accounts, &args.ous).await
    })?;
    let whole = args.accounts.is_empty() && args.ous.is_empty();
    let selection = warden_aws::workflow::render_selected(
        &definitions,
        &outcome.organization,
        &args.accounts,
        &args.ous,
        whole,
    )?;
    let scps = definitions
        .render_scps(&outcome.organization)
        .map_err(|errors| anyhow::anyhow!("SCPs do not render: {errors:?}"))?;
    let catalog = Catalog::embedded();
    let source = catalog.source();
    let provenance = Provenance::read(
        &args.root,
        &outcome.plan.created_at,
        &definitions.digest(),
        &format!("{} {}", source.package, source.version),
    )?;
    let header = BundleHeader {
        provenance,
        usage: usage.as_ref().map(UsageIndex::period),
    };
    let context = EvidenceContext {
        catalog,
        organization: &outcome.organization,
        scps: &scps,
        plan: Some(&outcome.plan),
        findings: &findings,
        usage: usage.as_ref(),
        today: today()?.to_string(),
    };
    let mut writer = EvidenceWriter::create(&args.out, header)?;
    for account in &selection.accounts {
        writer.write_account(&account_evidence(&context, account))?;
    }
    let summary = writer.finish()?;
    println!(
        "evidence for {} accounts, {} roles ({} matched live IAM, {} accounts unreadable) written to {}",
        summary.accounts,
        summary.roles,
        summary.roles_matching_live,
        summary.unreadable_accounts,
        args.out.display()
    );
    println!(
        "open {} ; verify with `cd {} && sha256sum -c MANIFEST.sha256`",
        args.out.join("index.html").display(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn count_trail_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| entry.path())
        .map(|path| {
            if path.is_dir() {
                count_trail_files(&path)
            } else {
                let name = path.to_string_lossy();
                usize::from(name.ends_with(".json") || name.ends_with(".json.gz"))
            }
        })
        .sum()
}
