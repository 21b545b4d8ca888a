//! JSON schemas of the definition file formats, generated from the serde types with schemars.
//! Committed under `schemas/`; `cargo xtask schema --check` fails when they are stale.

use schemars::{JsonSchema, generate::SchemaSettings};

use crate::model::{AnyDef, BoundaryDef, ConfigFile, ManagedPolicyDef, RoleDef, ScpDef};

/// Directory of the committed schemas, relative to the repository root.
pub const SCHEMA_DIR: &str = "schemas";

/// `(file name, pretty JSON with a final newline)` for every file kind.
pub fn schemas() -> Vec<(&'static str, String)> {
    vec![
        ("warden.schema.json", render::<ConfigFile>()),
        ("role.schema.json", render::<RoleDef>()),
        ("managed-policy.schema.json", render::<ManagedPolicyDef>()),
        ("boundary.schema.json", render::<BoundaryDef>()),
        ("scp.schema.json", render::<ScpDef>()),
        ("definition.schema.json", render::<AnyDef>()),
    ]
}

fn render<T: JsonSchema>() -> String {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<T>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_is_an_object_schema_with_a_title() {
        for (name, text) in schemas() {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert!(value.get("title").is_some(), "{name} has no title");
            assert!(value.get("$schema").is_some(), "{name} has no $schema");
        }
    }

    #[test]
    fn role_schema_rejects_unknown_fields_and_names_iam_elements() {
        let text = schemas()
            .into_iter()
            .find(|(name, _)| *name == "role.schema.json")
            .unwrap()
            .1;
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["additionalProperties"],
            serde_json::Value::Bool(false)
        );
        let statement = &value["$defs"]["StatementDef"]["properties"];
        for element in [
            "Sid",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Principal",
            "NotPrincipal",
            "Condition",
            "justification",
        ] {
            assert!(
                statement.get(element).is_some(),
                "statement schema lacks {element}"
            );
        }
    }
}
#[cfg(test)]
mod dump {
    #[test]
    fn dump() {
        for (name, text) in super::schemas() {
            std::fs::write(format!("/tmp/sch/{name}"), text).unwrap();
        }
    }
}
