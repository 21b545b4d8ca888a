//! CloudTrail activity of one role → the actions it used, on which resources → minimal statements.
//!
//! Calls that failed for lack of permission are reported, never granted. Events whose name maps
//! to no catalog action are reported with the reason. Resources come from each event; an action
//! seen without any resource it accepts is scoped to its resource type's ARN format in the
//! event's account and region (`arn:aws:sqs:eu-west-1:111122223333:*`) with a warning, and only
//! actions without resource types get `Resource: "*"`.

use std::collections::{BTreeMap, BTreeSet};

use warden_catalog::{Action, Catalog};

use crate::cloudtrail::{
    EventActions, RoleArn, TrailEvent, copy_source, event_actions, event_resources,
    is_access_denied, on_or_after,
};
use crate::diag::Diagnostic;
use crate::from_intent::RESOURCE_STAR_RULE;
use crate::statement::{GeneratedException, GeneratedStatement, sid_from};

/// More object keys than this under one prefix are granted as `prefix/*` (with a warning).
pub const OBJECT_KEYS_PER_PREFIX: usize = 3;

/// What the role did, read from its events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    pub events_read: usize,
    /// Events made by the role (within `--since`).
    pub events_of_role: usize,
    /// Canonical action name → resources the calls named (possibly empty).
    pub used: BTreeMap<String, BTreeSet<String>>,
    /// Calls that failed with AccessDenied and similar: `action (event source EventName)` → count.
    pub denied: BTreeMap<String, usize>,
    /// Events identity policies do not authorize: `source EventName` → why.
    pub not_identity_actions: BTreeMap<String, &'static str>,
    /// Events whose action is not in the catalog: `source EventName` → tried action.
    pub unmapped: BTreeMap<String, String>,
    /// Mappings that were not one-to-one: `source EventName` → (action, why).
    pub renamed: BTreeMap<String, (String, &'static str)>,
    /// Roles passed to services in request parameters: `iam:PassRole` is not logged, so these
    /// are hints for the reviewer, never granted.
    pub pass_role_hints: BTreeSet<String>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
}

impl Activity {
    /// Every action used (canonical names).
    pub fn actions(&self) -> BTreeSet<String> {
        self.used.keys().cloned().collect()
    }
}

/// Reads the role's events (optionally from `since` on) into an [`Activity`].
pub fn observe(
    events: &[TrailEvent],
    role: &RoleArn,
    since: Option<&str>,
    catalog: &Catalog,
) -> Activity {
    let mut activity = Activity {
        events_read: events.len(),
        ..Activity::default()
    };
    for event in events
        .iter()
        .filter(|event| role.made(event) && since.is_none_or(|since| on_or_after(event, since)))
    {
        activity.events_of_role += 1;
        let label = format!("{} {}", event.event_source, event.event_name);
        let candidates = match event_actions(event) {
            EventActions::NotAuthorizedByIdentityPolicy(why) => {
                activity.not_identity_actions.insert(label, why);
                continue;
            }
            EventActions::Actions { actions, note } => {
                if let (Some(why), Some(first)) = (note, actions.first()) {
                    activity.renamed.insert(label.clone(), (first.clone(), why));
                }
                actions
            }
        };
        let mut resolved: Vec<&Action> = Vec::new();
        for candidate in &candidates {
            match catalog.action(candidate) {
                Ok(action) => resolved.push(action),
                Err(_) => {
                    activity.unmapped.insert(label.clone(), candidate.clone());
                }
            }
        }
        if is_access_denied(event) {
            for action in &resolved {
                *activity
                    .denied
                    .entry(format!("{} ({label})", action.full_name()))
                    .or_default() += 1;
            }
            continue;
        }
        // Other failures (throttling, validation) were still authorized: they count as use.
        note_pass_role(&mut activity, event);
        let resources = event_resources(event, &role.partition);
        for action in resolved {
            activity
                .used
                .entry(action.full_name())
                .or_default()
                .extend(resources.iter().cloned());
        }
        if let Some(source) = copy_source(event, &role.partition)
            && let Ok(get) = catalog.action("s3:GetObject")
        {
            activity
                .used
                .entry(get.full_name())
                .or_default()
                .insert(source);
        }
        note_time_and_place(&mut activity, event);
    }
    activity
}

/// Request parameters that pass a role to a service (`roleArn`, `executionRoleArn`,
/// `overrides.taskRoleArn`, …), at any depth.
fn note_pass_role(activity: &mut Activity, event: &TrailEvent) {
    if event.event_source == "sts.amazonaws.com" || event.event_source == "iam.amazonaws.com" {
        return;
    }
    if let Some(params) = &event.request_parameters {
        collect_role_arns(params, &mut activity.pass_role_hints);
    }
}

fn collect_role_arns(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(entries) => {
            for (key, value) in entries {
                match value {
                    serde_json::Value::String(arn)
                        if key.to_ascii_lowercase().ends_with("rolearn")
                            && warden_policy::arn::ArnRef::parse(arn).is_some_and(|parsed| {
                                parsed.service == "iam" && parsed.resource.starts_with("role/")
                            }) =>
                    {
                        out.insert(arn.clone());
                    }
                    other => collect_role_arns(other, out),
                }
            }
        }
        serde_json::Value::Array(items) => {
            items.iter().for_each(|item| collect_role_arns(item, out))
        }
        _ => {}
    }
}

fn note_time_and_place(activity: &mut Activity, event: &TrailEvent) {
    if activity
        .first_seen
        .as_deref()
        .is_none_or(|first| event.event_time.as_str() < first)
    {
        activity.first_seen = Some(event.event_time.clone());
    }
    if activity
        .last_seen
        .as_deref()
        .is_none_or(|last| event.event_time.as_str() > last)
    {
        activity.last_seen = Some(event.event_time.clone());
    }
    if activity.account.is_none() {
        activity.account.clone_from(&event.recipient_account_id);
    }
    if activity.region.is_none() && !event.aws_region.is_empty() {
        activity.region = Some(event.aws_region.clone());
    }
}

/// Minimal statements for the activity: actions grouped by the resources they were used on.
pub fn statements_from_activity(
    activity: &Activity,
    role: &RoleArn,
    catalog: &Catalog,
) -> (Vec<GeneratedStatement>, Vec<Diagnostic>) {
    let mut warnings = Vec::new();
    let mut groups: BTreeMap<(String, Vec<String>), Vec<String>> = BTreeMap::new();
    let mut star: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, seen) in &activity.used {
        let Ok(action) = catalog.action(name) else {
            continue;
        };
        if !action.supports_resource_level_permissions() {
            star.entry(action.service.to_string())
                .or_default()
                .push(action.full_name());
            continue;
        }
        let mut resources: Vec<String> = seen
            .iter()
            .filter(|arn| !catalog.resource_types_for_arn(action, arn).is_empty())
            .cloned()
            .collect();
        if resources.is_empty() && !action.resource_types.iter().any(|row| row.required) {
            // Its resource types are optional and the calls named none: AWS authorized them
            // against `*`, so a resource ARN would deny them.
            star.entry(action.service.to_string())
                .or_default()
                .push(action.full_name());
            continue;
        }
        if resources.is_empty() {
            let scoped = type_wide_arns(action, role, activity, catalog);
            warnings.push(Diagnostic::new(None, format!(
                "`{name}` was used but its events name no resource it accepts: scoped to `{}`; narrow it by hand",
                scoped.join("`, `")
            )));
            resources = scoped;
        }
        let resources = generalize_object_keys(resources, name, &mut warnings);
        groups
            .entry((action.service.to_string(), resources))
            .or_default()
            .push(action.full_name());
    }
    let window = match (&activity.first_seen, &activity.last_seen) {
        (Some(first), Some(last)) => format!("between {first} and {last}"),
        _ => "in the trail".to_owned(),
    };
    let mut statements = Vec::new();
    for ((service, resources), actions) in groups {
        let types = resource_type_names(&actions, &resources, catalog);
        statements.push(GeneratedStatement {
            sid: sid_from(&format!("{service} {} used", types.join(" "))),
            principal: None,
            actions,
            resources,
            conditions: vec![],
            justification: format!("Used by sessions of `{}` {window} (CloudTrail).", role.name),
            exceptions: vec![],
        });
    }
    for (service, actions) in star {
        // WL301 flags `*` only for actions that have resource types; an exception anywhere else
        // would be reported as covering nothing (WL705).
        let scoped_by_type = actions
            .iter()
            .filter_map(|name| catalog.action(name).ok())
            .any(Action::supports_resource_level_permissions);
        let reason = format!(
            "the calls of {} named no resource (the actions have no resource type, or only optional ones): `Resource: \"*\"` is the only value that works",
            actions.join(", ")
        );
        let exceptions = if scoped_by_type {
            vec![GeneratedException {
                rule: RESOURCE_STAR_RULE.into(),
                reason: reason.clone(),
            }]
        } else {
            vec![]
        };
        statements.push(GeneratedStatement {
            sid: sid_from(&format!("{service} account wide used")),
            principal: None,
            actions,
            resources: vec!["*".into()],
            conditions: vec![],
            justification: format!(
                "Used by sessions of `{}` {window} (CloudTrail); {reason}.",
                role.name
            ),
            exceptions,
        });
    }
    dedupe_sids(&mut statements);
    (statements, warnings)
}

fn resource_type_names(actions: &[String], resources: &[String], catalog: &Catalog) -> Vec<String> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for action in actions.iter().filter_map(|name| catalog.action(name).ok()) {
        for arn in resources {
            names.extend(
                catalog
                    .resource_types_for_arn(action, arn)
                    .into_iter()
                    .map(|t| t.name.to_string()),
            );
        }
    }
    names.into_iter().collect()
}

/// The ARN formats of the action's resource types (required ones when it has any), with
/// partition, account and region filled and other variables `*`.
fn type_wide_arns(
    action: &Action,
    role: &RoleArn,
    activity: &Activity,
    catalog: &Catalog,
) -> Vec<String> {
    let Some(service) = catalog.service(&action.service) else {
        return vec![];
    };
    let required: Vec<_> = action
        .resource_types
        .iter()
        .filter(|row| row.required)
        .collect();
    let rows = if required.is_empty() {
        action.resource_types.iter().collect()
    } else {
        required
    };
    let account = activity
        .account
        .clone()
        .unwrap_or_else(|| role.account.clone());
    let region = activity.region.clone().unwrap_or_else(|| "*".into());
    let mut arns: Vec<String> = rows
        .iter()
        .filter_map(|row| service.resource_type(&row.name))
        .filter_map(|resource_type| resource_type.arn_patterns.first())
        .map(|format| fill_wide(format, &role.partition, &account, &region))
        .collect();
    arns.sort();
    arns.dedup();
    arns
}

fn fill_wide(format: &str, partition: &str, account: &str, region: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        out.push_str(match &after[..end] {
            "Partition" => partition,
            "Account" | "AccountId" => account,
            "Region" => region,
            _ => "*",
        });
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Many S3 object ARNs under one prefix become `prefix/*`, said in a warning.
fn generalize_object_keys(
    resources: Vec<String>,
    action: &str,
    warnings: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let mut by_prefix: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut out = Vec::new();
    for arn in resources {
        let object = warden_policy::arn::ArnRef::parse(&arn).filter(|parsed| {
            parsed.service == "s3" && parsed.region.is_empty() && parsed.account.is_empty()
        });
        match object {
            Some(parsed) if parsed.resource.contains('/') => {
                let prefix = arn
                    .rsplit_once('/')
                    .map_or(arn.clone(), |(prefix, _)| prefix.to_owned());
                by_prefix.entry(prefix).or_default().push(arn.clone());
            }
            _ => out.push(arn),
        }
    }
    for (prefix, keys) in by_prefix {
        if keys.len() > OBJECT_KEYS_PER_PREFIX {
            warnings.push(Diagnostic::new(
                None,
                format!(
                    "`{action}` was used on {} objects under `{prefix}/`: granted on `{prefix}/*`",
                    keys.len()
                ),
            ));
            out.push(format!("{prefix}/*"));
        } else {
            out.extend(keys);
        }
    }
    out.sort();
    out.dedup();
    out
}

fn dedupe_sids(statements: &mut [GeneratedStatement]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for statement in statements {
        let count = seen.entry(statement.sid.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            statement.sid = format!("{}{}", statement.sid, count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_keys_under_one_prefix_become_a_prefix_wildcard() {
        let keys: Vec<String> = (1..=5)
            .map(|day| format!("arn:aws:s3:::acme/exports/2026-11-0{day}.csv"))
            .collect();
        let mut resources = keys.clone();
        resources.push("arn:aws:s3:::acme/other/one.csv".into());
        resources.push("arn:aws:s3:::acme".into());
        let mut warnings = Vec::new();
        let out = generalize_object_keys(resources, "s3:GetObject", &mut warnings);
        assert_eq!(
            out,
            vec![
                "arn:aws:s3:::acme",
                "arn:aws:s3:::acme/exports/*",
                "arn:aws:s3:::acme/other/one.csv"
            ]
        );
        assert_eq!(warnings.len(), 1);
        let few = generalize_object_keys(keys[..3].to_vec(), "s3:GetObject", &mut warnings);
        assert_eq!(
            few,
            keys[..3].to_vec(),
            "up to {OBJECT_KEYS_PER_PREFIX} keys stay exact"
        );
    }

    #[test]
    fn type_wide_arns_fill_account_and_region() {
        assert_eq!(
            fill_wide(
                "arn:${Partition}:ecs:${Region}:${Account}:task-definition/${TaskDefinitionFamilyName}:${TaskDefinitionRevisionNumber}",
                "aws",
                "111122223333",
                "eu-west-1"
            ),
            "arn:aws:ecs:eu-west-1:111122223333:task-definition/*:*"
        );
    }
}
