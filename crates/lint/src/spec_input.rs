//! Definitions as the linter sees them: rendered accounts (what Warden deploys), rendered SCPs
//! with their attachment points, and, when no organization is at hand, the definitions as
//! written (variables unsubstituted).

use std::collections::BTreeMap;

use warden_spec::{
    Definitions, RenderedAccount, RenderedDocument, RenderedManagedPolicy, RenderedScp,
};

use crate::config::LintConfig;
use crate::err::LintError;
use crate::subject::{
    AttachedPolicy, Exception, Location, PolicyKind, PolicySubject, RoleSubject, ScpTarget,
    Subject, TextField,
};

impl LintConfig {
    /// The settings of `warden.yaml` the rules use; quotas stay at AWS defaults.
    pub fn from_spec(config: &warden_spec::Config) -> LintConfig {
        LintConfig {
            allowed_regions: config.allowed_regions.clone(),
            required_tags: config.required_tags.clone(),
            admin_roles: config.admin_roles.clone(),
            ..LintConfig::default()
        }
    }
}

fn location(spec: &warden_spec::Location) -> Location {
    Location {
        file: spec.file.clone(),
        line: spec.line,
        column: spec.column,
    }
}

fn exception(spec: &warden_spec::Exception, principal: &str) -> Exception {
    Exception {
        rule: spec.rule.clone(),
        sid: spec.sid.clone(),
        reason: spec.reason.clone(),
        owner: spec.owner.clone(),
        expires: spec.expires,
        principal: Some(principal.to_string()),
        location: location(&spec.location),
    }
}

fn rendered_policy(
    name: &str,
    kind: PolicyKind,
    source: &warden_spec::Location,
    document: &RenderedDocument,
) -> PolicySubject {
    let mut policy =
        PolicySubject::of_document(name, kind, document.parsed.clone(), location(source));
    policy.statement_locations = document
        .statements
        .iter()
        .map(|origin| location(&origin.location))
        .collect();
    policy.managed = kind != PolicyKind::Trust;
    policy
}

/// Statement justifications as texts for the hygiene rule.
fn justifications(document: &RenderedDocument, principal: &str, texts: &mut Vec<TextField>) {
    // Every statement, an empty text when no justification was written (WL902 reports it).
    for origin in &document.statements {
        texts.push(TextField {
            what: format!(
                "justification of {}",
                origin
                    .sid
                    .as_deref()
                    .map_or("a statement".to_string(), |sid| format!("`{sid}`"))
            ),
            text: origin.justification.clone().unwrap_or_default(),
            location: location(&origin.location),
            principal: Some(principal.to_string()),
        });
    }
}

fn description(
    what: &str,
    name: &str,
    text: Option<&String>,
    source: &warden_spec::Location,
    texts: &mut Vec<TextField>,
) {
    if let Some(text) = text {
        texts.push(TextField {
            what: format!("description of {what} `{name}`"),
            text: text.clone(),
            location: location(source),
            principal: Some(name.to_string()),
        });
    }
}

fn managed_policy(
    policy: &RenderedManagedPolicy,
    kind: PolicyKind,
    subject: &mut Subject,
) -> PolicySubject {
    let rendered = rendered_policy(&policy.name, kind, &policy.source, &policy.document);
    justifications(&policy.document, &policy.name, &mut subject.texts);
    description(
        "policy",
        &policy.name,
        policy.description.as_ref(),
        &policy.source,
        &mut subject.texts,
    );
    subject.exceptions.extend(
        policy
            .exceptions
            .iter()
            .map(|spec| exception(spec, &policy.name)),
    );
    rendered
}

/// One account's rendered definitions as a lint subject.
pub fn subject_from_rendered(account: &RenderedAccount, config: &LintConfig) -> Subject {
    let mut subject = Subject {
        account: Some(account.account.id.clone()),
        ..Subject::default()
    };
    let mut managed_by_arn: BTreeMap<&str, PolicySubject> = BTreeMap::new();
    for policy in &account.policies {
        let rendered = managed_policy(policy, PolicyKind::Identity, &mut subject);
        managed_by_arn.insert(&policy.arn, rendered.clone());
        subject.policies.push(rendered);
    }
    let mut boundaries_by_arn: BTreeMap<&str, PolicySubject> = BTreeMap::new();
    for boundary in &account.boundaries {
        let rendered = managed_policy(boundary, PolicyKind::Boundary, &mut subject);
        boundaries_by_arn.insert(&boundary.arn, rendered.clone());
        subject.policies.push(rendered);
    }
    for role in &account.roles {
        let mut subject_role = RoleSubject::new(&role.name, location(&role.source));
        subject_role.path.clone_from(&role.path);
        subject_role.description.clone_from(&role.description);
        subject_role.trust = Some(rendered_policy(
            "trust",
            PolicyKind::Trust,
            &role.source,
            &role.trust,
        ));
        justifications(&role.trust, &role.name, &mut subject.texts);
        for (name, document) in &role.inline {
            subject_role.inline.push(rendered_policy(
                name,
                PolicyKind::Identity,
                &role.source,
                document,
            ));
            justifications(document, &role.name, &mut subject.texts);
        }
        subject_role.managed = role
            .managed_policy_arns
            .iter()
            .map(|arn| AttachedPolicy {
                name: arn.rsplit('/').next().unwrap_or(arn).to_string(),
                arn: arn.clone(),
                document: managed_by_arn.get(arn.as_str()).cloned(),
            })
            .collect();
        subject_role.boundary.clone_from(&role.boundary_arn);
        subject_role.boundary_document = role
            .boundary_arn
            .as_deref()
            .and_then(|arn| boundaries_by_arn.get(arn).cloned());
        subject_role.tags.clone_from(&role.tags);
        subject_role.admin = config.is_admin_role(&role.name);
        subject.exceptions.extend(
            role.exceptions
                .iter()
                .map(|spec| exception(spec, &role.name)),
        );
        subject.roles.push(subject_role);
    }
    subject
}

/// The organization's rendered SCPs, with the number attached to each root, OU and account.
pub fn subject_from_scps(scps: &[RenderedScp]) -> Subject {
    let mut subject = Subject::default();
    let mut targets: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for scp in scps {
        subject.policies.push(rendered_policy(
            &scp.name,
            PolicyKind::ServiceControl,
            &scp.source,
            &scp.document,
        ));
        justifications(&scp.document, &scp.name, &mut subject.texts);
        description(
            "scp",
            &scp.name,
            scp.description.as_ref(),
            &scp.source,
            &mut subject.texts,
        );
        subject
            .exceptions
            .extend(scp.exceptions.iter().map(|spec| exception(spec, &scp.name)));
        for target in &scp.target_ids {
            targets.entry(target).or_default().push(scp.name.clone());
        }
    }
    subject.scp_targets = targets
        .into_iter()
        .map(|(target, policies)| {
            let source = scps
                .iter()
                .find(|scp| scp.target_ids.iter().any(|id| id == target))
                .map(|scp| location(&scp.source));
            ScpTarget {
                target: target.to_string(),
                location: source.unwrap_or_default(),
                policies,
            }
        })
        .collect();
    subject
}

/// Lints one rendered account: what plan and apply call to refuse deploying on lint errors.
pub fn lint_rendered_account(
    account: &RenderedAccount,
    config: &LintConfig,
    catalog: &warden_catalog::Catalog,
    today: time::Date,
) -> Vec<crate::Finding> {
    let subject = subject_from_rendered(account, config);
    crate::lint(
        &subject,
        &crate::LintOptions {
            catalog,
            config,
            today,
        },
    )
}

/// Lints the rendered SCPs (sizes, counts per target, statements).
pub fn lint_rendered_scps(
    scps: &[RenderedScp],
    config: &LintConfig,
    catalog: &warden_catalog::Catalog,
    today: time::Date,
) -> Vec<crate::Finding> {
    let subject = subject_from_scps(scps);
    crate::lint(
        &subject,
        &crate::LintOptions {
            catalog,
            config,
            today,
        },
    )
}

fn written_policy(
    name: &str,
    kind: PolicyKind,
    source: &warden_spec::Location,
    statements: &[warden_spec::StatementSource],
    texts: &mut Vec<TextField>,
    principal: &str,
) -> Result<PolicySubject, LintError> {
    let json = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": statements.iter().map(|statement| statement.json.clone()).collect::<Vec<_>>(),
    });
    let mut policy = PolicySubject::from_value(name, kind, location(source), &json)?;
    policy.statement_locations = statements
        .iter()
        .map(|statement| location(&statement.location))
        .collect();
    for statement in statements {
        texts.push(TextField {
            what: format!(
                "justification of {}",
                statement
                    .sid
                    .as_deref()
                    .map_or("a statement".to_string(), |sid| format!("`{sid}`"))
            ),
            text: statement.justification.clone().unwrap_or_default(),
            location: location(&statement.location),
            principal: Some(principal.to_string()),
        });
    }
    Ok(policy)
}

/// The definitions as written, when no organization is available to render them: variables
/// stay as `${name}` (the rules leave such values alone) and SCP attachment counts are unknown.
pub fn subject_from_definitions(
    definitions: &Definitions,
    config: &LintConfig,
) -> Result<Subject, LintError> {
    let mut subject = Subject::default();
    let mut texts = Vec::new();
    let mut managed_by_name: BTreeMap<&str, PolicySubject> = BTreeMap::new();
    for (policies, kind) in [
        (&definitions.managed_policies, PolicyKind::Identity),
        (&definitions.boundaries, PolicyKind::Boundary),
    ] {
        for policy in policies {
            let written = written_policy(
                &policy.name,
                kind,
                &policy.source,
                &policy.statements,
                &mut texts,
                &policy.name,
            )?;
            if kind == PolicyKind::Identity {
                managed_by_name.insert(&policy.name, written.clone());
            }
            subject.policies.push(written);
            let description_text = policy
                .description
                .as_ref()
                .map(|template| template.text.clone());
            description(
                "policy",
                &policy.name,
                description_text.as_ref(),
                &policy.source,
                &mut texts,
            );
            subject.exceptions.extend(
                policy
                    .exceptions
                    .iter()
                    .map(|spec| exception(spec, &policy.name)),
            );
        }
    }
    for scp in &definitions.scps {
        subject.policies.push(written_policy(
            &scp.name,
            PolicyKind::ServiceControl,
            &scp.source,
            &scp.statements,
            &mut texts,
            &scp.name,
        )?);
        let description_text = scp
            .description
            .as_ref()
            .map(|template| template.text.clone());
        description(
            "scp",
            &scp.name,
            description_text.as_ref(),
            &scp.source,
            &mut texts,
        );
        subject
            .exceptions
            .extend(scp.exceptions.iter().map(|spec| exception(spec, &scp.name)));
    }
    for role in &definitions.roles {
        let mut subject_role = RoleSubject::new(&role.name, location(&role.source));
        subject_role.path.clone_from(&role.path);
        subject_role.description = role
            .description
            .as_ref()
            .map(|template| template.text.clone());
        subject_role.trust = Some(written_policy(
            "trust",
            PolicyKind::Trust,
            &role.source,
            &role.trust,
            &mut texts,
            &role.name,
        )?);
        for inline in &role.inline_policies {
            subject_role.inline.push(written_policy(
                &inline.name,
                PolicyKind::Identity,
                &inline.location,
                &inline.statements,
                &mut texts,
                &role.name,
            )?);
        }
        subject_role.managed = role
            .managed_policies
            .iter()
            .map(|reference| match reference {
                warden_spec::PolicyRef::Warden { name, .. } => AttachedPolicy {
                    name: name.clone(),
                    // Definitions as written: the partition and account are still variables.
                    arn: warden_policy::Arn {
                        partition: "${partition}".into(),
                        service: "iam".into(),
                        region: String::new(),
                        account: "${account_id}".into(),
                        resource: format!("policy/{name}"),
                    }
                    .to_string(),
                    document: managed_by_name.get(name.as_str()).cloned(),
                },
                warden_spec::PolicyRef::Arn { arn, .. } => AttachedPolicy {
                    name: arn.rsplit('/').next().unwrap_or(arn).to_string(),
                    arn: arn.clone(),
                    document: None,
                },
            })
            .collect();
        subject_role.boundary = role
            .boundary
            .as_ref()
            .map(|boundary| boundary.value.clone());
        subject_role.tags = role
            .tags
            .iter()
            .map(|(key, template)| (key.clone(), template.text.clone()))
            .collect();
        subject_role.admin = config.is_admin_role(&role.name);
        subject.exceptions.extend(
            role.exceptions
                .iter()
                .map(|spec| exception(spec, &role.name)),
        );
        subject.roles.push(subject_role);
    }
    subject.texts = texts;
    Ok(subject)
}
