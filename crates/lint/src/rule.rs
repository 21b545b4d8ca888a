//! The rule interface: a rule's fixed metadata and the checks it runs at each level (document,
//! role, whole subject, exceptions), with the context each level sees.

use std::cell::OnceCell;

use warden_catalog::{Action, ActionId, Catalog};
use warden_policy::Statement;

use crate::config::LintConfig;
use crate::facts::{DocumentPatterns, Facts, Resolution};
use crate::finding::{Finding, Severity};
use crate::subject::{Exception, Location, PolicySubject, RoleSubject, Subject};

/// The area a rule belongs to; the hundreds digit of its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    Structure,
    Actions,
    Resources,
    Conditions,
    Trust,
    Escalation,
    Guardrails,
    Quotas,
    Hygiene,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Structure => "structure",
            Group::Actions => "actions",
            Group::Resources => "resources",
            Group::Conditions => "conditions",
            Group::Trust => "trust",
            Group::Escalation => "escalation",
            Group::Guardrails => "guardrails",
            Group::Quotas => "quotas",
            Group::Hygiene => "hygiene",
        }
    }
}

/// A rule's fixed description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable id, e.g. `WL201`. Never reused.
    pub id: &'static str,
    /// Kebab-case name, e.g. `action-wildcard-service`.
    pub name: &'static str,
    pub group: Group,
    /// Default severity; a finding may be lowered (e.g. when conditions scope the statement).
    pub severity: Severity,
    /// One line, lowercase.
    pub summary: &'static str,
}

/// What every check sees: the catalog, the configuration and the date exceptions are judged on.
pub struct Env<'a> {
    pub facts: Facts<'a>,
    pub config: &'a LintConfig,
    pub today: time::Date,
    /// Account of the roles and policies, when known.
    pub account: Option<&'a str>,
}

impl<'a> Env<'a> {
    pub fn new(
        catalog: &'a Catalog,
        config: &'a LintConfig,
        today: time::Date,
        account: Option<&'a str>,
    ) -> Env<'a> {
        Env {
            facts: Facts::new(catalog),
            config,
            today,
            account,
        }
    }

    /// A finding of `meta`'s rule at `location`, at the rule's default severity.
    pub fn finding(
        &self,
        meta: &RuleMeta,
        location: &Location,
        principal: Option<&str>,
        message: String,
    ) -> Finding {
        Finding {
            rule: meta.id.to_string(),
            severity: meta.severity,
            message,
            file: location.file.clone(),
            line: location.line,
            column: location.column,
            account: self.account.map(str::to_string),
            principal: principal.map(str::to_string),
            sid: None,
            excepted: None,
        }
    }
}

/// Where a document's pattern resolutions come from.
enum Patterns<'a> {
    /// Resolved through the facts' cache when a rule first asks, per statement.
    Lazy(Vec<OnceCell<Vec<Resolution>>>),
    /// Resolved beforehand with the other documents of the subject.
    Table(DocumentPatterns<'a>),
}

/// One policy document, and the role it belongs to when it is a role's trust or inline policy.
pub struct DocumentCx<'a> {
    pub env: &'a Env<'a>,
    pub policy: &'a PolicySubject,
    pub role: Option<&'a RoleSubject>,
    /// What each `Action`/`NotAction` pattern resolves to, per statement.
    patterns: Patterns<'a>,
    /// Known actions of each statement's `Action`, computed once for all rules.
    expansions: Vec<OnceCell<Vec<&'a Action>>>,
}

impl<'a> DocumentCx<'a> {
    pub fn new(
        env: &'a Env<'a>,
        policy: &'a PolicySubject,
        role: Option<&'a RoleSubject>,
    ) -> DocumentCx<'a> {
        let count = policy.document.statements.len();
        DocumentCx {
            env,
            policy,
            role,
            patterns: Patterns::Lazy((0..count).map(|_| OnceCell::new()).collect()),
            expansions: (0..count).map(|_| OnceCell::new()).collect(),
        }
    }

    /// A document whose patterns are already resolved (see
    /// [`crate::facts::PatternTable::document`]).
    pub(crate) fn resolved(
        env: &'a Env<'a>,
        policy: &'a PolicySubject,
        role: Option<&'a RoleSubject>,
        patterns: DocumentPatterns<'a>,
    ) -> DocumentCx<'a> {
        let count = policy.document.statements.len();
        DocumentCx {
            env,
            policy,
            role,
            patterns: Patterns::Table(patterns),
            expansions: (0..count).map(|_| OnceCell::new()).collect(),
        }
    }

    /// What each `Action` (or `NotAction`) pattern of statement `index` names, in written order.
    pub fn resolutions(&self, index: usize) -> impl Iterator<Item = &Resolution> + '_ {
        let (own, table): (&[Resolution], _) = match &self.patterns {
            Patterns::Lazy(cells) => (
                cells
                    .get(index)
                    .map_or(&[][..], |cell| self.resolve(cell, index)),
                None,
            ),
            Patterns::Table(table) => (&[][..], Some(table.statement(index))),
        };
        own.iter().chain(table.into_iter().flatten())
    }

    /// Statement `index`'s patterns resolved through the facts' cache, once.
    fn resolve<'c>(&self, cell: &'c OnceCell<Vec<Resolution>>, index: usize) -> &'c [Resolution] {
        cell.get_or_init(|| {
            self.policy
                .document
                .statements
                .get(index)
                .map_or_else(Vec::new, |statement| {
                    crate::rules::action_values(statement)
                        .iter()
                        .map(|pattern| self.env.facts.resolve(pattern))
                        .collect()
                })
        })
    }

    /// The known actions statement `index`'s `Action` names (wildcards expanded, `*` and
    /// unknown names left out, no repeats; empty for `NotAction`).
    pub fn expanded_actions(&self, index: usize) -> &[&'a Action] {
        let Some(cell) = self.expansions.get(index) else {
            return &[];
        };
        cell.get_or_init(|| {
            let is_action = self
                .policy
                .document
                .statements
                .get(index)
                .is_some_and(|statement| {
                    matches!(statement.action, warden_policy::ActionClause::Action(_))
                });
            if !is_action {
                return Vec::new();
            }
            let mut ids: Vec<ActionId> = Vec::new();
            let mut lists = 0;
            for resolution in self.resolutions(index) {
                if let Resolution::Actions(found) = resolution {
                    ids.extend_from_slice(found);
                    lists += 1;
                }
            }
            // Ids order as (service, name): one sort of integers, no string comparisons.
            let several = lists > 1;
            if several {
                ids.sort_unstable();
                ids.dedup();
            }
            let catalog = self.env.facts.catalog;
            let actions: Vec<&'a Action> = ids
                .into_iter()
                .filter_map(|id| catalog.action_by_id(id))
                .collect();
            actions
        })
    }
}

impl DocumentCx<'_> {
    /// The principal findings are reported on: the role, or the policy itself.
    pub fn principal(&self) -> &str {
        self.role
            .map_or(self.policy.name.as_str(), |role| role.name.as_str())
    }

    /// A finding on statement `index` (with its Sid and position).
    pub fn statement_finding(&self, meta: &RuleMeta, index: usize, message: String) -> Finding {
        let location = self.policy.statement_location(index);
        let mut finding = self
            .env
            .finding(meta, &location, Some(self.principal()), message);
        finding.sid = self
            .policy
            .document
            .statements
            .get(index)
            .and_then(|statement| statement.sid.clone());
        finding
    }

    /// A finding on a condition key of statement `index`: at the key's position when it has
    /// one (keys parsed from values without text have none and keep the statement's).
    pub fn key_finding(
        &self,
        meta: &RuleMeta,
        index: usize,
        entry: &warden_policy::ConditionEntry,
        message: String,
    ) -> Finding {
        let mut finding = self.statement_finding(meta, index, message);
        if entry.span.line > 0 {
            finding.line = entry.span.line;
            finding.column = entry.span.column;
        }
        finding
    }

    /// A finding on one value of statement `index`, at `path` within the statement
    /// (`Resource[2]`): placed on the value where the document's text is known, else on the
    /// statement.
    pub fn value_finding(
        &self,
        meta: &RuleMeta,
        index: usize,
        path: &str,
        message: String,
    ) -> Finding {
        let mut finding = self.statement_finding(meta, index, message);
        let at = self.policy.source.as_deref().and_then(|source| {
            warden_policy::locate(source, &format!("Statement[{index}].{path}"))
        });
        if let Some(span) = at {
            finding.line = span.line;
            finding.column = span.column;
        }
        finding
    }

    /// A finding on the document as a whole.
    pub fn document_finding(&self, meta: &RuleMeta, message: String) -> Finding {
        self.env
            .finding(meta, &self.policy.location, Some(self.principal()), message)
    }

    /// Statements with their index.
    pub fn statements(&self) -> impl Iterator<Item = (usize, &Statement)> {
        self.policy.document.statements.iter().enumerate()
    }

    /// Words naming a statement in messages: its Sid, or its position.
    pub fn statement_label(&self, index: usize) -> String {
        match self
            .policy
            .document
            .statements
            .get(index)
            .and_then(|s| s.sid.as_deref())
        {
            Some(sid) => format!("statement `{sid}`"),
            None => format!("statement {}", index + 1),
        }
    }
}

/// A fixed set of actions some rules look for in `Allow` statements (credential reads, bulk
/// data reads, `iam:PassRole`), prepared once: its actions by service, so that a pattern is
/// matched only against the actions of its own service (all of them when its service part has
/// a wildcard).
pub struct ActionSet {
    actions: &'static [&'static str],
    /// Each distinct service of the set (compared ignoring ASCII case) with the positions of
    /// its actions.
    services: Vec<(&'static str, Vec<usize>)>,
}

impl ActionSet {
    pub fn new(actions: &'static [&'static str]) -> ActionSet {
        let mut services: Vec<(&'static str, Vec<usize>)> = Vec::new();
        for (at, action) in actions.iter().enumerate() {
            let service = action.split_once(':').map_or("", |(service, _)| service);
            match services
                .iter_mut()
                .find(|(known, _)| known.eq_ignore_ascii_case(service))
            {
                Some((_, positions)) => positions.push(at),
                None => services.push((service, vec![at])),
            }
        }
        ActionSet { actions, services }
    }

    /// The actions of the set an `Allow` statement grants through its patterns (`*` excluded:
    /// WL202 reports it), by wildcard match, in the set's order: what
    /// `rules::granted_from` answers, without splitting every action of the set for every
    /// statement.
    pub fn granted(&self, statement: &Statement) -> Vec<String> {
        let Some(patterns) = crate::rules::allowed_actions(statement) else {
            return Vec::new();
        };
        let mut granted = vec![false; self.actions.len()];
        let mut any = false;
        let mut grant = |at: usize, pattern: &str| {
            if let (Some(done), Some(action)) = (granted.get_mut(at), self.actions.get(at))
                && !*done
                && warden_policy::wildcard::matches(
                    pattern,
                    action,
                    warden_policy::wildcard::Case::Insensitive,
                )
            {
                *done = true;
                any = true;
            }
        };
        for pattern in patterns {
            if pattern == "*" || pattern == "*:*" {
                continue;
            }
            match literal_service(pattern) {
                Some(service) => {
                    if let Some((_, positions)) = self
                        .services
                        .iter()
                        .find(|(known, _)| known.eq_ignore_ascii_case(service))
                    {
                        for at in positions {
                            grant(*at, pattern);
                        }
                    }
                }
                None => {
                    for at in 0..self.actions.len() {
                        grant(at, pattern);
                    }
                }
            }
        }
        if !any {
            return Vec::new();
        }
        self.actions
            .iter()
            .zip(granted)
            .filter(|(_, granted)| *granted)
            .map(|(action, _)| (*action).to_string())
            .collect()
    }
}

/// The service part of a pattern (before its first `:`) when it has no wildcard; `None` when
/// it has one or the pattern has no `:` (such a pattern may name an action of any service).
fn literal_service(pattern: &str) -> Option<&str> {
    for (at, byte) in pattern.bytes().enumerate() {
        match byte {
            b':' => return pattern.get(..at),
            b'*' | b'?' => return None,
            _ => {}
        }
    }
    None
}

/// One role with all its policies.
pub struct RoleCx<'a> {
    pub env: &'a Env<'a>,
    pub role: &'a RoleSubject,
}

impl RoleCx<'_> {
    pub fn role_finding(&self, meta: &RuleMeta, message: String) -> Finding {
        self.env
            .finding(meta, &self.role.location, Some(&self.role.name), message)
    }
}

/// Everything linted together.
pub struct SubjectCx<'a> {
    pub env: &'a Env<'a>,
    pub subject: &'a Subject,
}

/// The exceptions, and the findings of every other rule before exceptions were applied.
pub struct ExceptionCx<'a> {
    pub env: &'a Env<'a>,
    pub exceptions: &'a [Exception],
    pub findings: &'a [Finding],
}

/// A lint rule. Implement the levels the rule looks at; the others do nothing.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;

    fn check_document(&self, _cx: &DocumentCx<'_>, _out: &mut Vec<Finding>) {}

    fn check_role(&self, _cx: &RoleCx<'_>, _out: &mut Vec<Finding>) {}

    fn check_subject(&self, _cx: &SubjectCx<'_>, _out: &mut Vec<Finding>) {}

    fn check_exceptions(&self, _cx: &ExceptionCx<'_>, _out: &mut Vec<Finding>) {}

    /// Posture of one live account (users, keys, root, password policy, unused roles, trust).
    fn check_live(&self, _cx: &crate::live_input::LiveCx<'_>, _out: &mut Vec<Finding>) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::{Location, PolicyKind};
    use serde_json::json;

    const SET: &[&str] = &[
        "secretsmanager:GetSecretValue",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "iam:PassRole",
        "IAM:CreateAccessKey",
        "sts:AssumeRole",
    ];

    /// The prepared set grants what `rules::granted_from` grants, in the same order, for
    /// patterns of the set's services and others, wildcard services, patterns without `:`,
    /// `*`, other cases, `Deny` and `NotAction`.
    #[test]
    fn a_prepared_set_grants_what_granted_from_grants() {
        let patterns = [
            "ssm:GetParameter",
            "SSM:getparameter*",
            "ssm:Get*",
            "iam:*",
            "Iam:createaccesskey",
            "i?m:PassRole",
            "*:AssumeRole",
            "s*",
            "s3:GetObject",
            "*",
            "*:*",
            "secretsmanager:List*",
            "secretsmanager:Get?ecretValue",
            "sts",
            "ec2:Describe*",
        ];
        let set = ActionSet::new(SET);
        let mut granted_some = 0;
        for first in 0..patterns.len() {
            for length in 1..4 {
                let actions: Vec<&str> = (0..length)
                    .map(|at| patterns[(first + at * 4) % patterns.len()])
                    .collect();
                for (effect, clause) in [
                    ("Allow", "Action"),
                    ("Deny", "Action"),
                    ("Allow", "NotAction"),
                ] {
                    let policy = crate::subject::PolicySubject::from_value(
                        "p",
                        PolicyKind::Identity,
                        Location::file("p.json"),
                        &json!({"Version": "2012-10-17", "Statement": [
                            {"Effect": effect, clause: actions, "Resource": "*"}
                        ]}),
                    )
                    .unwrap();
                    let statement = &policy.document.statements[0];
                    let expected = crate::rules::granted_from(statement, SET);
                    assert_eq!(
                        set.granted(statement),
                        expected,
                        "{effect} {clause} {actions:?}"
                    );
                    granted_some += usize::from(!expected.is_empty());
                }
            }
        }
        assert!(granted_some > 20, "{granted_some}");
    }
}
