//! Checks the definitions against a live organization: target selectors and variable levels that
//! name no account, OU or tag there (usually typos, which would otherwise target nothing).

use crate::defs::{AccountSelector, Location, OuSelector, Selectors, Targets};
use crate::err::{SpecError, SpecErrorKind};
use crate::load::Definitions;
use crate::org::Organization;
use crate::target;

impl Definitions {
    /// Every selector (included or excluded) and every variable level that matches nothing in
    /// `org`. Not an error by itself (an OU may be empty for now); the linter and plan decide.
    pub fn unresolved_targets(&self, org: &Organization) -> Vec<SpecError> {
        let mut found = Vec::new();
        let targets = self
            .roles
            .iter()
            .map(|role| &role.targets)
            .chain(
                self.managed_policies
                    .iter()
                    .chain(&self.boundaries)
                    .filter_map(|p| p.targets.as_ref()),
            )
            .chain(self.scps.iter().map(|scp| &scp.targets));
        for targets in targets {
            unresolved_in(targets, org, &mut found);
        }
        let config = &self.config.source;
        for path in self.config.variables.ous.keys() {
            if !ou_path_exists(org, path) {
                found.push(unresolved(config, path, "no OU has this path"));
            }
        }
        for key in self.config.variables.accounts.keys() {
            let named = org.accounts.iter().any(|account| account.name == *key);
            if org.account(key).is_none() && !named {
                found.push(unresolved(config, key, "no account has this id or name"));
            }
        }
        found
    }
}

fn unresolved_in(targets: &Targets, org: &Organization, found: &mut Vec<SpecError>) {
    for selectors in [&targets.include, &targets.exclude] {
        unresolved_selectors(selectors, org, found);
    }
}

fn unresolved_selectors(selectors: &Selectors, org: &Organization, found: &mut Vec<SpecError>) {
    for selector in &selectors.accounts {
        let (text, exists, reason) = match &selector.value {
            AccountSelector::Id(id) => (id, org.account(id).is_some(), "no account has this id"),
            AccountSelector::Name(name) => (
                name,
                org.accounts.iter().any(|a| a.name == *name),
                "no account has this name",
            ),
        };
        if !exists {
            let hint = target::did_you_mean(target::closest_account(&selector.value, org));
            found.push(unresolved(
                &selector.location,
                text,
                &format!("{reason}{hint}"),
            ));
        }
    }
    for selector in &selectors.ous {
        let (text, exists, reason) = match &selector.value {
            OuSelector::Id(id) => (
                id,
                *id == org.root_id || org.organizational_units.iter().any(|ou| ou.id == *id),
                "no OU or root has this id",
            ),
            OuSelector::Path(path) => (path, ou_path_exists(org, path), "no OU has this path"),
        };
        if !exists {
            let hint = target::did_you_mean(target::closest_ou(&selector.value, org));
            found.push(unresolved(
                &selector.location,
                text,
                &format!("{reason}{hint}"),
            ));
        }
    }
    for selector in &selectors.tags {
        let tag = &selector.value;
        if !org
            .accounts
            .iter()
            .any(|a| a.tags.get(&tag.key) == Some(&tag.value))
        {
            let text = format!("{}={}", tag.key, tag.value);
            let hint = target::did_you_mean(target::closest_tag(tag, org).as_deref());
            found.push(unresolved(
                &selector.location,
                &text,
                &format!("no account has this tag{hint}"),
            ));
        }
    }
}

fn ou_path_exists(org: &Organization, path: &str) -> bool {
    path == "Root" || org.organizational_units.iter().any(|ou| ou.path == path)
}

fn unresolved(location: &Location, target: &str, reason: &str) -> SpecError {
    SpecError::new(
        location.clone(),
        SpecErrorKind::UnresolvedTarget {
            target: target.to_owned(),
            reason: reason.to_owned(),
        },
    )
}
