//! Simulating a role as deployed (`cargo xtask simulate --role`): the caller is a session of the
//! role, with the global keys AWS sets for it, and every SCP level starts with `FullAWSAccess`,
//! which AWS attaches to the root, each OU and each account by default.

use warden_policy::{Arn, Partition, PolicyDocument};

use crate::engine::{LabeledPolicy, PolicySet};
use crate::err::RequestError;
use crate::request::{Context, Request};
use crate::request_file::ContextOverrides;

/// The document of the `FullAWSAccess` SCP.
pub const FULL_AWS_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// An SCP with the root, OU or account ids it is attached to.
#[derive(Debug, Clone, Copy)]
pub struct AttachedScp<'a> {
    pub name: &'a str,
    pub document: &'a PolicyDocument,
    pub target_ids: &'a [String],
}

/// SCP levels for `level_ids` (the root, each OU, then the account): on each, `FullAWSAccess`
/// and the SCPs attached there.
pub fn scp_levels(level_ids: &[String], scps: &[AttachedScp<'_>]) -> Vec<Vec<LabeledPolicy>> {
    let full_access = warden_policy::parse_policy(FULL_AWS_ACCESS).ok();
    level_ids
        .iter()
        .map(|id| {
            let mut level: Vec<LabeledPolicy> = full_access
                .iter()
                .map(|document| LabeledPolicy::new(format!("FullAWSAccess@{id}"), document.clone()))
                .collect();
            level.extend(
                scps.iter()
                    .filter(|scp| scp.target_ids.iter().any(|target| target == id))
                    .map(|scp| {
                        LabeledPolicy::new(format!("scp:{}", scp.name), scp.document.clone())
                    }),
            );
            level
        })
        .collect()
}

/// A role deployed to an account, and the policies that decide for its sessions.
#[derive(Debug, Clone)]
pub struct RoleSession<'a> {
    pub partition: Partition,
    pub account_id: &'a str,
    pub role_name: &'a str,
    /// The role's ARN, with its path.
    pub role_arn: &'a str,
    pub organization_id: &'a str,
    /// The role's tags: the session's `aws:PrincipalTag/…`.
    pub tags: &'a [(String, String)],
    /// The role lives in the management account (SCPs do not apply).
    pub management_account: bool,
}

impl RoleSession<'_> {
    /// The session principal (`…:assumed-role/NAME/warden-simulate`).
    pub fn principal(&self) -> String {
        Arn::assumed_role(
            self.partition,
            self.account_id,
            self.role_name,
            "warden-simulate",
        )
        .to_string()
    }

    /// A request of the session with `aws:PrincipalArn`, `aws:PrincipalOrgID` and the
    /// principal tags set; `overrides` come last and win.
    pub fn request(
        &self,
        action: &str,
        resource: &str,
        resource_account: Option<&str>,
        overrides: &ContextOverrides,
    ) -> Result<Request, RequestError> {
        let mut request = Request::new(&self.principal(), action, resource)?;
        if let Some(owner) = resource_account {
            request = request.with_resource_account(owner);
        }
        let mut context = Context::new();
        context.insert("aws:PrincipalArn", vec![self.role_arn]);
        context.insert("aws:PrincipalOrgID", vec![self.organization_id]);
        for (key, value) in self.tags {
            context.insert(&format!("aws:PrincipalTag/{key}"), vec![value.as_str()]);
        }
        overrides.apply(&mut context);
        Ok(request
            .with_context(context)
            .in_management_account(self.management_account, self.management_account)
            .finish())
    }

    /// The policies for the session: identity policies and boundary of the role, the SCP levels
    /// of its account, and the resource's policy when there is one.
    pub fn policy_set(
        &self,
        identity: Vec<LabeledPolicy>,
        permissions_boundary: Option<LabeledPolicy>,
        scps: Vec<Vec<LabeledPolicy>>,
        resource_policy: Option<LabeledPolicy>,
    ) -> PolicySet {
        PolicySet {
            identity,
            permissions_boundary,
            scps,
            rcps: Vec::new(),
            resource_policy,
            session_policy: None,
            vpc_endpoint_policy: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CompiledPolicySet, DecisionKind, Layer};

    fn policy(effect: &str, action: &str, resource: &str) -> PolicyDocument {
        warden_policy::parse_policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"S","Effect":"{effect}","Action":"{action}","Resource":"{resource}"}}]}}"#
        ))
        .unwrap()
    }

    const TAGS: [(&str, &str); 1] = [("Team", "blue")];

    fn session(management_account: bool, tags: &[(String, String)]) -> RoleSession<'_> {
        RoleSession {
            partition: Partition::Aws,
            account_id: "222233334444",
            role_name: "app",
            role_arn: "arn:aws:iam::222233334444:role/workloads/app",
            organization_id: "o-test12345",
            tags,
            management_account,
        }
    }

    #[test]
    fn every_level_starts_with_full_access() {
        let deny = policy("Deny", "s3:DeleteObject", "*");
        let ou = ["ou-ab12-work0001".to_string()];
        let levels = scp_levels(
            &[
                "r-ab12".into(),
                "ou-ab12-work0001".into(),
                "222233334444".into(),
            ],
            &[AttachedScp {
                name: "deny-delete",
                document: &deny,
                target_ids: &ou,
            }],
        );
        let labels: Vec<Vec<&str>> = levels
            .iter()
            .map(|level| level.iter().map(|policy| policy.label.as_str()).collect())
            .collect();
        assert_eq!(
            labels,
            [
                vec!["FullAWSAccess@r-ab12"],
                vec!["FullAWSAccess@ou-ab12-work0001", "scp:deny-delete"],
                vec!["FullAWSAccess@222233334444"],
            ]
        );
    }

    #[test]
    fn the_session_carries_the_role_and_its_tags() {
        let tags: Vec<(String, String)> = TAGS
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        let session = session(false, &tags);
        let overrides =
            ContextOverrides::parse(&["aws:PrincipalOrgID=o-other".to_string()]).unwrap();
        let request = session
            .request(
                "s3:GetObject",
                "arn:aws:s3:::b/blue/x",
                Some("555566667777"),
                &overrides,
            )
            .unwrap();
        let value = |key: &str| request.context().values(key).and_then(|v| v.get(0));
        assert_eq!(
            value("aws:PrincipalArn"),
            Some("arn:aws:iam::222233334444:role/workloads/app")
        );
        assert_eq!(value("aws:PrincipalTag/Team"), Some("blue"));
        assert_eq!(value("aws:PrincipalOrgID"), Some("o-other"));
        assert_eq!(request.resource_account(), Some("555566667777"));

        // `${aws:PrincipalTag/Team}` resolves from the session's tags; SCPs cap it.
        let grant = policy(
            "Allow",
            "s3:GetObject",
            "arn:aws:s3:::b/${aws:PrincipalTag/Team}/*",
        );
        let levels = scp_levels(&["r-ab12".into(), "222233334444".into()], &[]);
        let set = session.policy_set(
            vec![LabeledPolicy::new("inline:data", grant)],
            None,
            levels,
            None,
        );
        let own = session
            .request(
                "s3:GetObject",
                "arn:aws:s3:::b/blue/x",
                None,
                &ContextOverrides::default(),
            )
            .unwrap();
        let decision = CompiledPolicySet::compile(&set).evaluate(&own);
        assert_eq!(decision.decision, DecisionKind::Allow, "{decision}");
        assert_eq!(
            decision
                .reasons
                .iter()
                .filter(|r| r.layer == Layer::Scp)
                .count(),
            2,
            "{decision}"
        );
    }

    #[test]
    fn scps_do_not_apply_in_the_management_account() {
        let grant = policy("Allow", "s3:GetObject", "*");
        let deny_all = [vec![]];
        let request = |management: bool| {
            session(management, &[])
                .request(
                    "s3:GetObject",
                    "arn:aws:s3:::b/k",
                    None,
                    &ContextOverrides::default(),
                )
                .unwrap()
        };
        let set = session(true, &[]).policy_set(
            vec![LabeledPolicy::new("inline:read", grant)],
            None,
            deny_all.to_vec(),
            None,
        );
        let compiled = CompiledPolicySet::compile(&set);
        assert_eq!(compiled.decide(&request(true)), DecisionKind::Allow);
        assert_eq!(compiled.decide(&request(false)), DecisionKind::ImplicitDeny);
    }
}
