//! Policies compiled into matchers: lowercased action patterns, pre-tokenized resources,
//! normalized principals, compiled conditions, and a per-service index of statements.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use warden_policy::{
    ActionClause, Arn, Effect, PolicyDocument, Principal, PrincipalClause, PrincipalType,
    ResourceClause, Statement, Version, is_account_id,
};

use crate::condition::{CompiledCondition, ConditionIssue};
use crate::pattern::{Matcher, Pattern};
use crate::request::{PrincipalIdentity, PrincipalKind, Request};

/// How a resource-policy statement names the requesting principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum GrantKind {
    /// The account (`ID` or `arn:aws:iam::ID:root`): delegates to the account's identity policies.
    Account,
    /// The role ARN behind a role session (or the IAM user behind a federated user): capped by
    /// the permissions boundary and the session policy like an identity-based grant.
    Underlying,
    /// The principal itself (user ARN, session ARN, service, `*`): not capped.
    Direct,
}

#[derive(Debug, Clone, Default)]
struct PrincipalSet {
    /// `"Principal": "*"`: everyone, services included.
    everyone: bool,
    /// `{"AWS": "*"}`: every AWS principal.
    any_aws: bool,
    accounts: Box<[Box<str>]>,
    arns: Box<[Box<str>]>,
    services: Box<[Box<str>]>,
    federated: Box<[Box<str>]>,
    canonical: Box<[Box<str>]>,
}

#[derive(Debug, Clone)]
enum PrincipalMatch {
    /// Identity policies, boundaries, session policies and SCPs: no `Principal`.
    NotChecked,
    Principal(PrincipalSet),
    NotPrincipal(PrincipalSet),
    /// A resource-policy statement without `Principal`: never applies.
    Missing,
}

#[derive(Debug, Clone)]
enum ActionMatch {
    Action(Box<[Pattern]>),
    NotAction(Box<[Pattern]>),
}

#[derive(Debug, Clone)]
enum ResourceMatch {
    /// No `Resource` (trust policies): the resource the policy is attached to.
    Any,
    Resource(Box<[Matcher]>),
    NotResource(Box<[Matcher]>),
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledStatement {
    pub(crate) effect: Effect,
    /// `Sid`, or `#index` (0-based) when there is none.
    pub(crate) name: Box<str>,
    principal: PrincipalMatch,
    action: ActionMatch,
    resource: ResourceMatch,
    condition: CompiledCondition,
}

/// One compiled policy document with its label.
#[derive(Debug, Clone)]
pub(crate) struct CompiledPolicy {
    pub(crate) label: Box<str>,
    pub(crate) statements: Box<[CompiledStatement]>,
}

/// Something in a policy the engine could not fully interpret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub policy: String,
    pub statement: String,
    pub message: String,
}

/// Whether a layer reads `Principal` (resource policies, RCPs) or ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalMode {
    Ignore,
    Require,
}

impl CompiledPolicy {
    pub(crate) fn compile(
        label: &str,
        document: &PolicyDocument,
        mode: PrincipalMode,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> CompiledPolicy {
        // Policy variables only exist in version 2012-10-17; otherwise `${…}` is literal text.
        let variables = document.version == Some(Version::V2012_10_17);
        let statements = document
            .statements
            .iter()
            .enumerate()
            .map(|(index, statement)| {
                compile_statement(label, index, statement, mode, variables, diagnostics)
            })
            .collect();
        CompiledPolicy {
            label: label.into(),
            statements,
        }
    }
}

fn compile_statement(
    label: &str,
    index: usize,
    statement: &Statement,
    mode: PrincipalMode,
    variables: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> CompiledStatement {
    let name: Box<str> = match &statement.sid {
        Some(sid) if !sid.is_empty() => sid.as_str().into(),
        _ => format!("#{index}").into(),
    };
    let mut issues = Vec::new();
    let condition = match &statement.condition {
        Some(condition) => CompiledCondition::compile(condition, variables, &mut issues),
        None => CompiledCondition::default(),
    };
    for issue in issues {
        let message = match issue {
            ConditionIssue::UnknownOperator(operator) => {
                format!("unknown condition operator `{operator}`: the condition never matches")
            }
            ConditionIssue::BadValue { operator, value } => {
                format!("value `{value}` is not valid for `{operator}`: it never matches")
            }
        };
        diagnostics.push(Diagnostic {
            policy: label.into(),
            statement: name.to_string(),
            message,
        });
    }
    let principal = match (mode, &statement.principal) {
        (PrincipalMode::Ignore, _) => PrincipalMatch::NotChecked,
        (PrincipalMode::Require, None) => {
            diagnostics.push(Diagnostic {
                policy: label.into(),
                statement: name.to_string(),
                message: "statement has no `Principal`: it never applies".into(),
            });
            PrincipalMatch::Missing
        }
        (PrincipalMode::Require, Some(PrincipalClause::Principal(p))) => {
            PrincipalMatch::Principal(compile_principal(p))
        }
        (PrincipalMode::Require, Some(PrincipalClause::NotPrincipal(p))) => {
            PrincipalMatch::NotPrincipal(compile_principal(p))
        }
    };
    let action_patterns = |values: &warden_policy::Values| -> Box<[Pattern]> {
        values
            .iter()
            .map(|action| Pattern::compile(action, true, true))
            .collect()
    };
    let action = match &statement.action {
        ActionClause::Action(values) => ActionMatch::Action(action_patterns(values)),
        ActionClause::NotAction(values) => ActionMatch::NotAction(action_patterns(values)),
    };
    let resource_matchers = |values: &warden_policy::Values| -> Box<[Matcher]> {
        values
            .iter()
            .map(|resource| Matcher::compile(resource, true, false, variables))
            .collect()
    };
    let resource = match &statement.resource {
        None => ResourceMatch::Any,
        Some(ResourceClause::Resource(values)) => {
            ResourceMatch::Resource(resource_matchers(values))
        }
        Some(ResourceClause::NotResource(values)) => {
            ResourceMatch::NotResource(resource_matchers(values))
        }
    };
    CompiledStatement {
        effect: statement.effect,
        name,
        principal,
        action,
        resource,
        condition,
    }
}

fn compile_principal(principal: &Principal) -> PrincipalSet {
    let mut set = PrincipalSet::default();
    let Principal::Typed(entries) = principal else {
        set.everyone = true;
        return set;
    };
    let (mut accounts, mut arns, mut services, mut federated, mut canonical) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (kind, values) in entries {
        for value in values.iter() {
            let value = value.trim();
            match kind {
                PrincipalType::Aws if value == "*" => set.any_aws = true,
                PrincipalType::Aws => match account_of_root(value) {
                    Some(account) => accounts.push(account.into()),
                    None => arns.push(value.into()),
                },
                PrincipalType::Service => services.push(value.to_ascii_lowercase().into()),
                PrincipalType::Federated => federated.push(value.into()),
                PrincipalType::CanonicalUser => canonical.push(value.into()),
            }
        }
    }
    set.accounts = accounts.into_boxed_slice();
    set.arns = arns.into_boxed_slice();
    set.services = services.into_boxed_slice();
    set.federated = federated.into_boxed_slice();
    set.canonical = canonical.into_boxed_slice();
    set
}

/// `123456789012` or `arn:<partition>:iam::123456789012:root` → the account id.
fn account_of_root(value: &str) -> Option<String> {
    if is_account_id(value) {
        return Some(value.to_owned());
    }
    let arn = Arn::parse(value).ok()?;
    (arn.service == "iam"
        && arn.region.is_empty()
        && arn.resource == "root"
        && is_account_id(&arn.account))
    .then_some(arn.account)
}

impl PrincipalSet {
    /// The strongest way this set names the principal, if at all.
    fn grant_for(&self, principal: &PrincipalIdentity) -> Option<GrantKind> {
        if self.everyone {
            return Some(GrantKind::Direct);
        }
        match principal.kind {
            // `{"AWS": "*"}` is the same as `"*"`: both admit anonymous callers.
            PrincipalKind::Anonymous => return self.any_aws.then_some(GrantKind::Direct),
            PrincipalKind::Service => {
                let lowered = principal.arn.to_ascii_lowercase();
                return self
                    .services
                    .iter()
                    .any(|s| **s == *lowered)
                    .then_some(GrantKind::Direct);
            }
            PrincipalKind::Federated => {
                return self
                    .federated
                    .iter()
                    .any(|f| **f == *principal.arn)
                    .then_some(GrantKind::Direct);
            }
            _ => {}
        }
        if self.any_aws || self.arns.iter().any(|arn| **arn == *principal.arn) {
            // A role named by its ARN is reached through sessions: capped like identity grants.
            if principal.kind == PrincipalKind::Role && !self.any_aws {
                return Some(GrantKind::Underlying);
            }
            return Some(GrantKind::Direct);
        }
        if self.names_underlying(principal) {
            return Some(GrantKind::Underlying);
        }
        let account = principal.account.as_deref()?;
        if self.accounts.iter().any(|a| **a == *account) {
            if principal.kind == PrincipalKind::Account {
                return Some(GrantKind::Direct);
            }
            return Some(GrantKind::Account);
        }
        None
    }

    fn names_underlying(&self, principal: &PrincipalIdentity) -> bool {
        let Some(underlying) = principal.underlying.as_deref() else {
            return false;
        };
        if self.arns.iter().any(|arn| **arn == *underlying) {
            return true;
        }
        // A session ARN has no role path: match `role/any/path/Name` in the same account.
        let (Some(role_name), Some(account)) = (&principal.role_name, &principal.account) else {
            return false;
        };
        let name = role_name.trim_start_matches("role/");
        self.arns.iter().any(|arn| {
            let Some(warden_policy::arn::ArnRef {
                service: "iam",
                account: arn_account,
                resource,
                ..
            }) = warden_policy::arn::ArnRef::parse(arn)
            else {
                return false;
            };
            arn_account == &**account
                && resource.starts_with("role/")
                && resource.rsplit('/').next() == Some(name)
        })
    }

    /// Is every identity of the principal (itself, its role or user, its account) listed?
    /// `NotPrincipal` with `Deny` applies unless all are.
    fn lists_all_identities(&self, principal: &PrincipalIdentity) -> bool {
        match principal.kind {
            PrincipalKind::Service | PrincipalKind::Federated | PrincipalKind::Anonymous => {
                self.grant_for(principal).is_some()
            }
            PrincipalKind::Account => {
                let account = principal.account.as_deref().unwrap_or_default();
                self.any_aws || self.accounts.iter().any(|a| **a == *account)
            }
            _ => {
                let itself = self.any_aws || self.arns.iter().any(|arn| **arn == *principal.arn);
                let underlying = principal.underlying.is_none() || self.names_underlying(principal);
                let account = match principal.account.as_deref() {
                    Some(account) => self.accounts.iter().any(|a| **a == *account),
                    None => true,
                };
                itself && underlying && (account || self.any_aws)
            }
        }
    }

    /// Is any identity of the principal listed? `NotPrincipal` with `Allow` grants otherwise.
    fn lists_any_identity(&self, principal: &PrincipalIdentity) -> bool {
        self.grant_for(principal).is_some()
    }
}

/// The outcome of matching one statement's principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalOutcome {
    NotChecked,
    Matched(GrantKind),
    /// A `Deny` with `NotPrincipal` that applied (see the boundary rule in the engine).
    NotPrincipalDeny,
    NoMatch,
}

impl CompiledStatement {
    fn matches_action(&self, action_lower: &str) -> bool {
        match &self.action {
            ActionMatch::Action(patterns) => patterns.iter().any(|p| p.matches(action_lower)),
            ActionMatch::NotAction(patterns) => !patterns.iter().any(|p| p.matches(action_lower)),
        }
    }

    fn matches_resource(&self, request: &Request) -> bool {
        let any_match = |matchers: &[Matcher]| -> Option<bool> {
            let mut any = false;
            for matcher in matchers {
                any |= matcher.matches(&request.resource, &request.context)?;
            }
            Some(any)
        };
        match &self.resource {
            ResourceMatch::Any => true,
            ResourceMatch::Resource(matchers) => any_match(matchers).unwrap_or(false),
            ResourceMatch::NotResource(matchers) => any_match(matchers).is_some_and(|any| !any),
        }
    }

    fn match_principal(&self, principal: &PrincipalIdentity) -> PrincipalOutcome {
        match &self.principal {
            PrincipalMatch::NotChecked => PrincipalOutcome::NotChecked,
            PrincipalMatch::Missing => PrincipalOutcome::NoMatch,
            PrincipalMatch::Principal(set) => match set.grant_for(principal) {
                Some(kind) => PrincipalOutcome::Matched(kind),
                None => PrincipalOutcome::NoMatch,
            },
            PrincipalMatch::NotPrincipal(set) => match self.effect {
                Effect::Deny if !set.lists_all_identities(principal) => {
                    PrincipalOutcome::Matched(GrantKind::Direct)
                }
                Effect::Deny => PrincipalOutcome::NotPrincipalDeny,
                Effect::Allow if !set.lists_any_identity(principal) => {
                    PrincipalOutcome::Matched(GrantKind::Direct)
                }
                Effect::Allow => PrincipalOutcome::NoMatch,
            },
        }
    }

    /// An `Allow` whose action matches `action_lower`, whatever its resource and condition,
    /// that can grant an IAM role or user without an identity-based policy allowing too: in an
    /// identity layer (no `Principal`), or in a resource policy naming everyone, every AWS
    /// principal, principals by ARN, or using `NotPrincipal`. A grant to an account needs the
    /// identity policy as well, and services and federated callers are not roles or users.
    pub(crate) fn may_grant(&self, action_lower: &str) -> bool {
        if self.effect != Effect::Allow || !self.matches_action(action_lower) {
            return false;
        }
        match &self.principal {
            PrincipalMatch::NotChecked | PrincipalMatch::NotPrincipal(_) => true,
            PrincipalMatch::Principal(set) => set.everyone || set.any_aws || !set.arns.is_empty(),
            PrincipalMatch::Missing => false,
        }
    }

    /// Full match; `NotPrincipalDeny` is returned only when everything but the principal
    /// matched, so the engine can apply the permissions-boundary rule.
    pub(crate) fn evaluate(&self, request: &Request) -> StatementOutcome {
        if !self.matches_action(&request.action_lower) {
            return StatementOutcome::NoMatch;
        }
        if !self.matches_resource(request) {
            return StatementOutcome::ResourceMismatch;
        }
        let principal = self.match_principal(&request.principal);
        if principal == PrincipalOutcome::NoMatch {
            return StatementOutcome::PrincipalMismatch;
        }
        if !self.condition.matches(&request.context) {
            return if self.condition.has_unknown_operator() {
                StatementOutcome::UnknownOperator
            } else {
                StatementOutcome::ConditionFailed
            };
        }
        match principal {
            PrincipalOutcome::NotPrincipalDeny => StatementOutcome::NotPrincipalDeny,
            PrincipalOutcome::Matched(kind) => StatementOutcome::Matched(kind),
            _ => StatementOutcome::Matched(GrantKind::Direct),
        }
    }

    /// The first condition key that does not match (for explanations).
    pub(crate) fn failing_condition_key(&self, request: &Request) -> Option<&str> {
        self.condition.first_failing_key(&request.context)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatementOutcome {
    /// The action does not match.
    NoMatch,
    Matched(GrantKind),
    /// `Deny` + `NotPrincipal` listing the principal, otherwise matching.
    NotPrincipalDeny,
    /// Action matched, resource did not.
    ResourceMismatch,
    /// Action and resource matched, the principal is not named.
    PrincipalMismatch,
    /// Action, resource and principal matched; the condition did not.
    ConditionFailed,
    /// Action, resource and principal matched; the condition has an operator we do not know.
    UnknownOperator,
}

/// FNV-1a: service prefixes are short and trusted, SipHash would dominate the lookup.
#[derive(Default)]
pub(crate) struct FnvHasher(u64);

impl Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

/// Position of a statement: (policy, statement) indexes.
pub(crate) type StatementRef = (u32, u32);

/// The policies of one layer (all identity policies, one SCP level, …) with an index from
/// service prefix to the statements whose actions can match it.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompiledLayer {
    pub(crate) policies: Box<[CompiledPolicy]>,
    by_service: HashMap<Box<str>, Box<[StatementRef]>, BuildHasherDefault<FnvHasher>>,
    /// Statements with `NotAction` or a wildcard in the service part.
    any_service: Box<[StatementRef]>,
}

impl CompiledLayer {
    pub(crate) fn new(policies: Vec<CompiledPolicy>) -> CompiledLayer {
        let mut by_service: HashMap<Box<str>, Vec<StatementRef>> = HashMap::new();
        let mut any_service = Vec::new();
        for (policy_index, policy) in policies.iter().enumerate() {
            for (statement_index, statement) in policy.statements.iter().enumerate() {
                let at = (index_u32(policy_index), index_u32(statement_index));
                match statement_services(statement) {
                    None => any_service.push(at),
                    Some(services) => {
                        for service in services {
                            by_service.entry(service.into()).or_default().push(at);
                        }
                    }
                }
            }
        }
        CompiledLayer {
            policies: policies.into_boxed_slice(),
            by_service: by_service
                .into_iter()
                .map(|(k, v)| (k, v.into_boxed_slice()))
                .collect(),
            any_service: any_service.into_boxed_slice(),
        }
    }

    /// Statements that can match an action of `service` (lowercase).
    pub(crate) fn candidates<'a>(
        &'a self,
        service: &str,
    ) -> impl Iterator<Item = (StatementRef, &'a CompiledPolicy, &'a CompiledStatement)> + 'a {
        let specific = self
            .by_service
            .get(service)
            .map(|refs| &**refs)
            .unwrap_or(&[]);
        self.any_service
            .iter()
            .chain(specific.iter())
            .filter_map(move |&(p, s)| {
                let policy = self.policies.get(p as usize)?;
                Some(((p, s), policy, policy.statements.get(s as usize)?))
            })
    }

    /// Whether some statement of the layer may grant `action_lower` (see
    /// [`CompiledStatement::may_grant`]).
    pub(crate) fn may_grant(&self, action_lower: &str) -> bool {
        let service = action_lower
            .split_once(':')
            .map_or(action_lower, |(s, _)| s);
        self.candidates(service)
            .any(|(_, _, statement)| statement.may_grant(action_lower))
    }

    pub(crate) fn statement(
        &self,
        at: StatementRef,
    ) -> Option<(&CompiledPolicy, &CompiledStatement)> {
        let policy = self.policies.get(at.0 as usize)?;
        Some((policy, policy.statements.get(at.1 as usize)?))
    }
}

fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

/// The services a statement's `Action` can match, or `None` when it can match any service.
fn statement_services(statement: &CompiledStatement) -> Option<Vec<String>> {
    let ActionMatch::Action(patterns) = &statement.action else {
        return None;
    };
    let mut services: Vec<String> = Vec::new();
    for pattern in patterns.iter() {
        let (service, _) = pattern.literal_prefix().split_once(':')?;
        if !services.iter().any(|known| known == service) {
            services.push(service.to_string());
        }
    }
    Some(services)
}
