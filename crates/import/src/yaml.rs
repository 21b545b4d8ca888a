//! Definition files as text: YAML whose statements are JSON flow mappings (YAML reads JSON as
//! is), so documents come back exactly as IAM holds them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;
use warden_live::{LiveAccount, LiveManagedPolicy, LiveRole, LiveScp};

use crate::group::{ImportInput, Targets};

/// The account's own id becomes `${account_id}`, so one definition fits every account.
fn generalize(account: &LiveAccount, text: &str) -> String {
    text.replace(&account.account_id, "${account_id}")
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

pub(crate) fn role_key(account: &LiveAccount, role: &LiveRole) -> String {
    let attached: Vec<String> = role
        .attached_policy_arns
        .iter()
        .map(|arn| generalize(account, &reference(account, arn)))
        .collect();
    let value = serde_json::json!({
        "path": role.path,
        "description": role.description,
        "max": role.max_session_duration,
        "boundary": role.permissions_boundary_arn.as_deref().map(|arn| reference(account, arn)),
        "tags": role.tags,
        "trust": normalized(&generalize(account, &role.trust_policy)),
        "inline": role.inline_policies.iter().map(|(k, v)| (k.clone(), normalized(&generalize(account, v)))).collect::<BTreeMap<_, _>>(),
        "attached": attached,
    });
    value.to_string()
}

pub(crate) fn policy_key(account: &LiveAccount, policy: &LiveManagedPolicy) -> String {
    serde_json::json!({
        "path": policy.path,
        "description": policy.description,
        "document": normalized(&generalize(account, &policy.document)),
    })
    .to_string()
}

/// Parsed JSON, so whitespace does not make two accounts' documents differ.
fn normalized(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// The statements of a document, each with the import justification.
fn statements(document: &str, justification: &str) -> Vec<String> {
    let statements = match normalized(document) {
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
    let mut out = String::new();
    header(&mut out, "Role", &role.name, input, &accounts);
    let _ = writeln!(out, "path: {}", quoted(&role.path));
    if let Some(description) = &role.description {
        let _ = writeln!(out, "description: {}", quoted(description));
    }
    write_targets(&mut out, targets);
    if let Some(boundary) = &role.permissions_boundary_arn {
        let _ = writeln!(
            out,
            "boundary: {}",
            quoted(&generalize(account, &reference(account, boundary)))
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
                quoted(&generalize(account, &reference(account, arn)))
            );
        }
    }
    write_tags(&mut out, &role.tags);
    let _ = writeln!(out, "trust:");
    write_statements(
        &mut out,
        "  ",
        &statements(&generalize(account, &role.trust_policy), &why),
    );
    if !role.inline_policies.is_empty() {
        let _ = writeln!(out, "inline_policies:");
        for (name, document) in &role.inline_policies {
            let _ = writeln!(out, "  {}:", quoted(name));
            write_statements(
                &mut out,
                "    ",
                &statements(&generalize(account, document), &why),
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
    let mut out = String::new();
    let kind = if kind == "boundary" {
        "Boundary"
    } else {
        "ManagedPolicy"
    };
    header(&mut out, kind, &policy.name, input, &accounts);
    let _ = writeln!(out, "path: {}", quoted(&policy.path));
    if let Some(description) = &policy.description {
        let _ = writeln!(out, "description: {}", quoted(description));
    }
    write_targets(&mut out, targets);
    write_tags(&mut out, &policy.tags);
    let _ = writeln!(out, "statements:");
    write_statements(
        &mut out,
        "  ",
        &statements(&generalize(account, &policy.document), &why),
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
    write_statements(&mut out, "  ", &statements(&scp.content, &why));
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
