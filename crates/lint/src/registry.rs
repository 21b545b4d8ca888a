//! Every rule, by id. Ids are stable: a retired rule's id is never reused.

use crate::rule::{Rule, RuleMeta};
use crate::rules::*;

static RULES: &[&dyn Rule] = &[
    // WL1xx structure
    &missing_sid::MissingSid,
    &duplicate_sid::DuplicateSid,
    &policy_version::PolicyVersion,
    &invalid_document::InvalidDocument,
    &invalid_sid::InvalidSid,
    &principal_in_identity_policy::PrincipalInIdentityPolicy,
    &missing_resource::MissingResource,
    &policy_variable_invalid::PolicyVariableInvalid,
    // WL2xx actions
    &action_wildcard_service::ActionWildcardService,
    &action_wildcard_all::ActionWildcardAll,
    &not_action_allow::NotActionAllow,
    &unknown_service::UnknownService,
    &unknown_action::UnknownAction,
    &wildcard_matches_nothing::WildcardMatchesNothing,
    // WL3xx resources
    &resource_star::ResourceStar,
    &resource_arn_mismatch::ResourceArnMismatch,
    &malformed_arn::MalformedArn,
    &resource_star_in_effect::ResourceStarInEffect,
    &resource_service_wildcard::ResourceServiceWildcard,
    // WL4xx conditions
    &condition_key_not_applicable::ConditionKeyNotApplicable,
    &condition_type_mismatch::ConditionTypeMismatch,
    &mfa_bool_false::MfaBoolFalse,
    &wildcard_without_like::WildcardWithoutLike,
    &paired_condition_keys::PairedConditionKeys,
    &source_ip_private::SourceIpPrivate,
    &condition_tag_key_missing::ConditionTagKeyMissing,
    &condition_key_repeated::ConditionKeyRepeated,
    &condition_bool_multiple::ConditionBoolMultiple,
    &condition_region_invalid::ConditionRegionInvalid,
    &condition_variable_operator::ConditionVariableOperator,
    &condition_null_qualifier::ConditionNullQualifier,
    &condition_null_equivalent::ConditionNullEquivalent,
    &condition_ip_host_bits::ConditionIpHostBits,
    &condition_vpc_id_invalid::ConditionVpcIdInvalid,
    &condition_key_action_unsupported::ConditionKeyActionUnsupported,
    &condition_kms_key_invalid::ConditionKmsKeyInvalid,
    &condition_sensitive_key_pattern::ConditionSensitiveKeyPattern,
    // WL5xx trust
    &trust_cross_account_external_id::TrustCrossAccountExternalId,
    &trust_service_confused_deputy::TrustServiceConfusedDeputy,
    &trust_oidc_unscoped::TrustOidcUnscoped,
    &trust_wildcard_principal::TrustWildcardPrincipal,
    &principal_partial_wildcard::PrincipalPartialWildcard,
    &principal_not_arn::PrincipalNotArn,
    &service_principal_invalid::ServicePrincipalInvalid,
    &principal_federated_unsupported::PrincipalFederatedUnsupported,
    &service_principal_condition_key::ServicePrincipalConditionKey,
    &trust_element_unsupported::TrustElementUnsupported,
    &trust_action_principal_mismatch::TrustActionPrincipalMismatch,
    &trust_roles_anywhere_actions::TrustRolesAnywhereActions,
    &trust_session_action_missing::TrustSessionActionMissing,
    &trust_outside_organization::TrustOutsideOrganization,
    // WL6xx escalation
    &pass_role_unscoped::PassRoleUnscoped,
    &privilege_escalation::PrivilegeEscalation,
    &credential_exposure::CredentialExposure,
    &data_exfiltration::DataExfiltration,
    &resource_exposure::ResourceExposure,
    // WL7xx guardrails
    &missing_permission_boundary::MissingPermissionBoundary,
    &missing_required_tags::MissingRequiredTags,
    &region_not_allowed::RegionNotAllowed,
    &exception_expired::ExceptionExpired,
    &exception_unused::ExceptionUnused,
    &scp_deny_all_at_root::ScpDenyAllAtRoot,
    &rcp_principal_not_all::RcpPrincipalNotAll,
    &rcp_allow_not_full_access::RcpAllowNotFullAccess,
    &rcp_not_action::RcpNotAction,
    &rcp_action_unsupported_service::RcpActionUnsupportedService,
    &user_console_without_mfa::UserConsoleWithoutMfa,
    &access_key_stale::AccessKeyStale,
    &access_key_unused::AccessKeyUnused,
    &root_access_key::RootAccessKey,
    &root_without_mfa::RootWithoutMfa,
    &user_with_policies::UserWithPolicies,
    &password_policy_weak::PasswordPolicyWeak,
    &role_unused::RoleUnused,
    &escalation_path::EscalationPath,
    // WL8xx quotas
    &quota_trust_policy::QuotaTrustPolicy,
    &quota_inline_policies::QuotaInlinePolicies,
    &quota_managed_policy::QuotaManagedPolicy,
    &quota_attached_policies::QuotaAttachedPolicies,
    &quota_scp_size::QuotaScpSize,
    &quota_scp_count::QuotaScpCount,
    &quota_rcp_size::QuotaRcpSize,
    // WL9xx hygiene
    &ai_tool_mention::AiToolMention,
    &missing_justification::MissingJustification,
    &redundant_element::RedundantElement,
    &empty_condition::EmptyCondition,
];

/// Rules registered for their documentation, SARIF metadata and `lint --rules` whose findings
/// come from above lint's layer: WL790 needs the whole organization's access model
/// (`warden_app::paths`). They check nothing here and have no fixtures in this crate; the e2e
/// tests of `lint --org` assert their findings.
pub const REPORTED_ABOVE_LINT: &[&str] = &["WL790"];

/// Every rule, in id order.
pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

/// Every rule's metadata, in id order.
pub fn metas() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().map(|rule| rule.meta())
}

/// The rule with this id (case-insensitive), e.g. `WL201`.
pub fn by_id(id: &str) -> Option<&'static RuleMeta> {
    metas().find(|meta| meta.id.eq_ignore_ascii_case(id))
}

/// The source file documenting a rule: `rules/<name with underscores>.rs`.
pub fn source_file(meta: &RuleMeta) -> String {
    format!("crates/lint/src/rules/{}.rs", meta.name.replace('-', "_"))
}

/// Documentation address of a rule (its source file, whose doc comment is the documentation),
/// for SARIF `helpUri`.
pub fn help_uri(meta: &RuleMeta) -> String {
    format!(
        "https://github.com/warden-iam/warden/blob/main/{}",
        source_file(meta)
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_match_their_group() {
        let metas: Vec<_> = metas().collect();
        assert!(metas.len() >= 30);
        let ids: HashSet<_> = metas.iter().map(|meta| meta.id).collect();
        assert_eq!(ids.len(), metas.len(), "duplicate rule id");
        let names: HashSet<_> = metas.iter().map(|meta| meta.name).collect();
        assert_eq!(names.len(), metas.len(), "duplicate rule name");
        for pair in metas.windows(2) {
            assert!(
                pair[0].id < pair[1].id,
                "{} before {}",
                pair[0].id,
                pair[1].id
            );
        }
        for meta in &metas {
            let digit = meta.id.as_bytes()[2] - b'0';
            assert_eq!(
                digit,
                meta.group as u8 + 1,
                "{} is in group {:?}",
                meta.id,
                meta.group
            );
            assert!(
                meta.summary
                    .chars()
                    .next()
                    .is_some_and(|c| !c.is_uppercase()),
                "{}",
                meta.id
            );
        }
    }

    /// One rule per file, named after the rule, documented with the four sections.
    #[test]
    fn every_rule_has_its_documented_file() {
        let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for meta in metas() {
            let path = workspace.join(source_file(meta));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            assert!(
                text.starts_with(&format!("//! {}: ", meta.id)),
                "{} must start with `//! {}: `",
                path.display(),
                meta.id
            );
            assert!(
                text.contains(&format!("id: \"{}\"", meta.id)),
                "{}",
                path.display()
            );
            for section in [
                "/// ## What it does",
                "/// ## Why is this bad?",
                "/// ## Example",
                "/// ## Fix",
            ] {
                assert!(
                    text.contains(section),
                    "{} lacks `{section}`",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn lookup_by_id() {
        assert_eq!(
            by_id("wl202").map(|meta| meta.name),
            Some("action-wildcard-all")
        );
        assert!(by_id("WL999").is_none());
    }
}
