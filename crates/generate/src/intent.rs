//! The intent file: what a workload needs, per service, in words a reviewer can check.
//!
//! ```yaml
//! role: report-exporter
//! description: Nightly job that exports finance reports to S3
//! account: "123456789012"
//! region: eu-west-1
//! owner: platform-team
//! trust: [service:ecs-tasks.amazonaws.com]
//! permissions:
//!   - service: s3
//!     purpose: write the nightly report exports
//!     access: [Read, Write]
//!     actions: [s3:ListBucket]
//!     resources:
//!       - arn:aws:s3:::acme-reports
//!       - {type: object, bucket: acme-reports, key: "exports/*"}
//!     resource_tags: {team: finance}
//!     conditions:
//!       - {operator: StringEquals, key: "s3:x-amz-server-side-encryption", values: [aws:kms]}
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::{MessageFormatter, Spanned};

use crate::err::{IntentError, Pos};

/// A whole intent file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intent {
    /// Role name (`--name` overrides it).
    pub role: Option<Spanned<String>>,
    pub description: Option<String>,
    /// The account the role lives in; fills `${Account}` in ARNs and trust conditions.
    pub account: Option<Spanned<Scalar>>,
    /// Fills `${Region}` in ARNs; `*` when absent (with a warning where it matters).
    pub region: Option<Spanned<String>>,
    /// `aws` unless stated (`aws-cn`, `aws-us-gov`).
    pub partition: Option<String>,
    /// Owner recorded on lint exceptions the generator adds.
    pub owner: Option<String>,
    /// IAM path of the role (`/workloads/`); `/` when absent.
    pub path: Option<String>,
    /// Role tags (`warden.yaml` may require some, e.g. `Project`, `Environment`, `Service`).
    #[serde(default)]
    pub tags: BTreeMap<String, Scalar>,
    /// Permission boundary (a name in `boundaries/`) for the role definition.
    pub boundary: Option<String>,
    /// Accounts, OUs or account tags the role is deployed to; `account` when absent.
    pub targets: Option<TargetsSpec>,
    /// Trust templates, same syntax as `--trust`.
    #[serde(default)]
    pub trust: Vec<Spanned<String>>,
    pub permissions: Vec<Spanned<Permission>>,
}

/// Where the role definition is deployed (the definitions' `targets`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsSpec {
    #[serde(default)]
    pub accounts: Vec<Scalar>,
    #[serde(default)]
    pub ous: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// One need: a service, what kind of access, on what, under which conditions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permission {
    /// Service prefix as used in actions (`s3`, `dynamodb`, `iam`).
    pub service: Spanned<String>,
    /// Why the workload needs it; becomes the statement justification.
    pub purpose: Option<String>,
    /// Access levels: `List`, `Read`, `Write`, `Permissions management`, `Tagging`.
    #[serde(default)]
    pub access: Vec<Spanned<String>>,
    /// Explicit actions (`s3:GetObject` or `GetObject`); no wildcards.
    #[serde(default)]
    pub actions: Vec<Spanned<String>>,
    /// ARNs or `{type: …, <ARN variable>: …}`; empty means account-wide actions only.
    #[serde(default)]
    pub resources: Vec<Spanned<ResourceSpec>>,
    /// Tags the resources carry: becomes `aws:ResourceTag/KEY` conditions where supported.
    #[serde(default)]
    pub resource_tags: BTreeMap<String, Scalar>,
    #[serde(default)]
    pub conditions: Vec<Spanned<ConditionSpec>>,
}

/// A resource as an ARN or as a catalog resource type plus values for its ARN variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSpec {
    Arn(String),
    Typed {
        resource_type: String,
        fields: BTreeMap<String, String>,
    },
}

/// One condition to attach to the statements of a permission.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    /// Condition operator; `StringEquals` (or `StringLike` when a value has a wildcard) if absent.
    pub operator: Option<String>,
    pub key: String,
    pub values: Vec<Scalar>,
}

/// A YAML scalar read as text (account ids and tag values are often written unquoted).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl Visitor<'_> for ScalarVisitor {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar(v.to_owned()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar(v.to_string()))
    }
}

impl<'de> Deserialize<'de> for ResourceSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ResourceVisitor)
    }
}

struct ResourceVisitor;

impl<'de> Visitor<'de> for ResourceVisitor {
    type Value = ResourceSpec;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ARN string or a mapping with `type` and the ARN's variables")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<ResourceSpec, E> {
        Ok(ResourceSpec::Arn(v.to_owned()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ResourceSpec, A::Error> {
        let mut resource_type = None;
        let mut fields = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let Scalar(value) = map.next_value::<Scalar>()?;
            if key == "type" {
                resource_type = Some(value);
            } else if fields.insert(key.clone(), value).is_some() {
                return Err(de::Error::custom(format!("duplicate field `{key}`")));
            }
        }
        let resource_type = resource_type.ok_or_else(|| de::Error::missing_field("type"))?;
        if resource_type == "arn" {
            return Err(de::Error::custom(
                "write an ARN as a plain string, not as `type: arn`",
            ));
        }
        Ok(ResourceSpec::Typed {
            resource_type,
            fields,
        })
    }
}

/// Access levels of the service authorization reference, as written in intents.
pub const ACCESS_LEVELS: [&str; 5] = ["List", "Read", "Write", "Permissions management", "Tagging"];

/// Position of a spanned value.
pub fn pos_of<T>(spanned: &Spanned<T>) -> Pos {
    Pos {
        line: clamp(spanned.referenced.line()),
        column: clamp(spanned.referenced.column()),
    }
}

fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Intent {
    /// Parses an intent file's text; `path` names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Intent, IntentError> {
        let intent: Intent = serde_saphyr::from_str(text).map_err(|err| {
            let pos = err.location().map_or(Pos::default(), |location| Pos {
                line: clamp(location.line()),
                column: clamp(location.column()),
            });
            let message = serde_saphyr::DefaultMessageFormatter
                .format_message(&err)
                .into_owned();
            IntentError::Syntax {
                path: path.to_owned(),
                pos,
                message: with_known_fields(&lowercase_first(&message)),
            }
        })?;
        intent.validate(path)?;
        Ok(intent)
    }

    /// Checks that need no catalog: access level names, account id shape, non-empty needs.
    fn validate(&self, path: &Path) -> Result<(), IntentError> {
        let invalid = |pos: Pos, message: String| IntentError::Invalid {
            path: path.to_owned(),
            pos,
            message,
        };
        if let Some(account) = &self.account
            && !warden_policy::is_account_id(&account.value.0)
        {
            return Err(invalid(
                pos_of(account),
                format!(
                    "invalid account id `{}`, expected 12 digits",
                    account.value.0
                ),
            ));
        }
        for permission in &self.permissions {
            let need = &permission.value;
            for level in &need.access {
                if canonical_access_level(&level.value).is_none() {
                    return Err(invalid(
                        pos_of(level),
                        format!(
                            "unknown access level `{}`, expected one of `List`, `Read`, `Write`, `Permissions management`, `Tagging`",
                            level.value
                        ),
                    ));
                }
            }
            for action in &need.actions {
                if action.value.contains(['*', '?']) {
                    return Err(invalid(
                        pos_of(action),
                        format!(
                            "action `{}` has a wildcard; name actions explicitly or use `access`",
                            action.value
                        ),
                    ));
                }
            }
            for condition in &need.conditions {
                if let Some(operator) = &condition.value.operator
                    && warden_policy::parse::parse_condition_operator(operator).is_none()
                {
                    return Err(invalid(
                        pos_of(condition),
                        format!(
                            "unknown condition operator `{operator}` (operators are case-sensitive, e.g. `StringEquals`, `ArnLike`, `ForAnyValue:StringLike`)"
                        ),
                    ));
                }
                if condition.value.values.is_empty() {
                    return Err(invalid(
                        pos_of(condition),
                        format!("condition on `{}` has no values", condition.value.key),
                    ));
                }
            }
            if need.access.is_empty() && need.actions.is_empty() {
                return Err(invalid(
                    pos_of(permission),
                    format!(
                        "permission for `{}` names neither `access` nor `actions`",
                        need.service.value
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The catalog spelling of an access level written in any case (`read`, `permissions-management`).
pub fn canonical_access_level(text: &str) -> Option<&'static str> {
    let wanted: String = text.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    ACCESS_LEVELS.into_iter().find(|level| {
        let name: String = level
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        name.eq_ignore_ascii_case(&wanted)
    })
}

/// serde_saphyr writes ``unknown field `x`, expected one of a, b``: put the expected names in
/// backticks like the rest of Warden's messages and suggest the one meant.
fn with_known_fields(message: &str) -> String {
    let Some((head, list)) = message.split_once(", expected one of ") else {
        return message.to_string();
    };
    let Some(found) = head
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.strip_suffix('`'))
    else {
        return message.to_string();
    };
    let known: Vec<&str> = list
        .split(", ")
        .map(|name| name.trim_matches('`'))
        .collect();
    let quoted: Vec<String> = known.iter().map(|name| format!("`{name}`")).collect();
    let hint = warden_catalog::catalog::closest(found, known.iter().copied())
        .map(|name| format!(" (did you mean `{name}`?)"))
        .unwrap_or_default();
    format!("{head}, expected one of {}{hint}", quoted.join(", "))
}

fn lowercase_first(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "role: report-exporter
account: 123456789012
permissions:
  - service: s3
    purpose: write the nightly report exports
    access: [Read, write]
    resources:
      - arn:aws:s3:::acme-reports
      - {type: object, bucket: acme-reports, key: \"exports/*\"}
    resource_tags: {team: finance}
";

    #[test]
    fn parses_resources_and_scalars() {
        let intent = Intent::parse(EXAMPLE, Path::new("x.yaml")).unwrap();
        assert_eq!(intent.account.unwrap().value.0, "123456789012");
        let need = &intent.permissions[0].value;
        assert_eq!(
            need.resources[0].value,
            ResourceSpec::Arn("arn:aws:s3:::acme-reports".into())
        );
        let ResourceSpec::Typed {
            resource_type,
            fields,
        } = &need.resources[1].value
        else {
            panic!()
        };
        assert_eq!(resource_type, "object");
        assert_eq!(fields["key"], "exports/*");
        assert_eq!(pos_of(&need.resources[1]), Pos { line: 9, column: 9 });
    }

    #[test]
    fn unknown_field_has_position() {
        let text = EXAMPLE.replace("    purpose:", "    purpse:");
        let err = Intent::parse(&text, Path::new("intent.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("intent.yaml:5:5: "), "{err}");
        assert!(err.contains("purpse"), "{err}");
    }

    #[test]
    fn unknown_field_lists_the_known_fields_and_suggests_one() {
        let text = EXAMPLE.replace("    purpose:", "    purpse:");
        let err = Intent::parse(&text, Path::new("intent.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected one of `service`, "), "{err}");
        assert!(err.ends_with(" (did you mean `purpose`?)"), "{err}");
        let text = EXAMPLE.replace("    purpose:", "    zzzzzzzzz:");
        let err = Intent::parse(&text, Path::new("intent.yaml"))
            .unwrap_err()
            .to_string();
        assert!(!err.contains("did you mean"), "{err}");
    }

    #[test]
    fn bad_access_level_has_position() {
        let text = EXAMPLE.replace("[Read, write]", "[Read, Destroy]");
        let err = Intent::parse(&text, Path::new("i.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("i.yaml:6:20: unknown access level `Destroy`"),
            "{err}"
        );
    }

    #[test]
    fn wildcard_actions_are_refused() {
        let text = EXAMPLE.replace(
            "    access: [Read, write]\n",
            "    actions: [\"s3:Get*\"]\n",
        );
        let err = Intent::parse(&text, Path::new("i.yaml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("has a wildcard"), "{err}");
    }

    #[test]
    fn condition_operators_are_checked() {
        let text = EXAMPLE.to_owned()
            + "    conditions:\n      - {operator: stringEquals, key: aws:SourceVpc, values: [vpc-1]}\n";
        let err = Intent::parse(&text, Path::new("i.yaml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("i.yaml:12:9: unknown condition operator `stringEquals`"),
            "{err}"
        );
        let good = text.replace("stringEquals", "ForAnyValue:StringLike");
        assert!(Intent::parse(&good, Path::new("i.yaml")).is_ok());
    }

    #[test]
    fn access_levels_any_case() {
        assert_eq!(
            canonical_access_level("permissions-management"),
            Some("Permissions management")
        );
        assert_eq!(canonical_access_level("LIST"), Some("List"));
        assert_eq!(canonical_access_level("Delete"), None);
    }
}
