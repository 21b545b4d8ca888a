//! The YAML file formats as serde types. They define the JSON schemas (schemars) and are
//! deserialized from the node tree, so unknown fields and wrong types are errors with positions.
//!
//! Field names of Warden's own elements are snake_case; statements use IAM's element names.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::de::Located;

/// `warden.yaml`: organization-wide settings.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Warden settings (warden.yaml)")]
pub struct ConfigFile {
    pub organization: OrganizationSettings,
    pub access: AccessSettings,
    pub regions: RegionSettings,
    /// Accounts processed in parallel.
    #[serde(default = "default_concurrency")]
    #[schemars(range(min = 1, max = 256))]
    pub concurrency: Located<u32>,
    #[serde(default)]
    pub variables: VariableSettings,
    #[serde(default)]
    pub tags: TagSettings,
    /// Roles allowed without a permission boundary (names, case-insensitive).
    #[serde(default)]
    pub admin_roles: Vec<Located<String>>,
    /// Accounts outside the organization that roles may trust (vendors, partners); a trust
    /// naming any other outside account is a posture finding.
    #[serde(default)]
    pub trusted_accounts: Vec<TrustedAccountDef>,
    /// Thresholds of the live posture rules (`lint --snapshot`, evidence).
    #[serde(default)]
    pub posture: PostureDef,
}

/// Thresholds of the posture rules on live IAM; each defaults to the CIS AWS Foundations value.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostureDef {
    /// An active access key older than this many days is stale (default 90).
    #[schemars(range(min = 1))]
    pub access_key_max_age_days: Option<Located<u32>>,
    /// An active access key unused for this many days is unused (default 90).
    #[schemars(range(min = 1))]
    pub access_key_unused_days: Option<Located<u32>>,
    /// A role created and unused for this many days is unused (default 90).
    #[schemars(range(min = 1))]
    pub role_unused_days: Option<Located<u32>>,
    /// Minimum password length the password policy must require (default 14).
    #[schemars(range(min = 6, max = 128))]
    pub password_min_length: Option<Located<u32>>,
    /// Passwords must expire within this many days (default 90).
    #[schemars(range(min = 1, max = 1095))]
    pub password_max_age_days: Option<Located<u32>>,
    /// Previous passwords the policy must remember (default 24).
    #[schemars(range(min = 1, max = 24))]
    pub password_reuse_prevention: Option<Located<u32>>,
}

/// An account outside the organization that roles may trust, and why.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrustedAccountDef {
    /// The account id, 12 digits; quote it in YAML.
    #[schemars(regex(pattern = r"^\d{12}$"))]
    pub id: Located<String>,
    /// Who owns the account, e.g. the vendor's name.
    #[schemars(length(min = 1))]
    pub name: Located<String>,
    /// Why roles may trust it.
    #[schemars(length(min = 1))]
    pub reason: Located<String>,
}

fn default_concurrency() -> Located<u32> {
    Located::new(16, crate::yaml::Pos::default())
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSettings {
    /// The management (payer) account id, 12 digits; quote it in YAML.
    #[schemars(regex(pattern = r"^\d{12}$"))]
    pub management_account_id: Located<String>,
    /// The organization id `o-…`, to check it is the expected organization.
    #[schemars(regex(pattern = r"^o-[a-z0-9]{10,32}$"))]
    pub id: Option<Located<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessSettings {
    /// Name of the role Warden assumes in every member account.
    pub role_name: Located<String>,
    /// Name of the environment variable that holds the ExternalId (never the value itself).
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub external_id_env: Located<String>,
    /// Principals the access role's trust may name besides the management account: account
    /// ids (12 digits, quoted) or exact IAM role or user ARNs, e.g. the role a CI runner signs
    /// in with. Any other principal in the trust makes Warden refuse the account.
    #[serde(default)]
    pub trusted_principals: Vec<Located<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegionSettings {
    /// Regions workloads may use; the region-restriction SCP and linter rely on it.
    #[schemars(length(min = 1))]
    pub allowed: Vec<Located<String>>,
    /// The region `${region}` resolves to; IAM itself is global. Its partition is `${partition}`
    /// and the partition of every ARN Warden builds.
    pub home: Located<String>,
}

/// User variables; a more specific level overrides: global < OU (outer to inner) < account.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableSettings {
    #[serde(default)]
    pub global: BTreeMap<Located<String>, Located<String>>,
    /// By OU path (`Root/Workloads/Prod`); applies to accounts anywhere below it.
    #[serde(default)]
    pub ous: BTreeMap<Located<String>, BTreeMap<Located<String>, Located<String>>>,
    /// By account id (12 digits, quoted) or account name.
    #[serde(default)]
    pub accounts: BTreeMap<Located<String>, BTreeMap<Located<String>, Located<String>>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagSettings {
    /// Tag put on everything Warden manages; only tagged resources are ever changed or deleted.
    #[serde(default = "default_marker")]
    pub managed_marker: TagSetting,
    /// Tag keys every role must carry.
    #[serde(default)]
    pub required: Vec<Located<String>>,
}

impl Default for TagSettings {
    fn default() -> Self {
        TagSettings {
            managed_marker: default_marker(),
            required: Vec::new(),
        }
    }
}

fn default_marker() -> TagSetting {
    TagSetting {
        key: "warden:managed".into(),
        value: "true".into(),
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagSetting {
    pub key: String,
    pub value: String,
}

/// Which accounts a definition applies to. Selectors of all kinds are combined with OR; an
/// account matched by any `exclude` selector is left out.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsDef {
    /// Account ids (12 digits) or account names.
    #[serde(default)]
    pub accounts: Vec<Located<String>>,
    /// OU ids (`ou-…`, `r-…`) or paths (`Root/Workloads/Prod`); a path covers its descendants.
    #[serde(default)]
    pub ous: Vec<Located<String>>,
    /// Account tags as `Key=Value`.
    #[serde(default)]
    #[schemars(inner(regex(pattern = r"^[^=]+=.*$")))]
    pub tags: Vec<Located<String>>,
    #[serde(default)]
    pub exclude: SelectorsDef,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectorsDef {
    #[serde(default)]
    pub accounts: Vec<Located<String>>,
    #[serde(default)]
    pub ous: Vec<Located<String>>,
    #[serde(default)]
    #[schemars(inner(regex(pattern = r"^[^=]+=.*$")))]
    pub tags: Vec<Located<String>>,
}

/// A documented exception to a lint rule.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionDef {
    /// Lint rule id.
    pub rule: Located<String>,
    /// Sid of the statement it covers; absent: the whole definition.
    pub sid: Option<Located<String>>,
    pub reason: Located<String>,
    pub owner: Located<String>,
    /// Last day the exception holds, `YYYY-MM-DD`.
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub expires: Located<String>,
}

/// The `kind` of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Kind {
    Role,
    ManagedPolicy,
    Boundary,
    Scp,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Role, Kind::ManagedPolicy, Kind::Boundary, Kind::Scp];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Role => "Role",
            Kind::ManagedPolicy => "ManagedPolicy",
            Kind::Boundary => "Boundary",
            Kind::Scp => "Scp",
        }
    }

    /// Directory whose files may hold this kind.
    pub fn directory(self) -> &'static str {
        match self {
            Kind::Role | Kind::ManagedPolicy => "policies",
            Kind::Boundary => "boundaries",
            Kind::Scp => "scps",
        }
    }
}

macro_rules! kind_marker {
    ($name:ident, $variant:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
        pub enum $name {
            $variant,
        }
    };
}

kind_marker!(RoleKind, Role);
kind_marker!(ManagedPolicyKind, ManagedPolicy);
kind_marker!(BoundaryKind, Boundary);
kind_marker!(ScpKind, Scp);

/// An IAM role deployed to every targeted account.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Warden role definition")]
pub struct RoleDef {
    pub kind: RoleKind,
    /// Role name, unique per account (case-insensitive), at most 64 characters.
    #[schemars(regex(pattern = r"^[\w+=,.@-]{1,64}$"))]
    pub name: Located<String>,
    /// IAM path, `/` or `/a/b/`.
    pub path: Option<Located<String>>,
    pub description: Option<Located<String>>,
    pub targets: TargetsDef,
    /// The trust policy's statements.
    pub trust: Vec<Located<StatementDef>>,
    /// Inline policies: name → statements.
    #[serde(default)]
    pub inline_policies: BTreeMap<Located<String>, Vec<Located<StatementDef>>>,
    /// Warden managed policy names or AWS managed policy ARNs.
    #[serde(default)]
    pub managed_policies: Vec<Located<String>>,
    /// Name of a permission boundary in `boundaries/`.
    pub boundary: Option<Located<String>>,
    #[serde(default)]
    pub tags: BTreeMap<Located<String>, Located<String>>,
    /// Seconds, 3600 to 43200; AWS's default is 3600.
    #[schemars(range(min = 3600, max = 43200))]
    pub max_session_duration: Option<Located<u32>>,
    #[serde(default)]
    pub exceptions: Vec<Located<ExceptionDef>>,
}

/// A customer managed policy. Without `targets` it goes wherever a role that attaches it goes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Warden customer managed policy definition")]
pub struct ManagedPolicyDef {
    pub kind: ManagedPolicyKind,
    #[schemars(regex(pattern = r"^[\w+=,.@-]{1,128}$"))]
    pub name: Located<String>,
    pub path: Option<Located<String>>,
    pub description: Option<Located<String>>,
    pub targets: Option<TargetsDef>,
    pub statements: Vec<Located<StatementDef>>,
    #[serde(default)]
    pub tags: BTreeMap<Located<String>, Located<String>>,
    #[serde(default)]
    pub exceptions: Vec<Located<ExceptionDef>>,
}

/// A permission boundary (a customer managed policy used as a boundary). Without `targets` it
/// goes wherever a role that references it goes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Warden permission boundary definition")]
pub struct BoundaryDef {
    pub kind: BoundaryKind,
    #[schemars(regex(pattern = r"^[\w+=,.@-]{1,128}$"))]
    pub name: Located<String>,
    pub path: Option<Located<String>>,
    pub description: Option<Located<String>>,
    pub targets: Option<TargetsDef>,
    pub statements: Vec<Located<StatementDef>>,
    #[serde(default)]
    pub tags: BTreeMap<Located<String>, Located<String>>,
    #[serde(default)]
    pub exceptions: Vec<Located<ExceptionDef>>,
}

/// A service control policy, attached once for the organization.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Warden service control policy definition")]
pub struct ScpDef {
    pub kind: ScpKind,
    #[schemars(regex(pattern = r"^[\w+=,.@-]{1,128}$"))]
    pub name: Located<String>,
    pub description: Option<Located<String>>,
    pub targets: TargetsDef,
    pub statements: Vec<Located<StatementDef>>,
    #[serde(default)]
    pub tags: BTreeMap<Located<String>, Located<String>>,
    #[serde(default)]
    pub exceptions: Vec<Located<ExceptionDef>>,
}

/// Any definition document (for the schema of files that mix kinds).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(title = "Warden definition (role, managed policy, boundary or SCP)")]
pub enum AnyDef {
    Role(RoleDef),
    ManagedPolicy(ManagedPolicyDef),
    Boundary(BoundaryDef),
    Scp(ScpDef),
}

/// One IAM policy statement, with IAM's element names, plus `justification`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatementDef {
    /// Statement id: letters and digits; exceptions and justifications refer to it.
    #[serde(rename = "Sid")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9]*$"))]
    pub sid: Option<String>,
    #[serde(rename = "Effect")]
    pub effect: EffectDef,
    #[serde(rename = "Principal")]
    pub principal: Option<PrincipalDef>,
    #[serde(rename = "NotPrincipal")]
    pub not_principal: Option<PrincipalDef>,
    #[serde(rename = "Action")]
    pub action: Option<OneOrMany>,
    #[serde(rename = "NotAction")]
    pub not_action: Option<OneOrMany>,
    #[serde(rename = "Resource")]
    pub resource: Option<OneOrMany>,
    #[serde(rename = "NotResource")]
    pub not_resource: Option<OneOrMany>,
    /// Operator → condition key → value or values.
    #[serde(rename = "Condition")]
    pub condition: Option<BTreeMap<String, BTreeMap<String, ConditionValues>>>,
    /// One sentence: why this permission exists.
    pub justification: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum EffectDef {
    Allow,
    Deny,
}

/// A string or a list of strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor;
        impl<'de> Visitor<'de> for OneOrManyVisitor {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany::One(v.to_owned()))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<String>()? {
                    items.push(item);
                }
                Ok(OneOrMany::Many(items))
            }
        }
        deserializer.deserialize_any(OneOrManyVisitor)
    }
}

/// `"*"` or a map of principal type to identifiers.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum PrincipalDef {
    Anyone(AnyPrincipal),
    Typed(PrincipalMap),
}

/// The string `*`: every principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum AnyPrincipal {
    #[serde(rename = "*")]
    Star,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrincipalMap {
    #[serde(rename = "AWS")]
    pub aws: Option<OneOrMany>,
    #[serde(rename = "Service")]
    pub service: Option<OneOrMany>,
    #[serde(rename = "Federated")]
    pub federated: Option<OneOrMany>,
    #[serde(rename = "CanonicalUser")]
    pub canonical_user: Option<OneOrMany>,
}

impl<'de> Deserialize<'de> for PrincipalDef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PrincipalVisitor;
        impl<'de> Visitor<'de> for PrincipalVisitor {
            type Value = PrincipalDef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`*` or a map of `AWS`, `Service`, `Federated` or `CanonicalUser`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PrincipalDef, E> {
                if v == "*" {
                    Ok(PrincipalDef::Anyone(AnyPrincipal::Star))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<PrincipalDef, A::Error> {
                PrincipalMap::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(PrincipalDef::Typed)
            }
        }
        deserializer.deserialize_any(PrincipalVisitor)
    }
}

/// Condition values: a scalar or a list of scalars (IAM compares them as strings).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ConditionValues {
    One(ConditionScalar),
    Many(Vec<ConditionScalar>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ConditionScalar {
    String(String),
    Bool(bool),
    Number(serde_json::Number),
}

impl<'de> Deserialize<'de> for ConditionValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValuesVisitor;
        impl<'de> Visitor<'de> for ValuesVisitor {
            type Value = ConditionValues;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, boolean or number, or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ConditionValues, E> {
                Ok(ConditionValues::One(ConditionScalar::String(v.to_owned())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ConditionValues, E> {
                Ok(ConditionValues::One(ConditionScalar::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ConditionValues, E> {
                Ok(ConditionValues::One(ConditionScalar::Number(v.into())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ConditionValues, E> {
                Ok(ConditionValues::One(ConditionScalar::Number(v.into())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ConditionValues, E> {
                serde_json::Number::from_f64(v)
                    .map(|n| ConditionValues::One(ConditionScalar::Number(n)))
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ConditionValues, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<ScalarOnly>()? {
                    items.push(item.0);
                }
                Ok(ConditionValues::Many(items))
            }
        }
        deserializer.deserialize_any(ValuesVisitor)
    }
}

/// A condition scalar read with a clear message when it is a list or map.
struct ScalarOnly(ConditionScalar);

impl<'de> Deserialize<'de> for ScalarOnly {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match ConditionValues::deserialize(deserializer)? {
            ConditionValues::One(scalar) => Ok(ScalarOnly(scalar)),
            ConditionValues::Many(_) => Err(de::Error::custom(
                "expected a string, boolean or number, found a list",
            )),
        }
    }
}
