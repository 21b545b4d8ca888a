//! Live state as lint input: the accounts `warden-live` describes (from a snapshot or a full
//! read), the organization's account ids and the outside accounts `warden.yaml` trusts.
//!
//! Two kinds of checks run on it: the posture rules (users, access keys, root, password
//! policy, unused roles, trust outside the organization), which implement
//! [`Rule::check_live`](crate::rule::Rule::check_live); and the existing trust and escalation
//! rules, run on every live role (managed by Warden or not) turned into a [`RoleSubject`].
//! The organization's resource control policies are linted as documents of their own kind
//! ([`lint_rcps`]). Dates are judged on `LintOptions::today`, never the clock.

use std::collections::BTreeSet;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use warden_live::{LiveAccount, LiveScp};

use crate::engine::{covers, is_live};
use crate::finding::{AppliedException, Finding, sort_findings};
use crate::rule::{Env, Group, RuleMeta};
use crate::subject::{
    AttachedPolicy, Exception, Location, PolicyKind, PolicySubject, Problem, RoleSubject, Subject,
};
use crate::{LintOptions, registry};

/// An account outside the organization that roles may trust, from `warden.yaml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedAccount {
    pub id: String,
    pub name: String,
    pub reason: String,
}

/// The password policy the posture rules require. The defaults follow the CIS AWS Foundations
/// Benchmark: at least 14 characters, every character class, expiry within 90 days and the
/// last 24 passwords remembered.
/// https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-7
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct PasswordRequirements {
    pub minimum_length: u32,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    /// Passwords must expire within this many days; `None`: expiry not required.
    pub max_age_days: Option<u32>,
    /// At least this many previous passwords must be remembered; `None`: not required.
    pub reuse_prevention: Option<u32>,
}

impl Default for PasswordRequirements {
    fn default() -> Self {
        PasswordRequirements {
            minimum_length: 14,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            max_age_days: Some(90),
            reuse_prevention: Some(24),
        }
    }
}

/// The posture rules' thresholds, in days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "snake_case")]
pub struct PostureConfig {
    /// An active access key older than this is stale (rotate it).
    pub access_key_max_age_days: i64,
    /// An active access key not used for this long is unused.
    pub access_key_unused_days: i64,
    /// A role created more than this long ago and not used for this long is unused.
    pub role_unused_days: i64,
    pub password: PasswordRequirements,
}

impl Default for PostureConfig {
    fn default() -> Self {
        PostureConfig {
            access_key_max_age_days: 90,
            access_key_unused_days: 90,
            role_unused_days: 90,
            password: PasswordRequirements::default(),
        }
    }
}

/// One account's live IAM and the file its findings point at (the snapshot's account file,
/// or a label such as `aws:123456789012` for a live read).
#[derive(Debug, Clone, Copy)]
pub struct LiveAccountInput<'a> {
    pub account: &'a LiveAccount,
    pub file: &'a str,
}

/// Everything the live checks need.
#[derive(Debug, Clone, Default)]
pub struct LiveInput<'a> {
    pub accounts: Vec<LiveAccountInput<'a>>,
    /// Ids of every account of the organization (the management account included).
    pub organization_accounts: BTreeSet<String>,
    pub trusted_accounts: Vec<TrustedAccount>,
    pub posture: PostureConfig,
    /// Exceptions from the definitions; they cover live findings by rule and principal.
    pub exceptions: Vec<Exception>,
}

impl LiveInput<'_> {
    /// The trusted outside account with this id.
    pub fn trusted(&self, account: &str) -> Option<&TrustedAccount> {
        self.trusted_accounts
            .iter()
            .find(|trusted| trusted.id == account)
    }
}

/// What a posture rule sees: one account with the input it belongs to.
pub struct LiveCx<'a> {
    pub env: &'a Env<'a>,
    pub account: &'a LiveAccount,
    pub input: &'a LiveInput<'a>,
    pub file: &'a str,
    /// `today` at 00:00 UTC, Unix seconds: ages are whole days up to it.
    pub now: i64,
}

impl LiveCx<'_> {
    /// A finding about `principal` (a user, role, `root` or the account) in this account.
    pub fn finding(&self, meta: &RuleMeta, principal: &str, message: String) -> Finding {
        self.env.finding(
            meta,
            &Location::new(self.file, 0, 0),
            Some(principal),
            message,
        )
    }

    /// Whole days from `timestamp` to today; `None` when it is not RFC 3339.
    pub fn age_days(&self, timestamp: &str) -> Option<i64> {
        warden_live::timestamp::age_days(timestamp, self.now)
    }

    /// Users, groups, the password policy and the credential report were read.
    pub fn full(&self) -> bool {
        self.account.coverage == warden_live::Coverage::Full
    }
}

/// Lints live accounts: the posture rules on each account, and the trust and escalation rules
/// on every role that is not service-linked. Findings are sorted; exceptions mark, not drop.
pub fn lint_live(input: &LiveInput<'_>, options: &LintOptions<'_>) -> Vec<Finding> {
    let now = options.today.midnight().assume_utc().unix_timestamp();
    let mut findings: Vec<Finding> = input
        .accounts
        .par_iter()
        .flat_map_iter(|entry| {
            let env = Env::new(
                options.catalog,
                options.config,
                options.today,
                Some(entry.account.account_id.as_str()),
            );
            let cx = LiveCx {
                env: &env,
                account: entry.account,
                input,
                file: entry.file,
                now,
            };
            let mut out = Vec::new();
            for rule in registry::all() {
                rule.check_live(&cx, &mut out);
            }
            let subject = role_subject(entry);
            out.extend(
                crate::lint(&subject, options)
                    .into_iter()
                    .filter(|finding| role_rule(&finding.rule)),
            );
            out
        })
        .collect();
    for finding in &mut findings {
        let live = input
            .exceptions
            .iter()
            .find(|exception| is_live(exception, options.today) && covers(exception, finding));
        if let Some(exception) = live {
            finding.excepted = Some(AppliedException {
                reason: exception.reason.clone(),
                owner: exception.owner.clone(),
                expires: warden_policy::date::format_day(exception.expires),
            });
        }
    }
    sort_findings(&mut findings);
    findings.dedup();
    findings
}

/// Trust and escalation rules are the ones that say something about a hand-made role; the
/// guardrails (boundary, tags, quotas) are about what Warden deploys.
fn role_rule(id: &str) -> bool {
    registry::by_id(id).is_some_and(|meta| matches!(meta.group, Group::Trust | Group::Escalation))
}

/// The account's roles (service-linked ones left out: AWS owns them) with their trust, inline
/// and managed policy documents. Documents that do not parse are skipped: the plan reader
/// reports them.
fn role_subject(entry: &LiveAccountInput<'_>) -> Subject {
    let account = entry.account;
    let location = Location::new(entry.file, 0, 0);
    let parse = |name: &str, kind: PolicyKind, text: &str| {
        PolicySubject::from_json_text(name, Some(kind), entry.file, text)
            .ok()
            .map(|mut policy| {
                // Positions inside a live document mean nothing in the snapshot file.
                policy.location = location.clone();
                policy.statement_locations =
                    vec![location.clone(); policy.document.statements.len()];
                policy
            })
    };
    let roles = account
        .roles
        .iter()
        .filter(|role| !role.is_service_linked())
        .map(|role| {
            let mut subject = RoleSubject::new(&role.name, location.clone());
            subject.path.clone_from(&role.path);
            subject.description.clone_from(&role.description);
            subject.trust = parse(&role.name, PolicyKind::Trust, &role.trust_policy);
            subject.inline = role
                .inline_policies
                .iter()
                .filter_map(|(name, text)| parse(name, PolicyKind::Identity, text))
                .collect();
            subject.managed = role
                .attached_policy_arns
                .iter()
                .map(|arn| {
                    let policy = account.policies.iter().find(|policy| &policy.arn == arn);
                    AttachedPolicy {
                        name: policy.map_or_else(|| arn.clone(), |policy| policy.name.clone()),
                        arn: arn.clone(),
                        document: policy.and_then(|policy| {
                            parse(&policy.name, PolicyKind::Identity, &policy.document)
                        }),
                    }
                })
                .collect();
            subject.boundary.clone_from(&role.permissions_boundary_arn);
            subject.tags.clone_from(&role.tags);
            subject
        })
        .collect();
    Subject {
        account: Some(account.account_id.clone()),
        roles,
        ..Subject::default()
    }
}

/// The organization's resource control policies as read (a snapshot's `organization.json`, or
/// a live read), each a [`PolicyKind::ResourceControl`] document named after the policy, with
/// findings at `file`. AWS managed ones (`RCPFullAWSAccess`) are left out: nobody can change
/// them. A content that is not a policy is a WL104 finding.
pub fn subject_from_rcps(rcps: &[LiveScp], file: &str) -> Subject {
    let location = Location::new(file, 0, 0);
    let mut subject = Subject::default();
    for rcp in rcps.iter().filter(|rcp| !rcp.aws_managed) {
        match PolicySubject::from_json_text(
            &rcp.name,
            Some(PolicyKind::ResourceControl),
            file,
            &rcp.content,
        ) {
            Ok(mut policy) => {
                // Positions inside the policy's text mean nothing in `file`.
                policy.location = location.clone();
                policy.statement_locations =
                    vec![location.clone(); policy.document.statements.len()];
                policy.source = None;
                subject.policies.push(policy);
            }
            Err(err) => subject
                .problems
                .extend(err.problems().into_iter().map(|problem| Problem {
                    location: location.clone(),
                    principal: Some(rcp.name.clone()),
                    message: format!("rcp `{}`: {}", rcp.name, problem.message),
                })),
        }
    }
    subject
}

/// Lints the organization's resource control policies (see [`subject_from_rcps`]): the RCP
/// rules (WL707–WL710, WL807) and every rule that judges a policy document of any kind.
pub fn lint_rcps(rcps: &[LiveScp], file: &str, options: &LintOptions<'_>) -> Vec<Finding> {
    crate::lint(&subject_from_rcps(rcps, file), options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rcp(name: &str, aws_managed: bool, content: &str) -> LiveScp {
        LiveScp {
            id: format!("p-{name}"),
            name: name.to_string(),
            description: String::new(),
            content: content.to_string(),
            aws_managed,
            targets: vec!["r-ab12".to_string()],
        }
    }

    /// The data perimeter RCP of AWS's examples draws no finding from any rule: the rules of
    /// other kinds (trust, resource, identity) stay off RCPs.
    /// https://github.com/aws-samples/data-perimeter-policy-examples
    #[test]
    fn a_data_perimeter_rcp_draws_no_finding() {
        let perimeter = rcp(
            "data-perimeter",
            false,
            r#"{"Version":"2012-10-17","Statement":[
                {"Sid":"EnforceOrgIdentities","Effect":"Deny","Principal":"*",
                 "Action":["s3:*","sqs:*","kms:*","secretsmanager:*","sts:AssumeRole",
                           "sts:DecodeAuthorizationMessage","sts:GetAccessKeyInfo",
                           "sts:GetFederationToken","sts:GetServiceBearerToken",
                           "sts:GetSessionToken","sts:SetContext"],
                 "Resource":"*",
                 "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5",
                                                         "aws:ResourceTag/dp:exclude:identity":"true"},
                              "BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}},
                {"Sid":"EnforceSecureTransport","Effect":"Deny","Principal":"*",
                 "Action":["sts:*","s3:*","sqs:*","secretsmanager:*","kms:*"],"Resource":"*",
                 "Condition":{"BoolIfExists":{"aws:SecureTransport":"false"}}}]}"#,
        );
        let config = crate::LintConfig::default();
        let options = LintOptions {
            catalog: warden_catalog::Catalog::embedded(),
            config: &config,
            today: crate::fixture_tests::today(),
        };
        let findings = lint_rcps(&[perimeter], "aws:organization", &options);
        assert!(findings.is_empty(), "{findings:#?}");
    }

    /// The organization's RCPs as read: the AWS managed one is left alone, a customer managed
    /// one breaking the RCP grammar is reported at the organization's file under its name, and
    /// content that is no policy is WL104.
    #[test]
    fn live_rcps_are_linted_as_rcps_and_aws_managed_ones_are_left_alone() {
        let rcps = [
            rcp(
                "RCPFullAWSAccess",
                true,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
            ),
            rcp(
                "perimeter",
                false,
                r#"{"Version":"2012-10-17","Statement":[
                    {"Sid":"OrgOnly","Effect":"Deny","Principal":{"AWS":"*"},"Action":["s3:*","ec2:*"],"Resource":"*",
                     "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}},
                    {"Sid":"Reads","Effect":"Deny","Principal":"*","NotAction":"s3:Get*","Resource":"*"},
                    {"Sid":"Tls","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#,
            ),
            rcp("broken", false, r#"{"Version":"2012-10-17","Statement":["#),
        ];
        let config = crate::LintConfig::default();
        let options = LintOptions {
            catalog: warden_catalog::Catalog::embedded(),
            config: &config,
            today: crate::fixture_tests::today(),
        };
        let findings = lint_rcps(&rcps, "snap/organization.json", &options);
        let rules: BTreeSet<(&str, &str)> = findings
            .iter()
            .map(|finding| {
                (
                    finding.rule.as_str(),
                    finding.principal.as_deref().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            rules,
            BTreeSet::from([
                ("WL104", "broken"),
                ("WL707", "perimeter"),
                ("WL708", "perimeter"),
                ("WL709", "perimeter"),
                ("WL710", "perimeter"),
            ]),
            "{findings:#?}"
        );
        assert!(
            findings
                .iter()
                .all(|finding| finding.file == "snap/organization.json" && finding.line == 0),
            "{findings:#?}"
        );
        insta::assert_snapshot!(crate::emit::table::render(&findings));
    }
}
