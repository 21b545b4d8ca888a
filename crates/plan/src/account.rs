//! The planner for one member account: desired roles and policies against live IAM, producing
//! ordered changes, conflicts and the unmanaged inventory. Ownership is decided here.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::change::{Change, Conflict, Unmanaged};
use crate::desired::{
    DEFAULT_MAX_SESSION_SECONDS, DesiredAccount, DesiredPolicy, DesiredRole, Ownership,
};
use crate::doc;
use crate::live::{LiveAccount, LiveManagedPolicy, LiveRole};

/// IAM keeps at most five versions of a managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;

/// The plan for one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPlan {
    pub account_id: String,
    pub account_name: String,
    /// sha256 of the canonical live state the plan was computed from.
    pub fingerprint: String,
    /// In the order they must be applied.
    pub changes: Vec<Change>,
    pub conflicts: Vec<Conflict>,
    pub unmanaged: Vec<Unmanaged>,
}

/// Changes grouped by the phase they belong to; concatenated in this order they never leave
/// a half-made state (referenced policies exist first; deletions come after detachments).
#[derive(Default)]
struct Phases {
    create_policies: Vec<Change>,
    update_policies: Vec<Change>,
    create_roles: Vec<Change>,
    update_roles: Vec<Change>,
    remove_from_kept_roles: Vec<Change>,
    add_to_roles: Vec<Change>,
    delete_roles: Vec<Change>,
    delete_policies: Vec<Change>,
}

impl Phases {
    fn into_changes(self) -> Vec<Change> {
        [
            self.create_policies,
            self.update_policies,
            self.create_roles,
            self.update_roles,
            self.remove_from_kept_roles,
            self.add_to_roles,
            self.delete_roles,
            self.delete_policies,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Computes the ordered changes that turn `live` into `desired`, touching only what Warden owns.
pub fn plan_account(
    desired: &DesiredAccount,
    live: &LiveAccount,
    ownership: &Ownership,
) -> AccountPlan {
    let mut phases = Phases::default();
    let mut conflicts = Vec::new();
    let mut unmanaged = Vec::new();
    plan_policies(
        desired,
        live,
        ownership,
        &mut phases,
        &mut conflicts,
        &mut unmanaged,
    );
    plan_roles(
        desired,
        live,
        ownership,
        &mut phases,
        &mut conflicts,
        &mut unmanaged,
    );
    AccountPlan {
        account_id: desired.account_id.clone(),
        account_name: desired.account_name.clone(),
        fingerprint: fingerprint_account(live),
        changes: phases.into_changes(),
        conflicts,
        unmanaged,
    }
}

fn role_is_warden_managed(role: &LiveRole, ownership: &Ownership) -> bool {
    ownership.tagged(&role.tags)
        && !ownership.is_access_role(&role.name)
        && !role.is_service_linked()
}

fn policy_is_warden_managed(policy: &LiveManagedPolicy, ownership: &Ownership) -> bool {
    ownership.marks(&policy.tags, policy.description.as_deref())
}

fn conflict(kind: &str, name: &str, reason: String) -> Conflict {
    Conflict {
        kind: kind.to_string(),
        name: name.to_string(),
        reason,
    }
}

fn plan_policies(
    desired: &DesiredAccount,
    live: &LiveAccount,
    ownership: &Ownership,
    phases: &mut Phases,
    conflicts: &mut Vec<Conflict>,
    unmanaged: &mut Vec<Unmanaged>,
) {
    let mut wanted: Vec<&DesiredPolicy> = desired.policies.iter().collect();
    // Boundaries first: roles created later may reference them.
    wanted.sort_by(|a, b| {
        b.boundary
            .cmp(&a.boundary)
            .then_with(|| a.name.cmp(&b.name))
    });
    for policy in &wanted {
        match live.policy(&policy.name) {
            None => phases.create_policies.push(Change::CreatePolicy {
                name: policy.name.clone(),
                path: policy.path.clone(),
                description: ownership.marked_description(&policy.description),
                document: doc::text(&policy.document),
                tags: ownership.marker_tags(),
                boundary: policy.boundary,
            }),
            Some(existing)
                if !policy_is_warden_managed(existing, ownership)
                    && adoptable_policy(policy, existing) =>
            {
                phases.update_policies.push(Change::AdoptPolicy {
                    arn: existing.arn.clone(),
                    tags: ownership.marker_tags(),
                });
            }
            Some(existing) if !policy_is_warden_managed(existing, ownership) => conflicts.push(conflict(
                "policy",
                &existing.name,
                format!(
                    "exists but is not managed by Warden (no `{}` tag or description mark); left unchanged",
                    ownership.marker()
                ),
            )),
            Some(existing) if existing.name != policy.name => conflicts.push(conflict(
                "policy",
                &existing.name,
                format!(
                    "exists as `{}`; policy names are case-insensitive, rename the definition `{}` to match",
                    existing.name, policy.name
                ),
            )),
            Some(existing) if existing.path != policy.path => conflicts.push(conflict(
                "policy",
                &existing.name,
                format!(
                    "path is `{}` but the definitions say `{}`; IAM cannot move a policy",
                    existing.path, policy.path
                ),
            )),
            Some(existing) => {
                if !doc::equivalent_to_live(&policy.document, &existing.document) {
                    phases.update_policies.push(Change::CreatePolicyVersion {
                        arn: existing.arn.clone(),
                        document: doc::text(&policy.document),
                        prune_version: version_to_prune(existing),
                        delta: doc::delta(&existing.document, &policy.document),
                    });
                }
            }
        }
    }
    let wanted_names: BTreeSet<String> =
        wanted.iter().map(|p| p.name.to_ascii_lowercase()).collect();
    let mut leftovers: Vec<&LiveManagedPolicy> = live
        .policies
        .iter()
        .filter(|p| !wanted_names.contains(&p.name.to_ascii_lowercase()))
        .collect();
    leftovers.sort_by(|a, b| a.name.cmp(&b.name));
    for policy in leftovers {
        if !policy_is_warden_managed(policy, ownership) {
            unmanaged.push(Unmanaged {
                kind: "policy".into(),
                name: policy.name.clone(),
            });
            continue;
        }
        match blocker_for_policy_delete(policy, live, ownership) {
            Some(reason) => conflicts.push(conflict("policy", &policy.name, reason)),
            None => phases.delete_policies.push(Change::DeletePolicy {
                arn: policy.arn.clone(),
                non_default_versions: policy
                    .versions
                    .iter()
                    .filter(|v| !v.is_default)
                    .map(|v| v.version_id.clone())
                    .collect(),
            }),
        }
    }
}

/// The oldest non-default version when a new version would make a sixth.
fn version_to_prune(policy: &LiveManagedPolicy) -> Option<String> {
    if policy.versions.len() < MAX_POLICY_VERSIONS {
        return None;
    }
    policy
        .versions
        .iter()
        .filter(|v| !v.is_default)
        .min_by_key(|v| version_number(&v.version_id))
        .map(|v| v.version_id.clone())
}

fn version_number(version_id: &str) -> u64 {
    version_id
        .trim_start_matches('v')
        .parse()
        .unwrap_or(u64::MAX)
}

/// Why a Warden policy that left the definitions cannot be deleted: something Warden does not
/// manage still uses it, and Warden never changes unmanaged roles.
fn blocker_for_policy_delete(
    policy: &LiveManagedPolicy,
    live: &LiveAccount,
    ownership: &Ownership,
) -> Option<String> {
    let mut known_attachments = 0u32;
    let mut known_boundary_uses = 0u32;
    for role in &live.roles {
        let attached = role
            .attached_policy_arns
            .iter()
            .any(|arn| arn == &policy.arn);
        let boundary = role.permissions_boundary_arn.as_deref() == Some(policy.arn.as_str());
        if !attached && !boundary {
            continue;
        }
        if !role_is_warden_managed(role, ownership) {
            return Some(format!(
                "not in the definitions but still used by role `{}`, which Warden does not manage; left in place",
                role.name
            ));
        }
        known_attachments += u32::from(attached);
        known_boundary_uses += u32::from(boundary);
    }
    if policy.attachment_count > known_attachments
        || policy.permissions_boundary_usage_count > known_boundary_uses
    {
        return Some(
            "not in the definitions but still attached to users or groups Warden does not manage; left in place"
                .to_string(),
        );
    }
    None
}

fn plan_roles(
    desired: &DesiredAccount,
    live: &LiveAccount,
    ownership: &Ownership,
    phases: &mut Phases,
    conflicts: &mut Vec<Conflict>,
    unmanaged: &mut Vec<Unmanaged>,
) {
    let mut wanted: Vec<&DesiredRole> = desired.roles.iter().collect();
    wanted.sort_by(|a, b| a.name.cmp(&b.name));
    for role in &wanted {
        if ownership.is_access_role(&role.name) {
            conflicts.push(conflict(
                "role",
                &role.name,
                "is the access role Warden signs in with; Warden never changes it".to_string(),
            ));
            continue;
        }
        match live.role(&role.name) {
            None => create_role(role, ownership, phases),
            Some(existing) if adoptable_role(role, existing, ownership) => {
                phases.update_roles.push(Change::AdoptRole {
                    role: existing.name.clone(),
                    tags: ownership.marker_tags(),
                });
            }
            Some(existing) => match role_conflict(role, existing, ownership) {
                Some(reason) => conflicts.push(conflict("role", &existing.name, reason)),
                None => update_role(role, existing, ownership, phases),
            },
        }
    }
    let wanted_names: BTreeSet<String> =
        wanted.iter().map(|r| r.name.to_ascii_lowercase()).collect();
    let mut leftovers: Vec<&LiveRole> = live
        .roles
        .iter()
        .filter(|r| !wanted_names.contains(&r.name.to_ascii_lowercase()))
        .collect();
    leftovers.sort_by(|a, b| a.name.cmp(&b.name));
    for role in leftovers {
        if role_is_warden_managed(role, ownership) {
            delete_role(role, phases);
        } else {
            unmanaged.push(Unmanaged {
                kind: "role".into(),
                name: role.name.clone(),
            });
        }
    }
}

/// A hand-made role (no marker, not service-linked, not the access role) that already is what
/// its definition says: with the marker added, planning it would change nothing. Anything that
/// differs keeps it a conflict until the definition matches.
fn adoptable_role(role: &DesiredRole, existing: &LiveRole, ownership: &Ownership) -> bool {
    if ownership.tagged(&existing.tags)
        || existing.is_service_linked()
        || ownership.is_access_role(&existing.name)
    {
        return false;
    }
    let mut marked = existing.clone();
    marked.tags.extend(ownership.marker_tags());
    if role_conflict(role, &marked, ownership).is_some() {
        return false;
    }
    let mut scratch = Phases::default();
    update_role(role, &marked, ownership, &mut scratch);
    scratch.into_changes().is_empty()
}

/// A hand-made customer managed policy equal to its definition: same name (case included),
/// path, document by meaning and description (IAM cannot change a policy's description, so it
/// must already be the definition's).
fn adoptable_policy(policy: &DesiredPolicy, existing: &LiveManagedPolicy) -> bool {
    existing.name == policy.name
        && existing.path == policy.path
        && existing.description.as_deref().unwrap_or_default() == policy.description
        && doc::equivalent_to_live(&policy.document, &existing.document)
}

fn role_conflict(role: &DesiredRole, existing: &LiveRole, ownership: &Ownership) -> Option<String> {
    if existing.is_service_linked() {
        return Some("is a service-linked role; AWS manages it".to_string());
    }
    if !ownership.tagged(&existing.tags) {
        return Some(format!(
            "exists but is not managed by Warden (no `{}` tag); left unchanged",
            ownership.marker()
        ));
    }
    if existing.name != role.name {
        return Some(format!(
            "exists as `{}`; role names are case-insensitive, rename the definition to match",
            existing.name
        ));
    }
    if existing.path != role.path {
        return Some(format!(
            "path is `{}` but the definitions say `{}`; IAM cannot move a role",
            existing.path, role.path
        ));
    }
    None
}

fn desired_tags(role: &DesiredRole, ownership: &Ownership) -> BTreeMap<String, String> {
    let mut tags = role.tags.clone();
    tags.extend(ownership.marker_tags());
    tags
}

fn create_role(role: &DesiredRole, ownership: &Ownership, phases: &mut Phases) {
    phases.create_roles.push(Change::CreateRole {
        name: role.name.clone(),
        path: role.path.clone(),
        description: role.description.clone(),
        trust: doc::text(&role.trust),
        boundary_arn: role.boundary_arn.clone(),
        tags: desired_tags(role, ownership),
        max_session_duration: role.max_session_duration,
    });
    for (policy_name, document) in &role.inline {
        phases.add_to_roles.push(Change::PutInlinePolicy {
            role: role.name.clone(),
            policy_name: policy_name.clone(),
            document: doc::text(document),
            delta: None,
        });
    }
    for arn in &role.managed_policy_arns {
        phases.add_to_roles.push(Change::AttachPolicy {
            role: role.name.clone(),
            arn: arn.clone(),
        });
    }
}

fn update_role(
    role: &DesiredRole,
    existing: &LiveRole,
    ownership: &Ownership,
    phases: &mut Phases,
) {
    let name = &existing.name;
    if !doc::equivalent_to_live(&role.trust, &existing.trust_policy) {
        phases.update_roles.push(Change::UpdateTrust {
            role: name.clone(),
            document: doc::text(&role.trust),
            delta: doc::delta(&existing.trust_policy, &role.trust),
        });
    }
    let live_description = existing.description.as_deref().unwrap_or("");
    let live_max_session = existing
        .max_session_duration
        .unwrap_or(DEFAULT_MAX_SESSION_SECONDS);
    if live_description != role.description || live_max_session != role.max_session_duration {
        phases.update_roles.push(Change::UpdateRole {
            role: name.clone(),
            description: role.description.clone(),
            max_session_duration: role.max_session_duration,
        });
    }
    match (&role.boundary_arn, &existing.permissions_boundary_arn) {
        (Some(wanted), live_boundary) if live_boundary.as_ref() != Some(wanted) => {
            phases.update_roles.push(Change::PutBoundary {
                role: name.clone(),
                arn: wanted.clone(),
            });
        }
        (None, Some(_)) => phases
            .update_roles
            .push(Change::DeleteBoundary { role: name.clone() }),
        _ => {}
    }
    plan_tags(name, &desired_tags(role, ownership), &existing.tags, phases);
    plan_inline(role, existing, phases);
    plan_attachments(role, existing, phases);
}

fn plan_tags(
    role: &str,
    wanted: &BTreeMap<String, String>,
    live: &BTreeMap<String, String>,
    phases: &mut Phases,
) {
    let to_set: BTreeMap<String, String> = wanted
        .iter()
        .filter(|(key, value)| live.get(*key) != Some(*value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let to_remove: Vec<String> = live
        .keys()
        .filter(|key| !wanted.contains_key(*key))
        .cloned()
        .collect();
    if !to_set.is_empty() {
        phases.update_roles.push(Change::TagRole {
            role: role.to_string(),
            tags: to_set,
        });
    }
    if !to_remove.is_empty() {
        phases.update_roles.push(Change::UntagRole {
            role: role.to_string(),
            keys: to_remove,
        });
    }
}

fn plan_inline(role: &DesiredRole, existing: &LiveRole, phases: &mut Phases) {
    for live_name in existing.inline_policies.keys() {
        if !role.inline.contains_key(live_name) {
            phases
                .remove_from_kept_roles
                .push(Change::DeleteInlinePolicy {
                    role: existing.name.clone(),
                    policy_name: live_name.clone(),
                });
        }
    }
    for (policy_name, document) in &role.inline {
        let delta = match existing.inline_policies.get(policy_name) {
            None => None,
            Some(live_text) if doc::equivalent_to_live(document, live_text) => continue,
            Some(live_text) => Some(doc::delta(live_text, document)),
        };
        phases.add_to_roles.push(Change::PutInlinePolicy {
            role: existing.name.clone(),
            policy_name: policy_name.clone(),
            document: doc::text(document),
            delta,
        });
    }
}

fn plan_attachments(role: &DesiredRole, existing: &LiveRole, phases: &mut Phases) {
    let live: BTreeSet<&String> = existing.attached_policy_arns.iter().collect();
    // Detach before attach: the per-role attachment quota must hold at every step.
    for arn in &live {
        if !role.managed_policy_arns.contains(*arn) {
            phases.remove_from_kept_roles.push(Change::DetachPolicy {
                role: existing.name.clone(),
                arn: (*arn).clone(),
            });
        }
    }
    for arn in &role.managed_policy_arns {
        if !live.contains(arn) {
            phases.add_to_roles.push(Change::AttachPolicy {
                role: existing.name.clone(),
                arn: arn.clone(),
            });
        }
    }
}

/// Inline policies and attachments go first: IAM refuses to delete a role that has them.
fn delete_role(role: &LiveRole, phases: &mut Phases) {
    for policy_name in role.inline_policies.keys() {
        phases.delete_roles.push(Change::DeleteInlinePolicy {
            role: role.name.clone(),
            policy_name: policy_name.clone(),
        });
    }
    for arn in &role.attached_policy_arns {
        phases.delete_roles.push(Change::DetachPolicy {
            role: role.name.clone(),
            arn: arn.clone(),
        });
    }
    phases.delete_roles.push(Change::DeleteRole {
        role: role.name.clone(),
    });
}

/// sha256 (hex) of the account's live state in canonical form: documents canonicalized (so
/// AWS reformatting does not make a plan stale), roles and policies sorted by name.
pub fn fingerprint_account(live: &LiveAccount) -> String {
    let mut roles: Vec<&LiveRole> = live.roles.iter().collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    let mut policies: Vec<&LiveManagedPolicy> = live.policies.iter().collect();
    policies.sort_by(|a, b| a.name.cmp(&b.name));
    let roles: Vec<serde_json::Value> = roles
        .into_iter()
        .map(|role| {
            let inline: BTreeMap<&String, String> = role
                .inline_policies
                .iter()
                .map(|(name, text)| (name, doc::canonical_live(text)))
                .collect();
            let mut attached = role.attached_policy_arns.clone();
            attached.sort();
            serde_json::json!({
                "name": role.name,
                "path": role.path,
                "trust": doc::canonical_live(&role.trust_policy),
                "description": role.description.as_deref().unwrap_or(""),
                "max_session_duration": role.max_session_duration.unwrap_or(DEFAULT_MAX_SESSION_SECONDS),
                "boundary": role.permissions_boundary_arn,
                "tags": role.tags,
                "inline": inline,
                "attached": attached,
            })
        })
        .collect();
    let policies: Vec<serde_json::Value> = policies
        .into_iter()
        .map(|policy| {
            let versions: Vec<(&String, bool)> = policy
                .versions
                .iter()
                .map(|v| (&v.version_id, v.is_default))
                .collect();
            serde_json::json!({
                "name": policy.name,
                "path": policy.path,
                "arn": policy.arn,
                "description": policy.description,
                "document": doc::canonical_live(&policy.document),
                "default_version": policy.default_version_id,
                "versions": versions,
                "tags": policy.tags,
                "attachments": policy.attachment_count,
                "boundary_uses": policy.permissions_boundary_usage_count,
            })
        })
        .collect();
    let state =
        serde_json::json!({ "account": live.account_id, "roles": roles, "policies": policies });
    sha256_hex(state.to_string().as_bytes())
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
