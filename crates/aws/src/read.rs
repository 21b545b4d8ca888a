//! Reading one account's live IAM with the fewest calls.
//!
//! Calls per account: GetAccountAuthorizationDetails (Filter Role + LocalManagedPolicy; one
//! page per ~100 entities, AWS paginates with Marker) and ListRoles (one page per 1,000 roles)
//! for the two role fields GAAD lacks: Description and MaxSessionDuration. With AssumeRole and
//! the trust check (GetRole) that is 4 calls, 3 of them IAM reads, for a typical account.
//! Managed policy tags are read for every customer managed policy (one ListPolicyTags each):
//! adopted policies are marked by their tag alone, and tags in definitions are compared. The full read of a snapshot
//! (`read_full.rs`) builds roles and policies with the same functions.

use std::collections::BTreeMap;

use aws_sdk_iam::primitives::DateTime;
use aws_sdk_iam::types::{EntityType, ManagedPolicyDetail, RoleDetail, Tag};
use warden_plan::live::{
    LiveAccount, LiveManagedPolicy, LivePolicyVersion, LiveRole, RoleLastUsed,
};

use warden_policy::decode_document;

use crate::account::AccountClient;
use crate::err::{AwsError, api_error};

/// Role fields GAAD does not return.
#[derive(Debug, Default)]
pub(crate) struct RoleExtras {
    description: Option<String>,
    max_session_duration: Option<u32>,
}

impl AccountClient {
    /// Roles and customer managed policies of the account. Service-linked roles are included
    /// (marked by their path); callers decide to ignore them.
    pub async fn read_account(&self) -> Result<LiveAccount, AwsError> {
        let (details, extras) = tokio::try_join!(self.authorization_details(), self.role_extras())?;
        let (role_details, policy_details) = details;
        let mut roles = role_details
            .iter()
            .map(|detail| self.live_role(detail, &extras))
            .collect::<Result<Vec<_>, _>>()?;
        roles.sort_by(|a, b| a.name.cmp(&b.name));
        let mut policies = policy_details
            .iter()
            .map(|detail| self.live_policy(detail))
            .collect::<Result<Vec<_>, _>>()?;
        policies.sort_by(|a, b| a.name.cmp(&b.name));
        self.read_unmarked_policy_tags(&mut policies).await?;
        Ok(LiveAccount {
            account_id: self.account_id.clone(),
            roles,
            policies,
            ..LiveAccount::default()
        })
    }

    async fn authorization_details(
        &self,
    ) -> Result<(Vec<RoleDetail>, Vec<ManagedPolicyDetail>), AwsError> {
        let mut roles = Vec::new();
        let mut policies = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .iam
                .get_account_authorization_details()
                .filter(EntityType::Role)
                .filter(EntityType::LocalManagedPolicy)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|err| {
                    api_error(&self.account_id, "GetAccountAuthorizationDetails", err)
                })?;
            roles.extend(page.role_detail_list().iter().cloned());
            policies.extend(page.policies().iter().cloned());
            match (page.is_truncated(), page.marker()) {
                (true, Some(next)) if !next.is_empty() => marker = Some(next.to_owned()),
                _ => return Ok((roles, policies)),
            }
        }
    }

    /// Tags of the customer managed policies: one ListPolicyTags each. GAAD returns no policy
    /// tags; a policy Warden adopted is marked by its tag only (IAM cannot change a policy's
    /// description), and `tags:` of policy and boundary definitions are planned against them.
    pub(crate) async fn read_unmarked_policy_tags(
        &self,
        policies: &mut [LiveManagedPolicy],
    ) -> Result<(), AwsError> {
        for policy in policies.iter_mut() {
            let out = self
                .iam
                .list_policy_tags()
                .policy_arn(&policy.arn)
                .send()
                .await
                .map_err(|err| api_error(&self.account_id, "ListPolicyTags", err))?;
            policy.tags = tag_map(out.tags());
        }
        Ok(())
    }

    pub(crate) async fn role_extras(&self) -> Result<BTreeMap<String, RoleExtras>, AwsError> {
        let mut pages = self.iam.list_roles().into_paginator().send();
        let mut extras = BTreeMap::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| api_error(&self.account_id, "ListRoles", err))?;
            for role in page.roles() {
                extras.insert(
                    role.role_name().to_owned(),
                    RoleExtras {
                        description: role.description().map(str::to_owned),
                        max_session_duration: role
                            .max_session_duration()
                            .and_then(|seconds| u32::try_from(seconds).ok()),
                    },
                );
            }
        }
        Ok(extras)
    }

    pub(crate) fn decode(
        &self,
        raw: Option<&str>,
        what: impl Fn() -> String,
    ) -> Result<String, AwsError> {
        let raw = raw.unwrap_or_default();
        decode_document(raw).map_err(|err| AwsError::Document {
            account_id: self.account_id.clone(),
            what: what(),
            message: err.to_string(),
        })
    }

    /// Inline policies of a role, user or group (`owner`, e.g. "role `app`"), decoded, by name.
    pub(crate) fn inline_documents(
        &self,
        policies: &[aws_sdk_iam::types::PolicyDetail],
        owner: &str,
    ) -> Result<BTreeMap<String, String>, AwsError> {
        let mut documents = BTreeMap::new();
        for policy in policies {
            let policy_name = policy.policy_name().unwrap_or_default().to_owned();
            let document = self.decode(policy.policy_document(), || {
                format!("inline policy `{policy_name}` of {owner}")
            })?;
            documents.insert(policy_name, document);
        }
        Ok(documents)
    }

    pub(crate) fn live_role(
        &self,
        detail: &RoleDetail,
        extras: &BTreeMap<String, RoleExtras>,
    ) -> Result<LiveRole, AwsError> {
        let name = detail.role_name().unwrap_or_default().to_owned();
        let trust_policy = self.decode(detail.assume_role_policy_document(), || {
            format!("trust policy of role `{name}`")
        })?;
        let inline_policies =
            self.inline_documents(detail.role_policy_list(), &format!("role `{name}`"))?;
        let attached_policy_arns = attached_arns(detail.attached_managed_policies());
        let extra = extras.get(&name);
        Ok(LiveRole {
            path: detail.path().unwrap_or("/").to_owned(),
            arn: detail.arn().unwrap_or_default().to_owned(),
            role_id: detail.role_id().unwrap_or_default().to_owned(),
            trust_policy,
            description: extra.and_then(|extra| extra.description.clone()),
            max_session_duration: extra.and_then(|extra| extra.max_session_duration),
            permissions_boundary_arn: detail
                .permissions_boundary()
                .and_then(|boundary| boundary.permissions_boundary_arn())
                .map(str::to_owned),
            tags: tag_map(detail.tags()),
            inline_policies,
            attached_policy_arns,
            created: detail.create_date().map(timestamp),
            role_last_used: detail.role_last_used().and_then(|used| {
                let last = RoleLastUsed {
                    date: used.last_used_date().map(timestamp),
                    region: used.region().map(str::to_owned),
                };
                (last != RoleLastUsed::default()).then_some(last)
            }),
            name,
        })
    }

    pub(crate) fn live_policy(
        &self,
        detail: &ManagedPolicyDetail,
    ) -> Result<LiveManagedPolicy, AwsError> {
        // moto's GAAD omits PolicyName and PolicyId; the ARN ends with the name.
        let arn = detail.arn().unwrap_or_default();
        let name = detail
            .policy_name()
            .or_else(|| arn.rsplit('/').next())
            .unwrap_or_default()
            .to_owned();
        let default_version_id = detail.default_version_id().unwrap_or_default().to_owned();
        let mut versions = Vec::with_capacity(detail.policy_version_list().len());
        for version in detail.policy_version_list() {
            let version_id = version.version_id().unwrap_or_default().to_owned();
            let document = self.decode(version.document(), || {
                format!("version `{version_id}` of managed policy `{name}`")
            })?;
            versions.push(LivePolicyVersion {
                is_default: version.is_default_version(),
                document,
                created: version.create_date().map(timestamp),
                version_id,
            });
        }
        versions.sort_by_key(|version| version_number(&version.version_id));
        let default_raw = detail
            .policy_version_list()
            .iter()
            .find(|version| {
                version.is_default_version() || version.version_id() == Some(&default_version_id)
            })
            .and_then(|version| version.document());
        let document = self.decode(default_raw, || format!("managed policy `{name}`"))?;
        Ok(LiveManagedPolicy {
            path: detail.path().unwrap_or("/").to_owned(),
            arn: arn.to_owned(),
            policy_id: detail.policy_id().unwrap_or_default().to_owned(),
            description: detail
                .description()
                .filter(|text| !text.is_empty())
                .map(str::to_owned),
            default_version_id,
            document,
            versions,
            tags: BTreeMap::new(),
            attachment_count: count(detail.attachment_count()),
            permissions_boundary_usage_count: count(detail.permissions_boundary_usage_count()),
            created: detail.create_date().map(timestamp),
            updated: detail.update_date().map(timestamp),
            name,
        })
    }
}

/// RFC 3339 in UTC at whole seconds, the live model's timestamp form.
pub(crate) fn timestamp(at: &DateTime) -> String {
    warden_policy::date::rfc3339_utc(u64::try_from(at.secs()).unwrap_or(0))
}

fn count(value: Option<i32>) -> u32 {
    value.and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

/// `v12` → 12, so versions sort numerically.
pub(crate) fn version_number(version_id: &str) -> u64 {
    version_id
        .trim_start_matches(['v', 'V'])
        .parse()
        .unwrap_or(u64::MAX)
}

pub(crate) fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|tag| (tag.key().to_owned(), tag.value().to_owned()))
        .collect()
}

/// Attached managed policy ARNs, sorted.
pub(crate) fn attached_arns(attached: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<String> {
    let mut arns: Vec<String> = attached
        .iter()
        .filter_map(|policy| policy.policy_arn().map(str::to_owned))
        .collect();
    arns.sort();
    arns
}
