//! Rendering catalog entries for people and scripts: one action (`catalog show`), the list of
//! services (`catalog services`).

use std::fmt::Write as _;

use serde_json::json;

use crate::catalog::Catalog;
use crate::model::{Action, Text};

/// `show --format json`: the action with its service, resource types' ARN formats and the types
/// of its condition keys.
pub fn action_json(catalog: &Catalog, action: &Action) -> serde_json::Value {
    let service = catalog.service(&action.service);
    let resource_types: Vec<_> = action
        .resource_types
        .iter()
        .map(|row| {
            let defined = service.and_then(|service| service.resource_type(&row.name));
            json!({
                "name": row.name,
                "required": row.required,
                "arn_patterns": defined.map(|resource| resource.arn_patterns.clone()).unwrap_or_default(),
                "condition_keys": defined.map(|resource| resource.condition_keys.clone()).unwrap_or_default(),
                "action_condition_keys": row.condition_keys,
                "dependent_actions": row.dependent_actions,
            })
        })
        .collect();
    let condition_keys: Vec<_> = action
        .condition_keys
        .iter()
        .map(|key| json!({"name": key, "type": catalog.condition_key_type(key)}))
        .collect();
    json!({
        "action": action.full_name(),
        "service": action.service,
        "service_name": service.map(|service| service.name.as_str()),
        "name": action.name,
        "description": action.description,
        "access_level": action.access_level,
        "supports_resource_level_permissions": action.supports_resource_level_permissions(),
        "resource_types": resource_types,
        "condition_keys": condition_keys,
        "dependent_actions": action.dependent_actions,
        "all_dependent_actions": action.all_dependent_actions(),
    })
}

/// `show` as text: one labelled line per fact, resource types as an aligned table.
pub fn action_text(catalog: &Catalog, action: &Action) -> String {
    let service = catalog.service(&action.service);
    let mut out = String::new();
    let service_name = service.map_or("", |service| service.name.as_str());
    let _ = writeln!(out, "{}  ({service_name})", action.full_name());
    if !action.description.is_empty() {
        let _ = writeln!(out, "  {}", action.description);
    }
    let _ = writeln!(out, "access level      {}", action.access_level);
    if action.supports_resource_level_permissions() {
        let _ = writeln!(out, "resource types    (* = required)");
        let width = action
            .resource_types
            .iter()
            .map(|row| row.name.len() + 1)
            .max()
            .unwrap_or(0);
        for row in &action.resource_types {
            let defined = service.and_then(|service| service.resource_type(&row.name));
            let marker = if row.required { "*" } else { "" };
            let label = format!("{}{marker}", row.name);
            let arns = defined
                .map(|resource| resource.arn_patterns.join(" | "))
                .unwrap_or_default();
            let _ = writeln!(out, "  {label:<width$}  {arns}");
            let mut keys: Vec<&str> = row.condition_keys.iter().map(Text::as_str).collect();
            if let Some(resource) = defined {
                keys.extend(resource.condition_keys.iter().map(Text::as_str));
            }
            if !keys.is_empty() {
                let _ = writeln!(out, "  {:<width$}  keys: {}", "", keys.join(", "));
            }
            if !row.dependent_actions.is_empty() {
                let needs = row.dependent_actions.join(", ");
                let _ = writeln!(out, "  {:<width$}  also needs: {needs}", "");
            }
        }
    } else {
        let _ = writeln!(
            out,
            "resource types    none: only `Resource: \"*\"` applies"
        );
    }
    if action.condition_keys.is_empty() {
        let _ = writeln!(out, "condition keys    none besides global keys");
    } else {
        let _ = writeln!(out, "condition keys");
        for key in &action.condition_keys {
            let kind = catalog
                .condition_key_type(key)
                .map_or_else(|| "?".to_string(), |kind| kind.to_string());
            let _ = writeln!(out, "  {key} ({kind})");
        }
    }
    if !action.dependent_actions.is_empty() {
        let _ = writeln!(
            out,
            "dependent actions {}",
            action.dependent_actions.join(", ")
        );
    }
    out
}

/// `services --format json`: prefix, name and number of actions of every service.
pub fn services_json(catalog: &Catalog) -> serde_json::Value {
    catalog
        .services()
        .map(|service| {
            json!({"prefix": service.prefix, "name": service.name, "actions": service.actions.len()})
        })
        .collect()
}

/// `services` as text: prefix, number of actions and name, aligned.
pub fn services_text(catalog: &Catalog) -> String {
    let width = catalog.service_prefixes().map(str::len).max().unwrap_or(0);
    let mut text = String::new();
    for service in catalog.services() {
        let _ = writeln!(
            text,
            "{:<width$}  {:>5}  {}",
            service.prefix,
            service.actions.len(),
            service.name
        );
    }
    text
}

/// One line saying what the catalog holds and where it comes from.
pub fn summary(catalog: &Catalog) -> String {
    let source = catalog.source();
    format!(
        "{} services, {} actions, from {}@{}",
        catalog.manifest().counts.services,
        catalog.manifest().counts.actions,
        source.package,
        source.version
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_resource_types_and_keys() {
        let catalog = Catalog::embedded();
        let text = action_text(catalog, catalog.action("iam:passrole").unwrap());
        assert!(
            text.starts_with("iam:PassRole  (AWS Identity and Access Management (IAM))"),
            "{text}"
        );
        assert!(text.contains("access level      Write"), "{text}");
        assert!(text.contains("role*"), "{text}");
        assert!(
            text.contains("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"),
            "{text}"
        );
        assert!(text.contains("iam:PassedToService (String)"), "{text}");

        let text = action_text(catalog, catalog.action("lambda:CreateFunction").unwrap());
        assert!(text.contains("also needs: iam:PassRole"), "{text}");

        let text = action_text(catalog, catalog.action("sts:GetCallerIdentity").unwrap());
        assert!(
            text.contains("none: only `Resource: \"*\"` applies"),
            "{text}"
        );
    }

    #[test]
    fn json_has_arn_formats_and_key_types() {
        let catalog = Catalog::embedded();
        let value = action_json(catalog, catalog.action("S3:GETOBJECT").unwrap());
        assert_eq!(value["action"], "s3:GetObject");
        assert_eq!(value["access_level"], "Read");
        let object = value["resource_types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["name"] == "object")
            .unwrap();
        assert_eq!(
            object["arn_patterns"][0],
            "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
        );
        assert!(
            value["condition_keys"]
                .as_array()
                .unwrap()
                .iter()
                .all(|key| !key["type"].is_null())
        );
    }

    #[test]
    fn services_are_listed_once_each() {
        let catalog = Catalog::embedded();
        let count = catalog.manifest().counts.services;
        assert_eq!(services_text(catalog).lines().count(), count);
        assert_eq!(services_json(catalog).as_array().map(Vec::len), Some(count));
        let s3 = services_text(catalog)
            .lines()
            .find(|line| line.starts_with("s3 "))
            .map(str::to_string)
            .unwrap_or_default();
        assert!(s3.ends_with("  Amazon S3"), "{s3}");
        assert!(summary(catalog).contains(" services, "));
    }
}
