//! The access diff between two revisions of the definitions rendered over one organization:
//! per account and role, the effective actions gained and lost, scopes widened or narrowed,
//! principals newly trusted or no longer trusted, boundaries added or removed, and what a
//! change to the SCPs in force does to every account's principals.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::Serialize;
use warden_catalog::Catalog;
use warden_policy::{Effect, PolicyDocument, Principal, PrincipalClause, equivalent};
use warden_spec::org::Organization;
use warden_spec::render::{RenderedAccount, RenderedDocument, RenderedRole, RenderedScp};

use crate::effective::{
    self, Access, ActionSet, Expander, Inputs, Scope, action_name, condition_tests,
};

/// One revision of the definitions, rendered for the organization's accounts.
#[derive(Debug, Clone, Copy)]
pub struct Revision<'a> {
    pub accounts: &'a [RenderedAccount],
    pub scps: &'a [RenderedScp],
}

/// What the head revision changes in who can do what.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccessDiff {
    /// Roles whose access changed, by account id then role name.
    pub changes: Vec<PrincipalChange>,
    /// Accounts whose SCPs in force deny different actions: this applies to every principal of
    /// the account, including those Warden does not manage.
    pub accounts: Vec<AccountChange>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub accounts: usize,
    pub roles_compared: usize,
    pub roles_changed: usize,
    /// Whether the head grants access the base did not (the exit status 2 of `access-diff`).
    pub grants_new_access: bool,
}

/// How a role's access changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PrincipalChange {
    pub account_id: String,
    pub account_name: String,
    /// The role's ARN.
    pub principal: String,
    pub role: String,
    /// `added`, `removed` or `modified`.
    pub status: &'static str,
    /// Effective actions only the head allows.
    pub gained: Vec<String>,
    /// Effective actions only the base allows.
    pub lost: Vec<String>,
    /// Actions allowed on both sides that the head allows on more resources or under fewer
    /// conditions.
    pub scope_widened: Vec<ScopeChange>,
    /// The reverse: allowed on both sides, on fewer resources or under more conditions.
    pub scope_narrowed: Vec<ScopeChange>,
    /// Principals the trust policy newly allows to assume the role.
    pub trust_gained: Vec<String>,
    pub trust_lost: Vec<String>,
    /// Principals trusted on both sides whose trust lost conditions.
    pub trust_widened: Vec<TrustChange>,
    pub boundary_added: Option<String>,
    pub boundary_removed: Option<String>,
    /// Attached policies whose documents the definitions do not hold (AWS managed policies):
    /// their actions cannot be expanded, so attaching one counts as new access.
    pub policies_attached: Vec<String>,
    pub policies_detached: Vec<String>,
    /// Actions the head's identity policies newly allow that do not take effect, and why:
    /// what the boundary and the SCPs hold back (a reviewer sees the intent and the guardrail).
    pub withheld: Vec<Withheld>,
    /// Allowed action patterns the catalog does not know, new in the head.
    pub unknown_gained: Vec<String>,
    /// What changed: `trust policy`, `identity policies`, `permission boundary`, `scp `name``.
    pub causes: Vec<String>,
}

impl PrincipalChange {
    /// Whether this change lets anyone do something they could not before.
    pub fn grants_new_access(&self) -> bool {
        !self.gained.is_empty()
            || !self.scope_widened.is_empty()
            || !self.trust_gained.is_empty()
            || !self.trust_widened.is_empty()
            || !self.policies_attached.is_empty()
            || !self.unknown_gained.is_empty()
    }

    fn is_empty(&self) -> bool {
        !self.grants_new_access()
            && self.lost.is_empty()
            && self.scope_narrowed.is_empty()
            && self.trust_lost.is_empty()
            && self.boundary_added.is_none()
            && self.boundary_removed.is_none()
            && self.policies_detached.is_empty()
    }
}

/// Actions whose resource or condition scope changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScopeChange {
    pub actions: Vec<String>,
    /// Resource patterns the other side does not cover.
    pub resources: Vec<String>,
    /// Condition tests the other side has and this one does not.
    pub conditions_removed: Vec<String>,
}

/// An action allowed by identity policies that does not take effect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Withheld {
    pub action: String,
    /// `permission boundary` or `scp`.
    pub by: &'static str,
}

/// A trusted principal whose trust conditions were relaxed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TrustChange {
    pub principal: String,
    pub conditions_removed: Vec<String>,
}

/// A change in what the SCPs in force deny in an account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AccountChange {
    pub account_id: String,
    pub account_name: String,
    /// Actions no longer denied to every principal of the account.
    pub denies_lifted: Vec<String>,
    /// Actions newly denied to every principal of the account.
    pub denies_added: Vec<String>,
    pub scps_attached: Vec<String>,
    pub scps_detached: Vec<String>,
    pub scps_changed: Vec<String>,
}

impl AccountChange {
    fn is_empty(&self) -> bool {
        self.denies_lifted.is_empty()
            && self.denies_added.is_empty()
            && self.scps_attached.is_empty()
            && self.scps_detached.is_empty()
            && self.scps_changed.is_empty()
    }
}

/// Compares the two revisions account by account (in parallel).
pub fn access_diff(
    catalog: &Catalog,
    organization: &Organization,
    base: Revision<'_>,
    head: Revision<'_>,
) -> AccessDiff {
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    ids.extend(base.accounts.iter().map(|a| a.account.id.as_str()));
    ids.extend(head.accounts.iter().map(|a| a.account.id.as_str()));
    let find = |revision: Revision<'_>, id: &str| {
        revision.accounts.iter().position(|a| a.account.id == id)
    };
    let pairs: Vec<(Option<usize>, Option<usize>)> = ids
        .iter()
        .map(|id| (find(base, id), find(head, id)))
        .collect();
    let results: Vec<(AccountResult, usize)> = pairs
        .par_iter()
        .map_init(
            || Expander::new(catalog),
            |expander, (b, h)| {
                let base_account = b.and_then(|i| base.accounts.get(i));
                let head_account = h.and_then(|i| head.accounts.get(i));
                let compared = head_account.map_or(0, |a| a.roles.len());
                let result = compare_account(
                    expander,
                    organization,
                    (base_account, base.scps),
                    (head_account, head.scps),
                );
                (result, compared)
            },
        )
        .collect();
    let mut diff = AccessDiff::default();
    diff.summary.accounts = ids.len();
    for (result, compared) in results {
        diff.summary.roles_compared += compared;
        diff.changes.extend(result.roles);
        diff.accounts.extend(result.account);
    }
    diff.summary.roles_changed = diff.changes.len();
    diff.summary.grants_new_access = diff.changes.iter().any(PrincipalChange::grants_new_access)
        || diff.accounts.iter().any(|a| !a.denies_lifted.is_empty());
    diff
}

struct AccountResult {
    roles: Vec<PrincipalChange>,
    account: Option<AccountChange>,
}

type Side<'a> = (Option<&'a RenderedAccount>, &'a [RenderedScp]);

fn compare_account<'c>(
    expander: &mut Expander<'c>,
    organization: &Organization,
    base: Side<'_>,
    head: Side<'_>,
) -> AccountResult {
    let account = head.0.or(base.0).map(|a| &a.account);
    let (account_id, account_name) = account.map_or((String::new(), String::new()), |a| {
        (a.id.clone(), a.name.clone())
    });
    let mut levels = organization.ancestry(&account_id);
    levels.push(account_id.clone());
    let base_scps = scps_in_force(base.1, &levels);
    let head_scps = scps_in_force(head.1, &levels);
    let scp_causes = scp_changes(&base_scps, &head_scps);
    let mut account_change = AccountChange {
        account_id: account_id.clone(),
        account_name: account_name.clone(),
        ..AccountChange::default()
    };
    if !scp_causes.is_empty() {
        let denied = |expander: &mut Expander<'c>, scps: &[&RenderedScp]| {
            let documents: Vec<&PolicyDocument> = scps.iter().map(|s| &s.document.parsed).collect();
            effective::denied(expander, &documents)
        };
        let before = denied(expander, &base_scps);
        let after = denied(expander, &head_scps);
        account_change.denies_lifted = names(before.difference(&after));
        account_change.denies_added = names(after.difference(&before));
        let named = |scps: &[&RenderedScp]| -> BTreeSet<String> {
            scps.iter().map(|s| s.name.clone()).collect()
        };
        let (was, is) = (named(&base_scps), named(&head_scps));
        account_change.scps_attached = is.difference(&was).cloned().collect();
        account_change.scps_detached = was.difference(&is).cloned().collect();
        account_change.scps_changed = scp_causes
            .iter()
            .filter(|name| was.contains(*name) && is.contains(*name))
            .cloned()
            .collect();
    }
    let mut roles: BTreeMap<String, (Option<&RenderedRole>, Option<&RenderedRole>)> =
        BTreeMap::new();
    for role in base.0.map(|a| a.roles.as_slice()).unwrap_or_default() {
        roles.entry(role.name.to_ascii_lowercase()).or_default().0 = Some(role);
    }
    for role in head.0.map(|a| a.roles.as_slice()).unwrap_or_default() {
        roles.entry(role.name.to_ascii_lowercase()).or_default().1 = Some(role);
    }
    let mut changes = Vec::new();
    for (old, new) in roles.into_values() {
        let old = old.map(|role| RoleView::new(role, base.0, &base_scps));
        let new = new.map(|role| RoleView::new(role, head.0, &head_scps));
        let mut causes = Vec::new();
        match (&old, &new) {
            (Some(old), Some(new)) => {
                if !same(&old.role.trust, &new.role.trust) {
                    causes.push("trust policy".to_string());
                }
                if !same_list(&old.identity, &new.identity) || old.unexpanded != new.unexpanded {
                    causes.push("identity policies".to_string());
                }
                if old.boundary_arn != new.boundary_arn || !same_option(old.boundary, new.boundary)
                {
                    causes.push("permission boundary".to_string());
                }
                causes.extend(scp_causes.iter().map(|name| format!("scp `{name}`")));
            }
            (None, Some(_)) => causes.push("role added".to_string()),
            (Some(_), None) => causes.push("role removed".to_string()),
            (None, None) => {}
        }
        if causes.is_empty() {
            continue;
        }
        let change = compare_role(expander, old.as_ref(), new.as_ref(), causes);
        if !change.is_empty() {
            changes.push(PrincipalChange {
                account_id: account_id.clone(),
                account_name: account_name.clone(),
                ..change
            });
        }
    }
    AccountResult {
        roles: changes,
        account: (!account_change.is_empty()).then_some(account_change),
    }
}

/// SCPs attached to the root, an OU above the account, or the account.
fn scps_in_force<'a>(scps: &'a [RenderedScp], levels: &[String]) -> Vec<&'a RenderedScp> {
    scps.iter()
        .filter(|scp| scp.target_ids.iter().any(|id| levels.contains(id)))
        .collect()
}

/// Names of SCPs attached, detached or changed in meaning.
fn scp_changes(base: &[&RenderedScp], head: &[&RenderedScp]) -> Vec<String> {
    let mut names = Vec::new();
    for scp in head {
        match base.iter().find(|b| b.name.eq_ignore_ascii_case(&scp.name)) {
            Some(old) if same(&old.document, &scp.document) => {}
            _ => names.push(scp.name.clone()),
        }
    }
    for scp in base {
        if !head.iter().any(|h| h.name.eq_ignore_ascii_case(&scp.name)) {
            names.push(scp.name.clone());
        }
    }
    names.sort();
    names
}

/// A role with the documents that decide its access.
struct RoleView<'a> {
    role: &'a RenderedRole,
    arn: String,
    identity: Vec<&'a RenderedDocument>,
    /// Attached policies the rendered account does not hold (AWS managed policies).
    unexpanded: BTreeSet<String>,
    boundary_arn: Option<String>,
    boundary: Option<&'a RenderedDocument>,
    scps: Vec<&'a PolicyDocument>,
}

impl<'a> RoleView<'a> {
    fn new(
        role: &'a RenderedRole,
        account: Option<&'a RenderedAccount>,
        scps: &[&'a RenderedScp],
    ) -> RoleView<'a> {
        let account_id = account.map_or("", |a| a.account.id.as_str());
        let mut identity: Vec<&RenderedDocument> =
            role.inline.iter().map(|(_, document)| document).collect();
        let mut unexpanded = BTreeSet::new();
        for arn in &role.managed_policy_arns {
            let held = account.and_then(|a| a.policies.iter().find(|p| &p.arn == arn));
            match held {
                Some(policy) => identity.push(&policy.document),
                None => {
                    unexpanded.insert(arn.clone());
                }
            }
        }
        let boundary = role.boundary_arn.as_ref().and_then(|arn| {
            account
                .and_then(|a| a.boundaries.iter().find(|b| &b.arn == arn))
                .map(|b| &b.document)
        });
        RoleView {
            role,
            arn: role.arn(account_id),
            identity,
            unexpanded,
            boundary_arn: role.boundary_arn.clone(),
            boundary,
            scps: scps.iter().map(|s| &s.document.parsed).collect(),
        }
    }

    fn access<'c>(&self, expander: &mut Expander<'c>) -> Access<'c> {
        let identity: Vec<&PolicyDocument> = self.identity.iter().map(|d| &d.parsed).collect();
        effective::access(
            expander,
            Inputs {
                identity: &identity,
                boundary: self.boundary.map(|d| &d.parsed),
                scps: &self.scps,
            },
        )
    }
}

fn same(a: &RenderedDocument, b: &RenderedDocument) -> bool {
    a.json == b.json || equivalent(&a.parsed, &b.parsed)
}

fn same_option(a: Option<&RenderedDocument>, b: Option<&RenderedDocument>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

fn same_list(a: &[&RenderedDocument], b: &[&RenderedDocument]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
}

fn compare_role<'c>(
    expander: &mut Expander<'c>,
    old: Option<&RoleView<'_>>,
    new: Option<&RoleView<'_>>,
    causes: Vec<String>,
) -> PrincipalChange {
    let empty = Access::default();
    let before = old.map(|r| r.access(expander));
    let after = new.map(|r| r.access(expander));
    let (before, after) = (
        before.as_ref().unwrap_or(&empty),
        after.as_ref().unwrap_or(&empty),
    );
    let shown = new.or(old);
    let (trust_before, trust_after) = (
        old.map(|r| trust_grants(&r.role.trust.parsed))
            .unwrap_or_default(),
        new.map(|r| trust_grants(&r.role.trust.parsed))
            .unwrap_or_default(),
    );
    let principals = |grants: &[(String, Vec<String>)]| -> BTreeSet<String> {
        grants.iter().map(|(p, _)| p.clone()).collect()
    };
    let (trusted_before, trusted_after) = (principals(&trust_before), principals(&trust_after));
    let unexpanded =
        |view: Option<&RoleView<'_>>| view.map(|r| r.unexpanded.clone()).unwrap_or_default();
    let (attached_before, attached_after) = (unexpanded(old), unexpanded(new));
    let boundary = |view: Option<&RoleView<'_>>| view.and_then(|r| r.boundary_arn.clone());
    let (boundary_before, boundary_after) = (boundary(old), boundary(new));
    let (boundary_added, boundary_removed) = if boundary_before == boundary_after {
        (None, None)
    } else {
        (boundary_after, boundary_before)
    };
    PrincipalChange {
        account_id: String::new(),
        account_name: String::new(),
        principal: shown.map(|r| r.arn.clone()).unwrap_or_default(),
        role: shown.map(|r| r.role.name.clone()).unwrap_or_default(),
        status: match (old, new) {
            (None, _) => "added",
            (_, None) => "removed",
            _ => "modified",
        },
        gained: names(after.actions.difference(&before.actions)),
        lost: names(before.actions.difference(&after.actions)),
        scope_widened: scope_changes(after, before),
        scope_narrowed: scope_changes(before, after),
        trust_gained: trusted_after.difference(&trusted_before).cloned().collect(),
        trust_lost: trusted_before.difference(&trusted_after).cloned().collect(),
        trust_widened: trust_widened(&trust_before, &trust_after),
        boundary_added,
        boundary_removed,
        policies_attached: attached_after
            .difference(&attached_before)
            .cloned()
            .collect(),
        policies_detached: attached_before
            .difference(&attached_after)
            .cloned()
            .collect(),
        withheld: withheld(before, after),
        unknown_gained: after.unknown.difference(&before.unknown).cloned().collect(),
        causes,
    }
}

/// Actions the head names in its identity policies, not named before, that the boundary or an
/// SCP keeps from taking effect.
fn withheld(before: &Access<'_>, after: &Access<'_>) -> Vec<Withheld> {
    let named = |access: &Access<'_>| -> BTreeSet<(String, &'static str)> {
        let mut named = BTreeSet::new();
        for action in &access.outside_boundary {
            named.insert((action_name(*action), "permission boundary"));
        }
        for action in &access.denied_by_scps {
            named.insert((action_name(*action), "scp"));
        }
        named
    };
    let (was, is) = (named(before), named(after));
    let held_before: BTreeSet<&String> = was.iter().map(|(a, _)| a).collect();
    is.into_iter()
        .filter(|(action, _)| !held_before.contains(action))
        .map(|(action, by)| Withheld { action, by })
        .collect()
}

fn names<'a, 'c: 'a>(actions: impl Iterator<Item = &'a (&'c str, &'c str)>) -> Vec<String> {
    actions.map(|a| action_name(*a)).collect()
}

/// Actions effective on both sides that `wider` allows in a scope `narrower` does not cover.
fn scope_changes(wider: &Access<'_>, narrower: &Access<'_>) -> Vec<ScopeChange> {
    let kept: ActionSet<'_> = wider
        .actions
        .intersection(&narrower.actions)
        .copied()
        .collect();
    if kept.is_empty() {
        return Vec::new();
    }
    let mut changes: BTreeMap<(Vec<String>, Vec<String>), ActionSet<'_>> = BTreeMap::new();
    for grant in &wider.grants {
        let covering: Vec<&Scope> = narrower
            .grants
            .iter()
            .filter(|other| grant.scope.within(&other.scope))
            .map(|other| &other.scope)
            .collect();
        let uncovered: ActionSet<'_> = grant
            .actions
            .actions
            .iter()
            .filter(|action| kept.contains(*action))
            .filter(|action| {
                !narrower.grants.iter().any(|other| {
                    covering.contains(&&other.scope) && other.actions.actions.contains(*action)
                })
            })
            .copied()
            .collect();
        if uncovered.is_empty() {
            continue;
        }
        // What the other side had for these actions: the resources it does not cover and the
        // conditions every one of its grants imposed.
        let others: Vec<&Scope> = narrower
            .grants
            .iter()
            .filter(|other| uncovered.iter().any(|a| other.actions.actions.contains(a)))
            .map(|other| &other.scope)
            .collect();
        let resources: BTreeSet<String> = others
            .iter()
            .flat_map(|other| grant.scope.resources_within(other))
            .filter(|r| {
                others
                    .iter()
                    .all(|other| grant.scope.resources_within(other).contains(r))
            })
            .collect();
        let mut removed: Option<BTreeSet<String>> = None;
        for other in &others {
            let missing: BTreeSet<String> = other
                .conditions
                .iter()
                .filter(|c| !grant.scope.conditions.contains(c))
                .cloned()
                .collect();
            removed = Some(match removed {
                None => missing,
                Some(so_far) => so_far.intersection(&missing).cloned().collect(),
            });
        }
        let key = (
            resources.into_iter().collect(),
            removed.unwrap_or_default().into_iter().collect(),
        );
        changes.entry(key).or_default().extend(uncovered);
    }
    changes
        .into_iter()
        .map(|((resources, conditions_removed), actions)| ScopeChange {
            actions: names(actions.iter()),
            resources,
            conditions_removed,
        })
        .collect()
}

/// `(principal, condition tests)` of each principal an allowing trust statement names.
fn trust_grants(trust: &PolicyDocument) -> Vec<(String, Vec<String>)> {
    let mut grants = Vec::new();
    for statement in trust
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        let conditions = condition_tests(statement.condition.as_ref());
        let (negated, principal) = match &statement.principal {
            Some(PrincipalClause::Principal(p)) => (false, p),
            Some(PrincipalClause::NotPrincipal(p)) => (true, p),
            None => continue,
        };
        let mut named = Vec::new();
        match principal {
            Principal::Any => named.push("*".to_string()),
            Principal::Typed(types) => {
                for (_, values) in types {
                    named.extend(values.items.iter().cloned());
                }
            }
        }
        for name in named {
            let name = if negated {
                format!("everyone but {name}")
            } else {
                name
            };
            grants.push((name, conditions.clone()));
        }
    }
    grants
}

/// Principals trusted on both sides with a head grant whose conditions no base grant's are a
/// subset of.
fn trust_widened(
    before: &[(String, Vec<String>)],
    after: &[(String, Vec<String>)],
) -> Vec<TrustChange> {
    let mut changes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (principal, conditions) in after {
        let old: Vec<&Vec<String>> = before
            .iter()
            .filter(|(p, _)| p == principal)
            .map(|(_, c)| c)
            .collect();
        if old.is_empty() || old.iter().any(|c| c.iter().all(|t| conditions.contains(t))) {
            continue;
        }
        let removed = old
            .iter()
            .flat_map(|c| c.iter())
            .filter(|t| !conditions.contains(t))
            .cloned();
        changes
            .entry(principal.clone())
            .or_default()
            .extend(removed);
    }
    changes
        .into_iter()
        .map(|(principal, removed)| TrustChange {
            principal,
            conditions_removed: removed.into_iter().collect(),
        })
        .collect()
}
