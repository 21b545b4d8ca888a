//! Minimal ARN splitting for principal classification and `Arn*` condition operators.

/// `arn:partition:service:region:account:resource`; the resource part may contain `:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arn<'a> {
    pub(crate) partition: &'a str,
    pub(crate) service: &'a str,
    pub(crate) region: &'a str,
    pub(crate) account: &'a str,
    pub(crate) resource: &'a str,
}

impl<'a> Arn<'a> {
    pub(crate) fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        Some(Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        })
    }

    /// The six components in order, for component-wise matching.
    pub(crate) fn components(text: &'a str) -> Option<[&'a str; 6]> {
        let mut parts = text.splitn(6, ':');
        Some([
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_colons_in_resource() {
        let arn = Arn::parse("arn:aws:logs:us-east-1:111122223333:log-group:/x:*").unwrap();
        assert_eq!(arn.service, "logs");
        assert_eq!(arn.account, "111122223333");
        assert_eq!(arn.resource, "log-group:/x:*");
        assert!(Arn::parse("arn:aws:s3").is_none());
        assert!(Arn::parse("not-an-arn").is_none());
    }
}
