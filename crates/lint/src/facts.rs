//! What the rules ask the catalog: resolving action patterns to actions (wildcards expanded),
//! with the unknown cases told apart.

use warden_catalog::{Action, Catalog, LookupError};

/// What an action pattern (`s3:GetObject`, `s3:Get*`, `*`) names.
#[derive(Debug)]
pub enum Resolution<'a> {
    /// At least one known action.
    Actions(Vec<&'a Action>),
    /// `*` (or `*:*`): every action of every service; never expanded.
    Everything,
    /// The service prefix is not in the catalog.
    UnknownService,
    /// The service is known but has no action of that name.
    UnknownAction,
    /// A wildcard pattern of a known service that matches no action.
    MatchesNothing,
    /// Not `service:action` at all.
    Malformed,
}

/// Catalog access for the rules.
pub struct Facts<'a> {
    pub catalog: &'a Catalog,
}

impl<'a> Facts<'a> {
    pub fn new(catalog: &'a Catalog) -> Facts<'a> {
        Facts { catalog }
    }

    /// Resolves one pattern as written in `Action`/`NotAction`.
    pub fn resolve(&self, pattern: &str) -> Resolution<'a> {
        if pattern == "*" || pattern == "*:*" {
            return Resolution::Everything;
        }
        let Some((service, name)) = pattern.split_once(':') else {
            return Resolution::Malformed;
        };
        if service.is_empty() || name.is_empty() {
            return Resolution::Malformed;
        }
        let wildcard = name.contains(['*', '?']);
        match self.catalog.expand(pattern) {
            Ok(actions) if actions.is_empty() && wildcard => Resolution::MatchesNothing,
            Ok(actions) if actions.is_empty() => Resolution::UnknownAction,
            Ok(actions) => Resolution::Actions(actions),
            Err(LookupError::UnknownService { .. }) => Resolution::UnknownService,
            Err(LookupError::Malformed { .. }) => Resolution::Malformed,
            Err(LookupError::UnknownAction { .. }) if wildcard => Resolution::MatchesNothing,
            Err(LookupError::UnknownAction { .. }) => Resolution::UnknownAction,
        }
    }

    /// Every known action the patterns name (`*` and unknown names left out), without repeats.
    pub fn expand_known(&self, patterns: &[String]) -> Vec<&'a Action> {
        let mut actions: Vec<&'a Action> = Vec::new();
        for pattern in patterns {
            if let Resolution::Actions(found) = self.resolve(pattern) {
                actions.extend(found);
            }
        }
        actions.sort_by(|a, b| {
            (a.service.as_str(), a.name.as_str()).cmp(&(b.service.as_str(), b.name.as_str()))
        });
        actions.dedup_by(|a, b| a.service == b.service && a.name == b.name);
        actions
    }

    /// Do the patterns grant `action` (exact, case-insensitive), `*` included?
    pub fn grants(&self, patterns: &[String], action: &str) -> bool {
        patterns.iter().any(|pattern| {
            warden_policy::wildcard::matches(
                pattern,
                action,
                warden_policy::wildcard::Case::Insensitive,
            )
        })
    }
}
