//! WL806: more SCPs attached to a root, OU or account than Organizations allows.

use crate::finding::{Finding, Severity};
use crate::rule::{Group, Rule, RuleMeta, SubjectCx};

/// ## What it does
/// Flags roots, OUs and accounts with more SCPs attached than the quota (5, counting
/// `FullAWSAccess` when it stays attached).
///
/// ## Why is this bad?
/// `AttachPolicy` fails with `ConstraintViolationException` for the sixth SCP.
///
/// ## Example
/// An OU with `FullAWSAccess`, `deny-leave-org`, `region-lock`, `deny-root`, `protect-logging`
/// and `deny-iam-users` attached.
///
/// ## Fix
/// Merge related SCPs (statements with distinct Sids), or attach some at a parent OU.
pub struct QuotaScpCount;

static META: RuleMeta = RuleMeta {
    id: "WL806",
    name: "quota-scp-count",
    group: Group::Quotas,
    severity: Severity::Error,
    summary: "more scps attached to one target than the organizations quota",
};

impl Rule for QuotaScpCount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_subject(&self, cx: &SubjectCx<'_>, out: &mut Vec<Finding>) {
        let limit = cx.env.config.quotas.scps_per_target;
        for target in &cx.subject.scp_targets {
            let count = target.policies.len();
            if count > limit {
                out.push(cx.env.finding(
                    &META,
                    &target.location,
                    None,
                    format!(
                        "`{}` has {count} scps attached ({}); the quota is {limit}",
                        target.target,
                        super::name_some(&target.policies)
                    ),
                ));
            }
        }
    }
}
