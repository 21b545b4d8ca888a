//! Targets: parsing selectors from YAML, matching accounts, and the attachment points of SCPs.

use std::collections::BTreeSet;

use crate::defs::{AccountSelector, OuSelector, Selectors, Tag, Targets};
use crate::err::{SpecError, SpecErrorKind};
use crate::org::{Account, Organization};

/// Depth limit of OUs under the root (AWS Organizations quota).
const MAX_OU_DEPTH: usize = 5;

/// Reads an account selector: 12 digits are an id, anything else a name.
pub fn parse_account(text: &str) -> Result<AccountSelector, String> {
    if warden_policy::is_account_id(text) {
        return Ok(AccountSelector::Id(text.to_owned()));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("an account id has 12 digits (quote ids that start with 0)".to_owned());
    }
    if text.trim().is_empty() || text.chars().count() > 50 {
        return Err("an account name has 1 to 50 characters".to_owned());
    }
    Ok(AccountSelector::Name(text.to_owned()))
}

/// Reads an OU selector: `ou-…`/`r-…` ids or `Root/…` paths.
pub fn parse_ou(text: &str) -> Result<OuSelector, String> {
    if let Some(rest) = text.strip_prefix("ou-") {
        let parts: Vec<&str> = rest.split('-').collect();
        let well_formed = matches!(parts.as_slice(), [root, ou]
            if is_id_part(root, 4) && is_id_part(ou, 8));
        return if well_formed {
            Ok(OuSelector::Id(text.to_owned()))
        } else {
            Err("an OU id looks like `ou-ab12-cd34ef56`".to_owned())
        };
    }
    if let Some(rest) = text.strip_prefix("r-") {
        return if is_id_part(rest, 4) {
            Ok(OuSelector::Id(text.to_owned()))
        } else {
            Err("a root id looks like `r-ab12`".to_owned())
        };
    }
    let segments: Vec<&str> = text.split('/').collect();
    if segments.first() != Some(&"Root") {
        return Err("an OU is an id (`ou-…`, `r-…`) or a path starting with `Root`, e.g. `Root/Workloads/Prod`".to_owned());
    }
    if segments.iter().any(|segment| segment.is_empty()) {
        return Err("an OU path has no empty segments and no trailing `/`".to_owned());
    }
    if segments
        .iter()
        .any(|segment| segment.trim() != *segment || segment.chars().count() > 128)
    {
        return Err("an OU name has 1 to 128 characters without surrounding spaces".to_owned());
    }
    if segments.len() - 1 > MAX_OU_DEPTH {
        return Err(format!(
            "OUs nest at most {MAX_OU_DEPTH} levels under the root"
        ));
    }
    Ok(OuSelector::Path(text.to_owned()))
}

fn is_id_part(part: &str, min: usize) -> bool {
    (min..=32).contains(&part.len())
        && part
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

/// Reads a `Key=Value` tag selector.
pub fn parse_tag(text: &str) -> Result<Tag, String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok(Tag {
            key: key.to_owned(),
            value: value.to_owned(),
        }),
        _ => Err("a tag selector is `Key=Value`".to_owned()),
    }
}

/// Whether any selector matches the account.
pub fn selects(selectors: &Selectors, account: &Account, org: &Organization) -> bool {
    selectors
        .accounts
        .iter()
        .any(|s| account_matches(&s.value, account))
        || selectors
            .ous
            .iter()
            .any(|s| ou_covers_account(&s.value, account, org))
        || selectors
            .tags
            .iter()
            .any(|s| account.tags.get(&s.value.key) == Some(&s.value.value))
}

/// Whether the targets include the account and do not exclude it.
pub fn targets_account(targets: &Targets, account: &Account, org: &Organization) -> bool {
    selects(&targets.include, account, org) && !selects(&targets.exclude, account, org)
}

fn account_matches(selector: &AccountSelector, account: &Account) -> bool {
    match selector {
        AccountSelector::Id(id) => account.id == *id,
        AccountSelector::Name(name) => account.name == *name,
    }
}

fn ou_covers_account(selector: &OuSelector, account: &Account, org: &Organization) -> bool {
    match selector {
        OuSelector::Id(id) => org.ancestry(&account.id).contains(id),
        OuSelector::Path(path) => path_covers(path, &account.ou_path),
    }
}

/// `Root/Workloads` covers `Root/Workloads` and `Root/Workloads/Prod`, not `Root/WorkloadsX`.
fn path_covers(path: &str, candidate: &str) -> bool {
    candidate == path
        || candidate
            .strip_prefix(path)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Path of an OU or root id.
fn path_of(org: &Organization, id: &str) -> Option<String> {
    if id == org.root_id {
        return Some("Root".to_owned());
    }
    org.organizational_units
        .iter()
        .find(|ou| ou.id == id)
        .map(|ou| ou.path.clone())
}

fn ou_selected(selectors: &Selectors, org: &Organization, ou_id: &str) -> bool {
    let Some(path) = path_of(org, ou_id) else {
        return false;
    };
    selectors.ous.iter().any(|selector| match &selector.value {
        OuSelector::Path(selected) => path_covers(selected, &path),
        OuSelector::Id(selected) => {
            selected == ou_id
                || ancestors_of_ou(org, ou_id)
                    .iter()
                    .any(|ancestor| ancestor == selected)
        }
    })
}

fn ancestors_of_ou(org: &Organization, ou_id: &str) -> Vec<String> {
    let mut chain = Vec::new();
    let mut current = ou_id.to_owned();
    while let Some(ou) = org.organizational_units.iter().find(|ou| ou.id == current) {
        chain.push(ou.parent_id.clone());
        current = ou.parent_id.clone();
        if chain.len() > MAX_OU_DEPTH + 1 {
            break;
        }
    }
    chain
}

/// The ids (root, OU or account) an SCP is attached to so it covers exactly the targeted
/// accounts: a targeted OU is attached as a whole unless something below it is excluded, in
/// which case its unexcluded children are attached instead. The management account is never
/// attached directly (SCPs do not apply to it).
pub fn scp_attachment_ids(targets: &Targets, org: &Organization) -> Vec<String> {
    let mut ids = BTreeSet::new();
    for selector in &targets.include.ous {
        let id = match &selector.value {
            OuSelector::Id(id) => Some(id.clone()),
            OuSelector::Path(path) if path == "Root" => Some(org.root_id.clone()),
            OuSelector::Path(path) => org
                .organizational_units
                .iter()
                .find(|ou| ou.path == *path)
                .map(|ou| ou.id.clone()),
        };
        if let Some(id) = id.filter(|id| path_of(org, id).is_some()) {
            attach_subtree(targets, org, &id, &mut ids);
        }
    }
    for account in &org.accounts {
        let directly = targets
            .include
            .accounts
            .iter()
            .any(|s| account_matches(&s.value, account))
            || targets
                .include
                .tags
                .iter()
                .any(|s| account.tags.get(&s.value.key) == Some(&s.value.value));
        if directly
            && !selects(&targets.exclude, account, org)
            && account.id != org.management_account_id
        {
            ids.insert(account.id.clone());
        }
    }
    remove_covered(org, ids)
}

fn attach_subtree(targets: &Targets, org: &Organization, id: &str, ids: &mut BTreeSet<String>) {
    if ou_selected(&targets.exclude, org, id) {
        return;
    }
    if !subtree_has_exclusion(targets, org, id) {
        ids.insert(id.to_owned());
        return;
    }
    for child in org
        .organizational_units
        .iter()
        .filter(|ou| ou.parent_id == id)
    {
        attach_subtree(targets, org, &child.id, ids);
    }
    for account in org
        .accounts
        .iter()
        .filter(|account| account.parent_id == id)
    {
        if !selects(&targets.exclude, account, org) && account.id != org.management_account_id {
            ids.insert(account.id.clone());
        }
    }
}

fn subtree_has_exclusion(targets: &Targets, org: &Organization, id: &str) -> bool {
    let covered =
        |account: &Account| id == org.root_id || org.ancestry(&account.id).iter().any(|a| a == id);
    org.accounts
        .iter()
        .any(|account| covered(account) && selects(&targets.exclude, account, org))
        || org.organizational_units.iter().any(|ou| {
            (ou.id == id || ancestors_of_ou(org, &ou.id).iter().any(|a| a == id))
                && ou_selected(&targets.exclude, org, &ou.id)
        })
}

/// Drops ids already covered by an attached ancestor, so each account gets the policy once.
fn remove_covered(org: &Organization, ids: BTreeSet<String>) -> Vec<String> {
    let covered_by_other = |id: &str| -> bool {
        let ancestors = match org.account(id) {
            Some(account) => org.ancestry(&account.id),
            None => {
                let mut chain = ancestors_of_ou(org, id);
                chain.retain(|ancestor| ancestor != id);
                chain
            }
        };
        ancestors
            .iter()
            .any(|ancestor| ancestor != id && ids.contains(ancestor))
    };
    ids.iter()
        .filter(|id| !covered_by_other(id))
        .cloned()
        .collect()
}

impl crate::load::Definitions {
    /// Everything about targets that must stop a plan or apply before any call: selectors that
    /// match nothing in `org` (with the closest match), the management account named as a
    /// target, and a role definition for the access role Warden reaches accounts through.
    /// Without this a misspelled OU silently empties a target and apply deletes the copies
    /// already deployed.
    pub fn target_refusals(&self, org: &Organization) -> Vec<SpecError> {
        let mut refusals = self.unresolved_targets(org);
        let targets = self
            .roles
            .iter()
            .map(|role| &role.targets)
            .chain(
                self.managed_policies
                    .iter()
                    .chain(&self.boundaries)
                    .filter_map(|policy| policy.targets.as_ref()),
            )
            .chain(self.scps.iter().map(|scp| &scp.targets));
        for targets in targets {
            for selector in names_management_account(targets, org) {
                let text = match &selector.value {
                    AccountSelector::Id(id) | AccountSelector::Name(id) => id.clone(),
                };
                refusals.push(SpecError::new(
                    selector.location.clone(),
                    SpecErrorKind::InvalidTarget {
                        target: text,
                        reason: "this is the management account, which Warden does not manage (IAM there is out of scope and SCPs do not apply to it)".to_owned(),
                    },
                ));
            }
        }
        for role in &self.roles {
            if role
                .name
                .eq_ignore_ascii_case(&self.config.access_role_name)
            {
                refusals.push(SpecError::new(
                    role.source.clone(),
                    SpecErrorKind::InvalidValue {
                        message: format!(
                            "role `{}` is the access role Warden reaches accounts through (`access.role_name` in warden.yaml); it cannot be managed by its own definitions",
                            role.name
                        ),
                    },
                ));
            }
        }
        refusals
    }
}

/// Edit distance between two strings (Levenshtein, by characters).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `text` by edit distance (ignoring ASCII case), if it is close
/// enough to be a plausible typo: at most a third of the longer string, at least 2 edits.
pub fn closest_match<'a>(
    text: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted = text.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            (
                edit_distance(&wanted, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, candidate)| {
            *distance <= (text.chars().count().max(candidate.chars().count()) / 3).max(2)
        })
        .min_by_key(|(distance, candidate)| (*distance, *candidate))
        .map(|(_, candidate)| candidate)
}

/// The account id or name in `org` closest to a selector naming no account.
pub fn closest_account<'a>(selector: &AccountSelector, org: &'a Organization) -> Option<&'a str> {
    match selector {
        AccountSelector::Id(id) => closest_match(id, org.accounts.iter().map(|a| a.id.as_str())),
        AccountSelector::Name(name) => {
            closest_match(name, org.accounts.iter().map(|a| a.name.as_str()))
        }
    }
}

/// The OU path or id in `org` closest to a selector naming no OU.
pub fn closest_ou<'a>(selector: &OuSelector, org: &'a Organization) -> Option<&'a str> {
    match selector {
        OuSelector::Id(id) => closest_match(
            id,
            std::iter::once(org.root_id.as_str())
                .chain(org.organizational_units.iter().map(|ou| ou.id.as_str())),
        ),
        OuSelector::Path(path) => closest_match(
            path,
            std::iter::once("Root")
                .chain(org.organizational_units.iter().map(|ou| ou.path.as_str())),
        ),
    }
}

/// The `Key=Value` account tag in `org` closest to a tag selector no account carries.
pub fn closest_tag(tag: &Tag, org: &Organization) -> Option<String> {
    let present: BTreeSet<String> = org
        .accounts
        .iter()
        .flat_map(|account| account.tags.iter().map(|(k, v)| format!("{k}={v}")))
        .collect();
    closest_match(
        &format!("{}={}", tag.key, tag.value),
        present.iter().map(String::as_str),
    )
    .map(str::to_owned)
}

/// `; did you mean `X`?` when there is a close match, else nothing.
pub fn did_you_mean(closest: Option<&str>) -> String {
    closest.map_or_else(String::new, |name| format!("; did you mean `{name}`?"))
}

/// Account selectors among the included ones that name the management account: Warden does not
/// manage IAM in the account it runs from (it is skipped when an OU or tag covers it, but naming
/// it is a mistake worth stopping for).
pub fn names_management_account<'a>(
    targets: &'a Targets,
    org: &Organization,
) -> Vec<&'a crate::defs::Sourced<AccountSelector>> {
    targets
        .include
        .accounts
        .iter()
        .filter(|selector| match &selector.value {
            AccountSelector::Id(id) => *id == org.management_account_id,
            AccountSelector::Name(name) => org
                .account(&org.management_account_id)
                .is_some_and(|account| account.name == *name),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ou_paths_and_ids_are_checked() {
        assert_eq!(
            parse_ou("Root/Workloads/Prod"),
            Ok(OuSelector::Path("Root/Workloads/Prod".into()))
        );
        assert_eq!(parse_ou("Root"), Ok(OuSelector::Path("Root".into())));
        assert_eq!(
            parse_ou("ou-ab12-cd34ef56"),
            Ok(OuSelector::Id("ou-ab12-cd34ef56".into()))
        );
        assert_eq!(parse_ou("r-ab12"), Ok(OuSelector::Id("r-ab12".into())));
        assert!(parse_ou("Workloads/Prod").is_err());
        assert!(parse_ou("Root/Workloads/").is_err());
        assert!(parse_ou("Root//Prod").is_err());
        assert!(parse_ou("ou-AB12-cd34ef56").is_err());
        assert!(parse_ou("Root/a/b/c/d/e/f").is_err());
        assert!(parse_ou("Root/a/b/c/d/e").is_ok());
    }

    #[test]
    fn paths_cover_descendants_only() {
        assert!(path_covers("Root/Workloads", "Root/Workloads/Prod"));
        assert!(path_covers("Root/Workloads", "Root/Workloads"));
        assert!(!path_covers("Root/Workloads", "Root/WorkloadsX"));
        assert!(path_covers("Root", "Root/Security"));
    }

    #[test]
    fn accounts_and_tags_parse() {
        assert_eq!(
            parse_account("123456789012"),
            Ok(AccountSelector::Id("123456789012".into()))
        );
        assert_eq!(
            parse_account("payments-prod"),
            Ok(AccountSelector::Name("payments-prod".into()))
        );
        assert!(parse_account("12345678901").is_err());
        assert_eq!(
            parse_tag("Environment=prod"),
            Ok(Tag {
                key: "Environment".into(),
                value: "prod".into()
            })
        );
        assert!(parse_tag("=prod").is_err());
        assert!(parse_tag("Environment").is_err());
    }

    #[test]
    fn closest_match_suggests_plausible_typos_only() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        let paths = [
            "Root",
            "Root/Workloads",
            "Root/Workloads/Prod",
            "Root/Security",
        ];
        assert_eq!(
            closest_match("Root/Workloads/Prd", paths),
            Some("Root/Workloads/Prod")
        );
        assert_eq!(closest_match("root/security", paths), Some("Root/Security"));
        assert_eq!(closest_match("Root/Sandbox/Experiments", paths), None);
        assert_eq!(
            closest_match("payments-prdo", ["payments-prod", "payments-dev"]),
            Some("payments-prod")
        );
    }
}
