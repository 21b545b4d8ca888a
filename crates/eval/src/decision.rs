//! The result of an evaluation: the decision and the statements (or missing statements) that
//! made it.

use std::fmt;

use serde::Serialize;

/// The three outcomes of AWS policy evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DecisionKind {
    Allow,
    /// A matching `Deny` statement in some policy.
    ExplicitDeny,
    /// No applicable allow (or a required layer did not allow).
    ImplicitDeny,
}

impl DecisionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Allow => "Allow",
            DecisionKind::ExplicitDeny => "ExplicitDeny",
            DecisionKind::ImplicitDeny => "ImplicitDeny",
        }
    }

    pub fn is_allow(self) -> bool {
        self == DecisionKind::Allow
    }
}

impl fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which kind of policy a reason refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// Identity-based policies (inline and managed) of the principal.
    Identity,
    /// The permissions boundary.
    Boundary,
    /// Service control policies at one level (0 = root, then each OU, then the account).
    Scp,
    /// Resource control policies at one level.
    Rcp,
    /// The resource-based policy (the trust policy for `sts:AssumeRole`).
    Resource,
    /// The session policy passed when the session was created.
    Session,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Identity => "identity",
            Layer::Boundary => "boundary",
            Layer::Scp => "scp",
            Layer::Rcp => "rcp",
            Layer::Resource => "resource policy",
            Layer::Session => "session policy",
        }
    }
}

/// What a reason says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// This `Deny` statement matched.
    Deny,
    /// This `Allow` statement matched and contributed to the decision.
    Allow,
    /// The layer has no matching `Allow` (and it needed one).
    NoAllow,
    /// The layer does not apply to this request (management account, service-linked role…).
    NotApplicable,
    /// Something the engine could not interpret, or a simplification that mattered.
    Note,
}

/// One reason for a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub kind: ReasonKind,
    pub layer: Layer,
    /// SCP/RCP level: 0 is the root, then each OU, then the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<usize>,
    /// The policy's label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The statement's `Sid`, or `#index` (0-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    pub message: String,
}

impl Reason {
    /// `scp level 1`, `identity`, …
    pub fn layer_name(&self) -> String {
        match self.level {
            Some(level) => format!("{} level {level}", self.layer.as_str()),
            None => self.layer.as_str().to_string(),
        }
    }
}

/// A decision with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub decision: DecisionKind,
    pub reasons: Vec<Reason>,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.decision)?;
        for reason in &self.reasons {
            let kind = match reason.kind {
                ReasonKind::Deny => "deny",
                ReasonKind::Allow => "allow",
                ReasonKind::NoAllow => "no allow",
                ReasonKind::NotApplicable => "n/a",
                ReasonKind::Note => "note",
            };
            write!(f, "  {kind:<8} {}", reason.layer_name())?;
            if let Some(policy) = &reason.policy {
                write!(f, " `{policy}`")?;
            }
            if let Some(statement) = &reason.statement {
                write!(f, " statement `{statement}`")?;
            }
            writeln!(f, ": {}", reason.message)?;
        }
        Ok(())
    }
}
