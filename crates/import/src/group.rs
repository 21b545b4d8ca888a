//! Grouping live objects alike across accounts and choosing their targets.

use std::collections::{BTreeMap, BTreeSet};

use warden_live::{LiveAccount, LiveManagedPolicy, LiveRole, LiveScp};
use warden_spec::org::Organization;

use crate::yaml;

/// What import looks at and what it must leave alone.
#[derive(Debug, Clone, Copy)]
pub struct ImportInput<'a> {
    pub organization: &'a Organization,
    /// Member accounts' live IAM, as read (snapshot or AWS).
    pub accounts: &'a [LiveAccount],
    /// The organization's SCPs with their targets.
    pub scps: &'a [LiveScp],
    /// The role Warden signs in with: never imported.
    pub access_role: &'a str,
    /// The managed marker tag (key, value) and its description form (`[key=value]`).
    pub marker: (&'a str, &'a str),
    /// Names the repository already defines, as `role:name`, `policy:name`, `scp:name`
    /// (lowercase; boundaries count as policies).
    pub defined: &'a BTreeSet<String>,
    /// Relative paths of files that already exist: never overwritten.
    pub existing_files: &'a BTreeSet<String>,
    /// `YYYY-MM-DD`, written into every justification.
    pub today: &'a str,
    /// The organization's home region (`warden.yaml`): in ARNs it becomes `${region}`, and its
    /// partition `${partition}`, which is what the spec renders them back to.
    pub region: &'a str,
}

/// One definition file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFile {
    /// Relative to the repository root, e.g. `policies/deployer.yaml`.
    pub path: String,
    /// `role`, `policy`, `boundary`, `scp`.
    pub kind: &'static str,
    pub name: String,
    /// Accounts it was found in (empty for SCPs).
    pub accounts: Vec<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub kind: &'static str,
    pub name: String,
    pub account: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub files: Vec<ImportedFile>,
    pub skipped: Vec<Skipped>,
}

/// The role IAM Organizations creates in every account it creates.
const ORGANIZATION_ACCESS_ROLE: &str = "OrganizationAccountAccessRole";

/// Imports everything Warden does not manage. Deterministic: same input, same files.
pub fn import(input: &ImportInput<'_>) -> Imported {
    let mut out = Imported::default();
    let mut roles: BTreeMap<String, Vec<(&LiveAccount, &LiveRole)>> = BTreeMap::new();
    let mut policies: BTreeMap<String, Vec<(&LiveAccount, &LiveManagedPolicy)>> = BTreeMap::new();
    let mark = format!("[{}={}]", input.marker.0, input.marker.1);
    for account in input.accounts {
        for role in &account.roles {
            let skip = if role.is_service_linked() {
                Some("service-linked role (AWS manages it)")
            } else if role.is_sso_reserved() {
                Some("IAM Identity Center role (AWS manages it)")
            } else if role.name.eq_ignore_ascii_case(input.access_role) {
                Some("the access role Warden signs in with")
            } else if role.name == ORGANIZATION_ACCESS_ROLE {
                Some("the organization's admin role")
            } else if role.tags.get(input.marker.0).map(String::as_str) == Some(input.marker.1) {
                Some("already managed by Warden")
            } else {
                None
            };
            match skip {
                Some(reason) => {
                    out.skipped
                        .push(skipped("role", &role.name, Some(account), reason))
                }
                None => roles
                    .entry(role.name.clone())
                    .or_default()
                    .push((account, role)),
            }
        }
        for policy in &account.policies {
            let managed = policy.tags.get(input.marker.0).map(String::as_str)
                == Some(input.marker.1)
                || policy
                    .description
                    .as_deref()
                    .is_some_and(|d| d.contains(&mark));
            if managed {
                out.skipped.push(skipped(
                    "policy",
                    &policy.name,
                    Some(account),
                    "already managed by Warden",
                ));
            } else {
                policies
                    .entry(policy.name.clone())
                    .or_default()
                    .push((account, policy));
            }
        }
    }
    for (name, found) in &policies {
        let boundary = found.iter().any(|(account, policy)| {
            policy.permissions_boundary_usage_count > 0
                || account
                    .roles
                    .iter()
                    .any(|role| role.permissions_boundary_arn.as_deref() == Some(&policy.arn))
        });
        let kind = if boundary { "boundary" } else { "policy" };
        let dir = if boundary { "boundaries" } else { "policies" };
        let file = if boundary {
            format!("{dir}/{name}.yaml")
        } else {
            format!("{dir}/{name}.policy.yaml")
        };
        let variants = variants(found, |account, policy| {
            yaml::policy_key(input, account, policy)
        });
        emit(
            input,
            &mut out,
            kind,
            name,
            &file,
            variants,
            |accounts, (account, policy)| {
                yaml::policy(
                    input,
                    accounts,
                    kind,
                    account,
                    policy,
                    &targets(input.organization, accounts),
                )
            },
        );
    }
    for (name, found) in &roles {
        let file = format!("policies/{name}.yaml");
        let variants = variants(found, |account, role| yaml::role_key(input, account, role));
        emit(
            input,
            &mut out,
            "role",
            name,
            &file,
            variants,
            |accounts, (account, role)| {
                yaml::role(
                    input,
                    accounts,
                    account,
                    role,
                    &targets(input.organization, accounts),
                )
            },
        );
    }
    for scp in input.scps {
        if scp.aws_managed {
            out.skipped
                .push(skipped("scp", &scp.name, None, "AWS managed"));
            continue;
        }
        if scp.description.contains(&mark) {
            out.skipped
                .push(skipped("scp", &scp.name, None, "already managed by Warden"));
            continue;
        }
        let file = format!("scps/{}.yaml", scp.name);
        if let Some(reason) = taken(input, "scp", &scp.name, &file) {
            out.skipped.push(skipped("scp", &scp.name, None, &reason));
            continue;
        }
        out.files.push(ImportedFile {
            path: file,
            kind: "scp",
            name: scp.name.clone(),
            accounts: Vec::new(),
            text: yaml::scp(input, scp),
        });
    }
    out.files.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The same name's variants, most accounts first: (accounts, one representative).
type Variants<'a, T> = Vec<(Vec<String>, (&'a LiveAccount, &'a T))>;

fn variants<'a, T>(
    found: &[(&'a LiveAccount, &'a T)],
    key: impl Fn(&LiveAccount, &T) -> String,
) -> Variants<'a, T> {
    let mut by_key: BTreeMap<String, (Vec<String>, (&'a LiveAccount, &'a T))> = BTreeMap::new();
    for &(account, object) in found {
        by_key
            .entry(key(account, object))
            .or_insert_with(|| (Vec::new(), (account, object)))
            .0
            .push(account.account_id.clone());
    }
    let mut variants: Variants<'a, T> = by_key.into_values().collect();
    variants.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    variants
}

fn emit<'a, T>(
    input: &ImportInput<'_>,
    out: &mut Imported,
    kind: &'static str,
    name: &str,
    file: &str,
    variants: Variants<'a, T>,
    render: impl Fn(&[String], (&'a LiveAccount, &'a T)) -> String,
) {
    let defined_kind = if kind == "boundary" { "policy" } else { kind };
    if let Some(reason) = taken(input, defined_kind, name, file) {
        for (accounts, _) in &variants {
            for account in accounts {
                out.skipped.push(Skipped {
                    kind,
                    name: name.to_owned(),
                    account: Some(account.clone()),
                    reason: reason.clone(),
                });
            }
        }
        return;
    }
    let mut variants = variants.into_iter();
    let Some((accounts, first)) = variants.next() else {
        return;
    };
    for (others, _) in variants {
        for account in others {
            out.skipped.push(Skipped {
                kind,
                name: name.to_owned(),
                account: Some(account),
                reason: "differs from the imported variant; stays a conflict until a definition matches it".into(),
            });
        }
    }
    out.files.push(ImportedFile {
        path: file.to_owned(),
        kind,
        name: name.to_owned(),
        text: render(&accounts, first),
        accounts,
    });
}

/// Why `name` or `file` cannot be written: the repository defines it already.
fn taken(input: &ImportInput<'_>, kind: &str, name: &str, file: &str) -> Option<String> {
    if input
        .defined
        .contains(&format!("{kind}:{}", name.to_ascii_lowercase()))
    {
        return Some("the repository already defines it".into());
    }
    if input.existing_files.contains(file) {
        return Some(format!("`{file}` exists; never overwritten"));
    }
    None
}

fn skipped(kind: &'static str, name: &str, account: Option<&LiveAccount>, reason: &str) -> Skipped {
    Skipped {
        kind,
        name: name.to_owned(),
        account: account.map(|a| a.account_id.clone()),
        reason: reason.to_owned(),
    }
}

/// `ous: [path]` for the OU (or the root) whose active member accounts are exactly `accounts`,
/// else the account ids.
pub(crate) fn targets(organization: &Organization, accounts: &[String]) -> Targets {
    let wanted: BTreeSet<&str> = accounts.iter().map(String::as_str).collect();
    let mut paths: BTreeSet<&str> = organization
        .organizational_units
        .iter()
        .map(|ou| ou.path.as_str())
        .collect();
    paths.insert("Root");
    let members = |path: &str| -> BTreeSet<&str> {
        organization
            .accounts
            .iter()
            .filter(|a| a.id != organization.management_account_id)
            .filter(|a| a.ou_path == path || a.ou_path.starts_with(&format!("{path}/")))
            .map(|a| a.id.as_str())
            .collect()
    };
    // The deepest OU that covers exactly these accounts.
    let best = paths
        .into_iter()
        .filter(|path| members(path) == wanted)
        .max_by_key(|path| path.matches('/').count());
    match best {
        Some(path) => Targets::Ous(vec![path.to_owned()]),
        None => Targets::Accounts(accounts.to_vec()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Targets {
    Ous(Vec<String>),
    Accounts(Vec<String>),
}
