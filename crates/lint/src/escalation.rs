//! Privilege-escalation methods as data (`data/escalation_methods.json`, sources in its `.md`)
//! and which of them a principal's effective permissions allow: every identity policy it holds,
//! capped by its permission boundary, after explicit denies, with the conditions that make a
//! method impossible honoured (a pinned `iam:PolicyARN`, `iam:PassedToService` naming another
//! service, an `aws:CurrentTime` window already closed on "today").

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use serde::Deserialize;
use warden_policy::wildcard::{Case, matches};
use warden_policy::{ActionClause, Effect, PolicyDocument, ResourceClause, Statement};

use crate::subject::PolicySubject;

/// One way to escalate, as the data file describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct Method {
    /// Kebab-case, stable: `iam-attach-role-policy`.
    pub id: String,
    pub title: String,
    pub kind: MethodKind,
    /// All needed.
    pub required_actions: Vec<String>,
    /// One of each group needed.
    #[serde(default)]
    pub any_of_actions: Vec<Vec<String>>,
    /// What the key action acts on (`policy`, `role`, `user`, `group`, `instance`, `*`).
    pub resource_hint: String,
    /// The `iam:PassedToService` value the passed role goes to (pass-role methods).
    #[serde(default)]
    pub passed_to_service: Option<String>,
    pub sources: Vec<Source>,
}

/// How a method escalates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MethodKind {
    /// Changes the holder's own permissions.
    #[serde(rename = "self")]
    SelfChange,
    /// Makes a new resource run as a role the holder passes.
    PassRole,
    /// Obtains credentials of, or assumes, another principal.
    PrincipalAccess,
    /// Runs code inside an existing resource that already has a role.
    CodeExecution,
}

/// Where a method is documented.
#[derive(Debug, Clone, Deserialize)]
pub struct Source {
    pub name: String,
    pub id: String,
    pub url: String,
}

static METHODS: LazyLock<Vec<Method>> = LazyLock::new(|| {
    // A test checks that the embedded data parses and holds every method.
    serde_json::from_str(include_str!("../data/escalation_methods.json")).unwrap_or_default()
});

/// Every method of the data file, in its order.
pub fn methods() -> &'static [Method] {
    &METHODS
}

impl Method {
    /// The action whose resource decides whether the method reaches anything that matters:
    /// `iam:PassRole` for pass-role methods, else the first required action.
    fn is_key(&self, action: &str) -> bool {
        match self.kind {
            MethodKind::PassRole => action.eq_ignore_ascii_case("iam:PassRole"),
            _ => self.required_actions.first().map_or_else(
                || {
                    self.any_of_actions
                        .first()
                        .is_some_and(|group| group.iter().any(|a| a == action))
                },
                |first| first == action,
            ),
        }
    }
}

/// AWS managed policies that grant administrator-level access when attached: a pin to one of
/// these does not neutralize an attach method.
const ADMIN_MANAGED_POLICIES: &[&str] = &[
    "AdministratorAccess",
    "AdministratorAccess-Amplify",
    "AdministratorAccess-AWSElasticBeanstalk",
    "IAMFullAccess",
    "PowerUserAccess",
];

/// What a principal holds: identity policies and, when known, its boundary.
pub struct Holder<'a> {
    pub catalog: &'a warden_catalog::Catalog,
    pub policies: Vec<&'a PolicySubject>,
    pub boundary: Option<&'a PolicySubject>,
    /// Start of "today" in milliseconds since the epoch: conditions on `aws:CurrentTime` are
    /// judged on it (the library never reads the clock).
    pub now_millis: i64,
}

/// A method the holder can use, and the statement that grants its key action.
#[derive(Debug, Clone)]
pub struct Found<'m> {
    pub method: &'m Method,
    /// Index into [`Holder::policies`] and statement index of the key action's grant.
    pub policy: usize,
    pub statement: usize,
}

/// Where an action is allowed: the first allowing statement of the holder's policies.
type Grant = Option<(usize, usize)>;

/// An action, whether it is the method's key action, and the service a passed role goes to.
type GrantKey = (&'static str, bool, Option<&'static str>);

/// Grants already worked out for one holder, by action, key-ness and passed-to service, and
/// the holder's statements by the service their patterns name.
struct Grants<'p> {
    known: Vec<(GrantKey, Grant)>,
    statements: StatementIndex<'p>,
}

/// Statement `(policy, index)` pairs of a holder by the literal service of their `Action`
/// patterns, so that asking about `iam:PassRole` looks only at statements that name `iam`
/// actions (and at those that may name any service). Every other statement cannot name the
/// action, so neither allows nor denies it.
struct StatementIndex<'p> {
    /// By a hash of the service part (ASCII case folded), the patterns with a literal service
    /// part as written, with the statement and the pattern's position in its `Action`, in
    /// policy, statement and position order: a long statement is asked about its patterns of
    /// that service only. A hash shared by two services only adds patterns to ask, which
    /// [`names_action`] rules out; no sort of the patterns is needed.
    by_service: HashMap<u64, Vec<Named<'p>>, BuildHasherDefault<Hashed>>,
    /// `NotAction`, and patterns whose service part has a wildcard (or no `:`), in order.
    any: Vec<(usize, usize)>,
}

/// A pattern with a literal service part: the service, the statement, the position, and its
/// length when it is an exact name (see [`is_exact_name`]; `None` for a wildcard), worked out
/// once per pattern rather than for every action asked about it.
type Named<'p> = (&'p str, (usize, usize), usize, Option<usize>);

/// A statement that may name a service, with its patterns that may (`None`: all of them).
type Candidate<'i, 'p> = ((usize, usize), Option<&'i [Named<'p>]>);

/// The part of `pattern` before its first `:`, and whether it holds `*` or `?` (one pass over
/// the bytes; this runs for every pattern of every policy); `None` without a `:`.
fn service_part(pattern: &str) -> Option<(&str, bool)> {
    let mut wildcard = false;
    for (at, byte) in pattern.bytes().enumerate() {
        match byte {
            b':' => return Some((&pattern[..at], wildcard)),
            b'*' | b'?' => wildcard = true,
            _ => {}
        }
    }
    None
}

/// The hasher of [`StatementIndex::by_service`], whose keys are hashes already: hashing them
/// again (SipHash) was a visible part of the rule.
#[derive(Default)]
struct Hashed(u64);

impl Hasher for Hashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 << 8) | u64::from(*byte);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

/// FNV-1a of `service` with ASCII letters lowercased.
fn service_hash(service: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in service.bytes() {
        hash ^= u64::from(byte.to_ascii_lowercase());
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

impl<'p> StatementIndex<'p> {
    fn of(policies: &[&'p PolicySubject]) -> StatementIndex<'p> {
        let mut by_service: HashMap<u64, Vec<Named<'p>>, BuildHasherDefault<Hashed>> =
            HashMap::default();
        let mut any = Vec::new();
        for (policy_index, policy) in policies.iter().enumerate() {
            for (index, statement) in policy.document.statements.iter().enumerate() {
                let at = (policy_index, index);
                let patterns = match &statement.action {
                    ActionClause::NotAction(_) => {
                        any.push(at);
                        continue;
                    }
                    ActionClause::Action(patterns) => patterns,
                };
                let mut anywhere = false;
                // Patterns of one service usually come together: one lookup per run.
                let mut last: Option<(&str, u64)> = None;
                for (position, pattern) in patterns.iter().enumerate() {
                    match service_part(pattern) {
                        Some((service, false)) if !service.contains('$') => {
                            let hash = match last {
                                Some((before, hash)) if before == service => hash,
                                _ => service_hash(service),
                            };
                            last = Some((service, hash));
                            let exact = is_exact_name(pattern).then_some(pattern.len());
                            by_service
                                .entry(hash)
                                .or_default()
                                .push((service, at, position, exact));
                        }
                        _ => anywhere = true,
                    }
                }
                if anywhere {
                    any.push(at);
                }
            }
        }
        StatementIndex { by_service, any }
    }

    /// The statements that may name an action of `service`, in policy and statement order,
    /// each with its patterns that may name the service, or `None` when any of its patterns
    /// may (`NotAction`, a wildcard service part): all are asked.
    fn candidates(&self, service: &str) -> Vec<Candidate<'_, 'p>> {
        let named: &[Named<'p>] = self
            .by_service
            .get(&service_hash(service))
            .map_or(&[], Vec::as_slice);
        let mut found: Vec<Candidate<'_, 'p>> = Vec::new();
        for run in named.chunk_by(|a, b| a.1 == b.1) {
            if let Some((_, at, _, _)) = run.first() {
                found.push((*at, Some(run)));
            }
        }
        found.extend(self.any.iter().map(|at| (*at, None)));
        // A statement both named and in `any` is asked about every pattern.
        found.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.is_some().cmp(&b.1.is_some()))
        });
        found.dedup_by(|later, earlier| later.0 == earlier.0);
        found
    }
}

/// Compares two strings as if both were ASCII-lowercased, without allocating.
fn cmp_ignore_ascii_case(a: &str, b: &str) -> std::cmp::Ordering {
    for (x, y) in a.bytes().zip(b.bytes()) {
        let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

/// The services a holder's `Allow` statements can name (`any` for service wildcards and
/// `NotAction`).
#[derive(Default)]
struct NamedServices<'p> {
    any: bool,
    /// As written; sorted and deduplicated ignoring ASCII case.
    services: Vec<&'p str>,
}

/// The services of the methods' actions (sorted, lowercase) and what each method needs of
/// them as bits, so that "can this holder reach the method at all" is a few bit operations
/// instead of a lookup per action (1,582 policies × 107 methods). `None` when the data names
/// more services than the bits hold or an action without a service: the lookups then decide.
struct MethodServices {
    services: Vec<String>,
    needs: Vec<Needs>,
}

/// One method's services as bits over [`MethodServices::services`].
struct Needs {
    /// Every required action's service.
    required: u128,
    /// Per `any_of_actions` group, the services of its actions (one must be reached).
    groups: Vec<u128>,
}

impl Needs {
    fn met_by(&self, reached: u128) -> bool {
        self.required & !reached == 0 && self.groups.iter().all(|group| group & reached != 0)
    }
}

static METHOD_SERVICES: LazyLock<Option<MethodServices>> = LazyLock::new(|| {
    let service_of = |action: &String| {
        action
            .split_once(':')
            .map(|(service, _)| service.to_ascii_lowercase())
    };
    let mut services = Vec::new();
    for method in methods() {
        for action in method
            .required_actions
            .iter()
            .chain(method.any_of_actions.iter().flatten())
        {
            services.push(service_of(action)?);
        }
    }
    services.sort();
    services.dedup();
    if services.len() > 128 {
        return None;
    }
    let bit = |action: &String| -> Option<u128> {
        let service = service_of(action)?;
        let index = services.binary_search(&service).ok()?;
        Some(1u128 << index)
    };
    let mut needs = Vec::new();
    for method in methods() {
        let mut required = 0;
        for action in &method.required_actions {
            required |= bit(action)?;
        }
        let mut groups = Vec::new();
        for group in &method.any_of_actions {
            let mut bits = 0;
            for action in group {
                bits |= bit(action)?;
            }
            groups.push(bits);
        }
        needs.push(Needs { required, groups });
    }
    Some(MethodServices { services, needs })
});

impl NamedServices<'_> {
    /// The bits of `services` (sorted, lowercase) the holder reaches; all of them with `any`.
    fn mask(&self, services: &[String]) -> u128 {
        if self.any {
            return u128::MAX;
        }
        // The shorter list is walked and the other searched: most policies name a few
        // services, `ReadOnlyAccess` hundreds.
        if self.services.len() < services.len() {
            return self.services.iter().fold(0, |mask, named| {
                match services.binary_search_by(|service| cmp_ignore_ascii_case(service, named)) {
                    Ok(index) => mask | (1u128 << index),
                    Err(_) => mask,
                }
            });
        }
        services
            .iter()
            .enumerate()
            .filter(|(_, service)| {
                self.services
                    .binary_search_by(|named| cmp_ignore_ascii_case(named, service))
                    .is_ok()
            })
            .fold(0, |mask, (index, _)| mask | (1u128 << index))
    }

    /// `services` is sorted and without repeats ignoring case (see `named_services`).
    fn reaches(&self, action: &str) -> bool {
        self.any
            || action.split_once(':').is_some_and(|(service, _)| {
                self.services
                    .binary_search_by(|named| cmp_ignore_ascii_case(named, service))
                    .is_ok()
            })
    }
}

/// The services of the methods' actions a document's `Allow` statements can name, as bits over
/// the methods' services (all of them for `NotAction` or a service wildcard); `None` when the
/// methods' services do not fit the bits. Worked out when a policy is read, while its action
/// texts are in cache (they are thousands of separate strings by the time the rules run); a
/// holder reaches what any of its policies reaches.
pub(crate) fn method_services_reached(document: &PolicyDocument) -> Option<u128> {
    let table = METHOD_SERVICES.as_ref()?;
    Some(named_services_of([document]).mask(&table.services))
}

impl Holder<'_> {
    /// Every method the holder's effective permissions allow, keeping only the smallest: a
    /// method whose actions include all of another found method's is left out.
    pub fn escalations(&self) -> Vec<Found<'static>> {
        let mut found: Vec<(Found<'static>, Vec<&'static str>)> = Vec::new();
        // Built when a first method is reachable: most policies reach none.
        let mut grants: Option<Grants<'_>> = None;
        let table = METHOD_SERVICES.as_ref();
        // The services named are listed only where no bits were kept with the policies, or
        // the methods' services do not fit them.
        let named = std::cell::OnceCell::new();
        let named = || {
            named.get_or_init(|| {
                named_services_of(self.policies.iter().map(|policy| &policy.document))
            })
        };
        let reached = table.map(|table| {
            self.policies
                .iter()
                .try_fold(0u128, |reached, policy| {
                    policy.method_services.map(|bits| reached | bits)
                })
                .unwrap_or_else(|| named().mask(&table.services))
        });
        for (number, method) in methods().iter().enumerate() {
            // Most policies name a few services: skip methods they cannot reach at once.
            let needs = table.and_then(|table| table.needs.get(number));
            let reachable = match (reached, needs) {
                (Some(reached), Some(needs)) => needs.met_by(reached),
                _ => {
                    let named = named();
                    let reachable = |action: &String| named.reaches(action.as_str());
                    method.required_actions.iter().all(reachable)
                        && method
                            .any_of_actions
                            .iter()
                            .all(|group| group.iter().any(reachable))
                }
            };
            if !reachable {
                continue;
            }
            let grants = grants.get_or_insert_with(|| Grants {
                // A holder reached by any method is asked about a few dozen actions.
                known: Vec::with_capacity(64),
                statements: StatementIndex::of(&self.policies),
            });
            if let Some(hit) = self.allows_method(method, grants) {
                found.push(hit);
            }
        }
        let used: Vec<Vec<&str>> = found.iter().map(|(_, actions)| actions.clone()).collect();
        found
            .into_iter()
            .enumerate()
            .filter(|(index, (_, actions))| {
                !used.iter().enumerate().any(|(other, smaller)| {
                    other != *index
                        && smaller.len() < actions.len()
                        && smaller.iter().all(|action| actions.contains(action))
                })
            })
            .map(|(_, (hit, _))| hit)
            .collect()
    }
    /// `grant`, remembered per action: `iam:PassRole` alone is in 51 methods.
    fn cached_grant(
        &self,
        method: &'static Method,
        action: &'static str,
        grants: &mut Grants<'_>,
    ) -> Grant {
        let key = (
            action,
            method.is_key(action),
            method
                .passed_to_service
                .as_deref()
                .filter(|_| action.eq_ignore_ascii_case("iam:PassRole")),
        );
        if let Some((_, grant)) = grants.known.iter().find(|(known, _)| *known == key) {
            return *grant;
        }
        let grant = self.grant(method, action, &grants.statements);
        grants.known.push((key, grant));
        grant
    }

    fn allows_method(
        &self,
        method: &'static Method,
        grants: &mut Grants<'_>,
    ) -> Option<(Found<'static>, Vec<&'static str>)> {
        let mut key: Grant = None;
        let mut first: Grant = None;
        let mut used = Vec::new();
        for action in &method.required_actions {
            let grant = self.cached_grant(method, action, grants)?;
            first = first.or(Some(grant));
            if method.is_key(action) {
                key = key.or(Some(grant));
            }
            used.push(action.as_str());
        }
        for group in &method.any_of_actions {
            let (action, grant) = group.iter().find_map(|action| {
                self.cached_grant(method, action, grants)
                    .map(|grant| (action, grant))
            })?;
            first = first.or(Some(grant));
            if method.is_key(action) {
                key = key.or(Some(grant));
            }
            used.push(action.as_str());
        }
        let key = key.or(first);
        let (policy, statement) = key?;
        used.sort_unstable();
        Some((
            Found {
                method,
                policy,
                statement,
            },
            used,
        ))
    }

    /// The first statement that allows `action` for `method` (on resources that matter for
    /// its key action, under conditions that can hold), unless a boundary does not allow it or
    /// an unconditional deny takes it away.
    fn grant(&self, method: &Method, action: &str, statements: &StatementIndex<'_>) -> Grant {
        let key = method.is_key(action);
        let passed_to = method
            .passed_to_service
            .as_deref()
            .filter(|_| action.eq_ignore_ascii_case("iam:PassRole"));
        let mut grant = None;
        let service = action.split_once(':').map_or("", |(service, _)| service);
        for ((policy_index, index), named) in statements.candidates(service) {
            let Some(statement) = self
                .policies
                .get(policy_index)
                .and_then(|policy| policy.document.statements.get(index))
            else {
                continue;
            };
            let among = named.map(|named| Among { positions: named });
            if statement.effect == Effect::Deny {
                if denies_among(statement, action, among.as_ref()) {
                    return None;
                }
                continue;
            }
            if grant.is_none()
                && allows_among(statement, action, key, among.as_ref())
                && self.conditions_can_hold(statement, action, passed_to)
            {
                grant = Some((policy_index, index));
            }
        }
        if let Some(boundary) = self.boundary {
            let statements = &boundary.document.statements;
            let capped = statements.iter().any(|statement| {
                statement.effect == Effect::Allow
                    && allows(statement, action, false)
                    && self.conditions_can_hold(statement, action, passed_to)
            }) && !statements
                .iter()
                .any(|statement| statement.effect == Effect::Deny && denies(statement, action));
            if !capped {
                return None;
            }
        }
        grant
    }
}

/// The services the `Allow` statements of `documents` can name.
fn named_services_of<'p>(
    documents: impl IntoIterator<Item = &'p PolicyDocument>,
) -> NamedServices<'p> {
    let mut named = NamedServices {
        any: false,
        services: Vec::new(),
    };
    for statement in documents
        .into_iter()
        .flat_map(|document| &document.statements)
        .filter(|statement| statement.effect == Effect::Allow)
    {
        match &statement.action {
            ActionClause::NotAction(_) => named.any = true,
            ActionClause::Action(patterns) => {
                for pattern in patterns.iter() {
                    match service_part(pattern) {
                        // Patterns of one service usually come together: a repeat of
                        // the last one is left out before sorting.
                        Some((service, false)) => {
                            if !named
                                .services
                                .last()
                                .is_some_and(|last| last.eq_ignore_ascii_case(service))
                            {
                                named.services.push(service);
                            }
                        }
                        // `*` grants nothing here (see `names_action`); `s*:Get*` any.
                        _ if pattern == "*" || pattern == "*:*" => {}
                        _ => named.any = true,
                    }
                }
            }
        }
    }
    named
        .services
        .sort_unstable_by(|a, b| cmp_ignore_ascii_case(a, b));
    named.services.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    named
}

/// The patterns of an `Action` that may name a service (by position; see
/// [`StatementIndex::candidates`]): the others cannot name it, so they are not asked.
struct Among<'i, 'p> {
    positions: &'i [Named<'p>],
}

/// Does the action clause name `action`? `Action: "*"` does not count as a grant (WL202
/// reports it; a holder of `*` has nothing to escalate to) but does count in a deny. With
/// `among`, only those patterns of an `Action` are asked.
fn names_action(
    statement: &Statement,
    action: &str,
    star_counts: bool,
    among: Option<&Among<'_, '_>>,
) -> bool {
    let service = action.split_once(':').map_or("", |(service, _)| service);
    let named = |pattern: &String| {
        // Most patterns are exact names: one comparison of equal lengths, not a match.
        if pattern.len() != action.len() && is_exact_name(pattern) && action.is_ascii() {
            return false;
        }
        (star_counts || (pattern != "*" && pattern != "*:*"))
            && same_service_possible(pattern, service)
            && matches(pattern, action, Case::Insensitive)
    };
    let hit = |patterns: &[String]| match among {
        Some(among) => among
            .positions
            .iter()
            // An exact name of another length cannot name the action.
            .filter(|(_, _, _, exact)| {
                exact.is_none_or(|length| length == action.len() || !action.is_ascii())
            })
            .filter_map(|(_, _, position, _)| patterns.get(*position))
            .any(named),
        None => patterns.iter().any(named),
    };
    match &statement.action {
        ActionClause::Action(patterns) => hit(&patterns.items),
        ActionClause::NotAction(patterns) => !patterns.items.iter().any(|pattern| {
            same_service_possible(pattern, service) && matches(pattern, action, Case::Insensitive)
        }),
    }
}

/// An ASCII pattern without `*`, `?` or `$`: it matches only a text of its own length (the
/// matcher compares it ignoring ASCII case; a non-ASCII one is lowercased first, which may
/// change its length, so it is not counted).
fn is_exact_name(pattern: &str) -> bool {
    pattern
        .bytes()
        .all(|byte| byte.is_ascii() && !matches!(byte, b'*' | b'?' | b'$'))
}

/// Cheap pre-check: can `pattern` name an action of `service` at all? One pass over the
/// pattern's service part, no splitting (this runs for every pattern of every statement, for
/// every action of every method).
fn same_service_possible(pattern: &str, service: &str) -> bool {
    let bytes = pattern.as_bytes();
    if bytes.get(service.len()) == Some(&b':')
        && bytes
            .get(..service.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(service.as_bytes()))
    {
        return true;
    }
    // Another literal service cannot match; a wildcard in the service part (or no `:`) may.
    for &byte in bytes {
        match byte {
            b':' => return false,
            b'*' | b'?' => return true,
            _ => {}
        }
    }
    true
}

/// An `Allow` statement grants `action` on resources that matter: for the key action, broad
/// resources (`*`, a wildcard ARN such as `arn:aws:ec2:*:*:instance/*`, `NotResource`); for
/// the others, any resource. IAM actions only act on IAM resources.
fn allows(statement: &Statement, action: &str, key: bool) -> bool {
    allows_among(statement, action, key, None)
}

/// [`allows`], asking only the patterns `among` names when given.
fn allows_among(
    statement: &Statement,
    action: &str,
    key: bool,
    among: Option<&Among<'_, '_>>,
) -> bool {
    if !names_action(statement, action, false, among) {
        return false;
    }
    match &statement.resource {
        Some(ResourceClause::NotResource(_)) => true,
        Some(ResourceClause::Resource(resources)) => resources.iter().any(|resource| {
            if resource == "*" {
                return true;
            }
            let iam = action
                .get(..4)
                .is_some_and(|service| service.eq_ignore_ascii_case("iam:"));
            if iam
                && let Some(arn) = warden_policy::arn::ArnRef::parse(resource)
                && !matches(arn.service, "iam", Case::Insensitive)
            {
                return false;
            }
            !key || opens_every_name(resource)
        }),
        None => false,
    }
}

/// The resource reaches any resource of its type: `*`, or a wildcard where the name starts
/// (`role/*`, `role/service-role/*`, `instance/*`, `function:*`). A name prefix
/// (`role/app-*`) or a policy variable (`user/${aws:username}`) confines it to resources named
/// on purpose; `resource_is_broad` (WL301, WL601) still reports those.
fn opens_every_name(resource: &str) -> bool {
    if resource == "*" {
        return true;
    }
    if crate::rules::has_policy_variable(resource) {
        return false;
    }
    let Some(arn) = warden_policy::arn::ArnRef::parse(resource) else {
        return false;
    };
    // The resource id's last segment: `role/service-role/*` → `*`, `function:app-*` → `app-*`.
    let resource_id = arn.resource;
    let name = resource_id.rsplit(['/', ':']).next().unwrap_or(resource_id);
    name.starts_with(['*', '?']) || resource_id.starts_with('*')
}

/// A `Deny` that takes `action` away for certain: every resource, no condition (a conditional
/// deny may not apply, so it is not counted).
fn denies(statement: &Statement, action: &str) -> bool {
    denies_among(statement, action, None)
}

/// [`denies`], asking only the patterns `among` names when given.
fn denies_among(statement: &Statement, action: &str, among: Option<&Among<'_, '_>>) -> bool {
    statement.condition.is_none()
        && names_action(statement, action, true, among)
        && matches!(&statement.resource, Some(ResourceClause::Resource(resources)) if resources.iter().any(|r| r == "*"))
}

impl Holder<'_> {
    /// False when a condition of the statement cannot hold for a request escalating with
    /// `action`: positive operators (not `IfExists`, not negated) on
    /// - a service key the action's requests never carry (the statement never applies to it;
    ///   e.g. `iam:PolicyARN` on `iam:PutRolePolicy`), per the catalog;
    /// - `iam:PassedToService` not matching the service the method passes the role to;
    /// - `iam:PolicyARN` pinned to AWS managed policies that are not administrator policies;
    /// - `iam:PermissionsBoundary` pinned to named policies: whatever is attached stays under
    ///   that boundary (the delegation pattern AWS recommends);
    /// - `aws:CalledVia`/`aws:CalledViaFirst`/`aws:CalledViaLast`: only a service acting for
    ///   the holder may call, not the holder itself;
    /// - `aws:CurrentTime` with `DateLessThan`/`DateLessThanEquals` before today (a closed
    ///   window).
    ///
    /// Other conditions are assumed satisfiable: the finding is about what the policy allows.
    /// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    /// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html#access_policies_boundaries-delegate
    fn conditions_can_hold(
        &self,
        statement: &Statement,
        action: &str,
        passed_to: Option<&str>,
    ) -> bool {
        let mut known: Option<Option<&warden_catalog::Action>> = None;
        for (operator, entry) in crate::rules::condition_entries(statement) {
            if !crate::rules::is_positive(operator) {
                continue;
            }
            let base = operator.base.as_str();
            let key = entry.key.as_str();
            let values = || entry.values.iter().map(|value| value.as_text());
            let global = key
                .get(..4)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case("aws:"));
            if !global {
                let found = *known.get_or_insert_with(|| self.catalog.action(action).ok());
                if let Some(found) = found
                    && !self.catalog.condition_key_valid(found, key)
                {
                    return false;
                }
            }
            if key.eq_ignore_ascii_case("iam:PassedToService")
                && base.starts_with("String")
                && let Some(service) = passed_to
                && !values().any(|value| matches(&value, service, Case::Insensitive))
            {
                return false;
            }
            let pins = base.starts_with("Arn") || base.starts_with("String");
            if key.eq_ignore_ascii_case("iam:PolicyARN")
                && pins
                && values().all(|value| is_harmless_managed_policy(&value))
            {
                return false;
            }
            if key.eq_ignore_ascii_case("iam:PermissionsBoundary")
                && pins
                && values().all(|value| {
                    !warden_policy::wildcard::has_wildcard(&value)
                        && !is_admin_managed_policy(&value)
                })
            {
                return false;
            }
            if ["aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast"]
                .iter()
                .any(|called| key.eq_ignore_ascii_case(called))
            {
                return false;
            }
            if key.eq_ignore_ascii_case("aws:CurrentTime")
                && (base == "DateLessThan" || base == "DateLessThanEquals")
                && values().all(|value| {
                    warden_policy::date::parse_epoch_millis(&value)
                        .is_some_and(|end| end <= self.now_millis)
                })
            {
                return false;
            }
        }
        true
    }
}

/// An AWS managed administrator policy (see [`ADMIN_MANAGED_POLICIES`]).
fn is_admin_managed_policy(arn: &str) -> bool {
    warden_policy::arn::ArnRef::parse(arn).is_some_and(|parts| {
        parts.account == "aws"
            && ADMIN_MANAGED_POLICIES
                .iter()
                .any(|name| parts.resource.rsplit('/').next() == Some(name))
    })
}

/// An exact AWS managed policy ARN that is not an administrator policy (`AWSDenyAll`,
/// `ReadOnlyAccess`, a service role policy).
fn is_harmless_managed_policy(arn: &str) -> bool {
    if warden_policy::wildcard::has_wildcard(arn) {
        return false;
    }
    let Some(parts) = warden_policy::arn::ArnRef::parse(arn) else {
        return false;
    };
    if parts.account != "aws" || !parts.service.eq_ignore_ascii_case("iam") {
        return false;
    }
    let name = parts.resource.rsplit('/').next().unwrap_or(parts.resource);
    parts.resource.starts_with("policy/") && !ADMIN_MANAGED_POLICIES.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::{Location, PolicyKind};
    use serde_json::{Value, json};

    fn policy(statements: Value) -> PolicySubject {
        PolicySubject::from_value(
            "p",
            PolicyKind::Identity,
            Location::file("p.json"),
            &json!({"Version": "2012-10-17", "Statement": statements}),
        )
        .unwrap()
    }

    /// 2026-06-01.
    const NOW: i64 = 1_780_272_000_000;

    /// The bits kept with each policy, combined, are what listing the services of all the
    /// holder's policies gives; and a holder whose policies carry none (read another way)
    /// finds the same methods as one whose policies carry them.
    #[test]
    fn services_read_with_each_policy_combine_to_the_holders() {
        let policies = [
            policy(
                json!([{"Effect": "Allow", "Action": ["IAM:PassRole", "ec2:RunInstances"], "Resource": "*"}]),
            ),
            policy(
                json!([{"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"},
                          {"Effect": "Deny", "Action": "sts:*", "Resource": "*"}]),
            ),
            policy(
                json!([{"Effect": "Allow", "Action": ["s3:GetObject", "nosuch:Thing", "SSM:StartSession"], "Resource": "*"}]),
            ),
            policy(json!([{"Effect": "Allow", "Action": "iam:Create*", "Resource": "*"}])),
            policy(json!([{"Effect": "Allow", "Action": "i?m:AttachUserPolicy", "Resource": "*"}])),
            policy(json!([{"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}])),
        ];
        let table = METHOD_SERVICES
            .as_ref()
            .expect("the methods' services fit the bits");
        let mut some_found = false;
        for size in 1..=policies.len() {
            for start in 0..=policies.len() - size {
                let held: Vec<&PolicySubject> = policies[start..start + size].iter().collect();
                let kept = held
                    .iter()
                    .fold(0u128, |bits, policy| bits | policy.method_services.unwrap());
                let listed = named_services_of(held.iter().map(|policy| &policy.document));
                assert_eq!(kept, listed.mask(&table.services));
                let unknown: Vec<PolicySubject> = held
                    .iter()
                    .map(|policy| PolicySubject {
                        method_services: None,
                        ..(*policy).clone()
                    })
                    .collect();
                let with_bits = found(&held, None);
                assert_eq!(with_bits, found(&unknown.iter().collect::<Vec<_>>(), None));
                some_found |= !with_bits.is_empty();
            }
        }
        assert!(some_found, "some holder escalates");
        // A service wildcard and `NotAction` reach every method's services.
        assert_eq!(policies[4].method_services, Some(u128::MAX));
        assert_eq!(policies[5].method_services, Some(u128::MAX));
        assert_ne!(policies[2].method_services, Some(u128::MAX));
    }

    fn found(policies: &[&PolicySubject], boundary: Option<&PolicySubject>) -> Vec<String> {
        let holder = Holder {
            catalog: warden_catalog::Catalog::embedded(),
            policies: policies.to_vec(),
            boundary,
            now_millis: NOW,
        };
        holder
            .escalations()
            .iter()
            .map(|found| found.method.id.clone())
            .collect()
    }

    #[test]
    fn the_data_holds_every_method_with_known_actions() {
        let catalog = warden_catalog::Catalog::embedded();
        assert_eq!(methods().len(), 107);
        let mut ids: Vec<&str> = methods().iter().map(|m| m.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 107, "ids are unique");
        for method in methods() {
            assert!(!method.sources.is_empty(), "{}", method.id);
            if method.passed_to_service.is_some() {
                assert!(
                    method.required_actions.iter().any(|a| a == "iam:PassRole"),
                    "{}",
                    method.id
                );
            }
            for action in method
                .required_actions
                .iter()
                .chain(method.any_of_actions.iter().flatten())
            {
                let known = catalog.action(action);
                assert!(known.is_ok(), "{}: `{action}`", method.id);
            }
        }
    }

    /// Each method, granted exactly (its actions on `*`), is found: alone or through a smaller
    /// method its actions contain.
    #[test]
    fn every_method_is_found_when_its_actions_are_granted_on_star() {
        for method in methods() {
            let mut actions = method.required_actions.clone();
            actions.extend(
                method
                    .any_of_actions
                    .iter()
                    .filter_map(|group| group.first().cloned()),
            );
            let held = policy(json!([{"Effect": "Allow", "Action": actions, "Resource": "*"}]));
            let ids = found(&[&held], None);
            assert!(!ids.is_empty(), "{} is not found", method.id);
            let covered = ids.iter().any(|id| {
                id == &method.id
                    || methods().iter().any(|other| {
                        &other.id == id
                            && other.required_actions.iter().all(|a| actions.contains(a))
                    })
            });
            assert!(covered, "{}: found {ids:?}", method.id);
        }
    }

    #[test]
    fn wildcard_arns_are_broad_and_exact_ones_are_not() {
        let wildcard = policy(
            json!([{"Effect": "Allow", "Action": ["ssm:StartSession"], "Resource": "arn:aws:ec2:*:*:instance/*"}]),
        );
        assert_eq!(found(&[&wildcard], None), ["ssm-start-session"]);
        let exact = policy(
            json!([{"Effect": "Allow", "Action": ["ssm:StartSession"], "Resource": "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"}]),
        );
        assert!(found(&[&exact], None).is_empty());
        let own = policy(
            json!([{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::*:user/${aws:username}"}]),
        );
        assert!(found(&[&own], None).is_empty());
        let pass = policy(
            json!([{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": ["arn:aws:iam::*:role/*", "arn:aws:ec2:*:*:instance/*"]}]),
        );
        assert!(found(&[&pass], None).contains(&"ec2-run-instances-pass-role".to_string()));
        let star = policy(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]));
        assert!(found(&[&star], None).is_empty(), "WL202 reports `*`");
    }

    #[test]
    fn conditions_that_make_a_method_impossible_are_honoured() {
        let pinned = policy(
            json!([{"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*",
            "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/AWSDenyAll"}}}]),
        );
        assert!(found(&[&pinned], None).is_empty());
        let admin = policy(
            json!([{"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*",
            "Condition": {"ArnEquals": {"iam:PolicyARN": ["arn:aws:iam::aws:policy/AWSDenyAll", "arn:aws:iam::aws:policy/AdministratorAccess"]}}}]),
        );
        assert_eq!(found(&[&admin], None), ["iam-attach-role-policy"]);
        let denied = policy(json!([
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
        ]));
        assert!(found(&[&denied], None).is_empty());
        let to_lambda = policy(
            json!([{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*",
            "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]),
        );
        // The role may only be passed to Lambda, and the policy cannot create functions.
        assert!(
            found(&[&to_lambda], None).is_empty(),
            "{:?}",
            found(&[&to_lambda], None)
        );
        let passes_to_ec2 = policy(json!([
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}},
            {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}
        ]));
        assert_eq!(
            found(&[&passes_to_ec2], None),
            ["ec2-run-instances-pass-role"]
        );
        let closed = policy(
            json!([{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]),
        );
        assert!(found(&[&closed], None).is_empty());
        let open = policy(
            json!([{"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}]),
        );
        assert_eq!(found(&[&open], None), ["iam-create-policy-version"]);
    }

    #[test]
    fn delegation_patterns_are_not_escalation() {
        let bounded = policy(
            json!([{"Effect": "Allow", "Action": ["iam:AttachRolePolicy", "iam:PutRolePolicy"], "Resource": "*",
            "Condition": {"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::111122223333:policy/workload-boundary"}}}]),
        );
        assert!(found(&[&bounded], None).is_empty());
        let via = policy(
            json!([{"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*",
            "Condition": {"StringEquals": {"aws:CalledViaLast": "account.amazonaws.com"}}}]),
        );
        assert!(found(&[&via], None).is_empty());
        let prefixed = policy(
            json!([{"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "arn:aws:iam::*:role/SDMP-*"}]),
        );
        assert!(found(&[&prefixed], None).is_empty());
        let any_role = policy(
            json!([{"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "arn:aws:iam::*:role/service-role/*"}]),
        );
        assert_eq!(found(&[&any_role], None), ["iam-attach-role-policy"]);
        // A service key the action never carries: the statement never applies to it.
        let template = policy(
            json!([{"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "*",
            "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}}}]),
        );
        assert!(found(&[&template], None).is_empty());
    }

    /// The bit test of the services a method needs answers as looking up each action does.
    #[test]
    fn method_service_bits_agree_with_action_lookups() {
        let table = METHOD_SERVICES
            .as_ref()
            .expect("the methods' services fit the bits");
        let sets: [&[&str]; 5] = [
            &[],
            &["iam"],
            &["ec2", "iam", "lambda"],
            &["cloudformation", "glue", "iam", "sagemaker", "ssm", "sts"],
            &["s3"],
        ];
        // Every catalog service, in mixed case, sorted and deduplicated as `named_services`
        // leaves them: longer than the methods' services, so the mask is built from the other
        // side.
        let mut every: Vec<String> = warden_catalog::Catalog::embedded()
            .service_prefixes()
            .enumerate()
            .map(|(at, prefix)| {
                if at % 2 == 0 {
                    prefix.to_ascii_uppercase()
                } else {
                    prefix.to_string()
                }
            })
            .collect();
        every.sort_unstable_by(|a, b| cmp_ignore_ascii_case(a, b));
        let every: Vec<&str> = every.iter().map(String::as_str).collect();
        assert!(every.len() > table.services.len());
        let mut with_every = sets.to_vec();
        with_every.push(&every);
        for any in [false, true] {
            for &set in &with_every {
                let named = NamedServices {
                    any,
                    services: set.to_vec(),
                };
                let mask = named.mask(&table.services);
                if !any && set.len() == every.len() {
                    assert_eq!(mask.count_ones() as usize, table.services.len());
                }
                for (method, needs) in methods().iter().zip(&table.needs) {
                    let reachable = |action: &String| named.reaches(action);
                    let looked_up = method.required_actions.iter().all(reachable)
                        && method
                            .any_of_actions
                            .iter()
                            .all(|group| group.iter().any(reachable));
                    assert_eq!(needs.met_by(mask), looked_up, "{} {set:?}", method.id);
                }
            }
        }
    }

    /// Statements are looked up by the service their patterns name; those that may name any
    /// service (`NotAction`, `*:…`, `i?m:…`) are still asked, in order, allowing and denying.
    #[test]
    fn statements_of_other_services_are_skipped_and_wildcard_services_are_not() {
        let mixed = policy(json!([
            {"Effect": "Allow", "Action": ["s3:GetObject", "ec2:DescribeInstances"], "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:PutObject", "IAM:createPolicyVersion"], "Resource": "*"}
        ]));
        assert_eq!(found(&[&mixed], None), ["iam-create-policy-version"]);
        let wildcard_service = policy(json!([
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "i?m:CreatePolicyVersion", "Resource": "*"}
        ]));
        assert_eq!(
            found(&[&wildcard_service], None),
            ["iam-create-policy-version"]
        );
        let not_action = policy(json!([
            {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}
        ]));
        assert!(
            found(&[&not_action], None).contains(&"iam-create-policy-version".to_string()),
            "{:?}",
            found(&[&not_action], None)
        );
        let denied_anywhere = policy(json!([
            {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"},
            {"Effect": "Deny", "Action": "*:CreatePolicyVersion", "Resource": "*"}
        ]));
        assert!(found(&[&denied_anywhere], None).is_empty());
    }

    #[test]
    fn policies_combine_and_the_boundary_caps_them() {
        let pass = policy(json!([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]));
        let run = policy(
            json!([{"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"},
                                {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]),
        );
        assert!(found(&[&pass], None).is_empty());
        assert!(found(&[&run], None).is_empty());
        assert_eq!(
            found(&[&pass, &run], None),
            ["lambda-create-function-invoke"]
        );
        let boundary = policy(json!([{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]));
        assert!(found(&[&pass, &run], Some(&boundary)).is_empty());
        let deny_boundary = policy(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                          {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}]));
        assert!(found(&[&pass, &run], Some(&deny_boundary)).is_empty());
    }
}
