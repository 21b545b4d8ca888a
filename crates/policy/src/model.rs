//! The IAM policy document as data: identity policies, trust policies, SCPs and RCPs share it.
//!
//! Values keep the form they were written in (string or list, bool or string) so that
//! serialization is lossless; [`crate::canonical`] produces the form used for comparison.

use serde::{Deserialize, Serialize};

/// Line and column (both 1-based, column in characters) in the source text. Default (0:0)
/// when the element was built in code or parsed from a `serde_json::Value`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

/// `Version` of the policy language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Version {
    /// The current language: policy variables are substituted.
    #[serde(rename = "2012-10-17")]
    V2012_10_17,
    /// The old language (also what a missing `Version` means): `${…}` is literal text.
    #[serde(rename = "2008-10-17")]
    V2008_10_17,
}

impl Version {
    /// The value as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2012_10_17 => "2012-10-17",
            Version::V2008_10_17 => "2008-10-17",
        }
    }
}

/// A string or a list of strings, remembering which was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Values<T = String> {
    /// The values in written order.
    pub items: Vec<T>,
    /// Written as a bare value rather than a list (only ever true with one item).
    pub single: bool,
}

impl<T> Values<T> {
    /// A bare value (`"Action": "s3:GetObject"`).
    pub fn one(item: T) -> Self {
        Values {
            items: vec![item],
            single: true,
        }
    }
    /// A list (`"Action": ["s3:GetObject"]`).
    pub fn list(items: Vec<T>) -> Self {
        Values {
            items,
            single: false,
        }
    }
    /// The items in written order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }
    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// No items (never the case for parsed documents).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A whole policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    /// `Version`; `None` when absent (IAM then applies 2008-10-17 semantics).
    pub version: Option<Version>,
    /// `Id`, an optional identifier.
    pub id: Option<String>,
    /// `Statement`, in written order.
    pub statements: Vec<Statement>,
    /// `Statement` was written as a single object rather than a list.
    pub statement_is_object: bool,
}

/// `Effect` of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Effect {
    /// Grants (subject to every other policy in the chain).
    Allow,
    /// Denies; an explicit deny anywhere wins.
    Deny,
}

impl Effect {
    /// The value as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// One statement. Exactly one of each pair (`Action`/`NotAction`, …) is present where present.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `Sid`, the statement id.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal` or `NotPrincipal` (resource and trust policies only).
    pub principal: Option<PrincipalClause>,
    /// `Action` or `NotAction`.
    pub action: ActionClause,
    /// `Resource` or `NotResource`; absent in trust policies.
    pub resource: Option<ResourceClause>,
    /// `Condition`.
    pub condition: Option<Condition>,
    /// Where the statement starts in the source (default when built in code).
    pub span: Span,
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq)]
pub enum PrincipalClause {
    /// Applies to the named principals.
    Principal(Principal),
    /// Applies to every principal except the named ones.
    NotPrincipal(Principal),
}

/// `Action` or `NotAction` (patterns with `*` and `?`, matched case-insensitively).
#[derive(Debug, Clone, PartialEq)]
pub enum ActionClause {
    /// Applies to the matching actions.
    Action(Values),
    /// Applies to every action except the matching ones.
    NotAction(Values),
}

/// `Resource` or `NotResource` (ARN patterns, matched case-sensitively).
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceClause {
    /// Applies to the matching resources.
    Resource(Values),
    /// Applies to every resource except the matching ones.
    NotResource(Values),
}

/// `"*"` or a map of principal type to identifiers, in written order.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// `"*"`: everyone, including anonymous callers.
    Any,
    /// `{"AWS": …, "Service": …}`: identifiers per type, in written order.
    Typed(Vec<(PrincipalType, Values)>),
}

/// Keys of a `Principal` map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PrincipalType {
    /// `AWS`: accounts, IAM roles and users, assumed-role sessions, `*`.
    #[serde(rename = "AWS")]
    Aws,
    /// `Service`: AWS service principals such as `ec2.amazonaws.com`.
    Service,
    /// `Federated`: OIDC or SAML providers.
    Federated,
    /// `CanonicalUser`: S3 canonical user ids.
    CanonicalUser,
}

impl PrincipalType {
    /// The key as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::Aws => "AWS",
            PrincipalType::Service => "Service",
            PrincipalType::Federated => "Federated",
            PrincipalType::CanonicalUser => "CanonicalUser",
        }
    }
}

/// `Condition`: operator → key → values, in written order.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// One block per operator; blocks are ANDed.
    pub blocks: Vec<ConditionBlock>,
}

/// One operator with its keys, e.g. `"ForAnyValue:StringLikeIfExists": {…}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionBlock {
    /// The operator, e.g. `StringEquals`.
    pub operator: ConditionOperator,
    /// Condition keys with their values; entries are ANDed.
    pub entries: Vec<ConditionEntry>,
}

/// One condition key with its values (ORed, NORed for negated operators).
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionEntry {
    /// As written; condition key names are case-insensitive.
    pub key: String,
    /// The values, as written.
    pub values: Values<ConditionValue>,
    /// Where the key is written in the source.
    pub span: Span,
}

/// A parsed operator name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    /// `ForAllValues:` or `ForAnyValue:` prefix.
    pub qualifier: Option<SetQualifier>,
    /// The base operator without qualifier or `IfExists`, e.g. `StringLike`, as written.
    pub base: String,
    /// `…IfExists` suffix: true when the key is absent.
    pub if_exists: bool,
}

/// Set operators for multivalued condition keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SetQualifier {
    /// Every request value must match (true for an empty or missing set).
    ForAllValues,
    /// At least one request value must match (false for an empty or missing set).
    ForAnyValue,
}

/// A condition value as written: JSON allows strings, booleans and numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConditionValue {
    /// A JSON string.
    String(String),
    /// A JSON boolean.
    Bool(bool),
    /// The number's JSON text, kept exactly.
    Number(String),
}

impl ConditionValue {
    /// The value as IAM sees it: every value is compared as a string.
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            ConditionValue::String(s) => std::borrow::Cow::Borrowed(s),
            ConditionValue::Bool(true) => std::borrow::Cow::Borrowed("true"),
            ConditionValue::Bool(false) => std::borrow::Cow::Borrowed("false"),
            ConditionValue::Number(n) => std::borrow::Cow::Borrowed(n),
        }
    }
}

impl PolicyDocument {
    /// A document with the given statements, `Version` 2012-10-17 and `Statement` as a list.
    pub fn new(statements: Vec<Statement>) -> Self {
        PolicyDocument {
            version: Some(Version::V2012_10_17),
            id: None,
            statements,
            statement_is_object: false,
        }
    }

    /// Whether policy variables (`${…}`) are substituted: only under `2012-10-17`.
    pub fn supports_variables(&self) -> bool {
        self.version == Some(Version::V2012_10_17)
    }
}

impl ActionClause {
    /// The element name and its values.
    pub fn parts(&self) -> (&'static str, &Values) {
        match self {
            ActionClause::Action(values) => ("Action", values),
            ActionClause::NotAction(values) => ("NotAction", values),
        }
    }

    /// The patterns, whichever element was written.
    pub fn values(&self) -> &Values {
        self.parts().1
    }

    /// `NotAction` rather than `Action`.
    pub fn is_not(&self) -> bool {
        matches!(self, ActionClause::NotAction(_))
    }
}

impl ResourceClause {
    /// The element name and its values.
    pub fn parts(&self) -> (&'static str, &Values) {
        match self {
            ResourceClause::Resource(values) => ("Resource", values),
            ResourceClause::NotResource(values) => ("NotResource", values),
        }
    }

    /// The patterns, whichever element was written.
    pub fn values(&self) -> &Values {
        self.parts().1
    }

    /// `NotResource` rather than `Resource`.
    pub fn is_not(&self) -> bool {
        matches!(self, ResourceClause::NotResource(_))
    }
}

impl PrincipalClause {
    /// The element name and the principal.
    pub fn parts(&self) -> (&'static str, &Principal) {
        match self {
            PrincipalClause::Principal(principal) => ("Principal", principal),
            PrincipalClause::NotPrincipal(principal) => ("NotPrincipal", principal),
        }
    }

    /// The principal, whichever element was written.
    pub fn principal(&self) -> &Principal {
        self.parts().1
    }

    /// `NotPrincipal` rather than `Principal`.
    pub fn is_not(&self) -> bool {
        matches!(self, PrincipalClause::NotPrincipal(_))
    }
}

impl Principal {
    /// `"Principal": "*"`.
    pub fn is_any(&self) -> bool {
        matches!(self, Principal::Any)
    }

    /// Identifiers of one type, as written (empty for `*`).
    pub fn ids(&self, principal_type: PrincipalType) -> impl Iterator<Item = &str> {
        let values = match self {
            Principal::Any => None,
            Principal::Typed(typed) => typed
                .iter()
                .find(|(kind, _)| *kind == principal_type)
                .map(|(_, values)| values),
        };
        values
            .into_iter()
            .flat_map(|v| v.iter().map(String::as_str))
    }

    /// `AWS` identifiers as written: account ids, ARNs, `*`.
    pub fn aws_ids(&self) -> impl Iterator<Item = &str> {
        self.ids(PrincipalType::Aws)
    }

    /// `AWS` identifiers with bare account ids turned into `arn:aws:iam::ID:root`.
    pub fn aws_arns(&self) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
        self.aws_ids().map(normalize_aws_principal)
    }

    /// `Service` identifiers, e.g. `ec2.amazonaws.com`.
    pub fn service_ids(&self) -> impl Iterator<Item = &str> {
        self.ids(PrincipalType::Service)
    }

    /// `Federated` identifiers: OIDC/SAML provider ARNs or `cognito-identity.amazonaws.com`.
    pub fn federated_ids(&self) -> impl Iterator<Item = &str> {
        self.ids(PrincipalType::Federated)
    }

    /// `CanonicalUser` identifiers (S3).
    pub fn canonical_user_ids(&self) -> impl Iterator<Item = &str> {
        self.ids(PrincipalType::CanonicalUser)
    }

    /// Account ids named by `AWS` identifiers (bare ids and any `arn:…:iam::ID:…`).
    pub fn aws_account_ids(&self) -> impl Iterator<Item = &str> {
        self.aws_ids().filter_map(|id| {
            if is_account_id(id) {
                return Some(id);
            }
            let mut parts = id.splitn(6, ':');
            let (arn, _partition, service, _region, account) = (
                parts.next()?,
                parts.next()?,
                parts.next()?,
                parts.next()?,
                parts.next()?,
            );
            (arn == "arn" && service == "iam" && is_account_id(account)).then_some(account)
        })
    }
}

/// Whether `text` is a 12-digit AWS account id.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// Turns a bare account id into the equivalent `arn:aws:iam::ID:root` (the `aws` partition);
/// other identifiers are returned unchanged. IAM itself stores the ARN form.
pub fn normalize_aws_principal(id: &str) -> std::borrow::Cow<'_, str> {
    normalize_aws_principal_in(id, "aws")
}

/// [`normalize_aws_principal`] for another partition (`aws-cn`, `aws-us-gov`).
pub fn normalize_aws_principal_in<'a>(id: &'a str, partition: &str) -> std::borrow::Cow<'a, str> {
    if is_account_id(id) {
        std::borrow::Cow::Owned(format!("arn:{partition}:iam::{id}:root"))
    } else {
        std::borrow::Cow::Borrowed(id)
    }
}

impl ConditionOperator {
    /// Negated operators (`StringNotEquals`, `NotIpAddress`, …) match when the key is absent,
    /// and several values are NOR.
    pub fn is_negated(&self) -> bool {
        self.base.contains("Not")
    }
}

impl std::fmt::Display for ConditionOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(&self.base)?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}
