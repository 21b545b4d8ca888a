//! Live state as lint input: the accounts `warden-live` describes (from a snapshot or a full
//! read), the organization's account ids and the outside accounts `warden.yaml` trusts.
//!
//! Two kinds of checks run on it: the posture rules (users, access keys, root, password
//! policy, unused roles, trust outside the organization), which implement
//! [`Rule::check_live`](crate::rule::Rule::check_live); and the existing trust and escalation
//! rules, run on every live role (managed by Warden or not) turned into a [`RoleSubject`].
//! Dates are judged on `LintOptions::today`, never the clock.

use std::collections::BTreeSet;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use warden_live::LiveAccount;

use crate::engine::{covers, is_live};
use crate::finding::{AppliedException, Finding, sort_findings};
use crate::rule::{Env, Group, RuleMeta};
use crate::subject::{
    AttachedPolicy, Exception, Location, PolicyKind, PolicySubject, RoleSubject, Subject,
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
