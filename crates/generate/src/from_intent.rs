//! Intent → least-privilege statements, through the action catalog.
//!
//! For each permission of the intent: the actions are the access levels' actions of the service
//! plus the explicit ones; each action is granted on the given resources whose resource type it
//! accepts, grouped by resource type into statements. An action none of whose resource types
//! the resources match is left out with a warning (never widened to `*`). Actions that accept no
//! resource type at all get `Resource: "*"` only when the intent names them explicitly, in their
//! own statement with a lint exception saying why. Conditions the intent states are checked
//! against the catalog: an action that does not support a condition key is left out rather than
//! granted without the condition.

use std::collections::BTreeMap;
use std::path::Path;

use warden_catalog::condition::key_matches;
use warden_catalog::{AccessLevel, Action, Catalog, ResourceType, Service};
use warden_policy::quota::TRUST_POLICY_CHARS;

use crate::diag::Diagnostic;
use crate::err::{IntentError, Pos};
use crate::intent::{
    ConditionSpec, Intent, Permission, ResourceSpec, canonical_access_level, pos_of,
};
use crate::statement::{GeneratedCondition, GeneratedStatement, sid_from};
use crate::trust::{TrustContext, TrustTemplate};

/// Lint rule a `Resource: "*"` statement is excepted from (warden-lint WL301) when it grants
/// actions that have resource types but were called without naming one (activity output).
pub const RESOURCE_STAR_RULE: &str = "WL301";

/// Settings that do not come from the intent file.
#[derive(Debug, Clone, Default)]
pub struct IntentOptions {
    /// Role name; overrides the intent's `role`.
    pub name: Option<String>,
    /// Trust templates in addition to the intent's `trust`.
    pub trust: Vec<String>,
    pub external_id: Option<String>,
    pub external_id_var: Option<String>,
    /// `YYYY-MM-DD` written as `expires` of generated lint exceptions.
    pub exception_expires: String,
}

/// A role's generated trust and permissions, before sizing into policies.
#[derive(Debug, Clone)]
pub struct GeneratedRole {
    pub name: String,
    pub description: Option<String>,
    /// The account the role lives in, if the intent names one.
    pub account: Option<String>,
    pub boundary: Option<String>,
    pub path: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// Target account ids or names, OUs and account tags for the definition.
    pub target_accounts: Vec<String>,
    pub target_ous: Vec<String>,
    pub target_tags: Vec<String>,
    /// Owner of generated lint exceptions.
    pub owner: String,
    pub exception_expires: String,
    pub trust: Vec<GeneratedStatement>,
    pub statements: Vec<GeneratedStatement>,
    pub warnings: Vec<Diagnostic>,
}

/// Values that fill ARN variables: `${Partition}`, `${Region}`, `${Account}`.
struct ArnContext {
    partition: String,
    region: Option<String>,
    /// A literal account or the definitions' `${account_id}` variable.
    account: String,
}

/// Generates the role for an intent. `path` names the intent file in errors and warnings.
pub fn generate_from_intent(
    intent: &Intent,
    path: &Path,
    catalog: &Catalog,
    options: &IntentOptions,
) -> Result<GeneratedRole, IntentError> {
    let invalid = |pos: Pos, message: String| IntentError::Invalid {
        path: path.to_owned(),
        pos,
        message,
    };
    let name = match (&options.name, &intent.role) {
        (Some(name), _) => name.clone(),
        (None, Some(role)) => role.value.clone(),
        (None, None) => {
            return Err(invalid(
                Pos { line: 1, column: 1 },
                "the intent names no `role`; add `role: NAME` or pass `--name`".into(),
            ));
        }
    };
    let account = intent
        .account
        .as_ref()
        .map(|account| account.value.0.clone());
    let context = ArnContext {
        // Without an explicit partition, the region's (GovCloud and China ARNs differ).
        partition: intent.partition.clone().unwrap_or_else(|| {
            intent
                .region
                .as_ref()
                .map(|region| warden_policy::Partition::for_region(&region.value))
                .unwrap_or_default()
                .to_string()
        }),
        region: intent.region.as_ref().map(|region| region.value.clone()),
        account: account.clone().unwrap_or_else(|| "${account_id}".into()),
    };
    let mut warnings = Vec::new();
    let mut statements: Vec<GeneratedStatement> = Vec::new();
    for permission in &intent.permissions {
        let generated = generate_permission(
            &permission.value,
            pos_of(permission),
            catalog,
            &context,
            path,
            &mut warnings,
        )?;
        statements.extend(generated);
    }
    make_sids_unique(&mut statements);
    let owner = intent.owner.clone().unwrap_or_else(|| "unassigned".into());
    if intent.owner.is_none()
        && statements
            .iter()
            .any(|statement| !statement.exceptions.is_empty())
    {
        warnings.push(Diagnostic::new(
            None,
            "lint exceptions are owned by `unassigned`: set `owner` in the intent",
        ));
    }
    let trust = trust_statements(
        intent,
        options,
        &context,
        account.as_deref(),
        path,
        &mut warnings,
    )?;
    let (target_accounts, target_ous, target_tags) = match &intent.targets {
        Some(targets) => (
            targets.accounts.iter().map(|a| a.0.clone()).collect(),
            targets.ous.clone(),
            targets.tags.clone(),
        ),
        None => (account.iter().cloned().collect(), vec![], vec![]),
    };
    if intent.boundary.is_none() {
        warnings.push(Diagnostic::new(
            None,
            "no `boundary` in the intent: every non-admin role needs a permission boundary",
        ));
    }
    Ok(GeneratedRole {
        name,
        description: intent.description.clone(),
        account,
        boundary: intent.boundary.clone(),
        path: intent.path.clone(),
        tags: intent
            .tags
            .iter()
            .map(|(key, value)| (key.clone(), value.0.clone()))
            .collect(),
        target_accounts,
        target_ous,
        target_tags,
        owner,
        exception_expires: options.exception_expires.clone(),
        trust,
        statements,
        warnings: warnings
            .into_iter()
            .map(|w: Diagnostic| w.in_file(path))
            .collect(),
    })
}

fn trust_statements(
    intent: &Intent,
    options: &IntentOptions,
    context: &ArnContext,
    account: Option<&str>,
    path: &Path,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<GeneratedStatement>, IntentError> {
    let trust_context = TrustContext {
        partition: context.partition.clone(),
        account: Some(account.map_or_else(|| "${account_id}".to_owned(), str::to_owned)),
        region: context.region.clone(),
        external_id: options.external_id.clone(),
        external_id_var: options.external_id_var.clone(),
    };
    let written = intent
        .trust
        .iter()
        .map(|text| (text.value.clone(), Some(pos_of(text))));
    let given = options.trust.iter().map(|text| (text.clone(), None));
    let mut trust = Vec::new();
    for (text, pos) in written.chain(given) {
        let to_error = |err: crate::err::TrustError| match pos {
            Some(pos) => IntentError::Invalid {
                path: path.to_owned(),
                pos,
                message: err.to_string(),
            },
            None => IntentError::Trust {
                template: text.clone(),
                reason: err,
            },
        };
        let output = TrustTemplate::parse(&text)
            .and_then(|t| t.statement(&trust_context))
            .map_err(to_error)?;
        warnings.extend(
            output
                .warnings
                .into_iter()
                .map(|message| Diagnostic::new(pos, message)),
        );
        trust.push(output.statement);
    }
    let trust_size = crate::statement::iam_size(&crate::statement::document_json(&trust));
    if trust_size > TRUST_POLICY_CHARS {
        warnings.push(Diagnostic::new(None, format!(
            "the trust policy has {trust_size} characters; IAM's default quota is {TRUST_POLICY_CHARS} (adjustable to 4,096)"
        )));
    }
    if trust.is_empty() {
        warnings.push(Diagnostic::new(
            None,
            "no trust template: add `trust` to the intent or pass `--trust`",
        ));
    }
    Ok(trust)
}

/// A resource of the intent resolved to an ARN, with the type it was declared as.
struct Resolved {
    arn: String,
    declared_type: Option<String>,
    pos: Pos,
}

fn generate_permission(
    need: &Permission,
    need_pos: Pos,
    catalog: &Catalog,
    context: &ArnContext,
    path: &Path,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Vec<GeneratedStatement>, IntentError> {
    let invalid = |pos: Pos, message: String| IntentError::Invalid {
        path: path.to_owned(),
        pos,
        message,
    };
    let prefix = need.service.value.to_ascii_lowercase();
    let service = catalog.service(&prefix).ok_or_else(|| {
        invalid(
            pos_of(&need.service),
            match catalog.suggest_service(&prefix) {
                Some(known) => format!(
                    "unknown service `{}`; did you mean `{known}`?",
                    need.service.value
                ),
                None => format!("unknown service `{}`", need.service.value),
            },
        )
    })?;
    let resources = need
        .resources
        .iter()
        .map(|spec| resolve_resource(&spec.value, pos_of(spec), service, context, path, warnings))
        .collect::<Result<Vec<_>, _>>()?;
    let explicit = explicit_actions(need, service, catalog, path)?;
    let mut selected: Vec<(&Action, bool)> =
        explicit.iter().map(|action| (*action, true)).collect();
    let by_level = service.actions_by_access_level();
    for level in &need.access {
        let Some(level) = canonical_access_level(&level.value).and_then(AccessLevel::parse) else {
            continue;
        };
        for action in by_level.get(&level).into_iter().flatten() {
            if !selected
                .iter()
                .any(|(chosen, _)| chosen.name == action.name)
            {
                selected.push((action, false));
            }
        }
    }
    let conditions = need_conditions(need);
    let mut groups: BTreeMap<GroupKey, Vec<&Action>> = BTreeMap::new();
    let mut star_only: Vec<&Action> = Vec::new();
    let mut left_out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut used = vec![false; resources.len()];
    for (action, named) in selected {
        if !action.supports_resource_level_permissions() {
            if named {
                if let Some(message) = condition_gap(catalog, action, &conditions) {
                    warnings.push(Diagnostic::new(Some(need_pos), message));
                    continue;
                }
                star_only.push(action);
            } else {
                left_out
                    .entry("accept only `Resource: \"*\"`; name them under `actions` to grant them")
                    .or_default()
                    .push(action.full_name());
            }
            continue;
        }
        let mut matched_types: Vec<String> = Vec::new();
        let mut matched_arns: Vec<String> = Vec::new();
        for (index, resource) in resources.iter().enumerate() {
            let types = resource_types_of(catalog, action, resource);
            if !types.is_empty() {
                used[index] = true;
                matched_arns.push(resource.arn.clone());
                matched_types.extend(types);
            }
        }
        if matched_arns.is_empty() {
            left_out
                .entry("accept none of the given resources")
                .or_default()
                .push(action.full_name());
            continue;
        }
        if let Some(message) = condition_gap(catalog, action, &conditions) {
            warnings.push(Diagnostic::new(Some(need_pos), message));
            continue;
        }
        matched_types.sort();
        matched_types.dedup();
        groups
            .entry(GroupKey {
                resource_types: matched_types,
                resources: matched_arns,
            })
            .or_default()
            .push(action);
    }
    for (resource, _) in resources.iter().zip(&used).filter(|(_, used)| !**used) {
        let message = format!(
            "no selected action of `{}` accepts `{}`",
            service.prefix, resource.arn
        );
        warnings.push(Diagnostic::new(Some(resource.pos), message));
    }
    for (why, mut actions) in left_out {
        actions.sort();
        let count = actions.len();
        let message = format!(
            "{count} {} action(s) left out: they {why}: {}",
            service.prefix,
            actions.join(", ")
        );
        warnings.push(Diagnostic::new(Some(need_pos), message));
    }
    let purpose = need
        .purpose
        .clone()
        .unwrap_or_else(|| format!("The workload uses {}", service.name));
    let mut statements = Vec::new();
    for (key, actions) in groups {
        let need = NeedCx {
            catalog,
            service,
            purpose: &purpose,
            pos: need_pos,
        };
        statements.push(scoped_statement(
            &need,
            &key,
            &actions,
            &conditions,
            warnings,
        ));
    }
    if !star_only.is_empty() {
        statements.push(star_statement(service, &star_only, &conditions, &purpose));
    }
    if statements.is_empty() {
        warnings.push(Diagnostic::new(
            Some(need_pos),
            format!("the permission for `{}` grants nothing", service.prefix),
        ));
    }
    Ok(statements)
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey {
    resource_types: Vec<String>,
    resources: Vec<String>,
}

/// Why `action` must be left out: a requested condition key it does not support.
fn condition_gap(
    catalog: &Catalog,
    action: &Action,
    conditions: &[GeneratedCondition],
) -> Option<String> {
    conditions
        .iter()
        .find(|condition| !supports_condition_key(catalog, action, &condition.key))
        .map(|condition| {
            format!(
                "`{}` left out: it does not support the condition key `{}`",
                action.full_name(),
                condition.key
            )
        })
}

/// Can a condition on `key` ever be true for `action`? Tag keys are global keys, yet only
/// actions whose resource types (or requests) carry tags provide them, so they must be listed
/// for the action itself; other keys are what the catalog accepts.
fn supports_condition_key(catalog: &Catalog, action: &Action, key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    let tag_key = lower.starts_with("aws:resourcetag/")
        || lower.starts_with("aws:requesttag/")
        || lower == "aws:tagkeys";
    if !tag_key {
        return catalog.condition_key_valid(action, key);
    }
    let listed =
        |keys: &[warden_catalog::Text]| keys.iter().any(|candidate| key_matches(candidate, key));
    let service = catalog.service(&action.service);
    listed(&action.condition_keys)
        || action.resource_types.iter().any(|row| {
            listed(&row.condition_keys)
                || service
                    .and_then(|service| service.resource_type(&row.name))
                    .is_some_and(|resource| listed(&resource.condition_keys))
        })
}

/// The resource types of `action` that `resource` is: the declared type if the action accepts
/// it, otherwise whatever the ARN matches.
fn resource_types_of(catalog: &Catalog, action: &Action, resource: &Resolved) -> Vec<String> {
    match &resource.declared_type {
        Some(declared) => action
            .resource_type(declared)
            .map(|row| vec![row.name.to_string()])
            .unwrap_or_default(),
        None => catalog
            .resource_types_for_arn(action, &resource.arn)
            .into_iter()
            .map(|resource_type| resource_type.name.to_string())
            .collect(),
    }
}

fn explicit_actions<'c>(
    need: &Permission,
    service: &'c Service,
    catalog: &'c Catalog,
    path: &Path,
) -> Result<Vec<&'c Action>, IntentError> {
    let mut actions = Vec::new();
    for written in &need.actions {
        let full = if written.value.contains(':') {
            written.value.clone()
        } else {
            format!("{}:{}", service.prefix, written.value)
        };
        let action = catalog.action(&full).map_err(|err| IntentError::Invalid {
            path: path.to_owned(),
            pos: pos_of(written),
            message: match catalog.suggest(&full) {
                Some(known) => format!("{err}; did you mean `{known}`?"),
                None => err.to_string(),
            },
        })?;
        if !action.service.eq_ignore_ascii_case(&service.prefix) {
            return Err(IntentError::Invalid {
                path: path.to_owned(),
                pos: pos_of(written),
                message: format!(
                    "action `{full}` belongs to `{}`, not to `{}`; list it under its own service",
                    action.service, service.prefix
                ),
            });
        }
        actions.push(action);
    }
    Ok(actions)
}

fn need_conditions(need: &Permission) -> Vec<GeneratedCondition> {
    let mut conditions: Vec<GeneratedCondition> = need
        .resource_tags
        .iter()
        .map(|(key, value)| {
            GeneratedCondition::new(
                "StringEquals",
                &format!("aws:ResourceTag/{key}"),
                [value.0.clone()],
            )
        })
        .collect();
    conditions.extend(
        need.conditions
            .iter()
            .map(|spec| condition_from(&spec.value)),
    );
    conditions
}

fn condition_from(spec: &ConditionSpec) -> GeneratedCondition {
    let values: Vec<String> = spec.values.iter().map(|value| value.0.clone()).collect();
    let operator = spec.operator.clone().unwrap_or_else(|| {
        if values.iter().any(|value| value.contains(['*', '?'])) {
            "StringLike".into()
        } else {
            "StringEquals".into()
        }
    });
    GeneratedCondition {
        operator,
        key: spec.key.clone(),
        values,
    }
}

/// What a statement of one permission needs to know about it.
struct NeedCx<'a> {
    catalog: &'a Catalog,
    service: &'a Service,
    purpose: &'a str,
    pos: Pos,
}

fn scoped_statement(
    need: &NeedCx<'_>,
    key: &GroupKey,
    actions: &[&Action],
    conditions: &[GeneratedCondition],
    warnings: &mut Vec<Diagnostic>,
) -> GeneratedStatement {
    let NeedCx {
        catalog,
        service,
        purpose,
        pos,
    } = *need;
    let levels = levels_of(actions);
    let mut names: Vec<String> = actions.iter().map(|action| action.full_name()).collect();
    names.sort_by_key(|name| name.to_ascii_lowercase());
    let mut conditions = conditions.to_vec();
    suggest_conditions(catalog, actions, &key.resources, &conditions, pos, warnings);
    conditions.sort_by(|a, b| a.operator.cmp(&b.operator).then_with(|| a.key.cmp(&b.key)));
    let types = key.resource_types.join(" ");
    let justification = format!(
        "{}: {} access to {} {} `{}`.",
        sentence_start(purpose),
        join_words(&levels),
        service.prefix,
        plural_types(&key.resource_types),
        key.resources.join("`, `")
    );
    GeneratedStatement {
        sid: sid_from(&format!("{} {types} {}", service.prefix, levels.join(" "))),
        principal: None,
        actions: names,
        resources: key.resources.clone(),
        conditions,
        justification,
        exceptions: vec![],
    }
}

/// Condition keys worth adding that the catalog offers for these actions, said as warnings:
/// `iam:PassedToService` on `iam:PassRole`, `kms:ViaService` on KMS data-key and decrypt calls,
/// and `aws:ResourceTag/…` when resources are named by wildcard, every action supports the key
/// and the intent scopes by no tag.
fn suggest_conditions(
    catalog: &Catalog,
    actions: &[&Action],
    resources: &[String],
    conditions: &[GeneratedCondition],
    pos: Pos,
    warnings: &mut Vec<Diagnostic>,
) {
    let has = |key: &str| {
        conditions.iter().any(|condition| {
            condition
                .key
                .to_ascii_lowercase()
                .starts_with(&key.to_ascii_lowercase())
        })
    };
    let named = |name: &str| {
        actions
            .iter()
            .any(|action| action.full_name().eq_ignore_ascii_case(name))
    };
    if named("iam:PassRole") && !has("iam:PassedToService") {
        warnings.push(Diagnostic::new(
            Some(pos),
            "`iam:PassRole` without `iam:PassedToService`: add `conditions: [{key: iam:PassedToService, values: [SERVICE.amazonaws.com]}]` so the role can only be passed to the service that needs it",
        ));
    }
    let kms_data = [
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
    ];
    if kms_data.iter().any(|name| named(name))
        && !has("kms:ViaService")
        && !has("kms:EncryptionContext")
    {
        warnings.push(Diagnostic::new(
            Some(pos),
            "KMS data-key use without `kms:ViaService` or `kms:EncryptionContext:…`: if only a service (S3, Secrets Manager) uses the key for the role, add `{key: kms:ViaService, values: [s3.REGION.amazonaws.com]}`",
        ));
    }
    let tag_key = "aws:ResourceTag/team";
    let wildcard_names = resources.iter().any(|arn| arn.contains(['*', '?']));
    if wildcard_names
        && !has("aws:ResourceTag/")
        && actions
            .iter()
            .all(|action| supports_condition_key(catalog, action, tag_key))
    {
        let mut names: Vec<String> = actions.iter().map(|action| action.full_name()).collect();
        names.sort_by_key(|name| name.to_ascii_lowercase());
        let shown = if names.len() > 3 {
            format!("{} and {} more", names[..3].join(", "), names.len() - 3)
        } else {
            names.join(", ")
        };
        let verb = if names.len() == 1 {
            "supports"
        } else {
            "support"
        };
        warnings.push(Diagnostic::new(
            Some(pos),
            format!(
                "{shown} {verb} `aws:ResourceTag/…` and the resources are named by wildcard: `resource_tags` in the intent would also scope them by tag"
            ),
        ));
    }
}

fn star_statement(
    service: &Service,
    actions: &[&Action],
    conditions: &[GeneratedCondition],
    purpose: &str,
) -> GeneratedStatement {
    let mut names: Vec<String> = actions.iter().map(|action| action.full_name()).collect();
    names.sort_by_key(|name| name.to_ascii_lowercase());
    let verb = if names.len() == 1 {
        "accepts"
    } else {
        "accept"
    };
    GeneratedStatement {
        sid: sid_from(&format!("{} account wide", service.prefix)),
        principal: None,
        justification: format!(
            "{}: {} ({}) {verb} no resource type in the service authorization reference, so `Resource: \"*\"` is the only value that works.",
            sentence_start(purpose),
            names.join(", "),
            join_words(&levels_of(actions))
        ),
        actions: names,
        resources: vec!["*".into()],
        conditions: conditions.to_vec(),
        // WL301 never flags actions without resource types and WL705 flags exceptions that cover
        // no finding: the reason lives in the justification instead.
        exceptions: vec![],
    }
}

fn levels_of(actions: &[&Action]) -> Vec<&'static str> {
    let mut levels: Vec<AccessLevel> = actions.iter().map(|action| action.access_level).collect();
    levels.sort();
    levels.dedup();
    levels.into_iter().map(AccessLevel::as_str).collect()
}

/// `a`, `a and b`, `a, b and c`.
fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn plural_types(types: &[String]) -> String {
    match types {
        [one] => format!("{one} resources"),
        many => format!("{} resources", many.join("/")),
    }
}

fn sentence_start(text: &str) -> String {
    let trimmed = text.trim().trim_end_matches('.');
    let mut chars = trimmed.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Appends `2`, `3`, … to repeated Sids (Sids must be unique within a policy).
fn make_sids_unique(statements: &mut [GeneratedStatement]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for statement in statements {
        let count = seen.entry(statement.sid.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            statement.sid = format!("{}{}", statement.sid, count);
        }
    }
}

/// Turns a resource of the intent into an ARN.
fn resolve_resource(
    spec: &ResourceSpec,
    pos: Pos,
    service: &Service,
    context: &ArnContext,
    path: &Path,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Resolved, IntentError> {
    let invalid = |message: String| IntentError::Invalid {
        path: path.to_owned(),
        pos,
        message,
    };
    match spec {
        ResourceSpec::Arn(arn) => {
            if arn == "*" {
                return Err(invalid("`*` is not a resource: name the resources, or list account-wide actions under `actions` without resources".into()));
            }
            if !arn.starts_with("arn:") {
                return Err(invalid(format!(
                    "`{arn}` is not an ARN; write `arn:…` or `{{type: …, …}}`"
                )));
            }
            Ok(Resolved {
                arn: arn.clone(),
                declared_type: None,
                pos,
            })
        }
        ResourceSpec::Typed {
            resource_type,
            fields,
        } => {
            let found = service.resource_type(resource_type).ok_or_else(|| {
                let known: Vec<&str> = service
                    .resource_types
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect();
                invalid(format!(
                    "`{}` has no resource type `{resource_type}`; it has {}",
                    service.prefix,
                    quote_list(&known)
                ))
            })?;
            let arn = fill_arn(found, fields, context, pos, warnings).map_err(invalid)?;
            Ok(Resolved {
                arn,
                declared_type: Some(found.name.to_string()),
                pos,
            })
        }
    }
}

/// Fills the ARN format's `${Variables}` from the resource's fields and the context.
fn fill_arn(
    resource_type: &ResourceType,
    fields: &BTreeMap<String, String>,
    context: &ArnContext,
    pos: Pos,
    warnings: &mut Vec<Diagnostic>,
) -> Result<String, String> {
    let format = resource_type.arn_patterns.first().ok_or_else(|| {
        format!(
            "resource type `{}` has no ARN format in the catalog",
            resource_type.name
        )
    })?;
    let variables = arn_variables(format);
    let mut assigned: BTreeMap<&str, &str> = BTreeMap::new();
    for (field, value) in fields {
        let variable = match_variable(field, &variables).ok_or_else(|| {
            format!(
                "`{}` ARNs (`{format}`) have no variable for `{field}`; use {}",
                resource_type.name,
                quote_list(&variables)
            )
        })?;
        if assigned.insert(variable, value).is_some() {
            return Err(format!("two fields name the ARN variable `{variable}`"));
        }
    }
    let mut arn = String::new();
    let mut rest = format.as_str();
    while let Some(start) = rest.find("${") {
        arn.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("malformed ARN format `{format}`"))?;
        let variable = &after[..end];
        let value = match (assigned.get(variable), variable) {
            (Some(value), _) => (*value).to_owned(),
            (None, "Partition") => context.partition.clone(),
            (None, "Account" | "AccountId") => context.account.clone(),
            (None, "Region") => match &context.region {
                Some(region) => region.clone(),
                None => {
                    warnings.push(Diagnostic::new(
                        Some(pos),
                        format!(
                            "no `region` in the intent: `{}` ARNs use `*` for the region",
                            resource_type.name
                        ),
                    ));
                    "*".into()
                }
            },
            (None, other) => {
                return Err(format!(
                    "`{}` ARNs (`{format}`) need a value for `{other}`; write `\"*\"` to mean any",
                    resource_type.name
                ));
            }
        };
        arn.push_str(&value);
        rest = &after[end + 1..];
    }
    arn.push_str(rest);
    Ok(arn)
}

fn arn_variables(format: &str) -> Vec<&str> {
    let mut variables = Vec::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        variables.push(&after[..end]);
        rest = &after[end + 1..];
    }
    variables
}

/// Fields name ARN variables loosely: `bucket` → `BucketName`, `key` → `ObjectName`,
/// `role` → `RoleNameWithPath`; exact names always work.
fn match_variable<'v>(field: &str, variables: &[&'v str]) -> Option<&'v str> {
    let normalize = |text: &str| {
        text.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let wanted = normalize(field);
    if let Some(exact) = variables
        .iter()
        .find(|variable| normalize(variable) == wanted)
    {
        return Some(exact);
    }
    if wanted == "key" || wanted == "object" {
        return variables
            .iter()
            .find(|variable| normalize(variable) == "objectname")
            .copied();
    }
    let by_prefix: Vec<&&str> = variables
        .iter()
        .filter(|variable| normalize(variable).starts_with(&wanted))
        .collect();
    match by_prefix.as_slice() {
        [only] => Some(only),
        _ => None,
    }
}

fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_match_variables() {
        let vars = ["Partition", "BucketName", "ObjectName"];
        assert_eq!(match_variable("bucket", &vars), Some("BucketName"));
        assert_eq!(match_variable("key", &vars), Some("ObjectName"));
        assert_eq!(match_variable("ObjectName", &vars), Some("ObjectName"));
        assert_eq!(match_variable("region", &vars), None);
        assert_eq!(
            match_variable("role", &["Partition", "Account", "RoleNameWithPath"]),
            Some("RoleNameWithPath")
        );
    }

    #[test]
    fn arn_fill() {
        let object = ResourceType {
            name: "object".into(),
            arn_patterns: vec!["arn:${Partition}:s3:::${BucketName}/${ObjectName}".into()],
            condition_keys: vec![],
        };
        let context = ArnContext {
            partition: "aws".into(),
            region: None,
            account: "${account_id}".into(),
        };
        let fields: BTreeMap<String, String> = [
            ("bucket".to_owned(), "acme-reports".to_owned()),
            ("key".to_owned(), "exports/*".to_owned()),
        ]
        .into();
        let mut warnings = vec![];
        assert_eq!(
            fill_arn(&object, &fields, &context, Pos::default(), &mut warnings).unwrap(),
            "arn:aws:s3:::acme-reports/exports/*"
        );
        let only_bucket: BTreeMap<String, String> =
            [("bucket".to_owned(), "acme".to_owned())].into();
        let err = fill_arn(
            &object,
            &only_bucket,
            &context,
            Pos::default(),
            &mut warnings,
        )
        .unwrap_err();
        assert!(err.contains("need a value for `ObjectName`"), "{err}");
        let unknown: BTreeMap<String, String> = [("bukket".to_owned(), "acme".to_owned())].into();
        assert!(
            fill_arn(&object, &unknown, &context, Pos::default(), &mut warnings)
                .unwrap_err()
                .contains("no variable for `bukket`")
        );
    }
}
