//! WL602: actions that let the holder raise its own privileges.

use warden_policy::Statement;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, RoleCx, Rule, RuleMeta};
use crate::subject::{PolicyKind, PolicySubject};

/// Actions that escalate alone when granted on broad resources (Rhino Security Labs, "AWS IAM
/// Privilege Escalation – Methods and Mitigation", methods 1–13, 17 and 19).
pub(crate) const ESCALATING_ACTIONS: &[&str] = &[
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
    "lambda:UpdateFunctionCode",
    "glue:UpdateDevEndpoint",
];

/// Actions that start compute (or a stack) running with a passed role: with `iam:PassRole`
/// they escalate to any passable role (Rhino methods 14–16, 18, 20, 21, and their successors).
pub(crate) const PASSED_ROLE_COMPUTE: &[&str] = &[
    "ec2:RunInstances",
    "lambda:CreateFunction",
    "ecs:RunTask",
    "ecs:StartTask",
    "glue:CreateDevEndpoint",
    "glue:CreateJob",
    "cloudformation:CreateStack",
    "datapipeline:CreatePipeline",
    "sagemaker:CreateNotebookInstance",
    "codebuild:CreateProject",
];

/// ## What it does
/// Flags identity policies that grant privilege-escalation paths, following Rhino Security
/// Labs' catalogue of IAM privilege escalation methods:
/// - one of the self-escalating actions (`iam:CreatePolicyVersion`,
///   `iam:SetDefaultPolicyVersion`, `iam:Attach…Policy`, `iam:Put…Policy`,
///   `iam:UpdateAssumeRolePolicy`, `iam:CreateAccessKey` on other users, …) on broad resources
///   (`*` or a wildcard; `user/${aws:username}` is self-service and fine);
/// - `iam:PassRole` together with an action that runs compute with a passed role
///   (`ec2:RunInstances`, `lambda:CreateFunction`, `ecs:RunTask`, `glue:CreateDevEndpoint`,
///   `cloudformation:CreateStack`, …), anywhere in the role's policies.
///
/// ## Why is this bad?
/// The holder can grant itself (or a principal it controls) more permissions than it was given,
/// up to administrator: the boundary of what the role can do is no longer its policy.
///
/// ## Example
/// ```json
/// {"Sid": "ManagePolicies", "Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"}
/// ```
///
/// ## Fix
/// Name the resources the action may touch, move the ability to an administrator role, or
/// attach a permission boundary that denies it. Scope `iam:PassRole` to the roles the compute
/// needs.
pub struct PrivilegeEscalation;

static META: RuleMeta = RuleMeta {
    id: "WL602",
    name: "privilege-escalation",
    group: Group::Escalation,
    severity: Severity::Error,
    summary: "actions that let the holder raise its own privileges",
};

impl Rule for PrivilegeEscalation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Identity {
            return;
        }
        for (index, statement) in cx.statements() {
            if !super::statement_is_broad(statement) {
                continue;
            }
            let granted = super::granted_from(statement, ESCALATING_ACTIONS);
            if !granted.is_empty() {
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} grants {} on broad resources: a privilege escalation path",
                        cx.statement_label(index),
                        super::name_some(&granted)
                    ),
                ));
            }
        }
        // A role's policies are combined in `check_role`; a lone policy is combined here.
        if cx.role.is_none()
            && let Some(message) = pass_role_combination(std::iter::once(cx.policy))
        {
            out.push(cx.document_finding(&META, message));
        }
    }

    fn check_role(&self, cx: &RoleCx<'_>, out: &mut Vec<Finding>) {
        if let Some(message) = pass_role_combination(cx.role.permission_policies()) {
            out.push(cx.role_finding(&META, message));
        }
    }
}

/// Describes `iam:PassRole` plus a compute action granted across `policies`, if both are.
fn pass_role_combination<'a>(policies: impl Iterator<Item = &'a PolicySubject>) -> Option<String> {
    let statements: Vec<&Statement> = policies
        .filter(|policy| policy.kind == PolicyKind::Identity)
        .flat_map(|policy| policy.document.statements.iter())
        .collect();
    let passes = statements
        .iter()
        .any(|statement| !super::granted_from(statement, &["iam:PassRole"]).is_empty());
    if !passes {
        return None;
    }
    let mut compute: Vec<String> = statements
        .iter()
        .flat_map(|statement| super::granted_from(statement, PASSED_ROLE_COMPUTE))
        .collect();
    compute.sort();
    compute.dedup();
    if compute.is_empty() {
        return None;
    }
    Some(format!(
        "`iam:PassRole` with {} lets the holder run code as any role it may pass",
        super::name_some(&compute)
    ))
}
