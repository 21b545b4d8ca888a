//! Plan and apply against moto: convergence, drift, semantic comparison, stale plans, the
//! ExternalId rules, ownership, SCPs and partial failure. Every test has its own moto server
//! and checks live state read back from the emulator, not only Warden's own report.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions: failing loudly is the point"
)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use warden_app::{ApplyRequest, LiveOrganization, PlanRequest};
use warden_aws::fixture::{self, AccessSeed, SeedAccount, SeedSpec, SeededOrg};
use warden_aws::{AccessRole, AccountClient, Aws, ExternalId, NewRole};
use warden_e2e::{DENY_LEAVE_SCP as SCP_DEF, write_file as write};
use warden_emulator::{FaultConfig, FaultProxy, MotoServer};
use warden_plan::audit::AuditRecord;
use warden_plan::live::LiveAccount;
use warden_plan::report::{ApplyReport, ApplyStatus, ChangeResult};
use warden_plan::{Change, Plan, from_spec};
use warden_policy::Quotas;
use warden_policy::{equivalent, parse_policy};
use warden_spec::Definitions;

const EXTERNAL_ID: &str = "e2e-plan-external-id";
const ROLE: &str = "app-deployer";

const CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_PLAN_UNSET_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
concurrency: 4
admin_roles: [WardenAccess]
"#;

const BOUNDARY: &str = r#"
kind: Boundary
name: standard-boundary
path: /boundaries/
description: Caps workload roles.
statements:
  - Sid: Cap
    Effect: Allow
    justification: The test scenario needs this access.
    Action: [s3:*, ec2:Describe*]
    Resource: "*"
"#;

const SHARED_POLICY: &str = r#"
kind: ManagedPolicy
name: shared-read
path: /
description: Describe EC2.
statements:
  - Sid: Describe
    Effect: Allow
    justification: The test scenario needs this access.
    Action: ec2:DescribeInstances
    Resource: "*"
"#;

const ROLE_DEF: &str = r#"
kind: Role
name: app-deployer
path: /
description: Deploys the app.
targets:
  ous: [Root/Workloads]
boundary: standard-boundary
managed_policies: [shared-read]
tags:
  team: platform
trust:
  - Sid: Pipeline
    Effect: Allow
    justification: The test scenario needs this access.
    Principal:
      AWS: "arn:aws:iam::999999999999:role/pipeline"
    Action: sts:AssumeRole
    Condition:
      StringEquals:
        sts:ExternalId: pipeline-xid-42
inline_policies:
  artifacts:
    - Sid: Artifacts
      Effect: Allow
      justification: The test scenario needs this access.
      Action: [s3:GetObject, s3:PutObject]
      Resource: "arn:aws:s3:::artifacts-${account_id}/*"
"#;

/// One emulator, a seeded organization and a definitions repository.
struct World {
    _server: MotoServer,
    aws: Aws,
    org: SeededOrg,
    repo: tempfile::TempDir,
    proxy: Option<FaultProxy>,
}

fn external_id() -> ExternalId {
    ExternalId::new(EXTERNAL_ID).unwrap()
}

fn access() -> AccessRole {
    warden_e2e::access_role(EXTERNAL_ID, "warden-e2e")
}

async fn world(accounts: Vec<SeedAccount>, with_proxy: bool) -> World {
    let server = warden_e2e::moto();
    let proxy =
        with_proxy.then(|| FaultProxy::start(server.addr(), FaultConfig::default()).unwrap());
    let endpoint = proxy
        .as_ref()
        .map_or_else(|| server.endpoint_url(), FaultProxy::endpoint_url);
    let options = warden_e2e::quick_options(endpoint, 2);
    let aws = Aws::connect(options).await.unwrap();
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts,
        access_role_name: "WardenAccess".into(),
        external_id: external_id(),
    };
    let org = fixture::seed_organization(&aws, &spec).await.unwrap();
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "warden.yaml", CONFIG);
    write(repo.path(), "boundaries/standard-boundary.yaml", BOUNDARY);
    write(repo.path(), "policies/shared-read.yaml", SHARED_POLICY);
    write(repo.path(), "policies/app-deployer.yaml", ROLE_DEF);
    write(repo.path(), "scps/deny-leave.yaml", SCP_DEF);
    World {
        _server: server,
        aws,
        org,
        repo,
        proxy,
    }
}

fn two_accounts() -> Vec<SeedAccount> {
    vec![
        SeedAccount::new("dev", "Workloads"),
        SeedAccount::new("prod", "Workloads"),
    ]
}

impl World {
    /// The seeded organization as the use cases reach it: through the access role.
    fn organization(&self) -> LiveOrganization {
        LiveOrganization::new(self.aws.clone(), access(), 4)
    }

    fn definitions(&self) -> Definitions {
        Definitions::load(self.repo.path()).unwrap_or_else(|errors| {
            panic!(
                "{}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    }

    fn id(&self, name: &str) -> String {
        self.org.account_id(name).unwrap().to_string()
    }

    async fn plan(&self) -> Plan {
        let request = PlanRequest {
            lint: None,
            accounts: Vec::new(),
            ous: Vec::new(),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
            dirty: false,
            created_at: warden_app::now_rfc3339(),
        };
        warden_app::plan_organization(&self.organization(), &self.definitions(), &request, &|_| {})
            .await
            .unwrap()
            .plan
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
            desired: Some(Arc::new(
                warden_app::desired_state(&self.organization(), &self.definitions(), None)
                    .await
                    .unwrap(),
            )),
        };
        let report = warden_app::apply_plan(&self.organization(), plan, &request).await;
        let records = records.lock().unwrap().clone();
        (report, records)
    }

    async fn admin(&self, account: &str) -> AccountClient {
        fixture::admin_client(&self.aws, &self.id(account))
            .await
            .unwrap()
    }

    async fn live(&self, account: &str) -> LiveAccount {
        self.admin(account).await.read_account().await.unwrap()
    }
}

fn same(a: &str, b: &str) -> bool {
    equivalent(&parse_policy(a).unwrap(), &parse_policy(b).unwrap())
}

fn changes_for<'a>(plan: &'a Plan, account_id: &str) -> &'a [Change] {
    plan.accounts
        .iter()
        .find(|a| a.account_id == account_id)
        .map_or(&[], |a| &a.changes)
}

/// Plan, apply, read back every object from the emulator, plan again: nothing left to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_apply_plan_converges_and_scps_are_applied() {
    let world = world(two_accounts(), false).await;
    let plan = world.plan().await;
    assert!(plan.unreadable.is_empty(), "{:?}", plan.unreadable);
    assert_eq!(plan.accounts.len(), 2);
    for account in &plan.accounts {
        assert!(
            account
                .changes
                .iter()
                .any(|c| matches!(c, Change::CreateRole { name, .. } if name == ROLE))
        );
    }
    let (report, audit) = world.apply(&plan).await;
    assert!(
        report.succeeded(),
        "{}",
        warden_plan::report::render_apply_report(&report)
    );
    assert_eq!(audit.len(), report.applied_changes());
    assert!(audit.iter().all(|r| r.result == "ok" && r.commit.is_some()));

    for name in ["dev", "prod"] {
        let id = world.id(name);
        let live = world.live(name).await;
        let role = live.role(ROLE).expect("role created");
        assert_eq!(
            role.tags.get("warden:managed").map(String::as_str),
            Some("true")
        );
        assert_eq!(role.tags.get("team").map(String::as_str), Some("platform"));
        assert!(
            role.trust_policy.contains("pipeline-xid-42"),
            "trust condition kept: {}",
            role.trust_policy
        );
        assert_eq!(
            role.permissions_boundary_arn.as_deref(),
            Some(format!("arn:aws:iam::{id}:policy/boundaries/standard-boundary").as_str())
        );
        assert_eq!(
            role.attached_policy_arns,
            vec![format!("arn:aws:iam::{id}:policy/shared-read")]
        );
        let expected = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Artifacts","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::artifacts-{id}/*"}}]}}"#
        );
        assert!(
            same(&role.inline_policies["artifacts"], &expected),
            "{}",
            role.inline_policies["artifacts"]
        );
        assert!(live.policy("shared-read").is_some() && live.policy("standard-boundary").is_some());
        assert!(
            live.role("WardenAccess").is_some(),
            "the access role is untouched"
        );
    }
    let scps = world.aws.read_scps().await.unwrap();
    let scp = scps
        .iter()
        .find(|s| s.name == "deny-leave")
        .expect("SCP created");
    let workloads = world.org.ous["Root/Workloads"].clone();
    assert_eq!(scp.targets, vec![workloads.clone()]);
    assert!(scp.content.contains("organizations:LeaveOrganization"));

    let again = world.plan().await;
    assert!(
        !again.has_changes(),
        "{}",
        warden_plan::render::render_table(&again, Default::default())
    );

    // An SCP definition change becomes an update (and a new attachment), applied and read back.
    let changed = SCP_DEF.replace(
        "Action: organizations:LeaveOrganization",
        "Action: [organizations:LeaveOrganization, account:CloseAccount]",
    );
    write(world.repo.path(), "scps/deny-leave.yaml", &changed);
    let plan = world.plan().await;
    let scp_changes = &plan.organization.as_ref().unwrap().changes;
    assert!(
        matches!(&scp_changes[..], [Change::UpdateScp { delta, .. }] if !delta.other.is_empty() || !delta.actions_gained.is_empty()),
        "{scp_changes:#?}"
    );
    let (report, _) = world.apply(&plan).await;
    assert!(report.succeeded());
    let scps = world.aws.read_scps().await.unwrap();
    let scp = scps.iter().find(|s| s.name == "deny-leave").unwrap();
    assert!(
        scp.content.contains("account:CloseAccount"),
        "{}",
        scp.content
    );
    assert!(!world.plan().await.has_changes());
}

async fn converged(world: &World) {
    let plan = world.plan().await;
    let (report, _) = world.apply(&plan).await;
    assert!(
        report.succeeded(),
        "{}",
        warden_plan::report::render_apply_report(&report)
    );
}

/// An inline policy edited in the account is drift: planned with what it gains and loses,
/// and apply restores the definition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_band_change_is_detected_and_reverted() {
    let world = world(vec![SeedAccount::new("dev", "Workloads")], false).await;
    converged(&world).await;
    let admin = world.admin("dev").await;
    admin
        .put_role_policy(ROLE, "artifacts", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
        .await
        .unwrap();
    let plan = world.plan().await;
    let changes = changes_for(&plan, &world.id("dev"));
    let [
        Change::PutInlinePolicy {
            policy_name,
            delta: Some(delta),
            ..
        },
    ] = changes
    else {
        panic!("{changes:#?}")
    };
    assert_eq!(policy_name, "artifacts");
    assert_eq!(delta.actions_lost, vec!["s3:*"]);
    // Shown in the catalog's spelling (the canonical form compares them lowercased).
    assert_eq!(delta.actions_gained, vec!["s3:GetObject", "s3:PutObject"]);
    let (report, _) = world.apply(&plan).await;
    assert!(report.succeeded());
    let live = world.live("dev").await;
    assert!(!live.role(ROLE).unwrap().inline_policies["artifacts"].contains("s3:*"));
    assert!(!world.plan().await.has_changes());
}

/// Reordered keys and lists, a one-item list for a string, different case in action names:
/// the same policy, so no change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reformatted_but_equivalent_policy_is_not_reported() {
    let world = world(vec![SeedAccount::new("dev", "Workloads")], false).await;
    converged(&world).await;
    let id = world.id("dev");
    let reformatted = format!(
        r#"{{
  "Statement": [ {{ "Resource": ["arn:aws:s3:::artifacts-{id}/*"], "Action": ["S3:PutObject", "s3:getobject"], "Effect": "Allow", "Sid": "Artifacts" }} ],
  "Version": "2012-10-17"
}}"#
    );
    let admin = world.admin("dev").await;
    admin
        .put_role_policy(ROLE, "artifacts", &reformatted)
        .await
        .unwrap();
    assert!(
        world.live("dev").await.role(ROLE).unwrap().inline_policies["artifacts"]
            .contains("S3:PutObject")
    );
    let plan = world.plan().await;
    assert!(
        !plan.has_changes(),
        "{}",
        warden_plan::render::render_table(&plan, Default::default())
    );
}

/// A role someone created after the plan touches nothing the plan writes: the plan still
/// applies (each object is compared, not the whole account), and the stray role is left alone.
/// A saved plan is refused once the definitions changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unrelated_change_after_the_plan_does_not_stop_it() {
    let world = world(vec![SeedAccount::new("dev", "Workloads")], false).await;
    let plan = world.plan().await;
    let admin = world.admin("dev").await;
    let stray = NewRole {
        name: "created-after-plan".into(),
        path: "/".into(),
        trust_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into(),
        ..NewRole::default()
    };
    admin.create_role(&stray).await.unwrap();
    let (report, _) = world.apply(&plan).await;
    assert!(
        report.succeeded(),
        "{}",
        warden_plan::report::render_apply_report(&report)
    );
    let live = world.live("dev").await;
    assert!(live.role(ROLE).is_some() && live.policy("shared-read").is_some());
    assert!(live.role("created-after-plan").is_some());

    let saved = Plan::from_json(&plan.to_json()).unwrap();
    assert!(
        saved
            .check_definitions(&world.definitions().digest())
            .is_ok()
    );
    write(
        world.repo.path(),
        "policies/shared-read.yaml",
        &SHARED_POLICY.replace("DescribeInstances", "DescribeVolumes"),
    );
    let err = saved
        .check_definitions(&world.definitions().digest())
        .unwrap_err();
    assert!(err.to_string().contains("definitions changed"), "{err}");
}

/// Without the ExternalId variable Warden refuses to start, naming the variable only.
#[test]
fn missing_external_id_env_is_refused() {
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "warden.yaml", CONFIG);
    let definitions = Definitions::load(root.path()).unwrap();
    let variable = &definitions.config.external_id_env;
    let err = warden_app::access::external_id(variable, std::env::var(variable).ok()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("`WARDEN_E2E_PLAN_UNSET_EXTERNAL_ID`"),
        "{message}"
    );
    assert!(message.contains("not set"), "{message}");
}

/// An access role that does not require the ExternalId is refused: that account is reported as
/// not read, with the reason, and the other account is planned and applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_role_without_external_id_condition_is_refused() {
    let mut lax = SeedAccount::new("lax", "Workloads");
    lax.access = AccessSeed::WithoutExternalId;
    let world = world(vec![SeedAccount::new("dev", "Workloads"), lax], false).await;
    let plan = world.plan().await;
    assert_eq!(plan.unreadable.len(), 1, "{:?}", plan.unreadable);
    assert_eq!(plan.unreadable[0].account_id, world.id("lax"));
    assert!(
        plan.unreadable[0].reason.contains("ExternalId"),
        "{}",
        plan.unreadable[0].reason
    );
    assert!(
        !plan.unreadable[0].reason.contains(EXTERNAL_ID),
        "the ExternalId is never printed"
    );
    assert_eq!(plan.accounts.len(), 1);
    let (report, _) = world.apply(&plan).await;
    assert!(report.succeeded());
    assert!(world.live("dev").await.role(ROLE).is_some());
    assert!(
        world.live("lax").await.role(ROLE).is_none(),
        "nothing is done through a lax access role"
    );
}

/// A role with a defined name but no marker tag is a conflict; an unmanaged role is listed.
/// Neither is changed by apply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmanaged_and_conflicting_roles_are_untouched() {
    let world = world(vec![SeedAccount::new("dev", "Workloads")], false).await;
    let admin = world.admin("dev").await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let wide =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    for name in [ROLE, "hand-made"] {
        let role = NewRole {
            name: name.into(),
            path: "/".into(),
            trust_policy: trust.into(),
            ..NewRole::default()
        };
        fixture::create_role_with_policies(&admin, &role, &[("mine", wide)], &[])
            .await
            .unwrap();
    }
    let before = world.live("dev").await;
    let plan = world.plan().await;
    let account = &plan.accounts[0];
    assert!(
        account
            .conflicts
            .iter()
            .any(|c| c.name == ROLE && c.reason.contains("not managed by Warden"))
    );
    assert!(account.unmanaged.iter().any(|u| u.name == "hand-made"));
    assert!(
        account.changes.iter().all(|c| c.role().is_none()),
        "{:#?}",
        account.changes
    );
    let (report, _) = world.apply(&plan).await;
    assert!(report.succeeded());
    let after = world.live("dev").await;
    // Last use moves with every read (Warden's own sessions use the access role): not a change.
    let unused = |role: Option<&warden_plan::live::LiveRole>| {
        role.cloned().map(|mut role| {
            role.role_last_used = None;
            role
        })
    };
    for name in [ROLE, "hand-made", "WardenAccess"] {
        assert_eq!(
            unused(before.role(name)),
            unused(after.role(name)),
            "role `{name}` unchanged"
        );
    }
    assert!(
        after.policy("shared-read").is_some(),
        "managed policies were still created"
    );
}

/// One account failing during apply does not stop the other; the report says which changes
/// were applied where, and a re-run converges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_failing_does_not_stop_the_others() {
    let world = world(two_accounts(), true).await;
    let plan = world.plan().await;
    assert_eq!(plan.accounts.len(), 2);
    let proxy = world.proxy.as_ref().unwrap();
    let prod = world.id("prod");
    proxy.set_faults(FaultConfig {
        broken_accounts: BTreeSet::from([prod.clone()]),
        ..FaultConfig::default()
    });
    let (report, _) = world.apply(&plan).await;
    assert!(!report.succeeded());
    let dev_report = report
        .accounts
        .iter()
        .find(|a| a.account_id == world.id("dev"))
        .unwrap();
    let prod_report = report
        .accounts
        .iter()
        .find(|a| a.account_id == prod)
        .unwrap();
    assert_eq!(dev_report.status, ApplyStatus::Applied);
    assert!(
        matches!(prod_report.status, ApplyStatus::Failed(_)),
        "{:?}",
        prod_report.status
    );
    assert!(
        prod_report
            .changes
            .iter()
            .all(|c| c.result != ChangeResult::Applied)
    );
    let text = warden_plan::report::render_apply_report(&report);
    assert!(text.contains("INCOMPLETE"), "{text}");

    proxy.set_faults(FaultConfig::default());
    assert!(world.live("dev").await.role(ROLE).is_some());
    assert!(world.live("prod").await.role(ROLE).is_none());
    let plan = world.plan().await;
    assert!(changes_for(&plan, &world.id("dev")).is_empty());
    assert!(!changes_for(&plan, &prod).is_empty());
    let (report, _) = world.apply(&plan).await;
    assert!(report.succeeded());
    assert!(!world.plan().await.has_changes());
}

/// A saved plan edited by hand (same digest, same live state) is refused: its changes are not
/// what the definitions give.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edited_plan_is_refused() {
    let world = world(vec![SeedAccount::new("dev", "Workloads")], false).await;
    let mut plan = Plan::from_json(&world.plan().await.to_json()).unwrap();
    let changes = &mut plan.accounts[0].changes;
    let Some(Change::PutInlinePolicy { document, .. }) = changes
        .iter_mut()
        .find(|c| matches!(c, Change::PutInlinePolicy { .. }))
    else {
        panic!("{changes:#?}")
    };
    *document =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
            .into();
    let (report, _) = world.apply(&plan).await;
    let account = &report.accounts[0];
    assert!(
        matches!(&account.status, ApplyStatus::Refused(reasons) if reasons[0].contains("not what the definitions produce")),
        "{:?}",
        account.status
    );
    assert!(
        world.live("dev").await.role(ROLE).is_none(),
        "nothing applied"
    );
}

/// The day the lint gate judges exceptions on, as xtask passes today.
fn lint_day() -> warden_lint::Date {
    warden_lint::subject::date_from_unix_seconds(1_795_000_000).unwrap()
}

/// A cross-account trust without an ExternalId is a lint error: the plan stops before any
/// member account is reached (no AssumeRole into it), and nothing is changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lint_errors_block_the_plan_before_accounts_are_read() {
    let world = world(vec![SeedAccount::new("dev", "Workloads")], true).await;
    let clean = lint_day();
    let without_external_id = ROLE_DEF.replace(
        "    Condition:\n      StringEquals:\n        sts:ExternalId: pipeline-xid-42\n",
        "",
    );
    assert_ne!(without_external_id, ROLE_DEF);
    write(
        world.repo.path(),
        "policies/app-deployer.yaml",
        &without_external_id,
    );
    let definitions = world.definitions();
    let request = PlanRequest {
        lint: Some(lint_day()),
        accounts: Vec::new(),
        ous: Vec::new(),
        commit: None,
        dirty: false,
        created_at: warden_app::now_rfc3339(),
    };
    let proxy = world.proxy.as_ref().unwrap();
    proxy.reset_stats();
    let result =
        warden_app::plan_organization(&world.organization(), &definitions, &request, &|_| {}).await;
    let Err(err) = result else {
        panic!("the plan was not blocked")
    };
    let message = err.to_string();
    assert!(message.contains("lint errors block the plan"), "{message}");
    assert!(message.contains("app-deployer"), "{message}");
    assert_eq!(
        proxy.stats().calls_for_account(&world.id("dev")),
        0,
        "no call reached the member account"
    );
    assert!(world.live("dev").await.role(ROLE).is_none());
    // The definitions as the other tests use them pass the same gate.
    write(world.repo.path(), "policies/app-deployer.yaml", ROLE_DEF);
    let request = PlanRequest {
        lint: Some(clean),
        ..request
    };
    assert!(
        warden_app::plan_organization(
            &world.organization(),
            &world.definitions(),
            &request,
            &|_| {}
        )
        .await
        .is_ok()
    );
}

/// `apply` without a plan file reuses the inventory its plan just read: what the definitions
/// want must be the same as from a fresh inventory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desired_state_from_the_plans_inventory_matches_a_fresh_read() {
    let world = world(two_accounts(), false).await;
    let definitions = world.definitions();
    let request = PlanRequest {
        lint: None,
        accounts: Vec::new(),
        ous: Vec::new(),
        commit: None,
        dirty: false,
        created_at: warden_app::now_rfc3339(),
    };
    let outcome =
        warden_app::plan_organization(&world.organization(), &definitions, &request, &|_| {})
            .await
            .unwrap();
    let reused = warden_app::desired_state_for(&definitions, &outcome.organization, None).unwrap();
    let fresh = warden_app::desired_state(&world.organization(), &definitions, None)
        .await
        .unwrap();
    assert_eq!(reused.accounts.len(), 2);
    assert_eq!(format!("{reused:?}"), format!("{fresh:?}"));
}

/// `tags:` on a managed policy and a boundary reach AWS on create; a tag changed or removed
/// by hand is drift planned as TagPolicy/UntagPolicy and restored; a tag dropped from the
/// definition is removed. Every step reads the tags back from the emulator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_and_boundary_tags_reach_aws_and_their_drift_is_planned() {
    let world = world(vec![SeedAccount::new("dev", "Workloads")], false).await;
    let tagged = |text: &str, tags: &str| format!("{text}tags:\n{tags}");
    write(
        world.repo.path(),
        "boundaries/standard-boundary.yaml",
        &tagged(BOUNDARY, "  team: platform\n  cost-center: \"42\"\n"),
    );
    write(
        world.repo.path(),
        "policies/shared-read.yaml",
        &tagged(SHARED_POLICY, "  team: platform\n"),
    );
    converged(&world).await;
    let tags_of = |live: &LiveAccount, name: &str| live.policy(name).unwrap().tags.clone();
    let live = world.live("dev").await;
    let boundary = tags_of(&live, "standard-boundary");
    assert_eq!(boundary.get("team").map(String::as_str), Some("platform"));
    assert_eq!(boundary.get("cost-center").map(String::as_str), Some("42"));
    assert_eq!(
        boundary.get("warden:managed").map(String::as_str),
        Some("true")
    );
    assert_eq!(
        tags_of(&live, "shared-read")
            .get("team")
            .map(String::as_str),
        Some("platform")
    );
    assert!(!world.plan().await.has_changes(), "tags read back equal");

    // By hand: a value changed, a tag removed.
    let admin = world.admin("dev").await;
    let boundary_arn = live.policy("standard-boundary").unwrap().arn.clone();
    admin
        .tag_policy(
            &boundary_arn,
            &[("team".to_string(), "rogue".to_string())].into(),
        )
        .await
        .unwrap();
    admin
        .untag_policy(&boundary_arn, &["cost-center".to_string()])
        .await
        .unwrap();
    let plan = world.plan().await;
    let changes = changes_for(&plan, &world.id("dev"));
    let [Change::TagPolicy { arn, tags }] = changes else {
        panic!("{changes:#?}")
    };
    assert_eq!(arn, &boundary_arn);
    assert_eq!(
        tags,
        &[
            ("cost-center".to_string(), "42".to_string()),
            ("team".to_string(), "platform".to_string())
        ]
        .into()
    );
    let (report, _) = world.apply(&plan).await;
    assert!(report.succeeded());
    let live = world.live("dev").await;
    assert_eq!(
        tags_of(&live, "standard-boundary")
            .get("team")
            .map(String::as_str),
        Some("platform")
    );

    // Dropped from the definition: removed.
    write(
        world.repo.path(),
        "boundaries/standard-boundary.yaml",
        &tagged(BOUNDARY, "  team: platform\n"),
    );
    let plan = world.plan().await;
    let changes = changes_for(&plan, &world.id("dev"));
    assert!(
        matches!(changes, [Change::UntagPolicy { keys, .. }] if keys == &["cost-center".to_string()]),
        "{changes:#?}"
    );
    let (report, _) = world.apply(&plan).await;
    assert!(report.succeeded());
    let live = world.live("dev").await;
    assert!(!tags_of(&live, "standard-boundary").contains_key("cost-center"));
    assert!(!world.plan().await.has_changes());
}

/// A role changed by hand between `plan --out` and `apply plan.json`: that role's changes are
/// refused with a clear reason (and what depends on them is not attempted); the other role's
/// changes are applied. Read back from the emulator: the hand-made change is intact and the
/// other role is complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_changed_after_the_plan_is_refused_and_the_rest_applied() {
    let world = world(vec![SeedAccount::new("dev", "Workloads")], false).await;
    converged(&world).await;
    write(
        world.repo.path(),
        "policies/app-deployer.yaml",
        &ROLE_DEF.replace("[s3:GetObject, s3:PutObject]", "[s3:GetObject]"),
    );
    write(
        world.repo.path(),
        "policies/app-auditor.yaml",
        &ROLE_DEF
            .replace("name: app-deployer", "name: app-auditor")
            .replace("Deploys the app.", "Audits the app."),
    );
    // `plan --out plan.json`, then `apply plan.json`: the plan goes through its file form.
    let saved = world.repo.path().join("plan.json");
    std::fs::write(&saved, world.plan().await.to_json()).unwrap();
    let plan = Plan::from_json(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert!(
        changes_for(&plan, &world.id("dev"))
            .iter()
            .any(|c| c.role() == Some(ROLE))
    );

    let hand_made = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}"#;
    world
        .admin("dev")
        .await
        .put_role_policy(ROLE, "hotfix", hand_made)
        .await
        .unwrap();
    let (report, audit) = world.apply(&plan).await;
    let account = &report.accounts[0];
    let text = warden_plan::report::render_apply_report(&report);
    assert!(!report.succeeded(), "{text}");
    for outcome in &account.changes {
        match outcome.change.role() {
            Some(ROLE) => assert!(
                matches!(&outcome.result, ChangeResult::Failed(reason)
                    if reason.contains("role `app-deployer` changed since the plan was made")),
                "{text}"
            ),
            Some("app-auditor") => assert!(
                matches!(
                    outcome.result,
                    ChangeResult::Applied | ChangeResult::Rechecked
                ),
                "{text}"
            ),
            _ => {}
        }
    }
    assert!(
        audit
            .iter()
            .any(|r| r.change.role() == Some(ROLE) && r.result.starts_with("refused")),
        "{audit:#?}"
    );
    assert!(
        audit
            .iter()
            .all(|r| r.change.role() != Some(ROLE) || r.result.starts_with("refused")),
        "{audit:#?}"
    );
    let live = world.live("dev").await;
    let deployer = live.role(ROLE).unwrap();
    assert!(deployer.inline_policies.contains_key("hotfix"));
    assert!(
        deployer.inline_policies["artifacts"].contains("s3:PutObject"),
        "the planned narrowing was not applied to the changed role"
    );
    let auditor = live.role("app-auditor").unwrap();
    assert!(auditor.inline_policies.contains_key("artifacts"));
    assert_eq!(auditor.attached_policy_arns.len(), 1);
}
