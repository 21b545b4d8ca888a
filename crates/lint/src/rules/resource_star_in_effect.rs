//! WL304: a resource ARN whose every part is a wildcard: `*` written another way.

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags `Allow` resources such as `arn:*:*:*:*:*`, `arn:aws:*:*:*:*` or
/// `arn:aws:ec2:*:*:*`: every part after the partition (and the service, when it is named) is
/// a wildcard or empty, so the value matches every resource (of that service) in every region
/// and account.
///
/// ## Why is this bad?
/// It grants exactly what `"Resource": "*"` grants, but WL301 and readers looking for `*` do not
/// see it: a full wildcard hidden in ARN syntax.
///
/// ## Example
/// ```json
/// {"Sid": "Ec2", "Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "arn:aws:ec2:*:*:*"}
/// ```
///
/// ## Fix
/// Name the resources (`arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc…`), or write `*`
/// where every resource is meant, so that it is visible and reviewed.
pub struct ResourceStarInEffect;

static META: RuleMeta = RuleMeta {
    id: "WL304",
    name: "resource-star-in-effect",
    group: Group::Resources,
    severity: Severity::Warning,
    summary: "arn whose every part is a wildcard, `*` in effect",
};

impl Rule for ResourceStarInEffect {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if !cx.policy.kind.grants_to_holder() {
            return;
        }
        for (index, statement) in cx.statements() {
            if super::allowed_actions(statement).is_none() {
                continue;
            }
            for resource in super::resources(statement) {
                if is_star_in_effect(resource) {
                    out.push(cx.statement_finding(
                        &META,
                        index,
                        format!(
                            "{} resource `{resource}` matches every resource, like `*`",
                            cx.statement_label(index)
                        ),
                    ));
                }
            }
        }
    }
}

/// `arn:<any>:<service or *>:<* or empty>:<* or empty>:<*>`.
fn is_star_in_effect(resource: &str) -> bool {
    let Some(arn) = warden_policy::arn::ArnRef::parse(resource) else {
        return false;
    };
    let open = |part: &str| part.is_empty() || part.chars().all(|c| c == '*');
    open(arn.region)
        && open(arn.account)
        && !arn.resource.is_empty()
        && arn.resource.chars().all(|c| c == '*')
        && (arn.region == "*" || arn.account == "*" || arn.service.contains('*'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn disguised_stars() {
        for star in ["arn:*:*:*:*:*", "arn:aws:*:*:*:*", "arn:aws:ec2:*:*:*"] {
            assert!(super::is_star_in_effect(star), "{star}");
        }
        for named in [
            "*",
            "arn:aws:s3:::*",
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:iam::*:role/*",
            "arn:aws:sqs:eu-west-1:111122223333:*",
        ] {
            assert!(!super::is_star_in_effect(named), "{named}");
        }
    }
}
