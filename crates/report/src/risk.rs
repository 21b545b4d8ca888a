//! Risk classes: which kind of harm a lint finding or a drift change points at, from one table,
//! so the drift page and the evidence pages count findings the same way.
//!
//! The classes follow the usual grouping of IAM risk (privilege escalation, resource exposure,
//! data exfiltration, credentials exposure) plus trust and guardrails. Rules about structure,
//! spelling, quotas and hygiene are not a risk by themselves: they count as [`RiskClass::Other`].

use serde::{Deserialize, Serialize};
use warden_lint::{Finding, Severity};

use crate::drift::ChangeRow;

/// What kind of harm a finding points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskClass {
    /// A principal can give itself or another more access than it was granted.
    Escalation,
    /// Access wider than reviewed: resources open to everything, policies that expose them,
    /// access added by hand.
    Exposure,
    /// Data can be read out in bulk.
    Exfiltration,
    /// Long-lived or weakly protected credentials: users, keys, root, passwords.
    Credentials,
    /// Who can assume a role: anyone, outside accounts, unscoped federation.
    Trust,
    /// Controls that cap the damage are missing: boundaries, SCPs, regions, expired
    /// exceptions, standing access nobody uses.
    Guardrails,
    /// Correctness and hygiene (structure, unknown actions, quotas, justifications).
    Other,
}

impl RiskClass {
    /// The risk classes, in display order ([`RiskClass::Other`] last).
    pub const ALL: [RiskClass; 7] = [
        RiskClass::Escalation,
        RiskClass::Exposure,
        RiskClass::Exfiltration,
        RiskClass::Credentials,
        RiskClass::Trust,
        RiskClass::Guardrails,
        RiskClass::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RiskClass::Escalation => "escalation",
            RiskClass::Exposure => "exposure",
            RiskClass::Exfiltration => "exfiltration",
            RiskClass::Credentials => "credentials",
            RiskClass::Trust => "trust",
            RiskClass::Guardrails => "guardrails",
            RiskClass::Other => "other",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Every rule that names a risk, with its class. A rule not listed is [`RiskClass::Other`].
/// Drift changes are classed by [`class_of_change`].
pub const RULE_CLASSES: &[(&str, RiskClass)] = &[
    // Broad actions let a role do what nobody reviewed, including granting itself more.
    ("WL201", RiskClass::Escalation),
    ("WL202", RiskClass::Escalation),
    ("WL203", RiskClass::Escalation),
    ("WL601", RiskClass::Escalation),
    ("WL602", RiskClass::Escalation),
    ("WL790", RiskClass::Escalation),
    ("WL301", RiskClass::Exposure),
    ("WL304", RiskClass::Exposure),
    ("WL605", RiskClass::Exposure),
    ("WL604", RiskClass::Exfiltration),
    ("WL403", RiskClass::Credentials),
    ("WL603", RiskClass::Credentials),
    ("WL750", RiskClass::Credentials),
    ("WL751", RiskClass::Credentials),
    ("WL752", RiskClass::Credentials),
    ("WL753", RiskClass::Credentials),
    ("WL754", RiskClass::Credentials),
    ("WL755", RiskClass::Credentials),
    ("WL756", RiskClass::Credentials),
    ("WL501", RiskClass::Trust),
    ("WL502", RiskClass::Trust),
    ("WL503", RiskClass::Trust),
    ("WL504", RiskClass::Trust),
    ("WL505", RiskClass::Trust),
    ("WL506", RiskClass::Trust),
    ("WL507", RiskClass::Trust),
    ("WL508", RiskClass::Trust),
    ("WL509", RiskClass::Trust),
    ("WL510", RiskClass::Trust),
    ("WL511", RiskClass::Trust),
    ("WL512", RiskClass::Trust),
    ("WL513", RiskClass::Trust),
    ("WL550", RiskClass::Trust),
    ("WL701", RiskClass::Guardrails),
    ("WL703", RiskClass::Guardrails),
    ("WL704", RiskClass::Guardrails),
    ("WL706", RiskClass::Guardrails),
    // An RCP Organizations refuses is a data perimeter that is not there.
    ("WL707", RiskClass::Guardrails),
    ("WL708", RiskClass::Guardrails),
    ("WL709", RiskClass::Guardrails),
    ("WL710", RiskClass::Guardrails),
    ("WL757", RiskClass::Guardrails),
];

/// The class of a lint rule by id.
pub fn class_of_rule(rule: &str) -> RiskClass {
    RULE_CLASSES
        .iter()
        .find(|(id, _)| *id == rule)
        .map_or(RiskClass::Other, |(_, class)| *class)
}

/// The class of a drift change, or `None` when it is no risk: only changes where live IAM
/// allows more than the repository count (a role or policy missing live takes nothing away).
/// Trust widened by hand is trust, a missing boundary or a changed SCP is guardrails, any other
/// access added by hand is exposure.
pub fn class_of_change(row: &ChangeRow) -> Option<RiskClass> {
    if !row.live_grants_more {
        return None;
    }
    Some(match row.kind.as_str() {
        "trust" => RiskClass::Trust,
        "role boundary" | "boundary" | "scp" | "scp attachment" => RiskClass::Guardrails,
        _ => RiskClass::Exposure,
    })
}

/// Findings counted per class and severity; excepted findings apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCounts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Drift changes where live IAM grants more.
    pub drift: usize,
    pub excepted: usize,
}

impl ClassCounts {
    /// Active findings and risky drift.
    pub fn active(&self) -> usize {
        self.errors + self.warnings + self.infos + self.drift
    }
}

/// Counts per [`RiskClass`], indexed by [`RiskClass::index`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskCounts(pub [ClassCounts; 7]);

impl RiskCounts {
    pub fn add_finding(&mut self, finding: &Finding) {
        let counts = &mut self.0[class_of_rule(&finding.rule).index()];
        match (finding.is_active(), finding.severity) {
            (false, _) => counts.excepted += 1,
            (true, Severity::Error) => counts.errors += 1,
            (true, Severity::Warning) => counts.warnings += 1,
            (true, Severity::Info) => counts.infos += 1,
        }
    }

    pub fn add_change(&mut self, row: &ChangeRow) {
        if let Some(class) = class_of_change(row) {
            self.0[class.index()].drift += 1;
        }
    }

    pub fn merge(&mut self, other: &RiskCounts) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            mine.errors += theirs.errors;
            mine.warnings += theirs.warnings;
            mine.infos += theirs.infos;
            mine.drift += theirs.drift;
            mine.excepted += theirs.excepted;
        }
    }

    pub fn get(&self, class: RiskClass) -> ClassCounts {
        self.0[class.index()]
    }

    /// Active findings and risky drift in the six risk classes ([`RiskClass::Other`] left out).
    pub fn risks(&self) -> usize {
        RiskClass::ALL
            .iter()
            .filter(|class| **class != RiskClass::Other)
            .map(|class| self.get(*class).active())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_classed_rule_exists_once_and_the_rest_are_other() {
        let mut seen = std::collections::BTreeSet::new();
        for (id, _) in RULE_CLASSES {
            assert!(seen.insert(*id), "{id} listed twice");
            assert!(
                warden_lint::registry::by_id(id).is_some(),
                "{id} is not a rule"
            );
        }
        assert_eq!(class_of_rule("WL602"), RiskClass::Escalation);
        assert_eq!(class_of_rule("WL504"), RiskClass::Trust);
        assert_eq!(class_of_rule("WL101"), RiskClass::Other);
        // Every RCP grammar rule is a guardrail; the RCP size quota counts as the SCP one does.
        for meta in warden_lint::registry::metas() {
            if meta.name.starts_with("rcp-") {
                assert_eq!(class_of_rule(meta.id), RiskClass::Guardrails, "{}", meta.id);
            }
        }
        assert_eq!(class_of_rule("WL807"), class_of_rule("WL805"));
        // Every trust rule of the registry is classed as trust.
        for meta in warden_lint::registry::metas() {
            if meta.group == warden_lint::rule::Group::Trust {
                assert_eq!(class_of_rule(meta.id), RiskClass::Trust, "{}", meta.id);
            }
        }
    }

    #[test]
    fn only_drift_granting_more_is_a_risk() {
        let row = |kind: &str, more: bool| ChangeRow {
            action: warden_plan::Action::Update,
            kind: kind.into(),
            subject: "r".into(),
            difference: crate::drift::Difference::Differs,
            live_grants_more: more,
            detail: Vec::new(),
        };
        assert_eq!(class_of_change(&row("inline", false)), None);
        assert_eq!(
            class_of_change(&row("inline", true)),
            Some(RiskClass::Exposure)
        );
        assert_eq!(class_of_change(&row("trust", true)), Some(RiskClass::Trust));
        assert_eq!(
            class_of_change(&row("role boundary", true)),
            Some(RiskClass::Guardrails)
        );
    }
}
