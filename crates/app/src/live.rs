//! The organization on live AWS (or an emulator): [`warden_aws::Aws`] behind the traits of
//! [`crate::source`], with the access role and read concurrency it needs.

use warden_aws::{AccessRole, AccountClient, AccountResult, Aws, OutcomeStatus, ReadRequest};
use warden_plan::Change;
use warden_plan::live::{LiveAccount, LiveScp};
use warden_spec::org::Organization;

use crate::source::{
    AccountRead, ApplyAccount, ApplyOrganization, BoxError, ProgressEvent, ReadOrganization,
    ReadResult, ReadStatus,
};

/// Live AWS: member accounts are reached through `access` (always with its ExternalId),
/// `concurrency` at a time.
#[derive(Debug, Clone)]
pub struct LiveOrganization {
    aws: Aws,
    access: AccessRole,
    concurrency: usize,
}

impl LiveOrganization {
    pub fn new(aws: Aws, access: AccessRole, concurrency: usize) -> LiveOrganization {
        LiveOrganization {
            aws,
            access,
            concurrency: concurrency.max(1),
        }
    }

    pub fn aws(&self) -> &Aws {
        &self.aws
    }
}

impl ReadOrganization for LiveOrganization {
    async fn inventory(&self) -> Result<Organization, BoxError> {
        Ok(self.aws.inventory().await?)
    }

    async fn scps(&self) -> Result<Vec<LiveScp>, BoxError> {
        Ok(self.aws.read_scps().await?)
    }

    async fn read_accounts(
        &self,
        organization: &Organization,
        only: &[String],
        progress: &(dyn Fn(ProgressEvent) + Sync),
    ) -> Vec<AccountRead> {
        let mut request = ReadRequest::new(self.access.clone(), self.concurrency);
        request.only_accounts = only.to_vec();
        let forward = |event: warden_aws::ProgressEvent| {
            progress(match event {
                warden_aws::ProgressEvent::Started { account_id } => {
                    ProgressEvent::Started { account_id }
                }
                warden_aws::ProgressEvent::Finished {
                    account_id,
                    status,
                    done,
                    total,
                } => ProgressEvent::Finished {
                    account_id,
                    status: match status {
                        OutcomeStatus::Read => ReadStatus::Read,
                        OutcomeStatus::Skipped => ReadStatus::Skipped,
                        OutcomeStatus::Failed => ReadStatus::Failed,
                    },
                    done,
                    total,
                },
            });
        };
        let outcomes = self
            .aws
            .read_accounts(organization, &request, &forward)
            .await;
        outcomes
            .into_iter()
            .map(|outcome| AccountRead {
                account_id: outcome.account_id,
                account_name: outcome.account_name,
                result: match outcome.result {
                    AccountResult::Read(live) => ReadResult::Read(live),
                    AccountResult::Skipped { reason } => ReadResult::Skipped { reason },
                    AccountResult::Failed(err) => ReadResult::Failed(err.into()),
                },
            })
            .collect()
    }
}

impl ApplyOrganization for LiveOrganization {
    type Account = AccountClient;

    async fn open_account(
        &self,
        account_id: &str,
    ) -> Result<(AccountClient, LiveAccount), BoxError> {
        Ok(self.aws.open_account(account_id, &self.access).await?)
    }

    async fn create_scp(
        &self,
        name: &str,
        description: &str,
        document: &str,
    ) -> Result<String, BoxError> {
        Ok(self.aws.create_scp(name, description, document).await?)
    }

    async fn update_scp(
        &self,
        policy_id: &str,
        description: &str,
        document: &str,
    ) -> Result<(), BoxError> {
        Ok(self
            .aws
            .update_scp(policy_id, None, Some(description), Some(document))
            .await?)
    }

    async fn attach_scp(&self, policy_id: &str, target_id: &str) -> Result<(), BoxError> {
        Ok(self.aws.attach_scp(policy_id, target_id).await?)
    }

    async fn detach_scp(&self, policy_id: &str, target_id: &str) -> Result<(), BoxError> {
        Ok(self.aws.detach_scp(policy_id, target_id).await?)
    }

    async fn delete_scp(&self, policy_id: &str) -> Result<(), BoxError> {
        Ok(self.aws.delete_scp(policy_id).await?)
    }
}

impl ApplyAccount for AccountClient {
    async fn apply(&self, change: &Change) -> Result<(), BoxError> {
        Ok(self.apply_change(change).await?)
    }
}
