//! WL603: actions that read credentials or secrets, granted on every resource.

use std::sync::LazyLock;

use crate::finding::{Finding, Severity};
use crate::rule::{ActionSet, DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// Actions that return secrets or credentials. `ecr:GetAuthorizationToken` (a registry token
/// for the caller's own access) and `secretsmanager:BatchGetSecretValue` (which still needs
/// `GetSecretValue` on each secret) are deliberately not here: they only work with
/// `Resource: "*"`, so flagging them would ask for a fix that does not exist.
pub(crate) const CREDENTIAL_ACTIONS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "iam:CreateAccessKey",
    "sts:AssumeRole",
    "ec2:GetPasswordData",
    "redshift:GetClusterCredentials",
    "lambda:GetFunction",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "codeartifact:GetAuthorizationToken",
    "redshift-serverless:GetCredentials",
    "lightsail:GetInstanceAccessDetails",
];

/// ## What it does
/// Flags `Allow` statements of identity policies that grant credential-reading actions
/// (`secretsmanager:GetSecretValue`, `ssm:GetParameter*`, `iam:CreateAccessKey`,
/// `sts:AssumeRole`, `ec2:GetPasswordData`, …) on `Resource: "*"`. Info when a condition scopes
/// the statement (e.g. `aws:ResourceTag`).
///
/// ## Why is this bad?
/// Every secret, parameter or assumable role in the account becomes readable: one leaked
/// credential of this role leaks all the others.
///
/// ## Example
/// ```json
/// {"Sid": "Secrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
/// ```
///
/// ## Fix
/// Name the secrets (`arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/*`) or the
/// parameter path, or scope with `aws:ResourceTag/…`.
pub struct CredentialExposure;

static META: RuleMeta = RuleMeta {
    id: "WL603",
    name: "credential-exposure",
    group: Group::Escalation,
    severity: Severity::Warning,
    summary: "credential-reading actions on every resource",
};

/// [`CREDENTIAL_ACTIONS`] prepared for the statements.
static SET: LazyLock<ActionSet> = LazyLock::new(|| ActionSet::new(CREDENTIAL_ACTIONS));

impl Rule for CredentialExposure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Identity {
            return;
        }
        for (index, statement) in cx.statements() {
            if !super::applies_to_all_resources(statement) {
                continue;
            }
            let granted = SET.granted(statement);
            if granted.is_empty() {
                continue;
            }
            let mut finding = cx.statement_finding(
                &META,
                index,
                format!(
                    "{} grants {} on every resource: credentials exposed",
                    cx.statement_label(index),
                    super::name_some(&granted)
                ),
            );
            if super::scoped_by_condition(statement) {
                finding.severity = Severity::Info;
            }
            out.push(finding);
        }
    }
}
