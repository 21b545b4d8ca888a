//! Plan: the inventory streamed, each selected account rendered, linted, read and planned as
//! soon as it is known (or, with [`PlanOptions::batch`], all of them after the whole
//! inventory); the read-only plan drift and evidence report on; the inventory, its cache with
//! its age, and the plan files under `.warden/`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, oneshot};
use warden_catalog::Catalog;
use warden_lint::{Date, Finding, LintConfig, lint_rendered_account, lint_rendered_scps};
use warden_plan::live::{LiveAccount, LiveScp};
use warden_plan::saved::{Plan, PlanHeader, Unreadable};
use warden_plan::{AccountPlan, Change, Ownership, from_spec};
use warden_spec::Definitions;
use warden_spec::defs::Config;
use warden_spec::org::{Account, AccountStatus, Organization};
use warden_spec::render::RenderedScp;

use crate::err::AppError;
use crate::lint;
use crate::select::{TargetGate, render_selected, selected};
use crate::source::{
    AccountRead, BoxError, ProgressEvent, ReadOrganization, ReadResult, ReadStatus,
};

/// What to plan.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// Only these account ids (all when both filters are empty).
    pub accounts: Vec<String>,
    /// Only accounts under these OU paths (`Root/Workloads`) or OU ids.
    pub ous: Vec<String>,
    /// Refuses the plan when the rendered definitions have lint errors (an account is linted
    /// before it is read; a lint error stops every read not yet started).
    /// Lint exceptions are judged on this day; `None` plans without the lint gate.
    pub lint: Option<Date>,
    /// Commit, dirty flag and time for the plan header.
    pub commit: Option<String>,
    pub dirty: bool,
    pub created_at: String,
}

/// How a plan is computed and what it keeps, beside what it covers ([`PlanRequest`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// How much of each account's live read the outcome keeps.
    pub keep_live: KeepLive,
    /// Read member accounts only once the whole inventory is listed (as before streaming);
    /// the plan is the same, only later. Off: accounts are read as their pages arrive.
    pub batch: bool,
}

impl PlanOptions {
    /// Streamed, keeping only the live state the changes name: `plan`'s, whose memory grows
    /// with the changes, not with the organization.
    pub const BOUNDED: PlanOptions = PlanOptions {
        keep_live: KeepLive::Changed,
        batch: false,
    };
}

/// How much live state [`PlanOutcome::live`] keeps of each account read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeepLive {
    /// Every account's read (drift and evidence report on it).
    #[default]
    All,
    /// Only the roles and policies the account's changes name (what the plan's `old → new`
    /// shows); the rest of the read is dropped as soon as the account is planned, so memory
    /// grows with the changes, not with the organization.
    Changed,
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

    fn whole_organization(&self) -> bool {
        self.accounts.is_empty() && self.ous.is_empty()
    }
}

/// A plan with the inventory and live state it was computed from.
#[derive(Debug, Clone)]
pub struct PlanOutcome {
    pub plan: Plan,
    pub organization: Organization,
    /// Sorted by account id; see [`KeepLive`].
    pub live: Vec<LiveAccount>,
    /// Where the inventory came from, when the source caches it.
    pub inventory: Option<InventoryOrigin>,
}

impl PlanOutcome {
    /// The line to show about where the inventory came from (with its age when cached), or
    /// nothing when it was simply read now.
    pub fn inventory_note(&self) -> String {
        self.inventory
            .as_ref()
            .and_then(InventoryOrigin::note)
            .map(|note| note + "\n")
            .unwrap_or_default()
    }
}

/// Inventory and the read of the selected member accounts (and the SCPs when no filter is
/// given), each account planned as soon as it is read. Member accounts are read as the
/// inventory lists them: once the OU tree is complete and every account id, name and tag the
/// definitions name has been seen (so a target naming nothing is refused before any member
/// account is read), each selected account is rendered, linted and read while the rest of the
/// organization is still listed. Accounts that cannot be read are listed in `plan.unreadable`
/// and do not stop the others.
pub async fn plan_organization(
    source: &impl ReadOrganization,
    definitions: &Definitions,
    request: &PlanRequest,
    progress: &(dyn Fn(ProgressEvent) + Sync),
) -> Result<PlanOutcome, AppError> {
    plan_organization_with(
        source,
        definitions,
        request,
        PlanOptions::default(),
        progress,
    )
    .await
}

/// [`plan_organization`] with [`PlanOptions`]: e.g. `plan` keeps only the live state its
/// changes name, so memory does not grow with the organization.
pub async fn plan_organization_with(
    source: &impl ReadOrganization,
    definitions: &Definitions,
    request: &PlanRequest,
    options: PlanOptions,
    progress: &(dyn Fn(ProgressEvent) + Sync),
) -> Result<PlanOutcome, AppError> {
    let options = PlanOptions {
        keep_live: options.keep_live.max(source.keep_live()),
        ..options
    };
    let whole = request.whole_organization();
    // SCPs need nothing from the inventory: read them while it runs.
    let scps = async {
        if whole {
            Some(source.scps().await)
        } else {
            None
        }
    };
    if options.batch {
        let (organization, scps) = tokio::join!(source.inventory(), scps);
        let organization = organization.map_err(AppError::Source)?;
        return plan_batch(
            source,
            definitions,
            request,
            options,
            organization,
            scps,
            progress,
        )
        .await;
    }
    let (tree_sender, tree) = oneshot::channel();
    let (found_sender, found) = mpsc::unbounded_channel();
    let (listed_sender, listed) = oneshot::channel();
    let inventory = async {
        let inventory = source.inventory_streaming(tree_sender, found_sender).await;
        let _ = listed_sender.send(inventory.is_ok());
        inventory
    };
    let streamed = async {
        let tree = tree.await.ok()?;
        let (to_read, reader_input) = mpsc::unbounded_channel();
        let (reader_output, read) = mpsc::unbounded_channel();
        let management = tree.management_account_id.clone();
        let reading = source.read_accounts_streaming(&management, reader_input, reader_output);
        let mut stream = Stream::new(definitions, request, options.keep_live, tree, progress);
        let driving = stream.drive(found, listed, to_read, read);
        let ((), driven) = tokio::join!(reading, driving);
        Some(driven.map(|()| stream))
    };
    let (organization, scps, streamed) = tokio::join!(inventory, scps, streamed);
    let organization = organization.map_err(AppError::Source)?;
    let Some(stream) = streamed else {
        // A source that never handed on its OU tree: plan from the whole inventory.
        return plan_batch(
            source,
            definitions,
            request,
            options,
            organization,
            scps,
            progress,
        )
        .await;
    };
    let stream = stream?;
    let rendered_scps = match whole {
        true => Some(definitions.render_scps(&organization)?),
        false => None,
    };
    if let (Some(today), Some(rendered)) = (request.lint, &rendered_scps) {
        lint::gate(&definitions.config, &[], rendered, today)?;
    }
    let ownership = from_spec::ownership(&definitions.config);
    let organization_plan = organization_plan(scps, rendered_scps.as_deref(), &ownership)?;
    let mut outcome = stream.finish(definitions, organization, organization_plan);
    outcome.inventory = source.inventory_origin();
    Ok(outcome)
}

/// The SCP part of the plan, when SCPs were read and rendered (the whole organization).
fn organization_plan(
    scps: Option<Result<Vec<LiveScp>, BoxError>>,
    rendered: Option<&[RenderedScp]>,
    ownership: &Ownership,
) -> Result<Option<warden_plan::ScpPlan>, AppError> {
    Ok(match (scps, rendered) {
        (Some(live_scps), Some(desired)) => Some(warden_plan::plan_scps(
            &from_spec::desired_scps(desired),
            &live_scps.map_err(AppError::Source)?,
            ownership,
        )),
        _ => None,
    })
}

/// The plan as the stream of accounts builds it.
struct Stream<'a> {
    definitions: &'a Definitions,
    request: &'a PlanRequest,
    keep_live: KeepLive,
    progress: &'a (dyn Fn(ProgressEvent) + Sync),
    ownership: Ownership,
    lint: LintConfig,
    /// The OU tree and every account found so far.
    organization: Organization,
    /// The OU tree and one account: what an account is rendered and selected against.
    view: Organization,
    gate: TargetGate,
    /// Member reads may start (targets checked); `blocked`: the check failed, nothing is read
    /// and the plan is refused once the inventory is complete.
    open: bool,
    blocked: bool,
    /// Selected accounts found before the gate opened.
    held: Vec<Account>,
    /// Each account sent to be read and checked, until its read arrives. Its desired state is
    /// rendered again then, not kept: accounts are listed faster than they are read, and
    /// thousands of desired states waiting for their reads cost far more than the plan.
    pending: HashMap<String, Account>,
    selected: usize,
    done: usize,
    accounts: Vec<AccountPlan>,
    live: Vec<LiveAccount>,
    unreadable: Vec<Unreadable>,
}

impl<'a> Stream<'a> {
    fn new(
        definitions: &'a Definitions,
        request: &'a PlanRequest,
        keep_live: KeepLive,
        tree: Organization,
        progress: &'a (dyn Fn(ProgressEvent) + Sync),
    ) -> Stream<'a> {
        Stream {
            definitions,
            request,
            keep_live,
            progress,
            ownership: from_spec::ownership(&definitions.config),
            lint: LintConfig::from_spec(&definitions.config),
            gate: TargetGate::new(definitions, &tree.management_account_id),
            view: tree.clone(),
            organization: tree,
            open: false,
            blocked: false,
            held: Vec::new(),
            pending: HashMap::new(),
            selected: 0,
            done: 0,
            accounts: Vec::new(),
            live: Vec::new(),
            unreadable: Vec::new(),
        }
    }

    /// Takes accounts as the inventory finds them and reads as they are planned, until both
    /// are over; any refusal is the one the whole inventory gives ([`plan_batch`]'s).
    async fn drive(
        &mut self,
        mut found: mpsc::UnboundedReceiver<Account>,
        listed: oneshot::Receiver<bool>,
        to_read: mpsc::UnboundedSender<Account>,
        mut read: mpsc::UnboundedReceiver<AccountRead>,
    ) -> Result<(), AppError> {
        loop {
            tokio::select! {
                account = found.recv() => match account {
                    Some(account) => self.found(account, &to_read),
                    None => break,
                },
                Some(account) = read.recv() => self.planned(account),
            }
        }
        if !listed.await.unwrap_or(false) {
            // The inventory failed: its error is the plan's; reads already started finish.
            return Ok(());
        }
        self.organization
            .organizational_units
            .sort_by(|a, b| a.path.cmp(&b.path));
        self.organization.accounts.sort_by(|a, b| a.id.cmp(&b.id));
        if self.blocked || !self.open {
            // The refusal (targets, selection, rendering or lint) as the whole inventory gives it.
            let whole = self.request.whole_organization();
            let rendered = render_selected(
                self.definitions,
                &self.organization,
                &self.request.accounts,
                &self.request.ous,
                whole,
            )?;
            if let Some(today) = self.request.lint {
                lint::gate(
                    &self.definitions.config,
                    &rendered.accounts,
                    rendered.scps.as_deref().unwrap_or_default(),
                    today,
                )?;
            }
            // Refused on part of the organization, accepted on all of it: read now.
            self.blocked = false;
            self.open = true;
            for account in std::mem::take(&mut self.held) {
                self.start(account, &to_read);
            }
        }
        if self.selected == 0 {
            let mut what = self.request.accounts.clone();
            what.extend(self.request.ous.iter().cloned());
            return Err(AppError::NoAccounts(what.join(", ")));
        }
        drop(to_read);
        while let Some(account) = read.recv().await {
            self.planned(account);
        }
        Ok(())
    }

    /// An account the inventory found: kept, read when selected (and when the gate is open).
    fn found(&mut self, account: Account, to_read: &mpsc::UnboundedSender<Account>) {
        self.gate.saw(&account);
        self.organization.accounts.push(account.clone());
        self.view.accounts = vec![account];
        let Some(account) = self.view.accounts.first().cloned() else {
            return;
        };
        if selected(
            &account,
            &self.view,
            &self.request.accounts,
            &self.request.ous,
        ) {
            self.selected += 1;
            self.held.push(account);
        }
        if !self.open && !self.blocked && self.gate.resolved() {
            self.open = self.targets_pass();
            self.blocked = !self.open;
        }
        if self.open {
            for account in std::mem::take(&mut self.held) {
                self.start(account, to_read);
            }
        }
    }

    /// Whether the targets refuse nothing and the SCPs lint clean on what is known now (every
    /// account the definitions name has been seen, so more accounts cannot change it).
    fn targets_pass(&self) -> bool {
        if !self
            .definitions
            .target_refusals(&self.organization)
            .is_empty()
        {
            return false;
        }
        let (Some(today), true) = (self.request.lint, self.request.whole_organization()) else {
            return true;
        };
        self.definitions
            .render_scps(&self.organization)
            .is_ok_and(|scps| {
                let findings = lint_rendered_scps(&scps, &self.lint, Catalog::embedded(), today);
                !warden_lint::has_errors(&findings)
            })
    }

    /// Renders, lints and sends a selected account to be read; a rendering or lint error stops
    /// every read not yet started (the plan is refused at the end, as a whole).
    fn start(&mut self, account: Account, to_read: &mpsc::UnboundedSender<Account>) {
        if self.blocked {
            self.held.push(account);
            return;
        }
        let rendered_here = account.status == AccountStatus::Active
            && account.id != self.organization.management_account_id;
        if rendered_here {
            self.view.accounts = vec![account.clone()];
            let rendered = match self.definitions.render_for_account(&self.view, &account) {
                Ok(rendered) => rendered,
                Err(_) => {
                    self.blocked = true;
                    self.held.push(account);
                    return;
                }
            };
            if let Some(today) = self.request.lint {
                let findings =
                    lint_rendered_account(&rendered, &self.lint, Catalog::embedded(), today);
                if warden_lint::has_errors(&findings) {
                    self.blocked = true;
                    self.held.push(account);
                    return;
                }
            }
            self.pending.insert(account.id.clone(), account.clone());
        }
        (self.progress)(ProgressEvent::Started {
            account_id: account.id.clone(),
        });
        let _ = to_read.send(account);
    }

    /// A read arrived: planned at once; only the plan (and what [`KeepLive`] asks) is kept.
    fn planned(&mut self, read: AccountRead) {
        self.done += 1;
        (self.progress)(ProgressEvent::Finished {
            account_id: read.account_id.clone(),
            status: match &read.result {
                ReadResult::Read(_) => ReadStatus::Read,
                ReadResult::Skipped { .. } => ReadStatus::Skipped,
                ReadResult::Failed(_) => ReadStatus::Failed,
            },
            done: self.done,
            total: self.selected.max(self.done),
        });
        match read.result {
            ReadResult::Read(live) => {
                let Some(account) = self.pending.remove(&read.account_id) else {
                    return;
                };
                // It rendered when it was sent; should it not now, it is not planned, and says so.
                self.view.accounts = vec![account.clone()];
                let rendered = match self.definitions.render_for_account(&self.view, &account) {
                    Ok(rendered) => rendered,
                    Err(err) => {
                        self.unreadable.push(Unreadable {
                            account_id: read.account_id,
                            account_name: read.account_name,
                            reason: err.to_string(),
                        });
                        return;
                    }
                };
                let desired = from_spec::desired_account(&rendered);
                let plan = warden_plan::plan_account(&desired, &live, &self.ownership);
                if let Some(kept) = kept_live(live, &plan, self.keep_live) {
                    self.live.push(kept);
                }
                self.accounts.push(plan);
            }
            ReadResult::Failed(err) => self.unreadable.push(Unreadable {
                account_id: read.account_id,
                account_name: read.account_name,
                reason: err.to_string(),
            }),
            ReadResult::Skipped { reason } => {
                if read.account_id != self.organization.management_account_id {
                    self.unreadable.push(Unreadable {
                        account_id: read.account_id,
                        account_name: read.account_name,
                        reason: format!("skipped: {reason}"),
                    });
                }
            }
        }
    }

    fn finish(
        mut self,
        definitions: &Definitions,
        organization: Organization,
        organization_plan: Option<warden_plan::ScpPlan>,
    ) -> PlanOutcome {
        self.accounts
            .sort_by(|a, b| a.account_id.cmp(&b.account_id));
        self.live.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        self.unreadable
            .sort_by(|a, b| a.account_id.cmp(&b.account_id));
        let mut plan = Plan::new(plan_header(definitions, self.request, &organization));
        plan.accounts = self.accounts;
        plan.organization = organization_plan;
        plan.unreadable = self.unreadable;
        PlanOutcome {
            plan,
            organization,
            live: self.live,
            inventory: None,
        }
    }
}

/// What [`KeepLive`] keeps of an account's read once it is planned.
fn kept_live(mut live: LiveAccount, plan: &AccountPlan, keep: KeepLive) -> Option<LiveAccount> {
    if keep == KeepLive::All {
        return Some(live);
    }
    if plan.changes.is_empty() {
        return None;
    }
    let roles: HashSet<&str> = plan.changes.iter().filter_map(Change::role).collect();
    let policies: HashSet<&str> = plan
        .changes
        .iter()
        .filter_map(|change| match change {
            Change::AttachPolicy { arn, .. }
            | Change::DetachPolicy { arn, .. }
            | Change::PutBoundary { arn, .. }
            | Change::CreatePolicyVersion { arn, .. }
            | Change::DeletePolicy { arn, .. }
            | Change::TagPolicy { arn, .. }
            | Change::UntagPolicy { arn, .. }
            | Change::AdoptPolicy { arn, .. } => Some(arn.as_str()),
            _ => None,
        })
        .collect();
    live.roles.retain(|role| roles.contains(role.name.as_str()));
    live.policies
        .retain(|policy| policies.contains(policy.arn.as_str()));
    Some(live)
}

fn plan_header(
    definitions: &Definitions,
    request: &PlanRequest,
    organization: &Organization,
) -> PlanHeader {
    PlanHeader {
        created_at: request.created_at.clone(),
        commit: request.commit.clone(),
        dirty: request.dirty,
        definitions_digest: definitions.digest(),
        management_account_id: organization.management_account_id.clone(),
        access_role_name: definitions.config.access_role_name.clone(),
        managed_marker: from_spec::ownership(&definitions.config).marker(),
    }
}

/// The plan from the whole inventory: render and lint every selected account, then read them
/// all, then plan on all cores.
async fn plan_batch(
    source: &impl ReadOrganization,
    definitions: &Definitions,
    request: &PlanRequest,
    options: PlanOptions,
    organization: Organization,
    scps: Option<Result<Vec<LiveScp>, BoxError>>,
    progress: &(dyn Fn(ProgressEvent) + Sync),
) -> Result<PlanOutcome, AppError> {
    let whole_organization = request.whole_organization();
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
                pairs.push((from_spec::desired_account(desired), live));
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
    let live = pairs
        .into_iter()
        .zip(&accounts)
        .filter_map(|((_, live), plan)| kept_live(live, plan, options.keep_live))
        .collect();
    let mut plan = Plan::new(plan_header(definitions, request, &organization));
    plan.accounts = accounts;
    plan.organization = organization_plan(scps, rendered.scps.as_deref(), &ownership)?;
    plan.unreadable = unreadable;
    Ok(PlanOutcome {
        plan,
        organization,
        live,
        inventory: source.inventory_origin(),
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

/// Where plan and drift keep the inventory between runs with the time it was read: the
/// organization's ids, OUs and accounts (names, emails, status, tags), no credentials and no
/// IAM. Git-ignored.
pub fn inventory_cache_path(root: &Path) -> PathBuf {
    root.join(".warden/inventory.json")
}

/// The default of `--inventory-max-age`: zero, the cache is written by every plan and drift
/// but not read unless asked for. A plan states what the organization is now: an account
/// moved to another OU, created or tagged a minute ago changes what is deployed where, and by
/// default no plan should miss it; asked for (e.g. `15m` while iterating on definitions
/// over a large organization) the age is shown with the plan. Apply never uses the cache: it
/// reads the inventory again and checks the saved plan against it.
pub const DEFAULT_INVENTORY_MAX_AGE: Duration = Duration::ZERO;

const CACHE_FORMAT: &str = "warden-inventory-cache";
const CACHE_VERSION: u64 = 1;

/// The inventory cache: where it is, how old it may be, and the management account the
/// repository names (a cache of another organization is foreign).
#[derive(Debug, Clone)]
pub struct InventoryCache {
    path: PathBuf,
    max_age: Duration,
    management_account_id: String,
}

/// Where an inventory came from, for the command's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InventoryOrigin {
    /// Read from the organization: no cache to use (none written yet, or a maximum age of 0).
    Read,
    /// From the cache, read from the organization `age` ago.
    Cached { age: Duration },
    /// Read from the organization: the cache was `age` old, older than the maximum.
    Stale { age: Duration },
    /// Read from the organization: the cache file was corrupt or foreign.
    Ignored { reason: String },
}

impl InventoryOrigin {
    /// The line the command shows, when there is something to say.
    pub fn note(&self) -> Option<String> {
        match self {
            InventoryOrigin::Read => None,
            InventoryOrigin::Cached { age } => Some(format!(
                "inventory: from the cache, read {} ago",
                short_duration(*age)
            )),
            InventoryOrigin::Stale { age } => Some(format!(
                "inventory: read now (the cache was {} old)",
                short_duration(*age)
            )),
            InventoryOrigin::Ignored { reason } => Some(format!(
                "warning: inventory cache ignored ({reason}); inventory read now"
            )),
        }
    }
}

/// `1h 2m 3s`, `4m 5s`, `6s`.
pub fn short_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match (seconds / 3600, seconds / 60 % 60, seconds % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s}s"),
        (h, m, s) => format!("{h}h {m}m {s}s"),
    }
}

/// Reads `--inventory-max-age`: `0`, or a number with `s`, `m`, `h` or `d` (`90s`, `15m`).
pub fn parse_max_age(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit_seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{text}` is not a duration like `90s`, `15m`, `2h` or `0`"
            ));
        }
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_seconds))
        .map(Duration::from_secs)
        .ok_or_else(|| format!("`{text}` is not a duration like `90s`, `15m`, `2h` or `0`"))
}

impl InventoryCache {
    /// The cache of the repository at `root`, used while younger than `max_age` (0: never).
    pub fn new(root: &Path, config: &Config, max_age: Duration) -> InventoryCache {
        InventoryCache {
            path: inventory_cache_path(root),
            max_age,
            management_account_id: config.management_account_id.clone(),
        }
    }

    /// The cached organization and its age, when it was written for `source` (the endpoint it
    /// was read from), is of the repository's organization, has account tags when `tags` are
    /// needed, and is younger than the maximum age; otherwise why not. Never trusted in part.
    pub fn load(
        &self,
        source: &str,
        tags: bool,
        now: SystemTime,
    ) -> Result<(Organization, Duration), InventoryOrigin> {
        if self.max_age.is_zero() {
            return Err(InventoryOrigin::Read);
        }
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(InventoryOrigin::Read);
            }
            Err(err) => return Err(ignored(format!("cannot read it: {err}"))),
        };
        let mut file: serde_json::Value =
            serde_json::from_str(&text).map_err(|err| ignored(format!("not JSON: {err}")))?;
        if file["format"] != CACHE_FORMAT || file["version"] != CACHE_VERSION {
            return Err(ignored(
                "not a Warden inventory cache of this version".to_owned(),
            ));
        }
        if file["source"] != source {
            return Err(ignored(
                "written for another endpoint, profile or region".to_owned(),
            ));
        }
        if tags && file["account_tags"] != true {
            return Err(ignored(
                "written without the account tags targeting needs".to_owned(),
            ));
        }
        let written = file["written_at"]
            .as_u64()
            .map(|seconds| SystemTime::UNIX_EPOCH + Duration::from_secs(seconds))
            .ok_or_else(|| ignored("no time it was written".to_owned()))?;
        let age = now
            .duration_since(written)
            .map_err(|_| ignored("written in the future".to_owned()))?;
        let organization: Organization = serde_json::from_value(file["organization"].take())
            .map_err(|err| ignored(format!("not an inventory: {err}")))?;
        if organization.management_account_id != self.management_account_id {
            return Err(ignored(format!(
                "of the organization managed from `{}`, not `{}`",
                organization.management_account_id, self.management_account_id
            )));
        }
        if age > self.max_age {
            return Err(InventoryOrigin::Stale { age });
        }
        Ok((organization, age))
    }

    /// Best effort, through a temporary file and a rename: a plan never fails because the
    /// cache could not be written.
    pub fn store(&self, source: &str, tags: bool, organization: &Organization, now: SystemTime) {
        let written_at = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let file = serde_json::json!({
            "format": CACHE_FORMAT,
            "version": CACHE_VERSION,
            "written_at": written_at,
            "source": source,
            "account_tags": tags,
            "organization": organization,
        });
        let mut temporary = self.path.as_os_str().to_owned();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        let written = std::fs::create_dir_all(self.path.parent().unwrap_or(Path::new(".")))
            .and_then(|()| std::fs::write(&temporary, file.to_string()))
            .and_then(|()| std::fs::rename(&temporary, &self.path));
        if let Err(err) = written {
            tracing::warn!(
                "could not save the inventory cache to {}: {err}",
                self.path.display()
            );
        }
    }
}

fn ignored(reason: String) -> InventoryOrigin {
    InventoryOrigin::Ignored { reason }
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use warden_spec::org::Organization;

    use super::{InventoryCache, InventoryOrigin, parse_max_age, short_duration};

    #[test]
    fn max_ages_are_a_number_and_a_unit() {
        assert_eq!(parse_max_age("0"), Ok(Duration::ZERO));
        assert_eq!(parse_max_age("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_max_age("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_max_age("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_max_age("1d"), Ok(Duration::from_secs(86_400)));
        for wrong in ["15", "m", "-1m", "15x", "1.5h", ""] {
            let err = parse_max_age(wrong).unwrap_err();
            assert!(err.contains(&format!("`{wrong}`")), "{err}");
        }
        assert_eq!(short_duration(Duration::from_secs(3723)), "1h 2m 3s");
        assert_eq!(short_duration(Duration::from_secs(61)), "1m 1s");
        assert_eq!(short_duration(Duration::from_secs(5)), "5s");
    }

    fn organization(management: &str) -> Organization {
        Organization {
            id: "o-example".into(),
            management_account_id: management.into(),
            root_id: "r-root".into(),
            accounts: Vec::new(),
            organizational_units: Vec::new(),
        }
    }

    #[test]
    fn the_cache_is_used_only_young_whole_and_of_this_organization() {
        let dir = tempfile::tempdir().unwrap();
        let cache = |max_age| InventoryCache {
            path: dir.path().join(".warden/inventory.json"),
            max_age,
            management_account_id: "123456789012".into(),
        };
        let hour = Duration::from_secs(3600);
        let now = SystemTime::now();
        assert_eq!(
            cache(hour).load("src", false, now),
            Err(InventoryOrigin::Read),
            "no file yet"
        );
        cache(hour).store("src", false, &organization("123456789012"), now);
        let later = now + Duration::from_secs(60);
        let (read, age) = cache(hour).load("src", false, later).unwrap();
        assert_eq!(read, organization("123456789012"));
        assert_eq!(age.as_secs(), 60, "written in whole seconds");
        assert_eq!(
            cache(Duration::ZERO).load("src", false, later),
            Err(InventoryOrigin::Read)
        );
        let old = now + 2 * hour;
        assert!(
            matches!(cache(hour).load("src", false, old), Err(InventoryOrigin::Stale { age }) if age.as_secs() == 7200)
        );
        let ignored = |result: Result<(Organization, Duration), InventoryOrigin>| match result {
            Err(InventoryOrigin::Ignored { reason }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(ignored(cache(hour).load("other", false, later)).contains("another endpoint"));
        assert!(ignored(cache(hour).load("src", true, later)).contains("account tags"));
        let before = now - Duration::from_secs(60);
        assert!(ignored(cache(hour).load("src", false, before)).contains("future"));
        cache(hour).store("src", false, &organization("999999999999"), now);
        assert!(ignored(cache(hour).load("src", false, later)).contains("`999999999999`"));
        std::fs::write(dir.path().join(".warden/inventory.json"), "{\"format\":").unwrap();
        assert!(ignored(cache(hour).load("src", false, later)).contains("not JSON"));
        std::fs::write(
            dir.path().join(".warden/inventory.json"),
            "{\"format\":\"x\"}",
        )
        .unwrap();
        assert!(ignored(cache(hour).load("src", false, later)).contains("not a Warden"));
    }
}
