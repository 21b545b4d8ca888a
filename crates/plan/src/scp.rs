//! The planner for the organization's service control policies (applied through the
//! management account): content, description and attachments of the SCPs Warden owns.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::account::sha256_hex;
use crate::change::{Change, Conflict, Unmanaged};
use crate::desired::{DesiredScp, Ownership};
use crate::doc;
use crate::live::LiveScp;

/// AWS allows at most five SCPs attached to one root, OU or account.
pub const MAX_SCPS_PER_TARGET: usize = 5;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScpPlan {
    /// sha256 of the canonical live SCP state the plan was computed from.
    pub fingerprint: String,
    pub changes: Vec<Change>,
    pub conflicts: Vec<Conflict>,
    pub unmanaged: Vec<Unmanaged>,
}

#[derive(Default)]
struct Phases {
    create: Vec<Change>,
    update: Vec<Change>,
    /// Detachments at targets that would otherwise exceed the quota while attaching.
    early_detach: Vec<Change>,
    attach: Vec<Change>,
    detach: Vec<Change>,
    delete: Vec<Change>,
}

/// Computes the SCP changes; SCPs that are AWS managed or lack Warden's mark are never touched.
pub fn plan_scps(desired: &[DesiredScp], live: &[LiveScp], ownership: &Ownership) -> ScpPlan {
    let mut phases = Phases::default();
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
    move_detaches_before_full_targets(live, &mut phases);
    ScpPlan {
        fingerprint: fingerprint_scps(live),
        changes: [
            phases.create,
            phases.update,
            phases.early_detach,
            phases.attach,
            phases.detach,
            phases.delete,
        ]
        .into_iter()
        .flatten()
        .collect(),
        conflicts,
        unmanaged,
    }
}

fn sorted(targets: &[String]) -> Vec<String> {
    let mut targets = targets.to_vec();
    targets.sort();
    targets
}

fn create_scp(scp: &DesiredScp, ownership: &Ownership, phases: &mut Phases) {
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

fn update_scp(scp: &DesiredScp, existing: &LiveScp, ownership: &Ownership, phases: &mut Phases) {
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

/// Attaching before detaching keeps every target at least as restricted as before and after,
/// except where the five-per-target quota forbids it: there the detachments go first.
fn move_detaches_before_full_targets(live: &[LiveScp], phases: &mut Phases) {
    let mut attached: BTreeMap<&str, usize> = BTreeMap::new();
    for scp in live {
        for target in &scp.targets {
            *attached.entry(target).or_default() += 1;
        }
    }
    let mut adding: BTreeMap<String, usize> = BTreeMap::new();
    for change in &phases.attach {
        if let Change::AttachScp { target_id, .. } = change {
            *adding.entry(target_id.clone()).or_default() += 1;
        }
    }
    let full: BTreeSet<String> = adding
        .into_iter()
        .filter(|(target, count)| {
            attached.get(target.as_str()).copied().unwrap_or(0) + count > MAX_SCPS_PER_TARGET
        })
        .map(|(target, _)| target)
        .collect();
    let (early, late): (Vec<Change>, Vec<Change>) = std::mem::take(&mut phases.detach)
        .into_iter()
        .partition(|change| matches!(change, Change::DetachScp { target_id, .. } if full.contains(target_id)));
    phases.early_detach = early;
    phases.detach = late;
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
