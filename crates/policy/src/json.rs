//! A small JSON parser that keeps byte offsets and every key (duplicates included), which
//! serde_json cannot; the grammar in [`crate::parse`] turns its tree into the policy model.
//!
//! Strings without escapes borrow from the source, so parsing allocates little beyond the tree.

use std::borrow::Cow;

use crate::model::Span;

/// Nesting deeper than this is rejected instead of overflowing the stack.
const MAX_DEPTH: u32 = 64;

/// A JSON value with the byte offset where it starts (`None` when built from serde_json).
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    /// The value.
    pub kind: Kind<'a>,
    /// Byte offset of its first character in the source.
    pub offset: Option<u32>,
}

/// The kinds of JSON value; objects keep every member in source order, duplicates included.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// The number's text exactly as written.
    Number(Cow<'a, str>),
    /// A string, decoded.
    String(JsonStr<'a>),
    /// A list.
    Array(Vec<Node<'a>>),
    /// An object's members.
    Object(Vec<Member<'a>>),
}

/// A decoded string; `escaped` tells whether the source used escapes (positions inside the
/// string then no longer map one-to-one to source offsets); `printable_ascii` that every
/// character is in U+0020–U+007E (known while scanning, so callers can skip checks).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonStr<'a> {
    /// The decoded text.
    pub text: Cow<'a, str>,
    /// Whether the source used escapes.
    pub escaped: bool,
    /// Whether every character is printable ASCII.
    pub printable_ascii: bool,
}

/// One `key: value` of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Member<'a> {
    /// The key, decoded.
    pub key: JsonStr<'a>,
    /// Byte offset of the key's opening quote.
    pub key_offset: Option<u32>,
    /// The value.
    pub value: Node<'a>,
}

impl Kind<'_> {
    /// The JSON type name used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Array(_) => "a list",
            Kind::Object(_) => "an object",
        }
    }
}

/// A syntax error at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What is wrong, lowercase.
    pub message: String,
}

/// Parses a complete JSON text (one value, surrounding whitespace allowed).
pub fn parse(source: &str) -> Result<Node<'_>, SyntaxError> {
    let mut parser = Parser {
        source,
        bytes: source.as_bytes(),
        pos: 0,
        depth: 0,
        items: Vec::new(),
        members: Vec::new(),
    };
    parser.skip_whitespace();
    let node = parser.value()?;
    parser.skip_whitespace();
    if parser.pos < parser.bytes.len() {
        return Err(parser.error("trailing characters after the json value"));
    }
    Ok(node)
}

struct Parser<'a> {
    source: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: u32,
    /// The items of the arrays and the members of the objects being read, innermost last:
    /// each list is collected here and moved out at its end into a vector of exactly its
    /// length, instead of growing a vector of its own (long `Action` lists grew and were
    /// copied a dozen times).
    items: Vec<Node<'a>>,
    members: Vec<Member<'a>>,
}

impl<'a> Parser<'a> {
    fn error(&self, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            message: message.into(),
        }
    }

    fn unexpected(&self, expected: &str) -> SyntaxError {
        match self
            .source
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            Some(found) => self.error(format!("expected {expected}, found `{found}`")),
            None => self.error(format!("expected {expected}, found end of input")),
        }
    }

    /// `unexpected`, naming the usual cause when a `,` was just read and a closing bracket
    /// follows: JSON allows no trailing comma, though many editors write one.
    fn after_comma(&self, after_comma: bool, expected: &str) -> SyntaxError {
        let mut error = self.unexpected(expected);
        if after_comma && matches!(self.bytes.get(self.pos), Some(b'}' | b']')) {
            error.message = format!("trailing comma: {}", error.message);
        }
        error
    }

    fn skip_whitespace(&mut self) {
        // Indented documents start most lines with a run of spaces: eight at a time.
        while let Some(eight) = self.bytes.get(self.pos..self.pos + 8)
            && eight == b"        "
        {
            self.pos += 8;
        }
        while let Some(&byte) = self.bytes.get(self.pos) {
            if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn offset(&self) -> Option<u32> {
        u32::try_from(self.pos).ok()
    }

    fn value(&mut self) -> Result<Node<'a>, SyntaxError> {
        let offset = self.offset();
        let kind = match self.bytes.get(self.pos) {
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => Kind::String(self.string()?),
            Some(b't') => self.literal("true", Kind::Bool(true))?,
            Some(b'f') => self.literal("false", Kind::Bool(false))?,
            Some(b'n') => self.literal("null", Kind::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            _ => return Err(self.unexpected("a json value")),
        };
        Ok(Node { kind, offset })
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Kind<'a>, SyntaxError> {
        self.enter()?;
        self.pos += 1;
        let start = self.members.len();
        self.skip_whitespace();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Kind::Object(Vec::new()));
        }
        loop {
            self.skip_whitespace();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.after_comma(self.members.len() > start, "a string key"));
            }
            let key_offset = self.offset();
            let key = self.string()?;
            self.skip_whitespace();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.unexpected("`:`"));
            }
            self.pos += 1;
            self.skip_whitespace();
            let value = self.value()?;
            self.members.push(Member {
                key,
                key_offset,
                value,
            });
            self.skip_whitespace();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.unexpected("`,` or `}`")),
            }
        }
        self.depth -= 1;
        Ok(Kind::Object(self.members.split_off(start)))
    }

    fn array(&mut self) -> Result<Kind<'a>, SyntaxError> {
        self.enter()?;
        self.pos += 1;
        let start = self.items.len();
        self.skip_whitespace();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Kind::Array(Vec::new()));
        }
        loop {
            self.skip_whitespace();
            if self.items.len() > start && self.bytes.get(self.pos) == Some(&b']') {
                return Err(self.after_comma(true, "a json value"));
            }
            let item = self.value()?;
            self.items.push(item);
            self.skip_whitespace();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.unexpected("`,` or `]`")),
            }
        }
        self.depth -= 1;
        Ok(Kind::Array(self.items.split_off(start)))
    }

    fn literal(&mut self, word: &str, kind: Kind<'a>) -> Result<Kind<'a>, SyntaxError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(kind)
        } else {
            Err(self.unexpected("a json value"))
        }
    }

    fn number(&mut self) -> Result<Kind<'a>, SyntaxError> {
        let start = self.pos;
        if self.bytes.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match self.bytes.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected("a digit")),
        }
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit after `.`"));
            }
            self.digits();
        }
        if matches!(self.bytes.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit in the exponent"));
            }
            self.digits();
        }
        Ok(Kind::Number(Cow::Borrowed(&self.source[start..self.pos])))
    }

    fn digits(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    /// Parses a string starting at the opening quote.
    fn string(&mut self) -> Result<JsonStr<'a>, SyntaxError> {
        self.pos += 1;
        let start = self.pos;
        // Fast path: jump to the closing quote; most policy strings have no escapes.
        let Some(length) = memchr::memchr2(b'"', b'\\', &self.bytes[start..]) else {
            self.pos = self.bytes.len();
            return Err(self.error("unterminated string"));
        };
        let end = start + length;
        let segment = &self.bytes[start..end];
        let printable_ascii = crate::bytes::printable_ascii(segment);
        if !printable_ascii && let Some(control) = segment.iter().position(|&b| b < 0x20) {
            self.pos = start + control;
            return Err(self.control_character(segment[control]));
        }
        self.pos = end;
        if self.bytes.get(end) == Some(&b'"') {
            self.pos += 1;
            return Ok(JsonStr {
                text: Cow::Borrowed(&self.source[start..end]),
                escaped: false,
                printable_ascii,
            });
        }
        let mut text = String::with_capacity(length + 16);
        text.push_str(&self.source[start..end]);
        loop {
            let run_start = self.pos;
            while let Some(&byte) = self.bytes.get(self.pos) {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            text.push_str(&self.source[run_start..self.pos]);
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(JsonStr {
                        text: Cow::Owned(text),
                        escaped: true,
                        printable_ascii: false,
                    });
                }
                Some(b'\\') => {
                    let decoded = self.escape()?;
                    text.push(decoded);
                }
                Some(&byte) => return Err(self.control_character(byte)),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    fn control_character(&self, byte: u8) -> SyntaxError {
        self.error(format!(
            "control character u+{byte:04x} must be escaped inside a string"
        ))
    }

    /// Decodes one escape starting at the backslash.
    fn escape(&mut self) -> Result<char, SyntaxError> {
        self.pos += 1;
        let Some(&byte) = self.bytes.get(self.pos) else {
            return Err(self.error("unterminated string"));
        };
        self.pos += 1;
        Ok(match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(),
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("a valid escape (`\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t`, `\\u`)"));
            }
        })
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .and_then(|digits| std::str::from_utf8(digits).ok())
            .and_then(|digits| u32::from_str_radix(digits, 16).ok());
        match digits {
            Some(value) => {
                self.pos += 4;
                Ok(value)
            }
            None => Err(self.error("expected 4 hex digits after `\\u`")),
        }
    }

    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let high = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&high) {
            if !self.bytes[self.pos..].starts_with(b"\\u") {
                return Err(self.error("unpaired surrogate in `\\u` escape"));
            }
            self.pos += 2;
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(self.error("unpaired surrogate in `\\u` escape"));
            }
            0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid `\\u` escape"))
    }
}

/// Converts a `serde_json::Value` into the same tree, without offsets.
pub(crate) fn from_value(value: &serde_json::Value) -> Node<'_> {
    let kind = match value {
        serde_json::Value::Null => Kind::Null,
        serde_json::Value::Bool(b) => Kind::Bool(*b),
        serde_json::Value::Number(n) => Kind::Number(Cow::Owned(n.to_string())),
        serde_json::Value::String(s) => Kind::String(JsonStr {
            text: Cow::Borrowed(s),
            escaped: false,
            printable_ascii: false,
        }),
        serde_json::Value::Array(items) => Kind::Array(items.iter().map(from_value).collect()),
        serde_json::Value::Object(map) => Kind::Object(
            map.iter()
                .map(|(key, value)| Member {
                    key: JsonStr {
                        text: Cow::Borrowed(key),
                        escaped: false,
                        printable_ascii: false,
                    },
                    key_offset: None,
                    value: from_value(value),
                })
                .collect(),
        ),
    };
    Node { kind, offset: None }
}

/// Turns byte offsets into 1-based line and column (in characters). Offsets are usually
/// requested in increasing order, so it walks forward from the last position.
pub struct Locator<'a> {
    source: &'a str,
    offset: usize,
    line: u32,
    column: u32,
}

impl<'a> Locator<'a> {
    /// A locator at the start of `source`.
    pub fn new(source: &'a str) -> Self {
        Locator {
            source,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    /// The position of byte `offset` (clamped to the source length).
    pub fn span(&mut self, offset: usize) -> Span {
        let target = offset.min(self.source.len());
        if target < self.offset {
            self.offset = 0;
            self.line = 1;
            self.column = 1;
        }
        let segment = self.source.get(self.offset..target).unwrap_or_default();
        let bytes = segment.as_bytes();
        match memchr::memrchr(b'\n', bytes) {
            Some(last_newline) => {
                let newlines = memchr::memchr_iter(b'\n', bytes).count();
                self.line += u32::try_from(newlines).unwrap_or(u32::MAX);
                self.column = 1 + count_chars(&segment[last_newline + 1..]);
            }
            None => self.column += count_chars(segment),
        }
        self.offset = target;
        Span {
            line: self.line,
            column: self.column,
        }
    }
}

fn count_chars(text: &str) -> u32 {
    let count = if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    };
    u32::try_from(count).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object_keys(node: &Node<'_>) -> Vec<String> {
        match &node.kind {
            Kind::Object(members) => members.iter().map(|m| m.key.text.to_string()).collect(),
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn keeps_duplicate_keys_and_offsets() {
        let node = parse(r#" {"a": 1, "a": [true, null, "x"]}"#).unwrap();
        assert_eq!(object_keys(&node), ["a", "a"]);
        assert_eq!(node.offset, Some(1));
        let Kind::Object(members) = &node.kind else {
            unreachable!()
        };
        assert_eq!(members[1].key_offset, Some(10));
        assert_eq!(members[0].value.kind, Kind::Number(Cow::Borrowed("1")));
    }

    #[test]
    fn decodes_escapes() {
        let node = parse(r#""a\"b\\c\/\n\u00e9\ud83d\ude00""#).unwrap();
        let Kind::String(s) = node.kind else {
            unreachable!()
        };
        assert_eq!(s.text, "a\"b\\c/\né😀");
        assert!(s.escaped);
    }

    #[test]
    fn numbers_keep_their_text() {
        for text in ["0", "-1", "1.50", "2e10", "-0.5E-3"] {
            assert_eq!(parse(text).unwrap().kind, Kind::Number(Cow::Borrowed(text)));
        }
        for bad in ["01x", "-", "1.", "1e", "+1"] {
            assert!(parse(bad).is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn trailing_commas_are_named() {
        let err = parse("{\"a\": [1, 2,\n]}").unwrap_err();
        assert_eq!(err.offset, 13);
        assert_eq!(
            err.message,
            "trailing comma: expected a json value, found `]`"
        );
        let err = parse("{\"a\": 1,}").unwrap_err();
        assert_eq!(
            err.message,
            "trailing comma: expected a string key, found `}`"
        );
        let err = parse("{}}").unwrap_err();
        assert!(!err.message.contains("trailing comma"), "{}", err.message);
        let err = parse("{\"a\": 1, 7}").unwrap_err();
        assert_eq!(err.message, "expected a string key, found `7`");
    }

    #[test]
    fn syntax_errors_point_at_the_problem() {
        let err = parse("{\"a\": 1,}").unwrap_err();
        assert_eq!(err.offset, 8);
        assert!(
            err.message.contains("expected a string key, found `}`"),
            "{}",
            err.message
        );
        let err = parse("{\"a\": 1} x").unwrap_err();
        assert!(err.message.contains("trailing"));
        let err = parse("\"tab\there\"").unwrap_err();
        assert!(err.message.contains("control character"));
        let err = parse(&"[".repeat(100)).unwrap_err();
        assert!(err.message.contains("nesting"));
    }

    #[test]
    fn locator_counts_lines_and_characters() {
        let source = "ab\ncé\nxyz";
        let mut locator = Locator::new(source);
        assert_eq!(locator.span(0), Span { line: 1, column: 1 });
        assert_eq!(locator.span(4), Span { line: 2, column: 2 });
        // `é` is two bytes but one column.
        assert_eq!(locator.span(6), Span { line: 2, column: 3 });
        assert_eq!(locator.span(8), Span { line: 3, column: 2 });
        // Going backwards restarts from the beginning.
        assert_eq!(locator.span(1), Span { line: 1, column: 2 });
    }
}
