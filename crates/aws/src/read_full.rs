//! Reading everything of one account for a snapshot, with few calls, and many accounts streamed.
//!
//! Calls per account, all concurrent after `sts:AssumeRole`:
//! - `GetAccountAuthorizationDetails` with the filters User, Role, Group and LocalManagedPolicy
//!   (one page per ~100 entities; AWS managed policies are referenced by ARN only);
//! - `ListRoles` (one page per 1,000 roles) for Description and MaxSessionDuration, which GAAD's
//!   `RoleDetail` lacks;
//! - `GenerateCredentialReport` then `GetCredentialReport`, polled briefly while IAM builds it
//!   (a report younger than four hours is returned at once);
//! - `GetAccountPasswordPolicy` (`NoSuchEntity`: no policy is set);
//! - `ListOpenIDConnectProviders` plus `GetOpenIDConnectProvider` per provider, and
//!   `ListSAMLProviders` (ARN, valid-until, created: no metadata document);
//! - `ListVirtualMFADevices` (assigned devices with their user and enable date), only when GAAD
//!   lists users.
//!
//! That is 8 calls (7 IAM reads and AssumeRole) for an account without users, OIDC providers,
//! hand-made customer managed policies (one ListPolicyTags each, as in the plan read) or more
//! than one page of anything, 9 with users. Reading many accounts, an account that only waits
//! for its credential report gives its place under the concurrency bound to the next account
//! (see [`Slot`]). Per user, only where the credential report shows it:
//! `ListAccessKeys` (a user with keys), `GetLoginProfile` (a console password) and
//! `ListMFADevices` (MFA active but no virtual device). Access key last use comes from the
//! credential report (slots matched by creation date), not from one `GetAccessKeyLastUsed` per
//! key. No secret is read or kept: keys keep the last four characters of their id.
//!
//! https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_iam::types::{
    AssignmentStatusType, EntityType, GroupDetail, ManagedPolicyDetail, ReportStateType,
    RoleDetail, StatusType, UserDetail,
};
use aws_sdk_organizations::types::PolicyType;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use warden_plan::live::{
    AccessKey, AccessKeyLastUsed, Coverage, CredentialReport, CredentialReportRow, KeyStatus,
    LiveAccount, LiveGroup, LiveOidcProvider, LiveSamlProvider, LiveScp, LiveUser, LoginProfile,
    MfaDevice, PasswordPolicy,
};
use warden_spec::org::{AccountStatus, Organization};

use crate::account::{AccessRole, AccountClient, check_access_principals, check_access_trust};
use crate::client::Aws;
use crate::err::{AwsError, api_error};
use crate::parallel::{AccountOutcome, AccountResult, OutcomeStatus, ProgressEvent, ReadRequest};
use crate::read::{attached_arns, tag_map, timestamp};

/// Waits between polls of the credential report while IAM generates it (about 8 s in all);
/// after the last, the snapshot records no report for the account rather than failing it.
const REPORT_WAITS_MS: [u64; 6] = [250, 500, 1_000, 2_000, 2_000, 2_000];

/// Users whose per-user calls run at once within one account.
const USER_CONCURRENCY: usize = 4;

/// Everything GAAD returned, by entity type.
#[derive(Default)]
struct Details {
    users: Vec<UserDetail>,
    groups: Vec<GroupDetail>,
    roles: Vec<RoleDetail>,
    policies: Vec<ManagedPolicyDetail>,
}

/// Users, groups, roles and policies with what completes them.
struct Identities {
    details: Details,
    roles: Vec<warden_plan::live::LiveRole>,
    policies: Vec<warden_plan::live::LiveManagedPolicy>,
    virtual_mfa: Vec<AssignedDevice>,
}

/// A virtual MFA device assigned to a user.
struct AssignedDevice {
    user: String,
    device: MfaDevice,
}

/// An account's place under the readers' bound. A reader holds a `reading` permit while it makes
/// its calls; when all that is left is to wait for IAM to build the credential report, it
/// trades it for a `waiting` permit, so the next account starts instead of idling behind a
/// sleep. Both bounds are the concurrency: at most that many accounts call and that many wait,
/// and memory holds at most twice that many accounts.
pub(crate) struct Slot {
    reading: Option<OwnedSemaphorePermit>,
    waiting: Option<Arc<Semaphore>>,
    held: Option<OwnedSemaphorePermit>,
}

impl Slot {
    /// A lone read (not under a bound).
    fn unbounded() -> Slot {
        Slot {
            reading: None,
            waiting: None,
            held: None,
        }
    }

    /// Takes a `waiting` permit, then gives the `reading` one back.
    async fn start_waiting(&mut self) {
        if let Some(waiting) = &self.waiting
            && self.held.is_none()
        {
            self.held = Arc::clone(waiting).acquire_owned().await.ok();
        }
        self.reading = None;
    }
}

impl AccountClient {
    /// Everything [`LiveAccount`] holds, with [`Coverage::Full`]. Roles and policies are built
    /// exactly as [`AccountClient::read_account`] builds them.
    pub async fn read_account_full(&self) -> Result<LiveAccount, AwsError> {
        self.read_account_full_in(&mut Slot::unbounded()).await
    }

    async fn read_account_full_in(&self, slot: &mut Slot) -> Result<LiveAccount, AwsError> {
        let (identities, report, password_policy, oidc, saml) = tokio::try_join!(
            self.identities(),
            self.credential_report(slot),
            self.password_policy(),
            self.oidc_providers(),
            self.saml_providers(),
        )?;
        let Identities {
            details,
            roles,
            policies,
            virtual_mfa,
        } = identities;
        let groups = details
            .groups
            .iter()
            .map(|detail| self.live_group(detail))
            .collect::<Result<Vec<_>, _>>()?;
        let users = self
            .live_users(&details.users, report.as_ref(), virtual_mfa)
            .await?;
        let mut live = LiveAccount {
            account_id: self.account_id.clone(),
            coverage: Coverage::Full,
            roles,
            policies,
            users,
            groups,
            oidc_providers: oidc,
            saml_providers: saml,
            password_policy,
            credential_report: report.map(Box::new),
        };
        live.sort();
        Ok(live)
    }

    /// GAAD and ListRoles at once, then what they call for: the tags of hand-made policies,
    /// and the assigned virtual MFA devices only when the account has users.
    async fn identities(&self) -> Result<Identities, AwsError> {
        let (details, extras) = tokio::try_join!(self.all_details(), self.role_extras())?;
        let roles = details
            .roles
            .iter()
            .map(|detail| self.live_role(detail, &extras))
            .collect::<Result<Vec<_>, _>>()?;
        let mut policies = details
            .policies
            .iter()
            .map(|detail| self.live_policy(detail))
            .collect::<Result<Vec<_>, _>>()?;
        let has_users = !details.users.is_empty();
        let ((), virtual_mfa) =
            tokio::try_join!(self.read_unmarked_policy_tags(&mut policies), async {
                if has_users {
                    self.assigned_virtual_mfa().await
                } else {
                    Ok(Vec::new())
                }
            })?;
        Ok(Identities {
            details,
            roles,
            policies,
            virtual_mfa,
        })
    }

    async fn all_details(&self) -> Result<Details, AwsError> {
        let mut details = Details::default();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .iam
                .get_account_authorization_details()
                .filter(EntityType::User)
                .filter(EntityType::Role)
                .filter(EntityType::Group)
                .filter(EntityType::LocalManagedPolicy)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|err| {
                    api_error(&self.account_id, "GetAccountAuthorizationDetails", err)
                })?;
            details
                .users
                .extend(page.user_detail_list().iter().cloned());
            details
                .groups
                .extend(page.group_detail_list().iter().cloned());
            details
                .roles
                .extend(page.role_detail_list().iter().cloned());
            details.policies.extend(page.policies().iter().cloned());
            match (page.is_truncated(), page.marker()) {
                (true, Some(next)) if !next.is_empty() => marker = Some(next.to_owned()),
                _ => return Ok(details),
            }
        }
    }

    /// `None` when IAM did not finish the report within the polling budget.
    async fn credential_report(
        &self,
        slot: &mut Slot,
    ) -> Result<Option<CredentialReport>, AwsError> {
        let generated = self
            .iam
            .generate_credential_report()
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "GenerateCredentialReport", err))?;
        if generated.state() == Some(&ReportStateType::Complete)
            && let Some(report) = self.fetch_credential_report().await?
        {
            return Ok(Some(report));
        }
        slot.start_waiting().await;
        for wait in REPORT_WAITS_MS {
            tokio::time::sleep(Duration::from_millis(wait)).await;
            if let Some(report) = self.fetch_credential_report().await? {
                return Ok(Some(report));
            }
        }
        Ok(None)
    }

    /// `None` while the report is being generated.
    async fn fetch_credential_report(&self) -> Result<Option<CredentialReport>, AwsError> {
        let out = match self.iam.get_credential_report().send().await {
            Ok(out) => out,
            Err(err) => {
                let err = api_error(&self.account_id, "GetCredentialReport", err);
                return match &err {
                    AwsError::Api {
                        code: Some(code), ..
                    } if matches!(
                        code.as_str(),
                        "ReportInProgress" | "ReportNotPresent" | "ReportExpired"
                    ) =>
                    {
                        Ok(None)
                    }
                    _ => Err(err),
                };
            }
        };
        let content = out
            .content()
            .map(|blob| String::from_utf8_lossy(blob.as_ref()).into_owned())
            .unwrap_or_default();
        CredentialReport::parse_csv(&content, out.generated_time().map(timestamp))
            .map(Some)
            .map_err(|err| AwsError::Document {
                account_id: self.account_id.clone(),
                what: "the credential report".to_owned(),
                message: err.to_string(),
            })
    }

    async fn password_policy(&self) -> Result<Option<PasswordPolicy>, AwsError> {
        match self.iam.get_account_password_policy().send().await {
            Ok(out) => Ok(out.password_policy().map(|policy| PasswordPolicy {
                minimum_password_length: positive(policy.minimum_password_length()),
                require_symbols: policy.require_symbols(),
                require_numbers: policy.require_numbers(),
                require_uppercase_characters: policy.require_uppercase_characters(),
                require_lowercase_characters: policy.require_lowercase_characters(),
                allow_users_to_change_password: policy.allow_users_to_change_password(),
                expire_passwords: policy.expire_passwords(),
                max_password_age: positive(policy.max_password_age()),
                password_reuse_prevention: positive(policy.password_reuse_prevention()),
                hard_expiry: policy.hard_expiry(),
            })),
            Err(err) => match api_error(&self.account_id, "GetAccountPasswordPolicy", err) {
                AwsError::Api {
                    code: Some(code), ..
                } if code == "NoSuchEntity" => Ok(None),
                err => Err(err),
            },
        }
    }

    async fn oidc_providers(&self) -> Result<Vec<LiveOidcProvider>, AwsError> {
        let listed = self
            .iam
            .list_open_id_connect_providers()
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "ListOpenIDConnectProviders", err))?;
        let mut providers = Vec::new();
        for entry in listed.open_id_connect_provider_list() {
            let Some(arn) = entry.arn() else { continue };
            let out = self
                .iam
                .get_open_id_connect_provider()
                .open_id_connect_provider_arn(arn)
                .send()
                .await
                .map_err(|err| api_error(&self.account_id, "GetOpenIDConnectProvider", err))?;
            let mut client_ids = out.client_id_list().to_vec();
            client_ids.sort();
            let mut thumbprints = out.thumbprint_list().to_vec();
            thumbprints.sort();
            providers.push(LiveOidcProvider {
                arn: arn.to_owned(),
                url: out.url().unwrap_or_default().to_owned(),
                client_ids,
                thumbprints,
                created: out.create_date().map(timestamp),
                tags: tag_map(out.tags()),
            });
        }
        Ok(providers)
    }

    async fn saml_providers(&self) -> Result<Vec<LiveSamlProvider>, AwsError> {
        let out = self
            .iam
            .list_saml_providers()
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "ListSAMLProviders", err))?;
        Ok(out
            .saml_provider_list()
            .iter()
            .filter_map(|entry| {
                Some(LiveSamlProvider {
                    arn: entry.arn()?.to_owned(),
                    valid_until: entry.valid_until().map(timestamp),
                    created: entry.create_date().map(timestamp),
                })
            })
            .collect())
    }

    async fn assigned_virtual_mfa(&self) -> Result<Vec<AssignedDevice>, AwsError> {
        let mut pages = self
            .iam
            .list_virtual_mfa_devices()
            .assignment_status(AssignmentStatusType::Assigned)
            .into_paginator()
            .send();
        let mut devices = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|err| api_error(&self.account_id, "ListVirtualMFADevices", err))?;
            for device in page.virtual_mfa_devices() {
                // The seed and QR code are only returned at creation; never read them anyway.
                let Some(user) = device.user() else { continue };
                devices.push(AssignedDevice {
                    user: user.user_name().to_owned(),
                    device: MfaDevice {
                        serial_number: device.serial_number().to_owned(),
                        enabled: device.enable_date().map(timestamp),
                    },
                });
            }
        }
        Ok(devices)
    }

    fn live_group(&self, detail: &GroupDetail) -> Result<LiveGroup, AwsError> {
        let name = detail.group_name().unwrap_or_default().to_owned();
        let inline_policies =
            self.inline_documents(detail.group_policy_list(), &format!("group `{name}`"))?;
        Ok(LiveGroup {
            path: detail.path().unwrap_or("/").to_owned(),
            arn: detail.arn().unwrap_or_default().to_owned(),
            group_id: detail.group_id().unwrap_or_default().to_owned(),
            created: detail.create_date().map(timestamp).unwrap_or_default(),
            inline_policies,
            attached_policy_arns: attached_arns(detail.attached_managed_policies()),
            name,
        })
    }

    /// Users from GAAD, completed with the credential report and the per-user calls it calls
    /// for (every user's, when there is no report).
    async fn live_users(
        &self,
        details: &[UserDetail],
        report: Option<&CredentialReport>,
        virtual_mfa: Vec<AssignedDevice>,
    ) -> Result<Vec<LiveUser>, AwsError> {
        let mut virtual_by_user: BTreeMap<String, Vec<MfaDevice>> = BTreeMap::new();
        for assigned in virtual_mfa {
            virtual_by_user
                .entry(assigned.user)
                .or_default()
                .push(assigned.device);
        }
        let limit = Arc::new(Semaphore::new(USER_CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, detail) in details.iter().enumerate() {
            let mut user = self.user_from_detail(detail)?;
            let row = report.and_then(|report| report.user(&user.name)).cloned();
            user.mfa_devices = virtual_by_user.remove(&user.name).unwrap_or_default();
            user.password_last_used = row.as_ref().and_then(|row| row.password_last_used.clone());
            let client = self.clone();
            let limit = Arc::clone(&limit);
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                client
                    .complete_user(&mut user, row.as_ref(), report_known(row.as_ref()))
                    .await
                    .map(|()| (index, user))
            });
        }
        let mut users = Vec::with_capacity(details.len());
        while let Some(joined) = tasks.join_next().await {
            let finished = joined.map_err(|err| AwsError::Task {
                account_id: self.account_id.clone(),
                message: err.to_string(),
            })?;
            users.push(finished?);
        }
        users.sort_by_key(|(index, _)| *index);
        Ok(users.into_iter().map(|(_, user)| user).collect())
    }

    fn user_from_detail(&self, detail: &UserDetail) -> Result<LiveUser, AwsError> {
        let name = detail.user_name().unwrap_or_default().to_owned();
        let inline_policies =
            self.inline_documents(detail.user_policy_list(), &format!("user `{name}`"))?;
        Ok(LiveUser {
            path: detail.path().unwrap_or("/").to_owned(),
            arn: detail.arn().unwrap_or_default().to_owned(),
            user_id: detail.user_id().unwrap_or_default().to_owned(),
            created: detail.create_date().map(timestamp).unwrap_or_default(),
            groups: detail.group_list().to_vec(),
            inline_policies,
            attached_policy_arns: attached_arns(detail.attached_managed_policies()),
            permissions_boundary_arn: detail
                .permissions_boundary()
                .and_then(|boundary| boundary.permissions_boundary_arn())
                .map(str::to_owned),
            tags: tag_map(detail.tags()),
            name,
            ..LiveUser::default()
        })
    }

    /// Login profile, keys and non-virtual MFA devices: asked only where the report says there
    /// is something to find, or always when there is no report row (`known` false).
    async fn complete_user(
        &self,
        user: &mut LiveUser,
        row: Option<&CredentialReportRow>,
        known: bool,
    ) -> Result<(), AwsError> {
        let has_password = row.and_then(|row| row.password_enabled).unwrap_or(false);
        if !known || has_password {
            user.login_profile = self.login_profile(&user.name).await?;
        }
        let has_keys = row.is_some_and(|row| row.access_keys.iter().any(|key| key.exists()));
        if !known || has_keys {
            user.access_keys = self.access_keys(&user.name, row).await?;
        }
        let mfa_active = row.is_some_and(|row| row.mfa_active);
        if (!known || mfa_active) && user.mfa_devices.is_empty() {
            user.mfa_devices = self.mfa_devices(&user.name).await?;
        }
        Ok(())
    }

    async fn login_profile(&self, user_name: &str) -> Result<Option<LoginProfile>, AwsError> {
        match self
            .iam
            .get_login_profile()
            .user_name(user_name)
            .send()
            .await
        {
            Ok(out) => Ok(out.login_profile().map(|profile| LoginProfile {
                created: Some(timestamp(profile.create_date())),
                password_reset_required: profile.password_reset_required(),
            })),
            Err(err) => match api_error(&self.account_id, "GetLoginProfile", err) {
                AwsError::Api {
                    code: Some(code), ..
                } if code == "NoSuchEntity" => Ok(None),
                err => Err(err),
            },
        }
    }

    async fn access_keys(
        &self,
        user_name: &str,
        row: Option<&CredentialReportRow>,
    ) -> Result<Vec<AccessKey>, AwsError> {
        let mut pages = self
            .iam
            .list_access_keys()
            .user_name(user_name)
            .into_paginator()
            .send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| api_error(&self.account_id, "ListAccessKeys", err))?;
            for metadata in page.access_key_metadata() {
                keys.push(AccessKey {
                    id_suffix: AccessKey::suffix_of(metadata.access_key_id().unwrap_or_default()),
                    status: match metadata.status() {
                        Some(StatusType::Active) => KeyStatus::Active,
                        _ => KeyStatus::Inactive,
                    },
                    created: metadata.create_date().map(timestamp).unwrap_or_default(),
                    last_used: None,
                });
            }
        }
        keys.sort_by(|a, b| a.created.cmp(&b.created));
        if let Some(row) = row {
            attach_last_use(&mut keys, row);
        }
        Ok(keys)
    }

    async fn mfa_devices(&self, user_name: &str) -> Result<Vec<MfaDevice>, AwsError> {
        let mut pages = self
            .iam
            .list_mfa_devices()
            .user_name(user_name)
            .into_paginator()
            .send();
        let mut devices = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| api_error(&self.account_id, "ListMFADevices", err))?;
            devices.extend(page.mfa_devices().iter().map(|device| MfaDevice {
                serial_number: device.serial_number().to_owned(),
                enabled: Some(timestamp(device.enable_date())),
            }));
        }
        Ok(devices)
    }
}

/// A report row is trusted for what it says about a user only when there is one.
fn report_known(row: Option<&CredentialReportRow>) -> bool {
    row.is_some()
}

/// Last use of each key from the report's two key slots: a slot belongs to the key created
/// when the slot was last rotated; unmatched slots are taken in order.
fn attach_last_use(keys: &mut [AccessKey], row: &CredentialReportRow) {
    let slots: Vec<_> = row
        .access_keys
        .iter()
        .filter(|slot| slot.exists())
        .collect();
    let mut taken = vec![false; slots.len()];
    let mut pick = |created: &str| -> Option<usize> {
        let exact = slots
            .iter()
            .enumerate()
            .position(|(i, slot)| !taken[i] && slot.last_rotated.as_deref() == Some(created));
        let chosen = exact.or_else(|| taken.iter().position(|used| !used))?;
        taken[chosen] = true;
        Some(chosen)
    };
    for key in keys.iter_mut() {
        let Some(slot) = pick(&key.created).map(|i| slots[i]) else {
            continue;
        };
        key.last_used = slot.last_used_date.clone().map(|date| AccessKeyLastUsed {
            date,
            service: slot.last_used_service.clone(),
            region: slot.last_used_region.clone(),
        });
    }
}

/// IAM reports unset numeric settings as absent or zero.
fn positive(value: Option<i32>) -> Option<u32> {
    value.and_then(|n| u32::try_from(n).ok()).filter(|n| *n > 0)
}

impl Aws {
    /// Like [`Aws::open_account`] with the full read: AssumeRole with the ExternalId, read
    /// everything, then refuse the account if the access role's trust (from the read) does not
    /// require the ExternalId or trusts more than it may. The read is discarded on refusal.
    pub async fn read_account_full(
        &self,
        account_id: &str,
        access: &AccessRole,
    ) -> Result<LiveAccount, AwsError> {
        self.read_account_full_in(account_id, access, &mut Slot::unbounded())
            .await
    }

    async fn read_account_full_in(
        &self,
        account_id: &str,
        access: &AccessRole,
        slot: &mut Slot,
    ) -> Result<LiveAccount, AwsError> {
        let client = self
            .assume_unchecked(
                account_id,
                &access.role_name,
                Some(&access.external_id),
                &access.session_name,
                access.duration,
            )
            .await?;
        let live = client.read_account_full_in(slot).await?;
        let trust = match live.role(&access.role_name) {
            Some(role) => role.trust_policy.clone(),
            None => client.trust_policy(&access.role_name).await?,
        };
        check_access_trust(account_id, &access.role_name, &trust, &access.external_id)?;
        check_access_principals(account_id, &access.role_name, &trust, access)?;
        Ok(live)
    }

    /// Reads every selected member account in full, `request.concurrency` at a time, and hands
    /// each outcome to `sink` on the caller's task as soon as it is done, so a caller can write
    /// it out and drop it: memory holds at most the accounts in flight. Selection and skipping
    /// are those of [`Aws::read_accounts`]; outcomes arrive in completion order.
    pub async fn read_accounts_full(
        &self,
        inventory: &Organization,
        request: &ReadRequest,
        progress: &(dyn Fn(ProgressEvent) + Sync),
        sink: &mut (dyn FnMut(AccountOutcome) + Send),
    ) {
        let mut to_read = Vec::new();
        let mut skipped = Vec::new();
        for account in &inventory.accounts {
            if !request.only_accounts.is_empty() && !request.only_accounts.contains(&account.id) {
                continue;
            }
            if account.id == inventory.management_account_id && !request.include_management_account
            {
                skipped.push((
                    account,
                    "management account (not read through the access role)".to_owned(),
                ));
            } else if account.status != AccountStatus::Active {
                skipped.push((
                    account,
                    format!("account is {:?}", account.status).to_lowercase(),
                ));
            } else {
                to_read.push((account.id.clone(), account.name.clone()));
            }
        }
        let total = skipped.len() + to_read.len();
        let mut done = 0;
        for (account, reason) in skipped {
            done += 1;
            progress(ProgressEvent::Finished {
                account_id: account.id.clone(),
                status: OutcomeStatus::Skipped,
                done,
                total,
            });
            sink(AccountOutcome {
                account_id: account.id.clone(),
                account_name: account.name.clone(),
                result: AccountResult::Skipped { reason },
                elapsed: Duration::ZERO,
            });
        }
        let limit = Arc::new(Semaphore::new(request.concurrency.max(1)));
        let waiting = Arc::new(Semaphore::new(request.concurrency.max(1)));
        let access = Arc::new(request.access.clone());
        // Bounded: a slow sink holds readers back instead of piling accounts up in memory.
        let (events, mut received) = mpsc::channel::<Event>(request.concurrency.max(1));
        let mut tasks = tokio::task::JoinSet::new();
        let mut task_accounts = std::collections::HashMap::new();
        for (account_id, account_name) in to_read {
            let task_account = (account_id.clone(), account_name.clone());
            let aws = self.clone();
            let limit = Arc::clone(&limit);
            let waiting = Arc::clone(&waiting);
            let access = Arc::clone(&access);
            let events = events.clone();
            let handle = tasks.spawn(async move {
                let mut slot = Slot {
                    reading: limit.acquire_owned().await.ok(),
                    waiting: Some(waiting),
                    held: None,
                };
                let _ = events.send(Event::Started(account_id.clone())).await;
                let started = Instant::now();
                let read = aws.read_account_full_in(&account_id, &access, &mut slot);
                let result = match read.await {
                    Ok(live) => AccountResult::Read(live),
                    Err(err) => AccountResult::Failed(err),
                };
                let outcome = AccountOutcome {
                    account_id,
                    account_name,
                    result,
                    elapsed: started.elapsed(),
                };
                let _ = events.send(Event::Finished(Box::new(outcome))).await;
            });
            task_accounts.insert(handle.id(), task_account);
        }
        drop(events);
        while let Some(event) = received.recv().await {
            match event {
                Event::Started(account_id) => progress(ProgressEvent::Started { account_id }),
                Event::Finished(outcome) => {
                    done += 1;
                    progress(ProgressEvent::Finished {
                        account_id: outcome.account_id.clone(),
                        status: outcome.result.status(),
                        done,
                        total,
                    });
                    sink(*outcome);
                }
            }
        }
        // A task that panicked never reported: surface it instead of losing the account.
        while let Some(joined) = tasks.join_next().await {
            let Err(err) = joined else { continue };
            let Some((account_id, account_name)) = task_accounts.remove(&err.id()) else {
                continue;
            };
            done += 1;
            progress(ProgressEvent::Finished {
                account_id: account_id.clone(),
                status: OutcomeStatus::Failed,
                done,
                total,
            });
            sink(AccountOutcome {
                result: AccountResult::Failed(AwsError::Task {
                    account_id: account_id.clone(),
                    message: err.to_string(),
                }),
                account_id,
                account_name,
                elapsed: Duration::ZERO,
            });
        }
    }

    /// Every resource control policy with its content and targets, sorted by name; empty when
    /// the organization cannot use RCPs (the policy type is not available or not enabled).
    pub async fn read_rcps(&self) -> Result<Vec<LiveScp>, AwsError> {
        match self
            .read_organization_policies(PolicyType::ResourceControlPolicy, "RCP")
            .await
        {
            Err(AwsError::Api {
                code: Some(code), ..
            }) if code.starts_with("PolicyTypeNot") => Ok(Vec::new()),
            other => other,
        }
    }
}

enum Event {
    Started(String),
    /// Boxed: a read account is large, the channel moves it once.
    Finished(Box<AccountOutcome>),
}

#[cfg(test)]
mod tests {
    use warden_plan::live::ReportAccessKey;

    use super::*;

    #[test]
    fn key_last_use_follows_the_slot_rotated_when_the_key_was_created() {
        let mut keys = vec![
            AccessKey {
                id_suffix: "AAAA".into(),
                created: "2025-01-01T00:00:00Z".into(),
                ..AccessKey::default()
            },
            AccessKey {
                id_suffix: "BBBB".into(),
                created: "2026-01-01T00:00:00Z".into(),
                ..AccessKey::default()
            },
        ];
        let row = CredentialReportRow {
            access_keys: [
                ReportAccessKey {
                    active: true,
                    last_rotated: Some("2026-01-01T00:00:00Z".into()),
                    last_used_date: Some("2026-02-01T00:00:00Z".into()),
                    last_used_service: Some("s3".into()),
                    last_used_region: Some("eu-west-1".into()),
                },
                ReportAccessKey {
                    active: false,
                    last_rotated: Some("2025-01-01T00:00:00Z".into()),
                    ..ReportAccessKey::default()
                },
            ],
            ..CredentialReportRow::default()
        };
        attach_last_use(&mut keys, &row);
        assert_eq!(keys[0].last_used, None);
        let used = keys[1].last_used.clone().unwrap_or_default();
        assert_eq!(used.date, "2026-02-01T00:00:00Z");
        assert_eq!(used.service.as_deref(), Some("s3"));
    }

    #[test]
    fn unset_numbers_are_none() {
        assert_eq!(positive(Some(0)), None);
        assert_eq!(positive(Some(-1)), None);
        assert_eq!(positive(Some(14)), Some(14));
    }
}
