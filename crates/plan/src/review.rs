//! The plan arranged for review: each change with every detail a reviewer needs (`old → new`
//! for role attributes when live state is at hand, created objects in full, what attaching or
//! detaching a policy grants or takes away), and identical changes across accounts grouped into
//! one block naming the accounts. The table and Markdown renderers draw from this.

use std::collections::BTreeMap;

use crate::account::AccountPlan;
use crate::change::{Change, DocumentDelta, policy_name_from_arn};
use crate::err::PlanError;
use crate::live::{LiveAccount, LiveRole};
use crate::saved::Plan;

/// Stands for each account's id in a block shared by several accounts.
pub const ACCOUNT_ID_PLACEHOLDER: &str = "${account_id}";

/// How a detail line reads: added access, removed access, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Gained,
    Lost,
}

/// One detail of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    /// An attribute: `max session: 43200 → 3600 s`; `old` is `None` for a new value, or when
    /// live state was not at hand.
    Field {
        label: String,
        old: Option<String>,
        new: String,
    },
    /// A list: `actions lost: s3:DeleteObject, …`.
    Items {
        label: String,
        items: Vec<String>,
        tone: Tone,
    },
    /// A whole policy document, pretty-printed JSON.
    Document { label: String, json: String },
    /// A sentence.
    Note(String),
}

/// Who a block concerns: an account, or the organization for SCPs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub id: String,
    pub name: String,
}

/// Whether a block is a change, a conflict or an unmanaged object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Create,
    Update,
    Delete,
    Conflict,
    Unmanaged,
}

impl Mark {
    pub fn symbol(self) -> char {
        match self {
            Mark::Create => '+',
            Mark::Update => '~',
            Mark::Delete => '-',
            Mark::Conflict => '!',
            Mark::Unmanaged => '?',
        }
    }
}

/// One change (or conflict) and every account it appears in, identical in each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub mark: Mark,
    pub kind: String,
    pub subject: String,
    pub details: Vec<Detail>,
    pub targets: Vec<Target>,
}

impl Block {
    /// `+ role app-reader`.
    pub fn title(&self) -> String {
        format!("{} {} {}", self.mark.symbol(), self.kind, self.subject)
    }

    /// Whether the details name `${account_id}` for several accounts.
    pub fn uses_placeholder(&self) -> bool {
        self.targets.len() > 1
            && self
                .details
                .iter()
                .any(|d| d.text().contains(ACCOUNT_ID_PLACEHOLDER))
    }
}

impl Detail {
    fn text(&self) -> String {
        match self {
            Detail::Field { label, old, new } => format!("{label}{old:?}{new}"),
            Detail::Items { label, items, .. } => format!("{label}{}", items.join(",")),
            Detail::Document { label, json } => format!("{label}{json}"),
            Detail::Note(note) => note.clone(),
        }
    }

    fn replace(&self, from: &str, to: &str) -> Detail {
        let swap = |text: &String| text.replace(from, to);
        match self {
            Detail::Field { label, old, new } => Detail::Field {
                label: label.clone(),
                old: old.as_ref().map(swap),
                new: swap(new),
            },
            Detail::Items { label, items, tone } => Detail::Items {
                label: label.clone(),
                items: items.iter().map(swap).collect(),
                tone: *tone,
            },
            Detail::Document { label, json } => Detail::Document {
                label: label.clone(),
                json: swap(json),
            },
            Detail::Note(note) => Detail::Note(swap(note)),
        }
    }
}

/// What to include.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReviewOptions<'a> {
    /// Live state of the planned accounts, for old values and detached policies' contents.
    pub live: Option<&'a [LiveAccount]>,
    pub show_unmanaged: bool,
}

/// The plan as blocks, in the order changes first appear (apply order within an account),
/// identical blocks merged with the accounts listed in plan order.
pub fn blocks(plan: &Plan, options: ReviewOptions<'_>) -> Vec<Block> {
    let mut order: Vec<Block> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut add = |block: Block, account_id: &str| {
        // Shared across accounts only when the same once each account's id is abstracted.
        let abstracted = Block {
            details: block
                .details
                .iter()
                .map(|detail| detail.replace(account_id, ACCOUNT_ID_PLACEHOLDER))
                .collect(),
            subject: block.subject.replace(account_id, ACCOUNT_ID_PLACEHOLDER),
            ..block.clone()
        };
        let key = format!(
            "{}\u{0}{}\u{0}{}\u{0}{}",
            abstracted.mark.symbol(),
            abstracted.kind,
            abstracted.subject,
            abstracted
                .details
                .iter()
                .map(Detail::text)
                .collect::<Vec<_>>()
                .join("\u{0}")
        );
        match index.get(&key) {
            Some(&at) => {
                let existing = &mut order[at];
                if existing.targets.len() == 1 {
                    // From one account to several: show the abstracted text.
                    let targets = std::mem::take(&mut existing.targets);
                    *existing = Block {
                        targets,
                        ..abstracted
                    };
                }
                existing.targets.extend(block.targets);
            }
            None => {
                index.insert(key, order.len());
                order.push(block);
            }
        }
    };
    for account in &plan.accounts {
        let live = options
            .live
            .and_then(|all| all.iter().find(|l| l.account_id == account.account_id));
        for block in account_blocks(account, live, options.show_unmanaged) {
            add(block, &account.account_id);
        }
    }
    if let Some(scps) = &plan.organization {
        let target = Target {
            id: "organization".to_string(),
            name: "service control policies".to_string(),
        };
        for change in &scps.changes {
            add(
                change_block(change, &scps.changes, None, target.clone()),
                "organization",
            );
        }
        for conflict in &scps.conflicts {
            add(
                Block {
                    mark: Mark::Conflict,
                    kind: conflict.kind.clone(),
                    subject: conflict.name.clone(),
                    details: vec![Detail::Note(conflict.reason.clone())],
                    targets: vec![target.clone()],
                },
                "organization",
            );
        }
        if options.show_unmanaged {
            for item in &scps.unmanaged {
                add(
                    Block {
                        mark: Mark::Unmanaged,
                        kind: item.kind.clone(),
                        subject: item.name.clone(),
                        details: vec![Detail::Note("unmanaged, not changed".to_string())],
                        targets: vec![target.clone()],
                    },
                    "organization",
                );
            }
        }
    }
    order
}

fn account_blocks(
    account: &AccountPlan,
    live: Option<&LiveAccount>,
    unmanaged: bool,
) -> Vec<Block> {
    let target = Target {
        id: account.account_id.clone(),
        name: account.account_name.clone(),
    };
    let mut out: Vec<Block> = account
        .changes
        .iter()
        .map(|change| change_block(change, &account.changes, live, target.clone()))
        .collect();
    out.extend(account.conflicts.iter().map(|conflict| Block {
        mark: Mark::Conflict,
        kind: conflict.kind.clone(),
        subject: conflict.name.clone(),
        details: vec![Detail::Note(conflict.reason.clone())],
        targets: vec![target.clone()],
    }));
    if unmanaged {
        out.extend(account.unmanaged.iter().map(|item| Block {
            mark: Mark::Unmanaged,
            kind: item.kind.clone(),
            subject: item.name.clone(),
            details: vec![Detail::Note("unmanaged, not changed".to_string())],
            targets: vec![target.clone()],
        }));
    }
    out
}

fn change_block(
    change: &Change,
    siblings: &[Change],
    live: Option<&LiveAccount>,
    target: Target,
) -> Block {
    let mark = match change.action() {
        crate::change::Action::Create => Mark::Create,
        crate::change::Action::Update => Mark::Update,
        crate::change::Action::Delete => Mark::Delete,
    };
    Block {
        mark,
        kind: change.object_kind().to_string(),
        subject: change.subject(),
        details: details(change, siblings, live),
        targets: vec![target],
    }
}

fn live_role<'a>(live: Option<&'a LiveAccount>, name: &str) -> Option<&'a LiveRole> {
    live?
        .roles
        .iter()
        .find(|role| role.name.eq_ignore_ascii_case(name))
}

fn field(label: &str, old: Option<String>, new: String) -> Detail {
    Detail::Field {
        label: label.to_string(),
        old,
        new,
    }
}

fn tags_text(tags: &BTreeMap<String, String>) -> String {
    if tags.is_empty() {
        return "(none)".to_string();
    }
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn pretty(document: &str) -> String {
    serde_json::from_str::<serde_json::Value>(document)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| document.to_string())
}

fn document(label: &str, text: &str) -> Detail {
    Detail::Document {
        label: label.to_string(),
        json: pretty(text),
    }
}

fn boundary_name(arn: Option<&str>) -> String {
    arn.map(|arn| policy_name_from_arn(arn).to_string())
        .unwrap_or_else(|| "(none)".to_string())
}

fn details(change: &Change, siblings: &[Change], live: Option<&LiveAccount>) -> Vec<Detail> {
    let mut out = Vec::new();
    match change {
        Change::CreateRole {
            path,
            description,
            trust,
            boundary_arn,
            tags,
            max_session_duration,
            ..
        } => {
            out.push(field("path", None, path.clone()));
            out.push(field("description", None, description.clone()));
            out.push(field(
                "max session",
                None,
                format!("{max_session_duration} s"),
            ));
            out.push(field(
                "boundary",
                None,
                boundary_name(boundary_arn.as_deref()),
            ));
            out.push(field("tags", None, tags_text(tags)));
            out.push(document("trust", trust));
        }
        Change::UpdateRole {
            role,
            description,
            max_session_duration,
        } => {
            let old = live_role(live, role);
            let old_description = old.map(|r| r.description.clone().unwrap_or_default());
            let old_session = old.map(|r| r.max_session_duration.unwrap_or(3600));
            // Only what differs when the old values are known; both otherwise.
            if old_description.as_deref() != Some(description.as_str()) {
                out.push(field("description", old_description, description.clone()));
            }
            if old_session != Some(*max_session_duration) {
                out.push(field(
                    "max session",
                    old_session.map(|s| format!("{s} s")),
                    format!("{max_session_duration} s"),
                ));
            }
        }
        Change::TagRole { role, tags } => {
            let old = live_role(live, role);
            for (key, value) in tags {
                out.push(field(
                    &format!("tag {key}"),
                    old.and_then(|r| r.tags.get(key).cloned()),
                    value.clone(),
                ));
            }
        }
        Change::UntagRole { role, keys } => {
            let old = live_role(live, role);
            for key in keys {
                let was = old.and_then(|r| r.tags.get(key).cloned());
                out.push(field(&format!("tag {key}"), was, "(removed)".to_string()));
            }
        }
        Change::PutBoundary { role, arn } => {
            let old =
                live_role(live, role).map(|r| boundary_name(r.permissions_boundary_arn.as_deref()));
            out.push(field(
                "boundary",
                old,
                policy_name_from_arn(arn).to_string(),
            ));
        }
        Change::DeleteBoundary { role } => {
            let old =
                live_role(live, role).map(|r| boundary_name(r.permissions_boundary_arn.as_deref()));
            out.push(field("boundary", old, "(none)".to_string()));
            out.push(Detail::Note(
                "the role's permissions are no longer capped by a boundary".to_string(),
            ));
        }
        Change::CreatePolicy {
            path,
            description,
            document: text,
            tags,
            ..
        } => {
            out.push(field("path", None, path.clone()));
            out.push(field("description", None, description.clone()));
            out.push(field("tags", None, tags_text(tags)));
            out.push(document("policy", text));
        }
        Change::PutInlinePolicy {
            document: text,
            delta: None,
            ..
        } => out.push(document("policy", text)),
        Change::CreateScp {
            description,
            document: text,
            ..
        } => {
            out.push(field("description", None, description.clone()));
            out.push(document("policy", text));
        }
        Change::AttachPolicy { arn, .. } => match attached_document(arn, siblings, live) {
            // What attaching grants is what detaching the same document would take away.
            Some(text) => {
                let lost = grants(text);
                let gained = DocumentDelta {
                    actions_gained: lost.actions_lost,
                    resources_gained: lost.resources_lost,
                    other: lost.other,
                    ..DocumentDelta::default()
                };
                delta_details(&mut out, &gained);
            }
            None => out.push(Detail::Note(not_read_note(arn))),
        },
        Change::DetachPolicy { arn, .. } => match live_document(arn, live) {
            Some(text) => delta_details(&mut out, &grants(text)),
            None => out.push(Detail::Note(not_read_note(arn))),
        },
        Change::DeletePolicy {
            non_default_versions,
            ..
        } if !non_default_versions.is_empty() => out.push(Detail::Note(format!(
            "and {} old version(s)",
            non_default_versions.len()
        ))),
        Change::CreatePolicyVersion { prune_version, .. } => {
            out.push(Detail::Note(match prune_version {
                Some(version) => format!("new default version; prunes {version}"),
                None => "new default version".to_string(),
            }));
        }
        _ => {}
    }
    if let Some(delta) = change.delta() {
        delta_details(&mut out, delta);
        if delta.is_empty() {
            out.push(Detail::Note(
                "no change in actions, resources, principals or conditions (version, id or description only)"
                    .to_string(),
            ));
        }
    }
    out
}

/// What a document grants, as the delta of replacing it with a document of no statements.
fn grants(text: &str) -> DocumentDelta {
    let nothing = warden_policy::PolicyDocument {
        version: None,
        id: None,
        statements: Vec::new(),
        statement_is_object: false,
    };
    crate::doc::delta(text, &nothing)
}

fn not_read_note(arn: &str) -> String {
    format!(
        "contents of `{}` not read (AWS managed, or outside this account): see its documentation",
        policy_name_from_arn(arn)
    )
}

/// The document a policy being attached will have: created by the same plan, or live.
fn attached_document<'a>(
    arn: &str,
    siblings: &'a [Change],
    live: Option<&'a LiveAccount>,
) -> Option<&'a str> {
    let name = policy_name_from_arn(arn);
    siblings
        .iter()
        .find_map(|change| match change {
            Change::CreatePolicy {
                name: n, document, ..
            } if n == name => Some(document.as_str()),
            _ => None,
        })
        .or_else(|| live_document(arn, live))
}

fn live_document<'a>(arn: &str, live: Option<&'a LiveAccount>) -> Option<&'a str> {
    live?
        .policies
        .iter()
        .find(|policy| policy.arn == arn)
        .map(|policy| policy.document.as_str())
}

fn delta_details(out: &mut Vec<Detail>, delta: &DocumentDelta) {
    let lists = [
        ("actions gained", &delta.actions_gained, Tone::Gained),
        ("actions lost", &delta.actions_lost, Tone::Lost),
        ("resources gained", &delta.resources_gained, Tone::Gained),
        ("resources lost", &delta.resources_lost, Tone::Lost),
    ];
    for (label, items, tone) in lists {
        if !items.is_empty() {
            out.push(Detail::Items {
                label: label.to_string(),
                items: items.clone(),
                tone,
            });
        }
    }
    // Already `label: items` (principals, conditions, deny statements).
    out.extend(delta.other.iter().cloned().map(Detail::Note));
}

/// Keeps only what concerns the role `name` (its changes, conflicts and unmanaged entry,
/// case-insensitive, as IAM names are); SCP changes and other roles are dropped.
pub fn retain_role(plan: &mut Plan, name: &str) {
    retain_roles(plan, &[name.to_owned()]);
}

/// Keeps what concerns any of the roles `names`, each as [`retain_role`] keeps it; the whole
/// plan when `names` is empty (`plan --role`, `drift --role`: a saved plan applies only those).
pub fn retain_roles(plan: &mut Plan, names: &[String]) {
    if names.is_empty() {
        return;
    }
    plan.roles = names.to_vec();
    let named = |name: &str| names.iter().any(|n| n.eq_ignore_ascii_case(name));
    for account in &mut plan.accounts {
        // The plan's order is apply's order: kept as it is.
        account.changes = role_changes(&account.changes, names);
        account
            .conflicts
            .retain(|c| c.kind == "role" && named(&c.name));
        account
            .unmanaged
            .retain(|u| u.kind == "role" && named(&u.name));
    }
    plan.organization = None;
}

/// Narrows a saved plan to the roles `names` (`apply --role`): a plan made with `plan --role`
/// can be narrowed to some of its roles, never widened to others.
pub fn narrow_saved_plan(plan: &mut Plan, names: &[String]) -> Result<(), PlanError> {
    if !plan.roles.is_empty() {
        let planned = |name: &String| plan.roles.iter().any(|r| r.eq_ignore_ascii_case(name));
        if let Some(name) = names.iter().find(|name| !planned(name)) {
            let list: Vec<String> = plan.roles.iter().map(|r| format!("`{r}`")).collect();
            return Err(PlanError::RoleNotInPlan {
                name: name.clone(),
                planned: list.join(", "),
            });
        }
    }
    retain_roles(plan, names);
    Ok(())
}

/// The changes of one account that concern any of the roles `names` (case-insensitive, as
/// IAM names are), in their order: the roles' own changes and the managed policies they attach
/// (apply narrows its re-plan of a `--role` plan with this before comparing).
pub fn role_changes(changes: &[Change], names: &[String]) -> Vec<Change> {
    changes
        .iter()
        .filter(|change| {
            names.iter().any(|name| {
                change.role().is_some_and(|r| r.eq_ignore_ascii_case(name))
                    || role_policy_of(change, changes, name)
            })
        })
        .cloned()
        .collect()
}

/// A managed policy created, updated or deleted in the same account for the role: kept
/// when the role's attachment names it (the policy exists first, as apply needs).
fn role_policy_of(change: &Change, all: &[Change], role: &str) -> bool {
    let policy = match change {
        Change::CreatePolicy { name, .. } => name.clone(),
        Change::CreatePolicyVersion { arn, .. } | Change::DeletePolicy { arn, .. } => {
            policy_name_from_arn(arn).to_string()
        }
        _ => return false,
    };
    all.iter().any(|other| match other {
        Change::AttachPolicy { role: r, arn }
        | Change::DetachPolicy { role: r, arn }
        | Change::PutBoundary { role: r, arn } => {
            r.eq_ignore_ascii_case(role) && policy_name_from_arn(arn) == policy
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saved::PlanHeader;

    /// One account deleting the roles `names` (built from JSON: the layout a saved plan has).
    fn plan_deleting(names: &[&str]) -> Plan {
        let changes: Vec<serde_json::Value> = names
            .iter()
            .map(|name| serde_json::json!({"op": "delete_role", "role": name}))
            .collect();
        let account = serde_json::json!({
            "account_id": "111122223333", "account_name": "prod", "fingerprint": "",
            "changes": changes, "conflicts": [], "unmanaged": [],
        });
        let mut plan = Plan::new(PlanHeader::default());
        plan.accounts = vec![serde_json::from_value(account).unwrap()];
        plan
    }

    #[test]
    fn a_role_plan_records_its_roles_and_narrows_but_never_widens() {
        let mut plan = plan_deleting(&["a", "b", "c"]);
        retain_roles(&mut plan, &["A".into(), "c".into()]);
        assert_eq!(plan.roles, ["A", "c"]);
        let kept: Vec<_> = plan.accounts[0].changes.iter().map(Change::role).collect();
        assert_eq!(kept, [Some("a"), Some("c")], "the plan's order is kept");
        let saved = Plan::from_json(&plan.to_json()).unwrap();
        assert_eq!(saved.roles, plan.roles, "the roles survive the plan file");

        narrow_saved_plan(&mut plan, &["c".into()]).unwrap();
        assert_eq!(plan.accounts[0].changes.len(), 1);
        let err = narrow_saved_plan(&mut plan, &["b".into()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the plan was made for the role(s) `c`; `b` is not one of them"
        );

        let mut whole = plan_deleting(&["a", "b"]);
        narrow_saved_plan(&mut whole, &[]).unwrap();
        assert!(whole.roles.is_empty() && whole.accounts[0].changes.len() == 2);
        assert!(
            !whole.to_json().contains("\"roles\""),
            "old plan layout unchanged"
        );
    }
}
