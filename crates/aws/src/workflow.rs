//! Plan and apply across the organization: read live state in parallel, plan on all cores,
//! and apply a saved plan account by account after re-reading and re-checking each one.
//!
//! The xtask `plan`/`apply` commands and the demo call these; nothing here prints. The flow:
//!
//! 1. [`access_role`] (refuses without the ExternalId variable) and a [`LintGate`];
//! 2. [`plan_organization`]: inventory and SCPs, render, lint, parallel read, plan (rayon);
//! 3. show it with `warden_plan::render::render_table` or save `Plan::to_json`;
//! 4. [`desired_state`] (inventory, render, lint again) and [`apply_plan`]: per account
//!    re-read, fingerprint, ownership, quota and reproducibility checks, then the changes in
//!    order, each audited through [`AuditLog`];
//! 5. plan again: nothing left to do.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::Semaphore;
use warden_plan::RefusalReason;
use warden_plan::audit::AuditRecord;
use warden_plan::change::Change;
use warden_plan::desired::{DesiredAccount, DesiredScp, Ownership};
use warden_plan::guard::{self, Limits};
use warden_plan::report::{AccountApplyReport, ApplyReport, ApplyStatus, ChangeResult};
use warden_plan::saved::{Plan, PlanHeader, Unreadable};
use warden_plan::{AccountPlan, ScpPlan, from_spec, live::LiveAccount};
use warden_spec::defs::Config;
use warden_spec::org::{Account, AccountStatus, Organization};
use warden_spec::render::{RenderedAccount, RenderedScp};
use warden_spec::{Definitions, SpecErrors};

use crate::account::{AccessRole, AccountClient};
use crate::apply::{NewManagedPolicy, NewRole};
use crate::client::Aws;
use crate::err::AwsError;
use crate::ids::{ExternalId, SessionDuration, SessionName};
use crate::parallel::{AccountResult, ProgressEvent, ReadRequest};

/// Account id used for the SCP part of reports and audit records.
pub const ORGANIZATION: &str = "organization";

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("definitions do not render:\n{0}")]
    Render(String),
    #[error("no account matches the selection ({0})")]
    NoAccounts(String),
    #[error(
        "environment variable `{variable}` (named by `access.external_id_env` in warden.yaml) is not set; Warden always assumes the access role with an ExternalId"
    )]
    ExternalIdMissing { variable: String },
    #[error("environment variable `{variable}` does not hold a valid ExternalId: {reason}")]
    ExternalIdInvalid { variable: String, reason: String },
    #[error("lint errors block the plan:\n{0}")]
    Lint(String),
    #[error("audit log `{path}`: {message}")]
    Audit { path: String, message: String },
}

/// The ExternalId from the environment variable `warden.yaml` names. The value is never
/// printed; errors name only the variable.
pub fn external_id_from_env(variable: &str) -> Result<ExternalId, WorkflowError> {
    let value = std::env::var(variable)
        .ok()
        .filter(|value| !value.is_empty());
    let Some(value) = value else {
        return Err(WorkflowError::ExternalIdMissing {
            variable: variable.to_string(),
        });
    };
    ExternalId::new(value).map_err(|err| WorkflowError::ExternalIdInvalid {
        variable: variable.to_string(),
        reason: match err {
            AwsError::InvalidExternalId { reason } => reason,
            other => other.to_string(),
        },
    })
}

/// How to reach member accounts, from `warden.yaml` and the environment: the access role name,
/// the ExternalId from its variable, and a session name naming the commit.
pub fn access_role(config: &Config, commit: Option<&str>) -> Result<AccessRole, WorkflowError> {
    Ok(AccessRole {
        role_name: config.access_role_name.clone(),
        external_id: external_id_from_env(&config.external_id_env)?,
        session_name: SessionName::for_commit(commit)?,
        duration: SessionDuration::default(),
    })
}

/// The local audit log, `.warden/audit.jsonl`: one JSON line per attempted change, appended
/// and flushed as each call returns.
pub struct AuditLog {
    path: PathBuf,
    file: std::sync::Mutex<std::fs::File>,
}

impl AuditLog {
    pub fn open(path: &Path) -> Result<AuditLog, WorkflowError> {
        let failed = |err: std::io::Error| WorkflowError::Audit {
            path: path.display().to_string(),
            message: err.to_string(),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(failed)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(failed)?;
        Ok(AuditLog {
            path: path.to_path_buf(),
            file: std::sync::Mutex::new(file),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one record; a write failure is logged, never fatal to the apply in progress.
    pub fn append(&self, record: &AuditRecord) {
        let Ok(mut line) = serde_json::to_string(record) else {
            return;
        };
        line.push('\n');
        let mut file = match self.file.lock() {
            Ok(file) => file,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Err(err) = file.write_all(line.as_bytes()).and_then(|()| file.flush()) {
            tracing::error!(
                "could not append to the audit log {}: {err}",
                self.path.display()
            );
        }
    }

    /// A sink for [`ApplyRequest::audit`].
    pub fn sink(self: Arc<Self>) -> Arc<dyn Fn(AuditRecord) + Send + Sync> {
        Arc::new(move |record| self.append(&record))
    }
}

/// Current UTC time as RFC 3339.
pub fn now_rfc3339() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    warden_plan::audit::rfc3339_utc(seconds)
}

impl From<SpecErrors> for WorkflowError {
    fn from(errors: SpecErrors) -> Self {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        WorkflowError::Render(lines.join("\n"))
    }
}

/// Lints what would be deployed; `Err` (the findings as text) blocks plan and apply.
pub type LintGate =
    Arc<dyn Fn(&[RenderedAccount], &[RenderedScp]) -> Result<(), String> + Send + Sync>;

/// What to plan and how to reach the accounts.
#[derive(Clone)]
pub struct PlanRequest {
    pub access: AccessRole,
    pub concurrency: usize,
    /// Only these account ids (all when both filters are empty).
    pub accounts: Vec<String>,
    /// Only accounts under these OU paths (`Root/Workloads`) or OU ids.
    pub ous: Vec<String>,
    /// Refuses the plan when the rendered definitions have lint errors (checked before any
    /// member account is read).
    pub lint: Option<LintGate>,
    /// Commit, dirty flag and time for the plan header.
    pub commit: Option<String>,
    pub dirty: bool,
    pub created_at: String,
}

/// A plan with the inventory and live state it was computed from.
#[derive(Debug, Clone)]
pub struct PlanOutcome {
    pub plan: Plan,
    pub organization: Organization,
    pub live: Vec<LiveAccount>,
}

/// Whether an account is selected by `--account`/`--ou` filters (none: every account).
pub fn selected(
    account: &Account,
    organization: &Organization,
    accounts: &[String],
    ous: &[String],
) -> bool {
    if accounts.is_empty() && ous.is_empty() {
        return true;
    }
    let by_id = accounts
        .iter()
        .any(|id| id == &account.id || id == &account.name);
    let ancestry = organization.ancestry(&account.id);
    let by_ou = ous.iter().any(|ou| {
        let path = ou.trim_end_matches('/');
        account.ou_path == path
            || account.ou_path.starts_with(&format!("{path}/"))
            || ancestry.contains(ou)
    });
    by_id || by_ou
}

/// Inventory, parallel read of the selected member accounts (and the SCPs when no filter is
/// given), then the plan computed on all cores. Accounts that cannot be read are listed in
/// `plan.unreadable` and do not stop the others.
pub async fn plan_organization(
    aws: &Aws,
    definitions: &Definitions,
    request: &PlanRequest,
    progress: &(dyn Fn(ProgressEvent) + Sync),
) -> Result<PlanOutcome, WorkflowError> {
    let whole_organization = request.accounts.is_empty() && request.ous.is_empty();
    // SCPs need nothing from the inventory: read them while it runs.
    let (organization, scps) = tokio::join!(aws.inventory(), async {
        if whole_organization {
            Some(aws.read_scps().await)
        } else {
            None
        }
    });
    let organization = organization?;
    let rendered = render_selected(
        definitions,
        &organization,
        &request.accounts,
        &request.ous,
        whole_organization,
    )?;
    if let Some(gate) = &request.lint {
        gate(
            &rendered.accounts,
            rendered.scps.as_deref().unwrap_or_default(),
        )
        .map_err(WorkflowError::Lint)?;
    }
    let ownership = from_spec::ownership(&definitions.config);
    let mut read = ReadRequest::new(request.access.clone(), request.concurrency);
    read.only_accounts = rendered
        .accounts
        .iter()
        .map(|r| r.account.id.clone())
        .collect();
    read.only_accounts
        .extend(rendered.not_rendered.iter().cloned());
    let outcomes = aws.read_accounts(&organization, &read, progress).await;

    let mut pairs = Vec::new();
    let mut live_accounts = Vec::new();
    let mut unreadable = Vec::new();
    for outcome in outcomes {
        match outcome.result {
            AccountResult::Read(live) => {
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
            AccountResult::Failed(err) => unreadable.push(Unreadable {
                account_id: outcome.account_id,
                account_name: outcome.account_name,
                reason: err.to_string(),
            }),
            AccountResult::Skipped { reason } => {
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
            &live_scps?,
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

/// The definitions rendered for the selected accounts (and the SCPs for the whole organization).
#[derive(Debug, Clone)]
pub struct RenderedSelection {
    pub accounts: Vec<RenderedAccount>,
    /// Selected accounts that are not active or are the management account: passed to the
    /// reader, which reports why it skips them.
    pub not_rendered: Vec<String>,
    pub scps: Option<Vec<RenderedScp>>,
}

/// Renders the definitions for every selected active member account. Pure apart from the
/// organization passed in.
pub fn render_selected(
    definitions: &Definitions,
    organization: &Organization,
    accounts: &[String],
    ous: &[String],
    with_scps: bool,
) -> Result<RenderedSelection, WorkflowError> {
    let chosen: Vec<&Account> = organization
        .accounts
        .iter()
        .filter(|account| selected(account, organization, accounts, ous))
        .collect();
    if chosen.is_empty() {
        let mut what = accounts.to_vec();
        what.extend(ous.iter().cloned());
        return Err(WorkflowError::NoAccounts(what.join(", ")));
    }
    let mut selection = RenderedSelection {
        accounts: Vec::new(),
        not_rendered: Vec::new(),
        scps: None,
    };
    for account in chosen {
        if account.status != AccountStatus::Active
            || account.id == organization.management_account_id
        {
            selection.not_rendered.push(account.id.clone());
        } else {
            selection
                .accounts
                .push(definitions.render_for_account(organization, account)?);
        }
    }
    if with_scps {
        selection.scps = Some(definitions.render_scps(organization)?);
    }
    Ok(selection)
}

/// How to apply a plan.
#[derive(Clone)]
pub struct ApplyRequest {
    pub access: AccessRole,
    pub ownership: Ownership,
    pub limits: Limits,
    pub concurrency: usize,
    /// Current time (RFC 3339) for audit records.
    pub clock: Arc<dyn Fn() -> String + Send + Sync>,
    /// Receives one record per attempted change, right after the call returns.
    pub audit: Arc<dyn Fn(AuditRecord) + Send + Sync>,
    /// The current definitions rendered for the organization ([`desired_state`]): each part's
    /// saved changes must equal a fresh plan from them against the state just re-read, so an
    /// edited plan file is refused. `None` skips that check.
    pub desired: Option<Arc<DesiredState>>,
}

impl ApplyRequest {
    /// Default quotas, the system clock, no edited-plan check (set `desired` for that).
    pub fn new(
        access: AccessRole,
        ownership: Ownership,
        concurrency: usize,
        audit: Arc<dyn Fn(AuditRecord) + Send + Sync>,
    ) -> ApplyRequest {
        ApplyRequest {
            access,
            ownership,
            limits: Limits::default(),
            concurrency,
            clock: Arc::new(now_rfc3339),
            audit,
            desired: None,
        }
    }
}

/// The definitions rendered for every active member account and the organization's SCPs.
#[derive(Debug, Clone, Default)]
pub struct DesiredState {
    pub accounts: BTreeMap<String, DesiredAccount>,
    pub scps: Vec<DesiredScp>,
}

/// Inventory, rendering and the lint gate, without reading member accounts: what apply runs
/// first, so lint errors block apply and the saved plan can be checked against the definitions.
pub async fn desired_state(
    aws: &Aws,
    definitions: &Definitions,
    gate: Option<&LintGate>,
) -> Result<DesiredState, WorkflowError> {
    let organization = aws.inventory().await?;
    desired_state_for(definitions, &organization, gate)
}

/// [`desired_state`] for an inventory already read (e.g. by the plan just shown), so apply does
/// not list the organization twice.
pub fn desired_state_for(
    definitions: &Definitions,
    organization: &Organization,
    gate: Option<&LintGate>,
) -> Result<DesiredState, WorkflowError> {
    let rendered = render_selected(definitions, organization, &[], &[], true)?;
    let scps = rendered.scps.unwrap_or_default();
    if let Some(gate) = gate {
        gate(&rendered.accounts, &scps).map_err(WorkflowError::Lint)?;
    }
    Ok(DesiredState {
        accounts: rendered
            .accounts
            .iter()
            .map(|account| {
                (
                    account.account.id.clone(),
                    from_spec::desired_account(account),
                )
            })
            .collect(),
        scps: from_spec::desired_scps(&scps),
    })
}

/// Applies exactly the changes of `plan`. Each account is re-read first and refused when its
/// fingerprint changed, when a change would touch what Warden does not own, or when a quota
/// would be broken. Within an account changes run in plan order and stop at the first error;
/// other accounts continue. The caller checks the definitions digest and lint beforehand.
///
/// With `request.desired` set, it also refuses changes the definitions do not produce.
pub async fn apply_plan(aws: &Aws, plan: &Plan, request: &ApplyRequest) -> ApplyReport {
    apply(aws, plan, request, request.desired.clone()).await
}

async fn apply(
    aws: &Aws,
    plan: &Plan,
    request: &ApplyRequest,
    desired: Option<Arc<DesiredState>>,
) -> ApplyReport {
    let limit = Arc::new(Semaphore::new(request.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, account) in plan.accounts.iter().enumerate() {
        if account.changes.is_empty() {
            continue;
        }
        let aws = aws.clone();
        let account = account.clone();
        let request = request.clone();
        let limit = Arc::clone(&limit);
        let commit = plan.commit.clone();
        let desired = desired.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let expected = desired.as_deref();
            (
                index,
                apply_account(&aws, &account, &request, expected, commit.as_deref()).await,
            )
        });
    }
    let organization = match &plan.organization {
        Some(scps) if !scps.changes.is_empty() => Some(
            apply_scps(
                aws,
                scps,
                request,
                desired.as_deref(),
                plan.commit.as_deref(),
            )
            .await,
        ),
        _ => None,
    };
    let mut accounts = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => accounts.push(result),
            Err(err) => tracing::error!("apply task failed: {err}"),
        }
    }
    // A task that died leaves its account out of `accounts`: report it as not applied.
    let done: Vec<usize> = accounts.iter().map(|(index, _)| *index).collect();
    for (index, account) in plan.accounts.iter().enumerate() {
        if !account.changes.is_empty() && !done.contains(&index) {
            accounts.push((
                index,
                AccountApplyReport::untouched(
                    &account.account_id,
                    &account.account_name,
                    &account.changes,
                    ApplyStatus::Failed(vec!["the apply task stopped unexpectedly".into()]),
                ),
            ));
        }
    }
    accounts.sort_by_key(|(index, _)| *index);
    ApplyReport {
        accounts: accounts.into_iter().map(|(_, report)| report).collect(),
        organization,
    }
}

async fn apply_account(
    aws: &Aws,
    plan: &AccountPlan,
    request: &ApplyRequest,
    desired: Option<&DesiredState>,
    commit: Option<&str>,
) -> AccountApplyReport {
    let failed = |err: AwsError| {
        AccountApplyReport::untouched(
            &plan.account_id,
            &plan.account_name,
            &plan.changes,
            ApplyStatus::Failed(vec![err.to_string()]),
        )
    };
    let (client, live) = match aws.open_account(&plan.account_id, &request.access).await {
        Ok(opened) => opened,
        Err(err) => return failed(err),
    };
    let mut refusals = guard::check_account(plan, &live, &request.ownership, &request.limits);
    if let (true, Some(desired)) = (refusals.is_empty(), desired) {
        match desired.accounts.get(&plan.account_id) {
            Some(account) => {
                let fresh = warden_plan::plan_account(account, &live, &request.ownership);
                refusals.extend(guard::check_reproducible(&plan.changes, &fresh.changes));
            }
            None => refusals.push(RefusalReason::NoDefinitions),
        }
    }
    if !refusals.is_empty() {
        let reasons = refusals.iter().map(ToString::to_string).collect();
        return AccountApplyReport::untouched(
            &plan.account_id,
            &plan.account_name,
            &plan.changes,
            ApplyStatus::Refused(reasons),
        );
    }
    let mut executor = |change: Change| {
        let client = client.clone();
        async move { execute_account_change(&client, &change).await }
    };
    run_changes(
        &plan.account_id,
        &plan.account_name,
        &plan.changes,
        request,
        commit,
        &mut executor,
    )
    .await
}

/// Runs changes in order, stopping at the first failure; audits each attempt.
async fn run_changes<F, Fut>(
    account_id: &str,
    account_name: &str,
    changes: &[Change],
    request: &ApplyRequest,
    commit: Option<&str>,
    execute: &mut F,
) -> AccountApplyReport
where
    F: FnMut(Change) -> Fut,
    Fut: std::future::Future<Output = Result<(), AwsError>>,
{
    let mut report =
        AccountApplyReport::untouched(account_id, account_name, changes, ApplyStatus::Applied);
    for outcome in &mut report.changes {
        let result = execute(outcome.change.clone()).await;
        let (result, audit_result) = match result {
            Ok(()) => (ChangeResult::Applied, "ok".to_string()),
            Err(err) => (
                ChangeResult::Failed(err.to_string()),
                format!("error: {err}"),
            ),
        };
        (request.audit)(AuditRecord {
            time: (request.clock)(),
            account: account_id.to_string(),
            change: outcome.change.clone(),
            commit: commit.map(str::to_string),
            result: audit_result,
        });
        let failed = matches!(result, ChangeResult::Failed(_));
        outcome.result = result;
        if failed {
            report.status = ApplyStatus::Failed(vec![format!("stopped at `{}`", outcome.change)]);
            break;
        }
    }
    report
}

fn wrong_target(account_id: &str, change: &Change) -> AwsError {
    AwsError::Api {
        account_id: account_id.to_string(),
        operation: "Apply",
        code: None,
        message: format!("`{change}` is an SCP change in an account plan"),
    }
}

/// One plan change as IAM calls in the account.
async fn execute_account_change(client: &AccountClient, change: &Change) -> Result<(), AwsError> {
    match change {
        Change::CreatePolicy {
            name,
            path,
            description,
            document,
            tags,
            ..
        } => {
            let policy = NewManagedPolicy {
                name: name.clone(),
                path: path.clone(),
                document: document.clone(),
                description: Some(description.clone()),
                tags: tags.clone(),
            };
            client.create_policy(&policy).await.map(drop)
        }
        // The primitive re-lists versions and prunes the oldest non-default one itself.
        Change::CreatePolicyVersion { arn, document, .. } => {
            client.create_policy_version(arn, document).await.map(drop)
        }
        Change::DeletePolicy { arn, .. } => client.delete_policy(arn).await,
        Change::CreateRole {
            name,
            path,
            description,
            trust,
            boundary_arn,
            tags,
            max_session_duration,
        } => {
            let role = NewRole {
                name: name.clone(),
                path: path.clone(),
                trust_policy: trust.clone(),
                description: Some(description.clone()).filter(|d| !d.is_empty()),
                max_session_duration: Some(*max_session_duration),
                permissions_boundary_arn: boundary_arn.clone(),
                tags: tags.clone(),
            };
            client.create_role(&role).await.map(drop)
        }
        Change::UpdateTrust { role, document, .. } => {
            client.update_assume_role_policy(role, document).await
        }
        Change::UpdateRole {
            role,
            description,
            max_session_duration,
        } => {
            client
                .update_role(role, Some(description), Some(*max_session_duration))
                .await
        }
        Change::PutInlinePolicy {
            role,
            policy_name,
            document,
            ..
        } => client.put_role_policy(role, policy_name, document).await,
        Change::DeleteInlinePolicy { role, policy_name } => {
            client.delete_role_policy(role, policy_name).await
        }
        Change::AttachPolicy { role, arn } => client.attach_role_policy(role, arn).await,
        Change::DetachPolicy { role, arn } => client.detach_role_policy(role, arn).await,
        Change::PutBoundary { role, arn } => client.put_role_permissions_boundary(role, arn).await,
        Change::DeleteBoundary { role } => client.delete_role_permissions_boundary(role).await,
        Change::TagRole { role, tags } => client.tag_role(role, tags).await,
        Change::UntagRole { role, keys } => client.untag_role(role, keys).await,
        Change::DeleteRole { role } => client.delete_role(role).await,
        Change::CreateScp { .. }
        | Change::UpdateScp { .. }
        | Change::AttachScp { .. }
        | Change::DetachScp { .. }
        | Change::DeleteScp { .. } => Err(wrong_target(client.account_id(), change)),
    }
}

async fn apply_scps(
    aws: &Aws,
    plan: &ScpPlan,
    request: &ApplyRequest,
    desired: Option<&DesiredState>,
    commit: Option<&str>,
) -> AccountApplyReport {
    let name = "service control policies";
    let live = match aws.read_scps().await {
        Ok(live) => live,
        Err(err) => {
            return AccountApplyReport::untouched(
                ORGANIZATION,
                name,
                &plan.changes,
                ApplyStatus::Failed(vec![err.to_string()]),
            );
        }
    };
    let mut refusals = guard::check_scps(plan, &live, &request.ownership, &request.limits);
    if let (true, Some(desired)) = (refusals.is_empty(), desired) {
        let fresh = warden_plan::plan_scps(&desired.scps, &live, &request.ownership);
        refusals.extend(guard::check_reproducible(&plan.changes, &fresh.changes));
    }
    if !refusals.is_empty() {
        let reasons = refusals.iter().map(ToString::to_string).collect();
        return AccountApplyReport::untouched(
            ORGANIZATION,
            name,
            &plan.changes,
            ApplyStatus::Refused(reasons),
        );
    }
    // Ids of SCPs created by this plan, for the attachments that follow.
    let created: Arc<tokio::sync::Mutex<BTreeMap<String, String>>> = Arc::default();
    let mut executor = |change: Change| {
        let aws = aws.clone();
        let created = Arc::clone(&created);
        async move { execute_scp_change(&aws, &change, &created).await }
    };
    run_changes(
        ORGANIZATION,
        name,
        &plan.changes,
        request,
        commit,
        &mut executor,
    )
    .await
}

async fn execute_scp_change(
    aws: &Aws,
    change: &Change,
    created: &tokio::sync::Mutex<BTreeMap<String, String>>,
) -> Result<(), AwsError> {
    match change {
        Change::CreateScp {
            name,
            description,
            document,
            ..
        } => {
            let id = aws.create_scp(name, description, document).await?;
            created.lock().await.insert(name.clone(), id);
            Ok(())
        }
        Change::UpdateScp {
            policy_id,
            description,
            document,
            ..
        } => {
            aws.update_scp(policy_id, None, Some(description), Some(document))
                .await
        }
        Change::AttachScp {
            name,
            policy_id,
            target_id,
        } => {
            let id = match policy_id {
                Some(id) => id.clone(),
                None => created
                    .lock()
                    .await
                    .get(name)
                    .cloned()
                    .ok_or_else(|| AwsError::Api {
                        account_id: ORGANIZATION.to_string(),
                        operation: "AttachPolicy",
                        code: None,
                        message: format!("SCP `{name}` was not created by this apply"),
                    })?,
            };
            aws.attach_scp(&id, target_id).await
        }
        Change::DetachScp {
            policy_id,
            target_id,
            ..
        } => aws.detach_scp(policy_id, target_id).await,
        Change::DeleteScp { policy_id, .. } => aws.delete_scp(policy_id).await,
        _ => Err(AwsError::Api {
            account_id: ORGANIZATION.to_string(),
            operation: "Apply",
            code: None,
            message: format!("`{change}` is not an SCP change"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use warden_spec::org::{AccountStatus, OrganizationalUnit};

    use super::*;

    fn org() -> Organization {
        let account = |id: &str, parent: &str, path: &str| Account {
            id: id.into(),
            name: format!("acct-{id}"),
            email: None,
            status: AccountStatus::Active,
            parent_id: parent.into(),
            ou_path: path.into(),
            tags: BTreeMap::new(),
        };
        Organization {
            id: "o-example".into(),
            management_account_id: "123456789012".into(),
            root_id: "r-root".into(),
            accounts: vec![
                account("111111111111", "ou-prod", "Root/Workloads/Prod"),
                account("222222222222", "ou-work", "Root/Workloads"),
                account("333333333333", "r-root", "Root"),
            ],
            organizational_units: vec![
                OrganizationalUnit {
                    id: "ou-work".into(),
                    name: "Workloads".into(),
                    parent_id: "r-root".into(),
                    path: "Root/Workloads".into(),
                },
                OrganizationalUnit {
                    id: "ou-prod".into(),
                    name: "Prod".into(),
                    parent_id: "ou-work".into(),
                    path: "Root/Workloads/Prod".into(),
                },
            ],
        }
    }

    fn picked(accounts: &[&str], ous: &[&str]) -> Vec<String> {
        let org = org();
        let accounts: Vec<String> = accounts.iter().map(ToString::to_string).collect();
        let ous: Vec<String> = ous.iter().map(ToString::to_string).collect();
        org.accounts
            .iter()
            .filter(|a| selected(a, &org, &accounts, &ous))
            .map(|a| a.id.clone())
            .collect()
    }

    #[test]
    fn account_and_ou_filters_select_by_id_name_path_and_ou_id() {
        assert_eq!(picked(&[], &[]).len(), 3);
        assert_eq!(picked(&["333333333333"], &[]), vec!["333333333333"]);
        assert_eq!(picked(&["acct-111111111111"], &[]), vec!["111111111111"]);
        assert_eq!(
            picked(&[], &["Root/Workloads"]),
            vec!["111111111111", "222222222222"]
        );
        assert_eq!(picked(&[], &["Root/Workloads/Prod/"]), vec!["111111111111"]);
        assert_eq!(
            picked(&[], &["ou-work"]),
            vec!["111111111111", "222222222222"]
        );
        assert!(
            picked(&[], &["Root/Work"]).is_empty(),
            "a path prefix is not an OU"
        );
    }

    #[test]
    fn missing_external_id_names_the_variable() {
        let err = external_id_from_env("WARDEN_TEST_VARIABLE_THAT_IS_NEVER_SET").unwrap_err();
        assert!(
            err.to_string()
                .contains("`WARDEN_TEST_VARIABLE_THAT_IS_NEVER_SET`"),
            "{err}"
        );
    }
}
