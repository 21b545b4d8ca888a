//! WL513: a trust policy condition on session tags or the source identity, where the trust
//! policy does not allow setting them.

use warden_policy::{ActionClause, Effect};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// In a role's trust policy, flags an `Allow` statement that requires (under an operator that
/// is false without the key: not negated, not `…IfExists`, not `ForAllValues:`) a session tag key — `aws:RequestTag/…`, `aws:TagKeys`,
/// `sts:TransitiveTagKeys` — when no `Allow` statement of the trust policy grants
/// `sts:TagSession`, or `sts:SourceIdentity` when none grants `sts:SetSourceIdentity`. Access
/// Analyzer reports this as the error "Missing action for condition key" (it asks for the action
/// in the same statement; IAM authorizes `sts:TagSession` and `sts:SetSourceIdentity` as
/// actions of their own, so any statement of the trust policy that allows them is enough here).
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
///
/// ## Why is this bad?
/// A caller can pass session tags only when the trust policy allows `sts:TagSession`, and a
/// source identity only when it allows `sts:SetSourceIdentity`. Without them the key is never
/// in the request, so the statement that requires it never matches: nobody can assume the role
/// through it.
///
/// ## Example
/// ```json
/// {"Sid": "Ci", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/ci"},
///  "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:RequestTag/team": "platform"}}}
/// ```
///
/// ## Fix
/// Allow the action beside `sts:AssumeRole`:
/// `"Action": ["sts:AssumeRole", "sts:TagSession"]`.
pub struct TrustSessionActionMissing;

static META: RuleMeta = RuleMeta {
    id: "WL513",
    name: "trust-session-action-missing",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "trust condition on session tags or source identity without sts:tagsession or sts:setsourceidentity",
};

impl Rule for TrustSessionActionMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Trust {
            return;
        }
        // Computed only when a statement needs it.
        let allowed = |action: &str| {
            cx.statements().any(|(_, statement)| {
                statement.effect == Effect::Allow
                    && match &statement.action {
                        ActionClause::Action(patterns) => patterns.iter().any(|pattern| {
                            warden_policy::wildcard::matches(
                                pattern,
                                action,
                                warden_policy::wildcard::Case::Insensitive,
                            )
                        }),
                        // Every action but the listed ones.
                        ActionClause::NotAction(patterns) => !patterns.iter().any(|pattern| {
                            warden_policy::wildcard::matches(
                                pattern,
                                action,
                                warden_policy::wildcard::Case::Insensitive,
                            )
                        }),
                    }
            })
        };
        for (index, statement) in cx.statements() {
            if statement.effect != Effect::Allow || statement.condition.is_none() {
                continue;
            }
            for (operator, entry) in super::condition_entries(statement) {
                let Some(needed) = action_setting(&entry.key) else {
                    continue;
                };
                if !super::needs_key(operator) || allowed(needed) {
                    continue;
                }
                out.push(cx.key_finding(&META, index, entry, format!(
                            "{} requires `{}`, but the trust policy does not allow `{needed}`: the key is never set, so the statement never matches; allow `{needed}`",
                            cx.statement_label(index),
                            entry.key
                        )));
            }
        }
    }
}

/// The action a caller needs for `key` to be in an `AssumeRole…` request.
fn action_setting(key: &str) -> Option<&'static str> {
    let tag_key = key
        .get(..15)
        .is_some_and(|start| start.eq_ignore_ascii_case("aws:RequestTag/"))
        || key.eq_ignore_ascii_case("aws:TagKeys")
        || key.eq_ignore_ascii_case("sts:TransitiveTagKeys");
    if tag_key {
        Some("sts:TagSession")
    } else if key.eq_ignore_ascii_case("sts:SourceIdentity") {
        Some("sts:SetSourceIdentity")
    } else {
        None
    }
}
