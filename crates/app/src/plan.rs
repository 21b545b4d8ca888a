//! Plan: inventory, render, lint gate, parallel read and the diff on all cores; the read-only
//! plan drift and evidence report on; the inventory and plan files under `.warden/`.

use std::path::{Path, PathBuf};

use warden_lint::{Date, Finding};
use warden_plan::from_spec;
use warden_plan::live::LiveAccount;
use warden_plan::saved::{Plan, PlanHeader, Unreadable};
use warden_spec::Definitions;
use warden_spec::org::Organization;

use crate::err::AppError;
use crate::lint;
use crate::select::render_selected;
use crate::source::{ProgressEvent, ReadOrganization, ReadResult};

/// What to plan.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// Only these account ids (all when both filters are empty).
    pub accounts: Vec<String>,
    /// Only accounts under these OU paths (`Root/Workloads`) or OU ids.
    pub ous: Vec<String>,
    /// Refuses the plan when the rendered definitions have lint errors (checked before any
    /// member account is read).
    /// Lint exceptions are judged on this day; `None` plans without the lint gate.
    pub lint: Option<Date>,
    /// Commit, dirty flag and time for the plan header.
    pub commit: Option<String>,
    pub dirty: bool,
    pub created_at: String,
}

impl PlanRequest {
    /// The whole organization, lint-gated on today, with the commit of the repository at `root`.
    pub fn for_repository(root: &Path) -> Result<PlanRequest, AppError> {
        let (commit, dirty) = crate::repo::git_commit(root);
        Ok(PlanRequest {
            lint: Some(crate::today()?),
            commit,
            dirty,
            created_at: crate::now_rfc3339(),
            ..PlanRequest::default()
        })
    }

    /// Only these accounts (ids or names) and OUs (paths or ids); all when both are empty.
    pub fn selecting(self, accounts: &[String], ous: &[String]) -> PlanRequest {
        PlanRequest {
            accounts: accounts.to_vec(),
            ous: ous.to_vec(),
            ..self
        }
    }
}

/// A plan with the inventory and live state it was computed from.
#[derive(Debug, Clone)]
pub struct PlanOutcome {
    pub plan: Plan,
    pub organization: Organization,
    pub live: Vec<LiveAccount>,
}

/// Inventory, parallel read of the selected member accounts (and the SCPs when no filter is
/// given), then the plan computed on all cores. Accounts that cannot be read are listed in
/// `plan.unreadable` and do not stop the others.
pub async fn plan_organization(
    source: &impl ReadOrganization,
    definitions: &Definitions,
    request: &PlanRequest,
    progress: &(dyn Fn(ProgressEvent) + Sync),
) -> Result<PlanOutcome, AppError> {
    let whole_organization = request.accounts.is_empty() && request.ous.is_empty();
    // SCPs need nothing from the inventory: read them while it runs.
    let (organization, scps) = tokio::join!(source.inventory(), async {
        if whole_organization {
            Some(source.scps().await)
        } else {
            None
        }
    });
    let organization = organization.map_err(AppError::Source)?;
    let rendered = render_selected(
        definitions,
        &organization,
        &request.accounts,
        &request.ous,
        whole_organization,
    )?;
    if let Some(today) = request.lint {
        lint::gate(
            &definitions.config,
            &rendered.accounts,
            rendered.scps.as_deref().unwrap_or_default(),
            today,
        )?;
    }
    let ownership = from_spec::ownership(&definitions.config);
    let mut only: Vec<String> = rendered
        .accounts
        .iter()
        .map(|r| r.account.id.clone())
        .collect();
    only.extend(rendered.not_rendered.iter().cloned());
    let outcomes = source.read_accounts(&organization, &only, progress).await;

    let mut pairs = Vec::new();
    let mut live_accounts = Vec::new();
    let mut unreadable = Vec::new();
    for outcome in outcomes {
        match outcome.result {
            ReadResult::Read(live) => {
                let Some(desired) = rendered
                    .accounts
                    .iter()
                    .find(|r| r.account.id == outcome.account_id)
                else {
                    continue;
                };
                pairs.push((from_spec::desired_account(desired), live.clone()));
                live_accounts.push(live);
            }
            ReadResult::Failed(err) => unreadable.push(Unreadable {
                account_id: outcome.account_id,
                account_name: outcome.account_name,
                reason: err.to_string(),
            }),
            ReadResult::Skipped { reason } => {
                if outcome.account_id != organization.management_account_id {
                    unreadable.push(Unreadable {
                        account_id: outcome.account_id,
                        account_name: outcome.account_name,
                        reason: format!("skipped: {reason}"),
                    });
                }
            }
        }
    }
    let accounts = warden_plan::plan_accounts(&pairs, &ownership);
    let organization_plan = match (scps, &rendered.scps) {
        (Some(live_scps), Some(desired)) => Some(warden_plan::plan_scps(
            &from_spec::desired_scps(desired),
            &live_scps.map_err(AppError::Source)?,
            &ownership,
        )),
        _ => None,
    };
    let mut plan = Plan::new(PlanHeader {
        created_at: request.created_at.clone(),
        commit: request.commit.clone(),
        dirty: request.dirty,
        definitions_digest: definitions.digest(),
        management_account_id: organization.management_account_id.clone(),
        access_role_name: definitions.config.access_role_name.clone(),
        managed_marker: ownership.marker(),
    });
    plan.accounts = accounts;
    plan.organization = organization_plan;
    plan.unreadable = unreadable;
    Ok(PlanOutcome {
        plan,
        organization,
        live: live_accounts,
    })
}

/// The plan with no lint gate (a report shows accounts even when the definitions have lint
/// errors) and every lint finding of the rendered definitions on `today`. Never applies.
pub async fn read_only_plan(
    source: &impl ReadOrganization,
    definitions: &Definitions,
    request: &PlanRequest,
    today: Date,
    progress: &(dyn Fn(ProgressEvent) + Sync),
) -> Result<(PlanOutcome, Vec<Finding>), AppError> {
    let request = PlanRequest {
        lint: None,
        ..request.clone()
    };
    let outcome = plan_organization(source, definitions, &request, progress).await?;
    let whole = request.accounts.is_empty() && request.ous.is_empty();
    let rendered = render_selected(
        definitions,
        &outcome.organization,
        &request.accounts,
        &request.ous,
        whole,
    )?;
    let findings = lint::lint_rendered(
        &definitions.config,
        &rendered.accounts,
        rendered.scps.as_deref().unwrap_or_default(),
        today,
    );
    Ok((outcome, findings))
}

/// Where `plan` keeps the last organization inventory, so that `lint` can render the
/// definitions for every account offline. Git-ignored.
pub fn saved_inventory_path(root: &Path) -> PathBuf {
    root.join(".warden/organization.json")
}

/// Best effort: a plan never fails because the cache could not be written.
pub fn save_inventory(root: &Path, organization: &Organization) {
    let path = saved_inventory_path(root);
    let written = serde_json::to_string_pretty(organization)
        .map_err(std::io::Error::other)
        .and_then(|text| {
            std::fs::create_dir_all(path.parent().unwrap_or(root))?;
            std::fs::write(&path, text)
        });
    if let Err(err) = written {
        tracing::warn!("could not save the inventory to {}: {err}", path.display());
    }
}

/// Writes the plan through a temporary file and a rename, so a reader never sees half a plan.
pub fn save_plan(path: &Path, plan: &Plan) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, plan.to_json())?;
    std::fs::rename(&temporary, path)
}

/// A saved plan; anything but the plan format, or a plan covering nothing, is refused.
pub fn read_plan_file(path: &Path) -> Result<Plan, AppError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|err| AppError::PlanUnreadable {
        path: shown.clone(),
        message: err.to_string(),
    })?;
    let plan = Plan::from_json(&text).map_err(|err| AppError::PlanInvalid {
        path: shown.clone(),
        message: err.to_string(),
    })?;
    if plan.accounts.is_empty() && plan.organization.is_none() {
        return Err(AppError::PlanEmpty { path: shown });
    }
    Ok(plan)
}
