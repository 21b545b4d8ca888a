//! Which accounts a command covers (`--account`, `--ou`) and what the definitions want there:
//! rendered per account, and as the desired state apply checks a plan against.

use std::collections::{BTreeMap, HashSet};

use warden_lint::Date;
use warden_plan::desired::{DesiredAccount, DesiredScp};
use warden_plan::from_spec;
use warden_spec::defs::AccountSelector;
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

/// What the definitions name that only accounts can resolve: account ids and names, account
/// tags, and the management account when any selector names an account by name (naming it is
/// refused). While the inventory is still listed, member reads wait until this is resolved and
/// [`Definitions::target_refusals`] finds nothing on what is known: a target naming nothing
/// stops the plan before any member account is read, as with the whole inventory.
#[derive(Debug, Clone)]
pub struct TargetGate {
    accounts: HashSet<String>,
    tags: HashSet<(String, String)>,
    management_account_id: String,
    /// Some selector names an account by name and the management account is not seen yet.
    management_unseen: bool,
}

impl TargetGate {
    pub fn new(definitions: &Definitions, management_account_id: &str) -> TargetGate {
        let mut gate = TargetGate {
            accounts: definitions
                .config
                .variables
                .accounts
                .keys()
                .cloned()
                .collect(),
            tags: HashSet::new(),
            management_account_id: management_account_id.to_owned(),
            management_unseen: false,
        };
        let targets = definitions
            .roles
            .iter()
            .map(|role| &role.targets)
            .chain(
                definitions
                    .managed_policies
                    .iter()
                    .chain(&definitions.boundaries)
                    .filter_map(|policy| policy.targets.as_ref()),
            )
            .chain(definitions.scps.iter().map(|scp| &scp.targets));
        for targets in targets {
            for selectors in [&targets.include, &targets.exclude] {
                for selector in &selectors.accounts {
                    let text = match &selector.value {
                        AccountSelector::Id(id) => id,
                        AccountSelector::Name(name) => {
                            gate.management_unseen = true;
                            name
                        }
                    };
                    gate.accounts.insert(text.clone());
                }
                for tag in &selectors.tags {
                    gate.tags
                        .insert((tag.value.key.clone(), tag.value.value.clone()));
                }
            }
        }
        gate
    }

    /// Marks what `account` resolves.
    pub fn saw(&mut self, account: &Account) {
        if self.accounts.is_empty() && self.tags.is_empty() && !self.management_unseen {
            return;
        }
        self.accounts.remove(&account.id);
        self.accounts.remove(&account.name);
        for (key, value) in &account.tags {
            self.tags.remove(&(key.clone(), value.clone()));
        }
        if account.id == self.management_account_id {
            self.management_unseen = false;
        }
    }

    /// Whether every account id, name and tag named has been seen.
    pub fn resolved(&self) -> bool {
        self.accounts.is_empty() && self.tags.is_empty() && !self.management_unseen
    }
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

    #[test]
    fn the_target_gate_waits_for_every_named_account_and_tag() {
        let dir = tempfile::tempdir().unwrap();
        let write = |file: &str, text: &str| {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "warden.yaml",
            "organization:\n  management_account_id: \"123456789012\"\naccess:\n  role_name: WardenAccess\n  external_id_env: X\nregions:\n  allowed: [us-east-1]\n  home: us-east-1\n",
        );
        write(
            "policies/app.yaml",
            "kind: Role\nname: app\ntargets:\n  accounts: [acct-222222222222]\n  exclude:\n    tags: [\"tier=legacy\"]\ntrust:\n  - Effect: Allow\n    justification: The app runs on ECS.\n    Principal: {Service: ecs-tasks.amazonaws.com}\n    Action: sts:AssumeRole\n",
        );
        let definitions = Definitions::load(dir.path()).unwrap();
        let org = org();
        let mut gate = TargetGate::new(&definitions, &org.management_account_id);
        assert!(!gate.resolved());
        let mut accounts = org.accounts.clone();
        accounts[0].tags.insert("tier".into(), "legacy".into());
        gate.saw(&accounts[0]);
        gate.saw(&accounts[1]);
        assert!(
            !gate.resolved(),
            "a name is named: the management account must be seen"
        );
        let management = Account {
            id: "123456789012".into(),
            ..accounts[2].clone()
        };
        gate.saw(&management);
        assert!(gate.resolved());
    }
}
