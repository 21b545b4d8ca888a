//! Snapshots against moto: a full read of hand-made IAM (paths, unicode, max session,
//! boundaries, policy versions, users with keys and MFA, providers, the password policy, an
//! SCP on an OU, a service-linked role) written to disk and read back equal to a fresh read;
//! no secret in any file; plan over the snapshot equals plan over AWS.

use std::collections::BTreeMap;

use warden_app::snapshot::{SnapshotOrganization, SnapshotRequest, take_snapshot};
use warden_app::{LiveOrganization, PlanRequest, ReadOrganization};
use warden_aws::fixture::{self, SeedAccount, SeedSpec, SeededOrg};
use warden_aws::{AccessRole, AccountClient, Aws, ExternalId, NewManagedPolicy, NewRole};
use warden_emulator::MotoServer;
use warden_plan::live::{Coverage, KeyStatus};
use warden_snapshot::{AccountStatus, Snapshot};

const EXTERNAL_ID: &str = "e2e-snapshot-external-id";

const CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_SNAPSHOT_UNSET_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
concurrency: 4
admin_roles: [WardenAccess]
"#;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn access() -> AccessRole {
    warden_e2e::access_role(EXTERNAL_ID, "warden-e2e")
}

struct World {
    _server: MotoServer,
    aws: Aws,
    org: SeededOrg,
}

async fn world() -> World {
    let server = warden_e2e::moto();
    let options = warden_e2e::quick_options(server.endpoint_url(), 2);
    let aws = Aws::connect(options).await.unwrap();
    let spec = SeedSpec {
        ous: vec!["Workloads".into()],
        accounts: vec![
            SeedAccount::new("dev", "Workloads"),
            SeedAccount::new("prod", "Workloads"),
        ],
        access_role_name: "WardenAccess".into(),
        external_id: ExternalId::new(EXTERNAL_ID).unwrap(),
    };
    let org = fixture::seed_organization(&aws, &spec).await.unwrap();
    World {
        _server: server,
        aws,
        org,
    }
}

fn document(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

/// Hand-made IAM alike in every account: a boundary, a policy with three versions, and a role
/// using both. Returns the policy's ARN.
async fn hand_made(admin: &AccountClient) -> String {
    let boundary = admin
        .create_policy(&NewManagedPolicy {
            name: "workload-boundary".into(),
            path: "/boundaries/".into(),
            document: document("s3:*"),
            description: Some("Caps workloads".into()),
            tags: BTreeMap::new(),
        })
        .await
        .unwrap();
    let shared = admin
        .create_policy(&NewManagedPolicy {
            name: "shared-read".into(),
            path: "/shared/".into(),
            document: document("s3:GetObject"),
            description: None,
            tags: BTreeMap::new(),
        })
        .await
        .unwrap();
    admin
        .create_policy_version(&shared, &document("s3:ListBucket"))
        .await
        .unwrap();
    admin
        .create_policy_version(&shared, &document("s3:Get*"))
        .await
        .unwrap();
    let role = NewRole {
        name: "deployer".into(),
        path: "/ci/".into(),
        trust_policy: TRUST.into(),
        description: Some("Déploie l'application ✓".into()),
        max_session_duration: Some(7200),
        permissions_boundary_arn: Some(boundary),
        tags: BTreeMap::from([("team".into(), "platform".into())]),
    };
    fixture::create_role_with_policies(
        admin,
        &role,
        &[("logs", &document("logs:PutLogEvents"))],
        &[&shared],
    )
    .await
    .unwrap();
    shared
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_reads_back_equal_to_a_fresh_read_and_holds_no_secret() {
    let world = world().await;
    let dev = world.org.account_id("dev").unwrap().to_owned();
    let prod = world.org.account_id("prod").unwrap().to_owned();
    let mut key_id = String::new();
    for account in [&dev, &prod] {
        let admin = fixture::admin_client(&world.aws, account).await.unwrap();
        let shared = hand_made(&admin).await;
        if account == &dev {
            key_id = fixture::seed_identities(&admin, &shared).await.unwrap();
        }
    }
    let workloads = world.org.ous["Root/Workloads"].clone();
    let scp = world
        .aws
        .create_scp("deny-leave", "No leaving", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#)
        .await
        .unwrap();
    world.aws.attach_scp(&scp, &workloads).await.unwrap();

    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("snap");
    let live = LiveOrganization::new(world.aws.clone(), access(), 4);
    let request = SnapshotRequest {
        out: dir.clone(),
        accounts: Vec::new(),
        ous: Vec::new(),
        created_at: "2026-12-03T12:00:00Z".into(),
        tool_version: "test".into(),
    };
    let summary = take_snapshot(&live, &request, &|_| {}).await.unwrap();
    assert_eq!(
        summary.count(AccountStatus::Read),
        2,
        "{:?}",
        summary.manifest
    );
    assert_eq!(
        summary.count(AccountStatus::Skipped),
        1,
        "the management account"
    );

    let snapshot = Snapshot::open(&dir).unwrap();
    snapshot.verify().unwrap();
    let organization = snapshot.organization().unwrap();
    let deny = organization
        .scps
        .iter()
        .find(|s| s.name == "deny-leave")
        .unwrap();
    assert_eq!(deny.targets, vec![workloads.clone()]);

    // Equal to a fresh full read of the live account, field by field.
    for account in [&dev, &prod] {
        let mut fresh = world
            .aws
            .read_account_full(account, &access())
            .await
            .unwrap();
        warden_app::snapshot::redact_external_id(&mut fresh, &access().external_id);
        let mut stored = snapshot.account(account).unwrap();
        // Reading assumes the access role: its last use moves with every read, and only it.
        let used_now = fresh.role("WardenAccess").unwrap().role_last_used.clone();
        stored
            .roles
            .iter_mut()
            .find(|role| role.name == "WardenAccess")
            .unwrap()
            .role_last_used = used_now;
        assert_eq!(stored, fresh, "account {account}");
    }

    let stored = snapshot.account(&dev).unwrap();
    assert_eq!(stored.coverage, Coverage::Full);
    let role = stored.role("deployer").unwrap();
    assert_eq!(role.path, "/ci/");
    assert_eq!(role.description.as_deref(), Some("Déploie l'application ✓"));
    assert_eq!(role.max_session_duration, Some(7200));
    assert!(
        role.permissions_boundary_arn
            .as_deref()
            .unwrap()
            .ends_with(":policy/boundaries/workload-boundary")
    );
    assert!(role.created.is_some());
    let shared = stored.policy("shared-read").unwrap();
    assert_eq!(shared.versions.len(), 3);
    assert_eq!(shared.default_version().unwrap().version_id, "v3");
    assert!(shared.versions[0].document.contains("s3:GetObject"));
    assert!(stored.roles.iter().any(|r| r.is_service_linked()));
    let ops = stored.user("ops").unwrap();
    assert_eq!(ops.path, "/people/");
    assert_eq!(ops.groups, vec!["admins".to_string()]);
    assert!(ops.login_profile.is_some());
    assert_eq!(ops.mfa_devices.len(), 1);
    assert_eq!(ops.access_keys.len(), 1);
    assert_eq!(ops.access_keys[0].status, KeyStatus::Active);
    assert_eq!(ops.access_keys[0].id_suffix, key_id[key_id.len() - 4..]);
    let admins = stored.group("admins").unwrap();
    assert_eq!(admins.inline_policies.len(), 1);
    assert_eq!(admins.attached_policy_arns.len(), 1);
    let password = stored.password_policy.clone().unwrap();
    assert_eq!(password.minimum_password_length, Some(14));
    assert_eq!(password.max_password_age, Some(90));
    assert_eq!(stored.oidc_providers.len(), 1);
    assert_eq!(
        stored.oidc_providers[0].client_ids,
        vec!["sts.amazonaws.com".to_string()]
    );
    assert_eq!(stored.saml_providers.len(), 1);
    let report = stored.credential_report.clone().unwrap();
    assert!(report.user("ops").unwrap().mfa_active);
    let prod_live = snapshot.account(&prod).unwrap();
    assert_eq!(
        prod_live.password_policy, None,
        "no password policy set in prod"
    );
    assert!(prod_live.users.is_empty());

    // No secret anywhere: not the access key id, not the ExternalId.
    for entry in walk(&dir) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(
            !text.contains(&key_id),
            "{} holds the access key id",
            entry.display()
        );
        assert!(
            !text.contains(EXTERNAL_ID),
            "{} holds the ExternalId",
            entry.display()
        );
        assert!(
            !text.contains("Fixture-Only-Password"),
            "{}",
            entry.display()
        );
    }

    // Every read-only use case sees the same organization through the snapshot.
    let offline = SnapshotOrganization::open(&dir).unwrap();
    assert_eq!(
        offline.inventory().await.unwrap(),
        live.inventory().await.unwrap()
    );
    let repo = tempfile::tempdir().unwrap();
    warden_e2e::write_file(repo.path(), "warden.yaml", CONFIG);
    let definitions = warden_spec::Definitions::load(repo.path()).unwrap();
    let plan_request = PlanRequest {
        created_at: "2026-12-03T12:00:00Z".into(),
        ..PlanRequest::default()
    };
    let from_aws = warden_app::plan_organization(&live, &definitions, &plan_request, &|_| {})
        .await
        .unwrap();
    let from_snapshot =
        warden_app::plan_organization(&offline, &definitions, &plan_request, &|_| {})
            .await
            .unwrap();
    // Same changes, conflicts and unmanaged objects; the fingerprints differ (the snapshot's
    // access role trust has the ExternalId redacted), so a plan made offline never applies.
    let view = |plan: &warden_plan::Plan| -> Vec<_> {
        plan.accounts
            .iter()
            .map(|a| {
                (
                    a.account_id.clone(),
                    a.changes.clone(),
                    a.conflicts.clone(),
                    a.unmanaged.clone(),
                )
            })
            .collect()
    };
    assert_eq!(view(&from_snapshot.plan), view(&from_aws.plan));
    assert_eq!(from_snapshot.plan.unreadable, from_aws.plan.unreadable);
    assert!(
        from_snapshot.plan.accounts.iter().any(|a| a
            .unmanaged
            .iter()
            .any(|u| format!("{u:?}").contains("deployer"))),
        "the hand-made role is listed as unmanaged"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Import from a snapshot → the lint gate passes → plan shows only adoptions → apply → plan is
/// empty, and the live objects read back unchanged apart from the marker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_then_plan_adopts_only_and_apply_converges_without_changing_iam() {
    let world = world().await;
    let dev = world.org.account_id("dev").unwrap().to_owned();
    let prod = world.org.account_id("prod").unwrap().to_owned();
    for account in [&dev, &prod] {
        let admin = fixture::admin_client(&world.aws, account).await.unwrap();
        let shared = hand_made(&admin).await;
        if account == &dev {
            fixture::seed_identities(&admin, &shared).await.unwrap();
            let legacy = NewRole {
                name: "legacy".into(),
                path: "/".into(),
                trust_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#.into(),
                description: None,
                max_session_duration: Some(3600),
                permissions_boundary_arn: None,
                tags: BTreeMap::new(),
            };
            fixture::create_role_with_policies(&admin, &legacy, &[], &[])
                .await
                .unwrap();
        }
    }
    let workloads = world.org.ous["Root/Workloads"].clone();
    let scp = world
        .aws
        .create_scp("deny-leave", "No leaving", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#)
        .await
        .unwrap();
    world.aws.attach_scp(&scp, &workloads).await.unwrap();
    let live = LiveOrganization::new(world.aws.clone(), access(), 4);
    let before = world.aws.read_account_full(&dev, &access()).await.unwrap();

    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("snap");
    let request = SnapshotRequest {
        out: dir.clone(),
        accounts: Vec::new(),
        ous: Vec::new(),
        created_at: "2026-12-03T12:00:00Z".into(),
        tool_version: "test".into(),
    };
    take_snapshot(&live, &request, &|_| {}).await.unwrap();

    let repo = tempfile::tempdir().unwrap();
    warden_e2e::write_file(repo.path(), "warden.yaml", CONFIG);
    let load = || {
        warden_spec::Definitions::load(repo.path()).unwrap_or_else(|errors| {
            panic!(
                "{}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    };
    let today = warden_app::today().unwrap();
    let offline = SnapshotOrganization::open(&dir).unwrap();
    let import_request = warden_app::import::ImportRequest {
        accounts: Vec::new(),
        ous: Vec::new(),
        today,
    };
    let summary = warden_app::import::import_organization(&offline, &load(), &import_request)
        .await
        .unwrap();
    let report = warden_app::import::render_summary(&summary);
    let written: Vec<(&str, &str)> = summary
        .written
        .iter()
        .map(|f| (f.kind, f.name.as_str()))
        .collect();
    assert_eq!(
        written,
        [
            ("boundary", "workload-boundary"),
            ("role", "deployer"),
            ("role", "legacy"),
            ("policy", "shared-read"),
            ("scp", "deny-leave")
        ],
        "{report}"
    );
    let deployer = summary
        .written
        .iter()
        .find(|f| f.name == "deployer")
        .unwrap();
    assert_eq!(
        deployer.accounts.len(),
        2,
        "one definition for both accounts"
    );
    assert!(
        deployer.text.contains(r#"ous: ["Root/Workloads"]"#),
        "{}",
        deployer.text
    );
    for skipped in [
        "AWSServiceRoleForAutoScaling",
        "WardenAccess",
        "OrganizationAccountAccessRole",
    ] {
        assert!(
            summary.skipped.iter().any(|s| s.name == skipped),
            "{skipped} skipped: {report}"
        );
    }
    // Import never overwrites: a second run writes nothing.
    let again = warden_app::import::import_organization(&offline, &load(), &import_request)
        .await
        .unwrap();
    assert!(
        again.written.is_empty(),
        "{}",
        warden_app::import::render_summary(&again)
    );

    // The lint gate passes (findings became dated exceptions) and the plan only adopts.
    let plan_request = PlanRequest {
        lint: Some(today),
        created_at: "2026-12-03T12:00:00Z".into(),
        ..PlanRequest::default()
    };
    let plan = warden_app::plan_organization(&live, &load(), &plan_request, &|_| {})
        .await
        .unwrap()
        .plan;
    let changes: Vec<&warden_plan::Change> = plan
        .accounts
        .iter()
        .flat_map(|a| &a.changes)
        .chain(plan.organization.iter().flat_map(|o| &o.changes))
        .collect();
    assert!(!changes.is_empty());
    assert!(changes.iter().all(|c| c.is_adoption()), "{changes:#?}");
    assert!(
        plan.accounts.iter().all(|a| a.conflicts.is_empty()),
        "{:?}",
        plan.accounts
    );

    let ownership = warden_plan::from_spec::ownership(&load().config);
    let apply = warden_app::ApplyRequest::new(ownership, 4, std::sync::Arc::new(|_| {}));
    let applied = warden_app::apply_plan(&live, &plan, &apply).await;
    assert!(applied.succeeded(), "{applied:?}");
    let after = warden_app::plan_organization(&live, &load(), &plan_request, &|_| {})
        .await
        .unwrap()
        .plan;
    assert!(
        after
            .accounts
            .iter()
            .all(|a| a.changes.is_empty() && a.conflicts.is_empty()),
        "{:?}",
        after.accounts
    );
    assert!(
        after.organization.iter().all(|o| o.changes.is_empty()),
        "{:?}",
        after.organization
    );

    // Live IAM unchanged apart from the marker.
    let now = world.aws.read_account_full(&dev, &access()).await.unwrap();
    let (old, new) = (
        before.role("deployer").unwrap(),
        now.role("deployer").unwrap(),
    );
    assert_eq!(new.trust_policy, old.trust_policy);
    assert_eq!(new.description, old.description);
    assert_eq!(new.max_session_duration, old.max_session_duration);
    assert_eq!(new.permissions_boundary_arn, old.permissions_boundary_arn);
    assert_eq!(new.inline_policies, old.inline_policies);
    assert_eq!(new.attached_policy_arns, old.attached_policy_arns);
    assert_eq!(new.tags.get("team"), Some(&"platform".to_string()));
    assert_eq!(new.tags.get("warden:managed"), Some(&"true".to_string()));
    let (old, new) = (
        before.policy("shared-read").unwrap(),
        now.policy("shared-read").unwrap(),
    );
    assert_eq!(
        new.versions.len(),
        old.versions.len(),
        "no new policy version"
    );
    assert_eq!(new.document, old.document);
    let scps = world.aws.read_scps().await.unwrap();
    let deny = scps.iter().find(|s| s.name == "deny-leave").unwrap();
    assert!(
        deny.description.starts_with("No leaving"),
        "{}",
        deny.description
    );
    assert_eq!(deny.targets, vec![workloads]);
}

const IMPORT_EXTERNAL_ID_ENV: &str = "WARDEN_E2E_IMPORT_EXTERNAL_ID";

/// Three member accounts: `dev` and `prod` make up `Workloads`, `sandbox` is alone in `Sandbox`.
const IMPORT_CONFIG: &str = r#"
organization:
  management_account_id: "123456789012"
access:
  role_name: WardenAccess
  external_id_env: WARDEN_E2E_IMPORT_EXTERNAL_ID
regions:
  allowed: [us-east-1]
  home: us-east-1
concurrency: 4
admin_roles: [WardenAccess]
"#;

/// What apply may change on an adopted object (the marker tag) and what IAM changes by itself
/// between two reads (last use, the credential report's generation time), taken out so two
/// full reads compare equal when nothing else changed.
fn without_marker_and_clock(
    mut live: warden_plan::live::LiveAccount,
) -> warden_plan::live::LiveAccount {
    for role in &mut live.roles {
        role.tags.remove("warden:managed");
        role.role_last_used = None;
    }
    for policy in &mut live.policies {
        policy.tags.remove("warden:managed");
    }
    live.credential_report = None;
    live
}

/// Hand-made IAM in one account: a boundary, a policy with three versions, a role with a
/// path, a unicode description, a max session, the boundary, customer and AWS managed
/// attachments and an inline policy naming the account and region in ARNs.
async fn hand_made_with_arns(admin: &AccountClient, account: &str) {
    let shared = hand_made(admin).await;
    let regional = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Logs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:us-east-1:{account}:log-group:/ci/*"}},{{"Sid":"Artifacts","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::artifacts-{account}/${{aws:username}}/*"}}]}}"#
    );
    let role = NewRole {
        name: "builder".into(),
        path: "/ci/build/".into(),
        trust_policy: format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"aws:PrincipalAccount":"{account}"}}}}}}]}}"#
        ),
        description: Some(format!("Construit {account} — ✓ ünïcode")),
        max_session_duration: Some(14400),
        permissions_boundary_arn: None,
        tags: BTreeMap::from([("cost-center".into(), format!("cc-{account}"))]),
    };
    fixture::create_role_with_policies(
        admin,
        &role,
        &[("build", &regional)],
        &[&shared, "arn:aws:iam::aws:policy/ReadOnlyAccess"],
    )
    .await
    .unwrap();
}

/// The issue's flow through the binary, as a platform team adopting Warden runs it:
/// snapshot → import → lint exits 0 → plan shows only adoptions → apply → plan is empty, and a
/// full read of every account before and after is equal apart from the marker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_through_the_binary_lints_clean_adopts_only_and_leaves_iam_unchanged() {
    let server = warden_e2e::moto_with(warden_emulator::MotoOptions {
        load_managed_policies: true,
        // Repeatable account ids: the order of accounts in the summary follows them.
        seed: Some(13),
        ..warden_emulator::MotoOptions::default()
    });
    let aws = Aws::connect(warden_e2e::quick_options(server.endpoint_url(), 2))
        .await
        .unwrap();
    let spec = SeedSpec {
        ous: vec!["Workloads".into(), "Sandbox".into()],
        accounts: vec![
            SeedAccount::new("dev", "Workloads"),
            SeedAccount::new("prod", "Workloads"),
            SeedAccount::new("sandbox", "Sandbox"),
        ],
        access_role_name: "WardenAccess".into(),
        external_id: ExternalId::new(EXTERNAL_ID).unwrap(),
    };
    let org = fixture::seed_organization(&aws, &spec).await.unwrap();
    let ids: Vec<String> = ["dev", "prod", "sandbox"]
        .iter()
        .map(|name| org.account_id(name).unwrap().to_owned())
        .collect();
    for account in &ids {
        let admin = fixture::admin_client(&aws, account).await.unwrap();
        if account != &ids[2] {
            hand_made_with_arns(&admin, account).await;
        }
        // Alike in dev and sandbox only: targets by account id, not an OU.
        if account != &ids[1] {
            let auditor = NewRole {
                name: "auditor".into(),
                path: "/".into(),
                trust_policy: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#.into(),
                description: None,
                max_session_duration: None,
                permissions_boundary_arn: None,
                tags: BTreeMap::new(),
            };
            fixture::create_role_with_policies(
                &admin,
                &auditor,
                &[],
                &["arn:aws:iam::aws:policy/SecurityAudit"],
            )
            .await
            .unwrap();
        }
    }
    // Users, groups, keys, MFA, providers and a service-linked role in dev.
    let dev_admin = fixture::admin_client(&aws, &ids[0]).await.unwrap();
    let dev_shared = dev_admin_policy(&aws, &ids[0]).await;
    fixture::seed_identities(&dev_admin, &dev_shared)
        .await
        .unwrap();
    let workloads = org.ous["Root/Workloads"].clone();
    let scp = aws
        .create_scp("deny-leave", "No leaving", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#)
        .await
        .unwrap();
    aws.attach_scp(&scp, &workloads).await.unwrap();
    let mut before = Vec::new();
    for account in &ids {
        before.push(aws.read_account_full(account, &access()).await.unwrap());
    }

    let repo = tempfile::tempdir().unwrap();
    warden_e2e::write_file(repo.path(), "warden.yaml", IMPORT_CONFIG);
    let endpoint = server.endpoint_url();
    let mut redact = vec![
        (endpoint.clone(), "[moto]"),
        (repo.path().display().to_string(), "[repo]"),
        (org.organization_id.clone(), "[org-id]"),
        (org.root_id.clone(), "[root-id]"),
        (ids[0].clone(), "[dev]"),
        (ids[1].clone(), "[prod]"),
        (ids[2].clone(), "[sandbox]"),
    ];
    redact.extend(org.ous.values().map(|id| (id.clone(), "[ou-id]")));
    redact.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
    let env = [(IMPORT_EXTERNAL_ID_ENV, EXTERNAL_ID)];
    let run = |args: &[&str], online: bool| {
        let mut full = args.to_vec();
        if online {
            full.extend(["--endpoint-url", endpoint.as_str()]);
        }
        crate::cli::xtask_in(repo.path(), &full, &env, &redact)
    };

    let snapshot = run(&["snapshot", "--out", "snap"], true);
    assert_eq!(snapshot.code, 0, "{}", snapshot.transcript());
    let imported = run(&["import", "--snapshot", "snap"], false);
    assert_eq!(imported.code, 0, "{}", imported.transcript());
    insta::assert_snapshot!("import_summary", imported.transcript());
    let builder = std::fs::read_to_string(repo.path().join("policies/builder.yaml")).unwrap();
    for expected in [
        r#"ous: ["Root/Workloads"]"#,
        "arn:${partition}:logs:${region}:${account_id}:log-group:/ci/*",
        "arn:${partition}:iam::aws:policy/ReadOnlyAccess",
        "Construit ${account_id} — ✓ ünïcode",
        "max_session_duration: 14400",
        "owner: imported",
    ] {
        assert!(builder.contains(expected), "{expected}:\n{builder}");
    }
    let auditor = std::fs::read_to_string(repo.path().join("policies/auditor.yaml")).unwrap();
    let mut dev_and_sandbox = [ids[0].as_str(), ids[2].as_str()];
    dev_and_sandbox.sort_unstable();
    assert!(
        auditor.contains(&format!(
            r#"accounts: ["{}", "{}"]"#,
            dev_and_sandbox[0], dev_and_sandbox[1]
        )),
        "{auditor}"
    );
    let again = run(&["import", "--snapshot", "snap"], false);
    assert!(
        again.stdout.contains("imported 0 definitions"),
        "never overwrites: {}",
        again.transcript()
    );

    // The repository's lint gate, rendered for the snapshot's organization. (`--snapshot` adds
    // the posture rules on live objects import leaves alone: users, the access role.)
    let lint = run(&["lint", "--org", "snap"], false);
    assert_eq!(lint.code, 0, "lint gate: {}", lint.transcript());
    assert!(lint.stdout.contains("excepted"), "{}", lint.transcript());

    let plan = run(&["plan", "--out", "plan.json"], true);
    assert_eq!(plan.code, 0, "{}", plan.transcript());
    // The definitions digest covers the justification dates, which are today's.
    let digest = plan
        .stdout
        .split("definitions ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_default();
    insta::assert_snapshot!(
        "import_then_plan",
        plan.transcript().replace(digest, "[digest]")
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo.path().join("plan.json")).unwrap())
            .unwrap();
    let ops: Vec<String> = saved["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|account| account["changes"].as_array().unwrap())
        .chain(
            saved["organization"]["changes"]
                .as_array()
                .into_iter()
                .flatten(),
        )
        .map(|change| change["op"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(!ops.is_empty());
    assert!(ops.iter().all(|op| op.starts_with("adopt")), "{ops:?}");

    let applied = run(&["apply", "plan.json"], true);
    assert_eq!(applied.code, 0, "{}", applied.transcript());
    let empty = run(&["plan", "--detailed-exitcode"], true);
    assert_eq!(empty.code, 0, "plan after apply: {}", empty.transcript());

    for (account, old) in ids.iter().zip(before) {
        let now = aws.read_account_full(account, &access()).await.unwrap();
        assert!(
            now.roles
                .iter()
                .any(|r| r.tags.contains_key("warden:managed")),
            "adopted roles carry the marker in {account}"
        );
        assert_eq!(
            without_marker_and_clock(now),
            without_marker_and_clock(old),
            "live IAM of {account} unchanged apart from the marker"
        );
    }
    let deny = aws
        .read_scps()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "deny-leave")
        .unwrap();
    assert_eq!(deny.targets, vec![workloads]);
    assert!(deny.content.contains("organizations:LeaveOrganization"));
}

/// The ARN of dev's `shared-read` policy, for the seeded group and user.
async fn dev_admin_policy(aws: &Aws, account: &str) -> String {
    let live = aws.read_account_full(account, &access()).await.unwrap();
    live.policy("shared-read").unwrap().arn.clone()
}
