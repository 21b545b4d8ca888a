//! Byte tests eight bytes at a time (one `u64` word), exact per byte: no borrow crosses a byte,
//! unlike the shorter zero-byte test that only answers "any". The JSON reader and writers, the
//! size count and the wildcard check ask them of nearly every string of every policy.

/// The high bit of every byte.
const HIGHS: u64 = 0x8080_8080_8080_8080;
const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const ONES: u64 = 0x0101_0101_0101_0101;

/// Eight bytes as one little-endian word.
pub(crate) fn word_of(chunk: &[u8]) -> u64 {
    let mut eight = [0; 8];
    for (into, byte) in eight.iter_mut().zip(chunk) {
        *into = *byte;
    }
    u64::from_le_bytes(eight)
}

/// The high bit of each byte of `word` that is zero, and only of those.
pub(crate) fn zero_bytes(word: u64) -> u64 {
    !(((word & LOWS).wrapping_add(LOWS)) | word | LOWS)
}

/// The high bit of each byte of `word` equal to `byte`.
pub(crate) fn equal_bytes(word: u64, byte: u8) -> u64 {
    zero_bytes(word ^ (ONES * u64::from(byte)))
}

/// The high bit of each control byte (below U+0020) of `word`.
pub(crate) fn control_bytes(word: u64) -> u64 {
    zero_bytes(word & 0xe0e0_e0e0_e0e0_e0e0)
}

/// The high bit of each byte of `word` outside printable ASCII (controls, DEL, non-ASCII).
pub(crate) fn unprintable_bytes(word: u64) -> u64 {
    (word & HIGHS) | control_bytes(word) | equal_bytes(word, 0x7f)
}

/// Is every byte of `bytes` printable ASCII (space to `~`)?
pub(crate) fn printable_ascii(bytes: &[u8]) -> bool {
    let mut outside = 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        outside |= unprintable_bytes(word_of(chunk));
    }
    outside == 0
        && chunks
            .remainder()
            .iter()
            .all(|byte| (0x20..0x7f).contains(byte))
}

/// Does `text` hold a `*` or `?` byte?
pub(crate) fn has_wildcard_byte(text: &str) -> bool {
    let mut chunks = text.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let word = word_of(chunk);
        if equal_bytes(word, b'*') | equal_bytes(word, b'?') != 0 {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|byte| *byte == b'*' || *byte == b'?')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time check answers as the byte loop for every byte at every position of
    /// texts up to 19 bytes.
    #[test]
    fn printable_ascii_equals_the_byte_loop() {
        for len in 1..20 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    let expected = bytes.iter().all(|byte| (0x20..0x7f).contains(byte));
                    assert_eq!(printable_ascii(&bytes), expected, "{bytes:?}");
                }
            }
        }
    }

    /// `*` and `?` are found wherever they are, and nothing else.
    #[test]
    fn wildcard_bytes_are_found_at_every_position() {
        for length in 0..40 {
            for at in 0..length {
                for (wild, byte) in [(true, b'*'), (true, b'?'), (false, b'+'), (false, b'j')] {
                    let mut bytes = vec![b'a'; length];
                    bytes[at] = byte;
                    // Bytes next to the searched ones in value, which a sloppy test would take.
                    if at + 1 < length {
                        bytes[at + 1] = b'+';
                    }
                    let entry = String::from_utf8(bytes).unwrap();
                    assert_eq!(has_wildcard_byte(&entry), wild, "{entry:?}");
                }
            }
        }
        assert!(!has_wildcard_byte("arn:aws:s3:::data/report.csv"));
        assert!(has_wildcard_byte("arn:aws:s3:::data/report-?.csv"));
        assert!(!has_wildcard_byte("arn:aws:s3:::data/é/ü/°/)+>@"));
    }
}
