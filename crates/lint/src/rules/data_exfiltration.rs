//! WL604: actions that read or share data in bulk, granted on every resource.

use std::sync::LazyLock;

use crate::finding::{Finding, Severity};
use crate::rule::{ActionSet, DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// Actions that read data out of stores, or share snapshots with other accounts.
pub(crate) const EXFILTRATION_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "dynamodb:Scan",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:ExportTableToPointInTime",
    "rds:ModifyDBSnapshotAttribute",
    "rds:ModifyDBClusterSnapshotAttribute",
    "ec2:ModifySnapshotAttribute",
    "kinesis:GetRecords",
    "sqs:ReceiveMessage",
    "logs:GetLogEvents",
    "athena:GetQueryResults",
];

/// ## What it does
/// Flags `Allow` statements of identity policies that grant bulk data reads or snapshot
/// sharing (`s3:GetObject`, `dynamodb:Scan`, `rds:ModifyDBSnapshotAttribute`, …) on
/// `Resource: "*"`. Info when a condition scopes the statement.
///
/// ## Why is this bad?
/// Every bucket, table and stream in the account (and in accounts whose resource policies trust
/// this one) can be read by whoever holds the role: a compromise becomes a data breach.
///
/// ## Example
/// ```json
/// {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "dynamodb:Scan"], "Resource": "*"}
/// ```
///
/// ## Fix
/// Name the buckets, tables and streams the workload reads.
pub struct DataExfiltration;

static META: RuleMeta = RuleMeta {
    id: "WL604",
    name: "data-exfiltration",
    group: Group::Escalation,
    severity: Severity::Warning,
    summary: "bulk data reads or snapshot sharing on every resource",
};

/// [`EXFILTRATION_ACTIONS`] prepared for the statements.
static SET: LazyLock<ActionSet> = LazyLock::new(|| ActionSet::new(EXFILTRATION_ACTIONS));

impl Rule for DataExfiltration {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Identity {
            return;
        }
        for (index, statement) in cx.statements() {
            if !super::applies_to_all_resources(statement) {
                continue;
            }
            let granted = SET.granted(statement);
            if granted.is_empty() {
                continue;
            }
            let mut finding = cx.statement_finding(
                &META,
                index,
                format!(
                    "{} grants {} on every resource: data can be read in bulk",
                    cx.statement_label(index),
                    super::name_some(&granted)
                ),
            );
            if super::scoped_by_condition(statement) {
                finding.severity = Severity::Info;
            }
            out.push(finding);
        }
    }
}
