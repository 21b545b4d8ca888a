//! Apply order across the organization and the re-check right before each write, against
//! moto: an SCP that narrows is attached before an IAM widening (seen in the proxy's call
//! order), a failed SCP step holds that widening back, and a role written by someone else
//! between two writes of the same apply is refused while the rest is applied. Live state is
//! read back from the emulator, not taken from Warden's report.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions: failing loudly is the point"
)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use warden_app::{ApplyRequest, LiveOrganization, PlanRequest};
use warden_aws::fixture::{self, SeedAccount, SeedSpec, SeededOrg};
use warden_aws::{AccountClient, Aws, ExternalId};
use warden_e2e::write_file as write;
use warden_emulator::{FaultConfig, FaultProxy, MotoServer};
use warden_plan::audit::AuditRecord;
use warden_plan::order::Phase;
use warden_plan::recheck::REFUSED;
use warden_plan::report::{ApplyReport, ChangeResult};
use warden_plan::{Change, Plan, from_spec};
use warden_policy::Quotas;
use warden_spec::Definitions;

const EXTERNAL_ID: &str = "e2e-apply-order-external-id";

const CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_APPLY_ORDER_UNSET_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
concurrency: 4
admin_roles: [WardenAccess]
"#;

/// A role trusting `{partners}` with an inline policy allowing `{actions}` on one bucket.
fn role(name: &str, partners: &str, actions: &str) -> String {
    format!(
        r#"
kind: Role
name: {name}
path: /
description: Test role {name}.
targets:
  ous: [Root/Workloads]
trust:
  - Sid: Partners
    Effect: Allow
    justification: The test scenario needs this access.
    Principal:
      AWS: {partners}
    Action: sts:AssumeRole
inline_policies:
  data:
    - Sid: Data
      Effect: Allow
      justification: The test scenario needs this access.
      Action: {actions}
      Resource: "arn:aws:s3:::data-${{account_id}}/*"
"#
    )
}

const PARTNER_A: &str = r#""arn:aws:iam::999999999999:root""#;
const PARTNERS_A_B: &str =
    r#"["arn:aws:iam::999999999999:root", "arn:aws:iam::888888888888:root"]"#;

/// A deny-only SCP on the Workloads OU: attaching it narrows.
const DENY_DELETE_SCP: &str = r#"
kind: Scp
name: deny-delete
description: No bucket deletion in workloads.
targets:
  ous: [Root/Workloads]
statements:
  - Sid: DenyDelete
    Effect: Deny
    justification: The guardrail the test scenario relies on.
    Action: s3:DeleteBucket
    Resource: "*"
"#;

struct World {
    _server: MotoServer,
    aws: Aws,
    org: SeededOrg,
    repo: tempfile::TempDir,
    proxy: Arc<FaultProxy>,
}

async fn world() -> World {
    let server = warden_e2e::moto();
    let proxy = Arc::new(FaultProxy::start(server.addr(), FaultConfig::default()).unwrap());
    let aws = Aws::connect(warden_e2e::quick_options(proxy.endpoint_url(), 2))
        .await
        .unwrap();
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts: vec![SeedAccount::new("dev", "Workloads")],
        access_role_name: "WardenAccess".into(),
        external_id: ExternalId::new(EXTERNAL_ID).unwrap(),
    };
    let org = fixture::seed_organization(&aws, &spec).await.unwrap();
    let repo = tempfile::tempdir().unwrap();
    write(repo.path(), "warden.yaml", CONFIG);
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
        LiveOrganization::new(
            self.aws.clone(),
            warden_e2e::access_role(EXTERNAL_ID, "warden-e2e"),
            4,
        )
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

    fn dev(&self) -> String {
        self.org.account_id("dev").unwrap().to_string()
    }

    async fn plan(&self) -> Plan {
        let request = PlanRequest {
            created_at: warden_app::now_rfc3339(),
            ..PlanRequest::default()
        };
        warden_app::plan_organization(&self.organization(), &self.definitions(), &request, &|_| {})
            .await
            .unwrap()
            .plan
    }

    /// Applies `plan`; `hook` sees each audit record as it is written (a concurrent writer).
    async fn apply_with(
        &self,
        plan: &Plan,
        hook: impl Fn(&AuditRecord) + Send + Sync + 'static,
    ) -> (ApplyReport, Vec<AuditRecord>) {
        let records = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&records);
        let request = ApplyRequest {
            ownership: from_spec::ownership(&self.definitions().config),
            quotas: Quotas::default(),
            concurrency: 4,
            clock: Arc::new(warden_app::now_rfc3339),
            audit: Arc::new(move |record| {
                hook(&record);
                sink.lock().unwrap().push(record);
            }),
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

    async fn converge(&self) {
        let plan = self.plan().await;
        let (report, _) = self.apply_with(&plan, |_| {}).await;
        assert!(
            report.succeeded(),
            "{}",
            warden_plan::report::render_apply_report(&report)
        );
        assert!(!self.plan().await.has_changes(), "converged");
    }

    async fn admin(&self) -> AccountClient {
        fixture::admin_client(&self.aws, &self.dev()).await.unwrap()
    }
}

fn outcome(report: &ApplyReport, wanted: impl Fn(&Change) -> bool) -> &ChangeResult {
    report
        .accounts
        .iter()
        .chain(&report.organization)
        .flat_map(|account| &account.changes)
        .find(|outcome| wanted(&outcome.change))
        .map(|outcome| &outcome.result)
        .unwrap_or_else(|| panic!("{}", warden_plan::report::render_apply_report(report)))
}

fn allows_put(document: &str) -> bool {
    document.to_ascii_lowercase().contains("s3:putobject")
}

/// The SCP narrowing (a deny attached to the account's OU) and the IAM widening (the role gains
/// s3:PutObject) of one plan: plan phases say SCP first, the proxy sees AttachPolicy before
/// PutRolePolicy; then, with the SCP call failing, the widening is held back and not made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_scp_narrowing_goes_before_the_iam_widening_and_its_failure_holds_it_back() {
    let world = world().await;
    write(
        world.repo.path(),
        "policies/app.yaml",
        &role("app", PARTNER_A, "[s3:GetObject]"),
    );
    world.converge().await;

    write(
        world.repo.path(),
        "policies/app.yaml",
        &role("app", PARTNER_A, "[s3:GetObject, s3:PutObject]"),
    );
    write(world.repo.path(), "scps/deny-delete.yaml", DENY_DELETE_SCP);
    let plan = world.plan().await;
    let scps = plan.organization.as_ref().unwrap();
    let attach = scps
        .changes
        .iter()
        .position(|c| matches!(c, Change::AttachScp { .. }))
        .unwrap();
    assert_eq!(scps.phases[attach], Phase::Narrow, "{scps:#?}");
    let account = &plan.accounts[0];
    let put = account
        .changes
        .iter()
        .position(|c| matches!(c, Change::PutInlinePolicy { .. }))
        .unwrap();
    assert_eq!(account.phases[put], Phase::Widen, "{account:#?}");
    let text = warden_plan::render::render_table(&plan, Default::default());
    assert!(
        text.contains("narrow (1), then the accounts' IAM changes"),
        "{text}"
    );

    // The proxy's log of calls: the SCP attachment is answered before PutRolePolicy is
    // received.
    world.proxy.record_calls();
    let (report, _) = world.apply_with(&plan, |_| {}).await;
    assert!(
        report.succeeded(),
        "{}",
        warden_plan::report::render_apply_report(&report)
    );
    let calls = world.proxy.calls();
    let first = |action: &str| {
        calls
            .iter()
            .find(|call| call.action == action)
            .unwrap_or_else(|| panic!("no `{action}` in {calls:#?}"))
    };
    let (attach, put) = (
        first("organizations:AttachPolicy"),
        first("iam:PutRolePolicy"),
    );
    assert!(attach.answered <= put.received, "{calls:#?}");
    let live = world.admin().await.read_account().await.unwrap();
    assert!(allows_put(
        &live.role("app").unwrap().inline_policies["data"]
    ));
    let workloads = world.org.ous["Root/Workloads"].clone();
    let attached_to = |scps: &[warden_plan::live::LiveScp], name: &str| {
        scps.iter()
            .any(|s| s.name == name && s.targets.contains(&workloads))
    };
    assert!(attached_to(
        &world.aws.read_scps().await.unwrap(),
        "deny-delete"
    ));

    // Another SCP narrowing with another widening (s3:DeleteObject), and every answer to
    // AttachPolicy lost: the attachment fails, the widening is held back and never sent.
    write(
        world.repo.path(),
        "policies/app.yaml",
        &role(
            "app",
            PARTNER_A,
            "[s3:GetObject, s3:PutObject, s3:DeleteObject]",
        ),
    );
    write(
        world.repo.path(),
        "scps/deny-tagging.yaml",
        &DENY_DELETE_SCP
            .replace("name: deny-delete", "name: deny-tagging")
            .replace("s3:DeleteBucket", "s3:PutBucketTagging"),
    );
    let plan = world.plan().await;
    world.proxy.reset_stats();
    world.proxy.set_faults(FaultConfig {
        lose_responses: BTreeMap::from([("organizations:AttachPolicy".to_string(), 10)]),
        ..FaultConfig::default()
    });
    let (report, audit) = world.apply_with(&plan, |_| {}).await;
    world.proxy.set_faults(FaultConfig::default());
    let text = warden_plan::report::render_apply_report(&report);
    assert!(
        matches!(
            outcome(&report, |c| matches!(c, Change::AttachScp { .. })),
            ChangeResult::Failed(_)
        ),
        "{text}"
    );
    assert_eq!(
        outcome(&report, |c| matches!(c, Change::PutInlinePolicy { .. })),
        &ChangeResult::NotAttempted,
        "{text}"
    );
    assert!(text.contains("held back"), "{text}");
    assert!(
        !audit
            .iter()
            .any(|r| matches!(r.change, Change::PutInlinePolicy { .. })),
        "{audit:#?}"
    );
    assert!(
        world
            .proxy
            .stats()
            .calls_for_action("organizations:AttachPolicy")
            >= 1
    );
    assert_eq!(world.proxy.stats().calls_for_action("iam:PutRolePolicy"), 0);
    let live = world.admin().await.read_account().await.unwrap();
    assert!(
        !live.role("app").unwrap().inline_policies["data"]
            .to_ascii_lowercase()
            .contains("s3:deleteobject"),
        "the widening was not made"
    );
}

/// `app` is narrowed, then `reader`, then `app`'s trust widens: someone writes `app` right
/// after its first write. The re-check before `app`'s second write refuses it; `reader` and
/// the first write stay applied, and the hand-made policy is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_written_between_two_writes_of_one_apply_is_refused_and_the_rest_applied() {
    let world = world().await;
    write(
        world.repo.path(),
        "policies/app.yaml",
        &role("app", PARTNER_A, "[s3:GetObject, s3:PutObject]"),
    );
    write(
        world.repo.path(),
        "policies/reader.yaml",
        &role("reader", PARTNER_A, "[s3:GetObject, s3:PutObject]"),
    );
    world.converge().await;

    write(
        world.repo.path(),
        "policies/app.yaml",
        &role("app", PARTNERS_A_B, "[s3:GetObject]"),
    );
    write(
        world.repo.path(),
        "policies/reader.yaml",
        &role("reader", PARTNER_A, "[s3:GetObject]"),
    );
    let plan = world.plan().await;
    let changes = &plan.accounts[0].changes;
    let index = |wanted: &dyn Fn(&Change) -> bool| changes.iter().position(wanted).unwrap();
    let app_narrow = index(&|c| matches!(c, Change::PutInlinePolicy { role, .. } if role == "app"));
    let reader = index(&|c| matches!(c, Change::PutInlinePolicy { role, .. } if role == "reader"));
    let app_widen = index(&|c| matches!(c, Change::UpdateTrust { role, .. } if role == "app"));
    assert!(
        app_narrow < reader && reader < app_widen,
        "two writes of `app` with `reader` between: {changes:#?}"
    );

    // The concurrent writer: right after `app`'s first write, someone adds an inline policy.
    let admin = world.admin().await;
    world.proxy.reset_stats();
    let hand_made = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}"#;
    let (report, audit) = world
        .apply_with(&plan, move |record| {
            if matches!(&record.change, Change::PutInlinePolicy { role, .. } if role == "app")
                && record.result == "ok"
            {
                let admin = admin.clone();
                tokio::task::block_in_place(|| {
                    tokio::runtime::Handle::current()
                        .block_on(admin.put_role_policy("app", "hotfix", hand_made))
                        .unwrap();
                });
            }
        })
        .await;
    let text = warden_plan::report::render_apply_report(&report);
    assert!(!report.succeeded(), "{text}");
    assert!(
        matches!(
            outcome(&report, |c| matches!(c, Change::UpdateTrust { role, .. } if role == "app")),
            ChangeResult::Failed(reason) if reason.starts_with(REFUSED) && reason.contains("`app`")
        ),
        "{text}"
    );
    assert!(
        outcome(
            &report,
            |c| matches!(c, Change::PutInlinePolicy { role, .. } if role == "app")
        )
        .is_applied(),
        "{text}"
    );
    assert!(
        outcome(
            &report,
            |c| matches!(c, Change::PutInlinePolicy { role, .. } if role == "reader")
        )
        .is_applied(),
        "{text}"
    );
    assert!(
        audit.iter().any(
            |r| matches!(&r.change, Change::UpdateTrust { role, .. } if role == "app")
                && r.result.starts_with("refused: changed since the plan")
        ),
        "{audit:#?}"
    );

    // The re-check's cost: one read of the role per run of changes of one object (`app`,
    // `reader`, `app` again), each GetRole, ListRolePolicies, ListAttachedRolePolicies and a
    // GetRolePolicy per inline policy.
    let stats = world.proxy.stats();
    assert_eq!(
        stats.calls_for_action("iam:ListAttachedRolePolicies"),
        3,
        "{:#?}",
        stats.by_action
    );
    assert_eq!(stats.calls_for_action("iam:ListRolePolicies"), 3);
    assert_eq!(
        stats.calls_for_action("iam:GetRolePolicy"),
        4,
        "`data` three times, `hotfix` once"
    );

    let live = world.admin().await.read_account().await.unwrap();
    let app = live.role("app").unwrap();
    assert!(
        app.inline_policies.contains_key("hotfix"),
        "their write is kept"
    );
    assert!(
        !allows_put(&app.inline_policies["data"]),
        "the first write applied"
    );
    assert!(
        !app.trust_policy.contains("888888888888"),
        "the refused trust widening was not made: {}",
        app.trust_policy
    );
    let reader = live.role("reader").unwrap();
    assert!(!allows_put(&reader.inline_policies["data"]));
}

/// An SCP swapped in place (an allow list moving from s3 to ec2) goes through a document
/// within both before the accounts and gets its new content after them; someone rewrites it
/// between the two writes, so the second is refused and their content stays (read back live).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_scp_written_between_its_two_updates_is_refused_at_the_second() {
    let world = world().await;
    let allow_list = |actions: &str| {
        format!(
            r#"
kind: Scp
name: allow-list
description: What workloads may use.
targets:
  ous: [Root/Workloads]
statements:
  - Sid: Allowed
    Effect: Allow
    justification: The guardrail the test scenario relies on.
    Action: {actions}
    Resource: "*"
"#
        )
    };
    write(
        world.repo.path(),
        "scps/allow-list.yaml",
        &allow_list("[s3:*, iam:*]"),
    );
    world.converge().await;
    write(
        world.repo.path(),
        "scps/allow-list.yaml",
        &allow_list("[ec2:*, iam:*]"),
    );
    let plan = world.plan().await;
    let scps = plan.organization.as_ref().unwrap();
    assert_eq!(scps.phases, vec![Phase::Narrow, Phase::Widen], "{scps:#?}");
    let Change::UpdateScp {
        document: middle,
        policy_id,
        ..
    } = &scps.changes[0]
    else {
        panic!("{scps:#?}")
    };
    let middle = middle.to_ascii_lowercase();
    assert!(
        middle.contains("iam:*") && !middle.contains("s3:*") && !middle.contains("ec2:*"),
        "{middle}"
    );

    let (aws, id) = (world.aws.clone(), policy_id.clone());
    let theirs =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let (report, audit) = world
        .apply_with(&plan, move |record| {
            if matches!(record.change, Change::UpdateScp { .. }) && record.result == "ok" {
                let aws = aws.clone();
                tokio::task::block_in_place(|| {
                    tokio::runtime::Handle::current()
                        .block_on(aws.update_scp(&id, None, None, Some(theirs)))
                        .unwrap();
                });
            }
        })
        .await;
    let text = warden_plan::report::render_apply_report(&report);
    let organization = report.organization.as_ref().unwrap();
    assert!(organization.changes[0].result.is_applied(), "{text}");
    assert!(
        matches!(&organization.changes[1].result,
            ChangeResult::Failed(reason) if reason.starts_with(REFUSED) && reason.contains("`allow-list`")),
        "{text}"
    );
    assert!(
        audit
            .iter()
            .any(|r| r.result.starts_with("refused: changed since the plan")),
        "{audit:#?}"
    );
    let live = world.aws.read_scps().await.unwrap();
    let scp = live.iter().find(|s| s.name == "allow-list").unwrap();
    assert!(
        !scp.content.to_ascii_lowercase().contains("ec2:*"),
        "the refused update was not made: {}",
        scp.content
    );
    assert!(
        warden_policy::equivalent(
            &warden_policy::parse_policy(&scp.content).unwrap(),
            &warden_policy::parse_policy(theirs).unwrap()
        ),
        "their content stays: {}",
        scp.content
    );
}
