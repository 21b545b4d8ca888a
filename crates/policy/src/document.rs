//! Policy documents as IAM APIs return them: URL-encoded JSON in most responses, plain JSON in
//! some (moto's GetAccountAuthorizationDetails trust policies).
//!
//! "The policy document returned in this structure is URL-encoded compliant with RFC 3986":
//! https://docs.aws.amazon.com/IAM/latest/APIReference/API_PolicyVersion.html

use percent_encoding::percent_decode_str;

use crate::err::DocumentError;

/// The decoded JSON text of a document as IAM returned it.
pub fn decode_document(raw: &str) -> Result<String, DocumentError> {
    // Plain JSON starts with `{`; URL-encoded JSON starts with `%7B`. Decoding plain JSON would
    // corrupt values that contain `%`.
    let text = if raw.trim_start().starts_with('{') {
        raw.to_owned()
    } else {
        percent_decode_str(raw)
            .decode_utf8()
            .map_err(|err| DocumentError::NotUtf8 {
                message: err.to_string(),
            })?
            .into_owned()
    };
    serde_json::from_str::<serde_json::Value>(&text).map_err(|err| DocumentError::NotJson {
        message: err.to_string(),
    })?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_url_encoded_and_plain_json() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Pct","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/100%25"}]}"#;
        assert_eq!(decode_document(plain).unwrap(), plain);
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(
            decode_document(encoded).unwrap(),
            r#"{"Version":"2012-10-17","Statement":[]}"#
        );
        assert!(matches!(
            decode_document("%7Bnot json"),
            Err(DocumentError::NotJson { .. })
        ));
        assert!(matches!(
            decode_document("%FF%FE"),
            Err(DocumentError::NotUtf8 { .. })
        ));
    }
}
