//! What apply did: per account (and the organization, for SCPs) which changes were applied,
//! which failed and which were not attempted, and why an account was refused.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::change::Change;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReport {
    pub accounts: Vec<AccountApplyReport>,
    /// SCP changes, when the plan had any.
    pub organization: Option<AccountApplyReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountApplyReport {
    /// Account id, or `organization`.
    pub account_id: String,
    pub account_name: String,
    pub status: ApplyStatus,
    pub changes: Vec<ChangeOutcome>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "reasons", rename_all = "snake_case")]
pub enum ApplyStatus {
    /// Every change applied (or there were none).
    Applied,
    /// Nothing was changed: the plan is stale, touches what Warden does not own, or breaks a quota.
    Refused(Vec<String>),
    /// Reaching or changing the account failed; see the change outcomes for how far it got.
    Failed(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeOutcome {
    pub change: Change,
    pub result: ChangeResult,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", content = "error", rename_all = "snake_case")]
pub enum ChangeResult {
    Applied,
    /// The answer was lost (or was an error a retried write gives); reading the object back
    /// found the change made: "unknown, re-checked: applied".
    Rechecked,
    Failed(String),
    NotAttempted,
}

impl ChangeResult {
    /// Applied, whether AWS said so or a re-check found it.
    pub fn is_applied(&self) -> bool {
        matches!(self, ChangeResult::Applied | ChangeResult::Rechecked)
    }
}

impl AccountApplyReport {
    /// A report where nothing was attempted, e.g. refused before the first call.
    pub fn untouched(
        account_id: &str,
        account_name: &str,
        changes: &[Change],
        status: ApplyStatus,
    ) -> Self {
        AccountApplyReport {
            account_id: account_id.to_string(),
            account_name: account_name.to_string(),
            status,
            changes: changes
                .iter()
                .map(|change| ChangeOutcome {
                    change: change.clone(),
                    result: ChangeResult::NotAttempted,
                })
                .collect(),
        }
    }

    pub fn count(&self, wanted: fn(&ChangeResult) -> bool) -> usize {
        self.changes
            .iter()
            .filter(|outcome| wanted(&outcome.result))
            .count()
    }
}

impl ApplyReport {
    /// Every account's report, then the organization's (SCPs).
    pub fn all(&self) -> impl Iterator<Item = &AccountApplyReport> {
        self.accounts.iter().chain(self.organization.iter())
    }

    /// Every account (and the organization) applied completely.
    pub fn succeeded(&self) -> bool {
        self.all()
            .all(|account| account.status == ApplyStatus::Applied)
    }

    pub fn applied_changes(&self) -> usize {
        self.all().map(|a| a.count(ChangeResult::is_applied)).sum()
    }
}

/// The report as text: one block per account, each change with its result.
pub fn render_apply_report(report: &ApplyReport) -> String {
    let mut out = String::new();
    for account in report.all() {
        if account.account_id == "organization" {
            let _ = writeln!(out, "Organization ({})", account.account_name);
        } else {
            let _ = writeln!(
                out,
                "Account {} ({})",
                account.account_id, account.account_name
            );
        }
        match &account.status {
            ApplyStatus::Applied => {}
            ApplyStatus::Refused(reasons) => {
                for reason in reasons {
                    let _ = writeln!(out, "  refused: {reason}");
                }
            }
            ApplyStatus::Failed(reasons) => {
                for reason in reasons {
                    let _ = writeln!(out, "  failed: {reason}");
                }
            }
        }
        for outcome in &account.changes {
            let result = match &outcome.result {
                ChangeResult::Applied => "applied".to_string(),
                ChangeResult::Rechecked => "unknown, re-checked: applied".to_string(),
                ChangeResult::Failed(error) => format!("FAILED: {error}"),
                ChangeResult::NotAttempted => "not applied".to_string(),
            };
            let _ = writeln!(out, "  {:<60} {result}", outcome.change.to_string());
        }
        let _ = writeln!(
            out,
            "  {} applied, {} failed, {} not applied",
            account.count(ChangeResult::is_applied),
            account.count(|r| matches!(r, ChangeResult::Failed(_))),
            account.count(|r| *r == ChangeResult::NotAttempted)
        );
    }
    let failed = report
        .all()
        .filter(|a| matches!(a.status, ApplyStatus::Failed(_)))
        .count();
    let refused = report
        .all()
        .filter(|a| matches!(a.status, ApplyStatus::Refused(_)))
        .count();
    let verdict = match (failed, refused) {
        (0, 0) => "Apply complete".to_string(),
        (0, refused) => format!(
            "Apply REFUSED for {refused} part(s): nothing was changed there; make a new plan"
        ),
        (failed, _) => {
            format!("Apply INCOMPLETE: {failed} part(s) failed; plan and apply again to converge")
        }
    };
    let _ = writeln!(
        out,
        "{verdict}: {} change(s) applied",
        report.applied_changes()
    );
    out
}
