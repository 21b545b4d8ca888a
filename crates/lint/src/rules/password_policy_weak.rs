//! WL756: the account password policy is missing or weaker than required.

use crate::finding::{Finding, Severity};
use crate::live_input::LiveCx;
use crate::rule::{Group, Rule, RuleMeta};

/// ## What it does
/// Flags accounts (read in full) with no password policy, or one weaker than
/// `posture.password`: by default length 14, uppercase, lowercase, numbers and symbols
/// required, expiry within 90 days and the last 24 passwords remembered (CIS AWS Foundations).
///
/// ## Why is this bad?
/// Without a policy IAM accepts 8-character passwords that never expire; console users with
/// weak passwords are the easiest way into an account.
///
/// ## Example
/// `MinimumPasswordLength: 8`, no `PasswordReusePrevention`.
///
/// ## Fix
/// `aws iam update-account-password-policy --minimum-password-length 14 --require-symbols
/// --require-numbers --require-uppercase-characters --require-lowercase-characters
/// --max-password-age 90 --password-reuse-prevention 24`.
pub struct PasswordPolicyWeak;

static META: RuleMeta = RuleMeta {
    id: "WL756",
    name: "password-policy-weak",
    group: Group::Guardrails,
    severity: Severity::Warning,
    summary: "account password policy missing or weaker than required",
};

impl Rule for PasswordPolicyWeak {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_live(&self, cx: &LiveCx<'_>, out: &mut Vec<Finding>) {
        if !cx.full() {
            return;
        }
        let account = &cx.account.account_id;
        let Some(policy) = &cx.account.password_policy else {
            out.push(cx.finding(
                &META,
                "password-policy",
                format!("account `{account}` has no password policy: IAM accepts 8-character passwords that never expire"),
            ));
            return;
        };
        let want = &cx.input.posture.password;
        let mut weak = Vec::new();
        let length = policy.minimum_password_length.unwrap_or(8);
        if length < want.minimum_length {
            weak.push(format!(
                "minimum length {length} (want {})",
                want.minimum_length
            ));
        }
        for (required, present, what) in [
            (
                want.require_uppercase,
                policy.require_uppercase_characters,
                "uppercase",
            ),
            (
                want.require_lowercase,
                policy.require_lowercase_characters,
                "lowercase",
            ),
            (want.require_numbers, policy.require_numbers, "numbers"),
            (want.require_symbols, policy.require_symbols, "symbols"),
        ] {
            if required && !present {
                weak.push(format!("{what} not required"));
            }
        }
        if let Some(max_age) = want.max_age_days {
            match policy.max_password_age {
                Some(age) if policy.expire_passwords || age > 0 => {
                    if age > max_age {
                        weak.push(format!(
                            "passwords expire after {age} days (want {max_age})"
                        ));
                    }
                }
                _ => weak.push(format!("passwords never expire (want {max_age} days)")),
            }
        }
        if let Some(reuse) = want.reuse_prevention {
            let remembered = policy.password_reuse_prevention.unwrap_or(0);
            if remembered < reuse {
                weak.push(format!(
                    "{remembered} previous passwords remembered (want {reuse})"
                ));
            }
        }
        if !weak.is_empty() {
            out.push(cx.finding(
                &META,
                "password-policy",
                format!(
                    "the password policy of account `{account}` is weak: {}",
                    weak.join(", ")
                ),
            ));
        }
    }
}
