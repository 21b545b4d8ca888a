//! Reading many accounts at once: bounded concurrency, one account's failure never stops the
//! others, suspended accounts skipped and reported.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc};
use warden_plan::live::LiveAccount;
use warden_spec::org::{Account, AccountStatus, Organization};

use crate::account::AccessRole;
use crate::client::Aws;
use crate::err::AwsError;

/// How to read the organization's member accounts.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    pub access: AccessRole,
    /// Accounts read at the same time (at least 1).
    pub concurrency: usize,
    /// Also read the management account through the access role (off by default: management
    /// accounts usually have no access role and should hold no workload roles).
    pub include_management_account: bool,
    /// Only these account ids; all when empty.
    pub only_accounts: Vec<String>,
}

impl ReadRequest {
    pub fn new(access: AccessRole, concurrency: usize) -> Self {
        Self {
            access,
            concurrency,
            include_management_account: false,
            only_accounts: Vec::new(),
        }
    }
}

#[derive(Debug)]
pub struct AccountOutcome {
    pub account_id: String,
    pub account_name: String,
    pub result: AccountResult,
    /// Wall time for this account, including retries.
    pub elapsed: Duration,
}

#[derive(Debug)]
pub enum AccountResult {
    Read(LiveAccount),
    Skipped { reason: String },
    Failed(AwsError),
}

impl AccountResult {
    pub fn status(&self) -> OutcomeStatus {
        match self {
            Self::Read(_) => OutcomeStatus::Read,
            Self::Skipped { .. } => OutcomeStatus::Skipped,
            Self::Failed(_) => OutcomeStatus::Failed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeStatus {
    Read,
    Skipped,
    Failed,
}

/// Reported as accounts start and finish; `done` of `total` counts finished accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    Started {
        account_id: String,
    },
    Finished {
        account_id: String,
        status: OutcomeStatus,
        done: usize,
        total: usize,
    },
}

impl Aws {
    /// Reads every selected member account: AssumeRole with the ExternalId, the trust check,
    /// then [`crate::AccountClient::read_account`]. Outcomes are sorted by account id. Progress
    /// is reported on the caller's task.
    pub async fn read_accounts(
        &self,
        inventory: &Organization,
        request: &ReadRequest,
        progress: &(dyn Fn(ProgressEvent) + Sync),
    ) -> Vec<AccountOutcome> {
        let mut outcomes = Vec::new();
        let mut to_read = Vec::new();
        for account in &inventory.accounts {
            if !request.only_accounts.is_empty() && !request.only_accounts.contains(&account.id) {
                continue;
            }
            match skip_reason(account, &inventory.management_account_id, request) {
                Some(reason) => outcomes.push(AccountOutcome {
                    account_id: account.id.clone(),
                    account_name: account.name.clone(),
                    result: AccountResult::Skipped { reason },
                    elapsed: Duration::ZERO,
                }),
                None => to_read.push((account.id.clone(), account.name.clone())),
            }
        }
        let total = outcomes.len() + to_read.len();
        let mut done = 0;
        for outcome in &outcomes {
            done += 1;
            progress(ProgressEvent::Finished {
                account_id: outcome.account_id.clone(),
                status: OutcomeStatus::Skipped,
                done,
                total,
            });
        }

        let limit = Arc::new(Semaphore::new(request.concurrency.max(1)));
        let access = Arc::new(request.access.clone());
        let (events, mut received) = mpsc::unbounded_channel::<Message>();
        let mut tasks = tokio::task::JoinSet::new();
        let mut task_accounts = std::collections::HashMap::new();
        for (account_id, account_name) in to_read {
            let task_account = (account_id.clone(), account_name.clone());
            let aws = self.clone();
            let limit = Arc::clone(&limit);
            let access = Arc::clone(&access);
            let events = events.clone();
            let handle = tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let _ = events.send(Message::Started(account_id.clone()));
                let started = Instant::now();
                let result = match aws.read_one(&account_id, &access).await {
                    Ok(live) => AccountResult::Read(live),
                    Err(err) => AccountResult::Failed(err),
                };
                let _ = events.send(Message::Finished(Box::new(AccountOutcome {
                    account_id,
                    account_name,
                    result,
                    elapsed: started.elapsed(),
                })));
            });
            task_accounts.insert(handle.id(), task_account);
        }
        drop(events);
        while let Some(message) = received.recv().await {
            match message {
                Message::Started(account_id) => progress(ProgressEvent::Started { account_id }),
                Message::Finished(outcome) => {
                    done += 1;
                    progress(ProgressEvent::Finished {
                        account_id: outcome.account_id.clone(),
                        status: outcome.result.status(),
                        done,
                        total,
                    });
                    outcomes.push(*outcome);
                }
            }
        }
        // A task that panicked never reported: surface it instead of losing the account.
        while let Some(joined) = tasks.join_next().await {
            let Err(err) = joined else { continue };
            if let Some((account_id, account_name)) = task_accounts.remove(&err.id()) {
                done += 1;
                progress(ProgressEvent::Finished {
                    account_id: account_id.clone(),
                    status: OutcomeStatus::Failed,
                    done,
                    total,
                });
                outcomes.push(AccountOutcome {
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
        outcomes.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        outcomes
    }

    /// Reads member accounts as they are handed in on `accounts` (the inventory still
    /// listing), `request.concurrency` at a time, and sends each outcome on `outcomes` as it
    /// finishes; skipped accounts (management, inactive) at once. `request.only_accounts` is
    /// not consulted: the caller sends only what it wants read. Returns when `accounts` is
    /// closed and every read has finished.
    pub async fn read_accounts_streaming(
        &self,
        management_account_id: &str,
        request: &ReadRequest,
        mut accounts: mpsc::UnboundedReceiver<Account>,
        outcomes: mpsc::UnboundedSender<AccountOutcome>,
    ) {
        let limit = Arc::new(Semaphore::new(request.concurrency.max(1)));
        let access = Arc::new(request.access.clone());
        let mut tasks = tokio::task::JoinSet::new();
        let mut task_accounts = std::collections::HashMap::new();
        loop {
            // Finished tasks are reaped as accounts arrive, so the set stays small.
            let account = tokio::select! {
                account = accounts.recv() => account,
                Some(joined) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    report_panicked(joined, &mut task_accounts, &outcomes);
                    continue;
                }
            };
            let Some(account) = account else { break };
            if let Some(reason) = skip_reason(&account, management_account_id, request) {
                let _ = outcomes.send(AccountOutcome {
                    account_id: account.id,
                    account_name: account.name,
                    result: AccountResult::Skipped { reason },
                    elapsed: Duration::ZERO,
                });
                continue;
            }
            // The read slot is taken before the task exists: accounts listed faster than they
            // are read wait in the channel as inventory entries, not as spawned reads each
            // holding the state of a whole read, so memory follows the concurrency and not the
            // organization's size. Tasks that finish meanwhile are reaped.
            let permit = loop {
                tokio::select! {
                    biased;
                    Some(joined) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                        report_panicked(joined, &mut task_accounts, &outcomes);
                    }
                    permit = Arc::clone(&limit).acquire_owned() => break permit.ok(),
                }
            };
            let aws = self.clone();
            let access = Arc::clone(&access);
            let sender = outcomes.clone();
            let (account_id, account_name) = (account.id, account.name);
            let task_account = (account_id.clone(), account_name.clone());
            let handle = tasks.spawn(async move {
                let _permit = permit;
                let started = Instant::now();
                let result = match aws.read_one(&account_id, &access).await {
                    Ok(live) => AccountResult::Read(live),
                    Err(err) => AccountResult::Failed(err),
                };
                let _ = sender.send(AccountOutcome {
                    account_id,
                    account_name,
                    result,
                    elapsed: started.elapsed(),
                });
            });
            task_accounts.insert(handle.id(), task_account);
        }
        while let Some(joined) = tasks.join_next_with_id().await {
            report_panicked(joined, &mut task_accounts, &outcomes);
        }
    }

    async fn read_one(
        &self,
        account_id: &str,
        access: &AccessRole,
    ) -> Result<LiveAccount, AwsError> {
        let (_, live) = self.open_account(account_id, access).await?;
        Ok(live)
    }
}

/// Why an account is not read through the access role, if it is not.
fn skip_reason(
    account: &Account,
    management_account_id: &str,
    request: &ReadRequest,
) -> Option<String> {
    if account.id == management_account_id && !request.include_management_account {
        Some("management account (not read through the access role)".to_owned())
    } else if account.status != AccountStatus::Active {
        Some(format!("account is {:?}", account.status).to_lowercase())
    } else {
        None
    }
}

/// A streaming read task that ended: forgotten when it reported, reported failed when it
/// panicked (it never sent its outcome).
fn report_panicked(
    joined: Result<(tokio::task::Id, ()), tokio::task::JoinError>,
    task_accounts: &mut std::collections::HashMap<tokio::task::Id, (String, String)>,
    outcomes: &mpsc::UnboundedSender<AccountOutcome>,
) {
    let (id, panicked) = match joined {
        Ok((id, ())) => (id, None),
        Err(err) => (err.id(), Some(err.to_string())),
    };
    let Some((account_id, account_name)) = task_accounts.remove(&id) else {
        return;
    };
    if let Some(message) = panicked {
        let _ = outcomes.send(AccountOutcome {
            result: AccountResult::Failed(AwsError::Task {
                account_id: account_id.clone(),
                message,
            }),
            account_id,
            account_name,
            elapsed: Duration::ZERO,
        });
    }
}

enum Message {
    Started(String),
    /// Boxed: a read account is large, the channel moves it once.
    Finished(Box<AccountOutcome>),
}
