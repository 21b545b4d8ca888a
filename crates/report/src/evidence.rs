//! Auditor evidence for one account: per role, the rendered trust and permission policies,
//! effective permissions by service and access level, each statement's justification, the
//! boundary and the SCPs in force, lint results and exceptions, whether live state matched the
//! repository, and (with CloudTrail) which granted actions were never used.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use warden_catalog::{AccessLevel, Catalog};
use warden_lint::{Finding, Severity};
use warden_plan::Plan;
use warden_spec::defs::Exception;
use warden_spec::org::Organization;
use warden_spec::render::{
    RenderedAccount, RenderedDocument, RenderedManagedPolicy, RenderedRole, RenderedScp,
};

use crate::permissions::{ActionLevels, LevelCounts, PermissionSummary, effective_actions};
use crate::usage::UsageIndex;

/// Longest action lists written per role; the counts are always complete.
pub const MAX_LISTED_ACTIONS: usize = 2000;

/// An AWS managed policy's document (from the managed policy corpus), by ARN.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsManagedPolicy {
    pub document: serde_json::Value,
    pub parsed: warden_policy::PolicyDocument,
}

/// AWS managed policies by ARN (`arn:aws:iam::aws:policy/ReadOnlyAccess`).
pub type AwsManagedPolicies = std::collections::BTreeMap<String, AwsManagedPolicy>;

/// What evidence is computed against. `today` is `YYYY-MM-DD` (exceptions expire by it).
pub struct EvidenceContext<'a> {
    pub catalog: &'a Catalog,
    pub organization: &'a Organization,
    pub scps: &'a [RenderedScp],
    /// The read-only plan of the same definitions: live match per role.
    pub plan: Option<&'a Plan>,
    pub findings: &'a [Finding],
    pub usage: Option<&'a UsageIndex>,
    /// Documents of AWS managed policies, to count what attaching them grants.
    pub aws_managed: Option<&'a AwsManagedPolicies>,
    pub today: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScpInForce {
    pub name: String,
    /// The root, OU or account id it is attached to.
    pub target_id: String,
    /// `Root`, the OU path or the account name.
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LiveMatch {
    /// Live IAM matched the repository for this role (no change planned).
    Matched,
    /// The plan would change the role or a policy it uses.
    Differs { changes: Vec<String> },
    /// A live object of the same name is not Warden's.
    Conflict { reason: String },
    /// The account could not be read.
    NotRead { reason: String },
    /// No live read was made for this account.
    NotChecked,
}

impl LiveMatch {
    pub fn label(&self) -> &'static str {
        match self {
            LiveMatch::Matched => "matched",
            LiveMatch::Differs { .. } => "differs",
            LiveMatch::Conflict { .. } => "conflict",
            LiveMatch::NotRead { .. } => "not read",
            LiveMatch::NotChecked => "not checked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyEvidence {
    /// `inline`, `managed`, `aws_managed` or `boundary`.
    pub kind: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The rendered document; `None` for AWS managed policies.
    pub document: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementEvidence {
    /// `trust`, `inline NAME`, `managed NAME` or `boundary NAME`.
    pub policy: String,
    pub sid: Option<String>,
    pub effect: String,
    pub justification: Option<String>,
    /// `file:line:column` of the statement in the repository.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionEvidence {
    pub rule: String,
    pub sid: Option<String>,
    pub owner: String,
    pub reason: String,
    pub expires: String,
    /// Not expired on the evidence date.
    pub in_force: bool,
    pub source: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LintCounts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub excepted: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageEvidence {
    /// Events made by the role in the period.
    pub events: usize,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Granted actions the role used.
    pub used: Vec<String>,
    /// Actions the role used that its policies do not grant (allowed elsewhere, e.g. by a
    /// resource policy, or a mapping gap).
    pub used_not_granted: Vec<String>,
    /// Granted actions never used, counted per access level.
    pub unused_count: usize,
    pub unused_levels: LevelCounts,
    /// The first [`MAX_LISTED_ACTIONS`] unused actions.
    pub unused: Vec<String>,
    /// Calls refused for lack of permission: `action (source Event)` → count.
    pub denied: Vec<(String, usize)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleEvidence {
    pub name: String,
    pub path: String,
    pub arn: String,
    pub description: Option<String>,
    pub source: String,
    pub max_session_duration: u32,
    pub trust_policy: serde_json::Value,
    pub permission_policies: Vec<PolicyEvidence>,
    pub boundary: Option<PolicyEvidence>,
    pub statements: Vec<StatementEvidence>,
    pub permissions: PermissionSummary,
    /// The first [`MAX_LISTED_ACTIONS`] effective actions, sorted.
    pub granted_actions: Vec<String>,
    pub lint: LintCounts,
    pub findings: Vec<Finding>,
    pub exceptions: Vec<ExceptionEvidence>,
    pub live: LiveMatch,
    /// `None` without CloudTrail input.
    pub usage: Option<UsageEvidence>,
    /// Effective permissions computed from the live documents, when live IAM was read in full.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_permissions: Option<LivePermissions>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountEvidence {
    pub account_id: String,
    pub account_name: String,
    pub ou_path: String,
    /// Root down to the parent OU (ids).
    pub ancestry: Vec<String>,
    pub scps: Vec<ScpInForce>,
    /// Why the account could not be read, when it could not.
    pub unreadable: Option<String>,
    /// Live roles Warden does not manage.
    pub unmanaged: Vec<String>,
    pub roles: Vec<RoleEvidence>,
    /// Findings on the account's managed policies and boundaries.
    pub policy_findings: Vec<Finding>,
    /// Users, keys, unused roles, trust from outside and the posture findings, from live IAM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posture: Option<PostureEvidence>,
}

/// Evidence for one rendered account.
pub fn account_evidence(
    context: &EvidenceContext<'_>,
    account: &RenderedAccount,
) -> AccountEvidence {
    let id = &account.account.id;
    let ancestry = context.organization.ancestry(id);
    let scps = scps_in_force(context, id, &ancestry);
    let unreadable = context.plan.and_then(|plan| {
        plan.unreadable
            .iter()
            .find(|u| &u.account_id == id)
            .map(|u| u.reason.clone())
    });
    let account_plan = context
        .plan
        .and_then(|plan| plan.accounts.iter().find(|a| &a.account_id == id));
    let unmanaged = account_plan
        .map(|plan| {
            plan.unmanaged
                .iter()
                .map(|u| format!("{} {}", u.kind, u.name))
                .collect()
        })
        .unwrap_or_default();
    let account_findings: Vec<&Finding> = context
        .findings
        .iter()
        .filter(|f| f.account.as_deref() == Some(id.as_str()))
        .collect();
    let role_names: BTreeSet<String> = account
        .roles
        .iter()
        .map(|r| r.name.to_ascii_lowercase())
        .collect();
    let roles = account
        .roles
        .iter()
        .map(|role| {
            role_evidence(
                context,
                account,
                role,
                &account_findings,
                unreadable.as_deref(),
            )
        })
        .collect();
    AccountEvidence {
        account_id: id.clone(),
        account_name: account.account.name.clone(),
        ou_path: account.account.ou_path.clone(),
        ancestry,
        scps,
        unreadable,
        unmanaged,
        roles,
        posture: None,
        policy_findings: account_findings
            .into_iter()
            .filter(|f| {
                f.principal
                    .as_ref()
                    .is_none_or(|p| !role_names.contains(&p.to_ascii_lowercase()))
            })
            .cloned()
            .collect(),
    }
}

fn scps_in_force(
    context: &EvidenceContext<'_>,
    account_id: &str,
    ancestry: &[String],
) -> Vec<ScpInForce> {
    let organization = context.organization;
    let target_name = |target: &str| -> String {
        if target == organization.root_id {
            return "Root".into();
        }
        if let Some(ou) = organization
            .organizational_units
            .iter()
            .find(|ou| ou.id == target)
        {
            return ou.path.clone();
        }
        organization
            .account(target)
            .map_or_else(|| target.to_string(), |a| a.name.clone())
    };
    let mut found = Vec::new();
    for level in ancestry.iter().map(String::as_str).chain([account_id]) {
        for scp in context
            .scps
            .iter()
            .filter(|scp| scp.target_ids.iter().any(|t| t == level))
        {
            found.push(ScpInForce {
                name: scp.name.clone(),
                target_id: level.to_string(),
                target: target_name(level),
            });
        }
    }
    found
}

fn role_evidence(
    context: &EvidenceContext<'_>,
    account: &RenderedAccount,
    role: &RenderedRole,
    account_findings: &[&Finding],
    unreadable: Option<&str>,
) -> RoleEvidence {
    let arn = role.arn(&account.account.id);
    let managed_by_arn = |arn: &str| -> Option<&RenderedManagedPolicy> {
        account
            .policies
            .iter()
            .chain(&account.boundaries)
            .find(|p| p.arn == arn)
    };
    let mut statements = statement_rows("trust", &role.trust);
    let mut policies = Vec::new();
    let mut identity = Vec::new();
    let mut not_expanded = Vec::new();
    let mut exceptions: Vec<&Exception> = role.exceptions.iter().collect();
    for (name, document) in &role.inline {
        statements.extend(statement_rows(&format!("inline {name}"), document));
        identity.push(&document.parsed);
        policies.push(PolicyEvidence {
            kind: "inline".into(),
            name: name.clone(),
            arn: None,
            document: Some(document.json.clone()),
        });
    }
    for managed_arn in &role.managed_policy_arns {
        match managed_by_arn(managed_arn) {
            Some(policy) => {
                statements.extend(statement_rows(
                    &format!("managed {}", policy.name),
                    &policy.document,
                ));
                identity.push(&policy.document.parsed);
                exceptions.extend(&policy.exceptions);
                policies.push(PolicyEvidence {
                    kind: "managed".into(),
                    name: policy.name.clone(),
                    arn: Some(policy.arn.clone()),
                    document: Some(policy.document.json.clone()),
                });
            }
            None => {
                let known = context.aws_managed.and_then(|all| all.get(managed_arn));
                match known {
                    Some(policy) => identity.push(&policy.parsed),
                    None => not_expanded.push(managed_arn.clone()),
                }
                policies.push(PolicyEvidence {
                    kind: "aws_managed".into(),
                    name: warden_plan::change::policy_name_from_arn(managed_arn).to_string(),
                    arn: Some(managed_arn.clone()),
                    document: known.map(|policy| policy.document.clone()),
                });
            }
        }
    }
    let boundary_policy = role
        .boundary_arn
        .as_deref()
        .map(|arn| (arn, managed_by_arn(arn)));
    let boundary = boundary_policy.map(|(arn, policy)| match policy {
        Some(policy) => {
            statements.extend(statement_rows(
                &format!("boundary {}", policy.name),
                &policy.document,
            ));
            PolicyEvidence {
                kind: "boundary".into(),
                name: policy.name.clone(),
                arn: Some(arn.to_string()),
                document: Some(policy.document.json.clone()),
            }
        }
        None => PolicyEvidence {
            kind: "boundary".into(),
            name: warden_plan::change::policy_name_from_arn(arn).to_string(),
            arn: Some(arn.to_string()),
            document: None,
        },
    });
    let boundary_document = boundary_policy.and_then(|(arn, policy)| match policy {
        Some(policy) => Some(&policy.document.parsed),
        None => context
            .aws_managed
            .and_then(|all| all.get(arn))
            .map(|policy| &policy.parsed),
    });
    let ancestry = context.organization.ancestry(&account.account.id);
    let scp_documents: Vec<&warden_policy::PolicyDocument> = context
        .scps
        .iter()
        .filter(|scp| {
            scp.target_ids
                .iter()
                .any(|target| target == &account.account.id || ancestry.contains(target))
        })
        .map(|scp| &scp.document.parsed)
        .collect();
    let effective = effective_actions(
        context.catalog,
        &identity,
        boundary_document,
        &scp_documents,
    );
    let mut permissions = PermissionSummary::of(&effective.actions);
    permissions.unknown_patterns = effective.unknown_patterns;
    permissions.not_expanded = not_expanded;
    let findings: Vec<Finding> = account_findings
        .iter()
        .filter(|f| {
            f.principal
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(&role.name))
        })
        .map(|f| (*f).clone())
        .collect();
    let usage = context
        .usage
        .and_then(|usage| usage.usage(&arn))
        .map(|usage| usage_evidence(&effective.actions, &usage));
    RoleEvidence {
        name: role.name.clone(),
        path: role.path.clone(),
        arn,
        description: role.description.clone(),
        source: role.source.to_string(),
        max_session_duration: role.max_session_duration,
        trust_policy: role.trust.json.clone(),
        permission_policies: policies,
        boundary,
        statements,
        live_permissions: None,
        granted_actions: effective
            .actions
            .keys()
            .take(MAX_LISTED_ACTIONS)
            .cloned()
            .collect(),
        permissions,
        lint: lint_counts(&findings),
        findings,
        exceptions: exceptions
            .into_iter()
            .map(|exception| ExceptionEvidence {
                rule: exception.rule.clone(),
                sid: exception.sid.clone(),
                owner: exception.owner.clone(),
                reason: exception.reason.clone(),
                expires: exception.expires.to_string(),
                in_force: exception.expires.to_string() >= context.today,
                source: exception.location.to_string(),
            })
            .collect(),
        live: live_match(context, account, role, unreadable),
        usage,
    }
}

fn statement_rows(policy: &str, document: &RenderedDocument) -> Vec<StatementEvidence> {
    document
        .parsed
        .statements
        .iter()
        .enumerate()
        .map(|(index, statement)| {
            let origin = document.statements.get(index);
            StatementEvidence {
                policy: policy.to_string(),
                sid: statement.sid.clone(),
                effect: statement.effect.as_str().to_string(),
                justification: origin.and_then(|o| o.justification.clone()),
                source: origin.map(|o| o.location.to_string()).unwrap_or_default(),
            }
        })
        .collect()
}

fn lint_counts(findings: &[Finding]) -> LintCounts {
    let mut counts = LintCounts::default();
    for finding in findings {
        match (finding.is_active(), finding.severity) {
            (false, _) => counts.excepted += 1,
            (true, Severity::Error) => counts.errors += 1,
            (true, Severity::Warning) => counts.warnings += 1,
            (true, Severity::Info) => counts.infos += 1,
        }
    }
    counts
}

fn live_match(
    context: &EvidenceContext<'_>,
    account: &RenderedAccount,
    role: &RenderedRole,
    unreadable: Option<&str>,
) -> LiveMatch {
    if let Some(reason) = unreadable {
        return LiveMatch::NotRead {
            reason: reason.to_string(),
        };
    }
    let Some(plan) = context.plan.and_then(|plan| {
        plan.accounts
            .iter()
            .find(|a| a.account_id == account.account.id)
    }) else {
        return LiveMatch::NotChecked;
    };
    if let Some(conflict) = plan
        .conflicts
        .iter()
        .find(|c| c.kind == "role" && c.name.eq_ignore_ascii_case(&role.name))
    {
        return LiveMatch::Conflict {
            reason: conflict.reason.clone(),
        };
    }
    let used_policies: BTreeSet<&str> = role
        .managed_policy_arns
        .iter()
        .chain(&role.boundary_arn)
        .map(String::as_str)
        .collect();
    let changes: Vec<String> = plan
        .changes
        .iter()
        .filter(|change| {
            change
                .role()
                .is_some_and(|r| r.eq_ignore_ascii_case(&role.name))
                || change
                    .managed_policy_arn(role.partition, &account.account.id)
                    .is_some_and(|arn| used_policies.contains(arn.as_str()))
        })
        .map(ToString::to_string)
        .collect();
    if changes.is_empty() {
        LiveMatch::Matched
    } else {
        LiveMatch::Differs { changes }
    }
}

fn usage_evidence(granted: &ActionLevels, usage: &crate::usage::RoleUsage) -> UsageEvidence {
    let (used, used_not_granted): (Vec<String>, Vec<String>) = usage
        .used
        .iter()
        .cloned()
        .partition(|name| granted.contains_key(name));
    let unused: Vec<(&String, &AccessLevel)> = granted
        .iter()
        .filter(|(name, _)| !usage.used.contains(*name))
        .collect();
    UsageEvidence {
        events: usage.events,
        first_seen: usage.first_seen.clone(),
        last_seen: usage.last_seen.clone(),
        used,
        used_not_granted,
        unused_count: unused.len(),
        unused_levels: LevelCounts::of(unused.iter().map(|(_, level)| *level)),
        unused: unused
            .iter()
            .take(MAX_LISTED_ACTIONS)
            .map(|(name, _)| (*name).clone())
            .collect(),
        denied: usage.denied.iter().map(|(k, v)| (k.clone(), *v)).collect(),
    }
}

/// What live IAM grants a role, beside what the repository grants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LivePermissions {
    /// Live and repository grant different actions.
    pub differs: bool,
    pub permissions: PermissionSummary,
    /// The first [`MAX_LISTED_ACTIONS`] actions live grants, sorted.
    pub granted_actions: Vec<String>,
    /// Actions live grants that the repository does not: access added by hand.
    pub beyond_repository: Vec<String>,
    /// Actions the repository grants that live does not.
    pub missing_from_live: Vec<String>,
}

/// One IAM user's credentials, never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEvidence {
    pub name: String,
    pub console_access: bool,
    pub mfa: bool,
    pub access_keys: Vec<KeyEvidence>,
    pub holds_policies: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEvidence {
    /// Last four characters of the key id.
    pub id_suffix: String,
    pub active: bool,
    pub age_days: Option<i64>,
    /// `None`: never used.
    pub last_used_days_ago: Option<i64>,
}

/// A role that an account outside the organization can assume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalTrust {
    pub role: String,
    pub principal: String,
    pub account: String,
    /// The `trusted_accounts` entry's name, when the account is listed.
    pub trusted_as: Option<String>,
}

/// The account's posture from live IAM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PostureEvidence {
    pub users: Vec<UserEvidence>,
    /// Roles the posture rules found unused.
    pub unused_roles: Vec<String>,
    pub external_trust: Vec<ExternalTrust>,
    pub findings: Vec<Finding>,
}

/// What live truth needs besides the account's live IAM.
pub struct LiveTruth<'a> {
    pub live: &'a warden_plan::live::LiveAccount,
    /// Posture findings of this account (`warden_lint::live_input::lint_live`).
    pub findings: Vec<Finding>,
    /// Ids of the organization's accounts.
    pub organization_accounts: &'a BTreeSet<String>,
    /// `trusted_accounts` of warden.yaml: id and name.
    pub trusted: &'a [(String, String)],
    /// `today` at 00:00 UTC, Unix seconds.
    pub now: i64,
}

/// Adds live truth to an account's evidence: each role's effective permissions computed from
/// its live documents (with what live grants beyond the repository), the users with console
/// access, MFA and key ages, unused roles, who outside the organization can assume what, and
/// the posture findings.
pub fn add_live_truth(
    evidence: &mut AccountEvidence,
    context: &EvidenceContext<'_>,
    truth: LiveTruth<'_>,
) {
    let live = truth.live;
    let ancestry = context.organization.ancestry(&evidence.account_id);
    let scp_documents: Vec<&warden_policy::PolicyDocument> = context
        .scps
        .iter()
        .filter(|scp| {
            scp.target_ids
                .iter()
                .any(|target| target == &evidence.account_id || ancestry.contains(target))
        })
        .map(|scp| &scp.document.parsed)
        .collect();
    let parse = |text: &str| warden_policy::parse_policy(text).ok();
    let managed_document = |arn: &str| -> Option<warden_policy::PolicyDocument> {
        match live.policies.iter().find(|policy| policy.arn == arn) {
            Some(policy) => parse(&policy.document),
            None => context
                .aws_managed
                .and_then(|all| all.get(arn))
                .map(|policy| policy.parsed.clone()),
        }
    };
    for role in &mut evidence.roles {
        let Some(live_role) = live.role(&role.name) else {
            continue;
        };
        let mut documents: Vec<warden_policy::PolicyDocument> = live_role
            .inline_policies
            .values()
            .filter_map(|text| parse(text))
            .collect();
        documents.extend(
            live_role
                .attached_policy_arns
                .iter()
                .filter_map(|arn| managed_document(arn)),
        );
        let boundary = live_role
            .permissions_boundary_arn
            .as_deref()
            .and_then(managed_document);
        let identity: Vec<&warden_policy::PolicyDocument> = documents.iter().collect();
        let effective = effective_actions(
            context.catalog,
            &identity,
            boundary.as_ref(),
            &scp_documents,
        );
        let repository: BTreeSet<&str> = role.granted_actions.iter().map(String::as_str).collect();
        let beyond: Vec<String> = effective
            .actions
            .keys()
            .filter(|action| !repository.contains(action.as_str()))
            .take(MAX_LISTED_ACTIONS)
            .cloned()
            .collect();
        let missing: Vec<String> = repository
            .iter()
            .filter(|action| !effective.actions.contains_key(**action))
            .take(MAX_LISTED_ACTIONS)
            .map(|action| (*action).to_string())
            .collect();
        let mut permissions = PermissionSummary::of(&effective.actions);
        permissions.unknown_patterns = effective.unknown_patterns;
        role.live_permissions = Some(LivePermissions {
            differs: !beyond.is_empty() || !missing.is_empty(),
            permissions,
            granted_actions: effective
                .actions
                .keys()
                .take(MAX_LISTED_ACTIONS)
                .cloned()
                .collect(),
            beyond_repository: beyond,
            missing_from_live: missing,
        });
    }
    // `now` is the start of `today`: something made later that day is 0 days old, not -1.
    let age = |timestamp: &str| {
        warden_plan::live::timestamp::age_days(timestamp, truth.now).map(|days| days.max(0))
    };
    let users = live
        .users
        .iter()
        .map(|user| UserEvidence {
            name: user.name.clone(),
            console_access: user.login_profile.is_some(),
            mfa: !user.mfa_devices.is_empty(),
            access_keys: user
                .access_keys
                .iter()
                .map(|key| KeyEvidence {
                    id_suffix: key.id_suffix.clone(),
                    active: key.status == warden_plan::live::KeyStatus::Active,
                    age_days: age(&key.created),
                    last_used_days_ago: key.last_used.as_ref().and_then(|used| age(&used.date)),
                })
                .collect(),
            holds_policies: !user.attached_policy_arns.is_empty()
                || !user.inline_policies.is_empty()
                || user.groups.iter().any(|name| {
                    live.group(name).is_some_and(|group| {
                        !group.attached_policy_arns.is_empty() || !group.inline_policies.is_empty()
                    })
                }),
        })
        .collect();
    let mut external_trust = Vec::new();
    for role in &live.roles {
        let Some(document) = parse(&role.trust_policy) else {
            continue;
        };
        for statement in &document.statements {
            let Some(warden_policy::PrincipalClause::Principal(warden_policy::Principal::Typed(
                typed,
            ))) = &statement.principal
            else {
                continue;
            };
            if statement.effect != warden_policy::Effect::Allow {
                continue;
            }
            for (kind, values) in typed {
                if *kind != warden_policy::PrincipalType::Aws {
                    continue;
                }
                for principal in values.iter() {
                    let account = if warden_policy::is_account_id(principal) {
                        principal.clone()
                    } else {
                        match warden_policy::Arn::parse(principal) {
                            Ok(arn) => arn.account,
                            Err(_) => continue,
                        }
                    };
                    if account.is_empty()
                        || account == live.account_id
                        || truth.organization_accounts.contains(&account)
                    {
                        continue;
                    }
                    external_trust.push(ExternalTrust {
                        role: role.name.clone(),
                        principal: principal.clone(),
                        trusted_as: truth
                            .trusted
                            .iter()
                            .find(|(id, _)| *id == account)
                            .map(|(_, name)| name.clone()),
                        account,
                    });
                }
            }
        }
    }
    let unused_roles = truth
        .findings
        .iter()
        .filter(|finding| finding.rule == "WL757")
        .filter_map(|finding| finding.principal.clone())
        .collect();
    evidence.posture = Some(PostureEvidence {
        users,
        unused_roles,
        external_trust,
        findings: truth.findings,
    });
}
