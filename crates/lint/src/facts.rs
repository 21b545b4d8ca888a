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
}
