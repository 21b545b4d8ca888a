//! Seeding an organization for the demo, tests and benchmarks, and making out-of-band changes
//! (drift) inside member accounts. Talks to AWS, so it lives in this crate; meant for emulators.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_organizations::types::{CreateAccountState, OrganizationFeatureSet, PolicyType, Tag};
use tokio::sync::Semaphore;

use crate::account::AccountClient;
use crate::apply::{NewManagedPolicy, NewRole};
use crate::client::Aws;
use crate::err::{AwsError, CALLER, api_error};
use crate::ids::{SessionDuration, SessionName};
use warden_policy::{Arn, ExternalId, Partition};

/// The role Organizations creates in every new member account, trusted by the management
/// account; fixtures act through it.
pub const ORGANIZATION_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";

/// How a member account's access role is seeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessSeed {
    /// Trust requires `sts:ExternalId` with `StringEquals` (the correct setup).
    #[default]
    RequireExternalId,
    /// Trust without any condition (Warden must refuse it).
    WithoutExternalId,
    /// No access role at all (reading the account fails).
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedAccount {
    pub name: String,
    /// `Root`, `Root/Workloads/Prod` or `Workloads/Prod`.
    pub ou_path: String,
    pub tags: BTreeMap<String, String>,
    pub access: AccessSeed,
    /// Extra workload roles (`app-role-N`, each with one inline policy), for benchmarks.
    pub extra_roles: usize,
    /// Tags put on every extra role beside `team=bench` (e.g. the managed marker, so that
    /// definitions of the same roles plan no change).
    pub extra_role_tags: BTreeMap<String, String>,
    /// A customer managed policy created in the account before the extra roles and set as
    /// every extra role's permissions boundary; `None`: the extra roles have no boundary.
    pub extra_role_boundary: Option<NewManagedPolicy>,
}

impl SeedAccount {
    pub fn new(name: impl Into<String>, ou_path: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ou_path: ou_path.into(),
            tags: BTreeMap::new(),
            access: AccessSeed::default(),
            extra_roles: 0,
            extra_role_tags: BTreeMap::new(),
            extra_role_boundary: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SeedSpec {
    /// OU paths; ancestors are created as needed (`Root/` prefix optional).
    pub ous: Vec<String>,
    pub accounts: Vec<SeedAccount>,
    pub access_role_name: String,
    pub external_id: ExternalId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededAccount {
    pub id: String,
    pub name: String,
    pub ou_path: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededOrg {
    pub organization_id: String,
    pub management_account_id: String,
    pub root_id: String,
    /// OU path (`Root/…`) → OU id.
    pub ous: BTreeMap<String, String>,
    pub accounts: Vec<SeededAccount>,
}

impl SeededOrg {
    pub fn account_id(&self, name: &str) -> Option<&str> {
        self.accounts
            .iter()
            .find(|account| account.name == name)
            .map(|account| account.id.as_str())
    }
}

/// `Workloads/Prod` → `Root/Workloads/Prod`; `Root` stays.
fn normalize_path(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    if trimmed == "Root" || trimmed.starts_with("Root/") {
        trimmed.to_owned()
    } else if trimmed.is_empty() {
        "Root".to_owned()
    } else {
        format!("Root/{trimmed}")
    }
}

fn fixture_error(message: impl Into<String>) -> AwsError {
    AwsError::Fixture {
        message: message.into(),
    }
}

/// A trust policy letting the management account assume the role, optionally requiring
/// `sts:ExternalId`.
pub fn access_trust_policy(
    partition: Partition,
    management_account_id: &str,
    external_id: Option<&ExternalId>,
) -> String {
    let root = Arn::account_root(partition, management_account_id).to_string();
    let mut statement = serde_json::json!({
        "Effect": "Allow",
        "Principal": {"AWS": root},
        "Action": "sts:AssumeRole",
    });
    if let (Some(external_id), Some(map)) = (external_id, statement.as_object_mut()) {
        map.insert(
            "Condition".to_owned(),
            serde_json::json!({"StringEquals": {"sts:ExternalId": external_id.expose()}}),
        );
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": [statement]}).to_string()
}

const ACCESS_ROLE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"WardenManagesIam","Effect":"Allow","Action":["iam:*"],"Resource":"*"}]}"#;

/// Acts inside a member account through `OrganizationAccountAccessRole` (no ExternalId: fixture
/// use only). The returned client refuses to change that role.
pub async fn admin_client(aws: &Aws, account_id: &str) -> Result<AccountClient, AwsError> {
    let session = SessionName::new("warden-fixture")?;
    aws.assume_unchecked(
        account_id,
        ORGANIZATION_ACCESS_ROLE,
        None,
        &session,
        SessionDuration::default(),
    )
    .await
}

/// Creates a role with inline and attached policies (for out-of-band drift).
pub async fn create_role_with_policies(
    client: &AccountClient,
    role: &NewRole,
    inline: &[(&str, &str)],
    attached: &[&str],
) -> Result<String, AwsError> {
    let arn = client.create_role(role).await?;
    for (name, document) in inline {
        client.put_role_policy(&role.name, name, document).await?;
    }
    for policy_arn in attached {
        client.attach_role_policy(&role.name, policy_arn).await?;
    }
    Ok(arn)
}

/// Closes a member account (it becomes suspended), e.g. to test that readers skip it.
pub async fn close_account(aws: &Aws, account_id: &str) -> Result<(), AwsError> {
    aws.organizations
        .close_account()
        .account_id(account_id)
        .send()
        .await
        .map_err(|err| api_error(account_id, "CloseAccount", err))?;
    Ok(())
}

/// Concurrent member-account setups while seeding.
const SEED_CONCURRENCY: usize = 8;

/// Creates (or reuses) the organization, enables SCPs, creates the OUs and accounts, and in each
/// member account the access role as `SeedAccount::access` says. Accounts are created one after
/// another, so a seeded moto gives them the same ids on every run.
pub async fn seed_organization(aws: &Aws, spec: &SeedSpec) -> Result<SeededOrg, AwsError> {
    seed_organization_with(aws, spec, 1).await
}

/// [`seed_organization`] creating up to `create_concurrency` accounts at a time (at least 1),
/// for large organizations: faster, but a seeded moto no longer gives each name the same id.
pub async fn seed_organization_with(
    aws: &Aws,
    spec: &SeedSpec,
    create_concurrency: usize,
) -> Result<SeededOrg, AwsError> {
    let org = ensure_organization(aws).await?;
    let root_id = aws.root_id().await?;
    enable_scps(aws, &root_id).await?;
    let ous = create_ous(aws, &root_id, spec).await?;
    let accounts = create_accounts(aws, spec, &root_id, &ous, create_concurrency).await?;
    setup_member_accounts(aws, spec, &org.1, &accounts).await?;
    Ok(SeededOrg {
        organization_id: org.0,
        management_account_id: org.1,
        root_id,
        ous,
        accounts,
    })
}

/// Creates the accounts of `spec` (each moved into its OU), `concurrency` at a time; returned
/// in the order of `spec.accounts`.
async fn create_accounts(
    aws: &Aws,
    spec: &SeedSpec,
    root_id: &str,
    ous: &BTreeMap<String, String>,
    concurrency: usize,
) -> Result<Vec<SeededAccount>, AwsError> {
    let limit = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut created = Vec::with_capacity(spec.accounts.len());
    for (index, seed) in spec.accounts.iter().enumerate() {
        let ou_path = normalize_path(&seed.ou_path);
        let parent = if ou_path == "Root" {
            root_id.to_owned()
        } else {
            ous.get(&ou_path).cloned().ok_or_else(|| {
                fixture_error(format!(
                    "account `{}` names unknown OU `{ou_path}`",
                    seed.name
                ))
            })?
        };
        // Taken before the task starts, so accounts are created in the order of the spec (one
        // at a time when `concurrency` is 1).
        let permit = Arc::clone(&limit)
            .acquire_owned()
            .await
            .map_err(|err| fixture_error(err.to_string()))?;
        // Tasks that finished are collected as the next starts, so the set stays small.
        while let Some(joined) = tasks.try_join_next() {
            created.push(joined.map_err(|err| fixture_error(err.to_string()))??);
        }
        let (aws, seed, root_id) = (aws.clone(), seed.clone(), root_id.to_owned());
        tasks.spawn(async move {
            let _permit = permit;
            let id = create_account(&aws, &seed).await?;
            if parent != root_id {
                aws.organizations
                    .move_account()
                    .account_id(&id)
                    .source_parent_id(&root_id)
                    .destination_parent_id(&parent)
                    .send()
                    .await
                    .map_err(|err| api_error(&id, "MoveAccount", err))?;
            }
            Ok::<_, AwsError>((
                index,
                SeededAccount {
                    id,
                    name: seed.name,
                    ou_path,
                },
            ))
        });
    }
    while let Some(joined) = tasks.join_next().await {
        created.push(joined.map_err(|err| fixture_error(err.to_string()))??);
    }
    created.sort_by_key(|(index, _)| *index);
    Ok(created.into_iter().map(|(_, account)| account).collect())
}

/// (organization id, management account id).
async fn ensure_organization(aws: &Aws) -> Result<(String, String), AwsError> {
    let created = aws
        .organizations
        .create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await;
    if let Err(err) = created {
        let err = api_error(CALLER, "CreateOrganization", err);
        if err.code() != Some("AlreadyInOrganizationException") {
            return Err(err);
        }
    }
    let described = aws
        .organizations
        .describe_organization()
        .send()
        .await
        .map_err(|err| api_error(CALLER, "DescribeOrganization", err))?;
    let org = described
        .organization()
        .ok_or_else(|| AwsError::missing(CALLER, "DescribeOrganization", "Organization"))?;
    Ok((
        org.id().unwrap_or_default().to_owned(),
        org.master_account_id().unwrap_or_default().to_owned(),
    ))
}

async fn enable_scps(aws: &Aws, root_id: &str) -> Result<(), AwsError> {
    let enabled = aws
        .organizations
        .enable_policy_type()
        .root_id(root_id)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await;
    match enabled.map_err(|err| api_error(CALLER, "EnablePolicyType", err)) {
        Err(err) if err.code() != Some("PolicyTypeAlreadyEnabledException") => Err(err),
        _ => Ok(()),
    }
}

/// Enables RCPs on the root (once) and creates the resource control policy `content` as
/// written, attached to `target_id` (the root, an OU or an account); returns its id. AWS checks
/// an RCP's grammar when it is created; an emulator may not, which lets tests plant one that
/// breaks it.
pub async fn seed_rcp(
    aws: &Aws,
    root_id: &str,
    name: &str,
    content: &str,
    target_id: &str,
) -> Result<String, AwsError> {
    let enabled = aws
        .organizations
        .enable_policy_type()
        .root_id(root_id)
        .policy_type(PolicyType::ResourceControlPolicy)
        .send()
        .await;
    match enabled.map_err(|err| api_error(CALLER, "EnablePolicyType", err)) {
        Err(err) if err.code() != Some("PolicyTypeAlreadyEnabledException") => return Err(err),
        _ => {}
    }
    let created = aws
        .organizations
        .create_policy()
        .name(name)
        .description("seeded")
        .content(content)
        .r#type(PolicyType::ResourceControlPolicy)
        .send()
        .await
        .map_err(|err| api_error(CALLER, "CreatePolicy", err))?;
    let id = created
        .policy()
        .and_then(|policy| policy.policy_summary())
        .and_then(|summary| summary.id())
        .map(str::to_owned)
        .ok_or_else(|| AwsError::missing(CALLER, "CreatePolicy", "PolicySummary.Id"))?;
    aws.organizations
        .attach_policy()
        .policy_id(&id)
        .target_id(target_id)
        .send()
        .await
        .map_err(|err| api_error(CALLER, "AttachPolicy", err))?;
    Ok(id)
}

async fn create_ous(
    aws: &Aws,
    root_id: &str,
    spec: &SeedSpec,
) -> Result<BTreeMap<String, String>, AwsError> {
    let mut ous = BTreeMap::new();
    for path in &spec.ous {
        let path = normalize_path(path);
        let mut parent_id = root_id.to_owned();
        let mut current = "Root".to_owned();
        for name in path.split('/').skip(1) {
            current = format!("{current}/{name}");
            if let Some(id) = ous.get(&current) {
                parent_id = String::clone(id);
                continue;
            }
            let out = aws
                .organizations
                .create_organizational_unit()
                .parent_id(&parent_id)
                .name(name)
                .send()
                .await
                .map_err(|err| api_error(CALLER, "CreateOrganizationalUnit", err))?;
            let id = out
                .organizational_unit()
                .and_then(|ou| ou.id())
                .map(str::to_owned)
                .ok_or_else(|| AwsError::missing(CALLER, "CreateOrganizationalUnit", "Id"))?;
            ous.insert(current.clone(), id.clone());
            parent_id = id;
        }
    }
    Ok(ous)
}

async fn create_account(aws: &Aws, seed: &SeedAccount) -> Result<String, AwsError> {
    let email_local: String = seed
        .name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() {
                ch.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let tags = seed
        .tags
        .iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| fixture_error(err.to_string()))?;
    let out = aws
        .organizations
        .create_account()
        .account_name(&seed.name)
        .email(format!("{email_local}@example.com"))
        .set_tags(Some(tags).filter(|tags| !tags.is_empty()))
        .send()
        .await
        .map_err(|err| api_error(CALLER, "CreateAccount", err))?;
    let mut status = out
        .create_account_status()
        .cloned()
        .ok_or_else(|| AwsError::missing(CALLER, "CreateAccount", "CreateAccountStatus"))?;
    // Real AWS creates accounts asynchronously; moto answers SUCCEEDED at once.
    for _ in 0..120 {
        match status.state() {
            Some(CreateAccountState::Succeeded) => {
                return status
                    .account_id()
                    .map(str::to_owned)
                    .ok_or_else(|| AwsError::missing(CALLER, "CreateAccount", "AccountId"));
            }
            Some(CreateAccountState::Failed) => {
                return Err(fixture_error(format!(
                    "creating account `{}` failed: {:?}",
                    seed.name,
                    status.failure_reason()
                )));
            }
            _ => {}
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
        let request_id = status.id().unwrap_or_default().to_owned();
        status = aws
            .organizations
            .describe_create_account_status()
            .create_account_request_id(request_id)
            .send()
            .await
            .map_err(|err| api_error(CALLER, "DescribeCreateAccountStatus", err))?
            .create_account_status()
            .cloned()
            .ok_or_else(|| {
                AwsError::missing(CALLER, "DescribeCreateAccountStatus", "CreateAccountStatus")
            })?;
    }
    Err(fixture_error(format!(
        "account `{}` was not created in time",
        seed.name
    )))
}

async fn setup_member_accounts(
    aws: &Aws,
    spec: &SeedSpec,
    management_account_id: &str,
    accounts: &[SeededAccount],
) -> Result<(), AwsError> {
    let limit = Arc::new(Semaphore::new(SEED_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for (seed, account) in spec.accounts.iter().zip(accounts) {
        // The slot is taken before the task exists and finished tasks are collected as the
        // next starts: a large organization never waits as thousands of spawned setups.
        let permit = Arc::clone(&limit)
            .acquire_owned()
            .await
            .map_err(|err| fixture_error(err.to_string()))?;
        while let Some(joined) = tasks.try_join_next() {
            joined.map_err(|err| fixture_error(err.to_string()))??;
        }
        let aws = aws.clone();
        let seed = seed.clone();
        let account_id = account.id.clone();
        let role_name = spec.access_role_name.clone();
        let external_id = spec.external_id.clone();
        let management = management_account_id.to_owned();
        tasks.spawn(async move {
            let _permit = permit;
            setup_member_account(
                &aws,
                &account_id,
                &seed,
                &role_name,
                &external_id,
                &management,
            )
            .await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.map_err(|err| fixture_error(err.to_string()))??;
    }
    Ok(())
}

async fn setup_member_account(
    aws: &Aws,
    account_id: &str,
    seed: &SeedAccount,
    role_name: &str,
    external_id: &ExternalId,
    management_account_id: &str,
) -> Result<(), AwsError> {
    let admin = admin_client(aws, account_id).await?;
    let trust = match seed.access {
        AccessSeed::RequireExternalId => Some(access_trust_policy(
            aws.partition(),
            management_account_id,
            Some(external_id),
        )),
        AccessSeed::WithoutExternalId => Some(access_trust_policy(
            aws.partition(),
            management_account_id,
            None,
        )),
        AccessSeed::Missing => None,
    };
    if let Some(trust_policy) = trust {
        let role = NewRole {
            name: role_name.to_owned(),
            path: "/".to_owned(),
            trust_policy,
            description: Some("Warden reads and manages IAM through this role".to_owned()),
            ..NewRole::default()
        };
        create_role_with_policies(
            &admin,
            &role,
            &[("WardenIamAccess", ACCESS_ROLE_POLICY)],
            &[],
        )
        .await?;
    }
    let boundary_arn = match (&seed.extra_role_boundary, seed.extra_roles) {
        (Some(policy), 1..) => Some(admin.create_policy(policy).await?),
        _ => None,
    };
    for index in 0..seed.extra_roles {
        let mut tags = seed.extra_role_tags.clone();
        tags.insert("team".to_owned(), "bench".to_owned());
        let role = NewRole {
            name: format!("app-role-{index}"),
            path: "/app/".to_owned(),
            trust_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.to_owned(),
            description: Some(format!("benchmark workload role {index}")),
            permissions_boundary_arn: boundary_arn.clone(),
            tags,
            ..NewRole::default()
        };
        let document = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::bench-{index}","arn:aws:s3:::bench-{index}/*"]}}]}}"#
        );
        create_role_with_policies(&admin, &role, &[("data-access", &document)], &[]).await?;
    }
    Ok(())
}

/// Users, groups and account settings for snapshot tests: user `ops` (console password, an
/// access key, a virtual MFA device, member of `admins`), group `admins` (inline and attached
/// policy), a password policy, an OIDC provider, a SAML provider and a service-linked role. Returns the access key's
/// id (the fixture's own; the secret is dropped).
pub async fn seed_identities(client: &AccountClient, policy_arn: &str) -> Result<String, AwsError> {
    let iam = &client.iam;
    iam.create_group()
        .group_name("admins")
        .path("/ops/")
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "CreateGroup", e))?;
    iam.put_group_policy()
        .group_name("admins")
        .policy_name("read")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#)
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "PutGroupPolicy", e))?;
    iam.attach_group_policy()
        .group_name("admins")
        .policy_arn(policy_arn)
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "AttachGroupPolicy", e))?;
    iam.create_user()
        .user_name("ops")
        .path("/people/")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("platform")
                .build()
                .map_err(|e| fixture_error(e.to_string()))?,
        )
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "CreateUser", e))?;
    iam.add_user_to_group()
        .group_name("admins")
        .user_name("ops")
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "AddUserToGroup", e))?;
    iam.create_login_profile()
        .user_name("ops")
        .password("Fixture-Only-Password-1!")
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "CreateLoginProfile", e))?;
    let key = iam
        .create_access_key()
        .user_name("ops")
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "CreateAccessKey", e))?;
    let key_id = key
        .access_key()
        .map(|key| key.access_key_id().to_owned())
        .unwrap_or_default();
    let device = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("ops")
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "CreateVirtualMFADevice", e))?;
    let serial = device
        .virtual_mfa_device()
        .map(|d| d.serial_number().to_owned())
        .unwrap_or_default();
    iam.enable_mfa_device()
        .user_name("ops")
        .serial_number(serial)
        .authentication_code1("123456")
        .authentication_code2("654321")
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "EnableMFADevice", e))?;
    iam.update_account_password_policy()
        .minimum_password_length(14)
        .require_symbols(true)
        .require_numbers(true)
        .max_password_age(90)
        .password_reuse_prevention(24)
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "UpdateAccountPasswordPolicy", e))?;
    iam.create_open_id_connect_provider()
        .url("https://token.actions.githubusercontent.com")
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("6938fd4d98bab03faadb97b34396831e3780aea1")
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "CreateOpenIDConnectProvider", e))?;
    iam.create_saml_provider()
        .name("corp-idp")
        .saml_metadata_document(SAML_METADATA)
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "CreateSAMLProvider", e))?;
    iam.create_service_linked_role()
        .aws_service_name("autoscaling.amazonaws.com")
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "CreateServiceLinkedRole", e))?;
    Ok(key_id)
}

/// A user who can sign in to the console with a password and has no MFA device, no access key
/// and no policy: the posture tests' planted case for a console user without MFA.
pub async fn seed_console_user(client: &AccountClient, name: &str) -> Result<(), AwsError> {
    let iam = &client.iam;
    iam.create_user()
        .user_name(name)
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "CreateUser", e))?;
    iam.create_login_profile()
        .user_name(name)
        .password("Fixture-Only-Password-2!")
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "CreateLoginProfile", e))?;
    Ok(())
}

/// The account password policy the posture rules ask for by default: 14 characters, every
/// character class, expiry after 90 days, 24 passwords remembered.
pub async fn set_strong_password_policy(client: &AccountClient) -> Result<(), AwsError> {
    client
        .iam
        .update_account_password_policy()
        .minimum_password_length(14)
        .require_symbols(true)
        .require_numbers(true)
        .require_uppercase_characters(true)
        .require_lowercase_characters(true)
        .max_password_age(90)
        .password_reuse_prevention(24)
        .send()
        .await
        .map_err(|e| api_error(&client.account_id, "UpdateAccountPasswordPolicy", e))?;
    Ok(())
}

const SAML_METADATA: &str = r#"<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_under_root() {
        assert_eq!(normalize_path("Workloads/Prod"), "Root/Workloads/Prod");
        assert_eq!(normalize_path("/Root/Workloads/"), "Root/Workloads");
        assert_eq!(normalize_path("Root"), "Root");
        assert_eq!(normalize_path(""), "Root");
    }

    #[test]
    fn access_trust_policy_carries_the_condition_only_when_asked() {
        let id = ExternalId::new("ext-123").unwrap();
        let with = access_trust_policy(Partition::Aws, "123456789012", Some(&id));
        assert!(crate::trust::check_external_id(&with, &id).is_ok());
        let without = access_trust_policy(Partition::Aws, "123456789012", None);
        assert!(crate::trust::check_external_id(&without, &id).is_err());
        assert!(with.contains("arn:aws:iam::123456789012:root"));
    }
}
