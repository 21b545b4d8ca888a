//! Definition files as text: YAML whose statements are JSON flow mappings (YAML reads JSON as
//! is), so documents come back exactly as IAM holds them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;
use warden_live::{LiveAccount, LiveManagedPolicy, LiveRole, LiveScp};
use warden_policy::{Arn, Partition};

use crate::group::{ImportInput, Targets};

/// What becomes a variable in imported text, so one definition fits every account and renders
/// back to the live text: the account's own id (`${account_id}`), and in ARNs the
/// organization's partition (`${partition}`) and home region (`${region}`), which is what the
/// spec's built-ins resolve to (`warden_spec::vars::BUILTIN`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Generalize<'a> {
    pub account_id: &'a str,
    pub partition: &'a str,
    pub region: &'a str,
}

impl<'a> Generalize<'a> {
    pub(crate) fn new(input: &ImportInput<'a>, account: &'a LiveAccount) -> Generalize<'a> {
        Generalize {
            account_id: &account.account_id,
            partition: Partition::for_region(input.region).as_str(),
            region: input.region,
        }
    }

    /// One string: the account id anywhere, the partition and region where it is an ARN's.
    pub(crate) fn text(&self, text: &str) -> String {
        let text = if self.account_id.is_empty() {
            text.to_owned()
        } else {
            text.replace(self.account_id, "${account_id}")
        };
        let Ok(mut arn) = Arn::parse(&text) else {
            return text;
        };
        let mut changed = false;
        if arn.partition == self.partition {
            arn.partition = "${partition}".to_owned();
            changed = true;
        }
        if !self.region.is_empty() && arn.region == self.region {
            arn.region = "${region}".to_owned();
            changed = true;
        }
        if changed { arn.to_string() } else { text }
    }

    /// A policy document: every string value generalized, keys and order kept.
    pub(crate) fn document(&self, text: &str) -> Value {
        let mut value = normalized(text);
        if matches!(value, Value::Object(_) | Value::Array(_)) {
            self.walk(&mut value);
        } else if let Value::String(raw) = &value {
            value = Value::String(self.text(raw));
        }
        value
    }

    fn walk(&self, value: &mut Value) {
        match value {
            Value::String(text) => *text = self.text(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.walk(item)),
            Value::Object(map) => map.values_mut().for_each(|item| self.walk(item)),
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// SCPs are rendered once for the organization: only the partition and region are variables.
fn organization_wide<'a>(input: &ImportInput<'a>) -> Generalize<'a> {
    Generalize {
        account_id: "",
        partition: Partition::for_region(input.region).as_str(),
        region: input.region,
    }
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// A customer managed policy of the same account is referenced by name, anything else (AWS
/// managed) by ARN.
fn reference(account: &LiveAccount, arn: &str) -> String {
    account
        .policies
        .iter()
        .find(|policy| policy.arn == arn)
        .map_or_else(|| arn.to_owned(), |policy| policy.name.clone())
}

pub(crate) fn role_key(input: &ImportInput<'_>, account: &LiveAccount, role: &LiveRole) -> String {
    let general = Generalize::new(input, account);
    let attached: Vec<String> = role
        .attached_policy_arns
        .iter()
        .map(|arn| general.text(&reference(account, arn)))
        .collect();
    let value = serde_json::json!({
        "path": role.path,
        "description": role.description.as_deref().map(|d| general.text(d)),
        "max": role.max_session_duration,
        "boundary": role.permissions_boundary_arn.as_deref().map(|arn| reference(account, arn)),
        "tags": general_tags(&general, &role.tags),
        "trust": general.document(&role.trust_policy),
        "inline": role.inline_policies.iter().map(|(k, v)| (k.clone(), general.document(v))).collect::<BTreeMap<_, _>>(),
        "attached": attached,
    });
    value.to_string()
}

pub(crate) fn policy_key(
    input: &ImportInput<'_>,
    account: &LiveAccount,
    policy: &LiveManagedPolicy,
) -> String {
    let general = Generalize::new(input, account);
    serde_json::json!({
        "path": policy.path,
        "description": policy.description.as_deref().map(|d| general.text(d)),
        "tags": general_tags(&general, &policy.tags),
        "document": general.document(&policy.document),
    })
    .to_string()
}

/// Parsed JSON, so whitespace does not make two accounts' documents differ.
fn normalized(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// Tag values are templates like descriptions; keys are written as they are.
fn general_tags(
    general: &Generalize<'_>,
    tags: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    tags.iter()
        .map(|(key, value)| (key.clone(), general.text(value)))
        .collect()
}

/// The statements of a generalized document, each with the import justification.
fn statements(document: Value, justification: &str) -> Vec<String> {
    let statements = match document {
        Value::Object(mut map) => match map.remove("Statement") {
            Some(Value::Array(list)) => list,
            Some(single) => vec![single],
            None => Vec::new(),
        },
        _ => Vec::new(),
    };
    statements
        .into_iter()
        .map(|mut statement| {
            if let Value::Object(map) = &mut statement {
                map.insert(
                    "justification".into(),
                    Value::String(justification.to_owned()),
                );
            }
            statement.to_string()
        })
        .collect()
}

fn justification(input: &ImportInput<'_>, accounts: &[String]) -> String {
    let from = accounts.first().map_or("the organization", String::as_str);
    format!("imported from {from} on {}; needs a reason", input.today)
}

fn header(out: &mut String, kind: &str, name: &str, input: &ImportInput<'_>, accounts: &[String]) {
    let _ = writeln!(
        out,
        "# Imported from live IAM on {} ({}). Review the justifications and exceptions.",
        input.today,
        if accounts.is_empty() {
            "organization".to_owned()
        } else {
            accounts.join(", ")
        }
    );
    let _ = writeln!(out, "kind: {kind}");
    let _ = writeln!(out, "name: {}", quoted(name));
}

fn write_targets(out: &mut String, targets: &Targets) {
    let _ = writeln!(out, "targets:");
    match targets {
        Targets::Ous(ous) => {
            let _ = writeln!(
                out,
                "  ous: [{}]",
                ous.iter().map(|o| quoted(o)).collect::<Vec<_>>().join(", ")
            );
        }
        Targets::Accounts(ids) => {
            let _ = writeln!(
                out,
                "  accounts: [{}]",
                ids.iter().map(|o| quoted(o)).collect::<Vec<_>>().join(", ")
            );
        }
    }
}

fn write_statements(out: &mut String, indent: &str, statements: &[String]) {
    for statement in statements {
        let _ = writeln!(out, "{indent}- {statement}");
    }
}

fn write_tags(out: &mut String, tags: &BTreeMap<String, String>) {
    if tags.is_empty() {
        return;
    }
    let _ = writeln!(out, "tags:");
    for (key, value) in tags {
        let _ = writeln!(out, "  {}: {}", quoted(key), quoted(value));
    }
}

pub(crate) fn role(
    input: &ImportInput<'_>,
    found_in: &[String],
    account: &LiveAccount,
    role: &LiveRole,
    targets: &Targets,
) -> String {
    let accounts = found_in.to_vec();
    let why = justification(input, &accounts);
    let general = Generalize::new(input, account);
    let mut out = String::new();
    header(&mut out, "Role", &role.name, input, &accounts);
    let _ = writeln!(out, "path: {}", quoted(&role.path));
    if let Some(description) = &role.description {
        let _ = writeln!(out, "description: {}", quoted(&general.text(description)));
    }
    write_targets(&mut out, targets);
    if let Some(boundary) = &role.permissions_boundary_arn {
        let _ = writeln!(
            out,
            "boundary: {}",
            quoted(&general.text(&reference(account, boundary)))
        );
    }
    if let Some(seconds) = role.max_session_duration {
        let _ = writeln!(out, "max_session_duration: {seconds}");
    }
    if !role.attached_policy_arns.is_empty() {
        let _ = writeln!(out, "managed_policies:");
        for arn in &role.attached_policy_arns {
            let _ = writeln!(
                out,
                "  - {}",
                quoted(&general.text(&reference(account, arn)))
            );
        }
    }
    write_tags(&mut out, &general_tags(&general, &role.tags));
    let _ = writeln!(out, "trust:");
    write_statements(
        &mut out,
        "  ",
        &statements(general.document(&role.trust_policy), &why),
    );
    if !role.inline_policies.is_empty() {
        let _ = writeln!(out, "inline_policies:");
        for (name, document) in &role.inline_policies {
            let _ = writeln!(out, "  {}:", quoted(name));
            write_statements(
                &mut out,
                "    ",
                &statements(general.document(document), &why),
            );
        }
    }
    out
}

pub(crate) fn policy(
    input: &ImportInput<'_>,
    found_in: &[String],
    kind: &str,
    account: &LiveAccount,
    policy: &LiveManagedPolicy,
    targets: &Targets,
) -> String {
    let accounts = found_in.to_vec();
    let why = justification(input, &accounts);
    let general = Generalize::new(input, account);
    let mut out = String::new();
    let kind = if kind == "boundary" {
        "Boundary"
    } else {
        "ManagedPolicy"
    };
    header(&mut out, kind, &policy.name, input, &accounts);
    let _ = writeln!(out, "path: {}", quoted(&policy.path));
    if let Some(description) = &policy.description {
        let _ = writeln!(out, "description: {}", quoted(&general.text(description)));
    }
    write_targets(&mut out, targets);
    write_tags(&mut out, &general_tags(&general, &policy.tags));
    let _ = writeln!(out, "statements:");
    write_statements(
        &mut out,
        "  ",
        &statements(general.document(&policy.document), &why),
    );
    out
}

pub(crate) fn scp(input: &ImportInput<'_>, scp: &LiveScp) -> String {
    let organization = input.organization;
    let mut ous = Vec::new();
    let mut accounts = Vec::new();
    for target in &scp.targets {
        if *target == organization.root_id {
            ous.push("Root".to_owned());
        } else if let Some(ou) = organization
            .organizational_units
            .iter()
            .find(|ou| &ou.id == target)
        {
            ous.push(ou.path.clone());
        } else {
            accounts.push(target.clone());
        }
    }
    let why = format!(
        "imported from the organization on {}; needs a reason",
        input.today
    );
    let mut out = String::new();
    header(&mut out, "Scp", &scp.name, input, &[]);
    let _ = writeln!(out, "description: {}", quoted(&scp.description));
    let _ = writeln!(out, "targets:");
    let _ = writeln!(
        out,
        "  ous: [{}]",
        ous.iter().map(|o| quoted(o)).collect::<Vec<_>>().join(", ")
    );
    let _ = writeln!(
        out,
        "  accounts: [{}]",
        accounts
            .iter()
            .map(|o| quoted(o))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "statements:");
    write_statements(
        &mut out,
        "  ",
        &statements(organization_wide(input).document(&scp.content), &why),
    );
    out
}

/// Adds lint exceptions to an imported file: one per (rule, Sid, reason), owner `imported`,
/// expiring on `expires` (`YYYY-MM-DD`). The text stays otherwise unchanged.
pub fn with_exceptions(
    text: &str,
    findings: &[(String, Option<String>, String)],
    expires: &str,
) -> String {
    if findings.is_empty() {
        return text.to_owned();
    }
    let mut out = text.to_owned();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("exceptions:\n");
    let mut seen = std::collections::BTreeSet::new();
    for (rule, sid, reason) in findings {
        if !seen.insert((rule, sid)) {
            continue;
        }
        let _ = writeln!(out, "  - rule: {}", quoted(rule));
        if let Some(sid) = sid {
            let _ = writeln!(out, "    sid: {}", quoted(sid));
        }
        let _ = writeln!(out, "    reason: {}", quoted(reason));
        let _ = writeln!(out, "    owner: imported");
        let _ = writeln!(out, "    expires: {}", quoted(expires));
    }
    out
}
