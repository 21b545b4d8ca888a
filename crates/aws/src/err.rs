//! Errors of the AWS adapter. Every message about an account names the account id.

use std::fmt::Debug;

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

/// Pseudo account id used in messages about calls made with the caller's own credentials.
pub const CALLER: &str = "management";

#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("region `{region}` is not allowed (allowed: {allowed})")]
    RegionNotAllowed { region: String, allowed: String },
    #[error("no AWS region configured; pass a region or set `AWS_REGION`")]
    NoRegion,
    #[error("account {account_id}: `{operation}` failed: {message}")]
    Api {
        account_id: String,
        operation: &'static str,
        /// The AWS error code, e.g. `NoSuchEntity` or `Throttling`.
        code: Option<String>,
        message: String,
    },
    #[error(
        "account {account_id}: access role `{role_name}` trust policy does not require `sts:ExternalId` with `StringEquals` ({detail}); Warden refuses to use it"
    )]
    TrustWithoutExternalId {
        account_id: String,
        role_name: String,
        detail: String,
    },
    #[error(
        "account {account_id}: access role `{role_name}` trust policy requires an ExternalId other than the configured one"
    )]
    ExternalIdMismatch {
        account_id: String,
        role_name: String,
    },
    #[error(
        "account {account_id}: access role `{role_name}` trust policy trusts more than the management account and `access.trusted_principals` ({detail}); Warden refuses to use it"
    )]
    TrustTooWide {
        account_id: String,
        role_name: String,
        detail: String,
    },
    #[error(
        "account {account_id}: access role `{role_name}` trust policy is unreadable: {message}"
    )]
    TrustUnreadable {
        account_id: String,
        role_name: String,
        message: String,
    },
    #[error(
        "account {account_id}: refusing to change role `{role_name}`: Warden reaches the account through it"
    )]
    ProtectedRole {
        account_id: String,
        role_name: String,
    },
    #[error(
        "account {account_id}: managed policy `{policy_arn}` is still attached to {attachments} entities"
    )]
    PolicyAttached {
        account_id: String,
        policy_arn: String,
        attachments: u32,
    },
    #[error("invalid role session name `{value}`: {reason}")]
    InvalidSessionName { value: String, reason: String },
    #[error("session duration {seconds} s is outside {min}–{max} s")]
    InvalidSessionDuration { seconds: u32, min: u32, max: u32 },
    #[error("account {account_id}: `{operation}` response has no `{field}`")]
    MissingField {
        account_id: String,
        operation: &'static str,
        field: &'static str,
    },
    #[error("account {account_id}: {what} is not valid JSON: {message}")]
    Document {
        account_id: String,
        what: String,
        message: String,
    },
    #[error("account {account_id}: could not read the account: {message}")]
    Task { account_id: String, message: String },
    #[error("account {account_id}: credentials: {message}")]
    Credentials { account_id: String, message: String },
    #[error("fixture: {message}")]
    Fixture { message: String },
}

impl AwsError {
    /// The account the error is about, when there is one.
    pub fn account_id(&self) -> Option<&str> {
        match self {
            Self::Api { account_id, .. }
            | Self::TrustWithoutExternalId { account_id, .. }
            | Self::ExternalIdMismatch { account_id, .. }
            | Self::TrustUnreadable { account_id, .. }
            | Self::TrustTooWide { account_id, .. }
            | Self::ProtectedRole { account_id, .. }
            | Self::PolicyAttached { account_id, .. }
            | Self::MissingField { account_id, .. }
            | Self::Document { account_id, .. }
            | Self::Task { account_id, .. }
            | Self::Credentials { account_id, .. } => Some(account_id),
            _ => None,
        }
    }

    /// A security finding about the account's setup rather than an operational failure: the
    /// caller reports it as a finding (e.g. an access role whose trust lacks an ExternalId).
    pub fn is_finding(&self) -> bool {
        matches!(
            self,
            Self::TrustWithoutExternalId { .. }
                | Self::ExternalIdMismatch { .. }
                | Self::TrustUnreadable { .. }
                | Self::TrustTooWide { .. }
        )
    }

    /// The AWS error code of a failed call.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    pub(crate) fn missing(account_id: &str, operation: &'static str, field: &'static str) -> Self {
        Self::MissingField {
            account_id: account_id.to_owned(),
            operation,
            field,
        }
    }
}

/// A call's answer, or `None` when AWS says the object does not exist (`missing` picks that
/// error out of the operation's error type); any other failure becomes [`AwsError::Api`].
pub(crate) fn found<T, E, R>(
    result: Result<T, SdkError<E, R>>,
    missing: impl FnOnce(&E) -> bool,
    account_id: &str,
    operation: &'static str,
) -> Result<Option<T>, AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug,
{
    match result {
        Ok(out) => Ok(Some(out)),
        Err(err) if err.as_service_error().is_some_and(missing) => Ok(None),
        Err(err) => Err(api_error(account_id, operation, err)),
    }
}

/// Converts an SDK error into [`AwsError::Api`], keeping the AWS error code.
pub(crate) fn api_error<E, R>(
    account_id: &str,
    operation: &'static str,
    err: SdkError<E, R>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug,
{
    let code = err.code().map(str::to_owned);
    let mut message = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => source_chain(&err),
    };
    if let Some(hint) = hint(account_id, code.as_deref(), &message) {
        message.push_str("; ");
        message.push_str(hint);
    }
    AwsError::Api {
        account_id: account_id.to_owned(),
        operation,
        code,
        message,
    }
}

/// What to do about a failure whose cause is the setup rather than the account: one clause
/// appended to the message.
fn hint(account_id: &str, code: Option<&str>, message: &str) -> Option<&'static str> {
    const INVALID_CREDENTIALS: &[&str] = &[
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
    ];
    // Organizations answers these to credentials of a member or standalone account:
    // https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html
    const NOT_MANAGEMENT: &[&str] = &[
        "AWSOrganizationsNotInUseException",
        "ParentNotFoundException",
        "AccessDeniedException",
        "AccessDenied",
    ];
    let lower = message.to_ascii_lowercase();
    match code {
        Some(code) if INVALID_CREDENTIALS.contains(&code) => Some(
            "the credentials are invalid or expired: refresh them (`aws sso login`, new keys) or pick another with `--profile`",
        ),
        Some(code) if account_id == CALLER && NOT_MANAGEMENT.contains(&code) => Some(
            "these credentials are not the organization's management account (or a delegated administrator): run with the management account's credentials (`--profile`)",
        ),
        Some(_) => None,
        // Before the endpoint check: a credential failure also reads "dispatch failure".
        None if lower.contains("profile `") && lower.contains("credential") => Some(
            "the profile gives no credentials: check that `--profile` names a profile of `~/.aws/config` or `AWS_CONFIG_FILE` with keys, SSO or a role (`aws configure list-profiles`)",
        ),
        None if lower.contains("no credentials")
            || lower.contains("credentials provider")
            || lower.contains("credential provider")
            || lower.contains("loading credentials") =>
        {
            Some(
                "no credentials found: pass `--profile`, set `AWS_PROFILE` or the `AWS_ACCESS_KEY_ID` variables, or log in with `aws sso login`",
            )
        }
        None if lower.contains("dispatch failure")
            || lower.contains("connection refused")
            || lower.contains("dns error")
            || lower.contains("timed out") =>
        {
            Some(
                "the endpoint could not be reached: check `--endpoint-url`, the region, the network or proxy",
            )
        }
        None => None,
    }
}

/// An error and its sources, each said once (`dispatch failure: io error: …: Connection
/// refused (os error 111)`). The SDK's `DisplayErrorContext` appends the whole `Debug` form
/// too, a screenful of struct syntax in a terminal.
fn source_chain(err: &dyn std::error::Error) -> String {
    let mut message = first_line(&err.to_string());
    let mut source = err.source();
    while let Some(cause) = source {
        let text = first_line(&cause.to_string());
        if !text.is_empty() && !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// The first line of a cause: the credential chain lists every provider it tried on lines of
/// their own ("no credentials found in chain. Attempted:\n  Environment: …"), and an error is
/// one line.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim_end();
    line.strip_suffix(" Attempted:")
        .map_or(line, |kept| kept.trim_end_matches('.'))
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{message}")]
    struct Layer {
        message: &'static str,
        #[source]
        source: Option<Box<Layer>>,
    }

    fn layer(message: &'static str, source: Option<Layer>) -> Layer {
        Layer {
            message,
            source: source.map(Box::new),
        }
    }

    /// Setup problems say what to do; account problems do not get a setup hint.
    #[test]
    fn setup_problems_say_what_to_do() {
        let wrong_account = hint(CALLER, Some("ParentNotFoundException"), "");
        assert!(wrong_account.is_some_and(|h| h.contains("management account")));
        assert!(hint("111122223333", Some("AccessDenied"), "").is_none());
        assert!(hint(CALLER, Some("ExpiredToken"), "").is_some_and(|h| h.contains("expired")));
        assert!(
            hint(
                CALLER,
                None,
                "dispatch failure: io error: Connection refused"
            )
            .is_some_and(|h| h.contains("--endpoint-url"))
        );
        assert!(
            hint(
                CALLER,
                None,
                "dispatch failure: no credentials in the chain"
            )
            .is_some_and(|h| h.contains("--profile"))
        );
    }

    /// A missing profile and an empty chain say so, before any endpoint hint, in one line.
    #[test]
    fn credential_failures_are_one_line_with_what_to_do() {
        let chain = layer(
            "the credential provider was not enabled: no credentials found in chain. Attempted:\n  Environment: not set\n  Profile: not enabled",
            None,
        );
        let top = layer("dispatch failure", Some(layer("other", Some(chain))));
        let message = source_chain(&top);
        assert_eq!(
            message,
            "dispatch failure: other: the credential provider was not enabled: no credentials found in chain"
        );
        assert!(hint(CALLER, None, &message).is_some_and(|h| h.starts_with("no credentials")));
        let profile = "dispatch failure: other: the credential provider was not enabled: profile `nope` was not defined";
        assert!(hint(CALLER, None, profile).is_some_and(|h| h.contains("`--profile` names")));
    }

    /// Connection failures read as one line of causes, without the SDK's Debug dump.
    #[test]
    fn source_chain_names_each_cause_once() {
        let refused = layer("Connection refused (os error 111)", None);
        let connect = layer(
            "tcp connect error: Connection refused (os error 111)",
            Some(refused),
        );
        let io = layer("io error", Some(connect));
        let top = layer("dispatch failure", Some(io));
        assert_eq!(
            source_chain(&top),
            "dispatch failure: io error: tcp connect error: Connection refused (os error 111)"
        );
        let bare = SdkError::<aws_sdk_iam::operation::get_role::GetRoleError, ()>::timeout_error(
            layer("read timed out", None),
        );
        let text = source_chain(&bare);
        assert!(text.ends_with("read timed out"), "{text}");
        assert!(!text.contains('{'), "no Debug output: {text}");
    }
}
