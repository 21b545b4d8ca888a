//! Lint of what would be deployed: the definitions rendered for every account of an
//! organization, and its SCPs, judged on a given day; and `lint --live`, the posture of the
//! organization's IAM read now.

use warden_catalog::Catalog;
use warden_lint::{Date, Finding, LintConfig, Severity, lint_rendered_account, lint_rendered_scps};
use warden_spec::defs::Config;
use warden_spec::org::Organization;
use warden_spec::render::{RenderedAccount, RenderedScp};
use warden_spec::{Definitions, SpecErrors};

use crate::err::AppError;
use crate::live::LiveOrganization;
use crate::posture::{PostureLint, PostureRequest};
use crate::source::ProgressEvent;

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

/// What `lint --live` found on the organization read now.
#[derive(Debug, Default)]
pub struct LiveLint {
    /// The posture, trust and escalation rules of each account read.
    pub posture: PostureLint,
    /// WL790: escalation paths across the accounts read, their SCPs and RCPs.
    pub escalation: Vec<Finding>,
}

/// `lint --live`: reads the organization's inventory, SCPs and RCPs now and saves the inventory
/// where `plan` does (so the definitions are rendered for it, as `lint` does after a plan), then
/// reads every member account's IAM in full once and lints each as it arrives (only `account`,
/// by id or name, when given), lints the organization's RCPs, then finds the escalation paths
/// across all of them: the same findings as `lint --snapshot` over a snapshot taken now.
pub async fn read_live(
    org: &LiveOrganization,
    definitions: &Definitions,
    root: &std::path::Path,
    account: Option<&str>,
    today: Date,
    progress: &(dyn Fn(ProgressEvent) + Sync),
) -> Result<LiveLint, AppError> {
    let aws = org.aws();
    let (organization, scps, rcps) =
        tokio::join!(aws.inventory(), aws.read_scps(), aws.read_rcps());
    let (organization, scps, rcps) = (organization?, scps?, rcps?);
    let saved = crate::plan::saved_inventory_path(root);
    let written = serde_json::to_string_pretty(&organization)
        .map_err(std::io::Error::other)
        .and_then(|text| {
            std::fs::create_dir_all(saved.parent().unwrap_or(root))?;
            std::fs::write(&saved, text)
        });
    written.map_err(|err| AppError::File {
        action: "write",
        path: saved.display().to_string(),
        message: err.to_string(),
    })?;
    let only = match account {
        Some(wanted) => vec![
            organization
                .accounts
                .iter()
                .find(|candidate| candidate.id == wanted || candidate.name == wanted)
                .map(|candidate| candidate.id.clone())
                .ok_or_else(|| AppError::UnknownAccount {
                    account: wanted.to_string(),
                    file: "the organization".to_string(),
                })?,
        ],
        None => Vec::new(),
    };
    let request = PostureRequest {
        catalog: Catalog::embedded(),
        config: LintConfig::from_spec(&definitions.config),
        posture: crate::posture::posture_config(Some(definitions)),
        today,
        definitions: Some(definitions),
    };
    let (mut posture, accounts) =
        crate::posture::lint_live(org, &organization, &only, &request, progress).await;
    posture.findings.extend(crate::posture::lint_rcps(
        &rcps,
        "aws:organization",
        &request,
    ));
    let escalation =
        crate::paths::live_escalations(&organization, &scps, &rcps, &accounts, root, account)?;
    Ok(LiveLint {
        posture,
        escalation,
    })
}

/// The day lint judges on: `--today` as given (`YYYY-MM-DD`), else today (UTC).
pub fn today_or(given: Option<&str>) -> Result<Date, AppError> {
    match given {
        Some(text) => warden_policy::date::parse_day(text).ok_or_else(|| {
            AppError::Policy(format!(
                "`--today {text}` is not a date: expected `YYYY-MM-DD`"
            ))
        }),
        None => crate::today(),
    }
}

/// Findings in `format`; SARIF with paths relative to `cwd`, where the command runs (the
/// checkout CI uploads from).
pub fn render(
    format: warden_lint::emit::Format,
    findings: &[Finding],
    cwd: &std::path::Path,
) -> String {
    match format {
        warden_lint::emit::Format::Sarif => warden_lint::emit::sarif::render_relative_to(
            findings,
            &cwd.to_string_lossy(),
            "warden-lint/",
        ),
        _ => warden_lint::emit::render(format, findings),
    }
}

/// [`render`] written to `out`, JSON part by part (a large report is not joined first).
///
/// # Errors
/// When `out` refuses a write.
pub fn write(
    format: warden_lint::emit::Format,
    findings: &[Finding],
    cwd: &std::path::Path,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    match format {
        warden_lint::emit::Format::Json => warden_lint::emit::json::write(findings, out),
        _ => out.write_all(render(format, findings, cwd).as_bytes()),
    }
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
    let mut findings = lint_rendered(&definitions.config, &rendered, &scps, today);
    findings.extend(crate::paths::definitions_findings(
        definitions,
        organization,
        account,
    ));
    Ok(OrganizationLint {
        findings,
        accounts: rendered.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_a_given_day_or_refused_with_the_expected_form() {
        let day = today_or(Some("2026-12-03")).unwrap();
        assert_eq!(warden_policy::date::format_day(day), "2026-12-03");
        let err = today_or(Some("2026-13-03")).unwrap_err().to_string();
        assert_eq!(
            err,
            "`--today 2026-13-03` is not a date: expected `YYYY-MM-DD`"
        );
        assert!(today_or(None).is_ok());
    }

    /// A partial live read says which accounts were not read, and why, in the scope line.
    #[test]
    fn the_live_scope_names_unread_accounts() {
        let posture = PostureLint {
            findings: Vec::new(),
            accounts: 2,
            unread: vec![("111122223333".into(), "AccessDenied".into())],
        };
        let mut linted = crate::lint_files::Linted::default();
        posture.add_to(&mut linted, "read now");
        assert_eq!(
            linted.scope,
            ["live posture of 2 account(s) read now; not read: 111122223333 (AccessDenied)"]
        );
    }
}
