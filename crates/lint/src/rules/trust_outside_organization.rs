//! WL550: a role trusts an account that is neither in the organization nor a listed trusted
//! account.

use warden_policy::{Effect, PrincipalType};

use crate::finding::{Finding, Severity};
use crate::live_input::LiveCx;
use crate::rule::{Group, Rule, RuleMeta};

/// ## What it does
/// Flags live roles whose trust policy allows an `AWS` principal (an account id, its root, or a
/// role, user or session ARN) of an account that is not in the organization and not listed in
/// `trusted_accounts` in `warden.yaml`. Every role counts, managed by Warden or not.
///
/// ## Why is this bad?
/// Access from outside the organization is the finding an external-access analyzer exists
/// for: whoever controls that account can become the role. An unknown account in a trust is
/// either a forgotten vendor or a backdoor.
///
/// ## Example
/// ```json
/// {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
///  "Action": "sts:AssumeRole"}
/// ```
/// with `999988887777` in no OU of the organization and not in `trusted_accounts`.
///
/// ## Fix
/// Remove the statement, or list the account in `warden.yaml` with who owns it and why:
/// `trusted_accounts: [{id: "999988887777", name: Datadog, reason: "monitoring integration"}]`.
pub struct TrustOutsideOrganization;

static META: RuleMeta = RuleMeta {
    id: "WL550",
    name: "trust-outside-organization",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "role trusting an account outside the organization that is not listed as trusted",
};

impl Rule for TrustOutsideOrganization {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_live(&self, cx: &LiveCx<'_>, out: &mut Vec<Finding>) {
        for role in &cx.account.roles {
            let Ok(document) = warden_policy::parse_policy(&role.trust_policy) else {
                continue;
            };
            for statement in &document.statements {
                if statement.effect != Effect::Allow {
                    continue;
                }
                for principal in super::principals_of(statement, PrincipalType::Aws) {
                    let Some(account) = super::principal_account(principal) else {
                        continue;
                    };
                    if account == cx.account.account_id
                        || cx.input.organization_accounts.contains(&account)
                        || cx.input.trusted(&account).is_some()
                    {
                        continue;
                    }
                    out.push(cx.finding(
                        &META,
                        &role.name,
                        format!(
                            "role `{}` trusts `{principal}` of account `{account}`, which is outside the organization and not in `trusted_accounts`",
                            role.name
                        ),
                    ));
                }
            }
        }
    }
}
