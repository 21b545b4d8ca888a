//! WL512: a trust policy that trusts IAM Roles Anywhere without all three actions it needs.

use warden_policy::{ActionClause, Effect, Statement};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

const ROLES_ANYWHERE: &str = "rolesanywhere.amazonaws.com";

/// What IAM Roles Anywhere calls when it assumes a role for a workload.
const NEEDED: [&str; 3] = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"];

/// ## What it does
/// Flags a trust policy that allows the service principal `rolesanywhere.amazonaws.com` but does
/// not allow it all of `sts:AssumeRole`, `sts:SetSourceIdentity` and `sts:TagSession` (in one
/// statement or several; wildcards such as `sts:*` count). Access Analyzer reports this as the
/// error "Missing action for roles anywhere trust policy".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/rolesanywhere/latest/userguide/trust-model.html
///
/// ## Why is this bad?
/// Roles Anywhere assumes the role with the certificate's attributes as session tags and its
/// subject as source identity: without the three permissions every `CreateSession` for the
/// role fails, so the workloads the trust was written for get no credentials.
///
/// ## Example
/// ```json
/// {"Sid": "Anywhere", "Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"},
///  "Action": "sts:AssumeRole"}
/// ```
///
/// ## Fix
/// `"Action": ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]`, scoped with
/// `aws:SourceArn` to the trust anchor.
pub struct TrustRolesAnywhereActions;

static META: RuleMeta = RuleMeta {
    id: "WL512",
    name: "trust-roles-anywhere-actions",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "trust of iam roles anywhere without sts:assumerole, sts:setsourceidentity and sts:tagsession",
};

impl Rule for TrustRolesAnywhereActions {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        let mut first = None;
        let mut granted = [false; 3];
        for (index, statement) in cx.statements() {
            if !trusts_roles_anywhere(statement) {
                continue;
            }
            first.get_or_insert(index);
            let (patterns, negated) = match &statement.action {
                ActionClause::Action(patterns) => (patterns, false),
                ActionClause::NotAction(patterns) => (patterns, true),
            };
            for (slot, needed) in NEEDED.iter().enumerate() {
                let named = patterns.iter().any(|pattern| {
                    warden_policy::wildcard::matches(
                        pattern,
                        needed,
                        warden_policy::wildcard::Case::Insensitive,
                    )
                });
                // `NotAction` allows what it does not name.
                granted[slot] |= named != negated;
            }
        }
        let Some(index) = first else {
            return;
        };
        let missing: Vec<String> = NEEDED
            .iter()
            .zip(granted)
            .filter(|(_, on)| !on)
            .map(|(action, _)| (*action).to_string())
            .collect();
        if missing.is_empty() {
            return;
        }
        out.push(cx.statement_finding(
            &META,
            index,
            format!(
                "{} trusts `{ROLES_ANYWHERE}` without {}: iam roles anywhere needs `sts:AssumeRole`, `sts:SetSourceIdentity` and `sts:TagSession`, so no session can be created for the role",
                cx.statement_label(index),
                super::name_some(&missing)
            ),
        ));
    }
}

/// An `Allow` whose `Principal` names the Roles Anywhere service.
fn trusts_roles_anywhere(statement: &Statement) -> bool {
    statement.effect == Effect::Allow
        && super::principals_of(statement, warden_policy::PrincipalType::Service)
            .any(|service| service.eq_ignore_ascii_case(ROLES_ANYWHERE))
}
