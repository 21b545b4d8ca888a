//! The organization as principals with the policies that decide their requests.

use rayon::prelude::*;
use serde::Serialize;
use warden_eval::role_session::{AttachedScp, RoleSession, scp_levels};
use warden_eval::{
    CompiledPolicySet, CompiledResourcePolicy, ContextOverrides, LabeledPolicy, PolicySet, Request,
};
use warden_policy::{Partition, PolicyDocument};
use warden_spec::{Definitions, Organization};

use crate::err::AccessError;

/// Roles and users; the external callers who-can reports are not principals of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    Role,
    User,
}

/// One role or user of the organization.
#[derive(Debug, Clone)]
pub struct Principal {
    pub arn: String,
    pub name: String,
    pub kind: PrincipalKind,
    pub account_id: String,
    pub account_name: String,
    pub partition: Partition,
    /// `aws:PrincipalTag/…` of its sessions.
    pub tags: Vec<(String, String)>,
    /// In the management account: SCPs do not apply.
    pub management: bool,
    /// Identity policies, permissions boundary and SCP levels.
    pub policies: PolicySet,
    /// The trust policy (roles).
    pub trust: Option<LabeledPolicy>,
    /// Managed policies attached to it (customer managed ones can be re-versioned).
    pub attached_policy_arns: Vec<String>,
    /// Attached policies whose document is unknown (treated as granting nothing).
    pub unresolved: Vec<String>,
}

/// Every principal, compiled once.
#[derive(Debug, Clone)]
pub struct AccessModel {
    pub organization_id: String,
    pub principals: Vec<Principal>,
    compiled: Vec<CompiledPolicySet>,
    trusts: Vec<Option<CompiledResourcePolicy>>,
}

impl AccessModel {
    /// Compiles every principal's policies (on all cores).
    pub fn new(organization_id: &str, principals: Vec<Principal>) -> AccessModel {
        let compiled = principals
            .par_iter()
            .map(|p| CompiledPolicySet::compile(&p.policies))
            .collect();
        let trusts = principals
            .par_iter()
            .map(|p| p.trust.as_ref().map(CompiledResourcePolicy::compile))
            .collect();
        AccessModel {
            organization_id: organization_id.to_string(),
            principals,
            compiled,
            trusts,
        }
    }

    /// The principal with this ARN (a role's session ARN names its role).
    pub fn find(&self, arn: &str) -> Option<usize> {
        self.principals.iter().position(|p| p.arn == arn)
    }

    pub(crate) fn compiled(&self, index: usize) -> Option<&CompiledPolicySet> {
        self.compiled.get(index)
    }

    pub(crate) fn trust(&self, index: usize) -> Option<&CompiledResourcePolicy> {
        self.trusts.get(index).and_then(Option::as_ref)
    }

    /// A request by principal `index` (a session, for a role) with `context` (`KEY=VALUE`)
    /// added to what AWS sets.
    pub(crate) fn request(
        &self,
        index: usize,
        action: &str,
        resource: &str,
        context: &[String],
    ) -> Result<Request, AccessError> {
        self.request_on(index, action, resource, None, context)
    }

    /// [`AccessModel::request`] on a resource owned by `resource_account` (S3 ARNs name none).
    pub(crate) fn request_on(
        &self,
        index: usize,
        action: &str,
        resource: &str,
        resource_account: Option<&str>,
        context: &[String],
    ) -> Result<Request, AccessError> {
        let principal = self
            .principals
            .get(index)
            .ok_or_else(|| AccessError::UnknownPrincipal(index.to_string()))?;
        let overrides = ContextOverrides::parse(context)
            .map_err(|_| AccessError::InvalidAction(action.to_string()))?;
        match principal.kind {
            PrincipalKind::Role => {
                let session = RoleSession {
                    partition: principal.partition,
                    account_id: &principal.account_id,
                    role_name: &principal.name,
                    role_arn: &principal.arn,
                    organization_id: &self.organization_id,
                    tags: &principal.tags,
                    management_account: principal.management,
                };
                Ok(session.request(action, resource, resource_account, &overrides)?)
            }
            PrincipalKind::User => {
                let mut context = warden_eval::Context::new();
                context.insert("aws:PrincipalOrgID", vec![self.organization_id.as_str()]);
                for (key, value) in &principal.tags {
                    context.insert(&format!("aws:PrincipalTag/{key}"), vec![value.as_str()]);
                }
                overrides.apply(&mut context);
                let mut request = Request::new(&principal.arn, action, resource)?;
                if let Some(account) = resource_account {
                    request = request.with_resource_account(account);
                }
                Ok(request
                    .with_context(context)
                    .in_management_account(principal.management, principal.management)
                    .finish())
            }
        }
    }
}

/// Every role the definitions deploy, per account of `org`, with the SCPs above it.
/// `aws_managed` gives the document of an AWS managed policy ARN (from the corpus), if known.
pub fn from_definitions(
    definitions: &Definitions,
    org: &Organization,
    aws_managed: &mut dyn FnMut(&str) -> Option<PolicyDocument>,
) -> Result<AccessModel, AccessError> {
    let render_error = |account: &str, message: String| AccessError::Render {
        account: account.to_string(),
        message,
    };
    let scps = definitions
        .render_scps(org)
        .map_err(|errors| render_error("organization", errors.to_string()))?;
    let attached: Vec<AttachedScp<'_>> = scps
        .iter()
        .map(|scp| AttachedScp {
            name: &scp.name,
            document: &scp.document.parsed,
            target_ids: &scp.target_ids,
        })
        .collect();
    let mut principals = Vec::new();
    for account in &org.accounts {
        let rendered = definitions
            .render_for_account(org, account)
            .map_err(|errors| render_error(&account.id, errors.to_string()))?;
        let mut levels = org.ancestry(&account.id);
        levels.push(account.id.clone());
        let scp_set = scp_levels(&levels, &attached);
        let management = org.management_account_id == account.id;
        for role in &rendered.roles {
            let mut unresolved = Vec::new();
            let mut document_of = |arn: &str| -> Option<LabeledPolicy> {
                let customer = rendered
                    .policies
                    .iter()
                    .chain(&rendered.boundaries)
                    .find(|policy| policy.arn == arn)
                    .map(|policy| policy.document.parsed.clone());
                let found = customer.or_else(|| aws_managed(arn));
                if found.is_none() {
                    unresolved.push(arn.to_string());
                }
                found.map(|document| LabeledPolicy::new(arn, document))
            };
            let mut identity: Vec<LabeledPolicy> = role
                .inline
                .iter()
                .map(|(name, document)| {
                    LabeledPolicy::new(format!("inline:{name}"), document.parsed.clone())
                })
                .collect();
            identity.extend(
                role.managed_policy_arns
                    .iter()
                    .filter_map(|arn| document_of(arn)),
            );
            let permissions_boundary = role.boundary_arn.as_deref().and_then(&mut document_of);
            let arn = role.arn(&account.id);
            principals.push(Principal {
                name: role.name.clone(),
                kind: PrincipalKind::Role,
                account_id: account.id.clone(),
                account_name: account.name.clone(),
                partition: role.partition,
                tags: role.tags.clone().into_iter().collect(),
                management,
                policies: PolicySet {
                    identity,
                    permissions_boundary,
                    scps: if management {
                        Vec::new()
                    } else {
                        scp_set.clone()
                    },
                    ..PolicySet::default()
                },
                trust: Some(LabeledPolicy::new(
                    format!("trust:{}", role.name),
                    role.trust.parsed.clone(),
                )),
                attached_policy_arns: role.managed_policy_arns.clone(),
                unresolved,
                arn,
            });
        }
    }
    Ok(AccessModel::new(&org.id, principals))
}
