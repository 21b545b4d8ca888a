//! Dates IAM reads and Warden writes, through the `time` crate: RFC 3339 timestamps in UTC and
//! the forms `Date*` condition operators accept (ISO 8601 and epoch seconds).
//!
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime};

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch; the epoch itself for values `time`
/// cannot represent (beyond year 9999).
pub fn rfc3339_utc(unix_seconds: u64) -> String {
    let seconds = i64::try_from(unix_seconds).unwrap_or(i64::MAX);
    let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    at.format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// `YYYY-MM-DD` as written in definitions (exception expiry) and on the command line, if that
/// day exists (`2026-02-30` does not).
pub fn parse_day(text: &str) -> Option<Date> {
    Date::parse(text, DAY).ok()
}

/// Formats a day as `YYYY-MM-DD`.
pub fn format_day(day: Date) -> String {
    day.format(DAY).unwrap_or_default()
}

const DAY: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Milliseconds since the Unix epoch of a `Date*` condition value, or `None` if `text` is
/// neither form.
///
/// Accepted: `1700000000`, `1700000000.5`, `2024-01-31`, `2024-01-31T12:00Z`,
/// `2024-01-31T12:00:00Z`, `2024-01-31T12:00:00.123Z`, `2024-01-31T12:00:00+02:00` (`+0200`,
/// `+02`), and without a zone (read as UTC). Days that do not exist (`2024-02-30`) are refused.
pub fn parse_epoch_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let seconds: f64 = text.parse().ok()?;
        #[expect(
            clippy::cast_possible_truncation,
            reason = "epoch milliseconds of any real date fit in i64"
        )]
        return seconds
            .is_finite()
            .then(|| (seconds * 1000.0).round() as i64);
    }
    parse_iso(text)
}

/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// Days from 1970-01-01 to `year-month-day`, if that day exists.
fn unix_days(year: i64, month: i64, day: i64) -> Option<i64> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()?;
    Some(i64::from(date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY))
}

// ISO 8601 as IAM reads it is looser than RFC 3339 (optional seconds, `+0200`, no zone), so
// the fields are read by hand and the calendar is `time`'s.
fn parse_iso(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let number = |from: usize, len: usize| -> Option<i64> {
        let digits = bytes.get(from..from + len)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse().ok()
    };
    let year = number(0, 4)?;
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let mut millis = unix_days(year, number(5, 2)?, number(8, 2)?)? * 86_400_000;
    let mut at = 10;
    if bytes.len() == at {
        return Some(millis);
    }
    if !matches!(bytes.get(at), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = number(at + 1, 2)?;
    if bytes.get(at + 3) != Some(&b':') {
        return None;
    }
    let minute = number(at + 4, 2)?;
    at += 6;
    let mut second = 0;
    if bytes.get(at) == Some(&b':') {
        second = number(at + 1, 2)?;
        at += 3;
        if bytes.get(at) == Some(&b'.') {
            let start = at + 1;
            let mut end = start;
            while bytes.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            if end == start {
                return None;
            }
            let fraction = &text[start..end.min(start + 3)];
            let scale = 10_i64.pow(3 - u32::try_from(fraction.len()).ok()?);
            millis += fraction.parse::<i64>().ok()? * scale;
            at = end;
        }
    }
    // 60 is a leap second.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    millis += (hour * 3600 + minute * 60 + second) * 1000;
    let offset_minutes = match bytes.get(at) {
        None => 0,
        Some(b'Z' | b'z') if at + 1 == bytes.len() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let hours = number(at + 1, 2)?;
            let (minutes, end) = match bytes.get(at + 3) {
                Some(b':') => (number(at + 4, 2)?, at + 6),
                Some(_) => (number(at + 3, 2)?, at + 5),
                None => (0, at + 3),
            };
            if end != bytes.len() {
                return None;
            }
            let total = hours * 60 + minutes;
            if *sign == b'+' { total } else { -total }
        }
        _ => return None,
    };
    Some(millis - offset_minutes * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_timestamps() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_795_575_845), "2026-11-25T03:04:05Z");
    }

    #[test]
    fn iso_and_epoch_agree() {
        let epoch = parse_epoch_millis("1704067200").unwrap();
        assert_eq!(parse_epoch_millis("2024-01-01T00:00:00Z"), Some(epoch));
        assert_eq!(parse_epoch_millis("2024-01-01"), Some(epoch));
        assert_eq!(parse_epoch_millis("2024-01-01T02:00:00+02:00"), Some(epoch));
        assert_eq!(parse_epoch_millis("2023-12-31T19:00:00-0500"), Some(epoch));
        assert_eq!(parse_epoch_millis("2024-01-01T00:00Z"), Some(epoch));
        assert_eq!(
            parse_epoch_millis("2024-01-01T00:00:00.250Z"),
            Some(epoch + 250)
        );
        assert_eq!(parse_epoch_millis("1704067200.25"), Some(epoch + 250));
        assert_eq!(parse_epoch_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_epoch_millis("1969-12-31"), Some(-86_400_000));
    }

    #[test]
    fn days_exist_or_are_refused() {
        let day = parse_day("2024-02-29").unwrap();
        assert_eq!(format_day(day), "2024-02-29");
        assert_eq!(parse_day("2026-02-29"), None);
        assert_eq!(parse_day("2026-2-1"), None);
        assert_eq!(parse_day("2026-01-01T00:00:00Z"), None);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_epoch_millis("yesterday"), None);
        assert_eq!(parse_epoch_millis("2024-13-01"), None);
        assert_eq!(parse_epoch_millis("2024-02-30"), None);
        assert_eq!(parse_epoch_millis("2024-01-01T25:00:00Z"), None);
        assert_eq!(parse_epoch_millis("2024-01-01Tx"), None);
        assert_eq!(parse_epoch_millis(""), None);
    }
}
