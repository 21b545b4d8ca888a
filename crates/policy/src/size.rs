//! Policy size as AWS counts it: IAM counts characters excluding whitespace; Organizations
//! counts every character of the document as sent (so Warden sends minified JSON).
//!
//! Limits are the AWS defaults from the IAM/STS quotas page ("IAM does not count white space
//! when calculating the size of a policy against these quotas") and the Organizations quotas
//! page (maximum SCP and RCP document size 5,120 characters). One third-party source reports
//! the SCP limit as bytes; for ASCII documents the two agree, and [`organizations_bytes`]
//! gives the stricter count for documents with Latin-1 characters.

use crate::bytes::{equal_bytes, unprintable_bytes, word_of};
use crate::model::PolicyDocument;
use crate::serialize::{Escape, Sink, escape_of, write_document};

use crate::quota;

/// Characters IAM counts: every character except whitespace.
pub fn iam_characters(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// Characters IAM counts for a document, on its minified JSON.
pub fn iam_document_characters(document: &PolicyDocument) -> usize {
    minified_size(document).non_whitespace
}

/// Characters Organizations counts for a document sent minified: all of them.
pub fn organizations_characters(document: &PolicyDocument) -> usize {
    minified_size(document).characters
}

/// UTF-8 bytes of the minified document: the stricter reading of the Organizations limit.
pub fn organizations_bytes(document: &PolicyDocument) -> usize {
    minified_size(document).bytes
}

/// The sizes of a document's minified JSON ([`PolicyDocument::to_json_string`]), counted while
/// writing it without keeping the text: what every quota measures, in one pass and with no
/// allocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinifiedSize {
    /// UTF-8 bytes.
    pub bytes: usize,
    /// Characters (Organizations counts these).
    pub characters: usize,
    /// Characters that are not whitespace (`char::is_whitespace`; IAM counts these).
    pub non_whitespace: usize,
}

/// The sizes of `document`'s minified JSON, equal to counting
/// [`PolicyDocument::to_json_string`] (a property test checks it).
pub fn minified_size(document: &PolicyDocument) -> MinifiedSize {
    let mut size = MinifiedSize::default();
    write_document(&mut size, document);
    size
}

impl MinifiedSize {
    /// Counts text that is written as it is.
    fn add_text(&mut self, text: &str) {
        self.bytes += text.len();
        if text.is_ascii() {
            self.characters += text.len();
            self.non_whitespace += text.bytes().filter(|byte| !is_ascii_space(*byte)).count();
        } else {
            for character in text.chars() {
                self.characters += 1;
                self.non_whitespace += usize::from(!character.is_whitespace());
            }
        }
    }
}

/// The ASCII characters `char::is_whitespace` is true of.
fn is_ascii_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

impl Sink for MinifiedSize {
    fn raw(&mut self, text: &str) {
        self.add_text(text);
    }

    fn punct(&mut self, _: u8) {
        self.bytes += 1;
        self.characters += 1;
        self.non_whitespace += 1;
    }

    fn escaped(&mut self, text: &str) {
        // Most strings are printable ASCII with nothing to escape: checked and their spaces
        // counted eight bytes at a time.
        if let Some(spaces) = plain_ascii_spaces(text.as_bytes()) {
            self.bytes += text.len();
            self.characters += text.len();
            self.non_whitespace += text.len() - spaces;
            return;
        }
        // Byte by byte while the text is ASCII; escapes are ASCII and never whitespace.
        for (index, byte) in text.bytes().enumerate() {
            if !byte.is_ascii() {
                // The rest character by character; escapes are only ever of ASCII bytes.
                self.escaped_chars(text.get(index..).unwrap_or_default());
                return;
            }
            match escape_of(byte) {
                Some(escape) => self.add_escape(escape),
                None => {
                    self.bytes += 1;
                    self.characters += 1;
                    // The other ASCII whitespace is below U+0020, always escaped.
                    self.non_whitespace += usize::from(byte != b' ');
                }
            }
        }
    }
}

/// How many spaces `bytes` holds, or `None` when it holds anything a JSON string escapes or
/// anything outside printable ASCII (`"`, `\\`, controls, DEL, non-ASCII). Eight bytes at a
/// time with exact per-byte tests (no borrow crosses a byte): the per-byte loop was most of
/// measuring a document.
fn plain_ascii_spaces(bytes: &[u8]) -> Option<usize> {
    let mut special = 0;
    let mut spaces = 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = word_of(chunk);
        special |= unprintable_bytes(word) | equal_bytes(word, b'"') | equal_bytes(word, b'\\');
        spaces += equal_bytes(word, b' ').count_ones() as usize;
    }
    for byte in chunks.remainder() {
        if !(0x20..0x7f).contains(byte) || *byte == b'"' || *byte == b'\\' {
            return None;
        }
        spaces += usize::from(*byte == b' ');
    }
    (special == 0).then_some(spaces)
}

impl MinifiedSize {
    fn add_escape(&mut self, escape: Escape) {
        let len = match escape {
            Escape::Short(short) => short.len(),
            Escape::Unicode => 6,
        };
        self.bytes += len;
        self.characters += len;
        self.non_whitespace += len;
    }

    fn escaped_chars(&mut self, text: &str) {
        for character in text.chars() {
            let ascii = u8::try_from(character).ok().filter(u8::is_ascii);
            match ascii.and_then(escape_of) {
                Some(escape) => self.add_escape(escape),
                None => {
                    self.bytes += character.len_utf8();
                    self.characters += 1;
                    self.non_whitespace += usize::from(!character.is_whitespace());
                }
            }
        }
    }
}

/// A size quota a document counts against, with how AWS measures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quota {
    /// A role's trust policy ([`quota::TRUST_POLICY_CHARS`], whitespace not counted).
    TrustPolicy,
    /// All inline policies of one role together ([`quota::ROLE_INLINE_POLICIES_CHARS`]).
    RoleInlinePolicies,
    /// One customer managed policy or permission boundary ([`quota::MANAGED_POLICY_CHARS`]).
    ManagedPolicy,
    /// One service control policy ([`quota::SCP_CHARS`], every character counted).
    ServiceControlPolicy,
    /// One resource control policy ([`quota::RCP_CHARS`], every character counted).
    ResourceControlPolicy,
}

impl Quota {
    /// The AWS default limit (the trust policy quota can be raised to
    /// [`quota::TRUST_POLICY_CHARS_MAX`]; pass the account's value where it was).
    pub fn default_limit(self) -> usize {
        match self {
            Quota::TrustPolicy => quota::TRUST_POLICY_CHARS,
            Quota::RoleInlinePolicies => quota::ROLE_INLINE_POLICIES_CHARS,
            Quota::ManagedPolicy => quota::MANAGED_POLICY_CHARS,
            Quota::ServiceControlPolicy => quota::SCP_CHARS,
            Quota::ResourceControlPolicy => quota::RCP_CHARS,
        }
    }

    /// Whether whitespace counts (Organizations) or not (IAM).
    pub fn counts_whitespace(self) -> bool {
        matches!(
            self,
            Quota::ServiceControlPolicy | Quota::ResourceControlPolicy
        )
    }

    /// The size of `document` as this quota counts it, when sent minified.
    pub fn measure(self, document: &PolicyDocument) -> usize {
        if self.counts_whitespace() {
            organizations_characters(document)
        } else {
            iam_document_characters(document)
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::{
        ActionClause, Condition, ConditionBlock, ConditionEntry, ConditionOperator, ConditionValue,
        Effect, Principal, PrincipalClause, PrincipalType, ResourceClause, SetQualifier, Span,
        Statement, Values, Version,
    };
    use crate::parse::parse_policy;

    #[test]
    fn iam_ignores_whitespace_but_organizations_does_not() {
        let text = "{\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:Get Object\"}\n}";
        let document = parse_policy(text).unwrap();
        let minified = document.to_json_string();
        assert_eq!(
            minified,
            r#"{"Statement":{"Effect":"Allow","Action":"s3:Get Object"}}"#
        );
        assert_eq!(iam_characters(text), minified.len() - 1);
        assert_eq!(iam_document_characters(&document), minified.len() - 1);
        assert_eq!(organizations_characters(&document), minified.len());
    }

    #[test]
    fn quotas_measure_as_aws_does() {
        let document =
            parse_policy(r#"{"Statement":{"Sid":"Team A","Effect":"Allow","Action":"s3:Get*"}}"#)
                .unwrap();
        let minified = document.to_json_string().len();
        assert_eq!(Quota::ServiceControlPolicy.measure(&document), minified);
        // The space inside `Team A` is whitespace too, and IAM does not count it.
        assert_eq!(Quota::ManagedPolicy.measure(&document), minified - 1);
        assert_eq!(Quota::TrustPolicy.default_limit(), 2_048);
        assert_eq!(Quota::RoleInlinePolicies.default_limit(), 10_240);
        assert_eq!(Quota::ManagedPolicy.default_limit(), 6_144);
        assert_eq!(Quota::ServiceControlPolicy.default_limit(), 5_120);
        assert!(!Quota::TrustPolicy.counts_whitespace());
    }

    /// Text with every kind of character the counter treats apart: escapes, ASCII and
    /// Unicode whitespace, multi-byte characters, DEL.
    fn tricky_text() -> impl Strategy<Value = String> {
        let characters = prop::sample::select(vec![
            'a', 'Z', '0', ':', '*', '/', ' ', '"', '\\', '\n', '\r', '\t', '\u{8}', '\u{c}',
            '\u{0}', '\u{b}', '\u{1f}', '\u{7f}', '\u{85}', '\u{a0}', 'é', '\u{2003}', '\u{3000}',
            '😀',
        ]);
        prop::collection::vec(characters, 0..12).prop_map(|chars| chars.into_iter().collect())
    }

    fn values(single: bool, items: Vec<String>) -> Values {
        if single && items.len() == 1 {
            Values::one(items.into_iter().next().unwrap_or_default())
        } else {
            Values::list(items)
        }
    }

    fn statement() -> impl Strategy<Value = Statement> {
        let texts = || prop::collection::vec(tricky_text(), 1..4);
        (
            prop::option::of(tricky_text()),
            any::<bool>(),
            prop::option::of((any::<bool>(), texts(), tricky_text())),
            (any::<bool>(), texts()),
            prop::option::of((any::<bool>(), texts())),
            prop::option::of((
                any::<bool>(),
                tricky_text(),
                prop::collection::vec((tricky_text(), tricky_text(), any::<bool>()), 1..3),
            )),
        )
            .prop_map(
                |(sid, deny, principal, action, resource, condition)| Statement {
                    sid,
                    effect: if deny { Effect::Deny } else { Effect::Allow },
                    principal: principal.map(|(any, aws, service)| {
                        PrincipalClause::Principal(if any {
                            Principal::Any
                        } else {
                            Principal::Typed(vec![
                                (PrincipalType::Aws, values(false, aws)),
                                (PrincipalType::Service, Values::one(service)),
                            ])
                        })
                    }),
                    action: ActionClause::Action(values(action.0, action.1)),
                    resource: resource
                        .map(|(single, items)| ResourceClause::NotResource(values(single, items))),
                    condition: condition.map(|(qualified, base, entries)| Condition {
                        blocks: vec![ConditionBlock {
                            operator: ConditionOperator {
                                qualifier: qualified.then_some(SetQualifier::ForAnyValue),
                                base,
                                if_exists: qualified,
                            },
                            entries: entries
                                .into_iter()
                                .map(|(key, value, number)| ConditionEntry {
                                    key,
                                    values: Values::list(vec![
                                        ConditionValue::String(value),
                                        ConditionValue::Bool(number),
                                        ConditionValue::Number(
                                            if number { "1.50" } else { "-2e3" }.into(),
                                        ),
                                    ]),
                                    span: Span::default(),
                                })
                                .collect(),
                        }],
                    }),
                    span: Span::default(),
                },
            )
    }

    fn document() -> impl Strategy<Value = PolicyDocument> {
        (
            prop::option::of(tricky_text()),
            prop::collection::vec(statement(), 1..3),
            any::<bool>(),
        )
            .prop_map(|(id, statements, object)| PolicyDocument {
                version: Some(Version::V2012_10_17),
                id,
                statement_is_object: object && statements.len() == 1,
                statements,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The counted sizes are those of the written text, whatever its characters.
        #[test]
        fn minified_size_counts_the_minified_text(document in document()) {
            let text = document.to_json_string();
            let size = minified_size(&document);
            prop_assert_eq!(size.bytes, text.len());
            prop_assert_eq!(size.characters, text.chars().count());
            prop_assert_eq!(size.non_whitespace, iam_characters(&text));
            prop_assert_eq!(organizations_characters(&document), text.chars().count());
            prop_assert_eq!(iam_document_characters(&document), iam_characters(&text));
            prop_assert_eq!(organizations_bytes(&document), text.len());
        }
    }

    #[test]
    fn word_at_a_time_check_equals_the_byte_loop() {
        let reference = |bytes: &[u8]| {
            bytes
                .iter()
                .all(|byte| (0x20..0x7f).contains(byte) && *byte != b'"' && *byte != b'\\')
                .then(|| bytes.iter().filter(|byte| **byte == b' ').count())
        };
        for len in 0..20 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    if len > 2 {
                        bytes[(at + len / 2) % len] = b' ';
                    }
                    assert_eq!(plain_ascii_spaces(&bytes), reference(&bytes), "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(iam_characters("é é"), 2);
        let document =
            parse_policy(r#"{"Statement":{"Sid":"é","Effect":"Allow","Action":"a:b"}}"#).unwrap();
        assert_eq!(
            organizations_characters(&document),
            document.to_json_string().len() - 1
        );
        assert_eq!(
            organizations_bytes(&document),
            document.to_json_string().len()
        );
    }
}
