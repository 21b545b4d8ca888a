//! A role's effective access at the action level: what its identity policies allow (wildcards
//! and `NotAction` expanded through the catalog), capped by its permission boundary, minus what
//! is denied unconditionally on every resource by those policies or by the SCPs in force. Each
//! allowing statement is kept with its resource and condition scope, so that a change which
//! keeps the actions but widens where or when they apply is seen too.
//!
//! Evaluation logic: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>
//! (an explicit deny in any policy wins; a boundary and the SCPs cap what identity policies
//! allow, they grant nothing themselves).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use warden_catalog::Catalog;
use warden_policy::wildcard::{self, Case};
use warden_policy::{ActionClause, Condition, Effect, PolicyDocument, ResourceClause, Statement};

/// An action as the catalog knows it: `(service prefix, Name)`; ordered by service then name.
pub type ActionKey<'c> = (&'c str, &'c str);

/// A set of catalog actions.
pub type ActionSet<'c> = BTreeSet<ActionKey<'c>>;

/// `service:Name`.
pub fn action_name(action: ActionKey<'_>) -> String {
    format!("{}:{}", action.0, action.1)
}

/// Expands action clauses through the catalog, remembering every clause it has seen: the same
/// statements recur across roles and accounts.
pub struct Expander<'c> {
    catalog: &'c Catalog,
    clauses: HashMap<String, Arc<Expanded<'c>>>,
}

/// The actions a clause matches, and the patterns the catalog does not know.
#[derive(Debug, Default)]
pub struct Expanded<'c> {
    pub actions: ActionSet<'c>,
    pub unknown: Vec<String>,
}

impl<'c> Expander<'c> {
    pub fn new(catalog: &'c Catalog) -> Expander<'c> {
        Expander {
            catalog,
            clauses: HashMap::new(),
        }
    }

    /// The actions `clause` applies to.
    pub fn clause(&mut self, clause: &ActionClause) -> Arc<Expanded<'c>> {
        let (negated, values) = match clause {
            ActionClause::Action(values) => (false, values),
            ActionClause::NotAction(values) => (true, values),
        };
        let mut patterns: Vec<String> = values
            .items
            .iter()
            .map(|p| p.to_ascii_lowercase())
            .collect();
        patterns.sort();
        patterns.dedup();
        let key = format!("{}{}", if negated { "!" } else { "" }, patterns.join(","));
        if let Some(found) = self.clauses.get(&key) {
            return Arc::clone(found);
        }
        let mut expanded = Expanded::default();
        for pattern in &patterns {
            match self.catalog.expand(pattern) {
                Ok(actions) if !actions.is_empty() => expanded.actions.extend(
                    actions
                        .into_iter()
                        .map(|a| (a.service.as_str(), a.name.as_str())),
                ),
                _ => expanded.unknown.push(pattern.clone()),
            }
        }
        if negated {
            let excluded = std::mem::take(&mut expanded.actions);
            expanded.actions = self
                .catalog
                .services()
                .flat_map(|service| &service.actions)
                .map(|a| (a.service.as_str(), a.name.as_str()))
                .filter(|action| !excluded.contains(action))
                .collect();
        }
        let expanded = Arc::new(expanded);
        self.clauses.insert(key, Arc::clone(&expanded));
        expanded
    }
}

/// Where and when an allowing statement applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope {
    /// `Resource` patterns, or the exclusions of a `NotResource`.
    pub resources: Resources,
    /// Condition tests, each `Operator key [values]`, sorted; all must hold.
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resources {
    Only(Vec<String>),
    AllBut(Vec<String>),
}

impl Scope {
    fn of(statement: &Statement) -> Scope {
        let sorted = |items: &[String]| {
            let mut items = items.to_vec();
            items.sort();
            items.dedup();
            items
        };
        let resources = match &statement.resource {
            Some(ResourceClause::Resource(values)) => Resources::Only(sorted(&values.items)),
            Some(ResourceClause::NotResource(values)) => Resources::AllBut(sorted(&values.items)),
            None => Resources::Only(vec!["*".into()]),
        };
        Scope {
            resources,
            conditions: condition_tests(statement.condition.as_ref()),
        }
    }

    /// Whether every request this scope allows is also allowed by `other` (a sound
    /// approximation: patterns are compared by matching one against the other's text).
    pub fn within(&self, other: &Scope) -> bool {
        let conditions = other
            .conditions
            .iter()
            .all(|test| self.conditions.contains(test));
        conditions && self.resources_within(other).is_empty()
    }

    /// The resource patterns of this scope that `other` does not cover.
    pub fn resources_within(&self, other: &Scope) -> Vec<String> {
        match (&self.resources, &other.resources) {
            (Resources::Only(mine), Resources::Only(theirs)) => mine
                .iter()
                .filter(|r| {
                    !theirs
                        .iter()
                        .any(|p| wildcard::matches(p, r, Case::Sensitive))
                })
                .cloned()
                .collect(),
            (Resources::Only(mine), Resources::AllBut(excluded)) => mine
                .iter()
                .filter(|r| {
                    excluded.iter().any(|e| {
                        wildcard::matches(e, r, Case::Sensitive)
                            || wildcard::matches(r, e, Case::Sensitive)
                    })
                })
                .cloned()
                .collect(),
            (Resources::AllBut(mine), Resources::AllBut(theirs)) => {
                if theirs.iter().all(|t| mine.contains(t)) {
                    Vec::new()
                } else {
                    vec![self.describe_resources()]
                }
            }
            (Resources::AllBut(_), Resources::Only(theirs)) => {
                if theirs.iter().any(|t| t == "*") {
                    Vec::new()
                } else {
                    vec![self.describe_resources()]
                }
            }
        }
    }

    /// `arn:…` patterns joined, or `NotResource …`.
    pub fn describe_resources(&self) -> String {
        match &self.resources {
            Resources::Only(items) => items.join(", "),
            Resources::AllBut(items) => format!("NotResource {}", items.join(", ")),
        }
    }
}

/// Condition tests as `Operator key [values]`, sorted; keys lowercased (IAM ignores their case).
pub fn condition_tests(condition: Option<&Condition>) -> Vec<String> {
    let mut tests = Vec::new();
    for block in condition.map(|c| c.blocks.as_slice()).unwrap_or_default() {
        for entry in &block.entries {
            let mut values: Vec<String> = entry
                .values
                .items
                .iter()
                .map(|v| v.as_text().into_owned())
                .collect();
            values.sort();
            values.dedup();
            let key = entry.key.to_ascii_lowercase();
            // The ExternalId is a secret: never printed, even from the definitions.
            let shown = if key == "sts:externalid" {
                "redacted".to_string()
            } else {
                values.join(", ")
            };
            tests.push(format!("{} {key} [{shown}]", block.operator));
        }
    }
    tests.sort();
    tests.dedup();
    tests
}

/// One allowing identity statement: its scope and the actions it names.
#[derive(Debug, Clone)]
pub struct Grant<'c> {
    pub scope: Scope,
    pub actions: Arc<Expanded<'c>>,
}

/// What a role can do.
#[derive(Debug, Clone, Default)]
pub struct Access<'c> {
    /// Effective actions.
    pub actions: ActionSet<'c>,
    /// The allowing identity statements.
    pub grants: Vec<Grant<'c>>,
    /// Allowed action patterns the catalog does not know (lowercase).
    pub unknown: BTreeSet<String>,
    /// Actions the identity policies allow that the boundary does not.
    pub outside_boundary: ActionSet<'c>,
    /// Actions allowed within the boundary that an SCP in force denies.
    pub denied_by_scps: ActionSet<'c>,
}

/// The documents that decide a role's access.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    pub identity: &'a [&'a PolicyDocument],
    pub boundary: Option<&'a PolicyDocument>,
    pub scps: &'a [&'a PolicyDocument],
}

/// The effective access of a role with these documents.
pub fn access<'c>(expander: &mut Expander<'c>, inputs: Inputs<'_>) -> Access<'c> {
    let mut access = Access::default();
    let mut allowed = ActionSet::new();
    for document in inputs.identity {
        for statement in allows(document) {
            let actions = expander.clause(&statement.action);
            allowed.extend(actions.actions.iter().copied());
            access.unknown.extend(actions.unknown.iter().cloned());
            access.grants.push(Grant {
                scope: Scope::of(statement),
                actions,
            });
        }
    }
    if let Some(boundary) = inputs.boundary {
        let mut cap = ActionSet::new();
        for statement in allows(boundary) {
            cap.extend(expander.clause(&statement.action).actions.iter().copied());
        }
        access.outside_boundary = allowed
            .iter()
            .filter(|a| !cap.contains(*a))
            .copied()
            .collect();
        allowed.retain(|action| cap.contains(action));
    }
    let own = inputs.identity.iter().copied().chain(inputs.boundary);
    for document in own {
        for denied in denied_everywhere(expander, document) {
            allowed.retain(|action| !denied.actions.contains(action));
        }
    }
    for document in inputs.scps {
        for denied in denied_everywhere(expander, document) {
            for action in allowed.iter().filter(|a| denied.actions.contains(*a)) {
                access.denied_by_scps.insert(*action);
            }
            allowed.retain(|action| !denied.actions.contains(action));
        }
    }
    access.actions = allowed;
    access
}

/// Actions `documents` deny unconditionally on every resource (what an SCP takes away from
/// every principal of the accounts it applies to).
pub fn denied<'c>(expander: &mut Expander<'c>, documents: &[&PolicyDocument]) -> ActionSet<'c> {
    let mut actions = ActionSet::new();
    for document in documents {
        for denied in denied_everywhere(expander, document) {
            actions.extend(denied.actions.iter().copied());
        }
    }
    actions
}

fn allows(document: &PolicyDocument) -> impl Iterator<Item = &Statement> {
    document
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
}

fn denied_everywhere<'c>(
    expander: &mut Expander<'c>,
    document: &PolicyDocument,
) -> Vec<Arc<Expanded<'c>>> {
    document
        .statements
        .iter()
        .filter(|s| {
            s.effect == Effect::Deny
                && s.condition.as_ref().is_none_or(|c| c.blocks.is_empty())
                && matches!(&s.resource, Some(ResourceClause::Resource(values)) if values.items.iter().any(|r| r == "*"))
        })
        .map(|s| expander.clause(&s.action))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_policy::parse_policy;

    fn doc(text: &str) -> PolicyDocument {
        parse_policy(text).unwrap()
    }

    fn names(actions: &ActionSet<'_>) -> Vec<String> {
        actions.iter().map(|a| action_name(*a)).collect()
    }

    #[test]
    fn boundary_caps_and_unconditional_denies_subtract() {
        let catalog = Catalog::embedded();
        let mut expander = Expander::new(catalog);
        let identity = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sqs:SendMessage","s3:getobject","s3:PutObject","nosuch:Thing"],"Resource":"*"}]}"#,
        );
        let boundary = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":"*"}]}"#,
        );
        let scp = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        );
        let docs = [&identity];
        let scps = [&scp];
        let access = access(
            &mut expander,
            Inputs {
                identity: &docs,
                boundary: Some(&boundary),
                scps: &scps,
            },
        );
        assert_eq!(names(&access.actions), vec!["s3:GetObject"]);
        assert_eq!(
            access.unknown.iter().collect::<Vec<_>>(),
            vec!["nosuch:thing"]
        );
    }

    #[test]
    fn not_action_is_everything_else_and_scopes_compare_by_pattern() {
        let catalog = Catalog::embedded();
        let mut expander = Expander::new(catalog);
        let identity = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
        );
        let docs = [&identity];
        let access = access(
            &mut expander,
            Inputs {
                identity: &docs,
                ..Inputs::default()
            },
        );
        assert!(access.actions.contains(&("s3", "GetObject")));
        assert!(!access.actions.iter().any(|a| a.0 == "iam"));

        let narrow = Scope {
            resources: Resources::Only(vec!["arn:aws:s3:::logs/app/*".into()]),
            conditions: vec!["StringEquals aws:sourcevpc [vpc-1]".into()],
        };
        let wide = Scope {
            resources: Resources::Only(vec!["arn:aws:s3:::logs/*".into()]),
            conditions: Vec::new(),
        };
        assert!(narrow.within(&wide));
        assert!(!wide.within(&narrow));
        assert_eq!(wide.resources_within(&narrow), vec!["arn:aws:s3:::logs/*"]);
    }
}
