//! The lint rules, one per file, and small helpers they share for reading statements.

pub mod access_key_stale;
pub mod access_key_unused;
pub mod action_wildcard_all;
pub mod action_wildcard_service;
pub mod ai_tool_mention;
pub mod condition_bool_multiple;
pub mod condition_ip_host_bits;
pub mod condition_key_action_unsupported;
pub mod condition_key_not_applicable;
pub mod condition_key_repeated;
pub mod condition_kms_key_invalid;
pub mod condition_null_equivalent;
pub mod condition_null_qualifier;
pub mod condition_region_invalid;
pub mod condition_sensitive_key_pattern;
pub mod condition_tag_key_missing;
pub mod condition_type_mismatch;
pub mod condition_variable_operator;
pub mod condition_vpc_id_invalid;
pub mod credential_exposure;
pub mod data_exfiltration;
pub mod duplicate_sid;
pub mod empty_condition;
pub mod escalation_path;
pub mod exception_expired;
pub mod exception_unused;
pub mod invalid_document;
pub mod invalid_sid;
pub mod malformed_arn;
pub mod mfa_bool_false;
pub mod missing_justification;
pub mod missing_permission_boundary;
pub mod missing_required_tags;
pub mod missing_resource;
pub mod missing_sid;
pub mod not_action_allow;
pub mod paired_condition_keys;
pub mod pass_role_unscoped;
pub mod password_policy_weak;
pub mod policy_variable_invalid;
pub mod policy_version;
pub mod principal_federated_unsupported;
pub mod principal_in_identity_policy;
pub mod principal_not_arn;
pub mod principal_partial_wildcard;
pub mod privilege_escalation;
pub mod quota_attached_policies;
pub mod quota_inline_policies;
pub mod quota_managed_policy;
pub mod quota_rcp_size;
pub mod quota_scp_count;
pub mod quota_scp_size;
pub mod quota_trust_policy;
pub mod rcp_action_unsupported_service;
pub mod rcp_allow_not_full_access;
pub mod rcp_not_action;
pub mod rcp_principal_not_all;
pub mod redundant_element;
pub mod region_not_allowed;
pub mod resource_arn_mismatch;
pub mod resource_exposure;
pub mod resource_service_wildcard;
pub mod resource_star;
pub mod resource_star_in_effect;
pub mod role_unused;
pub mod root_access_key;
pub mod root_without_mfa;
pub mod scp_deny_all_at_root;
pub mod service_principal_condition_key;
pub mod service_principal_invalid;
pub mod source_ip_private;
pub mod trust_action_principal_mismatch;
pub mod trust_cross_account_external_id;
pub mod trust_element_unsupported;
pub mod trust_oidc_unscoped;
pub mod trust_outside_organization;
pub mod trust_roles_anywhere_actions;
pub mod trust_service_confused_deputy;
pub mod trust_session_action_missing;
pub mod trust_wildcard_principal;
pub mod unknown_action;
pub mod unknown_service;
pub mod user_console_without_mfa;
pub mod user_with_policies;
pub mod wildcard_matches_nothing;
pub mod wildcard_without_like;

use warden_policy::{ActionClause, ConditionValue, Effect, ResourceClause, Statement};

/// The `Action` values of an `Allow` statement (not `NotAction`, not `Deny`).
pub(crate) fn allowed_actions(statement: &Statement) -> Option<&[String]> {
    match (&statement.effect, &statement.action) {
        (Effect::Allow, ActionClause::Action(actions)) => Some(&actions.items),
        _ => None,
    }
}

/// The `Action` or `NotAction` values, whichever is written.
pub(crate) fn action_values(statement: &Statement) -> &[String] {
    match &statement.action {
        ActionClause::Action(values) | ActionClause::NotAction(values) => &values.items,
    }
}

/// The `Resource` values (not `NotResource`).
pub(crate) fn resources(statement: &Statement) -> &[String] {
    match &statement.resource {
        Some(ResourceClause::Resource(values)) => &values.items,
        _ => &[],
    }
}

/// True when the statement applies to every resource: `Resource: "*"` or `NotResource`.
pub(crate) fn applies_to_all_resources(statement: &Statement) -> bool {
    match &statement.resource {
        Some(ResourceClause::Resource(values)) => values.iter().any(|resource| resource == "*"),
        Some(ResourceClause::NotResource(_)) => true,
        None => false,
    }
}

/// Every condition key of the statement with the base operator it is tested with.
pub(crate) fn condition_entries(
    statement: &Statement,
) -> impl Iterator<
    Item = (
        &warden_policy::ConditionOperator,
        &warden_policy::ConditionEntry,
    ),
> {
    statement
        .condition
        .iter()
        .flat_map(|condition| condition.blocks.iter())
        .flat_map(|block| {
            block
                .entries
                .iter()
                .map(move |entry| (&block.operator, entry))
        })
}

/// Is the key tested with an operator that requires it to be present and match (not negated,
/// not `IfExists`, not `Null`)?
pub(crate) fn positively_tests_key(statement: &Statement, key: &str) -> bool {
    condition_entries(statement)
        .any(|(operator, entry)| entry.key.eq_ignore_ascii_case(key) && is_positive(operator))
}

/// Values of `key` under positive operators.
pub(crate) fn positive_values<'a>(
    statement: &'a Statement,
    key: &'a str,
) -> impl Iterator<Item = &'a ConditionValue> {
    condition_entries(statement)
        .filter(move |(operator, entry)| {
            entry.key.eq_ignore_ascii_case(key) && is_positive(operator)
        })
        .flat_map(|(_, entry)| entry.values.iter())
}

/// Operators that only match when the key is present and equal or like the values.
pub(crate) fn is_positive(operator: &warden_policy::ConditionOperator) -> bool {
    !operator.if_exists
        && !operator.base.contains("Not")
        && !operator.base.eq_ignore_ascii_case("Null")
}

/// Is the condition false when the request lacks the key? True for operators that must match a
/// present key; false for negated operators, `…IfExists`, `Null` and `ForAllValues:` (true for
/// an absent key).
pub(crate) fn needs_key(operator: &warden_policy::ConditionOperator) -> bool {
    is_positive(operator) && operator.qualifier != Some(warden_policy::SetQualifier::ForAllValues)
}

/// Keys that confine a statement to resources the organization controls; a `Resource: "*"` so
/// scoped is much less broad.
pub(crate) fn is_scoping_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("aws:resourcetag/")
        || key.ends_with(":resourcetag/")
        || key.contains(":resourcetag/")
        || key == "aws:resourceaccount"
        || key == "aws:resourceorgid"
        || key == "aws:resourceorgpaths"
        || key.contains(":existingobjecttag/")
        || key == "s3:prefix"
}

/// True when a positive condition scopes the statement to tagged or owned resources.
pub(crate) fn scoped_by_condition(statement: &Statement) -> bool {
    condition_entries(statement)
        .any(|(operator, entry)| is_positive(operator) && is_scoping_key(&entry.key))
}

/// Lists up to three names in backticks, with "and N more".
pub(crate) fn name_some(names: &[String]) -> String {
    name_some_of(names, names.len())
}

/// [`name_some`] when only the first names are at hand (`total` counts all of them), so that a
/// statement granting hundreds of actions does not format every name for three.
pub(crate) fn name_some_of(first: &[String], total: usize) -> String {
    let shown: Vec<String> = first
        .iter()
        .take(3)
        .map(|name| format!("`{name}`"))
        .collect();
    let mut text = shown.join(", ");
    if total > 3 {
        text.push_str(&format!(" and {} more", total - 3));
    }
    text
}

/// The values of a `String…` condition entry that `valid` rejects; `valid` gets each value and
/// whether the operator matches wildcards (`…Like`). Empty for other operator families.
pub(crate) fn string_values_rejected(
    base: &str,
    entry: &warden_policy::ConditionEntry,
    valid: impl Fn(&str, bool) -> bool,
) -> Vec<String> {
    if !base
        .get(..6)
        .is_some_and(|start| start.eq_ignore_ascii_case("String"))
    {
        return Vec::new();
    }
    let like = base.to_ascii_lowercase().contains("like");
    values_rejected(entry, |text| valid(text, like))
}

/// The values of a condition entry, as text, that `valid` rejects.
pub(crate) fn values_rejected(
    entry: &warden_policy::ConditionEntry,
    valid: impl Fn(&str) -> bool,
) -> Vec<String> {
    entry
        .values
        .iter()
        .map(|value| value.as_text())
        .filter(|text| !valid(text))
        .map(|text| text.into_owned())
        .collect()
}

/// A tag condition key that ends at its slash (`aws:RequestTag/`, `ec2:ResourceTag/`): it names
/// no tag. WL407 reports it; other rules about keys stay silent on it.
pub(crate) fn names_no_tag(key: &str) -> bool {
    let Some((name, tag)) = key.split_once('/') else {
        return false;
    };
    name.contains(':')
        && name
            .len()
            .checked_sub(3)
            .and_then(|at| name.get(at..))
            .is_some_and(|end| end.eq_ignore_ascii_case("tag"))
        && tag.trim().is_empty()
}

/// A value contains a policy variable (`${aws:username}`), so it cannot be judged statically.
pub(crate) fn has_policy_variable(value: &str) -> bool {
    warden_policy::variables::has_opening(value)
}

/// A `${…}` that is an IAM policy variable: its name has a service prefix (`aws:`, `saml:`…),
/// unlike the escapes `${*}`, `${?}`, `${$}` and the Warden variables of definitions as written
/// (`${account_id}`), which rendering replaces.
pub(crate) fn names_policy_variable(text: &str) -> bool {
    warden_policy::variables::has_opening(text)
        && warden_policy::variables::variables(text)
            .iter()
            .any(|variable| variable.key.contains(':'))
}

/// Principals of one type named by an `Allow` statement's `Principal` (not `NotPrincipal`).
pub(crate) fn principals_of(
    statement: &Statement,
    wanted: warden_policy::PrincipalType,
) -> impl Iterator<Item = &String> {
    let typed = match (&statement.effect, &statement.principal) {
        (
            Effect::Allow,
            Some(warden_policy::PrincipalClause::Principal(warden_policy::Principal::Typed(typed))),
        ) => typed.as_slice(),
        _ => &[],
    };
    typed
        .iter()
        .filter(move |(principal_type, _)| *principal_type == wanted)
        .flat_map(|(_, values)| values.iter())
}

/// The account an `AWS` principal names: a bare account id or the account field of an ARN.
pub(crate) fn principal_account(principal: &str) -> Option<String> {
    if warden_policy::is_account_id(principal) {
        return Some(principal.to_owned());
    }
    let arn = warden_policy::Arn::parse(principal).ok()?;
    (!arn.account.is_empty()).then_some(arn.account)
}

/// The actions of `set` that an `Allow` statement grants through its patterns (`*` excluded:
/// WL202 reports it), by wildcard match, without expanding anything. The rules ask a prepared
/// [`crate::rule::ActionSet`]; this plain form is the reference its test compares with.
#[cfg(test)]
pub(crate) fn granted_from(statement: &Statement, set: &[&str]) -> Vec<String> {
    let Some(patterns) = allowed_actions(statement) else {
        return Vec::new();
    };
    // Each pattern split once: its service when literal (a cheap comparison rules most of the
    // set out), `None` when the service part has wildcards.
    let patterns: Vec<(Option<&str>, &str)> = patterns
        .iter()
        .filter(|pattern| *pattern != "*" && *pattern != "*:*")
        .map(|pattern| {
            let service = pattern
                .split_once(':')
                .map(|(service, _)| service)
                .filter(|service| !service.contains(['*', '?']));
            (service, pattern.as_str())
        })
        .collect();
    set.iter()
        .filter(|action| {
            let service = action.split_once(':').map_or("", |(service, _)| service);
            patterns.iter().any(|(pattern_service, pattern)| {
                pattern_service.is_none_or(|literal| literal.eq_ignore_ascii_case(service))
                    && warden_policy::wildcard::matches(
                        pattern,
                        action,
                        warden_policy::wildcard::Case::Insensitive,
                    )
            })
        })
        .map(|action| (*action).to_string())
        .collect()
}

/// True when a resource value reaches more than one named resource: `*`, or a wildcard that is
/// not confined by a policy variable (`user/${aws:username}` is self-service).
pub(crate) fn resource_is_broad(resource: &str) -> bool {
    if resource == "*" {
        return true;
    }
    if has_policy_variable(resource) {
        return false;
    }
    let name = resource.splitn(6, ':').nth(5).unwrap_or(resource);
    name.contains('*')
}

/// True when the statement applies to broad resources (see [`resource_is_broad`]) or to all but
/// some (`NotResource`).
pub(crate) fn statement_is_broad(statement: &Statement) -> bool {
    match &statement.resource {
        Some(ResourceClause::Resource(values)) => {
            values.iter().any(|resource| resource_is_broad(resource))
        }
        Some(ResourceClause::NotResource(_)) => true,
        None => false,
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    /// Parses a policy value in tests.
    pub(crate) fn document(value: &serde_json::Value) -> warden_policy::PolicyDocument {
        warden_policy::parse_value(value).unwrap()
    }
}

#[cfg(test)]
mod hand_kept_sets {
    use warden_catalog::Catalog;

    /// The escalation and exposure lists are the only hand-kept action lists: every entry must
    /// exist in the catalog, or the rule silently checks nothing for it.
    #[test]
    fn every_listed_action_exists_in_the_catalog() {
        let catalog = Catalog::embedded();
        // The escalation methods are data, checked in `escalation::tests`.
        let lists: [(&str, &[&str]); 2] = [
            (
                "CREDENTIAL_ACTIONS",
                super::credential_exposure::CREDENTIAL_ACTIONS,
            ),
            (
                "EXFILTRATION_ACTIONS",
                super::data_exfiltration::EXFILTRATION_ACTIONS,
            ),
        ];
        let mut missing = Vec::new();
        for (list, actions) in lists {
            assert!(!actions.is_empty());
            for action in actions {
                match catalog.action(action) {
                    // Canonical case, so messages quote the catalog's spelling.
                    Ok(found) if found.full_name() == *action => {}
                    Ok(found) => missing.push(format!(
                        "{list}: `{action}` is spelled `{}`",
                        found.full_name()
                    )),
                    Err(err) => missing.push(format!("{list}: {err}")),
                }
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
        assert!(catalog.action("iam:PassRole").is_ok());
        // Exposure and single-action escalation fire on broad resources: an action that only works with `*` would be
        // flagged for something its owner cannot fix.
        for action in super::credential_exposure::CREDENTIAL_ACTIONS
            .iter()
            .chain(super::data_exfiltration::EXFILTRATION_ACTIONS)
        {
            let found = catalog.action(action).unwrap();
            assert!(
                found.supports_resource_level_permissions(),
                "`{action}` only works with `*`"
            );
        }
    }
}
