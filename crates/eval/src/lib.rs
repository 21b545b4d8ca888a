//! Offline AWS policy evaluation: the whole decision chain, with the statements that decided it.
//!
//! Build a [`PolicySet`], compile it once into a [`CompiledPolicySet`], then call
//! [`CompiledPolicySet::decide`] (no explanation, no allocation on the hot path) or
//! [`CompiledPolicySet::evaluate`] (with [`Reason`]s) for each [`Request`].
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
//! # Simplifications
//! - A principal given as a role ARN stands for "a session of this role".
//! - A resource ARN without an account (S3) is in the principal's account unless
//!   [`Request::with_resource_account`] says otherwise.
//! - A session ARN has no role path: a resource policy naming `role/path/Name` in the same
//!   account matches the session of `Name` (role names are unique per account). Set
//!   `aws:PrincipalArn` in the context to give the exact role ARN.
//! - RCPs are applied to every service; AWS applies them only to the services that support them.
//! - `Arn*` values containing policy variables are matched as a whole string, not per component.
//! - No service-specific rules beyond trust and key policies (S3 ACLs, object ownership, VPC
//!   endpoint policies, permission grants and KMS grants are not modelled).

mod arn;
mod compile;
mod condition;
mod date;
mod decision;
mod engine;
pub mod err;
mod pattern;
mod request;

pub use compile::Diagnostic;
pub use decision::{Decision, DecisionKind, Layer, Reason, ReasonKind};
pub use engine::{CompiledPolicySet, LabeledPolicy, PolicySet};
pub use err::RequestError;
pub use request::{Context, PrincipalKind, Request};
