//! `principal-can`: one principal's effective permissions as a consolidated policy, after its
//! permissions boundary and the SCPs above its account, with access levels from the catalog.
//!
//! Candidates are the catalog actions each `Allow` identity statement names (`NotAction`: every
//! catalog action it does not exclude) on each resource it names (`NotResource`: `*`); each is
//! decided through the whole chain, on the most general instance of a resource pattern.
//! Conditions are kept out of the picture: a statement allowed only under a condition the
//! request context does not meet is left out.

use std::collections::BTreeMap;

use serde::Serialize;
use warden_catalog::Catalog;
use warden_policy::wildcard::{Case, matches};
use warden_policy::{ActionClause, Effect};

use crate::err::AccessError;
use crate::model::AccessModel;

/// An action with its access level.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EffectiveAction {
    pub action: String,
    pub access_level: String,
}

/// Actions allowed on the same resources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectiveStatement {
    pub actions: Vec<EffectiveAction>,
    pub resources: Vec<String>,
}

/// The consolidated policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectivePermissions {
    pub principal: String,
    pub statements: Vec<EffectiveStatement>,
    /// Actions per access level.
    pub access_levels: BTreeMap<String, usize>,
    pub unresolved_policies: Vec<String>,
}

pub fn principal_can(
    model: &AccessModel,
    catalog: &Catalog,
    principal_arn: &str,
) -> Result<EffectivePermissions, AccessError> {
    let index = model
        .find(principal_arn)
        .ok_or_else(|| AccessError::UnknownPrincipal(principal_arn.to_string()))?;
    let (Some(principal), Some(compiled)) = (model.principals.get(index), model.compiled(index))
    else {
        return Err(AccessError::UnknownPrincipal(principal_arn.to_string()));
    };
    let all_actions: Vec<(String, String)> = catalog
        .expand("*")
        .unwrap_or_default()
        .into_iter()
        .map(|action| {
            (
                format!("{}:{}", action.service, action.name),
                action.access_level.as_str().to_string(),
            )
        })
        .collect();
    // resource → action → access level
    let mut allowed: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for policy in &principal.policies.identity {
        for statement in &policy.document.statements {
            if statement.effect != Effect::Allow {
                continue;
            }
            let resources: Vec<String> = match &statement.resource {
                Some(clause) if !clause.is_not() => clause.values().items.clone(),
                _ => vec!["*".to_string()],
            };
            let named = |action: &str| match &statement.action {
                ActionClause::Action(values) => values
                    .items
                    .iter()
                    .any(|pattern| matches(pattern, action, Case::Insensitive)),
                ActionClause::NotAction(values) => !values
                    .items
                    .iter()
                    .any(|pattern| matches(pattern, action, Case::Insensitive)),
            };
            for (action, level) in all_actions.iter().filter(|(action, _)| named(action)) {
                for resource in &resources {
                    let instance = general_instance(resource);
                    let Ok(request) = model.request(index, action, &instance, &[]) else {
                        continue;
                    };
                    if compiled.decide(&request).is_allow() {
                        allowed
                            .entry(resource.clone())
                            .or_default()
                            .insert(action.clone(), level.clone());
                    }
                }
            }
        }
    }
    // Resources with the same actions share a statement.
    let mut by_actions: BTreeMap<Vec<EffectiveAction>, Vec<String>> = BTreeMap::new();
    let mut access_levels: BTreeMap<String, usize> = BTreeMap::new();
    let mut counted = std::collections::BTreeSet::new();
    for (resource, actions) in allowed {
        let actions: Vec<EffectiveAction> = actions
            .into_iter()
            .map(|(action, access_level)| {
                if counted.insert(action.clone()) {
                    *access_levels.entry(access_level.clone()).or_default() += 1;
                }
                EffectiveAction {
                    action,
                    access_level,
                }
            })
            .collect();
        by_actions.entry(actions).or_default().push(resource);
    }
    Ok(EffectivePermissions {
        principal: principal.arn.clone(),
        statements: by_actions
            .into_iter()
            .map(|(actions, resources)| EffectiveStatement { actions, resources })
            .collect(),
        access_levels,
        unresolved_policies: principal.unresolved.clone(),
    })
}

/// A resource pattern's most general instance (what a request on "any matching resource"
/// would name).
fn general_instance(pattern: &str) -> String {
    if pattern == "*" {
        return "*".to_string();
    }
    pattern.replace('*', "warden-any").replace('?', "x")
}

impl EffectivePermissions {
    /// The consolidated policy as an IAM policy document (JSON), access levels per statement.
    pub fn to_policy_json(&self) -> serde_json::Value {
        let statements: Vec<serde_json::Value> = self
            .statements
            .iter()
            .map(|statement| {
                let mut levels: BTreeMap<&str, usize> = BTreeMap::new();
                for action in &statement.actions {
                    *levels.entry(&action.access_level).or_default() += 1;
                }
                serde_json::json!({
                    "Effect": "Allow",
                    "Action": statement.actions.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
                    "Resource": statement.resources,
                    "AccessLevels": levels,
                })
            })
            .collect();
        serde_json::json!({"Version": "2012-10-17", "Statement": statements})
    }

    pub fn table(&self) -> String {
        let mut text = format!("Effective permissions of {}\n", self.principal);
        let levels: Vec<String> = self
            .access_levels
            .iter()
            .map(|(level, count)| format!("{level}: {count}"))
            .collect();
        text.push_str(&format!("  access levels: {}\n", levels.join(", ")));
        for statement in &self.statements {
            text.push_str(&format!("  on {}\n", statement.resources.join(", ")));
            for action in &statement.actions {
                text.push_str(&format!(
                    "    {:<48} {}\n",
                    action.action, action.access_level
                ));
            }
        }
        for policy in &self.unresolved_policies {
            text.push_str(&format!(
                "  note: policy `{policy}` could not be read; counted as granting nothing\n"
            ));
        }
        text
    }
}
