//! Organization inventory: accounts with status, OU path and tags, handed on as they are
//! listed so member accounts can be read while the rest of the organization is still listed.
//!
//! Calls: DescribeOrganization 1, ListRoots 1, per parent (root and each OU) one
//! ListOrganizationalUnitsForParent and one ListAccountsForParent page per 20 items, and one
//! ListTagsForResource per account when targeting needs tags (Organizations has no bulk tag
//! read). Parents are listed concurrently, bounded by [`LIST_CONCURRENCY`].

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_organizations::types::{AccountState, AccountStatus as SdkStatus};
use tokio::sync::{Semaphore, mpsc, oneshot};
use warden_spec::org::{Account, AccountStatus, Organization, OrganizationalUnit};

use crate::client::Aws;
use crate::err::{AwsError, CALLER, api_error};

/// Concurrent ListTagsForResource calls during inventory.
const TAG_CONCURRENCY: usize = 8;

/// Concurrent ListOrganizationalUnitsForParent and ListAccountsForParent calls: Organizations
/// throttles per account and these calls return at most 20 items a page, so parents are
/// listed side by side, a few at a time
/// (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html#throttling-limits>,
/// <https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccountsForParent.html>).
const LIST_CONCURRENCY: usize = 4;

/// What one listing task of the inventory found.
enum Listed {
    Ous {
        parent_id: String,
        parent_path: String,
        ous: Vec<(String, String)>,
    },
    Accounts(Vec<Account>),
}

/// The Organizations client and the bound on concurrent list calls, moved into each task.
#[derive(Clone)]
struct Lister {
    client: aws_sdk_organizations::Client,
    lists: Arc<Semaphore>,
}

impl Lister {
    /// Every page of one parent's child OUs.
    async fn child_ous(self, parent_id: String, parent_path: String) -> Result<Listed, AwsError> {
        let mut ous = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = {
                let _permit = self.lists.acquire().await;
                self.client
                    .list_organizational_units_for_parent()
                    .parent_id(&parent_id)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|err| api_error(CALLER, "ListOrganizationalUnitsForParent", err))?
            };
            for ou in page.organizational_units() {
                if let (Some(id), Some(name)) = (ou.id(), ou.name()) {
                    ous.push((id.to_owned(), name.to_owned()));
                }
            }
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => break,
            }
        }
        Ok(Listed::Ous {
            parent_id,
            parent_path,
            ous,
        })
    }

    /// Every page of one parent's accounts, each account handed on (with its tags when `tags`
    /// bounds their reads) as its page arrives; the next page is asked for while the tags of
    /// the last one are read.
    async fn child_accounts(
        self,
        parent_id: String,
        parent_path: String,
        tags: Option<Arc<Semaphore>>,
        found: mpsc::UnboundedSender<Account>,
    ) -> Result<Listed, AwsError> {
        let mut accounts = Vec::new();
        let mut tagging = tokio::task::JoinSet::new();
        let mut token: Option<String> = None;
        loop {
            let page = {
                let _permit = self.lists.acquire().await;
                self.client
                    .list_accounts_for_parent()
                    .parent_id(&parent_id)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|err| api_error(CALLER, "ListAccountsForParent", err))?
            };
            let mut listed: Vec<Account> = page
                .accounts()
                .iter()
                .filter_map(|account| {
                    Some(Account {
                        id: account.id()?.to_owned(),
                        name: account.name().unwrap_or_default().to_owned(),
                        email: account.email().map(str::to_owned),
                        status: account_status(account.state(), account.status()),
                        parent_id: parent_id.clone(),
                        ou_path: parent_path.clone(),
                        tags: BTreeMap::new(),
                    })
                })
                .collect();
            match &tags {
                Some(limit) => {
                    let (lister, limit, found) = (self.clone(), Arc::clone(limit), found.clone());
                    tagging.spawn(async move {
                        lister.fill_tags(&mut listed, &limit).await?;
                        for account in &listed {
                            let _ = found.send(account.clone());
                        }
                        Ok::<_, AwsError>(listed)
                    });
                }
                None => {
                    for account in &listed {
                        let _ = found.send(account.clone());
                    }
                    accounts.extend(listed);
                }
            }
            match page.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => break,
            }
        }
        while let Some(joined) = tagging.join_next().await {
            let listed = joined.map_err(|err| AwsError::Task {
                account_id: CALLER.to_owned(),
                message: err.to_string(),
            })??;
            accounts.extend(listed);
        }
        Ok(Listed::Accounts(accounts))
    }

    /// The tags of one page of accounts, read side by side within `limit`.
    async fn fill_tags(
        &self,
        accounts: &mut [Account],
        limit: &Arc<Semaphore>,
    ) -> Result<(), AwsError> {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, account) in accounts.iter().enumerate() {
            let client = self.client.clone();
            let account_id = account.id.clone();
            let limit = Arc::clone(limit);
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

impl Aws {
    /// Lists the organization: OUs with paths like `Root/Workloads/Prod`, accounts with status,
    /// parent and tags. Must run with management (or delegated administrator) credentials.
    pub async fn inventory(&self) -> Result<Organization, AwsError> {
        self.inventory_with(true).await
    }

    /// [`Aws::inventory`], reading each account's tags only when `account_tags` (one
    /// ListTagsForResource per account): without it every account has no tags.
    pub async fn inventory_with(&self, account_tags: bool) -> Result<Organization, AwsError> {
        let (tree, _) = oneshot::channel();
        let (accounts, _) = mpsc::unbounded_channel();
        self.inventory_streaming(account_tags, tree, accounts).await
    }

    /// [`Aws::inventory_with`] handing its parts on as they are listed: `tree` gets the
    /// organization with every OU and no account as soon as the OU tree is complete, and
    /// `accounts` each account (its OU path known, with its tags when `account_tags`) as its
    /// ListAccountsForParent page arrives, usually before the tree is complete. Every parent's
    /// OUs and accounts are listed concurrently, [`LIST_CONCURRENCY`] calls at a time. Returns
    /// the whole inventory, sorted as [`Aws::inventory`]; on an error `tree` may never be sent.
    pub async fn inventory_streaming(
        &self,
        account_tags: bool,
        tree: oneshot::Sender<Organization>,
        accounts: mpsc::UnboundedSender<Account>,
    ) -> Result<Organization, AwsError> {
        let describe = async {
            self.organizations
                .describe_organization()
                .send()
                .await
                .map_err(|err| api_error(CALLER, "DescribeOrganization", err))
        };
        // Side by side; DescribeOrganization's error first, as when they ran one by one.
        let (org, root_id) = tokio::join!(describe, self.root_id());
        let (org, root_id) = (org?, root_id?);
        let org = org
            .organization()
            .ok_or_else(|| AwsError::missing(CALLER, "DescribeOrganization", "Organization"))?;
        let mut organization = Organization {
            id: org.id().unwrap_or_default().to_owned(),
            management_account_id: org.master_account_id().unwrap_or_default().to_owned(),
            root_id: root_id.clone(),
            accounts: Vec::new(),
            organizational_units: Vec::new(),
        };

        let lists = Arc::new(Semaphore::new(LIST_CONCURRENCY));
        let tags = account_tags.then(|| Arc::new(Semaphore::new(TAG_CONCURRENCY)));
        let mut tasks = tokio::task::JoinSet::new();
        let mut pending_ou_lists = 0_usize;
        let mut tree = Some(tree);
        let spawn_parent = |tasks: &mut tokio::task::JoinSet<Result<Listed, AwsError>>,
                            id: String,
                            path: String| {
            let lister = Lister {
                client: self.organizations.clone(),
                lists: Arc::clone(&lists),
            };
            tasks.spawn(lister.clone().child_ous(id.clone(), path.clone()));
            tasks.spawn(lister.child_accounts(id, path, tags.clone(), accounts.clone()));
        };
        spawn_parent(&mut tasks, root_id, "Root".to_owned());
        pending_ou_lists += 1;
        while let Some(joined) = tasks.join_next().await {
            let listed = joined.map_err(|err| AwsError::Task {
                account_id: CALLER.to_owned(),
                message: err.to_string(),
            })??;
            match listed {
                Listed::Ous {
                    parent_id,
                    parent_path,
                    ous,
                } => {
                    pending_ou_lists -= 1;
                    for (id, name) in ous {
                        let path = format!("{parent_path}/{name}");
                        spawn_parent(&mut tasks, id.clone(), path.clone());
                        pending_ou_lists += 1;
                        organization.organizational_units.push(OrganizationalUnit {
                            id,
                            name,
                            parent_id: parent_id.clone(),
                            path,
                        });
                    }
                    if pending_ou_lists == 0
                        && let Some(tree) = tree.take()
                    {
                        let mut complete = organization.clone();
                        complete
                            .organizational_units
                            .sort_by(|a, b| a.path.cmp(&b.path));
                        let _ = tree.send(complete);
                    }
                }
                Listed::Accounts(listed) => organization.accounts.extend(listed),
            }
        }
        organization
            .organizational_units
            .sort_by(|a, b| a.path.cmp(&b.path));
        organization.accounts.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(organization)
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
