//! WL501: a trust policy that lets another account assume the role without `sts:ExternalId`.

use warden_policy::PrincipalType;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags trust policy statements that allow an `AWS` principal of another account (an account
/// id, its `:root`, or a role or user ARN in it) without a positive `sts:ExternalId` condition.
/// When the role's account is not known (a lone policy file), every account principal counts as
/// another account.
///
/// ## Why is this bad?
/// Without an external id, anyone who can make the trusted account's principals act on their
/// behalf (a vendor serving many customers) can assume the role: the confused deputy problem.
/// Warden's guardrail requires an external id on every cross-account trust.
///
/// ## Example
/// ```json
/// {"Sid": "Vendor", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
///  "Action": "sts:AssumeRole"}
/// ```
///
/// ## Fix
/// Add `"Condition": {"StringEquals": {"sts:ExternalId": "<id agreed with the other party>"}}`.
pub struct TrustCrossAccountExternalId;

static META: RuleMeta = RuleMeta {
    id: "WL501",
    name: "trust-cross-account-external-id",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "cross-account trust without `sts:ExternalId`",
};

impl Rule for TrustCrossAccountExternalId {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Trust {
            return;
        }
        for (index, statement) in cx.statements() {
            if super::positively_tests_key(statement, "sts:ExternalId") {
                continue;
            }
            for principal in super::principals_of(statement, PrincipalType::Aws) {
                let Some(account) = super::principal_account(principal) else {
                    continue;
                };
                if cx.env.account == Some(account.as_str()) {
                    continue;
                }
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} trusts `{principal}` in account `{account}` without an `sts:ExternalId` condition",
                        cx.statement_label(index)
                    ),
                ));
            }
        }
    }
}
