//! `bench snapshot`: a seeded organization snapshotted through the latency proxy, then imported.
//!
//! The floor is the issue's: calls × latency ÷ concurrency. Beside the wall time it reports
//! where the time goes: the calls per member account by action, this process's CPU time (what
//! Warden itself costs) and the peak RSS of the snapshot alone (the peak is reset after
//! seeding), so a figure can be told apart from the emulator's own speed.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use warden_aws::{AccessRole, Aws, AwsOptions, SessionDuration, SessionName};
use warden_emulator::{FaultConfig, FaultProxy, MotoServer};

use crate::LiveOrganization;
use crate::bench::{CONFIG, PlanBench, load, peak_rss_kib, seed_bench_organization};
use crate::err::AppError;

/// How long the bench waits for the import of the snapshot.
const IMPORT_DEADLINE: Duration = Duration::from_secs(180);

/// User and system CPU time of this process so far (`/proc/self/stat`, in clock ticks of
/// 10 ms on Linux); `None` elsewhere.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index)?.parse::<u64>().ok();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    Some(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

/// Resets the peak RSS to the current RSS (`/proc/self/clear_refs`, Linux 4.0+), so the next
/// [`peak_rss_kib`] covers only what follows. False when the kernel does not allow it.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Seeds N accounts × M roles, snapshots them through the latency proxy, then imports the
/// snapshot into an empty repository. Returns the figures as text.
pub async fn snapshot_bench(
    args: &PlanBench,
    server: &MotoServer,
    work: &Path,
) -> Result<String, AppError> {
    // The repository import writes into; its configuration names the marker seeding uses.
    let repo = work.join("repo");
    std::fs::create_dir_all(&repo)?;
    std::fs::write(repo.join("warden.yaml"), CONFIG)?;
    let definitions = load(&repo)?;
    let ownership = warden_plan::from_spec::ownership(&definitions.config);
    let (seeded, external_id, seed_time) =
        seed_bench_organization(args, &ownership, server).await?;
    let latency = Duration::from_millis(args.latency_ms);
    let proxy = FaultProxy::start(
        server.addr(),
        FaultConfig {
            latency,
            ..FaultConfig::default()
        },
    )?;
    // moto otherwise looks each call's key up across every account (see `bench plan`).
    proxy.name_accounts_to_emulator(&seeded.management_account_id);
    proxy.latency_covers_emulator(args.latency_covers_emulator);
    proxy.admit_to_emulator_at_most(args.emulator_admission);
    let aws = Aws::connect(AwsOptions::emulator(proxy.endpoint_url())).await?;
    let access = AccessRole {
        role_name: "WardenAccess".into(),
        external_id,
        session_name: SessionName::new("warden-bench")?,
        duration: SessionDuration::default(),
        trusted_principals: vec![seeded.management_account_id.clone()],
    };
    let live = LiveOrganization::new(aws, access, args.concurrency);
    let out = work.join("snapshot");
    let request = crate::snapshot::SnapshotRequest {
        out: out.clone(),
        accounts: Vec::new(),
        ous: Vec::new(),
        created_at: crate::now_rfc3339(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    proxy.reset_stats();
    let peak_reset = reset_peak_rss();
    let rss_before = peak_rss_kib();
    let cpu_before = cpu_time();
    let started = Instant::now();
    let summary = crate::snapshot::take_snapshot(&live, &request, &|_| {}).await?;
    let wall = started.elapsed();
    let cpu = cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    let rss_snapshot = peak_rss_kib();
    let stats = proxy.stats();
    let member_calls: Vec<u64> = seeded
        .accounts
        .iter()
        .map(|account| stats.calls_for_account(&account.id))
        .collect();
    let member_total: u64 = member_calls.iter().sum();
    let floor = Duration::from_secs_f64(
        stats.requests as f64 * latency.as_secs_f64() / args.concurrency.max(1) as f64,
    );
    // Calls per member account by action (the same in every account of the bench).
    let per_account: Vec<String> = seeded
        .accounts
        .first()
        .and_then(|account| stats.by_account_action.get(&account.id))
        .map(|actions| {
            actions
                .iter()
                .map(|(action, count)| format!("{action} {count}"))
                .collect()
        })
        .unwrap_or_default();

    let offline = crate::snapshot::SnapshotOrganization::open(&out)?;
    reset_peak_rss();
    // On a thread of its own with a deadline: the lint pass import makes (WL790's escalation
    // paths across every deployed role) can outlast any bench; the figure then says so.
    let (sender, receiver) = std::sync::mpsc::channel();
    let today = crate::today()?;
    std::thread::spawn(move || {
        let started = Instant::now();
        let request = crate::import::ImportRequest {
            accounts: Vec::new(),
            ous: Vec::new(),
            today,
        };
        let outcome = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(AppError::from)
            .and_then(|runtime| {
                runtime.block_on(crate::import::import_organization(
                    &offline,
                    &definitions,
                    &request,
                ))
            });
        let _ = sender.send((started.elapsed(), outcome));
    });
    let import = match receiver.recv_timeout(IMPORT_DEADLINE) {
        Ok((time, Ok(imported))) => format!(
            "{time:.2?}: {} definitions written, {} skipped, {} exceptions; peak RSS {} KiB",
            imported.written.len(),
            imported.skipped.len(),
            imported.exceptions,
            peak_rss_kib().unwrap_or(0)
        ),
        Ok((_, Err(err))) => return Err(err),
        Err(_) => format!(
            "not finished after {IMPORT_DEADLINE:.0?} (peak RSS so far {} KiB)",
            peak_rss_kib().unwrap_or(0)
        ),
    };
    let snapshot_bytes: u64 = summary
        .manifest
        .files
        .keys()
        .filter_map(|path| std::fs::metadata(out.join(path)).ok())
        .map(|meta| meta.len())
        .sum();

    let mut text = String::new();
    let _ = writeln!(
        text,
        "bench snapshot: {} member accounts × {} roles, {} ms per call ({}), concurrency {}",
        args.accounts,
        args.roles,
        args.latency_ms,
        if args.latency_covers_emulator {
            "moto working within it"
        } else {
            "added before moto's time"
        },
        args.concurrency
    );
    let _ = writeln!(text, "  seeding (not measured):   {seed_time:.1?}");
    let _ = writeln!(
        text,
        "  snapshot wall:            {wall:.2?} (floor calls × latency ÷ concurrency: {floor:.2?}, ratio {:.2})",
        wall.as_secs_f64() / floor.as_secs_f64().max(f64::EPSILON)
    );
    let _ = writeln!(
        text,
        "  calls:                    {} in all; per member account {:.1} mean, {} min, {} max",
        stats.requests,
        member_total as f64 / member_calls.len().max(1) as f64,
        member_calls.iter().min().copied().unwrap_or(0),
        member_calls.iter().max().copied().unwrap_or(0)
    );
    let _ = writeln!(
        text,
        "  calls of one account:     {}",
        per_account.join(", ")
    );
    let _ = writeln!(
        text,
        "  Warden CPU (this process): {}",
        cpu.map_or_else(|| "unknown".to_owned(), |cpu| format!("{cpu:.2?}"))
    );
    let _ = writeln!(
        text,
        "  files:                    {} ({} accounts read, {:.1} MiB)",
        summary.manifest.files.len() + 1,
        summary.count(warden_snapshot::AccountStatus::Read),
        snapshot_bytes as f64 / (1024.0 * 1024.0)
    );
    let _ = writeln!(
        text,
        "  peak RSS of the snapshot: {} KiB (RSS {} KiB before it{})",
        rss_snapshot.unwrap_or(0),
        rss_before.unwrap_or(0),
        if peak_reset {
            ""
        } else {
            "; peak not reset: it includes seeding"
        }
    );
    let _ = writeln!(text, "  import of the snapshot:   {import}");
    Ok(text)
}
