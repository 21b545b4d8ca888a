//! Parsing the date forms IAM accepts in `Date*` conditions: ISO 8601 and epoch seconds.

/// Milliseconds since the Unix epoch, or `None` if `text` is neither form.
///
/// Accepted: `1700000000`, `1700000000.5`, `2024-01-31`, `2024-01-31T12:00Z`,
/// `2024-01-31T12:00:00Z`, `2024-01-31T12:00:00.123Z`, `2024-01-31T12:00:00+02:00` (`+0200`),
/// and without a zone (read as UTC).
pub(crate) fn parse_epoch_millis(text: &str) -> Option<i64> {
    let text = text.trim();
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let seconds: f64 = text.parse().ok()?;
        return seconds
            .is_finite()
            .then(|| (seconds * 1000.0).round() as i64);
    }
    parse_iso(text)
}

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
    let month = number(5, 2)?;
    let day = number(8, 2)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * 86_400_000;
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
            let scale = 10_i64.pow(3 - fraction.len() as u32);
            millis += fraction.parse::<i64>().ok()? * scale;
            at = end;
        }
    }
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

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_epoch_millis("yesterday"), None);
        assert_eq!(parse_epoch_millis("2024-13-01"), None);
        assert_eq!(parse_epoch_millis("2024-01-01T25:00:00Z"), None);
        assert_eq!(parse_epoch_millis("2024-01-01Tx"), None);
        assert_eq!(parse_epoch_millis(""), None);
    }
}
