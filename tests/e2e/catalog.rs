//! The embedded catalog against the 1,582 AWS managed policies: the actions and condition keys
//! AWS itself writes must be known, so the linter does not report valid ones as unknown.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;
use warden_catalog::{Catalog, LookupError};

fn corpus() -> Value {
    let path = std::env::var_os("WARDEN_CORPUS").map_or_else(
        || warden_e2e::workspace_root().join(".warden/corpus/aws-managed-policies.json"),
        PathBuf::from,
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read the AWS managed policy corpus at {}: {err}; run `cargo xtask ci` to prepare it (or set WARDEN_CORPUS)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("corpus is JSON")
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(text)) => vec![text.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn statements(corpus: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (name, entry) in corpus.as_object().expect("corpus is an object") {
        match &entry["document"]["Statement"] {
            Value::Array(list) => out.extend(list.iter().map(|s| (name.clone(), s.clone()))),
            single @ Value::Object(_) => out.push((name.clone(), single.clone())),
            _ => {}
        }
    }
    out
}

#[test]
fn actions_in_aws_managed_policies_are_known() {
    let catalog = Catalog::embedded();
    let corpus = corpus();
    let (mut total, mut unknown_services, mut unknown_actions) =
        (0usize, BTreeSet::new(), BTreeSet::new());
    for (policy, statement) in statements(&corpus) {
        let mut actions = strings(statement.get("Action"));
        actions.extend(strings(statement.get("NotAction")));
        for action in actions {
            total += 1;
            match catalog.expand(&action) {
                Ok(_) => {}
                Err(LookupError::UnknownService { service, .. }) => {
                    unknown_services.insert(format!("{service} ({policy})"));
                }
                Err(LookupError::UnknownAction { .. } | LookupError::Malformed { .. }) => {
                    unknown_actions.insert(format!("{action} ({policy})"));
                }
            }
        }
    }
    let unknown = unknown_services.len() + unknown_actions.len();
    eprintln!(
        "{total} action entries; {} unknown services, {} unknown actions",
        unknown_services.len(),
        unknown_actions.len()
    );
    assert!(total > 10_000, "{total}");
    // AWS keeps some retired or undocumented names in old managed policies: allow 1 %, and
    // print them so a refresh that loses actions shows up.
    assert!(
        unknown * 100 <= total,
        "{unknown} of {total} unknown\nservices: {unknown_services:#?}\nactions: {unknown_actions:#?}"
    );
}

#[test]
fn condition_keys_in_aws_managed_policies_have_types() {
    let catalog = Catalog::embedded();
    let corpus = corpus();
    let (mut total, mut unknown) = (0usize, BTreeSet::new());
    for (policy, statement) in statements(&corpus) {
        let Some(Value::Object(operators)) = statement.get("Condition") else {
            continue;
        };
        for keys in operators.values() {
            for key in keys.as_object().into_iter().flat_map(|keys| keys.keys()) {
                total += 1;
                if catalog.condition_key_type(key).is_none() {
                    unknown.insert(format!("{key} ({policy})"));
                }
            }
        }
    }
    eprintln!(
        "{total} condition keys; {} without a type: {unknown:#?}",
        unknown.len()
    );
    assert!(total > 3_000, "{total}");
    assert!(
        unknown.len() * 100 <= total,
        "{} of {total} unknown: {unknown:#?}",
        unknown.len()
    );
}

#[test]
fn resources_in_managed_policies_match_their_actions_resource_types() {
    // For each exact action with resource types in a statement without `Resource: "*"`, some
    // resource of the statement should fit one of the action's types. Checks ARN matching
    // against ARNs AWS itself writes.
    let catalog = Catalog::embedded();
    let corpus = corpus();
    let (mut checked, mut star_only) = (0usize, 0usize);
    let mut unmatched = BTreeSet::new();
    for (policy, statement) in statements(&corpus) {
        let resources = strings(statement.get("Resource"));
        if resources.is_empty() || resources.iter().any(|resource| resource == "*") {
            continue;
        }
        for action in strings(statement.get("Action")) {
            let Ok(found) = catalog.action(&action) else {
                continue;
            };
            if !found.supports_resource_level_permissions() {
                star_only += 1;
                continue;
            }
            checked += 1;
            let fits = resources
                .iter()
                .any(|arn| !catalog.resource_types_for_arn(found, arn).is_empty());
            if !fits {
                unmatched.insert(format!("{action} on {resources:?} ({policy})"));
            }
        }
    }
    eprintln!(
        "{checked} (action, ARN-only statement) pairs; {} fit no resource type; {star_only} star-only actions granted on ARNs only",
        unmatched.len()
    );
    assert!(checked > 5_000, "{checked}");
    assert!(unmatched.len() * 100 <= checked * 2, "{unmatched:#?}");
}
