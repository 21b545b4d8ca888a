//! Offline AWS policy evaluation: the whole decision chain, with the statements that decided it.
//!
//! Build a [`PolicySet`], compile it once into a [`CompiledPolicySet`], then call
//! [`CompiledPolicySet::decide`] (no explanation), [`CompiledPolicySet::decide_all`] (many
//! requests over all cores) or [`CompiledPolicySet::evaluate`] (with [`Reason`]s) for each
//! [`Request`] (built once with [`Request::new`] … [`Request::finish`]).
//!
//! Compiling lowercases action patterns, tokenizes wildcards, parses CIDRs, numbers and dates,
//! hashes condition keys and indexes statements by service prefix, so `decide` does not
//! allocate, except to fold an upper-case request value for `StringEqualsIgnoreCase` and to
//! resolve policy variables inside `Arn*` values or case-insensitive operators.
//!
//! # Decision chain (IAM "Policy evaluation logic")
//! 1. An explicit `Deny` in any applicable policy wins: identity policies, permissions
//!    boundary, session policy, SCPs, RCPs, resource policy.
//! 2. Every SCP level (root, each OU, the account) must allow; likewise every RCP level.
//!    SCPs do not apply to the management account, to service-linked roles, or to service and
//!    federated principals. RCPs do not apply to resources in the management account or to
//!    service-linked roles.
//! 3. Same account: a resource-policy statement naming the principal itself (user ARN, session
//!    ARN, `*`, service) grants on its own, not capped by the boundary or session policy; one
//!    naming the role behind a session (or the user behind a federated user) is capped by both;
//!    one naming the account delegates to identity policies. Otherwise identity policies allow,
//!    capped by the boundary and the session policy.
//! 4. Role trust policies (`sts:AssumeRole*`, `sts:TagSession`, … on a role) and KMS key
//!    policies must themselves allow, even in the same account.
//! 5. Cross account: identity side (capped) and resource policy must both allow.
//! 6. Otherwise implicit deny.
//!
//! # Special cases AWS decides without the policies (`special`)
//! - `sts:GetCallerIdentity` is always allowed, even under an explicit deny.
//! - AWS-protected resources cannot be changed whatever the policies say (reported as an
//!   explicit deny naming the rule): AWS managed policies (`arn:…:iam::aws:policy/…`), IAM
//!   Identity Center reserved roles (`/aws-reserved/sso.amazonaws.com/`, except by a
//!   service-linked role), service-linked roles (`/aws-service-role/`, except their
//!   description, tags and `DeleteServiceLinkedRole`), KMS aliases under `alias/aws/`.
//! - A resource whose ARN names the account `aws` is AWS-owned: identity policies decide alone
//!   and the organization's RCPs do not apply.
//! - An anonymous caller (`"*"`) has no identity policies and no SCPs; only a resource policy
//!   naming everyone grants. A VPC endpoint policy, when given, must allow as well (naming an
//!   account there admits only its root user).
//! - A request on a resource pattern is decided for every resource it matches
//!   ([`resource_pattern`]).
//!
//! # Principals in resource policies
//! `ID` and `arn:aws:iam::ID:root` are the same principal; they delegate to the account (for a
//! request from another account the identity side must allow too; in the same account such a
//! statement adds nothing beyond the identity policies). `"*"` and `{"AWS": "*"}` name everyone.
//! A session `arn:aws:sts::ID:assumed-role/Name/session` is matched by its session ARN
//! (uncapped grant), by its role ARN (capped grant) and by its account. `NotPrincipal` with
//! `Deny` applies unless the session ARN, the role ARN and the account are all listed, and always
//! applies to a principal with a permissions boundary (as AWS documents).
//!
//! # Conditions
//! See the `condition` module: AND across keys and operators, OR across values (NOR when
//! negated), negated operators and `…IfExists` match a missing key, `ForAllValues:` is true and
//! `ForAnyValue:` false on a missing or empty set, `Null` tests presence, policy variables come
//! from the context (a missing one makes the condition or resource not match, unless it has a
//! default), actions match case-insensitively, resources and most values case-sensitively,
//! condition key names case-insensitively.
//!
//! # Assumptions and simplifications
//! - A principal given as a role ARN stands for "a session of this role". An account id (or
//!   `:root` ARN) stands for the root user: it needs no identity policy in its own account.
//! - A resource ARN without an account (S3) is in the principal's account unless
//!   [`Request::with_resource_account`] says otherwise; the explanation says so.
//! - A session ARN has no role path: a resource policy naming `role/path/Name` in the same
//!   account matches the session of `Name` (role names are unique per account). Set
//!   `aws:PrincipalArn` in the context to give the exact role ARN.
//! - [`Request::finish`] adds global keys AWS would set when the caller did not:
//!   `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username` (users),
//!   `aws:PrincipalIsAWSService`, `aws:PrincipalServiceName`, `aws:ResourceAccount`, and
//!   `aws:RequestedRegion` from the resource ARN's region. Other keys (`aws:SourceIp`,
//!   `aws:CurrentTime`, `aws:SecureTransport`, tags…) are only what the caller gives.
//! - A multi-valued key used without `ForAllValues:`/`ForAnyValue:` matches when any of its
//!   values matches (negated operators: when none does). AWS says such keys "require" a set
//!   operator and does not document the unqualified behaviour.
//! - A request value that does not parse for a typed operator (number, date, IP, bool, ARN)
//!   matches nothing, for positive and negated operators alike.
//! - An empty SCP or RCP level allows nothing (AWS never leaves a level without a policy).
//! - RCPs apply only to the services that support them (S3, STS, KMS, SQS, Secrets Manager,
//!   Cognito user pools, CloudWatch Logs, DynamoDB, ECR, OpenSearch Serverless), as listed when
//!   written; they are skipped for resources in the management account and for service-linked
//!   roles; SCPs are skipped for the management
//!   account, service-linked roles (path `/aws-service-role/` or name `AWSServiceRoleFor…`) and
//!   service or federated callers.
//! - `Arn*` values containing policy variables are matched as a whole string, not per component.
//! - Unknown condition operators never match; they are listed by
//!   [`CompiledPolicySet::diagnostics`] and named in the reasons when they decided a statement.
//! - Not modelled: S3 ACLs and object ownership, KMS grants, Lake
//!   Formation and RAM shares, `aws:CalledVia` chains, and the per-service quirks of resource
//!   policies other than role trust and KMS key policies.

pub mod batch;
mod compile;
mod condition;
mod decision;
mod engine;
pub mod err;
mod pattern;
mod request;
pub mod request_file;
pub mod resource_pattern;
pub mod role_session;
mod special;

pub use compile::Diagnostic;
pub use decision::{Decision, DecisionKind, Layer, Reason, ReasonKind};
pub use engine::{CompiledPolicySet, CompiledResourcePolicy, LabeledPolicy, PolicySet};
pub use err::RequestError;
pub use request::{Context, ContextValues, PrincipalKind, Request};
pub use request_file::{ContextOverrides, RequestFileErrors, parse_request_file};
