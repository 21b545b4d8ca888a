//! The organization as the use cases see it: traits to read it and to change it. Live AWS
//! implements them ([`crate::live::LiveOrganization`]); a recorded snapshot can implement the
//! read side, a test double both.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};
use warden_plan::Change;
use warden_plan::live::{LiveAccount, LiveScp};
use warden_spec::org::{Account, Organization};

/// An error of an organization source, kept as the source made it.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Reads the organization: inventory, SCPs and member accounts' live IAM.
pub trait ReadOrganization: Send + Sync {
    /// Accounts, OUs and account tags.
    fn inventory(&self) -> impl Future<Output = Result<Organization, BoxError>> + Send;

    /// Every customer SCP with its document and attachments.
    fn scps(&self) -> impl Future<Output = Result<Vec<LiveScp>, BoxError>> + Send;

    /// Live IAM of the accounts in `only` (every account of `organization` when empty), one
    /// result per account sorted by id: the management account and inactive accounts are
    /// skipped with the reason, one account's failure never stops the others.
    fn read_accounts(
        &self,
        organization: &Organization,
        only: &[String],
        progress: &(dyn Fn(ProgressEvent) + Sync),
    ) -> impl Future<Output = Vec<AccountRead>> + Send;

    /// Where the last inventory came from, when the source keeps it between runs
    /// ([`crate::plan::InventoryCache`]); `None` otherwise.
    fn inventory_origin(&self) -> Option<crate::plan::InventoryOrigin> {
        None
    }

    /// What a plan over this source keeps of each account's read: `Changed` when the source
    /// was set up for a consumer that needs only the objects the changes name (`plan`), which
    /// wins over [`crate::plan::PlanOptions::keep_live`]; everything by default.
    fn keep_live(&self) -> crate::plan::KeepLive {
        crate::plan::KeepLive::All
    }

    /// [`ReadOrganization::inventory`] handed on as it is listed: `tree` gets the organization
    /// with every OU and no account once the OU tree is complete, `accounts` each account as
    /// soon as it is known (OU path set, tags read when the source reads them); returns the
    /// whole inventory. The default reads it whole, then hands it on.
    fn inventory_streaming(
        &self,
        tree: oneshot::Sender<Organization>,
        accounts: mpsc::UnboundedSender<Account>,
    ) -> impl Future<Output = Result<Organization, BoxError>> + Send {
        async move {
            let organization = self.inventory().await?;
            let _ = tree.send(Organization {
                accounts: Vec::new(),
                ..organization.clone()
            });
            for account in &organization.accounts {
                let _ = accounts.send(account.clone());
            }
            Ok(organization)
        }
    }

    /// Reads the accounts handed in on `to_read` as they come, sending each result on `read`
    /// (skipped and failed ones too, as [`ReadOrganization::read_accounts`] reports them);
    /// returns once `to_read` is closed and every read has finished. The default reads one
    /// account at a time through [`ReadOrganization::read_accounts`].
    fn read_accounts_streaming(
        &self,
        management_account_id: &str,
        mut to_read: mpsc::UnboundedReceiver<Account>,
        read: mpsc::UnboundedSender<AccountRead>,
    ) -> impl Future<Output = ()> + Send {
        async move {
            while let Some(account) = to_read.recv().await {
                let only = [account.id.clone()];
                let organization = Organization {
                    id: String::new(),
                    management_account_id: management_account_id.to_owned(),
                    root_id: String::new(),
                    accounts: vec![account],
                    organizational_units: Vec::new(),
                };
                for outcome in self.read_accounts(&organization, &only, &|_| {}).await {
                    let _ = read.send(outcome);
                }
            }
        }
    }
}

/// Changes the organization. Implementations refuse to touch their own access role.
pub trait ApplyOrganization: ReadOrganization {
    /// A member account opened for changes.
    type Account: ApplyAccount;

    /// Opens a member account: a handle for changes and its live IAM read now.
    fn open_account(
        &self,
        account_id: &str,
    ) -> impl Future<Output = Result<(Self::Account, LiveAccount), BoxError>> + Send;

    /// Creates an SCP (attached nowhere) and returns its id.
    fn create_scp(
        &self,
        name: &str,
        description: &str,
        document: &str,
    ) -> impl Future<Output = Result<String, BoxError>> + Send;

    fn update_scp(
        &self,
        policy_id: &str,
        description: &str,
        document: &str,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;

    fn attach_scp(
        &self,
        policy_id: &str,
        target_id: &str,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;

    fn detach_scp(
        &self,
        policy_id: &str,
        target_id: &str,
    ) -> impl Future<Output = Result<(), BoxError>> + Send;

    fn delete_scp(&self, policy_id: &str) -> impl Future<Output = Result<(), BoxError>> + Send;

    /// One SCP by id with its content and targets (`None`: it does not exist), read right
    /// before a write to it. By default from [`ReadOrganization::scps`].
    fn read_scp(
        &self,
        policy_id: &str,
    ) -> impl Future<Output = Result<Option<LiveScp>, BoxError>> + Send {
        async move {
            Ok(self
                .scps()
                .await?
                .into_iter()
                .find(|scp| scp.id == policy_id))
        }
    }
}

/// One member account opened for changes.
pub trait ApplyAccount: Send + Sync {
    /// Makes one account change of a plan (never an SCP change).
    fn apply(&self, change: &Change) -> impl Future<Output = Result<(), BoxError>> + Send;

    /// [`ApplyAccount::apply`] telling how it ended: `Applied`, or `Rechecked` when the answer
    /// was lost and reading the object back found the change made.
    fn apply_rechecked(
        &self,
        change: &Change,
    ) -> impl Future<Output = Result<warden_plan::report::ChangeResult, BoxError>> + Send {
        async move {
            self.apply(change)
                .await
                .map(|()| warden_plan::report::ChangeResult::Applied)
        }
    }

    /// The one object a change writes, read right before the write; `None` when this account
    /// cannot read a single object (apply then relies on the check made when it opened the
    /// account).
    fn read_object(
        &self,
        object: &warden_plan::recheck::ObjectRef,
    ) -> impl Future<Output = Result<Option<warden_plan::recheck::LiveObject>, BoxError>> + Send
    {
        let _ = object;
        async { Ok(None) }
    }
}

/// What reading one account gave.
#[derive(Debug)]
pub struct AccountRead {
    pub account_id: String,
    pub account_name: String,
    pub result: ReadResult,
}

#[derive(Debug)]
pub enum ReadResult {
    Read(LiveAccount),
    Skipped { reason: String },
    Failed(BoxError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadStatus {
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
        status: ReadStatus,
        done: usize,
        total: usize,
    },
}
