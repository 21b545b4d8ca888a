//! High-risk IAM events found in CloudTrail records (`cargo xtask events`), rendered as a
//! table, JSON or SARIF, and the EventBridge rules that raise the same alerts in AWS.
//!
//! Records come from `warden-generate`'s CloudTrail reader; this module only judges them.
//! Failed calls (an `errorCode`) changed nothing and are skipped. What an event pattern cannot
//! express (a policy document that grants `*`, a trust that widens compared to its previous
//! version) is judged here only; the EventBridge rule for it matches every such call.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};
use warden_generate::cloudtrail::TrailEvent;
use warden_policy::{ActionClause, Arn, Effect, PolicyDocument, PrincipalType};

/// The kinds of alerts, each with a stable id and kebab-case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    UserCreated,
    AccessKeyCreated,
    LoginProfileCreated,
    UserPolicyGranted,
    WildcardPolicy,
    BoundaryRemoved,
    TrustWidened,
    RootActivity,
    LeftOrganization,
    ScpDetached,
    OutOfBandChange,
    ScpOutOfBand,
}

/// How an alert ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertSeverity {
    Warning,
    Error,
}

impl AlertKind {
    pub const ALL: [AlertKind; 12] = [
        AlertKind::UserCreated,
        AlertKind::AccessKeyCreated,
        AlertKind::LoginProfileCreated,
        AlertKind::UserPolicyGranted,
        AlertKind::WildcardPolicy,
        AlertKind::BoundaryRemoved,
        AlertKind::TrustWidened,
        AlertKind::RootActivity,
        AlertKind::LeftOrganization,
        AlertKind::ScpDetached,
        AlertKind::OutOfBandChange,
        AlertKind::ScpOutOfBand,
    ];

    /// Stable id, `WE` and three digits; never reused.
    pub fn id(self) -> &'static str {
        match self {
            AlertKind::UserCreated => "WE101",
            AlertKind::AccessKeyCreated => "WE102",
            AlertKind::LoginProfileCreated => "WE103",
            AlertKind::UserPolicyGranted => "WE104",
            AlertKind::WildcardPolicy => "WE201",
            AlertKind::BoundaryRemoved => "WE202",
            AlertKind::TrustWidened => "WE203",
            AlertKind::RootActivity => "WE301",
            AlertKind::LeftOrganization => "WE302",
            AlertKind::ScpDetached => "WE303",
            AlertKind::OutOfBandChange => "WE401",
            AlertKind::ScpOutOfBand => "WE402",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AlertKind::UserCreated => "user-created",
            AlertKind::AccessKeyCreated => "access-key-created",
            AlertKind::LoginProfileCreated => "login-profile-created",
            AlertKind::UserPolicyGranted => "user-policy-granted",
            AlertKind::WildcardPolicy => "wildcard-policy",
            AlertKind::BoundaryRemoved => "boundary-removed",
            AlertKind::TrustWidened => "trust-widened",
            AlertKind::RootActivity => "root-activity",
            AlertKind::LeftOrganization => "left-organization",
            AlertKind::ScpDetached => "scp-detached",
            AlertKind::OutOfBandChange => "out-of-band-change",
            AlertKind::ScpOutOfBand => "scp-out-of-band-change",
        }
    }

    pub fn severity(self) -> AlertSeverity {
        match self {
            AlertKind::UserCreated
            | AlertKind::LoginProfileCreated
            | AlertKind::UserPolicyGranted => AlertSeverity::Warning,
            _ => AlertSeverity::Error,
        }
    }

    /// One line, lowercase.
    pub fn summary(self) -> &'static str {
        match self {
            AlertKind::UserCreated => "an IAM user was created: prefer roles",
            AlertKind::AccessKeyCreated => "a long-lived access key was created",
            AlertKind::LoginProfileCreated => "a user was given a console password",
            AlertKind::UserPolicyGranted => "a policy was attached to or put on a user",
            AlertKind::WildcardPolicy => "a policy granting `*` actions or resources was written",
            AlertKind::BoundaryRemoved => "a role's permission boundary was removed",
            AlertKind::TrustWidened => "a role's trust policy now admits more principals",
            AlertKind::RootActivity => "the root user signed in or made a call",
            AlertKind::LeftOrganization => "an account left or was removed from the organization",
            AlertKind::ScpDetached => "a service control policy was detached, deleted or disabled",
            AlertKind::OutOfBandChange => {
                "a Warden-managed object was changed by someone other than Warden"
            }
            AlertKind::ScpOutOfBand => {
                "a Warden-managed SCP was changed, attached, detached or deleted by someone other than Warden"
            }
        }
    }
}

/// What the judgement needs besides the records: who Warden is and what it manages.
#[derive(Debug, Clone, Default)]
pub struct EventsContext {
    /// The role Warden assumes in member accounts; its writes are not out of band.
    pub access_role_name: String,
    /// Names of roles Warden manages (from the definitions).
    pub managed_roles: BTreeSet<String>,
    /// Names of customer managed policies and boundaries Warden manages.
    pub managed_policies: BTreeSet<String>,
    /// Accounts of the organization, when known: a trust gaining any other account is called
    /// out as outside the organization.
    pub organization_accounts: BTreeSet<String>,
    /// Names of the SCPs Warden manages (from the definitions).
    pub managed_scps: BTreeSet<String>,
    /// SCP ids known to name SCPs (`p-…` → name), from a snapshot; the records add the ids
    /// that `CreatePolicy`, `UpdatePolicy` and `DescribePolicy` return.
    pub scp_names: BTreeMap<String, String>,
    /// Other roles whose sessions are Warden: the management account's CI role that writes
    /// SCPs (Organizations calls are not made through the access role).
    pub warden_roles: BTreeSet<String>,
}

impl EventsContext {
    /// Warden's access role and managed objects from the definitions; the organization's
    /// accounts (and the management account) when an inventory is given.
    pub fn from_definitions(
        definitions: &warden_spec::Definitions,
        organization: Option<&warden_spec::Organization>,
    ) -> EventsContext {
        let mut organization_accounts: BTreeSet<String> = organization
            .map(|org| {
                org.accounts
                    .iter()
                    .map(|account| account.id.clone())
                    .collect()
            })
            .unwrap_or_default();
        if organization.is_some() {
            organization_accounts.insert(definitions.config.management_account_id.clone());
        }
        EventsContext {
            access_role_name: definitions.config.access_role_name.clone(),
            managed_roles: definitions
                .roles
                .iter()
                .map(|role| role.name.clone())
                .collect(),
            managed_policies: definitions
                .managed_policies
                .iter()
                .chain(&definitions.boundaries)
                .map(|policy| policy.name.clone())
                .collect(),
            organization_accounts,
            managed_scps: definitions
                .scps
                .iter()
                .map(|scp| scp.name.clone())
                .collect(),
            scp_names: BTreeMap::new(),
            warden_roles: BTreeSet::new(),
        }
    }

    /// True when a session of Warden's access role or of one of `warden_roles` made the call.
    fn by_warden(&self, event: &TrailEvent) -> bool {
        by_access_role(event, &self.access_role_name)
            || self
                .warden_roles
                .iter()
                .any(|role| by_access_role(event, role))
    }
}

/// One high-risk event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: AlertSeverity,
    pub time: String,
    pub account: Option<String>,
    pub region: String,
    /// Who made the call: the role for assumed-role sessions, else the identity's ARN or type.
    pub actor: String,
    pub event: String,
    /// The user, role, policy or target the event concerns.
    pub target: String,
    /// Lowercase, names in backticks.
    pub message: String,
}

/// Every alert in `events`, oldest first. Trust widening compares each role's trust with the
/// previous version the records hold (`CreateRole` or an earlier `UpdateAssumeRolePolicy`).
pub fn detect(events: &[TrailEvent], cx: &EventsContext) -> Vec<Alert> {
    let mut ordered: Vec<&TrailEvent> = events
        .iter()
        .filter(|event| event.error_code.is_none())
        .collect();
    ordered.sort_by(|a, b| a.event_time.cmp(&b.event_time));
    let mut trusts: BTreeMap<(String, String), PolicyDocument> = BTreeMap::new();
    let mut scp_names = cx.scp_names.clone();
    let mut alerts = Vec::new();
    for event in ordered {
        judge(event, cx, &mut trusts, &scp_names, &mut alerts);
        // Learned after judging: a rename by `UpdatePolicy` is judged under the old name.
        if let Some((id, name)) = returned_scp(event) {
            scp_names.insert(id, name);
        }
    }
    alerts
}

/// The SCP id and name an Organizations `CreatePolicy`, `UpdatePolicy` or `DescribePolicy`
/// returned (`responseElements.policy.policySummary`).
/// https://docs.aws.amazon.com/organizations/latest/APIReference/API_PolicySummary.html
fn returned_scp(event: &TrailEvent) -> Option<(String, String)> {
    if event.event_source != "organizations.amazonaws.com"
        || !matches!(
            event.event_name.as_str(),
            "CreatePolicy" | "UpdatePolicy" | "DescribePolicy"
        )
    {
        return None;
    }
    let summary = event
        .response_elements
        .as_ref()?
        .get("policy")?
        .get("policySummary")?;
    let id = summary.get("id")?.as_str()?;
    let name = summary.get("name")?.as_str()?;
    Some((id.to_string(), name.to_string()))
}

fn judge(
    event: &TrailEvent,
    cx: &EventsContext,
    trusts: &mut BTreeMap<(String, String), PolicyDocument>,
    scp_names: &BTreeMap<String, String>,
    alerts: &mut Vec<Alert>,
) {
    let name = event.event_name.as_str();
    let source = event.event_source.as_str();
    let mut push = |kind: AlertKind, target: String, message: String| {
        alerts.push(Alert {
            id: kind.id(),
            name: kind.name(),
            severity: kind.severity(),
            time: event.event_time.clone(),
            account: account_of(event),
            region: event.aws_region.clone(),
            actor: actor(event),
            event: name.to_string(),
            target,
            message,
        });
    };
    if event.user_identity.identity_type == "Root" {
        let message = if name == "ConsoleLogin" {
            "the root user signed in to the console".to_string()
        } else {
            format!("the root user called `{source}` `{name}`")
        };
        push(AlertKind::RootActivity, "root".to_string(), message);
    }
    match (source, name) {
        ("iam.amazonaws.com", "CreateUser") => {
            let user = param(event, "userName");
            push(
                AlertKind::UserCreated,
                user.clone(),
                format!("user `{user}` was created"),
            );
        }
        ("iam.amazonaws.com", "CreateAccessKey") => {
            // Without `userName` the key is the caller's own (the root's, for a root call).
            let user = param_opt(event, "userName").unwrap_or_else(|| actor(event));
            push(
                AlertKind::AccessKeyCreated,
                user.clone(),
                format!("an access key was created for `{user}`"),
            );
        }
        ("iam.amazonaws.com", "CreateLoginProfile") => {
            let user = param(event, "userName");
            push(
                AlertKind::LoginProfileCreated,
                user.clone(),
                format!("user `{user}` was given a console password"),
            );
        }
        ("iam.amazonaws.com", "AttachUserPolicy" | "PutUserPolicy") => {
            let user = param(event, "userName");
            let policy = param_opt(event, "policyArn")
                .or_else(|| param_opt(event, "policyName"))
                .unwrap_or_default();
            push(
                AlertKind::UserPolicyGranted,
                user.clone(),
                format!("policy `{policy}` was given to user `{user}`: grant roles instead"),
            );
        }
        ("iam.amazonaws.com", "DeleteRolePermissionsBoundary") => {
            let role = param(event, "roleName");
            push(
                AlertKind::BoundaryRemoved,
                role.clone(),
                format!("the permission boundary of role `{role}` was removed"),
            );
        }
        _ => {}
    }
    if source == "iam.amazonaws.com"
        && matches!(
            name,
            "PutRolePolicy"
                | "PutUserPolicy"
                | "PutGroupPolicy"
                | "CreatePolicy"
                | "CreatePolicyVersion"
        )
        && let Some(document) = request_document(event, "policyDocument")
    {
        let wildcards = wildcard_grants(&document);
        if !wildcards.is_empty() {
            let target = param_opt(event, "roleName")
                .or_else(|| param_opt(event, "userName"))
                .or_else(|| param_opt(event, "groupName"))
                .or_else(|| param_opt(event, "policyArn"))
                .or_else(|| param_opt(event, "policyName"))
                .unwrap_or_default();
            push(
                AlertKind::WildcardPolicy,
                target.clone(),
                format!(
                    "`{name}` on `{target}` allows {}",
                    wildcards
                        .iter()
                        .map(|item| format!("`{item}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    if source == "iam.amazonaws.com" && matches!(name, "CreateRole" | "UpdateAssumeRolePolicy") {
        let field = if name == "CreateRole" {
            "assumeRolePolicyDocument"
        } else {
            "policyDocument"
        };
        let role = param(event, "roleName");
        if let Some(document) = request_document(event, field) {
            let key = (account_of(event).unwrap_or_default(), role.clone());
            if name == "UpdateAssumeRolePolicy" {
                let gained = widened(trusts.get(&key), &document);
                if !gained.is_empty() {
                    let outside = outside_accounts(&gained, cx);
                    let mut message = match trusts.get(&key) {
                        Some(_) => format!(
                            "the trust of role `{role}` now also admits {}",
                            quoted(&gained)
                        ),
                        None => format!(
                            "the trust of role `{role}` was replaced (no earlier version in these records); it admits {}",
                            quoted(&gained)
                        ),
                    };
                    if !outside.is_empty() {
                        message
                            .push_str(&format!("; outside the organization: {}", quoted(&outside)));
                    }
                    push(AlertKind::TrustWidened, role.clone(), message);
                }
            }
            trusts.insert(key, document);
        }
    }
    if source == "organizations.amazonaws.com" {
        match name {
            "LeaveOrganization" => push(
                AlertKind::LeftOrganization,
                account_of(event).unwrap_or_default(),
                "the account left the organization: its SCPs no longer apply".to_string(),
            ),
            "RemoveAccountFromOrganization" => {
                let account = param(event, "accountId");
                push(
                    AlertKind::LeftOrganization,
                    account.clone(),
                    format!("account `{account}` was removed from the organization"),
                );
            }
            "DetachPolicy" | "DeletePolicy" => {
                let policy = param(event, "policyId");
                let named = match scp_names.get(&policy) {
                    Some(name) => format!("`{name}` (`{policy}`)"),
                    None => format!("`{policy}`"),
                };
                let target = param_opt(event, "targetId");
                let message = match &target {
                    Some(target) => format!("policy {named} was detached from `{target}`"),
                    None => format!("policy {named} was deleted"),
                };
                push(AlertKind::ScpDetached, policy, message);
            }
            "DisablePolicyType" => {
                let kind = param(event, "policyType");
                if kind == "SERVICE_CONTROL_POLICY" {
                    let root = param(event, "rootId");
                    push(
                        AlertKind::ScpDetached,
                        root.clone(),
                        format!("service control policies were disabled on `{root}`"),
                    );
                }
            }
            _ => {}
        }
    }
    // Organizations writes to a managed SCP by anyone but Warden (the access role or the CI
    // role that applies SCPs): the requests name the policy by id only.
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_cloudtrail-integration.html
    if source == "organizations.amazonaws.com"
        && matches!(
            name,
            "UpdatePolicy" | "AttachPolicy" | "DetachPolicy" | "DeletePolicy"
        )
        && !cx.by_warden(event)
        && let Some(id) = param_opt(event, "policyId")
        && let Some(scp) = scp_names
            .get(&id)
            .filter(|scp| cx.managed_scps.contains(*scp))
    {
        push(
            AlertKind::ScpOutOfBand,
            scp.clone(),
            format!(
                "`{name}` changed Warden-managed SCP `{scp}` (`{id}`) outside Warden: run `cargo xtask drift`"
            ),
        );
    }
    if source == "iam.amazonaws.com"
        && is_write(name)
        && !by_access_role(event, &cx.access_role_name)
        && let Some((kind, object)) = managed_target(event, cx)
    {
        push(
            AlertKind::OutOfBandChange,
            object.clone(),
            format!(
                "`{name}` changed Warden-managed {kind} `{object}` outside Warden: run `cargo xtask drift`"
            ),
        );
    }
}

/// IAM calls that change something (read calls are `Get…`, `List…`, `Generate…`, `Simulate…`).
fn is_write(name: &str) -> bool {
    const PREFIXES: [&str; 13] = [
        "Create", "Delete", "Put", "Attach", "Detach", "Update", "Tag", "Untag", "Set", "Add",
        "Remove", "Upload", "Change",
    ];
    PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

/// The Warden-managed role or policy the call names, if any.
fn managed_target(event: &TrailEvent, cx: &EventsContext) -> Option<(&'static str, String)> {
    if let Some(role) = param_opt(event, "roleName")
        && cx.managed_roles.contains(&role)
    {
        return Some(("role", role));
    }
    let policy_arn =
        param_opt(event, "policyArn").or_else(|| param_opt(event, "permissionsBoundary"));
    if let Some(arn) = policy_arn
        && let Ok(parsed) = Arn::parse(&arn)
        && parsed.account != "aws"
        && let Some((_, name)) = parsed.iam_path_and_name()
        && cx.managed_policies.contains(name)
    {
        // Attaching a managed policy to a user is a change to the user, not to the policy.
        if matches!(
            event.event_name.as_str(),
            "CreatePolicyVersion"
                | "DeletePolicy"
                | "DeletePolicyVersion"
                | "SetDefaultPolicyVersion"
                | "TagPolicy"
                | "UntagPolicy"
        ) {
            return Some(("policy", name.to_string()));
        }
    }
    None
}

/// True when the call was made by a session of Warden's access role.
fn by_access_role(event: &TrailEvent, access_role: &str) -> bool {
    if access_role.is_empty() {
        return false;
    }
    event
        .user_identity
        .session_context
        .as_ref()
        .and_then(|context| context.session_issuer.as_ref())
        .and_then(|issuer| issuer.arn.as_deref())
        .and_then(|arn| Arn::parse(arn).ok())
        .is_some_and(|arn| {
            arn.iam_path_and_name()
                .is_some_and(|(_, name)| name.eq_ignore_ascii_case(access_role))
        })
}

fn account_of(event: &TrailEvent) -> Option<String> {
    event
        .recipient_account_id
        .clone()
        .or_else(|| event.user_identity.account_id.clone())
}

/// The role behind an assumed-role session, else the identity's ARN, else its type.
fn actor(event: &TrailEvent) -> String {
    let identity = &event.user_identity;
    identity
        .session_context
        .as_ref()
        .and_then(|context| context.session_issuer.as_ref())
        .and_then(|issuer| issuer.arn.clone())
        .or_else(|| identity.arn.clone())
        .unwrap_or_else(|| identity.identity_type.clone())
}

fn param_opt(event: &TrailEvent, key: &str) -> Option<String> {
    event
        .request_parameters
        .as_ref()
        .and_then(|params| params.get(key))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn param(event: &TrailEvent, key: &str) -> String {
    param_opt(event, key).unwrap_or_else(|| "?".to_string())
}

/// A policy document in the request parameters (CloudTrail logs it as sent, sometimes
/// URL-encoded).
fn request_document(event: &TrailEvent, key: &str) -> Option<PolicyDocument> {
    let raw = param_opt(event, key)?;
    let text = warden_policy::decode_document(&raw).ok()?;
    warden_policy::parse_policy(&text).ok()
}

/// `*` grants of `Allow` statements: action patterns that are `*` or a whole service
/// (`s3:*`), any `NotAction`, and `Resource: "*"`.
fn wildcard_grants(document: &PolicyDocument) -> Vec<String> {
    let mut found = BTreeSet::new();
    for statement in &document.statements {
        if statement.effect != Effect::Allow {
            continue;
        }
        match &statement.action {
            ActionClause::Action(actions) => {
                for action in actions.iter() {
                    if action == "*" || action.ends_with(":*") {
                        found.insert(format!("Action {action}"));
                    }
                }
            }
            ActionClause::NotAction(_) => {
                found.insert("NotAction".to_string());
            }
        }
        if let Some(warden_policy::ResourceClause::Resource(resources)) = &statement.resource
            && resources.iter().any(|resource| resource == "*")
        {
            found.insert("Resource *".to_string());
        }
    }
    found.into_iter().collect()
}

/// Principals (`TYPE id`) and removed conditions the new trust has and the old did not; with
/// no old version, every principal of the new one.
fn widened(old: Option<&PolicyDocument>, new: &PolicyDocument) -> Vec<String> {
    match old {
        Some(old) => {
            let diff = warden_policy::diff(old, new);
            let mut gained = diff.allow.principals_gained.clone();
            gained.extend(
                diff.allow
                    .conditions_removed
                    .iter()
                    .map(|condition| format!("no longer `{condition}`")),
            );
            gained.extend(
                diff.deny
                    .principals_lost
                    .iter()
                    .map(|p| format!("no longer denied {p}")),
            );
            gained
        }
        None => {
            let mut all = Vec::new();
            for statement in &new.statements {
                if statement.effect != Effect::Allow {
                    continue;
                }
                match &statement.principal {
                    Some(warden_policy::PrincipalClause::Principal(
                        warden_policy::Principal::Any,
                    )) => {
                        all.push("*".to_string());
                    }
                    Some(warden_policy::PrincipalClause::Principal(
                        warden_policy::Principal::Typed(typed),
                    )) => {
                        for (kind, values) in typed {
                            for value in values.iter() {
                                all.push(format!("{} {value}", kind.as_str()));
                            }
                        }
                    }
                    Some(warden_policy::PrincipalClause::NotPrincipal(_)) => {
                        all.push("NotPrincipal".to_string());
                    }
                    None => {}
                }
            }
            all
        }
    }
}

/// Accounts named by `AWS` principals among `gained` that are not the organization's (every
/// named account when the organization is not known), plus `*`.
fn outside_accounts(gained: &[String], cx: &EventsContext) -> Vec<String> {
    let aws = format!("{} ", PrincipalType::Aws.as_str());
    let mut outside = BTreeSet::new();
    for item in gained {
        if item == "*" || item == "AWS *" {
            outside.insert("*".to_string());
            continue;
        }
        let Some(principal) = item.strip_prefix(&aws) else {
            continue;
        };
        let account = if warden_policy::is_account_id(principal) {
            Some(principal.to_string())
        } else {
            Arn::parse(principal).ok().map(|arn| arn.account)
        };
        if let Some(account) = account
            && !cx.organization_accounts.contains(&account)
        {
            outside.insert(account);
        }
    }
    outside.into_iter().collect()
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A table for people: one line per alert, then a count.
pub fn render_table(alerts: &[Alert]) -> String {
    let mut out = String::new();
    for alert in alerts {
        out.push_str(&format!(
            "{} {} {:<7} {} {} {}: {}\n",
            alert.time,
            alert.account.as_deref().unwrap_or("-"),
            match alert.severity {
                AlertSeverity::Error => "error",
                AlertSeverity::Warning => "warning",
            },
            alert.id,
            alert.name,
            alert.actor,
            alert.message
        ));
    }
    let errors = alerts
        .iter()
        .filter(|alert| alert.severity == AlertSeverity::Error)
        .count();
    out.push_str(&format!(
        "{} high-risk events ({errors} errors, {} warnings)\n",
        alerts.len(),
        alerts.len() - errors
    ));
    out
}

/// JSON for tools: every alert and the counts.
pub fn render_json(alerts: &[Alert]) -> String {
    let errors = alerts
        .iter()
        .filter(|alert| alert.severity == AlertSeverity::Error)
        .count();
    let report = json!({
        "alerts": alerts,
        "summary": {"errors": errors, "warnings": alerts.len() - errors},
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

/// SARIF 2.1.0 in the shape GitHub code scanning reads: every alert kind as a rule with its
/// descriptions, `security-severity` and tags; results carry no file location (an event is not
/// in the repository) but the account, actor and time in the message, and a fingerprint of the
/// event so re-uploads of the same logs do not duplicate alerts.
pub fn render_sarif(alerts: &[Alert]) -> String {
    let rules: Vec<Value> = AlertKind::ALL
        .iter()
        .map(|kind| {
            json!({
                "id": kind.id(),
                "name": kind.name(),
                "shortDescription": {"text": kind.summary()},
                "fullDescription": {"text": kind.summary()},
                "help": {"text": kind.summary(), "markdown": kind.summary()},
                "helpUri": "https://github.com/warden-iam/warden/blob/main/crates/report/src/events.rs",
                "defaultConfiguration": {"level": sarif_level(kind.severity())},
                "properties": {
                    "tags": ["security", "iam", "cloudtrail"],
                    "security-severity": match kind.severity() {
                        AlertSeverity::Error => "8.0",
                        AlertSeverity::Warning => "5.0",
                    },
                    "precision": "high",
                },
            })
        })
        .collect();
    let results: Vec<Value> = alerts
        .iter()
        .map(|alert| {
            json!({
                "ruleId": alert.id,
                "ruleIndex": AlertKind::ALL
                    .iter()
                    .position(|kind| kind.id() == alert.id)
                    .unwrap_or_default(),
                "level": sarif_level(alert.severity),
                "message": {"text": format!(
                    "{} (account {}, by {}, at {})",
                    alert.message,
                    alert.account.as_deref().unwrap_or("-"),
                    alert.actor,
                    alert.time
                )},
                "partialFingerprints": {"wardenEvent/v1": format!(
                    "{}/{}/{}/{}/{}",
                    alert.id,
                    alert.account.as_deref().unwrap_or("-"),
                    alert.time,
                    alert.event,
                    alert.target
                )},
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "warden-events",
                "informationUri": "https://github.com/warden-iam/warden",
                "version": crate::WARDEN_VERSION,
                "rules": rules,
            }},
            "automationDetails": {"id": "warden-events/"},
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

fn sarif_level(severity: AlertSeverity) -> &'static str {
    match severity {
        AlertSeverity::Error => "error",
        AlertSeverity::Warning => "warning",
    }
}

/// The EventBridge rules that raise the same alerts in AWS, as a CloudFormation template with
/// one `AWS::Events::Rule` per alert kind, each sending to the SNS topic given as the
/// `AlertTopicArn` parameter.
///
/// IAM and Organizations are global services whose CloudTrail events reach EventBridge in
/// US East (N. Virginia) only, and a trail must log management events there: deploy the stack
/// in `us-east-1` of every account (a StackSet), or of the management account with an
/// organization trail.
/// https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-iam.html
/// https://repost.aws/knowledge-center/iam-eventbridge-sns-rule
pub fn eventbridge_template(cx: &EventsContext) -> String {
    let mut resources = serde_json::Map::new();
    for kind in AlertKind::ALL {
        let Some(pattern) = event_pattern(kind, cx) else {
            continue;
        };
        let logical = format!(
            "Warden{}",
            kind.name()
                .split('-')
                .map(|word| {
                    let mut chars = word.chars();
                    chars.next().map_or_else(String::new, |first| {
                        first.to_ascii_uppercase().to_string() + chars.as_str()
                    })
                })
                .collect::<String>()
        );
        resources.insert(
            logical.clone(),
            json!({
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Name": format!("warden-{}", kind.name()),
                    "Description": format!("{} {}: {}", kind.id(), kind.name(), kind.summary()),
                    "State": "ENABLED",
                    "EventPattern": pattern,
                    "Targets": [{"Id": "alert-topic", "Arn": {"Ref": "AlertTopicArn"}}],
                }
            }),
        );
    }
    let template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Warden high-risk IAM event alerts (generated by `cargo xtask events --eventbridge-out`); deploy in us-east-1",
        "Parameters": {
            "AlertTopicArn": {
                "Type": "String",
                "Description": "SNS topic that receives the alerts (its policy must allow events.amazonaws.com to publish)"
            }
        },
        "Resources": Value::Object(resources),
    });
    let mut text = serde_json::to_string_pretty(&template).unwrap_or_default();
    text.push('\n');
    text
}

fn api_call(source: &str, event_source: &str, names: &[&str]) -> Value {
    json!({
        "source": [source],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": [event_source], "eventName": names},
    })
}

/// The pattern of one alert kind; `None` when nothing in AWS can match it (out-of-band change
/// with no managed object known).
fn event_pattern(kind: AlertKind, cx: &EventsContext) -> Option<Value> {
    let iam = |names: &[&str]| api_call("aws.iam", "iam.amazonaws.com", names);
    let organizations =
        |names: &[&str]| api_call("aws.organizations", "organizations.amazonaws.com", names);
    Some(match kind {
        AlertKind::UserCreated => iam(&["CreateUser"]),
        AlertKind::AccessKeyCreated => iam(&["CreateAccessKey"]),
        AlertKind::LoginProfileCreated => iam(&["CreateLoginProfile"]),
        AlertKind::UserPolicyGranted => iam(&["AttachUserPolicy", "PutUserPolicy"]),
        // A pattern cannot parse the document: every policy write alerts, Warden judges `*`.
        AlertKind::WildcardPolicy => iam(&[
            "PutRolePolicy",
            "PutUserPolicy",
            "PutGroupPolicy",
            "CreatePolicy",
            "CreatePolicyVersion",
        ]),
        AlertKind::BoundaryRemoved => iam(&["DeleteRolePermissionsBoundary"]),
        AlertKind::TrustWidened => iam(&["UpdateAssumeRolePolicy"]),
        AlertKind::RootActivity => json!({
            "detail-type": ["AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"],
            "detail": {"userIdentity": {"type": ["Root"]}},
        }),
        AlertKind::LeftOrganization => {
            organizations(&["LeaveOrganization", "RemoveAccountFromOrganization"])
        }
        AlertKind::ScpDetached => {
            organizations(&["DetachPolicy", "DeletePolicy", "DisablePolicyType"])
        }
        AlertKind::OutOfBandChange => {
            if cx.managed_roles.is_empty() {
                return None;
            }
            let mut pattern = json!({
                "source": ["aws.iam"],
                "detail-type": ["AWS API Call via CloudTrail"],
                "detail": {
                    "eventSource": ["iam.amazonaws.com"],
                    "readOnly": [false],
                    "requestParameters": {"roleName": cx.managed_roles.iter().collect::<Vec<_>>()},
                },
            });
            if !cx.access_role_name.is_empty()
                && let Some(detail) = pattern.get_mut("detail").and_then(Value::as_object_mut)
            {
                detail.insert(
                    "userIdentity".to_string(),
                    json!({"sessionContext": {"sessionIssuer": {"userName": [{"anything-but": cx.access_role_name}]}}}),
                );
            }
            pattern
        }
        AlertKind::ScpOutOfBand => {
            let ids: Vec<&String> = cx
                .scp_names
                .iter()
                .filter(|(_, name)| cx.managed_scps.contains(*name))
                .map(|(id, _)| id)
                .collect();
            if ids.is_empty() {
                return None;
            }
            let mut warden: Vec<&String> = cx.warden_roles.iter().collect();
            if !cx.access_role_name.is_empty() {
                warden.push(&cx.access_role_name);
            }
            let mut pattern = organizations(&[
                "UpdatePolicy",
                "AttachPolicy",
                "DetachPolicy",
                "DeletePolicy",
            ]);
            if let Some(detail) = pattern.get_mut("detail").and_then(Value::as_object_mut) {
                detail.insert("requestParameters".to_string(), json!({"policyId": ids}));
                // Sessions of other roles, or callers that are no role session at all (root,
                // IAM users), whose records have no session issuer for `anything-but` to test.
                // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
                if !warden.is_empty() {
                    detail.insert(
                        "$or".to_string(),
                        json!([
                            {"userIdentity": {"sessionContext": {"sessionIssuer": {"userName": [{"anything-but": warden}]}}}},
                            {"userIdentity": {"type": [{"anything-but": "AssumedRole"}]}},
                        ]),
                    );
                }
            }
            pattern
        }
    })
}

#[cfg(test)]
mod tests;
