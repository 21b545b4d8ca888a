//! WL753: the root user has an active access key.

use crate::finding::{Finding, Severity};
use crate::live_input::LiveCx;
use crate::rule::{Group, Rule, RuleMeta};

/// ## What it does
/// Flags accounts whose credential report shows an active access key for the root user
/// (`<root_account>`, `access_key_1_active` or `access_key_2_active`).
///
/// ## Why is this bad?
/// Root keys carry every permission in the account, cannot be limited by IAM policies or
/// boundaries, and for member accounts are not needed for anything.
///
/// ## Example
/// The credential report's root row has `access_key_1_active: true`.
///
/// ## Fix
/// Delete the root access keys (sign in as root, Security credentials). In an organization,
/// centralize root access and remove member accounts' root credentials.
pub struct RootAccessKey;

static META: RuleMeta = RuleMeta {
    id: "WL753",
    name: "root-access-key",
    group: Group::Guardrails,
    severity: Severity::Error,
    summary: "root user with an active access key",
};

impl Rule for RootAccessKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_live(&self, cx: &LiveCx<'_>, out: &mut Vec<Finding>) {
        let Some(root) = cx
            .account
            .credential_report
            .as_ref()
            .and_then(|report| report.root())
        else {
            return;
        };
        let active = root.access_keys.iter().filter(|key| key.active).count();
        if active > 0 {
            out.push(cx.finding(
                &META,
                "root",
                format!(
                    "the root user of account `{}` has {active} active access key{}: delete {}",
                    cx.account.account_id,
                    if active == 1 { "" } else { "s" },
                    if active == 1 { "it" } else { "them" }
                ),
            ));
        }
    }
}
