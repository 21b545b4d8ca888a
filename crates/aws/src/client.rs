//! The `Aws` handle: one SDK configuration (credentials, region, endpoint, adaptive retries)
//! and the management-account clients for STS and Organizations.

use std::sync::atomic::{AtomicU64, Ordering};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_iam::config::Credentials;
use aws_sdk_iam::config::retry::RetryPartition;

use crate::err::{AwsError, CALLER, api_error};
use warden_policy::Partition;

use crate::options::AwsOptions;

static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(0);

/// Log filter directives every subscriber must add after the user's own: the SDK's
/// orchestrator logs whole requests and responses at trace level (the ExternalId in AssumeRole's
/// form body, session tokens in headers, credentials in responses); capped at debug, no level
/// of `WARDEN_LOG` shows them.
pub const LOG_REDACTION_DIRECTIVES: &[&str] = &[
    "aws_smithy_runtime::client::orchestrator=debug",
    "aws_smithy_runtime::client::orchestrator::http=debug",
    "aws_smithy_runtime_api=debug",
    "aws_smithy_http_client=debug",
    "hyper=debug",
    "hyper_util=debug",
    "h2=debug",
];

/// First retry waits up to this (full jitter), doubling per attempt up to [`MAX_BACKOFF`]; the
/// SDK's default of 1 s made a throttled call wait seconds where IAM recovers in a fraction.
const INITIAL_BACKOFF: std::time::Duration = std::time::Duration::from_millis(200);

/// Longest wait between two attempts of a call.
const MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(3);

/// Entry point to AWS. Cheap to clone; clones share connections and configuration.
#[derive(Clone, Debug)]
pub struct Aws {
    pub(crate) options: AwsOptions,
    pub(crate) sdk_config: aws_config::SdkConfig,
    /// Distinguishes this handle's retry partitions from other handles in the process.
    pub(crate) instance: u64,
    pub(crate) region: String,
    pub(crate) sts: aws_sdk_sts::Client,
    pub(crate) organizations: aws_sdk_organizations::Client,
}

/// Who the caller is (`sts:GetCallerIdentity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account_id: String,
    pub arn: String,
    pub user_id: String,
}

impl Aws {
    /// Loads configuration from the standard chain (environment, profile, SSO, IMDS, …) with
    /// the overrides in `options`. Fails before any call when the region is not allowed.
    pub async fn connect(options: AwsOptions) -> Result<Self, AwsError> {
        if let Some(region) = &options.region {
            options.check_region(region)?;
        }
        // Organizations and STS (management account, per-service partitions) keep the SDK's
        // adaptive mode: a client-side rate limiter that settles under a sustained rate limit.
        // Member-account IAM clients use standard retries instead ([`Aws::iam_retry`]).
        let mut retry = RetryConfig::adaptive()
            .with_max_attempts(options.max_attempts.max(1))
            .with_max_backoff(MAX_BACKOFF);
        retry = retry.with_initial_backoff(options.initial_backoff.unwrap_or(INITIAL_BACKOFF));
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .operation_attempt_timeout(options.attempt_timeout)
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry)
            .timeout_config(timeouts);
        if let Some(profile) = &options.profile {
            // A named profile is the credential source, as `aws --profile` does: not one step
            // of the chain that falls through to IMDS and reports IMDS's error instead.
            loader = loader.profile_name(profile).credentials_provider(
                aws_config::profile::ProfileFileCredentialsProvider::builder()
                    .profile_name(profile)
                    .build(),
            );
        }
        if let Some(region) = &options.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(endpoint) = &options.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some(credentials) = &options.credentials {
            loader = loader.credentials_provider(Credentials::new(
                credentials.access_key_id.clone(),
                credentials.secret_access_key.clone(),
                None,
                None,
                "warden-static",
            ));
        }
        let sdk_config = loader.load().await;
        let region = sdk_config
            .region()
            .map(|region| region.as_ref().to_owned())
            .ok_or(AwsError::NoRegion)?;
        options.check_region(&region)?;
        let instance = NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed);
        let sts = aws_sdk_sts::config::Builder::from(&sdk_config)
            .retry_partition(RetryPartition::new(format!("warden-{instance}-sts")))
            .build();
        let organizations = aws_sdk_organizations::config::Builder::from(&sdk_config)
            .retry_partition(RetryPartition::new(format!(
                "warden-{instance}-organizations"
            )))
            .build();
        Ok(Self {
            sts: aws_sdk_sts::Client::from_conf(sts),
            organizations: aws_sdk_organizations::Client::from_conf(organizations),
            instance,
            options,
            sdk_config,
            region,
        })
    }

    /// The same handle for another region; fails before any call when it is not allowed.
    pub async fn for_region(&self, region: &str) -> Result<Self, AwsError> {
        self.options.check_region(region)?;
        Self::connect(AwsOptions {
            region: Some(region.to_owned()),
            ..self.options.clone()
        })
        .await
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn options(&self) -> &AwsOptions {
        &self.options
    }

    /// The ARN partition of the region (`us-gov-west-1`: `aws-us-gov`).
    pub fn partition(&self) -> Partition {
        Partition::for_region(&self.region)
    }

    pub async fn caller_identity(&self) -> Result<CallerIdentity, AwsError> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|err| api_error(CALLER, "GetCallerIdentity", err))?;
        Ok(CallerIdentity {
            account_id: out.account().unwrap_or_default().to_owned(),
            arn: out.arn().unwrap_or_default().to_owned(),
            user_id: out.user_id().unwrap_or_default().to_owned(),
        })
    }

    /// Retries of member-account IAM calls: full-jitter exponential backoff from
    /// INITIAL_BACKOFF capped at MAX_BACKOFF, with a retry quota per account partition, so a
    /// throttled account slows only itself. Not the adaptive mode: its client-side rate
    /// limiter, fed by the few calls of one account, dropped to about one request every two
    /// seconds after a throttle (`bench apply`, 2 accounts x 6 roles, 20% throttling: 12.8 s
    /// instead of 0.5 s).
    fn iam_retry(&self) -> RetryConfig {
        RetryConfig::standard()
            .with_max_attempts(self.options.max_attempts.max(1))
            .with_max_backoff(MAX_BACKOFF)
            // Never below 100 ms: without the adaptive limiter the backoff alone has to ride
            // out a sustained per-account rate limit within the attempts.
            .with_initial_backoff(
                self.options
                    .initial_backoff
                    .unwrap_or(INITIAL_BACKOFF)
                    .max(std::time::Duration::from_millis(100)),
            )
    }

    /// An IAM client for one account acting with temporary credentials. IAM throttles per
    /// account, so each account gets its own retry partition: the adaptive rate limiter and the
    /// retry quota (both process-wide per partition in the SDK) then slow down only the
    /// throttled account instead of every account in the run.
    /// Credentials are asked of the renewing session on every request (it caches and renews
    /// them itself), so no SDK identity cache sits in between.
    pub(crate) fn iam_with_session(
        &self,
        account_id: &str,
        session: std::sync::Arc<crate::account::RenewingSession>,
    ) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::config::Builder::from(&self.sdk_config)
            .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(
                aws_credential_types::credential_fn::provide_credentials_fn(move || {
                    let session = std::sync::Arc::clone(&session);
                    async move {
                        session.credentials().await.map_err(
                            aws_credential_types::provider::error::CredentialsError::provider_error,
                        )
                    }
                }),
            ))
            .identity_cache(aws_sdk_iam::config::IdentityCache::no_cache())
            .retry_config(self.iam_retry())
            .retry_partition(RetryPartition::new(format!(
                "warden-{}-iam-{account_id}",
                self.instance
            )))
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }
}
