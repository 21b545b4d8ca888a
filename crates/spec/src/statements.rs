//! Statements: reading them from YAML with their positions, the elements each kind of policy
//! requires, the policy grammar check, and mapping JSON paths of policy errors back to YAML.

use std::collections::BTreeMap;

use crate::defs::{Location, StatementSource};
use crate::err::SpecErrorKind;
use crate::load::Loader;
use crate::yaml::{Node, Pos, Value};

/// Which policy grammar a list of statements follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocumentKind {
    Trust,
    Identity,
    Scp,
}

impl Loader {
    /// Reads the statements of one policy document and checks them as IAM would.
    pub(crate) fn statements(
        &mut self,
        file: &str,
        list: Option<&Node>,
        kind: DocumentKind,
    ) -> Vec<StatementSource> {
        let Some(Value::Seq(items)) = list.map(|node| &node.value) else {
            return Vec::new();
        };
        let statements: Vec<StatementSource> = items
            .iter()
            .map(|node| statement_source(file, node))
            .collect();
        if statements.is_empty()
            && let Some(list) = list
        {
            self.invalid(file, list.pos, "a policy needs at least one statement");
        }
        let mut sids: BTreeMap<&str, Location> = BTreeMap::new();
        for statement in &statements {
            if let Some(sid) = &statement.sid {
                let pos = statement.node.get("Sid").map_or(Pos::default(), |n| n.pos);
                if let Some(first) = sids.get(sid.as_str()) {
                    self.errors.push(
                        Location::new(file, pos),
                        SpecErrorKind::DuplicateName {
                            what: "statement Sid",
                            name: sid.clone(),
                            first: first.clone(),
                            note: "",
                        },
                    );
                } else {
                    sids.insert(sid, Location::new(file, pos));
                }
            }
            self.statement_shape(file, statement, kind);
        }
        let document = document_json(&statements);
        if let Err(errors) = warden_policy::parse_value(&document) {
            for error in errors.iter() {
                let pos = pos_at_path(&statements, &error.path)
                    .unwrap_or_else(|| list.map_or(Pos::default(), |l| l.pos));
                let message = if error.path.is_empty()
                    || error.path.starts_with("Statement[") && !error.path.contains('.')
                {
                    error.kind.to_string()
                } else {
                    format!("`{}`: {}", strip_statement_index(&error.path), error.kind)
                };
                self.errors.push(
                    Location::new(file, pos),
                    SpecErrorKind::InvalidStatement { message },
                );
            }
        }
        statements
    }

    /// Elements each kind of document requires or forbids.
    pub(crate) fn statement_shape(
        &mut self,
        file: &str,
        statement: &StatementSource,
        kind: DocumentKind,
    ) {
        let node = &statement.node;
        let has = |element: &str| node.get(element).is_some();
        let mut problem = |element: &str, message: String| {
            let pos = node.key(element).map_or(node.pos, |k| k.pos);
            self.errors.push(
                Location::new(file, pos),
                SpecErrorKind::InvalidStatement { message },
            );
        };
        match kind {
            DocumentKind::Trust => {
                if !has("Principal") && !has("NotPrincipal") {
                    problem("", "a trust policy statement needs `Principal`".into());
                }
                for element in ["Resource", "NotResource"] {
                    if has(element) {
                        problem(
                            element,
                            format!("`{element}` is not allowed in a trust policy"),
                        );
                    }
                }
            }
            DocumentKind::Identity | DocumentKind::Scp => {
                let what = if kind == DocumentKind::Scp {
                    "an SCP"
                } else {
                    "an identity policy"
                };
                for element in ["Principal", "NotPrincipal"] {
                    if has(element) {
                        problem(element, format!("`{element}` is not allowed in {what}"));
                    }
                }
                if !has("Resource") && !has("NotResource") {
                    problem(
                        "",
                        format!("a statement of {what} needs `Resource` or `NotResource`"),
                    );
                }
            }
        }
    }
}

pub(crate) fn statement_source(file: &str, node: &Node) -> StatementSource {
    let mut json = node.to_json();
    if let Some(object) = json.as_object_mut() {
        object.remove("justification");
    }
    StatementSource {
        sid: node.get("Sid").and_then(Node::scalar_text),
        justification: node.get("justification").and_then(Node::scalar_text),
        location: Location::new(file, node.pos),
        json,
        node: node.clone(),
    }
}

/// `{"Version": "2012-10-17", "Statement": [...]}` from statement sources.
pub(crate) fn document_json(statements: &[StatementSource]) -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": statements.iter().map(|s| s.json.clone()).collect::<Vec<_>>(),
    })
}

/// `Statement[2].Condition.StringEquals` → `Condition.StringEquals`.
pub(crate) fn strip_statement_index(path: &str) -> &str {
    match path
        .strip_prefix("Statement[")
        .and_then(|rest| rest.split_once("]."))
    {
        Some((_, rest)) => rest,
        None => path,
    }
}

/// Finds the YAML position of a JSON path such as `Statement[2].Condition["aws:SourceArn"]`.
pub(crate) fn pos_at_path(statements: &[StatementSource], path: &str) -> Option<Pos> {
    let mut segments = json_path_segments(path).into_iter();
    if segments.next()? != PathSegment::Key("Statement".into()) {
        return None;
    }
    let PathSegment::Index(index) = segments.next()? else {
        return None;
    };
    let mut node = &statements.get(index)?.node;
    let mut pos = node.pos;
    for segment in segments {
        let next = match (&node.value, segment) {
            (Value::Map(entries), PathSegment::Key(key)) => entries
                .iter()
                .find(|(k, _)| k.text == key)
                .map(|(k, v)| (k.pos, v)),
            (Value::Seq(items), PathSegment::Index(i)) => items.get(i).map(|v| (v.pos, v)),
            _ => None,
        };
        let Some((key_pos, child)) = next else { break };
        // Keys for elements (as unknown-field errors do), items for list positions.
        pos = key_pos;
        node = child;
    }
    Some(pos)
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PathSegment {
    Key(String),
    Index(usize),
}

pub(crate) fn json_path_segments(path: &str) -> Vec<PathSegment> {
    let mut segments = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("[\"") {
            let end = after.find("\"]").unwrap_or(after.len());
            segments.push(PathSegment::Key(after[..end].to_owned()));
            rest = after.get(end + 2..).unwrap_or("");
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').unwrap_or(after.len());
            segments.push(PathSegment::Index(
                after[..end].parse().unwrap_or(usize::MAX),
            ));
            rest = after.get(end + 1..).unwrap_or("");
        } else {
            let rest_trimmed = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest_trimmed.find(['.', '[']).unwrap_or(rest_trimmed.len());
            segments.push(PathSegment::Key(rest_trimmed[..end].to_owned()));
            rest = &rest_trimmed[end..];
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_paths_split_into_segments() {
        assert_eq!(
            json_path_segments(r#"Statement[2].Condition.StringEquals["aws:SourceArn"][1]"#),
            vec![
                PathSegment::Key("Statement".into()),
                PathSegment::Index(2),
                PathSegment::Key("Condition".into()),
                PathSegment::Key("StringEquals".into()),
                PathSegment::Key("aws:SourceArn".into()),
                PathSegment::Index(1),
            ]
        );
    }
}
