//! Policy documents as the planner needs them: semantic comparison (never JSON text), the
//! gained/lost summary, and the exact text sent to AWS. All through warden-policy.

use warden_policy::PolicyDocument;

use crate::change::DocumentDelta;

/// Minified JSON text of a desired document: what apply sends and what size checks count.
pub fn text(document: &PolicyDocument) -> String {
    document.to_json_string()
}

/// Whether a live document (decoded JSON text as read) means the same as the desired one.
/// Live text that does not parse is never equivalent: the plan then rewrites it.
pub fn equivalent_to_live(desired: &PolicyDocument, live_text: &str) -> bool {
    match warden_policy::parse_policy(live_text) {
        Ok(live) => warden_policy::equivalent(&live, desired),
        Err(_) => false,
    }
}

/// What changes when `live_text` is replaced by `desired`.
pub fn delta(live_text: &str, desired: &PolicyDocument) -> DocumentDelta {
    let Ok(live) = warden_policy::parse_policy(live_text) else {
        return DocumentDelta {
            other: vec!["the live document could not be parsed; it is replaced".to_string()],
            ..DocumentDelta::default()
        };
    };
    let diff = warden_policy::diff(&live, desired);
    let allow = &diff.allow;
    let actions = |names: &[String]| -> Vec<String> {
        names.iter().map(|name| display_action(name)).collect()
    };
    let mut other = Vec::new();
    let mut note = |label: &str, items: &[String]| {
        if !items.is_empty() {
            other.push(format!("{label}: {}", items.join(", ")));
        }
    };
    note("principals gained", &allow.principals_gained);
    note("principals lost", &allow.principals_lost);
    note("conditions added", &allow.conditions_added);
    note("conditions removed", &allow.conditions_removed);
    let deny = &diff.deny;
    note("deny actions added", &actions(&deny.actions_gained));
    note("deny actions removed", &actions(&deny.actions_lost));
    note("deny resources added", &deny.resources_gained);
    note("deny resources removed", &deny.resources_lost);
    note("deny principals added", &deny.principals_gained);
    note("deny principals removed", &deny.principals_lost);
    note("deny conditions added", &deny.conditions_added);
    note("deny conditions removed", &deny.conditions_removed);
    DocumentDelta {
        actions_gained: actions(&allow.actions_gained),
        actions_lost: actions(&allow.actions_lost),
        resources_gained: allow.resources_gained.clone(),
        resources_lost: allow.resources_lost.clone(),
        other,
    }
}

/// An action as people write it: the canonical form compares case-insensitively and keeps
/// names lowercase, so known actions take the catalog's spelling (`dynamodb:DeleteTable`).
/// Patterns and unknown names are shown as they are.
pub fn display_action(name: &str) -> String {
    match warden_catalog::Catalog::embedded().action(name) {
        Ok(action) => action.full_name(),
        Err(_) => name.to_string(),
    }
}

/// Canonical text of a live document for fingerprints: reformatting does not change it.
pub fn canonical_live(live_text: &str) -> String {
    match warden_policy::parse_policy(live_text) {
        Ok(live) => live.canonical_json(),
        Err(_) => live_text.to_string(),
    }
}
