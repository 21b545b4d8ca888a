//! Validated values sent to STS: the role session name and the session duration. The ExternalId
//! is warden-policy's (redacted when shown).

use std::fmt;

use crate::err::AwsError;

/// The role session name: shows up in CloudTrail as who did what, so it names Warden and the
/// commit of the definitions (`warden-<shortsha>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionName(String);

impl SessionName {
    /// 2–64 characters of `[\w+=,.@-]`.
    pub fn new(value: impl Into<String>) -> Result<Self, AwsError> {
        let value = value.into();
        let length = value.chars().count();
        if !(2..=64).contains(&length) {
            return Err(AwsError::InvalidSessionName {
                value,
                reason: format!("length {length} is outside 2–64 characters"),
            });
        }
        if let Some(bad) = value
            .chars()
            .find(|ch| !(ch.is_ascii_alphanumeric() || "_+=,.@-".contains(*ch)))
        {
            return Err(AwsError::InvalidSessionName {
                reason: format!(
                    "character `{}` is not allowed (allowed: letters, digits and `_+=,.@-`)",
                    bad.escape_default()
                ),
                value,
            });
        }
        Ok(Self(value))
    }

    /// `warden-<first 12 characters of the commit>`, or `warden-uncommitted` without one.
    pub fn for_commit(commit: Option<&str>) -> Result<Self, AwsError> {
        match commit {
            Some(sha) => Self::new(format!(
                "warden-{}",
                sha.chars().take(12).collect::<String>()
            )),
            None => Self::new("warden-uncommitted"),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SessionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// AssumeRole session length. Bounded to 15 min – 1 h: long enough for a run, short enough that
/// leaked credentials expire soon (and 1 h is also the cap for chained roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionDuration(u32);

impl SessionDuration {
    pub const MIN_SECONDS: u32 = 900;
    pub const MAX_SECONDS: u32 = 3600;

    pub fn from_secs(seconds: u32) -> Result<Self, AwsError> {
        if (Self::MIN_SECONDS..=Self::MAX_SECONDS).contains(&seconds) {
            return Ok(Self(seconds));
        }
        Err(AwsError::InvalidSessionDuration {
            seconds,
            min: Self::MIN_SECONDS,
            max: Self::MAX_SECONDS,
        })
    }

    pub fn as_secs(self) -> u32 {
        self.0
    }
}

impl Default for SessionDuration {
    fn default() -> Self {
        Self(Self::MIN_SECONDS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_follow_sts_rules() {
        assert_eq!(
            SessionName::for_commit(Some("0123456789abcdef"))
                .unwrap()
                .as_str(),
            "warden-0123456789ab"
        );
        assert_eq!(
            SessionName::for_commit(None).unwrap().as_str(),
            "warden-uncommitted"
        );
        assert!(SessionName::new("a").is_err());
        assert!(SessionName::new("a:b").is_err());
        assert!(SessionName::new("a".repeat(65)).is_err());
        assert!(SessionName::new("warden_1+=,.@-").is_ok());
    }

    #[test]
    fn durations_are_bounded() {
        assert!(SessionDuration::from_secs(899).is_err());
        assert!(SessionDuration::from_secs(3601).is_err());
        assert_eq!(SessionDuration::from_secs(1800).unwrap().as_secs(), 1800);
    }
}
