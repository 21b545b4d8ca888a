//! The decision chain: explicit deny, organization policies, resource policy, identity policies
//! capped by the permissions boundary and the session policy.

use warden_policy::{Effect, PolicyDocument};

use crate::compile::{
    CompiledLayer, CompiledPolicy, Diagnostic, GrantKind, PrincipalMode, StatementOutcome,
    StatementRef,
};
use crate::decision::{Decision, DecisionKind, Layer, Reason, ReasonKind};
use crate::request::{PrincipalKind, Request};
use crate::special::Special;

/// A policy document with the label used in explanations (`inline:deploy`, an ARN, a file…).
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledPolicy {
    pub label: String,
    pub document: PolicyDocument,
}

impl LabeledPolicy {
    pub fn new(label: impl Into<String>, document: PolicyDocument) -> LabeledPolicy {
        LabeledPolicy {
            label: label.into(),
            document,
        }
    }
}

/// Every policy that can take part in one principal's requests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicySet {
    /// Inline and attached managed policies (group policies too, for users).
    pub identity: Vec<LabeledPolicy>,
    pub permissions_boundary: Option<LabeledPolicy>,
    /// SCPs per level: root first, then each OU, then the account. Every level must allow.
    pub scps: Vec<Vec<LabeledPolicy>>,
    /// RCPs per level, like `scps`, for the resource's account.
    pub rcps: Vec<Vec<LabeledPolicy>>,
    /// The resource-based policy (the role trust policy for `sts:AssumeRole`).
    pub resource_policy: Option<LabeledPolicy>,
    /// The session policy passed to AssumeRole/GetFederationToken.
    pub session_policy: Option<LabeledPolicy>,
    /// The policy of the VPC endpoint the request goes through, if it does. It must allow the
    /// request too (any principal, anonymous included) and "does not override or replace
    /// identity-based policies or resource-based policies".
    /// <https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html>
    pub vpc_endpoint_policy: Option<LabeledPolicy>,
}

/// A resource-based policy compiled on its own, to decide many principals' requests on one
/// resource with [`CompiledPolicySet::decide_with`].
/// With [`CompiledResourcePolicy::with_rcps`] it also carries the RCP levels above the
/// resource's account, which replace the set's own (RCPs belong to the resource's account, not
/// the caller's).
#[derive(Debug, Clone, Default)]
pub struct CompiledResourcePolicy {
    policy: Option<CompiledLayer>,
    rcps: Option<Box<[CompiledLayer]>>,
}

impl CompiledResourcePolicy {
    pub fn compile(policy: &LabeledPolicy) -> CompiledResourcePolicy {
        CompiledResourcePolicy {
            policy: Some(compile_one(policy)),
            rcps: None,
        }
    }

    /// A resource without a policy of its own (or whose policy is not known).
    pub fn none() -> CompiledResourcePolicy {
        CompiledResourcePolicy::default()
    }

    /// The RCP levels (root first, then each OU, then the account) of the resource's account.
    /// No level at all means RCPs are not enabled in the organization.
    pub fn with_rcps(mut self, levels: &[Vec<LabeledPolicy>]) -> CompiledResourcePolicy {
        self.rcps = Some(
            levels
                .iter()
                .map(|level| CompiledLayer::new(level.iter().map(compile_policy).collect()))
                .collect(),
        );
        self
    }

    /// Whether a resource-based policy (not only RCPs) is held.
    pub fn has_policy(&self) -> bool {
        self.policy.is_some()
    }
}

fn compile_policy(policy: &LabeledPolicy) -> CompiledPolicy {
    let mut diagnostics = Vec::new();
    CompiledPolicy::compile(
        &policy.label,
        &policy.document,
        PrincipalMode::Require,
        &mut diagnostics,
    )
}

fn compile_one(policy: &LabeledPolicy) -> CompiledLayer {
    CompiledLayer::new(vec![compile_policy(policy)])
}

/// The resource's side of a request: its policy and the RCP levels above its account.
#[derive(Clone, Copy)]
struct Side<'a> {
    policy: Option<&'a CompiledLayer>,
    rcps: &'a [CompiledLayer],
}

/// A [`PolicySet`] compiled for fast repeated evaluation. Immutable and `Sync`: share it across
/// threads.
#[derive(Debug, Clone)]
pub struct CompiledPolicySet {
    identity: CompiledLayer,
    boundary: Option<CompiledLayer>,
    session: Option<CompiledLayer>,
    scps: Box<[CompiledLayer]>,
    rcps: Box<[CompiledLayer]>,
    resource: Option<CompiledLayer>,
    endpoint: Option<CompiledLayer>,
    diagnostics: Vec<Diagnostic>,
}

/// A layer that did not allow, for explanations.
#[derive(Debug, Clone, Copy)]
struct Gap {
    layer: Layer,
    level: Option<usize>,
    message: &'static str,
}

#[derive(Debug, Clone, Copy)]
struct Outcome {
    kind: DecisionKind,
    /// AWS decided without the policies (see `special`).
    special: Option<Special>,
    gaps: [Option<Gap>; 2],
    /// The identity-side allow (identity ∧ boundary ∧ session) counted toward the decision.
    identity_counted: bool,
    resource_counted: bool,
}

impl Outcome {
    fn deny() -> Outcome {
        Outcome {
            kind: DecisionKind::ExplicitDeny,
            special: None,
            gaps: [None, None],
            identity_counted: false,
            resource_counted: false,
        }
    }

    fn implicit(first: Gap, second: Option<Gap>) -> Outcome {
        Outcome {
            kind: DecisionKind::ImplicitDeny,
            special: None,
            gaps: [Some(first), second],
            identity_counted: false,
            resource_counted: false,
        }
    }
}

/// A statement that matched (or nearly matched), for explanations.
#[derive(Debug, Clone, Copy)]
struct Hit {
    layer: Layer,
    level: Option<usize>,
    at: StatementRef,
    effect: Effect,
    outcome: StatementOutcome,
}

/// Collects hits when explaining; does nothing (and lets scans stop early) when only deciding.
trait Recorder {
    const EXPLAIN: bool;
    fn hit(&mut self, hit: Hit);
    fn not_applicable(&mut self, layer: Layer, message: &'static str);
}

struct Quiet;

impl Recorder for Quiet {
    const EXPLAIN: bool = false;
    fn hit(&mut self, _hit: Hit) {}
    fn not_applicable(&mut self, _layer: Layer, _message: &'static str) {}
}

#[derive(Default)]
struct Explain {
    hits: Vec<Hit>,
    not_applicable: Vec<(Layer, &'static str)>,
}

impl Recorder for Explain {
    const EXPLAIN: bool = true;
    fn hit(&mut self, hit: Hit) {
        self.hits.push(hit);
    }
    fn not_applicable(&mut self, layer: Layer, message: &'static str) {
        self.not_applicable.push((layer, message));
    }
}

/// What one layer says about a request.
#[derive(Debug, Clone, Copy, Default)]
struct Scan {
    deny: bool,
    allow: bool,
    grant: Option<GrantKind>,
    not_principal_deny: bool,
}

fn scan<R: Recorder>(
    layer: &CompiledLayer,
    which: Layer,
    level: Option<usize>,
    request: &Request,
    recorder: &mut R,
) -> Scan {
    let mut result = Scan::default();
    for (at, _policy, statement) in layer.candidates(request.service()) {
        let outcome = statement.evaluate(request);
        let hit = Hit {
            layer: which,
            level,
            at,
            effect: statement.effect,
            outcome,
        };
        match (outcome, statement.effect) {
            (StatementOutcome::NoMatch, _) => continue,
            (StatementOutcome::Matched(_), Effect::Deny) => {
                result.deny = true;
                if !R::EXPLAIN {
                    return result;
                }
            }
            (StatementOutcome::Matched(kind), Effect::Allow) => {
                result.allow = true;
                result.grant = result.grant.max(Some(kind));
            }
            (StatementOutcome::NotPrincipalDeny, _) => result.not_principal_deny = true,
            (StatementOutcome::UnknownOperator, _) => {}
            // Near misses only matter for explaining an implicit deny.
            (
                StatementOutcome::ResourceMismatch
                | StatementOutcome::PrincipalMismatch
                | StatementOutcome::ConditionFailed,
                Effect::Allow,
            ) if R::EXPLAIN => {}
            (_, _) => continue,
        }
        recorder.hit(hit);
    }
    result
}

/// Actions on an IAM role whose trust policy must allow the caller, even in the same account.
const TRUST_ACTIONS: [&str; 6] = [
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
    "sts:setcontext",
];

/// Role trust policies and KMS key policies must allow explicitly; naming the account only
/// delegates to identity policies.
fn resource_policy_required(request: &Request) -> bool {
    let resource = &*request.resource;
    let is_role = resource.starts_with("arn:")
        && resource.split(':').nth(2) == Some("iam")
        && resource
            .split(':')
            .nth(5)
            .is_some_and(|r| r.starts_with("role/"));
    if is_role && TRUST_ACTIONS.contains(&&*request.action_lower) {
        return true;
    }
    request.service() == "kms"
        && resource.split(':').nth(2) == Some("kms")
        && resource
            .split(':')
            .nth(5)
            .is_some_and(|r| r.starts_with("key/"))
}

impl CompiledPolicySet {
    pub fn compile(set: &PolicySet) -> CompiledPolicySet {
        let mut diagnostics = Vec::new();
        let mut layer = |policies: &[LabeledPolicy], mode: PrincipalMode| {
            CompiledLayer::new(
                policies
                    .iter()
                    .map(|p| CompiledPolicy::compile(&p.label, &p.document, mode, &mut diagnostics))
                    .collect(),
            )
        };
        let identity = layer(&set.identity, PrincipalMode::Ignore);
        let boundary = set
            .permissions_boundary
            .as_ref()
            .map(|p| layer(std::slice::from_ref(p), PrincipalMode::Ignore));
        let session = set
            .session_policy
            .as_ref()
            .map(|p| layer(std::slice::from_ref(p), PrincipalMode::Ignore));
        let scps = set
            .scps
            .iter()
            .map(|level| layer(level, PrincipalMode::Ignore))
            .collect();
        let rcps = set
            .rcps
            .iter()
            .map(|level| layer(level, PrincipalMode::Require))
            .collect();
        let resource = set
            .resource_policy
            .as_ref()
            .map(|p| layer(std::slice::from_ref(p), PrincipalMode::Require));
        let endpoint = set
            .vpc_endpoint_policy
            .as_ref()
            .map(|p| layer(std::slice::from_ref(p), PrincipalMode::Require));
        CompiledPolicySet {
            identity,
            boundary,
            session,
            scps,
            rcps,
            resource,
            endpoint,
            diagnostics,
        }
    }

    /// Problems found while compiling: unknown operators, invalid values, missing `Principal`.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The decision only: no explanation, no allocation.
    pub fn decide(&self, request: &Request) -> DecisionKind {
        self.run(request, self.own_side(), &mut Quiet).kind
    }

    /// [`CompiledPolicySet::decide`] with `resource_policy` in place of the set's own: one
    /// principal's compiled set serves requests on many resources (who-can, escalation paths).
    pub fn decide_with(
        &self,
        request: &Request,
        resource_policy: Option<&CompiledResourcePolicy>,
    ) -> DecisionKind {
        self.run(request, self.side(resource_policy), &mut Quiet)
            .kind
    }

    /// [`CompiledPolicySet::evaluate`] with `resource_policy` in place of the set's own.
    pub fn evaluate_with(
        &self,
        request: &Request,
        resource_policy: Option<&CompiledResourcePolicy>,
    ) -> Decision {
        let side = self.side(resource_policy);
        let mut explain = Explain::default();
        let outcome = self.run(request, side, &mut explain);
        Decision {
            decision: outcome.kind,
            reasons: self.reasons(request, side, &outcome, &explain),
        }
    }

    /// A necessary condition for [`CompiledPolicySet::decide_with`] to allow any request for
    /// `action` by an IAM role or user, whatever its resource and context: an identity-based
    /// policy has an `Allow` for the action, or the resource policy (`resource_policy`'s, else
    /// the set's own) has one that can grant such a principal by itself (naming it by ARN,
    /// everyone, or through `NotPrincipal`; an account grant needs the identity policy too).
    /// `false` means every such request is denied, so callers probing many resources (escalation
    /// paths) can skip building them. Conditions, resources, boundaries and SCPs are not looked
    /// at: `true` does not mean allowed.
    pub fn may_allow(
        &self,
        action: &str,
        resource_policy: Option<&CompiledResourcePolicy>,
    ) -> bool {
        let mut buffer = [0u8; 96];
        let lowered;
        let action_lower: &str = if action.len() <= buffer.len() && action.is_ascii() {
            let bytes = &mut buffer[..action.len()];
            bytes.copy_from_slice(action.as_bytes());
            bytes.make_ascii_lowercase();
            std::str::from_utf8(bytes).unwrap_or(action)
        } else {
            lowered = action.to_lowercase();
            &lowered
        };
        if action_lower == "sts:getcalleridentity" {
            return true;
        }
        let side = self.side(resource_policy);
        self.identity.may_grant(action_lower)
            || side.policy.is_some_and(|p| p.may_grant(action_lower))
    }

    /// Decisions for many requests, spread over all cores.
    pub fn decide_all(&self, requests: &[Request]) -> Vec<DecisionKind> {
        use rayon::prelude::*;
        requests
            .par_iter()
            .with_min_len(256)
            .map(|request| self.decide(request))
            .collect()
    }

    /// The decision with the statements that made it.
    pub fn evaluate(&self, request: &Request) -> Decision {
        let mut explain = Explain::default();
        let side = self.own_side();
        let outcome = self.run(request, side, &mut explain);
        Decision {
            decision: outcome.kind,
            reasons: self.reasons(request, side, &outcome, &explain),
        }
    }

    fn own_side(&self) -> Side<'_> {
        Side {
            policy: self.resource.as_ref(),
            rcps: &self.rcps,
        }
    }

    /// `resource_policy`'s policy and RCPs where it has them, else the set's own.
    fn side<'a>(&'a self, resource_policy: Option<&'a CompiledResourcePolicy>) -> Side<'a> {
        let Some(given) = resource_policy else {
            return self.own_side();
        };
        Side {
            policy: given.policy.as_ref().or(self.resource.as_ref()),
            rcps: given.rcps.as_deref().unwrap_or(&self.rcps),
        }
    }

    fn run<R: Recorder>(&self, request: &Request, side: Side<'_>, recorder: &mut R) -> Outcome {
        if let Some(special) = request.special {
            return Outcome {
                kind: match special {
                    Special::NoPermissionNeeded(_) => DecisionKind::Allow,
                    Special::Protected(_) => DecisionKind::ExplicitDeny,
                },
                special: Some(special),
                gaps: [None, None],
                identity_counted: false,
                resource_counted: false,
            };
        }
        let principal = &request.principal;
        let aws_identity = !matches!(
            principal.kind,
            PrincipalKind::Service | PrincipalKind::Federated | PrincipalKind::Anonymous
        );
        let scps_apply =
            aws_identity && !request.principal_in_management_account && !principal.service_linked;
        // AWS-owned resources are in no account of the organization: its RCPs do not reach them.
        let rcps_apply = !request.resource_in_management_account
            && !principal.service_linked
            && !request.resource_is_aws_owned()
            && warden_policy::rcp::applies_to(request.service());
        if !self.scps.is_empty() && !scps_apply {
            recorder.not_applicable(Layer::Scp, scp_exemption(request));
        }
        if !side.rcps.is_empty() && !rcps_apply {
            recorder.not_applicable(Layer::Rcp, rcp_exemption(request));
        }
        let mut denied = false;
        let mut scan_layer =
            |layer: &CompiledLayer, which: Layer, level: Option<usize>, denied: &mut bool| {
                let result = scan(layer, which, level, request, recorder);
                *denied |= result.deny;
                result
            };

        // Explicit deny in any applicable policy wins; the fast path stops at the first one.
        let endpoint = self
            .endpoint
            .as_ref()
            .map(|l| scan_layer(l, Layer::VpcEndpoint, None, &mut denied));
        let resource = side
            .policy
            .map(|l| scan_layer(l, Layer::Resource, None, &mut denied));
        // Identity-side policies exist only for AWS identities, not for services or web identities.
        let identity = if aws_identity {
            scan_layer(&self.identity, Layer::Identity, None, &mut denied)
        } else {
            Scan::default()
        };
        let boundary = match (&self.boundary, aws_identity) {
            (Some(l), true) => Some(scan_layer(l, Layer::Boundary, None, &mut denied)),
            _ => None,
        };
        let session = match (&self.session, aws_identity) {
            (Some(l), true) => Some(scan_layer(l, Layer::Session, None, &mut denied)),
            _ => None,
        };
        // "NotPrincipal with Deny always denies a principal that has a permissions boundary."
        if boundary.is_some() && resource.is_some_and(|r| r.not_principal_deny) {
            denied = true;
        }
        if denied && !R::EXPLAIN {
            return Outcome::deny();
        }
        let mut scp_gap = None;
        if scps_apply {
            for (level, layer) in self.scps.iter().enumerate() {
                let result = scan_layer(layer, Layer::Scp, Some(level), &mut denied);
                if !result.allow && scp_gap.is_none() {
                    scp_gap = Some(level);
                }
                if denied && !R::EXPLAIN {
                    return Outcome::deny();
                }
            }
        }
        let mut rcp_gap = None;
        if rcps_apply {
            for (level, layer) in side.rcps.iter().enumerate() {
                let result = scan_layer(layer, Layer::Rcp, Some(level), &mut denied);
                if !result.allow && rcp_gap.is_none() {
                    rcp_gap = Some(level);
                }
                if denied && !R::EXPLAIN {
                    return Outcome::deny();
                }
            }
        }
        if denied {
            return Outcome::deny();
        }
        if let Some(level) = scp_gap {
            let message = "no SCP at this level allows the action (every level from the root to the account must)";
            return Outcome::implicit(
                Gap {
                    layer: Layer::Scp,
                    level: Some(level),
                    message,
                },
                None,
            );
        }
        // The endpoint policy names the caller itself; naming only its account grants the
        // account's root user, not its roles and users (gateway endpoints, as documented).
        if endpoint.is_some_and(|e| e.grant.is_none_or(|g| g == GrantKind::Account)) {
            return Outcome::implicit(
                Gap {
                    layer: Layer::VpcEndpoint,
                    level: None,
                    message: "the VPC endpoint policy does not allow this request",
                },
                None,
            );
        }
        if let Some(level) = rcp_gap {
            let message = "no RCP at this level allows the action (every level from the root to the account must)";
            return Outcome::implicit(
                Gap {
                    layer: Layer::Rcp,
                    level: Some(level),
                    message,
                },
                None,
            );
        }
        // The root user holds every permission in its own account; SCPs still limit it.
        let identity_allow = identity.allow || principal.kind == PrincipalKind::Account;
        self.grant(
            request,
            aws_identity,
            identity_allow,
            boundary,
            session,
            resource,
        )
    }

    /// Whether some policy grants the request, once no deny and no organization gap stopped it.
    fn grant(
        &self,
        request: &Request,
        aws_identity: bool,
        identity_allow: bool,
        boundary: Option<Scan>,
        session: Option<Scan>,
        resource: Option<Scan>,
    ) -> Outcome {
        let boundary_ok = boundary.is_none_or(|b| b.allow);
        let session_ok = session.is_none_or(|s| s.allow);
        let identity_capped = identity_allow && boundary_ok && session_ok;
        let grant = resource.and_then(|r| r.grant);
        let allow = |identity_counted: bool, resource_counted: bool| Outcome {
            kind: DecisionKind::Allow,
            special: None,
            gaps: [None, None],
            identity_counted,
            resource_counted,
        };
        let identity_gap = || {
            if !identity_allow {
                Gap {
                    layer: Layer::Identity,
                    level: None,
                    message: "no identity-based policy allows the action",
                }
            } else if !boundary_ok {
                Gap {
                    layer: Layer::Boundary,
                    level: None,
                    message: "the permissions boundary does not allow the action",
                }
            } else {
                Gap {
                    layer: Layer::Session,
                    level: None,
                    message: "the session policy does not allow the action",
                }
            }
        };
        let cap_gap = || {
            if !boundary_ok {
                Gap {
                    layer: Layer::Boundary,
                    level: None,
                    message: "the resource policy names the role, not the session: the permissions boundary must allow too",
                }
            } else {
                Gap {
                    layer: Layer::Session,
                    level: None,
                    message: "the resource policy names the role, not the session: the session policy must allow too",
                }
            }
        };
        let resource_gap = |message| Gap {
            layer: Layer::Resource,
            level: None,
            message,
        };

        if !aws_identity {
            return match grant {
                Some(_) => allow(false, true),
                None => Outcome::implicit(
                    resource_gap(match (resource.is_some(), &request.principal.kind) {
                        (_, PrincipalKind::Anonymous) => {
                            "an anonymous caller needs a resource policy that allows everyone (`\"Principal\": \"*\"`)"
                        }
                        (true, _) => "the resource policy does not allow this principal",
                        (false, _) => {
                            "a service or federated principal needs a resource policy (trust policy) that allows it"
                        }
                    }),
                    None,
                ),
            };
        }
        if !request.same_account() {
            return match (identity_capped, grant) {
                (true, Some(_)) => allow(true, true),
                (false, Some(_)) => Outcome::implicit(identity_gap(), None),
                (capped, None) => Outcome::implicit(
                    resource_gap(if resource.is_some() {
                        "cross-account access needs the resource policy to allow the principal"
                    } else {
                        "cross-account access needs a resource policy that allows the principal; none was given"
                    }),
                    (!capped).then(identity_gap),
                ),
            };
        }
        if resource_policy_required(request) {
            return match grant {
                Some(GrantKind::Direct) => allow(false, true),
                Some(GrantKind::Underlying) if boundary_ok && session_ok => allow(false, true),
                Some(GrantKind::Underlying) => Outcome::implicit(cap_gap(), None),
                Some(GrantKind::Account) if identity_capped => allow(true, true),
                Some(GrantKind::Account) => Outcome::implicit(identity_gap(), None),
                None => Outcome::implicit(
                    resource_gap(if resource.is_some() {
                        "role trust policies and KMS key policies must allow the principal (or its account) themselves"
                    } else {
                        "role trust policies and KMS key policies must allow the principal; none was given"
                    }),
                    None,
                ),
            };
        }
        match grant {
            _ if identity_capped => allow(
                true,
                matches!(grant, Some(GrantKind::Direct | GrantKind::Underlying)),
            ),
            Some(GrantKind::Direct) => allow(false, true),
            Some(GrantKind::Underlying) if boundary_ok && session_ok => allow(false, true),
            Some(GrantKind::Underlying) => Outcome::implicit(cap_gap(), None),
            _ => Outcome::implicit(
                identity_gap(),
                resource
                    .is_some()
                    .then(|| resource_gap("the resource policy does not allow this principal")),
            ),
        }
    }

    fn layer<'a>(
        &'a self,
        side: Side<'a>,
        layer: Layer,
        level: Option<usize>,
    ) -> Option<&'a CompiledLayer> {
        match layer {
            Layer::Identity => Some(&self.identity),
            Layer::Boundary => self.boundary.as_ref(),
            Layer::Session => self.session.as_ref(),
            Layer::Resource => side.policy,
            Layer::VpcEndpoint => self.endpoint.as_ref(),
            Layer::Scp => self.scps.get(level?),
            Layer::Rcp => side.rcps.get(level?),
        }
    }

    fn reasons(
        &self,
        request: &Request,
        side: Side<'_>,
        outcome: &Outcome,
        explain: &Explain,
    ) -> Vec<Reason> {
        let mut reasons = Vec::new();
        if let Some(special) = outcome.special {
            let (kind, message) = match special {
                Special::NoPermissionNeeded(message) => (ReasonKind::Allow, message),
                Special::Protected(message) => (ReasonKind::Deny, message),
            };
            reasons.push(Reason {
                kind,
                layer: Layer::Resource,
                level: None,
                policy: None,
                statement: None,
                message: message.to_string(),
            });
            return reasons;
        }
        let has_boundary = self.boundary.is_some();
        // What was missing comes first; the statements that nearly applied follow.
        for gap in outcome.gaps.iter().flatten() {
            reasons.push(Reason {
                kind: ReasonKind::NoAllow,
                layer: gap.layer,
                level: gap.level,
                policy: None,
                statement: None,
                message: gap.message.to_string(),
            });
        }
        for hit in &explain.hits {
            let Some((policy, statement)) = self
                .layer(side, hit.layer, hit.level)
                .and_then(|layer| layer.statement(hit.at))
            else {
                continue;
            };
            let (kind, message) = match (hit.outcome, hit.effect, outcome.kind) {
                (StatementOutcome::Matched(_), Effect::Deny, DecisionKind::ExplicitDeny) => {
                    (ReasonKind::Deny, "explicit deny: overrides every allow".to_string())
                }
                (StatementOutcome::NotPrincipalDeny, _, DecisionKind::ExplicitDeny) if has_boundary => (
                    ReasonKind::Deny,
                    "`Deny` with `NotPrincipal` always denies a principal that has a permissions boundary".to_string(),
                ),
                (StatementOutcome::Matched(kind), Effect::Allow, DecisionKind::Allow) => {
                    let counted = match hit.layer {
                        Layer::Identity | Layer::Boundary | Layer::Session => outcome.identity_counted,
                        Layer::Resource => outcome.resource_counted,
                        Layer::Scp | Layer::Rcp | Layer::VpcEndpoint => true,
                    };
                    if !counted {
                        continue;
                    }
                    (ReasonKind::Allow, allow_message(hit.layer, kind))
                }
                (
                    StatementOutcome::ResourceMismatch
                    | StatementOutcome::PrincipalMismatch
                    | StatementOutcome::ConditionFailed,
                    Effect::Allow,
                    DecisionKind::ImplicitDeny,
                ) => {
                    let in_gap = outcome
                        .gaps
                        .iter()
                        .flatten()
                        .any(|gap| gap.layer == hit.layer && gap.level == hit.level);
                    if !in_gap {
                        continue;
                    }
                    (ReasonKind::Note, near_miss_message(hit.outcome, statement, request))
                }
                (StatementOutcome::UnknownOperator, _, _) => (
                    ReasonKind::Note,
                    "statement skipped: its condition uses an unknown operator".to_string(),
                ),
                _ => continue,
            };
            reasons.push(Reason {
                kind,
                layer: hit.layer,
                level: hit.level,
                policy: Some(policy.label.to_string()),
                statement: Some(statement.name.to_string()),
                message,
            });
        }
        for (layer, message) in &explain.not_applicable {
            reasons.push(Reason {
                kind: ReasonKind::NotApplicable,
                layer: *layer,
                level: None,
                policy: None,
                statement: None,
                message: (*message).to_string(),
            });
        }
        if outcome.kind == DecisionKind::Allow
            && outcome.identity_counted
            && request.principal.kind == PrincipalKind::Account
        {
            reasons.push(Reason {
                kind: ReasonKind::Allow,
                layer: Layer::Identity,
                level: None,
                policy: None,
                statement: None,
                message: "the account's root user holds every permission in its account".into(),
            });
        }
        if outcome.kind == DecisionKind::Allow
            && request.resource_account.is_none()
            && request.resource.starts_with("arn:")
        {
            reasons.push(Reason {
                kind: ReasonKind::Note,
                layer: Layer::Resource,
                level: None,
                policy: None,
                statement: None,
                message: "the resource ARN names no account: assumed to be the principal's account"
                    .into(),
            });
        }
        reasons
    }
}

/// Why an `Allow` statement that names the action did not apply.
fn near_miss_message(
    outcome: StatementOutcome,
    statement: &crate::compile::CompiledStatement,
    request: &Request,
) -> String {
    match outcome {
        StatementOutcome::ResourceMismatch => {
            format!(
                "allows the action but not the resource `{}`",
                request.resource
            )
        }
        StatementOutcome::PrincipalMismatch => {
            format!(
                "allows the action but does not name the principal `{}`",
                request.principal.arn
            )
        }
        _ => match statement.failing_condition_key(request) {
            Some(key) => format!("allows the action but its condition on `{key}` is not met"),
            None => "allows the action but its condition is not met".to_string(),
        },
    }
}

fn allow_message(layer: Layer, kind: GrantKind) -> String {
    match (layer, kind) {
        (Layer::Resource, GrantKind::Direct) => "the resource policy allows this principal".into(),
        (Layer::Resource, GrantKind::Underlying) => {
            "the resource policy allows the principal's role (capped by boundary and session policy)".into()
        }
        (Layer::Resource, GrantKind::Account) => "the resource policy allows the principal's account".into(),
        (Layer::Identity, _) => "an identity-based policy allows the action".into(),
        (Layer::Boundary, _) => "the permissions boundary allows the action".into(),
        (Layer::Session, _) => "the session policy allows the action".into(),
        (Layer::VpcEndpoint, _) => "the VPC endpoint policy allows the request".into(),
        (Layer::Scp, _) => "an SCP at this level allows the action".into(),
        (Layer::Rcp, _) => "an RCP at this level allows the action".into(),
    }
}

fn scp_exemption(request: &Request) -> &'static str {
    if request.principal.service_linked {
        "SCPs do not apply to service-linked roles"
    } else if request.principal_in_management_account {
        "SCPs do not apply to the management account"
    } else {
        "SCPs do not apply to service and federated principals"
    }
}

fn rcp_exemption(request: &Request) -> &'static str {
    if request.principal.service_linked {
        "RCPs do not apply to service-linked roles"
    } else if !warden_policy::rcp::applies_to(request.service()) {
        "RCPs do not apply to this service (it is not on the list of services that support RCPs)"
    } else if request.resource_is_aws_owned() {
        "RCPs do not apply to AWS-owned resources"
    } else {
        "RCPs do not apply to resources in the management account"
    }
}
