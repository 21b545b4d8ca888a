//! Apply under faults and refusals before any call, against moto behind the fault proxy:
//! misspelled targets refused before anything is read or written, an access role trusting
//! anyone refused, a create whose answer was lost confirmed by reading it back. Every test
//! reads the live state back from the emulator.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use warden_app::{ApplyRequest, LiveOrganization, PlanRequest};
use warden_aws::fixture::{self, SeedAccount, SeedSpec, SeededOrg};
use warden_aws::{AccessRole, Aws, AwsOptions, ExternalId};
use warden_e2e::write_file as write;
use warden_emulator::{FaultConfig, FaultProxy, MotoServer};
use warden_plan::audit::AuditRecord;
use warden_plan::report::{ApplyReport, ChangeResult};
use warden_plan::{Plan, from_spec};
use warden_policy::Quotas;
use warden_spec::Definitions;

const EXTERNAL_ID: &str = "e2e-faults-external-id";
const ROLE: &str = "app-reader";

const CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_FAULTS_UNSET_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
concurrency: 4
# app-reader has no boundary: allowed here so the lint gate passes for the CLI run.
admin_roles: [WardenAccess, app-reader]
"#;

fn role_def(ou: &str) -> String {
    format!(
        r#"
kind: Role
name: {ROLE}
path: /
description: Reads the app bucket.
targets:
  ous: [{ou}]
trust:
  - Sid: Pipeline
    Effect: Allow
    Principal:
      AWS: "arn:aws:iam::999999999999:role/pipeline"
    Action: sts:AssumeRole
    Condition:
      StringEquals:
        sts:ExternalId: pipeline-xid-42
    justification: The release pipeline assumes it with its own ExternalId.
inline_policies:
  read:
    - Sid: Read
      Effect: Allow
      Action: s3:GetObject
      Resource: "arn:aws:s3:::app-${{account_id}}/*"
      justification: The app reads its own bucket.
"#
    )
}

struct World {
    _server: MotoServer,
    aws: Aws,
    org: SeededOrg,
    repo: tempfile::TempDir,
    proxy: FaultProxy,
}

fn external_id() -> ExternalId {
    ExternalId::new(EXTERNAL_ID).unwrap()
}

fn access() -> AccessRole {
    warden_e2e::access_role(EXTERNAL_ID, "warden-e2e-faults")
}

async fn world(ou_target: &str) -> World {
    let server = warden_e2e::moto();
    let proxy = FaultProxy::start(server.addr(), FaultConfig::default()).unwrap();
    let options = warden_e2e::quick_options(proxy.endpoint_url(), 3);
    let aws = Aws::connect(options).await.unwrap();
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts: vec![SeedAccount::new("dev", "Workloads")],
        access_role_name: "WardenAccess".into(),
        external_id: external_id(),
    };
    let org = fixture::seed_organization(&aws, &spec).await.unwrap();
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "warden.yaml", CONFIG);
    write(
        repo.path(),
        "policies/app-reader.yaml",
        &role_def(ou_target),
    );
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
    fn organization(&self) -> LiveOrganization {
        LiveOrganization::new(self.aws.clone(), access(), 4)
    }

    fn definitions(&self) -> Definitions {
        Definitions::load(self.repo.path()).unwrap()
    }

    fn dev(&self) -> String {
        self.org.account_id("dev").unwrap().to_owned()
    }

    async fn plan(&self) -> Result<Plan, warden_app::AppError> {
        let request = PlanRequest {
            lint: None,
            created_at: warden_app::now_rfc3339(),
            ..PlanRequest::default()
        };
        warden_app::plan_organization(&self.organization(), &self.definitions(), &request, &|_| {})
            .await
            .map(|outcome| outcome.plan)
    }

    async fn apply(&self, plan: &Plan) -> (ApplyReport, Vec<AuditRecord>) {
        let records = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&records);
        let request = ApplyRequest {
            ownership: from_spec::ownership(&self.definitions().config),
            quotas: Quotas::default(),
            concurrency: 4,
            clock: Arc::new(warden_app::now_rfc3339),
            audit: Arc::new(move |record| sink.lock().unwrap().push(record)),
            desired: None,
        };
        let report = warden_app::apply_plan(&self.organization(), plan, &request).await;
        let records = records.lock().unwrap().clone();
        (report, records)
    }

    /// The role as the emulator holds it, read through the fixture's admin role.
    async fn live_role_exists(&self) -> bool {
        let admin = fixture::admin_client(&self.aws, &self.dev()).await.unwrap();
        admin.read_account().await.unwrap().role(ROLE).is_some()
    }

    fn writes(&self) -> u64 {
        let stats = self.proxy.stats();
        stats
            .by_action
            .iter()
            .filter(|(action, _)| {
                let name = action.split(':').nth(1).unwrap_or("");
                [
                    "Create", "Put", "Attach", "Detach", "Delete", "Update", "Tag", "Untag",
                ]
                .iter()
                .any(|verb| name.starts_with(verb))
            })
            .map(|(_, count)| count)
            .sum()
    }
}

/// A misspelled OU is an error naming the closest OU, raised before any member account is
/// assumed and before any write: no silent empty target whose apply deletes deployed copies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misspelled_ou_target_is_refused_before_any_call() {
    let world = world("Root/Workloadz").await;
    let err = world.plan().await.unwrap_err().to_string();
    assert!(err.contains("`Root/Workloadz`"), "{err}");
    assert!(err.contains("did you mean `Root/Workloads`?"), "{err}");
    assert!(err.contains("policies/app-reader.yaml:"), "{err}");
    assert_eq!(world.writes(), 0, "{:?}", world.proxy.stats().by_action);
    assert_eq!(
        world.proxy.stats().calls_for_action("sts:AssumeRole"),
        0,
        "no member account is opened"
    );
    assert!(!world.live_role_exists().await);
}

/// An access role that trusts `"AWS": "*"` (even with the ExternalId) is refused: the account
/// is unreadable with the reason, and nothing is written there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_role_trusting_anyone_is_refused() {
    let world = world("Root/Workloads").await;
    let admin = fixture::admin_client(&world.aws, &world.dev())
        .await
        .unwrap();
    let open = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"{EXTERNAL_ID}"}}}}}}]}}"#
    );
    admin
        .update_assume_role_policy("WardenAccess", &open)
        .await
        .unwrap();
    world.proxy.reset_stats();
    let plan = world.plan().await.unwrap();
    assert!(plan.accounts.iter().all(|a| a.changes.is_empty()));
    let refused = plan
        .unreadable
        .iter()
        .find(|u| u.account_id == world.dev())
        .unwrap_or_else(|| panic!("{:?}", plan.unreadable));
    assert!(refused.reason.contains("trusts `*`"), "{}", refused.reason);
    assert!(!refused.reason.contains(EXTERNAL_ID), "{}", refused.reason);
    assert_eq!(world.writes(), 0);
    assert!(!world.live_role_exists().await);
}

/// CreateRole's answer is lost after the role was created: the retry meets EntityAlreadyExists,
/// the role is read back with the wanted trust, and the change is reported and audited as
/// "unknown, re-checked: applied"; the rest of the role is made and a re-plan is empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_create_response_is_confirmed_by_reading() {
    let world = world("Root/Workloads").await;
    let plan = world.plan().await.unwrap();
    world.proxy.set_faults(FaultConfig {
        lose_responses: [("iam:CreateRole".to_owned(), 1)].into(),
        ..FaultConfig::default()
    });
    let (report, audit) = world.apply(&plan).await;
    assert_eq!(world.proxy.stats().lost_responses, 1);
    assert!(
        report.succeeded(),
        "{}",
        warden_plan::report::render_apply_report(&report)
    );
    let account = &report.accounts[0];
    assert!(
        account
            .changes
            .iter()
            .any(|c| c.result == ChangeResult::Rechecked),
        "{account:?}"
    );
    assert!(
        audit
            .iter()
            .any(|r| r.result == "unknown, re-checked: applied"),
        "{audit:?}"
    );
    let text = warden_plan::report::render_apply_report(&report);
    assert!(text.contains("unknown, re-checked: applied"), "{text}");
    world.proxy.set_faults(FaultConfig::default());
    assert!(world.live_role_exists().await);
    let admin = fixture::admin_client(&world.aws, &world.dev())
        .await
        .unwrap();
    let live = admin.read_account().await.unwrap();
    assert!(
        live.role(ROLE)
            .unwrap()
            .inline_policies
            .contains_key("read")
    );
    assert!(!world.plan().await.unwrap().has_changes());
}

fn lock_request(holder: &str, wait: Duration) -> warden_app::lock::LockRequest {
    fn now_unix() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }
    warden_app::lock::LockRequest {
        management_account_id: "123456789012".into(),
        me: warden_aws::LockHolder {
            holder: holder.into(),
            since_unix: now_unix(),
            purpose: "apply".into(),
        },
        wait,
        stale_after: Duration::from_secs(3600),
        now_unix,
    }
}

/// Two applies race for the organization lock: exactly one gets it, the other is refused
/// naming the holder and since when; the lock is visible in the management account while held,
/// gone after release, and a waiting second run gets it once the first releases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_applies_take_turns_on_the_organization_lock() {
    let world = world("Root/Workloads").await;
    let (run_a, run_b) = (
        lock_request("run-a", Duration::ZERO),
        lock_request("run-b", Duration::ZERO),
    );
    let (first, second) = tokio::join!(
        warden_app::lock::acquire(&world.aws, &run_a),
        warden_app::lock::acquire(&world.aws, &run_b),
    );
    let (held, refused) = match (first, second) {
        (Ok(lock), Err(err)) | (Err(err), Ok(lock)) => (lock, err.to_string()),
        (first, second) => panic!("exactly one run must hold the lock: {first:?} {second:?}"),
    };
    let winner = held.holder().holder.clone();
    let loser = if winner == "run-a" { "run-b" } else { "run-a" };
    assert!(
        refused.contains(&format!("locked by `{winner}`")),
        "{refused}"
    );
    assert!(refused.contains("since "), "{refused}");
    assert!(!refused.contains(loser), "{refused}");
    let live = warden_app::lock::holder(&world.aws, "123456789012")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.holder, winner, "the lock read back names the winner");

    // A third run waits; the holder releases after a moment; the third gets the lock.
    let aws = world.aws.clone();
    let waiter = tokio::spawn(async move {
        warden_app::lock::acquire(&aws, &lock_request("run-c", Duration::from_secs(20))).await
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    held.release().await.unwrap();
    let third = waiter.await.unwrap().unwrap();
    assert_eq!(
        warden_app::lock::holder(&world.aws, "123456789012")
            .await
            .unwrap()
            .map(|h| h.holder),
        Some("run-c".to_owned())
    );
    third.release().await.unwrap();
    assert!(
        warden_app::lock::holder(&world.aws, "123456789012")
            .await
            .unwrap()
            .is_none()
    );
}

/// A lock left by a run that died is reported as stale and `force_unlock` removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_lock_is_reported_and_can_be_forced() {
    let world = world("Root/Workloads").await;
    let mut old = lock_request("crashed-run", Duration::ZERO);
    old.me.since_unix -= 7200;
    let _abandoned = warden_app::lock::acquire(&world.aws, &old).await.unwrap();
    let err = warden_app::lock::acquire(&world.aws, &lock_request("next", Duration::ZERO))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("stale"), "{err}");
    assert!(err.contains("unlock --force"), "{err}");
    let removed = warden_app::lock::force_unlock(&world.aws, "123456789012")
        .await
        .unwrap();
    assert_eq!(removed.map(|h| h.holder), Some("crashed-run".to_owned()));
    warden_app::lock::acquire(&world.aws, &lock_request("next", Duration::ZERO))
        .await
        .unwrap()
        .release()
        .await
        .unwrap();
}

/// The assumed-role session expires mid-run (the proxy answers `ExpiredToken`): Warden assumes
/// the role again with the ExternalId and goes on; the role is created and a re-plan is empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_session_is_renewed_and_apply_converges() {
    let world = world("Root/Workloads").await;
    let plan = world.plan().await.unwrap();
    let dev = world.dev();
    world.proxy.reset_stats();
    world.proxy.set_faults(FaultConfig {
        expire_tokens: [(dev.clone(), 1)].into(),
        ..FaultConfig::default()
    });
    let (report, _) = world.apply(&plan).await;
    let stats = world.proxy.stats();
    assert_eq!(stats.expired_tokens, 1);
    assert!(
        report.succeeded(),
        "{}",
        warden_plan::report::render_apply_report(&report)
    );
    let assumed = stats
        .by_account_action
        .get(&dev)
        .and_then(|actions| actions.get("sts:AssumeRole"))
        .copied()
        .unwrap_or(0);
    assert_eq!(assumed, 2, "the session was assumed again: {stats:?}");
    world.proxy.set_faults(FaultConfig::default());
    assert!(world.live_role_exists().await);
    assert!(!world.plan().await.unwrap().has_changes());
}

/// `WARDEN_LOG=trace` on a whole plan and apply (AssumeRole with the ExternalId, reads, writes):
/// stderr is full of trace lines and never shows the ExternalId.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_log_never_shows_the_external_id() {
    let world = world("Root/Workloads").await;
    let endpoint = world.proxy.endpoint_url();
    let run = crate::cli::xtask_in(
        world.repo.path(),
        &["apply", "--auto-approve", "--endpoint-url", &endpoint],
        &[
            ("WARDEN_E2E_FAULTS_UNSET_EXTERNAL_ID", EXTERNAL_ID),
            ("WARDEN_LOG", "trace"),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("TRACE"), "trace logging was on");
    assert!(
        world.proxy.stats().calls_for_action("sts:AssumeRole") > 0,
        "the run assumed the access role with the ExternalId"
    );
    assert!(
        !run.stderr.contains(EXTERNAL_ID) && !run.stdout.contains(EXTERNAL_ID),
        "the ExternalId leaked into the output"
    );
    assert!(world.live_role_exists().await);
}

/// Who can assume which role of `live` and what its session may then do: (role, principal,
/// action), decided by warden-eval through trust, identity policies, boundary and denies.
fn granted(
    live: &warden_plan::live::LiveAccount,
    principals: &[&str],
    actions: &[&str],
) -> std::collections::BTreeSet<(String, String, String)> {
    use warden_eval::{CompiledPolicySet, LabeledPolicy, PolicySet, Request};
    let parse = |text: &str| warden_policy::parse_policy(text).unwrap();
    let by_arn = |arn: &str| {
        live.policies
            .iter()
            .find(|p| p.arn == arn)
            .map(|p| LabeledPolicy::new(arn, parse(&p.document)))
    };
    let mut granted = std::collections::BTreeSet::new();
    for role in live.roles.iter().filter(|r| r.name != "WardenAccess") {
        let assume = CompiledPolicySet::compile(&PolicySet {
            resource_policy: Some(LabeledPolicy::new("trust", parse(&role.trust_policy))),
            ..PolicySet::default()
        });
        let mut identity: Vec<LabeledPolicy> = role
            .inline_policies
            .iter()
            .map(|(name, text)| LabeledPolicy::new(name.clone(), parse(text)))
            .collect();
        identity.extend(role.attached_policy_arns.iter().filter_map(|a| by_arn(a)));
        let session = CompiledPolicySet::compile(&PolicySet {
            identity,
            permissions_boundary: role.permissions_boundary_arn.as_deref().and_then(by_arn),
            ..PolicySet::default()
        });
        for principal in principals {
            let request = Request::new(principal, "sts:AssumeRole", &role.arn)
                .unwrap()
                .finish();
            if !assume.decide(&request).is_allow() {
                continue;
            }
            for action in actions {
                let request = Request::new(&role.arn, action, "*").unwrap().finish();
                if session.decide(&request).is_allow() {
                    granted.insert((role.name.clone(), principal.to_string(), action.to_string()));
                }
            }
        }
    }
    granted
}

fn ordered_role(trusted: &[&str], actions: &[&str]) -> String {
    let principals: Vec<String> = trusted.iter().map(|p| format!("\"{p}\"")).collect();
    let actions: Vec<String> = actions.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        r#"
kind: Role
name: {ROLE}
path: /
description: Reads the app bucket.
targets:
  ous: [Root/Workloads]
managed_policies: [app-shared]
trust:
  - Sid: Partners
    Effect: Allow
    Principal:
      AWS: [{}]
    Action: sts:AssumeRole
    justification: The partners assume it.
inline_policies:
  read:
    - Sid: Read
      Effect: Allow
      Action: [{}]
      Resource: "*"
      justification: The app reads its bucket.
"#,
        principals.join(", "),
        actions.join(", ")
    )
}

fn ordered_policy(action: &str) -> String {
    format!(
        r#"
kind: ManagedPolicy
name: app-shared
path: /
description: Shared by the app.
statements:
  - Sid: Shared
    Effect: Allow
    justification: The app needs it.
    Action: {action}
    Resource: "*"
"#
    )
}

/// The issue's case under faults: a partner newly trusted while the role loses
/// s3:PutObject, and the policy it attaches swapped from sqs to dynamodb. Every call of the
/// apply in turn is made to fail (a dropped connection, no retry); after each failed apply the
/// state read back from the emulator grants nothing that neither the old nor the new
/// definitions grant, and a fault-free re-run converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_at_any_call_never_leaves_access_wider_than_old_or_new() {
    const OLD_PARTNER: &str = "arn:aws:iam::777777777777:root";
    const NEW_PARTNER: &str = "arn:aws:iam::888888888888:root";
    const ACTIONS: [&str; 4] = [
        "s3:GetObject",
        "s3:PutObject",
        "sqs:SendMessage",
        "dynamodb:GetItem",
    ];
    let principals = [OLD_PARTNER, NEW_PARTNER];
    let world = world("Root/Workloads").await;
    let strict = Aws::connect(AwsOptions {
        max_attempts: 1,
        ..AwsOptions::emulator(world.proxy.endpoint_url())
    })
    .await
    .unwrap();
    let strict_org = LiveOrganization::new(strict, access(), 4);
    let define = |trusted: &[&str], actions: &[&str], shared: &str| {
        write(
            world.repo.path(),
            "policies/app-reader.yaml",
            &ordered_role(trusted, actions),
        );
        write(
            world.repo.path(),
            "policies/app-shared.yaml",
            &ordered_policy(shared),
        );
    };
    let read_live = || async {
        let admin = fixture::admin_client(&world.aws, &world.dev())
            .await
            .unwrap();
        admin.read_account().await.unwrap()
    };
    let set_old = || {
        define(
            &[OLD_PARTNER],
            &["s3:GetObject", "s3:PutObject"],
            "sqs:SendMessage",
        )
    };
    let set_new = || {
        define(
            &[OLD_PARTNER, NEW_PARTNER],
            &["s3:GetObject"],
            "dynamodb:GetItem",
        )
    };

    set_new();
    let plan = world.plan().await.unwrap();
    world.apply(&plan).await;
    let new_access = granted(&read_live().await, &principals, &ACTIONS);
    set_old();
    let plan = world.plan().await.unwrap();
    world.apply(&plan).await;
    let old_access = granted(&read_live().await, &principals, &ACTIONS);
    assert!(
        old_access.iter().all(|(_, p, _)| p == OLD_PARTNER),
        "{old_access:?}"
    );
    assert!(new_access.contains(&(ROLE.into(), NEW_PARTNER.into(), "dynamodb:GetItem".into())));
    let bound: std::collections::BTreeSet<_> = old_access.union(&new_access).cloned().collect();

    let mut failed_midway = 0;
    for nth in 2..=12u64 {
        // Back to the old state, then the new plan with every `nth` call failing.
        set_old();
        let plan = world.plan().await.unwrap();
        world.apply(&plan).await;
        assert_eq!(
            granted(&read_live().await, &principals, &ACTIONS),
            old_access
        );
        set_new();
        let plan = world.plan().await.unwrap();
        world.proxy.reset_stats();
        world.proxy.set_faults(FaultConfig {
            drop_every: nth,
            ..FaultConfig::default()
        });
        let report = {
            let request = ApplyRequest {
                ownership: from_spec::ownership(&world.definitions().config),
                quotas: Quotas::default(),
                concurrency: 4,
                clock: Arc::new(warden_app::now_rfc3339),
                audit: Arc::new(|_| {}),
                desired: None,
            };
            warden_app::apply_plan(&strict_org, &plan, &request).await
        };
        world.proxy.set_faults(FaultConfig::default());
        let applied = report.applied_changes();
        if !report.succeeded() && applied > 0 {
            failed_midway += 1;
        }
        let now = granted(&read_live().await, &principals, &ACTIONS);
        let beyond: Vec<_> = now.difference(&bound).collect();
        assert!(
            beyond.is_empty(),
            "call {nth} failing left access beyond old ∪ new: {beyond:?}\n{}",
            warden_plan::report::render_apply_report(&report)
        );
    }
    assert!(
        failed_midway >= 3,
        "faults hit the middle of the apply {failed_midway} times"
    );
    let plan = world.plan().await.unwrap();
    world.apply(&plan).await;
    assert_eq!(
        granted(&read_live().await, &principals, &ACTIONS),
        new_access
    );
    assert!(!world.plan().await.unwrap().has_changes());
}

/// `access.trusted_principals` reaches the access-role check: an access role that also trusts
/// a CI runner's role is refused until warden.yaml lists that role, then read (and planned).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_trusted_principals_admit_a_listed_ci_role_only() {
    const CI_ROLE: &str = "arn:aws:iam::210987654321:role/ci-runner";
    let world = world("Root/Workloads").await;
    let admin = fixture::admin_client(&world.aws, &world.dev())
        .await
        .unwrap();
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::123456789012:root","{CI_ROLE}"]}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"{EXTERNAL_ID}"}}}}}}]}}"#
    );
    admin
        .update_assume_role_policy("WardenAccess", &trust)
        .await
        .unwrap();
    let plan = || async {
        let definitions = world.definitions();
        let access_role =
            warden_app::access::access_role(&definitions.config, external_id(), None).unwrap();
        let organization = LiveOrganization::new(world.aws.clone(), access_role, 4);
        let request = PlanRequest {
            lint: None,
            created_at: warden_app::now_rfc3339(),
            ..PlanRequest::default()
        };
        warden_app::plan_organization(&organization, &definitions, &request, &|_| {})
            .await
            .unwrap()
            .plan
    };

    let refused = plan().await;
    let reason = &refused
        .unreadable
        .iter()
        .find(|u| u.account_id == world.dev())
        .unwrap_or_else(|| panic!("{:?}", refused.unreadable))
        .reason;
    assert!(reason.contains(&format!("trusts `{CI_ROLE}`")), "{reason}");
    assert!(reason.contains("access.trusted_principals"), "{reason}");
    assert!(!world.live_role_exists().await);

    write(
        world.repo.path(),
        "warden.yaml",
        &CONFIG.replacen(
            "access:\n",
            &format!("access:\n  trusted_principals: [\"{CI_ROLE}\"]\n"),
            1,
        ),
    );
    let accepted = plan().await;
    assert!(accepted.unreadable.is_empty(), "{:?}", accepted.unreadable);
    let dev = accepted
        .accounts
        .iter()
        .find(|a| a.account_id == world.dev())
        .unwrap();
    assert!(
        dev.changes
            .iter()
            .any(|c| matches!(c, warden_plan::Change::CreateRole { name, .. } if name == ROLE)),
        "{:?}",
        dev.changes
    );
    // The trust read back is still the one set: Warden never changes the access role.
    let live = admin.read_account().await.unwrap();
    assert!(
        live.role("WardenAccess")
            .unwrap()
            .trust_policy
            .contains(CI_ROLE)
    );
}

/// The inventory reads Organizations account tags (one ListTagsForResource per account) only
/// when a definition targets by tag; the plan is the same either way when none does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_tags_are_read_only_when_a_definition_targets_by_tag() {
    let world = world("Root/Workloads").await;
    let plan_counting = || async {
        let definitions = world.definitions();
        let organization = world
            .organization()
            .with_account_tags(definitions.targets_by_tag());
        let request = PlanRequest {
            lint: None,
            created_at: warden_app::now_rfc3339(),
            ..PlanRequest::default()
        };
        world.proxy.reset_stats();
        let plan = warden_app::plan_organization(&organization, &definitions, &request, &|_| {})
            .await
            .map(|outcome| outcome.plan);
        let calls = world
            .proxy
            .stats()
            .calls_for_action("organizations:ListTagsForResource");
        (plan, calls)
    };
    let (by_ou, calls) = plan_counting().await;
    assert_eq!(calls, 0, "no definition targets by tag");
    assert!(by_ou.unwrap().has_changes());

    write(
        world.repo.path(),
        "policies/app-reader.yaml",
        &role_def("Root/Workloads").replace(
            "targets:\n  ous: [Root/Workloads]",
            "targets:\n  ous: [Root/Workloads]\n  exclude:\n    tags: [\"tier=legacy\"]",
        ),
    );
    assert!(world.definitions().targets_by_tag());
    let (by_tag, calls) = plan_counting().await;
    assert!(calls >= 1, "tags read for the exclusion");
    // Read, so a tag no account has is refused as such (not silently matching nothing).
    let err = by_tag.unwrap_err().to_string();
    assert!(err.contains("no account has this tag"), "{err}");
}
