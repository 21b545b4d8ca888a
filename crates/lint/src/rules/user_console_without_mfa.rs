//! WL750: an IAM user who can sign in to the console without an MFA device.

use crate::finding::{Finding, Severity};
use crate::live_input::LiveCx;
use crate::rule::{Group, Rule, RuleMeta};

/// ## What it does
/// Flags live IAM users that have a console password (a login profile) and no MFA device
/// enabled. Runs on live state (a snapshot or a full read).
///
/// ## Why is this bad?
/// A password alone is phished, guessed or reused; MFA is the control that stops a leaked
/// password from becoming a console session with the user's permissions.
///
/// ## Example
/// User `alice` has a login profile and `mfa_devices: []`.
///
/// ## Fix
/// Enable an MFA device for the user (`aws iam enable-mfa-device`), or remove the password
/// (`aws iam delete-login-profile`) and give people federated access through roles.
pub struct UserConsoleWithoutMfa;

static META: RuleMeta = RuleMeta {
    id: "WL750",
    name: "user-console-without-mfa",
    group: Group::Guardrails,
    severity: Severity::Error,
    summary: "user with a console password and no MFA device",
};

impl Rule for UserConsoleWithoutMfa {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_live(&self, cx: &LiveCx<'_>, out: &mut Vec<Finding>) {
        for user in &cx.account.users {
            if user.login_profile.is_some() && user.mfa_devices.is_empty() {
                out.push(cx.finding(
                    &META,
                    &user.name,
                    format!(
                        "user `{}` can sign in to the console with a password and has no MFA device",
                        user.name
                    ),
                ));
            }
        }
    }
}
