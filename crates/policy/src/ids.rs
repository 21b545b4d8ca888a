//! Validated identifiers: the 12-digit account id and the ExternalId (redacted when shown).

use std::fmt;
use std::str::FromStr;

use crate::err::IdError;

/// An AWS account id: exactly 12 ASCII digits (leading zeros are significant, so it is text).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// Validates `value` as an account id.
    pub fn parse(value: &str) -> Result<AccountId, IdError> {
        if is_account_id(value) {
            Ok(AccountId(value.to_owned()))
        } else {
            Err(IdError::InvalidAccountId {
                value: value.to_owned(),
            })
        }
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `text` is an account id: exactly 12 ASCII digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AccountId {
    type Err = IdError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        AccountId::parse(value)
    }
}

impl AsRef<str> for AccountId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The value a member account's access role requires in `sts:ExternalId`. Debug and Display
/// never show it; use [`ExternalId::expose`] to send or compare it.
#[derive(Clone, PartialEq, Eq)]
pub struct ExternalId(String);

/// STS AssumeRole `ExternalId`: 2–1,224 characters of `[\w+=,.@:/-]`.
/// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
pub const EXTERNAL_ID_CHARS: std::ops::RangeInclusive<usize> = 2..=1224;

impl ExternalId {
    /// Validates `value`; the error names the offending character but never the value.
    pub fn new(value: impl Into<String>) -> Result<ExternalId, IdError> {
        let value = value.into();
        let length = value.chars().count();
        if !EXTERNAL_ID_CHARS.contains(&length) {
            return Err(IdError::InvalidExternalId {
                reason: format!("length {length} is outside 2–1,224 characters"),
            });
        }
        if let Some(bad) = value.chars().find(|ch| !is_external_id_char(*ch)) {
            return Err(IdError::InvalidExternalId {
                reason: format!(
                    "character `{}` is not allowed (allowed: letters, digits and `_+=,.@:/-`)",
                    bad.escape_default()
                ),
            });
        }
        Ok(ExternalId(value))
    }

    /// The value itself, for the AssumeRole call and trust comparison only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn is_external_id_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || "_+=,.@:/-".contains(ch)
}

impl fmt::Debug for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExternalId(<redacted>)")
    }
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_twelve_digits() {
        assert_eq!(
            AccountId::parse("011122223333").unwrap().as_str(),
            "011122223333"
        );
        for bad in [
            "",
            "11112222333",
            "1111222233334",
            "11112222333a",
            "١١١١٢٢٢٢٣٣٣٣",
        ] {
            assert!(AccountId::parse(bad).is_err(), "{bad}");
            assert!(!is_account_id(bad));
        }
        assert_eq!(
            AccountId::parse("123").unwrap_err().to_string(),
            "account id `123` must be 12 digits"
        );
    }

    #[test]
    fn external_id_is_validated_and_redacted() {
        let id = ExternalId::new("warden-Prod:2026/a.b@c=d,e+f").unwrap();
        assert_eq!(format!("{id}"), "<redacted>");
        assert!(!format!("{id:?}").contains("warden"));
        assert_eq!(id.expose(), "warden-Prod:2026/a.b@c=d,e+f");
        assert!(ExternalId::new("x").is_err());
        assert!(ExternalId::new("a".repeat(1225)).is_err());
        assert!(ExternalId::new("a".repeat(1224)).is_ok());
        let err = ExternalId::new("has space").unwrap_err().to_string();
        assert!(err.contains("` `"), "{err}");
        assert!(!err.contains("has space"), "the value must not leak: {err}");
    }
}
