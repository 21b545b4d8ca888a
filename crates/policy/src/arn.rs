//! Amazon Resource Names as written in policies: `arn:partition:service:region:account:resource`,
//! with `*` and `?` allowed inside segments (`arn:aws:iam::*:role/x`, `arn:aws:s3:::bucket/*`),
//! and the builders for every ARN Warden makes, in the organization's partition.
//!
//! Formats: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns

use std::fmt;

use crate::err::ArnError;
use crate::partition::Partition;

/// A parsed ARN. Segments keep their text (wildcards included); region and account may be
/// empty (`arn:aws:s3:::bucket`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Arn {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
    /// Service namespace, e.g. `iam`, `s3`.
    pub service: String,
    /// Region; empty for global services.
    pub region: String,
    /// Account id; empty for S3 buckets, `aws` for AWS managed policies.
    pub account: String,
    /// Everything after the fifth colon, e.g. `role/path/name` or `function:f:1`.
    pub resource: String,
}

impl Arn {
    /// Parses an ARN. The resource part may itself contain colons and slashes.
    pub fn parse(text: &str) -> Result<Arn, ArnError> {
        if !text.starts_with("arn:") {
            return Err(ArnError::MissingPrefix { arn: text.into() });
        }
        let Some(ArnRef {
            partition,
            service,
            region,
            account,
            resource,
        }) = ArnRef::parse(text)
        else {
            return Err(ArnError::TooFewParts {
                arn: text.into(),
                found: text.split(':').count(),
            });
        };
        let empty = |part: &'static str| ArnError::EmptyPart {
            arn: text.into(),
            part,
        };
        if partition.is_empty() {
            return Err(empty("partition"));
        }
        if service.is_empty() {
            return Err(empty("service"));
        }
        if resource.is_empty() {
            return Err(empty("resource"));
        }
        for (part, value) in [
            ("partition", partition),
            ("service", service),
            ("region", region),
        ] {
            let valid = value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '*' | '?'));
            if !valid {
                return Err(ArnError::InvalidPart {
                    arn: text.into(),
                    part,
                    value: value.into(),
                });
            }
        }
        Ok(Arn {
            partition: partition.into(),
            service: service.into(),
            region: region.into(),
            account: account.into(),
            resource: resource.into(),
        })
    }

    /// The resource type before the first `/` or `:` (`role` in `role/admin`), or `None`
    /// when the resource has no separator (`bucket` in `arn:aws:s3:::bucket`).
    pub fn resource_type(&self) -> Option<&str> {
        self.resource
            .find(['/', ':'])
            .map(|index| &self.resource[..index])
    }

    /// The resource after the first `/` or `:` (`admin` in `role/admin`), or the whole
    /// resource when there is no separator.
    pub fn resource_id(&self) -> &str {
        match self.resource.find(['/', ':']) {
            Some(index) => &self.resource[index + 1..],
            None => &self.resource,
        }
    }

    /// The partition, when it is one Warden knows (`None` for `*` or an unknown name).
    pub fn known_partition(&self) -> Option<Partition> {
        Partition::parse(&self.partition).ok()
    }

    /// An ARN from its parts, unchecked (use [`Arn::parse`] for text from users).
    pub fn new(
        partition: Partition,
        service: &str,
        region: &str,
        account: &str,
        resource: &str,
    ) -> Arn {
        Arn {
            partition: partition.as_str().to_owned(),
            service: service.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            resource: resource.to_owned(),
        }
    }

    /// An IAM ARN (global: no region): `arn:{partition}:iam::{account}:{resource}`.
    pub fn iam(partition: Partition, account: &str, resource: &str) -> Arn {
        Arn::new(partition, "iam", "", account, resource)
    }

    /// A role: `arn:{partition}:iam::{account}:role{path}{name}`; `path` is an IAM path such as
    /// `/` or `/team/` (an empty path is `/`).
    pub fn role(partition: Partition, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam(
            partition,
            account,
            &format!("role{}", path_and_name(path, name)),
        )
    }

    /// A user: `arn:{partition}:iam::{account}:user{path}{name}`.
    pub fn user(partition: Partition, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam(
            partition,
            account,
            &format!("user{}", path_and_name(path, name)),
        )
    }

    /// A customer managed policy: `arn:{partition}:iam::{account}:policy{path}{name}`.
    pub fn managed_policy(partition: Partition, account: &str, path: &str, name: &str) -> Arn {
        Arn::iam(
            partition,
            account,
            &format!("policy{}", path_and_name(path, name)),
        )
    }

    /// An AWS managed policy: `arn:{partition}:iam::aws:policy{path}{name}`, e.g.
    /// `arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`.
    pub fn aws_managed_policy(partition: Partition, path: &str, name: &str) -> Arn {
        Arn::managed_policy(partition, "aws", path, name)
    }

    /// The account principal: `arn:{partition}:iam::{account}:root`.
    pub fn account_root(partition: Partition, account: &str) -> Arn {
        Arn::iam(partition, account, "root")
    }

    /// An OIDC identity provider: `arn:{partition}:iam::{account}:oidc-provider/{host}`, e.g.
    /// `token.actions.githubusercontent.com`.
    pub fn oidc_provider(partition: Partition, account: &str, host: &str) -> Arn {
        Arn::iam(partition, account, &format!("oidc-provider/{host}"))
    }

    /// A SAML identity provider: `arn:{partition}:iam::{account}:saml-provider/{name}`.
    pub fn saml_provider(partition: Partition, account: &str, name: &str) -> Arn {
        Arn::iam(partition, account, &format!("saml-provider/{name}"))
    }

    /// An assumed-role session: `arn:{partition}:sts::{account}:assumed-role/{role}/{session}`.
    pub fn assumed_role(partition: Partition, account: &str, role: &str, session: &str) -> Arn {
        Arn::new(
            partition,
            "sts",
            "",
            account,
            &format!("assumed-role/{role}/{session}"),
        )
    }

    /// An S3 bucket: `arn:{partition}:s3:::{bucket}`.
    pub fn s3_bucket(partition: Partition, bucket: &str) -> Arn {
        Arn::new(partition, "s3", "", "", bucket)
    }

    /// Objects in an S3 bucket: `arn:{partition}:s3:::{bucket}/{key}` (`key` may be `*`).
    pub fn s3_object(partition: Partition, bucket: &str, key: &str) -> Arn {
        Arn::new(partition, "s3", "", "", &format!("{bucket}/{key}"))
    }

    /// An IAM entity's name and path from its resource (`role/team/app` → (`/team/`, `app`)),
    /// for `role`, `user`, `group`, `policy` and `instance-profile` ARNs.
    pub fn iam_path_and_name(&self) -> Option<(String, &str)> {
        let kind = self.resource_type()?;
        if self.service != "iam"
            || !matches!(
                kind,
                "role" | "user" | "group" | "policy" | "instance-profile"
            )
        {
            return None;
        }
        let rest = self.resource_id();
        Some(match rest.rsplit_once('/') {
            Some((path, name)) => (format!("/{path}/"), name),
            None => ("/".to_owned(), rest),
        })
    }

    /// Whether any segment contains `*` or `?`.
    pub fn has_wildcard(&self) -> bool {
        [
            &self.partition,
            &self.service,
            &self.region,
            &self.account,
            &self.resource,
        ]
        .iter()
        .any(|segment| segment.contains(['*', '?']))
    }
}

/// `/team/` + `app` → `/team/app`; the path gets its leading and trailing `/` if missing.
fn path_and_name(path: &str, name: &str) -> String {
    let path = path.trim_matches('/');
    if path.is_empty() {
        format!("/{name}")
    } else {
        format!("/{path}/{name}")
    }
}

/// An ARN split without copying or checking, for hot paths (evaluation): the five parts after
/// `arn:` as written; the resource keeps its colons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[expect(
    missing_docs,
    reason = "the fields are the parts of the same name in `Arn`"
)]
pub struct ArnRef<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> ArnRef<'a> {
    /// Splits `text`; `None` unless it starts with `arn:` and has six parts.
    #[inline]
    pub fn parse(text: &'a str) -> Option<ArnRef<'a>> {
        let ["arn", partition, service, region, account, resource] = ArnRef::components(text)?
        else {
            return None;
        };
        Some(ArnRef {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The six colon-separated components in order (`arn` first), for component-wise matching.
    #[inline]
    pub fn components(text: &'a str) -> Option<[&'a str; 6]> {
        let [first, second, third, fourth, fifth] = colons::<5>(text)?;
        Some([
            text.get(..first)?,
            text.get(first + 1..second)?,
            text.get(second + 1..third)?,
            text.get(third + 1..fourth)?,
            text.get(fourth + 1..fifth)?,
            text.get(fifth + 1..)?,
        ])
    }
}

/// Byte offsets of the first `N` colons of `text`, `None` when it has fewer. A plain loop:
/// ARNs are short, and a `memchr` call per field cost more than scanning them byte by byte
/// (splitting was most of the ARN rules' time).
#[inline]
pub fn colons<const N: usize>(text: &str) -> Option<[usize; N]> {
    let mut found = [0; N];
    let mut count = 0;
    for (at, byte) in text.bytes().enumerate() {
        if byte == b':' {
            *found.get_mut(count)? = at;
            count += 1;
            if count == N {
                return Some(found);
            }
        }
    }
    None
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

impl std::str::FromStr for Arn {
    type Err = ArnError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Arn::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let role = Arn::parse("arn:aws:iam::111122223333:role/path/admin").unwrap();
        assert_eq!(role.partition, "aws");
        assert_eq!(role.service, "iam");
        assert_eq!(role.region, "");
        assert_eq!(role.account, "111122223333");
        assert_eq!(role.resource_type(), Some("role"));
        assert_eq!(role.resource_id(), "path/admin");
        assert_eq!(
            role.to_string(),
            "arn:aws:iam::111122223333:role/path/admin"
        );

        let function = Arn::parse("arn:aws-cn:lambda:cn-north-1:1:function:f:1").unwrap();
        assert_eq!(function.resource, "function:f:1");
        assert_eq!(function.resource_type(), Some("function"));
        assert_eq!(function.resource_id(), "f:1");

        let bucket = Arn::parse("arn:aws:s3:::bucket").unwrap();
        assert_eq!(bucket.resource_type(), None);
        assert_eq!(bucket.resource_id(), "bucket");
        assert!(!bucket.has_wildcard());
    }

    #[test]
    fn builds_in_every_partition() {
        for partition in Partition::ALL {
            let p = partition.as_str();
            let cases = [
                (
                    Arn::role(partition, "111122223333", "/", "app"),
                    format!("arn:{p}:iam::111122223333:role/app"),
                ),
                (
                    Arn::role(partition, "111122223333", "/team/", "app"),
                    format!("arn:{p}:iam::111122223333:role/team/app"),
                ),
                (
                    Arn::user(partition, "111122223333", "", "alice"),
                    format!("arn:{p}:iam::111122223333:user/alice"),
                ),
                (
                    Arn::managed_policy(partition, "111122223333", "/warden/", "p"),
                    format!("arn:{p}:iam::111122223333:policy/warden/p"),
                ),
                (
                    Arn::aws_managed_policy(partition, "/service-role/", "X"),
                    format!("arn:{p}:iam::aws:policy/service-role/X"),
                ),
                (
                    Arn::account_root(partition, "111122223333"),
                    format!("arn:{p}:iam::111122223333:root"),
                ),
                (
                    Arn::oidc_provider(
                        partition,
                        "111122223333",
                        "token.actions.githubusercontent.com",
                    ),
                    format!(
                        "arn:{p}:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
                    ),
                ),
                (
                    Arn::saml_provider(partition, "111122223333", "okta"),
                    format!("arn:{p}:iam::111122223333:saml-provider/okta"),
                ),
                (
                    Arn::assumed_role(partition, "111122223333", "app", "s"),
                    format!("arn:{p}:sts::111122223333:assumed-role/app/s"),
                ),
                (Arn::s3_bucket(partition, "b"), format!("arn:{p}:s3:::b")),
                (
                    Arn::s3_object(partition, "b", "*"),
                    format!("arn:{p}:s3:::b/*"),
                ),
            ];
            for (arn, text) in cases {
                assert_eq!(arn.to_string(), text);
                let parsed = Arn::parse(&text).unwrap();
                assert_eq!(parsed, arn);
                assert_eq!(parsed.known_partition(), Some(partition));
            }
        }
    }

    #[test]
    fn iam_paths_and_names() {
        let arn = Arn::parse("arn:aws-us-gov:iam::111122223333:role/team/a/app").unwrap();
        assert_eq!(
            arn.iam_path_and_name(),
            Some(("/team/a/".to_owned(), "app"))
        );
        let arn = Arn::parse("arn:aws:iam::111122223333:role/app").unwrap();
        assert_eq!(arn.iam_path_and_name(), Some(("/".to_owned(), "app")));
        let arn = Arn::parse("arn:aws:iam::111122223333:root").unwrap();
        assert_eq!(arn.iam_path_and_name(), None);
        assert_eq!(Arn::parse("arn:*:s3:::b").unwrap().known_partition(), None);
    }

    proptest::proptest! {
        #[test]
        fn parse_inverts_display(
            partition in proptest::sample::select(Partition::ALL.to_vec()),
            service in "[a-z0-9-]{1,12}",
            region in "([a-z]{2}(-[a-z]+)?-[a-z]+-[0-9])?",
            account in "([0-9]{12}|aws|\\*)?",
            resource in "[a-zA-Z0-9_+=,.@/:*?-]{1,40}",
        ) {
            let arn = Arn::new(partition, &service, &region, &account, &resource);
            proptest::prop_assert_eq!(Arn::parse(&arn.to_string()), Ok(arn));
        }
    }

    #[test]
    fn borrowed_split_keeps_colons_in_the_resource() {
        let arn = ArnRef::parse("arn:aws:logs:us-east-1:111122223333:log-group:/x:*").unwrap();
        assert_eq!(arn.service, "logs");
        assert_eq!(arn.account, "111122223333");
        assert_eq!(arn.resource, "log-group:/x:*");
        assert!(ArnRef::parse("arn:aws:s3").is_none());
        assert!(ArnRef::parse("not:an:arn:at:all:x").is_none());
        assert_eq!(
            ArnRef::components("arn:aws:s3:::b/c:d"),
            Some(["arn", "aws", "s3", "", "", "b/c:d"])
        );
    }

    #[test]
    fn accepts_wildcards_inside_segments() {
        let arn = Arn::parse("arn:aws:iam::*:role/x").unwrap();
        assert_eq!(arn.account, "*");
        assert!(arn.has_wildcard());
        let arn = Arn::parse("arn:*:s3:::bucket/*").unwrap();
        assert_eq!(arn.resource_id(), "*");
        assert!(Arn::parse("arn:aws:ec2:us-east-?:*:instance/*").is_ok());
    }

    #[test]
    fn rejects_malformed() {
        assert!(matches!(
            Arn::parse("*"),
            Err(ArnError::MissingPrefix { .. })
        ));
        let err = Arn::parse("arn:aws:s3").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`arn:aws:s3` is not an arn: expected 6 colon-separated parts (arn:partition:service:region:account:resource), found 3"
        );
        assert!(matches!(
            Arn::parse("arn::s3:::b"),
            Err(ArnError::EmptyPart {
                part: "partition",
                ..
            })
        ));
        assert!(matches!(
            Arn::parse("arn:aws:iam::1:"),
            Err(ArnError::EmptyPart {
                part: "resource",
                ..
            })
        ));
        assert!(matches!(
            Arn::parse("arn:aws:s 3:::b"),
            Err(ArnError::InvalidPart {
                part: "service",
                ..
            })
        ));
    }

    #[test]
    fn components_are_the_first_six_colon_separated_parts() {
        for text in [
            "arn:aws:s3:::bucket/key:with:colons",
            "arn:aws:iam::111122223333:role/a",
            "arn:aws:sqs:eu-west-1:1:q",
            "a:b:c:d:e",
            "a:b:c:d:e:",
            ":::::",
            "",
            "arn:aws:s3:::caf\u{e9}:\u{1f600}",
            "arn\u{e9}:x:y:z:w:v:u",
        ] {
            let split: Vec<&str> = text.splitn(6, ':').collect();
            let expected: Option<[&str; 6]> = split.try_into().ok();
            assert_eq!(ArnRef::components(text), expected, "{text}");
        }
        assert_eq!(colons::<2>("a:b:c"), Some([1, 3]));
        assert_eq!(colons::<3>("a:b:c"), None);
    }
}
