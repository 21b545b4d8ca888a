//! Prepares the embedded catalog at build time: `data/services.jsonl` becomes a compact binary
//! form (`services.bin` in `OUT_DIR`) and one table of every distinct string in it
//! (`strings.txt`), which the crate decodes without parsing JSON or checking UTF-8, a few times
//! faster than serde_json reads the lines (see `src/compact.rs`, which reads it, for the
//! layout). The JSON stays the committed, reviewed source; this form is derived from it on
//! every build and never committed, and the crate's tests check that every service decodes
//! equal to its JSON line.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value;

fn main() {
    println!("cargo::rerun-if-changed=data/services.jsonl");
    println!("cargo::rerun-if-changed=build.rs");
    let text = std::fs::read_to_string("data/services.jsonl").unwrap_or_default();
    let mut out = Vec::with_capacity(text.len());
    let mut strings = Strings::default();
    for line in text.lines().filter(|line| !line.is_empty()) {
        // A line that is not JSON gets an empty record: the crate then sees that the compact
        // form does not match the lines and parses the JSON (and reports the bad line) instead.
        let record = serde_json::from_str::<Value>(line)
            .map(|service| service_record(&service, &mut strings))
            .unwrap_or_default();
        put_len(&mut out, record.len());
        out.extend_from_slice(&record);
    }
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    for (file, bytes) in [
        ("services.bin", out.as_slice()),
        ("strings.txt", strings.table.as_bytes()),
    ] {
        if let Err(err) = std::fs::write(dir.join(file), bytes) {
            println!("cargo::error=cannot write the compact catalog's `{file}`: {err}");
        }
    }
}

/// Every distinct string once, end to end; a string is written as its place in the table.
#[derive(Default)]
struct Strings {
    table: String,
    placed: HashMap<String, (usize, usize)>,
}

impl Strings {
    fn place(&mut self, text: &str) -> (usize, usize) {
        if let Some(place) = self.placed.get(text) {
            return *place;
        }
        let place = (self.table.len(), text.len());
        self.table.push_str(text);
        self.placed.insert(text.to_string(), place);
        place
    }
}

fn service_record(service: &Value, strings: &mut Strings) -> Vec<u8> {
    let mut out = Vec::new();
    put_str(&mut out, strings, field_str(service, "prefix"));
    put_str(&mut out, strings, field_str(service, "name"));
    let actions = field_list(service, "actions");
    put_len(&mut out, actions.len());
    for action in actions {
        put_str(&mut out, strings, field_str(action, "name"));
        put_str(&mut out, strings, field_str(action, "description"));
        put_str(&mut out, strings, field_str(action, "access"));
        let rows = field_list(action, "resource_types");
        put_len(&mut out, rows.len());
        for row in rows {
            put_str(&mut out, strings, field_str(row, "name"));
            out.push(u8::from(
                row.get("required").and_then(Value::as_bool) == Some(true),
            ));
            put_strs(&mut out, strings, row, "condition_keys");
            put_strs(&mut out, strings, row, "dependent_actions");
        }
        put_strs(&mut out, strings, action, "condition_keys");
        put_strs(&mut out, strings, action, "dependent_actions");
    }
    let resource_types = field_list(service, "resource_types");
    put_len(&mut out, resource_types.len());
    for resource in resource_types {
        put_str(&mut out, strings, field_str(resource, "name"));
        put_strs(&mut out, strings, resource, "arn_patterns");
        put_strs(&mut out, strings, resource, "condition_keys");
    }
    let keys = field_list(service, "condition_keys");
    put_len(&mut out, keys.len());
    for key in keys {
        put_str(&mut out, strings, field_str(key, "name"));
        put_str(&mut out, strings, field_str(key, "type"));
    }
    out
}

fn field_str<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn field_list<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, strings: &mut Strings, text: &str) {
    let (offset, len) = strings.place(text);
    put_len(out, offset);
    put_len(out, len);
}

fn put_strs(out: &mut Vec<u8>, strings: &mut Strings, value: &Value, key: &str) {
    let items = field_list(value, key);
    put_len(out, items.len());
    for item in items {
        put_str(out, strings, item.as_str().unwrap_or_default());
    }
}
