//! Checks that a role's trust policy requires the configured `sts:ExternalId` before Warden
//! uses the role. AWS enforces the condition; emulators do not, and a role created by hand may
//! lack it, so Warden verifies it itself.

use serde_json::Value;
use warden_policy::wildcard::{Case, matches};

use crate::ids::ExternalId;

/// Why a trust policy is not acceptable for an access role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustProblem {
    /// Not JSON or not a policy.
    Unreadable(String),
    /// A statement lets an AWS principal assume the role without the condition.
    NoExternalId(String),
    /// The condition is there with other values only.
    Mismatch,
}

/// Every `Allow` statement granting `sts:AssumeRole` to an AWS principal (accounts, roles,
/// users or `*`) must carry `StringEquals` on `sts:ExternalId` including `expected`.
/// Statements for service or federated principals are not cross-account access by an AWS
/// principal and are ignored; at least one AWS-principal statement must exist.
pub fn check_external_id(document: &str, expected: &ExternalId) -> Result<(), TrustProblem> {
    let policy: Value =
        serde_json::from_str(document).map_err(|err| TrustProblem::Unreadable(err.to_string()))?;
    let statements = match policy.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(item @ Value::Object(_)) => vec![item],
        _ => return Err(TrustProblem::Unreadable("no `Statement`".to_owned())),
    };
    let mut aws_grants = 0;
    let mut mismatch = false;
    for (index, statement) in statements.iter().enumerate() {
        if !is_allow(statement) || !grants_assume_role(statement) || !has_aws_principal(statement) {
            continue;
        }
        aws_grants += 1;
        let values = external_id_values(statement);
        if values.is_empty() {
            let label = statement.get("Sid").and_then(Value::as_str).map_or_else(
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

fn is_allow(statement: &Value) -> bool {
    statement.get("Effect").and_then(Value::as_str) == Some("Allow")
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(text)) => vec![text],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn grants_assume_role(statement: &Value) -> bool {
    if let Some(not_action) = statement.get("NotAction") {
        return !strings(Some(not_action))
            .iter()
            .any(|pattern| matches(pattern, "sts:AssumeRole", Case::Insensitive));
    }
    strings(statement.get("Action"))
        .iter()
        .any(|pattern| matches(pattern, "sts:AssumeRole", Case::Insensitive))
}

fn has_aws_principal(statement: &Value) -> bool {
    if statement.get("NotPrincipal").is_some() {
        return true;
    }
    match statement.get("Principal") {
        Some(Value::String(star)) => star == "*",
        Some(Value::Object(map)) => map.contains_key("AWS"),
        _ => false,
    }
}

/// Values of `StringEquals` → `sts:ExternalId` (operator and key matched case-insensitively, as
/// AWS does for condition keys).
fn external_id_values(statement: &Value) -> Vec<String> {
    let Some(Value::Object(condition)) = statement.get("Condition") else {
        return Vec::new();
    };
    condition
        .iter()
        .filter(|(operator, _)| operator.eq_ignore_ascii_case("StringEquals"))
        .filter_map(|(_, block)| block.as_object())
        .flat_map(|block| block.iter())
        .filter(|(key, _)| key.eq_ignore_ascii_case("sts:ExternalId"))
        .flat_map(|(_, values)| strings(Some(values)).into_iter().map(str::to_owned))
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
}
