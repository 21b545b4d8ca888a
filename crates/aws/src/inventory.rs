//! Organization inventory: accounts with status, OU path and tags.
//!
//! Calls: DescribeOrganization 1, ListRoots 1, per parent (root and each OU) one
//! ListOrganizationalUnitsForParent and one ListAccountsForParent page, and one
//! ListTagsForResource per account (Organizations has no bulk tag read).

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_organizations::types::{AccountState, AccountStatus as SdkStatus};
use tokio::sync::Semaphore;
use warden_spec::org::{Account, AccountStatus, Organization, OrganizationalUnit};

use crate::client::Aws;
use crate::err::{AwsError, CALLER, api_error};

/// Concurrent ListTagsForResource calls during inventory.
const TAG_CONCURRENCY: usize = 8;

impl Aws {
    /// Lists the organization: OUs with paths like `Root/Workloads/Prod`, accounts with status,
    /// parent and tags. Must run with management (or delegated administrator) credentials.
    pub async fn inventory(&self) -> Result<Organization, AwsError> {
        self.inventory_with(true).await
    }

    /// [`Aws::inventory`], reading each account's tags only when `account_tags` (one
    /// ListTagsForResource per account): without it every account has no tags.
    pub async fn inventory_with(&self, account_tags: bool) -> Result<Organization, AwsError> {
        let org = self
            .organizations
            .describe_organization()
            .send()
            .await
            .map_err(|err| api_error(CALLER, "DescribeOrganization", err))?;
        let org = org
            .organization()
            .ok_or_else(|| AwsError::missing(CALLER, "DescribeOrganization", "Organization"))?;
        let management_account_id = org.master_account_id().unwrap_or_default().to_owned();
        let root_id = self.root_id().await?;

        let mut organizational_units = Vec::new();
        let mut accounts = Vec::new();
        // Breadth first: (parent id, parent path).
        let mut queue = vec![(root_id.clone(), "Root".to_owned())];
        while let Some((parent_id, parent_path)) = queue.pop() {
            for (id, name) in self.child_ous(&parent_id).await? {
                let path = format!("{parent_path}/{name}");
                queue.push((id.clone(), path.clone()));
                organizational_units.push(OrganizationalUnit {
                    id,
                    name,
                    parent_id: parent_id.clone(),
                    path,
                });
            }
            accounts.extend(self.child_accounts(&parent_id, &parent_path).await?);
        }
        if account_tags {
            self.fill_account_tags(&mut accounts).await?;
        }
        organizational_units.sort_by(|a, b| a.path.cmp(&b.path));
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Organization {
            id: org.id().unwrap_or_default().to_owned(),
            management_account_id,
            root_id,
            accounts,
            organizational_units,
        })
    }

    pub(crate) async fn root_id(&self) -> Result<String, AwsError> {
        let roots = self
            .organizations
            .list_roots()
            .send()
            .await
            .map_err(|err| api_error(CALLER, "ListRoots", err))?;
        roots
            .roots()
            .first()
            .and_then(|root| root.id())
            .map(str::to_owned)
            .ok_or_else(|| AwsError::missing(CALLER, "ListRoots", "Roots"))
    }

    async fn child_ous(&self, parent_id: &str) -> Result<Vec<(String, String)>, AwsError> {
        let mut pages = self
            .organizations
            .list_organizational_units_for_parent()
            .parent_id(parent_id)
            .into_paginator()
            .send();
        let mut ous = Vec::new();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|err| api_error(CALLER, "ListOrganizationalUnitsForParent", err))?;
            for ou in page.organizational_units() {
                if let (Some(id), Some(name)) = (ou.id(), ou.name()) {
                    ous.push((id.to_owned(), name.to_owned()));
                }
            }
        }
        Ok(ous)
    }

    async fn child_accounts(
        &self,
        parent_id: &str,
        parent_path: &str,
    ) -> Result<Vec<Account>, AwsError> {
        let mut pages = self
            .organizations
            .list_accounts_for_parent()
            .parent_id(parent_id)
            .into_paginator()
            .send();
        let mut accounts = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| api_error(CALLER, "ListAccountsForParent", err))?;
            for account in page.accounts() {
                let Some(id) = account.id() else { continue };
                accounts.push(Account {
                    id: id.to_owned(),
                    name: account.name().unwrap_or_default().to_owned(),
                    email: account.email().map(str::to_owned),
                    status: account_status(account.state(), account.status()),
                    parent_id: parent_id.to_owned(),
                    ou_path: parent_path.to_owned(),
                    tags: BTreeMap::new(),
                });
            }
        }
        Ok(accounts)
    }

    async fn fill_account_tags(&self, accounts: &mut [Account]) -> Result<(), AwsError> {
        let limit = Arc::new(Semaphore::new(TAG_CONCURRENCY));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, account) in accounts.iter().enumerate() {
            let client = self.organizations.clone();
            let account_id = account.id.clone();
            let limit = Arc::clone(&limit);
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                (index, account_tags(&client, &account_id).await)
            });
        }
        while let Some(joined) = tasks.join_next().await {
            let (index, tags) = joined.map_err(|err| AwsError::Task {
                account_id: CALLER.to_owned(),
                message: err.to_string(),
            })?;
            if let Some(account) = accounts.get_mut(index) {
                account.tags = tags?;
            }
        }
        Ok(())
    }
}

async fn account_tags(
    client: &aws_sdk_organizations::Client,
    account_id: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    let mut pages = client
        .list_tags_for_resource()
        .resource_id(account_id)
        .into_paginator()
        .send();
    let mut tags = BTreeMap::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|err| api_error(account_id, "ListTagsForResource", err))?;
        for tag in page.tags() {
            tags.insert(tag.key().to_owned(), tag.value().to_owned());
        }
    }
    Ok(tags)
}

/// `State` replaced the deprecated `Status` in 2025; moto and older APIs may send only `Status`.
fn account_status(state: Option<&AccountState>, status: Option<&SdkStatus>) -> AccountStatus {
    if let Some(state) = state {
        return match state {
            AccountState::Active => AccountStatus::Active,
            AccountState::Suspended | AccountState::Closed => AccountStatus::Suspended,
            AccountState::PendingClosure => AccountStatus::PendingClosure,
            _ => AccountStatus::Other,
        };
    }
    match status {
        Some(SdkStatus::Active) => AccountStatus::Active,
        Some(SdkStatus::Suspended) => AccountStatus::Suspended,
        Some(SdkStatus::PendingClosure) => AccountStatus::PendingClosure,
        _ => AccountStatus::Other,
    }
}
