//! Prepares the embedded catalog at build time: `data/services.jsonl` becomes a compact binary
//! form (`services.bin` in `OUT_DIR`) that the crate decodes without parsing JSON, a few times
//! faster than serde_json reads the lines (see `src/compact.rs`, which reads it, for the
//! layout). The JSON stays the committed, reviewed source; this form is derived from it on
//! every build and never committed, and the crate's tests check that every service decodes
//! equal to its JSON line.

use std::path::PathBuf;

use serde_json::Value;

fn main() {
    println!("cargo::rerun-if-changed=data/services.jsonl");
    println!("cargo::rerun-if-changed=build.rs");
    let text = std::fs::read_to_string("data/services.jsonl").unwrap_or_default();
    let mut out = Vec::with_capacity(text.len());
    for line in text.lines().filter(|line| !line.is_empty()) {
        // A line that is not JSON gets an empty record: the crate then sees that the compact
        // form does not match the lines and parses the JSON (and reports the bad line) instead.
        let record = serde_json::from_str::<Value>(line)
            .map(|service| service_record(&service))
            .unwrap_or_default();
        put_len(&mut out, record.len());
        out.extend_from_slice(&record);
    }
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(err) = std::fs::write(dir.join("services.bin"), out) {
        println!("cargo::error=cannot write the compact catalog: {err}");
    }
}

fn service_record(service: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    put_str(&mut out, field_str(service, "prefix"));
    put_str(&mut out, field_str(service, "name"));
    let actions = field_list(service, "actions");
    put_len(&mut out, actions.len());
    for action in actions {
        put_str(&mut out, field_str(action, "name"));
        put_str(&mut out, field_str(action, "description"));
        put_str(&mut out, field_str(action, "access"));
        let rows = field_list(action, "resource_types");
        put_len(&mut out, rows.len());
        for row in rows {
            put_str(&mut out, field_str(row, "name"));
            out.push(u8::from(
                row.get("required").and_then(Value::as_bool) == Some(true),
            ));
            put_strs(&mut out, row, "condition_keys");
            put_strs(&mut out, row, "dependent_actions");
        }
        put_strs(&mut out, action, "condition_keys");
        put_strs(&mut out, action, "dependent_actions");
    }
    let resource_types = field_list(service, "resource_types");
    put_len(&mut out, resource_types.len());
    for resource in resource_types {
        put_str(&mut out, field_str(resource, "name"));
        put_strs(&mut out, resource, "arn_patterns");
        put_strs(&mut out, resource, "condition_keys");
    }
    let keys = field_list(service, "condition_keys");
    put_len(&mut out, keys.len());
    for key in keys {
        put_str(&mut out, field_str(key, "name"));
        put_str(&mut out, field_str(key, "type"));
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

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_len(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn put_strs(out: &mut Vec<u8>, value: &Value, key: &str) {
    let items = field_list(value, key);
    put_len(out, items.len());
    for item in items {
        put_str(out, item.as_str().unwrap_or_default());
    }
}
