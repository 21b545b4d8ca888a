//! One change of a plan as the IAM calls that make it in a member account.

use warden_plan::change::Change;

use crate::account::AccountClient;
use crate::apply::{NewManagedPolicy, NewRole};
use crate::err::AwsError;

fn wrong_target(account_id: &str, change: &Change) -> AwsError {
    AwsError::Api {
        account_id: account_id.to_string(),
        operation: "Apply",
        code: None,
        message: format!("`{change}` is an SCP change in an account plan"),
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
            Change::CreateScp { .. }
            | Change::UpdateScp { .. }
            | Change::AttachScp { .. }
            | Change::DetachScp { .. }
            | Change::DeleteScp { .. } => Err(wrong_target(client.account_id(), change)),
        }
    }
}
