//! One `bench plan` run as a fresh process: the Warden binary runs `plan` through the bench's
//! proxy, and its memory is read from outside (`/proc/PID/status`), so the figure is the
//! plan's own and holds nothing seeding left in the bench's allocator.
//!
//! The kernel keeps `VmHWM`, the peak resident set, for the child; the bench samples it with
//! `VmRSS` every [`SAMPLE_EVERY`] until the child exits. A peak never falls, so each sample
//! covers the whole life before it: only the child's last few milliseconds (writing its output)
//! go unseen. `wait4`'s `ru_maxrss` would be exact but needs `unsafe` or a new dependency, and
//! `RUSAGE_CHILDREN` mixes in every child the bench process ever waited for (moto servers in the
//! tests). The RSS at the child's first call to the proxy is its start: the binary, the
//! definitions, lint and the SDK set up, before any account is read.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use warden_emulator::FaultProxy;

use crate::err::AppError;

/// How often the child's memory and CPU are read.
pub(crate) const SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// `plan` run once as a fresh process, as a user runs it.
#[derive(Debug, Clone)]
pub struct FreshPlan {
    pub wall: Duration,
    /// With `--detailed-exitcode`: 0 no change, 2 changes, 1 an error or an unread account.
    pub exit_code: Option<i32>,
    /// Resident memory when the child's first call reached the proxy (`VmRSS`), in KiB.
    pub start_rss_kib: Option<u64>,
    /// The child's peak resident memory (`VmHWM`, last sample before it exited), in KiB.
    pub peak_rss_kib: Option<u64>,
    /// User + system CPU time of the child (last sample).
    pub cpu: Option<Duration>,
    /// Samples of `/proc/PID/status` taken while it ran.
    pub samples: usize,
    /// Calls the proxy received from it.
    pub calls: u64,
    /// What it printed: the plan as JSON.
    pub plan_json_bytes: u64,
    /// The end of its stderr when it failed (exit 1).
    pub error: Option<String>,
}

impl FreshPlan {
    /// What the plan run added to the child's memory after its start: peak − start, in KiB.
    pub fn growth_kib(&self) -> Option<u64> {
        Some(self.peak_rss_kib?.saturating_sub(self.start_rss_kib?))
    }
}

/// `VmRSS` and `VmHWM` of a process, in KiB; `None` once it has exited (a zombie has neither).
fn memory_kib(pid: &str) -> Option<(u64, u64)> {
    let status = super::process_status(pid)?;
    Some((
        super::status_kib(&status, "VmRSS:")?,
        super::status_kib(&status, "VmHWM:")?,
    ))
}

/// Runs `exe plan` on the definitions in `repo` through `proxy` (its latency as set), the
/// ExternalId in `external_id_env`, only `account` when given, and samples the child until it
/// exits. The plan's JSON and stderr go to files under `repo/.warden/`, so a large plan never
/// blocks on a pipe.
pub(crate) async fn plan_in_fresh_process(
    exe: &Path,
    repo: &Path,
    (external_id_env, external_id): (&str, &str),
    account: Option<&str>,
    proxy: &FaultProxy,
) -> Result<FreshPlan, AppError> {
    let out_dir = repo.join(".warden");
    std::fs::create_dir_all(&out_dir)?;
    let (stdout_path, stderr_path) = (
        out_dir.join("fresh-plan.json"),
        out_dir.join("fresh-plan.stderr"),
    );
    proxy.reset_stats();
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args([
            "plan",
            "--format",
            "json",
            "--detailed-exitcode",
            "--no-color",
        ])
        .arg("--root")
        .arg(repo)
        .arg("--endpoint-url")
        .arg(proxy.endpoint_url())
        .args(account.map(|id| ["--account", id]).into_iter().flatten())
        .env(external_id_env, external_id)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path)?)
        .stderr(std::fs::File::create(&stderr_path)?)
        .spawn()
        .map_err(|err| AppError::File {
            action: "run",
            path: exe.display().to_string(),
            message: err.to_string(),
        })?;
    let pid = child.id().to_string();
    let (mut start_rss_kib, mut peak_rss_kib, mut cpu, mut samples) = (None, None, None, 0);
    let status = loop {
        if let Some((rss, hwm)) = memory_kib(&pid) {
            samples += 1;
            peak_rss_kib = Some(hwm);
            if start_rss_kib.is_none() && proxy.requests_received() > 0 {
                start_rss_kib = Some(rss);
            }
            cpu = super::cpu_time(&pid).or(cpu);
        }
        if let Some(status) = child.try_wait()? {
            break status;
        }
        tokio::time::sleep(SAMPLE_EVERY).await;
    };
    let wall = started.elapsed();
    let exit_code = status.code();
    let error = (exit_code != Some(0) && exit_code != Some(2)).then(|| {
        let text = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    });
    Ok(FreshPlan {
        wall,
        exit_code,
        start_rss_kib,
        peak_rss_kib,
        cpu,
        samples,
        calls: proxy.requests_received(),
        plan_json_bytes: std::fs::metadata(&stdout_path).map_or(0, |meta| meta.len()),
        error,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn memory_is_read_from_a_live_process_and_not_from_a_gone_one() {
        let (rss, peak) = super::memory_kib(&std::process::id().to_string()).unwrap();
        assert!(rss > 0 && rss <= peak, "VmRSS {rss} KiB, VmHWM {peak} KiB");
        // Beyond the kernel's largest pid (2^22): no such process.
        assert_eq!(super::memory_kib("4194305"), None);
    }
}
