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
    /// The policy of the VPC endpoint the request goes through.
    VpcEndpoint,
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
            Layer::VpcEndpoint => "vpc endpoint policy",
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
            write!(f, "  {:<14} {}", reason.kind.as_str(), reason.layer_name())?;
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

impl ReasonKind {
    /// The name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonKind::Deny => "deny",
            ReasonKind::Allow => "allow",
            ReasonKind::NoAllow => "no_allow",
            ReasonKind::NotApplicable => "not_applicable",
            ReasonKind::Note => "note",
        }
    }
}

impl Decision {
    /// The decision, then one row per reason with aligned columns, for terminals.
    pub fn table(&self) -> String {
        let header = ["KIND", "LAYER", "POLICY", "STATEMENT", "WHY"];
        let rows: Vec<[String; 5]> = self
            .reasons
            .iter()
            .map(|reason| {
                [
                    reason.kind.as_str().to_string(),
                    reason.layer_name(),
                    reason.policy.clone().unwrap_or_else(|| "-".into()),
                    reason.statement.clone().unwrap_or_else(|| "-".into()),
                    reason.message.clone(),
                ]
            })
            .collect();
        let mut widths = header.map(str::len);
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = format!("decision: {}\n", self.decision);
        if rows.is_empty() {
            return out;
        }
        let mut line = |cells: [&str; 5]| {
            let mut text = String::new();
            for (index, cell) in cells.iter().enumerate() {
                text.push_str(cell);
                if index + 1 < cells.len() {
                    let pad = widths[index].saturating_sub(cell.chars().count()) + 2;
                    text.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(header);
        for row in &rows {
            line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
        }
        out
    }
}
