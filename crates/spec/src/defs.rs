//! Loaded definitions: checked, with names resolved and the source location of every definition
//! and statement. Variables are still unsubstituted; [`crate::render`] fills them per account.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::model::Kind;
use crate::yaml::{Node, Pos};

/// A place in a definition file. `file` is relative to the repository root, with `/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: String,
    /// 1-based; 0 when the error concerns the whole file.
    pub line: u32,
    pub column: u32,
}

impl Location {
    pub fn new(file: &str, pos: Pos) -> Self {
        Location {
            file: file.to_owned(),
            line: pos.line,
            column: pos.column,
        }
    }

    pub fn file_only(file: &str) -> Self {
        Location {
            file: file.to_owned(),
            line: 0,
            column: 0,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// A value with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    pub value: T,
    pub location: Location,
}

/// `warden.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    pub management_account_id: String,
    pub organization_id: Option<String>,
    /// Role Warden assumes in each member account.
    pub access_role_name: String,
    /// Name of the environment variable holding the ExternalId (the value is never stored).
    pub external_id_env: String,
    /// `access.trusted_principals`: what the access role's trust may name besides the
    /// management account (account ids or exact IAM role or user ARNs).
    pub access_trusted_principals: Vec<String>,
    pub allowed_regions: Vec<String>,
    pub home_region: String,
    pub concurrency: u32,
    pub variables: Variables,
    pub managed_marker: Tag,
    pub required_tags: Vec<String>,
    /// Roles that may have no permission boundary.
    pub admin_roles: Vec<String>,
    /// Accounts outside the organization that roles may trust.
    pub trusted_accounts: Vec<TrustedAccount>,
    /// Posture thresholds set in `warden.yaml`; `None` keeps the rule's default.
    pub posture: PostureThresholds,
    pub source: Location,
}

/// Thresholds of the live posture rules, as set in `warden.yaml` (`None`: the default).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PostureThresholds {
    pub access_key_max_age_days: Option<u32>,
    pub access_key_unused_days: Option<u32>,
    pub role_unused_days: Option<u32>,
    pub password_min_length: Option<u32>,
    pub password_max_age_days: Option<u32>,
    pub password_reuse_prevention: Option<u32>,
}

/// An account outside the organization listed in `warden.yaml` as one roles may trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustedAccount {
    pub id: String,
    pub name: String,
    pub reason: String,
    pub location: Location,
}

impl Config {
    /// Whether `role_name` is an admin role (IAM names are case-insensitive).
    pub fn is_admin_role(&self, role_name: &str) -> bool {
        self.admin_roles
            .iter()
            .any(|admin| admin.eq_ignore_ascii_case(role_name))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// User variables by level.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Variables {
    pub global: BTreeMap<String, String>,
    /// OU path → variables.
    pub ous: BTreeMap<String, BTreeMap<String, String>>,
    /// Account id or name → variables.
    pub accounts: BTreeMap<String, BTreeMap<String, String>>,
}

/// Where a definition applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Targets {
    pub include: Selectors,
    pub exclude: Selectors,
    pub location: Location,
}

/// Selectors of accounts, combined with OR.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Selectors {
    pub accounts: Vec<Sourced<AccountSelector>>,
    pub ous: Vec<Sourced<OuSelector>>,
    pub tags: Vec<Sourced<Tag>>,
}

impl Selectors {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.ous.is_empty() && self.tags.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum AccountSelector {
    Id(String),
    Name(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum OuSelector {
    /// `ou-…` or the root `r-…`.
    Id(String),
    /// `Root/Workloads/Prod`: the OU and everything below it.
    Path(String),
}

/// A documented exception to a lint rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exception {
    pub rule: String,
    /// The statement it covers; `None`: the whole definition.
    pub sid: Option<String>,
    pub reason: String,
    pub owner: String,
    /// Last day the exception holds.
    pub expires: time::Date,
    pub location: Location,
}

/// One statement as written, before variables are substituted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementSource {
    pub sid: Option<String>,
    pub justification: Option<String>,
    pub location: Location,
    /// The IAM elements as JSON (no `justification`), variables not yet substituted.
    pub json: serde_json::Value,
    #[serde(skip)]
    pub(crate) node: Node,
}

/// An inline policy of a role.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InlinePolicy {
    pub name: String,
    pub statements: Vec<StatementSource>,
    pub location: Location,
}

/// A managed policy attached to a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PolicyRef {
    /// A customer managed policy defined in `policies/`.
    Warden { name: String, location: Location },
    /// An ARN, e.g. an AWS managed policy.
    Arn { arn: String, location: Location },
}

/// A text that may contain variables (descriptions, tag values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    pub text: String,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Role {
    pub name: String,
    pub path: String,
    pub description: Option<Template>,
    pub targets: Targets,
    pub trust: Vec<StatementSource>,
    pub inline_policies: Vec<InlinePolicy>,
    pub managed_policies: Vec<PolicyRef>,
    /// Name of a boundary in `boundaries/`, with where it is referenced.
    pub boundary: Option<Sourced<String>>,
    pub tags: BTreeMap<String, Template>,
    /// Seconds.
    pub max_session_duration: u32,
    pub exceptions: Vec<Exception>,
    pub source: Location,
}

/// A customer managed policy or a permission boundary (`kind` tells which).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManagedPolicy {
    pub kind: Kind,
    pub name: String,
    pub path: String,
    pub description: Option<Template>,
    /// `None`: deployed wherever a role that uses it is deployed.
    pub targets: Option<Targets>,
    pub statements: Vec<StatementSource>,
    pub tags: BTreeMap<String, Template>,
    pub exceptions: Vec<Exception>,
    pub source: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scp {
    pub name: String,
    pub description: Option<Template>,
    pub targets: Targets,
    pub statements: Vec<StatementSource>,
    pub tags: BTreeMap<String, Template>,
    pub exceptions: Vec<Exception>,
    pub source: Location,
}

/// Anything with targets, for [`crate::Definitions::targets_account`].
pub trait Targeted {
    fn kind(&self) -> Kind;
    fn name(&self) -> &str;
    /// `None`: follows the roles that reference it.
    fn targets(&self) -> Option<&Targets>;
}

impl Targeted for Role {
    fn kind(&self) -> Kind {
        Kind::Role
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn targets(&self) -> Option<&Targets> {
        Some(&self.targets)
    }
}

impl Targeted for ManagedPolicy {
    fn kind(&self) -> Kind {
        self.kind
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn targets(&self) -> Option<&Targets> {
        self.targets.as_ref()
    }
}

impl Targeted for Scp {
    fn kind(&self) -> Kind {
        Kind::Scp
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn targets(&self) -> Option<&Targets> {
        Some(&self.targets)
    }
}
