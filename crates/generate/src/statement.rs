//! Generated statements and documents, with the justification and lint exceptions that go with them.
//!
//! These are plain data rendered to policy JSON here and to definition YAML in [`crate::render`];
//! keeping them separate from the parsed policy model lets us carry justifications and
//! exceptions, which IAM JSON has no place for.

use serde_json::{Map, Value, json};

/// One condition entry: `operator` → `key` → `values`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GeneratedCondition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

impl GeneratedCondition {
    pub fn new(
        operator: &str,
        key: &str,
        values: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        GeneratedCondition {
            operator: operator.to_owned(),
            key: key.to_owned(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }
}

/// A lint exception the generator records because the statement cannot be narrower.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedException {
    /// Lint rule id the exception silences.
    pub rule: String,
    pub reason: String,
}

/// Principal of a trust statement: type (`AWS`, `Service`, `Federated`) and identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedPrincipal {
    pub kind: String,
    pub ids: Vec<String>,
}

/// One Allow statement with the reasons for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedStatement {
    pub sid: String,
    pub principal: Option<GeneratedPrincipal>,
    /// Full action names (`s3:GetObject`), sorted, never a service wildcard.
    pub actions: Vec<String>,
    /// Empty in trust statements.
    pub resources: Vec<String>,
    pub conditions: Vec<GeneratedCondition>,
    /// One sentence a reviewer reads: why the statement exists.
    pub justification: String,
    pub exceptions: Vec<GeneratedException>,
}

impl GeneratedStatement {
    /// The statement as IAM policy JSON (keys in the order AWS documentation uses).
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("Sid".into(), Value::String(self.sid.clone()));
        object.insert("Effect".into(), Value::String("Allow".into()));
        if let Some(principal) = &self.principal {
            object.insert(
                "Principal".into(),
                json!({ principal.kind.clone(): one_or_list(&principal.ids) }),
            );
        }
        object.insert("Action".into(), one_or_list(&self.actions));
        if !self.resources.is_empty() {
            object.insert("Resource".into(), one_or_list(&self.resources));
        }
        if !self.conditions.is_empty() {
            object.insert("Condition".into(), conditions_json(&self.conditions));
        }
        Value::Object(object)
    }

    /// Does the statement grant on `Resource: "*"`?
    pub fn is_resource_star(&self) -> bool {
        self.resources.iter().any(|resource| resource == "*")
    }
}

/// `Condition` object: operators in order of first use, keys in order within each.
pub fn conditions_json(conditions: &[GeneratedCondition]) -> Value {
    let mut blocks = Map::new();
    for condition in conditions {
        let block = blocks
            .entry(condition.operator.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(entries) = block {
            entries.insert(condition.key.clone(), one_or_list(&condition.values));
        }
    }
    Value::Object(blocks)
}

fn one_or_list(items: &[String]) -> Value {
    match items {
        [one] => Value::String(one.clone()),
        many => Value::Array(many.iter().cloned().map(Value::String).collect()),
    }
}

/// A named policy made of generated statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedPolicy {
    pub name: String,
    pub statements: Vec<GeneratedStatement>,
}

impl GeneratedPolicy {
    /// The policy document as JSON.
    pub fn to_json(&self) -> Value {
        document_json(&self.statements)
    }

    /// Every action the policy grants, as written (sorted, deduplicated).
    pub fn actions(&self) -> Vec<String> {
        let mut actions: Vec<String> = self
            .statements
            .iter()
            .flat_map(|statement| statement.actions.iter().cloned())
            .collect();
        actions.sort_by_key(|action| action.to_ascii_lowercase());
        actions.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        actions
    }
}

/// `{"Version": "2012-10-17", "Statement": [...]}`.
pub fn document_json(statements: &[GeneratedStatement]) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": statements.iter().map(GeneratedStatement::to_json).collect::<Vec<_>>(),
    })
}

/// Characters IAM counts against its size quotas: the minified JSON without whitespace.
pub fn iam_size(document: &Value) -> usize {
    document
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

/// A Sid from words: letters and digits only, each word capitalised (`read report exports` →
/// `ReadReportExports`).
pub fn sid_from(words: &str) -> String {
    words
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_json_shape() {
        let statement = GeneratedStatement {
            sid: "ReadReports".into(),
            principal: None,
            actions: vec!["s3:GetObject".into()],
            resources: vec!["arn:aws:s3:::b/*".into(), "arn:aws:s3:::c/*".into()],
            conditions: vec![
                GeneratedCondition::new("StringEquals", "aws:ResourceTag/team", ["finance"]),
                GeneratedCondition::new("StringEquals", "aws:ResourceAccount", ["123456789012"]),
            ],
            justification: "why".into(),
            exceptions: vec![],
        };
        assert_eq!(
            statement.to_json().to_string(),
            r#"{"Sid":"ReadReports","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*","arn:aws:s3:::c/*"],"Condition":{"StringEquals":{"aws:ResourceTag/team":"finance","aws:ResourceAccount":"123456789012"}}}"#
        );
        assert_eq!(iam_size(&document_json(&[statement])), 253);
    }

    #[test]
    fn sids_are_alphanumeric() {
        assert_eq!(sid_from("read report-exports (s3)"), "ReadReportExportsS3");
        assert_eq!(sid_from("Permissions management"), "PermissionsManagement");
    }
}
