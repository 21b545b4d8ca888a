//! Account-wide settings: identity providers and the password policy.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An OpenID Connect identity provider (`GetOpenIDConnectProvider`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveOidcProvider {
    pub arn: String,
    /// The issuer URL without `https://`, as IAM returns it.
    pub url: String,
    /// Audiences (client ids), sorted.
    pub client_ids: Vec<String>,
    /// Thumbprints, sorted.
    pub thumbprints: Vec<String>,
    pub created: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// A SAML identity provider. The metadata document is not kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSamlProvider {
    pub arn: String,
    pub valid_until: Option<String>,
    pub created: Option<String>,
}

/// The account password policy (`GetAccountPasswordPolicy`). Fields IAM omits are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub minimum_password_length: Option<u32>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase_characters: bool,
    pub require_lowercase_characters: bool,
    pub allow_users_to_change_password: bool,
    pub expire_passwords: bool,
    /// Days.
    pub max_password_age: Option<u32>,
    pub password_reuse_prevention: Option<u32>,
    pub hard_expiry: Option<bool>,
}
