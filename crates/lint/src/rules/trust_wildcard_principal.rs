//! WL504: a trust or resource policy that allows any principal.

use warden_policy::{Effect, Principal, PrincipalClause, PrincipalType};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// Condition keys that confine "anyone" to the organization or named accounts.
const CONFINING_KEYS: &[&str] = &[
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceVpce",
    "aws:SourceVpc",
];

/// ## What it does
/// Flags `Allow` statements of trust and resource policies whose principal is `*` (or
/// `{"AWS": "*"}`). It is an error unless a condition confines the caller to the organization
/// or to named accounts (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceVpce`, …),
/// in which case it is a warning.
///
/// ## Why is this bad?
/// Every AWS account in the world, and for some services anonymous callers, match `*`.
///
/// ## Example
/// ```json
/// {"Sid": "Anyone", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
/// ```
///
/// ## Fix
/// Name the principals, or add `"Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-…"}}`.
pub struct TrustWildcardPrincipal;

static META: RuleMeta = RuleMeta {
    id: "WL504",
    name: "trust-wildcard-principal",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "any principal allowed",
};

impl Rule for TrustWildcardPrincipal {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if !matches!(cx.policy.kind, PolicyKind::Trust | PolicyKind::Resource) {
            return;
        }
        for (index, statement) in cx.statements() {
            if statement.effect != Effect::Allow || !allows_anyone(statement.principal.as_ref()) {
                continue;
            }
            let confined = CONFINING_KEYS
                .iter()
                .any(|key| super::positively_tests_key(statement, key));
            let mut finding = cx.statement_finding(
                &META,
                index,
                format!(
                    "{} allows any principal{}",
                    cx.statement_label(index),
                    if confined {
                        ", confined only by conditions"
                    } else {
                        ""
                    }
                ),
            );
            if confined {
                finding.severity = Severity::Warning;
            }
            out.push(finding);
        }
    }
}

fn allows_anyone(principal: Option<&PrincipalClause>) -> bool {
    match principal {
        Some(PrincipalClause::Principal(Principal::Any)) => true,
        Some(PrincipalClause::Principal(Principal::Typed(typed))) => {
            typed.iter().any(|(kind, values)| {
                *kind == PrincipalType::Aws && values.iter().any(|value| value == "*")
            })
        }
        // `NotPrincipal` with Allow is anyone but the listed: just as broad.
        Some(PrincipalClause::NotPrincipal(_)) => true,
        None => false,
    }
}
