//! Refinement's view of a repository, read through `warden-spec`: the role, its Allow statements
//! as written, the ARN of its deployed copy, and the files a proposal edits.

use std::collections::BTreeMap;

use serde_json::Value;
use warden_policy::Arn;
use warden_spec::{AccountSelector, Definitions, PolicyRef, Role, StatementSource};

use crate::refine::{Edit, GrantedStatement, Proposal};

/// A role or account the repository does not name as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionsError {
    #[error("no role definition named `{name}` under `{dir}` (roles there: {known})")]
    UnknownRole {
        name: String,
        dir: String,
        known: String,
    },
    #[error("`--account {account}`: expected a 12-digit account id (or pass `--role-arn`)")]
    AccountNotAnId { account: String },
    #[error("the role targets several accounts or none by id: pass `--account` or `--role-arn`")]
    NoSingleAccount,
}

/// The role named `name` (IAM names are case-insensitive).
pub fn find_role<'a>(
    definitions: &'a Definitions,
    name: &str,
) -> Result<&'a Role, DefinitionsError> {
    definitions
        .roles
        .iter()
        .find(|role| role.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let known: Vec<String> = definitions
                .roles
                .iter()
                .map(|role| format!("`{}`", role.name))
                .collect();
            DefinitionsError::UnknownRole {
                name: name.to_string(),
                dir: definitions.root.join("policies").display().to_string(),
                known: if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                },
            }
        })
}

/// The ARN of the role's copy in `account`, or in the one account it targets by id, in the
/// organization's partition. Without an organization there is no name to look up, so the
/// account must be an id.
pub fn role_arn(
    definitions: &Definitions,
    role: &Role,
    account: Option<&str>,
) -> Result<String, DefinitionsError> {
    let targets: Vec<&str> = role
        .targets
        .include
        .accounts
        .iter()
        .filter_map(|selector| match &selector.value {
            AccountSelector::Id(id) => Some(id.as_str()),
            AccountSelector::Name(_) => None,
        })
        .collect();
    let account = match (account, targets.as_slice()) {
        (Some(account), _) if !warden_policy::is_account_id(account) => {
            return Err(DefinitionsError::AccountNotAnId {
                account: account.to_string(),
            });
        }
        (Some(account), _) => account,
        (None, [only]) => only,
        _ => return Err(DefinitionsError::NoSingleAccount),
    };
    Ok(Arn::role(definitions.partition(), account, &role.path, &role.name).to_string())
}

/// The role's Allow statements with actions, as written (with `justification`): its inline
/// policies, then the Warden managed policies it attaches.
pub fn granted_statements(definitions: &Definitions, role: &Role) -> Vec<GrantedStatement> {
    let mut granted = Vec::new();
    for policy in &role.inline_policies {
        push_allows(
            &mut granted,
            &format!("inline_policies.{}", policy.name),
            &policy.statements,
        );
    }
    for reference in &role.managed_policies {
        if let PolicyRef::Warden { name, .. } = reference
            && let Some(policy) = definitions.managed_policy(name)
        {
            push_allows(
                &mut granted,
                &format!("managed_policies.{name}"),
                &policy.statements,
            );
        }
    }
    granted
}

fn push_allows(granted: &mut Vec<GrantedStatement>, policy: &str, statements: &[StatementSource]) {
    for source in statements {
        let Value::Object(statement) = &source.json else {
            continue;
        };
        if statement.get("Effect").and_then(Value::as_str) == Some("Allow")
            && statement.contains_key("Action")
        {
            let mut statement = statement.clone();
            if let Some(justification) = &source.justification {
                statement.insert("justification".into(), Value::from(justification.as_str()));
            }
            granted.push(GrantedStatement {
                policy: policy.to_owned(),
                statement,
            });
        }
    }
}

/// The edits of `proposals` to the role's statements, by the file that holds them (relative to
/// the repository root, sorted). Proposals without a Sid cannot be located and are left out.
pub fn edits_by_file<'p>(
    definitions: &Definitions,
    role: &Role,
    proposals: &'p [Proposal],
) -> BTreeMap<String, Vec<Edit<'p>>> {
    let mut files: BTreeMap<String, Vec<Edit<'p>>> = BTreeMap::new();
    for proposal in proposals {
        let file = match proposal.policy.split_once('.') {
            Some(("inline_policies", _)) => Some(&role.source.file),
            Some(("managed_policies", name)) => definitions
                .managed_policy(name)
                .map(|policy| &policy.source.file),
            _ => None,
        };
        if let (Some(file), Some(sid)) = (file, proposal.sid.as_deref()) {
            files.entry(file.clone()).or_default().push(Edit {
                sid,
                replacement: proposal.replacement.as_ref(),
            });
        }
    }
    files
}

#[cfg(test)]
mod tests;
