//! Reaching a member account: AssumeRole with an ExternalId, then verifying that the access
//! role's own trust policy requires that ExternalId.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_sdk_iam::config::Credentials;

use warden_policy::{Arn, Partition, decode_document};

use crate::client::Aws;
use crate::err::{AwsError, api_error};
use crate::ids::{SessionDuration, SessionName};
use crate::trust::{TrustProblem, check_external_id, check_trusted_principals};
use warden_plan::live::LiveAccount;
use warden_policy::ExternalId;

/// IAM in one account, acting through a role. Mutating calls refuse to touch `protected_role`
/// (the role this client came through) as a last line of defense.
#[derive(Clone, Debug)]
pub struct AccountClient {
    pub(crate) account_id: String,
    pub(crate) partition: Partition,
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) protected_role: String,
    pub(crate) session_arn: Option<String>,
    /// Renews the session's credentials (same role, same ExternalId) before they expire and
    /// when AWS answers `ExpiredToken`.
    pub(crate) session: Arc<RenewingSession>,
}

/// The credentials of one assumed-role session, renewed with the same AssumeRole parameters
/// (the ExternalId included) five minutes before they expire, and at once after
/// [`RenewingSession::invalidate`] (on `ExpiredToken`). The IAM client asks for credentials on
/// every request (no SDK identity cache), so a renewal is seen by the next call, read or write.
#[derive(Debug)]
pub(crate) struct RenewingSession {
    sts: aws_sdk_sts::Client,
    account_id: String,
    role_arn: String,
    external_id: Option<ExternalId>,
    session_name: String,
    duration_seconds: i32,
    current: Mutex<Option<Credentials>>,
    /// One renewal at a time: concurrent calls wait for it instead of each assuming the role.
    renewing: tokio::sync::Mutex<()>,
}

/// Renew this long before the credentials expire.
const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

impl RenewingSession {
    /// AssumeRole: the credentials and the assumed-role ARN.
    async fn assume(&self) -> Result<(Credentials, Option<String>), AwsError> {
        let mut request = self
            .sts
            .assume_role()
            .role_arn(&self.role_arn)
            .role_session_name(&self.session_name)
            .duration_seconds(self.duration_seconds);
        if let Some(external_id) = &self.external_id {
            request = request.external_id(external_id.expose());
        }
        let out = request
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "AssumeRole", err))?;
        let credentials = out
            .credentials()
            .ok_or_else(|| AwsError::missing(&self.account_id, "AssumeRole", "Credentials"))?;
        let expiry = SystemTime::try_from(*credentials.expiration()).ok();
        let credentials = Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_owned()),
            expiry,
            "warden-assume-role",
        );
        let arn = out.assumed_role_user().map(|user| user.arn().to_owned());
        Ok((credentials, arn))
    }

    fn cached(&self) -> Option<Credentials> {
        let current = self.current.lock().ok()?;
        let credentials = current.as_ref()?;
        let fresh = credentials.expiry().is_none_or(|expiry| {
            expiry
                .duration_since(SystemTime::now())
                .is_ok_and(|left| left > RENEW_BEFORE_EXPIRY)
        });
        fresh.then(|| credentials.clone())
    }

    fn store(&self, credentials: &Credentials) {
        if let Ok(mut current) = self.current.lock() {
            *current = Some(credentials.clone());
        }
    }

    pub(crate) async fn credentials(&self) -> Result<Credentials, AwsError> {
        if let Some(credentials) = self.cached() {
            return Ok(credentials);
        }
        let _renewing = self.renewing.lock().await;
        if let Some(credentials) = self.cached() {
            return Ok(credentials);
        }
        let (credentials, _) = self.assume().await?;
        tracing::debug!(account = %self.account_id, "assumed-role session renewed");
        self.store(&credentials);
        Ok(credentials)
    }

    /// Forgets the credentials: the next call assumes the role again.
    pub(crate) fn invalidate(&self) {
        if let Ok(mut current) = self.current.lock() {
            *current = None;
        }
    }
}

/// Whether AWS refused the call because the session's credentials expired.
pub(crate) fn is_expired_token(err: &AwsError) -> bool {
    matches!(
        err.code(),
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired")
    )
}

impl AccountClient {
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The role this client acts through; mutations refuse to touch it.
    pub fn protected_role(&self) -> &str {
        &self.protected_role
    }

    /// The assumed-role session ARN, when known.
    pub fn session_arn(&self) -> Option<&str> {
        self.session_arn.as_deref()
    }

    pub fn partition(&self) -> Partition {
        self.partition
    }

    /// The ARN of this account's customer managed policy `{path}{name}`, in its partition.
    pub fn policy_arn(&self, path: &str, name: &str) -> String {
        Arn::managed_policy(self.partition, &self.account_id, path, name).to_string()
    }

    pub(crate) fn guard(&self, role_name: &str) -> Result<(), AwsError> {
        if role_name.eq_ignore_ascii_case(&self.protected_role) {
            return Err(AwsError::ProtectedRole {
                account_id: self.account_id.clone(),
                role_name: role_name.to_owned(),
            });
        }
        Ok(())
    }

    /// The decoded trust policy of a role (one GetRole call).
    pub async fn trust_policy(&self, role_name: &str) -> Result<String, AwsError> {
        let out = self
            .iam
            .get_role()
            .role_name(role_name)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "GetRole", err))?;
        let raw = out
            .role()
            .and_then(|role| role.assume_role_policy_document())
            .ok_or_else(|| {
                AwsError::missing(&self.account_id, "GetRole", "AssumeRolePolicyDocument")
            })?;
        decode_document(raw).map_err(|err| AwsError::TrustUnreadable {
            account_id: self.account_id.clone(),
            role_name: role_name.to_owned(),
            message: err.to_string(),
        })
    }
}

/// What Warden needs to reach member accounts.
#[derive(Debug, Clone)]
pub struct AccessRole {
    /// Role name in every member account (path `/`), e.g. `WardenAccess`.
    pub role_name: String,
    pub external_id: ExternalId,
    pub session_name: SessionName,
    pub duration: SessionDuration,
    /// The AWS principals the access role's trust may name: the management account id, then
    /// `access.trusted_principals` from warden.yaml (account ids or exact ARNs). Any other AWS
    /// principal (`*` included) makes the account refused; empty refuses every one.
    pub trusted_principals: Vec<String>,
}

impl Aws {
    /// AssumeRole into `account_id` (always with the ExternalId), then GetRole on the access role
    /// and refuse it unless its trust policy requires this ExternalId with `StringEquals`.
    /// Two calls: `sts:AssumeRole`, `iam:GetRole`.
    pub async fn assume_access_role(
        &self,
        account_id: &str,
        role_name: &str,
        external_id: &ExternalId,
        session_name: &SessionName,
        duration: SessionDuration,
    ) -> Result<AccountClient, AwsError> {
        let client = self
            .assume_unchecked(
                account_id,
                role_name,
                Some(external_id),
                session_name,
                duration,
            )
            .await?;
        let trust = client.trust_policy(role_name).await?;
        check_access_trust(account_id, role_name, &trust, external_id)?;
        Ok(client)
    }

    /// Assume the access role, read the account, and check the access role's trust policy from
    /// what the read returned: three calls (`sts:AssumeRole`, `iam:GetAccountAuthorizationDetails`,
    /// `iam:ListRoles`, the last two concurrent) instead of a separate `iam:GetRole`. Reading
    /// changes nothing, so checking after the read is as safe as before it; the read is discarded
    /// when the check fails.
    pub async fn open_account(
        &self,
        account_id: &str,
        access: &AccessRole,
    ) -> Result<(AccountClient, LiveAccount), AwsError> {
        let client = self
            .assume_unchecked(
                account_id,
                &access.role_name,
                Some(&access.external_id),
                &access.session_name,
                access.duration,
            )
            .await?;
        let live = match client.read_account().await {
            Err(err) if is_expired_token(&err) => {
                client.session.invalidate();
                client.read_account().await?
            }
            read => read?,
        };
        let trust = match live.role(&access.role_name) {
            Some(role) => role.trust_policy.clone(),
            // Not in the read (e.g. a filtered export): ask for it directly.
            None => client.trust_policy(&access.role_name).await?,
        };
        check_access_trust(account_id, &access.role_name, &trust, &access.external_id)?;
        check_access_principals(account_id, &access.role_name, &trust, access)?;
        Ok((client, live))
    }

    /// AssumeRole without checking the role's trust; `external_id` is `None` only for fixtures
    /// acting through `OrganizationAccountAccessRole`.
    pub(crate) async fn assume_unchecked(
        &self,
        account_id: &str,
        role_name: &str,
        external_id: Option<&ExternalId>,
        session_name: &SessionName,
        duration: SessionDuration,
    ) -> Result<AccountClient, AwsError> {
        let role_arn = Arn::role(self.partition(), account_id, "/", role_name).to_string();
        let session = Arc::new(RenewingSession {
            sts: self.sts.clone(),
            account_id: account_id.to_owned(),
            role_arn,
            external_id: external_id.cloned(),
            session_name: session_name.as_str().to_owned(),
            duration_seconds: i32::try_from(duration.as_secs()).unwrap_or(900),
            current: Mutex::new(None),
            renewing: tokio::sync::Mutex::new(()),
        });
        let (credentials, session_arn) = session.assume().await?;
        session.store(&credentials);
        Ok(AccountClient {
            account_id: account_id.to_owned(),
            partition: self.partition(),
            iam: self.iam_with_session(account_id, Arc::clone(&session)),
            protected_role: role_name.to_owned(),
            session_arn,
            session,
        })
    }

    /// Like [`Aws::assume_access_role`] with the settings bundled in `access`.
    pub async fn assume_with(
        &self,
        account_id: &str,
        access: &AccessRole,
    ) -> Result<AccountClient, AwsError> {
        let client = self
            .assume_access_role(
                account_id,
                &access.role_name,
                &access.external_id,
                &access.session_name,
                access.duration,
            )
            .await?;
        let trust = client.trust_policy(&access.role_name).await?;
        check_access_principals(account_id, &access.role_name, &trust, access)?;
        Ok(client)
    }
}

/// Refuses an access role whose trust does not require this ExternalId with `StringEquals`.
pub(crate) fn check_access_trust(
    account_id: &str,
    role_name: &str,
    trust: &str,
    external_id: &ExternalId,
) -> Result<(), AwsError> {
    check_external_id(trust, external_id)
        .map_err(|problem| trust_error(account_id, role_name, problem))
}

/// Refuses an access role whose trust names AWS principals beyond `access.trusted_principals`.
pub(crate) fn check_access_principals(
    account_id: &str,
    role_name: &str,
    trust: &str,
    access: &AccessRole,
) -> Result<(), AwsError> {
    check_trusted_principals(trust, &access.trusted_principals)
        .map_err(|problem| trust_error(account_id, role_name, problem))
}

fn trust_error(account_id: &str, role_name: &str, problem: TrustProblem) -> AwsError {
    match problem {
        TrustProblem::Unreadable(message) => AwsError::TrustUnreadable {
            account_id: account_id.to_owned(),
            role_name: role_name.to_owned(),
            message,
        },
        TrustProblem::NoExternalId(detail) => AwsError::TrustWithoutExternalId {
            account_id: account_id.to_owned(),
            role_name: role_name.to_owned(),
            detail,
        },
        TrustProblem::Mismatch => AwsError::ExternalIdMismatch {
            account_id: account_id.to_owned(),
            role_name: role_name.to_owned(),
        },
        TrustProblem::UntrustedPrincipal(detail) => AwsError::TrustTooWide {
            account_id: account_id.to_owned(),
            role_name: role_name.to_owned(),
            detail,
        },
    }
}
