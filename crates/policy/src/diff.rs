//! Semantic diff between two documents: which statements changed (by canonical form) and, per
//! effect, which actions, resources, principals and conditions appear or disappear.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use crate::model::{Effect, PolicyDocument, Statement, Version};

/// What changed between two documents. Empty exactly when they are [`crate::equivalent`].
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PolicyDiff {
    /// `Version` changed (`None` inside means absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Change>,
    /// `Id` changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Change>,
    /// Statements (canonical form) only in the new document.
    pub statements_added: Vec<Statement>,
    /// Statements (canonical form) only in the old document.
    pub statements_removed: Vec<Statement>,
    /// Removed and added statements that are recognisably the same statement edited (same
    /// `Sid`, or the only removed and added statement of one effect), with what changed.
    /// They also appear in `statements_added` and `statements_removed`.
    pub statements_modified: Vec<StatementChange>,
    /// Summary over all `Allow` statements.
    pub allow: ElementChanges,
    /// Summary over all `Deny` statements.
    pub deny: ElementChanges,
}

/// An old and a new value of a scalar element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The value before, `None` when absent.
    pub old: Option<String>,
    /// The value after, `None` when absent.
    pub new: Option<String>,
}

/// One statement edited in place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementChange {
    /// The statement before (canonical form; also in `statements_removed`).
    #[serde(skip)]
    pub before: Statement,
    /// The statement after (canonical form; also in `statements_added`).
    #[serde(skip)]
    pub after: Statement,
    /// The statement's `Sid`, if it has one.
    pub sid: Option<String>,
    /// Its effect (the same on both sides).
    pub effect: Effect,
    /// What the statement gained and lost.
    pub changes: ElementChanges,
}

/// Items mentioned by the statements of one effect in the new document but not the old
/// (`gained`/`added`) and the reverse (`lost`/`removed`). Entries of `NotAction`,
/// `NotResource` and `NotPrincipal` are prefixed with `!`. Actions are lowercased, principals
/// written `TYPE id` (or `*`), conditions `Operator key [values]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ElementChanges {
    /// Action patterns newly mentioned.
    pub actions_gained: Vec<String>,
    /// Action patterns no longer mentioned.
    pub actions_lost: Vec<String>,
    /// Resource patterns newly mentioned.
    pub resources_gained: Vec<String>,
    /// Resource patterns no longer mentioned.
    pub resources_lost: Vec<String>,
    /// Principals newly mentioned.
    pub principals_gained: Vec<String>,
    /// Principals no longer mentioned.
    pub principals_lost: Vec<String>,
    /// Condition tests newly present.
    pub conditions_added: Vec<String>,
    /// Condition tests no longer present.
    pub conditions_removed: Vec<String>,
}

impl ElementChanges {
    /// Nothing gained or lost.
    pub fn is_empty(&self) -> bool {
        self.rows().iter().all(|(_, items)| items.is_empty())
    }

    fn rows(&self) -> [(&'static str, &Vec<String>); 8] {
        [
            ("actions gained", &self.actions_gained),
            ("actions lost", &self.actions_lost),
            ("resources gained", &self.resources_gained),
            ("resources lost", &self.resources_lost),
            ("principals gained", &self.principals_gained),
            ("principals lost", &self.principals_lost),
            ("conditions added", &self.conditions_added),
            ("conditions removed", &self.conditions_removed),
        ]
    }
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl PolicyDiff {
    /// No difference in meaning.
    pub fn is_empty(&self) -> bool {
        self.version.is_none()
            && self.id.is_none()
            && self.statements_added.is_empty()
            && self.statements_removed.is_empty()
    }
}

/// Compares two documents by meaning (see [`crate::canonical`]).
pub fn diff(old: &PolicyDocument, new: &PolicyDocument) -> PolicyDiff {
    let old_canonical = old.canonicalize();
    let new_canonical = new.canonicalize();
    let keyed = |doc: &PolicyDocument| -> Vec<(String, Statement)> {
        doc.statements
            .iter()
            .map(|s| (s.to_json_string(), s.clone()))
            .collect()
    };
    let old_statements = keyed(&old_canonical);
    let new_statements = keyed(&new_canonical);
    let old_keys: BTreeSet<&str> = old_statements.iter().map(|(k, _)| k.as_str()).collect();
    let new_keys: BTreeSet<&str> = new_statements.iter().map(|(k, _)| k.as_str()).collect();
    let only = |statements: &[(String, Statement)], other: &BTreeSet<&str>| {
        statements
            .iter()
            .filter(|(key, _)| !other.contains(key.as_str()))
            .map(|(_, statement)| statement.clone())
            .collect::<Vec<_>>()
    };
    let version_text = |v: Option<Version>| v.map(|v| v.as_str().to_string());
    let statements_added = only(&new_statements, &old_keys);
    let statements_removed = only(&old_statements, &new_keys);
    let statements_modified = pair_statements(&statements_removed, &statements_added)
        .into_iter()
        .map(|(before, after)| StatementChange {
            before: before.clone(),
            after: after.clone(),
            sid: after.sid.clone(),
            effect: after.effect,
            changes: changes_between(
                mentioned(std::slice::from_ref(before), after.effect),
                mentioned(std::slice::from_ref(after), after.effect),
            ),
        })
        .collect();
    PolicyDiff {
        version: (old.version != new.version).then(|| Change {
            old: version_text(old.version),
            new: version_text(new.version),
        }),
        id: (old.id != new.id).then(|| Change {
            old: old.id.clone(),
            new: new.id.clone(),
        }),
        statements_added,
        statements_removed,
        statements_modified,
        allow: changes_between(
            mentioned(&old_canonical.statements, Effect::Allow),
            mentioned(&new_canonical.statements, Effect::Allow),
        ),
        deny: changes_between(
            mentioned(&old_canonical.statements, Effect::Deny),
            mentioned(&new_canonical.statements, Effect::Deny),
        ),
    }
}

/// Pairs removed with added statements: by unique `Sid` first, then the only remaining
/// removed and added statement of an effect.
fn pair_statements<'s>(
    removed: &'s [Statement],
    added: &'s [Statement],
) -> Vec<(&'s Statement, &'s Statement)> {
    let mut pairs = Vec::new();
    let mut removed_left: Vec<&Statement> = removed.iter().collect();
    let mut added_left: Vec<&Statement> = added.iter().collect();
    let unique_sid = |list: &[&Statement], sid: &str| {
        list.iter()
            .filter(|s| s.sid.as_deref() == Some(sid))
            .count()
            == 1
    };
    let mut index = 0;
    while index < removed_left.len() {
        let before = removed_left[index];
        let partner = before.sid.as_deref().and_then(|sid| {
            if !unique_sid(&removed_left, sid) || !unique_sid(&added_left, sid) {
                return None;
            }
            added_left.iter().position(|after| {
                after.sid.as_deref() == Some(sid) && after.effect == before.effect
            })
        });
        match partner {
            Some(position) => {
                pairs.push((before, added_left.remove(position)));
                removed_left.remove(index);
            }
            None => index += 1,
        }
    }
    for effect in [Effect::Allow, Effect::Deny] {
        let before: Vec<_> = removed_left.iter().filter(|s| s.effect == effect).collect();
        let after: Vec<_> = added_left.iter().filter(|s| s.effect == effect).collect();
        if let ([before], [after]) = (before.as_slice(), after.as_slice()) {
            pairs.push((**before, **after));
        }
    }
    pairs
}

/// The items one effect's statements mention, by category.
#[derive(Default)]
struct Mentioned {
    actions: BTreeSet<String>,
    resources: BTreeSet<String>,
    principals: BTreeSet<String>,
    conditions: BTreeSet<String>,
}

fn mentioned(statements: &[Statement], effect: Effect) -> Mentioned {
    let mut out = Mentioned::default();
    let not = |is_not: bool| if is_not { "!" } else { "" };
    for statement in statements.iter().filter(|s| s.effect == effect) {
        let prefix = not(statement.action.is_not());
        for action in statement.action.values().iter() {
            out.actions.insert(format!("{prefix}{action}"));
        }
        if let Some(resource) = &statement.resource {
            let prefix = not(resource.is_not());
            for item in resource.values().iter() {
                out.resources.insert(format!("{prefix}{item}"));
            }
        }
        if let Some(clause) = &statement.principal {
            let prefix = not(clause.is_not());
            match clause.principal() {
                crate::model::Principal::Any => {
                    out.principals.insert(format!("{prefix}*"));
                }
                crate::model::Principal::Typed(typed) => {
                    for (kind, ids) in typed {
                        for id in ids.iter() {
                            out.principals
                                .insert(format!("{prefix}{} {id}", kind.as_str()));
                        }
                    }
                }
            }
        }
        if let Some(condition) = &statement.condition {
            for block in &condition.blocks {
                for entry in &block.entries {
                    let values: Vec<String> = entry
                        .values
                        .iter()
                        .map(|v| v.as_text().into_owned())
                        .collect();
                    out.conditions
                        .insert(format!("{} {} {values:?}", block.operator, entry.key));
                }
            }
        }
    }
    out
}

fn changes_between(before: Mentioned, after: Mentioned) -> ElementChanges {
    let minus = |a: &BTreeSet<String>, b: &BTreeSet<String>| a.difference(b).cloned().collect();
    ElementChanges {
        actions_gained: minus(&after.actions, &before.actions),
        actions_lost: minus(&before.actions, &after.actions),
        resources_gained: minus(&after.resources, &before.resources),
        resources_lost: minus(&before.resources, &after.resources),
        principals_gained: minus(&after.principals, &before.principals),
        principals_lost: minus(&before.principals, &after.principals),
        conditions_added: minus(&after.conditions, &before.conditions),
        conditions_removed: minus(&before.conditions, &after.conditions),
    }
}

impl fmt::Display for PolicyDiff {
    /// One line per change; empty when there is none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |value: &Option<String>| match value {
            Some(text) => format!("`{text}`"),
            None => "(absent)".to_string(),
        };
        if let Some(change) = &self.version {
            writeln!(f, "version: {} -> {}", show(&change.old), show(&change.new))?;
        }
        if let Some(change) = &self.id {
            writeln!(f, "id: {} -> {}", show(&change.old), show(&change.new))?;
        }
        for change in &self.statements_modified {
            let name = match &change.sid {
                Some(sid) => format!("`{sid}`"),
                None => "without sid".to_string(),
            };
            let parts: Vec<String> = change
                .changes
                .rows()
                .iter()
                .filter(|(_, items)| !items.is_empty())
                .map(|(label, items)| format!("{label} {}", quoted(items)))
                .collect();
            let effect = change.effect.as_str();
            match parts.is_empty() {
                // Only the grouping of the same items changed (e.g. a condition moved).
                true => writeln!(f, "~ statement {name} ({effect}): rearranged")?,
                false => writeln!(f, "~ statement {name} ({effect}): {}", parts.join("; "))?,
            }
        }
        for statement in &self.statements_removed {
            if !self
                .statements_modified
                .iter()
                .any(|c| c.before == *statement)
            {
                writeln!(f, "- statement {}", statement.to_json_string())?;
            }
        }
        for statement in &self.statements_added {
            if !self
                .statements_modified
                .iter()
                .any(|c| c.after == *statement)
            {
                writeln!(f, "+ statement {}", statement.to_json_string())?;
            }
        }
        for (effect, changes) in [("allow", &self.allow), ("deny", &self.deny)] {
            for (label, items) in changes.rows() {
                if items.is_empty() {
                    continue;
                }
                writeln!(f, "{effect} {label}: {}", quoted(items))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_policy;

    #[test]
    fn reformatting_gives_an_empty_diff() {
        let a = parse_policy(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#).unwrap();
        let b = parse_policy("{\n \"Statement\": [ {\"Resource\": [\"*\"], \"Action\": [\"S3:getobject\"], \"Effect\": \"Allow\"} ],\n \"Version\": \"2012-10-17\"}").unwrap();
        let d = diff(&a, &b);
        assert!(d.is_empty(), "{d}");
        assert_eq!(d.to_string(), "");
    }

    #[test]
    fn summarises_gains_and_losses_per_effect() {
        let a = parse_policy(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::a/*"},
            {"Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}"#).unwrap();
        let b = parse_policy(r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/*"},
            {"Effect":"Deny","NotAction":"iam:*","Resource":"*"}]}"#).unwrap();
        let d = diff(&a, &b);
        assert!(!d.is_empty());
        assert_eq!(d.statements_added.len(), 2);
        assert_eq!(d.statements_removed.len(), 2);
        assert_eq!(d.allow.actions_gained, ["s3:putobject"]);
        assert_eq!(d.allow.actions_lost, ["s3:listbucket"]);
        assert_eq!(d.allow.resources_gained, ["arn:aws:s3:::b/*"]);
        assert_eq!(d.allow.resources_lost, ["arn:aws:s3:::a/*"]);
        assert_eq!(
            d.deny.conditions_removed,
            [r#"Bool aws:multifactorauthpresent ["false"]"#]
        );
        assert!(d.deny.actions_gained.is_empty());
        let text = d.to_string();
        assert!(
            text.contains("allow actions gained: `s3:putobject`"),
            "{text}"
        );
        assert!(text.contains("deny conditions removed"), "{text}");
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["allow"]["actions_lost"][0], "s3:listbucket");
        assert_eq!(json["statements_added"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn pairs_edited_statements_and_lists_the_rest_in_full() {
        let old = parse_policy(
            r#"{"Statement":[
            {"Effect":"Allow","Action":"a:one","Resource":"r1"},
            {"Effect":"Allow","Action":"a:two","Resource":"r2"},
            {"Sid":"S","Effect":"Deny","Action":"a:x","Resource":"*"}]}"#,
        )
        .unwrap();
        let new = parse_policy(
            r#"{"Statement":[
            {"Effect":"Allow","Action":"a:one","Resource":"r3"},
            {"Effect":"Allow","Action":"a:two","Resource":"r4"},
            {"Sid":"S","Effect":"Deny","Action":["a:x","a:y"],"Resource":"*"},
            {"Effect":"Deny","Action":"a:z","Resource":"*"}]}"#,
        )
        .unwrap();
        let d = diff(&old, &new);
        assert_eq!(d.statements_removed.len(), 3);
        assert_eq!(d.statements_added.len(), 4);
        // Only `S` pairs: two Allow statements changed on each side are ambiguous, and the
        // new Deny statement has no counterpart.
        assert_eq!(d.statements_modified.len(), 1);
        assert_eq!(d.statements_modified[0].changes.actions_gained, ["a:y"]);
        let text = d.to_string();
        assert!(
            text.contains("~ statement `S` (Deny): actions gained `a:y`"),
            "{text}"
        );
        assert_eq!(text.matches("- statement ").count(), 2, "{text}");
        assert_eq!(text.matches("+ statement ").count(), 3, "{text}");
    }

    #[test]
    fn version_and_principal_changes_are_reported() {
        let a = parse_policy(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}}"#).unwrap();
        let b = parse_policy(r#"{"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}}"#).unwrap();
        let d = diff(&a, &b);
        assert_eq!(
            d.version,
            Some(Change {
                old: Some("2012-10-17".into()),
                new: None
            })
        );
        assert_eq!(
            d.allow.principals_lost,
            ["AWS arn:aws:iam::111122223333:root"]
        );
        assert_eq!(
            d.allow.principals_gained,
            ["!AWS arn:aws:iam::111122223333:root"]
        );
    }
}

#[cfg(test)]
mod snapshots {
    use super::*;
    use crate::parse::parse_policy;

    const LIVE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
     "Resource": ["arn:aws:s3:::data", "arn:aws:s3:::data/*"]},
    {"Sid": "TLS", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": false}}}
  ]
}"#;

    const DESIRED: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
     "Resource": ["arn:aws:s3:::data/*", "arn:aws:s3:::data"]},
    {"Sid": "TLS", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"},
                   "StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}}
  ]
}"#;

    #[test]
    fn diff_text() {
        let changes = diff(
            &parse_policy(LIVE).unwrap(),
            &parse_policy(DESIRED).unwrap(),
        );
        insta::assert_snapshot!(changes.to_string());
    }

    #[test]
    fn diff_json() {
        let changes = diff(
            &parse_policy(LIVE).unwrap(),
            &parse_policy(DESIRED).unwrap(),
        );
        insta::assert_json_snapshot!(changes);
    }

    #[test]
    fn canonical_pretty() {
        insta::assert_snapshot!(
            parse_policy(DESIRED)
                .unwrap()
                .canonicalize()
                .to_json_pretty()
        );
    }
}
