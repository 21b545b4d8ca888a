//! Plan at organization scale, against moto behind the fault proxy: member accounts are read
//! while the inventory is still listed (seen in the proxy's per-call log), the plan is the
//! same streamed or after the whole inventory, a target naming nothing still stops the plan
//! before any member account is read, and the inventory cache is used while young, read
//! again when old, and ignored (never trusted) when corrupt or foreign.

use std::time::Duration;

use warden_app::plan::{
    InventoryCache, InventoryOrigin, KeepLive, PlanOptions, inventory_cache_path,
    plan_organization_with,
};
use warden_app::{LiveOrganization, PlanOutcome, PlanRequest, ReadOrganization};
use warden_aws::Aws;
use warden_aws::fixture::{self, SeedAccount, SeedSpec, SeededOrg};
use warden_e2e::write_file as write;
use warden_emulator::{FaultConfig, FaultProxy, MotoServer};
use warden_spec::Definitions;

const EXTERNAL_ID: &str = "e2e-scale-external-id";

/// More accounts than one ListAccountsForParent page (20) in `Workloads`.
const ACCOUNTS: usize = 26;

const CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_SCALE_UNSET_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
concurrency: 4
admin_roles: [WardenAccess, app-reader, auditor]
"#;

/// Deployed under `Workloads` except where tagged `tier=legacy`, so targeting needs tags.
const APP_READER: &str = r#"
kind: Role
name: app-reader
path: /
description: Reads the app bucket.
targets:
  ous: [Root/Workloads]
  exclude:
    tags: ["tier=legacy"]
trust:
  - Sid: Ecs
    Effect: Allow
    Principal:
      Service: ecs-tasks.amazonaws.com
    Action: sts:AssumeRole
    justification: The app runs on ECS.
inline_policies:
  read:
    - Sid: Read
      Effect: Allow
      Action: s3:GetObject
      Resource: "arn:aws:s3:::app-${account_id}/*"
      justification: The app reads its own bucket.
"#;

/// Deployed to one account named in `accounts` (by name).
fn auditor(account: &str) -> String {
    format!(
        r#"
kind: Role
name: auditor
path: /
description: Audits one account.
targets:
  accounts: ["{account}"]
trust:
  - Sid: Ecs
    Effect: Allow
    Principal:
      Service: ecs-tasks.amazonaws.com
    Action: sts:AssumeRole
    justification: The audit job runs on ECS.
inline_policies:
  read:
    - Sid: Read
      Effect: Allow
      Action: s3:ListBucket
      Resource: "arn:aws:s3:::audit-${{account_id}}"
      justification: The audit job lists its bucket.
"#
    )
}

fn name(index: usize) -> String {
    format!("scale-{index:02}")
}

struct World {
    _server: MotoServer,
    aws: Aws,
    org: SeededOrg,
    repo: tempfile::TempDir,
    proxy: FaultProxy,
}

async fn world() -> World {
    let server = warden_e2e::moto();
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default()).unwrap();
    let aws = Aws::connect(warden_e2e::quick_options(proxy.endpoint_url(), 3))
        .await
        .unwrap();
    let accounts = (0..ACCOUNTS)
        .map(|index| {
            let mut account = SeedAccount::new(name(index), "Workloads");
            if index == 3 {
                account.tags.insert("tier".into(), "legacy".into());
            }
            account
        })
        .collect();
    let spec = SeedSpec {
        ous: vec!["Workloads".into(), "Sandbox".into()],
        accounts,
        access_role_name: "WardenAccess".into(),
        external_id: warden_aws::ExternalId::new(EXTERNAL_ID).unwrap(),
    };
    let org = fixture::seed_organization(&aws, &spec).await.unwrap();
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "warden.yaml", CONFIG);
    write(repo.path(), "policies/app-reader.yaml", APP_READER);
    write(repo.path(), "policies/auditor.yaml", &auditor(&name(1)));
    proxy.reset_stats();
    World {
        _server: server,
        aws,
        org,
        repo,
        proxy,
    }
}

impl World {
    fn definitions(&self) -> Definitions {
        Definitions::load(self.repo.path()).unwrap()
    }

    fn organization(&self) -> LiveOrganization {
        let definitions = self.definitions();
        LiveOrganization::new(
            self.aws.clone(),
            warden_e2e::access_role(EXTERNAL_ID, "warden-e2e-scale"),
            4,
        )
        .with_account_tags(definitions.targets_by_tag())
    }

    async fn plan_with(
        &self,
        source: &impl ReadOrganization,
        request: &PlanRequest,
    ) -> Result<PlanOutcome, warden_app::AppError> {
        self.plan_options(source, request, PlanOptions::default())
            .await
    }

    async fn plan_options(
        &self,
        source: &impl ReadOrganization,
        request: &PlanRequest,
        options: PlanOptions,
    ) -> Result<PlanOutcome, warden_app::AppError> {
        let definitions = self.definitions();
        plan_organization_with(source, &definitions, request, options, &|_| {}).await
    }

    /// Organizations calls that list the inventory (not the SCP reads).
    fn inventory_calls(&self) -> u64 {
        let stats = self.proxy.stats();
        [
            "organizations:DescribeOrganization",
            "organizations:ListOrganizationalUnitsForParent",
            "organizations:ListAccountsForParent",
            "organizations:ListTagsForResource",
        ]
        .iter()
        .map(|action| stats.calls_for_action(action))
        .sum()
    }
}

fn request() -> PlanRequest {
    PlanRequest {
        lint: None,
        created_at: "2026-12-01T00:00:00Z".into(),
        ..PlanRequest::default()
    }
}

/// Live state without what reading it changes (the access role's last use).
fn stable(live: &[warden_plan::live::LiveAccount]) -> Vec<warden_plan::live::LiveAccount> {
    let mut live = live.to_vec();
    for role in live.iter_mut().flat_map(|account| account.roles.iter_mut()) {
        role.role_last_used = None;
    }
    live
}

/// When the first member account was assumed and when the last ListAccountsForParent page was
/// answered, from the proxy's call log.
fn first_assume_and_last_page(proxy: &FaultProxy) -> (Duration, Duration) {
    let calls = proxy.calls();
    let first_assume = calls
        .iter()
        .filter(|call| call.action == "sts:AssumeRole")
        .map(|call| call.received)
        .min()
        .expect("member accounts were assumed");
    let last_page = calls
        .iter()
        .filter(|call| call.action == "organizations:ListAccountsForParent")
        .map(|call| call.answered)
        .max()
        .expect("accounts were listed");
    (first_assume, last_page)
}

/// With 200 ms per call and 26 accounts in two pages of `Workloads`, member accounts of the
/// first page are assumed before the second page is answered; read after the whole inventory
/// (`batch`), not one is. The plans are the same streamed or not, live state and inventory
/// included, also when targeting needs account tags (read as their pages arrive).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_reads_begin_before_the_inventory_is_finished_and_plan_the_same() {
    let world = world().await;
    world.proxy.set_faults(FaultConfig {
        latency: Duration::from_millis(200),
        ..FaultConfig::default()
    });
    let batch = PlanOptions {
        batch: true,
        ..PlanOptions::default()
    };
    // Without tag targeting: only pages to wait for.
    write(
        world.repo.path(),
        "policies/app-reader.yaml",
        &APP_READER.replace("  exclude:\n    tags: [\"tier=legacy\"]\n", ""),
    );
    let source = world.organization();
    world.proxy.record_calls();
    let streamed = world.plan_with(&source, &request()).await.unwrap();
    let (first_assume, last_page) = first_assume_and_last_page(&world.proxy);
    assert!(
        first_assume < last_page,
        "streamed: first AssumeRole at {first_assume:?}, last account page answered at {last_page:?}"
    );
    world.proxy.record_calls();
    let whole = world
        .plan_options(&source, &request(), batch)
        .await
        .unwrap();
    let (first_assume, last_page) = first_assume_and_last_page(&world.proxy);
    assert!(
        first_assume > last_page,
        "batch: first AssumeRole at {first_assume:?}, last account page answered at {last_page:?}"
    );
    assert_eq!(streamed.plan.to_json(), whole.plan.to_json());
    assert_eq!(streamed.organization, whole.organization);
    assert!(
        stable(&streamed.live) == stable(&whole.live),
        "live state differs"
    );

    // With the tag exclusion: tags read, the same plan both ways.
    write(world.repo.path(), "policies/app-reader.yaml", APP_READER);
    world.proxy.set_faults(FaultConfig {
        latency: Duration::from_millis(20),
        ..FaultConfig::default()
    });
    let source = world.organization();
    let streamed = world.plan_with(&source, &request()).await.unwrap();
    let whole = world
        .plan_options(&source, &request(), batch)
        .await
        .unwrap();
    assert_eq!(streamed.plan.to_json(), whole.plan.to_json());
    assert_eq!(streamed.organization, whole.organization);
    assert!(
        stable(&streamed.live) == stable(&whole.live),
        "live state differs"
    );
    // What the definitions say is planned: every workload account but the legacy one gets
    // app-reader, only the one named the auditor.
    let creates = |role: &str| {
        streamed
            .plan
            .accounts
            .iter()
            .filter(|account| {
                account.changes.iter().any(|change| {
                    matches!(change, warden_plan::Change::CreateRole { name, .. } if name == role)
                })
            })
            .count()
    };
    assert_eq!(streamed.plan.accounts.len(), ACCOUNTS);
    assert_eq!(creates("app-reader"), ACCOUNTS - 1);
    assert_eq!(creates("auditor"), 1);
    assert!(
        streamed.plan.unreadable.is_empty(),
        "{:?}",
        streamed.plan.unreadable
    );

    // Keeping only what the changes name: the same plan, and no role it does not change.
    let trimmed = PlanOptions {
        keep_live: KeepLive::Changed,
        ..PlanOptions::default()
    };
    let trimmed = world
        .plan_options(&source, &request(), trimmed)
        .await
        .unwrap();
    assert_eq!(trimmed.plan.to_json(), streamed.plan.to_json());
    assert!(
        trimmed
            .live
            .iter()
            .all(|account| account.role("WardenAccess").is_none()),
        "the access role is never changed, so never kept"
    );
    assert!(
        streamed
            .live
            .iter()
            .all(|account| account.role("WardenAccess").is_some())
    );
}

/// An account name that names no account is only known once every account is listed: member
/// reads wait for it, and the plan is refused with the closest name before any is assumed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_target_naming_nothing_is_refused_before_any_member_read() {
    let world = world().await;
    write(
        world.repo.path(),
        "policies/auditor.yaml",
        &auditor("scale-2x"),
    );
    let err = world
        .plan_with(&world.organization(), &request())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("`scale-2x`"), "{err}");
    assert!(err.contains("did you mean `scale-2"), "{err}");
    assert!(
        world
            .proxy
            .stats()
            .calls_for_account(world.org.account_id(&name(0)).unwrap())
            == 0
    );
    assert_eq!(
        world.proxy.stats().calls_for_action("sts:AssumeRole"),
        0,
        "no member account is opened"
    );
}

/// The cache: read and written on the first plan; used while younger than the maximum age
/// (no inventory call, the same plan, its age reported); read again once older; a corrupt or
/// foreign file is ignored with the reason and the organization read again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_cache_is_used_when_young_and_read_again_when_old_or_foreign() {
    let world = world().await;
    let definitions = world.definitions();
    let cached = |max_age: Duration| {
        world
            .organization()
            .with_inventory_cache(InventoryCache::new(
                world.repo.path(),
                &definitions.config,
                max_age,
            ))
    };
    let hour = Duration::from_secs(3600);
    let path = inventory_cache_path(world.repo.path());

    world.proxy.reset_stats();
    let first = world.plan_with(&cached(hour), &request()).await.unwrap();
    assert!(world.inventory_calls() > 0);
    assert_eq!(first.inventory, Some(InventoryOrigin::Read));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(EXTERNAL_ID), "no secret in the cache");

    world.proxy.reset_stats();
    let second = world.plan_with(&cached(hour), &request()).await.unwrap();
    assert_eq!(
        world.inventory_calls(),
        0,
        "{:?}",
        world.proxy.stats().by_action
    );
    assert!(
        matches!(second.inventory, Some(InventoryOrigin::Cached { age }) if age < hour),
        "{:?}",
        second.inventory
    );
    assert!(second.inventory_note().contains("from the cache"));
    assert_eq!(second.plan.to_json(), first.plan.to_json());

    // Without a maximum age the cache is written but never used.
    world.proxy.reset_stats();
    world
        .plan_with(&cached(Duration::ZERO), &request())
        .await
        .unwrap();
    assert!(world.inventory_calls() > 0);

    // Two hours old: read again, and the cache rewritten as of now.
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let written = file["written_at"].as_u64().unwrap();
    file["written_at"] = (written - 7200).into();
    std::fs::write(&path, file.to_string()).unwrap();
    world.proxy.reset_stats();
    let old = world.plan_with(&cached(hour), &request()).await.unwrap();
    assert!(world.inventory_calls() > 0);
    assert!(
        matches!(old.inventory, Some(InventoryOrigin::Stale { age }) if age > hour),
        "{:?}",
        old.inventory
    );
    assert_eq!(old.plan.to_json(), first.plan.to_json());
    world.proxy.reset_stats();
    world.plan_with(&cached(hour), &request()).await.unwrap();
    assert_eq!(world.inventory_calls(), 0, "rewritten by the read");

    // Corrupt, then of another organization: ignored with the reason, never trusted.
    let good = std::fs::read_to_string(&path).unwrap();
    let foreign = good.replace("123456789012", "999999999999");
    for (text, reason) in [
        (good[..good.len() / 2].to_owned(), "not JSON"),
        (foreign, "managed from `999999999999`"),
    ] {
        std::fs::write(&path, text).unwrap();
        world.proxy.reset_stats();
        let outcome = world.plan_with(&cached(hour), &request()).await.unwrap();
        assert!(world.inventory_calls() > 0, "{reason}");
        match &outcome.inventory {
            Some(InventoryOrigin::Ignored { reason: why }) => {
                assert!(why.contains(reason), "{why}");
            }
            other => panic!("{reason}: {other:?}"),
        }
        assert!(
            outcome
                .inventory_note()
                .starts_with("warning: inventory cache ignored")
        );
        assert_eq!(outcome.plan.to_json(), first.plan.to_json());
    }
}

/// A member account is read in two round trips: AssumeRole, then GetAccountAuthorizationDetails
/// and ListRoles side by side (ListRoles for the two role fields GAAD lacks, Description and
/// MaxSessionDuration: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_RoleDetail.html>,
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html>); never more accounts
/// in flight than the concurrency. And a proxy that names each call's account to moto
/// (`x-moto-account-id`, as the benchmarks seed and read through) changes no answer: the same
/// plan, live state and calls per account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_read_is_two_round_trips_within_the_concurrency_and_naming_accounts_changes_nothing()
 {
    let world = world().await;
    let latency = Duration::from_millis(60);
    world.proxy.set_faults(FaultConfig {
        latency,
        ..FaultConfig::default()
    });
    let source = world.organization();
    world.proxy.record_calls();
    world.proxy.reset_stats();
    let plain = world.plan_with(&source, &request()).await.unwrap();
    let plain_stats = world.proxy.stats();
    let calls = world.proxy.calls();
    let mut spans = Vec::new();
    for account in &world.org.accounts {
        let of = |action: &str| {
            let found: Vec<_> = calls
                .iter()
                .filter(|call| call.account == account.id && call.action == action)
                .collect();
            assert_eq!(found.len(), 1, "{action} in `{}`: {found:?}", account.id);
            (found[0].received, found[0].answered)
        };
        let assume = of("sts:AssumeRole");
        let details = of("iam:GetAccountAuthorizationDetails");
        let roles = of("iam:ListRoles");
        let member_calls = calls
            .iter()
            .filter(|call| call.account == account.id)
            .count();
        assert_eq!(member_calls, 3, "calls of `{}`", account.id);
        assert!(
            details.0 >= assume.1 && roles.0 >= assume.1,
            "reads start after the session: {assume:?} {details:?} {roles:?}"
        );
        assert!(
            details.0 < roles.1 && roles.0 < details.1,
            "GAAD and ListRoles overlap in `{}`: {details:?} {roles:?}",
            account.id
        );
        assert!(details.1 - details.0 >= latency && roles.1 - roles.0 >= latency);
        spans.push((assume.0, details.1.max(roles.1)));
    }
    let most_in_flight = spans
        .iter()
        .map(|(start, _)| {
            spans
                .iter()
                .filter(|(other_start, other_end)| other_start <= start && start < other_end)
                .count()
        })
        .max()
        .unwrap();
    assert!(
        (2..=4).contains(&most_in_flight),
        "accounts in flight at most the concurrency (4), and more than one: {most_in_flight}"
    );

    world.proxy.name_accounts_to_emulator("123456789012");
    world.proxy.reset_stats();
    let named = world.plan_with(&source, &request()).await.unwrap();
    let named_stats = world.proxy.stats();
    assert_eq!(named.plan.to_json(), plain.plan.to_json());
    assert_eq!(named.organization, plain.organization);
    assert!(
        stable(&named.live) == stable(&plain.live),
        "live state differs"
    );
    assert_eq!(named_stats.by_account_action, plain_stats.by_account_action);
    assert!(named.plan.unreadable.is_empty() && plain.plan.accounts.len() == ACCOUNTS);
}

/// The bench's organization in sync: seeding creates the workload roles marked as Warden's
/// under their boundary, and the bench's definitions are those roles as they are, so the plan
/// has no change and keeps no account's live state; seeded otherwise, every account has
/// changes. The in-sync run holds the injected latency over moto's time and admits two
/// requests into moto at a time, and every account is still read whole (four calls). The
/// built `xtask` plans again as a fresh process: its exit status says the same, and its
/// memory is read from outside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bench_organization_in_sync_plans_no_change_and_keeps_no_live_state() {
    const ACCOUNTS: usize = 3;
    let bench = |in_sync: bool| warden_app::bench::PlanBench {
        accounts: ACCOUNTS,
        roles: 2,
        latency_ms: 20,
        concurrency: 2,
        runs: 1,
        in_sync,
        latency_covers_emulator: in_sync,
        emulator_admission: in_sync.then_some(2),
        plan_exe: Some(crate::cli::xtask_binary().to_path_buf()),
    };
    for in_sync in [true, false] {
        let server = warden_e2e::moto();
        let repo = tempfile::tempdir().unwrap();
        warden_app::bench::write_plan_definitions(repo.path(), &bench(in_sync)).unwrap();
        let figures = warden_app::bench::plan_bench(&bench(in_sync), &server, repo.path())
            .await
            .unwrap();
        assert_eq!(figures.unreadable(), 0);
        let members: Vec<_> = figures.member_calls().collect();
        assert_eq!(members.len(), ACCOUNTS);
        let fresh = figures.fresh_plan().expect("the bench had the binary");
        assert_eq!(
            fresh.exit_code,
            Some(if in_sync { 0 } else { 2 }),
            "{figures}"
        );
        let (start, peak) = (fresh.start_rss_kib.unwrap(), fresh.peak_rss_kib.unwrap());
        assert!(start > 0 && start <= peak, "{figures}");
        // Every member account read: at least AssumeRole, GAAD and ListRoles each.
        assert!(fresh.calls >= 3 * ACCOUNTS as u64, "{figures}");
        assert!(fresh.plan_json_bytes > 0);
        let one = figures.fresh_plan_of_one_account().unwrap();
        assert_eq!(one.exit_code, fresh.exit_code, "{figures}");
        assert!(one.calls < fresh.calls, "{figures}");
        if in_sync {
            assert_eq!(figures.changes(), 0, "{figures}");
            assert_eq!(figures.kept_live(), 0);
            for (account, actions) in members {
                let calls: u64 = actions.iter().map(|(_, count)| count).sum();
                // AssumeRole, GAAD, ListRoles and the boundary's ListPolicyTags.
                assert_eq!(calls, 4, "`{account}`: {actions:?}");
            }
        } else {
            assert!(figures.changes() >= 3 * ACCOUNTS, "{figures}");
            assert_eq!(figures.kept_live(), ACCOUNTS);
        }
    }
}
