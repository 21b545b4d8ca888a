//! The planner for the organization's service control policies (applied through the
//! management account): content, description and attachments of the SCPs Warden owns.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::account::sha256_hex;
use crate::change::{Change, Conflict, Unmanaged};
use crate::desired::{DesiredScp, Ownership};
use crate::direction::{self, Direction};
use crate::doc;
use crate::live::LiveScp;
use crate::order::Phase;
use warden_policy::PolicyDocument;

/// AWS allows at most five SCPs attached to one root, OU or account.
pub const MAX_SCPS_PER_TARGET: usize = 5;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScpPlan {
    /// sha256 of the canonical live SCP state the plan was computed from.
    pub fingerprint: String,
    pub changes: Vec<Change>,
    /// The phase of each change, index for index (empty in plans saved before SCP phases):
    /// `prepare` and `narrow` run before any member account's IAM changes, `widen` and
    /// `clean up` after all of them ([`Phase::before_accounts`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<Phase>,
    /// Steps whose place could not be proven to keep access within the old and the new state
    /// (e.g. a detachment moved first for the five-SCPs-per-target quota), as sentences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unproven: Vec<String>,
    pub conflicts: Vec<Conflict>,
    pub unmanaged: Vec<Unmanaged>,
}

/// The changes as found, before they are put in phases.
#[derive(Default)]
struct Found {
    create: Vec<Change>,
    update: Vec<Change>,
    attach: Vec<Change>,
    detach: Vec<Change>,
    delete: Vec<Change>,
}

/// Computes the SCP changes; SCPs that are AWS managed or lack Warden's mark are never touched.
/// The changes come in phases across the organization ([`order_scp_changes`]).
pub fn plan_scps(desired: &[DesiredScp], live: &[LiveScp], ownership: &Ownership) -> ScpPlan {
    let mut phases = Found::default();
    let mut conflicts = Vec::new();
    let mut unmanaged = Vec::new();
    let mut wanted: Vec<&DesiredScp> = desired.iter().collect();
    wanted.sort_by(|a, b| a.name.cmp(&b.name));
    for scp in &wanted {
        match live.iter().find(|l| l.name.eq_ignore_ascii_case(&scp.name)) {
            None => create_scp(scp, ownership, &mut phases),
            Some(existing) if adoptable_scp(scp, existing, ownership) => {
                phases.update.push(Change::AdoptScp {
                    name: existing.name.clone(),
                    policy_id: existing.id.clone(),
                    description: ownership.marked_description(&scp.description),
                    document: existing.content.clone(),
                });
            }
            Some(existing)
                if existing.aws_managed
                    || !ownership.marks(&BTreeMap::new(), Some(&existing.description)) =>
            {
                conflicts.push(Conflict {
                    kind: "scp".into(),
                    name: existing.name.clone(),
                    reason: format!(
                        "exists but is not managed by Warden (no `{}` description mark); left unchanged",
                        ownership.description_mark()
                    ),
                });
            }
            Some(existing) => update_scp(scp, existing, ownership, &mut phases),
        }
    }
    let wanted_names: BTreeSet<String> =
        wanted.iter().map(|s| s.name.to_ascii_lowercase()).collect();
    let mut leftovers: Vec<&LiveScp> = live
        .iter()
        .filter(|l| !wanted_names.contains(&l.name.to_ascii_lowercase()))
        .collect();
    leftovers.sort_by(|a, b| a.name.cmp(&b.name));
    for existing in leftovers {
        if existing.aws_managed || !ownership.marks(&BTreeMap::new(), Some(&existing.description)) {
            unmanaged.push(Unmanaged {
                kind: "scp".into(),
                name: existing.name.clone(),
            });
            continue;
        }
        for target in sorted(&existing.targets) {
            phases.detach.push(Change::DetachScp {
                name: existing.name.clone(),
                policy_id: existing.id.clone(),
                target_id: target,
            });
        }
        phases.delete.push(Change::DeleteScp {
            name: existing.name.clone(),
            policy_id: existing.id.clone(),
        });
    }
    let ordered = order_scp_changes(phases, &wanted, live, ownership);
    ScpPlan {
        fingerprint: fingerprint_scps(live),
        changes: ordered.changes,
        phases: ordered.phases,
        unproven: ordered.unproven,
        conflicts,
        unmanaged,
    }
}

/// The name of the SCP holding another SCP's denies while that one is attached or detached
/// in two steps ([`order_scp_changes`]).
pub fn deny_part_name(name: &str) -> String {
    let full = format!("{name}-deny-part");
    if full.len() <= 128 {
        return full;
    }
    let mut cut = 128 - "-deny-part".len();
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}-deny-part", &name[..cut])
}

struct Ordered {
    changes: Vec<Change>,
    phases: Vec<Phase>,
    unproven: Vec<String>,
}

/// Orders SCP changes across the organization so that, with the member accounts' IAM changes
/// applied between the `narrow` and the `widen` phases, no prefix of the whole apply grants
/// more than the old or the new state. An SCP level (root, OU or account) allows what any SCP
/// attached there allows and denies what any denies, so each step's direction is decided on the
/// level by meaning ([`direction::compare`], only proven claims), against the SCPs that stay
/// attached there unchanged through the apply:
///
/// - `prepare`: SCPs created (attached nowhere yet), adoptions and description-only updates;
/// - `narrow` (before any account's IAM changes): content updates that narrow, attachments and
///   detachments that narrow their target; every state here is within the old one;
/// - `widen` (after every account's IAM changes): attachments and detachments that widen, content
///   updates that widen; every state here is within the new one, so the accounts' IAM changes,
///   made in between, see SCPs within both the old and the new state;
/// - `clean up`: SCPs deleted once detached everywhere.
///
/// A swap is split: a content update that both gains and loses goes first to a document within
/// both ([`direction::common_part`]) in `narrow`, then to the new one in `widen`; an
/// attachment or detachment that both allows and denies at its target brings an SCP holding
/// only its denies ([`deny_part_name`]): attached in `narrow`, detached in `widen` once the SCP
/// itself is attached (or after it is detached), deleted in `clean up`.
fn order_scp_changes(
    found: Found,
    wanted: &[&DesiredScp],
    live: &[LiveScp],
    ownership: &Ownership,
) -> Ordered {
    let key = |name: &str| name.to_ascii_lowercase();
    let parsed = |text: &str| warden_policy::parse_policy(text).ok();
    let old: BTreeMap<String, Option<PolicyDocument>> = live
        .iter()
        .map(|scp| (key(&scp.name), parsed(&scp.content)))
        .collect();
    let mut steps: Vec<(Phase, u8, Change)> = Vec::new();
    let mut unproven = Vec::new();
    // The content each SCP has through the narrow phase and until its widening update.
    let mut narrowed: BTreeMap<String, Option<PolicyDocument>> = old.clone();
    let mut changed_content: BTreeSet<String> = BTreeSet::new();
    for change in found.create {
        if let Change::CreateScp { name, .. } = &change
            && let Some(scp) = wanted.iter().find(|s| s.name.eq_ignore_ascii_case(name))
        {
            narrowed.insert(key(name), Some(scp.document.clone()));
        }
        steps.push((Phase::Prepare, 0, change));
    }
    for change in found.update {
        let Change::UpdateScp {
            policy_id,
            name,
            description,
            document,
            ..
        } = &change
        else {
            steps.push((Phase::Prepare, 1, change));
            continue;
        };
        let new = wanted
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
            .map(|s| s.document.clone());
        let before = old.get(&key(name)).cloned().flatten();
        let (Some(new), Some(before)) = (new, before) else {
            unproven.push(format!(
                "scp `{name}`: the live content does not parse; its update is applied after the accounts' IAM changes without proof"
            ));
            changed_content.insert(key(name));
            steps.push((Phase::Widen, 2, change));
            continue;
        };
        match direction::compare(&before, &new) {
            Direction::Same => steps.push((Phase::Prepare, 1, change)),
            Direction::Narrows => {
                changed_content.insert(key(name));
                narrowed.insert(key(name), Some(new));
                steps.push((Phase::Narrow, 0, change));
            }
            Direction::Widens => {
                changed_content.insert(key(name));
                steps.push((Phase::Widen, 2, change));
            }
            Direction::Mixed => {
                changed_content.insert(key(name));
                match direction::common_part(&before, &new) {
                    Some(middle) => {
                        let middle_text = doc::text(&middle);
                        steps.push((
                            Phase::Narrow,
                            0,
                            Change::UpdateScp {
                                policy_id: policy_id.clone(),
                                name: name.clone(),
                                description: description.clone(),
                                delta: doc::delta(&doc::text(&before), &middle),
                                document: middle_text,
                            },
                        ));
                        let after = Change::UpdateScp {
                            policy_id: policy_id.clone(),
                            name: name.clone(),
                            description: description.clone(),
                            document: document.clone(),
                            delta: doc::delta(&doc::text(&middle), &new),
                        };
                        narrowed.insert(key(name), Some(middle));
                        steps.push((Phase::Widen, 2, after));
                    }
                    None => {
                        unproven.push(format!(
                            "scp `{name}`: no document within both the old and the new content was found; the update is applied after the accounts' IAM changes without proof"
                        ));
                        steps.push((Phase::Widen, 2, change));
                    }
                }
            }
        }
    }
    // What stays attached to each target, unchanged, through the whole apply.
    let detached: BTreeSet<(String, String)> = found
        .detach
        .iter()
        .filter_map(|change| match change {
            Change::DetachScp {
                name, target_id, ..
            } => Some((key(name), target_id.clone())),
            _ => None,
        })
        .collect();
    let staying = |target: &str| -> Vec<PolicyDocument> {
        live.iter()
            .filter(|scp| scp.targets.iter().any(|t| t == target))
            .filter(|scp| !detached.contains(&(key(&scp.name), target.to_string())))
            .filter(|scp| !changed_content.contains(&key(&scp.name)))
            .filter_map(|scp| old.get(&key(&scp.name)).cloned().flatten())
            .collect()
    };
    let mut deny_parts: BTreeMap<String, (String, PolicyDocument)> = BTreeMap::new();
    let mut level_step = |change: Change, adding: bool, steps: &mut Vec<(Phase, u8, Change)>| {
        let (name, target) = match &change {
            Change::AttachScp {
                name, target_id, ..
            }
            | Change::DetachScp {
                name, target_id, ..
            } => (name.clone(), target_id.clone()),
            _ => return,
        };
        let Some(document) = narrowed.get(&key(&name)).cloned().flatten() else {
            unproven.push(format!(
                "scp `{name}` at `{target}`: the content does not parse; applied after the accounts' IAM changes without proof"
            ));
            steps.push((Phase::Widen, 0, change));
            return;
        };
        let others = staying(&target);
        let base = direction::joined(others.iter(), document.version);
        let with = direction::joined(others.iter().chain([&document]), document.version);
        let moved = if adding {
            direction::compare(&base, &with)
        } else {
            direction::compare(&with, &base)
        };
        match moved {
            Direction::Same | Direction::Narrows => {
                steps.push((Phase::Narrow, if adding { 1 } else { 2 }, change));
            }
            Direction::Widens => steps.push((Phase::Widen, if adding { 0 } else { 1 }, change)),
            Direction::Mixed => {
                let part = deny_part_name(&name);
                deny_parts
                    .entry(key(&name))
                    .or_insert_with(|| (part.clone(), direction::denies_only(&document)));
                let attach_part = Change::AttachScp {
                    name: part.clone(),
                    policy_id: None,
                    target_id: target.clone(),
                };
                let detach_part = Change::DetachScp {
                    name: part,
                    policy_id: String::new(),
                    target_id: target,
                };
                // The deny part first; then the SCP itself (attached once the IAM changes are
                // made, or detached right away: what it denies stays denied); the deny part
                // goes once the SCP is attached, or after it is detached.
                steps.push((Phase::Narrow, 1, attach_part));
                if adding {
                    steps.push((Phase::Widen, 0, change));
                } else {
                    steps.push((Phase::Narrow, 2, change));
                }
                steps.push((Phase::Widen, 1, detach_part));
            }
        }
    };
    for change in found.attach {
        level_step(change, true, &mut steps);
    }
    for change in found.detach {
        level_step(change, false, &mut steps);
    }
    for (part, document) in deny_parts.into_values() {
        steps.push((
            Phase::Prepare,
            0,
            Change::CreateScp {
                name: part.clone(),
                description: ownership.marked_description(
                    "denies of an SCP while Warden attaches or detaches it in two steps",
                ),
                document: doc::text(&document),
            },
        ));
        steps.push((
            Phase::Cleanup,
            0,
            Change::DeleteScp {
                name: part,
                policy_id: String::new(),
            },
        ));
    }
    for change in found.delete {
        steps.push((Phase::Cleanup, 0, change));
    }
    // Stable: within a phase and rank, the order found (names sorted, targets sorted).
    steps.sort_by_key(|(phase, rank, _)| (*phase, *rank));
    keep_within_quota(live, &mut steps, &mut unproven);
    let (phases, changes) = steps
        .into_iter()
        .map(|(phase, _, change)| (phase, change))
        .unzip();
    Ordered {
        changes,
        phases,
        unproven,
    }
}

/// Attaching before detaching can exceed five SCPs at a target. Walking the steps in order, an
/// attachment that would make a sixth takes the first later detachment at that target of an SCP
/// attached at that moment (never a deny part's detachment before its own attachment) and runs
/// it right before, in the attachment's phase. A moved detachment that does not narrow by itself
/// (a widening one, or one a deny part was protecting) is reported as unproven.
fn keep_within_quota(
    live: &[LiveScp],
    steps: &mut Vec<(Phase, u8, Change)>,
    unproven: &mut Vec<String>,
) {
    let key = |name: &str| name.to_ascii_lowercase();
    let mut attached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for scp in live {
        for target in &scp.targets {
            attached
                .entry(target.clone())
                .or_default()
                .insert(key(&scp.name));
        }
    }
    let mut index = 0;
    while index < steps.len() {
        match &steps[index].2 {
            Change::AttachScp {
                name, target_id, ..
            } => {
                let (name, target) = (key(name), target_id.clone());
                let here = attached.entry(target.clone()).or_default();
                let later = (here.len() >= MAX_SCPS_PER_TARGET && !here.contains(&name))
                    .then(|| {
                        (index + 1..steps.len()).find(|&at| {
                            matches!(&steps[at].2, Change::DetachScp { name, target_id, .. }
                                if *target_id == target && here.contains(&key(name)))
                        })
                    })
                    .flatten();
                if let Some(at) = later {
                    let (was, rank, change) = steps.remove(at);
                    let phase = steps[index].0;
                    let protecting = name.ends_with("-deny-part");
                    if was != Phase::Narrow
                        || protecting
                        || (phase.before_accounts() && !was.before_accounts())
                    {
                        unproven.push(format!(
                            "`{change}` moved before `{}` to stay within {MAX_SCPS_PER_TARGET} SCPs at `{target}`; it may widen there",
                            steps[index].2
                        ));
                    }
                    steps.insert(index, (phase.min(was), rank, change));
                    // The detachment now stands here: count it before the attachment.
                    continue;
                }
                here.insert(name);
            }
            Change::DetachScp {
                name, target_id, ..
            } => {
                if let Some(here) = attached.get_mut(target_id) {
                    here.remove(&key(name));
                }
            }
            _ => {}
        }
        index += 1;
    }
}

fn sorted(targets: &[String]) -> Vec<String> {
    let mut targets = targets.to_vec();
    targets.sort();
    targets
}

fn create_scp(scp: &DesiredScp, ownership: &Ownership, phases: &mut Found) {
    phases.create.push(Change::CreateScp {
        name: scp.name.clone(),
        description: ownership.marked_description(&scp.description),
        document: doc::text(&scp.document),
    });
    for target in &scp.target_ids {
        phases.attach.push(Change::AttachScp {
            name: scp.name.clone(),
            policy_id: None,
            target_id: target.clone(),
        });
    }
}

/// A hand-made customer SCP equal to its definition (name, description, document by meaning,
/// targets): adopting it only adds the mark to its description.
fn adoptable_scp(scp: &DesiredScp, existing: &LiveScp, ownership: &Ownership) -> bool {
    let live_targets: BTreeSet<&String> = existing.targets.iter().collect();
    let wanted_targets: BTreeSet<&String> = scp.target_ids.iter().collect();
    !existing.aws_managed
        && !ownership.marks(&BTreeMap::new(), Some(&existing.description))
        && existing.name == scp.name
        && existing.description == scp.description
        && live_targets == wanted_targets
        && doc::equivalent_to_live(&scp.document, &existing.content)
}

fn update_scp(scp: &DesiredScp, existing: &LiveScp, ownership: &Ownership, phases: &mut Found) {
    let description = ownership.marked_description(&scp.description);
    let same_document = doc::equivalent_to_live(&scp.document, &existing.content);
    if !same_document || description != existing.description {
        phases.update.push(Change::UpdateScp {
            policy_id: existing.id.clone(),
            name: existing.name.clone(),
            description,
            document: doc::text(&scp.document),
            delta: if same_document {
                Default::default()
            } else {
                doc::delta(&existing.content, &scp.document)
            },
        });
    }
    let live_targets: BTreeSet<&String> = existing.targets.iter().collect();
    for target in &scp.target_ids {
        if !live_targets.contains(target) {
            phases.attach.push(Change::AttachScp {
                name: existing.name.clone(),
                policy_id: Some(existing.id.clone()),
                target_id: target.clone(),
            });
        }
    }
    for target in live_targets {
        if !scp.target_ids.contains(target) {
            phases.detach.push(Change::DetachScp {
                name: existing.name.clone(),
                policy_id: existing.id.clone(),
                target_id: target.clone(),
            });
        }
    }
}

/// The organization's SCPs after `changes`, as AWS would leave them (an SCP created here gets
/// the id `p-planned-<name>`; attachments and deletions of an SCP created by the same changes
/// find it by name). Errors where AWS would refuse: attaching twice, detaching what is not
/// attached, deleting an attached SCP, a name taken.
pub fn simulate_scps(live: &[LiveScp], changes: &[Change]) -> Result<Vec<LiveScp>, String> {
    let mut state = live.to_vec();
    for change in changes {
        simulate_scp_change(&mut state, change)?;
    }
    Ok(state)
}

/// One change of [`simulate_scps`].
pub fn simulate_scp_change(state: &mut Vec<LiveScp>, change: &Change) -> Result<(), String> {
    let find = |state: &[LiveScp], id: Option<&str>, name: &str| {
        state.iter().position(|scp| match id {
            Some(id) if !id.is_empty() => scp.id == id,
            _ => scp.name.eq_ignore_ascii_case(name),
        })
    };
    match change {
        Change::CreateScp {
            name,
            description,
            document,
        } => {
            if find(state, None, name).is_some() {
                return Err(format!("scp `{name}` exists"));
            }
            state.push(LiveScp {
                id: format!("p-planned-{}", name.to_ascii_lowercase()),
                name: name.clone(),
                description: description.clone(),
                content: document.clone(),
                aws_managed: false,
                targets: Vec::new(),
            });
        }
        Change::UpdateScp {
            policy_id,
            name,
            description,
            document,
            ..
        }
        | Change::AdoptScp {
            policy_id,
            name,
            description,
            document,
        } => {
            let index = find(state, Some(policy_id), name)
                .ok_or_else(|| format!("scp `{name}` does not exist"))?;
            state[index].description = description.clone();
            state[index].content = document.clone();
        }
        Change::AttachScp {
            name,
            policy_id,
            target_id,
        } => {
            let index = find(state, policy_id.as_deref(), name)
                .ok_or_else(|| format!("scp `{name}` does not exist"))?;
            let targets = &mut state[index].targets;
            if targets.contains(target_id) {
                return Err(format!("scp `{name}` is already attached to `{target_id}`"));
            }
            targets.push(target_id.clone());
            targets.sort();
        }
        Change::DetachScp {
            name,
            policy_id,
            target_id,
        } => {
            let index = find(state, Some(policy_id), name)
                .ok_or_else(|| format!("scp `{name}` does not exist"))?;
            let targets = &mut state[index].targets;
            let before = targets.len();
            targets.retain(|t| t != target_id);
            if targets.len() == before {
                return Err(format!("scp `{name}` is not attached to `{target_id}`"));
            }
        }
        Change::DeleteScp { name, policy_id } => {
            let index = find(state, Some(policy_id), name)
                .ok_or_else(|| format!("scp `{name}` does not exist"))?;
            if !state[index].targets.is_empty() {
                return Err(format!("scp `{name}` is still attached"));
            }
            state.remove(index);
        }
        other => return Err(format!("`{other}` is not an SCP change")),
    }
    Ok(())
}

/// sha256 (hex) of the organization's SCPs in canonical form.
pub fn fingerprint_scps(live: &[LiveScp]) -> String {
    let mut scps: Vec<&LiveScp> = live.iter().collect();
    scps.sort_by(|a, b| a.id.cmp(&b.id));
    let state: Vec<serde_json::Value> = scps
        .into_iter()
        .map(|scp| {
            serde_json::json!({
                "id": scp.id,
                "name": scp.name,
                "description": scp.description,
                "content": doc::canonical_live(&scp.content),
                "aws_managed": scp.aws_managed,
                "targets": sorted(&scp.targets),
            })
        })
        .collect();
    sha256_hex(serde_json::Value::Array(state).to_string().as_bytes())
}
