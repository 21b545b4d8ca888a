//! The posture lint of live state: users, keys, root, password policy, unused roles and trust
//! outside the organization, plus the trust and escalation rules on every live role and the
//! organization's RCPs, over a snapshot directory or accounts already read.
//!
//! Accounts are linted one at a time as they are read (from the snapshot, or from AWS as each
//! account's read completes), so memory holds the accounts in flight and the findings, not the
//! organization's IAM.

use std::collections::BTreeSet;
use std::path::Path;

use warden_catalog::Catalog;
use warden_lint::live_input::{LiveAccountInput, LiveInput, PostureConfig, TrustedAccount};
use warden_lint::{Exception, Finding, LintConfig, LintOptions, Location};
use warden_plan::live::{LiveAccount, LiveScp};
use warden_snapshot::{AccountStatus, Snapshot};
use warden_spec::{Definitions, Organization};

use crate::err::AppError;
use crate::live::LiveOrganization;
use crate::source::ProgressEvent;

/// What the posture lint needs besides the live state.
pub struct PostureRequest<'a> {
    pub catalog: &'a Catalog,
    pub config: LintConfig,
    pub posture: PostureConfig,
    /// The day ages and exceptions are judged on.
    pub today: warden_lint::Date,
    /// Trusted outside accounts and exceptions come from here when given.
    pub definitions: Option<&'a Definitions>,
}

impl PostureRequest<'_> {
    /// The lint options every posture lint runs with.
    fn options(&self) -> LintOptions<'_> {
        LintOptions {
            catalog: self.catalog,
            config: &self.config,
            today: self.today,
        }
    }
}

/// Findings over every account read, and the accounts that were not.
#[derive(Debug, Clone, Default)]
pub struct PostureLint {
    pub findings: Vec<Finding>,
    pub accounts: usize,
    /// Account id and why it was not read (skipped or failed when the snapshot was taken).
    pub unread: Vec<(String, String)>,
}

impl PostureLint {
    /// Adds the findings to a lint run, with a scope line that says how many accounts were
    /// read and which were not (and why), so a partial read does not pass for a clean one.
    pub fn add_to(self, linted: &mut crate::lint_files::Linted, source: &str) {
        let mut scope = format!("live posture of {} account(s) {source}", self.accounts);
        if !self.unread.is_empty() {
            let unread: Vec<String> = self
                .unread
                .iter()
                .map(|(account, reason)| format!("{account} ({reason})"))
                .collect();
            scope.push_str(&format!("; not read: {}", unread.join(", ")));
        }
        linted.scope.push(scope);
        linted.findings.extend(self.findings);
        warden_lint::finding::sort_findings(&mut linted.findings);
    }
}

/// Lints the live state a snapshot holds (see `warden-snapshot`).
pub fn lint_snapshot(dir: &Path, request: &PostureRequest<'_>) -> Result<PostureLint, AppError> {
    lint_snapshot_account(dir, request, None)
}

/// [`lint_snapshot`] narrowed to one account (`--account`, by id or by the name the snapshot's
/// organization gives it): only that account is read and linted, and only it can be listed as
/// not read. An account the snapshot's organization does not know is an error.
pub fn lint_snapshot_account(
    dir: &Path,
    request: &PostureRequest<'_>,
    account: Option<&str>,
) -> Result<PostureLint, AppError> {
    let snapshot = Snapshot::open(dir).map_err(source)?;
    let written = snapshot.organization().map_err(source)?;
    let organization = written.organization;
    let only = account
        .map(|wanted| account_id_in(&organization, wanted, dir))
        .transpose()?;
    let mut result = PostureLint::default();
    for entry in snapshot.accounts() {
        if only.as_deref().is_some_and(|id| id != entry.id) {
            continue;
        }
        if entry.status != AccountStatus::Read {
            result
                .unread
                .push((entry.id.clone(), entry.reason.clone().unwrap_or_default()));
            continue;
        }
        let account = snapshot.account(&entry.id).map_err(source)?;
        let file = dir
            .join("accounts")
            .join(format!("{}.json", entry.id))
            .display()
            .to_string();
        result
            .findings
            .extend(lint_one(&account, &file, &organization, request));
        result.accounts += 1;
    }
    let file = dir.join("organization.json").display().to_string();
    result
        .findings
        .extend(lint_rcps(&written.rcps, &file, request));
    warden_lint::finding::sort_findings(&mut result.findings);
    Ok(result)
}

/// The organization's resource control policies linted as RCPs (WL707–WL710, WL807 and the
/// rules of every policy document), findings at `file`. They apply across accounts, so
/// `--account` does not narrow them.
pub fn lint_rcps(rcps: &[LiveScp], file: &str, request: &PostureRequest<'_>) -> Vec<Finding> {
    warden_lint::live_input::lint_rcps(rcps, file, &request.options())
}

/// The id of the account `wanted` names in `organization`, by id or by name (the management
/// account by its id).
fn account_id_in(
    organization: &Organization,
    wanted: &str,
    dir: &Path,
) -> Result<String, AppError> {
    if organization.management_account_id == wanted {
        return Ok(wanted.to_string());
    }
    organization
        .accounts
        .iter()
        .find(|account| account.id == wanted || account.name == wanted)
        .map(|account| account.id.clone())
        .ok_or_else(|| AppError::UnknownAccount {
            account: wanted.to_string(),
            file: dir.display().to_string(),
        })
}

/// Lints accounts already in memory (a live read, a test); findings point at `aws:<account>`.
pub fn lint_accounts(
    accounts: &[LiveAccount],
    organization: &Organization,
    request: &PostureRequest<'_>,
) -> PostureLint {
    let mut findings = Vec::new();
    for account in accounts {
        let file = format!("aws:{}", account.account_id);
        findings.extend(lint_one(account, &file, organization, request));
    }
    warden_lint::finding::sort_findings(&mut findings);
    PostureLint {
        findings,
        accounts: accounts.len(),
        unread: Vec::new(),
    }
}

/// Lints the organization's IAM as read now through the access role (`lint --live`): every
/// member account of `organization` read in full, exactly as `snapshot` reads it, and linted as
/// soon as it arrives (only those in `only` when it is not empty). Warden's own ExternalId is
/// redacted first, as in a snapshot, so findings are the same as over a snapshot taken now;
/// only their `file` differs (`aws:<account>`). Accounts not read are listed, not fatal. The
/// accounts read are returned too, for the escalation paths across them: one read serves both.
pub async fn lint_live(
    org: &LiveOrganization,
    organization: &Organization,
    only: &[String],
    request: &PostureRequest<'_>,
    progress: &(dyn Fn(ProgressEvent) + Sync),
) -> (PostureLint, Vec<LiveAccount>) {
    let read = warden_aws::ReadRequest::new(org.access().clone(), org.concurrency());
    let mut result = PostureLint::default();
    let mut accounts = Vec::new();
    let wanted = |id: &str| only.is_empty() || only.iter().any(|wanted| wanted == id);
    let mut sink = |outcome: warden_aws::AccountOutcome| match outcome.result {
        warden_aws::AccountResult::Read(mut live) => {
            crate::snapshot::redact_external_id(&mut live, &org.access().external_id);
            if wanted(&live.account_id) {
                let file = format!("aws:{}", live.account_id);
                result
                    .findings
                    .extend(lint_one(&live, &file, organization, request));
                result.accounts += 1;
            }
            accounts.push(live);
        }
        warden_aws::AccountResult::Skipped { reason } if wanted(&outcome.account_id) => {
            result.unread.push((outcome.account_id, reason));
        }
        warden_aws::AccountResult::Failed(err) if wanted(&outcome.account_id) => {
            result.unread.push((outcome.account_id, err.to_string()));
        }
        warden_aws::AccountResult::Skipped { .. } | warden_aws::AccountResult::Failed(_) => {}
    };
    let forward =
        |event: warden_aws::ProgressEvent| progress(crate::snapshot::forward_event(event));
    org.aws()
        .read_accounts_full(organization, &read, &forward, &mut sink)
        .await;
    warden_lint::finding::sort_findings(&mut result.findings);
    result.unread.sort();
    accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    (result, accounts)
}

pub(crate) fn lint_one(
    account: &LiveAccount,
    file: &str,
    organization: &Organization,
    request: &PostureRequest<'_>,
) -> Vec<Finding> {
    let input = LiveInput {
        accounts: vec![LiveAccountInput { account, file }],
        organization_accounts: organization_accounts(organization),
        trusted_accounts: trusted_accounts(request.definitions),
        posture: request.posture.clone(),
        exceptions: exceptions(request.definitions),
    };
    warden_lint::live_input::lint_live(&input, &request.options())
}

/// The posture rules proper (users, keys, root, password policy, unused roles, trust from
/// outside), as opposed to the trust and escalation rules also run on live roles.
pub(crate) fn is_posture_rule(id: &str) -> bool {
    id == "WL550" || id.starts_with("WL75")
}

/// Every account of the organization, the management account included.
pub fn organization_accounts(organization: &Organization) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = organization
        .accounts
        .iter()
        .map(|account| account.id.clone())
        .collect();
    ids.insert(organization.management_account_id.clone());
    ids
}

/// The posture thresholds: `warden.yaml`'s `posture` settings over the defaults.
pub fn posture_config(definitions: Option<&Definitions>) -> PostureConfig {
    let mut config = PostureConfig::default();
    let Some(set) = definitions.map(|definitions| &definitions.config.posture) else {
        return config;
    };
    if let Some(days) = set.access_key_max_age_days {
        config.access_key_max_age_days = i64::from(days);
    }
    if let Some(days) = set.access_key_unused_days {
        config.access_key_unused_days = i64::from(days);
    }
    if let Some(days) = set.role_unused_days {
        config.role_unused_days = i64::from(days);
    }
    if let Some(length) = set.password_min_length {
        config.password.minimum_length = length;
    }
    if let Some(days) = set.password_max_age_days {
        config.password.max_age_days = Some(days);
    }
    if let Some(count) = set.password_reuse_prevention {
        config.password.reuse_prevention = Some(count);
    }
    config
}

/// `trusted_accounts` of `warden.yaml`.
pub fn trusted_accounts(definitions: Option<&Definitions>) -> Vec<TrustedAccount> {
    definitions
        .map(|definitions| {
            definitions
                .config
                .trusted_accounts
                .iter()
                .map(|trusted| TrustedAccount {
                    id: trusted.id.clone(),
                    name: trusted.name.clone(),
                    reason: trusted.reason.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `trusted_accounts` of `warden.yaml` as id and name, as the reports show them.
pub fn trusted_account_names(definitions: &Definitions) -> Vec<(String, String)> {
    trusted_accounts(Some(definitions))
        .into_iter()
        .map(|trusted| (trusted.id, trusted.name))
        .collect()
}

/// Exceptions written on role definitions cover that role's live findings by name.
fn exceptions(definitions: Option<&Definitions>) -> Vec<Exception> {
    let Some(definitions) = definitions else {
        return Vec::new();
    };
    definitions
        .roles
        .iter()
        .flat_map(|role| {
            role.exceptions.iter().map(|exception| Exception {
                rule: exception.rule.clone(),
                sid: exception.sid.clone(),
                reason: exception.reason.clone(),
                owner: exception.owner.clone(),
                expires: exception.expires,
                principal: Some(role.name.clone()),
                location: Location::new(
                    exception.location.file.clone(),
                    exception.location.line,
                    exception.location.column,
                ),
            })
        })
        .collect()
}

fn source(err: warden_snapshot::SnapshotError) -> AppError {
    AppError::Source(Box::new(err))
}
