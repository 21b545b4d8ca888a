//! Checks that a role's trust policy requires the configured `sts:ExternalId` before Warden
//! uses the role. AWS enforces the condition; emulators do not, and a role created by hand may
//! lack it, so Warden verifies it itself.

use warden_policy::wildcard::{Case, matches};
use warden_policy::{
    ActionClause, Effect, PrincipalType, Statement, arn::ArnRef, is_account_id, parse_policy,
};

use warden_policy::ExternalId;

/// Why a trust policy is not acceptable for an access role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustProblem {
    /// Not a valid policy document.
    Unreadable(String),
    /// A statement lets an AWS principal assume the role without the condition.
    NoExternalId(String),
    /// The condition is there with other values only.
    Mismatch,
    /// A statement lets an AWS principal other than the trusted ones assume the role.
    UntrustedPrincipal(String),
}

/// Every `Allow` statement granting `sts:AssumeRole` to an AWS principal (accounts, roles,
/// users, `*` or a `NotPrincipal`) must carry `StringEquals` on `sts:ExternalId` including
/// `expected`. Statements for service or federated principals are not access by an AWS
/// principal and are ignored; at least one AWS-principal statement must exist. Parsed with the
/// same strict parser as every other policy (duplicate keys are errors, as in IAM).
pub fn check_external_id(document: &str, expected: &ExternalId) -> Result<(), TrustProblem> {
    let policy = parse_policy(document)
        .map_err(|errors| TrustProblem::Unreadable(errors.in_file("trust policy").to_string()))?;
    let mut aws_grants = 0;
    let mut mismatch = false;
    for (index, statement) in policy.statements.iter().enumerate() {
        if statement.effect != Effect::Allow
            || !grants_assume_role(statement)
            || !has_aws_principal(statement)
        {
            continue;
        }
        aws_grants += 1;
        let values = external_id_values(statement);
        if values.is_empty() {
            let label = statement.sid.as_deref().map_or_else(
                || format!("statement {}", index + 1),
                |sid| format!("statement `{sid}`"),
            );
            return Err(TrustProblem::NoExternalId(format!(
                "{label} allows sts:AssumeRole without it"
            )));
        }
        if !values.iter().any(|value| value == expected.expose()) {
            mismatch = true;
        }
    }
    if aws_grants == 0 {
        return Err(TrustProblem::NoExternalId(
            "no statement allows sts:AssumeRole to an AWS principal".to_owned(),
        ));
    }
    if mismatch {
        return Err(TrustProblem::Mismatch);
    }
    Ok(())
}

/// Every AWS principal allowed `sts:AssumeRole` must be one of `trusted`: an account id there
/// admits that account's root and any role, user or session in it; an ARN admits exactly that
/// principal. `"*"`, a `NotPrincipal` and any other account are refused, even with an
/// ExternalId: the ExternalId guards against the confused deputy, not against a stranger who
/// learns it. `trusted` holds the management account id and `access.trusted_principals` from
/// warden.yaml; empty refuses every AWS principal.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>
pub fn check_trusted_principals(document: &str, trusted: &[String]) -> Result<(), TrustProblem> {
    let policy = parse_policy(document)
        .map_err(|errors| TrustProblem::Unreadable(errors.in_file("trust policy").to_string()))?;
    for (index, statement) in policy.statements.iter().enumerate() {
        if statement.effect != Effect::Allow || !grants_assume_role(statement) {
            continue;
        }
        let Some(clause) = &statement.principal else {
            continue;
        };
        let label = statement.sid.as_deref().map_or_else(
            || format!("statement {}", index + 1),
            |sid| format!("statement `{sid}`"),
        );
        let principal = clause.principal();
        if clause.is_not() {
            return Err(TrustProblem::UntrustedPrincipal(format!(
                "{label} uses `NotPrincipal`, which trusts every principal not listed"
            )));
        }
        if principal.is_any() {
            return Err(TrustProblem::UntrustedPrincipal(format!(
                "{label} trusts `*`"
            )));
        }
        for id in principal.ids(PrincipalType::Aws) {
            if !principal_is_trusted(id, trusted) {
                return Err(TrustProblem::UntrustedPrincipal(format!(
                    "{label} trusts `{id}`"
                )));
            }
        }
    }
    Ok(())
}

fn principal_is_trusted(id: &str, trusted: &[String]) -> bool {
    if trusted.iter().any(|entry| entry == id) {
        return true;
    }
    if id.contains(['*', '?']) {
        return false;
    }
    let account = if is_account_id(id) {
        Some(id)
    } else {
        ArnRef::parse(id).map(|arn| arn.account)
    };
    account.is_some_and(|account| {
        trusted
            .iter()
            .any(|entry| is_account_id(entry) && entry == account)
    })
}

fn grants_assume_role(statement: &Statement) -> bool {
    let matching = |patterns: &warden_policy::Values| {
        patterns
            .iter()
            .any(|pattern| matches(pattern, "sts:AssumeRole", Case::Insensitive))
    };
    match &statement.action {
        ActionClause::Action(patterns) => matching(patterns),
        ActionClause::NotAction(patterns) => !matching(patterns),
    }
}

fn has_aws_principal(statement: &Statement) -> bool {
    let Some(clause) = &statement.principal else {
        return false;
    };
    let principal = clause.principal();
    clause.is_not() || principal.is_any() || principal.ids(PrincipalType::Aws).next().is_some()
}

/// Values of `StringEquals` (no set qualifier, no `IfExists`) → `sts:ExternalId`; condition
/// key names are case-insensitive.
fn external_id_values(statement: &Statement) -> Vec<String> {
    let Some(condition) = &statement.condition else {
        return Vec::new();
    };
    condition
        .blocks
        .iter()
        .filter(|block| {
            block.operator.base == "StringEquals"
                && block.operator.qualifier.is_none()
                && !block.operator.if_exists
        })
        .flat_map(|block| block.entries.iter())
        .filter(|entry| entry.key.eq_ignore_ascii_case("sts:ExternalId"))
        .flat_map(|entry| {
            entry
                .values
                .iter()
                .map(|value| value.as_text().into_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> ExternalId {
        ExternalId::new("warden-test-1").unwrap()
    }

    const GOOD: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"warden-test-1"}}}]}"#;

    #[test]
    fn accepts_the_required_external_id() {
        assert_eq!(check_external_id(GOOD, &id()), Ok(()));
        let list = GOOD.replace(r#""warden-test-1""#, r#"["other","warden-test-1"]"#);
        assert_eq!(check_external_id(&list, &id()), Ok(()));
        let single = GOOD.replace("[{", "{").replace("}]}", "}}");
        assert_eq!(check_external_id(&single, &id()), Ok(()));
    }

    #[test]
    fn refuses_missing_or_weaker_conditions() {
        let none = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}"#;
        assert!(matches!(
            check_external_id(none, &id()),
            Err(TrustProblem::NoExternalId(_))
        ));
        // StringLike accepts patterns: not the exact match the guardrail asks for.
        let like = GOOD.replace("StringEquals", "StringLike");
        assert!(matches!(
            check_external_id(&like, &id()),
            Err(TrustProblem::NoExternalId(_))
        ));
        // A second statement without the condition opens the role anyway.
        let second = GOOD.replace(
            "}]}",
            r#"},{"Sid":"Open","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:*"}]}"#,
        );
        let err = check_external_id(&second, &id()).unwrap_err();
        assert_eq!(
            err,
            TrustProblem::NoExternalId(
                "statement `Open` allows sts:AssumeRole without it".to_owned()
            )
        );
    }

    #[test]
    fn reports_a_different_external_id() {
        let other = GOOD.replace("warden-test-1", "someone-else");
        assert_eq!(
            check_external_id(&other, &id()),
            Err(TrustProblem::Mismatch)
        );
    }

    #[test]
    fn ignores_service_principals_but_needs_an_aws_one() {
        let service = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        assert!(matches!(
            check_external_id(service, &id()),
            Err(TrustProblem::NoExternalId(_))
        ));
        let both = GOOD.replace(
            "}]}",
            r#"},{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        );
        assert_eq!(check_external_id(&both, &id()), Ok(()));
        assert!(matches!(
            check_external_id("not json", &id()),
            Err(TrustProblem::Unreadable(_))
        ));
    }

    #[test]
    fn trusts_only_the_listed_accounts_and_principals() {
        let trusted = vec!["123456789012".to_owned()];
        assert_eq!(check_trusted_principals(GOOD, &trusted), Ok(()));
        let bare = GOOD.replace("arn:aws:iam::123456789012:root", "123456789012");
        assert_eq!(check_trusted_principals(&bare, &trusted), Ok(()));
        let role = GOOD.replace(
            "arn:aws:iam::123456789012:root",
            "arn:aws:iam::123456789012:role/ci/deployer",
        );
        assert_eq!(check_trusted_principals(&role, &trusted), Ok(()));
        let any = GOOD.replace(
            r#"{"AWS":"arn:aws:iam::123456789012:root"}"#,
            r#"{"AWS":"*"}"#,
        );
        assert!(matches!(
            check_trusted_principals(&any, &trusted),
            Err(TrustProblem::UntrustedPrincipal(detail)) if detail.contains("`*`")
        ));
        let star = GOOD.replace(r#"{"AWS":"arn:aws:iam::123456789012:root"}"#, r#""*""#);
        assert!(check_trusted_principals(&star, &trusted).is_err());
        let other = GOOD.replace("123456789012", "999999999999");
        assert!(matches!(
            check_trusted_principals(&other, &trusted),
            Err(TrustProblem::UntrustedPrincipal(detail)) if detail.contains("999999999999")
        ));
        let listed = vec![
            "123456789012".to_owned(),
            "arn:aws:iam::999999999999:role/warden-ci".to_owned(),
        ];
        let partner = GOOD.replace(
            "arn:aws:iam::123456789012:root",
            "arn:aws:iam::999999999999:role/warden-ci",
        );
        assert_eq!(check_trusted_principals(&partner, &listed), Ok(()));
        assert!(
            check_trusted_principals(&other, &listed).is_err(),
            "a role ARN admits only itself"
        );
        let not_principal = GOOD.replace(r#""Principal""#, r#""NotPrincipal""#);
        assert!(check_trusted_principals(&not_principal, &trusted).is_err());
        assert!(check_trusted_principals(GOOD, &[]).is_err());
    }
}
