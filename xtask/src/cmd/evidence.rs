//! `cargo xtask evidence`: export an auditor evidence bundle (index.html, per-account pages,
//! roles.csv, evidence.json, MANIFEST.sha256). Reads live IAM read-only to record whether each
//! role matched the repository; with `--cloudtrail`, compares granted with used actions.
//! Accounts are rendered, linted and written one at a time, so memory stays flat with the
//! number of accounts. Also `cargo xtask bench evidence`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use warden_app::evidence::{Inputs, Selection, read_aws_managed, write_bundle};
use warden_catalog::Catalog;
use warden_report::bundle::BundleHeader;
use warden_report::{Provenance, UsageIndex};
use warden_spec::org::{AccountStatus, Organization};

use super::plan::{Connection, live, load_definitions, runtime};

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 bundle written (unreadable accounts are recorded in it), 2 bad \
input or usage, or a failure to read AWS or write the bundle (then MANIFEST.sha256 is missing)."
)]
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
    /// AWS managed policy documents (`{"Name": {"path", "document"}}`, as
    /// `.warden/corpus/aws-managed-policies.json`) to count what attached AWS managed policies
    /// grant; without it they are listed as not counted.
    #[arg(long, value_name = "FILE")]
    pub aws_managed_policies: Option<PathBuf>,
    /// Repository with warden.yaml (default: the nearest one upward from here).
    #[arg(long)]
    pub root: Option<PathBuf>,
    #[command(flatten)]
    pub connection: Connection,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = load_definitions(&root)?;
    let since = args
        .since
        .as_deref()
        .map(warden_generate::cloudtrail::parse_since)
        .transpose()?;
    let usage = match &args.cloudtrail {
        Some(dir) => Some(UsageIndex::read_dir(dir, since, Catalog::embedded())?),
        None => None,
    };
    let aws_managed = args
        .aws_managed_policies
        .as_deref()
        .map(read_aws_managed)
        .transpose()?;
    let outcome = runtime()?.block_on(async {
        let (org, request) = live(&root, &definitions, &args.connection).await?;
        let request = warden_app::PlanRequest {
            lint: None,
            accounts: args.accounts.clone(),
            ous: args.ous.clone(),
            ..request
        };
        anyhow::Ok(warden_app::plan_organization(&org, &definitions, &request, &|_| {}).await?)
    })?;
    let catalog = Catalog::embedded();
    let source = catalog.source();
    let provenance = Provenance::read(
        &root,
        &outcome.plan.created_at,
        &definitions.digest(),
        &format!("{} {}", source.package, source.version),
    )?;
    let header = BundleHeader {
        provenance,
        usage: usage.as_ref().map(UsageIndex::period),
    };
    let selection = Selection {
        accounts: &args.accounts,
        ous: &args.ous,
    };
    let inputs = Inputs {
        definitions: &definitions,
        organization: &outcome.organization,
        plan: Some(&outcome.plan),
        usage: usage.as_ref(),
        aws_managed: aws_managed.as_ref(),
        selection,
        today: warden_app::today()?,
    };
    let summary = write_bundle(&args.out, header, &inputs)?;
    super::say!(
        "evidence for {} accounts, {} roles ({} matched live IAM, {} accounts unreadable) written to {}",
        summary.accounts,
        summary.roles,
        summary.roles_matching_live,
        summary.unreadable_accounts,
        args.out.display()
    );
    super::say!(
        "open {}; verify with `cd {} && sha256sum -c MANIFEST.sha256`",
        args.out.join("index.html").display(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Synthetic member accounts.
    #[arg(long, default_value_t = 100)]
    pub accounts: usize,
    /// Roles per account.
    #[arg(long, default_value_t = 50)]
    pub roles: usize,
    /// Synthetic CloudTrail events per role.
    #[arg(long, default_value_t = 4)]
    pub events_per_role: usize,
}

const BENCH_CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_BENCH_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
admin_roles: [WardenAccess]
"#;

const BENCH_BOUNDARY: &str = r#"
kind: Boundary
name: workload-boundary
path: /boundaries/
description: Caps workload roles.
statements:
  - Sid: Cap
    Effect: Allow
    Action: [s3:*, ec2:*, dynamodb:*, sqs:*, logs:*, kms:Decrypt]
    Resource: "*"
    justification: Workloads use storage, compute, queues, logs and decryption only.
"#;

/// Action patterns the synthetic roles draw from (wildcards of very different sizes).
const BENCH_PATTERNS: [&str; 8] = [
    "s3:Get*",
    "ec2:Describe*",
    "dynamodb:*",
    "sqs:Send*",
    "logs:*",
    "kms:Decrypt",
    "s3:PutObject",
    "ec2:*Tags",
];

fn bench_role(index: usize) -> String {
    let first = BENCH_PATTERNS[index % BENCH_PATTERNS.len()];
    let second = BENCH_PATTERNS[(index * 3 + 1) % BENCH_PATTERNS.len()];
    format!(
        r#"kind: Role
name: role-{index:03}
path: /bench/
description: Synthetic workload role {index}.
targets:
  ous: [Root]
boundary: workload-boundary
tags:
  Project: bench
trust:
  - Sid: Service
    Effect: Allow
    Principal:
      Service: ecs-tasks.amazonaws.com
    Action: sts:AssumeRole
    Condition:
      StringEquals:
        aws:SourceAccount: "${{account_id}}"
    justification: ECS tasks of this account only.
inline_policies:
  work:
    - Sid: First
      Effect: Allow
      Action: {first}
      Resource: "arn:aws:s3:::bench-${{account_id}}-{index}/*"
      justification: Synthetic statement one.
    - Sid: Second
      Effect: Allow
      Action: [{second}]
      Resource: "arn:aws:s3:::bench-${{account_id}}-{index}"
      justification: Synthetic statement two.
"#
    )
}

fn bench_organization(accounts: usize) -> Organization {
    Organization {
        id: "o-bench".into(),
        management_account_id: "123456789012".into(),
        root_id: "r-bench".into(),
        accounts: (0..accounts)
            .map(|index| warden_spec::org::Account {
                id: format!("{:012}", 200_000_000_000_u64 + index as u64),
                name: format!("account-{index:03}"),
                email: None,
                status: AccountStatus::Active,
                parent_id: "r-bench".into(),
                ou_path: "Root".into(),
                tags: Default::default(),
            })
            .collect(),
        organizational_units: Vec::new(),
    }
}

fn bench_usage(
    organization: &Organization,
    roles: usize,
    per_role: usize,
) -> anyhow::Result<UsageIndex> {
    let names = [
        ("s3.amazonaws.com", "GetObject"),
        ("ec2.amazonaws.com", "DescribeInstances"),
        ("sqs.amazonaws.com", "SendMessage"),
        ("logs.amazonaws.com", "PutLogEvents"),
    ];
    let catalog = Catalog::embedded();
    let mut usage = UsageIndex::empty(Some("2026-11-01".into()));
    // One log file per account, as CloudTrail delivers them, reduced as it is read.
    for account in &organization.accounts {
        let mut records = Vec::new();
        for role in 0..roles {
            for event in 0..per_role {
                let (source, name) = names[(role + event) % names.len()];
                records.push(serde_json::json!({
                    "eventTime": format!("2026-11-{:02}T10:00:00Z", 1 + event % 20),
                    "eventSource": source,
                    "eventName": name,
                    "awsRegion": "us-east-1",
                    "recipientAccountId": account.id,
                    "userIdentity": {
                        "type": "AssumedRole",
                        "arn": format!("arn:aws:sts::{}:assumed-role/role-{role:03}/s", account.id),
                        "accountId": account.id,
                        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": format!("arn:aws:iam::{}:role/bench/role-{role:03}", account.id)}}
                    }
                }));
            }
        }
        let text = serde_json::json!({ "Records": records }).to_string();
        let events = warden_generate::cloudtrail::parse_log(&text, Path::new("synthetic.json"))?;
        usage.add_events(&events, catalog);
    }
    Ok(usage)
}

/// Peak resident set size of this process (`VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `cargo xtask bench evidence`: a synthetic organization (N accounts × M roles, rendered from
/// definitions in a temporary repository, CloudTrail events reduced per account file) written as a bundle.
pub fn bench(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let repo = std::env::temp_dir().join(format!("warden-bench-evidence-{}", std::process::id()));
    let out = repo.join("bundle");
    let result = bench_in(args, &repo, &out);
    let _ = std::fs::remove_dir_all(&repo);
    let report = result?;
    super::say_raw!("{report}");
    Ok(ExitCode::SUCCESS)
}

fn bench_in(args: &BenchArgs, repo: &Path, out: &Path) -> anyhow::Result<String> {
    let write = |file: &str, text: &str| -> anyhow::Result<()> {
        let path = repo.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("could not write `{}`", path.display()))
    };
    write("warden.yaml", BENCH_CONFIG)?;
    write("boundaries/workload-boundary.yaml", BENCH_BOUNDARY)?;
    for index in 0..args.roles {
        write(
            &format!("policies/role-{index:03}.yaml"),
            &bench_role(index),
        )?;
    }
    let definitions = load_definitions(repo)?;
    let organization = bench_organization(args.accounts);
    let rss_start = peak_rss_kib();
    let usage = bench_usage(&organization, args.roles, args.events_per_role)?;
    let event_count = usage.period().events;
    let rss_before = peak_rss_kib();
    let header = BundleHeader {
        provenance: Provenance {
            warden_version: warden_report::WARDEN_VERSION.into(),
            live_read_at: warden_app::now_rfc3339(),
            definitions_digest: definitions.digest(),
            ..Provenance::default()
        },
        usage: Some(usage.period()),
    };
    let started = Instant::now();
    let inputs = Inputs {
        definitions: &definitions,
        organization: &organization,
        plan: None,
        usage: Some(&usage),
        aws_managed: None,
        selection: Selection {
            accounts: &[],
            ous: &[],
        },
        today: warden_app::today()?,
    };
    let summary = write_bundle(out, header, &inputs)?;
    let elapsed = started.elapsed();
    let rss_after = peak_rss_kib();
    let mut report = String::new();
    let mib = |kib: Option<u64>| {
        kib.map_or_else(
            || "unavailable".to_string(),
            |k| format!("{:.1} MiB", k as f64 / 1024.0),
        )
    };
    let _ = writeln!(
        report,
        "evidence bench: {} accounts × {} roles, {} CloudTrail events reduced per account file",
        args.accounts, args.roles, event_count
    );
    let _ = writeln!(report, "  roles written:                 {}", summary.roles);
    let _ = writeln!(
        report,
        "  files:                         {} ({:.1} MiB)",
        summary.files.len(),
        summary.bytes as f64 / 1_048_576.0
    );
    let _ = writeln!(
        report,
        "  wall time (render, lint, evidence, write, hash): {:.2} s ({:.2} ms per role)",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / summary.roles.max(1) as f64
    );
    let _ = writeln!(
        report,
        "  peak memory (VmHWM) at start:           {}",
        mib(rss_start)
    );
    let _ = writeln!(
        report,
        "  peak memory (VmHWM) after CloudTrail:   {}",
        mib(rss_before)
    );
    let _ = writeln!(
        report,
        "  peak memory (VmHWM) after the bundle:  {}",
        mib(rss_after)
    );
    Ok(report)
}
