//! Writing documents back as JSON, in the key order AWS uses and in the form they were written
//! (string or list, boolean or string), so parse → write is lossless.

use serde_json::{Map, Value};

use crate::bytes::{control_bytes, equal_bytes, word_of};

use crate::model::{
    Condition, ConditionValue, PolicyDocument, Principal, SetQualifier, Statement, Values,
};

impl PolicyDocument {
    /// The document as a JSON value (keys in AWS order: `Version`, `Id`, `Statement`).
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        if let Some(version) = self.version {
            map.insert("Version".into(), Value::String(version.as_str().into()));
        }
        if let Some(id) = &self.id {
            map.insert("Id".into(), Value::String(id.clone()));
        }
        let statement = if self.statement_is_object && self.statements.len() == 1 {
            self.statements
                .first()
                .map(Statement::to_json)
                .unwrap_or(Value::Null)
        } else {
            Value::Array(self.statements.iter().map(Statement::to_json).collect())
        };
        map.insert("Statement".into(), statement);
        Value::Object(map)
    }

    /// Minified JSON text, as sent to AWS. Numbers in conditions keep their written text.
    pub fn to_json_string(&self) -> String {
        let mut out = String::with_capacity(256);
        write_document(&mut out, self);
        out
    }

    /// Indented JSON text for people (two spaces, AWS key order).
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(&self.to_json()).unwrap_or_default()
    }
}

impl Statement {
    /// The statement as a JSON value (keys `Sid`, `Effect`, `Principal`, `Action`,
    /// `Resource`, `Condition`).
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        if let Some(sid) = &self.sid {
            map.insert("Sid".into(), Value::String(sid.clone()));
        }
        map.insert("Effect".into(), Value::String(self.effect.as_str().into()));
        if let Some(clause) = &self.principal {
            let (name, principal) = clause.parts();
            map.insert(name.into(), principal_json(principal));
        }
        let (name, values) = self.action.parts();
        map.insert(name.into(), values_json(values));
        if let Some(clause) = &self.resource {
            let (name, values) = clause.parts();
            map.insert(name.into(), values_json(values));
        }
        if let Some(condition) = &self.condition {
            map.insert("Condition".into(), condition.to_json());
        }
        Value::Object(map)
    }

    /// Minified JSON text of this statement.
    pub fn to_json_string(&self) -> String {
        let mut out = String::with_capacity(128);
        write_statement(&mut out, self);
        out
    }
}

impl Condition {
    /// The condition as a JSON value: operator → key → value(s).
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        for block in &self.blocks {
            let mut entries = Map::new();
            for entry in &block.entries {
                let value = if entry.values.single && entry.values.len() == 1 {
                    entry
                        .values
                        .items
                        .first()
                        .map(ConditionValue::to_json)
                        .unwrap_or(Value::Null)
                } else {
                    Value::Array(entry.values.iter().map(ConditionValue::to_json).collect())
                };
                entries.insert(entry.key.clone(), value);
            }
            map.insert(block.operator.to_string(), Value::Object(entries));
        }
        Value::Object(map)
    }
}

impl ConditionValue {
    /// The value as JSON: strings, booleans and numbers stay what they were.
    pub fn to_json(&self) -> Value {
        match self {
            ConditionValue::String(text) => Value::String(text.clone()),
            ConditionValue::Bool(value) => Value::Bool(*value),
            ConditionValue::Number(text) => serde_json::from_str::<serde_json::Number>(text)
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(text.clone())),
        }
    }
}

fn values_json(values: &Values) -> Value {
    match values.items.as_slice() {
        [one] if values.single => Value::String(one.clone()),
        items => Value::Array(items.iter().cloned().map(Value::String).collect()),
    }
}

fn principal_json(principal: &Principal) -> Value {
    match principal {
        Principal::Any => Value::String("*".into()),
        Principal::Typed(typed) => Value::Object(
            typed
                .iter()
                .map(|(kind, values)| (kind.as_str().to_string(), values_json(values)))
                .collect(),
        ),
    }
}

impl std::str::FromStr for PolicyDocument {
    type Err = crate::err::PolicyErrors;

    /// Same as [`crate::parse_policy`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        crate::parse::parse_policy(text)
    }
}

impl serde::Serialize for PolicyDocument {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl serde::Serialize for Statement {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

// The minified writer below produces exactly `serde_json::to_string(&doc.to_json())` except
// that numbers keep their written text; it avoids building the intermediate `Value`. It writes
// into a [`Sink`]: the text itself, or only its size (`crate::size::minified_size`, which
// builds no text).

/// Where the minified writer puts its output.
pub(crate) trait Sink {
    /// Text written as it is: `true`, a number's written text.
    fn raw(&mut self, text: &str);
    /// One ASCII punctuation character (`{`, `"`, `,`, …), never whitespace.
    fn punct(&mut self, byte: u8);
    /// Text written as the inside of a JSON string, escaped as serde_json escapes it.
    fn escaped(&mut self, text: &str);
}

impl Sink for String {
    fn raw(&mut self, text: &str) {
        self.push_str(text);
    }

    fn punct(&mut self, byte: u8) {
        self.push(char::from(byte));
    }

    fn escaped(&mut self, text: &str) {
        if escape_free(text) {
            self.push_str(text);
            return;
        }
        let mut run_start = 0;
        for (index, byte) in text.bytes().enumerate() {
            let escape = match escape_of(byte) {
                Some(escape) => escape,
                None => continue,
            };
            self.push_str(&text[run_start..index]);
            match escape {
                Escape::Short(short) => self.push_str(short),
                Escape::Unicode => self.push_str(&format!("\\u{byte:04x}")),
            }
            run_start = index + 1;
        }
        self.push_str(&text[run_start..]);
    }
}

/// Does `text` go into a JSON string as it is (no `"`, `\\` or control character)? What every
/// JSON writer of Warden asks of nearly every string it writes, eight bytes at a time.
pub fn escape_free(text: &str) -> bool {
    let mut special = 0;
    let mut chunks = text.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let word = word_of(chunk);
        special |= control_bytes(word) | equal_bytes(word, b'"') | equal_bytes(word, b'\\');
    }
    special == 0
        && chunks
            .remainder()
            .iter()
            .all(|byte| *byte >= 0x20 && *byte != b'"' && *byte != b'\\')
}

/// How serde_json escapes a byte inside a string.
#[derive(Clone, Copy)]
pub(crate) enum Escape {
    /// A two-character escape (`\n`, `\"`).
    Short(&'static str),
    /// `\u00XX`, six characters.
    Unicode,
}

/// The escape of `byte`, `None` when it is written as it is (every byte of a multi-byte
/// character is).
#[inline]
pub(crate) fn escape_of(byte: u8) -> Option<Escape> {
    Some(match byte {
        b'"' => Escape::Short("\\\""),
        b'\\' => Escape::Short("\\\\"),
        b'\n' => Escape::Short("\\n"),
        b'\r' => Escape::Short("\\r"),
        b'\t' => Escape::Short("\\t"),
        0x08 => Escape::Short("\\b"),
        0x0C => Escape::Short("\\f"),
        0x00..=0x1F => Escape::Unicode,
        _ => return None,
    })
}

pub(crate) fn write_document<S: Sink>(out: &mut S, document: &PolicyDocument) {
    out.punct(b'{');
    let mut first = true;
    if let Some(version) = document.version {
        write_key(out, &mut first, "Version");
        write_str(out, version.as_str());
    }
    if let Some(id) = &document.id {
        write_key(out, &mut first, "Id");
        write_str(out, id);
    }
    write_key(out, &mut first, "Statement");
    if document.statement_is_object && document.statements.len() == 1 {
        if let Some(statement) = document.statements.first() {
            write_statement(out, statement);
        }
    } else {
        out.punct(b'[');
        for (index, statement) in document.statements.iter().enumerate() {
            if index > 0 {
                out.punct(b',');
            }
            write_statement(out, statement);
        }
        out.punct(b']');
    }
    out.punct(b'}');
}

fn write_statement<S: Sink>(out: &mut S, statement: &Statement) {
    out.punct(b'{');
    let mut first = true;
    if let Some(sid) = &statement.sid {
        write_key(out, &mut first, "Sid");
        write_str(out, sid);
    }
    write_key(out, &mut first, "Effect");
    write_str(out, statement.effect.as_str());
    if let Some(clause) = &statement.principal {
        let (name, principal) = clause.parts();
        write_key(out, &mut first, name);
        match principal {
            Principal::Any => write_str(out, "*"),
            Principal::Typed(typed) => {
                out.punct(b'{');
                let mut first_type = true;
                for (kind, values) in typed {
                    write_key(out, &mut first_type, kind.as_str());
                    write_values(out, values);
                }
                out.punct(b'}');
            }
        }
    }
    let (name, values) = statement.action.parts();
    write_key(out, &mut first, name);
    write_values(out, values);
    if let Some(clause) = &statement.resource {
        let (name, values) = clause.parts();
        write_key(out, &mut first, name);
        write_values(out, values);
    }
    if let Some(condition) = &statement.condition {
        write_key(out, &mut first, "Condition");
        write_condition(out, condition);
    }
    out.punct(b'}');
}

fn write_condition<S: Sink>(out: &mut S, condition: &Condition) {
    out.punct(b'{');
    let mut first_block = true;
    for block in &condition.blocks {
        // The operator's name as its `Display` spells it, written in parts (escaping is per
        // character, so the parts escaped are the name escaped) without building it.
        if !first_block {
            out.punct(b',');
        }
        first_block = false;
        let operator = &block.operator;
        out.punct(b'"');
        match operator.qualifier {
            Some(SetQualifier::ForAllValues) => out.escaped("ForAllValues:"),
            Some(SetQualifier::ForAnyValue) => out.escaped("ForAnyValue:"),
            None => {}
        }
        out.escaped(&operator.base);
        if operator.if_exists {
            out.escaped("IfExists");
        }
        out.punct(b'"');
        out.punct(b':');
        out.punct(b'{');
        let mut first_entry = true;
        for entry in &block.entries {
            write_key(out, &mut first_entry, &entry.key);
            match entry.values.items.as_slice() {
                [one] if entry.values.single => write_condition_value(out, one),
                items => {
                    out.punct(b'[');
                    for (index, value) in items.iter().enumerate() {
                        if index > 0 {
                            out.punct(b',');
                        }
                        write_condition_value(out, value);
                    }
                    out.punct(b']');
                }
            }
        }
        out.punct(b'}');
    }
    out.punct(b'}');
}

fn write_condition_value<S: Sink>(out: &mut S, value: &ConditionValue) {
    match value {
        ConditionValue::String(text) => write_str(out, text),
        ConditionValue::Bool(true) => out.raw("true"),
        ConditionValue::Bool(false) => out.raw("false"),
        ConditionValue::Number(text) => out.raw(text),
    }
}

fn write_values<S: Sink>(out: &mut S, values: &Values) {
    match values.items.as_slice() {
        [one] if values.single => write_str(out, one),
        items => {
            out.punct(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.punct(b',');
                }
                write_str(out, item);
            }
            out.punct(b']');
        }
    }
}

fn write_key<S: Sink>(out: &mut S, first: &mut bool, key: &str) {
    if !*first {
        out.punct(b',');
    }
    *first = false;
    write_str(out, key);
    out.punct(b':');
}

/// Writes a JSON string with the same escapes serde_json uses.
pub(crate) fn write_str<S: Sink>(out: &mut S, text: &str) {
    out.punct(b'"');
    out.escaped(text);
    out.punct(b'"');
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_policy;

    /// The word-at-a-time check answers as the byte loop for every byte at every position of
    /// texts up to 19 bytes, multi-byte characters included.
    #[test]
    fn escape_free_equals_the_byte_loop() {
        let reference = |bytes: &[u8]| {
            bytes
                .iter()
                .all(|byte| *byte >= 0x20 && *byte != b'"' && *byte != b'\\')
        };
        for len in 1..20 {
            for at in 0..len {
                for byte in 0..=127u8 {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = byte;
                    let text = std::str::from_utf8(&bytes).unwrap();
                    assert_eq!(super::escape_free(text), reference(&bytes), "{bytes:?}");
                }
                let text = format!("{}\u{e9}{}", "a".repeat(at), "b".repeat(len - at));
                assert!(super::escape_free(&text), "{text}");
                let text = format!("{}\u{e9}\"{}", "a".repeat(at), "b".repeat(len - at));
                assert!(!super::escape_free(&text), "{text}");
            }
        }
    }

    #[test]
    fn writer_matches_serde_json() {
        let text = r#"{"Id":"x\"y\u00e9\t","Version":"2012-10-17","Statement":{"Effect":"Deny",
            "NotPrincipal":{"AWS":["1","2"],"Service":"s"},"NotAction":"a:b","Resource":["r"],
            "Condition":{"Bool":{"aws:SecureTransport":false},"NumericLessThan":{"n":[1,2.5]}}}}"#;
        let document = parse_policy(text).unwrap();
        let via_value = serde_json::to_string(&document.to_json()).unwrap();
        assert_eq!(document.to_json_string(), via_value);
        assert!(via_value.starts_with(r#"{"Version":"2012-10-17","Id":"#));
    }

    #[test]
    fn numbers_keep_their_text_in_minified_output() {
        let text = r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Condition":{"NumericEquals":{"k":1.50}}}]}"#;
        let document = parse_policy(text).unwrap();
        assert_eq!(document.to_json_string(), text);
    }
}
