//! Least-privilege linter and guardrails over policies, roles and SCPs.
//!
//! Inputs (policy files, account exports, rendered definitions) become a [`Subject`]; every
//! rule of the [`registry`] runs over it in parallel; live exceptions mark findings as excepted
//! instead of dropping them; emitters in [`emit`] render the result. Pure: no I/O, no clock
//! (`today` is an input).
//!
//! Entry points:
//! - [`lint`]: any [`Subject`] (roles with their policies, standalone documents, SCP targets,
//!   exceptions);
//! - [`lint_policy_text`]: one policy JSON text, positions from its spans;
//! - [`lint_authorization_details`]: a `GetAccountAuthorizationDetails` export;
//! - [`lint_rendered_account`] / [`lint_rendered_scps`]: what plan and apply call before
//!   deploying; refuse when [`has_errors`];
//! - [`spec_input::subject_from_definitions`]: the definitions as written, without an
//!   organization to render them for.
//!
//! Rules live one per file in [`rules`], each a unit struct with its id, name, group, default
//! severity and documentation (`## What it does`, `## Why is this bad?`, `## Example`, `## Fix`).
//! The only hand-kept action lists are the escalation and exposure sets, checked against the
//! catalog by a test; everything else about actions (wildcard expansion, access levels,
//! resource-level permissions, ARN formats, condition keys and their types) comes from
//! `warden-catalog`.

pub mod config;
pub mod emit;
mod engine;
pub mod err;
pub mod escalation;
pub mod export;
mod facts;
pub mod finding;
pub mod live_input;
pub mod registry;
pub mod rule;
pub mod rules;
pub mod spec_input;
pub mod subject;

pub use config::LintConfig;
pub use err::LintError;
pub use finding::{AppliedException, Finding, Severity, Summary};
pub use subject::{
    AttachedPolicy, DocumentSize, Exception, Location, PolicyKind, PolicySubject, Problem,
    RoleSubject, ScpTarget, Subject, TextField, UserSubject,
};

pub use spec_input::{lint_rendered_account, lint_rendered_scps};
/// The date type of `LintOptions::today`, re-exported so callers need not depend on `time`.
pub use time::Date;

use warden_catalog::Catalog;

/// What every lint run needs besides its input.
#[derive(Clone, Copy)]
pub struct LintOptions<'a> {
    pub catalog: &'a Catalog,
    pub config: &'a LintConfig,
    /// The day exceptions are judged on (never read from the clock here).
    pub today: time::Date,
}

/// Lints everything in `subject`. Findings are sorted; excepted ones are marked, not dropped.
pub fn lint(subject: &Subject, options: &LintOptions<'_>) -> Vec<Finding> {
    let env = rule::Env::new(
        options.catalog,
        options.config,
        options.today,
        subject.account.as_deref(),
    );
    engine::lint_subject(subject, &env)
}

/// Lints one policy JSON text. `kind` is inferred when `None` (a `Principal` means a trust or
/// resource policy).
pub fn lint_policy_text(
    file: &str,
    text: &str,
    kind: Option<PolicyKind>,
    options: &LintOptions<'_>,
) -> Result<Vec<Finding>, LintError> {
    let name = file
        .rsplit('/')
        .next()
        .unwrap_or(file)
        .trim_end_matches(".json");
    let policy = PolicySubject::from_json_text(name, kind, file, text)?;
    let subject = Subject {
        policies: vec![policy],
        ..Subject::default()
    };
    Ok(lint(&subject, options))
}

/// Lints a `GetAccountAuthorizationDetails` export (AWS CLI JSON).
pub fn lint_authorization_details(
    file: &str,
    text: &str,
    options: &LintOptions<'_>,
) -> Result<Vec<Finding>, LintError> {
    let subject = export::subject_from_export(file, text, options.config)?;
    Ok(lint(&subject, options))
}

/// True when an active finding is at error level: plan and apply refuse to go on.
pub fn has_errors(findings: &[Finding]) -> bool {
    Summary::of(findings).has_errors()
}

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod rule_cases;
