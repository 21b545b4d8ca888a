//! The organization lock: one IAM customer managed policy, `/warden/warden-apply-lock`, in the
//! management account. CreatePolicy is atomic on the name (a second create gets
//! `EntityAlreadyExists`), so whoever creates it holds the lock; its tags say who and since
//! when; deleting it releases the lock. Every runner that can apply (it already needs IAM and
//! Organizations in the management account) can see it, and it costs no new service or SDK.
//! The policy is attached to nothing and denies nothing (`Deny` with `NotAction: *`).
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html>

use aws_sdk_iam::config::retry::RetryPartition;
use aws_sdk_iam::types::Tag;
use warden_policy::Arn;

use crate::client::Aws;
use crate::err::{AwsError, api_error, found};

/// Name of the lock policy in the management account.
pub const LOCK_POLICY: &str = "warden-apply-lock";
const LOCK_PATH: &str = "/warden/";
const HOLDER_TAG: &str = "warden:lock-holder";
const SINCE_TAG: &str = "warden:lock-since";
const PURPOSE_TAG: &str = "warden:lock-purpose";
const LOCK_DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"WardenApplyLockDeniesNothing","Effect":"Deny","NotAction":"*","Resource":"*"}]}"#;

/// Who holds the lock, since when (seconds since the Unix epoch, from the holder's clock) and
/// for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// E.g. `alice@ci-runner-7 (pid 4242)`: enough for a person to find the run.
    pub holder: String,
    pub since_unix: u64,
    /// `apply`, later `import`.
    pub purpose: String,
}

impl LockHolder {
    /// `since_unix` as RFC 3339.
    pub fn since(&self) -> String {
        warden_policy::date::rfc3339_utc(self.since_unix)
    }
}

/// What trying to take the lock gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockAttempt {
    Acquired,
    /// Someone else holds it.
    Held(LockHolder),
}

impl Aws {
    fn management_iam(&self) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::config::Builder::from(&self.sdk_config)
            .retry_partition(RetryPartition::new(format!(
                "warden-{}-iam-management",
                self.instance
            )))
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    fn lock_arn(&self, management_account_id: &str) -> String {
        Arn::managed_policy(
            self.partition(),
            management_account_id,
            LOCK_PATH,
            LOCK_POLICY,
        )
        .to_string()
    }

    /// Takes the lock unless someone holds it. When the create's answer is lost (or its retry
    /// meets `EntityAlreadyExists`), the lock is read back: held under `me` means acquired.
    pub async fn try_lock(
        &self,
        management_account_id: &str,
        me: &LockHolder,
    ) -> Result<LockAttempt, AwsError> {
        let tag = |key: &str, value: &str| {
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|err| AwsError::Api {
                    account_id: management_account_id.to_owned(),
                    operation: "CreatePolicy",
                    code: None,
                    message: err.to_string(),
                })
        };
        let created = self
            .management_iam()
            .create_policy()
            .policy_name(LOCK_POLICY)
            .path(LOCK_PATH)
            .policy_document(LOCK_DOCUMENT)
            .description("Warden organization lock: held while an apply runs")
            .tags(tag(HOLDER_TAG, &me.holder)?)
            .tags(tag(SINCE_TAG, &me.since_unix.to_string())?)
            .tags(tag(PURPOSE_TAG, &me.purpose)?)
            .send()
            .await;
        match created {
            Ok(_) => Ok(LockAttempt::Acquired),
            Err(err) => {
                let err = api_error(management_account_id, "CreatePolicy", err);
                match self.read_lock(management_account_id).await? {
                    Some(holder) if holder == *me => Ok(LockAttempt::Acquired),
                    Some(holder) => Ok(LockAttempt::Held(holder)),
                    // Not created and not there: a real failure.
                    None => Err(err),
                }
            }
        }
    }

    /// The current holder, if the lock is taken.
    pub async fn read_lock(
        &self,
        management_account_id: &str,
    ) -> Result<Option<LockHolder>, AwsError> {
        let arn = self.lock_arn(management_account_id);
        let Some(out) = found(
            self.management_iam()
                .list_policy_tags()
                .policy_arn(&arn)
                .send()
                .await,
            |e| e.is_no_such_entity_exception(),
            management_account_id,
            "ListPolicyTags",
        )?
        else {
            return Ok(None);
        };
        let value = |key: &str| {
            out.tags()
                .iter()
                .find(|tag| tag.key() == key)
                .map_or_else(|| "unknown".to_owned(), |tag| tag.value().to_owned())
        };
        Ok(Some(LockHolder {
            holder: value(HOLDER_TAG),
            // An unreadable time counts as the epoch: the lock then looks stale, and a person
            // decides with `unlock --force`.
            since_unix: value(SINCE_TAG).parse().unwrap_or(0),
            purpose: value(PURPOSE_TAG),
        }))
    }

    /// Releases the lock if `me` holds it (or whoever holds it, with `me: None`, for
    /// `unlock --force`). Returns whether a lock was deleted.
    pub async fn unlock(
        &self,
        management_account_id: &str,
        me: Option<&LockHolder>,
    ) -> Result<bool, AwsError> {
        match (self.read_lock(management_account_id).await?, me) {
            (None, _) => return Ok(false),
            (Some(holder), Some(me)) if holder != *me => return Ok(false),
            _ => {}
        }
        let arn = self.lock_arn(management_account_id);
        let deleted = found(
            self.management_iam()
                .delete_policy()
                .policy_arn(&arn)
                .send()
                .await,
            |e| e.is_no_such_entity_exception(),
            management_account_id,
            "DeletePolicy",
        )?;
        Ok(deleted.is_some())
    }
}
