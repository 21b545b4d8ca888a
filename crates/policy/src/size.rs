//! Policy size as AWS counts it: IAM counts characters excluding whitespace; Organizations
//! counts every character of the document as sent (so Warden sends minified JSON).
//!
//! Limits are the AWS defaults from the IAM/STS quotas page ("IAM does not count white space
//! when calculating the size of a policy against these quotas") and the Organizations quotas
//! page (maximum SCP and RCP document size 5,120 characters). One third-party source reports
//! the SCP limit as bytes; for ASCII documents the two agree, and [`organizations_bytes`]
//! gives the stricter count for documents with Latin-1 characters.

use crate::model::PolicyDocument;

use crate::quota;

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

/// UTF-8 bytes of the minified document: the stricter reading of the Organizations limit.
pub fn organizations_bytes(document: &PolicyDocument) -> usize {
    document.to_json_string().len()
}

/// A size quota a document counts against, with how AWS measures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quota {
    /// A role's trust policy ([`quota::TRUST_POLICY_CHARS`], whitespace not counted).
    TrustPolicy,
    /// All inline policies of one role together ([`quota::ROLE_INLINE_POLICIES_CHARS`]).
    RoleInlinePolicies,
    /// One customer managed policy or permission boundary ([`quota::MANAGED_POLICY_CHARS`]).
    ManagedPolicy,
    /// One service control policy ([`quota::SCP_CHARS`], every character counted).
    ServiceControlPolicy,
    /// One resource control policy ([`quota::RCP_CHARS`], every character counted).
    ResourceControlPolicy,
}

impl Quota {
    /// The AWS default limit (the trust policy quota can be raised to
    /// [`quota::TRUST_POLICY_CHARS_MAX`]; pass the account's value where it was).
    pub fn default_limit(self) -> usize {
        match self {
            Quota::TrustPolicy => quota::TRUST_POLICY_CHARS,
            Quota::RoleInlinePolicies => quota::ROLE_INLINE_POLICIES_CHARS,
            Quota::ManagedPolicy => quota::MANAGED_POLICY_CHARS,
            Quota::ServiceControlPolicy => quota::SCP_CHARS,
            Quota::ResourceControlPolicy => quota::RCP_CHARS,
        }
    }

    /// Whether whitespace counts (Organizations) or not (IAM).
    pub fn counts_whitespace(self) -> bool {
        matches!(
            self,
            Quota::ServiceControlPolicy | Quota::ResourceControlPolicy
        )
    }

    /// The size of `document` as this quota counts it, when sent minified.
    pub fn measure(self, document: &PolicyDocument) -> usize {
        if self.counts_whitespace() {
            organizations_characters(document)
        } else {
            iam_document_characters(document)
        }
    }
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
    fn quotas_measure_as_aws_does() {
        let document =
            parse_policy(r#"{"Statement":{"Sid":"Team A","Effect":"Allow","Action":"s3:Get*"}}"#)
                .unwrap();
        let minified = document.to_json_string().len();
        assert_eq!(Quota::ServiceControlPolicy.measure(&document), minified);
        // The space inside `Team A` is whitespace too, and IAM does not count it.
        assert_eq!(Quota::ManagedPolicy.measure(&document), minified - 1);
        assert_eq!(Quota::TrustPolicy.default_limit(), 2_048);
        assert_eq!(Quota::RoleInlinePolicies.default_limit(), 10_240);
        assert_eq!(Quota::ManagedPolicy.default_limit(), 6_144);
        assert_eq!(Quota::ServiceControlPolicy.default_limit(), 5_120);
        assert!(!Quota::TrustPolicy.counts_whitespace());
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
        assert_eq!(
            organizations_bytes(&document),
            document.to_json_string().len()
        );
    }
}
