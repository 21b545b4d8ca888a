//! WL605: permissions-management actions on shared resources (resource policies, ACLs, grants).

use warden_catalog::AccessLevel;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// Services whose permissions-management actions manage identities, not resource policies:
/// WL602 (escalation) judges them.
const IDENTITY_SERVICES: &[&str] = &["iam", "sts", "organizations", "sso", "identitystore"];

/// Permissions-management actions that open a resource to others: they write a resource
/// policy, an ACL, a grant, a permission or a sharing attribute. Deleting, revoking or removing
/// takes access away and is left out.
fn grants_access(name: &str) -> bool {
    let opens = ["Policy", "Permission", "Acl", "Grant", "Attribute", "Share"]
        .iter()
        .any(|word| name.contains(word));
    let closes = [
        "Delete",
        "Revoke",
        "Remove",
        "Disassociate",
        "Get",
        "List",
        "Describe",
    ]
    .iter()
    .any(|verb| name.starts_with(verb));
    opens && !closes
}

/// ## What it does
/// Flags `Allow` statements of identity policies that grant permissions-management actions of
/// resource services (`s3:PutBucketPolicy`, `s3:PutBucketAcl`, `kms:PutKeyPolicy`,
/// `kms:CreateGrant`, `sqs:AddPermission`, `lambda:AddPermission`,
/// `secretsmanager:PutResourcePolicy`, `ecr:SetRepositoryPolicy`, …, as the catalog's access
/// levels say, limited to those that write a policy, ACL, grant, permission or sharing
/// attribute) on `*` or wildcard resources. Info when a condition scopes the statement to
/// tagged or owned resources or to grants for AWS services (`kms:GrantIsForAWSResource`).
/// This is cloudsplaining's "resource exposure", without its removals.
///
/// ## Why is this bad?
/// The holder can rewrite who else may use every such resource: make a bucket public, share a
/// key or a snapshot with another account, let any principal invoke a function. One leaked
/// credential exposes data far beyond what the holder itself can read.
///
/// ## Example
/// ```json
/// {"Sid": "Buckets", "Effect": "Allow", "Action": "s3:PutBucketPolicy", "Resource": "*"}
/// ```
///
/// ## Fix
/// Name the resources whose policies the role manages, or leave resource policies to the
/// infrastructure pipeline.
pub struct ResourceExposure;

static META: RuleMeta = RuleMeta {
    id: "WL605",
    name: "resource-exposure",
    group: Group::Escalation,
    severity: Severity::Warning,
    summary: "permissions-management actions on shared resources",
};

impl Rule for ResourceExposure {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Identity {
            return;
        }
        for (index, statement) in cx.statements() {
            if super::allowed_actions(statement).is_none() || !super::statement_is_broad(statement)
            {
                continue;
            }
            let exposing: Vec<String> = cx
                .expanded_actions(index)
                .iter()
                .filter(|action| {
                    action.access_level == AccessLevel::PermissionsManagement
                        && !IDENTITY_SERVICES.contains(&action.service.as_str())
                        && grants_access(&action.name)
                })
                .map(|action| action.full_name())
                .collect();
            if exposing.is_empty() {
                continue;
            }
            let mut finding = cx.statement_finding(
                &META,
                index,
                format!(
                    "{} grants {} on broad resources: the holder can change who may use them",
                    cx.statement_label(index),
                    super::name_some(&exposing)
                ),
            );
            if super::scoped_by_condition(statement)
                || super::positively_tests_key(statement, "kms:GrantIsForAWSResource")
            {
                finding.severity = Severity::Info;
            }
            out.push(finding);
        }
    }
}
