//! WL708: an `Allow` statement in an RCP other than the full-access form of `RCPFullAWSAccess`.

use warden_policy::{ActionClause, Effect, Principal, PrincipalClause, ResourceClause};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags `Allow` statements of resource control policies that are not exactly the full-access
/// form: `"Principal": "*"`, `"Action": "*"`, `"Resource": "*"` and no `Condition`. Access
/// Analyzer reports this as the error "RCP syntax error allow".
/// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html#rcp-syntax-effect
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
///
/// ## Why is this bad?
/// An RCP never grants; `Allow` exists only for the AWS managed `RCPFullAWSAccess`, which lets
/// every request pass RCP evaluation. Organizations refuses any other `Allow` (and an RCP you
/// create must deny), so the policy is never attached. Someone who writes a narrower `Allow`
/// usually means "allow only this", which in an RCP has to be written as a `Deny` of the rest.
///
/// ## Example
/// ```json
/// {"Sid": "OnlyTls", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*",
///  "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
/// ```
///
/// ## Fix
/// Turn the statement into a `Deny` of what must not happen:
/// `{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
/// "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}}`.
pub struct RcpAllowNotFullAccess;

static META: RuleMeta = RuleMeta {
    id: "WL708",
    name: "rcp-allow-not-full-access",
    group: Group::Guardrails,
    severity: Severity::Error,
    summary: "rcp `Allow` other than principal, action and resource `*` without condition",
};

impl Rule for RcpAllowNotFullAccess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::ResourceControl {
            return;
        }
        for (index, statement) in cx.statements() {
            if statement.effect != Effect::Allow {
                continue;
            }
            let differs = differences(statement);
            if differs.is_empty() {
                continue;
            }
            out.push(cx.statement_finding(
                &META,
                index,
                format!(
                    "{} allows with {}: an rcp allows only as `\"Principal\": \"*\"`, `\"Action\": \"*\"`, `\"Resource\": \"*\"` without a condition; deny what must not happen instead",
                    cx.statement_label(index),
                    words(&differs)
                ),
            ));
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn words(parts: &[&str]) -> String {
    match parts.split_last() {
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// How an `Allow` statement departs from the full-access form, in the words of the message.
fn differences(statement: &warden_policy::Statement) -> Vec<&'static str> {
    let only_star = |values: &warden_policy::Values| values.iter().all(|value| value == "*");
    let mut differs = Vec::new();
    if !matches!(
        statement.principal,
        Some(PrincipalClause::Principal(Principal::Any))
    ) {
        differs.push("a principal other than `\"*\"`");
    }
    match &statement.action {
        ActionClause::Action(actions) if only_star(actions) => {}
        ActionClause::Action(_) => differs.push("actions other than `\"*\"`"),
        ActionClause::NotAction(_) => differs.push("`NotAction`"),
    }
    match &statement.resource {
        Some(ResourceClause::Resource(resources)) if only_star(resources) => {}
        Some(ResourceClause::Resource(_)) | None => {
            differs.push("resources other than `\"*\"`");
        }
        Some(ResourceClause::NotResource(_)) => differs.push("`NotResource`"),
    }
    if statement.condition.is_some() {
        differs.push("a `Condition`");
    }
    differs
}
