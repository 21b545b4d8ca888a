//! Effective permissions of a role at the action level: the actions its identity policies
//! allow (wildcards and `NotAction` expanded through the catalog), capped by its permission
//! boundary, minus actions denied unconditionally on every resource (by those policies or by the
//! SCPs in force). Counted by service and access level.
//!
//! Conditional allows and resource scoping are kept (an auditor sees what the role can do at
//! most); only unconditional `Resource: "*"` denies subtract.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use warden_catalog::{AccessLevel, Catalog};
use warden_policy::{ActionClause, Effect, PolicyDocument, ResourceClause, Statement};

/// Granted actions: canonical `service:Name` → access level.
pub type ActionLevels = BTreeMap<String, AccessLevel>;

/// Actions per access level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelCounts {
    pub list: usize,
    pub read: usize,
    pub write: usize,
    pub permissions_management: usize,
    pub tagging: usize,
}

impl LevelCounts {
    pub fn add(&mut self, level: AccessLevel) {
        match level {
            AccessLevel::List => self.list += 1,
            AccessLevel::Read => self.read += 1,
            AccessLevel::Write => self.write += 1,
            AccessLevel::PermissionsManagement => self.permissions_management += 1,
            AccessLevel::Tagging => self.tagging += 1,
        }
    }

    pub fn get(&self, level: AccessLevel) -> usize {
        match level {
            AccessLevel::List => self.list,
            AccessLevel::Read => self.read,
            AccessLevel::Write => self.write,
            AccessLevel::PermissionsManagement => self.permissions_management,
            AccessLevel::Tagging => self.tagging,
        }
    }

    pub fn total(&self) -> usize {
        self.list + self.read + self.write + self.permissions_management + self.tagging
    }

    pub fn of<'a>(levels: impl IntoIterator<Item = &'a AccessLevel>) -> LevelCounts {
        let mut counts = LevelCounts::default();
        for level in levels {
            counts.add(*level);
        }
        counts
    }
}

/// Counts of one service's granted actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceCounts {
    pub service: String,
    pub total: usize,
    pub levels: LevelCounts,
}

/// What a role can do, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionSummary {
    pub total: usize,
    pub levels: LevelCounts,
    pub services: Vec<ServiceCounts>,
    /// Action patterns the catalog does not know (unknown service or action); not counted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_patterns: Vec<String>,
    /// Attached policies whose documents were not available (AWS managed policies); their
    /// actions are not counted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_expanded: Vec<String>,
}

impl PermissionSummary {
    pub fn of(actions: &ActionLevels) -> PermissionSummary {
        let mut services: BTreeMap<&str, LevelCounts> = BTreeMap::new();
        for (name, level) in actions {
            let service = name
                .split_once(':')
                .map_or(name.as_str(), |(service, _)| service);
            services.entry(service).or_default().add(*level);
        }
        PermissionSummary {
            total: actions.len(),
            levels: LevelCounts::of(actions.values()),
            services: services
                .into_iter()
                .map(|(service, levels)| ServiceCounts {
                    service: service.to_string(),
                    total: levels.total(),
                    levels,
                })
                .collect(),
            unknown_patterns: Vec::new(),
            not_expanded: Vec::new(),
        }
    }
}

/// The effective actions and the patterns the catalog did not know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effective {
    pub actions: ActionLevels,
    pub unknown_patterns: Vec<String>,
}

/// Actions `identity` allows, intersected with what `boundary` allows when there is one, minus
/// unconditional denies on `*` in either or in the SCPs in force (`scps`; only their denies are
/// used: allow-list SCPs are not modelled).
pub fn effective_actions(
    catalog: &Catalog,
    identity: &[&PolicyDocument],
    boundary: Option<&PolicyDocument>,
    scps: &[&PolicyDocument],
) -> Effective {
    let mut unknown = Vec::new();
    let mut allowed = ActionLevels::new();
    for document in identity {
        allowed.extend(allowed_by(catalog, document, &mut unknown));
    }
    if let Some(boundary) = boundary {
        let cap = allowed_by(catalog, boundary, &mut unknown);
        allowed.retain(|name, _| cap.contains_key(name));
    }
    for document in identity
        .iter()
        .copied()
        .chain(boundary)
        .chain(scps.iter().copied())
    {
        for name in denied_everywhere(catalog, document, &mut unknown).keys() {
            allowed.remove(name);
        }
    }
    unknown.sort();
    unknown.dedup();
    Effective {
        actions: allowed,
        unknown_patterns: unknown,
    }
}

fn allowed_by(
    catalog: &Catalog,
    document: &PolicyDocument,
    unknown: &mut Vec<String>,
) -> ActionLevels {
    let mut actions = ActionLevels::new();
    for statement in document
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        actions.extend(statement_actions(catalog, statement, unknown));
    }
    actions
}

fn denied_everywhere(
    catalog: &Catalog,
    document: &PolicyDocument,
    unknown: &mut Vec<String>,
) -> ActionLevels {
    let mut actions = ActionLevels::new();
    for statement in document.statements.iter().filter(|s| {
        s.effect == Effect::Deny
            && s.condition.as_ref().is_none_or(|c| c.blocks.is_empty())
            && matches!(&s.resource, Some(ResourceClause::Resource(values)) if values.items.iter().any(|r| r == "*"))
    }) {
        actions.extend(statement_actions(catalog, statement, unknown));
    }
    actions
}

fn statement_actions(
    catalog: &Catalog,
    statement: &Statement,
    unknown: &mut Vec<String>,
) -> ActionLevels {
    match &statement.action {
        ActionClause::Action(values) => expand_all(catalog, &values.items, unknown),
        ActionClause::NotAction(values) => {
            let excluded = expand_all(catalog, &values.items, unknown);
            let mut all = expand_all(catalog, &["*".to_string()], unknown);
            all.retain(|name, _| !excluded.contains_key(name));
            all
        }
    }
}

fn expand_all(catalog: &Catalog, patterns: &[String], unknown: &mut Vec<String>) -> ActionLevels {
    let mut actions = ActionLevels::new();
    for pattern in patterns {
        match catalog.expand(pattern) {
            Ok(found) if !found.is_empty() => {
                for action in found {
                    actions.insert(action.full_name(), action.access_level);
                }
            }
            _ => unknown.push(pattern.clone()),
        }
    }
    actions
}

#[cfg(test)]
mod tests {
    use super::*;
    use warden_policy::parse_policy;

    fn doc(text: &str) -> PolicyDocument {
        match parse_policy(text) {
            Ok(doc) => doc,
            Err(err) => panic!("{err:?}"),
        }
    }

    #[test]
    fn wildcards_expand_and_the_boundary_caps_them() {
        let catalog = Catalog::embedded();
        let identity = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","sqs:SendMessage","nosuch:Thing"],"Resource":"*"}]}"#,
        );
        let boundary = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}]}"#,
        );
        let uncapped = effective_actions(catalog, &[&identity], None, &[]);
        let expected = catalog.expand("s3:Get*").map(|a| a.len()).unwrap_or(0) + 1;
        assert_eq!(uncapped.actions.len(), expected);
        assert_eq!(uncapped.unknown_patterns, vec!["nosuch:Thing".to_string()]);
        let capped = effective_actions(catalog, &[&identity], Some(&boundary), &[]);
        assert_eq!(
            capped.actions.len(),
            expected - 2,
            "sqs dropped, s3:GetObject denied"
        );
        assert!(!capped.actions.contains_key("s3:GetObject"));
        assert!(capped.actions.keys().all(|name| name.starts_with("s3:Get")));
        let scp = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetBucket*","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObjectAcl","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        );
        let guarded = effective_actions(catalog, &[&identity], Some(&boundary), &[&scp]);
        let bucket_reads = catalog
            .expand("s3:GetBucket*")
            .map(|a| a.len())
            .unwrap_or(0);
        assert_eq!(guarded.actions.len(), capped.actions.len() - bucket_reads);
        assert!(
            guarded.actions.contains_key("s3:GetObjectAcl"),
            "conditional denies do not count"
        );
    }

    #[test]
    fn not_action_allows_everything_else() {
        let catalog = Catalog::embedded();
        let identity = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
        );
        let all = catalog.expand("*").map(|a| a.len()).unwrap_or(0);
        let iam = catalog.expand("iam:*").map(|a| a.len()).unwrap_or(0);
        let effective = effective_actions(catalog, &[&identity], None, &[]);
        assert_eq!(effective.actions.len(), all - iam);
        let summary = PermissionSummary::of(&effective.actions);
        assert_eq!(summary.levels.total(), summary.total);
        assert!(summary.services.iter().all(|s| s.service != "iam"));
    }
}
