//! The verdict of `policy check`: a document measured against a size quota, as one line.

use crate::PolicyDocument;
use crate::size::Quota;

/// The outcome of measuring a document against a quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeReport {
    /// Within the limit.
    pub fits: bool,
    /// `valid, N statement(s), used of limit …`, or how far over the limit and what to do.
    pub message: String,
}

/// Measures `document` as `quota` counts it, against `limit` (default: the quota's own).
pub fn size_report(document: &PolicyDocument, quota: Quota, limit: Option<usize>) -> SizeReport {
    let limit = limit.unwrap_or(quota.default_limit());
    let used = quota.measure(document);
    let counted = if quota.counts_whitespace() {
        "characters as sent minified"
    } else {
        "non-whitespace characters"
    };
    let statements = document.statements.len();
    if used <= limit {
        return SizeReport {
            fits: true,
            message: format!("valid, {statements} statement(s), {used} of {limit} {counted}"),
        };
    }
    SizeReport {
        fits: false,
        message: format!(
            "valid but too large: {used} {counted}, the limit is {limit}; split it or remove redundant entries (`cargo xtask policy normalize` drops covered ones)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_report_counts_as_the_quota_does() {
        let document = crate::parse_policy(
            "{\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\"}\n}",
        )
        .unwrap();
        let minified = document.to_json_string().len();
        let managed = size_report(&document, Quota::ManagedPolicy, None);
        assert!(managed.fits);
        assert_eq!(
            managed.message,
            format!("valid, 1 statement(s), {minified} of 6144 non-whitespace characters")
        );
        let scp = size_report(&document, Quota::ServiceControlPolicy, Some(minified - 1));
        assert!(!scp.fits);
        assert!(
            scp.message.starts_with(&format!(
                "valid but too large: {minified} characters as sent minified, the limit is {}",
                minified - 1
            )),
            "{}",
            scp.message
        );
    }

    /// What `policy check|diff|normalize` print for an invalid file.
    #[test]
    fn bad_input_names_file_line_and_column() {
        let errors = crate::parse_policy(
            "{\n  \"Statement\": {\"Effect\": \"allow\", \"Action\": \"a:b\"}\n}",
        )
        .unwrap_err();
        assert_eq!(
            errors.in_file("bad.json").to_string(),
            "bad.json:2:27: `Statement.Effect`: effect must be `Allow` or `Deny`, found `allow`"
        );
    }
}
