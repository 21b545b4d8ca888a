//! WL710: an action in an RCP of a service RCPs do not apply to, or no service named at all.

use warden_policy::ActionClause;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags `Action` values of resource control policy statements that do not name one of the
/// services RCPs support by its prefix: a service outside the list (`ec2:*`), a service part
/// with a wildcard (`s*:Get*`), or `*` alone. The full-access `Allow` of `RCPFullAWSAccess`
/// (`"Action": "*"`) is the one place `*` belongs; other `Allow` statements are WL708's. Access
/// Analyzer reports this as the error "RCP syntax error action".
/// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#rcp-supported-services
/// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html#rcp-syntax-action
///
/// ## Why is this bad?
/// RCPs are evaluated only for requests to the listed services: a deny of another service's
/// actions looks like a control and is none. The RCP grammar also requires an RCP you write to
/// name its services (`*` alone is for `RCPFullAWSAccess`), and Access Analyzer reports both as
/// errors of that grammar.
///
/// ## Example
/// ```json
/// {"Sid": "DenyOutsideOrg", "Effect": "Deny", "Principal": "*",
///  "Action": ["s3:*", "ec2:*"], "Resource": "*",
///  "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
/// ```
///
/// ## Fix
/// Name each supported service (`s3:*`, `sqs:*`, `kms:*`, …) and guard the others with SCPs or
/// their resource policies.
pub struct RcpActionUnsupportedService;

static META: RuleMeta = RuleMeta {
    id: "WL710",
    name: "rcp-action-unsupported-service",
    group: Group::Guardrails,
    severity: Severity::Error,
    summary: "rcp action of a service rcps do not support, or of no named service",
};

impl Rule for RcpActionUnsupportedService {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::ResourceControl {
            return;
        }
        for (index, statement) in cx.statements() {
            // `Allow` is only the full-access form; anything else is WL708's finding.
            if statement.effect == warden_policy::Effect::Allow {
                continue;
            }
            // `NotAction` is WL709's.
            let ActionClause::Action(actions) = &statement.action else {
                continue;
            };
            for (position, action) in actions.iter().enumerate() {
                let Some(problem) = problem(action) else {
                    continue;
                };
                out.push(cx.value_finding(
                    &META,
                    index,
                    &format!("Action[{position}]"),
                    format!("{} action `{action}` {problem}", cx.statement_label(index)),
                ));
            }
        }
    }
}

/// What is wrong with one action value of an RCP, in the words of the message; `None` when it
/// names a supported service.
fn problem(action: &str) -> Option<String> {
    let Some((service, _)) = action.split_once(':') else {
        return Some(if action == "*" {
            "names every service: an rcp you write must name the services it denies, each one rcps support".to_string()
        } else {
            "names no service: write `<service>:<action>` with a service rcps support".to_string()
        });
    };
    if service.contains(['*', '?']) {
        return Some(format!(
            "has a pattern for its service (`{service}`): an rcp must name the services it denies, each one rcps support"
        ));
    }
    if warden_policy::rcp::applies_to(service) {
        return None;
    }
    Some(format!(
        "is of `{service}`, a service rcps do not apply to: deny it with an scp or the resource's own policy"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rcp_services_are_catalog_prefixes_sorted_once() {
        let catalog = warden_catalog::Catalog::embedded();
        let unknown: Vec<_> = warden_policy::rcp::SERVICES
            .iter()
            .filter(|service| catalog.service(service).is_none())
            .collect();
        assert!(unknown.is_empty(), "not in the catalog: {unknown:?}");
        assert!(
            warden_policy::rcp::SERVICES
                .windows(2)
                .all(|pair| pair[0] < pair[1]),
            "keep the list sorted, without repeats"
        );
    }

    #[test]
    fn actions_name_a_supported_service_or_are_reported() {
        for passing in [
            "s3:GetObject",
            "S3:Get*",
            "sts:AssumeRole",
            "kms:*",
            "ecr:Batch?etImage",
        ] {
            assert_eq!(problem(passing), None, "{passing}");
        }
        for (failing, says) in [
            ("*", "names every service"),
            ("*:*", "pattern for its service"),
            ("s?s:SendMessage", "pattern for its service"),
            ("ec2:RunInstances", "`ec2`, a service rcps do not apply to"),
            ("iam:*", "`iam`, a service rcps do not apply to"),
            ("GetObject", "names no service"),
        ] {
            let message = problem(failing).unwrap_or_default();
            assert!(message.contains(says), "{failing}: {message}");
        }
    }
}
