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
    let (bytes, wanted) = (template.as_bytes(), key.as_bytes());
    // The template's text before its first `$` or `<` (and before a literal `tag-key`) is
    // part of its first literal piece, which the key must start with. Compared in one walk
    // that stops at the first difference: most templates a key is tried against differ a few
    // bytes in, before a marker is looked for or pieces are built.
    let literal_end = if ends_with_tag_key(template) {
        bytes.len() + 1 - TAG_KEY.len()
    } else {
        bytes.len()
    };
    let mut at = 0;
    while let Some(&byte) = bytes.get(at).filter(|_| at < literal_end) {
        if matches!(byte, b'$' | b'<') {
            break;
        }
        if !wanted
            .get(at)
            .is_some_and(|other| other.eq_ignore_ascii_case(&byte))
        {
            return false;
        }
        at += 1;
    }
    if at == bytes.len() {
        // A plain name: equal when the key has nothing more.
        return wanted.len() == bytes.len();
    }
    matches_pieces(&template_pieces(template), wanted)
}

/// Is `template` a plain name, which [`key_matches`] only finds equal to itself (ignoring
/// ASCII case)? Neither a placeholder nor a literal `tag-key` part.
pub(crate) fn matches_only_itself(template: &str) -> bool {
    !template.contains(['$', '<']) && !ends_with_tag_key(template)
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

    /// The pieces matched without the quick check on the head, as `key_matches` did before it.
    fn by_pieces(template: &str, key: &str) -> bool {
        if matches_only_itself(template) {
            return template.eq_ignore_ascii_case(key);
        }
        matches_pieces(&template_pieces(template), key.as_bytes())
    }

    /// The walk over the head changes no answer: every template of the catalog and a sample of
    /// its plain names against keys made from them (placeholders filled, cut short, in other
    /// cases, one byte longer) and odd ones.
    #[test]
    fn the_head_check_answers_as_the_pieces_over_the_catalogs_templates() {
        let catalog = crate::Catalog::embedded();
        let mut names: Vec<String> = catalog
            .global_condition_keys()
            .keys
            .iter()
            .map(|key| key.name.to_string())
            .collect();
        for service in catalog.services() {
            names.extend(
                service
                    .condition_keys
                    .iter()
                    .map(|key| key.name.to_string()),
            );
        }
        let templates: Vec<&String> = names
            .iter()
            .filter(|name| !matches_only_itself(name))
            .collect();
        assert!(templates.len() > 50, "{} templates", templates.len());
        // Plain names too (a sample): the walk answers for them without building pieces.
        let plain: Vec<&String> = names
            .iter()
            .filter(|name| matches_only_itself(name))
            .step_by(61)
            .collect();
        assert!(plain.len() > 20, "{} plain names", plain.len());
        let mut keys: Vec<String> = vec![
            String::new(),
            "$".into(),
            "<".into(),
            "aws:".into(),
            "${x}".into(),
            "tag-key".into(),
        ];
        for template in &templates {
            let filled = template
                .replace("${TagKey}", "Team")
                .replace("<key>", "k")
                .replace("/tag-key", "/Owner");
            let short = filled[..filled.len() / 2].to_string();
            keys.extend([
                template.to_string(),
                template.to_ascii_uppercase(),
                filled.clone(),
                filled.to_ascii_lowercase(),
                short,
                format!("x{filled}"),
            ]);
        }
        for name in &plain {
            keys.extend([
                name.to_string(),
                name.to_ascii_uppercase(),
                format!("{name}x"),
                name[..name.len() - 1].to_string(),
            ]);
        }
        let mut matched = 0;
        for template in templates.iter().chain(&plain) {
            for key in &keys {
                let expected = by_pieces(template, key);
                assert_eq!(key_matches(template, key), expected, "`{template}` `{key}`");
                matched += usize::from(expected);
            }
        }
        assert!(matched > templates.len(), "{matched} matches");
    }

    #[test]
    fn templates_are_recognised() {
        assert!(is_template("aws:PrincipalTag/${TagKey}"));
        assert!(is_template("s3:ExistingObjectTag/<key>"));
        assert!(!is_template("aws:SourceArn"));
    }
}
