//! Policy size as AWS counts it: IAM counts characters excluding whitespace; Organizations
//! counts every character of the document as sent (so Warden sends minified JSON).
//!
//! Limits are the AWS defaults from the IAM/STS quotas page ("IAM does not count white space
//! when calculating the size of a policy against these quotas") and the Organizations quotas
//! page (maximum SCP document size 5,120 characters).

use crate::model::PolicyDocument;

/// Role trust policy (`AssumeRolePolicySizeQuota`), adjustable up to 4,096.
pub const TRUST_POLICY_LIMIT: usize = 2_048;
/// Trust policy limit after the maximum quota increase.
pub const TRUST_POLICY_MAX_ADJUSTED: usize = 4_096;
/// All inline policies of one role together (`RolePolicySizeQuota`).
pub const ROLE_INLINE_TOTAL_LIMIT: usize = 10_240;
/// All inline policies of one user together.
pub const USER_INLINE_TOTAL_LIMIT: usize = 2_048;
/// All inline policies of one group together.
pub const GROUP_INLINE_TOTAL_LIMIT: usize = 5_120;
/// One customer managed policy (`PolicySizeQuota`), also the limit for a permission boundary.
pub const MANAGED_POLICY_LIMIT: usize = 6_144;
/// One service control policy, counted as sent (whitespace included).
pub const SCP_LIMIT: usize = 5_120;
/// One resource control policy, counted as sent (whitespace included).
pub const RCP_LIMIT: usize = 5_120;

/// Characters IAM counts: every character except whitespace.
pub fn iam_characters(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// Characters IAM counts for a document, on its minified JSON.
pub fn iam_document_characters(document: &PolicyDocument) -> usize {
    iam_characters(&document.to_json_string())
}

/// Characters Organizations counts for a document sent minified: all of them.
pub fn organizations_characters(document: &PolicyDocument) -> usize {
    document.to_json_string().chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_policy;

    #[test]
    fn iam_ignores_whitespace_but_organizations_does_not() {
        let text = "{\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:Get Object\"}\n}";
        let document = parse_policy(text).unwrap();
        let minified = document.to_json_string();
        assert_eq!(
            minified,
            r#"{"Statement":{"Effect":"Allow","Action":"s3:Get Object"}}"#
        );
        assert_eq!(iam_characters(text), minified.len() - 1);
        assert_eq!(iam_document_characters(&document), minified.len() - 1);
        assert_eq!(organizations_characters(&document), minified.len());
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(iam_characters("é é"), 2);
        let document =
            parse_policy(r#"{"Statement":{"Sid":"é","Effect":"Allow","Action":"a:b"}}"#).unwrap();
        assert_eq!(
            organizations_characters(&document),
            document.to_json_string().len() - 1
        );
    }
}
