//! Which accounts a command covers (`--account`, `--ou`) and what the definitions want there:
//! rendered per account, and as the desired state apply checks a plan against.

use std::collections::BTreeMap;

use warden_lint::Date;
use warden_plan::desired::{DesiredAccount, DesiredScp};
use warden_plan::from_spec;
use warden_spec::org::{Account, AccountStatus, Organization};
use warden_spec::render::{RenderedAccount, RenderedScp};
use warden_spec::{Definitions, SpecErrors};

use crate::err::AppError;
use crate::lint;
use crate::source::ReadOrganization;

/// Whether an account is selected by `--account`/`--ou` filters (none: every account).
pub fn selected(
    account: &Account,
    organization: &Organization,
    accounts: &[String],
    ous: &[String],
) -> bool {
    if accounts.is_empty() && ous.is_empty() {
        return true;
    }
    let by_id = accounts
        .iter()
        .any(|id| id == &account.id || id == &account.name);
    let ancestry = organization.ancestry(&account.id);
    let by_ou = ous.iter().any(|ou| {
        let path = ou.trim_end_matches('/');
        account.ou_path == path
            || account.ou_path.starts_with(&format!("{path}/"))
            || ancestry.contains(ou)
    });
    by_id || by_ou
}

/// The definitions rendered for the selected accounts (and the SCPs for the whole organization).
#[derive(Debug, Clone)]
pub struct RenderedSelection {
    pub accounts: Vec<RenderedAccount>,
    /// Selected accounts that are not active or are the management account: passed to the
    /// reader, which reports why it skips them.
    pub not_rendered: Vec<String>,
    pub scps: Option<Vec<RenderedScp>>,
}

/// Renders the definitions for every selected active member account. Pure apart from the
/// organization passed in.
pub fn render_selected(
    definitions: &Definitions,
    organization: &Organization,
    accounts: &[String],
    ous: &[String],
    with_scps: bool,
) -> Result<RenderedSelection, AppError> {
    // Before anything is read or written: a target naming nothing would silently empty it.
    let refusals = definitions.target_refusals(organization);
    if !refusals.is_empty() {
        return Err(AppError::from(
            SpecErrors { errors: refusals }.rooted_at(&definitions.root),
        ));
    }
    let chosen: Vec<&Account> = organization
        .accounts
        .iter()
        .filter(|account| selected(account, organization, accounts, ous))
        .collect();
    if chosen.is_empty() {
        let mut what = accounts.to_vec();
        what.extend(ous.iter().cloned());
        return Err(AppError::NoAccounts(what.join(", ")));
    }
    let mut selection = RenderedSelection {
        accounts: Vec::new(),
        not_rendered: Vec::new(),
        scps: None,
    };
    for account in chosen {
        if account.status != AccountStatus::Active
            || account.id == organization.management_account_id
        {
            selection.not_rendered.push(account.id.clone());
        } else {
            selection
                .accounts
                .push(definitions.render_for_account(organization, account)?);
        }
    }
    if with_scps {
        selection.scps = Some(definitions.render_scps(organization)?);
    }
    Ok(selection)
}

/// The definitions rendered for every active member account and the organization's SCPs.
#[derive(Debug, Clone, Default)]
pub struct DesiredState {
    pub accounts: BTreeMap<String, DesiredAccount>,
    pub scps: Vec<DesiredScp>,
}

/// Inventory, rendering and the lint gate, without reading member accounts: what apply runs
/// first, so lint errors block apply and the saved plan can be checked against the definitions.
pub async fn desired_state(
    source: &impl ReadOrganization,
    definitions: &Definitions,
    gate: Option<Date>,
) -> Result<DesiredState, AppError> {
    let organization = source.inventory().await.map_err(AppError::Source)?;
    desired_state_for(definitions, &organization, gate)
}

/// [`desired_state`] for an inventory already read (e.g. by the plan just shown), so apply does
/// not list the organization twice.
pub fn desired_state_for(
    definitions: &Definitions,
    organization: &Organization,
    gate: Option<Date>,
) -> Result<DesiredState, AppError> {
    let rendered = render_selected(definitions, organization, &[], &[], true)?;
    let scps = rendered.scps.unwrap_or_default();
    if let Some(today) = gate {
        lint::gate(&definitions.config, &rendered.accounts, &scps, today)?;
    }
    Ok(DesiredState {
        accounts: rendered
            .accounts
            .iter()
            .map(|account| {
                (
                    account.account.id.clone(),
                    from_spec::desired_account(account),
                )
            })
            .collect(),
        scps: from_spec::desired_scps(&scps),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use warden_spec::org::{AccountStatus, OrganizationalUnit};

    use super::*;

    fn org() -> Organization {
        let account = |id: &str, parent: &str, path: &str| Account {
            id: id.into(),
            name: format!("acct-{id}"),
            email: None,
            status: AccountStatus::Active,
            parent_id: parent.into(),
            ou_path: path.into(),
            tags: BTreeMap::new(),
        };
        Organization {
            id: "o-example".into(),
            management_account_id: "123456789012".into(),
            root_id: "r-root".into(),
            accounts: vec![
                account("111111111111", "ou-prod", "Root/Workloads/Prod"),
                account("222222222222", "ou-work", "Root/Workloads"),
                account("333333333333", "r-root", "Root"),
            ],
            organizational_units: vec![
                OrganizationalUnit {
                    id: "ou-work".into(),
                    name: "Workloads".into(),
                    parent_id: "r-root".into(),
                    path: "Root/Workloads".into(),
                },
                OrganizationalUnit {
                    id: "ou-prod".into(),
                    name: "Prod".into(),
                    parent_id: "ou-work".into(),
                    path: "Root/Workloads/Prod".into(),
                },
            ],
        }
    }

    fn picked(accounts: &[&str], ous: &[&str]) -> Vec<String> {
        let org = org();
        let accounts: Vec<String> = accounts.iter().map(ToString::to_string).collect();
        let ous: Vec<String> = ous.iter().map(ToString::to_string).collect();
        org.accounts
            .iter()
            .filter(|a| selected(a, &org, &accounts, &ous))
            .map(|a| a.id.clone())
            .collect()
    }

    #[test]
    fn account_and_ou_filters_select_by_id_name_path_and_ou_id() {
        assert_eq!(picked(&[], &[]).len(), 3);
        assert_eq!(picked(&["333333333333"], &[]), vec!["333333333333"]);
        assert_eq!(picked(&["acct-111111111111"], &[]), vec!["111111111111"]);
        assert_eq!(
            picked(&[], &["Root/Workloads"]),
            vec!["111111111111", "222222222222"]
        );
        assert_eq!(picked(&[], &["Root/Workloads/Prod/"]), vec!["111111111111"]);
        assert_eq!(
            picked(&[], &["ou-work"]),
            vec!["111111111111", "222222222222"]
        );
        assert!(
            picked(&[], &["Root/Work"]).is_empty(),
            "a path prefix is not an OU"
        );
    }
}
