//! Snapshots: taking one from live AWS (inventory, SCPs and RCPs, then every selected member
//! account read in full, bounded and in parallel, each written as it arrives), and reading one
//! back as an organization source ([`SnapshotOrganization`]) so read-only commands run offline.

use std::path::{Path, PathBuf};

use warden_aws::{AccountResult, OutcomeStatus, ReadRequest};
use warden_plan::live::{LiveAccount, LiveScp};
use warden_snapshot::{AccountStatus, Manifest, Snapshot, SnapshotError, SnapshotWriter};
use warden_spec::org::Organization;

use crate::err::AppError;
use crate::live::LiveOrganization;
use crate::select::selected;
use crate::source::{
    AccountRead, BoxError, ProgressEvent, ReadOrganization, ReadResult, ReadStatus,
};

/// What to snapshot and where.
#[derive(Debug, Clone)]
pub struct SnapshotRequest {
    /// A directory that does not exist yet or is empty.
    pub out: PathBuf,
    /// Only these accounts (ids or names); every account when both filters are empty.
    pub accounts: Vec<String>,
    /// Only accounts under these OU paths or ids.
    pub ous: Vec<String>,
    /// RFC 3339, recorded in the manifest.
    pub created_at: String,
    /// Recorded in the manifest.
    pub tool_version: String,
}

/// What a snapshot holds, for the summary line.
#[derive(Debug, Clone)]
pub struct SnapshotSummary {
    pub dir: PathBuf,
    pub manifest: Manifest,
    pub scps: usize,
    pub rcps: usize,
}

impl SnapshotSummary {
    pub fn count(&self, status: AccountStatus) -> usize {
        self.manifest
            .accounts
            .iter()
            .filter(|entry| entry.status == status)
            .count()
    }

    /// One line per account not read (`id (name): Status: reason`), for stderr.
    pub fn problems(&self) -> Vec<String> {
        let entries = self.manifest.accounts.iter();
        let unread = entries.filter(|entry| entry.status != AccountStatus::Read);
        unread
            .map(|entry| {
                let reason = entry.reason.as_deref().unwrap_or_default();
                format!(
                    "{} ({}): {:?}: {reason}",
                    entry.id, entry.name, entry.status
                )
            })
            .collect()
    }

    /// `snapshot DIR: N accounts read, N skipped, N failed; N SCPs, N RCPs; N files`.
    pub fn headline(&self) -> String {
        format!(
            "snapshot {}: {} accounts read, {} skipped, {} failed; {} SCPs, {} RCPs; {} files",
            self.dir.display(),
            self.count(AccountStatus::Read),
            self.count(AccountStatus::Skipped),
            self.count(AccountStatus::Failed),
            self.scps,
            self.rcps,
            self.manifest.files.len() + 1,
        )
    }
}

/// Takes a snapshot of the organization into `request.out`. Accounts that cannot be read are
/// recorded in the manifest with the reason and do not stop the others; the manifest is
/// written last, so an interrupted snapshot is recognizably incomplete.
pub async fn take_snapshot(
    org: &LiveOrganization,
    request: &SnapshotRequest,
    progress: &(dyn Fn(ProgressEvent) + Sync),
) -> Result<SnapshotSummary, AppError> {
    let aws = org.aws();
    let (organization, scps, rcps) =
        tokio::join!(aws.inventory(), aws.read_scps(), aws.read_rcps());
    let (organization, scps, rcps) = (organization?, scps?, rcps?);
    let only: Vec<String> = organization
        .accounts
        .iter()
        .filter(|account| selected(account, &organization, &request.accounts, &request.ous))
        .map(|account| account.id.clone())
        .collect();
    if only.is_empty() {
        let mut what = request.accounts.clone();
        what.extend(request.ous.iter().cloned());
        return Err(AppError::NoAccounts(what.join(", ")));
    }
    let mut writer =
        SnapshotWriter::create(&request.out, &request.created_at, &request.tool_version)
            .map_err(source)?;
    writer
        .write_organization(&organization, &scps, &rcps)
        .map_err(source)?;

    let mut read_request = ReadRequest::new(org.access().clone(), org.concurrency());
    read_request.only_accounts = only;
    let mut failure: Option<SnapshotError> = None;
    let mut sink = |outcome: warden_aws::AccountOutcome| {
        let written = match outcome.result {
            AccountResult::Read(mut live) => {
                redact_external_id(&mut live, &org.access().external_id);
                writer.write_account(&outcome.account_name, &live)
            }
            AccountResult::Skipped { reason } => {
                writer.record_unread(
                    &outcome.account_id,
                    &outcome.account_name,
                    AccountStatus::Skipped,
                    &reason,
                );
                Ok(())
            }
            AccountResult::Failed(err) => {
                writer.record_unread(
                    &outcome.account_id,
                    &outcome.account_name,
                    AccountStatus::Failed,
                    &err.to_string(),
                );
                Ok(())
            }
        };
        if let Err(err) = written {
            failure.get_or_insert(err);
        }
    };
    let forward = |event: warden_aws::ProgressEvent| progress(forward_event(event));
    aws.read_accounts_full(&organization, &read_request, &forward, &mut sink)
        .await;
    if let Some(err) = failure {
        return Err(source(err));
    }
    let manifest = writer.finish().map_err(source)?;
    Ok(SnapshotSummary {
        dir: request.out.clone(),
        manifest,
        scps: scps.len(),
        rcps: rcps.len(),
    })
}

/// What replaces Warden's ExternalId in a snapshot.
pub const REDACTED: &str = "[redacted ExternalId]";

/// Replaces Warden's own ExternalId wherever a policy of the account holds it (the access
/// role's trust requires it): a snapshot is a file anyone may copy, the ExternalId a secret.
/// Other ExternalIds (third parties' trust conditions) are kept: they are part of the roles.
pub fn redact_external_id(live: &mut LiveAccount, external_id: &warden_aws::ExternalId) {
    let quoted = format!("\"{}\"", external_id.expose());
    let replacement = format!("\"{REDACTED}\"");
    for role in &mut live.roles {
        if role.trust_policy.contains(&quoted) {
            role.trust_policy = role.trust_policy.replace(&quoted, &replacement);
        }
        for document in role.inline_policies.values_mut() {
            if document.contains(&quoted) {
                *document = document.replace(&quoted, &replacement);
            }
        }
    }
}

pub(crate) fn forward_event(event: warden_aws::ProgressEvent) -> ProgressEvent {
    match event {
        warden_aws::ProgressEvent::Started { account_id } => ProgressEvent::Started { account_id },
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
    }
}

/// A snapshot as the organization for a read-only command, and the plan request for it (lint
/// gate on today, the repository's commit): no credentials, no ExternalId.
pub fn offline(
    root: &std::path::Path,
    dir: &std::path::Path,
) -> Result<(SnapshotOrganization, crate::PlanRequest), AppError> {
    let org = SnapshotOrganization::open(dir)?;
    Ok((org, crate::PlanRequest::for_repository(root)?))
}

fn source(err: SnapshotError) -> AppError {
    AppError::Source(Box::new(err))
}

/// A snapshot directory as an organization source: the inventory, SCPs and member accounts'
/// live IAM exactly as they were read when the snapshot was taken. Needs no credentials.
#[derive(Debug, Clone)]
pub struct SnapshotOrganization {
    snapshot: Snapshot,
    organization: Organization,
    scps: Vec<LiveScp>,
    rcps: Vec<LiveScp>,
}

impl SnapshotOrganization {
    /// Opens `dir` and reads its manifest and organization file (each checked against its
    /// SHA-256); account files are read when asked for.
    pub fn open(dir: &Path) -> Result<SnapshotOrganization, AppError> {
        let snapshot = Snapshot::open(dir).map_err(source)?;
        let file = snapshot.organization().map_err(source)?;
        Ok(SnapshotOrganization {
            snapshot,
            organization: file.organization,
            scps: file.scps,
            rcps: file.rcps,
        })
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    pub fn organization(&self) -> &Organization {
        &self.organization
    }

    pub fn rcps(&self) -> &[LiveScp] {
        &self.rcps
    }

    /// One account's live IAM.
    pub fn account(&self, account_id: &str) -> Result<LiveAccount, AppError> {
        self.snapshot.account(account_id).map_err(source)
    }
}

impl ReadOrganization for SnapshotOrganization {
    async fn inventory(&self) -> Result<Organization, BoxError> {
        Ok(self.organization.clone())
    }

    async fn scps(&self) -> Result<Vec<LiveScp>, BoxError> {
        Ok(self.scps.clone())
    }

    async fn read_accounts(
        &self,
        organization: &Organization,
        only: &[String],
        progress: &(dyn Fn(ProgressEvent) + Sync),
    ) -> Vec<AccountRead> {
        let mut wanted: Vec<(String, String)> = organization
            .accounts
            .iter()
            .filter(|account| only.is_empty() || only.contains(&account.id))
            .map(|account| (account.id.clone(), account.name.clone()))
            .collect();
        wanted.sort();
        let total = wanted.len();
        let mut reads = Vec::with_capacity(total);
        for (done, (account_id, account_name)) in wanted.into_iter().enumerate() {
            progress(ProgressEvent::Started {
                account_id: account_id.clone(),
            });
            let entry = self
                .snapshot
                .accounts()
                .iter()
                .find(|entry| entry.id == account_id);
            let result = match entry.map(|entry| (entry.status, entry.reason.clone())) {
                Some((AccountStatus::Read, _)) => match self.snapshot.account(&account_id) {
                    Ok(live) => ReadResult::Read(live),
                    Err(err) => ReadResult::Failed(Box::new(err)),
                },
                Some((AccountStatus::Skipped, reason)) => ReadResult::Skipped {
                    reason: reason.unwrap_or_default(),
                },
                Some((AccountStatus::Failed, reason)) => ReadResult::Failed(
                    format!(
                        "not read when the snapshot was taken: {}",
                        reason.unwrap_or_default()
                    )
                    .into(),
                ),
                None => ReadResult::Failed(
                    format!(
                        "account `{account_id}` is not in the snapshot `{}`",
                        self.snapshot.dir().display()
                    )
                    .into(),
                ),
            };
            let status = match &result {
                ReadResult::Read(_) => ReadStatus::Read,
                ReadResult::Skipped { .. } => ReadStatus::Skipped,
                ReadResult::Failed(_) => ReadStatus::Failed,
            };
            progress(ProgressEvent::Finished {
                account_id: account_id.clone(),
                status,
                done: done + 1,
                total,
            });
            reads.push(AccountRead {
                account_id,
                account_name,
                result,
            });
        }
        reads
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_snapshot::AccountEntry;

    #[test]
    fn the_summary_counts_accounts_and_lists_the_unread() {
        let entry = |id: &str, status, reason: Option<&str>| AccountEntry {
            id: id.into(),
            name: format!("n{id}"),
            status,
            reason: reason.map(Into::into),
        };
        let summary = SnapshotSummary {
            dir: PathBuf::from("snap"),
            manifest: Manifest {
                layout: 1,
                created_at: String::new(),
                tool_version: String::new(),
                live_layout: 1,
                accounts: vec![
                    entry("1", AccountStatus::Read, None),
                    entry("2", AccountStatus::Failed, Some("AccessDenied")),
                ],
                files: [("a".to_string(), String::new())].into(),
            },
            scps: 3,
            rcps: 0,
        };
        assert_eq!(summary.problems(), ["2 (n2): Failed: AccessDenied"]);
        assert_eq!(
            summary.headline(),
            "snapshot snap: 1 accounts read, 0 skipped, 1 failed; 3 SCPs, 0 RCPs; 2 files"
        );
    }
}
