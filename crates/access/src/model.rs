//! The organization as principals with the policies that decide their requests.

use std::collections::BTreeMap;

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
    /// ARNs of the groups a user is in.
    pub groups: Vec<String>,
    /// Non-default versions of the customer managed policies attached to it (or to its
    /// groups), labelled `ARN@vN`: `iam:SetDefaultPolicyVersion` can bring one back.
    pub policy_versions: Vec<LabeledPolicy>,
}

/// An IAM group of a live read: adding a user to it gives the user its policies.
#[derive(Debug, Clone)]
pub struct Group {
    pub arn: String,
    pub name: String,
    pub account_id: String,
    /// Inline and attached policies with their documents.
    pub policies: Vec<LabeledPolicy>,
    pub attached_policy_arns: Vec<String>,
}

/// Every principal, compiled once.
#[derive(Debug, Clone)]
pub struct AccessModel {
    pub organization_id: String,
    pub management_account_id: String,
    pub principals: Vec<Principal>,
    /// Groups of every account (a live read; definitions deploy none).
    pub groups: Vec<Group>,
    /// RCP levels (root, each OU, the account) per member account; empty when the
    /// organization has no RCPs (the policy type is not enabled).
    pub rcps: BTreeMap<String, Vec<Vec<LabeledPolicy>>>,
    compiled: Vec<CompiledPolicySet>,
    /// Trust policies with the RCPs of the role's account.
    trusts: Vec<Option<CompiledResourcePolicy>>,
    /// Per account: no resource policy, its RCPs.
    account_sides: BTreeMap<String, CompiledResourcePolicy>,
}

impl AccessModel {
    /// Compiles every principal's policies (on all cores). No RCPs: see
    /// [`AccessModel::with_rcps`].
    pub fn new(organization_id: &str, principals: Vec<Principal>) -> AccessModel {
        AccessModel::with_rcps(organization_id, "", principals, BTreeMap::new())
    }

    /// [`AccessModel::new`] with the management account and the RCP levels above each member
    /// account, which decide requests on the resources of that account.
    pub fn with_rcps(
        organization_id: &str,
        management_account_id: &str,
        principals: Vec<Principal>,
        rcps: BTreeMap<String, Vec<Vec<LabeledPolicy>>>,
    ) -> AccessModel {
        let compiled = principals
            .par_iter()
            .map(|p| CompiledPolicySet::compile(&p.policies))
            .collect();
        let no_levels: Vec<Vec<LabeledPolicy>> = Vec::new();
        let levels_of = |account: &str| rcps.get(account).unwrap_or(&no_levels);
        let trusts = principals
            .par_iter()
            .map(|p| {
                p.trust
                    .as_ref()
                    .map(|t| CompiledResourcePolicy::compile(t).with_rcps(levels_of(&p.account_id)))
            })
            .collect();
        let account_sides = rcps
            .iter()
            .map(|(account, levels)| {
                (
                    account.clone(),
                    CompiledResourcePolicy::none().with_rcps(levels),
                )
            })
            .collect();
        AccessModel {
            organization_id: organization_id.to_string(),
            management_account_id: management_account_id.to_string(),
            principals,
            groups: Vec::new(),
            rcps,
            compiled,
            trusts,
            account_sides,
        }
    }

    /// The model with the groups of a live read.
    pub fn with_groups(mut self, groups: Vec<Group>) -> AccessModel {
        self.groups = groups;
        self
    }

    /// The resource side of a request on a resource of `account`: `policy` (if any) and the
    /// RCPs above that account.
    pub fn resource_side(
        &self,
        account: Option<&str>,
        policy: Option<&LabeledPolicy>,
    ) -> CompiledResourcePolicy {
        let side = policy
            .map(CompiledResourcePolicy::compile)
            .unwrap_or_else(CompiledResourcePolicy::none);
        let levels = account.and_then(|account| self.rcps.get(account));
        side.with_rcps(levels.map(Vec::as_slice).unwrap_or_default())
    }

    /// The RCPs of `account` alone (no resource policy), compiled once.
    pub(crate) fn account_side(&self, account: &str) -> Option<&CompiledResourcePolicy> {
        self.account_sides.get(account)
    }

    /// The account a request on `resource` by principal `index` reaches: the ARN's, else the
    /// principal's own (S3 ARNs and `*` name none).
    pub(crate) fn resource_account<'a>(&'a self, index: usize, resource: &'a str) -> &'a str {
        warden_policy::arn::ArnRef::parse(resource)
            .map(|arn| arn.account)
            .filter(|account| !account.is_empty())
            .or_else(|| self.principals.get(index).map(|p| p.account_id.as_str()))
            .unwrap_or_default()
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
                let request = session.request(action, resource, resource_account, &overrides)?;
                Ok(self.in_management(index, request, resource, resource_account))
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
                let request = request.with_context(context).finish();
                Ok(self.in_management(index, request, resource, resource_account))
            }
        }
    }

    /// Marks where the principal and the resource are: SCPs skip the management account's
    /// principals, RCPs its resources.
    fn in_management(
        &self,
        index: usize,
        request: Request,
        resource: &str,
        resource_account: Option<&str>,
    ) -> Request {
        let principal = self.principals.get(index).is_some_and(|p| p.management);
        let owner = resource_account.unwrap_or_else(|| self.resource_account(index, resource));
        let resource = if self.management_account_id.is_empty() {
            principal
        } else {
            owner == self.management_account_id
        };
        request.in_management_account(principal, resource)
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
                groups: Vec::new(),
                policy_versions: Vec::new(),
                arn,
            });
        }
    }
    // Definitions hold no RCPs.
    Ok(AccessModel::with_rcps(
        &org.id,
        &org.management_account_id,
        principals,
        BTreeMap::new(),
    ))
}

/// Every role and user of a live read (a snapshot), with the SCPs attached above each
/// account, and the RCPs above each member account (for requests on its resources).
/// Documents come from the accounts' customer managed policies or `aws_managed`; users get
/// their groups' policies too. An SCP level with no SCP attached allows nothing, as in AWS;
/// with no RCP at all the organization has not enabled them and none apply.
pub fn from_live(
    org: &Organization,
    scps: &[warden_live::LiveScp],
    rcps: &[warden_live::LiveScp],
    accounts: &[warden_live::LiveAccount],
    aws_managed: &mut dyn FnMut(&str) -> Option<PolicyDocument>,
) -> Result<AccessModel, AccessError> {
    let parse = |label: &str, raw: &str| -> Option<LabeledPolicy> {
        let text = warden_policy::decode_document(raw).ok()?;
        let document = warden_policy::parse_policy(&text).ok()?;
        Some(LabeledPolicy::new(label, document))
    };
    let partition = |arn: &str| {
        warden_policy::arn::ArnRef::parse(arn)
            .and_then(|parsed| Partition::parse(parsed.partition).ok())
            .unwrap_or(Partition::Aws)
    };
    let mut principals = Vec::new();
    let mut groups = Vec::new();
    for live in accounts {
        let account_id = &live.account_id;
        let account_name = org
            .account(account_id)
            .map(|account| account.name.clone())
            .unwrap_or_default();
        let management = org.management_account_id == *account_id;
        let mut levels = org.ancestry(account_id);
        levels.push(account_id.clone());
        let scp_set: Vec<Vec<LabeledPolicy>> = if management {
            Vec::new()
        } else {
            levels
                .iter()
                .map(|id| {
                    scps.iter()
                        .filter(|scp| scp.targets.iter().any(|target| target == id))
                        .filter_map(|scp| parse(&format!("scp:{}@{id}", scp.name), &scp.content))
                        .collect()
                })
                .collect()
        };
        let mut managed = |arn: &str, unresolved: &mut Vec<String>| -> Option<LabeledPolicy> {
            let customer = live
                .policies
                .iter()
                .find(|policy| policy.arn == arn)
                .and_then(|policy| {
                    let document = policy
                        .default_version()
                        .map(|version| version.document.as_str())
                        .filter(|document| !document.is_empty())
                        .unwrap_or(&policy.document);
                    parse(arn, document)
                });
            let found = customer
                .or_else(|| aws_managed(arn).map(|document| LabeledPolicy::new(arn, document)));
            if found.is_none() {
                unresolved.push(arn.to_string());
            }
            found
        };
        let versions = |attached: &[String]| -> Vec<LabeledPolicy> {
            live.policies
                .iter()
                .filter(|policy| attached.contains(&policy.arn))
                .flat_map(|policy| {
                    policy
                        .versions
                        .iter()
                        .filter(|version| !version.is_default && !version.document.is_empty())
                        .filter_map(|version| {
                            let label = format!("{}@{}", policy.arn, version.version_id);
                            parse(&label, &version.document)
                        })
                })
                .collect()
        };
        for group in &live.groups {
            let mut unresolved = Vec::new();
            let mut policies: Vec<LabeledPolicy> = group
                .inline_policies
                .iter()
                .filter_map(|(name, document)| {
                    parse(&format!("group:{}/inline:{name}", group.name), document)
                })
                .collect();
            policies.extend(
                group
                    .attached_policy_arns
                    .iter()
                    .filter_map(|arn| managed(arn, &mut unresolved)),
            );
            groups.push(Group {
                arn: group.arn.clone(),
                name: group.name.clone(),
                account_id: account_id.clone(),
                policies,
                attached_policy_arns: group.attached_policy_arns.clone(),
            });
        }
        // What roles and users share: their attached policies and boundary resolved, the SCPs
        // of their account, and the versions of what is attached.
        let mut holder = |kind: PrincipalKind,
                          arn: &str,
                          name: &str,
                          tags: &BTreeMap<String, String>,
                          mut identity: Vec<LabeledPolicy>,
                          attached: Vec<String>,
                          boundary: Option<&str>|
         -> Principal {
            let mut unresolved = Vec::new();
            identity.extend(
                attached
                    .iter()
                    .filter_map(|arn| managed(arn, &mut unresolved)),
            );
            let permissions_boundary = boundary.and_then(|arn| managed(arn, &mut unresolved));
            Principal {
                arn: arn.to_owned(),
                name: name.to_owned(),
                kind,
                account_id: account_id.clone(),
                account_name: account_name.clone(),
                partition: partition(arn),
                tags: tags.clone().into_iter().collect(),
                management,
                policies: PolicySet {
                    identity,
                    permissions_boundary,
                    scps: scp_set.clone(),
                    ..PolicySet::default()
                },
                trust: None,
                policy_versions: versions(&attached),
                attached_policy_arns: attached,
                unresolved,
                groups: Vec::new(),
            }
        };
        for role in &live.roles {
            let inline = role
                .inline_policies
                .iter()
                .filter_map(|(name, document)| parse(&format!("inline:{name}"), document))
                .collect();
            principals.push(Principal {
                trust: parse(&format!("trust:{}", role.name), &role.trust_policy),
                ..holder(
                    PrincipalKind::Role,
                    &role.arn,
                    &role.name,
                    &role.tags,
                    inline,
                    role.attached_policy_arns.clone(),
                    role.permissions_boundary_arn.as_deref(),
                )
            });
        }
        for user in &live.users {
            let member_of: Vec<_> = live
                .groups
                .iter()
                .filter(|g| user.groups.contains(&g.name))
                .collect();
            let mut identity: Vec<LabeledPolicy> = user
                .inline_policies
                .iter()
                .filter_map(|(name, document)| parse(&format!("inline:{name}"), document))
                .collect();
            let mut attached = user.attached_policy_arns.clone();
            for group in &member_of {
                identity.extend(group.inline_policies.iter().filter_map(|(name, document)| {
                    parse(&format!("group:{}/inline:{name}", group.name), document)
                }));
                attached.extend(group.attached_policy_arns.iter().cloned());
            }
            principals.push(Principal {
                groups: member_of.iter().map(|g| g.arn.clone()).collect(),
                ..holder(
                    PrincipalKind::User,
                    &user.arn,
                    &user.name,
                    &user.tags,
                    identity,
                    attached,
                    user.permissions_boundary_arn.as_deref(),
                )
            });
        }
    }
    let mut rcp_levels = BTreeMap::new();
    if !rcps.is_empty() {
        for account in &org.accounts {
            if account.id == org.management_account_id {
                continue;
            }
            let mut levels = org.ancestry(&account.id);
            levels.push(account.id.clone());
            let levels: Vec<Vec<LabeledPolicy>> = levels
                .iter()
                .map(|id| {
                    rcps.iter()
                        .filter(|rcp| rcp.targets.iter().any(|target| target == id))
                        .filter_map(|rcp| parse(&format!("rcp:{}@{id}", rcp.name), &rcp.content))
                        .collect()
                })
                .collect();
            rcp_levels.insert(account.id.clone(), levels);
        }
    }
    Ok(
        AccessModel::with_rcps(&org.id, &org.management_account_id, principals, rcp_levels)
            .with_groups(groups),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_gives_roles_with_their_scps_and_trust() {
        let org: Organization = serde_json::from_str(
            r#"{"id": "o-test12345", "management_account_id": "123456789012", "root_id": "r-ab12",
                "accounts": [{"id": "222233334444", "name": "prod", "email": null, "status": "Active", "parent_id": "r-ab12", "ou_path": "Root", "tags": {}}],
                "organizational_units": []}"#,
        )
        .unwrap();
        let full = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let scps = vec![
            warden_live::LiveScp {
                name: "FullAWSAccess".into(),
                content: full.into(),
                targets: vec!["r-ab12".into(), "222233334444".into()],
                ..warden_live::LiveScp::default()
            },
            warden_live::LiveScp {
                name: "no-s3-delete".into(),
                content: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#.into(),
                targets: vec!["222233334444".into()],
                ..warden_live::LiveScp::default()
            },
        ];
        let account: warden_live::LiveAccount = serde_json::from_value(serde_json::json!({
            "account_id": "222233334444",
            "roles": [{
                "name": "ops", "path": "/", "arn": "arn:aws:iam::222233334444:role/ops", "role_id": "AROA1",
                "trust_policy": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A222233334444%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
                "description": null, "max_session_duration": 3600, "permissions_boundary_arn": null,
                "tags": {}, "inline_policies": {"admin": full}, "attached_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
            }],
            "policies": []
        }))
        .unwrap();
        let model = from_live(&org, &scps, &[], &[account], &mut |_| None).unwrap();
        assert_eq!(model.principals.len(), 1);
        let ops = &model.principals[0];
        assert_eq!(ops.unresolved, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        assert_eq!(ops.policies.scps.len(), 2, "root and account levels");
        assert!(ops.trust.is_some(), "URL-encoded trust decoded");
        let decide = |action: &str| {
            let request = model.request(0, action, "arn:aws:s3:::b", &[]).unwrap();
            model.compiled(0).unwrap().decide(&request)
        };
        assert!(decide("s3:ListBucket").is_allow());
        assert_eq!(
            decide("s3:DeleteBucket"),
            warden_eval::DecisionKind::ExplicitDeny
        );
    }
}
