//! `cargo xtask bench …`: benchmarks with figures for the notes.
//!
//! `bench plan` seeds moto with N member accounts of M workload roles each, puts the fault
//! proxy in front of it adding L ms per call (modelling AWS latency), and measures the whole
//! read + plan: wall time, API calls per member account (counted by the proxy), CPU time of
//! the planning step alone, and peak memory.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use warden_app::{LiveOrganization, PlanRequest};
use warden_aws::fixture::{self, SeedAccount, SeedSpec};
use warden_aws::{AccessRole, Aws, AwsOptions, ExternalId, SessionDuration, SessionName};
use warden_emulator::{FaultConfig, FaultProxy, MotoOptions, MotoServer};
use warden_plan::from_spec;
use warden_spec::Definitions;

use crate::cmd::plan::runtime;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Read + plan across a seeded organization behind a latency-adding proxy.
    Plan(PlanBench),
    /// Evidence bundle for a synthetic organization (default 100 accounts × 50 roles).
    Evidence(crate::cmd::evidence::BenchArgs),
}

#[derive(clap::Args)]
pub struct PlanBench {
    /// Member accounts to seed.
    #[arg(long, default_value_t = 50)]
    pub accounts: usize,
    /// Workload roles per member account (each with one inline policy).
    #[arg(long, default_value_t = 20)]
    pub roles: usize,
    /// Latency the proxy adds to every call, in milliseconds.
    #[arg(long, default_value_t = 100)]
    pub latency_ms: u64,
    /// Accounts read at the same time.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Plan(args) => bench_plan(&args),
        Command::Evidence(args) => crate::cmd::evidence::bench(&args),
    }
}

const BENCH_EXTERNAL_ID: &str = "warden-bench-external-id";

const CONFIG: &str = r#"
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
        "kind: Boundary\nname: standard-boundary\npath: /boundaries/\nstatements:\n  - Sid: Cap\n    Effect: Allow\n    Action: [s3:*, ec2:Describe*]\n    Resource: \"*\"\n",
    ),
    (
        "policies/deployer.yaml",
        "kind: Role\nname: deployer\ntargets:\n  ous: [Root]\nboundary: standard-boundary\ntrust:\n  - Effect: Allow\n    Principal: {Service: codebuild.amazonaws.com}\n    Action: sts:AssumeRole\ninline_policies:\n  artifacts:\n    - Effect: Allow\n      Action: s3:GetObject\n      Resource: \"arn:aws:s3:::artifacts-${account_id}/*\"\n",
    ),
    (
        "scps/deny-leave.yaml",
        "kind: Scp\nname: deny-leave\ntargets:\n  ous: [Root]\nstatements:\n  - Effect: Deny\n    Action: organizations:LeaveOrganization\n    Resource: \"*\"\n",
    ),
];

fn write_definitions(root: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(root)?;
    std::fs::write(root.join("warden.yaml"), CONFIG)?;
    for (file, text) in DEFINITIONS {
        let path = root.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, text)?;
    }
    Ok(())
}

/// Peak resident set size of this process (`VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn bench_plan(args: &PlanBench) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(None)?;
    let venv = warden_emulator::ensure_venv(&root)
        .context("moto is not available; run `cargo xtask ci`")?;
    let server =
        MotoServer::start(&venv, MotoOptions::default()).context("could not start moto")?;
    let repo = std::env::temp_dir().join(format!("warden-bench-{}", std::process::id()));
    write_definitions(&repo)?;
    let result = runtime()?.block_on(measure(args, &server, &repo));
    let _ = std::fs::remove_dir_all(&repo);
    server.stop();
    let figures = result?;
    super::say!("{figures}");
    Ok(ExitCode::SUCCESS)
}

/// Calls the proxy saw for one member account: id, total, and by API action.
type AccountCalls = (String, u64, Vec<(String, u64)>);

struct Figures {
    accounts: usize,
    roles: usize,
    latency: Duration,
    concurrency: usize,
    seed_time: Duration,
    inventory_time: Duration,
    baseline: Duration,
    wall: Duration,
    plan_cpu: Duration,
    /// Per member account: id, calls, calls by action.
    member_calls: Vec<AccountCalls>,
    management_calls: u64,
    management_actions: Vec<(String, u64)>,
    peak_rss_kib: Option<u64>,
    changes: usize,
    unreadable: usize,
    mean_proxy_overhead: Duration,
}

async fn measure(args: &PlanBench, server: &MotoServer, repo: &Path) -> anyhow::Result<Figures> {
    let external_id = ExternalId::new(BENCH_EXTERNAL_ID)?;
    let seed_started = Instant::now();
    let direct = Aws::connect(AwsOptions::emulator(server.endpoint_url())).await?;
    let accounts = (0..args.accounts)
        .map(|index| {
            let mut account = SeedAccount::new(format!("bench-{index:03}"), "Workloads");
            account.extra_roles = args.roles;
            account
        })
        .collect();
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts,
        access_role_name: "WardenAccess".into(),
        external_id: external_id.clone(),
    };
    let seeded = fixture::seed_organization(&direct, &spec).await?;
    let seed_time = seed_started.elapsed();

    let latency = Duration::from_millis(args.latency_ms);
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default())?;
    let aws = Aws::connect(AwsOptions::emulator(proxy.endpoint_url())).await?;
    let definitions = Definitions::load(repo).map_err(|errors| {
        anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    let access = AccessRole {
        role_name: "WardenAccess".into(),
        external_id,
        session_name: SessionName::new("warden-bench")?,
        duration: SessionDuration::default(),
    };
    let live = LiveOrganization::new(aws.clone(), access, args.concurrency);
    let request = PlanRequest {
        created_at: warden_app::now_rfc3339(),
        ..PlanRequest::default()
    };
    // Baseline without injected latency: the emulator's and Warden's own time.
    let baseline_started = Instant::now();
    warden_app::plan_organization(&live, &definitions, &request, &|_| {}).await?;
    let baseline = baseline_started.elapsed();
    proxy.set_faults(FaultConfig {
        latency,
        ..FaultConfig::default()
    });
    let inventory_started = Instant::now();
    aws.inventory().await?;
    let inventory_time = inventory_started.elapsed();
    proxy.reset_stats();
    let started = Instant::now();
    let outcome = warden_app::plan_organization(&live, &definitions, &request, &|_| {}).await?;
    let wall = started.elapsed();
    let stats = proxy.stats();

    // The planning step alone (CPU, all cores), on the state just read.
    let ownership = from_spec::ownership(&definitions.config);
    let pairs: Vec<_> = outcome
        .live
        .iter()
        .filter_map(|live| {
            let account = outcome.organization.account(&live.account_id)?;
            let rendered = definitions
                .render_for_account(&outcome.organization, account)
                .ok()?;
            Some((from_spec::desired_account(&rendered), live.clone()))
        })
        .collect();
    let plan_started = Instant::now();
    let _ = warden_plan::plan_accounts(&pairs, &ownership);
    let plan_cpu = plan_started.elapsed();

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
        roles: args.roles,
        latency,
        concurrency: args.concurrency,
        seed_time,
        inventory_time,
        baseline,
        wall,
        plan_cpu,
        member_calls,
        management_calls,
        management_actions: management_actions.into_iter().collect(),
        peak_rss_kib: peak_rss_kib(),
        changes: outcome.plan.summary().changes(),
        unreadable: outcome.plan.unreadable.len(),
        mean_proxy_overhead: stats.mean_overhead(),
    })
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
        let latency_share = all_calls as f64 * latency_ms / self.concurrency as f64 / 1000.0;
        let budget = 1.5 * latency_share + self.baseline.as_secs_f64();
        writeln!(
            f,
            "bench plan: {} member accounts × {} roles, {latency_ms:.0} ms per call, concurrency {}",
            self.accounts, self.roles, self.concurrency
        )?;
        writeln!(
            f,
            "  seeding (not measured):         {:.1?}",
            self.seed_time
        )?;
        writeln!(
            f,
            "  read + plan without latency:    {:.2?} (emulator and Warden time)",
            self.baseline
        )?;
        writeln!(f, "  read + plan wall time:          {:.2?}", self.wall)?;
        writeln!(
            f,
            "    inventory alone (separate run): {:.2?}",
            self.inventory_time
        )?;
        writeln!(f, "  planning step alone (rayon):    {:.2?}", self.plan_cpu)?;
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
            "  calls × L ÷ concurrency:        {latency_share:.2} s ({all_calls} calls)"
        )?;
        let verdict = if self.wall.as_secs_f64() <= budget {
            "within"
        } else {
            "OVER"
        };
        writeln!(
            f,
            "  target 1.5 × that + baseline:   {budget:.2} s: {verdict}"
        )?;
        writeln!(
            f,
            "  mean proxy overhead per call:   {:.2?}",
            self.mean_proxy_overhead
        )?;
        match self.peak_rss_kib {
            Some(kib) => writeln!(
                f,
                "  peak memory (VmHWM):            {:.1} MiB",
                kib as f64 / 1024.0
            )?,
            None => writeln!(f, "  peak memory (VmHWM):            unavailable")?,
        }
        write!(
            f,
            "  plan: {} change(s), {} account(s) not read",
            self.changes, self.unreadable
        )
    }
}
