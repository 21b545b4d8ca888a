//! The organization lock around apply (and later import/adoption): taken before the first
//! write, released at the end, visible to every runner. A second apply waits up to its timeout
//! and then refuses, naming who holds the lock and since when; a lock older than its TTL is
//! reported as stale (`cargo xtask unlock --force` removes it). The lock itself is
//! [`warden_aws::Aws::try_lock`] in the management account.

use std::time::Duration;

use warden_aws::{Aws, LockAttempt, LockHolder};

use crate::err::AppError;

/// How to take the lock.
#[derive(Debug, Clone)]
pub struct LockRequest {
    pub management_account_id: String,
    /// Who this run is and what for; `since_unix` is the current time.
    pub me: LockHolder,
    /// How long to wait for another holder to finish (zero: refuse at once).
    pub wait: Duration,
    /// A lock older than this is called stale in the refusal.
    pub stale_after: Duration,
    /// Seconds since the Unix epoch, now (the caller's clock).
    pub now_unix: fn() -> u64,
}

impl LockRequest {
    /// An apply's request: `holder` (who this run is, e.g. `user@host (pid N)`) from now on the
    /// system clock, waiting `wait_seconds`; a lock older than an hour is called stale.
    pub fn for_apply(management_account_id: &str, holder: String, wait_seconds: u64) -> Self {
        LockRequest {
            management_account_id: management_account_id.to_owned(),
            me: LockHolder {
                holder,
                since_unix: system_now_unix(),
                purpose: "apply".into(),
            },
            wait: Duration::from_secs(wait_seconds),
            stale_after: Duration::from_secs(3600),
            now_unix: system_now_unix,
        }
    }
}

fn system_now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// The lock while held; [`OrgLock::release`] it when done.
#[derive(Debug)]
pub struct OrgLock {
    aws: Aws,
    management_account_id: String,
    me: LockHolder,
}

/// Between two attempts while waiting.
const POLL: Duration = Duration::from_secs(2);

/// Takes the organization lock, waiting up to `request.wait` for another holder.
pub async fn acquire(aws: &Aws, request: &LockRequest) -> Result<OrgLock, AppError> {
    let started = tokio::time::Instant::now();
    loop {
        match aws
            .try_lock(&request.management_account_id, &request.me)
            .await?
        {
            LockAttempt::Acquired => {
                return Ok(OrgLock {
                    aws: aws.clone(),
                    management_account_id: request.management_account_id.clone(),
                    me: request.me.clone(),
                });
            }
            LockAttempt::Held(holder) => {
                let waited = started.elapsed();
                if waited >= request.wait {
                    let age = (request.now_unix)().saturating_sub(holder.since_unix);
                    return Err(AppError::Locked {
                        since: holder.since(),
                        holder: holder.holder,
                        purpose: holder.purpose,
                        age_seconds: age,
                        stale: age > request.stale_after.as_secs(),
                    });
                }
                tokio::time::sleep(POLL.min(request.wait - waited)).await;
            }
        }
    }
}

impl OrgLock {
    pub fn holder(&self) -> &LockHolder {
        &self.me
    }

    /// Releases the lock (only if this run still holds it).
    pub async fn release(self) -> Result<(), AppError> {
        self.aws
            .unlock(&self.management_account_id, Some(&self.me))
            .await?;
        Ok(())
    }
}

/// Who holds the lock now, if anyone (for `unlock` and status output).
pub async fn holder(
    aws: &Aws,
    management_account_id: &str,
) -> Result<Option<LockHolder>, AppError> {
    Ok(aws.read_lock(management_account_id).await?)
}

/// Removes the lock whoever holds it (`cargo xtask unlock --force`); returns the holder removed.
pub async fn force_unlock(
    aws: &Aws,
    management_account_id: &str,
) -> Result<Option<LockHolder>, AppError> {
    let held = aws.read_lock(management_account_id).await?;
    if held.is_some() {
        aws.unlock(management_account_id, None).await?;
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_requests_start_now() {
        let request = LockRequest::for_apply("111122223333", "ops@host (pid 7)".into(), 30);
        assert_eq!(request.me.purpose, "apply");
        assert_eq!(request.me.holder, "ops@host (pid 7)");
        assert_eq!(request.wait, Duration::from_secs(30));
        assert!(request.me.since_unix > 1_700_000_000);
        assert!((request.now_unix)() >= request.me.since_unix);
    }
}
