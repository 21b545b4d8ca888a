//! Apply a saved plan: per account re-read, fingerprint, ownership, quota and
//! reproducibility checks, then the changes in order, each audited.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;
use warden_plan::audit::AuditRecord;
use warden_plan::change::Change;
use warden_plan::desired::Ownership;
use warden_plan::guard;
use warden_plan::live::LiveScp;
use warden_plan::order::Phase;
use warden_plan::recheck::{self, ObjectRef};
use warden_plan::report::{AccountApplyReport, ApplyReport, ApplyStatus, ChangeResult};
use warden_plan::saved::Plan;
use warden_plan::scp::simulate_scp_change;
use warden_plan::simulate::simulate_account;
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
/// Across the organization: the SCP changes of the `prepare` and `narrow` phases run first,
/// then every account's IAM changes, then the SCP changes of the `widen` and `clean up` phases
/// ([`warden_plan::scp::plan_scps`]). A narrowing SCP change that did not apply holds back the
/// IAM widenings (phases `widen` and `create`) of the accounts under its target (every account
/// for a root or OU); an IAM narrowing that did not apply holds back the widening SCP changes.
///
/// Right before each write the one object it writes is read again and compared with the plan's
/// state carried through the changes made since ([`warden_plan::recheck`]): when someone else
/// wrote it, that change (and what depends on it) is refused as "changed since the plan". One
/// read per object, reused for consecutive changes of the same object.
///
/// With `request.desired` set, it also refuses changes the definitions do not produce.
pub async fn apply_plan<O>(target: &O, plan: &Plan, request: &ApplyRequest) -> ApplyReport
where
    O: ApplyOrganization + Clone + 'static,
{
    let desired = request.desired.clone();
    let commit = plan.commit.as_deref();
    let mut scps = match &plan.organization {
        Some(scps) if !scps.changes.is_empty() => {
            Some(ScpRun::open(target, scps, request, desired.as_deref()).await)
        }
        _ => None,
    };
    if let Some(run) = &mut scps {
        run.run(target, request, commit, true, None).await;
    }
    let held = scps
        .as_ref()
        .map(ScpRun::held_for_accounts)
        .unwrap_or_default();
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
        let held = held.reason_for(&account.account_id);
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let expected = desired
                .as_deref()
                .map(|desired| (desired, roles.as_slice()));
            (
                index,
                apply_account(
                    &target,
                    &account,
                    &request,
                    expected,
                    commit.as_deref(),
                    held.as_deref(),
                )
                .await,
            )
        });
    }
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
    let organization = match scps {
        Some(mut run) => {
            let held = narrowing_not_applied(plan, &accounts);
            run.run(target, request, commit, false, held.as_deref())
                .await;
            Some(run.finish())
        }
        None => None,
    };
    ApplyReport {
        accounts: accounts.into_iter().map(|(_, report)| report).collect(),
        organization,
    }
}

/// Why the widening SCP changes wait: an account whose IAM narrowing (phases `narrow`,
/// `narrow trust`, `swap`) did not all apply.
fn narrowing_not_applied(plan: &Plan, accounts: &[(usize, AccountApplyReport)]) -> Option<String> {
    accounts.iter().find_map(|(index, report)| {
        let phases = &plan.accounts.get(*index)?.phases;
        let unapplied = report.changes.iter().zip(phases).any(|(outcome, phase)| {
            matches!(phase, Phase::Narrow | Phase::NarrowTrust | Phase::Mixed)
                && !outcome.result.is_applied()
        });
        (phases.len() == report.changes.len() && unapplied).then(|| {
            format!(
                "held back: the IAM narrowing of account `{}` did not all apply, and this SCP change widens",
                report.account_id
            )
        })
    })
}

/// The accounts whose IAM widenings wait for a narrowing SCP change that did not apply.
#[derive(Default)]
struct Held {
    /// Every account (the change's target is a root or an OU, or it has none).
    all: Option<String>,
    /// Account id → reason.
    accounts: BTreeMap<String, String>,
}

impl Held {
    fn reason_for(&self, account_id: &str) -> Option<String> {
        self.all
            .clone()
            .or_else(|| self.accounts.get(account_id).cloned())
    }
}

async fn apply_account(
    target: &impl ApplyOrganization,
    plan: &AccountPlan,
    request: &ApplyRequest,
    // The definitions rendered, and the roles a `--role` plan was narrowed to.
    desired: Option<(&DesiredState, &[String])>,
    commit: Option<&str>,
    // Why this account's widenings wait (a narrowing SCP change did not apply).
    held: Option<&str>,
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
    let recheck = Arc::new(Mutex::new(Recheck {
        expected: live,
        last: None,
        unknown: Vec::new(),
    }));
    let ownership = &request.ownership;
    let mut executor = |change: Change| {
        let recheck = Arc::clone(&recheck);
        async move {
            let object = ObjectRef::of(&change);
            if let Some(object) = &object {
                let (skip, expected) = {
                    let state = lock(&recheck);
                    let consecutive = state.last.as_ref().is_some_and(|last| last.same(object));
                    let unknown = state.unknown.iter().any(|u| u.same(object));
                    (consecutive || unknown, object.in_state(&state.expected))
                };
                if !skip {
                    match client.read_object(object).await {
                        Ok(Some(now)) => {
                            if let Some(reason) = recheck::differs(object, &expected, &now) {
                                lock(&recheck).last = None;
                                return Err(reason.into());
                            }
                        }
                        Ok(None) => {}
                        Err(err) => {
                            lock(&recheck).last = None;
                            return Err(format!(
                                "the re-check of {} before writing failed: {err}",
                                object.describe()
                            )
                            .into());
                        }
                    }
                }
            }
            let result = client.apply_rechecked(&change).await;
            let mut state = lock(&recheck);
            state.last = object.clone().filter(|_| result.is_ok());
            if result.is_ok() {
                match simulate_account(&state.expected, std::slice::from_ref(&change), ownership) {
                    Ok(next) => state.expected = next,
                    Err(_) => state.unknown.extend(object),
                }
            }
            result
        }
    };
    let mut progress = Progress::new(&plan.account_id, &plan.account_name, &plan.changes);
    run_changes(
        &mut progress,
        &plan.account_id,
        0..plan.changes.len(),
        &plan.phases,
        &stale,
        held,
        request,
        commit,
        &mut executor,
    )
    .await;
    progress.finish()
}

/// What the re-check right before each write compares with: the state the plan read, carried
/// through the changes applied since.
struct Recheck {
    expected: warden_plan::live::LiveAccount,
    /// The object of the change applied last (its next change needs no new read).
    last: Option<ObjectRef>,
    /// Objects whose expected state is not known (the model could not follow a change).
    unknown: Vec<ObjectRef>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A report being filled as changes run, possibly in several calls of [`run_changes`].
struct Progress {
    report: AccountApplyReport,
    failed: Vec<(Change, Option<Phase>)>,
    reasons: Vec<String>,
}

impl Progress {
    fn new(account_id: &str, account_name: &str, changes: &[Change]) -> Progress {
        Progress {
            report: AccountApplyReport::untouched(
                account_id,
                account_name,
                changes,
                ApplyStatus::Applied,
            ),
            failed: Vec::new(),
            reasons: Vec::new(),
        }
    }

    fn finish(mut self) -> AccountApplyReport {
        if !self.failed.is_empty() {
            self.report.status = ApplyStatus::Failed(self.reasons);
        }
        self.report
    }
}

/// Runs the changes at `indices` in order; audits each attempt. A failed change stops only the
/// later changes that depend on it ([`warden_plan::order::blocked_in_order`]: the same role, a
/// policy whose creation failed, a widening that must follow a failed narrowing, …); the others
/// go on, so one failure does not leave later roles without their permissions. `phases` are the
/// plan's phases of the changes (empty when it has none); `refused` are changes not to attempt,
/// by index, with the reason (their object changed since the plan): they count as failed.
/// `held`: why widenings (phases `widen` and `create`) must not run now; they count as failed.
#[expect(
    clippy::too_many_arguments,
    reason = "one private helper, called for accounts and both halves of the SCPs"
)]
async fn run_changes<F, Fut>(
    progress: &mut Progress,
    account_id: &str,
    indices: std::ops::Range<usize>,
    phases: &[Phase],
    refused: &BTreeMap<usize, String>,
    held: Option<&str>,
    request: &ApplyRequest,
    commit: Option<&str>,
    execute: &mut F,
) where
    F: FnMut(Change) -> Fut,
    Fut: std::future::Future<Output = Result<ChangeResult, BoxError>>,
{
    let count = progress.report.changes.len();
    let phase_of = |index: usize| {
        (phases.len() == count)
            .then(|| phases.get(index).copied())
            .flatten()
    };
    let audit = |change: &Change, result: String| {
        (request.audit)(AuditRecord {
            time: (request.clock)(),
            account: account_id.to_string(),
            change: change.clone(),
            commit: commit.map(str::to_string),
            result,
        });
    };
    for index in indices {
        let Some(outcome) = progress.report.changes.get_mut(index) else {
            continue;
        };
        let phase = phase_of(index);
        if let Some(reason) = refused.get(&index) {
            audit(&outcome.change, reason.clone());
            progress
                .reasons
                .push(format!("`{}` {reason}", outcome.change));
            outcome.result = ChangeResult::Failed(reason.clone());
            progress.failed.push((outcome.change.clone(), phase));
            continue;
        }
        if let Some(cause) =
            warden_plan::order::blocked_in_order(&outcome.change, phase, &progress.failed)
        {
            progress.reasons.push(format!(
                "`{}` not attempted: it depends on `{cause}`, which failed",
                outcome.change
            ));
            continue;
        }
        if let (Some(reason), Some(Phase::Widen | Phase::Create)) = (held, phase) {
            progress
                .reasons
                .push(format!("`{}` not attempted: {reason}", outcome.change));
            progress.failed.push((outcome.change.clone(), phase));
            continue;
        }
        let (result, audit_result) = match execute(outcome.change.clone()).await {
            Ok(ChangeResult::Rechecked) => (
                ChangeResult::Rechecked,
                "unknown, re-checked: applied".to_string(),
            ),
            Ok(result) => (result, "ok".to_string()),
            Err(err) if err.to_string().starts_with(recheck::REFUSED) => {
                (ChangeResult::Failed(err.to_string()), err.to_string())
            }
            Err(err) => (
                ChangeResult::Failed(err.to_string()),
                format!("error: {err}"),
            ),
        };
        audit(&outcome.change, audit_result);
        if let ChangeResult::Failed(reason) = &result {
            if reason.starts_with(recheck::REFUSED) {
                progress
                    .reasons
                    .push(format!("`{}` {reason}", outcome.change));
            } else {
                progress
                    .reasons
                    .push(format!("`{}` failed", outcome.change));
            }
            progress.failed.push((outcome.change.clone(), phase));
        }
        outcome.result = result;
    }
}

/// The SCP part of an apply, run in two halves around the accounts.
struct ScpRun<'p> {
    plan: &'p ScpPlan,
    progress: Progress,
    /// Refused before any call: nothing runs.
    refused: bool,
    /// The SCPs as the changes made so far should have left them (the re-check compares with
    /// it); ids of SCPs created by this apply replace the planned ones.
    expected: Arc<Mutex<ScpState>>,
}

#[derive(Default)]
struct ScpState {
    scps: Vec<LiveScp>,
    /// Name (lowercase) → id of the SCPs this apply created.
    created: BTreeMap<String, String>,
    /// The SCP of the change applied last (its next change needs no new read).
    last: Option<String>,
}

const SCP_PART: &str = "service control policies";

impl<'p> ScpRun<'p> {
    async fn open(
        target: &impl ApplyOrganization,
        plan: &'p ScpPlan,
        request: &ApplyRequest,
        desired: Option<&DesiredState>,
    ) -> ScpRun<'p> {
        let mut run = ScpRun {
            plan,
            progress: Progress::new(ORGANIZATION, SCP_PART, &plan.changes),
            refused: false,
            expected: Arc::default(),
        };
        let live = match target.scps().await {
            Ok(live) => live,
            Err(err) => {
                run.refused = true;
                run.progress.report.status = ApplyStatus::Failed(vec![err.to_string()]);
                return run;
            }
        };
        let mut refusals = guard::check_scps(plan, &live, &request.ownership, &request.quotas);
        if let (true, Some(desired)) = (refusals.is_empty(), desired) {
            let fresh = warden_plan::plan_scps(&desired.scps, &live, &request.ownership);
            refusals.extend(guard::check_reproducible(&plan.changes, &fresh.changes));
        }
        if !refusals.is_empty() {
            run.refused = true;
            run.progress.report.status =
                ApplyStatus::Refused(refusals.iter().map(ToString::to_string).collect());
        }
        lock(&run.expected).scps = live;
        run
    }

    /// Runs the changes before the accounts (`before`), or after them, unless refused.
    async fn run(
        &mut self,
        target: &impl ApplyOrganization,
        request: &ApplyRequest,
        commit: Option<&str>,
        before: bool,
        held: Option<&str>,
    ) {
        if self.refused {
            return;
        }
        let split = if self.plan.phases.len() == self.plan.changes.len() {
            self.plan
                .phases
                .iter()
                .position(|phase| !phase.before_accounts())
                .unwrap_or(self.plan.changes.len())
        } else {
            // A plan saved before SCP phases: everything first, as it was applied then.
            self.plan.changes.len()
        };
        let indices = if before {
            0..split
        } else {
            split..self.plan.changes.len()
        };
        // The accounts' changes ran since the last SCP write: read again before the next one.
        lock(&self.expected).last = None;
        let expected = &self.expected;
        let mut executor = |change: Change| {
            let expected = Arc::clone(expected);
            async move {
                execute_scp_change(target, &change, &expected)
                    .await
                    .map(|()| ChangeResult::Applied)
            }
        };
        run_changes(
            &mut self.progress,
            ORGANIZATION,
            indices,
            &self.plan.phases,
            &BTreeMap::new(),
            held,
            request,
            commit,
            &mut executor,
        )
        .await;
    }

    /// The accounts whose IAM widenings wait: narrowing SCP changes that did not apply, by
    /// target (an account id holds that account, a root or OU every account).
    fn held_for_accounts(&self) -> Held {
        let mut held = Held::default();
        if self.plan.phases.len() != self.plan.changes.len() {
            return held;
        }
        for (outcome, phase) in self.progress.report.changes.iter().zip(&self.plan.phases) {
            if *phase != Phase::Narrow || outcome.result.is_applied() {
                continue;
            }
            let reason = format!(
                "held back: the narrowing SCP change `{}` did not apply",
                outcome.change
            );
            match &outcome.change {
                Change::AttachScp { target_id, .. } | Change::DetachScp { target_id, .. }
                    if warden_policy::is_account_id(target_id) =>
                {
                    held.accounts.entry(target_id.clone()).or_insert(reason);
                }
                _ => {
                    held.all.get_or_insert(reason);
                }
            }
        }
        held
    }

    fn finish(self) -> AccountApplyReport {
        if self.refused {
            return self.progress.report;
        }
        self.progress.finish()
    }
}

/// One SCP change: the SCP it writes is read again first (unless the change before wrote the
/// same SCP) and compared with the state expected; then the call.
async fn execute_scp_change(
    target: &impl ApplyOrganization,
    change: &Change,
    expected: &Mutex<ScpState>,
) -> Result<(), BoxError> {
    let (name, id) = scp_of(change, expected);
    if let (Some(name), Some(id)) = (&name, &id) {
        let (skip, wanted) = {
            let state = lock(expected);
            let skip = state
                .last
                .as_ref()
                .is_some_and(|last| last.eq_ignore_ascii_case(name));
            let wanted = state
                .scps
                .iter()
                .find(|scp| scp.name.eq_ignore_ascii_case(name))
                .cloned();
            (skip, wanted)
        };
        if !skip {
            let now = target.read_scp(id).await.map_err(|err| {
                format!("the re-check of scp `{name}` before writing failed: {err}")
            })?;
            if let Some(reason) = recheck::scp_differs(name, wanted.as_ref(), now.as_ref()) {
                lock(expected).last = None;
                return Err(reason.into());
            }
        }
    }
    let result = write_scp_change(target, change, id.as_deref()).await;
    let mut state = lock(expected);
    state.last = name.filter(|_| result.is_ok());
    match &result {
        Ok(Some(created)) => {
            let ScpState {
                scps, created: ids, ..
            } = &mut *state;
            let _ = simulate_scp_change(scps, change);
            if let Change::CreateScp { name, .. } = change {
                ids.insert(name.to_ascii_lowercase(), created.clone());
                if let Some(scp) = scps.iter_mut().find(|s| s.name.eq_ignore_ascii_case(name)) {
                    scp.id = created.clone();
                }
            }
        }
        Ok(None) => {
            let _ = simulate_scp_change(&mut state.scps, change);
        }
        Err(_) => {}
    }
    result.map(drop)
}

/// The SCP a change writes, by name, and its id (`None` for a creation, or for an SCP this
/// apply should have created but did not).
fn scp_of(change: &Change, state: &Mutex<ScpState>) -> (Option<String>, Option<String>) {
    let created = |name: &str| lock(state).created.get(&name.to_ascii_lowercase()).cloned();
    match change {
        Change::CreateScp { name, .. } => (Some(name.clone()), None),
        Change::UpdateScp {
            name, policy_id, ..
        }
        | Change::AdoptScp {
            name, policy_id, ..
        }
        | Change::DetachScp {
            name, policy_id, ..
        }
        | Change::DeleteScp { name, policy_id } => {
            let id = if policy_id.is_empty() {
                created(name)
            } else {
                Some(policy_id.clone())
            };
            (Some(name.clone()), id)
        }
        Change::AttachScp {
            name, policy_id, ..
        } => (
            Some(name.clone()),
            policy_id.clone().or_else(|| created(name)),
        ),
        _ => (None, None),
    }
}

/// The call of one SCP change; a creation returns the new id.
async fn write_scp_change(
    target: &impl ApplyOrganization,
    change: &Change,
    id: Option<&str>,
) -> Result<Option<String>, BoxError> {
    let id = || {
        id.map(str::to_string).ok_or_else(|| -> BoxError {
            format!("SCP `{}` was not created by this apply", change.subject()).into()
        })
    };
    match change {
        Change::CreateScp {
            name,
            description,
            document,
        } => Ok(Some(target.create_scp(name, description, document).await?)),
        Change::UpdateScp {
            description,
            document,
            ..
        }
        | Change::AdoptScp {
            description,
            document,
            ..
        } => target
            .update_scp(&id()?, description, document)
            .await
            .map(|()| None),
        Change::AttachScp { target_id, .. } => {
            target.attach_scp(&id()?, target_id).await.map(|()| None)
        }
        Change::DetachScp { target_id, .. } => {
            target.detach_scp(&id()?, target_id).await.map(|()| None)
        }
        Change::DeleteScp { .. } => target.delete_scp(&id()?).await.map(|()| None),
        _ => Err(format!("`{change}` is not an SCP change").into()),
    }
}
