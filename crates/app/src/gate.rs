//! The exit status of `plan`, `apply` and `drift`, decided in one place so a CI gate means the
//! same in all three, as Terraform users expect: an account that could not be read or was
//! refused is an error (1) whatever the flags, because a gate that read nothing has checked
//! nothing; with `--detailed-exitcode` (drift: `--fail-on drift`) changes and conflicts are 2,
//! since a conflict needs a person as much as a change does; apply is 1 when any planned
//! change was not made.

use warden_plan::report::{ApplyReport, ApplyStatus, ChangeResult};
use warden_plan::{AccountPlan, Plan};
use warden_report::drift::DriftReport;

/// What a run found, reduced to what the exit status depends on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Accounts in scope that could not be read, or whose access role was refused.
    pub unreadable: usize,
    /// Changes the repository would make (plan, drift).
    pub changes: usize,
    /// Objects Warden will not touch and that need a person (plan, drift).
    pub conflicts: usize,
    /// Planned changes apply did not make: failed, refused or never attempted (apply).
    pub not_made: usize,
}

impl Outcome {
    /// A plan: its unreadable accounts, changes and conflicts.
    pub fn of_plan(plan: &Plan) -> Outcome {
        let summary = plan.summary();
        Outcome {
            unreadable: plan.unreadable.len(),
            changes: summary.changes(),
            conflicts: summary.conflict,
            not_made: 0,
        }
    }

    /// An apply of `plan`: every planned change that the report does not show as applied,
    /// including those of accounts the report does not mention at all, and the accounts the plan
    /// could not read (their changes are unknown, so never made).
    pub fn of_apply(plan: &Plan, report: &ApplyReport) -> Outcome {
        let applied_in = |account_id: &str| {
            report
                .accounts
                .iter()
                .chain(report.organization.iter())
                .find(|account| account.account_id == account_id)
        };
        let mut not_made = 0;
        let planned = plan
            .accounts
            .iter()
            .map(|account: &AccountPlan| (account.account_id.as_str(), account.changes.len()))
            .chain(
                plan.organization
                    .iter()
                    .map(|scps| (crate::ORGANIZATION, scps.changes.len())),
            );
        for (account_id, planned_changes) in planned {
            not_made += match applied_in(account_id) {
                None => planned_changes,
                Some(account) => {
                    let applied = account.count(|result| *result == ChangeResult::Applied);
                    let refused_or_failed = usize::from(account.status != ApplyStatus::Applied);
                    planned_changes
                        .saturating_sub(applied)
                        .max(refused_or_failed)
                }
            };
        }
        Outcome {
            unreadable: plan.unreadable.len(),
            changes: 0,
            conflicts: 0,
            not_made,
        }
    }

    /// A drift report: its unreadable accounts, changes and conflicts (SCPs included).
    pub fn of_drift(report: &DriftReport) -> Outcome {
        Outcome {
            unreadable: report.totals.unreadable,
            changes: report.totals.changes,
            conflicts: report.totals.conflicts,
            not_made: 0,
        }
    }
}

/// The process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done; with the detailed flag, also nothing to change.
    Success,
    /// 1: an account unread or refused, a change not made, or Warden itself failed.
    Error,
    /// 2: with the detailed flag, changes or conflicts.
    Changes,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Error => 1,
            ExitStatus::Changes => 2,
        }
    }
}

/// The decision: errors first, whatever the flags; then changes or conflicts when `detailed`.
pub fn exit_status(outcome: &Outcome, detailed: bool) -> ExitStatus {
    if outcome.unreadable > 0 || outcome.not_made > 0 {
        ExitStatus::Error
    } else if detailed && (outcome.changes > 0 || outcome.conflicts > 0) {
        ExitStatus::Changes
    } else {
        ExitStatus::Success
    }
}

/// The line for stderr saying why the status is an error, if it is one.
pub fn error_note(outcome: &Outcome) -> Option<String> {
    let mut parts = Vec::new();
    if outcome.unreadable > 0 {
        parts.push(format!(
            "{} account(s) could not be read or were refused, so they are not covered",
            outcome.unreadable
        ));
    }
    if outcome.not_made > 0 {
        parts.push(format!(
            "{} planned change(s) were not made",
            outcome.not_made
        ));
    }
    (!parts.is_empty()).then(|| format!("error: {}", parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(unreadable: usize, changes: usize, conflicts: usize, not_made: usize) -> Outcome {
        Outcome {
            unreadable,
            changes,
            conflicts,
            not_made,
        }
    }

    #[test]
    fn unreadable_accounts_are_errors_whatever_the_flags() {
        for detailed in [false, true] {
            assert_eq!(
                exit_status(&outcome(3, 0, 0, 0), detailed),
                ExitStatus::Error
            );
            assert_eq!(
                exit_status(&outcome(1, 5, 2, 0), detailed),
                ExitStatus::Error
            );
        }
    }

    #[test]
    fn changes_and_conflicts_are_two_only_when_detailed() {
        assert_eq!(
            exit_status(&outcome(0, 4, 0, 0), false),
            ExitStatus::Success
        );
        assert_eq!(exit_status(&outcome(0, 4, 0, 0), true), ExitStatus::Changes);
        assert_eq!(exit_status(&outcome(0, 0, 1, 0), true), ExitStatus::Changes);
        assert_eq!(exit_status(&outcome(0, 0, 0, 0), true), ExitStatus::Success);
    }

    #[test]
    fn a_change_not_made_is_an_error() {
        assert_eq!(exit_status(&outcome(0, 0, 0, 1), false), ExitStatus::Error);
        assert_eq!(ExitStatus::Error.code(), 1);
        assert!(
            error_note(&outcome(2, 0, 0, 34))
                .is_some_and(|note| note.contains("2 account(s)") && note.contains("34"))
        );
        assert_eq!(error_note(&outcome(0, 3, 1, 0)), None);
    }
}
