//! `cargo xtask bench …`: benchmarks with figures for the notes.
//!
//! `bench plan` seeds moto with N member accounts of M workload roles each, puts the fault
//! proxy in front of it answering each call L ms after it (AWS latency), and measures the whole
//! read + plan: wall time, API calls per member account (counted by the proxy), CPU time of
//! the planning step alone, and the peak memory of the plan run again as a fresh process.

use std::process::ExitCode;

use anyhow::Context;
use warden_app::bench::{EvidenceBench, PlanBench as Bench, evidence_bench, plan_bench};
use warden_emulator::{MotoOptions, MotoServer};

use crate::cmd::plan::runtime;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Read + plan across a seeded organization behind a latency-adding proxy.
    Plan(PlanBench),
    /// Evidence bundle for a synthetic organization (default 100 accounts × 50 roles).
    Evidence(EvidenceArgs),
    /// Apply of new roles fault-free, then under throttling, 5xx and dropped connections.
    Apply(ApplyArgs),
    /// Access diff between two revisions over a synthetic organization (1,000 × 50).
    AccessDiff(AccessDiffArgs),
    /// Snapshot of a seeded organization behind the latency proxy, then import of it.
    Snapshot(PlanBench),
    /// Lint of the AWS managed policies beside parliament (build with `--release` first).
    LintCorpus(LintCorpusArgs),
    /// `simulate --batch` decisions/s, evaluation core and end to end (1,000,000 lines).
    SimulateBatch,
    /// who-can over a synthetic organization of 500 accounts × 50 roles.
    WhoCan,
}

#[derive(clap::Args)]
pub struct LintCorpusArgs {
    /// Timed runs of each tool; parliament's community auditors with `--community`.
    #[arg(long, default_value_t = 7)]
    runs: usize,
    #[arg(long)]
    community: bool,
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
    /// `bench plan`: timed runs on the one seeded organization (min / median / max).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Seed an organization in sync with the definitions (a plan of no change).
    #[arg(long)]
    pub in_sync: bool,
    /// Add L before moto's time (L + moto per call) instead of moto working within L.
    #[arg(long)]
    pub latency_before_emulator: bool,
    /// At most N requests inside moto at once.
    #[arg(long)]
    pub emulator_admission: Option<usize>,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Plan(args) => bench_plan(&args),
        Command::Evidence(args) => bench_evidence(&args),
        Command::Apply(args) => bench_apply(&args),
        Command::AccessDiff(args) => bench_access_diff(&args),
        Command::Snapshot(args) => bench_snapshot(&args),
        Command::SimulateBatch => say(warden_app::bench_access::simulate_batch(1_000_000)?),
        Command::WhoCan => say(warden_app::bench_access::who_can(500, 50)?),
        Command::LintCorpus(args) => {
            let (root, exe) = (super::root::resolve(None)?, std::env::current_exe()?);
            let text = warden_app::bench_lint::lint_corpus(&root, &exe, args.runs, args.community)?;
            say(text)
        }
    }
}

fn say(text: String) -> anyhow::Result<ExitCode> {
    super::say_raw!("{text}");
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct EvidenceArgs {
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

fn bench_of(args: &PlanBench) -> Bench {
    Bench {
        accounts: args.accounts,
        roles: args.roles,
        latency_ms: args.latency_ms,
        concurrency: args.concurrency,
        runs: args.runs,
        in_sync: args.in_sync,
        latency_covers_emulator: !args.latency_before_emulator,
        emulator_admission: args.emulator_admission,
        plan_exe: std::env::current_exe().ok(),
    }
}

fn bench_plan(args: &PlanBench) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(None)?;
    let venv = warden_emulator::ensure_venv(&root)
        .context("moto is not available; run `cargo xtask ci`")?;
    let server =
        MotoServer::start(&venv, MotoOptions::default()).context("could not start moto")?;
    let repo = std::env::temp_dir().join(format!("warden-bench-{}", std::process::id()));
    let bench = bench_of(args);
    warden_app::bench::write_plan_definitions(&repo, &bench)?;
    let result = runtime()?.block_on(plan_bench(&bench, &server, &repo));
    let _ = std::fs::remove_dir_all(&repo);
    server.stop();
    let figures = result?;
    super::say!("{figures}");
    Ok(ExitCode::SUCCESS)
}

/// `cargo xtask bench evidence`: a synthetic organization (N accounts × M roles, rendered from
/// definitions in a temporary repository, CloudTrail events reduced per account file) written as a bundle.
fn bench_evidence(args: &EvidenceArgs) -> anyhow::Result<ExitCode> {
    let repo = std::env::temp_dir().join(format!("warden-bench-evidence-{}", std::process::id()));
    let out = repo.join("bundle");
    let bench = EvidenceBench {
        accounts: args.accounts,
        roles: args.roles,
        events_per_role: args.events_per_role,
    };
    let result = evidence_bench(&bench, &repo, &out);
    let _ = std::fs::remove_dir_all(&repo);
    let report = result?;
    super::say_raw!("{report}");
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct AccessDiffArgs {
    /// Synthetic member accounts.
    #[arg(long, default_value_t = 1000)]
    pub accounts: usize,
    /// Roles per account.
    #[arg(long, default_value_t = 50)]
    pub roles: usize,
}

/// `cargo xtask bench access-diff`: a git repository in a temporary directory, compared with
/// its working tree over a synthetic organization.
fn bench_access_diff(args: &AccessDiffArgs) -> anyhow::Result<ExitCode> {
    let repo =
        std::env::temp_dir().join(format!("warden-bench-access-diff-{}", std::process::id()));
    let bench = warden_app::bench::AccessDiffBench {
        accounts: args.accounts,
        roles: args.roles,
    };
    let result = warden_app::bench::access_diff_bench(&bench, &repo);
    let _ = std::fs::remove_dir_all(&repo);
    super::say_raw!("{}", result?);
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct ApplyArgs {
    /// Member accounts to seed.
    #[arg(long, default_value_t = 2)]
    pub accounts: usize,
    /// Roles created per account (each with an inline policy).
    #[arg(long, default_value_t = 6)]
    pub roles: usize,
    /// Fraction of requests answered with a throttling error.
    #[arg(long, default_value_t = 0.2)]
    pub throttle: f64,
    /// Fraction of requests answered with HTTP 500.
    #[arg(long = "5xx", default_value_t = 0.05)]
    pub server_error: f64,
    /// Fraction of requests whose connection is dropped.
    #[arg(long, default_value_t = 0.05)]
    pub drop: f64,
}

/// `cargo xtask bench apply`: two fresh moto servers, one fault-free apply and one under faults.
fn bench_apply(args: &ApplyArgs) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(None)?;
    let venv = warden_emulator::ensure_venv(&root)
        .context("moto is not available; run `cargo xtask ci`")?;
    let clean = MotoServer::start(&venv, MotoOptions::default()).context("could not start moto")?;
    let faulty =
        MotoServer::start(&venv, MotoOptions::default()).context("could not start moto")?;
    let repo = std::env::temp_dir().join(format!("warden-bench-apply-{}", std::process::id()));
    warden_app::bench::write_apply_definitions(&repo, args.roles)?;
    let bench = warden_app::bench::ApplyBench {
        accounts: args.accounts,
        roles: args.roles,
        throttle: args.throttle,
        server_error: args.server_error,
        drop: args.drop,
    };
    let result = runtime()?.block_on(warden_app::bench::apply_bench(
        &bench, &clean, &faulty, &repo,
    ));
    let _ = std::fs::remove_dir_all(&repo);
    clean.stop();
    faulty.stop();
    super::say_raw!("{}", result?);
    Ok(ExitCode::SUCCESS)
}

fn bench_snapshot(args: &PlanBench) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(None)?;
    let venv = warden_emulator::ensure_venv(&root)
        .context("moto is not available; run `cargo xtask ci`")?;
    let server =
        MotoServer::start(&venv, MotoOptions::default()).context("could not start moto")?;
    let work = std::env::temp_dir().join(format!("warden-bench-snapshot-{}", std::process::id()));
    let bench = bench_of(args);
    let result = runtime()?.block_on(warden_app::bench_snapshot::snapshot_bench(
        &bench, &server, &work,
    ));
    let _ = std::fs::remove_dir_all(&work);
    super::say_raw!("{}", result?);
    Ok(ExitCode::SUCCESS)
}
