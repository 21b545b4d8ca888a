//! Condition key names: case-insensitive comparison with templated names.
//!
//! The reference writes keys that carry a user-chosen part as templates: `${TagKey}`
//! (`aws:ResourceTag/${TagKey}`), `<key>` (`s3:ExistingObjectTag/<key>`) or a named part in the
//! middle (`codebuild:secondarySources/${sourceIdentifier}.location`). A placeholder matches any
//! non-empty run of characters; everything else compares ASCII-case-insensitively, as IAM
//! compares condition key names.

use crate::model::ConditionKey;

/// Does the key name `key` (as written in a policy) fit the catalog name `template`?
pub fn key_matches(template: &str, key: &str) -> bool {
    if !template.contains(['$', '<']) && !ends_with_tag_key(template) {
        return template.eq_ignore_ascii_case(key);
    }
    let pieces = template_pieces(template);
    matches_pieces(&pieces, key.as_bytes())
}

/// The first key in `keys` whose name `key` fits: an exact (case-insensitive) name wins over a
/// template.
pub(crate) fn find_key<'a>(keys: &'a [ConditionKey], key: &str) -> Option<&'a ConditionKey> {
    keys.iter()
        .find(|candidate| candidate.name.eq_ignore_ascii_case(key))
        .or_else(|| {
            keys.iter()
                .find(|candidate| key_matches(&candidate.name, key))
        })
}

/// True when `name` contains a placeholder (`${…}` or `<…>`).
pub fn is_template(name: &str) -> bool {
    template_pieces(name)
        .iter()
        .any(|piece| matches!(piece, Piece::Placeholder))
}

#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Literal(&'a [u8]),
    Placeholder,
}

/// Two services write the tag-key part literally: `secretsmanager:ResourceTag/tag-key`,
/// `ssm:resourceTag/tag-key` (as the IAM docs do in prose).
fn ends_with_tag_key(template: &str) -> bool {
    let bytes = template.as_bytes();
    bytes.len() > TAG_KEY.len()
        && bytes[bytes.len() - TAG_KEY.len()..].eq_ignore_ascii_case(TAG_KEY.as_bytes())
}

const TAG_KEY: &str = "/tag-key";

fn template_pieces(template: &str) -> Vec<Piece<'_>> {
    if ends_with_tag_key(template) {
        let head = &template[..template.len() - TAG_KEY.len() + 1];
        let mut pieces = template_pieces(head);
        pieces.push(Piece::Placeholder);
        return pieces;
    }
    let bytes = template.as_bytes();
    let mut pieces = Vec::new();
    let mut literal_start = 0;
    let mut index = 0;
    while index < bytes.len() {
        let close = match (bytes[index], bytes.get(index + 1)) {
            (b'$', Some(b'{')) => find_byte(bytes, index + 2, b'}'),
            (b'<', _) => find_byte(bytes, index + 1, b'>'),
            _ => None,
        };
        match close {
            Some(end) => {
                if literal_start < index {
                    pieces.push(Piece::Literal(&bytes[literal_start..index]));
                }
                pieces.push(Piece::Placeholder);
                index = end + 1;
                literal_start = index;
            }
            None => index += 1,
        }
    }
    if literal_start < bytes.len() {
        pieces.push(Piece::Literal(&bytes[literal_start..]));
    }
    pieces
}

fn find_byte(bytes: &[u8], from: usize, wanted: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&byte| byte == wanted)
        .map(|offset| from + offset)
}

/// Backtracking match; templates have at most a few placeholders.
fn matches_pieces(pieces: &[Piece<'_>], text: &[u8]) -> bool {
    match pieces.split_first() {
        None => text.is_empty(),
        Some((Piece::Literal(literal), rest)) => {
            text.len() >= literal.len()
                && text[..literal.len()].eq_ignore_ascii_case(literal)
                && matches_pieces(rest, &text[literal.len()..])
        }
        Some((Piece::Placeholder, rest)) => {
            (1..=text.len()).any(|taken| matches_pieces(rest, &text[taken..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_compare_case_insensitively() {
        assert!(key_matches("aws:SourceArn", "AWS:sourcearn"));
        assert!(!key_matches("aws:SourceArn", "aws:SourceArnX"));
    }

    #[test]
    fn placeholders_match_any_non_empty_run() {
        assert!(key_matches(
            "aws:ResourceTag/${TagKey}",
            "aws:ResourceTag/Team"
        ));
        assert!(key_matches(
            "aws:ResourceTag/${TagKey}",
            "aws:resourcetag/cost/center"
        ));
        assert!(!key_matches(
            "aws:ResourceTag/${TagKey}",
            "aws:ResourceTag/"
        ));
        assert!(!key_matches(
            "aws:ResourceTag/${TagKey}",
            "aws:RequestTag/Team"
        ));
        assert!(key_matches(
            "s3:ExistingObjectTag/<key>",
            "s3:ExistingObjectTag/classification"
        ));
        assert!(key_matches(
            "codebuild:secondarySources/${sourceIdentifier}.location",
            "codebuild:secondarySources/src1.location"
        ));
        assert!(!key_matches(
            "codebuild:secondarySources/${sourceIdentifier}.location",
            "codebuild:secondarySources/src1.type"
        ));
        assert!(key_matches(
            "agent.${Domain}.buildkite.dev:pipeline_slug",
            "agent.acme.buildkite.dev:pipeline_slug"
        ));
    }

    #[test]
    fn a_literal_tag_key_suffix_is_a_placeholder() {
        assert!(key_matches(
            "secretsmanager:ResourceTag/tag-key",
            "secretsmanager:ResourceTag/Owner"
        ));
        assert!(key_matches(
            "ssm:resourceTag/tag-key",
            "ssm:ResourceTag/env"
        ));
        assert!(!key_matches("ssm:resourceTag/tag-key", "ssm:ResourceTag/"));
        assert!(is_template("ssm:resourceTag/tag-key"));
    }

    #[test]
    fn templates_are_recognised() {
        assert!(is_template("aws:PrincipalTag/${TagKey}"));
        assert!(is_template("s3:ExistingObjectTag/<key>"));
        assert!(!is_template("aws:SourceArn"));
    }
}
