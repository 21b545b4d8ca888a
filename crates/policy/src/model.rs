//! The IAM policy document as data: identity policies, trust policies, SCPs and RCPs share it.
//!
//! Values keep the form they were written in (string or list, bool or string) so that
//! serialization is lossless; [`crate::canonical`] produces the form used for comparison.

use serde::{Deserialize, Serialize};

/// Line and column (both 1-based) in the source text, with the JSON path of the element.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
}

/// `Version` of the policy language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Version {
    #[serde(rename = "2012-10-17")]
    V2012_10_17,
    #[serde(rename = "2008-10-17")]
    V2008_10_17,
}

impl Version {
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
    pub items: Vec<T>,
    /// Written as a bare value rather than a list (only ever true with one item).
    pub single: bool,
}

impl<T> Values<T> {
    pub fn one(item: T) -> Self {
        Values { items: vec![item], single: true }
    }
    pub fn list(items: Vec<T>) -> Self {
        Values { items, single: false }
    }
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A whole policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub version: Option<Version>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
    /// `Statement` was written as a single object rather than a list.
    pub statement_is_object: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
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
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<PrincipalClause>,
    pub action: ActionClause,
    /// Absent in trust policies.
    pub resource: Option<ResourceClause>,
    pub condition: Option<Condition>,
    /// Where the statement starts in the source (default when built in code).
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PrincipalClause {
    Principal(Principal),
    NotPrincipal(Principal),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActionClause {
    Action(Values),
    NotAction(Values),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResourceClause {
    Resource(Values),
    NotResource(Values),
}

/// `"*"` or a map of principal type to identifiers, in written order.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    Any,
    Typed(Vec<(PrincipalType, Values)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PrincipalType {
    #[serde(rename = "AWS")]
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalType {
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
    pub blocks: Vec<ConditionBlock>,
}

/// One operator with its keys, e.g. `"ForAnyValue:StringLikeIfExists": {…}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionBlock {
    pub operator: ConditionOperator,
    pub entries: Vec<ConditionEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConditionEntry {
    /// As written; condition key names are case-insensitive.
    pub key: String,
    pub values: Values<ConditionValue>,
    pub span: Span,
}

/// A parsed operator name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    pub qualifier: Option<SetQualifier>,
    /// The base operator without qualifier or `IfExists`, e.g. `StringLike`, as written.
    pub base: String,
    pub if_exists: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

/// A condition value as written: JSON allows strings, booleans and numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConditionValue {
    String(String),
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
