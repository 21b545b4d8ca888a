//! The drift report model: per account, what the repository would change and why (objects not
//! yet live versus live objects that differ), conflicts, unmanaged objects, unreadable accounts
//! and lint findings, with totals. Built from a plan (never applied) and lint findings.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use warden_lint::{Finding, Severity};
use warden_plan::{AccountPlan, Action, Change, Conflict, Plan, Unmanaged, Unreadable};
use warden_spec::org::Organization;

use crate::evidence::{AccountEvidence, ExternalTrust, UserEvidence};
use crate::permissions::LevelCounts;
use crate::risk::{ClassCounts, RiskClass, RiskCounts, class_of_rule};

pub const DRIFT_FORMAT: &str = "warden-drift";
pub const DRIFT_FORMAT_VERSION: u32 = 1;

/// The report's overall answer, for its headline and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every account in scope was read and nothing differs.
    InSync,
    /// Changes or conflicts (some accounts may be unread too).
    Drift,
    /// No drift where read, but some accounts could not be read.
    PartlyRead,
    /// No account could be read: the report saw nothing.
    NothingRead,
}

/// Why the repository would make a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Difference {
    /// The object (role, policy, SCP) does not exist live: defined since the last apply, or
    /// deleted out of band.
    NotLive,
    /// The object exists live and differs from the repository: changed out of band, or the
    /// repository changed since the last apply. This is drift.
    Differs,
    /// A Warden-managed object exists live that the repository no longer defines.
    NotInRepo,
}

impl Difference {
    pub fn label(self) -> &'static str {
        match self {
            Difference::NotLive => "not live",
            Difference::Differs => "live differs",
            Difference::NotInRepo => "not in repo",
        }
    }
}

/// One change the repository would make, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRow {
    pub action: Action,
    /// `role`, `inline`, `trust`, `policy`, … (the plan table's kind column).
    pub kind: String,
    pub subject: String,
    pub difference: Difference,
    /// Live IAM allows more than the repository here (an extra role, attachment or inline
    /// policy, a missing boundary, or a document granting actions or resources the repository
    /// does not): the drift an auditor looks at first.
    #[serde(default)]
    pub live_grants_more: bool,
    /// What a document change grants or removes, one line each (`+ s3:GetObject`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detail: Vec<String>,
}

/// Whether an account is in sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    InSync,
    Drift,
    Conflict,
    Unreadable,
}

impl AccountStatus {
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::InSync => "in sync",
            AccountStatus::Drift => "drift",
            AccountStatus::Conflict => "conflict",
            AccountStatus::Unreadable => "unreadable",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDrift {
    pub account_id: String,
    pub account_name: String,
    /// `Root/Workloads/Prod`; empty when the account is not in the inventory.
    pub ou_path: String,
    pub status: AccountStatus,
    pub changes: Vec<ChangeRow>,
    pub conflicts: Vec<Conflict>,
    pub unmanaged: Vec<Unmanaged>,
    /// Why the account could not be read, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
    pub findings: Vec<Finding>,
    /// What live IAM grants and holds, beside the repository: present when the account was
    /// read and the report was built with live truth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<AccountLiveTruth>,
}

/// Actions counted by access level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionCounts {
    pub total: usize,
    pub levels: LevelCounts,
}

/// One role of the repository: what its live documents grant beside what the repository's do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleLiveTruth {
    pub name: String,
    pub repository: PermissionCounts,
    pub live: PermissionCounts,
    /// Live and repository grant different actions.
    pub differs: bool,
    /// Actions live grants that the repository does not: access added by hand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub beyond_repository: Vec<String>,
    /// Actions the repository grants that live does not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_from_live: Vec<String>,
}

/// An unmanaged live object a posture, trust or escalation finding is about, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskyObject {
    /// `role`, `user` or `account`.
    pub kind: String,
    pub name: String,
    pub class: RiskClass,
    pub rule: String,
    pub severity: Severity,
    /// The finding's message.
    pub why: String,
}

/// Live truth of one account: effective permissions from the live documents, users and their
/// credentials, unused roles, who outside the organization can assume what, and the posture
/// findings (the same data as the evidence bundle's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLiveTruth {
    /// Users, groups and the credential report were read (a snapshot). A plan's own read covers
    /// roles and policies only: then `users` is empty because nobody looked.
    pub users_read: bool,
    pub roles: Vec<RoleLiveTruth>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserEvidence>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unused_roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_trust: Vec<ExternalTrust>,
    /// Posture findings and the trust and escalation rules on every live role, managed or not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// Unmanaged objects the findings above are about (filled by [`DriftReport::with_live_truth`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risky_unmanaged: Vec<RiskyObject>,
}

impl AccountLiveTruth {
    /// The live-truth part of an account's evidence (after
    /// [`crate::evidence::add_live_truth`]); `findings` are the account's live findings.
    pub fn from_evidence(
        evidence: &AccountEvidence,
        users_read: bool,
        findings: Vec<Finding>,
    ) -> AccountLiveTruth {
        let roles = evidence
            .roles
            .iter()
            .filter_map(|role| {
                let live = role.live_permissions.as_ref()?;
                Some(RoleLiveTruth {
                    name: role.name.clone(),
                    repository: PermissionCounts {
                        total: role.permissions.total,
                        levels: role.permissions.levels,
                    },
                    live: PermissionCounts {
                        total: live.permissions.total,
                        levels: live.permissions.levels,
                    },
                    differs: live.differs,
                    beyond_repository: live.beyond_repository.clone(),
                    missing_from_live: live.missing_from_live.clone(),
                })
            })
            .collect();
        let posture = evidence.posture.as_ref();
        AccountLiveTruth {
            users_read,
            roles,
            users: posture.map(|p| p.users.clone()).unwrap_or_default(),
            unused_roles: posture.map(|p| p.unused_roles.clone()).unwrap_or_default(),
            external_trust: posture
                .map(|p| p.external_trust.clone())
                .unwrap_or_default(),
            findings,
            risky_unmanaged: Vec::new(),
        }
    }
}

impl AccountDrift {
    pub fn count(&self, difference: Difference) -> usize {
        self.changes
            .iter()
            .filter(|change| change.difference == difference)
            .count()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftTotals {
    pub accounts: usize,
    pub accounts_in_sync: usize,
    pub accounts_with_drift: usize,
    pub unreadable: usize,
    pub changes: usize,
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub not_live: usize,
    pub differs: usize,
    pub not_in_repo: usize,
    /// Changes where live IAM allows more than the repository.
    pub live_grants_more: usize,
    pub conflicts: usize,
    pub unmanaged: usize,
    pub lint_errors: usize,
    pub lint_warnings: usize,
    pub lint_excepted: usize,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftReport {
    /// Always `warden-drift`.
    pub format: String,
    pub format_version: u32,
    /// When live state was read (RFC 3339, UTC).
    pub generated_at: String,
    pub warden_version: String,
    pub commit: Option<String>,
    pub dirty: bool,
    pub definitions_digest: String,
    pub management_account_id: String,
    pub totals: DriftTotals,
    /// Member accounts, by name then id; unreadable ones included with the reason.
    pub accounts: Vec<AccountDrift>,
    /// SCP changes and conflicts (`account_id` is `organization`), when SCPs were planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<AccountDrift>,
    /// Findings (lint and live) and drift where live grants more, by risk class.
    #[serde(default)]
    pub risks: BTreeMap<RiskClass, ClassCounts>,
}

impl DriftReport {
    /// The report of a plan and the lint findings of the same definitions. Findings are placed
    /// under the account they concern; the others (SCPs) under the organization.
    pub fn build(plan: &Plan, organization: &Organization, findings: &[Finding]) -> DriftReport {
        let mut accounts: Vec<AccountDrift> = plan
            .accounts
            .iter()
            .map(|account| account_drift(account, organization, findings))
            .collect();
        accounts.extend(
            plan.unreadable
                .iter()
                .map(|unreadable| unreadable_drift(unreadable, organization, findings)),
        );
        accounts.sort_by(|a, b| {
            (&a.account_name, &a.account_id).cmp(&(&b.account_name, &b.account_id))
        });
        let org_findings: Vec<Finding> = findings
            .iter()
            .filter(|finding| {
                finding
                    .account
                    .as_ref()
                    .is_none_or(|id| !accounts.iter().any(|a| &a.account_id == id))
            })
            .cloned()
            .collect();
        let organization_drift = match &plan.organization {
            Some(scps) => {
                let rows = change_rows(&scps.changes);
                let status = status_of(&rows, &scps.conflicts, None);
                Some(AccountDrift {
                    account_id: "organization".into(),
                    account_name: "Service control policies".into(),
                    ou_path: String::new(),
                    status,
                    changes: rows,
                    conflicts: scps.conflicts.clone(),
                    unmanaged: scps.unmanaged.clone(),
                    unreadable: None,
                    findings: org_findings,
                    live: None,
                })
            }
            None if !org_findings.is_empty() => Some(AccountDrift {
                account_id: "organization".into(),
                account_name: "Service control policies".into(),
                ou_path: String::new(),
                status: AccountStatus::InSync,
                changes: Vec::new(),
                conflicts: Vec::new(),
                unmanaged: Vec::new(),
                unreadable: None,
                findings: org_findings,
                live: None,
            }),
            None => None,
        };
        let mut report = DriftReport {
            format: DRIFT_FORMAT.into(),
            format_version: DRIFT_FORMAT_VERSION,
            generated_at: plan.created_at.clone(),
            warden_version: crate::WARDEN_VERSION.into(),
            commit: plan.commit.clone(),
            dirty: plan.dirty,
            definitions_digest: plan.definitions_digest.clone(),
            management_account_id: plan.management_account_id.clone(),
            totals: DriftTotals::default(),
            accounts,
            organization: organization_drift,
            risks: BTreeMap::new(),
        };
        report.totals = totals(&report);
        report.risks = risks(&report);
        report
    }

    /// The report with live truth added to the accounts it was read for (by account id), each
    /// account's risky unmanaged objects picked from its live findings, and the risk counts
    /// recomputed.
    pub fn with_live_truth(mut self, mut live: BTreeMap<String, AccountLiveTruth>) -> DriftReport {
        for account in &mut self.accounts {
            let Some(mut truth) = live.remove(&account.account_id) else {
                continue;
            };
            truth.risky_unmanaged = risky_unmanaged(&account.unmanaged, &truth.findings);
            account.live = Some(truth);
        }
        self.risks = risks(&self);
        self
    }

    /// Whether any account carries live truth.
    pub fn has_live_truth(&self) -> bool {
        self.accounts.iter().any(|account| account.live.is_some())
    }

    /// Any change, conflict or unreadable account.
    pub fn has_drift(&self) -> bool {
        self.totals.changes > 0 || self.totals.conflicts > 0 || self.totals.unreadable > 0
    }

    /// What the report says first. A report that read nothing must not read as drift over
    /// zeros, nor as "no drift".
    pub fn verdict(&self) -> Verdict {
        let t = &self.totals;
        // Member accounts, whatever the SCPs (read from the management account) showed.
        if t.accounts > 0 && t.unreadable == t.accounts {
            Verdict::NothingRead
        } else if t.changes > 0 || t.conflicts > 0 {
            Verdict::Drift
        } else if t.unreadable > 0 {
            Verdict::PartlyRead
        } else {
            Verdict::InSync
        }
    }

    /// The headline sentence for the verdict, with the counts it rests on.
    pub fn headline(&self) -> String {
        let t = &self.totals;
        let read = t.accounts - t.unreadable;
        let unread = if t.unreadable > 0 {
            format!(
                "; {} of {} account(s) could not be read and are not covered",
                t.unreadable, t.accounts
            )
        } else {
            String::new()
        };
        match self.verdict() {
            Verdict::NothingRead => format!(
                "No account could be read: 0 of {} account(s) read, so this report says nothing about their drift{}",
                t.accounts,
                if t.changes + t.conflicts > 0 {
                    " (the service control policy changes below were read)"
                } else {
                    ""
                }
            ),
            Verdict::Drift => format!(
                "Drift found: {} change(s) and {} conflict(s) in {} account(s){unread}",
                t.changes, t.conflicts, t.accounts_with_drift
            ),
            Verdict::PartlyRead => format!("No drift in the {read} account(s) read{unread}"),
            Verdict::InSync => "No drift: live IAM matches the repository".to_string(),
        }
    }

    /// Every account section including the organization's, in display order.
    pub fn sections(&self) -> impl Iterator<Item = &AccountDrift> {
        self.accounts.iter().chain(self.organization.as_ref())
    }
}

fn account_drift(
    account: &AccountPlan,
    organization: &Organization,
    findings: &[Finding],
) -> AccountDrift {
    let rows = change_rows(&account.changes);
    AccountDrift {
        account_id: account.account_id.clone(),
        account_name: account.account_name.clone(),
        ou_path: ou_path(organization, &account.account_id),
        status: status_of(&rows, &account.conflicts, None),
        changes: rows,
        conflicts: account.conflicts.clone(),
        unmanaged: account.unmanaged.clone(),
        unreadable: None,
        findings: findings_of(findings, &account.account_id),
        live: None,
    }
}

fn unreadable_drift(
    unreadable: &Unreadable,
    organization: &Organization,
    findings: &[Finding],
) -> AccountDrift {
    AccountDrift {
        account_id: unreadable.account_id.clone(),
        account_name: unreadable.account_name.clone(),
        ou_path: ou_path(organization, &unreadable.account_id),
        status: AccountStatus::Unreadable,
        changes: Vec::new(),
        conflicts: Vec::new(),
        unmanaged: Vec::new(),
        unreadable: Some(unreadable.reason.clone()),
        findings: findings_of(findings, &unreadable.account_id),
        live: None,
    }
}

/// Live findings (active, in a risk class) about an unmanaged role, or about a user or the
/// account itself (Warden never manages those).
pub fn risky_unmanaged(unmanaged: &[Unmanaged], findings: &[Finding]) -> Vec<RiskyObject> {
    let unmanaged_roles: BTreeSet<String> = unmanaged
        .iter()
        .filter(|item| item.kind == "role")
        .map(|item| item.name.to_ascii_lowercase())
        .collect();
    findings
        .iter()
        .filter(|finding| finding.is_active())
        .filter_map(|finding| {
            let class = class_of_rule(&finding.rule);
            if class == RiskClass::Other {
                return None;
            }
            let name = finding.principal.clone().unwrap_or_default();
            let kind = if unmanaged_roles.contains(&name.to_ascii_lowercase()) {
                "role"
            } else if matches!(finding.rule.as_str(), "WL750" | "WL751" | "WL752" | "WL755") {
                "user"
            } else if matches!(finding.rule.as_str(), "WL753" | "WL754" | "WL756") {
                "account"
            } else {
                return None;
            };
            Some(RiskyObject {
                kind: kind.into(),
                name,
                class,
                rule: finding.rule.clone(),
                severity: finding.severity,
                why: finding.message.clone(),
            })
        })
        .collect()
}

fn risks(report: &DriftReport) -> BTreeMap<RiskClass, ClassCounts> {
    let mut counts = RiskCounts::default();
    for section in report.sections() {
        for finding in &section.findings {
            counts.add_finding(finding);
        }
        for row in &section.changes {
            counts.add_change(row);
        }
        for finding in section.live.iter().flat_map(|live| &live.findings) {
            counts.add_finding(finding);
        }
    }
    RiskClass::ALL
        .iter()
        .map(|class| (*class, counts.get(*class)))
        .collect()
}

fn ou_path(organization: &Organization, account_id: &str) -> String {
    organization
        .account(account_id)
        .map(|account| account.ou_path.clone())
        .unwrap_or_default()
}

fn findings_of(findings: &[Finding], account_id: &str) -> Vec<Finding> {
    findings
        .iter()
        .filter(|finding| finding.account.as_deref() == Some(account_id))
        .cloned()
        .collect()
}

fn status_of(
    rows: &[ChangeRow],
    conflicts: &[Conflict],
    unreadable: Option<&str>,
) -> AccountStatus {
    if unreadable.is_some() {
        AccountStatus::Unreadable
    } else if !conflicts.is_empty() {
        AccountStatus::Conflict
    } else if !rows.is_empty() {
        AccountStatus::Drift
    } else {
        AccountStatus::InSync
    }
}

/// Classifies each change: changes that create an object, or touch a role or SCP the same plan
/// creates, are `NotLive`; deleting a whole object is `NotInRepo`; everything else is a live
/// object differing from the repository.
pub fn change_rows(changes: &[Change]) -> Vec<ChangeRow> {
    let created: BTreeSet<String> = changes
        .iter()
        .filter_map(|change| match change {
            Change::CreateRole { name, .. } | Change::CreateScp { name, .. } => {
                Some(name.to_ascii_lowercase())
            }
            _ => None,
        })
        .collect();
    changes
        .iter()
        .map(|change| ChangeRow {
            action: change.action(),
            kind: change.object_kind().to_string(),
            subject: change.subject(),
            difference: difference_of(change, &created),
            live_grants_more: live_grants_more(change),
            detail: detail_lines(change),
        })
        .collect()
}

fn difference_of(change: &Change, created: &BTreeSet<String>) -> Difference {
    match change {
        Change::CreateRole { .. } | Change::CreatePolicy { .. } | Change::CreateScp { .. } => {
            Difference::NotLive
        }
        Change::AttachScp { name, .. } if created.contains(&name.to_ascii_lowercase()) => {
            Difference::NotLive
        }
        Change::DeleteRole { .. } | Change::DeletePolicy { .. } | Change::DeleteScp { .. } => {
            Difference::NotInRepo
        }
        other => match other.role() {
            Some(role) if created.contains(&role.to_ascii_lowercase()) => Difference::NotLive,
            _ => Difference::Differs,
        },
    }
}

/// Changes that take access away from live IAM. SCP changes are left out: a lost action in a
/// deny statement means live denies more, not less.
fn live_grants_more(change: &Change) -> bool {
    match change {
        Change::DetachPolicy { .. }
        | Change::DeleteInlinePolicy { .. }
        | Change::DeleteRole { .. }
        | Change::PutBoundary { .. } => true,
        other if other.is_scp() => false,
        other => other.delta().is_some_and(|delta| {
            !delta.actions_lost.is_empty() || !delta.resources_lost.is_empty()
        }),
    }
}

fn detail_lines(change: &Change) -> Vec<String> {
    let Some(delta) = change.delta() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    lines.extend(delta.actions_gained.iter().map(|a| format!("+ action {a}")));
    lines.extend(delta.actions_lost.iter().map(|a| format!("- action {a}")));
    lines.extend(
        delta
            .resources_gained
            .iter()
            .map(|r| format!("+ resource {r}")),
    );
    lines.extend(
        delta
            .resources_lost
            .iter()
            .map(|r| format!("- resource {r}")),
    );
    lines.extend(delta.other.iter().map(|o| format!("~ {o}")));
    lines
}

fn totals(report: &DriftReport) -> DriftTotals {
    let mut totals = DriftTotals {
        accounts: report.accounts.len(),
        ..DriftTotals::default()
    };
    for section in report.sections() {
        match section.status {
            AccountStatus::InSync if section.account_id != "organization" => {
                totals.accounts_in_sync += 1;
            }
            AccountStatus::Unreadable => totals.unreadable += 1,
            AccountStatus::Drift | AccountStatus::Conflict
                if section.account_id != "organization" =>
            {
                totals.accounts_with_drift += 1;
            }
            _ => {}
        }
        totals.changes += section.changes.len();
        for row in &section.changes {
            match row.action {
                Action::Create => totals.create += 1,
                Action::Update => totals.update += 1,
                Action::Delete => totals.delete += 1,
            }
            totals.live_grants_more += usize::from(row.live_grants_more);
            match row.difference {
                Difference::NotLive => totals.not_live += 1,
                Difference::Differs => totals.differs += 1,
                Difference::NotInRepo => totals.not_in_repo += 1,
            }
        }
        totals.conflicts += section.conflicts.len();
        totals.unmanaged += section.unmanaged.len();
        for finding in &section.findings {
            match (finding.is_active(), finding.severity) {
                (false, _) => totals.lint_excepted += 1,
                (true, Severity::Error) => totals.lint_errors += 1,
                (true, Severity::Warning) => totals.lint_warnings += 1,
                (true, Severity::Info) => {}
            }
        }
    }
    totals
}
