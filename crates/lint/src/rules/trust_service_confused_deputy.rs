//! WL502: a service principal trusted without `aws:SourceAccount`/`aws:SourceArn`.

use warden_policy::PrincipalType;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// Services that assume a role only as a role passed to them with `iam:PassRole` (which never
/// crosses accounts) and do not send a source context when they do: a source condition would
/// not match or protect anything (see prowler-cloud/prowler#2810).
const PASSED_ROLE_SERVICES: &[&str] = &[
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "edgelambda.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "eks.amazonaws.com",
    "eks-fargate-pods.amazonaws.com",
    "apigateway.amazonaws.com",
    "backup.amazonaws.com",
    "glue.amazonaws.com",
];

/// Keys that tie the service's call to this account or organization.
const SOURCE_KEYS: &[&str] = &[
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
];

/// ## What it does
/// Flags trust and resource policy statements that allow an AWS service principal (for example
/// `config.amazonaws.com`, `sns.amazonaws.com`) without a positive `aws:SourceAccount`,
/// `aws:SourceArn`, `aws:SourceOrgID` or `aws:SourceOrgPaths` condition. Services that only use
/// roles passed to them in the same account (EC2, Lambda, ECS tasks, …) are not flagged, nor
/// are service-linked roles (`/aws-service-role/`), whose trust AWS sets and nobody can edit.
///
/// ## Why is this bad?
/// The service acts for every AWS customer. Without a source condition, another customer can
/// point the service at your role or resource (cross-service confused deputy).
///
/// ## Example
/// ```json
/// {"Sid": "Config", "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"},
///  "Action": "sts:AssumeRole"}
/// ```
///
/// ## Fix
/// Add `"Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}` (or an
/// `ArnLike` on `aws:SourceArn` naming the resource that uses the role).
pub struct TrustServiceConfusedDeputy;

static META: RuleMeta = RuleMeta {
    id: "WL502",
    name: "trust-service-confused-deputy",
    group: Group::Trust,
    severity: Severity::Warning,
    summary: "service principal trusted without a source account or arn condition",
};

impl Rule for TrustServiceConfusedDeputy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if !matches!(cx.policy.kind, PolicyKind::Trust | PolicyKind::Resource) {
            return;
        }
        // A service-linked role's trust belongs to AWS: nobody can change it.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html
        if cx.role.is_some_and(|role| role.service_linked) {
            return;
        }
        for (index, statement) in cx.statements() {
            if SOURCE_KEYS
                .iter()
                .any(|key| super::positively_tests_key(statement, key))
            {
                continue;
            }
            let services: Vec<String> = super::principals_of(statement, PrincipalType::Service)
                .filter(|service| {
                    !PASSED_ROLE_SERVICES
                        .iter()
                        .any(|exempt| exempt.eq_ignore_ascii_case(service))
                })
                .cloned()
                .collect();
            if services.is_empty() {
                continue;
            }
            out.push(cx.statement_finding(
                &META,
                index,
                format!(
                    "{} trusts {} without `aws:SourceAccount` or `aws:SourceArn`",
                    cx.statement_label(index),
                    super::name_some(&services)
                ),
            ));
        }
    }
}
