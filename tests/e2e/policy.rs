//! Policy model over the corpus of all AWS managed policies: parse, lossless round trip,
//! idempotent canonical form, equivalence under meaning-preserving rewrites, and difference
//! when an action or resource is dropped.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions: failing loudly is the point"
)]

use std::path::PathBuf;

use serde_json::{Map, Value};
use warden_policy::wildcard::{Case, matches};
use warden_policy::{PolicyDocument, diff, equivalent, parse_policy, parse_value};

/// One corpus entry: policy name and its document as JSON.
struct Entry {
    name: String,
    document: Value,
}

fn corpus_path() -> PathBuf {
    match std::env::var_os("WARDEN_CORPUS") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(".warden/corpus/aws-managed-policies.json"),
    }
}

/// Loads the corpus, failing (never skipping) when it has not been prepared.
fn corpus() -> Vec<Entry> {
    let path = corpus_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read the AWS managed policy corpus at {}: {err}; run `cargo xtask ci` to prepare it (or set WARDEN_CORPUS)",
            path.display()
        )
    });
    let all: Map<String, Value> = serde_json::from_str(&text).expect("corpus is a JSON object");
    let entries: Vec<Entry> = all
        .into_iter()
        .map(|(name, entry)| Entry {
            name,
            document: entry["document"].clone(),
        })
        .collect();
    assert!(
        entries.len() >= 1_500,
        "corpus at {} has only {} policies; rerun `cargo xtask ci`",
        path.display(),
        entries.len()
    );
    entries
}

/// SplitMix64: a deterministic generator so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
}

fn parse(name: &str, text: &str) -> PolicyDocument {
    parse_policy(text).unwrap_or_else(|errors| panic!("{name}: {}", errors.in_file(name)))
}

fn statements_mut(document: &mut Value) -> Vec<&mut Map<String, Value>> {
    match &mut document["Statement"] {
        Value::Array(items) => items.iter_mut().filter_map(Value::as_object_mut).collect(),
        Value::Object(statement) => vec![statement],
        _ => Vec::new(),
    }
}

/// Randomly switches a string ↔ one-element list and shuffles lists.
fn rewrite_values(value: &mut Value, rng: &mut Rng, transform: &dyn Fn(&str) -> String) {
    match value {
        Value::String(text) => {
            let new = transform(text);
            *value = if rng.coin() {
                Value::Array(vec![Value::String(new)])
            } else {
                Value::String(new)
            };
        }
        Value::Array(items) => {
            for item in items.iter_mut() {
                if let Value::String(text) = item {
                    *text = transform(text);
                }
            }
            rng.shuffle(items);
            if items.len() == 1 && rng.coin() {
                *value = items.remove(0);
            } else if !items.is_empty() && rng.coin() {
                // A duplicate entry means nothing more.
                let copy = items[rng.below(items.len())].clone();
                items.push(copy);
            }
        }
        _ => {}
    }
}

fn shuffled_object(map: &mut Map<String, Value>, rng: &mut Rng) {
    let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    rng.shuffle(&mut entries);
    map.extend(entries);
}

/// A rewrite of the document that IAM treats as the same policy.
fn meaning_preserving_rewrite(document: &Value, rng: &mut Rng) -> Value {
    let mut rewritten = document.clone();
    for statement in statements_mut(&mut rewritten) {
        for key in ["Action", "NotAction"] {
            if let Some(value) = statement.get_mut(key) {
                let lowercase = rng.coin();
                rewrite_values(value, rng, &move |action: &str| {
                    if lowercase {
                        action.to_lowercase()
                    } else {
                        action.to_uppercase()
                    }
                });
            }
        }
        for key in ["Resource", "NotResource"] {
            if let Some(value) = statement.get_mut(key) {
                rewrite_values(value, rng, &|resource: &str| resource.to_string());
            }
        }
        if let Some(Value::Object(principal)) = statement.get_mut("Principal") {
            for ids in principal.values_mut() {
                rewrite_values(ids, rng, &|id: &str| id.to_string());
            }
            shuffled_object(principal, rng);
        }
        if let Some(Value::Object(condition)) = statement.get_mut("Condition") {
            for block in condition.values_mut() {
                if let Value::Object(entries) = block {
                    for (key, values) in entries.iter_mut() {
                        let _ = key;
                        rewrite_condition_values(values, rng);
                    }
                    // Condition key names are case-insensitive up to the `/` (tag keys are not).
                    let renamed: Vec<(String, Value)> = std::mem::take(entries)
                        .into_iter()
                        .map(|(key, values)| {
                            let end = key.find('/').unwrap_or(key.len());
                            (
                                format!("{}{}", key[..end].to_uppercase(), &key[end..]),
                                values,
                            )
                        })
                        .collect();
                    entries.extend(renamed);
                    shuffled_object(entries, rng);
                }
            }
            shuffled_object(condition, rng);
        }
        shuffled_object(statement, rng);
    }
    match &mut rewritten["Statement"] {
        Value::Array(items) => {
            rng.shuffle(items);
            if items.len() == 1 && rng.coin() {
                let only = items.remove(0);
                rewritten["Statement"] = only;
            } else if !items.is_empty() && rng.coin() {
                let copy = items[rng.below(items.len())].clone();
                items.push(copy);
            }
        }
        Value::Object(_) => {
            let only = rewritten["Statement"].take();
            rewritten["Statement"] = Value::Array(vec![only]);
        }
        _ => {}
    }
    if let Value::Object(top) = &mut rewritten {
        shuffled_object(top, rng);
    }
    rewritten
}

/// Condition values: `"true"` ↔ `true`, string ↔ one-element list, shuffled lists.
fn rewrite_condition_values(values: &mut Value, rng: &mut Rng) {
    let convert = |value: &mut Value| {
        if let Value::String(text) = value {
            match text.as_str() {
                "true" => *value = Value::Bool(true),
                "false" => *value = Value::Bool(false),
                _ => {}
            }
        } else if let Value::Bool(b) = value {
            *value = Value::String(b.to_string());
        }
    };
    match values {
        Value::Array(items) => {
            items.iter_mut().for_each(convert);
            rng.shuffle(items);
            if items.len() == 1 && rng.coin() {
                *values = items.remove(0);
            }
        }
        other => {
            convert(other);
            if rng.coin() {
                *other = Value::Array(vec![other.take()]);
            }
        }
    }
}

/// Whitespace variations: minified, pretty, tabs and CRLF.
fn reformat(document: &Value, style: usize) -> String {
    match style % 3 {
        0 => serde_json::to_string(document).unwrap(),
        1 => serde_json::to_string_pretty(document).unwrap(),
        _ => serde_json::to_string_pretty(document)
            .unwrap()
            .replace("  ", "\t")
            .replace('\n', "\r\n"),
    }
}

#[test]
fn every_managed_policy_parses_and_round_trips_losslessly() {
    let corpus = corpus();
    let mut failures = Vec::new();
    for entry in &corpus {
        let text = serde_json::to_string_pretty(&entry.document).unwrap();
        match parse_policy(&text) {
            Ok(document) => {
                if document.to_json() != entry.document {
                    failures.push(format!("{}: to_json differs from the input", entry.name));
                }
                let minified = document.to_json_string();
                let reparsed: Value = serde_json::from_str(&minified).unwrap();
                if reparsed != entry.document {
                    failures.push(format!("{}: to_json_string differs", entry.name));
                }
                match parse_value(&entry.document) {
                    Ok(from_value) if from_value.to_json() == entry.document => {}
                    Ok(_) => failures.push(format!("{}: parse_value differs", entry.name)),
                    Err(errors) => failures.push(format!("{}: parse_value: {errors}", entry.name)),
                }
            }
            Err(errors) => {
                failures.push(format!("{}:\n{}", entry.name, errors.in_file(&entry.name)))
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} policies failed:\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n")
    );
}

#[test]
fn canonical_form_is_idempotent_on_every_managed_policy() {
    for entry in corpus() {
        let document = parse(&entry.name, &entry.document.to_string());
        let canonical = document.canonicalize();
        assert_eq!(canonical.canonicalize(), canonical, "{}", entry.name);
        let json = canonical.to_json_string();
        let reparsed = parse(&entry.name, &json);
        assert_eq!(reparsed.canonical_json(), json, "{}", entry.name);
        assert!(equivalent(&document, &reparsed), "{}", entry.name);
    }
}

#[test]
fn meaning_preserving_rewrites_stay_equivalent() {
    let mut rng = Rng(0x5EED);
    for (index, entry) in corpus().into_iter().enumerate() {
        let original = parse(&entry.name, &entry.document.to_string());
        for round in 0..3 {
            let rewritten = meaning_preserving_rewrite(&entry.document, &mut rng);
            let text = reformat(&rewritten, index + round);
            let parsed = parse(&entry.name, &text);
            assert!(
                equivalent(&original, &parsed),
                "{} (round {round}) should be equivalent:\n{}\n{}\ndiff:\n{}",
                entry.name,
                original.canonical_json(),
                parsed.canonical_json(),
                diff(&original, &parsed)
            );
            assert!(diff(&original, &parsed).is_empty(), "{}", entry.name);
        }
    }
}

/// Removes one entry of `key` from some statement such that no other entry of the same list
/// covers it; returns the removed entry.
fn drop_uncovered(document: &mut Value, key: &str, case: Case, rng: &mut Rng) -> Option<String> {
    let mut statements = statements_mut(document);
    let start = rng.below(statements.len().max(1));
    let count = statements.len();
    for offset in 0..count {
        let statement = &mut statements[(start + offset) % count];
        let Some(Value::Array(items)) = statement.get_mut(key) else {
            continue;
        };
        if items.len() < 2 {
            continue;
        }
        let texts: Vec<String> = items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let candidate = (0..texts.len()).find(|&i| {
            texts
                .iter()
                .enumerate()
                .all(|(j, other)| j == i || !matches(other, &texts[i], case))
        });
        if let Some(i) = candidate {
            items.remove(i);
            return Some(texts[i].clone());
        }
    }
    None
}

#[test]
fn dropping_an_action_or_resource_makes_a_difference() {
    let mut rng = Rng(0xD120);
    let corpus = corpus();
    let (mut actions_dropped, mut resources_dropped) = (0, 0);
    for entry in &corpus {
        let original = parse(&entry.name, &entry.document.to_string());
        for (key, case) in [
            ("Action", Case::Insensitive),
            ("NotAction", Case::Insensitive),
            ("Resource", Case::Sensitive),
            ("NotResource", Case::Sensitive),
        ] {
            let mut changed = entry.document.clone();
            let Some(dropped) = drop_uncovered(&mut changed, key, case, &mut rng) else {
                continue;
            };
            if key.ends_with("Action") {
                actions_dropped += 1;
            } else {
                resources_dropped += 1;
            }
            // Rewrite too, so the difference is found through the normalization.
            let rewritten = meaning_preserving_rewrite(&changed, &mut rng);
            let parsed = parse(&entry.name, &reformat(&rewritten, 1));
            assert!(
                !equivalent(&original, &parsed),
                "{}: dropping {key} `{dropped}` must make a difference",
                entry.name
            );
            let changes = diff(&original, &parsed);
            assert!(!changes.is_empty(), "{}", entry.name);
            assert!(!changes.statements_removed.is_empty(), "{}", entry.name);
        }
    }
    // Most managed policies list several actions and many several resources.
    assert!(
        actions_dropped > 1_000,
        "only {actions_dropped} actions dropped"
    );
    assert!(
        resources_dropped > 300,
        "only {resources_dropped} resources dropped"
    );
}

#[test]
fn equivalence_separates_different_managed_policies() {
    let corpus = corpus();
    let documents: Vec<PolicyDocument> = corpus
        .iter()
        .map(|entry| parse(&entry.name, &entry.document.to_string()))
        .collect();
    let mut canonical: Vec<(String, &str)> = documents
        .iter()
        .zip(&corpus)
        .map(|(document, entry)| (document.canonical_json(), entry.name.as_str()))
        .collect();
    canonical.sort();
    // Distinct policies whose JSON differs must not collapse to one canonical form, unless
    // their JSON is the same up to the normalizations (checked with a direct comparison).
    for pair in canonical.windows(2) {
        if pair[0].0 == pair[1].0 {
            let a = &corpus
                .iter()
                .find(|e| e.name == pair[0].1)
                .unwrap()
                .document;
            let b = &corpus
                .iter()
                .find(|e| e.name == pair[1].1)
                .unwrap()
                .document;
            let a = parse_value(a).unwrap();
            let b = parse_value(b).unwrap();
            assert!(equivalent(&a, &b));
            assert!(diff(&a, &b).is_empty(), "{} vs {}", pair[0].1, pair[1].1);
        }
    }
    let distinct = canonical.windows(2).filter(|p| p[0].0 != p[1].0).count() + 1;
    assert!(distinct > 1_400, "only {distinct} distinct canonical forms");
}

#[test]
fn actions_and_resources_locate_to_their_text() {
    let mut located = 0;
    for entry in corpus().iter().step_by(7) {
        let text = serde_json::to_string_pretty(&entry.document).unwrap();
        let document = parse(&entry.name, &text);
        let lines: Vec<&str> = text.lines().collect();
        for (i, statement) in document.statements.iter().enumerate().take(3) {
            let (element, values) = statement.action.parts();
            for (j, value) in values.iter().enumerate().take(3) {
                let path = format!("Statement[{i}].{element}[{j}]");
                let span = warden_policy::locate(&text, &path)
                    .unwrap_or_else(|| panic!("{}: {path} not found", entry.name));
                let line = lines[span.line as usize - 1];
                let at: String = line.chars().skip(span.column as usize - 1).collect();
                assert!(
                    at.starts_with(&format!("{value:?}")),
                    "{}: {path} at {}:{} is `{at}`",
                    entry.name,
                    span.line,
                    span.column
                );
                located += 1;
            }
        }
    }
    assert!(located > 300, "only {located} located");
}
