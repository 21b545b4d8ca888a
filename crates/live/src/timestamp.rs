//! Timestamps of the live model: RFC 3339 text in UTC, parsed on demand for ages.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds since the Unix epoch of an RFC 3339 timestamp, or `None` if it is not one.
pub fn unix_seconds(timestamp: &str) -> Option<i64> {
    OffsetDateTime::parse(timestamp, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// Whole days from `timestamp` to `now` (Unix seconds); `None` if `timestamp` is not RFC 3339.
/// Negative when `timestamp` is in the future.
pub fn age_days(timestamp: &str, now_unix_seconds: i64) -> Option<i64> {
    unix_seconds(timestamp).map(|then| (now_unix_seconds - then).div_euclid(86_400))
}

/// RFC 3339 in UTC at whole seconds (`2026-01-31T12:00:00Z`) for any RFC 3339 input, so
/// timestamps from different sources (the SDK, the credential report, a snapshot) compare
/// equal as text; `None` if `timestamp` is not RFC 3339.
pub fn normalize(timestamp: &str) -> Option<String> {
    let seconds = unix_seconds(timestamp)?;
    u64::try_from(seconds)
        .ok()
        .map(warden_policy::date::rfc3339_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_normalize_and_age() {
        assert_eq!(
            normalize("2026-01-31T12:00:00+00:00").as_deref(),
            Some("2026-01-31T12:00:00Z")
        );
        assert_eq!(
            normalize("2026-01-31T14:00:00.250+02:00").as_deref(),
            Some("2026-01-31T12:00:00Z")
        );
        assert_eq!(normalize("N/A"), None);
        let now = unix_seconds("2026-03-02T12:00:00Z").unwrap_or_default();
        assert_eq!(age_days("2026-01-31T12:00:00Z", now), Some(30));
        assert_eq!(age_days("2026-03-02T13:00:00Z", now), Some(-1));
    }
}
