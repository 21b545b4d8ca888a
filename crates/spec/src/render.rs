//! Rendering: the definitions as they apply to one account (variables substituted, references
//! resolved to ARNs, the managed marker tag added), and the SCPs with their attachment points.

use std::collections::BTreeMap;

use serde::Serialize;
use warden_policy::{Arn, Partition};

use crate::defs::{
    Exception, Location, ManagedPolicy, PolicyRef, Role, StatementSource, Targeted, Template,
};
use crate::err::{SpecError, SpecErrorKind, SpecErrors};
use crate::load::Definitions;
use crate::model::Kind;
use crate::org::{Account, Organization};
use crate::statements::{document_json, pos_at_path};
use crate::var_check::{FoundRef, precise_location};
use crate::yaml::{Node, Pos, Value};
use crate::{target, vars};

/// A policy document ready to compare or send: JSON as Warden will write it, the parsed model,
/// and where each statement came from (index-aligned with `parsed.statements`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderedDocument {
    pub json: serde_json::Value,
    #[serde(skip)]
    pub parsed: warden_policy::PolicyDocument,
    pub statements: Vec<StatementOrigin>,
}

impl RenderedDocument {
    /// Justification of each statement that has a Sid.
    pub fn justifications(&self) -> BTreeMap<String, String> {
        self.statements
            .iter()
            .filter_map(|s| Some((s.sid.clone()?, s.justification.clone()?)))
            .collect()
    }

    /// Where the statement with this Sid is written.
    pub fn statement_location(&self, sid: &str) -> Option<&Location> {
        self.statements
            .iter()
            .find(|s| s.sid.as_deref() == Some(sid))
            .map(|s| &s.location)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementOrigin {
    pub sid: Option<String>,
    pub justification: Option<String>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderedRole {
    pub name: String,
    pub path: String,
    pub description: Option<String>,
    pub trust: RenderedDocument,
    /// Inline policies by name, in written order.
    pub inline: Vec<(String, RenderedDocument)>,
    /// Warden policies resolved to `arn:<partition>:iam::<account>:policy<path><name>`, and ARNs
    /// as written.
    pub managed_policy_arns: Vec<String>,
    pub boundary_arn: Option<String>,
    /// Tags including the managed marker.
    pub tags: BTreeMap<String, String>,
    pub max_session_duration: u32,
    pub source: Location,
    pub exceptions: Vec<Exception>,
    /// Statement justifications by Sid, over the trust and inline policies.
    pub justifications: BTreeMap<String, String>,
    /// The organization's partition, for [`RenderedRole::arn`] (not part of the output).
    #[serde(skip)]
    pub partition: Partition,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderedManagedPolicy {
    /// `ManagedPolicy` or `Boundary`.
    pub kind: Kind,
    pub name: String,
    pub path: String,
    pub arn: String,
    pub description: Option<String>,
    pub document: RenderedDocument,
    pub tags: BTreeMap<String, String>,
    pub source: Location,
    pub exceptions: Vec<Exception>,
}

/// Everything Warden manages in one account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderedAccount {
    pub account: Account,
    pub roles: Vec<RenderedRole>,
    pub policies: Vec<RenderedManagedPolicy>,
    /// Boundaries are customer managed policies in the account too.
    pub boundaries: Vec<RenderedManagedPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenderedScp {
    pub name: String,
    pub description: Option<String>,
    pub document: RenderedDocument,
    /// Root, OU or account ids to attach to (see [`target::scp_attachment_ids`]).
    pub target_ids: Vec<String>,
    pub tags: BTreeMap<String, String>,
    pub source: Location,
    pub exceptions: Vec<Exception>,
}

/// Substitutes variables with the values of one context, collecting every missing one.
struct Renderer<'a> {
    definitions: &'a Definitions,
    values: BTreeMap<String, String>,
    /// Account id for messages; `None` for the organization (SCPs).
    account: Option<String>,
    errors: Vec<SpecError>,
}

impl Renderer<'_> {
    fn text(&mut self, file: &str, pos: Pos, text: &str) -> String {
        match vars::substitute(text, &self.values) {
            Ok(out) => out,
            Err(missing) => {
                for var in missing {
                    let found = FoundRef {
                        file: file.to_owned(),
                        pos,
                        scalar: text.to_owned(),
                        char_offset: var.char_offset,
                        result: Ok(var.name.clone()),
                    };
                    let location = precise_location(self.definitions.file_text(file), &found);
                    let kind = match &self.account {
                        Some(account) => SpecErrorKind::MissingVariable {
                            name: var.name,
                            account: account.clone(),
                        },
                        None => SpecErrorKind::AccountVariableInScp { name: var.name },
                    };
                    self.errors.push(SpecError::new(location, kind));
                }
                text.to_owned()
            }
        }
    }

    fn template(&mut self, template: Option<&Template>) -> Option<String> {
        let template = template?;
        let pos = Pos {
            line: template.location.line,
            column: template.location.column,
        };
        Some(self.text(&template.location.file, pos, &template.text))
    }

    fn tags(
        &mut self,
        tags: &BTreeMap<String, Template>,
        marker: bool,
    ) -> BTreeMap<String, String> {
        let mut out: BTreeMap<String, String> = tags
            .iter()
            .map(|(key, value)| (key.clone(), self.template(Some(value)).unwrap_or_default()))
            .collect();
        if marker {
            let marker = &self.definitions.config.managed_marker;
            out.insert(marker.key.clone(), marker.value.clone());
        }
        out
    }

    fn node_json(&mut self, file: &str, node: &Node) -> serde_json::Value {
        match &node.value {
            Value::Str(text) => serde_json::Value::String(self.text(file, node.pos, text)),
            Value::Seq(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(|item| self.node_json(file, item))
                    .collect(),
            ),
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .filter(|(key, _)| key.text != "justification")
                    .map(|(key, value)| {
                        (
                            self.text(file, key.pos, &key.text),
                            self.node_json(file, value),
                        )
                    })
                    .collect(),
            ),
            _ => node.to_json(),
        }
    }

    fn document(&mut self, statements: &[StatementSource]) -> Option<RenderedDocument> {
        let before = self.errors.len();
        let rendered: Vec<StatementSource> = statements
            .iter()
            .map(|statement| StatementSource {
                json: self.node_json(&statement.location.file, &statement.node),
                ..statement.clone()
            })
            .collect();
        if self.errors.len() > before {
            return None;
        }
        let json = document_json(&rendered);
        let origins = statements
            .iter()
            .map(|s| StatementOrigin {
                sid: s.sid.clone(),
                justification: s.justification.clone(),
                location: s.location.clone(),
            })
            .collect();
        match warden_policy::parse_value(&json) {
            Ok(parsed) => Some(RenderedDocument {
                json,
                parsed,
                statements: origins,
            }),
            Err(errors) => {
                for error in errors.iter() {
                    let pos = pos_at_path(statements, &error.path).unwrap_or_default();
                    let file = statements.first().map_or("", |s| s.location.file.as_str());
                    let message = format!(
                        "after substituting variables: `{}`: {}",
                        error.path, error.kind
                    );
                    self.errors.push(SpecError::new(
                        Location::new(file, pos),
                        SpecErrorKind::InvalidStatement { message },
                    ));
                }
                None
            }
        }
    }
}

impl Definitions {
    /// Whether any definition selects or excludes accounts by tag: only then does the
    /// inventory need each account's tags (Organizations has no bulk tag read: one
    /// ListTagsForResource per account, and it throttles hard).
    pub fn targets_by_tag(&self) -> bool {
        let uses = |targets: Option<&crate::defs::Targets>| {
            targets.is_some_and(|t| !t.include.tags.is_empty() || !t.exclude.tags.is_empty())
        };
        self.roles.iter().any(|d| uses(d.targets()))
            || self.managed_policies.iter().any(|d| uses(d.targets()))
            || self.boundaries.iter().any(|d| uses(d.targets()))
            || self.scps.iter().any(|d| uses(d.targets()))
    }

    /// Whether a definition applies to the account. Policies and boundaries without targets
    /// apply where a role that uses them applies.
    pub fn targets_account(
        &self,
        def: &impl Targeted,
        account: &Account,
        org: &Organization,
    ) -> bool {
        if let Some(targets) = def.targets() {
            return target::targets_account(targets, account, org);
        }
        let name = def.name();
        let kind = def.kind();
        self.roles.iter().any(|role| {
            let uses = match kind {
                Kind::Boundary => role.boundary.as_ref().is_some_and(|b| b.value.eq_ignore_ascii_case(name)),
                Kind::ManagedPolicy => role.managed_policies.iter().any(|r| matches!(r, PolicyRef::Warden { name: n, .. } if n.eq_ignore_ascii_case(name))),
                Kind::Role | Kind::Scp => false,
            };
            uses && target::targets_account(&role.targets, account, org)
        })
    }

    /// Variable values for an account: built-ins, then global < `Project`/`Environment` account
    /// tags (for `project`/`environment`) < OU paths from outer to inner < the account.
    pub fn variables_for_account(
        &self,
        org: &Organization,
        account: &Account,
    ) -> BTreeMap<String, String> {
        let variables = &self.config.variables;
        let mut values = variables.global.clone();
        for (tag, name) in [("Project", "project"), ("Environment", "environment")] {
            if let Some(value) = account.tags.get(tag) {
                values.insert(name.to_owned(), value.clone());
            }
        }
        let mut ou_levels: Vec<(&String, &BTreeMap<String, String>)> = variables
            .ous
            .iter()
            .filter(|(path, _)| {
                account.ou_path == **path || account.ou_path.starts_with(&format!("{path}/"))
            })
            .collect();
        ou_levels.sort_by_key(|(path, _)| path.matches('/').count());
        for (_, level) in ou_levels {
            values.extend(level.clone());
        }
        // Keyed by account id, or by name (ids change when an account is recreated, e.g. in
        // an emulator; names are what people write).
        let level = variables
            .accounts
            .get(&account.id)
            .or_else(|| variables.accounts.get(&account.name));
        if let Some(level) = level {
            values.extend(level.clone());
        }
        values.insert("account_id".into(), account.id.clone());
        values.insert("account_name".into(), account.name.clone());
        values.insert("org_id".into(), org.id.clone());
        values.insert("region".into(), self.config.home_region.clone());
        values.insert("partition".into(), self.partition().to_string());
        values
    }

    /// The organization's partition, from its home region (`us-gov-west-1` → `aws-us-gov`).
    pub fn partition(&self) -> Partition {
        Partition::for_region(&self.config.home_region)
    }

    /// The ARN of a customer managed policy in an account, in the organization's partition.
    pub fn policy_arn(&self, account_id: &str, path: &str, name: &str) -> String {
        Arn::managed_policy(self.partition(), account_id, path, name).to_string()
    }

    /// Roles, managed policies and boundaries for one account.
    pub fn render_for_account(
        &self,
        org: &Organization,
        account: &Account,
    ) -> Result<RenderedAccount, SpecErrors> {
        let mut renderer = Renderer {
            definitions: self,
            values: self.variables_for_account(org, account),
            account: Some(account.id.clone()),
            errors: Vec::new(),
        };
        let roles: Vec<&Role> = self
            .roles
            .iter()
            .filter(|role| self.targets_account(*role, account, org))
            .collect();
        for role in &roles {
            self.check_deployed(role, account, org, &mut renderer.errors);
        }
        let rendered_roles = roles
            .iter()
            .filter_map(|role| self.render_role(role, &account.id, &mut renderer))
            .collect();
        let policies = self.render_policies(&self.managed_policies, account, org, &mut renderer);
        let boundaries = self.render_policies(&self.boundaries, account, org, &mut renderer);
        let errors = SpecErrors {
            errors: renderer.errors,
        };
        errors.into_result(RenderedAccount {
            account: account.clone(),
            roles: rendered_roles,
            policies,
            boundaries,
        })
    }

    /// A role may only use policies and boundaries that are deployed to the same account.
    fn check_deployed(
        &self,
        role: &Role,
        account: &Account,
        org: &Organization,
        errors: &mut Vec<SpecError>,
    ) {
        let mut used: Vec<(&ManagedPolicy, &Location)> = Vec::new();
        for reference in &role.managed_policies {
            if let PolicyRef::Warden { name, location } = reference
                && let Some(policy) = self.managed_policy(name)
            {
                used.push((policy, location));
            }
        }
        if let Some(boundary) = &role.boundary
            && let Some(policy) = self.boundary(&boundary.value)
        {
            used.push((policy, &boundary.location));
        }
        for (policy, location) in used {
            if !self.targets_account(policy, account, org) {
                let what = if policy.kind == Kind::Boundary {
                    "boundary"
                } else {
                    "managed policy"
                };
                errors.push(SpecError::new(
                    location.clone(),
                    SpecErrorKind::NotDeployed {
                        what,
                        name: policy.name.clone(),
                        account: account.id.clone(),
                    },
                ));
            }
        }
    }

    fn render_role(
        &self,
        role: &Role,
        account_id: &str,
        renderer: &mut Renderer<'_>,
    ) -> Option<RenderedRole> {
        let trust = renderer.document(&role.trust);
        let inline: Vec<(String, Option<RenderedDocument>)> = role
            .inline_policies
            .iter()
            .map(|policy| (policy.name.clone(), renderer.document(&policy.statements)))
            .collect();
        let managed_policy_arns = role
            .managed_policies
            .iter()
            .map(|reference| match reference {
                PolicyRef::Warden { name, .. } => match self.managed_policy(name) {
                    Some(policy) => self.policy_arn(account_id, &policy.path, &policy.name),
                    None => name.clone(),
                },
                PolicyRef::Arn { arn, location } => renderer.text(
                    &location.file,
                    Pos {
                        line: location.line,
                        column: location.column,
                    },
                    arn,
                ),
            })
            .collect();
        let boundary_arn = role
            .boundary
            .as_ref()
            .and_then(|b| self.boundary(&b.value))
            .map(|b| self.policy_arn(account_id, &b.path, &b.name));
        let description = renderer.template(role.description.as_ref());
        let tags = renderer.tags(&role.tags, true);
        let trust = trust?;
        let inline: Vec<(String, RenderedDocument)> = inline
            .into_iter()
            .map(|(name, doc)| Some((name, doc?)))
            .collect::<Option<_>>()?;
        let mut justifications = trust.justifications();
        for (_, document) in &inline {
            justifications.extend(document.justifications());
        }
        Some(RenderedRole {
            name: role.name.clone(),
            path: role.path.clone(),
            description,
            trust,
            inline,
            managed_policy_arns,
            boundary_arn,
            tags,
            max_session_duration: role.max_session_duration,
            source: role.source.clone(),
            exceptions: role.exceptions.clone(),
            justifications,
            partition: self.partition(),
        })
    }

    fn render_policies(
        &self,
        policies: &[ManagedPolicy],
        account: &Account,
        org: &Organization,
        renderer: &mut Renderer<'_>,
    ) -> Vec<RenderedManagedPolicy> {
        policies
            .iter()
            .filter(|policy| self.targets_account(*policy, account, org))
            .filter_map(|policy| {
                let description = renderer.template(policy.description.as_ref());
                let tags = renderer.tags(&policy.tags, true);
                let document = renderer.document(&policy.statements)?;
                Some(RenderedManagedPolicy {
                    kind: policy.kind,
                    name: policy.name.clone(),
                    path: policy.path.clone(),
                    arn: self.policy_arn(&account.id, &policy.path, &policy.name),
                    description,
                    document,
                    tags,
                    source: policy.source.clone(),
                    exceptions: policy.exceptions.clone(),
                })
            })
            .collect()
    }

    /// SCPs, rendered once for the organization, with the ids to attach them to. Only
    /// organization-wide variables (`org_id`, `region`, global ones) are available.
    pub fn render_scps(&self, org: &Organization) -> Result<Vec<RenderedScp>, SpecErrors> {
        let mut values = self.config.variables.global.clone();
        values.insert("org_id".into(), org.id.clone());
        values.insert("region".into(), self.config.home_region.clone());
        values.insert("partition".into(), self.partition().to_string());
        let mut renderer = Renderer {
            definitions: self,
            values,
            account: None,
            errors: Vec::new(),
        };
        let scps = self
            .scps
            .iter()
            .filter_map(|scp| {
                let description = renderer.template(scp.description.as_ref());
                let tags = renderer.tags(&scp.tags, true);
                let document = renderer.document(&scp.statements)?;
                Some(RenderedScp {
                    name: scp.name.clone(),
                    description,
                    document,
                    target_ids: target::scp_attachment_ids(&scp.targets, org),
                    tags,
                    source: scp.source.clone(),
                    exceptions: scp.exceptions.clone(),
                })
            })
            .collect();
        SpecErrors {
            errors: renderer.errors,
        }
        .into_result(scps)
    }
}

impl RenderedRole {
    /// The role's ARN in `account_id`, in the organization's partition.
    pub fn arn(&self, account_id: &str) -> String {
        Arn::role(self.partition, account_id, &self.path, &self.name).to_string()
    }
}

#[cfg(test)]
mod partition_tests {
    use std::collections::BTreeMap;

    use crate::load::Definitions;
    use crate::org::{Account, AccountStatus, Organization};

    const CONFIG: &str = r#"organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_EXTERNAL_ID
regions:
  allowed: [HOME]
  home: HOME
tags:
  managed_marker:
    key: "warden:managed"
    value: "true"
"#;

    const ROLE: &str = r#"kind: Role
name: app
path: /team/
description: App role.
targets:
  accounts: [workload]
boundary: limit
managed_policies: [reader]
trust:
  - Effect: Allow
    Principal:
      AWS: "arn:${partition}:iam::${account_id}:root"
    Action: sts:AssumeRole
inline_policies:
  read:
    - Effect: Allow
      Action: s3:GetObject
      Resource: "arn:${partition}:s3:::bucket-${region}/*"
"#;

    const POLICY: &str = r#"kind: ManagedPolicy
name: reader
targets:
  accounts: [workload]
statements:
  - Effect: Allow
    Action: s3:ListBucket
    Resource: "arn:${partition}:s3:::bucket"
"#;

    const BOUNDARY: &str = r#"kind: Boundary
name: limit
targets:
  accounts: [workload]
statements:
  - Effect: Allow
    Action: s3:*
    Resource: "*"
"#;

    fn org() -> Organization {
        Organization {
            id: "o-a1b2c3d4e5".into(),
            management_account_id: "123456789012".into(),
            root_id: "r-a1b2".into(),
            accounts: vec![Account {
                id: "210987654321".into(),
                name: "workload".into(),
                email: None,
                status: AccountStatus::Active,
                parent_id: "r-a1b2".into(),
                ou_path: "Root".into(),
                tags: BTreeMap::new(),
            }],
            organizational_units: Vec::new(),
        }
    }

    fn load(home: &str) -> Definitions {
        let dir = tempfile::tempdir().unwrap();
        let write = |path: &str, text: &str| {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("warden.yaml", &CONFIG.replace("HOME", home));
        write("policies/app.yaml", ROLE);
        write("policies/reader.yaml", POLICY);
        write("boundaries/limit.yaml", BOUNDARY);
        Definitions::load(dir.path()).unwrap()
    }

    #[test]
    fn partition_follows_the_home_region() {
        for (home, partition) in [
            ("us-east-1", "aws"),
            ("us-gov-west-1", "aws-us-gov"),
            ("cn-north-1", "aws-cn"),
            ("eusc-de-east-1", "aws-eusc"),
        ] {
            let definitions = load(home);
            let org = org();
            let account = &org.accounts[0];
            assert_eq!(
                definitions.variables_for_account(&org, account)["partition"],
                partition
            );
            let rendered = definitions.render_for_account(&org, account).unwrap();
            let role = &rendered.roles[0];
            assert_eq!(
                role.arn("210987654321"),
                format!("arn:{partition}:iam::210987654321:role/team/app")
            );
            assert_eq!(
                role.managed_policy_arns,
                [format!("arn:{partition}:iam::210987654321:policy/reader")]
            );
            assert_eq!(
                role.boundary_arn.as_deref(),
                Some(format!("arn:{partition}:iam::210987654321:policy/limit").as_str())
            );
            assert_eq!(
                rendered.policies[0].arn,
                format!("arn:{partition}:iam::210987654321:policy/reader")
            );
            let trust = serde_json::to_string(&role.trust.json).unwrap();
            assert!(
                trust.contains(&format!("arn:{partition}:iam::210987654321:root")),
                "{trust}"
            );
            let inline = serde_json::to_string(&role.inline[0].1.json).unwrap();
            assert!(
                inline.contains(&format!("arn:{partition}:s3:::bucket-{home}/*")),
                "{inline}"
            );
        }
    }
}
