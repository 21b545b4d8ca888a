//! The drift report of a read-only plan, with live truth beside intent for every account read:
//! each repository role's effective permissions computed from its live documents (with what
//! live grants beyond the repository), users with console access, MFA and key ages when the
//! read covered them (a snapshot), unused roles, who outside the organization can assume what,
//! and the posture findings. The same computation as the evidence bundle's
//! (`warden_report::evidence::add_live_truth`), so the two never disagree.

use std::collections::{BTreeMap, BTreeSet};

use warden_catalog::Catalog;
use warden_lint::{Date, Finding, LintConfig};
use warden_plan::Plan;
use warden_plan::live::Coverage;
use warden_report::drift::{AccountLiveTruth, DriftReport};
use warden_report::evidence::{EvidenceContext, LiveTruth, account_evidence, add_live_truth};
use warden_spec::Definitions;

use crate::err::AppError;
use crate::plan::PlanOutcome;
use crate::posture::{self, PostureRequest};

/// The report of `plan` (the read-only plan, possibly narrowed by `--role`) and the lint
/// `findings` of the definitions, with live truth for every account of `outcome` that was read.
/// `today` judges key and role ages and exceptions.
pub fn build(
    plan: &Plan,
    outcome: &PlanOutcome,
    findings: &[Finding],
    definitions: &Definitions,
    today: Date,
) -> Result<DriftReport, AppError> {
    let report = DriftReport::build(plan, &outcome.organization, findings);
    let organization = &outcome.organization;
    let in_report: BTreeSet<&str> = report
        .accounts
        .iter()
        .map(|account| account.account_id.as_str())
        .collect();
    let catalog = Catalog::embedded();
    let scps = definitions.render_scps(organization)?;
    let request = PostureRequest {
        catalog,
        config: LintConfig::from_spec(&definitions.config),
        posture: posture::posture_config(Some(definitions)),
        today,
        definitions: Some(definitions),
    };
    let organization_accounts = posture::organization_accounts(organization);
    let trusted = posture::trusted_account_names(definitions);
    let now = today.midnight().assume_utc().unix_timestamp();
    let mut truths = BTreeMap::new();
    for live in &outcome.live {
        let Some(account) = organization.account(&live.account_id) else {
            continue;
        };
        if !in_report.contains(live.account_id.as_str()) {
            continue;
        }
        let rendered = definitions.render_for_account(organization, account)?;
        let context = EvidenceContext {
            catalog,
            organization,
            scps: &scps,
            plan: Some(plan),
            findings: &[],
            usage: None,
            aws_managed: None,
            today: today.to_string(),
        };
        let mut evidence = account_evidence(&context, &rendered);
        let file = format!("aws:{}", live.account_id);
        // Warden's access role is checked by Warden on every read (trust and ExternalId): its
        // admin rights are by design, not a hand-made risk.
        let repository_roles: BTreeSet<String> = rendered
            .roles
            .iter()
            .map(|role| role.name.to_ascii_lowercase())
            .chain([definitions.config.access_role_name.to_ascii_lowercase()])
            .collect();
        // Roles of the repository are linted from their definitions already; live findings
        // add the posture and what hand-made roles allow.
        let live_findings: Vec<Finding> = posture::lint_one(live, &file, organization, &request)
            .into_iter()
            .filter(|finding| {
                posture::is_posture_rule(&finding.rule)
                    || finding
                        .principal
                        .as_ref()
                        .is_none_or(|name| !repository_roles.contains(&name.to_ascii_lowercase()))
            })
            .collect();
        add_live_truth(
            &mut evidence,
            &context,
            LiveTruth {
                live,
                findings: live_findings
                    .iter()
                    .filter(|finding| posture::is_posture_rule(&finding.rule))
                    .cloned()
                    .collect(),
                organization_accounts: &organization_accounts,
                trusted: &trusted,
                now,
            },
        );
        truths.insert(
            live.account_id.clone(),
            AccountLiveTruth::from_evidence(
                &evidence,
                live.coverage == Coverage::Full,
                live_findings,
            ),
        );
    }
    Ok(report.with_live_truth(truths))
}
