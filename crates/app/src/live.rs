//! The organization on live AWS (or an emulator): [`warden_aws::Aws`] behind the traits of
//! [`crate::source`], with the access role and read concurrency it needs; the inventory
//! streamed as it is listed, or taken from the inventory cache while it is young enough.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, oneshot};
use warden_aws::{
    AccessRole, AccountClient, AccountOutcome, AccountResult, Aws, AwsOptions, OutcomeStatus,
    ReadRequest, WriteOutcome,
};
use warden_plan::Change;
use warden_plan::live::{LiveAccount, LiveScp};
use warden_plan::report::ChangeResult;
use warden_spec::defs::Config;
use warden_spec::org::{Account, Organization};

use crate::plan::{InventoryCache, InventoryOrigin, KeepLive};
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
    /// Read each account's Organizations tags in the inventory (see [`Self::with_account_tags`]).
    account_tags: bool,
    /// Where the inventory is kept between runs, when plan or drift may use it.
    cache: Option<InventoryCache>,
    /// Where the last inventory came from (cache, read, cache ignored).
    origin: Arc<Mutex<Option<InventoryOrigin>>>,
    /// What plans over this source keep of each account's read at least.
    keep_live: KeepLive,
}

impl LiveOrganization {
    pub fn new(aws: Aws, access: AccessRole, concurrency: usize) -> LiveOrganization {
        LiveOrganization {
            aws,
            access,
            concurrency: concurrency.max(1),
            account_tags: true,
            cache: None,
            origin: Arc::default(),
            keep_live: KeepLive::All,
        }
    }

    /// Keeps the inventory in `cache` and uses it while it is younger than its maximum age
    /// (plan and drift only: apply never sets a cache, so it always reads the organization).
    pub fn with_inventory_cache(mut self, cache: InventoryCache) -> LiveOrganization {
        self.cache = Some(cache);
        self
    }

    /// [`Self::with_inventory_cache`] with the cache of the repository at `root`.
    pub fn caching_inventory(
        self,
        root: &Path,
        config: &Config,
        max_age: Duration,
    ) -> LiveOrganization {
        self.with_inventory_cache(InventoryCache::new(root, config, max_age))
    }

    /// `plan`'s source: [`Self::caching_inventory`], and plans over it keep only the live
    /// state their changes name ([`KeepLive::Changed`]), so memory does not grow with the
    /// organization.
    pub fn bounded_for_plan(
        self,
        root: &Path,
        config: &Config,
        max_age: Duration,
    ) -> LiveOrganization {
        LiveOrganization {
            keep_live: KeepLive::Changed,
            ..self.caching_inventory(root, config, max_age)
        }
    }

    /// Where the last inventory came from, for the command's output: `None` before any
    /// inventory, or when no cache is set.
    fn last_origin(&self) -> Option<InventoryOrigin> {
        self.origin
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_origin(&self, origin: InventoryOrigin) {
        if let InventoryOrigin::Ignored { reason } = &origin {
            tracing::warn!("inventory cache ignored: {reason}");
        }
        *self
            .origin
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(origin);
    }

    /// What identifies the organization's endpoint in the cache: profile, endpoint, region.
    fn cache_source(&self) -> String {
        let options = self.aws.options();
        format!(
            "profile={};endpoint={};region={}",
            options.profile.as_deref().unwrap_or("-"),
            options.endpoint_url.as_deref().unwrap_or("-"),
            self.aws.region()
        )
    }

    /// The cached inventory when it is young enough (recording why not otherwise).
    fn cached_inventory(&self) -> Option<Organization> {
        let cache = self.cache.as_ref()?;
        match cache.load(&self.cache_source(), self.account_tags, SystemTime::now()) {
            Ok((organization, age)) => {
                self.set_origin(InventoryOrigin::Cached { age });
                Some(organization)
            }
            Err(origin) => {
                self.set_origin(origin);
                None
            }
        }
    }

    fn store_inventory(&self, organization: &Organization) {
        if let Some(cache) = &self.cache {
            cache.store(
                &self.cache_source(),
                self.account_tags,
                organization,
                SystemTime::now(),
            );
        }
    }

    /// Whether the inventory reads account tags: only needed when a definition targets by
    /// tag ([`warden_spec::Definitions::targets_by_tag`]); one call per account otherwise.
    pub fn with_account_tags(mut self, read: bool) -> LiveOrganization {
        self.account_tags = read;
        self
    }

    pub fn aws(&self) -> &Aws {
        &self.aws
    }

    /// The access role member accounts are reached through.
    pub fn access(&self) -> &AccessRole {
        &self.access
    }

    /// Member accounts read at the same time.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }
}

impl ReadOrganization for LiveOrganization {
    fn inventory_origin(&self) -> Option<InventoryOrigin> {
        self.last_origin()
    }

    fn keep_live(&self) -> KeepLive {
        self.keep_live
    }

    async fn inventory(&self) -> Result<Organization, BoxError> {
        if let Some(organization) = self.cached_inventory() {
            return Ok(organization);
        }
        let organization = self.aws.inventory_with(self.account_tags).await?;
        self.store_inventory(&organization);
        Ok(organization)
    }

    async fn inventory_streaming(
        &self,
        tree: oneshot::Sender<Organization>,
        accounts: mpsc::UnboundedSender<Account>,
    ) -> Result<Organization, BoxError> {
        if let Some(organization) = self.cached_inventory() {
            let _ = tree.send(Organization {
                accounts: Vec::new(),
                ..organization.clone()
            });
            for account in &organization.accounts {
                let _ = accounts.send(account.clone());
            }
            return Ok(organization);
        }
        let organization = self
            .aws
            .inventory_streaming(self.account_tags, tree, accounts)
            .await?;
        self.store_inventory(&organization);
        Ok(organization)
    }

    async fn read_accounts_streaming(
        &self,
        management_account_id: &str,
        to_read: mpsc::UnboundedReceiver<Account>,
        read: mpsc::UnboundedSender<AccountRead>,
    ) {
        let request = ReadRequest::new(self.access.clone(), self.concurrency);
        let (outcomes, mut received) = mpsc::unbounded_channel();
        let reading =
            self.aws
                .read_accounts_streaming(management_account_id, &request, to_read, outcomes);
        let forwarding = async {
            while let Some(outcome) = received.recv().await {
                let _ = read.send(account_read(outcome));
            }
        };
        tokio::join!(reading, forwarding);
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
        outcomes.into_iter().map(account_read).collect()
    }
}

fn account_read(outcome: AccountOutcome) -> AccountRead {
    AccountRead {
        account_id: outcome.account_id,
        account_name: outcome.account_name,
        result: match outcome.result {
            AccountResult::Read(live) => ReadResult::Read(live),
            AccountResult::Skipped { reason } => ReadResult::Skipped { reason },
            AccountResult::Failed(err) => ReadResult::Failed(err.into()),
        },
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

    async fn read_scp(&self, policy_id: &str) -> Result<Option<LiveScp>, BoxError> {
        Ok(self.aws.read_scp(policy_id).await?)
    }
}

impl ApplyAccount for AccountClient {
    async fn apply(&self, change: &Change) -> Result<(), BoxError> {
        Ok(self.apply_change(change).await?)
    }

    async fn apply_rechecked(&self, change: &Change) -> Result<ChangeResult, BoxError> {
        Ok(match self.apply_change_rechecked(change).await? {
            WriteOutcome::Answered => ChangeResult::Applied,
            WriteOutcome::Rechecked => ChangeResult::Rechecked,
        })
    }

    async fn read_object(
        &self,
        object: &warden_plan::recheck::ObjectRef,
    ) -> Result<Option<warden_plan::recheck::LiveObject>, BoxError> {
        Ok(AccountClient::read_object(self, object).await?)
    }
}

/// How to reach AWS from `warden.yaml` and the connection flags: the region defaults to the
/// home region; a loopback endpoint is an emulator (its static test credentials, only the
/// region in use allowed), any other endpoint (e.g. a VPC endpoint) keeps the normal
/// credential chain.
pub fn aws_options(
    config: &Config,
    profile: Option<String>,
    region: Option<String>,
    endpoint_url: Option<String>,
) -> AwsOptions {
    let emulator = endpoint_url.as_deref().is_some_and(is_loopback);
    let mut options = endpoint_options(profile.is_some(), endpoint_url);
    options.profile = profile;
    options.region = region.or_else(|| Some(config.home_region.clone()));
    options.allowed_regions = match (&options.region, emulator) {
        (Some(region), true) => vec![region.clone()],
        _ => config.allowed_regions.clone(),
    };
    options
}

/// Options for an endpoint: a loopback one is an emulator (its region and test credentials),
/// except that `--profile` wins over the test credentials: a LocalStack or moto set up with its
/// own profile, or real credentials through a local proxy, must use them.
fn endpoint_options(has_profile: bool, endpoint_url: Option<String>) -> AwsOptions {
    let emulator = endpoint_url.as_deref().is_some_and(is_loopback);
    match endpoint_url {
        Some(url) if emulator && has_profile => AwsOptions {
            credentials: None,
            ..AwsOptions::emulator(url)
        },
        Some(url) if emulator => AwsOptions::emulator(url),
        Some(url) => AwsOptions {
            endpoint_url: Some(url),
            ..AwsOptions::default()
        },
        None => AwsOptions::default(),
    }
}

/// Whether the endpoint's host is `localhost`, `127.x.x.x` or `[::1]`.
fn is_loopback(url: &str) -> bool {
    let authority = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split('/')
        .next()
        .unwrap_or("");
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_loopback_endpoints_count_as_emulators() {
        assert!(super::is_loopback("http://127.0.0.1:5000"));
        assert!(super::is_loopback("http://localhost:5000/"));
        assert!(super::is_loopback("http://[::1]:5000"));
        assert!(!super::is_loopback("https://iam.amazonaws.com"));
        assert!(!super::is_loopback(
            "https://vpce-123.sts.us-east-1.vpce.amazonaws.com"
        ));
        assert!(!super::is_loopback("http://127.0.0.1.example.com"));
    }

    #[test]
    fn a_profile_is_honoured_with_any_endpoint() {
        let loopback = Some("http://127.0.0.1:5000".to_string());
        let with_profile = super::endpoint_options(true, loopback.clone());
        assert_eq!(
            with_profile.credentials, None,
            "the profile's credentials, not moto's"
        );
        assert_eq!(with_profile.endpoint_url, loopback);
        assert!(
            super::endpoint_options(false, loopback)
                .credentials
                .is_some()
        );
    }
}
