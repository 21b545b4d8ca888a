//! Apply a saved plan: per account re-read, fingerprint, ownership, quota and
//! reproducibility checks, then the changes in order, each audited.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Semaphore;
use warden_plan::audit::AuditRecord;
use warden_plan::change::Change;
use warden_plan::desired::Ownership;
use warden_plan::guard;
use warden_plan::order::Phase;
use warden_plan::report::{AccountApplyReport, ApplyReport, ApplyStatus, ChangeResult};
use warden_plan::saved::Plan;
use warden_plan::{AccountPlan, RefusalReason, ScpPlan};
use warden_policy::Quotas;
use warden_spec::Definitions;

use crate::audit::now_rfc3339;
use crate::select::DesiredState;
use crate::source::{ApplyAccount, ApplyOrganization, BoxError};

/// Account id used for the SCP part of reports and audit records.
pub const ORGANIZATION: &str = "organization";

/// How to apply a plan.
#[derive(Clone)]
pub struct ApplyRequest {
    pub ownership: Ownership,
    pub quotas: Quotas,
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
        ownership: Ownership,
        concurrency: usize,
        audit: Arc<dyn Fn(AuditRecord) + Send + Sync>,
    ) -> ApplyRequest {
        ApplyRequest {
            ownership,
            quotas: Quotas::default(),
            concurrency,
            clock: Arc::new(now_rfc3339),
            audit,
            desired: None,
        }
    }

    /// The request for `definitions` (their ownership and concurrency), refusing any plan
    /// whose changes are not what `desired` gives.
    pub fn for_definitions(
        definitions: &Definitions,
        audit: Arc<dyn Fn(AuditRecord) + Send + Sync>,
        desired: DesiredState,
    ) -> ApplyRequest {
        ApplyRequest {
            desired: Some(Arc::new(desired)),
            ..ApplyRequest::new(
                warden_plan::from_spec::ownership(&definitions.config),
                crate::access::concurrency(&definitions.config),
                audit,
            )
        }
    }
}

/// Applies exactly the changes of `plan`. Each account is re-read first and refused when its
/// fingerprint changed, when a change would touch what Warden does not own, or when a quota
/// would be broken. Within an account changes run in plan order; a failure stops only the
/// changes that depend on it; other accounts continue. The caller checks the definitions digest and lint beforehand.
///
/// With `request.desired` set, it also refuses changes the definitions do not produce.
pub async fn apply_plan<O>(target: &O, plan: &Plan, request: &ApplyRequest) -> ApplyReport
where
    O: ApplyOrganization + Clone + 'static,
{
    let desired = request.desired.clone();
    let limit = Arc::new(Semaphore::new(request.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (index, account) in plan.accounts.iter().enumerate() {
        if account.changes.is_empty() {
            continue;
        }
        let target = target.clone();
        let account = account.clone();
        let request = request.clone();
        let limit = Arc::clone(&limit);
        let commit = plan.commit.clone();
        let desired = desired.clone();
        let roles = plan.roles.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let expected = desired
                .as_deref()
                .map(|desired| (desired, roles.as_slice()));
            (
                index,
                apply_account(&target, &account, &request, expected, commit.as_deref()).await,
            )
        });
    }
    let organization = match &plan.organization {
        Some(scps) if !scps.changes.is_empty() => Some(
            apply_scps(
                target,
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
    target: &impl ApplyOrganization,
    plan: &AccountPlan,
    request: &ApplyRequest,
    // The definitions rendered, and the roles a `--role` plan was narrowed to.
    desired: Option<(&DesiredState, &[String])>,
    commit: Option<&str>,
) -> AccountApplyReport {
    let failed = |err: BoxError| {
        AccountApplyReport::untouched(
            &plan.account_id,
            &plan.account_name,
            &plan.changes,
            ApplyStatus::Failed(vec![err.to_string()]),
        )
    };
    let (client, live) = match target.open_account(&plan.account_id).await {
        Ok(opened) => opened,
        Err(err) => return failed(err),
    };
    // Each object's state as just read against the plan's: changes of objects someone else
    // wrote since the plan are refused (with what depends on them), the rest goes on.
    let stale = guard::changed_since_plan(plan, &live);
    let mut refusals =
        guard::check_account_except(plan, &live, &request.ownership, &request.quotas, &stale);
    if let (true, Some((desired, roles))) = (refusals.is_empty(), desired) {
        match desired.accounts.get(&plan.account_id) {
            Some(account) => {
                let mut fresh = warden_plan::plan_account(account, &live, &request.ownership);
                if !roles.is_empty() {
                    fresh.changes = warden_plan::review::role_changes(&fresh.changes, roles);
                }
                let stale_objects: std::collections::BTreeSet<String> = stale
                    .keys()
                    .filter_map(|index| plan.changes.get(*index))
                    .filter_map(warden_plan::account::object_key)
                    .collect();
                let current = |change: &&Change| {
                    warden_plan::account::object_key(change)
                        .is_none_or(|key| !stale_objects.contains(&key))
                };
                let planned: Vec<Change> = plan.changes.iter().filter(current).cloned().collect();
                let expected: Vec<Change> = fresh.changes.iter().filter(current).cloned().collect();
                refusals.extend(guard::check_reproducible(&planned, &expected));
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
    let client = &client;
    let mut executor = |change: Change| async move { client.apply_rechecked(&change).await };
    run_changes(
        &plan.account_id,
        &plan.account_name,
        &plan.changes,
        &plan.phases,
        &stale,
        request,
        commit,
        &mut executor,
    )
    .await
}

/// Runs changes in order; audits each attempt. A failed change stops only the later changes
/// that depend on it ([`warden_plan::order::blocked_in_order`]: the same role, a policy whose
/// creation failed, a widening that must follow a failed narrowing, …); the others go on, so
/// one failure does not leave later roles without their permissions. `phases` are the plan's
/// phases of `changes` (empty when it has none); `refused` are changes not to attempt, by
/// index, with the reason (their object changed since the plan): they count as failed.
#[expect(
    clippy::too_many_arguments,
    reason = "one private helper, called twice"
)]
async fn run_changes<F, Fut>(
    account_id: &str,
    account_name: &str,
    changes: &[Change],
    phases: &[Phase],
    refused: &BTreeMap<usize, String>,
    request: &ApplyRequest,
    commit: Option<&str>,
    execute: &mut F,
) -> AccountApplyReport
where
    F: FnMut(Change) -> Fut,
    Fut: std::future::Future<Output = Result<ChangeResult, BoxError>>,
{
    let mut report =
        AccountApplyReport::untouched(account_id, account_name, changes, ApplyStatus::Applied);
    let mut failed: Vec<(Change, Option<Phase>)> = Vec::new();
    let mut reasons = Vec::new();
    let phase_of = |index: usize| {
        (phases.len() == changes.len())
            .then(|| phases.get(index).copied())
            .flatten()
    };
    for (index, outcome) in report.changes.iter_mut().enumerate() {
        let phase = phase_of(index);
        if let Some(reason) = refused.get(&index) {
            (request.audit)(AuditRecord {
                time: (request.clock)(),
                account: account_id.to_string(),
                change: outcome.change.clone(),
                commit: commit.map(str::to_string),
                result: reason.clone(),
            });
            reasons.push(format!("`{}` {reason}", outcome.change));
            outcome.result = ChangeResult::Failed(reason.clone());
            failed.push((outcome.change.clone(), phase));
            continue;
        }
        if let Some(cause) = warden_plan::order::blocked_in_order(&outcome.change, phase, &failed) {
            reasons.push(format!(
                "`{}` not attempted: it depends on `{cause}`, which failed",
                outcome.change
            ));
            continue;
        }
        let (result, audit_result) = match execute(outcome.change.clone()).await {
            Ok(ChangeResult::Rechecked) => (
                ChangeResult::Rechecked,
                "unknown, re-checked: applied".to_string(),
            ),
            Ok(result) => (result, "ok".to_string()),
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
        if matches!(result, ChangeResult::Failed(_)) {
            reasons.push(format!("`{}` failed", outcome.change));
            failed.push((outcome.change.clone(), phase));
        }
        outcome.result = result;
    }
    if !failed.is_empty() {
        report.status = ApplyStatus::Failed(reasons);
    }
    report
}

async fn apply_scps(
    target: &impl ApplyOrganization,
    plan: &ScpPlan,
    request: &ApplyRequest,
    desired: Option<&DesiredState>,
    commit: Option<&str>,
) -> AccountApplyReport {
    let name = "service control policies";
    let live = match target.scps().await {
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
    let mut refusals = guard::check_scps(plan, &live, &request.ownership, &request.quotas);
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
        let created = Arc::clone(&created);
        async move {
            execute_scp_change(target, &change, &created)
                .await
                .map(|()| ChangeResult::Applied)
        }
    };
    run_changes(
        ORGANIZATION,
        name,
        &plan.changes,
        &[],
        &BTreeMap::new(),
        request,
        commit,
        &mut executor,
    )
    .await
}

async fn execute_scp_change(
    target: &impl ApplyOrganization,
    change: &Change,
    created: &tokio::sync::Mutex<BTreeMap<String, String>>,
) -> Result<(), BoxError> {
    match change {
        Change::CreateScp {
            name,
            description,
            document,
            ..
        } => {
            let id = target.create_scp(name, description, document).await?;
            created.lock().await.insert(name.clone(), id);
            Ok(())
        }
        Change::UpdateScp {
            policy_id,
            description,
            document,
            ..
        } => target.update_scp(policy_id, description, document).await,
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
                    .ok_or_else(|| format!("SCP `{name}` was not created by this apply"))?,
            };
            target.attach_scp(&id, target_id).await
        }
        Change::DetachScp {
            policy_id,
            target_id,
            ..
        } => target.detach_scp(policy_id, target_id).await,
        Change::DeleteScp { policy_id, .. } => target.delete_scp(policy_id).await,
        Change::AdoptScp {
            policy_id,
            description,
            document,
            ..
        } => target.update_scp(policy_id, description, document).await,
        _ => Err(format!("`{change}` is not an SCP change").into()),
    }
}
