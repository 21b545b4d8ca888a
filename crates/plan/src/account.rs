//! The planner for one member account: desired roles and policies against live IAM, producing
//! ordered changes, conflicts and the unmanaged inventory. Ownership is decided here.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::change::{Change, Conflict, Unmanaged};
use crate::desired::{
    DEFAULT_MAX_SESSION_SECONDS, DesiredAccount, DesiredPolicy, DesiredRole, Ownership,
};
use crate::direction::{self, Direction};
use crate::doc;
use crate::live::{LiveAccount, LiveManagedPolicy, LiveRole};
use crate::order::Phase;

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
    /// The phase of each change, index for index (empty in plans saved before phases).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<Phase>,
    /// sha256 of each role's and policy's live state the plan was computed from
    /// ([`object_fingerprints`]); empty in plans saved before them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub objects: BTreeMap<String, String>,
    pub conflicts: Vec<Conflict>,
    pub unmanaged: Vec<Unmanaged>,
}

/// Changes grouped by [`Phase`]; concatenated in this order they never leave a half-made
/// state (referenced policies exist first, deletions come after detachments) and never grant
/// more than the old or the new state (narrowing before widening).
#[derive(Default)]
struct Phases {
    prepare: Vec<Change>,
    narrow: Vec<Change>,
    narrow_trust: Vec<Change>,
    mixed: Vec<Change>,
    widen: Vec<Change>,
    create: Vec<Change>,
    cleanup: Vec<Change>,
}

impl Phases {
    fn into_changes(self) -> (Vec<Change>, Vec<Phase>) {
        let mut changes = Vec::new();
        let mut phases = Vec::new();
        for (phase, group) in [
            (Phase::Prepare, self.prepare),
            (Phase::Narrow, self.narrow),
            (Phase::NarrowTrust, self.narrow_trust),
            (Phase::Mixed, self.mixed),
            (Phase::Widen, self.widen),
            (Phase::Create, self.create),
            (Phase::Cleanup, self.cleanup),
        ] {
            phases.extend(std::iter::repeat_n(phase, group.len()));
            changes.extend(group);
        }
        (changes, phases)
    }

    /// Where a change of a document that moves access in `direction` goes.
    fn by_direction(&mut self, direction: Direction) -> &mut Vec<Change> {
        match direction {
            Direction::Same | Direction::Narrows => &mut self.narrow,
            Direction::Mixed => &mut self.mixed,
            Direction::Widens => &mut self.widen,
        }
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
    let (changes, phases) = phases.into_changes();
    AccountPlan {
        account_id: desired.account_id.clone(),
        account_name: desired.account_name.clone(),
        fingerprint: fingerprint_account(live),
        objects: object_fingerprints(live),
        changes,
        phases,
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
            None => phases.prepare.push(Change::CreatePolicy {
                name: policy.name.clone(),
                path: policy.path.clone(),
                description: ownership.marked_description(&policy.description),
                document: doc::text(&policy.document),
                tags: desired_policy_tags(policy, ownership),
                boundary: policy.boundary,
            }),
            Some(existing)
                if !policy_is_warden_managed(existing, ownership)
                    && adoptable_policy(policy, existing) =>
            {
                phases.prepare.push(Change::AdoptPolicy {
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
                plan_policy_tags(
                    &existing.arn,
                    &desired_policy_tags(policy, ownership),
                    &existing.tags,
                    phases,
                );
                if !doc::equivalent_to_live(&policy.document, &existing.document) {
                    let moves = direction::compare_live(&existing.document, &policy.document);
                    phases.by_direction(moves).push(Change::CreatePolicyVersion {
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
            None => phases.cleanup.push(Change::DeletePolicy {
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

/// A policy's tags as the definition gives them, with the managed marker.
fn desired_policy_tags(policy: &DesiredPolicy, ownership: &Ownership) -> BTreeMap<String, String> {
    let mut tags = policy.tags.clone();
    tags.extend(ownership.marker_tags());
    tags
}

/// Tags of a kept managed policy: set what differs, remove what the definition dropped. They
/// grant nothing, so they go with the preparations.
fn plan_policy_tags(
    arn: &str,
    wanted: &BTreeMap<String, String>,
    live: &BTreeMap<String, String>,
    phases: &mut Phases,
) {
    let (to_set, to_remove) = tag_difference(wanted, live);
    if !to_set.is_empty() {
        phases.prepare.push(Change::TagPolicy {
            arn: arn.to_string(),
            tags: to_set,
        });
    }
    if !to_remove.is_empty() {
        phases.prepare.push(Change::UntagPolicy {
            arn: arn.to_string(),
            keys: to_remove,
        });
    }
}

/// Tags to set (new or changed values) and keys to remove to turn `live` into `wanted`.
fn tag_difference(
    wanted: &BTreeMap<String, String>,
    live: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let to_set = wanted
        .iter()
        .filter(|(key, value)| live.get(*key) != Some(*value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let to_remove = live
        .keys()
        .filter(|key| !wanted.contains_key(*key))
        .cloned()
        .collect();
    (to_set, to_remove)
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
            None => create_role(role, desired, live, ownership, phases),
            Some(existing) if adoptable_role(role, existing, desired, live, ownership) => {
                phases.prepare.push(Change::AdoptRole {
                    role: existing.name.clone(),
                    tags: ownership.marker_tags(),
                });
            }
            Some(existing) => match role_conflict(role, existing, ownership) {
                Some(reason) => conflicts.push(conflict("role", &existing.name, reason)),
                None => update_role(role, existing, desired, live, ownership, phases),
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
            delete_role(role, desired, live, phases);
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
fn adoptable_role(
    role: &DesiredRole,
    existing: &LiveRole,
    desired: &DesiredAccount,
    live: &LiveAccount,
    ownership: &Ownership,
) -> bool {
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
    update_role(role, &marked, desired, live, ownership, &mut scratch);
    scratch.into_changes().0.is_empty()
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

/// A new role is made complete before the next one. When it has several documents and one of
/// them denies, a prefix of its documents could allow what a later one denies: the role is
/// created closed and opened once all its documents are in place.
fn create_role(
    role: &DesiredRole,
    desired: &DesiredAccount,
    live: &LiveAccount,
    ownership: &Ownership,
    phases: &mut Phases,
) {
    let trust = doc::text(&role.trust);
    let documents = role.inline.len() + role.managed_policy_arns.len();
    let denies = role
        .inline
        .values()
        .map(|document| direction::of_adding(&doc::text(document)))
        .chain(
            role.managed_policy_arns
                .iter()
                .map(|arn| attachment_direction(arn, true, desired, live)),
        )
        .any(|moves| moves != Direction::Widens);
    let closed = closed_trust(&trust).filter(|_| documents > 1 && denies);
    phases.create.push(Change::CreateRole {
        name: role.name.clone(),
        path: role.path.clone(),
        description: role.description.clone(),
        trust: closed.as_ref().map_or_else(|| trust.clone(), doc::text),
        boundary_arn: role.boundary_arn.clone(),
        tags: desired_tags(role, ownership),
        max_session_duration: role.max_session_duration,
    });
    for (policy_name, document) in &role.inline {
        phases.create.push(Change::PutInlinePolicy {
            role: role.name.clone(),
            policy_name: policy_name.clone(),
            document: doc::text(document),
            delta: None,
        });
    }
    for arn in &role.managed_policy_arns {
        phases.create.push(Change::AttachPolicy {
            role: role.name.clone(),
            arn: arn.clone(),
        });
    }
    if let Some(closed) = closed {
        phases.create.push(Change::UpdateTrust {
            role: role.name.clone(),
            delta: doc::delta(&doc::text(&closed), &role.trust),
            document: trust,
        });
    }
}

fn update_role(
    role: &DesiredRole,
    existing: &LiveRole,
    desired: &DesiredAccount,
    live: &LiveAccount,
    ownership: &Ownership,
    phases: &mut Phases,
) {
    let name = &existing.name;
    let live_description = existing.description.as_deref().unwrap_or("");
    let live_max_session = existing
        .max_session_duration
        .unwrap_or(DEFAULT_MAX_SESSION_SECONDS);
    if live_description != role.description || live_max_session != role.max_session_duration {
        phases.mixed.push(Change::UpdateRole {
            role: name.clone(),
            description: role.description.clone(),
            max_session_duration: role.max_session_duration,
        });
    }
    match (&role.boundary_arn, &existing.permissions_boundary_arn) {
        (Some(wanted), None) => phases.narrow_trust.push(Change::PutBoundary {
            role: name.clone(),
            arn: wanted.clone(),
        }),
        (Some(wanted), Some(current)) if current != wanted => {
            // Either boundary may get its new version before or after the swap: every pair
            // of their documents must agree.
            let (olds, news) = (
                policy_texts(current, desired, live),
                policy_texts(wanted, desired, live),
            );
            let pairs: Vec<Direction> = olds
                .iter()
                .flat_map(|old| news.iter().map(|new| direction::compare_texts(old, new)))
                .collect();
            let moves = match pairs.as_slice() {
                [first, rest @ ..] if rest.iter().all(|m| m == first) => *first,
                _ => Direction::Mixed,
            };
            let change = Change::PutBoundary {
                role: name.clone(),
                arn: wanted.clone(),
            };
            match moves {
                Direction::Same | Direction::Narrows => phases.narrow_trust.push(change),
                other => phases.by_direction(other).push(change),
            }
        }
        (None, Some(_)) => phases
            .widen
            .push(Change::DeleteBoundary { role: name.clone() }),
        _ => {}
    }
    plan_tags(name, &desired_tags(role, ownership), &existing.tags, phases);
    plan_inline(role, existing, phases);
    plan_attachments(role, existing, desired, live, phases);
    // Last: whether the trust must be closed depends on the role's other swaps.
    plan_trust(role, existing, phases);
}

/// The trust change of a kept role, by direction. When two or more parts of what a role can
/// do are swapped (principals or permissions both gained and lost: its trust, an inline
/// policy, a new version of a policy it uses, its boundary), no order of them is safe: one
/// applied before the other lets old principals hold new permissions, or the old and new
/// halves of two documents combine into access neither state grants. The role is then closed
/// first (its live trust with a deny for everyone) and opened with its wanted trust after the
/// swaps. One swap alone needs no closing: it runs after every narrowing and before every
/// widening.
fn plan_trust(role: &DesiredRole, existing: &LiveRole, phases: &mut Phases) {
    let name = &existing.name;
    let changed = !doc::equivalent_to_live(&role.trust, &existing.trust_policy);
    let moves = if changed {
        direction::compare_live(&existing.trust_policy, &role.trust)
    } else {
        Direction::Same
    };
    let swaps = phases
        .mixed
        .iter()
        .filter(|change| match change {
            Change::UpdateRole { .. } | Change::TagRole { .. } | Change::UntagRole { .. } => false,
            Change::CreatePolicyVersion { arn, .. } => {
                existing.attached_policy_arns.contains(arn)
                    || role.managed_policy_arns.contains(arn)
                    || existing.permissions_boundary_arn.as_deref() == Some(arn.as_str())
                    || role.boundary_arn.as_deref() == Some(arn.as_str())
            }
            other => other.role().is_some_and(|r| r.eq_ignore_ascii_case(name)),
        })
        .count()
        + usize::from(moves == Direction::Mixed);
    let update = Change::UpdateTrust {
        role: name.clone(),
        document: doc::text(&role.trust),
        delta: doc::delta(&existing.trust_policy, &role.trust),
    };
    if let Some(closed) = closed_trust(&existing.trust_policy).filter(|_| swaps >= 2) {
        phases.narrow_trust.push(Change::UpdateTrust {
            role: name.clone(),
            delta: doc::delta(&existing.trust_policy, &closed),
            document: doc::text(&closed),
        });
        phases.widen.push(update);
        return;
    }
    if changed {
        match moves {
            Direction::Same | Direction::Narrows => phases.narrow_trust.push(update),
            Direction::Widens => phases.widen.push(update),
            Direction::Mixed => phases.mixed.push(update),
        }
    }
}

/// Sid of the statement that closes a role while its trust and permissions are swapped.
pub const CLOSED_TRUST_SID: &str = "WardenApplyInProgress";

/// The live trust with a deny for every principal added: the role cannot be assumed while
/// apply swaps its permissions. A deny in a trust policy wins over its allows.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>
fn closed_trust(live_trust: &str) -> Option<warden_policy::PolicyDocument> {
    let mut document = warden_policy::parse_policy(live_trust).ok()?;
    let deny = warden_policy::parse_policy(&format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{CLOSED_TRUST_SID}","Effect":"Deny","Principal":{{"AWS":"*"}},"Action":"sts:*"}}]}}"#
    ))
    .ok()?;
    document.statements.extend(deny.statements);
    document.statement_is_object = false;
    Some(document)
}

/// A managed policy's document by ARN: the definition's when the plan writes it, else live.
fn policy_text(arn: &str, desired: &DesiredAccount, live: &LiveAccount) -> Option<String> {
    let name = crate::change::policy_name_from_arn(arn);
    if let Some(policy) = desired
        .policies
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .filter(|_| arn.contains(&live.account_id))
    {
        return Some(doc::text(&policy.document));
    }
    live.policies
        .iter()
        .find(|p| p.arn == arn)
        .map(|p| p.document.clone())
}

/// Every document a managed policy has during the apply: live, and the definition's.
fn policy_texts(arn: &str, desired: &DesiredAccount, live: &LiveAccount) -> Vec<String> {
    let mut texts: Vec<String> = live
        .policies
        .iter()
        .find(|p| p.arn == arn)
        .map(|p| p.document.clone())
        .into_iter()
        .collect();
    texts.extend(policy_text(arn, desired, live));
    texts
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
        phases.mixed.push(Change::TagRole {
            role: role.to_string(),
            tags: to_set,
        });
    }
    if !to_remove.is_empty() {
        phases.mixed.push(Change::UntagRole {
            role: role.to_string(),
            keys: to_remove,
        });
    }
}

fn plan_inline(role: &DesiredRole, existing: &LiveRole, phases: &mut Phases) {
    for (live_name, live_text) in &existing.inline_policies {
        if !role.inline.contains_key(live_name) {
            phases.by_direction(direction::of_removing(live_text)).push(
                Change::DeleteInlinePolicy {
                    role: existing.name.clone(),
                    policy_name: live_name.clone(),
                },
            );
        }
    }
    for (policy_name, document) in &role.inline {
        let (moves, delta) = match existing.inline_policies.get(policy_name) {
            None => (direction::of_adding(&doc::text(document)), None),
            Some(live_text) if doc::equivalent_to_live(document, live_text) => continue,
            Some(live_text) => (
                direction::compare_live(live_text, document),
                Some(doc::delta(live_text, document)),
            ),
        };
        phases.by_direction(moves).push(Change::PutInlinePolicy {
            role: existing.name.clone(),
            policy_name: policy_name.clone(),
            document: doc::text(document),
            delta,
        });
    }
}

/// How attaching or detaching `arn` moves access: by its documents when it is this account's
/// (the live one and the definition's, since the attachment may run before or after the
/// plan's new version: both must agree); an AWS managed policy is taken as granting only (AWS
/// managed policies that deny are rare; Warden does not read their documents).
fn attachment_direction(
    arn: &str,
    adding: bool,
    desired: &DesiredAccount,
    live: &LiveAccount,
) -> Direction {
    let of = |text: &String| {
        if adding {
            direction::of_adding(text)
        } else {
            direction::of_removing(text)
        }
    };
    let moves: Vec<Direction> = policy_texts(arn, desired, live).iter().map(of).collect();
    match moves.as_slice() {
        [] if adding => Direction::Widens,
        [] => Direction::Narrows,
        [first, rest @ ..] if rest.iter().all(|m| m == first) => *first,
        _ => Direction::Mixed,
    }
}

fn plan_attachments(
    role: &DesiredRole,
    existing: &LiveRole,
    desired: &DesiredAccount,
    live_account: &LiveAccount,
    phases: &mut Phases,
) {
    let live: BTreeSet<&String> = existing.attached_policy_arns.iter().collect();
    // Detach before attach: the per-role attachment quota must hold at every step.
    for arn in &live {
        if !role.managed_policy_arns.contains(*arn) {
            let moves = attachment_direction(arn, false, desired, live_account);
            phases.by_direction(moves).push(Change::DetachPolicy {
                role: existing.name.clone(),
                arn: (*arn).clone(),
            });
        }
    }
    for arn in &role.managed_policy_arns {
        if !live.contains(arn) {
            let moves = attachment_direction(arn, true, desired, live_account);
            phases.by_direction(moves).push(Change::AttachPolicy {
                role: existing.name.clone(),
                arn: arn.clone(),
            });
        }
    }
}

/// Inline policies and attachments go first: IAM refuses to delete a role that has them.
/// When removing one of them could widen the role meanwhile (it denies something another
/// allows), the role is closed first.
fn delete_role(role: &LiveRole, desired: &DesiredAccount, live: &LiveAccount, phases: &mut Phases) {
    let widens_meanwhile = role
        .inline_policies
        .values()
        .map(|text| direction::of_removing(text))
        .chain(
            role.attached_policy_arns
                .iter()
                .map(|arn| attachment_direction(arn, false, desired, live)),
        )
        .any(|moves| !matches!(moves, Direction::Narrows | Direction::Same));
    if let Some(closed) = closed_trust(&role.trust_policy).filter(|_| widens_meanwhile) {
        phases.narrow.push(Change::UpdateTrust {
            role: role.name.clone(),
            delta: doc::delta(&role.trust_policy, &closed),
            document: doc::text(&closed),
        });
    }
    for policy_name in role.inline_policies.keys() {
        phases.narrow.push(Change::DeleteInlinePolicy {
            role: role.name.clone(),
            policy_name: policy_name.clone(),
        });
    }
    for arn in &role.attached_policy_arns {
        phases.narrow.push(Change::DetachPolicy {
            role: role.name.clone(),
            arn: arn.clone(),
        });
    }
    phases.narrow.push(Change::DeleteRole {
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
    let roles: Vec<serde_json::Value> = roles.into_iter().map(role_state).collect();
    let policies: Vec<serde_json::Value> = policies.into_iter().map(policy_state).collect();
    let state =
        serde_json::json!({ "account": live.account_id, "roles": roles, "policies": policies });
    sha256_hex(state.to_string().as_bytes())
}

pub(crate) fn role_state(role: &LiveRole) -> serde_json::Value {
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
}

fn policy_state(policy: &LiveManagedPolicy) -> serde_json::Value {
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
}

/// The key of a role in [`object_fingerprints`]: role names are case-insensitive.
pub fn role_key(name: &str) -> String {
    format!("role:{}", name.to_ascii_lowercase())
}

/// The key of a customer managed policy in [`object_fingerprints`], by name (unique per
/// account, case-insensitively).
pub fn policy_key(name: &str) -> String {
    format!("policy:{}", name.to_ascii_lowercase())
}

/// sha256 (hex) of each role's and customer managed policy's live state, by [`role_key`] and
/// [`policy_key`]: apply compares them with the state it reads right before writing, and
/// refuses only the changes of objects someone else changed since the plan.
pub fn object_fingerprints(live: &LiveAccount) -> BTreeMap<String, String> {
    let roles = live.roles.iter().map(|role| {
        (
            role_key(&role.name),
            sha256_hex(role_state(role).to_string().as_bytes()),
        )
    });
    let policies = live.policies.iter().map(|policy| {
        (
            policy_key(&policy.name),
            sha256_hex(policy_state(policy).to_string().as_bytes()),
        )
    });
    roles.chain(policies).collect()
}

/// The object a change writes: its role, else its customer managed policy.
pub fn object_key(change: &Change) -> Option<String> {
    if let Some(role) = change.role() {
        return Some(role_key(role));
    }
    match change {
        Change::CreatePolicy { name, .. } => Some(policy_key(name)),
        Change::CreatePolicyVersion { arn, .. }
        | Change::DeletePolicy { arn, .. }
        | Change::AdoptPolicy { arn, .. }
        | Change::TagPolicy { arn, .. }
        | Change::UntagPolicy { arn, .. } => {
            Some(policy_key(crate::change::policy_name_from_arn(arn)))
        }
        _ => None,
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
