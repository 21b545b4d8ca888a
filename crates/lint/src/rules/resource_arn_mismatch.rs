//! WL302: a resource ARN that matches no resource type of the statement's actions.

use warden_policy::arn::{Arn, ArnRef, colons};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Flags `Resource` ARNs that match none of the resource types the statement's actions accept,
/// using the ARN formats of the service authorization reference. Actions that accept no
/// resource type (they need `*`) are reported too, since naming a resource makes them unusable.
///
/// A warning, as the formats decide it; an error when the ARN has no account where the formats
/// it would otherwise match have one (`arn:aws:kms:*::*` for `kms:Decrypt`): every resource of
/// those types has an account, so the ARN names none. Access Analyzer reports this as the
/// error "Missing ARN account".
///
/// ## Why is this bad?
/// The statement grants nothing on that ARN. Typical mistakes: `s3:GetObject` on the bucket ARN
/// (`arn:aws:s3:::data`, objects are `arn:aws:s3:::data/*`), or an ARN of another service.
///
/// ## Example
/// ```json
/// {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data"}
/// ```
///
/// ## Fix
/// Use the ARN format of the resource type the action acts on (`arn:aws:s3:::data/*`), or split
/// the statement so each action gets its own resources.
pub struct ResourceArnMismatch;

static META: RuleMeta = RuleMeta {
    id: "WL302",
    name: "resource-arn-mismatch",
    group: Group::Resources,
    severity: Severity::Warning,
    summary: "resource arn matches no resource type of the statement's actions",
};

impl Rule for ResourceArnMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Identity {
            return;
        }
        let catalog = cx.env.facts.catalog;
        for (index, statement) in cx.statements() {
            if super::allowed_actions(statement).is_none() {
                continue;
            }
            let mut resources = super::resources(statement)
                .iter()
                .filter(|resource| *resource != "*" && is_arn(resource))
                .peekable();
            if resources.peek().is_none() {
                continue;
            }
            let actions = cx.expanded_actions(index);
            if actions.is_empty() {
                continue;
            }
            // Actions without resource types only work with `*`: they match no ARN. Many
            // actions share resource types: each (service, type) is asked once per statement,
            // in the actions' order, and only as far as needed (the first types usually
            // match); the formats worked out are shared by the statement's resources. A type
            // matches in the strict reading only if it matches in the permissive one, so the
            // permissive reading alone decides whether some type matches.
            let mut formats = Formats::new(catalog, actions);
            for resource in resources {
                let arn_service = third_field(resource);
                let fits = |(format, format_service): &(&str, &str)| {
                    format_service_possible(format_service, arn_service)
                        && cx.env.facts.arn_could_match(resource, format)
                };
                let mut checked = 0;
                let matches_some = loop {
                    if formats.found[checked..].iter().any(fits) {
                        break true;
                    }
                    checked = formats.found.len();
                    if !formats.pull() {
                        break false;
                    }
                };
                if !matches_some {
                    // Three names are shown: a statement may grant a thousand actions.
                    let names: Vec<String> = actions
                        .iter()
                        .take(3)
                        .map(|action| action.full_name())
                        .collect();
                    let names = super::name_some_of(&names, actions.len());
                    // Every format was read: `formats.found` holds them all.
                    if missing_account(resource, &formats.found, |arn, format| {
                        cx.env.facts.arn_could_match(arn, format)
                    }) {
                        let mut finding = cx.statement_finding(
                            &META,
                            index,
                            format!(
                                "`{resource}` has no account, and every resource type of {names} \
                                 it would otherwise name has one: it matches no resource"
                            ),
                        );
                        finding.severity = Severity::Error;
                        out.push(finding);
                    } else {
                        out.push(cx.statement_finding(
                            &META,
                            index,
                            format!("`{resource}` matches no resource type of {names}"),
                        ));
                    }
                }
            }
        }
    }
}

/// The ARN formats (with their service part) of the resource types a statement's actions
/// accept, worked out action by action on demand, each (service, type name) once.
struct Formats<'c> {
    catalog: &'c warden_catalog::Catalog,
    actions: &'c [&'c warden_catalog::Action],
    /// The next action to read.
    next: usize,
    /// The service of the last action read (actions come sorted by service), and the type
    /// names already asked of it.
    service: Option<(&'c str, Option<&'c warden_catalog::Service>)>,
    asked: Vec<&'c str>,
    found: Vec<(&'c str, &'c str)>,
}

impl<'c> Formats<'c> {
    fn new(
        catalog: &'c warden_catalog::Catalog,
        actions: &'c [&'c warden_catalog::Action],
    ) -> Formats<'c> {
        Formats {
            catalog,
            actions,
            next: 0,
            service: None,
            asked: Vec::new(),
            found: Vec::new(),
        }
    }

    /// Reads actions until one adds formats; false when every action has been read.
    fn pull(&mut self) -> bool {
        while let Some(action) = self.actions.get(self.next) {
            self.next += 1;
            if !action.supports_resource_level_permissions() {
                continue;
            }
            let service = match self.service {
                Some((name, service)) if name == action.service => service,
                _ => {
                    let service = self.catalog.service(&action.service);
                    self.service = Some((&action.service, service));
                    self.asked.clear();
                    service
                }
            };
            let Some(service) = service else {
                continue;
            };
            let before = self.found.len();
            for row in &action.resource_types {
                if self.asked.contains(&row.name.as_str()) {
                    continue;
                }
                self.asked.push(&row.name);
                if let Some(resource_type) = service.resource_type(&row.name) {
                    self.found.extend(
                        resource_type
                            .arn_patterns
                            .iter()
                            .map(|format| (format.as_str(), third_field(format))),
                    );
                }
            }
            if self.found.len() > before {
                return true;
            }
        }
        false
    }
}

/// The text between the second and third `:` of an ARN or format (its service part; the end
/// when there is no third), as `split(':').nth(2)` answers, in one scan of the text's start.
fn third_field(format: &str) -> &str {
    if let Some([_, second, third]) = colons::<3>(format) {
        return format.get(second + 1..third).unwrap_or_default();
    }
    colons::<2>(format)
        .and_then(|[_, second]| format.get(second + 1..))
        .unwrap_or_default()
}

/// What `Arn::parse(text).is_ok()` answers (six parts, partition, service and resource not
/// empty, partition, service and region of letters, digits, `-`, `*` and `?`), without
/// building the owned `Arn` for every resource of every statement; a test holds the two equal.
fn is_arn(text: &str) -> bool {
    let plain = |part: &str| {
        part.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '*' | '?'))
    };
    ArnRef::parse(text).is_some_and(|arn| {
        !arn.partition.is_empty()
            && !arn.service.is_empty()
            && !arn.resource.is_empty()
            && plain(arn.partition)
            && plain(arn.service)
            && plain(arn.region)
    })
}

/// Is the account field of `resource` empty where a format of `formats` has one, the ARN
/// matching that format once an account is filled in? Access Analyzer's "Missing ARN
/// account" error: every resource of those types has an account, so nothing is named. The
/// filled account is a number, not `*`, which the matcher would let run across `:` into the
/// resource part (`arn:aws:s3::*:data` fits an object ARN).
fn missing_account(
    resource: &str,
    formats: &[(&str, &str)],
    could_match: impl Fn(&str, &str) -> bool,
) -> bool {
    let Some(arn) = ArnRef::parse(resource).filter(|arn| arn.account.is_empty()) else {
        return false;
    };
    let filled = Arn {
        partition: arn.partition.to_string(),
        service: arn.service.to_string(),
        region: arn.region.to_string(),
        account: "123456789012".to_string(),
        resource: arn.resource.to_string(),
    }
    .to_string();
    formats
        .iter()
        .any(|(format, _)| could_match(&filled, format))
}

fn format_service_possible(format_service: &str, arn_service: &str) -> bool {
    if arn_service.contains(['*', '?', '$']) {
        return true;
    }
    format_service.contains('$') || format_service.eq_ignore_ascii_case(arn_service)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The allocation-free test accepts exactly what the ARN parser accepts.
    #[test]
    fn is_arn_answers_as_the_arn_parser() {
        let texts = [
            "arn:aws:s3:::data/*",
            "arn:aws:iam::123456789012:role/app",
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws-cn:s3:::b",
            "arn:${aws:partition}:s3:::b",
            "arn:aws:s3:::",
            "arn::s3:::b",
            "arn:aws::::b",
            "arn:aws:s3:us_east_1::b",
            "arn:aws:s 3:::b",
            "arn:aws:s3",
            "arn:aws:s3:::b:c:d",
            "ARN:aws:s3:::b",
            "arn",
            "",
            "*",
            "arn:aws:lambda:us-east-1:123456789012:function:f:*",
            "arn:a?s:s*:us-*::x",
            "arn:aws:sqs:é::q",
        ];
        let mut accepted = 0;
        for text in texts {
            assert_eq!(is_arn(text), Arn::parse(text).is_ok(), "`{text}`");
            accepted += usize::from(is_arn(text));
        }
        assert!(accepted >= 6 && accepted < texts.len(), "{accepted}");
    }

    #[test]
    fn third_field_is_the_third_colon_separated_part() {
        for text in [
            "arn:${Partition}:s3:::${BucketName}",
            "arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}",
            "arn:aws:sqs",
            "arn:aws:",
            "arn:aws",
            "",
            ":::",
            "a:b:c:d:e:f:g",
        ] {
            assert_eq!(
                third_field(text),
                text.split(':').nth(2).unwrap_or_default(),
                "`{text}`"
            );
        }
        assert_eq!(third_field("arn:aws:kms:r:a:key/k"), "kms");
    }

    /// An empty account is an error only where a format the ARN would otherwise match has an
    /// account: not for ARNs of types without one (S3), nor for a wrong type.
    #[test]
    fn a_missing_account_is_told_from_other_mismatches() {
        let catalog = warden_catalog::Catalog::embedded();
        let formats_of = |action: &str| -> Vec<(&'static str, &'static str)> {
            let action = catalog.action(action).unwrap();
            let service = catalog.service(&action.service).unwrap();
            action
                .resource_types
                .iter()
                .filter_map(|row| service.resource_type(&row.name))
                .flat_map(|resource| &resource.arn_patterns)
                .map(|format| (format.as_str(), ""))
                .collect()
        };
        let permissive = |arn: &str, format: &str| {
            warden_catalog::resource::could_match(
                arn,
                format,
                warden_catalog::resource::Reading::Permissive,
            )
        };
        let cases = [
            ("sqs:SendMessage", "arn:aws:sqs:eu-west-1::orders", true),
            ("kms:Decrypt", "arn:aws:kms:*::*", true),
            (
                "s3:GetObject",
                "arn:aws:sqs:eu-west-1:111122223333:orders",
                false,
            ),
            ("s3:GetObject", "arn:aws:s3:::data", false),
            ("s3:ListBucket", "arn:aws:s3:::data/*", false),
            // A user ARN has no account; `CreateUser` acts on the identity store, which has.
            (
                "identitystore:CreateUser",
                "arn:aws:identitystore:::user/*",
                false,
            ),
        ];
        for (action, resource, expected) in cases {
            let formats = formats_of(action);
            assert!(!formats.is_empty(), "{action}");
            // Each case is a mismatch in the first place.
            assert!(
                !formats
                    .iter()
                    .any(|(format, _)| permissive(resource, format)),
                "`{resource}` matches `{action}`"
            );
            assert_eq!(
                missing_account(resource, &formats, permissive),
                expected,
                "`{resource}` for `{action}`"
            );
        }
    }
}
