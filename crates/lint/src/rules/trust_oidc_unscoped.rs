//! WL503: web identity federation without a pinned audience and a scoped subject.

use warden_policy::PrincipalType;

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};
use crate::subject::PolicyKind;

/// ## What it does
/// Checks trust statements that allow an OIDC identity provider (`Federated` principal other
/// than SAML): the provider's `aud` and `sub` claims must both be tested with a positive
/// operator. A missing `sub`, or one that matches every subject (`*`, `repo:*`), is an error;
/// a `sub` that matches every ref of a repository (`repo:org/app:*`) or every repository of an
/// organization (`repo:org/*`), or any other wildcard subject (EKS
/// `system:serviceaccount:*`), is a warning.
///
/// ## Why is this bad?
/// The provider issues tokens to everyone who uses it: without `sub`, any GitHub repository in
/// the world (any Kubernetes service account, any Cognito identity) can assume the role.
/// With `repo:org/app:*`, any branch or pull request can deploy where only `main` should.
///
/// ## Example
/// ```json
/// {"Sid": "GitHub", "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
///  "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
///  "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}}}
/// ```
///
/// ## Fix
/// Pin `aud` (`sts.amazonaws.com` for GitHub) with `StringEquals` and scope `sub` to a branch
/// or environment: `repo:acme/app:ref:refs/heads/main` or `repo:acme/app:environment:prod`.
pub struct TrustOidcUnscoped;

static META: RuleMeta = RuleMeta {
    id: "WL503",
    name: "trust-oidc-unscoped",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "web identity federation without a pinned audience and scoped subject",
};

impl Rule for TrustOidcUnscoped {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        if cx.policy.kind != PolicyKind::Trust {
            return;
        }
        for (index, statement) in cx.statements() {
            for provider in super::principals_of(statement, PrincipalType::Federated) {
                let Some(host) = oidc_host(provider) else {
                    continue;
                };
                for (severity, problem) in problems(statement, host) {
                    let mut finding = cx.statement_finding(
                        &META,
                        index,
                        format!("{} trusts `{host}` {problem}", cx.statement_label(index)),
                    );
                    finding.severity = severity;
                    out.push(finding);
                }
            }
        }
    }
}

/// The claim prefix of an OIDC provider: the host of its ARN, or the provider name for the
/// built-in ones (`cognito-identity.amazonaws.com`, `accounts.google.com`, …). `None` for SAML
/// and for a value that names no provider.
fn oidc_host(provider: &str) -> Option<&str> {
    match warden_policy::arn::ArnRef::parse(provider) {
        Some(arn) => arn.resource.strip_prefix("oidc-provider/"),
        None if provider.starts_with("arn:") => None,
        // A value that names no provider (`okta`) is WL506's finding, not an OIDC trust.
        None => super::principal_not_arn::names_web_identity_provider(provider).then_some(provider),
    }
}

fn problems(statement: &warden_policy::Statement, host: &str) -> Vec<(Severity, String)> {
    let mut found = Vec::new();
    let aud_key = format!("{host}:aud");
    let sub_key = format!("{host}:sub");
    // Cognito identity pools name the audience `aud` too; `amr` is their extra scope.
    if !super::positively_tests_key(statement, &aud_key) {
        found.push((Severity::Error, format!("without a `{aud_key}` condition")));
    }
    let subjects: Vec<String> = super::positive_values(statement, &sub_key)
        .map(|value| value.as_text().into_owned())
        .collect();
    if host.starts_with("cognito-identity.") {
        return found;
    }
    if subjects.is_empty() {
        found.push((
            Severity::Error,
            format!("without a `{sub_key}` condition: any of its subjects can assume the role"),
        ));
        return found;
    }
    if let Some(open) = subjects.iter().find(|subject| matches_everyone(subject)) {
        found.push((
            Severity::Error,
            format!("with `{sub_key}` `{open}`, which matches every subject"),
        ));
    } else if let Some(broad) = subjects.iter().find(|subject| matches_every_ref(subject)) {
        found.push((
            Severity::Warning,
            format!("with `{sub_key}` `{broad}`, which matches every branch, tag and pull request"),
        ));
    } else if let Some(broad) = subjects
        .iter()
        .find(|subject| !subject.starts_with("repo:") && subject.contains(['*', '?']))
    {
        found.push((
            Severity::Warning,
            format!("with `{sub_key}` `{broad}`, a wildcard that matches many subjects (for EKS, name the namespace and service account)"),
        ));
    }
    found
}

/// `*`, `repo:*`, `system:serviceaccount:*`, `*:*`: no real scope.
fn matches_everyone(subject: &str) -> bool {
    let head = subject.split('*').next().unwrap_or_default();
    subject.contains('*') && !head.trim_end_matches(':').contains([':', '/'])
}

/// GitHub `repo:org/app:*` or `repo:org/*`: one repository (or organization), any ref.
fn matches_every_ref(subject: &str) -> bool {
    let Some(rest) = subject.strip_prefix("repo:") else {
        return false;
    };
    match rest.split_once(':') {
        Some((_, scope)) => scope.starts_with('*'),
        None => rest.contains('*'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_breadth() {
        assert!(matches_everyone("*"));
        assert!(matches_everyone("repo:*"));
        assert!(!matches_everyone("repo:acme/app:*"));
        assert!(!matches_everyone("system:serviceaccount:ns:*"));
        assert!(matches_every_ref("repo:acme/app:*"));
        assert!(matches_every_ref("repo:acme/*"));
        assert!(!matches_every_ref("repo:acme/app:ref:refs/heads/main"));
        assert!(!matches_every_ref("repo:acme/app:environment:prod"));
    }

    #[test]
    fn eks_service_account_wildcards_are_warnings() {
        let statement = warden_policy::parse_value(&serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
            "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"},
            "Condition": {"StringEquals": {"oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com"},
                          "StringLike": {"oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:*"}}}]}))
        .unwrap()
        .statements
        .remove(0);
        let found = problems(&statement, "oidc.eks.eu-west-1.amazonaws.com/id/ABC");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Severity::Warning);
    }

    #[test]
    fn a_federated_value_naming_no_provider_is_left_to_wl506() {
        assert_eq!(oidc_host("okta"), None);
        assert_eq!(
            oidc_host("accounts.google.com"),
            Some("accounts.google.com")
        );
        assert_eq!(
            oidc_host(
                "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
            ),
            Some("token.actions.githubusercontent.com")
        );
    }
}
