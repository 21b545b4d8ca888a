//! How to reach AWS: profile, region, endpoint (for emulators), retries, allowed regions.

use std::time::Duration;

use crate::err::AwsError;

/// The log filter when none is asked for: warnings, but not the credential chain's, which
/// print each provider's failure as a `Debug` dump; the error that follows says it in one line
/// with what to do (`WARDEN_LOG=warn` shows them).
pub const DEFAULT_LOG_FILTER: &str = "warn,aws_config=error";

/// Static credentials, for emulators and tests. Real runs use the standard credential chain.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsOptions {
    /// A profile from `~/.aws/config`; the default chain when `None`.
    pub profile: Option<String>,
    /// The region for STS and Organizations calls; from the environment/profile when `None`.
    pub region: Option<String>,
    /// A custom endpoint for every service, e.g. moto on `http://127.0.0.1:PORT`.
    pub endpoint_url: Option<String>,
    /// Regions Warden may talk to; empty means any. Checked before any call.
    pub allowed_regions: Vec<String>,
    /// Static credentials instead of the default chain.
    pub credentials: Option<StaticCredentials>,
    /// Attempts per call, including the first (adaptive retry mode).
    pub max_attempts: u32,
    /// First retry backoff; the SDK default (1 s) when `None`.
    pub initial_backoff: Option<Duration>,
    /// Limit for one attempt of a call, so a hung connection fails (and is retried) instead of
    /// stalling an account forever.
    pub attempt_timeout: Duration,
}

impl Default for AwsOptions {
    fn default() -> Self {
        Self {
            profile: None,
            region: None,
            endpoint_url: None,
            allowed_regions: Vec::new(),
            credentials: None,
            max_attempts: 8,
            initial_backoff: None,
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

impl AwsOptions {
    /// Options for a local emulator: the endpoint, region `us-east-1` and the static
    /// `testing`/`testing` credentials moto maps to its management account.
    pub fn emulator(endpoint_url: impl Into<String>) -> Self {
        Self {
            region: Some("us-east-1".to_owned()),
            endpoint_url: Some(endpoint_url.into()),
            allowed_regions: vec!["us-east-1".to_owned()],
            credentials: Some(StaticCredentials {
                access_key_id: "testing".to_owned(),
                secret_access_key: "testing".to_owned(),
            }),
            ..Self::default()
        }
    }

    /// Fails when `region` is outside the allowed regions.
    pub fn check_region(&self, region: &str) -> Result<(), AwsError> {
        if self.allowed_regions.is_empty() || self.allowed_regions.iter().any(|r| r == region) {
            return Ok(());
        }
        Err(AwsError::RegionNotAllowed {
            region: region.to_owned(),
            allowed: self.allowed_regions.join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_guardrail() {
        let options = AwsOptions {
            allowed_regions: vec!["eu-west-1".to_owned()],
            ..AwsOptions::default()
        };
        assert!(options.check_region("eu-west-1").is_ok());
        let err = options.check_region("us-east-1").unwrap_err().to_string();
        assert!(
            err.contains("`us-east-1`") && err.contains("eu-west-1"),
            "{err}"
        );
        assert!(AwsOptions::default().check_region("ap-south-1").is_ok());
    }

    #[test]
    fn credentials_debug_hides_the_secret() {
        let options = AwsOptions::emulator("http://127.0.0.1:1");
        assert!(!format!("{options:?}").contains("secret_access_key: \"testing\""));
    }
}
