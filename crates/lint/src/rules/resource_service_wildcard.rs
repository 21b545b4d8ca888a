//! WL305: a wildcard in the service part of a resource ARN (`arn:aws:*code*:…`).

use warden_policy::arn::ArnRef;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `Resource` ARNs of `Allow` statements whose service part holds a wildcard without
/// being one: `arn:aws:*code*::111122223333:*`, `arn:aws:s?s:…`. A service of exactly `*` is
/// not reported (it names every service on purpose, and WL301/WL304 judge such breadth).
/// Access Analyzer reports this as the suggestion "Wildcard in service name".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
///
/// ## Why is this bad?
/// A pattern in the service name matches every service whose name fits it, today's and future
/// ones: more than a dozen services have `code` in their name (`codecommit`, `codebuild`,
/// `codedeploy`, `codeartifact`, `codeguru`…). The statement grants on resources of services
/// its author never listed.
///
/// ## Example
/// ```json
/// {"Sid": "Code", "Effect": "Allow", "Action": ["codecommit:GitPull", "codebuild:StartBuild"],
///  "Resource": "arn:aws:*code*:eu-west-1:111122223333:*"}
/// ```
///
/// ## Fix
/// Name each service: `arn:aws:codecommit:eu-west-1:111122223333:*` and
/// `arn:aws:codebuild:eu-west-1:111122223333:project/*`.
pub struct ResourceServiceWildcard;

static META: RuleMeta = RuleMeta {
    id: "WL305",
    name: "resource-service-wildcard",
    group: Group::Resources,
    severity: Severity::Warning,
    summary: "resource arn whose service part holds a wildcard",
};

impl Rule for ResourceServiceWildcard {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            if statement.effect != warden_policy::Effect::Allow {
                continue;
            }
            for resource in super::resources(statement) {
                let Some(service) = wildcard_service(resource) else {
                    continue;
                };
                out.push(cx.statement_finding(
                    &META,
                    index,
                    format!(
                        "{} grants on `{resource}`, whose service `{service}` is a pattern: it matches every service whose name fits, including future ones; name the services",
                        cx.statement_label(index)
                    ),
                ));
            }
        }
    }
}

/// The service part of an ARN when it holds `*` or `?` and is not exactly `*`.
fn wildcard_service(resource: &str) -> Option<&str> {
    if !resource.starts_with("arn:") {
        return None;
    }
    let service = ArnRef::parse(resource)?.service;
    (service != "*" && service.contains(['*', '?'])).then_some(service)
}

#[cfg(test)]
mod tests {
    use super::wildcard_service;

    #[test]
    fn only_patterns_in_the_service_part() {
        assert_eq!(
            wildcard_service("arn:aws:*code*::111122223333:*"),
            Some("*code*")
        );
        assert_eq!(wildcard_service("arn:aws:s?s:eu-west-1:1:q"), Some("s?s"));
        for fine in [
            "arn:aws:*:*:*:*",
            "arn:aws:s3:::bucket/*",
            "arn:*:iam::*:role/*",
            "*",
            "arn:aws:codecommit",
        ] {
            assert_eq!(wildcard_service(fine), None, "{fine}");
        }
    }
}
