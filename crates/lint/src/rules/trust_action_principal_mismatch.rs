//! WL511: a trusted principal that none of the statement's `sts:AssumeRole…` actions can be
//! called by (a SAML provider with `sts:AssumeRoleWithWebIdentity`, an account with
//! `sts:AssumeRoleWithSAML`).

use warden_policy::{ActionClause, Effect, Principal, PrincipalClause, PrincipalType};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// In an `Allow` statement that names `sts:AssumeRole`, `sts:AssumeRoleWithSAML` or
/// `sts:AssumeRoleWithWebIdentity` without wildcards, flags each principal that none of those
/// actions can come from: `sts:AssumeRoleWithSAML` is called with a SAML provider's assertion
/// (`Federated` `…:saml-provider/…`), `sts:AssumeRoleWithWebIdentity` with an OIDC provider's
/// token (`Federated` `…:oidc-provider/…` or `cognito-identity.amazonaws.com`,
/// `accounts.google.com`, `graph.facebook.com`, `www.amazon.com`), and `sts:AssumeRole` by
/// accounts, roles, users and services. Federated principals of another form are WL506's.
/// Access Analyzer reports this as the error "Mismatched action for principal".
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
/// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html
/// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html
///
/// ## Why is this bad?
/// The pair can never match a request: the federated users the statement was written for
/// cannot assume the role (sign-in fails), and nothing else can use the statement either.
///
/// ## Example
/// ```json
/// {"Sid": "Okta", "Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/okta"},
///  "Action": "sts:AssumeRoleWithWebIdentity"}
/// ```
///
/// ## Fix
/// Use `sts:AssumeRoleWithSAML` with a SAML provider and `sts:AssumeRoleWithWebIdentity` with
/// an OIDC provider, and give each its own statement.
pub struct TrustActionPrincipalMismatch;

static META: RuleMeta = RuleMeta {
    id: "WL511",
    name: "trust-action-principal-mismatch",
    group: Group::Trust,
    severity: Severity::Error,
    summary: "trusted principal that none of the statement's assume-role actions can come from",
};

/// How a principal may assume a role.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    AssumeRole,
    Saml,
    WebIdentity,
}

impl Way {
    fn action(self) -> &'static str {
        match self {
            Way::AssumeRole => "sts:AssumeRole",
            Way::Saml => "sts:AssumeRoleWithSAML",
            Way::WebIdentity => "sts:AssumeRoleWithWebIdentity",
        }
    }
}

/// Web identity providers AWS names by domain.
const WEB_IDENTITY_DOMAINS: &[&str] = &[
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
];

impl Rule for TrustActionPrincipalMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            let (
                Effect::Allow,
                Some(PrincipalClause::Principal(Principal::Typed(typed))),
                ActionClause::Action(actions),
            ) = (&statement.effect, &statement.principal, &statement.action)
            else {
                continue;
            };
            // Which ways the statement's actions allow; a wildcard that could name one of them
            // (`sts:*`, `sts:AssumeRole*`, `*`) allows every way.
            let mut ways = [false; 3];
            let mut any_wildcard = false;
            for action in actions.iter() {
                if action.contains(['*', '?']) {
                    let service = action.split_once(':').map_or("*", |(service, _)| service);
                    if warden_policy::wildcard::matches(
                        service,
                        "sts",
                        warden_policy::wildcard::Case::Insensitive,
                    ) {
                        any_wildcard = true;
                    }
                    continue;
                }
                for (slot, way) in [Way::AssumeRole, Way::Saml, Way::WebIdentity]
                    .into_iter()
                    .enumerate()
                {
                    if action.eq_ignore_ascii_case(way.action()) {
                        ways[slot] = true;
                    }
                }
            }
            if any_wildcard || !ways.contains(&true) {
                continue;
            }
            let allowed: Vec<&str> = [Way::AssumeRole, Way::Saml, Way::WebIdentity]
                .into_iter()
                .zip(ways)
                .filter(|(_, on)| *on)
                .map(|(way, _)| way.action())
                .collect();
            for (principal_type, values) in typed {
                for value in values.iter() {
                    let Some(way) = way_of(*principal_type, value) else {
                        continue;
                    };
                    let slot = match way {
                        Way::AssumeRole => 0,
                        Way::Saml => 1,
                        Way::WebIdentity => 2,
                    };
                    if ways[slot] {
                        continue;
                    }
                    out.push(cx.statement_finding(
                        &META,
                        index,
                        format!(
                            "{} trusts `{value}` ({}) with `{}` only: it can assume a role only through `{}`, so the statement never matches its requests",
                            cx.statement_label(index),
                            principal_type.as_str(),
                            allowed.join("`, `"),
                            way.action()
                        ),
                    ));
                }
            }
        }
    }
}

/// The one way a principal can assume a role; `None` when it cannot be told (wildcards,
/// variables, federated principals of an unknown form).
fn way_of(principal_type: PrincipalType, value: &str) -> Option<Way> {
    if value.contains(['*', '?']) || super::has_policy_variable(value) {
        return None;
    }
    match principal_type {
        PrincipalType::Aws | PrincipalType::Service => Some(Way::AssumeRole),
        PrincipalType::CanonicalUser => None,
        PrincipalType::Federated => {
            if let Some(arn) = warden_policy::arn::ArnRef::parse(value) {
                if arn.service != "iam" {
                    return None;
                }
                if arn.resource.starts_with("saml-provider/") {
                    Some(Way::Saml)
                } else if arn.resource.starts_with("oidc-provider/") {
                    Some(Way::WebIdentity)
                } else {
                    None
                }
            } else if WEB_IDENTITY_DOMAINS
                .iter()
                .any(|domain| domain.eq_ignore_ascii_case(value))
            {
                Some(Way::WebIdentity)
            } else {
                None
            }
        }
    }
}
