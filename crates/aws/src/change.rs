//! One change of a plan as the IAM calls that make it in a member account.

use std::collections::BTreeMap;

use warden_plan::change::Change;
use warden_plan::live::{LiveManagedPolicy, LiveRole};
use warden_plan::recheck::{LiveObject, ObjectRef};

use warden_policy::{decode_document, equivalent, parse_policy};

use crate::account::{AccountClient, is_expired_token};
use crate::apply::{NewManagedPolicy, NewRole};
use crate::err::{AwsError, api_error, found};

/// How a write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// AWS answered that it was done.
    Answered,
    /// The answer was lost or was an error a retry of a write that did happen would give
    /// (`EntityAlreadyExists`, `LimitExceeded`, `NoSuchEntity` on a delete, a 5xx, a dropped
    /// connection); a read afterwards found the wanted state.
    Rechecked,
}

fn wrong_target(account_id: &str, change: &Change) -> AwsError {
    AwsError::Api {
        account_id: account_id.to_string(),
        operation: "Apply",
        code: None,
        message: format!("`{change}` is an SCP change in an account plan"),
    }
}

/// Whether a failed write may have happened anyway: no answer (dropped connection, timeout),
/// a server error, or what the SDK's retry of a write that did happen gets back.
fn ambiguous(err: &AwsError) -> bool {
    let AwsError::Api { code, .. } = err else {
        return false;
    };
    match code.as_deref() {
        None => true,
        Some(code) => matches!(
            code,
            "EntityAlreadyExists"
                | "DuplicatePolicyException"
                | "LimitExceeded"
                | "LimitExceededException"
                | "NoSuchEntity"
                | "InternalFailure"
                | "ServiceFailure"
                | "ServiceUnavailable"
                | "InternalError"
                | "Throttling"
                | "RequestLimitExceeded"
        ),
    }
}

fn same_document(live: &str, wanted: &str) -> bool {
    let live = decode_document(live).unwrap_or_else(|_| live.to_owned());
    match (parse_policy(&live), parse_policy(wanted)) {
        (Ok(live), Ok(wanted)) => equivalent(&live, &wanted),
        _ => false,
    }
}

impl AccountClient {
    /// One account change of a plan as IAM calls in this account; an SCP change is an error.
    pub async fn apply_change(&self, change: &Change) -> Result<(), AwsError> {
        let client = self;
        match change {
            Change::CreatePolicy {
                name,
                path,
                description,
                document,
                tags,
                ..
            } => {
                let policy = NewManagedPolicy {
                    name: name.clone(),
                    path: path.clone(),
                    document: document.clone(),
                    description: Some(description.clone()),
                    tags: tags.clone(),
                };
                client.create_policy(&policy).await.map(drop)
            }
            // The primitive re-lists versions and prunes the oldest non-default one itself.
            Change::CreatePolicyVersion { arn, document, .. } => {
                client.create_policy_version(arn, document).await.map(drop)
            }
            Change::DeletePolicy { arn, .. } => client.delete_policy(arn).await,
            Change::CreateRole {
                name,
                path,
                description,
                trust,
                boundary_arn,
                tags,
                max_session_duration,
            } => {
                let role = NewRole {
                    name: name.clone(),
                    path: path.clone(),
                    trust_policy: trust.clone(),
                    description: Some(description.clone()).filter(|d| !d.is_empty()),
                    max_session_duration: Some(*max_session_duration),
                    permissions_boundary_arn: boundary_arn.clone(),
                    tags: tags.clone(),
                };
                client.create_role(&role).await.map(drop)
            }
            Change::UpdateTrust { role, document, .. } => {
                client.update_assume_role_policy(role, document).await
            }
            Change::UpdateRole {
                role,
                description,
                max_session_duration,
            } => {
                client
                    .update_role(role, Some(description), Some(*max_session_duration))
                    .await
            }
            Change::PutInlinePolicy {
                role,
                policy_name,
                document,
                ..
            } => client.put_role_policy(role, policy_name, document).await,
            Change::DeleteInlinePolicy { role, policy_name } => {
                client.delete_role_policy(role, policy_name).await
            }
            Change::AttachPolicy { role, arn } => client.attach_role_policy(role, arn).await,
            Change::DetachPolicy { role, arn } => client.detach_role_policy(role, arn).await,
            Change::PutBoundary { role, arn } => {
                client.put_role_permissions_boundary(role, arn).await
            }
            Change::DeleteBoundary { role } => client.delete_role_permissions_boundary(role).await,
            Change::TagRole { role, tags } => client.tag_role(role, tags).await,
            Change::UntagRole { role, keys } => client.untag_role(role, keys).await,
            Change::DeleteRole { role } => client.delete_role(role).await,
            Change::AdoptRole { role, tags } => client.tag_role(role, tags).await,
            Change::AdoptPolicy { arn, tags } | Change::TagPolicy { arn, tags } => {
                client.tag_policy(arn, tags).await
            }
            Change::UntagPolicy { arn, keys } => client.untag_policy(arn, keys).await,
            Change::CreateScp { .. }
            | Change::UpdateScp { .. }
            | Change::AttachScp { .. }
            | Change::DetachScp { .. }
            | Change::DeleteScp { .. }
            | Change::AdoptScp { .. } => Err(wrong_target(client.account_id(), change)),
        }
    }

    /// [`AccountClient::apply_change`] that survives lost answers: when a write fails in a way
    /// that leaves its effect unknown, the object is read back, and the change counts as done
    /// ([`WriteOutcome::Rechecked`]) when the live state is what the change makes. Otherwise
    /// the error says the outcome was unknown and the re-check found it not applied.
    pub async fn apply_change_rechecked(&self, change: &Change) -> Result<WriteOutcome, AwsError> {
        let mut result = self.apply_change(change).await;
        if let Err(err) = &result
            && is_expired_token(err)
        {
            // The session ran out mid-apply: renew it (same ExternalId) and try once more.
            self.session.invalidate();
            result = self.apply_change(change).await;
        }
        let err = match result {
            Ok(()) => return Ok(WriteOutcome::Answered),
            Err(err) if ambiguous(&err) => err,
            Err(err) => return Err(err),
        };
        match self.is_in_effect(change).await {
            Ok(true) => {
                tracing::info!(
                    account = %self.account_id,
                    "`{change}`: outcome unknown ({err}); re-checked: applied"
                );
                Ok(WriteOutcome::Rechecked)
            }
            Ok(false) => Err(unknown_not_applied(err)),
            Err(read) => Err(AwsError::Api {
                account_id: self.account_id.clone(),
                operation: "Recheck",
                code: read.code().map(str::to_owned),
                message: format!("outcome unknown ({err}); the re-check failed too: {read}"),
            }),
        }
    }

    /// Whether the live state already is what `change` makes (for the writes whose retry can
    /// fail although the first attempt succeeded).
    async fn is_in_effect(&self, change: &Change) -> Result<bool, AwsError> {
        match change {
            Change::CreateRole {
                name,
                path,
                trust,
                boundary_arn,
                ..
            } => {
                let Some(role) = self.get_role_opt(name).await? else {
                    return Ok(false);
                };
                let wanted_path = if path.is_empty() { "/" } else { path.as_str() };
                Ok(role.path() == wanted_path
                    && role
                        .assume_role_policy_document()
                        .is_some_and(|live| same_document(live, trust))
                    && role
                        .permissions_boundary()
                        .and_then(|b| b.permissions_boundary_arn())
                        == boundary_arn.as_deref())
            }
            Change::CreatePolicy {
                name,
                path,
                document,
                ..
            } => {
                let arn = self.policy_arn(if path.is_empty() { "/" } else { path }, name);
                self.default_version_is(&arn, document).await
            }
            Change::CreatePolicyVersion { arn, document, .. } => {
                self.default_version_is(arn, document).await
            }
            Change::DeleteRole { role } => Ok(self.get_role_opt(role).await?.is_none()),
            Change::DeletePolicy { arn, .. } => Ok(self.default_document(arn).await?.is_none()),
            _ => Ok(false),
        }
    }

    /// The one object a change writes, read now for the re-check right before the write:
    /// a role costs GetRole, ListRolePolicies, ListAttachedRolePolicies and one GetRolePolicy
    /// per inline policy; a managed policy GetPolicy, GetPolicyVersion and ListPolicyTags.
    /// `None` for a policy the change names by name only (a creation: IAM refuses it if the
    /// name is taken).
    pub async fn read_object(&self, object: &ObjectRef) -> Result<Option<LiveObject>, AwsError> {
        match object {
            ObjectRef::Role(name) => Ok(Some(LiveObject::Role(self.read_role(name).await?))),
            ObjectRef::Policy { arn: Some(arn), .. } => {
                Ok(Some(LiveObject::Policy(self.read_policy(arn).await?)))
            }
            ObjectRef::Policy { arn: None, .. } => Ok(None),
        }
    }

    async fn read_role(&self, name: &str) -> Result<Option<LiveRole>, AwsError> {
        let Some(role) = self.get_role_opt(name).await? else {
            return Ok(None);
        };
        let decode = |text: &str| decode_document(text).unwrap_or_else(|_| text.to_owned());
        let mut names = Vec::new();
        let mut pages = self
            .iam
            .list_role_policies()
            .role_name(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| api_error(&self.account_id, "ListRolePolicies", err))?;
            names.extend(page.policy_names().iter().cloned());
        }
        let mut inline_policies = BTreeMap::new();
        for policy_name in names {
            let out = self
                .iam
                .get_role_policy()
                .role_name(name)
                .policy_name(&policy_name)
                .send()
                .await
                .map_err(|err| api_error(&self.account_id, "GetRolePolicy", err))?;
            inline_policies.insert(policy_name, decode(out.policy_document()));
        }
        let mut attached_policy_arns = Vec::new();
        let mut pages = self
            .iam
            .list_attached_role_policies()
            .role_name(name)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|err| api_error(&self.account_id, "ListAttachedRolePolicies", err))?;
            attached_policy_arns.extend(
                page.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_owned)),
            );
        }
        Ok(Some(LiveRole {
            name: role.role_name().to_owned(),
            path: role.path().to_owned(),
            arn: role.arn().to_owned(),
            role_id: role.role_id().to_owned(),
            trust_policy: role
                .assume_role_policy_document()
                .map(decode)
                .unwrap_or_default(),
            description: role.description().map(str::to_owned),
            max_session_duration: role
                .max_session_duration()
                .and_then(|seconds| u32::try_from(seconds).ok()),
            permissions_boundary_arn: role
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_owned),
            tags: crate::read::tag_map(role.tags()),
            inline_policies,
            attached_policy_arns,
            created: None,
            role_last_used: None,
        }))
    }

    async fn read_policy(&self, arn: &str) -> Result<Option<LiveManagedPolicy>, AwsError> {
        let Some(policy) = self.get_policy_opt(arn).await? else {
            return Ok(None);
        };
        let default_version_id = policy.default_version_id().unwrap_or_default().to_owned();
        let document = self
            .version_document(arn, &default_version_id)
            .await?
            .unwrap_or_default();
        let mut read = [LiveManagedPolicy {
            name: policy.policy_name().unwrap_or_default().to_owned(),
            path: policy.path().unwrap_or("/").to_owned(),
            arn: arn.to_owned(),
            policy_id: policy.policy_id().unwrap_or_default().to_owned(),
            description: policy.description().map(str::to_owned),
            default_version_id,
            document: decode_document(&document).unwrap_or(document),
            versions: Vec::new(),
            tags: BTreeMap::new(),
            attachment_count: policy
                .attachment_count()
                .and_then(|count| u32::try_from(count).ok())
                .unwrap_or(0),
            permissions_boundary_usage_count: policy
                .permissions_boundary_usage_count()
                .and_then(|count| u32::try_from(count).ok())
                .unwrap_or(0),
            created: None,
            updated: None,
        }];
        self.read_unmarked_policy_tags(&mut read).await?;
        let [policy] = read;
        Ok(Some(policy))
    }

    async fn get_role_opt(&self, name: &str) -> Result<Option<aws_sdk_iam::types::Role>, AwsError> {
        let out = found(
            self.iam.get_role().role_name(name).send().await,
            |e| e.is_no_such_entity_exception(),
            &self.account_id,
            "GetRole",
        )?;
        Ok(out.and_then(|out| out.role().cloned()))
    }

    async fn get_policy_opt(
        &self,
        arn: &str,
    ) -> Result<Option<aws_sdk_iam::types::Policy>, AwsError> {
        let out = found(
            self.iam.get_policy().policy_arn(arn).send().await,
            |e| e.is_no_such_entity_exception(),
            &self.account_id,
            "GetPolicy",
        )?;
        Ok(out.and_then(|out| out.policy().cloned()))
    }

    /// The default version's document of a managed policy; `None` when the policy is gone.
    async fn default_document(&self, arn: &str) -> Result<Option<String>, AwsError> {
        let policy = self.get_policy_opt(arn).await?;
        let Some(version) = policy.as_ref().and_then(|p| p.default_version_id()) else {
            return Ok(None);
        };
        self.version_document(arn, version).await
    }

    async fn version_document(&self, arn: &str, version: &str) -> Result<Option<String>, AwsError> {
        if version.is_empty() {
            return Ok(None);
        }
        let out = self
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "GetPolicyVersion", err))?;
        Ok(out
            .policy_version()
            .and_then(|v| v.document())
            .map(str::to_owned))
    }

    async fn default_version_is(&self, arn: &str, wanted: &str) -> Result<bool, AwsError> {
        Ok(self
            .default_document(arn)
            .await?
            .is_some_and(|live| same_document(&live, wanted)))
    }
}

fn unknown_not_applied(err: AwsError) -> AwsError {
    match err {
        AwsError::Api {
            account_id,
            operation,
            code,
            message,
        } => AwsError::Api {
            account_id,
            operation,
            code,
            message: format!("outcome unknown, re-checked: not applied ({message})"),
        },
        other => other,
    }
}
