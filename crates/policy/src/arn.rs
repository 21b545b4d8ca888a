//! Amazon Resource Names as written in policies: `arn:partition:service:region:account:resource`,
//! with `*` and `?` allowed inside segments (`arn:aws:iam::*:role/x`, `arn:aws:s3:::bucket/*`).

use std::fmt;

use crate::err::ArnError;

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
        let Some(rest) = text.strip_prefix("arn:") else {
            return Err(ArnError::MissingPrefix { arn: text.into() });
        };
        let mut parts = rest.splitn(5, ':');
        let (Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
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
}
