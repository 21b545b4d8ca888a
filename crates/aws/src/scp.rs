//! Service control policies, read and changed with management-account credentials.
//!
//! Reads: ListPolicies (SERVICE_CONTROL_POLICY) pages, then per SCP DescribePolicy and
//! ListTargetsForPolicy.

use aws_sdk_organizations::types::PolicyType;
use warden_plan::live::LiveScp;

use warden_policy::decode_document;

use crate::client::Aws;
use crate::err::{AwsError, CALLER, api_error, found};

impl Aws {
    /// Every SCP with its content and targets, sorted by name.
    pub async fn read_scps(&self) -> Result<Vec<LiveScp>, AwsError> {
        self.read_organization_policies(PolicyType::ServiceControlPolicy, "SCP")
            .await
    }

    /// Every policy of one Organizations type (SCPs, RCPs) with its content and targets, sorted
    /// by name.
    pub(crate) async fn read_organization_policies(
        &self,
        policy_type: PolicyType,
        label: &str,
    ) -> Result<Vec<LiveScp>, AwsError> {
        let mut pages = self
            .organizations
            .list_policies()
            .filter(policy_type)
            .into_paginator()
            .send();
        let mut summaries = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| api_error(CALLER, "ListPolicies", err))?;
            summaries.extend(page.policies().iter().cloned());
        }
        let mut policies = Vec::with_capacity(summaries.len());
        for summary in summaries {
            let Some(id) = summary.id().map(str::to_owned) else {
                continue;
            };
            let described = self
                .organizations
                .describe_policy()
                .policy_id(&id)
                .send()
                .await
                .map_err(|err| api_error(CALLER, "DescribePolicy", err))?;
            let raw = described
                .policy()
                .and_then(|policy| policy.content())
                .unwrap_or_default();
            let content = decode_document(raw).map_err(|err| AwsError::Document {
                account_id: CALLER.to_owned(),
                what: format!("{label} `{id}`"),
                message: err.to_string(),
            })?;
            policies.push(LiveScp {
                name: summary.name().unwrap_or_default().to_owned(),
                description: summary.description().unwrap_or_default().to_owned(),
                content,
                aws_managed: summary.aws_managed(),
                targets: self.scp_targets(&id).await?,
                id,
            });
        }
        policies.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(policies)
    }

    /// One SCP by id with its content and targets (DescribePolicy, ListTargetsForPolicy), read
    /// right before a write to it; `None` when it does not exist.
    pub async fn read_scp(&self, policy_id: &str) -> Result<Option<LiveScp>, AwsError> {
        let Some(described) = found(
            self.organizations
                .describe_policy()
                .policy_id(policy_id)
                .send()
                .await,
            |e| e.is_policy_not_found_exception(),
            CALLER,
            "DescribePolicy",
        )?
        else {
            return Ok(None);
        };
        let Some(policy) = described.policy() else {
            return Ok(None);
        };
        let summary = policy.policy_summary();
        let raw = policy.content().unwrap_or_default();
        let content = decode_document(raw).map_err(|err| AwsError::Document {
            account_id: CALLER.to_owned(),
            what: format!("SCP `{policy_id}`"),
            message: err.to_string(),
        })?;
        Ok(Some(LiveScp {
            id: policy_id.to_owned(),
            name: summary
                .and_then(|s| s.name())
                .unwrap_or_default()
                .to_owned(),
            description: summary
                .and_then(|s| s.description())
                .unwrap_or_default()
                .to_owned(),
            content,
            aws_managed: summary.is_some_and(|s| s.aws_managed()),
            targets: self.scp_targets(policy_id).await?,
        }))
    }

    async fn scp_targets(&self, policy_id: &str) -> Result<Vec<String>, AwsError> {
        let mut pages = self
            .organizations
            .list_targets_for_policy()
            .policy_id(policy_id)
            .into_paginator()
            .send();
        let mut targets = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| api_error(CALLER, "ListTargetsForPolicy", err))?;
            targets.extend(
                page.targets()
                    .iter()
                    .filter_map(|target| target.target_id().map(str::to_owned)),
            );
        }
        targets.sort();
        Ok(targets)
    }

    /// Creates an SCP and returns its id. Send minified JSON: AWS counts whitespace in the
    /// 5,120-character limit.
    pub async fn create_scp(
        &self,
        name: &str,
        description: &str,
        content: &str,
    ) -> Result<String, AwsError> {
        let out = self
            .organizations
            .create_policy()
            .name(name)
            .description(description)
            .content(content)
            .r#type(PolicyType::ServiceControlPolicy)
            .send()
            .await
            .map_err(|err| api_error(CALLER, "CreatePolicy", err))?;
        out.policy()
            .and_then(|policy| policy.policy_summary())
            .and_then(|summary| summary.id())
            .map(str::to_owned)
            .ok_or_else(|| AwsError::missing(CALLER, "CreatePolicy", "PolicySummary.Id"))
    }

    /// Changes the fields given.
    pub async fn update_scp(
        &self,
        policy_id: &str,
        name: Option<&str>,
        description: Option<&str>,
        content: Option<&str>,
    ) -> Result<(), AwsError> {
        self.organizations
            .update_policy()
            .policy_id(policy_id)
            .set_name(name.map(str::to_owned))
            .set_description(description.map(str::to_owned))
            .set_content(content.map(str::to_owned))
            .send()
            .await
            .map_err(|err| api_error(CALLER, "UpdatePolicy", err))?;
        Ok(())
    }

    /// Attaches to a root (`r-…`), OU (`ou-…`) or account id.
    pub async fn attach_scp(&self, policy_id: &str, target_id: &str) -> Result<(), AwsError> {
        self.organizations
            .attach_policy()
            .policy_id(policy_id)
            .target_id(target_id)
            .send()
            .await
            .map_err(|err| api_error(CALLER, "AttachPolicy", err))?;
        Ok(())
    }

    pub async fn detach_scp(&self, policy_id: &str, target_id: &str) -> Result<(), AwsError> {
        self.organizations
            .detach_policy()
            .policy_id(policy_id)
            .target_id(target_id)
            .send()
            .await
            .map_err(|err| api_error(CALLER, "DetachPolicy", err))?;
        Ok(())
    }

    /// Deletes an SCP; AWS refuses while it is attached, so detach first.
    pub async fn delete_scp(&self, policy_id: &str) -> Result<(), AwsError> {
        self.organizations
            .delete_policy()
            .policy_id(policy_id)
            .send()
            .await
            .map_err(|err| api_error(CALLER, "DeletePolicy", err))?;
        Ok(())
    }
}
