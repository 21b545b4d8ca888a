//! `principal-can`: one principal's effective permissions as a consolidated policy, after its
//! permissions boundary and the SCPs above its account, with access levels from the catalog.
//!
//! Candidates are the catalog actions each `Allow` identity statement names (`NotAction`: every
//! catalog action it does not exclude) on each resource it names (`NotResource`: `*`), kept
//! only where the resource is one of the action's resource types (an action without resource
//! types needs `Resource: "*"`); each is decided through the whole chain, on the most general
//! instance of a resource pattern, with the RCPs of the resource's account. Narrowed to one
//! resource ([`OnResource`]), every action of the catalog that applies to it is decided with
//! the resource's policy, so a grant by the resource policy alone shows too.
//! Conditions are kept out of the picture: a statement allowed only under a condition the
//! request context does not meet is left out.

use std::collections::BTreeMap;

use serde::Serialize;
use warden_catalog::{Action, Catalog};
use warden_eval::LabeledPolicy;
use warden_policy::arn::ArnRef;
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

/// The resource `principal-can` is narrowed to: its ARN, its account when the ARN names none
/// (S3), and its resource-based policy if known. The RCPs above its account apply.
#[derive(Debug, Clone, Copy)]
pub struct OnResource<'a> {
    pub arn: &'a str,
    pub account: Option<&'a str>,
    pub policy: Option<&'a LabeledPolicy>,
}

pub fn principal_can(
    model: &AccessModel,
    catalog: &Catalog,
    principal_arn: &str,
) -> Result<EffectivePermissions, AccessError> {
    principal_can_on(model, catalog, principal_arn, None)
}

/// [`principal_can`], or with `on` what the principal can do to that one resource: every
/// catalog action whose resource types the ARN matches, decided with the resource's policy and
/// the RCPs of its account.
pub fn principal_can_on(
    model: &AccessModel,
    catalog: &Catalog,
    principal_arn: &str,
    on: Option<OnResource<'_>>,
) -> Result<EffectivePermissions, AccessError> {
    let index = model
        .find(principal_arn)
        .ok_or_else(|| AccessError::UnknownPrincipal(principal_arn.to_string()))?;
    let (Some(principal), Some(compiled)) = (model.principals.get(index), model.compiled(index))
    else {
        return Err(AccessError::UnknownPrincipal(principal_arn.to_string()));
    };
    let all_actions: Vec<&Action> = catalog.expand("*").unwrap_or_default();
    // An action is granted on a resource only when the ARN is one of its resource types
    // (actions without any work only with `Resource: "*"`).
    let applies = |action: &Action, resource: &str| {
        resource == "*" || !catalog.resource_types_for_arn(action, resource).is_empty()
    };
    // resource → action → access level
    let mut allowed: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    if let Some(on) = on {
        let owner = on
            .account
            .or_else(|| ArnRef::parse(on.arn).map(|arn| arn.account))
            .filter(|account| !account.is_empty());
        let side = model.resource_side(owner, on.policy);
        let service = ArnRef::parse(on.arn).map(|arn| arn.service).unwrap_or("*");
        for action in all_actions.iter().filter(|action| {
            action.service.eq_ignore_ascii_case(service)
                || (service == "iam" && action.service == "sts")
        }) {
            if !applies(action, on.arn) {
                continue;
            }
            let name = format!("{}:{}", action.service, action.name);
            let Ok(request) = model.request_on(index, &name, on.arn, on.account, &[]) else {
                continue;
            };
            if compiled.decide_with(&request, Some(&side)).is_allow() {
                allowed
                    .entry(on.arn.to_string())
                    .or_default()
                    .insert(name, action.access_level.as_str().to_string());
            }
        }
    }
    for policy in principal.policies.identity.iter().filter(|_| on.is_none()) {
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
            for action in &all_actions {
                let name = format!("{}:{}", action.service, action.name);
                if !named(&name) {
                    continue;
                }
                for resource in resources.iter().filter(|r| applies(action, r)) {
                    let instance = general_instance(resource);
                    let side = model.account_side(model.resource_account(index, &instance));
                    let Ok(request) = model.request(index, &name, &instance, &[]) else {
                        continue;
                    };
                    if compiled.decide_with(&request, side).is_allow() {
                        allowed
                            .entry(resource.clone())
                            .or_default()
                            .insert(name.clone(), action.access_level.as_str().to_string());
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
