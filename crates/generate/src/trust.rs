//! Trust policy templates: AWS service, cross-account and GitHub Actions OIDC, each with the
//! conditions that keep the role from being assumed by the wrong caller.
//!
//! - `service:ecs-tasks.amazonaws.com`: `aws:SourceAccount` (StringEquals) and `aws:SourceArn`
//!   (ArnLike, `arn:PARTITION:SERVICE:REGION:ACCOUNT:*`) against the confused deputy problem —
//!   except for the services in [`SERVICES_WITHOUT_SOURCE_KEYS`], which do not send those keys
//!   when they assume a role; adding the conditions there would make the role unusable.
//! - `account:ID` (the account's root: its administrators decide who may assume) or
//!   `account:ID:role/NAME` (one role of it) with `sts:ExternalId`. The value is a definition
//!   variable placeholder (`${external_id}` unless `--external-id-var` names another) resolved per
//!   target account by the definitions, or a literal given with `--external-id`.
//! - `github:ORG/REPO@REF`: the account's `token.actions.githubusercontent.com` OIDC provider with
//!   `aud` = `sts.amazonaws.com` and `sub` = `repo:ORG/REPO:ref:refs/heads/REF`
//!   (`@refs/tags/v1` for a full ref, `@environment:NAME` for a deployment environment;
//!   a `*` in the ref makes `sub` a StringLike match).

use crate::err::TrustError;
use crate::statement::{GeneratedCondition, GeneratedPrincipal, GeneratedStatement, sid_from};
use warden_policy::is_account_id;

/// GitHub Actions' OIDC issuer host, also the prefix of its condition keys.
pub const GITHUB_OIDC_HOST: &str = "token.actions.githubusercontent.com";

/// Service principals that assume roles without `aws:SourceAccount`/`aws:SourceArn` in the
/// request context (EC2 instance profiles, Lambda execution roles and others); conditions on
/// them would deny every assumption.
pub const SERVICES_WITHOUT_SOURCE_KEYS: [&str; 6] = [
    "ec2.amazonaws.com",
    "lambda.amazonaws.com",
    "edgelambda.amazonaws.com",
    "apigateway.amazonaws.com",
    "glue.amazonaws.com",
    "backup.amazonaws.com",
];

/// Service principals whose `aws:SourceArn` uses a different service prefix than the first label.
const SOURCE_ARN_PREFIX: [(&str, &str); 3] = [
    ("ecs-tasks", "ecs"),
    ("scheduler", "scheduler"),
    ("pipes", "pipes"),
];

/// A parsed `--trust` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustTemplate {
    Service(String),
    /// An account, and optionally one role in it (`role/PATH/NAME`) instead of its root.
    Account {
        account: String,
        role: Option<String>,
    },
    Github {
        repository: String,
        subject: GithubSubject,
    },
}

/// What part of a GitHub workflow run may assume the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GithubSubject {
    /// A git ref; a bare branch name is expanded to `refs/heads/NAME`.
    Ref(String),
    Environment(String),
}

/// Values the templates need from the role's context.
#[derive(Debug, Clone, Default)]
pub struct TrustContext {
    pub partition: String,
    /// The account the role lives in.
    pub account: Option<String>,
    pub region: Option<String>,
    /// Literal external id for cross-account trust.
    pub external_id: Option<String>,
    /// Definition variable used when no literal is given (default `external_id`).
    pub external_id_var: Option<String>,
}

/// An ARN in the context's partition, as the intent spells it.
fn arn(partition: &str, service: &str, region: &str, account: &str, resource: String) -> String {
    warden_policy::Arn {
        partition: partition.to_owned(),
        service: service.to_owned(),
        region: region.to_owned(),
        account: account.to_owned(),
        resource,
    }
    .to_string()
}

/// A generated trust statement plus remarks for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustOutput {
    pub statement: GeneratedStatement,
    pub warnings: Vec<String>,
}

impl TrustTemplate {
    pub fn parse(text: &str) -> Result<TrustTemplate, TrustError> {
        let (kind, rest) = text
            .split_once(':')
            .ok_or_else(|| TrustError::UnknownKind(text.to_owned()))?;
        match kind {
            "service" => {
                let valid = rest.ends_with(".amazonaws.com")
                    && rest.len() > ".amazonaws.com".len()
                    && rest.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                    });
                if valid {
                    Ok(TrustTemplate::Service(rest.to_owned()))
                } else {
                    Err(TrustError::BadService(rest.to_owned()))
                }
            }
            "account" => parse_account(rest),
            "github" => parse_github(rest),
            _ => Err(TrustError::UnknownKind(text.to_owned())),
        }
    }

    /// The trust statement for this template.
    pub fn statement(&self, context: &TrustContext) -> Result<TrustOutput, TrustError> {
        match self {
            TrustTemplate::Service(service) => Ok(service_statement(service, context)),
            TrustTemplate::Account { account, role } => {
                account_statement(account, role.as_deref(), context)
            }
            TrustTemplate::Github {
                repository,
                subject,
            } => github_statement(repository, subject, context),
        }
    }
}

fn parse_github(rest: &str) -> Result<TrustTemplate, TrustError> {
    let bad = || TrustError::BadGithub(rest.to_owned());
    let (repository, reference) = rest.split_once('@').ok_or_else(bad)?;
    let (org, repo) = repository.split_once('/').ok_or_else(bad)?;
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    if !name_ok(org)
        || !name_ok(repo)
        || reference.is_empty()
        || reference.contains(['"', ' ', ':']) && !reference.starts_with("environment:")
    {
        return Err(bad());
    }
    let subject = match reference.strip_prefix("environment:") {
        Some(name) if !name.is_empty() && !name.contains(':') => {
            GithubSubject::Environment(name.to_owned())
        }
        Some(_) => return Err(bad()),
        None if reference.starts_with("refs/") => GithubSubject::Ref(reference.to_owned()),
        None => GithubSubject::Ref(format!("refs/heads/{reference}")),
    };
    Ok(TrustTemplate::Github {
        repository: repository.to_owned(),
        subject,
    })
}

fn service_statement(service: &str, context: &TrustContext) -> TrustOutput {
    let label = service.split('.').next().unwrap_or(service);
    let mut warnings = Vec::new();
    let mut conditions = Vec::new();
    if SERVICES_WITHOUT_SOURCE_KEYS.contains(&service) {
        warnings.push(format!(
            "`{service}` does not send `aws:SourceAccount` or `aws:SourceArn` when it assumes a role; the trust statement has no confused-deputy condition"
        ));
    } else if let Some(account) = &context.account {
        let prefix = SOURCE_ARN_PREFIX
            .iter()
            .find(|(name, _)| *name == label)
            .map_or(label, |(_, prefix)| prefix);
        let region = context.region.as_deref().unwrap_or("*");
        conditions.push(GeneratedCondition::new(
            "StringEquals",
            "aws:SourceAccount",
            [account.clone()],
        ));
        conditions.push(GeneratedCondition::new(
            "ArnLike",
            "aws:SourceArn",
            [arn(
                &context.partition,
                prefix,
                region,
                account,
                "*".to_owned(),
            )],
        ));
    } else {
        warnings.push(format!(
            "no account given: the trust statement for `{service}` has no `aws:SourceAccount` condition; set `account` in the intent"
        ));
    }
    TrustOutput {
        statement: GeneratedStatement {
            sid: sid_from(&format!("Trust {label} service")),
            principal: Some(GeneratedPrincipal {
                kind: "Service".into(),
                ids: vec![service.to_owned()],
            }),
            actions: vec!["sts:AssumeRole".into()],
            resources: vec![],
            conditions,
            justification: format!(
                "The workload runs on `{service}`, which assumes this role on its behalf in this account only."
            ),
            exceptions: vec![],
        },
        warnings,
    }
}

/// `ID` or `ID:role/[PATH/]NAME`.
fn parse_account(rest: &str) -> Result<TrustTemplate, TrustError> {
    let (account, role) = match rest.split_once(':') {
        Some((account, role)) => (account, Some(role)),
        None => (rest, None),
    };
    if !is_account_id(account) {
        return Err(TrustError::BadAccount(rest.to_owned()));
    }
    let role_ok = |role: &str| {
        role.strip_prefix("role/").is_some_and(|name| {
            !name.is_empty()
                && !name.ends_with('/')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
        })
    };
    match role {
        Some(role) if !role_ok(role) => Err(TrustError::BadAccount(rest.to_owned())),
        _ => Ok(TrustTemplate::Account {
            account: account.to_owned(),
            role: role.map(str::to_owned),
        }),
    }
}

fn account_statement(
    account: &str,
    role: Option<&str>,
    context: &TrustContext,
) -> Result<TrustOutput, TrustError> {
    let mut warnings = Vec::new();
    let external_id = match &context.external_id {
        Some(literal) => {
            if !valid_external_id(literal) {
                return Err(TrustError::BadExternalId(literal.clone()));
            }
            literal.clone()
        }
        None => {
            let name = context.external_id_var.as_deref().unwrap_or("external_id");
            warnings.push(format!(
                "`sts:ExternalId` is the definition variable `${{{name}}}`: define it per target account (plain JSON output keeps the placeholder)"
            ));
            format!("${{{name}}}")
        }
    };
    if context.account.as_deref() == Some(account) {
        warnings.push(format!(
            "account `{account}` is the role's own account; cross-account trust is not needed there"
        ));
    }
    Ok(TrustOutput {
        statement: GeneratedStatement {
            sid: match role {
                Some(role) => sid_from(&format!(
                    "Trust {account} {}",
                    role.rsplit('/').next().unwrap_or(role)
                )),
                None => format!("TrustAccount{account}"),
            },
            principal: Some(GeneratedPrincipal {
                kind: "AWS".into(),
                ids: vec![match role {
                    Some(role) => arn(&context.partition, "iam", "", account, role.to_owned()),
                    None => arn(&context.partition, "iam", "", account, "root".to_owned()),
                }],
            }),
            actions: vec!["sts:AssumeRole".into()],
            resources: vec![],
            conditions: vec![GeneratedCondition::new(
                "StringEquals",
                "sts:ExternalId",
                [external_id],
            )],
            justification: match role {
                Some(role) => format!(
                    "Only `{role}` of account {account} may assume this role, and only with the agreed external id."
                ),
                None => format!(
                    "Principals of account {account} that their administrators allow may assume this role, only when they present the agreed external id."
                ),
            },
            exceptions: vec![],
        },
        warnings,
    })
}

fn github_statement(
    repository: &str,
    subject: &GithubSubject,
    context: &TrustContext,
) -> Result<TrustOutput, TrustError> {
    let account = context
        .account
        .as_deref()
        .ok_or_else(|| TrustError::MissingAccount(format!("github:{repository}")))?;
    let (sub, described) = match subject {
        GithubSubject::Ref(reference) => (
            format!("repo:{repository}:ref:{reference}"),
            format!("ref `{reference}`"),
        ),
        GithubSubject::Environment(name) => (
            format!("repo:{repository}:environment:{name}"),
            format!("environment `{name}`"),
        ),
    };
    let sub_operator = if sub.contains(['*', '?']) {
        "StringLike"
    } else {
        "StringEquals"
    };
    let mut conditions = vec![GeneratedCondition::new(
        "StringEquals",
        &format!("{GITHUB_OIDC_HOST}:aud"),
        ["sts.amazonaws.com"],
    )];
    if sub_operator == "StringEquals" {
        conditions.push(GeneratedCondition::new(
            "StringEquals",
            &format!("{GITHUB_OIDC_HOST}:sub"),
            [sub],
        ));
    } else {
        conditions.push(GeneratedCondition::new(
            "StringLike",
            &format!("{GITHUB_OIDC_HOST}:sub"),
            [sub],
        ));
    }
    Ok(TrustOutput {
        statement: GeneratedStatement {
            sid: sid_from(&format!("Trust github {}", repository.replace('/', " "))),
            principal: Some(GeneratedPrincipal {
                kind: "Federated".into(),
                ids: vec![arn(
                    &context.partition,
                    "iam",
                    "",
                    account,
                    format!("oidc-provider/{GITHUB_OIDC_HOST}"),
                )],
            }),
            actions: vec!["sts:AssumeRoleWithWebIdentity".into()],
            resources: vec![],
            conditions,
            justification: format!(
                "GitHub Actions workflows of `{repository}` running for {described} assume this role through the account's OIDC provider."
            ),
            exceptions: vec![],
        },
        warnings: vec![],
    })
}

/// 2–1,224 characters of `[\w+=,.@:/-]`.
pub fn valid_external_id(text: &str) -> bool {
    (2..=1224).contains(&text.chars().count())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> TrustContext {
        TrustContext {
            partition: "aws".into(),
            account: Some("111122223333".into()),
            region: Some("eu-west-1".into()),
            ..TrustContext::default()
        }
    }

    #[test]
    fn ecs_tasks_gets_source_conditions() {
        let out = TrustTemplate::parse("service:ecs-tasks.amazonaws.com")
            .unwrap()
            .statement(&context())
            .unwrap();
        assert_eq!(
            out.statement.to_json().to_string(),
            r#"{"Sid":"TrustEcsTasksService","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnLike":{"aws:SourceArn":"arn:aws:ecs:eu-west-1:111122223333:*"}}}"#
        );
        assert!(out.warnings.is_empty());
    }

    #[test]
    fn lambda_has_no_source_conditions_and_says_why() {
        let out = TrustTemplate::parse("service:lambda.amazonaws.com")
            .unwrap()
            .statement(&context())
            .unwrap();
        assert!(out.statement.conditions.is_empty());
        assert_eq!(out.warnings.len(), 1);
    }

    #[test]
    fn cross_account_uses_external_id_variable_or_literal() {
        let template = TrustTemplate::parse("account:444455556666").unwrap();
        let out = template.statement(&context()).unwrap();
        assert_eq!(
            out.statement.conditions,
            vec![GeneratedCondition::new(
                "StringEquals",
                "sts:ExternalId",
                ["${external_id}"]
            )]
        );
        assert_eq!(
            out.statement.principal.unwrap().ids,
            vec!["arn:aws:iam::444455556666:root"]
        );
        let literal = TrustContext {
            external_id: Some("vendor-7f3a".into()),
            ..context()
        };
        assert_eq!(
            template.statement(&literal).unwrap().statement.conditions[0].values,
            vec!["vendor-7f3a"]
        );
        let bad = TrustContext {
            external_id: Some("x".into()),
            ..context()
        };
        assert_eq!(
            template.statement(&bad).unwrap_err(),
            TrustError::BadExternalId("x".into())
        );
    }

    #[test]
    fn github_branch_tag_environment_and_wildcard() {
        let sub = |text: &str| {
            let statement = TrustTemplate::parse(text)
                .unwrap()
                .statement(&context())
                .unwrap()
                .statement;
            let sub = statement
                .conditions
                .iter()
                .find(|c| c.key.ends_with(":sub"))
                .unwrap();
            (sub.operator.clone(), sub.values[0].clone())
        };
        assert_eq!(
            sub("github:acme/infra@main"),
            (
                "StringEquals".into(),
                "repo:acme/infra:ref:refs/heads/main".into()
            )
        );
        assert_eq!(
            sub("github:acme/infra@refs/tags/v1.2"),
            (
                "StringEquals".into(),
                "repo:acme/infra:ref:refs/tags/v1.2".into()
            )
        );
        assert_eq!(
            sub("github:acme/infra@environment:prod"),
            (
                "StringEquals".into(),
                "repo:acme/infra:environment:prod".into()
            )
        );
        assert_eq!(
            sub("github:acme/infra@release/*"),
            (
                "StringLike".into(),
                "repo:acme/infra:ref:refs/heads/release/*".into()
            )
        );
        let statement = TrustTemplate::parse("github:acme/infra@main")
            .unwrap()
            .statement(&context())
            .unwrap()
            .statement;
        assert_eq!(statement.actions, vec!["sts:AssumeRoleWithWebIdentity"]);
        assert_eq!(
            statement.conditions[0],
            GeneratedCondition::new(
                "StringEquals",
                "token.actions.githubusercontent.com:aud",
                ["sts.amazonaws.com"]
            )
        );
        assert_eq!(
            statement.principal.unwrap().ids,
            vec!["arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"]
        );
    }

    #[test]
    fn bad_templates_are_refused() {
        assert!(matches!(
            TrustTemplate::parse("github:acme@main"),
            Err(TrustError::BadGithub(_))
        ));
        assert!(matches!(
            TrustTemplate::parse("account:12"),
            Err(TrustError::BadAccount(_))
        ));
        assert!(matches!(
            TrustTemplate::parse("service:ecs"),
            Err(TrustError::BadService(_))
        ));
        assert!(matches!(
            TrustTemplate::parse("user:bob"),
            Err(TrustError::UnknownKind(_))
        ));
        let no_account = TrustContext {
            account: None,
            ..context()
        };
        let err = TrustTemplate::parse("github:a/b@main")
            .unwrap()
            .statement(&no_account)
            .unwrap_err();
        assert!(matches!(err, TrustError::MissingAccount(_)));
    }
}
