//! Lint of what would be deployed: the definitions rendered for every account of an
//! organization, and its SCPs, judged on a given day.

use warden_catalog::Catalog;
use warden_lint::{Date, Finding, LintConfig, Severity, lint_rendered_account, lint_rendered_scps};
use warden_spec::defs::Config;
use warden_spec::org::Organization;
use warden_spec::render::{RenderedAccount, RenderedScp};
use warden_spec::{Definitions, SpecErrors};

use crate::err::AppError;

/// Every finding (active and excepted) of the rendered accounts and SCPs on `today`.
pub fn lint_rendered(
    config: &Config,
    accounts: &[RenderedAccount],
    scps: &[RenderedScp],
    today: Date,
) -> Vec<Finding> {
    let config = LintConfig::from_spec(config);
    let catalog = Catalog::embedded();
    let mut findings = Vec::new();
    for account in accounts {
        findings.extend(lint_rendered_account(account, &config, catalog, today));
    }
    findings.extend(lint_rendered_scps(scps, &config, catalog, today));
    findings
}

/// The gate before plan and apply: active error findings refuse with [`AppError::Lint`].
pub fn gate(
    config: &Config,
    accounts: &[RenderedAccount],
    scps: &[RenderedScp],
    today: Date,
) -> Result<(), AppError> {
    let findings = lint_rendered(config, accounts, scps, today);
    if !warden_lint::has_errors(&findings) {
        return Ok(());
    }
    Err(AppError::Lint(
        findings
            .into_iter()
            .filter(|finding| finding.is_active() && finding.severity == Severity::Error)
            .collect(),
    ))
}

/// The lint of an organization file's worth of accounts.
#[derive(Debug, Clone)]
pub struct OrganizationLint {
    pub findings: Vec<Finding>,
    /// Accounts the definitions were rendered for.
    pub accounts: usize,
}

/// Renders the definitions for every account of `organization` (only `account` when given,
/// by id) and its SCPs, and lints them all.
pub fn lint_organization(
    definitions: &Definitions,
    organization: &Organization,
    account: Option<&str>,
    today: Date,
) -> Result<OrganizationLint, SpecErrors> {
    let mut rendered = Vec::new();
    for candidate in &organization.accounts {
        if account.is_some_and(|id| id != candidate.id) {
            continue;
        }
        rendered.push(definitions.render_for_account(organization, candidate)?);
    }
    let scps = definitions.render_scps(organization)?;
    Ok(OrganizationLint {
        findings: lint_rendered(&definitions.config, &rendered, &scps, today),
        accounts: rendered.len(),
    })
}
