//! WL754: the root user has no MFA.

use crate::finding::{Finding, Severity};
use crate::live_input::LiveCx;
use crate::rule::{Group, Rule, RuleMeta};

/// ## What it does
/// Flags accounts whose credential report shows `mfa_active: false` for the root user, unless
/// the root user has no password either (`password_enabled: false`, as with centrally managed
/// root access in an organization): a root user that cannot sign in needs no MFA.
///
/// ## Why is this bad?
/// Whoever holds the root password without a second factor owns the account, past every SCP
/// exemption and IAM policy.
///
/// ## Example
/// The credential report's root row has `password_enabled: true` and `mfa_active: false`.
///
/// ## Fix
/// Enable MFA on the root user (a hardware or passkey device kept by two people), or remove
/// member accounts' root credentials with centralized root access.
pub struct RootWithoutMfa;

static META: RuleMeta = RuleMeta {
    id: "WL754",
    name: "root-without-mfa",
    group: Group::Guardrails,
    severity: Severity::Error,
    summary: "root user without MFA",
};

impl Rule for RootWithoutMfa {
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
        if !root.mfa_active && root.password_enabled != Some(false) {
            out.push(cx.finding(
                &META,
                "root",
                format!(
                    "the root user of account `{}` has no MFA device",
                    cx.account.account_id
                ),
            ));
        }
    }
}
