//! Benchmarks with figures for the notes: read + plan across a seeded organization behind a
//! latency-adding proxy (streamed, against the latency floor calls × latency ÷ concurrency and
//! the emulator floor, the same run without latency, with peak memory, the CPU of the emulator
//! and of Warden per run, and where each run's time went from the proxy's call log:
//! `bench_timeline.rs`; the memory claim is that of the same plan run again as a fresh
//! process, read from outside it: `bench_process.rs`), and an evidence bundle for a synthetic
//! organization. Seeding and reads go through a proxy that names each call's account to moto,
//! which would otherwise look every call's access key up across all its accounts (a cost AWS
//! does not have).
//!
//! The latency model: by default the proxy answers each call L after it arrived, moto working
//! within that time (a call takes max(L, moto's time)), as an AWS call's latency holds the
//! service's own time. moto is one Python process that serves about one call at a time (the
//! bench shows its time per call alone and under load), so adding L before moto's time would
//! charge every call moto's queue on top of L and measure moto, not Warden. Neither floor can
//! be beaten: every call takes at least L, and moto needs at least the run without latency;
//! what is beyond the larger is Warden's (lead, idle slots, tail, CPU) or moto's queue when
//! the two floors are close.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use warden_aws::fixture::{self, SeedAccount, SeedSpec};
use warden_aws::{AccessRole, Aws, AwsOptions, ExternalId, SessionDuration, SessionName};
use warden_catalog::Catalog;
use warden_emulator::{FaultConfig, FaultProxy, MotoServer};
use warden_plan::from_spec;
use warden_policy::{Arn, Partition};
use warden_report::bundle::BundleHeader;
use warden_report::{Provenance, UsageIndex};
use warden_spec::Definitions;
use warden_spec::org::{AccountStatus, Organization};

use crate::err::AppError;
#[path = "bench_process.rs"]
mod process;
#[path = "bench_timeline.rs"]
mod timeline;
use crate::evidence::{Inputs, Selection, write_bundle};
use crate::plan::{KeepLive, PlanOptions};
use crate::{LiveOrganization, PlanRequest};
pub use process::FreshPlan;
use timeline::Timeline;

/// `bench plan`: the seeded organization and the proxy's latency.
#[derive(Debug, Clone)]
pub struct PlanBench {
    /// Member accounts to seed.
    pub accounts: usize,
    /// Workload roles per member account (each with one inline policy).
    pub roles: usize,
    /// Latency the proxy adds to every call, in milliseconds.
    pub latency_ms: u64,
    /// Accounts read at the same time.
    pub concurrency: usize,
    /// Timed runs of `bench plan` on the one seeded organization.
    pub runs: usize,
    /// An organization in sync: the definitions are the seeded workload roles (marked as
    /// Warden's, under a boundary seeded in every account), so the plan has no change and
    /// keeps no account's live state; otherwise every account has 3 changes.
    pub in_sync: bool,
    /// The proxy holds each answer until the latency has passed, moto working meanwhile (a call
    /// takes max(L, moto's time), as an AWS call's latency holds the service's time), instead
    /// of adding the latency before moto's time.
    pub latency_covers_emulator: bool,
    /// At most this many requests inside moto at once (`None`: no limit).
    pub emulator_admission: Option<usize>,
    /// The Warden binary (`xtask`): after the timed runs it plans once more as a fresh
    /// process, whose memory is the plan's own (this process's holds what seeding left).
    /// `None`: no such run.
    pub plan_exe: Option<PathBuf>,
}

/// `bench evidence`: the synthetic organization.
#[derive(Debug, Clone)]
pub struct EvidenceBench {
    pub accounts: usize,
    pub roles: usize,
    /// Synthetic CloudTrail events per role.
    pub events_per_role: usize,
}

/// Peak resident set size of this process (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    status_kib(&process_status("self")?, "VmHWM:")
}

/// `/proc/PID/status` of a process (`self` for this one); `None` once it has exited.
pub(crate) fn process_status(pid: &str) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/status")).ok()
}

/// A field of a process's status given in kB (`VmHWM:`, `VmRSS:`), in KiB.
pub(crate) fn status_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub(crate) fn load(root: &Path) -> Result<Definitions, AppError> {
    Ok(Definitions::load(root)?)
}

pub(crate) const BENCH_EXTERNAL_ID: &str = "warden-bench-external-id";

pub(crate) const CONFIG: &str = r#"
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

const DEFINITIONS: [(&str, &str); 3] = [
    (
        "boundaries/standard-boundary.yaml",
        "kind: Boundary\nname: standard-boundary\npath: /boundaries/\nstatements:\n  - Sid: Cap\n    Effect: Allow\n    justification: The benchmark workload needs this access.\n    Action: [s3:*, ec2:Describe*]\n    Resource: \"*\"\n",
    ),
    (
        "policies/deployer.yaml",
        "kind: Role\nname: deployer\ntargets:\n  ous: [Root]\nboundary: standard-boundary\ntrust:\n  - Effect: Allow\n    justification: The benchmark workload needs this access.\n    Principal: {Service: codebuild.amazonaws.com}\n    Action: sts:AssumeRole\ninline_policies:\n  artifacts:\n    - Effect: Allow\n      justification: The benchmark workload needs this access.\n      Action: s3:GetObject\n      Resource: \"arn:aws:s3:::artifacts-${account_id}/*\"\n",
    ),
    (
        "scps/deny-leave.yaml",
        "kind: Scp\nname: deny-leave\ntargets:\n  ous: [Root]\nstatements:\n  - Effect: Deny\n    justification: The benchmark's guardrail.\n    Action: organizations:LeaveOrganization\n    Resource: \"*\"\n",
    ),
];

/// The boundary of the workload roles an organization in sync is seeded with: its definition
/// and the document seeding creates, the same statement.
const IN_SYNC_BOUNDARY: &str = "kind: Boundary\nname: workload-boundary\npath: /boundaries/\ndescription: Caps the benchmark workload roles.\nstatements:\n  - Effect: Allow\n    justification: The benchmark workload reads its buckets.\n    Action: [s3:GetObject, s3:ListBucket]\n    Resource: \"*\"\n";
const IN_SYNC_BOUNDARY_DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}"#;
const IN_SYNC_BOUNDARY_DESCRIPTION: &str = "Caps the benchmark workload roles.";

/// The definition of seeded workload role `index` (`warden_aws::fixture`'s `app-role-N`), equal
/// to what seeding creates in every account.
fn in_sync_role(index: usize) -> String {
    format!(
        "kind: Role\nname: app-role-{index}\npath: /app/\ndescription: benchmark workload role {index}\ntargets:\n  ous: [Root]\nboundary: workload-boundary\ntags:\n  team: bench\ntrust:\n  - Effect: Allow\n    justification: The benchmark workload runs on EC2.\n    Principal: {{Service: ec2.amazonaws.com}}\n    Action: sts:AssumeRole\ninline_policies:\n  data-access:\n    - Effect: Allow\n      justification: The benchmark workload reads its bucket.\n      Action: [s3:GetObject, s3:ListBucket]\n      Resource: [\"arn:aws:s3:::bench-{index}\", \"arn:aws:s3:::bench-{index}/*\"]\n"
    )
}

/// The plan bench's definitions repository: a boundary, a role and an SCP that no account has
/// yet, or with `in_sync` the seeded workload roles and their boundary as they are.
pub fn write_plan_definitions(root: &Path, bench: &PlanBench) -> Result<(), AppError> {
    std::fs::create_dir_all(root)?;
    // The fresh-process plan reads its concurrency here, as `plan` does.
    let config = format!("{CONFIG}concurrency: {}\n", bench.concurrency);
    std::fs::write(root.join("warden.yaml"), config)?;
    let files: Vec<(String, String)> = if bench.in_sync {
        std::iter::once((
            "boundaries/workload-boundary.yaml".to_owned(),
            IN_SYNC_BOUNDARY.to_owned(),
        ))
        .chain((0..bench.roles).map(|index| {
            (
                format!("policies/app-role-{index}.yaml"),
                in_sync_role(index),
            )
        }))
        .collect()
    } else {
        DEFINITIONS
            .iter()
            .map(|(file, text)| ((*file).to_owned(), (*text).to_owned()))
            .collect()
    };
    for (file, text) in files {
        let path = root.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
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
) -> Result<UsageIndex, AppError> {
    let names = [
        ("s3.amazonaws.com", "GetObject"),
        ("ec2.amazonaws.com", "DescribeInstances"),
        ("sqs.amazonaws.com", "SendMessage"),
        ("logs.amazonaws.com", "PutLogEvents"),
    ];
    let catalog = Catalog::embedded();
    // Spilled per account, as `evidence --cloudtrail DIR` reads a trail.
    let mut usage = UsageIndex::spilled(Some("2026-11-01".into()))?;
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
                        "arn": Arn::assumed_role(Partition::Aws, &account.id, &format!("role-{role:03}"), "s").to_string(),
                        "accountId": account.id,
                        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": Arn::role(Partition::Aws, &account.id, "/bench/", &format!("role-{role:03}")).to_string()}}
                    }
                }));
            }
        }
        let text = serde_json::json!({ "Records": records }).to_string();
        let events = warden_generate::cloudtrail::parse_log(&text, Path::new("synthetic.json"))?;
        usage.try_add_events(&events, catalog)?;
    }
    Ok(usage)
}

/// Calls the proxy saw for one member account: id, total, and by API action.
type AccountCalls = (String, u64, Vec<(String, u64)>);

/// One timed read + plan.
#[derive(Debug, Clone)]
struct Run {
    wall: Duration,
    /// Every call the proxy saw during the run.
    calls: u64,
    /// Peak resident memory of this process during the run (`VmHWM`, reset before it).
    peak_rss_kib: Option<u64>,
    /// Resident memory when the run started (what seeding and earlier runs left).
    rss_before_kib: Option<u64>,
    /// The plan's size as JSON: what the run has to keep whatever the live state.
    plan_json_bytes: usize,
    /// CPU time of the emulator's process and of this one (Warden and the proxy) in the run.
    moto_cpu: Option<Duration>,
    own_cpu: Option<Duration>,
    /// The proxy's log of the run's calls (emptied once read into `timeline`).
    /// Where the run's time went, from the proxy's log of its calls.
    timeline: Option<Timeline>,
}

/// What `bench plan` measured; shown as the notes quote it.
pub struct Figures {
    accounts: usize,
    in_sync: bool,
    roles: usize,
    latency: Duration,
    concurrency: usize,
    seed_time: Duration,
    inventory_time: Duration,
    /// The same streamed read + plan without injected latency: the emulator's and Warden's
    /// own time, the emulator floor.
    baseline: Run,
    /// The same without latency, one account at a time (organizations up to 1,000 accounts).
    alone: Option<Run>,
    latency_covers_emulator: bool,
    emulator_admission: Option<usize>,
    /// Peak resident memory of the emulator's process (`VmHWM`), at the end.
    moto_peak_rss_kib: Option<u64>,
    /// Streamed plans keeping only changed live state (what `plan` does), seeded once.
    runs: Vec<Run>,
    /// `plan` once more as a fresh process, its memory read from outside, and the same with
    /// one account selected.
    fresh: Option<FreshPlan>,
    fresh_one: Option<FreshPlan>,
    /// The same read after the whole inventory, keeping every account's live state (as plan
    /// did before streaming), when measured.
    batch: Option<Run>,
    plan_cpu: Option<Duration>,
    /// Per member account: id, calls, calls by action (of the first run).
    member_calls: Vec<AccountCalls>,
    management_calls: u64,
    management_actions: Vec<(String, u64)>,
    changes: usize,
    /// Accounts whose live state the first run kept (those with changes).
    kept_live: usize,
    /// In sync yet with changes: the start of the plan as text, to see why.
    unexpected_changes: Option<String>,
    unreadable: usize,
    mean_proxy_overhead: Duration,
    load_before: String,
    load_after: String,
}

/// The load averages of the machine (`/proc/loadavg`, first three fields).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unavailable".to_owned())
}

/// User + system CPU time of a process (`/proc/PID/stat`, fields 14 and 15, at the usual
/// 100 ticks per second).
fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit(')').next()?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Resets this process's peak resident memory so `VmHWM` covers what follows (Linux).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The batch run (whole inventory first) only when the organization is at most this large.
const REPEATED_UP_TO: usize = 1_000;

/// The account moto gives calls whose access key it does not know: the static credentials the
/// bench connects with, i.e. the organization's management account.
const MOTO_DEFAULT_ACCOUNT: &str = "123456789012";

/// Accounts created at a time while seeding.
const SEED_CREATE_CONCURRENCY: usize = 8;

/// Peak resident memory of another process (`VmHWM` of `/proc/PID/status`), in KiB.
fn process_peak_rss_kib(pid: &str) -> Option<u64> {
    status_kib(&process_status(pid)?, "VmHWM:")
}

/// Seeds `server` with N member accounts of M roles in one OU, each with the access role
/// trusting the bench ExternalId; in sync, the roles and their boundary carry the managed
/// marker of `ownership` (the configuration the plan reads). Returns the seeded organization
/// and how long seeding took.
pub(crate) async fn seed_bench_organization(
    args: &PlanBench,
    ownership: &warden_plan::Ownership,
    server: &MotoServer,
) -> Result<(fixture::SeededOrg, ExternalId, Duration), AppError> {
    let external_id = ExternalId::new(BENCH_EXTERNAL_ID)?;
    let seed_started = Instant::now();
    // Through a proxy that names each call's account to moto: seeding makes ~13 calls per
    // account, and moto would otherwise look each call's key up across every account so far.
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default())?;
    proxy.name_accounts_to_emulator(MOTO_DEFAULT_ACCOUNT);
    let direct = Aws::connect(AwsOptions::emulator(proxy.endpoint_url())).await?;
    // In sync: the roles carry the managed marker and the boundary its mark, as Warden writes
    // them.
    let accounts = (0..args.accounts)
        .map(|index| {
            let mut account = SeedAccount::new(format!("bench-{index:03}"), "Workloads");
            account.extra_roles = args.roles;
            if args.in_sync {
                account.extra_role_tags = ownership.marker_tags();
                account.extra_role_boundary = Some(warden_aws::NewManagedPolicy {
                    name: "workload-boundary".into(),
                    path: "/boundaries/".into(),
                    document: IN_SYNC_BOUNDARY_DOCUMENT.into(),
                    description: Some(ownership.marked_description(IN_SYNC_BOUNDARY_DESCRIPTION)),
                    tags: ownership.marker_tags(),
                });
            }
            account
        })
        .collect();
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts,
        access_role_name: "WardenAccess".into(),
        external_id: external_id.clone(),
    };
    let seeded = fixture::seed_organization_with(&direct, &spec, SEED_CREATE_CONCURRENCY).await?;
    let seed_time = seed_started.elapsed();
    Ok((seeded, external_id, seed_time))
}

/// Seeds `server`, then measures read + plan of the definitions in `repo` through the proxy:
/// `args.runs` streamed runs on the one seeded organization (what `plan` does), and for
/// organizations up to 1,000 accounts one run the way plan read before streaming.
pub async fn plan_bench(
    args: &PlanBench,
    server: &MotoServer,
    repo: &Path,
) -> Result<Figures, AppError> {
    let load_before = load_average();
    let definitions = load(repo)?;
    let ownership = from_spec::ownership(&definitions.config);
    let (seeded, external_id, seed_time) =
        seed_bench_organization(args, &ownership, server).await?;

    let latency = Duration::from_millis(args.latency_ms);
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default())?;
    proxy.name_accounts_to_emulator(MOTO_DEFAULT_ACCOUNT);
    let aws = Aws::connect(AwsOptions::emulator(proxy.endpoint_url())).await?;
    let access = AccessRole {
        role_name: "WardenAccess".into(),
        external_id,
        session_name: SessionName::new("warden-bench")?,
        duration: SessionDuration::default(),
        trusted_principals: vec![definitions.config.management_account_id.clone()],
    };
    let one_at_a_time = LiveOrganization::new(aws.clone(), access.clone(), 1)
        .with_account_tags(definitions.targets_by_tag());
    let live = LiveOrganization::new(aws.clone(), access, args.concurrency)
        .with_account_tags(definitions.targets_by_tag());
    proxy.latency_covers_emulator(args.latency_covers_emulator);
    proxy.admit_to_emulator_at_most(args.emulator_admission);
    let request = PlanRequest {
        created_at: crate::now_rfc3339(),
        ..PlanRequest::default()
    };
    let moto_pid = server.pid().to_string();
    let members: std::collections::HashSet<String> = seeded
        .accounts
        .iter()
        .map(|account| account.id.clone())
        .collect();
    // One read + plan; its timeline is read from the proxy's log at once, and the log dropped.
    let timed = |live: &LiveOrganization, options: PlanOptions, latency: Duration| {
        let (live, definitions, request, proxy, moto_pid, members) = (
            live.clone(),
            &definitions,
            &request,
            &proxy,
            &moto_pid,
            &members,
        );
        async move {
            let live = &live;
            proxy.reset_stats();
            reset_peak_rss();
            let rss_before_kib = peak_rss_kib();
            let (moto_before, own_before) = (cpu_time(moto_pid), cpu_time("self"));
            proxy.record_calls();
            let started = Instant::now();
            let outcome =
                crate::plan::plan_organization_with(live, definitions, request, options, &|_| {})
                    .await?;
            let wall = started.elapsed();
            let since = |after: Option<Duration>, before: Option<Duration>| {
                Some(after?.saturating_sub(before?))
            };
            let run = Run {
                wall,
                calls: proxy.stats().requests,
                peak_rss_kib: peak_rss_kib(),
                rss_before_kib,
                plan_json_bytes: outcome.plan.to_json().len(),
                moto_cpu: since(cpu_time(moto_pid), moto_before),
                own_cpu: since(cpu_time("self"), own_before),
                timeline: None,
            };
            let log = proxy.take_calls();
            let members: std::collections::HashSet<&str> =
                members.iter().map(String::as_str).collect();
            let run = Run {
                timeline: Timeline::of(&log, &members, latency, live.concurrency()),
                ..run
            };
            Ok::<_, AppError>((run, outcome))
        }
    };
    // Baseline without injected latency: the emulator's and Warden's own time; and one account
    // at a time, moto's time per call when it serves little else.
    let (baseline, _) = timed(&live, PlanOptions::BOUNDED, Duration::ZERO).await?;
    let alone = if args.accounts <= REPEATED_UP_TO {
        Some(
            timed(&one_at_a_time, PlanOptions::BOUNDED, Duration::ZERO)
                .await?
                .0,
        )
    } else {
        None
    };
    proxy.set_faults(FaultConfig {
        latency,
        ..FaultConfig::default()
    });
    let inventory_started = Instant::now();
    aws.inventory_with(definitions.targets_by_tag()).await?;
    let inventory_time = inventory_started.elapsed();

    let mut runs = Vec::new();
    let mut first = None;
    let mut stats = None;
    for _ in 0..args.runs.max(1) {
        let (run, outcome) = timed(&live, PlanOptions::BOUNDED, latency).await?;
        if first.is_none() {
            stats = Some(proxy.stats());
            first = Some(outcome);
        }
        runs.push(run);
    }
    let (Some(outcome), Some(stats)) = (first, stats) else {
        return Err(AppError::Source("the bench made no run".into()));
    };
    // The memory claim: the same plan in a process of its own, at the same latency; then with
    // one account selected (the same inventory), so the difference is what the other
    // accounts cost.
    let external = (
        definitions.config.external_id_env.as_str(),
        BENCH_EXTERNAL_ID,
    );
    let (fresh, fresh_one) = match &args.plan_exe {
        Some(exe) => {
            let whole = process::plan_in_fresh_process(exe, repo, external, None, &proxy).await?;
            let first = seeded.accounts.first().map(|account| account.id.as_str());
            let one = process::plan_in_fresh_process(exe, repo, external, first, &proxy).await?;
            (Some(whole), Some(one))
        }
        None => (None, None),
    };
    let (batch, plan_cpu) = if args.accounts <= REPEATED_UP_TO {
        let batch = PlanOptions {
            keep_live: KeepLive::All,
            batch: true,
        };
        let (run, whole) = timed(&live, batch, latency).await?;
        // The planning step alone (CPU, all cores), on the state just read.
        let pairs: Vec<_> = whole
            .live
            .iter()
            .filter_map(|live| {
                let account = whole.organization.account(&live.account_id)?;
                let rendered = definitions
                    .render_for_account(&whole.organization, account)
                    .ok()?;
                Some((from_spec::desired_account(&rendered), live.clone()))
            })
            .collect();
        let plan_started = Instant::now();
        let _ = warden_plan::plan_accounts(&pairs, &ownership);
        (Some(run), Some(plan_started.elapsed()))
    } else {
        (None, None)
    };

    let member_ids: Vec<&str> = seeded
        .accounts
        .iter()
        .map(|account| account.id.as_str())
        .collect();
    let member_calls = member_ids
        .iter()
        .map(|id| {
            let actions = stats
                .by_account_action
                .get(*id)
                .map(|actions| {
                    actions
                        .iter()
                        .map(|(action, count)| (action.clone(), *count))
                        .collect()
                })
                .unwrap_or_default();
            ((*id).to_string(), stats.calls_for_account(id), actions)
        })
        .collect();
    let management_calls = stats.requests
        - member_ids
            .iter()
            .map(|id| stats.calls_for_account(id))
            .sum::<u64>();
    let mut management_actions: std::collections::BTreeMap<String, u64> = stats.by_action.clone();
    for id in &member_ids {
        for (action, count) in stats.by_account_action.get(*id).into_iter().flatten() {
            if let Some(total) = management_actions.get_mut(action) {
                *total = total.saturating_sub(*count);
            }
        }
    }
    management_actions.retain(|_, count| *count > 0);
    Ok(Figures {
        accounts: args.accounts,
        in_sync: args.in_sync,
        roles: args.roles,
        latency,
        concurrency: args.concurrency,
        seed_time,
        inventory_time,
        baseline,
        alone,
        latency_covers_emulator: args.latency_covers_emulator,
        emulator_admission: args.emulator_admission,
        moto_peak_rss_kib: process_peak_rss_kib(&moto_pid),
        runs,
        fresh,
        fresh_one,
        batch,
        plan_cpu,
        member_calls,
        management_calls,
        management_actions: management_actions.into_iter().collect(),
        changes: outcome.plan.summary().changes(),
        kept_live: outcome.live.len(),
        unexpected_changes: (args.in_sync && outcome.plan.summary().changes() > 0).then(|| {
            let text = warden_plan::render::render_table(
                &outcome.plan,
                warden_plan::render::RenderOptions {
                    show_unmanaged: false,
                    color: false,
                    live: Some(&outcome.live),
                },
            );
            text.lines().take(40).collect::<Vec<_>>().join("\n")
        }),
        unreadable: outcome.plan.unreadable.len(),
        mean_proxy_overhead: stats.mean_overhead(),
        load_before,
        load_after: load_average(),
    })
}

impl Figures {
    /// Changes in the first run's plan.
    pub fn changes(&self) -> usize {
        self.changes
    }

    /// Accounts not read in the first run.
    pub fn unreadable(&self) -> usize {
        self.unreadable
    }

    /// Accounts whose live state the first run kept.
    pub fn kept_live(&self) -> usize {
        self.kept_live
    }

    /// The plan run as a fresh process, when the bench had the binary.
    pub fn fresh_plan(&self) -> Option<&FreshPlan> {
        self.fresh.as_ref()
    }

    /// The same with only the first member account selected.
    pub fn fresh_plan_of_one_account(&self) -> Option<&FreshPlan> {
        self.fresh_one.as_ref()
    }

    /// Calls of each member account in the first run, by action.
    pub fn member_calls(&self) -> impl Iterator<Item = (&str, &[(String, u64)])> {
        self.member_calls
            .iter()
            .map(|(id, _, actions)| (id.as_str(), actions.as_slice()))
    }
}

impl Figures {
    fn write_fresh(
        &self,
        f: &mut std::fmt::Formatter<'_>,
        fresh: &FreshPlan,
        one: Option<&FreshPlan>,
        judged: f64,
    ) -> std::fmt::Result {
        let outcome = |fresh: &FreshPlan| match fresh.exit_code {
            Some(0) => "exit 0, no change".to_owned(),
            Some(2) => "exit 2, changes".to_owned(),
            Some(code) => format!("exit {code}, failed"),
            None => "killed by a signal".to_owned(),
        };
        writeln!(
            f,
            "  plan as a fresh process (`plan --format json`, this binary, the same proxy and latency): {:.2?} ({:.2} × judged floor, process start and definitions included), {}, {} calls, CPU {}",
            fresh.wall,
            fresh.wall.as_secs_f64() / judged.max(f64::EPSILON),
            outcome(fresh),
            fresh.calls,
            seconds(fresh.cpu),
        )?;
        writeln!(
            f,
            "    its memory, read from outside (/proc/PID/status every {} ms, {} samples): {} at its first call, peak {} (VmHWM), {} after its first call; the plan as JSON {:.2} MiB",
            process::SAMPLE_EVERY.as_millis(),
            fresh.samples,
            mib(fresh.start_rss_kib),
            mib(fresh.peak_rss_kib),
            mib(fresh.growth_kib()),
            fresh.plan_json_bytes as f64 / 1_048_576.0,
        )?;
        if let Some(one) = one {
            let per_account = fresh.peak_rss_kib.zip(one.peak_rss_kib).map_or_else(
                || "unavailable".to_owned(),
                |(all, one)| {
                    format!(
                        "{:.2} KiB",
                        (all as f64 - one as f64) / self.accounts.saturating_sub(1).max(1) as f64
                    )
                },
            );
            writeln!(
                f,
                "    the same with one account selected (the whole inventory still listed): {:.2?}, {}, peak {}; per further account (peak − this peak) ÷ (accounts − 1): {per_account}",
                one.wall,
                outcome(one),
                mib(one.peak_rss_kib),
            )?;
        }
        for failed in [Some(fresh), one].into_iter().flatten() {
            if let Some(error) = &failed.error {
                writeln!(f, "    its stderr (end):\n{error}")?;
            }
        }
        Ok(())
    }
}

/// min / median / max of some durations, in seconds.
fn spread(values: &[Duration]) -> String {
    let mut seconds: Vec<f64> = values.iter().map(Duration::as_secs_f64).collect();
    seconds.sort_by(f64::total_cmp);
    match (
        seconds.first(),
        seconds.get(seconds.len() / 2),
        seconds.last(),
    ) {
        (Some(min), Some(median), Some(max)) => {
            format!(
                "{min:.2} / {median:.2} / {max:.2} s (min / median / max of {})",
                seconds.len()
            )
        }
        _ => "no run".to_owned(),
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "unavailable".to_owned(),
        |kib| format!("{:.1} MiB", kib as f64 / 1024.0),
    )
}

fn seconds(duration: Option<Duration>) -> String {
    duration.map_or_else(
        || "unavailable".to_owned(),
        |d| format!("{:.1} s", d.as_secs_f64()),
    )
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let calls: Vec<u64> = self
            .member_calls
            .iter()
            .map(|(_, calls, _)| *calls)
            .collect();
        let total: u64 = calls.iter().sum();
        let max = calls.iter().copied().max().unwrap_or(0);
        let min = calls.iter().copied().min().unwrap_or(0);
        let mean = if calls.is_empty() {
            0.0
        } else {
            total as f64 / calls.len() as f64
        };
        let latency_ms = self.latency.as_secs_f64() * 1000.0;
        let all_calls = total + self.management_calls;
        let floor = all_calls as f64 * latency_ms / self.concurrency as f64 / 1000.0;
        writeln!(
            f,
            "bench plan: {} member accounts × {} roles, {latency_ms:.0} ms per call, concurrency {}{}",
            self.accounts,
            self.roles,
            self.concurrency,
            if self.in_sync {
                ", organization in sync with the definitions"
            } else {
                ""
            }
        )?;
        writeln!(
            f,
            "  load average before / after:    {} / {}",
            self.load_before, self.load_after
        )?;
        writeln!(
            f,
            "  seeding (once, not measured):   {:.1?}",
            self.seed_time
        )?;
        let emulator_floor = self.baseline.wall.as_secs_f64();
        let judged = floor.max(emulator_floor);
        writeln!(
            f,
            "  read + plan without latency:    {:.2?}, CPU moto {}, Warden+proxy {} (the emulator floor: moto's and Warden's own time for the same calls at the same concurrency)",
            self.baseline.wall,
            seconds(self.baseline.moto_cpu),
            seconds(self.baseline.own_cpu),
        )?;
        if let Some(timeline) = &self.baseline.timeline {
            writeln!(f, "{timeline}")?;
        }
        if let Some(alone) = &self.alone {
            writeln!(
                f,
                "  the same, one account at a time: {:.2?}, CPU moto {} (moto's time per call when it serves little else)",
                alone.wall,
                seconds(alone.moto_cpu)
            )?;
            if let Some(timeline) = &alone.timeline {
                writeln!(f, "{timeline}")?;
            }
        }
        writeln!(
            f,
            "  latency model: {}; {}",
            if self.latency_covers_emulator {
                "L covers moto's time (each answer held until L after the request arrived, moto working within it: a call takes max(L, moto's time), as an AWS call's latency holds the service's own time)"
            } else {
                "L added before moto's time (each call takes L + moto's time, moto's queue included)"
            },
            self.emulator_admission.map_or_else(
                || "no limit on requests inside moto".to_owned(),
                |limit| format!(
                    "at most {limit} request(s) inside moto at once, the rest waiting in the proxy"
                )
            )
        )?;
        let walls: Vec<Duration> = self.runs.iter().map(|run| run.wall).collect();
        writeln!(f, "  read + plan wall time (streamed): {}", spread(&walls))?;
        writeln!(
            f,
            "  latency floor, calls × L ÷ concurrency: {floor:.2} s ({all_calls} calls; concurrency counts accounts, each making its two reads side by side, so a wall under it is possible)"
        )?;
        writeln!(
            f,
            "  judged against max(latency floor, emulator floor) = {judged:.2} s ({} bound){}",
            if emulator_floor > floor {
                "the emulator is the"
            } else {
                "latency is the"
            },
            if self.latency_covers_emulator {
                "; with moto working within L, no run can beat either floor: what is beyond the larger is Warden's lead, idle slots, tail and CPU, or moto's queue where its work and the latency floor are close"
            } else {
                "; with L added before moto's time every call also carries moto's queue, so the ratios measure moto as much as Warden"
            }
        )?;
        let ratios = |against: f64| -> String {
            walls
                .iter()
                .map(|wall| format!("{:.2}", wall.as_secs_f64() / against))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            f,
            "  wall ÷ latency floor per run:   {} (goal ≤ 1.3)",
            ratios(floor)
        )?;
        writeln!(
            f,
            "  wall ÷ judged floor per run:    {} (goal ≤ 1.3)",
            ratios(judged)
        )?;
        for (index, run) in self.runs.iter().enumerate() {
            let busy = |cpu: Option<Duration>| {
                cpu.map_or_else(String::new, |cpu| {
                    format!(
                        " ({:.0} % of one core)",
                        100.0 * cpu.as_secs_f64() / run.wall.as_secs_f64()
                    )
                })
            };
            writeln!(
                f,
                "    run {}: {:.2?}, {} calls, peak {} (from {} at its start; the plan is {:.1} MiB as JSON), CPU moto {}{}, Warden+proxy {}{}",
                index + 1,
                run.wall,
                run.calls,
                mib(run.peak_rss_kib),
                mib(run.rss_before_kib),
                run.plan_json_bytes as f64 / 1_048_576.0,
                seconds(run.moto_cpu),
                busy(run.moto_cpu),
                seconds(run.own_cpu),
                busy(run.own_cpu),
            )?;
            if let Some(timeline) = &run.timeline {
                writeln!(f, "{timeline}")?;
                let shape = timeline.structural_floor(self.latency, self.concurrency);
                writeln!(
                    f,
                    "    floor of the read's shape (lead + ⌈accounts ÷ concurrency⌉ × round trips × L): {:.2} s, wall ÷ it {:.2}; after the last member answer: {:.2} s",
                    shape.as_secs_f64(),
                    run.wall.as_secs_f64() / shape.as_secs_f64().max(f64::EPSILON),
                    run.wall
                        .saturating_sub(timeline.last_member_answer)
                        .as_secs_f64()
                )?;
            }
        }
        if let Some(fresh) = &self.fresh {
            self.write_fresh(f, fresh, self.fresh_one.as_ref(), judged)?;
        }
        if let Some(batch) = &self.batch {
            writeln!(
                f,
                "  before streaming (whole inventory first, all live kept): {:.2?} ({:.2} × floor), peak {}",
                batch.wall,
                batch.wall.as_secs_f64() / floor,
                mib(batch.peak_rss_kib)
            )?;
        }
        writeln!(
            f,
            "    inventory alone (separate run): {:.2?}",
            self.inventory_time
        )?;
        writeln!(
            f,
            "  emulator peak memory (moto, whole bench): {}",
            mib(self.moto_peak_rss_kib)
        )?;
        if let Some(plan_cpu) = self.plan_cpu {
            writeln!(f, "  planning step alone (rayon):    {plan_cpu:.2?}")?;
        }
        writeln!(
            f,
            "  calls per member account:       mean {mean:.2}, min {min}, max {max} ({total} total)"
        )?;
        if let Some((_, _, actions)) = self.member_calls.first() {
            let list: Vec<String> = actions
                .iter()
                .map(|(action, count)| format!("{action}×{count}"))
                .collect();
            writeln!(f, "    e.g. first account:           {}", list.join(", "))?;
        }
        let management: Vec<String> = self
            .management_actions
            .iter()
            .map(|(action, count)| format!("{action}×{count}"))
            .collect();
        writeln!(
            f,
            "  management calls (inventory, SCPs): {} ({})",
            self.management_calls,
            management.join(", ")
        )?;
        writeln!(
            f,
            "  mean proxy overhead per call:   {:.2?}",
            self.mean_proxy_overhead
        )?;
        write!(
            f,
            "  plan: {} change(s), {} account(s) not read",
            self.changes, self.unreadable
        )?;
        if let Some(text) = &self.unexpected_changes {
            write!(f, "\n  in sync, yet the plan changes (its start):\n{text}")?;
        }
        Ok(())
    }
}
/// Writes the synthetic repository into `repo` and the bundle into `out`; the report.
pub fn evidence_bench(args: &EvidenceBench, repo: &Path, out: &Path) -> Result<String, AppError> {
    let write = |file: &str, text: &str| -> Result<(), AppError> {
        let path = repo.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(std::fs::write(&path, text)?)
    };
    write("warden.yaml", BENCH_CONFIG)?;
    write("boundaries/workload-boundary.yaml", BENCH_BOUNDARY)?;
    for index in 0..args.roles {
        write(
            &format!("policies/role-{index:03}.yaml"),
            &bench_role(index),
        )?;
    }
    let definitions = load(repo)?;
    let organization = bench_organization(args.accounts);
    let rss_start = peak_rss_kib();
    // No events per role: no CloudTrail at all, as `evidence` without `--cloudtrail`.
    let usage = (args.events_per_role > 0)
        .then(|| bench_usage(&organization, args.roles, args.events_per_role))
        .transpose()?;
    let event_count = usage.as_ref().map_or(0, |usage| usage.period().events);
    let rss_before = peak_rss_kib();
    let header = BundleHeader {
        provenance: Provenance {
            warden_version: warden_report::WARDEN_VERSION.into(),
            live_read_at: crate::now_rfc3339(),
            definitions_digest: definitions.digest(),
            ..Provenance::default()
        },
        usage: usage.as_ref().map(UsageIndex::period),
    };
    let started = Instant::now();
    let inputs = Inputs {
        definitions: &definitions,
        organization: &organization,
        plan: None,
        usage: usage.as_ref(),
        aws_managed: None,
        selection: Selection {
            accounts: &[],
            ous: &[],
        },
        today: crate::today()?,
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

/// `bench access-diff`: a synthetic organization and a definitions repository with a base
/// commit and a working tree that widens every tenth role and trusts a partner in one.
#[derive(Debug, Clone)]
pub struct AccessDiffBench {
    pub accounts: usize,
    pub roles: usize,
}

/// Writes the repository at `repo`, then measures reading both revisions, rendering them for
/// every account and comparing; the figures as text.
pub fn access_diff_bench(args: &AccessDiffBench, repo: &Path) -> Result<String, AppError> {
    use crate::access_diff::definitions_at;
    let git_error = |err: git2::Error| AppError::Read {
        path: repo.display().to_string(),
        message: err.message().to_string(),
    };
    let write = |file: &str, text: &str| -> Result<(), AppError> {
        let path = repo.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(std::fs::write(&path, text)?)
    };
    write("warden.yaml", BENCH_CONFIG)?;
    write("boundaries/workload-boundary.yaml", BENCH_BOUNDARY)?;
    for index in 0..args.roles {
        write(
            &format!("policies/role-{index:03}.yaml"),
            &bench_role(index),
        )?;
    }
    let git = git2::Repository::init(repo).map_err(git_error)?;
    let mut index = git.index().map_err(git_error)?;
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .map_err(git_error)?;
    let tree = index
        .write_tree()
        .and_then(|id| git.find_tree(id))
        .map_err(git_error)?;
    let signature = git2::Signature::now("bench", "bench@example.com").map_err(git_error)?;
    git.commit(Some("HEAD"), &signature, &signature, "base", &tree, &[])
        .map_err(git_error)?;
    let mut widened = 0;
    for index in (0..args.roles).step_by(10) {
        let mut role = bench_role(index).replace(
            "inline_policies:\n  work:\n",
            "inline_policies:\n  work:\n    - Sid: Widened\n      Effect: Allow\n      justification: The benchmark workload needs this access.\n      Action: [sqs:DeleteQueue, iam:PassRole]\n      Resource: \"*\"\n",
        );
        if index == 0 {
            role = role.replace(
                "trust:\n",
                "trust:\n  - Sid: Partner\n    Effect: Allow\n    justification: The benchmark workload needs this access.\n    Principal: {AWS: \"arn:aws:iam::777788889999:root\"}\n    Action: sts:AssumeRole\n",
            );
        }
        write(&format!("policies/role-{index:03}.yaml"), &role)?;
        widened += 1;
    }
    let organization = bench_organization(args.accounts);
    let rss_before = peak_rss_kib();
    let started = Instant::now();
    let base = definitions_at(repo, Some("HEAD")).map_err(|e| AppError::Render(e.to_string()))?;
    let head = definitions_at(repo, None).map_err(|e| AppError::Render(e.to_string()))?;
    let loaded = started.elapsed();
    let base_rendered = crate::render_selected(&base, &organization, &[], &[], true)?;
    let head_rendered = crate::render_selected(&head, &organization, &[], &[], true)?;
    let rendered = started.elapsed();
    let diff = warden_review::access_diff(
        Catalog::embedded(),
        &organization,
        warden_review::Revision {
            accounts: &base_rendered.accounts,
            scps: base_rendered.scps.as_deref().unwrap_or_default(),
        },
        warden_review::Revision {
            accounts: &head_rendered.accounts,
            scps: head_rendered.scps.as_deref().unwrap_or_default(),
        },
    );
    let compared = started.elapsed();
    let markdown = warden_review::render(&diff, warden_review::Format::Markdown);
    let total = started.elapsed();
    let rss_after = peak_rss_kib();
    let mib = |kib: Option<u64>| {
        kib.map_or_else(
            || "unavailable".to_string(),
            |k| format!("{:.1} MiB", k as f64 / 1024.0),
        )
    };
    let mut report = String::new();
    let _ = writeln!(
        report,
        "access-diff bench: {} accounts × {} roles ({} roles compared), {widened} role(s) widened in the working tree",
        args.accounts, args.roles, diff.summary.roles_compared
    );
    let _ = writeln!(
        report,
        "  changes found:                 {} (grants new access: {})",
        diff.changes.len(),
        diff.summary.grants_new_access
    );
    let _ = writeln!(
        report,
        "  read both revisions (git, disk): {:.3} s",
        loaded.as_secs_f64()
    );
    let _ = writeln!(
        report,
        "  render both for every account: {:.3} s",
        (rendered - loaded).as_secs_f64()
    );
    let _ = writeln!(
        report,
        "  compare access:                {:.3} s",
        (compared - rendered).as_secs_f64()
    );
    let _ = writeln!(
        report,
        "  Markdown ({} bytes):          {:.3} s",
        markdown.len(),
        (total - compared).as_secs_f64()
    );
    let _ = writeln!(
        report,
        "  total:                         {:.3} s",
        total.as_secs_f64()
    );
    let _ = writeln!(
        report,
        "  peak memory: {} before, {} after",
        mib(rss_before),
        mib(rss_after)
    );
    Ok(report)
}

/// `bench apply`: apply of `roles` new roles in each of `accounts` accounts, fault-free and then
/// under injected faults (fractions of requests throttled, answered 5xx, dropped).
#[derive(Debug, Clone)]
pub struct ApplyBench {
    pub accounts: usize,
    pub roles: usize,
    pub throttle: f64,
    pub server_error: f64,
    pub drop: f64,
}

/// One apply run of the benchmark.
struct ApplyRun {
    wall: Duration,
    applied: usize,
    failed: usize,
    converged: bool,
    stats: warden_emulator::ProxyStats,
}

/// Definitions for `bench apply`: `roles` roles over the `Workloads` OU, each with an inline
/// policy and a managed policy of its own.
pub fn write_apply_definitions(root: &Path, roles: usize) -> Result<(), AppError> {
    std::fs::create_dir_all(root.join("policies"))?;
    std::fs::write(root.join("warden.yaml"), CONFIG)?;
    for index in 0..roles {
        let text = format!(
            "kind: Role\nname: bench-role-{index}\npath: /\ntargets:\n  ous: [Root/Workloads]\ntrust:\n  - Sid: Ec2\n    Effect: Allow\n    justification: The benchmark workload needs this access.\n    Principal:\n      Service: ec2.amazonaws.com\n    Action: sts:AssumeRole\ninline_policies:\n  read:\n    - Sid: Read\n      Effect: Allow\n      justification: The benchmark workload needs this access.\n      Action: s3:GetObject\n      Resource: \"arn:aws:s3:::bench-{index}-${{account_id}}/*\"\n"
        );
        std::fs::write(
            root.join("policies")
                .join(format!("bench-role-{index}.yaml")),
            text,
        )?;
    }
    Ok(())
}

/// Every `1/fraction`-th request (0 for none), the proxy's way of injecting a fraction.
fn every(fraction: f64) -> u64 {
    if fraction <= 0.0 {
        0
    } else {
        // Rounded to the nearest period; fractions above 1 mean every request.
        (1.0 / fraction.min(1.0)).round().max(1.0) as u64
    }
}

async fn apply_run(
    server: &MotoServer,
    repo: &Path,
    accounts: usize,
    faults: FaultConfig,
) -> Result<ApplyRun, AppError> {
    let external_id = ExternalId::new(BENCH_EXTERNAL_ID)?;
    let direct = Aws::connect(AwsOptions::emulator(server.endpoint_url())).await?;
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts: (0..accounts)
            .map(|index| SeedAccount::new(format!("bench-{index:03}"), "Workloads"))
            .collect(),
        access_role_name: "WardenAccess".into(),
        external_id: external_id.clone(),
    };
    fixture::seed_organization(&direct, &spec).await?;
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default())?;
    let aws = Aws::connect(AwsOptions::emulator(proxy.endpoint_url())).await?;
    let definitions = load(repo)?;
    let access = AccessRole {
        role_name: "WardenAccess".into(),
        external_id,
        session_name: SessionName::new("warden-bench")?,
        duration: SessionDuration::default(),
        trusted_principals: vec![definitions.config.management_account_id.clone()],
    };
    let live = LiveOrganization::new(aws, access, 16);
    let request = PlanRequest {
        created_at: crate::now_rfc3339(),
        ..PlanRequest::default()
    };
    let plan = crate::plan_organization(&live, &definitions, &request, &|_| {})
        .await?
        .plan;
    let apply = crate::ApplyRequest::new(
        from_spec::ownership(&definitions.config),
        16,
        std::sync::Arc::new(|_| {}),
    );
    proxy.set_faults(faults);
    proxy.reset_stats();
    let started = Instant::now();
    let report = crate::apply_plan(&live, &plan, &apply).await;
    let wall = started.elapsed();
    let stats = proxy.stats();
    proxy.set_faults(FaultConfig::default());
    let again = crate::plan_organization(&live, &definitions, &request, &|_| {})
        .await?
        .plan;
    let failed = report
        .all()
        .map(|account| {
            account.count(|result| matches!(result, warden_plan::report::ChangeResult::Failed(_)))
        })
        .sum();
    Ok(ApplyRun {
        wall,
        applied: report.applied_changes(),
        failed,
        converged: !again.has_changes(),
        stats,
    })
}

/// Applies the definitions in `repo` to a fresh organization on `clean` without faults and to
/// one on `faulty` with the faults of `args`; reports both times and their ratio.
pub async fn apply_bench(
    args: &ApplyBench,
    clean: &MotoServer,
    faulty: &MotoServer,
    repo: &Path,
) -> Result<String, AppError> {
    let baseline = apply_run(clean, repo, args.accounts, FaultConfig::default()).await?;
    let faults = FaultConfig {
        throttle_every: every(args.throttle),
        server_error_every: every(args.server_error),
        drop_every: every(args.drop),
        ..FaultConfig::default()
    };
    let faulted = apply_run(faulty, repo, args.accounts, faults).await?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "apply of {} account(s) x {} role(s); faults: throttle {:.0}%, 5xx {:.0}%, dropped {:.0}%",
        args.accounts,
        args.roles,
        args.throttle * 100.0,
        args.server_error * 100.0,
        args.drop * 100.0
    );
    for (label, run) in [("fault-free", &baseline), ("with faults", &faulted)] {
        let _ = writeln!(
            out,
            "  {label:<12} {:>8.2} s  {} applied, {} failed, converged: {}; {} requests ({} throttled, {} 5xx, {} dropped)",
            run.wall.as_secs_f64(),
            run.applied,
            run.failed,
            run.converged,
            run.stats.requests,
            run.stats.throttled,
            run.stats.server_errors,
            run.stats.dropped
        );
    }
    let ratio = faulted.wall.as_secs_f64() / baseline.wall.as_secs_f64().max(f64::EPSILON);
    let _ = writeln!(out, "  ratio        {ratio:>8.1}x (goal: at most 15x)");
    Ok(out)
}
