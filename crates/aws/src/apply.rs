//! Changing IAM in one account. Each primitive is one API call or a short safe sequence, and
//! every one refuses to touch the role the client acts through.

use std::collections::BTreeMap;

use aws_sdk_iam::types::Tag;

use crate::account::AccountClient;
use crate::err::{AwsError, api_error};
use crate::read::version_number;

/// A role to create, complete: created in one CreateRole call so it is never half-made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewRole {
    pub name: String,
    pub path: String,
    /// Trust policy JSON.
    pub trust_policy: String,
    pub description: Option<String>,
    /// Seconds (3600–43200).
    pub max_session_duration: Option<u32>,
    pub permissions_boundary_arn: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// A customer managed policy to create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewManagedPolicy {
    pub name: String,
    pub path: String,
    pub document: String,
    pub description: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// Versions IAM keeps per managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;

fn sdk_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, String> {
    tags.iter()
        .map(|(key, value)| {
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|err| err.to_string())
        })
        .collect()
}

fn path_or_root(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}

impl AccountClient {
    fn tags(
        &self,
        tags: &BTreeMap<String, String>,
        operation: &'static str,
    ) -> Result<Vec<Tag>, AwsError> {
        sdk_tags(tags).map_err(|message| AwsError::Api {
            account_id: self.account_id.clone(),
            operation,
            code: None,
            message,
        })
    }

    /// CreateRole with trust, path, description, max session, boundary and tags. Returns the ARN.
    pub async fn create_role(&self, role: &NewRole) -> Result<String, AwsError> {
        self.guard(&role.name)?;
        let out = self
            .iam
            .create_role()
            .role_name(&role.name)
            .path(path_or_root(&role.path))
            .assume_role_policy_document(&role.trust_policy)
            .set_description(role.description.clone())
            .set_max_session_duration(
                role.max_session_duration
                    .map(|seconds| i32::try_from(seconds).unwrap_or(i32::MAX)),
            )
            .set_permissions_boundary(role.permissions_boundary_arn.clone())
            .set_tags(Some(self.tags(&role.tags, "CreateRole")?).filter(|tags| !tags.is_empty()))
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "CreateRole", err))?;
        Ok(out
            .role()
            .map(|role| role.arn().to_owned())
            .unwrap_or_default())
    }

    pub async fn update_assume_role_policy(
        &self,
        role_name: &str,
        trust_policy: &str,
    ) -> Result<(), AwsError> {
        self.guard(role_name)?;
        self.iam
            .update_assume_role_policy()
            .role_name(role_name)
            .policy_document(trust_policy)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "UpdateAssumeRolePolicy", err))?;
        Ok(())
    }

    /// UpdateRole: description (empty string clears it) and max session duration in seconds.
    pub async fn update_role(
        &self,
        role_name: &str,
        description: Option<&str>,
        max_session_duration: Option<u32>,
    ) -> Result<(), AwsError> {
        self.guard(role_name)?;
        self.iam
            .update_role()
            .role_name(role_name)
            .set_description(description.map(str::to_owned))
            .set_max_session_duration(
                max_session_duration.map(|seconds| i32::try_from(seconds).unwrap_or(i32::MAX)),
            )
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "UpdateRole", err))?;
        Ok(())
    }

    pub async fn put_role_policy(
        &self,
        role_name: &str,
        policy_name: &str,
        document: &str,
    ) -> Result<(), AwsError> {
        self.guard(role_name)?;
        self.iam
            .put_role_policy()
            .role_name(role_name)
            .policy_name(policy_name)
            .policy_document(document)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "PutRolePolicy", err))?;
        Ok(())
    }

    pub async fn delete_role_policy(
        &self,
        role_name: &str,
        policy_name: &str,
    ) -> Result<(), AwsError> {
        self.guard(role_name)?;
        self.iam
            .delete_role_policy()
            .role_name(role_name)
            .policy_name(policy_name)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "DeleteRolePolicy", err))?;
        Ok(())
    }

    pub async fn attach_role_policy(
        &self,
        role_name: &str,
        policy_arn: &str,
    ) -> Result<(), AwsError> {
        self.guard(role_name)?;
        self.iam
            .attach_role_policy()
            .role_name(role_name)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "AttachRolePolicy", err))?;
        Ok(())
    }

    pub async fn detach_role_policy(
        &self,
        role_name: &str,
        policy_arn: &str,
    ) -> Result<(), AwsError> {
        self.guard(role_name)?;
        self.iam
            .detach_role_policy()
            .role_name(role_name)
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "DetachRolePolicy", err))?;
        Ok(())
    }

    pub async fn put_role_permissions_boundary(
        &self,
        role_name: &str,
        boundary_arn: &str,
    ) -> Result<(), AwsError> {
        self.guard(role_name)?;
        self.iam
            .put_role_permissions_boundary()
            .role_name(role_name)
            .permissions_boundary(boundary_arn)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "PutRolePermissionsBoundary", err))?;
        Ok(())
    }

    pub async fn delete_role_permissions_boundary(&self, role_name: &str) -> Result<(), AwsError> {
        self.guard(role_name)?;
        self.iam
            .delete_role_permissions_boundary()
            .role_name(role_name)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "DeleteRolePermissionsBoundary", err))?;
        Ok(())
    }

    /// TagPolicy on a customer managed policy (adoption: the marker tag, nothing else).
    pub async fn tag_policy(
        &self,
        policy_arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        if tags.is_empty() {
            return Ok(());
        }
        self.iam
            .tag_policy()
            .policy_arn(policy_arn)
            .set_tags(Some(self.tags(tags, "TagPolicy")?))
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "TagPolicy", err))?;
        Ok(())
    }

    pub async fn untag_policy(&self, policy_arn: &str, keys: &[String]) -> Result<(), AwsError> {
        if keys.is_empty() {
            return Ok(());
        }
        self.iam
            .untag_policy()
            .policy_arn(policy_arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "UntagPolicy", err))?;
        Ok(())
    }

    pub async fn tag_role(
        &self,
        role_name: &str,
        tags: &BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        self.guard(role_name)?;
        if tags.is_empty() {
            return Ok(());
        }
        self.iam
            .tag_role()
            .role_name(role_name)
            .set_tags(Some(self.tags(tags, "TagRole")?))
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "TagRole", err))?;
        Ok(())
    }

    pub async fn untag_role(&self, role_name: &str, keys: &[String]) -> Result<(), AwsError> {
        self.guard(role_name)?;
        if keys.is_empty() {
            return Ok(());
        }
        self.iam
            .untag_role()
            .role_name(role_name)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "UntagRole", err))?;
        Ok(())
    }

    /// Deletes a role and what IAM requires gone first: inline policies, attached policies,
    /// instance profile memberships, the boundary is dropped with the role.
    pub async fn delete_role(&self, role_name: &str) -> Result<(), AwsError> {
        self.guard(role_name)?;
        let mut inline = self
            .iam
            .list_role_policies()
            .role_name(role_name)
            .into_paginator()
            .send();
        let mut inline_names = Vec::new();
        while let Some(page) = inline.next().await {
            let page = page.map_err(|err| api_error(&self.account_id, "ListRolePolicies", err))?;
            inline_names.extend(page.policy_names().iter().cloned());
        }
        for name in inline_names {
            self.delete_role_policy(role_name, &name).await?;
        }
        let mut attached = self
            .iam
            .list_attached_role_policies()
            .role_name(role_name)
            .into_paginator()
            .send();
        let mut arns = Vec::new();
        while let Some(page) = attached.next().await {
            let page =
                page.map_err(|err| api_error(&self.account_id, "ListAttachedRolePolicies", err))?;
            arns.extend(
                page.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_owned)),
            );
        }
        for arn in arns {
            self.detach_role_policy(role_name, &arn).await?;
        }
        let mut profiles = self
            .iam
            .list_instance_profiles_for_role()
            .role_name(role_name)
            .into_paginator()
            .send();
        let mut profile_names = Vec::new();
        while let Some(page) = profiles.next().await {
            let page = page
                .map_err(|err| api_error(&self.account_id, "ListInstanceProfilesForRole", err))?;
            profile_names.extend(
                page.instance_profiles()
                    .iter()
                    .map(|p| p.instance_profile_name().to_owned()),
            );
        }
        for profile in profile_names {
            self.iam
                .remove_role_from_instance_profile()
                .instance_profile_name(&profile)
                .role_name(role_name)
                .send()
                .await
                .map_err(|err| api_error(&self.account_id, "RemoveRoleFromInstanceProfile", err))?;
        }
        self.iam
            .delete_role()
            .role_name(role_name)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "DeleteRole", err))?;
        Ok(())
    }

    /// CreatePolicy with tags. Returns the ARN.
    pub async fn create_policy(&self, policy: &NewManagedPolicy) -> Result<String, AwsError> {
        let out = self
            .iam
            .create_policy()
            .policy_name(&policy.name)
            .path(path_or_root(&policy.path))
            .policy_document(&policy.document)
            .set_description(policy.description.clone())
            .set_tags(
                Some(self.tags(&policy.tags, "CreatePolicy")?).filter(|tags| !tags.is_empty()),
            )
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "CreatePolicy", err))?;
        out.policy()
            .and_then(|policy| policy.arn())
            .map(str::to_owned)
            .ok_or_else(|| AwsError::missing(&self.account_id, "CreatePolicy", "Policy.Arn"))
    }

    /// Version ids of a managed policy, oldest first, with the default flag.
    async fn policy_versions(&self, policy_arn: &str) -> Result<Vec<(String, bool)>, AwsError> {
        let mut pages = self
            .iam
            .list_policy_versions()
            .policy_arn(policy_arn)
            .into_paginator()
            .send();
        let mut versions = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|err| api_error(&self.account_id, "ListPolicyVersions", err))?;
            versions.extend(page.versions().iter().filter_map(|version| {
                version
                    .version_id()
                    .map(|id| (id.to_owned(), version.is_default_version()))
            }));
        }
        versions.sort_by_key(|(id, _)| version_number(id));
        Ok(versions)
    }

    async fn delete_policy_version(
        &self,
        policy_arn: &str,
        version_id: &str,
    ) -> Result<(), AwsError> {
        self.iam
            .delete_policy_version()
            .policy_arn(policy_arn)
            .version_id(version_id)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "DeletePolicyVersion", err))?;
        Ok(())
    }

    /// A new default version; when five versions exist, the oldest non-default one is deleted
    /// first. Returns the new version id.
    pub async fn create_policy_version(
        &self,
        policy_arn: &str,
        document: &str,
    ) -> Result<String, AwsError> {
        let versions = self.policy_versions(policy_arn).await?;
        if versions.len() >= MAX_POLICY_VERSIONS
            && let Some((oldest, _)) = versions.iter().find(|(_, is_default)| !is_default)
        {
            self.delete_policy_version(policy_arn, oldest).await?;
        }
        let out = self
            .iam
            .create_policy_version()
            .policy_arn(policy_arn)
            .policy_document(document)
            .set_as_default(true)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "CreatePolicyVersion", err))?;
        out.policy_version()
            .and_then(|version| version.version_id())
            .map(str::to_owned)
            .ok_or_else(|| AwsError::missing(&self.account_id, "CreatePolicyVersion", "VersionId"))
    }

    /// Deletes a customer managed policy: refuses while attached (AWS does too; emulators may
    /// not), deletes non-default versions, then the policy.
    pub async fn delete_policy(&self, policy_arn: &str) -> Result<(), AwsError> {
        let out = self
            .iam
            .get_policy()
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "GetPolicy", err))?;
        let attachments = out
            .policy()
            .and_then(|policy| policy.attachment_count())
            .and_then(|count| u32::try_from(count).ok())
            .unwrap_or(0);
        if attachments > 0 {
            return Err(AwsError::PolicyAttached {
                account_id: self.account_id.clone(),
                policy_arn: policy_arn.to_owned(),
                attachments,
            });
        }
        for (version_id, is_default) in self.policy_versions(policy_arn).await? {
            if !is_default {
                self.delete_policy_version(policy_arn, &version_id).await?;
            }
        }
        self.iam
            .delete_policy()
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|err| api_error(&self.account_id, "DeletePolicy", err))?;
        Ok(())
    }
}
