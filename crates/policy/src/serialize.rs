//! Writing documents back as JSON, in the key order AWS uses and in the form they were written
//! (string or list, boolean or string), so parse → write is lossless.

use serde_json::{Map, Value};

use crate::model::{Condition, ConditionValue, PolicyDocument, Principal, Statement, Values};

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
// that numbers keep their written text; it avoids building the intermediate `Value`.

fn write_document(out: &mut String, document: &PolicyDocument) {
    out.push('{');
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
        out.push('[');
        for (index, statement) in document.statements.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            write_statement(out, statement);
        }
        out.push(']');
    }
    out.push('}');
}

fn write_statement(out: &mut String, statement: &Statement) {
    out.push('{');
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
                out.push('{');
                let mut first_type = true;
                for (kind, values) in typed {
                    write_key(out, &mut first_type, kind.as_str());
                    write_values(out, values);
                }
                out.push('}');
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
    out.push('}');
}

fn write_condition(out: &mut String, condition: &Condition) {
    out.push('{');
    let mut first_block = true;
    for block in &condition.blocks {
        write_key(out, &mut first_block, &block.operator.to_string());
        out.push('{');
        let mut first_entry = true;
        for entry in &block.entries {
            write_key(out, &mut first_entry, &entry.key);
            match entry.values.items.as_slice() {
                [one] if entry.values.single => write_condition_value(out, one),
                items => {
                    out.push('[');
                    for (index, value) in items.iter().enumerate() {
                        if index > 0 {
                            out.push(',');
                        }
                        write_condition_value(out, value);
                    }
                    out.push(']');
                }
            }
        }
        out.push('}');
    }
    out.push('}');
}

fn write_condition_value(out: &mut String, value: &ConditionValue) {
    match value {
        ConditionValue::String(text) => write_str(out, text),
        ConditionValue::Bool(true) => out.push_str("true"),
        ConditionValue::Bool(false) => out.push_str("false"),
        ConditionValue::Number(text) => out.push_str(text),
    }
}

fn write_values(out: &mut String, values: &Values) {
    match values.items.as_slice() {
        [one] if values.single => write_str(out, one),
        items => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_str(out, item);
            }
            out.push(']');
        }
    }
}

fn write_key(out: &mut String, first: &mut bool, key: &str) {
    if !*first {
        out.push(',');
    }
    *first = false;
    write_str(out, key);
    out.push(':');
}

/// Writes a JSON string with the same escapes serde_json uses.
pub(crate) fn write_str(out: &mut String, text: &str) {
    out.push('"');
    let mut run_start = 0;
    for (index, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0C => "\\f",
            0x00..=0x1F => "",
            _ => continue,
        };
        out.push_str(&text[run_start..index]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{byte:04x}"));
        } else {
            out.push_str(escape);
        }
        run_start = index + 1;
    }
    out.push_str(&text[run_start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use crate::parse::parse_policy;

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
